/* resolver.c - live page / api-live / room info parsing and the chain that
 * runs them (see resolver.h).
 *
 * TikTok's JSON is not typed consistently across endpoints and years (ids as
 * strings or numbers, statuses as numbers or strings), so every read goes
 * through tiktok/json.h, which accepts either and rejects the rest.
 */
#include "tiktok/resolver.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "tiktok/json.h"

#define DEFAULT_WEB_BASE "https://www.tiktok.com"
#define DEFAULT_API_BASE "https://webcast.tiktok.com"

/* Status codes the API answers with (docs/protocol/webcast.md §1.2, §1.3). */
#define TT_USER_NOT_FOUND 19881007
#define TT_AGE_RESTRICTED 4003110

const char lt_tiktok_web_client_params[] =
    "aid=1988&app_language=en-US&app_name=tiktok_web&browser_language=en-US"
    "&browser_name=Mozilla&browser_online=true&browser_platform=Win32"
    "&cookie_enabled=true&device_platform=web_pc&screen_height=1080&screen_width=1920"
    "&tz_name=Etc%2FUTC&webcast_language=en";

const char *lt_tiktok_resolve_reason(lt_tiktok_resolve_outcome outcome)
{
    switch (outcome) {
    case LT_TIKTOK_RESOLVE_LIVE: return "live";
    case LT_TIKTOK_RESOLVE_OFFLINE: return "offline";
    case LT_TIKTOK_RESOLVE_NOT_FOUND: return "not_found";
    case LT_TIKTOK_RESOLVE_AGE_RESTRICTED: return "age_restricted";
    case LT_TIKTOK_RESOLVE_BLOCKED: return "blocked_captcha";
    case LT_TIKTOK_RESOLVE_FAILED: return "resolve_failed";
    }
    return "resolve_failed";
}

static void reset(lt_tiktok_resolution *out, const char *source)
{
    memset(out, 0, sizeof(*out));
    out->outcome = LT_TIKTOK_RESOLVE_FAILED;
    out->viewer_count = -1;
    out->follower_count = -1;
    out->source = source;
}

static void copy_str(char *dst, size_t dstlen, const char *src)
{
    lt_tiktok_json_copy_text(dst, dstlen, src);
}

static void set_live_or_offline(lt_tiktok_resolution *out, int status)
{
    out->live_status = status;
    if (status == LT_TIKTOK_STATUS_OFFLINE) {
        out->outcome = LT_TIKTOK_RESOLVE_OFFLINE;
        snprintf(out->message, sizeof out->message, "the host is not live");
    } else {
        /* 2 live, 3 paused (the room exists and will resume): connect */
        out->outcome = LT_TIKTOK_RESOLVE_LIVE;
        out->message[0] = '\0';
    }
}

/* The user/liveRoom pair both the live page and the API carry. */
static void read_user_and_room(json_t *user, json_t *live_room, json_t *stats,
                               lt_tiktok_resolution *out)
{
    copy_str(out->unique_id, sizeof out->unique_id, lt_tiktok_json_str(user, "uniqueId"));
    copy_str(out->nickname, sizeof out->nickname, lt_tiktok_json_str(user, "nickname"));
    copy_str(out->title, sizeof out->title, lt_tiktok_json_str(live_room, "title"));
    out->viewer_count = lt_tiktok_json_int(LT_TIKTOK_JSON_PATH(live_room, "liveRoomStats", "userCount"), -1);
    out->follower_count = lt_tiktok_json_int(json_object_get(stats, "followerCount"), -1);

    int has_room = lt_tiktok_json_id(json_object_get(user, "roomId"), out->room_id, sizeof out->room_id);
    int status = (int)lt_tiktok_json_int(json_object_get(live_room, "status"), 0);
    if (status == 0)
        status = (int)lt_tiktok_json_int(json_object_get(user, "status"), 0);
    if (!has_room) {
        /* the account exists but has no room: it is not live */
        out->outcome = LT_TIKTOK_RESOLVE_OFFLINE;
        out->live_status = LT_TIKTOK_STATUS_OFFLINE;
        snprintf(out->message, sizeof out->message, "the host has no live room");
        return;
    }
    set_live_or_offline(out, status ? status : LT_TIKTOK_STATUS_LIVE);
}

static int contains(const char *body, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (body[i] == needle[0] && memcmp(body + i, needle, n) == 0)
            return 1;
    return 0;
}

