/* The profile page parser (lt_tiktok_parse_profile_page) against pages
 * written from docs/protocol/profile-and-prices.md §1: today's
 * __UNIVERSAL_DATA_FOR_REHYDRATION__ (counts as numbers and as statsV2
 * strings, private and verified accounts, statusCode 10221), the older
 * SIGI_STATE UserModule (keyed by handle), a page carrying both, and the
 * refusals and malformed pages that must not read as a user. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tiktok/resolver.h"

#define UNIVERSAL(json)                                                                                      \
    "<!DOCTYPE html><html><head><title>TikTok</title></head><body>"                                          \
    "<script id=\"__UNIVERSAL_DATA_FOR_REHYDRATION__\" type=\"application/json\">" json "</script>"          \
    "<script>window.x=1</script></body></html>"
#define SIGI(json)                                                                                           \
    "<html><head></head><body><script id=\"SIGI_STATE\" type=\"application/json\">" json                     \
    "</script></body></html>"

static const char page_today[] = UNIVERSAL(
    "{\"__DEFAULT_SCOPE__\":{\"webapp.app-context\":{\"language\":\"en\"},\"webapp.user-detail\":{"
    "\"userInfo\":{\"user\":{\"id\":\"6947079842795406341\",\"uniqueId\":\"kylleehall\",\"nickname\":"
    "\"Kyllee \\u2728\","
    "\"verified\":true,\"privateAccount\":false,\"secret\":false,\"secUid\":\"MS4w\"},"
    "\"stats\":{\"followerCount\":1520300,\"followingCount\":88,\"heart\":2147483647,\"heartCount\":40213377,"
    "\"videoCount\":731,\"diggCount\":12,\"friendCount\":40}},\"statusCode\":0,\"statusMsg\":\"\"}}}");

/* statsV2 strings win: they carry counts past 2^31 that stats cannot */
static const char page_stats_v2[] = UNIVERSAL(
    "{\"__DEFAULT_SCOPE__\":{\"webapp.user-detail\":{\"userInfo\":{\"user\":{\"uniqueId\":\"big\","
    "\"privateAccount\":true},\"stats\":{\"followerCount\":1,\"heart\":-1294967296,\"videoCount\":5},"
    "\"statsV2\":{\"followerCount\":\"98000000\",\"heartCount\":\"3000000000\",\"followingCount\":\"7\"}},"
    "\"statusCode\":0}}}");

static const char page_not_exist[] = UNIVERSAL("{\"__DEFAULT_SCOPE__\":{\"webapp.user-detail\":{"
                                               "\"statusCode\":10221,\"statusMsg\":\"user not exist\"}}}");

static const char page_sigi[] = SIGI(
    "{\"UserModule\":{\"users\":{\"other\":{\"uniqueId\":\"other\"},\"oldie\":{\"uniqueId\":\"oldie\","
    "\"nickname\":\"Old\",\"verified\":false,\"secret\":true}},\"stats\":{\"other\":{\"followerCount\":1},"
    "\"oldie\":{\"followerCount\":\"4242\",\"followingCount\":3,\"heart\":99,\"videoCount\":0}}}}");

static const char page_sigi_empty[] = SIGI("{\"UserModule\":{\"users\":{},\"stats\":{}}}");

/* the live page's empty universal script next to a SIGI_STATE UserModule */
static const char page_both[] =
    "<html><script id=\"__UNIVERSAL_DATA_FOR_REHYDRATION__\" type=\"application/json\">{}</script>"
    "<script id=\"SIGI_STATE\" "
    "type=\"application/json\">{\"UserModule\":{\"users\":{\"x\":{\"uniqueId\":\"x\"}},"
    "\"stats\":{\"x\":{\"followerCount\":5,\"followingCount\":6,\"heartCount\":7,\"videoCount\":8}}}}</"
    "script></html>";

static const char page_waf[] = "<html><head><title>Please wait...</title></head><body>"
                               "<script>var _wafchallengeid=\"abc\";</script></body></html>";

static const char page_cut[] = UNIVERSAL("{\"__DEFAULT_SCOPE__\":{\"webapp.user-de");

