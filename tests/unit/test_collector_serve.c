/* The collector runtime's loop over its sources (collector/serve.h), with
 * two fake sources on one context made by core/loop.h: the runtime starts
 * them in order, one loop serves both sources' timers, a stop (from a
 * signal handler, as SIGTERM does) stops every source and ends the loop,
 * then each source finishes in order while the context still serves the
 * others, and what they did not deliver adds up. A source that cannot
 * start ends the serve before the loop, and nobody finishes. */
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

typedef struct fake {
    char name;
    struct lws_context *lws;
    lws_sorted_usec_list_t timer;
    int ticks;
    int other_ticks_in_finish; /* the other source's timer, while this one finished */
    bool stopped, fail_start;
    long left; /* what finish returns */
    struct fake *other;
} fake;

/* What happened, in order: "sA" start A, "xB" stop B, "fA" finish A. */
static char events[64];

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

static void on_sigusr1(int sig)
{
    (void)sig;
    lt_collector_serve_stop();
}

/* Each source's own timer on the shared loop. A asks for the stop, the
 * way SIGTERM does, once both have ticked three times (or at the
 * deadline: the assertions then say what did not happen). */
static void on_timer(lws_sorted_usec_list_t *sul)
{
    fake *f = lws_container_of(sul, fake, timer);
    f->ticks++;
    if (f->name == 'A' && !f->stopped && ((f->ticks >= 3 && f->other->ticks >= 3) || lt_now_ms() > deadline))
        raise(SIGUSR1);
    lws_sul_schedule(f->lws, 0, &f->timer, on_timer, TIMER_US);
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
    note('x', f);
}

/* A finishes by serving the loop until B's timer has run once more: the
 * context and the sources after A are still there. */
static long finish(void *instance)
{
    fake *f = instance;
    note('f', f);
    if (f->name == 'A') {
        int64_t until = lt_now_ms() + DEADLINE_MS;
        int before = f->other->ticks;
        while (f->other->ticks == before && lt_now_ms() < until)
            lws_service(f->lws, 0);
        f->other_ticks_in_finish = f->other->ticks - before;
    }
    lws_sul_cancel(&f->timer);
    return f->left;
}

static const lt_collector_source fake_source = {
    .name = "fake",
    .start = start,
    .stop = stop,
    .finish = finish,
};

static void polled(void *ctx)
{
    (*(int *)ctx)++;
}

static void one_loop_serves_every_source_then_each_finishes_in_order(void **state)
{
    (void)state;
    struct lws_context *lws = lt_test_loop();
    fake a = {.name = 'A', .lws = lws, .left = 2}, b = {.name = 'B', .lws = lws, .left = 3};
    a.other = &b;
    b.other = &a;
    lt_collector_sources ss = {.slot = {{&fake_source, &a}, {&fake_source, &b}}, .count = 2};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigusr1;
    sigaction(SIGUSR1, &sa, NULL);
    events[0] = '\0';
    deadline = lt_now_ms() + DEADLINE_MS;
    int polls = 0;

    long left = lt_collector_serve(lws, &ss, polled, &polls);

    assert_true(lt_now_ms() <= deadline); /* stopped by the ticks, not the deadline */
    assert_true(a.ticks >= 3);
    assert_true(b.ticks >= 3);
    assert_string_equal(events, "sAsBxAxBfAfB");
    assert_true(a.other_ticks_in_finish > 0); /* B's timer ran while A finished */
    assert_int_equal(left, 5);                /* 2 + 3 not acknowledged */
    assert_true(polls >= a.ticks);            /* reports polled after every turn */
    signal(SIGUSR1, SIG_DFL);
    lws_context_destroy(lws);
}

static void a_source_that_cannot_start_ends_the_serve_before_the_loop(void **state)
{
    (void)state;
    struct lws_context *lws = lt_test_loop();
    fake a = {.name = 'A', .lws = lws, .left = 2}, b = {.name = 'B', .lws = lws, .fail_start = true};
    a.other = &b;
    b.other = &a;
    lt_collector_sources ss = {.slot = {{&fake_source, &a}, {&fake_source, &b}}, .count = 2};
    events[0] = '\0';
    assert_int_equal(lt_collector_serve(lws, &ss, NULL, NULL), -1);
    assert_string_equal(events, "sAsB"); /* no loop, no finish */
    assert_int_equal(a.ticks, 0);
    lws_sul_cancel(&a.timer);
    lws_context_destroy(lws);
}

int main(void)
{
    lt_log_set_level(LT_LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_loop_serves_every_source_then_each_finishes_in_order),
        cmocka_unit_test(a_source_that_cannot_start_ends_the_serve_before_the_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
