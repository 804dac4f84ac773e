/* collector/serve.h - the collector runtime's loop over its sources.
 *
 * Who owns what (core/source.h): the runtime creates the one lws context
 * (core/loop.h) and the sources on it; lt_collector_serve then
 *   1. calls each source's start, in the list's order;
 *   2. services the context (every source's sockets and timers, the admin
 *      API's) and, after each turn, the hooks' after_turn (the publisher's
 *      delivery reports, as soon as the loop is free) until
 *      lt_collector_serve_stop; one timer of its own ticks every source
 *      (core/source.h, tick) at the source's tick_ms, paused or not, and
 *      then the runtime's own tick (group membership) at its tick_ms, until
 *      the stop;
 *   3. calls each source's finish in the list's order (a finish may
 *      service the context: the sources after it are still there, but the
 *      tick has ended).
 * The runtime destroys the sources, then the context.
 */
#ifndef LT_COLLECTOR_SERVE_H
#define LT_COLLECTOR_SERVE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/source.h"

struct lws_context;

typedef struct lt_collector_source_slot {
    const lt_collector_source *source;
    void *instance; /* NULL once destroyed: late delivery reports find nothing */
} lt_collector_source_slot;

typedef struct lt_collector_sources {
    lt_collector_source_slot slot[LT_SOURCE_MAX];
    size_t count;
} lt_collector_sources;

/* The runtime's own work on the loop, beside its sources' (each optional;
 * NULL hooks: none). */
typedef struct lt_collector_serve_hooks {
    void (*after_turn)(void *ctx);           /* after every turn of the loop */
    void (*tick)(void *ctx, int64_t now_ms); /* on the sources' timer, after them */
    int tick_ms;                             /* tick's period (>= 1) */
    void *ctx;
} lt_collector_serve_hooks;

/* Steps 1-3 above; one serve at a time (lt_collector_serve_stop reaches
 * it). Returns the sum of the finishes (records Kafka did not acknowledge),
 * or -1 when a source did not start or the loop failed (logged): the
 * sources then do not finish. */
long lt_collector_serve(struct lws_context *lws, const lt_collector_sources *ss,
                        const lt_collector_serve_hooks *hooks);

/* Kafka backpressure (kafka/gate.h): every source's pause (those whose
 * instance is still there). Paused sources are still ticked. */
void lt_collector_sources_pause(const lt_collector_sources *ss, bool paused);

/* Async-signal-safe: every source's stop, then the loop ends (woken at
 * once). A stop before the serve began ends it before it services. */
void lt_collector_serve_stop(void);

/* Non-zero from lt_collector_serve_stop until the serve returns: what the
 * runtime's gate reads as its stop (a wait on backpressure ends at once). */
const volatile sig_atomic_t *lt_collector_serve_stopping(void);

#endif
