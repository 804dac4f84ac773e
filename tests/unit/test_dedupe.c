/* Per-room msg_id dedupe: duplicates caught, window bounded, FIFO
 * eviction, growth, and agreement with a reference model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "core/dedupe.h"

static void duplicates_are_caught(void **state)
{
    lt_dedupe *d = lt_dedupe_create(1024);
    assert_non_null(d);
    for (int64_t id = 1; id <= 500; id++)
        assert_false(lt_dedupe_check(d, 7340702509671467807LL + id));
    /* a reconnect replays the last 100 */
    for (int64_t id = 401; id <= 500; id++)
        assert_true(lt_dedupe_check(d, 7340702509671467807LL + id));
    assert_int_equal(lt_dedupe_count(d), 500);
    lt_dedupe_destroy(d);
}

static void zero_is_never_a_duplicate(void **state)
{
    lt_dedupe *d = lt_dedupe_create(16);
    assert_false(lt_dedupe_check(d, 0));
    assert_false(lt_dedupe_check(d, 0));
    assert_int_equal(lt_dedupe_count(d), 0);
    lt_dedupe_destroy(d);
}

static void window_is_bounded_fifo(void **state)
{
    lt_dedupe *d = lt_dedupe_create(100); /* rounds to 128 */
    assert_int_equal(lt_dedupe_capacity(d), 128);
    for (int64_t id = 1; id <= 1000; id++)
        assert_false(lt_dedupe_check(d, id));
    assert_int_equal(lt_dedupe_count(d), 128);
    /* the newest 128 are remembered, everything older forgotten */
    for (int64_t id = 1; id <= 872; id++)
        assert_false(lt_dedupe_contains(d, id));
    for (int64_t id = 873; id <= 1000; id++)
        assert_true(lt_dedupe_contains(d, id));
    size_t mem = lt_dedupe_memory(d);
    assert_true(mem < 128 * 8 + 256 * 4 + 256);
    lt_dedupe_destroy(d);
}

static void quiet_rooms_stay_small(void **state)
{
    lt_dedupe *big = lt_dedupe_create(4096);
    lt_dedupe *quiet = lt_dedupe_create(4096);
    for (int64_t id = 1; id <= 4096; id++)
        lt_dedupe_check(big, id);
    lt_dedupe_check(quiet, 99);
    assert_true(lt_dedupe_memory(quiet) * 16 < lt_dedupe_memory(big));
    /* growth kept everything */
    for (int64_t id = 1; id <= 4096; id++)
        assert_true(lt_dedupe_contains(big, id));
    lt_dedupe_destroy(big);
    lt_dedupe_destroy(quiet);
}

static void forget_last_allows_retry(void **state)
{
    lt_dedupe *d = lt_dedupe_create(16);
    assert_false(lt_dedupe_check(d, 5));
    assert_false(lt_dedupe_check(d, 6));
    lt_dedupe_forget_last(d, 5); /* not the last: ignored */
    assert_true(lt_dedupe_contains(d, 5));
    lt_dedupe_forget_last(d, 6);
    assert_false(lt_dedupe_contains(d, 6));
    assert_false(lt_dedupe_check(d, 6));
    assert_true(lt_dedupe_check(d, 6));
    lt_dedupe_destroy(d);
}

/* Random ids with many collisions (negative ones too) against a naive
 * model of "the last N distinct ids": exercises probing, backward-shift
 * deletion and growth together. */
static void agrees_with_reference_model(void **state)
{
    enum { CAP = 64, STEPS = 200000 };
    lt_dedupe *d = lt_dedupe_create(CAP);
    int64_t model[CAP];
    size_t model_n = 0;
    uint64_t x = 88172645463325252ULL;
    for (int step = 0; step < STEPS; step++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int64_t id = (int64_t)(x % 300) - 150;
        bool in_model = false;
        if (id != 0)
            for (size_t k = 0; k < model_n; k++)
                if (model[k] == id)
                    in_model = true;
        bool dup = lt_dedupe_check(d, id);
        assert_int_equal(dup, in_model);
        if (!dup && id != 0) {
            if (model_n == CAP) {
                for (size_t k = 1; k < CAP; k++)
                    model[k - 1] = model[k];
                model_n--;
            }
            model[model_n++] = id;
        }
        assert_int_equal(lt_dedupe_count(d), model_n);
    }
    lt_dedupe_destroy(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(duplicates_are_caught),
        cmocka_unit_test(zero_is_never_a_duplicate),
        cmocka_unit_test(window_is_bounded_fifo),
        cmocka_unit_test(quiet_rooms_stay_small),
        cmocka_unit_test(forget_last_allows_retry),
        cmocka_unit_test(agrees_with_reference_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
