/* bigo.h - BIGO Live danmu into Kafka: the push receiver and the pull poller.
 *
 * BIGO delivers a room's comments, gifts and likes two ways
 * (docs/protocol/bigo.md): it connects to a WebSocket server we run, logs in and
 * pushes batches (`dataReception`), and it offers a pull API for what the
 * push lost. lt_bigo runs both on one libwebsockets loop and publishes one
 * de-duplicated stream into the TikTok topics (platform = bigo,
 * room_id = the anchor's openid).
 *
 * The delivery promise: a batch is answered with rescode 200 only after
 * Kafka acknowledged every item in it (or had already acknowledged it
 * earlier); otherwise the answer is an error and BIGO sends the batch again.
 * That needs the publisher's delivery reports: every record lt_bigo
 * publishes carries an opaque of its own (a ledger entry, or-ed with
 * opts.delivery_tag), and its report must reach lt_bigo_on_delivery without
 * the tag. The collector runtime (collector/runtime.c) sets the producer's
 * callback once and routes each report by the tag (core/source.h); BIGO
 * is a source of it (bigo/source.h), on the runtime's publisher and on the
 * runtime's lws context (opts.lws), which lt_bigo never creates, services
 * (but in lt_bigo_finish) or destroys.
 *
 * Threading: one thread, the owner's loop. lt_bigo_stop() is safe from a
 * signal handler; after the owner's loop ended, lt_bigo_finish() stops.
 */
#ifndef LT_BIGO_BIGO_H
#define LT_BIGO_BIGO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "bigo/auth.h"
#include "core/buf.h"
#include "kafka/publisher.h"

typedef struct lt_bigo lt_bigo;

/* An anchor's OAuth token for the pull API. */
typedef struct lt_bigo_token {
    const char *openid;
    const char *access_token;
    const char *refresh_token; /* optional */
} lt_bigo_token;

typedef struct lt_bigo_pull_options {
    bool enabled;
    const char *base_url;        /* https://oauth.bigolive.tv */
    const lt_bigo_token *tokens; /* anchors we may pull for */
    size_t token_count;
    const char *tokens_file;      /* "openid access_token [refresh_token]" lines; rewritten after a refresh */
    const char *client_id;        /* bigo-client-id, for signed calls (ping, token refresh) */
    const char *private_key_file; /* PEM, RSA (RS256) or P-256 (ES256) */
    const char *ca_file;          /* extra CA bundle (tests) */
    bool insecure_tls;
    int interval_ms;      /* per session, while pages come back short; 0 = 2000 */
    int batch;            /* items per room per page, 1..1000; 0 = 100 */
    double rate_per_user; /* requests per second per anchor token; 0 = 5 (BIGO allows 10) */
    int backoff_cap_ms;   /* 0 = 60000 */
    int lookback_s;       /* `timestamp` = first sight of a session minus this; 0 = 3600 */
    int session_idle_s;   /* forget a session after this long without news; 0 = 3600 */
    int timeout_ms;       /* per request; 0 = 10000 */
    /* game sessions we mount ourselves (enable_danmu, ping, disable_danmu) */
    const char *game_id;
    const char *const *rooms; /* anchor openids */
    size_t room_count;
    int game_duration_s; /* 0 = 3600 */
    int ping_interval_s; /* 0 = 30 */
    /* the gift catalogue (/gift/get_list -> gift_info) of every anchor we
     * hold a token for; works with `enabled` false too */
    bool gift_catalogue;
    int gift_catalogue_interval_s;    /* 0 = 300 (BIGO: cache 5-10 min at most) */
    int gift_catalogue_min_refresh_s; /* between two requests per anchor; 0 = 10 */
} lt_bigo_pull_options;

/* Dedupe across restarts (seed.c): at start, before the push server takes
 * a business message and before pull starts, the bigo_key header of every
 * record in the last lookback_s of the topics lt_bigo publishes to is read
 * back from Kafka and marked done in the ledger. Needs the publisher. */
