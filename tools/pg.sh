# shellcheck shell=bash
# Private PostgreSQL clusters for development, tests and the benchmark.
# Sourced by tools/dev.sh (and tools/bench.sh); needs AIDREG_ROOT (the checkout) set.
#
# initdb and postgres refuse to run as root, so the cluster runs as the `postgres` account
# that Debian's package creates, with trust authentication on 127.0.0.1 and a private
# socket folder. Trust authentication is for development only: a production cluster uses
# scram-sha-256 and the roles of docs/deploy.md. Each cluster has a name (dev, test, bench) and keeps its state in
# var/<name>/: the cluster folder itself is var/<name>/pg, unless `postgres` cannot reach
# the checkout (a checkout under a 0700 home folder, say), in which case it lives in a
# `mktemp -d` folder owned by postgres whose path is recorded in var/<name>/pg.path.
#
# Functions (all take the cluster name first):
#   pg_start NAME PORT [fixed]  create the cluster if needed, start it, create roles and
#                        database; when PORT is taken, the next free one (unless "fixed")
#   pg_stop NAME         stop it (fast shutdown); no-op when it is not running
#   pg_running NAME      exit status 0 when it runs
#   pg_fresh_db NAME     drop and recreate the database `aidreg` (tests start empty)
#   pg_drop_tmp NAME     stop it and delete it when it lives in a temporary folder
#   pg_psql NAME [ARGS]  psql as the superuser on database `postgres`
#   pg_url NAME ROLE [DB] postgresql URL for ROLE (aidreg_app, aidreg_owner, postgres)
# Roles: aidreg_owner (LOGIN, owns database aidreg and so the schema the migrations
# create), aidreg_writer (NOLOGIN group role the migrations grant rights to), aidreg_app
# (LOGIN, member of aidreg_writer: the server's own role).

# The server binaries (initdb, pg_ctl, psql): pg_config's, else the newest installed.
_pg_find_bin() {
  local b
  b=$(pg_config --bindir 2>/dev/null || true)
  if [[ ! -x $b/initdb ]]; then
    b=$(find /usr/lib/postgresql -maxdepth 3 -path '*/bin/initdb' 2>/dev/null | sort -V | tail -n 1)
    b=${b%/initdb}
  fi
  printf '%s' "$b"
}
PG_BIN=${PG_BIN:-$(_pg_find_bin)}
PG_DB=aidreg

_pg_state() { printf '%s/var/%s' "$AIDREG_ROOT" "$1"; }

# Prints the cluster folder of NAME (may not exist yet).
pg_dir() {
  local state; state=$(_pg_state "$1")
  if [[ -f $state/pg.path ]]; then cat "$state/pg.path"; else printf '%s/pg' "$state"; fi
}

pg_port() { cat "$(_pg_state "$1")/pg.port" 2>/dev/null || true; }

_pg_as() { runuser -u postgres -- "$@"; }

pg_running() {
  local d; d=$(pg_dir "$1")
  [[ -f $d/data/PG_VERSION ]] && _pg_as "$PG_BIN/pg_ctl" -D "$d/data" status >/dev/null 2>&1
}