static int blocked_status(long http_status, lt_tiktok_resolution *out, const char *what)
{
    if (http_status == 403 || http_status == 429) {
        out->outcome = LT_TIKTOK_RESOLVE_BLOCKED;
        snprintf(out->message, sizeof out->message, "%s answered HTTP %ld: this IP is blocked or "
                 "rate-limited by TikTok (use a proxy or slow down)", what, http_status);
        return 1;
    }
    if (http_status >= 300 && http_status < 400) {
        out->outcome = LT_TIKTOK_RESOLVE_BLOCKED;
        snprintf(out->message, sizeof out->message,
                 "%s redirected (HTTP %ld), typically to a login or verification page", what,
                 http_status);
        return 1;
    }
    if (http_status != 200) {
        out->outcome = http_status == 404 ? LT_TIKTOK_RESOLVE_NOT_FOUND : LT_TIKTOK_RESOLVE_FAILED;
        snprintf(out->message, sizeof out->message, "%s answered HTTP %ld", what, http_status);
        return 1;
    }
    return 0;
}

/* The JSON of <script id="NAME" ...>JSON</script> in a page: 0 and
 * [*start, *end), or -1 with a message if the tag is missing (no_tag set),
 * truncated or unterminated. */
static int script_json(const char *body, size_t len, const char *name, const char **start, const char **end,
                       bool *no_tag, char *msg, size_t msglen)
{
    char tag[64];
    int n = snprintf(tag, sizeof tag, "<script id=\"%s\"", name);
    const char *at = NULL;
    *no_tag = false;
    for (size_t i = 0; n > 0 && (size_t)n < sizeof tag && i + (size_t)n <= len; i++) {
        if (body[i] == '<' && memcmp(body + i, tag, (size_t)n) == 0) {
            at = body + i;
            break;
        }
    }
    if (!at) {
        *no_tag = true;
        snprintf(msg, msglen, "no %s script", name);
        return -1;
    }
    const char *end_of_body = body + len;
    const char *gt = memchr(at, '>', (size_t)(end_of_body - at));
    if (!gt) {
        snprintf(msg, msglen, "truncated %s tag", name);
        return -1;
    }
    static const char close_tag[] = "</script>";
    for (const char *p = gt + 1; p + sizeof close_tag - 1 <= end_of_body; p++) {
        if (*p == '<' && memcmp(p, close_tag, sizeof close_tag - 1) == 0) {
            *start = gt + 1;
            *end = p;
            return 0;
        }
    }
    snprintf(msg, msglen, "unterminated %s script", name);
    return -1;
}

/* A page without its state script: a WAF challenge, a captcha or a block
 * page (docs/protocol/webcast.md §1.4). */
static void blocked_page_message(const char *body, size_t len, const char *what, const char *script,
                                 char *msg, size_t msglen)
{
    if (contains(body, len, "_wafchallengeid") || contains(body, len, "tiktok-verify-page") ||
        contains(body, len, "captcha"))
        snprintf(msg, msglen, "TikTok answered a captcha/WAF challenge instead of the %s", what);
    else
        snprintf(msg, msglen, "the %s carries no %s (blocked IP or changed page)", what, script);
}

void lt_tiktok_parse_live_page(long http_status, const char *body, size_t len, lt_tiktok_resolution *out)
{
    reset(out, "live_page");
    if (blocked_status(http_status, out, "the live page"))
        return;

    const char *json_start, *json_end;
    bool no_tag;
    if (script_json(body, len, "SIGI_STATE", &json_start, &json_end, &no_tag, out->message,
                    sizeof out->message) != 0) {
        if (no_tag) {
            /* no state at all: a WAF challenge, a captcha or a block page */
            out->outcome = LT_TIKTOK_RESOLVE_BLOCKED;
            blocked_page_message(body, len, "live page", "SIGI_STATE", out->message, sizeof out->message);
        }
        return;
    }
    json_error_t jerr;
    json_t *root = json_loadb(json_start, (size_t)(json_end - json_start), 0, &jerr);
    if (!root) {
        snprintf(out->message, sizeof out->message, "SIGI_STATE is not JSON: %s", jerr.text);
        return;
    }
    json_t *info = LT_TIKTOK_JSON_PATH(root, "LiveRoom", "liveRoomUserInfo");
    json_t *user = json_object_get(info, "user");
    if (!json_is_object(user)) {
        /* no LiveRoom: the handle does not exist (or never went live) */
        out->outcome = LT_TIKTOK_RESOLVE_NOT_FOUND;
        snprintf(out->message, sizeof out->message, "no such TikTok user");
    } else {
        read_user_and_room(user, json_object_get(info, "liveRoom"), json_object_get(info, "stats"),
                           out);
    }
    json_decref(root);
}

