/* test_tiktok_messages_notice.c - the notice, moderation and
 * unauthorized_member types: each of their 14 methods decodes to its type
 * with its fields (built with protobuf-c, fed through the decoder), the
 * fallbacks each mapper documents, nullability across the methods of one
 * topic, and bad payloads going to unknown with a reason. */
#include "unit/tiktok_test_util.h"

#define TT_NULL(obj, key) json_is_null(json_object_get((obj), (key)))

/* A display text with one user piece: "{0:user} <rest>". */
typedef struct text_store {
    Livetap__Webcast__Text text;
    Livetap__Webcast__TextPiece piece, *pieces[1];
    Livetap__Webcast__TextPieceUser piece_user;
} text_store;

static Livetap__Webcast__Text *make_text(text_store *s, const char *key, const char *pattern,
                                         Livetap__Webcast__User *user)
{
    livetap__webcast__text__init(&s->text);
    s->text.key = (char *)key;
    s->text.default_pattern = (char *)pattern;
    if (user) {
        livetap__webcast__text_piece__init(&s->piece);
        livetap__webcast__text_piece_user__init(&s->piece_user);
        s->piece_user.user = user;
        s->piece.user_value = &s->piece_user;
        s->pieces[0] = &s->piece;
        s->text.pieces = s->pieces;
        s->text.n_pieces = 1;
    }
    return &s->text;
}

static Livetap__Webcast__PunishEventInfo punish_info(void)
{
    Livetap__Webcast__PunishEventInfo p = LIVETAP__WEBCAST__PUNISH_EVENT_INFO__INIT;
    p.punish_id = "pn-77", p.punish_type = "ban", p.punish_reason = "spam",
    p.show_reason = "Spam in comments";
    p.has_violation_uid = 1, p.violation_uid = 6800000000000000001LL;
    p.has_punish_type_id = 1, p.punish_type_id = 9;
    p.has_duration = 1, p.duration = 600, p.has_end_time = 1, p.end_time = 1709140600;
    p.punish_perception_code = "pc-1";
    return p;
}

static void assert_punishment(json_t *p)
{
    assert_true(json_is_object(p));
    assert_string_equal(TT_STR(p, "punish_id"), "pn-77");
    assert_string_equal(TT_STR(p, "type"), "ban");
    assert_int_equal(TT_INT(p, "type_id"), 9);
    assert_string_equal(TT_STR(p, "type_name"), "ban_linkmic");
    assert_string_equal(TT_STR(p, "reason"), "spam");
    assert_string_equal(TT_STR(p, "show_reason"), "Spam in comments");
    assert_int_equal(TT_INT(p, "violation_user_id"), 6800000000000000001LL);
    assert_int_equal(TT_INT(p, "duration"), 600);
    assert_int_equal(TT_INT(p, "end_time"), 1709140600);
    assert_string_equal(TT_STR(p, "perception_code"), "pc-1");
}

