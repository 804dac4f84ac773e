/* session.c - the push WebSocket of one room (see session.h).
 *
 * lws owns the socket; this file reacts to its callbacks. Outbound frames
 * (enter-room, heartbeats, acks) wait in a short FIFO until lws says the
 * socket is writable, each with LWS_PRE bytes of headroom lws needs in
 * front of the payload. Inbound messages may arrive in fragments; they are
 * reassembled up to MAX_MESSAGE bytes, larger ones are counted as bad and
 * skipped whole.
 */
#include "tiktok/session.h"

#include <ctype.h>
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/http.h"
#include "core/log.h"

#define MAX_MESSAGE (8u << 20)
#define MAX_QUEUED 256
#define DEFAULT_HEARTBEAT_MS 10000
#define DEFAULT_STALE_MS 60000
#define MAX_URL 8192
#define KEEP_BUFFER (32u * 1024u)

typedef struct out_frame {
    struct out_frame *next;
    size_t len;
    uint8_t data[]; /* LWS_PRE headroom, then the frame */
} out_frame;

/* CLOSING: open, sending what is queued, then a close frame (1000) */
typedef enum state { CONNECTING, OPEN, CLOSING, ENDED } state;

struct lt_tiktok_session {
    struct lws_context *lws;
    struct lws *wsi;
    lt_tiktok_session_callbacks cb;
    void *ctx;
    state state;
    uint64_t room_id;
    char *url_path; /* path + query */
    char *host;
    char *cookie_header;
    char *user_agent;
    int64_t enter_unique_id;
    size_t max_messages;
    int64_t close_deadline_ms; /* CLOSING: give up waiting for the server then */
    int64_t heartbeat_ms;      /* from the fetch result; Handshake-Options wins */
    int64_t stale_ms;
    int64_t opened_ms;
    int64_t last_frame_ms;
    int64_t next_heartbeat_ms;
    uint64_t hb_seq;
    bool paused;
    bool rx_dropping; /* skipping the rest of an oversized message */
    lt_buf rx;
    lt_buf scratch; /* inflated payloads */
    lt_buf tx;      /* frame builder */
    out_frame *q_head, *q_tail;
    size_t q_len;
    lt_tiktok_session_end end;
    bool end_pending;
    lws_sorted_usec_list_t end_sul;
    lt_tiktok_session_stats stats;
};

static const lws_retry_bo_t no_keepalive = {
    /* TikTok never answers WS pings: lws must neither ping nor hang up on
     * missing pongs (secs_since_valid_hangup 0 disables validity checks) */
    .secs_since_valid_ping = 0,
    .secs_since_valid_hangup = 0,
};

/* --- URL --- */

typedef struct query {
    char *buf;
    size_t len, cap;
    bool overflow;
} query;

static void q_raw(query *q, const char *s, size_t n)
{
    if (q->overflow || q->len + n + 1 > q->cap) {
        q->overflow = true;
        return;
    }
    memcpy(q->buf + q->len, s, n);
    q->len += n;
    q->buf[q->len] = '\0';
}

static void q_enc(query *q, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            q_raw(q, (const char *)&s[i], 1);
        } else {
            char hex[4];
            snprintf(hex, sizeof hex, "%%%02X", c);
            q_raw(q, hex, 3);
        }
    }
}

static void q_param(query *q, const char *key, const char *value, size_t value_len)
{
    if (q->len > 0 && q->buf[q->len - 1] != '?' && q->buf[q->len - 1] != '&')
        q_raw(q, "&", 1);
    q_enc(q, key, strlen(key));
    q_raw(q, "=", 1);
    q_enc(q, value, value_len);
}

