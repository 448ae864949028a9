# shellcheck shell=bash
# Sourced by the CTest fixture and wrapper scripts of this folder. The fixtures share one
# private cluster, "test" (state in var/test, as tools/dev.sh test), and pass what they
# start to the tests through var/test/ctest.env: a fixture's environment cannot reach the
# tests CTest runs after it.
set -euo pipefail
AIDREG_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export AIDREG_ROOT
# shellcheck source=tools/devlib.sh
. "$AIDREG_ROOT/tools/devlib.sh"

CTEST_CLUSTER=test
CTEST_STATE=$AIDREG_ROOT/var/$CTEST_CLUSTER
CTEST_ENV=$CTEST_STATE/ctest.env
SKIP=77

# Everything the e2e tests, the integration tests and a second server read.
CTEST_ENV_VARS=(AIDREG_ROOT AIDREG_PORT AIDREG_BIND AIDREG_STATE_DIR AIDREG_BUILD_DIR AIDREG_SERVER_LOG)

ctest_env_write() { write_env_file "$CTEST_ENV" "${CTEST_ENV_VARS[@]}"; }

# ctest_env_load: the fixtures' environment; status 1 when no fixture wrote one.
ctest_env_load() {
  [[ -f $CTEST_ENV ]] || return 1
  # shellcheck disable=SC1090
  . "$CTEST_ENV"
}

# build_name DIR: "build-asan" for /checkout/build-asan (names logs as tools/dev.sh did).
build_name() { basename "$1"; }
