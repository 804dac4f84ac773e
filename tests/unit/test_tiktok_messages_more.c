/* test_tiktok_messages_more.c - key fields of every WebCast type beyond the
 * common ones, built with protobuf-c and decoded through the decoder feed;
 * plus the InRoomBanner field-2 disagreement and caption/poll fallbacks. */
#include "unit/tiktok_test_util.h"

static void battle_and_armies(void **state)
{
    tt_fixture *fx = *state;
    Livetap__Webcast__BattleSetting set = LIVETAP__WEBCAST__BATTLE_SETTING__INIT;
    set.has_start_time_ms = 1, set.start_time_ms = 1709140000000LL;
    set.has_duration = 1, set.duration = 300, set.has_battle_type = 1, set.battle_type = 1;
    set.has_channel_id = 1, set.channel_id = 555;
    Livetap__Webcast__BattleResult r1 = LIVETAP__WEBCAST__BATTLE_RESULT__INIT;
    r1.has_user_id = 1, r1.user_id = 11, r1.has_result = 1, r1.result = 1, r1.has_score = 1, r1.score = 900;
    Livetap__Webcast__BattleResultEntry e1 = LIVETAP__WEBCAST__BATTLE_RESULT_ENTRY__INIT;
    e1.has_key = 1, e1.key = 11, e1.value = &r1;
    Livetap__Webcast__BattleResultEntry *results[] = {&e1};
    Livetap__Webcast__BattleUserArmy fan = LIVETAP__WEBCAST__BATTLE_USER_ARMY__INIT;
    fan.has_user_id = 1, fan.user_id = 77, fan.nickname = "fan77", fan.has_score = 1, fan.score = 450;
    Livetap__Webcast__BattleUserArmy *fans[] = {&fan};
    Livetap__Webcast__BattleUserArmies army = LIVETAP__WEBCAST__BATTLE_USER_ARMIES__INIT;
    army.n_user_armies = 1, army.user_armies = fans, army.has_host_score = 1, army.host_score = 900;
    Livetap__Webcast__BattleArmiesEntry ae = LIVETAP__WEBCAST__BATTLE_ARMIES_ENTRY__INIT;
    ae.has_key = 1, ae.key = 11, ae.value = &army;
    Livetap__Webcast__BattleArmiesEntry *armies[] = {&ae};
    Livetap__Webcast__LinkMicBattle b = LIVETAP__WEBCAST__LINK_MIC_BATTLE__INIT;
    b.has_battle_id = 1, b.battle_id = 4242, b.battle_setting = &set, b.has_action = 1, b.action = 5;
    b.n_battle_result = 1, b.battle_result = results, b.n_armies = 1, b.armies = armies;
    json_t *ev = tt_feed(fx, "WebcastLinkMicBattle", &b);
    assert_string_equal(TT_TYPE(ev), "battle");
    assert_int_equal(TT_INT(ev, "battle_id"), 4242);
    assert_string_equal(TT_STR(ev, "action_name"), "finish");
    assert_int_equal(TT_INT(ev, "start_time"), 1709140000000LL);
    assert_int_equal(TT_INT(ev, "duration"), 300);
    assert_int_equal(TT_INT(ev, "channel_id"), 555);
    json_t *res = json_array_get(json_object_get(ev, "results"), 0);
    assert_int_equal(TT_INT(res, "anchor_id"), 11);
    assert_int_equal(TT_INT(res, "score"), 900);
    json_t *team = json_array_get(json_object_get(ev, "teams"), 0);
    assert_int_equal(TT_INT(team, "score"), 900);
    assert_string_equal(TT_STR(json_array_get(json_object_get(team, "contributors"), 0), "nickname"), "fan77");
    b.battle_setting = NULL, b.action = 99;
    ev = tt_feed(fx, "WebcastLinkMicBattle", &b);
    assert_true(json_is_null(json_object_get(ev, "start_time")));
    assert_string_equal(TT_STR(ev, "action_name"), "unknown");

    Livetap__Webcast__LinkMicArmies a = LIVETAP__WEBCAST__LINK_MIC_ARMIES__INIT;
    a.has_battle_id = 1, a.battle_id = 4242, a.has_trigger_reason = 1, a.trigger_reason = 1;
    a.has_gift_id = 1, a.gift_id = 5655, a.has_from_user_id = 1, a.from_user_id = 77;
    a.has_total_diamond_count = 1, a.total_diamond_count = 30, a.n_armies = 1, a.armies = armies;
    ev = tt_feed(fx, "WebcastLinkMicArmies", &a);
    assert_string_equal(TT_TYPE(ev), "battle_armies");
    assert_int_equal(TT_INT(ev, "trigger_reason"), 1);
    assert_int_equal(TT_INT(ev, "from_user_id"), 77);
    assert_int_equal(TT_INT(ev, "total_diamond_count"), 30);
    assert_int_equal(TT_INT(json_array_get(json_object_get(ev, "teams"), 0), "anchor_id"), 11);
}

