/* internal.h - what the parts of src/bigo share (not a public interface).
 *
 * bigo.c     the object, the loop's tick, the path from items to Kafka
 * server.c   the WebSocket server: connections, login, dataReception, replies
 * pull.c     the pull poller and the game-session calls (enable, ping, disable)
 * catalogue.c the gift catalogue (/gift/get_list -> gift_info)
 * oauth.c    signed requests (RS256 / ES256) and token refresh for pull.c
 * seed.c     the ledger seeded from Kafka at start (dedupe across restarts)
 */
#ifndef LT_BIGO_INTERNAL_H
#define LT_BIGO_INTERNAL_H

#include <libwebsockets.h>
#include <signal.h>

#include "bigo/auth.h"
#include "bigo/bigo.h"
#include "bigo/envelope.h"
#include "bigo/ledger.h"
#include "core/ratelimit.h"
#include "kafka/gate.h"

typedef struct lt_bigo_conn lt_bigo_conn;
typedef struct lt_bigo_push_batch lt_bigo_push_batch;
typedef struct lt_bigo_pull lt_bigo_pull;
typedef struct lt_bigo_catalogue lt_bigo_catalogue;

/* Failed logins of one peer address (server.c "Limits"). */
#define LT_BIGO_FAILURE_SLOTS 256
typedef struct lt_bigo_failures {
    char peer[64];
    lt_ratelimit bucket;
    int64_t last_ms;
} lt_bigo_failures;

/* A room seen in a published event (lt_bigo_rooms_json). */
typedef struct lt_bigo_room {
    char openid[LT_BIGO_MAX_ID];
    uint64_t events;
    int64_t first_ms, last_ms;
    struct lt_bigo_room *next;
} lt_bigo_room;

/* Rooms remembered for the admin API at most; more are counted, not listed. */
#define LT_BIGO_MAX_ROOMS 100000

struct lt_bigo {
    lt_bigo_options opts;
    struct lws_context *lws;
    struct lws_vhost *vhost;      /* the push listener's (and the pull client's) */
    struct lt_strmap *room_index; /* openid -> lt_bigo_room */
    lt_bigo_room *rooms;
    size_t room_count;
    uint64_t rooms_untracked;          /* events of rooms past LT_BIGO_MAX_ROOMS */
    struct lws_protocols protocols[3]; /* the receiver's, core/http's (pull), end; lws keeps the pointer */
    int port;
    lt_bigo_auth *auth;
    lt_bigo_ledger *ledger;
    lt_bigo_pull *pull;
    lt_bigo_catalogue *catalogue; /* NULL = pull.gift_catalogue off or no token */
    lt_bigo_conn *conns;          /* open WebSocket connections */
    lt_bigo_push_batch *orphans;  /* batches whose connection closed, waiting for Kafka */
    lws_sorted_usec_list_t tick;  /* lt_bigo_finish ticks on it while it drains */
    volatile sig_atomic_t stop;
    bool started;  /* the loop has ticked */
    bool draining; /* shutting down: business messages are answered 503 */
    bool paused;   /* Kafka pushes back: batches are answered 503, no pull (lt_bigo_pause) */
    int64_t log_slot_bad, log_slot_auth, log_slot_kafka, log_slot_sign, log_slot_item, log_slot_conn,
        log_slot_limit;
    lt_bigo_failures failures[LT_BIGO_FAILURE_SLOTS];
    lt_bigo_stats stats;
    lt_gate *gate; /* the runtime's: every record goes through it (kafka/gate.h) */
};

/* --- bigo.c --- */

/* Claims and publishes every item of a batch (and, for push, the room
 * lifecycle its status implies) into group g. Never fails as a whole: an
 * item Kafka refuses fails the group, which is answered accordingly. */
void lt_bigo_publish_batch(lt_bigo *b, const lt_bigo_batch *batch, lt_bigo_group *g, int64_t fallback_ms,
                           bool lifecycle);
