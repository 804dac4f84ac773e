/* feed.c - one page of the recommended-live feed (feed.h).
 *
 * The answer is {"data": [{"data": <room>, "rid": ...}, ...], "extra":
 * {"has_more", "max_time", ...}, "status_code": 0}, each <room> in room/info's
 * shape (id, title, user_count, owner{id, display_id, nickname}, hashtag
 * {title}). Everything is read through tiktok/json.h, so ids as strings or
 * numbers both work and anything of the wrong type is absent. An entry with
 * no usable room id is skipped and counted, never an error: one odd card
 * (TikTok mixes in recommendation cards) must not cost the page.
 */
#include "tiktok/feed.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "tiktok/json.h"
#include "tiktok/resolver.h"

#define DEFAULT_API_BASE "https://webcast.tiktok.com"

const char *lt_tiktok_feed_outcome_name(lt_tiktok_feed_outcome outcome)
{
    switch (outcome) {
    case LT_TIKTOK_FEED_OK: return "ok";
    case LT_TIKTOK_FEED_RATE_LIMITED: return "rate_limited";
    case LT_TIKTOK_FEED_CAPTCHA: return "captcha";
    case LT_TIKTOK_FEED_REFUSED: return "refused";
    case LT_TIKTOK_FEED_HTTP_ERROR: return "http_error";
    case LT_TIKTOK_FEED_MALFORMED: return "malformed";
    }
    return "malformed";
}

int lt_tiktok_feed_url(const char *api_base, int64_t max_time, char *out, size_t outlen)
{
    /* channel=tiktok_web&channel_id=86 is what the web client asks the feed for */
    int n = max_time > 0
                ? snprintf(out, outlen, "%s/webcast/feed/?%s&channel=tiktok_web&channel_id=86&max_time=%lld",
                           api_base ? api_base : DEFAULT_API_BASE, lt_tiktok_web_client_params,
                           (long long)max_time)
                : snprintf(out, outlen, "%s/webcast/feed/?%s&channel=tiktok_web&channel_id=86",
                           api_base ? api_base : DEFAULT_API_BASE, lt_tiktok_web_client_params);
    return n > 0 && (size_t)n < outlen ? 0 : -1;
}

static bool contains(const char *body, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (body[i] == needle[0] && memcmp(body + i, needle, n) == 0)
            return true;
    return false;
}

/* The room's hashtag (hashtag.title): the one tag the feed gives a room. */
static void read_tags(json_t *room, char *out, size_t outlen)
{
    out[0] = '\0';
    const char *first = lt_tiktok_json_str(json_object_get(room, "hashtag"), "title");
    if (first && *first)
        lt_tiktok_json_copy_text(out, outlen, first);
}

/* 0 stored, -1 skipped (no usable room id). */
static int read_room(json_t *entry, lt_tiktok_feed_room *r)
{
    memset(r, 0, sizeof *r);
    json_t *room = json_object_get(entry, "data");
    if (!json_is_object(room))
        return -1;
    if (!lt_tiktok_json_id(json_object_get(room, "id_str"), r->room_id, sizeof r->room_id) &&
        !lt_tiktok_json_id(json_object_get(room, "id"), r->room_id, sizeof r->room_id) &&
        !lt_tiktok_json_id(json_object_get(entry, "rid"), r->room_id, sizeof r->room_id))
        return -1;
    json_t *owner = json_object_get(room, "owner");
    if (!lt_tiktok_json_id(json_object_get(owner, "id_str"), r->owner_id, sizeof r->owner_id) &&
        !lt_tiktok_json_id(json_object_get(owner, "id"), r->owner_id, sizeof r->owner_id))
        lt_tiktok_json_id(json_object_get(room, "owner_user_id"), r->owner_id, sizeof r->owner_id);
    lt_tiktok_json_copy_text(r->unique_id, sizeof r->unique_id, lt_tiktok_json_str(owner, "display_id"));
    lt_tiktok_json_copy_text(r->nickname, sizeof r->nickname, lt_tiktok_json_str(owner, "nickname"));
    lt_tiktok_json_copy_text(r->title, sizeof r->title, lt_tiktok_json_str(room, "title"));
    read_tags(room, r->tags, sizeof r->tags);
    r->viewers = lt_tiktok_json_int(json_object_get(room, "user_count"), -1);
    if (r->viewers < -1)
        r->viewers = -1;
    r->created_s = lt_tiktok_json_int(json_object_get(room, "create_time"), 0);
    if (r->created_s < 0)
        r->created_s = 0;
    return 0;
}

lt_tiktok_feed_outcome lt_tiktok_feed_parse(long http_status, const char *body, size_t len,
                                            lt_tiktok_feed_page *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!body)
        len = 0;
    if (http_status == 429) {
        snprintf(err, errlen, "TikTok rate-limits the feed (HTTP 429): wait before asking again");
        return LT_TIKTOK_FEED_RATE_LIMITED;
    }
    if (len && (contains(body, len, "tiktok-verify-page") || contains(body, len, "_wafchallengeid") ||
                (body[0] == '<' && contains(body, len, "captcha")))) {
        snprintf(err, errlen,
                 "TikTok answered a captcha/WAF page instead of the feed (HTTP %ld): back off; "
                 "session cookies (tiktok.session_cookies) or another network may help",
                 http_status);
        return LT_TIKTOK_FEED_CAPTCHA;
    }
    if (http_status != 200) {
        snprintf(err, errlen, "the feed answered HTTP %ld", http_status);
        return LT_TIKTOK_FEED_HTTP_ERROR;
    }
    json_error_t jerr;
    json_t *root = len ? json_loadb(body, len, 0, &jerr) : NULL;
    if (!json_is_object(root)) {
        snprintf(err, errlen, "the feed's answer is not a JSON object (%zu bytes%s%s)", len, root ? "" : ": ",
                 root ? "" : (len ? jerr.text : "empty"));
        json_decref(root);
        return LT_TIKTOK_FEED_MALFORMED;
    }
    int64_t status = lt_tiktok_json_int(json_object_get(root, "status_code"), 0);
    if (status != 0) {
        const char *message = lt_tiktok_json_str(json_object_get(root, "data"), "message");
        if (!message)
            message = lt_tiktok_json_str(root, "message");
        snprintf(err, errlen, "the feed refused: status_code %lld%s%s", (long long)status,
                 message ? ": " : "", message ? message : "");
        json_decref(root);
        return LT_TIKTOK_FEED_REFUSED;
    }
    json_t *entries = json_object_get(root, "data");
    json_t *extra = json_object_get(root, "extra");
    if (!json_is_array(entries) || !json_is_object(extra)) {
        snprintf(err, errlen, "the feed's answer has no data list or no extra object");
        json_decref(root);
        return LT_TIKTOK_FEED_MALFORMED;
    }
    size_t i;
    json_t *entry;
    json_array_foreach(entries, i, entry)
    {
        if (out->count == LT_TIKTOK_FEED_MAX_ROOMS || read_room(entry, &out->rooms[out->count]) != 0)
            out->skipped++;
        else
            out->count++;
    }
    out->max_time = lt_tiktok_json_int(json_object_get(extra, "max_time"), 0);
    if (out->max_time < 0)
        out->max_time = 0;
    out->has_more = json_is_true(json_object_get(extra, "has_more")) ||
                    lt_tiktok_json_int(json_object_get(extra, "has_more"), 0) == 1;
    /* a page that says "more" but gives no cursor would repeat itself forever */
    if (out->has_more && out->max_time == 0)
        out->has_more = false;
    json_decref(root);
    return LT_TIKTOK_FEED_OK;
}