# Chooses (and creates) the cluster folder; sets PG_D.
_pg_place() {
  local name=$1 state; state=$(_pg_state "$name")
  mkdir -p "$state"
  chmod 0755 "$state"
  PG_D=$(pg_dir "$name")
  if [[ -f $PG_D/data/PG_VERSION ]]; then return 0; fi
  if [[ -f $state/pg.path ]]; then
    # The recorded temporary folder is gone (a reboot cleans /tmp): start over.
    rm -f "$state/pg.path"
    PG_D=$state/pg
  fi
  mkdir -p "$PG_D"
  chown postgres: "$PG_D"
  # postgres must be able to enter every ancestor, and the socket path
  # ($PG_D/sock/.s.PGSQL.<port>) must stay under 107 bytes.
  if ! _pg_as test -w "$PG_D" || (( ${#PG_D} + 22 > 107 )); then
    rmdir "$PG_D" 2>/dev/null || true
    PG_D=$(mktemp -d /tmp/aidreg-pg-"$name".XXXXXX)
    chown postgres: "$PG_D"
    printf '%s\n' "$PG_D" >"$state/pg.path"
    echo "pg: postgres cannot use $state; cluster $name lives in $PG_D" >&2
  fi
}

pg_start() {
  local name=$1 port=$2 fixed=${3:-} state; state=$(_pg_state "$name")
  [[ -n $PG_BIN && -x $PG_BIN/initdb ]] || { echo "pg: PostgreSQL server binaries not found (pg_config --bindir)" >&2; return 1; }
  id postgres >/dev/null 2>&1 || { echo "pg: no 'postgres' account (install the postgresql package)" >&2; return 1; }
  _pg_place "$name"
  local d=$PG_D
  if [[ ! -f $d/data/PG_VERSION ]]; then
    echo "pg: creating cluster $name in $d" >&2
    _pg_as mkdir -p "$d/sock"
    (cd "$d" && _pg_as "$PG_BIN/initdb" -D "$d/data" -U postgres --auth=trust -E UTF8 \
        --locale=C.UTF-8 >"$state/initdb.log" 2>&1) || { cat "$state/initdb.log" >&2; return 1; }
  fi
  _pg_as mkdir -p "$d/sock"
  if pg_running "$name"; then
    local running_port; running_port=$(sed -n 4p "$d/data/postmaster.pid" 2>/dev/null || true)
    if [[ -n $running_port && $running_port != "$port" ]]; then
      echo "pg: cluster $name already runs on port $running_port (asked for $port); using $running_port" >&2
      port=$running_port
    fi
  else
    while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
      if [[ $fixed == fixed ]]; then
        echo "pg: port $port on 127.0.0.1 is taken by another program; set AIDREG_PG_PORT" >&2
        return 1
      fi
      port=$((port + 1))
    done
    # synchronous_commit stays on (the default): receipts leave only after a durable commit.
    # AIDREG_PG_OPTIONS: more server settings (the benchmark's statement profile).
    (cd "$d" && _pg_as "$PG_BIN/pg_ctl" -D "$d/data" -l "$d/server.log" -w -t 60 start \
        -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$d/sock -c max_connections=200 -c synchronous_commit=on${AIDREG_PG_OPTIONS:+ $AIDREG_PG_OPTIONS}" \
        >/dev/null) || { echo "pg: cluster $name failed to start; last lines of $d/server.log:" >&2; tail -n 20 "$d/server.log" >&2; return 1; }
  fi
  printf '%s\n' "$port" >"$state/pg.port"
  _pg_roles "$name"
}

pg_stop() {
  local name=$1 d; d=$(pg_dir "$name")
  if pg_running "$name"; then
    (cd "$d" && _pg_as "$PG_BIN/pg_ctl" -D "$d/data" -m fast -w -t 60 stop >/dev/null) || true
    echo "pg: cluster $name stopped" >&2
  fi
}

pg_psql() {
  local name=$1; shift
  "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$(pg_port "$name")" -U postgres -d postgres "$@"
}

pg_url() {
  local name=$1 role=$2 db=${3:-$PG_DB}
  printf 'postgresql://%s@127.0.0.1:%s/%s' "$role" "$(pg_port "$name")" "$db"
}

_pg_roles() {
  local name=$1
  pg_psql "$name" <<'SQL' >/dev/null
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'aidreg_owner') THEN
    CREATE ROLE aidreg_owner LOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'aidreg_writer') THEN
    CREATE ROLE aidreg_writer NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'aidreg_app') THEN
    CREATE ROLE aidreg_app LOGIN IN ROLE aidreg_writer;
  END IF;
END
$$;
SQL
  if [[ -z $(pg_psql "$name" -At -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'") ]]; then
    pg_psql "$name" -c "CREATE DATABASE $PG_DB OWNER aidreg_owner" >/dev/null
  fi
}

pg_fresh_db() {
  local name=$1
  pg_psql "$name" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null
  pg_psql "$name" -c "CREATE DATABASE $PG_DB OWNER aidreg_owner" >/dev/null
}

pg_drop_tmp() {
  local name=$1 state d; state=$(_pg_state "$name")
  [[ -f $state/pg.path ]] || return 0
  d=$(cat "$state/pg.path")
  pg_stop "$name"
  case $d in
    /tmp/aidreg-pg-"$name".*) rm -rf "$d" ;;
  esac
  rm -f "$state/pg.path"
}
