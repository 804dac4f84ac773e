/* test_tiktok_handover.c - the room_status reader a handover relies on
 * (tiktok/handover.h): what the encoder writes (Confluent framing and
 * single-object) reads back field by field, and every truncation, every
 * corrupted byte and every string too long for its field is refused without
 * reading outside the record. And what a new owner makes of the old owner's
 * statuses when they arrive out of order across partitions (a room's
 * records are keyed by its input until its room id is known): a stale
 * "resolving" read after "handing_over" no longer cancels the announcement
 * (a CI group test's new owner then published without holding: 32 msg_ids
 * twice, or no hold to release at the deadline). And that a peer's status
 * reaches exactly the rooms it names, by input or by room id, among 10,000
 * (found through the collector's indexes, no longer by a walk over every
 * room per status record).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libwebsockets.h>

#include "avro/encoder.h"
#include "avro/schemas.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/strmap.h"
#include "tiktok/collector_internal.h"
#include "tiktok/handover.h"
#include "unit/loop_test_util.h"

static void encode_status(bool confluent, const char *collector_id, const char *state, const char *reason,
                          const char *input, lt_buf *out)
{
    char err[256];
    lt_schema_set *schemas = lt_schema_set_load(NULL, err, sizeof err);
    assert_non_null(schemas);
    lt_avro_encoder *enc = lt_avro_encoder_create(schemas, err, sizeof err);
    assert_non_null(enc);
    if (confluent)
        lt_avro_encoder_set_schema_id(enc, LT_EVENT_ROOM_STATUS, 77);
    lt_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = LT_EVENT_ROOM_STATUS;
    ev.platform = LT_PLATFORM_TIKTOK;
    ev.room_id = "7400000000000000003";
    ev.event_time = ev.ingest_time = 1765000000000;
    ev.collector_id = collector_id;
    ev.as.room_status.state = state;
    ev.as.room_status.reason = reason;
    ev.as.room_status.message = "collected here until the new owner is live";
    ev.as.room_status.input = input;
    ev.as.room_status.attempt = 2;
    assert_int_equal(lt_avro_encode(enc, &ev, out), 0);
    lt_avro_encoder_destroy(enc);
    lt_schema_set_destroy(schemas);
}

static void reads_what_the_encoder_wrote(void **state)
{
    (void)state;
    for (int confluent = 0; confluent < 2; confluent++) {
        lt_buf b = LT_BUF_INIT;
        encode_status(confluent, "collector-a", "handing_over", "reassigned", "@simhost3", &b);
        lt_tiktok_peer_status st;
        assert_int_equal(lt_tiktok_room_status_decode(b.data, b.len, &st), 0);
        assert_string_equal(st.room_id, "7400000000000000003");
        assert_int_equal(st.event_time, 1765000000000);
        assert_string_equal(st.collector_id, "collector-a");
        assert_string_equal(st.state, "handing_over");
        assert_string_equal(st.reason, "reassigned");
        assert_string_equal(st.input, "@simhost3");
        lt_buf_free(&b);

        encode_status(confluent, "b", "live", NULL, NULL, &b); /* null reason and input */
        assert_int_equal(lt_tiktok_room_status_decode(b.data, b.len, &st), 0);
        assert_string_equal(st.state, "live");
        assert_string_equal(st.reason, "");
        assert_string_equal(st.input, "");
        lt_buf_free(&b);
    }
}

static void refuses_truncated_and_corrupted_records(void **state)
{
    (void)state;
    lt_buf b = LT_BUF_INIT;
    encode_status(true, "collector-a", "ended", "handed_over", "@simhost3", &b);
    lt_tiktok_peer_status st;
    /* every cut before the input's last byte is refused (what follows the
     * input - retry_at, attempt - is not read) */
    size_t input_end = b.len;
    while (input_end > 0 && memcmp(b.data + input_end - 9, "@simhost3", 9) != 0)
        input_end--;
    assert_true(input_end > 9);
    for (size_t len = 0; len < input_end; len++) {
        uint8_t *copy = malloc(len ? len : 1);
        memcpy(copy, b.data, len);
        assert_int_equal(lt_tiktok_room_status_decode(copy, len, &st), -1);
        free(copy);
    }
    assert_int_equal(lt_tiktok_room_status_decode(b.data, input_end, &st), 0);
    /* every byte flipped: refused or read, never outside the record (ASan) */
    for (size_t i = 0; i < b.len; i++)
        for (int bit = 0; bit < 8; bit++) {
            uint8_t *copy = malloc(b.len);
            memcpy(copy, b.data, b.len);
            copy[i] ^= (uint8_t)(1u << bit);
            if (lt_tiktok_room_status_decode(copy, b.len, &st) == 0) {
                assert_non_null(memchr(st.state, '\0', sizeof st.state));
                assert_non_null(memchr(st.input, '\0', sizeof st.input));
            }
            free(copy);
        }
    lt_buf_free(&b);
    /* neither framing */
    static const uint8_t json[] = "{\"state\":\"live\"}";
    assert_int_equal(lt_tiktok_room_status_decode(json, sizeof json - 1, &st), -1);
    /* a length larger than the record, a negative one, a varint that never ends */
    static const uint8_t huge[] = {0, 0, 0, 0, 1, 0x80, 0x80, 0x80, 0x80, 0x08, 't'};
    assert_int_equal(lt_tiktok_room_status_decode(huge, sizeof huge, &st), -1);
    static const uint8_t negative[] = {0, 0, 0, 0, 1, 0x01, 't'};
    assert_int_equal(lt_tiktok_room_status_decode(negative, sizeof negative, &st), -1);
    uint8_t endless[32] = {0, 0, 0, 0, 1};
    memset(endless + 5, 0xff, sizeof endless - 5);
    assert_int_equal(lt_tiktok_room_status_decode(endless, sizeof endless, &st), -1);
}

