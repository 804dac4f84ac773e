/* backoff.c - exponential backoff with equal jitter (see backoff.h). */
#include "core/backoff.h"

void lt_backoff_init(lt_backoff *b, int64_t base_ms, int64_t cap_ms, uint64_t seed)
{
    if (base_ms < 1)
        base_ms = 1;
    if (cap_ms < base_ms)
        cap_ms = base_ms;
    b->base_ms = base_ms;
    b->cap_ms = cap_ms;
    b->attempt = 0;
    /* xorshift must never hold 0; mix the seed so that 0, 1, 2 differ well */
    b->rng = (seed ^ 0x9E3779B97F4A7C15ULL) * 0xBF58476D1CE4E5B9ULL;
    if (b->rng == 0)
        b->rng = 0x2545F4914F6CDD1DULL;
}

static uint64_t next_random(lt_backoff *b)
{
    uint64_t x = b->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    b->rng = x;
    return x;
}

int64_t lt_backoff_random(lt_backoff *b, int64_t n)
{
    if (n <= 0)
        return 0;
    return (int64_t)(next_random(b) % (uint64_t)n);
}

int64_t lt_backoff_ceiling(const lt_backoff *b)
{
    int64_t ceiling = b->base_ms;
    /* doubling stops at the cap, so no shift can overflow */
    for (int i = 0; i < b->attempt && ceiling < b->cap_ms; i++)
        ceiling *= 2;
    return ceiling < b->cap_ms ? ceiling : b->cap_ms;
}

int64_t lt_backoff_next(lt_backoff *b)
{
    int64_t ceiling = lt_backoff_ceiling(b);
    int64_t half = ceiling / 2;
    if (b->attempt < 1000000)
        b->attempt++;
    return half + lt_backoff_random(b, ceiling - half + 1);
}

void lt_backoff_reset(lt_backoff *b)
{
    b->attempt = 0;
}
