/* BIGO envelopes and danmu items: the doc's samples (docs/protocol/bigo.md §4),
 * the tolerated variants (data as string or object, ts/data_seq as string or
 * number, `data` for `datas`, omitted defaults), malformed input becoming
 * unknown items or errors, keys, events and replies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bigo/envelope.h"

/* 4.8: one item of each type, inner data as an escaped string */
static const char derived_vector[] =
    "{\"uri\":\"dataReception\",\"retry_cnt\":1,\"send_time\":1712866435852,\"access_token\":"
    "\"42fababa5a4d8059e3efea37b98c9e37\",\"sign\":\"xxxxxx\",\"data\":\"{\\\"seqid\\\":\\\"464467303_1712826230722_"
    "3584152_553933579\\\",\\\"timestamp\\\":1712866435586,\\\"game_id\\\":\\\"10000\\\",\\\"game_sess\\\":"
    "\\\"1712876190998\\\",\\\"status\\\":2,\\\"danmu_data\\\":[{\\\"openid\\\":\\\"AREsz4MyPGdw5an9bozBP28V7AGjGC0G"
    "voZQBG\\\",\\\"datas\\\":[{\\\"type\\\":\\\"heart\\\",\\\"count\\\":10,\\\"user\\\":\\\"u1\\\",\\\"nick_name\\\":"
    "\\\"n1\\\",\\\"user_img\\\":\\\"https://x/a.png\\\",\\\"ts\\\":\\\"1692323232309\\\",\\\"data_seq\\\":\\\"1212091"
    "023\\\"},{\\\"type\\\":\\\"msg\\\",\\\"content\\\":\\\"hello \\\\u4f60\\\\u597d\\\",\\\"user\\\":\\\"u2\\\",\\\"ni"
    "ck_name\\\":\\\"n2\\\",\\\"user_img\\\":\\\"\\\",\\\"ts\\\":\\\"1692323232310\\\",\\\"data_seq\\\":\\\"1212091024"
    "\\\"},{\\\"type\\\":\\\"gift\\\",\\\"gift_id\\\":1234,\\\"gift_url\\\":\\\"https://xxxx\\\",\\\"gift_level\\\":1,"
    "\\\"gift_value\\\":10,\\\"gift_count\\\":10,\\\"gift_name\\\":\\\"aaa\\\",\\\"user\\\":\\\"u3\\\",\\\"nick_name\\\""
    ":\\\"n3\\\",\\\"user_img\\\":\\\"\\\",\\\"ts\\\":\\\"1692323232311\\\",\\\"data_seq\\\":\\\"1212091025\\\"}]}]}\"}";

/* 4.3 verbatim: status 3 with empty datas */
static const char status3_vector[] =
    "{\n\t\"data\":\"{\\\"game_sess\\\":\\\"1712876190998\\\",\\\"danmu_data\\\":[{\\\"openid\\\":\\\"AREsz4MyPGdw5an9"
    "bozBP28V7AGjGC0GvoZQBG\\\",\\\"datas\\\":[]}],\\\"seqid\\\":\\\"1712866435\\\",\\\"game_id\\\":\\\"10000\\\",\\\""
    "status\\\":3,\\\"timestamp\\\":1712866435586}\",\n\t\"access_token\": \"42fababa5a4d8059e3efea37b98c9e37\",\n   "
    "\"sign\":\"xxxxxx\",\n\t\"retry_cnt\": 0,\n\t\"send_time\": 1712866435852,\n\t\"uri\": \"dataReception\"\n}";

static void parse_env(const char *text, lt_bigo_envelope *env, lt_bigo_parse_status want)
{
    char err[256] = "";
    lt_bigo_parse_status st = lt_bigo_envelope_parse(text, strlen(text), env, err, sizeof err);
    if (st != want)
        fail_msg("status %d, wanted %d: %s", st, want, err);
}

