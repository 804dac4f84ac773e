/* backoff.h - exponential reconnect backoff with jitter, capped.
 *
 * Every reconnect of a room waits lt_backoff_next(): the ceiling doubles per
 * failed attempt from `base_ms` up to `cap_ms`, and the wait is drawn
 * uniformly from [ceiling/2, ceiling] ("equal jitter"). Half the ceiling is
 * always waited, so a room never hammers the sign server, and the random
 * half spreads thousands of rooms that dropped together (a network blip)
 * over time instead of re-signing them in one burst - sign calls are the
 * scarce resource (docs/protocol/webcast.md §2.4, §7.2).
 *
 * A connection that stayed up for `healthy_ms` counts as healthy: the caller
 * then calls lt_backoff_reset() so the next drop starts from base again.
 * The random source is a per-object xorshift seeded by the caller, so tests
 * (and a whole run) are reproducible.
 */
#ifndef LT_CORE_BACKOFF_H
#define LT_CORE_BACKOFF_H

#include <stdint.h>

typedef struct lt_backoff {
    int64_t base_ms;
    int64_t cap_ms;
    int attempt;      /* failed attempts since the last reset */
    uint64_t rng;     /* xorshift64 state, never 0 */
} lt_backoff;

/* base_ms >= 1, cap_ms >= base_ms (clamped otherwise). */
void lt_backoff_init(lt_backoff *b, int64_t base_ms, int64_t cap_ms, uint64_t seed);

/* The wait before the next attempt, in ms; counts the attempt. */
int64_t lt_backoff_next(lt_backoff *b);

/* The ceiling the next call draws below (no attempt counted). */
int64_t lt_backoff_ceiling(const lt_backoff *b);

void lt_backoff_reset(lt_backoff *b);

/* A uniformly distributed number in [0, n) from the object's generator;
 * 0 when n <= 0. Shared with callers that need jitter elsewhere. */
int64_t lt_backoff_random(lt_backoff *b, int64_t n);

#endif
