#!/usr/bin/env bash
# CTest fixtures "server" and "ledger" for one build: server.sh start|ledger|stop BUILD_DIR.
# start: a fresh database and BUILD_DIR/aidreg-server in the background (log
#   var/test/server-<build>.log), up when /healthz answers.
# ledger: the demo ledger (tools/demo.sh, strict), whose ids go into ctest.env.
# stop: SIGTERM (SIGKILL after 20 s); fails when a server log of this build holds a
#   sanitizer report (the concurrency test starts a second server, logged beside it).
# Skipped (77) when the cluster fixture did not run.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

cmd=${1:-} build=${2:?usage: server.sh start|ledger|stop BUILD_DIR}
b=$(build_name "$build")
ctest_env_load || { echo "skipped: no cluster (the cluster fixture was skipped)"; exit "$SKIP"; }
slog=$AIDREG_STATE_DIR/server-$b.log

case $cmd in
  start)
    stop_leftover_server "$CTEST_CLUSTER"
    pg_fresh_db "$CTEST_CLUSTER"
    rm -f "$AIDREG_STATE_DIR"/server-"$b"*.log
    : >"$slog"
    export AIDREG_SERVER_LOG=$slog AIDREG_BUILD_DIR=$build
    ctest_env_write
    server_start "$CTEST_CLUSTER" "$(realpath --relative-to="$AIDREG_ROOT" "$build")" "$slog"
    echo "server $SERVER_PID on $AIDREG_URL (log ${slog#"$AIDREG_ROOT"/})"
    ;;
  ledger)
    dlog=$AIDREG_STATE_DIR/demo-$b.log
    if ! AIDREG_DEMO_STRICT=1 demo_ledger "$(realpath --relative-to="$AIDREG_ROOT" "$build")" >"$dlog" 2>&1; then
      echo "tools/demo.sh failed; last lines of ${dlog#"$AIDREG_ROOT"/}:"
      tail -n 20 "$dlog"
      exit 1
    fi
    CTEST_ENV_VARS+=(AIDREG_LEDGER AIDREG_ORIGIN AIDREG_LOG_VKEY AIDREG_ROOT_KEY AIDREG_KEYS_DIR)
    ctest_env_write
    # The file users source, as tools/dev.sh test has always left it.
    write_env_file "$AIDREG_STATE_DIR/env"
    echo "demo ledger $AIDREG_LEDGER ($AIDREG_ORIGIN)"
    ;;
  stop)
    f=$AIDREG_STATE_DIR/server.pid rc=0
    if [[ -f $f ]]; then
      pid=$(cat "$f")
      if [[ -n $pid ]] && grep -qa aidreg-server "/proc/$pid/cmdline" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        if kill -0 "$pid" 2>/dev/null; then
          echo "server $pid ignored SIGTERM for 20 s; killing it"
          kill -KILL "$pid" 2>/dev/null || true
          rc=1
        fi
      fi
      rm -f "$f"
    fi
    for s in "$AIDREG_STATE_DIR"/server-"$b"*.log; do
      [[ -f $s ]] || continue
      if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: (Address|Undefined)' "$s"; then
        echo "sanitizer report in ${s#"$AIDREG_ROOT"/}:"
        grep -E -A 20 'ERROR: |runtime error:' "$s" | head -n 60
        rc=1
      fi
    done
    exit "$rc"
    ;;
  *) echo "usage: server.sh start|ledger|stop BUILD_DIR" >&2; exit 2 ;;
esac