static void link_mic_family(void **state)
{
    tt_fixture *fx = *state;
    Livetap__Webcast__LinkMicMethod lm = LIVETAP__WEBCAST__LINK_MIC_METHOD__INIT;
    lm.has_message_type = 1, lm.message_type = 3, lm.has_user_id = 1, lm.user_id = 8;
    lm.has_rival_anchor_id = 1, lm.rival_anchor_id = 9, lm.has_win = 1, lm.win = 1, lm.tips = "won!";
    json_t *ev = tt_feed(fx, "WebcastLinkMicMethod", &lm);
    assert_string_equal(TT_TYPE(ev), "link_mic");
    assert_int_equal(TT_INT(ev, "message_type"), 3);
    assert_int_equal(TT_INT(ev, "rival_anchor_id"), 9);
    assert_true(TT_BOOL(ev, "win"));
    assert_string_equal(TT_STR(ev, "tips"), "won!");

    Livetap__Webcast__UserFanTicket t1 = LIVETAP__WEBCAST__USER_FAN_TICKET__INIT;
    t1.has_user_id = 1, t1.user_id = 8, t1.has_fan_ticket = 1, t1.fan_ticket = 120;
    Livetap__Webcast__UserFanTicket *list[] = {&t1};
    Livetap__Webcast__FanTicketRoomNoticeContent n = LIVETAP__WEBCAST__FAN_TICKET_ROOM_NOTICE_CONTENT__INIT;
    n.n_user_fan_ticket_list = 1, n.user_fan_ticket_list = list;
    n.has_total_link_mic_fan_ticket = 1, n.total_link_mic_fan_ticket = 1200, n.has_match_id = 1, n.match_id = 3;
    Livetap__Webcast__LinkMicFanTicketMethod ft = LIVETAP__WEBCAST__LINK_MIC_FAN_TICKET_METHOD__INIT;
    ft.fan_ticket_room_notice = &n;
    ev = tt_feed(fx, "WebcastLinkMicFanTicketMethod", &ft);
    assert_string_equal(TT_TYPE(ev), "link_mic_fan_ticket");
    assert_int_equal(TT_INT(ev, "total_fan_ticket"), 1200);
    assert_int_equal(TT_INT(json_array_get(json_object_get(ev, "users"), 0), "fan_ticket"), 120);

    Livetap__Webcast__LinkMessage lk = LIVETAP__WEBCAST__LINK_MESSAGE__INIT;
    lk.has_message_type = 1, lk.message_type = 6, lk.has_linker_id = 1, lk.linker_id = 99;
    ev = tt_feed(fx, "WebcastLinkMessage", &lk);
    assert_string_equal(TT_TYPE(ev), "link");
    assert_string_equal(TT_STR(ev, "message_type_name"), "enter");
    assert_int_equal(TT_INT(ev, "linker_id"), 99);
    lk.message_type = 101;
    ev = tt_feed(fx, "WebcastLinkMessage", &lk);
    assert_string_equal(TT_STR(ev, "message_type_name"), "sys_kick_out");

    Livetap__Webcast__LinkLayerMessage ll = LIVETAP__WEBCAST__LINK_LAYER_MESSAGE__INIT;
    ll.has_message_type = 1, ll.message_type = 102, ll.has_channel_id = 1, ll.channel_id = 7;
    ev = tt_feed(fx, "WebcastLinkLayerMessage", &ll);
    assert_string_equal(TT_TYPE(ev), "link_layer");
    assert_int_equal(TT_INT(ev, "message_type"), 102);
    assert_int_equal(TT_INT(ev, "channel_id"), 7);
}

