/* web.c - TikTok's web endpoints as the simulator serves them.
 *
 * Shapes follow docs/protocol/webcast.md §1: the live page embeds
 * SIGI_STATE (LiveRoom.liveRoomUserInfo.{user,liveRoom}); a user that does
 * not exist has no LiveRoom key; a blocked client gets a WAF challenge page
 * without SIGI_STATE; api-live answers statusCode 0, 19881007
 * (user_not_found) or 4003110 (age restricted); room/info answers the 18+
 * "prompts" payload for age-restricted rooms. Status 2 = live, 4 = offline.
 *
 * Each room has its own host, title, start time and stream URLs, derived
 * from its index, and the live page, api-live and room/info agree on them;
 * room/info has the shape of webcast.tiktok.com's (data.owner with
 * follow_info and avatar images, data.stats, data.stream_url with FLV and
 * HLS URLs per quality). The gift list is the catalogue generated gifts are
 * drawn from (traffic.h).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_internal.h"

static int status_code(const lt_sim_room *r)
{
    return r->state == LT_SIM_LIVE ? 2 : 4;
}

/* The per-room facts every endpoint agrees on. */
static const char *const titles[] = {"late night lofi & chat 🎧", "cooking ramen from scratch 🍜",
                                     "Sunday chess with viewers ♟️", "painting the city skyline",
                                     "Q&A: ask me anything", "morning run in the park 🏃",
                                     "guitar covers, requests open", "building a PC live"};
static const char *const hosts[] = {"Mika ✨", "Jonas B.", "Aylin", "Sven the Chef", "Priya 🎨", "Tomás",
                                    "Lea", "Kenji"};

static int64_t owner_id(const lt_sim_room *r)
{
    return 6900000000000000001LL + (int64_t)r->index * 7919;
}

static int64_t follower_count(const lt_sim_room *r)
{
    return r->profile.followers;
}

static int64_t viewer_count(const lt_sim_room *r)
{
    return 300 + r->index % 200;
}

static int64_t total_user(const lt_sim_room *r)
{
    return 10000 + (int64_t)r->stats.sent;
}

const char *lt_sim_host_name(const lt_sim_room *r)
{
    return hosts[r->index % (sizeof hosts / sizeof hosts[0])];
}

static const char *title_of(const lt_sim_room *r)
{
    return titles[r->index % (sizeof titles / sizeof titles[0])];
}

/* An Image as TikTok sends it: {"uri", "url_list": [...]} */
static json_t *avatar_json(const lt_sim_room *r, const char *size)
{
    char uri[128], url[256];
    snprintf(uri, sizeof uri, "tos-maliva-avt-0068/%s", r->unique_id);
    snprintf(url, sizeof url, "https://p16-sign-va.tiktokcdn.com/%s~c5_%s.webp", uri, size);
    return json_pack("{s:s, s:[s]}", "uri", uri, "url_list", url);
}

/* data.stream_url: FLV and HLS per quality, as the web player reads it.
 * With a stream clip (--stream-file) the URLs point at this simulator (the
 * Host the request came to), where stream.c serves them; stream_expire_s
 * makes them expire that long from now. */
static json_t *stream_url_json(const lt_sim *sim, struct lws *wsi, const lt_sim_room *r)
{
    static const char *const qualities[] = {"FULL_HD1", "HD1", "SD1", "SD2"};
    static const char *const suffixes[] = {"_or4", "_hd", "_sd", "_ld"};
    json_t *flv = json_object(), *hls = json_object();
    char stream[64], url[512], host[128] = "";
    snprintf(stream, sizeof stream, "stream-%lld", (long long)r->room_id);
    if ((sim->clip || sim->hls) && lws_hdr_copy(wsi, host, sizeof host, WSI_TOKEN_HOST) <= 0)
        host[0] = '\0';
    long long expire = r->live_since_ms / 1000 + 604800;
    if (r->faults.stream_expire_s)
        expire = lt_now_ms() / 1000 + r->faults.stream_expire_s;
    for (size_t i = 0; i < 4; i++) {
        const char *scheme = sim->opts.tls_cert ? "https" : "http";
        if (host[0] && sim->clip)
            snprintf(url, sizeof url, "%s://%s/stream/%lld%s.flv?expire=%lld", scheme, host,
                     (long long)r->room_id, suffixes[i], expire);
        else
            snprintf(url, sizeof url, "https://pull-f5-tt03.tiktokcdn.com/game/%s%s.flv?expire=%lld", stream,
                     suffixes[i], expire);
        json_object_set_new(flv, qualities[i], json_string(url));
        if (host[0] && sim->hls)
            snprintf(url, sizeof url, "%s://%s/hls/%lld%s/index.m3u8?expire=%lld", scheme, host,
                     (long long)r->room_id, suffixes[i], expire);
        else
            snprintf(url, sizeof url, "https://pull-hls-f5-tt03.tiktokcdn.com/game/%s%s/index.m3u8", stream,
                     suffixes[i]);
        json_object_set_new(hls, qualities[i], json_string(url));
    }
    json_t *out = json_pack("{s:o, s:o, s:[s, s, s, s], s:s}", "flv_pull_url", flv, "hls_pull_url_map", hls,
                            "candidate_resolution", "SD2", "SD1", "HD1", "FULL_HD1", "default_resolution", "HD1");
    json_object_set(out, "rtmp_pull_url", json_object_get(flv, "FULL_HD1"));
    json_object_set(out, "hls_pull_url", json_object_get(hls, "FULL_HD1"));
    json_object_set_new(out, "id_str", json_string(stream + 7));
    return out;
}

