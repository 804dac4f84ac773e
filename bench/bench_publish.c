/* bench_publish - livetap's publishing path next to raw librdkafka.
 *
 * Method. A pool of distinct sample events of every type is prepared in
 * memory first (not timed). Then, against the same broker in the same run:
 *   livetap   lt_publisher_publish() per event: Avro encoding with the
 *             registry-framed plan, key, headers, produce; then flush.
 *   reference raw rd_kafka_producev() of the same records, pre-encoded
 *             (same key, value bytes and headers), same producer settings
 *             (idempotent, acks=all, murmur2_random, linger.ms=20, lz4).
 * Each rate is records / wall time from the first send to the last delivery
 * report (flush returned and every record acknowledged). The two alternate,
 * `--rounds` times each, to separate topics; the table reports the median of
 * each and the ratio of the medians.
 *
 * Each round's line on stderr splits the CPU into user and system time and
 * counts context switches (per 1,000 records), all threads.
 *
 * LT_BENCH_PATHS=livetap (or reference) runs one path only, for counting
 * instructions (bench/instructions.sh): two runs of different sizes under
 * callgrind, and the difference of the main thread's counts over the
 * difference of records is what one record costs, start-up cancelled out.
 *
 * For bench/kafka_settings.sh: LT_BENCH_KAFKA_PROPS="linger.ms=20,compression.codec=zstd"
 * is applied to both paths' producers after their own settings;
 * LT_BENCH_RATE=records/s paces both paths' sends (0 or unset: as fast as the
 * local queue takes them), since how full a batch gets depends on the rate;
 * every run prints its acknowledgement latency (send to delivery report,
 * p50/p99) to stderr; LT_BENCH_TOPIC_PREFIX names the topics (<prefix>.<type>
 * and <prefix>-ref.<type>) so that the caller can find and delete them.
 */
#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "avro/encoder.h"
#include "kafka/conf.h"
#include "kafka/publisher.h"
#include "sim/sample_events.h"

/* distinct events cycled through; LT_BENCH_POOL changes it (a small pool
 * stays in the CPU caches, as a collector's just-decoded event does) */
static int pool_size = 2000;

typedef struct prepared {
    lt_event ev;
    lt_sample_events *gen; /* owns the event's strings */
    uint8_t *value;        /* pre-encoded, registry-framed */
    size_t value_len;
    char msg_id[24];
} prepared;

/* What this process used so far, all threads (librdkafka's included):
 * user and system CPU seconds, and context switches. */
typedef struct usage {
    double user, sys, switches;
} usage;

static usage usage_now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (usage){(double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
                   (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6,
                   (double)(ru.ru_nvcsw + ru.ru_nivcsw)};
}

static double last_cpu_us_per_record;
static usage last_usage_per_record; /* CPU in µs, switches per 1,000 records */

static void note_usage(usage before, long n)
{
    usage after = usage_now();
    last_usage_per_record =
        (usage){(after.user - before.user) * 1e6 / (double)n, (after.sys - before.sys) * 1e6 / (double)n,
                (after.switches - before.switches) * 1e3 / (double)n};
    last_cpu_us_per_record = last_usage_per_record.user + last_usage_per_record.sys;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_int64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Settings under test (kafka_settings.sh): the extra properties, the pace,
 * and each record's send time, replaced by its latency when acknowledged. */
static lt_kafka_properties bench_props;
static double bench_rate;
static int64_t *sent_us;

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void load_bench_settings(void)
{
    const char *rate = getenv("LT_BENCH_RATE");
    bench_rate = rate ? atof(rate) : 0;
    const char *props = getenv("LT_BENCH_KAFKA_PROPS");
    if (!props || !*props)
        return;
    char *copy = strdup(props), *save = NULL, err[256];
    const char *texts[64];
    size_t count = 0;
    if (!copy) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (count == sizeof texts / sizeof texts[0]) {
            fprintf(stderr, "LT_BENCH_KAFKA_PROPS: more than %zu properties\n", count);
            exit(2);
        }
        texts[count++] = t;
    }
    if (lt_kafka_properties_split(texts, count, &bench_props, err, sizeof err)) {
        fprintf(stderr, "LT_BENCH_KAFKA_PROPS: %s\n", err);
        exit(2);
    }
    free(copy);
}

/* Before send i of a run that started at t0: how long to wait (polling, as
 * a collector would) before the pace allows it; 0 to send now. */
static int pace_ms(int64_t t0, long i)
{
    if (bench_rate <= 0 || i % 16)
        return 0;
    int64_t left = t0 + (int64_t)((double)i * 1e6 / bench_rate) - now_us();
    return left > 0 ? (int)(left / 1000) + 1 : 0;
}

static void note_ack(int64_t *slot)
{
    *slot = now_us() - *slot;
}

static void print_latency(const char *path, long n)
{
    qsort(sent_us, (size_t)n, sizeof *sent_us, cmp_int64);
    fprintf(stderr, "latency %s: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", path, sent_us[n / 2] / 1e3,
            sent_us[n * 99 / 100] / 1e3, sent_us[n - 1] / 1e3);
}

static void on_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    long *counts = opaque;
    counts[m->err ? 1 : 0]++;
    note_ack(m->_private);
}

