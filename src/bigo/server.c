/* server.c - the WebSocket server BIGO pushes to (docs/protocol/bigo.md §1).
 *
 * One lws protocol serves both the WebSocket at the configured path and a
 * tiny HTTP surface (/healthz with the counters as JSON; 404 otherwise).
 *
 * A connection is refused everything but platformLogin until a login
 * succeeds; then every business message must carry the token we minted for
 * that connection (compared in constant time). Answers, by what can be
 * answered:
 *   - not JSON, no uri, a binary frame, an oversized frame, a flood of
 *     messages: nothing to answer - the connection is closed (1007, 1003,
 *     1009, 1008), counted and logged at most every few seconds;
 *   - a known uri with bad data, no login, a wrong token, an enforced sign
 *     mismatch: `<uri>Resp` with rescode 400 / 401;
 *   - dataReception: `dataReceptionResp` rescode 200 once Kafka holds every
 *     item (ledger.h), 500 if Kafka refused one, 503 if Kafka has not
 *     answered within ack_timeout_ms (the items stay pending, so BIGO's
 *     retry waits for the same delivery instead of publishing twice);
 *   - an unknown uri from a logged-in peer: published whole to unknown and
 *     answered 200 once in Kafka, like a batch (nothing BIGO adds is lost).
 *
 * Heartbeat: BIGO pings every 5 s and expects a disconnect after 30 s of
 * silence. lws answers pings itself and tells us nothing about them; what
 * it does do is send the pong on the next writable turn and then leave
 * POLLOUT armed, so a SERVER_WRITEABLE callback we did not ask for means a
 * pong just went out, i.e. the peer pinged. That, any data frame and any
 * pong count as a sign of life; the tick closes connections without one
 * for idle_timeout_ms.
 *
 * Limits: the push port faces the internet, and before a login a stranger
 * must not be able to hold more than a little of it (~20k idle sockets that
 * pinged but never logged in once made a real login time out). The upgrade
 * to WebSocket is refused (FILTER_PROTOCOL_CONNECTION: nothing is allocated
 * yet) when max_connections are open, when the peer address already holds
 * max_connections_per_address, or while that address is over its rate of
 * failed logins; a connection that has not logged in within
 * login_timeout_ms is closed 1008, whatever it sends meanwhile (pings do not
 * extend it); a wrong login from an address over login_failures_per_min
 * (burst 10) closes the connection without an answer and checks nothing.
 * Failed-login buckets live in a fixed table of LT_BIGO_FAILURE_SLOTS
 * addresses (the least recently seen is reused), so an attacker with many
 * addresses costs memory of ours never. Connections without a login are
 * logged at most every LOG_EVERY_MS (with counts); logins and the close of
 * a logged-in connection are logged each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bigo/internal.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/ratelimit.h"

#define OUT_QUEUE_MAX 4096
#define LOG_EVERY_MS 10000

typedef struct outmsg {
    struct outmsg *next;
    size_t len;
    unsigned char buf[]; /* LWS_PRE bytes of room, then the text */
} outmsg;

struct lt_bigo_push_batch {
    lt_bigo *b;
    lt_bigo_conn *conn; /* NULL once the connection closed */
    char uri[72];
    char seqid[LT_BIGO_MAX_ID];
    int64_t retry_cnt, send_time, recv_ms, deadline_ms;
    bool answered;
    lt_bigo_push_batch *prev, *next;
};

struct lt_bigo_conn {
    lt_bigo *b;
    struct lws *wsi;
    bool is_ws;
    lt_bigo_conn *prev, *next;
    lt_buf rx;
    bool authed;
    char account[LT_BIGO_MAX_ID];
    char token[LT_BIGO_TOKEN_LEN + 1];
    char peer[64];
    int64_t last_rx_ms;
    int64_t connected_ms;
    lt_ratelimit flood;
    outmsg *out_head, *out_tail;
    size_t out_count;
    bool write_requested;
    int close_code;
    char close_reason[64];
    lt_bigo_push_batch *batches;
};

/* ------------------------------------------------------------ output */

static void request_write(lt_bigo_conn *c)
{
    c->write_requested = true;
    lws_callback_on_writable(c->wsi);
}

static void close_later(lt_bigo_conn *c, int code, const char *reason)
{
    if (c->close_code)
        return;
    c->close_code = code;
    snprintf(c->close_reason, sizeof c->close_reason, "%s", reason);
    request_write(c);
    /* a peer that stopped reading must not keep the close pending forever */
    lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, 5);
}

static void send_text(lt_bigo_conn *c, char *text)
{
    if (!text)
        return;
    if (c->close_code) {
        free(text);
        return;
    }
    size_t len = strlen(text);
    outmsg *m = malloc(sizeof *m + LWS_PRE + len);
    if (!m) {
        free(text);
        close_later(c, 1011, "out of memory");
        return;
    }
    m->next = NULL;
    m->len = len;
    memcpy(m->buf + LWS_PRE, text, len);
    free(text);
    if (c->out_tail)
        c->out_tail->next = m;
    else
        c->out_head = m;
    c->out_tail = m;
    if (++c->out_count > OUT_QUEUE_MAX) {
        close_later(c, 1008, "replies not read");
        return;
    }
    request_write(c);
}

static void reply(lt_bigo_conn *c, const char *uri, int64_t retry_cnt, int64_t send_time, int64_t recv_ms,
                  json_t *data)
{
    if (!data) {
        close_later(c, 1011, "out of memory");
        return;
    }
    char *text = lt_bigo_reply(uri, retry_cnt, send_time, recv_ms, lt_now_ms(), data);
    json_decref(data);
    if (!text) {
        close_later(c, 1011, "out of memory");
        return;
    }
    send_text(c, text);
}

