#!/usr/bin/env bash
# bench/instructions.sh - instructions per event on the decode and publish
# paths (issue 21), counted by callgrind, so that a shared, noisy machine
# gives the same figure every run. Prints Markdown tables.
#
#   bench/instructions.sh [BASE_BUILD_DIR]
#
# Each figure is a difference of two runs of one program under callgrind
# that differ only in how much work they do, over the difference of events:
# start-up (schemas, registry, connections) cancels out.
#   decode   bench_decode over one capture, 1 pass and 3 passes: frame parse,
#            gunzip, fetch result, message decode, Avro encoding
#   publish  bench_publish with LT_BENCH_PATHS=livetap (lt_publisher_publish
#            per event, poll, flush) and =reference (raw rd_kafka_producev of
#            the same pre-encoded records, same key and headers), N1 and N2
#            records (plus their n/10 warm-ups): the main thread's count (the
#            publishing thread; librdkafka's own threads do the same work for
#            both paths) and all threads'
# With BASE_BUILD_DIR (a build of the commit to compare with, whose
# bench_decode prints avro_fnv with LT_BENCH_CHECK=1 and whose bench_publish knows LT_BENCH_PATHS)
# both builds are counted on the same capture and their Avro output hashes
# compared. Needs valgrind, the broker and registry (LT_KAFKA_BOOTSTRAP,
# LT_REGISTRY_URL; scripts/dev-infra.sh env). LT_CAPTURE: a capture to use
# instead of recording one from livetap-sim; LT_INSTR_RECORDS ("5000 15000");
# LT_INSTR_TOP (10): rows of the per-function tables; LT_INSTR_PARTS
# ("decode publish"): which of the two to count. The publish part also
# prints livetap's own instructions per record: lt_publisher_publish minus
# the librdkafka calls it makes (the reference makes the same ones), which,
# unlike the totals, does not move between runs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NOW="${LT_BUILD_DIR:-$ROOT/build}"
BASE="${1:-}"
TOP="${LT_INSTR_TOP:-10}"
PARTS=" ${LT_INSTR_PARTS:-decode publish} "
read -r N1 N2 <<<"${LT_INSTR_RECORDS:-5000 15000}"
W="$NOW/bench-work/instructions"
mkdir -p "$W"
command -v valgrind >/dev/null || { echo "instructions: valgrind is needed (apt-get install valgrind)" >&2; exit 2; }
if [[ -z "${LT_KAFKA_BOOTSTRAP:-}" ]]; then
    eval "$("$ROOT/scripts/dev-infra.sh" env)"
fi
builds=(now)
[[ -n "$BASE" ]] && builds=(base now)
dir_of() { [[ $1 == base ]] && echo "$BASE" || echo "$NOW"; }

capture="${LT_CAPTURE:-}"
if [[ -z "$capture" && $PARTS == *" decode "* ]]; then
    capture="$W/capture.bin"
    rm -f "$W/sim.port" "$capture"
    "$NOW/livetap-sim" --port 0 --port-file "$W/sim.port" --rooms 5 --rate 200 --no-ack --no-record-ids \
        >"$W/sim.log" 2>&1 &
    sim=$!
    trap 'kill $sim 2>/dev/null || true' EXIT
    for _ in $(seq 1 100); do [[ -s "$W/sim.port" ]] && break; sleep 0.1; done
    SIM="http://127.0.0.1:$(cat "$W/sim.port")"
    timeout 10 "$NOW/livetap-collector" --rooms @simhost0,@simhost1,@simhost2,@simhost3,@simhost4 --dry-run -q \
        --sign-url "$SIM" --web-base "$SIM" --api-base "$SIM" --sign-rate 0 --admin-port 0 \
        --record "$capture" >/dev/null 2>&1 || true
    kill "$sim" 2>/dev/null || true
    wait "$sim" 2>/dev/null || true
fi
[[ $PARTS != *" decode "* || -s "$capture" ]] || { echo "instructions: no capture at $capture" >&2; exit 2; }

