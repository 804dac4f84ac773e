/* collector.h - many TikTok LIVE rooms, one thread, one event loop.
 *
 * The collector runs on a libwebsockets context it is given and does not
 * own (opts.lws: the collector runtime's, core/loop.h): it adds one client
 * vhost there (every push WebSocket; ws_proxy and ca_file are its
 * settings) and, inside the loop, one curl multi handle (live pages, APIs,
 * the sign server); a
 * room is a small state machine on top of the resolver, the signer and one
 * session at a time:
 *
 *   resolving -> connecting (sign + WebSocket) -> live
 *        |            |                            | close, stale, refusal
 *        |            +-- rate_limited (429) ------+--> reconnecting (backoff,
 *        |                                               fresh signing)
 *        +-- offline / error (not_found, age_restricted, blocked_captcha)
 *   live -- Control action 3/4 --> ended (optionally watched for going live)
 *
 * Every transition is published to <prefix>.room_status and logged as one
 * line. A live room also publishes its room info (on connect, then
 * periodically) and the gift catalogue (tiktok/info.h). Every message - those in the sign server's initial fetch result as
 * much as those pushed later - goes through the room's decoder, is checked
 * against the room's msg_id window (a reconnect replays recent messages)
 * and published keyed by room_id.
 *
 * Kafka backpressure (the rule is kafka/gate.h's, the publishing path every
 * source shares): librdkafka's local queue is shared by all rooms, so
 * when a publish is refused for a full queue the collector stops reading
 * every room's socket (TCP pushes back on TikTok; nothing is dropped), the
 * gate keeps the refused event and sends it, in order, as the queue drains
 * (nothing waits: heartbeats go on), and the rooms resume once nothing is
 * kept and the queue has drained to half. Only if reading has stayed
 * paused for `backpressure_wait_ms` is an event that still does not fit
 * given up, and that is counted and logged with its room and msg_id, never
 * silent.
 *
 * Timers are one periodic tick (lt_tiktok_collector_tick, every TICK_MS)
 * walking the rooms: heartbeats, stale checks, due retries. With 10,000
 * rooms that is a cheap linear walk, where per-room lws timers would each
 * cost a sorted insertion. The collector schedules no tick of its own: the
 * collector runtime calls it (core/source.h), and any other owner that
 * runs the rooms would call it from a timer of its own.
 */
#ifndef LT_TIKTOK_COLLECTOR_H
#define LT_TIKTOK_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/dedupe.h"
#include "core/event.h"
#include "kafka/publisher.h"
#include "tiktok/feed.h"
#include "tiktok/info.h"
#include "tiktok/messages.h"
#include "tiktok/resolver.h"
#include "tiktok/room.h"
#include "tiktok/signer.h"

typedef struct lt_tiktok_collector lt_tiktok_collector;

/* The index in input_dropped of frames too large to keep (over 8 MiB). */
#define LT_TIKTOK_DROP_FRAME_TOO_LARGE LT_TIKTOK_DROP_REASON_COUNT

/* Where events go when there is no publisher (dry runs, tests). Return
 * LT_PUBLISH_OK, or BACKPRESSURE / ERROR like the publisher. */
typedef lt_publish_status (*lt_tiktok_sink_fn)(void *ctx, const lt_event *ev, char *err, size_t errlen);

/* Discovery in group mode (runtime.c fills it from kafka/group.h and
 * tiktok/group.h): rounds run only while leads() says so (one collector of
 * the fleet), and auto_track keeps its rooms in the control topic instead
 * of this collector: after a round, candidates the topic does not hold yet are put
 * while fewer than max_rooms discovery rooms are there fleet-wide; and before
 * each interval, every collector tombstones the rooms it collects that
 * discovery put and that have ended. All called on the loop. */
typedef enum lt_tiktok_room_source {
    LT_TIKTOK_SOURCE_UNKNOWN = -1,  /* the control topic is not read to its end yet */
    LT_TIKTOK_SOURCE_ABSENT = 0,    /* not in the control topic */
    LT_TIKTOK_SOURCE_MANUAL = 1,    /* there, without the discovery marker */
    LT_TIKTOK_SOURCE_DISCOVERY = 2, /* there, put by discovery */
} lt_tiktok_room_source;

typedef struct lt_tiktok_discovery_tracker {
    void *ctx;
    bool (*leads)(void *ctx);
    /* rooms discovery put that the control topic holds, fleet-wide; -1 = not known yet */
    long (*discovered_count)(void *ctx);
    lt_tiktok_room_source (*source)(void *ctx, const char *room);
    /* puts a room with the discovery marker; 0 or -1 with err */
    int (*put)(void *ctx, const char *room_id, int64_t viewers, char *err, size_t errlen);
    /* tombstones a room; 0 or -1 with err */
    int (*release)(void *ctx, const char *room, char *err, size_t errlen);
} lt_tiktok_discovery_tracker;

