/* test_tiktok_messages_extra.c - the grouped families (gift_notice,
 * battle_task, link_state, rank_notice, partnership, sub_pin, viewer_picks):
 * every method decodes to its family's type with `method` and its own fields,
 * the others null; the card of a battle item message is the one its msg_type
 * names; flattened lists are bounded; a payload that is not the message goes
 * to unknown with the reason. */
#include "unit/tiktok_test_util.h"

#include "sim/traffic.h"

#define IS_NULL(obj, key) json_is_null(json_object_get((obj), (key)))
#define AT(obj, key, i) json_array_get(json_object_get((obj), (key)), (i))
#define COUNT(obj, key) json_array_size(json_object_get((obj), (key)))

static Livetap__Webcast__Text make_text(const char *key, const char *pattern)
{
    Livetap__Webcast__Text t = LIVETAP__WEBCAST__TEXT__INIT;
    t.key = (char *)key;
    t.default_pattern = (char *)pattern;
    return t;
}

/* ------------------------------------------------------------------ gift_notice */

static void gift_broadcast(void **state)
{
    tt_fixture *fx = *state;
    TT_COMMON(c, "WebcastGiftBroadcastMessage", 501, 1709000000000LL);
    Livetap__Webcast__Text dt = make_text("pm_gift_broadcast", "x");
    c.display_text = &dt;
    TT_USER(u, 42, "fan42", "Fan");
    Livetap__Webcast__NotifyEventTracking tr = LIVETAP__WEBCAST__NOTIFY_EVENT_TRACKING__INIT;
    tr.has_gift_sub_sender_id = 1, tr.gift_sub_sender_id = 42;
    tr.has_gift_sub_receiver_id = 1, tr.gift_sub_receiver_id = 43;
    Livetap__Webcast__NotifyExtra ex = LIVETAP__WEBCAST__NOTIFY_EXTRA__INIT;
    ex.has_duration = 1, ex.duration = 8;
    Livetap__Webcast__EmbeddedNotify n = LIVETAP__WEBCAST__EMBEDDED_NOTIFY__INIT;
    n.content = "Fan sent a Universe", n.user = &u, n.extra = &ex, n.event_tracking = &tr;
    n.has_to_anchor_id = 1, n.to_anchor_id = 99, n.has_notify_type = 1, n.notify_type = 3;
    char *urls[] = {"https://icon/1.png"};
    Livetap__Webcast__Image icon = LIVETAP__WEBCAST__IMAGE__INIT;
    icon.n_url_list = 1, icon.url_list = urls;
    Livetap__Webcast__GiftBroadcastMessage m = LIVETAP__WEBCAST__GIFT_BROADCAST_MESSAGE__INIT;
    m.common = &c, m.has_from_user_id = 1, m.from_user_id = 42, m.left_icon = &icon, m.notify = &n;
    json_t *ev = tt_feed(fx, "WebcastGiftBroadcastMessage", &m);
    assert_string_equal(TT_TYPE(ev), "gift_notice");
    assert_string_equal(TT_STR(ev, "method"), "WebcastGiftBroadcastMessage");
    assert_int_equal(TT_INT(ev, "msg_id"), 501);
    assert_int_equal(TT_INT(ev, "event_time"), 1709000000000LL);
    assert_string_equal(TT_STR(ev, "display_key"), "pm_gift_broadcast");
    assert_int_equal(TT_INT(ev, "from_user_id"), 42);
    assert_int_equal(TT_INT(ev, "to_anchor_id"), 99);
    assert_string_equal(TT_STR(ev, "text"), "Fan sent a Universe");
    assert_string_equal(TT_STR(ev, "icon_url"), "https://icon/1.png");
    assert_string_equal(TT_STR(json_object_get(ev, "user"), "unique_id"), "fan42");
    assert_int_equal(TT_INT(ev, "duration"), 8);
    assert_int_equal(TT_INT(ev, "notify_type"), 3);
    assert_int_equal(TT_INT(ev, "gift_sub_receiver_id"), 43);
    /* what only other methods carry stays null or empty */
    assert_true(IS_NULL(ev, "title"));
    assert_true(IS_NULL(ev, "block_num_days"));
    assert_true(IS_NULL(ev, "panel_time"));
    assert_int_equal(COUNT(ev, "gifts"), 0);
}

static void gift_dynamic_restriction_flattens_and_bounds(void **state)
{
    tt_fixture *fx = *state;
    int64_t normal[] = {5655, 5269}, mine[] = {7934};
    Livetap__Webcast__GiftSceneRestriction sc = LIVETAP__WEBCAST__GIFT_SCENE_RESTRICTION__INIT;
    sc.n_normal_hidden_gids = 2, sc.normal_hidden_gids = normal;
    Livetap__Webcast__GiftReceiverRestriction rr = LIVETAP__WEBCAST__GIFT_RECEIVER_RESTRICTION__INIT;
    rr.has_user_id = 1, rr.user_id = 77, rr.n_hidden_gids = 1, rr.hidden_gids = mine;
    Livetap__Webcast__GiftReceiverRestriction *rrs[] = {&rr};
    Livetap__Webcast__GiftDynamicRestriction dr = LIVETAP__WEBCAST__GIFT_DYNAMIC_RESTRICTION__INIT;
    dr.scenes = &sc, dr.n_receivers = 1, dr.receivers = rrs;
    Livetap__Webcast__GiftDynamicRestrictionMessage m =
        LIVETAP__WEBCAST__GIFT_DYNAMIC_RESTRICTION_MESSAGE__INIT;
    m.dynamic_restriction = &dr;
    json_t *ev = tt_feed(fx, "WebcastGiftDynamicRestrictionMessage", &m);
    assert_string_equal(TT_TYPE(ev), "gift_notice");
    assert_int_equal(COUNT(ev, "gifts"), 3);
    assert_string_equal(TT_STR(AT(ev, "gifts", 0), "source"), "hidden");
    assert_string_equal(TT_STR(AT(ev, "gifts", 0), "scene"), "normal");
    assert_int_equal(TT_INT(AT(ev, "gifts", 1), "gift_id"), 5269);
    assert_true(IS_NULL(AT(ev, "gifts", 1), "receiver_id"));
    assert_string_equal(TT_STR(AT(ev, "gifts", 2), "scene"), "receiver");
    assert_int_equal(TT_INT(AT(ev, "gifts", 2), "receiver_id"), 77);
    assert_int_equal(TT_INT(AT(ev, "gifts", 2), "gift_id"), 7934);

    /* a hostile count: 600 ids in one list and 600 more for a receiver */
    int64_t *many = calloc(600, sizeof *many);
    for (int i = 0; i < 600; i++)
        many[i] = 1000 + i;
    sc.n_normal_hidden_gids = 600, sc.normal_hidden_gids = many;
    rr.n_hidden_gids = 600, rr.hidden_gids = many;
    ev = tt_feed(fx, "WebcastGiftDynamicRestrictionMessage", &m);
    assert_string_equal(TT_TYPE(ev), "gift_notice");
    assert_int_equal(COUNT(ev, "gifts"), 512);
    assert_int_equal(TT_INT(AT(ev, "gifts", 511), "gift_id"), 1511);
    free(many);
}