/* The web client's parameters (docs/protocol/webcast.md §4.1). */
static const char *const client_params[][2] = {
    {"aid", "1988"},
    {"app_language", "en-US"},
    {"app_name", "tiktok_web"},
    {"browser_platform", "Win32"},
    {"browser_language", "en-US"},
    {"browser_name", "Mozilla"},
    {"browser_online", "true"},
    {"cookie_enabled", "true"},
    {"tz_name", "Etc/UTC"},
    {"device_platform", "web"},
    {"identity", "audience"},
    {"live_id", "12"},
    {"sup_ws_ds_opt", "1"},
    {"update_version_code", "2.0.0"},
    {"version_code", "180800"},
    {"client_enter", "1"},
    {"ws_direct", "1"},
    {"did_rule", "3"},
    {"webcast_language", "en"},
    {"screen_height", "1080"},
    {"screen_width", "1920"},
    {"heartbeat_duration", "10000"},
    {"resp_content_type", "protobuf"},
    {"history_comment_count", "6"},
};

static const char *route_value(const lt_tiktok_fetch_result *f, const char *key)
{
    if (!f)
        return NULL;
    for (size_t i = 0; i < f->route_param_count; i++) {
        const char *k, *v;
        if (lt_tiktok_fetch_result_route_param(f, i, &k, &v) == 0 && strcmp(k, key) == 0)
            return v;
    }
    return NULL;
}

int lt_tiktok_push_url(const lt_tiktok_push_target *t, char *out, size_t outlen, char *err, size_t errlen)
{
    const char *ps = t->push_server;
    if (!ps || !(strncmp(ps, "wss://", 6) == 0 || strncmp(ps, "ws://", 5) == 0)) {
        snprintf(err, errlen, "push_server '%s' is not a ws:// or wss:// URL", ps ? ps : "(none)");
        return -1;
    }
    query q = {out, 0, outlen, outlen == 0};
    if (outlen)
        out[0] = '\0';
    q_raw(&q, ps, strlen(ps));
    if (!strchr(ps, '?'))
        q_raw(&q, "?", 1); /* an existing query is continued by q_param's '&' */

    const lt_tiktok_fetch_result *f = t->fetch;
    for (size_t i = 0; i < sizeof client_params / sizeof client_params[0]; i++) {
        const char *key = client_params[i][0];
        const char *v = route_value(f, key); /* route params override ours */
        if (!v)
            v = client_params[i][1];
        q_param(&q, key, v, strlen(v));
    }
    const char *ua = t->user_agent ? t->user_agent : lt_http_default_user_agent;
    const char *bv = strncmp(ua, "Mozilla/", 8) == 0 ? ua + 8 : ua;
    if (!route_value(f, "browser_version"))
        q_param(&q, "browser_version", bv, strlen(bv));
    /* route params that are not client params, in the server's order */
    for (size_t i = 0; f && i < f->route_param_count; i++) {
        const char *k, *v;
        if (lt_tiktok_fetch_result_route_param(f, i, &k, &v) != 0 || !*k || !*v)
            continue;
        bool known = strcmp(k, "browser_version") == 0 || strcmp(k, "room_id") == 0 ||
                     strcmp(k, "cursor") == 0 || strcmp(k, "internal_ext") == 0 || strcmp(k, "compress") == 0;
        for (size_t j = 0; j < sizeof client_params / sizeof client_params[0] && !known; j++)
            known = strcmp(k, client_params[j][0]) == 0;
        if (!known)
            q_param(&q, k, v, strlen(v));
    }
    q_param(&q, "room_id", t->room_id, strlen(t->room_id));
    if (f && f->cursor && *f->cursor)
        q_param(&q, "cursor", f->cursor, strlen(f->cursor));
    if (f && f->internal_ext.len)
        q_param(&q, "internal_ext", (const char *)f->internal_ext.data, f->internal_ext.len);
    if (t->gzip)
        q_param(&q, "compress", "gzip", 4);
    /* production URLs carry a second version_code (Python and Node do the same) */
    q_raw(&q, "&version_code=270000", 20);
    if (q.overflow) {
        snprintf(err, errlen, "push URL longer than %zu bytes", outlen);
        return -1;
    }
    return 0;
}

