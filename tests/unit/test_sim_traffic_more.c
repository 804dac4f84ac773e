/* test_sim_traffic_more.c - the simulator's normal traffic carries the 19
 * typed methods of traffic_more.c, and livetap's decoder types each of them
 * (none reaches unknown or fails) with the fields the simulator set. */
#include "unit/tiktok_test_util.h"

#include "sim/traffic.h"

#define ROOM_ID 7340691647148018438LL

static json_t *first(json_t *ev, const char *key)
{
    json_t *a = json_object_get(ev, key);
    assert_true(json_is_array(a));
    assert_true(json_array_size(a) > 0);
    return json_array_get(a, 0);
}

static void assert_viewer(json_t *user)
{
    assert_non_null(user);
    assert_in_range(TT_INT(user, "id"), 6800000000000000000LL, 6800000000000004999LL);
    assert_non_null(TT_STR(user, "nickname"));
    assert_int_equal(strncmp(TT_STR(user, "unique_id"), "viewer_", 7), 0);
}

static void assert_host(json_t *user)
{
    assert_non_null(user);
    assert_int_equal(TT_INT(user, "id"), ROOM_ID);
    assert_string_equal(TT_STR(user, "unique_id"), "simhost3");
}

static void check_barrage(json_t *ev)
{
    assert_viewer(json_object_get(ev, "user"));
    assert_non_null(strstr(TT_STR(ev, "text"), TT_STR(json_object_get(ev, "user"), "nickname")));
    assert_non_null(TT_STR(ev, "display_key"));
    assert_true(TT_BOOL(ev, "superfan") == (TT_INT(ev, "msg_type") == 21));
}

static void check_caption(json_t *ev)
{
    json_t *texts = json_object_get(ev, "texts");
    assert_int_equal(json_array_size(texts), 2);
    assert_string_equal(TT_STR(json_array_get(texts, 0), "language"), "en");
    assert_string_equal(TT_STR(json_array_get(texts, 1), "language"), "de");
    assert_true(strlen(TT_STR(json_array_get(texts, 0), "text")) > 0);
    assert_true(TT_INT(ev, "duration_ms") >= 1500);
    assert_true(TT_BOOL(ev, "definite"));
}

static void check_emote_chat(json_t *ev)
{
    assert_viewer(json_object_get(ev, "user"));
    assert_int_equal(strncmp(json_string_value(first(ev, "emote_ids")), "71100000000000", 14), 0);
    assert_non_null(strstr(json_string_value(first(ev, "emote_urls")), "https://"));
}

static void check_im_delete(json_t *ev)
{
    long long deleted = strtoll(json_string_value(first(ev, "deleted_msg_ids")), NULL, 10);
    assert_true(deleted < TT_INT(ev, "msg_id") && deleted >= TT_INT(ev, "msg_id") - 100);
    assert_in_range(strtoll(json_string_value(first(ev, "deleted_user_ids")), NULL, 10),
                    6800000000000000000LL, 6800000000000004999LL);
}

static void check_question(json_t *ev)
{
    assert_viewer(json_object_get(ev, "user"));
    assert_true(TT_INT(ev, "question_id") >= 7320000000000000000LL);
    assert_non_null(strchr(TT_STR(ev, "content"), '?'));
}

static void check_room_message(json_t *ev)
{
    assert_true(strlen(TT_STR(ev, "content")) > 0);
    assert_int_equal(TT_INT(ev, "source"), TT_BOOL(ev, "is_welcome") ? 1 : 2);
}

static void check_room_pin(json_t *ev)
{
    assert_int_equal(TT_INT(ev, "action"), 1);
    assert_host(json_object_get(ev, "operator"));
    assert_string_equal(TT_STR(ev, "pinned_method"), "WebcastChatMessage");
    assert_true(TT_INT(ev, "pinned_msg_id") < TT_INT(ev, "msg_id"));
    assert_viewer(json_object_get(ev, "pinned_user"));
    assert_true(strlen(TT_STR(ev, "pinned_content")) > 0);
}

static void check_live_intro(json_t *ev)
{
    assert_host(json_object_get(ev, "host"));
    assert_string_equal(TT_STR(ev, "language"), "en");
    assert_true(strlen(TT_STR(ev, "content")) > 0);
}

static void check_link(json_t *ev)
{
    assert_int_equal(TT_INT(ev, "scene"), 2);
    if (TT_INT(ev, "message_type") == 3) {
        assert_string_equal(TT_STR(ev, "message_type_name"), "invite");
        assert_int_equal(TT_INT(ev, "from_user_id"), ROOM_ID);
        assert_host(json_object_get(ev, "from_user"));
    } else {
        assert_string_equal(TT_STR(ev, "message_type_name"), "leave");
        assert_in_range(TT_INT(ev, "user_id"), 6800000000000000000LL, 6800000000000004999LL);
    }
}