static void gift_panel_update(void **state)
{
    tt_fixture *fx = *state;
    Livetap__Webcast__GiftGalleryTitle t = LIVETAP__WEBCAST__GIFT_GALLERY_TITLE__INIT;
    t.has_goal_count = 1, t.goal_count = 10, t.has_current_sponsor_id = 1, t.current_sponsor_id = 8;
    Livetap__Webcast__GiftGalleryEntry ge = LIVETAP__WEBCAST__GIFT_GALLERY_ENTRY__INIT;
    ge.has_key = 1, ge.key = 5655, ge.value = &t;
    Livetap__Webcast__GiftGalleryEntry *ges[] = {&ge};
    Livetap__Webcast__GiftGalleryData gal = LIVETAP__WEBCAST__GIFT_GALLERY_DATA__INIT;
    gal.n_progress = 1, gal.progress = ges, gal.has_end_time_in_ms = 1, gal.end_time_in_ms = 1709100000000LL;
    Livetap__Webcast__GiftGoalProgress gp = LIVETAP__WEBCAST__GIFT_GOAL_PROGRESS__INIT;
    gp.has_current_progress = 1, gp.current_progress = 3, gp.has_target = 1, gp.target = 5;
    Livetap__Webcast__GiftGoalEntry goe = LIVETAP__WEBCAST__GIFT_GOAL_ENTRY__INIT;
    goe.has_key = 1, goe.key = 6064, goe.value = &gp;
    Livetap__Webcast__GiftGoalEntry *goes[] = {&goe};
    Livetap__Webcast__GiftGoalData goal = LIVETAP__WEBCAST__GIFT_GOAL_DATA__INIT;
    goal.has_status = 1, goal.status = 1, goal.n_goal_progress = 1, goal.goal_progress = goes;
    Livetap__Webcast__GiftIdPrice price = LIVETAP__WEBCAST__GIFT_ID_PRICE__INIT;
    price.has_id = 1, price.id = 11046, price.has_price = 1, price.price = 1000;
    Livetap__Webcast__GiftIdPrice *prices[] = {&price};
    Livetap__Webcast__RoomBasedGifts rb = LIVETAP__WEBCAST__ROOM_BASED_GIFTS__INIT;
    rb.n_gift_info = 1, rb.gift_info = prices;
    Livetap__Webcast__RoomBasedGiftEntry rbe = LIVETAP__WEBCAST__ROOM_BASED_GIFT_ENTRY__INIT;
    rbe.has_key = 1, rbe.key = 2, rbe.value = &rb;
    Livetap__Webcast__RoomBasedGiftEntry *rbes[] = {&rbe};
    Livetap__Webcast__RoomBasedGiftData rbd = LIVETAP__WEBCAST__ROOM_BASED_GIFT_DATA__INIT;
    rbd.n_room_based_gifts = 1, rbd.room_based_gifts = rbes;
    Livetap__Webcast__GiftPanelUpdateMessage m = LIVETAP__WEBCAST__GIFT_PANEL_UPDATE_MESSAGE__INIT;
    m.has_timestamp = 1, m.timestamp = 1709000000;
    m.gallery_data = &gal, m.goal_data = &goal, m.room_based_gift_data = &rbd;
    json_t *ev = tt_feed(fx, "WebcastGiftPanelUpdateMessage", &m);
    assert_string_equal(TT_STR(ev, "method"), "WebcastGiftPanelUpdateMessage");
    assert_int_equal(TT_INT(ev, "panel_time"), 1709000000);
    assert_int_equal(TT_INT(ev, "gallery_end_time"), 1709100000000LL);
    assert_true(IS_NULL(ev, "gallery_period"));
    assert_int_equal(TT_INT(ev, "goal_status"), 1);
    assert_int_equal(COUNT(ev, "gifts"), 3);
    json_t *g0 = AT(ev, "gifts", 0), *g1 = AT(ev, "gifts", 1), *g2 = AT(ev, "gifts", 2);
    assert_string_equal(TT_STR(g0, "source"), "gallery");
    assert_int_equal(TT_INT(g0, "sponsor_id"), 8);
    assert_int_equal(TT_INT(g0, "count"), 10);
    assert_string_equal(TT_STR(g1, "source"), "goal");
    assert_int_equal(TT_INT(g1, "gift_id"), 6064);
    assert_int_equal(TT_INT(g1, "target"), 5);
    assert_true(IS_NULL(g1, "expire_time"));
    assert_string_equal(TT_STR(g2, "source"), "room_based");
    assert_int_equal(TT_INT(g2, "price"), 1000);
    assert_int_equal(TT_INT(g2, "group_key"), 2);
}

static void gift_prompt_and_boost_card(void **state)
{
    tt_fixture *fx = *state;
    Livetap__Webcast__GiftPromptMessage p = LIVETAP__WEBCAST__GIFT_PROMPT_MESSAGE__INIT;
    p.title = "Take a break", p.body = "You have sent many gifts today", p.has_block_num_days = 1;
    p.block_num_days = 3, p.order_id = "ord-1", p.has_in_user_gifting_addiction_expr = 1;
    p.in_user_gifting_addiction_expr = 1, p.pop_up_schema = "sslocal://popup";
    json_t *ev = tt_feed(fx, "WebcastGiftPromptMessage", &p);
    assert_string_equal(TT_TYPE(ev), "gift_notice");
    assert_string_equal(TT_STR(ev, "title"), "Take a break");
    assert_string_equal(TT_STR(ev, "text"), "You have sent many gifts today");
    assert_int_equal(TT_INT(ev, "block_num_days"), 3);
    assert_string_equal(TT_STR(ev, "order_id"), "ord-1");
    assert_true(IS_NULL(ev, "order_time"));
    assert_true(TT_BOOL(ev, "addiction_experiment"));
    assert_string_equal(TT_STR(ev, "schema_url"), "sslocal://popup");

    Livetap__Webcast__BoostCard c1 = LIVETAP__WEBCAST__BOOST_CARD__INIT,
                                c2 = LIVETAP__WEBCAST__BOOST_CARD__INIT;
    c1.has_card_id = 1, c1.card_id = 31, c1.has_task_id = 1, c1.task_id = 9;
    c2.has_card_id = 1, c2.card_id = 32, c2.has_task_source = 1, c2.task_source = 2;
    Livetap__Webcast__BoostCard *cards[] = {&c1, &c2};
    Livetap__Webcast__BoostCardMessage b = LIVETAP__WEBCAST__BOOST_CARD_MESSAGE__INIT;
    b.n_cards = 2, b.cards = cards;
    ev = tt_feed(fx, "WebcastBoostCardMessage", &b);
    assert_string_equal(TT_STR(ev, "method"), "WebcastBoostCardMessage");
    assert_int_equal(COUNT(ev, "boost_cards"), 2);
    assert_int_equal(TT_INT(AT(ev, "boost_cards", 0), "task_id"), 9);
    assert_int_equal(TT_INT(AT(ev, "boost_cards", 1), "card_id"), 32);
    assert_int_equal(TT_INT(AT(ev, "boost_cards", 1), "task_source"), 2);
}

