/* hub.h - rooms, subscribers and the fan-out rules (no sockets in here).
 *
 * The hub runs on the server's event-loop thread. It receives, in Kafka
 * stream order, the messages the consumer thread produced (records already
 * rendered into shared, pre-framed WebSocket frames; partition
 * announcements; replay plans) and decides which subscriber gets what. The
 * server moves frames from a subscriber's queue to its socket.
 *
 * Frames. A frame is rendered once per record and shared by reference by
 * every subscriber of the room; it holds the WebSocket header followed by
 * the JSON, so writing it is a copy, not a re-encoding. Refcounts are only
 * touched on the loop thread.
 *
 * Delivery rules, per partition (topic index, partition):
 * - H is one past the greatest offset dispatched. A record with offset >= H
 *   is new ("live"): every LIVE subscriber of its room whose type filter
 *   matches gets the shared frame, whose cursor was computed from the same H
 *   by the consumer thread.
 * - A replaying subscriber (since= or cursor=) first waits (PENDING) for its
 *   plan; then, on each partition it tracks, takes records whose epoch >= the
 *   plan's epoch and offset >= its scan position, advancing scan with every
 *   such record of any room so that it can tell when it has caught up. Its
 *   frames carry its own cursor (a copy of the shared frame with the cursor
 *   replaced). Once scan == H on every tracked partition, and the stream is
 *   past the seek, its rules coincide with the live ones and it becomes
 *   LIVE: from then on it shares frames like everyone else.
 * - Per subscriber, a bounded queue (frames and bytes): past either bound
 *   the subscriber is closed with 1013 and counted, never waited for.
 * - Stream notices (Kafka unavailable / available again) go to every
 *   subscriber whatever its room and filter; while Kafka is unavailable the
 *   hub keeps the notice and gives it to each new subscriber as its first
 *   frame, so nobody waits on a silent stream without being told why.
 */
#ifndef LT_SIDECAR_HUB_H
#define LT_SIDECAR_HUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/event.h"
#include "kafka/consumer.h"
#include "sidecar/request.h"

typedef struct lt_sidecar_frame {
    uint32_t refs;
    uint32_t len;       /* wire bytes: header + JSON */
    uint32_t hdr_len;
    uint32_t body_len;  /* JSON bytes before the cursor suffix (or the closing brace) */
    int64_t born_us;    /* monotonic time it was rendered (0 = untimed) */
    int64_t kafka_ms;   /* the record's Kafka timestamp (0 = none) */
    uint8_t data[];
} lt_sidecar_frame;

/* A text frame of `json_prefix` (JSON without its closing brace) followed by
 * ,"cursor":"<cursor>"} - or just } when cursor is NULL. refs = 1. */
lt_sidecar_frame *lt_sidecar_frame_new(const void *json_prefix, size_t prefix_len,
                                       const char *cursor);
/* A complete JSON text as one frame (errors). refs = 1. */
lt_sidecar_frame *lt_sidecar_frame_text(const char *json, size_t len);
void lt_sidecar_frame_unref(lt_sidecar_frame *f);

/* Partition positions as one thread sees them (the consumer's sink keeps one,
 * the hub another; both advance in the same stream order). */
typedef struct lt_sidecar_positions lt_sidecar_positions;
lt_sidecar_positions *lt_sidecar_positions_create(const lt_event_type *topic_types, size_t topics);
void lt_sidecar_positions_destroy(lt_sidecar_positions *p);
/* A partition is read from `start`. */
int lt_sidecar_positions_partition(lt_sidecar_positions *p, int topic, int32_t partition,
                                   int64_t start);
/* Records a dispatched record; returns true if it is new (offset >= H). */
bool lt_sidecar_positions_advance(lt_sidecar_positions *p, int topic, int32_t partition,
                                  int64_t offset, uint32_t epoch);
/* The room's partition in a topic, -1 if the topic has no partitions yet. */
int32_t lt_sidecar_positions_room_partition(const lt_sidecar_positions *p, int topic,
                                            const char *room_id);
/* The live cursor of a room: (type, room partition, H) for every topic
 * with partitions. Text length, or -1. */
int lt_sidecar_positions_cursor(const lt_sidecar_positions *p, const char *room_id, char *out,
                                size_t cap);

typedef struct lt_hub lt_hub;
typedef struct lt_hub_client lt_hub_client;

typedef enum lt_hub_msg_kind {
    LT_HUB_RECORD = 0,     /* a rendered record */
    LT_HUB_NOTICE,         /* a frame for every subscriber of a room (status-derived errors) */
    LT_HUB_PARTITION,      /* a partition is read from `offset` */
    LT_HUB_REPLAY,         /* a replay plan (or its refusal) */
    LT_HUB_STREAM,         /* a frame for every subscriber: Kafka unavailable (up = false) or back */
} lt_hub_msg_kind;

typedef struct lt_hub_msg {
    struct lt_hub_msg *next;
    lt_hub_msg_kind kind;
    int topic;
    int32_t partition;
    int64_t offset;
    uint32_t epoch;
    lt_event_type type;
    int close_code;               /* NOTICE: close after it (0 = keep open) */
    bool up;                      /* STREAM: Kafka is available again */
    lt_sidecar_frame *frame;      /* RECORD/NOTICE: the hub takes this reference */
    uint64_t request_id;          /* REPLAY */
    size_t start_count;
    lt_kafka_replay_start *starts; /* REPLAY: owned by the message */
    char *error;                  /* REPLAY refused: owned by the message */
    char room_id[LT_ROOM_ID_MAX + 1];
} lt_hub_msg;

