"""The asset list (GET /assets with village, township, class, status, q, from, limit) from the
parts the server keeps per ledger (registry/store/asset_pages.c) against the SQL it replaces.

After every append (registrations in one and in several villages, a status, an asset withdrawn by
a correction, a registration corrected to other villages and another class) each list's ids in
their order, its total and its next are exactly what the list's SQL before the parts gives on the
same database (run here through psql): filters alone and combined, pages inside, at and past the
end, searches of Chinese substrings, of codes, of % and _ (literal characters, not patterns), of
full-width signs, and of letters in either case (which the SQL still answers)."""

import json
import os
import subprocess
import urllib.parse

from aidreg_client import Client, project_body, assert_problem, new_ledger, payload_sha256

C = Client()
L = None
T1 = T2 = V1 = V2 = V3 = None
REF = {}

# The list's SQL before the parts (registry/store/state_reads.c q_list and q_count), ids only.
OLD_WHERE = """ledger = {code} AND kind = 'asset'
AND ({village}::text IS NULL OR villages @> ARRAY[{village}::text])
AND ({township}::text IS NULL OR township = {township} OR aidreg_townships(villages) @> ARRAY[{township}::text])
AND ({klass}::text IS NULL OR class = {klass}) AND ({status}::text IS NULL OR status = {status})
AND ({q}::text IS NULL OR strpos(lower(coalesce(name, '')), lower({q})) > 0 OR strpos(lower(id), lower({q})) > 0)
AND ({year}::int = 0 OR year = {year})"""


def lit(v):
    """A literal of the test's own values (the server's SQL takes parameters; this is psql)."""
    if v is None:
        return "NULL"
    if isinstance(v, int):
        return str(v)
    return "'" + v.replace("'", "''") + "'"


def psql(script):
    p = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", os.environ["AIDREG_OWNER_DATABASE_URL"]],
                       input=script, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout


def old(qs):
    """[(ids, total, next)] of the lists as the SQL before the parts answers each query of qs
    (one psql for all of them)."""
    script = []
    for query in qs:
        where = OLD_WHERE.format(code=lit(L.code), village=lit(query.get("village")),
                                 township=lit(query.get("township")), klass=lit(query.get("class")),
                                 status=lit(query.get("status")), q=lit(query.get("q")), year=lit(query.get("year", 0)))
        script.append("SELECT '#', count(*) FROM entity WHERE %s;\nSELECT id FROM entity WHERE %s ORDER BY id "
                      "OFFSET %d LIMIT %d;" % (where, where, query.get("from", 0), query.get("limit", 100)))
    out = []
    for line in psql("\n".join(script)).splitlines():
        if line.startswith("#|"):
            out.append([[], int(line[2:])])
        else:
            out[-1][0].append(line)
    got = []
    for query, (ids, total) in zip(qs, out):
        frm = query.get("from", 0)
        got.append((ids, total, frm + len(ids) if frm + len(ids) < total else None))
    assert len(got) == len(qs)
    return got


def mine(query):
    r = C.get("/v1/ledgers/%s/assets?%s" % (L.code, urllib.parse.urlencode(query)))
    assert r.status == 200, (query, r)
    return [i["id"] for i in r.json["items"]], r.json["total"], r.json["next"]


def queries():
    qs = [{}, {"limit": 2}, {"from": 2, "limit": 2}, {"from": 5, "limit": 3}, {"from": 1000}, {"from": 7}]
    qs += [{"village": V1}, {"village": V2, "limit": 1, "from": 1}, {"village": V3}, {"village": L.code + "109201"}]
    qs += [{"township": T1}, {"township": T2}, {"township": T1, "from": 1, "limit": 1}, {"township": L.code + "109"}]
    qs += [{"class": "operating"}, {"class": "household"}, {"status": "in_use"}, {"status": "damaged"},
           {"township": T1, "class": "operating", "status": "in_use"},
           {"village": V2, "class": "public_welfare", "status": "damaged", "from": 0, "limit": 5},
           {"village": V1, "township": T2}]
    for q in ["光伏", "光伏电", "%", "_", "100%", "%光", "百分_之", "％", "第13村", "13", "-LST-0", "LST", "lst", "Abc",
              "ABC光伏", "无此名称", "'", "A-LST-03", "k", "i", "İ", "é"]:
        qs.append({"q": q})
    qs += [{"q": "光伏", "township": T1}, {"q": "光伏", "class": "operating", "from": 1, "limit": 1},
           {"q": "%", "village": V2}, {"q": "光伏", "from": 50}]
    # A page of one: the server walks its order for a filter that matches many (asset_pages.c),
    # and sorts the matches of one that matches few; both ways are asked here.
    qs += [{"limit": 1}, {"limit": 1, "from": 1}, {"q": "光伏", "limit": 1}, {"status": "in_use", "limit": 1},
           {"class": "operating", "limit": 1}]
    return qs


def check(step):
    qs = queries()
    for query, want in zip(qs, old(qs)):
        got = mine(query)
        assert got == want, (step, query, got, want)


def ok(name, signer, type_, subject, body):
    env = L.sign(signer, type_, subject, body)
    r = C.submit(L.code, env)
    assert r.status == 201, (name, type_, r)
    REF[name] = payload_sha256(env)


def register(asset_id, name, cls, locations):
    ok("register " + asset_id, "county", "asset.register", asset_id, {
        "project": "P-LST-1", "name": name, "class": cls, "subtype": "光伏", "form": "fixed",
        "locations": locations, "original_value_fen": 1000, "quantity": 1, "unit": "座",
        "completed_on": "2024-05-01", "accepted_on": "2024-05-10"})