/* ------------------------------------------------------------------ battle_task */

static void battle_item_card_follows_msg_type(void **state)
{
    tt_fixture *fx = *state;
    Livetap__Webcast__BattleBaseUserInfo bu = LIVETAP__WEBCAST__BATTLE_BASE_USER_INFO__INIT;
    bu.has_user_id = 1, bu.user_id = 77, bu.nick_name = "Mika", bu.display_id = "mika";
    Livetap__Webcast__BattleUserInfo bui = LIVETAP__WEBCAST__BATTLE_USER_INFO__INIT;
    bui.user = &bu;
    Livetap__Webcast__CriticalStrikeCardInfo ci = LIVETAP__WEBCAST__CRITICAL_STRIKE_CARD_INFO__INIT;
    ci.card_name_key = "critical", ci.has_multiple = 1, ci.multiple = 2, ci.send_user = &bui;
    ci.to_anchor_id_str = "123456789";
    Livetap__Webcast__UseCriticalStrikeCard crit = LIVETAP__WEBCAST__USE_CRITICAL_STRIKE_CARD__INIT;
    crit.card_info = &ci, crit.has_anchor_id = 1, crit.anchor_id = 11;
    Livetap__Webcast__ExtraTimeCardInfo ei = LIVETAP__WEBCAST__EXTRA_TIME_CARD_INFO__INIT;
    ei.card_name_key = "extra_time", ei.has_extra_duration_sec = 1, ei.extra_duration_sec = 30;
    ei.has_to_anchor_id = 1, ei.to_anchor_id = 12;
    Livetap__Webcast__Text et = make_text("pm_extra_time", "{0:string} added 30 s");
    Livetap__Webcast__TextPiece piece = LIVETAP__WEBCAST__TEXT_PIECE__INIT;
    piece.string_value = "Mika";
    Livetap__Webcast__TextPiece *pieces[] = {&piece};
    et.n_pieces = 1, et.pieces = pieces;
    Livetap__Webcast__UseExtraTimeCard extra = LIVETAP__WEBCAST__USE_EXTRA_TIME_CARD__INIT;
    extra.card_info = &ei, extra.has_anchor_id = 1, extra.anchor_id = 12, extra.display_content = &et;
    Livetap__Webcast__LinkMicBattleItemCard m = LIVETAP__WEBCAST__LINK_MIC_BATTLE_ITEM_CARD__INIT;
    m.has_battle_id = 1, m.battle_id = 4242, m.has_msg_type = 1, m.msg_type = 5;
    m.use_critical_strike_card = &crit, m.use_extra_time_card = &extra;
    json_t *ev = tt_feed(fx, "WebcastLinkMicBattleItemCard", &m);
    assert_string_equal(TT_TYPE(ev), "battle_task");
    assert_int_equal(TT_INT(ev, "battle_id"), 4242);
    assert_int_equal(TT_INT(ev, "action"), 5);
    assert_string_equal(TT_STR(ev, "action_name"), "use_extra_time_card");
    /* msg_type 5 names the extra-time card, though a critical strike is present too */
    assert_string_equal(TT_STR(ev, "card_name_key"), "extra_time");
    assert_int_equal(TT_INT(ev, "extra_duration"), 30);
    assert_int_equal(TT_INT(ev, "anchor_id"), 12);
    assert_string_equal(TT_STR(ev, "text"), "Mika added 30 s");
    assert_string_equal(TT_STR(ev, "display_key"), "pm_extra_time");
    assert_true(IS_NULL(ev, "multiple"));
    assert_true(IS_NULL(ev, "user"));

    /* msg_type 2: the critical strike, its sender and a target sent as text */
    m.msg_type = 2;
    ev = tt_feed(fx, "WebcastLinkMicBattleItemCard", &m);
    assert_string_equal(TT_STR(ev, "card_name_key"), "critical");
    assert_int_equal(TT_INT(ev, "multiple"), 2);
    assert_int_equal(TT_INT(ev, "to_anchor_id"), 123456789);
    json_t *u = json_object_get(ev, "user");
    assert_int_equal(TT_INT(u, "id"), 77);
    assert_string_equal(TT_STR(u, "nickname"), "Mika");
    assert_true(IS_NULL(ev, "extra_duration"));

    /* an unknown msg_type: the first card present */
    m.msg_type = 99;
    ev = tt_feed(fx, "WebcastLinkMicBattleItemCard", &m);
    assert_string_equal(TT_STR(ev, "action_name"), "unknown");
    assert_string_equal(TT_STR(ev, "card_name_key"), "critical");
}

static void battle_item_card_award_and_effect_notice(void **state)
{
    tt_fixture *fx = *state;
    Livetap__Webcast__BattleBaseUserInfo a = LIVETAP__WEBCAST__BATTLE_BASE_USER_INFO__INIT,
                                         b = LIVETAP__WEBCAST__BATTLE_BASE_USER_INFO__INIT;
    a.has_user_id = 1, a.user_id = 1, a.nick_name = "A";
    b.has_user_id = 1, b.user_id = 2, b.nick_name = "B";
    Livetap__Webcast__BattleUserInfo ai = LIVETAP__WEBCAST__BATTLE_USER_INFO__INIT,
                                     bi = LIVETAP__WEBCAST__BATTLE_USER_INFO__INIT;
    ai.user = &a, bi.user = &b;
    Livetap__Webcast__BattleUserInfo *awarded[] = {&ai, &bi};
    Livetap__Webcast__Text t = make_text("pm_award", "two cards awarded");
    Livetap__Webcast__AwardCardNotice an = LIVETAP__WEBCAST__AWARD_CARD_NOTICE__INIT;
    an.display_content = &t, an.n_awarded_users = 2, an.awarded_users = awarded;
    Livetap__Webcast__AnchorPair pair = LIVETAP__WEBCAST__ANCHOR_PAIR__INIT;
    pair.has_source_anchor_id = 1, pair.source_anchor_id = 11, pair.has_target_anchor_id = 1;
    pair.target_anchor_id = 12;
    Livetap__Webcast__AnchorPair *pairs[] = {&pair};
    Livetap__Webcast__SpecialEffectNotice sn = LIVETAP__WEBCAST__SPECIAL_EFFECT_NOTICE__INIT;
    sn.has_score = 1, sn.score = 500, sn.has_from_user_id = 1, sn.from_user_id = 2, sn.has_to_anchor_id = 1;
    sn.to_anchor_id = 12, sn.n_affected_anchor_pairs = 1, sn.affected_anchor_pairs = pairs;
    Livetap__Webcast__LinkMicBattleItemCard m = LIVETAP__WEBCAST__LINK_MIC_BATTLE_ITEM_CARD__INIT;
    m.has_battle_id = 1, m.battle_id = 7, m.has_msg_type = 1, m.msg_type = 4;
    m.award_card_notice = &an, m.special_effect_notice = &sn, m.has_award_reason = 1, m.award_reason = 3;
    json_t *ev = tt_feed(fx, "WebcastLinkMicBattleItemCard", &m);
    assert_string_equal(TT_STR(ev, "action_name"), "award_card_notice");
    assert_string_equal(TT_STR(ev, "text"), "two cards awarded");
    assert_int_equal(COUNT(ev, "awarded_users"), 2);
    assert_string_equal(TT_STR(AT(ev, "awarded_users", 1), "nickname"), "B");
    assert_int_equal(TT_INT(ev, "award_reason"), 3);
    assert_int_equal(TT_INT(ev, "score"), 500);
    assert_int_equal(TT_INT(ev, "from_user_id"), 2);
    assert_int_equal(TT_INT(ev, "to_anchor_id"), 12);
    assert_int_equal(TT_INT(AT(ev, "affected_anchors", 0), "target_anchor_id"), 12);
}

