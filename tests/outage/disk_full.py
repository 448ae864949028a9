#!/usr/bin/env python3
"""Disk full for PostgreSQL (issue 10, part 2): the ledger's tables live in a tablespace
on a small filesystem of their own (a --size MiB ext4 image, loop-mounted; tmpfs with
size= where loop devices are missing), nearly filled by a filler file. The test then

  - submits batches of fresh entries through the server until PostgreSQL runs out of
    space: every answer is a receipt that verifies (the entry is stored) or a 503 RFC 9457
    problem with Retry-After; never a 2xx without a receipt, never another 5xx, and the
    filesystem must fill (some 503 must come) within --max-entries;
  - checks that reads still work (checkpoint, entries, tiles, the state) while it is full;
  - removes the filler and checks that writes resume without a restart of the server
    or PostgreSQL, that every entry answered 503 is then new (201) or was stored in full
    (200, a replay), and that every acknowledged entry is in the log at its index
    (tiles and entry bundles; `aidreg verify` over the tiles and with --db).

WAL stays on the cluster's own disk (as in a deployment with the tables on a tablespace
of their own): the test is of the tables' space, not of a PANIC on WAL, which PostgreSQL
survives by crash recovery (tests/torture covers the server's side of that).

Needs root (mount, the private cluster). Exits 77 with the reason when it cannot make
the filesystem (no loop device and no tmpfs mount allowed: docs/deploy.md "Disk full"
has the same procedure by hand).

usage: tests/outage/disk_full.py --build DIR [--size MiB] [--headroom KiB]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402
from harness import Failure, SkipTest  # noqa: E402

TABLESPACE = "aidreg_small"


def sh(*argv, check=True):
    r = subprocess.run(list(argv), capture_output=True, text=True)
    if check and r.returncode != 0:
        raise Failure("%s failed: %s" % (" ".join(argv), (r.stderr or r.stdout).strip()[-500:]))
    return r


class DiskFull(harness.Harness):
    tag = "disk_full"

    def __init__(self, args):
        super().__init__(args.build, args.name, bound=30)
        self.args = args
        self.mnt = os.path.join(self.state, "smallfs")
        self.image = os.path.join(self.state, "smallfs.img")
        self.mounted = None
        self.own_mnt = None  # a folder of /tmp made for the mount, removed after
        self.filler = os.path.join(self.mnt, "filler")
        self.counts.update({"filesystem": None, "entries_before_full": 0, "reads_while_full": 0})

    # ---------------------------------------------------------------- the small filesystem

    def make_fs(self):
        """Mounts a small filesystem at self.mnt: ext4 on a loop device, else tmpfs. None, or why not."""
        os.makedirs(self.mnt, exist_ok=True)
        # PostgreSQL must enter every folder above its tablespace: a checkout in a private
        # folder (mktemp -d is 0700) mounts in /tmp instead, as tools/pg.sh places the cluster.
        if sh("runuser", "-u", "postgres", "--", "test", "-x", self.mnt, check=False).returncode != 0:
            os.rmdir(self.mnt)
            self.mnt = self.own_mnt = tempfile.mkdtemp(prefix="aidreg-smallfs-", dir="/tmp")
            os.chmod(self.mnt, 0o755)
            self.filler = os.path.join(self.mnt, "filler")
        size = self.args.size
        why = []
        if shutil.which("mkfs.ext4"):
            sh("truncate", "-s", "%dM" % size, self.image)
            # -m 0: no blocks reserved for root (PostgreSQL is not root: they would only blur the line).
            r = sh("mkfs.ext4", "-q", "-F", "-m", "0", self.image, check=False)
            if r.returncode == 0:
                r = sh("mount", "-o", "loop", self.image, self.mnt, check=False)
                if r.returncode == 0:
                    self.mounted = "ext4 on a loop device (%d MiB)" % size
                    return None
            why.append("loop-mounted ext4: %s" % (r.stderr or r.stdout).strip()[-200:])
            os.unlink(self.image)
        r = sh("mount", "-t", "tmpfs", "-o", "size=%dm,mode=0755" % size, "tmpfs", self.mnt, check=False)
        if r.returncode == 0:
            self.mounted = "tmpfs (size=%dm)" % size
            return None
        why.append("tmpfs: %s" % (r.stderr or r.stdout).strip()[-200:])
        return "; ".join(why)

    def drop_fs(self):
        if self.mounted:
            sh("umount", self.mnt, check=False)
            self.mounted = None
        if os.path.exists(self.image):
            os.unlink(self.image)
        if self.own_mnt:
            shutil.rmtree(self.own_mnt, ignore_errors=True)
            self.own_mnt = None

    def free_kib(self):
        st = os.statvfs(self.mnt)
        return st.f_bavail * st.f_frsize // 1024

    def psql(self, sql, db="aidreg"):
        url = self.env["AIDREG_ADMIN_DATABASE_URL"].rsplit("/", 1)[0] + "/" + db
        psql = shutil.which("psql") or "psql"
        r = sh(psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", url, "-c", sql)
        return r.stdout.strip()

    # ---------------------------------------------------------------- the run

    def start(self):
        self.start_cluster(50)
        why = self.make_fs()
        if why:
            raise SkipTest("cannot make a small filesystem here (%s): docs/deploy.md \"Disk full\" has the "
                           "procedure by hand" % why)
        self.counts["filesystem"] = self.mounted
        ts = os.path.join(self.mnt, "pg")
        os.makedirs(ts, exist_ok=True)
        shutil.chown(ts, "postgres", "postgres")
        os.chmod(ts, 0o700)
        # The tables first (the server's migrations), then every one of them and its indexes
        # onto the small tablespace, before the server runs.
        r = self.run_server("--migrate-only")
        if r.returncode != 0:
            raise Failure("aidreg-server --migrate-only failed: %s" % r.stderr[-500:])
        self.psql("CREATE TABLESPACE %s OWNER aidreg_owner LOCATION '%s'" % (TABLESPACE, ts))
        self.psql("ALTER TABLE ALL IN TABLESPACE pg_default SET TABLESPACE %s" % TABLESPACE)
        self.psql("ALTER INDEX ALL IN TABLESPACE pg_default SET TABLESPACE %s" % TABLESPACE)
        n = self.psql("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                      "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i') AND c.reltablespace = 0")
        if n != "0":
            raise Failure("%s tables or indexes of the ledger are still on the default tablespace" % n)
        self.start_server("磁盘满测试县")
        # Leave --headroom KiB: the filler takes the rest of the filesystem.
        fill = self.free_kib() - self.args.headroom
        if fill > 0:
            with open(self.filler, "wb") as f:
                os.posix_fallocate(f.fileno(), 0, fill * 1024)
        self.log("tables on %s at %s; %d KiB left after the filler" % (self.mounted, ts, self.free_kib()))

    def fill(self):
        """Batches of fresh entries until PostgreSQL refuses for want of space."""
        a = self.args
        sent = 0
        refusals = 0
        while sent < a.max_entries and refusals < 3:
            envs = [self.lg.filler("county", note="磁盘满 %d" % (sent + i))[1] for i in range(a.batch)]
            r = self.timed("a batch of %d" % a.batch, lambda: self.client.post(
                "/v1/ledgers/%s/entries" % self.lg.code, {"envelopes": envs}))
            sent += a.batch
            if r is None:
                self.unacked.extend(envs)
                continue
            if r.status == 503:
                # The whole request refused before any entry was judged.
                if self.is_problem_503("a batch while the disk fills", r.status, r.headers, r.body):
                    self.counts["answers_503"] += 1
                self.unacked.extend(envs)
                refusals += 1
                continue
            if r.status != 200:
                self.fail("a batch while the disk fills answered %d: %s" % (r.status, r.body[:300]))
                continue
            for env, res in zip(envs, r.json["results"]):
                st = res["status"]
                if st in (200, 201):
                    self.ack(env, res.get("receipt") or {}, "a batch while the disk fills", st)
                    self.counts["entries_before_full"] += 1
                elif st == 503:
                    self.unacked.append(env)
                    p = res.get("problem") or {}
                    if p.get("status") != 503 or not p.get("type", "").startswith("urn:aidreg:problem:"):
                        self.fail("an entry of a batch answered 503 without a problem: %s" % res)
                    refusals += 1
                else:
                    self.fail("an entry of a batch answered %d while the disk fills: %s" % (st, res))
            if refusals:
                self.counts["answers_503"] += 1
        if not refusals:
            raise Failure("%d entries were stored and the filesystem did not fill (%d KiB free)" % (
                sent, self.free_kib()))
        self.log("full after %d entries acknowledged (%d KiB free); refusals seen" % (
            self.counts["entries_before_full"], self.free_kib()))
        # Single submissions now: each is a receipt (it fit in a page with room) or a 503.
        for i in range(3):
            env, r = self.submit_fresh("full %d" % i)
            if r is None:
                continue
            if r.status == 201:
                self.ack(env, r.json, "a submission while full")
            else:
                self.unacked.append(env)
                if self.is_problem_503("a submission while full", r.status, r.headers, r.body):
                    self.counts["answers_503"] += 1

    def reads(self):
        for path in self.read_paths(self.tree_size()):
            r = self.timed("GET %s while full" % path, lambda: self.client.get(path))
            if r is not None and r.status != 200:
                self.fail("GET %s while the disk is full answered %d: %s" % (path, r.status, r.body[:300]))
            elif r is not None:
                self.counts["reads_while_full"] += 1

    def run(self):
        self.start()
        self.healthy_writes(2, "before")
        self.fill()
        self.reads()
        os.unlink(self.filler)
        self.log("filler removed: %d KiB free" % self.free_kib())
        self.counts["recover_s"] = self.recover("space freed", 60)
        self.resend()
        self.healthy_writes(3, "after")
        self.check()

    def stop(self):
        self.stop_server()
        # The tablespace goes with the database, before its filesystem does.
        try:
            if self.mounted:
                self.psql("DROP DATABASE IF EXISTS aidreg WITH (FORCE)", db="postgres")
                self.psql("DROP TABLESPACE IF EXISTS %s" % TABLESPACE, db="postgres")
        except (Failure, AttributeError) as e:
            self.log("cleanup: %s" % e)
        try:
            self.cluster("stop")
        except Failure as e:
            self.log(str(e))
        self.drop_fs()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True)
    ap.add_argument("--size", type=int, default=64, help="MiB of the small filesystem")
    ap.add_argument("--headroom", type=int, default=3072, help="KiB left free beside the filler")
    ap.add_argument("--batch", type=int, default=100, help="entries per batch while filling")
    ap.add_argument("--max-entries", type=int, default=40000, help="give up if it has not filled by then")
    ap.add_argument("--name", default=None, help="cluster name (var/NAME; default diskfull-<build>)")
    args = ap.parse_args()
    args.name = args.name or "diskfull-" + os.path.basename(os.path.abspath(args.build))
    return DiskFull(args).main()


if __name__ == "__main__":
    sys.exit(main())
