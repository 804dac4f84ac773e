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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/source.h"

#define TYPE_BITS 6
#define TYPE_MASK (((uintptr_t)1 << TYPE_BITS) - 1)
#define TAG_MASK ((((uintptr_t)LT_SOURCE_MAX - 1) << LT_SOURCE_TAG_SHIFT))
_Static_assert(LT_EVENT_TYPE_COUNT <= (1 << TYPE_BITS), "event types fit the opaque");

#define FLUSH_STEP_MS 50 /* a stop's flush serves reports this long between sends of what is kept */

const double lt_gate_latency_bounds_ms[LT_GATE_LATENCY_BOUNDS] = {1,   2,   5,    10,   25,   50,    100,
                                                                  250, 500, 1000, 2500, 5000, 10000, 30000};

const char lt_gate_kept_unsent[] = "kept while Kafka's queue was full, then not sent";

/* A record refused for a full queue, fully built (gate.h): the envelope
 * the headers come from, the key, the extra headers and the encoded value,
 * all pointing into `data`, which this allocation holds. */
typedef struct kept {
    struct kept *next;
    lt_event env;
    const char *key;
    lt_kafka_header extra[LT_PUBLISHER_MAX_EXTRA_HEADERS];
    size_t extra_count;
    const void *value;
    size_t value_len;
    void *opaque;
    size_t bytes; /* the whole allocation, for the bound */
    char data[];
} kept;

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
    kept *kept, **kept_tail; /* oldest first */
    lt_buf encoded;          /* a value being encoded to be kept */
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
    if (!g->opts.kept_max_records)
        g->opts.kept_max_records = LT_GATE_KEPT_MAX_RECORDS;
    if (!g->opts.kept_max_bytes)
        g->opts.kept_max_bytes = LT_GATE_KEPT_MAX_BYTES;
    g->epoch_ms = now_ms(g);
    g->kept_tail = &g->kept;
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
    for (kept *k = g->kept, *next; k; k = next) {
        next = k->next;
        free(k);
    }
    lt_buf_free(&g->encoded);
    free(g);
}

/* --- the producer behind the gate --- */