static void battle_punish_finish(void **state)
{
    tt_fixture *fx = *state;
    Livetap__Webcast__BattleSetting s = LIVETAP__WEBCAST__BATTLE_SETTING__INIT;
    s.has_battle_id = 1, s.battle_id = 4242, s.has_start_time_ms = 1, s.start_time_ms = 1709000000000LL;
    s.has_duration = 1, s.duration = 300, s.has_status = 1, s.status = 4, s.has_channel_id = 1,
    s.channel_id = 9;
    Livetap__Webcast__LinkMicBattlePunishFinish m = LIVETAP__WEBCAST__LINK_MIC_BATTLE_PUNISH_FINISH__INIT;
    m.has_reason = 1, m.reason = 1, m.has_op_uid = 1, m.op_uid = 11, m.battle_settings = &s;
    json_t *ev = tt_feed(fx, "WebcastLinkMicBattlePunishFinish", &m);
    assert_string_equal(TT_TYPE(ev), "battle_task");
    assert_string_equal(TT_STR(ev, "method"), "WebcastLinkMicBattlePunishFinish");
    /* battle and channel from the settings when the top level lacks them */
    assert_int_equal(TT_INT(ev, "battle_id"), 4242);
    assert_int_equal(TT_INT(ev, "channel_id"), 9);
    assert_string_equal(TT_STR(ev, "action_name"), "cut_short");
    assert_int_equal(TT_INT(ev, "operator_user_id"), 11);
    assert_int_equal(TT_INT(ev, "start_time"), 1709000000000LL);
    assert_int_equal(TT_INT(ev, "duration"), 300);
    assert_int_equal(TT_INT(ev, "battle_status"), 4);
    assert_true(IS_NULL(ev, "end_time"));
}

static void battle_task_phases(void **state)
{
    tt_fixture *fx = *state;
    Livetap__Webcast__BattleTaskTargetConfig tc = LIVETAP__WEBCAST__BATTLE_TASK_TARGET_CONFIG__INIT;
    tc.has_progress_target = 1, tc.progress_target = 1000, tc.has_duration = 1, tc.duration = 60;
    Livetap__Webcast__BattleTaskRewardConfig rc = LIVETAP__WEBCAST__BATTLE_TASK_REWARD_CONFIG__INIT;
    rc.has_reward_multiple = 1, rc.reward_multiple = 2;
    Livetap__Webcast__BattleBonusConfig cfg = LIVETAP__WEBCAST__BATTLE_BONUS_CONFIG__INIT;
    cfg.target_config = &tc, cfg.reward_config = &rc;
    Livetap__Webcast__BattleTaskStart st = LIVETAP__WEBCAST__BATTLE_TASK_START__INIT;
    st.config = &cfg;
    Livetap__Webcast__LinkmicBattleTaskMessage m = LIVETAP__WEBCAST__LINKMIC_BATTLE_TASK_MESSAGE__INIT;
    m.has_battle_id = 1, m.battle_id = 4242, m.start = &st;
    json_t *ev = tt_feed(fx, "WebcastLinkmicBattleTaskMessage", &m);
    assert_string_equal(TT_STR(ev, "action_name"), "start");
    assert_int_equal(TT_INT(ev, "target"), 1000);
    assert_int_equal(TT_INT(ev, "task_duration"), 60);
    assert_int_equal(TT_INT(ev, "reward_multiple"), 2);
    assert_true(IS_NULL(ev, "progress"));

    Livetap__Webcast__BattleTaskUpdate up = LIVETAP__WEBCAST__BATTLE_TASK_UPDATE__INIT;
    up.has_progress = 1, up.progress = 640, up.has_from_user_id = 1, up.from_user_id = 77,
    up.prompt_key = "k1";
    m.start = NULL, m.has_task_message_type = 1, m.task_message_type = 1, m.task_update = &up;
    ev = tt_feed(fx, "WebcastLinkmicBattleTaskMessage", &m);
    assert_string_equal(TT_STR(ev, "action_name"), "task_update");
    assert_int_equal(TT_INT(ev, "progress"), 640);
    assert_int_equal(TT_INT(ev, "from_user_id"), 77);
    assert_string_equal(TT_STR(ev, "prompt_key"), "k1");
    assert_true(IS_NULL(ev, "target"));

    Livetap__Webcast__BattlePrompt pr = LIVETAP__WEBCAST__BATTLE_PROMPT__INIT;
    pr.prompt_key = "reward_ok";
    Livetap__Webcast__BattleRewardSettle rw = LIVETAP__WEBCAST__BATTLE_REWARD_SETTLE__INIT;
    rw.prompt = &pr, rw.has_status = 1, rw.status = 1;
    m.task_update = NULL, m.task_message_type = 3, m.reward = &rw;
    ev = tt_feed(fx, "WebcastLinkmicBattleTaskMessage", &m);
    assert_string_equal(TT_STR(ev, "action_name"), "reward_settle");
    assert_int_equal(TT_INT(ev, "result"), 1);
    assert_string_equal(TT_STR(ev, "prompt_key"), "reward_ok");
}

/* ------------------------------------------------------------------ link_state */

