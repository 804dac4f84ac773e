/* ratelimit.c - token bucket (see ratelimit.h). */
#include "core/ratelimit.h"

#include <math.h>

static void refill(lt_ratelimit *rl, int64_t now_ms)
{
    /* a clock that steps backwards earns nothing but does not go negative */
    if (now_ms > rl->last_ms) {
        rl->tokens += (double)(now_ms - rl->last_ms) * rl->rate_per_ms;
        if (rl->tokens > rl->burst)
            rl->tokens = rl->burst;
    }
    rl->last_ms = now_ms;
}

void lt_ratelimit_init(lt_ratelimit *rl, double per_second, double burst, int64_t now_ms)
{
    rl->rate_per_ms = per_second > 0 ? per_second / 1000.0 : 0;
    rl->burst = burst < 1 ? 1 : burst;
    rl->tokens = rl->burst;
    rl->last_ms = now_ms;
}

void lt_ratelimit_set_rate(lt_ratelimit *rl, double per_second, double burst, int64_t now_ms)
{
    refill(rl, now_ms);
    rl->rate_per_ms = per_second > 0 ? per_second / 1000.0 : 0;
    rl->burst = burst < 1 ? 1 : burst;
    if (rl->tokens > rl->burst)
        rl->tokens = rl->burst;
}

int64_t lt_ratelimit_acquire(lt_ratelimit *rl, int64_t now_ms)
{
    if (rl->rate_per_ms <= 0)
        return 0;
    refill(rl, now_ms);
    if (rl->tokens >= 1.0) {
        rl->tokens -= 1.0;
        return 0;
    }
    int64_t wait = (int64_t)ceil((1.0 - rl->tokens) / rl->rate_per_ms);
    return wait < 1 ? 1 : wait;
}

int64_t lt_ratelimit_charge(lt_ratelimit *rl, double n, int64_t now_ms)
{
    if (rl->rate_per_ms <= 0 || n <= 0)
        return 0;
    refill(rl, now_ms);
    rl->tokens -= n;
    if (rl->tokens >= 0)
        return 0;
    int64_t wait = (int64_t)ceil(-rl->tokens / rl->rate_per_ms);
    return wait < 1 ? 1 : wait;
}

double lt_ratelimit_available(lt_ratelimit *rl, int64_t now_ms)
{
    if (rl->rate_per_ms <= 0)
        return rl->burst;
    refill(rl, now_ms);
    return rl->tokens;
}
