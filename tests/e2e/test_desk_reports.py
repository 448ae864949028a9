"""GET /v1/ledgers/{code}/reports/ledger (the 总台账), /income and /rights as JSON, CSV and
HTML, and `aidreg report`: every format states the checkpoint it was computed from (origin, size, root hash),
which is the ledger's own; the totals add up (by class, township, village, funding year);
a village's register shows its share of a shared asset. Refusals change nothing."""

import base64
import csv
import io
import os
import subprocess
import tempfile

import test_desk_api as D
from aidreg_client import Client, assert_problem, unchanged
from printed import assert_prints

C = Client()


def setup_module():
    D.setup_module()


def get(q=""):
    return C.get("/v1/ledgers/%s/reports/ledger%s" % (D.L.code, q))


def checkpoint():
    note = C.checkpoint_note(D.L.code).split("\n")
    return note[0], int(note[1]), note[2]


def test_json():
    r = get()
    assert r.status == 200, r
    rep = r.json
    origin, size, root = checkpoint()
    assert rep["checkpoint"]["origin"] == origin == D.L.origin and rep["checkpoint"]["size"] == size, rep
    assert rep["checkpoint"]["root_hash"] == root and len(base64.b64decode(root)) == 32, rep
    assert rep["count"] == 1 and rep["value_fen"] == 10000001 and rep["value_yuan"] == "100000.01", rep
    row = rep["rows"][0]
    assert row["id"] == "A-DESK-1" and row["class_zh"] == "经营性" and row["village_name"] == "新联村", row
    assert row["township_name"] == "好花红镇" and row["year"] == "2024" and row["channels"] == ["衔接资金"], row
    sub = rep["subtotals"]
    for g in ("by_class", "by_township", "by_village", "by_year", "by_channel"):
        assert sum(x["value_fen"] for x in sub[g]) == rep["value_fen"], (g, sub[g])
    assert [(x["label"], x["value_fen"]) for x in sub["by_village"]] == [("新联村", 6000001), ("东坡村", 4000000)], sub
    v2 = get("?village=" + D.V2).json
    assert v2["value_fen"] == 4000000 and v2["rows"][0]["value_yuan"] == "40000.00" and v2["village_name"] == "东坡村", v2
    assert get("?year=2024").json["count"] == 1 and get("?year=2023").json["count"] == 0


def test_csv():
    r = get("?format=csv")
    assert r.status == 200 and r.content_type == "text/csv", r
    assert r.body.startswith(b"\xef\xbb\xbf"), r.body[:10]
    rows = list(csv.reader(io.StringIO(r.body.decode("utf-8-sig"))))
    _, size, root = checkpoint()
    assert ["检查点 checkpoint size", str(size)] in rows and ["根哈希 root hash", root] in rows, rows[:6]
    h = next(i for i, x in enumerate(rows) if x and x[0] == "序号")
    header = rows[h]
    col = {name: i for i, name in enumerate(header)}
    assert header[1] == "资产编号" and "资产原值（元）" in col and "资金来源" in col and "村代码" in col, header
    v = col["资产原值（元）"]
    data = rows[h + 1]
    assert data[1] == "A-DESK-1" and data[col["资产类别"]] == "经营性" and data[col["所在村"]] == "新联村", data
    assert data[v] == "100000.01" and data[col["资金来源"]] == "衔接资金" and data[col["项目类型"]] == "产业发展", data
    total = rows[h + 2]
    assert total[0] == "合计" and total[v] == "100000.01", total
    assert ["小计", "按资金来源", "资产数", "资产原值（元）"] in rows and ["衔接资金", "衔接资金", "1", "100000.01"] in rows, rows
    assert ["445301101201"[:0] + D.V1, "新联村", "1", "60000.01"] in rows, rows


def test_csv_rows_are_the_json_rows():
    """The CSV's rows are written as the library makes them (aidreg_state_report_ledger_each),
    the JSON's from the whole report: the same rows, total and checkpoint, for every filter."""
    for q in ("", "?village=" + D.V1, "?village=" + D.V2, "?year=2024", "?year=2023"):
        rep = get(q).json
        body = get("?format=csv" + q.replace("?", "&")).body.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(body)))
        assert ["检查点 checkpoint size", str(rep["checkpoint"]["size"])] in rows, (q, rows[:6])
        assert ["根哈希 root hash", rep["checkpoint"]["root_hash"]] in rows, (q, rows[:6])
        h = next(i for i, x in enumerate(rows) if x and x[0] == "序号")
        col = {name: i for i, name in enumerate(rows[h])}
        t = next(i for i, x in enumerate(rows) if x and x[0] == "合计")
        data = rows[h + 1:t]
        assert len(data) == rep["count"] == len(rep["rows"]), (q, data, rep["count"])
        for got, want in zip(data, rep["rows"]):
            assert got[col["序号"]] == str(want["no"]) and got[col["资产编号"]] == want["id"], (q, got, want)
            assert got[col["资产名称"]] == want["name"] and got[col["村代码"]] == want["village"], (q, got, want)
            assert got[col["所在村"]] == want["village_name"] and got[col["资产类别"]] == want["class_zh"], (q, got)
            assert got[col["资产原值（元）"]] == want["value_yuan"], (q, got, want)
        assert rows[t][col["资产原值（元）"]] == rep["value_yuan"] and rows[t][2] == str(rep["count"]), (q, rows[t])


