/* test_tiktok_messages.c - the WebCast decoder: the captured like message,
 * the common types, gift streak arithmetic, and what happens to input that
 * does not decode (out-of-order and repeated fields, wrong wire types,
 * truncation, unknown methods). Every event also goes through the Avro
 * encoder (tiktok_test_util.h). */
#include "unit/tiktok_test_util.h"

#include "tiktok/frame.h"

static uint8_t *read_fixture(size_t *len)
{
    const char *dir = getenv("LT_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/fixtures/tiktok/like-message-captured.bin", dir ? dir : ".");
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    uint8_t *buf = malloc(8192);
    *len = fread(buf, 1, 8192, f);
    fclose(f);
    return buf;
}

static void captured_like_message(void **state)
{
    tt_fixture *fx = *state;
    size_t len;
    uint8_t *payload = read_fixture(&len);
    assert_int_equal(len, 2645);
    assert_int_equal(tt_feed_raw(fx, "WebcastLikeMessage", payload, len), 0);
    json_t *ev = json_array_get(fx->events, 0);
    assert_string_equal(TT_TYPE(ev), "like");
    assert_string_equal(TT_STR(ev, "platform"), "tiktok");
    assert_string_equal(TT_STR(ev, "room_id"), "7340691647148018438");
    assert_string_equal(TT_STR(ev, "collector_id"), "test-collector");
    assert_int_equal(TT_INT(ev, "msg_id"), 7340702509671467807LL);
    assert_int_equal(TT_INT(ev, "event_time"), 1709140492750LL);
    assert_int_equal(TT_INT(ev, "count"), 15);
    assert_int_equal(TT_INT(ev, "total"), 11641);
    assert_int_equal(TT_INT(ev, "total_max"), 11641);
    json_t *user = json_object_get(ev, "user");
    assert_int_equal(TT_INT(user, "id"), 6947079842795406341LL);
    assert_string_equal(TT_STR(user, "unique_id"), "kylleehall");
    assert_string_equal(TT_STR(user, "nickname"),
                        "\xf0\x9d\x92\xa6\xf0\x9d\x93\x8e\xf0\x9d\x93\x8e\xf0\x93\x85\x93");
    assert_non_null(strstr(TT_STR(user, "avatar_url"), "https://p19-pu-sign-useast8.tiktokcdn-us.com/"));
    assert_int_equal(TT_INT(user, "follower_count"), 271);
    assert_int_equal(TT_INT(user, "following_count"), 155);
    /* the badge says grade_badge_icon_lite_lv15: gifter level 15 */
    assert_int_equal(TT_INT(user, "gifter_level"), 15);
    json_t *badges = json_object_get(user, "badges");
    assert_int_equal(json_array_size(badges), 1);
    assert_string_equal(json_string_value(json_array_get(badges, 0)), "gifter_level_15");
    assert_false(TT_BOOL(user, "is_moderator"));

    /* a shard sending an older total: the raw value goes through, the max stays */
    Livetap__Webcast__LikeMessage like = LIVETAP__WEBCAST__LIKE_MESSAGE__INIT;
    like.has_count = 1, like.count = 3, like.has_total = 1, like.total = 11000;
    ev = tt_feed(fx, "WebcastLikeMessage", &like);
    assert_int_equal(TT_INT(ev, "total"), 11000);
    assert_int_equal(TT_INT(ev, "total_max"), 11641);
    like.total = 12000;
    ev = tt_feed(fx, "WebcastLikeMessage", &like);
    assert_int_equal(TT_INT(ev, "total_max"), 12000);
    assert_int_equal(lt_tiktok_decoder_like_total_max(fx->dec), 12000);

    /* without a common header: the outer msg_id and the server time */
    assert_int_equal(TT_INT(ev, "msg_id"), 1000);
    assert_int_equal(TT_INT(ev, "event_time"), 1700000000000LL);

    /* every truncation of the capture is one event: like or unknown, never a crash */
    for (size_t cut = 0; cut < len; cut += 7) {
        size_t before = json_array_size(fx->events);
        assert_int_equal(tt_feed_raw(fx, "WebcastLikeMessage", payload, cut), 0);
        assert_int_equal(json_array_size(fx->events), before + 1);
        const char *t = TT_TYPE(json_array_get(fx->events, before));
        assert_true(strcmp(t, "like") == 0 || strcmp(t, "unknown") == 0);
    }
    free(payload);
}

