/* collector.c - rooms, the loop and the path to Kafka (see collector.h).
 *
 * A room is always in exactly one phase, and at most one of its helpers
 * (resolve job, sign call, session) is alive: the phase says which. Every
 * helper reports back through a callback that first clears the room's
 * pointer to it, then moves the room on. Retries are "next_action at
 * next_ms", picked up by the tick (lt_tiktok_collector_tick, which the
 * collector runtime calls every TICK_MS: core/source.h).
 */
#include "tiktok/collector.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/source.h"
#include "tiktok/collector_internal.h"
#include "tiktok/frame.h"
#include "tiktok/info.h"

static void start_resolve(room *r);
static void start_sign(room *r);

/* --- publishing (kafka/gate.h: backpressure, give-up, accounting) --- */

/* A room is not read while Kafka pushes back (every room) or while it is
 * over its own rate limits. */
static void update_pause(room *r, int64_t now)
{
    if (r->session)
        lt_tiktok_session_pause(r->session, lt_gate_paused(r->c->gate) || r->throttle_until > now);
}

/* The gate's drain check runs on our loop while reading is paused. */
static void on_drain_check(lws_sorted_usec_list_t *sul)
{
    lt_tiktok_collector *c = lws_container_of(sul, lt_tiktok_collector, drain);
    if (lt_gate_tick(c->gate))
        lws_sul_schedule(c->lws, 0, &c->drain, on_drain_check, 20 * LWS_US_PER_MS);
}

void lt_tiktok_collector_pause(lt_tiktok_collector *c, bool paused)
{
    (void)paused; /* the gate says, with the rooms' own limits (update_pause) */
    int64_t now = lt_now_ms();
    for (size_t i = 0; i < c->room_count; i++)
        update_pause(c->rooms[i], now);
}

/* A gate of our own: we pause and run its drain check. */
static void on_gate_pause(void *ctx, bool paused)
{
    lt_tiktok_collector *c = ctx;
    lt_tiktok_collector_pause(c, paused);
    if (paused)
        lws_sul_schedule(c->lws, 0, &c->drain, on_drain_check, 20 * LWS_US_PER_MS);
}

/* Publishes one event, keyed by `key` (NULL = its room id), through the
 * gate (a full queue pauses every room and the record is kept; given up
 * past backpressure_wait_ms). 0 when sent or kept: its delivery report
 * comes either way. */
static int publish_keyed(lt_tiktok_collector *c, const lt_event *ev, const char *key)
{
    void *opaque = lt_tiktok_collector_opaque(c, ev);
    lt_gate_record rec = {.ev = ev, .key = key, .opaque = opaque};
    if (lt_gate_publish(c->gate, &rec, NULL, 0) < 0)
        return -1;
    if (c->opts.publisher)
        lt_tiktok_handover_in_flight(c, opaque, 1);
    return 0;
}

static int publish(lt_tiktok_collector *c, const lt_event *ev)
{
    return publish_keyed(c, ev, NULL);
}

/* Room info and gift_info events (lt_tiktok_info's emit). */
static int publish_info(void *ctx, const lt_event *ev, const char *key)
{
    lt_tiktok_collector *c = ctx;
    if (publish_keyed(c, ev, key) != 0)
        return -1;
    c->stats.events_published++;
    return 0;
}

int lt_tiktok_collector_publish(lt_tiktok_collector *c, const lt_event *ev, const char *key)
{
    return publish_info(c, ev, key);
}

static const char *room_key(const room *r)
{
    return r->room_id[0] ? r->room_id : r->label;
}

/* One room_status event and one log line per state change. */
static void set_status(room *r, const char *state, const char *reason, const char *message, int64_t retry_at)
{
    lt_tiktok_collector *c = r->c;
    lt_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = LT_EVENT_ROOM_STATUS;
    ev.platform = LT_PLATFORM_TIKTOK;
    ev.room_id = room_key(r);
    ev.event_time = lt_now_ms();
    ev.ingest_time = ev.event_time;
    ev.collector_id = c->opts.collector_id;
    ev.as.room_status.state = state;
    ev.as.room_status.reason = reason;
    ev.as.room_status.message = message && *message ? message : NULL;
    ev.as.room_status.input = r->input;
    ev.as.room_status.retry_at.present = retry_at > 0;
    ev.as.room_status.retry_at.value = retry_at;
    ev.as.room_status.attempt = r->backoff.attempt;
    c->stats.status_events++;
    r->state = state;
    snprintf(r->reason, sizeof r->reason, "%s", reason ? reason : "");
    snprintf(r->message, sizeof r->message, "%s", message ? message : "");
    r->since_ms = ev.event_time;
    if (message && *message && strcmp(state, "live") != 0) {
        snprintf(r->last_error, sizeof r->last_error, "%s", message);
        r->last_error_ms = ev.event_time;
    }
    char retry[48] = "";
    if (retry_at > 0)
        snprintf(retry, sizeof retry, " (retry in %.1f s)", (double)(retry_at - ev.event_time) / 1000.0);
    lt_info("room %s%s%s: %s%s%s%s%s%s", r->label, r->room_id[0] ? " " : "", r->room_id, state,
            reason ? " [" : "", reason ? reason : "", reason ? "]" : "", message && *message ? " " : "",
            message ? message : "");
    if (retry[0])
        lt_debug("room %s next attempt%s", r->label, retry);
    publish(c, &ev);
}

