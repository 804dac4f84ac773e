/* BIGO's gift list answer (/gift/get_list): the doc's sample (docs/protocol/bigo.md
 * §3.2), omitted defaults, numbers as strings, malformed entries skipped and
 * counted, repeated ids, the cap, answers that are not usable, rescodes, the
 * gift_info event and the change hash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bigo/giftlist.h"

static int parse(const char *body, size_t max, lt_bigo_gift_list *l)
{
    char err[256] = "";
    int rc = lt_bigo_gift_list_parse(body, strlen(body), max, l, err, sizeof err);
    if (rc)
        assert_true(err[0] != '\0');
    return rc;
}

/* 4.7, wrapped in the answer every BIGO call has */
static void doc_sample_parses(void **state)
{
    (void)state;
    lt_bigo_gift_list l;
    assert_int_equal(parse("{\"rescode\":200,\"message\":\"\",\"list\":[{\"giftid\":1235,\"gift_level\":2,\"value\":10,"
                           "\"icon\":\"https://static.bigo.tv/xs9sxjsdssd.webp\",\"gift_name\":\"aaa\"},{\"giftid\":1234,"
                           "\"gift_level\":1,\"value\":10,\"icon\":\"https://static.bigo.tv/xs9sxjsd.webp\","
                           "\"gift_name\":\"aaa\"}]}",
                           LT_BIGO_GIFT_LIST_MAX, &l),
                     0);
    assert_int_equal(l.rescode, 200);
    assert_int_equal(l.count, 2);
    assert_int_equal(l.skipped, 0);
    /* in id order */
    assert_int_equal(l.gifts[0].gift_id, 1234);
    assert_int_equal(l.gifts[0].gift_level, 1);
    assert_int_equal(l.gifts[0].value, 10);
    assert_string_equal(l.gifts[0].name, "aaa");
    assert_string_equal(l.gifts[0].icon, "https://static.bigo.tv/xs9sxjsd.webp");
    assert_int_equal(l.gifts[1].gift_id, 1235);

    lt_event ev;
    lt_bigo_gift_info_event(&l.gifts[0], "anchorA", 1700000000000, &ev);
    assert_int_equal(ev.type, LT_EVENT_GIFT_INFO);
    assert_int_equal(ev.platform, LT_PLATFORM_BIGO);
    assert_string_equal(ev.room_id, "anchorA");
    assert_int_equal(ev.msg_id, 0);
    assert_int_equal(ev.event_time, 1700000000000);
    assert_int_equal(ev.as.gift_info.gift_id, 1234);
    assert_string_equal(ev.as.gift_info.name, "aaa");
    assert_int_equal(ev.as.gift_info.diamond_count, 10);
    assert_int_equal(ev.as.gift_info.gift_type, 0);
    assert_false(ev.as.gift_info.streakable);
    assert_string_equal(ev.as.gift_info.image_url, "https://static.bigo.tv/xs9sxjsd.webp");
    lt_bigo_gift_list_clear(&l);
}

static void defaults_and_number_forms(void **state)
{
    (void)state;
    lt_bigo_gift_list l;
    /* BIGO omits defaults: no gift_level, no value, no icon; numbers as strings */
    assert_int_equal(parse("{\"rescode\":200,\"list\":[{\"giftid\":\"77\",\"gift_name\":\"free\"},"
                           "{\"giftid\":78,\"value\":\"5\",\"gift_name\":\"five\",\"icon\":\"\"},"
                           "{\"giftid\":79.0,\"value\":99999999999,\"gift_name\":\"dear\",\"gift_level\":null}]}",
                           100, &l),
                     0);
    assert_int_equal(l.count, 3);
    assert_int_equal(l.gifts[0].gift_id, 77);
    assert_int_equal(l.gifts[0].value, 0);
    assert_int_equal(l.gifts[0].gift_level, 0);
    assert_null(l.gifts[0].icon);
    assert_int_equal(l.gifts[1].value, 5);
    assert_null(l.gifts[1].icon); /* "" = absent */
    assert_int_equal(l.gifts[2].value, INT32_MAX); /* clamped */
    lt_bigo_gift_list_clear(&l);

    /* no list at all: an empty catalogue (BIGO omits []) */
    assert_int_equal(parse("{\"rescode\":200}", 100, &l), 0);
    assert_int_equal(l.count, 0);
    lt_bigo_gift_list_clear(&l);
}

