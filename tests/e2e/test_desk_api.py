"""The county's desk in the read API: a township's summary, keys, settings, incomes, notices,
findings, and the names and Chinese labels beside codes and enumerations on every read.

Every refusal is its problem type, and a refused read changes nothing (the tree does not
move). A small county is registered through the API (a township, two villages, an operating
asset shared by both, an income drawn in part by a plan that is reviewed, filed and
publicised, a notice on a village, a finding recorded and resolved) and read back."""

import hashlib

from aidreg_client import Client, assert_problem, new_ledger, payload_sha256, unchanged

C = Client()
L = None
TOWN = V1 = V2 = None
INCOME = None
FINDING = None
PLAN = "PL-DESK-1"


def sha(s):
    return hashlib.sha256(s.encode("utf-8")).hexdigest()


def get(path):
    return C.get("/v1/ledgers/%s%s" % (L.code, path))


def ok(signer, type_, subject, body):
    env = L.sign(signer, type_, subject, body)
    r = C.submit(L.code, env)
    assert r.status == 201, (type_, r)
    return payload_sha256(env)


def setup_module():
    global L, TOWN, V1, V2, INCOME, FINDING
    L = new_ledger(C, "44")
    TOWN = L.code + "101"
    V1, V2 = TOWN + "201", TOWN + "202"
    L.enroll("root", "county", "county", L.code, holder={"name": "王县", "org": "县乡村振兴局"})
    L.enroll("county", "township", "township", TOWN)
    L.enroll("county", "village", "village", V1)
    L.enroll("county", "auditor", "auditor", L.code)
    L.enroll("county", "spare", "village", V2)
    assert L.revoke("county", "spare").status == 201
    ok("county", "ledger.settings", L.code, {"publicity_days": 10, "required_steps": ["proposal", "villagers_meeting"]})
    ok("county", "place.register", TOWN, {"name": "好花红镇"})
    ok("county", "place.register", V1, {"name": "新联村"})
    ok("county", "place.register", V2, {"name": "东坡村"})
    ok("county", "project.register", "P-DESK-1", {
        "name": "光伏扶贫项目", "type": "industry", "year": 2024,
        "funding_lines": [{"channel": "衔接资金", "year": 2024, "amount_fen": 10000000}],
        "locations": [V1, V2], "industry_dept": "县发改局", "implementing_unit": "县能源公司"})
    ok("county", "asset.register", "A-DESK-1", {
        "project": "P-DESK-1", "name": "村级光伏电站", "class": "operating", "subtype": "光伏", "form": "fixed",
        "locations": [{"code": V1, "share_bp": 6000}, {"code": V2, "share_bp": 4000}],
        "original_value_fen": 10000001, "quantity": 100, "unit": "千瓦",
        "completed_on": "2024-05-01", "accepted_on": "2024-05-10"})
    INCOME = ok("county", "income.report", "A-DESK-1", {
        "period_start": "2024-06-01", "period_end": "2024-12-31", "gross_fen": 1000000,
        "costs": [{"kind": "o_and_m", "amount_fen": 100000}], "net_fen": 900000, "payer": "国网县供电公司",
        "received_on": "2025-01-10", "account": "村集体账户"})
    ok("village", "allocation.plan", PLAN, {
        "village": V1, "year": 2025, "sources": [{"income": INCOME, "amount_fen": 300000}],
        "lines": [{"purpose": "public_jobs", "description": "公益岗位", "amount_fen": 300000}],
        "steps": [{"step": "proposal", "date": "2025-01-12", "minutes_sha256": sha("提议")},
                  {"step": "villagers_meeting", "date": "2025-01-15", "minutes_sha256": sha("村民会议")}]})
    ok("township", "allocation.review", PLAN, {"decision": "approved", "note": "同意"})
    ok("county", "allocation.filed", PLAN, {"note": "备案"})
    ok("village", "notice.publish", PLAN, {"kind": "allocation", "start": "2025-02-01", "end": "2025-02-10",
                                          "content_sha256": sha("公示一"), "place": "村委会公示栏"})
    ok("village", "notice.publish", V1, {"kind": "assets", "start": "2025-03-01", "end": "2025-03-15",
                                        "content_sha256": sha("公示二"), "place": "村委会公示栏"})
    FINDING = ok("auditor", "finding.record", "A-DESK-1",
                 {"check": "maintainer-missing", "severity": "warning", "note": "未明确管护主体", "due": "2025-12-31"})
    ok("auditor", "finding.record", V1, {"check": "notice-late", "severity": "info", "note": "公示滞后"})
    ok("county", "finding.resolve", "A-DESK-1", {"finding": FINDING, "action": "已明确管护主体", "resolved_on": "2025-04-01"})


