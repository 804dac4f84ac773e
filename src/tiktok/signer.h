/* signer.h - the sign-server client: one fresh, signed connection per call.
 *
 * TikTok's web client needs signed parameters to open the push WebSocket;
 * livetap asks an Euler-Stream-compatible sign server (`GET /webcast/fetch`,
 * docs/protocol/webcast.md §2.2) which answers with the raw protobuf fetch result
 * (push_server, route params, cursor, internal_ext and the first batch of
 * messages) and the TikTok cookies in `X-Set-TT-Cookie`. A signed result is
 * good for one connection attempt only (signed URLs expire in ~30 s), so
 * every (re)connect calls lt_tiktok_signer_fetch() again; nothing here caches.
 *
 * Quota: sign calls are the scarce resource. One token bucket per process
 * (this object) paces every call, at a configured rate that can be lowered
 * to what the server itself reports (`GET /webcast/rate_limits`, §2.3).
 * Calls wait in FIFO order. A 429 carries the server's message, its limit
 * label and a retry time from its headers (Retry-After, RateLimit-Reset,
 * X-RateLimit-Reset); an account-wide limit (any label not naming the room)
 * also holds back every other queued call until that time.
 */
#ifndef LT_TIKTOK_SIGNER_H
#define LT_TIKTOK_SIGNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/contract.h"
#include "core/http.h"

struct lws_context;

typedef struct lt_tiktok_signer_options {
    const char *sign_url;    /* base; NULL = https://api.eulerstream.com */
    const char *api_key;     /* sent as x-api-key; NULL = none */
    const char *client;      /* the `client` parameter; NULL = "livetap" */
    const char *user_agent;  /* the UA the signature must match; NULL = lt_http_default_user_agent */
    double rate_per_second;  /* process-wide pacing; <= 0 = unlimited */
    double burst;            /* tokens at most; < 1 = 1 */
    bool read_rate_limits;   /* ask /webcast/rate_limits at start and lower the rate to fit */
} lt_tiktok_signer_options;

typedef enum lt_tiktok_sign_status {
    LT_TIKTOK_SIGN_OK = 0,
    LT_TIKTOK_SIGN_RATE_LIMITED,   /* 429: retry_at_ms says when */
    LT_TIKTOK_SIGN_UNAUTHORIZED,   /* 401/402/403: key missing, wrong or plan too small */
    LT_TIKTOK_SIGN_EMPTY_PAYLOAD,  /* 200 without a body ("are you being detected?") */
    LT_TIKTOK_SIGN_EMPTY_COOKIES,  /* 200 without X-Set-TT-Cookie */
    LT_TIKTOK_SIGN_FAILED,         /* transport error or another status */
} lt_tiktok_sign_status;

typedef struct lt_tiktok_sign_result {
    lt_tiktok_sign_status status;
    long http_status;
    char message[256];        /* the server's message, or what went wrong */
    char limit_label[64];     /* 429 only, e.g. "rate_limit_account_day" */
    int64_t retry_at_ms;      /* 429: epoch ms of the earliest sensible retry */
    const uint8_t *body;      /* OK: the fetch result (valid during the callback) */
    size_t body_len;
    const char *cookie_header;/* OK: "ttwid=...; tt-target-idc=..." for the WebSocket */
    char room_id[LT_ROOM_ID_MAX + 1]; /* X-Room-Id if the server sent one, else the asked room */
    char request_id[64];      /* X-Request-Id / x-log-id, for support */
} lt_tiktok_sign_result;

typedef void (*lt_tiktok_sign_cb)(void *ctx, const lt_tiktok_sign_result *res);

typedef struct lt_tiktok_signer lt_tiktok_signer;
typedef struct lt_tiktok_sign_call lt_tiktok_sign_call;

lt_tiktok_signer *lt_tiktok_signer_create(struct lws_context *lws, lt_http *http,
                                          const lt_tiktok_signer_options *opts, char *err,
                                          size_t errlen);
void lt_tiktok_signer_destroy(lt_tiktok_signer *s); /* cancels queued calls silently */

/* Queues a sign call for room_id; cb runs exactly once unless cancelled. */
lt_tiktok_sign_call *lt_tiktok_signer_fetch(lt_tiktok_signer *s, const char *room_id,
                                            lt_tiktok_sign_cb cb, void *ctx, char *err,
                                            size_t errlen);
void lt_tiktok_signer_cancel(lt_tiktok_sign_call *call);

/* Current pacing (after any /rate_limits adjustment), calls per second. */
double lt_tiktok_signer_rate(const lt_tiktok_signer *s);
size_t lt_tiktok_signer_queued(const lt_tiktok_signer *s);

/* --- pure helpers, unit-tested --- */

/* X-Set-TT-Cookie (a cookie string or Set-Cookie lines, attributes
 * allowed) -> a Cookie header value with the name=value pairs only, plus
 * tt-target-idc=useast1a unless given. -1 if nothing usable or no room. */
int lt_tiktok_cookie_header(const char *set_tt_cookie, char *out, size_t outlen);

/* The retry time of a 429 from its headers (raw header block), as epoch ms;
 * `now_ms` + 60 s when the server gives none. */
int64_t lt_tiktok_retry_at(const char *headers, size_t headers_len, int64_t now_ms);

/* /webcast/rate_limits JSON -> calls per second that keep under every
 * window (minute/hour/day), and a burst; -1 if the body has no limits. */
int lt_tiktok_parse_rate_limits(const char *body, size_t len, double *per_second, double *burst);

#endif
