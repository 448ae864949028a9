#!/usr/bin/env python3
"""Crash safety under load: concurrent clients submit signed entries while the harness kills
the server (SIGKILL) and crashes PostgreSQL (pg_ctl stop -m immediate) at random moments,
restarting what it killed. After each restart and at the end it checks:

  - every entry whose receipt a client received is in the log at its index, with its leaf
    hash and its payload's hash (read back from the entry bundles, tlog-tiles);
  - every 2xx answer carried a receipt whose inclusion proof verifies against its signed
    checkpoint (checked by the client the moment it arrives);
  - nothing unacknowledged is half-present: a submission whose answer was lost is either
    absent or in the log exactly once, and `aidreg verify --db` (tree nodes, leaf columns,
    projections, rows beyond the checkpoint) and `aidreg verify` over the tiles pass;
  - every checkpoint a client saw is a prefix of the current tree (its root is recomputed
    from the current leaves), so the log was never rewritten under a client.

The server must recover from a database crash by itself: after PostgreSQL is back, some
client must get a 2xx within --recover seconds, without the server being restarted. If it
does not, that is reported as a finding (and the server is restarted so the run goes on).

Its own cluster (var/<--name>, tools/pg.sh through tests/torture/cluster.sh) and server on
free ports. Exits 0 when every check passed, 1 otherwise, 77 when it cannot run here (not
root, no PostgreSQL). Prints the counts, and the same as JSON on the last line.

usage: tests/torture/torture.py --build DIR [--kills N] [--clients N] [--name NAME]
                                [--interval A,B] [--pause S] [--seed N]
"""

import argparse
import base64
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
sys.path.insert(0, os.path.join(ROOT, "tests", "interop"))

import aidreg_client as ac  # noqa: E402
import c2sp  # noqa: E402
import cluster  # noqa: E402

SKIP = 77


def log(msg):
    print("torture: %s" % msg, flush=True)


class Failure(Exception):
    pass


