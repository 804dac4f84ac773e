/* test_tiktok_frame.c - push frames, gzip, fetch results and the outgoing
 * frames, against the byte vectors of docs/protocol/webcast.md §5.6. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tiktok/frame.h"
#include "webcast.pb-c.h"

#define ROOM 7340691647148018438LL

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (; hex[0] && hex[1] && n < cap; hex += 2) {
        unsigned v;
        sscanf(hex, "%2x", &v);
        out[n++] = (uint8_t)v;
    }
    return n;
}

static void assert_bytes(const lt_buf *buf, const char *hex)
{
    uint8_t want[256];
    size_t n = unhex(hex, want, sizeof want);
    if (buf->len != n || memcmp(buf->data, want, n) != 0) {
        for (size_t i = 0; i < buf->len; i++)
            fprintf(stderr, "%02x", buf->data[i]);
        fprintf(stderr, "\n%s\n", hex);
        fail_msg("bytes differ (got %zu, want %zu)", buf->len, n);
    }
}

static void heartbeat_matches_doc_vector(void **state)
{
    lt_buf out = LT_BUF_INIT;
    assert_int_equal(lt_tiktok_build_heartbeat(&out, (uint64_t)ROOM, 1), 0);
    assert_bytes(&out, "320270623a02686242" "0c" "088696bd8f9185d8ef651001");

    /* and it parses back: payload_type hb, HeartBeatMessage{room, seq} */
    lt_tiktok_frame f;
    char err[128];
    assert_int_equal(lt_tiktok_frame_parse(out.data, out.len, &f, err, sizeof err), 0);
    assert_string_equal(f.payload_type, "hb");
    assert_string_equal(f.payload_encoding, "pb");
    Livetap__Webcast__HeartBeatMessage *hb =
        livetap__webcast__heart_beat_message__unpack(NULL, f.payload.len, f.payload.data);
    assert_non_null(hb);
    assert_int_equal(hb->room_id, (uint64_t)ROOM);
    assert_int_equal(hb->send_packet_seq_id, 1);
    livetap__webcast__heart_beat_message__free_unpacked(hb, NULL);
    lt_tiktok_frame_release(&f);

    /* the sequence number is what the caller passes, varint-encoded */
    lt_buf_reset(&out);
    assert_int_equal(lt_tiktok_build_heartbeat(&out, 5, 300), 0);
    assert_bytes(&out, "320270623a02686242" "05" "080510ac02");
    lt_buf_free(&out);
}

static void enter_room_matches_doc_vector(void **state)
{
    lt_buf out = LT_BUF_INIT;
    assert_int_equal(lt_tiktok_build_enter_room(&out, ROOM, 0, NULL), 0);
    assert_bytes(&out, "320270623a0d696d5f656e7465725f726f6f6d4219088696bd8f9185d8ef65200c2a0861756469656e63654a0130");
    lt_buf_free(&out);

    /* a cursor and an enter_unique_id are carried when given */
    assert_int_equal(lt_tiktok_build_enter_room(&out, ROOM, 42, "c1"), 0);
    lt_tiktok_frame f;
    assert_int_equal(lt_tiktok_frame_parse(out.data, out.len, &f, NULL, 0), 0);
    Livetap__Webcast__ImEnterRoomMessage *m =
        livetap__webcast__im_enter_room_message__unpack(NULL, f.payload.len, f.payload.data);
    assert_non_null(m);
    assert_int_equal(m->room_id, ROOM);
    assert_int_equal(m->enter_unique_id, 42);
    assert_string_equal(m->cursor, "c1");
    assert_string_equal(m->identity, "audience");
    assert_int_equal(m->live_id, 12);
    livetap__webcast__im_enter_room_message__free_unpacked(m, NULL);
    lt_tiktok_frame_release(&f);
    lt_buf_free(&out);
}

