/* pull.c - pull compensation and the game sessions we mount (docs/protocol/bigo.md §2, §3.1).
 *
 * A session is one game_sess of one or more anchors (game_users). It is
 * known either because we mounted it (pull.rooms: enable_danmu at start,
 * a signed /broom/ping every 30 s - BIGO stops after 2 min without one -
 * and disable_danmu at shutdown) or because a push batch named it and we
 * hold an OAuth token for one of its anchors. Each session polls
 * POST /broom/pull_data with its cursor (`context`):
 *   - a page is published through the same ledger as push, so what push
 *     already delivered is not published again, and the page is one group:
 *     the cursor moves on only once Kafka holds the whole page; if Kafka
 *     refused an item the same page is asked for again after a backoff;
 *   - a full page is followed at once (catching up), a short one after
 *     interval_ms; every request takes a token from the anchor's bucket
 *     (rate_per_user, BIGO allows 10/s per user);
 *   - rescode 401 / HTTP 408 (rate limited), 500 and transport errors back
 *     off exponentially; HTTP 401 (token invalid) refreshes the token with
 *     the signed /sign/oauth2/refresh_token when a refresh token and a key
 *     are configured (only the newest token pair is valid, so the tokens
 *     file is rewritten at once); rescode 300 (not live) three times in a
 *     row ends the session;
 *   - after push said status 3 the session is drained until a short page,
 *     then dropped; a session without news for session_idle_s is dropped.
 * A response that omits `context` keeps the previous cursor (BIGO omits
 * fields holding defaults; starting over would only cost duplicates, which
 * the ledger removes anyway).
 *
 * Requests go through core/http, the loop's HTTP client (the collector's
 * TikTok source uses the same one): curl's sockets are watched by the
 * receiver's lws loop, so there is no thread, no second poll loop and no
 * timer polling curl; completions run on the loop thread.
 */
#include <libwebsockets.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bigo/internal.h"
#include "bigo/oauth.h"
#include "core/backoff.h"
#include "core/http.h"
#include "core/log.h"
#include "core/ratelimit.h"

#define MAX_BODY (16 * 1024 * 1024)
#define NOT_LIVE_LIMIT 3

typedef struct anchor {
    char openid[LT_BIGO_MAX_ID];
    char *access, *refresh;
    bool from_file;
    lt_ratelimit rl;
    bool refreshing;
    int64_t refresh_failed_ms;
    unsigned rank;          /* configuration order (pull.tokens, then pull.tokens_file) */
    uint64_t token_gen;     /* bumped by every refresh */
    struct anchor *next;
} anchor;

typedef struct session {
    lt_bigo_pull *p;
    char game_id[LT_BIGO_MAX_ID], game_sess[LT_BIGO_MAX_ID];
    char users[8][LT_BIGO_MAX_ID];
    size_t user_count;
    anchor *owner;
    char context[1024], next_context[1024];
    int64_t since_ms, next_ms, last_news_ms, next_ping_ms;
    lt_backoff backoff;
    bool busy;              /* a request or a page's group is outstanding */
    bool ended, owned, enabled, page_full, remove;
    int not_live;
    struct session *next;
} session;

typedef enum req_kind { REQ_PULL, REQ_ENABLE, REQ_PING, REQ_DISABLE, REQ_REFRESH, REQ_GIFTS } req_kind;

typedef struct request {
    lt_bigo_pull *p;
    req_kind kind;
    session *s;
    anchor *a;
    lt_http_request *http;  /* NULL once answered */
    uint64_t token_gen;     /* of the token it was sent with */
    lt_bigo_pull_call_fn done; /* REQ_GIFTS */
    void *done_ctx;
    struct request *next;
} request;

struct lt_bigo_pull {
    lt_bigo *b;
    lt_bigo_pull_options o;
    lt_http *http;
    bool closing; /* shutdown: no new pulls, only disable_danmu */
    lt_bigo_signer *signer;
    anchor *anchors;
    session *sessions;
    request *requests;
    uint64_t seq;
    unsigned anchor_count;
    int64_t log_slot, log_slot_token;
};

