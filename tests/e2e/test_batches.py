"""Batches: {"envelopes": [...]} is answered 200 with one result per envelope, in order; each
item is accepted or refused on its own and refused items store nothing."""

from aidreg_client import (PROBLEM_PREFIX, Client, Key, assert_problem, compact, envelope, event, new_ledger, payload_sha256,
                           unchanged)

C = Client()
L = None


def setup_module():
    global L
    L = new_ledger(C, "44")
    L.enroll("root", "county", "county", L.code)


def finding(n):
    """A new entry (an enrolment of a fresh village key)."""
    return L.filler(note="批次条目 %d" % n)[1]


def test_ok_bad_ok():
    ok1, ok2 = finding(1), finding(2)
    bad = finding(3)
    bad["signatures"][0]["sig"] = finding(4)["signatures"][0]["sig"]
    size = L.size()
    r = C.submit(L.code, [ok1, bad, ok2])
    assert r.status == 200, r
    res = r.json["results"]
    assert [x["status"] for x in res] == [201, 401, 201], res
    assert res[1]["problem"]["type"] == PROBLEM_PREFIX + "bad-signature", res[1]
    assert res[1]["problem"]["status"] == 401, res[1]
    assert res[1]["problem"].get("field", "").startswith("/envelopes/1"), res[1]
    assert "receipt" not in res[1]
    r1, r2 = res[0]["receipt"], res[2]["receipt"]
    assert r1["index"] < r2["index"], (r1, r2)
    assert {r1["index"], r2["index"]} == {size, size + 1}
    L.verify_receipt(r1, ok1)
    L.verify_receipt(r2, ok2)
    assert L.size() == size + 2
    assert r1["payload_sha256"] == payload_sha256(ok1)


def test_every_kind_of_refusal_in_one_batch():
    stranger = Key()
    items = [
        finding(10),
        dict(finding(12), payload="%%%"),
        envelope(event(L.origin, "key.enroll", stranger.id,
                       {"key": stranger.id, "role": "village", "scope": L.code + "101201",
                        "holder": {"name": "x", "org": "y"}}), stranger),
        envelope(event("elsewhere.example/" + L.code, "key.enroll", stranger.id,
                       {"key": stranger.id, "role": "village", "scope": L.code + "101201",
                        "holder": {"name": "x", "org": "y"}}), L.keys["county"]),
        envelope(event(L.origin, "no.such.type", "X", {}), L.keys["county"]),
        finding(11),
    ]
    size = L.size()
    r = C.submit(L.code, items)
    assert r.status == 200, r
    res = r.json["results"]
    assert [x["status"] for x in res] == [201, 400, 403, 422, 422, 201], res
    assert [x["problem"]["type"].rsplit(":", 1)[1] for x in res[1:5]] == \
        ["invalid-base64", "key-not-enrolled", "wrong-ledger", "unknown-event-type"], res
    assert L.size() == size + 2


def test_all_refused_stores_nothing():
    bad = finding(20)
    bad["signatures"] = []
    with unchanged(L):
        r = C.submit(L.code, [bad, bad])
    assert r.status == 200, r
    assert [x["status"] for x in r.json["results"]] == [401, 401]


def test_batch_of_100():
    envs = [finding(100 + i) for i in range(100)]
    size = L.size()
    r = C.submit(L.code, envs)
    assert r.status == 200, r
    res = r.json["results"]
    assert all(x["status"] == 201 for x in res), [x for x in res if x["status"] != 201][:3]
    idx = [x["receipt"]["index"] for x in res]
    assert sorted(idx) == list(range(size, size + 100)), idx
    for x, e in zip(res[::17], envs[::17]):
        L.verify_receipt(x["receipt"], e)


def test_more_than_1000_envelopes_is_refused():
    envs = [{"payloadType": "x", "payload": "", "signatures": []}] * 1001
    with unchanged(L):
        r = C.post("/v1/ledgers/%s/entries" % L.code, compact({"envelopes": envs}))
    assert_problem(r, 413, "too-large", "/envelopes")
