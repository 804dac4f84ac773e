/* kafka/group_owned: the rooms a group member owns, by key, without a
 * broker. Each key is found with its partition, a key owned twice stays
 * owned once, removing moves the last room into the gap without losing
 * one, and 10,000 rooms added, looked up, removed and added again keep
 * every answer exact while the index's probes grow linearly (counted, not
 * timed: a linear scan per key would cost ~n^2/2 = 50,000,000). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kafka/group.h"
#include "kafka/group_owned.h"

static void owns_each_key_once(void **state)
{
    (void)state;
    lt_kafka_owned *o = lt_kafka_owned_create();
    assert_non_null(o);
    assert_int_equal(lt_kafka_owned_partition(o, "@a"), -1);
    assert_int_equal(lt_kafka_owned_add(o, "@a", 3), 0);
    assert_int_equal(lt_kafka_owned_add(o, "7001", 0), 0);
    assert_int_equal(lt_kafka_owned_add(o, "@a", 5), 1); /* already owned: keeps partition 3 */
    assert_int_equal(lt_kafka_owned_count(o), 2);
    assert_int_equal(lt_kafka_owned_partition(o, "@a"), 3);
    assert_int_equal(lt_kafka_owned_partition(o, "7001"), 0);
    assert_int_equal(lt_kafka_owned_partition(o, "@A"), -1); /* keys are canonical: compared exactly */

    /* a key longer than a control key can be is refused */
    char long_key[LT_KAFKA_GROUP_KEY_MAX + 2];
    memset(long_key, 'k', sizeof long_key - 1);
    long_key[sizeof long_key - 1] = '\0';
    assert_int_equal(lt_kafka_owned_add(o, long_key, 1), -1);
    long_key[LT_KAFKA_GROUP_KEY_MAX] = '\0'; /* the longest that fits */
    assert_int_equal(lt_kafka_owned_add(o, long_key, 1), 0);
    assert_int_equal(lt_kafka_owned_partition(o, long_key), 1);

    assert_int_equal(lt_kafka_owned_remove(o, "@a"), 0);
    assert_int_equal(lt_kafka_owned_remove(o, "@a"), -1);
    assert_int_equal(lt_kafka_owned_partition(o, "@a"), -1);
    assert_int_equal(lt_kafka_owned_count(o), 2);
    /* the rooms left, by position: both there, each once */
    bool seen_7001 = false, seen_long = false;
    for (size_t i = 0; i < lt_kafka_owned_count(o); i++) {
        int32_t partition;
        const char *key = lt_kafka_owned_at(o, i, &partition);
        if (strcmp(key, "7001") == 0) {
            assert_false(seen_7001);
            assert_int_equal(partition, 0);
            seen_7001 = true;
        } else {
            assert_string_equal(key, long_key);
            assert_false(seen_long);
            assert_int_equal(partition, 1);
            seen_long = true;
        }
    }
    assert_true(seen_7001 && seen_long);
    lt_kafka_owned_destroy(o);
    lt_kafka_owned_destroy(NULL);
}

enum { N = 10000, PARTITIONS = 12 };

static void key_of(int i, char *out, size_t outlen)
{
    snprintf(out, outlen, "@user_%d", i);
}

/* Every key i < N is owned iff owned(i), with partition i % PARTITIONS, and
 * the positions hold exactly those keys. */
static void assert_owned_exactly(const lt_kafka_owned *o, bool (*owned)(int))
{
    char key[32];
    size_t expected = 0;
    for (int i = 0; i < N; i++) {
        key_of(i, key, sizeof key);
        bool is = owned(i);
        expected += is;
        assert_int_equal(lt_kafka_owned_partition(o, key), is ? i % PARTITIONS : -1);
    }
    assert_int_equal(lt_kafka_owned_count(o), expected);
    static unsigned char seen[N];
    memset(seen, 0, sizeof seen);
    for (size_t at = 0; at < lt_kafka_owned_count(o); at++) {
        int32_t partition;
        int i = -1;
        assert_int_equal(sscanf(lt_kafka_owned_at(o, at, &partition), "@user_%d", &i), 1);
        assert_true(i >= 0 && i < N && owned(i) && !seen[i]);
        assert_int_equal(partition, i % PARTITIONS);
        seen[i] = 1;
    }
}

static bool all(int i)
{
    (void)i;
    return true;
}

static bool odd(int i)
{
    return i % 2 == 1;
}

static void ten_thousand_rooms(void **state)
{
    (void)state;
    lt_kafka_owned *o = lt_kafka_owned_create();
    assert_non_null(o);
    char key[32];
    for (int i = 0; i < N; i++) {
        key_of(i, key, sizeof key);
        assert_int_equal(lt_kafka_owned_add(o, key, i % PARTITIONS), 0);
    }
    assert_owned_exactly(o, all);
    for (int i = 0; i < N; i++) { /* every control record of an owned room asks again */
        key_of(i, key, sizeof key);
        assert_int_equal(lt_kafka_owned_add(o, key, 0), 1);
    }
    for (int i = 0; i < N; i += 2) { /* tombstones for the even ones */
        key_of(i, key, sizeof key);
        assert_int_equal(lt_kafka_owned_remove(o, key), 0);
    }
    assert_owned_exactly(o, odd);
    for (int i = 0; i < N; i += 2) { /* and back */
        key_of(i, key, sizeof key);
        assert_int_equal(lt_kafka_owned_add(o, key, i % PARTITIONS), 0);
    }
    assert_owned_exactly(o, all);

    /* a rebalance revokes partitions 0-5: what group.c's revoke walks */
    for (size_t at = 0; at < lt_kafka_owned_count(o);) {
        int32_t partition;
        const char *k = lt_kafka_owned_at(o, at, &partition);
        if (partition < PARTITIONS / 2) {
            snprintf(key, sizeof key, "%s", k);
            assert_int_equal(lt_kafka_owned_remove(o, key), 0);
        } else {
            at++;
        }
    }
    size_t left = 0;
    for (int i = 0; i < N; i++) {
        key_of(i, key, sizeof key);
        bool kept = i % PARTITIONS >= PARTITIONS / 2;
        left += kept;
        assert_int_equal(lt_kafka_owned_partition(o, key), kept ? i % PARTITIONS : -1);
    }
    assert_int_equal(lt_kafka_owned_count(o), left);

    /* about 10 x N index operations so far: a few probes each on average */
    uint64_t probes = lt_kafka_owned_probes(o);
    print_message("probes: %llu for about %d index operations\n", (unsigned long long)probes, 10 * N);
    assert_true(probes < 40 * (uint64_t)N);
    lt_kafka_owned_destroy(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(owns_each_key_once),
        cmocka_unit_test(ten_thousand_rooms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
