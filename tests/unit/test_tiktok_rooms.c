/* The TikTok collector's rooms as the admin API and the rooms file see
 * them: found under any spelling (case of a handle, URL or bare name),
 * refused twice, and still found right after other rooms were removed
 * (a removal moves the last room into the freed place; the index must
 * follow it). 10,000 rooms, as a large deployment configures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libwebsockets.h>

#include "core/log.h"
#include "core/loop.h"
#include "tiktok/collector.h"
#include "tiktok/source.h"

#define N 10000

static lt_publish_status discard(void *ctx, const lt_event *ev, char *err, size_t errlen)
{
    (void)ctx, (void)ev, (void)err, (void)errlen;
    return LT_PUBLISH_OK;
}

static void name_of(int i, char *out, size_t len)
{
    if (i % 2)
        snprintf(out, len, "%lld", 7000000000000000000LL + i);
    else
        snprintf(out, len, "@user_%d", i);
}

static struct lws_context *loop;

static int setup(void **state)
{
    lt_log_set_level(LT_LOG_ERROR);
    char err[256];
    if (!(loop = lt_loop_create(err, sizeof err)))
        fail_msg("%s", err);
    lt_tiktok_collector_options o = {.collector_id = "test", .sink = discard, .lws = loop};
    *state = lt_tiktok_collector_create(&o, err, sizeof err);
    if (!*state)
        fail_msg("%s", err);
    return 0;
}

static int teardown(void **state)
{
    lt_tiktok_collector_destroy(*state);
    lws_context_destroy(loop);
    return 0;
}

static void spellings(void **state)
{
    lt_tiktok_collector *c = *state;
    char err[256];
    assert_int_equal(lt_tiktok_collector_add_room(c, "@Some.Host", err, sizeof err), 0);
    assert_int_equal(lt_tiktok_collector_add_room(c, "7340691647148018438", err, sizeof err), 0);
    assert_true(lt_tiktok_collector_has_room(c, "@some.host"));
    assert_true(lt_tiktok_collector_has_room(c, "https://www.tiktok.com/@SOME.HOST/live"));
    assert_true(lt_tiktok_collector_has_room(c, " 7340691647148018438 "));
    assert_false(lt_tiktok_collector_has_room(c, "@some"));
    assert_false(lt_tiktok_collector_has_room(c, "7340691647148018439"));
    assert_int_equal(lt_tiktok_collector_add_room(c, "https://www.tiktok.com/@some.host", err, sizeof err),
                     1);
    assert_non_null(strstr(err, "already collected"));
    assert_int_equal(lt_tiktok_collector_add_room(c, "7340691647148018438", err, sizeof err), 1);
    json_t *room = lt_tiktok_collector_room_json(c, "@SOME.host");
    assert_non_null(room);
    assert_string_equal(json_string_value(json_object_get(room, "input")), "@Some.Host");
    json_decref(room);
    assert_int_equal(lt_tiktok_collector_remove_room(c, "@some.HOST"), 0);
    assert_false(lt_tiktok_collector_has_room(c, "@Some.Host"));
    assert_int_equal(lt_tiktok_collector_remove_room(c, "@Some.Host"), -1);
    assert_int_equal(lt_tiktok_collector_room_count(c), 1);
}

/* The room list the admin API serves holds exactly the rooms not removed. */
static void expect_listed(lt_tiktok_collector *c, int step)
{
    static char listed[N];
    memset(listed, 0, sizeof listed);
    json_t *rooms = lt_tiktok_collector_rooms_json(c), *room;
    size_t k;
    json_array_foreach(rooms, k, room)
    {
        const char *input = json_string_value(json_object_get(room, "input"));
        int i = !input ? -1 : input[0] == '@' ? atoi(input + 6) : (int)(atoll(input) - 7000000000000000000LL);
        char name[64] = "";
        if (i >= 0 && i < N)
            name_of(i, name, sizeof name);
        if (i < 0 || i >= N || strcmp(name, input) != 0 || listed[i]++)
            fail_msg("listed twice or unknown: %s", input ? input : "(no input)");
    }
    for (int i = 0; i < N; i++)
        if (listed[i] != (i % step != 0))
            fail_msg("room %d %s", i, listed[i] ? "listed after removal" : "missing from the list");
    json_decref(rooms);
}

