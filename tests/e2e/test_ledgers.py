"""Ledger creation, key enrolment, the authority events and a non-authority event, all signed
by the independent DSSE implementation of aidreg_client, every receipt verified in Python."""

import c2sp
from aidreg_client import (Client, Key, Ledger, assert_problem, b64d, envelope, event, fresh_code, new_ledger,
                           payload_sha256, unchanged)

C = Client()
L = None  # the ledger the tests below build up


def listed(code):
    r = C.ledgers()
    assert r.status == 200, r
    assert r.content_type == "application/json", r
    for l in r.json["ledgers"]:
        if l["code"] == code:
            return l
    return None


def test_create_needs_the_operator_token():
    lg = Ledger(C, fresh_code("53"))
    env = lg.create_envelope()
    assert_problem(C.create_ledger(env, token=""), 401, "bad-token")
    assert_problem(C.create_ledger(env, token="not-the-token"), 401, "bad-token")
    r = C.post("/v1/ledgers", env, headers={"Authorization": "Basic " + C.token})
    assert_problem(r, 401, "bad-token")
    assert listed(lg.code) is None


def test_create_refusals_create_nothing():
    lg = Ledger(C, fresh_code("53"))
    good = lg.create_envelope()
    # Not a ledger.create.
    k = Key()
    env = envelope(event(lg.origin, "key.enroll", k.id, {"key": k.id, "role": "county", "scope": lg.code,
                                                        "holder": {"name": "x", "org": "y"}}), lg.root)
    assert_problem(C.create_ledger(env), 422, "unknown-event-type")
    # Bound to another origin.
    other = Ledger(C, lg.code)
    other.origin = "elsewhere.example/" + lg.code
    assert_problem(C.create_ledger(other.create_envelope()), 422, "wrong-ledger")
    # Signed by another key than the root it names.
    bad = dict(good, signatures=[dict(good["signatures"][0], keyid=Key().id)])
    assert_problem(C.create_ledger(bad), 401, "bad-signature")
    # Too large.
    big = lg.create_envelope(name="大" * 30000)
    assert_problem(C.create_ledger(big), 413, "too-large")
    # Malformed.
    r = C.post("/v1/ledgers", b'{"payloadType":', headers={"Authorization": "Bearer " + C.token})
    assert_problem(r, 400, "malformed-json")
    assert listed(lg.code) is None


def test_create_ledger():
    global L
    L = new_ledger(C, "52")
    r = L.create_receipt
    assert r["index"] == 0, r
    assert r["ledger"] == L.code, r
    v = c2sp.Verifier.parse(L.vkey)
    assert v.name == L.origin, (v.name, L.origin)
    cp = L.verify_receipt(r, None)
    assert cp.size == 1 and cp.origin == L.origin, cp
    row = listed(L.code)
    assert row is not None
    assert row["name"] == L.name and row["origin"] == L.origin and row["vkey"] == L.vkey, row
    assert row["size"] == 1, row
    # The checkpoint served under /log is signed by the same key.
    c2sp.open_checkpoint(C.checkpoint_note(L.code), L.vkey)


def test_create_replay_returns_the_first_receipt():
    # The very same ledger.create envelope twice: 201, then 200 with the first receipt.
    lg2 = Ledger(C, fresh_code("54"))
    env = lg2.create_envelope()
    r1 = C.create_ledger(env)
    assert r1.status == 201, r1
    lg2.vkey = r1.json["vkey"]
    with unchanged(lg2):
        r2 = C.create_ledger(env)
    assert r2.status == 200, r2
    for k in ("ledger", "index", "leaf_hash", "payload_sha256"):
        assert r2.json[k] == r1.json[k], (k, r1.json, r2.json)
    assert r2.json.get("vkey", r1.json["vkey"]) == r1.json["vkey"]
    lg2.verify_receipt(r2.json, env)


def test_second_create_is_refused():
    other = Ledger(C, L.code, name="另一个县")  # same code, another root key
    with unchanged(L):
        r = C.create_ledger(other.create_envelope())
    assert_problem(r, 409, "ledger-exists")
    assert listed(L.code)["name"] == L.name