/* --- outbound queue --- */

static void end_session(lt_tiktok_session *s, lt_tiktok_session_end_kind kind, const char *detail);

static int enqueue(lt_tiktok_session *s, const lt_buf *frame)
{
    if (s->q_len >= MAX_QUEUED) {
        end_session(s, LT_TIKTOK_SESSION_PROTOCOL_ERROR, "send queue overflow (socket not writable)");
        return -1;
    }
    out_frame *f = malloc(sizeof(*f) + LWS_PRE + frame->len);
    if (!f)
        return -1;
    f->next = NULL;
    f->len = frame->len;
    memcpy(f->data + LWS_PRE, frame->data, frame->len);
    if (s->q_tail)
        s->q_tail->next = f;
    else
        s->q_head = f;
    s->q_tail = f;
    s->q_len++;
    if (s->wsi)
        lws_callback_on_writable(s->wsi);
    return 0;
}

static void free_queue(lt_tiktok_session *s)
{
    while (s->q_head) {
        out_frame *f = s->q_head;
        s->q_head = f->next;
        free(f);
    }
    s->q_tail = NULL;
    s->q_len = 0;
}

static void send_heartbeat(lt_tiktok_session *s, int64_t now)
{
    lt_buf_reset(&s->tx);
    if (lt_tiktok_build_heartbeat(&s->tx, s->room_id, ++s->hb_seq) == 0 && enqueue(s, &s->tx) == 0)
        s->stats.heartbeats_sent++;
    s->next_heartbeat_ms = now + s->heartbeat_ms;
}

/* --- ending --- */

static void deliver_end(lws_sorted_usec_list_t *sul)
{
    lt_tiktok_session *s = lws_container_of(sul, lt_tiktok_session, end_sul);
    if (!s->end_pending)
        return;
    s->end_pending = false;
    /* a copy: the owner typically destroys the session inside on_end */
    lt_tiktok_session_end end = s->end;
    if (s->cb.on_end)
        s->cb.on_end(s->ctx, &end);
}

static const char close_reason[] = "livetap: room closed";

/* Lets lws close a socket this session no longer owns: an open WebSocket
 * gets a close frame with status 1000 on its way out (a socket merely
 * killed reaches the server as 1006, abnormal closure). */
/* Detached open sockets carry this marker until lws destroys them, so that
 * a stopping collector can let their close handshakes finish. */
static char detached_marker;
static size_t detached_open;

static void detach_closing(struct lws *wsi, bool open)
{
    lws_set_opaque_user_data(wsi, open ? &detached_marker : NULL);
    if (open) {
        detached_open++;
        lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, (unsigned char *)close_reason,
                         sizeof close_reason - 1);
        lws_set_timeout(wsi, PENDING_TIMEOUT_CLOSE_SEND, 2);
        lws_callback_on_writable(wsi);
    } else {
        lws_set_timeout(wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
    }
}

static void end_session(lt_tiktok_session *s, lt_tiktok_session_end_kind kind, const char *detail)
{
    if (s->state == ENDED)
        return;
    int64_t now = lt_now_ms();
    bool open = s->state == OPEN || s->state == CLOSING;
    s->end.kind = kind;
    s->end.was_open = open;
    s->end.open_ms = open ? now - s->opened_ms : 0;
    if (detail && !s->end.detail[0])
        snprintf(s->end.detail, sizeof s->end.detail, "%s", detail);
    s->state = ENDED;
    if (s->wsi) {
        struct lws *wsi = s->wsi;
        s->wsi = NULL;
        detach_closing(wsi, open);
    }
    free_queue(s);
    /* never call the owner from inside lws_client_connect or its own call */
    s->end_pending = true;
    lws_sul_schedule(s->lws, 0, &s->end_sul, deliver_end, 1);
}

