/* session.h - one room's push WebSocket to TikTok.
 *
 * A session is a single connection attempt with one signed fetch result
 * (docs/protocol/webcast.md §4 and §5): the URL is push_server + the web client's
 * parameters + the fetch result's route params + room_id, cursor,
 * internal_ext and compress=gzip; the upgrade carries the sign server's
 * cookies and the User-Agent the signature was made for. Once open it sends
 * im_enter_room and then HeartBeatMessage frames (room_id, sequence from 1)
 * at the server's Handshake-Options ping-interval, else the fetch result's
 * heartbeat_duration, else 10 s; every "msg" frame is inflated (gzip by
 * header or magic), its fetch result parsed and, when need_ack is set, acked
 * with the frame's log_id and internal_ext before the caller sees it.
 *
 * TikTok never answers WebSocket pings, so lws' own keepalive is disabled
 * and liveness is application-level: no frame for `stale_ms` (60 s) ends
 * the session. A handshake TikTok refuses comes back as HTTP 200 with
 * Handshake-Status / Handshake-Msg headers; the session reports both.
 *
 * A session never reconnects: it ends exactly once (on_end) and the owner
 * decides, with a fresh signature, whether to try again. Timers are not
 * the session's: the owner calls lt_tiktok_session_tick() about once a
 * second for all its sessions, which costs O(rooms) per second instead of a
 * sorted-timer insertion per heartbeat per room.
 */
#ifndef LT_TIKTOK_SESSION_H
#define LT_TIKTOK_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/event.h"
#include "tiktok/frame.h"

struct lws_context;
struct lws_vhost;
struct lws_protocols;

typedef struct lt_tiktok_session lt_tiktok_session;

typedef enum lt_tiktok_session_end_kind {
    LT_TIKTOK_SESSION_CONNECT_FAILED = 0, /* DNS, TCP, TLS, or a non-101 without TikTok's headers */
    LT_TIKTOK_SESSION_REFUSED,            /* HTTP 200 + Handshake-Status / Handshake-Msg */
    LT_TIKTOK_SESSION_CLOSED,             /* the server (or the network) closed an open session */
    LT_TIKTOK_SESSION_STALE,              /* no frame for stale_ms */
    LT_TIKTOK_SESSION_PROTOCOL_ERROR,     /* send queue overflow and the like */
} lt_tiktok_session_end_kind;

typedef struct lt_tiktok_session_end {
    lt_tiktok_session_end_kind kind;
    long http_status;           /* the handshake's status, 0 if none */
    char handshake_status[32];  /* Handshake-Status, e.g. "415" */
    char handshake_msg[128];    /* Handshake-Msg, e.g. "DEVICE_BLOCKED" */
    int close_code;             /* WebSocket close code, 0 if none */
    char detail[192];           /* for a person */
    bool was_open;              /* whether the upgrade had succeeded */
    int64_t open_ms;            /* how long it was open (0 if never) */
} lt_tiktok_session_end;

typedef struct lt_tiktok_session_callbacks {
    void (*on_open)(void *ctx);
    /* Every inbound push frame's bytes, before parsing (for --record). */
    void (*on_raw_frame)(void *ctx, const uint8_t *data, size_t len);
    /* A "msg" frame's fetch result, inflated, parsed and already acked. */
    void (*on_fetch_result)(void *ctx, const lt_tiktok_fetch_result *result);
    /* A frame that could not be used; counted and skipped. `data` is the
     * whole push frame as received (NULL for one too large to keep). */
    void (*on_bad_frame)(void *ctx, const char *why, const uint8_t *data, size_t len);
    /* Exactly once, from the loop, never inside a session call. The
     * session is inert afterwards; destroy it. */
    void (*on_end)(void *ctx, const lt_tiktok_session_end *end);
} lt_tiktok_session_callbacks;