void lt_tiktok_room_publish_status(room *r, const char *state, const char *reason, const char *message)
{
    set_status(r, state, reason, message, 0);
}

/* --- scheduling --- */

static void schedule(room *r, action act, int64_t at)
{
    r->phase = PHASE_WAITING;
    r->next_action = act;
    r->next_ms = at;
}

/* A failure that deserves another try after backoff (or gives up). */
static void retry_later(room *r, const char *state, const char *reason, const char *message, action act)
{
    lt_tiktok_collector *c = r->c;
    r->failures++;
    if (c->opts.max_attempts > 0 && r->failures >= c->opts.max_attempts) {
        char msg[384];
        snprintf(msg, sizeof msg, "gave up after %d attempts; last: %s", r->failures,
                 message ? message : reason);
        r->phase = PHASE_DONE;
        set_status(r, "error", "gave_up", msg, 0);
        return;
    }
    int64_t at = lt_now_ms() + lt_backoff_next(&r->backoff);
    schedule(r, act, at);
    set_status(r, state, reason, message, at);
}

static void finish(room *r, const char *state, const char *reason, const char *message, bool watch)
{
    lt_tiktok_collector *c = r->c;
    if (watch && c->opts.watch_interval_ms > 0 && r->ref.kind == LT_TIKTOK_ROOM_BY_USER) {
        int64_t at = lt_now_ms() + c->opts.watch_interval_ms;
        schedule(r, ACT_RESOLVE, at);
        set_status(r, state, reason, message, at);
    } else {
        r->phase = PHASE_DONE;
        set_status(r, state, reason, message, 0);
    }
}

/* --- events --- */

static int on_event(const lt_event *ev, void *ctx)
{
    room *r = ctx;
    lt_tiktok_collector *c = r->c;
    /* before dedupe: a replayed "stream ended" still means the stream ended */
    if (ev->type == LT_EVENT_CONTROL && (ev->as.control.action == 3 || ev->as.control.action == 4))
        r->control_end = ev->as.control.action;
    if (r->handover && lt_tiktok_handover_hold(r, ev))
        return 0;
    if (ev->msg_id && lt_dedupe_check(r->dedupe, ev->msg_id)) {
        c->stats.duplicates_dropped++;
        return 0;
    }
    if (publish(c, ev) == 0) {
        c->stats.events_published++;
        r->events++;
    } else {
        lt_dedupe_forget_last(r->dedupe, ev->msg_id);
    }
    return 0;
}

/* After the decoder ran: its drop counts into the collector's, and a room
 * over its rate limits stops being read until its buckets have refilled. */
static void account(room *r)
{
    lt_tiktok_collector *c = r->c;
    if (!r->decoder)
        return;
    const lt_tiktok_decoder_stats *ds = lt_tiktok_decoder_stats_get(r->decoder);
    for (int i = 0; i < LT_TIKTOK_DROP_REASON_COUNT; i++) {
        c->stats.input_dropped[i] += ds->dropped[i] - r->dropped_seen[i];
        r->dropped_seen[i] = ds->dropped[i];
    }
    c->stats.unknown_truncated += ds->truncated - r->truncated_seen;
    r->truncated_seen = ds->truncated;
    int64_t now = lt_now_ms(), until = lt_tiktok_decoder_throttle_until(r->decoder);
    if (until > now && until > r->throttle_until) {
        if (r->throttle_until <= now) {
            c->stats.rooms_throttled++;
            lt_log_every(&r->throttle_log_slot, 60000, LT_LOG_WARN,
                         "room %s: over its rate limits (behaviour.room_events_per_s %.0f, "
                         "room_unknown_bytes_per_s %.0f): not read for %lld ms (told once a minute)",
                         r->label, c->opts.room_limits.events_per_s, c->opts.room_limits.unknown_bytes_per_s,
                         (long long)(until - now));
        }
        r->throttle_until = until;
        update_pause(r, now);
    }
}

static void end_by_control(room *r)
{
    if (r->session) {
        lt_tiktok_session_destroy(r->session);
        r->session = NULL;
    }
    const char *reason = r->control_end == 3 ? "stream_ended" : "stream_suspended";
    r->control_end = 0;
    finish(r, "ended", reason, "the host ended the LIVE (Control message)", true);
}

/* Sets the room id a room resolved to, keeping the index by room id. */
static int set_room_id(room *r, const char *room_id)
{
    lt_tiktok_collector *c = r->c;
    if (strcmp(r->room_id, room_id) == 0)
        return 0;
    if (room_id[0] && lt_strmap_add(c->by_room_id, room_id, r) != 0)
        return -1;
    if (r->room_id[0])
        lt_strmap_remove(c->by_room_id, r->room_id, r);
    snprintf(r->room_id, sizeof r->room_id, "%s", room_id);
    return 0;
}

