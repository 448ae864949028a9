"""Every refusal of a write: its status, its own problem type (urn:aidreg:problem:<slug>), the
field at fault, Content-Type application/problem+json — and that nothing was stored: the
checkpoint's tree size and the number of listed entries do not move."""

import http.client
import json
import socket

from aidreg_client import (Skip, PAYLOAD_TYPE, Client, Key, assert_problem, b64e, compact, envelope, event,
                           new_ledger, now_rfc3339, pae, unchanged)

C = Client()
L = None


def plain_socket_only():
    """These tests frame HTTP on a plain socket: through TLS (the proxy of docs/deploy.md,
    tests/e2e/test_proxy.py) the proxy answers such requests itself."""
    if C.base.startswith("https:"):
        raise Skip("plain-socket framing test; through the proxy see test_proxy.py")


def setup_module():
    global L
    L = new_ledger(C, "45")
    L.enroll("root", "county", "county", L.code)
    L.enroll("county", "township", "township", L.code + "101")
    L.enroll("township", "village", "village", L.code + "101201")
    L.enroll("township", "gone", "village", L.code + "101202")
    r = L.revoke("township", "gone")
    assert r.status == 201, r
    L.enroll("township", "victim", "village", L.code + "101203")
    L.keys["stranger"] = Key()


def post_raw(body, content_type="application/json", code=None):
    return C.request("POST", "/v1/ledgers/%s/entries" % (code or L.code), body, content_type=content_type)


def signed_raw(payload_bytes, key="county", payload_type=PAYLOAD_TYPE):
    """An envelope (as an object) over exact payload bytes, validly signed."""
    return envelope(payload_bytes, L.keys[key], payload_type=payload_type)


def revoke_event(**over):
    """A well-formed key.revoke event of the stranger key by the county (its fields, as a dict)."""
    ev = event(L.origin, "key.revoke", L.keys["stranger"].id, {"reason": "test"})
    ev.update(over)
    return ev


def refused(body_or_env, status, slug, field=None, **kw):
    """Sends, checks the problem, checks nothing moved."""
    with unchanged(L):
        if isinstance(body_or_env, (bytes, bytearray)):
            r = post_raw(body_or_env, **kw)
        else:
            r = post_raw(compact(body_or_env), **kw)
    return assert_problem(r, status, slug, field)


# ---------------------------------------------------------------- 400 malformed

def test_malformed_json():
    refused(b'{"payloadType": "application/vnd.aidreg.event+json", "payload": ', 400, "malformed-json")
    refused(b'', 400, "malformed-json")
    refused(b'{"payloadType": "x"} trailing', 400, "malformed-json")


def test_invalid_utf8_in_body():
    refused(b'{"payloadType":"application/vnd.aidreg.\xff\xfe","payload":"e30=","signatures":[]}', 400, "invalid-utf8")


def test_invalid_utf8_in_payload():
    ev = compact(revoke_event(body={"reason": "REPLACEME"}))
    raw = ev.replace(b"REPLACEME", b"bad \xc3\x28 byte")
    refused(signed_raw(raw), 400, "invalid-utf8")


def test_duplicate_key_at_top_level():
    env = signed_raw(compact(revoke_event()))
    body = '{"payloadType":%s,"payloadType":%s,"payload":%s,"signatures":%s}' % (
        json.dumps(env["payloadType"]), json.dumps(env["payloadType"]), json.dumps(env["payload"]),
        json.dumps(env["signatures"]))
    refused(body.encode(), 400, "duplicate-key")


def test_duplicate_key_in_signature():
    env = signed_raw(compact(revoke_event()))
    s = env["signatures"][0]
    body = '{"payloadType":%s,"payload":%s,"signatures":[{"keyid":%s,"keyid":%s,"sig":%s}]}' % (
        json.dumps(env["payloadType"]), json.dumps(env["payload"]), json.dumps(s["keyid"]), json.dumps(s["keyid"]),
        json.dumps(s["sig"]))
    refused(body.encode(), 400, "duplicate-key")


def test_duplicate_key_in_payload():
    ev = compact(revoke_event())
    raw = ev.replace(b'"type":"key.revoke"', b'"type":"key.revoke","type":"key.revoke"')
    assert raw != ev
    refused(signed_raw(raw), 400, "duplicate-key")


