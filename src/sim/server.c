/* server.c - the simulator's HTTP and push WebSocket server (libwebsockets).
 *
 * One lws protocol handles both the plain HTTP requests and the push
 * WebSocket (the web client sends no subprotocol, so lws picks the vhost's
 * first protocol for the upgrade). HTTP answers are built whole, headers are
 * written at once and the body on the next writable callback.
 *
 * What the sim enforces, because TikTok does and a client must cope:
 *  - the push socket accepts only a URL handed out by a sign call, once: its
 *    route parameter `wrss` is a one-time token and the Cookie must carry the
 *    ttwid issued with it; anything else is refused the way TikTok refuses,
 *    HTTP 200 with Handshake-Status / Handshake-Msg instead of 101;
 *  - nothing is pushed before the client sends im_enter_room;
 *  - after a reconnect the first frame re-sends the last few messages.
 * Traffic is generated when a socket is writable, and a message counts as
 * sent only once it is written, so /_sim/sent is exactly what clients could
 * have received.
 */
#include "sim/sim.h"

#include <libwebsockets.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/event.h"
#include "core/listen.h"
#include "core/log.h"
#include "sim/sim_internal.h"
#include "webcast.pb-c.h"

#define PUSH_PATH "/webcast/im/ws_proxy/ws_reuse_supplement/"
#define MAX_RX (256 * 1024)
#define BATCH_MAX 50

static int http_route(struct lws *wsi, lt_sim *sim, pss *p, const char *path);

/* ------------------------------------------------------------ helpers */

int lt_sim_arg(struct lws *wsi, const char *name, char *out, size_t outlen)
{
    char frag[1024];
    size_t nlen = strlen(name);
    for (int i = 0; lws_hdr_copy_fragment(wsi, frag, sizeof frag, WSI_TOKEN_HTTP_URI_ARGS, i) > 0; i++) {
        if (strncmp(frag, name, nlen) == 0 && frag[nlen] == '=') {
            snprintf(out, outlen, "%s", frag + nlen + 1);
            return 0;
        }
    }
    out[0] = '\0';
    return -1;
}

int lt_sim_respond(struct lws *wsi, pss *p, int status, const char *content_type, const char *body, size_t len,
                   const char *const *headers)
{
    uint8_t hdr[LWS_PRE + 4096], *start = hdr + LWS_PRE, *pos = start, *end = hdr + sizeof hdr - 1;
    if (lws_add_http_common_headers(wsi, (unsigned)status, content_type, (lws_filepos_t)len, &pos, end))
        return -1;
    for (size_t i = 0; headers && headers[i]; i += 2)
        if (lws_add_http_header_by_name(wsi, (const unsigned char *)headers[i], (const unsigned char *)headers[i + 1],
                                        (int)strlen(headers[i + 1]), &pos, end))
            return -1;
    if (lws_finalize_write_http_header(wsi, start, &pos, end))
        return -1;
    lt_buf_reset(&p->out);
    if (lt_buf_reserve(&p->out, LWS_PRE + len + 1))
        return -1;
    p->out.len = LWS_PRE;
    lt_buf_append(&p->out, body, len);
    p->responding = true;
    lws_callback_on_writable(wsi);
    return 0;
}

int lt_sim_respond_json(struct lws *wsi, pss *p, int status, json_t *body, const char *const *headers)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text)
        return -1;
    int rc = lt_sim_respond(wsi, p, status, "application/json", text, strlen(text), headers);
    free(text);
    return rc;
}

lt_sim_room *lt_sim_find_room(lt_sim *sim, const char *key)
{
    if (!key || !*key)
        return NULL;
    const char *name = key[0] == '@' ? key + 1 : key;
    /* room ids are 7400000000000000000 + index: found without a scan */
    char *end;
    long long id = strtoll(key, &end, 10);
    if (!*end && id >= 7400000000000000000LL && (unsigned long long)(id - 7400000000000000000LL) < sim->room_count)
        return &sim->rooms[id - 7400000000000000000LL];
    if (!strncmp(name, "simhost", 7)) {
        unsigned long i = strtoul(name + 7, &end, 10);
        if (!*end && i < sim->room_count && !strcmp(sim->rooms[i].unique_id, name))
            return &sim->rooms[i];
    }
    for (size_t i = 0; i < sim->room_count; i++)
        if (!strcmp(sim->rooms[i].unique_id, name))
            return &sim->rooms[i];
    return NULL;
}

