#!/usr/bin/env bash
# A/B of the write path: a build of another commit (default main) against this checkout's,
# the same tools/bench.sh runs alternating (A1 B1 A2 B2 ...), so that the shared machine's
# changing load falls on both sides; then a table of each run and the means
# (tools/bench_ab.py). Run as root, like tools/dev.sh bench.
#
#   tools/bench_ab.sh [--ref REF] [--rounds N] [--out DIR] [-- aidreg-bench arguments]
#
# A is REF exported with `git archive` into var/ab-src/ and built there (build/, the
# project's default build type); B is this checkout's build/ (tools/dev.sh build), so both
# sides have the same compiler flags. Each run's stderr and stdout are kept in DIR
# (default var/ab/). Default bench arguments: a short run of every write line
# (key.enroll closed loop, open loop, inventory.count, the Ed25519 ceiling), no mixed load.
set -euo pipefail
AIDREG_ROOT=${AIDREG_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
REF=main ROUNDS=3 OUT=$AIDREG_ROOT/var/ab
while (($#)); do
  case $1 in
    --ref) REF=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --) shift; break ;;
    *) echo "bench_ab.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
FLAGS=("$@")
((${#FLAGS[@]})) || FLAGS=(--entries 20000 --domain-entries 10000 --prefill 10000 --skip-baseline --readers 0
  --open-seconds 5 --verify-seconds 2)
((EUID == 0)) || { echo "bench_ab.sh: run as root (the cluster runs as postgres)" >&2; exit 1; }

SRC=$AIDREG_ROOT/var/ab-src
rm -rf "$SRC"
mkdir -p "$SRC" "$OUT"
git -C "$AIDREG_ROOT" archive "$REF" | tar -x -C "$SRC"
echo "bench_ab.sh: building $REF ($(git -C "$AIDREG_ROOT" rev-parse --short "$REF")) in ${SRC#"$AIDREG_ROOT"/}" >&2
cmake -S "$SRC" -B "$SRC/build" >/dev/null
cmake --build "$SRC/build" -j2 --target aidreg-server aidreg-cli aidreg-bench >/dev/null
echo "bench_ab.sh: building this checkout in build/" >&2
cmake -S "$AIDREG_ROOT" -B "$AIDREG_ROOT/build" >/dev/null
cmake --build "$AIDREG_ROOT/build" -j2 --target aidreg-server aidreg-cli aidreg-bench >/dev/null

export AIDREG_BENCH_NO_BUILD=1 AIDREG_BENCH_MIX=${AIDREG_BENCH_MIX:-0}
for ((r = 1; r <= ROUNDS; r++)); do
  for side in A B; do
    build=$AIDREG_ROOT/build
    [[ $side == A ]] && build=$SRC/build
    o=$OUT/$side$r
    date -u +%H:%M:%S >"$o.when"
    echo "bench_ab.sh: run $side$r" >&2
    AIDREG_BUILD_DIR=$build nice -n 5 bash "$AIDREG_ROOT/tools/bench.sh" "${FLAGS[@]}" >"$o.out" 2>"$o.err" ||
      echo "bench_ab.sh: run $side$r failed (see $o.err)" >&2
    date -u +%H:%M:%S >>"$o.when"
  done
done
python3 "$AIDREG_ROOT/tools/bench_ab.py" "$OUT"
