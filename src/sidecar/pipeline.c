/* pipeline.c - the consumer-thread half of the sidecar: each Kafka record is
 * decoded and rendered once, given its live cursor, and handed to the event
 * loop through the inbox, in stream order.
 *
 * The inbox is a mutex-protected list; the consumer appends a whole batch
 * under one lock and wakes the loop once per batch (lt_sidecar_loop_wake: an
 * eventfd write), so the cost per record is an allocation, not a syscall.
 * When the loop falls behind and the inbox holds more than inbox_max_bytes,
 * the consumer waits: Kafka keeps the backlog, memory stays bounded, and the
 * slow-client policy (not this wait) is what protects fast clients from slow
 * ones.
 *
 * Room status records also produce notices for the room's clients: a room
 * rate-limited at the sign server becomes an error frame saying so (the
 * connection stays: the collector retries), a room that was not found
 * becomes an error frame followed by close 1008.
 *
 * Kafka outages become stream notices for every client (a status frame with
 * "source":"sidecar": "delayed" when the consumer loses Kafka, "resumed"
 * when it answers again). They are pushed in stream order, so a client knows
 * that every frame before "delayed" was read before the outage and every
 * frame after "resumed" continues the same stream without a gap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "sidecar/internal.h"

static size_t msg_bytes(const lt_hub_msg *m);

static void batch_push(lt_sidecar *sc, lt_hub_msg *m)
{
    m->next = NULL;
    if (sc->batch_tail)
        sc->batch_tail->next = m;
    else
        sc->batch_head = m;
    sc->batch_tail = m;
    sc->batch_bytes += msg_bytes(m);
}

static void batch_flush(lt_sidecar *sc)
{
    if (!sc->batch_head)
        return;
    pthread_mutex_lock(&sc->inbox_lock);
    while (sc->inbox_bytes > sc->inbox_max_bytes && !atomic_load(&sc->closing)) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 100 * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        atomic_fetch_add(&sc->inbox_waits, 1);
        pthread_cond_timedwait(&sc->inbox_drained, &sc->inbox_lock, &until);
    }
    if (sc->inbox_tail)
        sc->inbox_tail->next = sc->batch_head;
    else
        sc->inbox_head = sc->batch_head;
    sc->inbox_tail = sc->batch_tail;
    sc->inbox_bytes += sc->batch_bytes;
    pthread_mutex_unlock(&sc->inbox_lock);
    sc->batch_head = sc->batch_tail = NULL;
    sc->batch_bytes = 0;
    lt_sidecar_loop_wake(sc);
}

static size_t msg_bytes(const lt_hub_msg *m)
{
    return sizeof(*m) + (m->frame ? m->frame->len : 0);
}

bool lt_sidecar_inbox_drain(lt_sidecar *sc, size_t max, uint64_t frame_budget)
{
    /* Take at most `max` messages, and stop early once they queued
     * `frame_budget` frames: one record of a room with a thousand
     * subscribers is a thousand frames, and the sockets should be written
     * between such records rather than after a whole burst. What is not
     * applied goes back to the head of the inbox. */
    pthread_mutex_lock(&sc->inbox_lock);
    lt_hub_msg *first = sc->inbox_head, *last = NULL, *m = first;
    size_t n = 0, bytes = 0;
    while (m && n < max) {
        bytes += msg_bytes(m);
        last = m;
        m = m->next;
        n++;
    }
    sc->inbox_head = m;
    if (!m)
        sc->inbox_tail = NULL;
    sc->inbox_bytes -= bytes < sc->inbox_bytes ? bytes : sc->inbox_bytes;
    pthread_cond_broadcast(&sc->inbox_drained);
    pthread_mutex_unlock(&sc->inbox_lock);
    if (last)
        last->next = NULL;
    else
        first = NULL; /* max 0: nothing was taken, the inbox still holds it all */
    uint64_t start = lt_hub_frames_queued(sc->hub);
    while (first && lt_hub_frames_queued(sc->hub) - start < frame_budget) {
        lt_hub_msg *next = first->next;
        lt_hub_apply(sc->hub, first);
        first = next;
    }
    if (first) {
        size_t back = 0;
        for (lt_hub_msg *r = first; r; r = r->next)
            back += msg_bytes(r);
        pthread_mutex_lock(&sc->inbox_lock);
        last->next = sc->inbox_head;
        if (!sc->inbox_head)
            sc->inbox_tail = last;
        sc->inbox_head = first;
        sc->inbox_bytes += back;
        pthread_mutex_unlock(&sc->inbox_lock);
        return true;
    }
    return m != NULL;
}

size_t lt_sidecar_inbox_bytes(lt_sidecar *sc)
{
    pthread_mutex_lock(&sc->inbox_lock);
    size_t n = sc->inbox_bytes;
    pthread_mutex_unlock(&sc->inbox_lock);
    return n;
}