/* --- inbound --- */

static void bad_frame(lt_tiktok_session *s, const char *why, const uint8_t *data, size_t len)
{
    s->stats.bad_frames++;
    if (s->cb.on_bad_frame)
        s->cb.on_bad_frame(s->ctx, why, data, len);
}

static void handle_message(lt_tiktok_session *s, const uint8_t *data, size_t len)
{
    char err[160];
    s->stats.frames_in++;
    s->stats.bytes_in += len;
    if (s->cb.on_raw_frame)
        s->cb.on_raw_frame(s->ctx, data, len);

    lt_tiktok_frame frame;
    if (lt_tiktok_frame_parse(data, len, &frame, err, sizeof err) != 0) {
        lt_tiktok_frame_release(&frame);
        bad_frame(s, err, data, len);
        return;
    }
    /* server "hb" and "im_enter_room_resp" only prove the link is alive */
    if (!frame.payload_type || strcmp(frame.payload_type, "msg") != 0) {
        lt_tiktok_frame_release(&frame);
        return;
    }
    const uint8_t *payload;
    size_t payload_len;
    bool inflated;
    if (lt_tiktok_frame_payload(&frame, &s->scratch, &payload, &payload_len, &inflated, err, sizeof err) !=
        0) {
        lt_tiktok_frame_release(&frame);
        bad_frame(s, err, data, len);
        return;
    }
    lt_tiktok_fetch_result result;
    if (lt_tiktok_fetch_result_parse_limited(payload, payload_len, s->max_messages, &result, err,
                                             sizeof err) != 0) {
        lt_tiktok_fetch_result_release(&result);
        lt_tiktok_frame_release(&frame);
        bad_frame(s, err, data, len);
        return;
    }
    s->stats.msg_frames++;
    if (s->state == CLOSING) {
        /* the owner has closed: nothing more is delivered (or acked) */
        lt_tiktok_fetch_result_release(&result);
        lt_tiktok_frame_release(&frame);
        return;
    }
    if (result.need_ack && frame.has_log_id) {
        lt_buf_reset(&s->tx);
        if (lt_tiktok_build_ack(&s->tx, frame.log_id, result.internal_ext.data, result.internal_ext.len) ==
                0 &&
            enqueue(s, &s->tx) == 0)
            s->stats.acks_sent++;
    }
    if (s->state == OPEN && s->cb.on_fetch_result)
        s->cb.on_fetch_result(s->ctx, &result);
    lt_tiktok_fetch_result_release(&result);
    lt_tiktok_frame_release(&frame);
}

static void read_handshake(lt_tiktok_session *s, struct lws *wsi)
{
    char opts[256];
    /* Handshake-Options: "ping-interval=10;..." */
    if (lws_hdr_custom_copy(wsi, opts, sizeof opts, "handshake-options:", 18) > 0) {
        const char *p = strstr(opts, "ping-interval=");
        if (p) {
            long sec = strtol(p + 14, NULL, 10);
            if (sec >= 1 && sec <= 120)
                s->heartbeat_ms = sec * 1000;
        }
    }
}

static void trim_copy(char *dst, size_t dstlen, const char *src)
{
    while (*src == ' ' || *src == '\t')
        src++;
    snprintf(dst, dstlen, "%s", src);
    size_t n = strlen(dst);
    while (n > 0 && (dst[n - 1] == ' ' || dst[n - 1] == '\r' || dst[n - 1] == '\n'))
        dst[--n] = '\0';
}

/* The handshake's extra headers: the session's cookies, user agent and
 * language. */
