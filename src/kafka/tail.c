/* tail.c - reading the recent msg_ids of a key back from the event topics.
 *
 * See tail.h. One consumer handle, never in a group (assign() only, nothing
 * committed). A read: offsets_for_times(now - lookback) gives where each
 * wanted partition's window starts, the high watermark where it ends; the
 * partitions are assigned at those offsets and consumed until each reached
 * its end (or a bound). Per (topic, partition) the result is a list of
 * (hash of key, msg_id) sorted by hash, so a lookup is a binary search.
 */
#include "kafka/tail.h"

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "core/log.h"
#include "kafka/conf.h"
#include "kafka/consumer.h" /* lt_kafka_partition_for_key */

typedef struct tail_id {
    uint64_t hash;
    int64_t msg_id;
    int64_t ts;   /* the record's timestamp (ms): oldest first across topics */
    uint32_t seq; /* arrival order within the partition, for oldest-first */
} tail_id;

typedef struct part_cache {
    int64_t read_at; /* 0 = never read */
    tail_id *ids;
    size_t n, cap;
} part_cache;

typedef struct topic_cache {
    char *name;
    int32_t partitions; /* 0 = topic unknown to the cluster (yet) */
    part_cache *parts;
} topic_cache;

struct lt_kafka_tail {
    lt_kafka_tail_options opts;
    rd_kafka_t *rk;
    topic_cache *topics;
    size_t topic_count;
    int64_t metadata_at;
    lt_kafka_tail_stats stats;
};