static void chat_with_identity_and_emotes(void **state)
{
    tt_fixture *fx = *state;
    TT_COMMON(common, "WebcastChatMessage", 42, 1709140000123LL);
    TT_USER(user, 77, "mika", "Mika");
    Livetap__Webcast__FollowInfo follow = LIVETAP__WEBCAST__FOLLOW_INFO__INIT;
    follow.has_follower_count = 1, follow.follower_count = 500;
    follow.has_follow_status = 1, follow.follow_status = 2;
    user.follow_info = &follow;
    Livetap__Webcast__Image avatar = LIVETAP__WEBCAST__IMAGE__INIT;
    char *urls[] = {"https://a/1.webp", "https://a/2.webp"};
    avatar.n_url_list = 2, avatar.url_list = urls;
    user.avatar_thumb = &avatar;
    Livetap__Webcast__UserIdentity id = LIVETAP__WEBCAST__USER_IDENTITY__INIT;
    id.has_is_moderator_of_anchor = 1, id.is_moderator_of_anchor = 1;
    id.has_is_subscriber_of_anchor = 1, id.is_subscriber_of_anchor = 1;
    Livetap__Webcast__Emote e1 = LIVETAP__WEBCAST__EMOTE__INIT, e2 = LIVETAP__WEBCAST__EMOTE__INIT;
    e1.emote_id = "7001", e2.emote_id = "7002";
    Livetap__Webcast__EmoteWithIndex w1 = LIVETAP__WEBCAST__EMOTE_WITH_INDEX__INIT,
                                     w2 = LIVETAP__WEBCAST__EMOTE_WITH_INDEX__INIT;
    w1.emote = &e1, w2.emote = &e2;
    Livetap__Webcast__EmoteWithIndex *emotes[] = {&w1, &w2};
    Livetap__Webcast__ChatMessage chat = LIVETAP__WEBCAST__CHAT_MESSAGE__INIT;
    chat.common = &common;
    chat.user = &user;
    chat.content = "hello from Berlin!";
    chat.content_language = "en";
    chat.user_identity = &id;
    chat.n_emotes = 2, chat.emotes = emotes;

    json_t *ev = tt_feed(fx, "WebcastChatMessage", &chat);
    assert_string_equal(TT_TYPE(ev), "chat");
    assert_int_equal(TT_INT(ev, "msg_id"), 42);
    assert_int_equal(TT_INT(ev, "event_time"), 1709140000123LL);
    assert_string_equal(TT_STR(ev, "content"), "hello from Berlin!");
    assert_string_equal(TT_STR(ev, "language"), "en");
    json_t *ids = json_object_get(ev, "emote_ids");
    assert_int_equal(json_array_size(ids), 2);
    assert_string_equal(json_string_value(json_array_get(ids, 1)), "7002");
    json_t *u = json_object_get(ev, "user");
    assert_int_equal(TT_INT(u, "id"), 77);
    assert_string_equal(TT_STR(u, "unique_id"), "mika");
    assert_string_equal(TT_STR(u, "avatar_url"), "https://a/1.webp");
    assert_int_equal(TT_INT(u, "follower_count"), 500);
    assert_true(TT_BOOL(u, "is_moderator"));
    assert_true(TT_BOOL(u, "is_subscriber"));
    assert_true(TT_BOOL(u, "is_friend"));   /* follow_status 2 */
    assert_true(TT_BOOL(u, "is_follower")); /* a friend follows */
    assert_false(TT_BOOL(u, "is_anchor"));

    /* the anchor, once the collector knows its id; no language: null */
    lt_tiktok_decoder_set_anchor_id(fx->dec, 77);
    chat.content_language = NULL;
    ev = tt_feed(fx, "WebcastChatMessage", &chat);
    assert_true(TT_BOOL(json_object_get(ev, "user"), "is_anchor"));
    assert_true(json_is_null(json_object_get(ev, "language")));
}

/* One gift message of a streak. */
static json_t *feed_gift(tt_fixture *fx, int64_t user_id, int64_t gift_id, int type, int diamonds,
                         int64_t group, int repeat, int end)
{
    TT_USER(user, user_id, "giver", "Giver");
    Livetap__Webcast__GiftDetails d = LIVETAP__WEBCAST__GIFT_DETAILS__INIT;
    d.has_id = 1, d.id = gift_id;
    d.has_type = 1, d.type = type;
    d.has_diamond_count = 1, d.diamond_count = diamonds;
    d.name = type == 1 ? "Rose" : "Galaxy";
    Livetap__Webcast__GiftMessage g = LIVETAP__WEBCAST__GIFT_MESSAGE__INIT;
    g.user = &user;
    g.gift = &d;
    g.has_group_id = group != 0, g.group_id = group;
    g.has_repeat_count = 1, g.repeat_count = repeat;
    g.has_repeat_end = 1, g.repeat_end = end;
    return tt_feed(fx, "WebcastGiftMessage", &g);
}

