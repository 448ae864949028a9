#!/usr/bin/env bash
# The benchmark harness (tools/dev.sh bench): a release build, its own PostgreSQL cluster
# (var/bench, fresh database), its own log key, operator token and server, then
# build-release/aidreg-bench against them. Progress on stderr, figures on stdout; the
# last stdout line is
#   bench: signed_entries_per_s=N p50_ms=N p99_ms=N baseline_rows_per_s=N verify_per_s=N ratio=N
# It reports; it never fails on speed (exit 0), only when it cannot run at all.
#
# AIDREG_BENCH_KIND=import (tools/dev.sh bench-import) runs tools/bench_import.py instead.
# Environment:
#   AIDREG_BENCH_PORT      server port (default 18090)
#   AIDREG_BENCH_PG_PORT   PostgreSQL port (default 55434)
#   AIDREG_BENCH_BIG       also append this many entries (a bare "1" or "yes" means
#                          1000000) and report the server's RSS; takes minutes
#   AIDREG_BENCH_VERIFY    also the verify and audit lines (tools/bench_verify.sh: a generated
#                          county of AIDREG_BENCH_VERIFY_ASSETS assets, made once, beside the
#                          Ed25519 ceiling); takes minutes
#   AIDREG_BENCH_MIX       counties of the mixed load (default 8; 0: none; tools/bench_mix.py)
#   AIDREG_BENCH_MIX_BY    its streams: subject (default, one a subject chain) or village
#   AIDREG_BENCH_STATEMENTS=1  PostgreSQL with pg_stat_statements: the mixed load prints its
#                          costliest statements (calls and time per entry)
#   AIDREG_BUILD_DIR       build folder (default build-release)
#   AIDREG_BENCH_NO_BUILD=1  use the binaries as they are
# Arguments go to aidreg-bench (see build-release/aidreg-bench --help), e.g.
#   tools/dev.sh bench --entries 50000 --concurrency 128
set -euo pipefail

