/* The publishing gate (kafka/gate.h) against a fake producer with a queue
 * of a fixed size and a fake clock: a full queue pauses reading and the
 * refused record is kept - the publish never waits - and sent again, in
 * order, as room comes, with later records behind it; reading resumes once
 * nothing is kept and in flight is down to half; kept records are given up
 * once the episode has lasted backpressure_wait_ms (counted, reported,
 * logged at most 200 lines a 10 s window), and past their bound; a stop's
 * flush sends them; sends are counted per type, and delivery reports
 * become acknowledgements per type and a latency histogram. Time only
 * moves when the fake producer is polled or a test moves it, so nothing
 * here depends on the machine's speed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/source.h"
#include "kafka/gate.h"

static int64_t clock_ms = 1000000;

static int64_t fake_now(void)
{
    return clock_ms;
}

/* A producer whose queue holds `cap` records; each poll advances the clock
 * by its timeout and acknowledges up to `acks_per_poll` of them (0: the
 * broker is down). What it accepted is listed in order, with what the
 * last record carried; the reports of kept records not sent are listed
 * too. */
typedef struct fake {
    lt_gate *gate;
    size_t cap;
    void *queue[64];
    size_t queued;
    int acks_per_poll;
    int polls;
    int longest_poll_ms;
    lt_event_type refuse_type; /* answered with an error */
    int pauses, resumes;
    uint64_t in_flight_at_resume;
    int64_t sent[512]; /* msg_ids, in the order accepted */
    size_t sent_count;
    char last_value[64], last_key[64], last_room[64], last_extra[64];
    size_t unsent; /* reports of kept records not sent */
} fake;

static void copy_text(char *to, size_t size, const void *from, size_t len)
{
    snprintf(to, size, "%.*s", (int)len, from ? (const char *)from : "");
}

static lt_publish_status fake_send(void *ctx, const lt_gate_record *rec, char *err, size_t errlen)
{
    fake *f = ctx;
    if (rec->ev->type == f->refuse_type) {
        snprintf(err, errlen, "record too large");
        return LT_PUBLISH_ERROR;
    }
    if (f->queued == f->cap)
        return LT_PUBLISH_BACKPRESSURE;
    f->queue[f->queued++] = rec->opaque;
    if (f->sent_count < sizeof f->sent / sizeof f->sent[0])
        f->sent[f->sent_count++] = rec->ev->msg_id;
    copy_text(f->last_value, sizeof f->last_value, rec->value, rec->value_len);
    copy_text(f->last_key, sizeof f->last_key, rec->key, rec->key ? strlen(rec->key) : 0);
    copy_text(f->last_room, sizeof f->last_room, rec->ev->room_id, strlen(rec->ev->room_id));
    f->last_extra[0] = '\0';
    if (rec->extra_count)
        snprintf(f->last_extra, sizeof f->last_extra, "%s=%.*s", rec->extra[0].name, (int)rec->extra[0].len,
                 (const char *)rec->extra[0].value);
    return LT_PUBLISH_OK;
}

static void fake_poll(void *ctx, int timeout_ms)
{
    fake *f = ctx;
    f->polls++;
    if (timeout_ms > f->longest_poll_ms)
        f->longest_poll_ms = timeout_ms;
    clock_ms += timeout_ms;
    for (int i = 0; i < f->acks_per_poll && f->queued; i++) {
        void *opaque = f->queue[0];
        memmove(f->queue, f->queue + 1, --f->queued * sizeof f->queue[0]);
        lt_gate_delivered(f->gate, opaque, NULL);
    }
}

static uint64_t fake_in_flight(void *ctx)
{
    return ((fake *)ctx)->queued;
}

/* The "encoded value" of an event: v<msg_id>. */
static int fake_encode(void *ctx, const lt_event *ev, lt_buf *out, char *err, size_t errlen)
{
    (void)ctx, (void)err, (void)errlen;
    char text[32];
    int n = snprintf(text, sizeof text, "v%lld", (long long)ev->msg_id);
    return lt_buf_append(out, text, (size_t)n);
}

/* As the runtime routes a report: to the gate's accounting. */
static void fake_report(void *ctx, void *opaque, const char *error)
{
    fake *f = ctx;
    assert_ptr_equal(error, lt_gate_kept_unsent);
    f->unsent++;
    lt_gate_delivered(f->gate, opaque, error);
}

