/* test_sidecar_request.c - request path/query parsing, type filters,
 * cursors, base64url, and the Kafka-compatible murmur2 partitioner. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kafka/consumer.h"
#include "sidecar/request.h"

static void test_plain_room(void **state)
{
    lt_sidecar_request req;
    lt_sidecar_error err;
    assert_int_equal(lt_sidecar_request_parse("/ws/7300000000000000001", NULL, &req, &err), 0);
    assert_string_equal(req.room_id, "7300000000000000001");
    assert_true(req.types == LT_SIDECAR_ALL_TYPES);
    assert_false(req.has_since);
    assert_false(req.has_cursor);
    assert_string_equal(req.token, "");
    /* trailing slash and percent-encoding */
    assert_int_equal(lt_sidecar_request_parse("/ws/user%40room/", "", &req, &err), 0);
    assert_string_equal(req.room_id, "user@room");
}

static void test_bad_rooms(void **state)
{
    lt_sidecar_request req;
    lt_sidecar_error err;
    const char *bad[] = {"/ws/", "/ws", "/x/123", "/ws/a b", "/ws/a%2Fb", "/ws/a/b", "/ws/%00",
                         "/ws/%zz", "/ws/%4", "/ws/<script>"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&err, 0, sizeof(err));
        assert_int_equal(lt_sidecar_request_parse(bad[i], NULL, &req, &err), -1);
        assert_true(strlen(err.message) > 0);
    }
    char longroom[300] = "/ws/";
    memset(longroom + 4, 'a', 129);
    longroom[133] = '\0';
    assert_int_equal(lt_sidecar_request_parse(longroom, NULL, &req, &err), -1);
    assert_string_equal(err.message, "malformed room id");
    longroom[132] = '\0'; /* exactly 128 */
    assert_int_equal(lt_sidecar_request_parse(longroom, NULL, &req, &err), 0);
}

static void test_query(void **state)
{
    lt_sidecar_request req;
    lt_sidecar_error err;
    assert_int_equal(lt_sidecar_request_parse("/ws/r1", "types=chat,gift&since=1700000000123&access_token=abc%2Edef&x=1",
                                              &req, &err),
                     0);
    assert_true(req.types == (LT_SIDECAR_TYPE_BIT(LT_EVENT_CHAT) | LT_SIDECAR_TYPE_BIT(LT_EVENT_GIFT)));
    assert_true(req.has_since);
    assert_int_equal(req.since_ms, 1700000000123LL);
    assert_string_equal(req.token, "abc.def");
    assert_int_equal(lt_sidecar_request_parse("/ws/r1", "types=status", &req, &err), 0);
    assert_true(req.types == LT_SIDECAR_TYPE_BIT(LT_EVENT_ROOM_STATUS));
}

static void test_query_errors(void **state)
{
    lt_sidecar_request req;
    lt_sidecar_error err;
    assert_int_equal(lt_sidecar_request_parse("/ws/r1", "types=chat,bogus", &req, &err), -1);
    assert_string_equal(err.message, "unknown type in filter");
    assert_non_null(strstr(err.details, "'bogus'"));
    assert_non_null(strstr(err.details, "chat"));
    assert_int_equal(lt_sidecar_request_parse("/ws/r1", "types=", &req, &err), -1);
    assert_int_equal(lt_sidecar_request_parse("/ws/r1", "types=chat,", &req, &err), -1);
    assert_int_equal(lt_sidecar_request_parse("/ws/r1", "types=chat&types=gift", &req, &err), -1);
    assert_int_equal(lt_sidecar_request_parse("/ws/r1", "since=-5", &req, &err), -1);
    assert_string_equal(err.message, "bad since");
    assert_int_equal(lt_sidecar_request_parse("/ws/r1", "since=12x", &req, &err), -1);
    assert_int_equal(lt_sidecar_request_parse("/ws/r1", "since=99999999999999999999", &req, &err), -1);
    assert_int_equal(lt_sidecar_request_parse("/ws/r1", "since=1&cursor=1AAA", &req, &err), -1);
    assert_int_equal(lt_sidecar_request_parse("/ws/r1", "cursor=garbage!", &req, &err), -1);
    assert_string_equal(err.message, "bad cursor");
    assert_int_equal(lt_sidecar_request_parse("/ws/r1", "access_token=%zz", &req, &err), -1);
}

