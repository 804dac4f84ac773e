/* test_sidecar_hub.c - the fan-out rules without sockets or Kafka: records
 * reach exactly their room's subscribers in order with their filters; slow
 * subscribers are closed with 1013 while others continue; replays (cursor
 * and time) join the live stream with no gap and no duplicate, also when
 * records consumed before the seek are still in flight; error frames and
 * status notices; Kafka outage notices to every subscriber, also to those
 * who arrive during the outage. The consumer thread is simulated by feeding the messages
 * it would produce, in the order it would produce them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "sidecar/hub.h"

#define CHAT 0 /* topic indexes */
#define GIFT 1

typedef struct sim {
    lt_hub *hub;
    lt_sidecar_positions *pos; /* the consumer thread's view */
    lt_event_type types[2];
    int wakeups;
} sim;

static void want_write(void *ctx, void *user)
{
    ((sim *)ctx)->wakeups++;
}

static sim *sim_new(size_t max_frames)
{
    sim *s = calloc(1, sizeof(*s));
    s->types[0] = LT_EVENT_CHAT;
    s->types[1] = LT_EVENT_GIFT;
    lt_hub_limits lim = {.max_queue_frames = max_frames, .max_queue_bytes = 1 << 20};
    lt_hub_callbacks cb = {.ctx = s, .want_write = want_write};
    s->hub = lt_hub_create(s->types, 2, &lim, &cb);
    s->pos = lt_sidecar_positions_create(s->types, 2);
    assert_non_null(s->hub);
    return s;
}

static void sim_free(sim *s)
{
    lt_hub_destroy(s->hub);
    lt_sidecar_positions_destroy(s->pos);
    free(s);
}

static lt_hub_msg *msg(lt_hub_msg_kind kind)
{
    lt_hub_msg *m = calloc(1, sizeof(*m));
    m->kind = kind;
    return m;
}

static void partition(sim *s, int topic, int64_t start)
{
    lt_sidecar_positions_partition(s->pos, topic, 0, start);
    lt_hub_msg *m = msg(LT_HUB_PARTITION);
    m->topic = topic;
    m->offset = start;
    lt_hub_apply(s->hub, m);
}

/* What the consumer thread does with one record: advance its positions,
 * render the shared frame with the live cursor, hand it to the hub. */
static void record(sim *s, int topic, int64_t offset, uint32_t epoch, const char *room)
{
    char prefix[128], cursor[256];
    lt_sidecar_positions_advance(s->pos, topic, 0, offset, epoch);
    snprintf(prefix, sizeof(prefix), "{\"type\":\"%s\",\"room_id\":\"%s\",\"o\":%lld",
             topic == CHAT ? "chat" : "gift", room, (long long)offset);
    assert_true(lt_sidecar_positions_cursor(s->pos, room, cursor, sizeof(cursor)) > 0);
    lt_hub_msg *m = msg(LT_HUB_RECORD);
    m->topic = topic;
    m->offset = offset;
    m->epoch = epoch;
    m->type = s->types[topic];
    snprintf(m->room_id, sizeof(m->room_id), "%s", room);
    m->frame = lt_sidecar_frame_new(prefix, strlen(prefix), cursor);
    lt_hub_apply(s->hub, m);
}

static void plan(sim *s, lt_hub_client *c, int topic, int64_t start, uint32_t epoch)
{
    lt_hub_msg *m = msg(LT_HUB_REPLAY);
    m->request_id = lt_hub_client_request_id(c);
    m->start_count = 1;
    m->starts = calloc(1, sizeof(*m->starts));
    m->starts[0] = (lt_kafka_replay_start){.topic = topic, .partition = 0, .start = start, .epoch = epoch};
    lt_hub_apply(s->hub, m);
}

static lt_hub_client *sub(sim *s, const char *room, const char *query, lt_kafka_replay_entry *e, size_t *n)
{
    char path[64];
    lt_sidecar_request req;
    lt_sidecar_error err;
    lt_kafka_replay_entry tmp[2];
    size_t tn;
    snprintf(path, sizeof(path), "/ws/%s", room);
    assert_int_equal(lt_sidecar_request_parse(path, query, &req, &err), 0);
    lt_hub_client *c = lt_hub_subscribe(s->hub, &req, (void *)room, e ? e : tmp, n ? n : &tn, &err);
    assert_non_null(c);
    return c;
}