static void check_link_layer(json_t *ev)
{
    assert_true(TT_INT(ev, "channel_id") >= 7250000000000000000LL);
    assert_in_range(TT_INT(ev, "message_type"), 100, 102);
}

static void check_link_mic(json_t *ev)
{
    assert_int_equal(TT_INT(ev, "user_id"), ROOM_ID);
    assert_int_equal(TT_INT(ev, "total_linkmic_fan_ticket"), 4 * TT_INT(ev, "fan_ticket"));
    assert_non_null(TT_STR(ev, "tips"));
}

static void check_fan_ticket(json_t *ev)
{
    json_t *users = json_object_get(ev, "users");
    assert_int_equal(json_array_size(users), 2);
    assert_int_equal(TT_INT(json_array_get(users, 0), "user_id"), ROOM_ID);
    assert_int_equal(TT_INT(ev, "total_fan_ticket"), TT_INT(json_array_get(users, 0), "fan_ticket") +
                                                         TT_INT(json_array_get(users, 1), "fan_ticket"));
    assert_int_equal(TT_INT(ev, "notice_time"), TT_INT(ev, "event_time"));
}

static void check_armies(json_t *ev)
{
    json_t *scores = json_object_get(ev, "team_scores"), *teams = json_object_get(ev, "teams");
    assert_int_equal(json_array_size(scores), 2);
    assert_int_equal(json_array_size(teams), 2);
    assert_int_equal(TT_INT(json_array_get(teams, 0), "anchor_id"), ROOM_ID);
    for (size_t i = 0; i < 2; i++) {
        json_t *s = json_array_get(scores, i);
        assert_int_equal(TT_INT(s, "team_id"), (long long)i + 1);
        assert_true(TT_INT(s, "total_score") >= 500);
        assert_int_equal(TT_INT(json_array_get(teams, i), "score"), TT_INT(s, "total_score"));
        assert_int_equal(json_array_size(json_object_get(s, "members")), 1);
    }
    assert_int_equal(TT_INT(json_array_get(scores, 0), "host_rank") == 1,
                     TT_INT(json_array_get(scores, 0), "total_score") >=
                         TT_INT(json_array_get(scores, 1), "total_score"));
    assert_int_equal(TT_INT(ev, "gift_id"), 5655);
    assert_int_equal(TT_INT(ev, "trigger_reason"), 1);
}

static void check_envelope(json_t *ev)
{
    assert_int_equal(strncmp(TT_STR(ev, "envelope_id"), "734", 3), 0);
    assert_non_null(TT_STR(ev, "sender_name"));
    assert_int_equal(TT_INT(ev, "diamond_count") % 99, 0);
    assert_true(TT_BOOL(ev, "superfan_box") == (TT_INT(ev, "business_type") == 19));
    assert_int_equal(TT_INT(ev, "unpack_at"), TT_INT(ev, "event_time") / 1000 + 180);
}

static void check_goal(json_t *ev)
{
    json_t *sub = first(ev, "sub_goals");
    assert_int_equal(TT_INT(sub, "target"), 1000);
    assert_in_range(TT_INT(sub, "progress"), 0, 999);
    assert_int_equal(TT_INT(ev, "progress"), TT_INT(sub, "progress"));
    assert_int_equal(TT_INT(ev, "target"), 1000);
    assert_int_equal(TT_INT(ev, "goal_id"), 7350000000000000003LL);
    assert_int_equal(strncmp(TT_STR(ev, "contributor_display_id"), "viewer_", 7), 0);
    assert_true(TT_BOOL(ev, "pin"));
}

static void check_banner(json_t *ev)
{
    assert_string_equal(TT_STR(ev, "data_format"), "json");
    json_t *data = json_loads(TT_STR(ev, "data"), 0, NULL);
    assert_non_null(data);
    assert_string_equal(TT_STR(data, "title"), "Weekly LIVE ranking");
    json_decref(data);
}

static void check_shopping(json_t *ev)
{
    assert_non_null(strchr(TT_STR(ev, "price"), '$'));
    assert_true(strlen(TT_STR(ev, "title")) > 0);
    assert_string_equal(TT_STR(ev, "shop_name"), "Studio Corner Store");
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)TT_INT(ev, "product_id"));
    assert_non_null(strstr(TT_STR(ev, "shop_url"), id));
}

static int poll_votes_seen;

