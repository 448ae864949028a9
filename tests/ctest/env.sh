#!/usr/bin/env bash
# env.sh CMD [ARGS...]: runs CMD in the environment the fixtures wrote (var/test/ctest.env);
# without it (no cluster here) CMD runs in the caller's environment, and the integration
# tests skip themselves when that names no database.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ctest_env_load || true
exec "$@"
