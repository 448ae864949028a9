#!/usr/bin/env python3
"""Outages of the database (issue 10, part 2): the server's database URL points at a small
TCP proxy on loopback (tests/outage/dbproxy.py) that, one mode after the other,

  delay      delays every packet by --delay seconds (2), beyond the server's deadline
             (AIDREG_DB_TIMEOUT, 1 s here);
  blackhole  drops everything, closing nothing;
  refuse     closes its listener and every connection (PostgreSQL down);
  reset      resets every connection, open or new (RST).

In each mode, with submissions already acknowledged before it:

  - every submission (a fresh, valid, signed entry) is answered 503 with an RFC 9457
    problem (application/problem+json, type, title, status, detail) and Retry-After, within
    --bound seconds: never a 2xx, never a hang, never another 5xx;
  - reads (the checkpoint, entries, tiles, an entry, the state) answer the same 503 problem;
  - /healthz answers 503 with a problem whose "database" member says what is wrong
    ("slow" for delay and blackhole, "unreachable" for refuse and reset) and whose detail
    says it in words;

then the proxy heals and, without a restart of the server:

  - a submission succeeds within --recover seconds and its receipt verifies (signed
    checkpoint, inclusion proof, payload hash), /healthz answers 200;
  - every entry answered 503 is sent again: it is either new now (201) or was stored in
    full after all (200, a replay with a receipt): never refused, never half there.

At the end: every acknowledged entry is in the log at its index with its leaf and payload
hash (read back from the tiles and entry bundles), no payload is there twice, and `aidreg
verify` over the tiles and `aidreg verify --db` (directly, not through the proxy) pass.

Its own cluster (var/outage-<build>, tests/torture/cluster.sh) and server on free ports.
Exits 0 when every check passed, 1 otherwise, 77 when it cannot run here.

usage: tests/outage/outage.py --build DIR [--modes delay,blackhole,refuse,reset] [--delay S]
"""

import argparse
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import dbproxy  # noqa: E402
import harness  # noqa: E402
from harness import Failure  # noqa: E402

EXPECT_HEALTH = {"delay": "slow", "blackhole": "slow", "refuse": "unreachable", "reset": "unreachable"}


class Outage(harness.Harness):
    tag = "outage"

    def __init__(self, args):
        super().__init__(args.build, args.name, args.bound)
        self.args = args
        self.proxy = None
        self.counts.update({"reads_503": 0, "healthz_503": 0, "recover_s_max": 0.0})

    def start(self):
        pg = self.start_cluster(40)
        m = re.match(r"(postgresql://[^@]+@127\.0\.0\.1:)(\d+)(/.*)$", self.direct_url)
        if not m:
            raise Failure("unexpected database URL %s" % self.direct_url)
        pport = harness.free_port(pg + 1)
        self.proxy = dbproxy.Proxy(pport, int(m.group(2)))
        self.env["AIDREG_DATABASE_URL"] = "%s%d%s" % (m.group(1), pport, m.group(3))
        self.env["AIDREG_DB_TIMEOUT"] = str(self.args.db_timeout)
        self.log("database through the proxy on %d (PostgreSQL on %s), AIDREG_DB_TIMEOUT=%d" % (
            pport, m.group(2), self.args.db_timeout))
        self.start_server("断网测试县")

    def stop(self):
        self.stop_server()
        if self.proxy:
            self.proxy.close()
        try:
            self.cluster("stop")
        except Failure as e:
            self.log(str(e))

    def outage(self, mode):
        a = self.args
        self.log("mode %s" % mode)
        size = self.tree_size()
        self.proxy.set_mode(mode, delay=a.delay)
        for i in range(a.submissions):
            env, r = self.submit_fresh("%s %d" % (mode, i))
            if r is not None and r.status in (200, 201):
                self.fail("mode %s: a submission answered %d while the database was %s" % (mode, r.status, mode))
                self.ack(env, r.json, mode, r.status)
                continue
            self.unacked.append(env)
            if r is not None and self.is_problem_503("mode %s: submission %d" % (mode, i), r.status, r.headers, r.body):
                self.counts["answers_503"] += 1
        for path in self.read_paths(size):
            r = self.timed("mode %s: GET %s" % (mode, path), lambda: self.client.get(path))
            if r is not None and self.is_problem_503("mode %s: GET %s" % (mode, path), r.status, r.headers, r.body):
                self.counts["reads_503"] += 1
        r = self.timed("mode %s: /healthz" % mode, self.health)
        if r is not None and self.is_problem_503("mode %s: /healthz" % mode, *r):
            self.counts["healthz_503"] += 1
            p = json.loads(r[2])
            if p.get("database") != EXPECT_HEALTH[mode]:
                self.fail("mode %s: /healthz says the database is %r (expected %s): %s" % (
                    mode, p.get("database"), EXPECT_HEALTH[mode], p.get("detail")))
            else:
                self.log("  /healthz: %s" % p.get("detail"))
        self.proxy.heal()
        dt = self.recover("mode %s healed" % mode, a.recover)
        if dt is not None:
            self.counts["recover_s_max"] = max(self.counts["recover_s_max"], dt)
        self.resend()
        self.healthy_writes(2, "after %s" % mode)

    def run(self):
        self.start()
        self.healthy_writes(3, "before")
        for mode in self.args.modes:
            self.outage(mode)
        self.check()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True)
    ap.add_argument("--modes", default="delay,blackhole,refuse,reset")
    ap.add_argument("--delay", type=float, default=2.0, help="seconds the proxy delays each packet in mode delay")
    ap.add_argument("--db-timeout", type=int, default=1, help="the server's AIDREG_DB_TIMEOUT (seconds)")
    ap.add_argument("--submissions", type=int, default=3, help="submissions in each mode")
    ap.add_argument("--bound", type=int, default=15, help="seconds any answer may take during an outage")
    ap.add_argument("--recover", type=int, default=30, help="seconds the recovery may take after healing")
    ap.add_argument("--name", default=None, help="cluster name (var/NAME; default outage-<build>)")
    args = ap.parse_args()
    args.modes = [m for m in args.modes.split(",") if m]
    for m in args.modes:
        if m not in EXPECT_HEALTH:
            ap.error("unknown mode %s" % m)
    args.name = args.name or "outage-" + os.path.basename(os.path.abspath(args.build))
    return Outage(args).main()


if __name__ == "__main__":
    sys.exit(main())