static void gift_streak_arithmetic(void **state)
{
    tt_fixture *fx = *state;
    struct {
        int64_t user, gift;
        int type, diamonds;
        int64_t group;
        int repeat, end;
        int want_added;
        bool want_closed;
    } steps[] = {
        /* a streak of roses: cumulative 1, 2, 5, then the closing event */
        {1, 5655, 1, 1, 100, 1, 0, 1, false},
        {1, 5655, 1, 1, 100, 2, 0, 1, false},
        {1, 5655, 1, 1, 100, 5, 0, 3, false},
        {1, 5655, 1, 1, 100, 5, 1, 0, true},
        /* a re-sent message after a reconnect, and a re-sent close */
        {1, 5655, 1, 1, 100, 2, 0, 0, false},
        {1, 5655, 1, 1, 100, 5, 1, 0, false},
        /* out of order: 3 before 2 */
        {2, 5655, 1, 1, 200, 3, 0, 3, false},
        {2, 5655, 1, 1, 200, 2, 0, 0, false},
        /* the same group id from another user is another streak */
        {3, 5655, 1, 1, 200, 2, 0, 2, false},
        /* a single tap: open and close at 1 */
        {4, 5655, 1, 1, 300, 1, 0, 1, false},
        {4, 5655, 1, 1, 300, 1, 1, 0, true},
        /* non-streakable without a group: each stands alone and closes */
        {5, 5269, 2, 1000, 0, 1, 0, 1, true},
        {5, 5269, 2, 1000, 0, 1, 0, 1, true},
        /* a streak whose close never arrives still counts every gift */
        {6, 5655, 1, 1, 400, 2, 0, 2, false},
        {6, 5655, 1, 1, 400, 4, 0, 2, false},
    };
    int64_t diamonds = 0;
    int gifts = 0;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        json_t *ev = feed_gift(fx, steps[i].user, steps[i].gift, steps[i].type, steps[i].diamonds,
                               steps[i].group, steps[i].repeat, steps[i].end);
        assert_string_equal(TT_TYPE(ev), "gift");
        if (TT_INT(ev, "gifts_added") != steps[i].want_added ||
            TT_BOOL(ev, "streak_closed") != steps[i].want_closed)
            fail_msg("step %zu: gifts_added %lld closed %d, want %d %d", i, TT_INT(ev, "gifts_added"),
                     TT_BOOL(ev, "streak_closed"), steps[i].want_added, steps[i].want_closed);
        assert_int_equal(TT_INT(ev, "diamonds_added"), TT_INT(ev, "gifts_added") * steps[i].diamonds);
        assert_int_equal(TT_INT(ev, "repeat_count"), steps[i].repeat);
        assert_int_equal(TT_BOOL(ev, "repeat_end"), steps[i].end);
        assert_int_equal(TT_BOOL(ev, "streakable"), steps[i].type == 1);
        assert_int_equal(TT_INT(ev, "gift_id"), steps[i].gift);
        gifts += (int)TT_INT(ev, "gifts_added");
        diamonds += TT_INT(ev, "diamonds_added");
    }
    /* 5 roses + 3 + 2 + 1 + 2 galaxies + 4 roses */
    assert_int_equal(gifts, 5 + 3 + 2 + 1 + 2 + 4);
    assert_int_equal(diamonds, 5 + 3 + 2 + 1 + 2000 + 4);
    assert_int_equal(lt_tiktok_decoder_open_streaks(fx->dec), 5);
}

/* One streakable rose of `user`'s streak `group` at event time `ms`;
 * returns its gifts_added. */
