"""Extra parts some e2e modules start beside the fixtures' server: more aidreg-server
processes, a PostgreSQL streaming replica of the fixtures' cluster (pg_basebackup -R), and
a second private cluster (tests/torture/cluster.sh). Each is stopped by the module that
started it; ports come from AIDREG_PORT / AIDREG_PG_PORT upwards (the helper's own range)."""

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse

from aidreg_client import Client, Skip

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def build_dir():
    return os.environ.get("AIDREG_BUILD_DIR") or os.path.join(ROOT, "build")


def free(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def free_port(start, taken=()):
    port = start
    while not free(port) or port in taken:
        port += 1
    return port


def state_dir():
    return os.environ.get("AIDREG_STATE_DIR") or "/tmp"


class Server:
    """One more aidreg-server: the fixtures' environment, overridden by `env`."""

    def __init__(self, tag, env=None, port=None):
        self.tag = tag
        self.extra = dict(env or {})
        base = int(os.environ.get("AIDREG_PORT", "18080"))
        self.port = port or free_port(base + 10)
        self.log = os.path.join(state_dir(), "server-%s-%s.log" % (os.path.basename(build_dir().rstrip("/")), tag))
        self.proc = None
        self.client = Client("http://127.0.0.1:%d" % self.port, timeout=30)

    def start(self, timeout=60):
        server = os.path.join(build_dir(), "aidreg-server")
        if not os.access(server, os.X_OK):
            raise AssertionError("no server binary at %s" % server)
        env = dict(os.environ, AIDREG_PORT=str(self.port), AIDREG_BIND="127.0.0.1")
        env.update(self.extra)
        for k in [k for k, v in env.items() if v is None]:
            del env[k]
        with open(self.log, "ab") as logf:
            self.proc = subprocess.Popen([server], env=env, stdout=logf, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("server %s exited with %s; see %s" % (self.tag, self.proc.returncode, self.log))
            try:
                if self.client.get("/healthz").status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError("server %s did not answer /healthz; see %s" % (self.tag, self.log))

    def kill(self):
        """SIGKILL: no shutdown, no draining; what was in flight is lost unacknowledged."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# ---------------------------------------------------------------- PostgreSQL


def pg_bin():
    try:
        b = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip()
    except OSError:
        b = ""
    if not os.access(os.path.join(b, "initdb"), os.X_OK):
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                       key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
        b = os.path.dirname(found[-1]) if found else ""
    return b


def need_root_pg():
    if os.geteuid() != 0:
        raise Skip("a private cluster runs as postgres through runuser: needs root")
    if not pg_bin():
        raise Skip("no PostgreSQL server binaries")
    if not os.environ.get("AIDREG_DATABASE_URL"):
        raise Skip("AIDREG_DATABASE_URL is not set")


def url_port(url):
    return urllib.parse.urlsplit(url).port


def with_port(url, port):
    u = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(u._replace(netloc="%s@127.0.0.1:%d" % (u.username, port)))


def as_postgres(*cmd, **kw):
    return subprocess.run(["runuser", "-u", "postgres", "--"] + list(cmd), capture_output=True, text=True, **kw)


class Replica:
    """A hot standby of the fixtures' cluster: pg_basebackup -R (streaming, its own port)."""

    def __init__(self):
        self.primary_url = os.environ["AIDREG_DATABASE_URL"]
        base = int(os.environ.get("AIDREG_PG_PORT") or url_port(self.primary_url))
        self.port = free_port(base + 10)
        self.dir = tempfile.mkdtemp(prefix="aidreg-replica-")
        shutil.chown(self.dir, "postgres", "postgres")
        self.data = os.path.join(self.dir, "data")
        os.mkdir(os.path.join(self.dir, "sock"))
        shutil.chown(os.path.join(self.dir, "sock"), "postgres", "postgres")
        self.url = with_port(self.primary_url, self.port)

    def start(self):
        b = pg_bin()
        p = as_postgres(os.path.join(b, "pg_basebackup"), "-h", "127.0.0.1", "-p", str(url_port(self.primary_url)),
                        "-U", "postgres", "-D", self.data, "-R", "-X", "stream", "-c", "fast", cwd=self.dir,
                        timeout=120)
        if p.returncode != 0:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise AssertionError("pg_basebackup failed: %s" % p.stderr)
        opts = ("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories=%s/sock -c hot_standby=on "
                "-c max_connections=200" % (self.port, self.dir))
        p = as_postgres(os.path.join(b, "pg_ctl"), "-D", self.data, "-l", os.path.join(self.dir, "server.log"),
                        "-w", "-t", "60", "start", "-o", opts, cwd=self.dir, timeout=90)
        if p.returncode != 0:
            with open(os.path.join(self.dir, "server.log")) as f:
                tail = f.read()[-2000:]
            shutil.rmtree(self.dir, ignore_errors=True)
            raise AssertionError("the replica did not start: %s\n%s" % (p.stderr, tail))
        return self

    def sql(self, query, port=None):
        p = subprocess.run([os.path.join(pg_bin(), "psql"), "-X", "-At", "-h", "127.0.0.1", "-p",
                            str(port or self.port), "-U", "postgres", "-d", "aidreg", "-c", query],
                           capture_output=True, text=True, timeout=30)
        assert p.returncode == 0, p.stderr
        return p.stdout.strip()

    def pause(self):
        self.sql("SELECT pg_wal_replay_pause()")

    def resume(self):
        self.sql("SELECT pg_wal_replay_resume()")

    def stop(self):
        as_postgres(os.path.join(pg_bin(), "pg_ctl"), "-D", self.data, "-m", "immediate", "-w", "-t", "60", "stop",
                    cwd=self.dir, timeout=90)
        shutil.rmtree(self.dir, ignore_errors=True)


class Cluster:
    """Another private cluster (tests/torture/cluster.sh NAME): its roles, an empty database."""

    def __init__(self, name):
        self.name = name
        self.script = os.path.join(ROOT, "tests", "torture", "cluster.sh")
        self.env = {}

    def start(self):
        base = int(os.environ.get("AIDREG_PG_PORT") or url_port(os.environ["AIDREG_DATABASE_URL"]))
        pg = free_port(base + 20)
        http = free_port(int(os.environ.get("AIDREG_PORT", "18080")) + 20)
        p = subprocess.run([self.script, self.name, "start", build_dir(), str(pg), str(http)],
                           capture_output=True, text=True, timeout=180)
        assert p.returncode == 0, "cluster %s did not start: %s" % (self.name, p.stderr)
        self.env = dict(line.split("=", 1) for line in p.stdout.splitlines() if "=" in line)
        return self

    @property
    def url(self):
        return self.env["AIDREG_DATABASE_URL"]

    @property
    def owner_url(self):
        return self.env["AIDREG_OWNER_DATABASE_URL"]

    def stop(self):
        subprocess.run([self.script, self.name, "stop"], capture_output=True, text=True, timeout=120)


def verify_db(url, lg):
    """`aidreg verify --db` of one ledger: the rows, not what a server says of them."""
    cli = os.path.join(build_dir(), "aidreg")
    p = subprocess.run([cli, "verify", "--db", url, "--ledger", lg.code, "--vkey", lg.vkey],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, "aidreg verify --db %s failed (%d):\n%s\n%s" % (lg.code, p.returncode, p.stdout, p.stderr)
    return p.stdout.strip()


def verify_server(base, lg):
    cli = os.path.join(build_dir(), "aidreg")
    p = subprocess.run([cli, "verify", "--server", base, "--ledger", lg.code, "--vkey", lg.vkey],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, "aidreg verify --server %s failed (%d):\n%s\n%s" % (lg.code, p.returncode, p.stdout,
                                                                             p.stderr)
    return p.stdout.strip()


def run_threads(threads, timeout=300):
    """Starts every thread, waits for all; the seconds it took."""
    t0 = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout)
    return time.monotonic() - t0


def load(targets, per_target, threads_per_target=4):
    """Submits per_target fresh entries to each (client, ledger) of targets, from
    threads_per_target threads each, all at once. Returns (entries/s, receipts by code)."""
    import threading

    receipts, errors = {}, []
    lock = threading.Lock()

    def worker(cl, lg, n, t):
        mine = []
        try:
            for i in range(n):
                env = lg.filler(note="负载 %d-%d" % (t, i))[1]
                r = cl.submit(lg.code, env)
                if r.status != 201:
                    raise AssertionError("submit %s: %r" % (lg.code, r))
                mine.append((r.json, env))
        except Exception as e:  # noqa: BLE001 - reported below
            with lock:
                errors.append(str(e))
        with lock:
            receipts.setdefault(lg.code, []).extend(mine)

    ths = []
    for cl, lg in targets:
        for t in range(threads_per_target):
            n = per_target // threads_per_target + (1 if t < per_target % threads_per_target else 0)
            ths.append(threading.Thread(target=worker, args=(cl, lg, n, t)))
    elapsed = run_threads(ths)
    assert not errors, errors[:5]
    return per_target * len(targets) / elapsed, receipts