/* ------------------------------------------------------- push sockets */

static void push_link(lt_sim *sim, pss *p)
{
    p->next = sim->pushes;
    sim->pushes = p;
}

static void push_unlink(lt_sim *sim, pss *p)
{
    for (pss **q = &sim->pushes; *q; q = &(*q)->next)
        if (*q == p) {
            *q = p->next;
            return;
        }
}

static int send_frame(struct lws *wsi, pss *p, const char *type, const uint8_t *payload, size_t len, bool need_ack)
{
    lt_buf *b = &p->out;
    lt_buf_reset(b);
    if (lt_buf_reserve(b, LWS_PRE + 64))
        return -1;
    b->len = LWS_PRE;
    uint64_t log_id = ++p->sim->next_log_id;
    p->last_log_id = log_id;
    if (lt_sim_pack_frame(++p->seq, log_id, type, payload, len, p->gzip && strcmp(type, "msg") == 0, b))
        return -1;
    if (need_ack) {
        p->ack_log_ids[p->ack_next++ % 8] = log_id;
        p->room_ptr(p)->stats.acks_expected++;
    }
    int n = lws_write(wsi, b->data + LWS_PRE, b->len - LWS_PRE, LWS_WRITE_BINARY);
    return n < 0 ? -1 : 0;
}

/* Packs and writes `n` messages as one "msg" frame, then counts them sent. */
static int push_messages_marked(struct lws *wsi, pss *p, lt_sim_message *msgs, size_t n, bool mark,
                                bool force_ack);

static int push_messages(struct lws *wsi, pss *p, lt_sim_message *msgs, size_t n, bool force_ack)
{
    return push_messages_marked(wsi, p, msgs, n, true, force_ack);
}

/* The same; `mark` counts the messages sent (broadcast counts them when made). */
static int push_messages_marked(struct lws *wsi, pss *p, lt_sim_message *msgs, size_t n, bool mark,
                                bool force_ack)
{
    lt_sim *sim = p->sim;
    lt_sim_room *room = p->room_ptr(p);
    int64_t now = lt_now_ms();
    bool need_ack = force_ack || (sim->opts.need_ack && (room->stats.frames % 4 == 0));
    char ext[160];
    snprintf(ext, sizeof ext, "fetch_time:%lld|start_time:0|push_server:1|wss_info:0-%lld-0-0", (long long)now,
             (long long)now);
    lt_sim_fetch_spec spec = {.cursor = "", .internal_ext = ext, .now_ms = now,
                              .heartbeat_ms = sim->heartbeat_ms, .need_ack = need_ack};
    lt_buf_reset(&sim->scratch);
    if (lt_sim_pack_fetch_result(msgs, n, &spec, &sim->scratch))
        return -1;
    if (send_frame(wsi, p, "msg", sim->scratch.data, sim->scratch.len, need_ack))
        return -1;
    room->stats.frames++;
    p->frames++;
    for (size_t i = 0; i < n && mark; i++)
        lt_sim_room_mark_sent(room, &msgs[i]);
    return 0;
}

/* Broadcast: the room's messages this socket has not had yet (counted sent
 * when generated: TikTok sent them to the room). */
