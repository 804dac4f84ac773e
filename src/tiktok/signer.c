/* signer.c - Euler-compatible /webcast/fetch client with process-wide
 * pacing (see signer.h).
 *
 * Calls queue FIFO; pump() starts the head whenever the bucket has a token,
 * no account-wide 429 hold is active and fewer than MAX_IN_FLIGHT calls are
 * running, otherwise it arms one lws timer for the earliest moment anything
 * can change. Nothing blocks the loop.
 */
#include "tiktok/signer.h"

#include <ctype.h>
#include <curl/curl.h>
#include <jansson.h>
#include <libwebsockets.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/event.h"
#include "core/log.h"
#include "core/ratelimit.h"
#include "tiktok/room.h"

#define DEFAULT_SIGN_URL "https://api.eulerstream.com"
#define MAX_IN_FLIGHT 8
#define DEFAULT_RETRY_MS 60000
#define MAX_RETRY_MS (24 * 3600 * 1000LL) /* a day-window limit resets within a day */

struct lt_tiktok_sign_call {
    lt_tiktok_signer *signer;
    char room_id[LT_ROOM_ID_MAX + 1];
    lt_tiktok_sign_cb cb;
    void *ctx;
    lt_http_request *req; /* NULL while queued */
    lt_tiktok_sign_call *prev, *next;
};

typedef struct call_list {
    lt_tiktok_sign_call *head, *tail;
    size_t count;
} call_list;

struct lt_tiktok_signer {
    struct lws_context *lws;
    lt_http *http;
    char *base;
    char *api_key_header; /* "x-api-key: ..." or NULL */
    char *client;
    char *user_agent_enc; /* URL-encoded */
    double configured_rate;
    lt_ratelimit bucket;
    int64_t hold_until_ms; /* account-wide 429, or waiting for /rate_limits */
    bool limits_pending;
    lt_http_request *limits_req;
    call_list queued;
    call_list running;
    lws_sorted_usec_list_t timer;
};

static void pump(lt_tiktok_signer *s);

/* --- lists --- */

static void list_push(call_list *l, lt_tiktok_sign_call *c)
{
    c->prev = l->tail;
    c->next = NULL;
    if (l->tail)
        l->tail->next = c;
    else
        l->head = c;
    l->tail = c;
    l->count++;
}

static void list_remove(call_list *l, lt_tiktok_sign_call *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        l->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        l->tail = c->prev;
    c->prev = c->next = NULL;
    l->count--;
}

/* --- pure helpers --- */

static char *url_encode(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(3 * n + 1);
    if (!out)
        return NULL;
    char *o = out;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            *o++ = (char)*p;
        } else {
            sprintf(o, "%%%02X", *p);
            o += 3;
        }
    }
    *o = '\0';
    return out;
}

static bool is_cookie_attribute(const char *name, size_t n)
{
    static const char *const attrs[] = {"path",     "domain",   "expires",  "max-age",    "secure",
                                        "httponly", "samesite", "priority", "partitioned"};
    for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++)
        if (strlen(attrs[i]) == n && strncasecmp(name, attrs[i], n) == 0)
            return true;
    return false;
}

