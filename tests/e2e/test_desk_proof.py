"""Receipts an officer keeps (issue 7 part 4): `aidreg proof inclusion --receipt-out` writes a
receipt that `aidreg proof check` accepts offline; `proof check` prints its verdict on
standard output in every case (verified, or not with the reason); an export that is only
older than a receipt verifies and is said 较旧 / older, not forked; a receipt serves as the
kept checkpoint of `proof consistency --old`."""

import json
import os
import subprocess
import tempfile

from aidreg_client import Client, new_ledger

C = Client()
L = None
TMP = None


def cli(*args):
    d = os.environ.get("AIDREG_BUILD_DIR") or os.path.join(
        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "build")
    env = dict(os.environ, AIDREG_URL=C.base, AIDREG_LEDGER=L.code, AIDREG_LOG_VKEY=L.vkey)
    p = subprocess.run([os.path.join(d, "aidreg"), *args], env=env, capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def place(n):
    r = L.submit("county", "place.register", L.code + "%03d" % (100 + n), {"name": "第%d镇" % n})
    assert r.status == 201, r


def setup_module():
    global L, TMP
    L = new_ledger(C, "43")
    L.enroll("root", "county", "county", L.code)
    place(1)
    TMP = tempfile.mkdtemp(prefix="aidreg-proof-")


def test_inclusion_receipt_is_accepted_by_check():
    out = os.path.join(TMP, "receipt.json")
    rc, so, se = cli("proof", "inclusion", "--index", "1", "--receipt-out", out)
    assert rc == 0, se
    assert json.loads(so)["verified"] is True
    with open(out) as f:
        rec = json.load(f)
    note = C.checkpoint_note(L.code)
    assert rec["index"] == 1 and rec["checkpoint"].split("\n")[1] == note.split("\n")[1], rec
    rc, so, se = cli("proof", "check", "--receipt", out)
    assert rc == 0, se
    v = json.loads(so)
    assert v["verified"] is True and v["index"] == 1 and v["checkpoint"]["size"] == rec["tree_size"], v
    # --receipt-out with --size is a usage error (a receipt is at its checkpoint's size)
    rc, _, se = cli("proof", "inclusion", "--index", "1", "--size", "2", "--receipt-out", out)
    assert rc == 2 and "--receipt-out" in se, se


def test_check_prints_its_verdict_on_failure():
    out = os.path.join(TMP, "receipt.json")
    assert cli("proof", "inclusion", "--index", "0", "--receipt-out", out)[0] == 0
    with open(out) as f:
        rec = json.load(f)
    rec["index"] = 1  # the proof of entry 0 does not lead to the root from index 1
    bad = os.path.join(TMP, "bad.json")
    with open(bad, "w") as f:
        json.dump(rec, f)
    rc, so, se = cli("proof", "check", "--receipt", bad)
    assert rc == 1, (rc, so, se)
    v = json.loads(so)
    assert v["verified"] is False and "does not lead to the root" in v["reason"], v
    with open(bad, "w") as f:
        f.write("not json")
    rc, so, _ = cli("proof", "check", "--receipt", bad)
    assert rc == 1 and json.loads(so)["verified"] is False, so


def test_an_export_older_than_the_receipt_is_older_not_forked():
    export = os.path.join(TMP, "export")
    rc, _, se = cli("export", "--out", export)
    assert rc == 0, se
    place(2)
    place(3)
    newer = os.path.join(TMP, "newer.json")
    rc, _, se = cli("proof", "inclusion", "--index", "3", "--receipt-out", newer)
    assert rc == 0, se
    rc, so, se = cli("verify", "--dir", export, "--since", newer)
    assert rc == 1, (rc, so, se)
    assert "较旧 / OLDER" in so and "fork" not in (so + se).lower(), (so, se)
    rc, so, se = cli("verify", "--dir", export, "--since", newer, "--json")
    v = json.loads(so)
    assert rc == 1 and v["verdict"] == "older" and v["ok"] is False and v["since_size"] > v["size"], v
    # the same export against a checkpoint it covers verifies
    with open(os.path.join(export, "checkpoint")) as f:
        size = int(f.read().split("\n")[1])
    assert size >= 2
    rc, so, se = cli("verify", "--dir", export, "--since", os.path.join(export, "checkpoint"))
    assert rc == 0 and "OLDER" not in so, (so, se)
    # and a newer export against the receipt verifies
    export2 = os.path.join(TMP, "export2")
    assert cli("export", "--out", export2)[0] == 0
    rc, so, se = cli("verify", "--dir", export2, "--since", newer)
    assert rc == 0, (so, se)


def test_a_receipt_is_the_kept_checkpoint_of_consistency():
    kept = os.path.join(TMP, "kept.json")
    assert cli("proof", "inclusion", "--index", "0", "--receipt-out", kept)[0] == 0
    rc, so, se = cli("proof", "consistency", "--old", kept)
    assert rc == 0 and json.loads(so)["verified"] is True, (so, se)


def on_a_terminal(*args):
    """The CLI with stderr (and stdin/stdout) on a pseudo-terminal, as an auditor runs it:
    exit status and everything the terminal showed."""
    import pty
    d = os.environ.get("AIDREG_BUILD_DIR") or os.path.join(
        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "build")
    env = dict(os.environ, AIDREG_URL=C.base, AIDREG_LEDGER=L.code, AIDREG_LOG_VKEY=L.vkey)
    master, slave = pty.openpty()
    p = subprocess.Popen([os.path.join(d, "aidreg"), *args], env=env, stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the child closed its end
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    return p.wait(timeout=120), out.decode("utf-8", "replace")


def test_verify_and_audit_show_their_progress_on_a_terminal():
    export = os.path.join(TMP, "export-progress")
    assert cli("export", "--out", export)[0] == 0
    size = int(open(os.path.join(export, "checkpoint")).read().split("\n")[1])
    rc, shown = on_a_terminal("verify", "--dir", export)
    assert rc == 0, shown
    assert "核验 verifying: %d/%d 条 entries (100 %%)" % (size, size) in shown, shown
    rc, shown = on_a_terminal("audit", "--dir", export, "--as-of", "2026-06-30")
    assert rc == 0, shown
    assert "核验并审计 verifying and auditing: %d/%d 条 entries (100 %%)" % (size, size) in shown, shown
    # Not on a terminal (a script, a log): no progress line in what it reads.
    rc, so, se = cli("verify", "--dir", export)
    assert rc == 0 and "条 entries" not in so + se, (so, se)
