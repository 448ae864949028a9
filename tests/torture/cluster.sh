#!/usr/bin/env bash
# The torture harness's own PostgreSQL cluster (tools/pg.sh), var/<NAME>:
#   cluster.sh NAME start BUILD PG_PORT HTTP_PORT  create/start it on PG_PORT (the next free
#        one if taken), a fresh database, the log key; prints the server's environment
#        (KEY=VALUE lines) with the HTTP port (HTTP_PORT or the next free pair)
#   cluster.sh NAME crash      pg_ctl stop -m immediate (no shutdown checkpoint: recovery
#        replays the WAL on the next start, as after a power cut)
#   cluster.sh NAME restart    start it again on the port it had
#   cluster.sh NAME stop       fast shutdown; a cluster in /tmp is deleted
set -euo pipefail
AIDREG_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export AIDREG_ROOT
# shellcheck source=tools/devlib.sh
. "$AIDREG_ROOT/tools/devlib.sh"
name=${1:?usage: cluster.sh NAME start|crash|restart|stop} cmd=${2:-}
case $cmd in
  start)
    build=${3:?} pgport=${4:?} port=${5:?}
    mkdir -p "$AIDREG_ROOT/var/$name"
    stop_leftover_server "$name"
    pg_start "$name" "$pgport" >&2
    pg_fresh_db "$name"
    server_env "$name" "$(pick_port "" "$port")" "torture.aidreg.local"
    keygen "$(realpath --relative-to="$AIDREG_ROOT" "$build")" "$AIDREG_STATE_DIR/keys" log
    for v in AIDREG_PORT AIDREG_BIND AIDREG_LOG_HOST AIDREG_URL AIDREG_DATABASE_URL AIDREG_OWNER_DATABASE_URL \
      AIDREG_ADMIN_DATABASE_URL AIDREG_PG_DIR AIDREG_ADMIN_TOKEN AIDREG_LOG_KEY_FILE AIDREG_STATE_DIR; do
      printf '%s=%s\n' "$v" "${!v}"
    done
    ;;
  crash)
    d=$(pg_dir "$name")
    (cd "$d" && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$d/data" -m immediate -w -t 60 stop >/dev/null)
    ;;
  restart)
    pg_start "$name" "$(pg_port "$name")" fixed >&2
    ;;
  stop)
    pg_stop "$name"
    pg_drop_tmp "$name"
    ;;
  *) echo "usage: cluster.sh NAME start BUILD PG_PORT HTTP_PORT | crash | restart | stop" >&2; exit 2 ;;
esac
