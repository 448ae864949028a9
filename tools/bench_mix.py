#!/usr/bin/env python3
"""The benchmark's mixed load (issue 12, part 1): pre-signed entries of whole counties'
years, for `aidreg-bench --mix FILE` (tools/bench_mix.c), which replays them through the
HTTP API, every county on its own connection in its own order.

Each county is the demo county's history (tools/demo/seed.py, as the soak uses it:
tools/soak.py county_entries) under a fresh county code: ledger.create, the key
enrolments, then projects, places, asset registrations, rights, handovers, operators,
maintainers, maintenance reports, income, allocation plans with their review, filing and
notice, payouts, status changes, disposals, inventory counts, findings and corrections —
about 2,450 entries a county.

Output: one JSON object a line, {"code": "<county>", "type": "<event type>", "envelope":
{...}}, every county's lines together and in their order; its first line is the county's
ledger.create (POST /v1/ledgers), the rest go to POST /v1/ledgers/{code}/entries.

usage: tools/bench_mix.py --counties N --host HOST --out FILE [--seed S]
"""

import argparse
import importlib.util
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
sys.path.insert(0, os.path.join(ROOT, "tests", "torture"))


def load_soak():
    spec = importlib.util.spec_from_file_location("aidreg_soak", os.path.join(HERE, "soak.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def county_codes(n, rng, taken):
    """n distinct county codes (province prefix of a real province, not a city's own 00)."""
    out = []
    while len(out) < n:
        code = "%02d%04d" % (rng.choice([11, 13, 14, 15, 21, 22, 23, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
                                         50, 51, 52, 53, 54, 61, 62, 63, 64, 65]), rng.randint(0, 9999))
        if code not in taken and code[2:4] != "00" and code[4:] != "00":
            taken.add(code)
            out.append(code)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--counties", type=int, default=8, help="counties, each replayed on its own connection (8)")
    ap.add_argument("--host", required=True, help="the server's log host (AIDREG_LOG_HOST): origins are HOST/code")
    ap.add_argument("--out", required=True, help="the file to write")
    ap.add_argument("--seed", type=int, default=12, help="seed of the county codes (12)")
    ap.add_argument("--avoid", default="529900", help="comma-separated codes not to use (the other runs' ledger)")
    args = ap.parse_args()
    soak = load_soak()
    rng = random.Random(args.seed)
    codes = county_codes(args.counties, rng, set(args.avoid.split(",")))
    n = 0
    with open(args.out + ".tmp", "w", encoding="utf-8") as f:
        for code in codes:
            for type_, env in soak.county_entries(code, args.host, 0):
                f.write(json.dumps({"code": code, "type": type_, "envelope": env}, ensure_ascii=False,
                                   separators=(",", ":")))
                f.write("\n")
                n += 1
    os.replace(args.out + ".tmp", args.out)
    print("bench_mix.py: %d entries of %d counties in %s" % (n, len(codes), args.out), file=sys.stderr)


if __name__ == "__main__":
    main()
