"""GET /v1/ledgers/{code}/audit and `aidreg audit` (docs/audit.md).

On the demo ledger the server's audit and the offline audits (from the server's tiles, from
an export folder, from the database) name the same findings, finding for finding, with the
same checkpoint; every check fires on the demo (docs/demo.md says which entries). On a fresh
ledger a planted irregularity is found, recorded (finding.record) and resolved
(finding.resolve), and the status follows. CSV and HTML come as documented; bad queries
are 400 invalid-query naming the parameter."""

import json
import os
import subprocess
import tempfile

from aidreg_client import Client, Skip, assert_problem, new_ledger
from printed import assert_prints

C = Client()
AS_OF = "2026-06-30"


def build_dir():
    d = os.environ.get("AIDREG_BUILD_DIR")
    if not d:
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        d = os.path.join(root, "build")
    return d


def cli(*args):
    p = subprocess.run([os.path.join(build_dir(), "aidreg"), *args], capture_output=True, timeout=600)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def demo():
    code, vkey = os.environ.get("AIDREG_LEDGER"), os.environ.get("AIDREG_LOG_VKEY")
    if not code or not vkey:
        raise Skip("no demo ledger (AIDREG_LEDGER, AIDREG_LOG_VKEY)")
    return code, vkey


def server_audit(code, query=""):
    r = C.get("/v1/ledgers/%s/audit?as_of=%s%s" % (code, AS_OF, query))
    assert r.status == 200, r
    assert r.content_type == "application/json", r.headers.get("Content-Type")
    return r.json


def offline(*source):
    rc, out, err = cli("audit", *source, "--as-of", AS_OF)
    assert rc == 0, "aidreg audit %s failed (%d): %s" % (" ".join(source), rc, err)
    return json.loads(out.decode("utf-8"))


def same(a, b, what):
    assert a["checkpoint"] == b["checkpoint"], (what, a["checkpoint"], b["checkpoint"])
    assert a["as_of"] == b["as_of"] and a["counts"] == b["counts"], (what, a["counts"], b["counts"])
    assert len(a["findings"]) == len(b["findings"]), (what, len(a["findings"]), len(b["findings"]))
    for x, y in zip(a["findings"], b["findings"]):
        assert x == y, (what, x, y)


def test_demo_server_and_offline_agree():
    code, vkey = demo()
    srv = server_audit(code)
    assert srv["ledger"] == code and srv["checkpoint"]["size"] == C.tree_size(code), srv["checkpoint"]
    same(srv, offline("--server", C.base, "--ledger", code, "--vkey", vkey), "--server")
    with tempfile.TemporaryDirectory() as d:
        rc, _, err = cli("export", "--server", C.base, "--ledger", code, "--vkey", vkey, "--out", d)
        assert rc == 0, err
        same(srv, offline("--dir", d, "--vkey", vkey), "--dir")
    db = os.environ.get("AIDREG_DATABASE_URL")
    if db:
        same(srv, offline("--db", db, "--ledger", code, "--vkey", vkey), "--db")


def test_demo_fires_every_check():
    code, _ = demo()
    srv = server_audit(code)
    if os.environ.get("AIDREG_AUDIT_DUMP"):
        with open(os.environ["AIDREG_AUDIT_DUMP"], "w") as f:
            json.dump({"audit": srv, "entries": C.all_entries(code)}, f, ensure_ascii=False)
    silent = [c for c, n in srv["counts"].items() if n == 0]
    assert not silent, "checks that do not fire on the demo: %s" % silent
    assert len(srv["counts"]) == 22, srv["counts"]
    for f in srv["findings"]:
        assert f["zh"] and f["en"] and f["evidence"] and f["status"] in ("open", "recorded", "resolved", "overdue"), f