static void on_publisher_ack(void *ctx, void *opaque, const char *error)
{
    (void)ctx;
    (void)error;
    note_ack(opaque);
}

/* Raw librdkafka producing the pre-encoded records; returns records/s. */
static double run_reference(const char *bootstrap, const char *topic_prefix, prepared *pool, long n,
                            const lt_publisher *pub)
{
    long counts[2] = {0, 0};
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *kv[][2] = {{"bootstrap.servers", bootstrap},
                           {"enable.idempotence", "true"},
                           {"acks", "all"},
                           {"partitioner", "murmur2_random"},
                           {"linger.ms", "20"},
                           {"compression.codec", "lz4"}};
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
        rd_kafka_conf_set(conf, kv[i][0], kv[i][1], err, sizeof err);
    if (lt_kafka_conf_apply(conf, bench_props.items, bench_props.count, err, sizeof err)) {
        fprintf(stderr, "reference producer: %s\n", err);
        exit(2);
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_dr);
    rd_kafka_conf_set_opaque(conf, counts);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "reference producer: %s\n", err);
        exit(2);
    }
    const struct rd_kafka_metadata *md;
    rd_kafka_metadata(rk, 0, NULL, &md, 10000);
    rd_kafka_metadata_destroy(md);
    char topics[LT_EVENT_TYPE_COUNT][256];
    for (int t = 0; t < LT_EVENT_TYPE_COUNT; t++)
        snprintf(topics[t], sizeof topics[t], "%s-ref.%s", topic_prefix, lt_event_type_info_get(t)->name);

    usage u0 = usage_now();
    int64_t t0 = lt_now_ms(), t0_us = now_us();
    for (long i = 0; i < n; i++) {
        for (int ms; (ms = pace_ms(t0_us, i)) > 0;)
            rd_kafka_poll(rk, ms);
        sent_us[i] = now_us();
        prepared *p = &pool[i % pool_size];
        const char *type = lt_event_type_info_get(p->ev.type)->name;
        const char *platform = lt_platform_name(p->ev.platform);
        rd_kafka_headers_t *h = rd_kafka_headers_new(4);
        rd_kafka_header_add(h, "event_type", -1, type, -1);
        rd_kafka_header_add(h, "platform", -1, platform, -1);
        rd_kafka_header_add(h, "msg_id", -1, p->msg_id, -1);
        rd_kafka_header_add(h, "collector_id", -1, "bench", -1);
        rd_kafka_resp_err_t rc;
        while ((rc = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topics[p->ev.type]),
                                       RD_KAFKA_V_KEY(p->ev.room_id, strlen(p->ev.room_id)),
                                       RD_KAFKA_V_VALUE(p->value, p->value_len),
                                       RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(h),
                                       RD_KAFKA_V_OPAQUE(&sent_us[i]), RD_KAFKA_V_END)) ==
               RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(rk, 10);
        if (rc) {
            fprintf(stderr, "reference produce: %s\n", rd_kafka_err2str(rc));
            exit(2);
        }
        rd_kafka_poll(rk, 0);
    }
    rd_kafka_flush(rk, 60000);
    int64_t ms = lt_now_ms() - t0;
    note_usage(u0, n);
    rd_kafka_destroy(rk);
    if (counts[0] != n) {
        fprintf(stderr, "reference: only %ld of %ld delivered\n", counts[0], n);
        exit(1);
    }
    print_latency("reference", n);
    (void)pub;
    return n * 1000.0 / (double)(ms ? ms : 1);
}