def test_duplicate_key_in_body():
    ev = compact(revoke_event())
    raw = ev.replace(b'"reason":"test"', b'"reason":"test","reason":"test2"')
    assert raw != ev
    refused(signed_raw(raw), 400, "duplicate-key")


def test_unknown_field_in_envelope():
    env = signed_raw(compact(revoke_event()))
    env["extra"] = 1
    refused(env, 400, "unknown-field", "/extra")


def test_unknown_field_in_signature():
    env = signed_raw(compact(revoke_event()))
    env["signatures"][0]["note"] = "x"
    refused(env, 400, "unknown-field", "/signatures/0/note")


def test_unknown_field_in_payload():
    ev = revoke_event()
    ev["colour"] = "red"
    refused(signed_raw(compact(ev)), 400, "unknown-field", "/colour")


def test_unknown_field_in_body():
    ev = revoke_event(body={"reason": "test", "colour": "red"})
    refused(signed_raw(compact(ev)), 400, "unknown-field", "/body/colour")


def test_missing_field_in_envelope():
    env = signed_raw(compact(revoke_event()))
    for member in ("payload", "payloadType", "signatures"):
        e = dict(env)
        del e[member]
        refused(e, 400, "missing-field", "/" + member)
    e = json.loads(json.dumps(env))
    del e["signatures"][0]["sig"]
    refused(e, 400, "missing-field", "/signatures/0/sig")


def test_missing_field_in_payload():
    for member in ("ledger", "type", "subject", "time", "body"):
        ev = revoke_event()
        del ev[member]
        refused(signed_raw(compact(ev)), 400, "missing-field", "/" + member)


def test_missing_field_in_body():
    refused(signed_raw(compact(revoke_event(body={}))), 400, "missing-field", "/body/reason")


def test_bad_base64():
    env = signed_raw(compact(revoke_event()))
    e = dict(env, payload="not base64!")
    refused(e, 400, "invalid-base64", "/payload")
    e = json.loads(json.dumps(env))
    e["signatures"][0]["sig"] = "%%%%"
    refused(e, 400, "invalid-base64", "/signatures/0/sig")
    # A key id that is not base64 at all: refused as malformed, as invalid-base64 or as a key
    # id of the wrong format (invalid-field): both are 400 with the field named.
    e = json.loads(json.dumps(env))
    e["signatures"][0]["keyid"] = "abc$"
    with unchanged(L):
        r = post_raw(compact(e))
    assert r.status == 400, r
    assert r.json["type"] in ("urn:aidreg:problem:invalid-base64", "urn:aidreg:problem:invalid-field"), r.json
    assert r.json.get("field") == "/signatures/0/keyid", r.json
    # URL-safe alphabet and missing padding are not standard base64.
    e = dict(env, payload=env["payload"].rstrip("=").replace("+", "-").replace("/", "_") + "-")
    refused(e, 400, "invalid-base64", "/payload")


def test_bad_time():
    for t in ("2021-02-30T10:00:00Z", "2021-13-01T00:00:00Z", "2021-02-03 10:00:00Z", "2021-02-03T25:00:00Z",
              "yesterday", "2021-02-03T10:00:00"):
        refused(signed_raw(compact(revoke_event(time=t))), 400, "invalid-time", "/time")


# ---------------------------------------------------------------- 401 signature

def test_bad_signature():
    env = signed_raw(compact(revoke_event()))
    other = signed_raw(compact(revoke_event(body={"reason": "something else"})))
    env["signatures"][0]["sig"] = other["signatures"][0]["sig"]
    refused(env, 401, "bad-signature")
    # A signature over the payload alone, not over the PAE.
    payload = compact(revoke_event())
    env = {"payloadType": PAYLOAD_TYPE, "payload": b64e(payload),
           "signatures": [{"keyid": L.keys["county"].id, "sig": b64e(L.keys["county"].sign(payload))}]}
    refused(env, 401, "bad-signature")


def test_one_bad_signature_among_good_ones():
    env = signed_raw(compact(revoke_event()))
    other = envelope(compact(revoke_event(body={"reason": "x"})), L.keys["root"])
    env["signatures"].append(other["signatures"][0])
    refused(env, 401, "bad-signature", "/signatures/1/sig")