/* --- rooms being replayed ---
 * A replay re-reads whole partitions: every room's records on them, of which
 * only the replaying room's are wanted. Rendering the others was most of the
 * cost of a replay (and of the delay it caused everyone else), so the loop
 * tells the consumer which rooms replay, and re-read records of other rooms
 * travel frameless (the hub still needs their positions). */

static uint32_t room_slot(const char *room_id)
{
    uint32_t h = 2166136261u;
    for (const char *p = room_id; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    return h % LT_SIDECAR_REPLAY_ROOM_SLOTS;
}

void lt_sidecar_room_replaying(void *ctx, const char *room_id, int delta)
{
    lt_sidecar *sc = ctx;
    pthread_mutex_lock(&sc->replay_rooms_lock);
    replay_room **pp = &sc->replay_rooms[room_slot(room_id)];
    while (*pp && strcmp((*pp)->id, room_id) != 0)
        pp = &(*pp)->next;
    if (!*pp && delta > 0 && (*pp = calloc(1, sizeof(replay_room))))
        snprintf((*pp)->id, sizeof((*pp)->id), "%s", room_id);
    if (*pp) {
        replay_room *r = *pp;
        r->count = (unsigned)((int)r->count + delta);
        if (r->count == 0) {
            *pp = r->next;
            free(r);
        }
    }
    pthread_mutex_unlock(&sc->replay_rooms_lock);
}

static bool room_is_replaying(lt_sidecar *sc, const char *room_id)
{
    pthread_mutex_lock(&sc->replay_rooms_lock);
    const replay_room *r = sc->replay_rooms[room_slot(room_id)];
    while (r && strcmp(r->id, room_id) != 0)
        r = r->next;
    pthread_mutex_unlock(&sc->replay_rooms_lock);
    return r != NULL;
}

void lt_sidecar_replay_rooms_free(lt_sidecar *sc)
{
    for (int i = 0; i < LT_SIDECAR_REPLAY_ROOM_SLOTS; i++)
        for (replay_room *r = sc->replay_rooms[i], *next; r; r = next) {
            next = r->next;
            free(r);
        }
}

int lt_sidecar_start_replay(void *ctx, uint64_t request_id, const lt_kafka_replay_entry *entries, size_t n)
{
    lt_sidecar *sc = ctx;
    return lt_kafka_consumer_replay(sc->consumer, request_id, entries, n);
}

static void on_partition(void *ctx, int topic, int32_t partition, int64_t start)
{
    lt_sidecar *sc = ctx;
    lt_sidecar_positions_partition(sc->sink_pos, topic, partition, start);
    lt_hub_msg *m = calloc(1, sizeof(*m));
    if (!m)
        return; /* the hub learns the partition from its first record */
    m->kind = LT_HUB_PARTITION;
    m->topic = topic;
    m->partition = partition;
    m->offset = start;
    batch_push(sc, m);
}

/* A hub message carrying `json` (freed here) as its text frame; NULL when
 * memory runs out. */
static lt_hub_msg *frame_msg(lt_buf *json)
{
    lt_hub_msg *m = calloc(1, sizeof(*m));
    if (m && json->data)
        m->frame = lt_sidecar_frame_text((const char *)json->data, json->len);
    lt_buf_free(json);
    if (m && !m->frame) {
        lt_hub_msg_free(m);
        return NULL;
    }
    return m;
}

static lt_hub_msg *notice_for_status(const char *room_id, const lt_sidecar_status *st)
{
    char details[512];
    const char *message = NULL;
    int close_code = 0;
    if (strcmp(st->state, "rate_limited") == 0) {
        message = "room rate-limited at the sign server";
        if (st->retry_at > 0)
            snprintf(details, sizeof(details),
                     "The sign server refused to sign this room's connection (too many requests). "
                     "No events arrive until the collector's next attempt at %lld (epoch ms); "
                     "stay connected to receive them. %s",
                     (long long)st->retry_at, st->message);
        else
            snprintf(details, sizeof(details),
                     "The sign server refused to sign this room's connection (too many requests). "
                     "No events arrive until the collector retries; stay connected. %s",
                     st->message);
    } else if (strcmp(st->state, "error") == 0 && strcmp(st->reason, "not_found") == 0) {
        message = "room not found";
        snprintf(details, sizeof(details),
                 "The platform does not know this room (or the user is not live): %s", st->message);
        close_code = 1008;
    } else {
        return NULL;
    }
    lt_buf json = LT_BUF_INIT;
    lt_buf_append(&json, "{\"type\":\"error\",\"message\":", 26);
    lt_avro_json_string(&json, message, strlen(message));
    lt_buf_append(&json, ",\"details\":", 11);
    lt_avro_json_string(&json, details, strlen(details));
    lt_buf_append(&json, ",\"room_id\":", 11);
    lt_avro_json_string(&json, room_id, strlen(room_id));
    lt_buf_append(&json, ",\"state\":", 9);
    lt_avro_json_string(&json, st->state, strlen(st->state));
    if (st->retry_at > 0) {
        char num[48];
        int n = snprintf(num, sizeof(num), ",\"retry_at\":%lld", (long long)st->retry_at);
        lt_buf_append(&json, num, (size_t)n);
    }
    lt_buf_append_byte(&json, '}');
    lt_hub_msg *m = frame_msg(&json);
    if (!m)
        return NULL;
    m->kind = LT_HUB_NOTICE;
    m->close_code = close_code;
    snprintf(m->room_id, sizeof(m->room_id), "%s", room_id);
    return m;
}

static void on_record(void *ctx, const lt_kafka_record *rec)
{
    lt_sidecar *sc = ctx;
    char err[256];
    lt_hub_msg *m = calloc(1, sizeof(*m));
    if (!m)
        return;
    m->kind = LT_HUB_RECORD;
    m->topic = rec->topic;
    m->partition = rec->partition;
    m->offset = rec->offset;
    m->epoch = rec->epoch;
    m->type = sc->topic_types[rec->topic];
    lt_sidecar_positions_advance(sc->sink_pos, rec->topic, rec->partition, rec->offset, rec->epoch);

    /* The key is the routing truth (it chose the partition). A record we
     * cannot route or render still travels, frameless, so that both threads
     * see the same stream of positions. */
    if (!rec->key || !lt_room_id_valid(rec->key, rec->key_len)) {
        atomic_fetch_add(&sc->bad_keys, 1);
        lt_log_every(&sc->render_log_slot, 60000, LT_LOG_WARN,
                     "sidecar: record %s[%d]@%lld has no usable room id key: skipped",
                     sc->topic_names[rec->topic], rec->partition, (long long)rec->offset);
        batch_push(sc, m);
        return;
    }
    memcpy(m->room_id, rec->key, rec->key_len);
    m->room_id[rec->key_len] = '\0';
    if (!rec->fresh && !room_is_replaying(sc, m->room_id)) {
        atomic_fetch_add(&sc->stale_skipped, 1);
        batch_push(sc, m);
        return;
    }

    lt_sidecar_rendered info;
    lt_buf_reset(&sc->render_buf);
    if (lt_sidecar_render(sc->renderer, m->type, rec->value, rec->value_len, &sc->render_buf, &info,
                          err, sizeof(err)) < 0) {
        atomic_fetch_add(&sc->render_errors, 1);
        lt_log_every(&sc->render_log_slot, 60000, LT_LOG_WARN,
                     "sidecar: record %s[%d]@%lld does not decode: %s", sc->topic_names[rec->topic],
                     rec->partition, (long long)rec->offset, err);
        batch_push(sc, m);
        return;
    }
    char cursor[LT_SIDECAR_CURSOR_TEXT_MAX + 1];
    if (lt_sidecar_positions_cursor(sc->sink_pos, m->room_id, cursor, sizeof(cursor)) < 0)
        cursor[0] = '\0';
    if (sc->render_buf.len + sizeof(cursor) + 16 > (size_t)sc->cfg->queue_bytes) {
        /* No client's queue can take it: sending it would close every
         * subscriber of the room with 1013, and a client resuming from its
         * cursor would meet it again, forever. It travels frameless. */
        atomic_fetch_add(&sc->records_too_large, 1);
        lt_log_every(&sc->render_log_slot, 60000, LT_LOG_WARN,
                     "sidecar: record %s[%d]@%lld renders to %zu bytes, over queue_bytes (%ld): skipped",
                     sc->topic_names[rec->topic], rec->partition, (long long)rec->offset, sc->render_buf.len,
                     sc->cfg->queue_bytes);
        batch_push(sc, m);
        return;
    }
    m->frame = lt_sidecar_frame_new(sc->render_buf.data, sc->render_buf.len, cursor);
    if (m->frame) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        m->frame->born_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
        m->frame->kafka_ms = rec->timestamp > 0 ? rec->timestamp : 0;
    }
    batch_push(sc, m);
    if (info.is_status && rec->fresh) {
        lt_hub_msg *n = notice_for_status(m->room_id, &info.status);
        if (n)
            batch_push(sc, n);
    }
    if (sc->batch_bytes > (1u << 20))
        batch_flush(sc);
}