static int64_t streak_gift(tt_fixture *fx, int64_t user_id, int64_t group, int repeat, int64_t ms)
{
    TT_USER(user, user_id, "giver", "Giver");
    TT_COMMON(common, "WebcastGiftMessage", group * 10 + repeat, ms);
    Livetap__Webcast__GiftDetails d = LIVETAP__WEBCAST__GIFT_DETAILS__INIT;
    d.has_id = 1, d.id = 5655, d.has_type = 1, d.type = 1, d.has_diamond_count = 1, d.diamond_count = 1;
    Livetap__Webcast__GiftMessage g = LIVETAP__WEBCAST__GIFT_MESSAGE__INIT;
    g.common = &common, g.user = &user, g.gift = &d;
    g.has_group_id = 1, g.group_id = group;
    g.has_repeat_count = 1, g.repeat_count = repeat;
    json_t *ev = tt_feed(fx, "WebcastGiftMessage", &g);
    int64_t added = TT_INT(ev, "gifts_added");
    json_array_clear(fx->events);
    return added;
}

/* The streak table with thousands of open streaks (its index): each streak
 * is found again (a re-sent count adds nothing, a higher one adds the
 * difference), entries idle for 10 minutes are dropped when a new streak
 * comes, and the table stays bounded at 4096 with the newest streaks kept. */
static void gift_streaks_many_idle_and_full(void **state)
{
    tt_fixture *fx = *state;
    const int64_t t0 = 1700000000000LL;
    for (int64_t i = 0; i < 3000; i++)
        assert_int_equal(streak_gift(fx, 1 + i % 700, 100000 + i, 1, t0 + i), 1);
    assert_int_equal(lt_tiktok_decoder_open_streaks(fx->dec), 3000);
    for (int64_t i = 0; i < 3000; i++) {
        assert_int_equal(streak_gift(fx, 1 + i % 700, 100000 + i, 3, t0 + 5000 + i), 2);
        assert_int_equal(streak_gift(fx, 1 + i % 700, 100000 + i, 3, t0 + 5000 + i), 0);
    }
    assert_int_equal(lt_tiktok_decoder_open_streaks(fx->dec), 3000);
    /* 11 minutes later every one is idle: a new streak sweeps them */
    const int64_t t1 = t0 + 11 * 60 * 1000;
    assert_int_equal(streak_gift(fx, 1, 900000, 1, t1), 1);
    assert_int_equal(lt_tiktok_decoder_open_streaks(fx->dec), 1);
    /* more streaks than the table holds, in a few seconds */
    for (int64_t i = 0; i < 5000; i++)
        assert_int_equal(streak_gift(fx, 2 + i % 900, 200000 + i, 1, t1 + 1 + i), 1);
    assert_int_equal(lt_tiktok_decoder_open_streaks(fx->dec), 4096);
    for (int64_t i = 5000 - 4000; i < 5000; i++) /* the newest are still there */
        assert_int_equal(streak_gift(fx, 2 + i % 900, 200000 + i, 2, t1 + 6000 + i), 1);
}

static void gift_details_and_recipient(void **state)
{
    tt_fixture *fx = *state;
    TT_USER(user, 9, "s", "S");
    TT_USER(to, 10, "host2", "Host 2");
    Livetap__Webcast__Image img = LIVETAP__WEBCAST__IMAGE__INIT;
    char *urls[] = {"https://gift/5655.png"};
    img.n_url_list = 1, img.url_list = urls;
    Livetap__Webcast__GiftDetails d = LIVETAP__WEBCAST__GIFT_DETAILS__INIT;
    d.name = "Rose", d.has_type = 1, d.type = 1, d.has_diamond_count = 1, d.diamond_count = 1, d.image = &img;
    Livetap__Webcast__GiftMessage g = LIVETAP__WEBCAST__GIFT_MESSAGE__INIT;
    g.user = &user, g.to_user = &to, g.gift = &d;
    g.has_gift_id = 1, g.gift_id = 5655;
    g.has_combo_count = 1, g.combo_count = 3, g.has_send_type = 1, g.send_type = 2;
    g.has_group_id = 1, g.group_id = 77;
    g.has_repeat_count = 1, g.repeat_count = 1;
    json_t *ev = tt_feed(fx, "WebcastGiftMessage", &g);
    assert_string_equal(TT_STR(ev, "gift_name"), "Rose");
    assert_string_equal(TT_STR(ev, "gift_image_url"), "https://gift/5655.png");
    assert_int_equal(TT_INT(ev, "gift_id"), 5655);
    assert_int_equal(TT_INT(ev, "combo_count"), 3);
    assert_int_equal(TT_INT(ev, "send_type"), 2);
    assert_int_equal(TT_INT(ev, "group_id"), 77);
    assert_string_equal(TT_STR(json_object_get(ev, "to_user"), "unique_id"), "host2");
    /* no recipient: null */
    g.to_user = NULL;
    g.group_id = 78;
    ev = tt_feed(fx, "WebcastGiftMessage", &g);
    assert_true(json_is_null(json_object_get(ev, "to_user")));
}

