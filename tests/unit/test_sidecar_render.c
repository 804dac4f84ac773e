/* test_sidecar_render.c - Avro records (as the publisher encodes them) render
 * to the same JSON as core/event_json.h, for every event type; bad framing
 * and bodies are refused; strings are always valid UTF-8 JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "avro/encoder.h"
#include "avro/schemas.h"
#include "core/event_json.h"
#include "sidecar/render.h"
#include "sim/sample_events.h"

typedef struct fixture {
    lt_schema_set *schemas;
    lt_avro_encoder *enc;
    lt_sidecar_renderer *r;
    lt_sample_events *gen;
} fixture;

static int setup(void **state)
{
    char err[256];
    fixture *f = calloc(1, sizeof(*f));
    f->schemas = lt_schema_set_load(LT_SCHEMA_DIR, err, sizeof(err));
    assert_non_null(f->schemas);
    f->enc = lt_avro_encoder_create(f->schemas, err, sizeof(err));
    assert_non_null(f->enc);
    f->r = lt_sidecar_renderer_create(NULL, f->schemas, err, sizeof(err));
    assert_non_null(f->r);
    f->gen = lt_sample_events_create();
    assert_non_null(f->gen);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    lt_sample_events_destroy(f->gen);
    lt_sidecar_renderer_destroy(f->r);
    lt_avro_encoder_destroy(f->enc);
    lt_schema_set_destroy(f->schemas);
    free(f);
    return 0;
}

static json_t *render_json(fixture *f, const lt_event *ev, lt_sidecar_rendered *info)
{
    lt_buf avro = LT_BUF_INIT, out = LT_BUF_INIT;
    char err[256];
    assert_int_equal(lt_avro_encode(f->enc, ev, &avro), 0);
    int rc = lt_sidecar_render(f->r, ev->type, avro.data, avro.len, &out, info, err, sizeof(err));
    if (rc != 0)
        fail_msg("render failed: %s", err);
    assert_int_equal(lt_buf_append_byte(&out, '}'), 0);
    json_error_t jerr;
    json_t *j = json_loadb((const char *)out.data, out.len, JSON_REJECT_DUPLICATES, &jerr);
    if (!j)
        fail_msg("invalid JSON (%s): %.*s", jerr.text, (int)out.len, out.data);
    lt_buf_free(&avro);
    lt_buf_free(&out);
    return j;
}

/* Every type, several events each: the rendered frame equals the event's
 * JSON (the demo's manifest form), with room_status renamed to status, and
 * the protocol's leading keys come first. */
static void test_every_type_matches_event_json(void **state)
{
    fixture *f = *state;
    int seen[LT_EVENT_TYPE_COUNT] = {0};
    for (int64_t seq = 0; seq < 4 * LT_EVENT_TYPE_COUNT; seq++) {
        lt_event ev;
        lt_sample_event(f->gen, "7300000000000000042", seq, &ev);
        lt_sidecar_rendered info;
        json_t *got = render_json(f, &ev, &info);
        json_t *want = lt_event_to_json(&ev);
        assert_non_null(want);
        if (ev.type == LT_EVENT_ROOM_STATUS)
            json_object_set_new(want, "type", json_string("status"));
        if (!json_equal(got, want)) {
            char *g = json_dumps(got, JSON_SORT_KEYS), *w = json_dumps(want, JSON_SORT_KEYS);
            fail_msg("type %d differs:\n got %s\nwant %s", ev.type, g, w);
        }
        const char *key;
        json_t *val;
        int i = 0;
        const char *order[] = {"type", "room_id", "msg_id", "event_time"};
        json_object_foreach(got, key, val)
        {
            if (i < 4)
                assert_string_equal(key, order[i]);
            i++;
        }
        assert_string_equal(info.room_id, "7300000000000000042");
        assert_int_equal(info.is_status, ev.type == LT_EVENT_ROOM_STATUS);
        if (info.is_status)
            assert_string_equal(info.status.state, ev.as.room_status.state);
        seen[ev.type]++;
        json_decref(got);
        json_decref(want);
    }
    for (int t = 0; t < LT_EVENT_TYPE_COUNT; t++)
        assert_true(seen[t] > 0);
}

/* BIGO's game_id / game_sess: strings when set, null (like every unset
 * optional field) for TikTok; the same in the frame and in event_json; the
 * gift catalogue has neither. */