int lt_tiktok_cookie_header(const char *set_tt_cookie, char *out, size_t outlen)
{
    size_t used = 0;
    bool has_idc = false;
    int pairs = 0;
    if (outlen == 0)
        return -1;
    out[0] = '\0';
    const char *p = set_tt_cookie ? set_tt_cookie : "";
    while (*p) {
        /* one item ends at ';', ',' (several Set-Cookie values joined) or a newline;
         * a ',' inside an Expires date is harmless: its pieces are attributes
         * or have no '=' */
        while (*p == ' ' || *p == '\t' || *p == ';' || *p == ',' || *p == '\r' || *p == '\n')
            p++;
        size_t n = strcspn(p, ";,\r\n");
        const char *eq = memchr(p, '=', n);
        if (eq && eq > p) {
            size_t name_len = (size_t)(eq - p);
            while (name_len > 0 && isspace((unsigned char)p[name_len - 1]))
                name_len--;
            bool valid = name_len > 0;
            for (size_t i = 0; i < name_len; i++)
                if (!(isalnum((unsigned char)p[i]) || p[i] == '_' || p[i] == '-' || p[i] == '.'))
                    valid = false;
            if (valid && !is_cookie_attribute(p, name_len)) {
                size_t value_len = n - (size_t)(eq + 1 - p);
                const char *value = eq + 1;
                while (value_len > 0 && isspace((unsigned char)value[value_len - 1]))
                    value_len--;
                int w = snprintf(out + used, outlen - used, "%s%.*s=%.*s", pairs ? "; " : "", (int)name_len,
                                 p, (int)value_len, value);
                if (w < 0 || (size_t)w >= outlen - used)
                    return -1;
                used += (size_t)w;
                pairs++;
                if (name_len == 13 && strncmp(p, "tt-target-idc", 13) == 0)
                    has_idc = true;
            }
        }
        p += n;
    }
    if (pairs == 0)
        return -1;
    if (!has_idc) {
        /* the default data centre every web client sends (docs/protocol/webcast.md §4.2) */
        int w = snprintf(out + used, outlen - used, "; tt-target-idc=useast1a");
        if (w < 0 || (size_t)w >= outlen - used)
            return -1;
    }
    return 0;
}

/* A reset/retry header value: delta seconds, epoch seconds or epoch ms;
 * -1 if it is none of them (not a finite number, or negative). */
static int64_t reset_value_to_epoch_ms(const char *v, int64_t now_ms)
{
    char *end;
    double x = strtod(v, &end);
    if (end == v || !isfinite(x) || x < 0)
        return -1;
    /* past MAX_RETRY_MS the caller caps it: no conversion may overflow */
    double cap = (double)now_ms + 2.0 * MAX_RETRY_MS;
    if (x > 1e12)
        return (int64_t)fmin(x, cap);
    if (x > 1e9)
        return (int64_t)fmin(x * 1000.0, cap);
    return (int64_t)fmin((double)now_ms + x * 1000.0, cap);
}

/* What a server said, never later than MAX_RETRY_MS from now: a hostile or
 * broken answer (a reset in the year 33000) would otherwise hold every room. */
static int64_t capped(int64_t t, int64_t now_ms)
{
    return t > now_ms + MAX_RETRY_MS ? now_ms + MAX_RETRY_MS : t;
}

int64_t lt_tiktok_retry_at(const char *headers, size_t headers_len, int64_t now_ms)
{
    lt_http_response resp = {0};
    resp.headers = headers;
    resp.headers_len = headers_len;
    char v[128];
    if (lt_http_header(&resp, "Retry-After", v, sizeof v) > 0) {
        int64_t t = reset_value_to_epoch_ms(v, now_ms);
        if (t < 0) {
            time_t date = curl_getdate(v, NULL); /* the HTTP-date form */
            if (date > 0)
                t = (int64_t)date * 1000;
        }
        if (t >= 0)
            return capped(t, now_ms);
    }
    static const char *const names[] = {"RateLimit-Reset", "X-RateLimit-Reset"};
    for (size_t i = 0; i < 2; i++) {
        if (lt_http_header(&resp, names[i], v, sizeof v) > 0) {
            int64_t t = reset_value_to_epoch_ms(v, now_ms);
            if (t >= 0)
                return capped(t, now_ms);
        }
    }
    return now_ms + DEFAULT_RETRY_MS;
}

