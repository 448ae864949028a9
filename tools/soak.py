#!/usr/bin/env python3
"""The soak: a long run at a steady rate with a realistic mix of entries, watching whether
memory (the server's and PostgreSQL's) and latency stay flat (issue 10, part 4).

It starts its own PostgreSQL cluster (var/<--name>, tests/torture/cluster.sh) and server,
then:

  1. measures the closed-loop maximum: --clients threads submit as fast as answers come
     for --burst seconds (default 20);
  2. runs for --minutes at --rate entries a second (default: half that maximum), open loop
     (each request has a scheduled send time; latency counts from it, so a stall is charged
     to every request it delays), sampling every --every seconds (10): the server's RSS,
     PostgreSQL's total memory (the RSS and the PSS summed over every process of the
     cluster: RSS counts the shared buffers once per process that touched them, PSS
     divides them), latency p50 and p99, entries a second and errors;
  3. writes the samples as CSV, a PNG plot (gnuplot) and a Markdown summary with the
     verdict: memory and latency are flat when the straight line fitted through the last
     3/4 of the samples (after warm-up) rises by less than the threshold over that window
     (memory: 10 % of its mean or 16 MiB, whichever is more; p50 latency: 50 % of its mean
     or 5 ms).

The load is the demo county's two years (tools/demo/seed.py: projects, assets, rights,
handovers, operators, maintainers, maintenance, status changes, income, allocation plans
through 四议, publicity, payouts, disposals, inventory counts, findings), generated again
for a fresh county code each time one is used up (the code replaced in every string that
names a place, asset, project, plan, household or organisation, never in an entry's ref:
recode), each county's entries in their order: every client thread has a county of its
own, one entry per request over a keep-alive connection. Every 2xx must carry a receipt
(checked for the payload's hash) at the county's next log index, and every refusal by the
rules fails the run (tests/soak/test_generator.py checks that a county's history is the
seed's), but for those PROVOKED on purpose, each checked for its problem and that it
left nothing in the log;
at the end `aidreg verify --db` runs on every ledger. Exits 0 when no check failed (the
verdict is reported, not failed: speed and memory on a shared machine are figures, not
tests), 1 when one did, 77 when it cannot run here (not root, no PostgreSQL).

usage: tools/soak.py --build DIR [--minutes N] [--rate R] [--clients N] [--burst S]
                     [--every S] [--out DIR] [--name NAME]
"""

import argparse
import hashlib
import http.client
import importlib.util
import json
import os
import queue
import random
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
sys.path.insert(0, os.path.join(ROOT, "tests", "torture"))

import aidreg_client as ac  # noqa: E402
import cluster  # noqa: E402

SKIP = 77
SEED_CODE = "522731"
T0 = "2024-01-02T01:00:00Z"


def log(msg):
    print("soak: %s" % msg, flush=True)


