/* hub.c - rooms, subscribers, bounded queues and the live/replay rules.
 *
 * See hub.h for the rules. Data structures, chosen for the hot path (one
 * record to the N subscribers of one room):
 * - rooms: a chained hash table keyed by room id (FNV-1a), a room existing
 *   only while it has subscribers; each room keeps an intrusive list of its
 *   clients, so a record costs one lookup plus one enqueue per subscriber;
 * - a client's queue is a ring of frame pointers that grows up to the frame
 *   bound; bytes are counted against the byte bound;
 * - replaying and pending clients are also on one hub-wide list, walked for
 *   every record: replays are rare and short, and a replaying client must see
 *   every record of its partitions (any room) to know when it caught up.
 */
#include "sidecar/hub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "sidecar/render.h"

/* --- positions --- */

typedef struct pos_part {
    int64_t high;
    int64_t first; /* the offset the sidecar started reading it from */
    uint32_t last_epoch;
    bool known;
} pos_part;

typedef struct pos_topic {
    lt_event_type type;
    int32_t count;
    pos_part *parts;
} pos_topic;

struct lt_sidecar_positions {
    size_t topics;
    pos_topic *t;
};

lt_sidecar_positions *lt_sidecar_positions_create(const lt_event_type *topic_types, size_t topics)
{
    lt_sidecar_positions *p = calloc(1, sizeof(*p));
    if (!p || !(p->t = calloc(topics ? topics : 1, sizeof(*p->t)))) {
        free(p);
        return NULL;
    }
    p->topics = topics;
    for (size_t i = 0; i < topics; i++)
        p->t[i].type = topic_types[i];
    return p;
}

void lt_sidecar_positions_destroy(lt_sidecar_positions *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->topics; i++)
        free(p->t[i].parts);
    free(p->t);
    free(p);
}

static pos_part *pos_get(const lt_sidecar_positions *p, int topic, int32_t partition)
{
    if (topic < 0 || (size_t)topic >= p->topics || partition < 0 || partition >= p->t[topic].count)
        return NULL;
    return &p->t[topic].parts[partition];
}

int lt_sidecar_positions_partition(lt_sidecar_positions *p, int topic, int32_t partition,
                                   int64_t start)
{
    if (topic < 0 || (size_t)topic >= p->topics || partition < 0 || partition > 65535)
        return -1;
    pos_topic *t = &p->t[topic];
    if (partition >= t->count) {
        pos_part *parts = realloc(t->parts, sizeof(*parts) * (size_t)(partition + 1));
        if (!parts)
            return -1;
        memset(parts + t->count, 0, sizeof(*parts) * (size_t)(partition + 1 - t->count));
        t->parts = parts;
        t->count = partition + 1;
    }
    if (!t->parts[partition].known)
        t->parts[partition].first = start;
    t->parts[partition].high = start;
    t->parts[partition].known = true;
    return 0;
}

bool lt_sidecar_positions_advance(lt_sidecar_positions *p, int topic, int32_t partition,
                                  int64_t offset, uint32_t epoch)
{
    pos_part *pp = pos_get(p, topic, partition);
    if (!pp) {
        if (lt_sidecar_positions_partition(p, topic, partition, offset) < 0)
            return false;
        pp = pos_get(p, topic, partition);
    }
    if (epoch > pp->last_epoch)
        pp->last_epoch = epoch;
    if (offset < pp->high)
        return false;
    pp->high = offset + 1;
    return true;
}

int32_t lt_sidecar_positions_room_partition(const lt_sidecar_positions *p, int topic,
                                            const char *room_id)
{
    if (topic < 0 || (size_t)topic >= p->topics || p->t[topic].count <= 0)
        return -1;
    return lt_kafka_partition_for_key(room_id, strlen(room_id), p->t[topic].count);
}

int lt_sidecar_positions_cursor(const lt_sidecar_positions *p, const char *room_id, char *out,
                                size_t cap)
{
    lt_sidecar_cursor cur;
    cur.count = 0;
    /* Topics usually share a partition count: hash the room once per count
     * (this runs for every record). */
    size_t id_len = strlen(room_id);
    int32_t count = 0, rp = -1;
    for (size_t i = 0; i < p->topics && cur.count < LT_SIDECAR_CURSOR_MAX_ENTRIES; i++) {
        if (p->t[i].count <= 0)
            continue;
        if (p->t[i].count != count) {
            count = p->t[i].count;
            rp = lt_kafka_partition_for_key(room_id, id_len, count);
        }
        cur.entries[cur.count++] =
            (lt_sidecar_cursor_entry){p->t[i].type, rp, p->t[i].parts[rp].high};
    }
    return lt_sidecar_cursor_encode(&cur, out, cap);
}

