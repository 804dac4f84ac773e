/* lt_kafka_tail_scan against the real broker: every partition's window is
 * read, records older than the lookback are not, only records with the
 * header are handed out (with their timestamps), a topic that does not
 * exist has nothing to read, and the record bound stops the read and says
 * so; a topic created after a read is read once a room's cache is
 * invalidated (a handover); a room's ids come oldest first across topics,
 * so a dedupe window smaller than the room's lookback keeps the newest of
 * every topic. Needs LT_KAFKA_BOOTSTRAP (scripts/dev-infra.sh env). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <librdkafka/rdkafka.h>

#include "core/dedupe.h"
#include "core/event.h"
#include "kafka/consumer.h"
#include "kafka/tail.h"

#define PARTITIONS 3
#define FRESH 30 /* records within the lookback, with the header */
#define BARE 6   /* within the lookback, without it */
#define OLD 5    /* two hours old, with it */

static char topic[64], missing[64];
static const char *bootstrap;
static int64_t produced_at;

static rd_kafka_t *new_producer(void)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    assert_non_null(rk);
    return rk;
}

static void create_topic_named(const char *name)
{
    char err[512];
    rd_kafka_t *rk = new_producer();
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(name, PARTITIONS, 1, err, sizeof err);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 15000);
    assert_non_null(ev);
    size_t n = 0;
    const rd_kafka_topic_result_t **res =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    assert_int_equal(n, 1);
    assert_int_equal(rd_kafka_topic_result_error(res[0]), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_event_destroy(ev);
    rd_kafka_NewTopic_destroy(nt);
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
}