static void room_content(void **state)
{
    tt_fixture *fx = *state;
    TT_USER(user, 21, "asker", "Asker");
    Livetap__Webcast__Question q = LIVETAP__WEBCAST__QUESTION__INIT;
    q.has_question_id = 1, q.question_id = 31, q.content = "what song is this?", q.user = &user;
    Livetap__Webcast__QuestionNewMessage qm = LIVETAP__WEBCAST__QUESTION_NEW_MESSAGE__INIT;
    qm.details = &q;
    json_t *ev = tt_feed(fx, "WebcastQuestionNewMessage", &qm);
    assert_string_equal(TT_TYPE(ev), "question");
    assert_string_equal(TT_STR(ev, "content"), "what song is this?");
    assert_int_equal(TT_INT(ev, "question_id"), 31);
    assert_string_equal(TT_STR(json_object_get(ev, "user"), "unique_id"), "asker");

    /* content from field 2, or rendered from the display text */
    Livetap__Webcast__RoomMessage rm = LIVETAP__WEBCAST__ROOM_MESSAGE__INIT;
    rm.content = "Welcome to TikTok LIVE!";
    ev = tt_feed(fx, "WebcastRoomMessage", &rm);
    assert_string_equal(TT_TYPE(ev), "room_message");
    assert_string_equal(TT_STR(ev, "content"), "Welcome to TikTok LIVE!");
    Livetap__Webcast__TextPiece piece = LIVETAP__WEBCAST__TEXT_PIECE__INIT;
    Livetap__Webcast__TextPieceUser pu = LIVETAP__WEBCAST__TEXT_PIECE_USER__INIT;
    pu.user = &user, piece.user_value = &pu;
    Livetap__Webcast__TextPiece *pieces[] = {&piece};
    Livetap__Webcast__Text text = LIVETAP__WEBCAST__TEXT__INIT;
    text.key = "live_room_notice", text.default_pattern = "{0:user} is the host's top fan", text.n_pieces = 1;
    text.pieces = pieces;
    TT_COMMON(common, "RoomMessage", 3, 1709140000000LL);
    common.display_text = &text;
    rm.content = NULL, rm.common = &common;
    ev = tt_feed(fx, "RoomMessage", &rm);
    assert_string_equal(TT_STR(ev, "content"), "Asker is the host's top fan");
    assert_string_equal(TT_STR(ev, "display_key"), "live_room_notice");

    Livetap__Webcast__SubNotifyMessage sn = LIVETAP__WEBCAST__SUB_NOTIFY_MESSAGE__INIT;
    sn.user = &user, sn.has_sub_month = 1, sn.sub_month = 6, sn.has_old_subscribe_status = 1;
    sn.old_subscribe_status = 1;
    ev = tt_feed(fx, "WebcastSubNotifyMessage", &sn);
    assert_string_equal(TT_TYPE(ev), "subscribe");
    assert_int_equal(TT_INT(ev, "sub_month"), 6);
    assert_int_equal(TT_INT(ev, "old_subscribe_status"), 1);

    Livetap__Webcast__Image img = LIVETAP__WEBCAST__IMAGE__INIT;
    char *urls[] = {"https://emote/1.png"};
    img.n_url_list = 1, img.url_list = urls;
    Livetap__Webcast__Emote e1 = LIVETAP__WEBCAST__EMOTE__INIT, e2 = LIVETAP__WEBCAST__EMOTE__INIT;
    e1.emote_id = "e1", e1.image = &img, e2.emote_id = "e2";
    Livetap__Webcast__Emote *emotes[] = {&e1, &e2};
    Livetap__Webcast__EmoteChatMessage ec = LIVETAP__WEBCAST__EMOTE_CHAT_MESSAGE__INIT;
    ec.user = &user, ec.n_emote_list = 2, ec.emote_list = emotes;
    ev = tt_feed(fx, "WebcastEmoteChatMessage", &ec);
    assert_string_equal(TT_TYPE(ev), "emote_chat");
    assert_string_equal(json_string_value(json_array_get(json_object_get(ev, "emote_ids"), 1)), "e2");
    assert_string_equal(json_string_value(json_array_get(json_object_get(ev, "emote_urls"), 0)), urls[0]);
    assert_string_equal(json_string_value(json_array_get(json_object_get(ev, "emote_urls"), 1)), "");

    Livetap__Webcast__EnvelopeInfo info = LIVETAP__WEBCAST__ENVELOPE_INFO__INIT;
    info.envelope_id = "env-1", info.has_business_type = 1, info.business_type = 19, info.send_user_name = "Big";
    info.has_diamond_count = 1, info.diamond_count = 500, info.has_people_count = 1, info.people_count = 20;
    Livetap__Webcast__EnvelopeMessage en = LIVETAP__WEBCAST__ENVELOPE_MESSAGE__INIT;
    en.envelope_info = &info;
    ev = tt_feed(fx, "WebcastEnvelopeMessage", &en);
    assert_string_equal(TT_TYPE(ev), "envelope");
    assert_string_equal(TT_STR(ev, "envelope_id"), "env-1");
    assert_int_equal(TT_INT(ev, "diamond_count"), 500);
    assert_true(TT_BOOL(ev, "superfan_box"));
    info.business_type = 1;
    ev = tt_feed(fx, "WebcastEnvelopeMessage", &en);
    assert_false(TT_BOOL(ev, "superfan_box"));

    Livetap__Webcast__LiveShoppingData sd = LIVETAP__WEBCAST__LIVE_SHOPPING_DATA__INIT;
    sd.title = "Mug", sd.price_string = "$9.99", sd.shop_name = "Mugs Inc";
    Livetap__Webcast__OecLiveShoppingMessage sh = LIVETAP__WEBCAST__OEC_LIVE_SHOPPING_MESSAGE__INIT;
    sh.shop_data = &sd;
    ev = tt_feed(fx, "WebcastOecLiveShoppingMessage", &sh);
    assert_string_equal(TT_TYPE(ev), "shopping");
    assert_string_equal(TT_STR(ev, "price"), "$9.99");
    assert_true(json_is_null(json_object_get(ev, "shop_url")));

    Livetap__Webcast__LiveIntroMessage li = LIVETAP__WEBCAST__LIVE_INTRO_MESSAGE__INIT;
    li.content = "Cooking every Sunday", li.host = &user, li.language = "en";
    ev = tt_feed(fx, "WebcastLiveIntroMessage", &li);
    assert_string_equal(TT_TYPE(ev), "live_intro");
    assert_string_equal(TT_STR(ev, "content"), "Cooking every Sunday");
    assert_int_equal(TT_INT(json_object_get(ev, "host"), "id"), 21);
}