static int append_headers(lt_tiktok_session *s, struct lws *wsi, void *in, size_t len)
{
    unsigned char **p = in;
    unsigned char *end = *p + len;
    if (s->cookie_header &&
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_COOKIE, (unsigned char *)s->cookie_header,
                                     (int)strlen(s->cookie_header), p, end))
        return -1;
    if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_USER_AGENT, (unsigned char *)s->user_agent,
                                     (int)strlen(s->user_agent), p, end))
        return -1;
    static const char lang[] = "en-US,en;q=0.9";
    if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_ACCEPT_LANGUAGE, (unsigned char *)lang,
                                     (int)sizeof lang - 1, p, end))
        return -1;
    return 0;
}

static void on_established(lt_tiktok_session *s)
{
    int64_t now = lt_now_ms();
    s->state = OPEN;
    s->opened_ms = now;
    s->last_frame_ms = now;
    lt_buf_reset(&s->tx);
    /* the handshake's strings are not needed again (lws copied the path
     * when it started): ~1 KiB per room of a signed URL and headers */
    free(s->url_path);
    free(s->cookie_header);
    free(s->user_agent);
    s->url_path = s->cookie_header = s->user_agent = NULL;
    /* enter the room first: heartbeats before it make the server close */
    if (lt_tiktok_build_enter_room(&s->tx, (int64_t)s->room_id, s->enter_unique_id, NULL) == 0)
        enqueue(s, &s->tx);
    send_heartbeat(s, now);
    if (s->cb.on_open)
        s->cb.on_open(s->ctx);
}

/* A piece of a message (at most the protocol's rx buffer): appended until
 * the message is whole, then handled; one over MAX_MESSAGE is dropped. */
static void on_receive(lt_tiktok_session *s, struct lws *wsi, const void *in, size_t len)
{
    s->last_frame_ms = lt_now_ms();
    if (!s->rx_dropping) {
        if (s->rx.len + len > MAX_MESSAGE) {
            s->rx_dropping = true;
            lt_buf_reset(&s->rx);
            bad_frame(s, "message larger than 8 MiB", NULL, 0);
        } else if (lt_buf_append(&s->rx, in, len) != 0) {
            s->rx_dropping = true;
            lt_buf_reset(&s->rx);
            bad_frame(s, "out of memory for a message", NULL, 0);
        }
    }
    if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
        return;
    if (!s->rx_dropping)
        handle_message(s, s->rx.data, s->rx.len);
    s->rx_dropping = false;
    /* a quiet room must not keep the memory of its largest frame */
    if (s->rx.cap > KEEP_BUFFER)
        lt_buf_free(&s->rx);
    else
        lt_buf_reset(&s->rx);
    if (s->scratch.cap > KEEP_BUFFER)
        lt_buf_free(&s->scratch);
}

/* One queued frame out; once the queue is empty while closing, the close
 * frame (-1: lws closes). */
static int on_writeable(lt_tiktok_session *s, struct lws *wsi)
{
    out_frame *f = s->q_head;
    if (!f && s->state == CLOSING) {
        /* everything queued is out: say goodbye properly */
        lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, (unsigned char *)close_reason,
                         sizeof close_reason - 1);
        return -1;
    }
    if (!f)
        return 0;
    s->q_head = f->next;
    if (!s->q_head)
        s->q_tail = NULL;
    s->q_len--;
    int n = lws_write(wsi, f->data + LWS_PRE, f->len, LWS_WRITE_BINARY);
    free(f);
    if (n < 0) {
        end_session(s, LT_TIKTOK_SESSION_CLOSED, "write failed");
        return -1;
    }
    if (s->q_head)
        lws_callback_on_writable(wsi);
    return 0;
}

static void on_peer_close(lt_tiktok_session *s, const void *in, size_t len)
{
    if (len < 2)
        return;
    const unsigned char *b = in;
    s->end.close_code = (b[0] << 8) | b[1];
    snprintf(s->end.detail, sizeof s->end.detail, "closed by server: %d %.*s", s->end.close_code,
             (int)(len - 2 < 120 ? len - 2 : 120), (const char *)b + 2);
}

/* The connection failed before the upgrade: refused by TikTok (its
 * handshake-status/-msg headers say why) or not made at all. */
