/* bigo.c - the BIGO collector object: loop, tick, items to Kafka (see bigo.h).
 *
 * The runtime's lws context (opts.lws) serves the push WebSocket (server.c,
 * on a vhost of ours); the runtime's tick (lt_bigo_tick, every
 * LT_BIGO_TICK_MS, core/source.h; in lt_bigo_finish a timer of ours) serves
 * Kafka's delivery reports (each may complete a batch and send its 200),
 * closes idle connections, answers batches Kafka is slow on, and drives the
 * pull poller (pull.c), whose libcurl multi handle is run from the tick
 * rather than joined to lws's poll: pull traffic is a few requests per
 * second, and 20 ms of added latency costs nothing there.
 *
 * Every item goes through the ledger (ledger.h) before it may reach Kafka:
 * push retries, push/pull overlap and duplicates inside one batch are
 * removed there, and the batch waiting for an item learns when Kafka took
 * it. Every event of a batch carries the batch's game_id and game_sess (a
 * push batch's own; a pull page's are its session's) in the event's game_id
 * and game_sess fields, NULL when BIGO sent none; game_sess is also part of
 * the dedupe key and becomes the record's game_sess Kafka header. Every
 * record carries its ledger key (header bigo_key), so that a restarted
 * receiver starts from what Kafka holds (seed.c).
 *
 * Shutdown: new business messages are answered 503, Kafka is flushed while
 * the loop keeps running (so batches in flight still get their 200), then
 * connections are closed and the sessions we mounted are ended.
 */
#include "bigo/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/event_json.h"
#include "core/http.h"
#include "core/listen.h"
#include "core/log.h"
#include "core/strmap.h"

/* ------------------------------------------------------------ publishing */

void lt_bigo_on_delivery(void *cb_ctx, void *opaque, const char *error)
{
    (void)cb_ctx;
    if (opaque)
        lt_bigo_entry_delivered(opaque, error);
}

/* BIGO omits fields holding their default: "" is no game. */
static void set_game(lt_event *ev, const lt_bigo_batch *batch)
{
    ev->game_id = batch->game_id[0] ? batch->game_id : NULL;
    ev->game_sess = batch->game_sess[0] ? batch->game_sess : NULL;
}

/* The admin API's view: a room is listed from its first published event. */
static void note_room(lt_bigo *b, const char *openid, int64_t when)
{
    if (!openid || !*openid)
        return;
    lt_bigo_room *r = lt_strmap_get(b->room_index, openid);
    if (!r) {
        if (b->room_count >= LT_BIGO_MAX_ROOMS || strlen(openid) >= sizeof r->openid ||
            !(r = calloc(1, sizeof *r))) {
            b->rooms_untracked++;
            return;
        }
        snprintf(r->openid, sizeof r->openid, "%s", openid);
        if (lt_strmap_add(b->room_index, r->openid, r)) {
            free(r);
            b->rooms_untracked++;
            return;
        }
        r->first_ms = when;
        r->next = b->rooms;
        b->rooms = r;
        b->room_count++;
    }
    r->events++;
    if (when > r->last_ms)
        r->last_ms = when;
}

static json_t *room_to_json(const lt_bigo_room *r)
{
    char room[LT_BIGO_MAX_ID + 8];
    snprintf(room, sizeof room, "bigo:%s", r->openid);
    return json_pack("{s:s, s:s, s:s, s:I, s:I, s:I}", "room", room, "platform", "bigo", "room_id", r->openid,
                     "events", (json_int_t)r->events, "first_event_ms", (json_int_t)r->first_ms,
                     "last_event_ms", (json_int_t)r->last_ms);
}

json_t *lt_bigo_rooms_json(lt_bigo *b)
{
    json_t *a = json_array();
    for (const lt_bigo_room *r = b->rooms; a && r; r = r->next)
        json_array_append_new(a, room_to_json(r));
    return a;
}

json_t *lt_bigo_room_json(lt_bigo *b, const char *openid)
{
    const lt_bigo_room *r = lt_strmap_get(b->room_index, openid);
    return r ? room_to_json(r) : NULL;
}

