/* Start-up of many rooms: at most 256 resolve at once, the others wait their
 * turn. With every room's resolve queued at once (main before issue 21), the
 * later HTTP requests timed out while still queued behind the 16 connections
 * per host. The loop is never serviced here: nothing is sent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>
#include <libwebsockets.h>

#include "core/log.h"
#include "core/loop.h"
#include "tiktok/collector.h"
#include "tiktok/collector_internal.h"

static lt_publish_status discard(void *ctx, const lt_event *ev, char *err, size_t errlen)
{
    (void)ctx, (void)ev, (void)err, (void)errlen;
    return LT_PUBLISH_OK;
}

static size_t resolving(const lt_tiktok_collector *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->room_count; i++)
        n += c->rooms[i]->phase == PHASE_RESOLVING;
    return n;
}

static void resolves_are_capped(void **state)
{
    (void)state;
    lt_log_set_level(LT_LOG_ERROR);
    char err[256], name[64];
    struct lws_context *loop = lt_loop_create(err, sizeof err);
    if (!loop)
        fail_msg("%s", err);
    lt_tiktok_collector_options o = {.collector_id = "test",
                                     .sink = discard,
                                     .lws = loop,
                                     .web_base = "http://127.0.0.1:9",
                                     .api_base = "http://127.0.0.1:9"};
    lt_tiktok_collector *c = lt_tiktok_collector_create(&o, err, sizeof err);
    if (!c)
        fail_msg("%s", err);
    for (int i = 0; i < 1000; i++) {
        snprintf(name, sizeof name, "@user_%d", i);
        assert_int_equal(lt_tiktok_collector_add_room(c, name, err, sizeof err), 0);
    }
    int64_t due = lt_now_ms() + 10000; /* every room's first resolve is due */
    lt_tiktok_collector_tick(c, due);
    assert_int_equal(resolving(c), 256);
    /* the next tick starts no more while all 256 are still under way */
    lt_tiktok_collector_tick(c, due + 500);
    assert_int_equal(resolving(c), 256);
    lt_tiktok_collector_destroy(c);
    lws_context_destroy(loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(resolves_are_capped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
