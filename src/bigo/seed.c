/* seed.c - dedupe across restarts: the ledger starts with what Kafka holds.
 *
 * The ledger (ledger.h) lives in memory. If the process dies while a batch
 * is half in Kafka (some items acknowledged, no 200 sent yet), BIGO sends
 * the batch again to the restarted receiver, and pull, which starts an hour
 * back (pull.lookback_s), pages through items published before the restart.
 * An empty ledger would publish all of those a second time.
 *
 * So every record lt_bigo publishes carries its ledger key in the header
 * bigo_key (bigo.c), and at start, before the push server takes a business
 * message and before pull starts, the last lookback_s of the topics it
 * publishes to (chat, gift, like, unknown, room_status; not gift_info, whose
 * ledger keys are a per-process counter) are read back with the Kafka tail
 * reader (kafka/tail.h: every partition, from the first record at or after
 * now - lookback to the end) and their keys marked done.
 *
 * The keys are collected first and handed to the ledger sorted by record
 * time, so that beyond push.dedupe_capacity the newest are kept - what the
 * ledger would have held had the process not restarted. Peak memory is
 * therefore about twice the ledger's for a moment.
 *
 * Failure is never fatal: Kafka unreadable, a bound hit (seed_timeout_ms,
 * seed_max_records), out of memory - each is logged with what it means (an
 * item Kafka already had may be published again if BIGO or pull brings it
 * again: a few duplicates, never a loss), counted (outcome incomplete or
 * failed) and the receiver starts with what was read. Records that topics
 * share with other producers (TikTok's, with the same topic prefix) are
 * read too and skipped: they have no bigo_key.
 *
 * The read blocks lt_bigo_create (the loop is not running yet: the port is
 * bound, connections wait in its backlog, probes are not answered) for at
 * most seed_timeout_ms.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "bigo/internal.h"
#include "core/buf.h"
#include "core/log.h"
#include "kafka/tail.h"

/* the ledger keys lt_bigo writes: bigo.c */
#define MAX_KEY (3 * LT_BIGO_MAX_ID + 32)

static const lt_event_type seeded_types[] = {
    LT_EVENT_CHAT, LT_EVENT_GIFT, LT_EVENT_LIKE, LT_EVENT_UNKNOWN, LT_EVENT_ROOM_STATUS,
};
#define SEEDED_TYPE_COUNT (sizeof seeded_types / sizeof seeded_types[0])

/* The keys read back: their bytes in one buffer, (offset, length, time)
 * per key (offsets, not pointers: the buffer moves as it grows). */
typedef struct seed_entry {
    size_t off;
    size_t len;
    int64_t time_ms;
} seed_entry;

typedef struct collected {
    lt_buf bytes;
    seed_entry *keys;
    size_t n, cap;
    uint64_t skipped; /* empty or oversized values */
    bool oom;
} collected;

static void collect(void *ctx, const void *value, size_t len, int64_t timestamp_ms)
{
    collected *c = ctx;
    if (c->oom)
        return;
    if (len == 0 || len > MAX_KEY) {
        c->skipped++;
        return;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 4096;
        seed_entry *keys = realloc(c->keys, cap * sizeof *keys);
        if (!keys) {
            c->oom = true;
            return;
        }
        c->keys = keys;
        c->cap = cap;
    }
    size_t off = c->bytes.len;
    if (lt_buf_append(&c->bytes, value, len)) {
        c->oom = true;
        return;
    }
    c->keys[c->n++] = (seed_entry){off, len, timestamp_ms};
}

/* Collected keys into the ledger; -1 if out of memory. */
static long apply(lt_bigo *b, collected *c, size_t *left_out)
{
    *left_out = 0;
    if (!c->n)
        return 0;
    lt_bigo_seed_key *keys = malloc(c->n * sizeof *keys);
    if (!keys)
        return -1;
    for (size_t i = 0; i < c->n; i++)
        keys[i] = (lt_bigo_seed_key){(const char *)c->bytes.data + c->keys[i].off, c->keys[i].len,
                                     c->keys[i].time_ms};
    long added = lt_bigo_ledger_seed(b->ledger, keys, c->n, left_out);
    free(keys);
    return added;
}