static int ensure_room_state(room *r, const char *room_id)
{
    lt_tiktok_collector *c = r->c;
    char err[256];
    if (r->decoder && strcmp(r->room_id, room_id) == 0)
        return 0;
    /* a new room id (the host went live again): new decoder and window */
    lt_tiktok_decoder_destroy(r->decoder);
    lt_dedupe_destroy(r->dedupe);
    lt_tiktok_info_room_destroy(r->info);
    r->decoder = NULL;
    r->dedupe = NULL;
    if (set_room_id(r, room_id) != 0)
        return -1;
    memset(r->dropped_seen, 0, sizeof r->dropped_seen);
    r->truncated_seen = 0;
    r->decoder = lt_tiktok_decoder_create(room_id, c->opts.collector_id, err, sizeof err);
    if (r->decoder)
        lt_tiktok_decoder_set_limits(r->decoder, &c->opts.room_limits);
    r->dedupe = lt_dedupe_create(c->opts.dedupe_window);
    r->info = lt_tiktok_info_room_create(c->info, room_id, r->label);
    if (!r->decoder || !r->dedupe || !r->info) {
        lt_error("room %s: %s", r->label, r->decoder ? "out of memory" : err);
        return -1;
    }
    if (c->opts.seed_window)
        c->opts.seed_window(c->opts.hook_ctx, room_id, r->dedupe);
    lt_tiktok_handover_room_started(r);
    return 0;
}

/* --- session callbacks --- */

static void on_session_open(void *ctx)
{
    room *r = ctx;
    r->phase = PHASE_LIVE;
    set_status(r, "live", NULL, NULL, 0);
    lt_tiktok_info_room_connected(r->info, lt_now_ms());
}

static void on_raw_frame(void *ctx, const uint8_t *data, size_t len)
{
    room *r = ctx;
    FILE *f = r->c->record;
    r->c->stats.frames_received++;
    r->c->stats.bytes_received += len;
    if (!f)
        return;
    uint8_t hdr[4] = {(uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16), (uint8_t)(len >> 24)};
    if (fwrite(hdr, 1, 4, f) != 4 || fwrite(data, 1, len, f) != len)
        lt_log_every(&r->log_slot, 60000, LT_LOG_WARN, "record file: write failed");
}

static void on_fetch_result(void *ctx, const lt_tiktok_fetch_result *result)
{
    room *r = ctx;
    lt_tiktok_decoder_feed_result(r->decoder, result, on_event, r);
    account(r);
    /* we are inside the session's callback: close it, and finish the room
     * when on_session_end comes back from the loop */
    if (r->control_end)
        lt_tiktok_session_close(r->session);
}

static void on_bad_frame(void *ctx, const char *why, const uint8_t *data, size_t len)
{
    room *r = ctx;
    r->c->stats.bad_frames++;
    lt_log_every(&r->log_slot, 60000, LT_LOG_WARN, "room %s: bad frame skipped: %s", r->label, why);
    /* what could not even be unwrapped still reaches livetap.unknown */
    if (data && r->decoder) {
        lt_tiktok_decoder_emit_unknown(r->decoder, "PushFrame", data, len, why, on_event, r);
        account(r);
    } else if (!data) {
        r->c->stats.input_dropped[LT_TIKTOK_DROP_FRAME_TOO_LARGE]++;
    }
}

static void on_session_end(void *ctx, const lt_tiktok_session_end *end)
{
    room *r = ctx;
    lt_tiktok_collector *c = r->c;
    lt_tiktok_session_destroy(r->session);
    r->session = NULL;
    if (r->control_end) {
        end_by_control(r);
        return;
    }
    if (end->was_open && end->open_ms >= c->opts.healthy_ms) {
        lt_backoff_reset(&r->backoff);
        r->failures = 0;
    }
    c->stats.reconnects++;
    r->reconnects++;
    switch (end->kind) {
    case LT_TIKTOK_SESSION_REFUSED:
        /* a fresh signature brings fresh cookies (DEVICE_BLOCKED wants a new ttwid) */
        retry_later(r, "reconnecting", "handshake_refused", end->detail, ACT_SIGN);
        return;
    case LT_TIKTOK_SESSION_STALE: retry_later(r, "reconnecting", "stale", end->detail, ACT_SIGN); return;
    case LT_TIKTOK_SESSION_CONNECT_FAILED:
        retry_later(r, "reconnecting", "connect_failed", end->detail, ACT_SIGN);
        return;
    default: retry_later(r, "reconnecting", "closed", end->detail, ACT_SIGN); return;
    }
}

static const lt_tiktok_session_callbacks session_cb = {
    on_session_open, on_raw_frame, on_fetch_result, on_bad_frame, on_session_end,
};

/* --- signing --- */

