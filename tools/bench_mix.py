#!/usr/bin/env python3
"""The benchmark's mixed load (issue 12, part 1): pre-signed entries of whole counties'
years, for `aidreg-bench --mix FILE` (tools/bench_mix.c), which replays them through the
HTTP API, every county's year split into streams that are in flight together (as a county's
clerks are: one per village, the county office between them, the importer's batches): one a
subject chain (--by subject, the default) or one a village (--by village).

Each county is the demo county's history (tools/demo/seed.py, as the soak uses it:
tools/soak.py county_entries) under a fresh county code: ledger.create, the key
enrolments, then projects, places, asset registrations, rights, handovers, operators,
maintainers, maintenance reports, income, allocation plans with their review, filing and
notice, payouts, status changes, disposals, inventory counts, findings and corrections —
about 2,450 entries a county.

Output: one JSON object a line, {"code": "<county>", "type": "<event type>", "stream":
"<subject, or village code, or the county code>", "after": [k, ...], "envelope": {...}}, every county's
lines together and in their order; its first line is the county's ledger.create (POST
/v1/ledgers), the rest go to POST /v1/ledgers/{code}/entries. "after" lists the county's lines
(0 is ledger.create) that must have their receipt before this line is sent, besides the lines
before it of its own stream: the subject's or a referenced subject's latest entry in another
stream, the entry a hash in the body names (the incomes a plan draws on, the request an
approval decides). The county's projects and its own assets make the county's stream; its
other entries (key enrolments, settings, places) are barriers: they wait for every stream,
every later line waits for them. The refusal the soak provokes is left out.

usage: tools/bench_mix.py --counties N --host HOST --out FILE [--seed S] [--by subject|village]
"""

import argparse
import base64
import hashlib
import importlib.util
import json
import os
import random
import re
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


def strings(x):
    """Every string inside a JSON value."""
    if isinstance(x, str):
        yield x
    elif isinstance(x, dict):
        for v in x.values():
            yield from strings(v)
    elif isinstance(x, list):
        for v in x:
            yield from strings(v)


def streams(code, entries, by="subject"):
    """[(stream, after)] for a county's [(type, envelope)] (see the module's doc): the entries
    of a village (an asset's, a plan's and a village notice's village), or of one subject
    (by="subject"), form a stream; the county's projects and own assets its own; the rest
    are the county's barriers."""
    village_of = {}  # subject -> village
    latest = {}      # subject -> line of its latest entry
    by_hash = {}     # payload sha256 -> line
    last_of = {}     # stream -> its latest line
    barrier = 0      # the latest barrier's line (ledger.create first)
    out = [(code, [])]
    for i, (_type, env) in enumerate(entries[1:], 1):
        raw = base64.b64decode(env["payload"])
        ev = json.loads(raw)
        subj, body = ev["subject"], ev.get("body") or {}
        village = village_of.get(subj)
        if village is None and isinstance(body.get("village"), str):
            village = body["village"]
        if village is None and re.fullmatch(r"\d{12}", subj) and subj.startswith(code) and ev["type"] == "notice.publish":
            village = subj
        if village is None and ev["type"] in ("project.register", "asset.register"):
            village = code  # the county's own stream, not a barrier: what names it waits for it
        if village is not None:
            village_of[subj] = village
            stream = village if by == "village" else subj
            after = {barrier}
            for s in [subj] + list(strings(body)):
                j = latest.get(s, by_hash.get(s))
                if j is not None and out[j][0] != stream:
                    after.add(j)
        else:
            after = set(last_of.values()) | {barrier}
            stream = code
            barrier = i
        after.discard(last_of.get(stream))  # its own stream keeps the order
        out.append((stream, sorted(after)))
        latest[subj] = i
        by_hash[hashlib.sha256(raw).hexdigest()] = i
        last_of[stream] = i
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--counties", type=int, default=8, help="counties, each replayed on its own connection (8)")
    ap.add_argument("--host", required=True, help="the server's log host (AIDREG_LOG_HOST): origins are HOST/code")
    ap.add_argument("--out", required=True, help="the file to write")
    ap.add_argument("--seed", type=int, default=12, help="seed of the county codes (12)")
    ap.add_argument("--by", choices=("subject", "village"), default="subject",
                    help="a stream per subject chain (default) or per village")
    ap.add_argument("--avoid", default="529900", help="comma-separated codes not to use (the other runs' ledger)")
    args = ap.parse_args()
    soak = load_soak()
    rng = random.Random(args.seed)
    codes = county_codes(args.counties, rng, set(args.avoid.split(",")))
    n = 0
    with open(args.out + ".tmp", "w", encoding="utf-8") as f:
        for code in codes:
            entries = [(type_, env) for type_, env, _refusal in soak.county_entries(code, args.host, 0)
                       if _refusal is None]
            for (type_, env), (stream, after) in zip(entries, streams(code, entries, args.by)):
                f.write(json.dumps({"code": code, "type": type_, "stream": stream, "after": after, "envelope": env},
                                   ensure_ascii=False, separators=(",", ":")))
                f.write("\n")
                n += 1
    os.replace(args.out + ".tmp", args.out)
    print("bench_mix.py: %d entries of %d counties in %s" % (n, len(codes), args.out), file=sys.stderr)


if __name__ == "__main__":
    main()
