#!/usr/bin/env python3
"""The import benchmark (tools/dev.sh bench-import; docs/benchmark.md "Import"): against the
server tools/bench.sh started, a generated 台账 of --rows rows (tools/bench_taizhang.py: an
asset, its rights and its maintainer a row, ten assets a project) is imported by `aidreg import`
into a fresh ledger, and the same kinds and number of events, signed beforehand, are appended
bare (batches of 1,000, no reading, mapping or signing in the timed part) into another fresh
ledger of the same places: the baseline of the same run. Then the time to produce the 总台账 of
the imported county (GET /reports/ledger, JSON, CSV and XLSX) and of GET /keys.

Prints on stdout the figures and, last,
  bench-import: rows=N import_rows_per_s=N import_events_per_s=N bare_events_per_s=N ratio=N
                ledger_report_s=N ledger_csv_s=N ledger_xlsx_s=N keys_ms=N
It never fails on speed."""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import aidreg_client as ac  # noqa: E402

TOWNSHIPS, VILLAGES = 10, 20


def log(msg):
    print("bench-import: " + msg, file=sys.stderr, flush=True)


def county(c, code):
    """A fresh ledger with a county key and TOWNSHIPS x VILLAGES places with names."""
    L = ac.Ledger(c, code)
    r = c.create_ledger(L.create_envelope())
    assert r.status == 201, r
    L.vkey = r.json["vkey"]
    L.enroll("root", "county", "county", code)
    envs = []
    for t in range(TOWNSHIPS):
        tcode = "%s%03d" % (code, 100 + t)
        envs.append(L.sign("county", "place.register", tcode, {"name": "第%d镇" % (t + 1)}))
        for v in range(VILLAGES):
            envs.append(L.sign("county", "place.register", "%s%03d" % (tcode, 200 + v), {"name": "第%d村" % (v + 1)}))
    r = c.post("/v1/ledgers/%s/entries" % code, {"envelopes": envs})
    assert r.status == 200 and all(x["status"] == 201 for x in r.json["results"]), r
    return L


def bare_events(L, path):
    """The events an import of the sheet makes, signed now (not timed): a project.register per
    project, then per row asset.register, asset.rights, asset.maintainer."""
    with open(path, encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))[3:]
    for r in rows:
        r[10] = L.code + r[10][6:]  # the same village of the other county
    projects, pcode, envs = {}, {}, []
    for r in rows:
        fen = int(r[14].replace(".", ""))
        p = projects.setdefault(r[1], {"name": r[1], "type": "industry", "year": int(r[3]), "funding_lines": [],
                                       "locations": [], "industry_dept": "", "implementing_unit": "",
                                       "accepted_on": r[15], "value": 0})
        pcode.setdefault(r[1], "P-%d" % len(pcode))
        p["value"] += fen
        if r[10] not in p["locations"]:
            p["locations"].append(r[10])
    for name, p in projects.items():
        p["funding_lines"] = [{"channel": "衔接资金", "year": p["year"], "amount_fen": p.pop("value")}]
        envs.append(L.sign("county", "project.register", pcode[name], p))
    for i, r in enumerate(rows):
        code = "A-%06d" % i
        envs.append(L.sign("county", "asset.register", code, {
            "project": pcode[r[1]],
            "name": r[5], "class": {"经营性": "operating", "公益性": "public_welfare", "到户类": "household"}[r[6]],
            "subtype": r[7], "form": "fixed", "village": r[10], "original_value_fen": int(r[14].replace(".", "")),
            "quantity": int(r[12]), "unit": r[13], "completed_on": r[15], "accepted_on": r[15], "description": r[11]}))
        envs.append(L.sign("county", "asset.rights", code, {
            "owners": [{"kind": "village_collective", "id": r[10], "name": r[16], "share_bp": 10000}],
            "certificate_no": r[17], "confirmed_on": r[15]}))
        envs.append(L.sign("county", "asset.maintainer", code, {
            "body": r[18], "person": r[19], "duties": "", "fund_source": "", "from": r[15]}))
    return envs


def timed_get(c, path, n=1):
    best = None
    for _ in range(n):
        t = time.monotonic()
        r = c.get(path)
        dt = time.monotonic() - t
        assert r.status == 200, (path, r)
        best = dt if best is None or dt < best else best
    return best, r