static void notice_and_system(void **state)
{
    tt_fixture *fx = *state;
    TT_COMMON(common, "WebcastNoticeMessage", 555, 1709140000000LL);
    text_store title, reason, tips, shown;
    Livetap__Webcast__NoticeMessage m = LIVETAP__WEBCAST__NOTICE_MESSAGE__INIT;
    m.common = &common;
    m.content = "Your LIVE may be restricted";
    m.display_text = make_text(&shown, "live_notice_restrict", "Shown text", NULL);
    m.title = make_text(&title, NULL, "Community guidelines", NULL);
    m.violation_reason = make_text(&reason, NULL, "Dangerous acts", NULL);
    m.tips_title = make_text(&tips, NULL, "Learn more", NULL);
    m.tips_url = "https://www.tiktok.com/community-guidelines";
    m.has_notice_type = 1, m.notice_type = 3;
    m.scene = "live_room";
    json_t *ev = tt_feed(fx, "WebcastNoticeMessage", &m);
    assert_string_equal(TT_TYPE(ev), "notice");
    assert_string_equal(TT_STR(ev, "method"), "WebcastNoticeMessage");
    assert_int_equal(TT_INT(ev, "msg_id"), 555);
    assert_int_equal(TT_INT(ev, "event_time"), 1709140000000LL);
    assert_string_equal(TT_STR(ev, "text"), "Your LIVE may be restricted");
    assert_string_equal(TT_STR(ev, "display_key"), "live_notice_restrict");
    assert_string_equal(TT_STR(ev, "title"), "Community guidelines");
    assert_string_equal(TT_STR(ev, "reason"), "Dangerous acts");
    assert_string_equal(TT_STR(ev, "link_text"), "Learn more");
    assert_string_equal(TT_STR(ev, "link"), "https://www.tiktok.com/community-guidelines");
    assert_int_equal(TT_INT(ev, "type_code"), 3);
    assert_string_equal(TT_STR(ev, "scene"), "live_room");
    /* what only other methods carry is null, or empty */
    assert_true(TT_NULL(ev, "user"));
    assert_true(TT_NULL(ev, "punishment"));
    assert_true(TT_NULL(ev, "display_duration_ms"));
    assert_true(TT_NULL(ev, "gift_id"));
    assert_int_equal(json_array_size(json_object_get(ev, "texts")), 0);

    /* the newer layout: the body and title only in notice_content / notice_title */
    text_store body, title2;
    m.content = NULL, m.display_text = NULL, m.title = NULL;
    m.notice_content = make_text(&body, NULL, "Body from notice_content", NULL);
    m.notice_title = make_text(&title2, NULL, "Title from notice_title", NULL);
    m.has_notice_type = 0;
    ev = tt_feed(fx, "WebcastNoticeMessage", &m);
    assert_string_equal(TT_STR(ev, "text"), "Body from notice_content");
    assert_string_equal(TT_STR(ev, "title"), "Title from notice_title");
    /* a kind code absent on the wire is 0 (zeros are not sent), not null */
    assert_int_equal(TT_INT(ev, "type_code"), 0);
    assert_false(TT_NULL(ev, "type_code"));

    Livetap__Webcast__SystemMessage sys = LIVETAP__WEBCAST__SYSTEM_MESSAGE__INIT;
    sys.message = "Welcome to TikTok LIVE! Have fun interacting with others in real time.";
    ev = tt_feed(fx, "WebcastSystemMessage", &sys);
    assert_string_equal(TT_TYPE(ev), "notice");
    assert_string_equal(TT_STR(ev, "method"), "WebcastSystemMessage");
    assert_string_equal(TT_STR(ev, "text"), sys.message);
    assert_true(TT_NULL(ev, "type_code"));
    assert_true(TT_NULL(ev, "display_key"));
}