static const char *kind_path[] = {"/broom/pull_data", "/broom/enable_danmu", "/broom/ping", "/broom/disable_danmu",
                                  "/sign/oauth2/refresh_token", "/gift/get_list"};

/* ------------------------------------------------------------ tokens */

static anchor *find_anchor(lt_bigo_pull *p, const char *openid)
{
    for (anchor *a = p->anchors; a; a = a->next)
        if (strcmp(a->openid, openid) == 0)
            return a;
    return NULL;
}

static int add_anchor(lt_bigo_pull *p, const char *openid, const char *access, const char *refresh, bool from_file)
{
    if (!*openid || strlen(openid) >= LT_BIGO_MAX_ID || !access || !*access || find_anchor(p, openid))
        return -1;
    anchor *a = calloc(1, sizeof *a);
    if (!a)
        return -1;
    snprintf(a->openid, sizeof a->openid, "%s", openid);
    a->access = strdup(access);
    a->refresh = refresh && *refresh ? strdup(refresh) : NULL;
    a->from_file = from_file;
    a->rank = p->anchor_count++;
    lt_ratelimit_init(&a->rl, p->o.rate_per_user, 1, lt_now_ms());
    a->next = p->anchors;
    p->anchors = a;
    return a->access ? 0 : -1;
}

static int load_tokens(lt_bigo_pull *p, char *err, size_t errlen)
{
    FILE *f = fopen(p->o.tokens_file, "r");
    if (!f) {
        snprintf(err, errlen, "cannot read pull.tokens_file %s", p->o.tokens_file);
        return -1;
    }
    char line[4096];
    int rc = 0, lineno = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        char *save = NULL, *openid = strtok_r(line, " \t\r\n", &save);
        if (!openid || openid[0] == '#')
            continue;
        char *access = strtok_r(NULL, " \t\r\n", &save), *refresh = strtok_r(NULL, " \t\r\n", &save);
        if (add_anchor(p, openid, access, refresh, true)) {
            snprintf(err, errlen, "%s:%d: expected \"openid access_token [refresh_token]\" (once per openid)",
                     p->o.tokens_file, lineno);
            rc = -1;
        }
    }
    fclose(f);
    return rc;
}

/* Only the newest token pair is valid: persist it before using it. */
static void save_tokens(lt_bigo_pull *p)
{
    if (!p->o.tokens_file)
        return;
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", p->o.tokens_file);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        lt_error("bigo pull: cannot write %s: refreshed tokens live in memory only", tmp);
        return;
    }
    chmod(tmp, 0600);
    fprintf(f, "# openid access_token [refresh_token] - rewritten by livetap-bigo after token refreshes\n");
    for (anchor *a = p->anchors; a; a = a->next)
        if (a->from_file)
            fprintf(f, "%s %s%s%s\n", a->openid, a->access, a->refresh ? " " : "", a->refresh ? a->refresh : "");
    if (fclose(f) != 0 || rename(tmp, p->o.tokens_file) != 0)
        lt_error("bigo pull: cannot replace %s: refreshed tokens live in memory only", p->o.tokens_file);
}

/* ------------------------------------------------------------ requests */

static void free_request(request *r)
{
    if (r)
        lt_http_cancel(r->http); /* accepts NULL */
    free(r);
}

static void unlink_request(lt_bigo_pull *p, request *r)
{
    for (request **pp = &p->requests; *pp; pp = &(*pp)->next) {
        if (*pp == r) {
            *pp = r->next;
            return;
        }
    }
}

static void finish(lt_bigo_pull *p, request *r, const lt_http_response *resp);

static void on_answer(void *ctx, const lt_http_response *resp)
{
    request *r = ctx;
    r->http = NULL; /* core/http frees it after this call */
    unlink_request(r->p, r);
    finish(r->p, r, resp);
    free(r);
}

