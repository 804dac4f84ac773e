/* Resolver parsers against page and API bodies written from
 * docs/protocol/webcast.md §1: SIGI_STATE (live, offline, no LiveRoom,
 * missing tag, WAF page), api-live/user/room (ok, user_not_found,
 * age-restricted, errors) and room/info (live, ended, 18+ prompt). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tiktok/resolver.h"

#define LIVE_PAGE(state_json)                                                              \
    "<!DOCTYPE html><html><head><title>LIVE</title>"                                       \
    "<script id=\"__UNIVERSAL_DATA_FOR_REHYDRATION__\" type=\"application/json\">{}</script>" \
    "<script id=\"SIGI_STATE\" type=\"application/json\">" state_json "</script>"           \
    "<script>window.x=1</script></head><body></body></html>"

static const char page_live[] = LIVE_PAGE(
    "{\"AppContext\":{},\"LiveRoom\":{\"liveRoomUserInfo\":{"
    "\"user\":{\"id\":\"6947079842795406341\",\"uniqueId\":\"kylleehall\",\"nickname\":\"Kyllee\","
    "\"roomId\":\"7340691647148018438\",\"status\":2,\"secUid\":\"MS4w\"},"
    "\"liveRoom\":{\"title\":\"late night chat <3\",\"status\":2,\"startTime\":1709140000,"
    "\"liveRoomStats\":{\"userCount\":1234}},"
    "\"stats\":{\"followerCount\":98765}}}}");

static const char page_offline[] = LIVE_PAGE(
    "{\"LiveRoom\":{\"liveRoomUserInfo\":{"
    "\"user\":{\"uniqueId\":\"sleepy\",\"roomId\":\"7340691647148018999\",\"status\":4},"
    "\"liveRoom\":{\"status\":4,\"title\":\"\"}}}}");

static const char page_no_room[] = LIVE_PAGE(
    "{\"LiveRoom\":{\"liveRoomUserInfo\":{\"user\":{\"uniqueId\":\"neverlive\",\"roomId\":\"\"}}}}");

static const char page_not_found[] = LIVE_PAGE("{\"AppContext\":{\"appContext\":{}},\"SEO\":{}}");

static const char page_numeric_room[] = LIVE_PAGE(
    "{\"LiveRoom\":{\"liveRoomUserInfo\":{\"user\":{\"uniqueId\":\"n\",\"roomId\":7340691647148018438},"
    "\"liveRoom\":{\"status\":\"3\"}}}}");

static const char page_waf[] =
    "<html><head><title>Please wait...</title></head><body>"
    "<script>var _wafchallengeid=\"abc\";</script></body></html>";

static const char page_plain[] = "<html><body>Something else entirely</body></html>";

static const char page_broken_json[] = LIVE_PAGE("{\"LiveRoom\":{\"liveRoomUserInfo\":");

static const char page_unterminated[] =
    "<html><script id=\"SIGI_STATE\" type=\"application/json\">{\"LiveRoom\":{}}";

static void live_page_live(void **state)
{
    lt_tiktok_resolution r;
    lt_tiktok_parse_live_page(200, page_live, strlen(page_live), &r);
    assert_int_equal(r.outcome, LT_TIKTOK_RESOLVE_LIVE);
    assert_string_equal(r.room_id, "7340691647148018438");
    assert_string_equal(r.unique_id, "kylleehall");
    assert_string_equal(r.nickname, "Kyllee");
    assert_string_equal(r.title, "late night chat <3");
    assert_int_equal(r.live_status, 2);
    assert_int_equal(r.viewer_count, 1234);
    assert_int_equal(r.follower_count, 98765);
    assert_string_equal(r.source, "live_page");
    assert_string_equal(lt_tiktok_resolve_reason(r.outcome), "live");
}

static void live_page_numeric_id_and_paused(void **state)
{
    lt_tiktok_resolution r;
    lt_tiktok_parse_live_page(200, page_numeric_room, strlen(page_numeric_room), &r);
    /* paused (3) is still a room to connect to */
    assert_int_equal(r.outcome, LT_TIKTOK_RESOLVE_LIVE);
    assert_int_equal(r.live_status, 3);
    assert_string_equal(r.room_id, "7340691647148018438");
}

