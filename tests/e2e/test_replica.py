"""Reads from a PostgreSQL streaming replica. The module takes a base backup of the fixtures'
cluster (pg_basebackup -R: a hot standby on its own port) and starts a server whose reads go
to it (AIDREG_READ_DATABASE_URL) and whose writes go to the primary. With the replica's replay
paused, that server still accepts writes, serves the replica's own (older, signed, consistent)
checkpoint as the latest, and answers 503 + Retry-After for what the replica lacks
(?min_size=N, a proof or a tile past its size); once replay resumes, it serves the new tree,
consistent with the primary's checkpoint (docs/scale.md "Read replicas")."""

import json
import os
import time

import c2sp
from aidreg_client import Client, assert_problem, b64d, fresh_code, new_ledger

import servers

C = Client()
REPLICA = None
SRV = None


def setup_module():
    global REPLICA, SRV
    servers.need_root_pg()
    REPLICA = servers.Replica().start()
    SRV = servers.Server("replica", {"AIDREG_READ_DATABASE_URL": REPLICA.url}).start()


def teardown_module():
    if SRV:
        SRV.stop()
    if REPLICA:
        REPLICA.stop()


def caught_up(code, size, timeout=60):
    """The replica server's checkpoint once it has `size` entries: polls ?min_size= as a
    client holding a receipt of that size would, honouring Retry-After."""
    deadline = time.monotonic() + timeout
    waits = 0
    while time.monotonic() < deadline:
        r = SRV.client.get("/log/%s/checkpoint?min_size=%d" % (code, size))
        if r.status == 200:
            return r.body.decode(), waits
        assert_problem(r, 503, "unavailable")
        assert int(r.headers["Retry-After"]) >= 1
        waits += 1
        time.sleep(0.05)  # the test does not wait the full second it is told
    raise AssertionError("the replica never reached size %d" % size)


def consistent(lg, old_note, new_note, via):
    old, new = c2sp.open_checkpoint(old_note, lg.vkey), c2sp.open_checkpoint(new_note, lg.vkey)
    assert old.size <= new.size
    if old.size == new.size:
        assert old.root == new.root
        return
    r = via.get("/v1/ledgers/%s/proof/consistency?from=%d&to=%d" % (lg.code, old.size, new.size))
    assert r.status == 200, r
    c2sp.verify_consistency(old.size, new.size, old.root, new.root, [b64d(h) for h in r.json["consistency_proof"]])


def test_writes_go_to_the_primary_reads_to_the_replica():
    lg = new_ledger(SRV.client, "43")  # created through the replica's server: on the primary
    lg.enroll("root", "county", "county", lg.code)
    receipts = []
    for i in range(20):
        env = lg.filler(note="副本 %d" % i)[1]
        r = SRV.client.submit(lg.code, env)
        assert r.status == 201, r
        receipts.append(r.json)
    size = receipts[-1]["index"] + 1
    # The fixtures' server reads the primary: it has them at once.
    assert C.tree_size(lg.code) == size
    note, _ = caught_up(lg.code, size)
    assert c2sp.open_checkpoint(note, lg.vkey).size >= size
    for rc in receipts:
        lg.verify_receipt(rc)
        r = SRV.client.get("/v1/ledgers/%s/entries/%d" % (lg.code, rc["index"]))
        assert r.status == 200 and r.json["payload_sha256"] == rc["payload_sha256"], r
    # The checkpoint the replica serves is consistent with the primary's.
    consistent(lg, receipts[0]["checkpoint"], note, SRV.client)
    consistent(lg, note, C.checkpoint_note(lg.code), C)
    cp, _ = c2sp.TlogClient(SRV.client.base, lg.code).verify(c2sp.Verifier.parse(lg.vkey))
    assert cp.size == size
    servers.verify_server(SRV.client.base, lg)
    servers.verify_db(REPLICA.url, lg)  # the replica's rows themselves


