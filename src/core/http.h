/* http.h - the asynchronous HTTP client of a loop: libcurl multi driven
 * by the libwebsockets event loop.
 *
 * The collector has one thread and one loop (lws). HTTP (live pages, the
 * api-live API, room info, the sign server) goes through one curl multi
 * handle, so connections and DNS are shared and HTTPS_PROXY / ALL_PROXY /
 * NO_PROXY work as users expect. The two are joined without a second poll
 * loop: every socket curl wants watched is dup()ed and adopted into lws as a
 * raw descriptor (our lws protocol "lt-http"); readiness becomes
 * curl_multi_socket_action() on the original socket, and curl's timer is an
 * lws scheduled callback. The dup() matters: lws closes what it adopted, curl
 * closes what it opened, and neither may close the other's descriptor.
 *
 * The lws build in Debian (4.1.6) has no external-poll support, which is why
 * curl is brought into lws rather than lws into a poll loop of our own.
 *
 * Completion callbacks run from the loop, never from inside lt_http_get().
 * It knows nothing of any platform: the TikTok source (pages, APIs, the sign
 * server) and BIGO's pull poller (signed POSTs) both use it, each with the
 * loop of the program it runs in.
 */
#ifndef LT_CORE_HTTP_H
#define LT_CORE_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lws_context;
struct lws_vhost;
struct lws_protocols;

typedef struct lt_http lt_http;
typedef struct lt_http_request lt_http_request;

typedef struct lt_http_options {
    const char *user_agent;   /* NULL = a desktop Chrome UA (what the signature expects) */
    const char *proxy;        /* NULL = curl's environment handling (HTTPS_PROXY, ALL_PROXY, NO_PROXY) */
    const char *ca_file;      /* extra CA bundle (e.g. the simulator's certificate) */
    bool insecure;            /* skip certificate checks (testing only) */
    long timeout_ms;          /* whole transfer; 0 = 15000 */
    size_t max_body;          /* responses above this fail; 0 = 8 MiB */
} lt_http_options;

typedef struct lt_http_response {
    long status;              /* HTTP status, 0 if the transfer failed */
    const char *error;        /* transport error (NULL if a response arrived) */
    const uint8_t *body;      /* NUL-terminated for convenience; len excludes it */
    size_t body_len;
    const char *headers;      /* raw header block of the final response */
    size_t headers_len;
    double seconds;           /* total transfer time */
} lt_http_response;

/* The response and its memory live only during the call. */
typedef void (*lt_http_done_fn)(void *ctx, const lt_http_response *resp);

/* The lws protocol entry for adopted curl sockets; the collector puts it in
 * its context's protocol list (name "lt-http"). */
extern const struct lws_protocols lt_http_lws_protocol;

lt_http *lt_http_create(struct lws_context *ctx, struct lws_vhost *vhost,
                        const lt_http_options *opts, char *err, size_t errlen);
/* Cancels everything in flight (no callbacks). Accepts NULL. */
void lt_http_destroy(lt_http *h);

/* Starts a GET. `headers` are "Name: value" lines. Returns NULL (with err)
 * only if the request could not be started. */
lt_http_request *lt_http_get(lt_http *h, const char *url, const char *const *headers,
                             size_t header_count, lt_http_done_fn done, void *ctx,
                             char *err, size_t errlen);

/* Starts a POST of body (body_len bytes, copied; give the Content-Type in
 * `headers`). As lt_http_get otherwise. */
lt_http_request *lt_http_post(lt_http *h, const char *url, const char *const *headers, size_t header_count,
                              const void *body, size_t body_len, lt_http_done_fn done, void *ctx, char *err,
                              size_t errlen);

/* Abandons a request; its callback will not run. */
void lt_http_cancel(lt_http_request *req);

/* A response header's value (first occurrence, name case-insensitive),
 * copied into out; returns the length, or -1 if absent. */
int lt_http_header(const lt_http_response *resp, const char *name, char *out, size_t outlen);

/* Requests in flight. */
size_t lt_http_pending(const lt_http *h);

/* The default User-Agent (a desktop browser, as the web client sends). */
extern const char lt_http_default_user_agent[];

#endif
