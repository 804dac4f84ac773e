#!/usr/bin/env bash
# demo.sh - the main job on this machine, end to end, with events visible:
#
#   livetap-sim (simulated TikTok rooms) -> livetap-collector -> Kafka (Avro,
#   schemas in the registry) -> livetap-sidecar -> a WebSocket client
#
# Sets up (scripts/setup.sh), starts the real Kafka broker and registry
# (scripts/dev-infra.sh), runs the three programs for LT_DEMO_SECONDS
# (default 30; 0 = until Ctrl-C), prints live events as a WebSocket client of
# the sidecar receives them, then stops the programs (the collector flushes)
# and shows what is in Kafka. The broker and registry keep running; stop them
# with scripts/dev-infra.sh stop. Open the printed URL in a browser for the
# live view while it runs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${LT_BUILD_DIR:-$ROOT/build}"
export LT_BUILD_DIR="$BUILD"
SECONDS_TO_RUN="${LT_DEMO_SECONDS:-30}"
ROOMS="${LT_DEMO_ROOMS:-3}"
PREFIX="${LT_DEMO_PREFIX:-livetap}"
SIDECAR_PORT="${LT_DEMO_SIDECAR_PORT:-8090}"
RUN="$BUILD/demo"
mkdir -p "$RUN"

"$ROOT/scripts/setup.sh"
"$ROOT/scripts/dev-infra.sh" start >/dev/null
eval "$("$ROOT/scripts/dev-infra.sh" env)"
"$ROOT/scripts/dev-infra.sh" status

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

echo
echo "== livetap-sim: $ROOMS simulated TikTok LIVE rooms"
rm -f "$RUN/sim.port"
"$BUILD/livetap-sim" --port 0 --rooms "$ROOMS" --rate 15 --port-file "$RUN/sim.port" >"$RUN/sim.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do [[ -s "$RUN/sim.port" ]] && break; sleep 0.1; done
SIM="http://127.0.0.1:$(cat "$RUN/sim.port")"
echo "   $SIM"

echo "== livetap-sidecar on http://127.0.0.1:$SIDECAR_PORT/"
"$BUILD/livetap-sidecar" --port "$SIDECAR_PORT" --kafka "$LT_KAFKA_BOOTSTRAP" --registry "$LT_REGISTRY_URL" \
    --topic-prefix "$PREFIX" >"$RUN/sidecar.log" 2>&1 &
pids+=($!)

rooms=""
for i in $(seq 0 $((ROOMS - 1))); do rooms+="${rooms:+,}@simhost$i"; done
echo "== livetap-collector: rooms $rooms -> Kafka $LT_KAFKA_BOOTSTRAP, topics $PREFIX.<type>"
"$BUILD/livetap-collector" --rooms "$rooms" --kafka "$LT_KAFKA_BOOTSTRAP" --registry "$LT_REGISTRY_URL" \
    --topic-prefix "$PREFIX" --sign-url "$SIM" --web-base "$SIM" --api-base "$SIM" --sign-rate 0 \
    --collector-id demo-collector --admin-port 0 --admin-port-file "$RUN/collector-admin.port" \
    >"$RUN/collector.log" 2>&1 &
collector=$!
pids=("$collector" "${pids[@]}")

for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$SIDECAR_PORT/healthz" >/dev/null && break; sleep 0.1; done
ROOM_ID=7400000000000000000
echo
echo "Live view: http://127.0.0.1:$SIDECAR_PORT/rooms/$ROOM_ID    WebSocket: ws://127.0.0.1:$SIDECAR_PORT/ws/$ROOM_ID"
[[ -s "$RUN/collector-admin.port" ]] &&
    echo "Collector admin API: http://127.0.0.1:$(cat "$RUN/collector-admin.port")/rooms  (also /metrics, /readyz)"
echo "== events of room $ROOM_ID as a WebSocket client of the sidecar receives them:"
"$BUILD/venv/bin/python" - "$SIDECAR_PORT" "$ROOM_ID" "$SECONDS_TO_RUN" <<'PY' || true
import json, sys, time
from websockets.sync.client import connect
port, room, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
deadline = time.time() + (seconds if seconds > 0 else 1e9)
shown = 0
with connect(f"ws://127.0.0.1:{port}/ws/{room}") as ws:
    while time.time() < deadline:
        try:
            ev = json.loads(ws.recv(timeout=max(0.1, deadline - time.time())))
        except TimeoutError:
            break
        t = ev.get("type")
        who = (ev.get("user") or {}).get("nickname", "")
        if t == "chat":
            line = f'{who}: {ev.get("content")}'
        elif t == "gift":
            line = f'{who} sent {ev.get("gift_name")} x{ev.get("repeat_count")}' + (" (streak closed)" if ev.get("streak_closed") else "")
        elif t == "like":
            line = f'{who} liked x{ev.get("count")} (total {ev.get("total_max")})'
        elif t == "member":
            line = f'{who} joined'
        elif t == "social":
            line = f'{who}: {ev.get("action")}'
        elif t == "viewers":
            line = f'{ev.get("viewer_count")} watching'
        elif t == "status":
            line = f'room is {ev.get("state")}'
        else:
            line = json.dumps(ev, ensure_ascii=False)[:120]
        print(f"   [{t:>11}] {line}", flush=True)
        shown += 1
print(f"   ({shown} events received over the WebSocket)")
PY

echo
echo "== stopping the collector (it flushes to Kafka)"
kill -TERM "$collector"; wait "$collector" || true
tail -1 "$RUN/collector.log"
echo
echo "== records in Kafka per topic"
# every topic under the prefix the collector wrote to (one per event type
# that occurred), counted from the partitions' offsets
"$BUILD/venv/bin/python" - "$LT_KAFKA_BOOTSTRAP" "$PREFIX" <<'PY'
import sys
from confluent_kafka import Consumer, TopicPartition
bootstrap, prefix = sys.argv[1], sys.argv[2]
c = Consumer({"bootstrap.servers": bootstrap, "group.id": "livetap-demo-count", "enable.auto.commit": False})
md = c.list_topics(timeout=10)
total = 0
for name in sorted(t for t in md.topics if t.startswith(prefix + ".")):
    n = 0
    for p in md.topics[name].partitions:
        lo, hi = c.get_watermark_offsets(TopicPartition(name, p), timeout=10)
        n += hi - lo
    total += n
    print(f"   {name:<34} {n}")
print(f"   {'(all topics)':<34} {total}")
c.close()
PY
echo
echo "== the last gift in Kafka, decoded with its registered schema"
"$BUILD/venv/bin/python" "$ROOT/scripts/kafka-tail.py" "$PREFIX.gift" --last 1 | tail -1
echo
echo "Logs: $RUN/{sim,collector,sidecar}.log   Kafka: $LT_KAFKA_BOOTSTRAP   registry: $LT_REGISTRY_URL"
