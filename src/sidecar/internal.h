/* internal.h - the sidecar's shared state between pipeline.c (consumer
 * thread: decode, render, inbox) and server.c (event loop: HTTP, WebSocket,
 * fan-out). Not part of any public surface; sidecar.h is.
 */
#ifndef LT_SIDECAR_INTERNAL_H
#define LT_SIDECAR_INTERNAL_H

#include <libwebsockets.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#include "avro/registry.h"
#include "avro/schemas.h"
#include "core/buf.h"
#include "core/ratelimit.h"
#include "kafka/consumer.h"
#include "sidecar/auth.h"
#include "sidecar/hub.h"
#include "sidecar/render.h"
#include "sidecar/sidecar.h"

typedef struct lt_sidecar_file {
    char *data;
    size_t len;
} lt_sidecar_file;

/* The live view's files, read from www_dir at start and served from memory:
 * the page (also at /rooms/{room_id}), its script and style, and the charting
 * library it ships with (uPlot, MIT, vendored under www/vendor/uplot). */
typedef struct lt_sidecar_asset {
    const char *uri;
    const char *file; /* relative to www_dir */
    const char *mime;
} lt_sidecar_asset;

enum { LT_SIDECAR_PAGE = 0, LT_SIDECAR_ASSETS = 5 };
extern const lt_sidecar_asset lt_sidecar_assets[LT_SIDECAR_ASSETS];

#define LT_SIDECAR_RATE_SLOTS 1024

typedef struct ip_count {
    struct ip_count *next;
    unsigned count;       /* WebSocket clients (upgraded) */
    unsigned sockets;     /* every accepted socket, upgraded or not */
    char ip[64];
} ip_count;

/* An accepted socket and the address it counts against (server.c). */
typedef struct socket_entry {
    struct socket_entry *next;
    struct lws *wsi;
    ip_count *ip;
} socket_entry;

/* A room with replaying clients, and how many (pipeline.c). */
typedef struct replay_room {
    struct replay_room *next;
    unsigned count;
    char id[LT_ROOM_ID_MAX + 1];
} replay_room;

#define LT_SIDECAR_REPLAY_ROOM_SLOTS 256

typedef enum reject_reason {
    REJECT_BAD_REQUEST = 0,
    REJECT_UNAUTHORIZED,
    REJECT_CAPACITY,
    REJECT_RATE,
    REJECT_REASONS
} reject_reason;

struct lt_sidecar {
    const lt_sidecar_config *cfg;   /* borrowed: outlives the sidecar */
    size_t topics;
    char **topic_names;
    lt_event_type *topic_types;

    lt_schema_set *schemas;
    lt_registry *registry;          /* consumer thread: schema fetches */
    lt_registry *health_registry;   /* health thread: pings (a client is one curl handle: one per thread) */
    lt_sidecar_renderer *renderer;
    lt_sidecar_schema_fetch *schema_fetch; /* the renderer's registry lookups, off its thread */
    lt_kafka_consumer *consumer;
    lt_sidecar_auth *auth;
    lt_hub *hub;

    /* consumer thread only */
    lt_sidecar_positions *sink_pos;
    lt_buf render_buf;
    lt_hub_msg *batch_head, *batch_tail;
    size_t batch_bytes;
    int64_t render_log_slot;

    /* consumer -> loop */
    pthread_mutex_t inbox_lock;
    pthread_cond_t inbox_drained;
    lt_hub_msg *inbox_head, *inbox_tail;
    size_t inbox_bytes;
    size_t inbox_max_bytes;
    atomic_bool closing;            /* no more waiting on the inbox */

    _Atomic uint64_t render_errors;
    _Atomic uint64_t bad_keys;
    _Atomic uint64_t records_too_large;
    _Atomic uint64_t stale_skipped;  /* re-read records of rooms nobody replays: not rendered */

    /* loop -> consumer: rooms with replaying clients (under the lock) */
    pthread_mutex_t replay_rooms_lock;
    replay_room *replay_rooms[LT_SIDECAR_REPLAY_ROOM_SLOTS]; /* rendered over queue_bytes: no client could take them */
    _Atomic uint64_t inbox_waits;

    /* health */
    pthread_t health_thread;
    bool health_running;
    _Atomic int64_t registry_ok_ms;