size_t lt_bigo_room_count(const lt_bigo *b)
{
    return b->room_count;
}

bool lt_bigo_publish_event(lt_bigo *b, lt_bigo_group *g, const char *key, size_t keylen, const lt_event *ev)
{
    lt_bigo_entry *e = NULL;
    switch (lt_bigo_ledger_claim(b->ledger, g, key, keylen, &e)) {
    case LT_BIGO_CLAIM_DONE:
    case LT_BIGO_CLAIM_PENDING: b->stats.duplicates++; return false;
    case LT_BIGO_CLAIM_ERROR: return false;
    case LT_BIGO_CLAIM_NEW: break;
    }
    note_room(b, ev->room_id, ev->event_time);
    lt_event copy = *ev;
    copy.collector_id = b->opts.collector_id;
    char err[512] = "";
    /* the ledger key goes with the record, so that a restart can read it
     * back (seed.c); gift_info's keys are a per-process counter: not those */
    lt_kafka_header bigo_key = {LT_BIGO_KEY_HEADER, key, keylen};
    lt_gate_record rec = {
        .ev = &copy,
        .extra = &bigo_key,
        .extra_count = ev->type == LT_EVENT_GIFT_INFO ? 0 : 1,
        .opaque = (void *)((uintptr_t)e | b->opts.delivery_tag),
        .no_wait = true,
    };
    /* refused or given up (the gate logs it): the item fails */
    if (lt_gate_publish(b->gate, &rec, err, sizeof err) != LT_GATE_SENT) {
        lt_bigo_entry_delivered(e, err);
        return true;
    }
    b->stats.published++;
    if (!b->opts.publisher) /* printed: nothing more will come */
        lt_bigo_entry_delivered(e, NULL);
    return true;
}

static void publish_status(lt_bigo *b, lt_bigo_group *g, const lt_bigo_batch *batch, const char *room,
                           int64_t when, const char *state, const char *reason, const char *message)
{
    char key[3 * LT_BIGO_MAX_ID + 32];
    int n = snprintf(key, sizeof key, "%s\x1f%s\x1fstatus:%s", batch->game_sess, room, state);
    if (n < 0 || (size_t)n >= sizeof key)
        return;
    lt_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = LT_EVENT_ROOM_STATUS;
    ev.platform = LT_PLATFORM_BIGO;
    ev.room_id = room;
    ev.event_time = when;
    ev.as.room_status.state = state;
    ev.as.room_status.reason = reason;
    ev.as.room_status.message = message;
    set_game(&ev, batch);
    if (lt_bigo_publish_event(b, g, key, (size_t)n, &ev))
        lt_info("bigo room %s: %s (%s; game_id %s, game_sess %s)", room, state, reason, batch->game_id,
                batch->game_sess);
}

void lt_bigo_publish_batch(lt_bigo *b, const lt_bigo_batch *batch, lt_bigo_group *g, int64_t fallback_ms,
                           bool lifecycle)
{
    int64_t when = batch->timestamp ? batch->timestamp : fallback_ms;
    if (lifecycle && (batch->status == 1 || batch->status == 2))
        for (size_t i = 0; i < batch->room_count; i++)
            publish_status(b, g, batch, batch->rooms[i], when, "live",
                           batch->status == 2 ? "game_mounted" : "live_no_game", NULL);
    for (size_t i = 0; i < batch->item_count; i++) {
        const lt_bigo_item *it = &batch->items[i];
        b->stats.items++;
        char key[3 * LT_BIGO_MAX_ID + 8];
        size_t keylen = lt_bigo_item_key(batch->game_sess, it, key, sizeof key);
        lt_event ev;
        char *payload = NULL;
        if (!keylen || lt_bigo_item_to_event(it, fallback_ms, &ev, &payload)) {
            /* a key cannot outgrow the buffer (ids are bounded); out of
             * memory fails the group, so BIGO sends the batch again */
            lt_bigo_group_fail(g, "out of memory");
            continue;
        }
        set_game(&ev, batch);
        if (it->kind == LT_BIGO_ITEM_BAD || it->kind == LT_BIGO_ITEM_OTHER)
            lt_log_every(&b->log_slot_item, 60000, LT_LOG_WARN,
                         "bigo room %s: item %s published as unknown (%s)", it->room, it->method,
                         it->kind == LT_BIGO_ITEM_BAD ? it->bad : "no decoder");
        lt_debug("bigo item room=%s type=%s msg_id=%lld game_id=%s game_sess=%s", it->room, it->method + 5,
                 (long long)it->msg_id, batch->game_id, batch->game_sess);
        if (it->kind == LT_BIGO_ITEM_GIFT && b->catalogue)
            lt_bigo_catalogue_saw_gift(b->catalogue, it->room, it->gift_id, fallback_ms);
        lt_bigo_publish_event(b, g, key, keylen, &ev);
        free(payload);
    }
    if (lifecycle && batch->status == 3)
        for (size_t i = 0; i < batch->room_count; i++)
            publish_status(b, g, batch, batch->rooms[i], when, "ended", "stream_closed",
                           "BIGO pushed status 3: the stream closed");
}

