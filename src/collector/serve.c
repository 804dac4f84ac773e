/* collector/serve.c - the runtime's loop over its sources (collector/serve.h). */
#include "collector/serve.h"

#include <signal.h>

#include <libwebsockets.h>

#include "core/event.h"
#include "core/log.h"

/* What a signal handler reaches while the loop runs. */
static const lt_collector_sources *volatile running;
static struct lws_context *volatile running_loop;
static volatile sig_atomic_t stop_asked;

void lt_collector_serve_stop(void)
{
    stop_asked = 1;
    const lt_collector_sources *ss = running;
    if (ss)
        for (size_t i = 0; i < ss->count; i++)
            ss->slot[i].source->stop(ss->slot[i].instance);
    struct lws_context *lws = running_loop;
    if (lws)
        lws_cancel_service(lws);
}

const volatile sig_atomic_t *lt_collector_serve_stopping(void)
{
    return &stop_asked;
}

void lt_collector_sources_pause(const lt_collector_sources *ss, bool paused)
{
    for (size_t i = 0; i < ss->count; i++) {
        const lt_collector_source_slot *s = &ss->slot[i];
        if (s->source->pause && s->instance)
            s->source->pause(s->instance, paused);
    }
}

/* The one periodic timer of the process (core/source.h, tick): each
 * source is ticked when its own period has passed, then the runtime's own
 * tick (the hooks'); the timer wakes for the earliest of them. Due times
 * are on lws's monotonic clock (a step of the wall clock must not hold the
 * ticks back); sources get the wall clock's now, as lt_now_ms. */
typedef struct ticker {
    lws_sorted_usec_list_t sul;
    struct lws_context *lws;
    const lt_collector_sources *ss;
    const lt_collector_serve_hooks *hooks;
    lws_usec_t due_us[LT_SOURCE_MAX + 1]; /* [count]: the hooks'; 0: at the first turn of the loop */
} ticker;

static bool hooks_tick(const ticker *t)
{
    return t->hooks && t->hooks->tick;
}

static void on_tick(lws_sorted_usec_list_t *sul);

static void schedule_tick(ticker *t)
{
    lws_usec_t next = INT64_MAX;
    for (size_t i = 0; i < t->ss->count; i++)
        if (t->ss->slot[i].source->tick && t->due_us[i] < next)
            next = t->due_us[i];
    if (hooks_tick(t) && t->due_us[t->ss->count] < next)
        next = t->due_us[t->ss->count];
    if (next == INT64_MAX)
        return;
    lws_usec_t wait = next - lws_now_usecs();
    lws_sul_schedule(t->lws, 0, &t->sul, on_tick, wait > 0 ? wait : 1);
}

static lws_usec_t period_us(int tick_ms)
{
    return (tick_ms > 0 ? tick_ms : 1) * LWS_US_PER_MS;
}

static void on_tick(lws_sorted_usec_list_t *sul)
{
    ticker *t = lws_container_of(sul, ticker, sul);
    lws_usec_t now = lws_now_usecs();
    for (size_t i = 0; i < t->ss->count && !stop_asked; i++) {
        const lt_collector_source_slot *s = &t->ss->slot[i];
        if (!s->source->tick || now < t->due_us[i])
            continue;
        t->due_us[i] = now + period_us(s->source->tick_ms);
        s->source->tick(s->instance, lt_now_ms());
    }
    size_t h = t->ss->count;
    if (hooks_tick(t) && !stop_asked && now >= t->due_us[h]) {
        t->due_us[h] = now + period_us(t->hooks->tick_ms);
        t->hooks->tick(t->hooks->ctx, lt_now_ms());
    }
    if (!stop_asked)
        schedule_tick(t);
}

static long service(struct lws_context *lws, const lt_collector_sources *ss, ticker *t)
{
    const lt_collector_serve_hooks *hooks = t->hooks;
    for (size_t i = 0; i < ss->count; i++) {
        const lt_collector_source_slot *s = &ss->slot[i];
        if (s->source->start && s->source->start(s->instance) != 0)
            return -1;
    }
    schedule_tick(t);
    while (!stop_asked) {
        if (lws_service(lws, 0) < 0) {
            lt_error("event loop failed");
            return -1;
        }
        if (hooks && hooks->after_turn)
            hooks->after_turn(hooks->ctx);
    }
    return 0;
}

long lt_collector_serve(struct lws_context *lws, const lt_collector_sources *ss,
                        const lt_collector_serve_hooks *hooks)
{
    running_loop = lws;
    running = ss;
    ticker t = {.lws = lws, .ss = ss, .hooks = hooks};
    long left = service(lws, ss, &t);
    lws_sul_cancel(&t.sul); /* no tick after the stop, in the finishes neither */
    for (size_t i = 0; left >= 0 && i < ss->count; i++)
        left += ss->slot[i].source->finish(ss->slot[i].instance);
    running = NULL;
    running_loop = NULL;
    stop_asked = 0;
    return left;
}