/* A parsed push_server URL, plus the query every connection carries. */
typedef struct lt_tiktok_push_target {
    const char *push_server;
    const lt_tiktok_fetch_result *fetch; /* route params, cursor, internal_ext; may be NULL */
    const char *room_id;
    const char *user_agent;              /* browser_version is derived from it */
    bool gzip;
} lt_tiktok_push_target;

/* Builds the full WebSocket URL; -1 with err if push_server is not a ws(s)
 * URL or the result does not fit. */
int lt_tiktok_push_url(const lt_tiktok_push_target *t, char *out, size_t outlen, char *err,
                       size_t errlen);

typedef struct lt_tiktok_session_options {
    struct lws_context *lws;
    struct lws_vhost *vhost;
    const char *room_id;
    const lt_tiktok_fetch_result *fetch; /* the signed result this attempt uses (read, not kept) */
    const char *cookie_header;           /* from X-Set-TT-Cookie */
    const char *user_agent;              /* NULL = lt_http_default_user_agent */
    bool gzip;                           /* request compress=gzip */
    bool insecure_tls;                   /* accept self-signed / mismatched certificates */
    int64_t stale_ms;                    /* 0 = 60000 */
    int64_t enter_unique_id;             /* echoed by the server to keep rooms apart; 0 = omit */
    size_t max_messages;                 /* kept per fetch result (frame.h); 0 = the default */
} lt_tiktok_session_options;

/* The lws protocol for push sessions (name "lt-webcast"). */
extern const struct lws_protocols lt_tiktok_session_lws_protocol;

/* Starts connecting. NULL with err if the URL is unusable or lws refuses;
 * otherwise on_end will eventually be called (unless destroyed first). */
lt_tiktok_session *lt_tiktok_session_connect(const lt_tiktok_session_options *opts,
                                             const lt_tiktok_session_callbacks *cb, void *ctx,
                                             char *err, size_t errlen);

/* Ends the session from our side (kind CLOSED, "closed by livetap"); on_end
 * follows from the loop. An open socket first sends what is queued (the
 * ack of the frame that ended the stream, say), then a WebSocket close
 * frame with status 1000, and ends when the server answers it or after
 * LT_TIKTOK_CLOSE_WAIT_MS. Safe inside the session's own callbacks, where
 * destroying is not; no more fetch results are delivered after it. */
#define LT_TIKTOK_CLOSE_WAIT_MS 2000
void lt_tiktok_session_close(lt_tiktok_session *s);

/* Closes if open (a close frame with status 1000, the queue is not
 * waited for); no callbacks afterwards. Accepts NULL. Not from inside this
 * session's callbacks (use lt_tiktok_session_close there). */
void lt_tiktok_session_destroy(lt_tiktok_session *s);

/* Sockets of destroyed sessions still finishing their close handshake (in
 * the whole process): an owner that stops services the loop until this is
 * 0, or a short deadline, so that the server sees 1000 rather than 1006. */
size_t lt_tiktok_sessions_closing(void);

/* Heartbeats and the stale check; call about once a second. */
void lt_tiktok_session_tick(lt_tiktok_session *s, int64_t now_ms);

/* Stops (true) or resumes reading the socket: Kafka backpressure. While
 * paused the stale check is suspended and heartbeats continue. */
void lt_tiktok_session_pause(lt_tiktok_session *s, bool paused);
bool lt_tiktok_session_paused(const lt_tiktok_session *s);
bool lt_tiktok_session_is_open(const lt_tiktok_session *s);

typedef struct lt_tiktok_session_stats {
    uint64_t frames_in;
    uint64_t bytes_in;
    uint64_t msg_frames;
    uint64_t bad_frames;
    uint64_t acks_sent;
    uint64_t heartbeats_sent;
    int64_t heartbeat_ms;
} lt_tiktok_session_stats;

void lt_tiktok_session_get_stats(const lt_tiktok_session *s, lt_tiktok_session_stats *out);

#endif
