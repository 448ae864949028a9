"""place.register (区划) and GET /v1/ledgers/{code}/places.

Only county keys name places; a village needs its township; a rename keeps the old names;
every refusal is its problem type and leaves the tree as it was. The read lists townships
and villages in code order with their level in Chinese, the township's name beside a
village, and the assets lying in each counted by class and status."""

import os
import subprocess

from aidreg_client import Client, assert_problem, new_ledger, unchanged

C = Client()
L = None
TOWN = VILLAGE = None


def setup_module():
    global L, TOWN, VILLAGE
    L = new_ledger(C, "43")
    TOWN = L.code + "101"
    VILLAGE = TOWN + "201"
    L.enroll("root", "county", "county", L.code)
    L.enroll("county", "village", "village", VILLAGE)


def places():
    r = C.get("/v1/ledgers/%s/places" % L.code)
    assert r.status == 200, r
    return r.json


def register_asset(asset_id, name):
    r = L.submit("county", "asset.register", asset_id, {
        "project": "P-PL-1", "name": name, "class": "operating", "subtype": "光伏", "form": "fixed",
        "village": VILLAGE, "original_value_fen": 100, "quantity": 1, "unit": "座",
        "completed_on": "2024-01-01", "accepted_on": "2024-01-02"})
    assert r.status == 201, r


def test_refusals_store_nothing():
    with unchanged(L):
        assert_problem(L.submit("county", "place.register", VILLAGE, {"name": "新联村"}), 422,
                       "township-not-registered", "/subject")
        assert_problem(L.submit("village", "place.register", VILLAGE, {"name": "新联村"}), 403, "role-not-allowed")
        assert_problem(L.submit("county", "place.register", L.code, {"name": "县"}), 400, "invalid-field", "/subject")
        assert_problem(L.submit("county", "place.register", TOWN, {"name": "镇", "colour": "red"}), 400,
                       "unknown-field", "/body/colour")
        assert_problem(L.submit("county", "place.register", TOWN, {"name": " "}), 400, "invalid-field", "/body/name")
    assert places()["items"] == []


def test_register_rename_and_read():
    assert L.submit("county", "place.register", TOWN, {"name": "好花红镇", "since": "2015-01-01"}).status == 201
    assert L.submit("county", "place.register", VILLAGE, {"name": "新联村"}).status == 201
    assert L.submit("county", "place.register", TOWN, {"name": "好花红镇（合并后）"}).status == 201
    # An asset in the village counts for it and for its township.
    r = L.submit("county", "project.register", "P-PL-1", {
        "name": "村级光伏", "type": "industry", "year": 2024,
        "funding_lines": [{"channel": "衔接资金", "year": 2024, "amount_fen": 100}],
        "locations": [VILLAGE], "industry_dept": "县农业农村局", "implementing_unit": "县乡村振兴局"})
    assert r.status == 201, r
    register_asset("A-PL-1", "光伏电站")
    got = places()
    assert got["ledger"] == L.code and got["total"] == 2, got
    town, village = got["items"]
    assert town["code"] == TOWN and town["level"] == "township" and town["level_zh"] == "乡镇", town
    assert town["name"] == "好花红镇（合并后）", town
    assert [n["name"] for n in town["names"]] == ["好花红镇", "好花红镇（合并后）"], town
    assert town["since"] is None and town["names"][0]["since"] == "2015-01-01", town
    assert town["villages"] == 1, town
    assert village["code"] == VILLAGE and village["level_zh"] == "村" and village["name"] == "新联村", village
    assert village["township"] == TOWN and village["township_name"] == "好花红镇（合并后）", village
    for p in (town, village):
        assert p["assets"] == {"total": 1, "by_class": {"operating": 1}, "by_status": {"in_use": 1},
                               "by_class_zh": {"operating": "经营性"}, "by_status_zh": {"in_use": "正常使用"}}, p


# The counting before the counts were kept (registry/store/place_counts.c): count(DISTINCT id)
# of every asset's villages and their townships.
OLD_COUNTS = """SELECT x.p, a.class, a.status, count(DISTINCT a.id) FROM
(SELECT id, coalesce(class, '') AS class, coalesce(status, '') AS status, unnest(villages) AS v FROM entity
WHERE ledger = '%s' AND kind = 'asset') AS a CROSS JOIN LATERAL (VALUES (a.v), (left(a.v, 9))) AS x(p)
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"""


def old_counts():
    p = subprocess.run(["psql", "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                        os.environ["AIDREG_OWNER_DATABASE_URL"]], input=OLD_COUNTS % L.code,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    got = {}
    for line in p.stdout.splitlines():
        code, cls, status, n = line.split("\t")
        a = got.setdefault(code, {"total": 0, "by_class": {}, "by_status": {}})
        a["total"] += int(n)
        a["by_class"][cls] = a["by_class"].get(cls, 0) + int(n)
        a["by_status"][status] = a["by_status"].get(status, 0) + int(n)
    return got


def test_counts_follow_every_append_and_match_the_old_counting():
    before = places()
    assert places() == before  # the second read is the kept counts
    totals = {p["code"]: p["assets"]["total"] for p in before["items"]}
    register_asset("A-PL-2", "光伏电站二期")
    after = places()
    assert {p["code"]: p["assets"]["total"] for p in after["items"]} == {c: n + 1 for c, n in totals.items()}, after
    old = old_counts()
    assert set(old) == {TOWN, VILLAGE}, old
    for p in after["items"]:
        mine = {k: p["assets"][k] for k in ("total", "by_class", "by_status")}
        assert mine == old[p["code"]], (p, old)


def test_bad_reads():
    assert_problem(C.get("/v1/ledgers/%s/places?village=%s" % (L.code, VILLAGE)), 400, "invalid-query",
                   "/query/village")
    other = "999999" if L.code != "999999" else "999998"
    assert_problem(C.get("/v1/ledgers/%s/places" % other), 404, "unknown-ledger")
