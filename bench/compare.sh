#!/usr/bin/env bash
# bench/compare.sh - the same benchmarks on two builds in one run, their
# rounds alternating (base, now, base, now, ...), so that what else the
# machine does falls on both alike. Prints one Markdown table.
#
#   bench/compare.sh BASE_BUILD_DIR [rounds]      (default 5 rounds)
#
# BASE_BUILD_DIR is a build of the commit to compare with, e.g.
#   git worktree add /tmp/base 78bff18 && cmake -S /tmp/base -B /tmp/base/build -G Ninja \
#     && ninja -C /tmp/base/build bench_decode bench_publish bench_render livetap-collector
# "now" is LT_BUILD_DIR (default build/). Both run against the local broker
# and registry (scripts/dev-infra.sh start).
#
# Rows (median over the rounds; each path's own reference where it has one):
#   decode    bench_decode over one capture recorded once by this build's
#             collector: events per CPU-second
#   publish   bench_publish: livetap's CPU µs per record minus raw
#             librdkafka's in the same round (what the publish path adds),
#             and the rate ratio livetap / librdkafka of the round
#   render    bench_render: sidecar records/s per core (each build renders
#             its own sample records, which grew with the fields mapped), and
#             the rate over avro-c's generic reader on the same records in
#             the same round (the records' size cancels out)
#   e2e       livetap-sim (this build's) -> each build's livetap-collector ->
#             Kafka acks, 100 rooms: collector CPU-seconds per million events
#   rooms     (not in the default parts: minutes per build) LT_COMPARE_ROOMS
#             (10000) wss rooms, heartbeats only, this build's livetap-sim
#             -> each build's collector (--dry-run), one run each: seconds
#             until the simulator saw every room enter (capped at
#             LT_COMPARE_ROOMS_WAIT, 900), RSS per room over the same build
#             holding 1 room, CPU at idle over 30 s
# Environment: LT_COMPARE_PARTS ("decode publish render e2e"),
# LT_COMPARE_E2E_SECONDS (15), LT_COMPARE_E2E_ROUNDS (2), LT_COMPARE_RECORDS
# (100000, bench_publish).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NOW="${LT_BUILD_DIR:-$ROOT/build}"
BASE="${1:?usage: bench/compare.sh BASE_BUILD_DIR [rounds]}"
ROUNDS="${2:-5}"
PARTS=" ${LT_COMPARE_PARTS:-decode publish render e2e} "
part() { [[ "$PARTS" == *" $1 "* ]]; }
W="$NOW/bench-work/compare"
mkdir -p "$W"
eval "$("$ROOT/scripts/dev-infra.sh" env)"
for b in "$BASE" "$NOW"; do
    for p in bench/bench_decode bench/bench_publish bench/bench_render livetap-collector; do
        [[ -x "$b/$p" ]] || { echo "compare: $b/$p is missing: build it first" >&2; exit 2; }
    done
