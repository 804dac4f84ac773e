/* Sign-server helpers: X-Set-TT-Cookie -> Cookie header, 429 retry time
 * from the headers TikTok's sign servers send, /webcast/rate_limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tiktok/signer.h"

static void cookie_string(void **state)
{
    char out[512];
    assert_int_equal(
        lt_tiktok_cookie_header("ttwid=1|abc|1700000000|ff; tt_csrf_token=xyz; msToken=m-1", out, sizeof out),
        0);
    assert_string_equal(out, "ttwid=1|abc|1700000000|ff; tt_csrf_token=xyz; msToken=m-1; "
                             "tt-target-idc=useast1a");
}

static void set_cookie_lines_drop_attributes(void **state)
{
    char out[512];
    const char *in = "ttwid=AAA; Path=/; Domain=.tiktok.com; Max-Age=31536000; HttpOnly; Secure; "
                     "SameSite=None, tt_chain_token=BBB; expires=Sat, 01 Nov 2025 10:00:00 GMT; path=/\n"
                     "tt-target-idc=eu-ttp2";
    assert_int_equal(lt_tiktok_cookie_header(in, out, sizeof out), 0);
    assert_string_equal(out, "ttwid=AAA; tt_chain_token=BBB; tt-target-idc=eu-ttp2");
}

static void cookie_rejects_nothing_usable(void **state)
{
    char out[64];
    assert_int_equal(lt_tiktok_cookie_header("", out, sizeof out), -1);
    assert_int_equal(lt_tiktok_cookie_header(NULL, out, sizeof out), -1);
    assert_int_equal(lt_tiktok_cookie_header("Path=/; HttpOnly", out, sizeof out), -1);
    assert_int_equal(lt_tiktok_cookie_header("=novalue; bad name=1", out, sizeof out), -1);
    /* too small for the result: refused, not truncated */
    char tiny[16];
    assert_int_equal(lt_tiktok_cookie_header("ttwid=0123456789", tiny, sizeof tiny), -1);
}

static void retry_at_from_headers(void **state)
{
    const int64_t now = 1700000000000LL;
    const char h1[] =
        "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 120\r\nContent-Type: application/json\r\n\r\n";
    assert_int_equal(lt_tiktok_retry_at(h1, strlen(h1), now), now + 120000);

    const char h2[] =
        "HTTP/1.1 429 Too Many Requests\r\nratelimit-remaining: 0\r\nRateLimit-Reset: 1551\r\n\r\n";
    assert_int_equal(lt_tiktok_retry_at(h2, strlen(h2), now), now + 1551000);

    const char h3[] = "HTTP/1.1 429 x\r\nx-ratelimit-reset: 1700000300\r\n\r\n";
    assert_int_equal(lt_tiktok_retry_at(h3, strlen(h3), now), 1700000300000LL);

    const char h4[] = "HTTP/1.1 429 x\r\nRetry-After: Wed, 15 Nov 2023 00:00:00 GMT\r\n\r\n";
    assert_int_equal(lt_tiktok_retry_at(h4, strlen(h4), now), 1700006400000LL);

    /* Retry-After wins over the reset headers */
    const char h5[] = "HTTP/1.1 429 x\r\nRateLimit-Reset: 999\r\nRetry-After: 5\r\n\r\n";
    assert_int_equal(lt_tiktok_retry_at(h5, strlen(h5), now), now + 5000);

    const char h6[] = "HTTP/1.1 429 x\r\nContent-Length: 0\r\n\r\n";
    assert_int_equal(lt_tiktok_retry_at(h6, strlen(h6), now), now + 60000);
    const char h7[] = "HTTP/1.1 429 x\r\nRetry-After: soon\r\n\r\n";
    assert_int_equal(lt_tiktok_retry_at(h7, strlen(h7), now), now + 60000);

    /* a hostile or broken server: never later than a day, no overflow on
     * absurd numbers, infinity and not-a-number are no number */
    const int64_t day = 24 * 3600 * 1000LL;
    const char h8[] = "HTTP/1.1 429 x\r\nRetry-After: 1e300\r\n\r\n";
    assert_int_equal(lt_tiktok_retry_at(h8, strlen(h8), now), now + day);
    const char h9[] = "HTTP/1.1 429 x\r\nRetry-After: inf\r\n\r\n";
    assert_int_equal(lt_tiktok_retry_at(h9, strlen(h9), now), now + 60000);
    const char h10[] = "HTTP/1.1 429 x\r\nRetry-After: nan\r\n\r\n";
    assert_int_equal(lt_tiktok_retry_at(h10, strlen(h10), now), now + 60000);
    const char h11[] = "HTTP/1.1 429 x\r\nX-RateLimit-Reset: 1000000000000000\r\n\r\n"; /* year 33658 in ms */
    assert_int_equal(lt_tiktok_retry_at(h11, strlen(h11), now), now + day);
    const char h12[] = "HTTP/1.1 429 x\r\nRetry-After: 86399\r\n\r\n"; /* a day-window reset: kept */
    assert_int_equal(lt_tiktok_retry_at(h12, strlen(h12), now), now + 86399000);
}

static void rate_limits(void **state)
{
    double rate, burst;
    const char body[] =
        "{\"code\":200,\"message\":\"ok\",\"day\":{\"max\":50000,\"remaining\":49000,\"reset_at\":1},"
        "\"hour\":{\"max\":1200,\"remaining\":10},\"minute\":{\"max\":30,\"remaining\":30},"
        "\"load_shedding\":{\"at\":0.9,\"chance\":0.1}}";
    assert_int_equal(lt_tiktok_parse_rate_limits(body, strlen(body), &rate, &burst), 0);
    /* minute 0.5/s, hour 0.333/s, day 0.579/s: the hour is the tightest */
    assert_true(rate > 0.3333 && rate < 0.3334);
    assert_true(burst == 30.0);

    const char minute_only[] = "{\"minute\":{\"max\":10}}";
    assert_int_equal(lt_tiktok_parse_rate_limits(minute_only, strlen(minute_only), &rate, &burst), 0);
    assert_true(rate > 0.1666 && rate < 0.1667);
    assert_true(burst == 10.0);

    const char none[] = "{\"code\":401,\"message\":\"bad key\"}";
    assert_int_equal(lt_tiktok_parse_rate_limits(none, strlen(none), &rate, &burst), -1);
    assert_int_equal(lt_tiktok_parse_rate_limits("nope", 4, &rate, &burst), -1);
    const char zero[] = "{\"minute\":{\"max\":0}}";
    assert_int_equal(lt_tiktok_parse_rate_limits(zero, strlen(zero), &rate, &burst), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cookie_string),
        cmocka_unit_test(set_cookie_lines_drop_attributes),
        cmocka_unit_test(cookie_rejects_nothing_usable),
        cmocka_unit_test(retry_at_from_headers),
        cmocka_unit_test(rate_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