static int push_broadcast(struct lws *wsi, pss *p)
{
    lt_sim_room *room = p->room_ptr(p);
    if (room->log_seq - p->cursor > LT_SIM_LOG)
        p->cursor = room->log_seq - LT_SIM_LOG; /* a socket too slow to keep up loses the oldest */
    size_t n = (size_t)(room->log_seq - p->cursor);
    if (n > BATCH_MAX)
        n = BATCH_MAX;
    lt_sim_message msgs[BATCH_MAX];
    for (size_t i = 0; i < n; i++) {
        struct lt_sim_recent *r = &room->log[(p->cursor + i) % LT_SIM_LOG];
        msgs[i] = (lt_sim_message){r->method, r->payload, r->msg_id, false};
    }
    if (n && push_messages_marked(wsi, p, msgs, n, false, false))
        return -1;
    p->cursor += n;
    if (p->cursor < room->log_seq || p->closing)
        lws_callback_on_writable(wsi);
    return 0;
}

/* Broadcast: generates what is due. A room once connected to goes on at its
 * rate whether anyone listens or not, as a LIVE does: what nobody was
 * connected for is lost to everyone (sent, never delivered). */
static int broadcast_tick(lt_sim *sim, double dt)
{
    for (size_t i = 0; i < sim->room_count; i++) {
        lt_sim_room *room = &sim->rooms[i];
        if (!room->first_connect_ms || room->state != LT_SIM_LIVE)
            continue;
        if (!room->log && !(room->log = calloc(LT_SIM_LOG, sizeof *room->log)))
            return -1;
        room->log_due += room->rate * dt;
        int64_t now = lt_now_ms();
        for (; room->log_due >= 1; room->log_due -= 1) {
            struct lt_sim_recent *slot = &room->log[room->log_seq % LT_SIM_LOG];
            lt_sim_message m = {0};
            if (lt_sim_room_next(room, now, &m)) {
                lt_buf_free(&m.payload);
                return -1;
            }
            lt_sim_room_mark_sent(room, &m);
            snprintf(slot->method, sizeof slot->method, "%s", m.method);
            lt_buf_reset(&slot->payload);
            lt_buf_append(&slot->payload, m.payload.data, m.payload.len);
            slot->msg_id = m.msg_id;
            lt_buf_free(&m.payload);
            room->log_seq++;
        }
    }
    return 0;
}

static int push_resend(struct lws *wsi, pss *p)
{
    lt_sim_room *room = p->room_ptr(p);
    size_t k = (size_t)room->faults.resend;
    if (k > room->recent_count)
        k = room->recent_count;
    if (k == 0)
        return 0;
    lt_sim_message msgs[16];
    for (size_t i = 0; i < k; i++) {
        struct lt_sim_recent *r = &room->recent[(room->recent_next + 16 - k + i) % 16];
        msgs[i] = (lt_sim_message){r->method, r->payload, r->msg_id, false};
    }
    return push_messages(wsi, p, msgs, k, false);
}

static bool hostile_due(const lt_sim_room *room)
{
    return room->faults.flood_empty || room->faults.flood_unknown || room->faults.huge_garbage;
}

/* One hostile frame (docs/simulator.md): what a broken or malicious push
 * server could send. */
