"""Two server processes on two ports share one database; many threads submit to both at once
into one ledger. Every receipt verifies, the sizes add up, both servers agree on the tree, and
`aidreg verify` (the CLI of the build under test) accepts the whole ledger. Then one of them is
SIGKILLed mid-load, three times, and nothing it acknowledged is lost (docs/scale.md)."""

import http.client
import os
import threading
import time

import c2sp
import servers
from aidreg_client import Client, Skip, b64d, new_ledger, payload_sha256
from servers import build_dir, free  # noqa: F401 - test_hardening, test_proxy, test_shutdown import them from here

C = Client()
SECOND = None
SERVER2 = None


def setup_module():
    global SECOND, SERVER2
    for v in ("AIDREG_DATABASE_URL", "AIDREG_LOG_KEY_FILE"):
        if not os.environ.get(v):
            raise Skip("%s is not set: cannot start a second server" % v)
    port = int(os.environ.get("AIDREG_PORT2") or int(C.base.rsplit(":", 1)[1]) + 1)
    SERVER2 = servers.Server("2", port=servers.free_port(port)).start()
    SECOND = SERVER2.client


def teardown_module():
    if SERVER2:
        SERVER2.stop()


THREADS = 8
PER_THREAD = 30


def test_two_servers_one_ledger():
    lg = new_ledger(C, "41")
    lg.enroll("root", "county", "county", lg.code)
    base = lg.size()
    clients = [C, SECOND]
    receipts, errors = [], []
    lock = threading.Lock()

    def worker(t):
        mine = []
        try:
            for i in range(PER_THREAD):
                env = lg.filler(note="线程 %d 第 %d 条" % (t, i))[1]
                cl = clients[(t + i) % 2]
                if i % 10 == 9:  # now and then a small batch
                    env2 = lg.filler(note="线程 %d 批 %d" % (t, i))[1]
                    r = cl.submit(lg.code, [env, env2])
                    if r.status != 200 or any(x["status"] != 201 for x in r.json["results"]):
                        raise AssertionError("batch: %r" % r)
                    mine.extend((x["receipt"], e) for x, e in zip(r.json["results"], (env, env2)))
                else:
                    r = cl.submit(lg.code, env)
                    if r.status != 201:
                        raise AssertionError("submit: %r" % r)
                    mine.append((r.json, env))
        except Exception as e:  # noqa: BLE001 - reported below
            with lock:
                errors.append("thread %d: %s" % (t, e))
        with lock:
            receipts.extend(mine)

    elapsed = servers.run_threads([threading.Thread(target=worker, args=(t,)) for t in range(THREADS)])
    assert not errors, errors[:5]
    expected = THREADS * (PER_THREAD + PER_THREAD // 10)
    assert len(receipts) == expected, (len(receipts), expected)
    indices = sorted(rc["index"] for rc, _ in receipts)
    assert indices == list(range(base, base + expected)), "indices are not contiguous and unique"
    for rc, env in receipts:
        lg.verify_receipt(rc, env)
    size = lg.size()
    assert size == base + expected, (size, base, expected)
    assert SECOND.tree_size(lg.code) == size
    n1, n2 = C.checkpoint_note(lg.code), SECOND.checkpoint_note(lg.code)
    assert c2sp.open_checkpoint(n1, lg.vkey).root == c2sp.open_checkpoint(n2, lg.vkey).root
    cp, leaves = c2sp.TlogClient(SECOND.base, lg.code).verify(c2sp.Verifier.parse(lg.vkey))
    assert cp.size == size
    print("    %d entries through 2 servers in %.2fs" % (expected, elapsed))

    for url in (C.base, SECOND.base):
        servers.verify_server(url, lg)


KILLS = 3


def test_kill_one_server_mid_load():
    """Both servers write one shared ledger and one ledger each while the second is SIGKILLed
    three times mid-load and restarted. Every acknowledged entry is at its index with its
    payload hash, no payload is stored twice, and each ledger verifies from its tiles and
    from the database rows (`aidreg verify --db`)."""
    shared = new_ledger(C, "41")
    only1, only2 = new_ledger(C, "41"), new_ledger(C, "41")
    for lg in (shared, only1, only2):
        lg.enroll("root", "county", "county", lg.code)
    second = servers.Server("kill")
    second.start()
    plan = [(shared, (C, second.client)), (only1, (C,)), (only2, (second.client,))]
    acked, unacked, errors = [], [], []
    lock = threading.Lock()
    stop = threading.Event()

    def worker(t):
        i = 0
        while not stop.is_set():
            lg, clients = plan[(t + i) % len(plan)]
            cl = clients[i % len(clients)]
            env = lg.filler(note="杀进程 %d-%d" % (t, i))[1]
            i += 1
            try:
                r = cl.submit(lg.code, env)
            except (OSError, http.client.HTTPException):  # the server died under us: not acknowledged
                with lock:
                    unacked.append((lg, env))
                time.sleep(0.05)
                continue
            except Exception as e:  # noqa: BLE001 - a receipt that does not verify: reported below
                with lock:
                    errors.append("thread %d: %s" % (t, e))
                continue
            with lock:
                if r.status == 201:
                    acked.append((lg, r.json, env))
                elif r.status in (429, 502, 503):
                    unacked.append((lg, env))
                else:
                    errors.append("thread %d: %r" % (t, r))

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(6)]
    for th in threads:
        th.start()
    try:
        for _ in range(KILLS):
            time.sleep(1.5)
            second.kill()
            time.sleep(0.3)
            second.start()
        time.sleep(1.0)
    finally:
        stop.set()
        for th in threads:
            th.join(120)
        second.stop()
    assert not errors, errors[:5]
    assert len(acked) > 50, "too little load to mean anything: %d acknowledged" % len(acked)

    for lg in (shared, only1, only2):
        stored = {e["index"]: e for e in C.all_entries(lg.code)}
        mine = [(rc, env) for l, rc, env in acked if l is lg]
        for rc, env in mine:
            lg.verify_receipt(rc, env)
            e = stored.get(rc["index"])
            assert e is not None, "acknowledged entry %d of %s is missing" % (rc["index"], lg.code)
            assert e["payload_sha256"] == rc["payload_sha256"] == payload_sha256(env), (lg.code, rc["index"])
            assert e["leaf_hash"] == rc["leaf_hash"], (lg.code, rc["index"])
        hashes = [e["payload_sha256"] for e in stored.values()]
        assert len(hashes) == len(set(hashes)), "a payload is stored twice in %s" % lg.code
        assert sorted(stored) == list(range(len(stored))), "indices of %s are not 0..n-1" % lg.code
        size = lg.size()
        assert size == len(stored)
        final = c2sp.open_checkpoint(C.checkpoint_note(lg.code), lg.vkey)
        for rc, _ in mine:  # every checkpoint a client saw is a prefix of the final tree
            cp = c2sp.open_checkpoint(rc["checkpoint"], lg.vkey)
            if cp.size < final.size:
                r = C.get("/v1/ledgers/%s/proof/consistency?from=%d&to=%d" % (lg.code, cp.size, final.size))
                assert r.status == 200, r
                proof = [b64d(h) for h in r.json["consistency_proof"]]
                c2sp.verify_consistency(cp.size, final.size, cp.root, final.root, proof)
            else:
                assert cp.root == final.root
        cp, _ = c2sp.TlogClient(C.base, lg.code).verify(c2sp.Verifier.parse(lg.vkey))
        assert cp.size == size
        servers.verify_db(os.environ["AIDREG_DATABASE_URL"], lg)
    print("    %d kills of one of 2 servers: %d acknowledged, %d unacknowledged, lost 0"
          % (KILLS, len(acked), len(unacked)))


def test_throughput_one_server_and_two():
    """The same load (two ledgers, 4 threads each) through one server (the baseline, same
    run), then spread over both servers on the one database. A figure and a ratio; never a
    failure on speed (docs/scale.md)."""
    one = [new_ledger(C, "41") for _ in range(2)]
    two = [new_ledger(C, "41") for _ in range(2)]
    for lg in one + two:
        lg.enroll("root", "county", "county", lg.code)
    base, _ = servers.load([(C, lg) for lg in one], 120)
    both, _ = servers.load([(C, two[0]), (SECOND, two[1])], 120)
    shared, _ = servers.load([(C, two[0]), (SECOND, two[0])], 120)
    print("    one database, 2 ledgers: 1 server %.0f entries/s, 2 servers %.0f entries/s (ratio %.2f); "
          "2 servers on one ledger %.0f entries/s (ratio %.2f)" % (base, both, both / base, shared, shared / base))
