# shellcheck shell=bash
# Functions shared by tools/dev.sh and the CTest fixtures (tests/ctest/*.sh): keys, the
# server's environment, starting and stopping a server, the demo ledger, env files.
# Needs AIDREG_ROOT (the checkout) set; sources tools/pg.sh.
# shellcheck source=tools/pg.sh
. "$AIDREG_ROOT/tools/pg.sh"

log() { printf 'dev: %s\n' "$*" >&2; }
die() { printf 'dev: error: %s\n' "$*" >&2; exit 1; }

JOBS=$(nproc 2>/dev/null || echo 2)
# Debian's python3, where python3-cryptography is installed (not a pyenv or venv shim on PATH).
PYTHON=${AIDREG_PYTHON:-$( [[ -x /usr/bin/python3 ]] && echo /usr/bin/python3 || command -v python3)}

# ---------------------------------------------------------------- keys

# keygen BUILD DIR NAME: NAME.key (PKCS#8 PEM, 0600) and NAME.pub (SPKI PEM) with our CLI,
# or openssl (same formats) when the CLI is not built.
keygen() {
  local build=$1 dir=$2 name=$3
  [[ -f $dir/$name.key ]] && return 0
  mkdir -p "$dir"; chmod 0700 "$dir"
  if [[ -x $AIDREG_ROOT/$build/aidreg ]]; then
    "$AIDREG_ROOT/$build/aidreg" keygen --out "$dir/$name" >/dev/null
  else
    (umask 077 && openssl genpkey -algorithm ed25519 -out "$dir/$name.key")
    openssl pkey -in "$dir/$name.key" -pubout -out "$dir/$name.pub"
  fi
  chmod 0600 "$dir/$name.key"
}

admin_token() {
  local f=$1/admin_token
  if [[ ! -s $f ]]; then (umask 077 && openssl rand -hex 32 >"$f"); fi
  cat "$f"
}

# ---------------------------------------------------------------- server

SERVER_PID=
SERVER_NAME=

# server_env NAME PORT LOG_HOST: exports the configuration the server, CLI and tests read.
server_env() {
  local name=$1 port=$2 host=$3 state=$AIDREG_ROOT/var/$1
  export AIDREG_PORT=$port AIDREG_BIND=127.0.0.1 AIDREG_LOG_HOST=$host
  export AIDREG_URL=http://127.0.0.1:$port
  AIDREG_DATABASE_URL=$(pg_url "$name" aidreg_app)
  AIDREG_OWNER_DATABASE_URL=$(pg_url "$name" aidreg_owner)
  AIDREG_ADMIN_DATABASE_URL=$(pg_url "$name" postgres)
  AIDREG_PG_DIR=$(pg_dir "$name")
  AIDREG_ADMIN_TOKEN=$(admin_token "$state")
  export AIDREG_DATABASE_URL AIDREG_OWNER_DATABASE_URL AIDREG_ADMIN_DATABASE_URL AIDREG_PG_DIR AIDREG_ADMIN_TOKEN
  export AIDREG_LOG_KEY_FILE=$state/keys/log.key
  export AIDREG_STATE_DIR=$state
}