static json_t *rescode_data(const char *seqid, int rescode, const char *message)
{
    return json_pack("{s:s, s:i, s:s}", "seqid", seqid ? seqid : "", "rescode", rescode, "message",
                     message ? message : "");
}

static int write_next(lt_bigo_conn *c)
{
    outmsg *m = c->out_head;
    if (!m)
        return 0;
    if (lws_write(c->wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT) < (int)m->len)
        return -1;
    c->out_head = m->next;
    if (!c->out_head)
        c->out_tail = NULL;
    c->out_count--;
    free(m);
    if (c->out_head)
        request_write(c);
    return 0;
}

/* ------------------------------------------------------------ batches */

static void unlink_batch(lt_bigo_push_batch *pb)
{
    lt_bigo_push_batch **head = pb->conn ? &pb->conn->batches : &pb->b->orphans;
    if (pb->prev)
        pb->prev->next = pb->next;
    else
        *head = pb->next;
    if (pb->next)
        pb->next->prev = pb->prev;
    pb->prev = pb->next = NULL;
}

static void link_batch(lt_bigo_push_batch **head, lt_bigo_push_batch *pb)
{
    pb->prev = NULL;
    pb->next = *head;
    if (*head)
        (*head)->prev = pb;
    *head = pb;
}

static void answer(lt_bigo_push_batch *pb, int rescode, const char *message)
{
    if (pb->answered || !pb->conn)
        return;
    pb->answered = true;
    reply(pb->conn, pb->uri, pb->retry_cnt, pb->send_time, pb->recv_ms,
          rescode_data(pb->seqid, rescode, message));
}

static void batch_done(void *ctx, lt_bigo_group *g, bool ok, const char *error)
{
    (void)g;
    lt_bigo_push_batch *pb = ctx;
    lt_bigo *b = pb->b;
    if (ok) {
        b->stats.batches_acked++;
        answer(pb, 200, "");
    } else {
        b->stats.batches_failed++;
        char msg[300];
        snprintf(msg, sizeof msg, "not stored, send again: %s", error ? error : "Kafka refused an item");
        answer(pb, 500, msg);
    }
    unlink_batch(pb);
    free(pb);
}

static lt_bigo_push_batch *new_batch(lt_bigo_conn *c, const lt_bigo_envelope *env, const char *seqid,
                                     int64_t now)
{
    lt_bigo_push_batch *pb = calloc(1, sizeof *pb);
    if (!pb)
        return NULL;
    pb->b = c->b;
    pb->conn = c;
    snprintf(pb->uri, sizeof pb->uri, "%s", env->uri);
    snprintf(pb->seqid, sizeof pb->seqid, "%s", seqid);
    pb->retry_cnt = env->retry_cnt;
    pb->send_time = env->send_time;
    pb->recv_ms = now;
    pb->deadline_ms = c->b->opts.ack_timeout_ms > 0 ? now + c->b->opts.ack_timeout_ms : INT64_MAX;
    link_batch(&c->batches, pb);
    return pb;
}

/* ------------------------------------------------------------ limits */

#define LOGIN_FAILURE_BURST 10

/* The failed-login bucket of a peer address; with `create`, one is made
 * (reusing the least recently seen slot). NULL if none and not created. */
static lt_bigo_failures *failures_of(lt_bigo *b, const char *peer, bool create, int64_t now)
{
    lt_bigo_failures *oldest = &b->failures[0];
    for (size_t i = 0; i < LT_BIGO_FAILURE_SLOTS; i++) {
        lt_bigo_failures *f = &b->failures[i];
        if (f->peer[0] && strcmp(f->peer, peer) == 0) {
            f->last_ms = now;
            return f;
        }
        if (f->last_ms < oldest->last_ms)
            oldest = f;
    }
    if (!create)
        return NULL;
    snprintf(oldest->peer, sizeof oldest->peer, "%s", peer);
    oldest->last_ms = now;
    lt_ratelimit_init(&oldest->bucket, b->opts.login_failures_per_min / 60.0, LOGIN_FAILURE_BURST, now);
    return oldest;
}

static bool over_login_rate(lt_bigo *b, const char *peer, int64_t now)
{
    lt_bigo_failures *f = failures_of(b, peer, false, now);
    return f && lt_ratelimit_available(&f->bucket, now) < 1.0;
}

/* Whether a new WebSocket from this peer may open (see "Limits" at the top). */
static bool admit(lt_bigo *b, struct lws *wsi)
{
    char peer[64];
    if (lws_get_peer_simple(wsi, peer, sizeof peer) == NULL)
        snprintf(peer, sizeof peer, "?");
    int64_t now = lt_now_ms();
    const char *why = NULL;
    if (b->stats.connections_open >= b->opts.max_connections) {
        b->stats.refused_connection_cap++;
        why = "max_connections reached";
    } else if (over_login_rate(b, peer, now)) {
        b->stats.refused_login_rate++;
        why = "too many failed logins from this address";
    } else {
        size_t same = 0;
        for (lt_bigo_conn *c = b->conns; c; c = c->next)
            same += strcmp(c->peer, peer) == 0;
        if (same >= b->opts.max_connections_per_address) {
            b->stats.refused_address_cap++;
            why = "max_connections_per_address reached";
        }
    }
    if (!why)
        return true;
    lt_log_every(&b->log_slot_limit, LOG_EVERY_MS, LT_LOG_WARN,
                 "bigo: refusing connections (latest from %s: %s); so far %llu at the total cap, %llu at the "
                 "per-address cap, %llu over the failed-login rate",
                 peer, why, (unsigned long long)b->stats.refused_connection_cap,
                 (unsigned long long)b->stats.refused_address_cap,
                 (unsigned long long)b->stats.refused_login_rate);
    return false;
}