static void ack_matches_doc_vector(void **state)
{
    const char *ext = "fetch_time:1;wrds_v:2";
    lt_buf out = LT_BUF_INIT;
    assert_int_equal(lt_tiktok_build_ack(&out, 123456789, (const uint8_t *)ext, strlen(ext)), 0);
    uint8_t prefix[32];
    size_t n = unhex("10959aef3a320270623a0361636b42", prefix, sizeof prefix);
    assert_true(out.len == n + 1 + strlen(ext));
    assert_memory_equal(out.data, prefix, n);
    assert_int_equal(out.data[n], strlen(ext));
    assert_memory_equal(out.data + n + 1, ext, strlen(ext));

    /* empty internal_ext: "-" like the official client */
    lt_buf_reset(&out);
    assert_int_equal(lt_tiktok_build_ack(&out, 7, NULL, 0), 0);
    assert_bytes(&out, "1007320270623a0361636b42012d");
    lt_buf_free(&out);
}

static void frame_round_trip_with_headers(void **state)
{
    const uint8_t payload[] = {0x0a, 0x00, 0x12, 0x02, 'c', '1'};
    lt_tiktok_frame_spec spec = {.seq_id = 9, .log_id = 77, .payload_encoding = "pb", .payload_type = "msg",
                                 .compress_type = "none", .payload = payload, .payload_len = sizeof payload};
    lt_buf out = LT_BUF_INIT;
    assert_int_equal(lt_tiktok_build_frame(&out, &spec), 0);
    lt_tiktok_frame f;
    char err[128];
    assert_int_equal(lt_tiktok_frame_parse(out.data, out.len, &f, err, sizeof err), 0);
    assert_int_equal(f.seq_id, 9);
    assert_int_equal(f.log_id, 77);
    assert_true(f.has_log_id);
    assert_string_equal(f.payload_type, "msg");
    assert_string_equal(f.compress_type, "none");
    assert_string_equal(lt_tiktok_frame_header(&f, "compress_type"), "none");
    assert_null(lt_tiktok_frame_header(&f, "nope"));
    assert_int_equal(f.payload.len, sizeof payload);
    assert_memory_equal(f.payload.data, payload, sizeof payload);

    /* "none" and no magic: the payload as it is */
    lt_buf scratch = LT_BUF_INIT;
    const uint8_t *p;
    size_t n;
    bool inflated = true;
    assert_int_equal(lt_tiktok_frame_payload(&f, &scratch, &p, &n, &inflated, err, sizeof err), 0);
    assert_false(inflated);
    assert_ptr_equal(p, f.payload.data);
    lt_tiktok_frame_release(&f);
    lt_tiktok_frame_release(&f); /* twice is harmless */
    lt_buf_free(&scratch);
    lt_buf_free(&out);
}

/* A frame whose payload is gzip(body), with or without the header. */
static void build_gzip_frame(lt_buf *out, const uint8_t *body, size_t len, const char *compress_type)
{
    lt_buf gz = LT_BUF_INIT;
    assert_int_equal(lt_tiktok_gzip(body, len, &gz), 0);
    lt_tiktok_frame_spec spec = {.log_id = 1, .payload_type = "msg", .compress_type = compress_type,
                                 .payload = gz.data, .payload_len = gz.len};
    assert_int_equal(lt_tiktok_build_frame(out, &spec), 0);
    lt_buf_free(&gz);
}

static void gzip_by_header_and_by_magic(void **state)
{
    uint8_t body[3000];
    for (size_t i = 0; i < sizeof body; i++)
        body[i] = (uint8_t)(i % 251);
    const char *modes[] = {"gzip", NULL, "none"}; /* header, magic only, header says none but magic */
    for (int m = 0; m < 3; m++) {
        lt_buf out = LT_BUF_INIT, scratch = LT_BUF_INIT;
        build_gzip_frame(&out, body, sizeof body, modes[m]);
        lt_tiktok_frame f;
        char err[128] = "";
        assert_int_equal(lt_tiktok_frame_parse(out.data, out.len, &f, err, sizeof err), 0);
        const uint8_t *p;
        size_t n;
        bool inflated = false;
        assert_int_equal(lt_tiktok_frame_payload(&f, &scratch, &p, &n, &inflated, err, sizeof err), 0);
        assert_true(inflated);
        assert_int_equal(n, sizeof body);
        assert_memory_equal(p, body, sizeof body);
        lt_tiktok_frame_release(&f);
        lt_buf_free(&out);
        lt_buf_free(&scratch);
    }
}