static void rankings_polls_goals(void **state)
{
    tt_fixture *fx = *state;
    Livetap__Webcast__TextPiece p0 = LIVETAP__WEBCAST__TEXT_PIECE__INIT;
    p0.string_value = "7";
    Livetap__Webcast__TextPiece *pieces[] = {&p0};
    Livetap__Webcast__Text t = LIVETAP__WEBCAST__TEXT__INIT;
    t.default_pattern = "No. {0:string} in Weekly ranking {1:string}", t.n_pieces = 1, t.pieces = pieces;
    Livetap__Webcast__RankUpdate ru = LIVETAP__WEBCAST__RANK_UPDATE__INIT;
    ru.has_rank_type = 1, ru.rank_type = 8, ru.has_owner_rank = 1, ru.owner_rank = 7, ru.default_content = &t;
    Livetap__Webcast__RankUpdate *ups[] = {&ru};
    Livetap__Webcast__RankUpdateMessage rm = LIVETAP__WEBCAST__RANK_UPDATE_MESSAGE__INIT;
    rm.n_updates = 1, rm.updates = ups, rm.has_group_type = 1, rm.group_type = 1;
    json_t *ev = tt_feed(fx, "WebcastRankUpdateMessage", &rm);
    assert_string_equal(TT_TYPE(ev), "rank_update");
    json_t *rank = json_array_get(json_object_get(ev, "ranks"), 0);
    assert_int_equal(TT_INT(rank, "owner_rank"), 7);
    /* a placeholder without a piece stays as it is */
    assert_string_equal(TT_STR(rank, "text"), "No. 7 in Weekly ranking {1:string}");

    /* poll options are read as their first text field */
    Livetap__Webcast__CaptionContent o1 = LIVETAP__WEBCAST__CAPTION_CONTENT__INIT, o2 = o1;
    o1.content = "Yes", o2.content = "No";
    size_t l1, l2;
    uint8_t *b1 = tt_pack(&o1, &l1), *b2 = tt_pack(&o2, &l2);
    ProtobufCBinaryData opts[] = {{l1, b1}, {l2, b2}, {3, (uint8_t *)"\x08\x01\x10"}};
    Livetap__Webcast__PollStartContent sc = LIVETAP__WEBCAST__POLL_START_CONTENT__INIT;
    sc.title = "Pizza?", sc.has_start_time = 1, sc.start_time = 1709140000, sc.n_options = 3, sc.options = opts;
    Livetap__Webcast__PollMessage pm = LIVETAP__WEBCAST__POLL_MESSAGE__INIT;
    pm.has_poll_id = 1, pm.poll_id = 66, pm.start_content = &sc;
    ev = tt_feed(fx, "WebcastPollMessage", &pm);
    assert_string_equal(TT_TYPE(ev), "poll");
    assert_string_equal(TT_STR(ev, "action"), "start");
    assert_string_equal(TT_STR(ev, "title"), "Pizza?");
    assert_int_equal(TT_INT(ev, "start_time"), 1709140000);
    assert_true(json_is_null(json_object_get(ev, "end_time")));
    json_t *options = json_object_get(ev, "options");
    assert_int_equal(json_array_size(options), 2); /* the option without text is left out */
    assert_string_equal(json_string_value(json_array_get(options, 1)), "No");
    free(b1);
    free(b2);

    Livetap__Webcast__LiveStreamGoal goal = LIVETAP__WEBCAST__LIVE_STREAM_GOAL__INIT;
    goal.id_str = "123456789012", goal.description = "100 roses", goal.has_status = 1, goal.status = 1;
    Livetap__Webcast__GoalUpdateMessage gu = LIVETAP__WEBCAST__GOAL_UPDATE_MESSAGE__INIT;
    gu.goal = &goal, gu.has_contributor_id = 1, gu.contributor_id = 21, gu.has_contribute_count = 1;
    gu.contribute_count = 5, gu.contributor_display_id = "asker";
    ev = tt_feed(fx, "WebcastGoalUpdateMessage", &gu);
    assert_string_equal(TT_TYPE(ev), "goal_update");
    assert_int_equal(TT_INT(ev, "goal_id"), 123456789012LL); /* from id_str when id is absent */
    assert_string_equal(TT_STR(ev, "description"), "100 roses");
    assert_int_equal(TT_INT(ev, "contribute_count"), 5);
    assert_string_equal(TT_STR(ev, "contributor_display_id"), "asker");
}