/* Starts a POST of `body` (taken over); Bearer with the anchor's token, or
 * signed when `signed_call`. */
static request *start(lt_bigo_pull *p, req_kind kind, session *s, anchor *a, json_t *body, bool signed_call)
{
    request *r = calloc(1, sizeof *r);
    char *post = body ? json_dumps(body, JSON_COMPACT) : NULL; /* one line: BIGO refuses formatted JSON */
    json_decref(body);
    char err[256], url[2048], auth[3][1200];
    const char *headers[4] = {"Content-Type: application/json", auth[0], auth[1], auth[2]};
    size_t header_count = 2;
    if (!r || !post)
        goto fail;
    r->p = p;
    r->kind = kind;
    r->s = s;
    r->a = a;
    r->token_gen = a ? a->token_gen : 0;
    snprintf(url, sizeof url, "%s%s", p->o.base_url, kind_path[kind]);
    if (signed_call) {
        char sig[1024];
        int64_t now_s = lt_now_ms() / 1000;
        if (!p->signer || lt_bigo_signer_sign(p->signer, post, strlen(post), kind_path[kind], now_s, sig,
                                              sizeof sig, err, sizeof err)) {
            lt_log_every(&p->log_slot, 60000, LT_LOG_WARN, "bigo pull: cannot sign %s: %s", kind_path[kind],
                         p->signer ? err : "no pull.private_key_file");
            goto fail;
        }
        snprintf(auth[0], sizeof auth[0], "bigo-client-id: %.1024s", p->o.client_id ? p->o.client_id : "");
        snprintf(auth[1], sizeof auth[1], "bigo-timestamp: %lld", (long long)now_s);
        snprintf(auth[2], sizeof auth[2], "bigo-oauth-signature: %.1024s", sig);
        header_count = 4;
    } else {
        snprintf(auth[0], sizeof auth[0], "Authorization: Bearer %.1024s", a->access);
    }
    r->http =
        lt_http_post(p->http, url, headers, header_count, post, strlen(post), on_answer, r, err, sizeof err);
    memset(auth, 0, sizeof auth); /* the token is curl's copy now */
    if (!r->http) {
        lt_log_every(&p->log_slot, 10000, LT_LOG_WARN, "bigo pull: %s", err);
        goto fail;
    }
    free(post);
    r->next = p->requests;
    p->requests = r;
    p->b->stats.pull_requests++;
    return r;
fail:
    free(post);
    free(r);
    return NULL;
}

static json_t *session_body(lt_bigo_pull *p, session *s)
{
    char seqid[64];
    snprintf(seqid, sizeof seqid, "lt-%lld-%llu", (long long)lt_now_ms(), (unsigned long long)++p->seq);
    json_t *users = json_array();
    for (size_t i = 0; users && i < s->user_count; i++)
        json_array_append_new(users, json_string(s->users[i]));
    return json_pack("{s:i, s:s, s:s, s:s, s:o?, s:I}", "danmu_type", s->user_count > 1 ? 1 : 0, "seqid", seqid,
                     "game_id", s->game_id, "game_sess", s->game_sess, "game_users", users, "timestamp",
                     (json_int_t)lt_now_ms());
}

/* ------------------------------------------------------------ sessions */

static session *find_session(lt_bigo_pull *p, const char *game_sess)
{
    for (session *s = p->sessions; s; s = s->next)
        if (strcmp(s->game_sess, game_sess) == 0)
            return s;
    return NULL;
}

static session *new_session(lt_bigo_pull *p, const char *game_id, const char *game_sess, anchor *owner, int64_t now)
{
    session *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->p = p;
    snprintf(s->game_id, sizeof s->game_id, "%s", game_id);
    snprintf(s->game_sess, sizeof s->game_sess, "%s", game_sess);
    s->owner = owner;
    s->since_ms = now - (int64_t)p->o.lookback_s * 1000;
    if (s->since_ms < 0)
        s->since_ms = 0;
    s->last_news_ms = now;
    s->next_ms = now;
    lt_backoff_init(&s->backoff, 1000, p->o.backoff_cap_ms, (uint64_t)now ^ (uint64_t)(uintptr_t)s);
    s->next = p->sessions;
    p->sessions = s;
    p->b->stats.pull_sessions++;
    return s;
}