/* Pops every queued frame: "<type>:<o>" list, and the last cursor's offsets. */
static void drain(lt_hub_client *c, char *out, size_t cap, int64_t last_cursor[2])
{
    out[0] = '\0';
    lt_sidecar_frame *f;
    while ((f = lt_hub_client_peek(c))) {
        json_error_t jerr;
        json_t *j = json_loadb((const char *)f->data + f->hdr_len, f->len - f->hdr_len, 0, &jerr);
        if (!j)
            fail_msg("frame is not JSON: %s", jerr.text);
        char item[64];
        const char *type = json_string_value(json_object_get(j, "type"));
        if (strcmp(type, "error") == 0)
            snprintf(item, sizeof(item), "error ");
        else if (json_object_get(j, "source"))
            snprintf(item, sizeof(item), "%s ", json_string_value(json_object_get(j, "state")));
        else
            snprintf(item, sizeof(item), "%s%s:%lld ", json_string_value(json_object_get(j, "room_id")),
                     type, (long long)json_integer_value(json_object_get(j, "o")));
        strncat(out, item, cap - strlen(out) - 1);
        const char *ctext = json_string_value(json_object_get(j, "cursor"));
        if (ctext && last_cursor) {
            lt_sidecar_cursor cur;
            lt_sidecar_error err;
            assert_int_equal(lt_sidecar_cursor_decode(ctext, &cur, &err), 0);
            for (size_t i = 0; i < cur.count; i++)
                last_cursor[cur.entries[i].type == LT_EVENT_CHAT ? CHAT : GIFT] = cur.entries[i].offset;
        }
        json_decref(j);
        lt_hub_client_pop(c);
    }
}

static void test_fanout_rooms_and_filters(void **state)
{
    sim *s = sim_new(100);
    partition(s, CHAT, 0);
    partition(s, GIFT, 0);
    lt_hub_client *a1 = sub(s, "A", NULL, NULL, NULL);
    lt_hub_client *a2 = sub(s, "A", "types=gift", NULL, NULL);
    lt_hub_client *b1 = sub(s, "B", NULL, NULL, NULL);
    record(s, CHAT, 0, 0, "A");
    record(s, CHAT, 1, 0, "B");
    record(s, GIFT, 0, 0, "A");
    record(s, CHAT, 2, 0, "A");
    record(s, CHAT, 3, 0, "C"); /* nobody */
    char got[512];
    int64_t cur[2] = {-1, -1};
    drain(a1, got, sizeof(got), cur);
    assert_string_equal(got, "Achat:0 Agift:0 Achat:2 ");
    assert_int_equal(cur[CHAT], 3); /* one past the last chat record dispatched */
    assert_int_equal(cur[GIFT], 1);
    drain(a2, got, sizeof(got), NULL);
    assert_string_equal(got, "Agift:0 ");
    drain(b1, got, sizeof(got), NULL);
    assert_string_equal(got, "Bchat:1 ");
    lt_hub_stats st;
    lt_hub_stats_get(s->hub, &st);
    assert_int_equal(st.rooms, 2);
    assert_int_equal(st.clients, 3);
    assert_int_equal(st.records_in, 5);
    lt_hub_unsubscribe(a2);
    lt_hub_unsubscribe(a1);
    lt_hub_unsubscribe(b1);
    lt_hub_stats_get(s->hub, &st);
    assert_int_equal(st.rooms, 0);
    sim_free(s);
}

static void test_slow_client_closed_others_continue(void **state)
{
    sim *s = sim_new(3);
    partition(s, CHAT, 0);
    lt_hub_client *slow = sub(s, "A", NULL, NULL, NULL);
    lt_hub_client *fast = sub(s, "A", NULL, NULL, NULL);
    char got[512];
    for (int i = 0; i < 6; i++) {
        record(s, CHAT, i, 0, "A");
        drain(fast, got, sizeof(got), NULL);
        char want[32];
        snprintf(want, sizeof(want), "Achat:%d ", i);
        assert_string_equal(got, want);
    }
    const char *reason = NULL;
    assert_int_equal(lt_hub_client_close_code(slow, &reason), 1013);
    assert_non_null(strstr(reason, "slow consumer"));
    assert_null(lt_hub_client_peek(slow)); /* its queue is dropped */
    assert_int_equal(lt_hub_client_close_code(fast, NULL), 0);
    lt_hub_stats st;
    lt_hub_stats_get(s->hub, &st);
    assert_int_equal(st.closes[LT_HUB_CLOSE_SLOW], 1);
    lt_hub_unsubscribe(slow);
    lt_hub_unsubscribe(fast);
    sim_free(s);
}

