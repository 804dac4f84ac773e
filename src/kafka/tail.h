/* tail.h - what did Kafka already get from this room recently?
 *
 * When a room starts on a collector that did not collect it a moment ago
 * (group mode: Kafka moved it here from a collector that was stopped or
 * died; standalone: the process restarted), the platform re-sends its recent
 * messages, and the previous owner may already have published them. The
 * room's dedupe window starts empty, so those would reach Kafka twice. The
 * tail reader fills the window from Kafka itself: the msg_id header of every
 * record keyed by the room in the last `lookback_ms` of each event topic.
 *
 * Cost model. A room's records are in one partition per topic (murmur2 of
 * the key, as the producer partitions). Reading a partition's tail yields
 * every room in it, so results are cached per (topic, partition) for
 * `cache_ms` (and until invalidated: the group invalidates on every
 * assignment): a rebalance that moves a thousand rooms reads each affected
 * partition once, not a thousand times. A read is bounded in records and
 * time; when a bound is hit the window is seeded with what was read and the
 * shortfall is logged (a few duplicates become possible, never a loss).
 *
 * Blocking: a read blocks the caller (the collector's loop) for at most
 * `read_timeout_ms`. It happens once per partition per cache period, when a
 * room first learns its room id.
 */
#ifndef LT_KAFKA_TAIL_H
#define LT_KAFKA_TAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kafka/producer.h" /* lt_kafka_property */

typedef struct lt_kafka_tail lt_kafka_tail;

typedef struct lt_kafka_tail_options {
    const char *bootstrap_servers;
    const lt_kafka_property *properties; /* security settings etc., passed through */
    size_t property_count;
    const char *const *topics; /* the event topics */
    size_t topic_count;
    int64_t lookback_ms; /* 0 = 120000 */
    int64_t cache_ms;    /* 0 = 5000 */
    int read_timeout_ms; /* 0 = 10000 */
    size_t max_records;  /* per read; 0 = 2,000,000 */
} lt_kafka_tail_options;

typedef struct lt_kafka_tail_stats {
    uint64_t reads;     /* partition reads (cache misses) */
    uint64_t records;   /* records read */
    uint64_t truncated; /* reads stopped by a bound */
    uint64_t seeded;    /* msg_ids handed out */
} lt_kafka_tail_stats;

lt_kafka_tail *lt_kafka_tail_create(const lt_kafka_tail_options *opts, char *err, size_t errlen);
void lt_kafka_tail_destroy(lt_kafka_tail *t); /* accepts NULL */

/* Calls fn for the msg_id of every record keyed `key` within the lookback,
 * oldest first by the records' timestamps across every topic: a dedupe
 * window smaller than what a busy room sent in the lookback keeps the
 * newest ids of every type (handed out topic by topic, the first topics'
 * newest ids were pushed out by the last topics' older ones). Returns how many ids were handed out, or -1 with
 * err if Kafka could not be read at all (the caller goes on unseeded). */
long lt_kafka_tail_ids(lt_kafka_tail *t, const char *key, void (*fn)(void *ctx, int64_t msg_id), void *ctx,
                       char *err, size_t errlen);

/* Forgets every cached read (call when rooms move here: what their previous
 * owner flushed since the last read must be read again). */
void lt_kafka_tail_invalidate(lt_kafka_tail *t);
/* Forgets the cached reads of the partitions holding `key` that were made
 * before read_before_ms (a room handed over here: its previous owner's last
 * records came after). Reads made since stay: a burst of handovers that
 * end together reads each partition once. */
void lt_kafka_tail_invalidate_key(lt_kafka_tail *t, const char *key, int64_t read_before_ms);

void lt_kafka_tail_get_stats(const lt_kafka_tail *t, lt_kafka_tail_stats *out);

/* The whole window instead of one key: livetap-bigo seeds its ledger at
 * start from the item keys its records carry in a header. Every record of
 * every partition of the topics within the lookback is read (bounded by
 * max_records and, in total, read_timeout_ms; no cache), and fn gets the
 * value of `header` (the last one, if repeated) of each record that has it,
 * with the record's timestamp. value is not NUL-terminated and lives only
 * during the call. */
typedef void (*lt_kafka_tail_record_fn)(void *ctx, const void *value, size_t len, int64_t timestamp_ms);

typedef struct lt_kafka_tail_scan_result {
    size_t partitions;             /* of the topics that exist */
    size_t partitions_with_data;   /* with records in the window */
    size_t unfinished;             /* of them, not read to the end: a bound was hit */
    size_t unreadable;             /* whose window Kafka did not tell (in time): not read */
    uint64_t records;              /* records read */
    uint64_t handed;               /* of them with the header */
    bool record_bound, time_bound; /* which bound stopped the read */
} lt_kafka_tail_scan_result;

/* 0 when read (check res->unfinished and unreadable), -1 with err if Kafka could not be
 * read at all (no metadata, no window offsets); res says what was read
 * before. A topic that does not exist yet has nothing to read. */
int lt_kafka_tail_scan(lt_kafka_tail *t, const char *header, lt_kafka_tail_record_fn fn, void *ctx,
                       lt_kafka_tail_scan_result *res, char *err, size_t errlen);

#endif
