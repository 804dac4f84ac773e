/* produce_latency.c - delivery latency of a plain librdkafka producer, per
 * second of a run, with no livetap code in the path.
 *
 * The fan-out benchmark saw every case start with a backlog of one to three
 * seconds. This tool separates the broker's part from livetap's: it produces
 * RATE records/s (300-byte values, 1,000 keys) round-robin over TOPICS topics
 * named PREFIX.t<i> for SECONDS, and prints, for the records produced in each
 * second, the p50/p99/max time from produce() to the delivery report (the
 * broker's acknowledgement). Run it on topics just created and then again on
 * the same topics (cold_topics.sh does both) to see what a partition's first
 * records cost on the broker.
 *
 * usage: produce_latency BOOTSTRAP PREFIX TOPICS RATE SECONDS [property=value ...]
 *   The properties go to librdkafka as given; the defaults are livetap's
 *   producer's (acks=all, idempotence, lz4, linger.ms=5).
 *   Prints one JSON line per second, then one summary line.
 */
#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_SECONDS 120
#define KEYS 1000

typedef struct second {
    uint32_t *ms; /* delivery latencies of the records produced in this second */
    size_t n, cap;
} second;

static second seconds[MAX_SECONDS];
static int64_t run_start_us;
static uint64_t failures;

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
    (void)rk;
    (void)opaque;
    int64_t produced_us = (int64_t)(intptr_t)msg->_private;
    if (msg->err) {
        failures++;
        return;
    }
    int64_t s = (produced_us - run_start_us) / 1000000;
    if (s < 0 || s >= MAX_SECONDS)
        return;
    second *sec = &seconds[s];
    if (sec->n == sec->cap) {
        size_t cap = sec->cap ? sec->cap * 2 : 65536;
        uint32_t *more = realloc(sec->ms, cap * sizeof(*more));
        if (!more)
            return;
        sec->ms = more;
        sec->cap = cap;
    }
    sec->ms[sec->n++] = (uint32_t)((now_us() - produced_us) / 1000);
}

static int by_value(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static int set(rd_kafka_conf_t *conf, const char *name, const char *value)
{
    char err[512];
    if (rd_kafka_conf_set(conf, name, value, err, sizeof err) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "produce_latency: %s=%s: %s\n", name, value, err);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: produce_latency BOOTSTRAP PREFIX TOPICS RATE SECONDS [property=value ...]\n");
        return 2;
    }
    const char *prefix = argv[2];
    long topics = atol(argv[3]), rate = atol(argv[4]), secs = atol(argv[5]);
    if (topics < 1 || rate < 1 || secs < 1 || secs > MAX_SECONDS) {
        fprintf(stderr, "produce_latency: TOPICS and RATE must be positive, SECONDS 1..%d\n", MAX_SECONDS);
        return 2;
    }
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (set(conf, "bootstrap.servers", argv[1]) || set(conf, "acks", "all") ||
        set(conf, "enable.idempotence", "true") || set(conf, "compression.codec", "lz4") ||
        set(conf, "linger.ms", "5")) {
        rd_kafka_conf_destroy(conf);
        return 2;
    }
    for (int i = 6; i < argc; i++) {
        char name[256];
        const char *eq = strchr(argv[i], '=');
        if (!eq || (size_t)(eq - argv[i]) >= sizeof name) {
            fprintf(stderr, "produce_latency: expected property=value, got %s\n", argv[i]);
            rd_kafka_conf_destroy(conf);
            return 2;
        }
        snprintf(name, sizeof name, "%.*s", (int)(eq - argv[i]), argv[i]);
        if (set(conf, name, eq + 1)) {
            rd_kafka_conf_destroy(conf);
            return 2;
        }
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    char err[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "produce_latency: %s\n", err);
        return 2;
    }

    char value[300], topic[256], key[32];
    memset(value, 'x', sizeof value);
    long total = rate * secs;
    run_start_us = now_us();
    for (long n = 0; n < total; n++) {
        snprintf(topic, sizeof topic, "%s.t%ld", prefix, n % topics);
        int key_len = snprintf(key, sizeof key, "room%ld", (n / topics) % KEYS);
        int64_t produced_us = now_us();
        rd_kafka_resp_err_t e;
        while ((e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, (size_t)key_len),
                                      RD_KAFKA_V_VALUE(value, sizeof value), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                      RD_KAFKA_V_OPAQUE((void *)(intptr_t)produced_us), RD_KAFKA_V_END)) ==
               RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(rk, 10);
        if (e) {
            fprintf(stderr, "produce_latency: produce: %s\n", rd_kafka_err2str(e));
            break;
        }
        rd_kafka_poll(rk, 0);
        int64_t wait_us = run_start_us + (n + 1) * 1000000 / rate - now_us();
        if (wait_us > 1000) {
            struct timespec ts = {wait_us / 1000000, (wait_us % 1000000) * 1000};
            nanosleep(&ts, NULL);
        }
    }
    int left = rd_kafka_flush(rk, 60000) ? rd_kafka_outq_len(rk) : 0;

    uint32_t worst = 0;
    uint64_t delivered = 0;
    for (long s = 0; s < secs; s++) {
        second *sec = &seconds[s];
        if (!sec->n)
            continue;
        qsort(sec->ms, sec->n, sizeof(*sec->ms), by_value);
        uint32_t max = sec->ms[sec->n - 1];
        printf("{\"second\":%ld,\"records\":%zu,\"p50_ms\":%u,\"p99_ms\":%u,\"max_ms\":%u}\n", s, sec->n,
               sec->ms[sec->n / 2], sec->ms[sec->n * 99 / 100], max);
        worst = max > worst ? max : worst;
        delivered += sec->n;
        free(sec->ms);
    }
    printf("{\"summary\":true,\"delivered\":%llu,\"failed\":%llu,\"undelivered\":%d,\"worst_ms\":%u}\n",
           (unsigned long long)delivered, (unsigned long long)failures, left, worst);
    rd_kafka_destroy(rk);
    return failures || left ? 1 : 0;
}