/* --- the profile page (docs/protocol/profile-and-prices.md §1) --- */

#define TT_PROFILE_USER_NOT_EXIST 10221

const char *lt_tiktok_profile_reason(lt_tiktok_profile_outcome outcome)
{
    switch (outcome) {
    case LT_TIKTOK_PROFILE_OK: return "ok";
    case LT_TIKTOK_PROFILE_NOT_FOUND: return "not_found";
    case LT_TIKTOK_PROFILE_BLOCKED: return "blocked_captcha";
    case LT_TIKTOK_PROFILE_FAILED: return "profile_failed";
    }
    return "profile_failed";
}

/* A count: statsV2's string where sent (it does not overflow), else stats'
 * number; -1 if neither is a non-negative integer. */
static int64_t profile_count(json_t *stats, json_t *stats_v2, const char *key)
{
    int64_t v = lt_tiktok_json_int(json_object_get(stats_v2, key), -1);
    if (v < 0)
        v = lt_tiktok_json_int(json_object_get(stats, key), -1);
    return v < 0 ? -1 : v;
}

static void read_profile(json_t *user, json_t *stats, json_t *stats_v2, lt_tiktok_profile *out)
{
    out->outcome = LT_TIKTOK_PROFILE_OK;
    out->message[0] = '\0';
    copy_str(out->unique_id, sizeof out->unique_id, lt_tiktok_json_str(user, "uniqueId"));
    copy_str(out->nickname, sizeof out->nickname, lt_tiktok_json_str(user, "nickname"));
    out->followers = profile_count(stats, stats_v2, "followerCount");
    out->following = profile_count(stats, stats_v2, "followingCount");
    /* heartCount, else heart (32-bit, older answers) */
    out->likes = profile_count(stats, stats_v2, "heartCount");
    if (out->likes < 0)
        out->likes = profile_count(stats, stats_v2, "heart");
    out->videos = profile_count(stats, stats_v2, "videoCount");
    out->verified = json_is_true(json_object_get(user, "verified"));
    out->private_account = json_is_true(json_object_get(user, "privateAccount")) ||
                           json_is_true(json_object_get(user, "secret"));
}

static void read_universal_data(json_t *root, lt_tiktok_profile *out)
{
    json_t *detail = LT_TIKTOK_JSON_PATH(root, "__DEFAULT_SCOPE__", "webapp.user-detail");
    int64_t code = lt_tiktok_json_int(json_object_get(detail, "statusCode"), 0);
    json_t *info = json_object_get(detail, "userInfo");
    json_t *user = json_object_get(info, "user");
    if (code == TT_PROFILE_USER_NOT_EXIST) {
        out->outcome = LT_TIKTOK_PROFILE_NOT_FOUND;
        snprintf(out->message, sizeof out->message, "no such TikTok user (statusCode %lld)", (long long)code);
    } else if (!json_is_object(detail)) {
        snprintf(out->message, sizeof out->message, "the profile page has no webapp.user-detail");
    } else if (code != 0 || !json_is_object(user)) {
        snprintf(out->message, sizeof out->message, "webapp.user-detail without a user (statusCode %lld)",
                 (long long)code);
    } else {
        read_profile(user, json_object_get(info, "stats"), json_object_get(info, "statsV2"), out);
    }
}

/* UserModule.{users,stats} keyed by the handle; the handle asked for, else
 * the only user. */
static void read_user_module(json_t *root, const char *unique_id, lt_tiktok_profile *out)
{
    json_t *module = json_object_get(root, "UserModule");
    json_t *users = json_object_get(module, "users");
    json_t *stats = json_object_get(module, "stats");
    if (!json_is_object(module)) {
        snprintf(out->message, sizeof out->message, "SIGI_STATE has no UserModule");
        return;
    }
    const char *key = unique_id && *unique_id ? unique_id : NULL;
    json_t *user = key ? json_object_get(users, key) : NULL;
    if (!user && json_is_object(users) && json_object_size(users) == 1) {
        void *it = json_object_iter(users);
        key = json_object_iter_key(it);
        user = json_object_iter_value(it);
    }
    if (!json_is_object(user)) {
        out->outcome = LT_TIKTOK_PROFILE_NOT_FOUND;
        snprintf(out->message, sizeof out->message, "no such TikTok user (UserModule has no such user)");
        return;
    }
    read_profile(user, json_object_get(stats, key), NULL, out);
}

