"""Counties spread over two PostgreSQL clusters by a ledger map (--ledger-map). The module
starts a second private cluster and a server whose map sends two counties to it and one to
the fixtures' cluster, with no default: each ledger's rows land in its own cluster, reads and
writes are routed there, each verifies (tiles and `aidreg verify --db` against its cluster),
the ledger list spans both, and a county the map does not name is refused (404
unknown-ledger, naming the map) with nothing stored anywhere. A second server with the same
map and a default (--database-url) serves the unmapped counties from the default cluster."""

import json
import os
import subprocess

import c2sp
from aidreg_client import Client, Ledger, assert_problem, fresh_code

import servers

C = Client()
SECOND = None
MAPPED = None    # the server with the map and no default
DEFAULTED = None  # the same map, and the fixtures' cluster as the default
CODES = {}
MAP = None


def setup_module():
    global SECOND, MAPPED, DEFAULTED, MAP
    servers.need_root_pg()
    SECOND = servers.Cluster("scale2").start()
    taken = set()
    while len(taken) < 4:
        taken.add(fresh_code("45"))
    CODES["a"], CODES["b"], CODES["home"], CODES["unmapped"] = sorted(taken)
    MAP = os.path.join(servers.state_dir(), "ledger-map.txt")
    with open(MAP, "w") as f:
        f.write("# 县 → 集群 / county -> cluster (test_clusters)\n\n")
        f.write("%s %s owner=%s\n" % (CODES["a"], SECOND.url, SECOND.owner_url))
        f.write("%s\t%s  owner=%s\n" % (CODES["b"], SECOND.url, SECOND.owner_url))
        f.write("%s %s owner=%s\n" % (CODES["home"], os.environ["AIDREG_DATABASE_URL"],
                                       os.environ["AIDREG_OWNER_DATABASE_URL"]))
    MAPPED = servers.Server("map", {"AIDREG_LEDGER_MAP": MAP, "AIDREG_DATABASE_URL": None,
                                    "AIDREG_OWNER_DATABASE_URL": None}).start()
    DEFAULTED = servers.Server("map-default", {"AIDREG_LEDGER_MAP": MAP},
                               port=servers.free_port(MAPPED.port + 1)).start()


def teardown_module():
    for s in (MAPPED, DEFAULTED):
        if s:
            s.stop()
    if SECOND:
        SECOND.stop()