static void live_page_offline(void **state)
{
    lt_tiktok_resolution r;
    lt_tiktok_parse_live_page(200, page_offline, strlen(page_offline), &r);
    assert_int_equal(r.outcome, LT_TIKTOK_RESOLVE_OFFLINE);
    assert_int_equal(r.live_status, 4);
    assert_string_equal(lt_tiktok_resolve_reason(r.outcome), "offline");

    lt_tiktok_parse_live_page(200, page_no_room, strlen(page_no_room), &r);
    assert_int_equal(r.outcome, LT_TIKTOK_RESOLVE_OFFLINE);
    assert_string_equal(r.room_id, "");
}

static void live_page_not_found(void **state)
{
    lt_tiktok_resolution r;
    lt_tiktok_parse_live_page(200, page_not_found, strlen(page_not_found), &r);
    assert_int_equal(r.outcome, LT_TIKTOK_RESOLVE_NOT_FOUND);
    assert_string_equal(lt_tiktok_resolve_reason(r.outcome), "not_found");
    lt_tiktok_parse_live_page(404, "", 0, &r);
    assert_int_equal(r.outcome, LT_TIKTOK_RESOLVE_NOT_FOUND);
}

static void live_page_blocked(void **state)
{
    lt_tiktok_resolution r;
    lt_tiktok_parse_live_page(200, page_waf, strlen(page_waf), &r);
    assert_int_equal(r.outcome, LT_TIKTOK_RESOLVE_BLOCKED);
    assert_non_null(strstr(r.message, "captcha"));
    assert_string_equal(lt_tiktok_resolve_reason(r.outcome), "blocked_captcha");

    lt_tiktok_parse_live_page(200, page_plain, strlen(page_plain), &r);
    assert_int_equal(r.outcome, LT_TIKTOK_RESOLVE_BLOCKED);
    assert_non_null(strstr(r.message, "SIGI_STATE"));

    lt_tiktok_parse_live_page(403, "Forbidden", 9, &r);
    assert_int_equal(r.outcome, LT_TIKTOK_RESOLVE_BLOCKED);
    lt_tiktok_parse_live_page(302, "", 0, &r);
    assert_int_equal(r.outcome, LT_TIKTOK_RESOLVE_BLOCKED);
    assert_non_null(strstr(r.message, "redirected"));
}

static void live_page_garbage_fails_softly(void **state)
{
    lt_tiktok_resolution r;
    lt_tiktok_parse_live_page(200, page_broken_json, strlen(page_broken_json), &r);
    assert_int_equal(r.outcome, LT_TIKTOK_RESOLVE_FAILED);
    lt_tiktok_parse_live_page(200, page_unterminated, strlen(page_unterminated), &r);
    assert_int_equal(r.outcome, LT_TIKTOK_RESOLVE_FAILED);
    /* every prefix of a real page parses without crashing; only prefixes
     * holding the whole SIGI_STATE script resolve */
    const char *sigi = strstr(page_live, "SIGI_STATE");
    size_t complete = (size_t)(strstr(sigi, "</script>") - page_live) + strlen("</script>");
    for (size_t n = 0; n <= strlen(page_live); n++) {
        lt_tiktok_parse_live_page(200, page_live, n, &r);
        if (n < complete)
            assert_true(r.outcome == LT_TIKTOK_RESOLVE_FAILED || r.outcome == LT_TIKTOK_RESOLVE_BLOCKED);
        else
            assert_int_equal(r.outcome, LT_TIKTOK_RESOLVE_LIVE);
    }
    lt_tiktok_parse_live_page(500, "", 0, &r);
    assert_int_equal(r.outcome, LT_TIKTOK_RESOLVE_FAILED);
}

static const char api_ok[] =
    "{\"statusCode\":0,\"message\":\"\",\"data\":{\"user\":{\"roomId\":\"7340691647148018438\","
    "\"status\":2,\"id\":\"6947079842795406341\",\"uniqueId\":\"kylleehall\",\"nickname\":\"Kyllee\"},"
    "\"liveRoom\":{\"status\":2,\"title\":\"hi\",\"startTime\":1709140000,"
    "\"liveRoomStats\":{\"userCount\":55,\"enterCount\":900}},"
    "\"stats\":{\"followingCount\":10,\"followerCount\":20}}}";