kv() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" "$2"; }
ir() { # callgrind files -> their total instruction count
    awk '/^summary:/ {s += $2} END {printf "%.0f\n", s}' "$@"
}
# inclusive instructions per function of two profiles: "fn per_event" for the
# difference, largest first (callgrind_annotate's inclusive listing)
per_function() { # small big events_difference
    local f
    for f in a b; do
        callgrind_annotate --inclusive=yes --auto=no --threshold=100 "$([[ $f == a ]] && echo "$1" || echo "$2")" \
            2>/dev/null | awk '/^ *[0-9,]+ .*:/ && !/=>/ && !/below main|libc_start|:main |:0x000000000001ab70|PROGRAM TOTALS/' \
            >"$W/$f.txt"
    done
    awk -v d="$3" '
        function key(line,   k) { k = line; sub(/^ *[0-9,]+ +(\([ 0-9.%]+\) +)?/, "", k); sub(/ \[.*$/, "", k); sub(/^.*\//, "", k); return k }
        function num(line,   n) { n = line; sub(/^ */, "", n); sub(/ .*/, "", n); gsub(/,/, "", n); return n + 0 }
        NR == FNR { a[key($0)] = num($0); next }
        { k = key($0); if (k ~ /:main$/) next; v = (num($0) - a[k]) / d; if (v > 0) printf "%.0f\t%s\n", v, k }
    ' "$W/a.txt" "$W/b.txt" | sort -t$'\t' -k1,1nr | awk -F'\t' '!seen[$2]++'
}

declare -A R
for b in "${builds[@]}"; do
    d="$(dir_of "$b")"
    R[dec.$b]=- R[fnv.$b]=- R[main.$b.livetap]=0 R[main.$b.reference]=0 R[all.$b.livetap]=0 R[all.$b.reference]=0
    : >"$W/dec.$b.functions"
    : >"$W/pub.$b.livetap.functions"
    for p in 1 3; do
        [[ $PARTS == *" decode "* ]] || break
        valgrind --tool=callgrind --callgrind-out-file="$W/dec.$b.$p" "$d/bench/bench_decode" "$capture" "$p" \
            >"$W/dec.$b.$p.log" 2>&1
    done
    if [[ $PARTS == *" decode "* ]]; then
        e1=$(kv events "$W/dec.$b.1.log")
        e3=$(kv events "$W/dec.$b.3.log")
        R[dec.$b]=$(( ($(ir "$W/dec.$b.3") - $(ir "$W/dec.$b.1")) / (e3 - e1) ))
        R[fnv.$b]=$(LT_BENCH_CHECK=1 "$d/bench/bench_decode" "$capture" 1 | kv avro_fnv /dev/stdin)
        per_function "$W/dec.$b.1" "$W/dec.$b.3" $((e3 - e1)) >"$W/dec.$b.functions"
    fi
    for path in livetap reference; do
        [[ $PARTS == *" publish "* ]] || break
        for n in "$N1" "$N2"; do
            rm -f "$W/pub.$b.$path.$n"*
            LT_BENCH_PATHS=$path valgrind --tool=callgrind --separate-threads=yes \
                --callgrind-out-file="$W/pub.$b.$path.$n" "$d/bench/bench_publish" "$n" 1 \
                >"$W/pub.$b.$path.$n.log" 2>&1
        done
        records=$(( (N2 + N2 / 10) - (N1 + N1 / 10) ))
        main1=$(ir "$W/pub.$b.$path.$N1-01") main2=$(ir "$W/pub.$b.$path.$N2-01")
        all1=$(ir "$W/pub.$b.$path.$N1"-*) all2=$(ir "$W/pub.$b.$path.$N2"-*)
        R[main.$b.$path]=$(( (main2 - main1) / records ))
        R[all.$b.$path]=$(( (all2 - all1) / records ))
        per_function "$W/pub.$b.$path.$N1-01" "$W/pub.$b.$path.$N2-01" "$records" >"$W/pub.$b.$path.functions"
    done
done

echo "| build | decode + Avro: instructions per event | publish, main thread: livetap / librdkafka / added per record | all threads: livetap / librdkafka / added |"
echo "|---|---:|---:|---:|"
for b in "${builds[@]}"; do
    lm=${R[main.$b.livetap]} rm=${R[main.$b.reference]} la=${R[all.$b.livetap]} ra=${R[all.$b.reference]}
    if [[ $PARTS == *" publish "* ]]; then
        echo "| $b ($(dir_of "$b")) | ${R[dec.$b]} | $lm / $rm / **$((lm - rm))** | $la / $ra / $((la - ra)) |"
    else
        echo "| $b ($(dir_of "$b")) | ${R[dec.$b]} | - | - |"
    fi
done
if [[ $PARTS == *" publish "* ]]; then
    # what the publish call itself runs, librdkafka's calls taken out: ours alone, and deterministic
    # (the librdkafka figures move with malloc's state and the batching)
    echo
    echo "| build | lt_publisher_publish per record | of which librdkafka (headers_new, header_add, producev) | livetap's own | of which Avro |"
    echo "|---|---:|---:|---:|---:|"
    for b in "${builds[@]}"; do
        awk -F'\t' -v b="$b ($(dir_of "$b"))" '
            { sub(/^.*:/, "", $2); v[$2] = $1 }
            END { rdk = v["rd_kafka_headers_new"] + v["rd_kafka_header_add"] + v["rd_kafka_producev"]
                  printf "| %s | %d | %d | **%d** | %d |\n", b, v["lt_publisher_publish"], rdk,
                         v["lt_publisher_publish"] - rdk, v["lt_avro_encode"] }' "$W/pub.$b.livetap.functions"
    done
fi
echo
for b in "${builds[@]}"; do
    echo "Avro output of the capture ($b): avro_fnv=${R[fnv.$b]}"
done
for b in "${builds[@]}"; do
    echo
    echo "Top $TOP functions, inclusive instructions per event, decode + Avro ($b):"
    echo
    head -n "$TOP" "$W/dec.$b.functions" | awk -F'\t' '{printf "    %8s  %s\n", $1, $2}'
    echo
    echo "Top $TOP functions, inclusive instructions per record, publish main thread, livetap path ($b):"
    echo
    head -n "$TOP" "$W/pub.$b.livetap.functions" | awk -F'\t' '{printf "    %8s  %s\n", $1, $2}'
done
