/* http.c - libcurl multi inside the lws event loop (see http.h).
 *
 * Socket life cycle: curl's socket callback asks to watch socket s for IN,
 * OUT or both. The first time, s is dup()ed and the copy adopted into lws as
 * a raw file descriptor carrying a `watch` record; POLLIN interest follows
 * curl's wish through lws_rx_flow_control() (a level-triggered POLLIN nobody
 * reads would otherwise spin the loop), POLLOUT through
 * lws_callback_on_writable() re-armed after each write chance while curl
 * still wants it. CURL_POLL_REMOVE detaches the record and asks lws to close
 * the copy asynchronously: curl may close s at once, the copy keeps the
 * kernel socket alive until lws lets go of it one service later.
 */
#include "core/http.h"

#include <curl/curl.h>
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/log.h"

const char lt_http_default_user_agent[] =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36";

#define MAX_HEADER_BYTES (64 * 1024)

struct lt_http {
    struct lws_context *lws;
    struct lws_vhost *vhost;
    CURLM *multi;
    lws_sorted_usec_list_t timer;
    lt_http_options opts;
    char *user_agent;
    char *proxy;
    char *ca_file;
    lt_http_request *requests; /* doubly linked, for destroy */
    size_t pending;
    bool in_dispatch;
};

struct lt_http_request {
    lt_http *h;
    CURL *easy;
    struct curl_slist *header_list;
    lt_buf body;
    lt_buf headers;
    bool too_large;
    lt_http_done_fn done;
    void *ctx;
    lt_http_request *prev, *next;
};

/* One watched curl socket. */
typedef struct watch {
    lt_http *h;
    curl_socket_t s;
    struct lws *wsi; /* NULL once lws has closed our copy */
    int what;        /* CURL_POLL_IN / OUT / INOUT */
} watch;

static void check_done(lt_http *h);

/* --- lws side -------------------------------------------------------- */

static void drive(lt_http *h, curl_socket_t s, int flags)
{
    int running = 0;
    curl_multi_socket_action(h->multi, s, flags, &running);
    check_done(h);
}

static int http_lws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                             void *in, size_t len)
{
    watch *w = lws_get_opaque_user_data(wsi);

    switch (reason) {
    case LWS_CALLBACK_RAW_RX_FILE:
        if (!w)
            return -1; /* curl is done with it: let lws close our copy */
        drive(w->h, w->s, CURL_CSELECT_IN);
        return 0;
    case LWS_CALLBACK_RAW_WRITEABLE_FILE:
        if (!w)
            return -1;
        {
            lt_http *h = w->h;
            curl_socket_t s = w->s;
            drive(h, s, CURL_CSELECT_OUT);
            /* the record may be gone now; re-arm only if curl still wants OUT */
            w = lws_get_opaque_user_data(wsi);
            if (w && (w->what & CURL_POLL_OUT))
                lws_callback_on_writable(wsi);
        }
        return 0;
    case LWS_CALLBACK_RAW_CLOSE_FILE:
        if (w) {
            /* lws saw a hangup before curl did: tell curl, keep the record
             * for curl's REMOVE */
            w->wsi = NULL;
            lws_set_opaque_user_data(wsi, NULL);
            drive(w->h, w->s, CURL_CSELECT_ERR);
        }
        return 0;
    default:
        return 0;
    }
}

const struct lws_protocols lt_http_lws_protocol = {
    "lt-http", http_lws_callback, 0, 0, 0, NULL, 0,
};

/* --- curl side ------------------------------------------------------- */

static void release_wsi(watch *w)
{
    if (!w->wsi)
        return;
    lws_set_opaque_user_data(w->wsi, NULL);
    lws_rx_flow_control(w->wsi, 0);
    lws_set_timeout(w->wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
    w->wsi = NULL;
}

static int on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    lt_http *h = userp;
    watch *w = socketp;

    if (what == CURL_POLL_REMOVE) {
        if (w) {
            release_wsi(w);
            curl_multi_assign(h->multi, s, NULL);
            free(w);
        }
        return 0;
    }
    if (!w) {
        w = calloc(1, sizeof(*w));
        if (!w)
            return -1;
        w->h = h;
        w->s = s;
        int copy = dup(s);
        if (copy < 0) {
            free(w);
            return -1;
        }
        lws_sock_file_fd_type fd;
        fd.filefd = copy;
        w->wsi = lws_adopt_descriptor_vhost(h->vhost, LWS_ADOPT_RAW_FILE_DESC, fd, "lt-http", NULL);
        if (!w->wsi) {
            /* lws closes the descriptor when adoption fails */
            free(w);
            return -1;
        }
        lws_set_opaque_user_data(w->wsi, w);
        curl_multi_assign(h->multi, s, w);
    }
    w->what = what;
    if (w->wsi) {
        lws_rx_flow_control(w->wsi, (what & CURL_POLL_IN) ? 1 : 0);
        if (what & CURL_POLL_OUT)
            lws_callback_on_writable(w->wsi);
    }
    return 0;
}