static void member_social_viewers_control(void **state)
{
    tt_fixture *fx = *state;
    TT_USER(user, 5, "joiner", "Joiner");
    Livetap__Webcast__MemberMessage mb = LIVETAP__WEBCAST__MEMBER_MESSAGE__INIT;
    mb.user = &user, mb.has_action = 1, mb.action = 1, mb.has_member_count = 1, mb.member_count = 431;
    mb.has_enter_type = 1, mb.enter_type = 2;
    json_t *ev = tt_feed(fx, "WebcastMemberMessage", &mb);
    assert_string_equal(TT_TYPE(ev), "member");
    assert_int_equal(TT_INT(ev, "action"), 1);
    assert_int_equal(TT_INT(ev, "member_count"), 431);
    assert_int_equal(TT_INT(ev, "enter_type"), 2);

    /* follow by display key, share by action code */
    Livetap__Webcast__Text text = LIVETAP__WEBCAST__TEXT__INIT;
    text.key = "pm_main_follow_message_viewer_2";
    TT_COMMON(common, "WebcastSocialMessage", 1, 1);
    common.display_text = &text;
    Livetap__Webcast__SocialMessage so = LIVETAP__WEBCAST__SOCIAL_MESSAGE__INIT;
    so.common = &common, so.user = &user, so.has_action = 1, so.action = 1, so.has_follow_count = 1;
    so.follow_count = 12;
    ev = tt_feed(fx, "WebcastSocialMessage", &so);
    assert_string_equal(TT_STR(ev, "action"), "follow");
    assert_string_equal(TT_STR(ev, "display_key"), "pm_main_follow_message_viewer_2");
    assert_int_equal(TT_INT(ev, "follow_count"), 12);
    so.common = NULL, so.action = 3, so.share_target = "whatsapp";
    ev = tt_feed(fx, "WebcastSocialMessage", &so);
    assert_string_equal(TT_STR(ev, "action"), "share");
    assert_string_equal(TT_STR(ev, "share_target"), "whatsapp");
    assert_true(json_is_null(json_object_get(ev, "display_key")));
    so.action = 9;
    ev = tt_feed(fx, "WebcastSocialMessage", &so);
    assert_string_equal(TT_STR(ev, "action"), "other");

    TT_USER(top1, 100, "whale", "Whale");
    TT_USER(top2, 101, "dolphin", "Dolphin");
    Livetap__Webcast__Contributor c1 = LIVETAP__WEBCAST__CONTRIBUTOR__INIT,
                                  c2 = LIVETAP__WEBCAST__CONTRIBUTOR__INIT;
    c1.user = &top1, c1.has_rank = 1, c1.rank = 1, c1.has_score = 1, c1.score = 5000;
    c2.user = &top2, c2.has_rank = 1, c2.rank = 2, c2.has_score = 1, c2.score = 300;
    Livetap__Webcast__Contributor *ranks[] = {&c1, &c2};
    Livetap__Webcast__RoomUserSeqMessage seq = LIVETAP__WEBCAST__ROOM_USER_SEQ_MESSAGE__INIT;
    seq.has_total = 1, seq.total = 812, seq.has_total_user = 1, seq.total_user = 20417;
    seq.n_ranks = 2, seq.ranks = ranks;
    ev = tt_feed(fx, "WebcastRoomUserSeqMessage", &seq);
    assert_string_equal(TT_TYPE(ev), "viewers");
    assert_int_equal(TT_INT(ev, "viewer_count"), 812);
    assert_int_equal(TT_INT(ev, "total_user"), 20417);
    json_t *top = json_object_get(ev, "top_viewers");
    assert_int_equal(json_array_size(top), 2);
    assert_int_equal(TT_INT(json_array_get(top, 1), "rank"), 2);
    assert_int_equal(TT_INT(json_array_get(top, 1), "score"), 300);
    assert_string_equal(TT_STR(json_object_get(json_array_get(top, 0), "user"), "unique_id"), "whale");

    Livetap__Webcast__ControlMessage ctl = LIVETAP__WEBCAST__CONTROL_MESSAGE__INIT;
    ctl.has_action = 1, ctl.action = 3, ctl.tips = "The LIVE has ended";
    ev = tt_feed(fx, "WebcastControlMessage", &ctl);
    assert_string_equal(TT_TYPE(ev), "control");
    assert_int_equal(TT_INT(ev, "action"), 3);
    assert_string_equal(TT_STR(ev, "action_name"), "ended");
    assert_string_equal(TT_STR(ev, "tips"), "The LIVE has ended");
    ctl.action = 4, ctl.tips = NULL;
    ev = tt_feed(fx, "WebcastControlMessage", &ctl);
    assert_string_equal(TT_STR(ev, "action_name"), "suspended");
    assert_true(json_is_null(json_object_get(ev, "tips")));
    ctl.action = 17;
    ev = tt_feed(fx, "WebcastControlMessage", &ctl);
    assert_string_equal(TT_STR(ev, "action_name"), "unknown");
}