static json_t *user_json(const lt_sim_room *r)
{
    char room_id[32], id[32], avatar[160];
    snprintf(room_id, sizeof room_id, "%lld", (long long)r->room_id);
    snprintf(id, sizeof id, "%lld", (long long)owner_id(r));
    snprintf(avatar, sizeof avatar, "https://p16-sign-va.tiktokcdn.com/tos-maliva-avt-0068/%s~c5_1080x1080.webp",
             r->unique_id);
    return json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:b}", "id", id, "uniqueId", r->unique_id, "nickname",
                     hosts[r->index % (sizeof hosts / sizeof hosts[0])], "roomId", room_id, "status",
                     status_code(r), "avatarLarger", avatar, "verified", r->profile.verified);
}

static json_t *live_room_json(const lt_sim_room *r)
{
    return json_pack("{s:s, s:I, s:i, s:{s:I, s:I}}", "title", title_of(r), "startTime",
                     (json_int_t)(r->live_since_ms / 1000), "status", status_code(r), "liveRoomStats", "userCount",
                     (json_int_t)viewer_count(r), "enterCount", (json_int_t)total_user(r));
}

int lt_sim_live_page(struct lws *wsi, lt_sim *sim, pss *p, const char *rest)
{
    char name[96];
    snprintf(name, sizeof name, "%s", rest);
    char *slash = strchr(name, '/');
    bool profile = !slash || !slash[1]; /* /@user is the profile page, /@user/live the live page */
    if (slash)
        *slash = '\0';
    lt_sim_room *r = lt_sim_find_room(sim, name);
    if (profile)
        return lt_sim_profile_page(wsi, sim, p, r, name);
    if (r && r->state == LT_SIM_CAPTCHA) {
        const char *waf = "<!DOCTYPE html><html><head><title>Please wait...</title></head><body>"
                          "<script>var _wafchallengeid=\"sim\";</script></body></html>";
        return lt_sim_respond(wsi, p, 200, "text/html", waf, strlen(waf), NULL);
    }
    json_t *sigi = json_object();
    if (r && r->state != LT_SIM_NOT_FOUND)
        json_object_set_new(sigi, "LiveRoom",
                            json_pack("{s:{s:o, s:o, s:{s:I, s:I}}}", "liveRoomUserInfo", "user",
                                      user_json(r), "liveRoom", live_room_json(r), "stats", "followerCount",
                                      (json_int_t)r->profile.followers, "followingCount",
                                      (json_int_t)r->profile.following));
    json_object_set_new(sigi, "AppContext", json_pack("{s:{s:s}}", "appContext", "language", "en"));
    char *state = json_dumps(sigi, JSON_COMPACT);
    json_decref(sigi);
    if (!state)
        return -1;
    const char *head = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>LIVE</title>"
                       "</head><body><div id=\"app\"></div>"
                       "<script id=\"SIGI_STATE\" type=\"application/json\">";
    const char *tail = "</script></body></html>";
    size_t len = strlen(head) + strlen(state) + strlen(tail);
    char *html = malloc(len + 1);
    if (!html) {
        free(state);
        return -1;
    }
    snprintf(html, len + 1, "%s%s%s", head, state, tail);
    int rc = lt_sim_respond(wsi, p, 200, "text/html; charset=utf-8", html, len, NULL);
    free(html);
    free(state);
    return rc;
}