static lt_publish_status send_record(lt_gate *g, const lt_gate_record *rec, char *err, size_t errlen)
{
    lt_publisher *pub = g->opts.publisher;
    if (pub) {
        if (rec->value)
            return lt_publisher_publish_encoded(pub, rec->ev, rec->key, rec->extra, rec->extra_count,
                                                rec->value, rec->value_len, rec->opaque, err, errlen);
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

/* The value of a record to keep, into g->encoded. */
static int encode(lt_gate *g, const lt_event *ev, char *err, size_t errlen)
{
    lt_buf_reset(&g->encoded);
    if (g->opts.publisher)
        return lt_publisher_encode(g->opts.publisher, ev, &g->encoded, err, errlen);
    return g->opts.producer.encode(g->opts.producer.ctx, ev, &g->encoded, err, errlen);
}

/* The report of a kept record that will not be sent. */
static void report_unsent(lt_gate *g, void *opaque)
{
    if (g->opts.publisher)
        lt_kafka_producer_report(lt_publisher_producer(g->opts.publisher), opaque, lt_gate_kept_unsent);
    else if (g->opts.producer.report)
        g->opts.producer.report(g->opts.producer.ctx, opaque, lt_gate_kept_unsent);
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

static bool episode_over_wait(const lt_gate *g, int64_t now)
{
    return now - g->backpressure_since >= g->opts.backpressure_wait_ms;
}

bool lt_gate_paused(const lt_gate *g)
{
    return g->stats.backpressure;
}

static bool stopping(const lt_gate *g)
{
    return g->opts.stop && *g->opts.stop;
}

/* `why`: what the line says after the wait (NULL: nothing more). */
static void give_up_log(lt_gate *g, const lt_event *ev, int64_t now, const char *why)
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
    lt_error("gave up an event after %lld ms of Kafka backpressure%s%s%s (room %s, %s, msg_id %lld)",
             (long long)waited, why ? ", " : "", why ? why : "", stopping(g) ? ", stopping" : "",
             ev->room_id ? ev->room_id : "", lt_event_type_info_get(ev->type)->name, (long long)ev->msg_id);
}

/* The counts of the source that published the record with this opaque. */
static lt_gate_stats *source_of(lt_gate *g, const void *opaque)
{
    return &g->by_source[lt_source_tag_index(opaque)];
}

static void count_given_up(lt_gate *g, const lt_event *ev, void *opaque, int64_t now, const char *why)
{
    g->stats.given_up++;
    source_of(g, opaque)->given_up++;
    give_up_log(g, ev, now, why);
}

static lt_gate_result give_up(lt_gate *g, const lt_gate_record *rec, int64_t now, const char *why, char *err,
                              size_t errlen)
{
    count_given_up(g, rec->ev, rec->opaque, now, why);
    snprintf(err, errlen, "Kafka's local queue is full%s%s%s", why ? " (" : "", why ? why : "",
             why ? ")" : "");
    return LT_GATE_GIVEN_UP;
}

static void count_sent(lt_gate *g, const lt_gate_record *rec)
{
    g->stats.sent_by_type[rec->ev->type]++;
    source_of(g, rec->opaque)->sent_by_type[rec->ev->type]++;
}

static void count_refused(lt_gate *g, const lt_gate_record *rec, const char *err)
{
    g->stats.publish_errors++;
    source_of(g, rec->opaque)->publish_errors++;
    lt_log_every(&g->error_log_slot, 10000, LT_LOG_ERROR, "publish failed (room %s, %s): %s",
                 rec->ev->room_id ? rec->ev->room_id : "", lt_event_type_info_get(rec->ev->type)->name, err);
}

/* --- what is kept --- */

static size_t length(const char *s)
{
    return s ? strlen(s) + 1 : 0;
}

/* Copies s into *at (NULL stays NULL). */
static const char *copy_string(char **at, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *out = memcpy(*at, s, n);
    *at += n;
    return out;
}

/* In the gate's counts and its source's. */
static void count_kept(lt_gate *g, const kept *k, bool added)
{
    lt_gate_stats *counts[] = {&g->stats, source_of(g, k->opaque)};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        if (added) {
            counts[i]->kept++;
            counts[i]->kept_bytes += k->bytes;
            counts[i]->kept_total++;
        } else {
            counts[i]->kept--;
            counts[i]->kept_bytes -= k->bytes;
        }
    }
}

/* Keeps a copy of a record refused for a full queue (gate.h). NULL when
 * kept, else why it was not. */
static const char *keep(lt_gate *g, const lt_gate_record *rec)
{
    const lt_event *ev = rec->ev;
    const void *value = rec->value;
    size_t value_len = rec->value_len;
    if (!value) {
        char why[256];
        if (!g->opts.publisher && !g->opts.producer.encode)
            return "a dry run keeps nothing";
        if (encode(g, ev, why, sizeof why) != 0)
            return "it could not be encoded to be kept";
        value = g->encoded.data;
        value_len = g->encoded.len;
    }
    char entity[LT_EVENT_KEY_MAX];
    const char *key = rec->key ? rec->key : lt_event_key(ev, entity, sizeof entity);
    size_t extra_count =
        rec->extra_count < LT_PUBLISHER_MAX_EXTRA_HEADERS ? rec->extra_count : LT_PUBLISHER_MAX_EXTRA_HEADERS;
    size_t bytes = sizeof(kept) + value_len + length(key) + length(ev->room_id) + length(ev->collector_id) +
                   length(ev->game_sess);
    for (size_t i = 0; i < extra_count; i++)
        bytes += length(rec->extra[i].name) + rec->extra[i].len;
    if (g->stats.kept >= g->opts.kept_max_records || g->stats.kept_bytes + bytes > g->opts.kept_max_bytes)
        return "over the bound of kept records";
    kept *k = malloc(bytes);
    if (!k)
        return "out of memory to keep it";
    char *at = k->data;
    k->next = NULL;
    k->env = (lt_event){.type = ev->type,
                        .platform = ev->platform,
                        .msg_id = ev->msg_id,
                        .event_time = ev->event_time,
                        .ingest_time = ev->ingest_time};
    k->env.room_id = copy_string(&at, ev->room_id);
    k->env.collector_id = copy_string(&at, ev->collector_id);
    k->env.game_sess = copy_string(&at, ev->game_sess);
    k->key = copy_string(&at, key);
    for (size_t i = 0; i < extra_count; i++) {
        k->extra[i].name = copy_string(&at, rec->extra[i].name);
        k->extra[i].value = rec->extra[i].len ? memcpy(at, rec->extra[i].value, rec->extra[i].len) : at;
        k->extra[i].len = rec->extra[i].len;
        at += rec->extra[i].len;
    }
    k->extra_count = extra_count;
    k->value = value_len ? memcpy(at, value, value_len) : at;
    k->value_len = value_len;
    k->opaque = rec->opaque;
    k->bytes = bytes;
    *g->kept_tail = k;
    g->kept_tail = &k->next;
    count_kept(g, k, true);
    return NULL;
}

static lt_gate_record kept_record(const kept *k)
{
    return (lt_gate_record){.ev = &k->env,
                            .key = k->key,
                            .extra = k->extra,
                            .extra_count = k->extra_count,
                            .value = k->value,
                            .value_len = k->value_len,
                            .opaque = k->opaque};
}

/* Unlinks the oldest kept record (the caller frees it): before its
 * report, which may publish again. */
static kept *take_oldest(lt_gate *g)
{
    kept *k = g->kept;
    g->kept = k->next;
    if (!g->kept)
        g->kept_tail = &g->kept;
    count_kept(g, k, false);
    return k;
}

/* Sends the kept records, oldest first, until the queue refuses one. A
 * record refused with an error is counted, and reported to its owner. */
static void send_kept(lt_gate *g)
{
    while (g->kept) {
        lt_gate_record rec = kept_record(g->kept);
        char err[256] = "";
        lt_publish_status st = send_record(g, &rec, err, sizeof err);
        if (st == LT_PUBLISH_BACKPRESSURE)
            return;
        kept *k = take_oldest(g);
        if (st == LT_PUBLISH_OK) {
            count_sent(g, &rec);
        } else {
            count_refused(g, &rec, err);
            report_unsent(g, k->opaque);
        }
        free(k);
    }
}

/* Sends what fits; once the episode has lasted backpressure_wait_ms, gives
 * up the rest. */
static void drain_kept(lt_gate *g, int64_t now)
{
    send_kept(g);
    if (!g->kept || !episode_over_wait(g, now))
        return;
    while (g->kept) {
        kept *k = take_oldest(g);
        count_given_up(g, &k->env, k->opaque, now, NULL);
        report_unsent(g, k->opaque);
        free(k);
    }
}

bool lt_gate_tick(lt_gate *g)
{
    if (!g->stats.backpressure)
        return false;
    lt_gate_poll(g, 0);
    drain_kept(g, now_ms(g));
    if (g->kept || in_flight(g) > g->resume_below)
        return true;
    set_paused(g, false);
    lt_info("Kafka queue drained: reading resumed on all rooms");
    return false;
}

size_t lt_gate_flush(lt_gate *g, int timeout_ms)
{
    int64_t deadline = now_ms(g) + timeout_ms;
    for (;;) {
        send_kept(g);
        int64_t left = deadline - now_ms(g);
        if (!g->kept || left <= 0)
            break;
        lt_gate_poll(g, left < FLUSH_STEP_MS ? (int)left : FLUSH_STEP_MS);
    }
    int64_t left = g->kept ? 0 : deadline - now_ms(g);
    if (left < 0)
        left = 0;
    if (g->opts.publisher)
        return lt_publisher_flush(g->opts.publisher, (int)left) + g->stats.kept;
    while (g->opts.producer.poll && in_flight(g) && now_ms(g) < deadline) {
        left = deadline - now_ms(g);
        lt_gate_poll(g, left < FLUSH_STEP_MS ? (int)left : FLUSH_STEP_MS);
    }
    return in_flight(g) + g->stats.kept;
}

/* A refused record that may wait: kept, behind what is kept already;
 * given up once the episode has lasted backpressure_wait_ms, or when it
 * cannot be kept. */
static lt_gate_result keep_or_give_up(lt_gate *g, const lt_gate_record *rec, int64_t now, char *err,
                                      size_t errlen)
{
    if (!g->stats.backpressure)
        begin_episode(g, now);
    if (episode_over_wait(g, now))
        return give_up(g, rec, now, NULL, err, errlen);
    const char *why = keep(g, rec);
    if (why)
        return give_up(g, rec, now, why, err, errlen);
    return LT_GATE_KEPT;
}

lt_gate_result lt_gate_publish(lt_gate *g, const lt_gate_record *rec, char *err, size_t errlen)
{
    char own[256];
    if (!err || !errlen) {
        err = own;
        errlen = sizeof own;
    }
    bool may_wait = !rec->no_wait && g->opts.backpressure_wait_ms >= 0;
    if (may_wait && g->kept) {
        int64_t now = now_ms(g);
        drain_kept(g, now);
        if (g->kept) /* behind them, in order */
            return keep_or_give_up(g, rec, now, err, errlen);
    }
    bool retried = false;
    for (;;) {
        lt_publish_status st = send_record(g, rec, err, errlen);
        if (st == LT_PUBLISH_OK) {
            count_sent(g, rec);
            return LT_GATE_SENT;
        }
        if (st == LT_PUBLISH_ERROR) {
            count_refused(g, rec, err);
            return LT_GATE_REFUSED;
        }
        int64_t now = now_ms(g);
        if (may_wait)
            return keep_or_give_up(g, rec, now, err, errlen);
        if (retried) /* no_wait: the reports already in, one more try */
            return give_up(g, rec, now, NULL, err, errlen);
        retried = true;
        lt_gate_poll(g, 0);
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

lt_event_type lt_gate_opaque_type(const void *opaque)
{
    return (lt_event_type)((uintptr_t)opaque & TYPE_MASK);
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
    if (error == lt_gate_kept_unsent) /* counted as given up or refused */
        return;
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
