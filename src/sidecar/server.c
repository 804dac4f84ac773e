/* server.c - the sidecar's event loop (libwebsockets): WebSocket clients,
 * the live-view page, /healthz, /readyz, /metrics.
 *
 * One lws protocol serves both HTTP and WebSocket, so that an upgrade on any
 * /ws/{room_id} lands here without a subprotocol. Decisions:
 * - Errors a client can act on (bad room id, unknown type, bad cursor,
 *   unauthorized, server full) are sent after the upgrade, as a JSON error
 *   frame followed by a close code, because a failed handshake tells a
 *   browser nothing.
 * - Writes: frames are pre-framed (hub.h), so a writable callback copies as
 *   many queued frames as fit in 64 KiB into one buffer and sends them with
 *   one LWS_WRITE_RAW: one syscall for many frames, which is what makes
 *   fan-out cheap (docs/sidecar.md). lws keeps any unsent remainder and calls
 *   back when the socket drains, so a slow socket costs at most 64 KiB here;
 *   beyond that the hub's per-client queue bound applies.
 * - Keepalive and idle: lws's retry policy sends a ping after
 *   ping_interval_s of silence and hangs up after idle_timeout_s without any
 *   valid traffic (a pong counts).
 * - A 250 ms tick handles JWT expiry (close 1008), the stop request and the
 *   shutdown deadline.
 * - The loop: by default libev on epoll drives lws (LWS_SERVER_OPTION_LIBEV
 *   with our own ev_loop as lws's "foreign" loop). lws's own loop is poll(),
 *   which walks every socket on every wake-up: with 10,000 quiet clients that
 *   was over half the sidecar's CPU (bench/README.md). On epoll a wake-up
 *   costs what is ready. Our own scheduling (the consumer's wake, the inbox
 *   drain, the tick) uses libev watchers directly: lws 4.1's libev glue only
 *   re-arms its timer after socket events and cannot bring an armed timer
 *   forward, so the tick also pokes lws (lws_cancel_service) to run its own
 *   timers (pings, timeouts) at most 250 ms late. `event_loop: poll` keeps
 *   lws's loop, also the fallback when the libev plugin is not installed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <malloc.h>
#include <ev.h>

#include "core/log.h"
#include "sidecar/internal.h"

#define SCRATCH_BYTES 65536
#define TICK_US (250 * LWS_US_PER_MS)
#define DRAIN_CHUNK 1024  /* inbox messages per loop iteration, at most */
#define DRAIN_FRAMES 32768 /* frames queued per loop iteration, about */
#define WRITE_BUDGET (1u << 20) /* bytes per writable callback */

typedef struct session {
    bool is_ws;
    bool counted;
    /* HTTP */
    uint8_t *body;            /* LWS_PRE headroom + body (owned) */
    size_t body_len;
    /* WebSocket */
    lt_hub_client *client;
    lt_sidecar_frame *error;  /* a refusal before subscribing */
    int error_code;
    char ip[64];
    int64_t expires_ms;
    size_t rx_bytes;          /* of the message being received */
    bool wrote_last;          /* this writable callback wrote: close on the next */
} session;

static uint8_t scratch[LWS_PRE + SCRATCH_BYTES];

struct lt_sidecar_ev {
    struct ev_loop *loop;
    ev_async wake;  /* the consumer thread appended to the inbox */
    ev_idle drain;  /* the inbox holds more than a chunk: go on between socket events */
    ev_timer tick;
};

/* --- refusals before subscribing --- */

static void refuse(struct lws *wsi, session *s, lt_sidecar *sc, reject_reason why,
                   const char *message, const char *details, int code)
{
    lt_buf json = LT_BUF_INIT;
    lt_buf_append(&json, "{\"type\":\"error\",\"message\":", 26);
    lt_avro_json_string(&json, message, strlen(message));
    lt_buf_append(&json, ",\"details\":", 11);
    lt_avro_json_string(&json, details, strlen(details));
    lt_buf_append_byte(&json, '}');
    s->error = json.data ? lt_sidecar_frame_text((const char *)json.data, json.len) : NULL;
    s->error_code = code;
    lt_buf_free(&json);
    sc->rejected[why]++;
    lws_callback_on_writable(wsi);
}