def test_filters_and_formats():
    code, vkey = demo()
    full = server_audit(code)
    one = server_audit(code, "&check=no-owner")
    assert list(one["counts"]) == ["no-owner"] and all(f["check"] == "no-owner" for f in one["findings"]), one
    assert one["findings"] == [f for f in full["findings"] if f["check"] == "no-owner"]
    village = next(f["village"] for f in full["findings"] if f["village"])
    v = server_audit(code, "&village=" + village)
    assert v["findings"] == [f for f in full["findings"] if f["village"] == village]
    r = C.get("/v1/ledgers/%s/audit?as_of=%s&format=csv" % (code, AS_OF))
    assert r.status == 200 and r.content_type.startswith("text/csv"), r
    assert r.body.startswith(b"\xef\xbb\xbf") and r.body.count(b"\r\n") == len(full["findings"]) + 1
    r = C.get("/v1/ledgers/%s/audit?as_of=%s&format=html" % (code, AS_OF))
    assert r.status == 200 and r.content_type.startswith("text/html"), r
    html = r.body.decode("utf-8")
    assert "审计报告" in html and "A4" in html and full["checkpoint"]["root"] in html
    # On paper: the headings, a village by name, and the sale below valuation in yuan as the ledger has it.
    sale = next(f for f in full["findings"] if f["check"] == "sale-below-valuation")["figures"]
    words = ("扶贫项目资产审计报告", "按检查项汇总", "按村汇总", "低价处置", "好花红村", "成交 %s 元" % sale["proceeds_yuan"])
    assert_prints(r.body, "audit", *words)
    rc, out, err = cli("audit", "--server", C.base, "--ledger", code, "--vkey", vkey, "--as-of", AS_OF, "--format", "html")
    assert rc == 0, err
    assert_prints(out, "audit-cli", *words)


def test_bad_queries():
    code = os.environ.get("AIDREG_LEDGER") or "522731"
    assert_problem(C.get("/v1/ledgers/%s/audit?as_of=2026-02-30" % code), 400, "invalid-query", "/query/as_of")
    assert_problem(C.get("/v1/ledgers/%s/audit?check=nope" % code), 400, "invalid-query", "/query/check")
    assert_problem(C.get("/v1/ledgers/%s/audit?format=pdf" % code), 400, "invalid-query", "/query/format")
    assert_problem(C.get("/v1/ledgers/%s/audit?village=1" % code), 400, "invalid-query", "/query/village")
    assert_problem(C.get("/v1/ledgers/%s/audit?colour=red" % code), 400, "invalid-query", "/query/colour")
    assert_problem(C.get("/v1/ledgers/999999/audit"), 404, "unknown-ledger")


def test_lifecycle_on_a_fresh_ledger():
    lg = new_ledger(C, "46")
    lg.enroll("root", "county", "county", lg.code)
    lg.enroll("county", "auditor", "auditor", lg.code)
    lg.enroll("county", "village", "village", lg.code + "101201")
    village = lg.code + "101201"
    assert lg.submit("county", "project.register", "P-1", {
        "name": "道路", "type": "rural_construction", "year": 2024,
        "funding_lines": [{"channel": "衔接资金", "year": 2024, "amount_fen": 100000}],
        "locations": [village], "industry_dept": "交通局", "implementing_unit": "乡村振兴局",
        "accepted_on": "2024-01-10"}).status == 201
    assert lg.submit("county", "asset.register", "A-1", {
        "project": "P-1", "name": "通组路", "class": "public_welfare", "subtype": "道路", "form": "fixed",
        "village": village, "original_value_fen": 100000, "quantity": 1, "unit": "km",
        "completed_on": "2024-01-10", "accepted_on": "2024-01-10"}).status == 201

    def finding(check):
        r = server_audit(lg.code, "&check=" + check)
        got = [f for f in r["findings"] if f["subject"] == "A-1"]
        return got[0] if got else None

    f = finding("no-owner")
    assert f and f["status"] == "open" and f["since"] == "2024-07-09" and f["village"] == village, f
    rec = lg.submit("auditor", "finding.record", "A-1", {"check": "no-owner", "severity": "serious",
                                                         "note": "未确权", "due": "2025-12-31"})
    assert rec.status == 201, rec
    assert finding("no-owner")["status"] == "overdue"  # as of 2026-06-30, past its due
    ref = rec.json["payload_sha256"]
    assert finding("finding-overdue")
    assert lg.submit("village", "finding.resolve", "A-1", {"finding": ref, "action": "已确权",
                                                           "resolved_on": "2026-01-05"}).status == 201
    assert finding("no-owner")["status"] == "resolved"
    assert finding("finding-overdue") is None
    # the offline audit of the same checkpoint agrees
    same(server_audit(lg.code), offline("--server", C.base, "--ledger", lg.code, "--vkey", lg.vkey), "fresh")