/* Hand-built bytes: fields out of numeric order, a scalar repeated (the last
 * wins), the common header split in two (merged), a string repeated. */
static void out_of_order_and_repeated_fields(void **state)
{
    tt_fixture *fx = *state;
    const uint8_t chat[] = {
        0x1a, 0x01, 'a',                   /* 3 content "a" */
        0x0a, 0x02, 0x10, 0x07,            /* 1 common {2 msg_id 7} */
        0x12, 0x04, 0xb2, 0x02, 0x01, 'x', /* 2 user {38 display_id "x"} */
        0x1a, 0x01, 'b',                   /* 3 content "b": last wins */
        0x0a, 0x03, 0x20, 0xe8, 0x07,      /* 1 common {4 create_time 1000} -> merged */
        0x12, 0x02, 0x08, 0x05,            /* 2 user {1 id 5} -> merged */
        0xf8, 0x01, 0x01,                  /* 31: unknown varint, skipped */
        0x12, 0x02, 0x08, 0x06,            /* 2 user {1 id 6}: the repeat wins */
    };
    assert_int_equal(tt_feed_raw(fx, "WebcastChatMessage", chat, sizeof chat), 0);
    json_t *ev = json_array_get(fx->events, 0);
    assert_string_equal(TT_TYPE(ev), "chat");
    assert_string_equal(TT_STR(ev, "content"), "b");
    assert_int_equal(TT_INT(ev, "msg_id"), 7);
    /* 1000 can only be seconds: scaled to ms rather than published as 1970 */
    assert_int_equal(TT_INT(ev, "event_time"), 1000000);
    json_t *u = json_object_get(ev, "user");
    assert_int_equal(TT_INT(u, "id"), 6);
    assert_string_equal(TT_STR(u, "unique_id"), "x");

    /* repeated scalar fields in the like message: the last count wins */
    const uint8_t like[] = {0x10, 0x05, 0x18, 0x64, 0x10, 0x09};
    assert_int_equal(tt_feed_raw(fx, "WebcastLikeMessage", like, sizeof like), 0);
    ev = json_array_get(fx->events, 1);
    assert_int_equal(TT_INT(ev, "count"), 9);
    assert_int_equal(TT_INT(ev, "total"), 100);
}