int lt_sim_api_live(struct lws *wsi, lt_sim *sim, pss *p)
{
    char uid[96];
    lt_sim_arg(wsi, "uniqueId", uid, sizeof uid);
    lt_sim_room *r = lt_sim_find_room(sim, uid);
    if (!uid[0])
        return lt_sim_respond_json(
            wsi, p, 200, json_pack("{s:i, s:s}", "statusCode", 10201, "message", "params_error"), NULL);
    if (!r || r->state == LT_SIM_NOT_FOUND)
        return lt_sim_respond_json(
            wsi, p, 200, json_pack("{s:i, s:s}", "statusCode", 19881007, "message", "user_not_found"), NULL);
    if (r->state == LT_SIM_AGE_RESTRICTED)
        return lt_sim_respond_json(
            wsi, p, 200, json_pack("{s:i, s:s}", "statusCode", 4003110, "message", "age restricted"), NULL);
    if (r->state == LT_SIM_CAPTCHA)
        return lt_sim_respond(wsi, p, 403, "text/html", "<html>Access Denied</html>", 26, NULL);
    return lt_sim_respond_json(wsi, p, 200,
                               json_pack("{s:i, s:s, s:{s:o, s:o, s:{s:I, s:I}}}", "statusCode", 0, "message",
                                         "", "data", "user", user_json(r), "liveRoom", live_room_json(r),
                                         "stats", "followerCount", (json_int_t)r->profile.followers,
                                         "followingCount", (json_int_t)r->profile.following),
                               NULL);
}

int lt_sim_room_info(struct lws *wsi, lt_sim *sim, pss *p)
{
    char id[32];
    lt_sim_arg(wsi, "room_id", id, sizeof id);
    lt_sim_room *r = lt_sim_find_room(sim, id);
    if (r && ++r->stats.room_info_requests <= (uint64_t)r->faults.room_info_fail_first)
        return lt_sim_respond(wsi, p, 500, "text/html", "<html>Internal Server Error</html>", 34, NULL);
    if (!r || r->state == LT_SIM_NOT_FOUND)
        return lt_sim_respond_json(
            wsi, p, 200,
            json_pack("{s:{s:s}, s:i}", "data", "message", "room not found", "status_code", 30003), NULL);
    if (r->state == LT_SIM_AGE_RESTRICTED)
        return lt_sim_respond_json(wsi, p, 200,
                                   json_pack("{s:{s:s, s:s}, s:i}", "data", "message", "Request params error",
                                             "prompts", "Request params error", "status_code", 10011),
                                   NULL);
    char owner_str[32];
    snprintf(owner_str, sizeof owner_str, "%lld", (long long)owner_id(r));
    json_t *owner = json_pack("{s:I, s:s, s:s, s:s, s:s, s:{s:I, s:I, s:i}, s:o, s:o, s:o, s:b}", "id",
                              (json_int_t)owner_id(r), "id_str", owner_str, "display_id", r->unique_id,
                              "nickname", hosts[r->index % (sizeof hosts / sizeof hosts[0])],
                              "bio_description", "streaming most evenings, say hi!", "follow_info",
                              "follower_count", (json_int_t)follower_count(r), "following_count",
                              (json_int_t)r->profile.following, "follow_status", 0, "avatar_thumb",
                              avatar_json(r, "100x100"), "avatar_medium", avatar_json(r, "720x720"),
                              "avatar_large", avatar_json(r, "1080x1080"), "verified", r->profile.verified);
    json_object_set_new(owner, "sec_uid", json_sprintf("MS4wLjABAAAA-sim-%s", r->unique_id));
    json_t *data = json_pack("{s:I, s:i, s:s, s:I, s:I, s:I, s:o, s:{s:I, s:I, s:I, s:I}, s:{s:b}, s:o, s:{s:[s]}}",
                             "id", (json_int_t)r->room_id, "status", status_code(r), "title", title_of(r),
                             "create_time", (json_int_t)(r->live_since_ms / 1000), "user_count",
                             (json_int_t)viewer_count(r), "owner_user_id", (json_int_t)owner_id(r), "owner", owner,
                             "stats", "total_user", (json_int_t)total_user(r), "like_count",
                             (json_int_t)r->like_total, "enter_count", (json_int_t)total_user(r), "share_count",
                             (json_int_t)(r->index * 3), "age_restricted", "restricted", 0, "stream_url",
                             stream_url_json(sim, wsi, r), "cover", "url_list",
                             "https://p16-webcast.tiktokcdn.com/webcast-va/cover.webp");
    json_object_set_new(data, "id_str", json_sprintf("%lld", (long long)r->room_id));
    return lt_sim_respond_json(wsi, p, 200,
                               json_pack("{s:o, s:i, s:{s:I}}", "data", data, "status_code", 0, "extra",
                                         "now", (json_int_t)lt_now_ms()),
                               NULL);
}

