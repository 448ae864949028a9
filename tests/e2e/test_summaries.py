"""The summaries (GET /summary, /villages/{v}/summary, /townships/{t}/summary) from the parts
the server keeps per ledger (registry/store/summary_kept.c) against the counting they replace.

After every append (a registration, an income, a plan paid out, a status, an asset withdrawn by
a correction, a registration corrected to other villages) the counts and sums of the county,
of each village and of each township, and the order of their keys, are exactly what the SQL of
the summaries before the parts gives on the same database (run here through psql), including
for a village and a township with nothing in them."""

import hashlib
import json
import os
import subprocess

from aidreg_client import Client, project_body, new_ledger, payload_sha256

C = Client()
L = None
T1 = T2 = T3 = V1 = V2 = V3 = V4 = None
REF = {}

# The summaries' SQL before the kept parts (registry/store/state_reads.c and desk_reads.c).
OLD = {
    "county": """
SELECT 'p', coalesce(class, ''), coalesce(status, ''), count(*) FROM entity
WHERE ledger = :'code' AND kind = 'asset' GROUP BY class, status ORDER BY 2, 3;
SELECT 'm', coalesce(sum((s->>'value_fen')::numeric), 0), coalesce(sum((s->>'gross_fen')::numeric), 0),
coalesce(sum((s->>'net_fen')::numeric), 0), coalesce(sum((s->>'allocated_fen')::numeric), 0),
coalesce(sum((s->>'unallocated_fen')::numeric), 0)
FROM entity e CROSS JOIN LATERAL jsonb_array_elements(e.doc->'shares') s WHERE e.ledger = :'code' AND e.kind = 'asset';
SELECT 'd', coalesce(sum((doc->>'paid_fen')::numeric), 0) FROM entity WHERE ledger = :'code' AND kind = 'plan';
""",
    "village": """
SELECT 'p', coalesce(class, ''), coalesce(status, ''), count(*) FROM entity
WHERE ledger = :'code' AND kind = 'asset' AND villages @> ARRAY[:'place'::text] GROUP BY class, status ORDER BY 2, 3;
SELECT 'm', coalesce(sum((s->>'value_fen')::numeric), 0), coalesce(sum((s->>'gross_fen')::numeric), 0),
coalesce(sum((s->>'net_fen')::numeric), 0), coalesce(sum((s->>'allocated_fen')::numeric), 0),
coalesce(sum((s->>'unallocated_fen')::numeric), 0)
FROM entity e CROSS JOIN LATERAL jsonb_array_elements(e.doc->'shares') s WHERE e.ledger = :'code' AND e.kind = 'asset'
AND e.villages @> ARRAY[:'place'::text] AND s->>'village' = :'place';
SELECT 'd', coalesce(sum((doc->>'paid_fen')::numeric), 0) FROM entity
WHERE ledger = :'code' AND kind = 'plan' AND village = :'place';
""",
    "township": """
SELECT 'p', coalesce(class, ''), coalesce(status, ''), count(*) FROM entity
WHERE ledger = :'code' AND kind = 'asset' AND aidreg_townships(villages) @> ARRAY[:'place'::text]
GROUP BY class, status ORDER BY 2, 3;
SELECT 'm', coalesce(sum((s->>'value_fen')::numeric), 0), coalesce(sum((s->>'gross_fen')::numeric), 0),
coalesce(sum((s->>'net_fen')::numeric), 0), coalesce(sum((s->>'allocated_fen')::numeric), 0),
coalesce(sum((s->>'unallocated_fen')::numeric), 0)
FROM entity e CROSS JOIN LATERAL jsonb_array_elements(e.doc->'shares') s WHERE e.ledger = :'code' AND e.kind = 'asset'
AND left(s->>'village', 9) = :'place';
SELECT 'd', coalesce(sum((doc->>'paid_fen')::numeric), 0) FROM entity
WHERE ledger = :'code' AND kind = 'plan' AND left(village, 9) = :'place';
""",
}
SUMS = ["original_value_fen", "income_gross_fen", "income_net_fen", "allocated_fen", "unallocated_fen"]


def sha(s):
    return hashlib.sha256(s.encode("utf-8")).hexdigest()


def ok(name, signer, type_, subject, body):
    env = L.sign(signer, type_, subject, body)
    r = C.submit(L.code, env)
    assert r.status == 201, (name, type_, r)
    REF[name] = payload_sha256(env)