/* InRoomBanner field 2: a JSON string (Node, Go) or map<string,string>
 * entries (Java, Python-JADX) - both decode; bytes that are neither go to
 * unknown. */
static void in_room_banner_both_layouts(void **state)
{
    tt_fixture *fx = *state;
    const char *js = "{\"banner\":{\"title\":\"Goal\",\"progress\":0.5}}";
    ProtobufCBinaryData one[] = {{strlen(js), (uint8_t *)js}};
    Livetap__Webcast__InRoomBannerMessage b = LIVETAP__WEBCAST__IN_ROOM_BANNER_MESSAGE__INIT;
    b.n_data = 1, b.data = one, b.has_position = 1, b.position = 2;
    json_t *ev = tt_feed(fx, "WebcastInRoomBannerMessage", &b);
    assert_string_equal(TT_TYPE(ev), "in_room_banner");
    assert_string_equal(TT_STR(ev, "data_format"), "json");
    assert_string_equal(TT_STR(ev, "data"), js);
    assert_int_equal(TT_INT(ev, "position"), 2);

    Livetap__Webcast__StringPair k1 = LIVETAP__WEBCAST__STRING_PAIR__INIT, k2 = k1;
    k1.key = "title", k1.value = "Goal", k2.key = "ratio", k2.value = "0.5";
    size_t l1, l2;
    uint8_t *e1 = tt_pack(&k1, &l1), *e2 = tt_pack(&k2, &l2);
    ProtobufCBinaryData entries[] = {{l1, e1}, {l2, e2}};
    b.n_data = 2, b.data = entries;
    ev = tt_feed(fx, "WebcastInRoomBannerMessage", &b);
    assert_string_equal(TT_STR(ev, "data_format"), "map");
    json_error_t jerr;
    json_t *doc = json_loads(TT_STR(ev, "data"), 0, &jerr);
    assert_non_null(doc);
    assert_string_equal(TT_STR(doc, "title"), "Goal");
    assert_string_equal(TT_STR(doc, "ratio"), "0.5");
    json_decref(doc);
    /* one map entry alone is still a map, not text */
    b.n_data = 1;
    ev = tt_feed(fx, "WebcastInRoomBannerMessage", &b);
    assert_string_equal(TT_STR(ev, "data_format"), "map");
    free(e1);
    free(e2);

    /* plain text: kept as a JSON string */
    ProtobufCBinaryData txt[] = {{5, (uint8_t *)"hello"}};
    b.data = txt;
    ev = tt_feed(fx, "WebcastInRoomBannerMessage", &b);
    assert_string_equal(TT_STR(ev, "data_format"), "text");
    assert_string_equal(TT_STR(ev, "data"), "\"hello\"");

    /* binary that is neither: unknown, with the raw bytes */
    ProtobufCBinaryData bin[] = {{3, (uint8_t *)"\x08\xff\x00"}};
    b.data = bin;
    ev = tt_feed(fx, "WebcastInRoomBannerMessage", &b);
    assert_string_equal(TT_TYPE(ev), "unknown");
    assert_non_null(strstr(TT_STR(ev, "reason"), "InRoomBanner"));

    /* no field 2 at all */
    b.n_data = 0;
    ev = tt_feed(fx, "WebcastInRoomBannerMessage", &b);
    assert_string_equal(TT_STR(ev, "data_format"), "none");
    assert_true(json_is_null(json_object_get(ev, "data")));
}

