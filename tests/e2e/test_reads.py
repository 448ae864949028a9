"""Reads: entries (paged and by index), inclusion and consistency proofs checked in Python
against roots recomputed from the tiles, tiles and their cache headers, /healthz, /metrics."""

import json
import os

import c2sp
from aidreg_client import Client, assert_problem, b64d, new_ledger

C = Client()
L = None
N = 300  # entries beyond the authority ones: more than one full tile
LEAVES = []
HASHES = []


def setup_module():
    global L
    L = new_ledger(C, "43")
    L.enroll("root", "county", "county", L.code)
    envs = [L.filler(note="第 %d 条" % i)[1] for i in range(N)]
    for i in range(0, N, 150):
        r = C.submit(L.code, envs[i:i + 150])
        assert r.status == 200, r
        assert all(x["status"] == 201 for x in r.json["results"]), r
    size = L.size()
    assert size == N + 2, size
    LEAVES.extend(c2sp.TlogClient(C.base, L.code).leaves(size))
    HASHES.extend(c2sp.leaf_hash(l) for l in LEAVES)


def test_entries_paging():
    size = len(LEAVES)
    seen = []
    start = 0
    pages = 0
    while start is not None:
        r = C.entries(L.code, start, 64)
        assert r.status == 200, r
        assert r.content_type == "application/json"
        page = r.json["entries"]
        assert 0 < len(page) <= 64, len(page)
        seen.extend(page)
        start = r.json["next"]
        pages += 1
        assert pages < 100
    assert pages == (size + 63) // 64, pages
    assert [e["index"] for e in seen] == list(range(size))
    for e in seen[::37]:
        assert b64d(e["leaf_hash"]) == HASHES[e["index"]], e["index"]
        leaf = json.loads(LEAVES[e["index"]])
        assert leaf["envelope"] == e["envelope"]
        assert leaf["time"] == e["time"]
        payload = b64d(e["envelope"]["payload"])
        assert e["event"] == json.loads(payload)
        assert e["payload_sha256"] == c2sp.hashlib.sha256(payload).hexdigest()


def test_entries_past_the_end():
    r = C.entries(L.code, len(LEAVES), 10)
    assert r.status == 200, r
    assert r.json["entries"] == [] and r.json["next"] is None, r.json


def test_entry_by_index():
    for i in (0, 1, 2, 255, 256, len(LEAVES) - 1):
        r = C.get("/v1/ledgers/%s/entries/%d" % (L.code, i))
        assert r.status == 200, r
        e = r.json
        assert set(e) >= {"index", "time", "leaf_hash", "payload_sha256", "envelope", "event"}, e
        assert e["index"] == i and b64d(e["leaf_hash"]) == HASHES[i]
    assert_problem(C.get("/v1/ledgers/%s/entries/%d" % (L.code, len(LEAVES))), 404, "not-found")


def test_leaves_have_the_fixed_layout():
    for i, leaf in enumerate(LEAVES):
        obj = json.loads(leaf)
        assert list(obj) == ["v", "index", "time", "envelope"], list(obj)
        assert obj["v"] == 1 and obj["index"] == i
        assert list(obj["envelope"]) == ["payloadType", "payload", "signatures"]
        for s in obj["envelope"]["signatures"]:
            assert list(s) == ["keyid", "sig"]
        assert leaf == json.dumps(obj, separators=(",", ":")).encode("ascii"), leaf[:100]


