#!/usr/bin/env bash
# demo.sh - the main job on this machine, end to end, with events visible.
#
# Sets up (scripts/setup.sh), starts the real Kafka broker and registry
# (scripts/dev-infra.sh), publishes sample events of every type for a few
# rooms through livetap's publishing path (Avro, Confluent framing, schemas
# registered), then shows them as they sit in Kafka: the registered subjects,
# and records read back with kcat (key, headers, Confluent schema id).
# The infrastructure keeps running afterwards; stop it with
# scripts/dev-infra.sh stop.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${LT_BUILD_DIR:-$ROOT/build}"
export LT_BUILD_DIR="$BUILD"

"$ROOT/scripts/setup.sh"
"$ROOT/scripts/dev-infra.sh" start >/dev/null
eval "$("$ROOT/scripts/dev-infra.sh" env)"
"$ROOT/scripts/dev-infra.sh" status

PREFIX="${LT_DEMO_PREFIX:-livetap}"
echo
echo "== publishing sample events (3 rooms x 90 events, every type) to $PREFIX.<type>"
"$BUILD/livetap-demo" --kafka "$LT_KAFKA_BOOTSTRAP" --registry "$LT_REGISTRY_URL" \
    --topic-prefix "$PREFIX" --rooms 3 --events-per-room 90 --rate 200

echo
echo "== subjects in the schema registry"
curl -s "$LT_REGISTRY_URL/subjects" | tr ',' '\n' | grep "\"$PREFIX\." | tr -d '[]"'

echo
echo "== the last 3 gift records of each partition in $PREFIX.gift (key = room id, headers, value = 0x00 + schema id + Avro)"
kcat -b "$LT_KAFKA_BOOTSTRAP" -C -t "$PREFIX.gift" -o -3 -e -q \
    -f 'partition %p offset %o  key=%k  headers=%h  value=%S bytes\n' || true
echo
echo "== the last chat record of each room, decoded with the schema registered for its id"
"$BUILD/venv/bin/python" "$ROOT/scripts/kafka-tail.py" "$PREFIX.chat" --last 1
echo
echo "Kafka: $LT_KAFKA_BOOTSTRAP  registry: $LT_REGISTRY_URL  (scripts/dev-infra.sh stop to stop them)"
