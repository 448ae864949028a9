"""What the outage tests share (tests/outage/outage.py, disk_full.py): their own cluster
(var/<name>, tests/torture/cluster.sh) and server, a test ledger, submissions whose
answers are checked (a 2xx must carry a receipt that verifies; a 503 must be an RFC 9457
problem with Retry-After), and the final check that every acknowledged entry is in the
log as its receipt says and that `aidreg verify` (tiles, and --db directly) passes."""

import base64
import hashlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
sys.path.insert(0, os.path.join(ROOT, "tests", "interop"))

sys.path.insert(0, os.path.join(ROOT, "tests", "torture"))

import aidreg_client as ac  # noqa: E402
import c2sp  # noqa: E402
import cluster  # noqa: E402

SKIP = 77


class Failure(Exception):
    pass


class SkipTest(Exception):
    pass


def free_port(start):
    p = start
    while True:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", p))
                return p
            except OSError:
                p += 1


class Harness:
    tag = "outage"

    def __init__(self, build, name, bound=15):
        self.build = os.path.abspath(build)
        self.name = name
        self.bound = bound
        self.state = os.path.join(ROOT, "var", name)
        self.proc = None
        self.server_log = None
        self.failures = []
        self.acked = []    # (index, leaf hash b64, payload sha256 hex)
        self.unacked = []  # envelopes answered 503
        self.counts = {"answers_503": 0, "acknowledged": 0, "resent_new": 0, "resent_replayed": 0,
                       "slowest_answer_s": 0.0}

    def log(self, msg):
        print("%s: %s" % (self.tag, msg), flush=True)

    def fail(self, msg):
        self.failures.append(msg)
        self.log("FAIL: " + msg)

    # ---------------------------------------------------------------- cluster and server

    def cluster(self, *a):
        try:
            return cluster.run(self.name, *a)
        except cluster.ClusterError as e:
            raise Failure(str(e))

    def start_cluster(self, offset):
        """The cluster on AIDREG_PG_PORT + offset (or the next free), the server's environment.
        Returns that PostgreSQL port."""
        try:
            self.env = cluster.start(self.name, self.build, offset)
        except cluster.ClusterError as e:
            raise Failure(str(e))
        pg = int(os.environ.get("AIDREG_PG_PORT") or 55433) + offset
        self.direct_url = self.env["AIDREG_DATABASE_URL"]
        self.url = self.env["AIDREG_URL"]
        self.server_log = os.path.join(self.state, "server.log")
        return pg

    def run_server(self, *argv):
        return subprocess.run([os.path.join(self.build, "aidreg-server")] + list(argv), env=self.env,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)

    def start_server(self, ledger_name):
        with open(self.server_log, "w") as f:
            self.proc = subprocess.Popen([os.path.join(self.build, "aidreg-server")], env=self.env,
                                         stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT)
        end = time.time() + 60
        while time.time() < end:
            if self.proc.poll() is not None:
                raise Failure("the server exited during start; see %s" % self.server_log)
            if self.health()[0] == 200:
                break
            time.sleep(0.2)
        else:
            raise Failure("the server did not answer /healthz within 60 s")
        os.environ["AIDREG_LOG_HOST"] = self.env["AIDREG_LOG_HOST"]
        self.client = ac.Client(base_url=self.url, token=self.env["AIDREG_ADMIN_TOKEN"], timeout=60)
        self.lg = ac.new_ledger(self.client, prefix="53", name=ledger_name)
        self.lg.enroll("root", "county", "county", self.lg.code)
        self.log("ledger %s on %s" % (self.lg.code, self.url))

    def stop_server(self):
        if not cluster.terminate(self.proc, 60):
            self.fail("the server ignored SIGTERM for 60 s")
        elif self.proc and self.proc.returncode not in (0, None):
            self.fail("the server exited with status %s on SIGTERM" % self.proc.returncode)

    def sanitizer_check(self):
        for msg in cluster.sanitizer_reports(self.server_log):
            self.fail(msg)

    # ---------------------------------------------------------------- requests

    def health(self):
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=60) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()
        except Exception as e:
            return 0, {}, repr(e).encode()

    def timed(self, what, fn):
        t0 = time.monotonic()
        try:
            r = fn()
        except Exception as e:  # no answer within the client's 60 s: a hang
            self.fail("%s: no answer (%r) after %.1f s" % (what, e, time.monotonic() - t0))
            return None
        dt = time.monotonic() - t0
        self.counts["slowest_answer_s"] = max(self.counts["slowest_answer_s"], round(dt, 2))
        if dt > self.bound:
            self.fail("%s: answered after %.1f s (more than %d s)" % (what, dt, self.bound))
        return r

    def is_problem_503(self, what, status, headers, body):
        if status != 503:
            self.fail("%s: answered %d, not 503: %s" % (what, status, body[:300]))
            return False
        ok = True
        if not (headers.get("Content-Type") or "").startswith("application/problem+json"):
            self.fail("%s: 503 without application/problem+json (%s)" % (what, headers.get("Content-Type")))
            ok = False
        try:
            p = json.loads(body)
            if p.get("status") != 503 or not p.get("type", "").startswith("urn:aidreg:problem:") or not p.get(
                    "title") or not p.get("detail"):
                raise ValueError(p)
        except ValueError as e:
            self.fail("%s: 503 whose body is not a problem document: %s" % (what, e))
            ok = False
        ra = headers.get("Retry-After") or ""
        if not ra.isdigit() or int(ra) < 1:
            self.fail("%s: 503 without a Retry-After of whole seconds (%r)" % (what, ra))
            ok = False
        return ok

    def tree_size(self):
        r = self.client.get("/log/%s/checkpoint" % self.lg.code)
        if r.status != 200:
            raise Failure("GET the checkpoint answered %d with the database healthy" % r.status)
        return int(r.body.split(b"\n")[1])

    def read_paths(self, size):
        """Reads of every kind for a log of this size: checkpoint, tile, entries, the state."""
        code = self.lg.code
        tile = "/log/%s/tile/0/%03d" % (code, size // 256 - 1) if size >= 256 else "/log/%s/tile/0/000.p/%d" % (
            code, size)
        return ["/log/%s/checkpoint" % code, tile, "/v1/ledgers/%s/entries?limit=10" % code,
                "/v1/ledgers/%s/entries/%d" % (code, size - 1), "/v1/ledgers/%s/keys" % code,
                "/v1/ledgers/%s/summary" % code]

    def submit_fresh(self, note):
        _k, env = self.lg.filler("county", note=note)
        return env, self.timed("submission (%s)" % note, lambda: self.client.post(
            "/v1/ledgers/%s/entries" % self.lg.code, env))

    def ack(self, env, receipt, what, status=201):
        try:
            cp = ac.check_receipt(receipt, env, self.lg.vkey)
            if receipt["ledger"] != self.lg.code or not receipt["index"] < cp.size:
                raise AssertionError("receipt for another ledger or an index beyond its checkpoint")
        except Exception as e:
            self.fail("%s: a %d answer without a receipt that verifies: %s" % (what, status, e))
            return
        self.acked.append((receipt["index"], receipt["leaf_hash"], ac.payload_sha256(env)))
        self.counts["acknowledged"] += 1

    def healthy_writes(self, n, tag):
        for i in range(n):
            env, r = self.submit_fresh("%s %d" % (tag, i))
            if r is None:
                continue
            if r.status != 201:
                self.fail("a submission with the database healthy (%s) answered %d: %s" % (tag, r.status, r.body[:300]))
                continue
            self.ack(env, r.json, tag)

    def recover(self, what, seconds):
        """Some fresh submission succeeds within seconds, the server not restarted."""
        t0 = time.monotonic()
        while True:
            env, r = self.submit_fresh("%s: recovered" % what)
            if r is not None and r.status == 201:
                self.ack(env, r.json, "%s: recovered" % what)
                break
            if r is not None and r.status != 503:
                self.fail("%s: a submission answered %d: %s" % (what, r.status, r.body[:300]))
            if r is not None:
                self.unacked.append(env)
            if time.monotonic() - t0 > seconds:
                self.fail("%s: no submission succeeded within %d s" % (what, seconds))
                return None
            time.sleep(0.2)
        dt = round(time.monotonic() - t0, 2)
        if self.health()[0] != 200:
            self.fail("%s: /healthz does not answer 200" % what)
        self.log("  recovered %.2f s later, without a restart" % dt)
        return dt

    def resend(self):
        """Every entry answered 503 again: new now, or there in full already; never refused."""
        pending, self.unacked = self.unacked, []
        for env in pending:
            r = self.timed("resending", lambda: self.client.post("/v1/ledgers/%s/entries" % self.lg.code, env))
            if r is None:
                continue
            if r.status == 201:
                self.counts["resent_new"] += 1
            elif r.status == 200:
                self.counts["resent_replayed"] += 1
            else:
                self.fail("an entry answered 503 before, sent again, answered %d: %s" % (r.status, r.body[:300]))
                continue
            self.ack(env, r.json, "resent", r.status)

    # ---------------------------------------------------------------- the final check

    def check(self):
        tc = c2sp.TlogClient(self.url, self.lg.code)
        cp, leaves = tc.verify(self.lg.vkey)
        hashes = [c2sp.leaf_hash(x) for x in leaves]
        payloads = [hashlib.sha256(base64.b64decode(json.loads(x)["envelope"]["payload"])).hexdigest() for x in leaves]
        if len(set(payloads)) != len(payloads):
            self.fail("a payload is in the log twice")
        lost = 0
        for index, lh, ph in self.acked:
            if index >= cp.size or ac.b64e(hashes[index]) != lh or payloads[index] != ph:
                lost += 1
                self.fail("acknowledged entry %d is not in the log as its receipt says" % index)
        self.counts["lost"] = lost
        self.counts["final_size"] = cp.size
        cli = os.path.join(self.build, "aidreg")
        for what, argv in (("tiles", ["--server", self.url]), ("db", ["--db", self.direct_url])):
            r = subprocess.run([cli, "verify", "--ledger", self.lg.code, "--vkey", self.lg.vkey] + argv,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
            if r.returncode != 0:
                self.fail("aidreg verify (%s) failed: %s" % (what, r.stdout.strip()[-1000:]))

    def main(self):
        """run(), then stop() whatever happened; prints the counts; the exit status (77: skipped)."""
        why = cluster.cannot_run()
        if why:
            print("skipped: " + why)
            return SKIP
        t0 = time.time()
        skipped = None
        try:
            self.run()
        except SkipTest as e:
            skipped = str(e)
        except Failure as e:
            self.fail(str(e))
        except Exception as e:  # the harness itself: still stop what it started
            self.fail("harness error: %r" % e)
        finally:
            self.stop()
        if skipped:
            print("skipped: %s" % skipped)
            return SKIP
        return self.finish(t0)

    def finish(self, t0):
        """Prints the counts and failures; the exit status."""
        self.sanitizer_check()
        self.counts["seconds"] = round(time.time() - t0, 1)
        self.counts["failures"] = len(self.failures)
        for f in self.failures:
            self.log("failure: " + f)
        print(json.dumps(self.counts, sort_keys=True))
        return 1 if self.failures else 0