static void derived_vector_parses(void **state)
{
    lt_bigo_envelope env;
    parse_env(derived_vector, &env, LT_BIGO_PARSE_OK);
    assert_string_equal(env.uri, "dataReception");
    assert_int_equal(env.retry_cnt, 1);
    assert_int_equal(env.send_time, 1712866435852LL);
    assert_string_equal(env.access_token, "42fababa5a4d8059e3efea37b98c9e37");
    assert_string_equal(env.sign, "xxxxxx");
    assert_non_null(env.data_text);
    lt_bigo_batch b;
    char err[256];
    assert_int_equal(lt_bigo_batch_parse(env.data, 100, &b, err, sizeof err), 0);
    assert_string_equal(b.seqid, "464467303_1712826230722_3584152_553933579");
    assert_string_equal(b.game_id, "10000");
    assert_string_equal(b.game_sess, "1712876190998");
    assert_int_equal(b.status, 2);
    assert_int_equal(b.timestamp, 1712866435586LL);
    assert_int_equal(b.room_count, 1);
    assert_string_equal(b.rooms[0], "AREsz4MyPGdw5an9bozBP28V7AGjGC0GvoZQBG");
    assert_int_equal(b.item_count, 3);

    const lt_bigo_item *heart = &b.items[0], *msg = &b.items[1], *gift = &b.items[2];
    assert_int_equal(heart->kind, LT_BIGO_ITEM_HEART);
    assert_int_equal(heart->count, 10);
    assert_int_equal(heart->ts, 1692323232309LL);
    assert_int_equal(heart->msg_id, 1212091023LL);
    assert_string_equal(heart->user_img, "https://x/a.png");
    assert_int_equal(msg->kind, LT_BIGO_ITEM_MSG);
    assert_string_equal(msg->content, "hello \xe4\xbd\xa0\xe5\xa5\xbd");
    assert_string_equal(msg->nick_name, "n2");
    assert_int_equal(gift->kind, LT_BIGO_ITEM_GIFT);
    assert_int_equal(gift->gift_id, 1234);
    assert_int_equal(gift->gift_value, 10);
    assert_int_equal(gift->gift_count, 10);
    assert_int_equal(gift->gift_level, 1);
    assert_string_equal(gift->gift_name, "aaa");
    assert_string_equal(gift->room, "AREsz4MyPGdw5an9bozBP28V7AGjGC0GvoZQBG");

    /* items become events */
    lt_event ev;
    char *payload;
    assert_int_equal(lt_bigo_item_to_event(gift, 5, &ev, &payload), 0);
    assert_null(payload);
    assert_int_equal(ev.type, LT_EVENT_GIFT);
    assert_int_equal(ev.platform, LT_PLATFORM_BIGO);
    assert_string_equal(ev.room_id, "AREsz4MyPGdw5an9bozBP28V7AGjGC0GvoZQBG");
    assert_int_equal(ev.msg_id, 1212091025LL);
    assert_int_equal(ev.event_time, 1692323232311LL);
    assert_string_equal(ev.as.gift.user.unique_id, "u3");
    assert_int_equal(ev.as.gift.diamond_count, 10);
    assert_int_equal(ev.as.gift.repeat_count, 10);
    assert_int_equal(ev.as.gift.gifts_added, 10);
    assert_int_equal(ev.as.gift.diamonds_added, 100);
    assert_true(ev.as.gift.repeat_end);
    assert_true(ev.as.gift.streak_closed);
    assert_string_equal(ev.as.gift.gift_image_url, "https://xxxx");
    assert_int_equal(lt_bigo_item_to_event(msg, 5, &ev, &payload), 0);
    assert_int_equal(ev.type, LT_EVENT_CHAT);
    assert_string_equal(ev.as.chat.content, msg->content);
    assert_int_equal(lt_bigo_item_to_event(heart, 5, &ev, &payload), 0);
    assert_int_equal(ev.type, LT_EVENT_LIKE);
    assert_int_equal(ev.as.like.count, 10);

    char key[1024];
    size_t n = lt_bigo_item_key(b.game_sess, heart, key, sizeof key);
    assert_int_equal(n, strlen("1712876190998\x1f" "AREsz4MyPGdw5an9bozBP28V7AGjGC0GvoZQBG\x1f" "1212091023"));
    assert_memory_equal(key, "1712876190998\x1f" "AREsz4MyPGdw5an9bozBP28V7AGjGC0GvoZQBG\x1f" "1212091023", n);
    lt_bigo_batch_clear(&b);
    lt_bigo_envelope_clear(&env);
}