static void on_batch_end(void *ctx)
{
    batch_flush(ctx);
}

static void on_replay(void *ctx, uint64_t request_id, const lt_kafka_replay_start *starts, size_t n,
                      const char *error)
{
    lt_sidecar *sc = ctx;
    lt_hub_msg *m = calloc(1, sizeof(*m));
    if (!m)
        return; /* the client stays pending until it leaves; logged below */
    m->kind = LT_HUB_REPLAY;
    m->request_id = request_id;
    if (error) {
        m->error = strdup(error);
    } else if (n) {
        m->starts = malloc(n * sizeof(*starts));
        if (m->starts) {
            memcpy(m->starts, starts, n * sizeof(*starts));
            m->start_count = n;
        } else {
            m->error = strdup("out of memory");
        }
    }
    batch_push(sc, m);
    batch_flush(sc);
}

static void append_text(lt_buf *b, const char *s)
{
    lt_buf_append(b, s, strlen(s));
}

static void on_availability(void *ctx, bool up, const char *reason, int64_t down_ms)
{
    lt_sidecar *sc = ctx;
    lt_buf json = LT_BUF_INIT;
    char num[96];
    int64_t now = lt_now_ms();
    const char *message =
        up ? "Kafka is available again: the delayed events follow, then the live ones"
           : "Kafka is unavailable: events are delayed, not dropped; they follow once it is back. "
             "Stay connected, or reconnect later with your last cursor";
    append_text(&json, "{\"type\":\"status\",\"source\":\"sidecar\",\"state\":");
    append_text(&json, up ? "\"resumed\",\"reason\":\"kafka_available\"" : "\"delayed\",\"reason\":\"kafka_unavailable\"");
    append_text(&json, ",\"message\":");
    lt_avro_json_string(&json, message, strlen(message));
    if (!up && reason) {
        append_text(&json, ",\"details\":");
        lt_avro_json_string(&json, reason, strlen(reason));
    }
    int n = up ? snprintf(num, sizeof(num), ",\"event_time\":%lld,\"down_ms\":%lld}", (long long)now,
                          (long long)down_ms)
               : snprintf(num, sizeof(num), ",\"event_time\":%lld}", (long long)now);
    lt_buf_append(&json, num, (size_t)n);
    lt_hub_msg *m = frame_msg(&json);
    if (!m)
        return; /* out of memory: clients miss the notice, /readyz still tells */
    m->kind = LT_HUB_STREAM;
    m->up = up;
    batch_push(sc, m);
    batch_flush(sc);
}