/* The state script `name` parsed, NULL if absent or broken (message set;
 * *present tells whether the tag was there). */
static json_t *load_script(const char *body, size_t len, const char *name, bool *present, char *msg,
                           size_t msglen)
{
    const char *start, *end;
    bool no_tag;
    *present = false;
    if (script_json(body, len, name, &start, &end, &no_tag, msg, msglen) != 0) {
        *present = !no_tag;
        return NULL;
    }
    *present = true;
    json_error_t jerr;
    json_t *root = json_loadb(start, (size_t)(end - start), 0, &jerr);
    if (!json_is_object(root)) {
        snprintf(msg, msglen, "the profile page's %s is not a JSON object: %s", name,
                 root ? "not an object" : jerr.text);
        json_decref(root);
        return NULL;
    }
    return root;
}

void lt_tiktok_parse_profile_page(long http_status, const char *body, size_t len, const char *unique_id,
                                  lt_tiktok_profile *out)
{
    memset(out, 0, sizeof(*out));
    out->outcome = LT_TIKTOK_PROFILE_FAILED;
    out->followers = out->following = out->likes = out->videos = -1;
    lt_tiktok_resolution res;
    reset(&res, "profile");
    if (blocked_status(http_status, &res, "the profile page")) {
        out->outcome = res.outcome == LT_TIKTOK_RESOLVE_BLOCKED     ? LT_TIKTOK_PROFILE_BLOCKED
                       : res.outcome == LT_TIKTOK_RESOLVE_NOT_FOUND ? LT_TIKTOK_PROFILE_NOT_FOUND
                                                                    : LT_TIKTOK_PROFILE_FAILED;
        out->rate_limited = http_status == 429;
        copy_str(out->message, sizeof out->message, res.message);
        return;
    }
    /* today's script where it describes the user, else the older one (a
     * page may carry both, one of them empty) */
    bool universal_present, sigi_present;
    char universal_msg[256] = "", sigi_msg[256] = "";
    json_t *root = load_script(body, len, "__UNIVERSAL_DATA_FOR_REHYDRATION__", &universal_present,
                               universal_msg, sizeof universal_msg);
    if (root && json_is_object(LT_TIKTOK_JSON_PATH(root, "__DEFAULT_SCOPE__", "webapp.user-detail"))) {
        out->shape = "universal_data";
        read_universal_data(root, out);
        json_decref(root);
        return;
    }
    json_t *sigi = load_script(body, len, "SIGI_STATE", &sigi_present, sigi_msg, sizeof sigi_msg);
    if (sigi && json_is_object(json_object_get(sigi, "UserModule"))) {
        json_decref(root);
        out->shape = "sigi_state";
        read_user_module(sigi, unique_id, out);
        json_decref(sigi);
        return;
    }
    if (sigi)
        snprintf(sigi_msg, sizeof sigi_msg, "the profile page's SIGI_STATE has no UserModule");
    json_decref(sigi);
    if (!universal_present && !sigi_present) {
        out->outcome = LT_TIKTOK_PROFILE_BLOCKED;
        blocked_page_message(body, len, "profile page", "__UNIVERSAL_DATA_FOR_REHYDRATION__ or SIGI_STATE",
                             out->message, sizeof out->message);
    } else if (root) {
        out->shape = "universal_data";
        read_universal_data(root, out); /* says what is missing */
    } else {
        copy_str(out->message, sizeof out->message, universal_present ? universal_msg : sigi_msg);
    }
    json_decref(root);
}