typedef struct lt_tiktok_collector_options {
    const char *collector_id; /* required */
    /* borrowed; or NULL and a sink. Its delivery reports (acks per type,
     * latency, handovers in flight) must reach lt_tiktok_source.on_delivery
     * (tiktok/source.h): the collector runtime routes them there. */
    lt_publisher *publisher;
    lt_tiktok_sink_fn sink;
    void *sink_ctx;

    const char *web_base;            /* NULL = https://www.tiktok.com */
    const char *api_base;            /* NULL = https://webcast.tiktok.com */
    lt_tiktok_signer_options signer; /* sign URL, key, client name, pacing */
    const char *user_agent;          /* NULL = a desktop Chrome */
    const char *http_proxy;          /* NULL = environment (HTTPS_PROXY, ALL_PROXY) */
    const char *ws_proxy;            /* host:port for WebSockets; NULL = $https_proxy/$http_proxy via lws */
    const char *ca_file;             /* extra CA bundle for HTTPS and WSS */
    bool insecure_tls;               /* accept any certificate (testing) */
    const char *session_cookies;     /* sessionid=...; tt-target-idc=... for age-restricted rooms */
    bool no_gzip;                    /* do not request compress=gzip */
    bool skip_room_info;             /* the resolver's live check through room/info */
    bool skip_room_info_events;      /* do not publish room_info events */
    int64_t room_info_interval_ms;   /* room_info again this often while live; 0 = only on connect */
    bool skip_host_stats;            /* no profile page, no room_info.host_stats */
    int64_t price_list_interval_ms;  /* the coin price list this often; 0 = never */
    bool skip_gift_catalogue;        /* do not publish the gift catalogue (gift_info) */
    int64_t gift_catalogue_interval_ms; /* re-fetch the gift list per room; 0 = 3600000 */

    int64_t stale_ms;             /* 0 = 60000 */
    int64_t backoff_base_ms;      /* 0 = 1000 */
    int64_t backoff_cap_ms;       /* 0 = 30000 */
    int64_t healthy_ms;           /* a connection this long resets the backoff; 0 = 30000 */
    int max_attempts;             /* consecutive failures before giving up; 0 = never */
    int64_t watch_interval_ms;    /* re-check offline/ended @user rooms this often; 0 = don't */
    size_t dedupe_window;         /* msg_ids remembered per room; 0 = 2048 */
    int64_t backpressure_wait_ms; /* 0 = 30000 */
    int flush_timeout_ms;         /* at shutdown; 0 = 10000 */
    const char *record_path;      /* write every push frame as [u32 LE len][bytes] */
    /* Per room: messages kept per frame, events/s and unknown bytes/s (a
     * room over them is not read until its bucket has refilled), unknown
     * payloads cut to fit a Kafka record. Zeros: no limit. */
    lt_tiktok_decoder_limits room_limits;
    uint64_t seed; /* jitter; 0 = from the clock */
    /* Discovery (tiktok/discovery.c): while the collector runs, page the
     * recommended-live feed every interval_ms, `pages` pages a round, at
     * most pages_per_minute feed requests (0 = no limit), backing off up to
     * backoff_cap_ms on a 429 or a captcha; each room seen is published as
     * a discovered_room event keyed by its room id. */
    struct {
        bool enabled;
        int64_t interval_ms; /* 0 = 60000 */
        int pages;           /* 0 = 3 */
        double pages_per_minute;
        int64_t backoff_cap_ms; /* 0 = 600000 */
        /* auto_track: after each round, rooms that pass the filters are
         * added as if by the admin API, the most viewed first, while fewer
         * than max_rooms rooms are tracked this way; one that ends (offline,
         * ended, error) is released. Rooms added otherwise are never
         * touched. In group mode (tracker set) see lt_tiktok_discovery_tracker. */
        bool auto_track;
        int64_t min_viewers;
        const char *const *tags; /* any of them, case-insensitive; none = any room */
        size_t tag_count;
        size_t max_rooms;                                  /* 0 = 10 */
        const struct lt_tiktok_discovery_tracker *tracker; /* group mode; NULL = standalone */
    } discovery;

    /* The loop (required): the owner creates it (lt_loop_create), services
     * it and destroys it after lt_tiktok_collector_destroy. */
    struct lws_context *lws;
    /* The gate (kafka/gate.h) shared by the collector runtime's sources,
     * borrowed: its owner pauses the rooms with lt_tiktok_collector_pause
     * and runs its drain check. NULL: a gate of the collector's own on
     * publisher/sink (lookup, discover, tests). delivery_tag (the source's
     * index, core/source.h) is or-ed into every opaque, and the counts are
     * that source's (lt_gate_get_source_stats). */
    struct lt_gate *gate;
    uintptr_t delivery_tag;

    /* Hooks (optional). seed_window is called when a room learns its
     * room id, with the room's fresh dedupe window, to fill it with msg_ids
     * Kafka already has (see kafka/tail.h). */
    void (*seed_window)(void *hook_ctx, const char *room_id, lt_dedupe *window);
    /* The same after a room held its events during a handover
     * (tiktok/handover.h): cached reads of Kafka made before read_before_ms
     * are stale (the previous owner has published since) and are read again. */
    void (*refresh_window)(void *hook_ctx, const char *room_id, int64_t read_before_ms, lt_dedupe *window);
    void *hook_ctx;
} lt_tiktok_collector_options;