/* --- hub --- */

typedef enum client_state { WAITING, PENDING, REPLAY, LIVE, CLOSED } client_state;

typedef struct track {
    bool tracked;
    bool synced;
    int32_t partition;
    int64_t scan;
    uint32_t epoch_min;
} track;

typedef struct room {
    struct room *next;          /* bucket chain */
    lt_hub_client *clients;     /* intrusive list */
    size_t count;
    char id[];
} room;

struct lt_hub_client {
    lt_hub *hub;
    room *room;
    void *user;
    uint64_t id;
    uint64_t types;
    client_state state;
    lt_hub_client *room_prev, *room_next;
    lt_hub_client *rep_prev, *rep_next; /* the replay list, or the waiting list */
    bool on_replay_list;
    bool on_waiting_list;
    lt_kafka_replay_entry *wait_entries; /* WAITING: the request to start (owned) */
    size_t wait_n;
    lt_sidecar_frame **ring;
    size_t ring_cap, head, count, bytes;
    track *tracks;
    uint64_t last_seq;
    int close_code;
    char close_reason[124];
};

struct lt_hub {
    size_t topics;
    lt_event_type *topic_types;
    lt_sidecar_positions *pos;
    lt_hub_limits limits;
    lt_hub_callbacks cb;
    room **buckets;
    size_t nbuckets, nrooms;
    lt_hub_client *replaying;   /* PENDING and REPLAY clients */
    size_t active_replays;      /* ... how many */
    lt_hub_client *waiting_head, *waiting_tail; /* WAITING clients, oldest first */
    size_t nwaiting;
    uint64_t next_id;
    uint64_t seq;
    lt_sidecar_frame *kafka_down;  /* the notice new subscribers get during an outage */
    lt_hub_stats stats;
};

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    while (*s)
        h = (h ^ (uint8_t)*s++) * 0x100000001b3ull;
    return h;
}

lt_hub *lt_hub_create(const lt_event_type *topic_types, size_t topics, const lt_hub_limits *limits,
                      const lt_hub_callbacks *cb)
{
    lt_hub *hub = calloc(1, sizeof(*hub));
    if (!hub)
        return NULL;
    hub->topics = topics;
    hub->topic_types = calloc(topics ? topics : 1, sizeof(lt_event_type));
    hub->pos = lt_sidecar_positions_create(topic_types, topics);
    hub->nbuckets = 1024;
    hub->buckets = calloc(hub->nbuckets, sizeof(room *));
    if (!hub->topic_types || !hub->pos || !hub->buckets) {
        lt_hub_destroy(hub);
        return NULL;
    }
    memcpy(hub->topic_types, topic_types, topics * sizeof(lt_event_type));
    if (limits)
        hub->limits = *limits;
    if (!hub->limits.max_queue_frames)
        hub->limits.max_queue_frames = 4096;
    if (!hub->limits.max_queue_bytes)
        hub->limits.max_queue_bytes = 8u << 20;
    if (!hub->limits.replay_queue_bytes)
        hub->limits.replay_queue_bytes = hub->limits.max_queue_bytes;
    if (!hub->limits.max_replays)
        hub->limits.max_replays = SIZE_MAX;
    if (cb)
        hub->cb = *cb;
    hub->next_id = 1;
    return hub;
}

static room *room_find(lt_hub *hub, const char *id, bool create)
{
    size_t b = fnv1a(id) & (hub->nbuckets - 1);
    for (room *r = hub->buckets[b]; r; r = r->next)
        if (strcmp(r->id, id) == 0)
            return r;
    if (!create)
        return NULL;
    if (hub->nrooms >= hub->nbuckets) { /* keep chains short: rehash at load 1 */
        size_t nb = hub->nbuckets * 2;
        room **nbk = calloc(nb, sizeof(room *));
        if (nbk) {
            for (size_t i = 0; i < hub->nbuckets; i++)
                for (room *r = hub->buckets[i], *next; r; r = next) {
                    next = r->next;
                    size_t j = fnv1a(r->id) & (nb - 1);
                    r->next = nbk[j];
                    nbk[j] = r;
                }
            free(hub->buckets);
            hub->buckets = nbk;
            hub->nbuckets = nb;
            b = fnv1a(id) & (nb - 1);
        }
    }
    size_t len = strlen(id);
    room *r = calloc(1, sizeof(*r) + len + 1);
    if (!r)
        return NULL;
    memcpy(r->id, id, len + 1);
    r->next = hub->buckets[b];
    hub->buckets[b] = r;
    hub->nrooms++;
    return r;
}

