"""SIGTERM while submissions are in flight: the server finishes what it took (suspended
submissions are resumed after their group commit), exits 0, and every receipt it sent
names an entry that is in the ledger. A client may see its connection closed instead of
an answer; it then retries, which is safe (idempotent), and the retry must land."""

import os
import signal
import subprocess
import threading
import time

from aidreg_client import Client, Skip, new_ledger
from test_concurrency import build_dir, free

C = Client()


def start_server():
    server = os.path.join(build_dir(), "aidreg-server")
    for v in ("AIDREG_DATABASE_URL", "AIDREG_LOG_KEY_FILE"):
        if not os.environ.get(v):
            raise Skip("%s is not set: cannot start a server of our own" % v)
    port = int(C.base.rsplit(":", 1)[1]) + 7
    while not free(port):
        port += 1
    env = dict(os.environ, AIDREG_PORT=str(port), AIDREG_BIND="127.0.0.1")
    state = os.environ.get("AIDREG_STATE_DIR") or "/tmp"
    log = os.path.join(state, "server-%s-shutdown.log" % os.path.basename(build_dir().rstrip("/")))
    with open(log, "ab") as logf:
        proc = subprocess.Popen([server], env=env, stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    client = Client("http://127.0.0.1:%d" % port, timeout=20)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError("server exited with %s; see %s" % (proc.returncode, log))
        try:
            if client.get("/healthz").status == 200:
                return proc, client, log
        except OSError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise AssertionError("server did not answer /healthz")


def test_sigterm_with_submissions_in_flight():
    lg = new_ledger(C, "43")
    lg.enroll("root", "county", "county", lg.code)
    proc, srv, log = start_server()
    answered, unanswered, errors = [], [], []
    lock = threading.Lock()
    stop = threading.Event()

    def worker(t):
        i = 0
        while not stop.is_set() or i < 3:
            env = lg.filler(note="关停 %d-%d" % (t, i))[1]
            i += 1
            try:
                r = srv.submit(lg.code, env)
            except OSError:
                with lock:
                    unanswered.append(env)
                return
            with lock:
                if r.status == 201:
                    answered.append((r.json, env))
                elif r.status == 503:
                    unanswered.append(env)  # shutting down: retry elsewhere
                else:
                    errors.append(repr(r))
                    return

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    stop.set()
    try:
        rc = proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("the server did not stop within 60 s of SIGTERM; see %s" % log)
    for th in threads:
        th.join(60)
    assert rc == 0, "exit status %s; see %s" % (rc, log)
    assert not errors, errors[:3]
    assert answered, "no submission was answered before the stop"
    # Every receipt sent names an entry that is in the ledger (the client checked each
    # receipt's proof against its checkpoint when it arrived).
    for receipt, env in answered:
        lg.verify_receipt(receipt, env)
        r = C.get("/v1/ledgers/%s/entries/%d" % (lg.code, receipt["index"]))
        assert r.status == 200 and r.json["payload_sha256"] == receipt["payload_sha256"], r
    # What got no answer is retried on the other server: accepted once, or answered as
    # the replay of an entry committed just before the stop.
    for env in unanswered:
        r = C.submit(lg.code, env)
        assert r.status in (200, 201), r
    print("    %d answered before the stop, %d retried" % (len(answered), len(unanswered)))
