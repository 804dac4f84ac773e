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
 * room per status record). And that the new owner's window has the old
 * owner's last msg_ids when a handover went wrong under load: the old
 * owner's connection made again during it, the room started here just
 * after its end, or its announcement read after the room started here.
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
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "avro/encoder.h"
#include "avro/schemas.h"
#include "core/buf.h"
#include "core/dedupe.h"
#include "core/log.h"
#include "core/strmap.h"
#include "kafka/publisher.h"
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

/* --- the new owner's window after the old owner's last records ---
 *
 * A capacity run (8 collectors, 2,000 rooms, SIGTERM leaves on a loaded
 * machine) put 89 msg_ids twice into Kafka, in 9 rooms; in one of them the
 * old owner's push connection had closed during the handover and been made
 * again. Each case below is a way the new owner ended up without the old
 * owner's last msg_ids in its window and without a hold to refresh it, so
 * that TikTok's re-sent last messages (on its connect) went out again.
 *
 * The window is filled through the tail reader (kafka/tail.h); the fake
 * here keeps what matters of it: the msg_ids Kafka holds, one read cached
 * for 5 s, a refresh that reads again when the cached read is older than
 * the moment it is given. */
typedef struct fake_tail {
    int64_t in_kafka[32];
    size_t n;
    int64_t cached[32];
    size_t cached_n;
    int64_t read_at; /* 0 = never read */
    int refreshes;
} fake_tail;

static void fake_seed(void *ctx, const char *room_id, lt_dedupe *window)
{
    (void)room_id;
    fake_tail *t = ctx;
    int64_t now = lt_now_ms();
    if (!t->read_at || now - t->read_at >= 5000) {
        memcpy(t->cached, t->in_kafka, sizeof t->cached);
        t->cached_n = t->n;
        t->read_at = now;
    }
    for (size_t i = 0; i < t->cached_n; i++)
        lt_dedupe_check(window, t->cached[i]);
}

static void fake_refresh(void *ctx, const char *room_id, int64_t read_before_ms, lt_dedupe *window)
{
    fake_tail *t = ctx;
    t->refreshes++;
    if (t->read_at < read_before_ms)
        t->read_at = 0;
    fake_seed(ctx, room_id, window);
}

/* The old owner's records of msg_ids from..to are acknowledged, in a later
 * millisecond than any read so far (as they are, seconds later, in a run). */
static void old_owner_publishes(fake_tail *t, int64_t from, int64_t to)
{
    while (lt_now_ms() <= t->read_at)
        ;
    for (int64_t id = from; id <= to; id++)
        t->in_kafka[t->n++] = id;
}

/* A collector that can hold (a hold keeps encoded records: it needs a
 * publisher; the mock cluster takes what it sends). */
typedef struct new_owner {
    rd_kafka_t *mock_rk;
    rd_kafka_mock_cluster_t *mock;
    lt_publisher *pub;
    struct lws_context *loop;
    lt_tiktok_collector *c;
    fake_tail tail;
} new_owner;

static void new_owner_create(new_owner *b)
{
    char err[1024];
    memset(b, 0, sizeof *b);
    lt_log_set_level(LT_LOG_ERROR);
    rd_kafka_conf_t *mconf = rd_kafka_conf_new();
    rd_kafka_conf_set(mconf, "log_level", "0", err, sizeof err);
    b->mock_rk = rd_kafka_new(RD_KAFKA_PRODUCER, mconf, err, sizeof err);
    assert_non_null(b->mock_rk);
    b->mock = rd_kafka_mock_cluster_new(b->mock_rk, 1);
    assert_non_null(b->mock);
    lt_kafka_property props[] = {{"log_level", "0"}};
    lt_publisher_options po = {
        .topic_prefix = "handover",
        .collector_id = "t1",
        .kafka = {.bootstrap_servers = rd_kafka_mock_cluster_bootstraps(b->mock),
                  .properties = props,
                  .property_count = 1},
        .startup_timeout_ms = 300, /* also the wait for the compacted topic, which the mock cannot create */
    };
    b->pub = lt_publisher_create(&po, err, sizeof err);
    if (!b->pub)
        fail_msg("%s", err);
    b->loop = lt_test_loop();
    lt_tiktok_collector_options o = {.collector_id = "t1",
                                     .publisher = b->pub,
                                     .lws = b->loop,
                                     .seed_window = fake_seed,
                                     .refresh_window = fake_refresh,
                                     .hook_ctx = &b->tail};
    b->c = lt_tiktok_collector_create(&o, err, sizeof err);
    assert_non_null(b->c);
    lt_tiktok_handover_options ho = {.timeout_ms = 20000};
    assert_int_equal(lt_tiktok_collector_enable_handover(b->c, &ho), 0);
}

