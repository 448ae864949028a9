#!/usr/bin/env bash
# PostgreSQL's work for the key.enroll closed loop, statement by statement: tools/bench.sh
# (no mixed load, no inventory run) on a cluster with pg_stat_statements tracking nested
# statements (the foreign keys' checks) and planning; the counters are emptied when the
# warm-up ends and read after the closed loop, from the cluster started again (they survive
# a clean stop). Run as root, like tools/dev.sh bench.
#
#   tools/bench_statements.sh [--build DIR] [--out PREFIX] [-- aidreg-bench arguments]
#
# Prints per entry of the closed loop: each statement's calls per group commit, rows per
# call, planning and execution µs (wall time: on a busy machine it includes waiting for a
# core), WAL records and bytes, buffers touched; then the rows, index scans, WAL and syncs
# of the tables over the same seconds. DIR: the build (default build/); PREFIX: where the
# run's files go (default var/statements/run). Default bench arguments: 20,000 entries
# after a 10,000-entry prefill, 64 connections.
set -uo pipefail
AIDREG_ROOT=${AIDREG_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
export AIDREG_ROOT
BUILD=$AIDREG_ROOT/build OUT=$AIDREG_ROOT/var/statements/run
while (($#)); do
  case $1 in
    --build) BUILD=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --) shift; break ;;
    *) echo "bench_statements.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
FLAGS=("$@")
((${#FLAGS[@]})) || FLAGS=(--entries 20000 --domain-entries 0 --prefill 10000 --skip-baseline --readers 0
  --skip-open --verify-seconds 1)
((EUID == 0)) || { echo "bench_statements.sh: run as root (the cluster runs as postgres)" >&2; exit 1; }
# shellcheck source=tools/pg.sh
. "$AIDREG_ROOT/tools/pg.sh"
mkdir -p "$(dirname "$OUT")"
PG_PORT=${AIDREG_BENCH_PG_PORT:-55434}
# A cluster left running without the library would keep running so: stopped first.
pg_stop bench >/dev/null 2>&1 || true
export AIDREG_PG_OPTIONS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all -c pg_stat_statements.track_planning=on"
q() { pg_psql bench -d aidreg -At -F '|' "$@"; }
SNAP="SELECT 'wal', wal_records, wal_bytes, wal_sync FROM pg_stat_wal
  UNION ALL SELECT 'rows ' || relname, n_tup_ins, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables
  UNION ALL SELECT 'scans ' || relname, seq_scan, coalesce(idx_scan, 0), 0 FROM pg_stat_user_tables"
AIDREG_BUILD_DIR=$BUILD AIDREG_BENCH_NO_BUILD=1 AIDREG_BENCH_MIX=0 nice -n 5 "$AIDREG_ROOT/tools/bench.sh" "${FLAGS[@]}" \
  >"$OUT.out" 2> >(tee "$OUT.err" | while IFS= read -r line; do
    printf '%s\n' "$line" >&2
    if [[ $line == *"warm-up: the server made"* ]]; then
      q -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" -c "SELECT pg_stat_statements_reset()" >/dev/null
      q -c "$SNAP" >"$OUT.before"
    fi
  done)
sleep 1 # the reader of the progress lines
entries=$(grep -o 'closed loop: [0-9]*/' "$OUT.err" | grep -o '[0-9]*' | head -n 1)
[[ -n $entries && -s $OUT.before ]] || { echo "bench_statements.sh: the closed loop did not run (see $OUT.err)" >&2; exit 1; }
pg_start bench "$PG_PORT" >/dev/null || exit 1
q -c "$SNAP" >"$OUT.after"
q -c "SELECT round(calls::numeric / greatest(1, (SELECT sum(calls) FROM pg_stat_statements WHERE query = 'COMMIT')), 2), round(rows::numeric / greatest(calls, 1), 1), round((total_plan_time * 1000 / $entries)::numeric, 1),
      round((total_exec_time * 1000 / $entries)::numeric, 1), round(wal_records::numeric / $entries, 2),
      round(wal_bytes / $entries, 0), round((shared_blks_hit + shared_blks_read)::numeric / $entries, 1),
      CASE WHEN toplevel THEN '' ELSE '(nested) ' END || regexp_replace(left(query, 100), '\s+', ' ', 'g')
    FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat%' AND total_plan_time + total_exec_time > 0
    ORDER BY total_plan_time + total_exec_time DESC LIMIT 20" >"$OUT.statements"
pg_stop bench >/dev/null 2>&1
grep 'closed loop' "$OUT.err"
echo "per entry of the closed loop ($entries entries):"
echo "calls a commit | rows a call | plan us | exec us | WAL records | WAL bytes | buffers | statement"
cat "$OUT.statements"
python3 - "$OUT.before" "$OUT.after" "$entries" <<'EOF'
import sys
def read(f):
    return {p[0]: [float(x or 0) for x in p[1:]] for p in (l.rstrip('\n').split('|') for l in open(f)) if p[0]}
a, b, n = read(sys.argv[1]), read(sys.argv[2]), float(sys.argv[3])
names = {'wal': 'WAL records, bytes, syncs', 'rows': 'rows inserted, updated, HOT', 'scans': 'sequential, index scans'}
for k, v in b.items():
    d = [y - x for x, y in zip(a.get(k, [0] * len(v)), v)]
    if any(d):
        print('%-32s %s an entry (%s)' % (k, ' / '.join('%.3g' % (x / n) for x in d), names[k.split()[0]]))
EOF