static void on_timer_fired(lws_sorted_usec_list_t *sul)
{
    lt_http *h = lws_container_of(sul, lt_http, timer);
    drive(h, CURL_SOCKET_TIMEOUT, 0);
}

static int on_timer_set(CURLM *multi, long timeout_ms, void *userp)
{
    lt_http *h = userp;
    if (timeout_ms < 0) {
        lws_sul_cancel(&h->timer);
        return 0;
    }
    /* curl must not be re-entered from here: act from the loop */
    lws_sul_schedule(h->lws, 0, &h->timer, on_timer_fired, (lws_usec_t)timeout_ms * LWS_US_PER_MS);
    return 0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    lt_http_request *r = userp;
    size_t n = size * nmemb;
    size_t max = r->h->opts.max_body;
    if (r->body.len + n > max) {
        r->too_large = true;
        return 0; /* aborts the transfer */
    }
    if (lt_buf_append(&r->body, data, n) != 0)
        return 0;
    return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
    lt_http_request *r = userp;
    size_t n = size * nmemb;
    /* a new status line (redirect, 100 Continue) starts a new header block */
    if (n >= 5 && memcmp(data, "HTTP/", 5) == 0)
        lt_buf_reset(&r->headers);
    if (r->headers.len + n > MAX_HEADER_BYTES)
        return n; /* keep the first 64 KiB, drop the rest */
    if (lt_buf_append(&r->headers, data, n) != 0)
        return 0;
    return n;
}

static void unlink_request(lt_http_request *r)
{
    lt_http *h = r->h;
    if (r->prev)
        r->prev->next = r->next;
    else
        h->requests = r->next;
    if (r->next)
        r->next->prev = r->prev;
    h->pending--;
}

static void free_request(lt_http_request *r)
{
    if (r->easy) {
        curl_multi_remove_handle(r->h->multi, r->easy);
        curl_easy_cleanup(r->easy);
    }
    curl_slist_free_all(r->header_list);
    lt_buf_free(&r->body);
    lt_buf_free(&r->headers);
    free(r);
}

static void check_done(lt_http *h)
{
    CURLMsg *msg;
    int left;
    if (h->in_dispatch)
        return; /* the outer loop will pick them up */
    h->in_dispatch = true;
    while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        lt_http_request *r = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
        if (!r)
            continue;
        CURLcode code = msg->data.result;
        lt_http_response resp = {0};
        char errbuf[128];
        if (code == CURLE_OK) {
            curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &resp.status);
        } else {
            snprintf(errbuf, sizeof errbuf, "%s",
                     r->too_large ? "response body too large" : curl_easy_strerror(code));
            resp.error = errbuf;
        }
        curl_easy_getinfo(r->easy, CURLINFO_TOTAL_TIME, &resp.seconds);
        /* NUL-terminate both blocks so parsers may treat them as strings */
        if (lt_buf_append_byte(&r->body, 0) == 0)
            r->body.len--;
        if (lt_buf_append_byte(&r->headers, 0) == 0)
            r->headers.len--;
        resp.body = r->body.data ? r->body.data : (const uint8_t *)"";
        resp.body_len = r->body.len;
        resp.headers = r->headers.data ? (const char *)r->headers.data : "";
        resp.headers_len = r->headers.len;
        unlink_request(r);
        r->done(r->ctx, &resp);
        free_request(r);
    }
    h->in_dispatch = false;
}

/* --- public ---------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

lt_http *lt_http_create(struct lws_context *ctx, struct lws_vhost *vhost,
                        const lt_http_options *opts, char *err, size_t errlen)
{
    static bool curl_ready;
    if (!curl_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            snprintf(err, errlen, "curl_global_init failed");
            return NULL;
        }
        curl_ready = true;
    }
    lt_http *h = calloc(1, sizeof(*h));
    if (!h)
        goto oom;
    h->lws = ctx;
    h->vhost = vhost;
    if (opts)
        h->opts = *opts;
    if (h->opts.timeout_ms <= 0)
        h->opts.timeout_ms = 15000;
    if (h->opts.max_body == 0)
        h->opts.max_body = 8u << 20;
    h->user_agent = strdup(h->opts.user_agent ? h->opts.user_agent : lt_http_default_user_agent);
    h->proxy = dup_or_null(h->opts.proxy);
    h->ca_file = dup_or_null(h->opts.ca_file);
    if (!h->user_agent || (h->opts.proxy && !h->proxy) || (h->opts.ca_file && !h->ca_file))
        goto oom;
    h->multi = curl_multi_init();
    if (!h->multi)
        goto oom;
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, on_timer_set);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
    /* a few hundred rooms resolving at once must not open a few hundred
     * connections to one host */
    curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 16L);
    return h;
