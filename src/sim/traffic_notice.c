/* traffic_notice.c - the simulator's notices, moderation messages and
 * anonymous joins (see traffic.h): the 14 methods of livetap's notice,
 * moderation and unauthorized_member topics, each with the fields those
 * topics map, so that demos, benchmarks and fault tests exercise their
 * decoders. Everything is derived from one random draw the caller makes, so
 * a room's traffic stays a function of its seed.
 */
#include "sim/traffic.h"

#include <stdio.h>

#include "webcast.pb-c.h"

/* Storage for one message's sub-messages while it is packed. */
typedef struct notice_store {
    Livetap__Webcast__Text texts[4];
    Livetap__Webcast__User user;
    Livetap__Webcast__PunishEventInfo punish;
    Livetap__Webcast__RoomNotifyMessage notify;
    Livetap__Webcast__RoomNotifyExtra extra;
    Livetap__Webcast__MarqueeEntity entity;
    Livetap__Webcast__MarqueeEntity *entities[1];
    Livetap__Webcast__Image image;
    char *urls[1];
    Livetap__Webcast__AccessControlCaptcha captcha;
    Livetap__Webcast__PerceptionDialog dialog;
    Livetap__Webcast__PerceptionSheet sheet;
    char handle[32], masked[32], punish_id[32];
} notice_store;

static Livetap__Webcast__Text *text(notice_store *s, int i, const char *key, const char *pattern)
{
    livetap__webcast__text__init(&s->texts[i]);
    s->texts[i].key = (char *)key;
    s->texts[i].default_pattern = (char *)pattern;
    return &s->texts[i];
}

static Livetap__Webcast__PunishEventInfo *punishment(notice_store *s, uint64_t draw, int64_t now_ms)
{
    livetap__webcast__punish_event_info__init(&s->punish);
    snprintf(s->punish_id, sizeof s->punish_id, "pn-%u", (unsigned)(draw % 100000));
    s->punish.punish_id = s->punish_id;
    s->punish.punish_type = "ban_linkmic";
    s->punish.punish_reason = "multi-guest policy";
    s->punish.has_punish_type_id = s->punish.has_duration = s->punish.has_end_time = 1;
    s->punish.punish_type_id = 9;
    s->punish.duration = 3600;
    s->punish.end_time = now_ms / 1000 + 3600;
    return &s->punish;
}

static void room_notify(notice_store *s, uint64_t draw, Livetap__Webcast__Common *c)
{
    static const char *const nicknames[] = {"Mika", "Jonas", "Aylin", "Sven"};
    int n = (int)(draw % 5000);
    livetap__webcast__room_notify_message__init(&s->notify);
    livetap__webcast__user__init(&s->user);
    livetap__webcast__room_notify_extra__init(&s->extra);
    s->user.has_id = 1;
    s->user.id = 6800000000000000000LL + n;
    s->user.nickname = (char *)nicknames[n % 4];
    snprintf(s->handle, sizeof s->handle, "viewer_%d", n);
    s->user.display_id = s->handle;
    s->extra.has_duration = 1;
    s->extra.duration = 5;
    s->notify.common = c;
    s->notify.user = &s->user;
    s->notify.extra = &s->extra;
    s->notify.has_notify_type = s->notify.has_from_user_id = s->notify.has_to_anchor_id = 1;
    s->notify.notify_type = 2;
    s->notify.content = "A viewer gifted a subscription to the host";
    s->notify.schema = "sslocal://webcast_gift_sub";
    s->notify.from_user_id = s->user.id;
    s->notify.to_anchor_id = c->room_id;
}

static int pack(const ProtobufCMessage *m, lt_sim_message *msg)
{
    size_t size = protobuf_c_message_get_packed_size(m);
    if (lt_buf_reserve(&msg->payload, size))
        return -1;
    msg->payload.len += protobuf_c_message_pack(m, msg->payload.data + msg->payload.len);
    return 0;
}

