/* The collector runtime's loop over its sources (collector/serve.h), with
 * two fake sources on one context made by core/loop.h: the runtime starts
 * them in order, its one timer ticks each at its own period (never sooner),
 * a paused source too, and the runtime's own tick (group membership) at
 * its period, one loop serves the sources' own timers as well, a
 * stop (from a signal handler, as SIGTERM does) stops every source and
 * ends the loop and the ticks, then each source finishes in order while
 * the context still serves the others, and what they did not deliver adds
 * up. A source that cannot start ends the serve before the loop: nobody
 * is ticked and nobody finishes. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <libwebsockets.h>

#include "collector/serve.h"
#include "core/event.h"
#include "core/log.h"
#include "unit/loop_test_util.h"

#define TIMER_US (5 * LWS_US_PER_MS)
#define DEADLINE_MS 5000
#define A_TICK_MS 5
#define B_TICK_MS 20
#define OWN_TICK_MS 10

typedef struct fake {
    char name;
    int tick_ms;
    struct lws_context *lws;
    lws_sorted_usec_list_t timer; /* a timer of the source's own (not a tick) */
    int timer_runs;
    int ticks, ticks_paused, ticks_at_stop, early_ticks;
    int64_t last_tick_ms;
    int other_timer_runs_in_finish; /* the other source's timer, while this one finished */
    int ticks_in_finish;            /* anybody's ticks while this one finished */
    bool stopped, paused, fail_start;
    long left; /* what finish returns */
    struct fake *other;
} fake;

/* What happened, in order: "sA" start A, "xB" stop B, "fA" finish A. */
static char events[64];
static const lt_collector_sources *serving;

static void note(char what, const fake *f)
{
    size_t n = strlen(events);
    if (n + 2 < sizeof events) {
        events[n] = what;
        events[n + 1] = f->name;
        events[n + 2] = '\0';
    }
}

static int64_t deadline;

/* The runtime's own hooks (collector/serve.h): after every turn, and its
 * tick. */
typedef struct own {
    int polls;
    int ticks, early_ticks, ticks_at_stop;
    int64_t last_tick_ms;
} own;
static own the_own;

static void on_sigusr1(int sig)
{
    (void)sig;
    lt_collector_serve_stop();
}

/* The source's own timer; at the deadline A asks for the stop (the
 * assertions then say what did not happen). */
static void on_timer(lws_sorted_usec_list_t *sul)
{
    fake *f = lws_container_of(sul, fake, timer);
    f->timer_runs++;
    if (f->name == 'A' && !f->stopped && lt_now_ms() > deadline)
        raise(SIGUSR1);
    lws_sul_schedule(f->lws, 0, &f->timer, on_timer, TIMER_US);
}

/* The runtime's tick. B pauses every source (as the gate does) after its
 * second tick; A asks for the stop, the way SIGTERM does, once both have
 * ticked twice while paused. */
static void tick(void *instance, int64_t now_ms)
{
    fake *f = instance;
    /* 1 ms for the wall clock's truncation and slew: the runtime's
     * periods are on the monotonic clock */
    if (f->ticks > 0 && now_ms - f->last_tick_ms < f->tick_ms - 1)
        f->early_ticks++;
    f->last_tick_ms = now_ms;
    f->ticks++;
    f->ticks_paused += f->paused;
    if (f->name == 'B' && f->ticks == 2)
        lt_collector_sources_pause(serving, true);
    if (f->name == 'A' && !f->stopped && f->ticks_paused >= 2 && f->other->ticks_paused >= 2)
        raise(SIGUSR1);
}

static void pause_reading(void *instance, bool paused)
{
    fake *f = instance;
    f->paused = paused;
}

static int start(void *instance)
{
    fake *f = instance;
    note('s', f);
    if (f->fail_start)
        return -1;
    lws_sul_schedule(f->lws, 0, &f->timer, on_timer, TIMER_US);
    return 0;
}

static void stop(void *instance)
{
    fake *f = instance;
    f->stopped = true;
    f->ticks_at_stop = f->ticks;
    the_own.ticks_at_stop = the_own.ticks;
    note('x', f);
}

/* A finishes by serving the loop for longer than B's tick period and
 * until B's own timer has run once more: the context and the sources
 * after A are still there, the ticks are not. */
static long finish(void *instance)
{
    fake *f = instance;
    note('f', f);
    if (f->name == 'A') {
        int64_t now = lt_now_ms(), until = now + DEADLINE_MS, min = now + 3 * B_TICK_MS;
        int runs = f->other->timer_runs, ticks = f->ticks + f->other->ticks;
        while ((f->other->timer_runs == runs || lt_now_ms() < min) && lt_now_ms() < until)
            lws_service(f->lws, 0);
        f->other_timer_runs_in_finish = f->other->timer_runs - runs;
        f->ticks_in_finish = f->ticks + f->other->ticks - ticks;
    }
    lws_sul_cancel(&f->timer);
    return f->left;
}