static void add_user(session *s, const char *openid)
{
    for (size_t i = 0; i < s->user_count; i++)
        if (strcmp(s->users[i], openid) == 0)
            return;
    if (s->user_count < sizeof s->users / sizeof s->users[0] && strlen(openid) < LT_BIGO_MAX_ID)
        snprintf(s->users[s->user_count++], LT_BIGO_MAX_ID, "%s", openid);
}

void lt_bigo_pull_note(lt_bigo_pull *p, const lt_bigo_batch *batch, int64_t now)
{
    if (!batch->game_sess[0] || batch->room_count == 0)
        return;
    if (p->b->catalogue && batch->status != 3)
        for (size_t i = 0; i < batch->room_count; i++)
            lt_bigo_catalogue_session(p->b->catalogue, batch->rooms[i], batch->game_sess, now);
    if (!p->o.enabled)
        return; /* here only for the gift catalogue */
    session *s = find_session(p, batch->game_sess);
    if (!s) {
        anchor *owner = NULL;
        for (size_t i = 0; i < batch->room_count && !owner; i++)
            owner = find_anchor(p, batch->rooms[i]);
        if (!owner) {
            lt_log_every(&p->log_slot_token, 600000, LT_LOG_WARN,
                         "bigo pull: no token for any anchor of game_sess %s (e.g. %s): push only", batch->game_sess,
                         batch->rooms[0]);
            return;
        }
        if (batch->status == 3)
            return; /* over before we knew it: the push had it all or BIGO's retries will */
        s = new_session(p, batch->game_id, batch->game_sess, owner, now);
        if (!s)
            return;
        lt_info("bigo pull: following game_sess %s (game_id %s) learned from push", s->game_sess, s->game_id);
    }
    for (size_t i = 0; i < batch->room_count; i++)
        add_user(s, batch->rooms[i]);
    s->last_news_ms = now;
    if (batch->status == 3 && !s->ended) {
        s->ended = true;
        s->next_ms = now; /* drain what is left */
        lt_info("bigo pull: game_sess %s ended (status 3): draining", s->game_sess);
    }
}

static void page_done(void *ctx, lt_bigo_group *g, bool ok, const char *error)
{
    (void)g;
    session *s = ctx;
    int64_t now = lt_now_ms();
    s->busy = false;
    if (!ok) {
        s->next_ms = now + lt_backoff_next(&s->backoff);
        lt_warn("bigo pull: page of game_sess %s not stored (%s): asking again", s->game_sess, error);
        return;
    }
    memcpy(s->context, s->next_context, sizeof s->context);
    lt_backoff_reset(&s->backoff);
    if (s->ended && !s->page_full) {
        s->remove = true;
        return;
    }
    /* a full page means more is waiting: go on at once (the bucket paces it) */
    s->next_ms = s->page_full ? now : now + s->p->o.interval_ms;
}

static void back_off(session *s, int64_t now, const char *what)
{
    int64_t wait = lt_backoff_next(&s->backoff);
    s->next_ms = now + wait;
    lt_log_every(&s->p->log_slot, 10000, LT_LOG_WARN, "bigo pull: game_sess %s: %s; next try in %lld ms",
                 s->game_sess, what, (long long)wait);
}

static void refresh_token(lt_bigo_pull *p, anchor *a, int64_t now)
{
    if (a->refreshing || !a->refresh || !p->signer || now - a->refresh_failed_ms < 60000)
        return;
    json_t *body = json_pack("{s:s, s:s}", "grant_type", "refresh_token", "refresh_token", a->refresh);
    if (start(p, REQ_REFRESH, NULL, a, body, true))
        a->refreshing = true;
}

