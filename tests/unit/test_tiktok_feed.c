/* The recommended-live feed parser (tiktok/feed.h) on pages in the shape
 * webcast.tiktok.com/webcast/feed/ answers: a full page, ids as numbers or
 * strings, cards without a room, the last page, and what a client must not
 * take for a page (429, captcha, cut JSON, another shape, a refusal). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tiktok/feed.h"

static const char page_two_rooms[] =
    "{\"data\":[{\"data\":{\"id\":7400000000000000001,\"id_str\":\"7400000000000000001\",\"status\":2,"
    "\"title\":\"cooking ramen \xf0\x9f\x8d\x9c\",\"create_time\":1709140000,\"user_count\":301,"
    "\"owner\":{\"id\":6900000000000007920,\"id_str\":\"6900000000000007920\",\"display_id\":\"chef_jonas\","
    "\"nickname\":\"Jonas B.\"},\"hashtag\":{\"id\":6,\"title\":\"Food\"}},"
    "\"rid\":\"7400000000000000001\",\"type\":0,\"live_reason\":\"\",\"is_recommend_card\":false},"
    /* ids as numbers only, viewers as a numeric string, no hashtag */
    "{\"data\":{\"id\":7400000000000000002,\"title\":\"chess\",\"user_count\":\"12000\","
    "\"owner\":{\"id\":6900000000000015839,\"display_id\":\"chessmaster\",\"nickname\":\"Aylin\"}},"
    "\"rid\":\"7400000000000000002\",\"type\":0}],"
    "\"extra\":{\"has_more\":true,\"max_time\":1709140612345,\"now\":1709140612999,\"total\":40},"
    "\"status_code\":0}";

static lt_tiktok_feed_page page;

static lt_tiktok_feed_outcome parse(long status, const char *body)
{
    char err[256] = "";
    return lt_tiktok_feed_parse(status, body, body ? strlen(body) : 0, &page, err, sizeof err);
}

static void a_page_gives_rooms_and_the_cursor(void **state)
{
    (void)state;
    assert_int_equal(parse(200, page_two_rooms), LT_TIKTOK_FEED_OK);
    assert_int_equal(page.count, 2);
    assert_int_equal(page.skipped, 0);
    assert_true(page.has_more);
    assert_int_equal(page.max_time, 1709140612345LL);
    const lt_tiktok_feed_room *r = &page.rooms[0];
    assert_string_equal(r->room_id, "7400000000000000001");
    assert_string_equal(r->owner_id, "6900000000000007920");
    assert_string_equal(r->unique_id, "chef_jonas");
    assert_string_equal(r->nickname, "Jonas B.");
    assert_string_equal(r->title, "cooking ramen \xf0\x9f\x8d\x9c");
    assert_string_equal(r->tags, "Food");
    assert_int_equal(r->viewers, 301);
    assert_int_equal(r->created_s, 1709140000);
    r = &page.rooms[1];
    assert_string_equal(r->room_id, "7400000000000000002");
    assert_string_equal(r->owner_id, "6900000000000015839");
    assert_int_equal(r->viewers, 12000);
    assert_string_equal(r->tags, "");
    assert_int_equal(r->created_s, 0);
}

static void the_last_page_has_no_more(void **state)
{
    (void)state;
    assert_int_equal(parse(200, "{\"data\":[],\"extra\":{\"has_more\":false,\"max_time\":1709140612999},"
                                "\"status_code\":0}"),
                     LT_TIKTOK_FEED_OK);
    assert_int_equal(page.count, 0);
    assert_false(page.has_more);
    /* "more" without a cursor would ask for the same page forever */
    assert_int_equal(parse(200, "{\"data\":[],\"extra\":{\"has_more\":true},\"status_code\":0}"),
                     LT_TIKTOK_FEED_OK);
    assert_false(page.has_more);
}

static void cards_without_a_room_are_skipped(void **state)
{
    (void)state;
    const char *body = "{\"data\":[{\"data\":{\"title\":\"no id\"}},{\"type\":3},7,null,"
                       "{\"data\":{\"id_str\":\"0\",\"id\":\"abc\"}},"
                       "{\"data\":{\"id_str\":\"7400000000000000009\",\"owner\":\"not an object\","
                       "\"title\":42,\"user_count\":-5,\"hashtag\":[1]}}],"
                       "\"extra\":{\"has_more\":false,\"max_time\":\"1709140612345\"},\"status_code\":0}";
    assert_int_equal(parse(200, body), LT_TIKTOK_FEED_OK);
    assert_int_equal(page.count, 1);
    assert_int_equal(page.skipped, 5);
    assert_string_equal(page.rooms[0].room_id, "7400000000000000009");
    assert_string_equal(page.rooms[0].title, "");
    assert_string_equal(page.rooms[0].owner_id, "");
    assert_int_equal(page.rooms[0].viewers, -1);
    assert_int_equal(page.max_time, 1709140612345LL);
}

