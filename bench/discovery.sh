#!/usr/bin/env bash
# bench/discovery.sh - the recommended-live feed (issue 18): how many feed
# pages per second livetap-sim serves, against what the collector's
# discovery asks for. livetap-sim with N live rooms (feed_page_size 8) is
# paged end to end, over and over for 10 s, by `livetap-collector discover
# --pages 100` (the collector's own HTTP client and parser, one request at a
# time, as discovery pages) and, for the server alone, by curl reusing one
# connection. Prints a Markdown table. Environment: LT_BENCH_FEED_ROOMS (800).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${LT_BUILD_DIR:-$ROOT/build}"
W="$BUILD/bench-work/discovery"
rm -rf "$W" && mkdir -p "$W"
rooms="${LT_BENCH_FEED_ROOMS:-800}"
pages_per_round=$(((rooms + 7) / 8))
"$BUILD/livetap-sim" --port-file "$W/port" --rooms "$rooms" --rate 0 --set feed_page_size=8 -q >"$W/sim.log" 2>&1 &
sim=$!
trap 'kill $sim 2>/dev/null || true' EXIT
for _ in $(seq 50); do [[ -s "$W/port" ]] && break; sleep 0.1; done
base="http://127.0.0.1:$(cat "$W/port")"
requests() { curl -s "$base/_sim/stats" | sed -n 's/.*"feed_requests":\([0-9]*\).*/\1/p'; }

# 1. the collector's client: whole rounds of `discover`, for 10 s
r0=$(requests) t0=$(date +%s.%N) rounds=0
while (($(echo "$(date +%s.%N) - $t0 < 10" | bc))); do
    "$BUILD/livetap-collector" discover --pages 100 --json --api-base "$base" -q >"$W/rooms.jsonl"
    rounds=$((rounds + 1))
done
t1=$(date +%s.%N) r1=$(requests)
listed=$(wc -l <"$W/rooms.jsonl")
client=$(echo "($r1 - $r0) / ($t1 - $t0)" | bc -l)

# 2. the server alone: one keep-alive connection, the same pages, for 10 s
urls="$W/urls" && : >"$urls"
for ((i = 0; i < pages_per_round; i++)); do
    if ((i == 0)); then echo "url = \"$base/webcast/feed/?channel_id=86\""; else
        echo "url = \"$base/webcast/feed/?channel_id=86&max_time=$((1700000000000 + 8 * i))\""; fi
    echo 'output = "/dev/null"'
done >"$urls"
r0=$(requests) t0=$(date +%s.%N)
while (($(echo "$(date +%s.%N) - $t0 < 10" | bc))); do
    curl -s -K "$urls"
done
t1=$(date +%s.%N) r1=$(requests)
server=$(echo "($r1 - $r0) / ($t1 - $t0)" | bc -l)

echo "| live rooms | pages a round | rooms listed | sim, one keep-alive client (pages/s) | discover, whole rounds (pages/s) | discovery default (pages/s) | discovery cap: pages_per_minute 30 (pages/s) |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
printf "| %d | %d | %d | %.0f | %.0f | %.3f | %.2f |\n" "$rooms" "$pages_per_round" "$listed" "$server" "$client" \
    "$(echo "3 / 60" | bc -l)" "$(echo "30 / 60" | bc -l)"