/* The distinct topics of the seeded types (overrides may merge some). */
static size_t seeded_topics(const lt_bigo *b, const char **topics)
{
    size_t n = 0;
    for (size_t i = 0; i < SEEDED_TYPE_COUNT; i++) {
        const char *t = lt_publisher_topic(b->opts.publisher, seeded_types[i]);
        bool seen = false;
        for (size_t j = 0; j < n && !seen; j++)
            seen = strcmp(topics[j], t) == 0;
        if (t && !seen)
            topics[n++] = t;
    }
    return n;
}

static void finish(lt_bigo *b, int outcome, const collected *c, uint64_t records, int64_t started)
{
    b->stats.seed_outcome = outcome;
    b->stats.seed_records = records;
    b->stats.seed_ms = (uint64_t)(lt_now_ms() - started);
    lt_info("dedupe: seeded %llu keys from %llu records in %.1f s (last %d s of Kafka%s)",
            (unsigned long long)b->stats.seed_keys, (unsigned long long)records, b->stats.seed_ms / 1000.0,
            b->opts.seed.lookback_s,
            outcome == LT_BIGO_SEED_COMPLETE ? "" : outcome == LT_BIGO_SEED_INCOMPLETE ? "; incomplete" : "; failed");
    if (c && c->skipped)
        lt_warn("dedupe: %llu records carried an empty or oversized bigo_key header (ignored)",
                (unsigned long long)c->skipped);
}

void lt_bigo_seed(lt_bigo *b)
{
    const lt_bigo_seed_options *o = &b->opts.seed;
    if (!o->enabled || !b->opts.publisher) {
        b->stats.seed_outcome = LT_BIGO_SEED_OFF;
        return;
    }
    int64_t started = lt_now_ms();
    const char *topics[SEEDED_TYPE_COUNT];
    lt_kafka_tail_options to = {
        .bootstrap_servers = o->bootstrap_servers,
        .properties = o->properties,
        .property_count = o->property_count,
        .topics = topics,
        .topic_count = seeded_topics(b, topics),
        .lookback_ms = (int64_t)o->lookback_s * 1000,
        .read_timeout_ms = o->timeout_ms,
        .max_records = o->max_records,
    };
    char err[512] = "";
    collected c = {0};
    lt_kafka_tail_scan_result r = {0};
    lt_kafka_tail *tail = lt_kafka_tail_create(&to, err, sizeof err);
    int rc = tail ? lt_kafka_tail_scan(tail, LT_BIGO_KEY_HEADER, collect, &c, &r, err, sizeof err) : -1;
    lt_kafka_tail_destroy(tail);
    size_t left_out = 0;
    long added = c.oom ? -1 : apply(b, &c, &left_out);
    b->stats.seed_keys = added > 0 ? (uint64_t)added : 0;
    b->stats.seed_left_out = left_out;
    int outcome = LT_BIGO_SEED_COMPLETE;
    if (rc < 0) {
        outcome = LT_BIGO_SEED_FAILED;
        lt_warn("dedupe: could not read the last %d s back from Kafka (%s): an item Kafka got before this start "
                "may be published again if BIGO re-sends it or pull brings it again - a few duplicates possible, "
                "never a loss",
                o->lookback_s, err);
    } else if (r.unfinished || r.unreadable) {
        outcome = LT_BIGO_SEED_INCOMPLETE;
        lt_warn("dedupe: reading Kafka back stopped at %s (%llu records read; of %zu partitions %zu not read to the "
                "end, %zu not found in time): items Kafka got before this start may be published again if BIGO "
                "re-sends them or pull brings them again - a few duplicates possible, never a loss",
                r.record_bound ? "dedupe.seed_max_records"
                : r.time_bound ? "dedupe.seed_timeout_ms"
                               : "partitions Kafka gave no window for",
                (unsigned long long)r.records,
                r.partitions, r.unfinished, r.unreadable);
    }
    if (added < 0) {
        outcome = LT_BIGO_SEED_FAILED;
        lt_warn("dedupe: out of memory seeding the ledger from Kafka: a few duplicates possible, never a loss");
    }
    if (left_out)
        lt_warn("dedupe: Kafka held %zu more keys than push.dedupe_capacity (%zu); the newest were kept. Raise "
                "push.dedupe_capacity to cover dedupe.seed_lookback_s",
                left_out, b->opts.dedupe_capacity);
    finish(b, outcome, &c, r.records, started);
    lt_buf_free(&c.bytes);
    free(c.keys);
#ifdef __GLIBC__
    /* the consumer's fetch buffers were freed in its threads' arenas: give
     * them back rather than keep the peak for the life of the process */
    malloc_trim(0);
#endif
}