class Harness:
    def __init__(self, args):
        self.args = args
        self.build = os.path.abspath(args.build)
        self.name = args.name
        self.state = os.path.join(ROOT, "var", self.name)
        self.env = None
        self.proc = None
        self.server_log = None
        self.lock = threading.RLock()  # finding() is called with it held
        self.stop = threading.Event()
        self.acked = []        # (index, leaf_hash b64, payload sha256 hex)
        self.unacked = {}      # payload sha256 hex -> what happened
        self.checkpoints = {}  # size -> root (bytes), every checkpoint a client saw
        self.failures = []
        self.findings = []
        self.last_ack = 0.0
        self.counts = {"server_kills": 0, "db_crashes": 0, "server_restarts_after_db_crash": 0,
                       "server_exits_after_db_crash": 0, "acknowledged": 0,
                       "answers_503": 0, "answers_503_without_retry_after": 0, "answers_5xx_other": 0,
                       "connection_errors": 0, "refused_4xx": 0, "checks": 0, "read_errors_after_fault": 0,
                       "recover_seconds_max": 0.0}

    # ---------------------------------------------------------------- cluster and server

    def cluster(self, *a):
        try:
            return cluster.run(self.name, *a)
        except cluster.ClusterError as e:
            raise Failure(str(e))

    def start_cluster(self):
        try:
            self.env = cluster.start(self.name, self.build, 20)
        except cluster.ClusterError as e:
            raise Failure(str(e))
        self.url = self.env["AIDREG_URL"]
        self.server_log = os.path.join(self.state, "server.log")
        open(self.server_log, "w").close()

    def healthy(self, timeout=2):
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=timeout) as r:
                return r.status == 200
        except Exception:
            return False

    def start_server(self):
        with open(self.server_log, "a") as f:
            f.write("---- torture: server start at %.3f\n" % time.time())
            self.proc = subprocess.Popen([os.path.join(self.build, "aidreg-server")], env=self.env,
                                         stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise Failure("the server exited during start (status %s); see %s" % (self.proc.returncode,
                                                                                     self.server_log))
            if self.healthy():
                return
            time.sleep(0.1)
        raise Failure("the server did not answer /healthz within 60 s")

    def kill_server(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop_server(self):
        if not cluster.terminate(self.proc, 30):
            self.fail("the server ignored SIGTERM for 30 s")
        return self.proc.returncode if self.proc else None

    # ---------------------------------------------------------------- the clients

    def fail(self, msg):
        with self.lock:
            self.failures.append(msg)
        log("FAIL: " + msg)

    def finding(self, msg):
        """Something the issue asks for that does not hold but loses nothing (reported, not failed)."""
        with self.lock:
            if msg not in self.findings:
                self.findings.append(msg)
                log("finding: " + msg)

    def setup_ledger(self):
        os.environ["AIDREG_LOG_HOST"] = self.env["AIDREG_LOG_HOST"]  # the origin ac.Ledger signs for
        client = ac.Client(base_url=self.url, token=self.env["AIDREG_ADMIN_TOKEN"], timeout=30)
        self.lg = ac.new_ledger(client, prefix="53", name="压力测试县")
        self.lg.enroll("root", "county", "county", self.lg.code)
        self.code, self.vkey = self.lg.code, self.lg.vkey
        log("ledger %s (%s)" % (self.code, self.vkey))

    def worker(self, wid):
        client = ac.Client(base_url=self.url, timeout=10)
        n = 0
        while not self.stop.is_set():
            n += 1
            _k, env = self.lg.filler("county", note="torture %d-%d" % (wid, n))
            ph = ac.payload_sha256(env)
            try:
                r = client.post("/v1/ledgers/%s/entries" % self.code, env)
            except Exception as e:  # refused, reset, timed out: no answer
                with self.lock:
                    self.counts["connection_errors"] += 1
                    self.unacked[ph] = "no answer (%s)" % type(e).__name__
                time.sleep(0.05)
                continue
            if r.status in (200, 201):
                try:
                    cp = ac.check_receipt(r.json, env, self.vkey)
                    if r.json["ledger"] != self.code or not r.json["index"] < cp.size:
                        raise AssertionError("receipt for another ledger or index beyond its checkpoint")
                except Exception as e:
                    self.fail("a %d answer without a receipt that verifies: %s: %r" % (r.status, e, r))
                    continue
                with self.lock:
                    self.acked.append((r.json["index"], r.json["leaf_hash"], ph))
                    self.checkpoints[cp.size] = cp.root
                    self.counts["acknowledged"] += 1
                    self.last_ack = time.time()
                    self.unacked.pop(ph, None)
                if self.args.pause:
                    time.sleep(self.args.pause)
            elif r.status == 503:
                with self.lock:
                    self.counts["answers_503"] += 1
                    if not r.headers.get("Retry-After"):
                        self.counts["answers_503_without_retry_after"] += 1
                        self.finding("a 503 without Retry-After: %s" % r.body[:160].decode("utf-8", "replace"))
                    self.unacked[ph] = "503"
                time.sleep(0.1)
            elif r.status >= 500:
                with self.lock:
                    self.counts["answers_5xx_other"] += 1
                    self.unacked[ph] = str(r.status)
                self.finding("a submission answered %d (not 503): %s" % (r.status, r.body[:160].decode("utf-8", "replace")))
                time.sleep(0.1)
            else:
                with self.lock:
                    self.counts["refused_4xx"] += 1
                self.fail("a fresh key.enroll refused: %r" % r)
                time.sleep(0.1)

    # ---------------------------------------------------------------- the checks

    def check(self, final):
        """Everything above, against the log as the server now serves it."""
        with self.lock:
            acked = list(self.acked)
            unacked = dict(self.unacked)
            checkpoints = dict(self.checkpoints)
        self.counts["checks"] += 1
        tc = c2sp.TlogClient(self.url, self.code)
        for attempt in range(20):
            try:
                cp, leaves = tc.verify(self.vkey)
                break
            except c2sp.HTTPError as e:
                # A read that fails on a connection the crash broke: answered, but with what?
                self.counts["read_errors_after_fault"] += 1
                self.finding("a read after a fault answered an error instead of the log: %s" % e)
                time.sleep(0.5)
            except Exception as e:
                self.fail("the log's tiles do not verify: %s" % e)
                return
        else:
            self.fail("the log could not be read for 10 s after a fault")
            return
        hashes = [c2sp.leaf_hash(x) for x in leaves]
        payloads = [hashlib.sha256(base64.b64decode(json.loads(x)["envelope"]["payload"])).hexdigest()
                    for x in leaves]
        at = {}
        for i, p in enumerate(payloads):
            if p in at:
                self.fail("payload %s is in the log twice (%d and %d)" % (p, at[p], i))
            at[p] = i
        lost = 0
        for index, lh, ph in acked:
            if index >= cp.size:
                if final:
                    self.fail("acknowledged entry %d is beyond the final checkpoint (size %d)" % (index, cp.size))
                    lost += 1
                continue
            if ac.b64e(hashes[index]) != lh or payloads[index] != ph:
                self.fail("acknowledged entry %d is not in the log as its receipt says" % index)
                lost += 1
        self.lost = lost
        present = sum(1 for p in unacked if p in at)
        self.unacked_present, self.unacked_absent = present, len(unacked) - present
        # Every checkpoint seen is a prefix of this tree: the roots of all prefixes, with a
        # frontier of perfect subtrees (O(log n) per size).
        want = sorted(s for s in checkpoints if s <= cp.size)
        if final and len(want) != len(checkpoints):
            self.fail("checkpoints larger than the final one (%d) were seen" % cp.size)
        frontier, wi = [], 0
        for i, h in enumerate(hashes):
            size = i + 1
            frontier.append((1, h))
            while len(frontier) >= 2 and frontier[-1][0] == frontier[-2][0]:
                (n, r), (_, l) = frontier.pop(), frontier.pop()
                frontier.append((2 * n, c2sp.node_hash(l, r)))
            while wi < len(want) and want[wi] == size:
                root = frontier[-1][1]
                for _, l in reversed(frontier[:-1]):
                    root = c2sp.node_hash(l, root)
                if root != checkpoints[size]:
                    self.fail("the checkpoint of size %d a client saw is not a prefix of the tree of size %d"
                              % (size, cp.size))
                wi += 1
        for what, argv in (("tiles", ["--server", self.url]), ("db", ["--db", self.env["AIDREG_DATABASE_URL"]])):
            r = subprocess.run([os.path.join(self.build, "aidreg"), "verify", "--ledger", self.code,
                                "--vkey", self.vkey] + argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, timeout=300)
            if r.returncode != 0:
                self.fail("aidreg verify (%s) failed: %s" % (what, r.stdout.strip()[-1000:]))
        self.final_size = cp.size
        log("check %d: size %d, %d acknowledged (%d lost), %d unacknowledged (%d present, %d absent), "
            "%d checkpoints seen" % (self.counts["checks"], cp.size, len(acked), lost, len(unacked), present,
                                     len(unacked) - present, len(checkpoints)))

    # ---------------------------------------------------------------- the faults

    def wait_recovered(self, since, what):
        """Some client got a 2xx after `since`, with no restart of the server."""
        deadline = since + self.args.recover
        while time.time() < deadline:
            if self.last_ack > since:
                self.counts["recover_seconds_max"] = max(self.counts["recover_seconds_max"],
                                                         round(self.last_ack - since, 2))
                return True
            if self.proc.poll() is not None:
                self.counts["server_exits_after_db_crash"] += 1
                self.fail("FINDING: the server exited (status %s) after %s instead of waiting for the database"
                          % (self.proc.returncode, what))
                return False
            time.sleep(0.05)
        self.fail("FINDING: no submission succeeded within %d s after %s (the server did not recover by itself)"
                  % (self.args.recover, what))
        return False

    def run(self):
        a = self.args
        rng = random.Random(a.seed)
        self.start_cluster()
        self.start_server()
        self.setup_ledger()
        threads = [threading.Thread(target=self.worker, args=(i,), daemon=True) for i in range(a.clients)]
        for t in threads:
            t.start()
        faults = ["server"] * a.kills + ["db"] * a.kills
        rng.shuffle(faults)
        lo, hi = a.interval
        for i, kind in enumerate(faults):
            time.sleep(rng.uniform(lo, hi))
            if kind == "server":
                self.kill_server()
                self.counts["server_kills"] += 1
                down = rng.uniform(0, 0.5)
                time.sleep(down)
                self.start_server()
                what = "SIGKILL of the server"
                since = time.time()
            else:
                self.cluster("crash")
                self.counts["db_crashes"] += 1
                time.sleep(rng.uniform(0, 1.0))
                self.cluster("restart")
                what = "an immediate stop of PostgreSQL"
                since = time.time()
            if not self.wait_recovered(since, what):
                if self.proc.poll() is None:
                    self.kill_server()
                self.counts["server_restarts_after_db_crash"] += 1
                self.start_server()
            log("fault %d/%d: %s; recovered" % (i + 1, len(faults), what))
            if a.check_every or i + 1 == len(faults):
                self.check(final=False)
        self.stop.set()
        for t in threads:
            t.join(30)
        self.check(final=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True, help="build folder with aidreg-server and aidreg")
    ap.add_argument("--kills", type=int, default=20, help="SIGKILLs of the server, and as many database crashes")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--name", default=None, help="cluster name (state in var/NAME; default torture-<build>)")
    ap.add_argument("--interval", default="0.5,2.5", help="seconds between faults, drawn from [A, B]")
    ap.add_argument("--pause", type=float, default=0.0,
                    help="seconds each client waits after an acknowledged entry (keeps the log, and the "
                         "checks that read it all back, small in a long run)")
    ap.add_argument("--recover", type=int, default=30, help="seconds a recovery may take")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--no-check-every", dest="check_every", action="store_false",
                    help="check only at the end (default: after every restart too)")
    args = ap.parse_args()
    args.interval = tuple(float(x) for x in args.interval.split(","))
    args.name = args.name or "torture-" + os.path.basename(os.path.abspath(args.build))
    if args.seed is None:
        args.seed = random.randrange(1 << 30)
    why = cluster.cannot_run()
    if why:
        print("skipped: " + why)
        return SKIP
    h = Harness(args)
    t0 = time.time()
    log("seed %d, %d kills of each kind, %d clients, cluster %s" % (args.seed, args.kills, args.clients, args.name))
    try:
        h.run()
    except Failure as e:
        h.fail(str(e))
    except Exception as e:  # the harness itself: still stop what it started
        h.fail("harness error: %r" % e)
    except KeyboardInterrupt:
        h.fail("interrupted (the counts below are those so far)")
    finally:
        h.stop.set()
        rc = h.stop_server()
        if rc not in (0, None):
            h.fail("the server exited with status %s on SIGTERM" % rc)
        try:
            h.cluster("stop")
        except Failure as e:
            log(str(e))
    for msg in cluster.sanitizer_reports(h.server_log):
        h.fail(msg)
    c = h.counts
    c["lost"] = getattr(h, "lost", None)
    c["unacknowledged_present"] = getattr(h, "unacked_present", None)
    c["unacknowledged_absent"] = getattr(h, "unacked_absent", None)
    c["final_size"] = getattr(h, "final_size", None)
    c["seconds"] = round(time.time() - t0, 1)
    c["failures"] = len(h.failures)
    log("server SIGKILLs %d, PostgreSQL crashes %d; entries acknowledged %d, lost %s; unacknowledged %d "
        "(%s in the log, %s absent); 503 answers %d (%d without Retry-After); connection errors %d; "
        "checks %d; slowest recovery after a fault %.2f s; %.0f s"
        % (c["server_kills"], c["db_crashes"], c["acknowledged"], c["lost"], len(h.unacked),
           c["unacknowledged_present"], c["unacknowledged_absent"], c["answers_503"],
           c["answers_503_without_retry_after"], c["connection_errors"], c["checks"], c["recover_seconds_max"],
           c["seconds"]))
    c["unacknowledged"] = len(h.unacked)
    for f in h.findings:
        log("finding (reported, not failed): " + f)
    for f in h.failures:
        log("failure: " + f)
    c["findings"] = len(h.findings)
    print(json.dumps(c, sort_keys=True))
    return 1 if h.failures or c["lost"] != 0 else 0


if __name__ == "__main__":
    sys.exit(main())
