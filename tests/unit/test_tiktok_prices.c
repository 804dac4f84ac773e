/* The coin price list parser (lt_tiktok_parse_price_list) against answers
 * written from docs/protocol/profile-and-prices.md §2: a realistic EUR
 * list, a currency without minor units, a list without currency_price,
 * refusals (HTTP 429/403, a WAF page, status_code) and malformed answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tiktok/prices.h"

static const char list_eur[] =
    "{\"data\":["
    "{\"id\":2000,\"diamond_count\":30,\"price\":32,\"exchange_price\":30,\"currency_price\":[{\"currency\":"
    "\"EUR\","
    "\"price\":30,\"original_price\":30,\"price_dot\":2,\"keep_dot\":2,\"price_show_form\":\"\\u20ac0.30\"}],"
    "\"giving_count\":0,\"iap_id\":\"\",\"coupon_id\":\"\"},"
    "{\"id\":2001,\"diamond_count\":\"70\",\"price\":74,\"exchange_price\":69,\"currency_price\":[{"
    "\"currency\":\"EUR\","
    "\"price\":69,\"price_dot\":2}]},"
    "{\"id\":2002,\"diamond_count\":0,\"price\":0}," /* a placeholder: skipped */
    "{\"id\":2003,\"diamond_count\":17500,\"price\":18500,\"exchange_price\":17205,\"currency_price\":[{"
    "\"currency\":"
    "\"EUR\",\"price\":17205,\"price_dot\":2}]},"
    "\"junk\"],"
    "\"extra\":{\"currency_list\":[\"EUR\"],\"default_currency\":\"EUR\",\"now\":1765000000123},\"status_"
    "code\":0}";

static const char list_jpy[] =
    "{\"data\":[{\"id\":1,\"diamond_count\":70,\"price\":74,\"currency_price\":[{\"currency\":\"JPY\","
    "\"price\":116,"
    "\"price_dot\":0}]}],\"extra\":{\"default_currency\":\"JPY\"},\"status_code\":0}";

static const char list_no_currency_price[] =
    "{\"data\":[{\"id\":1,\"diamond_count\":350,\"price\":370,\"exchange_price\":292}],"
    "\"extra\":{\"default_currency\":\"GBP\"},\"status_code\":0}";

static void realistic_list(void **state)
{
    (void)state;
    lt_tiktok_price_list l;
    char err[256];
    bool blocked = true;
    assert_int_equal(
        lt_tiktok_parse_price_list(200, list_eur, strlen(list_eur), &l, &blocked, err, sizeof err), 0);
    assert_false(blocked);
    assert_string_equal(l.currency, "EUR");
    assert_int_equal(l.package_count, 3);
    assert_int_equal(l.skipped, 2);
    assert_int_equal(l.server_now_ms, 1765000000123LL);
    assert_int_equal(l.packages[0].package_id, 2000);
    assert_int_equal(l.packages[0].coins, 30);
    assert_int_equal(l.packages[0].usd_cents, 32);
    assert_int_equal(l.packages[0].local_price, 30);
    assert_int_equal(l.packages[0].local_decimals, 2);
    assert_int_equal(l.packages[1].coins, 70); /* a numeric string */
    assert_int_equal(l.packages[2].coins, 17500);
    assert_int_equal(l.packages[2].usd_cents, 18500);
    assert_int_equal(l.packages[2].local_price, 17205);
}

static void decimals_and_fallbacks(void **state)
{
    (void)state;
    lt_tiktok_price_list l;
    char err[256];
    assert_int_equal(lt_tiktok_parse_price_list(200, list_jpy, strlen(list_jpy), &l, NULL, err, sizeof err),
                     0);
    assert_string_equal(l.currency, "JPY");
    assert_int_equal(l.packages[0].local_price, 116);
    assert_int_equal(l.packages[0].local_decimals, 0);
    assert_int_equal(lt_tiktok_parse_price_list(200, list_no_currency_price, strlen(list_no_currency_price),
                                                &l, NULL, err, sizeof err),
                     0);
    assert_string_equal(l.currency, "GBP");
    assert_int_equal(l.packages[0].local_price, 292); /* exchange_price */
    assert_int_equal(l.packages[0].local_decimals, 2);
}