/* Copies the URI args back into one query string, escaping what lws already
 * decoded so that request.c's decoder sees each value exactly once. -1 when
 * an argument or the whole does not fit: the request is refused rather than
 * served without the arguments that did not fit (a token, a cursor). */
static int join_args(struct lws *wsi, char *out, size_t cap)
{
    char frag[LT_SIDECAR_TOKEN_MAX + 64];
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0;; i++) {
        int len = lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_URI_ARGS, i);
        if (len <= 0)
            return 0;
        if (i >= 32 || (size_t)len >= sizeof(frag))
            return -1;
        int n = lws_hdr_copy_fragment(wsi, frag, sizeof(frag), WSI_TOKEN_HTTP_URI_ARGS, i);
        if (n < 0)
            return -1;
        if (o) {
            if (o + 2 > cap)
                return -1;
            out[o++] = '&';
        }
        for (int k = 0; k < n; k++) {
            char ch = frag[k];
            if (o + 4 > cap)
                return -1;
            if (ch == '%' || ch == '&' || ch == '#') {
                o += (size_t)snprintf(out + o, cap - o, "%%%02X", (unsigned char)ch);
            } else {
                out[o++] = ch;
            }
        }
        out[o] = '\0';
    }
}

static void ws_established(struct lws *wsi, session *s, lt_sidecar *sc)
{
    char path[512], query[LT_SIDECAR_QUERY_MAX + 1], auth_hdr[LT_SIDECAR_TOKEN_MAX + 64];
    char escaped[1600];
    lt_sidecar_request *req = calloc(1, sizeof(*req));
    lt_sidecar_error err = {0};
    s->is_ws = true;
    s->counted = true;
    sc->ws_clients++;
    sc->ws_opened++;
    lws_get_peer_simple(wsi, s->ip, sizeof(s->ip));
    unsigned from_ip = lt_sidecar_ip_clients(sc, s->ip, 1);
    if (!req) {
        refuse(wsi, s, sc, REJECT_CAPACITY, "server busy", "out of memory", 1011);
        return;
    }
    if (sc->shutting_down) {
        refuse(wsi, s, sc, REJECT_CAPACITY, "server shutting down", "reconnect shortly", 1001);
        goto done;
    }
    if (sc->ws_clients > sc->cfg->max_clients) {
        refuse(wsi, s, sc, REJECT_CAPACITY, "server full",
               "this sidecar serves its maximum number of clients; try another or later", 1013);
        goto done;
    }
    lt_ratelimit *rate = &sc->conn_rate[lt_sidecar_ip_hash(s->ip) % LT_SIDECAR_RATE_SLOTS];
    if (lt_ratelimit_acquire(rate, lt_now_ms()) != 0) {
        refuse(wsi, s, sc, REJECT_RATE, "too many connections",
               "your address opens connections faster than this sidecar allows; retry in a moment", 1013);
        goto done;
    }
    if (from_ip > sc->cfg->max_clients_per_address) {
        refuse(wsi, s, sc, REJECT_CAPACITY, "too many connections",
               "your address has the maximum number of connections open", 1013);
        goto done;
    }
    if (lws_hdr_copy(wsi, path, sizeof(path), WSI_TOKEN_GET_URI) <= 0)
        path[0] = '\0';
    /* lws decoded the path already; re-escape '%' so it is decoded once. */
    size_t o = 0;
    for (const char *p = path; *p && o + 4 < sizeof(escaped); p++) {
        if (*p == '%')
            o += (size_t)snprintf(escaped + o, sizeof(escaped) - o, "%%25");
        else
            escaped[o++] = *p;
    }
    escaped[o] = '\0';
    if (join_args(wsi, query, sizeof(query)) < 0) {
        refuse(wsi, s, sc, REJECT_BAD_REQUEST, "bad request",
               "the query is too long: each argument must stay under 4 KiB, the whole under 8 KiB, and "
               "at most 32 arguments",
               1008);
        goto done;
    }
    if (lt_sidecar_request_parse(escaped, query, req, &err) < 0) {
        refuse(wsi, s, sc, REJECT_BAD_REQUEST, err.message, err.details, 1008);
        goto done;
    }
    const char *token = req->token;
    if (lws_hdr_copy(wsi, auth_hdr, sizeof(auth_hdr), WSI_TOKEN_HTTP_AUTHORIZATION) > 0) {
        const char *bearer = lt_sidecar_auth_bearer(auth_hdr);
        if (bearer)
            token = bearer;
    }
    char why[256] = "";
    if (lt_sidecar_auth_check(sc->auth, token, req->room_id, lt_now_ms(), &s->expires_ms, why,
                              sizeof(why)) != LT_AUTH_OK) {
        refuse(wsi, s, sc, REJECT_UNAUTHORIZED, "unauthorized", why, 1008);
        goto done;
    }
    lt_kafka_replay_entry *entries = calloc(sc->topics ? sc->topics : 1, sizeof(*entries));
    size_t n = 0;
    if (!entries) {
        refuse(wsi, s, sc, REJECT_CAPACITY, "server busy", "out of memory", 1011);
        goto done;
    }
    s->client = lt_hub_subscribe(sc->hub, req, wsi, entries, &n, &err);
    if (!s->client) {
        refuse(wsi, s, sc, err.code == 1013 ? REJECT_CAPACITY : REJECT_BAD_REQUEST, err.message, err.details,
               err.code ? err.code : 1008);
    } else if (n > 0 &&
               lt_kafka_consumer_replay(sc->consumer, lt_hub_client_request_id(s->client), entries, n) < 0) {
        lt_hub_client_error(s->client, "server busy", "cannot queue the replay", 1011, LT_HUB_CLOSE_ERROR);
    }
    free(entries);
done:
    free(req);
}