static double run_livetap(lt_publisher *pub, prepared *pool, long n)
{
    char err[512];
    lt_kafka_stats before, after;
    lt_kafka_producer_stats(lt_publisher_producer(pub), &before);
    usage u0 = usage_now();
    int64_t t0 = lt_now_ms(), t0_us = now_us();
    for (long i = 0; i < n; i++) {
        for (int ms; (ms = pace_ms(t0_us, i)) > 0;)
            lt_publisher_poll(pub, ms);
        sent_us[i] = now_us();
        lt_publish_status st;
        while ((st = lt_publisher_publish(pub, &pool[i % pool_size].ev, &sent_us[i], err, sizeof err)) ==
               LT_PUBLISH_BACKPRESSURE)
            lt_publisher_poll(pub, 10);
        if (st != LT_PUBLISH_OK) {
            fprintf(stderr, "livetap publish: %s\n", err);
            exit(2);
        }
        lt_publisher_poll(pub, 0);
    }
    if (lt_publisher_flush(pub, 60000)) {
        fprintf(stderr, "livetap: records left undelivered\n");
        exit(1);
    }
    int64_t ms = lt_now_ms() - t0;
    note_usage(u0, n);
    lt_kafka_producer_stats(lt_publisher_producer(pub), &after);
    if ((long)(after.delivered - before.delivered) != n) {
        fprintf(stderr, "livetap: only %llu of %ld delivered\n",
                (unsigned long long)(after.delivered - before.delivered), n);
        exit(1);
    }
    print_latency("livetap", n);
    return n * 1000.0 / (double)(ms ? ms : 1);
}

