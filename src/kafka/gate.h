/* gate.h - the one way a source's events reach Kafka: publish with
 * backpressure, the give-up rule, and delivery accounting.
 *
 * Every source (TikTok's rooms, BIGO's push and pull) publishes through a
 * gate. The gate does not know what a room is nor which event loop runs:
 * it calls back to stop and resume reading (`pause`), and its owner calls
 * lt_gate_tick every ~20 ms while lt_gate_paused() says reading is paused
 * (a timer of the owner's loop: the collector runtime's, or a TikTok
 * collector's own gate outside the runtime).
 *
 * Backpressure. librdkafka's local queue is shared by everything the
 * process publishes. When a record is refused for a full queue, a
 * backpressure episode begins: the gate calls pause(true), remembers half
 * of what is in flight, and keeps the record - fully built: its value
 * encoded (lt_publisher_encode), its key and headers worked out, every
 * byte copied - and returns LT_GATE_KEPT at once. Nothing waits: the loop
 * goes on answering BIGO's connections, the admin API and TikTok's
 * heartbeats. While anything is kept, a new record goes behind it (kept
 * too, even if the queue has room by then), so a room's records keep their
 * order. lt_gate_tick (and each publish) sends the kept records again,
 * oldest first, as far as the queue takes them; the episode ends with
 * pause(false) once nothing is kept and in flight has fallen to that half.
 *
 * The give-up rule is bounded by the episode, not by the record: once
 * reading has been paused for backpressure_wait_ms, the kept records that
 * still do not fit are given up, and so is at once a record refused from
 * then on. The kept records are bounded too (kept_max_records,
 * kept_max_bytes): a record refused past the bound is given up. A record
 * that cannot be kept (a dry run's sink has no encoder; out of memory) is
 * given up when refused.
 *
 * A kept record counts as accepted (LT_GATE_KEPT): its owner counts it in
 * flight, and its delivery report comes all the same - from Kafka once it
 * is sent, or from the gate (the producer's delivery callback, error
 * lt_gate_kept_unsent) when it is given up or refused after all.
 *
 * A stop: records are kept as while running, and lt_gate_flush sends them
 * within the stop's flush. What is still kept when the flush ends counts
 * as not acknowledged, like what librdkafka still holds.
 *
 * Each record given up is counted and logged with its room, type and
 * msg_id, so that what was lost can be named; at most
 * LT_GATE_GIVE_UP_ITEMISED lines per 10 s window: past that (a flood) the
 * rest of the window is one line with their count.
 *
 * A record that must not wait (BIGO's: BIGO sends an item again when it
 * is refused) is marked no_wait (or the whole gate made so with
 * backpressure_wait_ms < 0): when refused it is tried once more after the
 * reports already in are served, then given up; it begins no episode, is
 * never kept, and does not queue behind the kept records (they are
 * another source's: a record is kept only if it may wait).
 *
 * One gate serves every source of the collector runtime (it creates the
 * gate; the pause callback pauses every source). What each source
 * published is counted apart, by the source index in the record's opaque
 * (core/source.h): lt_gate_get_source_stats.
 *
 * Delivery accounting. lt_gate_opaque packs a record's event type and
 * receive time (ms since the gate's creation; the event's ingest_time, else
 * now) into the opaque its delivery report brings back, so that nothing is
 * allocated per record; lt_gate_delivered turns a report into acknowledged
 * counts per type and the latency histogram (receive to acknowledgement).
 * The opaque's top LT_SOURCE_TAG_BITS bits are left for the runtime's
 * source tag (core/source.h: options.delivery_tag is or-ed in). A source
 * with opaques of its own (BIGO's ledger entries) publishes through the
 * gate all the same and keeps its own delivery accounting.
 *
 * Single-threaded: everything runs on the owner's loop (the delivery
 * reports too: they are served by the poll calls the gate and the loop
 * make; the gate's own polls never wait, but for a stop's lt_gate_flush).
 */
#ifndef LT_KAFKA_GATE_H
#define LT_KAFKA_GATE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/event.h"
#include "kafka/producer.h"
#include "kafka/publisher.h"

typedef struct lt_gate lt_gate;