/* Copies queued frames into 64 KiB writes and keeps writing while the
 * socket takes everything (no partial send buffered by lws), up to a budget
 * so that one client cannot monopolise the loop. Returns the frames written,
 * or -1 if the socket failed. */
const double lt_sidecar_latency_le_ms[LT_SIDECAR_LATENCY_BUCKETS] = {
    1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000};

static void observe(uint64_t *hist, double *sum, double ms)
{
    int b = 0;
    while (b < LT_SIDECAR_LATENCY_BUCKETS && ms > lt_sidecar_latency_le_ms[b])
        b++;
    hist[b]++;
    *sum += ms;
}

/* Every 16th frame written is timed (a clock read per frame would cost more
 * than the copy). */
static void time_frame(lt_sidecar *sc, const lt_sidecar_frame *f)
{
    if (!f->born_us || (sc->frames_sent & 15))
        return;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t now_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
    observe(sc->lat_sidecar, &sc->lat_sidecar_sum, (double)(now_us - f->born_us) / 1000.0);
    if (f->kafka_ms) {
        int64_t d = lt_now_ms() - f->kafka_ms;
        observe(sc->lat_kafka, &sc->lat_kafka_sum, (double)(d < 0 ? 0 : d));
    }
}

static long write_queued(struct lws *wsi, session *s, lt_sidecar *sc)
{
    size_t frames = 0, total = 0;
    lt_sidecar_frame *f;
    uint8_t *buf = scratch + LWS_PRE;
    while (total < WRITE_BUDGET && (f = lt_hub_client_peek(s->client)) && !lws_partial_buffered(wsi)) {
        size_t used = 0;
        if (f->len > SCRATCH_BYTES) { /* bigger than the buffer: send it alone */
            if (lws_write(wsi, f->data, f->len, LWS_WRITE_RAW) < 0)
                return -1;
            used = f->len;
            frames++;
            sc->frames_sent++;
            time_frame(sc, f);
            lt_hub_client_pop(s->client);
        } else {
            while ((f = lt_hub_client_peek(s->client)) && f->len <= SCRATCH_BYTES - used) {
                memcpy(buf + used, f->data, f->len);
                used += f->len;
                frames++;
                sc->frames_sent++;
                time_frame(sc, f);
                lt_hub_client_pop(s->client);
            }
            if (lws_write(wsi, buf, used, LWS_WRITE_RAW) < 0)
                return -1;
        }
        total += used;
    }
    sc->bytes_sent += total;
    return (long)frames;
}