def test_html():
    r = get("?format=html")
    assert r.status == 200 and r.content_type == "text/html", r
    t = r.body.decode("utf-8")
    _, size, root = checkpoint()
    assert "<table>" in t and "资产总台账" in t and "A4" in t and root in t and "检查点 %d 条" % size in t, t[:800]
    assert "村级光伏电站" in t and "100000.01" in t
    assert_prints(r.body, "ledger", "资产总台账", "村级光伏电站", "新联村", "100000.01")


def test_refusals_change_nothing():
    other = "999999" if D.L.code != "999999" else "999998"
    with unchanged(D.L):
        assert_problem(C.get("/v1/ledgers/%s/reports/nosuch" % D.L.code), 404, "not-found")
        assert_problem(C.get("/v1/ledgers/%s/reports/ledger" % other), 404, "unknown-ledger")
        assert_problem(C.get("/v1/ledgers/%s/reports/ledger?format=csv" % other), 404, "unknown-ledger")
        assert_problem(get("?format=csv&village=110101101201"), 400, "invalid-query", "/query/village")
        assert_problem(get("?format=pdf"), 400, "invalid-query", "/query/format")
        assert_problem(get("?village=110101101201"), 400, "invalid-query", "/query/village")
        assert_problem(get("?year=24"), 400, "invalid-query", "/query/year")
        assert_problem(get("?sheet=1"), 400, "invalid-query", "/query/sheet")
        assert_problem(get("?format=csv&format=html"), 400, "invalid-query", "/query/format")