static void room_release(lt_hub *hub, room *r)
{
    if (r->count > 0)
        return;
    room **pp = &hub->buckets[fnv1a(r->id) & (hub->nbuckets - 1)];
    while (*pp && *pp != r)
        pp = &(*pp)->next;
    if (*pp)
        *pp = r->next;
    hub->nrooms--;
    free(r);
}

/* The client must be in its room. */
static void replay_list_add(lt_hub_client *c)
{
    lt_hub *hub = c->hub;
    c->rep_prev = NULL;
    c->rep_next = hub->replaying;
    if (hub->replaying)
        hub->replaying->rep_prev = c;
    hub->replaying = c;
    c->on_replay_list = true;
    hub->active_replays++;
    if (hub->cb.room_replaying)
        hub->cb.room_replaying(hub->cb.ctx, c->room->id, 1);
}

static void replay_list_remove(lt_hub_client *c)
{
    if (!c->on_replay_list)
        return;
    lt_hub *hub = c->hub;
    if (c->rep_prev)
        c->rep_prev->rep_next = c->rep_next;
    else
        hub->replaying = c->rep_next;
    if (c->rep_next)
        c->rep_next->rep_prev = c->rep_prev;
    c->rep_prev = c->rep_next = NULL;
    c->on_replay_list = false;
    hub->active_replays--;
    if (hub->cb.room_replaying && c->room)
        hub->cb.room_replaying(hub->cb.ctx, c->room->id, -1);
}

static void waiting_push(lt_hub_client *c)
{
    lt_hub *hub = c->hub;
    c->rep_next = NULL;
    c->rep_prev = hub->waiting_tail;
    if (hub->waiting_tail)
        hub->waiting_tail->rep_next = c;
    else
        hub->waiting_head = c;
    hub->waiting_tail = c;
    c->on_waiting_list = true;
    hub->nwaiting++;
}

static void waiting_remove(lt_hub_client *c)
{
    if (!c->on_waiting_list)
        return;
    lt_hub *hub = c->hub;
    if (c->rep_prev)
        c->rep_prev->rep_next = c->rep_next;
    else
        hub->waiting_head = c->rep_next;
    if (c->rep_next)
        c->rep_next->rep_prev = c->rep_prev;
    else
        hub->waiting_tail = c->rep_prev;
    c->rep_prev = c->rep_next = NULL;
    c->on_waiting_list = false;
    hub->nwaiting--;
    free(c->wait_entries);
    c->wait_entries = NULL;
    c->wait_n = 0;
}

static void room_list_remove(lt_hub_client *c)
{
    if (!c->room)
        return;
    if (c->room_prev)
        c->room_prev->room_next = c->room_next;
    else
        c->room->clients = c->room_next;
    if (c->room_next)
        c->room_next->room_prev = c->room_prev;
    c->room_prev = c->room_next = NULL;
    c->room->count--;
    room_release(c->hub, c->room);
    c->room = NULL;
}

static void queue_drop(lt_hub_client *c)
{
    c->hub->stats.queued_bytes -= c->bytes;
    while (c->count) {
        lt_sidecar_frame_unref(c->ring[c->head]);
        c->head = (c->head + 1) % c->ring_cap;
        c->count--;
    }
    c->bytes = 0;
}

static void client_detach(lt_hub_client *c)
{
    waiting_remove(c);
    replay_list_remove(c);
    room_list_remove(c);
}

static void request_write(lt_hub_client *c)
{
    if (c->hub->cb.want_write)
        c->hub->cb.want_write(c->hub->cb.ctx, c->user);
}

void lt_hub_client_close(lt_hub_client *c, int code, const char *reason, lt_hub_close_reason why)
{
    if (!c || c->state == CLOSED)
        return;
    client_detach(c);
    queue_drop(c);
    c->state = CLOSED;
    c->close_code = code;
    snprintf(c->close_reason, sizeof(c->close_reason), "%s", reason ? reason : "");
    if (why < LT_HUB_CLOSE_REASONS)
        c->hub->stats.closes[why]++;
    request_write(c);
}

