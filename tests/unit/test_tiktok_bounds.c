/* test_tiktok_bounds.c - what one hostile frame can cost (docs/security.md 4).
 *
 * Each case is a frame the collector once took whole: a 2 KB gzip fetch
 * result of a million empty messages became a million unknown records, a
 * chat message with a million empty emotes took 296 MiB to unpack, a push
 * frame of empty headers 400 MiB. Here the same inputs meet the frame
 * codec and the decoder, and what comes out (events, counts, peak memory)
 * is checked against the limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/log.h"
#include "tiktok/frame.h"
#include "tiktok/messages.h"
#include "webcast.pb-c.h"

typedef struct seen {
    size_t events, unknown;
    lt_event last; /* the envelope and scalars of the last event (pointers dangle after the callback) */
    size_t last_payload_len;
    int64_t last_payload_length;
    bool last_truncated;
    char last_source[16];
    char last_reason[128];
} seen;

static int count(const lt_event *ev, void *ctx)
{
    seen *s = ctx;
    s->events++;
    s->last = *ev;
    if (ev->type == LT_EVENT_UNKNOWN) {
        s->unknown++;
        s->last_payload_len = ev->as.unknown.payload.len;
        s->last_payload_length =
            ev->as.unknown.payload_length.present ? ev->as.unknown.payload_length.value : -1;
        s->last_truncated = ev->as.unknown.payload_truncated;
        snprintf(s->last_source, sizeof s->last_source, "%s",
                 ev->as.unknown.event_time_source ? ev->as.unknown.event_time_source : "(null)");
        snprintf(s->last_reason, sizeof s->last_reason, "%s", ev->as.unknown.reason);
    }
    return 0;
}

static long peak_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* n copies of the same bytes */
static void repeat(lt_buf *out, const uint8_t *item, size_t len, size_t n)
{
    assert_int_equal(lt_buf_reserve(out, len * n), 0);
    for (size_t i = 0; i < n; i++)
        lt_buf_append(out, item, len);
}

/* field 1 { method (1), payload (2) } without msg_id: what a flood needs */
static void message_entry(lt_buf *out, const char *method, const uint8_t *payload, size_t len)
{
    size_t ml = strlen(method);
    size_t inner = 2 + ml + 2 + len;
    assert_true(ml < 128 && len < 100 && inner < 128);
    uint8_t head[4] = {0x0a, (uint8_t)inner, 0x0a, (uint8_t)ml};
    lt_buf_append(out, head, 4);
    lt_buf_append(out, method, ml);
    uint8_t ph[2] = {0x12, (uint8_t)len};
    lt_buf_append(out, ph, 2);
    lt_buf_append(out, payload, len);
}

static lt_tiktok_decoder *decoder(void)
{
    lt_tiktok_decoder *dec = lt_tiktok_decoder_create("7340691647148018438", "test", NULL, 0);
    assert_non_null(dec);
    return dec;
}

/* A chat whose repeated emotes field (13) has a million empty entries: two
 * megabytes on the wire, hundreds in protobuf-c structs. First in the list,
 * so that the process's peak RSS is still this test's. */
static void million_emotes_unpack_within_the_message_budget(void **state)
{
    (void)state;
    lt_buf payload = LT_BUF_INIT, fr = LT_BUF_INIT;
    static const uint8_t emote[] = {0x6a, 0x00};
    static const uint8_t content[] = {0x1a, 0x02, 'h', 'i'};
    lt_buf_append(&payload, content, sizeof content);
    repeat(&payload, emote, sizeof emote, 1000000);
    Livetap__Webcast__FetchResult__Message m = LIVETAP__WEBCAST__FETCH_RESULT__MESSAGE__INIT;
    Livetap__Webcast__FetchResult__Message *ms[1] = {&m};
    Livetap__Webcast__FetchResult r = LIVETAP__WEBCAST__FETCH_RESULT__INIT;
    m.method = (char *)"WebcastChatMessage";
    m.has_payload = 1;
    m.payload.data = payload.data;
    m.payload.len = payload.len;
    m.has_msg_id = 1;
    m.msg_id = 77;
    r.n_messages = 1;
    r.messages = ms;
    assert_int_equal(lt_buf_reserve(&fr, livetap__webcast__fetch_result__get_packed_size(&r)), 0);
    fr.len = livetap__webcast__fetch_result__pack(&r, fr.data);

    long before = peak_rss_kb();
    lt_tiktok_decoder *dec = decoder();
    seen s = {0};
    assert_int_equal(lt_tiktok_decoder_feed(dec, fr.data, fr.len, NULL, count, &s), 0);
    long grown_mib = (peak_rss_kb() - before) / 1024;
    /* the inputs themselves are 4 MB; the budget is 8 MiB for the message
     * plus its copy in the fetch result */
    print_message("peak RSS grew by %ld MiB\n", grown_mib);
    assert_true(grown_mib < 40);
    assert_int_equal(s.events, 1);
    assert_int_equal(s.unknown, 1);
    assert_non_null(strstr(s.last_reason, "needs more than 8 MiB"));
    assert_int_equal(s.last.msg_id, 77);
    assert_int_equal(s.last_payload_len, payload.len); /* kept whole: nothing is lost */
    lt_tiktok_decoder_destroy(dec);
    lt_buf_free(&payload);
    lt_buf_free(&fr);
}