static void refusals_set_blocked(void **state)
{
    (void)state;
    lt_tiktok_price_list l;
    char err[256];
    bool blocked = false;
    assert_int_equal(lt_tiktok_parse_price_list(429, "{}", 2, &l, &blocked, err, sizeof err), -1);
    assert_true(blocked);
    assert_non_null(strstr(err, "429"));
    blocked = false;
    assert_int_equal(lt_tiktok_parse_price_list(403, "", 0, &l, &blocked, err, sizeof err), -1);
    assert_true(blocked);
    static const char waf[] =
        "<html><div id=\"tiktok-verify-page\"></div><script>var _wafchallengeid=1</script>";
    blocked = false;
    assert_int_equal(lt_tiktok_parse_price_list(200, waf, strlen(waf), &l, &blocked, err, sizeof err), -1);
    assert_true(blocked);
    assert_non_null(strstr(err, "captcha"));
    /* a server error is a failure, not a block */
    blocked = true;
    assert_int_equal(lt_tiktok_parse_price_list(500, "", 0, &l, &blocked, err, sizeof err), -1);
    assert_false(blocked);
}

static void malformed_answers(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "{\"data\":[{\"diamond_count\":30,\"price\":3",                       /* cut off */
        "[]",                                                                 /* not an object */
        "{\"status_code\":10011,\"data\":[]}",                                /* refused */
        "{\"status_code\":0,\"data\":{}}",                                    /* no array */
        "{\"status_code\":0,\"data\":[{\"diamond_count\":30,\"price\":32}]}", /* no currency anywhere */
        "{\"status_code\":0,\"data\":[{\"diamond_count\":30,\"price\":32,\"currency_price\":[{\"currency\":"
        "\"eu\"}]}]}",
        "{\"status_code\":0,\"data\":[{\"diamond_count\":-30,\"price\":32}],\"extra\":{\"default_currency\":"
        "\"USD\"}}",
        "{\"status_code\":0,\"data\":[{\"diamond_count\":30,\"price\":32,\"exchange_price\":-1}],"
        "\"extra\":{\"default_currency\":\"USD\"}}",
        "{\"status_code\":0,\"data\":[{\"diamond_count\":1e300,\"price\":32}],\"extra\":{\"default_"
        "currency\":\"USD\"}}",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        lt_tiktok_price_list l;
        char err[256] = "";
        bool blocked = true;
        assert_int_equal(
            lt_tiktok_parse_price_list(200, bad[i], strlen(bad[i]), &l, &blocked, err, sizeof err), -1);
        assert_false(blocked);
        assert_true(err[0] != '\0');
    }
}

static void long_lists_are_cut(void **state)
{
    (void)state;
    static char body[64 * 1024];
    size_t n = (size_t)snprintf(body, sizeof body,
                                "{\"status_code\":0,\"extra\":{\"default_currency\":\"USD\"},"
                                "\"data\":[");
    for (int i = 0; i < LT_TIKTOK_PRICE_PACKAGES_MAX + 10; i++)
        n += (size_t)snprintf(body + n, sizeof body - n,
                              "%s{\"diamond_count\":%d,\"price\":%d,\"exchange_price\":%d}", i ? "," : "",
                              10 + i, 11 + i, 11 + i);
    n += (size_t)snprintf(body + n, sizeof body - n, "]}");
    lt_tiktok_price_list l;
    char err[256];
    assert_int_equal(lt_tiktok_parse_price_list(200, body, n, &l, NULL, err, sizeof err), 0);
    assert_int_equal(l.package_count, LT_TIKTOK_PRICE_PACKAGES_MAX);
    assert_int_equal(l.skipped, 10);
    assert_int_equal(l.packages[LT_TIKTOK_PRICE_PACKAGES_MAX - 1].coins,
                     10 + LT_TIKTOK_PRICE_PACKAGES_MAX - 1);
}

static void url(void **state)
{
    (void)state;
    char out[512];
    assert_int_equal(lt_tiktok_price_list_url("http://127.0.0.1:9", out, sizeof out), 0);
    assert_non_null(strstr(out, "http://127.0.0.1:9/webcast/diamond/?aid=1988&"));
    assert_int_equal(lt_tiktok_price_list_url(NULL, out, 20), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(realistic_list),       cmocka_unit_test(decimals_and_fallbacks),
        cmocka_unit_test(refusals_set_blocked), cmocka_unit_test(malformed_answers),
        cmocka_unit_test(long_lists_are_cut),   cmocka_unit_test(url),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