static void caption_delete_pin_barrage(void **state)
{
    tt_fixture *fx = *state;
    Livetap__Webcast__CaptionContent cc = LIVETAP__WEBCAST__CAPTION_CONTENT__INIT;
    cc.lang = "en", cc.content = "hello everyone";
    size_t lc;
    uint8_t *bc = tt_pack(&cc, &lc);
    ProtobufCBinaryData content[] = {{lc, bc}, {11, (uint8_t *)"hallo alle!"}};
    Livetap__Webcast__CaptionMessage cap = LIVETAP__WEBCAST__CAPTION_MESSAGE__INIT;
    cap.n_content = 2, cap.content = content, cap.has_definite = 1, cap.definite = 1;
    cap.has_sentence_id = 1, cap.sentence_id = 4;
    json_t *ev = tt_feed(fx, "WebcastCaptionMessage", &cap);
    assert_string_equal(TT_TYPE(ev), "caption");
    assert_true(TT_BOOL(ev, "definite"));
    json_t *texts = json_object_get(ev, "texts");
    assert_int_equal(json_array_size(texts), 2);
    assert_string_equal(TT_STR(json_array_get(texts, 0), "language"), "en");
    assert_string_equal(TT_STR(json_array_get(texts, 0), "text"), "hello everyone");
    assert_true(json_is_null(json_object_get(json_array_get(texts, 1), "language")));
    assert_string_equal(TT_STR(json_array_get(texts, 1), "text"), "hallo alle!");
    free(bc);

    int64_t msgs[] = {7340702509671467807LL, -5};
    int64_t users[] = {42};
    Livetap__Webcast__ImDeleteMessage del = LIVETAP__WEBCAST__IM_DELETE_MESSAGE__INIT;
    del.n_delete_msg_ids = 2, del.delete_msg_ids = msgs, del.n_delete_user_ids = 1, del.delete_user_ids = users;
    ev = tt_feed(fx, "WebcastImDeleteMessage", &del);
    assert_string_equal(TT_TYPE(ev), "im_delete");
    json_t *ids = json_object_get(ev, "deleted_msg_ids");
    assert_string_equal(json_string_value(json_array_get(ids, 0)), "7340702509671467807");
    assert_string_equal(json_string_value(json_array_get(ids, 1)), "-5");
    assert_string_equal(json_string_value(json_array_get(json_object_get(ev, "deleted_user_ids"), 0)), "42");

    /* a pinned chat: its sender, id and text */
    TT_USER(user, 21, "pinned_guy", "P");
    TT_USER(mod, 22, "mod", "M");
    TT_COMMON(cc2, "WebcastChatMessage", 999, 1709140000000LL);
    Livetap__Webcast__ChatMessage chat = LIVETAP__WEBCAST__CHAT_MESSAGE__INIT;
    chat.common = &cc2, chat.user = &user, chat.content = "read the rules";
    size_t lchat;
    uint8_t *bchat = tt_pack(&chat, &lchat);
    Livetap__Webcast__RoomPinMessage pin = LIVETAP__WEBCAST__ROOM_PIN_MESSAGE__INIT;
    pin.has_chat = 1, pin.chat.data = bchat, pin.chat.len = lchat, pin.method = "WebcastChatMessage";
    pin.operator_ = &mod, pin.has_action = 1, pin.action = 1, pin.has_pin_id = 1, pin.pin_id = 5;
    ev = tt_feed(fx, "WebcastRoomPinMessage", &pin);
    assert_string_equal(TT_TYPE(ev), "room_pin");
    assert_int_equal(TT_INT(ev, "action"), 1);
    assert_int_equal(TT_INT(ev, "pinned_msg_id"), 999);
    assert_string_equal(TT_STR(ev, "pinned_content"), "read the rules");
    assert_string_equal(TT_STR(json_object_get(ev, "pinned_user"), "unique_id"), "pinned_guy");
    assert_string_equal(TT_STR(json_object_get(ev, "operator"), "unique_id"), "mod");
    /* a pinned message that does not decode leaves the pin intact */
    pin.chat.data = (uint8_t *)"\xff\xff", pin.chat.len = 2;
    ev = tt_feed(fx, "WebcastRoomPinMessage", &pin);
    assert_string_equal(TT_TYPE(ev), "room_pin");
    assert_true(json_is_null(json_object_get(ev, "pinned_content")));
    assert_int_equal(TT_INT(ev, "pin_id"), 5);
    free(bchat);

    Livetap__Webcast__TextPieceUser pu = LIVETAP__WEBCAST__TEXT_PIECE_USER__INIT;
    pu.user = &user;
    Livetap__Webcast__TextPiece piece = LIVETAP__WEBCAST__TEXT_PIECE__INIT;
    piece.user_value = &pu;
    Livetap__Webcast__TextPiece *pieces[] = {&piece};
    Livetap__Webcast__Text t = LIVETAP__WEBCAST__TEXT__INIT;
    t.key = "ttlive_superfan_join", t.default_pattern = "Super fan {0:user} joined", t.n_pieces = 1;
    t.pieces = pieces;
    Livetap__Webcast__BarrageMessage bar = LIVETAP__WEBCAST__BARRAGE_MESSAGE__INIT;
    bar.content = &t, bar.has_msg_type = 1, bar.msg_type = 11;
    ev = tt_feed(fx, "WebcastBarrageMessage", &bar);
    assert_string_equal(TT_TYPE(ev), "barrage");
    assert_true(TT_BOOL(ev, "superfan"));
    assert_string_equal(TT_STR(ev, "text"), "Super fan P joined");
    assert_int_equal(TT_INT(json_object_get(ev, "user"), "id"), 21);
    assert_int_equal(TT_INT(ev, "msg_type"), 11);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, tt_setup, tt_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(battle_and_armies),         T(link_mic_family),          T(room_content),
        T(rankings_polls_goals),      T(in_room_banner_both_layouts), T(caption_delete_pin_barrage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