/* Appends without bounds (error frames must get through); -1 on OOM. */
static int queue_push(lt_hub_client *c, lt_sidecar_frame *f)
{
    if (c->count == c->ring_cap) {
        size_t ncap = c->ring_cap ? c->ring_cap * 2 : 16;
        lt_sidecar_frame **n = malloc(ncap * sizeof(*n));
        if (!n)
            return -1;
        for (size_t i = 0; i < c->count; i++)
            n[i] = c->ring[(c->head + i) % c->ring_cap];
        free(c->ring);
        c->ring = n;
        c->ring_cap = ncap;
        c->head = 0;
    }
    c->ring[(c->head + c->count) % c->ring_cap] = f;
    f->refs++;
    c->count++;
    c->bytes += f->len;
    c->hub->stats.queued_bytes += f->len;
    if (c->count == 1)
        request_write(c);
    return 0;
}

/* Whether one more frame would pass a bound. A frame alone in its queue
 * always fits (the pipeline drops frames over max_queue_bytes): a replaying
 * client's smaller bound must not close it over one large record. */
static bool over_bound(const lt_hub_client *c, const lt_sidecar_frame *f, size_t max_bytes)
{
    return c->count > 0 &&
           (c->count + 1 > c->hub->limits.max_queue_frames || c->bytes + f->len > max_bytes);
}

static void enqueue(lt_hub_client *c, lt_sidecar_frame *f)
{
    lt_hub *hub = c->hub;
    bool replaying = c->state == REPLAY || c->state == PENDING;
    size_t max_bytes = replaying ? hub->limits.replay_queue_bytes : hub->limits.max_queue_bytes;
    if (over_bound(c, f, max_bytes) && hub->cb.flush)
        hub->cb.flush(hub->cb.ctx, c->user);
    if (over_bound(c, f, max_bytes)) {
        char reason[120];
        snprintf(reason, sizeof(reason), "slow consumer%s: over %zu frames or %zu bytes queued",
                 replaying ? " during a replay (resume with the last cursor)" : "",
                 hub->limits.max_queue_frames, max_bytes);
        lt_hub_client_close(c, 1013, reason, LT_HUB_CLOSE_SLOW);
        return;
    }
    if (queue_push(c, f) < 0) {
        lt_hub_client_close(c, 1011, "out of memory", LT_HUB_CLOSE_SLOW);
        return;
    }
    hub->stats.frames_queued++;
}

static void build_error(lt_buf *out, const char *message, const char *details)
{
    lt_buf_append(out, "{\"type\":\"error\",\"message\":", 26);
    lt_avro_json_string(out, message, strlen(message));
    lt_buf_append(out, ",\"details\":", 11);
    lt_avro_json_string(out, details ? details : "", details ? strlen(details) : 0);
    lt_buf_append_byte(out, '}');
}

/* Detaches the client from deliveries but keeps its queue (error frames),
 * to close once the queue is written. */
static void close_after_queue(lt_hub_client *c, int code, const char *reason,
                              lt_hub_close_reason why)
{
    if (c->state == CLOSED)
        return;
    client_detach(c);
    c->state = CLOSED;
    c->close_code = code;
    snprintf(c->close_reason, sizeof(c->close_reason), "%s", reason ? reason : "");
    if (why < LT_HUB_CLOSE_REASONS)
        c->hub->stats.closes[why]++;
    request_write(c);
}

void lt_hub_client_error(lt_hub_client *c, const char *message, const char *details, int code,
                         lt_hub_close_reason why)
{
    if (!c || c->state == CLOSED)
        return;
    lt_buf json = LT_BUF_INIT;
    build_error(&json, message, details);
    lt_sidecar_frame *f = json.data ? lt_sidecar_frame_text((const char *)json.data, json.len) : NULL;
    lt_buf_free(&json);
    if (f) {
        if (queue_push(c, f) < 0)
            queue_drop(c);
        lt_sidecar_frame_unref(f);
    }
    close_after_queue(c, code, message, why);
}