static void bad_messages_become_unknown_and_the_frame_goes_on(void **state)
{
    tt_fixture *fx = *state;
    const uint8_t wrong_wire[] = {0x18, 0x05};          /* chat content (3) as a varint */
    const uint8_t truncated[] = {0x1a, 0x10, 'a', 'b'}; /* content says 16 bytes, has 2 */
    const uint8_t garbage[] = {0xff, 0xff, 0xff};
    const uint8_t future[] = {0x08, 0x01};
    const uint8_t good[] = {0x1a, 0x02, 'o', 'k'};
    const char *methods[] = {"WebcastChatMessage",          "WebcastChatMessage", "WebcastGiftMessage",
                             "WebcastFutureFeatureMessage", "WebcastChatMessage", ""};
    const uint8_t *payloads[] = {wrong_wire, truncated, garbage, future, good, future};
    size_t lens[] = {sizeof wrong_wire, sizeof truncated, sizeof garbage,
                     sizeof future,     sizeof good,      sizeof future};
    size_t flen;
    uint8_t *fr = tt_fetch_result(6, methods, payloads, lens, &flen);
    assert_int_equal(lt_tiktok_decoder_feed(fx->dec, fr, flen, NULL, tt_collect, fx), 0);
    free(fr);
    assert_int_equal(json_array_size(fx->events), 6);
    const char *want_reason[] = {"decode_error", "decode_error", "decode_error",
                                 "no_decoder",   NULL,           "no_decoder"};
    for (int i = 0; i < 6; i++) {
        json_t *ev = json_array_get(fx->events, (size_t)i);
        if (!want_reason[i]) {
            assert_string_equal(TT_TYPE(ev), "chat");
            assert_string_equal(TT_STR(ev, "content"), "ok");
            continue;
        }
        assert_string_equal(TT_TYPE(ev), "unknown");
        assert_string_equal(TT_STR(ev, "method"), methods[i]);
        assert_non_null(strstr(TT_STR(ev, "reason"), want_reason[i]));
        assert_int_equal(TT_INT(ev, "msg_id"), 1000 + i);
        /* the raw bytes, as hex in the JSON form */
        char hex[64] = "";
        for (size_t k = 0; k < lens[i]; k++)
            snprintf(hex + 2 * k, 3, "%02x", payloads[i][k]);
        assert_string_equal(TT_STR(ev, "payload"), hex);
    }
    const lt_tiktok_decoder_stats *st = lt_tiktok_decoder_stats_get(fx->dec);
    assert_int_equal(st->fetch_results, 1);
    assert_int_equal(st->messages, 6);
    assert_int_equal(st->events, 6);
    assert_int_equal(st->decode_errors, 3);
    assert_int_equal(st->unknown_methods, 2);
    assert_int_equal(st->by_type[LT_EVENT_UNKNOWN], 5);
    assert_int_equal(st->by_type[LT_EVENT_CHAT], 1);
}

static void broken_fetch_result_is_kept_as_unknown(void **state)
{
    tt_fixture *fx = *state;
    const uint8_t bad[] = {0x0a, 0x7f, 0x01}; /* messages: 127 bytes promised, 1 present */
    lt_tiktok_fetch_result fr;
    assert_int_equal(lt_tiktok_decoder_feed(fx->dec, bad, sizeof bad, &fr, tt_collect, fx), -1);
    assert_null(fr.pb);
    lt_tiktok_fetch_result_release(&fr);
    assert_int_equal(json_array_size(fx->events), 1);
    json_t *ev = json_array_get(fx->events, 0);
    assert_string_equal(TT_TYPE(ev), "unknown");
    assert_string_equal(TT_STR(ev, "method"), "FetchResult");
    assert_string_equal(TT_STR(ev, "payload"), "0a7f01");
    assert_int_equal(lt_tiktok_decoder_stats_get(fx->dec)->fetch_errors, 1);

    /* and the collector can report frames it could not unwrap the same way */
    assert_int_equal(lt_tiktok_decoder_emit_unknown(fx->dec, "PushFrame", bad, 1, "gzip: truncated stream",
                                                    tt_collect, fx),
                     0);
    ev = json_array_get(fx->events, 1);
    assert_string_equal(TT_STR(ev, "reason"), "gzip: truncated stream");
    assert_string_equal(TT_STR(ev, "room_id"), "7340691647148018438");
}

static void fetch_result_fields_reach_the_caller(void **state)
{
    tt_fixture *fx = *state;
    Livetap__Webcast__FetchResult r = LIVETAP__WEBCAST__FETCH_RESULT__INIT;
    r.cursor = "c-1";
    r.has_need_ack = 1, r.need_ack = 1;
    r.has_internal_ext = 1, r.internal_ext.data = (uint8_t *)"ext", r.internal_ext.len = 3;
    r.has_heartbeat_duration = 1, r.heartbeat_duration = 10000;
    size_t len;
    uint8_t *buf = tt_pack(&r, &len);
    lt_tiktok_fetch_result fr;
    assert_int_equal(lt_tiktok_decoder_feed(fx->dec, buf, len, &fr, tt_collect, fx), 0);
    assert_true(fr.need_ack);
    assert_string_equal(fr.cursor, "c-1");
    assert_int_equal(fr.internal_ext.len, 3);
    assert_int_equal(fr.heartbeat_duration_ms, 10000);
    lt_tiktok_fetch_result_release(&fr);
    assert_int_equal(json_array_size(fx->events), 0);
    free(buf);
}

static void callback_can_stop_the_feed(void **state)
{
    tt_fixture *fx = *state;
    const uint8_t good[] = {0x1a, 0x01, 'x'};
    const char *methods[] = {"WebcastChatMessage", "WebcastChatMessage", "WebcastChatMessage"};
    const uint8_t *payloads[] = {good, good, good};
    size_t lens[] = {3, 3, 3}, flen;
    uint8_t *fr = tt_fetch_result(3, methods, payloads, lens, &flen);
    fx->stop_after = 2;
    assert_int_equal(lt_tiktok_decoder_feed(fx->dec, fr, flen, NULL, tt_collect, fx), 1);
    assert_int_equal(json_array_size(fx->events), 2);
    free(fr);
}