static void gzip_header_on_plain_payload_is_an_error(void **state)
{
    const uint8_t plain[] = {0x12, 0x01, 'x'};
    lt_tiktok_frame_spec spec = {.payload_type = "msg", .compress_type = "gzip", .payload = plain,
                                 .payload_len = sizeof plain};
    lt_buf out = LT_BUF_INIT, scratch = LT_BUF_INIT;
    assert_int_equal(lt_tiktok_build_frame(&out, &spec), 0);
    lt_tiktok_frame f;
    char err[128] = "";
    assert_int_equal(lt_tiktok_frame_parse(out.data, out.len, &f, err, sizeof err), 0);
    const uint8_t *p;
    size_t n;
    assert_int_equal(lt_tiktok_frame_payload(&f, &scratch, &p, &n, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "gzip"));
    lt_tiktok_frame_release(&f);
    lt_buf_free(&out);
    lt_buf_free(&scratch);
}

static void gunzip_limits_truncation_and_members(void **state)
{
    size_t big = 64 * 1024;
    uint8_t *zeros = calloc(1, big);
    assert_non_null(zeros);
    lt_buf gz = LT_BUF_INIT, out = LT_BUF_INIT;
    char err[128] = "";
    assert_int_equal(lt_tiktok_gzip(zeros, big, &gz), 0);

    /* exactly at the limit is fine, one byte over is not */
    assert_int_equal(lt_tiktok_gunzip(gz.data, gz.len, big, &out, err, sizeof err), 0);
    assert_int_equal(out.len, big);
    assert_int_equal(lt_tiktok_gunzip(gz.data, gz.len, big - 1, &out, err, sizeof err), -1);
    assert_non_null(strstr(err, "exceeds"));
    assert_int_equal(out.len, 0);

    /* every truncation fails cleanly */
    for (size_t cut = 0; cut < gz.len; cut += 1 + cut / 3) {
        err[0] = '\0';
        assert_int_equal(lt_tiktok_gunzip(gz.data, cut, big, &out, err, sizeof err), -1);
        assert_true(err[0] != '\0');
    }

    /* two members are one stream; trailing junk is an error */
    size_t one = gz.len;
    assert_int_equal(lt_tiktok_gzip((const uint8_t *)"abc", 3, &gz), 0);
    assert_int_equal(lt_tiktok_gunzip(gz.data, gz.len, big + 3, &out, err, sizeof err), 0);
    assert_int_equal(out.len, big + 3);
    assert_memory_equal(out.data + big, "abc", 3);
    assert_int_equal(lt_buf_append(&gz, "junk", 4), 0);
    assert_int_equal(lt_tiktok_gunzip(gz.data, gz.len, big + 3, &out, err, sizeof err), -1);
    assert_non_null(strstr(err, "trailing"));

    /* corrupt deflate data */
    gz.data[one / 2] ^= 0xff;
    gz.data[one / 2 + 1] ^= 0x55;
    assert_int_equal(lt_tiktok_gunzip(gz.data, one, big, &out, err, sizeof err), -1);

    /* the default cap refuses a 17 MiB bomb */
    size_t bomb = 17u * 1024 * 1024;
    uint8_t *z = calloc(1, bomb);
    assert_non_null(z);
    lt_buf_reset(&gz);
    assert_int_equal(lt_tiktok_gzip(z, bomb, &gz), 0);
    free(z);
    lt_tiktok_frame_spec spec = {.payload_type = "msg", .payload = gz.data, .payload_len = gz.len};
    lt_buf frame = LT_BUF_INIT;
    assert_int_equal(lt_tiktok_build_frame(&frame, &spec), 0);
    lt_tiktok_frame f;
    assert_int_equal(lt_tiktok_frame_parse(frame.data, frame.len, &f, err, sizeof err), 0);
    const uint8_t *p;
    size_t n;
    assert_int_equal(lt_tiktok_frame_payload(&f, &out, &p, &n, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "exceeds"));
    lt_tiktok_frame_release(&f);

    lt_buf_free(&frame);
    lt_buf_free(&gz);
    lt_buf_free(&out);
    free(zeros);
}