def read(path):
    r = get(path)
    assert r.status == 200, (path, r)
    return r.json


# ---------------------------------------------------------------- refusals

def test_refusals_change_nothing():
    other = "999999" if L.code != "999999" else "999998"
    with unchanged(L):
        for path in ("/keys", "/settings", "/notices", "/findings", "/incomes", "/townships/%s101/summary"):
            assert_problem(C.get("/v1/ledgers/%s%s" % (other, path.replace("%s", other))), 404, "unknown-ledger")
            assert_problem(get(path.replace("%s", L.code) + "?x=1"), 400, "invalid-query", "/query/x")
        for path, name in [
            ("/incomes?village=12345", "village"),
            ("/incomes?village=110101101201", "village"),
            ("/incomes?village=" + V1 + "&village=" + V2, "village"),
            ("/incomes?asset=a%2Fb", "asset"),
            ("/incomes?asset=", "asset"),
            ("/incomes?year=24", "year"),
            ("/incomes?year=abcd", "year"),
            ("/incomes?limit=0", "limit"),
            ("/incomes?limit=1001", "limit"),
            ("/incomes?from=-1", "from"),
            ("/incomes?class=operating", "class"),
        ]:
            assert_problem(get(path), 400, "invalid-query", "/query/" + name)
        for t in ("12345", L.code + "10", L.code + "1011", "110101101", L.code + "10a"):
            assert_problem(get("/townships/%s/summary" % t), 404, "not-found")
        assert_problem(C.request("POST", "/v1/ledgers/%s/keys" % L.code, b"{}"), 405, "method-not-allowed")


# ---------------------------------------------------------------- reads

def test_township_summary():
    t = read("/townships/%s/summary" % TOWN)
    county = read("/summary")
    assert t["township"] == TOWN and t["township_name"] == "好花红镇", t
    for k in ("original_value_fen", "income_gross_fen", "income_net_fen", "allocated_fen", "unallocated_fen",
              "paid_fen"):
        assert t[k] == county[k], (k, t, county)
        assert isinstance(t[k.replace("_fen", "_yuan")], str), t
    assert t["original_value_fen"] == 10000001 and t["original_value_yuan"] == "100000.01", t
    assert t["assets"]["total"] == 1 and t["assets"]["by_class"] == {"operating": 1}, t
    assert t["assets"]["by_class_zh"] == {"operating": "经营性"}, t
    v1, v2 = read("/villages/%s/summary" % V1), read("/villages/%s/summary" % V2)
    assert v1["original_value_fen"] + v2["original_value_fen"] == t["original_value_fen"], (v1, v2)
    assert v1["village_name"] == "新联村" and v2["village_name"] == "东坡村", (v1, v2)
    empty = read("/townships/%s102/summary" % L.code)
    assert empty["assets"]["total"] == 0 and empty["original_value_fen"] == 0 and empty["township_name"] is None, empty