static int ws_writable(struct lws *wsi, session *s, lt_sidecar *sc)
{
    if (s->error) {
        if (lws_write(wsi, s->error->data, s->error->len, LWS_WRITE_RAW) < 0)
            return -1;
        lt_sidecar_frame_unref(s->error);
        s->error = NULL;
        s->wrote_last = true;
        lws_callback_on_writable(wsi);
        return 0;
    }
    if (s->error_code) {
        if (s->wrote_last) { /* let lws flush the frame before the close */
            s->wrote_last = false;
            lws_callback_on_writable(wsi);
            return 0;
        }
        lws_close_reason(wsi, (enum lws_close_status)s->error_code, NULL, 0);
        return -1;
    }
    if (!s->client)
        return 0;
    long frames = write_queued(wsi, s, sc);
    if (frames < 0)
        return -1;
    if (frames) {
        s->wrote_last = true;
        lws_callback_on_writable(wsi);
        return 0;
    }
    const char *reason = NULL;
    int code = lt_hub_client_close_code(s->client, &reason);
    if (code) {
        lws_close_reason(wsi, (enum lws_close_status)code, (unsigned char *)reason,
                         reason ? strlen(reason) : 0);
        return -1;
    }
    s->wrote_last = false;
    return 0;
}

static void ws_closed(session *s, lt_sidecar *sc)
{
    if (s->client) {
        lt_hub_unsubscribe(s->client);
        s->client = NULL;
    }
    lt_sidecar_frame_unref(s->error);
    s->error = NULL;
    if (s->counted) {
        sc->ws_clients--;
        lt_sidecar_ip_clients(sc, s->ip, -1);
        s->counted = false;
    }
}

/* --- HTTP --- */