static uint64_t key_hash(const void *key, size_t len)
{
    const unsigned char *p = key;
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

static int cmp_id(const void *a, const void *b)
{
    const tail_id *x = a, *y = b;
    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

lt_kafka_tail *lt_kafka_tail_create(const lt_kafka_tail_options *opts, char *err, size_t errlen)
{
    lt_kafka_tail *t = calloc(1, sizeof *t);
    rd_kafka_conf_t *conf = NULL;
    if (!t)
        goto oom;
    t->opts = *opts;
    if (!t->opts.lookback_ms)
        t->opts.lookback_ms = 120000;
    if (!t->opts.cache_ms)
        t->opts.cache_ms = 5000;
    if (!t->opts.read_timeout_ms)
        t->opts.read_timeout_ms = 10000;
    if (!t->opts.max_records)
        t->opts.max_records = 2000000;
    t->topics = calloc(opts->topic_count ? opts->topic_count : 1, sizeof *t->topics);
    if (!t->topics)
        goto oom;
    t->topic_count = opts->topic_count;
    for (size_t i = 0; i < opts->topic_count; i++)
        if (!(t->topics[i].name = strdup(opts->topics[i])))
            goto oom;
    char group[64];
    snprintf(group, sizeof group, "livetap-tail-%ld", (long)lt_now_ms());
    const lt_kafka_property fixed[] = {
        {"group.id", group},
        {"enable.auto.commit", "false"},
        {"enable.partition.eof", "true"},
        {"client.id", "livetap-tail"},
        /* read once and dropped: a small prefetch keeps the peak small (the
         * default is 64 MiB) at no cost in speed on a local network */
        {"queued.max.messages.kbytes", "8192"},
    };
    conf = lt_kafka_conf_build(opts->bootstrap_servers, fixed, sizeof fixed / sizeof fixed[0],
                               opts->properties, opts->property_count, err, errlen);
    if (!conf)
        goto fail;
    /* the passed-through settings are the producer's; producer-only ones are
     * harmless here, librdkafka only logs that it ignores them */
    rd_kafka_conf_set_log_cb(conf, NULL);
    char why[512];
    t->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof why);
    if (!t->rk) {
        snprintf(err, errlen, "cannot create the Kafka tail reader: %s", why);
        goto fail;
    }
    return t;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    if (conf)
        rd_kafka_conf_destroy(conf);
    lt_kafka_tail_destroy(t);
    return NULL;
}

void lt_kafka_tail_destroy(lt_kafka_tail *t)
{
    if (!t)
        return;
    if (t->rk)
        rd_kafka_destroy(t->rk);
    for (size_t i = 0; i < t->topic_count; i++) {
        topic_cache *tc = &t->topics[i];
        for (int32_t p = 0; p < tc->partitions; p++)
            free(tc->parts[p].ids);
        free(tc->parts);
        free(tc->name);
    }
    free(t->topics);
    free(t);
}

/* Partition counts of the event topics, refreshed once per cache period. A
 * topic whose count changed loses its cache. */
static int refresh_metadata(lt_kafka_tail *t, int64_t now, char *err, size_t errlen)
{
    if (t->metadata_at && now - t->metadata_at < t->opts.cache_ms)
        return 0;
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t e = rd_kafka_metadata(t->rk, 1, NULL, &md, t->opts.read_timeout_ms);
    if (e) {
        snprintf(err, errlen, "Kafka metadata: %s", rd_kafka_err2str(e));
        return -1;
    }
    for (size_t i = 0; i < t->topic_count; i++) {
        topic_cache *tc = &t->topics[i];
        int32_t count = 0;
        for (int j = 0; j < md->topic_cnt; j++)
            if (strcmp(md->topics[j].topic, tc->name) == 0 && !md->topics[j].err)
                count = md->topics[j].partition_cnt;
        if (count == tc->partitions)
            continue;
        part_cache *parts = count ? calloc((size_t)count, sizeof *parts) : NULL;
        if (count && !parts)
            continue; /* keep the old view; out of memory */
        for (int32_t p = 0; p < tc->partitions; p++)
            free(tc->parts[p].ids);
        free(tc->parts);
        tc->parts = parts;
        tc->partitions = count;
    }
    rd_kafka_metadata_destroy(md);
    t->metadata_at = now;
    return 0;
}

static void remember(part_cache *pc, const rd_kafka_message_t *m)
{
    rd_kafka_headers_t *hdrs = NULL;
    const void *val = NULL;
    size_t len = 0;
    if (!m->key || rd_kafka_message_headers(m, &hdrs) ||
        rd_kafka_header_get_last(hdrs, "msg_id", &val, &len) || !val || len == 0 || len > 20)
        return;
    char buf[24];
    memcpy(buf, val, len);
    buf[len] = '\0';
    char *end;
    long long id = strtoll(buf, &end, 10);
    if (*end || id == 0)
        return;
    if (pc->n == pc->cap) {
        size_t cap = pc->cap ? pc->cap * 2 : 256;
        tail_id *ids = realloc(pc->ids, cap * sizeof *ids);
        if (!ids)
            return;
        pc->ids = ids;
        pc->cap = cap;
    }
    pc->ids[pc->n] =
        (tail_id){key_hash(m->key, m->key_len), id, rd_kafka_message_timestamp(m, NULL), (uint32_t)pc->n};
    pc->n++;
}

typedef struct wanted {
    topic_cache *tc;
    int32_t partition;
    int64_t start, end; /* [start, end) */
    bool done;
} wanted;

/* What a window read did, for the caller's accounting. */
typedef struct window_read {
    size_t records;     /* records consumed within the windows */
    size_t with_data;   /* partitions that had records in the window */
    size_t unfinished;  /* of them, not read to the end */
    size_t unreadable;  /* partitions whose window could not be found */
    bool lookup_failed; /* offsets_for_times failed: nothing was read */
    bool record_bound, time_bound;
} window_read;

typedef void (*record_fn)(void *ctx, wanted *w, const rd_kafka_message_t *m);

static int time_left(int64_t deadline, int cap)
{
    int64_t left = deadline - lt_now_ms();
    if (left < 1)
        return 1;
    return left < cap ? (int)left : cap;
}

/* Finds each wanted partition's window - from the first record at or after
 * now - lookback to the high watermark - and consumes it, calling fn for
 * every record in it, until each partition reached its end or a bound is
 * hit: opts.max_records, or the deadline (0 = read_timeout_ms from the end
 * of the lookups, the keyed reader's budget). */
static void read_windows(lt_kafka_tail *t, wanted *w, size_t n, int64_t now, int64_t deadline, record_fn fn,
                         void *ctx, window_read *out)
{
    memset(out, 0, sizeof *out);
    int lookup_ms = deadline ? time_left(deadline, t->opts.read_timeout_ms) : t->opts.read_timeout_ms;
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new((int)n);
    for (size_t i = 0; i < n; i++)
        rd_kafka_topic_partition_list_add(list, w[i].tc->name, w[i].partition)->offset =
            now - t->opts.lookback_ms;
    rd_kafka_resp_err_t e = rd_kafka_offsets_for_times(t->rk, list, lookup_ms);
    out->lookup_failed = e != RD_KAFKA_RESP_ERR_NO_ERROR;
    size_t pending = 0;
    rd_kafka_topic_partition_list_t *assign = rd_kafka_topic_partition_list_new((int)n);
    for (size_t i = 0; i < n; i++) {
        w[i].done = true;
        if (e)
            continue;
        if (list->elems[i].err) {
            out->unreadable++;
            continue;
        }
        int64_t start = list->elems[i].offset, lo = 0, hi = 0;
        if (start < 0)
            continue; /* no record since now - lookback */
        if (rd_kafka_query_watermark_offsets(t->rk, w[i].tc->name, w[i].partition, &lo, &hi,
                                             deadline ? time_left(deadline, t->opts.read_timeout_ms)
                                                      : t->opts.read_timeout_ms)) {
            out->unreadable++;
            continue;
        }
        if (start >= hi)
            continue;
        w[i].start = start;
        w[i].end = hi;
        w[i].done = false;
        rd_kafka_topic_partition_list_add(assign, w[i].tc->name, w[i].partition)->offset = start;
        pending++;
    }
    rd_kafka_topic_partition_list_destroy(list);
    out->with_data = pending;
    if (!pending) {
        rd_kafka_topic_partition_list_destroy(assign);
        return;
    }
    rd_kafka_assign(t->rk, assign);
    rd_kafka_topic_partition_list_destroy(assign);
    if (!deadline)
        deadline = lt_now_ms() + t->opts.read_timeout_ms;
    size_t records = 0;
    while (pending && records < t->opts.max_records && lt_now_ms() < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(t->rk, time_left(deadline, 100));
        if (!m)
            continue;
        const char *topic = m->rkt ? rd_kafka_topic_name(m->rkt) : NULL;
        wanted *hit = NULL;
        for (size_t i = 0; topic && i < n && !hit; i++)
            if (!w[i].done && w[i].partition == m->partition && strcmp(w[i].tc->name, topic) == 0)
                hit = &w[i];
        if (hit) {
            bool eof = m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF;
            if (!m->err && m->offset < hit->end) {
                fn(ctx, hit, m);
                records++;
            }
            if (eof || (!m->err && m->offset + 1 >= hit->end)) {
                hit->done = true;
                pending--;
            }
        }
        rd_kafka_message_destroy(m);
    }
    rd_kafka_assign(t->rk, NULL);
    out->records = records;
    out->unfinished = pending;
    out->record_bound = pending && records >= t->opts.max_records;
    out->time_bound = pending && !out->record_bound;
    t->stats.records += records;
    if (pending)
        t->stats.truncated++;
}

static void remember_record(void *ctx, wanted *w, const rd_kafka_message_t *m)
{
    (void)ctx;
    remember(&w->tc->parts[w->partition], m);
}

/* Reads the given partitions' windows into their caches. */
static void read_partitions(lt_kafka_tail *t, wanted *w, size_t n, int64_t now)
{
    for (size_t i = 0; i < n; i++) {
        part_cache *pc = &w[i].tc->parts[w[i].partition];
        pc->n = 0;
        pc->read_at = now;
        t->stats.reads++;
    }
    window_read r;
    read_windows(t, w, n, now, 0, remember_record, NULL, &r);
    if (r.unfinished)
        lt_warn("Kafka tail: %zu partition(s) not read to the end (%zu records, bound %zu, %d ms); "
                "a room moved here may publish a few recent messages twice",
                r.unfinished, r.records, t->opts.max_records, t->opts.read_timeout_ms);
    for (size_t i = 0; i < n; i++) {
        part_cache *pc = &w[i].tc->parts[w[i].partition];
        if (pc->n > 1) /* (qsort of NULL is undefined even for 0 items) */
            qsort(pc->ids, pc->n, sizeof *pc->ids, cmp_id);
    }
}

/* One key's ids gathered from every topic's partition for it. */
typedef struct key_ids {
    tail_id *items;
    size_t n, cap;
} key_ids;

static int collect_key(const lt_kafka_tail *t, const char *key, size_t klen, key_ids *out)
{
    uint64_t h = key_hash(key, klen);
    for (size_t i = 0; i < t->topic_count; i++) {
        const topic_cache *tc = &t->topics[i];
        if (!tc->partitions)
            continue;
        const part_cache *pc = &tc->parts[lt_kafka_partition_for_key(key, klen, tc->partitions)];
        size_t lo = 0, hi = pc->n; /* first id with hash >= h */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (pc->ids[mid].hash < h)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (; lo < pc->n && pc->ids[lo].hash == h; lo++) {
            if (out->n == out->cap) {
                size_t cap = out->cap ? out->cap * 2 : 256;
                tail_id *items = realloc(out->items, cap * sizeof *items);
                if (!items)
                    return -1;
                out->items = items;
                out->cap = cap;
            }
            out->items[out->n++] = pc->ids[lo];
        }
    }
    return 0;
}

/* Oldest first by the records' timestamps, across topics; within one
 * partition (equal times) in arrival order. */
static int cmp_time(const void *a, const void *b)
{
    const tail_id *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

long lt_kafka_tail_ids(lt_kafka_tail *t, const char *key, void (*fn)(void *ctx, int64_t msg_id), void *ctx,
                       char *err, size_t errlen)
{
    int64_t now = lt_now_ms();
    if (refresh_metadata(t, now, err, errlen))
        return -1;
    size_t klen = strlen(key);
    wanted *w = calloc(t->topic_count ? t->topic_count : 1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t n = 0;
    for (size_t i = 0; i < t->topic_count; i++) {
        topic_cache *tc = &t->topics[i];
        if (!tc->partitions)
            continue;
        int32_t p = lt_kafka_partition_for_key(key, klen, tc->partitions);
        if (!tc->parts[p].read_at || now - tc->parts[p].read_at >= t->opts.cache_ms)
            w[n++] = (wanted){.tc = tc, .partition = p};
    }
    if (n)
        read_partitions(t, w, n, now);
    free(w);
    key_ids ids = {0};
    if (collect_key(t, key, klen, &ids) != 0) {
        free(ids.items);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (ids.n > 1)
        qsort(ids.items, ids.n, sizeof *ids.items, cmp_time);
    for (size_t i = 0; i < ids.n; i++)
        fn(ctx, ids.items[i].msg_id);
    free(ids.items);
    t->stats.seeded += (uint64_t)ids.n;
    return (long)ids.n;
}

void lt_kafka_tail_invalidate_key(lt_kafka_tail *t, const char *key, int64_t read_before_ms)
{
    size_t klen = strlen(key);
    for (size_t i = 0; i < t->topic_count; i++) {
        topic_cache *tc = &t->topics[i];
        if (!tc->partitions) {
            /* the topic did not exist at the last metadata read; if that
             * read is older than the records wanted, it may exist now
             * (topics are created by their first record): read again */
            if (t->metadata_at < read_before_ms)
                t->metadata_at = 0;
            continue;
        }
        part_cache *pc = &tc->parts[lt_kafka_partition_for_key(key, klen, tc->partitions)];
        if (pc->read_at < read_before_ms)
            pc->read_at = 0;
    }
}

void lt_kafka_tail_invalidate(lt_kafka_tail *t)
{
    t->metadata_at = 0;
    for (size_t i = 0; i < t->topic_count; i++)
        for (int32_t p = 0; p < t->topics[i].partitions; p++)
            t->topics[i].parts[p].read_at = 0;
}

void lt_kafka_tail_get_stats(const lt_kafka_tail *t, lt_kafka_tail_stats *out)
{
    *out = t->stats;
}

/* ------------------------------------------------------------ scan */

typedef struct scan_ctx {
    const char *header;
    lt_kafka_tail_record_fn fn;
    void *ctx;
    uint64_t handed;
} scan_ctx;

static void scan_record(void *ctx, wanted *w, const rd_kafka_message_t *m)
{
    (void)w;
    scan_ctx *sc = ctx;
    rd_kafka_headers_t *hdrs = NULL;
    const void *val = NULL;
    size_t len = 0;
    if (rd_kafka_message_headers(m, &hdrs) || rd_kafka_header_get_last(hdrs, sc->header, &val, &len) || !val)
        return;
    sc->handed++;
    sc->fn(sc->ctx, val, len, rd_kafka_message_timestamp(m, NULL));
}

int lt_kafka_tail_scan(lt_kafka_tail *t, const char *header, lt_kafka_tail_record_fn fn, void *ctx,
                       lt_kafka_tail_scan_result *res, char *err, size_t errlen)
{
    memset(res, 0, sizeof *res);
    int64_t now = lt_now_ms(), deadline = now + t->opts.read_timeout_ms;
    t->metadata_at = 0; /* a scan wants today's partition counts */
    if (refresh_metadata(t, now, err, errlen))
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < t->topic_count; i++)
        n += (size_t)t->topics[i].partitions;
    if (!n)
        return 0; /* none of the topics exists yet: nothing was ever published */
    wanted *w = calloc(n, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    n = 0;
    for (size_t i = 0; i < t->topic_count; i++)
        for (int32_t p = 0; p < t->topics[i].partitions; p++)
            w[n++] = (wanted){.tc = &t->topics[i], .partition = p};
    scan_ctx sc = {header, fn, ctx, 0};
    window_read r;
    read_windows(t, w, n, now, deadline, scan_record, &sc, &r);
    free(w);
    res->partitions = n;
    res->partitions_with_data = r.with_data;
    res->unfinished = r.unfinished;
    res->unreadable = r.unreadable;
    res->records = r.records;
    res->handed = sc.handed;
    res->record_bound = r.record_bound;
    res->time_bound = r.time_bound;
    if (r.lookup_failed) {
        snprintf(err, errlen,
                 "Kafka did not say where the last %lld s begin (offsets for times) within %d ms",
                 (long long)(t->opts.lookback_ms / 1000), t->opts.read_timeout_ms);
        return -1;
    }
    return 0;
}
