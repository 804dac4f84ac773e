/* gate.c - publish with backpressure and delivery accounting (see gate.h).
 *
 * The opaque of a record is (receive ms since creation << TYPE_BITS) | type,
 * with the source tag's 2 bits above (core/source.h): on a 64-bit system
 * that leaves 56 bits of milliseconds, longer than any process lives; on a
 * 32-bit one 24 bits, which wrap after 4.6 hours: the latency is then taken
 * modulo the same width (right for acknowledgements within 4.6 hours), and
 * the handover's receive second is wrong across a wrap.
 */
#include "kafka/gate.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/source.h"

#define TYPE_BITS 6
#define TYPE_MASK (((uintptr_t)1 << TYPE_BITS) - 1)
#define TAG_MASK ((((uintptr_t)LT_SOURCE_MAX - 1) << LT_SOURCE_TAG_SHIFT))
_Static_assert(LT_EVENT_TYPE_COUNT <= (1 << TYPE_BITS), "event types fit the opaque");

#define WAIT_STEP_MS 50 /* delivery reports served per try while a record waits */

const double lt_gate_latency_bounds_ms[LT_GATE_LATENCY_BOUNDS] = {1,   2,   5,    10,   25,   50,    100,
                                                                  250, 500, 1000, 2500, 5000, 10000, 30000};

struct lt_gate {
    lt_gate_options opts;
    int64_t epoch_ms; /* creation: opaques carry times relative to it */
    lt_gate_stats stats;
    lt_gate_stats by_source[LT_SOURCE_MAX]; /* the counts, by the opaque's source index */
    int64_t backpressure_since;             /* when reading was paused */
    uint64_t resume_below;
    int64_t give_up_window;     /* start of the current window of give-up lines */
    uint64_t given_up_itemised; /* given up and logged one by one in this window */
    uint64_t given_up_untold;   /* past the window's bound: told only as a count */
    int64_t error_log_slot;
};

static int64_t now_ms(const lt_gate *g)
{
    return g->opts.now_ms ? g->opts.now_ms() : lt_now_ms();
}

lt_gate *lt_gate_create(const lt_gate_options *opts)
{
    lt_gate *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->opts = *opts;
    if (g->opts.backpressure_wait_ms == 0)
        g->opts.backpressure_wait_ms = 30000;
    g->epoch_ms = now_ms(g);
    return g;
}

void lt_gate_log_untold(lt_gate *g)
{
    if (g->given_up_untold)
        lt_error("gave up %llu more event(s) under Kafka backpressure, not itemised (over %d a 10 s window; "
                 "%llu given up in total)",
                 (unsigned long long)g->given_up_untold, LT_GATE_GIVE_UP_ITEMISED,
                 (unsigned long long)g->stats.given_up);
    g->given_up_untold = 0;
}

void lt_gate_destroy(lt_gate *g)
{
    if (!g)
        return;
    lt_gate_log_untold(g);
    free(g);
}

/* --- the producer behind the gate --- */

static lt_publish_status send_record(lt_gate *g, const lt_gate_record *rec, char *err, size_t errlen)
{
    lt_publisher *pub = g->opts.publisher;
    if (pub) {
        if (rec->value)
            return lt_publisher_publish_encoded(pub, rec->ev, rec->value, rec->value_len, rec->opaque, err,
                                                errlen);
        if (rec->extra_count)
            return lt_publisher_publish_headers(pub, rec->ev, rec->key, rec->extra, rec->extra_count,
                                                rec->opaque, err, errlen);
        return lt_publisher_publish_keyed(pub, rec->ev, rec->key, rec->opaque, err, errlen);
    }
    if (g->opts.producer.send)
        return g->opts.producer.send(g->opts.producer.ctx, rec, err, errlen);
    if (rec->value || !g->opts.sink) {
        snprintf(err, errlen, "nothing to publish to (a dry run takes events, not encoded values)");
        return LT_PUBLISH_ERROR;
    }
    return g->opts.sink(g->opts.sink_ctx, rec->ev, err, errlen);
}