static void new_owner_destroy(new_owner *b)
{
    lt_tiktok_collector_destroy(b->c);
    lws_context_destroy(b->loop);
    lt_publisher_destroy(b->pub);
    rd_kafka_mock_cluster_destroy(b->mock);
    rd_kafka_destroy(b->mock_rk);
}

#define ROOM_ID "7400000000000000088"

/* A status of the old owner t0 for a room. */
static void old_owner_says_of(lt_tiktok_collector *c, const char *input, const char *state,
                              const char *reason, int64_t event_time)
{
    lt_tiktok_peer_status st = {.event_time = event_time};
    snprintf(st.collector_id, sizeof st.collector_id, "t0");
    snprintf(st.state, sizeof st.state, "%s", state);
    snprintf(st.reason, sizeof st.reason, "%s", reason);
    snprintf(st.room_id, sizeof st.room_id, "%s", strcmp(input, "@simhost88") ? "" : ROOM_ID);
    snprintf(st.input, sizeof st.input, "%s", input);
    lt_tiktok_collector_peer_status(c, &st);
}

static void old_owner_says(lt_tiktok_collector *c, const char *state, const char *reason, int64_t event_time)
{
    old_owner_says_of(c, "@simhost88", state, reason, event_time);
}

/* What collector.c does when a room learns its room id: a fresh window,
 * seeded from Kafka, then the handover's look at it. */
static room *room_starts(lt_tiktok_collector *c)
{
    char err[256];
    assert_int_equal(lt_tiktok_collector_add_room(c, "@simhost88", err, sizeof err), 0);
    lt_tiktok_room_ref ref;
    assert_int_equal(lt_tiktok_room_parse("@simhost88", &ref, err, sizeof err), 0);
    room *r = lt_tiktok_collector_find(c, &ref, NULL);
    assert_non_null(r);
    snprintf(r->room_id, sizeof r->room_id, ROOM_ID);
    assert_int_equal(lt_strmap_add(c->by_room_id, ROOM_ID, r), 0);
    r->dedupe = lt_dedupe_create(c->opts.dedupe_window);
    assert_non_null(r->dedupe);
    c->opts.seed_window(c->opts.hook_ctx, ROOM_ID, r->dedupe);
    lt_tiktok_handover_room_started(r);
    return r;
}

/* TikTok re-sends a room's last messages to a new connection: how many of
 * msg_ids from..to the room's window lets through (into Kafka again). */
static int replays_published(room *r, int64_t from, int64_t to)
{
    int n = 0;
    for (int64_t id = from; id <= to; id++)
        n += !lt_dedupe_check(r->dedupe, id);
    return n;
}

static uint64_t holds(lt_tiktok_collector *c)
{
    lt_tiktok_handover_stats hs;
    lt_tiktok_collector_handover_stats(c, &hs);
    return hs.holds;
}

/* @simhost88 in the capacity run: the old owner's push connection closed
 * during its handover and was made again - "reconnecting", then "live" -
 * and those statuses, later than its announcement, cancelled it. */
static void a_reconnect_of_the_old_owner_does_not_end_its_handover(void **state)
{
    (void)state;
    new_owner b;
    new_owner_create(&b);
    int64_t t0 = lt_now_ms();
    old_owner_says(b.c, "handing_over", "reassigned", t0);
    old_owner_publishes(&b.tail, 1, 5);
    old_owner_says(b.c, "reconnecting", "closed", t0 + 100);
    old_owner_says(b.c, "live", "", t0 + 300);
    assert_non_null(lt_tiktok_collector_announced_by(b.c, "@simhost88"));

    room *r = room_starts(b.c); /* seeded with 1-5 */
    assert_int_equal(holds(b.c), 1);
    old_owner_publishes(&b.tail, 6, 10);
    old_owner_says(b.c, "ended", "reassigned", t0 + 20000);
    lt_tiktok_handover_tick(b.c, lt_now_ms());
    assert_int_equal(replays_published(r, 6, 10), 0);

    /* "live" [taken_back]: the old owner keeps the room, no handover */
    old_owner_says(b.c, "handing_over", "reassigned", t0 + 30000);
    old_owner_says(b.c, "live", "taken_back", t0 + 30100);
    assert_null(lt_tiktok_collector_announced_by(b.c, "@simhost88"));
    new_owner_destroy(&b);
}

