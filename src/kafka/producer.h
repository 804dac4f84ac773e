/* producer.h - livetap's Kafka producer (librdkafka).
 *
 * Idempotent, acks=all, murmur2_random partitioner (Java-compatible, so Java
 * and Go clients agree on a room's partition); any librdkafka property can be
 * passed through. Counters are driven by delivery reports, never by enqueue:
 * a record counts as delivered only when the broker acknowledged it. A full
 * local queue is returned to the caller as LT_KAFKA_QUEUE_FULL (backpressure
 * the caller must act on); nothing is dropped silently.
 *
 * Threading: librdkafka runs its own threads; delivery callbacks run inside
 * lt_kafka_producer_poll()/flush() on the caller's thread, which for the
 * collector is its event loop.
 */
#ifndef LT_KAFKA_PRODUCER_H
#define LT_KAFKA_PRODUCER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kafka/conf.h" /* lt_kafka_property */

typedef struct lt_kafka_producer lt_kafka_producer;

typedef enum lt_kafka_status {
    LT_KAFKA_OK = 0,
    LT_KAFKA_QUEUE_FULL = 1, /* local queue full: poll, then retry or push back */
    LT_KAFKA_ERROR = -1,
} lt_kafka_status;

/* Called once per record when its fate is known. `error` is NULL on success,
 * else librdkafka's reason. `opaque` is what was passed to send. */
typedef void (*lt_kafka_delivery_cb)(void *cb_ctx, void *opaque, const char *error);

typedef struct lt_kafka_options {
    const char *bootstrap_servers;
    const char *client_id;               /* optional */
    const lt_kafka_property *properties; /* passed through to librdkafka, applied last */
    size_t property_count;
    lt_kafka_delivery_cb on_delivery; /* optional */
    void *cb_ctx;
} lt_kafka_options;

typedef struct lt_kafka_header {
    const char *name;
    const void *value;
    size_t len;
} lt_kafka_header;

typedef struct lt_kafka_stats {
    uint64_t queued;            /* accepted into the local queue */
    uint64_t delivered;         /* acknowledged by the broker */
    uint64_t failed;            /* given up on, with a delivery error */
    uint64_t queue_full;        /* sends refused because the queue was full */
    uint64_t in_flight;         /* queued - delivered - failed */
    uint64_t waiting_for_topic; /* kept because librdkafka did not know their topic (producer.c) */
    uint64_t parked_total;      /* records ever kept so */
} lt_kafka_stats;

lt_kafka_producer *lt_kafka_producer_create(const lt_kafka_options *opts, char *err, size_t errlen);
/* Destroys without flushing (call lt_kafka_producer_flush first). Accepts NULL. */
void lt_kafka_producer_destroy(lt_kafka_producer *p);

/* Asks the cluster for metadata within `timeout_ms`: 0 if a broker answered,
 * else -1 with the reason in err. Used at start-up to fail fast. */
int lt_kafka_producer_check(lt_kafka_producer *p, int timeout_ms, char *err, size_t errlen);

/* Enqueues one record; the value is copied. */
lt_kafka_status lt_kafka_producer_send(lt_kafka_producer *p, const char *topic, const void *key,
                                       size_t key_len, const void *value, size_t value_len,
                                       const lt_kafka_header *headers, size_t header_count, void *opaque,
                                       char *err, size_t errlen);

/* Serves delivery reports (and the reachability probe); returns how many
 * reports were served. */
int lt_kafka_producer_poll(lt_kafka_producer *p, int timeout_ms);

/* Waits up to timeout_ms for every queued record's delivery report; returns
 * how many records are still undelivered (0 = all done), including records
 * kept for an unknown topic. */
size_t lt_kafka_producer_flush(lt_kafka_producer *p, int timeout_ms);

void lt_kafka_producer_stats(const lt_kafka_producer *p, lt_kafka_stats *out);

/* Replaces the delivery callback given at creation (NULL = none): for a
 * component created after the producer, like the collector's metrics. */
void lt_kafka_producer_set_delivery_cb(lt_kafka_producer *p, lt_kafka_delivery_cb cb, void *cb_ctx);
/* Calls the delivery callback for a record the caller accepted and kept
 * but never sent (kafka/gate.h: given up while Kafka's queue was full), so
 * that whoever counts records by their reports sees its end too. In none
 * of the producer's counts: it never reached the producer. */
void lt_kafka_producer_report(lt_kafka_producer *p, void *opaque, const char *error);

/* Whether a broker answers, from evidence the producer has anyway: the
 * start-up check, delivery reports (success, or a record timed out) and
 * librdkafka's "all brokers are down". An idle producer has no such
 * evidence, so lt_kafka_producer_poll() then sends a small asynchronous
 * probe (DescribeConfigs of one topic, answered by any broker) every
 * LT_KAFKA_PROBE_MS: nothing blocks, and a busy producer sends no probe. */
#define LT_KAFKA_PROBE_MS 10000
typedef struct lt_kafka_health {
    bool reachable;          /* the latest evidence is an answer, at most 3 probe periods old */
    int64_t last_ok_ms;      /* a broker last answered (0 = never) */
    int64_t last_failure_ms; /* the latest sign of trouble (0 = none) */
    char reason[256];        /* that trouble, for a person */
} lt_kafka_health;

void lt_kafka_producer_health(const lt_kafka_producer *p, int64_t now_ms, lt_kafka_health *out);
/* The topic the probe describes (any name works: an unknown topic is still
 * an answer); NULL = "livetap.room_status". Copied. */
int lt_kafka_producer_set_probe_topic(lt_kafka_producer *p, const char *topic);

/* Creates a log-compacted topic (cleanup.policy=compact) with the broker's
 * default partitions and replication; an existing topic is fine. 0 on
 * success, -1 with the reason (e.g. no permission to create topics). */
int lt_kafka_producer_ensure_compacted(lt_kafka_producer *p, const char *topic, int timeout_ms, char *err,
                                       size_t errlen);
/* The same with a partition count (<= 0: the broker's default) and the
 * cleanup policy chosen. */
int lt_kafka_producer_ensure_topic(lt_kafka_producer *p, const char *topic, int partitions, bool compacted,
                                   int timeout_ms, char *err, size_t errlen);

#endif