static const char api_offline[] =
    "{\"statusCode\":0,\"data\":{\"user\":{\"roomId\":\"7340691647148018438\",\"status\":4,"
    "\"uniqueId\":\"x\"},\"liveRoom\":{\"status\":4}}}";

static const char api_not_found[] = "{\"statusCode\":19881007,\"message\":\"user_not_found\",\"data\":{}}";
static const char api_not_found_msg_only[] = "{\"statusCode\":1,\"message\":\"user_not_found\"}";
static const char api_age[] = "{\"statusCode\":4003110,\"message\":\"\",\"data\":{}}";
static const char api_params_error[] = "{\"statusCode\":10201,\"message\":\"params_error\"}";

static void api_parses(void **state)
{
    lt_tiktok_resolution r;
    lt_tiktok_parse_user_room_api(200, api_ok, strlen(api_ok), &r);
    assert_int_equal(r.outcome, LT_TIKTOK_RESOLVE_LIVE);
    assert_string_equal(r.room_id, "7340691647148018438");
    assert_int_equal(r.viewer_count, 55);
    assert_int_equal(r.follower_count, 20);
    assert_string_equal(r.source, "api");

    lt_tiktok_parse_user_room_api(200, api_offline, strlen(api_offline), &r);
    assert_int_equal(r.outcome, LT_TIKTOK_RESOLVE_OFFLINE);

    lt_tiktok_parse_user_room_api(200, api_not_found, strlen(api_not_found), &r);
    assert_int_equal(r.outcome, LT_TIKTOK_RESOLVE_NOT_FOUND);
    lt_tiktok_parse_user_room_api(200, api_not_found_msg_only, strlen(api_not_found_msg_only), &r);
    assert_int_equal(r.outcome, LT_TIKTOK_RESOLVE_NOT_FOUND);

    lt_tiktok_parse_user_room_api(200, api_age, strlen(api_age), &r);
    assert_int_equal(r.outcome, LT_TIKTOK_RESOLVE_AGE_RESTRICTED);
    assert_string_equal(lt_tiktok_resolve_reason(r.outcome), "age_restricted");

    lt_tiktok_parse_user_room_api(200, api_params_error, strlen(api_params_error), &r);
    assert_int_equal(r.outcome, LT_TIKTOK_RESOLVE_FAILED);
    assert_non_null(strstr(r.message, "params_error"));

    lt_tiktok_parse_user_room_api(200, "[1,2]", 5, &r);
    assert_int_equal(r.outcome, LT_TIKTOK_RESOLVE_FAILED);
    lt_tiktok_parse_user_room_api(200, "{\"statusCode\":0}", 16, &r);
    assert_int_equal(r.outcome, LT_TIKTOK_RESOLVE_FAILED);
    lt_tiktok_parse_user_room_api(429, "", 0, &r);
    assert_int_equal(r.outcome, LT_TIKTOK_RESOLVE_BLOCKED);
}

static const char info_live[] =
    "{\"data\":{\"id_str\":\"7340691647148018438\",\"status\":2,\"title\":\"hello\","
    "\"user_count\":321,\"stats\":{\"like_count\":5,\"total_user\":999},"
    "\"owner\":{\"id\":6947079842795406341,\"display_id\":\"kylleehall\",\"nickname\":\"Kyllee\","
    "\"follow_info\":{\"follower_count\":98765,\"following_count\":3}},"
    "\"age_restricted\":{\"restricted\":false}},\"extra\":{\"now\":1709140492750},\"status_code\":0}";

static const char info_ended[] =
    "{\"data\":{\"id_str\":\"7340691647148018438\",\"status\":4,\"title\":\"bye\"},\"status_code\":0}";

/* TikTokLive#228: what an 18+ room answers without a session */
static const char info_18plus[] =
    "{\"data\":{\"message\":\"Request params error\",\"prompts\":\"Request params error\"},"
    "\"status_code\":10011}";