/* A fetch result of 1,048,576 empty entries (`0a 00`): what a 2 KB gzip
 * frame inflates to. Not one event, every entry counted. */
static void empty_entries_are_cut_before_unpacking(void **state)
{
    (void)state;
    static const uint8_t empty[] = {0x0a, 0x00};
    lt_buf fr = LT_BUF_INIT, gz = LT_BUF_INIT, scratch = LT_BUF_INIT;
    repeat(&fr, empty, sizeof empty, 1048576);
    assert_int_equal(lt_tiktok_gzip(fr.data, fr.len, &gz), 0);
    assert_true(gz.len < 4096); /* the attack is small */

    lt_tiktok_decoder *dec = decoder();
    seen s = {0};
    lt_tiktok_fetch_result res;
    assert_int_equal(lt_tiktok_gunzip(gz.data, gz.len, LT_TIKTOK_MAX_INFLATED, &scratch, NULL, 0), 0);
    assert_int_equal(lt_tiktok_decoder_feed(dec, scratch.data, scratch.len, &res, count, &s), 0);
    assert_int_equal(res.message_count, 0);
    assert_int_equal(res.empty_messages, 1048576);
    lt_tiktok_fetch_result_release(&res);
    assert_int_equal(s.events, 0);
    const lt_tiktok_decoder_stats *st = lt_tiktok_decoder_stats_get(dec);
    assert_int_equal(st->dropped[LT_TIKTOK_DROP_EMPTY], 1048576);
    assert_int_equal(st->messages, 0);
    lt_tiktok_decoder_destroy(dec);
    lt_buf_free(&fr);
    lt_buf_free(&gz);
    lt_buf_free(&scratch);
}

/* 5,000 messages of an unknown method, msg_id 0 (which dedupe cannot
 * catch): the first max_messages become events, the rest are counted. */
static void messages_past_the_cap_are_dropped(void **state)
{
    (void)state;
    lt_buf fr = LT_BUF_INIT;
    static const uint8_t one[] = {0x08, 0x01};
    for (int i = 0; i < 5000; i++)
        message_entry(&fr, "WebcastFloodMessage", one, sizeof one);
    static const uint8_t now[] = {0x20, 0x01}; /* now = 1: a field after the messages survives the cut */
    lt_buf_append(&fr, now, sizeof now);

    lt_tiktok_decoder *dec = decoder();
    seen s = {0};
    lt_tiktok_fetch_result res;
    assert_int_equal(lt_tiktok_decoder_feed(dec, fr.data, fr.len, &res, count, &s), 0);
    assert_int_equal(res.now_ms, 1);
    lt_tiktok_fetch_result_release(&res);
    assert_int_equal(s.events, LT_TIKTOK_DEFAULT_MAX_MESSAGES);
    assert_int_equal(lt_tiktok_decoder_stats_get(dec)->dropped[LT_TIKTOK_DROP_FRAME_MESSAGES],
                     5000 - LT_TIKTOK_DEFAULT_MAX_MESSAGES);

    /* a room's own cap */
    lt_tiktok_decoder_limits limits = {.max_messages = 10};
    lt_tiktok_decoder_set_limits(dec, &limits);
    s.events = 0;
    assert_int_equal(lt_tiktok_decoder_feed(dec, fr.data, fr.len, NULL, count, &s), 0);
    assert_int_equal(s.events, 10);
    assert_int_equal(lt_tiktok_decoder_stats_get(dec)->dropped[LT_TIKTOK_DROP_FRAME_MESSAGES],
                     5000 - LT_TIKTOK_DEFAULT_MAX_MESSAGES + 4990);
    lt_tiktok_decoder_destroy(dec);
    lt_buf_free(&fr);
}

/* A push frame of empty headers (`2a 00`): refused on the wire, before a
 * header is allocated; the limit itself is accepted. */
