#!/usr/bin/env python3
"""Two servers on one database, the same reads of one ledger asked of each in turn (docs/benchmark.md
"Desk reads"): a change to a read measured against the code before it in the same run, under the
same load. For each read: the wall time (best and median of --n turns) and the server's CPU seconds
(utime + stime of --before-pid and --after-pid from /proc, when given) of each server, the ratio
after/before, and whether the bodies are the same (apart from the generation time). Start the two
servers yourself (the same environment, different AIDREG_PORT; the before binary built from the
commit before the change). It never fails on speed; it exits 1 when the answers differ.

Example: python3 tools/bench_reads_ab.py --before http://127.0.0.1:28305 --after http://127.0.0.1:28303 \\
    --code 529901 --before-pid PID1 --after-pid PID2"""

import argparse
import json
import re
import sys
import time
import urllib.request

TIMES = re.compile(rb"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ")
READS = [
    ("总台账 CSV", "/reports/ledger?format=csv"),
    ("总台账 XLSX", "/reports/ledger?format=xlsx"),
    ("总台账 JSON", "/reports/ledger"),
    ("places", "/places"),
    ("summary", "/summary"),
    ("village summary", "/villages/{village}/summary"),
    ("township summary", "/townships/{township}/summary"),
    ("search", "/assets?q=%E5%85%89%E4%BC%8F"),
    ("search 3", "/assets?q=%E5%85%89%E4%BC%8F%E7%94%B5"),
    # The asset list from the kept parts (store/asset_pages.c): filters, combined, deep pages,
    # pages past the end, searches of Chinese, codes, and % and _ taken literally.
    ("assets", "/assets"),
    ("assets village", "/assets?village={village}"),
    ("assets township", "/assets?township={township}"),
    ("assets class", "/assets?class=operating"),
    ("assets status", "/assets?status=in_use"),
    ("assets combined", "/assets?township={township}&class=public_welfare&status=in_use&from=200&limit=50"),
    ("assets none", "/assets?village={village}&class=household&status=damaged"),
    ("assets last page", "/assets?from=99950"),
    ("assets past end", "/assets?from=100000"),
    ("assets township deep", "/assets?township={township}&from=9000&limit=1000"),
    ("assets search code", "/assets?q=529901-00"),
    ("assets search village", "/assets?q=%E7%AC%AC13%E6%9D%91&from=100"),
    ("assets search %", "/assets?q=%25"),
    ("assets search _", "/assets?q=_"),
    ("assets search letter", "/assets?q=a529901-ff"),
    ("assets search code upper", "/assets?q=A529901-0000B7"),
    ("assets search Cyrillic", "/assets?q=%D0%B6"),
    ("assets search township", "/assets?q=%E5%85%89%E4%BC%8F&township={township}"),
]


def cpu_s(pid):
    if not pid:
        return 0.0
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100.0  # utime, stime in clock ticks (USER_HZ 100)


def timed(url, pid):
    c0, t0 = cpu_s(pid), time.monotonic()
    with urllib.request.urlopen(url, timeout=600) as r:
        body = r.read()
    return time.monotonic() - t0, cpu_s(pid) - c0, body


def same(a, b):
    """XLSX: the ZIP's parts compared, each without its times; the rest byte for byte without them."""
    if a[:2] == b"PK":
        import io
        import zipfile
        za, zb = zipfile.ZipFile(io.BytesIO(a)), zipfile.ZipFile(io.BytesIO(b))
        return za.namelist() == zb.namelist() and all(
            TIMES.sub(b"", za.read(n)) == TIMES.sub(b"", zb.read(n)) for n in za.namelist())
    return TIMES.sub(b"", a) == TIMES.sub(b"", b)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--before", required=True, help="URL of the server with the code before the change")
    ap.add_argument("--after", required=True, help="URL of the server with the change")
    ap.add_argument("--code", required=True, help="the ledger (county code)")
    ap.add_argument("--n", type=int, default=3, help="turns of each read (default 3)")
    ap.add_argument("--before-pid", type=int, default=0)
    ap.add_argument("--after-pid", type=int, default=0)
    ap.add_argument("--only", default="", help="only the reads whose name contains this")
    a = ap.parse_args()
    differ = 0
    with urllib.request.urlopen("%s/v1/ledgers/%s/assets?limit=1" % (a.after, a.code), timeout=600) as r:
        first = (json.loads(r.read()).get("items") or [{}])[0]
    places = {"village": first.get("village", a.code + "100200"), "township": first.get("township", a.code + "100")}
    for name, path in READS:
        path = path.format(**places)
        if a.only and a.only not in name:
            continue
        got = {"before": [], "after": []}
        bodies = {}
        for _ in range(a.n):
            for side, base, pid in (("before", a.before, a.before_pid), ("after", a.after, a.after_pid)):
                wall, cpu, body = timed("%s/v1/ledgers/%s%s" % (base, a.code, path), pid)
                got[side].append((wall, cpu))
                bodies[side] = body
        ok = same(bodies["before"], bodies["after"])
        differ += not ok
        best = {s: min(w for w, _ in got[s]) for s in got}
        med = {s: sorted(w for w, _ in got[s])[len(got[s]) // 2] for s in got}
        cpu = {s: sorted(c for _, c in got[s])[len(got[s]) // 2] for s in got}
        print("%-12s before: best %7.3f s, median %7.3f s, server CPU %6.2f s | after: best %7.3f s, median %7.3f s, "
              "server CPU %6.2f s | ratio after/before (median) %.2f | answers %s" % (
                  name, best["before"], med["before"], cpu["before"], best["after"], med["after"], cpu["after"],
                  med["after"] / med["before"] if med["before"] else 0, "the same" if ok else "DIFFER"))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