void lt_hub_msg_free(lt_hub_msg *m); /* releases the frame, starts and error */

typedef struct lt_hub_callbacks {
    void *ctx;
    /* The client has something to write, or must be closed: ask the socket
     * layer for a writable callback. */
    void (*want_write)(void *ctx, void *user);
    /* Optional: write what the socket takes now. Called before a client
     * that is over a queue bound is closed, so that the bound measures what
     * the client does not read, not how many frames one burst brought. */
    void (*flush)(void *ctx, void *user);
    /* A replay that waited for a slot may start: pass the request to
     * lt_kafka_consumer_replay(); -1 if it cannot be queued. Required when
     * max_replays is set. */
    int (*start_replay)(void *ctx, uint64_t request_id, const lt_kafka_replay_entry *entries, size_t n);
    /* Optional: a room gained (+1) or lost (-1) a replaying client, so that
     * the consumer thread renders re-read records only for rooms that want
     * them. */
    void (*room_replaying)(void *ctx, const char *room_id, int delta);
} lt_hub_callbacks;

/* Replays are the expensive requests: each re-reads a partition at Kafka
 * speed and gets frames of its own. So at most max_replays are served at
 * once; later ones wait (WAITING: no frames, no memory beyond the request)
 * in arrival order, up to max_replay_waiting, and past that are refused
 * ("replay capacity", close 1013: retry later). A replaying client may
 * queue at most replay_queue_bytes (a frame larger than that only when its
 * queue is empty): past it, it is closed like a slow client and resumes
 * from the cursor of the last frame it read. */
typedef struct lt_hub_limits {
    size_t max_queue_frames;   /* 0 = 4096 */
    size_t max_queue_bytes;    /* 0 = 8 MiB */
    size_t max_replays;        /* 0 = unlimited */
    size_t max_replay_waiting;
    size_t replay_queue_bytes; /* 0 = max_queue_bytes */
} lt_hub_limits;

typedef enum lt_hub_close_reason {
    LT_HUB_CLOSE_SLOW = 0,     /* queue bound exceeded (1013) */
    LT_HUB_CLOSE_ERROR,        /* an error frame then 1008 */
    LT_HUB_CLOSE_STATUS,       /* the room's status ended it (1008) */
    LT_HUB_CLOSE_SHUTDOWN,     /* 1001 */
    LT_HUB_CLOSE_REASONS
} lt_hub_close_reason;

typedef struct lt_hub_stats {
    uint64_t clients;
    uint64_t rooms;
    uint64_t replaying;
    uint64_t replays_waiting;
    uint64_t replays_refused;      /* over max_replay_waiting */
    uint64_t replays_widened;      /* asked again: a wanted topic appeared while pending */
    uint64_t queued_bytes;         /* bytes in every client's queue now */
    uint64_t records_in;           /* records dispatched */
    uint64_t records_stale;        /* re-read records no live subscriber wanted */
    uint64_t frames_queued;        /* enqueued to subscribers (shared + own) */
    uint64_t frames_own;           /* rendered per subscriber during replay */
    uint64_t closes[LT_HUB_CLOSE_REASONS];
} lt_hub_stats;

lt_hub *lt_hub_create(const lt_event_type *topic_types, size_t topics, const lt_hub_limits *limits,
                      const lt_hub_callbacks *cb);
void lt_hub_destroy(lt_hub *hub); /* frees every client still subscribed */

/* Subscribes `user` (the socket) to a room; entries has room for one entry
 * per topic. With neither since nor cursor
 * the client is LIVE at once; otherwise it is PENDING and entries[] and n
 * receive the replay request to pass to lt_kafka_consumer_replay() with
 * lt_hub_client_request_id() - or, with every replay slot taken, it WAITS
 * (n = 0; start_replay is called when its turn comes). NULL with err filled
 * on a bad cursor, or when too many replays wait (err->code 1013). */
lt_hub_client *lt_hub_subscribe(lt_hub *hub, const lt_sidecar_request *req, void *user,
                                lt_kafka_replay_entry *entries, size_t *n, lt_sidecar_error *err);
void lt_hub_unsubscribe(lt_hub_client *c); /* accepts NULL; drops the queue */
uint64_t lt_hub_client_request_id(const lt_hub_client *c);

/* Applies one message from the consumer thread; takes ownership of it. */
void lt_hub_apply(lt_hub *hub, lt_hub_msg *m);

/* Writing side. */
lt_sidecar_frame *lt_hub_client_peek(lt_hub_client *c);
void lt_hub_client_pop(lt_hub_client *c);
size_t lt_hub_client_queued_bytes(const lt_hub_client *c);
/* Closing: 0 while open; else the close code and reason to send after the
 * queue (which is kept only for error frames) is written. */
int lt_hub_client_close_code(const lt_hub_client *c, const char **reason);

/* Queues {"type":"error",...} and closes with `code` after it. */
void lt_hub_client_error(lt_hub_client *c, const char *message, const char *details, int code,
                         lt_hub_close_reason why);
/* Closes without sending anything more (queue dropped). */
void lt_hub_client_close(lt_hub_client *c, int code, const char *reason, lt_hub_close_reason why);

bool lt_hub_client_live(const lt_hub_client *c);
void lt_hub_stats_get(const lt_hub *hub, lt_hub_stats *out);
/* Frames queued so far (cheap; for work budgets). */
uint64_t lt_hub_frames_queued(const lt_hub *hub);

/* Calls fn for every subscribed client (shutdown, expiry sweeps). */
void lt_hub_foreach(lt_hub *hub, void (*fn)(lt_hub_client *c, void *user, void *arg), void *arg);

#endif
