#!/usr/bin/env python3
"""The mixed load's streams (tools/bench_mix.py, issue 12 part 1): a county's year is split
into streams sent side by side (by village, and by subject chain), and every entry still comes after every entry it depends on,
through its own stream's order or its "after" lines (transitively): its subject's earlier
entries, the earlier entries of every subject its body names (the project of an asset, the
plan of a payout), the entry every hash in its body names (the incomes of a plan, the request
an approval decides), and the county's barriers (key enrolments, settings, places) before it;
a barrier comes after everything before it. Also: more than one stream, and the refusal the
soak provokes is not in the load.

usage: tests/soak/test_bench_mix.py   (no server, no database; exit 0 when every check holds)
"""

import base64
import hashlib
import importlib.util
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, path))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


mix = load("aidreg_bench_mix", "tools/bench_mix.py")
soak = mix.load_soak()
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


code = "434407"
raw = soak.county_entries(code, "bench.aidreg.local", 0)
entries = [(t, env) for t, env, refusal in raw if refusal is None]
check(len(entries) == len(raw) - 1, "the provoked refusal is left out of the load")


def check_plan(plan, by):
    before = []  # entry i's happens-before set, as a bit set
    last_of = {}
    events = [json.loads(base64.b64decode(env["payload"])) for _t, env in entries]
    hashes = {hashlib.sha256(base64.b64decode(env["payload"])).hexdigest(): i for i, (_t, env) in enumerate(entries)}
    latest = {}
    barriers = []
    for i, ((stream, after), ev) in enumerate(zip(plan, events)):
        hb = 0
        preds = list(after) + ([last_of[stream]] if stream in last_of else [])
        for j in preds:
            check(j < i, "entry %d waits only for earlier entries (%d)" % (i, j))
            hb |= before[j] | (1 << j)
        before.append(hb)
        need = set(barriers)
        for s in [ev["subject"]] + list(mix.strings(ev.get("body") or {})):
            if s in latest:
                need.add(latest[s])
            if s in hashes and hashes[s] < i:
                need.add(hashes[s])
        if ev["type"] in ("key.enroll", "place.register", "ledger.settings"):
            check(hb == (1 << i) - 1, "entry %d (%s) is a barrier: after every entry before it" % (i, ev["type"]))
            barriers.append(i)
        for j in need:
            check((hb >> j) & 1, "%s: entry %d (%s %s) comes after entry %d (%s %s)" % (by, 
                i, ev["type"], ev["subject"], j, events[j]["type"], events[j]["subject"]))
        latest[ev["subject"]] = i
        last_of[stream] = i



for by in ("village", "subject"):
    plan = mix.streams(code, entries, by)
    check(len(plan) == len(entries), "a stream for every entry")
    labels = {s for s, _after in plan}
    check(len(labels) > 8, "the county's year is split into streams by %s (%d)" % (by, len(labels)))
    check_plan(plan, by)

for f in failures[:20]:
    print("FAIL:", f)
if failures:
    print("%d checks failed" % len(failures))
    sys.exit(1)
print("bench_mix streams: %d entries, by village and by subject, every dependency kept" % len(entries))