static void fetch_result_fields(void **state)
{
    Livetap__Webcast__FetchResult r = LIVETAP__WEBCAST__FETCH_RESULT__INIT;
    Livetap__Webcast__FetchResult__Message m1 = LIVETAP__WEBCAST__FETCH_RESULT__MESSAGE__INIT;
    Livetap__Webcast__FetchResult__Message m2 = LIVETAP__WEBCAST__FETCH_RESULT__MESSAGE__INIT;
    Livetap__Webcast__FetchResult__Message *msgs[2] = {&m1, &m2};
    Livetap__Webcast__StringPair p1 = LIVETAP__WEBCAST__STRING_PAIR__INIT, p2 = LIVETAP__WEBCAST__STRING_PAIR__INIT;
    Livetap__Webcast__StringPair *params[2] = {&p1, &p2};
    m1.method = (char *)"WebcastChatMessage";
    m1.has_payload = 1;
    m1.payload.data = (uint8_t *)"\x18\x01";
    m1.payload.len = 2;
    m1.has_msg_id = 1;
    m1.msg_id = 99;
    m2.method = (char *)"WebcastLikeMessage";
    r.n_messages = 2;
    r.messages = msgs;
    r.cursor = (char *)"1709140492750_7340702509671467807_1_1_0_0";
    r.has_internal_ext = 1;
    r.internal_ext.data = (uint8_t *)"internal_src:dim|wss_push_room_id:1";
    r.internal_ext.len = strlen((char *)r.internal_ext.data);
    r.has_need_ack = 1;
    r.need_ack = 1;
    r.has_heartbeat_duration = 1;
    r.heartbeat_duration = 10000;
    r.has_now = 1;
    r.now = 1709140492750;
    r.has_fetch_interval = 1;
    r.fetch_interval = 1000;
    r.push_server = (char *)"wss://webcast-ws.tiktok.com/webcast/im/ws_proxy/ws_reuse_supplement/";
    p1.key = (char *)"wrss";
    p1.value = (char *)"abc";
    p2.key = (char *)"imprp";
    r.n_route_params = 2;
    r.route_params = params;
    r.has_is_first = 1;
    r.is_first = 1;
    size_t len = livetap__webcast__fetch_result__get_packed_size(&r);
    uint8_t *buf = malloc(len);
    assert_non_null(buf);
    livetap__webcast__fetch_result__pack(&r, buf);

    lt_tiktok_fetch_result fr;
    char err[128];
    assert_int_equal(lt_tiktok_fetch_result_parse(buf, len, &fr, err, sizeof err), 0);
    assert_int_equal(fr.message_count, 2);
    assert_string_equal(fr.cursor, r.cursor);
    assert_int_equal(fr.internal_ext.len, r.internal_ext.len);
    assert_memory_equal(fr.internal_ext.data, r.internal_ext.data, r.internal_ext.len);
    assert_true(fr.need_ack);
    assert_true(fr.is_first);
    assert_int_equal(fr.heartbeat_duration_ms, 10000);
    assert_int_equal(fr.now_ms, 1709140492750);
    assert_int_equal(fr.fetch_interval_ms, 1000);
    assert_string_equal(fr.push_server, r.push_server);
    assert_int_equal(fr.route_param_count, 2);
    const char *k, *v;
    assert_int_equal(lt_tiktok_fetch_result_route_param(&fr, 1, &k, &v), 0);
    assert_string_equal(k, "imprp");
    assert_string_equal(v, "");
    assert_int_equal(lt_tiktok_fetch_result_route_param(&fr, 2, &k, &v), -1);
    const char *method;
    lt_bytes payload;
    int64_t msg_id;
    assert_int_equal(lt_tiktok_fetch_result_message(&fr, 0, &method, &payload, &msg_id), 0);
    assert_string_equal(method, "WebcastChatMessage");
    assert_int_equal(payload.len, 2);
    assert_int_equal(msg_id, 99);
    assert_int_equal(lt_tiktok_fetch_result_message(&fr, 2, &method, &payload, &msg_id), -1);
    lt_tiktok_fetch_result_release(&fr);

    /* every truncation either parses (a shorter but valid message) or fails;
     * none crashes; and the empty input is an empty result */
    for (size_t cut = 0; cut < len; cut++) {
        if (lt_tiktok_fetch_result_parse(buf, cut, &fr, err, sizeof err) == 0)
            lt_tiktok_fetch_result_release(&fr);
    }
    assert_int_equal(lt_tiktok_fetch_result_parse(buf, 0, &fr, err, sizeof err), 0);
    assert_int_equal(fr.message_count, 0);
    assert_false(fr.need_ack);
    lt_tiktok_fetch_result_release(&fr);
    free(buf);
}