static void test_cursor_round_trip(void **state)
{
    lt_sidecar_cursor cur = {0}, back;
    lt_sidecar_error err;
    char text[LT_SIDECAR_CURSOR_TEXT_MAX + 1];
    cur.entries[0] = (lt_sidecar_cursor_entry){LT_EVENT_CHAT, 0, 0};
    cur.entries[1] = (lt_sidecar_cursor_entry){LT_EVENT_GIFT, 5, 123456789012LL};
    cur.entries[2] = (lt_sidecar_cursor_entry){LT_EVENT_ROOM_STATUS, 2147483647, INT64_MAX};
    cur.count = 3;
    int n = lt_sidecar_cursor_encode(&cur, text, sizeof(text));
    assert_true(n > 1);
    assert_int_equal(n, (int)strlen(text));
    assert_int_equal(text[0], '1');
    for (int i = 0; i < n; i++) /* URL-safe without escaping */
        assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", text[i]));
    assert_int_equal(lt_sidecar_cursor_decode(text, &back, &err), 0);
    assert_int_equal(back.count, 3);
    assert_memory_equal(back.entries, cur.entries, 3 * sizeof(cur.entries[0]));
    /* through the query parser */
    char query[2048];
    snprintf(query, sizeof(query), "cursor=%s", text);
    lt_sidecar_request req;
    assert_int_equal(lt_sidecar_request_parse("/ws/r", query, &req, &err), 0);
    assert_true(req.has_cursor);
    assert_int_equal(req.cursor.entries[1].offset, 123456789012LL);
    /* truncation is detected */
    text[n - 2] = '\0';
    assert_int_equal(lt_sidecar_cursor_decode(text, &back, &err), -1);
    /* a type twice is refused */
    cur.entries[1].type = LT_EVENT_CHAT;
    n = lt_sidecar_cursor_encode(&cur, text, sizeof(text));
    assert_int_equal(lt_sidecar_cursor_decode(text, &back, &err), -1);
    /* too small an output buffer */
    assert_int_equal(lt_sidecar_cursor_encode(&cur, text, 4), -1);
    /* empty cursor "1" is valid and empty */
    assert_int_equal(lt_sidecar_cursor_decode("1", &back, &err), 0);
    assert_int_equal(back.count, 0);
    assert_int_equal(lt_sidecar_cursor_decode("2AAAA", &back, &err), -1);
}

static void test_b64url(void **state)
{
    /* RFC 4648 test vectors, in the URL alphabet without padding */
    const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const char *enc[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
    char out[32];
    uint8_t back[32];
    for (int i = 0; i < 7; i++) {
        size_t n = lt_sidecar_b64url_encode((const uint8_t *)plain[i], strlen(plain[i]), out, sizeof(out));
        assert_string_equal(out, enc[i]);
        assert_int_equal(n, strlen(enc[i]));
        long m = lt_sidecar_b64url_decode(enc[i], strlen(enc[i]), back, sizeof(back));
        assert_int_equal(m, (long)strlen(plain[i]));
        assert_memory_equal(back, plain[i], (size_t)m);
    }
    uint8_t ff[2] = {0xfb, 0xff};
    lt_sidecar_b64url_encode(ff, 2, out, sizeof(out));
    assert_string_equal(out, "-_8");
    assert_int_equal(lt_sidecar_b64url_decode("Zm9v+", 5, back, sizeof(back)), -1);
    assert_int_equal(lt_sidecar_b64url_decode("Z", 1, back, sizeof(back)), -1);
    assert_int_equal(lt_sidecar_b64url_decode("Zh", 2, back, sizeof(back)), -1); /* non-canonical */
    assert_int_equal(lt_sidecar_b64url_decode("Zm9vYmFy", 8, back, 3), -1);
}

static void test_murmur2(void **state)
{
    /* Kafka's own expectations for Utils.murmur2 (signed 32-bit results). */
    assert_int_equal((int32_t)lt_kafka_murmur2("21", 2), -973932308);
    assert_int_equal((int32_t)lt_kafka_murmur2("foobar", 6), -790332482);
    assert_int_equal((int32_t)lt_kafka_murmur2("a-little-bit-long-string", 24), -985981536);
    assert_int_equal((int32_t)lt_kafka_murmur2("a-little-bit-longer-string", 26), -1486304829);
    assert_int_equal((int32_t)lt_kafka_murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", 48),
                     -58897971);
    assert_int_equal((int32_t)lt_kafka_murmur2("abc", 3), 479470107);
    assert_int_equal(lt_kafka_partition_for_key("foobar", 6, 1), 0);
    int32_t p = lt_kafka_partition_for_key("foobar", 6, 12);
    assert_int_equal(p, (int32_t)(((uint32_t)-790332482 & 0x7fffffffu) % 12u));
    assert_int_equal(lt_kafka_partition_for_key("x", 1, 0), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_room),  cmocka_unit_test(test_bad_rooms),
        cmocka_unit_test(test_query),       cmocka_unit_test(test_query_errors),
        cmocka_unit_test(test_cursor_round_trip), cmocka_unit_test(test_b64url),
        cmocka_unit_test(test_murmur2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