static const char *sign_reason(lt_tiktok_sign_status st)
{
    switch (st) {
    case LT_TIKTOK_SIGN_EMPTY_PAYLOAD: return "sign_empty_payload";
    case LT_TIKTOK_SIGN_EMPTY_COOKIES: return "sign_empty_cookies";
    case LT_TIKTOK_SIGN_UNAUTHORIZED: return "sign_unauthorized";
    default: return "sign_failed";
    }
}

static void on_signed(void *ctx, const lt_tiktok_sign_result *res)
{
    room *r = ctx;
    lt_tiktok_collector *c = r->c;
    char err[256];
    r->sign = NULL;

    if (res->status == LT_TIKTOK_SIGN_RATE_LIMITED) {
        r->failures++;
        c->stats.sign_rate_limited++;
        schedule(r, ACT_SIGN, res->retry_at_ms);
        set_status(r, "rate_limited", res->limit_label[0] ? res->limit_label : "rate_limited", res->message,
                   res->retry_at_ms);
        return;
    }
    if (res->status == LT_TIKTOK_SIGN_UNAUTHORIZED) {
        /* a key problem: retrying every room would only burn requests */
        r->phase = PHASE_DONE;
        set_status(r, "error", "sign_unauthorized", res->message, 0);
        return;
    }
    if (res->status != LT_TIKTOK_SIGN_OK) {
        retry_later(r, "reconnecting", sign_reason(res->status), res->message, ACT_SIGN);
        return;
    }
    if (ensure_room_state(r, res->room_id) != 0) {
        retry_later(r, "error", "internal", "out of memory", ACT_SIGN);
        return;
    }
    lt_tiktok_fetch_result fetch;
    if (lt_tiktok_fetch_result_parse_limited(res->body, res->body_len, c->opts.room_limits.max_messages,
                                             &fetch, err, sizeof err) != 0) {
        lt_tiktok_fetch_result_release(&fetch);
        lt_tiktok_decoder_emit_unknown(r->decoder, "FetchResult", res->body, res->body_len, err, on_event, r);
        account(r);
        retry_later(r, "reconnecting", "bad_fetch_result", err, ACT_SIGN);
        return;
    }
    /* the initial batch is data like any other */
    lt_tiktok_decoder_feed_result(r->decoder, &fetch, on_event, r);
    account(r);
    if (r->control_end) {
        lt_tiktok_fetch_result_release(&fetch);
        end_by_control(r);
        return;
    }
    if (!fetch.push_server || !*fetch.push_server) {
        lt_tiktok_fetch_result_release(&fetch);
        retry_later(r, "reconnecting", "no_push_server", "the fetch result names no push server", ACT_SIGN);
        return;
    }
    c->rng ^= c->rng << 13;
    c->rng ^= c->rng >> 7;
    c->rng ^= c->rng << 17;
    lt_tiktok_session_options so = {
        .lws = c->lws,
        .vhost = c->vhost,
        .room_id = r->room_id,
        .fetch = &fetch,
        .cookie_header = res->cookie_header,
        .user_agent = c->opts.user_agent,
        .gzip = !c->opts.no_gzip,
        .insecure_tls = c->opts.insecure_tls,
        .stale_ms = c->opts.stale_ms,
        .enter_unique_id = (int64_t)(c->rng >> 1),
        .max_messages = c->opts.room_limits.max_messages,
    };
    r->phase = PHASE_CONNECTING;
    r->session = lt_tiktok_session_connect(&so, &session_cb, r, err, sizeof err);
    lt_tiktok_fetch_result_release(&fetch);
    if (!r->session) {
        retry_later(r, "reconnecting", "connect_failed", err, ACT_SIGN);
        return;
    }
    update_pause(r, lt_now_ms());
}

static void start_sign(room *r)
{
    lt_tiktok_collector *c = r->c;
    char err[256];
    r->phase = PHASE_SIGNING;
    c->stats.sign_calls++;
    set_status(r, "connecting", NULL, NULL, 0);
    r->sign = lt_tiktok_signer_fetch(c->signer, r->room_id, on_signed, r, err, sizeof err);
    if (!r->sign)
        retry_later(r, "reconnecting", "sign_failed", err, ACT_SIGN);
}

/* --- resolving --- */

/* another room than ctx that is still being collected */
static bool collecting_other(void *ctx, void *value)
{
    room *other = value;
    return other != ctx && other->phase != PHASE_DONE;
}