/* ------------------------------------------------------------ the loop */

void lt_bigo_tick(lt_bigo *b, int64_t now)
{
    b->started = true;
    if (b->opts.publisher)
        lt_publisher_poll(b->opts.publisher, 0);
    lt_bigo_server_tick(b, now);
    if (b->catalogue && !b->draining && !b->paused)
        lt_bigo_catalogue_tick(b->catalogue, now);
    if (b->pull && !b->paused)
        lt_bigo_pull_tick(b->pull, now);
}

/* The tick while lt_bigo_finish drains: the runtime's has ended. */
static void on_finish_tick(lws_sorted_usec_list_t *sul)
{
    lt_bigo *b = lws_container_of(sul, lt_bigo, tick);
    lt_bigo_tick(b, lt_now_ms());
    if (!b->stop)
        lws_sul_schedule(b->lws, 0, &b->tick, on_finish_tick, LT_BIGO_TICK_MS * LWS_US_PER_MS);
}

static void apply_defaults(lt_bigo_options *o)
{
    if (!o->address || !*o->address)
        o->address = "127.0.0.1";
    if (!o->path || !*o->path)
        o->path = "/bigo/push";
    if (o->idle_timeout_ms <= 0)
        o->idle_timeout_ms = 30000;
    if (o->login_timeout_ms <= 0)
        o->login_timeout_ms = 10000;
    if (!o->max_connections)
        o->max_connections = 256;
    if (!o->max_connections_per_address)
        o->max_connections_per_address = 16;
    if (o->login_failures_per_min <= 0)
        o->login_failures_per_min = 60;
    if (!o->max_frame)
        o->max_frame = 1024 * 1024;
    if (o->max_msgs_per_s <= 0)
        o->max_msgs_per_s = 100;
    if (!o->max_items)
        o->max_items = 10000;
    if (o->ack_timeout_ms == 0)
        o->ack_timeout_ms = 10000;
    if (!o->dedupe_capacity)
        o->dedupe_capacity = 1000000;
    if (o->flush_timeout_ms <= 0)
        o->flush_timeout_ms = 10000;
    if (!o->collector_id)
        o->collector_id = "livetap-bigo";
    if (o->seed.lookback_s <= 0)
        o->seed.lookback_s = 3600;
    if (o->seed.timeout_ms <= 0)
        o->seed.timeout_ms = 60000;
    if (!o->seed.max_records)
        o->seed.max_records = 2000000;
}

/* /readyz: the loop runs and (unless a dry run) a Kafka broker answers. */
bool lt_bigo_ready(lt_bigo *b, json_t **detail)
{
    bool kafka_ok = true;
    const char *why = NULL;
    lt_kafka_health h = {0};
    if (b->opts.publisher) {
        lt_kafka_producer_health(lt_publisher_producer(b->opts.publisher), lt_now_ms(), &h);
        kafka_ok = h.reachable;
        why = h.reason[0] ? h.reason : NULL;
    }
    bool ready = b->started && !b->draining && kafka_ok;
    *detail = json_pack("{s:b, s:s, s:s?, s:b}", "ready", ready, "kafka",
                        !b->opts.publisher ? "dry_run"
                        : kafka_ok         ? "ok"
                                           : "unreachable",
                        "reason", kafka_ok ? NULL : why, "started", b->started);
    return ready;
}

