#!/usr/bin/env bash
# The verify and audit lines of the benchmark (docs/benchmark.md, "Verify and audit"): a
# generated county (aidreg-bench-audit --export/--sql, default 100,000 assets, about a
# million entries), written once into var/bench-verify/<assets>/ and loaded once into a
# database of its own cluster, then timed in this run beside the Ed25519 ceiling of this
# run: aidreg verify and aidreg audit from the export and from the database (wall and CPU
# seconds, peak RSS from /usr/bin/time). The last stdout line is
#   bench-verify: entries=N ceiling_per_s=N verify_dir_per_s=N ratio_dir=N verify_db_per_s=N ratio_db=N
#                 audit_dir_s=N audit_dir_rss_mb=N audit_db_s=N audit_db_rss_mb=N
#                 ceiling_per_cpu_s=N verify_dir_per_cpu_s=N cpu_ratio_dir=N verify_db_per_cpu_s=N cpu_ratio_db=N
# It reports; it never fails on speed.
#
# Environment: AIDREG_BENCH_VERIFY_ASSETS (default 100000), AIDREG_BENCH_VERIFY_PG_PORT
# (default 55435), AIDREG_BUILD_DIR (default build-release), AIDREG_BENCH_NO_BUILD=1.
# AIDREG_BENCH_VERIFY_BEFORE=DIR (a build of another commit, e.g. main's) adds a before/after
# of `verify --dir` in this run: each build with AIDREG_VERIFY_THREADS 1 and 2, in turn,
# AIDREG_BENCH_VERIFY_REPEAT times (default 1), one line each (ab: ...); with
# AIDREG_BENCH_VERIFY_AB_AUDIT=1 also `audit --dir` each time (ab-audit: ..., the two builds'
# findings compared byte for byte); with AIDREG_BENCH_VERIFY_AB_ONLY=1 the run is the
# ceiling and that comparison only (no cluster started), the ceiling measured again after it.
# AIDREG_BENCH_VERIFY_EXPORT=DIR reads the ledger from DIR/export and DIR/export.vkey (another
# checkout's, read-only) instead of generating one; the outputs still go to var/bench-verify/.
# AIDREG_BENCH_VERIFY_AB_THREADS (default "1 2"): the thread counts of the before/after.
# Run by tools/bench.sh when AIDREG_BENCH_VERIFY is set, or alone.
set -euo pipefail