static void on_pause(void *ctx, bool paused)
{
    fake *f = ctx;
    if (paused) {
        f->pauses++;
    } else {
        f->resumes++;
        f->in_flight_at_resume = f->queued;
    }
}

static volatile sig_atomic_t stop_flag;

static lt_gate *make_gate_bounded(fake *f, size_t cap, int64_t wait_ms, size_t max_records, size_t max_bytes)
{
    memset(f, 0, sizeof *f);
    f->cap = cap;
    f->refuse_type = LT_EVENT_TYPE_COUNT; /* none */
    stop_flag = 0;
    lt_gate_options o = {
        .producer = {fake_send, fake_poll, fake_in_flight, fake_encode, fake_report, f},
        .backpressure_wait_ms = wait_ms,
        .kept_max_records = max_records,
        .kept_max_bytes = max_bytes,
        .pause = on_pause,
        .pause_ctx = f,
        .stop = &stop_flag,
        .now_ms = fake_now,
    };
    f->gate = lt_gate_create(&o);
    assert_non_null(f->gate);
    return f->gate;
}

static lt_gate *make_gate(fake *f, size_t cap, int64_t wait_ms)
{
    return make_gate_bounded(f, cap, wait_ms, 0, 0);
}

/* Acknowledges everything the fake holds (the broker came back). */
static void ack_all(fake *f)
{
    int acks = f->acks_per_poll;
    f->acks_per_poll = (int)f->queued;
    fake_poll(f, 0);
    f->acks_per_poll = acks;
}

static void assert_sent_in_order(const fake *f, int64_t first, int64_t last)
{
    assert_int_equal(f->sent_count, (size_t)(last - first + 1));
    for (size_t i = 0; i < f->sent_count; i++)
        assert_int_equal(f->sent[i], first + (int64_t)i);
}

static lt_event event(lt_event_type type, int64_t msg_id)
{
    lt_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = type;
    ev.platform = LT_PLATFORM_TIKTOK;
    ev.room_id = "7000000000000000001";
    ev.msg_id = msg_id;
    ev.ingest_time = clock_ms;
    return ev;
}

static lt_gate_result publish(lt_gate *g, lt_event_type type, int64_t msg_id)
{
    lt_event ev = event(type, msg_id);
    lt_gate_record rec = {.ev = &ev, .opaque = lt_gate_opaque(g, &ev)};
    char err[256];
    return lt_gate_publish(g, &rec, err, sizeof err);
}

/* Chats first..last, each with the result expected. */
static void publish_chats(lt_gate *g, int64_t first, int64_t last, lt_gate_result expected)
{
    for (int64_t i = first; i <= last; i++)
        assert_int_equal(publish(g, LT_EVENT_CHAT, i), expected);
}

/* stderr into a file, so that what the gate logs can be counted */
typedef struct captured {
    int saved;
    FILE *file;
} captured;

static captured capture_stderr(void)
{
    captured c = {dup(STDERR_FILENO), tmpfile()};
    assert_non_null(c.file);
    fflush(stderr);
    dup2(fileno(c.file), STDERR_FILENO);
    return c;
}

/* What was logged since capture_stderr; stderr restored. Caller frees. */
static char *release_stderr(captured *c)
{
    fflush(stderr);
    dup2(c->saved, STDERR_FILENO);
    close(c->saved);
    long len = ftell(c->file);
    char *text = calloc(1, (size_t)len + 1);
    assert_non_null(text);
    rewind(c->file);
    assert_int_equal(fread(text, 1, (size_t)len, c->file), (size_t)len);
    fclose(c->file);
    return text;
}