static void toast_and_bottom(void **state)
{
    tt_fixture *fx = *state;
    /* a toast's text is the common header's display text */
    TT_USER(user, 42, "lucky", "Lucky");
    text_store shown;
    TT_COMMON(common, "WebcastToastMessage", 9, 1709140000000LL);
    common.display_text = make_text(&shown, "live_toast_gift", "{0:user} sent a gift!", &user);
    Livetap__Webcast__ToastMessage t = LIVETAP__WEBCAST__TOAST_MESSAGE__INIT;
    t.common = &common;
    t.has_display_duration_ms = 1, t.display_duration_ms = 3000;
    t.has_delay_display_duration_ms = 1, t.delay_display_duration_ms = 500;
    t.scene = "gift";
    json_t *ev = tt_feed(fx, "WebcastToastMessage", &t);
    assert_string_equal(TT_TYPE(ev), "notice");
    assert_string_equal(TT_STR(ev, "method"), "WebcastToastMessage");
    assert_string_equal(TT_STR(ev, "text"), "Lucky sent a gift!");
    assert_string_equal(TT_STR(ev, "display_key"), "live_toast_gift");
    assert_int_equal(TT_INT(ev, "display_duration_ms"), 3000);
    assert_int_equal(TT_INT(ev, "display_delay_ms"), 500);
    assert_string_equal(TT_STR(ev, "scene"), "gift");
    /* other numbers are null when not sent */
    t.has_delay_display_duration_ms = 0;
    ev = tt_feed(fx, "WebcastToastMessage", &t);
    assert_true(TT_NULL(ev, "display_delay_ms"));

    Livetap__Webcast__PunishEventInfo p = punish_info();
    Livetap__Webcast__BottomMessage b = LIVETAP__WEBCAST__BOTTOM_MESSAGE__INIT;
    b.content = "Comments are limited for 10 minutes";
    b.has_duration = 1, b.duration = 10;
    b.has_biz_type = 1, b.biz_type = 5;
    b.has_violation_user_id = 1, b.violation_user_id = 6800000000000000001LL;
    b.punish_info = &p;
    b.detail_url = "sslocal://webcast_lynxview?url=rules";
    ev = tt_feed(fx, "WebcastBottomMessage", &b);
    assert_string_equal(TT_TYPE(ev), "notice");
    assert_string_equal(TT_STR(ev, "method"), "WebcastBottomMessage");
    assert_string_equal(TT_STR(ev, "text"), "Comments are limited for 10 minutes");
    assert_int_equal(TT_INT(ev, "duration"), 10);
    assert_int_equal(TT_INT(ev, "type_code"), 5);
    assert_string_equal(TT_STR(ev, "type_name"), "ags_at_risk_of_unable_to_comment");
    assert_int_equal(TT_INT(ev, "violation_user_id"), 6800000000000000001LL);
    assert_string_equal(TT_STR(ev, "link"), "sslocal://webcast_lynxview?url=rules");
    assert_punishment(json_object_get(ev, "punishment"));

    /* an unknown type code keeps its number, without a word; the id as text
     * stands in for a missing numeric one */
    b.biz_type = 42;
    p.has_violation_uid = 0, p.violation_uid_str = "6800000000000000002";
    p.punish_type_id = 1234;
    ev = tt_feed(fx, "WebcastBottomMessage", &b);
    assert_int_equal(TT_INT(ev, "type_code"), 42);
    assert_true(TT_NULL(ev, "type_name"));
    json_t *pj = json_object_get(ev, "punishment");
    assert_int_equal(TT_INT(pj, "violation_user_id"), 6800000000000000002LL);
    assert_int_equal(TT_INT(pj, "type_id"), 1234);
    assert_true(TT_NULL(pj, "type_name"));
}

