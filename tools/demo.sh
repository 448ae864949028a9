#!/usr/bin/env bash
# Demo data: the county ledger of 惠水县 (522731) with one key per role and a few sample
# entries, made with the aidreg CLI against a running server. Idempotent: when the ledger
# exists already it only prints its variables. Called by tools/dev.sh.
#
# Reads: AIDREG_BUILD_DIR (holds the `aidreg` CLI), AIDREG_URL, AIDREG_ADMIN_TOKEN,
#        AIDREG_KEYS_DIR (where the demo keys live), AIDREG_LOG_HOST (origin prefix),
#        AIDREG_DEMO_STRICT=1 (fail when a sample entry is refused).
# Prints on stdout, for eval: AIDREG_LEDGER, AIDREG_ORIGIN, AIDREG_LOG_VKEY assignments.
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
  emit "$vkey"
  exit 0
fi

mkdir -p "$K"; chmod 0700 "$K"
: >"$LOG"
for k in root county township village1 village2 operator auditor; do
  [[ -f $K/$k.key ]] || "$CLI" keygen --out "$K/$k" >>"$LOG"
done

say "creating ledger $CODE ($NAME), origin $ORIGIN"
"$CLI" ledger create --server "$AIDREG_URL" --token "$AIDREG_ADMIN_TOKEN" --key "$K/root.key" \
  --code "$CODE" --name "$NAME" --origin "$ORIGIN" >>"$LOG" 2>&1 || { tail -n 5 "$LOG" >&2; exit 1; }

# enroll SIGNER NEW ROLE SCOPE HOLDER ORG
enroll() {
  say "enrolling $2 ($3, scope $4) signed by $1"
  "$CLI" enroll --server "$AIDREG_URL" --ledger "$CODE" --origin "$ORIGIN" --key "$K/$1.key" \
    --pub "$K/$2.pub" --role "$3" --scope "$4" --name "$5" --org "$6" >>"$LOG" 2>&1 || { tail -n 5 "$LOG" >&2; exit 1; }
}
enroll root county county "$CODE" 王建国 惠水县乡村振兴局
enroll county township township "$TOWNSHIP" 李明 好花红镇人民政府
enroll township village1 village "$VILLAGE1" 张秀英 好花红村村民委员会
enroll township village2 village "$VILLAGE2" 陈志强 新民村村民委员会
enroll county operator operator "$VILLAGE1" 刘洋 惠水县阳光农业专业合作社
enroll county auditor auditor "$CODE" 赵敏 惠水县审计局

# submit SIGNER TYPE SUBJECT BODY: sample entries; a refusal is reported, and fatal only
# with AIDREG_DEMO_STRICT=1 (tools/dev.sh test), so that `run` keeps working.
REFUSED=0
submit() {
  local env
  say "submitting $2 $3 signed by $1"
  if env=$("$CLI" sign --key "$K/$1.key" --type "$2" --subject "$3" --body "$4" --origin "$ORIGIN") &&
    printf '%s\n' "$env" >"$K/../demo-last-envelope.json" &&
    "$CLI" submit --server "$AIDREG_URL" --ledger "$CODE" "$K/../demo-last-envelope.json" >>"$LOG" 2>&1; then
    :
  else
    say "warning: sample $2 $3 was not accepted:"
    tail -n 3 "$LOG" >&2
    REFUSED=$((REFUSED + 1))
  fi
}

submit county project.register P522731-2019-017 '{"name":"好花红村 300kW 村级光伏电站","type":"industry","year":2019,"funding_lines":[{"channel":"中央财政衔接推进乡村振兴补助资金","year":2019,"amount_fen":180000000}],"locations":["522731104201"],"industry_dept":"惠水县发展和改革局","implementing_unit":"好花红镇人民政府","accepted_on":"2019-12-20"}'
submit county asset.register A522731-2019-017-01 '{"project":"P522731-2019-017","name":"好花红村 300kW 光伏电站","class":"operating","subtype":"photovoltaic","form":"fixed","village":"522731104201","original_value_fen":180000000,"quantity":300,"unit":"kW","completed_on":"2019-11-30","accepted_on":"2019-12-20","description":"屋顶及农光互补，并网发电"}'
submit county project.register P522731-2020-041 '{"name":"新民村人饮安全巩固提升工程","type":"rural_construction","year":2020,"funding_lines":[{"channel":"县级财政衔接资金","year":2020,"amount_fen":46000000}],"locations":["522731104202"],"industry_dept":"惠水县水务局","implementing_unit":"好花红镇人民政府","accepted_on":"2020-10-15"}'
submit county asset.register A522731-2020-041-01 '{"project":"P522731-2020-041","name":"新民村集中供水工程","class":"public_welfare","subtype":"water_supply","form":"fixed","village":"522731104202","original_value_fen":46000000,"quantity":1,"unit":"处","completed_on":"2020-09-30","accepted_on":"2020-10-15"}'
submit village2 maintenance.report A522731-2020-041-01 '{"kind":"repair","date":"2024-05-06","condition":"good","cost_fen":128000,"paid_from":"maintenance_fund","note":"更换 2 号蓄水池进水阀","photos_sha256":[]}'
rm -f "$K/../demo-last-envelope.json"

vkey=$(ledger_vkey)
[[ -n $vkey ]] || { say "ledger $CODE is not listed by GET /v1/ledgers"; exit 1; }
emit "$vkey"
if ((REFUSED > 0)) && [[ ${AIDREG_DEMO_STRICT:-} == 1 ]]; then
  say "$REFUSED sample entries were refused"
  exit 1
fi