def psql(script, place=None):
    """script's rows (tab-separated fields) as the database's owner, :'code' this ledger."""
    p = subprocess.run(["psql", "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-v", "code=" + L.code,
                        "-v", "place=" + (place or ""), os.environ["AIDREG_OWNER_DATABASE_URL"]],
                       input=script, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p


def old(scope, place=None):
    """The figures as the SQL before the parts counts them, in the order its loop made them."""
    p = psql(OLD[scope], place)
    got = {"assets": {"total": 0, "by_class": {}, "by_status": {}}}
    for line in p.stdout.splitlines():
        f = line.split("\t")
        if f[0] == "p":
            a, n = got["assets"], int(f[3])
            a["total"] += n
            a["by_class"][f[1]] = a["by_class"].get(f[1], 0) + n
            a["by_status"][f[2]] = a["by_status"].get(f[2], 0) + n
        elif f[0] == "m":
            got.update({k: int(v) for k, v in zip(SUMS, f[1:])})
        elif f[0] == "d":
            got["paid_fen"] = int(f[1])
    return got


def mine(path):
    r = C.get("/v1/ledgers/%s%s" % (L.code, path))
    assert r.status == 200, (path, r)
    got = json.loads(r.body)  # the keys in the server's order
    a = got["assets"]
    return {"assets": {"total": a["total"], "by_class": a["by_class"], "by_status": a["by_status"]},
            **{k: got[k] for k in SUMS + ["paid_fen"]}}


def check(step):
    reads = [("county", None, "/summary")]
    reads += [("village", v, "/villages/%s/summary" % v) for v in (V1, V2, V3, V4)]
    reads += [("township", t, "/townships/%s/summary" % t) for t in (T1, T2, T3)]
    for scope, place, path in reads:
        want, got = old(scope, place), mine(path)
        # Lists of items: the order of by_class and by_status counts too.
        assert json.dumps(got, sort_keys=False) == json.dumps(want, sort_keys=False), (step, path, got, want)
        assert mine(path) == got, (step, path)  # read again: the kept parts as they are


def register(asset_id, cls, locations, value, signer="county"):
    ok("register " + asset_id, signer, "asset.register", asset_id, {
        "project": "P-SUM-1", "name": "资产" + asset_id, "class": cls, "subtype": "光伏", "form": "fixed",
        "locations": locations, "original_value_fen": value, "quantity": 1, "unit": "座",
        "completed_on": "2024-05-01", "accepted_on": "2024-05-10"})


def setup_module():
    global L, T1, T2, T3, V1, V2, V3, V4
    L = new_ledger(C, "36")
    T1, T2, T3 = L.code + "101", L.code + "102", L.code + "103"
    V1, V2, V3, V4 = T1 + "201", T1 + "202", T2 + "201", T3 + "201"
    L.enroll("root", "county", "county", L.code)
    L.enroll("county", "township", "township", T1)
    L.enroll("county", "village", "village", V1)
    ok("settings", "county", "ledger.settings", L.code, {"publicity_days": 10, "required_steps": ["proposal"]})
    for code, name in ((T1, "一镇"), (T2, "二镇"), (V1, "一村"), (V2, "二村"), (V3, "三村")):
        ok("place " + code, "county", "place.register", code, {"name": name})
    ok("project", "county", "project.register", "P-SUM-1", project_body([V1, V2, V3]))


def test_summaries_follow_every_append_as_the_old_counting():
    check("no assets")
    register("A-SUM-1", "operating", [{"code": V1, "share_bp": 6000}, {"code": V2, "share_bp": 4000}], 10000001)
    check("one asset in two villages")
    register("A-SUM-2", "public_welfare", [{"code": V3, "share_bp": 10000}], 500)
    register("A-SUM-3", "operating", [{"code": V2, "share_bp": 10000}], 7)
    check("three assets, two townships")
    ok("income", "county", "income.report", "A-SUM-1", {
        "period_start": "2024-06-01", "period_end": "2024-12-31", "gross_fen": 1000000,
        "costs": [{"kind": "o_and_m", "amount_fen": 100000}], "net_fen": 900000, "payer": "国网县供电公司",
        "received_on": "2025-01-10", "account": "村集体账户"})
    check("an income")
    ok("plan", "village", "allocation.plan", "PL-SUM-1", {
        "village": V1, "year": 2025, "sources": [{"income": REF["income"], "amount_fen": 300000}],
        "lines": [{"purpose": "public_jobs", "description": "公益岗位", "amount_fen": 300000}],
        "steps": [{"step": "proposal", "date": "2025-01-12", "minutes_sha256": sha("提议")}]})
    check("a plan drawing on the income")
    ok("review", "township", "allocation.review", "PL-SUM-1", {"decision": "approved", "note": "同意"})
    ok("filed", "county", "allocation.filed", "PL-SUM-1", {"note": "备案"})
    ok("notice", "village", "notice.publish", "PL-SUM-1", {
        "kind": "allocation", "start": "2025-02-01", "end": "2025-02-10", "content_sha256": sha("公示"),
        "place": "村委会公示栏"})
    ok("payout", "village", "allocation.payout", "PL-SUM-1", {
        "line": 0, "payee": {"kind": "person", "id": "ID-" + sha("王某")[:12], "name": "王某"},
        "amount_fen": 120000, "paid_on": "2025-03-01", "voucher_no": "PZ-SUM-1"})
    check("a payout")
    ok("status", "county", "asset.status", "A-SUM-2", {"status": "damaged", "reason": "洪水冲毁"})
    check("a status")
    # A withdrawn registration deletes the asset: the parts must notice the row gone.
    ok("withdraw 3", "county", "correction", "A-SUM-3", {"corrects": REF["register A-SUM-3"], "reason": "重复登记"})
    check("an asset withdrawn")
    assert mine("/summary")["assets"]["total"] == 2
    # A registration corrected to other villages: its old shares leave them.
    ok("correct 2", "county", "correction", "A-SUM-2", {
        "corrects": REF["register A-SUM-2"], "reason": "位置录入错误",
        "body": {"project": "P-SUM-1", "name": "资产A-SUM-2", "class": "public_welfare", "subtype": "光伏",
                 "form": "fixed", "locations": [{"code": V2, "share_bp": 5000}, {"code": V3, "share_bp": 5000}],
                 "original_value_fen": 901, "quantity": 1, "unit": "座", "completed_on": "2024-05-01",
                 "accepted_on": "2024-05-10"}})
    check("a registration corrected")
    register("A-SUM-4", "household", [{"code": V1, "share_bp": 10000}], 123456789012)
    check("a fourth asset")


def records():
    """This ledger's entity_change rows: [(size_before, size_after, assets, plans)] in order."""
    out = []
    for line in psql("SELECT size_before, size_after, array_to_json(assets), array_to_json(plans) FROM entity_change "
                     "WHERE ledger = :'code' ORDER BY size_before;").stdout.splitlines():
        b, a, assets, plans = line.split("\t")
        out.append((int(b), int(a), json.loads(assets), json.loads(plans)))
    return out


def test_each_group_commit_records_the_assets_and_plans_it_changed():
    rec = records()
    # One row per commit, from the ledger's creation to its size, without a gap.
    assert rec and rec[0][0] == 0 and rec[-1][1] == L.size(), rec
    assert all(a[1] == b[0] for a, b in zip(rec, rec[1:])), rec
    n = L.size()
    ok("status 1", "county", "asset.status", "A-SUM-1", {"status": "idle", "reason": "检修"})
    assert records()[-1] == (n, n + 1, ["A-SUM-1"], []), records()[-1]
    ok("payout 2", "village", "allocation.payout", "PL-SUM-1", {
        "line": 0, "payee": {"kind": "person", "id": "ID-" + sha("李某")[:12], "name": "李某"},
        "amount_fen": 1000, "paid_on": "2025-03-02", "voucher_no": "PZ-SUM-2"})
    assert records()[-1][:2] == (n + 1, n + 2) and records()[-1][3] == ["PL-SUM-1"], records()[-1]
    # A commit that changed no asset or plan still has its row (the chain has no gap).
    L.enroll("county", "village 2", "village", V2)
    assert records()[-1][:2] == (n + 2, n + 3) and records()[-1][2] == [], records()[-1]
    # A deleted asset is recorded too: its part must go.
    register("A-SUM-5", "operating", [{"code": V4, "share_bp": 10000}], 55)
    ok("withdraw 5", "county", "correction", "A-SUM-5", {"corrects": REF["register A-SUM-5"], "reason": "误登记"})
    assert "A-SUM-5" in records()[-1][2], records()[-1]
    check("an asset recorded, then withdrawn")


def test_the_summaries_read_everything_again_when_a_record_is_missing():
    check("before")
    # A commit whose record is lost (a database restored or written by hand): the rows since the
    # kept size have a gap, and the parts must not trust them. Read incrementally, A-SUM-1's new
    # status would be missed.
    ok("status lost", "county", "asset.status", "A-SUM-1", {"status": "in_use", "reason": "修复"})
    psql("DELETE FROM entity_change WHERE ledger = :'code' AND size_after = (SELECT size FROM ledger WHERE code = :'code');")
    ok("status after", "county", "asset.status", "A-SUM-4", {"status": "idle", "reason": "闲置"})
    check("a record missing")
    assert mine("/summary")["assets"]["by_status"].get("in_use", 0) >= 1


def test_the_writer_prunes_the_records_far_behind():
    # A row that the next commit leaves 16,384 entries behind (made by hand: a real one would
    # take that many entries): that commit removes it, and keeps the recent ones.
    far = L.size() - 16384
    psql("INSERT INTO entity_change VALUES (:'code', %d, %d, '{}', '{}');" % (far, far + 1))
    before = records()
    assert before[0][0] == far
    ok("status pruned", "county", "asset.status", "A-SUM-4", {"status": "in_use", "reason": "启用"})
    after = records()
    assert after[0][0] != far and after[:-1] == before[1:], (before[:2], after[:2])
    check("after a prune")