/* The push listener: a vhost on the runtime's context. */
static int listen_push(lt_bigo *b, char *err, size_t errlen)
{
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = b->opts.port;
    if (lt_listen_configure(&info, b->opts.address, err, errlen))
        return -1;
    b->protocols[0] = lt_bigo_server_protocols[0];
    b->protocols[1] = lt_http_lws_protocol; /* the pull poller's HTTP client (core/http) */
    info.protocols = b->protocols;
    info.user = b; /* the vhost's user: server.c finds us there */
    info.timeout_secs = 10;
    info.ka_time = 0;
    if (b->opts.tls_cert) {
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.ssl_cert_filepath = b->opts.tls_cert;
        info.ssl_private_key_filepath = b->opts.tls_key;
    }
    b->lws = b->opts.lws;
    info.vhost_name = "bigo-push";
    b->vhost = lws_create_vhost(b->lws, &info);
    if (!b->vhost) {
        snprintf(err, errlen, "cannot listen on %s:%d%s (in use, or not an address of this host?)",
                 b->opts.address, b->opts.port,
                 b->opts.tls_cert ? " (or the TLS certificate/key did not load)" : "");
        return -1;
    }
    b->port = lws_get_vhost_listen_port(b->vhost);
    return 0;
}

lt_bigo *lt_bigo_create(const lt_bigo_options *opts, char *err, size_t errlen)
{
    lt_bigo *b = calloc(1, sizeof *b);
    if (!b) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    b->opts = *opts;
    apply_defaults(&b->opts);
    if (!b->opts.lws) {
        snprintf(err, errlen, "no loop: lt_bigo runs on its owner's lws context (opts.lws)");
        goto fail;
    }
    if (!!b->opts.tls_cert != !!b->opts.tls_key) {
        snprintf(err, errlen, "TLS needs both a certificate and a key");
        goto fail;
    }
    b->auth = lt_bigo_auth_create(b->opts.abbr, b->opts.login_window_ms, err, errlen);
    if (!b->auth)
        goto fail;
    if (lt_bigo_auth_add_accounts(b->auth, b->opts.accounts, err, errlen))
        goto fail;
    if (b->opts.accounts_file && *b->opts.accounts_file &&
        lt_bigo_auth_load_file(b->auth, b->opts.accounts_file, err, errlen))
        goto fail;
    if (lt_bigo_auth_account_count(b->auth) == 0) {
        snprintf(err, errlen, "no push account configured (push.accounts or push.accounts_file)");
        goto fail;
    }
    /* no wait on a full queue (the loop serves BIGO's connections): each
     * record no_wait, so that the reports already in are served and the
     * record tried once more, then its item fails - its ledger entry is
     * forgotten, so that BIGO's retry publishes it again */
    if (!(b->gate = b->opts.gate)) {
        snprintf(err, errlen, "no gate: lt_bigo publishes through its owner's (opts.gate)");
        goto fail;
    }
    b->ledger = lt_bigo_ledger_create(b->opts.dedupe_capacity);
    if (!b->ledger) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }

    if (!(b->room_index = lt_strmap_create())) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (listen_push(b, err, errlen))
        goto fail;
    const lt_bigo_pull_options *po = &b->opts.pull;
    if (po->enabled || (po->gift_catalogue && (po->token_count || (po->tokens_file && *po->tokens_file)))) {
        b->pull = lt_bigo_pull_create(b, po, err, errlen);
        if (!b->pull && po->enabled)
            goto fail;
        if (!b->pull) /* only the catalogue wanted it: not worth refusing to start */
            lt_warn("no gift catalogue: %s", err);
    }
    if (b->pull && po->gift_catalogue) {
        b->catalogue = lt_bigo_catalogue_create(b, b->pull, po->gift_catalogue_interval_s * 1000,
                                                po->gift_catalogue_min_refresh_s * 1000);
        if (!b->catalogue) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
    }
    /* before the loop runs: no business message, no pull request yet */
    lt_bigo_seed(b);
    lt_info("BIGO push receiver on %s://%s:%d%s, %zu account(s), sign check %s, pull %s, gift catalogue %s",
            b->opts.tls_cert ? "wss" : "ws", b->opts.address, b->port, b->opts.path,
            lt_bigo_auth_account_count(b->auth),
            b->opts.sign_mode == LT_BIGO_SIGN_ENFORCE ? "enforced"
            : b->opts.sign_mode == LT_BIGO_SIGN_LOG   ? "logged"
                                                      : "off",
            b->pull && po->enabled ? "on" : "off", b->catalogue ? "on" : "off");
    return b;
