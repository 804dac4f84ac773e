/* consumer.c - the process's single Kafka consumer: manual assignment,
 * per-partition high/epoch tracking, replay by seek.
 *
 * See consumer.h for the model. Implementation notes:
 * - No group: group.id is set only because librdkafka wants one for some
 *   consumer calls; nothing is ever committed (enable.auto.commit=false)
 *   and subscribe() is never called.
 * - The loop consumes batches from the consumer queue with a short timeout;
 *   replay requests are queued under a mutex and woken with
 *   rd_kafka_queue_yield(), so a request never waits for a fetch timeout.
 * - librdkafka discards fetched messages of the old position after a seek
 *   (op versions), so the first record of a partition after a seek is the
 *   seek target or the first record after it.
 * - Metadata is refreshed every metadata_refresh_ms to pick up topics and
 *   partitions created after start-up (a collector auto-creating a topic
 *   with its first record); those are read from the beginning. The same
 *   refresh tells when Kafka is back after an outage (consumer.h), which is
 *   why reconnect.backoff.max.ms is 1 s here rather than librdkafka's 10 s:
 *   WebSocket clients wait for the first broker answer, and one connection
 *   attempt a second to a handful of brokers costs nothing.
 */
#include "kafka/consumer.h"

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/event.h"
#include "kafka/group_protocol.h"
#include "core/log.h"
#include "kafka/conf.h"

#define BATCH_MAX 1024
#define CONSUME_TIMEOUT_MS 100

typedef struct partition_state {
    int64_t high;   /* one past the greatest offset delivered; start offset before that */
    int64_t pos;    /* next offset of the current epoch's stream */
    uint32_t epoch;
    bool assigned;
} partition_state;

typedef struct topic_state {
    char *name;
    partition_state *parts;
    int32_t count;
} topic_state;

typedef struct replay_request {
    struct replay_request *next;
    uint64_t id;
    size_t n;
    lt_kafka_replay_entry entries[];
} replay_request;

struct lt_kafka_consumer {
    rd_kafka_t *rk;
    rd_kafka_queue_t *queue;
    lt_kafka_consumer_sink sink;
    topic_state *topics;
    size_t topic_count;
    int metadata_refresh_ms;
    int64_t max_replay_records;

    pthread_t thread;
    bool thread_running;
    atomic_bool stop;

    pthread_mutex_t lock;          /* requests */
    replay_request *requests;
    replay_request **requests_tail;

    _Atomic uint64_t records, bytes, replayed, seeks, errors;
    _Atomic int64_t lag;
    _Atomic int partitions;
    _Atomic int64_t last_metadata_ms;
    atomic_bool up;
    _Atomic int64_t down_since_ms;
    _Atomic uint64_t outages;
    int metadata_failures;         /* in a row, consumer thread */
    int64_t last_lag_ms;
    int64_t last_refresh_ms;
    int64_t log_slot;
};

uint32_t lt_kafka_murmur2(const void *key, size_t len)
{
    const uint8_t *data = key;
    const uint32_t m = 0x5bd1e995u;
    uint32_t h = 0x9747b28cu ^ (uint32_t)len;
    size_t i = 0;
    for (; i + 4 <= len; i += 4) {
        uint32_t k = (uint32_t)data[i] | (uint32_t)data[i + 1] << 8 | (uint32_t)data[i + 2] << 16 |
                     (uint32_t)data[i + 3] << 24;
        k *= m;
        k ^= k >> 24;
        k *= m;
        h *= m;
        h ^= k;
    }
    switch (len & 3) {
    case 3:
        h ^= (uint32_t)data[i + 2] << 16;
        /* fall through */
    case 2:
        h ^= (uint32_t)data[i + 1] << 8;
        /* fall through */
    case 1:
        h ^= (uint32_t)data[i];
        h *= m;
    }
    h ^= h >> 13;
    h *= m;
    h ^= h >> 15;
    return h;
}

