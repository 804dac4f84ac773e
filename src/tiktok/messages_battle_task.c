/* messages_battle_task.c - the battle_task family: a battle's side events,
 * each with battle_id (docs/protocol/families.md):
 *
 *   LinkMicBattleItemCard      a battle item card used or awarded; msg_type
 *                              names the card, one sub-message per card type
 *   LinkMicBattlePunishFinish  the punishment round after a battle ends
 *   LinkmicBattleTaskMessage   a bonus task within a battle: start, progress,
 *                              settle, reward
 *
 * The card types share their first fields but not the numbers of the target
 * anchor and the extras; each has its own proto message, and the fields they
 * share are read through one card_common view.
 */
#include "tiktok/messages_families.h"

/* A battle payload's user: display fields only. */
static void battle_user(const Livetap__Webcast__BattleBaseUserInfo *u, lt_user *out)
{
    memset(out, 0, sizeof *out);
    out->id = u->user_id;
    out->unique_id = u->display_id;
    out->nickname = u->nick_name;
    out->avatar_url = lt_tt_image_url(u->avatar_thumb);
}

static const lt_user *battle_user_ptr(lt_tiktok_decoder *dec, const Livetap__Webcast__BattleUserInfo *info)
{
    if (!info || !info->user)
        return NULL;
    lt_user *u = lt_tt_alloc(dec, sizeof *u);
    if (u)
        battle_user(info->user, u);
    return u;
}

/* The fields every card type shares (1..5), wherever the type keeps them. */
typedef struct card_common {
    const char *card_name_key;
    const Livetap__Webcast__Image *card_image;
    protobuf_c_boolean has_send_time_sec, has_effect_last_duration, has_effect_time_sec, has_to_anchor_id;
    int64_t send_time_sec, effect_last_duration, effect_time_sec, to_anchor_id;
    const Livetap__Webcast__BattleUserInfo *send_user;
    const char *rule_url, *to_anchor_id_str;
} card_common;

#define CARD_COMMON(c, info)                                                                                 \
    do {                                                                                                     \
        (c).card_name_key = (info)->card_name_key;                                                           \
        (c).card_image = (info)->card_image;                                                                 \
        (c).has_send_time_sec = (info)->has_send_time_sec;                                                   \
        (c).send_time_sec = (info)->send_time_sec;                                                           \
        (c).send_user = (info)->send_user;                                                                   \
        (c).has_effect_last_duration = (info)->has_effect_last_duration;                                     \
        (c).effect_last_duration = (info)->effect_last_duration;                                             \
        (c).rule_url = (info)->rule_url;                                                                     \
        (c).has_effect_time_sec = (info)->has_effect_time_sec;                                               \
        (c).effect_time_sec = (info)->effect_time_sec;                                                       \
        (c).has_to_anchor_id = (info)->has_to_anchor_id;                                                     \
        (c).to_anchor_id = (info)->to_anchor_id;                                                             \
    } while (0)

static void apply_card(lt_tiktok_decoder *dec, const card_common *c, lt_battle_task *t)
{
    t->card_name_key = non_empty(c->card_name_key);
    t->card_image_url = lt_tt_image_url(c->card_image);
    t->send_time = opt(c->has_send_time_sec, c->send_time_sec);
    t->user = battle_user_ptr(dec, c->send_user);
    t->effect_duration = opt(c->has_effect_last_duration, c->effect_last_duration);
    t->rule_url = non_empty(c->rule_url);
    t->effect_time = opt(c->has_effect_time_sec, c->effect_time_sec);
    t->to_anchor_id = id_or_text(c->has_to_anchor_id, c->to_anchor_id, c->to_anchor_id_str);
}

/* The card use's own fields: anchor and display text. */
static void apply_use(lt_tiktok_decoder *dec, protobuf_c_boolean has_anchor, int64_t anchor,
                      const Livetap__Webcast__Text *display, lt_battle_task *t)
{
    t->anchor_id = opt(has_anchor, anchor);
    text_of(dec, display, &t->text, &t->display_key);
}