static void on_refresh(lt_bigo_pull *p, request *r, long status, json_t *j)
{
    anchor *a = r->a;
    a->refreshing = false;
    const char *access = json_string_value(json_object_get(j, "access_token"));
    const char *refresh = json_string_value(json_object_get(j, "refresh_token"));
    if (status != 200 || !access || !*access) {
        a->refresh_failed_ms = lt_now_ms();
        lt_error("bigo pull: token refresh for %s failed (HTTP %ld, %s)", a->openid, status,
                 json_string_value(json_object_get(j, "message")) ? json_string_value(json_object_get(j, "message"))
                                                                  : "no access_token");
        return;
    }
    char *na = strdup(access), *nr = refresh && *refresh ? strdup(refresh) : NULL;
    if (!na || (refresh && *refresh && !nr)) {
        free(na);
        free(nr);
        return;
    }
    free(a->access);
    a->access = na;
    a->token_gen++;
    if (nr) {
        free(a->refresh);
        a->refresh = nr;
    }
    p->b->stats.token_refreshes++;
    save_tokens(p);
    lt_info("bigo pull: token of %s refreshed", a->openid);
    for (session *s = p->sessions; s; s = s->next)
        if (s->owner == a && !s->busy)
            s->next_ms = lt_now_ms();
}

static void on_pull(lt_bigo_pull *p, request *r, long status, json_t *j)
{
    session *s = r->s;
    int64_t now = lt_now_ms();
    lt_bigo *b = p->b;
    s->busy = false;
    if (status == 401) {
        b->stats.pull_errors++;
        if (r->token_gen == s->owner->token_gen) /* not if a refresh already replaced it */
            refresh_token(p, s->owner, now);
        back_off(s, now, "token refused (HTTP 401)");
        return;
    }
    if (status == 408) {
        b->stats.pull_rate_limited++;
        back_off(s, now, "rate limited (HTTP 408)");
        return;
    }
    json_int_t rescode = json_integer_value(json_object_get(j, "rescode"));
    if (status != 200 || !j || rescode != 200) {
        const char *msg = json_string_value(json_object_get(j, "message"));
        if (!msg)
            msg = json_string_value(json_object_get(j, "messge")); /* spelled so before 2025-12 */
        char what[300];
        snprintf(what, sizeof what, "HTTP %ld, rescode %lld (%s)", status, (long long)rescode, msg ? msg : "");
        if (rescode == 401)
            b->stats.pull_rate_limited++;
        else
            b->stats.pull_errors++;
        if (rescode == 300 && ++s->not_live >= NOT_LIVE_LIMIT) {
            lt_info("bigo pull: game_sess %s: not live (%s): stopped following it", s->game_sess, what);
            s->remove = true;
            return;
        }
        back_off(s, now, what);
        return;
    }
    s->not_live = 0;
    lt_bigo_batch page;
    memset(&page, 0, sizeof page);
    snprintf(page.game_id, sizeof page.game_id, "%s", s->game_id);
    snprintf(page.game_sess, sizeof page.game_sess, "%s", s->game_sess);
    char err[256];
    if (lt_bigo_danmu_parse(json_object_get(j, "danmu_data"), b->opts.max_items, &page, err, sizeof err)) {
        lt_bigo_batch_clear(&page);
        b->stats.pull_errors++;
        back_off(s, now, err);
        return;
    }
    const char *ctx = json_string_value(json_object_get(j, "context"));
    snprintf(s->next_context, sizeof s->next_context, "%s", ctx && *ctx ? ctx : s->context);
    s->page_full = page.item_count >= (size_t)p->o.batch || page.truncated;
    b->stats.pull_pages++;
    b->stats.pull_items += page.item_count;
    if (page.item_count)
        s->last_news_ms = now;
    lt_bigo_group *g = lt_bigo_group_create(b->ledger, page_done, s);
    if (!g) {
        lt_bigo_batch_clear(&page);
        back_off(s, now, "out of memory");
        return;
    }
    s->busy = true;
    lt_bigo_publish_batch(b, &page, g, now, false);
    lt_bigo_batch_clear(&page);
    lt_bigo_group_seal(g); /* may complete at once: page_done runs */
}

