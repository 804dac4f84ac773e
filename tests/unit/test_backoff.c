/* Reconnect backoff: doubling ceiling, equal jitter, cap, reset, seeding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/backoff.h"

static void ceiling_doubles_up_to_cap(void **state)
{
    lt_backoff b;
    lt_backoff_init(&b, 1000, 30000, 1);
    int64_t expected[] = {1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000};
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        assert_int_equal(lt_backoff_ceiling(&b), expected[i]);
        int64_t wait = lt_backoff_next(&b);
        /* equal jitter: never less than half the ceiling, never above it */
        assert_true(wait >= expected[i] / 2);
        assert_true(wait <= expected[i]);
    }
    assert_int_equal(b.attempt, 8);
}

static void many_attempts_do_not_overflow(void **state)
{
    lt_backoff b;
    lt_backoff_init(&b, 500, 30000, 7);
    for (int i = 0; i < 5000; i++) {
        int64_t wait = lt_backoff_next(&b);
        assert_true(wait >= 250 && wait <= 30000);
    }
    assert_int_equal(lt_backoff_ceiling(&b), 30000);
}

static void reset_starts_over(void **state)
{
    lt_backoff b;
    lt_backoff_init(&b, 100, 10000, 3);
    for (int i = 0; i < 6; i++)
        lt_backoff_next(&b);
    assert_int_equal(lt_backoff_ceiling(&b), 6400);
    lt_backoff_reset(&b);
    assert_int_equal(lt_backoff_ceiling(&b), 100);
    int64_t wait = lt_backoff_next(&b);
    assert_true(wait >= 50 && wait <= 100);
}

static void jitter_spreads_and_is_seeded(void **state)
{
    /* rooms that dropped together must not all come back at the same ms */
    int64_t first[64];
    int distinct = 0;
    for (int room = 0; room < 64; room++) {
        lt_backoff b;
        lt_backoff_init(&b, 10000, 10000, (uint64_t)room);
        first[room] = lt_backoff_next(&b);
        int seen = 0;
        for (int k = 0; k < room; k++)
            if (first[k] == first[room])
                seen = 1;
        distinct += !seen;
    }
    assert_true(distinct > 48);

    /* same seed, same sequence */
    lt_backoff a, c;
    lt_backoff_init(&a, 1000, 60000, 42);
    lt_backoff_init(&c, 1000, 60000, 42);
    for (int i = 0; i < 20; i++)
        assert_int_equal(lt_backoff_next(&a), lt_backoff_next(&c));
}

static void bad_parameters_are_clamped(void **state)
{
    lt_backoff b;
    lt_backoff_init(&b, 0, -5, 0);
    assert_int_equal(b.base_ms, 1);
    assert_int_equal(b.cap_ms, 1);
    int64_t wait = lt_backoff_next(&b);
    assert_true(wait >= 0 && wait <= 1);
    assert_int_equal(lt_backoff_random(&b, 0), 0);
    for (int i = 0; i < 100; i++) {
        int64_t r = lt_backoff_random(&b, 7);
        assert_true(r >= 0 && r < 7);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ceiling_doubles_up_to_cap),
        cmocka_unit_test(many_attempts_do_not_overflow),
        cmocka_unit_test(reset_starts_over),
        cmocka_unit_test(jitter_spreads_and_is_seeded),
        cmocka_unit_test(bad_parameters_are_clamped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