static int anchor_pairs(lt_tiktok_decoder *dec, Livetap__Webcast__AnchorPair **pairs, size_t count,
                        lt_battle_task *t)
{
    size_t n = bounded(count);
    lt_anchor_pair *out = items(dec, n, sizeof *out);
    if (n && !out)
        return lt_tt_fail(dec, "out of memory");
    for (size_t i = 0; i < n; i++) {
        out[i].source_anchor_id = pairs[i]->source_anchor_id;
        out[i].target_anchor_id = pairs[i]->target_anchor_id;
    }
    t->affected_anchors = out;
    t->affected_anchor_count = n;
    return 0;
}

static void wrapped_card(lt_tiktok_decoder *dec, const Livetap__Webcast__UseWrappedCard *u, lt_battle_task *t)
{
    const Livetap__Webcast__WrappedCardInfo *w = u->card_info;
    if (w && w->common) {
        card_common c = {0};
        CARD_COMMON(c, w->common);
        c.to_anchor_id_str = w->common->to_anchor_id_str;
        apply_card(dec, &c, t);
    }
    if (w) {
        t->gift_name_key = non_empty(w->gift_name_key);
        t->multiple = opt(w->has_multiple, w->multiple);
        t->multiple_other = opt(w->has_multiple_other, w->multiple_other);
        t->critical_strike_rate_low = opt(w->has_critical_strike_rate_low, w->critical_strike_rate_low);
        t->critical_strike_rate_high = opt(w->has_critical_strike_rate_high, w->critical_strike_rate_high);
    }
    apply_use(dec, u->has_anchor_id, u->anchor_id, u->display_content, t);
}

/* The card a message is about: the one its msg_type names (2 critical
 * strike, 3 smoke, 5 extra time, 6 special effect, 7 potion, 8 wave, 10 top-2,
 * 11 top-3, 12 vault glove), else the first one present; 0 for none. */
static int card_kind(const Livetap__Webcast__LinkMicBattleItemCard *m)
{
    const void *cards[13] = {NULL};
    cards[2] = m->use_critical_strike_card;
    cards[3] = m->use_smoke_card;
    cards[5] = m->use_extra_time_card;
    cards[6] = m->use_special_effect_card;
    cards[7] = m->use_potion_card;
    cards[8] = m->use_wave_card;
    cards[10] = m->use_top2_card;
    cards[11] = m->use_top3_card;
    cards[12] = m->use_vault_glove_card;
    if (m->msg_type >= 0 && m->msg_type < 13 && cards[m->msg_type])
        return (int)m->msg_type;
    for (int k = 0; k < 13; k++)
        if (cards[k])
            return k;
    return 0;
}

static void timed_card(lt_tiktok_decoder *dec, const Livetap__Webcast__UseTimedCard *u, lt_battle_task *t)
{
    if (u->card_info) {
        card_common c = {0};
        CARD_COMMON(c, u->card_info);
        apply_card(dec, &c, t);
    }
    apply_use(dec, u->has_anchor_id, u->anchor_id, u->display_content, t);
}