static const char page_unterminated[] = "<html><script id=\"__UNIVERSAL_DATA_FOR_REHYDRATION__\" "
                                        "type=\"application/json\">{\"__DEFAULT_SCOPE__\":{}}";

static const char page_wrong_types[] = UNIVERSAL(
    "{\"__DEFAULT_SCOPE__\":{\"webapp.user-detail\":{\"userInfo\":{\"user\":{\"uniqueId\":7,\"verified\":"
    "\"yes\"},"
    "\"stats\":{\"followerCount\":\"many\",\"followingCount\":[1],\"heartCount\":null,\"videoCount\":-5}},"
    "\"statusCode\":0}}}");

static const char page_no_user[] =
    UNIVERSAL("{\"__DEFAULT_SCOPE__\":{\"webapp.user-detail\":{\"statusCode\":0}}}");

static const char page_array[] = UNIVERSAL("[1,2,3]");

/* a state script that is not a profile (the price list, say) */
static const char page_sigi_other[] = SIGI("{\"data\":[{\"id\":2000}],\"status_code\":0}");

static void parse(const char *page, const char *uid, lt_tiktok_profile *p)
{
    lt_tiktok_parse_profile_page(200, page, strlen(page), uid, p);
}

static void today_shape(void **state)
{
    (void)state;
    lt_tiktok_profile p;
    parse(page_today, "kylleehall", &p);
    assert_int_equal(p.outcome, LT_TIKTOK_PROFILE_OK);
    assert_string_equal(p.shape, "universal_data");
    assert_string_equal(p.unique_id, "kylleehall");
    assert_string_equal(p.nickname, "Kyllee \xe2\x9c\xa8");
    assert_int_equal(p.followers, 1520300);
    assert_int_equal(p.following, 88);
    assert_int_equal(p.likes, 40213377); /* heartCount, not the saturated heart */
    assert_int_equal(p.videos, 731);
    assert_true(p.verified);
    assert_false(p.private_account);
}

static void stats_v2_strings_win(void **state)
{
    (void)state;
    lt_tiktok_profile p;
    parse(page_stats_v2, "big", &p);
    assert_int_equal(p.outcome, LT_TIKTOK_PROFILE_OK);
    assert_int_equal(p.followers, 98000000);
    assert_int_equal(p.likes, 3000000000LL);
    assert_int_equal(p.following, 7);
    assert_int_equal(p.videos, 5); /* only in stats */
    assert_true(p.private_account);
    assert_false(p.verified);
}

static void not_exist(void **state)
{
    (void)state;
    lt_tiktok_profile p;
    parse(page_not_exist, "ghost", &p);
    assert_int_equal(p.outcome, LT_TIKTOK_PROFILE_NOT_FOUND);
    assert_non_null(strstr(p.message, "10221"));
    assert_int_equal(p.followers, -1);
}

static void sigi_shape_keyed_by_handle(void **state)
{
    (void)state;
    lt_tiktok_profile p;
    parse(page_sigi, "oldie", &p);
    assert_int_equal(p.outcome, LT_TIKTOK_PROFILE_OK);
    assert_string_equal(p.shape, "sigi_state");
    assert_string_equal(p.unique_id, "oldie");
    assert_int_equal(p.followers, 4242);
    assert_int_equal(p.following, 3);
    assert_int_equal(p.likes, 99); /* heart: no heartCount in this answer */
    assert_int_equal(p.videos, 0);
    assert_true(p.private_account); /* secret */
    /* two users and none asked for: no guessing */
    parse(page_sigi, NULL, &p);
    assert_int_equal(p.outcome, LT_TIKTOK_PROFILE_NOT_FOUND);
    parse(page_sigi, "nobody", &p);
    assert_int_equal(p.outcome, LT_TIKTOK_PROFILE_NOT_FOUND);
    parse(page_sigi_empty, "oldie", &p);
    assert_int_equal(p.outcome, LT_TIKTOK_PROFILE_NOT_FOUND);
}