static void refuses_strings_too_long_for_their_field(void **state)
{
    (void)state;
    char long_id[300];
    memset(long_id, 'x', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    lt_buf b = LT_BUF_INIT;
    encode_status(true, long_id, "live", NULL, "@simhost3", &b);
    lt_tiktok_peer_status st;
    assert_int_equal(lt_tiktok_room_status_decode(b.data, b.len, &st), -1);
    lt_buf_free(&b);
}

static void final_states(void **state)
{
    (void)state;
    assert_true(lt_tiktok_room_state_final("ended"));
    assert_true(lt_tiktok_room_state_final("offline"));
    assert_true(lt_tiktok_room_state_final("error"));
    assert_false(lt_tiktok_room_state_final("live"));
    assert_false(lt_tiktok_room_state_final("handing_over"));
    assert_false(lt_tiktok_room_state_final("reconnecting"));
}

static lt_publish_status discard(void *ctx, const lt_event *ev, char *err, size_t errlen)
{
    (void)ctx, (void)ev, (void)err, (void)errlen;
    return LT_PUBLISH_OK;
}

static void peer(lt_tiktok_collector *c, const char *collector_id, const char *state, const char *room_id,
                 int64_t event_time)
{
    lt_tiktok_peer_status st = {.event_time = event_time};
    snprintf(st.collector_id, sizeof st.collector_id, "%s", collector_id);
    snprintf(st.state, sizeof st.state, "%s", state);
    snprintf(st.room_id, sizeof st.room_id, "%s", room_id);
    snprintf(st.input, sizeof st.input, "@simhost5");
    lt_tiktok_collector_peer_status(c, &st);
}

static void announcements_outlive_stale_statuses(void **state)
{
    (void)state;
    lt_log_set_level(LT_LOG_ERROR);
    char err[256];
    struct lws_context *loop = lt_test_loop();
    lt_tiktok_collector_options o = {.collector_id = "t1", .sink = discard, .lws = loop};
    lt_tiktok_collector *c = lt_tiktok_collector_create(&o, err, sizeof err);
    assert_non_null(c);
    lt_tiktok_handover_options ho = {.timeout_ms = 3000};
    assert_int_equal(lt_tiktok_collector_enable_handover(c, &ho), 0);
    const char *id = "7400000000000000005";

    /* t0's statuses as partitions deliver them: its revoke's announcement
     * (keyed by the room id) before its first status (keyed "@simhost5") */
    peer(c, "t0", "connecting", id, 1000100);
    peer(c, "t0", "live", id, 1000107);
    peer(c, "t0", "handing_over", id, 1000557);
    assert_non_null(lt_tiktok_collector_announced_by(c, "@simhost5"));
    assert_string_equal(lt_tiktok_collector_announced_by(c, "@simhost5"), "t0");
    peer(c, "t0", "resolving", "", 1000057);
    assert_non_null(lt_tiktok_collector_announced_by(c, "@simhost5"));
    peer(c, "t0", "error", "", 1000060); /* an old failure is not the end of this handover either */
    assert_non_null(lt_tiktok_collector_announced_by(c, "@simhost5"));
    /* an older announcement does not replace the newer one */
    peer(c, "t0", "handing_over", id, 1000001);
    peer(c, "t0", "live", id, 1000300);
    assert_non_null(lt_tiktok_collector_announced_by(c, "@simhost5"));
    /* another collector's statuses, and this one's own, do not end t0's */
    peer(c, "t2", "ended", id, 1009000);
    peer(c, "t1", "ended", id, 1009000);
    assert_string_equal(lt_tiktok_collector_announced_by(c, "@simhost5"), "t0");
    /* t0's status after its announcement does */
    peer(c, "t0", "ended", id, 1004057);
    assert_null(lt_tiktok_collector_announced_by(c, "@simhost5"));

    lt_tiktok_collector_destroy(c);
    lws_context_destroy(loop);
}

static void peer_naming(lt_tiktok_collector *c, const char *state, const char *room_id, const char *input)
{
    lt_tiktok_peer_status st = {.event_time = lt_now_ms()};
    snprintf(st.collector_id, sizeof st.collector_id, "t2");
    snprintf(st.state, sizeof st.state, "%s", state);
    snprintf(st.room_id, sizeof st.room_id, "%s", room_id);
    snprintf(st.input, sizeof st.input, "%s", input);
    lt_tiktok_collector_peer_status(c, &st);
}

/* A live room here that is being handed over (room_id "" : not resolved). */
static void handing_over(lt_tiktok_collector *c, const char *input, const char *room_id)
{
    lt_tiktok_room_ref ref;
    char err[256];
    assert_int_equal(lt_tiktok_room_parse(input, &ref, err, sizeof err), 0);
    room *r = lt_tiktok_collector_find(c, &ref, NULL);
    assert_non_null(r);
    r->phase = PHASE_LIVE;
    if (room_id[0]) { /* what resolving does (collector.c set_room_id) */
        snprintf(r->room_id, sizeof r->room_id, "%s", room_id);
        assert_int_equal(lt_strmap_add(c->by_room_id, room_id, r), 0);
    }
    assert_int_equal(lt_tiktok_collector_hand_over_room(c, input), 0);
    assert_true(lt_tiktok_collector_handing_over(c, input));
}

static void statuses_reach_the_rooms_they_name(void **state)
{
    (void)state;
    enum { N = 10000 };
    lt_log_set_level(LT_LOG_ERROR);
    char err[256], input[32];
    struct lws_context *loop = lt_test_loop();
    lt_tiktok_collector_options o = {.collector_id = "t1", .sink = discard, .lws = loop};
    lt_tiktok_collector *c = lt_tiktok_collector_create(&o, err, sizeof err);
    assert_non_null(c);
    lt_tiktok_handover_options ho = {.timeout_ms = 600000}; /* no deadline ends one in this test */
    assert_int_equal(lt_tiktok_collector_enable_handover(c, &ho), 0);
    for (int i = 0; i < N; i++) {
        snprintf(input, sizeof input, "@host%d", i);
        assert_int_equal(lt_tiktok_collector_add_room(c, input, err, sizeof err), 0);
    }
    handing_over(c, "@host1", "7400000000000000001");
    handing_over(c, "@host5000", "");
    handing_over(c, "@host9999", "7400000000000009999");

    /* the new owners are live: @host5000 named by its input, @host9999 by
     * its room id (its input unknown to the peer); statuses that name a
     * room here that is not being handed over, or no room here, do nothing */
    peer_naming(c, "live", "", "@host5000");
    peer_naming(c, "live", "7400000000000009999", "");
    peer_naming(c, "live", "", "@host42");
    peer_naming(c, "live", "7400000000000000002", "@nobody");
    peer_naming(c, "connecting", "7400000000000000001", "@host1"); /* not live yet */
    /* past the grace they stop here: nothing was in flight, so they end */
    lt_tiktok_handover_tick(c, lt_now_ms() + 2000);
    lt_tiktok_handover_tick(c, lt_now_ms() + 2000);
    assert_false(lt_tiktok_collector_has_room(c, "@host5000"));
    assert_false(lt_tiktok_collector_has_room(c, "@host9999"));
    assert_true(lt_tiktok_collector_handing_over(c, "@host1"));
    assert_true(lt_tiktok_collector_has_room(c, "@host42"));
    assert_false(lt_tiktok_collector_handing_over(c, "@host42"));
    assert_int_equal(c->room_count, N - 2);
    lt_tiktok_handover_stats hs;
    lt_tiktok_collector_handover_stats(c, &hs);
    assert_int_equal(hs.started, 3);
    assert_int_equal(hs.completed, 2);

    lt_tiktok_collector_destroy(c);
    lws_context_destroy(loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_what_the_encoder_wrote),
        cmocka_unit_test(refuses_truncated_and_corrupted_records),
        cmocka_unit_test(refuses_strings_too_long_for_their_field),
        cmocka_unit_test(final_states),
        cmocka_unit_test(announcements_outlive_stale_statuses),
        cmocka_unit_test(statuses_reach_the_rooms_they_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