lt_hub_client *lt_hub_subscribe(lt_hub *hub, const lt_sidecar_request *req, void *user,
                                lt_kafka_replay_entry *entries, size_t *n, lt_sidecar_error *err)
{
    *n = 0;
    lt_hub_client *c = calloc(1, sizeof(*c));
    if (!c || !(c->tracks = calloc(hub->topics ? hub->topics : 1, sizeof(track)))) {
        free(c);
        snprintf(err->message, sizeof(err->message), "server busy");
        snprintf(err->details, sizeof(err->details), "out of memory");
        return NULL;
    }
    c->hub = hub;
    c->user = user;
    c->id = hub->next_id++;
    c->types = req->types;
    c->state = LIVE;
    size_t k = 0;
    if (req->has_since || req->has_cursor) {
        for (size_t t = 0; t < hub->topics; t++) {
            if (!(req->types & LT_SIDECAR_TYPE_BIT(hub->topic_types[t])))
                continue;
            int32_t rp = lt_sidecar_positions_room_partition(hub->pos, (int)t, req->room_id);
            if (rp < 0)
                continue; /* no partitions yet: everything it gets will be new */
            lt_kafka_replay_entry *e = &entries[k++];
            e->topic = (int)t;
            e->partition = rp;
            e->offset = -1;
            e->since_ms = req->since_ms;
            if (req->has_cursor) {
                e->offset = 0; /* not in the cursor: the topic appeared after it */
                for (size_t i = 0; i < req->cursor.count; i++) {
                    const lt_sidecar_cursor_entry *ce = &req->cursor.entries[i];
                    if (ce->type != (uint32_t)hub->topic_types[t])
                        continue;
                    if (ce->partition != rp) {
                        snprintf(err->message, sizeof(err->message), "bad cursor");
                        snprintf(err->details, sizeof(err->details),
                                 "the cursor does not belong to room %s (partition %d of the %s "
                                 "topic, expected %d)",
                                 req->room_id, ce->partition, lt_sidecar_type_name(hub->topic_types[t]),
                                 rp);
                        free(c->tracks);
                        free(c);
                        return NULL;
                    }
                    e->offset = ce->offset;
                }
            }
        }
    }
    if (k > 0) {
        if (!hub->limits.max_replays || hub->active_replays < hub->limits.max_replays) {
            c->state = PENDING;
        } else if (hub->nwaiting < hub->limits.max_replay_waiting &&
                   (c->wait_entries = malloc(k * sizeof(*entries)))) {
            memcpy(c->wait_entries, entries, k * sizeof(*entries));
            c->wait_n = k;
            c->state = WAITING;
        } else {
            hub->stats.replays_refused++;
            err->code = 1013;
            snprintf(err->message, sizeof(err->message), "replay capacity");
            snprintf(err->details, sizeof(err->details),
                     "this sidecar serves %zu replays (since=/cursor=) at once and %zu more are waiting; "
                     "retry in a few seconds, or connect without since/cursor for live events",
                     hub->limits.max_replays, hub->nwaiting);
            free(c->tracks);
            free(c);
            return NULL;
        }
    }
    room *r = room_find(hub, req->room_id, true);
    if (!r) {
        free(c->wait_entries);
        free(c->tracks);
        free(c);
        snprintf(err->message, sizeof(err->message), "server busy");
        snprintf(err->details, sizeof(err->details), "out of memory");
        return NULL;
    }
    c->room = r;
    c->room_next = r->clients;
    if (r->clients)
        r->clients->room_prev = c;
    r->clients = c;
    r->count++;
    hub->stats.clients++;
    if (c->state == PENDING) {
        replay_list_add(c);
        *n = k;
    } else if (c->state == WAITING) {
        waiting_push(c);
    }
    if (hub->kafka_down && queue_push(c, hub->kafka_down) == 0)
        hub->stats.frames_queued++;
    return c;
}

uint64_t lt_hub_client_request_id(const lt_hub_client *c)
{
    return c->id;
}

/* Starts waiting replays while slots are free, oldest first. */
static void admit_waiting(lt_hub *hub)
{
    while (hub->waiting_head && hub->active_replays < hub->limits.max_replays) {
        lt_hub_client *c = hub->waiting_head;
        lt_kafka_replay_entry *entries = c->wait_entries;
        size_t n = c->wait_n;
        c->wait_entries = NULL;
        waiting_remove(c);
        c->state = PENDING;
        replay_list_add(c);
        if (!hub->cb.start_replay || hub->cb.start_replay(hub->cb.ctx, c->id, entries, n) < 0)
            lt_hub_client_error(c, "server busy", "cannot queue the replay", 1011, LT_HUB_CLOSE_ERROR);
        free(entries);
    }
}

