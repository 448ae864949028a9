#!/usr/bin/env bash
# web.sh: the web app in a real browser (tests/web/webapp.test.mjs, Debian's chromium driven
# by playwright-core) against the server and demo ledger of the fixtures. Skipped (77) when
# the fixtures did not run, or chromium, node or tests/web/node_modules (tools/dev.sh test
# installs them) is missing. Screenshots in var/test/web/.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ctest_env_load || { echo "skipped: no server (the cluster fixture was skipped)"; exit "$SKIP"; }
chrome=${AIDREG_CHROMIUM:-/usr/lib/chromium/chromium}
[[ -x $chrome ]] || { echo "skipped: no chromium ($chrome; apt-get install chromium)"; exit "$SKIP"; }
command -v node >/dev/null || { echo "skipped: no node"; exit "$SKIP"; }
[[ -d $AIDREG_ROOT/tests/web/node_modules/playwright-core ]] ||
  { echo "skipped: no tests/web/node_modules (cd tests/web && npm ci)"; exit "$SKIP"; }
export AIDREG_CHROMIUM=$chrome
# web.sh [NAME]: tests/web/NAME.test.mjs (default webapp).
exec timeout 600 node "$AIDREG_ROOT/tests/web/${1:-webapp}.test.mjs"