static void many_rooms_add_remove(void **state)
{
    lt_tiktok_collector *c = *state;
    char err[256], name[64];
    for (int i = 0; i < N; i++) {
        name_of(i, name, sizeof name);
        if (lt_tiktok_collector_add_room(c, name, err, sizeof err) != 0)
            fail_msg("add %s: %s", name, err);
    }
    assert_int_equal(lt_tiktok_collector_room_count(c), N);
    /* removing from the front moves rooms from the back into the holes */
    for (int i = 0; i < N; i += 3) {
        name_of(i, name, sizeof name);
        assert_int_equal(lt_tiktok_collector_remove_room(c, name), 0);
    }
    for (int i = 0; i < N; i++) {
        name_of(i, name, sizeof name);
        if (lt_tiktok_collector_has_room(c, name) != (i % 3 != 0))
            fail_msg("room %s: %s", name, i % 3 ? "lost" : "still there after removal");
    }
    expect_listed(c, 3);
    /* and those moved rooms can be removed in turn, each exactly once */
    for (int i = N - 1; i >= 0; i--) {
        name_of(i, name, sizeof name);
        assert_int_equal(lt_tiktok_collector_remove_room(c, name), i % 3 ? 0 : -1);
    }
    assert_int_equal(lt_tiktok_collector_room_count(c), 0);
    json_t *rooms = lt_tiktok_collector_rooms_json(c);
    assert_int_equal(json_array_size(rooms), 0);
    json_decref(rooms);
    for (int i = 0; i < 100; i++) { /* back again */
        name_of(i, name, sizeof name);
        assert_int_equal(lt_tiktok_collector_add_room(c, name, err, sizeof err), 0);
    }
    assert_int_equal(lt_tiktok_collector_room_count(c), 100);
}

/* Through the runtime's source descriptor: parsed once, then added, shown
 * and removed by the parsed reference. */
static void through_the_source(void **state)
{
    lt_tiktok_collector *c = *state;
    const lt_collector_source *s = &lt_tiktok_source;
    char err[256];
    lt_collector_room_ref ref, other;
    assert_int_equal(
        lt_collector_room_parse(s, "https://www.tiktok.com/@Some.Host/live", &ref, err, sizeof err), 0);
    assert_int_equal(s->add(c, &ref, err, sizeof err), 0);
    assert_int_equal(s->add(c, &ref, err, sizeof err), 1);
    assert_int_equal(s->room_count(c), 1);
    assert_int_equal(lt_collector_room_parse(s, "@some.host", &other, err, sizeof err), 0);
    json_t *room = s->room_json(c, &other);
    assert_non_null(room);
    assert_string_equal(json_string_value(json_object_get(room, "input")),
                        "https://www.tiktok.com/@Some.Host/live");
    json_decref(room);
    assert_int_equal(s->remove(c, &other, NULL, 0), 0);
    assert_int_equal(s->remove(c, &ref, NULL, 0), -1);
    assert_null(s->room_json(c, &ref));
    assert_int_equal(lt_collector_room_parse(s, "@no spaces", &ref, err, sizeof err), -1);
    assert_non_null(strstr(err, "unique id"));
    char long_input[600];
    memset(long_input, '1', sizeof long_input - 1);
    long_input[sizeof long_input - 1] = '\0';
    assert_int_equal(lt_collector_room_parse(s, long_input, &ref, err, sizeof err), -1);
    assert_non_null(strstr(err, "too long"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(spellings, setup, teardown),
        cmocka_unit_test_setup_teardown(many_rooms_add_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(through_the_source, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