static int notice_messages(notice_store *s, int which, uint64_t draw, lt_sim_message *msg,
                           Livetap__Webcast__Common *c)
{
    int64_t now_ms = c->create_time;
    switch (which) {
    case 0: {
        Livetap__Webcast__NoticeMessage m = LIVETAP__WEBCAST__NOTICE_MESSAGE__INIT;
        m.common = c;
        m.content = "Keep your LIVE safe: follow the Community Guidelines";
        m.has_notice_type = 1;
        m.notice_type = 1;
        m.title = text(s, 0, NULL, "Community Guidelines");
        m.tips_title = text(s, 1, NULL, "Learn more");
        m.tips_url = "https://www.tiktok.com/community-guidelines";
        m.scene = "live_room";
        return pack(&m.base, msg);
    }
    case 1: {
        Livetap__Webcast__SystemMessage m = LIVETAP__WEBCAST__SYSTEM_MESSAGE__INIT;
        m.common = c;
        m.message = "Welcome to TikTok LIVE! Have fun interacting with others in real time.";
        return pack(&m.base, msg);
    }
    case 2: {
        Livetap__Webcast__ToastMessage m = LIVETAP__WEBCAST__TOAST_MESSAGE__INIT;
        c->display_text = text(s, 0, "live_toast_follow_host", "Follow the host to get notified of LIVEs");
        m.common = c;
        m.has_display_duration_ms = 1;
        m.display_duration_ms = 3000;
        m.scene = "follow_guide";
        int rc = pack(&m.base, msg);
        c->display_text = NULL;
        return rc;
    }
    case 3: {
        Livetap__Webcast__BottomMessage m = LIVETAP__WEBCAST__BOTTOM_MESSAGE__INIT;
        m.common = c;
        m.content = "Comments may be limited in this LIVE";
        m.has_duration = m.has_biz_type = 1;
        m.duration = 10;
        m.biz_type = 5;
        m.punish_info = punishment(s, draw, now_ms);
        return pack(&m.base, msg);
    }
    case 4: room_notify(s, draw, c); return pack(&s->notify.base, msg);
    case 5: {
        Livetap__Webcast__MarqueeAnnouncementMessage m = LIVETAP__WEBCAST__MARQUEE_ANNOUNCEMENT_MESSAGE__INIT;
        room_notify(s, draw, c);
        s->notify.common = NULL;
        livetap__webcast__marquee_entity__init(&s->entity);
        s->entity.notify = &s->notify;
        s->entities[0] = &s->entity;
        m.common = c;
        m.message_scene = "marquee";
        m.message_entity = s->entities;
        m.n_message_entity = 1;
        return pack(&m.base, msg);
    }
    case 6: {
        Livetap__Webcast__GuideMessage m = LIVETAP__WEBCAST__GUIDE_MESSAGE__INIT;
        m.common = c;
        m.has_guide_type = m.has_gift_id = m.has_duration = 1;
        m.guide_type = 4;
        m.gift_id = 5655;
        m.description = "Send a Rose to support the host";
        m.duration = 8;
        m.scene = "gift_guide";
        return pack(&m.base, msg);
    }
    default: {
        Livetap__Webcast__CapsuleMessage m = LIVETAP__WEBCAST__CAPSULE_MESSAGE__INIT;
        livetap__webcast__image__init(&s->image);
        s->urls[0] = "https://p16-webcast.tiktokcdn.com/img/capsule_cohost.png";
        s->image.url_list = s->urls;
        s->image.n_url_list = 1;
        m.common = c;
        m.icon = &s->image;
        m.desc = text(s, 0, "live_capsule_cohost", "Invite a friend to co-host");
        m.button_text = text(s, 1, NULL, "Invite");
        m.schema = "sslocal://cohost_invite";
        m.has_type = 1;
        m.type = 12;
        m.scene = "cohost";
        return pack(&m.base, msg);
    }
    }
}