static int push_hostile(struct lws *wsi, pss *p)
{
    lt_sim_room *room = p->room_ptr(p);
    lt_sim_faults *f = &room->faults;
    lt_buf body = LT_BUF_INIT;
    int rc = -1;
    room->stats.hostile_frames++;
    if (f->huge_garbage) {
        size_t n = (size_t)f->huge_garbage;
        f->huge_garbage = 0;
        lt_buf_reset(&p->out);
        if (lt_buf_reserve(&p->out, LWS_PRE + n))
            goto done;
        memset(p->out.data + LWS_PRE, 0xff, n); /* 0xff: a tag of wire type 7, never protobuf */
        rc = lws_write(wsi, p->out.data + LWS_PRE, n, LWS_WRITE_BINARY) < 0 ? -1 : 0;
        goto done;
    }
    if (f->flood_empty) {
        size_t n = (size_t)f->flood_empty;
        f->flood_empty = 0;
        if (lt_buf_reserve(&body, 2 * n))
            goto done;
        for (size_t i = 0; i < n; i++) {
            body.data[body.len++] = 0x0a;
            body.data[body.len++] = 0x00;
        }
    } else {
        size_t n = (size_t)f->flood_unknown;
        f->flood_unknown = 0;
        /* field 1 { method "WebcastFloodMessage" (1), payload 08 01 (2) } */
        static const uint8_t one[] = {0x0a, 0x19, 0x0a, 0x13, 'W', 'e',  'b',  'c',  'a',
                                      's',  't',  'F',  'l',  'o', 'o',  'd',  'M',  'e',
                                      's',  's',  'a',  'g',  'e', 0x12, 0x02, 0x08, 0x01};
        for (size_t i = 0; i < n; i++)
            if (lt_buf_append(&body, one, sizeof one))
                goto done;
    }
    lt_buf_reset(&p->out);
    if (lt_buf_reserve(&p->out, LWS_PRE + 64))
        goto done;
    p->out.len = LWS_PRE;
    if (lt_sim_pack_frame(++p->seq, ++p->sim->next_log_id, "msg", body.data, body.len, p->gzip, &p->out))
        goto done;
    rc = lws_write(wsi, p->out.data + LWS_PRE, p->out.len - LWS_PRE, LWS_WRITE_BINARY) < 0 ? -1 : 0;
done:
    lt_buf_free(&body);
    if (rc == 0)
        lws_callback_on_writable(wsi);
    return rc;
}

/* The socket is writable: send what is due, one frame per call. */
static int push_writable(struct lws *wsi, pss *p)
{
    lt_sim *sim = p->sim;
    lt_sim_room *room = p->room_ptr(p);
    int64_t now = lt_now_ms();
    if (p->closing) {
        lws_close_reason(wsi, LWS_CLOSE_STATUS_GOINGAWAY, (unsigned char *)"sim fault", 9);
        return -1;
    }
    if (!p->entered || p->silent || p->end_sent_ms)
        return 0; /* nothing follows the stream's end */
    if (p->resend_pending) {
        p->resend_pending = false;
        if (push_resend(wsi, p))
            return -1;
        lws_callback_on_writable(wsi);
        return 0;
    }
    if (room->faults.end_after_ms && !room->stats.ended && now - room->first_connect_ms >= room->faults.end_after_ms) {
        /* the end frame asks for an ack, as every frame may; then the
         * client is expected to close (1000), and only if it does not is
         * the socket closed from here (tick) */
        lt_sim_message end = {0};
        if (lt_sim_room_control(room, now, 3, &end) || push_messages(wsi, p, &end, 1, true)) {
            lt_buf_free(&end.payload);
            return -1;
        }
        lt_buf_free(&end.payload);
        p->end_log_id = p->last_log_id;
        p->end_sent_ms = now;
        room->stats.ended = true;
        room->state = LT_SIM_OFFLINE;
        return 0;
    }
    if (hostile_due(room))
        return push_hostile(wsi, p);
    if (room->faults.malformed_every && p->frames_or_garbage++ % (unsigned)room->faults.malformed_every ==
                                            (unsigned)room->faults.malformed_every - 1) {
        uint8_t junk[LWS_PRE + 48];
        for (size_t i = 0; i < 48; i++)
            junk[LWS_PRE + i] = (uint8_t)(0xff - i * 7);
        room->stats.malformed++;
        if (lws_write(wsi, junk + LWS_PRE, 48, LWS_WRITE_BINARY) < 0)
            return -1;
        lws_callback_on_writable(wsi);
        return 0;
    }
    if (sim->replay && room->index == 0) {
        if (sim->replay_next >= sim->replay_count)
            sim->replay_next = 0;
        const lt_bytes *f = &sim->replay[sim->replay_next++];
        lt_buf_reset(&p->out);
        lt_buf_reserve(&p->out, LWS_PRE + f->len);
        memcpy(p->out.data + LWS_PRE, f->data, f->len);
        room->stats.frames++;
        p->due = p->due > 10 ? p->due - 10 : 0;
        return lws_write(wsi, p->out.data + LWS_PRE, f->len, LWS_WRITE_BINARY) < 0 ? -1 : 0;
    }
    if (sim->opts.broadcast)
        return push_broadcast(wsi, p);
    size_t n = (size_t)p->due;
    if (n == 0)
        return 0;
    if (n > BATCH_MAX)
        n = BATCH_MAX;
    for (size_t i = 0; i < n; i++)
        if (lt_sim_room_next(room, now, &sim->batch[i]))
            return -1;
    if (push_messages(wsi, p, sim->batch, n, false))
        return -1;
    p->due -= (double)n;
    if (room->faults.disconnect_after && p->frames >= (uint64_t)room->faults.disconnect_after)
        p->closing = true;
    if (p->due >= 1 || p->closing)
        lws_callback_on_writable(wsi);
    return 0;
}