/* Claims one key for g and publishes ev if it is new; true if it was new
 * (whatever Kafka then said). */
bool lt_bigo_publish_event(lt_bigo *b, lt_bigo_group *g, const char *key, size_t keylen, const lt_event *ev);

/* The Kafka header carrying an event's ledger key (docs/topics.md). */
#define LT_BIGO_KEY_HEADER "bigo_key"

/* --- seed.c --- */

/* Marks done what Kafka already holds (lt_bigo_seed_options); never fails
 * the start: shortfalls are logged and counted. */
void lt_bigo_seed(lt_bigo *b);

/* --- server.c --- */

/* The lws protocol table of the receiver (HTTP + WebSocket). */
extern const struct lws_protocols lt_bigo_server_protocols[];
/* Closes idle connections and answers batches whose Kafka acknowledgement
 * is overdue. */
void lt_bigo_server_tick(lt_bigo *b, int64_t now);
/* Closes every connection (shutdown). */
void lt_bigo_server_close_all(lt_bigo *b);
/* Frees what detached batches still hold (after the ledger is gone). */
/* Closes every WebSocket connection now (their close callbacks run
 * before it returns): before the vhost goes on a context that stays. */
void lt_bigo_server_kill_all(lt_bigo *b);
void lt_bigo_server_free(lt_bigo *b);

/* --- pull.c --- */

lt_bigo_pull *lt_bigo_pull_create(lt_bigo *b, const lt_bigo_pull_options *o, char *err, size_t errlen);
void lt_bigo_pull_destroy(lt_bigo_pull *p);
/* A push batch names a game session: pull it too, or note its end. */
void lt_bigo_pull_note(lt_bigo_pull *p, const lt_bigo_batch *batch, int64_t now);
/* Starts due requests and handles finished ones; returns the ms until it
 * wants to run again. */
int lt_bigo_pull_tick(lt_bigo_pull *p, int64_t now);
/* Ends the sessions we mounted (disable_danmu), within timeout_ms. */
void lt_bigo_pull_shutdown(lt_bigo_pull *p, int timeout_ms);

/* The answer to a call: HTTP status (0 if none), the body, or a transport
 * error. */
typedef void (*lt_bigo_pull_call_fn)(void *ctx, long status, const char *body, size_t len, const char *error);
/* POSTs body (taken over) to /gift/get_list with the anchor's Bearer token;
 * HTTP 401 refreshes the token as for pull_data. done runs from a later
 * tick (or during lt_bigo_pull_shutdown). -1 if it could not start. */
int lt_bigo_pull_call_gift_list(lt_bigo_pull *p, const char *openid, json_t *body, lt_bigo_pull_call_fn done,
                                void *ctx);
/* The anchors we hold a token for, by rank (configuration order). */
size_t lt_bigo_pull_anchor_count(const lt_bigo_pull *p);
const char *lt_bigo_pull_anchor(const lt_bigo_pull *p, size_t rank);

/* --- catalogue.c --- */

lt_bigo_catalogue *lt_bigo_catalogue_create(lt_bigo *b, lt_bigo_pull *p, int interval_ms, int min_refresh_ms);
void lt_bigo_catalogue_destroy(lt_bigo_catalogue *c); /* accepts NULL */
/* Starts due gift list requests. */
void lt_bigo_catalogue_tick(lt_bigo_catalogue *c, int64_t now);
/* A game session of this anchor is active (called for every batch: only a
 * game_sess not seen before for the anchor counts). */
void lt_bigo_catalogue_session(lt_bigo_catalogue *c, const char *openid, const char *game_sess, int64_t now);
/* A gift item arrived in this room: refresh (rate-limited) if its id is
 * not in the catalogue. */
void lt_bigo_catalogue_saw_gift(lt_bigo_catalogue *c, const char *room, int64_t gift_id, int64_t now);

#endif
