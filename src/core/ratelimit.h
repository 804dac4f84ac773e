/* ratelimit.h - a token bucket: keeps calls under a configured rate.
 *
 * The collector holds one bucket for the whole process in front of the sign
 * server: its quota (per API key, per minute/hour/day) is what limits how
 * many rooms can (re)connect, and a burst of reconnects after a network blip
 * must queue here rather than earn 429s (docs/protocol/webcast.md §2.4).
 *
 * `rate` tokens per second refill a bucket of at most `burst` tokens; a call
 * takes one token or learns how long to wait for one. Time is passed in by
 * the caller (epoch or monotonic ms, as long as it is consistent), which
 * keeps the bucket deterministic under test. A rate <= 0 means unlimited.
 */
#ifndef LT_CORE_RATELIMIT_H
#define LT_CORE_RATELIMIT_H

#include <stdint.h>

typedef struct lt_ratelimit {
    double rate_per_ms;  /* 0 = unlimited */
    double burst;
    double tokens;
    int64_t last_ms;
} lt_ratelimit;

/* Starts full (burst tokens). burst < 1 is raised to 1. */
void lt_ratelimit_init(lt_ratelimit *rl, double per_second, double burst, int64_t now_ms);

/* Changes the rate (e.g. after reading the sign server's own limits); the
 * tokens already earned are kept, capped at the new burst. */
void lt_ratelimit_set_rate(lt_ratelimit *rl, double per_second, double burst, int64_t now_ms);

/* Takes a token: returns 0 if one was available (and taken), otherwise the
 * number of ms until one will be (nothing taken). */
int64_t lt_ratelimit_acquire(lt_ratelimit *rl, int64_t now_ms);

/* Charges n tokens whether or not they are there (for work already done: the
 * balance may go negative) and returns the ms until the balance is back to zero, 0 if it did not
 * go negative. The caller stops its source for that long (a room's socket),
 * so the average stays at the rate without losing what was charged. */
int64_t lt_ratelimit_charge(lt_ratelimit *rl, double n, int64_t now_ms);

/* Tokens available now (for metrics and tests). */
double lt_ratelimit_available(lt_ratelimit *rl, int64_t now_ms);

#endif