int lt_sim_check_alive(struct lws *wsi, lt_sim *sim, pss *p)
{
    char ids[2048];
    lt_sim_arg(wsi, "room_ids", ids, sizeof ids);
    json_t *data = json_array();
    char *save = NULL;
    for (char *tok = strtok_r(ids, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        lt_sim_room *r = lt_sim_find_room(sim, tok);
        json_array_append_new(data, json_pack("{s:b, s:I, s:s}", "alive", r && r->state == LT_SIM_LIVE, "room_id",
                                              (json_int_t)strtoll(tok, NULL, 10), "room_id_str", tok));
    }
    return lt_sim_respond_json(wsi, p, 200,
                               json_pack("{s:o, s:i, s:{s:I}}", "data", data, "status_code", 0, "extra",
                                         "now", (json_int_t)lt_now_ms()),
                               NULL);
}

int lt_sim_gift_list(struct lws *wsi, lt_sim *sim, pss *p)
{
    char id[32];
    lt_sim_arg(wsi, "room_id", id, sizeof id);
    lt_sim_room *r = id[0] ? lt_sim_find_room(sim, id) : NULL;
    if (r && ++r->stats.gift_list_requests <= (uint64_t)r->faults.gift_list_garbage_first) {
        static const char cut[] = "{\"data\":{\"gifts\":[{\"id\":5655,\"na";
        return lt_sim_respond(wsi, p, 200, "application/json", cut, sizeof cut - 1, NULL);
    }
    json_t *list = json_array();
    for (size_t i = 0; i < lt_sim_gift_count; i++) {
        const lt_sim_gift *g = &lt_sim_gifts[i];
        char url[160], uri[64];
        lt_sim_gift_image_url(g, url, sizeof url);
        snprintf(uri, sizeof uri, "webcast-va/gift/%lld", (long long)g->id);
        json_array_append_new(list, json_pack("{s:I, s:s, s:i, s:i, s:b, s:s, s:i, s:b, s:{s:s, s:[s]}, "
                                              "s:{s:s, s:[s]}}",
                                              "id", (json_int_t)g->id, "name", g->name, "diamond_count",
                                              g->diamonds, "type", g->type, "combo", g->type == 1, "describe",
                                              g->describe, "duration", g->type == 1 ? 1000 : 3000,
                                              "is_displayed_on_panel", 1, "image", "uri", uri, "url_list", url,
                                              "icon", "uri", uri, "url_list", url));
    }
    return lt_sim_respond_json(wsi, p, 200,
                               json_pack("{s:{s:o}, s:{s:I}, s:i}", "data", "gifts", list, "extra", "now",
                                         (json_int_t)lt_now_ms(), "status_code", 0),
                               NULL);
}

json_t *lt_sim_feed_room_json(const lt_sim_room *r)
{
    static const char *const hashtags[] = {"Music",         "Food",   "Gaming", "Art",
                                           "Just Chatting", "Sports", "Music",  "Tech"};
    char owner_str[32];
    snprintf(owner_str, sizeof owner_str, "%lld", (long long)owner_id(r));
    json_t *owner = json_pack("{s:I, s:s, s:s, s:s, s:{s:I, s:I}, s:o}", "id", (json_int_t)owner_id(r),
                              "id_str", owner_str, "display_id", r->unique_id, "nickname",
                              hosts[r->index % (sizeof hosts / sizeof hosts[0])], "follow_info",
                              "follower_count", (json_int_t)follower_count(r), "following_count",
                              (json_int_t)(321 + r->index), "avatar_thumb", avatar_json(r, "100x100"));
    json_t *room = json_pack(
        "{s:I, s:i, s:s, s:I, s:I, s:I, s:o, s:{s:I, s:s}, s:{s:I, s:I}}", "id", (json_int_t)r->room_id,
        "status", status_code(r), "title", title_of(r), "create_time", (json_int_t)(r->live_since_ms / 1000),
        "user_count", (json_int_t)viewer_count(r), "owner_user_id", (json_int_t)owner_id(r), "owner", owner,
        "hashtag", "id", (json_int_t)(5 + r->index % 8), "title",
        hashtags[r->index % (sizeof hashtags / sizeof hashtags[0])], "stats", "total_user",
        (json_int_t)total_user(r), "like_count", (json_int_t)r->like_total);
    json_object_set_new(room, "id_str", json_sprintf("%lld", (long long)r->room_id));
    return room;
}
