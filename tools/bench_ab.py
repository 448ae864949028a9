#!/usr/bin/env python3
"""The table of tools/bench_ab.sh: one row per run (A = the other commit, B = this checkout),
then each side's means and B's ratio to A. Reads DIR/{A,B}N.{err,out,when}."""
import glob
import os
import re
import statistics
import sys

RUNS = (("closed loop", "enroll"), ("inventory.count", "inv"), ("open loop", "open"))


def parse(base):
    err, out = open(base + ".err").read(), open(base + ".out").read()
    d = {"ceiling": int(re.search(r"verify_per_s=(\d+)", out).group(1))}
    # What the cores alone would verify: the machine is shared, and the 2 s of the ceiling
    # often get a fraction of them; per CPU-second of one thread, times the cores, does not.
    m = re.search(r"verify: .* (\d+) per CPU-second of one thread", err)
    cores = int(re.search(r"bench: (\d+) cores;", err).group(1))
    d["cores"] = cores
    d["ceiling_cpu"] = int(m.group(1)) * cores if m else d["ceiling"]
    for name, key in RUNS:
        m = re.search(name + r": \d+/\d+ receipts in [\d.]+ s = (\d+) entries/s; p50 [\d.]+ ms, p99 ([\d.]+) ms", err)
        d[key], d[key + "_p99"] = int(m.group(1)), float(m.group(2))
        m = re.search(name + r": CPU per entry: server (\d+) us, PostgreSQL (\d+) us, load generator (\d+) us", err)
        d[key + "_cpu"] = tuple(int(x) for x in m.groups())
        m = re.search(name + r": cores busy ([\d.]+) of \d+: .* other (-?[\d.]+)", err)
        d[key + "_busy"], d[key + "_other"] = float(m.group(1)), float(m.group(2))
        m = re.search(name + r": the server made \d+ group commits: ([\d.]+) entries each", err)
        d[key + "_group"] = float(m.group(1)) if m else 0.0
    return d


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else "var/ab"
    rows = []
    for f in sorted(glob.glob(os.path.join(folder, "[AB]*.out")), key=lambda p: (os.path.basename(p)[1:], p)):
        base = f[:-4]
        try:
            d = parse(base)
        except (AttributeError, OSError) as e:
            print(f"{base}: incomplete ({e})")
            continue
        when = open(base + ".when").read().split()
        rows.append((os.path.basename(base), when, d))
    print("| run | UTC | Ed25519 ceiling/s (cores × per CPU-s) | key.enroll/s | ratio | CPU µs: server / PG / load gen. | other cores |"
          " cores busy | entries a group commit |"
          " inventory.count/s | CPU µs: server / PG / load gen. | other cores | open loop p99 ms |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, when, d in rows:
        print(f"| {name} | {when[0]}–{when[-1]} | {d['ceiling']:,} ({d['ceiling_cpu']:,}) | {d['enroll']:,} | "
              f"{d['enroll'] / d['ceiling']:.3f} | "
              f"{' / '.join(map(str, d['enroll_cpu']))} | {d['enroll_other']:.2f} | {d['enroll_busy']:.2f} | "
              f"{d['enroll_group']:.1f} | {d['inv']:,} | "
              f"{' / '.join(map(str, d['inv_cpu']))} | {d['inv_other']:.2f} | {d['open_p99']:.1f} |")
    means = {}
    # One ceiling for both sides (the mean of every run's): single-core speed wanders.
    ceiling_cpu = statistics.mean(d["ceiling_cpu"] for _, _, d in rows) if rows else 1
    for side in "AB":
        ds = [d for n, _, d in rows if n.startswith(side)]
        if not ds:
            continue
        m = {"ratio": statistics.mean(d["enroll"] / d["ceiling"] for d in ds),
             "inv_ratio": statistics.mean(d["inv"] / d["ceiling"] for d in ds),
             "open_p99": statistics.median(d["open_p99"] for d in ds),
             "enroll_group": statistics.mean(d["enroll_group"] for d in ds),
             "enroll_busy": statistics.mean(d["enroll_busy"] for d in ds),
             "ceiling_cpu": ceiling_cpu, "cores": ds[0]["cores"]}
        for key in ("enroll", "inv"):
            for i, part in enumerate(("server", "pg", "gen")):
                m[f"{key}_{part}"] = statistics.mean(d[key + "_cpu"][i] for d in ds)
            m[key + "_total"] = m[key + "_server"] + m[key + "_pg"] + m[key + "_gen"]
        means[side] = m
        print(f"{side}: key.enroll {m['ratio']:.3f} of the ceiling, CPU per entry {m['enroll_server']:.0f} / "
              f"{m['enroll_pg']:.0f} / {m['enroll_gen']:.0f} = {m['enroll_total']:.0f} us; inventory.count "
              f"{m['inv_ratio']:.3f} of the ceiling, {m['inv_server']:.0f} / {m['inv_pg']:.0f} / {m['inv_gen']:.0f} = "
              f"{m['inv_total']:.0f} us; open loop p99 (median) {m['open_p99']:.1f} ms; key.enroll "
              f"{m['enroll_group']:.1f} entries a group commit, cores busy {m['enroll_busy']:.2f}")
        # The rate the cores would give if nothing else ran: the loop is CPU-bound, so cores
        # divided by the CPU of an entry (server, PostgreSQL, load generator), against the
        # ceiling the same cores would verify.
        for key, label in (("enroll", "key.enroll"), ("inv", "inventory.count")):
            m[key + "_bound"] = m["cores"] * 1e6 / m[key + "_total"]
            m[key + "_bound_ratio"] = m[key + "_bound"] / m["ceiling_cpu"]
            print(f"   {label}: if CPU-bound, the cores alone would give {m[key + '_bound']:,.0f}/s = "
                  f"{m[key + '_bound_ratio']:.3f} of {m['ceiling_cpu']:,.0f}/s")
    if len(means) == 2:
        a, b = means["A"], means["B"]
        print("B / A: " + ", ".join(f"{k} {b[k] / a[k]:.2f}" for k in (
            "ratio", "enroll_group", "enroll_server", "enroll_gen", "enroll_total", "enroll_bound_ratio", "inv_ratio", "inv_server",
            "inv_gen", "inv_total", "inv_bound")
            if a[k]))


if __name__ == "__main__":
    main()