static void a_huge_page_is_capped(void **state)
{
    (void)state;
    size_t cap = 200 * 64 + 200;
    char *body = malloc(cap);
    assert_non_null(body);
    size_t used = (size_t)snprintf(body, cap, "{\"data\":[");
    for (int i = 0; i < 200; i++)
        used += (size_t)snprintf(body + used, cap - used, "%s{\"data\":{\"id\":%d}}", i ? "," : "", 1000 + i);
    snprintf(body + used, cap - used, "],\"extra\":{\"has_more\":false},\"status_code\":0}");
    assert_int_equal(parse(200, body), LT_TIKTOK_FEED_OK);
    assert_int_equal(page.count, LT_TIKTOK_FEED_MAX_ROOMS);
    assert_int_equal(page.skipped, 200 - LT_TIKTOK_FEED_MAX_ROOMS);
    assert_string_equal(page.rooms[LT_TIKTOK_FEED_MAX_ROOMS - 1].room_id, "1063");
    free(body);
}

static void long_text_is_cut_at_a_character(void **state)
{
    (void)state;
    char body[2048], title[700] = "";
    for (int i = 0; i < 200; i++)
        strcat(title, "\xc3\xa9"); /* 400 bytes of two-byte characters */
    snprintf(body, sizeof body,
             "{\"data\":[{\"data\":{\"id\":1234567,\"title\":\"x%s\"}}],\"extra\":{\"has_more\":false},"
             "\"status_code\":0}",
             title);
    assert_int_equal(parse(200, body), LT_TIKTOK_FEED_OK);
    size_t n = strlen(page.rooms[0].title);
    assert_true(n < sizeof page.rooms[0].title);
    assert_int_equal(n % 2, 1); /* "x" then whole characters only */
}

static void what_is_not_a_page(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(lt_tiktok_feed_parse(429, "{}", 2, &page, err, sizeof err), LT_TIKTOK_FEED_RATE_LIMITED);
    assert_non_null(strstr(err, "429"));
    const char *verify = "<html><body><div id=\"tiktok-verify-page\"></div></body></html>";
    assert_int_equal(lt_tiktok_feed_parse(200, verify, strlen(verify), &page, err, sizeof err),
                     LT_TIKTOK_FEED_CAPTCHA);
    assert_non_null(strstr(err, "captcha"));
    const char *waf = "<script>var _wafchallengeid=\"x\";</script>";
    assert_int_equal(parse(403, waf), LT_TIKTOK_FEED_CAPTCHA);
    assert_int_equal(parse(500, "<html>Internal Server Error</html>"), LT_TIKTOK_FEED_HTTP_ERROR);
    assert_int_equal(lt_tiktok_feed_parse(200, "{\"data\":[{\"data\":{\"id\":74", 25, &page, err, sizeof err),
                     LT_TIKTOK_FEED_MALFORMED);
    assert_non_null(strstr(err, "not a JSON object"));
    assert_int_equal(parse(200, ""), LT_TIKTOK_FEED_MALFORMED);
    assert_int_equal(parse(200, NULL), LT_TIKTOK_FEED_MALFORMED);
    assert_int_equal(parse(200, "[1,2]"), LT_TIKTOK_FEED_MALFORMED);
    assert_int_equal(parse(200, "{\"data\":{},\"extra\":{},\"status_code\":0}"), LT_TIKTOK_FEED_MALFORMED);
    assert_int_equal(parse(200, "{\"data\":[],\"status_code\":0}"), LT_TIKTOK_FEED_MALFORMED);
    const char *refused = "{\"data\":{\"message\":\"params error\"},\"status_code\":10011}";
    assert_int_equal(lt_tiktok_feed_parse(200, refused, strlen(refused), &page, err, sizeof err),
                     LT_TIKTOK_FEED_REFUSED);
    assert_non_null(strstr(err, "10011"));
    assert_non_null(strstr(err, "params error"));
    assert_int_equal(page.count, 0);
}

static void the_url_carries_the_cursor(void **state)
{
    (void)state;
    char url[2048];
    assert_int_equal(lt_tiktok_feed_url("http://127.0.0.1:9", 0, url, sizeof url), 0);
    assert_int_equal(strncmp(url, "http://127.0.0.1:9/webcast/feed/?", 33), 0);
    assert_non_null(strstr(url, "&channel=tiktok_web&channel_id=86"));
    assert_null(strstr(url, "max_time"));
    assert_int_equal(lt_tiktok_feed_url(NULL, 1709140612345LL, url, sizeof url), 0);
    assert_int_equal(strncmp(url, "https://webcast.tiktok.com/webcast/feed/?", 41), 0);
    assert_non_null(strstr(url, "&max_time=1709140612345"));
    assert_int_equal(lt_tiktok_feed_url(NULL, 1, url, 40), -1);
    assert_string_equal(lt_tiktok_feed_outcome_name(LT_TIKTOK_FEED_CAPTCHA), "captcha");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_page_gives_rooms_and_the_cursor), cmocka_unit_test(the_last_page_has_no_more),
        cmocka_unit_test(cards_without_a_room_are_skipped),  cmocka_unit_test(a_huge_page_is_capped),
        cmocka_unit_test(long_text_is_cut_at_a_character),   cmocka_unit_test(what_is_not_a_page),
        cmocka_unit_test(the_url_carries_the_cursor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