def test_inclusion_proofs():
    size = len(LEAVES)
    for m in (size, 257, 256, 100, 3):
        root = c2sp.mth(HASHES[:m])
        for i in sorted({0, 1, m // 2, m - 1}):
            r = C.get("/v1/ledgers/%s/proof/inclusion?index=%d&size=%d" % (L.code, i, m))
            assert r.status == 200, r
            proof = [b64d(h) for h in r.json["inclusion_proof"]]
            c2sp.verify_inclusion(i, m, HASHES[i], proof, root)
            assert proof == c2sp.inclusion_path(i, HASHES[:m])
            assert r.json["index"] == i and r.json["tree_size"] == m, r.json
    # By leaf hash (hex in the query string).
    i = 200
    r = C.get("/v1/ledgers/%s/proof/inclusion?leaf_hash=%s&size=%d" % (L.code, HASHES[i].hex(), size))
    assert r.status == 200, r
    assert r.json["index"] == i, r.json
    c2sp.verify_inclusion(i, size, HASHES[i], [b64d(h) for h in r.json["inclusion_proof"]], c2sp.mth(HASHES))
    r = C.get("/v1/ledgers/%s/proof/inclusion?leaf_hash=%s&size=%d" % (L.code, "00" * 32, size))
    assert_problem(r, 404, "not-found")
    r = C.get("/v1/ledgers/%s/proof/inclusion?index=%d&size=%d" % (L.code, 5, size + 10))
    assert r.status in (400, 404), r
    assert r.content_type == "application/problem+json"


def test_consistency_proofs():
    size = len(LEAVES)
    for a, b in ((1, size), (2, 3), (7, 8), (100, 256), (256, 257), (255, size), (size, size)):
        r = C.get("/v1/ledgers/%s/proof/consistency?from=%d&to=%d" % (L.code, a, b))
        assert r.status == 200, r
        proof = [b64d(h) for h in r.json["consistency_proof"]]
        c2sp.verify_consistency(a, b, c2sp.mth(HASHES[:a]), c2sp.mth(HASHES[:b]), proof)
        assert proof == c2sp.consistency_path(a, HASHES[:b]), (a, b)
    r = C.get("/v1/ledgers/%s/proof/consistency?from=%d&to=%d" % (L.code, 10, 5))
    assert_problem(r, 400, "invalid-query")


def test_full_tiles_are_immutable():
    t = c2sp.TlogClient(C.base, L.code)
    for path in ("tile/0/000", "tile/entries/000"):
        body, headers = t.get(path)
        cc = headers.get("Cache-Control", "")
        assert "immutable" in cc and "max-age=31536000" in cc and "public" in cc, (path, cc)
    body, _ = t.get("tile/0/000")
    assert body == b"".join(HASHES[:256])
    # A partial tile is not immutable.
    w = len(LEAVES) - 256
    body, headers = t.get("tile/0/001.p/%d" % w)
    assert body == b"".join(HASHES[256:])
    assert "immutable" not in headers.get("Cache-Control", ""), headers.get("Cache-Control")
    # Level 1 holds the root of the first 256 leaves.
    body, _ = t.get("tile/1/000.p/1")
    assert body == c2sp.mth(HASHES[:256])
    entries = c2sp.parse_entry_bundle(t.get("tile/entries/001.p/%d" % w)[0])
    assert entries == LEAVES[256:]


def test_tiles_beyond_the_tree_and_bad_paths():
    t = c2sp.TlogClient(C.base, L.code)
    for path in ("tile/0/002", "tile/0/001", "tile/0/001.p/255", "tile/entries/005"):
        try:
            t.get(path)
            raise AssertionError("%s was served" % path)
        except c2sp.HTTPError as e:
            assert e.status == 404, (path, e.status)
    for path in ("tile/0/1", "tile/0/x000/001", "tile/0/000.p/0", "tile/0/000.p/256", "tile/entries/001.p/7x"):
        try:
            t.get(path)
            raise AssertionError("%s was served" % path)
        except c2sp.HTTPError as e:
            assert e.status in (400, 404), (path, e.status)


def test_whole_log_verifies_and_checkpoint_matches():
    v = c2sp.Verifier.parse(L.vkey)
    cp, leaves = c2sp.TlogClient(C.base, L.code).verify(v)
    assert cp.size == len(LEAVES) and leaves == LEAVES
    assert cp.root == c2sp.mth(HASHES)
    note = C.get("/log/%s/checkpoint" % L.code)
    assert note.status == 200
    assert (note.headers.get("Content-Type") or "").startswith("text/plain"), note.headers.get("Content-Type")


def test_ledgers_list():
    r = C.ledgers()
    assert r.status == 200, r
    row = [l for l in r.json["ledgers"] if l["code"] == L.code]
    assert len(row) == 1, r.json
    assert row[0]["size"] == len(LEAVES), row
    assert set(row[0]) >= {"code", "name", "origin", "vkey", "size"}


def test_healthz():
    r = C.get("/healthz")
    assert r.status == 200, r


def test_metrics():
    C.get("/healthz")
    # Behind the proxy of docs/deploy.md, /metrics is served on its protected listener only.
    m = Client(os.environ["AIDREG_METRICS_URL"]) if os.environ.get("AIDREG_METRICS_URL") else C
    r = m.get("/metrics")
    assert r.status == 200, r
    assert (r.headers.get("Content-Type") or "").startswith("text/plain"), r.headers.get("Content-Type")
    text = r.body.decode()
    for name in ("aidreg_http_requests_total{", "aidreg_entries_appended_total ",
                 "aidreg_append_latency_seconds_bucket{", "aidreg_append_latency_seconds_sum ",
                 "aidreg_append_latency_seconds_count ", 'aidreg_tree_size{ledger="%s"} %d' % (L.code, len(LEAVES))):
        assert name in text, name
    assert "# TYPE aidreg_append_latency_seconds histogram" in text
    assert 'status="201"' in text


def durations(text, route):
    """The duration histogram of one route in a /metrics text: {le: count}, sum, count."""
    buckets, total, n = {}, None, None
    pre = 'aidreg_http_request_duration_seconds_%s{route="' + route + '"'
    for line in text.splitlines():
        if line.startswith(pre % "bucket" + ',le="'):
            le = line.split('le="', 1)[1].split('"', 1)[0]
            buckets[le] = int(line.rsplit(" ", 1)[1])
        elif line.startswith(pre % "sum" + "}"):
            total = float(line.rsplit(" ", 1)[1])
        elif line.startswith(pre % "count" + "}"):
            n = int(line.rsplit(" ", 1)[1])
    return buckets, total, n


def test_request_durations_by_route():
    m = Client(os.environ["AIDREG_METRICS_URL"]) if os.environ.get("AIDREG_METRICS_URL") else C
    route = "/v1/ledgers/{code}/proof/inclusion"
    text = m.get("/metrics").body.decode()
    assert "# TYPE aidreg_http_request_duration_seconds histogram" in text
    before, _, n0 = durations(text, route)
    for i in range(20):
        r = C.get("/v1/ledgers/%s/proof/inclusion?index=%d&size=%d" % (L.code, i, len(LEAVES)))
        assert r.status == 200, r
    r = C.get("/v1/ledgers/%s/proof/inclusion?index=5&size=%d" % (L.code, len(LEAVES) + 10))
    assert r.status in (400, 404), r  # a refusal is an answer too, timed like the others
    after, total, n1 = durations(m.get("/metrics").body.decode(), route)
    assert n1 - (n0 or 0) == 21, (n0, n1)
    les = list(after)
    assert les[-1] == "+Inf" and after["+Inf"] == n1, after
    bounds = [float(x) for x in les[:-1]]
    assert bounds == sorted(bounds) and bounds[0] <= 0.0001 and 1 in bounds, bounds
    counts = list(after.values())
    assert counts == sorted(counts), "cumulative buckets never decrease: %r" % after
    assert all(after[k] >= before.get(k, 0) for k in after), (before, after)
    assert 0 < total < 60, total
    # One label value per pattern: GET and POST /v1/ledgers share theirs.
    assert text.count('aidreg_http_request_duration_seconds_count{route="/v1/ledgers"}') <= 1


def test_unknown_route_and_method():
    r = C.get("/v1/nothing-here")
    assert_problem(r, 404, "not-found")
    r = C.request("DELETE", "/v1/ledgers/%s/entries" % L.code)
    assert_problem(r, 405, "method-not-allowed")
    assert "POST" in (r.headers.get("Allow") or ""), r.headers.get("Allow")
    r = C.request("PUT", "/log/%s/checkpoint" % L.code, b"x")
    assert_problem(r, 405, "method-not-allowed")


def test_head_answers_like_get():
    for path in ("/log/%s/checkpoint" % L.code, "/log/%s/tile/0/000" % L.code, "/v1/ledgers", "/healthz"):
        g = C.get(path)
        h = C.raw("HEAD", path, read_body=False)
        assert h.status == g.status == 200, (path, h, g)
        assert h.headers.get("Content-Type") == g.headers.get("Content-Type"), path


def test_checkpoint_is_not_cached():
    r = C.get("/log/%s/checkpoint" % L.code)
    assert "no-cache" in (r.headers.get("Cache-Control") or ""), r.headers.get("Cache-Control")


def test_strict_query_strings():
    base = "/v1/ledgers/%s" % L.code
    for q, name in (("/entries?from=abc", "from"), ("/entries?from=1&from=2", "from"), ("/entries?colour=red", "colour"),
                    ("/entries?limit=0", "limit"), ("/entries?limit=1001", "limit"), ("/entries?from=-1", "from"),
                    ("/entries?from=%%201", "from"), ("/proof/inclusion?index=1&leaf_hash=%s" % ("00" * 32), None),
                    ("/proof/inclusion?leaf_hash=xyz", "leaf_hash"), ("/proof/consistency?from=1", "to"),
                    ("/proof/consistency?from=0&to=2", None)):
        r = C.get(base + q)
        p = assert_problem(r, 400, "invalid-query")
        if name:
            assert p.get("field") == "/query/" + name, (q, p)
    assert_problem(C.get(base + "/entries/abc"), 404, "not-found")
    assert_problem(C.get(base + "/entries/-1"), 404, "not-found")
