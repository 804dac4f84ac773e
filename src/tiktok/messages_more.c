/* messages_more.c - the WebCast messages beyond the common ones: battles and
 * co-hosting, questions, subscriptions, emotes, treasure chests, shopping,
 * rankings, polls, goals, banners, captions, moderation deletes, pins and
 * barrages.
 *
 * Several of these are documented by fewer peers and less precisely
 * (docs/protocol/webcast.md §6.3). Where a layout is uncertain the proto keeps the
 * field as bytes and the mapper interprets it defensively: InRoomBanner field
 * 2 is a JSON string for some peers and a string map for others (both are
 * published as one JSON document, with data_format saying which was sent);
 * caption texts are read as a {1 language, 2 text} message or the text
 * itself; poll options are unpacked one by one (a malformed option is left
 * out, the poll still decodes). What cannot be interpreted fails the
 * message, which then goes to the unknown topic with its raw bytes: never
 * silently dropped.
 *
 * Field numbers are checked against the peers' published schemas by the
 * conformance suite (tests/conformance, docs/conformance.md), not only by
 * our own simulator, which encodes with the same proto.
 */
#include "tiktok/messages_internal.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define UNPACK(dec, fn, data, len) fn##__unpack(&(dec)->alloc, (len), (data))

static const char *display_key(const Livetap__Webcast__Common *c)
{
    return c && c->display_text ? c->display_text->key : NULL;
}

static const char *non_empty(const char *s)
{
    return s && *s ? s : NULL;
}

/* ------------------------------------------------------------------ battles */

static int teams_from(lt_tiktok_decoder *dec, Livetap__Webcast__BattleArmiesEntry **entries, size_t n,
                      const lt_battle_team **out, size_t *count)
{
    if (n == 0)
        return 0;
    lt_battle_team *teams = lt_tt_alloc(dec, n * sizeof *teams);
    if (!teams)
        return lt_tt_fail(dec, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const Livetap__Webcast__BattleUserArmies *a = entries[i]->value;
        teams[i].anchor_id = entries[i]->key;
        if (!a)
            continue;
        teams[i].score = a->host_score;
        if (!teams[i].anchor_id && a->anchor_id_str)
            teams[i].anchor_id = strtoll(a->anchor_id_str, NULL, 10);
        if (a->n_user_armies) {
            lt_battle_contributor *c = lt_tt_alloc(dec, a->n_user_armies * sizeof *c);
            if (!c)
                return lt_tt_fail(dec, "out of memory");
            for (size_t k = 0; k < a->n_user_armies; k++) {
                const Livetap__Webcast__BattleUserArmy *u = a->user_armies[k];
                c[k].user_id = u->user_id;
                if (!c[k].user_id && u->user_id_str)
                    c[k].user_id = strtoll(u->user_id_str, NULL, 10);
                c[k].nickname = u->nickname;
                c[k].score = u->score;
            }
            teams[i].contributors = c;
            teams[i].contributor_count = a->n_user_armies;
        }
    }
    *out = teams;
    *count = n;
    return 0;
}

static int battle_anchors(lt_tiktok_decoder *dec, const Livetap__Webcast__LinkMicBattle *m, lt_battle *b)
{
    if (m->n_anchors_info == 0)
        return 0;
    lt_battle_anchor *a = lt_tt_alloc(dec, m->n_anchors_info * sizeof *a);
    if (!a)
        return lt_tt_fail(dec, "out of memory");
    for (size_t i = 0; i < m->n_anchors_info; i++) {
        const Livetap__Webcast__BattleAnchorEntry *e = m->anchors_info[i];
        const Livetap__Webcast__BattleAnchorUser *u = e->value ? e->value->user : NULL;
        a[i].anchor_id = e->key ? e->key : (u ? u->user_id : 0);
        if (u) {
            a[i].unique_id = non_empty(u->display_id);
            a[i].nickname = non_empty(u->nickname);
            a[i].avatar_url = lt_tt_image_url(u->avatar_thumb);
            a[i].room_id = u->room_id;
        }
    }
    b->anchors = a;
    b->anchor_count = m->n_anchors_info;
    return 0;
}

static int team_members(lt_tiktok_decoder *dec, Livetap__Webcast__BattleTeamUser **users, size_t n,
                        lt_battle_team_total *t)
{
    if (n == 0)
        return 0;
    lt_battle_team_member *mb = lt_tt_alloc(dec, n * sizeof *mb);
    if (!mb)
        return lt_tt_fail(dec, "out of memory");
    for (size_t i = 0; i < n; i++) {
        mb[i].user_id = users[i]->user_id;
        if (!mb[i].user_id && users[i]->user_id_str)
            mb[i].user_id = strtoll(users[i]->user_id_str, NULL, 10);
        mb[i].score = users[i]->score;
    }
    t->members = mb;
    t->member_count = n;
    return 0;
}