int lt_tiktok_parse_rate_limits(const char *body, size_t len, double *per_second, double *burst)
{
    json_t *root = json_loadb(body, len, 0, NULL);
    if (!json_is_object(root)) {
        json_decref(root);
        return -1;
    }
    static const struct {
        const char *key;
        double seconds;
    } windows[] = {{"minute", 60}, {"hour", 3600}, {"day", 86400}};
    double rate = -1, b = -1;
    for (size_t i = 0; i < 3; i++) {
        json_t *max = json_object_get(json_object_get(root, windows[i].key), "max");
        if (!json_is_integer(max) || json_integer_value(max) <= 0)
            continue;
        double m = (double)json_integer_value(max);
        double r = m / windows[i].seconds;
        if (rate < 0 || r < rate)
            rate = r;
        if (b < 0 || m < b)
            b = m;
    }
    json_decref(root);
    if (rate <= 0)
        return -1;
    *per_second = rate;
    /* a window's whole quota may go at once, but never more than a minute's */
    *burst = b < 1 ? 1 : b;
    return 0;
}

/* --- the queue --- */

static void on_timer(lws_sorted_usec_list_t *sul)
{
    lt_tiktok_signer *s = lws_container_of(sul, lt_tiktok_signer, timer);
    pump(s);
}

static void arm(lt_tiktok_signer *s, int64_t wait_ms)
{
    if (wait_ms < 1)
        wait_ms = 1;
    lws_sul_schedule(s->lws, 0, &s->timer, on_timer, (lws_usec_t)wait_ms * LWS_US_PER_MS);
}

static void copy_header(const lt_http_response *resp, const char *name, char *out, size_t outlen)
{
    if (lt_http_header(resp, name, out, outlen) < 0)
        out[0] = '\0';
}

static void on_fetch_done(void *ctx, const lt_http_response *resp)
{
    lt_tiktok_sign_call *c = ctx;
    lt_tiktok_signer *s = c->signer;
    list_remove(&s->running, c);
    c->req = NULL;

    lt_tiktok_sign_result res;
    memset(&res, 0, sizeof res);
    res.http_status = resp->status;
    snprintf(res.room_id, sizeof res.room_id, "%s", c->room_id);
    char cookies[4096];
    char raw_cookie[4096];

    if (resp->error) {
        res.status = LT_TIKTOK_SIGN_FAILED;
        snprintf(res.message, sizeof res.message, "sign server: %s", resp->error);
    } else {
        copy_header(resp, "X-Request-Id", res.request_id, sizeof res.request_id);
        if (!res.request_id[0])
            copy_header(resp, "x-log-id", res.request_id, sizeof res.request_id);
        if (resp->status == 200) {
            char rid[32];
            if (lt_http_header(resp, "X-Room-Id", rid, sizeof rid) > 0 && lt_tiktok_room_id_valid(rid))
                snprintf(res.room_id, sizeof res.room_id, "%s", rid);
            if (resp->body_len == 0) {
                res.status = LT_TIKTOK_SIGN_EMPTY_PAYLOAD;
                snprintf(res.message, sizeof res.message,
                         "sign server returned an empty fetch result (detected or blocked?)");
            } else if (lt_http_header(resp, "X-Set-TT-Cookie", raw_cookie, sizeof raw_cookie) <= 0 ||
                       lt_tiktok_cookie_header(raw_cookie, cookies, sizeof cookies) != 0) {
                res.status = LT_TIKTOK_SIGN_EMPTY_COOKIES;
                snprintf(res.message, sizeof res.message, "sign server sent no X-Set-TT-Cookie");
            } else {
                res.status = LT_TIKTOK_SIGN_OK;
                res.body = resp->body;
                res.body_len = resp->body_len;
                res.cookie_header = cookies;
            }
        } else {
            /* the error bodies are JSON {"message", "limit_label"} */
            json_t *root = json_loadb((const char *)resp->body, resp->body_len, 0, NULL);
            json_t *m = json_object_get(root, "message");
            json_t *label = json_object_get(root, "limit_label");
            snprintf(res.message, sizeof res.message, "sign server HTTP %ld%s%s", resp->status,
                     json_is_string(m) ? ": " : "", json_is_string(m) ? json_string_value(m) : "");
            if (json_is_string(label))
                snprintf(res.limit_label, sizeof res.limit_label, "%s", json_string_value(label));
            json_decref(root);
            if (resp->status == 429) {
                res.status = LT_TIKTOK_SIGN_RATE_LIMITED;
                res.retry_at_ms = lt_tiktok_retry_at(resp->headers, resp->headers_len, lt_now_ms());
                /* a limit that is not about this room holds everyone back */
                if (!strstr(res.limit_label, "room") && res.retry_at_ms > s->hold_until_ms)
                    s->hold_until_ms = res.retry_at_ms;
            } else if (resp->status == 401 || resp->status == 402 || resp->status == 403) {
                res.status = LT_TIKTOK_SIGN_UNAUTHORIZED;
            } else {
                res.status = LT_TIKTOK_SIGN_FAILED;
            }
        }
    }
    lt_tiktok_sign_cb cb = c->cb;
    void *cb_ctx = c->ctx;
    free(c);
    cb(cb_ctx, &res);
    pump(s);
}

