#!/usr/bin/env bash
# bench/kafka_settings.sh - librdkafka's batching and compression settings,
# measured on livetap's publishing path (issue 21): CPU per record, bytes per
# record on the broker, and latency to acknowledgement, for a grid of
# settings. Prints one Markdown table with its method.
#
#   bench/kafka_settings.sh
#
# Each row is one set of extra producer properties, given to bench_publish
# (LT_BENCH_KAFKA_PROPS) on top of the producer's own defaults, for both
# livetap's path and the raw-librdkafka reference. Per row:
#   native     bench_publish at LT_KS_RATE records/s (paced: how full a batch
#              gets depends on the rate, and a collector is not a bulk
#              loader), LT_KS_RECORDS per round, LT_KS_ROUNDS rounds; round 1
#              (new topics are slow for their first seconds) is dropped, the
#              median of the rest is reported: CPU µs per record from
#              getrusage (all threads, the noisy figure on a shared machine)
#              for both paths, and the livetap path's p50/p99 from send to
#              delivery report.
#   callgrind  bench_publish, livetap path only, at LT_KS_CG_RATE records/s
#              (a rate callgrind keeps up with), two run sizes (LT_KS_CG_RECORDS);
#              instructions of all threads (librdkafka's included), the
#              difference of the two runs over the difference of records.
#   bytes      the size of the topics' log segments on the broker over the
#              records written to them (what the broker stores: record
#              batches after compression), from the native run and from the
#              larger callgrind run. Needs the broker's data directory
#              (LT_KAFKA_DATA; default the dev broker's); "—" without it.
# Every topic a row creates is deleted after the row (a shared broker).
#
# Environment: LT_KS_GRID (rows, one per line: the properties, comma-separated
# name=value, or "-" for the defaults; before them, space-separated,
# "rate=N" overrides LT_KS_RATE and LT_KS_CG_RATE for that row, 0 = unpaced,
# and "records=N" LT_KS_RECORDS), LT_KS_RATE (5000), LT_KS_RECORDS (15000),
# LT_KS_ROUNDS (4),
# LT_KS_CG_RATE (1000), LT_KS_CG_RECORDS ("2000 6000"),
# LT_KS_CALLGRIND (1; 0 skips it), LT_BUILD_DIR.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${LT_BUILD_DIR:-$ROOT/build}"
BENCH="$BUILD/bench/bench_publish"
PY="$BUILD/venv/bin/python"
RATE="${LT_KS_RATE:-5000}"
RECORDS="${LT_KS_RECORDS:-15000}"
ROUNDS="${LT_KS_ROUNDS:-4}"
CG_RATE="${LT_KS_CG_RATE:-1000}"
read -r CG1 CG2 <<<"${LT_KS_CG_RECORDS:-2000 6000}"
CALLGRIND="${LT_KS_CALLGRIND:-1}"
# default grid: linger.ms 0/5/20/50 × none/lz4/zstd, snappy once, and full batches unpaced with
# the default batch limits and larger ones
default_grid() {
    local codec linger
    for codec in none lz4 zstd; do
        for linger in 0 5 20 50; do echo "linger.ms=$linger,compression.codec=$codec"; done
    done
    echo "linger.ms=20,compression.codec=snappy"
    echo "rate=0 records=150000 linger.ms=5,compression.codec=lz4"
    echo "rate=0 records=150000 linger.ms=5,compression.codec=lz4,batch.num.messages=100000,batch.size=8000000"
}
GRID="${LT_KS_GRID:-$(default_grid)}"

[[ -x "$BENCH" ]] || { echo "kafka_settings: build first ($BENCH)" >&2; exit 2; }
if [[ -z "${LT_KAFKA_BOOTSTRAP:-}" ]]; then
    eval "$("$ROOT/scripts/dev-infra.sh" env)"
fi
# the dev broker's data: this checkout's, or the main worktree's when this is another worktree
DATA="${LT_KAFKA_DATA:-$ROOT/build/infra/kafka-${LT_KAFKA_VERSION:-4.4.0}/data}"
if [[ ! -d "$DATA" && -z "${LT_KAFKA_DATA:-}" ]]; then
    common="$(git -C "$ROOT" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)"
    DATA="$(dirname "${common:-/nonexistent}")/build/infra/kafka-${LT_KAFKA_VERSION:-4.4.0}/data"
fi
[[ -d "$DATA" ]] || DATA=""
if [[ "$CALLGRIND" == 1 ]] && ! command -v valgrind >/dev/null; then
    echo "kafka_settings: valgrind is needed (apt-get install valgrind), or LT_KS_CALLGRIND=0" >&2
    exit 2
fi
W="$BUILD/bench-work/kafka_settings"
mkdir -p "$W"
RUN="ks$$"

delete_topics() { # prefix: every topic whose name starts with it
    "$PY" - "$LT_KAFKA_BOOTSTRAP" "$1" <<'EOF' || echo "kafka_settings: topics $1* not deleted" >&2
import sys
from confluent_kafka.admin import AdminClient
admin = AdminClient({"bootstrap.servers": sys.argv[1], "socket.timeout.ms": 5000})
names = [t for t in admin.list_topics(timeout=10).topics if t.startswith(sys.argv[2])]
for f in (admin.delete_topics(names, operation_timeout=30).values() if names else []):
    f.result(timeout=60)
EOF
}
trap 'delete_topics "$RUN"' EXIT

