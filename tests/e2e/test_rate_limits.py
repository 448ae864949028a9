"""Rate limits on submissions (issue 9, item 4): a second server started with
AIDREG_ADDRESS_RATE=1 (bursts of 10) answers the submissions of one address beyond its burst
with 429 too-many-requests, a problem document and a Retry-After header of whole seconds,
before reading the envelopes; other routes are not limited."""

import os
import socket
import subprocess
import time

from aidreg_client import PROBLEM_PREFIX, Client, Skip

C = Client()
SECOND = None
PROC = None


def build_dir():
    d = os.environ.get("AIDREG_BUILD_DIR")
    if not d:
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        d = os.path.join(root, "build")
    return d


def free(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def setup_module():
    global SECOND, PROC
    server = os.path.join(build_dir(), "aidreg-server")
    for v in ("AIDREG_DATABASE_URL", "AIDREG_LOG_KEY_FILE"):
        if not os.environ.get(v):
            raise Skip("%s is not set: cannot start a second server" % v)
    port = int(C.base.rsplit(":", 1)[1]) + 2
    while not free(port):
        port += 1
    env = dict(os.environ, AIDREG_PORT=str(port), AIDREG_BIND="127.0.0.1", AIDREG_ADDRESS_RATE="1")
    state = os.environ.get("AIDREG_STATE_DIR") or "/tmp"
    log = open(os.path.join(state, "server-%s-rate.log" % os.path.basename(build_dir().rstrip("/"))), "ab")
    PROC = subprocess.Popen([server], env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    log.close()
    SECOND = Client("http://127.0.0.1:%d" % port)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if PROC.poll() is not None:
            raise AssertionError("the rate-limited server exited with %s" % PROC.returncode)
        try:
            if SECOND.get("/healthz").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError("the rate-limited server did not answer /healthz")


def teardown_module():
    if PROC and PROC.poll() is None:
        PROC.terminate()
        try:
            PROC.wait(30)
        except subprocess.TimeoutExpired:
            PROC.kill()
            PROC.wait()


def test_address_rate():
    statuses = []
    limited = None
    for _ in range(14):
        r = SECOND.post("/v1/ledgers/000000/entries", b"{}")
        statuses.append(r.status)
        if r.status == 429:
            limited = r
            break
    assert limited is not None, "no 429 after %d quick submissions: %r" % (len(statuses), statuses)
    assert len(statuses) >= 10, "limited before the burst of 10: %r" % statuses
    assert limited.content_type == "application/problem+json", limited
    assert limited.json["type"] == PROBLEM_PREFIX + "too-many-requests", limited
    retry = limited.headers.get("Retry-After")
    assert retry and retry.isdigit() and int(retry) >= 1, "Retry-After %r" % retry
    # Reads are not limited.
    assert SECOND.get("/healthz").status == 200