def test_cli_finding_record_and_resolve():
    lg = new_ledger(C, "47")
    lg.enroll("root", "county", "county", lg.code)
    lg.enroll("county", "auditor", "auditor", lg.code)
    village = lg.code + "101201"
    lg.enroll("county", "village", "village", village)
    assert lg.submit("county", "project.register", "P-9", {
        "name": "冷库", "type": "industry", "year": 2023,
        "funding_lines": [{"channel": "衔接资金", "year": 2023, "amount_fen": 500000}],
        "locations": [village], "industry_dept": "农业农村局", "implementing_unit": "乡村振兴局",
        "accepted_on": "2023-05-01"}).status == 201
    assert lg.submit("county", "asset.register", "A-9", {
        "project": "P-9", "name": "冷库", "class": "operating", "subtype": "冷库", "form": "fixed",
        "village": village, "original_value_fen": 500000, "quantity": 1, "unit": "座",
        "completed_on": "2023-05-01", "accepted_on": "2023-05-01"}).status == 201

    def status(check):
        f = [x for x in server_audit(lg.code, "&check=" + check)["findings"] if x["subject"] == "A-9"]
        return f[0]["status"] if f else None

    with tempfile.TemporaryDirectory() as d:
        lg.keys["auditor"].write_pem(os.path.join(d, "auditor"))
        lg.keys["village"].write_pem(os.path.join(d, "village"))
        common = ("--server", C.base, "--ledger", lg.code, "--subject", "A-9", "--as-of", AS_OF)
        # a finding the audit does not compute is not recorded
        rc, _, err = cli("finding", "record", "--key", os.path.join(d, "auditor.key"), "--check", "sale-below-valuation",
                         *common)
        assert rc == 1 and "names no sale-below-valuation finding on A-9" in err, err
        assert status("no-owner") == "open"
        before = lg.size()
        rc, _, err = cli("finding", "record", "--key", os.path.join(d, "auditor.key"), "--check", "no-owner",
                         "--due", "2026-12-31", "--note", "限期确权", *common)
        assert rc == 0, err
        assert status("no-owner") == "recorded"
        rc, _, err = cli("finding", "resolve", "--key", os.path.join(d, "village.key"), "--check", "no-owner",
                         "--action", "已报县确权", "--resolved-on", "2026-01-10", *common)
        assert rc == 0, err
        assert status("no-owner") == "resolved"
        rc, _, err = cli("finding", "resolve", "--key", os.path.join(d, "village.key"), "--check", "no-owner",
                         "--action", "再次", *common)
        assert rc == 1, err  # already resolved: the server refuses (finding-resolved)
        # an older tree of the same ledger: before the record, the finding was open
        old = offline("--server", C.base, "--ledger", lg.code, "--vkey", lg.vkey, "--size", str(before))
        assert old["checkpoint"]["size"] == before, old["checkpoint"]
        f = [x for x in old["findings"] if x["check"] == "no-owner" and x["subject"] == "A-9"]
        assert f and f[0]["status"] == "open", f
        full = offline("--server", C.base, "--ledger", lg.code, "--vkey", lg.vkey)
        assert offline("--server", C.base, "--ledger", lg.code, "--vkey", lg.vkey, "--size",
                       str(full["checkpoint"]["size"])) == full
        rc, _, err = cli("audit", "--server", C.base, "--ledger", lg.code, "--vkey", lg.vkey, "--size", "99999")
        assert rc == 1 and "beyond the verified checkpoint" in err, err


def test_reports_server_and_offline_agree():
    code, vkey = demo()
    for report, extra in (("rectification", ""), ("inventory", "&year=2025")):
        r = C.get("/v1/ledgers/%s/audit?as_of=%s&report=%s%s" % (code, AS_OF, report, extra))
        assert r.status == 200, r
        srv = r.json
        args = ["audit", "--server", C.base, "--ledger", code, "--vkey", vkey, "--as-of", AS_OF, "--report", report]
        if extra:
            args += ["--year", "2025"]
        rc, out, err = cli(*args)
        assert rc == 0, err
        assert json.loads(out.decode("utf-8")) == srv, report
        assert srv["report"] == report and srv["columns"] and srv["summary"], srv.keys()
        for fmt, ctype in (("csv", "text/csv"), ("html", "text/html")):
            r = C.get("/v1/ledgers/%s/audit?as_of=%s&report=%s%s&format=%s" % (code, AS_OF, report, extra, fmt))
            assert r.status == 200 and r.content_type.startswith(ctype), r
            if fmt == "csv":
                assert r.body.startswith(b"\xef\xbb\xbf") and r.body.count(b"\r\n") == len(srv["rows"]) + 1
    rect = C.get("/v1/ledgers/%s/audit?as_of=%s&report=rectification" % (code, AS_OF)).json
    statuses = sorted(row["status"] for row in rect["rows"])
    assert statuses == ["overdue", "resolved"], rect["rows"]  # the cold store's, the solar plant's
    inv = C.get("/v1/ledgers/%s/audit?as_of=%s&report=inventory&year=2025" % (code, AS_OF)).json
    s = inv["summary"]
    assert s["not_found"] == 1 and s["not_counted"] >= 1 and s["counted"] + s["not_counted"] == s["assets"], s
    assert_problem(C.get("/v1/ledgers/%s/audit?report=ledger" % code), 400, "invalid-query", "/query/report")
    assert_problem(C.get("/v1/ledgers/%s/audit?year=2025" % code), 400, "invalid-query", "/query/year")