def setup_module():
    global L, T1, T2, V1, V2, V3
    L = new_ledger(C, "37")
    T1, T2 = L.code + "101", L.code + "102"
    V1, V2, V3 = T1 + "201", T1 + "202", T2 + "201"
    L.enroll("root", "county", "county", L.code)
    for code, name in ((T1, "一镇"), (T2, "二镇"), (V1, "一村"), (V2, "二村"), (V3, "三村")):
        ok("place " + code, "county", "place.register", code, {"name": name})
    ok("project", "county", "project.register", "P-LST-1", project_body([V1, V2, V3]))


def test_the_list_follows_every_append_as_the_old_sql():
    check("no assets")
    register("A-LST-03", "村级光伏电站", "operating", [{"code": V1, "share_bp": 10000}])
    check("one asset")
    register("A-LST-01", "百分_之二的光伏%", "public_welfare", [{"code": V1, "share_bp": 6000}, {"code": V2, "share_bp": 4000}])
    register("A-LST-10", "ABC光伏电站１００％", "household", [{"code": V3, "share_bp": 10000}])
    register("A-LST-02", "第13村养殖场 100%", "operating", [{"code": V2, "share_bp": 5000}, {"code": V3, "share_bp": 5000}])
    for i in range(4, 9):
        register("A-LST-%02d" % i, "光伏板%d号" % i, "operating" if i % 2 else "public_welfare",
                 [{"code": (V1, V2, V3)[i % 3], "share_bp": 10000}])
    check("ten assets in three villages")
    ok("status", "county", "asset.status", "A-LST-02", {"status": "damaged", "reason": "洪水冲毁"})
    check("a status")
    # A withdrawn registration deletes the asset: its id stays in the kept order, and must not count.
    ok("withdraw 05", "county", "correction", "A-LST-05", {"corrects": REF["register A-LST-05"], "reason": "重复登记"})
    check("an asset withdrawn")
    assert mine({})[1] == 8
    # A registration corrected to other villages and another class: it leaves the old filters.
    ok("correct 01", "county", "correction", "A-LST-01", {
        "corrects": REF["register A-LST-01"], "reason": "位置录入错误",
        "body": {"project": "P-LST-1", "name": "更正后的光伏", "class": "household", "subtype": "光伏",
                 "form": "fixed", "locations": [{"code": V3, "share_bp": 10000}], "original_value_fen": 901,
                 "quantity": 1, "unit": "座", "completed_on": "2024-05-01", "accepted_on": "2024-05-10"}})
    check("a registration corrected")
    # The withdrawn id registered again: the same key comes back into the order.
    register("A-LST-05", "重新登记的光伏", "operating", [{"code": V2, "share_bp": 10000}])
    register("A-LST-00", "最前面的资产", "operating", [{"code": V1, "share_bp": 10000}])
    check("an id registered again, and one before every other")
    # A name with characters that lower() folds into ASCII letters (U+212A the Kelvin sign to k,
    # U+0130 to i): from then on a search with letters is the SQL's.
    register("A-LST-99", "\u212a号光伏\u0130站", "operating", [{"code": V3, "share_bp": 10000}])
    check("a name that folds into ASCII")
    assert "A-LST-99" in mine({"q": "k"})[0] and "A-LST-99" in mine({"q": "I"})[0]


def test_the_documents_are_those_of_the_sql():
    # The SQL answers a search with a letter of another script (é matches nothing here) and,
    # since the Kelvin sign's name, one with ASCII letters; the parts the same list with a
    # caseless search: the same items, byte for byte.
    by_parts = C.get("/v1/ledgers/%s/assets?q=-0" % L.code)
    by_sql = C.get("/v1/ledgers/%s/assets?q=-lst-0" % L.code)
    assert by_parts.status == 200 and by_sql.status == 200
    assert json.dumps(by_parts.json, ensure_ascii=False) == json.dumps(by_sql.json, ensure_ascii=False)
    assert by_parts.json["total"] == 9 and "incomes" not in by_parts.json["items"][0]


def test_a_bad_filter_is_refused_before_the_parts():
    for query, field in [({"township": "12"}, "township"), ({"village": T1}, "village"),
                         ({"class": "castle"}, "class"), ({"status": "lost"}, "status")]:
        r = C.get("/v1/ledgers/%s/assets?%s" % (L.code, urllib.parse.urlencode(query)))
        assert_problem(r, 400, "invalid-query", "/query/" + field)


def test_a_page_and_its_total_are_of_one_state_under_appends():
    # Registrations go on while the list is read: each answer's items and total must be of one
    # state of the ledger (the parts' ids, and the documents read by id with the ledger's key
    # again, asset_pages.c), here every asset so far and then a prefix of the new ones.
    base = mine({"limit": 1000})[0]
    new = ["A-LST-Z%03d" % i for i in range(40)]
    errors = []

    def appends():
        try:
            for aid in new:
                register(aid, "并发登记的光伏", "operating", [{"code": V1, "share_bp": 10000}])
        except AssertionError as e:  # reported by the reader's thread
            errors.append(e)

    import threading
    t = threading.Thread(target=appends)
    t.start()
    seen = set()
    while t.is_alive() or not seen:
        for query in ({"limit": 1000}, {"q": "光伏", "limit": 1000}):
            r = C.get("/v1/ledgers/%s/assets?%s" % (L.code, urllib.parse.urlencode(query)))
            assert r.status == 200, r
            ids, total = [i["id"] for i in r.json["items"]], r.json["total"]
            assert total == len(ids) and r.json["next"] is None, (query, total, len(ids))
            if not query.get("q"):
                k = total - len(base)
                assert ids == sorted(base + new[:k]), (k, ids)
                seen.add(k)
    t.join()
    assert not errors, errors
    assert mine({"limit": 1000})[1] == len(base) + len(new)
