/* messages_extra.c - the WebCast messages livetap groups into families, one
 * topic per family with `method` naming the message (docs/protocol/families.md):
 *
 *   gift_notice   GiftBroadcast, GiftDynamicRestriction, GiftPanelUpdate,
 *                 GiftPrompt, BoostCard
 *   battle_task   (messages_battle_task.c)
 *   link_state    LinkState, LinkMicLayoutState, Speaker
 *   rank_notice   GameRankNotify, HourlyRankReward, RankText
 *   partnership   PartnershipDropsUpdate, PartnershipGameOffline,
 *                 PartnershipPunish, LiveGameIntro
 *   sub_pin       SubPinEvent
 *   viewer_picks  ViewerPicksUpdate
 *
 * A family's record has a field for every scalar any of its messages carries
 * that a data team can use; a message fills its own and leaves the others
 * null. "Not sent" and "zero" differ (proto2 has_ flags become nullable
 * fields). Nested lists (hidden gifts per scene and receiver, panel maps,
 * guests, spots, winners) are flattened into arrays of records, each bounded
 * by MAX_ITEMS: a hostile count costs at most that many elements.
 */
#include "tiktok/messages_families.h"

/* ------------------------------------------------------------------ gift_notice */

static void broadcast_notify(lt_tiktok_decoder *dec, const Livetap__Webcast__EmbeddedNotify *n,
                             lt_gift_notice *g)
{
    g->user = lt_tt_user_ptr(dec, n->user);
    g->text = non_empty(n->content);
    g->schema_url = non_empty(n->schema);
    g->source = non_empty(n->source);
    g->notify_type = opt(n->has_notify_type, n->notify_type);
    g->notify_class = opt(n->has_notify_class, n->notify_class);
    g->to_anchor_id = opt(n->has_to_anchor_id, n->to_anchor_id);
    if (!g->from_user_id.present)
        g->from_user_id = opt(n->has_from_user_id, n->from_user_id);
    if (n->extra)
        g->duration = opt(n->extra->has_duration, n->extra->duration);
    const Livetap__Webcast__NotifyEventTracking *t = n->event_tracking;
    if (t) {
        g->gift_sub_sender_id = opt(t->has_gift_sub_sender_id, t->gift_sub_sender_id);
        g->gift_sub_receiver_id = opt(t->has_gift_sub_receiver_id, t->gift_sub_receiver_id);
        g->gift_sub_order_time = opt(t->has_gift_sub_order_create_time, t->gift_sub_order_create_time);
        if (!g->to_anchor_id.present)
            g->to_anchor_id = opt(t->has_anchor_id, t->anchor_id);
    }
}

