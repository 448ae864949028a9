#!/usr/bin/env bash
# fuzz.sh FUZZER: runs a libFuzzer target for $AIDREG_FUZZ_SECONDS (default 10) seconds on a
# scratch corpus seeded from tests/fuzz/corpus_<name> or corpus_fuzz_<name>; crashes are
# kept in var/test/fuzz/. Ends with the number of runs. A target whose corpus holds a
# reproducer of an open bug (crash-*, tests/fuzz/README.md) is skipped (77) until the bug
# is fixed and the file renamed to regress-*.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
bin=$1 name=$(basename "$1") out=$CTEST_STATE/fuzz secs=${AIDREG_FUZZ_SECONDS:-10}
short=${name#fuzz_}
mkdir -p "$out"
corpus=()
for c in "$AIDREG_ROOT/tests/fuzz/corpus_$short" "$AIDREG_ROOT/tests/fuzz/corpus_$name"; do
  [[ -d $c ]] && corpus+=("$c")
done
for c in "${corpus[@]}"; do
  if compgen -G "$c/crash-*" >/dev/null; then
    echo "skipped: $(basename "$c") holds an open bug's reproducer: $(cd "$c" && ls crash-* | head -n 3 | tr '\n' ' ')"
    exit 77
  fi
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
runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out/$name.log" | grep -o '[0-9]*$' || echo '?')
echo "$name: $runs runs in $secs s ($( [[ $runs =~ ^[0-9]+$ ]] && echo $((runs / secs)) || echo '?') exec/s)"