fail:
    lt_bigo_destroy(b);
    return NULL;
}

void lt_bigo_destroy(lt_bigo *b)
{
    if (!b)
        return;
    lt_bigo_pull_destroy(b->pull);
    b->pull = NULL;
    if (b->lws)
        lws_sul_cancel(&b->tick);
    if (b->vhost) {
        /* lt_bigo_finish closed the connections; one that lingers is closed
         * now, while we are here for its callbacks */
        lt_bigo_server_kill_all(b);
        lws_vhost_destroy(b->vhost);
    }
    lt_bigo_ledger_destroy(b->ledger);
    lt_bigo_catalogue_destroy(b->catalogue); /* after the ledger: its groups point here */
    lt_bigo_server_free(b);
    lt_bigo_auth_destroy(b->auth);
    lt_strmap_destroy(b->room_index);
    for (lt_bigo_room *r = b->rooms, *next; r; r = next) {
        next = r->next;
        free(r);
    }
    free(b);
}

int lt_bigo_port(const lt_bigo *b)
{
    return b->port;
}

static size_t kafka_pending(lt_bigo *b)
{
    lt_bigo_ledger_stats ls;
    lt_bigo_ledger_get_stats(b->ledger, &ls);
    return ls.pending;
}

/* Runs the loop for up to ms, or until Kafka has nothing pending. */
static void drain(lt_bigo *b, int ms)
{
    int64_t until = lt_now_ms() + ms;
    while (lt_now_ms() < until && kafka_pending(b) > 0) {
        if (b->opts.publisher)
            lt_publisher_poll(b->opts.publisher, 20);
        lws_service(b->lws, 0);
    }
}

long lt_bigo_finish(lt_bigo *b)
{
    b->draining = true;
    lws_sul_schedule(b->lws, 0, &b->tick, on_finish_tick, 1);
    b->stop = 0;
    lt_info("stopping: waiting up to %d ms for Kafka to acknowledge what is in flight",
            b->opts.flush_timeout_ms);
    drain(b, b->opts.flush_timeout_ms);
    lt_bigo_server_close_all(b);
    int64_t until = lt_now_ms() + 500;
    while (lt_now_ms() < until && b->stats.connections_open > 0)
        lws_service(b->lws, 0);
    if (b->pull)
        lt_bigo_pull_shutdown(b->pull, 5000);
    b->stop = 1;
    lws_sul_cancel(&b->tick);
    size_t left = 0;
    if (b->opts.publisher) {
        left = lt_publisher_flush(b->opts.publisher, b->opts.flush_timeout_ms);
        if (left)
            lt_error("%zu events were not acknowledged by Kafka within %d ms", left,
                     b->opts.flush_timeout_ms);
    }
    b->stats.undelivered_at_exit = left;
    return (long)left;
}

void lt_bigo_pause(lt_bigo *b, bool paused)
{
    if (paused != b->paused)
        lt_info("bigo: Kafka %s: %s", paused ? "pushes back" : "drained",
                paused ? "new batches are answered 503 and pull waits" : "batches and pull go on");
    b->paused = paused;
}

void lt_bigo_stop(lt_bigo *b)
{
    b->stop = 1;
    if (b->lws)
        lws_cancel_service(b->lws);
}

void lt_bigo_get_stats(const lt_bigo *b, lt_bigo_stats *out)
{
    *out = b->stats;
    lt_bigo_ledger_stats ls;
    lt_bigo_ledger_get_stats(b->ledger, &ls);
    out->delivered = ls.delivered;
    out->delivery_failed = ls.failed;
}
