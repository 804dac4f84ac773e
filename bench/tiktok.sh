#!/usr/bin/env bash
# bench/tiktok.sh - the collector's benchmarks (issue 3), each with its
# reference measured in the same run. Prints Markdown tables.
#   1. decode + Avro encode over a recorded capture, one core, next to
#      TikTokLive's own Python decoder (PyPI) and tiktok-live-connector's
#      Node decoder (npm) on the same frames; instructions per event from
#      callgrind.
#   2. end to end: livetap-sim -> livetap-collector -> Kafka acknowledged,
#      events/s and collector CPU seconds per million events; reference:
#      bench_publish's raw librdkafka rate in the same run.
#   3. 10,000 rooms in one collector over wss, heartbeats only: RSS per room
#      and CPU at idle; reference: the same collector holding 1 room.
# Needs the local broker and registry (scripts/dev-infra.sh start).
# Environment: LT_BENCH_ROOMS (10000), LT_BENCH_E2E_SECONDS (20),
# LT_BENCH_PARTS ("1 2 3": which parts to run).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${LT_BUILD_DIR:-$ROOT/build}"
W="$BUILD/bench-work"
mkdir -p "$W"
eval "$("$ROOT/scripts/dev-infra.sh" env)"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

start_sim() { # args...
    rm -f "$W/sim.port"
    "$BUILD/livetap-sim" --port 0 --port-file "$W/sim.port" "$@" >"$W/sim.log" 2>&1 &
    SIM_PID=$!
    pids+=("$SIM_PID")
    for _ in $(seq 1 100); do [[ -s "$W/sim.port" ]] && break; sleep 0.1; done
}
stop_pid() { kill -TERM "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
cpu_seconds() { # pid -> utime+stime in seconds
    awk -v hz="$(getconf CLK_TCK)" '{print ($14+$15)/hz}' "/proc/$1/stat"
}
rss_kb() { awk '/VmRSS/{print $2}' "/proc/$1/status"; }
kv() { sed -n "s/.*$1=\([^ ]*\).*/\1/p"; }

# The Node reference of part 1: tiktok-live-connector, pinned by
# bench/reference/package-lock.json, installed test-only into build/bench-node
# (again whenever the lock changes). Prints connector_decode.mjs's key=value
# line, or error=<why> when Node, npm or the install is missing: the table then
# gets a row saying so instead of the script stopping.
connector_decode() { # capture passes
    local dir="$BUILD/bench-node" lock="$ROOT/bench/reference/package-lock.json" out
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        echo "error=node or npm not found on PATH (install Node.js >= 20 with npm)"
        return 0
    fi
    if ! cmp -s "$lock" "$dir/installed.lock" || [[ ! -f "$dir/node_modules/tiktok-live-connector/package.json" ]]; then
        mkdir -p "$dir" && rm -f "$dir/installed.lock"
        cp "$ROOT/bench/reference/package.json" "$lock" "$dir/"
        if ! (cd "$dir" && npm ci --no-audit --no-fund) >"$W/npm-ci.log" 2>&1; then
            echo "error=npm ci of bench/reference/package-lock.json into $dir failed: $(grep -m1 'npm error' "$W/npm-ci.log" || tail -n1 "$W/npm-ci.log") (log: $W/npm-ci.log)"
            return 0
        fi
        cp "$lock" "$dir/installed.lock"
    fi
    if ! out=$(node "$ROOT/bench/reference/connector_decode.mjs" "$1" "$2" "$dir/node_modules" 2>"$W/connector.err"); then
        echo "error=connector_decode.mjs failed: $(tail -n1 "$W/connector.err")"
        return 0
    fi
    echo "$out"
}

PARTS=" ${LT_BENCH_PARTS:-1 2 3} "
part() { [[ "$PARTS" == *" $1 "* ]]; }

# ---------------------------------------------------------------- 1. decode
if part 1; then
echo "## 1. Decode + Avro encode of a recorded capture (one core)"
start_sim --rooms 5 --rate 200 --no-ack --no-record-ids
SIM="http://127.0.0.1:$(cat "$W/sim.port")"
rm -f "$W/capture.bin"
timeout 10 "$BUILD/livetap-collector" --rooms @simhost0,@simhost1,@simhost2,@simhost3,@simhost4 --dry-run -q \
    --sign-url "$SIM" --web-base "$SIM" --api-base "$SIM" --sign-rate 0 --admin-port 0 --record "$W/capture.bin" >/dev/null 2>&1 || true
stop_pid "$SIM_PID"
frames_in_capture=$(python3 -c "
import struct,sys
d=open('$W/capture.bin','rb').read(); o=n=0
while o+4<=len(d):
    (l,)=struct.unpack_from('<I',d,o); o+=4+l; n+=1
print(n)")
ours=$("$BUILD/bench/bench_decode" "$W/capture.bin" 30)
if [[ ! -x "$BUILD/bench-venv/bin/python" ]] || ! "$BUILD/bench-venv/bin/python" -c 'import TikTokLive' 2>/dev/null; then
    python3 -m venv "$BUILD/bench-venv" && "$BUILD/bench-venv/bin/pip" install -q TikTokLive
fi
ttl_version=$("$BUILD/bench-venv/bin/python" -c 'import importlib.metadata as m; print(m.version("TikTokLive"))')
ref=$("$BUILD/bench-venv/bin/python" "$ROOT/bench/reference/tiktoklive_decode.py" "$W/capture.bin" 1)
connector=$(connector_decode "$W/capture.bin" 10)
valgrind --tool=callgrind --callgrind-out-file="$W/cg1" "$BUILD/bench/bench_decode" "$W/capture.bin" 1 >/dev/null 2>&1
valgrind --tool=callgrind --callgrind-out-file="$W/cg3" "$BUILD/bench/bench_decode" "$W/capture.bin" 3 >"$W/cg3.txt" 2>&1
ir1=$(sed -n 's/^summary: //p' "$W/cg1"); ir3=$(sed -n 's/^summary: //p' "$W/cg3")
ev_per_pass=$(( $(kv events <"$W/cg3.txt") / 3 ))
ipe=$(( (ir3 - ir1) / (2 * ev_per_pass) ))
echo
echo "Capture: $frames_in_capture push frames recorded by \`livetap-collector --record\` from 5 simulated rooms (gzip), $(stat -c %s "$W/capture.bin") bytes."
echo
echo "| decoder | frames/s | events/s (wall) | events per CPU-second | instructions/event |"
echo "|---|---:|---:|---:|---:|"
echo "| livetap: frame → gunzip → protobuf-c → lt_event → Avro (Confluent framing) | $(kv frames_per_s <<<"$ours") | $(kv events_per_s <<<"$ours") | $(kv events_per_cpu_s <<<"$ours") | $ipe |"
echo "| reference: TikTokLive $ttl_version (Python, betterproto2), decode only | $(kv frames_per_s <<<"$ref") | $(kv events_per_s <<<"$ref") | $(kv events_per_cpu_s <<<"$ref") | — |"
if [[ "$connector" == error=* ]]; then
    echo "| reference: tiktok-live-connector (Node), decode only: **not measured**: ${connector#error=} | — | — | — | — |"
else
    echo "| reference: tiktok-live-connector $(kv version <<<"$connector") (Node $(node --version)), decode only | $(kv frames_per_s <<<"$connector") | $(kv events_per_s <<<"$connector") | $(kv events_per_cpu_s <<<"$connector") | — |"
fi
ratio() { python3 -c "print(f'{float(\"$1\")/float(\"$2\"):.1f}')"; }
echo
echo "livetap / TikTokLive = **$(ratio "$(kv events_per_cpu_s <<<"$ours")" "$(kv events_per_cpu_s <<<"$ref")")x** events per CPU-second"
if [[ "$connector" != error=* ]]; then
    echo "livetap / tiktok-live-connector = **$(ratio "$(kv events_per_cpu_s <<<"$ours")" "$(kv events_per_cpu_s <<<"$connector")")x** events per CPU-second (target >= 10x)"
    echo
    echo "Events per pass: livetap $(( $(kv events <<<"$ours") / 30 )) typed events; TikTokLive $(kv events <<<"$ref") messages decoded;" \
        "tiktok-live-connector $(kv events_per_pass <<<"$connector") messages decoded ($(kv decoded_types <<<"$connector") methods;" \
        "no decoder for: $(kv unknown <<<"$connector"); decode errors: $(kv failed <<<"$connector"))."
else
    echo "livetap / tiktok-live-connector: not measured (${connector#error=})"
fi

fi

# ---------------------------------------------------------- 2. end to end
if part 2; then
E2E_SECONDS="${LT_BENCH_E2E_SECONDS:-20}"
echo
echo "## 2. End to end: livetap-sim → livetap-collector → Kafka (acknowledged)"
start_sim --rooms 100 --rate "${LT_BENCH_E2E_RATE:-1500}" --no-record-ids
SIM="http://127.0.0.1:$(cat "$W/sim.port")"
rooms=$(python3 -c "print(','.join(f'@simhost{i}' for i in range(100)))")
prefix="benche2e$$"
"$BUILD/livetap-collector" --rooms "$rooms" --kafka "$LT_KAFKA_BOOTSTRAP" --registry "$LT_REGISTRY_URL" \
    --topic-prefix "$prefix" --sign-url "$SIM" --web-base "$SIM" --api-base "$SIM" --sign-rate 0 --admin-port 0 \
    >"$W/e2e.log" 2>&1 &
COLL=$!
pids+=("$COLL")
sleep 5 # resolve, sign, connect
c0=$(cpu_seconds "$COLL"); t0=$(date +%s.%N)
s0=$(curl -s "$SIM/_sim/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["totals"]["sent"])')
sleep "$E2E_SECONDS"
s1=$(curl -s "$SIM/_sim/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["totals"]["sent"])')
c1=$(cpu_seconds "$COLL"); t1=$(date +%s.%N)
stop_pid "$COLL"
stop_pid "$SIM_PID"
published=$(sed -n 's/.*stopped: \([0-9]*\) events published.*/\1/p' "$W/e2e.log")
unacked=$(sed -n 's/.* \([0-9]*\) not acknowledged by Kafka.*/\1/p' "$W/e2e.log")
pub_ref=$("$BUILD/bench/bench_publish" 200000 3 2>/dev/null | sed -n 's/^| reference: librdkafka, same pre-encoded records | [0-9]* | \([0-9]*\) .*/\1/p')
python3 - "$s0" "$s1" "$c0" "$c1" "$t0" "$t1" "$published" "$unacked" "$pub_ref" <<'PY'
import sys
s0, s1, c0, c1, t0, t1 = map(float, sys.argv[1:7])
published, unacked, ref = sys.argv[7], sys.argv[8], float(sys.argv[9] or 0)
rate = (s1 - s0) / (t1 - t0)
cpu = (c1 - c0) / ((s1 - s0) / 1e6)
print(f"\n100 rooms; the simulator (on the same 2 cores) offered what it could; measured over a {t1-t0:.0f} s window after start-up.\n")
print("| path | events/s | collector CPU-seconds per million events |")
print("|---|---:|---:|")
print(f"| livetap-collector: push frames → Kafka acks | {rate:,.0f} | {cpu:.1f} |")
print(f"| reference: raw librdkafka producing pre-encoded records (bench_publish) | {ref:,.0f} | — |")
print(f"\nWhole run: {published} events published, {unacked} not acknowledged at exit.")
PY

fi

# ------------------------------------------------------- 3. 10,000 rooms
if part 3; then
N="${LT_BENCH_ROOMS:-10000}"
echo
echo "## 3. $N rooms in one collector over wss, heartbeats only"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/sim.key" -out "$W/sim.crt" -days 2 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1
start_sim --rooms "$N" --rate 0 --no-record-ids --tls-cert "$W/sim.crt" --tls-key "$W/sim.key" --heartbeat-ms 10000
SIM="https://127.0.0.1:$(cat "$W/sim.port")"
measure_rooms() { # count -> "rss_kb cpu_pct_idle connect_s"
    local count=$1 file="$W/rooms-$1.txt"
    python3 -c "print('\n'.join(f'@simhost{i}' for i in range($count)))" >"$file"
    "$BUILD/livetap-collector" --rooms-file "$file" --dry-run -q --sign-url "$SIM" --web-base "$SIM" --api-base "$SIM" \
        --sign-rate 0 --admin-port 0 --ca-file "$W/sim.crt" >/dev/null 2>"$W/rooms-$count.log" &
    local pid=$! start; start=$(date +%s.%N)
    pids+=("$pid")
    # wait until the simulator saw every room enter
    for _ in $(seq 1 600); do
        entered=$(curl -sk "$SIM/_sim/stats" | python3 -c 'import json,sys; print(sum(r["enter_room"]>0 for r in json.load(sys.stdin)["rooms"]))' || echo 0)
        ((entered >= count)) && break
        kill -0 "$pid" 2>/dev/null || { echo "collector with $count rooms exited early; see $W/rooms-$count.log" >&2; exit 1; }
        sleep 1
    done
    local connected; connected=$(python3 -c "import time; print(f'{time.time()-$start:.0f}')")
    sleep 5
    local c0 r; c0=$(cpu_seconds "$pid")
    sleep 30
    local c1; c1=$(cpu_seconds "$pid"); r=$(rss_kb "$pid")
    stop_pid "$pid"
    echo "$r $(python3 -c "print(f'{($c1-$c0)/30*100:.1f}')") $connected $entered"
}
one=$(measure_rooms 1)
many=$(measure_rooms "$N")
stop_pid "$SIM_PID"
python3 - "$N" $one $many <<'PY'
import sys
n = int(sys.argv[1])
r1, cpu1, t1, e1 = float(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
rn, cpun, tn, en = float(sys.argv[6]), sys.argv[7], sys.argv[8], sys.argv[9]
print("\n| collector | rooms entered | time to connect all (s) | RSS (MiB) | RSS per room (KiB) | CPU at idle (% of a core) |")
print("|---|---:|---:|---:|---:|---:|")
print(f"| reference: 1 room | {e1} | {t1} | {r1/1024:.1f} | — | {cpu1} |")
print(f"| {n} rooms | {en} | {tn} | {rn/1024:.1f} | {(rn-r1)/(n-1):.1f} | {cpun} |")
PY
fi