static void room_notify_and_marquee(void **state)
{
    tt_fixture *fx = *state;
    TT_USER(user, 61, "vip_fan", "VIP Fan");
    char *bg_urls[] = {"https://p16-webcast.tiktokcdn.com/bg.png"};
    Livetap__Webcast__RoomNotifyBackground bg = LIVETAP__WEBCAST__ROOM_NOTIFY_BACKGROUND__INIT;
    bg.url_list = bg_urls, bg.n_url_list = 1;
    Livetap__Webcast__RoomNotifyExtra extra = LIVETAP__WEBCAST__ROOM_NOTIFY_EXTRA__INIT;
    extra.has_duration = 1, extra.duration = 5, extra.background = &bg;
    Livetap__Webcast__RoomNotifyMessage n = LIVETAP__WEBCAST__ROOM_NOTIFY_MESSAGE__INIT;
    n.schema = "sslocal://webcast_room?room_id=1";
    n.has_notify_type = 1, n.notify_type = 2;
    n.content = "VIP Fan gifted a subscription";
    n.user = &user;
    n.extra = &extra;
    n.has_notify_class = 1, n.notify_class = 7;
    n.source = "gift_sub";
    n.has_from_user_id = 1, n.from_user_id = 61;
    n.has_to_anchor_id = 1, n.to_anchor_id = 99;
    json_t *ev = tt_feed(fx, "WebcastRoomNotifyMessage", &n);
    assert_string_equal(TT_TYPE(ev), "notice");
    assert_string_equal(TT_STR(ev, "method"), "WebcastRoomNotifyMessage");
    assert_string_equal(TT_STR(ev, "text"), "VIP Fan gifted a subscription");
    assert_string_equal(TT_STR(ev, "link"), "sslocal://webcast_room?room_id=1");
    assert_int_equal(TT_INT(ev, "type_code"), 2);
    assert_string_equal(TT_STR(json_object_get(ev, "user"), "unique_id"), "vip_fan");
    assert_int_equal(TT_INT(ev, "duration"), 5);
    assert_string_equal(TT_STR(ev, "image_url"), "https://p16-webcast.tiktokcdn.com/bg.png");
    assert_int_equal(TT_INT(ev, "notify_class"), 7);
    assert_string_equal(TT_STR(ev, "source"), "gift_sub");
    assert_int_equal(TT_INT(ev, "from_user_id"), 61);
    assert_int_equal(TT_INT(ev, "to_anchor_id"), 99);

    /* a marquee: the first announcement fills the RoomNotify fields, every
     * announcement's text is kept in order ("" for one without) */
    Livetap__Webcast__RoomNotifyMessage second = LIVETAP__WEBCAST__ROOM_NOTIFY_MESSAGE__INIT;
    Livetap__Webcast__MarqueeEntity e1 = LIVETAP__WEBCAST__MARQUEE_ENTITY__INIT;
    Livetap__Webcast__MarqueeEntity e2 = LIVETAP__WEBCAST__MARQUEE_ENTITY__INIT;
    Livetap__Webcast__MarqueeEntity e3 = LIVETAP__WEBCAST__MARQUEE_ENTITY__INIT;
    second.content = "Weekly ranking starts now";
    e1.notify = &n, e2.notify = &second; /* e3 has none */
    Livetap__Webcast__MarqueeEntity *entities[] = {&e1, &e2, &e3};
    Livetap__Webcast__MarqueeAnnouncementMessage mq = LIVETAP__WEBCAST__MARQUEE_ANNOUNCEMENT_MESSAGE__INIT;
    mq.message_scene = "marquee_top";
    mq.message_entity = entities, mq.n_message_entity = 3;
    ev = tt_feed(fx, "WebcastMarqueeAnnouncementMessage", &mq);
    assert_string_equal(TT_TYPE(ev), "notice");
    assert_string_equal(TT_STR(ev, "method"), "WebcastMarqueeAnnouncementMessage");
    assert_string_equal(TT_STR(ev, "scene"), "marquee_top");
    assert_string_equal(TT_STR(ev, "text"), "VIP Fan gifted a subscription");
    assert_int_equal(TT_INT(json_object_get(ev, "user"), "id"), 61);
    json_t *texts = json_object_get(ev, "texts");
    assert_int_equal(json_array_size(texts), 3);
    assert_string_equal(json_string_value(json_array_get(texts, 1)), "Weekly ranking starts now");
    assert_string_equal(json_string_value(json_array_get(texts, 2)), "");
}

/* More announcements than livetap copies: the list is cut, not trusted. */
static void marquee_count_is_bounded(void **state)
{
    tt_fixture *fx = *state;
    enum { MANY = 100 };
    Livetap__Webcast__RoomNotifyMessage n = LIVETAP__WEBCAST__ROOM_NOTIFY_MESSAGE__INIT;
    n.content = "x";
    Livetap__Webcast__MarqueeEntity e = LIVETAP__WEBCAST__MARQUEE_ENTITY__INIT;
    e.notify = &n;
    Livetap__Webcast__MarqueeEntity *entities[MANY];
    for (int i = 0; i < MANY; i++)
        entities[i] = &e;
    Livetap__Webcast__MarqueeAnnouncementMessage mq = LIVETAP__WEBCAST__MARQUEE_ANNOUNCEMENT_MESSAGE__INIT;
    mq.message_entity = entities, mq.n_message_entity = MANY;
    json_t *ev = tt_feed(fx, "WebcastMarqueeAnnouncementMessage", &mq);
    assert_string_equal(TT_TYPE(ev), "notice");
    assert_int_equal(json_array_size(json_object_get(ev, "texts")), 32);
}

