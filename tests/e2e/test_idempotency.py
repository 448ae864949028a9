"""Resubmitting a payload already in the ledger answers 200 with its first receipt and stores
nothing — whatever has changed since: more signatures, a revoked signer, a moved head."""

import os

from aidreg_client import Client, assert_problem, envelope, event, new_ledger, unchanged

C = Client()
L = None


def setup_module():
    global L
    L = new_ledger(C, "46")
    L.enroll("root", "county", "county", L.code)
    L.enroll("county", "township", "township", L.code + "101")
    L.enroll("township", "village", "village", L.code + "101201")


def same_receipt(a, b):
    for k in ("ledger", "index", "leaf_hash", "payload_sha256"):
        assert a[k] == b[k], (k, a, b)


def notice(village):
    """A new payload each call (event times have one-second resolution: the content hash differs)."""
    return event(L.origin, "notice.publish", village,
                 {"kind": "assets", "start": "2024-03-01", "end": "2024-03-10", "content_sha256": os.urandom(32).hex(),
                  "place": "村委会公示栏"})


def test_same_envelope_twice():
    env = envelope(notice(L.code + "101201"), L.keys["village"])
    r1 = C.submit(L.code, env)
    assert r1.status == 201, r1
    with unchanged(L):
        r2 = C.submit(L.code, env)
    assert r2.status == 200, r2
    same_receipt(r1.json, r2.json)
    L.verify_receipt(r2.json, env)


def test_same_payload_with_another_signature_set():
    ev = notice(L.code + "101201")
    env = envelope(ev, L.keys["village"])
    r1 = C.submit(L.code, env)
    assert r1.status == 201, r1
    env2 = envelope(ev, L.keys["village"], L.keys["township"])
    with unchanged(L):
        r2 = C.submit(L.code, env2)
    assert r2.status == 200, r2
    same_receipt(r1.json, r2.json)


def test_replay_after_the_key_was_revoked():
    k = L.enroll("township", "short-lived", "village", L.code + "101202")
    ev = notice(L.code + "101202")
    env = envelope(ev, k)
    r1 = C.submit(L.code, env)
    assert r1.status == 201, r1
    r = L.revoke("township", "short-lived")
    assert r.status == 201, r
    with unchanged(L):
        r2 = C.submit(L.code, env)
    assert r2.status == 200, r2
    same_receipt(r1.json, r2.json)
    L.verify_receipt(r2.json, env)
    # A new payload by the revoked key is refused.
    ev2 = notice(L.code + "101202")
    ev2["body"]["place"] = "另一个公示栏"
    with unchanged(L):
        r3 = C.submit(L.code, envelope(ev2, k))
    assert_problem(r3, 403, "key-revoked")


def test_replay_after_the_head_moved():
    head = L.create_receipt["payload_sha256"]
    env = L.sign("county", "ledger.settings", L.code, {}, prev=head)
    r1 = C.submit(L.code, env)
    assert r1.status == 201, r1
    r = L.submit("county", "ledger.settings", L.code, {"publicity_days": 7}, prev=r1.json["payload_sha256"])
    assert r.status == 201, r
    with unchanged(L):
        r2 = C.submit(L.code, env)  # its prev is stale now: still the first receipt
    assert r2.status == 200, r2
    same_receipt(r1.json, r2.json)


def test_replay_inside_a_batch():
    env = envelope(notice(L.code + "101201"), L.keys["township"])
    r1 = C.submit(L.code, env)
    assert r1.status == 201, r1
    with unchanged(L):
        r = C.submit(L.code, [env])
    assert r.status == 200, r
    res = r.json["results"]
    assert len(res) == 1 and res[0]["status"] == 200, res
    same_receipt(r1.json, res[0]["receipt"])


def test_same_payload_twice_in_one_batch():
    env = envelope(notice(L.code + "101201"), L.keys["township"])
    size = L.size()
    r = C.submit(L.code, [env, env])
    assert r.status == 200, r
    res = r.json["results"]
    assert [x["status"] for x in res] == [201, 200], res
    same_receipt(res[0]["receipt"], res[1]["receipt"])
    assert L.size() == size + 1