static void create_topic(void)
{
    char err[512];
    create_topic_named(topic);
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof err);
    /* the order within a partition matters (old records first): a retry
     * after the new topic's first "unknown partition" must not reorder */
    rd_kafka_conf_set(conf, "enable.idempotence", "true", err, sizeof err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    assert_non_null(rk);

    /* spread over every partition (explicit); the old ones first (a window
     * is an offset range: from the first record at or after now - lookback) */
    produced_at = lt_now_ms();
    for (int j = 0; j < FRESH + BARE + OLD; j++) {
        int i = (j + FRESH + BARE) % (FRESH + BARE + OLD);
        char key[32], value[8] = "v";
        snprintf(key, sizeof key, "k%d", i);
        int64_t ts = i < FRESH + BARE ? produced_at + i : produced_at - 2 * 3600 * 1000 + i;
        rd_kafka_resp_err_t e;
        if (i >= FRESH && i < FRESH + BARE)
            e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(i % PARTITIONS),
                                  RD_KAFKA_V_VALUE(value, 1), RD_KAFKA_V_TIMESTAMP(ts),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        else
            e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(i % PARTITIONS),
                                  RD_KAFKA_V_VALUE(value, 1), RD_KAFKA_V_TIMESTAMP(ts),
                                  RD_KAFKA_V_HEADER("bigo_key", key, (ssize_t)strlen(key)),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        assert_int_equal(e, RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    assert_int_equal(rd_kafka_flush(rk, 15000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(rk);
}

typedef struct seen {
    int count;
    int key[FRESH + BARE + OLD];
    int64_t min_ts, max_ts;
} seen;

static void remember(void *ctx, const void *value, size_t len, int64_t timestamp_ms)
{
    seen *s = ctx;
    char buf[32];
    assert_true(len > 1 && len < sizeof buf);
    memcpy(buf, value, len);
    buf[len] = '\0';
    int k = atoi(buf + 1);
    assert_true(k >= 0 && k < FRESH + BARE + OLD);
    s->key[k]++;
    s->count++;
    if (!s->min_ts || timestamp_ms < s->min_ts)
        s->min_ts = timestamp_ms;
    if (timestamp_ms > s->max_ts)
        s->max_ts = timestamp_ms;
}

static lt_kafka_tail *open_tail(size_t max_records)
{
    const char *topics[] = {topic, missing};
    lt_kafka_tail_options o = {.bootstrap_servers = bootstrap,
                               .topics = topics,
                               .topic_count = 2,
                               .lookback_ms = 3600 * 1000,
                               .read_timeout_ms = 20000,
                               .max_records = max_records};
    char err[512] = "";
    lt_kafka_tail *t = lt_kafka_tail_create(&o, err, sizeof err);
    if (!t)
        fail_msg("%s", err);
    return t;
}

static void scan_reads_every_partition_of_the_window(void **state)
{
    lt_kafka_tail *t = open_tail(0);
    seen s = {0};
    lt_kafka_tail_scan_result r;
    char err[512] = "";
    if (lt_kafka_tail_scan(t, "bigo_key", remember, &s, &r, err, sizeof err))
        fail_msg("%s", err);
    assert_int_equal(r.partitions, PARTITIONS); /* the missing topic has none */
    assert_int_equal(r.partitions_with_data, PARTITIONS);
    assert_int_equal(r.unfinished, 0);
    assert_false(r.record_bound || r.time_bound);
    assert_int_equal(r.records, FRESH + BARE);
    assert_int_equal(r.handed, FRESH);
    assert_int_equal(s.count, FRESH);
    for (int i = 0; i < FRESH + BARE + OLD; i++)
        assert_int_equal(s.key[i], i < FRESH ? 1 : 0);
    assert_int_equal(s.min_ts, produced_at);
    assert_int_equal(s.max_ts, produced_at + FRESH - 1);
    lt_kafka_tail_destroy(t);
}

static void record_bound_stops_the_scan_and_says_so(void **state)
{
    lt_kafka_tail *t = open_tail(4);
    seen s = {0};
    lt_kafka_tail_scan_result r;
    char err[512] = "";
    if (lt_kafka_tail_scan(t, "bigo_key", remember, &s, &r, err, sizeof err))
        fail_msg("%s", err);
    assert_int_equal(r.records, 4);
    assert_true(r.record_bound);
    assert_false(r.time_bound);
    assert_true(r.unfinished >= 1);
    assert_true(s.count <= 4);
    lt_kafka_tail_destroy(t);
}

static void count_id(void *ctx, int64_t msg_id)
{
    int64_t *last = ctx;
    *last = msg_id;
}

/* A room handed over: the previous owner's records may be in a topic that
 * did not exist when the tail last read metadata (topics are created by
 * their first record). lt_kafka_tail_invalidate_key must make the next read
 * see it, not the cached "no such topic". */
static void a_topic_created_after_a_read_is_read_after_invalidate_key(void **state)
{
    char late[80], err[512] = "";
    snprintf(late, sizeof late, "%s-late", topic);
    const char *topics[] = {late};
    lt_kafka_tail_options o = {.bootstrap_servers = bootstrap,
                               .topics = topics,
                               .topic_count = 1,
                               .lookback_ms = 3600 * 1000,
                               .read_timeout_ms = 20000,
                               .cache_ms = 60000};
    lt_kafka_tail *t = lt_kafka_tail_create(&o, err, sizeof err);
    if (!t)
        fail_msg("%s", err);
    int64_t last = 0;
    assert_int_equal(lt_kafka_tail_ids(t, "room-late", count_id, &last, err, sizeof err), 0);

    create_topic_named(late);
    rd_kafka_t *rk = new_producer();
    int32_t partition = lt_kafka_partition_for_key("room-late", 9, PARTITIONS);
    assert_int_equal(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(late), RD_KAFKA_V_PARTITION(partition),
                                       RD_KAFKA_V_KEY("room-late", 9), RD_KAFKA_V_VALUE("v", 1),
                                       RD_KAFKA_V_HEADER("msg_id", "4242", 4),
                                       RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
                     RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(rd_kafka_flush(rk, 15000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(rk);

    lt_kafka_tail_invalidate_key(t, "room-late", lt_now_ms());
    assert_int_equal(lt_kafka_tail_ids(t, "room-late", count_id, &last, err, sizeof err), 1);
    assert_int_equal(last, 4242);
    lt_kafka_tail_destroy(t);
}

typedef struct handed {
    int64_t ids[64];
    size_t n;
    lt_dedupe *window;
} handed;

static void keep_id(void *ctx, int64_t msg_id)
{
    handed *h = ctx;
    if (h->n < sizeof h->ids / sizeof h->ids[0])
        h->ids[h->n++] = msg_id;
    lt_dedupe_check(h->window, msg_id);
}

/* A busy room: its records alternate between two topics, more of them
 * than its dedupe window holds. Handed out topic by topic, the first
 * topic's newest ids were pushed out of the window by the second topic's
 * older ones, and a handover published them again (bench/capacity.py,
 * SIGTERM: duplicates only in the 50 msg/s rooms). */
static void a_rooms_ids_come_oldest_first_across_topics(void **state)
{
    enum { N = 48, WINDOW = 16 };
    char first[80], second[80], err[512] = "";
    snprintf(first, sizeof first, "%s-first", topic);
    snprintf(second, sizeof second, "%s-second", topic);
    create_topic_named(first);
    create_topic_named(second);
    rd_kafka_t *rk = new_producer();
    int32_t partition = lt_kafka_partition_for_key("room-busy", 9, PARTITIONS);
    int64_t base = lt_now_ms() - 60000;
    for (int i = 0; i < N; i++) {
        char id[24];
        int len = snprintf(id, sizeof id, "%d", 1000 + i);
        const char *to = i % 2 ? second : first;
        assert_int_equal(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(to), RD_KAFKA_V_PARTITION(partition),
                                           RD_KAFKA_V_KEY("room-busy", 9), RD_KAFKA_V_VALUE("v", 1),
                                           RD_KAFKA_V_HEADER("msg_id", id, len),
                                           RD_KAFKA_V_TIMESTAMP(base + i * 100),
                                           RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
                         RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    assert_int_equal(rd_kafka_flush(rk, 15000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(rk);

    const char *topics[] = {first, second};
    lt_kafka_tail_options o = {.bootstrap_servers = bootstrap,
                               .topics = topics,
                               .topic_count = 2,
                               .lookback_ms = 3600 * 1000,
                               .read_timeout_ms = 20000};
    lt_kafka_tail *t = lt_kafka_tail_create(&o, err, sizeof err);
    if (!t)
        fail_msg("%s", err);
    handed h = {.window = lt_dedupe_create(WINDOW)};
    assert_non_null(h.window);
    assert_int_equal(lt_kafka_tail_ids(t, "room-busy", keep_id, &h, err, sizeof err), N);
    assert_int_equal(h.n, N);
    for (int i = 0; i < N; i++)
        assert_int_equal(h.ids[i], 1000 + i); /* the order they were written in, across both topics */
    for (int i = N - WINDOW; i < N; i++)
        assert_true(lt_dedupe_contains(h.window, 1000 + i)); /* the newest of both topics */
    lt_dedupe_destroy(h.window);
    lt_kafka_tail_destroy(t);
}

int main(void)
{
    bootstrap = getenv("LT_KAFKA_BOOTSTRAP");
    if (!bootstrap || !*bootstrap)
        bootstrap = "127.0.0.1:19092";
    snprintf(topic, sizeof topic, "it-tail-%lld", (long long)lt_now_ms());
    snprintf(missing, sizeof missing, "%s-missing", topic);
    create_topic();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scan_reads_every_partition_of_the_window),
        cmocka_unit_test(record_bound_stops_the_scan_and_says_so),
        cmocka_unit_test(a_topic_created_after_a_read_is_read_after_invalidate_key),
        cmocka_unit_test(a_rooms_ids_come_oldest_first_across_topics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