/* Resume by cursor while records read before the seek are still in flight:
 * the replaying client gets offsets 4.. exactly once, in order, then joins
 * the live stream; the live client never sees a re-read record. */
static void test_replay_seam(void **state)
{
    sim *s = sim_new(1000);
    partition(s, CHAT, 0);
    partition(s, GIFT, 0);
    lt_hub_client *live = sub(s, "A", NULL, NULL, NULL);
    for (int i = 0; i < 10; i++)
        record(s, CHAT, i, 0, i % 3 == 2 ? "B" : "A"); /* B at 2, 5, 8 */
    char got[1024];
    int64_t cur[2];
    drain(live, got, sizeof(got), cur);
    assert_string_equal(got, "Achat:0 Achat:1 Achat:3 Achat:4 Achat:6 Achat:7 Achat:9 ");

    /* a client resumes from the cursor it had after offset 3 (next = 4) */
    lt_sidecar_cursor c = {.count = 2};
    c.entries[0] = (lt_sidecar_cursor_entry){LT_EVENT_CHAT, 0, 4};
    c.entries[1] = (lt_sidecar_cursor_entry){LT_EVENT_GIFT, 0, 0};
    char text[128], query[160];
    lt_sidecar_cursor_encode(&c, text, sizeof(text));
    snprintf(query, sizeof(query), "cursor=%s", text);
    lt_kafka_replay_entry e[2];
    size_t n = 0;
    lt_hub_client *r = sub(s, "A", query, e, &n);
    assert_int_equal(n, 2);
    assert_int_equal(e[0].topic, CHAT);
    assert_int_equal(e[0].offset, 4);
    assert_int_equal(e[1].topic, GIFT);
    assert_int_equal(e[1].offset, 0);
    assert_false(lt_hub_client_live(r));

    record(s, CHAT, 10, 0, "A"); /* consumed before the consumer served the request */
    plan(s, r, CHAT, 4, 1);      /* consumer seeks chat to 4: epoch 1 */
    plan(s, r, GIFT, 0, 0);      /* ignored: already replaying (one plan per request) */
    for (int i = 4; i <= 10; i++) /* the re-read */
        record(s, CHAT, i, 1, i % 3 == 2 ? "B" : "A");
    record(s, CHAT, 11, 1, "A"); /* new */
    record(s, GIFT, 0, 0, "A");  /* new, other topic */

    drain(r, got, sizeof(got), cur);
    assert_string_equal(got, "Achat:4 Achat:6 Achat:7 Achat:9 Achat:10 Achat:11 Agift:0 ");
    assert_true(lt_hub_client_live(r));
    assert_int_equal(cur[CHAT], 12);
    assert_int_equal(cur[GIFT], 1);
    drain(live, got, sizeof(got), cur);
    assert_string_equal(got, "Achat:10 Achat:11 Agift:0 ");
    lt_hub_stats st;
    lt_hub_stats_get(s->hub, &st);
    assert_int_equal(st.records_stale, 7);
    assert_int_equal(st.replaying, 0);
    lt_hub_unsubscribe(r);
    lt_hub_unsubscribe(live);
    sim_free(s);
}

/* During a replay the client's frames carry its own position, so resuming
 * from any of them is exact; a replay with nothing to re-read goes live at
 * once; a cursor of another room's partition is refused. */