/* "\u0000" in a chat (escaped twice: data is a JSON string) does not make
 * the batch unreadable; the string ends at the NUL, as every string
 * livetap publishes (docs/security.md). */
static void nul_in_a_string_ends_it(void **state)
{
    (void)state;
    static const char text[] =
        "{\"uri\":\"dataReception\",\"retry_cnt\":0,\"send_time\":1,\"access_token\":\"t\",\"sign\":\"x\","
        "\"data\":\"{\\\"seqid\\\":\\\"s1\\\",\\\"timestamp\\\":1,\\\"status\\\":2,\\\"danmu_data\\\":"
        "[{\\\"openid\\\":\\\"A\\\",\\\"datas\\\":[{\\\"type\\\":\\\"msg\\\",\\\"content\\\":"
        "\\\"before\\\\u0000after\\\",\\\"user\\\":\\\"u\\\",\\\"nick_name\\\":\\\"n\\\\u0000m\\\","
        "\\\"ts\\\":\\\"1\\\",\\\"data_seq\\\":\\\"9\\\"}]}]}\"}";
    lt_bigo_envelope env;
    parse_env(text, &env, LT_BIGO_PARSE_OK);
    lt_bigo_batch b;
    char err[256];
    assert_int_equal(lt_bigo_batch_parse(env.data, 100, &b, err, sizeof err), 0);
    assert_int_equal(b.item_count, 1);
    assert_int_equal(b.items[0].kind, LT_BIGO_ITEM_MSG);
    assert_string_equal(b.items[0].content, "before");
    assert_string_equal(b.items[0].nick_name, "n");
    lt_bigo_batch_clear(&b);
    lt_bigo_envelope_clear(&env);
}

static void status3_sample_parses(void **state)
{
    lt_bigo_envelope env;
    parse_env(status3_vector, &env, LT_BIGO_PARSE_OK);
    lt_bigo_batch b;
    char err[256];
    assert_int_equal(lt_bigo_batch_parse(env.data, 100, &b, err, sizeof err), 0);
    assert_int_equal(b.status, 3);
    assert_string_equal(b.seqid, "1712866435");
    assert_int_equal(b.item_count, 0);
    assert_int_equal(b.room_count, 1);
    lt_bigo_batch_clear(&b);
    lt_bigo_envelope_clear(&env);
}

static void tolerated_variants(void **state)
{
    /* data inline, numbers for ts/data_seq, `data` for `datas`, seqid as a
     * number, omitted fields as defaults */
    const char *text = "{\"uri\":\"dataReception\",\"data\":{\"seqid\":42,\"danmu_data\":[{\"openid\":\"A\",\"data\":"
                       "[{\"type\":\"msg\",\"ts\":1700000000000,\"data_seq\":77},{\"type\":\"gift\",\"data_seq\":\"78\"}]},"
                       "{\"openid\":\"B\",\"datas\":[{\"type\":\"heart\",\"data_seq\":\"x-1\",\"ts\":\"5\"}]},"
                       "{\"openid\":\"A\"}]}}";
    lt_bigo_envelope env;
    parse_env(text, &env, LT_BIGO_PARSE_OK);
    assert_null(env.data_text);
    assert_int_equal(env.retry_cnt, 0);
    lt_bigo_batch b;
    char err[256];
    assert_int_equal(lt_bigo_batch_parse(env.data, 100, &b, err, sizeof err), 0);
    assert_string_equal(b.seqid, "42");
    assert_int_equal(b.room_count, 2); /* A named twice */
    assert_int_equal(b.item_count, 3);
    assert_int_equal(b.items[0].kind, LT_BIGO_ITEM_MSG);
    assert_int_equal(b.items[0].ts, 1700000000000LL);
    assert_string_equal(b.items[0].seq, "77");
    assert_int_equal(b.items[0].msg_id, 77);
    assert_null(b.items[0].content);
    lt_event ev;
    char *payload;
    assert_int_equal(lt_bigo_item_to_event(&b.items[0], 9, &ev, &payload), 0);
    assert_string_equal(ev.as.chat.content, "");
    /* a gift without count counts once; no ts: the fallback time */
    assert_int_equal(lt_bigo_item_to_event(&b.items[1], 9, &ev, &payload), 0);
    assert_int_equal(ev.event_time, 9);
    assert_int_equal(ev.as.gift.gifts_added, 1);
    assert_int_equal(ev.as.gift.diamonds_added, 0);
    /* a non-numeric data_seq keeps its text in the key and gets a stable id */
    assert_string_equal(b.items[2].seq, "x-1");
    assert_true(b.items[2].msg_id > 0);
    assert_string_equal(b.items[2].room, "B");
    int64_t first = b.items[2].msg_id;
    lt_bigo_batch_clear(&b);
    lt_bigo_envelope_clear(&env);
    parse_env(text, &env, LT_BIGO_PARSE_OK);
    assert_int_equal(lt_bigo_batch_parse(env.data, 100, &b, err, sizeof err), 0);
    assert_int_equal(b.items[2].msg_id, first);
    lt_bigo_batch_clear(&b);
    lt_bigo_envelope_clear(&env);
}