static int http_respond(struct lws *wsi, session *s, unsigned status, const char *type,
                        const char *body, size_t len)
{
    uint8_t hdr[LWS_PRE + 1024], *start = hdr + LWS_PRE, *p = start, *end = hdr + sizeof(hdr) - 1;
    s->body = malloc(LWS_PRE + len + 1);
    if (!s->body)
        return -1;
    memcpy(s->body + LWS_PRE, body, len);
    s->body_len = len;
    if (lws_add_http_common_headers(wsi, status, type, (lws_filepos_t)len, &p, end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
                                    (const unsigned char *)"no-store", 8, &p, end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"x-content-type-options:",
                                    (const unsigned char *)"nosniff", 7, &p, end) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    lws_callback_on_writable(wsi);
    return 0;
}

int lt_sidecar_metrics_text(lt_sidecar *sc, lt_buf *out);
int lt_sidecar_ready(lt_sidecar *sc, char *detail, size_t cap);

static int http_request(struct lws *wsi, session *s, lt_sidecar *sc, const char *uri)
{
    if (strcmp(uri, "/healthz") == 0)
        return http_respond(wsi, s, 200, "text/plain", "ok\n", 3);
    if (strcmp(uri, "/readyz") == 0) {
        char detail[512];
        int ready = lt_sidecar_ready(sc, detail, sizeof(detail));
        return http_respond(wsi, s, ready ? 200 : 503, "application/json", detail, strlen(detail));
    }
    if (strcmp(uri, "/metrics") == 0) {
        lt_buf text = LT_BUF_INIT;
        int rc = lt_sidecar_metrics_text(sc, &text) < 0
                     ? -1
                     : http_respond(wsi, s, 200, "text/plain; version=0.0.4", (const char *)text.data,
                                    text.len);
        lt_buf_free(&text);
        return rc;
    }
    if (strncmp(uri, "/rooms/", 7) == 0 && lt_room_id_valid(uri + 7, strlen(uri + 7)))
        uri = lt_sidecar_assets[LT_SIDECAR_PAGE].uri;
    for (int i = 0; i < LT_SIDECAR_ASSETS; i++)
        if (strcmp(uri, lt_sidecar_assets[i].uri) == 0)
            return http_respond(wsi, s, 200, lt_sidecar_assets[i].mime, sc->assets[i].data,
                                sc->assets[i].len);
    static const char nf[] = "not found: try /, /rooms/{room_id}, /ws/{room_id}, /healthz, /readyz, /metrics\n";
    return http_respond(wsi, s, 404, "text/plain", nf, sizeof(nf) - 1);
}

/* The hub wants a client written. During a drain the client is noted and
 * written right after the chunk (below); otherwise lws calls back when the
 * socket is writable. */
void lt_sidecar_want_write(void *ctx, void *user)
{
    lt_sidecar *sc = ctx;
    struct lws *wsi = user;
    if (!wsi)
        return;
    if (sc->in_drain) {
        if (sc->dirty_len == sc->dirty_cap) {
            size_t cap = sc->dirty_cap ? sc->dirty_cap * 2 : 256;
            struct lws **more = realloc(sc->dirty, cap * sizeof(*more));
            if (!more) {
                lws_callback_on_writable(wsi);
                return;
            }
            sc->dirty = more;
            sc->dirty_cap = cap;
        }
        sc->dirty[sc->dirty_len++] = wsi;
        return;
    }
    lws_callback_on_writable(wsi);
}

/* The hub is about to close a client for its queue: write what the socket
 * takes first (only when nothing is pending in lws already). */
void lt_sidecar_flush(void *ctx, void *user)
{
    struct lws *wsi = user;
    session *s = wsi ? lws_wsi_user(wsi) : NULL;
    if (s && s->client && !lws_partial_buffered(wsi) && write_queued(wsi, s, ctx) < 0)
        lws_callback_on_writable(wsi);
}

/* Drains one chunk of the inbox, then writes every client that received
 * frames in it directly: one send() per client per chunk, without the
 * round trip of a writable callback (which remains the path for sockets
 * that are full, partial sends and closes). True if more remain. */
static bool drain_chunk(lt_sidecar *sc)
{
    sc->in_drain = true;
    bool more = lt_sidecar_inbox_drain(sc, DRAIN_CHUNK, DRAIN_FRAMES);
    sc->in_drain = false;
    for (size_t i = 0; i < sc->dirty_len; i++) {
        struct lws *wsi = sc->dirty[i];
        session *s = lws_wsi_user(wsi);
        if (!s || !s->client || lt_hub_client_close_code(s->client, NULL) || lws_partial_buffered(wsi) ||
            write_queued(wsi, s, sc) < 0 || lt_hub_client_peek(s->client))
            lws_callback_on_writable(wsi);
    }
    sc->dirty_len = 0;
    return more;
}

/* The drain runs one chunk per loop iteration, so that the sockets are
 * written and read between the chunks of a burst. */
static void on_drain(lws_sorted_usec_list_t *sul)
{
    lt_sidecar *sc = lws_container_of(sul, lt_sidecar, drain);
    if (drain_chunk(sc))
        lws_sul_schedule(sc->ctx, 0, &sc->drain, on_drain, 1);
}

static void ev_on_wake(struct ev_loop *loop, ev_async *w, int revents)
{
    lt_sidecar *sc = w->data;
    if (drain_chunk(sc))
        ev_idle_start(loop, &sc->ev->drain);
}

static void ev_on_drain(struct ev_loop *loop, ev_idle *w, int revents)
{
    if (!drain_chunk(w->data))
        ev_idle_stop(loop, w);
}

void lt_sidecar_loop_wake(lt_sidecar *sc)
{
    if (sc->ev)
        ev_async_send(sc->ev->loop, &sc->ev->wake);
    else if (sc->ctx)
        lws_cancel_service(sc->ctx);
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    lt_sidecar *sc = lws_context_user(lws_get_context(wsi));
    session *s = user;
    switch (reason) {
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION: return sc ? lt_sidecar_peer_accept(sc, user) : 0;
    case LWS_CALLBACK_WSI_CREATE:
        if (sc)
            lt_sidecar_peer_created(sc, wsi);
        return 0;
    case LWS_CALLBACK_WSI_DESTROY:
        if (sc)
            lt_sidecar_peer_destroyed(sc, wsi);
        return 0;
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        /* WebSocket only: an HTTP/2 upgrade (h2c) would hand the connection
         * to a protocol this server does not serve. */
        if (in && strcasecmp((const char *)in, "websocket") != 0) {
            sc->refused_h2c++;
            lws_return_http_status(wsi, HTTP_STATUS_BAD_REQUEST, "only WebSocket upgrades are served here");
            return 1;
        }
        return 0;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED: /* the poll loop's wake (on libev: the tick's poke) */
        if (sc && !sc->ev)
            lws_sul_schedule(sc->ctx, 0, &sc->drain, on_drain, 1);
        return 0;
    case LWS_CALLBACK_ESTABLISHED:
        memset(s, 0, sizeof(*s));
        ws_established(wsi, s, sc);
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE: return ws_writable(wsi, s, sc);
    case LWS_CALLBACK_RECEIVE:
        /* Clients have nothing to say; bound what they may send anyway. */
        s->rx_bytes += len;
        if (s->rx_bytes > (size_t)sc->cfg->inbound_frame_bytes) {
            sc->closes_inbound++;
            static const char r[] = "message too big";
            lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, (unsigned char *)r, sizeof(r) - 1);
            return -1;
        }
        if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi))
            s->rx_bytes = 0;
        return 0;
    case LWS_CALLBACK_CLOSED: ws_closed(s, sc); return 0;
    case LWS_CALLBACK_HTTP: {
        char uri[512];
        if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) <= 0) {
            lws_return_http_status(wsi, HTTP_STATUS_METHOD_NOT_ALLOWED, NULL);
            return -1;
        }
        return http_request(wsi, s, sc, uri) < 0 ? -1 : 0;
    }
    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (!s->body)
            return -1;
        if (lws_write(wsi, s->body + LWS_PRE, s->body_len, LWS_WRITE_HTTP_FINAL) != (int)s->body_len)
            return -1;
        free(s->body);
        s->body = NULL;
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    case LWS_CALLBACK_CLOSED_HTTP:
        free(s ? s->body : NULL);
        if (s)
            s->body = NULL;
        return 0;
    default: break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static void expire_client(lt_hub_client *c, void *user, void *arg)
{
    lt_sidecar *sc = arg;
    session *s = lws_wsi_user((struct lws *)user);
    if (sc->shutting_down) {
        lt_hub_client_close(c, 1001, "server shutting down", LT_HUB_CLOSE_SHUTDOWN);
        return;
    }
    if (s && s->expires_ms && s->expires_ms <= lt_now_ms()) {
        sc->closes_expired++;
        s->expires_ms = 0;
        lt_hub_client_error(c, "unauthorized", "the token expired: reconnect with a fresh one", 1008,
                            LT_HUB_CLOSE_ERROR);
    }
}

