#!/usr/bin/env bash
# tests/torture/torture.py with the Python that has python3-cryptography (tools/devlib.sh's
# PYTHON: Debian's, not a pyenv or venv shim on PATH). Arguments go to it.
set -euo pipefail
AIDREG_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export AIDREG_ROOT
# shellcheck source=tools/devlib.sh
. "$AIDREG_ROOT/tools/devlib.sh"
# --script FILE runs another harness of the same kind instead (tests/outage, tools/soak.py).
script=$AIDREG_ROOT/tests/torture/torture.py
if [[ ${1:-} == --script ]]; then script=$2; shift 2; fi
exec "$PYTHON" "$script" "$@"