/* ------------------------------------------------------------ messages */

static void handle_login(lt_bigo_conn *c, const lt_bigo_envelope *env, int64_t now)
{
    lt_bigo *b = c->b;
    lt_bigo_login login;
    char err[256];
    json_t *data;
    if (over_login_rate(b, c->peer, now)) {
        b->stats.refused_login_rate++;
        lt_log_every(
            &b->log_slot_limit, LOG_EVERY_MS, LT_LOG_WARN,
            "bigo: closing %s: more than %.0f failed logins/min from this address (%llu refused so far)",
            c->peer, b->opts.login_failures_per_min, (unsigned long long)b->stats.refused_login_rate);
        close_later(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "too many failed logins");
        return;
    }
    if (!env->data || lt_bigo_login_parse(env->data, &login, err, sizeof err)) {
        b->stats.logins_failed++;
        lt_log_every(&b->log_slot_auth, LOG_EVERY_MS, LT_LOG_WARN, "bigo login from %s refused: %s", c->peer,
                     env->data ? err : "no data");
        data = json_pack("{s:i, s:s, s:s}", "code", 400, "access_token", "", "message",
                         env->data ? err : "no data");
        lt_ratelimit_acquire(&failures_of(b, c->peer, true, now)->bucket, now);
    } else {
        char token[LT_BIGO_TOKEN_LEN + 1];
        lt_bigo_login_result r = lt_bigo_auth_login(b->auth, &login, now, token);
        if (r == LT_BIGO_LOGIN_OK) {
            b->stats.logins_ok++;
            c->authed = true;
            snprintf(c->account, sizeof c->account, "%s", login.account);
            memcpy(c->token, token, sizeof c->token);
            lt_info("bigo: %s logged in as %s", c->peer, c->account);
            data = json_pack("{s:i, s:s, s:s}", "code", 200, "access_token", token, "message", "");
        } else {
            b->stats.logins_failed++;
            /* the reason is logged for us; BIGO only learns that it failed,
             * so the answer does not reveal which accounts exist */
            lt_log_every(&b->log_slot_auth, LOG_EVERY_MS, LT_LOG_WARN, "bigo login from %s as %s refused: %s",
                         c->peer, login.account, lt_bigo_login_result_text(r));
            data = json_pack("{s:i, s:s, s:s}", "code", 400, "access_token", "", "message",
                             r == LT_BIGO_LOGIN_STALE ? "timestamp outside the accepted window"
                                                      : "account or sign is wrong");
            lt_ratelimit_acquire(&failures_of(b, c->peer, true, now)->bucket, now);
        }
    }
    reply(c, env->uri, env->retry_cnt, env->send_time, now, data);
}

/* The seqid to echo when refusing a message: whatever the data carries. */
static const char *seqid_of(const lt_bigo_envelope *env)
{
    const json_t *s = env->data ? json_object_get(env->data, "seqid") : NULL;
    return json_is_string(s) && json_string_length(s) < LT_BIGO_MAX_ID ? json_string_value(s) : "";
}

static bool check_sign(lt_bigo_conn *c, const lt_bigo_envelope *env)
{
    lt_bigo *b = c->b;
    if (b->opts.sign_mode == LT_BIGO_SIGN_OFF)
        return true;
    char expected[33];
    bool match = env->sign && lt_bigo_message_sign_expected(env, c->token, expected) == 0 &&
                 lt_bigo_token_matches(expected, env->sign);
    if (match) {
        b->stats.sign_matched++;
        return true;
    }
    b->stats.sign_mismatched++;
    lt_log_every(&b->log_slot_sign, 60000, LT_LOG_WARN,
                 "bigo: message sign from %s does not match the candidate formula (%llu so far; mode %s)",
                 c->peer, (unsigned long long)b->stats.sign_mismatched,
                 b->opts.sign_mode == LT_BIGO_SIGN_ENFORCE ? "enforce: refused" : "log: accepted");
    return b->opts.sign_mode != LT_BIGO_SIGN_ENFORCE;
}

static void handle_reception(lt_bigo_conn *c, const lt_bigo_envelope *env, int64_t now)
{
    lt_bigo *b = c->b;
    lt_bigo_batch batch;
    char err[256];
    b->stats.batches++;
    if (env->retry_cnt > 0)
        b->stats.batch_retries++;
    if (lt_bigo_batch_parse(env->data, b->opts.max_items, &batch, err, sizeof err)) {
        b->stats.bad_frames++;
        lt_log_every(&b->log_slot_bad, LOG_EVERY_MS, LT_LOG_WARN, "bigo: bad dataReception from %s: %s",
                     c->peer, err);
        reply(c, env->uri, env->retry_cnt, env->send_time, now, rescode_data(seqid_of(env), 400, err));
        return;
    }
    if (batch.truncated) {
        b->stats.bad_frames++;
        snprintf(err, sizeof err, "more than %zu items in one batch", b->opts.max_items);
        lt_log_every(&b->log_slot_bad, LOG_EVERY_MS, LT_LOG_WARN,
                     "bigo: dataReception %s from %s refused: %s", batch.seqid, c->peer, err);
        reply(c, env->uri, env->retry_cnt, env->send_time, now, rescode_data(batch.seqid, 400, err));
        lt_bigo_batch_clear(&batch);
        return;
    }
    lt_bigo_push_batch *pb = new_batch(c, env, batch.seqid, now);
    lt_bigo_group *g = pb ? lt_bigo_group_create(b->ledger, batch_done, pb) : NULL;
    if (!g) {
        if (pb) {
            unlink_batch(pb);
            free(pb);
        }
        reply(c, env->uri, env->retry_cnt, env->send_time, now,
              rescode_data(batch.seqid, 500, "out of memory"));
        lt_bigo_batch_clear(&batch);
        return;
    }
    lt_debug("bigo: dataReception %s (retry %lld) from %s: %zu items, status %d, game_id %s, game_sess %s",
             batch.seqid, (long long)env->retry_cnt, c->peer, batch.item_count, batch.status, batch.game_id,
             batch.game_sess);
    lt_bigo_publish_batch(b, &batch, g, batch.timestamp ? batch.timestamp : now, true);
    if (b->pull)
        lt_bigo_pull_note(b->pull, &batch, now);
    lt_bigo_batch_clear(&batch);
    lt_bigo_group_seal(g); /* may answer at once: everything was already in Kafka */
}

