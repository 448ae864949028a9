#!/usr/bin/env bash
# e2e.sh MODULE: one end-to-end or interop module (tests/e2e/run.py MODULE) against the
# server of the fixtures; skipped (77) when they did not run.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ctest_env_load || { echo "skipped: no server (the cluster fixture was skipped)"; exit "$SKIP"; }
exec timeout 1800 "$PYTHON" "$AIDREG_ROOT/tests/e2e/run.py" "$1"