static void on_enable(lt_bigo_pull *p, request *r, long status, json_t *j)
{
    session *s = r->s;
    int64_t now = lt_now_ms();
    s->busy = false;
    if (status == 200 && json_integer_value(json_object_get(j, "rescode")) == 200) {
        const char *sess = json_string_value(json_object_get(j, "game_sess"));
        if (sess && *sess && strlen(sess) < sizeof s->game_sess)
            snprintf(s->game_sess, sizeof s->game_sess, "%s", sess);
        s->enabled = true;
        s->next_ms = now;
        s->next_ping_ms = now + (int64_t)p->o.ping_interval_s * 1000;
        lt_info("bigo pull: danmu enabled for %s, game_sess %s", s->users[0], s->game_sess);
        if (p->b->catalogue)
            lt_bigo_catalogue_session(p->b->catalogue, s->users[0], s->game_sess, now);
        return;
    }
    if (status == 401)
        refresh_token(p, s->owner, now);
    back_off(s, now, "enable_danmu refused");
}

static void finish(lt_bigo_pull *p, request *r, const lt_http_response *resp)
{
    long status = resp->status;
    json_t *j = NULL;
    if (!resp->error && resp->body_len)
        j = json_loadb((const char *)resp->body, resp->body_len, JSON_ALLOW_NUL, NULL); /* as envelope.c */
    if (resp->error && r->kind != REQ_GIFTS) { /* the catalogue counts its own */
        p->b->stats.pull_errors++;
        lt_log_every(&p->log_slot, 10000, LT_LOG_WARN, "bigo pull: %s: %s", kind_path[r->kind], resp->error);
    }
    switch (r->kind) {
    case REQ_PULL:
        on_pull(p, r, status, j);
        break;
    case REQ_ENABLE:
        on_enable(p, r, status, j);
        break;
    case REQ_REFRESH:
        on_refresh(p, r, status, j);
        break;
    case REQ_PING:
        if (status != 200 || json_integer_value(json_object_get(j, "rescode")) != 200)
            lt_log_every(&p->log_slot, 10000, LT_LOG_WARN, "bigo pull: ping of game_sess %s refused (HTTP %ld)",
                         r->s->game_sess, status);
        break;
    case REQ_DISABLE:
        r->s->enabled = false;
        break;
    case REQ_GIFTS:
        if (status == 401 && r->token_gen == r->a->token_gen)
            refresh_token(p, r->a, lt_now_ms());
        r->done(r->done_ctx, status, (const char *)resp->body, resp->body_len, resp->error);
        break;
    }
    json_decref(j);
}

static void remove_session(lt_bigo_pull *p, session *s)
{
    for (session **pp = &p->sessions; *pp; pp = &(*pp)->next) {
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    }
    for (request *r = p->requests; r; r = r->next)
        if (r->s == s)
            r->s = NULL; /* cannot happen while busy; belt and braces */
    free(s);
}

