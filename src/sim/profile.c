/* profile.c - the profile page (www.tiktok.com/@user) and the coin price
 * list (webcast/diamond/) as the simulator serves them.
 *
 * Shapes follow docs/protocol/profile-and-prices.md §1 and §2. The profile page embeds
 * today's __UNIVERSAL_DATA_FOR_REHYDRATION__ script
 * (__DEFAULT_SCOPE__["webapp.user-detail"].userInfo.{user,stats}), or with
 * the room's profile_sigi fault the older SIGI_STATE UserModule
 * ({users,stats} keyed by the handle). A handle that does not exist answers
 * statusCode 10221 (today) or an empty UserModule (older). The stats are the
 * room's lt_sim_profile, the same numbers room/info and the live page show.
 *
 * The price list is one list for the process: coin packages with their
 * price in USD cents and in the local currency (`currency`, default EUR),
 * scaled by `price_percent` so a test can watch a price change.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_internal.h"

#define TT_USER_NOT_EXIST 10221

static const char waf_page[] = "<!DOCTYPE html><html><head><title>Please wait...</title></head><body>"
                               "<div id=\"tiktok-verify-page\"></div>"
                               "<script>var _wafchallengeid=\"sim\";</script></body></html>";

void lt_sim_profile_init(lt_sim_room *r)
{
    int64_t i = (int64_t)r->index;
    r->profile.followers = 12345 + i * 1000;
    r->profile.following = 321 + i;
    r->profile.likes = 250000 + i * 17000;
    r->profile.videos = 42 + i;
    r->profile.verified = r->index % 4 == 1;
    r->profile.private_account = false;
}

static json_t *profile_user_json(const lt_sim_room *r)
{
    char id[32], room_id[32], avatar[160];
    snprintf(id, sizeof id, "%lld", 6900000000000000001LL + (long long)r->index * 7919);
    snprintf(room_id, sizeof room_id, "%lld", (long long)r->room_id);
    snprintf(avatar, sizeof avatar,
             "https://p16-sign-va.tiktokcdn.com/tos-maliva-avt-0068/%s~c5_1080x1080.webp", r->unique_id);
    json_t *user = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:b, s:s}", "id", id, "uniqueId",
                             r->unique_id, "nickname", lt_sim_host_name(r), "avatarLarger", avatar,
                             "signature", "streaming most evenings, say hi!", "verified", r->profile.verified,
                             "privateAccount", r->profile.private_account, "secret",
                             r->profile.private_account, "roomId", r->state == LT_SIM_LIVE ? room_id : "");
    json_object_set_new(user, "secUid", json_sprintf("MS4wLjABAAAA-sim-%s", r->unique_id));
    return user;
}

static json_t *profile_stats_json(const lt_sim_room *r)
{
    const lt_sim_profile *s = &r->profile;
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "followerCount", (json_int_t)s->followers,
                     "followingCount", (json_int_t)s->following, "heart", (json_int_t)s->likes, "heartCount",
                     (json_int_t)s->likes, "videoCount", (json_int_t)s->videos, "diggCount", (json_int_t)1234,
                     "friendCount", (json_int_t)(s->following / 3));
}

/* statsV2 carries the same counts as strings (64-bit safe). */
static json_t *profile_stats_v2_json(const lt_sim_room *r)
{
    const lt_sim_profile *s = &r->profile;
    json_t *v2 = json_object();
    json_object_set_new(v2, "followerCount", json_sprintf("%lld", (long long)s->followers));
    json_object_set_new(v2, "followingCount", json_sprintf("%lld", (long long)s->following));
    json_object_set_new(v2, "heart", json_sprintf("%lld", (long long)s->likes));
    json_object_set_new(v2, "heartCount", json_sprintf("%lld", (long long)s->likes));
    json_object_set_new(v2, "videoCount", json_sprintf("%lld", (long long)s->videos));
    return v2;
}

static json_t *universal_state(const lt_sim_room *r)
{
    json_t *detail;
    if (!r || r->state == LT_SIM_NOT_FOUND)
        detail = json_pack("{s:i, s:s}", "statusCode", TT_USER_NOT_EXIST, "statusMsg", "user not exist");
    else
        detail = json_pack("{s:{s:o, s:o, s:o}, s:i, s:s}", "userInfo", "user", profile_user_json(r), "stats",
                           profile_stats_json(r), "statsV2", profile_stats_v2_json(r), "statusCode", 0,
                           "statusMsg", "");
    return json_pack("{s:{s:{s:s}, s:o}}", "__DEFAULT_SCOPE__", "webapp.app-context", "language", "en",
                     "webapp.user-detail", detail);
}

