/* The TikTok collector publishes through the gate (kafka/gate.h) and its
 * /metrics show the gate's counts under the names docs/operations.md lists:
 * a record a dry run's sink refuses for a full queue is given up at once
 * (nothing can keep it) and counted, reading is paused meanwhile; behind a
 * producer, a refused record is kept (the publish returns at once, the
 * event counts as published) and shows in the kept gauges, and given up
 * once the episode has lasted backpressure_wait_ms - then counted as given
 * up, no longer as published; sends and acknowledgements are counted per
 * type and the ack latency histogram is filled from delivery reports. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <libwebsockets.h>

#include "core/log.h"
#include "tiktok/collector_internal.h"
#include "tiktok/handover.h"
#include "unit/loop_test_util.h"

typedef struct sink_state {
    bool full; /* answer "queue full" */
    int accepted;
} sink_state;

static lt_publish_status sink(void *ctx, const lt_event *ev, char *err, size_t errlen)
{
    (void)ev, (void)err, (void)errlen;
    sink_state *s = ctx;
    if (s->full)
        return LT_PUBLISH_BACKPRESSURE;
    s->accepted++;
    return LT_PUBLISH_OK;
}

static void assert_metric(lt_tiktok_collector *c, const char *line)
{
    lt_buf out = LT_BUF_INIT;
    assert_int_equal(lt_tiktok_collector_write_metrics(c, &out), 0);
    if (!memmem(out.data, out.len, line, strlen(line)))
        fail_msg("missing \"%s\" in:\n%.*s", line, (int)out.len, (const char *)out.data);
    lt_buf_free(&out);
}

static lt_event chat(void)
{
    lt_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = LT_EVENT_CHAT;
    ev.platform = LT_PLATFORM_TIKTOK;
    ev.room_id = "7000000000000000001";
    ev.msg_id = 42;
    ev.ingest_time = lt_now_ms();
    return ev;
}

static void publishes_through_the_gate(void **state)
{
    (void)state;
    lt_log_set_level(LT_LOG_ERROR);
    sink_state s = {.full = true};
    char err[256];
    lt_tiktok_collector_options o = {.collector_id = "test",
                                     .sink = sink,
                                     .sink_ctx = &s,
                                     .backpressure_wait_ms = 100,
                                     .lws = lt_test_loop()};
    lt_tiktok_collector *c = lt_tiktok_collector_create(&o, err, sizeof err);
    if (!c)
        fail_msg("%s", err);
    lt_event ev = chat();
    int64_t start = lt_now_ms();
    assert_int_equal(lt_tiktok_collector_publish(c, &ev, NULL), -1);
    assert_true(lt_now_ms() - start < 100); /* given up at once: no wait */
    assert_true(lt_gate_paused(c->gate));
    lt_tiktok_collector_stats st;
    lt_tiktok_collector_get_stats(c, &st);
    assert_int_equal(st.events_given_up, 1);
    assert_int_equal(st.backpressure_pauses, 1);
    assert_int_equal(st.events_published, 0);
    assert_metric(c, "livetap_collector_events_given_up_total 1\n");
    assert_metric(c, "livetap_collector_backpressure_pauses_total 1\n");
    assert_metric(c, "livetap_collector_backpressure 1\n");

    s.full = false;
    assert_int_equal(lt_tiktok_collector_publish(c, &ev, NULL), 0);
    assert_int_equal(s.accepted, 1);
    lt_tiktok_collector_get_stats(c, &st);
    assert_int_equal(st.events_by_type[LT_EVENT_CHAT], 1);
    assert_int_equal(st.events_published, 1);
    assert_int_equal(st.acked_by_type[LT_EVENT_CHAT], 0);
    /* the report of that record, as the runtime routes it */
    lt_tiktok_collector_on_delivery(c, lt_gate_opaque(c->gate, &ev), NULL);
    lt_tiktok_collector_get_stats(c, &st);
    assert_int_equal(st.acked_by_type[LT_EVENT_CHAT], 1);
    assert_metric(c, "livetap_collector_events_published_total{type=\"chat\"} 1\n");
    assert_metric(c, "livetap_collector_kafka_ack_latency_ms_count 1\n");
    lt_tiktok_collector_destroy(c);
    lws_context_destroy(o.lws);
}

/* A queue that is always full, on a clock of the test's. */
static int64_t fake_clock_ms = 1000000;
static int64_t fake_now(void)
{
    return fake_clock_ms;
}
static lt_publish_status always_full(void *ctx, const lt_gate_record *rec, char *err, size_t errlen)
{
    (void)ctx, (void)rec, (void)err, (void)errlen;
    return LT_PUBLISH_BACKPRESSURE;
}
static void no_reports(void *ctx, int timeout_ms)
{
    (void)ctx, (void)timeout_ms;
}
static uint64_t none_in_flight(void *ctx)
{
    (void)ctx;
    return 0;
}
static int encode_nothing(void *ctx, const lt_event *ev, lt_buf *out, char *err, size_t errlen)
{
    (void)ctx, (void)ev, (void)err, (void)errlen;
    return lt_buf_append(out, "value", 5);
}
/* as the runtime routes a report: to the collector */
static void report_to_collector(void *ctx, void *opaque, const char *error)
{
    lt_tiktok_collector_on_delivery(*(lt_tiktok_collector **)ctx, opaque, error);
}

