"""Reports 2 (清查报告, inventory) and 6 (审计整改情况, rectification) of domain.md through the
county reports' route and command (issue 8 part 5): GET /v1/ledgers/{code}/reports/inventory
and /reports/rectification as JSON (the audit's own table, the same as /audit?report=), CSV,
HTML and XLSX, and `aidreg report inventory|rectification`. On a fresh ledger of two assets,
one counted and found, one counted and not found, and two recorded findings, one resolved:
the figures (summary and rows) in every format; every format states the checkpoint; the
HTML prints (chromium --print-to-pdf, pdftoppm). Refusals change nothing."""

import csv
import io
import os
import subprocess
import tempfile
import time

from aidreg_client import Client, Skip, assert_problem, new_ledger, unchanged
from printed import assert_prints
from xlsx_cells import xlsx_cells

C = Client()
L = None
YEAR = time.gmtime(time.time() + 8 * 3600).tm_year
VILLAGE = None


def build_dir():
    d = os.environ.get("AIDREG_BUILD_DIR")
    return d or os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "build")


def setup_module():
    global L, VILLAGE
    L = new_ledger(C, "46")
    L.enroll("root", "county", "county", L.code)
    L.enroll("county", "auditor", "auditor", L.code)
    VILLAGE = L.code + "101201"
    L.enroll("county", "village", "village", VILLAGE)
    assert L.submit("county", "place.register", L.code + "101", {"name": "城关镇"}).status == 201
    assert L.submit("county", "place.register", VILLAGE, {"name": "东风村"}).status == 201
    assert L.submit("county", "project.register", "P-1", {
        "name": "道路", "type": "rural_construction", "year": YEAR - 2,
        "funding_lines": [{"channel": "衔接资金", "year": YEAR - 2, "amount_fen": 300000}],
        "locations": [VILLAGE], "industry_dept": "交通局", "implementing_unit": "乡村振兴局",
        "accepted_on": "%d-01-10" % (YEAR - 2)}).status == 201
    def ok(r):
        assert r.status == 201, r

    for code, name in (("A-1", "通组路"), ("A-2", "村道路灯")):
        assert L.submit("county", "asset.register", code, {
            "project": "P-1", "name": name, "class": "public_welfare", "subtype": "道路", "form": "fixed",
            "village": VILLAGE, "original_value_fen": 150000, "quantity": 1, "unit": "km",
            "completed_on": "%d-01-10" % (YEAR - 2), "accepted_on": "%d-01-10" % (YEAR - 2)}).status == 201
    day = "%d-01-15" % YEAR
    ok(L.submit("village", "inventory.count", "A-1", {"date": day, "found": True, "condition": "good", "note": "完好",
                                                     "photos_sha256": []}))
    ok(L.submit("village", "inventory.count", "A-2", {"date": day, "found": False, "condition": "damaged",
                                                     "note": "路灯被拆", "photos_sha256": []}))
    rec = L.submit("auditor", "finding.record", "A-1", {"check": "no-owner", "severity": "serious",
                                                       "note": "未确权", "due": "%d-12-31" % (YEAR + 1)})
    assert rec.status == 201, rec
    assert L.submit("auditor", "finding.record", "A-2", {"check": "no-owner", "severity": "serious",
                                                        "note": "未确权", "due": "%d-12-31" % (YEAR + 1)}).status == 201
    assert L.submit("village", "finding.resolve", "A-1", {"finding": rec.json["payload_sha256"], "action": "已确权",
                                                          "resolved_on": day}).status == 201


def get(name, q=""):
    return C.get("/v1/ledgers/%s/reports/%s%s" % (L.code, name, q))


def checkpoint():
    note = C.checkpoint_note(L.code).split("\n")
    return note[0], int(note[1]), note[2]


def test_json_is_the_audits_table():
    inv = get("inventory", "?year=%d" % YEAR)
    assert inv.status == 200 and inv.content_type == "application/json", inv
    same = C.get("/v1/ledgers/%s/audit?report=inventory&year=%d" % (L.code, YEAR))
    assert inv.json == same.json, (inv.json, same.json)
    assert inv.json["summary"] == {"assets": 2, "counted": 2, "not_counted": 0, "not_found": 1,
                                   "with_problems": 2}, inv.json["summary"]
    origin, size, root = checkpoint()
    assert inv.json["checkpoint"] == {"origin": origin, "size": size, "root": root}, inv.json["checkpoint"]
    rect = get("rectification")
    assert rect.status == 200 and rect.json == C.get("/v1/ledgers/%s/audit?report=rectification" % L.code).json
    assert rect.json["summary"] == {"recorded": 2, "open": 1, "overdue": 0, "resolved": 1}, rect.json["summary"]
    # a village (or township) filters
    assert get("inventory", "?village=" + L.code + "101").json["summary"]["assets"] == 2
    assert get("inventory", "?village=" + L.code + "101202").json["summary"]["assets"] == 0


