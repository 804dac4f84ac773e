/* collector_internal.h - what collector.c (rooms, the loop, publishing) and
 * collector_admin.c (the admin API's view of the rooms, /metrics, /readyz,
 * lookup) share. Not a public surface: the program uses collector.h.
 */
#ifndef LT_TIKTOK_COLLECTOR_INTERNAL_H
#define LT_TIKTOK_COLLECTOR_INTERNAL_H

#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>

#include "core/backoff.h"
#include "core/contract.h"
#include "core/dedupe.h"
#include "core/http.h"
#include "core/strmap.h"
#include "kafka/gate.h"
#include "tiktok/collector.h"
#include "tiktok/info.h"
#include "tiktok/messages.h"
#include "tiktok/resolver.h"
#include "tiktok/room.h"
#include "tiktok/session.h"

#define TICK_MS 500
#define RATE_WINDOW_MS 5000 /* a room's events/s is measured over this long */

typedef enum phase {
    PHASE_WAITING, /* for next_ms, then next_action */
    PHASE_RESOLVING,
    PHASE_SIGNING,
    PHASE_CONNECTING,
    PHASE_LIVE,
    PHASE_DONE, /* terminal: nothing more will happen */
} phase;

typedef enum action { ACT_NONE, ACT_RESOLVE, ACT_SIGN } action;

typedef struct room {
    lt_tiktok_collector *c;
    char input[512];
    lt_tiktok_room_ref ref;
    char label[LT_TIKTOK_UNIQUE_ID_MAX + 2];
    char room_id[LT_ROOM_ID_MAX + 1]; /* resolved; "" until known */
    phase phase;
    action next_action;
    int64_t next_ms;
    lt_backoff backoff;
    int failures; /* consecutive, for max_attempts */
    lt_tiktok_resolve_job *resolve;
    lt_tiktok_sign_call *sign;
    lt_tiktok_session *session;
    lt_tiktok_decoder *decoder;
    lt_dedupe *dedupe;
    lt_tiktok_info_room *info; /* room info and gift list of this room id */
    int control_end;           /* 3 or 4 once the stream said it ended */
    int64_t throttle_until;    /* not read until then: over its rate limits */
    int64_t throttle_log_slot;
    uint64_t dropped_seen[LT_TIKTOK_DROP_REASON_COUNT]; /* the decoder's counts already added to stats */
    uint64_t truncated_seen;
    int64_t log_slot;
    uint64_t events;
    /* what the admin API shows: the last room_status, and since when */
    const char *state; /* a string literal */
    char reason[64];
    char message[256];
    char last_error[256]; /* the last message of a state other than live */
    int64_t since_ms, last_error_ms;
    uint64_t reconnects;
    uint64_t rate_mark; /* events at rate_mark_ms */
    int64_t rate_mark_ms;
    double events_per_s;
    struct room_handover *handover; /* handover.c; NULL when none */
    size_t slot;                    /* its index in the collector's rooms[] */
} room;

struct lt_tiktok_discovery;

struct lt_tiktok_collector {
    lt_tiktok_collector_options opts;
    struct lws_context *lws;
    struct lws_vhost *vhost;
    lt_http *http;
    lt_tiktok_signer *signer;
    lt_tiktok_info *info;
    lt_tiktok_resolver_options resolver_opts;
    room **rooms;
    size_t room_count, room_cap;
    /* the rooms indexed by what was typed (lt_tiktok_room_key) and by the
     * room id they resolved to (several rooms may share one) */
    lt_strmap *by_input, *by_room_id;
    lt_gate *gate;                /* every record goes through it (kafka/gate.h) */
    bool own_gate;                /* created here (no opts.gate): ours to destroy and drain */
    lws_sorted_usec_list_t drain; /* the gate's drain check while Kafka pushes back */
    volatile sig_atomic_t stop;
    bool stopped;      /* the run has ended every room ("ended" [shutdown]) */
    bool started;      /* the loop has ticked once */
    bool startup_done; /* every room present at start has settled */
    int64_t startup_ms, startup_log_ms;
    FILE *record;
    uint64_t rng;
    struct collector_metrics *metrics;
    struct handover_state *handover; /* handover.c; NULL outside group mode */
    lt_tiktok_collector_stats stats;
    struct lt_tiktok_discovery *discovery; /* discovery.c; NULL when off */
};