/* A string member of data short enough to be an id, or NULL. */
static const char *id_in(const json_t *data, const char *name)
{
    const json_t *v = json_object_get(data, name);
    return json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) < LT_BIGO_MAX_ID
               ? json_string_value(v)
               : NULL;
}

static void handle_unknown_uri(lt_bigo_conn *c, const lt_bigo_envelope *env, int64_t now)
{
    lt_bigo *b = c->b;
    b->stats.unknown_uris++;
    lt_log_every(&b->log_slot_bad, LOG_EVERY_MS, LT_LOG_WARN,
                 "bigo: unknown uri \"%s\" from %s: published to unknown", env->uri, c->peer);
    char *text = json_dumps(env->data, JSON_COMPACT | JSON_SORT_KEYS);
    const char *seqid = seqid_of(env);
    lt_bigo_push_batch *pb = text ? new_batch(c, env, seqid, now) : NULL;
    lt_bigo_group *g = pb ? lt_bigo_group_create(b->ledger, batch_done, pb) : NULL;
    if (!g) {
        if (pb) {
            unlink_batch(pb);
            free(pb);
        }
        free(text);
        reply(c, env->uri, env->retry_cnt, env->send_time, now, rescode_data(seqid, 500, "out of memory"));
        return;
    }
    const json_t *openid = json_object_get(env->data, "openid");
    char method[96], key[LT_BIGO_MAX_ID + 128];
    snprintf(method, sizeof method, "bigo.uri.%.64s", env->uri);
    /* the same message re-sent is the same record: key on the content */
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = text; *p; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211ULL;
    int n = snprintf(key, sizeof key, "uri\x1f%.64s\x1f%016llx", env->uri, (unsigned long long)h);
    lt_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = LT_EVENT_UNKNOWN;
    ev.platform = LT_PLATFORM_BIGO;
    ev.room_id = json_is_string(openid) && json_string_length(openid) < LT_BIGO_MAX_ID
                     ? json_string_value(openid)
                     : "";
    /* a message about a game (the PK invitation names its game_id) keeps it */
    ev.game_id = id_in(env->data, "game_id");
    ev.game_sess = id_in(env->data, "game_sess");
    ev.event_time = env->send_time ? env->send_time : now;
    ev.as.unknown.method = method;
    ev.as.unknown.payload = (lt_bytes){(const uint8_t *)text, strlen(text)};
    ev.as.unknown.reason = "unknown_uri";
    lt_bigo_publish_event(b, g, key, (size_t)n, &ev);
    free(text);
    lt_bigo_group_seal(g);
}

/* One complete text message. Returns -1 to close the connection (the close
 * reason is set). */
static int handle_message(lt_bigo_conn *c, const char *text, size_t len, int64_t now)
{
    lt_bigo *b = c->b;
    lt_bigo_envelope env;
    char err[256];
    lt_bigo_parse_status st = lt_bigo_envelope_parse(text, len, &env, err, sizeof err);
    if (st == LT_BIGO_PARSE_NOT_JSON || st == LT_BIGO_PARSE_NO_URI) {
        b->stats.bad_frames++;
        lt_log_every(&b->log_slot_bad, LOG_EVERY_MS, LT_LOG_WARN, "bigo: closing %s: %s", c->peer, err);
        lws_close_reason(c->wsi, LWS_CLOSE_STATUS_INVALID_PAYLOAD, (unsigned char *)"not a BIGO message", 18);
        return -1;
    }
    bool login = strcmp(env.uri, "platformLogin") == 0;
    if (!login && !(c->authed && lt_bigo_token_matches(c->token, env.access_token))) {
        b->stats.refused_unauthenticated++;
        lt_log_every(&b->log_slot_auth, LOG_EVERY_MS, LT_LOG_WARN, "bigo: %s from %s refused: %s", env.uri,
                     c->peer, c->authed ? "wrong access_token" : "not logged in");
        reply(c, env.uri, env.retry_cnt, env.send_time, now,
              rescode_data(seqid_of(&env), 401, c->authed ? "access_token is wrong" : "not logged in"));
    } else if (st == LT_BIGO_PARSE_BAD_DATA) {
        b->stats.bad_frames++;
        lt_log_every(&b->log_slot_bad, LOG_EVERY_MS, LT_LOG_WARN, "bigo: %s from %s: %s", env.uri, c->peer,
                     err);
        if (login && over_login_rate(b, c->peer, now)) {
            b->stats.refused_login_rate++;
            close_later(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "too many failed logins");
        } else if (login) {
            b->stats.logins_failed++;
            lt_ratelimit_acquire(&failures_of(b, c->peer, true, now)->bucket, now);
            reply(c, env.uri, env.retry_cnt, env.send_time, now,
                  json_pack("{s:i, s:s, s:s}", "code", 400, "access_token", "", "message", err));
        } else {
            reply(c, env.uri, env.retry_cnt, env.send_time, now, rescode_data("", 400, err));
        }
    } else if (login) {
        handle_login(c, &env, now);
    } else if (!check_sign(c, &env)) {
        reply(c, env.uri, env.retry_cnt, env.send_time, now,
              rescode_data(seqid_of(&env), 401, "sign is wrong"));
    } else if (b->draining) {
        reply(c, env.uri, env.retry_cnt, env.send_time, now,
              rescode_data(seqid_of(&env), 503, "shutting down, send again"));
    } else if (b->paused && strcmp(env.uri, "dataReception") == 0) {
        b->stats.refused_backpressure++;
        reply(c, env.uri, env.retry_cnt, env.send_time, now,
              rescode_data(seqid_of(&env), 503, "Kafka is pushing back, send again"));
    } else if (strcmp(env.uri, "dataReception") == 0) {
        handle_reception(c, &env, now);
    } else {
        handle_unknown_uri(c, &env, now);
    }
    lt_bigo_envelope_clear(&env);
    return 0;
}