/* The room starts here just after the old owner ended it: its window is
 * seeded from a read of the partition made seconds before (for another
 * room; reads are cached), which the old owner's last records missed. */
static void a_room_started_after_the_old_owner_ended_reads_kafka_again(void **state)
{
    (void)state;
    new_owner b;
    new_owner_create(&b);
    int64_t t0 = lt_now_ms();
    old_owner_publishes(&b.tail, 1, 5);
    lt_dedupe *other = lt_dedupe_create(16);
    fake_seed(&b.tail, "7400000000000000099", other); /* another room of the partition: a read of 1-5 */
    lt_dedupe_destroy(other);
    old_owner_says(b.c, "handing_over", "reassigned", t0);
    old_owner_publishes(&b.tail, 6, 10);
    old_owner_says(b.c, "ended", "reassigned", t0 + 20000);
    assert_null(lt_tiktok_collector_announced_by(b.c, "@simhost88"));

    room *r = room_starts(b.c);
    assert_int_equal(holds(b.c), 0); /* nobody to wait for */
    assert_int_equal(replays_published(r, 1, 10), 0);
    new_owner_destroy(&b);
}

/* The room started here before the old owner's announcement was read (a
 * room_status consumer behind on a loaded machine): it holds from then. */
static void an_announcement_read_after_the_room_started_still_holds_it(void **state)
{
    (void)state;
    new_owner b;
    new_owner_create(&b);
    int64_t t0 = lt_now_ms();
    old_owner_publishes(&b.tail, 1, 5);
    room *r = room_starts(b.c); /* seeded with 1-5, nothing to hold for yet */
    assert_int_equal(holds(b.c), 0);
    old_owner_says(b.c, "handing_over", "reassigned", t0);
    assert_int_equal(holds(b.c), 1);
    old_owner_publishes(&b.tail, 6, 10);
    old_owner_says(b.c, "ended", "reassigned", t0 + 20000);
    lt_tiktok_handover_tick(b.c, lt_now_ms());
    assert_int_equal(replays_published(r, 1, 10), 0);
    new_owner_destroy(&b);
}

/* An ended handover is kept for the timeout + 10 s (the rooms that start
 * meanwhile re-read Kafka), then forgotten; a new announcement of the room
 * in between takes it out of the ended ones. */
static void an_ended_handover_is_forgotten_after_the_timeout_and_10_s(void **state)
{
    (void)state;
    new_owner b;
    new_owner_create(&b);
    int64_t t0 = lt_now_ms();
    const char *inputs[] = {"@simhost1", "@simhost2", "@simhost88"};
    for (int i = 0; i < 3; i++) {
        old_owner_says_of(b.c, inputs[i], "handing_over", "reassigned", t0);
        old_owner_says_of(b.c, inputs[i], "ended", "reassigned", t0 + 1);
        assert_null(lt_tiktok_collector_announced_by(b.c, inputs[i]));
    }
    old_owner_says_of(b.c, "@simhost2", "handing_over", "reassigned", t0 + 2);
    assert_non_null(lt_tiktok_collector_announced_by(b.c, "@simhost2"));
    lt_tiktok_handover_tick(b.c, lt_now_ms() + 29000);
    lt_tiktok_handover_tick(b.c, lt_now_ms() + 30000 + 1000);
    assert_non_null(lt_tiktok_collector_announced_by(b.c, "@simhost2"));
    room_starts(b.c); /* @simhost88: its ended handover forgotten, nothing to re-read */
    assert_int_equal(b.tail.refreshes, 0);
    assert_int_equal(holds(b.c), 0);
    old_owner_says_of(b.c, "@simhost2", "ended", "handed_over", t0 + 3);
    assert_null(lt_tiktok_collector_announced_by(b.c, "@simhost2"));
    new_owner_destroy(&b); /* the ended one still kept is freed with the rest */
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
        cmocka_unit_test(a_reconnect_of_the_old_owner_does_not_end_its_handover),
        cmocka_unit_test(a_room_started_after_the_old_owner_ended_reads_kafka_again),
        cmocka_unit_test(an_announcement_read_after_the_room_started_still_holds_it),
        cmocka_unit_test(an_ended_handover_is_forgotten_after_the_timeout_and_10_s),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
