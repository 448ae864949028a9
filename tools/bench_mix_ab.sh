#!/usr/bin/env bash
# A/B of the benchmark's write lines (tools/bench.sh): a base build (default: main's, built
# in a copy, var/main-src/build-release) against this worktree's build-release, alternating
# A B A B so that the shared machine's load falls on both. Beside each run, pg_stat_wal and
# the commits are sampled every second; the WAL bytes and records per entry of the mixed
# load come from the samples in which only the mixed load's counties grew.
#   tools/bench_mix_ab.sh [--runs N] [-- aidreg-bench arguments]
# Make the base first:
#   mkdir -p var/main-src && git archive main | tar -x -C var/main-src &&
#   cmake -S var/main-src -B var/main-src/build-release -DCMAKE_BUILD_TYPE=Release &&
#   cmake --build var/main-src/build-release -j2 --target aidreg-server aidreg-cli aidreg-bench
# Environment: AIDREG_AB_BASE (the base's build folder), AIDREG_BENCH_PORT, AIDREG_BENCH_PG_PORT,
# AIDREG_AB_PG_OPTIONS_A and _B (PostgreSQL options of each side's cluster, for experiments
# with its settings: both sides the same build when AIDREG_AB_BASE is build-release).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BASE=${AIDREG_AB_BASE:-$ROOT/var/main-src/build-release}
MINE=$ROOT/build-release
RUNS=2
if [[ ${1:-} == --help || ${1:-} == -h ]]; then sed -n 2,12p "$0" | sed 's/^# \{0,1\}//'; exit 0; fi
if [[ ${1:-} == --runs ]]; then RUNS=$2; shift 2; fi
[[ ${1:-} == -- ]] && shift
OUT=$ROOT/var/ab
mkdir -p "$OUT"
PG_PORT=${AIDREG_BENCH_PG_PORT:-55434}
URL="postgresql://postgres@127.0.0.1:$PG_PORT/aidreg"
sample() { # epoch wal_records wal_bytes commits mixed_entries wal_syncs
  while :; do
    psql -XAtq "$URL" -c "SELECT extract(epoch FROM now())::numeric(14,1), w.wal_records, w.wal_bytes,
      (SELECT sum(xact_commit) FROM pg_stat_database), (SELECT coalesce(sum(size), 0) FROM ledger
      WHERE code <> '529900'), w.wal_sync FROM pg_stat_wal w" 2>/dev/null || true
    sleep 1
  done
}
for ((r = 1; r <= RUNS; r++)); do
  for side in A B; do
    dir=$BASE
    [[ $side == B ]] && dir=$MINE
    tag=$OUT/run$r-$side
    sample >"$tag.samples" &
    sp=$!
    opts=${AIDREG_AB_PG_OPTIONS_A:-}
    [[ $side == B ]] && opts=${AIDREG_AB_PG_OPTIONS_B:-}
    AIDREG_PG_OPTIONS=$opts AIDREG_BENCH_NO_BUILD=1 AIDREG_BUILD_DIR=$dir nice -n 5 "$ROOT/tools/bench.sh" "$@" >"$tag.out" 2>"$tag.err" || true
    kill "$sp" 2>/dev/null || true
    wait "$sp" 2>/dev/null || true
    grep '^bench: \(mixed_load\|signed\|inventory\|closed\|domain\)' "$tag.out" | sed "s/^/$side run $r: /" || true
    grep 'statements:' "$tag.err" | head -8 | sed "s/^/$side run $r: /" || true
    # The WAL of the mixed load: the samples in which the mixed counties grew.
    awk -F'|' -v tag="$side run $r" 'NF == 6 && $5 > 0 { if (!s) { s = 1; r0 = $2; b0 = $3; c0 = $4; e0 = $5; y0 = $6 }
      if ($5 > le) { r1 = $2; b1 = $3; c1 = $4; e1 = $5; y1 = $6; le = $5 } }
      END { e = e1 - e0; if (e > 0) printf "%s: mixed load WAL %.0f bytes and %.1f records an entry, %.2f entries a transaction, %.2f a WAL sync (%d entries sampled)\n",
        tag, (b1 - b0) / e, (r1 - r0) / e, e / (c1 - c0), e / (y1 - y0 > 0 ? y1 - y0 : 1), e }' "$tag.samples"
  done
done