static json_t *sigi_state(const lt_sim_room *r)
{
    json_t *users = json_object(), *stats = json_object();
    if (r && r->state != LT_SIM_NOT_FOUND) {
        json_object_set_new(users, r->unique_id, profile_user_json(r));
        json_object_set_new(stats, r->unique_id, profile_stats_json(r));
    }
    return json_pack("{s:{s:o, s:o}, s:{s:s}}", "UserModule", "users", users, "stats", stats, "UserPage",
                     "uniqueId", r ? r->unique_id : "");
}

int lt_sim_profile_page(struct lws *wsi, lt_sim *sim, pss *p, lt_sim_room *r, const char *name)
{
    (void)sim;
    (void)name;
    uint64_t n = r ? ++r->stats.profile_requests - r->faults.profile_fault_from : 0;
    if (r && n <= (uint64_t)r->faults.profile_429_first) {
        static const char *const headers[] = {"Retry-After:", "1", NULL};
        static const char body[] = "<html><body>Too Many Requests</body></html>";
        return lt_sim_respond(wsi, p, 429, "text/html", body, sizeof body - 1, headers);
    }
    if (r && (r->state == LT_SIM_CAPTCHA ||
              n <= (uint64_t)r->faults.profile_429_first + (uint64_t)r->faults.profile_captcha_first))
        return lt_sim_respond(wsi, p, 200, "text/html", waf_page, sizeof waf_page - 1, NULL);
    bool sigi = r && r->faults.profile_sigi;
    char *state;
    if (r && n <= (uint64_t)r->faults.profile_429_first + (uint64_t)r->faults.profile_captcha_first +
                      (uint64_t)r->faults.profile_garbage_first) {
        /* a state script cut off mid-object, inside whole tags */
        state = strdup(sigi ? "{\"UserModule\":{\"users\":{\"simhost"
                            : "{\"__DEFAULT_SCOPE__\":{\"webapp.user-de");
    } else {
        json_t *st = sigi ? sigi_state(r) : universal_state(r);
        state = json_dumps(st, JSON_COMPACT);
        json_decref(st);
    }
    if (!state)
        return -1;
    const char *open = sigi ? "<script id=\"SIGI_STATE\" type=\"application/json\">"
                            : "<script id=\"__UNIVERSAL_DATA_FOR_REHYDRATION__\" type=\"application/json\">";
    const char *head = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>TikTok</title>"
                       "</head><body><div id=\"app\"></div>";
    const char *tail = "</script></body></html>";
    size_t len = strlen(head) + strlen(open) + strlen(state) + strlen(tail);
    char *html = malloc(len + 1);
    if (!html) {
        free(state);
        return -1;
    }
    snprintf(html, len + 1, "%s%s%s%s", head, open, state, tail);
    int rc = lt_sim_respond(wsi, p, 200, "text/html; charset=utf-8", html, len, NULL);
    free(html);
    free(state);
    return rc;
}

/* --- the coin price list --- */

/* Coin packages as the web recharge page offers them, with their USD price
 * in cents (about 1.06 cents a coin; larger packages no cheaper on the web). */
static const struct {
    int coins;
    int usd_cents;
} packages[] = {{30, 32},     {70, 74},     {150, 159},   {350, 370},    {700, 740},
                {1400, 1480}, {3500, 3700}, {7000, 7400}, {17500, 18500}};

/* Local currency per US dollar, in 1/1000 (minor units of 1/100 for all). */
static const struct {
    const char *code;
    const char *symbol;
    int per_usd_milli;
} currencies[] = {{"USD", "$", 1000}, {"EUR", "€", 930}, {"GBP", "£", 790}, {"BRL", "R$", 5400}};

static int currency_index(const char *code)
{
    for (size_t i = 0; i < sizeof currencies / sizeof currencies[0]; i++)
        if (!strcmp(currencies[i].code, code))
            return (int)i;
    return -1;
}