AIDREG_ROOT=${AIDREG_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
export AIDREG_ROOT
# shellcheck source=tools/pg.sh
. "$AIDREG_ROOT/tools/pg.sh"
log() { printf 'bench_verify.sh: %s\n' "$*" >&2; }
die() { printf 'bench_verify.sh: error: %s\n' "$*" >&2; exit 1; }
((EUID == 0)) || die "run as root: the private cluster runs as the postgres account through runuser"
[[ -x /usr/bin/time ]] || die "no /usr/bin/time (Debian package time)"

BUILD=${AIDREG_BUILD_DIR:-$AIDREG_ROOT/build-release}
ASSETS=${AIDREG_BENCH_VERIFY_ASSETS:-100000}
[[ $ASSETS =~ ^[0-9]+$ ]] || die "AIDREG_BENCH_VERIFY_ASSETS is a number"
PG_PORT=${AIDREG_BENCH_VERIFY_PG_PORT:-55435}
NAME=benchverify
DATA=$AIDREG_ROOT/var/bench-verify/$ASSETS
DB=v$ASSETS
if [[ ${AIDREG_BENCH_NO_BUILD:-} != 1 ]]; then
  cmake -S "$AIDREG_ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD" -j "$(nproc 2>/dev/null || echo 2)" --target aidreg-cli aidreg-bench-audit >&2
fi

mkdir -p "$DATA"
SRC=${AIDREG_BENCH_VERIFY_EXPORT:-$DATA}
[[ -z ${AIDREG_BENCH_VERIFY_EXPORT:-} || -f $SRC/export/checkpoint ]] || die "no export in AIDREG_BENCH_VERIFY_EXPORT=$SRC"
if [[ -z ${AIDREG_BENCH_VERIFY_EXPORT:-} && (! -f $DATA/export/checkpoint || ! -f $DATA/ledger.sql) ]]; then
  log "generating $ASSETS assets into ${DATA#"$AIDREG_ROOT"/} (once; minutes for 100,000)"
  rm -rf "$DATA/export" "$DATA/export.vkey" "$DATA/ledger.sql" "$DATA/loaded"
  "$BUILD/aidreg-bench-audit" --assets "$ASSETS" --export "$DATA/export" --sql "$DATA/ledger.sql" >&2
fi
VKEY=$(cat "$SRC/export.vkey")

AB_ONLY=0
[[ -n ${AIDREG_BENCH_VERIFY_BEFORE:-} && ${AIDREG_BENCH_VERIFY_AB_ONLY:-} == 1 ]] && AB_ONLY=1
((AB_ONLY)) || [[ -z ${AIDREG_BENCH_VERIFY_EXPORT:-} ]] || die "AIDREG_BENCH_VERIFY_EXPORT is for the A/B alone (AB_ONLY)"
((AB_ONLY)) || trap 'pg_stop "$NAME" || true' EXIT
((AB_ONLY)) || pg_start "$NAME" "$PG_PORT"
OWNER=$(pg_url "$NAME" aidreg_owner "$DB")
SUPER=$(pg_url "$NAME" postgres "$DB")
if ((!AB_ONLY)) && [[ ! -f $DATA/loaded || -z $(pg_psql "$NAME" -At -c "SELECT 1 FROM pg_database WHERE datname = '$DB'") ]]; then
  log "loading the ledger into database $DB (once)"
  pg_psql "$NAME" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
  pg_psql "$NAME" -c "CREATE DATABASE $DB OWNER aidreg_owner" >/dev/null
  "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$OWNER" -c \
    "CREATE TABLE IF NOT EXISTS schema_version (version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
  for f in "$AIDREG_ROOT"/sql/[0-9]*.sql; do "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$OWNER" -f "$f" >/dev/null; done
  "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$SUPER" -f "$DATA/ledger.sql" >/dev/null
  "$PG_BIN/psql" -X -q "$SUPER" -c "VACUUM ANALYZE" >/dev/null
  touch "$DATA/loaded"
fi

cline=$("$BUILD/aidreg-bench-audit" --ceiling 2)
ceiling=$(sed -n 's/.*ceiling_per_s=\([0-9]*\).*/\1/p' <<<"$cline")
ceiling_cpu=$(sed -n 's/.*per_cpu_s=\([0-9]*\).*/\1/p' <<<"$cline")
log "ceiling: $ceiling Ed25519 verifications/s on $(nproc) cores, $ceiling_cpu per CPU-second"

# timed LABEL CMD...: runs it, sets T_WALL, T_CPU, T_RSS_MB; a failure is fatal.
timed() {
  local label=$1 out; shift
  out=$(mktemp)
  if ! /usr/bin/time -f "%e %U %S %M" -o "$out" "$@" >"$DATA/$label.out" 2>"$DATA/$label.err"; then
    cat "$DATA/$label.err" >&2
    rm -f "$out"
    die "$label failed"
  fi
  read -r T_WALL u s rss <"$out"
  rm -f "$out"
  T_CPU=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
  T_RSS_MB=$((rss / 1024))
  log "$label: ${T_WALL} s wall, ${T_CPU} s CPU, peak RSS ${T_RSS_MB} MB"
}

# ab_line WHAT WHICH THREADS ENTRIES: one line of the before/after, from timed's figures.
ab_line() {
  printf '%s: %s threads=%s wall_s=%s cpu_s=%s rss_mb=%s per_s=%s per_cpu_s=%s ratio=%s cpu_ratio=%s\n' \
    "$1" "$2" "$3" "$T_WALL" "$T_CPU" "$T_RSS_MB" \
    "$(awk -v n="$4" -v t="$T_WALL" 'BEGIN { printf "%.0f", (t > 0 ? n / t : 0) }')" \
    "$(awk -v n="$4" -v t="$T_CPU" 'BEGIN { printf "%.0f", (t > 0 ? n / t : 0) }')" \
    "$(awk -v n="$4" -v t="$T_WALL" -v c="$ceiling" 'BEGIN { printf "%.3f", (t > 0 && c > 0 ? n / t / c : 0) }')" \
    "$(awk -v n="$4" -v t="$T_CPU" -v c="$ceiling_cpu" 'BEGIN { printf "%.3f", (t > 0 && c > 0 ? n / t / c : 0) }')"
}

if [[ -n ${AIDREG_BENCH_VERIFY_BEFORE:-} ]]; then
  BEFORE=$(cd "$AIDREG_BENCH_VERIFY_BEFORE" && pwd)
  [[ -x $BEFORE/aidreg ]] || die "no aidreg in AIDREG_BENCH_VERIFY_BEFORE=$BEFORE"
  for ((r = 0; r < ${AIDREG_BENCH_VERIFY_REPEAT:-1}; r++)); do
    for threads in ${AIDREG_BENCH_VERIFY_AB_THREADS:-1 2}; do
      for which in before after; do
        bin=$BUILD/aidreg
        [[ $which == before ]] && bin=$BEFORE/aidreg
        AIDREG_VERIFY_THREADS=$threads timed "ab_$which" "$bin" verify --dir "$SRC/export" --vkey "$VKEY"
        n=$(sed -n 's/^ok: ledger [0-9]* size \([0-9]*\) .*/\1/p' "$DATA/ab_$which.out")
        ab_line ab "$which" "$threads" "$n"
        [[ ${AIDREG_BENCH_VERIFY_AB_AUDIT:-} == 1 ]] || continue
        AIDREG_VERIFY_THREADS=$threads timed "ab_audit_$which" "$bin" audit --dir "$SRC/export" --vkey "$VKEY" \
          --as-of 2025-12-31 --out "$DATA/ab_audit_$which.json"
        ab_line ab-audit "$which" "$threads" "$n"
      done
      cmp -s "$DATA/ab_before.out" "$DATA/ab_after.out" || die "the two builds' verify outputs differ"
      if [[ ${AIDREG_BENCH_VERIFY_AB_AUDIT:-} == 1 ]]; then
        cmp -s "$DATA/ab_audit_before.json" "$DATA/ab_audit_after.json" || die "the two builds' audits differ"
      fi
    done
  done
  if ((AB_ONLY)); then
    log "ceiling after: $("$BUILD/aidreg-bench-audit" --ceiling 2)"
    exit 0
  fi
fi

timed verify_dir "$BUILD/aidreg" verify --dir "$DATA/export" --vkey "$VKEY"
entries=$(sed -n 's/^ok: ledger [0-9]* size \([0-9]*\) .*/\1/p' "$DATA/verify_dir.out")
dir_rate=$(awk -v n="$entries" -v t="$T_WALL" 'BEGIN { printf "%.0f", (t > 0 ? n / t : 0) }')
dir_cpu=$(awk -v n="$entries" -v t="$T_CPU" 'BEGIN { printf "%.0f", (t > 0 ? n / t : 0) }')
dir_line="verify_dir: ${T_WALL} s wall ${T_CPU} s CPU ${T_RSS_MB} MB"
timed verify_db "$BUILD/aidreg" verify --db "$SUPER" --ledger 529901 --vkey "$VKEY"
db_rate=$(awk -v n="$entries" -v t="$T_WALL" 'BEGIN { printf "%.0f", (t > 0 ? n / t : 0) }')
db_cpu=$(awk -v n="$entries" -v t="$T_CPU" 'BEGIN { printf "%.0f", (t > 0 ? n / t : 0) }')
db_line="verify_db: ${T_WALL} s wall ${T_CPU} s CPU ${T_RSS_MB} MB"
timed audit_dir "$BUILD/aidreg" audit --dir "$DATA/export" --vkey "$VKEY" --as-of 2025-12-31 --out "$DATA/audit_dir.json"
audit_dir_s=$T_WALL audit_dir_rss=$T_RSS_MB
audit_dir_line="audit_dir: ${T_WALL} s wall ${T_CPU} s CPU ${T_RSS_MB} MB"
timed audit_db "$BUILD/aidreg" audit --db "$SUPER" --ledger 529901 --vkey "$VKEY" --as-of 2025-12-31 --out "$DATA/audit_db.json"
cmp -s "$DATA/audit_dir.json" "$DATA/audit_db.json" || die "the audits from the export and the database differ"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }
printf '%s\n%s\n%s\naudit_db: %s s wall %s s CPU %s MB\n' "$dir_line" "$db_line" "$audit_dir_line" "$T_WALL" "$T_CPU" "$T_RSS_MB"
printf 'bench-verify: entries=%s ceiling_per_s=%s verify_dir_per_s=%s ratio_dir=%s verify_db_per_s=%s ratio_db=%s ' \
  "$entries" "$ceiling" "$dir_rate" "$(ratio "$dir_rate" "$ceiling")" "$db_rate" "$(ratio "$db_rate" "$ceiling")"
printf 'audit_dir_s=%s audit_dir_rss_mb=%s audit_db_s=%s audit_db_rss_mb=%s ' "$audit_dir_s" "$audit_dir_rss" "$T_WALL" "$T_RSS_MB"
# Per CPU-second (what a shared machine's neighbours do not change): entries, and the ratio
# to the ceiling's verifications per CPU-second.
printf 'ceiling_per_cpu_s=%s verify_dir_per_cpu_s=%s cpu_ratio_dir=%s verify_db_per_cpu_s=%s cpu_ratio_db=%s\n' \
  "$ceiling_cpu" "$dir_cpu" "$(ratio "$dir_cpu" "$ceiling_cpu")" "$db_cpu" "$(ratio "$db_cpu" "$ceiling_cpu")"