void lt_hub_unsubscribe(lt_hub_client *c)
{
    if (!c)
        return;
    lt_hub *hub = c->hub;
    client_detach(c);
    queue_drop(c);
    hub->stats.clients--;
    free(c->ring);
    free(c->tracks);
    free(c);
    admit_waiting(hub);
}

bool lt_hub_client_live(const lt_hub_client *c)
{
    return c->state == LIVE;
}

static void check_sync(lt_hub_client *c)
{
    bool all = true;
    for (size_t t = 0; t < c->hub->topics; t++) {
        track *tr = &c->tracks[t];
        if (!tr->tracked || tr->synced)
            continue;
        pos_part *pp = pos_get(c->hub->pos, (int)t, tr->partition);
        if (pp && tr->scan == pp->high && pp->last_epoch >= tr->epoch_min)
            tr->synced = true;
        else
            all = false;
    }
    if (all && c->state == REPLAY) {
        c->state = LIVE;
        replay_list_remove(c);
    }
}

/* A copy of the shared frame with this client's own cursor. */
static lt_sidecar_frame *own_frame(lt_hub_client *c, const lt_sidecar_frame *shared)
{
    lt_sidecar_cursor cur;
    char text[LT_SIDECAR_CURSOR_TEXT_MAX + 1];
    cur.count = 0;
    for (size_t t = 0; t < c->hub->topics && cur.count < LT_SIDECAR_CURSOR_MAX_ENTRIES; t++) {
        int32_t rp = lt_sidecar_positions_room_partition(c->hub->pos, (int)t, c->room->id);
        if (rp < 0)
            continue;
        const track *tr = &c->tracks[t];
        int64_t off = (tr->tracked && !tr->synced && tr->partition == rp)
                          ? tr->scan
                          : c->hub->pos->t[t].parts[rp].high;
        cur.entries[cur.count++] = (lt_sidecar_cursor_entry){c->hub->topic_types[t], rp, off};
    }
    if (lt_sidecar_cursor_encode(&cur, text, sizeof(text)) < 0)
        return NULL;
    lt_sidecar_frame *f = lt_sidecar_frame_new(shared->data + shared->hdr_len, shared->body_len, text);
    if (f) {
        f->born_us = shared->born_us;
        f->kafka_ms = shared->kafka_ms;
    }
    return f;
}

static void apply_record(lt_hub *hub, lt_hub_msg *m)
{
    uint64_t bit = LT_SIDECAR_TYPE_BIT(m->type);
    bool fresh = lt_sidecar_positions_advance(hub->pos, m->topic, m->partition, m->offset, m->epoch);
    hub->seq++;
    hub->stats.records_in++;
    if (!fresh)
        hub->stats.records_stale++;
    for (lt_hub_client *c = hub->replaying, *next; c; c = next) {
        next = c->rep_next;
        if (c->state != REPLAY || m->topic < 0 || (size_t)m->topic >= hub->topics)
            continue;
        track *tr = &c->tracks[m->topic];
        bool mine = m->frame && (c->types & bit) && strcmp(c->room->id, m->room_id) == 0;
        bool deliver = false;
        if (tr->tracked && !tr->synced) {
            if (tr->partition == m->partition && m->epoch >= tr->epoch_min && m->offset >= tr->scan) {
                tr->scan = m->offset + 1;
                deliver = mine;
            }
        } else {
            deliver = mine && fresh;
        }
        if (deliver) {
            lt_sidecar_frame *own = own_frame(c, m->frame);
            c->last_seq = hub->seq;
            if (!own) {
                lt_hub_client_close(c, 1011, "out of memory", LT_HUB_CLOSE_SLOW);
                continue;
            }
            enqueue(c, own);
            lt_sidecar_frame_unref(own);
            hub->stats.frames_own++;
        }
        if (c->state == REPLAY)
            check_sync(c);
    }
    if (!fresh || !m->frame)
        return;
    room *r = room_find(hub, m->room_id, false);
    if (!r)
        return;
    for (lt_hub_client *c = r->clients, *next; c; c = next) {
        next = c->room_next;
        if (c->state == LIVE && (c->types & bit) && c->last_seq != hub->seq)
            enqueue(c, m->frame);
    }
}