static void garbage_is_an_error_not_a_crash(void **state)
{
    const uint8_t bad_wire[] = {0x0f, 0x01};                    /* wire type 7 */
    const uint8_t overlong[] = {0x42, 0xff, 0xff, 0xff, 0xff, 0x0f}; /* payload length beyond the end */
    const uint8_t bad_varint[] = {0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    const uint8_t wrong_type[] = {0x3d, 1, 2, 3, 4};            /* payload_type as fixed32 */
    const uint8_t *cases[] = {bad_wire, overlong, bad_varint, wrong_type};
    size_t lens[] = {sizeof bad_wire, sizeof overlong, sizeof bad_varint, sizeof wrong_type};
    for (int i = 0; i < 4; i++) {
        lt_tiktok_frame f;
        char err[128] = "";
        assert_int_equal(lt_tiktok_frame_parse(cases[i], lens[i], &f, err, sizeof err), -1);
        assert_non_null(strstr(err, "PushFrame"));
        assert_null(f.pb);
        lt_tiktok_frame_release(&f);
        lt_tiktok_fetch_result fr;
        assert_int_equal(lt_tiktok_fetch_result_parse(cases[i], lens[i], &fr, err, sizeof err), -1);
        lt_tiktok_fetch_result_release(&fr);
    }
}

static void repeated_scalar_last_wins(void **state)
{
    /* payload_type twice, out of order after the payload: the last wins */
    const uint8_t frame[] = {0x42, 0x01, 0x41, 0x3a, 0x02, 'h', 'b', 0x10, 0x05, 0x3a, 0x03, 'm', 's', 'g', 0x10, 0x06};
    lt_tiktok_frame f;
    assert_int_equal(lt_tiktok_frame_parse(frame, sizeof frame, &f, NULL, 0), 0);
    assert_string_equal(f.payload_type, "msg");
    assert_int_equal(f.log_id, 6);
    assert_int_equal(f.payload.len, 1);
    lt_tiktok_frame_release(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(heartbeat_matches_doc_vector),
        cmocka_unit_test(enter_room_matches_doc_vector),
        cmocka_unit_test(ack_matches_doc_vector),
        cmocka_unit_test(frame_round_trip_with_headers),
        cmocka_unit_test(gzip_by_header_and_by_magic),
        cmocka_unit_test(gzip_header_on_plain_payload_is_an_error),
        cmocka_unit_test(gunzip_limits_truncation_and_members),
        cmocka_unit_test(fetch_result_fields),
        cmocka_unit_test(garbage_is_an_error_not_a_crash),
        cmocka_unit_test(repeated_scalar_last_wins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