def test_no_signature():
    env = signed_raw(compact(revoke_event()))
    env["signatures"] = []
    refused(env, 401, "no-signature")


# ---------------------------------------------------------------- 403 authority

def test_unenrolled_key():
    ev = event(L.origin, "ledger.settings", L.code, {})
    refused(envelope(ev, L.keys["stranger"]), 403, "key-not-enrolled", "/signatures/0/keyid")


def test_revoked_key():
    ev = event(L.origin, "notice.publish", L.code + "101202",
               {"kind": "assets", "start": "2024-01-01", "end": "2024-01-10", "content_sha256": "00" * 32,
                "place": "村务公开栏"})
    refused(envelope(ev, L.keys["gone"]), 403, "key-revoked", "/signatures/0/keyid")


def test_wrong_role():
    ev = event(L.origin, "ledger.settings", L.code, {})
    refused(envelope(ev, L.keys["village"]), 403, "role-not-allowed")
    k = Key()
    ev = event(L.origin, "key.enroll", k.id, {"key": k.id, "role": "county", "scope": L.code,
                                             "holder": {"name": "x", "org": "y"}})
    refused(envelope(ev, L.keys["township"]), 403, "role-not-allowed")


def test_out_of_scope():
    k = Key()
    ev = event(L.origin, "key.enroll", k.id, {"key": k.id, "role": "village", "scope": L.code + "102201",
                                             "holder": {"name": "x", "org": "y"}})
    refused(envelope(ev, L.keys["township"]), 403, "out-of-scope", "/body/scope")
    # A code outside the county lies outside every key's scope.
    ev = event(L.origin, "finding.record", "110101001001",
               {"check": "test", "severity": "info", "note": "x"})
    refused(envelope(ev, L.keys["county"]), 403, "out-of-scope")


# ---------------------------------------------------------------- 409 stale prev

def test_stale_prev():
    # The county code's head is the ledger.create payload (plus any later settings).
    head = L.create_receipt["payload_sha256"]
    with unchanged(L):
        r = L.submit("county", "ledger.settings", L.code, {}, prev="00" * 32)
    p = assert_problem(r, 409, "stale-prev", "/prev")
    assert p.get("head") == head, p
    r = L.submit("county", "ledger.settings", L.code, {}, prev=head)
    assert r.status == 201, r
    new_head = r.json["payload_sha256"]
    # Another change still based on the old head (a different payload: not a replay).
    with unchanged(L):
        r = L.submit("county", "ledger.settings", L.code, {"publicity_days": 9}, prev=head)
    p = assert_problem(r, 409, "stale-prev", "/prev")
    assert p.get("head") == new_head, p


def test_prev_on_a_subject_without_head():
    k = Key()
    ev = event(L.origin, "key.enroll", k.id, {"key": k.id, "role": "village", "scope": L.code + "101203",
                                             "holder": {"name": "x", "org": "y"}}, prev="11" * 32)
    with unchanged(L):
        r = C.submit(L.code, envelope(ev, L.keys["county"]))
    p = assert_problem(r, 409, "stale-prev", "/prev")
    assert p.get("head", "missing") is None, p


# ---------------------------------------------------------------- 413 too large