def test_a_replica_behind_says_so():
    lg = new_ledger(C, "43")
    lg.enroll("root", "county", "county", lg.code)
    old_size = lg.size()
    old_note, _ = caught_up(lg.code, old_size)
    keys_before = SRV.client.get("/v1/ledgers/%s/keys" % lg.code)
    assert keys_before.status == 200, keys_before
    REPLICA.pause()
    try:
        k, env = lg.filler(note="暂停时写入")
        r = SRV.client.submit(lg.code, env)  # writes still go through: to the primary
        assert r.status == 201, r
        new_size = r.json["index"] + 1
        assert C.tree_size(lg.code) == new_size
        time.sleep(0.2)
        # The latest the replica has, signed and whole; not the receipt's tree.
        cur = SRV.client.get("/log/%s/checkpoint" % lg.code)
        assert cur.status == 200 and c2sp.open_checkpoint(cur.body.decode(), lg.vkey).size == old_size, cur
        # A client that waits for its receipt's size is told to retry, not shown an older tree.
        p = assert_problem(SRV.client.get("/log/%s/checkpoint?min_size=%d" % (lg.code, new_size)), 503,
                           "unavailable")
        assert "replica" in p["detail"], p
        r = SRV.client.get("/v1/ledgers/%s/proof/inclusion?index=%d&size=%d" % (lg.code, new_size - 1, new_size))
        assert_problem(r, 503, "unavailable")
        assert int(r.headers["Retry-After"]) >= 1
        assert_problem(SRV.client.get("/v1/ledgers/%s/entries/%d" % (lg.code, new_size - 1)), 503, "unavailable")
        r = SRV.client.get("/v1/ledgers/%s/proof/consistency?from=%d&to=%d" % (lg.code, old_size, new_size))
        assert_problem(r, 503, "unavailable")
        # The state read from the replica has not seen the new key; the primary's has.
        keys_now = SRV.client.get("/v1/ledgers/%s/keys" % lg.code)
        assert keys_now.status == 200 and k.id not in json.dumps(keys_now.json), keys_now
        assert k.id in json.dumps(C.get("/v1/ledgers/%s/keys" % lg.code).json)
        audit = SRV.client.get("/v1/ledgers/%s/audit" % lg.code)
        assert audit.status == 200, audit
        # The primary (the fixtures' server) answers the same questions at once.
        assert C.get("/v1/ledgers/%s/proof/inclusion?index=%d&size=%d" % (lg.code, new_size - 1,
                                                                          new_size)).status == 200
        # A size the primary lacks too is 404 at once, not "retry" for ever.
        assert_problem(SRV.client.get("/log/%s/checkpoint?min_size=%d" % (lg.code, new_size + 100)), 404, "not-found")
        assert_problem(SRV.client.get("/v1/ledgers/%s/entries/%d" % (lg.code, new_size + 100)), 404, "not-found")
        assert_problem(SRV.client.get("/log/%s/tile/0/x001/234" % lg.code), 404, "not-found")
        # A ledger created since the replica's last replay is "retry", not "no such ledger";
        # a county no cluster has is 404.
        fresh = new_ledger(C, "43")
        for path in ("/log/%s/checkpoint", "/v1/ledgers/%s/keys", "/v1/ledgers/%s/assets", "/v1/ledgers/%s/audit"):
            assert_problem(SRV.client.get(path % fresh.code), 503, "unavailable")
        assert_problem(SRV.client.get("/v1/ledgers/%s/keys" % fresh_code("43")), 404, "unknown-ledger")
        # On the primary a size that does not exist is 404, not "retry".
        assert_problem(C.get("/log/%s/checkpoint?min_size=%d" % (lg.code, new_size + 5)), 404, "not-found")
    finally:
        REPLICA.resume()
    note, waits = caught_up(lg.code, new_size)
    assert c2sp.open_checkpoint(note, lg.vkey).size == new_size
    consistent(lg, old_note, note, SRV.client)
    consistent(lg, note, C.checkpoint_note(lg.code), C)
    r = SRV.client.get("/v1/ledgers/%s/proof/inclusion?index=%d&size=%d" % (lg.code, new_size - 1, new_size))
    assert r.status == 200, r
    assert k.id in json.dumps(SRV.client.get("/v1/ledgers/%s/keys" % lg.code).json)


def test_replica_lag():
    """How far behind the replica runs, as a client sees it: from a 201 to the replica's
    server answering ?min_size= with the receipt's size."""
    lg = new_ledger(C, "43")
    lg.enroll("root", "county", "county", lg.code)
    caught_up(lg.code, lg.size())
    lags = []
    for i in range(30):
        r = SRV.client.submit(lg.code, lg.filler(note="延迟 %d" % i)[1])
        assert r.status == 201, r
        t0 = time.monotonic()
        while SRV.client.get("/log/%s/checkpoint?min_size=%d" % (lg.code, r.json["index"] + 1)).status != 200:
            assert time.monotonic() - t0 < 60, "the replica did not catch up"
            time.sleep(0.002)
        lags.append(time.monotonic() - t0)
    lags.sort()
    print("    replica lag after a 201 (until ?min_size= answers 200): median %.1f ms, max %.1f ms (30 writes)"
          % (lags[len(lags) // 2] * 1000, lags[-1] * 1000))


def test_min_size_is_checked():
    lg = new_ledger(C, "43")
    r = SRV.client.get("/log/%s/checkpoint?min_size=abc" % lg.code)
    assert_problem(r, 400, "invalid-query", "/query/min_size")
    r = SRV.client.get("/log/%s/checkpoint?size=1" % lg.code)
    assert_problem(r, 400, "invalid-query")