/* collector.c: publishes an event the collector made itself (room info,
 * gift catalogue, discovery), keyed by key (NULL = its room id), under the
 * same backpressure rules as a room's events. 0 published. */
int lt_tiktok_collector_publish(lt_tiktok_collector *c, const lt_event *ev, const char *key);

/* discovery.c: starts paging the feed when opts.discovery.enabled (from
 * lt_tiktok_collector_run); stop cancels what is in flight; free accepts a
 * collector without discovery. */
int lt_tiktok_discovery_start(lt_tiktok_collector *c);
void lt_tiktok_discovery_stop(lt_tiktok_collector *c);
void lt_tiktok_discovery_free(lt_tiktok_collector *c);

/* room lookup by what a person typed, or by a resolved room id */
room *lt_tiktok_collector_find(lt_tiktok_collector *c, const lt_tiktok_room_ref *ref, size_t *index);

/* A record's delivery opaque is the gate's (lt_gate_opaque: its type and
 * receive time); its report goes to lt_gate_delivered and the handover. */
void lt_tiktok_collector_on_delivery(void *cb_ctx, void *opaque, const char *error);
/* collector.c, for handover.c: a room_status for the room (and its log
 * line); stopping its resolve/sign/session (phase done, nothing published) */
void lt_tiktok_room_publish_status(room *r, const char *state, const char *reason, const char *message);
void lt_tiktok_room_stop(room *r);

/* handover.c (tiktok/handover.h): what the rest of the collector calls */
/* true: the event was held for a previous owner (not published now) */
bool lt_tiktok_handover_hold(room *r, const lt_event *ev);
/* the room learnt its room id (or a previous owner's announcement came
 * after): hold its events if that owner is still at it, re-read Kafka into
 * its window if it has just ended */
void lt_tiktok_handover_room_started(room *r);
/* publishes what the room holds (before it stops for any reason) */
void lt_tiktok_handover_release(room *r);
void lt_tiktok_handover_tick(lt_tiktok_collector *c, int64_t now);
void lt_tiktok_handover_free_room(room *r);
void lt_tiktok_handover_free(lt_tiktok_collector *c);
/* at shutdown: holds published, rooms being given away ended [shutdown] */
void lt_tiktok_handover_shutdown(lt_tiktok_collector *c);
/* records in flight, by the receive time their delivery opaque carries */
void lt_tiktok_handover_in_flight(lt_tiktok_collector *c, void *opaque, int delta);
/* Whether every record received before `at` (ms) has been acknowledged. */
bool lt_tiktok_handover_acknowledged_before(lt_tiktok_collector *c, int64_t at);
int lt_tiktok_handover_write_metrics(lt_tiktok_collector *c, lt_buf *out);
/* the gate's counts into the collector's stats (publish errors, given up,
 * pauses, sent and acknowledged per type) */
void lt_tiktok_collector_gate_stats(const lt_tiktok_collector *c, lt_tiktok_collector_stats *out);
/* The gate's counts of this collector's records (the gate may be shared). */
void lt_tiktok_collector_source_stats(const lt_tiktok_collector *c, lt_gate_stats *out);
/* The delivery opaque of an event's record: the gate's, with our source tag. */
void *lt_tiktok_collector_opaque(const lt_tiktok_collector *c, const lt_event *ev);
int lt_tiktok_collector_metrics_init(lt_tiktok_collector *c);
void lt_tiktok_collector_metrics_free(lt_tiktok_collector *c);

#endif