def _read_response(sock, timeout=15):
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_too_large_by_content_length_refused_before_the_body():
    """A Content-Length over the batch limit is refused from the headers alone: the answer
    arrives although the body is never sent."""
    plain_socket_only()
    host, port = C.base.split("//")[1].split(":")
    with unchanged(L):
        s = socket.create_connection((host, int(port)), timeout=15)
        try:
            s.sendall(("POST /v1/ledgers/%s/entries HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                       "Content-Length: %d\r\n\r\n" % (L.code, host, 9 * 1024 * 1024)).encode())
            head = _read_response(s)
        finally:
            s.close()
    status_line = head.split(b"\r\n", 1)[0]
    assert b" 413 " in status_line + b" ", head[:300]
    assert b"application/problem+json" in head.lower(), head[:300]


def test_too_large_with_expect_100_continue():
    r = C.raw("POST", "/v1/ledgers/%s/entries" % L.code, b"",
              headers={"Content-Type": "application/json", "Content-Length": str(9 * 1024 * 1024),
                       "Expect": "100-continue"})
    assert_problem(r, 413, "too-large")


def victim_revoke(reason):
    """A revocation that would be accepted but for its size."""
    return event(L.origin, "key.revoke", L.keys["victim"].id, {"reason": reason})


def test_too_large_single_envelope():
    ev = victim_revoke("x" * 70000)
    refused(signed_raw(compact(ev)), 413, "too-large")


def test_leaf_would_exceed_65535_bytes():
    """An envelope under the 64 KiB request limit whose leaf ({"v":1,"index":…,"time":…,
    "envelope":…}) would be over 65,535 bytes."""
    def env_of(n):
        return signed_raw(compact(victim_revoke("y" * n)))
    target = 65536 - 20
    n = 48000
    for _ in range(6):  # base64 makes the envelope grow by 4/3 per character of the reason
        n += (target - len(compact(env_of(n)))) * 3 // 4
    while len(compact(env_of(n))) > 65536:
        n -= 1
    body = compact(env_of(n))
    assert 65500 <= len(body) <= 65536, len(body)
    refused(body, 413, "too-large")


# ---------------------------------------------------------------- 415

def test_wrong_content_type():
    env = signed_raw(compact(revoke_event()))
    refused(compact(env), 415, "unsupported-content-type", content_type="text/plain")
    refused(compact(env), 415, "unsupported-content-type", content_type="application/x-www-form-urlencoded")


def test_wrong_payload_type():
    env = signed_raw(compact(revoke_event()), payload_type="application/json")
    refused(env, 415, "unsupported-payload-type", "/payloadType")


# ---------------------------------------------------------------- 422

def test_unknown_event_type():
    ev = event(L.origin, "asset.teleport", "A-1", {})
    refused(envelope(ev, L.keys["county"]), 422, "unknown-event-type", "/type")


def test_wrong_ledger_binding():
    ev = event("other.example/%s" % L.code, "ledger.settings", L.code, {})
    refused(envelope(ev, L.keys["county"]), 422, "wrong-ledger", "/ledger")
    ev = event(L.origin + "0", "ledger.settings", L.code, {})
    refused(envelope(ev, L.keys["county"]), 422, "wrong-ledger", "/ledger")


# ---------------------------------------------------------------- 404

def test_unknown_ledger():
    code = "999999" if L.code != "999999" else "999998"
    ev = event("%s/%s" % (L.origin.rsplit("/", 1)[0], code), "ledger.settings", code, {})
    with unchanged(L):
        r = post_raw(compact(envelope(ev, L.keys["county"])), code=code)
    assert_problem(r, 404, "unknown-ledger")
    assert_problem(C.get("/log/%s/checkpoint" % code), 404, "unknown-ledger")
    assert_problem(C.get("/v1/ledgers/%s/entries" % code), 404, "unknown-ledger")


def test_refused_signature_bytes_are_not_the_pae_of_another_type():
    """PAE binds the payload type: a signature made for another payloadType does not verify."""
    payload = compact(revoke_event())
    sig = L.keys["county"].sign(pae("application/json", payload))
    env = {"payloadType": PAYLOAD_TYPE, "payload": b64e(payload),
           "signatures": [{"keyid": L.keys["county"].id, "sig": b64e(sig)}]}
    refused(env, 401, "bad-signature")


# ---------------------------------------------------------------- 422: the rules of authority

def test_time_in_future():
    ev = event(L.origin, "ledger.settings", L.code, {"publicity_days": 8}, time=now_rfc3339(3600))
    refused(envelope(ev, L.keys["county"]), 422, "time-in-future", "/time")


def test_ledger_create_is_only_the_first_entry():
    refused(L.create_envelope(name="再建一次"), 422, "ledger-create-not-first")


def test_key_already_enrolled():
    k = L.keys["village"]
    ev = event(L.origin, "key.enroll", k.id, {"key": k.id, "role": "village", "scope": L.code + "101201",
                                             "holder": {"name": "x", "org": "y"}})
    refused(envelope(ev, L.keys["county"]), 422, "key-already-enrolled", "/body/key")
    # A revoked key stays revoked: enrolling it again is refused too.
    k = L.keys["gone"]
    ev = event(L.origin, "key.enroll", k.id, {"key": k.id, "role": "village", "scope": L.code + "101202",
                                             "holder": {"name": "x", "org": "y"}})
    refused(envelope(ev, L.keys["county"]), 422, "key-already-enrolled", "/body/key")


def test_revoke_unknown_and_revoked_keys():
    refused(envelope(revoke_event(), L.keys["county"]), 422, "key-unknown", "/subject")
    ev = event(L.origin, "key.revoke", L.keys["gone"].id, {"reason": "again"})
    refused(envelope(ev, L.keys["county"]), 422, "key-already-revoked", "/subject")


def test_subject_mismatch():
    k, other = Key(), Key()
    ev = event(L.origin, "key.enroll", other.id, {"key": k.id, "role": "village", "scope": L.code + "101201",
                                                 "holder": {"name": "x", "org": "y"}})
    refused(envelope(ev, L.keys["county"]), 422, "subject-mismatch")
    ev = event(L.origin, "ledger.settings", L.code + "101", {})
    refused(envelope(ev, L.keys["county"]), 422, "subject-mismatch", "/subject")


def test_root_revoke_refused_while_it_is_the_only_county_key():
    lg = new_ledger(C, "47")
    with unchanged(lg):
        r = lg.submit("root", "key.revoke", lg.root.id, {"reason": "test"})
    assert_problem(r, 422, "root-revoke-refused")
    # Another key may not revoke the root at all.
    lg.enroll("root", "county", "county", lg.code)
    with unchanged(lg):
        r = lg.submit("county", "key.revoke", lg.root.id, {"reason": "test"})
    assert_problem(r, 403, "role-not-allowed")
    # Once another county key exists, the root may revoke itself.
    r = lg.submit("root", "key.revoke", lg.root.id, {"reason": "根密钥离线保存"})
    assert r.status == 201, r


# ---------------------------------------------------------------- the request itself

def test_body_that_is_not_an_object():
    refused(b"[]", 400, "invalid-field")


def test_batch_shapes():
    env = signed_raw(compact(revoke_event()))
    refused({"envelopes": []}, 400, "invalid-field", "/envelopes")
    refused({"envelopes": env}, 400, "invalid-field", "/envelopes")
    refused({"envelopes": [env], "extra": 1}, 400, "unknown-field", "/extra")
    refused({"envelopes": [{"payloadType": "x", "payload": "", "signatures": []}] * 1001}, 413, "too-large",
            "/envelopes")


def test_content_type_parameters():
    ev = event(L.origin, "ledger.settings", L.code, {"publicity_days": 10})
    env = envelope(ev, L.keys["county"])
    refused(compact(env), 415, "unsupported-content-type", content_type="application/json; charset=latin1")
    with unchanged(L):
        r = post_raw(compact(env), content_type="text/json")
    assert_problem(r, 415, "unsupported-content-type")
    r = post_raw(compact(env), content_type="application/json; charset=utf-8")
    assert r.status == 201, r


def test_chunked_body_over_the_limit():
    """No Content-Length: the body is read as it comes and refused once past 64 KiB."""
    plain_socket_only()
    body = compact(signed_raw(compact(victim_revoke("z" * 70000))))
    u = C.base.split("//")[1]
    host, port = u.split(":")
    with unchanged(L):
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        try:
            conn.request("POST", "/v1/ledgers/%s/entries" % L.code, body=iter([body[i:i + 8192]
                                                                            for i in range(0, len(body), 8192)]),
                         headers={"Content-Type": "application/json"}, encode_chunked=True)
            resp = conn.getresponse()
            status, ctype, data = resp.status, resp.getheader("Content-Type"), resp.read()
        finally:
            conn.close()
    assert status == 413, (status, data[:200])
    assert ctype.startswith("application/problem+json"), ctype
    assert json.loads(data)["type"] == "urn:aidreg:problem:too-large"


def test_bad_token_answer_names_the_scheme():
    r = C.create_ledger(L.create_envelope(), token="wrong")
    assert_problem(r, 401, "bad-token")
    assert (r.headers.get("WWW-Authenticate") or "").startswith("Bearer"), r.headers