static void push_frame_headers_are_bounded(void **state)
{
    (void)state;
    static const uint8_t header[] = {0x2a, 0x00};
    lt_buf f = LT_BUF_INIT;
    repeat(&f, header, sizeof header, LT_TIKTOK_MAX_HEADERS);
    lt_tiktok_frame frame;
    char err[160] = "";
    assert_int_equal(lt_tiktok_frame_parse(f.data, f.len, &frame, err, sizeof err), 0);
    lt_tiktok_frame_release(&frame);

    lt_buf_reset(&f);
    repeat(&f, header, sizeof header, 3900000); /* 7.8 MB */
    long before = peak_rss_kb();
    assert_int_equal(lt_tiktok_frame_parse(f.data, f.len, &frame, err, sizeof err), -1);
    assert_true((peak_rss_kb() - before) / 1024 < 4);
    assert_non_null(strstr(err, "headers"));
    lt_tiktok_frame_release(&frame);

    /* route params likewise */
    static const uint8_t route[] = {0x3a, 0x00};
    lt_buf_reset(&f);
    repeat(&f, route, sizeof route, LT_TIKTOK_MAX_ROUTE_PARAMS + 1);
    lt_tiktok_fetch_result res;
    assert_int_equal(lt_tiktok_fetch_result_parse(f.data, f.len, &res, err, sizeof err), -1);
    assert_non_null(strstr(err, "route params"));
    lt_tiktok_fetch_result_release(&res);
    lt_buf_free(&f);
}