static void run_session(lt_bigo_pull *p, session *s, int64_t now)
{
    if (s->owned && s->enabled && now >= s->next_ping_ms) {
        json_t *body = session_body(p, s);
        if (body) {
            json_object_set_new(body, "danmu_type", json_integer(0));
            json_object_set_new(body, "pk_type", json_integer(0));
            json_object_set_new(body, "pk_bigo_sess", json_string(""));
            json_object_set_new(body, "game_duration", json_integer(p->o.game_duration_s));
            json_object_set_new(body, "start_time", json_integer(s->since_ms / 1000));
        }
        if (start(p, REQ_PING, s, s->owner, body, true))
            p->b->stats.ping_calls++;
        s->next_ping_ms = now + (int64_t)p->o.ping_interval_s * 1000;
    }
    if (s->busy || now < s->next_ms)
        return;
    if (lt_ratelimit_acquire(&s->owner->rl, now) != 0)
        return;
    json_t *body = session_body(p, s);
    if (!body)
        return;
    if (s->owned && !s->enabled) {
        json_object_set_new(body, "pk_type", json_integer(0));
        json_object_set_new(body, "pk_bigo_sess", json_string(""));
        json_object_set_new(body, "game_duration", json_integer(p->o.game_duration_s));
        if (start(p, REQ_ENABLE, s, s->owner, body, false)) {
            s->busy = true;
            p->b->stats.enable_calls++;
        }
        return;
    }
    json_object_set_new(body, "timestamp", json_integer(s->since_ms));
    json_object_set_new(body, "batch", json_integer(p->o.batch));
    json_object_set_new(body, "context", json_string(s->context));
    if (start(p, REQ_PULL, s, s->owner, body, false))
        s->busy = true;
    else
        s->next_ms = now + lt_backoff_next(&s->backoff);
}

int lt_bigo_pull_tick(lt_bigo_pull *p, int64_t now)
{
    if (p->closing)
        return 100;
    for (session *s = p->sessions, *next; s; s = next) {
        next = s->next;
        if (!s->busy && (s->remove || (!s->owned && now - s->last_news_ms > (int64_t)p->o.session_idle_s * 1000))) {
            lt_info("bigo pull: done with game_sess %s", s->game_sess);
            remove_session(p, s);
            continue;
        }
        run_session(p, s, now);
    }
    return p->requests ? 10 : 100;
}

/* ------------------------------------------------------------ other callers */

int lt_bigo_pull_call_gift_list(lt_bigo_pull *p, const char *openid, json_t *body, lt_bigo_pull_call_fn done,
                                void *ctx)
{
    anchor *a = find_anchor(p, openid);
    if (!a) {
        json_decref(body);
        return -1;
    }
    request *r = start(p, REQ_GIFTS, NULL, a, body, false);
    if (!r)
        return -1;
    r->done = done;
    r->done_ctx = ctx;
    return 0;
}

size_t lt_bigo_pull_anchor_count(const lt_bigo_pull *p)
{
    return p->anchor_count;
}

const char *lt_bigo_pull_anchor(const lt_bigo_pull *p, size_t rank)
{
    for (const anchor *a = p->anchors; a; a = a->next)
        if (a->rank == rank)
            return a->openid;
    return NULL;
}

/* ------------------------------------------------------------ life cycle */