/* Every method with a decoder turns an empty payload (an all-default
 * message) into its own type, and the encoder takes it. */
static void every_known_method_decodes_an_empty_message(void **state)
{
    tt_fixture *fx = *state;
    const char *const *methods = lt_tiktok_known_methods();
    size_t n = 0;
    for (; methods[n]; n++) {
        assert_int_equal(tt_feed_raw(fx, methods[n], (const uint8_t *)"", 0), 0);
        json_t *ev = json_array_get(fx->events, n);
        if (strcmp(TT_TYPE(ev), "unknown") == 0)
            fail_msg("%s: %s", methods[n], TT_STR(ev, "reason"));
    }
    assert_true(n >= 28);
    /* and every new type is reachable from some method */
    bool seen[LT_EVENT_TYPE_COUNT] = {false};
    for (size_t i = 0; i < n; i++) {
        lt_event_type t;
        assert_int_equal(lt_event_type_from_name(TT_TYPE(json_array_get(fx->events, i)), &t), 0);
        seen[t] = true;
    }
    /* room_status, room_info, gift_info and price_list come from the HTTP
     * API, not the push; video_segment from livetap-recorder, discovered_room
     * from the feed */
    for (int t = 0; t < LT_EVENT_TYPE_COUNT; t++)
        if (t != LT_EVENT_ROOM_STATUS && t != LT_EVENT_ROOM_INFO && t != LT_EVENT_GIFT_INFO &&
            t != LT_EVENT_UNKNOWN && t != LT_EVENT_VIDEO_SEGMENT && t != LT_EVENT_PRICE_LIST &&
            t != LT_EVENT_DISCOVERED_ROOM && !seen[t])
            fail_msg("no method produces %s", lt_event_type_info_get((lt_event_type)t)->name);
}

/* The push frame -> inflate -> fetch result -> events path end to end. */
static void gzipped_frame_to_events(void **state)
{
    tt_fixture *fx = *state;
    const uint8_t chat[] = {0x1a, 0x02, 'h', 'i'};
    const char *method = "WebcastChatMessage";
    const uint8_t *payload = chat;
    size_t len = sizeof chat, flen;
    uint8_t *body = tt_fetch_result(1, &method, &payload, &len, &flen);
    lt_buf gz = LT_BUF_INIT, frame = LT_BUF_INIT, scratch = LT_BUF_INIT;
    assert_int_equal(lt_tiktok_gzip(body, flen, &gz), 0);
    lt_tiktok_frame_spec spec = {.log_id = 5,
                                 .payload_type = "msg",
                                 .compress_type = "gzip",
                                 .payload = gz.data,
                                 .payload_len = gz.len};
    assert_int_equal(lt_tiktok_build_frame(&frame, &spec), 0);
    lt_tiktok_frame f;
    char err[128];
    assert_int_equal(lt_tiktok_frame_parse(frame.data, frame.len, &f, err, sizeof err), 0);
    const uint8_t *p;
    size_t n;
    assert_int_equal(lt_tiktok_frame_payload(&f, &scratch, &p, &n, NULL, err, sizeof err), 0);
    assert_int_equal(lt_tiktok_decoder_feed(fx->dec, p, n, NULL, tt_collect, fx), 0);
    assert_string_equal(TT_STR(json_array_get(fx->events, 0), "content"), "hi");
    lt_tiktok_frame_release(&f);
    lt_buf_free(&gz);
    lt_buf_free(&frame);
    lt_buf_free(&scratch);
    free(body);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, tt_setup, tt_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(captured_like_message),
        T(chat_with_identity_and_emotes),
        T(gift_streak_arithmetic),
        T(gift_streaks_many_idle_and_full),
        T(gift_details_and_recipient),
        T(member_social_viewers_control),
        T(out_of_order_and_repeated_fields),
        T(bad_messages_become_unknown_and_the_frame_goes_on),
        T(broken_fetch_result_is_kept_as_unknown),
        T(fetch_result_fields_reach_the_caller),
        T(callback_can_stop_the_feed),
        T(every_known_method_decodes_an_empty_message),
        T(gzipped_frame_to_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