static void guide_and_capsule(void **state)
{
    tt_fixture *fx = *state;
    Livetap__Webcast__GuideMessage g = LIVETAP__WEBCAST__GUIDE_MESSAGE__INIT;
    g.has_guide_type = 1, g.guide_type = 4;
    g.has_gift_id = 1, g.gift_id = 5655;
    g.description = "Send a Rose to support the host";
    g.has_duration = 1, g.duration = 8;
    g.scene = "gift_guide";
    json_t *ev = tt_feed(fx, "WebcastGuideMessage", &g);
    assert_string_equal(TT_TYPE(ev), "notice");
    assert_string_equal(TT_STR(ev, "method"), "WebcastGuideMessage");
    assert_string_equal(TT_STR(ev, "text"), "Send a Rose to support the host");
    assert_int_equal(TT_INT(ev, "type_code"), 4);
    assert_int_equal(TT_INT(ev, "gift_id"), 5655);
    assert_int_equal(TT_INT(ev, "duration"), 8);
    assert_string_equal(TT_STR(ev, "scene"), "gift_guide");

    char *icon_urls[] = {"https://p16-webcast.tiktokcdn.com/capsule.png"};
    Livetap__Webcast__Image icon = LIVETAP__WEBCAST__IMAGE__INIT;
    icon.url_list = icon_urls, icon.n_url_list = 1;
    text_store desc, button;
    Livetap__Webcast__CapsuleMessage c = LIVETAP__WEBCAST__CAPSULE_MESSAGE__INIT;
    c.icon = &icon;
    c.desc = make_text(&desc, "live_capsule_cohost", "Invite a friend to co-host", NULL);
    c.button_text = make_text(&button, NULL, "Invite", NULL);
    c.schema = "sslocal://cohost_invite";
    c.has_type = 1, c.type = 12;
    c.scene = "cohost", c.sub_scene = "friend";
    ev = tt_feed(fx, "WebcastCapsuleMessage", &c);
    assert_string_equal(TT_TYPE(ev), "notice");
    assert_string_equal(TT_STR(ev, "method"), "WebcastCapsuleMessage");
    assert_string_equal(TT_STR(ev, "text"), "Invite a friend to co-host");
    assert_string_equal(TT_STR(ev, "display_key"), "live_capsule_cohost");
    assert_string_equal(TT_STR(ev, "link_text"), "Invite");
    assert_string_equal(TT_STR(ev, "link"), "sslocal://cohost_invite");
    assert_string_equal(TT_STR(ev, "image_url"), "https://p16-webcast.tiktokcdn.com/capsule.png");
    assert_int_equal(TT_INT(ev, "type_code"), 12);
    assert_string_equal(TT_STR(ev, "scene"), "cohost");
    assert_string_equal(TT_STR(ev, "sub_scene"), "friend");
}