static int on_receive(lt_bigo_conn *c, const void *in, size_t len)
{
    lt_bigo *b = c->b;
    int64_t now = lt_now_ms();
    c->last_rx_ms = now;
    if (c->close_code)
        return 0;
    if (lws_frame_is_binary(c->wsi)) {
        b->stats.bad_frames++;
        lt_log_every(&b->log_slot_bad, LOG_EVERY_MS, LT_LOG_WARN, "bigo: closing %s: binary frame", c->peer);
        lws_close_reason(c->wsi, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE, (unsigned char *)"text frames only",
                         16);
        return -1;
    }
    if (c->rx.len + len > b->opts.max_frame) {
        b->stats.oversized++;
        lt_log_every(&b->log_slot_bad, LOG_EVERY_MS, LT_LOG_WARN, "bigo: closing %s: message over %zu bytes",
                     c->peer, b->opts.max_frame);
        lws_close_reason(c->wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, (unsigned char *)"message too large",
                         17);
        return -1;
    }
    if (lt_buf_append(&c->rx, in, len)) {
        lws_close_reason(c->wsi, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, (unsigned char *)"out of memory", 13);
        return -1;
    }
    if (!lws_is_final_fragment(c->wsi) || lws_remaining_packet_payload(c->wsi) > 0)
        return 0;
    if (lt_ratelimit_acquire(&c->flood, now) != 0) {
        b->stats.floods++;
        lt_log_every(&b->log_slot_bad, LOG_EVERY_MS, LT_LOG_WARN,
                     "bigo: closing %s: more than %.0f messages/s", c->peer, b->opts.max_msgs_per_s);
        lws_close_reason(c->wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION, (unsigned char *)"too many messages", 17);
        return -1;
    }
    int rc = handle_message(c, (const char *)c->rx.data, c->rx.len, now);
    lt_buf_reset(&c->rx);
    return rc;
}

/* ------------------------------------------------------------ connections */

static bool path_matches(struct lws *wsi, const char *path)
{
    char uri[512];
    if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) <= 0)
        return false;
    return strcmp(uri, path) == 0;
}

static void on_established(lt_bigo *b, lt_bigo_conn *c, struct lws *wsi)
{
    memset(c, 0, sizeof *c);
    c->b = b;
    c->wsi = wsi;
    c->is_ws = true;
    c->last_rx_ms = lt_now_ms();
    c->connected_ms = c->last_rx_ms;
    lt_ratelimit_init(&c->flood, b->opts.max_msgs_per_s, 2 * b->opts.max_msgs_per_s, c->last_rx_ms);
    if (lws_get_peer_simple(wsi, c->peer, sizeof c->peer) == NULL)
        snprintf(c->peer, sizeof c->peer, "?");
    c->next = b->conns;
    if (b->conns)
        b->conns->prev = c;
    b->conns = c;
    b->stats.connections++;
    b->stats.connections_open++;
    lt_debug("bigo: connection from %s", c->peer);
    lt_log_every(&b->log_slot_conn, LOG_EVERY_MS, LT_LOG_INFO,
                 "bigo: connection from %s (%llu open, %llu so far)", c->peer,
                 (unsigned long long)b->stats.connections_open, (unsigned long long)b->stats.connections);
}

static void on_closed(lt_bigo_conn *c)
{
    lt_bigo *b = c->b;
    if (!c->is_ws || !b)
        return;
    if (c->prev)
        c->prev->next = c->next;
    else
        b->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    b->stats.connections_open--;
    /* batches still waiting for Kafka outlive the connection, unanswered */
    while (c->batches) {
        lt_bigo_push_batch *pb = c->batches;
        unlink_batch(pb);
        pb->conn = NULL;
        link_batch(&b->orphans, pb);
    }
    while (c->out_head) {
        outmsg *m = c->out_head;
        c->out_head = m->next;
        free(m);
    }
    lt_buf_free(&c->rx);
    if (c->authed)
        lt_info("bigo: connection from %s as %s closed", c->peer, c->account);
    else
        lt_debug("bigo: connection from %s closed without a login", c->peer);
    c->is_ws = false;
}

/* One counter or gauge family per line of the table; labelled families
 * take "label=value" in `labels`. */