void lt_tiktok_parse_user_room_api(long http_status, const char *body, size_t len,
                                   lt_tiktok_resolution *out)
{
    reset(out, "api");
    if (blocked_status(http_status, out, "api-live/user/room"))
        return;
    json_error_t jerr;
    json_t *root = json_loadb(body, len, 0, &jerr);
    if (!json_is_object(root)) {
        snprintf(out->message, sizeof out->message, "api-live/user/room: not JSON: %s", jerr.text);
        json_decref(root);
        return;
    }
    int64_t code = lt_tiktok_json_int(json_object_get(root, "statusCode"), 0);
    const char *message = lt_tiktok_json_str(root, "message");
    json_t *data = json_object_get(root, "data");
    if (code == TT_USER_NOT_FOUND || (message && strcmp(message, "user_not_found") == 0)) {
        out->outcome = LT_TIKTOK_RESOLVE_NOT_FOUND;
        snprintf(out->message, sizeof out->message, "no such TikTok user (statusCode %lld)",
                 (long long)code);
    } else if (code == TT_AGE_RESTRICTED) {
        out->outcome = LT_TIKTOK_RESOLVE_AGE_RESTRICTED;
        snprintf(out->message, sizeof out->message,
                 "age-restricted room: needs a logged-in session (sessionid)");
    } else if (code != 0) {
        snprintf(out->message, sizeof out->message, "api-live/user/room: statusCode %lld %s",
                 (long long)code, message ? message : "");
    } else if (!json_is_object(json_object_get(data, "user"))) {
        snprintf(out->message, sizeof out->message, "api-live/user/room: no data.user");
    } else {
        read_user_and_room(json_object_get(data, "user"), json_object_get(data, "liveRoom"),
                           json_object_get(data, "stats"), out);
    }
    json_decref(root);
}

/* Everything beyond the verdict that room/info tells about a room. */
/* data.stream_url's FLV and HLS URL per quality, best first (what a
 * recorder picks from). A quality with neither URL is left out. */
static void read_streams(json_t *stream, lt_tiktok_room_details *d)
{
    static const char *const qualities[LT_TIKTOK_QUALITIES] = {"ORIGIN", "FULL_HD1", "HD1", "SD1", "SD2"};
    json_t *flv = json_object_get(stream, "flv_pull_url");
    json_t *hls = json_object_get(stream, "hls_pull_url_map");
    for (size_t i = 0; i < LT_TIKTOK_QUALITIES; i++) {
        size_t n = d->stream_count;
        lt_tiktok_json_copy_url(d->stream_text[n].flv, sizeof d->stream_text[n].flv,
                                lt_tiktok_json_str(flv, qualities[i]));
        lt_tiktok_json_copy_url(d->stream_text[n].hls, sizeof d->stream_text[n].hls,
                                lt_tiktok_json_str(hls, qualities[i]));
        if (!d->stream_text[n].flv[0] && !d->stream_text[n].hls[0])
            continue;
        copy_str(d->stream_text[n].quality, sizeof d->stream_text[n].quality, qualities[i]);
        d->streams[n].quality = d->stream_text[n].quality;
        d->streams[n].flv = d->stream_text[n].flv[0] ? d->stream_text[n].flv : NULL;
        d->streams[n].hls = d->stream_text[n].hls[0] ? d->stream_text[n].hls : NULL;
        d->stream_count++;
    }
}

static void read_room_details(json_t *data, lt_tiktok_room_details *d)
{
    memset(d, 0, sizeof(*d));
    copy_str(d->title, sizeof d->title, lt_tiktok_json_str(data, "title"));
    d->status = (int)lt_tiktok_json_int(json_object_get(data, "status"), 0);
    d->viewer_count = lt_tiktok_json_int(json_object_get(data, "user_count"), 0);
    json_t *stats = json_object_get(data, "stats");
    d->total_user = lt_tiktok_json_int(json_object_get(stats, "total_user"), 0);
    d->like_count = lt_tiktok_json_int(json_object_get(stats, "like_count"), 0);
    /* start_time where sent, else the room's create_time; seconds, or
     * milliseconds in some answers */
    int64_t start = lt_tiktok_json_int(json_object_get(data, "start_time"), 0);
    if (start <= 0)
        start = lt_tiktok_json_int(json_object_get(data, "create_time"), 0);
    if (start > 0)
        d->start_time_ms = start < 100000000000LL ? start * 1000 : start;
    d->age_restricted = json_is_true(LT_TIKTOK_JSON_PATH(data, "age_restricted", "restricted"));

    /* the best FLV quality offered; rtmp_pull_url is an FLV URL too */
    json_t *stream = json_object_get(data, "stream_url");
    json_t *flv = json_object_get(stream, "flv_pull_url");
    static const char *const qualities[] = {"ORIGIN", "FULL_HD1", "HD1", "SD1", "SD2"};
    for (size_t i = 0; i < sizeof qualities / sizeof qualities[0] && !d->stream_url[0]; i++)
        lt_tiktok_json_copy_url(d->stream_url, sizeof d->stream_url, lt_tiktok_json_str(flv, qualities[i]));
    if (!d->stream_url[0])
        lt_tiktok_json_copy_url(d->stream_url, sizeof d->stream_url,
                                lt_tiktok_json_str(stream, "rtmp_pull_url"));
    read_streams(stream, d);

    json_t *owner = json_object_get(data, "owner");
    if (!json_is_object(owner))
        return;
    d->has_owner = true;
    char id[LT_ROOM_ID_MAX + 1];
    if (lt_tiktok_json_id(json_object_get(owner, "id_str"), id, sizeof id) ||
        lt_tiktok_json_id(json_object_get(owner, "id"), id, sizeof id))
        d->owner_id = strtoll(id, NULL, 10);
    copy_str(d->owner_unique_id, sizeof d->owner_unique_id, lt_tiktok_json_str(owner, "display_id"));
    copy_str(d->owner_nickname, sizeof d->owner_nickname, lt_tiktok_json_str(owner, "nickname"));
    static const char *const avatars[] = {"avatar_thumb", "avatar_medium", "avatar_large"};
    for (size_t i = 0; i < sizeof avatars / sizeof avatars[0] && !d->owner_avatar_url[0]; i++)
        lt_tiktok_json_copy_url(d->owner_avatar_url, sizeof d->owner_avatar_url,
                                lt_tiktok_json_image_url(json_object_get(owner, avatars[i])));
    json_t *follow = json_object_get(owner, "follow_info");
    d->owner_follower_count = lt_tiktok_json_int(json_object_get(follow, "follower_count"), 0);
    d->owner_following_count = lt_tiktok_json_int(json_object_get(follow, "following_count"), 0);
}

