"""The nginx configuration of docs/deploy.md, started with Debian's nginx in front of the
server under test (its ports, certificate and folders substituted), and a representative part
of the end-to-end suite run through it over TLS. Also: nginx's own refusals are problem
documents, /metrics is hidden on the public listener and served on the protected one."""

import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.parse

from aidreg_client import Client, Skip, assert_problem
from test_concurrency import free

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
C = Client()
NGINX = None
DIR = None
URL = None
METRICS = None
CERT = None

# Modules run through the proxy: reads, refusals, batches, idempotency, ledgers, history.
THROUGH = ["test_ledgers.py", "test_reads.py", "test_batches.py", "test_idempotency.py", "test_history.py",
           "test_refusals.py"]


def nginx_block():
    with open(os.path.join(ROOT, "docs", "deploy.md"), encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"<!-- the block below is extracted .*?-->\s*```nginx\n(.*?)```", text, re.S)
    assert m, "docs/deploy.md has no marked nginx block"
    return m.group(1)


def free_port(start):
    p = start
    while not free(p):
        p += 1
    return p


def setup_module():
    global NGINX, DIR, URL, METRICS, CERT
    exe = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
    if not exe:
        raise Skip("no nginx (tools/dev.sh installs Debian's)")
    state = os.environ.get("AIDREG_STATE_DIR") or "/tmp"
    DIR = os.path.join(state, "nginx")
    shutil.rmtree(DIR, ignore_errors=True)
    os.makedirs(os.path.join(DIR, "logs"))
    CERT, key = os.path.join(DIR, "cert.pem"), os.path.join(DIR, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", key, "-out", CERT], check=True, capture_output=True)
    backend = urllib.parse.urlsplit(C.base).port
    tls_port = free_port(backend + 51)
    metrics_port = free_port(tls_port + 1)
    conf = nginx_block()
    subst = [
        ("pid /run/nginx.pid;", "pid %s/nginx.pid;" % DIR),
        ("/var/log/nginx/", DIR + "/logs/"),
        ("listen 443 ssl;", "listen 127.0.0.1:%d ssl;" % tls_port),
        ("listen [::]:443 ssl;", ""),
        ("/etc/aidreg/tls/fullchain.pem", CERT),
        ("/etc/aidreg/tls/privkey.pem", key),
        ("server 127.0.0.1:8080;", "server 127.0.0.1:%d;" % backend),
        ("listen 127.0.0.1:9180;", "listen 127.0.0.1:%d;" % metrics_port),
        ("worker_processes auto;", "worker_processes 2;"),
    ]
    if os.geteuid() != 0:
        subst.append(("user www-data;", ""))
    for a, b in subst:
        assert a in conf, "docs/deploy.md's nginx block lost %r" % a
        conf = conf.replace(a, b)
    path = os.path.join(DIR, "nginx.conf")
    with open(path, "w") as f:
        f.write(conf)
    os.chmod(DIR, 0o755)
    test = subprocess.run([exe, "-t", "-p", DIR, "-c", path, "-e", DIR + "/logs/error.log"], capture_output=True,
                          text=True)
    assert test.returncode == 0, test.stderr
    NGINX = subprocess.Popen([exe, "-p", DIR, "-c", path, "-e", DIR + "/logs/error.log", "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    URL = "https://127.0.0.1:%d" % tls_port
    METRICS = "http://127.0.0.1:%d" % metrics_port
    os.environ["SSL_CERT_FILE"] = CERT  # for our own Client below
    end = time.monotonic() + 20
    while time.monotonic() < end:
        assert NGINX.poll() is None, "nginx exited: %s" % NGINX.stderr.read().decode(errors="replace")
        if not free(tls_port):
            return
        time.sleep(0.1)
    raise AssertionError("nginx did not listen on %d" % tls_port)


def teardown_module():
    if NGINX and NGINX.poll() is None:
        NGINX.terminate()
        try:
            NGINX.wait(20)
        except subprocess.TimeoutExpired:
            NGINX.kill()
            NGINX.wait()


def test_healthz_and_tls():
    r = Client(URL).get("/healthz")
    assert r.status == 200, r
    assert "max-age" in (r.headers.get("Strict-Transport-Security") or ""), r.headers
    assert (r.headers.get("Server") or "") == "nginx", r.headers  # server_tokens off: no version


def test_metrics_hidden_on_the_public_listener():
    assert_problem(Client(URL).get("/metrics"), 404, "not-found")
    r = Client(METRICS).get("/metrics")
    assert r.status == 200 and b"aidreg_http_requests_total" in r.body, r


def test_proxy_refusals_are_problem_documents():
    c = Client(URL)
    assert_problem(c.raw("GET", "/healthz", headers={"X-Big": "x" * 9000}), 413, "too-large")
    assert_problem(c.raw("GET", "/" + "a" * 9000), 413, "too-large")
    r = c.raw("POST", "/v1/ledgers/522731/entries", b"{}",
              {"Content-Type": "application/json", "Content-Length": str(9 * 1024 * 1024)}, read_body=True)
    assert_problem(r, 413, "too-large")
    # A request nginx cannot parse.
    ctx = ssl.create_default_context(cafile=CERT)
    u = urllib.parse.urlsplit(URL)
    with socket.create_connection((u.hostname, u.port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400") and b"application/problem+json" in head, data[:300]
    assert json.loads(body)["type"] == "urn:aidreg:problem:malformed-request", body


def test_e2e_modules_through_the_proxy():
    env = dict(os.environ, AIDREG_URL=URL, SSL_CERT_FILE=CERT, AIDREG_METRICS_URL=METRICS)
    files = [os.path.join(HERE, m) for m in THROUGH]
    p = subprocess.run([sys.executable, os.path.join(HERE, "run.py"), *files], env=env, capture_output=True,
                       text=True, timeout=900)
    tail = "\n".join((p.stdout + p.stderr).splitlines()[-40:])
    assert p.returncode == 0, "e2e through nginx failed:\n" + tail
    last = [ln for ln in p.stdout.splitlines() if ln.startswith("e2e:")]
    print("    through nginx: " + (last[-1] if last else tail))