int main(int argc, char **argv)
{
    const char *bootstrap = getenv("LT_KAFKA_BOOTSTRAP");
    if (getenv("LT_BENCH_POOL") && atoi(getenv("LT_BENCH_POOL")) > 0)
        pool_size = atoi(getenv("LT_BENCH_POOL"));
    const char *registry = getenv("LT_REGISTRY_URL");
    long n = argc > 1 ? atol(argv[1]) : 500000;
    int rounds = argc > 2 ? atoi(argv[2]) : 3;
    if (!bootstrap || n <= 0 || rounds <= 0) {
        fprintf(
            stderr,
            "usage: LT_KAFKA_BOOTSTRAP=host:port [LT_REGISTRY_URL=url] bench_publish [records] [rounds]\n");
        return 2;
    }
    load_bench_settings();
    sent_us = calloc((size_t)n, sizeof *sent_us);
    if (!sent_us) {
        fprintf(stderr, "bench: out of memory\n");
        return 2;
    }
    const char *prefix_env = getenv("LT_BENCH_TOPIC_PREFIX"); /* as given: the caller deletes the topics */
    char prefix[64];
    if (prefix_env)
        snprintf(prefix, sizeof prefix, "%s", prefix_env);
    else
        snprintf(prefix, sizeof prefix, "bench%ld", (long)getpid());
    lt_publisher_options po = {.topic_prefix = prefix,
                               .collector_id = "bench",
                               .registry_url = registry,
                               .kafka = {.bootstrap_servers = bootstrap,
                                         .properties = bench_props.items,
                                         .property_count = bench_props.count,
                                         .on_delivery = on_publisher_ack}};
    char err[2048];
    lt_publisher *pub = lt_publisher_create(&po, err, sizeof err);
    if (!pub) {
        fprintf(stderr, "bench: %s\n", err);
        return 2;
    }
    /* prepare: distinct events over 50 rooms, and their encoded bytes */
    lt_schema_set *schemas = lt_schema_set_load(NULL, err, sizeof err);
    lt_avro_encoder *enc = schemas ? lt_avro_encoder_create(schemas, err, sizeof err) : NULL;
    if (!enc) {
        fprintf(stderr, "bench: %s\n", err);
        return 2;
    }
    static char rooms[50][32];
    prepared *pool = calloc((size_t)pool_size, sizeof *pool);
    size_t bytes = 0;
    for (int i = 0; i < pool_size; i++) {
        snprintf(rooms[i % 50], sizeof rooms[0], "74%015d", i % 50);
        pool[i].gen = lt_sample_events_create();
        lt_sample_event(pool[i].gen, rooms[i % 50], i, &pool[i].ev);
        pool[i].ev.collector_id = "bench";
        pool[i].ev.ingest_time = lt_now_ms();
        snprintf(pool[i].msg_id, sizeof pool[i].msg_id, "%lld", (long long)pool[i].ev.msg_id);
        lt_avro_encoder_set_schema_id(enc, pool[i].ev.type, 1000 + (int)pool[i].ev.type);
        lt_buf b = LT_BUF_INIT;
        lt_avro_encode(enc, &pool[i].ev, &b);
        pool[i].value = lt_buf_detach(&b, &pool[i].value_len);
        bytes += pool[i].value_len;
    }
    double *ours = calloc((size_t)rounds, sizeof *ours), *ref = calloc((size_t)rounds, sizeof *ref);
    double *ours_cpu = calloc((size_t)rounds, sizeof *ours), *ref_cpu = calloc((size_t)rounds, sizeof *ref);
    const char *paths = getenv("LT_BENCH_PATHS");
    bool do_ours = !paths || strcmp(paths, "reference") != 0,
         do_ref = !paths || strcmp(paths, "livetap") != 0;
    if (do_ours)
        run_livetap(pub, pool, n / 10); /* warm-up: topics created, connections up */
    if (do_ref)
        run_reference(bootstrap, prefix, pool, n / 10, pub);
    for (int r = 0; r < rounds; r++) {
        ours[r] = do_ours ? run_livetap(pub, pool, n) : 0;
        ours_cpu[r] = last_cpu_us_per_record;
        usage ou = last_usage_per_record;
        ref[r] = do_ref ? run_reference(bootstrap, prefix, pool, n, pub) : 1;
        ref_cpu[r] = last_cpu_us_per_record;
        usage ru = last_usage_per_record;
        fprintf(stderr,
                "round %d: livetap %.0f rec/s (%.2f us CPU/rec: user %.2f sys %.2f, %.1f switches per 1000), "
                "reference %.0f rec/s (%.2f us CPU/rec: user %.2f sys %.2f, %.1f switches per 1000)\n",
                r + 1, ours[r], ours_cpu[r], ou.user, ou.sys, ou.switches, ref[r], ref_cpu[r], ru.user,
                ru.sys, ru.switches);
    }
    qsort(ours, (size_t)rounds, sizeof *ours, cmp_double);
    qsort(ref, (size_t)rounds, sizeof *ref, cmp_double);
    qsort(ours_cpu, (size_t)rounds, sizeof *ours, cmp_double);
    qsort(ref_cpu, (size_t)rounds, sizeof *ref, cmp_double);
    double mo = ours[rounds / 2], mr = ref[rounds / 2];
    printf("| path | records | median rec/s | min | max | CPU µs/record (median) "
           "|\n|---|---:|---:|---:|---:|---:|\n");
    printf("| livetap: event → Avro → publish → ack | %ld | %.0f | %.0f | %.0f | %.2f |\n", n, mo, ours[0],
           ours[rounds - 1], ours_cpu[rounds / 2]);
    printf("| reference: librdkafka, same pre-encoded records | %ld | %.0f | %.0f | %.0f | %.2f |\n", n, mr,
           ref[0], ref[rounds - 1], ref_cpu[rounds / 2]);
    printf("\nratio livetap / reference = **%.2f** (median of %d rounds; mean value size %.0f bytes)\n",
           mo / mr, rounds, (double)bytes / pool_size);
    for (int i = 0; i < pool_size; i++) {
        free(pool[i].value);
        lt_sample_events_destroy(pool[i].gen);
    }
    free(pool);
    free(ours);
    free(ref);
    free(ours_cpu);
    free(ref_cpu);
    free(sent_us);
    lt_kafka_properties_free(&bench_props);
    lt_avro_encoder_destroy(enc);
    lt_schema_set_destroy(schemas);
    lt_publisher_destroy(pub);
    return 0;
}