static void empty_universal_falls_back_to_sigi(void **state)
{
    (void)state;
    lt_tiktok_profile p;
    parse(page_both, NULL, &p); /* the only user */
    assert_int_equal(p.outcome, LT_TIKTOK_PROFILE_OK);
    assert_string_equal(p.shape, "sigi_state");
    assert_int_equal(p.followers, 5);
    assert_int_equal(p.following, 6);
    assert_int_equal(p.likes, 7);
    assert_int_equal(p.videos, 8);
}

static void refusals_are_blocked(void **state)
{
    (void)state;
    lt_tiktok_profile p;
    parse(page_waf, "x", &p);
    assert_int_equal(p.outcome, LT_TIKTOK_PROFILE_BLOCKED);
    assert_non_null(strstr(p.message, "captcha"));
    lt_tiktok_parse_profile_page(429, "Too Many Requests", 17, "x", &p);
    assert_int_equal(p.outcome, LT_TIKTOK_PROFILE_BLOCKED);
    assert_true(p.rate_limited);
    lt_tiktok_parse_profile_page(403, "", 0, "x", &p);
    assert_int_equal(p.outcome, LT_TIKTOK_PROFILE_BLOCKED);
    assert_false(p.rate_limited);
    lt_tiktok_parse_profile_page(302, "", 0, "x", &p);
    assert_int_equal(p.outcome, LT_TIKTOK_PROFILE_BLOCKED);
    lt_tiktok_parse_profile_page(404, "", 0, "x", &p);
    assert_int_equal(p.outcome, LT_TIKTOK_PROFILE_NOT_FOUND);
    lt_tiktok_parse_profile_page(500, "", 0, "x", &p);
    assert_int_equal(p.outcome, LT_TIKTOK_PROFILE_FAILED);
}

static void malformed_pages_fail(void **state)
{
    (void)state;
    lt_tiktok_profile p;
    const char *bad[] = {page_cut, page_unterminated, page_no_user, page_array, page_sigi_other};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        parse(bad[i], "x", &p);
        assert_int_equal(p.outcome, LT_TIKTOK_PROFILE_FAILED);
        assert_true(p.message[0] != '\0');
        assert_int_equal(p.followers, -1);
    }
    /* every cut of a good page before its script closes: never a crash, never
     * a user */
    size_t closed = (size_t)(strstr(page_today, "</script>") - page_today) + strlen("</script>");
    for (size_t n = 0; n < closed; n++) {
        lt_tiktok_parse_profile_page(200, page_today, n, "kylleehall", &p);
        assert_int_not_equal(p.outcome, LT_TIKTOK_PROFILE_OK);
    }
    lt_tiktok_parse_profile_page(200, page_today, closed, "kylleehall", &p);
    assert_int_equal(p.outcome, LT_TIKTOK_PROFILE_OK);
}

static void wrong_types_are_absent(void **state)
{
    (void)state;
    lt_tiktok_profile p;
    parse(page_wrong_types, "x", &p);
    assert_int_equal(p.outcome, LT_TIKTOK_PROFILE_OK);
    assert_string_equal(p.unique_id, "");
    assert_int_equal(p.followers, -1);
    assert_int_equal(p.following, -1);
    assert_int_equal(p.likes, -1);
    assert_int_equal(p.videos, -1);
    assert_false(p.verified);
}

static void url(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(lt_tiktok_profile_url("http://127.0.0.1:9", "simhost0", out, sizeof out), 0);
    assert_string_equal(out, "http://127.0.0.1:9/@simhost0");
    assert_int_equal(lt_tiktok_profile_url(NULL, "a", out, sizeof out), 0);
    assert_string_equal(out, "https://www.tiktok.com/@a");
    assert_int_equal(lt_tiktok_profile_url(NULL, "a", out, 10), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(today_shape),
        cmocka_unit_test(stats_v2_strings_win),
        cmocka_unit_test(not_exist),
        cmocka_unit_test(sigi_shape_keyed_by_handle),
        cmocka_unit_test(empty_universal_falls_back_to_sigi),
        cmocka_unit_test(refusals_are_blocked),
        cmocka_unit_test(malformed_pages_fail),
        cmocka_unit_test(wrong_types_are_absent),
        cmocka_unit_test(url),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
