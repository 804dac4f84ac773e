#!/usr/bin/env bash
# bench/sidecar/run.sh - fan-out benchmark of livetap-sidecar against a
# minimal Node broadcaster (ref_broadcaster.mjs, the `ws` package), both fed
# the same events from the real local Kafka + registry by livetap-demo.
#
#   scripts/dev-infra.sh start && eval "$(scripts/dev-infra.sh env)"
#   bench/sidecar/run.sh            # all cases, both servers
#   BENCH_CASES="A1 B2" BENCH_SERVERS=sidecar bench/sidecar/run.sh
#   BENCH_SERVERS="sidecar sidecar-poll"   # the sidecar on its poll() loop too
#   BENCH_SERVERS="sidecar-base sidecar" BENCH_BASE_BUILD=/tmp/base/build  # before/after:
#       another build's livetap-sidecar, fed by this build's publisher
#   BENCH_REPEAT=10                        # every case that many times, servers alternating
#
# Cases (clients are one C epoll process, ws_load.c, reading every frame):
#   A1/A2  1 room    -> 1000 clients at 500 / 1000 events/s in (0.5 / 1 M frames/s asked)
#   B1/B2  1000 rooms -> 1 client each at 10k / 50k events/s in
#   B3     1000 rooms at 50k events/s in, 100 of them watched by 1 client each
#          (the full input rate, a twentieth of B2's socket writes)
#   C1     10,000 clients, 10 per room over 1000 rooms, at 1k events/s in (B1's
#          10k frames/s out, spread over ten times the sockets; the sidecar runs
#          with its per-address client and connect-rate limits raised)
# Measured per run: frames delivered per second (while frames flowed),
# latency from the record's ingest_time (= its Kafka CreateTime, set by the
# publisher) to receipt, p50/p99 on every 8th frame; server CPU over the
# publishing window; server RSS growth per connected client; closes.
# Everything shares the machine (broker, registry, publisher, clients), so the
# numbers are for this machine as a whole, not for the server alone.
# Before the server starts, each case's topics take BENCH_WARM (default 5)
# seconds of the case's own traffic: a partition's first records are slow on
# the broker (cold_topics.sh measures it), and a deployment's topics are long
# lived. BENCH_WARM=0 measures from topics created seconds before.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${LT_BUILD_DIR:-$ROOT/build}"
KAFKA="${LT_KAFKA_BOOTSTRAP:-127.0.0.1:19092}"
REGISTRY="${LT_REGISTRY_URL:-http://127.0.0.1:18081/apis/ccompat/v7}"
SECS="${BENCH_SECONDS:-20}"
WARM="${BENCH_WARM:-5}"
CASES="${BENCH_CASES:-A1 A2 B1 B2 B3 C1}"
SERVERS="${BENCH_SERVERS:-sidecar node-ws}"
OUT="$BUILD/bench/sidecar"
HERE="$ROOT/bench/sidecar"
mkdir -p "$OUT"
cc -O2 -Wall -Wextra -o "$OUT/ws_load" "$HERE/ws_load.c"
[[ -d "$HERE/node_modules/ws" ]] || (cd "$HERE" && npm install --no-audit --no-fund >/dev/null)
[[ -x "$BUILD/livetap-sidecar" && -x "$BUILD/livetap-demo" ]] || { echo "build livetap first ($BUILD)" >&2; exit 1; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
HZ=$(getconf CLK_TCK)

PUB_PROPS=()  # BENCH_PUBLISHER_PROPERTIES="linger.ms=20 ...": librdkafka properties of the publisher
for prop in ${BENCH_PUBLISHER_PROPERTIES:-}; do PUB_PROPS+=(--property "$prop"); done
demo() { "$BUILD/livetap-demo" --kafka "$KAFKA" --registry "$REGISTRY" -q ${PUB_PROPS[@]+"${PUB_PROPS[@]}"} "$@" 2>/dev/null >/dev/null; }
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
rss_kb() { awk '/VmRSS/{print $2}' "/proc/$1/status"; }

start_server() { # server prefix clients -> sets SPID, PORT
    local log="$OUT/$1.log" config="${BENCH_SIDECAR_CONFIG:-}"
    local bin="$BUILD/livetap-sidecar"
    [[ $1 == sidecar-base ]] && bin="${BENCH_BASE_BUILD:?sidecar-base needs BENCH_BASE_BUILD}/livetap-sidecar"
    if [[ -z $config && $3 -gt 30 ]]; then  # all clients come from 127.0.0.1 (default: 32 handshakes at once per address)
        config="$OUT/many-clients-$1.yaml"
        if [[ $1 == sidecar-base ]] && ! grep -q max_handshakes_per_address "$BENCH_BASE_BUILD/../src/sidecar/config.c" 2>/dev/null; then
            # a build from before the handshake limit (78bff18) refuses the key
            printf 'limits:\n  max_clients: %d\n  max_clients_per_address: %d\n  connect_rate_per_address: 0\n' \
                $(($3 + 100)) $(($3 + 100)) >"$config"
        else
            printf 'limits:\n  max_clients: %d\n  max_clients_per_address: %d\n  max_handshakes_per_address: %d\n  connect_rate_per_address: 0\n' \
                $(($3 + 100)) $(($3 + 100)) $(($3 + 100)) >"$config"
        fi
    fi
    if [[ $1 == sidecar* ]]; then  # sidecar (epoll, the default), sidecar-poll, or sidecar-base (BENCH_BASE_BUILD's)
        "$bin" --port 0 --kafka "$KAFKA" --registry "$REGISTRY" --topic-prefix "$2" -q \
            ${config:+--config "$config"} --event-loop "$([[ $1 == sidecar-poll ]] && echo poll || echo epoll)" \
            >"$log" 2>&1 &
        SPID=$!
        for _ in $(seq 100); do grep -q listening "$log" && break; sleep 0.1; done
        PORT=$(sed -n 's|.*127.0.0.1:\([0-9]*\)/.*|\1|p' "$log")
    else
        node "$HERE/ref_broadcaster.mjs" 0 "$KAFKA" "$REGISTRY" "$2" >"$log" 2>&1 &
        SPID=$!
        for _ in $(seq 300); do grep -q '^ready' "$log" && break; sleep 0.1; done
        PORT=$(sed -n 's/^listening \([0-9]*\)/\1/p' "$log")
    fi
    [[ -n $PORT ]] || { echo "$1 did not start: $(cat "$log")" >&2; exit 1; }
    sleep 2
}

run_case() { # server case clients rooms rate
    local server=$1 name=$2 clients=$3 rooms=$4 rate=$5
    local prefix="bench${RANDOM}${RANDOM}" rp
    rp="${prefix}r"
    demo --topic-prefix "$prefix" --rooms 1 --events-per-room 60 --room-prefix "${rp}x"  # topics + schemas
    if ((WARM > 0)); then  # the case's own traffic (same rooms, so the same partitions) before the server starts
        demo --topic-prefix "$prefix" --rooms "$rooms" --events-per-room $((rate * WARM / rooms)) \
            --rate "$rate" --room-prefix "$rp"
    fi
    start_server "$server" "$prefix" "$clients"
    local rss0 rss1 cpu0 cpu1 t0 t1
    rss0=$(rss_kb "$SPID")
    # clients watch rooms 0..min(clients, rooms)-1; the publisher writes to all rooms
    local connect_wait=$((2 + clients / 2500))  # 10,000 clients were all connected within 6 s here
    "$OUT/ws_load" 127.0.0.1 "$PORT" "/ws/${rp}%d" "$clients" $((clients < rooms ? clients : rooms)) \
        $((SECS + connect_wait - 2)) \
        >"$OUT/load.json" 2>"$OUT/load.err" &
    local lpid=$!
    sleep "$connect_wait"
    rss1=$(rss_kb "$SPID"); cpu0=$(cpu_ticks "$SPID"); t0=$(date +%s.%N)
    demo --topic-prefix "$prefix" --rooms "$rooms" --events-per-room $((rate * (SECS - 5) / rooms)) \
        --rate "$rate" --room-prefix "$rp"
    cpu1=$(cpu_ticks "$SPID"); t1=$(date +%s.%N)
    wait $lpid
    : >"$OUT/metrics.txt"
    [[ $server == sidecar* ]] && curl -s "127.0.0.1:$PORT/metrics" >"$OUT/metrics.txt"
    kill -TERM "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null || true
    python3 - "$server" "$name" "$clients" "$rooms" "$rate" "$rss0" "$rss1" "$cpu0" "$cpu1" "$t0" "$t1" "$HZ" "$SECS" \
        "$OUT/load.json" "$OUT/metrics.txt" >>"$OUT/results.jsonl" <<'PY'
import json, re, sys
(server, name, clients, rooms, rate, rss0, rss1, cpu0, cpu1, t0, t1, hz, secs, load, metrics) = sys.argv[1:]
r = json.load(open(load))

def quantile(text, metric, q):
    """Upper bound of the histogram bucket holding quantile q (the sidecar's own view)."""
    buckets = [(float("inf") if le == "+Inf" else float(le), int(v)) for le, v in
               re.findall(metric + r'_bucket\{le="([^"]+)"\} (\d+)', text)]
    if not buckets or buckets[-1][1] == 0:
        return None
    want = q * buckets[-1][1]
    return next(le for le, acc in buckets if acc >= want)
clients, rooms, rate = int(clients), int(rooms), int(rate)
events = rate * (int(secs) - 5) // rooms * rooms
expected = events * clients // rooms
out = dict(server=server, case=name, clients=clients, rooms=rooms, events_in_per_s=rate,
           frames_asked_per_s=rate * clients // rooms, frames_per_s=r["frames_per_s"],
           delivered_pct=round(100.0 * r["frames"] / expected, 1) if expected else 0,
           p50_ms=r["p50_ms"], p99_ms=r["p99_ms"], steady_p50_ms=r["steady_p50_ms"], steady_p99_ms=r["steady_p99_ms"],
           cpu_pct=round(100.0 * (int(cpu1) - int(cpu0)) / int(hz) / (float(t1) - float(t0)), 1),
           rss_per_client_kb=round((int(rss1) - int(rss0)) / clients, 1), closes=r["closes"] + r["errors"],
           publish_s=round(float(t1) - float(t0), 1))
text = open(metrics).read()
out["sidecar_p50_ms"] = quantile(text, "livetap_sidecar_fanout_latency_ms", 0.5)
out["sidecar_p99_ms"] = quantile(text, "livetap_sidecar_fanout_latency_ms", 0.99)
print(json.dumps(out))
PY
    tail -1 "$OUT/results.jsonl"
    echo "  $server $name $(tail -1 "$OUT/load.err")"
}

: >"$OUT/results.jsonl"
for _ in $(seq "${BENCH_REPEAT:-1}"); do
for c in $CASES; do
    for s in $SERVERS; do
        case $c in
            A1) run_case "$s" A1 1000 1 500 ;;
            A2) run_case "$s" A2 1000 1 1000 ;;
            B1) run_case "$s" B1 1000 1000 10000 ;;
            B2) run_case "$s" B2 1000 1000 50000 ;;
            B3) run_case "$s" B3 100 1000 50000 ;;
            C1) run_case "$s" C1 10000 1000 1000 ;;
            *) echo "unknown case $c" >&2; exit 2 ;;
        esac
    done
done
done
python3 - "$OUT/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("| case | server | clients | rooms | events in/s (asked) | publish took | frames delivered/s | delivered in window | e2e p50 / p99 ms | after 5 s: p50 / p99 ms | sidecar-added p50/p99 ms | server CPU | RSS/client | closed |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
def le(v):
    return "–" if v is None else ("≤%g" % v if v != float("inf") else ">30000")
for r in rows:
    side = f"{le(r.get('sidecar_p50_ms'))} / {le(r.get('sidecar_p99_ms'))}" if r["server"].startswith("sidecar") else "–"
    print(f"| {r['case']} | {r['server']} | {r['clients']} | {r['rooms']} | {r['events_in_per_s']:,} | {r['publish_s']} s | "
          f"{r['frames_per_s']:,.0f} | {r['delivered_pct']}% | {r['p50_ms']} / {r['p99_ms']} | "
          f"{r['steady_p50_ms']} / {r['steady_p99_ms']} | {side} | {r['cpu_pct']}% | "
          f"{r['rss_per_client_kb']} KiB | {r['closes']} |")
PY