def test_findings_on_projects_and_keys_are_recordable():
    """project-without-assets, value-funding-gap (subject a project) and key-dormant (subject
    a key id) come out of the audit like the others, and finding.record / finding.resolve
    accept their subjects (docs/decisions.md); a record naming a project or key the ledger
    does not know is refused and nothing is stored."""
    lg = new_ledger(C, "48")
    lg.enroll("root", "county", "county", lg.code)
    lg.enroll("county", "auditor", "auditor", lg.code)
    village = lg.code + "101201"
    vk = lg.enroll("county", "village", "village", village)
    assert lg.submit("county", "project.register", "P-0", {
        "name": "空项目", "type": "industry", "year": 2024,
        "funding_lines": [{"channel": "衔接资金", "year": 2024, "amount_fen": 300000}],
        "locations": [village], "industry_dept": "农业农村局", "implementing_unit": "乡村振兴局",
        "accepted_on": "2024-01-10"}).status == 201
    assert lg.submit("county", "project.register", "P-1", {
        "name": "小项目", "type": "industry", "year": 2024,
        "funding_lines": [{"channel": "衔接资金", "year": 2024, "amount_fen": 300000}],
        "locations": [village], "industry_dept": "农业农村局", "implementing_unit": "乡村振兴局",
        "accepted_on": "2024-01-10"}).status == 201
    assert lg.submit("county", "asset.register", "A-1", {  # a third of the funding: value-funding-gap
        "project": "P-1", "name": "大棚", "class": "household", "subtype": "大棚", "form": "fixed",
        "village": village, "original_value_fen": 100000, "quantity": 1, "unit": "座",
        "completed_on": "2024-01-10", "accepted_on": "2024-01-10"}).status == 201
    as_of = "2029-06-30"  # the keys enrolled today have signed nothing for 24 months by then

    def audit():
        r = C.get("/v1/ledgers/%s/audit?as_of=%s" % (lg.code, as_of))
        assert r.status == 200, r
        return r.json

    def one(check, subject):
        got = [f for f in audit()["findings"] if f["check"] == check and f["subject"] == subject]
        assert len(got) == 1, (check, subject, [(f["check"], f["subject"]) for f in audit()["findings"]])
        return got[0]

    cases = [("project-without-assets", "P-0"), ("value-funding-gap", "P-1"), ("key-dormant", vk.id)]
    for check, subject in cases:
        assert one(check, subject)["status"] == "open"
    refs = {}
    for check, subject in cases:
        f = one(check, subject)
        rec = lg.submit("auditor", "finding.record", subject, {"check": check, "severity": f["severity"],
                                                               "note": "已记录", "due": "2030-01-31"})
        assert rec.status == 201, (check, rec)
        refs[check] = rec.json["payload_sha256"]
        assert one(check, subject)["status"] == "recorded"
    r = lg.submit("county", "finding.resolve", vk.id, {"finding": refs["key-dormant"], "action": "已注销",
                                                        "resolved_on": "2026-12-01"})
    assert r.status == 201, r
    assert one("key-dormant", vk.id)["status"] == "resolved"
    r = lg.submit("county", "finding.resolve", "P-0", {"finding": refs["project-without-assets"],
                                                        "action": "已补登", "resolved_on": "2026-12-01"})
    assert r.status == 201, r
    assert one("project-without-assets", "P-0")["status"] == "resolved"
    # the offline audit of the same checkpoint says the same
    rc, out, err = cli("audit", "--server", C.base, "--ledger", lg.code, "--vkey", lg.vkey, "--as-of", as_of)
    assert rc == 0, err
    same(audit(), json.loads(out.decode("utf-8")), "projects, keys")
    # a project the ledger never registered is no subject for a finding: refused, nothing stored
    before = lg.size()
    r = lg.submit("auditor", "finding.record", "P-404", {"check": "project-without-assets", "severity": "serious",
                                                          "note": "无此项目"})
    assert_problem(r, 422, "subject-unknown", "/subject")
    assert lg.size() == before