def rows_sql(url, sql):
    p = subprocess.run([os.path.join(servers.pg_bin(), "psql"), "-X", "-At", url, "-c", sql],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    return p.stdout.strip()


def rows_in(url, code):
    """Ledger rows for code in the database at url (psql as the server's role)."""
    return int(rows_sql(url, "SELECT count(*) FROM ledger WHERE code = '%s'" % code))


def create(server, code):
    lg = Ledger(server.client, code)
    lg.create()
    lg.enroll("root", "county", "county", lg.code)
    return lg


def test_ledgers_land_in_their_cluster():
    a, b, home = (create(MAPPED, CODES[k]) for k in ("a", "b", "home"))
    rate, receipts = servers.load([(MAPPED.client, a), (MAPPED.client, b), (MAPPED.client, home)], 40)
    for lg in (a, b, home):
        assert len(receipts[lg.code]) == 40
        for rc, env in receipts[lg.code]:
            lg.verify_receipt(rc, env)
        cp, _ = c2sp.TlogClient(MAPPED.client.base, lg.code).verify(c2sp.Verifier.parse(lg.vkey))
        assert cp.size == lg.size() == 42  # ledger.create, the county key, 40 entries
    # Where the rows are: a and b in the second cluster only, home in the fixtures' only.
    fixture = os.environ["AIDREG_DATABASE_URL"]
    assert (rows_in(SECOND.url, a.code), rows_in(fixture, a.code)) == (1, 0)
    assert (rows_in(SECOND.url, b.code), rows_in(fixture, b.code)) == (1, 0)
    assert (rows_in(SECOND.url, home.code), rows_in(fixture, home.code)) == (0, 1)
    for lg in (a, b):
        servers.verify_db(SECOND.url, lg)
        assert_problem(C.get("/log/%s/checkpoint" % lg.code), 404, "unknown-ledger")  # not in the fixtures'
    servers.verify_db(fixture, home)
    assert C.tree_size(home.code) == home.size()
    # The list spans both clusters, in code order, and only what the map routes.
    listed = [l["code"] for l in MAPPED.client.ledgers().json["ledgers"]]
    assert listed == sorted([a.code, b.code, home.code]), listed
    servers.verify_server(MAPPED.client.base, a)
    print("    3 ledgers over 2 clusters through one server: %.0f entries/s" % rate)


def test_a_county_outside_the_map_is_refused():
    code = CODES["unmapped"]
    lg = Ledger(MAPPED.client, code)
    p = assert_problem(MAPPED.client.create_ledger(lg.create_envelope()), 404, "unknown-ledger")
    assert "ledger map" in p["detail"] and code in p["detail"], p
    env = lg.sign("root", "key.enroll", "x", {"key": "x", "role": "county", "scope": code,
                                              "holder": {"name": "测试", "org": "测试"}})
    p = assert_problem(MAPPED.client.submit(code, env), 404, "unknown-ledger")
    assert "ledger map" in p["detail"], p
    for path in ("/log/%s/checkpoint", "/v1/ledgers/%s/entries", "/v1/ledgers/%s/keys", "/v1/ledgers/%s/audit"):
        assert_problem(MAPPED.client.get(path % code), 404, "unknown-ledger")
    # Nothing stored in either cluster.
    assert rows_in(SECOND.url, code) == 0 and rows_in(os.environ["AIDREG_DATABASE_URL"], code) == 0
    # A ledger of the fixtures' cluster that the map does not name is not served either.
    other = next(l["code"] for l in C.ledgers().json["ledgers"] if l["code"] not in CODES.values())
    assert_problem(MAPPED.client.get("/log/%s/checkpoint" % other), 404, "unknown-ledger")


def test_a_default_cluster_takes_the_rest():
    other = next(l for l in C.ledgers().json["ledgers"] if l["code"] not in CODES.values())
    assert DEFAULTED.client.tree_size(other["code"]) == C.tree_size(other["code"])
    lg = Ledger(DEFAULTED.client, CODES["unmapped"])
    lg.create()  # to the default: the fixtures' cluster
    assert rows_in(os.environ["AIDREG_DATABASE_URL"], lg.code) == 1 and rows_in(SECOND.url, lg.code) == 0
    # A mapped county still goes to its own cluster through this server.
    assert DEFAULTED.client.tree_size(CODES["a"]) == MAPPED.client.tree_size(CODES["a"])


def test_throughput_one_cluster_and_two():
    """Four ledgers written at once: all in the fixtures' cluster (the baseline, same run),
    then two in each cluster. A figure and a ratio; never a failure on speed."""
    one = [create(DEFAULTED, fresh_code("46")) for _ in range(4)]
    base, _ = servers.load([(DEFAULTED.client, lg) for lg in one], 60)
    two_codes = [fresh_code("47") for _ in range(4)]
    with open(MAP, "a") as f:
        for i, code in enumerate(two_codes):
            url, owner = ((SECOND.url, SECOND.owner_url) if i % 2 else
                          (os.environ["AIDREG_DATABASE_URL"], os.environ["AIDREG_OWNER_DATABASE_URL"]))
            f.write("%s %s owner=%s\n" % (code, url, owner))
    srv = servers.Server("map-bench", {"AIDREG_LEDGER_MAP": MAP},
                         port=servers.free_port(DEFAULTED.port + 1)).start()
    try:
        two = [create(srv, code) for code in two_codes]
        spread, _ = servers.load([(srv.client, lg) for lg in two], 60)
    finally:
        srv.stop()
    print("    4 ledgers, one server: one cluster %.0f entries/s, two clusters %.0f entries/s (ratio %.2f)"
          % (base, spread, spread / base))


def test_a_bad_map_stops_the_server():
    """A map line the server cannot read, or a county named twice, is an error at start
    (exit status, the line named), not a county silently sent to the default."""
    bad = os.path.join(servers.state_dir(), "ledger-map-bad.txt")
    cases = [
        ("%s %s colour=blue\n" % (CODES["a"], SECOND.url), "line 1"),
        ("# 注释\n%s\n" % CODES["a"], "line 2"),
        ("%s %s\n%s %s\n" % (CODES["a"], SECOND.url, CODES["a"], SECOND.url), "mapped twice"),
        ("45x001 %s\n" % SECOND.url, "6-digit county code"),
    ]
    for text, why in cases:
        with open(bad, "w") as f:
            f.write(text)
        env = dict(os.environ, AIDREG_LEDGER_MAP=bad, AIDREG_PORT=str(servers.free_port(MAPPED.port + 1)))
        p = subprocess.run([os.path.join(servers.build_dir(), "aidreg-server")], env=env, capture_output=True,
                           text=True, timeout=60)
        assert p.returncode != 0, (text, p.stderr)
        assert why in p.stderr, (why, p.stderr)


def test_disk_per_entry():
    """What an entry costs on disk in its cluster (leaf, tree nodes, checkpoints, the state
    tables and their indexes): the database's growth over 5,000 entries, for docs/scale.md."""
    code = fresh_code("48")
    with open(MAP, "a") as f:
        f.write("%s %s owner=%s\n" % (code, SECOND.url, SECOND.owner_url))
    srv = servers.Server("map-disk", {"AIDREG_LEDGER_MAP": MAP},
                         port=servers.free_port(DEFAULTED.port + 1)).start()
    try:
        lg = create(srv, code)
        size_sql = "SELECT pg_database_size(current_database())"
        before = int(rows_sql(SECOND.url, size_sql))
        wal0 = rows_sql(SECOND.url, "SELECT pg_current_wal_lsn()")
        sent = 0
        for _ in range(50):
            envs = [lg.filler(note="容量测算")[1] for _ in range(100)]
            r = srv.client.submit(code, envs)
            assert r.status == 200 and all(x["status"] == 201 for x in r.json["results"]), r
            sent += len(envs)
            envelope_bytes = sum(len(json.dumps(e, separators=(",", ":"))) for e in envs) / len(envs)
        after = int(rows_sql(SECOND.url, size_sql))
        wal = int(float(rows_sql(SECOND.url, "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '%s')" % wal0)))
    finally:
        srv.stop()
    print("    disk: %.0f bytes per entry in its cluster, %.0f bytes of WAL (%d entries of ~%.0f-byte envelopes, "
          "batches of 100)" % ((after - before) / sent, wal / sent, sent, envelope_bytes))
    assert after > before