static void link_state_guests_and_spots(void **state)
{
    tt_fixture *fx = *state;
    Livetap__Webcast__LinkPlayer p = LIVETAP__WEBCAST__LINK_PLAYER__INIT;
    p.has_user_id = 1, p.user_id = 77, p.has_room_id = 1, p.room_id = 555;
    Livetap__Webcast__LinkPosition lp = LIVETAP__WEBCAST__LINK_POSITION__INIT;
    lp.has_position = 1, lp.position = 2;
    Livetap__Webcast__MicPosition mp = LIVETAP__WEBCAST__MIC_POSITION__INIT;
    mp.link = &lp;
    Livetap__Webcast__LinkUserState us = LIVETAP__WEBCAST__LINK_USER_STATE__INIT;
    us.user = &p, us.pos = &mp, us.has_audio_muted = 1, us.audio_muted = 2, us.has_network_state = 1;
    us.network_state = 3, us.linkmic_id = "lm-77";
    Livetap__Webcast__LinkUserState *users[] = {&us};
    Livetap__Webcast__PosIdentity id = LIVETAP__WEBCAST__POS_IDENTITY__INIT;
    id.has_type = 1, id.type = 3, id.value = "77";
    Livetap__Webcast__MultiGuestSpotExtra sx = LIVETAP__WEBCAST__MULTI_GUEST_SPOT_EXTRA__INIT;
    sx.has_is_enlarged = 1, sx.is_enlarged = 1;
    Livetap__Webcast__SpotInfo spot = LIVETAP__WEBCAST__SPOT_INFO__INIT;
    spot.has_spot_id = 1, spot.spot_id = 1, spot.pos_identity = &id, spot.multi_guest_spot_extra = &sx;
    Livetap__Webcast__SpotInfo *spots[] = {&spot};
    Livetap__Webcast__MultiGuestLayoutExtra lx = LIVETAP__WEBCAST__MULTI_GUEST_LAYOUT_EXTRA__INIT;
    lx.has_current_layout_style = 1, lx.current_layout_style = 3;
    Livetap__Webcast__LinkLayoutState layout = LIVETAP__WEBCAST__LINK_LAYOUT_STATE__INIT;
    layout.layout_id = "grid4", layout.multi_guest_layout_extra = &lx;
    Livetap__Webcast__LinkStateMessage m = LIVETAP__WEBCAST__LINK_STATE_MESSAGE__INIT;
    m.has_channel_id = 1, m.channel_id = 9, m.has_scene = 1, m.scene = 4, m.has_version = 1, m.version = 17;
    m.layout = &layout, m.n_user_states = 1, m.user_states = users, m.n_spot_list = 1, m.spot_list = spots;
    json_t *ev = tt_feed(fx, "WebcastLinkStateMessage", &m);
    assert_string_equal(TT_TYPE(ev), "link_state");
    assert_int_equal(TT_INT(ev, "channel_id"), 9);
    assert_int_equal(TT_INT(ev, "version"), 17);
    assert_string_equal(TT_STR(ev, "layout_id"), "grid4");
    assert_int_equal(TT_INT(ev, "layout_style"), 3);
    json_t *u = AT(ev, "users", 0);
    assert_int_equal(TT_INT(u, "user_id"), 77);
    assert_int_equal(TT_INT(u, "room_id"), 555);
    assert_int_equal(TT_INT(u, "position"), 2);
    assert_int_equal(TT_INT(u, "audio_muted"), 2);
    assert_int_equal(TT_INT(u, "network_state"), 3);
    json_t *s = AT(ev, "spots", 0);
    assert_int_equal(TT_INT(s, "identity_type"), 3);
    assert_string_equal(TT_STR(s, "identity"), "77");
    assert_true(TT_BOOL(s, "enlarged"));
    assert_true(IS_NULL(s, "rank"));

    Livetap__Webcast__JustDanceLayoutExtra jd = LIVETAP__WEBCAST__JUST_DANCE_LAYOUT_EXTRA__INIT;
    jd.just_dance_song_title = "Dance Monkey";
    Livetap__Webcast__MultiGuestBizLayoutExtra mb = LIVETAP__WEBCAST__MULTI_GUEST_BIZ_LAYOUT_EXTRA__INIT;
    mb.just_dance_layout_extra = &jd;
    Livetap__Webcast__BizLayoutState bl = LIVETAP__WEBCAST__BIZ_LAYOUT_STATE__INIT;
    bl.multi_guest_biz_layout_extra = &mb;
    Livetap__Webcast__BizSpotInfo bs = LIVETAP__WEBCAST__BIZ_SPOT_INFO__INIT;
    bs.has_spot_id = 1, bs.spot_id = 4, bs.pos_identity = &id;
    Livetap__Webcast__BizSpotInfo *bss[] = {&bs};
    Livetap__Webcast__LinkMicLayoutStateMessage l = LIVETAP__WEBCAST__LINK_MIC_LAYOUT_STATE_MESSAGE__INIT;
    l.has_channel_id = 1, l.channel_id = 9, l.biz_layout_state = &bl, l.n_biz_spot_list = 1,
    l.biz_spot_list = bss;
    ev = tt_feed(fx, "WebcastLinkMicLayoutStateMessage", &l);
    assert_string_equal(TT_STR(ev, "method"), "WebcastLinkMicLayoutStateMessage");
    assert_string_equal(TT_STR(ev, "song_title"), "Dance Monkey");
    assert_int_equal(TT_INT(AT(ev, "spots", 0), "spot_id"), 4);
    assert_int_equal(COUNT(ev, "users"), 0);

    TT_COMMON(c, "WebcastSpeakerMessage", 88, 1709000000000LL);
    Livetap__Webcast__SpeakerMessage sp = LIVETAP__WEBCAST__SPEAKER_MESSAGE__INIT;
    sp.common = &c;
    ev = tt_feed(fx, "WebcastSpeakerMessage", &sp);
    assert_string_equal(TT_TYPE(ev), "link_state");
    assert_string_equal(TT_STR(ev, "method"), "WebcastSpeakerMessage");
    assert_int_equal(TT_INT(ev, "msg_id"), 88);
    assert_true(IS_NULL(ev, "channel_id"));
}

/* ------------------------------------------------------------------ rank_notice */