lt_bigo_pull *lt_bigo_pull_create(lt_bigo *b, const lt_bigo_pull_options *o, char *err, size_t errlen)
{
    lt_bigo_pull *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->b = b;
    p->o = *o;
    if (!p->o.base_url || !*p->o.base_url)
        p->o.base_url = "https://oauth.bigolive.tv";
    if (p->o.interval_ms <= 0)
        p->o.interval_ms = 2000;
    if (p->o.batch <= 0 || p->o.batch > 1000)
        p->o.batch = 100;
    if (p->o.rate_per_user <= 0)
        p->o.rate_per_user = 5;
    if (p->o.backoff_cap_ms <= 0)
        p->o.backoff_cap_ms = 60000;
    if (p->o.lookback_s <= 0)
        p->o.lookback_s = 3600;
    if (p->o.session_idle_s <= 0)
        p->o.session_idle_s = 3600;
    if (p->o.timeout_ms <= 0)
        p->o.timeout_ms = 10000;
    if (p->o.game_duration_s <= 0)
        p->o.game_duration_s = 3600;
    if (p->o.ping_interval_s <= 0)
        p->o.ping_interval_s = 30;
    p->o.tokens = NULL; /* copied below; the caller's array need not outlive us */
    lt_http_options ho = {
        .user_agent = "livetap-bigo/" LT_VERSION,
        .ca_file = p->o.ca_file,
        .insecure = p->o.insecure_tls,
        .timeout_ms = p->o.timeout_ms,
        .max_body = MAX_BODY,
    };
    if (!(p->http = lt_http_create(b->lws, b->vhost, &ho, err, errlen)))
        goto fail;
    for (size_t i = 0; i < o->token_count; i++) {
        if (add_anchor(p, o->tokens[i].openid, o->tokens[i].access_token, o->tokens[i].refresh_token, false)) {
            snprintf(err, errlen, "pull.tokens: bad or repeated entry for openid \"%s\"", o->tokens[i].openid);
            goto fail;
        }
    }
    if (p->o.tokens_file && load_tokens(p, err, errlen))
        goto fail;
    if (!p->anchors) {
        snprintf(err, errlen, "%s but no anchor token is configured (pull.tokens or pull.tokens_file)",
                 o->enabled ? "pull is enabled" : "pull.gift_catalogue is on");
        goto fail;
    }
    if (p->o.private_key_file && !(p->signer = lt_bigo_signer_load(p->o.private_key_file, err, errlen)))
        goto fail;
    if (!p->signer && o->enabled)
        lt_warn("bigo pull: no pull.private_key_file: no /broom/ping for mounted sessions and no token refresh");
    if (o->room_count && (!o->game_id || !*o->game_id)) {
        snprintf(err, errlen, "pull.rooms needs pull.game_id");
        goto fail;
    }
    int64_t now = lt_now_ms();
    for (size_t i = 0; o->enabled && i < o->room_count; i++) {
        anchor *a = find_anchor(p, o->rooms[i]);
        if (!a) {
            snprintf(err, errlen, "pull.rooms: no token for %s", o->rooms[i]);
            goto fail;
        }
        unsigned char rnd[6];
        char sess[64];
        if (RAND_bytes(rnd, sizeof rnd) != 1) {
            snprintf(err, errlen, "no randomness for a game_sess");
            goto fail;
        }
        snprintf(sess, sizeof sess, "lt%lld%02x%02x%02x%02x%02x%02x", (long long)now, rnd[0], rnd[1], rnd[2], rnd[3],
                 rnd[4], rnd[5]);
        session *s = new_session(p, o->game_id, sess, a, now);
        if (!s) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        s->since_ms = now;
        s->owned = true;
        add_user(s, o->rooms[i]);
    }
    return p;
fail:
    lt_bigo_pull_destroy(p);
    return NULL;
}

void lt_bigo_pull_shutdown(lt_bigo_pull *p, int timeout_ms)
{
    int64_t until = lt_now_ms() + timeout_ms;
    bool any = false;
    p->closing = true;
    for (session *s = p->sessions; s; s = s->next) {
        if (!s->owned || !s->enabled)
            continue;
        json_t *body = session_body(p, s);
        if (body)
            json_object_set_new(body, "reason", json_integer(2)); /* 2 = user exit */
        if (start(p, REQ_DISABLE, s, s->owner, body, false)) {
            p->b->stats.disable_calls++;
            any = true;
        }
    }
    while (any && p->requests && lt_now_ms() < until)
        lws_service(p->b->lws, 0);
}

void lt_bigo_pull_destroy(lt_bigo_pull *p)
{
    if (!p)
        return;
    while (p->requests) {
        request *r = p->requests;
        p->requests = r->next;
        free_request(r);
    }
    while (p->sessions) {
        session *s = p->sessions;
        p->sessions = s->next;
        free(s);
    }
    while (p->anchors) {
        anchor *a = p->anchors;
        p->anchors = a->next;
        if (a->access)
            memset(a->access, 0, strlen(a->access));
        if (a->refresh)
            memset(a->refresh, 0, strlen(a->refresh));
        free(a->access);
        free(a->refresh);
        free(a);
    }
    lt_http_destroy(p->http); /* after the requests: they were its */
    lt_bigo_signer_free(p->signer);
    free(p);
}