static void check_poll(json_t *ev)
{
    json_t *options = json_object_get(ev, "options"), *votes = json_object_get(ev, "option_votes");
    assert_int_equal(json_array_size(options), 3);
    assert_string_equal(json_string_value(json_array_get(options, 0)), "Minecraft");
    assert_int_equal(json_array_size(votes), 3);
    assert_host(json_object_get(ev, "operator"));
    long long total = 0;
    for (size_t i = 0; i < 3; i++)
        total += TT_INT(json_array_get(votes, i), "votes");
    if (TT_INT(ev, "message_type") == 0) {
        assert_string_equal(TT_STR(ev, "action"), "start");
        assert_string_equal(TT_STR(ev, "title"), "What should I play next?");
        assert_int_equal(total, 0);
    } else {
        assert_string_equal(TT_STR(ev, "action"), "update");
        poll_votes_seen += total > 0;
    }
}

static void check_rank_update(json_t *ev)
{
    json_t *rank = first(ev, "ranks");
    char text[64];
    snprintf(text, sizeof text, "No. %lld in the hourly ranking", (long long)TT_INT(rank, "owner_rank"));
    assert_string_equal(TT_STR(rank, "text"), text);
    assert_int_equal(TT_INT(rank, "rank_type"), 8);
    assert_true(TT_BOOL(rank, "owner_on_rank"));
}

static const struct expected {
    const char *method, *type;
    void (*check)(json_t *ev);
} family[] = {
    {"WebcastBarrageMessage", "barrage", check_barrage},
    {"WebcastCaptionMessage", "caption", check_caption},
    {"WebcastEmoteChatMessage", "emote_chat", check_emote_chat},
    {"WebcastImDeleteMessage", "im_delete", check_im_delete},
    {"WebcastQuestionNewMessage", "question", check_question},
    {"WebcastRoomMessage", "room_message", check_room_message},
    {"WebcastRoomPinMessage", "room_pin", check_room_pin},
    {"WebcastLiveIntroMessage", "live_intro", check_live_intro},
    {"WebcastLinkMessage", "link", check_link},
    {"WebcastLinkLayerMessage", "link_layer", check_link_layer},
    {"WebcastLinkMicMethod", "link_mic", check_link_mic},
    {"WebcastLinkMicFanTicketMethod", "link_mic_fan_ticket", check_fan_ticket},
    {"WebcastLinkMicArmies", "battle_armies", check_armies},
    {"WebcastEnvelopeMessage", "envelope", check_envelope},
    {"WebcastGoalUpdateMessage", "goal_update", check_goal},
    {"WebcastInRoomBannerMessage", "in_room_banner", check_banner},
    {"WebcastOecLiveShoppingMessage", "shopping", check_shopping},
    {"WebcastPollMessage", "poll", check_poll},
    {"WebcastRankUpdateMessage", "rank_update", check_rank_update},
};
#define FAMILY (sizeof family / sizeof family[0])

static void every_other_typed_method_in_traffic_decodes(void **state)
{
    tt_fixture *fx = *state;
    lt_sim_room room;
    lt_sim_message msg = {0};
    lt_sim_room_init(&room, 3, 42, "simhost3", ROOM_ID, 30.0);
    size_t seen[FAMILY] = {0}, family_total = 0;
    const int total = 20000;
    int64_t now = 1709140000000LL;
    for (int i = 0; i < total; i++) {
        now += 33;
        assert_int_equal(lt_sim_room_next(&room, now, &msg), 0);
        size_t k = 0;
        while (k < FAMILY && strcmp(msg.method, family[k].method) != 0)
            k++;
        if (k == FAMILY)
            continue;
        seen[k]++;
        family_total++;
        size_t before = json_array_size(fx->events);
        assert_int_equal(tt_feed_raw(fx, msg.method, msg.payload.data, msg.payload.len), 0);
        assert_int_equal(json_array_size(fx->events), before + 1);
        json_t *ev = json_array_get(fx->events, before);
        if (strcmp(TT_TYPE(ev), family[k].type) != 0)
            fail_msg("%s became %s (%s)", msg.method, TT_TYPE(ev),
                     TT_STR(ev, "reason") ? TT_STR(ev, "reason") : "");
        assert_int_equal(TT_INT(ev, "msg_id"), msg.msg_id);
        assert_int_equal(TT_INT(ev, "event_time"), now);
        assert_string_equal(TT_STR(ev, "room_id"), "7340691647148018438");
        family[k].check(ev);
        json_array_clear(fx->events);
    }
    for (size_t k = 0; k < FAMILY; k++)
        if (seen[k] == 0)
            fail_msg("%s never appeared in %d messages", family[k].method, total);
    assert_true(poll_votes_seen > 0);
    /* one message in 50 of what the notices leave: about 2 % (1.5 % .. 2.5 % here) */
    assert_in_range(family_total, total * 15 / 1000, total * 25 / 1000);
    lt_buf_free(&msg.payload);
    lt_sim_room_free(&room);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(every_other_typed_method_in_traffic_decodes, tt_setup, tt_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
