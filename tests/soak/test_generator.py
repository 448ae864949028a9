#!/usr/bin/env python3
"""The soak's generator (tools/soak.py): a fresh county's history is the demo seed's under
another code, and nothing else changed. Every string of a subject or body is the seed's with
the county code replaced, except an entry ref, which must name the same entry of the new
county (the hash of its re-coded payload), a document's digest stays a digest, and numbers
are the seed's.

Regression (issue 10's soak finding): county 654063 under the log host the soak's cluster
uses; the seed's income report 0612b077...a7522731... had its ref re-coded to ...a7654063...,
so the first village's 2024 plan named no income and was refused income-unknown, and the
plan's review, filing, notice and payouts after it (21 refusals in the ASan short soak).

usage: tests/soak/test_generator.py   (no server, no database; exit 0 when every check holds)
"""

import hashlib
import importlib.util
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
spec = importlib.util.spec_from_file_location("aidreg_soak", os.path.join(ROOT, "tools", "soak.py"))
soak = importlib.util.module_from_spec(spec)
spec.loader.exec_module(soak)
ac = soak.ac

HEX64 = re.compile(r"[0-9a-f]{64}")
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        if len(failures) <= 20:
            print("FAIL: " + msg, flush=True)
    return cond


def same_but_recoded(orig, new, code, refs, path, stats):
    """orig from the seed county, new from county code: refs maps the seed's entry refs
    (entries before this one) to the new county's."""
    if isinstance(orig, dict):
        if not check(isinstance(new, dict), "%s: an object became %r" % (path, new)):
            return
        check(sorted(soak.recode(k, code) for k in orig) == sorted(new), "%s: keys %s became %s" % (
            path, sorted(orig), sorted(new)))
        for k, v in orig.items():
            same_but_recoded(v, new.get(soak.recode(k, code)), code, refs, path + "/" + k, stats)
    elif isinstance(orig, list):
        if check(isinstance(new, list) and len(new) == len(orig), "%s: a list of %d became %r" % (
                path, len(orig), new)):
            for i, (a, b) in enumerate(zip(orig, new)):
                same_but_recoded(a, b, code, refs, "%s/%d" % (path, i), stats)
    elif isinstance(orig, str) and orig in refs:
        stats["refs"] += 1
        stats["refs_spelling_code"] += soak.SEED_CODE in refs[orig]
        check(new == refs[orig], "%s: the ref %s (an earlier entry) became %s, not that entry's ref %s" % (
            path, orig, new, refs[orig]))
    elif isinstance(orig, str) and HEX64.fullmatch(orig):
        # A document's or photo's digest: the seed hashes a text that names the county.
        check(isinstance(new, str) and HEX64.fullmatch(new) is not None, "%s: the digest %s became %r" % (
            path, orig, new))
    elif isinstance(orig, str):
        check(new == orig.replace(soak.SEED_CODE, code), "%s: %r became %r" % (path, orig, new))
    else:
        check(type(new) is type(orig) and new == orig, "%s: %r became %r" % (path, orig, new))


def payload(env):
    return ac.b64d(env["payload"])


def county(code, host):
    """The seed's history and county code's, with the same keys, compared entry by entry."""
    keys = soak.seed_keys()
    seed = soak.recoded_history(soak.SEED_CODE, "%s/%s" % (host, soak.SEED_CODE), keys)
    new = soak.recoded_history(code, "%s/%s" % (host, code), keys)
    check(len(seed) == len(new), "%s: %d entries, the seed has %d" % (code, len(new), len(seed)))
    refs, stats = {}, {"refs": 0, "refs_spelling_code": 0}
    incomes, plans_ok = set(), 0
    for (ev0, env0), (ev1, env1) in zip(seed, new):
        where = "%s %s %s" % (code, ev0["type"], ev0["subject"])
        check(ev1["type"] == ev0["type"] and ev1["time"] == ev0["time"], "%s: out of order" % where)
        check(ev1["ledger"] == "%s/%s" % (host, code), "%s: ledger %s" % (where, ev1["ledger"]))
        same_but_recoded({"subject": ev0["subject"], "body": ev0["body"]},
                         {"subject": ev1["subject"], "body": ev1["body"]}, code, refs, where, stats)
        h1 = hashlib.sha256(payload(env1)).hexdigest()
        refs[hashlib.sha256(payload(env0)).hexdigest()] = h1
        # What the rules check (income-unknown): a plan draws on income reports sent before it.
        if ev1["type"] == "allocation.plan":
            missing = [s["income"] for s in ev1["body"]["sources"] if s["income"] not in incomes]
            plans_ok += check(not missing, "%s: sources name no earlier income report: %s" % (where, missing))
        if ev1["type"] == "income.report":
            incomes.add(h1)
    check(stats["refs"] > 100, "%s: only %d refs compared" % (code, stats["refs"]))
    print("%s under %s: %d entries, %d refs to earlier entries kept (%d of them spelling %s), %d plans draw on "
          "earlier income reports" % (code, host, len(new), stats["refs"], stats["refs_spelling_code"],
                                      soak.SEED_CODE, plans_ok), flush=True)
    return stats


def main():
    # recode itself: codes change, refs, key ids and numbers do not.
    ref = "0612b077ba1681aa49751c3aaa088ed1ca82581d83e97a752273161a12649ebe"
    key_id = "k522731" + "A" * 35 + "Q="
    got = soak.recode({"A522731-2024-101-01": [ref, key_id, "HH522731104201-003", "91522731MA6DQ12345", 5227310],
                       "village": "522731104201"}, "654063")
    check(got == {"A654063-2024-101-01": [ref, key_id, "HH654063104201-003", "91654063MA6DQ12345", 5227310],
                  "village": "654063104201"}, "recode: %r" % got)
    # The ASan short soak's county (its origin's host is the soak cluster's log host, so its
    # income refs, which hold no key, are the same every time), then one more.
    stats = county("654063", "torture.aidreg.local")
    check(stats["refs_spelling_code"] > 0, "654063: no ref spells %s: the regression is not exercised" %
          soak.SEED_CODE)
    county("110042", "soak.aidreg.test")
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
