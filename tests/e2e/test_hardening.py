"""Attacks of the security review (issue 9) on the HTTP side, each reproduced on loopback:
percent-escapes before routing, slow headers and bodies, idle uploads against the body
budget, one address's share of it, chunked bodies past the limit, and SIGTERM with an
appender that hangs. Tests that need other limits than the main server's start a server of
their own (same database) with small deadlines."""

import json
import os
import signal
import socket
import subprocess
import threading
import time

from aidreg_client import Client, Skip, assert_problem, new_ledger, problem_of
from test_concurrency import build_dir, free

C = Client()
HOST, PORT = C.base.rsplit("/", 1)[1].rsplit(":", 1)
PORT = int(PORT)


class Server:
    """An aidreg-server of our own on a free port, with extra arguments."""

    def __init__(self, *args, name="hardening", env=None):
        server = os.path.join(build_dir(), "aidreg-server")
        for v in ("AIDREG_DATABASE_URL", "AIDREG_LOG_KEY_FILE"):
            if not os.environ.get(v):
                raise Skip("%s is not set: cannot start a server of our own" % v)
        port = PORT + 11
        while not free(port):
            port += 1
        self.port = port
        e = dict(os.environ, AIDREG_PORT=str(port), AIDREG_BIND="127.0.0.1")
        e.update(env or {})
        state = os.environ.get("AIDREG_STATE_DIR") or "/tmp"
        self.log = os.path.join(state, "server-%s-%s.log" % (os.path.basename(build_dir().rstrip("/")), name))
        with open(self.log, "ab") as logf:
            self.proc = subprocess.Popen([server, *args], env=e, stdout=logf, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        self.client = Client("http://127.0.0.1:%d" % port, timeout=30)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("server exited with %s; see %s" % (self.proc.returncode, self.log))
            try:
                if self.client.get("/healthz").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise AssertionError("server did not answer /healthz")

    def stop(self, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("server ignored SIGTERM for %d s; see %s" % (timeout, self.log))
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def conn(port, source="127.0.0.1"):
    s = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
    return s


def read_all(s, limit=5.0):
    """What the server sends until it closes (or limit seconds pass): (bytes, closed)."""
    s.settimeout(0.2)
    data = b""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            return data, True
        if not chunk:
            return data, True
        data += chunk
    return data, False


def status_and_json(raw):
    head, _, body = raw.partition(b"\r\n\r\n")
    line = head.split(b"\r\n", 1)[0].decode()
    headers = head.decode("latin-1").lower()
    return int(line.split()[1]), headers, json.loads(body.decode()) if body else None


# ---------------------------------------------------------------- item 9


def test_percent_escapes_refused_before_routing():
    code = os.environ.get("AIDREG_LEDGER") or "522731"
    for path in ("/v1/ledgers/%s/assets/abc%%00def" % code, "/v1/ledgers/%s/assets/a%%2Fb" % code,
                 "/v1/ledgers/%s/assets/a%%2fb" % code, "/log/%s/tile/0/x%%30%%30%%30" % code,
                 "/log/%s/checkpoin%%74" % code, "/lo%%67/%s/checkpoint" % code):
        r = C.raw("GET", path)
        assert_problem(r, 400, "invalid-path")
    # An ordinary escape elsewhere is decoded as before.
    r = C.raw("GET", "/v1/ledgers/%s/assets/%%E6%%B5%%8B" % code)
    assert r.status == 404, r
    assert problem_of(r)["type"] != "urn:aidreg:problem:invalid-path", r


# ---------------------------------------------------------------- item 10


def test_http11_without_host_is_refused():
    for version, want in ((b"HTTP/1.1", 400), (b"HTTP/1.0", 200)):
        s = conn(PORT)
        s.sendall(b"GET /healthz " + version + b"\r\nConnection: close\r\n\r\n")
        data, _ = read_all(s, 3)
        s.close()
        st, headers, doc = status_and_json(data)
        assert st == want, data
        if want == 400:
            assert "application/problem+json" in headers, data
            assert doc["type"] == "urn:aidreg:problem:malformed-request", doc


# ---------------------------------------------------------------- item 3


def test_slow_headers_get_408_and_close():
    # Environment rather than flags: a server without the deadlines starts too (and fails).
    with Server(env={"AIDREG_HEADER_TIMEOUT": "2", "AIDREG_REQUEST_TIMEOUT": "4"}, name="deadlines") as srv:
        s = conn(srv.port)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        t0 = time.monotonic()
        closed, data = False, b""
        # One header line every 0.5 s: each resets libmicrohttpd's idle timeout.
        for i in range(16):
            try:
                s.sendall(b"X-Slow-%d: y\r\n" % i)
            except OSError:
                closed = True
                break
            d, closed = read_all(s, 0.5)
            data += d
            if closed:
                break
        took = time.monotonic() - t0
        s.close()
        assert closed, "a client sending one header line every 0.5 s kept its connection for %.1f s" % took
        assert took < 4.5, took
        st, headers, doc = status_and_json(data)
        assert st == 408 and "application/problem+json" in headers, data
        assert doc["type"] == "urn:aidreg:problem:request-timeout", doc
        # An idle connection that never sent a request line is closed silently.
        s = conn(srv.port)
        data, closed = read_all(s, 4)
        s.close()
        assert closed and data == b"", (closed, data)
        assert srv.client.get("/healthz").status == 200
        m = srv.client.get("/metrics").body.decode()
        line = [ln for ln in m.splitlines() if ln.startswith('aidreg_http_connections_closed_total{reason="deadline"}')]
        assert line and int(line[0].split()[-1]) >= 2, line


def test_slow_body_gets_408_and_close():
    with Server(env={"AIDREG_HEADER_TIMEOUT": "2", "AIDREG_REQUEST_TIMEOUT": "3"}, name="deadlines") as srv:
        s = conn(srv.port)
        s.sendall(b"POST /v1/ledgers/522731/entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 100000\r\n\r\n{")
        t0 = time.monotonic()
        data, closed = b"", False
        for _ in range(20):  # a byte every 0.3 s
            try:
                s.sendall(b" ")
            except OSError:
                closed = True
                break
            d, closed = read_all(s, 0.3)
            data += d
            if closed:
                break
        took = time.monotonic() - t0
        s.close()
        assert closed and took < 4.5, "a trickling body kept its connection for %.1f s" % took
        st, _, doc = status_and_json(data)
        assert st == 408 and doc["type"] == "urn:aidreg:problem:request-timeout", data


# ---------------------------------------------------------------- item 2


def idle_upload(port, source="127.0.0.1", length=8 * 1024 * 1024, sent=b"{"):
    s = conn(port, source)
    s.sendall(b"POST /v1/ledgers/522731/entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n" % length + sent)
    return s


def test_idle_uploads_do_not_exhaust_the_body_budget():
    lg = new_ledger(C, "44")
    lg.enroll("root", "county", "county", lg.code)
    with Server("--per-ip-limit", "0", name="budget") as srv:
        # 40 connections announce a full batch (8 MiB) and send one byte: before, each
        # reserved its whole Content-Length and 33 of them used the 256 MiB budget up.
        socks = [idle_upload(srv.port) for _ in range(40)]
        try:
            time.sleep(0.5)
            r = srv.client.submit(lg.code, lg.filler(note="空闲上传")[1])
            assert r.status == 201, r
        finally:
            for s in socks:
                s.close()


def test_one_address_has_a_share_of_the_budget():
    lg = new_ledger(C, "45")
    lg.enroll("root", "county", "county", lg.code)
    with Server(name="share") as srv:
        # 127.0.0.2 sends 7 MiB of each of 6 batches: 48 MiB, within the server's 256 MiB
        # but past one address's 32 MiB share.
        socks, refused = [], 0
        chunk = b" " * (1024 * 1024)
        for _ in range(6):
            s = idle_upload(srv.port, "127.0.0.2")
            socks.append(s)
            try:
                for _ in range(7):
                    s.sendall(chunk)
            except OSError:
                pass
        time.sleep(0.5)
        for s in socks:
            data, closed = read_all(s, 0.3)
            if data:
                st, _, doc = status_and_json(data)
                assert st == 503 and doc["type"] == "urn:aidreg:problem:unavailable", data
            if closed:
                refused += 1
        try:
            assert refused >= 1, "6 bodies of 7 MiB from one address were all buffered"
            # Another address is not affected.
            r = srv.client.submit(lg.code, lg.filler(note="另一地址")[1])
            assert r.status == 201, r
        finally:
            for s in socks:
                s.close()


# ---------------------------------------------------------------- item 11


def send_chunked(head):
    """Send head, then 64 KiB chunks until the server stops taking them (or 40 MiB went).
    Returns (whether sending failed, the bytes sent, what the server answered)."""
    s = conn(PORT)
    s.sendall(head)
    chunk = b"%x\r\n%s\r\n" % (65536, b" " * 65536)
    sent, failed = 0, False
    s.settimeout(5)
    try:
        while sent < 40 * 1024 * 1024:
            s.sendall(chunk)
            sent += 65536
    except OSError:
        failed = True
    data, _ = read_all(s, 1)
    s.close()
    return failed, sent, data


def test_chunked_body_past_the_limit_closes_the_connection():
    failed, sent, data = send_chunked(b"POST /v1/ledgers/522731/entries HTTP/1.1\r\nHost: x\r\n"
                                      b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    assert failed, "the server read %d MiB of a chunked body whose limit is 8 MiB" % (sent >> 20)
    assert sent < 16 * 1024 * 1024, sent
    if data:  # the answer may be lost to the reset of a socket closed with unread bytes
        st, _, doc = status_and_json(data)
        assert st == 413 and doc["type"] == "urn:aidreg:problem:too-large", data
    assert C.get("/healthz").status == 200


def test_refused_chunked_body_is_not_read_to_the_end():
    failed, sent, data = send_chunked(b"POST /nowhere HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
    assert failed and sent < 8 * 1024 * 1024, "the server read %d MiB of a refused body" % (sent >> 20)
    if data:
        st, _, doc = status_and_json(data)
        assert st == 404 and doc["type"] == "urn:aidreg:problem:not-found", data


# ---------------------------------------------------------------- item 15


def test_sigterm_with_a_hung_appender():
    owner = os.environ.get("AIDREG_OWNER_DATABASE_URL")
    if not owner:
        raise Skip("AIDREG_OWNER_DATABASE_URL is not set: cannot hold the ledger's lock")
    lg = new_ledger(C, "46")
    lg.enroll("root", "county", "county", lg.code)
    srv = Server(env={"AIDREG_SHUTDOWN_GRACE": "1"}, name="hung")
    # Hold the ledger row's lock: the appender's SELECT ... FOR UPDATE waits on it.
    psql = subprocess.Popen(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", owner], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    psql.stdin.write("BEGIN; SELECT 1 FROM ledger WHERE code = '%s' FOR UPDATE; \\echo locked\n" % lg.code)
    psql.stdin.flush()
    while psql.stdout.readline().strip() != "locked":
        assert psql.poll() is None, "psql could not lock the ledger"
    try:
        time.sleep(0.5)
        env = lg.filler(note="挂起的追加")[1]
        out = {}

        def submit():
            try:
                out["r"] = srv.client.submit(lg.code, env)
            except OSError as e:
                out["e"] = e

        th = threading.Thread(target=submit)
        th.start()
        time.sleep(1.0)
        assert th.is_alive(), "the submission did not wait for the locked ledger: %r" % out
        srv.proc.send_signal(signal.SIGTERM)
        th.join(10)
        assert not th.is_alive(), "the suspended submission was not answered within 10 s of SIGTERM"
        r = out.get("r")
        assert r is not None and r.status == 503, out
        assert_problem(r, 503, "unavailable")
        time.sleep(1.0)
        assert srv.proc.poll() is None, "the server exited while its appender still ran"
        # Release the lock: the appender commits into memory the server kept for it.
        psql.stdin.write("COMMIT;\n\\q\n")
        psql.stdin.flush()
        psql.wait(10)
        try:
            rc = srv.proc.wait(30)
        except subprocess.TimeoutExpired:
            srv.proc.kill()
            raise AssertionError("the server did not stop after its appender finished; see %s" % srv.log)
        assert rc == 0, "exit status %s; see %s" % (rc, srv.log)
        with open(srv.log, errors="replace") as f:
            text = f.read()
        assert "Sanitizer" not in text and "runtime error" not in text and "Fatal error" not in text, srv.log
    finally:
        if psql.poll() is None:
            psql.kill()
        if srv.proc.poll() is None:
            srv.proc.kill()
            srv.proc.wait()
    # The entry the appender committed is there; resubmitting is answered as its replay.
    r = C.submit(lg.code, env)
    assert r.status in (200, 201), r


# ---------------------------------------------------------------- item 14


def start_expecting_exit(env=None, args=(), wait=15):
    """Start the server with env/args added; (exit status, output) once it exits, or (None,
    output) when it is still running after wait seconds (then it is stopped)."""
    server = os.path.join(build_dir(), "aidreg-server")
    port = PORT + 31
    while not free(port):
        port += 1
    e = dict(os.environ, AIDREG_PORT=str(port), AIDREG_BIND="127.0.0.1")
    e.update(env or {})
    p = subprocess.Popen([server, *args], env=e, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL)
    c = Client("http://127.0.0.1:%d" % port, timeout=5)
    end = time.monotonic() + wait
    while time.monotonic() < end and p.poll() is None:
        try:
            if c.get("/healthz").status == 200:
                break
        except OSError:
            pass
        time.sleep(0.1)
    rc = p.poll()
    if rc is None:
        p.terminate()
        p.wait(30)
    return rc, p.stdout.read().decode(errors="replace")


def test_secret_key_file_open_to_others_is_refused():
    key = os.environ.get("AIDREG_LOG_KEY_FILE")
    if not key:
        raise Skip("AIDREG_LOG_KEY_FILE is not set")
    state = os.environ.get("AIDREG_STATE_DIR") or "/tmp"
    loose = os.path.join(state, "log-loose.key")
    with open(key, "rb") as f, open(loose, "wb") as g:
        g.write(f.read())
    try:
        for mode in (0o640, 0o604, 0o620):
            os.chmod(loose, mode)
            rc, out = start_expecting_exit({"AIDREG_LOG_KEY_FILE": loose})
            assert rc == 1 and "chmod 600" in out, (oct(mode), rc, out)
        os.chmod(loose, 0o600)
        rc, out = start_expecting_exit({"AIDREG_LOG_KEY_FILE": loose})
        assert rc is None, (rc, out)
        tok = os.path.join(state, "token-loose")
        with open(tok, "w") as f:
            f.write("%s\n" % ("k7Qz" * 16))
        os.chmod(tok, 0o644)
        e = {"AIDREG_ADMIN_TOKEN_FILE": tok, "AIDREG_ADMIN_TOKEN": ""}
        rc, out = start_expecting_exit(e)
        assert rc == 2 and "chmod 600" in out, (rc, out)
        os.unlink(tok)
    finally:
        os.unlink(loose)


def test_weak_operator_token_is_refused():
    for weak in ("secret", "x" * 40, "0123456789abcdef0123456789abcde"):
        rc, out = start_expecting_exit({"AIDREG_ADMIN_TOKEN": weak})
        assert rc == 2 and "too weak" in out, (weak, rc, out)


def test_token_leaves_environ_and_command_line_and_no_core_dumps():
    import resource

    def allow_cores():
        resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))

    good = "Tk" + os.urandom(24).hex()
    server = os.path.join(build_dir(), "aidreg-server")
    for how in ("env", "flag"):
        port = PORT + 41
        while not free(port):
            port += 1
        e = dict(os.environ, AIDREG_PORT=str(port), AIDREG_BIND="127.0.0.1")
        e.pop("AIDREG_ADMIN_TOKEN_FILE", None)
        args = [server]
        if how == "env":
            e["AIDREG_ADMIN_TOKEN"] = good
        else:
            e.pop("AIDREG_ADMIN_TOKEN", None)
            args += ["--admin-token", good]
        p = subprocess.Popen(args, env=e, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             stdin=subprocess.DEVNULL, preexec_fn=allow_cores)
        try:
            c = Client("http://127.0.0.1:%d" % port, timeout=5, token=good)
            end = time.monotonic() + 30
            while time.monotonic() < end:
                try:
                    if c.get("/healthz").status == 200:
                        break
                except OSError:
                    time.sleep(0.1)
            with open("/proc/%d/environ" % p.pid, "rb") as f:
                assert good.encode() not in f.read(), "the token is still in the server's environment"
            with open("/proc/%d/cmdline" % p.pid, "rb") as f:
                assert good.encode() not in f.read(), "the token is still on the server's command line"
            with open("/proc/%d/limits" % p.pid) as f:
                line = [ln for ln in f if ln.startswith("Max core file size")][0]
            assert line.split()[4:6] == ["0", "0"], line
            # The token still works.
            r = c.raw("POST", "/v1/ledgers", b"{}", {"Content-Type": "application/json",
                                                      "Authorization": "Bearer " + good})
            assert r.status != 401, r
        finally:
            p.terminate()
            p.wait(30)


def test_demo_passes_no_token_on_the_command_line():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(root, "tools", "demo.sh")) as f:
        text = f.read()
    assert "--token" not in text and "--admin-token" not in text


# ---------------------------------------------------------------- item 8 (server side)


def test_default_log_host_only_on_loopback():
    rc, out = start_expecting_exit({"AIDREG_LOG_HOST": "localhost", "AIDREG_BIND": "0.0.0.0"})
    assert rc == 2 and "log host" in out, (rc, out)
    rc, out = start_expecting_exit({"AIDREG_LOG_HOST": "localhost", "AIDREG_BIND": "::"})
    assert rc == 2 and "log host" in out, (rc, out)
    rc, out = start_expecting_exit({"AIDREG_LOG_HOST": "localhost", "AIDREG_BIND": "127.0.0.1"})
    assert rc is None, (rc, out)


def uploads_refused(port, n, source="127.0.0.1", real_ips=None):
    """n uploads of 7 MiB (of 8 announced) from source, the i-th with X-Real-IP
    real_ips[i]; how many the server refused."""
    socks, refused = [], 0
    chunk = b" " * (1024 * 1024)
    for i in range(n):
        s = conn(port, source)
        extra = b"X-Real-IP: %s\r\n" % real_ips[i].encode() if real_ips else b""
        s.sendall(b"POST /v1/ledgers/522731/entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\n%s\r\n" % (8 * 1024 * 1024, extra))
        socks.append(s)
        try:
            for _ in range(7):
                s.sendall(chunk)
        except OSError:
            pass
    time.sleep(0.3)
    for s in socks:
        _, closed = read_all(s, 0.2)
        refused += closed
        s.close()
    return refused


def test_forwarded_address_only_from_the_trusted_proxy():
    # From the trusted proxy, X-Real-IP names the client: six clients of 7 MiB each fit.
    with Server(env={"AIDREG_TRUSTED_PROXY": "127.0.0.1"}, name="proxy") as srv:
        assert uploads_refused(srv.port, 6, real_ips=["10.0.0.%d" % i for i in range(6)]) == 0
        assert uploads_refused(srv.port, 6, real_ips=["10.0.9.9"] * 6) >= 1
    # From anyone else the header is ignored: the six count against the peer's share.
    with Server(env={"AIDREG_TRUSTED_PROXY": "127.0.0.2"}, name="proxy") as srv:
        assert uploads_refused(srv.port, 6, real_ips=["10.0.0.%d" % i for i in range(6)]) >= 1