static void malformed_entries_are_skipped(void **state)
{
    (void)state;
    char longname[LT_BIGO_GIFT_NAME_MAX + 2], longicon[LT_BIGO_GIFT_ICON_MAX + 2], body[8192];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    memset(longicon, 'i', sizeof longicon - 1);
    longicon[sizeof longicon - 1] = '\0';
    snprintf(body, sizeof body,
             "{\"rescode\":200,\"list\":[1,\"x\",null,{},{\"giftid\":0,\"gift_name\":\"zero\"},"
             "{\"giftid\":-3,\"gift_name\":\"neg\"},{\"giftid\":\"12a\",\"gift_name\":\"x\"},"
             "{\"giftid\":5,\"gift_name\":7},{\"giftid\":6,\"gift_name\":\"\"},{\"giftid\":7},"
             "{\"giftid\":8,\"gift_name\":\"v\",\"value\":-1},{\"giftid\":9,\"gift_name\":\"v\",\"value\":1.5},"
             "{\"giftid\":10,\"gift_name\":\"v\",\"icon\":3},{\"giftid\":11,\"gift_name\":\"%s\"},"
             "{\"giftid\":12,\"gift_name\":\"ok\",\"icon\":\"%s\"},"
             "{\"giftid\":13,\"gift_name\":\"first\",\"value\":1},{\"giftid\":13,\"gift_name\":\"second\",\"value\":2}]}",
             longname, longicon);
    lt_bigo_gift_list l;
    assert_int_equal(parse(body, 100, &l), 0);
    assert_int_equal(l.count, 2);
    assert_int_equal(l.skipped, 15); /* 14 malformed + 1 repeated id */
    assert_int_equal(l.gifts[0].gift_id, 12);
    assert_null(l.gifts[0].icon); /* too long: left out, the gift kept */
    assert_int_equal(l.gifts[1].gift_id, 13);
    assert_string_equal(l.gifts[1].name, "first"); /* the first entry of an id wins */
    lt_bigo_gift_list_clear(&l);
}

static void cap_is_counted(void **state)
{
    (void)state;
    size_t n = 50, cap = 20;
    char *body = malloc(n * 64 + 64);
    assert_non_null(body);
    size_t off = (size_t)sprintf(body, "{\"rescode\":200,\"list\":[");
    for (size_t i = 0; i < n; i++)
        off += (size_t)sprintf(body + off, "%s{\"giftid\":%zu,\"gift_name\":\"g%zu\"}", i ? "," : "", 100 + i, i);
    strcpy(body + off, "]}");
    lt_bigo_gift_list l;
    assert_int_equal(parse(body, cap, &l), 0);
    assert_int_equal(l.count, cap);
    assert_int_equal(l.truncated, n - cap);
    assert_int_equal(l.gifts[cap - 1].gift_id, 100 + cap - 1);
    lt_bigo_gift_list_clear(&l);
    free(body);
}

static void unusable_answers_and_rescodes(void **state)
{
    (void)state;
    lt_bigo_gift_list l;
    const char *bad[] = {"", "{not json", "[]", "\"list\"", "{\"rescode\":200,\"list\":{\"giftid\":1}}",
                         "{\"rescode\":200,\"list\":\"[]\"}", "{\"rescode\":\"two hundred\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(parse(bad[i], 100, &l), -1);
        lt_bigo_gift_list_clear(&l);
    }
    /* a refusal: parsed, the rescode and message say why, no gifts read */
    assert_int_equal(parse("{\"rescode\":401,\"messge\":\"frequency limited\",\"list\":[{\"giftid\":1,"
                           "\"gift_name\":\"a\"}]}",
                           100, &l),
                     0);
    assert_int_equal(l.rescode, 401);
    assert_string_equal(l.message, "frequency limited");
    assert_int_equal(l.count, 0);
    lt_bigo_gift_list_clear(&l);
    assert_int_equal(parse("{\"list\":[]}", 100, &l), 0);
    assert_int_equal(l.rescode, 0); /* missing: not 200, the caller treats it as an error */
    lt_bigo_gift_list_clear(&l);
    /* a zeroed list clears */
    memset(&l, 0, sizeof l);
    lt_bigo_gift_list_clear(&l);
}

static void hash_notices_changes(void **state)
{
    (void)state;
    lt_bigo_gift a = {1234, 1, 10, "rose", "https://i/1.webp"};
    lt_bigo_gift b = a;
    assert_true(lt_bigo_gift_hash(&a) == lt_bigo_gift_hash(&b));
    b.gift_level = 3; /* not published, not part of the record */
    assert_true(lt_bigo_gift_hash(&a) == lt_bigo_gift_hash(&b));
    b.value = 12;
    assert_true(lt_bigo_gift_hash(&a) != lt_bigo_gift_hash(&b));
    b = a;
    b.name = "Rose";
    assert_true(lt_bigo_gift_hash(&a) != lt_bigo_gift_hash(&b));
    b = a;
    b.icon = NULL;
    assert_true(lt_bigo_gift_hash(&a) != lt_bigo_gift_hash(&b));
    b.icon = "";
    assert_true(lt_bigo_gift_hash(&a) != lt_bigo_gift_hash(&b));
    b = a;
    b.gift_id = 1235;
    assert_true(lt_bigo_gift_hash(&a) != lt_bigo_gift_hash(&b));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(doc_sample_parses),
        cmocka_unit_test(defaults_and_number_forms),
        cmocka_unit_test(malformed_entries_are_skipped),
        cmocka_unit_test(cap_is_counted),
        cmocka_unit_test(unusable_answers_and_rescodes),
        cmocka_unit_test(hash_notices_changes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