static void access_control_recall_verify(void **state)
{
    tt_fixture *fx = *state;
    Livetap__Webcast__AccessControlCaptcha cap = LIVETAP__WEBCAST__ACCESS_CONTROL_CAPTCHA__INIT;
    cap.has_captcha_record_id = 1, cap.captcha_record_id = 7301;
    cap.has_room_id = 1, cap.room_id = 7340691647148018438LL;
    cap.has_verify_duration_s = 1, cap.verify_duration_s = 120;
    Livetap__Webcast__AccessControlMessage ac = LIVETAP__WEBCAST__ACCESS_CONTROL_MESSAGE__INIT;
    ac.captcha = &cap;
    json_t *ev = tt_feed(fx, "WebcastAccessControlMessage", &ac);
    assert_string_equal(TT_TYPE(ev), "moderation");
    assert_string_equal(TT_STR(ev, "method"), "WebcastAccessControlMessage");
    assert_int_equal(TT_INT(ev, "captcha_id"), 7301);
    assert_int_equal(TT_INT(ev, "target_room_id"), 7340691647148018438LL);
    assert_int_equal(TT_INT(ev, "verify_duration_s"), 120);
    assert_false(TT_BOOL(ev, "close_room"));
    assert_true(TT_NULL(ev, "punishment"));
    assert_true(TT_NULL(ev, "status"));

    Livetap__Webcast__PunishEventInfo p = punish_info();
    text_store notice, content;
    Livetap__Webcast__AccessRecallMessage ar = LIVETAP__WEBCAST__ACCESS_RECALL_MESSAGE__INIT;
    ar.has_status = 1, ar.status = 2;
    ar.has_duration = 1, ar.duration = 3600;
    ar.has_end_time = 1, ar.end_time = 1709143600;
    ar.scene = "recall";
    ar.notice = make_text(&notice, NULL, "Access restored", NULL);
    ar.content = make_text(&content, "live_access_recall", "You can go LIVE again", NULL);
    ar.punish_info = &p;
    ev = tt_feed(fx, "WebcastAccessRecallMessage", &ar);
    assert_string_equal(TT_TYPE(ev), "moderation");
    assert_string_equal(TT_STR(ev, "method"), "WebcastAccessRecallMessage");
    assert_int_equal(TT_INT(ev, "status"), 2);
    assert_int_equal(TT_INT(ev, "duration"), 3600);
    assert_int_equal(TT_INT(ev, "end_time"), 1709143600);
    assert_string_equal(TT_STR(ev, "scene"), "recall");
    assert_string_equal(TT_STR(ev, "title"), "Access restored");
    assert_string_equal(TT_STR(ev, "text"), "You can go LIVE again");
    assert_string_equal(TT_STR(ev, "display_key"), "live_access_recall");
    assert_punishment(json_object_get(ev, "punishment"));

    Livetap__Webcast__RoomVerifyMessage rv = LIVETAP__WEBCAST__ROOM_VERIFY_MESSAGE__INIT;
    rv.has_action = 1, rv.action = 1;
    rv.content = "This LIVE has been closed for review";
    rv.has_notice_type = 1, rv.notice_type = 6;
    rv.has_close_room = 1, rv.close_room = 1;
    ev = tt_feed(fx, "WebcastRoomVerifyMessage", &rv);
    assert_string_equal(TT_TYPE(ev), "moderation");
    assert_string_equal(TT_STR(ev, "method"), "WebcastRoomVerifyMessage");
    assert_int_equal(TT_INT(ev, "action"), 1);
    assert_string_equal(TT_STR(ev, "text"), "This LIVE has been closed for review");
    assert_int_equal(TT_INT(ev, "type_code"), 6);
    assert_true(TT_BOOL(ev, "close_room"));
}