void lt_tiktok_parse_room_details(long http_status, const char *body, size_t len, const char *room_id,
                                  lt_tiktok_resolution *out, lt_tiktok_room_details *details)
{
    reset(out, "room_info");
    if (details)
        memset(details, 0, sizeof(*details));
    copy_str(out->room_id, sizeof out->room_id, room_id);
    if (blocked_status(http_status, out, "room/info"))
        return;
    json_error_t jerr;
    json_t *root = json_loadb(body, len, 0, &jerr);
    if (!json_is_object(root)) {
        snprintf(out->message, sizeof out->message, "room/info: not JSON: %s", jerr.text);
        json_decref(root);
        return;
    }
    int64_t code = lt_tiktok_json_int(json_object_get(root, "status_code"), 0);
    json_t *data = json_object_get(root, "data");
    json_t *restricted = LT_TIKTOK_JSON_PATH(data, "age_restricted", "restricted");
    if (code == TT_AGE_RESTRICTED || json_is_true(restricted) ||
        (json_is_object(data) && json_object_get(data, "prompts"))) {
        /* 18+ rooms answer with a bare prompt instead of the room (TikTokLive#228) */
        out->outcome = LT_TIKTOK_RESOLVE_AGE_RESTRICTED;
        snprintf(out->message, sizeof out->message,
                 "age-restricted room: needs a logged-in session (sessionid)");
    } else if (code != 0 || !json_is_object(data) || json_object_size(data) <= 1) {
        const char *msg = lt_tiktok_json_str(data, "message");
        out->outcome = LT_TIKTOK_RESOLVE_NOT_FOUND;
        snprintf(out->message, sizeof out->message, "room/info: no such room (status_code %lld%s%s)",
                 (long long)code, msg ? ", " : "", msg ? msg : "");
    } else {
        copy_str(out->title, sizeof out->title, lt_tiktok_json_str(data, "title"));
        json_t *owner = json_object_get(data, "owner");
        copy_str(out->unique_id, sizeof out->unique_id, lt_tiktok_json_str(owner, "display_id"));
        copy_str(out->nickname, sizeof out->nickname, lt_tiktok_json_str(owner, "nickname"));
        out->follower_count = lt_tiktok_json_int(LT_TIKTOK_JSON_PATH(owner, "follow_info", "follower_count"), -1);
        out->viewer_count = lt_tiktok_json_int(json_object_get(data, "user_count"), -1);
        char rid[LT_ROOM_ID_MAX + 1];
        if (lt_tiktok_json_id(json_object_get(data, "id_str"), rid, sizeof rid) ||
            lt_tiktok_json_id(json_object_get(data, "id"), rid, sizeof rid))
            copy_str(out->room_id, sizeof out->room_id, rid);
        int status = (int)lt_tiktok_json_int(json_object_get(data, "status"), 0);
        set_live_or_offline(out, status ? status : LT_TIKTOK_STATUS_LIVE);
        if (details)
            read_room_details(data, details);
    }
    json_decref(root);
}