typedef struct metric_row {
    const char *name, *help;
    lt_metric_type type;
    const char *label; /* "name=value" or NULL */
    uint64_t value;
} metric_row;

/* The counters in Prometheus text (version 0.0.4), rendered per scrape. */
int lt_bigo_write_metrics(lt_bigo *b, lt_buf *out)
{
    lt_bigo_stats s;
    lt_bigo_get_stats(b, &s);
    const metric_row rows[] = {
        {"connections_total", "push connections accepted", LT_METRIC_COUNTER, NULL, s.connections},
        {"connections_open", "push connections open now", LT_METRIC_GAUGE, NULL, s.connections_open},
        {"logins_total", "platformLogin attempts by result", LT_METRIC_COUNTER, "result=ok", s.logins_ok},
        {"logins_total", NULL, 0, "result=failed", s.logins_failed},
        {"rejected_total", "messages or connections refused, by reason", LT_METRIC_COUNTER,
         "reason=unauthenticated", s.refused_unauthenticated},
        {"rejected_total", NULL, 0, "reason=bad_frame", s.bad_frames},
        {"rejected_total", NULL, 0, "reason=oversized", s.oversized},
        {"rejected_total", NULL, 0, "reason=flood", s.floods},
        {"rejected_total", NULL, 0, "reason=idle", s.idle_closed},
        {"rejected_total", NULL, 0, "reason=login_timeout", s.login_timeouts},
        {"rejected_total", NULL, 0, "reason=connection_cap", s.refused_connection_cap},
        {"rejected_total", NULL, 0, "reason=address_cap", s.refused_address_cap},
        {"rejected_total", NULL, 0, "reason=login_rate", s.refused_login_rate},
        {"rejected_total", NULL, 0, "reason=backpressure", s.refused_backpressure},
        {"unknown_uris_total", "messages with a uri we do not know (published to unknown)", LT_METRIC_COUNTER,
         NULL, s.unknown_uris},
        {"invalid_utf8_strings_total", "strings published with ill-formed UTF-8 replaced by U+FFFD",
         LT_METRIC_COUNTER, NULL, b->opts.publisher ? lt_publisher_repaired_strings(b->opts.publisher) : 0},
        {"sign_checks_total", "request signatures checked, by result", LT_METRIC_COUNTER, "result=matched",
         s.sign_matched},
        {"sign_checks_total", NULL, 0, "result=mismatched", s.sign_mismatched},
        {"batches_total", "dataReception batches taken, by outcome (refused ones: rejected_total)",
         LT_METRIC_COUNTER, "outcome=received", s.batches},
        {"batches_total", NULL, 0, "outcome=acked", s.batches_acked},
        {"batches_total", NULL, 0, "outcome=failed", s.batches_failed},
        {"batches_total", NULL, 0, "outcome=timed_out", s.batches_timed_out},
        {"batch_retries_total", "batches BIGO sent again (retry_cnt > 0)", LT_METRIC_COUNTER, NULL,
         s.batch_retries},
        {"items_total", "items seen (push and pull)", LT_METRIC_COUNTER, NULL, s.items},
        {"duplicates_total", "items already pending or published", LT_METRIC_COUNTER, NULL, s.duplicates},
        {"events_published_total", "events handed to Kafka", LT_METRIC_COUNTER, NULL, s.published},
        {"events_delivered_total", "events Kafka acknowledged", LT_METRIC_COUNTER, NULL, s.delivered},
        {"events_failed_total", "events Kafka refused", LT_METRIC_COUNTER, NULL, s.delivery_failed},
        {"pull_requests_total", "pull API requests", LT_METRIC_COUNTER, NULL, s.pull_requests},
        {"pull_pages_total", "pull pages read", LT_METRIC_COUNTER, NULL, s.pull_pages},
        {"pull_items_total", "items read by pulling", LT_METRIC_COUNTER, NULL, s.pull_items},
        {"pull_rate_limited_total", "pull requests answered rate-limited", LT_METRIC_COUNTER, NULL,
         s.pull_rate_limited},
        {"pull_errors_total", "pull requests that failed", LT_METRIC_COUNTER, NULL, s.pull_errors},
        {"token_refreshes_total", "access token refreshes", LT_METRIC_COUNTER, NULL, s.token_refreshes},
        {"pull_sessions", "game sessions being pulled", LT_METRIC_GAUGE, NULL, s.pull_sessions},
        {"gift_lists_total", "gift list (/gift/get_list) answers, by outcome", LT_METRIC_COUNTER,
         "outcome=ok", s.gift_lists},
        {"gift_lists_total", NULL, 0, "outcome=failed", s.gift_lists_failed},
        {"gift_lists_total", NULL, 0, "outcome=rate_limited", s.gift_lists_rate_limited},
        {"gift_lists_total", NULL, 0, "outcome=malformed", s.gift_lists_malformed},
        {"gifts_total", "gifts of the catalogue answers, by what became of them", LT_METRIC_COUNTER,
         "outcome=published", s.gifts_published},
        {"gifts_total", NULL, 0, "outcome=unchanged", s.gifts_unchanged},
        {"gifts_total", NULL, 0, "outcome=skipped", s.gifts_skipped},
        {"gifts_total", NULL, 0, "outcome=regional_variant", s.gifts_regional},
        {"gifts_total", NULL, 0, "outcome=unlisted", s.gifts_unlisted},
        {"gift_unknown_refreshes_total", "catalogue refreshes asked for by a gift id not in it",
         LT_METRIC_COUNTER, NULL, s.gift_unknown_refreshes},
        {"seed_total",
         "the ledger seeded from Kafka at start, by outcome (incomplete, failed: duplicates possible)",
         LT_METRIC_COUNTER, "outcome=complete", s.seed_outcome == LT_BIGO_SEED_COMPLETE},
        {"seed_total", NULL, 0, "outcome=incomplete", s.seed_outcome == LT_BIGO_SEED_INCOMPLETE},
        {"seed_total", NULL, 0, "outcome=failed", s.seed_outcome == LT_BIGO_SEED_FAILED},
        {"seed_records_total", "records read back from Kafka at start", LT_METRIC_COUNTER, NULL,
         s.seed_records},
        {"seed_keys_total", "item keys marked done at start (already in Kafka)", LT_METRIC_COUNTER, NULL,
         s.seed_keys},
    };
    lt_metrics *m = lt_metrics_create();
    lt_metric *family = NULL;
    char name[96], label_name[32];
    for (size_t i = 0; m && i < sizeof rows / sizeof rows[0]; i++) {
        const metric_row *r = &rows[i];
        const char *eq = r->label ? strchr(r->label, '=') : NULL;
        if (r->help) { /* a new family */
            snprintf(name, sizeof name, "livetap_bigo_%s", r->name);
            if (eq)
                snprintf(label_name, sizeof label_name, "%.*s", (int)(eq - r->label), r->label);
            family = lt_metrics_add(m, name, r->help, r->type, eq ? label_name : NULL, NULL, 0);
        }
        if (!family)
            continue;
        const char *values[1] = {eq ? eq + 1 : NULL};
        lt_series *series = eq ? lt_metric_series(family, values) : lt_metric_plain(family);
        if (series)
            lt_series_set(series, (double)r->value);
    }
    lt_metric *seconds =
        m ? lt_metrics_add(m, "livetap_bigo_seed_duration_seconds", "how long the seeding at start took",
                           LT_METRIC_GAUGE, NULL, NULL, 0)
          : NULL;
    lt_series *series = seconds ? lt_metric_plain(seconds) : NULL;
    if (series)
        lt_series_set(series, (double)s.seed_ms / 1000.0);
    int rc = m ? lt_metrics_render(m, out) : -1;
    lt_metrics_destroy(m);
    return rc;
}

