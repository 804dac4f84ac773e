/* tiktok_test_util.h - shared helpers for the TikTok decoder tests: build
 * fetch results with protobuf-c, feed them, and keep every event as JSON
 * (a deep copy, since events borrow the decoder's memory) after checking
 * that the Avro encoder accepts it. */
#ifndef LT_TEST_TIKTOK_UTIL_H
#define LT_TEST_TIKTOK_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "avro/encoder.h"
#include "avro/schemas.h"
#include "core/event_json.h"
#include "tiktok/messages.h"
#include "webcast.pb-c.h"

typedef struct tt_fixture {
    lt_schema_set *schemas;
    lt_avro_encoder *enc;
    lt_tiktok_decoder *dec;
    json_t *events; /* array of the events' JSON */
    int stop_after; /* the callback stops the feed after this many events (0: never) */
} tt_fixture;

static inline int tt_collect(const lt_event *ev, void *ctx)
{
    tt_fixture *fx = ctx;
    lt_buf buf = LT_BUF_INIT;
    if (lt_avro_encode_body(fx->enc, ev, &buf) != 0)
        fail_msg("the Avro encoder refused a %s event", lt_event_type_info_get(ev->type)->name);
    lt_buf_free(&buf);
    json_t *j = lt_event_to_json(ev);
    if (!j)
        fail_msg("event of type %d has no JSON form (invalid UTF-8?)", (int)ev->type);
    json_array_append_new(fx->events, j);
    return fx->stop_after && (int)json_array_size(fx->events) >= fx->stop_after;
}

static inline int tt_setup(void **state)
{
    tt_fixture *fx = calloc(1, sizeof *fx);
    char err[512] = "";
    fx->schemas = lt_schema_set_load(NULL, err, sizeof err);
    if (!fx->schemas)
        fail_msg("%s", err);
    fx->enc = lt_avro_encoder_create(fx->schemas, err, sizeof err);
    if (!fx->enc)
        fail_msg("%s", err);
    fx->dec = lt_tiktok_decoder_create("7340691647148018438", "test-collector", err, sizeof err);
    assert_non_null(fx->dec);
    fx->events = json_array();
    *state = fx;
    return 0;
}

static inline int tt_teardown(void **state)
{
    tt_fixture *fx = *state;
    lt_tiktok_decoder_destroy(fx->dec);
    lt_avro_encoder_destroy(fx->enc);
    lt_schema_set_destroy(fx->schemas);
    json_decref(fx->events);
    free(fx);
    return 0;
}

/* A packed protobuf message (malloc'd). */
static inline uint8_t *tt_pack(const void *msg, size_t *len)
{
    *len = protobuf_c_message_get_packed_size(msg);
    uint8_t *buf = malloc(*len ? *len : 1);
    assert_non_null(buf);
    protobuf_c_message_pack(msg, buf);
    return buf;
}

/* A fetch result of n messages (malloc'd). */
static inline uint8_t *tt_fetch_result(size_t n, const char *const *methods, const uint8_t *const *payloads,
                                const size_t *lens, size_t *out_len)
{
    Livetap__Webcast__FetchResult r = LIVETAP__WEBCAST__FETCH_RESULT__INIT;
    Livetap__Webcast__FetchResult__Message *msgs = calloc(n ? n : 1, sizeof *msgs);
    Livetap__Webcast__FetchResult__Message **ptrs = calloc(n ? n : 1, sizeof *ptrs);
    for (size_t i = 0; i < n; i++) {
        Livetap__Webcast__FetchResult__Message init = LIVETAP__WEBCAST__FETCH_RESULT__MESSAGE__INIT;
        msgs[i] = init;
        msgs[i].method = (char *)methods[i];
        msgs[i].has_payload = 1;
        msgs[i].payload.data = (uint8_t *)payloads[i];
        msgs[i].payload.len = lens[i];
        msgs[i].has_msg_id = 1;
        msgs[i].msg_id = 1000 + (int64_t)i;
        ptrs[i] = &msgs[i];
    }
    r.n_messages = n;
    r.messages = ptrs;
    r.has_now = 1;
    r.now = 1700000000000LL;
    uint8_t *out = tt_pack(&r, out_len);
    free(msgs);
    free(ptrs);
    return out;
}

/* Feeds one message; returns the feed's result. */
static inline int tt_feed_raw(tt_fixture *fx, const char *method, const uint8_t *payload, size_t len)
{
    size_t flen;
    uint8_t *fr = tt_fetch_result(1, &method, &payload, &len, &flen);
    int rc = lt_tiktok_decoder_feed(fx->dec, fr, flen, NULL, tt_collect, fx);
    free(fr);
    return rc;
}

/* Packs `msg`, feeds it under `method` and returns the one event it became. */
static inline json_t *tt_feed(tt_fixture *fx, const char *method, const void *msg)
{
    size_t len;
    uint8_t *payload = tt_pack(msg, &len);
    size_t before = json_array_size(fx->events);
    assert_int_equal(tt_feed_raw(fx, method, payload, len), 0);
    free(payload);
    assert_int_equal(json_array_size(fx->events), before + 1);
    return json_array_get(fx->events, before);
}

#define TT_STR(obj, key) json_string_value(json_object_get((obj), (key)))
#define TT_INT(obj, key) json_integer_value(json_object_get((obj), (key)))
#define TT_BOOL(obj, key) json_is_true(json_object_get((obj), (key)))
#define TT_TYPE(obj) TT_STR(obj, "type")

/* A user with id, handle and nickname. */
#define TT_USER(var, uid, handle, nick)                      \
    Livetap__Webcast__User var = LIVETAP__WEBCAST__USER__INIT; \
    var.has_id = 1;                                          \
    var.id = (uid);                                          \
    var.display_id = (char *)(handle);                       \
    var.nickname = (char *)(nick)

/* A common header with msg_id and create_time. */
#define TT_COMMON(var, method_name, msgid, time)                 \
    Livetap__Webcast__Common var = LIVETAP__WEBCAST__COMMON__INIT; \
    var.method = (char *)(method_name);                          \
    var.has_msg_id = 1;                                          \
    var.msg_id = (msgid);                                        \
    var.has_create_time = 1;                                     \
    var.create_time = (time)

#endif