static const lt_collector_source source_a = {
    .name = "fake-a",
    .start = start,
    .tick = tick,
    .tick_ms = A_TICK_MS,
    .pause = pause_reading,
    .stop = stop,
    .finish = finish,
};

static const lt_collector_source source_b = {
    .name = "fake-b",
    .start = start,
    .tick = tick,
    .tick_ms = B_TICK_MS,
    .pause = pause_reading,
    .stop = stop,
    .finish = finish,
};

static void polled(void *ctx)
{
    ((own *)ctx)->polls++;
}

static void own_tick(void *ctx, int64_t now_ms)
{
    own *o = ctx;
    if (o->ticks > 0 && now_ms - o->last_tick_ms < OWN_TICK_MS - 1)
        o->early_ticks++;
    o->last_tick_ms = now_ms;
    o->ticks++;
}

static void one_loop_serves_and_ticks_every_source_then_each_finishes_in_order(void **state)
{
    (void)state;
    struct lws_context *lws = lt_test_loop();
    fake a = {.name = 'A', .tick_ms = A_TICK_MS, .lws = lws, .left = 2};
    fake b = {.name = 'B', .tick_ms = B_TICK_MS, .lws = lws, .left = 3};
    a.other = &b;
    b.other = &a;
    lt_collector_sources ss = {.slot = {{&source_a, &a}, {&source_b, &b}}, .count = 2};
    serving = &ss;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigusr1;
    sigaction(SIGUSR1, &sa, NULL);
    events[0] = '\0';
    deadline = lt_now_ms() + DEADLINE_MS;
    the_own = (own){0};
    lt_collector_serve_hooks hooks = {
        .after_turn = polled, .tick = own_tick, .tick_ms = OWN_TICK_MS, .ctx = &the_own};

    long left = lt_collector_serve(lws, &ss, &hooks);

    assert_true(lt_now_ms() <= deadline); /* stopped by the ticks, not the deadline */
    assert_string_equal(events, "sAsBxAxBfAfB");
    /* the runtime ticked both, each at its own period, never sooner */
    assert_true(b.ticks >= 4);
    assert_true(a.ticks >= b.ticks);
    assert_int_equal(a.early_ticks, 0);
    assert_int_equal(b.early_ticks, 0);
    /* paused sources are still ticked */
    assert_true(a.paused && b.paused);
    assert_true(a.ticks_paused >= 2);
    assert_true(b.ticks_paused >= 2);
    /* stopped sources are not: none after the stop, in the finishes neither */
    assert_int_equal(a.ticks, a.ticks_at_stop);
    assert_int_equal(b.ticks, b.ticks_at_stop);
    assert_int_equal(a.ticks_in_finish, 0);
    assert_true(a.other_timer_runs_in_finish > 0); /* B's own timer ran while A finished */
    assert_int_equal(left, 5);                     /* 2 + 3 not acknowledged */
    assert_true(the_own.polls >= a.ticks);         /* reports polled after every turn */
    /* the runtime's own tick at its period, never sooner, none after the stop */
    assert_true(the_own.ticks >= 2);
    assert_true(the_own.ticks <= a.ticks);
    assert_int_equal(the_own.early_ticks, 0);
    assert_int_equal(the_own.ticks, the_own.ticks_at_stop);
    signal(SIGUSR1, SIG_DFL);
    serving = NULL;
    lws_context_destroy(lws);
}

static void a_source_that_cannot_start_ends_the_serve_before_the_loop(void **state)
{
    (void)state;
    struct lws_context *lws = lt_test_loop();
    fake a = {.name = 'A', .tick_ms = A_TICK_MS, .lws = lws, .left = 2};
    fake b = {.name = 'B', .tick_ms = B_TICK_MS, .lws = lws, .fail_start = true};
    a.other = &b;
    b.other = &a;
    lt_collector_sources ss = {.slot = {{&source_a, &a}, {&source_b, &b}}, .count = 2};
    events[0] = '\0';
    deadline = lt_now_ms() + DEADLINE_MS;
    the_own = (own){0};
    lt_collector_serve_hooks hooks = {.tick = own_tick, .tick_ms = OWN_TICK_MS, .ctx = &the_own};
    assert_int_equal(lt_collector_serve(lws, &ss, &hooks), -1);
    assert_string_equal(events, "sAsB"); /* no loop, no finish */
    /* and no tick, not even once the context is serviced afterwards */
    for (int64_t until = lt_now_ms() + 3 * B_TICK_MS; lt_now_ms() < until;)
        lws_service(lws, 0);
    assert_true(a.timer_runs > 0);
    assert_int_equal(a.ticks + b.ticks + the_own.ticks, 0);
    lws_sul_cancel(&a.timer);
    lws_context_destroy(lws);
}

int main(void)
{
    lt_log_set_level(LT_LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_loop_serves_and_ticks_every_source_then_each_finishes_in_order),
        cmocka_unit_test(a_source_that_cannot_start_ends_the_serve_before_the_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