static void on_connection_error(lt_tiktok_session *s, struct lws *wsi, const void *in, size_t len)
{
    s->wsi = NULL; /* lws is closing it */
    lws_set_opaque_user_data(wsi, NULL);
    long status = lws_http_client_http_response(wsi);
    char hs_status[64] = "", hs_msg[160] = "";
    int a = lws_hdr_custom_copy(wsi, hs_status, sizeof hs_status, "handshake-status:", 17);
    int b = lws_hdr_custom_copy(wsi, hs_msg, sizeof hs_msg, "handshake-msg:", 14);
    s->end.http_status = status;
    if (a > 0 || b > 0) {
        trim_copy(s->end.handshake_status, sizeof s->end.handshake_status, a > 0 ? hs_status : "");
        trim_copy(s->end.handshake_msg, sizeof s->end.handshake_msg, b > 0 ? hs_msg : "");
        snprintf(s->end.detail, sizeof s->end.detail, "WebSocket refused by TikTok: HTTP %ld, %s %s", status,
                 s->end.handshake_status, s->end.handshake_msg);
        end_session(s, LT_TIKTOK_SESSION_REFUSED, NULL);
        return;
    }
    int n = in ? (int)(len < 120 ? len : 120) : 0;
    const char *why = in ? (const char *)in : "";
    if (status)
        snprintf(s->end.detail, sizeof s->end.detail, "connect failed: HTTP %ld (%.*s)", status, n, why);
    else
        snprintf(s->end.detail, sizeof s->end.detail, "connect failed: %.*s", n, why);
    end_session(s, LT_TIKTOK_SESSION_CONNECT_FAILED, NULL);
}

static void on_closed(lt_tiktok_session *s, struct lws *wsi)
{
    s->wsi = NULL;
    lws_set_opaque_user_data(wsi, NULL);
    end_session(s,
                s->state == OPEN || s->state == CLOSING ? LT_TIKTOK_SESSION_CLOSED
                                                        : LT_TIKTOK_SESSION_CONNECT_FAILED,
                s->state == CLOSING ? "closed by livetap"
                : s->state == OPEN  ? "connection closed"
                                    : "connection lost before the upgrade");
}

/* lws's callback for a push connection. A connection whose session let go
 * of it (detached_marker) has no session: lws closes it. */
static int session_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                            size_t len)
{
    lt_tiktok_session *s = lws_get_opaque_user_data(wsi);
    if ((void *)s == &detached_marker) {
        s = NULL;
        if (reason == LWS_CALLBACK_WSI_DESTROY) {
            lws_set_opaque_user_data(wsi, NULL);
            detached_open--;
        }
    }
    switch (reason) {
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: return s ? append_headers(s, wsi, in, len) : -1;
    case LWS_CALLBACK_CLIENT_FILTER_PRE_ESTABLISH:
        if (s)
            read_handshake(s, wsi);
        return 0;
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        if (!s)
            return -1;
        on_established(s);
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        if (!s)
            return -1;
        on_receive(s, wsi, in, len);
        return 0;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return s ? on_writeable(s, wsi)
                 : -1; /* detached: lws closes it (with the close reason set, if any) */
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (s)
            on_peer_close(s, in, len);
        return 0;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if (s)
            on_connection_error(s, wsi, in, len);
        return 0;
    case LWS_CALLBACK_CLIENT_CLOSED:
    case LWS_CALLBACK_WSI_DESTROY:
        if (s)
            on_closed(s, wsi);
        return 0;
    default: return 0;
    }
}

const struct lws_protocols lt_tiktok_session_lws_protocol = {
    /* rx_buffer_size is allocated per connection and held for its life:
     * keep it small (it was 8 KiB, a quarter of a room's memory); messages
     * of any size are reassembled in s->rx anyway, lws hands them over in
     * pieces of at most this many bytes */
    "lt-webcast", session_callback, 0, 1024, 0, NULL, 0,
};