static void on_resolved(void *ctx, const lt_tiktok_resolution *res)
{
    room *r = ctx;
    r->resolve = NULL;
    const char *reason = lt_tiktok_resolve_reason(res->outcome);
    switch (res->outcome) {
    case LT_TIKTOK_RESOLVE_LIVE: {
        room *other = lt_strmap_each(r->c->by_room_id, res->room_id, collecting_other, r);
        if (other) {
            /* @user and its room id given both: one connection is enough */
            char msg[160];
            snprintf(msg, sizeof msg, "room %s is already collected as %s", res->room_id, other->label);
            finish(r, "error", "duplicate_room", msg, false);
            return;
        }
        if (ensure_room_state(r, res->room_id) != 0) {
            retry_later(r, "error", "internal", "out of memory", ACT_RESOLVE);
            return;
        }
        start_sign(r);
        return;
    }
    case LT_TIKTOK_RESOLVE_OFFLINE:
        if (res->room_id[0] && !r->room_id[0] && set_room_id(r, res->room_id) != 0)
            lt_error("room %s: out of memory", r->label);
        finish(r, "offline", reason, res->message, true);
        return;
    case LT_TIKTOK_RESOLVE_NOT_FOUND:
    case LT_TIKTOK_RESOLVE_AGE_RESTRICTED: finish(r, "error", reason, res->message, false); return;
    case LT_TIKTOK_RESOLVE_BLOCKED: retry_later(r, "error", reason, res->message, ACT_RESOLVE); return;
    default: retry_later(r, "reconnecting", reason, res->message, ACT_RESOLVE); return;
    }
}

static void start_resolve(room *r)
{
    lt_tiktok_collector *c = r->c;
    char err[256];
    r->phase = PHASE_RESOLVING;
    set_status(r, "resolving", NULL, NULL, 0);
    r->resolve = lt_tiktok_resolve(c->http, &c->resolver_opts, &r->ref, on_resolved, r, err, sizeof err);
    if (!r->resolve)
        retry_later(r, "reconnecting", "resolve_failed", err, ACT_RESOLVE);
}

/* --- rooms --- */

static void stop_room(room *r)
{
    lt_tiktok_resolve_cancel(r->resolve);
    lt_tiktok_signer_cancel(r->sign);
    lt_tiktok_session_destroy(r->session);
    r->resolve = NULL;
    r->sign = NULL;
    r->session = NULL;
}

void lt_tiktok_room_stop(room *r)
{
    stop_room(r);
    r->phase = PHASE_DONE;
}

static void free_room(room *r)
{
    if (!r)
        return;
    stop_room(r);
    lt_tiktok_handover_free_room(r);
    lt_tiktok_decoder_destroy(r->decoder);
    lt_dedupe_destroy(r->dedupe);
    lt_tiktok_info_room_destroy(r->info);
    free(r);
}

/* By what was typed, else (a room id) by the id an @user room resolved to. */
room *lt_tiktok_collector_find(lt_tiktok_collector *c, const lt_tiktok_room_ref *ref, size_t *index)
{
    char key[LT_TIKTOK_ROOM_KEY_MAX];
    lt_tiktok_room_key(ref, key);
    room *r = lt_strmap_get(c->by_input, key);
    if (!r && ref->kind == LT_TIKTOK_ROOM_BY_ID)
        r = lt_strmap_get(c->by_room_id, ref->room_id);
    if (r && index)
        *index = r->slot;
    return r;
}

int lt_tiktok_collector_add_room(lt_tiktok_collector *c, const char *input, char *err, size_t errlen)
{
    lt_tiktok_room_ref ref;
    if (lt_tiktok_room_parse(input, &ref, err, errlen) != 0)
        return -1;
    return lt_tiktok_collector_add(c, input, &ref, err, errlen);
}