static char *render_metrics(lt_bigo *b)
{
    lt_buf out = {0};
    char *text = NULL;
    if (lt_bigo_write_metrics(b, &out) == 0 && lt_buf_append(&out, "", 1) == 0)
        text = strdup((const char *)out.data);
    lt_buf_free(&out);
    return text;
}

static int serve_http(struct lws *wsi, lt_bigo_conn *c, lt_bigo *b, const char *path)
{
    int status = 404;
    char *body = NULL;
    const char *type = "application/json";
    if (strcmp(path, "/metrics") == 0) {
        body = render_metrics(b);
        status = body ? 200 : 500;
        type = "text/plain; version=0.0.4";
    } else if (strcmp(path, "/healthz") == 0) {
        lt_bigo_stats s;
        lt_bigo_get_stats(b, &s);
        json_t *j = json_pack(
            "{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
            "status", "ok", "connections_open", (json_int_t)s.connections_open, "logins_ok",
            (json_int_t)s.logins_ok, "logins_failed", (json_int_t)s.logins_failed, "refused_unauthenticated",
            (json_int_t)s.refused_unauthenticated, "bad_frames", (json_int_t)s.bad_frames, "oversized",
            (json_int_t)s.oversized, "floods", (json_int_t)s.floods, "idle_closed", (json_int_t)s.idle_closed,
            "batches", (json_int_t)s.batches, "batches_acked", (json_int_t)s.batches_acked, "batches_failed",
            (json_int_t)s.batches_failed, "batches_timed_out", (json_int_t)s.batches_timed_out,
            "refused_backpressure", (json_int_t)s.refused_backpressure, "duplicates",
            (json_int_t)s.duplicates, "published", (json_int_t)s.published, "delivered",
            (json_int_t)s.delivered, "unknown_uris", (json_int_t)s.unknown_uris);
        json_t *p = json_pack(
            "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "requests", (json_int_t)s.pull_requests, "pages",
            (json_int_t)s.pull_pages, "items", (json_int_t)s.pull_items, "rate_limited",
            (json_int_t)s.pull_rate_limited, "errors", (json_int_t)s.pull_errors, "token_refreshes",
            (json_int_t)s.token_refreshes, "enable_calls", (json_int_t)s.enable_calls, "ping_calls",
            (json_int_t)s.ping_calls, "sessions", (json_int_t)s.pull_sessions);
        if (j && p)
            json_object_set_new(j, "pull", p);
        else
            json_decref(p);
        json_t *g = json_pack(
            "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "lists", (json_int_t)s.gift_lists,
            "lists_failed", (json_int_t)s.gift_lists_failed, "lists_rate_limited",
            (json_int_t)s.gift_lists_rate_limited, "lists_malformed", (json_int_t)s.gift_lists_malformed,
            "published", (json_int_t)s.gifts_published, "unchanged", (json_int_t)s.gifts_unchanged, "skipped",
            (json_int_t)s.gifts_skipped, "regional_variants", (json_int_t)s.gifts_regional, "unlisted",
            (json_int_t)s.gifts_unlisted, "unknown_refreshes", (json_int_t)s.gift_unknown_refreshes);
        if (j && g)
            json_object_set_new(j, "gift_catalogue", g);
        else
            json_decref(g);
        static const char *const seed_outcomes[] = {"off", "complete", "incomplete", "failed"};
        json_t *sd = json_pack("{s:s, s:I, s:I, s:I, s:I}", "outcome", seed_outcomes[s.seed_outcome & 3],
                               "records", (json_int_t)s.seed_records, "keys", (json_int_t)s.seed_keys,
                               "left_out", (json_int_t)s.seed_left_out, "ms", (json_int_t)s.seed_ms);
        if (j && sd)
            json_object_set_new(j, "seed", sd);
        else
            json_decref(sd);
        body = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
        status = body ? 200 : 500;
    }
    if (!body)
        body = strdup("{\"error\":\"not found\"}");
    size_t len = body ? strlen(body) : 0;
    uint8_t hdr[LWS_PRE + 1024], *start = hdr + LWS_PRE, *pos = start, *end = hdr + sizeof hdr - 1;
    if (!body || lws_add_http_common_headers(wsi, (unsigned)status, type, (lws_filepos_t)len, &pos, end) ||
        lws_finalize_write_http_header(wsi, start, &pos, end)) {
        free(body);
        return -1;
    }
    c->is_ws = false;
    lt_buf_reset(&c->rx);
    if (lt_buf_reserve(&c->rx, LWS_PRE + len)) {
        free(body);
        return -1;
    }
    c->rx.len = LWS_PRE;
    lt_buf_append(&c->rx, body, len);
    free(body);
    lws_callback_on_writable(wsi);
    return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    lt_bigo_conn *c = user;
    /* our vhost's user (the context may be the runtime's); NULL for the
     * context-wide calls lws makes with a vhost-less wsi */
    struct lws_vhost *vh = lws_get_vhost(wsi);
    lt_bigo *b = vh ? lws_vhost_user(vh) : NULL;
    if (!b)
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        if (!path_matches(wsi, b->opts.path) || b->draining || !admit(b, wsi))
            return 1;
        return 0;
    case LWS_CALLBACK_ESTABLISHED: on_established(b, c, wsi); return 0;
    case LWS_CALLBACK_RECEIVE: return on_receive(c, in, len);
    case LWS_CALLBACK_RECEIVE_PONG: c->last_rx_ms = lt_now_ms(); return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        if (!c->write_requested)
            c->last_rx_ms = lt_now_ms(); /* lws just sent a pong: the peer pinged (see the top) */
        c->write_requested = false;
        if (c->close_code && !c->out_head) {
            lws_close_reason(wsi, (enum lws_close_status)c->close_code, (unsigned char *)c->close_reason,
                             strlen(c->close_reason));
            return -1;
        }
        return write_next(c);
    case LWS_CALLBACK_CLOSED: on_closed(c); return 0;
    case LWS_CALLBACK_HTTP: return serve_http(wsi, c, b, (const char *)in);
    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (c->rx.len <= LWS_PRE)
            return 0;
        if (lws_write(wsi, c->rx.data + LWS_PRE, c->rx.len - LWS_PRE, LWS_WRITE_HTTP_FINAL) < 0)
            return -1;
        c->rx.len = LWS_PRE;
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    case LWS_CALLBACK_CLOSED_HTTP:
        if (c && !c->is_ws)
            lt_buf_free(&c->rx);
        return 0;
    default: return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

const struct lws_protocols lt_bigo_server_protocols[] = {
    {"bigo-push", callback, sizeof(lt_bigo_conn), 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* ------------------------------------------------------------ tick */

void lt_bigo_server_tick(lt_bigo *b, int64_t now)
{
    for (lt_bigo_conn *c = b->conns; c; c = c->next) {
        if (!c->close_code && !c->authed && now - c->connected_ms > b->opts.login_timeout_ms) {
            b->stats.login_timeouts++;
            lt_log_every(&b->log_slot_conn, LOG_EVERY_MS, LT_LOG_INFO,
                         "bigo: closing %s: no login within %d ms (%llu such so far)", c->peer,
                         b->opts.login_timeout_ms, (unsigned long long)b->stats.login_timeouts);
            close_later(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "log in first");
        }
        if (!c->close_code && now - c->last_rx_ms > b->opts.idle_timeout_ms) {
            b->stats.idle_closed++;
            lt_log_every(&b->log_slot_conn, LOG_EVERY_MS, LT_LOG_INFO, "bigo: closing %s: silent for %d ms",
                         c->peer, b->opts.idle_timeout_ms);
            close_later(c, LWS_CLOSE_STATUS_GOINGAWAY, "idle");
        }
        for (lt_bigo_push_batch *pb = c->batches; pb; pb = pb->next) {
            if (!pb->answered && now >= pb->deadline_ms) {
                b->stats.batches_timed_out++;
                lt_log_every(&b->log_slot_kafka, LOG_EVERY_MS, LT_LOG_WARN,
                             "bigo: batch %s not acknowledged by Kafka within %d ms: answered 503", pb->seqid,
                             b->opts.ack_timeout_ms);
                answer(pb, 503, "not yet stored, send again");
            }
        }
    }
}

void lt_bigo_server_close_all(lt_bigo *b)
{
    for (lt_bigo_conn *c = b->conns; c; c = c->next)
        close_later(c, LWS_CLOSE_STATUS_GOINGAWAY, "shutting down");
}

void lt_bigo_server_kill_all(lt_bigo *b)
{
    /* each close runs on_closed at once, which unlinks the connection */
    while (b->conns) {
        lt_bigo_conn *c = b->conns;
        lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_SYNC);
        if (b->conns == c) { /* not closed after all: forget it rather than loop */
            b->conns = c->next;
            c->b = NULL;
        }
    }
}

void lt_bigo_server_free(lt_bigo *b)
{
    while (b->orphans) {
        lt_bigo_push_batch *pb = b->orphans;
        b->orphans = pb->next;
        free(pb);
    }
}