static void msg_detect_and_perception(void **state)
{
    tt_fixture *fx = *state;
    Livetap__Webcast__MsgDetectMessage md = LIVETAP__WEBCAST__MSG_DETECT_MESSAGE__INIT;
    md.has_d_type = 1, md.d_type = 2;
    md.has_trigger_by = 1, md.trigger_by = 1;
    md.from_region = "EU";
    json_t *ev = tt_feed(fx, "WebcastMsgDetectMessage", &md);
    assert_string_equal(TT_TYPE(ev), "moderation");
    assert_string_equal(TT_STR(ev, "method"), "WebcastMsgDetectMessage");
    assert_int_equal(TT_INT(ev, "type_code"), 2);
    assert_int_equal(TT_INT(ev, "trigger"), 1);
    assert_string_equal(TT_STR(ev, "region"), "EU");

    text_store title, sub, toast, reason, restriction;
    Livetap__Webcast__PerceptionDialog d = LIVETAP__WEBCAST__PERCEPTION_DIALOG__INIT;
    d.title = make_text(&title, NULL, "Your LIVE has a warning", NULL);
    d.sub_title = make_text(&sub, "live_perception_sub", "Multi-guest is off for 1 hour", NULL);
    d.violation_detail_url = "https://www.tiktok.com/safety/violation";
    d.has_target_user_id = 1, d.target_user_id = 99;
    d.has_target_room_id = 1, d.target_room_id = 7340691647148018438LL;
    d.has_count_down_time = 1, d.count_down_time = 3600;
    Livetap__Webcast__PerceptionSheet sheet = LIVETAP__WEBCAST__PERCEPTION_SHEET__INIT;
    sheet.reason_info = make_text(&reason, NULL, "Minor safety", NULL);
    sheet.not_allowed_text = make_text(&restriction, NULL, "Inviting guests", NULL);
    Livetap__Webcast__PunishEventInfo p = punish_info();
    Livetap__Webcast__PerceptionMessage pm = LIVETAP__WEBCAST__PERCEPTION_MESSAGE__INIT;
    pm.dialog = &d, pm.sheet = &sheet, pm.punish_info = &p;
    pm.has_end_time = 1, pm.end_time = 1709143600;
    pm.has_show_violation_warning = 1, pm.show_violation_warning = 1;
    pm.toast = make_text(&toast, NULL, "Warning received", NULL);
    ev = tt_feed(fx, "WebcastPerceptionMessage", &pm);
    assert_string_equal(TT_TYPE(ev), "moderation");
    assert_string_equal(TT_STR(ev, "method"), "WebcastPerceptionMessage");
    assert_string_equal(TT_STR(ev, "title"), "Your LIVE has a warning");
    assert_string_equal(TT_STR(ev, "text"), "Multi-guest is off for 1 hour");
    assert_string_equal(TT_STR(ev, "display_key"), "live_perception_sub");
    assert_string_equal(TT_STR(ev, "link"), "https://www.tiktok.com/safety/violation");
    assert_int_equal(TT_INT(ev, "target_user_id"), 99);
    assert_int_equal(TT_INT(ev, "target_room_id"), 7340691647148018438LL);
    assert_int_equal(TT_INT(ev, "countdown"), 3600);
    assert_string_equal(TT_STR(ev, "reason"), "Minor safety");
    assert_string_equal(TT_STR(ev, "restriction"), "Inviting guests");
    assert_string_equal(TT_STR(ev, "short_text"), "Warning received");
    assert_int_equal(TT_INT(ev, "end_time"), 1709143600);
    assert_true(TT_BOOL(ev, "violation_warning"));
    assert_punishment(json_object_get(ev, "punishment"));

    /* without a toast the floating label's text stands in */
    text_store floating;
    pm.toast = NULL;
    pm.float_text = make_text(&floating, NULL, "LIVE restricted", NULL);
    ev = tt_feed(fx, "WebcastPerceptionMessage", &pm);
    assert_string_equal(TT_STR(ev, "short_text"), "LIVE restricted");
}

static void unauthorized_member(void **state)
{
    tt_fixture *fx = *state;
    text_store prefix, enter;
    Livetap__Webcast__UnauthorizedMemberMessage u = LIVETAP__WEBCAST__UNAUTHORIZED_MEMBER_MESSAGE__INIT;
    u.has_action = 1, u.action = 1;
    u.nick_name = "us***r";
    u.nick_name_prefix = make_text(&prefix, NULL, "Viewer", NULL);
    u.enter_text = make_text(&enter, "live_room_enter_toast_anonymous", "joined", NULL);
    json_t *ev = tt_feed(fx, "WebcastUnauthorizedMemberMessage", &u);
    assert_string_equal(TT_TYPE(ev), "unauthorized_member");
    assert_int_equal(TT_INT(ev, "action"), 1);
    assert_string_equal(TT_STR(ev, "nickname"), "us***r");
    assert_string_equal(TT_STR(ev, "nickname_prefix"), "Viewer");
    assert_string_equal(TT_STR(ev, "text"), "joined");
    assert_string_equal(TT_STR(ev, "display_key"), "live_room_enter_toast_anonymous");
    /* not a member event: no user record, so no join is counted by user */
    assert_null(json_object_get(ev, "user"));
    assert_int_equal(lt_tiktok_decoder_stats_get(fx->dec)->by_type[LT_EVENT_MEMBER], 0);
}