int32_t lt_kafka_partition_for_key(const void *key, size_t len, int32_t partition_count)
{
    if (partition_count <= 0)
        return -1;
    return (int32_t)((lt_kafka_murmur2(key, len) & 0x7fffffffu) % (uint32_t)partition_count);
}

static int topic_index(const lt_kafka_consumer *c, const char *name)
{
    for (size_t i = 0; i < c->topic_count; i++)
        if (strcmp(c->topics[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* Grows a topic's partition table to `count` (partitions only ever grow). */
static int topic_grow(topic_state *t, int32_t count)
{
    if (count <= t->count)
        return 0;
    partition_state *parts = realloc(t->parts, sizeof(*parts) * (size_t)count);
    if (!parts)
        return -1;
    memset(parts + t->count, 0, sizeof(*parts) * (size_t)(count - t->count));
    t->parts = parts;
    t->count = count;
    return 0;
}

/* Assigns every partition of our topics not yet assigned. At start-up
 * (`initial`) new partitions start at their high watermark, later at the
 * beginning. */
static int refresh_assignment(lt_kafka_consumer *c, bool initial, int timeout_ms, char *err,
                              size_t errlen)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t rc = rd_kafka_metadata(c->rk, 1, NULL, &md, timeout_ms);
    if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
        snprintf(err, errlen, "kafka metadata: %s", rd_kafka_err2str(rc));
        return -1;
    }
    atomic_store(&c->last_metadata_ms, lt_now_ms());
    rd_kafka_topic_partition_list_t *add = rd_kafka_topic_partition_list_new(8);
    int ret = -1;
    if (!add) {
        snprintf(err, errlen, "out of memory");
        goto cleanup;
    }
    for (int i = 0; i < md->topic_cnt; i++) {
        const struct rd_kafka_metadata_topic *mt = &md->topics[i];
        int ti = topic_index(c, mt->topic);
        if (ti < 0 || mt->err != RD_KAFKA_RESP_ERR_NO_ERROR || mt->partition_cnt <= 0)
            continue;
        topic_state *t = &c->topics[ti];
        if (topic_grow(t, mt->partition_cnt) < 0) {
            snprintf(err, errlen, "out of memory");
            goto cleanup;
        }
        for (int p = 0; p < mt->partition_cnt; p++) {
            int32_t pid = mt->partitions[p].id;
            if (pid < 0 || pid >= t->count || t->parts[pid].assigned)
                continue;
            int64_t start = 0;
            if (initial) {
                int64_t lo = 0, hi = 0;
                rc = rd_kafka_query_watermark_offsets(c->rk, t->name, pid, &lo, &hi, timeout_ms);
                if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
                    snprintf(err, errlen, "kafka watermarks of %s[%d]: %s", t->name, pid,
                             rd_kafka_err2str(rc));
                    goto cleanup;
                }
                start = hi;
            } else {
                int64_t lo = 0, hi = 0;
                /* A partition created after start-up holds only new data:
                 * read it from its low watermark. */
                if (rd_kafka_query_watermark_offsets(c->rk, t->name, pid, &lo, &hi, timeout_ms) ==
                    RD_KAFKA_RESP_ERR_NO_ERROR)
                    start = lo;
            }
            rd_kafka_topic_partition_list_add(add, t->name, pid)->offset = start;
            t->parts[pid].high = start;
            t->parts[pid].pos = start;
            t->parts[pid].epoch = 0;
        }
    }
    if (add->cnt > 0) {
        rd_kafka_error_t *e = rd_kafka_incremental_assign(c->rk, add);
        if (e) {
            snprintf(err, errlen, "kafka assign: %s", rd_kafka_error_string(e));
            rd_kafka_error_destroy(e);
            goto cleanup;
        }
        for (int i = 0; i < add->cnt; i++) {
            int ti = topic_index(c, add->elems[i].topic);
            topic_state *t = &c->topics[ti];
            t->parts[add->elems[i].partition].assigned = true;
            atomic_fetch_add(&c->partitions, 1);
            lt_info("consumer: assigned %s[%d] from offset %lld", t->name, add->elems[i].partition,
                    (long long)add->elems[i].offset);
            if (c->sink.on_partition)
                c->sink.on_partition(c->sink.ctx, ti, add->elems[i].partition, add->elems[i].offset);
        }
    }
    ret = 0;
cleanup:
    if (add)
        rd_kafka_topic_partition_list_destroy(add);
    rd_kafka_metadata_destroy(md);
    return ret;
}

static partition_state *part_of(lt_kafka_consumer *c, int topic, int32_t partition)
{
    if (topic < 0 || (size_t)topic >= c->topic_count)
        return NULL;
    topic_state *t = &c->topics[topic];
    if (partition < 0 || partition >= t->count || !t->parts[partition].assigned)
        return NULL;
    return &t->parts[partition];
}

/* Kafka went away: said once per outage, on the consumer thread, in stream
 * order (everything delivered before was read before the outage). */
static void set_down(lt_kafka_consumer *c, const char *reason)
{
    if (!atomic_load(&c->up))
        return;
    atomic_store(&c->down_since_ms, lt_now_ms());
    atomic_store(&c->up, false);
    atomic_fetch_add(&c->outages, 1);
    lt_warn("consumer: Kafka unavailable (%s): the stream waits; fetch positions are kept", reason);
    if (c->sink.on_availability)
        c->sink.on_availability(c->sink.ctx, false, reason, 0);
}

static void set_up(lt_kafka_consumer *c)
{
    c->metadata_failures = 0;
    if (atomic_load(&c->up))
        return;
    int64_t down_ms = lt_now_ms() - atomic_load(&c->down_since_ms);
    atomic_store(&c->down_since_ms, 0);
    atomic_store(&c->up, true);
    lt_info("consumer: Kafka available again after %.1f s: the stream continues where it stopped",
            (double)down_ms / 1000.0);
    if (c->sink.on_availability)
        c->sink.on_availability(c->sink.ctx, true, NULL, down_ms);
}

/* Errors that say Kafka is not there rather than that the request is wrong. */
static bool unreachable(rd_kafka_resp_err_t e)
{
    return e == RD_KAFKA_RESP_ERR__TIMED_OUT || e == RD_KAFKA_RESP_ERR__TRANSPORT ||
           e == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || e == RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE;
}

/* Resolves one request: times to offsets, then a seek where the current
 * stream of a partition has already passed the wanted start. Returns false,
 * without answering, when Kafka did not answer (a lookup by time or a seek
 * timed out): the request waits for Kafka instead of being refused, since
 * nothing is wrong with it. A seek that timed out may still happen later;
 * the records it re-reads are below `high`, so no live client sees them
 * twice, and the retried request seeks again under a new epoch. */
static bool serve_replay(lt_kafka_consumer *c, replay_request *req)
{
    rd_kafka_resp_err_t failed = RD_KAFKA_RESP_ERR_NO_ERROR;
    char error[256] = "";
    lt_kafka_replay_start *starts = calloc(req->n ? req->n : 1, sizeof(*starts));
    rd_kafka_topic_partition_list_t *times = rd_kafka_topic_partition_list_new((int)req->n + 1);
    rd_kafka_topic_partition_list_t *seeks = rd_kafka_topic_partition_list_new((int)req->n + 1);
    if (!starts || !times || !seeks) {
        snprintf(error, sizeof(error), "out of memory");
        goto done;
    }
    for (size_t i = 0; i < req->n; i++) {
        const lt_kafka_replay_entry *e = &req->entries[i];
        if (!part_of(c, e->topic, e->partition)) {
            snprintf(error, sizeof(error), "partition %d of topic #%d is not assigned", e->partition,
                     e->topic);
            goto done;
        }
        starts[i].topic = e->topic;
        starts[i].partition = e->partition;
        starts[i].start = e->offset;
        if (e->offset < 0)
            rd_kafka_topic_partition_list_add(times, c->topics[e->topic].name, e->partition)->offset =
                e->since_ms;
    }
    if (times->cnt > 0) {
        rd_kafka_resp_err_t rc = rd_kafka_offsets_for_times(c->rk, times, 5000);
        if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
            failed = rc;
            snprintf(error, sizeof(error), "offsets_for_times: %s", rd_kafka_err2str(rc));
            goto done;
        }
        for (int k = 0; k < times->cnt; k++) {
            if (times->elems[k].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                snprintf(error, sizeof(error), "offsets_for_times %s[%d]: %s", times->elems[k].topic,
                         times->elems[k].partition, rd_kafka_err2str(times->elems[k].err));
                goto done;
            }
            int ti = topic_index(c, times->elems[k].topic);
            for (size_t i = 0; i < req->n; i++)
                if (starts[i].topic == ti && starts[i].partition == times->elems[k].partition &&
                    starts[i].start < 0) {
                    /* -1: no record at or after that time: start at the end. */
                    int64_t off = times->elems[k].offset;
                    starts[i].start = off < 0 ? c->topics[ti].parts[starts[i].partition].high : off;
                }
        }
    }
    for (size_t i = 0; i < req->n; i++) {
        partition_state *ps = part_of(c, starts[i].topic, starts[i].partition);
        int64_t want = starts[i].start;
        if (want < 0)
            want = 0;
        if (ps->high - want > c->max_replay_records) {
            snprintf(error, sizeof(error),
                     "replay of %s[%d] would re-read %lld records (limit %lld): ask for a later start",
                     c->topics[starts[i].topic].name, starts[i].partition,
                     (long long)(ps->high - want), (long long)c->max_replay_records);
            goto done;
        }
    }
    for (size_t i = 0; i < req->n; i++) {
        partition_state *ps = part_of(c, starts[i].topic, starts[i].partition);
        int64_t want = starts[i].start < 0 ? 0 : starts[i].start;
        if (want < ps->pos) {
            /* The current stream has passed `want`: read it again. Two
             * entries of one request on one partition seek once. */
            bool dup = false;
            for (int k = 0; k < seeks->cnt; k++)
                if (strcmp(seeks->elems[k].topic, c->topics[starts[i].topic].name) == 0 &&
                    seeks->elems[k].partition == starts[i].partition) {
                    dup = true;
                    if (want < seeks->elems[k].offset)
                        seeks->elems[k].offset = want;
                }
            if (!dup)
                rd_kafka_topic_partition_list_add(seeks, c->topics[starts[i].topic].name,
                                                  starts[i].partition)->offset = want;
        }
        starts[i].start = want;
    }
    if (seeks->cnt > 0) {
        rd_kafka_error_t *e = rd_kafka_seek_partitions(c->rk, seeks, 5000);
        if (e) {
            failed = rd_kafka_error_code(e);
            snprintf(error, sizeof(error), "seek: %s", rd_kafka_error_string(e));
            rd_kafka_error_destroy(e);
            goto done;
        }
        for (int k = 0; k < seeks->cnt; k++) {
            int ti = topic_index(c, seeks->elems[k].topic);
            partition_state *ps = part_of(c, ti, seeks->elems[k].partition);
            if (seeks->elems[k].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                snprintf(error, sizeof(error), "seek %s[%d]: %s", seeks->elems[k].topic,
                         seeks->elems[k].partition, rd_kafka_err2str(seeks->elems[k].err));
                goto done;
            }
            ps->epoch++;
            ps->pos = seeks->elems[k].offset;
            atomic_fetch_add(&c->seeks, 1);
        }
    }
    for (size_t i = 0; i < req->n; i++) {
        partition_state *ps = part_of(c, starts[i].topic, starts[i].partition);
        starts[i].epoch = ps->epoch;
        starts[i].high = ps->high;
    }
done:;
    bool answered = !(error[0] && unreachable(failed));
    if (!answered)
        set_down(c, error);
    else if (c->sink.on_replay)
        c->sink.on_replay(c->sink.ctx, req->id, error[0] ? NULL : starts, error[0] ? 0 : req->n,
                          error[0] ? error : NULL);
    free(starts);
    if (times)
        rd_kafka_topic_partition_list_destroy(times);
    if (seeks)
        rd_kafka_topic_partition_list_destroy(seeks);
    return answered;
}

