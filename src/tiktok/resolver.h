/* resolver.h - from what a person typed to a live room_id, or a reason why
 * not that the person can act on.
 *
 * Order (docs/protocol/webcast.md §1): the live page's SIGI_STATE JSON
 * first; unless it says live, the api-live/user/room JSON API (Python stops
 * at a page saying "offline", but an 18+ room can look offline on the page
 * while the API answers 4003110, so we ask); then, when enabled,
 * webcast/room/info for the room, which reveals age restrictions of rooms
 * that are live and is the only check for a bare room id.
 *
 * Outcomes are distinct because each asks for a different action:
 *   not_found       - the handle does not exist (fix the input)
 *   offline         - exists, not live now (wait; the collector re-checks)
 *   age_restricted  - 18+ room, needs a logged-in session (configure one)
 *   blocked_captcha - TikTok answered a WAF/captcha/login wall instead of the
 *                     page (change IP or proxy, slow down)
 *   resolve_failed  - network or server trouble (transient; retried)
 *
 * The parse functions are pure (bodies in, result out) and unit-tested
 * against fixtures; lt_tiktok_resolve() chains them over lt_http.
 */
#ifndef LT_TIKTOK_RESOLVER_H
#define LT_TIKTOK_RESOLVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/contract.h"
#include "core/event.h"
#include "core/http.h"
#include "tiktok/room.h"

typedef enum lt_tiktok_resolve_outcome {
    LT_TIKTOK_RESOLVE_LIVE = 0,
    LT_TIKTOK_RESOLVE_OFFLINE,
    LT_TIKTOK_RESOLVE_NOT_FOUND,
    LT_TIKTOK_RESOLVE_AGE_RESTRICTED,
    LT_TIKTOK_RESOLVE_BLOCKED,
    LT_TIKTOK_RESOLVE_FAILED,
} lt_tiktok_resolve_outcome;

/* TikTok's live status codes (all libraries agree). */
enum {
    LT_TIKTOK_STATUS_LIVE = 2,
    LT_TIKTOK_STATUS_PAUSED = 3,
    LT_TIKTOK_STATUS_OFFLINE = 4,
};

typedef struct lt_tiktok_resolution {
    lt_tiktok_resolve_outcome outcome;
    char room_id[LT_ROOM_ID_MAX + 1];
    char unique_id[LT_TIKTOK_UNIQUE_ID_MAX + 1];
    int live_status;        /* 2, 3, 4; 0 if unknown */
    char title[256];
    char nickname[128];
    int64_t viewer_count;   /* -1 if unknown */
    int64_t follower_count; /* -1 if unknown */
    char message[256];      /* what happened, for a person */
    const char *source;     /* "live_page", "api", "room_info" */
} lt_tiktok_resolution;

/* "live", "offline", "not_found", "age_restricted", "blocked_captcha",
 * "resolve_failed". */
const char *lt_tiktok_resolve_reason(lt_tiktok_resolve_outcome outcome);

/* --- pure parsers: HTTP status + body -> resolution ---------------------
 * Each fills `out` entirely (fields it cannot know are left empty/-1). */
void lt_tiktok_parse_live_page(long http_status, const char *body, size_t len,
                               lt_tiktok_resolution *out);
void lt_tiktok_parse_user_room_api(long http_status, const char *body, size_t len,
                                   lt_tiktok_resolution *out);
/* room/info: `room_id` is the room asked about (the answer may omit it). */
void lt_tiktok_parse_room_info(long http_status, const char *body, size_t len,
                               const char *room_id, lt_tiktok_resolution *out);

/* What room/info tells about a live room beyond the verdict: the fields of
 * the room_info event (tiktok/info.h maps them). Numbers TikTok did not send
 * are 0, strings "" (URLs are kept whole or not at all). */
#define LT_TIKTOK_QUALITIES 5 /* ORIGIN, FULL_HD1, HD1, SD1, SD2 */

typedef struct lt_tiktok_room_details {
    char title[256];
    int status;                   /* 2 live, 3 paused, 4 offline; 0 if not sent */
    int64_t viewer_count;         /* data.user_count */
    int64_t total_user;           /* data.stats.total_user */
    int64_t like_count;           /* data.stats.like_count */
    int64_t start_time_ms;        /* data.start_time or create_time; 0 if not sent */
    char stream_url[1024];        /* best FLV of data.stream_url.flv_pull_url */
    /* every quality offered (best first): flv_pull_url and hls_pull_url_map;
     * `streams` points into `stream_text`, so the struct is not copied */
    struct {
        char quality[16];
        char flv[1024];
        char hls[1024];
    } stream_text[LT_TIKTOK_QUALITIES];
    lt_stream_quality streams[LT_TIKTOK_QUALITIES];
    size_t stream_count;
    bool age_restricted;
    bool has_owner;               /* data.owner was an object */
    int64_t owner_id;
    char owner_unique_id[LT_TIKTOK_UNIQUE_ID_MAX + 1];
    char owner_nickname[128];
    char owner_avatar_url[1024];
    int64_t owner_follower_count;
    int64_t owner_following_count;
} lt_tiktok_room_details;