static int start_call(lt_tiktok_signer *s, lt_tiktok_sign_call *c)
{
    char url[2048];
    int n = snprintf(url, sizeof url, "%s/webcast/fetch?client=%s&room_id=%s&user_agent=%s&client_enter=true",
                     s->base, s->client, c->room_id, s->user_agent_enc);
    if (n < 0 || (size_t)n >= sizeof url)
        return -1;
    const char *headers[2];
    size_t count = 0;
    if (s->api_key_header)
        headers[count++] = s->api_key_header;
    headers[count++] = "Accept: application/x-protobuf, application/json";
    char err[256];
    c->req = lt_http_get(s->http, url, headers, count, on_fetch_done, c, err, sizeof err);
    return c->req ? 0 : -1;
}

static void pump(lt_tiktok_signer *s)
{
    while (s->queued.head && s->running.count < MAX_IN_FLIGHT) {
        int64_t now = lt_now_ms();
        if (s->limits_pending)
            return; /* resumed when /rate_limits answers */
        if (now < s->hold_until_ms) {
            arm(s, s->hold_until_ms - now);
            return;
        }
        int64_t wait = lt_ratelimit_acquire(&s->bucket, now);
        if (wait > 0) {
            arm(s, wait);
            return;
        }
        lt_tiktok_sign_call *c = s->queued.head;
        list_remove(&s->queued, c);
        if (start_call(s, c) != 0) {
            lt_tiktok_sign_result res;
            memset(&res, 0, sizeof res);
            res.status = LT_TIKTOK_SIGN_FAILED;
            snprintf(res.room_id, sizeof res.room_id, "%s", c->room_id);
            snprintf(res.message, sizeof res.message, "could not start the sign request");
            lt_tiktok_sign_cb cb = c->cb;
            void *ctx = c->ctx;
            free(c);
            cb(ctx, &res);
            continue;
        }
        list_push(&s->running, c);
    }
}

static void on_limits_done(void *ctx, const lt_http_response *resp)
{
    lt_tiktok_signer *s = ctx;
    s->limits_req = NULL;
    s->limits_pending = false;
    double rate, burst;
    if (!resp->error && resp->status == 200 &&
        lt_tiktok_parse_rate_limits((const char *)resp->body, resp->body_len, &rate, &burst) == 0) {
        if (s->configured_rate <= 0 || rate < s->configured_rate) {
            lt_ratelimit_set_rate(&s->bucket, rate, burst, lt_now_ms());
            lt_info("sign server limits: pacing sign calls at %.3f/s (burst %.0f)", rate, burst);
        }
    } else {
        lt_warn("sign server /webcast/rate_limits unusable (%s); keeping %.3f/s",
                resp->error ? resp->error : "unexpected answer", s->configured_rate);
    }
    pump(s);
}

/* --- public --- */