static void test_replay_cursor_positions(void **state)
{
    sim *s = sim_new(1000);
    partition(s, CHAT, 0);
    for (int i = 0; i < 5; i++)
        record(s, CHAT, i, 0, "A");
    lt_kafka_replay_entry e[2];
    size_t n = 0;
    lt_hub_client *r = sub(s, "A", "since=0&types=chat", e, &n);
    assert_int_equal(n, 1); /* gift has no partitions yet; chat only */
    assert_int_equal(e[0].offset, -1);
    assert_int_equal(e[0].since_ms, 0);
    plan(s, r, CHAT, 2, 1);
    record(s, CHAT, 2, 1, "A");
    char got[256];
    int64_t cur[2] = {-1, -1};
    drain(r, got, sizeof(got), cur);
    assert_string_equal(got, "Achat:2 ");
    assert_int_equal(cur[CHAT], 3); /* its own position, not the live one (5) */
    record(s, CHAT, 3, 1, "A");
    record(s, CHAT, 4, 1, "A");
    record(s, CHAT, 5, 1, "A");
    drain(r, got, sizeof(got), cur);
    assert_string_equal(got, "Achat:3 Achat:4 Achat:5 ");
    assert_int_equal(cur[CHAT], 6);
    assert_true(lt_hub_client_live(r));

    lt_hub_client *now = sub(s, "A", "since=9999999999999", e, &n);
    plan(s, now, CHAT, 6, 1); /* == H: nothing to re-read */
    assert_true(lt_hub_client_live(now));

    lt_sidecar_cursor c = {.count = 1};
    c.entries[0] = (lt_sidecar_cursor_entry){LT_EVENT_CHAT, 3, 4};
    char text[64], query[96];
    lt_sidecar_cursor_encode(&c, text, sizeof(text));
    snprintf(query, sizeof(query), "cursor=%s", text);
    lt_sidecar_request req;
    lt_sidecar_error err;
    assert_int_equal(lt_sidecar_request_parse("/ws/A", query, &req, &err), 0);
    assert_null(lt_hub_subscribe(s->hub, &req, NULL, e, &n, &err));
    assert_string_equal(err.message, "bad cursor");
    lt_hub_unsubscribe(now);
    lt_hub_unsubscribe(r);
    sim_free(s);
}

static void test_errors_and_notices(void **state)
{
    sim *s = sim_new(2);
    partition(s, CHAT, 0);
    lt_hub_client *a = sub(s, "A", NULL, NULL, NULL);
    lt_hub_client *b = sub(s, "A", NULL, NULL, NULL);
    lt_hub_client *p = sub(s, "A", "since=1", NULL, NULL);
    /* a refused replay closes with 1008 after its error frame */
    lt_hub_msg *m = msg(LT_HUB_REPLAY);
    m->request_id = lt_hub_client_request_id(p);
    m->error = strdup("too far back");
    lt_hub_apply(s->hub, m);
    const char *reason;
    assert_int_equal(lt_hub_client_close_code(p, &reason), 1008);
    char got[256];
    drain(p, got, sizeof(got), NULL);
    assert_string_equal(got, "error ");

    /* a notice reaches every subscriber even past the frame bound, and may close */
    record(s, CHAT, 0, 0, "A");
    record(s, CHAT, 1, 0, "A"); /* both queues now full (2) */
    const char *json = "{\"type\":\"error\",\"message\":\"room not found\",\"details\":\"x\"}";
    m = msg(LT_HUB_NOTICE);
    snprintf(m->room_id, sizeof(m->room_id), "A");
    m->frame = lt_sidecar_frame_text(json, strlen(json));
    m->close_code = 1008;
    lt_hub_apply(s->hub, m);
    drain(a, got, sizeof(got), NULL);
    assert_string_equal(got, "Achat:0 Achat:1 error ");
    assert_int_equal(lt_hub_client_close_code(a, NULL), 1008);
    assert_int_equal(lt_hub_client_close_code(b, NULL), 1008);
    /* closed clients get nothing more */
    record(s, CHAT, 2, 0, "A");
    assert_null(lt_hub_client_peek(a));

    /* a client's own error */
    lt_hub_client *c = sub(s, "B", NULL, NULL, NULL);
    lt_hub_client_error(c, "unauthorized", "token expired", 1008, LT_HUB_CLOSE_ERROR);
    lt_sidecar_frame *f = lt_hub_client_peek(c);
    assert_non_null(f);
    json_t *j = json_loadb((const char *)f->data + f->hdr_len, f->len - f->hdr_len, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "message")), "unauthorized");
    assert_string_equal(json_string_value(json_object_get(j, "details")), "token expired");
    json_decref(j);
    lt_hub_unsubscribe(a);
    lt_hub_unsubscribe(b);
    lt_hub_unsubscribe(c);
    lt_hub_unsubscribe(p);
    sim_free(s);
}