static void push_receive(struct lws *wsi, pss *p, const uint8_t *data, size_t len)
{
    lt_sim_room *room = p->room_ptr(p);
    if (p->rx.len + len > MAX_RX) {
        p->rx.len = 0;
        p->rx_overflow = true;
    }
    lt_buf_append(&p->rx, data, len);
    if (!lws_is_final_fragment(wsi))
        return;
    if (p->rx_overflow) {
        p->rx_overflow = false;
        p->rx.len = 0;
        return;
    }
    Livetap__Webcast__PushFrame *f = livetap__webcast__push_frame__unpack(NULL, p->rx.len, p->rx.data);
    p->rx.len = 0;
    if (!f) {
        lt_warn("sim: room %s: a client frame that is not a PushFrame", room->unique_id);
        return;
    }
    const char *type = f->payload_type ? f->payload_type : "";
    if (!strcmp(type, "hb")) {
        room->stats.heartbeats++;
        if (!p->silent)
            send_frame(wsi, p, "hb", f->payload.data, f->payload.len, false);
    } else if (!strcmp(type, "im_enter_room")) {
        room->stats.enter_room++;
        if (!p->entered) {
            p->entered = true; /* broadcast: from the cursor taken at the upgrade */
            p->resend_pending = room->stats.connections > 1;
            send_frame(wsi, p, "im_enter_room_resp", NULL, 0, false);
            lws_callback_on_writable(wsi);
        }
    } else if (!strcmp(type, "ack")) {
        if (f->has_log_id && p->end_log_id && f->log_id == p->end_log_id)
            room->stats.end_acked = true;
        for (int i = 0; i < 8; i++)
            if (f->has_log_id && p->ack_log_ids[i] == f->log_id) {
                room->stats.acks++;
                p->ack_log_ids[i] = 0;
                break;
            }
    }
    livetap__webcast__push_frame__free_unpacked(f, NULL);
}

/* Validates an upgrade to the push socket; refuses the way TikTok does
 * (HTTP 200 + Handshake-Status / Handshake-Msg). Runs before lws has
 * allocated the connection's pss: only the headers are at hand. */
static int push_confirm_upgrade(struct lws *wsi, lt_sim *sim)
{
    char uri[256] = "", room_id[32], token[40], cookie[1024] = "";
    lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI);
    lt_sim_arg(wsi, "room_id", room_id, sizeof room_id);
    lt_sim_arg(wsi, "wrss", token, sizeof token);
    lws_hdr_copy(wsi, cookie, sizeof cookie, WSI_TOKEN_HTTP_COOKIE);
    lt_sim_room *room = lt_sim_find_room(sim, room_id);
    const char *status = NULL, *msg = NULL;
    if (strcmp(uri, PUSH_PATH) != 0 || !room) {
        status = "404", msg = "room not found";
    } else if (room->faults.refuse_first && room->stats.refused < (uint64_t)room->faults.refuse_first) {
        status = room->faults.refuse_status, msg = room->faults.refuse_msg;
    } else {
        lt_sim_token *t = lt_sim_token_take(sim, token, room);
        char want[96];
        if (t)
            snprintf(want, sizeof want, "ttwid=%s", t->ttwid);
        if (!t || !strstr(cookie, want))
            status = "417", msg = "illegal secret key";
        else if (room->state != LT_SIM_LIVE)
            status = "4003", msg = "room has finished";
    }
    if (!status)
        return 0;
    if (room)
        room->stats.refused++;
    uint8_t hdr[LWS_PRE + 1024], *start = hdr + LWS_PRE, *pos = start, *end = hdr + sizeof hdr - 1;
    if (lws_add_http_common_headers(wsi, HTTP_STATUS_OK, "text/plain", 0, &pos, end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"Handshake-Status:", (const unsigned char *)status,
                                    (int)strlen(status), &pos, end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"Handshake-Msg:", (const unsigned char *)msg,
                                    (int)strlen(msg), &pos, end) ||
        lws_finalize_write_http_header(wsi, start, &pos, end))
        return -1;
    return 1;
}

