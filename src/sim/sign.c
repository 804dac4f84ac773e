/* sign.c - an Euler-Stream-compatible sign server (docs/protocol/webcast.md §2).
 *
 * GET /webcast/fetch answers 200 with a raw protobuf fetch result (cursor,
 * internal_ext, push_server, route params, heartbeat interval and the first
 * messages of the room) and the TikTok cookies in X-Set-TT-Cookie. The push
 * URL it hands out carries a one-time token (route param `wrss`) bound to the
 * cookie's ttwid: the push socket accepts it once, so a client that reuses a
 * signed URL is refused, as with TikTok's ~30 s signed URLs.
 *
 * Limits: a process-wide token bucket of `sign_per_minute` calls, and the
 * per-room fault `sign_429_first`; both answer 429 with Euler's JSON body
 * ({message, limit_label}) and the retry headers the client libraries read
 * (Retry-After, RateLimit-Reset, RateLimit-Remaining, X-RateLimit-Reset).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_internal.h"

#define INITIAL_MESSAGES 3

static int too_many(struct lws *wsi, pss *p, const char *label, int retry_s)
{
    char retry[16], reset[32];
    snprintf(retry, sizeof retry, "%d", retry_s);
    snprintf(reset, sizeof reset, "%lld", (long long)(lt_now_ms() / 1000 + retry_s));
    const char *headers[] = {"Retry-After:", retry, "RateLimit-Reset:", retry, "RateLimit-Remaining:", retry,
                             "X-RateLimit-Reset:", reset, NULL};
    return lt_sim_respond_json(
        wsi, p, 429,
        json_pack("{s:s, s:s}", "message",
                  "You have hit the rate limit for this room. Upgrade your plan or retry later.",
                  "limit_label", label),
        headers);
}

/* The process-wide bucket: `sign_per_minute` tokens, refilled continuously. */
static bool take_sign_token(lt_sim *sim)
{
    double per_minute = sim->opts.sign_per_minute;
    if (per_minute <= 0)
        return true;
    int64_t now = lt_now_ms();
    sim->sign_tokens += per_minute * (double)(now - sim->last_refill_ms) / 60000.0;
    if (sim->sign_tokens > per_minute)
        sim->sign_tokens = per_minute;
    sim->last_refill_ms = now;
    if (sim->sign_tokens < 1)
        return false;
    sim->sign_tokens -= 1;
    return true;
}

static bool api_key_ok(struct lws *wsi, lt_sim *sim)
{
    const char *want = sim->opts.api_key;
    if (!want || !*want)
        return true;
    char got[256] = "";
    if (lws_hdr_custom_copy(wsi, got, sizeof got, "x-api-key:", 10) > 0 && !strcmp(got, want))
        return true;
    lt_sim_arg(wsi, "apiKey", got, sizeof got);
    return !strcmp(got, want);
}

static lt_sim_token *issue_token(lt_sim *sim, const lt_sim_room *room)
{
    lt_sim_token *t = &sim->tokens[sim->token_next++ % LT_SIM_TOKENS];
    uint64_t serial = ++sim->token_serial * 0x9E3779B97F4A7C15ULL ^ (uint64_t)lt_now_ms();
    snprintf(t->token, sizeof t->token, "%016llx", (unsigned long long)serial);
    snprintf(t->ttwid, sizeof t->ttwid, "1%%7Csim%016llx%%7C%lld%%7Cv1", (unsigned long long)(serial * 31),
             (long long)(lt_now_ms() / 1000));
    t->room_index = room->index;
    t->used = false;
    return t;
}

lt_sim_token *lt_sim_token_take(lt_sim *sim, const char *token, const lt_sim_room *room)
{
    if (!token || !*token)
        return NULL;
    for (size_t i = 0; i < LT_SIM_TOKENS; i++) {
        lt_sim_token *t = &sim->tokens[i];
        if (!t->used && t->token[0] && !strcmp(t->token, token) && t->room_index == room->index) {
            t->used = true;
            return t;
        }
    }
    return NULL;
}

