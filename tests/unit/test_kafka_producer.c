/* The producer's accounting without a broker: a full local queue is
 * backpressure the caller sees, and records that cannot be delivered are
 * counted as failed by their delivery reports, never as delivered. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kafka/producer.h"

typedef struct reports {
    int ok, failed;
    char last_error[256];
} reports;

static void on_delivery(void *ctx, void *opaque, const char *error)
{
    reports *r = ctx;
    if (error) {
        r->failed++;
        strncpy(r->last_error, error, sizeof r->last_error - 1);
    } else {
        r->ok++;
    }
}

static lt_kafka_producer *unreachable_producer(reports *r, const char *queue_max, const char *timeout_ms)
{
    lt_kafka_property props[] = {
        {"queue.buffering.max.messages", queue_max},
        {"message.timeout.ms", timeout_ms},
        {"log_level", "0"},
    };
    lt_kafka_options o = {.bootstrap_servers = "127.0.0.1:1", .properties = props, .property_count = 3,
                          .on_delivery = on_delivery, .cb_ctx = r};
    char err[512] = "";
    lt_kafka_producer *p = lt_kafka_producer_create(&o, err, sizeof err);
    if (!p)
        fail_msg("%s", err);
    return p;
}

static void full_queue_is_backpressure(void **state)
{
    reports r = {0};
    lt_kafka_producer *p = unreachable_producer(&r, "10", "60000");
    char err[256];
    int accepted = 0, refused = 0;
    for (int i = 0; i < 25; i++) {
        lt_kafka_status st = lt_kafka_producer_send(p, "t", "k", 1, "v", 1, NULL, 0, NULL, err, sizeof err);
        if (st == LT_KAFKA_OK)
            accepted++;
        else if (st == LT_KAFKA_QUEUE_FULL)
            refused++;
        else
            fail_msg("unexpected error: %s", err);
    }
    assert_int_equal(accepted, 10);
    assert_int_equal(refused, 15);
    lt_kafka_stats s;
    lt_kafka_producer_stats(p, &s);
    assert_int_equal(s.queued, 10);
    assert_int_equal(s.queue_full, 15);
    assert_int_equal(s.delivered, 0);
    assert_int_equal(s.in_flight, 10);
    lt_kafka_producer_destroy(p);
}

static void undeliverable_records_count_as_failed(void **state)
{
    reports r = {0};
    lt_kafka_producer *p = unreachable_producer(&r, "1000", "300");
    char err[256];
    lt_kafka_header h = {"event_type", "chat", 4};
    for (int i = 0; i < 5; i++)
        assert_int_equal(lt_kafka_producer_send(p, "t", "k", 1, "v", 1, &h, 1, NULL, err, sizeof err), LT_KAFKA_OK);
    size_t left = lt_kafka_producer_flush(p, 5000);
    assert_int_equal(left, 0);
    lt_kafka_stats s;
    lt_kafka_producer_stats(p, &s);
    assert_int_equal(s.failed, 5);
    assert_int_equal(s.delivered, 0);
    assert_int_equal(s.in_flight, 0);
    assert_int_equal(r.failed, 5);
    assert_int_equal(r.ok, 0);
    assert_true(strlen(r.last_error) > 0);
    lt_kafka_producer_destroy(p);
}

static void bad_property_names_the_property(void **state)
{
    lt_kafka_property props[] = {{"no.such.property", "1"}};
    lt_kafka_options o = {.bootstrap_servers = "127.0.0.1:1", .properties = props, .property_count = 1};
    char err[512] = "";
    assert_null(lt_kafka_producer_create(&o, err, sizeof err));
    assert_non_null(strstr(err, "no.such.property"));
    lt_kafka_options none = {.bootstrap_servers = ""};
    assert_null(lt_kafka_producer_create(&none, err, sizeof err));
    assert_non_null(strstr(err, "bootstrap"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_queue_is_backpressure),
        cmocka_unit_test(undeliverable_records_count_as_failed),
        cmocka_unit_test(bad_property_names_the_property),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