static void apply_notice(lt_hub *hub, lt_hub_msg *m)
{
    room *r = room_find(hub, m->room_id, false);
    if (!r)
        return;
    for (lt_hub_client *c = r->clients, *next; c; c = next) {
        next = c->room_next;
        if (c->state != LIVE && c->state != REPLAY)
            continue;
        if (queue_push(c, m->frame) < 0) {
            lt_hub_client_close(c, 1011, "out of memory", LT_HUB_CLOSE_SLOW);
            continue;
        }
        hub->stats.frames_queued++;
        if (m->close_code)
            close_after_queue(c, m->close_code, "room unavailable", LT_HUB_CLOSE_STATUS);
    }
}

static void apply_stream(lt_hub *hub, lt_hub_msg *m)
{
    lt_sidecar_frame_unref(hub->kafka_down);
    hub->kafka_down = NULL;
    if (!m->up) {
        hub->kafka_down = m->frame;
        m->frame->refs++;
    }
    for (size_t b = 0; b < hub->nbuckets; b++)
        for (room *r = hub->buckets[b], *rnext; r; r = rnext) {
            rnext = r->next; /* a close below may free the room */
            for (lt_hub_client *c = r->clients, *next; c; c = next) {
                next = c->room_next;
                if (c->state == CLOSED)
                    continue;
                if (queue_push(c, m->frame) < 0) {
                    lt_hub_client_close(c, 1011, "out of memory", LT_HUB_CLOSE_SLOW);
                    continue;
                }
                hub->stats.frames_queued++;
            }
        }
}

/* A topic the client wants that had no partition when the request was made
 * and has one now was created while the request waited for the consumer
 * (seconds when a seek timed out with Kafka away). Its first records went
 * by as fresh ones, to live clients only: a pending client got none. Asks
 * again for the plan's starts plus those topics from the offset the sidecar
 * first read them at. Returns true when asked again (the client stays
 * pending; the next answer is the one it follows). */
static bool in_plan(const lt_hub_msg *m, int topic)
{
    for (size_t i = 0; i < m->start_count; i++)
        if (m->starts[i].topic == topic)
            return true;
    return false;
}

static bool replay_again_for_new_topics(lt_hub *hub, lt_hub_client *c, const lt_hub_msg *m)
{
    size_t extra = 0;
    for (size_t t = 0; t < hub->topics; t++) {
        if (!(c->types & LT_SIDECAR_TYPE_BIT(hub->topic_types[t])))
            continue;
        if (!in_plan(m, (int)t) && lt_sidecar_positions_room_partition(hub->pos, (int)t, c->room->id) >= 0)
            extra++;
    }
    if (!extra || !hub->cb.start_replay)
        return false;
    lt_kafka_replay_entry *entries = calloc(m->start_count + extra, sizeof(*entries));
    if (!entries)
        return false; /* the plan stands; the new topics' first records are missed */
    size_t n = 0;
    for (size_t i = 0; i < m->start_count; i++)
        entries[n++] =
            (lt_kafka_replay_entry){m->starts[i].topic, m->starts[i].partition, m->starts[i].start, 0};
    for (size_t t = 0; t < hub->topics; t++) {
        if (!(c->types & LT_SIDECAR_TYPE_BIT(hub->topic_types[t])))
            continue;
        int32_t rp = lt_sidecar_positions_room_partition(hub->pos, (int)t, c->room->id);
        if (!in_plan(m, (int)t) && rp >= 0)
            entries[n++] = (lt_kafka_replay_entry){(int)t, rp, pos_get(hub->pos, (int)t, rp)->first, 0};
    }
    hub->stats.replays_widened++;
    if (hub->cb.start_replay(hub->cb.ctx, c->id, entries, n) < 0)
        lt_hub_client_error(c, "server busy", "cannot queue the replay", 1011, LT_HUB_CLOSE_ERROR);
    free(entries);
    return true;
}

static void apply_replay(lt_hub *hub, lt_hub_msg *m)
{
    lt_hub_client *c = hub->replaying;
    while (c && !(c->id == m->request_id && c->state == PENDING))
        c = c->rep_next;
    if (!c)
        return; /* the client left meanwhile */
    if (m->error) {
        lt_hub_client_error(c, "replay refused", m->error, 1008, LT_HUB_CLOSE_ERROR);
        return;
    }
    if (replay_again_for_new_topics(hub, c, m))
        return;
    for (size_t i = 0; i < m->start_count; i++) {
        const lt_kafka_replay_start *s = &m->starts[i];
        if (s->topic < 0 || (size_t)s->topic >= hub->topics)
            continue;
        track *tr = &c->tracks[s->topic];
        tr->tracked = true;
        tr->synced = false;
        tr->partition = s->partition;
        tr->scan = s->start;
        tr->epoch_min = s->epoch;
        pos_part *pp = pos_get(hub->pos, s->topic, s->partition);
        if (pp && s->epoch > pp->last_epoch)
            pp->last_epoch = s->epoch; /* the stream from here on is of this epoch */
    }
    c->state = REPLAY;
    check_sync(c);
}

