/* The data contract (core/contract.h): topic names with per-type overrides,
 * the group defaults, record keys and room ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/contract.h"

static void topics_are_prefix_dot_type(void **state)
{
    (void)state;
    lt_topic_names names;
    char err[256] = "";
    assert_int_equal(lt_topic_names_init(&names, NULL, NULL, 0, err, sizeof err), 0);
    assert_string_equal(names.of[LT_EVENT_CHAT], "livetap.chat");
    assert_string_equal(names.of[LT_EVENT_GIFT_INFO], "livetap.gift_info");
    lt_topic_names_free(&names);
    assert_int_equal(lt_topic_names_init(&names, "prod-eu", NULL, 0, err, sizeof err), 0);
    assert_string_equal(names.of[LT_EVENT_ROOM_STATUS], "prod-eu.room_status");
    lt_topic_names_free(&names);
    assert_null(names.of[0]);
}

static void an_override_replaces_one_type_only(void **state)
{
    (void)state;
    const char *items[] = {"chat=my.chat", "gift_info=catalogue"};
    lt_topic_override *ov = NULL;
    char err[256] = "";
    assert_int_equal(lt_topic_overrides_parse(items, 2, &ov, err, sizeof err), 0);
    assert_string_equal(ov[0].type_name, "chat");
    assert_string_equal(ov[0].topic, "my.chat");
    lt_topic_names names;
    assert_int_equal(lt_topic_names_init(&names, "p", ov, 2, err, sizeof err), 0);
    assert_string_equal(names.of[LT_EVENT_CHAT], "my.chat");
    assert_string_equal(names.of[LT_EVENT_GIFT_INFO], "catalogue");
    assert_string_equal(names.of[LT_EVENT_GIFT], "p.gift");
    lt_topic_names_free(&names);
    free(ov);
}

static void an_unknown_type_is_named_with_the_valid_ones(void **state)
{
    (void)state;
    const char *items[] = {"chat=a", "chatt=b"};
    lt_topic_override *ov = NULL;
    char err[2048] = "";
    assert_int_equal(lt_topic_overrides_parse(items, 2, &ov, err, sizeof err), -1);
    assert_null(ov);
    assert_non_null(strstr(err, "\"chatt\""));
    assert_non_null(strstr(err, "chat, gift, like"));
    assert_non_null(strstr(err, "viewer_picks")); /* the last type: the list is whole */

    const lt_topic_override raw[] = {{"nope", "x"}};
    lt_topic_names names;
    assert_int_equal(lt_topic_names_init(&names, NULL, raw, 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "\"nope\""));
}

static void bad_overrides_are_refused(void **state)
{
    (void)state;
    lt_topic_override *ov = NULL;
    char err[512] = "";
    const char *no_eq[] = {"chat"};
    assert_int_equal(lt_topic_overrides_parse(no_eq, 1, &ov, err, sizeof err), -1);
    assert_non_null(strstr(err, "type=topic"));
    const char *empty[] = {"chat="};
    assert_int_equal(lt_topic_overrides_parse(empty, 1, &ov, err, sizeof err), -1);
    assert_non_null(strstr(err, "empty"));

    lt_topic_names names;
    const lt_topic_override space[] = {{"chat", "my chat"}};
    assert_int_equal(lt_topic_names_init(&names, NULL, space, 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "\"my chat\" is not a Kafka topic name"));
    const lt_topic_override twice[] = {{"chat", "a"}, {"chat", "b"}};
    assert_int_equal(lt_topic_names_init(&names, NULL, twice, 2, err, sizeof err), -1);
    assert_non_null(strstr(err, "chat: more than one topic"));
    /* a reader tells types apart by topic: two types cannot share one */
    const lt_topic_override shared[] = {{"gift", "livetap.chat"}};
    assert_int_equal(lt_topic_names_init(&names, NULL, shared, 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "chat and gift would share the topic livetap.chat"));
    char long_topic[300];
    memset(long_topic, 't', sizeof long_topic - 1);
    long_topic[sizeof long_topic - 1] = '\0';
    const lt_topic_override too_long[] = {{"chat", long_topic}};
    assert_int_equal(lt_topic_names_init(&names, NULL, too_long, 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "1 to 249"));
}

static void group_defaults(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(lt_control_topic_default("prod", out, sizeof out), 0);
    assert_string_equal(out, "prod.rooms");
    assert_int_equal(lt_collector_group_default(NULL, out, sizeof out), 0);
    assert_string_equal(out, "livetap-collectors");
    assert_int_equal(lt_control_topic_default("a-long-prefix", out, 8), -1);
}

static void keys_are_room_ids_except_in_the_catalogue(void **state)
{
    (void)state;
    char buf[LT_EVENT_KEY_MAX];
    lt_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = LT_EVENT_CHAT;
    ev.room_id = "7300000000000000001";
    assert_string_equal(lt_event_key(&ev, buf, sizeof buf), "7300000000000000001");
    ev.room_id = NULL;
    assert_string_equal(lt_event_key(&ev, buf, sizeof buf), "");
    ev.type = LT_EVENT_GIFT_INFO;
    ev.room_id = "7300000000000000001";
    ev.as.gift_info.gift_id = 5655;
    assert_string_equal(lt_event_key(&ev, buf, sizeof buf), "5655");
    ev.platform = LT_PLATFORM_BIGO;
    ev.as.gift_info.gift_id = INT64_MIN; /* the widest key fits */
    assert_string_equal(lt_event_key(&ev, buf, sizeof buf), "bigo:-9223372036854775808");
}

static void room_ids(void **state)
{
    (void)state;
    char id[LT_ROOM_ID_MAX + 2];
    memset(id, '7', sizeof id);
    assert_true(lt_room_id_valid(id, LT_ROOM_ID_MAX));
    assert_false(lt_room_id_valid(id, LT_ROOM_ID_MAX + 1));
    assert_true(lt_room_id_valid("bigo:12345", 10));
    assert_true(lt_room_id_valid("a.b_c~d@e-f", 11));
    assert_false(lt_room_id_valid("", 0));
    assert_false(lt_room_id_valid(NULL, 3));
    assert_false(lt_room_id_valid("a/b", 3));
    assert_false(lt_room_id_valid("a b", 3));
    assert_false(lt_room_id_valid("a\0b", 3));
    assert_false(lt_room_id_valid("\xc3\xa9", 2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(topics_are_prefix_dot_type),
        cmocka_unit_test(an_override_replaces_one_type_only),
        cmocka_unit_test(an_unknown_type_is_named_with_the_valid_ones),
        cmocka_unit_test(bad_overrides_are_refused),
        cmocka_unit_test(group_defaults),
        cmocka_unit_test(keys_are_room_ids_except_in_the_catalogue),
        cmocka_unit_test(room_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
