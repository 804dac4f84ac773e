/* messages_notice.c - what the platform shows in the room, what it does to
 * the room, and viewers who join without an identity: the notice,
 * moderation and unauthorized_member types.
 *
 * notice and moderation group several methods each (docs/topics.md says
 * why); every mapper here fills the fields its method has and leaves the
 * others null. The conventions, so that a consumer can rely on them across
 * methods:
 * - A display text (a Text) is published rendered, its key beside it. When a
 *   method has no text of its own (Toast) or sends it empty, the common
 *   header's display text stands in, as the app shows it.
 * - A code that says what kind of message it is (type_code, notify_class,
 *   action, status, trigger) is present for every method that has one, 0
 *   when the field is absent: the platform's encoders omit zeros, so absent
 *   and 0 are the same value. Any other number is present only when sent,
 *   so that "not sent" stays distinguishable from 0.
 * - Booleans only one method has (close_room, violation_warning) are plain
 *   booleans, false for the other methods: false and "not sent" mean the
 *   same.
 * The proto declares only the fields mapped here (proto/webcast.proto); the
 * others are skipped on unpack, and tests/conformance/mapping/<Method>.yaml
 * lists them with the reason each is left out.
 */
#include "tiktok/messages_internal.h"

#include <stdlib.h>

#define UNPACK(dec, fn, data, len) fn##__unpack(&(dec)->alloc, (len), (data))

/* Marquee announcements copied into `texts`; the platform sends one or two. */
#define MAX_MARQUEE_TEXTS 32

static const char *non_empty(const char *s)
{
    return s && *s ? s : NULL;
}

static lt_opt_long sent(bool has, int64_t value)
{
    return (lt_opt_long){has, has ? value : 0};
}

static lt_opt_long code(int64_t value)
{
    return (lt_opt_long){true, value};
}

static const char *text_key(const Livetap__Webcast__Text *text)
{
    return text ? non_empty(text->key) : NULL;
}

static const char *rendered(lt_tiktok_decoder *dec, const Livetap__Webcast__Text *text)
{
    return non_empty(lt_tt_render_text(dec, text));
}

/* The text from the common header when the method's own is missing. */
static void common_text_fallback(lt_tiktok_decoder *dec, const Livetap__Webcast__Common *common,
                                 const char **text, const char **key)
{
    const Livetap__Webcast__Text *dt = common ? common->display_text : NULL;
    if (!*text)
        *text = rendered(dec, dt);
    if (!*key)
        *key = text_key(dt);
}

/* ------------------------------------------------------------------ sanctions */

static const char *punish_type_name(int64_t id)
{
    switch (id) {
    case 9: return "ban_linkmic";
    case 25: return "ban_game_partnership";
    case 26: return "remove_game_partnership";
    case 55: return "ban_cohost_linkmic";
    case 57: return "authority_limit_match";
    case 59: return "ban_voice_chat";
    case 64: return "ban_live_goal";
    case 70: return "viewer_limit";
    case 76: return "live_console_ban";
    default: return NULL;
    }
}

/* An arena copy of a PunishEventInfo; NULL when there is none. Sets the
 * decoder's reason and *failed on out of memory. */
static const lt_punishment *punishment(lt_tiktok_decoder *dec, const Livetap__Webcast__PunishEventInfo *p,
                                       bool *failed)
{
    if (!p)
        return NULL;
    lt_punishment *out = lt_tt_alloc(dec, sizeof *out);
    if (!out) {
        *failed = lt_tt_fail(dec, "out of memory") != 0;
        return NULL;
    }
    out->punish_id = non_empty(p->punish_id);
    out->type = non_empty(p->punish_type);
    out->type_id = (int32_t)p->punish_type_id;
    out->type_name = punish_type_name(p->punish_type_id);
    out->reason = non_empty(p->punish_reason);
    out->show_reason = non_empty(p->show_reason);
    out->violation_user_id = p->violation_uid;
    if (!out->violation_user_id && p->violation_uid_str)
        out->violation_user_id = strtoll(p->violation_uid_str, NULL, 10);
    out->duration = p->duration;
    out->end_time = p->end_time;
    out->perception_code = non_empty(p->punish_perception_code);
    return out;
}