static int moderation_messages(notice_store *s, int which, uint64_t draw, lt_sim_message *msg,
                               Livetap__Webcast__Common *c)
{
    int64_t now_ms = c->create_time;
    switch (which) {
    case 0: {
        Livetap__Webcast__AccessControlMessage m = LIVETAP__WEBCAST__ACCESS_CONTROL_MESSAGE__INIT;
        livetap__webcast__access_control_captcha__init(&s->captcha);
        s->captcha.has_captcha_record_id = s->captcha.has_room_id = s->captcha.has_verify_duration_s = 1;
        s->captcha.captcha_record_id = 7300000 + (int64_t)(draw % 100000);
        s->captcha.room_id = c->room_id;
        s->captcha.verify_duration_s = 120;
        m.common = c;
        m.captcha = &s->captcha;
        return pack(&m.base, msg);
    }
    case 1: {
        Livetap__Webcast__AccessRecallMessage m = LIVETAP__WEBCAST__ACCESS_RECALL_MESSAGE__INIT;
        m.common = c;
        m.has_status = m.has_duration = m.has_end_time = 1;
        m.status = 2;
        m.duration = 3600;
        m.end_time = now_ms / 1000 + 3600;
        m.scene = "recall";
        m.notice = text(s, 0, NULL, "Access restored");
        m.content = text(s, 1, "live_access_recall", "You can use multi-guest again");
        m.punish_info = punishment(s, draw, now_ms);
        return pack(&m.base, msg);
    }
    case 2: {
        Livetap__Webcast__RoomVerifyMessage m = LIVETAP__WEBCAST__ROOM_VERIFY_MESSAGE__INIT;
        m.common = c;
        m.has_action = m.has_notice_type = 1;
        m.action = 1;
        m.notice_type = 6;
        m.content = "Please verify your account to keep going LIVE";
        return pack(&m.base, msg);
    }
    case 3: {
        Livetap__Webcast__MsgDetectMessage m = LIVETAP__WEBCAST__MSG_DETECT_MESSAGE__INIT;
        m.common = c;
        m.has_d_type = m.has_trigger_by = 1;
        m.d_type = 2;
        m.trigger_by = 1;
        m.from_region = "EU";
        return pack(&m.base, msg);
    }
    default: {
        Livetap__Webcast__PerceptionMessage m = LIVETAP__WEBCAST__PERCEPTION_MESSAGE__INIT;
        livetap__webcast__perception_dialog__init(&s->dialog);
        livetap__webcast__perception_sheet__init(&s->sheet);
        s->dialog.title = text(s, 0, NULL, "Your LIVE has a warning");
        s->dialog.sub_title = text(s, 1, "live_perception_linkmic", "Multi-guest is off for 1 hour");
        s->dialog.violation_detail_url = "https://www.tiktok.com/safety/violation";
        s->dialog.has_target_room_id = 1;
        s->dialog.target_room_id = c->room_id;
        s->sheet.reason_info = text(s, 2, NULL, "Minor safety");
        s->sheet.not_allowed_text = text(s, 3, NULL, "Inviting guests");
        m.common = c;
        m.dialog = &s->dialog;
        m.sheet = &s->sheet;
        m.punish_info = punishment(s, draw, now_ms);
        m.has_end_time = m.has_show_violation_warning = 1;
        m.end_time = now_ms / 1000 + 3600;
        m.show_violation_warning = 1;
        return pack(&m.base, msg);
    }
    }
}

int lt_sim_notice_family(uint64_t draw, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    static const char *const methods[] = {
        "WebcastNoticeMessage",        "WebcastSystemMessage",
        "WebcastToastMessage",         "WebcastBottomMessage",
        "WebcastRoomNotifyMessage",    "WebcastMarqueeAnnouncementMessage",
        "WebcastGuideMessage",         "WebcastCapsuleMessage",
        "WebcastAccessControlMessage", "WebcastAccessRecallMessage",
        "WebcastRoomVerifyMessage",    "WebcastMsgDetectMessage",
        "WebcastPerceptionMessage",    "WebcastUnauthorizedMemberMessage",
    };
    int which = (int)(draw % (sizeof methods / sizeof methods[0]));
    uint64_t rest = draw / (sizeof methods / sizeof methods[0]);
    notice_store s;
    msg->method = methods[which];
    c->method = (char *)msg->method;
    if (which < 8)
        return notice_messages(&s, which, rest, msg, c);
    if (which < 13)
        return moderation_messages(&s, which - 8, rest, msg, c);
    Livetap__Webcast__UnauthorizedMemberMessage m = LIVETAP__WEBCAST__UNAUTHORIZED_MEMBER_MESSAGE__INIT;
    snprintf(s.masked, sizeof s.masked, "us***%u", (unsigned)(rest % 100));
    m.common = c;
    m.has_action = 1;
    m.action = 1;
    m.nick_name = s.masked;
    m.enter_text = text(&s, 0, "live_room_enter_toast_anonymous", "joined");
    return pack(&m.base, msg);
}