def load_seed():
    spec = importlib.util.spec_from_file_location("aidreg_seed", os.path.join(ROOT, "tools", "demo", "seed.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


SEED = load_seed()


# Strings whose digits may spell the seed's code by chance: an entry's ref (the SHA-256 of
# its payload, in hex) and a key id (base64). Re-coding one of them made a plan name an income
# that does not exist (issue 10's soak finding: a ref ...a7522731... became ...a7654063...).
NOT_A_CODE = re.compile(r"[0-9a-f]{64}|[A-Za-z0-9+/]{43}=")


def recode(x, code):
    """x (a subject or body) with the seed county's code replaced by code in every string
    that names a place, asset, project, plan, household or organisation; refs and key ids
    keep their value, and numbers are left alone (amounts are not codes)."""
    if isinstance(x, dict):
        return {recode(k, code): recode(v, code) for k, v in x.items()}
    if isinstance(x, list):
        return [recode(v, code) for v in x]
    if isinstance(x, str) and not NOT_A_CODE.fullmatch(x):
        return x.replace(SEED_CODE, code)
    return x


class CodeBook(SEED.Book):
    """The seed's book for another county: its code (in subjects, place codes, asset codes,
    ID numbers) replaced before the payload, and so its hash, is made."""

    def __init__(self, origin, keys, code):
        super().__init__(origin, keys)
        self.code = code

    def add(self, when, signer, type_, subject, body):
        return super().add(when, signer, type_, recode(subject, self.code), recode(body, self.code))


def seed_keys():
    """The demo's keys for one county: the seed's derived ones, and fresh ones for those
    tools/demo.sh makes."""
    keys = SEED.Keys("/nonexistent", 2024)
    for name in SEED.DEMO_SH_KEYS:
        keys.keys[name] = ac.Key()
    return keys


def recoded_history(code, origin, keys):
    """[(event, envelope)] of the seed's history (its seed 2024, the one the test run checks
    is accepted in full) for county code under origin, in the order of their times."""
    with open(SEED.TABLES, encoding="utf-8") as f:
        tables = json.loads(f.read().replace(SEED_CODE, code))
    book = CodeBook(origin, keys, code)
    county = SEED.County(tables, 2024, book)
    county.build_assets()
    SEED.history(county, keys)
    return book.envelopes()


# The refusals the soak provokes on purpose, one of each per county, each checked for its
# problem and for leaving the log as it was: {problem code: what the entry does}.
PROVOKED = {"income-unknown": "the county's first plan, one source naming no income report, just before the real one"}
NO_SUCH_INCOME = hashlib.sha256(b"soak: no such income report").hexdigest()


def provoked_plan(items, keys):
    """The first allocation.plan of items with its first source's income replaced by a ref
    that names nothing, signed by the plan's own key: (type, envelope, "income-unknown")."""
    by_id = {k.id: k for k in keys.keys.values()}
    for kind, env in items:
        if kind == "allocation.plan":
            ev = json.loads(ac.b64d(env["payload"]))
            ev["body"]["sources"][0]["income"] = NO_SUCH_INCOME
            return kind, ac.envelope(ev, *[by_id[s["keyid"]] for s in env["signatures"]]), "income-unknown"
    raise ValueError("the seed's history has no allocation.plan")


def county_entries(code, host, n):
    """[(type, envelope, provoked refusal or None)] for a fresh county `code`: ledger.create,
    the enrolments tools/demo.sh makes, then the seed's history (recoded_history), and the
    refusals of PROVOKED among it; n is kept for the caller's count."""
    origin = "%s/%s" % (host, code)
    keys = seed_keys()
    k = keys.keys
    out = [("ledger.create", ac.envelope(ac.event(origin, "ledger.create", code, {
        "code": code, "name": "浸泡测试县%s" % code, "root_key": k["root"].id, "settings": {}}, time=T0), k["root"]))]
    for i, (signer, name, role, scope, holder) in enumerate([
            ("root", "county", "county", code, ["王建国", "乡村振兴局"]),
            ("county", "township", "township", code + "104", ["李明", "好花红镇人民政府"]),
            ("township", "village1", "village", code + "104201", ["张秀英", "好花红村村民委员会"]),
            ("township", "village2", "village", code + "104202", ["陈志强", "新民村村民委员会"]),
            ("county", "operator", "operator", code + "104201", ["刘洋", "阳光农业专业合作社"]),
            ("county", "auditor", "auditor", code, ["赵敏", "审计局"])]):
        body = {"key": k[name].id, "role": role, "scope": scope, "holder": {"name": holder[0], "org": holder[1]}}
        ev = ac.event(origin, "key.enroll", k[name].id, body, time="2024-01-02T01:%02d:00Z" % (5 + i))
        out.append(("key.enroll", ac.envelope(ev, k[signer])))
    history = [(ev["type"], env) for ev, env in recoded_history(code, origin, keys)]
    plan = next(i for i, (kind, _env) in enumerate(history) if kind == "allocation.plan")
    history.insert(plan, provoked_plan(history, keys))
    return [(kind, env, None) for kind, env in out] + [x if len(x) == 3 else x + (None,) for x in history]


class Poster:
    """One keep-alive HTTP connection."""

    def __init__(self, url, timeout=30):
        u = urllib.parse.urlsplit(url)
        self.host, self.port, self.timeout = u.hostname, u.port, timeout
        self.conn = None

    def post(self, path, body, headers=None):
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                h = {"Content-Type": "application/json"}
                h.update(headers or {})
                self.conn.request("POST", path, body, h)
                r = self.conn.getresponse()
                data = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self.close()
                return r.status, data
            except (http.client.HTTPException, OSError):
                self.close()
                if attempt:
                    raise

    def close(self):
        if self.conn:
            self.conn.close()
        self.conn = None


class Soak:
    def __init__(self, args):
        self.args = args
        self.build = os.path.abspath(args.build)
        self.state = os.path.join(ROOT, "var", args.name)
        self.proc = None
        self.server_log = None
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.failures = []
        self.lat = []          # seconds, this interval's acknowledged submissions
        self.acked = 0         # this interval
        self.errors = 0        # this interval: 5xx, 429, no answer
        self.refused = 0       # this interval: 4xx other than 429 (a rule refused the seed's entry)
        self.provoked = {}     # problem code -> refusals provoked on purpose and answered so
        self.kinds = {}
        self.total = {"acknowledged": 0, "errors": 0, "refused": 0}
        self.ledgers = []      # (code, vkey)
        self.counties = queue.Queue(maxsize=max(2, args.clients))
        self.codes = set()
        self.rate = None

    # ---------------------------------------------------------------- cluster and server

    def start(self):
        self.env = cluster.start(self.args.name, self.build, 30)
        # One address sends everything: the per-address limit is not what is soaked.
        self.env["AIDREG_ADDRESS_RATE"] = "1000000"
        self.env["AIDREG_PER_IP_LIMIT"] = "0"
        self.url = self.env["AIDREG_URL"]
        self.host = self.env["AIDREG_LOG_HOST"]
        self.server_log = os.path.join(self.state, "server.log")
        self.logf = open(self.server_log, "w")
        self.proc = subprocess.Popen([os.path.join(self.build, "aidreg-server")], env=self.env,
                                     stdin=subprocess.DEVNULL, stdout=self.logf, stderr=subprocess.STDOUT)
        end = time.time() + 60
        while time.time() < end:
            if self.proc.poll() is not None:
                raise RuntimeError("the server exited during start; see %s" % self.server_log)
            try:
                if ac.Client(self.url, timeout=2).get("/healthz").status == 200:
                    break
            except Exception:
                pass
            time.sleep(0.2)
        else:
            raise RuntimeError("the server did not answer /healthz within 60 s")
        with open(os.path.join(self.env["AIDREG_PG_DIR"], "data", "postmaster.pid")) as f:
            self.postmaster = int(f.readline())

    def stop_all(self):
        if not cluster.terminate(self.proc, 60):
            self.fail("the server ignored SIGTERM for 60 s")
        try:
            cluster.run(self.args.name, "stop")
        except cluster.ClusterError as e:
            log(str(e))

    # ---------------------------------------------------------------- memory

    @staticmethod
    def status_kib(pid, field):
        try:
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith(field + ":"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    @staticmethod
    def pss_kib(pid):
        try:
            with open("/proc/%d/smaps_rollup" % pid) as f:
                for line in f:
                    if line.startswith("Pss:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def pg_pids(self):
        pids = [self.postmaster]
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % d) as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if ppid == self.postmaster:
                pids.append(int(d))
        return pids

    def memory(self):
        pids = self.pg_pids()
        return (self.status_kib(self.proc.pid, "VmRSS"), sum(self.status_kib(p, "VmRSS") for p in pids),
                sum(self.pss_kib(p) for p in pids), len(pids))

    # ---------------------------------------------------------------- the load

    def fresh_code(self):
        rng = random.Random()
        while True:
            code = "%02d%04d" % (rng.choice([11, 13, 14, 15, 21, 22, 23, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44,
                                             45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65]), rng.randint(0, 9999))
            if code not in self.codes and code[2:4] != "00":
                self.codes.add(code)
                return code

    def generator(self):
        n = 0
        while not self.stop.is_set():
            code = self.fresh_code()
            items = county_entries(code, self.host, n)
            n += 1
            while not self.stop.is_set():
                try:
                    self.counties.put((code, items), timeout=0.5)
                    break
                except queue.Full:
                    pass

    def next_county(self, poster):
        while not self.stop.is_set():
            try:
                code, items = self.counties.get(timeout=0.5)
            except queue.Empty:
                continue
            _t, env, _r = items[0]
            st, data = poster.post("/v1/ledgers", ac.compact(env),
                                   {"Authorization": "Bearer " + self.env["AIDREG_ADMIN_TOKEN"]})
            if st != 201:
                self.fail("creating ledger %s answered %d: %s" % (code, st, data[:300]))
                continue
            with self.lock:
                self.ledgers.append((code, json.loads(data)["vkey"]))
            return code, items[1:]
        return None, []

    def fail(self, msg):
        with self.lock:
            if len(self.failures) < 50:
                self.failures.append(msg)
        log("FAIL: " + msg)

    def worker(self, wid, nclients):
        poster = Poster(self.url)
        code, items, i = None, [], 0
        tries = 0  # sends of this entry (again after a 5xx, 429 or no answer)
        index = None  # the log index the county's next acknowledged entry must have
        t_next, last_rate = time.monotonic(), None
        while not self.stop.is_set():
            if i >= len(items):
                code, items = self.next_county(poster)
                i, index = 0, None
                if code is None:
                    break
            rate = self.rate
            if rate != last_rate:  # a new phase: its schedule starts now
                t_next, last_rate = time.monotonic(), rate
            if rate:  # open loop: each request at its time, latency from that time
                t_next += nclients / rate
                now = time.monotonic()
                if t_next > now:
                    time.sleep(t_next - now)
                elif now - t_next > 5:
                    t_next = now - 5  # far behind: do not send a burst to catch up a minute
                t_send = t_next
            else:
                t_send = time.monotonic()
            kind, env, provoke = items[i]
            tries += 1
            try:
                st, data = poster.post("/v1/ledgers/%s/entries" % code, ac.compact(env))
            except Exception as e:
                st, data = 0, repr(e).encode()
            dt = time.monotonic() - t_send
            if st in (200, 201):
                try:
                    rc = json.loads(data)
                    ok = rc.get("payload_sha256") == ac.payload_sha256(env) and rc.get("ledger") == code
                except ValueError:
                    ok, rc = False, {}
                if not ok:
                    self.fail("a %d answer without this entry's receipt: %s" % (st, data[:300]))
                if provoke:
                    self.fail("%s %s in %s accepted, not refused %s" % (kind, PROVOKED[provoke], code, provoke))
                # One client per county, each entry sent until answered: its log grows one by
                # one, so a refused entry left nothing and no acknowledged one was skipped.
                if index is not None and rc.get("index") != index:
                    self.fail("%s in %s acknowledged at index %r, the county's next is %d" % (
                        kind, code, rc.get("index"), index))
                if isinstance(rc.get("index"), int):
                    index = rc["index"] + 1
                i, tries = i + 1, 0
                with self.lock:
                    self.lat.append(dt)
                    self.acked += 1
                    self.kinds[kind] = self.kinds.get(kind, 0) + 1
            elif st == 429 or st >= 500 or st == 0:
                with self.lock:
                    self.errors += 1
                time.sleep(0.2)  # the same entry again
            elif provoke:
                try:
                    got = json.loads(data).get("type")
                except ValueError:
                    got = None
                if st != 422 or got != ac.PROBLEM_PREFIX + provoke:
                    self.fail("%s %s in %s answered %d %s, not 422 %s" % (
                        kind, PROVOKED[provoke], code, st, data[:300], provoke))
                with self.lock:
                    self.provoked[provoke] = self.provoked.get(provoke, 0) + 1
                i, tries = i + 1, 0
            else:
                # The seed's entries are all accepted by the rules (tests/soak/test_generator.py
                # checks that a county's history is the seed's under its code; tools/dev.sh test
                # that the seed is accepted): a refusal the soak did not provoke (PROVOKED)
                # fails the run. Skip the entry; later ones may then be refused too.
                with self.lock:
                    self.refused += 1
                self.fail("refused %s %s in %s (entry %d, try %d): %d %s" % (
                    kind, json.loads(ac.b64d(env["payload"])).get("subject"), code, i, tries, st,
                    data[:400].decode("utf-8", "replace")))
                i, tries = i + 1, 0
        poster.close()

    def take_interval(self):
        with self.lock:
            lat, acked, errors, refused = self.lat, self.acked, self.errors, self.refused
            self.lat, self.acked, self.errors, self.refused = [], 0, 0, 0
            self.total["acknowledged"] += acked
            self.total["errors"] += errors
            self.total["refused"] += refused
        lat.sort()

        def pct(q):
            return 1000 * lat[min(len(lat) - 1, int(q * len(lat)))] if lat else float("nan")
        return acked, errors, refused, pct(0.50), pct(0.99)

    def run_phase(self, seconds, rate, every, sample):
        self.rate = rate
        self.take_interval()
        t0 = time.monotonic()
        nxt = t0 + every
        while True:
            now = time.monotonic()
            if now >= t0 + seconds:
                break
            time.sleep(max(0, min(nxt, t0 + seconds) - now))
            if self.proc.poll() is not None:
                raise RuntimeError("the server exited (status %s); see %s" % (self.proc.returncode, self.server_log))
            now = time.monotonic()
            if now >= nxt or now >= t0 + seconds:
                span = now - (nxt - every)
                nxt += every
                acked, errors, refused, p50, p99 = self.take_interval()
                sample(now - t0, span, acked, errors, refused, p50, p99)

    def run(self):
        a = self.args
        self.start()
        log("server %s (pid %d), PostgreSQL pid %d; %d client threads" % (self.url, self.proc.pid,
                                                                          self.postmaster, a.clients))
        threading.Thread(target=self.generator, daemon=True).start()
        threads = [threading.Thread(target=self.worker, args=(i, a.clients), daemon=True) for i in range(a.clients)]
        self.rate = 0  # closed loop until the phase sets a rate
        for t in threads:
            t.start()
        burst = []
        self.run_phase(a.burst, 0, a.burst / 2, lambda t, span, n, *_: burst.append(n / span))
        # The first half warms up (connections, plans, the first counties): the second counts.
        self.max_rate = burst[-1]
        self.rate_chosen = a.rate or max(1.0, self.max_rate / 2)
        log("closed-loop maximum %.1f entries/s over %.0f s; soaking at %.1f entries/s%s" % (
            self.max_rate, a.burst / 2, self.rate_chosen, " (--rate)" if a.rate else " (half of it)"))
        self.samples = []
        csv_path = os.path.join(a.out, a.stem + ".csv")
        csv = open(csv_path, "w")
        csv.write("seconds,server_rss_kib,pg_rss_kib,pg_pss_kib,pg_processes,p50_ms,p99_ms,entries_per_s,"
                  "errors,refused\n")

        def sample(t, span, acked, errors, refused, p50, p99):
            srv, pg_rss, pg_pss, npg = self.memory()
            row = (round(t, 1), srv, pg_rss, pg_pss, npg, round(p50, 2), round(p99, 2), round(acked / span, 1),
                   errors, refused)
            self.samples.append(row)
            csv.write(",".join(str(x) for x in row) + "\n")
            csv.flush()
            log("%6.0f s  server %6.1f MiB  PostgreSQL rss %6.1f / pss %6.1f MiB (%d)  p50 %6.1f ms  p99 %6.1f ms  "
                "%6.1f entries/s  errors %d  refused %d" % (t, srv / 1024, pg_rss / 1024, pg_pss / 1024, npg, p50, p99,
                                                            acked / span, errors, refused))
        self.run_phase(a.minutes * 60, self.rate_chosen, a.every, sample)
        csv.close()
        self.stop.set()
        for t in threads:
            t.join(60)
        self.verify()

    def verify(self):
        cli = os.path.join(self.build, "aidreg")
        bad = 0
        for code, vkey in self.ledgers:
            r = subprocess.run([cli, "verify", "--ledger", code, "--vkey", vkey, "--db", self.env["AIDREG_DATABASE_URL"]],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
            if r.returncode != 0:
                bad += 1
                self.fail("aidreg verify --db %s failed: %s" % (code, r.stdout.strip()[-500:]))
        log("aidreg verify --db: %d ledgers, %d failed" % (len(self.ledgers), bad))


# ---------------------------------------------------------------- the report

def fit(xs, ys):
    """Least-squares slope and intercept."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return 0.0, my
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    return b, my - b * mx


def verdicts(samples):
    """[(name, mean, rise over the window, threshold, flat?)] over the last 3/4 of the samples."""
    tail = samples[len(samples) // 4:]
    if len(tail) < 3:
        return []
    out = []
    xs = [r[0] for r in tail]
    span = xs[-1] - xs[0]
    for name, col, unit, floor, frac in (("server RSS", 1, "MiB", 16, 0.10), ("PostgreSQL PSS", 3, "MiB", 16, 0.10),
                                         ("PostgreSQL RSS", 2, "MiB", 16, 0.10), ("latency p50", 5, "ms", 5, 0.50),
                                         ("latency p99", 6, "ms", 20, 1.00)):
        pts = [(x, r[col] / (1024 if unit == "MiB" else 1)) for x, r in zip(xs, tail) if r[col] == r[col]]
        if len(pts) < 3:
            continue
        slope, _ = fit([p[0] for p in pts], [p[1] for p in pts])
        mean = sum(p[1] for p in pts) / len(pts)
        rise = slope * span
        thr = max(floor, frac * mean)
        out.append((name, unit, mean, rise, thr, rise < thr))
    return out


def plot(csv_path, png_path, title):
    gp = shutil.which("gnuplot")
    if not gp:
        log("no gnuplot: no plot (install gnuplot-nox)")
        return False
    script = """
set terminal pngcairo size 1100,800 font ",10"
set output '%s'
set datafile separator ','
set key autotitle columnhead
set multiplot layout 3,1 title '%s'
set grid
set xrange [0:*]
set ylabel 'MiB'
set yrange [0:*]
set y2label 'MiB (PostgreSQL RSS)'
set y2range [0:*]
set y2tics
plot '%s' using ($1/60):($2/1024) with lines lw 2 title 'server RSS', \\
     '' using ($1/60):($4/1024) with lines lw 2 title 'PostgreSQL PSS (all processes)', \\
     '' using ($1/60):($3/1024) axes x1y2 with lines title 'PostgreSQL RSS (all processes, right axis)'
unset y2tics
unset y2label
set ylabel 'ms'
set logscale y
set yrange [*:*]
plot '' using ($1/60):6 with lines lw 2 title 'latency p50', '' using ($1/60):7 with lines title 'latency p99'
unset logscale y
set yrange [0:*]
set ylabel 'per second'
set xlabel 'minutes'
plot '' using ($1/60):8 with lines lw 2 title 'entries/s', '' using ($1/60):($9/10) with impulses title 'errors/s'
unset multiplot
""" % (png_path, title, csv_path)
    # pngcairo may be missing from gnuplot-nox builds: fall back to the gd png terminal.
    r = subprocess.run([gp], input=script, text=True, capture_output=True)
    if r.returncode != 0 or not os.path.exists(png_path):
        r = subprocess.run([gp], input=script.replace("pngcairo size 1100,800 font \",10\"", "png size 1100,800"),
                           text=True, capture_output=True)
    if r.returncode != 0:
        log("gnuplot failed: %s" % r.stderr.strip()[-500:])
        return False
    return True


def report(s, args, seconds):
    a = args
    v = verdicts(s.samples)
    csv_path = os.path.join(a.out, a.stem + ".csv")
    png = os.path.join(a.out, a.stem + ".png")
    rate_txt = "%.1f entries/s (%s the closed-loop maximum of %.1f entries/s measured at the start)" % (
        s.rate_chosen, "--rate; half of it would be %.1f:" % (s.max_rate / 2) if a.rate else "half", s.max_rate)
    title = "aidreg soak: %d min at %.0f entries/s" % (a.minutes, s.rate_chosen)
    plotted = plot(csv_path, png, title)
    flat = all(x[5] for x in v) if v else None
    lines = ["rate: " + rate_txt,
             "entries acknowledged %d, errors (5xx, 429, no answer) %d, refused by the rules %d; %d ledgers "
             "(counties), aidreg verify --db %s" % (s.total["acknowledged"], s.total["errors"], s.total["refused"],
                                                   len(s.ledgers), "passed" if not s.failures else "see failures"),
             "refusals provoked on purpose, each as expected unless a failure says otherwise: %s" % (
                 ", ".join("%s %d" % kv for kv in sorted(s.provoked.items())) or "none reached")]
    for name, unit, mean, rise, thr, ok in v:
        lines.append("%-15s mean %8.1f %s, fitted rise over the last 3/4 %+8.1f %s (threshold %.1f): %s" % (
            name, mean, unit, rise, unit, thr, "flat" if ok else "RISING"))
    lines.append("verdict: " + ("memory and latency flat" if flat else "NOT flat (see above)" if flat is False
                                else "too few samples"))
    for line in lines:
        log(line)
    md = os.path.join(a.out, a.stem + ".md")
    mix = ", ".join("%s %d" % kv for kv in sorted(s.kinds.items(), key=lambda kv: -kv[1]))
    with open(md, "w", encoding="utf-8") as f:
        f.write("# 浸泡测试 / Soak run\n\n")
        f.write("Written by `tools/soak.py` (`tools/dev.sh soak --minutes %d%s`) on %s, %.0f s in all.\n\n" % (
            a.minutes, (" --rate %g" % a.rate) if a.rate else "", time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            seconds))
        if plotted:
            f.write("![soak](%s)\n\n" % os.path.basename(png))
        f.write("Samples every %d s: `%s`.\n\n```\n%s\n```\n\n" % (a.every, os.path.basename(csv_path),
                                                                  "\n".join(lines)))
        f.write("Mix of the acknowledged entries: %s.\n\n" % mix)
        f.write("The machine has %d cores shared with other work while this ran (load average %.1f at the end): "
                "the rate and the latency are those of this machine at that time, not a capacity figure "
                "(docs/benchmark.md has those).\n" % (os.cpu_count(), os.getloadavg()[0]))
    return flat


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True, help="build folder with aidreg-server and aidreg")
    ap.add_argument("--minutes", type=float, default=60)
    ap.add_argument("--rate", type=float, default=0, help="entries a second (default: half the measured maximum)")
    ap.add_argument("--clients", type=int, default=8, help="client threads, each with its own county")
    ap.add_argument("--burst", type=float, default=20, help="seconds of the closed-loop burst that measures the maximum")
    ap.add_argument("--every", type=int, default=10, help="seconds between samples")
    ap.add_argument("--out", default=os.path.join(ROOT, "var", "soak"), help="folder for the CSV, PNG and summary")
    ap.add_argument("--stem", default="soak", help="file names: STEM.csv, STEM.png, STEM.md")
    ap.add_argument("--name", default="soak", help="cluster name (state in var/NAME)")
    args = ap.parse_args()
    why = cluster.cannot_run()
    if why:
        print("skipped: " + why)
        return SKIP
    os.makedirs(args.out, exist_ok=True)
    s = Soak(args)
    t0 = time.time()
    try:
        s.run()
    except KeyboardInterrupt:
        s.fail("interrupted")
    except Exception as e:
        s.fail("soak error: %r" % e)
    finally:
        s.stop.set()
        s.stop_all()
    if getattr(s, "samples", None):
        report(s, args, time.time() - t0)
    for msg in cluster.sanitizer_reports(s.server_log):
        s.fail(msg)
    for f in s.failures:
        log("failure: " + f)
    return 1 if s.failures else 0


if __name__ == "__main__":
    sys.exit(main())