def test_keys():
    got = read("/keys")
    assert got["ledger"] == L.code and got["total"] == 6, got
    by_id = {k["keyid"]: k for k in got["items"]}
    root = by_id[L.root.id]
    assert root["is_root"] and root["role"] == "county" and root["role_zh"] == "县级", root
    assert root["enrolled_at"]["index"] == 0 and root["scope"] == L.code, root
    county = by_id[L.keys["county"].id]
    assert county["holder"] == {"name": "王县", "org": "县乡村振兴局"}, county
    assert county["scope_name"] == L.name, county
    assert county["entries_signed"] >= 10 and county["last_signed"]["index"] > county["enrolled_at"]["index"], county
    assert county["status"] == "active" and county["status_zh"] == "有效" and county["revoked_at"] is None, county
    village = by_id[L.keys["village"].id]
    assert village["scope"] == V1 and village["scope_name"] == "新联村" and village["role_zh"] == "村级", village
    assert village["entries_signed"] == 3, village
    spare = by_id[L.keys["spare"].id]
    assert spare["status"] == "revoked" and spare["status_zh"] == "已注销", spare
    assert spare["revoked_at"]["index"] > spare["enrolled_at"]["index"] and spare["revoked_at"]["time"], spare
    assert spare["entries_signed"] == 0 and spare["last_signed"] is None, spare
    total = sum(k["entries_signed"] for k in got["items"])
    assert total == L.size(), (total, L.size())  # one signature per entry here


def test_keys_counts_follow_new_entries():
    # The counts are kept between requests (store/key_use.c): a later request adds what was
    # appended since, exactly, and names the last entry.
    before = {k["keyid"]: k for k in read("/keys")["items"]}
    r = L.submit("village", "maintenance.report", "A-DESK-1", {
        "kind": "inspection", "date": "2025-05-01", "condition": "good", "cost_fen": 0, "paid_from": "other",
        "note": "巡查", "photos_sha256": []})
    assert r.status == 201, r
    after = {k["keyid"]: k for k in read("/keys")["items"]}
    v = L.keys["village"].id
    assert after[v]["entries_signed"] == before[v]["entries_signed"] + 1, (before[v], after[v])
    assert after[v]["last_signed"]["index"] == r.json["index"] == L.size() - 1, (after[v], r.json)
    assert sum(k["entries_signed"] for k in after.values()) == L.size()


def test_settings():
    s = read("/settings")
    assert s["settings"]["publicity_days"] == 10, s
    assert s["settings"]["required_steps"] == ["proposal", "villagers_meeting"], s
    assert s["settings"]["required_steps_zh"] == ["提议", "村民会议"] or len(s["settings"]["required_steps_zh"]) == 2, s
    assert s["settings"]["idle_months"] == s["defaults"]["idle_months"] == 12, s
    assert s["defaults"]["publicity_days"] == 7, s
    assert isinstance(s["since"], int) and s["history"][-1]["from"] == s["since"], s
    fresh = new_ledger(C, "45")
    d = C.get("/v1/ledgers/%s/settings" % fresh.code).json
    assert d["settings"] == d["defaults"] or d["settings"]["publicity_days"] == 7, d


def test_incomes():
    got = read("/incomes")
    assert got["total"] == 1 and got["next"] is None, got
    inc = got["items"][0]
    assert inc["id"] == INCOME and inc["asset"] == "A-DESK-1" and inc["asset_name"] == "村级光伏电站", inc
    assert inc["net_fen"] == 900000 and inc["net_yuan"] == "9000.00", inc
    assert inc["drawn_fen"] == 300000 and inc["remaining_fen"] == 600000 and inc["remaining_yuan"] == "6000.00", inc
    assert inc["drawn"] == [{"plan": PLAN, "village": V1, "village_name": "新联村", "amount_fen": 300000,
                             "amount_yuan": "3000.00"}], inc
    assert inc["village"] == V1 and inc["village_name"] == "新联村", inc
    s1, s2 = inc["shares"]
    assert s1["village_name"] == "新联村" and s1["net_fen"] == 540000 and s1["remaining_fen"] == 240000, s1
    assert s2["village_name"] == "东坡村" and s2["net_fen"] == 360000 and s2["remaining_fen"] == 360000, s2
    assert inc["costs"][0]["kind_zh"] == "运维费用", inc
    assert read("/incomes?village=" + V2)["total"] == 1
    assert read("/incomes?village=%s203" % TOWN)["total"] == 0
    assert read("/incomes?asset=A-DESK-1&year=2024")["total"] == 1
    assert read("/incomes?year=2025")["total"] == 0
    assert read("/incomes?asset=A-NONE")["total"] == 0
    page = read("/incomes?limit=1&from=1")
    assert page["items"] == [] and page["total"] == 1, page


