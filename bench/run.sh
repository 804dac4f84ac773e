#!/usr/bin/env bash
# bench/run.sh - build, start the local broker and registry, run the
# benchmarks and print their tables (copy them into bench/README.md with the
# date and the machine).
#   bench/run.sh [records] [rounds]     (default 500000 records, 5 rounds)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${LT_BUILD_DIR:-$ROOT/build}"
LT_BUILD_DIR="$BUILD" "$ROOT/scripts/setup.sh" >/dev/null
"$ROOT/scripts/dev-infra.sh" start >/dev/null
eval "$("$ROOT/scripts/dev-infra.sh" env)"
echo "## publish path ($(date -u +%F), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
"$BUILD/bench/bench_publish" "${1:-500000}" "${2:-5}"
echo
echo "## sidecar render path"
"$BUILD/bench/bench_render" 7 20000
echo
echo "(fan-out: bench/sidecar/run.sh; collector: bench/tiktok.sh; discovery: bench/discovery.sh - each prints its own table)"