/* Puts unanswered requests back in front of any queued meanwhile. */
static void requeue_front(lt_kafka_consumer *c, replay_request *list)
{
    replay_request *last = list;
    while (last->next)
        last = last->next;
    pthread_mutex_lock(&c->lock);
    last->next = c->requests;
    if (!c->requests)
        c->requests_tail = &last->next;
    c->requests = list;
    pthread_mutex_unlock(&c->lock);
}

/* While Kafka is unavailable requests wait (their clients were told the
 * stream is delayed); they are answered, in order, once it is back. */
static void serve_requests(lt_kafka_consumer *c)
{
    if (!atomic_load(&c->up))
        return;
    pthread_mutex_lock(&c->lock);
    replay_request *list = c->requests;
    c->requests = NULL;
    c->requests_tail = &c->requests;
    pthread_mutex_unlock(&c->lock);
    while (list) {
        replay_request *next = list->next;
        if (!serve_replay(c, list)) {
            requeue_front(c, list);
            return;
        }
        free(list);
        list = next;
    }
}

/* librdkafka's client-level errors (not a partition's): called on the
 * consumer thread from rd_kafka_consume_queue(), the main queue being
 * forwarded to the consumer queue. "All brokers down" is how an outage
 * shows first, the moment the last broker connection closes. */