void lt_gate_poll(lt_gate *g, int timeout_ms)
{
    if (g->opts.publisher)
        lt_publisher_poll(g->opts.publisher, timeout_ms);
    else if (g->opts.producer.poll)
        g->opts.producer.poll(g->opts.producer.ctx, timeout_ms);
}

static uint64_t in_flight(const lt_gate *g)
{
    if (g->opts.publisher) {
        lt_kafka_stats ks;
        lt_kafka_producer_stats(lt_publisher_producer(g->opts.publisher), &ks);
        return ks.in_flight;
    }
    if (g->opts.producer.in_flight)
        return g->opts.producer.in_flight(g->opts.producer.ctx);
    return 0;
}

/* How a record waits for room: reports served, or (a sink) a pause. */
static void wait_step(lt_gate *g)
{
    if (g->opts.publisher || g->opts.producer.poll)
        lt_gate_poll(g, WAIT_STEP_MS);
    else
        nanosleep(&(struct timespec){0, WAIT_STEP_MS * 1000000L}, NULL);
}

/* --- backpressure --- */

static void set_paused(lt_gate *g, bool paused)
{
    g->stats.backpressure = paused;
    if (g->opts.pause)
        g->opts.pause(g->opts.pause_ctx, paused);
}

static void begin_episode(lt_gate *g, int64_t now)
{
    g->backpressure_since = now;
    g->stats.backpressure_pauses++;
    g->resume_below = in_flight(g) / 2;
    set_paused(g, true);
    lt_warn("Kafka queue full: reading paused on all rooms until it drains");
}

bool lt_gate_paused(const lt_gate *g)
{
    return g->stats.backpressure;
}

bool lt_gate_tick(lt_gate *g)
{
    if (!g->stats.backpressure)
        return false;
    lt_gate_poll(g, 0);
    if (in_flight(g) > g->resume_below)
        return true;
    set_paused(g, false);
    lt_info("Kafka queue drained: reading resumed on all rooms");
    return false;
}

static bool stopping(const lt_gate *g)
{
    return g->opts.stop && *g->opts.stop;
}

static void give_up_log(lt_gate *g, const lt_event *ev, int64_t now)
{
    if (now - g->give_up_window >= LT_GATE_GIVE_UP_WINDOW_MS) {
        lt_gate_log_untold(g);
        g->give_up_window = now;
        g->given_up_itemised = 0;
    }
    if (g->given_up_itemised >= LT_GATE_GIVE_UP_ITEMISED) {
        g->given_up_untold++;
        return;
    }
    g->given_up_itemised++;
    int64_t waited = g->stats.backpressure ? now - g->backpressure_since : 0;
    lt_error("gave up an event after %lld ms of Kafka backpressure%s (room %s, %s, msg_id %lld)",
             (long long)waited, stopping(g) ? ", stopping" : "", ev->room_id ? ev->room_id : "",
             lt_event_type_info_get(ev->type)->name, (long long)ev->msg_id);
}

/* The counts of the source that published the record with this opaque. */
static lt_gate_stats *source_of(lt_gate *g, const void *opaque)
{
    return &g->by_source[lt_source_tag_index(opaque)];
}

static lt_gate_result give_up(lt_gate *g, const lt_gate_record *rec, int64_t now, char *err, size_t errlen)
{
    const lt_event *ev = rec->ev;
    g->stats.given_up++;
    source_of(g, rec->opaque)->given_up++;
    give_up_log(g, ev, now);
    snprintf(err, errlen, "Kafka's local queue is full%s", stopping(g) ? " (stopping)" : "");
    return LT_GATE_GIVEN_UP;
}

