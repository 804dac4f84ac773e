#!/usr/bin/env bash
# test.sh - set up, start the real Kafka broker and registry if they are not
# running, run every test with ctest, and stop what this script started.
#
#   scripts/test.sh                 all tests (unit + integration)
#   scripts/test.sh -L unit         extra arguments go to ctest
#   LT_CMAKE_ARGS=-DLT_SANITIZE=ON LT_BUILD_DIR=build-asan scripts/test.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${LT_BUILD_DIR:-$ROOT/build}"
export LT_BUILD_DIR="$BUILD"

"$ROOT/scripts/setup.sh"

started=0
if ! "$ROOT/scripts/dev-infra.sh" status >/dev/null 2>&1; then
    "$ROOT/scripts/dev-infra.sh" start >/dev/null
    started=1
fi
cleanup() { if ((started)); then "$ROOT/scripts/dev-infra.sh" stop || true; fi; }
trap cleanup EXIT
eval "$("$ROOT/scripts/dev-infra.sh" env)"
"$ROOT/scripts/dev-infra.sh" status

cd "$BUILD"
ctest --output-on-failure --timeout 900 "$@"
