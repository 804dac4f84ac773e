/* feed.h - the recommended-live feed (GET <api_base>/webcast/feed/): one
 * page of it turned into live rooms and the cursor of the next page.
 *
 * The page's shape and its paging are written up in docs/protocol/webcast.md
 * ("The recommended-live feed"). The parser is pure: bytes and an HTTP status
 * in, rooms out, so that the unit tests and the fuzz target drive exactly
 * what `livetap-collector discover` runs on TikTok's answer.
 */
#ifndef LT_TIKTOK_FEED_H
#define LT_TIKTOK_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A page lists a handful of rooms; more entries than this are counted as
 * skipped, never stored. */
#define LT_TIKTOK_FEED_MAX_ROOMS 64

typedef struct lt_tiktok_feed_room {
    char room_id[24];
    char owner_id[24];  /* "" if the feed did not say */
    char unique_id[64]; /* the host's @name (owner.display_id) */
    char nickname[128];
    char title[256];
    char tags[256];    /* the room's hashtag title(s), comma separated; "" if none */
    int64_t viewers;   /* user_count; -1 if absent */
    int64_t created_s; /* create_time, seconds; 0 if absent */
} lt_tiktok_feed_room;

typedef struct lt_tiktok_feed_page {
    lt_tiktok_feed_room rooms[LT_TIKTOK_FEED_MAX_ROOMS];
    size_t count;
    size_t skipped;   /* entries with no usable room id, or over the cap */
    int64_t max_time; /* send it back for the next page; 0 if absent */
    bool has_more;
} lt_tiktok_feed_page;

typedef enum lt_tiktok_feed_outcome {
    LT_TIKTOK_FEED_OK = 0,
    LT_TIKTOK_FEED_RATE_LIMITED, /* HTTP 429: back off */
    LT_TIKTOK_FEED_CAPTCHA,      /* a captcha / WAF page instead of JSON: back off, maybe a cookie or proxy */
    LT_TIKTOK_FEED_REFUSED,      /* JSON with a status_code other than 0 */
    LT_TIKTOK_FEED_HTTP_ERROR,   /* another HTTP status */
    LT_TIKTOK_FEED_MALFORMED,    /* not JSON, or not the feed's shape */
} lt_tiktok_feed_outcome;

/* Parses one answer. `out` is always filled as far as it could be; `err`
 * says what was wrong unless the outcome is OK. */
lt_tiktok_feed_outcome lt_tiktok_feed_parse(long http_status, const char *body, size_t len,
                                            lt_tiktok_feed_page *out, char *err, size_t errlen);

/* "ok", "rate_limited", "captcha", "refused", "http_error", "malformed". */
const char *lt_tiktok_feed_outcome_name(lt_tiktok_feed_outcome outcome);

/* The URL of a page: max_time 0 = the first page. api_base NULL =
 * https://webcast.tiktok.com. -1 if it does not fit. */
int lt_tiktok_feed_url(const char *api_base, int64_t max_time, char *out, size_t outlen);

#endif
