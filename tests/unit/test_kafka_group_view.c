/* kafka/group_view: the whole control topic as a group member sees it
 * (kafka/group.h, read_all), without a broker. What a control value says
 * about its room (discovery's marker, any other JSON object, a tombstone or
 * a value that is not a JSON object), the counts that discovery's
 * fleet-wide cap reads as rooms come, change kind and go, and that the view
 * answers only once every partition was read to its end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kafka/group_view.h"

static lt_kafka_room_origin origin_of(const char *value)
{
    return lt_kafka_group_value_origin(value, value ? strlen(value) : 0);
}

static void value_origin(void **state)
{
    (void)state;
    assert_int_equal(origin_of(NULL), LT_KAFKA_ROOM_ABSENT); /* tombstone */
    assert_int_equal(origin_of("{\"room\":\"@a\",\"added_at\":1,\"by\":\"c1\"}"), LT_KAFKA_ROOM_MANUAL);
    assert_int_equal(origin_of("{\"room\":\"@a\",\"source\":\"discovery\",\"discovered_at\":1}"),
                     LT_KAFKA_ROOM_DISCOVERED);
    assert_int_equal(origin_of("{\"source\":\"operator\"}"), LT_KAFKA_ROOM_MANUAL);
    assert_int_equal(origin_of("{\"source\":7}"), LT_KAFKA_ROOM_MANUAL);
    assert_int_equal(origin_of("not json"), LT_KAFKA_ROOM_ABSENT);
    assert_int_equal(origin_of("[\"discovery\"]"), LT_KAFKA_ROOM_ABSENT);
    assert_int_equal(origin_of("\"discovery\""), LT_KAFKA_ROOM_ABSENT);
    assert_int_equal(origin_of(""), LT_KAFKA_ROOM_ABSENT);
    /* the length is the value's, not up to a NUL */
    assert_int_equal(lt_kafka_group_value_origin("{\"source\":\"discovery\"}garbage", 22),
                     LT_KAFKA_ROOM_DISCOVERED);
    /* values of 4 KiB or more are not read (a control value is ~100 bytes) */
    char big[5000];
    int n = snprintf(big, sizeof big, "{\"source\":\"discovery\",\"pad\":\"");
    memset(big + n, 'x', sizeof big - (size_t)n - 3);
    memcpy(big + sizeof big - 3, "\"}", 3);
    assert_int_equal(origin_of(big), LT_KAFKA_ROOM_ABSENT);
}

static void answers_once_every_partition_ended(void **state)
{
    (void)state;
    lt_kafka_group_view *v = lt_kafka_group_view_create(3);
    assert_non_null(v);
    assert_int_equal(lt_kafka_group_view_set(v, "@a", LT_KAFKA_ROOM_DISCOVERED), 0);
    assert_int_equal(lt_kafka_group_view_get(v, "@a"), LT_KAFKA_ROOM_UNKNOWN);
    assert_int_equal(lt_kafka_group_view_get(v, "@b"), LT_KAFKA_ROOM_UNKNOWN);
    lt_kafka_group_view_end(v, 0);
    lt_kafka_group_view_end(v, 1);
    lt_kafka_group_view_end(v, 1); /* again: still two of three */
    lt_kafka_group_view_end(v, 3); /* out of range */
    lt_kafka_group_view_end(v, -1);
    assert_false(lt_kafka_group_view_ready(v));
    assert_int_equal(lt_kafka_group_view_get(v, "@a"), LT_KAFKA_ROOM_UNKNOWN);
    lt_kafka_group_view_end(v, 2);
    assert_true(lt_kafka_group_view_ready(v));
    assert_int_equal(lt_kafka_group_view_get(v, "@a"), LT_KAFKA_ROOM_DISCOVERED);
    assert_int_equal(lt_kafka_group_view_get(v, "@b"), LT_KAFKA_ROOM_ABSENT);
    lt_kafka_group_view_destroy(v);

    /* a topic without partitions is never read to its end */
    v = lt_kafka_group_view_create(0);
    assert_non_null(v);
    lt_kafka_group_view_end(v, 0);
    assert_false(lt_kafka_group_view_ready(v));
    lt_kafka_group_view_destroy(v);
    assert_int_equal(lt_kafka_group_view_get(NULL, "@a"), LT_KAFKA_ROOM_UNKNOWN);
    lt_kafka_group_view_destroy(NULL);
}