/* Frames are allocated on the consumer thread and freed on this one, so
 * glibc keeps what a burst freed in the consumer's arena: 500 replaying
 * clients left 1.75 GB resident after they were gone. After a large release
 * (queued and inbox bytes down 16 MiB from their peak) the memory goes back
 * to the system (at most every 5 s: a trim walks the heap). */
static void return_memory(lt_sidecar *sc)
{
    lt_hub_stats hs;
    lt_hub_stats_get(sc->hub, &hs);
    uint64_t now = hs.queued_bytes + lt_sidecar_inbox_bytes(sc);
    if (now > sc->memory_high)
        sc->memory_high = now;
    int64_t t = lt_now_ms();
    if (sc->memory_high - now > (16u << 20) && t - sc->last_trim_ms >= 5000) { /* at most every 5 s */
        sc->last_trim_ms = t;
        malloc_trim(0);
        sc->trims++;
        sc->memory_high = now;
    }
}

static void tick(lt_sidecar *sc)
{
    return_memory(sc);
    if (sc->stop_requested && !sc->shutting_down) {
        sc->shutting_down = true;
        sc->shutdown_deadline = lt_now_ms() + sc->cfg->shutdown_grace_ms;
        lt_info("sidecar: stopping; closing %u clients with 1001", sc->ws_clients);
    }
    lt_hub_foreach(sc->hub, expire_client, sc);
}