/* The accepted socket's room and options, from the (still bound) headers. */
static int push_established(struct lws *wsi, lt_sim *sim, pss *p)
{
    char room_id[32], compress[16];
    memset(p, 0, sizeof *p);
    p->sim = sim;
    p->room_ptr = NULL;
    lt_sim_arg(wsi, "room_id", room_id, sizeof room_id);
    lt_sim_arg(wsi, "compress", compress, sizeof compress);
    lt_sim_room *room = lt_sim_find_room(sim, room_id);
    if (!room)
        return -1;
    p->kind = PSS_PUSH;
    p->room_index = room->index;
    p->gzip = !strcmp(compress, "gzip") && !room->faults.no_gzip;
    return 0;
}

static lt_sim_room *pss_room(pss *p)
{
    return &p->sim->rooms[p->room_index];
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    pss *p = user;
    lt_sim *sim = lws_context_user(lws_get_context(wsi));
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        memset(p, 0, sizeof *p);
        p->sim = sim;
        p->room_ptr = pss_room;
        p->kind = PSS_HTTP;
        return http_route(wsi, sim, p, (const char *)in) ? -1 : 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (p->kind == PSS_STREAM)
            return lt_sim_stream_writable(wsi, sim, p);
        if (!p->responding)
            return 0;
        p->responding = false;
        if (lws_write(wsi, p->out.data + LWS_PRE, p->out.len - LWS_PRE, LWS_WRITE_HTTP_FINAL) < 0)
            return -1;
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        return push_confirm_upgrade(wsi, sim);
    case LWS_CALLBACK_ADD_HEADERS: {
        struct lws_process_html_args *args = in;
        const char *opts = "ping-interval=10";
        uint8_t *pos = (uint8_t *)args->p;
        if (lws_add_http_header_by_name(wsi, (const unsigned char *)"Handshake-Options:", (const unsigned char *)opts,
                                        (int)strlen(opts), &pos, (uint8_t *)args->p + args->max_len))
            return 1;
        args->max_len -= (int)(pos - (uint8_t *)args->p);
        args->p = (char *)pos;
        return 0;
    }
    case LWS_CALLBACK_ESTABLISHED: {
        if (push_established(wsi, sim, p))
            return -1;
        p->room_ptr = pss_room;
        lt_sim_room *room = pss_room(p);
        room->stats.connections++;
        if (room->stats.open++ > 0)
            room->stats.overlaps++;
        p->counted_open = true;
        p->started_ms = lt_now_ms();
        if (!room->first_connect_ms)
            room->first_connect_ms = p->started_ms;
        /* broadcast: the socket has every message from its upgrade on, sent
         * once it has entered the room (TikTok resumes a push connection
         * from the cursor it was opened with). Taking the cursor at the
         * enter instead lost what a tick made between the upgrade and a
         * late enter frame, to every collector. */
        p->cursor = room->log_seq;
        p->wsi = wsi;
        push_link(sim, p);
        return 0;
    }
    case LWS_CALLBACK_RECEIVE:
        push_receive(wsi, p, in, len);
        return 0;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (p && p->kind == PSS_PUSH && p->room_ptr) {
            const uint8_t *b = in;
            p->peer_closed = true;
            pss_room(p)->stats.last_close_code = len >= 2 ? (b[0] << 8) | b[1] : 1005; /* 1005: no status */
        }
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return push_writable(wsi, p);
    case LWS_CALLBACK_CLOSED:
        if (p->counted_open && p->room_ptr) {
            lt_sim_room *room = pss_room(p);
            if (room->stats.open)
                room->stats.open--;
            p->counted_open = false;
            if (!p->peer_closed && !p->closing)
                room->stats.last_close_code = 1006; /* gone without a close frame */
        }
        push_unlink(sim, p);
        lt_buf_free(&p->out);
        lt_buf_free(&p->rx);
        return 0;
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    case LWS_CALLBACK_CLOSED_HTTP:
        if (p && p->kind == PSS_STREAM && p->sim) {
            lt_sim_stream_unlink(sim, p);
            p->kind = PSS_HTTP;
        }
        if (p && p->kind == PSS_HTTP && p->sim) {
            lt_buf_free(&p->out);
            lt_buf_free(&p->rx);
        }
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

/* The loop's tick: traffic falls due, silence and ends are decided. */
static void tick(lws_sorted_usec_list_t *sul)
{
    lt_sim *sim = lws_container_of(sul, lt_sim, tick_sul);
    int64_t now = lt_now_ms();
    double dt = (double)(now - sim->last_tick_ms) / 1000.0;
    sim->last_tick_ms = now;
    if (sim->opts.broadcast && broadcast_tick(sim, dt))
        lt_warn("sim: out of memory generating broadcast traffic");
    for (pss *p = sim->pushes; p; p = p->next) {
        lt_sim_room *room = pss_room(p);
        if (!p->entered)
            continue;
        if (p->end_sent_ms && !p->closing && now - p->end_sent_ms >= 5000) {
            p->closing = true; /* the client did not close after the end: do it here */
            lws_callback_on_writable(p->wsi);
        }
        p->silent = room->faults.silent_after_ms && now - p->started_ms >= room->faults.silent_after_ms;
        if (p->silent)
            continue;
        if (room->state == LT_SIM_LIVE && !sim->opts.broadcast)
            p->due += room->rate * dt;
        if (p->due >= 1 || p->closing || p->resend_pending || hostile_due(room) || p->cursor < room->log_seq ||
            (room->faults.end_after_ms && !room->stats.ended))
            lws_callback_on_writable(p->wsi);
    }
    lt_sim_stream_tick(sim);
    if (sim->stop)
        lws_cancel_service(sim->ctx);
    lws_sul_schedule(sim->ctx, 0, &sim->tick_sul, tick, sim->tick_ms * LWS_US_PER_MS);
}

static const struct lws_protocols protocols[] = {
    {"livetap-sim", callback, sizeof(pss), 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

lt_sim *lt_sim_create(const lt_sim_options *opts, char *err, size_t errlen)
{
    lt_sim *sim = calloc(1, sizeof *sim);
    if (!sim) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    sim->opts = *opts;
    sim->heartbeat_ms = opts->heartbeat_ms > 0 ? opts->heartbeat_ms : 10000;
    sim->tick_ms = opts->tick_ms > 0 ? opts->tick_ms : 100;
    sim->sign_tokens = opts->sign_per_minute;
    sim->last_refill_ms = lt_now_ms();
    if (lt_sim_rooms_init(sim, err, errlen) || lt_sim_replay_load(sim, err, errlen))
        goto fail;
    if (opts->stream_path && *opts->stream_path && !(sim->clip = lt_sim_clip_load(opts->stream_path, err, errlen)))
        goto fail;
    if (opts->stream_hls_dir && *opts->stream_hls_dir &&
        !(sim->hls = lt_sim_hls_load(opts->stream_hls_dir, err, errlen)))
        goto fail;

    lws_set_log_level(LLL_ERR, NULL);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = opts->port;
    if (lt_listen_configure(&info, "127.0.0.1", err, errlen))
        goto fail;
    info.protocols = protocols;
    info.user = sim;
    info.timeout_secs = 30;
    if (opts->tls_cert && *opts->tls_cert && opts->tls_key && *opts->tls_key) {
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.ssl_cert_filepath = opts->tls_cert;
        info.ssl_private_key_filepath = opts->tls_key;
        /* HTTP/1.1 only: the responses are written in one piece, which
         * lws's HTTP/2 framing does not take for bodies over a frame (a
         * 60 KB /_sim/stats arrived empty); every client here speaks 1.1 */
        info.alpn = "http/1.1";
    }
    info.ka_time = 0;
    sim->ctx = lws_create_context(&info);
    if (!sim->ctx) {
        snprintf(err, errlen, "cannot listen on 127.0.0.1:%ld", opts->port);
        goto fail;
    }
    sim->port = lws_get_vhost_listen_port(lws_get_vhost_by_name(sim->ctx, "default"));
    if (lt_sim_apply_faults(sim, err, errlen))
        goto fail;
    sim->last_tick_ms = lt_now_ms();
    lws_sul_schedule(sim->ctx, 0, &sim->tick_sul, tick, sim->tick_ms * LWS_US_PER_MS);
    return sim;
fail:
    lt_sim_destroy(sim);
    return NULL;
}

void lt_sim_destroy(lt_sim *sim)
{
    if (!sim)
        return;
    if (sim->ctx)
        lws_context_destroy(sim->ctx);
    lt_sim_rooms_free(sim);
    lt_sim_clip_free(sim->clip);
    lt_sim_hls_free(sim->hls);
    free(sim);
}

int lt_sim_port(const lt_sim *sim)
{
    return sim->port;
}

int lt_sim_run(lt_sim *sim)
{
    while (!sim->stop)
        if (lws_service(sim->ctx, 0) < 0)
            return -1;
    return 0;
}

void lt_sim_stop(lt_sim *sim)
{
    sim->stop = 1;
}

static int http_route(struct lws *wsi, lt_sim *sim, pss *p, const char *path)
{
    if (!strncmp(path, "/_sim/", 6))
        return lt_sim_control(wsi, sim, p, path + 6);
    if (!strcmp(path, "/webcast/fetch") || !strcmp(path, "/webcast/fetch/"))
        return lt_sim_sign_fetch(wsi, sim, p);
    if (!strcmp(path, "/webcast/rate_limits"))
        return lt_sim_sign_limits(wsi, sim, p);
    if (!strncmp(path, "/stream/", 8))
        return lt_sim_stream_start(wsi, sim, p, path + 8);
    if (!strncmp(path, "/hls/", 5))
        return lt_sim_hls_serve(wsi, sim, p, path + 5);
    if (!strncmp(path, "/@", 2))
        return lt_sim_live_page(wsi, sim, p, path + 2);
    if (!strcmp(path, "/api-live/user/room/") || !strcmp(path, "/api-live/user/room"))
        return lt_sim_api_live(wsi, sim, p);
    if (!strcmp(path, "/webcast/room/info/") || !strcmp(path, "/webcast/room/info"))
        return lt_sim_room_info(wsi, sim, p);
    if (!strcmp(path, "/webcast/room/check_alive/") || !strcmp(path, "/webcast/room/check_alive"))
        return lt_sim_check_alive(wsi, sim, p);
    if (!strcmp(path, "/webcast/gift/list/") || !strcmp(path, "/webcast/gift/list"))
        return lt_sim_gift_list(wsi, sim, p);
    if (!strcmp(path, "/webcast/diamond/") || !strcmp(path, "/webcast/diamond"))
        return lt_sim_price_list(wsi, sim, p);
    if (!strcmp(path, "/webcast/feed/") || !strcmp(path, "/webcast/feed"))
        return lt_sim_feed(wsi, sim, p);
    return lt_sim_respond_json(wsi, p, 404, json_pack("{s:s}", "message", "not found"), NULL);
}
