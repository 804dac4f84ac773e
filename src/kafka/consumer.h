/* consumer.h - the one Kafka consumer of a process (librdkafka, manual assign).
 *
 * The sidecar reads every partition of a fixed list of topics with a single
 * rd_kafka_t and assign() - never a consumer group, never a consumer per
 * client: group membership would add rebalances and committed offsets that
 * mean nothing to a fan-out process, and a consumer per client is the
 * anti-pattern that makes bridges fall over (group metadata churn, rebalances).
 *
 * Positions. Partitions present at start-up are read from their high
 * watermark (only new data); partitions that appear later (topic created
 * after start) are read from the beginning, because all their data is new.
 * Per partition the consumer tracks `high` (one past the greatest offset
 * ever delivered) and `epoch` (bumped on every seek).
 *
 * Replay (resume by offset, or by time via offsets_for_times) re-reads a
 * partition with the same consumer: the partition is seeked back and read
 * forward again, so the replayed records and the live ones are one
 * contiguous stream - no gap and no duplicate at the seam. Records below
 * `high` are delivered with fresh=false: they were delivered before, and
 * only the replaying subscriber wants them. The cost is that a partition
 * being replayed delays the live records behind it; max_replay_records
 * bounds how far back one request may go. A request is answered through
 * on_replay *in stream order*: every record delivered after the answer on a
 * partition of the plan with epoch >= the plan's epoch continues the
 * stream the plan describes.
 *
 * Kafka availability. The consumer tells its sink when Kafka goes away and
 * when it is back, in stream order: down when librdkafka reports every
 * broker down (a broker process killed or a network cut: at once) or when
 * two metadata refreshes in a row get no answer (a broker that hangs); up
 * when a metadata request is answered again. librdkafka keeps the fetch
 * positions meanwhile, so the stream simply continues after an outage.
 *
 * Threading: lt_kafka_consumer_start() runs the loop in its own thread; all
 * sink callbacks run on that thread, in order. lt_kafka_consumer_replay()
 * and the stats accessors may be called from any thread.
 */
#ifndef LT_KAFKA_CONSUMER_H
#define LT_KAFKA_CONSUMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kafka/producer.h" /* lt_kafka_property */

typedef struct lt_kafka_consumer lt_kafka_consumer;

typedef struct lt_kafka_record {
    int topic;             /* index into lt_kafka_consumer_options.topics */
    int32_t partition;
    int64_t offset;
    int64_t timestamp;     /* ms since epoch (CreateTime or LogAppendTime), -1 if none */
    const void *key;
    size_t key_len;
    const void *value;
    size_t value_len;
    uint32_t epoch;        /* the partition's seek generation */
    bool fresh;            /* offset >= high: never delivered before */
    const void *internal;  /* for lt_kafka_record_header() */
} lt_kafka_record;

/* One partition's start in a replay request: an offset, or (offset < 0) the
 * first record with timestamp >= since_ms. */
typedef struct lt_kafka_replay_entry {
    int topic;
    int32_t partition;
    int64_t offset;
    int64_t since_ms;
} lt_kafka_replay_entry;

/* The answer: from this point in the stream the subscriber wants records of
 * (topic, partition) with offset >= start and epoch >= epoch. `current` is
 * the partition's epoch at the time of the answer (== epoch unless a seek
 * was not needed). */
typedef struct lt_kafka_replay_start {
    int topic;
    int32_t partition;
    int64_t start;
    uint32_t epoch;
    int64_t high;          /* the partition's high at the answer */
} lt_kafka_replay_start;

typedef struct lt_kafka_consumer_sink {
    void *ctx;
    /* A partition was assigned, to be read from `start` (its high). */
    void (*on_partition)(void *ctx, int topic, int32_t partition, int64_t start);
    void (*on_record)(void *ctx, const lt_kafka_record *rec);
    /* After each batch: a good moment to hand work over to another thread. */
    void (*on_batch_end)(void *ctx);
    /* A replay request was resolved (error == NULL) or refused. */
    void (*on_replay)(void *ctx, uint64_t request_id, const lt_kafka_replay_start *starts, size_t n,
                      const char *error);
    /* Optional: Kafka became unreachable (up = false, `reason` says why) or
     * reachable again (up = true; `down_ms` is how long it was away). */
    void (*on_availability)(void *ctx, bool up, const char *reason, int64_t down_ms);
} lt_kafka_consumer_sink;

typedef struct lt_kafka_consumer_options {
    const char *bootstrap_servers;
    const char *client_id;                 /* optional */
    const char *const *topics;
    size_t topic_count;
    const lt_kafka_property *properties;   /* passed through to librdkafka, applied last */
    size_t property_count;
    int metadata_refresh_ms;               /* new topics/partitions; 0 = 2000 */
    int64_t max_replay_records;            /* per partition; 0 = 1000000 */
    lt_kafka_consumer_sink sink;
} lt_kafka_consumer_options;

typedef struct lt_kafka_consumer_stats {
    uint64_t records;          /* delivered to the sink */
    uint64_t bytes;
    uint64_t replayed;         /* records delivered with fresh = false */
    uint64_t seeks;
    uint64_t errors;           /* consumer errors reported by librdkafka */
    int64_t lag;               /* sum over partitions of high watermark - high, -1 unknown */
    int partitions;            /* assigned */
    int64_t last_metadata_ms;  /* last successful metadata answer, 0 never */
    bool kafka_up;             /* false from an outage's detection to the next metadata answer */
    int64_t down_since_ms;     /* when the current outage was detected, 0 if up */
    uint64_t outages;          /* outages detected */
} lt_kafka_consumer_stats;

lt_kafka_consumer *lt_kafka_consumer_create(const lt_kafka_consumer_options *opts, char *err,
                                            size_t errlen);
/* Stops the thread if running. Accepts NULL. */
void lt_kafka_consumer_destroy(lt_kafka_consumer *c);

/* Fetches metadata and assigns every existing partition at its high
 * watermark (synchronously, so a caller can fail fast), then starts the
 * thread. -1 with the reason in err if no broker answers within
 * timeout_ms. */
int lt_kafka_consumer_start(lt_kafka_consumer *c, int timeout_ms, char *err, size_t errlen);
/* Stops and joins the thread; the sink is not called after it returns. */
void lt_kafka_consumer_stop(lt_kafka_consumer *c);

/* Queues a replay request (copied); answered via sink.on_replay. */
int lt_kafka_consumer_replay(lt_kafka_consumer *c, uint64_t request_id,
                             const lt_kafka_replay_entry *entries, size_t n);

void lt_kafka_consumer_stats_get(lt_kafka_consumer *c, lt_kafka_consumer_stats *out);

/* The last value of header `name` of a record delivered to on_record (only
 * valid inside the callback). 0 if found. */
int lt_kafka_record_header(const lt_kafka_record *rec, const char *name, const void **value,
                           size_t *len);

/* The partition Kafka's default (Java) partitioner and librdkafka's
 * murmur2_random give a non-empty key: murmur2(key) & 0x7fffffff mod n. */
int32_t lt_kafka_partition_for_key(const void *key, size_t len, int32_t partition_count);
uint32_t lt_kafka_murmur2(const void *key, size_t len);

#endif
