#!/usr/bin/env bash
# bench/sidecar/cold_topics.sh - what a partition's first records cost on the
# broker, measured with a plain librdkafka producer (produce_latency.c, no
# livetap code): per round, 16 topics are created with a trickle of records,
# left alone for 3 s, then written at RATE records/s for SECONDS ("cold"),
# then written again the same way ("warm", same topics and partitions, a new
# producer process). Prints a table of delivery latency (produce() to the
# broker's acknowledgement) in the first 2 s and over the rest of each run.
#
#   scripts/dev-infra.sh start && eval "$(scripts/dev-infra.sh env)"
#   bench/sidecar/cold_topics.sh          # BENCH_RATE=50000 BENCH_SECONDS=6 BENCH_ROUNDS=3
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${LT_BUILD_DIR:-$ROOT/build}"
KAFKA="${LT_KAFKA_BOOTSTRAP:-127.0.0.1:19092}"
RATE="${BENCH_RATE:-50000}"
SECS="${BENCH_SECONDS:-6}"
ROUNDS="${BENCH_ROUNDS:-3}"
OUT="$BUILD/bench/sidecar"
mkdir -p "$OUT"
cc -O2 -Wall -Wextra -o "$OUT/produce_latency" "$ROOT/bench/sidecar/produce_latency.c" -lrdkafka

measure() { # label prefix -> one JSON line {label, first2 p50/p99/max, rest p50/p99/max}
    "$OUT/produce_latency" "$KAFKA" "$2" 16 "$RATE" "$SECS" 2>/dev/null >"$OUT/produce_latency.jsonl" ||
        { echo "produce_latency failed ($1): $(tail -1 "$OUT/produce_latency.jsonl")" >&2; exit 1; }
    python3 - "$1" "$OUT/produce_latency.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[2]) if '"second"' in l]
def part(rs):  # median of the seconds' p50, worst p99, worst max
    if not rs:
        return None
    return dict(p50=sorted(r["p50_ms"] for r in rs)[len(rs) // 2], p99=max(r["p99_ms"] for r in rs),
                max=max(r["max_ms"] for r in rs))
print(json.dumps(dict(label=sys.argv[1], first=part(rows[:2]), rest=part(rows[2:]))))
PY
}

: >"$OUT/cold_topics.jsonl"
for round in $(seq "$ROUNDS"); do
    prefix="cold${RANDOM}${RANDOM}"
    "$OUT/produce_latency" "$KAFKA" "$prefix" 16 50 2 >/dev/null 2>&1  # creates the topics (auto-create)
    sleep 3
    measure "round $round: new topics" "$prefix" >>"$OUT/cold_topics.jsonl"
    measure "round $round: same topics again" "$prefix" >>"$OUT/cold_topics.jsonl"
done
python3 - "$OUT/cold_topics.jsonl" "$RATE" <<'PY'
import json, sys
print(f"| run ({int(sys.argv[2]):,} records/s, 16 topics) | first 2 s: p50 / p99 / max ms | after: p50 / p99 / max ms |")
print("|---|---:|---:|")
f = lambda p: "–" if not p else f"{p['p50']} / {p['p99']} / {p['max']}"
for r in map(json.loads, open(sys.argv[1])):
    print(f"| {r['label']} | {f(r['first'])} | {f(r['rest'])} |")
PY
