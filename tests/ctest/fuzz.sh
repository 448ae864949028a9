#!/usr/bin/env bash
# fuzz.sh FUZZER: runs a libFuzzer target for $AIDREG_FUZZ_SECONDS (default 20) seconds on a
# scratch corpus seeded from tests/fuzz/corpus_<name> or corpus_fuzz_<name>; crashes are
# kept in var/test/fuzz/. Ends with the number of runs.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
bin=$1 name=$(basename "$1") out=$CTEST_STATE/fuzz secs=${AIDREG_FUZZ_SECONDS:-20}
short=${name#fuzz_}
mkdir -p "$out"
corpus=()
for c in "$AIDREG_ROOT/tests/fuzz/corpus_$short" "$AIDREG_ROOT/tests/fuzz/corpus_$name"; do
  [[ -d $c ]] && corpus+=("$c")
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rc=0
"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$out/$name-" "$work" "${corpus[@]}" >"$out/$name.log" 2>&1 || rc=$?
if ((rc != 0)); then
  tail -n 40 "$out/$name.log"
  echo "crash: see ${out#"$AIDREG_ROOT"/}/$name.log"
  exit 1
fi
echo "$name: $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out/$name.log" | grep -o '[0-9]*$' || echo '?') runs in $secs s"