/* Not wire format at all: refused by the scan, as protobuf-c would. */
static void wire_scan_refuses_malformed_input(void **state)
{
    (void)state;
    size_t n;
    static const uint8_t cut_length[] = {0x0a, 0x05, 0x01};
    static const uint8_t group[] = {0x0b};
    static const uint8_t long_varint[] = {0x08, 0xff, 0xff, 0xff, 0xff, 0xff,
                                          0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    static const uint8_t ok[] = {0x08, 0x96, 0x01, 0x0a, 0x00, 0x0a, 0x01, 0x00, 0x15, 1, 2, 3, 4};
    assert_int_equal(lt_tiktok_wire_count(cut_length, sizeof cut_length, 1, &n), -1);
    assert_int_equal(lt_tiktok_wire_count(group, sizeof group, 1, &n), -1);
    assert_int_equal(lt_tiktok_wire_count(long_varint, sizeof long_varint, 1, &n), -1);
    assert_int_equal(lt_tiktok_wire_count(ok, sizeof ok, 1, &n), 0);
    assert_int_equal(n, 3);
    uint64_t v = 0;
    lt_bytes b = {0};
    assert_int_equal(lt_tiktok_wire_find(ok, sizeof ok, 1, &v, &b), 0);
    assert_int_equal(v, 150);
    assert_int_equal(b.len, 1); /* the last one wins */
    assert_int_equal(lt_tiktok_wire_find(ok, sizeof ok, 9, &v, &b), 1);
}

/* An unknown method's event time: the payload's Common create_time (field
 * 1, field 4) when there is one, else the push time; the field says which. */
static void unknown_event_time_comes_from_common(void **state)
{
    (void)state;
    lt_tiktok_decoder *dec = decoder();
    Livetap__Webcast__Common c = LIVETAP__WEBCAST__COMMON__INIT;
    c.has_create_time = 1;
    c.create_time = 1700000001234LL;
    c.has_msg_id = 1;
    c.msg_id = 4242;
    uint8_t common[64];
    size_t cl = livetap__webcast__common__pack(&c, common);
    uint8_t payload[80] = {0x0a, (uint8_t)cl};
    memcpy(payload + 2, common, cl);

    Livetap__Webcast__FetchResult__Message m = LIVETAP__WEBCAST__FETCH_RESULT__MESSAGE__INIT;
    Livetap__Webcast__FetchResult__Message *ms[1] = {&m};
    Livetap__Webcast__FetchResult r = LIVETAP__WEBCAST__FETCH_RESULT__INIT;
    m.method = (char *)"WebcastNotYetKnownMessage";
    m.has_payload = 1;
    m.payload.data = payload;
    m.payload.len = cl + 2;
    r.n_messages = 1;
    r.messages = ms;
    r.has_now = 1;
    r.now = 1700000009999LL;
    uint8_t fr[256];
    size_t fl = livetap__webcast__fetch_result__pack(&r, fr);

    seen s = {0};
    assert_int_equal(lt_tiktok_decoder_feed(dec, fr, fl, NULL, count, &s), 0);
    assert_int_equal(s.unknown, 1);
    assert_int_equal(s.last.event_time, 1700000001234LL);
    assert_string_equal(s.last_source, "common");
    assert_int_equal(s.last.msg_id, 4242); /* the outer message had none */

    /* create_time in seconds is scaled, as for typed events */
    c.create_time = 1700000001LL;
    cl = livetap__webcast__common__pack(&c, common);
    payload[1] = (uint8_t)cl;
    memcpy(payload + 2, common, cl);
    m.payload.len = cl + 2;
    fl = livetap__webcast__fetch_result__pack(&r, fr);
    assert_int_equal(lt_tiktok_decoder_feed(dec, fr, fl, NULL, count, &s), 0);
    assert_int_equal(s.last.event_time, 1700000001000LL);

    /* no common header: the push time */
    static const uint8_t opaque[] = {0x10, 0x05};
    m.payload.data = (uint8_t *)opaque;
    m.payload.len = sizeof opaque;
    fl = livetap__webcast__fetch_result__pack(&r, fr);
    assert_int_equal(lt_tiktok_decoder_feed(dec, fr, fl, NULL, count, &s), 0);
    assert_int_equal(s.last.event_time, 1700000009999LL);
    assert_string_equal(s.last_source, "push");
    assert_int_equal(s.last.msg_id, 0);
    lt_tiktok_decoder_destroy(dec);
}

/* A frame too large for a Kafka record reaches unknown cut to the limit,
 * marked, with its length as received. */
static void unknown_payload_is_cut_and_marked(void **state)
{
    (void)state;
    lt_tiktok_decoder *dec = decoder();
    lt_tiktok_decoder_limits limits = {.unknown_payload_max = 1024};
    lt_tiktok_decoder_set_limits(dec, &limits);
    uint8_t *junk = malloc(3000000);
    memset(junk, 0xff, 3000000);
    seen s = {0};
    assert_int_equal(lt_tiktok_decoder_emit_unknown(dec, "PushFrame", junk, 3000000, "bad", count, &s), 0);
    assert_int_equal(s.unknown, 1);
    assert_int_equal(s.last_payload_len, 1024);
    assert_int_equal(s.last_payload_length, 3000000);
    assert_true(s.last_truncated);
    assert_string_equal(s.last_source, "push");
    assert_int_equal(lt_tiktok_decoder_stats_get(dec)->truncated, 1);

    /* under the limit: whole, unmarked, its length said */
    assert_int_equal(lt_tiktok_decoder_emit_unknown(dec, "PushFrame", junk, 100, "bad", count, &s), 0);
    assert_int_equal(s.last_payload_len, 100);
    assert_int_equal(s.last_payload_length, 100);
    assert_false(s.last_truncated);
    free(junk);
    lt_tiktok_decoder_destroy(dec);
}

/* Over its events/s a room is throttled, not robbed: every message of the
 * frame is delivered, and the decoder says until when not to read more. */
static void rate_limits_throttle_without_dropping(void **state)
{
    (void)state;
    lt_tiktok_decoder *dec = decoder();
    lt_tiktok_decoder_limits limits = {.events_per_s = 100, .events_burst = 100};
    lt_tiktok_decoder_set_limits(dec, &limits);
    lt_buf fr = LT_BUF_INIT;
    static const uint8_t one[] = {0x08, 0x01};
    for (int i = 0; i < 300; i++)
        message_entry(&fr, "WebcastFloodMessage", one, sizeof one);
    seen s = {0};
    int64_t start = lt_now_ms();
    assert_int_equal(lt_tiktok_decoder_feed(dec, fr.data, fr.len, NULL, count, &s), 0);
    assert_int_equal(s.events, 300);
    /* 200 events over the burst at 100/s: about 2 s of debt */
    int64_t until = lt_tiktok_decoder_throttle_until(dec);
    assert_true(until >= start + 1900 && until <= lt_now_ms() + 2100);
    assert_int_equal(lt_tiktok_decoder_stats_get(dec)->throttled, 1);

    /* unknown bytes likewise */
    lt_tiktok_decoder_limits bytes = {.unknown_bytes_per_s = 1000, .unknown_bytes_burst = 1000};
    lt_tiktok_decoder_set_limits(dec, &bytes);
    uint8_t junk[6000] = {0};
    assert_int_equal(lt_tiktok_decoder_emit_unknown(dec, "PushFrame", junk, sizeof junk, "bad", count, &s),
                     0);
    until = lt_tiktok_decoder_throttle_until(dec);
    assert_true(until >= lt_now_ms() + 4000);
    lt_tiktok_decoder_destroy(dec);
    lt_buf_free(&fr);
}

int main(void)
{
    lt_log_set_level(LT_LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(million_emotes_unpack_within_the_message_budget),
        cmocka_unit_test(empty_entries_are_cut_before_unpacking),
        cmocka_unit_test(messages_past_the_cap_are_dropped),
        cmocka_unit_test(push_frame_headers_are_bounded),
        cmocka_unit_test(wire_scan_refuses_malformed_input),
        cmocka_unit_test(unknown_event_time_comes_from_common),
        cmocka_unit_test(unknown_payload_is_cut_and_marked),
        cmocka_unit_test(rate_limits_throttle_without_dropping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