static int item_card_body(lt_tiktok_decoder *dec, const Livetap__Webcast__LinkMicBattleItemCard *m,
                          lt_battle_task *t)
{
    card_common c = {0};
    switch (card_kind(m)) {
    case 2: {
        const Livetap__Webcast__UseCriticalStrikeCard *u = m->use_critical_strike_card;
        const Livetap__Webcast__CriticalStrikeCardInfo *i = u->card_info;
        if (i) {
            CARD_COMMON(c, i);
            c.to_anchor_id_str = i->to_anchor_id_str;
            apply_card(dec, &c, t);
            t->critical_strike_rate_low = opt(i->has_critical_strike_rate_low, i->critical_strike_rate_low);
            t->critical_strike_rate_high =
                opt(i->has_critical_strike_rate_high, i->critical_strike_rate_high);
            t->multiple = opt(i->has_multiple, i->multiple);
            t->gift_name_key = non_empty(i->gift_name_key);
        }
        apply_use(dec, u->has_anchor_id, u->anchor_id, u->display_content, t);
        break;
    }
    case 3: {
        const Livetap__Webcast__UseSmokeCard *u = m->use_smoke_card;
        if (u->card_info) {
            CARD_COMMON(c, u->card_info);
            c.to_anchor_id_str = u->card_info->to_anchor_id_str;
            apply_card(dec, &c, t);
        }
        apply_use(dec, u->has_anchor_id, u->anchor_id, u->display_content, t);
        break;
    }
    case 5: {
        const Livetap__Webcast__UseExtraTimeCard *u = m->use_extra_time_card;
        if (u->card_info) {
            CARD_COMMON(c, u->card_info);
            c.to_anchor_id_str = u->card_info->to_anchor_id_str;
            apply_card(dec, &c, t);
            t->extra_duration = opt(u->card_info->has_extra_duration_sec, u->card_info->extra_duration_sec);
        }
        apply_use(dec, u->has_anchor_id, u->anchor_id, u->display_content, t);
        break;
    }
    case 6: {
        const Livetap__Webcast__UseSpecialEffectCard *u = m->use_special_effect_card;
        if (u->card_info) {
            CARD_COMMON(c, u->card_info);
            c.to_anchor_id_str = u->card_info->to_anchor_id_str;
            apply_card(dec, &c, t);
        }
        apply_use(dec, u->has_anchor_id, u->anchor_id, u->display_content, t);
        t->effect_type = opt(u->has_effect_type, u->effect_type);
        return anchor_pairs(dec, u->affected_anchor_pairs, u->n_affected_anchor_pairs, t);
    }
    case 7: timed_card(dec, m->use_potion_card, t); break;
    case 8: timed_card(dec, m->use_wave_card, t); break;
    case 10: wrapped_card(dec, m->use_top2_card, t); break;
    case 11: wrapped_card(dec, m->use_top3_card, t); break;
    case 12: wrapped_card(dec, m->use_vault_glove_card, t); break;
    }
    return 0;
}