def test_cli_report():
    d = os.environ.get("AIDREG_BUILD_DIR") or os.path.join(
        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "build")
    cli = os.path.join(d, "aidreg")
    env = dict(os.environ, AIDREG_URL=C.base, AIDREG_LEDGER=D.L.code)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "总台账.csv")
        p = subprocess.run([cli, "report", "ledger", "--format", "csv", "--out", out], env=env, capture_output=True,
                           text=True, timeout=60)
        assert p.returncode == 0 and "已写入" in p.stderr, p
        with open(out, "rb") as f:
            body = f.read()
        assert body.startswith(b"\xef\xbb\xbf") and "村级光伏电站".encode() in body, body[:200]
        p = subprocess.run([cli, "report", "ledger", "--format", "html", "--village", D.V1], env=env,
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0 and "新联村" in p.stdout and "60000.01" in p.stdout, p
        assert_prints(p.stdout.encode(), "ledger-village", "资产总台账", "新联村", "60000.01")
        p = subprocess.run([cli, "report", "nosuch"], env=env, capture_output=True, text=True, timeout=60)
        assert p.returncode == 2, p


def test_rights_report():
    r = C.get("/v1/ledgers/%s/reports/rights" % D.L.code)
    assert r.status == 200, r
    county, towns, villages = r.json["tables"]
    assert county["rows"] == [[D.L.code, D.L.name, "1", "0（0.0%）", "0（0.0%）", "0（0.0%）", "100000.01"]], county
    assert r.json["checkpoint"]["size"] == D.L.size(), r.json
    D.ok("county", "asset.rights", "A-DESK-1", {
        "owners": [{"kind": "village_collective", "id": D.V1, "name": "新联村股份经济合作社", "share_bp": 10000}],
        "certificate_no": "QZ-2025-001", "confirmed_on": "2025-01-05"})
    county, towns, villages = C.get("/v1/ledgers/%s/reports/rights" % D.L.code).json["tables"]
    assert county["rows"][0][3:6] == ["1（100.0%）", "1（100.0%）", "0（0.0%）"], county
    assert towns["rows"] == [[D.TOWN, "好花红镇", "1", "1（100.0%）", "1（100.0%）", "0（0.0%）", "100000.01"]], towns
    assert [v[:2] + v[6:] for v in villages["rows"]] == [[D.V1, "新联村", "60000.01"], [D.V2, "东坡村", "40000.00"]], villages
    t = C.get("/v1/ledgers/%s/reports/rights?format=csv" % D.L.code)
    assert t.status == 200 and t.body.startswith(b"\xef\xbb\xbf") and "确权移交进度".encode() in t.body, t
    h = C.get("/v1/ledgers/%s/reports/rights?format=html" % D.L.code)
    assert h.status == 200 and "按村 by village" in h.body.decode() and "东坡村" in h.body.decode(), h
    assert_prints(h.body, "rights", "确权移交进度", "按村 by village", "东坡村", "好花红镇", "100000.01")
    with unchanged(D.L):
        assert_problem(C.get("/v1/ledgers/%s/reports/rights?village=%s" % (D.L.code, D.V1)), 400, "invalid-query",
                       "/query/village")
        assert_problem(C.get("/v1/ledgers/%s/reports/rights?format=pdf" % D.L.code), 400, "invalid-query",
                       "/query/format")


def test_income_report():
    r = C.get("/v1/ledgers/%s/reports/income" % D.L.code)
    assert r.status == 200, r
    detail, by_village = r.json["tables"]
    assert r.json["checkpoint"]["size"] == D.L.size(), r.json
    v1, v2 = detail["rows"]
    assert v1[:3] == ["A-DESK-1", "村级光伏电站", "新联村"] and v1[5:8] == ["5400.00", "3000.00", "2400.00"], v1
    assert v1[8] == D.PLAN + "（已公示）" and v1[9] == "2025-02-01～2025-02-10", v1
    assert v2[2] == "东坡村" and v2[5:8] == ["3600.00", "0.00", "3600.00"] and v2[8] == "", v2
    assert by_village["rows"][-1] == ["合计", "", "2", "9000.00", "3000.00", "6000.00"], by_village
    only = C.get("/v1/ledgers/%s/reports/income?village=%s" % (D.L.code, D.V2)).json["tables"][0]["rows"]
    assert len(only) == 1 and only[0][2] == "东坡村", only
    assert C.get("/v1/ledgers/%s/reports/income?year=2023" % D.L.code).json["tables"][0]["rows"] == []
    t = C.get("/v1/ledgers/%s/reports/income?format=csv" % D.L.code)
    assert t.status == 200 and t.body.startswith(b"\xef\xbb\xbf") and "收益及分配".encode() in t.body, t
    with unchanged(D.L):
        assert_problem(C.get("/v1/ledgers/%s/reports/income?village=1" % D.L.code), 400, "invalid-query",
                       "/query/village")


def test_disposals_report():
    D.ok("county", "asset.register", "A-DESK-2", {
        "project": "P-DESK-1", "name": "旧水泵", "class": "public_welfare", "subtype": "水利", "form": "fixed",
        "village": D.V2, "original_value_fen": 500000, "quantity": 1, "unit": "台",
        "completed_on": "2019-05-01", "accepted_on": "2019-05-10"})
    req = D.ok("township", "disposal.request", "A-DESK-2", {
        "trigger": "end_of_life", "method": "auction", "valuation_fen": 20000, "decided_on": "2025-03-01"})
    empty = C.get("/v1/ledgers/%s/reports/disposals" % D.L.code).json["tables"][0]["rows"]
    assert empty == [["A-DESK-2", "旧水泵", "东坡村", "5000.00", "报废", "拍卖", "200.00", "2025-03-01", "待审批", "", "",
                      "", ""]] or (empty[0][8] == "待审批" and empty[0][3] == "5000.00"), empty
    D.ok("county", "disposal.approve", "A-DESK-2", {"request": req, "decision": "approved", "conditions": "公开拍卖"})
    D.ok("county", "disposal.complete", "A-DESK-2", {
        "completed_on": "2025-04-01", "proceeds_fen": 25000, "counterparty": "县废旧物资回收公司",
        "proceeds_to": D.V2})
    r = C.get("/v1/ledgers/%s/reports/disposals" % D.L.code)
    assert r.status == 200 and r.json["checkpoint"]["size"] == D.L.size(), r
    row = r.json["tables"][0]["rows"][0]
    assert row[0] == "A-DESK-2" and row[5] == "拍卖" and row[6] == "200.00" and row[8].startswith("批准"), row
    assert row[9:] == ["2025-04-01", "250.00", "县废旧物资回收公司", "东坡村（%s）" % D.V2], row
    h = C.get("/v1/ledgers/%s/reports/disposals?format=html" % D.L.code).body.decode()
    assert "处置登记" in h and "县废旧物资回收公司" in h, h[:500]
    assert_prints(h.encode(), "disposals", "处置登记", "拍卖", "200.00", "250.00")
    with unchanged(D.L):
        assert_problem(C.get("/v1/ledgers/%s/reports/disposals?year=2025" % D.L.code), 400, "invalid-query",
                       "/query/year")


def test_xlsx():
    import zipfile
    from aidreg_client import Skip
    r = get("?format=xlsx")
    if r.status == 400 and b"libxlsxwriter" in r.body:
        raise Skip("this server was built without libxlsxwriter")
    assert r.status == 200 and r.content_type == \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", r
    z = zipfile.ZipFile(io.BytesIO(r.body))
    strings = z.read("xl/sharedStrings.xml").decode("utf-8")
    _, size, root = checkpoint()
    for s in ("资产编号", "资产原值（元）", "村级光伏电站", "新联村", "经营性", root, str(size), "合计"):
        assert s in strings, (s, strings[:500])
    sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert 'state="frozen"' in sheet and 'ySplit="7"' in sheet, sheet[:800]
    assert "<v>100000.01</v>" in sheet, sheet  # the amount as a number, in yuan
    assert "xl/worksheets/sheet2.xml" in z.namelist()  # 小计
    t = C.get("/v1/ledgers/%s/reports/income?format=xlsx" % D.L.code)
    assert t.status == 200 and t.body[:2] == b"PK", t
    assert "<v>5400</v>" in zipfile.ZipFile(io.BytesIO(t.body)).read("xl/worksheets/sheet1.xml").decode(), "income net"
