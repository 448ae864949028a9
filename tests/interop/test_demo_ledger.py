"""An outside verifier's view of the demo ledger (AIDREG_LEDGER, AIDREG_LOG_VKEY, or a ledger
made here when those are unset): the signed checkpoint, every tile and entry bundle, the root
recomputed from the entries, every envelope's DSSE signatures checked in Python, and a
consistency proof between a checkpoint taken before and one taken after an append.

Uses only c2sp.py (independent of the C code) and, to append, the demo root key
(AIDREG_ROOT_KEY, PKCS#8 PEM) through python3-cryptography."""

import base64
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

import c2sp  # noqa: E402
from cryptography.exceptions import InvalidSignature  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey  # noqa: E402

import aidreg_client as ac  # noqa: E402

C = ac.Client()
CODE = VKEY = ORIGIN = None
SIGNER = None  # a Key enrolled with county authority in that ledger


def setup_module():
    global CODE, VKEY, ORIGIN, SIGNER
    CODE, VKEY = os.environ.get("AIDREG_LEDGER"), os.environ.get("AIDREG_LOG_VKEY")
    root_key = os.environ.get("AIDREG_ROOT_KEY")
    if CODE and VKEY and root_key and os.path.exists(root_key):
        ORIGIN = c2sp.Verifier.parse(VKEY).name
        with open(root_key, "rb") as f:
            SIGNER = ac.Key(serialization.load_pem_private_key(f.read(), password=None))
    else:
        lg = ac.new_ledger(C, "42")
        lg.enroll("root", "county", "county", lg.code)
        CODE, VKEY, ORIGIN, SIGNER = lg.code, lg.vkey, lg.origin, lg.root
    ac.VKEYS[CODE] = VKEY


def dsse_verify(env):
    """Verifies every signature of an envelope with our own PAE; returns the payload."""
    payload = base64.b64decode(env["payload"], validate=True)
    msg = ac.pae(env["payloadType"], payload)
    assert env["signatures"], "no signatures"
    for s in env["signatures"]:
        pub = base64.b64decode(s["keyid"], validate=True)
        try:
            Ed25519PublicKey.from_public_bytes(pub).verify(base64.b64decode(s["sig"], validate=True), msg)
        except InvalidSignature:
            raise AssertionError("signature by %s does not verify" % s["keyid"])
    return payload


def test_vkey_is_listed_and_named_by_origin():
    r = C.ledgers()
    assert r.status == 200, r
    row = [l for l in r.json["ledgers"] if l["code"] == CODE]
    assert row and row[0]["vkey"] == VKEY, row
    assert row[0]["origin"] == ORIGIN == c2sp.Verifier.parse(VKEY).name


def test_checkpoint_tiles_entries_and_root():
    t = c2sp.TlogClient(C.base, CODE)
    cp, leaves = t.verify(c2sp.Verifier.parse(VKEY))
    assert cp.origin == ORIGIN
    assert cp.size == len(leaves) >= 1
    keys = set()
    for i, leaf in enumerate(leaves):
        obj = json.loads(leaf)
        assert obj["v"] == 1 and obj["index"] == i, obj
        payload = dsse_verify(obj["envelope"])
        ev = json.loads(payload)
        assert ev["ledger"] == ORIGIN, ev
        if i == 0:
            assert ev["type"] == "ledger.create" and ev["subject"] == CODE, ev
            keys.add(ev["body"]["root_key"])
        elif ev["type"] == "key.enroll":
            keys.add(ev["body"]["key"])
        for s in obj["envelope"]["signatures"]:
            assert s["keyid"] in keys, "entry %d signed by a key not enrolled before it" % i


def test_consistency_between_two_checkpoints():
    v = c2sp.Verifier.parse(VKEY)
    before = c2sp.open_checkpoint(C.checkpoint_note(CODE), v)
    k = ac.Key()
    env = ac.envelope(ac.event(ORIGIN, "key.enroll", k.id,
                               {"key": k.id, "role": "auditor", "scope": CODE,
                                "holder": {"name": "外部核验 %d" % before.size, "org": "interop"}}), SIGNER)
    r = C.submit(CODE, env)
    assert r.status == 201, r
    after = c2sp.open_checkpoint(C.checkpoint_note(CODE), v)
    assert after.size > before.size
    p = C.get("/v1/ledgers/%s/proof/consistency?from=%d&to=%d" % (CODE, before.size, after.size))
    assert p.status == 200, p
    proof = [base64.b64decode(h) for h in p.json["consistency_proof"]]
    c2sp.verify_consistency(before.size, after.size, before.root, after.root, proof)
    # And the receipt's inclusion proof against the receipt's own checkpoint.
    rc = r.json
    cp = c2sp.open_checkpoint(rc["checkpoint"], v)
    c2sp.verify_inclusion(rc["index"], cp.size, base64.b64decode(rc["leaf_hash"]),
                          [base64.b64decode(h) for h in rc["inclusion_proof"]], cp.root)
    # A forged "after" root must not pass.
    try:
        c2sp.verify_consistency(before.size, after.size, before.root, c2sp.sha256(b"forged"), proof)
        raise AssertionError("forged root accepted")
    except c2sp.VerifyError:
        pass