static void stream(sim *s, bool up)
{
    const char *json = up ? "{\"type\":\"status\",\"source\":\"sidecar\",\"state\":\"resumed\"}"
                          : "{\"type\":\"status\",\"source\":\"sidecar\",\"state\":\"delayed\"}";
    lt_hub_msg *m = msg(LT_HUB_STREAM);
    m->up = up;
    m->frame = lt_sidecar_frame_text(json, strlen(json));
    lt_hub_apply(s->hub, m);
}

static void test_kafka_outage_notices(void **state)
{
    sim *s = sim_new(16);
    partition(s, CHAT, 0);
    partition(s, GIFT, 0);
    lt_hub_client *a = sub(s, "A", NULL, NULL, NULL);
    lt_hub_client *b = sub(s, "B", "types=gift", NULL, NULL); /* the filter does not hide it */
    record(s, CHAT, 0, 0, "A");
    stream(s, false);
    char got[256];
    drain(a, got, sizeof(got), NULL);
    assert_string_equal(got, "Achat:0 delayed ");
    drain(b, got, sizeof(got), NULL);
    assert_string_equal(got, "delayed ");
    /* arriving during the outage: told first; a resume request waits meanwhile */
    lt_hub_client *c = sub(s, "A", NULL, NULL, NULL);
    lt_kafka_replay_entry e[2];
    size_t n = 0;
    lt_hub_client *p = sub(s, "A", "since=0", e, &n);
    assert_int_equal(n, 2);
    drain(c, got, sizeof(got), NULL);
    assert_string_equal(got, "delayed ");
    drain(p, got, sizeof(got), NULL);
    assert_string_equal(got, "delayed ");
    stream(s, true);
    record(s, CHAT, 1, 0, "A");
    drain(a, got, sizeof(got), NULL);
    assert_string_equal(got, "resumed Achat:1 ");
    drain(b, got, sizeof(got), NULL);
    assert_string_equal(got, "resumed ");
    drain(c, got, sizeof(got), NULL);
    assert_string_equal(got, "resumed Achat:1 ");
    drain(p, got, sizeof(got), NULL);
    assert_string_equal(got, "resumed "); /* still pending: its plan comes once Kafka answers */
    /* after the outage a new subscriber is told nothing */
    lt_hub_client *d = sub(s, "A", NULL, NULL, NULL);
    assert_null(lt_hub_client_peek(d));
    /* an outage that never ended is released with the hub */
    stream(s, false);
    lt_hub_unsubscribe(a);
    lt_hub_unsubscribe(b);
    lt_hub_unsubscribe(c);
    lt_hub_unsubscribe(d);
    lt_hub_unsubscribe(p);
    sim_free(s);
}

static void test_frame_headers(void **state)
{
    char big[70000];
    memset(big, 'x', sizeof(big));
    big[0] = '{';
    size_t sizes[] = {10, 124, 125, 126, 65534, 65535, 65536, 69990};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        lt_sidecar_frame *f = lt_sidecar_frame_new(big, sizes[i], NULL);
        size_t payload = sizes[i] + 1;
        assert_int_equal(f->data[0], 0x81);
        if (payload < 126) {
            assert_int_equal(f->hdr_len, 2);
            assert_int_equal(f->data[1], payload);
        } else if (payload <= 65535) {
            assert_int_equal(f->hdr_len, 4);
            assert_int_equal(f->data[1], 126);
            assert_int_equal(f->data[2] << 8 | f->data[3], payload);
        } else {
            assert_int_equal(f->hdr_len, 10);
            assert_int_equal(f->data[1], 127);
            uint64_t v = 0;
            for (int k = 0; k < 8; k++)
                v = v << 8 | f->data[2 + k];
            assert_int_equal(v, payload);
        }
        assert_int_equal(f->len, f->hdr_len + payload);
        assert_int_equal(f->data[f->len - 1], '}');
        lt_sidecar_frame_unref(f);
    }
}