static int count(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* A full queue pauses reading once and the refused record is kept: the
 * publish returns at once, without serving a single report. Each tick
 * serves the reports already in (never waiting) and sends what is kept as
 * room comes; reading resumes once nothing is kept and in flight is down
 * to half of what it was when the episode began, not before. */
static void full_queue_keeps_pauses_and_resumes_below_half(void **state)
{
    (void)state;
    fake f;
    lt_gate *g = make_gate(&f, 10, 30000);
    publish_chats(g, 0, 9, LT_GATE_SENT);
    assert_false(lt_gate_paused(g));
    assert_int_equal(f.pauses, 0);
    f.acks_per_poll = 1;
    int64_t start = clock_ms;
    assert_int_equal(publish(g, LT_EVENT_CHAT, 10), LT_GATE_KEPT);
    assert_int_equal(f.polls, 0); /* nothing waited for */
    assert_int_equal(clock_ms, start);
    assert_int_equal(f.pauses, 1);
    assert_true(lt_gate_paused(g));
    lt_gate_stats s;
    lt_gate_get_stats(g, &s);
    assert_int_equal(s.kept, 1);
    assert_int_equal(s.sent_by_type[LT_EVENT_CHAT], 10);
    /* 10 in flight at the start: resumed at 5, each tick acknowledges one;
     * the first tick's report makes room for the kept record */
    int ticks = 0;
    while (lt_gate_tick(g)) {
        assert_int_equal(f.resumes, 0);
        assert_true(++ticks < 20);
    }
    assert_int_equal(f.longest_poll_ms, 0);
    assert_int_equal(f.resumes, 1);
    assert_int_equal(f.in_flight_at_resume, 5);
    assert_false(lt_gate_paused(g));
    assert_false(lt_gate_tick(g)); /* no episode: nothing to do */
    assert_sent_in_order(&f, 0, 10);
    lt_gate_get_stats(g, &s);
    assert_int_equal(s.backpressure_pauses, 1);
    assert_int_equal(s.given_up, 0);
    assert_int_equal(s.sent_by_type[LT_EVENT_CHAT], 11);
    assert_int_equal(s.in_flight, 5);
    assert_int_equal(s.kept, 0);
    assert_int_equal(s.kept_bytes, 0);
    assert_int_equal(s.kept_total, 1);
    lt_gate_destroy(g);
}

/* With the broker down, a burst of records is kept, none of them waiting:
 * no report is served, no time passes, every publish returns KEPT. */
static void a_full_queue_never_blocks(void **state)
{
    (void)state;
    fake f;
    lt_gate *g = make_gate(&f, 0, 30000);
    int64_t start = clock_ms;
    publish_chats(g, 0, 99, LT_GATE_KEPT);
    assert_int_equal(clock_ms, start);
    assert_int_equal(f.polls, 0);
    lt_gate_stats s;
    lt_gate_get_stats(g, &s);
    assert_int_equal(s.kept, 100);
    assert_int_equal(s.kept_total, 100);
    assert_true(s.kept_bytes > 100 * 3);
    assert_int_equal(s.backpressure_pauses, 1);
    assert_int_equal(f.pauses, 1);
    assert_int_equal(s.given_up, 0);
    assert_true(lt_gate_tick(g)); /* still nothing fits */
    assert_int_equal(f.longest_poll_ms, 0);
    assert_int_equal(clock_ms, start);
    lt_gate_destroy(g);
}

/* Kept records are copies, fully built: the value encoded when kept, the
 * key worked out then, the envelope's strings and the extra headers
 * copied, so the caller's memory may change at once. A record published
 * while anything is kept goes behind it even when the queue has room for
 * it by then; the kept ones go out oldest first. */
static void kept_records_go_out_in_order_and_new_ones_queue_behind(void **state)
{
    (void)state;
    fake f;
    lt_gate *g = make_gate(&f, 3, 30000);
    publish_chats(g, 1, 3, LT_GATE_SENT);
    char room[32] = "7000000000000000009";
    char header_value[8] = "abc";
    lt_kafka_header extra = {"bigo_key", header_value, 3};
    lt_event ev = event(LT_EVENT_GIFT, 4);
    ev.room_id = room;
    lt_gate_record rec = {.ev = &ev, .extra = &extra, .extra_count = 1, .opaque = lt_gate_opaque(g, &ev)};
    assert_int_equal(lt_gate_publish(g, &rec, NULL, 0), LT_GATE_KEPT);
    memset(room, 'x', sizeof room - 1); /* the caller's memory, reused */
    memset(header_value, 'y', 3);
    assert_int_equal(publish(g, LT_EVENT_CHAT, 5), LT_GATE_KEPT);
    /* room for one: 4 takes it, 5 stays kept, so 6 goes behind 5 */
    f.acks_per_poll = 1;
    fake_poll(&f, 0);
    assert_int_equal(publish(g, LT_EVENT_CHAT, 6), LT_GATE_KEPT);
    assert_sent_in_order(&f, 1, 4);
    assert_string_equal(f.last_value, "v4");
    assert_string_equal(f.last_key, "7000000000000000009");
    assert_string_equal(f.last_room, "7000000000000000009");
    assert_string_equal(f.last_extra, "bigo_key=abc");
    ack_all(&f);
    while (lt_gate_tick(g))
        ack_all(&f);
    assert_sent_in_order(&f, 1, 6);
    assert_string_equal(f.last_value, "v6");
    lt_gate_stats s;
    lt_gate_get_stats(g, &s);
    assert_int_equal(s.sent_by_type[LT_EVENT_CHAT], 5);
    assert_int_equal(s.sent_by_type[LT_EVENT_GIFT], 1);
    assert_int_equal(s.kept, 0);
    assert_int_equal(s.kept_total, 3);
    assert_int_equal(f.unsent, 0);
    lt_gate_destroy(g);
}

/* With the broker down, records are kept until the episode has lasted
 * backpressure_wait_ms; then the tick gives every kept record up - counted,
 * logged, and reported to its owner (so that whoever counts records in
 * flight by their reports sees them end) but not as a failed delivery -
 * and a record refused from then on is given up at once. 200 are itemised
 * in a 10 s window, the rest told as one count when the window turns (or
 * the gate goes). */
static void give_up_after_wait_counted_and_logged_bounded(void **state)
{
    (void)state;
    fake f;
    lt_gate *g = make_gate(&f, 2, 1000);
    assert_int_equal(publish(g, LT_EVENT_GIFT, 1), LT_GATE_SENT);
    assert_int_equal(publish(g, LT_EVENT_GIFT, 2), LT_GATE_SENT);
    captured cap = capture_stderr();
    assert_int_equal(publish(g, LT_EVENT_GIFT, 3), LT_GATE_KEPT);
    for (int i = 0; i < 249; i++)
        assert_int_equal(publish(g, LT_EVENT_LIKE, 100 + i), LT_GATE_KEPT);
    clock_ms += 999;
    assert_true(lt_gate_tick(g));
    lt_gate_stats s;
    lt_gate_get_stats(g, &s);
    assert_int_equal(s.given_up, 0);
    clock_ms += 1;
    assert_true(lt_gate_tick(g)); /* all given up; paused until the queue drains */
    lt_gate_get_stats(g, &s);
    assert_int_equal(s.given_up, 250);
    assert_int_equal(s.kept, 0);
    assert_int_equal(f.unsent, 250);
    assert_int_equal(s.delivery_failed, 0);
    assert_int_equal(publish(g, LT_EVENT_LIKE, 998), LT_GATE_GIVEN_UP); /* at once */
    clock_ms += LT_GATE_GIVE_UP_WINDOW_MS; /* the window turns: the 51 are told */
    assert_int_equal(publish(g, LT_EVENT_LIKE, 999), LT_GATE_GIVEN_UP);
    lt_gate_get_stats(g, &s);
    lt_gate_destroy(g);
    char *log = release_stderr(&cap);
    assert_int_equal(s.given_up, 252);
    assert_int_equal(s.backpressure_pauses, 1);
    assert_int_equal(s.sent_by_type[LT_EVENT_LIKE], 0);
    assert_int_equal(f.polls, 2); /* the ticks', neither waiting */
    assert_int_equal(f.longest_poll_ms, 0);
    assert_int_equal(count(log, "gave up an event after"), 201);
    assert_non_null(strstr(log,
                           "gave up an event after 1000 ms of Kafka backpressure (room 7000000000000000001, "
                           "gift, msg_id 3)"));
    assert_int_equal(count(log, "gave up 51 more event(s) under Kafka backpressure, not itemised"), 1);
    assert_int_equal(count(log, "Kafka queue full: reading paused on all rooms"), 1);
    free(log);
}

/* The count not yet told is logged when the gate goes. */
static void untold_give_ups_told_at_destroy(void **state)
{
    (void)state;
    fake f;
    lt_gate *g = make_gate(&f, 0, 100);
    captured cap = capture_stderr();
    for (int i = 0; i < LT_GATE_GIVE_UP_ITEMISED + 7; i++)
        assert_int_equal(publish(g, LT_EVENT_CHAT, i), LT_GATE_KEPT);
    clock_ms += 100;
    lt_gate_tick(g);
    lt_gate_destroy(g);
    char *log = release_stderr(&cap);
    assert_int_equal(count(log, "gave up an event after"), LT_GATE_GIVE_UP_ITEMISED);
    assert_int_equal(count(log, "gave up 7 more event(s)"), 1);
    free(log);
}

/* What is kept is bounded in records and in bytes: a record refused past
 * either bound is given up at once, counted and logged as such. */
static void kept_records_are_bounded(void **state)
{
    (void)state;
    fake f;
    lt_gate *g = make_gate_bounded(&f, 0, 30000, 3, 0);
    captured cap = capture_stderr();
    publish_chats(g, 0, 2, LT_GATE_KEPT);
    assert_int_equal(publish(g, LT_EVENT_CHAT, 3), LT_GATE_GIVEN_UP);
    lt_gate_stats s;
    lt_gate_get_stats(g, &s);
    assert_int_equal(s.kept, 3);
    assert_int_equal(s.given_up, 1);
    uint64_t one = s.kept_bytes / 3;
    lt_gate_destroy(g);

    g = make_gate_bounded(&f, 0, 30000, 0, (size_t)(2 * one + one / 2));
    publish_chats(g, 0, 1, LT_GATE_KEPT);
    assert_int_equal(publish(g, LT_EVENT_CHAT, 2), LT_GATE_GIVEN_UP);
    lt_gate_get_stats(g, &s);
    assert_int_equal(s.kept, 2);
    assert_true(s.kept_bytes <= 2 * one + one / 2);
    assert_int_equal(s.given_up, 1);
    lt_gate_destroy(g);
    char *log = release_stderr(&cap);
    assert_int_equal(count(log, "of Kafka backpressure, over the bound of kept records (room"), 2);
    free(log);
}

/* A stop: records are still kept, and the stop's flush sends them in
 * order as reports make room, then waits for the reports; with the broker
 * still down it returns at its bound, counting what is kept as not
 * acknowledged, and gives nothing up. */
static void a_stop_flushes_the_kept_records(void **state)
{
    (void)state;
    fake f;
    lt_gate *g = make_gate(&f, 2, 30000);
    publish_chats(g, 1, 2, LT_GATE_SENT);
    assert_int_equal(publish(g, LT_EVENT_CHAT, 3), LT_GATE_KEPT);
    stop_flag = 1;
    assert_int_equal(publish(g, LT_EVENT_ROOM_STATUS, 4), LT_GATE_KEPT);
    assert_int_equal(publish(g, LT_EVENT_CHAT, 5), LT_GATE_KEPT);
    f.acks_per_poll = 1;
    int64_t start = clock_ms;
    assert_int_equal(lt_gate_flush(g, 10000), 0);
    assert_sent_in_order(&f, 1, 5);
    assert_true(clock_ms - start < 1000);
    lt_gate_stats s;
    lt_gate_get_stats(g, &s);
    assert_int_equal(s.given_up, 0);
    assert_int_equal(s.kept, 0);
    lt_gate_destroy(g);

    g = make_gate(&f, 2, 30000);
    for (int i = 1; i <= 5; i++)
        assert_true(publish(g, LT_EVENT_CHAT, i) >= 0);
    stop_flag = 1;
    start = clock_ms;
    assert_int_equal(lt_gate_flush(g, 300), 5); /* 2 in flight, 3 kept */
    assert_int_equal(clock_ms - start, 300);
    assert_int_equal(lt_gate_flush(g, 300), 5); /* in steps */
    lt_gate_get_stats(g, &s);
    assert_int_equal(s.given_up, 0);
    assert_int_equal(f.unsent, 0);
    lt_gate_destroy(g);
}

/* Sends are counted per type; a record the producer refuses with an error
 * is a publish error, not a wait; so is a kept record refused with an
 * error when it is tried again (reported to its owner as not sent). */
static void counts_per_type_and_refusals(void **state)
{
    (void)state;
    fake f;
    lt_gate *g = make_gate(&f, 64, 30000);
    f.refuse_type = LT_EVENT_UNKNOWN;
    publish_chats(g, 0, 2, LT_GATE_SENT);
    assert_int_equal(publish(g, LT_EVENT_ROOM_STATUS, 0), LT_GATE_SENT);
    captured cap = capture_stderr();
    lt_event ev = event(LT_EVENT_UNKNOWN, 7);
    lt_gate_record rec = {.ev = &ev};
    char err[256] = "";
    assert_int_equal(lt_gate_publish(g, &rec, err, sizeof err), LT_GATE_REFUSED);
    char *log = release_stderr(&cap);
    assert_string_equal(err, "record too large");
    assert_non_null(strstr(log, "publish failed (room 7000000000000000001, unknown): record too large"));
    free(log);
    lt_gate_stats s;
    lt_gate_get_stats(g, &s);
    assert_int_equal(s.sent_by_type[LT_EVENT_CHAT], 3);
    assert_int_equal(s.sent_by_type[LT_EVENT_ROOM_STATUS], 1);
    assert_int_equal(s.sent_by_type[LT_EVENT_UNKNOWN], 0);
    assert_int_equal(s.publish_errors, 1);
    assert_int_equal(s.backpressure_pauses, 0);
    assert_int_equal(f.polls, 0);
    lt_gate_destroy(g);

    g = make_gate(&f, 1, 30000);
    assert_int_equal(publish(g, LT_EVENT_CHAT, 1), LT_GATE_SENT);
    assert_int_equal(publish(g, LT_EVENT_GIFT, 2), LT_GATE_KEPT);
    assert_int_equal(publish(g, LT_EVENT_CHAT, 3), LT_GATE_KEPT);
    f.refuse_type = LT_EVENT_GIFT;
    cap = capture_stderr();
    ack_all(&f);
    lt_gate_tick(g);
    free(release_stderr(&cap));
    assert_int_equal(f.sent_count, 2);
    assert_int_equal(f.sent[0], 1);
    assert_int_equal(f.sent[1], 3); /* the one behind the refused one */
    lt_gate_get_stats(g, &s);
    assert_int_equal(s.publish_errors, 1);
    assert_int_equal(f.unsent, 1);
    assert_int_equal(s.delivery_failed, 0);
    assert_int_equal(s.kept, 0);
    lt_gate_destroy(g);
}

/* The opaque carries type and receive time past the source tag; a report
 * becomes an acknowledgement of that type and a latency observation in the
 * right bucket; a failed report is counted as such. */
static void delivery_accounting_from_reports(void **state)
{
    (void)state;
    fake f;
    lt_gate *g = make_gate(&f, 64, 30000);
    clock_ms += 100;
    lt_event gift = event(LT_EVENT_GIFT, 1);
    gift.ingest_time = clock_ms - 30; /* received 30 ms ago */
    void *opaque = (void *)((uintptr_t)lt_gate_opaque(g, &gift) | lt_source_tag(2));
    assert_int_equal(lt_gate_opaque_received_ms(g, opaque), gift.ingest_time);
    assert_int_equal(lt_gate_opaque_type(opaque), LT_EVENT_GIFT);
    lt_gate_delivered(g, opaque, NULL);
    lt_event chat = event(LT_EVENT_CHAT, 2);
    lt_gate_delivered(g, lt_gate_opaque(g, &chat), NULL);
    lt_gate_delivered(g, lt_gate_opaque(g, &chat), "Broker: Message size too large");
    lt_gate_delivered(g, lt_gate_opaque(g, &chat), lt_gate_kept_unsent); /* counted when given up */
    clock_ms += 40000;                                                   /* past the last bound */
    lt_gate_delivered(g, lt_gate_opaque(g, &chat), NULL);
    lt_gate_stats s;
    lt_gate_get_stats(g, &s);
    assert_int_equal(s.acked_by_type[LT_EVENT_GIFT], 1);
    assert_int_equal(s.acked_by_type[LT_EVENT_CHAT], 2);
    assert_int_equal(s.delivery_failed, 1);
    assert_int_equal(s.latency_count, 3);
    assert_int_equal(s.latency_buckets[0], 1);                      /* 0 ms: <= 1 */
    assert_int_equal(s.latency_buckets[5], 1);                      /* 30 ms: <= 50 */
    assert_int_equal(s.latency_buckets[LT_GATE_LATENCY_BOUNDS], 1); /* 40 s: +Inf */
    assert_true(s.latency_sum_ms >= 40030 && s.latency_sum_ms <= 40031);
    /* the tag the options name is in every opaque the gate makes */
    lt_gate_destroy(g);
    lt_gate_options o = {.producer = {fake_send, fake_poll, fake_in_flight, NULL, NULL, &f},
                         .delivery_tag = lt_source_tag(1),
                         .now_ms = fake_now};
    g = lt_gate_create(&o);
    lt_event later = event(LT_EVENT_CHAT, 3);
    void *tagged = lt_gate_opaque(g, &later);
    assert_int_equal(lt_source_tag_index(tagged), 1);
    assert_int_equal(lt_gate_opaque_received_ms(g, tagged), later.ingest_time);
    assert_int_equal(lt_gate_opaque_type(tagged), LT_EVENT_CHAT);
    lt_gate_delivered(g, tagged, NULL);
    lt_gate_get_stats(g, &s);
    assert_int_equal(s.acked_by_type[LT_EVENT_CHAT], 1);
    lt_gate_destroy(g);
}

/* backpressure_wait_ms < 0 (BIGO, whose sender retries): the reports
 * already in are served and the record tried once more; no pause, no
 * wait, nothing kept. */
static void no_wait_mode_retries_once(void **state)
{
    (void)state;
    fake f;
    lt_gate *g = make_gate(&f, 1, -1);
    assert_int_equal(publish(g, LT_EVENT_CHAT, 1), LT_GATE_SENT);
    f.acks_per_poll = 1;
    assert_int_equal(publish(g, LT_EVENT_CHAT, 2), LT_GATE_SENT); /* the poll made room */
    assert_int_equal(f.polls, 1);
    f.acks_per_poll = 0;
    captured cap = capture_stderr();
    int64_t start = clock_ms;
    assert_int_equal(publish(g, LT_EVENT_CHAT, 3), LT_GATE_GIVEN_UP);
    char *log = release_stderr(&cap);
    free(log);
    assert_int_equal(f.polls, 2);
    assert_int_equal(f.longest_poll_ms, 0);
    assert_int_equal(clock_ms, start);
    assert_int_equal(f.pauses, 0);
    assert_false(lt_gate_paused(g));
    lt_gate_stats s;
    lt_gate_get_stats(g, &s);
    assert_int_equal(s.given_up, 1);
    assert_int_equal(s.backpressure_pauses, 0);
    assert_int_equal(s.kept_total, 0);
    lt_gate_destroy(g);
}

/* One gate for two sources (the collector runtime's): a no_wait record
 * (BIGO's) is tried once more after the reports already in and given up,
 * beginning no episode; source 0's record begins one and is kept. During
 * it the no_wait record is tried at once, not behind the other source's
 * kept record: sent when there is room, given up when not. Each source's
 * counts are its own (by the opaque's source tag); the episode is shared. */
static void one_gate_two_sources_no_wait_per_record(void **state)
{
    (void)state;
    fake f;
    lt_gate *g = make_gate(&f, 2, 30000);
    lt_event ev = event(LT_EVENT_CHAT, 1);
    lt_gate_record tiktok = {.ev = &ev, .opaque = lt_gate_opaque(g, &ev)};
    lt_gate_record bigo = {
        .ev = &ev, .opaque = (void *)(uintptr_t)(0x1000 | lt_source_tag(1)), .no_wait = true};
    char err[256];
    assert_int_equal(lt_gate_publish(g, &tiktok, err, sizeof err), LT_GATE_SENT);
    assert_int_equal(lt_gate_publish(g, &bigo, err, sizeof err), LT_GATE_SENT);
    /* full: BIGO's record is tried once more, no episode, no time passes */
    captured cap = capture_stderr();
    int64_t start = clock_ms;
    assert_int_equal(lt_gate_publish(g, &bigo, err, sizeof err), LT_GATE_GIVEN_UP);
    assert_int_equal(f.polls, 1);
    assert_int_equal(clock_ms, start);
    assert_int_equal(f.pauses, 0);
    /* TikTok's record begins the episode and is kept */
    assert_int_equal(lt_gate_publish(g, &tiktok, err, sizeof err), LT_GATE_KEPT);
    assert_int_equal(f.pauses, 1);
    assert_true(lt_gate_paused(g));
    /* in the episode: BIGO's record takes room it finds, and is given up
     * at once when there is none */
    f.acks_per_poll = 1;
    fake_poll(&f, 0);
    f.acks_per_poll = 0;
    assert_int_equal(lt_gate_publish(g, &bigo, err, sizeof err), LT_GATE_SENT);
    assert_int_equal(lt_gate_publish(g, &bigo, err, sizeof err), LT_GATE_GIVEN_UP);
    assert_int_equal(clock_ms, start);
    assert_int_equal(f.longest_poll_ms, 0);
    free(release_stderr(&cap));
    lt_gate_stats t, b, all;
    lt_gate_get_source_stats(g, 0, &t);
    lt_gate_get_source_stats(g, 1, &b);
    /* the episode is every source's */
    assert_true(t.backpressure && b.backpressure);
    assert_int_equal(t.backpressure_pauses, 1);
    assert_int_equal(b.backpressure_pauses, 1);
    assert_int_equal(t.kept, 1);
    assert_int_equal(b.kept, 0);
    ack_all(&f);
    assert_false(lt_gate_tick(g)); /* the kept record sent; in flight 1, half of 2: resumed */

    lt_gate_get_source_stats(g, 0, &t);
    lt_gate_get_source_stats(g, 1, &b);
    lt_gate_get_stats(g, &all);
    assert_int_equal(t.sent_by_type[LT_EVENT_CHAT], 2);
    assert_int_equal(t.given_up, 0);
    assert_int_equal(t.kept_total, 1);
    assert_int_equal(t.kept, 0);
    assert_int_equal(b.sent_by_type[LT_EVENT_CHAT], 2);
    assert_int_equal(b.given_up, 2);
    assert_int_equal(b.kept_total, 0);
    assert_int_equal(all.sent_by_type[LT_EVENT_CHAT], 4);
    assert_int_equal(all.given_up, 2);
    assert_false(t.backpressure || b.backpressure);
    /* acknowledgements by the tag too: TikTok's first record's */
    assert_int_equal(t.acked_by_type[LT_EVENT_CHAT], 1);
    lt_gate_destroy(g);
}

typedef struct sunk {
    int events;
    lt_event_type last;
    bool full; /* answer "queue full" */
} sunk;

static lt_publish_status sink(void *ctx, const lt_event *ev, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    sunk *s = ctx;
    if (s->full)
        return LT_PUBLISH_BACKPRESSURE;
    s->events++;
    s->last = ev->type;
    return LT_PUBLISH_OK;
}

/* A dry run: events reach the sink and are counted; an encoded value
 * cannot; nothing can be kept, so a record the sink refuses for a full
 * queue is given up at once. */
static void dry_run_sink(void **state)
{
    (void)state;
    sunk s = {0};
    lt_gate_options o = {.sink = sink, .sink_ctx = &s, .now_ms = fake_now};
    lt_gate *g = lt_gate_create(&o);
    lt_event ev = event(LT_EVENT_MEMBER, 1);
    lt_gate_record rec = {.ev = &ev};
    assert_int_equal(lt_gate_publish(g, &rec, NULL, 0), LT_GATE_SENT);
    assert_int_equal(s.events, 1);
    assert_int_equal(s.last, LT_EVENT_MEMBER);
    captured cap = capture_stderr();
    lt_gate_record encoded = {.ev = &ev, .value = "x", .value_len = 1};
    char err[256];
    assert_int_equal(lt_gate_publish(g, &encoded, err, sizeof err), LT_GATE_REFUSED);
    s.full = true;
    int64_t start = clock_ms;
    assert_int_equal(lt_gate_publish(g, &rec, err, sizeof err), LT_GATE_GIVEN_UP);
    assert_int_equal(clock_ms, start);
    char *log = release_stderr(&cap);
    assert_non_null(strstr(log, "of Kafka backpressure, a dry run keeps nothing (room"));
    free(log);
    assert_int_equal(s.events, 1);
    lt_gate_stats st;
    lt_gate_get_stats(g, &st);
    assert_int_equal(st.sent_by_type[LT_EVENT_MEMBER], 1);
    assert_int_equal(st.in_flight, 0);
    assert_int_equal(st.given_up, 1);
    assert_int_equal(st.kept_total, 0);
    lt_gate_destroy(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_queue_keeps_pauses_and_resumes_below_half),
        cmocka_unit_test(a_full_queue_never_blocks),
        cmocka_unit_test(kept_records_go_out_in_order_and_new_ones_queue_behind),
        cmocka_unit_test(give_up_after_wait_counted_and_logged_bounded),
        cmocka_unit_test(untold_give_ups_told_at_destroy),
        cmocka_unit_test(kept_records_are_bounded),
        cmocka_unit_test(a_stop_flushes_the_kept_records),
        cmocka_unit_test(counts_per_type_and_refusals),
        cmocka_unit_test(delivery_accounting_from_reports),
        cmocka_unit_test(no_wait_mode_retries_once),
        cmocka_unit_test(one_gate_two_sources_no_wait_per_record),
        cmocka_unit_test(dry_run_sink),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
