/* group.protocol: classic by default, consumer (KIP-848) only where the
 * librdkafka has it (2.4+), refused before that and for unknown values. */
#include <librdkafka/rdkafka.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kafka/group_protocol.h"

#define DEBIAN12_RDKAFKA 0x020002ff /* 2.0.2 */
#define DEBIAN13_RDKAFKA 0x020800ff /* 2.8.0 */

static const lt_kafka_property consumer_protocol[] = {{"security.protocol", "plaintext"},
                                                      {"group.protocol", "consumer"}};

static void absent_or_classic_is_classic(void **state)
{
    (void)state;
    char err[512] = "";
    bool consumer = true;
    assert_int_equal(lt_kafka_group_protocol_for(DEBIAN12_RDKAFKA, NULL, 0, &consumer, err, sizeof err), 0);
    assert_false(consumer);
    lt_kafka_property classic[] = {{"group.protocol", "classic"}};
    consumer = true;
    assert_int_equal(lt_kafka_group_protocol_for(DEBIAN12_RDKAFKA, classic, 1, &consumer, err, sizeof err),
                     0);
    assert_false(consumer);
}

static void consumer_needs_librdkafka_2_4(void **state)
{
    (void)state;
    char err[512] = "";
    bool consumer = false;
    assert_int_equal(
        lt_kafka_group_protocol_for(DEBIAN13_RDKAFKA, consumer_protocol, 2, &consumer, err, sizeof err), 0);
    assert_true(consumer);
    assert_int_equal(
        lt_kafka_group_protocol_for(0x020400ff, consumer_protocol, 2, &consumer, err, sizeof err), 0);
    assert_int_equal(
        lt_kafka_group_protocol_for(DEBIAN12_RDKAFKA, consumer_protocol, 2, &consumer, err, sizeof err), -1);
    assert_false(consumer);
    /* the message names the setting, the version found and the way out */
    assert_non_null(strstr(err, "group.protocol"));
    assert_non_null(strstr(err, "librdkafka 2.0.2"));
    assert_non_null(strstr(err, "2.4 or newer"));
    assert_non_null(strstr(err, "remove the setting"));
    assert_int_equal(
        lt_kafka_group_protocol_for(0x020302ff, consumer_protocol, 2, &consumer, err, sizeof err), -1);
}

static void unknown_protocol_is_refused(void **state)
{
    (void)state;
    char err[512] = "";
    bool consumer = false;
    lt_kafka_property bogus[] = {{"group.protocol", "kip848"}};
    assert_int_equal(lt_kafka_group_protocol_for(DEBIAN13_RDKAFKA, bogus, 1, &consumer, err, sizeof err), -1);
    assert_non_null(strstr(err, "'kip848'"));
}

static void the_linked_librdkafka_decides(void **state)
{
    (void)state;
    char err[512] = "";
    bool consumer = false;
    int rc = lt_kafka_group_protocol(consumer_protocol, 2, &consumer, err, sizeof err);
    if (rd_kafka_version() >= LT_KAFKA_CONSUMER_PROTOCOL_VERSION) {
        assert_int_equal(rc, 0);
        assert_true(consumer);
    } else {
        assert_int_equal(rc, -1);
        assert_non_null(strstr(err, rd_kafka_version_str()));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(absent_or_classic_is_classic),
        cmocka_unit_test(consumer_needs_librdkafka_2_4),
        cmocka_unit_test(unknown_protocol_is_refused),
        cmocka_unit_test(the_linked_librdkafka_decides),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