int lt_tiktok_collector_add(lt_tiktok_collector *c, const char *input, const lt_tiktok_room_ref *parsed,
                            char *err, size_t errlen)
{
    lt_tiktok_room_ref ref = *parsed;
    if (lt_tiktok_collector_find(c, &ref, NULL)) {
        snprintf(err, errlen, "room %s is already collected", lt_tiktok_room_label(&ref));
        return 1;
    }
    if (c->room_count == c->room_cap) {
        size_t cap = c->room_cap ? c->room_cap * 2 : 64;
        room **rooms = realloc(c->rooms, cap * sizeof(*rooms));
        if (!rooms) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        c->rooms = rooms;
        c->room_cap = cap;
    }
    room *r = calloc(1, sizeof(*r));
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    r->c = c;
    snprintf(r->input, sizeof r->input, "%s", input);
    r->ref = ref;
    snprintf(r->label, sizeof r->label, "%s", lt_tiktok_room_label(&ref));
    r->state = "resolving"; /* what it does first, from the next tick */
    r->since_ms = r->rate_mark_ms = lt_now_ms();
    c->rng = c->rng * 6364136223846793005ULL + 1442695040888963407ULL;
    lt_backoff_init(&r->backoff, c->opts.backoff_base_ms, c->opts.backoff_cap_ms, c->rng);
    char key[LT_TIKTOK_ROOM_KEY_MAX];
    lt_tiktok_room_key(&ref, key);
    if (lt_strmap_add(c->by_input, key, r) != 0) {
        free(r);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    r->slot = c->room_count;
    c->rooms[c->room_count++] = r;
    /* the first action runs from the loop, spread a little so that a
     * thousand configured rooms do not all resolve in the same millisecond */
    schedule(r, ACT_RESOLVE, lt_now_ms() + (int64_t)(c->room_count % 64) * 5);
    return 0;
}

int lt_tiktok_collector_remove_room(lt_tiktok_collector *c, const char *input)
{
    return lt_tiktok_collector_release_room(c, input, "removed");
}

bool lt_tiktok_collector_has_room(lt_tiktok_collector *c, const char *input)
{
    lt_tiktok_room_ref ref;
    char err[256];
    return lt_tiktok_room_parse(input, &ref, err, sizeof err) == 0 && lt_tiktok_collector_find(c, &ref, NULL);
}

int lt_tiktok_collector_release_room(lt_tiktok_collector *c, const char *input, const char *reason)
{
    lt_tiktok_room_ref ref;
    char err[256];
    if (lt_tiktok_room_parse(input, &ref, err, sizeof err) != 0)
        return -1;
    return lt_tiktok_collector_release(c, &ref, reason);
}

int lt_tiktok_collector_release(lt_tiktok_collector *c, const lt_tiktok_room_ref *ref, const char *reason)
{
    size_t i;
    room *r = lt_tiktok_collector_find(c, ref, &i);
    if (!r)
        return -1;
    lt_tiktok_handover_release(r);
    stop_room(r);
    /* after the run's stop every room has said "ended" [shutdown] and Kafka
     * has been flushed: the group's revoke at close only forgets the room
     * (it used to publish a second "ended" after the flush) */
    bool said = c->stopped;
    r->phase = PHASE_DONE;
    if (!said)
        set_status(r, "ended", reason, NULL, 0);
    c->rooms[i] = c->rooms[--c->room_count];
    c->rooms[i]->slot = i;
    char key[LT_TIKTOK_ROOM_KEY_MAX];
    lt_tiktok_room_key(&r->ref, key);
    lt_strmap_remove(c->by_input, key, r);
    if (r->room_id[0])
        lt_strmap_remove(c->by_room_id, r->room_id, r);
    free_room(r);
    return 0;
}

/* --- the loop --- */

/* Start-up with many rooms takes a while (sign-server pacing): until every
 * room configured at start has settled (live, or a state that says why
 * not), one line every 5 s says how far it is, and one line when done. */
static void startup_progress(lt_tiktok_collector *c, size_t live, int64_t now)
{
    if (c->startup_done || c->room_count == 0)
        return;
    if (!c->startup_ms)
        c->startup_ms = now;
    size_t settled = 0;
    for (size_t i = 0; i < c->room_count; i++) {
        const char *st = c->rooms[i]->state;
        settled += st && strcmp(st, "resolving") != 0 && strcmp(st, "connecting") != 0;
    }
    if (settled == c->room_count) {
        c->startup_done = true;
        /* the handshakes' and start-up HTTP requests' freed memory sits in
         * holes between the rooms' long-lived allocations: give its pages
         * back once (glibc frees whole pages inside the heap too) */
        malloc_trim(0);
        if (now - c->startup_ms >= 5000 || c->room_count > 1)
            lt_info("start-up done in %.1f s: %zu rooms, %zu live (the others' reasons are in room_status)",
                    (double)(now - c->startup_ms) / 1000.0, c->room_count, live);
    } else if (now - c->startup_ms >= 5000 && now - c->startup_log_ms >= 5000) {
        c->startup_log_ms = now;
        lt_info("start-up: %zu of %zu rooms settled, %zu live", settled, c->room_count, live);
    }
}

/* At most this many rooms resolve at once. Every resolve is an HTTP request
 * whose timeout runs from the moment it is queued, and the HTTP client opens
 * at most 16 connections to a host: 10,000 rooms queued at start-up made the
 * later ones time out and wait out a backoff before their second try. The
 * others wait their turn in PHASE_WAITING (status "resolving"); with a tick
 * every TICK_MS that still starts up to 512 rooms a second. */
#define MAX_RESOLVING 256

void lt_tiktok_collector_tick(lt_tiktok_collector *c, int64_t now)
{
    if (c->opts.publisher)
        lt_publisher_poll(c->opts.publisher, 0);
    size_t live = 0, resolving = 0;
    c->started = true;
    for (size_t i = 0; i < c->room_count; i++)
        resolving += c->rooms[i]->phase == PHASE_RESOLVING;
    for (size_t i = 0; i < c->room_count; i++) {
        room *r = c->rooms[i];
        if (now - r->rate_mark_ms >= RATE_WINDOW_MS) {
            r->events_per_s = (double)(r->events - r->rate_mark) * 1000.0 / (double)(now - r->rate_mark_ms);
            r->rate_mark = r->events;
            r->rate_mark_ms = now;
        }
        if (r->throttle_until && now >= r->throttle_until) {
            r->throttle_until = 0;
            update_pause(r, now);
        }
        if (r->session) {
            lt_tiktok_session_tick(r->session, now);
            if (r->phase == PHASE_LIVE) {
                live++;
                lt_tiktok_info_room_tick(r->info, now);
            }
        } else if (r->phase == PHASE_WAITING && now >= r->next_ms) {
            action act = r->next_action;
            bool sign = act == ACT_SIGN && r->room_id[0];
            if (!sign && resolving >= MAX_RESOLVING)
                continue; /* its turn comes when a resolve ends */
            r->next_action = ACT_NONE;
            if (sign) {
                start_sign(r);
            } else {
                resolving++;
                start_resolve(r);
            }
        }
    }
    lt_tiktok_info_tick(c->info, now);
    c->stats.rooms = c->room_count;
    c->stats.rooms_live = live;
    startup_progress(c, live, now);
    lt_tiktok_handover_tick(c, now);
    if (c->record)
        fflush(c->record);
}

lt_tiktok_collector *lt_tiktok_collector_create(const lt_tiktok_collector_options *opts, char *err,
                                                size_t errlen)
{
    if (!opts->collector_id || (!opts->publisher && !opts->sink) || !opts->lws) {
        snprintf(err, errlen, "a collector id, a publisher (or sink) and a loop are required");
        return NULL;
    }
    lt_tiktok_collector *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->opts = *opts;
    c->by_input = lt_strmap_create();
    c->by_room_id = lt_strmap_create();
    if (!c->by_input || !c->by_room_id) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (c->opts.stale_ms <= 0)
        c->opts.stale_ms = 60000;
    if (c->opts.backoff_base_ms <= 0)
        c->opts.backoff_base_ms = 1000;
    if (c->opts.backoff_cap_ms <= 0)
        c->opts.backoff_cap_ms = 30000;
    if (c->opts.healthy_ms <= 0)
        c->opts.healthy_ms = 30000;
    if (c->opts.dedupe_window == 0)
        c->opts.dedupe_window = 2048;
    if (c->opts.backpressure_wait_ms <= 0)
        c->opts.backpressure_wait_ms = 30000;
    if (c->opts.flush_timeout_ms <= 0)
        c->opts.flush_timeout_ms = 10000;
    lt_gate_options go = {
        .publisher = opts->publisher,
        .sink = opts->sink,
        .sink_ctx = opts->sink_ctx,
        .backpressure_wait_ms = c->opts.backpressure_wait_ms,
        .pause = on_gate_pause,
        .pause_ctx = c,
        .stop = &c->stop,
    };
    c->gate = opts->gate;
    c->own_gate = !c->gate;
    if (c->own_gate && !(c->gate = lt_gate_create(&go))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (lt_tiktok_collector_metrics_init(c) != 0) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    c->rng = opts->seed ? opts->seed : (uint64_t)lt_now_ms() * 0x9E3779B97F4A7C15ULL;
    if (!c->rng)
        c->rng = 1;
    c->resolver_opts.web_base = opts->web_base;
    c->resolver_opts.api_base = opts->api_base;
    c->resolver_opts.skip_room_info = opts->skip_room_info;
    c->resolver_opts.cookies = opts->session_cookies;

    /* our vhost on the owner's context (core/loop.h); it lives as long as
     * the context: lws destroys it with its sockets when the owner
     * destroys the context */
    static const struct lws_protocols *protocols_src[] = {&lt_tiktok_session_lws_protocol,
                                                          &lt_http_lws_protocol};
    static struct lws_protocols protocols[3];
    protocols[0] = *protocols_src[0];
    protocols[1] = *protocols_src[1];
    memset(&protocols[2], 0, sizeof protocols[2]);

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.vhost_name = "tiktok";
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.client_ssl_ca_filepath = opts->ca_file;
    if (opts->ws_proxy && *opts->ws_proxy)
        info.http_proxy_address = opts->ws_proxy;
    c->lws = opts->lws;
    c->vhost = lws_create_vhost(c->lws, &info);
    if (!c->vhost) {
        snprintf(err, errlen,
                 "libwebsockets could not create the TikTok client vhost (ca_file %s, ws_proxy %s)",
                 opts->ca_file ? opts->ca_file : "none", opts->ws_proxy ? opts->ws_proxy : "none");
        goto fail;
    }
    lt_http_options ho = {
        .user_agent = opts->user_agent,
        .proxy = opts->http_proxy,
        .ca_file = opts->ca_file,
        .insecure = opts->insecure_tls,
    };
    c->http = lt_http_create(c->lws, c->vhost, &ho, err, errlen);
    if (!c->http)
        goto fail;
    lt_tiktok_signer_options so = opts->signer;
    so.user_agent = opts->user_agent;
    c->signer = lt_tiktok_signer_create(c->lws, c->http, &so, err, errlen);
    if (!c->signer)
        goto fail;
    lt_tiktok_info_options io = {
        .http = c->http,
        .api_base = opts->api_base,
        .web_base = opts->web_base,
        .cookies = opts->session_cookies,
        .collector_id = opts->collector_id,
        .room_info = !opts->skip_room_info_events,
        .room_info_interval_ms = opts->room_info_interval_ms,
        .host_stats = !opts->skip_host_stats,
        .price_list_interval_ms = opts->price_list_interval_ms,
        .gift_catalogue = !opts->skip_gift_catalogue,
        .gift_interval_ms = opts->gift_catalogue_interval_ms,
        .emit = publish_info,
        .emit_ctx = c,
    };
    c->info = lt_tiktok_info_create(&io, err, errlen);
    if (!c->info)
        goto fail;
    if (opts->record_path) {
        c->record = fopen(opts->record_path, "wb");
        if (!c->record) {
            snprintf(err, errlen, "cannot open record file %s", opts->record_path);
            goto fail;
        }
    }
    return c;
fail:
    lt_tiktok_collector_destroy(c);
    return NULL;
}

void lt_tiktok_collector_destroy(lt_tiktok_collector *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->room_count; i++)
        free_room(c->rooms[i]);
    free(c->rooms);
    lt_strmap_destroy(c->by_input);
    lt_strmap_destroy(c->by_room_id);
    lt_tiktok_discovery_free(c);
    lt_tiktok_info_destroy(c->info);
    lt_tiktok_signer_destroy(c->signer);
    lt_http_destroy(c->http);
    if (c->lws)
        lws_sul_cancel(&c->drain);
    if (c->record)
        fclose(c->record);
    lt_tiktok_collector_metrics_free(c);
    lt_tiktok_handover_free(c);
    if (c->own_gate)
        lt_gate_destroy(c->gate);
    free(c);
}

int lt_tiktok_collector_start(lt_tiktok_collector *c)
{
    if (lt_tiktok_discovery_start(c) != 0) {
        lt_error("discovery: out of memory");
        return -1;
    }
    return 0;
}

long lt_tiktok_collector_finish(lt_tiktok_collector *c)
{
    lws_sul_cancel(&c->drain);
    lt_tiktok_discovery_stop(c);
    lt_info("stopping %zu rooms", c->room_count);
    lt_tiktok_handover_shutdown(c);
    for (size_t i = 0; i < c->room_count; i++) {
        room *r = c->rooms[i];
        stop_room(r);
        if (r->phase != PHASE_DONE) {
            r->phase = PHASE_DONE;
            set_status(r, "ended", "shutdown", NULL, 0);
        }
    }
    c->stopped = true;
    /* let the push sockets' close handshakes (1000) finish, briefly */
    for (int64_t until = lt_now_ms() + 1000; lt_tiktok_sessions_closing() && lt_now_ms() < until;)
        if (lws_service(c->lws, 0) < 0)
            break;
    size_t left = 0;
    if (c->opts.publisher) {
        /* in steps of a second, saying what is left, so that a slow flush
         * (a broker far away or down) is visible while it happens */
        int64_t start = lt_now_ms(), deadline = start + c->opts.flush_timeout_ms;
        do {
            int64_t step = deadline - lt_now_ms();
            left = lt_gate_flush(c->gate, (int)(step > 1000 ? 1000 : step > 0 ? step : 0));
            if (left && lt_now_ms() < deadline)
                lt_info("flushing: %zu events not yet acknowledged by Kafka (%.0f s of %.0f s)", left,
                        (double)(lt_now_ms() - start) / 1000.0, (double)c->opts.flush_timeout_ms / 1000.0);
        } while (left && lt_now_ms() < deadline);
        if (left)
            lt_error("%zu events were not acknowledged by Kafka within %d ms", left,
                     c->opts.flush_timeout_ms);
    }
    lt_gate_log_untold(c->gate);
    c->stats.undelivered_at_exit = left;
    return (long)left;
}

void lt_tiktok_collector_stop(lt_tiktok_collector *c)
{
    c->stop = 1;
    if (c->lws)
        lws_cancel_service(c->lws);
}

size_t lt_tiktok_collector_room_count(const lt_tiktok_collector *c)
{
    return c->room_count;
}

void lt_tiktok_collector_get_stats(const lt_tiktok_collector *c, lt_tiktok_collector_stats *out)
{
    *out = c->stats;
    if (c->info)
        lt_tiktok_info_get_stats(c->info, &out->info);
    lt_tiktok_collector_gate_stats(c, out);
}

void lt_tiktok_collector_gate_stats(const lt_tiktok_collector *c, lt_tiktok_collector_stats *out)
{
    lt_gate_stats gs;
    lt_tiktok_collector_source_stats(c, &gs);
    out->publish_errors = gs.publish_errors;
    out->events_given_up = gs.given_up;
    out->backpressure_pauses = gs.backpressure_pauses;
    out->events_kept = gs.kept;
    out->events_kept_bytes = gs.kept_bytes;
    out->events_kept_total = gs.kept_total;
    memcpy(out->events_by_type, gs.sent_by_type, sizeof out->events_by_type);
    memcpy(out->acked_by_type, gs.acked_by_type, sizeof out->acked_by_type);
}

void *lt_tiktok_collector_opaque(const lt_tiktok_collector *c, const lt_event *ev)
{
    return (void *)((uintptr_t)lt_gate_opaque(c->gate, ev) | c->opts.delivery_tag);
}

void lt_tiktok_collector_source_stats(const lt_tiktok_collector *c, lt_gate_stats *out)
{
    lt_gate_get_source_stats(c->gate, lt_source_tag_index((const void *)c->opts.delivery_tag), out);
}
