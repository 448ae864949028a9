#!/usr/bin/env bash
# CTest fixture "cluster": cluster.sh start BUILD_DIR | stop.
# start: the private PostgreSQL cluster (port $AIDREG_PG_PORT, default 55433; fixed when
# set), an empty database, the log key, the server's port (AIDREG_PORT, else the first
# free pair from 18080) and var/test/ctest.env. Skipped (77) when it cannot run here: not
# root (the cluster runs as postgres through runuser) or no PostgreSQL server installed;
# the tests that need the database then skip too.
# stop: stops the cluster and removes ctest.env.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

case ${1:-} in
  start)
    build=${2:?usage: cluster.sh start BUILD_DIR}
    # An environment left by an interrupted run must not lead the tests to a stopped cluster.
    rm -f "$CTEST_ENV" 2>/dev/null || true
    if ((EUID != 0)); then echo "skipped: the private cluster needs root (runuser -u postgres)"; exit "$SKIP"; fi
    if [[ -z $PG_BIN || ! -x $PG_BIN/initdb ]] || ! id postgres >/dev/null 2>&1; then
      echo "skipped: no PostgreSQL server installed (tools/dev.sh test installs it)"; exit "$SKIP"
    fi
    mkdir -p "$CTEST_STATE"
    stop_leftover_server "$CTEST_CLUSTER"
    pg_start "$CTEST_CLUSTER" "${AIDREG_PG_PORT:-55433}" "${AIDREG_PG_PORT:+fixed}"
    pg_fresh_db "$CTEST_CLUSTER"
    server_env "$CTEST_CLUSTER" "$(pick_port "${AIDREG_PORT:-}" 18080)" "${AIDREG_LOG_HOST:-test.aidreg.local}"
    keygen "$(realpath --relative-to="$AIDREG_ROOT" "$build")" "$AIDREG_STATE_DIR/keys" log
    export AIDREG_BUILD_DIR=$build
    ctest_env_write
    echo "cluster $CTEST_CLUSTER on $(pg_port "$CTEST_CLUSTER"); server port $AIDREG_PORT"
    ;;
  stop)
    ((EUID == 0)) || exit 0
    stop_leftover_server "$CTEST_CLUSTER"
    pg_stop "$CTEST_CLUSTER"
    # A cluster in /tmp (postgres could not enter the checkout) is not kept between runs.
    pg_drop_tmp "$CTEST_CLUSTER"
    rm -f "$CTEST_ENV"
    ;;
  *) echo "usage: cluster.sh start BUILD_DIR | stop" >&2; exit 2 ;;
esac