static void test_game_fields(void **state)
{
    fixture *f = *state;
    for (int set = 0; set < 2; set++) {
        lt_event ev;
        lt_sample_event(f->gen, "anchorA", LT_EVENT_CHAT, &ev);
        assert_int_equal(ev.type, LT_EVENT_CHAT);
        if (set) {
            ev.platform = LT_PLATFORM_BIGO;
            ev.game_id = "10000";
            ev.game_sess = "1712876190998";
        }
        lt_sidecar_rendered info;
        json_t *got = render_json(f, &ev, &info);
        json_t *want = lt_event_to_json(&ev);
        assert_true(json_equal(got, want));
        json_t *id = json_object_get(got, "game_id"), *sess = json_object_get(got, "game_sess");
        assert_non_null(id);
        assert_non_null(sess);
        if (set) {
            assert_string_equal(json_string_value(id), "10000");
            assert_string_equal(json_string_value(sess), "1712876190998");
        } else {
            assert_true(json_is_null(id) && json_is_null(sess));
            assert_true(json_is_null(json_object_get(got, "language")) == (ev.as.chat.language == NULL));
        }
        json_decref(got);
        json_decref(want);
    }
    lt_event ev;
    lt_sample_event(f->gen, "anchorA", LT_EVENT_GIFT_INFO, &ev);
    assert_int_equal(ev.type, LT_EVENT_GIFT_INFO);
    lt_sidecar_rendered info;
    json_t *got = render_json(f, &ev, &info), *want = lt_event_to_json(&ev);
    assert_true(json_equal(got, want));
    assert_null(json_object_get(got, "game_id"));
    assert_null(json_object_get(want, "game_sess"));
    json_decref(got);
    json_decref(want);
}

static void test_bad_values(void **state)
{
    fixture *f = *state;
    lt_buf out = LT_BUF_INIT;
    lt_sidecar_rendered info;
    char err[256];
    const uint8_t confluent[] = {0x00, 0, 0, 0, 7, 2, 'a'};
    assert_int_equal(lt_sidecar_render(f->r, LT_EVENT_CHAT, confluent, sizeof(confluent), &out, &info, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "no registry"));
    const uint8_t unknown_fp[] = {0xC3, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 0};
    assert_int_equal(lt_sidecar_render(f->r, LT_EVENT_CHAT, unknown_fp, sizeof(unknown_fp), &out, &info, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "fingerprint"));
    const uint8_t json_value[] = "{\"a\":1}";
    assert_int_equal(lt_sidecar_render(f->r, LT_EVENT_CHAT, json_value, sizeof(json_value) - 1, &out, &info, err, sizeof(err)), -1);
    assert_int_equal(lt_sidecar_render(f->r, LT_EVENT_CHAT, NULL, 0, &out, &info, err, sizeof(err)), -1);
    /* a valid header with a truncated body */
    lt_event ev;
    lt_sample_event(f->gen, "room", 0, &ev);
    lt_buf avro = LT_BUF_INIT;
    assert_int_equal(lt_avro_encode(f->enc, &ev, &avro), 0);
    for (size_t cut = 10; cut < avro.len; cut += 3)
        assert_int_equal(lt_sidecar_render(f->r, ev.type, avro.data, cut, &out, &info, err, sizeof(err)), -1);
    assert_int_equal(out.len, 0); /* nothing half-written is left behind */
    lt_buf_free(&avro);
    lt_buf_free(&out);
}