void lt_tiktok_parse_room_info(long http_status, const char *body, size_t len, const char *room_id,
                               lt_tiktok_resolution *out)
{
    lt_tiktok_parse_room_details(http_status, body, len, room_id, out, NULL);
}

/* --- URLs --- */

static int fits(int n, size_t outlen)
{
    return n > 0 && (size_t)n < outlen ? 0 : -1;
}

int lt_tiktok_live_page_url(const char *web_base, const char *unique_id, char *out, size_t outlen)
{
    return fits(snprintf(out, outlen, "%s/@%s/live", web_base ? web_base : DEFAULT_WEB_BASE,
                         unique_id), outlen);
}

int lt_tiktok_profile_url(const char *web_base, const char *unique_id, char *out, size_t outlen)
{
    return fits(snprintf(out, outlen, "%s/@%s", web_base ? web_base : DEFAULT_WEB_BASE, unique_id), outlen);
}

int lt_tiktok_user_room_api_url(const char *web_base, const char *unique_id, char *out,
                                size_t outlen)
{
    return fits(snprintf(out, outlen, "%s/api-live/user/room/?%s&uniqueId=%s&sourceType=54",
                         web_base ? web_base : DEFAULT_WEB_BASE, lt_tiktok_web_client_params,
                         unique_id), outlen);
}

int lt_tiktok_room_info_url(const char *api_base, const char *room_id, char *out, size_t outlen)
{
    return fits(snprintf(out, outlen, "%s/webcast/room/info/?%s&room_id=%s",
                         api_base ? api_base : DEFAULT_API_BASE, lt_tiktok_web_client_params,
                         room_id), outlen);
}

/* --- the chain --- */

typedef enum step { STEP_LIVE_PAGE, STEP_API, STEP_ROOM_INFO } step;

struct lt_tiktok_resolve_job {
    lt_http *http;
    lt_tiktok_resolver_options opts;
    lt_tiktok_room_ref ref;
    lt_tiktok_resolve_cb cb;
    void *ctx;
    step step;
    lt_http_request *req;
    lt_tiktok_resolution first;  /* the live page's answer, kept for the verdict */
    lt_tiktok_resolution best;   /* what we know of the room so far */
};

static void on_response(void *ctx, const lt_http_response *resp);

static int start_step(lt_tiktok_resolve_job *job, step s, char *err, size_t errlen)
{
    char url[2048];
    int rc;
    job->step = s;
    switch (s) {
    case STEP_LIVE_PAGE:
        rc = lt_tiktok_live_page_url(job->opts.web_base, job->ref.unique_id, url, sizeof url);
        break;
    case STEP_API:
        rc = lt_tiktok_user_room_api_url(job->opts.web_base, job->ref.unique_id, url, sizeof url);
        break;
    default:
        rc = lt_tiktok_room_info_url(job->opts.api_base, job->best.room_id, url, sizeof url);
        break;
    }
    if (rc != 0) {
        snprintf(err, errlen, "URL too long");
        return -1;
    }
    const char *headers[4];
    size_t n = 0;
    headers[n++] = "Accept-Language: en-US,en;q=0.9";
    headers[n++] = "Referer: https://www.tiktok.com/";
    char cookie[1024];
    if (job->opts.cookies && *job->opts.cookies) {
        snprintf(cookie, sizeof cookie, "Cookie: %s", job->opts.cookies);
        headers[n++] = cookie;
    }
    headers[n++] = s == STEP_LIVE_PAGE ? "Accept: text/html,application/xhtml+xml"
                                       : "Accept: application/json";
    job->req = lt_http_get(job->http, url, headers, n, on_response, job, err, errlen);
    return job->req ? 0 : -1;
}

static void finish(lt_tiktok_resolve_job *job, const lt_tiktok_resolution *res)
{
    /* res may point into the job: copy before freeing it */
    lt_tiktok_resolution copy = *res;
    lt_tiktok_resolve_cb cb = job->cb;
    void *ctx = job->ctx;
    free(job);
    cb(ctx, &copy);
}

/* Which of two failed answers tells the person more. */
static const lt_tiktok_resolution *more_specific(const lt_tiktok_resolution *a,
                                                 const lt_tiktok_resolution *b)
{
    return b->outcome != LT_TIKTOK_RESOLVE_FAILED ? b : a;
}

static void after_room_known(lt_tiktok_resolve_job *job)
{
    char err[256];
    if (job->opts.skip_room_info) {
        finish(job, &job->best);
        return;
    }
    if (start_step(job, STEP_ROOM_INFO, err, sizeof err) != 0)
        finish(job, &job->best);
}