def test_enroll_keys():
    county = L.enroll("root", "county", "county", L.code)
    township = L.enroll("county", "township", "township", L.code + "101")
    L.enroll("township", "village", "village", L.code + "101201")
    L.enroll("township", "village2", "village", L.code + "101202")
    L.enroll("county", "operator", "operator", L.code + "101201")
    L.enroll("county", "auditor", "auditor", L.code)
    assert county.id != township.id
    assert L.size() == 7


def test_receipts_of_authority_events_verify():
    k = Key()
    env = L.sign("county", "key.enroll", k.id,
                 {"key": k.id, "role": "village", "scope": L.code + "101203",
                  "holder": {"name": "测试", "org": "测试村"}})
    size = L.size()
    r = C.submit(L.code, env)
    assert r.status == 201, r
    assert r.content_type == "application/json"
    rc = r.json
    assert set(rc) >= {"ledger", "index", "leaf_hash", "payload_sha256", "checkpoint", "inclusion_proof"}, rc
    assert rc["index"] == size, (rc, size)
    cp = L.verify_receipt(rc, env)
    assert cp.size >= size + 1
    # The leaf hash is the RFC 6962 hash of the stored leaf bytes.
    leaves = c2sp.TlogClient(C.base, L.code).leaves(cp.size)
    leaf = leaves[rc["index"]]
    assert c2sp.leaf_hash(leaf) == b64d(rc["leaf_hash"])
    assert leaf.startswith(b'{"v":1,"index":%d,"time":"' % rc["index"]), leaf[:80]
    L.keys["village3"] = k
    # Revoke it (township-level revocation by the county).
    r = L.revoke("county", "village3")
    assert r.status == 201, r
    L.verify_receipt(r.json)


def test_ledger_settings():
    r = L.submit("county", "ledger.settings", L.code, {})
    assert r.status == 201, r
    L.verify_receipt(r.json)


def test_non_authority_event_is_stored_after_the_authority_check():
    body = {"project": "P%s-2020-001" % L.code, "name": "测试光伏电站", "class": "operating",
            "subtype": "photovoltaic", "form": "fixed", "village": L.code + "101201",
            "original_value_fen": 120000000, "quantity": 200, "unit": "kW",
            "completed_on": "2020-06-30", "accepted_on": "2020-07-15"}
    # A project first, for servers that already check that the asset names one.
    pr = L.submit("county", "project.register", "P%s-2020-001" % L.code,
                  {"name": "测试光伏项目", "type": "industry", "year": 2020,
                   "funding_lines": [{"channel": "衔接资金", "year": 2020, "amount_fen": 120000000}],
                   "locations": [L.code + "101201"], "industry_dept": "测试局", "implementing_unit": "测试镇",
                   "accepted_on": "2020-07-15"})
    assert pr.status == 201, pr
    env = L.sign("county", "asset.register", "A%s-2020-001-01" % L.code, body)
    r = C.submit(L.code, env)
    assert r.status == 201, r
    L.verify_receipt(r.json, env)
    e = C.get("/v1/ledgers/%s/entries/%d" % (L.code, r.json["index"]))
    assert e.status == 200, e
    assert e.json["event"]["type"] == "asset.register"
    assert e.json["event"]["body"] == body
    assert e.json["payload_sha256"] == payload_sha256(env)
    assert e.json["envelope"] == env


def test_township_key_cannot_sign_a_county_event():
    with unchanged(L):
        r = L.submit("township", "project.register", "P%s-2020-002" % L.code,
                     {"name": "x", "type": "industry", "year": 2020, "funding_lines": [],
                      "locations": [L.code + "101201"], "industry_dept": "x", "implementing_unit": "x"})
    assert_problem(r, 403, "role-not-allowed")


def test_whole_ledger_verifies_in_python():
    cp, leaves = c2sp.TlogClient(C.base, L.code).verify(c2sp.Verifier.parse(L.vkey))
    assert cp.size == len(leaves) == L.size()