int lt_tt_map_battle_item_card(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    static const char *const names[] = {"unknown",
                                        "card_obtain_guide",
                                        "use_critical_strike_card",
                                        "use_smoke_card",
                                        "award_card_notice",
                                        "use_extra_time_card",
                                        "use_special_effect_card",
                                        "use_potion_card",
                                        "use_wave_card",
                                        "special_effect_notice",
                                        "use_top2_card",
                                        "use_top3_card",
                                        "use_vault_glove_card"};
    Livetap__Webcast__LinkMicBattleItemCard *m =
        UNPACK(dec, livetap__webcast__link_mic_battle_item_card, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid LinkMicBattleItemCard");
    ev->type = LT_EVENT_BATTLE_TASK;
    lt_tt_apply_common(m->common, ev);
    lt_battle_task *t = &ev->as.battle_task;
    t->method = "WebcastLinkMicBattleItemCard";
    t->battle_id = m->battle_id;
    t->action = (int32_t)m->msg_type;
    t->action_name = WORD(names, m->msg_type);
    t->award_reason = opt(m->has_award_reason, m->award_reason);
    if (item_card_body(dec, m, t))
        return -1;
    const Livetap__Webcast__AwardCardNotice *a = m->award_card_notice;
    if (a) {
        if (!t->text)
            text_of(dec, a->display_content, &t->text, &t->display_key);
        size_t n = bounded(a->n_awarded_users), k = 0;
        lt_user *users = items(dec, n, sizeof *users);
        if (n && !users)
            return lt_tt_fail(dec, "out of memory");
        for (size_t i = 0; i < n; i++)
            if (a->awarded_users[i]->user)
                battle_user(a->awarded_users[i]->user, &users[k++]);
        t->awarded_users = users;
        t->awarded_user_count = k;
    }
    const Livetap__Webcast__SpecialEffectNotice *s = m->special_effect_notice;
    if (s) {
        t->score = opt(s->has_score, s->score);
        t->from_user_id = opt(s->has_from_user_id, s->from_user_id);
        if (!t->to_anchor_id.present)
            t->to_anchor_id = opt(s->has_to_anchor_id, s->to_anchor_id);
        if (!t->effect_type.present)
            t->effect_type = opt(s->has_effect_type, s->effect_type);
        if (!t->affected_anchor_count &&
            anchor_pairs(dec, s->affected_anchor_pairs, s->n_affected_anchor_pairs, t))
            return -1;
    }
    return 0;
}

int lt_tt_map_battle_punish_finish(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    static const char *const names[] = {"time_up", "cut_short"};
    Livetap__Webcast__LinkMicBattlePunishFinish *m =
        UNPACK(dec, livetap__webcast__link_mic_battle_punish_finish, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid LinkMicBattlePunishFinish");
    ev->type = LT_EVENT_BATTLE_TASK;
    lt_tt_apply_common(m->common, ev);
    lt_battle_task *t = &ev->as.battle_task;
    t->method = "WebcastLinkMicBattlePunishFinish";
    const Livetap__Webcast__BattleSetting *s = m->battle_settings;
    t->battle_id = m->has_battle_id || !s ? m->battle_id : s->battle_id;
    t->action = (int32_t)m->reason;
    t->action_name = WORD(names, m->reason);
    t->channel_id = opt(m->has_channel_id, m->channel_id);
    t->operator_user_id = opt(m->has_op_uid, m->op_uid);
    if (s) {
        if (!t->channel_id.present)
            t->channel_id = opt(s->has_channel_id, s->channel_id);
        t->start_time = opt(s->has_start_time_ms, s->start_time_ms);
        t->end_time = opt(s->has_end_time_ms, s->end_time_ms);
        t->duration = opt(s->has_duration, s->duration);
        t->battle_status = opt(s->has_status, s->status);
        t->battle_type = opt(s->has_battle_type, s->battle_type);
        t->extra_duration = opt(s->has_extra_duration_second, s->extra_duration_second);
    }
    return 0;
}

static void task_start(const Livetap__Webcast__BattleTaskStart *st, lt_battle_task *t)
{
    const Livetap__Webcast__BattleBonusConfig *c = st->config;
    if (!c)
        return;
    t->preview_start_time = opt(c->has_preview_start_timestamp, c->preview_start_timestamp);
    if (c->target_config) {
        const Livetap__Webcast__BattleTaskTargetConfig *tc = c->target_config;
        t->task_start_time = opt(tc->has_target_start_timestamp, tc->target_start_timestamp);
        t->task_duration = opt(tc->has_duration, tc->duration);
        t->target = opt(tc->has_progress_target, tc->progress_target);
        t->target_type = opt(tc->has_target_type, tc->target_type);
    }
    if (c->reward_config) {
        const Livetap__Webcast__BattleTaskRewardConfig *rc = c->reward_config;
        t->reward_start_time = opt(rc->has_reward_start_timestamp, rc->reward_start_timestamp);
        t->reward_duration = opt(rc->has_duration, rc->duration);
        t->reward_multiple = opt(rc->has_reward_multiple, rc->reward_multiple);
    }
}

int lt_tt_map_battle_task(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    static const char *const names[] = {"start", "task_update", "task_settle", "reward_settle"};
    Livetap__Webcast__LinkmicBattleTaskMessage *m =
        UNPACK(dec, livetap__webcast__linkmic_battle_task_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid LinkmicBattleTaskMessage");
    ev->type = LT_EVENT_BATTLE_TASK;
    lt_tt_apply_common(m->common, ev);
    lt_battle_task *t = &ev->as.battle_task;
    t->method = "WebcastLinkmicBattleTaskMessage";
    t->battle_id = m->battle_id;
    t->action = (int32_t)m->task_message_type;
    t->action_name = WORD(names, m->task_message_type);
    if (m->start)
        task_start(m->start, t);
    if (m->task_update) {
        t->progress = opt(m->task_update->has_progress, m->task_update->progress);
        t->from_user_id = opt(m->task_update->has_from_user_id, m->task_update->from_user_id);
        t->prompt_key = non_empty(m->task_update->prompt_key);
    }
    if (m->task_settle) {
        t->result = opt(m->task_settle->has_result, m->task_settle->result);
        if (!t->reward_start_time.present)
            t->reward_start_time =
                opt(m->task_settle->has_reward_start_timestamp, m->task_settle->reward_start_timestamp);
    }
    if (m->reward) {
        if (!t->result.present)
            t->result = opt(m->reward->has_status, m->reward->status);
        if (!t->prompt_key && m->reward->prompt)
            t->prompt_key = non_empty(m->reward->prompt->prompt_key);
    }
    return 0;
}