static void on_tick(lws_sorted_usec_list_t *sul)
{
    lt_sidecar *sc = lws_container_of(sul, lt_sidecar, tick);
    tick(sc);
    lws_sul_schedule(sc->ctx, 0, &sc->tick, on_tick, TICK_US);
}

static void ev_on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
    lt_sidecar *sc = w->data;
    tick(sc);
    lws_cancel_service(sc->ctx); /* lws runs its due timers after the wake-up (header) */
}

static const struct lws_protocols *protocols(void)
{
    static struct lws_protocols list[2];
    list[0] = (struct lws_protocols){
        .name = "livetap",
        .callback = callback,
        .per_session_data_size = sizeof(session),
        .rx_buffer_size = 4096,
        .tx_packet_size = SCRATCH_BYTES,
    };
    list[1] = (struct lws_protocols){0};
    return list;
}

/* A libev loop on epoll with our watchers, ready to carry lws; -1 if libev
 * cannot make one. */
static int ev_create(lt_sidecar *sc)
{
    struct lt_sidecar_ev *e = calloc(1, sizeof(*e));
    if (!e)
        return -1;
    e->loop = ev_loop_new(EVBACKEND_EPOLL | EVFLAG_NOENV);
    if (!e->loop)
        e->loop = ev_loop_new(EVFLAG_AUTO | EVFLAG_NOENV);
    if (!e->loop) {
        free(e);
        return -1;
    }
    ev_async_init(&e->wake, ev_on_wake);
    e->wake.data = sc;
    ev_async_start(e->loop, &e->wake);
    /* An idle watcher runs only when nothing of its priority or higher is
     * pending: at the default priority, sockets that stay writable (one room,
     * a thousand clients) would starve the drain. At the top priority it runs
     * every iteration, before the socket events, as lws's poll loop does. */
    ev_idle_init(&e->drain, ev_on_drain);
    ev_set_priority(&e->drain, EV_MAXPRI);
    e->drain.data = sc;
    ev_timer_init(&e->tick, ev_on_tick, TICK_US / 1e6, TICK_US / 1e6);
    e->tick.data = sc;
    sc->ev = e;
    return 0;
}

static void ev_free(lt_sidecar *sc)
{
    struct lt_sidecar_ev *e = sc->ev;
    if (!e)
        return;
    ev_timer_stop(e->loop, &e->tick);
    ev_idle_stop(e->loop, &e->drain);
    ev_async_stop(e->loop, &e->wake);
    ev_loop_destroy(e->loop);
    free(e);
    sc->ev = NULL;
}

static struct lws_context *create_context(lt_sidecar *sc, struct lws_context_creation_info *info)
{
    if (strcmp(sc->cfg->event_loop, "poll") != 0 && ev_create(sc) == 0) {
        void *loops[1] = {sc->ev->loop};
        struct lws_context_creation_info ev_info = *info;
        ev_info.options |= LWS_SERVER_OPTION_LIBEV;
        ev_info.foreign_loops = loops;
        struct lws_context *ctx = lws_create_context(&ev_info);
        if (ctx) {
            sc->loop_name = ev_backend(sc->ev->loop) == EVBACKEND_EPOLL ? "epoll" : "libev";
            return ctx;
        }
        ev_free(sc);
        ctx = lws_create_context(info);
        if (ctx)
            lt_warn("sidecar: the epoll event loop did not start (is libwebsockets-evlib-ev installed?); "
                    "serving with poll(), which costs CPU for every connected client on every wake-up");
        sc->loop_name = "poll";
        return ctx;
    }
    sc->loop_name = "poll";
    return lws_create_context(info);
}