typedef struct lt_tiktok_collector_stats {
    size_t rooms;
    size_t rooms_live;
    uint64_t events_published;
    uint64_t duplicates_dropped;
    uint64_t publish_errors;
    uint64_t events_given_up; /* refused by Kafka past backpressure_wait_ms */
    uint64_t backpressure_pauses;
    /* refused for a full queue and kept, to be sent in order (kafka/gate.h) */
    uint64_t events_kept, events_kept_bytes; /* now */
    uint64_t events_kept_total;
    uint64_t bad_frames;
    /* input the frame limits dropped, by reason: the decoder's reasons
     * (lt_tiktok_drop_reason), then frames too large to keep at all */
    uint64_t input_dropped[LT_TIKTOK_DROP_REASON_COUNT + 1];
    uint64_t unknown_truncated; /* unknown payloads cut to fit a Kafka record */
    uint64_t rooms_throttled;   /* times a room's reading was paused for its rate limits */
    uint64_t reconnects;
    uint64_t sign_calls;
    uint64_t sign_rate_limited; /* sign calls answered 429 */
    uint64_t status_events;
    uint64_t frames_received;                     /* push frames, before parsing */
    uint64_t bytes_received;                      /* their bytes */
    uint64_t events_by_type[LT_EVENT_TYPE_COUNT]; /* accepted by the producer (status events too) */
    uint64_t acked_by_type[LT_EVENT_TYPE_COUNT];  /* acknowledged by Kafka */
    /* discovery (the recommended-live feed) */
    uint64_t discovery_pages;          /* feed pages read */
    uint64_t discovery_page_failures;  /* feed requests that failed (429, captcha, bad JSON, no answer) */
    uint64_t discovery_rooms_found;    /* rooms seen for the first time */
    size_t discovery_rooms_known;      /* rooms remembered with their first sighting */
    size_t discovery_rooms_tracked;    /* rooms auto_track added and still collects (group mode: that
                                        * the control topic holds, fleet-wide) */
    uint64_t discovery_rooms_released; /* rooms auto_track released after they ended (group mode: that
                                        * this collector tombstoned) */
    size_t undelivered_at_exit;        /* what the final flush could not deliver */
    lt_tiktok_info_stats info;         /* room info and gift catalogue */
} lt_tiktok_collector_stats;

lt_tiktok_collector *lt_tiktok_collector_create(const lt_tiktok_collector_options *opts, char *err,
                                                size_t errlen);
/* Stops everything without publishing or flushing. Accepts NULL. */
void lt_tiktok_collector_destroy(lt_tiktok_collector *c);

/* Adds a room ("@user", URL, room id) and starts it from the next tick.
 * 0 added; 1 already collected (also when a room id is one an @user room
 * resolved to); -1 the input does not parse (or out of memory). err says
 * why whenever it is not 0. */
int lt_tiktok_collector_add_room(lt_tiktok_collector *c, const char *input, char *err, size_t errlen);
/* The same with the room already parsed (at the edge: config, admin API);
 * input is kept as the room's "input" (what the admin API shows). */
int lt_tiktok_collector_add(lt_tiktok_collector *c, const char *input, const lt_tiktok_room_ref *ref,
                            char *err, size_t errlen);
/* Stops and forgets a room (status "ended", reason "removed"), named as it
 * was added or by its resolved room id. -1 if unknown. */
int lt_tiktok_collector_remove_room(lt_tiktok_collector *c, const char *input);
/* The same with another reason ("reassigned" when Kafka moved the room to
 * another collector). */
int lt_tiktok_collector_release_room(lt_tiktok_collector *c, const char *input, const char *reason);
/* The same by a parsed room; -1 if not collected here. */
int lt_tiktok_collector_release(lt_tiktok_collector *c, const lt_tiktok_room_ref *ref, const char *reason);
/* Whether a room (any spelling of it) is collected here. */
bool lt_tiktok_collector_has_room(lt_tiktok_collector *c, const char *input);