/* Issue 20, defect 5: replays are served at most max_replays at once; the
 * next waits (nothing queued for it) and starts, through start_replay, when
 * a slot frees; past max_replay_waiting a replay is refused with 1013. A
 * replaying client is held to replay_queue_bytes; rooms are reported as
 * replaying while they have a replaying client. */
typedef struct replay_sim {
    int started;
    uint64_t last_id;
    int room_delta;
} replay_sim;

static replay_sim rs;

static int start_replay(void *ctx, uint64_t id, const lt_kafka_replay_entry *e, size_t n)
{
    rs.started++;
    rs.last_id = id;
    assert_int_equal(n, 1);
    assert_int_equal(e[0].topic, CHAT);
    return 0;
}

static void room_replaying(void *ctx, const char *room, int delta)
{
    rs.room_delta += delta;
}

static void test_replays_bounded(void **state)
{
    memset(&rs, 0, sizeof(rs));
    lt_event_type types[2] = {LT_EVENT_CHAT, LT_EVENT_GIFT};
    lt_hub_limits lim = {.max_queue_frames = 1000, .max_queue_bytes = 1 << 20, .max_replays = 2,
                         .max_replay_waiting = 1, .replay_queue_bytes = 80};
    lt_hub_callbacks cb = {.start_replay = start_replay, .room_replaying = room_replaying};
    sim *s = calloc(1, sizeof(*s));
    s->types[0] = LT_EVENT_CHAT;
    s->types[1] = LT_EVENT_GIFT;
    s->hub = lt_hub_create(types, 2, &lim, &cb);
    s->pos = lt_sidecar_positions_create(types, 2);
    partition(s, CHAT, 0);
    for (int i = 0; i < 5; i++)
        record(s, CHAT, i, 0, "A");
    lt_kafka_replay_entry e[2];
    size_t n = 0;
    lt_hub_client *r1 = sub(s, "A", "types=chat&since=0", e, &n);
    assert_int_equal(n, 1);
    lt_hub_client *r2 = sub(s, "A", "types=chat&since=0", e, &n);
    assert_int_equal(n, 1);
    lt_hub_client *r3 = sub(s, "A", "types=chat&since=0", e, &n);
    assert_int_equal(n, 0); /* waits: both slots taken */
    assert_int_equal(rs.room_delta, 2);
    lt_hub_stats st;
    lt_hub_stats_get(s->hub, &st);
    assert_int_equal(st.replaying, 2);
    assert_int_equal(st.replays_waiting, 1);

    /* a fourth: nobody may wait any more */
    lt_sidecar_request req;
    lt_sidecar_error err = {0};
    assert_int_equal(lt_sidecar_request_parse("/ws/A", "since=0", &req, &err), 0);
    assert_null(lt_hub_subscribe(s->hub, &req, "x", e, &n, &err));
    assert_int_equal(err.code, 1013);
    assert_string_equal(err.message, "replay capacity");

    /* r1 replays: its frames are its own, held to 80 bytes (one frame over
     * it alone is fine; the second closes it) */
    plan(s, r1, CHAT, 0, 1);
    record(s, CHAT, 0, 1, "A");
    assert_int_equal(lt_hub_client_close_code(r1, NULL), 0);
    record(s, CHAT, 1, 1, "A");
    record(s, CHAT, 2, 1, "A");
    const char *reason = NULL;
    assert_int_equal(lt_hub_client_close_code(r1, &reason), 1013);
    assert_non_null(strstr(reason, "replay"));
    /* its slot went to r3, started by the hub */
    assert_int_equal(rs.started, 1);
    assert_int_equal(rs.last_id, lt_hub_client_request_id(r3));
    lt_hub_stats_get(s->hub, &st);
    assert_int_equal(st.replaying, 2);
    assert_int_equal(st.replays_waiting, 0);
    lt_hub_unsubscribe(r1);
    lt_hub_unsubscribe(r2);
    lt_hub_unsubscribe(r3);
    assert_int_equal(rs.room_delta, 0);
    lt_hub_stats_get(s->hub, &st);
    assert_int_equal(st.replaying, 0);
    assert_int_equal(st.queued_bytes, 0);
    sim_free(s);
}