def csv_rows(body):
    assert body.startswith(b"\xef\xbb\xbf"), body[:10]
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_csv():
    r = get("inventory", "?format=csv&year=%d" % YEAR)
    assert r.status == 200 and r.content_type == "text/csv", r
    rows = csv_rows(r.body)
    _, size, root = checkpoint()
    assert "清查报告" in rows[0][0] and ["检查点 checkpoint size", str(size)] in rows and \
        ["根哈希 root hash", root] in rows, rows[:6]
    for line in (["年度 year", str(YEAR)], ["资产数 assets", "2"], ["已清查 counted", "2"], ["未见实物 not found", "1"]):
        assert line in rows, (line, rows)
    h = next(i for i, x in enumerate(rows) if x and x[0] == "资产编号 asset")
    col = {name: i for i, name in enumerate(rows[h])}
    body = {x[0]: x for x in rows[h + 1:h + 3]}
    assert set(body) == {"A-1", "A-2"}, rows[h:]
    assert body["A-2"][col["村名 village name"]] == "东风村" and body["A-2"][col["清查日期 counted on"]] == "%d-01-15" % YEAR
    assert body["A-2"][col["清查结果 result"]] != body["A-1"][col["清查结果 result"]], body
    r = get("rectification", "?format=csv")
    rows = csv_rows(r.body)
    for line in (["记录的发现 recorded", "2"], ["整改中 open", "1"], ["已整改 resolved", "1"]):
        assert line in rows, (line, rows)
    h = next(i for i, x in enumerate(rows) if x and x[0] == "记录条目 entry")
    col = {name: i for i, name in enumerate(rows[h])}
    subj = {x[col["对象 subject"]]: x for x in rows[h + 1:]}
    assert subj["A-1"][col["整改措施 action"]] == "已确权" and subj["A-2"][col["整改措施 action"]] == "", subj


def test_xlsx():
    r = get("inventory", "?format=xlsx&year=%d" % YEAR)
    if r.status == 400 and b"libxlsxwriter" in r.body:
        raise Skip("this server was built without libxlsxwriter")
    assert r.status == 200 and r.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", r
    z, summary = xlsx_cells(r.body, "xl/worksheets/sheet1.xml")
    _, size, root = checkpoint()
    texts = {v for v, _ in summary.values()}
    assert root in texts and str(size) in texts, texts
    label = {v: ref for ref, (v, num) in summary.items() if not num}
    # the counts are numbers in the workbook, beside their labels
    for name, n in (("资产数 assets", "2"), ("已清查 counted", "2"), ("未见实物 not found", "1")):
        ref = "B" + label[name][1:]
        assert summary[ref] == (n, True), (name, summary.get(ref))
    _, rows = xlsx_cells(r.body, "xl/worksheets/sheet2.xml")
    codes = sorted(v for ref, (v, _) in rows.items() if ref[0] == "A" and v.startswith("A-"))
    assert codes == ["A-1", "A-2"], rows
    sheet = z.read("xl/worksheets/sheet2.xml").decode()
    assert 'state="frozen"' in sheet, sheet[:600]
    r = get("rectification", "?format=xlsx")
    _, summary = xlsx_cells(r.body, "xl/worksheets/sheet1.xml")
    label = {v: ref for ref, (v, num) in summary.items() if not num}
    assert summary["B" + label["已整改 resolved"][1:]] == ("1", True), summary


def test_html_prints():
    r = get("rectification", "?format=html")
    assert r.status == 200 and r.content_type == "text/html", r
    html = r.body.decode("utf-8")
    _, size, root = checkpoint()
    assert "审计整改情况" in html and root in html and "已确权" in html and "东风村" in html, html[:800]
    # The names whole: on portrait A4 the 14 columns cut them a character or two a line (已确/权).
    assert_prints(r.body, "rectification", "审计整改情况报告", "汇总 summary", "已整改 resolved", "东风村", "未确权", "已确权")
    r = get("inventory", "?format=html&year=%d" % YEAR)
    assert r.status == 200 and r.content_type == "text/html", r
    assert_prints(r.body, "inventory", "年度扶贫项目资产清查报告", "汇总 summary", "未见实物 not found", "东风村", "完好",
                  "通组路", "村道路灯", "路灯被拆")


def test_cli():
    d = tempfile.mkdtemp(prefix="aidreg-report-")
    out = os.path.join(d, "清查.csv")
    env = dict(os.environ, AIDREG_LEDGER=L.code)
    p = subprocess.run([os.path.join(build_dir(), "aidreg"), "report", "inventory", "--year", str(YEAR), "--out", out],
                       env=env, capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr
    with open(out, "rb") as f:
        got = [x for x in csv_rows(f.read()) if not x or x[0] != "生成时间 generated"]
    want = [x for x in csv_rows(get("inventory", "?format=csv&year=%d" % YEAR).body) if not x or x[0] != "生成时间 generated"]
    assert got == want and ["资产数 assets", "2"] in got, got
    p = subprocess.run([os.path.join(build_dir(), "aidreg"), "report", "rectification", "--year", "2025"], env=env,
                       capture_output=True, timeout=60)
    assert p.returncode == 2 and b"--year" in p.stderr, p
    p = subprocess.run([os.path.join(build_dir(), "aidreg"), "report", "inventory", "--village", "12"], env=env,
                       capture_output=True, timeout=60)
    assert p.returncode == 2 and b"--village" in p.stderr, p


def test_refusals_change_nothing():
    with unchanged(L):
        assert_problem(get("rectification", "?year=2025"), 400, "invalid-query", "/query/year")
        assert_problem(get("inventory", "?year=25"), 400, "invalid-query", "/query/year")
        assert_problem(get("inventory", "?village=110101101"), 400, "invalid-query", "/query/village")
        assert_problem(get("inventory", "?format=pdf"), 400, "invalid-query", "/query/format")
        assert_problem(get("inventory", "?as_of=2025-01-01"), 400, "invalid-query", "/query/as_of")
        assert_problem(C.get("/v1/ledgers/999999/reports/inventory"), 404, "unknown-ledger")