static void on_response(void *ctx, const lt_http_response *resp)
{
    lt_tiktok_resolve_job *job = ctx;
    lt_tiktok_resolution res;
    const char *body = (const char *)resp->body;
    char err[256];
    job->req = NULL;

    switch (job->step) {
    case STEP_LIVE_PAGE:
        if (resp->error) {
            reset(&res, "live_page");
            snprintf(res.message, sizeof res.message, "live page: %s", resp->error);
        } else {
            lt_tiktok_parse_live_page(resp->status, body, resp->body_len, &res);
        }
        if (res.outcome == LT_TIKTOK_RESOLVE_LIVE) {
            job->best = res;
            after_room_known(job);
        } else {
            /* anything else is confirmed by the API, "offline" included: an
             * 18+ room looks offline on the page and only the API says why */
            job->first = res;
            if (start_step(job, STEP_API, err, sizeof err) != 0)
                finish(job, &job->first);
        }
        return;
    case STEP_API:
        if (resp->error) {
            reset(&res, "api");
            snprintf(res.message, sizeof res.message, "api-live/user/room: %s", resp->error);
        } else {
            lt_tiktok_parse_user_room_api(resp->status, body, resp->body_len, &res);
        }
        if (res.outcome == LT_TIKTOK_RESOLVE_LIVE) {
            job->best = res;
            after_room_known(job);
        } else if (job->first.outcome == LT_TIKTOK_RESOLVE_OFFLINE &&
                   res.outcome != LT_TIKTOK_RESOLVE_AGE_RESTRICTED &&
                   res.outcome != LT_TIKTOK_RESOLVE_OFFLINE) {
            /* the page showed the user; an API that cannot confirm does not
             * make them vanish */
            finish(job, &job->first);
        } else if (res.outcome == LT_TIKTOK_RESOLVE_FAILED || res.outcome == LT_TIKTOK_RESOLVE_BLOCKED) {
            finish(job, more_specific(&res, &job->first));
        } else {
            finish(job, &res);
        }
        return;
    case STEP_ROOM_INFO:
        if (resp->error) {
            reset(&res, "room_info");
            snprintf(res.message, sizeof res.message, "room/info: %s", resp->error);
        } else {
            lt_tiktok_parse_room_info(resp->status, body, resp->body_len, job->best.room_id, &res);
        }
        if (res.outcome == LT_TIKTOK_RESOLVE_LIVE) {
            /* keep what the page knew where room/info is silent */
            if (!res.unique_id[0])
                copy_str(res.unique_id, sizeof res.unique_id, job->best.unique_id);
            if (!res.title[0])
                copy_str(res.title, sizeof res.title, job->best.title);
            finish(job, &res);
        } else if (res.outcome == LT_TIKTOK_RESOLVE_FAILED && job->ref.kind == LT_TIKTOK_ROOM_BY_USER) {
            /* room/info is enrichment once the page said live */
            finish(job, &job->best);
        } else {
            finish(job, &res);
        }
        return;
    }
}

lt_tiktok_resolve_job *lt_tiktok_resolve(lt_http *http, const lt_tiktok_resolver_options *opts,
                                         const lt_tiktok_room_ref *ref, lt_tiktok_resolve_cb cb,
                                         void *ctx, char *err, size_t errlen)
{
    lt_tiktok_resolve_job *job = calloc(1, sizeof(*job));
    if (!job) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    job->http = http;
    if (opts)
        job->opts = *opts;
    job->ref = *ref;
    job->cb = cb;
    job->ctx = ctx;
    int rc;
    if (ref->kind == LT_TIKTOK_ROOM_BY_ID) {
        reset(&job->best, "input");
        copy_str(job->best.room_id, sizeof job->best.room_id, ref->room_id);
        job->best.outcome = LT_TIKTOK_RESOLVE_LIVE;
        /* a bare room id has only room/info to tell whether it exists and is
         * live, so skip_room_info does not apply to it */
        rc = start_step(job, STEP_ROOM_INFO, err, errlen);
    } else {
        rc = start_step(job, STEP_LIVE_PAGE, err, errlen);
    }
    if (rc != 0) {
        free(job);
        return NULL;
    }
    return job;
}

void lt_tiktok_resolve_cancel(lt_tiktok_resolve_job *job)
{
    if (!job)
        return;
    lt_http_cancel(job->req);
    free(job);
}