/* Team battles' running score per team (LinkMicBattle field 18, LinkMicArmies field 14). */
static int team_scores(lt_tiktok_decoder *dec, Livetap__Webcast__BattleTeamArmies **armies, size_t ns,
                       const lt_battle_team_total **out, size_t *count)
{
    lt_battle_team_total *s = ns ? lt_tt_alloc(dec, ns * sizeof *s) : NULL;
    if (ns && !s)
        return lt_tt_fail(dec, "out of memory");
    for (size_t i = 0; i < ns; i++) {
        const Livetap__Webcast__BattleTeamArmies *x = armies[i];
        s[i].team_id = x->team_id;
        s[i].total_score = x->team_total_score;
        s[i].host_rank = x->host_rank;
        if (team_members(dec, x->team_user, x->n_team_user, &s[i]))
            return -1;
    }
    *out = s;
    *count = ns;
    return 0;
}

/* Team battles: the final result per team (field 17) and the running score per team (field 18). */
static int team_totals(lt_tiktok_decoder *dec, const Livetap__Webcast__LinkMicBattle *m, lt_battle *b)
{
    size_t nr = m->n_team_battle_result;
    lt_battle_team_total *r = nr ? lt_tt_alloc(dec, nr * sizeof *r) : NULL;
    if (nr && !r)
        return lt_tt_fail(dec, "out of memory");
    for (size_t i = 0; i < nr; i++) {
        const Livetap__Webcast__BattleTeamResult *x = m->team_battle_result[i];
        r[i].team_id = x->team_id;
        r[i].result = (int32_t)x->result;
        r[i].total_score = x->total_score;
        if (team_members(dec, x->team_user, x->n_team_user, &r[i]))
            return -1;
    }
    b->team_results = r;
    b->team_result_count = nr;
    return team_scores(dec, m->team_armies, m->n_team_armies, &b->team_scores, &b->team_score_count);
}