static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    lt_kafka_consumer *c = opaque;
    (void)rk;
    atomic_fetch_add(&c->errors, 1);
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        set_down(c, reason);
    else
        lt_log_every(&c->log_slot, 60000, LT_LOG_WARN, "consumer: %s: %s",
                     rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

static void deliver(lt_kafka_consumer *c, rd_kafka_message_t *m)
{
    if (m->err) {
        atomic_fetch_add(&c->errors, 1);
        if (m->err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
            set_down(c, rd_kafka_message_errstr(m));
        lt_log_every(&c->log_slot, 60000, LT_LOG_WARN, "consumer: %s", rd_kafka_message_errstr(m));
        return;
    }
    int ti = topic_index(c, rd_kafka_topic_name(m->rkt));
    partition_state *ps = part_of(c, ti, m->partition);
    if (!ps)
        return;
    lt_kafka_record rec = {
        .topic = ti,
        .partition = m->partition,
        .offset = m->offset,
        .timestamp = rd_kafka_message_timestamp(m, NULL),
        .key = m->key,
        .key_len = m->key_len,
        .value = m->payload,
        .value_len = m->len,
        .epoch = ps->epoch,
        .fresh = m->offset >= ps->high,
        .internal = m,
    };
    if (rec.fresh)
        ps->high = m->offset + 1;
    else
        atomic_fetch_add(&c->replayed, 1);
    ps->pos = m->offset + 1;
    atomic_fetch_add(&c->records, 1);
    atomic_fetch_add(&c->bytes, (uint64_t)m->len);
    if (c->sink.on_record)
        c->sink.on_record(c->sink.ctx, &rec);
}

static void update_lag(lt_kafka_consumer *c)
{
    int64_t lag = 0;
    for (size_t i = 0; i < c->topic_count; i++)
        for (int32_t p = 0; p < c->topics[i].count; p++) {
            partition_state *ps = &c->topics[i].parts[p];
            int64_t lo = 0, hi = 0;
            if (!ps->assigned ||
                rd_kafka_get_watermark_offsets(c->rk, c->topics[i].name, p, &lo, &hi) !=
                    RD_KAFKA_RESP_ERR_NO_ERROR || hi < 0)
                continue;
            if (hi > ps->high)
                lag += hi - ps->high;
        }
    atomic_store(&c->lag, lag);
}

static void *consumer_main(void *arg)
{
    lt_kafka_consumer *c = arg;
    rd_kafka_message_t *batch[BATCH_MAX];
    while (!atomic_load(&c->stop)) {
        serve_requests(c);
        /* consume_batch_queue waits for a full batch or its timeout, which
         * would add up to the timeout to every record's latency: block for
         * one record, then take what is already there without waiting. */
        ssize_t n = 0;
        rd_kafka_message_t *first = rd_kafka_consume_queue(c->queue, CONSUME_TIMEOUT_MS);
        if (first) {
            batch[0] = first;
            ssize_t more = rd_kafka_consume_batch_queue(c->queue, 0, batch + 1, BATCH_MAX - 1);
            n = 1 + (more > 0 ? more : 0);
        }
        for (ssize_t i = 0; i < n; i++) {
            deliver(c, batch[i]);
            rd_kafka_message_destroy(batch[i]);
        }
        if (c->sink.on_batch_end)
            c->sink.on_batch_end(c->sink.ctx);
        int64_t now = lt_now_ms();
        if (now - c->last_lag_ms >= 1000) {
            update_lag(c);
            c->last_lag_ms = now;
        }
        if (now - c->last_refresh_ms >= c->metadata_refresh_ms) {
            char err[256];
            int64_t answered_before = atomic_load(&c->last_metadata_ms);
            if (refresh_assignment(c, false, 2000, err, sizeof(err)) < 0)
                lt_log_every(&c->log_slot, 60000, LT_LOG_WARN, "consumer: %s", err);
            if (atomic_load(&c->last_metadata_ms) != answered_before)
                set_up(c);
            else if (++c->metadata_failures >= 2) /* one slow answer is not an outage */
                set_down(c, err);
            c->last_refresh_ms = lt_now_ms();
        }
    }
    return NULL;
}

lt_kafka_consumer *lt_kafka_consumer_create(const lt_kafka_consumer_options *opts, char *err,
                                            size_t errlen)
{
    rd_kafka_conf_t *conf = NULL;
    lt_kafka_consumer *c = NULL;
    if (!opts || !opts->bootstrap_servers || !opts->topics || opts->topic_count == 0) {
        snprintf(err, errlen, "consumer: bootstrap servers and at least one topic are required");
        return NULL;
    }
    c = calloc(1, sizeof(*c));
    if (!c)
        goto oom;
    pthread_mutex_init(&c->lock, NULL);
    c->requests_tail = &c->requests;
    c->sink = opts->sink;
    c->metadata_refresh_ms = opts->metadata_refresh_ms > 0 ? opts->metadata_refresh_ms : 2000;
    c->max_replay_records = opts->max_replay_records > 0 ? opts->max_replay_records : 1000000;
    atomic_store(&c->lag, -1);
    atomic_store(&c->up, true);
    c->topics = calloc(opts->topic_count, sizeof(*c->topics));
    if (!c->topics)
        goto oom;
    c->topic_count = opts->topic_count;
    for (size_t i = 0; i < opts->topic_count; i++)
        if (!(c->topics[i].name = strdup(opts->topics[i])))
            goto oom;

    bool kip848; /* accepted where librdkafka has it; refused before 2.4 with a clear message */
    if (lt_kafka_group_protocol(opts->properties, opts->property_count, &kip848, err, errlen))
        goto fail;
    const lt_kafka_property fixed[] = {
        {"group.id", "livetap-sidecar-unused"},  {"enable.auto.commit", "false"},
        {"enable.auto.offset.store", "false"},   {"auto.offset.reset", "earliest"},
        {"enable.partition.eof", "false"},       {"fetch.wait.max.ms", "50"},
        {"queued.max.messages.kbytes", "65536"}, {"reconnect.backoff.max.ms", "1000"},
        {"client.id", opts->client_id},
    };
    conf = lt_kafka_conf_build(opts->bootstrap_servers, fixed, sizeof fixed / sizeof fixed[0],
                               opts->properties, opts->property_count, err, errlen);
    if (!conf)
        goto fail;
    rd_kafka_conf_set_error_cb(conf, on_error);
    rd_kafka_conf_set_opaque(conf, c);
    char why[512];
    c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof(why));
    if (!c->rk) {
        snprintf(err, errlen, "kafka consumer: %s", why);
        goto fail;
    }
    conf = NULL; /* owned by rk */
    rd_kafka_poll_set_consumer(c->rk);
    c->queue = rd_kafka_queue_get_consumer(c->rk);
    if (!c->queue) {
        snprintf(err, errlen, "kafka consumer queue unavailable");
        goto fail;
    }
    return c;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    if (conf)
        rd_kafka_conf_destroy(conf);
    lt_kafka_consumer_destroy(c);
    return NULL;
}

int lt_kafka_consumer_start(lt_kafka_consumer *c, int timeout_ms, char *err, size_t errlen)
{
    if (refresh_assignment(c, true, timeout_ms > 0 ? timeout_ms : 10000, err, errlen) < 0)
        return -1;
    c->last_refresh_ms = lt_now_ms();
    atomic_store(&c->stop, false);
    if (pthread_create(&c->thread, NULL, consumer_main, c) != 0) {
        snprintf(err, errlen, "cannot start the consumer thread");
        return -1;
    }
    c->thread_running = true;
    return 0;
}

void lt_kafka_consumer_stop(lt_kafka_consumer *c)
{
    if (!c || !c->thread_running)
        return;
    atomic_store(&c->stop, true);
    rd_kafka_queue_yield(c->queue);
    pthread_join(c->thread, NULL);
    c->thread_running = false;
}

int lt_kafka_consumer_replay(lt_kafka_consumer *c, uint64_t request_id,
                             const lt_kafka_replay_entry *entries, size_t n)
{
    replay_request *req = malloc(sizeof(*req) + n * sizeof(req->entries[0]));
    if (!req)
        return -1;
    req->next = NULL;
    req->id = request_id;
    req->n = n;
    if (n)
        memcpy(req->entries, entries, n * sizeof(req->entries[0]));
    pthread_mutex_lock(&c->lock);
    *c->requests_tail = req;
    c->requests_tail = &req->next;
    pthread_mutex_unlock(&c->lock);
    rd_kafka_queue_yield(c->queue);
    return 0;
}

void lt_kafka_consumer_stats_get(lt_kafka_consumer *c, lt_kafka_consumer_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (!c)
        return;
    out->records = atomic_load(&c->records);
    out->bytes = atomic_load(&c->bytes);
    out->replayed = atomic_load(&c->replayed);
    out->seeks = atomic_load(&c->seeks);
    out->errors = atomic_load(&c->errors);
    out->lag = atomic_load(&c->lag);
    out->partitions = atomic_load(&c->partitions);
    out->last_metadata_ms = atomic_load(&c->last_metadata_ms);
    out->kafka_up = atomic_load(&c->up);
    out->down_since_ms = atomic_load(&c->down_since_ms);
    out->outages = atomic_load(&c->outages);
}

int lt_kafka_record_header(const lt_kafka_record *rec, const char *name, const void **value,
                           size_t *len)
{
    rd_kafka_headers_t *hdrs = NULL;
    if (!rec->internal ||
        rd_kafka_message_headers((const rd_kafka_message_t *)rec->internal, &hdrs) !=
            RD_KAFKA_RESP_ERR_NO_ERROR)
        return -1;
    return rd_kafka_header_get_last(hdrs, name, value, len) == RD_KAFKA_RESP_ERR_NO_ERROR ? 0 : -1;
}

void lt_kafka_consumer_destroy(lt_kafka_consumer *c)
{
    if (!c)
        return;
    lt_kafka_consumer_stop(c);
    if (c->queue)
        rd_kafka_queue_destroy(c->queue);
    if (c->rk) {
        rd_kafka_consumer_close(c->rk);
        rd_kafka_destroy(c->rk);
    }
    for (size_t i = 0; i < c->topic_count; i++) {
        free(c->topics[i].name);
        free(c->topics[i].parts);
    }
    free(c->topics);
    replay_request *r = c->requests;
    while (r) {
        replay_request *next = r->next;
        free(r);
        r = next;
    }
    pthread_mutex_destroy(&c->lock);
    free(c);
}