static void rank_notices(void **state)
{
    tt_fixture *fx = *state;
    Livetap__Webcast__Text t = make_text("pm_game_rank", "You are now #3 in Gaming");
    Livetap__Webcast__GameRankNotifyMessage g = LIVETAP__WEBCAST__GAME_RANK_NOTIFY_MESSAGE__INIT;
    g.has_msg_type = 1, g.msg_type = 1, g.notify_text = &t;
    json_t *ev = tt_feed(fx, "WebcastGameRankNotifyMessage", &g);
    assert_string_equal(TT_TYPE(ev), "rank_notice");
    assert_int_equal(TT_INT(ev, "msg_type"), 1);
    assert_string_equal(TT_STR(ev, "text"), "You are now #3 in Gaming");
    assert_string_equal(TT_STR(ev, "display_key"), "pm_game_rank");
    assert_true(IS_NULL(ev, "rank_after"));

    TT_USER(u, 77, "mika", "Mika");
    Livetap__Webcast__EmbeddedNotify n = LIVETAP__WEBCAST__EMBEDDED_NOTIFY__INIT;
    n.user = &u, n.content = "Mika won the hourly ranking";
    Livetap__Webcast__RankBorderInfo border = LIVETAP__WEBCAST__RANK_BORDER_INFO__INIT;
    border.has_level = 1, border.level = 2, border.name = "Gold";
    Livetap__Webcast__HourlyRankRewardInfo w = LIVETAP__WEBCAST__HOURLY_RANK_REWARD_INFO__INIT;
    w.has_user_id = 1, w.user_id = 77, w.has_asset_id = 1, w.asset_id = 5, w.notify = &n,
    w.avatar_border = &border;
    Livetap__Webcast__HourlyRankRewardInfo *ws[] = {&w};
    Livetap__Webcast__HourlyRankRewardMessage h = LIVETAP__WEBCAST__HOURLY_RANK_REWARD_MESSAGE__INIT;
    h.n_winners = 1, h.winners = ws;
    ev = tt_feed(fx, "WebcastHourlyRankRewardMessage", &h);
    json_t *win = AT(ev, "winners", 0);
    assert_int_equal(TT_INT(win, "asset_id"), 5);
    assert_string_equal(TT_STR(json_object_get(win, "user"), "nickname"), "Mika");
    assert_string_equal(TT_STR(win, "text"), "Mika won the hourly ranking");
    assert_int_equal(TT_INT(win, "border_level"), 2);
    assert_string_equal(TT_STR(win, "border_name"), "Gold");
    assert_true(IS_NULL(win, "border_icon_url"));

    Livetap__Webcast__Text ct = make_text("pm_rank_text", "Top 3 viewers updated");
    Livetap__Webcast__RankUserEnigmaInfo en = LIVETAP__WEBCAST__RANK_USER_ENIGMA_INFO__INIT;
    en.has_is_enigma_mask_on = 1, en.is_enigma_mask_on = 1;
    Livetap__Webcast__RankTextMessage r = LIVETAP__WEBCAST__RANK_TEXT_MESSAGE__INIT;
    r.has_scene = 1, r.scene = 1, r.has_owner_idx_before_update = 1, r.owner_idx_before_update = 5;
    r.has_owner_idx_after_update = 1, r.owner_idx_after_update = 3, r.content = &ct, r.user_enigma_info = &en;
    r.has_rank_type = 1, r.rank_type = 0;
    ev = tt_feed(fx, "WebcastRankTextMessage", &r);
    assert_int_equal(TT_INT(ev, "rank_before"), 5);
    assert_int_equal(TT_INT(ev, "rank_after"), 3);
    /* an explicit 0 (hourly) is not "absent" */
    assert_false(IS_NULL(ev, "rank_type"));
    assert_int_equal(TT_INT(ev, "rank_type"), 0);
    assert_string_equal(TT_STR(ev, "text"), "Top 3 viewers updated");
    assert_true(TT_BOOL(ev, "enigma_mask"));
}

/* ------------------------------------------------------------------ partnership */

static void partnership_family(void **state)
{
    tt_fixture *fx = *state;
    Livetap__Webcast__PartnershipDropsUpdateMessage d =
        LIVETAP__WEBCAST__PARTNERSHIP_DROPS_UPDATE_MESSAGE__INIT;
    d.has_change_mode = 1, d.change_mode = 2, d.drops_id = "drops-1", d.has_anchor_uid = 1, d.anchor_uid = 11;
    json_t *ev = tt_feed(fx, "WebcastPartnershipDropsUpdateMessage", &d);
    assert_string_equal(TT_TYPE(ev), "partnership");
    assert_int_equal(TT_INT(ev, "change_mode"), 2);
    assert_string_equal(TT_STR(ev, "drops_id"), "drops-1");
    assert_int_equal(TT_INT(ev, "anchor_id"), 11);
    assert_true(IS_NULL(ev, "task_id"));

    Livetap__Webcast__OfflineGameInfo gi = LIVETAP__WEBCAST__OFFLINE_GAME_INFO__INIT;
    gi.game_id = "g-7", gi.task_id = "t-1", gi.has_offline_type = 1, gi.offline_type = 2,
    gi.toast_title = "Ended";
    Livetap__Webcast__OfflineGameInfo *gis[] = {&gi};
    Livetap__Webcast__PartnershipGameOfflineMessage o =
        LIVETAP__WEBCAST__PARTNERSHIP_GAME_OFFLINE_MESSAGE__INIT;
    o.n_offline_game_list = 1, o.offline_game_list = gis;
    ev = tt_feed(fx, "WebcastPartnershipGameOfflineMessage", &o);
    json_t *g = AT(ev, "games", 0);
    assert_string_equal(TT_STR(g, "game_id"), "g-7");
    assert_int_equal(TT_INT(g, "offline_type"), 2);
    assert_string_equal(TT_STR(g, "toast_title"), "Ended");
    assert_true(IS_NULL(g, "toast_text"));

    Livetap__Webcast__PunishEventInfo pi = LIVETAP__WEBCAST__PUNISH_EVENT_INFO__INIT;
    pi.punish_type = "ban_game_partnership", pi.has_punish_type_id = 1, pi.punish_type_id = 25;
    pi.violation_uid_str = "7000000000000000077", pi.has_duration = 1, pi.duration = 86400;
    Livetap__Webcast__PartnershipPunishMessage p = LIVETAP__WEBCAST__PARTNERSHIP_PUNISH_MESSAGE__INIT;
    p.punish_info = &pi;
    ev = tt_feed(fx, "WebcastPartnershipPunishMessage", &p);
    assert_int_equal(TT_INT(ev, "punish_type_id"), 25);
    assert_int_equal(TT_INT(ev, "violation_user_id"), 7000000000000000077LL);
    assert_int_equal(TT_INT(ev, "punish_duration"), 86400);

    /* an id that is not a number is absent, not a made-up 0 */
    pi.violation_uid_str = "77x";
    ev = tt_feed(fx, "WebcastPartnershipPunishMessage", &p);
    assert_true(IS_NULL(ev, "violation_user_id"));

    Livetap__Webcast__Text t = make_text("live_game_intro", "Playing Minecraft");
    Livetap__Webcast__LiveGameIntroMessage i = LIVETAP__WEBCAST__LIVE_GAME_INTRO_MESSAGE__INIT;
    i.content = &t, i.has_with_rank_info = 1, i.with_rank_info = 1;
    ev = tt_feed(fx, "WebcastLiveGameIntroMessage", &i);
    assert_string_equal(TT_STR(ev, "method"), "WebcastLiveGameIntroMessage");
    assert_string_equal(TT_STR(ev, "text"), "Playing Minecraft");
    assert_true(TT_BOOL(ev, "has_rank_info"));
    assert_int_equal(COUNT(ev, "games"), 0);
}

/* ------------------------------------------------------------------ sub_pin, viewer_picks */