    /* loop thread only (but the consumer thread wakes the loop) */
    struct lws_context *ctx;
    struct lt_sidecar_ev *ev;    /* the libev loop under lws; NULL on lws's poll() loop */
    const char *loop_name;
    struct lws_vhost *vhost;
    lws_sorted_usec_list_t tick;
    lws_sorted_usec_list_t drain;
    bool in_drain;
    struct lws **dirty;          /* clients given frames during a drain */
    size_t dirty_len, dirty_cap;
    lws_retry_bo_t retry;
    lt_sidecar_file assets[LT_SIDECAR_ASSETS]; /* as lt_sidecar_assets */
    ip_count *ips[256];
    socket_entry *sockets[1024];  /* by wsi: the address each accepted socket counts against */
    ip_count *accepted;           /* the address just accepted, until its wsi exists */
    uint64_t refused_handshakes;  /* sockets closed at accept: too many not upgraded from one address */
    uint64_t refused_h2c;
    int64_t accept_log_slot;
    /* Connection rate per address: buckets indexed by a hash of the address
     * (addresses that collide share one, which errs on the strict side). */
    lt_ratelimit conn_rate[LT_SIDECAR_RATE_SLOTS];
    unsigned ws_clients;
    uint64_t frames_sent, bytes_sent, ws_opened;
    uint64_t rejected[REJECT_REASONS];
    uint64_t closes_inbound, closes_expired;
    uint64_t memory_high;        /* queued + inbox bytes, greatest since the last trim */
    uint64_t trims;              /* malloc_trim() calls after large releases */
    int64_t last_trim_ms;
    /* Latency histograms (ms, LT_SIDECAR_LATENCY_BUCKETS + 1 for +Inf): from
     * rendering to the socket write (what the sidecar adds after Kafka), and
     * from the record's Kafka timestamp to the socket write (end to end). */
    uint64_t lat_sidecar[16], lat_kafka[16];
    double lat_sidecar_sum, lat_kafka_sum;
    bool shutting_down;
    int64_t shutdown_deadline;
    volatile sig_atomic_t stop_requested;
    int port;
};

/* pipeline.c */
int lt_sidecar_pipeline_start(lt_sidecar *sc, char *err, size_t errlen);
void lt_sidecar_pipeline_stop(lt_sidecar *sc);
/* Moves up to `max` inbox messages into the hub (loop thread), stopping
 * once they queued `frame_budget` frames; true if more remain. */
bool lt_sidecar_inbox_drain(lt_sidecar *sc, size_t max, uint64_t frame_budget);
lt_kafka_consumer_sink lt_sidecar_sink(lt_sidecar *sc);
/* hub callbacks (loop thread) */
void lt_sidecar_room_replaying(void *ctx, const char *room_id, int delta);
int lt_sidecar_start_replay(void *ctx, uint64_t request_id, const lt_kafka_replay_entry *entries, size_t n);
void lt_sidecar_replay_rooms_free(lt_sidecar *sc);
size_t lt_sidecar_inbox_bytes(lt_sidecar *sc);

/* peers.c (loop thread) */
uint32_t lt_sidecar_ip_hash(const char *ip);
/* WebSocket clients from `ip`, after adding delta. */
unsigned lt_sidecar_ip_clients(lt_sidecar *sc, const char *ip, int delta);
/* An accepted socket: non-zero to close it now (too many not upgraded). */
int lt_sidecar_peer_accept(lt_sidecar *sc, const struct lws_filter_network_conn_args *filt);
void lt_sidecar_peer_created(lt_sidecar *sc, struct lws *wsi);
void lt_sidecar_peer_destroyed(lt_sidecar *sc, struct lws *wsi);

/* server.c */
void lt_sidecar_loop_wake(lt_sidecar *sc); /* any thread: the inbox has records */
void lt_sidecar_loop_destroy(lt_sidecar *sc);
#define LT_SIDECAR_LATENCY_BUCKETS 14
extern const double lt_sidecar_latency_le_ms[LT_SIDECAR_LATENCY_BUCKETS];
void lt_sidecar_want_write(void *ctx, void *user);
void lt_sidecar_flush(void *ctx, void *user);

#endif