/* ------------------------------------------------------------------ notice */

static lt_notice *notice_start(lt_event *ev, const char *method, const Livetap__Webcast__Common *common)
{
    ev->type = LT_EVENT_NOTICE;
    lt_tt_apply_common(common, ev);
    ev->as.notice.method = method;
    return &ev->as.notice;
}

static int notice_finish(lt_tiktok_decoder *dec, lt_notice *n, const Livetap__Webcast__Common *common)
{
    common_text_fallback(dec, common, &n->text, &n->display_key);
    return 0;
}

int lt_tt_map_notice(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__NoticeMessage *m = UNPACK(dec, livetap__webcast__notice_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid NoticeMessage");
    lt_notice *n = notice_start(ev, "WebcastNoticeMessage", m->common);
    n->text = non_empty(m->content);
    if (!n->text)
        n->text = rendered(dec, m->display_text);
    if (!n->text)
        n->text = rendered(dec, m->notice_content);
    n->display_key = text_key(m->display_text);
    n->title = rendered(dec, m->title);
    if (!n->title)
        n->title = rendered(dec, m->notice_title);
    n->reason = rendered(dec, m->violation_reason);
    n->link = non_empty(m->tips_url);
    n->link_text = rendered(dec, m->tips_title);
    n->type_code = code(m->notice_type);
    n->scene = non_empty(m->scene);
    return notice_finish(dec, n, m->common);
}

int lt_tt_map_system(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__SystemMessage *m = UNPACK(dec, livetap__webcast__system_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid SystemMessage");
    lt_notice *n = notice_start(ev, "WebcastSystemMessage", m->common);
    n->text = non_empty(m->message);
    return notice_finish(dec, n, m->common);
}

int lt_tt_map_toast(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__ToastMessage *m = UNPACK(dec, livetap__webcast__toast_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid ToastMessage");
    lt_notice *n = notice_start(ev, "WebcastToastMessage", m->common);
    n->display_duration_ms = sent(m->has_display_duration_ms, m->display_duration_ms);
    n->display_delay_ms = sent(m->has_delay_display_duration_ms, m->delay_display_duration_ms);
    n->scene = non_empty(m->scene);
    return notice_finish(dec, n, m->common);
}

int lt_tt_map_bottom(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    static const char *const biz_types[] = {"default",
                                            "rethink_chat",
                                            "rethink_qa",
                                            "warning_tag_current_room",
                                            "warning_tag_cohost_room",
                                            "ags_at_risk_of_unable_to_comment",
                                            "perception_center"};
    Livetap__Webcast__BottomMessage *m = UNPACK(dec, livetap__webcast__bottom_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid BottomMessage");
    lt_notice *n = notice_start(ev, "WebcastBottomMessage", m->common);
    n->text = non_empty(m->content);
    n->duration = sent(m->has_duration, m->duration);
    n->type_code = code(m->biz_type);
    if (m->biz_type >= 0 && m->biz_type < (int64_t)(sizeof biz_types / sizeof biz_types[0]))
        n->type_name = biz_types[m->biz_type];
    n->violation_user_id = sent(m->has_violation_user_id, m->violation_user_id);
    n->link = non_empty(m->detail_url);
    bool failed = false;
    n->punishment = punishment(dec, m->punish_info, &failed);
    return failed ? -1 : notice_finish(dec, n, m->common);
}

/* A RoomNotify's fields into the notice (also a Marquee's first announcement). */
static void room_notify(lt_tiktok_decoder *dec, const Livetap__Webcast__RoomNotifyMessage *m, lt_notice *n)
{
    n->text = non_empty(m->content);
    n->link = non_empty(m->schema);
    n->type_code = code(m->notify_type);
    n->user = lt_tt_user_ptr(dec, m->user);
    n->notify_class = code(m->notify_class);
    n->source = non_empty(m->source);
    n->from_user_id = sent(m->has_from_user_id, m->from_user_id);
    n->to_anchor_id = sent(m->has_to_anchor_id, m->to_anchor_id);
    const Livetap__Webcast__RoomNotifyExtra *x = m->extra;
    if (x) {
        n->duration = sent(x->has_duration, x->duration);
        if (x->background && x->background->n_url_list > 0)
            n->image_url = non_empty(x->background->url_list[0]);
    }
}

int lt_tt_map_room_notify(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__RoomNotifyMessage *m = UNPACK(dec, livetap__webcast__room_notify_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid RoomNotifyMessage");
    lt_notice *n = notice_start(ev, "WebcastRoomNotifyMessage", m->common);
    room_notify(dec, m, n);
    return notice_finish(dec, n, m->common);
}

int lt_tt_map_marquee_announcement(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__MarqueeAnnouncementMessage *m =
        UNPACK(dec, livetap__webcast__marquee_announcement_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid MarqueeAnnouncementMessage");
    lt_notice *n = notice_start(ev, "WebcastMarqueeAnnouncementMessage", m->common);
    size_t count = m->n_message_entity < MAX_MARQUEE_TEXTS ? m->n_message_entity : MAX_MARQUEE_TEXTS;
    if (count > 0) {
        const char **texts = lt_tt_alloc(dec, count * sizeof *texts);
        if (!texts)
            return lt_tt_fail(dec, "out of memory");
        for (size_t i = 0; i < count; i++) {
            const Livetap__Webcast__RoomNotifyMessage *notify = m->message_entity[i]->notify;
            texts[i] = notify && notify->content ? notify->content : "";
        }
        n->texts = texts;
        n->text_count = count;
        if (m->message_entity[0]->notify)
            room_notify(dec, m->message_entity[0]->notify, n);
    }
    n->scene = non_empty(m->message_scene);
    return notice_finish(dec, n, m->common);
}

int lt_tt_map_guide(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__GuideMessage *m = UNPACK(dec, livetap__webcast__guide_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid GuideMessage");
    lt_notice *n = notice_start(ev, "WebcastGuideMessage", m->common);
    n->text = non_empty(m->description);
    n->type_code = code(m->guide_type);
    n->gift_id = sent(m->has_gift_id, m->gift_id);
    n->duration = sent(m->has_duration, m->duration);
    n->scene = non_empty(m->scene);
    return notice_finish(dec, n, m->common);
}

int lt_tt_map_capsule(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__CapsuleMessage *m = UNPACK(dec, livetap__webcast__capsule_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid CapsuleMessage");
    lt_notice *n = notice_start(ev, "WebcastCapsuleMessage", m->common);
    n->text = rendered(dec, m->desc);
    n->display_key = text_key(m->desc);
    n->link_text = rendered(dec, m->button_text);
    n->link = non_empty(m->schema);
    n->image_url = non_empty(lt_tt_image_url(m->icon));
    n->type_code = code(m->type);
    n->scene = non_empty(m->scene);
    n->sub_scene = non_empty(m->sub_scene);
    return notice_finish(dec, n, m->common);
}

/* ------------------------------------------------------------------ moderation */

static lt_moderation *moderation_start(lt_event *ev, const char *method,
                                       const Livetap__Webcast__Common *common)
{
    ev->type = LT_EVENT_MODERATION;
    lt_tt_apply_common(common, ev);
    ev->as.moderation.method = method;
    return &ev->as.moderation;
}

static int moderation_finish(lt_tiktok_decoder *dec, lt_moderation *o, const Livetap__Webcast__Common *common)
{
    common_text_fallback(dec, common, &o->text, &o->display_key);
    return 0;
}

int lt_tt_map_access_control(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__AccessControlMessage *m =
        UNPACK(dec, livetap__webcast__access_control_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid AccessControlMessage");
    lt_moderation *o = moderation_start(ev, "WebcastAccessControlMessage", m->common);
    const Livetap__Webcast__AccessControlCaptcha *c = m->captcha;
    if (c) {
        o->captcha_id = sent(c->has_captcha_record_id, c->captcha_record_id);
        o->target_room_id = sent(c->has_room_id, c->room_id);
        o->verify_duration_s = sent(c->has_verify_duration_s, c->verify_duration_s);
    }
    return moderation_finish(dec, o, m->common);
}

int lt_tt_map_access_recall(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__AccessRecallMessage *m =
        UNPACK(dec, livetap__webcast__access_recall_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid AccessRecallMessage");
    lt_moderation *o = moderation_start(ev, "WebcastAccessRecallMessage", m->common);
    o->status = code(m->status);
    o->duration = sent(m->has_duration, m->duration);
    o->end_time = sent(m->has_end_time, m->end_time);
    o->scene = non_empty(m->scene);
    o->title = rendered(dec, m->notice);
    o->text = rendered(dec, m->content);
    o->display_key = text_key(m->content);
    bool failed = false;
    o->punishment = punishment(dec, m->punish_info, &failed);
    return failed ? -1 : moderation_finish(dec, o, m->common);
}

int lt_tt_map_room_verify(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__RoomVerifyMessage *m = UNPACK(dec, livetap__webcast__room_verify_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid RoomVerifyMessage");
    lt_moderation *o = moderation_start(ev, "WebcastRoomVerifyMessage", m->common);
    o->action = code(m->action);
    o->text = non_empty(m->content);
    o->type_code = code(m->notice_type);
    o->close_room = m->close_room;
    return moderation_finish(dec, o, m->common);
}

int lt_tt_map_msg_detect(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__MsgDetectMessage *m = UNPACK(dec, livetap__webcast__msg_detect_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid MsgDetectMessage");
    lt_moderation *o = moderation_start(ev, "WebcastMsgDetectMessage", m->common);
    o->type_code = code(m->d_type);
    o->trigger = code(m->trigger_by);
    o->region = non_empty(m->from_region);
    return moderation_finish(dec, o, m->common);
}

int lt_tt_map_perception(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__PerceptionMessage *m = UNPACK(dec, livetap__webcast__perception_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid PerceptionMessage");
    lt_moderation *o = moderation_start(ev, "WebcastPerceptionMessage", m->common);
    const Livetap__Webcast__PerceptionDialog *d = m->dialog;
    if (d) {
        o->title = rendered(dec, d->title);
        o->text = rendered(dec, d->sub_title);
        o->display_key = text_key(d->sub_title);
        o->link = non_empty(d->violation_detail_url);
        o->target_user_id = sent(d->has_target_user_id, d->target_user_id);
        o->target_room_id = sent(d->has_target_room_id, d->target_room_id);
        o->countdown = sent(d->has_count_down_time, d->count_down_time);
    }
    o->short_text = rendered(dec, m->toast);
    if (!o->short_text)
        o->short_text = rendered(dec, m->float_text);
    if (m->sheet) {
        o->reason = rendered(dec, m->sheet->reason_info);
        o->restriction = rendered(dec, m->sheet->not_allowed_text);
    }
    o->end_time = sent(m->has_end_time, m->end_time);
    o->violation_warning = m->show_violation_warning;
    bool failed = false;
    o->punishment = punishment(dec, m->punish_info, &failed);
    return failed ? -1 : moderation_finish(dec, o, m->common);
}

/* ------------------------------------------------------------------ unauthorized member */

int lt_tt_map_unauthorized_member(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__UnauthorizedMemberMessage *m =
        UNPACK(dec, livetap__webcast__unauthorized_member_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid UnauthorizedMemberMessage");
    ev->type = LT_EVENT_UNAUTHORIZED_MEMBER;
    lt_tt_apply_common(m->common, ev);
    lt_unauthorized_member *u = &ev->as.unauthorized_member;
    u->action = (int32_t)m->action;
    u->nickname = m->nick_name;
    u->nickname_prefix = rendered(dec, m->nick_name_prefix);
    u->text = rendered(dec, m->enter_text);
    u->display_key = text_key(m->enter_text);
    common_text_fallback(dec, m->common, &u->text, &u->display_key);
    return 0;
}
