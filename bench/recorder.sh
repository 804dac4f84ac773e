#!/usr/bin/env bash
# bench/recorder.sh - livetap-recorder's CPU and RSS per recorded room
# (issue 18): livetap-sim serves N rooms' HTTP-FLV from a 10 s ffmpeg clip,
# livetap-collector publishes their room_info, one livetap-recorder records
# them all; after every room is recording, the recorder's CPU (user + system,
# /proc) over 30 s and its RSS are read. Reference: the same with 1 room.
# Needs the broker and registry (LT_KAFKA_BOOTSTRAP, LT_REGISTRY_URL) and ffmpeg.
# Environment: LT_BENCH_RECORDER_ROOMS ("1 20 60").
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${LT_BUILD_DIR:-$ROOT/build}"
W="$BUILD/bench-work/recorder"
rm -rf "$W" && mkdir -p "$W"
: "${LT_KAFKA_BOOTSTRAP:?set LT_KAFKA_BOOTSTRAP}" "${LT_REGISTRY_URL:?set LT_REGISTRY_URL}"
ffmpeg -loglevel error -f lavfi -i testsrc=size=320x240:rate=25 -f lavfi -i sine=frequency=440:sample_rate=44100 \
    -t 10 -c:v libx264 -preset ultrafast -g 50 -keyint_min 50 -sc_threshold 0 -pix_fmt yuv420p \
    -c:a aac -b:a 64k -f flv "$W/clip.flv"
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
echo "| rooms recorded | stream bytes/s per room | recorder CPU (% of a core) | RSS |"
echo "|---:|---:|---:|---:|"
for n in ${LT_BENCH_RECORDER_ROOMS:-1 20 60}; do
    d="$W/$n" && mkdir -p "$d"
    prefix="bench$RANDOM$n"
    "$BUILD/livetap-sim" --port-file "$d/port" --stream-file "$W/clip.flv" --rooms "$n" --rate 1 -q >"$d/sim.log" 2>&1 &
    sim=$!
    for _ in $(seq 50); do [[ -s "$d/port" ]] && break; sleep 0.1; done
    base="http://127.0.0.1:$(cat "$d/port")"
    "$BUILD/livetap-collector" --rooms "$(seq -s, -f '@simhost%g' 0 $((n - 1)))" --kafka "$LT_KAFKA_BOOTSTRAP" \
        --registry "$LT_REGISTRY_URL" --topic-prefix "$prefix" --web-base "$base" --api-base "$base" \
        --sign-url "$base" --sign-rate 0 --admin-port 0 --set tiktok.room_info_interval_s=5 >"$d/collector.log" 2>&1 &
    coll=$!
    "$BUILD/livetap-recorder" --topic-prefix "$prefix" --dir "$d/rec" --set storage.segment_s=10 \
        --set admin.port=0 -q >"$d/recorder.log" 2>&1 &
    rec=$!
    for _ in $(seq 120); do [[ "$(ls "$d/rec" 2>/dev/null | wc -l)" -ge "$n" ]] && break; sleep 0.5; done
    sleep 5
    t0=$(ticks $rec) s0=$(date +%s.%N) b0=$(du -sb "$d/rec" | cut -f1)
    sleep 30
    t1=$(ticks $rec) s1=$(date +%s.%N) b1=$(du -sb "$d/rec" | cut -f1)
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$rec/status")
    hz=$(getconf CLK_TCK)
    awk -v n="$n" -v t="$((t1 - t0))" -v hz="$hz" -v s0="$s0" -v s1="$s1" -v b="$((b1 - b0))" -v rss="$rss" \
        'BEGIN { printf "| %d | %.0f KB | %.2f%% | %.1f MiB |\n", n, b / (s1 - s0) / n / 1000, 100 * t / hz / (s1 - s0), rss / 1024 }'
    kill -TERM $rec && wait $rec || true
    kill $coll $sim 2>/dev/null && wait $coll $sim 2>/dev/null || true
done