/* A topic the client wants that had no partition when it asked to replay
 * (so the request has no entry for it) appears while the request waits for
 * the consumer (a seek that timed out while Kafka was away: seconds). Its
 * first records are fresh and go to live clients only; the pending client
 * would never see them. The hub asks again, the plan's starts kept and the
 * new topic from the first offset the sidecar read. */
static lt_kafka_replay_entry again[4];
static size_t again_n;
static int again_calls;

static int replay_again(void *ctx, uint64_t id, const lt_kafka_replay_entry *e, size_t n)
{
    again_calls++;
    again_n = n;
    memcpy(again, e, n * sizeof(*e));
    return 0;
}

static void test_topic_appearing_while_pending(void **state)
{
    lt_event_type types[2] = {LT_EVENT_CHAT, LT_EVENT_GIFT};
    lt_hub_limits lim = {.max_queue_frames = 1000, .max_queue_bytes = 1 << 20};
    lt_hub_callbacks cb = {.start_replay = replay_again};
    sim *s = calloc(1, sizeof(*s));
    s->types[0] = LT_EVENT_CHAT;
    s->types[1] = LT_EVENT_GIFT;
    s->hub = lt_hub_create(types, 2, &lim, &cb);
    s->pos = lt_sidecar_positions_create(types, 2);
    again_calls = 0;
    partition(s, CHAT, 0);
    for (int i = 0; i < 3; i++)
        record(s, CHAT, i, 0, "A");
    lt_hub_client *live = sub(s, "A", NULL, NULL, NULL);
    lt_kafka_replay_entry e[2];
    size_t n = 0;
    lt_hub_client *r = sub(s, "A", "since=0", e, &n);
    assert_int_equal(n, 1); /* chat only: gift has no partition yet */

    partition(s, GIFT, 0); /* the gift topic is created meanwhile */
    record(s, GIFT, 0, 0, "A");
    record(s, GIFT, 1, 0, "A");
    plan(s, r, CHAT, 0, 1); /* the answer covers chat only */
    assert_int_equal(again_calls, 1);
    assert_int_equal(again_n, 2);
    assert_int_equal(again[0].topic, CHAT);
    assert_int_equal(again[0].offset, 0);
    assert_int_equal(again[1].topic, GIFT);
    assert_int_equal(again[1].offset, 0);
    assert_false(lt_hub_client_live(r));

    lt_hub_msg *m = msg(LT_HUB_REPLAY); /* the second answer: both seeked */
    m->request_id = lt_hub_client_request_id(r);
    m->start_count = 2;
    m->starts = calloc(2, sizeof(*m->starts));
    m->starts[0] = (lt_kafka_replay_start){.topic = CHAT, .partition = 0, .start = 0, .epoch = 2};
    m->starts[1] = (lt_kafka_replay_start){.topic = GIFT, .partition = 0, .start = 0, .epoch = 1};
    lt_hub_apply(s->hub, m);
    for (int i = 0; i < 3; i++)
        record(s, CHAT, i, 2, "A");
    record(s, GIFT, 0, 1, "A");
    record(s, GIFT, 1, 1, "A");
    record(s, GIFT, 2, 1, "A"); /* new */
    char got[512];
    int64_t cur[2];
    drain(r, got, sizeof(got), cur);
    assert_string_equal(got, "Achat:0 Achat:1 Achat:2 Agift:0 Agift:1 Agift:2 ");
    assert_true(lt_hub_client_live(r));
    drain(live, got, sizeof(got), cur);
    assert_string_equal(got, "Agift:0 Agift:1 Agift:2 ");
    lt_hub_unsubscribe(r);
    lt_hub_unsubscribe(live);
    sim_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fanout_rooms_and_filters),
        cmocka_unit_test(test_slow_client_closed_others_continue),
        cmocka_unit_test(test_replay_seam),
        cmocka_unit_test(test_replay_cursor_positions),
        cmocka_unit_test(test_errors_and_notices),
        cmocka_unit_test(test_kafka_outage_notices),
        cmocka_unit_test(test_frame_headers),
        cmocka_unit_test(test_replays_bounded),
        cmocka_unit_test(test_topic_appearing_while_pending),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