def test_notices():
    got = read("/notices")
    assert got["total"] == 2, got
    plan, village = got["items"]
    assert plan["subject"] == PLAN and plan["subject_kind"] == "plan" and plan["kind_zh"] == "收益分配公示" or \
        plan["kind_zh"], plan
    assert plan["village"] == V1 and plan["village_name"] == "新联村" and plan["start"] == "2025-02-01", plan
    assert village["subject"] == V1 and village["subject_name"] == "新联村" and village["kind"] == "assets", village
    assert plan["index"] < village["index"], got


def test_findings():
    got = read("/findings")
    assert got["total"] == 2, got
    a, v = got["items"]
    assert a["id"] == FINDING and a["subject"] == "A-DESK-1" and a["subject_name"] == "村级光伏电站", a
    assert a["severity"] == "warning" and a["severity_zh"] == "警告", a
    assert a["status"] == "resolved" and a["status_zh"] == "已整改", a
    assert a["resolution"]["action"] == "已明确管护主体" and a["resolution"]["resolved_on"] == "2025-04-01", a
    assert a["village"] == V1 and a["village_name"] == "新联村", a
    assert v["status"] == "open" and v["status_zh"] == "未整改" and v["resolution"] is None, v
    assert v["subject_name"] == "新联村" and v["severity_zh"] == "提示", v


def test_notices_and_findings_are_paged():
    for path in ("/notices", "/findings"):
        whole = read(path)
        first = read(path + "?limit=1")
        assert first["total"] == whole["total"] == 2 and first["next"] == 1, first
        assert first["items"] == whole["items"][:1], (first, whole)
        second = read(path + "?from=1&limit=1")
        assert second["items"] == whole["items"][1:] and second["next"] is None, second
        past = read(path + "?from=5")
        assert past["items"] == [] and past["total"] == 2 and past["next"] is None, past
        assert whole["next"] is None
        with unchanged(L):
            for q, name in (("?limit=0", "limit"), ("?limit=1001", "limit"), ("?from=-1", "from"),
                            ("?limit=1&limit=2", "limit")):
                assert_problem(get(path + q), 400, "invalid-query", "/query/" + name)


def test_labels_on_existing_reads():
    a = read("/assets/A-DESK-1")
    assert a["class_zh"] == "经营性" and a["form_zh"] == "固定资产" and a["status_zh"] == "正常使用", a
    assert a["village_name"] == "新联村" and a["township_name"] == "好花红镇", a
    assert [l["name"] for l in a["locations"]] == ["新联村", "东坡村"], a
    for h in a["history"]:
        assert "class_zh" not in h["event"].get("body", {}), h  # the signed event as signed
    lst = read("/assets")["items"][0]
    assert lst["class_zh"] == "经营性" and lst["village_name"] == "新联村", lst
    p = read("/plans/" + PLAN)
    assert p["state"] == "publicised" and p["state_zh"] == "已公示" and p["village_name"] == "新联村", p
    assert p["lines"][0]["purpose_zh"] == "公益岗位", p
    pr = read("/projects/P-DESK-1")
    assert pr["type_zh"] == "产业发展", pr
    places = read("/places")
    assert places["items"][0]["assets"]["by_class_zh"] == {"operating": "经营性"}, places


def test_answers_match_openapi_schemas():
    import test_state_api  # the same small JSON Schema check the state API's answers pass
    for path, schema in [("/townships/%s/summary" % TOWN, "TownshipSummary"), ("/keys", "Keys"),
                         ("/settings", "Settings"), ("/incomes", "IncomePage"), ("/notices", "Notices"),
                         ("/findings", "Findings")]:
        test_state_api.check_schema(read(path), {"$ref": "#/components/schemas/" + schema}, path)