typedef struct lt_bigo_seed_options {
    bool enabled;
    const char *bootstrap_servers;
    const lt_kafka_property *properties; /* the producer's (security settings), passed through */
    size_t property_count;
    int lookback_s;     /* 0 = 3600 (pull's retention and lookback) */
    int timeout_ms;     /* the whole read; 0 = 60000 */
    size_t max_records; /* 0 = 2000000 */
} lt_bigo_seed_options;

typedef struct lt_bigo_options {
    const char *address;            /* listen address; NULL = 127.0.0.1 */
    int port;                       /* 0 = any free port (see lt_bigo_port) */
    const char *path;               /* WebSocket path; NULL = /bigo/push */
    const char *tls_cert, *tls_key; /* both set = wss */
    const char *abbr;               /* our platform abbreviation, part of the login sign */
    const char *accounts;           /* "account:password,..." */
    const char *accounts_file;      /* one account:password per line */
    int64_t login_window_ms;        /* 0 = no timestamp check */
    lt_bigo_sign_mode sign_mode;
    int idle_timeout_ms; /* close a silent connection; 0 = 30000 */
    /* what one stranger can hold (server.c "Limits"): */
    int login_timeout_ms;   /* close a connection not logged in by then (pings do not count); 0 = 10000 */
    size_t max_connections; /* WebSocket connections open at once; 0 = 256 */
    size_t max_connections_per_address; /* from one peer address; 0 = 16 */
    double login_failures_per_min;      /* failed logins per peer address, burst 10; 0 = 60 */
    size_t max_frame;                   /* bytes; 0 = 1 MiB */
    double max_msgs_per_s;              /* per connection; 0 = 100 (burst twice that) */
    size_t max_items;                   /* per batch; 0 = 10000 */
    int ack_timeout_ms;      /* answer 503 if Kafka has not acknowledged by then; 0 = 10000, <0 = wait */
    size_t dedupe_capacity;  /* item keys remembered; 0 = 1000000 */
    lt_publisher *publisher; /* NULL = print events as JSON lines (dry run) */
    const char *collector_id;
    int flush_timeout_ms; /* at shutdown; 0 = 10000 */
    lt_bigo_pull_options pull;
    lt_bigo_seed_options seed;
    /* probes and metrics on a private port: the collector runtime's admin
     * API (collector/runtime.h), with lt_bigo_ready and lt_bigo_write_metrics */
    /* The loop (required): the collector runtime's lws context (core/loop.h).
     * The push listener is a vhost of it ("bigo-push"); the runtime runs
     * the loop and calls lt_bigo_finish after it. */
    struct lws_context *lws;
    /* The gate (required, borrowed): the collector runtime's, shared with
     * its other sources. Every record goes through it marked no_wait (the
     * loop answers BIGO's connections; BIGO sends a refused item again);
     * while the gate is paused for backpressure (lt_bigo_pause) new
     * dataReception batches are answered 503 and pull fetches no page. */
    struct lt_gate *gate;
    /* or-ed into every record's delivery opaque, so that a runtime with
     * several sources can route the report here (core/source.h); the
     * report must reach lt_bigo_on_delivery without it */
    uintptr_t delivery_tag;
} lt_bigo_options;