done
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
kv() { sed -n "s/.*$1=\([^ ]*\).*/\1/p"; }
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{print ($14+$15)/hz}' "/proc/$1/stat"; }
start_sim() { # args... -> SIM_PID, SIM
    rm -f "$W/sim.port"
    "$NOW/livetap-sim" --port 0 --port-file "$W/sim.port" "$@" >"$W/sim.log" 2>&1 &
    SIM_PID=$!
    pids+=("$SIM_PID")
    for _ in $(seq 1 100); do [[ -s "$W/sim.port" ]] && break; sleep 0.1; done
    SIM="http://127.0.0.1:$(cat "$W/sim.port")"
}
stop_pid() { kill -TERM "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
: >"$W/samples" # lines: row build value

if part decode; then
    start_sim --rooms 5 --rate 200 --no-ack --no-record-ids
    rm -f "$W/capture.bin"
    timeout 10 "$NOW/livetap-collector" --rooms @simhost0,@simhost1,@simhost2,@simhost3,@simhost4 --dry-run -q \
        --sign-url "$SIM" --web-base "$SIM" --api-base "$SIM" --sign-rate 0 --admin-port 0 \
        --record "$W/capture.bin" >/dev/null 2>&1 || true
    stop_pid "$SIM_PID"
fi

e2e() { # build -> collector CPU-seconds per million events
    start_sim --rooms 100 --rate 1500 --no-record-ids
    local rooms prefix coll c0 c1 s0 s1
    rooms=$(python3 -c "print(','.join(f'@simhost{i}' for i in range(100)))")
    prefix="cmp$$x$RANDOM"
    "$1/livetap-collector" --rooms "$rooms" --kafka "$LT_KAFKA_BOOTSTRAP" --registry "$LT_REGISTRY_URL" \
        --topic-prefix "$prefix" --sign-url "$SIM" --web-base "$SIM" --api-base "$SIM" --sign-rate 0 \
        --admin-port 0 >"$W/e2e.log" 2>&1 &
    coll=$!
    pids+=("$coll")
    sleep 5
    c0=$(cpu_seconds "$coll")
    s0=$(curl -s "$SIM/_sim/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["totals"]["sent"])')
    sleep "${LT_COMPARE_E2E_SECONDS:-15}"
    s1=$(curl -s "$SIM/_sim/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["totals"]["sent"])')
    c1=$(cpu_seconds "$coll")
    stop_pid "$coll"
    stop_pid "$SIM_PID"
    python3 -c "print(($c1 - $c0) / (($s1 - $s0) / 1e6))"
}

for r in $(seq 1 "$ROUNDS"); do
    for which in base now; do
        b="$BASE"; [[ $which == now ]] && b="$NOW"
        if part decode; then
            echo "decode $which $("$b/bench/bench_decode" "$W/capture.bin" 10 | kv events_per_cpu_s)" >>"$W/samples"
        fi
        if part publish; then
            "$b/bench/bench_publish" "${LT_COMPARE_RECORDS:-100000}" 1 >"$W/publish.txt" 2>/dev/null
            python3 - "$which" "$W/publish.txt" >>"$W/samples" <<'PY'
import re, sys
rows = {}
for line in open(sys.argv[2]):
    m = re.match(r"\| (livetap|reference)[^|]*\|\s*\d+\s*\|\s*(\d+)\s*\|.*\|\s*([\d.]+)\s*\|\s*$", line)
    if m:
        rows[m.group(1)] = (float(m.group(2)), float(m.group(3)))
(lr, lc), (rr, rc) = rows["livetap"], rows["reference"]
print(f"publish_added {sys.argv[1]} {lc - rc:.3f}")
print(f"publish_ratio {sys.argv[1]} {lr / rr:.3f}")
PY
        fi
        if part render; then
            "$b/bench/bench_render" 3 20000 >"$W/render.txt"
            echo "render $which $(sed -n 's/^| livetap: [^|]*| \([0-9]*\) .*/\1/p' "$W/render.txt")" >>"$W/samples"
            echo "render_ratio $which $(sed -n 's/^livetap \/ reference = \([0-9.]*\)x.*/\1/p' "$W/render.txt")" >>"$W/samples"
        fi
        if part e2e && ((r <= ${LT_COMPARE_E2E_ROUNDS:-2})); then # long: two rounds each unless asked
            echo "e2e $which $(e2e "$b")" >>"$W/samples"
        fi
    done
    echo "compare: round $r of $ROUNDS done" >&2
done

rooms_run() { # build count -> "rss_kb idle_pct connect_s entered"
    local b=$1 count=$2 file="$W/rooms-$2.txt" pid start entered=0 c0 c1 rss
    python3 -c "print('\n'.join(f'@simhost{i}' for i in range($count)))" >"$file"
    "$b/livetap-collector" --rooms-file "$file" --dry-run -q --sign-url "$SIM" --web-base "$SIM" --api-base "$SIM" \
        --sign-rate 0 --admin-port 0 --ca-file "$W/sim.crt" >/dev/null 2>"$W/rooms.log" &
    pid=$!
    pids+=("$pid")
    start=$(date +%s)
    while (($(date +%s) - start < ${LT_COMPARE_ROOMS_WAIT:-900})); do
        entered=$(curl -sk "$SIM/_sim/stats" |
            python3 -c 'import json,sys; print(sum(r["enter_room"]>0 for r in json.load(sys.stdin)["rooms"]))' || echo 0)
        ((entered >= count)) && break
        sleep 1
    done
    local connected=$(($(date +%s) - start))
    sleep 5
    c0=$(cpu_seconds "$pid")
    sleep 30
    c1=$(cpu_seconds "$pid")
    rss=$(awk '/VmRSS/{print $2}' "/proc/$pid/status")
    stop_pid "$pid"
    echo "$rss $(python3 -c "print(f'{($c1-$c0)/30*100:.1f}')") $connected $entered"
}

if part rooms; then
    N="${LT_COMPARE_ROOMS:-10000}"
    ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/sim.key" -out "$W/sim.crt" -days 2 -subj "/CN=127.0.0.1" \
        -addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1
    for which in base now; do
        b="$BASE"; [[ $which == now ]] && b="$NOW"
        # a fresh simulator per run: its counts start at zero
        start_sim --rooms "$N" --rate 0 --no-record-ids --tls-cert "$W/sim.crt" --tls-key "$W/sim.key" --heartbeat-ms 10000
        SIM="https://127.0.0.1:$(cat "$W/sim.port")"
        read -r rss1 _ _ _ < <(rooms_run "$b" 1)
        read -r rssn idle connected entered < <(rooms_run "$b" "$N")
        stop_pid "$SIM_PID"
        echo "rooms_connect $which $connected" >>"$W/samples"
        echo "rooms_entered $which $entered" >>"$W/samples"
        echo "rooms_rss $which $(python3 -c "print(($rssn - $rss1) / ($N - 1))")" >>"$W/samples"
        echo "rooms_idle $which $idle" >>"$W/samples"
        echo "compare: $N rooms on $which: $entered entered in ${connected} s" >&2
    done
fi

python3 - "$W/samples" "$BASE" "$NOW" <<'PY'
import statistics, sys
samples = {}
for line in open(sys.argv[1]):
    row, which, value = line.split()
    samples.setdefault(row, {}).setdefault(which, []).append(float(value))
rows = [
    ("decode", "decode + Avro: events per CPU-second", True),
    ("publish_added", "publish path: CPU µs per record added over raw librdkafka", False),
    ("publish_ratio", "publish path: rate livetap / raw librdkafka (same round)", True),
    ("render", "sidecar render: records/s per core (each build's own records)", True),
    ("render_ratio", "sidecar render: rate / avro-c's on the same records", True),
    ("e2e", "collector end to end: CPU-seconds per million events", False),
    ("rooms_connect", "wss rooms: seconds until every room entered", False),
    ("rooms_entered", "wss rooms: rooms entered", True),
    ("rooms_rss", "wss rooms: RSS per room, KiB", False),
    ("rooms_idle", "wss rooms: CPU at idle, % of a core", False),
]
print(f"base = {sys.argv[2]}, now = {sys.argv[3]}; medians over alternating rounds\n")
print("| measure | base (median, n) | now (median, n) | now / base | better when |")
print("|---|---:|---:|---:|---|")
for key, label, higher in rows:
    s = samples.get(key)
    if not s or "base" not in s or "now" not in s:
        continue
    b, n = statistics.median(s["base"]), statistics.median(s["now"])
    ratio = f"{n / b:.2f}" if b else "—"
    fmt = (lambda v: f"{v:,.0f}") if abs(b) >= 100 else (lambda v: f"{v:.2f}")
    print(f"| {label} | {fmt(b)} ({len(s['base'])}) | {fmt(n)} ({len(s['now'])}) | {ratio} | {'higher' if higher else 'lower'} |")
PY