# tee_run LOGFILE CMD...: runs CMD with its output on the terminal and in LOGFILE; CMD's status.
tee_run() {
  local logf=$1 rc; shift
  set +e
  "$@" 2>&1 | tee "$logf"
  rc=${PIPESTATUS[0]}
  set -e
  return "$rc"
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# pick_port EXPLICIT DEFAULT: EXPLICIT when set (the user asked for it), else DEFAULT or the
# first even step above it where it and the next port are free (the concurrency test
# starts a second server on port + 1).
pick_port() {
  local p=${2}
  if [[ -n $1 ]]; then echo "$1"; return 0; fi
  while port_taken "$p" || port_taken $((p + 1)); do p=$((p + 2)); done
  echo "$p"
}

# server_start NAME BUILD [LOGFILE]: starts BUILD/aidreg-server in the background with the
# exported environment and waits for /healthz. Output goes to LOGFILE, or the terminal.
server_start() {
  local name=$1 build=$2 logfile=${3:-} bin=$AIDREG_ROOT/$2/aidreg-server
  [[ -x $bin ]] || { log "no server binary $bin"; return 1; }
  port_taken "$AIDREG_PORT" && { log "port $AIDREG_PORT is taken; set AIDREG_PORT"; return 1; }
  if [[ -n $logfile ]]; then
    # stdin too: a server started by a CTest fixture must not hold CTest's pipes.
    "$bin" >>"$logfile" 2>&1 </dev/null &
  else
    "$bin" &
  fi
  SERVER_PID=$! SERVER_NAME=$name
  echo "$SERVER_PID" >"$AIDREG_ROOT/var/$name/server.pid"
  local i
  for ((i = 0; i < 300; i++)); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      wait "$SERVER_PID" || true
      SERVER_PID=
      log "server exited during start${logfile:+; last lines of $logfile:}"
      [[ -n $logfile ]] && tail -n 30 "$logfile" >&2
      return 1
    fi
    if curl -fsS -o /dev/null --max-time 2 "$AIDREG_URL/healthz" 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  log "server did not answer /healthz within 60 s"
  server_stop
  return 1
}

# server_stop: SIGTERM, then SIGKILL after 20 s. Returns the server's exit status.
server_stop() {
  local rc=0 i
  [[ -n $SERVER_PID ]] || return 0
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      log "server $SERVER_PID ignored SIGTERM for 20 s; killing it"
      kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
  fi
  wait "$SERVER_PID" 2>/dev/null || rc=$?
  rm -f "$AIDREG_ROOT/var/$SERVER_NAME/server.pid"
  SERVER_PID=
  return "$rc"
}

# A server left running by an earlier run that was killed hard.
stop_leftover_server() {
  local f=$AIDREG_ROOT/var/$1/server.pid pid
  [[ -f $f ]] || return 0
  pid=$(cat "$f")
  if [[ -n $pid ]] && grep -qa aidreg-server "/proc/$pid/cmdline" 2>/dev/null; then
    log "stopping leftover server $pid"
    kill -TERM "$pid" 2>/dev/null || true
    local i; for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  fi
  rm -f "$f"
}

# write_env_file FILE [EXTRA_VAR...]: the variables a user (or a test) needs, as exports.
write_env_file() {
  local f=$1 v; shift
  {
    echo "# aidreg environment written by tools/dev.sh; use: source ${f#"$AIDREG_ROOT"/}"
    echo "# PostgreSQL cluster folder: $AIDREG_PG_DIR"
    for v in AIDREG_URL AIDREG_LEDGER AIDREG_ORIGIN AIDREG_LOG_VKEY AIDREG_ROOT_KEY AIDREG_ADMIN_TOKEN \
      AIDREG_DATABASE_URL AIDREG_ADMIN_DATABASE_URL AIDREG_OWNER_DATABASE_URL AIDREG_LOG_HOST \
      AIDREG_LOG_KEY_FILE AIDREG_PG_DIR AIDREG_KEYS_DIR "$@"; do
      printf 'export %s=%q\n' "$v" "${!v:-}"
    done
  } >"$f.tmp"
  chmod 0600 "$f.tmp"
  mv "$f.tmp" "$f"
}

# The demo ledger (tools/demo.sh) sets AIDREG_LEDGER, AIDREG_ORIGIN, AIDREG_LOG_VKEY.
demo_ledger() {
  local build=$1 out
  export AIDREG_BUILD_DIR=$AIDREG_ROOT/$build AIDREG_KEYS_DIR=$AIDREG_STATE_DIR/keys
  export AIDREG_ROOT_KEY=$AIDREG_KEYS_DIR/root.key
  out=$("$AIDREG_ROOT/tools/demo.sh") || return 1
  eval "$out"
  export AIDREG_LEDGER AIDREG_ORIGIN AIDREG_LOG_VKEY
}