/* One record to publish. */
typedef struct lt_gate_record {
    /* the event; for an already encoded value (lt_publisher_encode) the
     * envelope its key and headers come from (lt_publisher_publish_encoded) */
    const lt_event *ev;
    const char *key; /* NULL: the data contract's key (core/contract.h) */
    const lt_kafka_header
        *extra; /* headers after the standard ones; at most LT_PUBLISHER_MAX_EXTRA_HEADERS */
    size_t extra_count;
    const void *value; /* encoded value, or NULL: ev is encoded */
    size_t value_len;
    void *opaque; /* comes back in the delivery report; its source tag says whose it is */
    bool no_wait; /* refused: one more try after the reports already in, then given up (above) */
} lt_gate_record;

/* What the gate sends through, when not a publisher: a test's fake
 * producer. send as lt_publisher_publish_*; poll serves delivery reports
 * for up to timeout_ms; in_flight is what is queued and not yet reported;
 * encode as lt_publisher_encode (NULL: no record can be kept); report
 * delivers a report as the producer's delivery callback would. */
typedef struct lt_gate_producer {
    lt_publish_status (*send)(void *ctx, const lt_gate_record *rec, char *err, size_t errlen);
    void (*poll)(void *ctx, int timeout_ms);
    uint64_t (*in_flight)(void *ctx);
    int (*encode)(void *ctx, const lt_event *ev, lt_buf *out, char *err, size_t errlen);
    void (*report)(void *ctx, void *opaque, const char *error);
    void *ctx;
} lt_gate_producer;

/* A dry run's sink: prints the event instead of publishing it. */
typedef lt_publish_status (*lt_gate_sink_fn)(void *ctx, const lt_event *ev, char *err, size_t errlen);

typedef struct lt_gate_options {
    /* Where records go, the first one set: a publisher (borrowed), a fake
     * producer (tests), or a sink (a dry run; encoded values are refused). */
    lt_publisher *publisher;
    lt_gate_producer producer;
    lt_gate_sink_fn sink;
    void *sink_ctx;
    int64_t backpressure_wait_ms; /* 0 = 30000; < 0: no wait, give up when the retry does not fit */
    size_t kept_max_records;      /* 0 = LT_GATE_KEPT_MAX_RECORDS */
    size_t kept_max_bytes;        /* 0 = LT_GATE_KEPT_MAX_BYTES (values, keys, headers, bookkeeping) */
    /* stop (true) or resume (false) reading every room; NULL: nothing to pause */
    void (*pause)(void *ctx, bool paused);
    void *pause_ctx;
    const volatile sig_atomic_t *stop; /* non-zero: stopping (said in the give-up lines); NULL = never */
    uintptr_t delivery_tag;            /* or-ed into every lt_gate_opaque (core/source.h) */
    int64_t (*now_ms)(void);           /* NULL = lt_now_ms (tests pass a clock of their own) */
} lt_gate_options;

/* Negative: not accepted (no delivery report will come). */
typedef enum lt_gate_result {
    LT_GATE_SENT = 0,      /* accepted by the producer (or printed by the sink) */
    LT_GATE_KEPT = 1,      /* kept until the queue has room (above); its report comes all the same */
    LT_GATE_REFUSED = -1,  /* the producer refused it with an error (err says which; logged, rate-limited) */
    LT_GATE_GIVEN_UP = -2, /* the episode outlasted backpressure_wait_ms, or it could not be kept (logged) */
} lt_gate_result;

#define LT_GATE_GIVE_UP_ITEMISED 200 /* give-up lines per window */
#define LT_GATE_GIVE_UP_WINDOW_MS 10000
/* What the gate keeps at most. An episode pauses every source, so what
 * arrives meanwhile is what was already read: the rest of the frames in
 * hand (at most 1,000 messages each), statuses, a gift catalogue. */
#define LT_GATE_KEPT_MAX_RECORDS 20000
#define LT_GATE_KEPT_MAX_BYTES ((size_t)16 << 20)

/* The error of the delivery report of a kept record the gate did not send
 * (given up, or refused by the producer when tried again): already counted
 * by the gate (given_up, publish_errors), so lt_gate_delivered counts it as
 * no failed delivery. Compared by address. */
extern const char lt_gate_kept_unsent[];

/* Upper bounds of the acknowledgement latency histogram (+Inf implied). */
#define LT_GATE_LATENCY_BOUNDS 14
extern const double lt_gate_latency_bounds_ms[LT_GATE_LATENCY_BOUNDS];