int lt_tt_map_battle(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    static const char *const actions[] = {"unknown", "invite", "reject", "cancel",
                                          "open",    "finish", "cut_short", "accept"};
    Livetap__Webcast__LinkMicBattle *m = UNPACK(dec, livetap__webcast__link_mic_battle, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid LinkMicBattle");
    ev->type = LT_EVENT_BATTLE;
    lt_tt_apply_common(m->common, ev);
    lt_battle *b = &ev->as.battle;
    const Livetap__Webcast__BattleSetting *s = m->battle_setting;
    b->battle_id = m->battle_id ? m->battle_id : (s ? s->battle_id : 0);
    b->action = (int32_t)m->action;
    b->action_name = m->action >= 0 && m->action <= 7 ? actions[m->action] : "unknown";
    b->action_by_user_id = m->action_by_user_id;
    if (s) {
        b->battle_type = (int32_t)s->battle_type;
        b->status = (int32_t)s->status;
        b->channel_id = s->channel_id;
        b->start_time.present = s->has_start_time_ms && s->start_time_ms > 0;
        b->start_time.value = s->start_time_ms;
        b->duration = s->duration;
    }
    if (m->n_battle_result) {
        lt_battle_result *r = lt_tt_alloc(dec, m->n_battle_result * sizeof *r);
        if (!r)
            return lt_tt_fail(dec, "out of memory");
        for (size_t i = 0; i < m->n_battle_result; i++) {
            const Livetap__Webcast__BattleResult *v = m->battle_result[i]->value;
            r[i].anchor_id = v && v->user_id ? v->user_id : m->battle_result[i]->key;
            r[i].result = v ? (int32_t)v->result : 0;
            r[i].score = v ? v->score : 0;
        }
        b->results = r;
        b->result_count = m->n_battle_result;
    }
    if (battle_anchors(dec, m, b) || team_totals(dec, m, b))
        return -1;
    return teams_from(dec, m->armies, m->n_armies, &b->teams, &b->team_count);
}

int lt_tt_map_battle_armies(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__LinkMicArmies *m = UNPACK(dec, livetap__webcast__link_mic_armies, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid LinkMicArmies");
    ev->type = LT_EVENT_BATTLE_ARMIES;
    lt_tt_apply_common(m->common, ev);
    lt_battle_armies *a = &ev->as.battle_armies;
    a->battle_id = m->battle_id;
    a->trigger_reason = (int32_t)m->trigger_reason;
    a->from_user_id = m->from_user_id;
    a->gift_id = m->gift_id;
    a->gift_count = (int32_t)m->gift_count;
    a->repeat_count = (int32_t)m->repeat_count;
    a->total_diamond_count = m->total_diamond_count;
    if (team_scores(dec, m->team_armies, m->n_team_armies, &a->team_scores, &a->team_score_count))
        return -1;
    return teams_from(dec, m->armies, m->n_armies, &a->teams, &a->team_count);
}

int lt_tt_map_link_mic(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__LinkMicMethod *m = UNPACK(dec, livetap__webcast__link_mic_method, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid LinkMicMethod");
    ev->type = LT_EVENT_LINK_MIC;
    lt_tt_apply_common(m->common, ev);
    lt_link_mic *l = &ev->as.link_mic;
    l->message_type = (int32_t)m->message_type;
    l->user_id = m->user_id;
    l->to_user_id = m->to_user_id;
    l->channel_id = m->channel_id;
    l->anchor_linkmic_id = m->anchor_linkmic_id;
    l->rival_anchor_id = m->rival_anchor_id;
    l->fan_ticket = m->fan_ticket;
    l->total_linkmic_fan_ticket = m->total_linkmic_fan_ticket;
    l->match_type = (int32_t)m->match_type;
    l->win = m->win;
    l->duration = m->duration;
    l->tips = non_empty(m->tips);
    return 0;
}

int lt_tt_map_link_mic_fan_ticket(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__LinkMicFanTicketMethod *m = UNPACK(dec, livetap__webcast__link_mic_fan_ticket_method, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid LinkMicFanTicketMethod");
    ev->type = LT_EVENT_LINK_MIC_FAN_TICKET;
    lt_tt_apply_common(m->common, ev);
    lt_link_mic_fan_ticket *f = &ev->as.link_mic_fan_ticket;
    const Livetap__Webcast__FanTicketRoomNoticeContent *n = m->fan_ticket_room_notice;
    if (!n)
        return 0;
    f->total_fan_ticket = n->total_link_mic_fan_ticket;
    f->match_id = n->match_id;
    f->notice_time = n->event_time;
    if (n->n_user_fan_ticket_list) {
        lt_fan_ticket *u = lt_tt_alloc(dec, n->n_user_fan_ticket_list * sizeof *u);
        if (!u)
            return lt_tt_fail(dec, "out of memory");
        for (size_t i = 0; i < n->n_user_fan_ticket_list; i++) {
            u[i].user_id = n->user_fan_ticket_list[i]->user_id;
            u[i].fan_ticket = n->user_fan_ticket_list[i]->fan_ticket;
        }
        f->users = u;
        f->user_count = n->n_user_fan_ticket_list;
    }
    return 0;
}

static const char *link_type_name(int64_t t)
{
    static const char *const names[] = {
        "unknown", "create", "close", "invite", "apply", "reply", "enter", "leave", "permit",
        "cancel_invite", "waiting_list_change", "linked_list_change", "update_user", "kick_out",
        "cancel_apply", "mute", "match", "update_user_setting", "mic_idx_update", "leave_v2",
        "waiting_list_change_v2", "linked_list_change_v2", "cohost_list_change", "media_change",
        "accept_notice"};
    if (t >= 0 && t < (int64_t)(sizeof names / sizeof names[0]))
        return names[t];
    if (t == 101)
        return "sys_kick_out";
    if (t == 102)
        return "user_toast";
    return "unknown";
}

static void opt_set(lt_opt_long *o, protobuf_c_boolean has, int64_t v)
{
    if (has && !o->present)
        *o = (lt_opt_long){true, v};
}

static int linked_users(lt_tiktok_decoder *dec, const Livetap__Webcast__LinkUsersContent *c, lt_link *l)
{
    if (!c || l->linked_user_count || c->n_linked_users == 0)
        return 0;
    const char **ids = lt_tt_alloc(dec, c->n_linked_users * sizeof *ids);
    if (!ids)
        return lt_tt_fail(dec, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < c->n_linked_users; i++) {
        const Livetap__Webcast__User *u = c->linked_users[i]->user;
        if (u && u->has_id && !(ids[n++] = lt_tt_printf(dec, "%" PRId64, u->id)))
            return lt_tt_fail(dec, "out of memory");
    }
    l->linked_user_ids = ids;
    l->linked_user_count = n;
    return 0;
}

/* The content sub-messages. A message carries the one its type names; where
 * several carry one field, the order below decides (invite, reply, cancel,
 * kick-out, update, accept notice for the sender; reply, cancel, update,
 * accept notice for the receiver; leave, mute, system kick-out, toast for the
 * user it is about). */
static int link_contents(lt_tiktok_decoder *dec, const Livetap__Webcast__LinkMessage *m, lt_link *l)
{
    const Livetap__Webcast__LinkInviteContent *inv = m->invite_content;
    const Livetap__Webcast__LinkReplyContent *rep = m->reply_content;
    const Livetap__Webcast__LinkCancelContent *can = m->cancel_content;
    const Livetap__Webcast__LinkKickOutContent *kick = m->kick_out_content;
    const Livetap__Webcast__LinkUpdateUserContent *upd = m->update_user_content;
    const Livetap__Webcast__LinkReplyAcceptNoticeContent *acc = m->reply_accept_notice_content;
    const Livetap__Webcast__LinkCreateContent *cre = m->create_content;
    const Livetap__Webcast__LinkLeaveContent *lv = m->leave_content;
    const Livetap__Webcast__LinkMuteContent *mu = m->mute_content;
    const Livetap__Webcast__LinkSysKickOutContent *sk = m->sys_kick_out_content;
    const Livetap__Webcast__LinkUserToastContent *ut = m->user_toast_content;
    if (inv) {
        opt_set(&l->from_user_id, inv->has_from_user_id, inv->from_user_id);
        opt_set(&l->from_room_id, inv->has_from_room_id, inv->from_room_id);
        l->from_user = lt_tt_user_ptr(dec, inv->from_user);
    }
    if (rep) {
        opt_set(&l->from_user_id, rep->has_from_user_id, rep->from_user_id);
        opt_set(&l->from_room_id, rep->has_from_room_id, rep->from_room_id);
        opt_set(&l->to_user_id, rep->has_to_user_id, rep->to_user_id);
        opt_set(&l->reply_status, rep->has_reply_status, rep->reply_status);
        if (!l->from_user)
            l->from_user = lt_tt_user_ptr(dec, rep->from_user);
        l->to_user = lt_tt_user_ptr(dec, rep->to_user);
    }
    if (can) {
        opt_set(&l->from_user_id, can->has_from_user_id, can->from_user_id);
        opt_set(&l->to_user_id, can->has_to_user_id, can->to_user_id);
        opt_set(&l->cancel_type, can->has_cancel_type, can->cancel_type);
    }
    if (kick) {
        opt_set(&l->from_user_id, kick->has_from_user_id, kick->from_user_id);
        opt_set(&l->kickout_reason, kick->has_kickout_reason, kick->kickout_reason);
    }
    if (upd) {
        opt_set(&l->from_user_id, upd->has_from_user_id, upd->from_user_id);
        opt_set(&l->to_user_id, upd->has_to_user_id, upd->to_user_id);
    }
    if (acc) {
        opt_set(&l->from_user_id, acc->has_from_user_id, acc->from_user_id);
        opt_set(&l->from_room_id, acc->has_from_room_id, acc->from_room_id);
        opt_set(&l->to_user_id, acc->has_to_user_id, acc->to_user_id);
    }
    if (cre) {
        opt_set(&l->owner_id, cre->has_owner_id, cre->owner_id);
        opt_set(&l->owner_room_id, cre->has_owner_room_id, cre->owner_room_id);
        opt_set(&l->link_type, cre->has_link_type, cre->link_type);
    }
    if (rep)
        opt_set(&l->link_type, rep->has_link_type, rep->link_type);
    if (lv) {
        opt_set(&l->user_id, lv->has_user_id, lv->user_id);
        opt_set(&l->leave_reason, lv->has_leave_reason, lv->leave_reason);
    }
    if (mu) {
        opt_set(&l->user_id, mu->has_user_id, mu->user_id);
        opt_set(&l->mute_status, mu->has_mute_status, mu->mute_status);
    }
    if (sk)
        opt_set(&l->user_id, sk->has_user_id, sk->user_id);
    if (ut) {
        opt_set(&l->user_id, ut->has_user_id, ut->user_id);
        l->toast_text = lt_tt_render_text(dec, ut->display_text);
    }
    if (linked_users(dec, m->enter_content, l) || linked_users(dec, m->linked_list_change_content, l) ||
        linked_users(dec, m->list_change_content, l))
        return -1;
    return 0;
}

int lt_tt_map_link(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__LinkMessage *m = UNPACK(dec, livetap__webcast__link_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid LinkMessage");
    ev->type = LT_EVENT_LINK;
    lt_tt_apply_common(m->common, ev);
    ev->as.link.message_type = (int32_t)m->message_type;
    ev->as.link.message_type_name = link_type_name(m->message_type);
    ev->as.link.linker_id = m->linker_id;
    ev->as.link.scene = (int32_t)m->scene;
    return link_contents(dec, m, &ev->as.link);
}

int lt_tt_map_link_layer(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__LinkLayerMessage *m = UNPACK(dec, livetap__webcast__link_layer_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid LinkLayerMessage");
    ev->type = LT_EVENT_LINK_LAYER;
    lt_tt_apply_common(m->common, ev);
    ev->as.link_layer.message_type = (int32_t)m->message_type;
    ev->as.link_layer.channel_id = m->channel_id;
    ev->as.link_layer.scene = (int32_t)m->scene;
    return 0;
}

/* ------------------------------------------------------------------ room content */

int lt_tt_map_question(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__QuestionNewMessage *m = UNPACK(dec, livetap__webcast__question_new_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid QuestionNewMessage");
    ev->type = LT_EVENT_QUESTION;
    lt_tt_apply_common(m->common, ev);
    lt_question *q = &ev->as.question;
    const Livetap__Webcast__Question *d = m->details;
    lt_tt_user(dec, d ? d->user : NULL, NULL, &q->user);
    if (d) {
        q->question_id = d->question_id;
        q->content = d->content;
        q->answer_status = (int32_t)d->answer_status;
    }
    return 0;
}

int lt_tt_map_room_message(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__RoomMessage *m = UNPACK(dec, livetap__webcast__room_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid RoomMessage");
    ev->type = LT_EVENT_ROOM_MESSAGE;
    lt_tt_apply_common(m->common, ev);
    lt_room_message *r = &ev->as.room_message;
    r->content = m->content;
    if (!non_empty(r->content) && m->common)
        r->content = lt_tt_render_text(dec, m->common->display_text);
    r->display_key = display_key(m->common);
    r->source = m->source;
    r->is_welcome = m->is_welcome;
    return 0;
}

int lt_tt_map_subscribe(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__SubNotifyMessage *m = UNPACK(dec, livetap__webcast__sub_notify_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid SubNotifyMessage");
    ev->type = LT_EVENT_SUBSCRIBE;
    lt_tt_apply_common(m->common, ev);
    lt_subscribe *s = &ev->as.subscribe;
    lt_tt_user(dec, m->user, NULL, &s->user);
    s->sub_month = (int32_t)m->sub_month;
    s->subscribe_type = (int32_t)m->subscribe_type;
    s->old_subscribe_status = (int32_t)m->old_subscribe_status;
    s->subscribing_status = (int32_t)m->subscribing_status;
    s->exhibition_type = (int32_t)m->exhibition_type;
    return 0;
}

int lt_tt_map_emote_chat(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__EmoteChatMessage *m = UNPACK(dec, livetap__webcast__emote_chat_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid EmoteChatMessage");
    ev->type = LT_EVENT_EMOTE_CHAT;
    lt_tt_apply_common(m->common, ev);
    lt_emote_chat *e = &ev->as.emote_chat;
    lt_tt_user(dec, m->user, NULL, &e->user);
    if (m->n_emote_list) {
        const char **ids = lt_tt_alloc(dec, m->n_emote_list * sizeof *ids);
        const char **urls = lt_tt_alloc(dec, m->n_emote_list * sizeof *urls);
        if (!ids || !urls)
            return lt_tt_fail(dec, "out of memory");
        for (size_t i = 0; i < m->n_emote_list; i++) {
            const char *url = lt_tt_image_url(m->emote_list[i]->image);
            ids[i] = m->emote_list[i]->emote_id ? m->emote_list[i]->emote_id : "";
            urls[i] = url ? url : "";
        }
        e->emote_ids = ids;
        e->emote_urls = urls;
        e->emote_count = e->emote_url_count = m->n_emote_list;
    }
    return 0;
}

int lt_tt_map_envelope(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__EnvelopeMessage *m = UNPACK(dec, livetap__webcast__envelope_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid EnvelopeMessage");
    ev->type = LT_EVENT_ENVELOPE;
    lt_tt_apply_common(m->common, ev);
    lt_envelope *e = &ev->as.envelope;
    const Livetap__Webcast__EnvelopeInfo *i = m->envelope_info;
    if (i) {
        e->envelope_id = i->envelope_id;
        e->business_type = (int32_t)i->business_type;
        e->sender_name = non_empty(i->send_user_name);
        e->diamond_count = (int32_t)i->diamond_count;
        e->people_count = (int32_t)i->people_count;
        e->unpack_at = i->unpack_at;
    }
    e->display = (int32_t)m->display;
    /* the super-fan box, as the Python and Node libraries recognise it */
    e->superfan_box = e->business_type == 19 || lt_tt_contains(display_key(m->common), "ttlive_superfanbox");
    return 0;
}

int lt_tt_map_shopping(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__OecLiveShoppingMessage *m = UNPACK(dec, livetap__webcast__oec_live_shopping_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid OecLiveShoppingMessage");
    ev->type = LT_EVENT_SHOPPING;
    lt_tt_apply_common(m->common, ev);
    const Livetap__Webcast__LiveShoppingData *d = m->shop_data;
    if (d) {
        ev->as.shopping.title = non_empty(d->title);
        ev->as.shopping.price = non_empty(d->price_string);
        ev->as.shopping.image_url = non_empty(d->image_url);
        ev->as.shopping.shop_url = non_empty(d->shop_url);
        ev->as.shopping.shop_name = non_empty(d->shop_name);
        ev->as.shopping.product_id.present = d->has_product_id;
        ev->as.shopping.product_id.value = d->product_id;
    }
    return 0;
}

int lt_tt_map_live_intro(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__LiveIntroMessage *m = UNPACK(dec, livetap__webcast__live_intro_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid LiveIntroMessage");
    ev->type = LT_EVENT_LIVE_INTRO;
    lt_tt_apply_common(m->common, ev);
    lt_live_intro *l = &ev->as.live_intro;
    l->host = lt_tt_user_ptr(dec, m->host);
    l->content = m->content;
    l->language = non_empty(m->language);
    l->intro_mode = (int32_t)m->intro_mode;
    l->audit_status = (int32_t)m->audit_status;
    return 0;
}

int lt_tt_map_rank_update(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__RankUpdateMessage *m = UNPACK(dec, livetap__webcast__rank_update_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid RankUpdateMessage");
    ev->type = LT_EVENT_RANK_UPDATE;
    lt_tt_apply_common(m->common, ev);
    lt_rank_update *r = &ev->as.rank_update;
    r->group_type = m->group_type;
    r->priority = m->priority;
    if (m->n_updates) {
        lt_rank_entry *e = lt_tt_alloc(dec, m->n_updates * sizeof *e);
        if (!e)
            return lt_tt_fail(dec, "out of memory");
        for (size_t i = 0; i < m->n_updates; i++) {
            const Livetap__Webcast__RankUpdate *u = m->updates[i];
            e[i].rank_type = u->rank_type;
            e[i].owner_rank = u->owner_rank;
            e[i].text = lt_tt_render_text(dec, u->default_content);
            e[i].countdown = u->countdown;
            e[i].owner_on_rank = u->owner_on_rank;
        }
        r->ranks = e;
        r->rank_count = m->n_updates;
    }
    return 0;
}

/* Each option is unpacked on its own: a malformed one is left out, the poll
 * still decodes. Fills the option texts (where an option has one) and, when
 * `votes` is given, every readable option with its votes. */
static int poll_options(lt_tiktok_decoder *dec, ProtobufCBinaryData *opts, size_t n, lt_poll *p,
                        const lt_poll_option **votes, size_t *vote_count)
{
    if (n == 0)
        return 0;
    const char **texts = lt_tt_alloc(dec, n * sizeof *texts);
    lt_poll_option *v = lt_tt_alloc(dec, n * sizeof *v);
    if (!texts || !v)
        return lt_tt_fail(dec, "out of memory");
    size_t k = 0, nv = 0;
    for (size_t i = 0; i < n; i++) {
        Livetap__Webcast__PollOption *o =
            UNPACK(dec, livetap__webcast__poll_option, opts[i].data, opts[i].len);
        if (!o)
            continue;
        const char *text =
            o->text && lt_tt_is_text((const uint8_t *)o->text, strlen(o->text)) ? o->text : NULL;
        if (text)
            texts[k++] = text;
        v[nv].index = o->index;
        v[nv].text = text;
        v[nv++].votes = o->votes;
    }
    if (p->option_count == 0) {
        p->options = texts;
        p->option_count = k;
    }
    if (votes) {
        *votes = v;
        *vote_count = nv;
    }
    return 0;
}

int lt_tt_map_poll(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    static const char *const actions[] = {"start", "end", "update"};
    Livetap__Webcast__PollMessage *m = UNPACK(dec, livetap__webcast__poll_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid PollMessage");
    ev->type = LT_EVENT_POLL;
    lt_tt_apply_common(m->common, ev);
    lt_poll *p = &ev->as.poll;
    p->poll_id = m->poll_id;
    p->message_type = (int32_t)m->message_type;
    p->action = m->message_type >= 0 && m->message_type <= 2 ? actions[m->message_type] : "unknown";
    p->poll_kind = (int32_t)m->poll_kind;
    const Livetap__Webcast__PollStartContent *s = m->start_content;
    if (s) {
        p->title = non_empty(s->title);
        p->start_time.present = s->has_start_time;
        p->start_time.value = s->start_time;
        p->end_time.present = s->has_end_time;
        p->end_time.value = s->end_time;
        p->operator_user = lt_tt_user_ptr(dec, s->operator_);
        if (poll_options(dec, s->options, s->n_options, p, &p->option_votes, &p->option_vote_count))
            return -1;
    }
    const Livetap__Webcast__PollUpdateContent *u = m->update_content;
    if (u) {
        if (!p->operator_user)
            p->operator_user = lt_tt_user_ptr(dec, u->operator_);
        /* an update's votes are newer than the start's */
        if (poll_options(dec, u->options, u->n_options, p, &p->option_votes, &p->option_vote_count))
            return -1;
    }
    const Livetap__Webcast__PollEndContent *e = m->end_content;
    if (e) {
        if (!p->operator_user)
            p->operator_user = lt_tt_user_ptr(dec, e->operator_);
        p->end_type.present = e->has_end_type;
        p->end_type.value = e->end_type;
        if (poll_options(dec, e->options, e->n_options, p, &p->results, &p->result_count))
            return -1;
    }
    return 0;
}

int lt_tt_map_goal_update(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__GoalUpdateMessage *m = UNPACK(dec, livetap__webcast__goal_update_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid GoalUpdateMessage");
    ev->type = LT_EVENT_GOAL_UPDATE;
    lt_tt_apply_common(m->common, ev);
    lt_goal_update *g = &ev->as.goal_update;
    if (m->goal) {
        g->goal_id = m->goal->id;
        if (!g->goal_id && m->goal->id_str)
            g->goal_id = strtoll(m->goal->id_str, NULL, 10);
        g->goal_type = (int32_t)m->goal->type;
        g->status = (int32_t)m->goal->status;
        g->description = non_empty(m->goal->description);
    }
    g->contributor_id = m->contributor_id;
    if (!g->contributor_id && m->contributor_id_str)
        g->contributor_id = strtoll(m->contributor_id_str, NULL, 10);
    g->contributor_display_id = non_empty(m->contributor_display_id);
    g->contribute_count = m->contribute_count;
    g->contribute_score = m->contribute_score;
    g->gift_repeat_count = m->gift_repeat_count;
    if (m->pin_info) {
        g->pin = m->pin_info->pin;
        g->unpin = m->pin_info->unpin;
    }
    size_t n = m->goal ? m->goal->n_sub_goals : 0;
    if (n) {
        lt_goal_sub_goal *sg = lt_tt_alloc(dec, n * sizeof *sg);
        if (!sg)
            return lt_tt_fail(dec, "out of memory");
        for (size_t i = 0; i < n; i++) {
            const Livetap__Webcast__LiveStreamSubGoal *x = m->goal->sub_goals[i];
            sg[i].id = x->id;
            if (!sg[i].id && x->id_str)
                sg[i].id = strtoll(x->id_str, NULL, 10);
            sg[i].type = (int32_t)x->type;
            sg[i].progress = x->progress;
            sg[i].target = x->target;
        }
        g->sub_goals = sg;
        g->sub_goal_count = n;
        g->progress = (lt_opt_long){true, sg[0].progress};
        g->target = (lt_opt_long){true, sg[0].target};
    }
    return 0;
}

/* ------------------------------------------------------------------ banner, caption, delete */

/* JSON text from jansson into the arena. */
static const char *json_to_arena(lt_tiktok_decoder *dec, json_t *j)
{
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    const char *out = s ? lt_tt_strndup(dec, s, strlen(s)) : NULL;
    free(s);
    return out;
}

static bool looks_like_json_document(const uint8_t *d, size_t n)
{
    size_t i = 0;
    while (i < n && (d[i] == ' ' || d[i] == '\t' || d[i] == '\n' || d[i] == '\r'))
        i++;
    if (i == n || (d[i] != '{' && d[i] != '['))
        return false;
    json_error_t e;
    json_t *j = json_loadb((const char *)d, n, 0, &e);
    json_decref(j);
    return j != NULL;
}

int lt_tt_map_in_room_banner(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__InRoomBannerMessage *m = UNPACK(dec, livetap__webcast__in_room_banner_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid InRoomBannerMessage");
    ev->type = LT_EVENT_IN_ROOM_BANNER;
    lt_tt_apply_common(m->common, ev);
    lt_in_room_banner *b = &ev->as.in_room_banner;
    b->position = (int32_t)m->position;
    b->action_type = (int32_t)m->action_type;
    b->data_format = "none";
    if (m->n_data == 0)
        return 0;
    if (m->n_data == 1 && looks_like_json_document(m->data[0].data, m->data[0].len)) {
        b->data = lt_tt_strndup(dec, (const char *)m->data[0].data, m->data[0].len);
        b->data_format = "json";
        return b->data ? 0 : lt_tt_fail(dec, "out of memory");
    }
    /* the map<string,string> reading: every element a {1 key, 2 value} entry */
    json_t *obj = json_object();
    bool all_pairs = obj != NULL;
    for (size_t i = 0; all_pairs && i < m->n_data; i++) {
        Livetap__Webcast__StringPair *p = UNPACK(dec, livetap__webcast__string_pair, m->data[i].data, m->data[i].len);
        if (!p || !p->key || !lt_tt_is_text((const uint8_t *)p->key, strlen(p->key)) ||
            (p->value && *p->value && !lt_tt_is_text((const uint8_t *)p->value, strlen(p->value))) ||
            json_object_set_new(obj, p->key, json_string(p->value ? p->value : "")) != 0)
            all_pairs = false;
    }
    if (all_pairs) {
        b->data = json_to_arena(dec, obj);
        b->data_format = "map";
    } else if (m->n_data == 1 && lt_tt_is_text(m->data[0].data, m->data[0].len)) {
        /* a string that is not a JSON document: kept as a JSON string */
        json_t *str = json_stringn((const char *)m->data[0].data, m->data[0].len);
        b->data = json_to_arena(dec, str);
        b->data_format = "text";
        json_decref(str);
    }
    json_decref(obj);
    if (!b->data)
        return lt_tt_fail(dec, "InRoomBanner field 2 is neither JSON nor a string map");
    return 0;
}

int lt_tt_map_caption(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__CaptionMessage *m = UNPACK(dec, livetap__webcast__caption_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid CaptionMessage");
    ev->type = LT_EVENT_CAPTION;
    lt_tt_apply_common(m->common, ev);
    lt_caption *c = &ev->as.caption;
    c->timestamp_ms = m->timestamp_ms;
    c->duration_ms = m->duration_ms;
    c->sentence_id = m->sentence_id;
    c->sequence_id = m->sequence_id;
    c->definite = m->definite;
    if (m->n_content == 0)
        return 0;
    lt_caption_text *t = lt_tt_alloc(dec, m->n_content * sizeof *t);
    if (!t)
        return lt_tt_fail(dec, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < m->n_content; i++) {
        const ProtobufCBinaryData *d = &m->content[i];
        /* a {1 language, 2 text} message, or the text itself */
        Livetap__Webcast__CaptionContent *cc = UNPACK(dec, livetap__webcast__caption_content, d->data, d->len);
        if (cc && cc->content && lt_tt_is_text((const uint8_t *)cc->content, strlen(cc->content))) {
            t[k].language = non_empty(cc->lang);
            t[k++].text = cc->content;
        } else if (lt_tt_is_text(d->data, d->len)) {
            t[k++].text = lt_tt_strndup(dec, (const char *)d->data, d->len);
        }
    }
    c->texts = t;
    c->text_count = k;
    return 0;
}

static const char *const *ids_to_strings(lt_tiktok_decoder *dec, const int64_t *ids, size_t n)
{
    const char **out = lt_tt_alloc(dec, (n ? n : 1) * sizeof *out);
    for (size_t i = 0; out && i < n; i++)
        if (!(out[i] = lt_tt_printf(dec, "%" PRId64, ids[i])))
            return NULL;
    return out;
}

int lt_tt_map_im_delete(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__ImDeleteMessage *m = UNPACK(dec, livetap__webcast__im_delete_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid ImDeleteMessage");
    ev->type = LT_EVENT_IM_DELETE;
    lt_tt_apply_common(m->common, ev);
    lt_im_delete *d = &ev->as.im_delete;
    d->deleted_msg_ids = ids_to_strings(dec, m->delete_msg_ids, m->n_delete_msg_ids);
    d->deleted_user_ids = ids_to_strings(dec, m->delete_user_ids, m->n_delete_user_ids);
    if (!d->deleted_msg_ids || !d->deleted_user_ids)
        return lt_tt_fail(dec, "out of memory");
    d->deleted_msg_count = m->n_delete_msg_ids;
    d->deleted_user_count = m->n_delete_user_ids;
    return 0;
}

/* ------------------------------------------------------------------ pins, barrage */

/* The pinned message's sender, id and (for chats) text. A pinned message
 * that does not decode leaves these empty; the pin itself still counts. */
static void pinned_message(lt_tiktok_decoder *dec, const Livetap__Webcast__RoomPinMessage *m, lt_room_pin *p)
{
    const Livetap__Webcast__Common *common = NULL;
    const Livetap__Webcast__User *user = NULL;
    if (m->has_chat) {
        Livetap__Webcast__ChatMessage *c = UNPACK(dec, livetap__webcast__chat_message, m->chat.data, m->chat.len);
        if (c) {
            common = c->common, user = c->user;
            p->pinned_content = c->content;
        }
    } else if (m->has_gift) {
        Livetap__Webcast__GiftMessage *g = UNPACK(dec, livetap__webcast__gift_message, m->gift.data, m->gift.len);
        if (g)
            common = g->common, user = g->user;
    } else if (m->has_social) {
        Livetap__Webcast__SocialMessage *s =
            UNPACK(dec, livetap__webcast__social_message, m->social.data, m->social.len);
        if (s)
            common = s->common, user = s->user;
    } else if (m->has_member) {
        Livetap__Webcast__MemberMessage *s =
            UNPACK(dec, livetap__webcast__member_message, m->member.data, m->member.len);
        if (s)
            common = s->common, user = s->user;
    } else if (m->has_like) {
        Livetap__Webcast__LikeMessage *s = UNPACK(dec, livetap__webcast__like_message, m->like.data, m->like.len);
        if (s)
            common = s->common, user = s->user;
    }
    if (common && common->has_msg_id)
        p->pinned_msg_id = common->msg_id;
    if (!p->pinned_method && common)
        p->pinned_method = non_empty(common->method);
    p->pinned_user = lt_tt_user_ptr(dec, user);
}

int lt_tt_map_room_pin(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__RoomPinMessage *m = UNPACK(dec, livetap__webcast__room_pin_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid RoomPinMessage");
    ev->type = LT_EVENT_ROOM_PIN;
    lt_tt_apply_common(m->common, ev);
    lt_room_pin *p = &ev->as.room_pin;
    p->action = (int32_t)m->action;
    p->pin_id = m->pin_id;
    p->pin_time = m->pin_time;
    p->display_duration = m->display_duration;
    p->operator_user = lt_tt_user_ptr(dec, m->operator_);
    p->pinned_method = non_empty(m->method);
    pinned_message(dec, m, p);
    return 0;
}

int lt_tt_map_barrage(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__BarrageMessage *m = UNPACK(dec, livetap__webcast__barrage_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid BarrageMessage");
    ev->type = LT_EVENT_BARRAGE;
    lt_tt_apply_common(m->common, ev);
    lt_barrage *b = &ev->as.barrage;
    const Livetap__Webcast__Text *text = m->content ? m->content : m->common_barrage_content;
    b->msg_type = (int32_t)m->msg_type;
    b->display_key = text ? non_empty(text->key) : NULL;
    b->text = lt_tt_render_text(dec, text);
    /* field 50; older senders name the user only in the text's pieces */
    const Livetap__Webcast__User *u = m->user;
    if (!u)
        u = lt_tt_text_user(m->content);
    if (!u)
        u = lt_tt_text_user(m->common_barrage_content);
    b->user = lt_tt_user_ptr(dec, u);
    b->superfan = lt_tt_contains(m->content ? m->content->key : NULL, "ttlive_superfan") ||
                  lt_tt_contains(m->common_barrage_content ? m->common_barrage_content->key : NULL,
                                 "ttlive_superfan");
    return 0;
}
