/* The publishing gate (kafka/gate.h) against a fake producer with a queue
 * of a fixed size and a fake clock: a full queue pauses reading, reading
 * resumes once in flight is down to half, a record is given up after
 * backpressure_wait_ms (counted, logged at most 200 lines a 10 s window), a
 * stop ends the wait at once, sends are counted per type, and delivery
 * reports become acknowledgements per type and a latency histogram. Time
 * only moves when the fake producer is polled, so nothing here depends on
 * the machine's speed. */
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
 * broker is down). */
typedef struct fake {
    lt_gate *gate;
    size_t cap;
    void *queue[64];
    size_t queued;
    int acks_per_poll;
    int polls;
    int stop_after_polls; /* sets *stop then; 0 = never */
    volatile sig_atomic_t *stop;
    lt_event_type refuse_type; /* answered with an error */
    int pauses, resumes;
    uint64_t in_flight_at_resume;
} fake;

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
    return LT_PUBLISH_OK;
}

static void fake_poll(void *ctx, int timeout_ms)
{
    fake *f = ctx;
    f->polls++;
    clock_ms += timeout_ms;
    for (int i = 0; i < f->acks_per_poll && f->queued; i++) {
        void *opaque = f->queue[0];
        memmove(f->queue, f->queue + 1, --f->queued * sizeof f->queue[0]);
        lt_gate_delivered(f->gate, opaque, NULL);
    }
    if (f->stop_after_polls && f->polls == f->stop_after_polls)
        *f->stop = 1;
}