log_bytes() { # topic prefix (exact, up to the dot): bytes of its log segments on the broker
    [[ -n "$DATA" ]] || { echo 0; return; }
    find "$DATA" -maxdepth 2 -path "$DATA/$1.*-[0-9]*/*.log" -printf '%s\n' 2>/dev/null | awk '{s += $1} END {print s + 0}'
}
per_record() { # bytes records -> "N" or "—"
    [[ -n "$DATA" && $1 -gt 0 ]] && awk -v b="$1" -v n="$2" 'BEGIN {printf "%.0f", b / n}' || echo "—"
}
median() { sort -g | awk '{v[NR] = $1} END {if (!NR) print "—"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
ir() { awk '/^summary:/ {s += $2} END {printf "%.0f\n", s}' "$@"; }

rows=()
i=0
while IFS= read -r line; do
    [[ -z "$line" ]] && continue
    i=$((i + 1))
    rate=$RATE cg_rate=$CG_RATE records=$RECORDS
    read -r -a words <<<"$line"
    props="${words[-1]}"
    for w in "${words[@]:0:${#words[@]}-1}"; do
        case "$w" in
        rate=*) rate="${w#rate=}" cg_rate="${w#rate=}" ;;
        records=*) records="${w#records=}" ;;
        *) echo "kafka_settings: row $i: unknown option $w" >&2; exit 2 ;;
        esac
    done
    [[ "$props" == - ]] && props=""
    p="$RUN-$i"
    echo "kafka_settings: row $i: ${props:-defaults} at ${rate} records/s" >&2
    LT_BENCH_KAFKA_PROPS="$props" LT_BENCH_RATE="$rate" LT_BENCH_TOPIC_PREFIX="$p" \
        "$BENCH" "$records" "$ROUNDS" >"$W/$i.out" 2>"$W/$i.err" || {
        echo "kafka_settings: row $i failed:" >&2
        tail -5 "$W/$i.err" >&2
        exit 1
    }
    # "round k: livetap R rec/s (C us CPU/rec), reference R rec/s (C us CPU/rec)"; the
    # latency lines come livetap then reference, warm-up first, then one pair per round
    cpu_l=$(awk '/^round / && $2 != "1:" {gsub(/\(/, ""); print $6}' "$W/$i.err" | median)
    cpu_r=$(awk '/^round / && $2 != "1:" {gsub(/\(/, ""); print $12}' "$W/$i.err" | median)
    achieved=$(awk '/^round / && $2 != "1:" {print $4}' "$W/$i.err" | median)
    p50=$(awk '/^latency livetap/ {k++; if (k > 2) {gsub(/,/, ""); print $4}}' "$W/$i.err" | median)
    p99=$(awk '/^latency livetap/ {k++; if (k > 2) {gsub(/,/, ""); print $7}}' "$W/$i.err" | median)
    bytes=$(per_record "$(log_bytes "$p")" $((records / 10 + ROUNDS * records)))
    instr="—" cg_bytes="—" cg_col="—"
    if [[ "$CALLGRIND" == 1 ]]; then
        for n in "$CG1" "$CG2"; do
            rm -f "$W/cg.$i.$n"*
            LT_BENCH_PATHS=livetap LT_BENCH_KAFKA_PROPS="$props" LT_BENCH_RATE="$cg_rate" \
                LT_BENCH_TOPIC_PREFIX="$p-cg$n" valgrind --tool=callgrind --separate-threads=yes \
                --callgrind-out-file="$W/cg.$i.$n" "$BENCH" "$n" 1 >"$W/cg.$i.$n.log" 2>&1 || {
                echo "kafka_settings: row $i: callgrind run failed:" >&2
                tail -5 "$W/cg.$i.$n.log" >&2
                exit 1
            }
        done
        cg_col="${cg_rate/#0/max}"
        records=$(((CG2 + CG2 / 10) - (CG1 + CG1 / 10)))
        instr=$((($(ir "$W/cg.$i.$CG2"-*) - $(ir "$W/cg.$i.$CG1"-*)) / records))
        cg_bytes=$(per_record "$(log_bytes "$p-cg$CG2")" $((CG2 + CG2 / 10)))
        cg_achieved=$(awk -F'|' '/^[|] livetap/ {gsub(/ /, "", $4); print $4}' "$W/cg.$i.$CG2.log")
        # the achieved rate counts the wait for the last acks too: only a large shortfall says
        # that callgrind did not keep the pace (and so filled batches more than asked)
        if [[ "$cg_rate" != 0 ]] && ((cg_achieved < cg_rate * 7 / 10)); then
            instr="$instr (only $cg_achieved rec/s)"
        fi
    fi
    delete_topics "$p"
    rows+=("| \`${props:-defaults}\` | ${rate/#0/max} (${achieved%.*}) | $cpu_l | $cpu_r | $p50 | $p99 | $bytes | $cg_col | $instr | $cg_bytes |")
done <<<"$GRID"

load=$(cut -d' ' -f1-3 /proc/loadavg)
cat <<EOF
**Method.** \`bench/kafka_settings.sh\`: each row adds its properties to the producer's own
settings (idempotent, \`acks=all\`, \`murmur2_random\`, and the shipped defaults the row does not
override), for livetap's path and the raw-librdkafka reference alike. Native: \`bench_publish
N $ROUNDS\` (N = $RECORDS unless the row says) paced at the row's rate, round 1 dropped, median of the other rounds; CPU
from getrusage, all threads (noisy: the machine is shared). Latency: livetap path, send to
delivery report. Bytes: the topics' log segments on the broker over the records written.
Instructions: callgrind, livetap path, all threads, ($CG2 − $CG1 records, each plus its warm-up
of a tenth) at the row's callgrind rate (${CG_RATE} records/s unless the row says). Load average at the end:
$load.

| extra properties | native: rate asked (achieved), rec/s | CPU µs/record livetap | CPU µs/record raw librdkafka | ack p50 ms | ack p99 ms | bytes/record on the broker | callgrind: rate, rec/s | instructions/record, all threads | bytes/record on the broker |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|
EOF
printf '%s\n' "${rows[@]}"
