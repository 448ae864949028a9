"""Witnesses (issue 10 part 6; docs/witness.md): the real `aidreg witness` process cosigns
a growing log that a server of our own (same database, with a witness policy) submits to
it, keeping its state across a SIGKILL; every refusal of the C2SP tlog-witness protocol
(400, 403, 404, 409, 422) leaves its state as it was; `aidreg verify --witness` and `aidreg
proof check --witness` require the cosignatures. Then the test rewrites history in the
database (a leaf backdated, the tree recomputed, the checkpoint re-signed with the log
key) and the witness refuses the forked checkpoints, keeping as evidence the two
checkpoints, both signed by the log, that cannot both be true."""

import base64
import glob
import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from aidreg_client import Client, Key, Skip, assert_problem, b64d, b64e, new_ledger
from test_concurrency import build_dir, free
from test_hardening import Server

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "interop"))
import c2sp  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey  # noqa: E402

C = Client()
NAME = "witness.test/w1"
S = {}  # the module's processes and files


def aidreg(*args):
    p = subprocess.run([os.path.join(build_dir(), "aidreg"), *args], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout + p.stderr


def cosig_vkey(name, pub):
    """The witness verifier key (C2SP tlog-cosignature, type 0x04), computed here from the spec."""
    kid = hashlib.sha256(name.encode() + b"\n\x04" + pub).digest()[:4]
    return "%s+%s+%s" % (name, kid.hex(), b64e(b"\x04" + pub))


def cosignatures(note, name, pub):
    """The times of the valid cosignatures by (name, pub) on note, checked here (not by aidreg)."""
    text, sigs = c2sp.split_note(note)
    kid = hashlib.sha256(name.encode() + b"\n\x04" + pub).digest()[:4]
    times = []
    for n, k, blob in sigs:
        if n != name or k != kid or len(blob) != 72:
            continue
        t = int.from_bytes(blob[:8], "big")
        msg = ("cosignature/v1\ntime %d\n" % t).encode() + text.encode()
        Ed25519PublicKey.from_public_bytes(pub).verify(blob[8:], msg)  # raises if it is not valid
        times.append(t)
    return times


def psql(sql):
    owner = os.environ["AIDREG_OWNER_DATABASE_URL"]
    p = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", owner], input=sql, capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout


def post(body):
    """POST /add-checkpoint to the witness: (status, content type, body)."""
    req = urllib.request.Request("http://127.0.0.1:%d/add-checkpoint" % S["wport"], data=body.encode(),
                                 method="POST")
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode()


def start_witness():
    log = open(S["wlog"], "ab")
    S["witness"] = subprocess.Popen([os.path.join(build_dir(), "aidreg"), "witness", "--key", S["wkey_file"],
                                     "--name", NAME, "--log", S["lg"].vkey, "--state", S["state"], "--port",
                                     str(S["wport"])], stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert S["witness"].poll() is None, "the witness exited; see %s" % S["wlog"]
        if not free(S["wport"]):
            return
        time.sleep(0.1)
    raise AssertionError("the witness does not listen")


def start_server():
    S["srv"] = Server(name="witness", env={"AIDREG_WITNESS_POLICY": S["policy"]})


def state_file():
    enc = "".join(c if c.isalnum() or c in "-_." else "%%%02X" % ord(c) for c in S["lg"].origin)
    return os.path.join(S["state"], enc + ".checkpoint")


def wait_cosigned(size, client=None):
    """The checkpoint our server serves once it is cosigned at `size`."""
    client = client or S["srv"].client
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        note = client.checkpoint_note(S["lg"].code)
        cp = c2sp.open_checkpoint(note, S["lg"].vkey)
        if cp.size == size and cosignatures(note, NAME, S["wpub"]):
            return note
        time.sleep(0.1)
    raise AssertionError("size %d was not cosigned in 60 s; see %s and %s" % (size, S["wlog"], S["srv"].log))


def grow(n):
    for _ in range(n):
        _, env = S["lg"].filler("root", note="见证测试")
        r = S["srv"].client.submit(S["lg"].code, env)
        assert r.status == 201, r
    return r.json


def setup_module():
    for v in ("AIDREG_OWNER_DATABASE_URL", "AIDREG_LOG_KEY_FILE", "AIDREG_DATABASE_URL"):
        if not os.environ.get(v):
            raise Skip("%s is not set" % v)
    S["dir"] = tempfile.mkdtemp(prefix="witness-", dir=os.environ.get("AIDREG_STATE_DIR") or None)
    S["state"] = os.path.join(S["dir"], "state")
    S["wlog"] = os.path.join(S["dir"], "witness.log")
    k = Key()
    k.write_pem(os.path.join(S["dir"], "w1"))
    S["wkey_file"], S["wpub"] = os.path.join(S["dir"], "w1.key"), k.pub
    rc, out = aidreg("witness", "--print-vkey", "--key", S["wkey_file"], "--name", NAME)
    assert rc == 0, out
    S["wvkey"] = out.strip()
    assert S["wvkey"] == cosig_vkey(NAME, k.pub), (S["wvkey"], cosig_vkey(NAME, k.pub))
    port = int(C.base.rsplit(":", 1)[1]) + 31
    while not free(port):
        port += 1
    S["wport"] = port
    S["policy"] = os.path.join(S["dir"], "witnesses.txt")
    with open(S["policy"], "w") as f:
        f.write("# the test's witness\nwitness %s http://127.0.0.1:%d\nquorum 1\ninterval 50\n" % (S["wvkey"], port))
    start_server()
    S["lg"] = new_ledger(S["srv"].client, "53")
    with open(os.environ["AIDREG_LOG_KEY_FILE"], "rb") as f:
        S["log_key"] = serialization.load_pem_private_key(f.read(), password=None)
    start_witness()


def teardown_module():
    if S.get("witness") and S["witness"].poll() is None:
        S["witness"].send_signal(signal.SIGTERM)
        S["witness"].wait(30)
    if S.get("srv"):
        S["srv"].stop()


def test_witness_cosigns_a_growing_log():
    lg = S["lg"]
    note = wait_cosigned(1)  # the ledger.create entry
    for n in (1, 5, 20):
        receipt = grow(n)
        note = wait_cosigned(receipt["index"] + 1)
    size = c2sp.open_checkpoint(note, lg.vkey).size
    assert size == 27, size
    # The witness's state is the checkpoint it cosigned last, and the server's table holds
    # one line per checkpoint the witness answered.
    with open(state_file()) as f:
        st = c2sp.open_checkpoint(f.read(), lg.vkey)
    assert st.size == size and st.root == c2sp.open_checkpoint(note, lg.vkey).root
    rows = psql("SELECT count(*), max(size) FROM cosignature WHERE ledger = '%s' AND witness = '%s'"
                % (lg.code, S["wvkey"])).split("|")
    assert int(rows[1]) == size and 2 <= int(rows[0]) <= size, rows
    url = S["srv"].client.base
    rc, out = aidreg("verify", "--server", url, "--ledger", lg.code, "--vkey", lg.vkey, "--witness", S["wvkey"])
    assert rc == 0 and out.startswith("ok"), out
    # Another witness's key, or two witnesses required: not witnessed.
    other = cosig_vkey("witness.test/w2", Key().pub)
    rc, out = aidreg("verify", "--server", url, "--ledger", lg.code, "--vkey", lg.vkey, "--witness", other)
    assert rc == 1 and "not witnessed" in out, out
    rc, out = aidreg("verify", "--server", url, "--ledger", lg.code, "--vkey", lg.vkey, "--witness", S["wvkey"],
                     "--witness", other, "--witness-threshold", "2")
    assert rc == 1 and "not witnessed" in out, out
    rc, out = aidreg("verify", "--server", url, "--ledger", lg.code, "--vkey", lg.vkey, "--witness", S["wvkey"],
                     "--witness", other, "--witness-threshold", "1")
    assert rc == 0, out
    # The main server has no witness policy: it serves the checkpoint without cosignatures,
    # which verifies without --witness and not with it.
    rc, out = aidreg("verify", "--server", C.base, "--ledger", lg.code, "--vkey", lg.vkey)
    assert rc == 0, out
    rc, out = aidreg("verify", "--server", C.base, "--ledger", lg.code, "--vkey", lg.vkey, "--witness", S["wvkey"])
    assert rc == 1 and "not witnessed" in out, out

    # A receipt fetched now carries the cosigned checkpoint; the one a submission answered
    # (before any witness saw its checkpoint) does not.
    r = S["srv"].client.get("/v1/ledgers/%s/entries/3/receipt" % lg.code)
    assert r.status == 200, r
    assert cosignatures(r.json["checkpoint"], NAME, S["wpub"]), r.json
    lg.verify_receipt(r.json)
    path = os.path.join(S["dir"], "receipt.json")
    with open(path, "w") as f:
        json.dump(r.json, f)
    rc, out = aidreg("proof", "check", "--receipt", path, "--vkey", lg.vkey, "--witness", S["wvkey"])
    assert rc == 0, out
    with open(path, "w") as f:
        json.dump(receipt, f)
    rc, out = aidreg("proof", "check", "--receipt", path, "--vkey", lg.vkey)
    assert rc == 0, out
    rc, out = aidreg("proof", "check", "--receipt", path, "--vkey", lg.vkey, "--witness", S["wvkey"])
    assert rc == 1 and "not witnessed" in out, out
    r = S["srv"].client.get("/v1/ledgers/%s/entries/999/receipt" % lg.code)
    assert_problem(r, 404, "not-found")
    for path in ("/v1/ledgers/000000/entries/0/receipt", "/log/000000/checkpoint"):
        assert_problem(S["srv"].client.get(path), 404, "unknown-ledger")

    # SIGKILL the witness: it comes back knowing the size it cosigned (it answers a stale
    # old size with that size), and goes on cosigning from it.
    S["witness"].kill()
    S["witness"].wait()
    start_witness()
    status, ctype, body = post("old 0\n\n" + note)
    assert (status, ctype, body) == (409, "text/x.tlog.size", "%d\n" % size), (status, ctype, body)
    receipt = grow(3)
    wait_cosigned(receipt["index"] + 1)


def test_refusals_leave_the_state_as_it_was():
    lg = S["lg"]
    with open(state_file(), "rb") as f:
        before = f.read()
    cp = c2sp.open_checkpoint(before.decode(), lg.vkey)
    note = before.decode()
    text = "%s\n%d\n%s\n" % (lg.origin, cp.size, b64e(cp.root))
    evidence_before = set(glob.glob(os.path.join(S["state"], "fork-*.json")))
    stranger = Key()
    cases = [
        ("no old line", "\n" + note, 400),
        ("old size with a leading zero", "old 0%d\n\n%s" % (cp.size, note), 400),
        ("old size past the checkpoint", "old %d\n\n%s" % (cp.size + 1, note), 400),
        ("a proof line that is no hash", "old %d\nnot-a-hash\n\n%s" % (cp.size, note), 400),
        ("a proof from size 0", "old 0\n%s\n\n%s" % (b64e(bytes(32)), note), 400),
        ("unknown log", "old 0\n\n" + c2sp.sign_note("other.test/999999\n1\n%s\n" % b64e(bytes(32)),
                                                    "other.test/999999", stranger.private), 404),
        ("signed by another key", "old %d\n\n%s" % (cp.size, c2sp.sign_note(text, lg.origin, stranger.private)), 403),
        ("stale old size", "old 1\n\n" + note, 409),
    ]
    for what, body, want in cases:
        status, ctype, answer = post(body)
        assert status == want, (what, status, answer)
        if what == "stale old size":
            assert ctype == "text/x.tlog.size" and answer == "%d\n" % cp.size, (ctype, answer)
        with open(state_file(), "rb") as f:
            assert f.read() == before, "the state changed after: %s" % what
    assert set(glob.glob(os.path.join(S["state"], "fork-*.json"))) == evidence_before
    # The same checkpoint again (old = size, same root) is cosigned again: nothing changes.
    status, _, answer = post("old %d\n\n%s" % (cp.size, note))
    assert status == 200 and cosignatures(note + answer, NAME, S["wpub"]), (status, answer)
    with open(state_file(), "rb") as f:
        assert f.read() == before


def leaf_hashes(code):
    rows = psql("SELECT idx, encode(convert_to(data, 'UTF8'), 'hex') FROM leaf WHERE ledger = '%s' ORDER BY idx"
                % code).split()
    leaves = [bytes.fromhex(r.split("|")[1]) for r in rows]
    return leaves


def nodes_covering(k, hashes):
    """(level, index, hash) of every perfect subtree of the tree of hashes that holds leaf k."""
    out, level, size = [], 0, len(hashes)
    layer = list(hashes)
    while len(layer) >= 1 and (1 << level) <= size:
        i = k >> level
        if i < len(layer):
            out.append((level, i, layer[i]))
        layer = [c2sp.node_hash(layer[j], layer[j + 1]) for j in range(0, len(layer) - 1, 2)]
        level += 1
    return out


def test_forked_log_is_refused_and_shown():
    lg = S["lg"]
    with open(state_file()) as f:
        cosigned_note = f.read()
    cosigned = c2sp.open_checkpoint(cosigned_note, lg.vkey)
    n = cosigned.size
    # The operator stops the server and rewrites history: entry 2 backdated, its leaf hash
    # and the tree above it recomputed, the checkpoint of size n re-signed with the log key.
    S["srv"].stop()
    leaves = leaf_hashes(lg.code)[:n]
    k = 2
    forged_leaf = leaves[k].replace(b'"time":"20', b'"time":"19', 1)
    assert forged_leaf != leaves[k]
    leaves[k] = forged_leaf
    hashes = [c2sp.leaf_hash(x) for x in leaves]
    root = c2sp.mth(hashes)
    assert root != cosigned.root
    forged_note = c2sp.sign_note("%s\n%d\n%s\n" % (lg.origin, n, b64e(root)), lg.origin, S["log_key"])
    sql = ["BEGIN;"]
    for t in ("leaf", "tree_node", "checkpoint"):
        sql.append("ALTER TABLE %s DISABLE TRIGGER %s_append_only;" % (t, t))
    sql.append("UPDATE leaf SET data = convert_from('\\x%s', 'UTF8'), leaf_hash = '\\x%s' WHERE ledger = '%s' "
               "AND idx = %d;" % (forged_leaf.hex(), hashes[k].hex(), lg.code, k))
    for level, i, h in nodes_covering(k, hashes):
        sql.append("UPDATE tree_node SET hash = '\\x%s' WHERE ledger = '%s' AND level = %d AND idx = %d;"
                   % (h.hex(), lg.code, level, i))
    sql.append("UPDATE ledger SET frontier = NULL WHERE code = '%s';" % lg.code)
    sql.append("UPDATE checkpoint SET note = $n$%s$n$ WHERE ledger = '%s' AND size = %d;" % (forged_note, lg.code, n))
    for t in ("leaf", "tree_node", "checkpoint"):
        sql.append("ALTER TABLE %s ENABLE TRIGGER %s_append_only;" % (t, t))
    sql.append("COMMIT;")
    psql("\n".join(sql))

    # 1. The re-signed checkpoint of the same size: 409, and the evidence kept.
    status, _, answer = post("old %d\n\n%s" % (n, forged_note))
    assert status == 409, (status, answer)
    first = sorted(glob.glob(os.path.join(S["state"], "fork-*.json")))
    assert len(first) == 1, first
    with open(first[0]) as f:
        ev = json.load(f)
    a, b = c2sp.open_checkpoint(ev["cosigned"], lg.vkey), c2sp.open_checkpoint(ev["refused"], lg.vkey)
    assert a.size == b.size == n and a.root == cosigned.root and b.root == root and a.root != b.root, ev

    # 2. The server, restarted on the rewritten database, extends the forged tree and sends
    # its next checkpoint with a consistency proof from size n: the witness refuses it (422).
    start_server()
    receipt = grow(1)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = sorted(set(glob.glob(os.path.join(S["state"], "fork-*.json"))) - set(first))
        if found:
            break
        time.sleep(0.1)
    assert found, "the witness kept no evidence of the forked checkpoint; see %s" % S["wlog"]
    with open(found[0]) as f:
        ev = json.load(f)
    assert "422" in ev["reason"], ev["reason"]
    old_cp, new_cp = c2sp.open_checkpoint(ev["cosigned"], lg.vkey), c2sp.open_checkpoint(ev["refused"], lg.vkey)
    assert old_cp.size == n and old_cp.root == cosigned.root and new_cp.size == receipt["index"] + 1 == n + 1
    # The proof the server sent leads from the forged root of size n to the new root, not
    # from the root the witness cosigned: the log holds two histories of its first n entries.
    req = ev["request"]
    head, _, _ = req.partition("\n\n")
    lines = head.split("\n")
    assert lines[0] == "old %d" % n, lines
    proof = [b64d(x) for x in lines[1:]]
    c2sp.verify_consistency(n, new_cp.size, root, new_cp.root, proof)
    try:
        c2sp.verify_consistency(n, new_cp.size, cosigned.root, new_cp.root, proof)
        raise AssertionError("the proof verifies from the cosigned root")
    except c2sp.VerifyError:
        pass
    with open(S["wlog"]) as f:
        assert f.read().count("FORK") >= 2

    # Nothing cosigned nor stored for the fork; the witness's state is the genuine one.
    with open(state_file()) as f:
        assert f.read() == cosigned_note
    count = psql("SELECT count(*) FROM cosignature WHERE ledger = '%s' AND size > %d" % (lg.code, n)).strip()
    assert count == "0", count
    # The rewritten log does not verify with the witness required.
    rc, out = aidreg("verify", "--server", S["srv"].client.base, "--ledger", lg.code, "--vkey", lg.vkey,
                     "--witness", S["wvkey"])
    assert rc == 1, out
    rc, out = aidreg("verify", "--server", C.base, "--ledger", lg.code, "--vkey", lg.vkey, "--witness", S["wvkey"])
    assert rc == 1, out


def test_server_keeps_no_bad_cosignature():
    """A witness answering 200 with a cosignature that does not verify (its key id, a bad
    signature) gets nothing stored, and the checkpoint is served without it."""
    import http.server
    import threading
    fake = Key()
    name = "witness.test/fake"
    vkey = cosig_vkey(name, fake.pub)
    kid = hashlib.sha256(name.encode() + b"\n\x04" + fake.pub).digest()[:4]
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            seen.append(body)
            text = body.split("\n\n", 1)[1].split("\n\n", 1)[0] + "\n"
            t = int(time.time())
            sig = fake.sign(("cosignature/v1\ntime %d\n" % t).encode() + text.encode())
            line = "\u2014 %s %s\n" % (name, b64e(kid + (t + 1).to_bytes(8, "big") + sig))  # another time
            self.send_response(200)
            self.send_header("Content-Length", str(len(line.encode())))
            self.end_headers()
            self.wfile.write(line.encode())

        def log_message(self, *a):
            pass

    port = S["wport"] + 1
    while not free(port):
        port += 1
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    policy = os.path.join(S["dir"], "fake.txt")
    with open(policy, "w") as f:
        f.write("witness %s http://127.0.0.1:%d/\ninterval 50\n" % (vkey, port))
    try:
        with Server(name="witness-fake", env={"AIDREG_WITNESS_POLICY": policy}) as srv:
            lg = new_ledger(srv.client, "54")
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not any(lg.origin + "\n" in b for b in seen):
                time.sleep(0.1)
            assert any(b.startswith("old 0\n\n" + lg.origin + "\n") for b in seen), seen[-3:]
            time.sleep(0.5)
            note = srv.client.checkpoint_note(lg.code)
            assert c2sp.open_checkpoint(note, lg.vkey).size == 1
            assert "\u2014 " + name not in note, note
            with open(srv.log) as f:
                assert "is not kept" in f.read()
        count = psql("SELECT count(*) FROM cosignature WHERE witness = '%s'" % vkey).strip()
        assert count == "0", count
    finally:
        httpd.shutdown()


def test_bad_witness_policy_stops_the_server():
    for text, why in (("witness not-a-key http://127.0.0.1:1\n", "not a witness verifier key"),
                      ("witness %s ftp://x\n" % S["wvkey"], "http://"),
                      ("witness %s http://x\nquorum 2\n" % S["wvkey"], "quorum"),
                      ("witnesses\n", "expected")):
        policy = os.path.join(S["dir"], "bad.txt")
        with open(policy, "w") as f:
            f.write(text)
        env = dict(os.environ, AIDREG_WITNESS_POLICY=policy, AIDREG_PORT="0", AIDREG_BIND="127.0.0.1")
        p = subprocess.run([os.path.join(build_dir(), "aidreg-server")], env=env, capture_output=True, text=True,
                           timeout=60)
        assert p.returncode == 2 and why in p.stderr, (text, p.returncode, p.stderr)
