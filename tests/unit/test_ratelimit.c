/* Token bucket for sign-server calls: burst, refill, waits, rate change. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/ratelimit.h"

static void burst_then_wait(void **state)
{
    lt_ratelimit rl;
    int64_t t = 1000000;
    lt_ratelimit_init(&rl, 2.0, 3.0, t); /* 2 per second, burst 3 */
    assert_int_equal(lt_ratelimit_acquire(&rl, t), 0);
    assert_int_equal(lt_ratelimit_acquire(&rl, t), 0);
    assert_int_equal(lt_ratelimit_acquire(&rl, t), 0);
    /* empty: one token takes 500 ms at 2/s */
    assert_int_equal(lt_ratelimit_acquire(&rl, t), 500);
    /* a refused call takes nothing */
    assert_int_equal(lt_ratelimit_acquire(&rl, t + 200), 300);
    assert_int_equal(lt_ratelimit_acquire(&rl, t + 500), 0);
    assert_int_equal(lt_ratelimit_acquire(&rl, t + 500), 500);
}

static void refill_is_capped_at_burst(void **state)
{
    lt_ratelimit rl;
    lt_ratelimit_init(&rl, 10.0, 5.0, 0);
    for (int i = 0; i < 5; i++)
        assert_int_equal(lt_ratelimit_acquire(&rl, 0), 0);
    /* an hour idle earns only the burst */
    int64_t later = 3600 * 1000;
    int granted = 0;
    while (lt_ratelimit_acquire(&rl, later) == 0)
        granted++;
    assert_int_equal(granted, 5);
}

static void sustained_rate_is_respected(void **state)
{
    /* callers that always wait as told get exactly rate * time calls */
    lt_ratelimit rl;
    int64_t t = 0;
    lt_ratelimit_init(&rl, 5.0, 1.0, t);
    int calls = 0;
    while (t <= 60000) {
        int64_t wait = lt_ratelimit_acquire(&rl, t);
        if (wait == 0)
            calls++;
        else
            t += wait;
    }
    /* 1 initial token + 5/s for 60 s */
    assert_in_range(calls, 300, 301);
}

static void zero_rate_is_unlimited(void **state)
{
    lt_ratelimit rl;
    lt_ratelimit_init(&rl, 0, 1, 0);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(lt_ratelimit_acquire(&rl, 0), 0);
}

static void set_rate_keeps_tokens_capped(void **state)
{
    lt_ratelimit rl;
    lt_ratelimit_init(&rl, 100.0, 50.0, 0);
    /* the sign server reports 10/min: burst shrinks to 1 */
    lt_ratelimit_set_rate(&rl, 10.0 / 60.0, 1.0, 0);
    assert_true(lt_ratelimit_available(&rl, 0) <= 1.0);
    assert_int_equal(lt_ratelimit_acquire(&rl, 0), 0);
    assert_int_equal(lt_ratelimit_acquire(&rl, 0), 6000);
}

static void clock_going_backwards_is_harmless(void **state)
{
    lt_ratelimit rl;
    lt_ratelimit_init(&rl, 1.0, 1.0, 10000);
    assert_int_equal(lt_ratelimit_acquire(&rl, 10000), 0);
    assert_true(lt_ratelimit_acquire(&rl, 5000) > 0);
    assert_true(lt_ratelimit_available(&rl, 5000) >= 0.0);
    assert_int_equal(lt_ratelimit_acquire(&rl, 6000), 0);
}

/* Work already done is charged into debt; the debt says how long to stop. */
static void charge_goes_into_debt_and_says_how_long(void **state)
{
    lt_ratelimit rl;
    lt_ratelimit_init(&rl, 100.0, 100.0, 0);
    assert_int_equal(lt_ratelimit_charge(&rl, 60, 0), 0);     /* 40 left */
    assert_int_equal(lt_ratelimit_charge(&rl, 240, 0), 2000); /* 200 short at 100/s */
    assert_true(lt_ratelimit_available(&rl, 0) < 0);
    assert_int_equal(lt_ratelimit_charge(&rl, 0, 1000), 0);  /* nothing charged, nothing owed */
    assert_true(lt_ratelimit_available(&rl, 2000) >= 0);     /* repaid after the wait */
    assert_int_equal(lt_ratelimit_charge(&rl, 1, 2000), 10); /* one token at 100/s */
    lt_ratelimit unlimited;
    lt_ratelimit_init(&unlimited, 0, 1, 0);
    assert_int_equal(lt_ratelimit_charge(&unlimited, 1e9, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(burst_then_wait),
        cmocka_unit_test(refill_is_capped_at_burst),
        cmocka_unit_test(sustained_rate_is_respected),
        cmocka_unit_test(zero_rate_is_unlimited),
        cmocka_unit_test(set_rate_keeps_tokens_capped),
        cmocka_unit_test(clock_going_backwards_is_harmless),
        cmocka_unit_test(charge_goes_into_debt_and_says_how_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