/* room/info with the details: `details` (may be NULL) is filled only when
 * the verdict is live or offline, i.e. the answer described a room. */
void lt_tiktok_parse_room_details(long http_status, const char *body, size_t len,
                                  const char *room_id, lt_tiktok_resolution *out,
                                  lt_tiktok_room_details *details);

/* --- the profile page: www.tiktok.com/@user (docs/protocol/profile-and-prices.md §1) ---
 * Today's __UNIVERSAL_DATA_FOR_REHYDRATION__ (webapp.user-detail.userInfo)
 * and the older SIGI_STATE UserModule are both read, the newer first. */
typedef enum lt_tiktok_profile_outcome {
    LT_TIKTOK_PROFILE_OK = 0,
    LT_TIKTOK_PROFILE_NOT_FOUND, /* statusCode 10221 / no such user in UserModule / HTTP 404 */
    LT_TIKTOK_PROFILE_BLOCKED,   /* 403/429/redirect, or a page without a state script (WAF, captcha) */
    LT_TIKTOK_PROFILE_FAILED,    /* malformed or unexpected answer */
} lt_tiktok_profile_outcome;

typedef struct lt_tiktok_profile {
    lt_tiktok_profile_outcome outcome;
    bool rate_limited; /* HTTP 429 */
    char unique_id[LT_TIKTOK_UNIQUE_ID_MAX + 1];
    char nickname[128];
    int64_t followers, following; /* -1 if not sent */
    int64_t likes;                /* likes received (heartCount); -1 if not sent */
    int64_t videos;               /* -1 if not sent */
    bool verified, private_account;
    const char *shape; /* "universal_data" or "sigi_state"; NULL if no script was read */
    char message[256]; /* why not OK, for a person */
} lt_tiktok_profile;

/* "ok", "not_found", "blocked_captcha", "profile_failed". */
const char *lt_tiktok_profile_reason(lt_tiktok_profile_outcome outcome);

/* `unique_id` picks the user from UserModule (keyed by handle); NULL takes
 * the only one. Fills `out` entirely. */
void lt_tiktok_parse_profile_page(long http_status, const char *body, size_t len, const char *unique_id,
                                  lt_tiktok_profile *out);

/* --- URLs (bases without a trailing slash) --- */
int lt_tiktok_live_page_url(const char *web_base, const char *unique_id, char *out, size_t outlen);
int lt_tiktok_profile_url(const char *web_base, const char *unique_id, char *out, size_t outlen);
int lt_tiktok_user_room_api_url(const char *web_base, const char *unique_id, char *out, size_t outlen);
int lt_tiktok_room_info_url(const char *api_base, const char *room_id, char *out, size_t outlen);

/* The query parameters the web client sends with every webcast API call. */
extern const char lt_tiktok_web_client_params[];

/* --- the asynchronous chain --- */

typedef struct lt_tiktok_resolver_options {
    const char *web_base;   /* NULL = https://www.tiktok.com */
    const char *api_base;   /* NULL = https://webcast.tiktok.com */
    bool skip_room_info;    /* don't call room/info for @user rooms (saves a request) */
    const char *cookies;    /* optional Cookie header value (e.g. sessionid=...; tt-target-idc=...) */
} lt_tiktok_resolver_options;

typedef struct lt_tiktok_resolve_job lt_tiktok_resolve_job;
/* Called once with the final resolution; the job is finished (do not cancel). */
typedef void (*lt_tiktok_resolve_cb)(void *ctx, const lt_tiktok_resolution *res);

/* The options' strings must outlive the job. NULL (with err) if no request
 * could be started. */
lt_tiktok_resolve_job *lt_tiktok_resolve(lt_http *http, const lt_tiktok_resolver_options *opts,
                                         const lt_tiktok_room_ref *ref, lt_tiktok_resolve_cb cb,
                                         void *ctx, char *err, size_t errlen);
void lt_tiktok_resolve_cancel(lt_tiktok_resolve_job *job);

#endif