/* The owner's loop is about to run: discovery starts. 0, or -1 (logged)
 * when out of memory. */
int lt_tiktok_collector_start(lt_tiktok_collector *c);

/* The periodic work, on the loop, every TICK_MS (500 ms; the source
 * descriptor's tick_ms) from the start until the stop, paused or not:
 * delivery reports, each room's heartbeat, stale check and due retry,
 * room info, handovers. */
void lt_tiktok_collector_tick(lt_tiktok_collector *c, int64_t now_ms);

/* After the owner's loop ended (lt_tiktok_collector_stop): stops every
 * room (status "ended", reason "shutdown"), lets the push sockets close
 * (servicing the loop for up to 1 s), flushes within flush_timeout_ms and
 * returns the number of events Kafka did not acknowledge (0 = all
 * delivered). */
long lt_tiktok_collector_finish(lt_tiktok_collector *c);

/* Backpressure on the shared gate (opts.gate): stops (true) or resumes
 * reading every room. */
void lt_tiktok_collector_pause(lt_tiktok_collector *c, bool paused);

/* Async-signal-safe: the collector stops publishing and waiting on
 * backpressure; the owner's loop ends (the runtime's stop calls this). */
void lt_tiktok_collector_stop(lt_tiktok_collector *c);

void lt_tiktok_collector_get_stats(const lt_tiktok_collector *c, lt_tiktok_collector_stats *out);

/* The rooms collected now (whatever their state). */
size_t lt_tiktok_collector_room_count(const lt_tiktok_collector *c);

/* --- observability (collector_admin.c) ---------------------------------
 * What the admin API serves. Each runs on the loop's thread. */

/* The rooms as a JSON array, or one room (named as added, or by room id;
 * NULL if unknown or the input does not parse). Each: input, room,
 * room_id, state (room_status's names), reason, message, last_error,
 * last_error_at, since (epoch ms), events, events_per_s, reconnects.
 * New references. */
json_t *lt_tiktok_collector_rooms_json(lt_tiktok_collector *c);
json_t *lt_tiktok_collector_room_json(lt_tiktok_collector *c, const char *input);
json_t *lt_tiktok_collector_room_ref_json(lt_tiktok_collector *c, const lt_tiktok_room_ref *ref);

/* Prometheus text of every livetap_collector_* metric (docs/operations.md). */
int lt_tiktok_collector_write_metrics(lt_tiktok_collector *c, lt_buf *out);

/* Ready: the loop has started, a Kafka broker answers (lt_kafka_health)
 * and the schemas were registered at start-up (after that the collector
 * never needs the registry again: ids are cached). *detail (new
 * reference) says which part is not. Dry runs (no publisher) are ready. */
bool lt_tiktok_collector_ready(lt_tiktok_collector *c, json_t **detail);

/* Resolves one room with the collector's resolver options (web/api base,
 * cookies, proxy, CA) by running the loop until the answer, within
 * timeout_ms. The resolution is filled whatever the outcome; -1 with err
 * only if the input does not parse or the lookup could not run or timed
 * out. Not while the owner's loop runs. */
int lt_tiktok_collector_lookup(lt_tiktok_collector *c, const char *input, int timeout_ms,
                               lt_tiktok_resolution *out, char *err, size_t errlen);
/* A resolution as the JSON lookup prints (new reference). */
json_t *lt_tiktok_resolution_json(const char *input, const lt_tiktok_resolution *res);

/* The profile page of @unique_id (docs/protocol/profile-and-prices.md §1),
 * waited for like lookup. 0 with `out` filled (any outcome), -1 with err if
 * no answer came. */
int lt_tiktok_collector_profile(lt_tiktok_collector *c, const char *unique_id, int timeout_ms,
                                lt_tiktok_profile *out, char *err, size_t errlen);
/* {"outcome", "followers", "following", "likes", "videos", "verified",
 * "private", "shape", "message"}: counts the page did not give are null. */
json_t *lt_tiktok_profile_json(const lt_tiktok_profile *p);
/* Fetches one page of the recommended-live feed (tiktok/feed.h; max_time 0
 * = the first page) through the collector's HTTP client, with its api base,
 * cookies, proxy and CA, running the loop until the answer or timeout_ms.
 * Returns the page's outcome; a transport failure or the timeout is
 * LT_TIKTOK_FEED_HTTP_ERROR. err says what went wrong unless OK. Not while
 * the owner's loop runs. */
lt_tiktok_feed_outcome lt_tiktok_collector_feed_page(lt_tiktok_collector *c, int64_t max_time, int timeout_ms,
                                                     lt_tiktok_feed_page *out, char *err, size_t errlen);

#endif
