/* The records the publisher writes, pinned byte for byte: topic, key, every
 * header and the Avro value of two sample events of every type (and a few
 * with a BIGO game session, an explicit key, extra headers and a value
 * encoded beforehand), produced through lt_publisher into librdkafka's
 * in-process mock cluster and read back with a consumer. The records are
 * dumped in a fixed order and the dump's FNV-1a hash is compared with the
 * value the publishing path had before its cost was cut (issue 21), so a
 * change of any byte on the way (encoding, keys, header names, values or
 * order) fails here. On a mismatch the dump is written to
 * publish_bytes.dump in the working directory to diff against a good build. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "core/buf.h"
#include "core/log.h"
#include "kafka/publisher.h"
#include "sim/sample_events.h"

/* the dump's hash with main eddfb16's publisher */
#define PINNED_HASH 0x1d6b1cf4ea536581ull

#define ROOM "7400000000000000042"
#define INGEST_TIME 1795000000123LL

typedef struct record {
    int type;
    int64_t offset;
    char *text; /* one line: topic, key, headers, value, all in hex where binary */
} record;

static void hex(lt_buf *out, const void *data, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    const uint8_t *p = data;
    if (!data) {
        lt_buf_append(out, "null", 4);
        return;
    }
    for (size_t i = 0; i < len; i++) {
        char two[2] = {digits[p[i] >> 4], digits[p[i] & 15]};
        lt_buf_append(out, two, 2);
    }
}

static char *describe(const rd_kafka_message_t *m)
{
    lt_buf b = LT_BUF_INIT;
    const char *topic = rd_kafka_topic_name(m->rkt);
    lt_buf_append(&b, topic, strlen(topic));
    lt_buf_append(&b, " key=", 5);
    hex(&b, m->key, m->key_len);
    rd_kafka_headers_t *h = NULL;
    if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR && h) {
        const char *name;
        const void *value;
        size_t size;
        for (size_t i = 0; rd_kafka_header_get_all(h, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
             i++) {
            lt_buf_append(&b, " ", 1);
            lt_buf_append(&b, name, strlen(name));
            lt_buf_append(&b, "=", 1);
            hex(&b, value, size);
        }
    }
    lt_buf_append(&b, " value=", 7);
    hex(&b, m->payload, m->len);
    lt_buf_append(&b, "", 1);
    size_t len;
    return (char *)lt_buf_detach(&b, &len);
}

static int by_type_then_offset(const void *a, const void *b)
{
    const record *x = a, *y = b;
    if (x->type != y->type)
        return x->type - y->type;
    return (x->offset > y->offset) - (x->offset < y->offset);
}

static void publish_all(lt_publisher *pub, int *sent)
{
    char err[512];
    lt_sample_events *gen = lt_sample_events_create();
    for (int64_t seq = 0; seq < 2 * LT_EVENT_TYPE_COUNT; seq++) {
        lt_event ev;
        lt_sample_event(gen, ROOM, seq, &ev);
        ev.ingest_time = INGEST_TIME;
        if (seq % 7 == 3 && lt_event_type_game(ev.type)) { /* a BIGO game session: header game_sess */
            ev.platform = LT_PLATFORM_BIGO;
            ev.game_id = "7";
            ev.game_sess = "sess-42";
        }
        assert_int_equal(lt_publisher_publish(pub, &ev, NULL, err, sizeof err), LT_PUBLISH_OK);
        (*sent)++;
    }
    /* msg_id header at the ends of its range */
    const int64_t ids[] = {INT64_MIN, -42, 0, INT64_MAX};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        lt_event ev;
        lt_sample_event(gen, ROOM, (int64_t)i, &ev);
        ev.ingest_time = INGEST_TIME;
        ev.msg_id = ids[i];
        assert_int_equal(lt_publisher_publish(pub, &ev, NULL, err, sizeof err), LT_PUBLISH_OK);
        (*sent)++;
    }
    /* an explicit key and extra headers (livetap-bigo's bigo_key) */
    lt_event ev;
    lt_sample_event(gen, ROOM, 0, &ev);
    ev.ingest_time = INGEST_TIME;
    ev.collector_id = "other-collector";
    lt_kafka_header extra[2] = {{"bigo_key", "abc", 3}, {"empty", "", 0}};
    assert_int_equal(lt_publisher_publish_headers(pub, &ev, "explicit-key", extra, 2, NULL, err, sizeof err),
                     LT_PUBLISH_OK);
    (*sent)++;
    /* a value encoded beforehand, sent with the envelope's headers */
    lt_sample_event(gen, ROOM, 1, &ev);
    ev.ingest_time = INGEST_TIME;
    lt_buf value = LT_BUF_INIT;
    assert_int_equal(lt_publisher_encode(pub, &ev, &value, err, sizeof err), 0);
    assert_int_equal(
        lt_publisher_publish_encoded(pub, &ev, NULL, NULL, 0, value.data, value.len, NULL, err, sizeof err),
        LT_PUBLISH_OK);
    (*sent)++;
    lt_buf_free(&value);
    lt_sample_events_destroy(gen);
}

