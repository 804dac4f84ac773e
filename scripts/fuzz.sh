#!/usr/bin/env bash
# fuzz.sh - build the libFuzzer targets (clang, ASan + UBSan) and run each for
# a fixed budget over its seed corpus (tests/fuzz/corpus/<name minus fuzz_>).
#   scripts/fuzz.sh [seconds per target]      (default 30)
# Exit status non-zero if any target finds a crash, leak or timeout; the
# reproducer is left in build-fuzz/artifacts/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUDGET="${1:-30}"
BUILD="${LT_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}"
CC=clang cmake -S "$ROOT" -B "$BUILD" -G Ninja -DLT_BUILD_FUZZ=ON -DLT_BUILD_TESTS=OFF >/dev/null
ninja -C "$BUILD" $(cd "$ROOT/tests/fuzz" && ls fuzz_*.c | sed 's/\.c$//') >/dev/null
mkdir -p "$BUILD/artifacts" "$BUILD/corpus"
status=0
for src in "$ROOT"/tests/fuzz/fuzz_*.c; do
    name="$(basename "$src" .c)"
    seeds="$ROOT/tests/fuzz/corpus/${name#fuzz_}"
    work="$BUILD/corpus/$name"
    mkdir -p "$work"
    echo "== $name: ${BUDGET}s"
    if ! "$BUILD/tests/fuzz/$name" -max_total_time="$BUDGET" -print_final_stats=1 \
        -artifact_prefix="$BUILD/artifacts/$name-" "$work" $( [[ -d "$seeds" ]] && echo "$seeds" ) \
        2>"$BUILD/$name.log"; then
        echo "!! $name failed; see $BUILD/$name.log and $BUILD/artifacts/"
        tail -30 "$BUILD/$name.log"
        status=1
    fi
    grep -E '^stat::(number_of_executed_units|peak_rss_mb)|cov: ' "$BUILD/$name.log" | tail -3
done
exit $status
