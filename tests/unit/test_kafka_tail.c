/* The Kafka tail reader without a broker: a scan of the whole window
 * (lt_kafka_tail_scan, livetap-bigo's seeding at start) that cannot reach
 * Kafka fails within its time bound, says why, and hands out nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/event.h"
#include "kafka/tail.h"

static void count(void *ctx, const void *value, size_t len, int64_t timestamp_ms)
{
    (void)value, (void)len, (void)timestamp_ms;
    (*(int *)ctx)++;
}

static void scan_without_a_broker_fails_within_its_bound(void **state)
{
    const char *topics[] = {"t.chat", "t.gift"};
    lt_kafka_property props[] = {{"log_level", "0"}};
    lt_kafka_tail_options o = {.bootstrap_servers = "127.0.0.1:1", .properties = props, .property_count = 1,
                               .topics = topics, .topic_count = 2, .lookback_ms = 3600000, .read_timeout_ms = 500};
    char err[512] = "";
    lt_kafka_tail *t = lt_kafka_tail_create(&o, err, sizeof err);
    if (!t)
        fail_msg("%s", err);
    int handed = 0;
    lt_kafka_tail_scan_result r;
    int64_t started = lt_now_ms();
    assert_int_equal(lt_kafka_tail_scan(t, "bigo_key", count, &handed, &r, err, sizeof err), -1);
    int64_t took = lt_now_ms() - started;
    assert_true(took < 3000);
    assert_non_null(strstr(err, "metadata"));
    assert_int_equal(handed, 0);
    assert_int_equal(r.records, 0);
    assert_int_equal(r.partitions, 0);
    lt_kafka_tail_destroy(t);
}

static void bad_property_refuses_creation(void **state)
{
    const char *topics[] = {"t.chat"};
    lt_kafka_property props[] = {{"no.such.property", "1"}};
    lt_kafka_tail_options o = {.bootstrap_servers = "127.0.0.1:1", .properties = props, .property_count = 1,
                               .topics = topics, .topic_count = 1};
    char err[512] = "";
    assert_null(lt_kafka_tail_create(&o, err, sizeof err));
    assert_non_null(strstr(err, "no.such.property"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scan_without_a_broker_fails_within_its_bound),
        cmocka_unit_test(bad_property_refuses_creation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