int lt_tt_map_gift_broadcast(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__GiftBroadcastMessage *m =
        UNPACK(dec, livetap__webcast__gift_broadcast_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid GiftBroadcastMessage");
    ev->type = LT_EVENT_GIFT_NOTICE;
    lt_tt_apply_common(m->common, ev);
    lt_gift_notice *g = &ev->as.gift_notice;
    g->method = "WebcastGiftBroadcastMessage";
    g->display_key = common_display_key(m->common);
    g->from_user_id = opt(m->has_from_user_id, m->from_user_id);
    g->icon_url = lt_tt_image_url(m->left_icon);
    if (m->notify)
        broadcast_notify(dec, m->notify, g);
    return 0;
}

/* Appends one hidden gift per id, up to MAX_ITEMS in all. */
static void hidden(lt_gift_notice_gift *out, size_t *n, const int64_t *ids, size_t count, const char *scene,
                   lt_opt_long receiver)
{
    for (size_t i = 0; i < count && *n < MAX_ITEMS; i++) {
        lt_gift_notice_gift *h = &out[(*n)++];
        h->source = "hidden";
        h->scene = scene;
        h->gift_id = ids[i];
        h->receiver_id = receiver;
    }
}

int lt_tt_map_gift_dynamic_restriction(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__GiftDynamicRestrictionMessage *m =
        UNPACK(dec, livetap__webcast__gift_dynamic_restriction_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid GiftDynamicRestrictionMessage");
    ev->type = LT_EVENT_GIFT_NOTICE;
    lt_tt_apply_common(m->common, ev);
    lt_gift_notice *g = &ev->as.gift_notice;
    g->method = "WebcastGiftDynamicRestrictionMessage";
    g->display_key = common_display_key(m->common);
    const Livetap__Webcast__GiftDynamicRestriction *r = m->dynamic_restriction;
    if (!r)
        return 0;
    const Livetap__Webcast__GiftSceneRestriction *s = r->scenes;
    size_t total = 0;
    if (s)
        total = s->n_normal_hidden_gids + s->n_match_hidden_gids + s->n_cohost_hidden_gids +
                s->n_multiguest_hidden_gids;
    for (size_t i = 0; i < r->n_receivers; i++)
        total += r->receivers[i]->n_hidden_gids;
    lt_gift_notice_gift *out = items(dec, bounded(total), sizeof *out);
    if (total && !out)
        return lt_tt_fail(dec, "out of memory");
    size_t n = 0;
    lt_opt_long none = opt(0, 0);
    if (s) {
        hidden(out, &n, s->normal_hidden_gids, s->n_normal_hidden_gids, "normal", none);
        hidden(out, &n, s->match_hidden_gids, s->n_match_hidden_gids, "match", none);
        hidden(out, &n, s->cohost_hidden_gids, s->n_cohost_hidden_gids, "cohost", none);
        hidden(out, &n, s->multiguest_hidden_gids, s->n_multiguest_hidden_gids, "multiguest", none);
    }
    for (size_t i = 0; i < r->n_receivers; i++) {
        const Livetap__Webcast__GiftReceiverRestriction *rc = r->receivers[i];
        hidden(out, &n, rc->hidden_gids, rc->n_hidden_gids, "receiver", opt(rc->has_user_id, rc->user_id));
    }
    g->gifts = out;
    g->gift_count = n;
    return 0;
}

static size_t panel_gift_count(const Livetap__Webcast__GiftPanelUpdateMessage *m)
{
    size_t n = 0;
    if (m->gallery_data)
        n += m->gallery_data->n_progress;
    if (m->goal_data)
        n += m->goal_data->n_goal_progress;
    if (m->room_based_gift_data)
        for (size_t i = 0; i < m->room_based_gift_data->n_room_based_gifts; i++) {
            const Livetap__Webcast__RoomBasedGifts *v = m->room_based_gift_data->room_based_gifts[i]->value;
            n += v ? v->n_gift_info : 0;
        }
    return bounded(n);
}

static void panel_gifts(const Livetap__Webcast__GiftPanelUpdateMessage *m, lt_gift_notice_gift *out,
                        size_t cap, size_t *n)
{
    const Livetap__Webcast__GiftGalleryData *gal = m->gallery_data;
    for (size_t i = 0; gal && i < gal->n_progress && *n < cap; i++) {
        const Livetap__Webcast__GiftGalleryEntry *e = gal->progress[i];
        lt_gift_notice_gift *x = &out[(*n)++];
        x->source = "gallery";
        x->gift_id = e->key;
        if (e->value) {
            x->count = opt(e->value->has_goal_count, e->value->goal_count);
            x->sponsor_id = opt(e->value->has_current_sponsor_id, e->value->current_sponsor_id);
        }
    }
    const Livetap__Webcast__GiftGoalData *goal = m->goal_data;
    for (size_t i = 0; goal && i < goal->n_goal_progress && *n < cap; i++) {
        const Livetap__Webcast__GiftGoalEntry *e = goal->goal_progress[i];
        lt_gift_notice_gift *x = &out[(*n)++];
        x->source = "goal";
        x->gift_id = e->key;
        if (e->value) {
            x->progress = opt(e->value->has_current_progress, e->value->current_progress);
            x->target = opt(e->value->has_target, e->value->target);
            x->expire_time = opt(e->value->has_expired_timestamp_in_ms, e->value->expired_timestamp_in_ms);
        }
    }
    const Livetap__Webcast__RoomBasedGiftData *rb = m->room_based_gift_data;
    for (size_t i = 0; rb && i < rb->n_room_based_gifts; i++) {
        const Livetap__Webcast__RoomBasedGiftEntry *e = rb->room_based_gifts[i];
        for (size_t k = 0; e->value && k < e->value->n_gift_info && *n < cap; k++) {
            const Livetap__Webcast__GiftIdPrice *gp = e->value->gift_info[k];
            lt_gift_notice_gift *x = &out[(*n)++];
            x->source = "room_based";
            x->gift_id = gp->id;
            x->price = opt(gp->has_price, gp->price);
            x->group_key = opt(e->has_key, e->key);
        }
    }
}

int lt_tt_map_gift_panel_update(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__GiftPanelUpdateMessage *m =
        UNPACK(dec, livetap__webcast__gift_panel_update_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid GiftPanelUpdateMessage");
    ev->type = LT_EVENT_GIFT_NOTICE;
    lt_tt_apply_common(m->common, ev);
    lt_gift_notice *g = &ev->as.gift_notice;
    g->method = "WebcastGiftPanelUpdateMessage";
    g->display_key = common_display_key(m->common);
    g->panel_time = opt(m->has_timestamp, m->timestamp);
    if (m->gallery_data) {
        g->gallery_period = opt(m->gallery_data->has_period, m->gallery_data->period);
        g->gallery_end_time = opt(m->gallery_data->has_end_time_in_ms, m->gallery_data->end_time_in_ms);
    }
    if (m->goal_data)
        g->goal_status = opt(m->goal_data->has_status, m->goal_data->status);
    size_t cap = panel_gift_count(m);
    lt_gift_notice_gift *out = items(dec, cap, sizeof *out);
    if (cap && !out)
        return lt_tt_fail(dec, "out of memory");
    size_t n = 0;
    panel_gifts(m, out, cap, &n);
    g->gifts = out;
    g->gift_count = n;
    return 0;
}

int lt_tt_map_gift_prompt(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__GiftPromptMessage *m = UNPACK(dec, livetap__webcast__gift_prompt_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid GiftPromptMessage");
    ev->type = LT_EVENT_GIFT_NOTICE;
    lt_tt_apply_common(m->common, ev);
    lt_gift_notice *g = &ev->as.gift_notice;
    g->method = "WebcastGiftPromptMessage";
    g->display_key = common_display_key(m->common);
    g->title = non_empty(m->title);
    g->text = non_empty(m->body);
    g->block_num_days = opt(m->has_block_num_days, m->block_num_days);
    g->order_id = non_empty(m->order_id);
    g->order_time = opt(m->has_order_timestamp, m->order_timestamp);
    g->addiction_experiment = m->has_in_user_gifting_addiction_expr && m->in_user_gifting_addiction_expr;
    g->schema_url = non_empty(m->pop_up_schema);
    return 0;
}

int lt_tt_map_boost_card(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__BoostCardMessage *m = UNPACK(dec, livetap__webcast__boost_card_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid BoostCardMessage");
    ev->type = LT_EVENT_GIFT_NOTICE;
    lt_tt_apply_common(m->common, ev);
    lt_gift_notice *g = &ev->as.gift_notice;
    g->method = "WebcastBoostCardMessage";
    g->display_key = common_display_key(m->common);
    size_t n = bounded(m->n_cards);
    lt_boost_card *cards = items(dec, n, sizeof *cards);
    if (n && !cards)
        return lt_tt_fail(dec, "out of memory");
    for (size_t i = 0; i < n; i++) {
        cards[i].card_id = m->cards[i]->card_id;
        cards[i].task_source = (int32_t)m->cards[i]->task_source;
        cards[i].task_id = m->cards[i]->task_id;
    }
    g->boost_cards = cards;
    g->boost_card_count = n;
    return 0;
}

/* ------------------------------------------------------------------ link_state */

static int spot_list(lt_tiktok_decoder *dec, size_t count, const Livetap__Webcast__SpotInfo *const *spots,
                     const Livetap__Webcast__BizSpotInfo *const *biz, lt_link_state *s)
{
    size_t n = bounded(count);
    lt_link_spot *out = items(dec, n, sizeof *out);
    if (n && !out)
        return lt_tt_fail(dec, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const Livetap__Webcast__PosIdentity *id = spots ? spots[i]->pos_identity : biz[i]->pos_identity;
        out[i].spot_id = spots ? spots[i]->spot_id : biz[i]->spot_id;
        if (id) {
            out[i].identity_type = (int32_t)id->type;
            out[i].identity = non_empty(id->value);
        }
        const Livetap__Webcast__MultiGuestSpotExtra *x = spots ? spots[i]->multi_guest_spot_extra : NULL;
        if (x) {
            out[i].enlarged = x->has_is_enlarged && x->is_enlarged;
            out[i].rank = opt(x->has_spot_rank, x->spot_rank);
        }
    }
    s->spots = out;
    s->spot_count = n;
    return 0;
}

static int link_users(lt_tiktok_decoder *dec, const Livetap__Webcast__LinkStateMessage *m, lt_link_state *s)
{
    size_t n = bounded(m->n_user_states);
    lt_link_user *out = items(dec, n, sizeof *out);
    if (n && !out)
        return lt_tt_fail(dec, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const Livetap__Webcast__LinkUserState *u = m->user_states[i];
        if (u->user) {
            out[i].user_id = u->user->user_id;
            out[i].room_id = u->user->room_id;
        }
        out[i].linkmic_id = non_empty(u->linkmic_id);
        if (u->pos && u->pos->link)
            out[i].position = opt(u->pos->link->has_position, u->pos->link->position);
        out[i].linked_time = opt(u->has_linked_time_nano, u->linked_time_nano);
        out[i].online_state = (int32_t)u->online_user_state;
        out[i].audio_muted = (int32_t)u->audio_muted;
        out[i].video_muted = (int32_t)u->video_muted;
        out[i].rtc_connection = (int32_t)u->rtc_connection;
        out[i].network_state = (int32_t)u->network_state;
        out[i].session_id = non_empty(u->linker_session_id);
    }
    s->users = out;
    s->user_count = n;
    return 0;
}

int lt_tt_map_link_state(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__LinkStateMessage *m = UNPACK(dec, livetap__webcast__link_state_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid LinkStateMessage");
    ev->type = LT_EVENT_LINK_STATE;
    lt_tt_apply_common(m->common, ev);
    lt_link_state *s = &ev->as.link_state;
    s->method = "WebcastLinkStateMessage";
    s->channel_id = opt(m->has_channel_id, m->channel_id);
    s->scene = opt(m->has_scene, m->scene);
    s->version = opt(m->has_version, m->version);
    s->state_type = opt(m->has_state_type, m->state_type);
    s->linker_mode = opt(m->has_linker_mode, m->linker_mode);
    s->wallpaper_url = non_empty(m->wallpaper_url);
    if (m->background)
        s->background_sticker_id = non_empty(m->background->sticker_id);
    if (m->layout) {
        s->layout_id = non_empty(m->layout->layout_id);
        s->layout_key = non_empty(m->layout->layout_key);
        const Livetap__Webcast__MultiGuestLayoutExtra *x = m->layout->multi_guest_layout_extra;
        if (x) {
            s->layout_style = opt(x->has_current_layout_style, x->current_layout_style);
            s->max_position = opt(x->has_current_max_position, x->current_max_position);
            s->enlarge_status = opt(x->has_enlarge_status, x->enlarge_status);
        }
        const Livetap__Webcast__MultiGuestLayoutNonSeiExtra *nx = m->layout->multi_guest_layout_non_sei_extra;
        if (nx && nx->social_game)
            s->song_title = non_empty(nx->social_game->just_dance_song_title);
    }
    if (link_users(dec, m, s))
        return -1;
    return spot_list(dec, m->n_spot_list, (const Livetap__Webcast__SpotInfo *const *)m->spot_list, NULL, s);
}

int lt_tt_map_link_layout_state(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__LinkMicLayoutStateMessage *m =
        UNPACK(dec, livetap__webcast__link_mic_layout_state_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid LinkMicLayoutStateMessage");
    ev->type = LT_EVENT_LINK_STATE;
    lt_tt_apply_common(m->common, ev);
    lt_link_state *s = &ev->as.link_state;
    s->method = "WebcastLinkMicLayoutStateMessage";
    s->channel_id = opt(m->has_channel_id, m->channel_id);
    s->scene = opt(m->has_scene, m->scene);
    s->version = opt(m->has_version, m->version);
    const Livetap__Webcast__BizLayoutState *b = m->biz_layout_state;
    if (b && b->multi_guest_biz_layout_extra && b->multi_guest_biz_layout_extra->just_dance_layout_extra)
        s->song_title =
            non_empty(b->multi_guest_biz_layout_extra->just_dance_layout_extra->just_dance_song_title);
    return spot_list(dec, m->n_biz_spot_list, NULL,
                     (const Livetap__Webcast__BizSpotInfo *const *)m->biz_spot_list, s);
}

int lt_tt_map_speaker(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__SpeakerMessage *m = UNPACK(dec, livetap__webcast__speaker_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid SpeakerMessage");
    ev->type = LT_EVENT_LINK_STATE;
    lt_tt_apply_common(m->common, ev);
    ev->as.link_state.method = "WebcastSpeakerMessage";
    return 0;
}

/* ------------------------------------------------------------------ rank_notice */

int lt_tt_map_game_rank_notify(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__GameRankNotifyMessage *m =
        UNPACK(dec, livetap__webcast__game_rank_notify_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid GameRankNotifyMessage");
    ev->type = LT_EVENT_RANK_NOTICE;
    lt_tt_apply_common(m->common, ev);
    lt_rank_notice *r = &ev->as.rank_notice;
    r->method = "WebcastGameRankNotifyMessage";
    r->msg_type = opt(m->has_msg_type, m->msg_type);
    text_of(dec, m->notify_text, &r->text, &r->display_key);
    return 0;
}

int lt_tt_map_hourly_rank_reward(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__HourlyRankRewardMessage *m =
        UNPACK(dec, livetap__webcast__hourly_rank_reward_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid HourlyRankRewardMessage");
    ev->type = LT_EVENT_RANK_NOTICE;
    lt_tt_apply_common(m->common, ev);
    lt_rank_notice *r = &ev->as.rank_notice;
    r->method = "WebcastHourlyRankRewardMessage";
    size_t n = bounded(m->n_winners);
    lt_rank_winner *out = items(dec, n, sizeof *out);
    if (n && !out)
        return lt_tt_fail(dec, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const Livetap__Webcast__HourlyRankRewardInfo *w = m->winners[i];
        out[i].user_id = w->user_id;
        out[i].asset_id = w->asset_id;
        if (w->notify) {
            out[i].user = lt_tt_user_ptr(dec, w->notify->user);
            out[i].text = non_empty(w->notify->content);
        }
        if (w->avatar_border) {
            out[i].border_level = opt(w->avatar_border->has_level, w->avatar_border->level);
            out[i].border_name = non_empty(w->avatar_border->name);
            out[i].border_icon_url = lt_tt_image_url(w->avatar_border->icon);
        }
    }
    r->winners = out;
    r->winner_count = n;
    return 0;
}

int lt_tt_map_rank_text(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__RankTextMessage *m = UNPACK(dec, livetap__webcast__rank_text_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid RankTextMessage");
    ev->type = LT_EVENT_RANK_NOTICE;
    lt_tt_apply_common(m->common, ev);
    lt_rank_notice *r = &ev->as.rank_notice;
    r->method = "WebcastRankTextMessage";
    r->scene = opt(m->has_scene, m->scene);
    r->rank_type = opt(m->has_rank_type, m->rank_type);
    r->rank_before = opt(m->has_owner_idx_before_update, m->owner_idx_before_update);
    r->rank_after = opt(m->has_owner_idx_after_update, m->owner_idx_after_update);
    r->user_id = opt(m->has_cur_user_id, m->cur_user_id);
    text_of(dec, m->content, &r->text, &r->display_key);
    r->self_badge_text = lt_tt_render_text(dec, m->self_get_badge_msg);
    r->other_badge_text = lt_tt_render_text(dec, m->other_get_badge_msg);
    r->icon_url = lt_tt_image_url(m->left_icon);
    r->enigma_mask = m->user_enigma_info && m->user_enigma_info->is_enigma_mask_on;
    return 0;
}

/* ------------------------------------------------------------------ partnership */

int lt_tt_map_partnership_drops(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__PartnershipDropsUpdateMessage *m =
        UNPACK(dec, livetap__webcast__partnership_drops_update_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid PartnershipDropsUpdateMessage");
    ev->type = LT_EVENT_PARTNERSHIP;
    lt_tt_apply_common(m->common, ev);
    lt_partnership *p = &ev->as.partnership;
    p->method = "WebcastPartnershipDropsUpdateMessage";
    p->change_mode = opt(m->has_change_mode, m->change_mode);
    p->drops_id = non_empty(m->drops_id);
    p->task_id = non_empty(m->task_id);
    p->event_id = non_empty(m->event_id);
    p->anchor_id = opt(m->has_anchor_uid, m->anchor_uid);
    return 0;
}

int lt_tt_map_partnership_offline(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__PartnershipGameOfflineMessage *m =
        UNPACK(dec, livetap__webcast__partnership_game_offline_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid PartnershipGameOfflineMessage");
    ev->type = LT_EVENT_PARTNERSHIP;
    lt_tt_apply_common(m->common, ev);
    lt_partnership *p = &ev->as.partnership;
    p->method = "WebcastPartnershipGameOfflineMessage";
    size_t n = bounded(m->n_offline_game_list);
    lt_partnership_game *out = items(dec, n, sizeof *out);
    if (n && !out)
        return lt_tt_fail(dec, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const Livetap__Webcast__OfflineGameInfo *g = m->offline_game_list[i];
        out[i].game_id = g->game_id;
        out[i].task_id = g->task_id;
        out[i].task_type = (int32_t)g->task_type;
        out[i].offline_type = (int32_t)g->offline_type;
        out[i].task_list_len = (int32_t)g->task_list_len;
        out[i].toast_title = non_empty(g->toast_title);
        out[i].toast_text = non_empty(g->toast_text);
    }
    p->games = out;
    p->game_count = n;
    return 0;
}

int lt_tt_map_partnership_punish(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__PartnershipPunishMessage *m =
        UNPACK(dec, livetap__webcast__partnership_punish_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid PartnershipPunishMessage");
    ev->type = LT_EVENT_PARTNERSHIP;
    lt_tt_apply_common(m->common, ev);
    lt_partnership *p = &ev->as.partnership;
    p->method = "WebcastPartnershipPunishMessage";
    const Livetap__Webcast__PunishEventInfo *i = m->punish_info;
    if (!i)
        return 0;
    p->punish_type = non_empty(i->punish_type);
    p->punish_type_id = opt(i->has_punish_type_id, i->punish_type_id);
    p->punish_reason = non_empty(i->punish_reason);
    p->punish_id = non_empty(i->punish_id);
    p->show_reason = non_empty(i->show_reason);
    p->perception_code = non_empty(i->punish_perception_code);
    p->violation_user_id = id_or_text(i->has_violation_uid, i->violation_uid, i->violation_uid_str);
    p->punish_duration = opt(i->has_duration, i->duration);
    p->punish_end_time = opt(i->has_end_time, i->end_time);
    return 0;
}

int lt_tt_map_live_game_intro(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__LiveGameIntroMessage *m =
        UNPACK(dec, livetap__webcast__live_game_intro_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid LiveGameIntroMessage");
    ev->type = LT_EVENT_PARTNERSHIP;
    lt_tt_apply_common(m->common, ev);
    lt_partnership *p = &ev->as.partnership;
    p->method = "WebcastLiveGameIntroMessage";
    text_of(dec, m->content, &p->text, &p->display_key);
    p->has_rank_info = m->has_with_rank_info && m->with_rank_info;
    return 0;
}

/* ------------------------------------------------------------------ sub_pin, viewer_picks */

int lt_tt_map_sub_pin(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    static const char *const names[] = {"unknown", "pin", "unpin"};
    Livetap__Webcast__SubPinEventMessage *m = UNPACK(dec, livetap__webcast__sub_pin_event_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid SubPinEventMessage");
    ev->type = LT_EVENT_SUB_PIN;
    lt_tt_apply_common(m->common, ev);
    lt_sub_pin *s = &ev->as.sub_pin;
    s->action = (int32_t)m->action_type;
    s->action_name = WORD(names, m->action_type);
    s->operator_user_id = m->operator_user_id;
    const Livetap__Webcast__SubPinCard *c = m->card;
    if (!c)
        return 0;
    s->card_id = opt(c->has_id, c->id);
    s->template_id = opt(c->has_template_id, c->template_id);
    s->card_type = opt(c->has_type, c->type);
    s->time_to_live = opt(c->has_time_to_live, c->time_to_live);
    s->last_pin_time = opt(c->has_last_pin_timestamp, c->last_pin_timestamp);
    s->pin_source = opt(c->has_pin_source, c->pin_source);
    s->title = c->title ? non_empty(c->title->content) : NULL;
    s->description = c->desc ? non_empty(c->desc->content) : NULL;
    s->image_url = lt_tt_image_url(c->image);
    s->action_schema = non_empty(c->action_schema);
    const Livetap__Webcast__SubGoalPinCard *g = c->goal_pin_card;
    if (g) {
        s->goal_id = opt(g->has_goal_id, g->goal_id);
        s->goal_target = opt(g->has_target, g->target);
        s->goal_progress = opt(g->has_progress, g->progress);
        s->goal_description = g->desc ? non_empty(g->desc->content) : NULL;
    }
    return 0;
}

static const char *picks_game_name(const Livetap__Webcast__ViewerPicksProfileExtra *x)
{
    if (!x)
        return NULL;
    const Livetap__Webcast__ViewerPicksGame *games[] = {x->game_tricks, x->game_interaction};
    for (int i = 0; i < 2; i++)
        if (games[i] && games[i]->external && non_empty(games[i]->external->game_name))
            return games[i]->external->game_name;
    return NULL;
}

int lt_tt_map_viewer_picks(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__ViewerPicksUpdateMessage *m =
        UNPACK(dec, livetap__webcast__viewer_picks_update_message, data, len);
    if (!m)
        return lt_tt_fail(dec, "not a valid ViewerPicksUpdateMessage");
    ev->type = LT_EVENT_VIEWER_PICKS;
    lt_tt_apply_common(m->common, ev);
    lt_viewer_picks *v = &ev->as.viewer_picks;
    v->update_type = (int32_t)m->update_type;
    const Livetap__Webcast__ViewerPicksInfo *i = m->info;
    if (!i)
        return 0;
    v->viewer_picks_id = id_or_text(i->has_viewer_picks_id, i->viewer_picks_id, i->viewer_picks_id_str).value;
    v->status = (int32_t)i->status;
    v->round_duration = opt(i->has_round_duration_sec, i->round_duration_sec);
    v->start_time = opt(i->has_start_time_ms, i->start_time_ms);
    v->end_time = opt(i->has_end_time_ms, i->end_time_ms);
    v->timed = i->with_duration;
    v->scored = i->with_score;
    v->auto_restart = i->enable_auto_restart;
    v->started_from_auto_restart = i->started_from_auto_restart;
    v->started_from_auto_start = i->started_from_auto_start;
    v->display_mode = (int32_t)i->display_mode;
    v->scene = (int32_t)i->scene;
    v->header_image_url = i->header_image ? lt_tt_image_url(i->header_image->image) : NULL;
    v->game_name = picks_game_name(i->extra);
    size_t n = bounded(i->n_gift_pick_list);
    lt_viewer_pick *out = items(dec, n, sizeof *out);
    if (n && !out)
        return lt_tt_fail(dec, "out of memory");
    for (size_t k = 0; k < n; k++) {
        const Livetap__Webcast__GiftPick *p = i->gift_pick_list[k]->gift_pick;
        out[k].score = i->gift_pick_list[k]->score;
        if (!p)
            continue;
        out[k].pick_id = id_or_text(p->has_gift_pick_id, p->gift_pick_id, p->gift_pick_id_str).value;
        out[k].gift_id = p->gift_id;
        out[k].description = non_empty(p->customized_desc);
        out[k].icon_url = lt_tt_image_url(p->gift_icon);
        out[k].gift_price = p->gift_price;
        out[k].priority_request = p->is_priority_request;
        out[k].desc_source = (int32_t)p->desc_source;
    }
    v->picks = out;
    v->pick_count = n;
    return 0;
}