lt_gate_result lt_gate_publish(lt_gate *g, const lt_gate_record *rec, char *err, size_t errlen)
{
    char own[256];
    if (!err || !errlen) {
        err = own;
        errlen = sizeof own;
    }
    bool retried = false;
    for (;;) {
        lt_publish_status st = send_record(g, rec, err, errlen);
        if (st == LT_PUBLISH_OK) {
            g->stats.sent_by_type[rec->ev->type]++;
            source_of(g, rec->opaque)->sent_by_type[rec->ev->type]++;
            return LT_GATE_SENT;
        }
        if (st == LT_PUBLISH_ERROR) {
            g->stats.publish_errors++;
            source_of(g, rec->opaque)->publish_errors++;
            lt_log_every(&g->error_log_slot, 10000, LT_LOG_ERROR, "publish failed (room %s, %s): %s",
                         rec->ev->room_id ? rec->ev->room_id : "",
                         lt_event_type_info_get(rec->ev->type)->name, err);
            return LT_GATE_REFUSED;
        }
        int64_t now = now_ms(g);
        if (rec->no_wait || g->opts.backpressure_wait_ms < 0) { /* the reports already in, one more try */
            if (retried)
                return give_up(g, rec, now, err, errlen);
            retried = true;
            lt_gate_poll(g, 0);
            continue;
        }
        if (!g->stats.backpressure)
            begin_episode(g, now);
        if (stopping(g) || now - g->backpressure_since >= g->opts.backpressure_wait_ms)
            return give_up(g, rec, now, err, errlen);
        wait_step(g);
    }
}

/* --- delivery accounting --- */

void *lt_gate_opaque(const lt_gate *g, const lt_event *ev)
{
    int64_t received = ev->ingest_time ? ev->ingest_time : now_ms(g);
    if (received < g->epoch_ms) /* an ingest time from before the gate: not a time it can carry */
        received = g->epoch_ms;
    uintptr_t rel = (uintptr_t)(received - g->epoch_ms);
    uintptr_t v = ((rel << TYPE_BITS) | (uintptr_t)ev->type) & ~TAG_MASK;
    return (void *)(v | g->opts.delivery_tag);
}

static uintptr_t untagged(const void *opaque)
{
    return (uintptr_t)opaque & ~TAG_MASK;
}

int64_t lt_gate_opaque_received_ms(const lt_gate *g, const void *opaque)
{
    return g->epoch_ms + (int64_t)(untagged(opaque) >> TYPE_BITS);
}

int64_t lt_gate_epoch_ms(const lt_gate *g)
{
    return g->epoch_ms;
}

static void observe_latency(lt_gate_stats *s, double ms)
{
    size_t i = 0;
    while (i < LT_GATE_LATENCY_BOUNDS && ms > lt_gate_latency_bounds_ms[i])
        i++;
    s->latency_buckets[i]++;
    s->latency_count++;
    s->latency_sum_ms += ms;
}

void lt_gate_delivered(lt_gate *g, const void *opaque, const char *error)
{
    uintptr_t v = untagged(opaque);
    uintptr_t type = v & TYPE_MASK;
    lt_gate_stats *src = source_of(g, opaque);
    if (error) {
        g->stats.delivery_failed++;
        src->delivery_failed++;
        return;
    }
    if (type >= LT_EVENT_TYPE_COUNT)
        return;
    g->stats.acked_by_type[type]++;
    src->acked_by_type[type]++;
    /* modulo the opaque's width of ms, as the receive time was packed */
    uintptr_t now_rel = ((uintptr_t)(now_ms(g) - g->epoch_ms) << TYPE_BITS) & ~TAG_MASK;
    uintptr_t elapsed = ((now_rel - (v & ~TYPE_MASK)) & ~TAG_MASK) >> TYPE_BITS;
    observe_latency(&g->stats, (double)elapsed);
    observe_latency(src, (double)elapsed);
}

void lt_gate_get_stats(const lt_gate *g, lt_gate_stats *out)
{
    *out = g->stats;
    out->in_flight = in_flight(g);
}

void lt_gate_get_source_stats(const lt_gate *g, unsigned source, lt_gate_stats *out)
{
    *out = source < LT_SOURCE_MAX ? g->by_source[source] : (lt_gate_stats){0};
    out->backpressure = g->stats.backpressure;
    out->backpressure_pauses = g->stats.backpressure_pauses;
    out->in_flight = in_flight(g);
}
