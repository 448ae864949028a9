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
  test    builds build/ and an ASan/UBSan build-asan/, and runs ctest in each: unit,
          integration (skipped without a database), e2e (one test per tests/e2e/test_*.py)
          and interop (per tests/interop/test_*.py). CTest fixtures (tests/ctest/*.sh)
          start a private PostgreSQL cluster (var/test, port $AIDREG_PG_PORT, default
          55433), then on a fresh database that build's server (port $AIDREG_PORT, default
          18080 or the next free pair) and the demo ledger, and stop them afterwards;
          var/test/env is left for `source`. Builds the libFuzzer targets (build-fuzz/) and
          runs them as ctest tests (label fuzz), $AIDREG_FUZZ_SECONDS (default 10) seconds
          each. Prints passed/failed/skipped per build and label from ctest's JUnit reports
          (var/test/ctest-BUILD.xml, logs ctest-BUILD.log); non-zero on any failure.
          One build by hand: ctest --test-dir build [-L unit|integration|e2e|interop].
  fuzz [--long] [TARGET...]
          builds the libFuzzer targets (build-fuzz/, clang) and runs each (default: every
          tests/fuzz/fuzz_*.c) for $AIDREG_FUZZ_SECONDS (default 10) seconds, as the test
          run does. --long: the campaign, $AIDREG_FUZZ_RUNS (default 10000000) executions
          per target, one target after the other, on a corpus kept in var/fuzz/ between
          campaigns; prints executions, seconds and executions per second (tests/fuzz/README.md).
  torture [ARGS]
          the crash-safety harness, long form (tests/torture/torture.py): its own cluster
          (var/torture) and server on free ports, concurrent clients, 20 SIGKILLs of the
          server and 20 immediate stops of PostgreSQL by default, then every check; ARGS go
          to the harness (--kills N, --clients N, --pause S, --seed N). Needs root.
  soak [--minutes N] [--rate R] [ARGS]
          the soak (tools/soak.py): its own cluster (var/soak) and server, a closed-loop
          burst to measure the maximum rate, then N minutes (default 60) at R entries/s
          (default half that maximum) of the demo county's mix of entries over fresh
          counties, sampling memory and latency every 10 s; writes docs/soak.{csv,png,md}
          (--out DIR elsewhere) with the verdict whether they stayed flat. Needs root.
  bench   the benchmark: tools/bench.sh (release build in build-release/, its own cluster
          var/bench and server; ARGS go to it).
  bench-import  the 台账 import benchmark: tools/bench_import.py on the same harness
          (100,000 rows; ARGS such as --rows N go to it; docs/benchmark.md "Import").
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
  python3-cryptography clang libclang-rt-14-dev curl openssl nginx
  libzip-dev libexpat1-dev)
PACKAGES+=(gnuplot-nox) # tools/soak.py plots its samples (docs/soak.png)
# libzip-dev, libexpat1-dev: `aidreg import` reads XLSX (a ZIP of XML parts) with its own
# small reader over them (tools/import/); the tests write their XLSX fixtures with python3's
# zipfile, so no zip tool is needed.
PACKAGES+=(libxlsxwriter-dev) # the reports' XLSX (optional to the build)
# The web app's browser test (tests/web): Debian's chromium, a CJK font for its screenshots,
# node for playwright-core (npm comes with some nodejs builds, Debian's has it apart).
PACKAGES+=(chromium fonts-wqy-microhei nodejs)
PACKAGES+=(poppler-utils zbar-tools) # tests/web/evidence: the notice's PDF to text and PNG, its QR decoded
PACKAGES+=(time linux-perf) # tools/bench_verify.sh: CPU s and peak RSS (/usr/bin/time); perf to profile the judge
PACKAGES+=(libjemalloc-dev) # aidreg-cli's allocator: verify's settles cost a sixth less CPU (CMakeLists.txt)

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

# tests/web/node_modules from the committed package-lock.json (npm ci), when it is missing or
# older than the lock file; npm from Debian when nodejs brought none.
ensure_web_deps() {
  [[ ${AIDREG_NO_INSTALL:-} == 1 ]] && return 0
  local web=$AIDREG_ROOT/tests/web
  if ! command -v npm >/dev/null && command -v apt-get >/dev/null; then
    env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends npm || true
  fi
  command -v npm >/dev/null || { log "no npm: the browser test will skip"; return 0; }
  if [[ ! -d $web/node_modules/playwright-core || $web/package-lock.json -nt $web/node_modules/.package-lock.json ]]; then
    log "installing the browser test's npm packages (tests/web, npm ci)"
    (cd "$web" && npm ci --no-audit --no-fund --loglevel=error) || log "npm ci failed: the browser test will skip"
  fi
  # The app's vendored files (api/www/app/vendor/, committed) as the lock file pins them.
  local tw=$AIDREG_ROOT/tools/webapp qr=$AIDREG_ROOT/tools/webapp/node_modules/qrcode-generator/dist/qrcode.mjs
  if [[ ! -f $qr || $tw/package-lock.json -nt $tw/node_modules/.package-lock.json ]]; then
    (cd "$tw" && npm ci --no-audit --no-fund --loglevel=error) || { log "npm ci failed in tools/webapp"; return 0; }
  fi
  cmp -s "$qr" "$AIDREG_ROOT/api/www/app/vendor/qrcode.mjs" || cp "$qr" "$AIDREG_ROOT/api/www/app/vendor/qrcode.mjs"
}

# The web app's precompressed copies (name.gz beside name, for files of 1 KiB or more):
# api/h_static.c sends one to a client that takes gzip unless it is older than its file.
precompress_app() {
  local f
  while IFS= read -r -d '' f; do
    [[ -f $f.gz && $f.gz -nt $f ]] && continue
    gzip -9 -n -c "$f" >"$f.gz.tmp" && mv "$f.gz.tmp" "$f.gz"
  done < <(find "$AIDREG_ROOT/api/www/app" -type f -size +1k \( -name '*.html' -o -name '*.js' -o -name '*.css' \
    -o -name '*.svg' -o -name '*.json' -o -name '*.webmanifest' \) -print0)
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
  precompress_app
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

# record SUITE PASSED FAILED SKIPPED [NOTE]
record() {
  SUMMARY+=("$1|$2|$3|$4|${5:-}")
  (($3 > 0)) && FAILED=1
  return 0
}

# junit_rows FILE: one line "GROUP|passed|failed|skipped|note" per test group (the name's
# part before "/": unit, integration, fixture, e2e, interop, fuzz) of a ctest JUnit report.
junit_rows() {
  "$PYTHON" - "$1" <<'PY'
import re, sys, xml.etree.ElementTree as ET
groups = {}
for tc in ET.parse(sys.argv[1]).getroot().iter("testcase"):
    name = tc.get("name", "")
    g = groups.setdefault(name.split("/")[0] if "/" in name else "other", [0, 0, 0, []])
    out = tc.findtext("system-out") or ""
    if tc.find("skipped") is not None:
        g[2] += 1
    elif tc.get("status") == "run" and tc.find("failure") is None:
        g[0] += 1
        runs = re.search(r"(\d+) runs in", out)
        if runs:
            g[3].append(runs.group(1) + " runs")
    else:
        g[1] += 1
        g[3].append(name.split("/", 1)[-1])
for k in ["unit", "integration", "fixture", "e2e", "interop", "fuzz"] + sorted(groups):
    if k in groups:
        p, f, s, notes = groups.pop(k)
        print("%s|%d|%d|%d|%s" % (k, p, f, s, ("failed: " if f else "") + ", ".join(notes)[:60]))
PY
}

# run_ctest BUILD [CTEST ARGS]: BUILD's CTest suite (its fixtures start the cluster, the
# server and the demo ledger). The summary's rows come from ctest's JUnit report.
run_ctest() {
  local build=$1 junit=$AIDREG_STATE_DIR/ctest-$1.xml logf=$AIDREG_STATE_DIR/ctest-$1.log rc=0 row g p f s note
  shift
  log "ctest ($build)"
  rm -f "$junit"
  tee_run "$logf" ctest --test-dir "$AIDREG_ROOT/$build" --output-on-failure --timeout 600 -j "$JOBS" \
    --output-junit "$junit" "$@" || rc=$?
  if [[ ! -s $junit ]]; then
    if grep -q 'No tests were found' "$logf"; then record "ctest ($build)" 0 0 0 "no tests"; return 0; fi
    record "ctest ($build)" 0 1 0 "ctest did not run (status $rc)"
    return 0
  fi
  local failed=0
  while IFS='|' read -r g p f s note; do
    record "$build: $g" "$p" "$f" "$s" "$note"
    failed=$((failed + f))
  done < <(junit_rows "$junit")
  ((rc != 0 && failed == 0)) && record "ctest ($build)" 0 1 0 "ctest exited with status $rc"
  return 0
}

print_summary() {
  local row suite p f s note tp=0 tf=0 ts=0
  printf '\n%-28s %8s %8s %8s  %s\n' "suite" "passed" "failed" "skipped" "note"
  printf '%-28s %8s %8s %8s  %s\n' "-----" "------" "------" "-------" "----"
  for row in "${SUMMARY[@]}"; do
    IFS='|' read -r suite p f s note <<<"$row"
    printf '%-28s %8s %8s %8s  %s\n' "$suite" "$p" "$f" "$s" "$note"
    tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
  done
  echo
  echo "$tp passed, $tf failed, $ts skipped"
}

# A server or cluster left behind by a ctest that was interrupted.
TEST_CLEANUP_DONE=
test_cleanup() {
  [[ -n $TEST_CLEANUP_DONE ]] && return 0
  TEST_CLEANUP_DONE=1
  stop_leftover_server test
  pg_stop test
  # A cluster in /tmp (postgres could not enter the checkout) is not kept between runs.
  pg_drop_tmp test
}

cmd_test() {
  need_root
  ensure_packages
  ensure_web_deps
  precompress_app
  mkdir -p "$AIDREG_ROOT/var/test"
  export AIDREG_STATE_DIR=$AIDREG_ROOT/var/test
  local builds=() b
  local -A flags=([build]="" [build-asan]="-DAIDREG_SANITIZE=ON")
  for b in build build-asan; do
    [[ $b == build-asan && ${AIDREG_SKIP_ASAN:-} == 1 ]] && continue
    log "building $b"
    # shellcheck disable=SC2086
    if tee_run "$AIDREG_ROOT/var/test/$b.log" build_dir "$b" ${flags[$b]}; then
      record "build $b" 1 0 0
      builds+=("$b")
    else
      record "build $b" 0 1 0 "see var/test/$b.log"
    fi
  done
  local fuzz_ok=0
  if [[ ${AIDREG_SKIP_FUZZ:-} != 1 ]] && compgen -G "$AIDREG_ROOT/tests/fuzz/fuzz_*.c" >/dev/null; then
    log "building build-fuzz"
    local targets=() src
    for src in "$AIDREG_ROOT"/tests/fuzz/fuzz_*.c; do targets+=(--target "$(basename "$src" .c)"); done
    if tee_run "$AIDREG_ROOT/var/test/build-fuzz.log" build_fuzz "${targets[@]}"; then
      record "build build-fuzz" 1 0 0; fuzz_ok=1
    else
      record "build build-fuzz" 0 1 0 "see var/test/build-fuzz.log"
    fi
  fi

  trap test_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  # The fixtures read AIDREG_PG_PORT, AIDREG_PORT, AIDREG_LOG_HOST from this environment.
  for b in "${builds[@]}"; do
    if [[ $b == build-asan ]]; then
      export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1
      export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    else
      unset ASAN_OPTIONS UBSAN_OPTIONS
    fi
    run_ctest "$b"
  done
  unset ASAN_OPTIONS UBSAN_OPTIONS
  # The fuzz build holds only the libFuzzer targets.
  ((fuzz_ok)) && run_ctest build-fuzz -L fuzz

  test_cleanup
  print_summary
  return "$FAILED"
}

# ---------------------------------------------------------------- fuzz, torture

cmd_fuzz() {
  local long=0 names=() targets=() n src
  while (($#)); do
    case $1 in
      --long) long=1 ;;
      -*) die "fuzz: unknown option $1" ;;
      *) names+=("${1#fuzz_}") ;;
    esac
    shift
  done
  ensure_packages
  if ((${#names[@]} == 0)); then
    for src in "$AIDREG_ROOT"/tests/fuzz/fuzz_*.c; do n=$(basename "$src" .c); names+=("${n#fuzz_}"); done
  fi
  for n in "${names[@]}"; do
    [[ -f $AIDREG_ROOT/tests/fuzz/fuzz_$n.c ]] || die "fuzz: no target tests/fuzz/fuzz_$n.c"
    targets+=(--target "fuzz_$n")
  done
  build_fuzz "${targets[@]}"
  local rc=0
  if ((!long)); then
    for n in "${names[@]}"; do bash "$AIDREG_ROOT/tests/ctest/fuzz.sh" "$AIDREG_ROOT/build-fuzz/fuzz_$n" || rc=1; done
    return "$rc"
  fi
  local runs=${AIDREG_FUZZ_RUNS:-10000000} out=$AIDREG_ROOT/var/fuzz t0 t1 done_runs secs
  mkdir -p "$out"
  printf '%-16s %12s %8s %10s  %s\n' target executions seconds exec/s result
  for n in "${names[@]}"; do
    mkdir -p "$out/corpus_$n"
    t0=$(date +%s)
    local r=0
    "$AIDREG_ROOT/build-fuzz/fuzz_$n" -runs="$runs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$out/fuzz_$n-" "$out/corpus_$n" "$AIDREG_ROOT/tests/fuzz/corpus_$n" \
      >"$out/fuzz_$n.log" 2>&1 || r=$?
    t1=$(date +%s)
    secs=$((t1 - t0 > 0 ? t1 - t0 : 1))
    done_runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out/fuzz_$n.log" | grep -o '[0-9]*$' || echo 0)
    printf '%-16s %12s %8s %10s  %s\n' "fuzz_$n" "$done_runs" "$secs" "$((done_runs / secs))" \
      "$( ((r == 0)) && echo ok || echo "FAILED (status $r): var/fuzz/fuzz_$n.log")"
    ((r == 0)) || rc=1
  done
  return "$rc"
}

cmd_torture() {
  need_root
  ensure_packages
  BUILD_TARGETS="aidreg-server aidreg-cli" build_dir build
  exec "$PYTHON" "$AIDREG_ROOT/tests/torture/torture.py" --build "$AIDREG_ROOT/build" --kills 20 --pause 0.1 "$@"
}

cmd_soak() {
  need_root
  ensure_packages
  BUILD_TARGETS="aidreg-server aidreg-cli" build_dir build
  exec "$PYTHON" "$AIDREG_ROOT/tools/soak.py" --build "$AIDREG_ROOT/build" --out "$AIDREG_ROOT/docs" "$@"
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
  bench-import) shift; AIDREG_BENCH_KIND=import cmd_bench "$@" ;;  # the 台账 import benchmark (docs/benchmark.md "Import")
  fuzz) shift; cmd_fuzz "$@" ;;
  torture) shift; cmd_torture "$@" ;;
  soak) shift; cmd_soak "$@" ;;
  build) shift; cmd_build "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  -h | --help | help) usage ;;
  "") usage >&2; exit 2 ;;
  *) echo "dev: unknown command '$1'" >&2; usage >&2; exit 2 ;;
esac