def desk_reads(c, code, n):
    """p50 and p99 (client side, over n requests each, after a first one timed apart) of the
    county desk's reads of the ledger: the lists with their filters, a deep page, the
    summaries, one asset and one project. The first request of a read after the server started
    builds what the server keeps (the summaries' parts, the places' counts): once per server,
    reported as its own figure. Returns [(name, path, p50_s, p99_s, first_s)]."""
    first = c.get("/v1/ledgers/%s/assets?limit=1" % code).json
    asset = first["items"][0] if first.get("items") else {}
    village, township = asset.get("village", code + "100200"), asset.get("township", code + "100")
    total = first.get("total", 0)
    base = "/v1/ledgers/%s" % code
    reads = [
        ("assets", base + "/assets"),
        ("assets, village", base + "/assets?village=" + village),
        ("assets, township", base + "/assets?township=" + township),
        ("assets, class", base + "/assets?class=operating"),
        ("assets, status", base + "/assets?status=in_use"),
        ("assets, search", base + "/assets?q=%E5%85%89%E4%BC%8F"),
        ("assets, search 3", base + "/assets?q=%E5%85%89%E4%BC%8F%E7%94%B5"),
        ("projects, year", base + "/projects?year=2019"),
        ("assets, last page", base + "/assets?from=%d" % max(0, total - 50)),
        ("asset", base + "/assets/" + asset.get("id", "x")),
        ("projects", base + "/projects"),
        ("project", base + "/projects/" + asset.get("project", "x")),
        ("plans", base + "/plans"),
        ("summary", base + "/summary"),
        ("village summary", base + "/villages/%s/summary" % village),
        ("township summary", base + "/townships/%s/summary" % township),
        ("incomes", base + "/incomes"),
        ("notices", base + "/notices"),
        ("findings", base + "/findings"),
        ("places", base + "/places"),
        ("settings", base + "/settings"),
    ]
    out = []
    for name, path in reads:
        t = time.monotonic()
        r = c.get(path)
        first_s = time.monotonic() - t
        assert r.status == 200, (path, r)
        times = []
        for _ in range(n):
            t = time.monotonic()
            r = c.get(path)
            times.append(time.monotonic() - t)
            assert r.status == 200, (path, r)
        times.sort()
        out.append((name, path, times[len(times) // 2], times[min(len(times) - 1, int(0.99 * len(times)))], first_s))
        log("desk read %s: first %.1f ms, then p50 %.1f ms, p99 %.1f ms" % (
            name, first_s * 1000, out[-1][2] * 1000, out[-1][3] * 1000))
    return out


def after_appends(c, L, n):
    """The summaries and the places read right after an append (an asset's status changed,
    signed by the county key), n times: what the kept figures cost when the ledger has just
    moved. Returns [(name, path, p50_s, p99_s, first_s)] as desk_reads."""
    first = c.get("/v1/ledgers/%s/assets?limit=1" % L.code).json
    asset = first["items"][0]
    base = "/v1/ledgers/%s" % L.code
    reads = [("summary after an append", base + "/summary"),
             ("village summary after an append", base + "/villages/%s/summary" % asset["village"]),
             ("township summary after an append", base + "/townships/%s/summary" % asset["township"]),
             ("places after an append", base + "/places"),
             ("assets after an append", base + "/assets"),
             ("assets, township after an append", base + "/assets?township=" + asset["township"]),
             ("assets, search after an append", base + "/assets?q=%E5%85%89%E4%BC%8F")]
    times = {name: [] for name, _ in reads}
    for i in range(n):
        r = L.submit("county", "asset.status", asset["id"], {"status": "damaged" if i % 2 == 0 else "in_use",
                                                             "reason": "基准测试 %d" % i})
        assert r.status == 201, r
        for name, path in reads:
            t = time.monotonic()
            r = c.get(path)
            times[name].append(time.monotonic() - t)
            assert r.status == 200, (path, r)
    out = []
    for name, path in reads:
        ts = sorted(times[name])
        out.append((name, path, ts[len(ts) // 2], ts[min(len(ts) - 1, int(0.99 * len(ts)))], ts[0]))
        log("desk read %s: p50 %.1f ms, p99 %.1f ms" % (name, out[-1][2] * 1000, out[-1][3] * 1000))
    return out


def all_pages_s(c, code):
    """The 总台账's baseline of the same run: every asset's document read through the list
    (pages of 1,000), the same assets without the report's work."""
    t, start = time.monotonic(), 0
    while start is not None:
        r = c.get("/v1/ledgers/%s/assets?limit=1000&from=%d" % (code, start))
        assert r.status == 200, r
        start = r.json["next"]
    return time.monotonic() - t


def print_desk(desk, assets):
    """Each read's p99 against the p99 of GET /settings (one row through the same path: the
    floor of a read in this run)."""
    floor = next((d[3] for d in desk if d[0] == "settings"), None)
    for name, path, p50, p99, first_s in desk:
        print("desk read of %d assets: %-18s p50 %7.1f ms, p99 %7.1f ms, %5.1f x the floor%s; first %.1f ms  (%s)" % (
            assets, name, p50 * 1000, p99 * 1000, p99 / floor if floor else 0,
            "" if p99 < 0.05 else "  (goal < 50 ms: not met)", first_s * 1000, path))


def desk_summary(desk):
    if not desk:
        return ""
    worst = max(desk, key=lambda d: d[3])
    return " desk_reads=%d desk_under_50ms=%d desk_worst_p99_ms=%.1f desk_worst=%s" % (
        len(desk), sum(1 for d in desk if d[3] < 0.05), worst[3] * 1000, worst[0].replace(" ", "_").replace(",", ""))


def reads(c, code, desk_n, county_key=None, report=True):
    """--reads-only: the 总台账 and the desk reads of an existing ledger, with the ledger's
    first page (the cheapest list read) as the baseline of the same run; with county_key (the
    PEM of the ledger's county key) also the reads right after an append, signed by it."""
    n = c.get("/v1/ledgers/%s/assets?limit=1" % code).json.get("total", 0)
    if not report:
        desk = desk_reads(c, code, desk_n) if desk_n else []
        if county_key and desk_n:
            from cryptography.hazmat.primitives import serialization
            with open(county_key, "rb") as f:
                L = ac.Ledger(c, code)
                L.keys["county"] = ac.Key(serialization.load_pem_private_key(f.read(), None))
            desk += after_appends(c, L, desk_n)
        print_desk(desk, n)
        print("bench-import: assets=%d" % n + desk_summary(desk))
        return 0
    rep_s, r = timed_get(c, "/v1/ledgers/%s/reports/ledger" % code)
    csv_s, _ = timed_get(c, "/v1/ledgers/%s/reports/ledger?format=csv" % code)
    x = c.get("/v1/ledgers/%s/reports/ledger?format=xlsx" % code)
    xlsx_s = timed_get(c, "/v1/ledgers/%s/reports/ledger?format=xlsx" % code)[0] if x.status == 200 else None
    pages_s = all_pages_s(c, code)
    print("总台账 of %d assets: JSON %.2f s, CSV %.2f s, XLSX %s (goal < 5 s); the same assets' documents "
          "in pages of 1,000: %.2f s (ratio JSON/pages %.2f)" % (
              n, rep_s, csv_s, "%.2f s" % xlsx_s if xlsx_s is not None else "n/a", pages_s, rep_s / pages_s))
    desk = desk_reads(c, code, desk_n) if desk_n else []
    print_desk(desk, n)
    print("bench-import: assets=%d ledger_report_s=%.2f ledger_csv_s=%.2f ledger_xlsx_s=%s pages_s=%.2f" % (
        n, rep_s, csv_s, "%.2f" % xlsx_s if xlsx_s is not None else "na", pages_s) + desk_summary(desk))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--rows", type=int, default=100000)
    ap.add_argument("--code", default="529901")
    ap.add_argument("--desk-n", type=int, default=50, help="requests of each desk read (default 50; 0: none)")
    ap.add_argument("--no-bare", action="store_true",
                    help="no bare append of the same events into a second ledger (no ratio): the import and reads only")
    ap.add_argument("--reads-only", action="store_true",
                    help="no import: the 总台账 and desk reads of the existing ledger --code")
    ap.add_argument("--no-report", action="store_true",
                    help="with --reads-only: the desk reads only, not the 总台账")
    ap.add_argument("--county-key", help="with --reads-only --no-report: the PEM of the ledger's county key, "
                    "to measure the reads right after an append too")
    a = ap.parse_args()
    c = ac.Client(base_url=a.url, timeout=600)
    if a.reads_only:
        return reads(c, a.code, a.desk_n, a.county_key, not a.no_report)
    tmp = tempfile.mkdtemp(prefix="aidreg-bench-import-")
    sheet = os.path.join(tmp, "taizhang.csv")
    t = time.monotonic()
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "bench_taizhang.py"), "--rows", str(a.rows), "--county",
                    a.code, "--townships", str(TOWNSHIPS), "--villages", str(VILLAGES), "--out", sheet], check=True)
    log("generated %d rows in %.1f s (%s)" % (a.rows, time.monotonic() - t, sheet))

    # The import, into a fresh ledger.
    L = county(c, a.code)
    L.keys["county"].write_pem(os.path.join(tmp, "county"))
    size0 = L.size()
    env = dict(os.environ, AIDREG_URL=a.url, AIDREG_LEDGER=a.code)
    t = time.monotonic()
    p = subprocess.run([os.path.join(a.build, "aidreg"), "import", sheet, "--key", os.path.join(tmp, "county.key"),
                        "--report", os.path.join(tmp, "report.csv")], env=env, capture_output=True)
    import_s = time.monotonic() - t
    if p.returncode != 0:
        log("the import failed (%d): %s" % (p.returncode, p.stderr.decode("utf-8", "replace")[-2000:]))
        return 1
    events = L.size() - size0
    log("imported %d rows (%d events) in %.1f s" % (a.rows, events, import_s))

    # The bare batch append of the same kinds and number of events, into another fresh ledger.
    B = county(c, str(int(a.code) + 1))
    t = time.monotonic()
    envs = bare_events(B, sheet) if not a.no_bare else []
    log("signed %d bare events in %.1f s (not timed)" % (len(envs), time.monotonic() - t))
    t = time.monotonic()
    for i in range(0, len(envs), 1000):
        r = c.post("/v1/ledgers/%s/entries" % B.code, {"envelopes": envs[i:i + 1000]})
        bad = [x for x in r.json.get("results", []) if x.get("status") != 201] if r.status == 200 else [r]
        if bad:
            log("the bare append was refused at %d: %s" % (i, json.dumps(bad[0], ensure_ascii=False)[:500]))
            return 1
    bare_s = max(time.monotonic() - t, 1e-9)
    log("appended %d bare events in %.1f s" % (len(envs), bare_s))

    # The 总台账 of the imported county, and the keys.
    rep_s, r = timed_get(c, "/v1/ledgers/%s/reports/ledger" % a.code)
    assert r.json["count"] == a.rows, r.json["count"]
    csv_s, _ = timed_get(c, "/v1/ledgers/%s/reports/ledger?format=csv" % a.code)
    x = c.get("/v1/ledgers/%s/reports/ledger?format=xlsx" % a.code)
    xlsx_s = None
    if x.status == 200:
        xlsx_s, _ = timed_get(c, "/v1/ledgers/%s/reports/ledger?format=xlsx" % a.code)
    keys_cold, _ = timed_get(c, "/v1/ledgers/%s/keys" % a.code)
    keys_s, _ = timed_get(c, "/v1/ledgers/%s/keys" % a.code, 5)

    rows_s, ev_s, bare = a.rows / import_s, events / import_s, len(envs) / bare_s
    print("import: %d rows, %d events in %.1f s: %.0f rows/s, %.0f events/s" % (a.rows, events, import_s, rows_s, ev_s))
    print("bare batch append (same run): %d events in %.1f s: %.0f events/s" % (len(envs), bare_s, bare))
    ratio = ev_s / bare if bare else 0.0  # --no-bare: none
    print("ratio import/bare (events/s): %.2f (goal >= 0.5)" % ratio)
    pages_s = all_pages_s(c, a.code)
    print("总台账 of %d assets: JSON %.2f s, CSV %.2f s, XLSX %s (goal < 5 s); the same assets' documents "
          "in pages of 1,000: %.2f s (ratio JSON/pages %.2f)" % (
              a.rows, rep_s, csv_s, "%.2f s" % xlsx_s if xlsx_s is not None else "n/a", pages_s, rep_s / pages_s))
    print("GET /keys on %d entries: first %.0f ms, then %.1f ms" % (L.size(), keys_cold * 1000, keys_s * 1000))
    desk = desk_reads(c, a.code, a.desk_n) if a.desk_n else []
    desk += after_appends(c, L, a.desk_n) if a.desk_n else []
    print_desk(desk, a.rows)
    print("bench-import: rows=%d import_rows_per_s=%.0f import_events_per_s=%.0f bare_events_per_s=%.0f ratio=%.2f "
          "ledger_report_s=%.2f ledger_csv_s=%.2f ledger_xlsx_s=%s keys_ms=%.1f" % (
              a.rows, rows_s, ev_s, bare, ratio, rep_s, csv_s, "%.2f" % xlsx_s if xlsx_s is not None else "na",
              keys_s * 1000) + desk_summary(desk))
    return 0


if __name__ == "__main__":
    sys.exit(main())