static uint64_t fake_in_flight(void *ctx)
{
    return ((fake *)ctx)->queued;
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

static lt_gate *make_gate(fake *f, size_t cap, int64_t wait_ms)
{
    memset(f, 0, sizeof *f);
    f->cap = cap;
    f->refuse_type = LT_EVENT_TYPE_COUNT; /* none */
    stop_flag = 0;
    f->stop = &stop_flag;
    lt_gate_options o = {
        .producer = {fake_send, fake_poll, fake_in_flight, f},
        .backpressure_wait_ms = wait_ms,
        .pause = on_pause,
        .pause_ctx = f,
        .stop = &stop_flag,
        .now_ms = fake_now,
    };
    f->gate = lt_gate_create(&o);
    assert_non_null(f->gate);
    return f->gate;
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

/* A full queue pauses reading once; the refused record goes out as soon as
 * a report makes room; reading resumes when in flight is down to half of
 * what it was when the episode began, not before. */
static void full_queue_pauses_and_resumes_below_half(void **state)
{
    (void)state;
    fake f;
    lt_gate *g = make_gate(&f, 10, 30000);
    f.acks_per_poll = 0;
    for (int i = 0; i < 10; i++)
        assert_int_equal(publish(g, LT_EVENT_CHAT, i), LT_GATE_SENT);
    assert_false(lt_gate_paused(g));
    assert_int_equal(f.pauses, 0);
    f.acks_per_poll = 1;
    assert_int_equal(publish(g, LT_EVENT_CHAT, 10), LT_GATE_SENT);
    assert_int_equal(f.pauses, 1);
    assert_int_equal(f.polls, 1); /* one report made room */
    assert_true(lt_gate_paused(g));
    /* 10 in flight at the start: resumed at 5, each tick acknowledges one */
    int ticks = 0;
    while (lt_gate_tick(g)) {
        assert_int_equal(f.resumes, 0);
        assert_true(++ticks < 20);
    }
    assert_int_equal(f.resumes, 1);
    assert_int_equal(f.in_flight_at_resume, 5);
    assert_false(lt_gate_paused(g));
    assert_false(lt_gate_tick(g)); /* no episode: nothing to do */
    lt_gate_stats s;
    lt_gate_get_stats(g, &s);
    assert_int_equal(s.backpressure_pauses, 1);
    assert_int_equal(s.given_up, 0);
    assert_int_equal(s.sent_by_type[LT_EVENT_CHAT], 11);
    assert_int_equal(s.in_flight, 5);
    lt_gate_destroy(g);
}

/* With the broker down, the first record waits backpressure_wait_ms and is
 * given up; the rest of the episode's records are given up at once (no
 * more waiting). Each is counted; 200 are itemised in a 10 s window, the
 * rest told as one count when the window turns (or the gate goes). */
static void give_up_after_wait_counted_and_logged_bounded(void **state)
{
    (void)state;
    fake f;
    lt_gate *g = make_gate(&f, 2, 1000);
    assert_int_equal(publish(g, LT_EVENT_GIFT, 1), LT_GATE_SENT);
    assert_int_equal(publish(g, LT_EVENT_GIFT, 2), LT_GATE_SENT);
    captured cap = capture_stderr();
    int64_t start = clock_ms;
    assert_int_equal(publish(g, LT_EVENT_GIFT, 3), LT_GATE_GIVEN_UP);
    assert_true(clock_ms - start >= 1000);
    assert_true(clock_ms - start < 1100);
    int64_t after_first = clock_ms;
    for (int i = 0; i < 249; i++)
        assert_int_equal(publish(g, LT_EVENT_LIKE, 100 + i), LT_GATE_GIVEN_UP);
    assert_int_equal(clock_ms, after_first); /* no record of the episode waits again */
    clock_ms += LT_GATE_GIVE_UP_WINDOW_MS;   /* the window turns: the 50 are told */
    assert_int_equal(publish(g, LT_EVENT_LIKE, 999), LT_GATE_GIVEN_UP);
    lt_gate_stats s;
    lt_gate_get_stats(g, &s);
    lt_gate_destroy(g);
    char *log = release_stderr(&cap);
    assert_int_equal(s.given_up, 251);
    assert_int_equal(s.backpressure_pauses, 1);
    assert_int_equal(s.sent_by_type[LT_EVENT_LIKE], 0);
    assert_int_equal(count(log, "gave up an event after"), 201);
    assert_non_null(strstr(log, "(room 7000000000000000001, gift, msg_id 3)"));
    assert_int_equal(count(log, "gave up 50 more event(s) under Kafka backpressure, not itemised"), 1);
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
        assert_int_equal(publish(g, LT_EVENT_CHAT, i), LT_GATE_GIVEN_UP);
    lt_gate_destroy(g);
    char *log = release_stderr(&cap);
    assert_int_equal(count(log, "gave up an event after"), LT_GATE_GIVE_UP_ITEMISED);
    assert_int_equal(count(log, "gave up 7 more event(s)"), 1);
    free(log);
}

/* A stop request ends a wait at once, and no wait begins once it is set. */
static void stop_ends_the_wait_at_once(void **state)
{
    (void)state;
    fake f;
    lt_gate *g = make_gate(&f, 0, 30000);
    f.stop_after_polls = 3;
    captured cap = capture_stderr();
    int64_t start = clock_ms;
    assert_int_equal(publish(g, LT_EVENT_CHAT, 1), LT_GATE_GIVEN_UP);
    assert_int_equal(f.polls, 3);
    assert_int_equal(clock_ms - start, 150); /* three steps of 50 ms, not 30 s */
    int polls = f.polls;
    assert_int_equal(publish(g, LT_EVENT_CHAT, 2), LT_GATE_GIVEN_UP);
    assert_int_equal(f.polls, polls);
    lt_gate_destroy(g);
    char *log = release_stderr(&cap);
    assert_int_equal(count(log, ", stopping (room"), 2);
    free(log);
}

/* Sends are counted per type; a record the producer refuses with an error
 * is a publish error, not a wait. */
static void counts_per_type_and_refusals(void **state)
{
    (void)state;
    fake f;
    lt_gate *g = make_gate(&f, 64, 30000);
    f.refuse_type = LT_EVENT_UNKNOWN;
    for (int i = 0; i < 3; i++)
        assert_int_equal(publish(g, LT_EVENT_CHAT, i), LT_GATE_SENT);
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
    lt_gate_delivered(g, opaque, NULL);
    lt_event chat = event(LT_EVENT_CHAT, 2);
    lt_gate_delivered(g, lt_gate_opaque(g, &chat), NULL);
    lt_gate_delivered(g, lt_gate_opaque(g, &chat), "Broker: Message size too large");
    clock_ms += 40000; /* past the last bound */
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
    lt_gate_options o = {.producer = {fake_send, fake_poll, fake_in_flight, &f},
                         .delivery_tag = lt_source_tag(1),
                         .now_ms = fake_now};
    g = lt_gate_create(&o);
    lt_event later = event(LT_EVENT_CHAT, 3);
    void *tagged = lt_gate_opaque(g, &later);
    assert_int_equal(lt_source_tag_index(tagged), 1);
    assert_int_equal(lt_gate_opaque_received_ms(g, tagged), later.ingest_time);
    lt_gate_delivered(g, tagged, NULL);
    lt_gate_get_stats(g, &s);
    assert_int_equal(s.acked_by_type[LT_EVENT_CHAT], 1);
    lt_gate_destroy(g);
}

/* backpressure_wait_ms < 0 (BIGO, whose sender retries): the reports
 * already in are served and the record tried once more; no pause, no wait. */
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
    assert_int_equal(clock_ms, start);
    assert_int_equal(f.pauses, 0);
    assert_false(lt_gate_paused(g));
    lt_gate_stats s;
    lt_gate_get_stats(g, &s);
    assert_int_equal(s.given_up, 1);
    assert_int_equal(s.backpressure_pauses, 0);
    lt_gate_destroy(g);
}

/* One gate for two sources (the collector runtime's): a waiting gate's
 * no_wait record (BIGO's) is tried once more after the reports already in
 * and given up, neither beginning an episode nor waiting; during source 0's
 * episode it is given up at once too. Each source's counts are its own
 * (by the opaque's source tag); the episode is shared. */
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
    /* TikTok's record begins the episode and waits for room (one report) */
    f.acks_per_poll = 1;
    assert_int_equal(lt_gate_publish(g, &tiktok, err, sizeof err), LT_GATE_SENT);
    assert_int_equal(f.pauses, 1);
    assert_true(lt_gate_paused(g));
    /* in the episode, BIGO's record does not wait either */
    f.acks_per_poll = 0;
    start = clock_ms;
    assert_int_equal(lt_gate_publish(g, &bigo, err, sizeof err), LT_GATE_GIVEN_UP);
    assert_int_equal(clock_ms, start);
    free(release_stderr(&cap));

    lt_gate_stats t, b, all;
    lt_gate_get_source_stats(g, 0, &t);
    lt_gate_get_source_stats(g, 1, &b);
    lt_gate_get_stats(g, &all);
    assert_int_equal(t.sent_by_type[LT_EVENT_CHAT], 2);
    assert_int_equal(t.given_up, 0);
    assert_int_equal(b.sent_by_type[LT_EVENT_CHAT], 1);
    assert_int_equal(b.given_up, 2);
    assert_int_equal(all.sent_by_type[LT_EVENT_CHAT], 3);
    assert_int_equal(all.given_up, 2);
    /* the episode is every source's */
    assert_true(t.backpressure && b.backpressure);
    assert_int_equal(t.backpressure_pauses, 1);
    assert_int_equal(b.backpressure_pauses, 1);
    /* acknowledgements by the tag too */
    lt_gate_delivered(g, tiktok.opaque, NULL);
    lt_gate_get_source_stats(g, 0, &t);
    lt_gate_get_source_stats(g, 1, &b);
    assert_int_equal(t.acked_by_type[LT_EVENT_CHAT], 2); /* and the report that made room */
    assert_int_equal(b.acked_by_type[LT_EVENT_CHAT], 0);
    lt_gate_destroy(g);
}

typedef struct sunk {
    int events;
    lt_event_type last;
} sunk;

static lt_publish_status sink(void *ctx, const lt_event *ev, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    sunk *s = ctx;
    s->events++;
    s->last = ev->type;
    return LT_PUBLISH_OK;
}

/* A dry run: events reach the sink and are counted; an encoded value cannot. */
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
    free(release_stderr(&cap));
    assert_int_equal(s.events, 1);
    lt_gate_stats st;
    lt_gate_get_stats(g, &st);
    assert_int_equal(st.sent_by_type[LT_EVENT_MEMBER], 1);
    assert_int_equal(st.in_flight, 0);
    lt_gate_destroy(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_queue_pauses_and_resumes_below_half),
        cmocka_unit_test(give_up_after_wait_counted_and_logged_bounded),
        cmocka_unit_test(untold_give_ups_told_at_destroy),
        cmocka_unit_test(stop_ends_the_wait_at_once),
        cmocka_unit_test(counts_per_type_and_refusals),
        cmocka_unit_test(delivery_accounting_from_reports),
        cmocka_unit_test(no_wait_mode_retries_once),
        cmocka_unit_test(one_gate_two_sources_no_wait_per_record),
        cmocka_unit_test(dry_run_sink),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