static void records_are_pinned(void **state)
{
    (void)state;
    char err[1024];
    /* the mock cluster lives in a producer handle of its own */
    rd_kafka_conf_t *mconf = rd_kafka_conf_new();
    rd_kafka_conf_set(mconf, "log_level", "0", err, sizeof err);
    rd_kafka_t *mrk = rd_kafka_new(RD_KAFKA_PRODUCER, mconf, err, sizeof err);
    assert_non_null(mrk);
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(mrk, 1);
    assert_non_null(mc);
    const char *bootstrap = rd_kafka_mock_cluster_bootstraps(mc);

    lt_kafka_property props[] = {{"log_level", "0"}};
    lt_publisher_options po = {
        .topic_prefix = "pin",
        .collector_id = "pin-collector",
        .kafka = {.bootstrap_servers = bootstrap, .properties = props, .property_count = 1},
        .startup_timeout_ms =
            1500} /* also the wait for each compacted topic, which the mock cannot create */;
    lt_publisher *pub = lt_publisher_create(&po, err, sizeof err);
    if (!pub)
        fail_msg("%s", err);
    /* one partition per topic: offsets order each topic's records */
    for (int t = 0; t < LT_EVENT_TYPE_COUNT; t++)
        rd_kafka_mock_topic_create(mc, lt_publisher_topic(pub, (lt_event_type)t), 1, 1);
    int sent = 0;
    publish_all(pub, &sent);
    assert_int_equal(lt_publisher_flush(pub, 30000), 0);

    rd_kafka_conf_t *cconf = rd_kafka_conf_new();
    assert_int_equal(rd_kafka_conf_set(cconf, "bootstrap.servers", bootstrap, err, sizeof err),
                     RD_KAFKA_CONF_OK);
    rd_kafka_conf_set(cconf, "group.id", "pin-reader", err, sizeof err);
    rd_kafka_conf_set(cconf, "log_level", "0", err, sizeof err);
    rd_kafka_t *consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cconf, err, sizeof err);
    assert_non_null(consumer);
    rd_kafka_poll_set_consumer(consumer);
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(LT_EVENT_TYPE_COUNT);
    for (int t = 0; t < LT_EVENT_TYPE_COUNT; t++)
        rd_kafka_topic_partition_list_add(parts, lt_publisher_topic(pub, (lt_event_type)t), 0)->offset =
            RD_KAFKA_OFFSET_BEGINNING;
    assert_int_equal(rd_kafka_assign(consumer, parts), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(parts);

    record *got = calloc((size_t)sent, sizeof *got);
    int n = 0;
    int64_t deadline = lt_now_ms() + 30000;
    while (n < sent && lt_now_ms() < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(consumer, 200);
        if (!m)
            continue;
        if (!m->err) {
            const char *topic = rd_kafka_topic_name(m->rkt);
            int type = -1;
            for (int t = 0; t < LT_EVENT_TYPE_COUNT && type < 0; t++)
                if (strcmp(topic, lt_publisher_topic(pub, (lt_event_type)t)) == 0)
                    type = t;
            assert_true(type >= 0);
            got[n++] = (record){type, m->offset, describe(m)};
        }
        rd_kafka_message_destroy(m);
    }
    assert_int_equal(n, sent);
    qsort(got, (size_t)n, sizeof *got, by_type_then_offset);

    uint64_t hash = 0xcbf29ce484222325ull; /* FNV-1a 64 over the dump */
    lt_buf dump = LT_BUF_INIT;
    for (int i = 0; i < n; i++) {
        lt_buf_append(&dump, got[i].text, strlen(got[i].text));
        lt_buf_append(&dump, "\n", 1);
        free(got[i].text);
    }
    for (size_t i = 0; i < dump.len; i++)
        hash = (hash ^ dump.data[i]) * 0x100000001b3ull;
    /* what the dump must show whatever the hash: every standard header */
    lt_buf_append(&dump, "", 1);
    assert_non_null(strstr((const char *)dump.data, " event_type="));
    assert_non_null(strstr((const char *)dump.data, " game_sess=" /* "sess-42" */ "736573732d3432"));
    assert_non_null(strstr((const char *)dump.data, " bigo_key=616263 empty= value="));
    if (hash != PINNED_HASH) {
        FILE *f = fopen("publish_bytes.dump", "w");
        if (f) {
            fwrite(dump.data, 1, dump.len - 1, f);
            fclose(f);
        }
        fail_msg("the published records changed: dump hash 0x%016llx, pinned 0x%016llx (dump in "
                 "publish_bytes.dump)",
                 (unsigned long long)hash, (unsigned long long)PINNED_HASH);
    }
    lt_buf_free(&dump);
    free(got);
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
    lt_publisher_destroy(pub);
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(mrk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(records_are_pinned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