static void sub_pin_goal_card(void **state)
{
    tt_fixture *fx = *state;
    Livetap__Webcast__SubPinCardText title = LIVETAP__WEBCAST__SUB_PIN_CARD_TEXT__INIT;
    title.has_type = 1, title.type = 1, title.content = "Sub goal";
    Livetap__Webcast__SubPinCardText gd = LIVETAP__WEBCAST__SUB_PIN_CARD_TEXT__INIT;
    gd.content = "100 subs for a cooking stream";
    Livetap__Webcast__SubGoalPinCard goal = LIVETAP__WEBCAST__SUB_GOAL_PIN_CARD__INIT;
    goal.has_goal_id = 1, goal.goal_id = 3, goal.has_target = 1, goal.target = 100, goal.has_progress = 1;
    goal.progress = 42, goal.desc = &gd;
    Livetap__Webcast__SubPinCard card = LIVETAP__WEBCAST__SUB_PIN_CARD__INIT;
    card.has_id = 1, card.id = 9001, card.has_type = 1, card.type = 2, card.title = &title,
    card.goal_pin_card = &goal;
    Livetap__Webcast__SubPinEventMessage m = LIVETAP__WEBCAST__SUB_PIN_EVENT_MESSAGE__INIT;
    m.has_action_type = 1, m.action_type = 1, m.has_operator_user_id = 1, m.operator_user_id = 11,
    m.card = &card;
    json_t *ev = tt_feed(fx, "WebcastSubPinEventMessage", &m);
    assert_string_equal(TT_TYPE(ev), "sub_pin");
    assert_string_equal(TT_STR(ev, "action_name"), "pin");
    assert_int_equal(TT_INT(ev, "operator_user_id"), 11);
    assert_int_equal(TT_INT(ev, "card_id"), 9001);
    assert_int_equal(TT_INT(ev, "card_type"), 2);
    assert_string_equal(TT_STR(ev, "title"), "Sub goal");
    assert_true(IS_NULL(ev, "description"));
    assert_int_equal(TT_INT(ev, "goal_progress"), 42);
    assert_int_equal(TT_INT(ev, "goal_target"), 100);
    assert_string_equal(TT_STR(ev, "goal_description"), "100 subs for a cooking stream");

    m.action_type = 2, m.card = NULL;
    ev = tt_feed(fx, "WebcastSubPinEventMessage", &m);
    assert_string_equal(TT_STR(ev, "action_name"), "unpin");
    assert_true(IS_NULL(ev, "card_id"));
}

static void viewer_picks_round(void **state)
{
    tt_fixture *fx = *state;
    Livetap__Webcast__GiftPick p1 = LIVETAP__WEBCAST__GIFT_PICK__INIT, p2 = LIVETAP__WEBCAST__GIFT_PICK__INIT;
    p1.has_gift_id = 1, p1.gift_id = 5655, p1.customized_desc = "sing a song", p1.has_gift_price = 1;
    p1.gift_price = 1, p1.has_gift_pick_id = 1, p1.gift_pick_id = 1;
    p2.has_gift_id = 1, p2.gift_id = 6064, p2.gift_pick_id_str = "2", p2.has_is_priority_request = 1;
    p2.is_priority_request = 1;
    Livetap__Webcast__GiftPickWithScore s1 = LIVETAP__WEBCAST__GIFT_PICK_WITH_SCORE__INIT,
                                        s2 = LIVETAP__WEBCAST__GIFT_PICK_WITH_SCORE__INIT;
    s1.gift_pick = &p1, s1.has_score = 1, s1.score = 30;
    s2.gift_pick = &p2, s2.has_score = 1, s2.score = 12;
    Livetap__Webcast__GiftPickWithScore *picks[] = {&s1, &s2};
    Livetap__Webcast__ViewerPicksGameExternal ext = LIVETAP__WEBCAST__VIEWER_PICKS_GAME_EXTERNAL__INIT;
    ext.game_name = "Fortnite";
    Livetap__Webcast__ViewerPicksGame gm = LIVETAP__WEBCAST__VIEWER_PICKS_GAME__INIT;
    gm.external = &ext;
    Livetap__Webcast__ViewerPicksProfileExtra px = LIVETAP__WEBCAST__VIEWER_PICKS_PROFILE_EXTRA__INIT;
    px.game_interaction = &gm;
    Livetap__Webcast__ViewerPicksInfo info = LIVETAP__WEBCAST__VIEWER_PICKS_INFO__INIT;
    info.viewer_picks_id_str = "880", info.has_status = 1, info.status = 1, info.has_round_duration_sec = 1;
    info.round_duration_sec = 300, info.has_with_score = 1, info.with_score = 1, info.n_gift_pick_list = 2;
    info.gift_pick_list = picks, info.extra = &px;
    Livetap__Webcast__ViewerPicksUpdateMessage m = LIVETAP__WEBCAST__VIEWER_PICKS_UPDATE_MESSAGE__INIT;
    m.has_update_type = 1, m.update_type = 2, m.info = &info;
    json_t *ev = tt_feed(fx, "WebcastViewerPicksUpdateMessage", &m);
    assert_string_equal(TT_TYPE(ev), "viewer_picks");
    assert_int_equal(TT_INT(ev, "update_type"), 2);
    assert_int_equal(TT_INT(ev, "viewer_picks_id"), 880);
    assert_int_equal(TT_INT(ev, "round_duration"), 300);
    assert_true(TT_BOOL(ev, "scored"));
    assert_false(TT_BOOL(ev, "timed"));
    assert_string_equal(TT_STR(ev, "game_name"), "Fortnite");
    assert_int_equal(COUNT(ev, "picks"), 2);
    assert_string_equal(TT_STR(AT(ev, "picks", 0), "description"), "sing a song");
    assert_int_equal(TT_INT(AT(ev, "picks", 0), "score"), 30);
    assert_int_equal(TT_INT(AT(ev, "picks", 1), "pick_id"), 2);
    assert_true(TT_BOOL(AT(ev, "picks", 1), "priority_request"));
}

/* ------------------------------------------------------------------ bad input */

/* Each method given bytes that are not its message: unknown, with a reason
 * naming the message, the raw bytes kept. */