void lt_hub_apply(lt_hub *hub, lt_hub_msg *m)
{
    switch (m->kind) {
    case LT_HUB_RECORD: apply_record(hub, m); break;
    case LT_HUB_NOTICE:
        if (m->frame)
            apply_notice(hub, m);
        break;
    case LT_HUB_PARTITION:
        lt_sidecar_positions_partition(hub->pos, m->topic, m->partition, m->offset);
        break;
    case LT_HUB_REPLAY: apply_replay(hub, m); break;
    case LT_HUB_STREAM:
        if (m->frame)
            apply_stream(hub, m);
        break;
    }
    lt_hub_msg_free(m);
    if (hub->waiting_head && hub->active_replays < hub->limits.max_replays)
        admit_waiting(hub);
}

void lt_hub_msg_free(lt_hub_msg *m)
{
    if (!m)
        return;
    lt_sidecar_frame_unref(m->frame);
    free(m->starts);
    free(m->error);
    free(m);
}

lt_sidecar_frame *lt_hub_client_peek(lt_hub_client *c)
{
    return c->count ? c->ring[c->head] : NULL;
}

void lt_hub_client_pop(lt_hub_client *c)
{
    if (!c->count)
        return;
    lt_sidecar_frame *f = c->ring[c->head];
    c->bytes -= f->len;
    c->hub->stats.queued_bytes -= f->len;
    lt_sidecar_frame_unref(f);
    c->head = (c->head + 1) % c->ring_cap;
    c->count--;
}

size_t lt_hub_client_queued_bytes(const lt_hub_client *c)
{
    return c->bytes;
}

int lt_hub_client_close_code(const lt_hub_client *c, const char **reason)
{
    if (c->state != CLOSED)
        return 0;
    if (reason)
        *reason = c->close_reason;
    return c->close_code;
}

uint64_t lt_hub_frames_queued(const lt_hub *hub)
{
    return hub->stats.frames_queued + hub->stats.frames_own;
}

void lt_hub_stats_get(const lt_hub *hub, lt_hub_stats *out)
{
    *out = hub->stats;
    out->rooms = hub->nrooms;
    out->replaying = hub->active_replays;
    out->replays_waiting = hub->nwaiting;
}

void lt_hub_foreach(lt_hub *hub, void (*fn)(lt_hub_client *c, void *user, void *arg), void *arg)
{
    size_t n = 0, cap = 64;
    lt_hub_client **all = malloc(cap * sizeof(*all));
    if (!all)
        return;
    for (size_t b = 0; b < hub->nbuckets; b++)
        for (room *r = hub->buckets[b]; r; r = r->next)
            for (lt_hub_client *c = r->clients; c; c = c->room_next) {
                if (n == cap) {
                    lt_hub_client **more = realloc(all, 2 * cap * sizeof(*all));
                    if (!more)
                        goto run;
                    all = more;
                    cap *= 2;
                }
                all[n++] = c;
            }
run:
    for (size_t i = 0; i < n; i++)
        fn(all[i], all[i]->user, arg);
    free(all);
}

void lt_hub_destroy(lt_hub *hub)
{
    if (!hub)
        return;
    for (size_t b = 0; hub->buckets && b < hub->nbuckets; b++) {
        room *r = hub->buckets[b];
        while (r) {
            room *next = r->next;
            lt_hub_client *c = r->clients;
            while (c) {
                lt_hub_client *cn = c->room_next;
                queue_drop(c);
                free(c->wait_entries);
                free(c->ring);
                free(c->tracks);
                free(c);
                c = cn;
            }
            free(r);
            r = next;
        }
    }
    free(hub->buckets);
    lt_sidecar_frame_unref(hub->kafka_down);
    lt_sidecar_positions_destroy(hub->pos);
    free(hub->topic_types);
    free(hub);
}
