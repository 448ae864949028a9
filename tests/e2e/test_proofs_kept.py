"""Proofs and tiles from memory through the real server: the same answer asked twice is the
same bytes, the second from memory (aidreg_log_reads_total{from="memory"} counts it); a size
beyond the log is refused from the database as before, and nothing it asked is kept; a
partial entry tile is always read."""

import os

import c2sp
from aidreg_client import Client, assert_problem, b64d, new_ledger

C = Client()
M = Client(os.environ["AIDREG_METRICS_URL"]) if os.environ.get("AIDREG_METRICS_URL") else C
L = None
N = 270  # entries beyond the authority ones: one full tile and a partial one


def setup_module():
    global L
    L = new_ledger(C, "44")
    L.enroll("root", "county", "county", L.code)
    envs = [L.filler(note="缓存 %d" % i)[1] for i in range(N)]
    r = C.submit(L.code, envs)
    assert r.status == 200 and all(x["status"] == 201 for x in r.json["results"]), r


def reads():
    """The aidreg_log_reads_total counters: {(kind, from): n}."""
    out = {}
    for line in M.get("/metrics").body.decode().splitlines():
        if line.startswith("aidreg_log_reads_total{"):
            labels, n = line.rsplit(" ", 1)
            kind = labels.split('kind="', 1)[1].split('"', 1)[0]
            src = labels.split('from="', 1)[1].split('"', 1)[0]
            out[(kind, src)] = int(n)
    assert set(out) == {("proof", "memory"), ("proof", "database"), ("tile", "memory"), ("tile", "database")}, out
    return out


def delta(before, after):
    return {k: after[k] - before[k] for k in after}


def test_a_proof_asked_again_comes_from_memory():
    size = L.size()
    path = "/v1/ledgers/%s/proof/inclusion?index=%d&size=%d" % (L.code, 137, size)
    r0 = reads()
    first = C.get(path)
    r1 = reads()
    second = C.get(path)
    r2 = reads()
    assert first.status == 200 and second.status == 200, (first, second)
    assert first.body == second.body
    assert delta(r0, r1)[("proof", "database")] == 1, delta(r0, r1)
    assert delta(r1, r2)[("proof", "memory")] == 1 and delta(r1, r2)[("proof", "database")] == 0, delta(r1, r2)
    # It is the proof: the leaf under the root of the tree the tiles give.
    leaves = c2sp.TlogClient(C.base, L.code).leaves(size)
    hashes = [c2sp.leaf_hash(l) for l in leaves]
    proof = [b64d(h) for h in second.json["inclusion_proof"]]
    assert proof == c2sp.inclusion_path(137, hashes)
    c2sp.verify_inclusion(137, size, hashes[137], proof, c2sp.mth(hashes))
    # A consistency proof from a size inside the one already read needs no database either.
    r3 = reads()
    c = C.get("/v1/ledgers/%s/proof/consistency?from=%d&to=%d" % (L.code, 100, size))
    assert c.status == 200, c
    assert [b64d(h) for h in c.json["consistency_proof"]] == c2sp.consistency_path(100, hashes)
    assert delta(r3, reads())[("proof", "memory")] == 1


def test_refusals_are_read_and_not_kept():
    size = L.size()
    C.get("/v1/ledgers/%s/proof/inclusion?index=1&size=%d" % (L.code, size))  # the size is seen
    for _ in range(2):
        r0 = reads()
        assert_problem(C.get("/v1/ledgers/%s/proof/inclusion?index=5&size=%d" % (L.code, size + 1)), 400,
                       "invalid-query")
        assert_problem(C.get("/v1/ledgers/%s/proof/inclusion?index=%d&size=%d" % (L.code, size, size)), 400,
                       "invalid-query")
        assert_problem(C.get("/v1/ledgers/%s/proof/consistency?from=3&to=%d" % (L.code, size + 1)), 400,
                       "invalid-query")
        assert_problem(C.get("/log/%s/tile/0/001" % L.code), 404, "not-found")
        d = delta(r0, reads())
        assert d == {("proof", "memory"): 0, ("proof", "database"): 3, ("tile", "memory"): 0,
                     ("tile", "database"): 1}, d


def test_tiles_kept_and_not():
    size = L.size()
    w = size - 256
    assert 0 < w < 256, size
    for path, kept in (("tile/0/000", True), ("tile/entries/000", True), ("tile/0/001.p/%d" % w, True),
                       ("tile/entries/001.p/%d" % w, False)):
        url = "/log/%s/%s" % (L.code, path)
        a = C.get(url)
        r1 = reads()
        b = C.get(url)
        d = delta(r1, reads())
        assert a.status == 200 and b.status == 200 and a.body == b.body, path
        assert d[("tile", "memory")] == (1 if kept else 0) and d[("tile", "database")] == (0 if kept else 1), (path, d)
    leaves = c2sp.TlogClient(C.base, L.code).leaves(size)
    body = C.get("/log/%s/tile/0/000" % L.code).body
    assert body == b"".join(c2sp.leaf_hash(l) for l in leaves[:256])