static void bad_items_become_unknown(void **state)
{
    const char *data =
        "{\"seqid\":\"s\",\"danmu_data\":[{\"openid\":\"A\",\"datas\":[7,{\"content\":\"no type\"},"
        "{\"type\":\"gift\",\"gift_id\":\"abc\",\"data_seq\":\"1\"},{\"type\":\"msg\",\"content\":5,\"data_seq\":\"2\"},"
        "{\"type\":\"msg\",\"ts\":-3,\"data_seq\":\"3\"},{\"type\":\"share\",\"data_seq\":{}},"
        "{\"type\":\"we\\u00e9ird type!\",\"data_seq\":\"5\"}]},"
        "\"not a room\",{\"datas\":[]},{\"openid\":\"C\",\"datas\":{}}]}";
    json_t *j = json_loads(data, 0, NULL);
    assert_non_null(j);
    lt_bigo_batch b;
    char err[256];
    assert_int_equal(lt_bigo_batch_parse(j, 100, &b, err, sizeof err), 0);
    assert_int_equal(b.item_count, 10);
    const lt_bigo_item_kind want[] = {LT_BIGO_ITEM_BAD, LT_BIGO_ITEM_BAD, LT_BIGO_ITEM_BAD, LT_BIGO_ITEM_BAD,
                                      LT_BIGO_ITEM_BAD, LT_BIGO_ITEM_BAD, LT_BIGO_ITEM_OTHER, LT_BIGO_ITEM_BAD,
                                      LT_BIGO_ITEM_BAD, LT_BIGO_ITEM_BAD};
    for (size_t i = 0; i < b.item_count; i++) {
        assert_int_equal(b.items[i].kind, want[i]);
        assert_true(b.items[i].msg_id > 0);
        lt_event ev;
        char *payload;
        assert_int_equal(lt_bigo_item_to_event(&b.items[i], 1, &ev, &payload), 0);
        assert_int_equal(ev.type, LT_EVENT_UNKNOWN);
        assert_non_null(payload);
        assert_int_equal(ev.as.unknown.payload.len, strlen(payload));
        assert_string_equal(ev.as.unknown.reason, want[i] == LT_BIGO_ITEM_BAD ? b.items[i].bad : "no_decoder");
        /* the method is a plain token, whatever the type said */
        for (const char *p = ev.as.unknown.method; *p; p++)
            assert_true(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.", *p) != NULL);
        free(payload);
    }
    assert_string_equal(b.items[6].method, "bigo.we__ird_type_");
    assert_string_equal(b.items[8].room, "");  /* room entry without openid */
    assert_string_equal(b.items[9].room, "C"); /* datas of the wrong type: the entry, whole */
    /* the same malformed item hashes the same way twice (dedupe across push and pull) */
    lt_bigo_batch again;
    assert_int_equal(lt_bigo_batch_parse(j, 100, &again, err, sizeof err), 0);
    for (size_t i = 0; i < b.item_count; i++)
        assert_int_equal(again.items[i].msg_id, b.items[i].msg_id);
    lt_bigo_batch_clear(&again);
    lt_bigo_batch_clear(&b);
    json_decref(j);
}

static void envelope_errors(void **state)
{
    lt_bigo_envelope env;
    parse_env("not json", &env, LT_BIGO_PARSE_NOT_JSON);
    parse_env("[1,2]", &env, LT_BIGO_PARSE_NOT_JSON);
    parse_env("{\"uri\":5}", &env, LT_BIGO_PARSE_NO_URI);
    parse_env("{\"data\":\"{}\"}", &env, LT_BIGO_PARSE_NO_URI);
    parse_env("{\"uri\":\"a\",\"uri\":\"b\"}", &env, LT_BIGO_PARSE_NOT_JSON); /* duplicate keys */
    parse_env("{\"uri\":\"dataReception\",\"retry_cnt\":2,\"send_time\":\"77\",\"data\":\"{oops\"}", &env,
              LT_BIGO_PARSE_BAD_DATA);
    assert_string_equal(env.uri, "dataReception");
    assert_int_equal(env.retry_cnt, 2);
    assert_int_equal(env.send_time, 77);
    assert_null(env.data);
    lt_bigo_envelope_clear(&env);
    parse_env("{\"uri\":\"dataReception\",\"data\":\"[1]\"}", &env, LT_BIGO_PARSE_BAD_DATA);
    lt_bigo_envelope_clear(&env);
    parse_env("{\"uri\":\"dataReception\",\"data\":17}", &env, LT_BIGO_PARSE_BAD_DATA);
    lt_bigo_envelope_clear(&env);
    parse_env("{\"uri\":\"dataReception\"}", &env, LT_BIGO_PARSE_BAD_DATA);
    lt_bigo_envelope_clear(&env);

    /* batch-level errors */
    char err[256];
    lt_bigo_batch b;
    const char *bad[] = {"{}", "{\"seqid\":[1]}", "{\"seqid\":\"s\",\"status\":\"three\"}",
                         "{\"seqid\":\"s\",\"danmu_data\":{}}", "{\"seqid\":\"s\",\"game_sess\":{}}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *j = json_loads(bad[i], 0, NULL);
        assert_int_equal(lt_bigo_batch_parse(j, 100, &b, err, sizeof err), -1);
        json_decref(j);
    }
    /* ids are bounded */
    char big[600] = "{\"seqid\":\"";
    memset(big + strlen(big), 'x', 300);
    strcpy(big + 10 + 300, "\"}");
    json_t *j = json_loads(big, 0, NULL);
    assert_int_equal(lt_bigo_batch_parse(j, 100, &b, err, sizeof err), -1);
    json_decref(j);
}

static void item_cap_is_reported(void **state)
{
    json_t *datas = json_array();
    for (int i = 0; i < 50; i++)
        json_array_append_new(datas, json_pack("{s:s, s:i}", "type", "heart", "data_seq", i + 1));
    json_t *j = json_pack("{s:s, s:[{s:s, s:o}]}", "seqid", "s", "danmu_data", "openid", "A", "datas", datas);
    lt_bigo_batch b;
    char err[256];
    assert_int_equal(lt_bigo_batch_parse(j, 20, &b, err, sizeof err), 0);
    assert_int_equal(b.item_count, 20);
    assert_int_equal(b.truncated, 30);
    lt_bigo_batch_clear(&b);
    json_decref(j);
}

static void json_int_rules(void **state)
{
    int64_t v;
    const char *good[] = {"5", "\"5\"", "0", "\"9223372036854775807\"", "1.7e12"};
    const int64_t want[] = {5, 5, 0, INT64_MAX, 1700000000000LL};
    for (size_t i = 0; i < 5; i++) {
        json_t *j = json_loads(good[i], JSON_DECODE_ANY, NULL);
        assert_int_equal(lt_bigo_json_int(j, &v), 0);
        assert_int_equal(v, want[i]);
        json_decref(j);
    }
    const char *badv[] = {"-1", "\"-1\"", "\"\"", "\"12a\"", "\"9223372036854775808\"", "1.5", "true", "null", "[]"};
    for (size_t i = 0; i < sizeof badv / sizeof badv[0]; i++) {
        json_t *j = json_loads(badv[i], JSON_DECODE_ANY, NULL);
        assert_int_equal(lt_bigo_json_int(j, &v), -1);
        json_decref(j);
    }
}

static void login_sign_and_parse(void **state)
{
    char out[33];
    /* docs/protocol/bigo.md §1.4 worked example */
    assert_int_equal(lt_bigo_login_sign("213213", "1693796233988", "inke", "bigoUser1", out), 0);
    assert_string_equal(out, "eee920929f1b318266c5310f733965b1");
    json_t *j = json_loads("{\"account\":\"bigoUser1\",\"timestamp\":1713249091251,\"sign\":\"abc\"}", 0, NULL);
    lt_bigo_login login;
    char err[128];
    assert_int_equal(lt_bigo_login_parse(j, &login, err, sizeof err), 0);
    assert_string_equal(login.timestamp, "1713249091251");
    assert_string_equal(login.account, "bigoUser1");
    json_decref(j);
    j = json_loads("{\"account\":\"bigoUser1\",\"timestamp\":\"1\"}", 0, NULL);
    assert_int_equal(lt_bigo_login_parse(j, &login, err, sizeof err), -1);
    json_decref(j);
    /* 4.1 is not valid JSON inside data (an md5(...) expression): BAD_DATA */
    const char *sample = "{\"uri\":\"platformLogin\",\"retry_cnt\":0,\"send_time\":1713249091251,\"data\":\"{\\\"account\\\":"
                         "\\\"bigoUser1\\\",\\\"timestamp\\\":\\\"1713249091251\\\",\\\"sign\\\":md5(\\\"password:\\\"+pa"
                         "ssword)}\"}";
    lt_bigo_envelope env;
    parse_env(sample, &env, LT_BIGO_PARSE_BAD_DATA);
    assert_string_equal(env.uri, "platformLogin");
    lt_bigo_envelope_clear(&env);
}

static void reply_shape(void **state)
{
    json_t *data = json_pack("{s:s, s:i, s:s}", "seqid", "464467303_1712826230722_3584152_553933579", "rescode", 200,
                             "message", "");
    char *text = lt_bigo_reply("dataReception", 1, 1712866435852LL, 1712866435900LL, 1712866436000LL, data);
    json_decref(data);
    assert_non_null(text);
    assert_string_equal(text, "{\"uri\":\"dataReceptionResp\",\"retry_cnt\":1,\"send_time\":1712866435852,\"resp_time\":"
                              "1712866436000,\"up_cost\":48,\"data\":\"{\\\"seqid\\\":\\\"464467303_1712826230722_3584152"
                              "_553933579\\\",\\\"rescode\\\":200,\\\"message\\\":\\\"\\\"}\"}");
    free(text);
    /* clock skew never makes up_cost negative */
    data = json_object();
    text = lt_bigo_reply("platformLogin", 0, 2000, 1000, 1500, data);
    json_decref(data);
    json_t *j = json_loads(text, 0, NULL);
    assert_int_equal(json_integer_value(json_object_get(j, "up_cost")), 0);
    assert_string_equal(json_string_value(json_object_get(j, "uri")), "platformLoginResp");
    json_decref(j);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(derived_vector_parses),
        cmocka_unit_test(status3_sample_parses),
        cmocka_unit_test(nul_in_a_string_ends_it),
        cmocka_unit_test(tolerated_variants),
        cmocka_unit_test(bad_items_become_unknown),
        cmocka_unit_test(envelope_errors),
        cmocka_unit_test(item_cap_is_reported),
        cmocka_unit_test(json_int_rules),
        cmocka_unit_test(login_sign_and_parse),
        cmocka_unit_test(reply_shape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