/* --- public --- */

static int split_url(const char *url, bool *tls, char **host, int *port, char **path)
{
    const char *p;
    if (strncmp(url, "wss://", 6) == 0) {
        *tls = true;
        *port = 443;
        p = url + 6;
    } else if (strncmp(url, "ws://", 5) == 0) {
        *tls = false;
        *port = 80;
        p = url + 5;
    } else {
        return -1;
    }
    size_t hl = strcspn(p, ":/?");
    if (hl == 0)
        return -1;
    *host = strndup(p, hl);
    if (!*host)
        return -1;
    p += hl;
    if (*p == ':') {
        char *end;
        long v = strtol(p + 1, &end, 10);
        if (v <= 0 || v > 65535)
            return -1;
        *port = (int)v;
        p = end;
    }
    if (*p == '/') {
        *path = strdup(p);
    } else {
        /* "host?query" -> "/?query" */
        size_t n = strlen(p);
        *path = malloc(n + 2);
        if (*path) {
            (*path)[0] = '/';
            memcpy(*path + 1, p, n + 1);
        }
    }
    return *path ? 0 : -1;
}

lt_tiktok_session *lt_tiktok_session_connect(const lt_tiktok_session_options *opts,
                                             const lt_tiktok_session_callbacks *cb, void *ctx, char *err,
                                             size_t errlen)
{
    char *url = NULL;
    lt_tiktok_session *s = calloc(1, sizeof(*s));
    if (!s)
        goto oom;
    s->lws = opts->lws;
    s->cb = *cb;
    s->ctx = ctx;
    s->state = CONNECTING;
    s->room_id = strtoull(opts->room_id, NULL, 10);
    s->enter_unique_id = opts->enter_unique_id;
    s->max_messages = opts->max_messages;
    s->stale_ms = opts->stale_ms > 0 ? opts->stale_ms : DEFAULT_STALE_MS;
    s->heartbeat_ms = DEFAULT_HEARTBEAT_MS;
    if (opts->fetch && opts->fetch->heartbeat_duration_ms >= 1000 &&
        opts->fetch->heartbeat_duration_ms <= 120000)
        s->heartbeat_ms = opts->fetch->heartbeat_duration_ms;
    s->user_agent = strdup(opts->user_agent ? opts->user_agent : lt_http_default_user_agent);
    s->cookie_header = opts->cookie_header ? strdup(opts->cookie_header) : NULL;
    if (!s->user_agent || (opts->cookie_header && !s->cookie_header))
        goto oom;

    url = malloc(MAX_URL);
    if (!url)
        goto oom;
    lt_tiktok_push_target target = {
        .push_server = opts->fetch ? opts->fetch->push_server : NULL,
        .fetch = opts->fetch,
        .room_id = opts->room_id,
        .user_agent = s->user_agent,
        .gzip = opts->gzip,
    };
    if (lt_tiktok_push_url(&target, url, MAX_URL, err, errlen) != 0)
        goto fail;
    bool tls;
    int port;
    if (split_url(url, &tls, &s->host, &port, &s->url_path) != 0) {
        snprintf(err, errlen, "cannot parse push URL");
        goto fail;
    }

    struct lws_client_connect_info info;
    memset(&info, 0, sizeof info);
    info.context = opts->lws;
    info.vhost = opts->vhost;
    info.address = s->host;
    info.port = port;
    info.path = s->url_path;
    /* the Host header names the port when it is not the scheme's */
    char host_header[300];
    if ((tls && port != 443) || (!tls && port != 80))
        snprintf(host_header, sizeof host_header, "%s:%d", s->host, port);
    else
        snprintf(host_header, sizeof host_header, "%s", s->host);
    info.host = host_header;
    info.origin = "https://www.tiktok.com";
    info.protocol = NULL; /* no subprotocol header: what the web client sends */
    info.local_protocol_name = lt_tiktok_session_lws_protocol.name;
    info.ietf_version_or_minus_one = -1;
    info.opaque_user_data = s;
    info.retry_and_idle_policy = &no_keepalive;
    info.pwsi = &s->wsi;
    if (tls) {
        info.ssl_connection = LCCSCF_USE_SSL;
        if (opts->insecure_tls)
            info.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
                                   LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE;
    }
    free(url);
    url = NULL;
    if (!lws_client_connect_via_info(&info)) {
        /* lws may have reported the failure through the callback already */
        if (s->state == ENDED) {
            snprintf(err, errlen, "%s", s->end.detail);
            lws_sul_cancel(&s->end_sul);
        } else {
            snprintf(err, errlen, "lws refused to start the connection to %s", s->host);
        }
        s->wsi = NULL;
        goto fail;
    }
    return s;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    free(url);
    if (s)
        s->cb.on_end = NULL;
    lt_tiktok_session_destroy(s);
    return NULL;
}