lt_tiktok_signer *lt_tiktok_signer_create(struct lws_context *lws, lt_http *http,
                                          const lt_tiktok_signer_options *opts, char *err, size_t errlen)
{
    lt_tiktok_signer_options o = {0};
    if (opts)
        o = *opts;
    lt_tiktok_signer *s = calloc(1, sizeof(*s));
    if (!s)
        goto oom;
    s->lws = lws;
    s->http = http;
    const char *base = o.sign_url && *o.sign_url ? o.sign_url : DEFAULT_SIGN_URL;
    s->base = strdup(base);
    if (!s->base)
        goto oom;
    size_t bl = strlen(s->base);
    while (bl > 0 && s->base[bl - 1] == '/')
        s->base[--bl] = '\0';
    s->client = url_encode(o.client && *o.client ? o.client : "livetap");
    s->user_agent_enc = url_encode(o.user_agent ? o.user_agent : lt_http_default_user_agent);
    if (!s->client || !s->user_agent_enc)
        goto oom;
    if (o.api_key && *o.api_key) {
        size_t n = strlen(o.api_key) + 16;
        s->api_key_header = malloc(n);
        if (!s->api_key_header)
            goto oom;
        snprintf(s->api_key_header, n, "x-api-key: %s", o.api_key);
    }
    s->configured_rate = o.rate_per_second;
    lt_ratelimit_init(&s->bucket, o.rate_per_second, o.burst, lt_now_ms());
    if (o.read_rate_limits) {
        char url[2048];
        snprintf(url, sizeof url, "%s/webcast/rate_limits", s->base);
        const char *headers[1];
        size_t count = 0;
        if (s->api_key_header)
            headers[count++] = s->api_key_header;
        s->limits_req = lt_http_get(http, url, headers, count, on_limits_done, s, err, errlen);
        s->limits_pending = s->limits_req != NULL;
    }
    return s;
oom:
    snprintf(err, errlen, "out of memory creating the signer");
    lt_tiktok_signer_destroy(s);
    return NULL;
}

void lt_tiktok_signer_destroy(lt_tiktok_signer *s)
{
    if (!s)
        return;
    if (s->lws)
        lws_sul_cancel(&s->timer);
    lt_http_cancel(s->limits_req);
    while (s->queued.head) {
        lt_tiktok_sign_call *c = s->queued.head;
        list_remove(&s->queued, c);
        free(c);
    }
    while (s->running.head) {
        lt_tiktok_sign_call *c = s->running.head;
        list_remove(&s->running, c);
        lt_http_cancel(c->req);
        free(c);
    }
    free(s->base);
    free(s->client);
    free(s->user_agent_enc);
    free(s->api_key_header);
    free(s);
}

lt_tiktok_sign_call *lt_tiktok_signer_fetch(lt_tiktok_signer *s, const char *room_id, lt_tiktok_sign_cb cb,
                                            void *ctx, char *err, size_t errlen)
{
    if (!room_id || strlen(room_id) >= sizeof(((lt_tiktok_sign_call *)0)->room_id)) {
        snprintf(err, errlen, "bad room id");
        return NULL;
    }
    lt_tiktok_sign_call *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->signer = s;
    snprintf(c->room_id, sizeof c->room_id, "%s", room_id);
    c->cb = cb;
    c->ctx = ctx;
    list_push(&s->queued, c);
    /* start from the loop, so cb never runs inside this call */
    arm(s, 0);
    return c;
}

void lt_tiktok_signer_cancel(lt_tiktok_sign_call *c)
{
    if (!c)
        return;
    lt_tiktok_signer *s = c->signer;
    if (c->req) {
        list_remove(&s->running, c);
        lt_http_cancel(c->req);
    } else {
        list_remove(&s->queued, c);
    }
    free(c);
}

double lt_tiktok_signer_rate(const lt_tiktok_signer *s)
{
    return s->bucket.rate_per_ms * 1000.0;
}

size_t lt_tiktok_signer_queued(const lt_tiktok_signer *s)
{
    return s->queued.count;
}