static void a_kept_event_counts_as_published_until_given_up(void **state)
{
    (void)state;
    lt_log_set_level(LT_LOG_ERROR);
    lt_tiktok_collector *c = NULL;
    lt_gate_options go = {
        .producer = {always_full, no_reports, none_in_flight, encode_nothing, report_to_collector, &c},
        .backpressure_wait_ms = 100,
        .now_ms = fake_now,
    };
    lt_gate *gate = lt_gate_create(&go);
    assert_non_null(gate);
    sink_state s = {0};
    char err[256];
    lt_tiktok_collector_options o = {
        .collector_id = "test", .sink = sink, .sink_ctx = &s, .gate = gate, .lws = lt_test_loop()};
    c = lt_tiktok_collector_create(&o, err, sizeof err);
    if (!c)
        fail_msg("%s", err);
    lt_event ev = chat();
    assert_int_equal(lt_tiktok_collector_publish(c, &ev, NULL), 0);
    lt_tiktok_collector_stats st;
    lt_tiktok_collector_get_stats(c, &st);
    assert_int_equal(st.events_published, 1);
    assert_int_equal(st.events_kept, 1);
    assert_int_equal(st.events_given_up, 0);
    assert_metric(c, "livetap_collector_backpressure_kept 1\n");
    assert_metric(c, "livetap_collector_backpressure_kept_total 1\n");
    assert_metric(c, "livetap_collector_backpressure 1\n");

    fake_clock_ms += 100;
    lt_gate_tick(gate); /* given up; nothing in flight: resumed */
    lt_tiktok_collector_get_stats(c, &st);
    assert_int_equal(st.events_published, 0);
    assert_int_equal(st.events_kept, 0);
    assert_int_equal(st.events_given_up, 1);
    assert_int_equal(st.acked_by_type[LT_EVENT_CHAT], 0);
    assert_metric(c, "livetap_collector_backpressure_kept 0\n");
    assert_metric(c, "livetap_collector_backpressure_kept_bytes 0\n");
    assert_metric(c, "livetap_collector_events_given_up_total 1\n");
    lt_tiktok_collector_destroy(c);
    lt_gate_destroy(gate);
    lws_context_destroy(o.lws);
}

/* The opaque of a record received `s` seconds after the gate's creation. */
static void *received_at(lt_tiktok_collector *c, double s)
{
    lt_event ev = chat();
    ev.ingest_time = lt_gate_epoch_ms(c->gate) + (int64_t)(s * 1000);
    return lt_gate_opaque(c->gate, &ev);
}

/* A handover's drain waits for the records received before its stop, never
 * for later ones: also once the collector has been up longer than the ring
 * of seconds it counts them in (the later records' slots once belonged to
 * earlier seconds), and a record older than the ring still counts. */
static void a_drain_waits_only_for_records_received_before_it(void **state)
{
    (void)state;
    lt_log_set_level(LT_LOG_ERROR);
    sink_state s = {0};
    char err[256];
    lt_tiktok_collector_options o = {
        .collector_id = "test", .sink = sink, .sink_ctx = &s, .lws = lt_test_loop()};
    lt_tiktok_collector *c = lt_tiktok_collector_create(&o, err, sizeof err);
    if (!c)
        fail_msg("%s", err);
    lt_tiktok_handover_options ho = {0};
    assert_int_equal(lt_tiktok_collector_enable_handover(c, &ho), 0);
    int64_t epoch = lt_gate_epoch_ms(c->gate);

    void *early = received_at(c, 1.5), *before = received_at(c, 200.2), *after = received_at(c, 201.7);
    lt_tiktok_handover_in_flight(c, early, 1);
    lt_tiktok_handover_in_flight(c, before, 1);
    lt_tiktok_handover_in_flight(c, after, 1); /* its slot was second 73's, then 201's */
    assert_false(lt_tiktok_handover_acknowledged_before(c, epoch + 200500));
    lt_tiktok_handover_in_flight(c, before, -1);
    /* the record from second 1 is still in flight */
    assert_false(lt_tiktok_handover_acknowledged_before(c, epoch + 200500));
    lt_tiktok_handover_in_flight(c, early, -1);
    assert_true(lt_tiktok_handover_acknowledged_before(c, epoch + 200500));
    assert_false(lt_tiktok_handover_acknowledged_before(c, epoch + 202000));

    /* a record still in flight when a later second takes its slot */
    void *old = received_at(c, 202.1), *later = received_at(c, 330.4); /* 202 and 330: slot 74 */
    lt_tiktok_handover_in_flight(c, old, 1);
    lt_tiktok_handover_in_flight(c, later, 1);
    lt_tiktok_handover_in_flight(c, after, -1);
    assert_false(lt_tiktok_handover_acknowledged_before(c, epoch + 210000)); /* the old one */
    lt_tiktok_handover_in_flight(c, old, -1);
    assert_true(lt_tiktok_handover_acknowledged_before(c, epoch + 210000));
    assert_false(lt_tiktok_handover_acknowledged_before(c, epoch + 331000));
    lt_tiktok_handover_in_flight(c, later, -1);
    assert_true(lt_tiktok_handover_acknowledged_before(c, epoch + 331000));
    lt_tiktok_collector_destroy(c);
    lws_context_destroy(o.lws);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(publishes_through_the_gate),
        cmocka_unit_test(a_kept_event_counts_as_published_until_given_up),
        cmocka_unit_test(a_drain_waits_only_for_records_received_before_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