void lt_tiktok_session_destroy(lt_tiktok_session *s)
{
    if (!s)
        return;
    if (s->wsi) {
        detach_closing(s->wsi, s->state == OPEN || s->state == CLOSING);
        s->wsi = NULL;
    }
    if (s->lws)
        lws_sul_cancel(&s->end_sul);
    free_queue(s);
    lt_buf_free(&s->rx);
    lt_buf_free(&s->scratch);
    lt_buf_free(&s->tx);
    free(s->url_path);
    free(s->host);
    free(s->cookie_header);
    free(s->user_agent);
    free(s);
}

size_t lt_tiktok_sessions_closing(void)
{
    return detached_open;
}

void lt_tiktok_session_close(lt_tiktok_session *s)
{
    if (s->state == OPEN && s->wsi) {
        s->state = CLOSING;
        s->close_deadline_ms = lt_now_ms() + LT_TIKTOK_CLOSE_WAIT_MS;
        lws_rx_flow_control(s->wsi, 1); /* the server's close answer must be read even when paused */
        lws_callback_on_writable(s->wsi);
        return;
    }
    end_session(s, LT_TIKTOK_SESSION_CLOSED, "closed by livetap");
}

void lt_tiktok_session_tick(lt_tiktok_session *s, int64_t now_ms)
{
    if (s->state == CLOSING && now_ms >= s->close_deadline_ms)
        end_session(s, LT_TIKTOK_SESSION_CLOSED, "closed by livetap (the server did not answer the close)");
    if (s->state != OPEN)
        return;
    if (now_ms >= s->next_heartbeat_ms)
        send_heartbeat(s, now_ms);
    if (!s->paused && now_ms - s->last_frame_ms >= s->stale_ms) {
        char detail[96];
        snprintf(detail, sizeof detail, "no frame for %lld s", (long long)(s->stale_ms / 1000));
        end_session(s, LT_TIKTOK_SESSION_STALE, detail);
    }
}

void lt_tiktok_session_pause(lt_tiktok_session *s, bool paused)
{
    if (s->paused == paused || s->state == CLOSING)
        return; /* a closing socket must read the server's close answer */
    s->paused = paused;
    if (!paused)
        s->last_frame_ms = lt_now_ms(); /* time spent paused is not silence */
    if (s->wsi)
        lws_rx_flow_control(s->wsi, paused ? 0 : 1);
}

bool lt_tiktok_session_paused(const lt_tiktok_session *s)
{
    return s->paused;
}

bool lt_tiktok_session_is_open(const lt_tiktok_session *s)
{
    return s->state == OPEN || s->state == CLOSING;
}

void lt_tiktok_session_get_stats(const lt_tiktok_session *s, lt_tiktok_session_stats *out)
{
    *out = s->stats;
    out->heartbeat_ms = s->heartbeat_ms;
}