static void counts_follow_the_records(void **state)
{
    (void)state;
    lt_kafka_group_view *v = lt_kafka_group_view_create(1);
    assert_non_null(v);
    lt_kafka_group_view_end(v, 0);
    assert_int_equal(lt_kafka_group_view_set(v, "@a", LT_KAFKA_ROOM_MANUAL), 0);
    assert_int_equal(lt_kafka_group_view_set(v, "@b", LT_KAFKA_ROOM_DISCOVERED), 0);
    assert_int_equal(lt_kafka_group_view_set(v, "7001", LT_KAFKA_ROOM_DISCOVERED), 0);
    /* a put read back after the put itself was counted: no second count */
    assert_int_equal(lt_kafka_group_view_set(v, "@b", LT_KAFKA_ROOM_DISCOVERED), 0);
    assert_int_equal(lt_kafka_group_view_rooms(v), 3);
    assert_int_equal(lt_kafka_group_view_discovered(v), 2);

    /* an operator's put of a discovery room makes it manual */
    assert_int_equal(lt_kafka_group_view_set(v, "@b", LT_KAFKA_ROOM_MANUAL), 0);
    assert_int_equal(lt_kafka_group_view_get(v, "@b"), LT_KAFKA_ROOM_MANUAL);
    assert_int_equal(lt_kafka_group_view_rooms(v), 3);
    assert_int_equal(lt_kafka_group_view_discovered(v), 1);
    /* and discovery's put of a manual one makes it discovery's */
    assert_int_equal(lt_kafka_group_view_set(v, "@a", LT_KAFKA_ROOM_DISCOVERED), 0);
    assert_int_equal(lt_kafka_group_view_discovered(v), 2);

    /* tombstones (and a second one for the same room) */
    assert_int_equal(lt_kafka_group_view_set(v, "7001", LT_KAFKA_ROOM_ABSENT), 0);
    assert_int_equal(lt_kafka_group_view_set(v, "7001", LT_KAFKA_ROOM_ABSENT), 0);
    assert_int_equal(lt_kafka_group_view_set(v, "@gone", LT_KAFKA_ROOM_ABSENT), 0);
    assert_int_equal(lt_kafka_group_view_get(v, "7001"), LT_KAFKA_ROOM_ABSENT);
    assert_int_equal(lt_kafka_group_view_rooms(v), 2);
    assert_int_equal(lt_kafka_group_view_discovered(v), 1);
    assert_int_equal(lt_kafka_group_view_set(v, "@a", LT_KAFKA_ROOM_ABSENT), 0);
    assert_int_equal(lt_kafka_group_view_set(v, "@b", LT_KAFKA_ROOM_ABSENT), 0);
    assert_int_equal(lt_kafka_group_view_rooms(v), 0);
    assert_int_equal(lt_kafka_group_view_discovered(v), 0);
    lt_kafka_group_view_destroy(v);
}

/* Many rooms: the counts stay exact through churn (every key set, a third
 * switched, half removed). */
static void many_rooms(void **state)
{
    (void)state;
    enum { N = 5000 };
    lt_kafka_group_view *v = lt_kafka_group_view_create(12);
    assert_non_null(v);
    char key[32];
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof key, "@user_%d", i);
        assert_int_equal(
            lt_kafka_group_view_set(v, key, i % 2 ? LT_KAFKA_ROOM_DISCOVERED : LT_KAFKA_ROOM_MANUAL), 0);
    }
    for (int i = 0; i < N; i += 3) {
        snprintf(key, sizeof key, "@user_%d", i);
        assert_int_equal(
            lt_kafka_group_view_set(v, key, i % 2 ? LT_KAFKA_ROOM_MANUAL : LT_KAFKA_ROOM_DISCOVERED), 0);
    }
    size_t discovered = 0;
    for (int i = 0; i < N; i++)
        discovered += (i % 3 == 0) != (i % 2 == 1);
    assert_int_equal(lt_kafka_group_view_rooms(v), N);
    assert_int_equal(lt_kafka_group_view_discovered(v), discovered);
    for (int i = 0; i < N; i += 2) {
        snprintf(key, sizeof key, "@user_%d", i);
        if (i % 3 == 0)
            discovered--;
        assert_int_equal(lt_kafka_group_view_set(v, key, LT_KAFKA_ROOM_ABSENT), 0);
    }
    assert_int_equal(lt_kafka_group_view_rooms(v), N / 2);
    assert_int_equal(lt_kafka_group_view_discovered(v), discovered);
    lt_kafka_group_view_destroy(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(value_origin),
        cmocka_unit_test(answers_once_every_partition_ended),
        cmocka_unit_test(counts_follow_the_records),
        cmocka_unit_test(many_rooms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