int lt_sim_price_list(struct lws *wsi, lt_sim *sim, pss *p)
{
    uint64_t n = ++sim->price_requests - sim->price_fault_from;
    if (n <= (uint64_t)sim->price_429_first) {
        static const char *const headers[] = {"Retry-After:", "1", NULL};
        return lt_sim_respond_json(
            wsi, p, 429, json_pack("{s:i, s:s}", "status_code", 429, "message", "rate limited"), headers);
    }
    if (n <= (uint64_t)sim->price_429_first + (uint64_t)sim->price_captcha_first)
        return lt_sim_respond(wsi, p, 200, "text/html", waf_page, sizeof waf_page - 1, NULL);
    if (n <= (uint64_t)sim->price_429_first + (uint64_t)sim->price_captcha_first +
                 (uint64_t)sim->price_garbage_first) {
        static const char cut[] = "{\"data\":[{\"diamond_count\":30,\"price\":3";
        return lt_sim_respond(wsi, p, 200, "application/json", cut, sizeof cut - 1, NULL);
    }
    int ci = currency_index(sim->currency[0] ? sim->currency : "EUR");
    if (ci < 0)
        ci = 1;
    int percent = sim->price_percent > 0 ? sim->price_percent : 100;
    json_t *data = json_array();
    for (size_t i = 0; i < sizeof packages / sizeof packages[0]; i++) {
        long long usd = ((long long)packages[i].usd_cents * percent + 50) / 100;
        long long local = (usd * currencies[ci].per_usd_milli + 500) / 1000;
        char shown[48];
        snprintf(shown, sizeof shown, "%s%lld.%02lld", currencies[ci].symbol, local / 100, local % 100);
        json_t *cp = json_pack("[{s:s, s:I, s:I, s:i, s:i, s:s}]", "currency", currencies[ci].code, "price",
                               (json_int_t)local, "original_price", (json_int_t)local, "price_dot", 2,
                               "keep_dot", 2, "price_show_form", shown);
        json_array_append_new(data, json_pack("{s:i, s:i, s:I, s:I, s:o, s:i, s:I, s:s, s:s, s:s}", "id",
                                              (int)(2000 + i), "diamond_count", packages[i].coins, "price",
                                              (json_int_t)usd, "exchange_price", (json_int_t)local,
                                              "currency_price", cp, "giving_count", 0, "discount_price",
                                              (json_int_t)0, "describe", "", "iap_id", "", "coupon_id", ""));
    }
    return lt_sim_respond_json(
        wsi, p, 200,
        json_pack("{s:o, s:{s:[s], s:s, s:s, s:I, s:i}, s:i}", "data", data, "extra", "currency_list",
                  currencies[ci].code, "default_currency", currencies[ci].code, "channel", "web", "now",
                  (json_int_t)lt_now_ms(), "default_packet_id", 2004, "status_code", 0),
        NULL);
}

/* --- fault keys --- */

static int parse_count(const char *value, long max, long *out)
{
    char *end;
    long n = strtol(value, &end, 10);
    if (end == value || *end || n < 0 || n > max)
        return -1;
    *out = n;
    return 0;
}

int lt_sim_profile_configure(lt_sim *sim, lt_sim_room *r, const char *key, const char *value, int *rc,
                             char *err, size_t errlen)
{
    static const char *const bools[] = {"verified", "private", "profile_sigi"};
    static const char *const counts[] = {"followers",
                                         "following",
                                         "likes",
                                         "videos",
                                         "profile_429_first",
                                         "profile_captcha_first",
                                         "profile_garbage_first",
                                         "price_429_first",
                                         "price_captcha_first",
                                         "price_garbage_first",
                                         "price_percent"};
    *rc = 0;
    if (!strcmp(key, "currency")) {
        if (currency_index(value) < 0) {
            snprintf(err, errlen, "currency must be USD, EUR, GBP or BRL");
            *rc = -1;
        } else {
            snprintf(sim->currency, sizeof sim->currency, "%s", value);
        }
        return 1;
    }
    for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++) {
        if (strcmp(key, bools[i]) != 0)
            continue;
        bool on = !strcmp(value, "1") || !strcmp(value, "true");
        if (!on && strcmp(value, "0") != 0 && strcmp(value, "false") != 0) {
            snprintf(err, errlen, "%s wants true or false, got \"%s\"", key, value);
            *rc = -1;
        } else if (i == 0) {
            r->profile.verified = on;
        } else if (i == 1) {
            r->profile.private_account = on;
        } else {
            r->faults.profile_sigi = on;
        }
        return 1;
    }
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        if (strcmp(key, counts[i]) != 0)
            continue;
        long n;
        if (parse_count(value, i < 4 ? 0x7fffffffffffffffL : 1000000, &n)) {
            snprintf(err, errlen, "%s wants a non-negative integer, got \"%s\"", key, value);
            *rc = -1;
            return 1;
        }
        switch (i) {
        case 0: r->profile.followers = n; break;
        case 1: r->profile.following = n; break;
        case 2: r->profile.likes = n; break;
        case 3: r->profile.videos = n; break;
        case 4:
            r->faults.profile_429_first = (int)n;
            r->faults.profile_fault_from = r->stats.profile_requests;
            break;
        case 5:
            r->faults.profile_captcha_first = (int)n;
            r->faults.profile_fault_from = r->stats.profile_requests;
            break;
        case 6:
            r->faults.profile_garbage_first = (int)n;
            r->faults.profile_fault_from = r->stats.profile_requests;
            break;
        case 7:
            sim->price_429_first = (int)n;
            sim->price_fault_from = sim->price_requests;
            break;
        case 8:
            sim->price_captcha_first = (int)n;
            sim->price_fault_from = sim->price_requests;
            break;
        case 9:
            sim->price_garbage_first = (int)n;
            sim->price_fault_from = sim->price_requests;
            break;
        default: sim->price_percent = (int)n; break;
        }
        return 1;
    }
    return 0;
}