AIDREG_ROOT=${AIDREG_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
export AIDREG_ROOT
# shellcheck source=tools/pg.sh
. "$AIDREG_ROOT/tools/pg.sh"

log() { printf 'bench.sh: %s\n' "$*" >&2; }
die() { printf 'bench.sh: error: %s\n' "$*" >&2; exit 1; }

((EUID == 0)) || die "run as root: the private cluster runs as the postgres account through runuser"

BUILD=${AIDREG_BUILD_DIR:-$AIDREG_ROOT/build-release}
NAME=bench
STATE=$AIDREG_ROOT/var/$NAME
PORT=${AIDREG_BENCH_PORT:-18090}
PG_PORT=${AIDREG_BENCH_PG_PORT:-55434}
mkdir -p "$STATE"

if [[ ${AIDREG_BENCH_NO_BUILD:-} != 1 ]]; then
  log "release build in ${BUILD#"$AIDREG_ROOT"/}"
  cmake -S "$AIDREG_ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD" -j "$(nproc 2>/dev/null || echo 2)" --target aidreg-server aidreg-cli aidreg-bench >&2
fi
for b in aidreg-server aidreg aidreg-bench; do
  [[ -x $BUILD/$b ]] || die "no $BUILD/$b"
done

SERVER_PID=
cleanup() {
  local i
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$SERVER_PID" 2>/dev/null && kill -KILL "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -f "$STATE/server.pid"
  pg_stop "$NAME" || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A server of ours left behind by a run that was killed hard.
if [[ -f $STATE/server.pid ]]; then
  old=$(cat "$STATE/server.pid")
  if [[ -n $old ]] && grep -qa aidreg-server "/proc/$old/cmdline" 2>/dev/null; then
    log "stopping leftover server $old"
    kill -TERM "$old" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do kill -0 "$old" 2>/dev/null || break; sleep 0.2; done
  fi
  rm -f "$STATE/server.pid"
fi

# The cluster restarts every run (stopped at the end), so the setting takes effect.
if [[ ${AIDREG_BENCH_STATEMENTS:-0} == 1 ]]; then
  export AIDREG_PG_OPTIONS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_planning=on"
fi
pg_start "$NAME" "$PG_PORT"
pg_fresh_db "$NAME"

# Log key and operator token of this run.
KEYS=$STATE/keys
rm -rf "$KEYS"
mkdir -p "$KEYS"
chmod 0700 "$KEYS"
"$BUILD/aidreg" keygen --out "$KEYS/log" >/dev/null
TOKEN=$(openssl rand -hex 32)
printf '%s\n' "$TOKEN" >"$KEYS/admin_token"
chmod 0600 "$KEYS/admin_token"

if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  die "port $PORT is taken; set AIDREG_BENCH_PORT"
fi
export AIDREG_BIND=127.0.0.1 AIDREG_PORT=$PORT AIDREG_LOG_HOST=bench.aidreg.local
export AIDREG_DATABASE_URL AIDREG_OWNER_DATABASE_URL
AIDREG_DATABASE_URL=$(pg_url "$NAME" aidreg_app)
AIDREG_OWNER_DATABASE_URL=$(pg_url "$NAME" aidreg_owner)
export AIDREG_LOG_KEY_FILE=$KEYS/log.key AIDREG_ADMIN_TOKEN_FILE=$KEYS/admin_token
# All the load comes from one address, and the entries of each run from a few keys: no
# per-address connection cap, and rate limits far above what the machine can reach (the
# defaults, 100 entries/s per key and 500 requests/s per address, would measure themselves).
export AIDREG_PER_IP_LIMIT=0 AIDREG_KEY_RATE=1000000 AIDREG_ADDRESS_RATE=1000000
unset AIDREG_ADMIN_TOKEN
URL=http://127.0.0.1:$PORT
SERVER_LOG=$STATE/server.log
: >"$SERVER_LOG"
"$BUILD/aidreg-server" >>"$SERVER_LOG" 2>&1 &
SERVER_PID=$!
echo "$SERVER_PID" >"$STATE/server.pid"
for ((i = 0; ; i++)); do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    tail -n 30 "$SERVER_LOG" >&2
    SERVER_PID=
    die "the server exited during start (log: ${SERVER_LOG#"$AIDREG_ROOT"/})"
  fi
  curl -fsS -o /dev/null --max-time 2 "$URL/healthz" 2>/dev/null && break
  ((i < 300)) || die "the server did not answer /healthz within 60 s"
  sleep 0.2
done
log "server $SERVER_PID on $URL, PostgreSQL on port $(pg_port "$NAME"), log ${SERVER_LOG#"$AIDREG_ROOT"/}"

# The token goes by the environment, not the command line (ps shows arguments).
args=(--url "$URL" --origin-host "$AIDREG_LOG_HOST"
  --db-url "$(pg_url "$NAME" postgres)" --server-pid "$SERVER_PID")
# The mixed load: AIDREG_BENCH_MIX counties' years (default 8; 0: none), pre-signed once by
# tools/bench_mix.py and kept (the database is fresh every run, so the same file serves).
MIX_COUNTIES=${AIDREG_BENCH_MIX:-8}
if ((MIX_COUNTIES > 0)); then
  MIX_BY=${AIDREG_BENCH_MIX_BY:-subject}
  MIX_FILE=$STATE/mix-$MIX_BY-$MIX_COUNTIES-$AIDREG_LOG_HOST.jsonl
  [[ -s $MIX_FILE ]] || python3 "$AIDREG_ROOT/tools/bench_mix.py" --counties "$MIX_COUNTIES" --by "$MIX_BY" \
    --host "$AIDREG_LOG_HOST" --out "$MIX_FILE" || die "tools/bench_mix.py failed"
  args+=(--mix "$MIX_FILE")
fi
if [[ -n ${AIDREG_BENCH_BIG:-} ]]; then
  big=$AIDREG_BENCH_BIG
  [[ $big =~ ^[0-9]+$ && $big -gt 1 ]] || big=1000000
  args+=(--big "$big")
fi

rc=0
if [[ ${AIDREG_BENCH_KIND:-} == import ]]; then
  # tools/dev.sh bench-import: the 台账 import against the bare batch append (tools/bench_import.py).
  AIDREG_ADMIN_TOKEN=$TOKEN python3 "$AIDREG_ROOT/tools/bench_import.py" --url "$URL" --build "$BUILD" "$@" || rc=$?
  ((rc == 0)) || { log "bench_import.py exited with status $rc"; tail -n 20 "$SERVER_LOG" >&2; }
  exit "$rc"
fi
AIDREG_ADMIN_TOKEN=$TOKEN "$BUILD/aidreg-bench" "${args[@]}" "$@" || rc=$?
if ((rc != 0)); then
  log "aidreg-bench exited with status $rc; last lines of the server log:"
  tail -n 20 "$SERVER_LOG" >&2
  exit "$rc"
fi
if [[ -n ${AIDREG_BENCH_VERIFY:-} ]]; then
  "$AIDREG_ROOT/tools/bench_verify.sh" || log "the verify lines could not run (status $?)"
fi
exit 0
