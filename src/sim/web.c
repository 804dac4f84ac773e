/* web.c - TikTok's web endpoints as the simulator serves them.
 *
 * Shapes follow webcast-protocol.md section 1: the live page embeds
 * SIGI_STATE (LiveRoom.liveRoomUserInfo.{user,liveRoom}); a user that does
 * not exist has no LiveRoom key; a blocked client gets a WAF challenge page
 * without SIGI_STATE; api-live answers statusCode 0, 19881007
 * (user_not_found) or 4003110 (age restricted); room/info answers the 18+
 * "prompts" payload for age-restricted rooms. Status 2 = live, 4 = offline.
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

static json_t *user_json(const lt_sim_room *r)
{
    char room_id[32];
    snprintf(room_id, sizeof room_id, "%lld", (long long)r->room_id);
    return json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:b}", "id", "6900000000000000001", "uniqueId", r->unique_id,
                     "nickname", r->unique_id, "roomId", room_id, "status", status_code(r), "avatarLarger",
                     "https://p16-sign-va.tiktokcdn.com/avatar/host.webp", "verified", 0);
}

static json_t *live_room_json(const lt_sim_room *r)
{
    return json_pack("{s:s, s:I, s:i, s:{s:I, s:I}}", "title", "simulated LIVE", "startTime",
                     (json_int_t)(lt_now_ms() / 1000 - 600), "status", status_code(r), "liveRoomStats", "userCount",
                     (json_int_t)(300 + r->index % 200), "enterCount", (json_int_t)(10000 + r->stats.sent));
}

static int send_json(struct lws *wsi, pss *p, int status, json_t *body)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text)
        return -1;
    int rc = lt_sim_respond(wsi, p, status, "application/json", text, strlen(text), NULL);
    free(text);
    return rc;
}

int lt_sim_live_page(struct lws *wsi, lt_sim *sim, pss *p, const char *rest)
{
    char name[96];
    snprintf(name, sizeof name, "%s", rest);
    char *slash = strchr(name, '/');
    if (slash)
        *slash = '\0';
    lt_sim_room *r = lt_sim_find_room(sim, name);
    if (r && r->state == LT_SIM_CAPTCHA) {
        const char *waf = "<!DOCTYPE html><html><head><title>Please wait...</title></head><body>"
                          "<script>var _wafchallengeid=\"sim\";</script></body></html>";
        return lt_sim_respond(wsi, p, 200, "text/html", waf, strlen(waf), NULL);
    }
    json_t *sigi = json_object();
    if (r && r->state != LT_SIM_NOT_FOUND)
        json_object_set_new(sigi, "LiveRoom",
                            json_pack("{s:{s:o, s:o, s:{s:I, s:I}}}", "liveRoomUserInfo", "user", user_json(r),
                                      "liveRoom", live_room_json(r), "stats", "followerCount", (json_int_t)12345,
                                      "followingCount", (json_int_t)321));
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
        return send_json(wsi, p, 200, json_pack("{s:i, s:s}", "statusCode", 10201, "message", "params_error"));
    if (!r || r->state == LT_SIM_NOT_FOUND)
        return send_json(wsi, p, 200, json_pack("{s:i, s:s}", "statusCode", 19881007, "message", "user_not_found"));
    if (r->state == LT_SIM_AGE_RESTRICTED)
        return send_json(wsi, p, 200, json_pack("{s:i, s:s}", "statusCode", 4003110, "message", "age restricted"));
    if (r->state == LT_SIM_CAPTCHA)
        return lt_sim_respond(wsi, p, 403, "text/html", "<html>Access Denied</html>", 26, NULL);
    return send_json(wsi, p, 200,
                     json_pack("{s:i, s:s, s:{s:o, s:o, s:{s:I, s:I}}}", "statusCode", 0, "message", "", "data",
                               "user", user_json(r), "liveRoom", live_room_json(r), "stats", "followerCount",
                               (json_int_t)12345, "followingCount", (json_int_t)321));
}

int lt_sim_room_info(struct lws *wsi, lt_sim *sim, pss *p)
{
    char id[32];
    lt_sim_arg(wsi, "room_id", id, sizeof id);
    lt_sim_room *r = lt_sim_find_room(sim, id);
    if (!r || r->state == LT_SIM_NOT_FOUND)
        return send_json(wsi, p, 200, json_pack("{s:{s:s}, s:i}", "data", "message", "room not found",
                                                "status_code", 30003));
    if (r->state == LT_SIM_AGE_RESTRICTED)
        return send_json(wsi, p, 200,
                         json_pack("{s:{s:s, s:s}, s:i}", "data", "message", "Request params error", "prompts",
                                   "Request params error", "status_code", 10011));
    json_t *owner = json_pack("{s:s, s:s, s:s, s:{s:I, s:I}, s:{s:[s]}}", "id_str", "6900000000000000001",
                              "display_id", r->unique_id, "nickname", r->unique_id, "follow_info", "follower_count",
                              (json_int_t)12345, "following_count", (json_int_t)321, "avatar_large", "url_list",
                              "https://p16-sign-va.tiktokcdn.com/avatar/host.webp");
    json_object_set_new(owner, "id", json_integer(6900000000000000001LL));
    json_t *data = json_pack("{s:i, s:s, s:I, s:{s:I, s:I}, s:o, s:{s:b}, s:{s:{s:s}}}", "status", status_code(r),
                             "title", "simulated LIVE", "user_count", (json_int_t)(300 + r->index % 200), "stats",
                             "total_user", (json_int_t)(10000 + r->stats.sent), "like_count",
                             (json_int_t)r->like_total, "owner", owner, "age_restricted", "restricted", 0,
                             "stream_url", "flv_pull_url", "FULL_HD1", "https://pull-flv.tiktokcdn.com/sim.flv");
    json_object_set_new(data, "id_str", json_sprintf("%lld", (long long)r->room_id));
    return send_json(wsi, p, 200, json_pack("{s:o, s:i, s:{s:I}}", "data", data, "status_code", 0, "extra", "now",
                                            (json_int_t)lt_now_ms()));
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
    return send_json(wsi, p, 200, json_pack("{s:o, s:i, s:{s:I}}", "data", data, "status_code", 0, "extra", "now",
                                            (json_int_t)lt_now_ms()));
}

int lt_sim_gift_list(struct lws *wsi, lt_sim *sim, pss *p)
{
    static const struct {
        int64_t id;
        const char *name;
        int diamonds, type;
    } gifts[] = {{5655, "Rose", 1, 1}, {5269, "TikTok", 1, 1}, {5487, "Finger Heart", 5, 1}, {6064, "GG", 1, 1},
                 {5760, "Weights", 1, 1}, {6369, "Lion", 29999, 2}, {11046, "Galaxy", 1000, 2}};
    json_t *list = json_array();
    for (size_t i = 0; i < sizeof gifts / sizeof gifts[0]; i++) {
        char url[96];
        snprintf(url, sizeof url, "https://p19-webcast.tiktokcdn.com/img/gift/%lld.png", (long long)gifts[i].id);
        json_array_append_new(list, json_pack("{s:I, s:s, s:i, s:i, s:{s:[s]}}", "id", (json_int_t)gifts[i].id,
                                              "name", gifts[i].name, "diamond_count", gifts[i].diamonds, "type",
                                              gifts[i].type, "image", "url_list", url));
    }
    return send_json(wsi, p, 200, json_pack("{s:{s:o}, s:i}", "data", "gifts", list, "status_code", 0));
}