int lt_sidecar_loop_create(lt_sidecar *sc, char *err, size_t errlen)
{
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof(info));
    sc->retry = (lws_retry_bo_t){
        .secs_since_valid_ping = (uint16_t)sc->cfg->ping_interval_s,
        .secs_since_valid_hangup = (uint16_t)sc->cfg->idle_timeout_s,
    };
    info.port = (int)sc->cfg->port;
    info.iface = sc->cfg->listen;
    info.protocols = protocols();
    info.user = sc;
    info.retry_and_idle_policy = &sc->retry;
    info.max_http_header_data = 16384;
    /* One header table per connection being upgraded, up to the client cap:
     * with fewer, connections wait for a table (lws queues them), and a
     * handful of slow ones delays every handshake. The per-address limit on
     * sockets not yet upgraded keeps one address from taking them all. */
    info.max_http_header_pool = sc->cfg->max_clients > 65535 ? 65535 : (unsigned short)sc->cfg->max_clients;
    info.pt_serv_buf_size = 32768;
    info.timeout_secs = sc->cfg->header_timeout_s; /* the request's headers, from accept */
    info.timeout_secs_ah_idle = sc->cfg->header_timeout_s;
    info.keepalive_timeout = (int)sc->cfg->header_timeout_s; /* an idle keep-alive HTTP connection */
    info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
    bool tls = sc->cfg->tls_cert && *sc->cfg->tls_cert;
    if (tls) {
        /* HTTP/1.1 only: the writes are raw pre-framed WebSocket frames. */
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.ssl_cert_filepath = sc->cfg->tls_cert;
        info.ssl_private_key_filepath = sc->cfg->tls_key;
        info.alpn = "http/1.1";
    }
    int64_t now = lt_now_ms();
    for (size_t i = 0; i < LT_SIDECAR_RATE_SLOTS; i++)
        lt_ratelimit_init(&sc->conn_rate[i], sc->cfg->connect_rate_per_address,
                          sc->cfg->connect_burst_per_address, now);
    lws_set_log_level(LLL_ERR, NULL);
    sc->ctx = create_context(sc, &info);
    if (!sc->ctx) {
        snprintf(err, errlen, "cannot listen on %s:%ld (in use?%s)", sc->cfg->listen, sc->cfg->port,
                 tls ? " or the TLS certificate/key did not load" : "");
        return -1;
    }
    sc->vhost = lws_get_vhost_by_name(sc->ctx, "default");
    sc->port = sc->vhost ? lws_get_vhost_listen_port(sc->vhost) : (int)sc->cfg->port;
    if (sc->ev)
        ev_timer_start(sc->ev->loop, &sc->ev->tick);
    else
        lws_sul_schedule(sc->ctx, 0, &sc->tick, on_tick, TICK_US);
    return 0;
}

/* Runs the loop until stopped and every client is gone or the grace ends. */
int lt_sidecar_loop_run(lt_sidecar *sc)
{
    while (true) {
        if (sc->ev)
            ev_run(sc->ev->loop, EVRUN_ONCE);
        else if (lws_service(sc->ctx, 0) < 0)
            return -1;
        if (sc->shutting_down && (sc->ws_clients == 0 || lt_now_ms() >= sc->shutdown_deadline))
            return 0;
    }
}

/* lws closes its sockets and stops its watchers at once on a libev loop
 * (no asynchronous handle closes as with libuv); then the loop goes. */
void lt_sidecar_loop_destroy(lt_sidecar *sc)
{
    if (sc->ctx)
        lws_context_destroy(sc->ctx);
    sc->ctx = NULL;
    ev_free(sc);
}