oom:
    snprintf(err, errlen, "out of memory creating the HTTP client");
    lt_http_destroy(h);
    return NULL;
}

void lt_http_destroy(lt_http *h)
{
    if (!h)
        return;
    while (h->requests) {
        lt_http_request *r = h->requests;
        unlink_request(r);
        free_request(r);
    }
    if (h->multi) {
        lws_sul_cancel(&h->timer);
        curl_multi_cleanup(h->multi);
    }
    free(h->user_agent);
    free(h->proxy);
    free(h->ca_file);
    free(h);
}

/* A GET when body is NULL, else a POST of body (copied). */
static lt_http_request *start(lt_http *h, const char *url, const char *const *headers, size_t header_count,
                              const void *body, size_t body_len, lt_http_done_fn done, void *ctx, char *err,
                              size_t errlen)
{
    lt_http_request *r = calloc(1, sizeof(*r));
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->h = h;
    r->done = done;
    r->ctx = ctx;
    r->easy = curl_easy_init();
    if (!r->easy)
        goto fail;
    for (size_t i = 0; i < header_count; i++) {
        struct curl_slist *l = curl_slist_append(r->header_list, headers[i]);
        if (!l)
            goto fail;
        r->header_list = l;
    }
    CURL *e = r->easy;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, h->user_agent);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->header_list);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, ""); /* gzip/deflate, decoded by curl */
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, h->opts.timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, h->opts.timeout_ms < 10000 ? h->opts.timeout_ms : 10000L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
    /* redirects are answers (a login wall, a captcha page): not followed */
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    if (body) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
        curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, (const char *)body);
    }
    if (h->proxy)
        curl_easy_setopt(e, CURLOPT_PROXY, h->proxy);
    if (h->ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, h->ca_file);
    if (h->opts.insecure) {
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (curl_multi_add_handle(h->multi, e) != CURLM_OK)
        goto fail;
    r->next = h->requests;
    if (h->requests)
        h->requests->prev = r;
    h->requests = r;
    h->pending++;
    return r;
fail:
    snprintf(err, errlen, "could not start %s %s", body ? "POST" : "GET", url);
    if (r->easy)
        curl_easy_cleanup(r->easy);
    r->easy = NULL;
    free_request(r);
    return NULL;
}

lt_http_request *lt_http_get(lt_http *h, const char *url, const char *const *headers, size_t header_count,
                             lt_http_done_fn done, void *ctx, char *err, size_t errlen)
{
    return start(h, url, headers, header_count, NULL, 0, done, ctx, err, errlen);
}

lt_http_request *lt_http_post(lt_http *h, const char *url, const char *const *headers, size_t header_count,
                              const void *body, size_t body_len, lt_http_done_fn done, void *ctx, char *err,
                              size_t errlen)
{
    return start(h, url, headers, header_count, body ? body : "", body_len, done, ctx, err, errlen);
}

void lt_http_cancel(lt_http_request *req)
{
    if (!req)
        return;
    unlink_request(req);
    free_request(req);
}

int lt_http_header(const lt_http_response *resp, const char *name, char *out, size_t outlen)
{
    size_t nlen = strlen(name);
    const char *p = resp->headers;
    const char *end = resp->headers + resp->headers_len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = eol ? eol : end;
        if ((size_t)(line_end - p) > nlen && p[nlen] == ':' && strncasecmp(p, name, nlen) == 0) {
            const char *v = p + nlen + 1;
            while (v < line_end && (*v == ' ' || *v == '\t'))
                v++;
            const char *ve = line_end;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            size_t n = (size_t)(ve - v);
            if (outlen) {
                size_t c = n < outlen - 1 ? n : outlen - 1;
                memcpy(out, v, c);
                out[c] = '\0';
            }
            return (int)n;
        }
        p = line_end + 1;
    }
    return -1;
}

size_t lt_http_pending(const lt_http *h)
{
    return h->pending;
}