lt_kafka_consumer_sink lt_sidecar_sink(lt_sidecar *sc)
{
    lt_kafka_consumer_sink sink = {
        .ctx = sc,
        .on_partition = on_partition,
        .on_record = on_record,
        .on_batch_end = on_batch_end,
        .on_replay = on_replay,
        .on_availability = on_availability,
    };
    return sink;
}

/* Pings the registry every 5 s for /readyz; a blocking HTTP call must not
 * run on the event loop. */
static void *health_main(void *arg)
{
    lt_sidecar *sc = arg;
    int64_t next = 0, log_slot = 0;
    while (!atomic_load(&sc->closing)) {
        int64_t now = lt_now_ms();
        if (now >= next) {
            char err[256];
            if (lt_registry_ping(sc->health_registry, err, sizeof(err)) == LT_REGISTRY_OK)
                atomic_store(&sc->registry_ok_ms, lt_now_ms());
            else
                lt_log_every(&log_slot, 60000, LT_LOG_WARN, "sidecar: registry: %s", err);
            next = now + 5000;
        }
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

int lt_sidecar_pipeline_start(lt_sidecar *sc, char *err, size_t errlen)
{
    /* The initial partition announcements are pushed on this thread before
     * the consumer thread exists; its first batch end flushes them. */
    if (lt_kafka_consumer_start(sc->consumer, 10000, err, errlen) < 0)
        return -1;
    if (sc->registry) {
        char why[256];
        /* One answer now, so that /readyz is right from the first request. */
        if (lt_registry_ping(sc->health_registry, why, sizeof(why)) == LT_REGISTRY_OK)
            atomic_store(&sc->registry_ok_ms, lt_now_ms());
        else
            lt_warn("sidecar: registry not reachable yet: %s", why);
        if (pthread_create(&sc->health_thread, NULL, health_main, sc) != 0) {
            snprintf(err, errlen, "cannot start the health thread");
            return -1;
        }
        sc->health_running = true;
    }
    return 0;
}

void lt_sidecar_pipeline_stop(lt_sidecar *sc)
{
    atomic_store(&sc->closing, true);
    pthread_mutex_lock(&sc->inbox_lock);
    pthread_cond_broadcast(&sc->inbox_drained);
    pthread_mutex_unlock(&sc->inbox_lock);
    lt_kafka_consumer_stop(sc->consumer);
    if (sc->health_running) {
        pthread_join(sc->health_thread, NULL);
        sc->health_running = false;
    }
}