int lt_sim_sign_fetch(struct lws *wsi, lt_sim *sim, pss *p)
{
    char room_id[32], client[64];
    lt_sim_arg(wsi, "room_id", room_id, sizeof room_id);
    lt_sim_arg(wsi, "client", client, sizeof client);
    sim->sign_calls++;
    if (!api_key_ok(wsi, sim))
        return lt_sim_respond_json(wsi, p, 401,
                                   json_pack("{s:i, s:s}", "code", 401, "message", "Invalid API key"), NULL);
    lt_sim_room *room = lt_sim_find_room(sim, room_id);
    if (!room_id[0] || !room)
        return lt_sim_respond_json(wsi, p, 400,
                                   json_pack("{s:i, s:s}", "code", 400, "message", "Invalid room_id"), NULL);
    room->stats.sign_calls++;
    if (room->faults.sign_429_first && room->stats.sign_calls <= (uint64_t)room->faults.sign_429_first) {
        room->stats.sign_429++;
        sim->sign_429++;
        return too_many(wsi, p, "rate_limit_room_id_hour", 2);
    }
    if (!take_sign_token(sim)) {
        room->stats.sign_429++;
        sim->sign_429++;
        return too_many(wsi, p, "rate_limit_account_minute", 5);
    }
    if (room->state != LT_SIM_LIVE)
        return lt_sim_respond_json(
            wsi, p, 404, json_pack("{s:i, s:s}", "code", 404, "message", "The room is not live"), NULL);

    lt_sim_token *t = issue_token(sim, room);
    int64_t now = lt_now_ms();
    char push_server[128], cursor[96], ext[256];
    snprintf(push_server, sizeof push_server, "%s://127.0.0.1:%d/webcast/im/ws_proxy/ws_reuse_supplement/",
             sim->opts.tls_cert && *sim->opts.tls_cert ? "wss" : "ws", sim->port);
    snprintf(cursor, sizeof cursor, "t-%lld_r-1_d-1_u-1_h-1", (long long)now);
    snprintf(ext, sizeof ext, "fetch_time:%lld|start_time:0|push_server:%s|wss_info:0-%lld-0-0|wrds_kvs:sim",
             (long long)now, push_server, (long long)now);
    /* the first messages come with the fetch result, as from TikTok. With
     * --broadcast, once the room is on the air, they are its latest
     * messages (everyone connected had them): new ones made for this fetch
     * alone were lost to everyone when its client dropped the answer (a
     * room revoked while it signed) */
    lt_sim_message initial[INITIAL_MESSAGES];
    memset(initial, 0, sizeof initial);
    bool recent = sim->opts.broadcast && room->log && room->log_seq > 0;
    size_t n = room->rate > 0 || recent ? INITIAL_MESSAGES : 0;
    if (recent && n > room->log_seq)
        n = (size_t)room->log_seq;
    for (size_t i = 0; i < n; i++) {
        if (recent) {
            struct lt_sim_recent *r = &room->log[(room->log_seq - n + i) % LT_SIM_LOG];
            initial[i] = (lt_sim_message){r->method, r->payload, r->msg_id, false};
        } else {
            lt_sim_room_next(room, now, &initial[i]);
        }
    }
    lt_sim_fetch_spec spec = {.cursor = cursor, .internal_ext = ext, .push_server = push_server,
                              .route_key = "wrss", .route_value = t->token, .now_ms = now,
                              .heartbeat_ms = sim->heartbeat_ms, .is_first = true};
    lt_buf body = LT_BUF_INIT;
    int rc = lt_sim_pack_fetch_result(initial, n, &spec, &body);
    for (size_t i = 0; i < n && !recent; i++) {
        if (rc == 0)
            lt_sim_room_mark_sent(room, &initial[i]);
        lt_buf_free(&initial[i].payload);
    }
    if (rc == 0) {
        char cookie[256], request_id[32];
        snprintf(cookie, sizeof cookie, "ttwid=%s; tt_csrf_token=sim%04x; tt_chain_token=sim", t->ttwid,
                 (unsigned)(sim->token_serial & 0xffff));
        snprintf(request_id, sizeof request_id, "sim-%llu", (unsigned long long)sim->sign_calls);
        const char *headers[] = {"X-Set-TT-Cookie:", cookie, "X-Room-Id:", room_id, "X-Request-Id:", request_id, NULL};
        rc = lt_sim_respond(wsi, p, 200, "application/protobuf", (const char *)body.data, body.len, headers);
    }
    lt_buf_free(&body);
    return rc;
}

int lt_sim_sign_limits(struct lws *wsi, lt_sim *sim, pss *p)
{
    if (!api_key_ok(wsi, sim))
        return lt_sim_respond_json(wsi, p, 401,
                                   json_pack("{s:i, s:s}", "code", 401, "message", "Invalid API key"), NULL);
    json_int_t minute = sim->opts.sign_per_minute > 0 ? (json_int_t)sim->opts.sign_per_minute : 1000;
    json_int_t reset = (json_int_t)(lt_now_ms() / 1000 + 60);
    return lt_sim_respond_json(
        wsi, p, 200,
        json_pack("{s:i, s:s, s:{s:I, s:I, s:I}, s:{s:I, s:I, s:I}, s:{s:I, s:I, s:I}}", "code", 200,
                  "message", "ok", "day", "max", minute * 1440, "remaining", minute * 1440, "reset_at",
                  reset + 86400, "hour", "max", minute * 60, "remaining", minute * 60, "reset_at",
                  reset + 3600, "minute", "max", minute, "remaining",
                  (json_int_t)(sim->sign_tokens > 0 ? sim->sign_tokens : 0), "reset_at", reset),
        NULL);
}