static const char info_age_code[] = "{\"data\":{\"prompts\":\"\"},\"status_code\":4003110}";
static const char info_flagged[] =
    "{\"data\":{\"status\":2,\"title\":\"x\",\"age_restricted\":{\"restricted\":true}},\"status_code\":0}";
static const char info_missing[] = "{\"data\":{\"message\":\"room not found\"},\"status_code\":30003}";

static void room_info_parses(void **state)
{
    lt_tiktok_resolution r;
    lt_tiktok_parse_room_info(200, info_live, strlen(info_live), "7340691647148018438", &r);
    assert_int_equal(r.outcome, LT_TIKTOK_RESOLVE_LIVE);
    assert_string_equal(r.room_id, "7340691647148018438");
    assert_string_equal(r.unique_id, "kylleehall");
    assert_string_equal(r.title, "hello");
    assert_int_equal(r.viewer_count, 321);
    assert_int_equal(r.follower_count, 98765);

    lt_tiktok_parse_room_info(200, info_ended, strlen(info_ended), "7340691647148018438", &r);
    assert_int_equal(r.outcome, LT_TIKTOK_RESOLVE_OFFLINE);

    lt_tiktok_parse_room_info(200, info_18plus, strlen(info_18plus), "1", &r);
    assert_int_equal(r.outcome, LT_TIKTOK_RESOLVE_AGE_RESTRICTED);
    lt_tiktok_parse_room_info(200, info_age_code, strlen(info_age_code), "1", &r);
    assert_int_equal(r.outcome, LT_TIKTOK_RESOLVE_AGE_RESTRICTED);
    lt_tiktok_parse_room_info(200, info_flagged, strlen(info_flagged), "1", &r);
    assert_int_equal(r.outcome, LT_TIKTOK_RESOLVE_AGE_RESTRICTED);

    lt_tiktok_parse_room_info(200, info_missing, strlen(info_missing), "42", &r);
    assert_int_equal(r.outcome, LT_TIKTOK_RESOLVE_NOT_FOUND);
    assert_string_equal(r.room_id, "42");
    assert_non_null(strstr(r.message, "room not found"));

    lt_tiktok_parse_room_info(502, "bad gateway", 11, "42", &r);
    assert_int_equal(r.outcome, LT_TIKTOK_RESOLVE_FAILED);
}

static void urls(void **state)
{
    char url[1024];
    assert_int_equal(lt_tiktok_live_page_url(NULL, "kylleehall", url, sizeof url), 0);
    assert_string_equal(url, "https://www.tiktok.com/@kylleehall/live");
    assert_int_equal(lt_tiktok_live_page_url("http://127.0.0.1:9000", "a", url, sizeof url), 0);
    assert_string_equal(url, "http://127.0.0.1:9000/@a/live");

    assert_int_equal(lt_tiktok_user_room_api_url(NULL, "kylleehall", url, sizeof url), 0);
    assert_true(strncmp(url, "https://www.tiktok.com/api-live/user/room/?", 43) == 0);
    assert_non_null(strstr(url, "aid=1988"));
    assert_non_null(strstr(url, "&uniqueId=kylleehall&sourceType=54"));

    assert_int_equal(lt_tiktok_room_info_url(NULL, "7340691647148018438", url, sizeof url), 0);
    assert_true(strncmp(url, "https://webcast.tiktok.com/webcast/room/info/?", 46) == 0);
    assert_non_null(strstr(url, "&room_id=7340691647148018438"));

    char tiny[16];
    assert_int_equal(lt_tiktok_live_page_url(NULL, "kylleehall", tiny, sizeof tiny), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(live_page_live),
        cmocka_unit_test(live_page_numeric_id_and_paused),
        cmocka_unit_test(live_page_offline),
        cmocka_unit_test(live_page_not_found),
        cmocka_unit_test(live_page_blocked),
        cmocka_unit_test(live_page_garbage_fails_softly),
        cmocka_unit_test(api_parses),
        cmocka_unit_test(room_info_parses),
        cmocka_unit_test(urls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