typedef struct lt_bigo_stats {
    uint64_t connections, connections_open;
    uint64_t logins_ok, logins_failed;
    uint64_t refused_unauthenticated; /* business messages without a valid login/token */
    uint64_t bad_frames;              /* not JSON, no uri, bad data, binary */
    uint64_t oversized, floods, idle_closed;
    uint64_t login_timeouts;                              /* closed: not logged in within login_timeout_ms */
    uint64_t refused_connection_cap, refused_address_cap; /* upgrades refused: total / per-address cap */
    uint64_t refused_login_rate;   /* upgrades refused or connections closed: failed logins over the rate */
    uint64_t refused_backpressure; /* batches answered 503 while Kafka pushed back (lt_bigo_pause) */
    uint64_t unknown_uris;
    uint64_t sign_matched, sign_mismatched;
    /* dataReception taken (read; refused_backpressure ones are not); of them with retry_cnt > 0 */
    uint64_t batches, batch_retries;
    uint64_t batches_acked, batches_failed, batches_timed_out;
    uint64_t items, duplicates; /* items seen (push + pull); already pending or done */
    uint64_t published, delivered, delivery_failed;
    uint64_t pull_requests, pull_pages, pull_items, pull_rate_limited, pull_errors;
    uint64_t token_refreshes, enable_calls, ping_calls, disable_calls;
    uint64_t pull_sessions;
    /* the gift catalogue: answers by outcome, gifts by what became of them */
    uint64_t gift_lists, gift_lists_failed, gift_lists_rate_limited, gift_lists_malformed;
    uint64_t gifts_published, gifts_unchanged, gifts_skipped, gifts_regional, gifts_unlisted;
    uint64_t gift_unknown_refreshes; /* refreshes asked for by a gift id not in the catalogue */
    size_t undelivered_at_exit;
    /* the seeding at start: outcome (LT_BIGO_SEED_*), records read, keys marked done */
    int seed_outcome;
    uint64_t seed_records, seed_keys, seed_left_out, seed_ms;
} lt_bigo_stats;

enum { LT_BIGO_SEED_OFF, LT_BIGO_SEED_COMPLETE, LT_BIGO_SEED_INCOMPLETE, LT_BIGO_SEED_FAILED };

lt_bigo *lt_bigo_create(const lt_bigo_options *opts, char *err, size_t errlen);
void lt_bigo_destroy(lt_bigo *b); /* accepts NULL and half-built objects */

int lt_bigo_port(const lt_bigo *b);

/* The counters as Prometheus text (appended); -1 if out of memory. */
int lt_bigo_write_metrics(lt_bigo *b, lt_buf *out);

/* Kafka backpressure on the shared gate: while paused, new dataReception
 * batches are answered 503 (BIGO sends them again) and pull fetches no
 * page; the batches already in go on. */
void lt_bigo_pause(lt_bigo *b, bool paused);

/* The periodic work, on the loop, every LT_BIGO_TICK_MS from the owner's
 * loop's first turn until its stop, paused or not (the collector runtime
 * calls it: core/source.h): delivery reports, login and idle timeouts,
 * batches Kafka is slow on, and, unless paused, the pull poller and the
 * gift catalogue. lt_bigo_finish drives it itself while it drains. */
#define LT_BIGO_TICK_MS 20
void lt_bigo_tick(lt_bigo *b, int64_t now_ms);

/* Async-signal-safe: no more publishing waits (the owner's loop ends). */
void lt_bigo_stop(lt_bigo *b);
/* Once the owner's loop has ended: answers new
 * business messages 503, services the context until Kafka acknowledged
 * what is in flight (so batches get their 200), closes the connections,
 * ends the sessions it mounted. Returns what Kafka did not acknowledge. */
long lt_bigo_finish(lt_bigo *b);

/* The rooms this receiver has seen (push items, pull sessions), as a JSON
 * array of objects with "room" ("bigo:<openid>"), "platform", "source",
 * "events", "last_event_ms"; one room as an object, NULL if never seen.
 * New references. */
json_t *lt_bigo_rooms_json(lt_bigo *b);
json_t *lt_bigo_room_json(lt_bigo *b, const char *openid);
size_t lt_bigo_room_count(const lt_bigo *b);
/* /readyz: the loop ticked, not draining, Kafka reachable (or a dry run). */
bool lt_bigo_ready(lt_bigo *b, json_t **detail);

/* The publisher's delivery callback (see above). */
void lt_bigo_on_delivery(void *cb_ctx, void *opaque, const char *error);

void lt_bigo_get_stats(const lt_bigo *b, lt_bigo_stats *out);

#endif
