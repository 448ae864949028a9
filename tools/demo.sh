#!/usr/bin/env bash
# Demo data: the county ledger of 惠水县 (522731), created with the aidreg CLI against a
# running server with one key per role; its assets loaded from its 台账
# (tools/demo/demo-taizhang.csv) by `aidreg import`, and filled by tools/demo/seed.py with two
# years (2024-2025) of signed history (docs/demo.md). Idempotent: an existing ledger is kept, and
# the seed resubmits the same payloads (the server answers 200 for each). Called by
# tools/dev.sh.
#
# Reads: AIDREG_BUILD_DIR (holds the `aidreg` CLI), AIDREG_URL, AIDREG_ADMIN_TOKEN,
#        AIDREG_KEYS_DIR (where the demo keys live), AIDREG_LOG_HOST (origin prefix),
#        AIDREG_DEMO_STRICT=1 (fail when the server refuses an entry of the seed),
#        AIDREG_DEMO_SEED=0 (ledger and keys only, no seed),
#        AIDREG_PYTHON (default /usr/bin/python3, which has python3-cryptography).
# Prints on stdout, for eval: AIDREG_LEDGER, AIDREG_ORIGIN, AIDREG_LOG_VKEY assignments.
# Progress and the seed's summary go to stderr; the CLI's receipts to the demo log.
set -euo pipefail

: "${AIDREG_BUILD_DIR:?}" "${AIDREG_URL:?}" "${AIDREG_ADMIN_TOKEN:?}" "${AIDREG_KEYS_DIR:?}" "${AIDREG_LOG_HOST:?}"
CLI=$AIDREG_BUILD_DIR/aidreg
K=$AIDREG_KEYS_DIR
CODE=522731
NAME=惠水县
ORIGIN=$AIDREG_LOG_HOST/$CODE
TOWNSHIP=522731104
VILLAGE1=522731104201
VILLAGE2=522731104202
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${AIDREG_PYTHON:-/usr/bin/python3}
[[ -x $PYTHON ]] || PYTHON=$(command -v python3)
# The ledger and its first keys date from the start of the demo's history (the seed's
# entries are dated 2024-2025).
T0=2024-01-02T01:00:00Z

# The CLI's receipts go to a log beside the keys; progress lines to stderr.
LOG=${AIDREG_DEMO_LOG:-$K/../demo.log}
say() { printf 'demo: %s\n' "$*" >&2; }

[[ -x $CLI ]] || { say "no CLI at $CLI"; exit 1; }

# The ledger's vkey from GET /v1/ledgers; empty when the ledger does not exist.
ledger_vkey() {
  curl -fsS --max-time 10 "$AIDREG_URL/v1/ledgers" | python3 -c '
import json, sys
code = sys.argv[1]
for l in json.load(sys.stdin).get("ledgers", []):
    if l.get("code") == code:
        print(l.get("vkey", ""))
' "$CODE"
}

emit() {
  printf 'AIDREG_LEDGER=%q\nAIDREG_ORIGIN=%q\nAIDREG_LOG_VKEY=%q\n' "$CODE" "$ORIGIN" "$1"
}

vkey=$(ledger_vkey)
if [[ -n $vkey ]]; then
  say "ledger $CODE ($NAME) exists; keeping it"
else
  mkdir -p "$K"; chmod 0700 "$K"
  : >"$LOG"
  for k in root county township village1 village2 operator auditor; do
    [[ -f $K/$k.key ]] || "$CLI" keygen --out "$K/$k" >>"$LOG"
  done

  say "creating ledger $CODE ($NAME), origin $ORIGIN"
  # The token comes from AIDREG_ADMIN_TOKEN, never the command line (ps shows arguments).
  "$CLI" ledger create --server "$AIDREG_URL" --key "$K/root.key" \
    --code "$CODE" --name "$NAME" --origin "$ORIGIN" --time "$T0" >>"$LOG" 2>&1 || { tail -n 5 "$LOG" >&2; exit 1; }

  # enroll SIGNER NEW ROLE SCOPE HOLDER ORG TIME
  enroll() {
    say "enrolling $2 ($3, scope $4) signed by $1"
    "$CLI" enroll --server "$AIDREG_URL" --ledger "$CODE" --origin "$ORIGIN" --key "$K/$1.key" \
      --pub "$K/$2.pub" --role "$3" --scope "$4" --name "$5" --org "$6" --time "$7" >>"$LOG" 2>&1 ||
      { tail -n 5 "$LOG" >&2; exit 1; }
  }
  enroll root county county "$CODE" 王建国 惠水县乡村振兴局 2024-01-02T01:05:00Z
  enroll county township township "$TOWNSHIP" 李明 好花红镇人民政府 2024-01-02T01:10:00Z
  enroll township village1 village "$VILLAGE1" 张秀英 好花红村村民委员会 2024-01-02T01:15:00Z
  enroll township village2 village "$VILLAGE2" 陈志强 新民村村民委员会 2024-01-02T01:16:00Z
  enroll county operator operator "$VILLAGE1" 刘洋 惠水县阳光农业专业合作社 2024-01-02T01:20:00Z
  enroll county auditor auditor "$CODE" 赵敏 惠水县审计局 2024-01-02T01:25:00Z
fi

# Two years of history (tools/demo/seed.py), the same payloads on every run. A refusal is
# reported, and fatal only with AIDREG_DEMO_STRICT=1 (tools/dev.sh test), so that `run`
# keeps working while the domain rules evolve.
REFUSED=0
# The county's path: its places and keys (seed, before TAIZHANG_AT), its 台账 through
# `aidreg import` signed at TAIZHANG_AT (the 清产核资 of January 2024), then the rest of the
# history (seed, from TAIZHANG_AT on). docs/demo.md "The 台账".
TAIZHANG=$ROOT/tools/demo/demo-taizhang.csv
TAIZHANG_AT=2024-01-08T00:55:00Z
seed() {
  "$PYTHON" "$ROOT/tools/demo/seed.py" --server "$AIDREG_URL" --code "$CODE" --origin "$ORIGIN" --keys "$K" \
    --taizhang "$@" >&2 || { say "warning: the seed was not fully accepted (see above)"; REFUSED=1; }
}
if [[ ${AIDREG_DEMO_SEED:-1} != 0 ]]; then
  say "seeding the demo county (tools/demo/seed.py): places, keys and settings"
  seed --before "$TAIZHANG_AT"
  say "importing the county's 台账 ($TAIZHANG) with aidreg import"
  if ! "$CLI" import "$TAIZHANG" --server "$AIDREG_URL" --ledger "$CODE" --origin "$ORIGIN" --key "$K/county.key" \
    --time "$TAIZHANG_AT" --report "$K/../demo-import.csv" >&2; then
    say "warning: the 台账 was not fully imported (see $K/../demo-import.csv)"
    REFUSED=1
  fi
  say "seeding the demo county (tools/demo/seed.py): two years of history"
  seed --after "$TAIZHANG_AT"
fi

vkey=$(ledger_vkey)
[[ -n $vkey ]] || { say "ledger $CODE is not listed by GET /v1/ledgers"; exit 1; }
emit "$vkey"
if ((REFUSED > 0)) && [[ ${AIDREG_DEMO_STRICT:-} == 1 ]]; then
  say "the seed's entries were not all accepted"
  exit 1
fi
