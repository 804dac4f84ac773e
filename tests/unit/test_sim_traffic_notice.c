/* test_sim_traffic_notice.c - the simulator's normal traffic carries every
 * notice, moderation and unauthorized-member method, and livetap's decoder
 * types each of them (none reaches unknown). */
#include "unit/tiktok_test_util.h"

#include "sim/traffic.h"

static const char *const family[] = {
    "WebcastNoticeMessage",        "WebcastSystemMessage",
    "WebcastToastMessage",         "WebcastBottomMessage",
    "WebcastRoomNotifyMessage",    "WebcastMarqueeAnnouncementMessage",
    "WebcastGuideMessage",         "WebcastCapsuleMessage",
    "WebcastAccessControlMessage", "WebcastAccessRecallMessage",
    "WebcastRoomVerifyMessage",    "WebcastMsgDetectMessage",
    "WebcastPerceptionMessage",    "WebcastUnauthorizedMemberMessage",
};
#define FAMILY (sizeof family / sizeof family[0])

static const char *topic_of(const char *method)
{
    if (strcmp(method, "WebcastUnauthorizedMemberMessage") == 0)
        return "unauthorized_member";
    for (size_t i = 8; i < 13; i++)
        if (strcmp(method, family[i]) == 0)
            return "moderation";
    return "notice";
}

static void every_family_method_in_traffic_decodes(void **state)
{
    tt_fixture *fx = *state;
    lt_sim_room room;
    lt_sim_message msg = {0};
    lt_sim_room_init(&room, 3, 42, "simhost3", 7340691647148018438LL, 30.0);
    size_t seen[FAMILY] = {0}, family_total = 0;
    const int total = 20000;
    int64_t now = 1709140000000LL;
    for (int i = 0; i < total; i++) {
        now += 33;
        assert_int_equal(lt_sim_room_next(&room, now, &msg), 0);
        size_t k = 0;
        while (k < FAMILY && strcmp(msg.method, family[k]) != 0)
            k++;
        if (k == FAMILY)
            continue;
        seen[k]++;
        family_total++;
        size_t before = json_array_size(fx->events);
        assert_int_equal(tt_feed_raw(fx, msg.method, msg.payload.data, msg.payload.len), 0);
        assert_int_equal(json_array_size(fx->events), before + 1);
        json_t *ev = json_array_get(fx->events, before);
        if (strcmp(TT_TYPE(ev), topic_of(msg.method)) != 0)
            fail_msg("%s became %s (%s)", msg.method, TT_TYPE(ev),
                     TT_STR(ev, "reason") ? TT_STR(ev, "reason") : "");
        if (strcmp(TT_TYPE(ev), "unauthorized_member") != 0)
            assert_string_equal(TT_STR(ev, "method"), msg.method);
        assert_int_equal(TT_INT(ev, "msg_id"), msg.msg_id);
        json_array_clear(fx->events);
    }
    for (size_t k = 0; k < FAMILY; k++)
        if (seen[k] == 0)
            fail_msg("%s never appeared in %d messages", family[k], total);
    /* one message in 50 before the mix: about 2 % (1.5 % .. 2.5 % here) */
    assert_in_range(family_total, total * 15 / 1000, total * 25 / 1000);
    lt_buf_free(&msg.payload);
    lt_sim_room_free(&room);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(every_family_method_in_traffic_decodes, tt_setup, tt_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