static void test_json_string_utf8(void **state)
{
    struct {
        const char *in;
        size_t len;
        const char *want;
    } cases[] = {
        {"plain", 5, "\"plain\""},
        {"q\"b\\n\n\t\x01", 8, "\"q\\\"b\\\\n\\n\\t\\u0001\""},
        {"h\xC3\xA9llo \xF0\x9F\x8E\x81", 11, "\"h\xC3\xA9llo \xF0\x9F\x8E\x81\""},
        {"bad\xFFx", 5, "\"bad\xEF\xBF\xBDx\""},
        {"\xC0\xAF", 2, "\"\xEF\xBF\xBD\xEF\xBF\xBD\""},            /* overlong */
        {"\xED\xA0\x80", 3, "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""}, /* surrogate */
        {"\xE2\x82", 2, "\"\xEF\xBF\xBD\xEF\xBF\xBD\""},            /* truncated */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        lt_buf out = LT_BUF_INIT;
        assert_int_equal(lt_avro_json_string(&out, cases[i].in, cases[i].len), 0);
        assert_int_equal(out.len, strlen(cases[i].want));
        assert_memory_equal(out.data, cases[i].want, out.len);
        json_t *j = json_loadb((const char *)out.data, out.len, JSON_DECODE_ANY, NULL);
        assert_non_null(j); /* jansson rejects invalid UTF-8: this must parse */
        json_decref(j);
        lt_buf_free(&out);
    }
}

/* A registry-framed record renders once its schema was added ahead (the
 * sidecar's prefetch), with no registry to ask; before that it cannot. */
static void test_schema_added_ahead(void **state)
{
    fixture *f = *state;
    lt_event ev;
    lt_sample_event(f->gen, "7300000000000000042", 0, &ev);
    lt_avro_encoder_set_schema_id(f->enc, ev.type, 4242);
    lt_buf avro = LT_BUF_INIT, out = LT_BUF_INIT;
    char err[256];
    lt_sidecar_rendered info;
    assert_int_equal(lt_avro_encode(f->enc, &ev, &avro), 0);
    assert_int_equal(avro.data[0], 0x00);
    assert_int_equal(lt_sidecar_render(f->r, ev.type, avro.data, avro.len, &out, &info, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "4242"));
    assert_int_equal(lt_sidecar_renderer_add(f->r, 4242, "{\"type\":\"string\"}", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "not a record"));
    assert_int_equal(lt_sidecar_renderer_add(f->r, 4242, lt_schema_set_json(f->schemas, ev.type), err, sizeof(err)), 0);
    assert_int_equal(lt_sidecar_render(f->r, ev.type, avro.data, avro.len, &out, &info, err, sizeof(err)), 0);
    assert_string_equal(info.room_id, "7300000000000000042");
    lt_buf_free(&avro);
    lt_buf_free(&out);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Issue 20: a registry that accepts connections and never answers cost the
 * consumer thread 15 s per unknown schema id. With the lookup thread, the
 * renderer waits at most wait_ms for a new id and, for ids that get no
 * schema, at most wait_ms per 10 s in all: here a blocking lookup would take
 * 3 s (three attempts of 1 s); each render returns within the wait. */
static void test_silent_registry_costs_a_bounded_wait(void **state)
{
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    assert_int_equal(bind(listener, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(listener, 64), 0); /* the kernel completes connections; nobody answers */
    assert_int_equal(getsockname(listener, (struct sockaddr *)&sa, &len), 0);
    char url[64], err[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", ntohs(sa.sin_port));
    lt_registry_options ro = {.url = url, .timeout_ms = 1000};
    lt_sidecar_schema_fetch *fetch = lt_sidecar_schema_fetch_create(&ro, 300, err, sizeof(err));
    assert_non_null(fetch);
    lt_sidecar_renderer *r = lt_sidecar_renderer_create(NULL, NULL, err, sizeof(err));
    lt_sidecar_schema_source src = lt_sidecar_schema_fetch_source(fetch);
    lt_sidecar_renderer_set_source(r, &src);
    lt_buf out = LT_BUF_INIT;
    lt_sidecar_rendered info;
    int64_t worst = 0, total = 0;
    for (int i = 0; i < 20; i++) {
        uint8_t value[8] = {0x00, 0x00, 0x01, 0x00, (uint8_t)i, 0x02, 0x02, 0x61};
        int64_t t0 = mono_ms();
        assert_int_equal(lt_sidecar_render(r, LT_EVENT_CHAT, value, sizeof(value), &out, &info, err, sizeof(err)),
                         -1);
        int64_t took = mono_ms() - t0;
        worst = took > worst ? took : worst;
        total += took;
        assert_non_null(strstr(err, "schema id"));
    }
    /* the first id waits its 300 ms; then the budget is spent (it refills
     * 30 ms/s); blocking, 20 ids would have taken 60 s */
    assert_true(worst < 1500);
    assert_true(total < 2000);
    int64_t t0 = mono_ms();
    lt_sidecar_schema_fetch_destroy(fetch); /* joins the thread: at most one request's attempts */
    assert_true(mono_ms() - t0 < 5000);
    lt_sidecar_renderer_destroy(r);
    lt_buf_free(&out);
    close(listener);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_schema_added_ahead, setup, teardown),
        cmocka_unit_test(test_every_type_matches_event_json),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_game_fields),
        cmocka_unit_test(test_json_string_utf8),
        cmocka_unit_test(test_silent_registry_costs_a_bounded_wait),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