static void garbage_goes_to_unknown(void **state)
{
    tt_fixture *fx = *state;
    static const char *const methods[] = {
        "WebcastGiftBroadcastMessage",
        "WebcastGiftDynamicRestrictionMessage",
        "WebcastGiftPanelUpdateMessage",
        "WebcastGiftPromptMessage",
        "WebcastBoostCardMessage",
        "WebcastLinkMicBattleItemCard",
        "WebcastLinkMicBattlePunishFinish",
        "WebcastLinkmicBattleTaskMessage",
        "WebcastLinkStateMessage",
        "WebcastLinkMicLayoutStateMessage",
        "WebcastSpeakerMessage",
        "WebcastGameRankNotifyMessage",
        "WebcastHourlyRankRewardMessage",
        "WebcastRankTextMessage",
        "WebcastPartnershipDropsUpdateMessage",
        "WebcastPartnershipGameOfflineMessage",
        "WebcastPartnershipPunishMessage",
        "WebcastLiveGameIntroMessage",
        "WebcastSubPinEventMessage",
        "WebcastViewerPicksUpdateMessage",
    };
    /* field 1 (common) claims 100 bytes and 3 follow */
    const uint8_t truncated[] = {0x0a, 0x64, 0x08, 0x01, 0x10};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        size_t before = json_array_size(fx->events);
        assert_int_equal(tt_feed_raw(fx, methods[i], truncated, sizeof truncated), 0);
        json_t *ev = json_array_get(fx->events, before);
        assert_string_equal(TT_TYPE(ev), "unknown");
        assert_string_equal(TT_STR(ev, "method"), methods[i]);
        const char *reason = TT_STR(ev, "reason");
        if (!strstr(reason, "decode_error: not a valid"))
            fail_msg("%s: reason %s", methods[i], reason);
    }
    /* a sub-message with the wrong wire type fails the message, not the process */
    const uint8_t wrong_wire[] = {0x18, 0x05}; /* SubPinEvent card (3) sent as a varint */
    assert_int_equal(tt_feed_raw(fx, "WebcastSubPinEventMessage", wrong_wire, sizeof wrong_wire), 0);
    assert_string_equal(TT_TYPE(json_array_get(fx->events, json_array_size(fx->events) - 1)), "unknown");
}

/* ------------------------------------------------------------------ simulator traffic */

typedef struct traffic_tally {
    int family_events; /* events of the seven family types */
    int unknown_known; /* events of a method with a decoder that landed in unknown */
    bool seen[20];
} traffic_tally;

static const char *const family_methods[20] = {
    "WebcastGiftBroadcastMessage",
    "WebcastGiftDynamicRestrictionMessage",
    "WebcastGiftPanelUpdateMessage",
    "WebcastGiftPromptMessage",
    "WebcastBoostCardMessage",
    "WebcastLinkMicBattleItemCard",
    "WebcastLinkMicBattlePunishFinish",
    "WebcastLinkmicBattleTaskMessage",
    "WebcastLinkStateMessage",
    "WebcastLinkMicLayoutStateMessage",
    "WebcastSpeakerMessage",
    "WebcastGameRankNotifyMessage",
    "WebcastHourlyRankRewardMessage",
    "WebcastRankTextMessage",
    "WebcastPartnershipDropsUpdateMessage",
    "WebcastPartnershipGameOfflineMessage",
    "WebcastPartnershipPunishMessage",
    "WebcastLiveGameIntroMessage",
    "WebcastSubPinEventMessage",
    "WebcastViewerPicksUpdateMessage",
};

static const char *event_method(const lt_event *ev)
{
    switch (ev->type) {
    case LT_EVENT_GIFT_NOTICE: return ev->as.gift_notice.method;
    case LT_EVENT_BATTLE_TASK: return ev->as.battle_task.method;
    case LT_EVENT_LINK_STATE: return ev->as.link_state.method;
    case LT_EVENT_RANK_NOTICE: return ev->as.rank_notice.method;
    case LT_EVENT_PARTNERSHIP: return ev->as.partnership.method;
    case LT_EVENT_SUB_PIN: return "WebcastSubPinEventMessage";
    case LT_EVENT_VIEWER_PICKS: return "WebcastViewerPicksUpdateMessage";
    default: return NULL;
    }
}

static int tally_event(const lt_event *ev, void *ctx)
{
    traffic_tally *t = ctx;
    const char *method = event_method(ev);
    if (ev->type == LT_EVENT_UNKNOWN && strcmp(ev->as.unknown.reason, "no_decoder") != 0)
        t->unknown_known++;
    for (int i = 0; method && i < 20; i++)
        if (strcmp(method, family_methods[i]) == 0) {
            t->seen[i] = true;
            t->family_events++;
        }
    return 0;
}

/* The simulator's normal traffic carries every family method, and each one
 * decodes to its family (none reaches unknown). */
static void simulator_traffic_covers_every_family_method(void **state)
{
    tt_fixture *fx = *state;
    lt_sim_room room;
    lt_sim_room_init(&room, 0, 42, "famroom", 7300000000000000001LL, 50);
    lt_sim_message msg = {0};
    traffic_tally t = {0};
    int64_t now = 1709000000000LL;
    for (int i = 0; i < 20000; i++) {
        now += 20;
        assert_int_equal(lt_sim_room_next(&room, now, &msg), 0);
        lt_sim_fetch_spec spec = {.cursor = "c", .now_ms = now, .heartbeat_ms = 10000};
        lt_buf fr = LT_BUF_INIT;
        assert_int_equal(lt_sim_pack_fetch_result(&msg, 1, &spec, &fr), 0);
        lt_tiktok_decoder_feed(fx->dec, fr.data, fr.len, NULL, tally_event, &t);
        lt_buf_free(&fr);
    }
    lt_buf_free(&msg.payload);
    lt_sim_room_free(&room);
    for (int i = 0; i < 20; i++)
        if (!t.seen[i])
            fail_msg("20000 simulated messages without a %s", family_methods[i]);
    assert_int_equal(t.unknown_known, 0);
    /* about 1 % of the traffic */
    assert_in_range(t.family_events, 100, 400);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(gift_broadcast, tt_setup, tt_teardown),
        cmocka_unit_test_setup_teardown(gift_dynamic_restriction_flattens_and_bounds, tt_setup, tt_teardown),
        cmocka_unit_test_setup_teardown(gift_panel_update, tt_setup, tt_teardown),
        cmocka_unit_test_setup_teardown(gift_prompt_and_boost_card, tt_setup, tt_teardown),
        cmocka_unit_test_setup_teardown(battle_item_card_follows_msg_type, tt_setup, tt_teardown),
        cmocka_unit_test_setup_teardown(battle_item_card_award_and_effect_notice, tt_setup, tt_teardown),
        cmocka_unit_test_setup_teardown(battle_punish_finish, tt_setup, tt_teardown),
        cmocka_unit_test_setup_teardown(battle_task_phases, tt_setup, tt_teardown),
        cmocka_unit_test_setup_teardown(link_state_guests_and_spots, tt_setup, tt_teardown),
        cmocka_unit_test_setup_teardown(rank_notices, tt_setup, tt_teardown),
        cmocka_unit_test_setup_teardown(partnership_family, tt_setup, tt_teardown),
        cmocka_unit_test_setup_teardown(sub_pin_goal_card, tt_setup, tt_teardown),
        cmocka_unit_test_setup_teardown(viewer_picks_round, tt_setup, tt_teardown),
        cmocka_unit_test_setup_teardown(garbage_goes_to_unknown, tt_setup, tt_teardown),
        cmocka_unit_test_setup_teardown(simulator_traffic_covers_every_family_method, tt_setup, tt_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