typedef struct lt_gate_stats {
    uint64_t sent_by_type[LT_EVENT_TYPE_COUNT];  /* accepted by the producer (or the sink) */
    uint64_t acked_by_type[LT_EVENT_TYPE_COUNT]; /* acknowledged by Kafka (lt_gate_delivered) */
    uint64_t delivery_failed;                    /* reports with an error (lt_gate_delivered) */
    uint64_t publish_errors;                     /* LT_GATE_REFUSED */
    uint64_t given_up;                           /* LT_GATE_GIVEN_UP */
    uint64_t backpressure_pauses;                /* episodes begun */
    uint64_t in_flight;                          /* the producer's, now (the kept records not among them) */
    uint64_t kept;                               /* records kept now (refused for a full queue) */
    uint64_t kept_bytes;                         /* what they hold */
    uint64_t kept_total;                         /* records ever kept */
    bool backpressure;                           /* reading is paused now */
    /* receive to acknowledgement, ms: per bucket of lt_gate_latency_bounds_ms
     * (not cumulative; the last one is +Inf), their count and sum */
    uint64_t latency_buckets[LT_GATE_LATENCY_BOUNDS + 1];
    uint64_t latency_count;
    double latency_sum_ms;
} lt_gate_stats;

lt_gate *lt_gate_create(const lt_gate_options *opts);
/* Logs the give-up count not yet told (lt_gate_log_untold); accepts NULL.
 * Does not flush: records still kept are dropped (a stop's flush has
 * counted them as not acknowledged). */
void lt_gate_destroy(lt_gate *g);
/* Logs the records given up in this window and not itemised, as one count
 * (at a stop, so that the last window's are not lost in silence). */
void lt_gate_log_untold(lt_gate *g);

/* Publishes one record under the rules above; never waits. err (may be
 * NULL) says why when it was not accepted. */
lt_gate_result lt_gate_publish(lt_gate *g, const lt_gate_record *rec, char *err, size_t errlen);

/* While paused: serves the delivery reports already in, sends what is kept
 * as far as the queue takes it, gives up the rest once the episode has
 * lasted backpressure_wait_ms, and ends the episode (pause(false)) once
 * nothing is kept and in flight is down to half of what it was when it
 * began. Returns whether reading is still paused (call again in ~20 ms). */
bool lt_gate_tick(lt_gate *g);
bool lt_gate_paused(const lt_gate *g);

/* Serves delivery reports for up to timeout_ms (a sink: returns at once). */
void lt_gate_poll(lt_gate *g, int timeout_ms);

/* A stop's flush: sends the kept records (in order, as room comes) and
 * waits for the producer's reports, for up to timeout_ms in all. Returns
 * how many records are still neither acknowledged nor failed: the
 * producer's (lt_publisher_flush) and those still kept. Call it again to
 * go on (a flush in steps that says what is left). */
size_t lt_gate_flush(lt_gate *g, int timeout_ms);

/* The opaque of an event's record: its type and receive time (above). */
void *lt_gate_opaque(const lt_gate *g, const lt_event *ev);
/* The receive time (ms since the epoch) an lt_gate_opaque carries, and the
 * gate's creation, which opaques count from. */
int64_t lt_gate_opaque_received_ms(const lt_gate *g, const void *opaque);
/* The event type an lt_gate_opaque carries (the source tag may be in it). */
lt_event_type lt_gate_opaque_type(const void *opaque);
int64_t lt_gate_epoch_ms(const lt_gate *g);
/* A delivery report of a record published with an lt_gate_opaque (the
 * source tag may still be in it): acknowledged per type and latency, or
 * delivery_failed with an error. */
void lt_gate_delivered(lt_gate *g, const void *opaque, const char *error);

/* Every record's counts. */
void lt_gate_get_stats(const lt_gate *g, lt_gate_stats *out);
/* The counts of the records whose opaque carries source index `source`
 * (core/source.h): sent, refused, given up, acknowledged, failed, latency;
 * the episode's fields (backpressure, backpressure_pauses) and in_flight
 * are the gate's, shared by every source. */
void lt_gate_get_source_stats(const lt_gate *g, unsigned source, lt_gate_stats *out);

#endif
