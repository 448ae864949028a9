#!/usr/bin/env bash
# aidreg developer entry point: build, run the demo server, run every test, benchmark.
set -euo pipefail

AIDREG_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export AIDREG_ROOT
# shellcheck source=tools/devlib.sh
. "$AIDREG_ROOT/tools/devlib.sh"

usage() {
  cat <<'EOF'
usage: tools/dev.sh COMMAND [ARGS]

  run     install missing Debian packages, build into build/, start a private PostgreSQL
          cluster under var/dev (port $AIDREG_PG_PORT, default 55432), create the demo
          county ledger with demo keys and sample entries on first run, write var/dev/env,
          and run the server in the foreground on 127.0.0.1:$AIDREG_PORT (default 8080).
          Ctrl-C or SIGTERM stops the server and the cluster; the next run reuses them.
  test    the same setup on its own cluster (var/test, port $AIDREG_PG_PORT, default
          55433) and server port ($AIDREG_PORT, default 18080); builds build/ and an
          ASan/UBSan build-asan/, runs for each: ctest (labels unit, integration) and the
          end-to-end tests (tests/e2e, tests/interop) against that build's server on a fresh
          database; builds the libFuzzer targets (build-fuzz/) and runs each for
          $AIDREG_FUZZ_SECONDS (default 20) seconds. Prints a summary; non-zero on any failure.
  bench   the benchmark: tools/bench.sh (release build in build-release/, its own cluster
          var/bench and server; ARGS go to it).
  build   build into build/ (ARGS go to cmake's configure step).
  stop    stop a server and cluster left behind by run, test or bench.

Environment: AIDREG_PORT, AIDREG_PG_PORT, AIDREG_LOG_HOST (origin prefix; default
dev.aidreg.local for run, test.aidreg.local for test), AIDREG_FUZZ_SECONDS,
AIDREG_SKIP_ASAN=1 / AIDREG_SKIP_FUZZ=1 (test: skip those builds), AIDREG_NO_INSTALL=1
(never call apt-get), AIDREG_CMAKE_ARGS (extra arguments to every cmake configure).
EOF
}

# ---------------------------------------------------------------- packages

PACKAGES=(build-essential cmake pkg-config libpq-dev libmicrohttpd-dev libsodium-dev
  libjansson-dev libcurl4-openssl-dev postgresql postgresql-contrib python3
  python3-cryptography clang libclang-rt-14-dev curl openssl)

ensure_packages() {
  [[ ${AIDREG_NO_INSTALL:-} == 1 ]] && return 0
  command -v dpkg-query >/dev/null || { log "not a Debian system: install the dependencies yourself"; return 0; }
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  log "installing missing packages: ${missing[*]}"
  local sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null || die "not root and no sudo: install ${missing[*]}"
    sudo=(sudo)
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  PG_BIN=$(_pg_find_bin)
}

need_root() {
  ((EUID == 0)) || die "run as root: the private cluster runs as the postgres account through runuser"
}

# ---------------------------------------------------------------- build

# build_dir DIR [cmake args...]; AIDREG_CMAKE_ARGS adds configure arguments to every build.
# BUILD_TARGETS (space-separated) limits the build to those targets.
build_dir() {
  local dir=$1 t targets=(); shift
  for t in ${BUILD_TARGETS:-}; do targets+=(--target "$t"); done
  # shellcheck disable=SC2086
  cmake -S "$AIDREG_ROOT" -B "$AIDREG_ROOT/$dir" ${AIDREG_CMAKE_ARGS:-} "$@" >/dev/null
  cmake --build "$AIDREG_ROOT/$dir" -j "$JOBS" "${targets[@]}"
}

# build_fuzz --target T...: the libFuzzer targets only, with clang.
build_fuzz() {
  # The project's warning flags are gcc's: clang must not fail on the ones it lacks.
  # shellcheck disable=SC2086
  CC=clang cmake -S "$AIDREG_ROOT" -B "$AIDREG_ROOT/build-fuzz" -DCMAKE_C_FLAGS=-Wno-unknown-warning-option \
    ${AIDREG_CMAKE_ARGS:-} -DAIDREG_FUZZ=ON >/dev/null
  cmake --build "$AIDREG_ROOT/build-fuzz" -j "$JOBS" "$@"
}

# ---------------------------------------------------------------- run

RUN_CLEANUP_DONE=
run_cleanup() {
  [[ -n $RUN_CLEANUP_DONE ]] && return 0
  RUN_CLEANUP_DONE=1
  if [[ -n $SERVER_PID ]]; then
    log "stopping server"
    server_stop || true
  fi
  pg_stop "${CLUSTER:-dev}"
}

cmd_run() {
  need_root
  ensure_packages
  BUILD_TARGETS="aidreg-server aidreg-cli" build_dir build
  CLUSTER="dev"
  trap run_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  stop_leftover_server dev
  pg_start dev "${AIDREG_PG_PORT:-55432}" "${AIDREG_PG_PORT:+fixed}"
  server_env dev "${AIDREG_PORT:-8080}" "${AIDREG_LOG_HOST:-dev.aidreg.local}"
  keygen build "$AIDREG_STATE_DIR/keys" log
  server_start dev build
  demo_ledger build || die "creating the demo ledger failed"
  write_env_file "$AIDREG_STATE_DIR/env"
  cat >&2 <<EOF

  aidreg is serving on $AIDREG_URL  (demo ledger $AIDREG_LEDGER, origin $AIDREG_ORIGIN)
  In another shell:   source var/dev/env && build/aidreg verify
  Stop with Ctrl-C.

EOF
  local rc=0
  wait "$SERVER_PID" || rc=$?
  SERVER_PID=
  log "server exited with status $rc"
  return "$rc"
}

# ---------------------------------------------------------------- test

declare -a SUMMARY=()
FAILED=0

# record SUITE PASSED FAILED [NOTE]
record() {
  SUMMARY+=("$1|$2|$3|${4:-}")
  (($3 > 0)) && FAILED=1
  return 0
}

# run_ctest BUILD: unit and integration tests of that build.
run_ctest() {
  local build=$1 logf=$AIDREG_STATE_DIR/ctest-$1.log rc=0 passed=0 failed=0 line total
  log "ctest ($build)"
  tee_run "$logf" ctest --test-dir "$AIDREG_ROOT/$build" -L 'unit|integration' --output-on-failure \
    --timeout 600 || rc=$?
  line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$logf" | tail -n 1 || true)
  if [[ -n $line ]]; then
    failed=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
    total=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")
    passed=$((total - failed))
    ((rc != 0 && failed == 0)) && failed=1
    record "ctest ($build)" "$passed" "$failed"
  elif grep -q 'No tests were found' "$logf"; then
    record "ctest ($build)" 0 0 "no tests yet"
  else
    record "ctest ($build)" 0 1 "ctest did not run (status $rc)"
  fi
}

# run_e2e BUILD: fresh database, that build's server, demo ledger, tests/e2e + tests/interop.
run_e2e() {
  local build=$1 slog=$AIDREG_STATE_DIR/server-$1.log logf=$AIDREG_STATE_DIR/e2e-$1.log rc=0 line
  log "end-to-end tests ($build)"
  pg_fresh_db test
  : >"$slog"
  export AIDREG_SERVER_LOG=$slog
  if ! server_start test "$build" "$slog"; then
    record "e2e ($build)" 0 1 "server did not start: see ${slog#"$AIDREG_ROOT"/}"
    return 0
  fi
  if ! AIDREG_DEMO_STRICT=1 demo_ledger "$build" >>"$AIDREG_STATE_DIR/demo-$build.log" 2>&1; then
    log "demo ledger failed: see $AIDREG_STATE_DIR/demo-$build.log"
    tail -n 20 "$AIDREG_STATE_DIR/demo-$build.log" >&2 || true
    record "demo ledger ($build)" 0 1 "tools/demo.sh failed"
  else
    record "demo ledger ($build)" 1 0
  fi
  write_env_file "$AIDREG_STATE_DIR/env"
  tee_run "$logf" timeout 1800 "$PYTHON" "$AIDREG_ROOT/tests/e2e/run.py" || rc=$?
  server_stop || log "server ($build) exited with status $? after SIGTERM"
  line=$(grep -E '^([a-z0-9-]+: )?[0-9]+ passed, [0-9]+ failed' "$logf" | tail -n 1 || true)
  if [[ -n $line ]]; then
    local p f
    p=$(sed -E 's/^([a-z0-9-]+: )?([0-9]+) passed.*/\2/' <<<"$line")
    f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
    ((rc != 0 && f == 0)) && f=1
    record "e2e ($build)" "$p" "$f"
  else
    record "e2e ($build)" 0 1 "runner ended without a count (status $rc)"
  fi
  # Sanitizer reports from any server process of this build (the concurrency test starts a second).
  local s bad=0
  for s in "$AIDREG_STATE_DIR"/server-"$build"*.log; do
    [[ -f $s ]] || continue
    if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: (Address|Undefined)' "$s"; then
      log "sanitizer report in $s:"; grep -E -A 20 'ERROR: |runtime error:' "$s" | head -n 60 >&2
      bad=1
    fi
  done
  if [[ $build == build-asan ]]; then
    if ((bad)); then record "server sanitizers" 0 1 "see var/test/server-$build*.log"; else record "server sanitizers" 1 0; fi
  fi
}

run_fuzz() {
  local fdir=$AIDREG_ROOT/build-fuzz out=$AIDREG_STATE_DIR/fuzz secs=${AIDREG_FUZZ_SECONDS:-20} bin name short corpus work
  mkdir -p "$out"
  local found=0
  for bin in "$fdir"/fuzz_*; do
    [[ -f $bin && -x $bin ]] || continue
    found=1
    name=$(basename "$bin"); short=${name#fuzz_}
    corpus=()
    for c in "$AIDREG_ROOT/tests/fuzz/corpus_$short" "$AIDREG_ROOT/tests/fuzz/corpus_$name"; do
      [[ -d $c ]] && corpus+=("$c")
    done
    work=$(mktemp -d)
    log "fuzzing $name for $secs s"
    if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$out/$name-" "$work" "${corpus[@]}" >"$out/$name.log" 2>&1; then
      record "fuzz $name" 1 0 "$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out/$name.log" | grep -o '[0-9]*$' || echo '?') runs"
    else
      tail -n 40 "$out/$name.log" >&2
      record "fuzz $name" 0 1 "crash: see ${out#"$AIDREG_ROOT"/}/$name.log"
    fi
    rm -rf "$work"
  done
  ((found)) || record "fuzz" 0 0 "no fuzz targets yet"
}

print_summary() {
  local row suite p f note tp=0 tf=0
  printf '\n%-28s %8s %8s  %s\n' "suite" "passed" "failed" "note"
  printf '%-28s %8s %8s  %s\n' "-----" "------" "------" "----"
  for row in "${SUMMARY[@]}"; do
    IFS='|' read -r suite p f note <<<"$row"
    printf '%-28s %8s %8s  %s\n' "$suite" "$p" "$f" "$note"
    tp=$((tp + p)) tf=$((tf + f))
  done
  echo
  echo "$tp passed, $tf failed"
}

TEST_CLEANUP_DONE=
test_cleanup() {
  [[ -n $TEST_CLEANUP_DONE ]] && return 0
  TEST_CLEANUP_DONE=1
  server_stop || true
  pg_stop test
  # A cluster in /tmp (postgres could not enter the checkout) is not kept between runs.
  pg_drop_tmp test
}

cmd_test() {
  need_root
  ensure_packages
  mkdir -p "$AIDREG_ROOT/var/test"
  local builds=() b
  local -A flags=([build]="" [build-asan]="-DAIDREG_SANITIZE=ON")
  for b in build build-asan; do
    [[ $b == build-asan && ${AIDREG_SKIP_ASAN:-} == 1 ]] && continue
    log "building $b"
    # shellcheck disable=SC2086
    if tee_run "$AIDREG_ROOT/var/test/$b.log" build_dir "$b" ${flags[$b]}; then
      record "build $b" 1 0
      builds+=("$b")
    else
      record "build $b" 0 1 "see var/test/$b.log"
    fi
  done
  local fuzz_ok=0
  if [[ ${AIDREG_SKIP_FUZZ:-} != 1 ]] && compgen -G "$AIDREG_ROOT/tests/fuzz/fuzz_*.c" >/dev/null; then
    log "building build-fuzz"
    local targets=() src
    for src in "$AIDREG_ROOT"/tests/fuzz/fuzz_*.c; do targets+=(--target "$(basename "$src" .c)"); done
    if tee_run "$AIDREG_ROOT/var/test/build-fuzz.log" build_fuzz "${targets[@]}"; then
      record "build build-fuzz" 1 0; fuzz_ok=1
    else
      record "build build-fuzz" 0 1 "see var/test/build-fuzz.log"
    fi
  fi

  CLUSTER="test"
  trap test_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  stop_leftover_server test
  pg_start test "${AIDREG_PG_PORT:-55433}" "${AIDREG_PG_PORT:+fixed}"
  server_env test "$(pick_port "${AIDREG_PORT:-}" 18080)" "${AIDREG_LOG_HOST:-test.aidreg.local}"
  # The log key, with the CLI of the first build that has one (openssl otherwise).
  keygen "${builds[0]:-build}" "$AIDREG_STATE_DIR/keys" log

  for b in "${builds[@]}"; do
    if [[ $b == build-asan ]]; then
      export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1
      export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    else
      unset ASAN_OPTIONS UBSAN_OPTIONS
    fi
    pg_fresh_db test
    run_ctest "$b"
    run_e2e "$b"
  done
  unset ASAN_OPTIONS UBSAN_OPTIONS
  ((fuzz_ok)) && run_fuzz

  test_cleanup
  print_summary
  return "$FAILED"
}

# ---------------------------------------------------------------- bench, build, stop

cmd_bench() {
  need_root
  ensure_packages
  # tools/bench.sh makes its own release build (build-release/), cluster and server.
  if [[ -f $AIDREG_ROOT/tools/bench.sh ]]; then
    export AIDREG_BUILD_DIR=${AIDREG_BUILD_DIR:-$AIDREG_ROOT/build-release}
    exec bash "$AIDREG_ROOT/tools/bench.sh" "$@"
  fi
  build_dir build-release -DCMAKE_BUILD_TYPE=Release
  die "tools/bench.sh does not exist yet: built build-release/ only"
}

cmd_build() {
  ensure_packages
  build_dir build "$@"
}

cmd_stop() {
  need_root
  local n
  for n in dev test bench; do
    stop_leftover_server "$n"
    if [[ -d $AIDREG_ROOT/var/$n ]]; then pg_stop "$n"; fi
  done
}

case ${1:-} in
  run) shift; cmd_run "$@" ;;
  test) shift; cmd_test "$@" ;;
  bench) shift; cmd_bench "$@" ;;
  build) shift; cmd_build "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  -h | --help | help) usage ;;
  "") usage >&2; exit 2 ;;
  *) echo "dev: unknown command '$1'" >&2; usage >&2; exit 2 ;;
esac