/* Every method of the family: a payload that is not its message (a length
 * running past the end, a wrong wire type on a declared field) becomes an
 * unknown record with the reason and the raw bytes, and the next message of
 * the same fetch result still decodes. */
static void bad_payloads_go_to_unknown(void **state)
{
    tt_fixture *fx = *state;
    static const char *const family[] = {
        "WebcastNoticeMessage",        "WebcastSystemMessage",
        "WebcastToastMessage",         "WebcastBottomMessage",
        "WebcastRoomNotifyMessage",    "WebcastMarqueeAnnouncementMessage",
        "WebcastGuideMessage",         "WebcastCapsuleMessage",
        "WebcastAccessControlMessage", "WebcastAccessRecallMessage",
        "WebcastRoomVerifyMessage",    "WebcastMsgDetectMessage",
        "WebcastPerceptionMessage",    "WebcastUnauthorizedMemberMessage",
    };
    /* field 2 as a 200-byte string, with 3 bytes there */
    static const uint8_t truncated[] = {0x12, 0xc8, 0x01, 'a', 'b', 'c'};
    /* field 2 with wire type 5 (fixed32): every family's field 2 is a varint or length-delimited */
    static const uint8_t wrong_wire[] = {0x15, 1, 2, 3, 4};
    const uint8_t *bad[] = {truncated, wrong_wire};
    const size_t bad_len[] = {sizeof truncated, sizeof wrong_wire};
    for (size_t i = 0; i < sizeof family / sizeof family[0]; i++) {
        for (size_t k = 0; k < 2; k++) {
            const char *methods[] = {family[i], "WebcastSystemMessage"};
            Livetap__Webcast__SystemMessage ok = LIVETAP__WEBCAST__SYSTEM_MESSAGE__INIT;
            ok.message = "still decoded";
            size_t ok_len;
            uint8_t *ok_bytes = tt_pack(&ok, &ok_len);
            const uint8_t *payloads[] = {bad[k], ok_bytes};
            const size_t lens[] = {bad_len[k], ok_len};
            size_t flen, before = json_array_size(fx->events);
            uint8_t *fr = tt_fetch_result(2, methods, payloads, lens, &flen);
            assert_int_equal(lt_tiktok_decoder_feed(fx->dec, fr, flen, NULL, tt_collect, fx), 0);
            free(fr);
            free(ok_bytes);
            assert_int_equal(json_array_size(fx->events), before + 2);
            json_t *ev = json_array_get(fx->events, before);
            if (strcmp(TT_TYPE(ev), "unknown") != 0)
                fail_msg("%s with bad payload %zu became %s", family[i], k, TT_TYPE(ev));
            assert_string_equal(TT_STR(ev, "method"), family[i]);
            assert_non_null(strstr(TT_STR(ev, "reason"), "decode_error: not a valid"));
            assert_string_equal(TT_STR(json_array_get(fx->events, before + 1), "text"), "still decoded");
        }
    }
    assert_int_equal(lt_tiktok_decoder_stats_get(fx->dec)->decode_errors, 28);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, tt_setup, tt_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(notice_and_system),         T(toast_and_bottom),    T(room_notify_and_marquee),
        T(marquee_count_is_bounded),  T(guide_and_capsule),   T(access_control_recall_verify),
        T(msg_detect_and_perception), T(unauthorized_member), T(bad_payloads_go_to_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
