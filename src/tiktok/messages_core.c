/* messages_core.c - the common WebCast messages: chat, gift, like, member,
 * social, viewers, control; and the gift streak arithmetic.
 *
 * Gift streaks. A streakable gift (Gift.type 1) tapped repeatedly arrives as
 * several messages of one group_id with a cumulative repeat_count, the last
 * with repeat_end 1 — which the platform sometimes never sends, and a
 * single tap yields two messages (count 1 open, count 1 closed). The peers
 * disagree on which event to count (docs/protocol/webcast.md §6.3). We count
 * increments: per (sender, gift, group) the decoder remembers the largest
 * repeat_count already counted, and each event adds max(repeat_count -
 * counted, 0). Summing gifts_added over all events then counts every gift
 * exactly once whether or not the closing event arrives, whatever the order,
 * and even when the platform re-sends messages after a reconnect.
 * streak_closed is set on the first event that ends its streak
 * (repeat_end, or any non-streakable gift). A gift without a group_id and
 * not streakable stands alone: it adds its repeat_count (at least 1).
 * Entries are dropped after STREAK_IDLE_MS without events (swept at most a
 * minute late, when a new streak comes), and the table is bounded (the
 * least recently seen entry makes room). An index makes a lookup one probe
 * sequence whatever the table holds.
 */
#include "tiktok/messages_internal.h"

#include <stdlib.h>
#include <string.h>

#define STREAK_IDLE_MS (10 * 60 * 1000)
#define STREAK_MAX 4096
#define STREAK_SWEEP_MS (60 * 1000) /* a new streak sweeps idle entries at most this often */

/* ------------------------------------------------------------------ gift streaks */

/* The table is an array (LRU order does not matter: the oldest entry is
 * found by last_seen) with an open-addressing index of twice its capacity,
 * so a gift costs one probe sequence, not a scan of every open streak (a
 * busy room holds thousands). Idle entries are swept, and the index
 * rebuilt, when a new streak finds the last sweep a minute of event time
 * old or the table full; a streak found is continued even when idle, as
 * before the index. */
static size_t streak_slot_of(int64_t user_id, int64_t gift_id, int64_t group_id, size_t mask)
{
    uint64_t h = (uint64_t)user_id * 0x9e3779b97f4a7c15ull;
    h ^= (uint64_t)gift_id * 0xc2b2ae3d27d4eb4full + (h >> 29);
    h ^= (uint64_t)group_id * 0x165667b19e3779f9ull + (h >> 32);
    h ^= h >> 31;
    return (size_t)h & mask;
}

static void streak_index_rebuild(lt_tiktok_decoder *dec)
{
    size_t mask = 2 * dec->streak_cap - 1;
    memset(dec->streak_slots, 0, 2 * dec->streak_cap * sizeof *dec->streak_slots);
    for (size_t i = 0; i < dec->streak_count; i++) {
        const gift_streak *s = &dec->streaks[i];
        size_t j = streak_slot_of(s->user_id, s->gift_id, s->group_id, mask);
        while (dec->streak_slots[j])
            j = (j + 1) & mask;
        dec->streak_slots[j] = (uint32_t)i + 1;
    }
}

static gift_streak *streak_find(lt_tiktok_decoder *dec, int64_t user_id, int64_t gift_id, int64_t group_id)
{
    if (!dec->streak_count)
        return NULL;
    size_t mask = 2 * dec->streak_cap - 1;
    for (size_t j = streak_slot_of(user_id, gift_id, group_id, mask); dec->streak_slots[j];
         j = (j + 1) & mask) {
        gift_streak *s = &dec->streaks[dec->streak_slots[j] - 1];
        if (s->user_id == user_id && s->gift_id == gift_id && s->group_id == group_id)
            return s;
    }
    return NULL;
}

/* Drops the entries idle for more than STREAK_IDLE_MS at `now`. */
static void streak_sweep(lt_tiktok_decoder *dec, int64_t now)
{
    for (size_t i = 0; i < dec->streak_count;) {
        if (now - dec->streaks[i].last_seen > STREAK_IDLE_MS) {
            dec->streaks[i] = dec->streaks[--dec->streak_count];
            continue;
        }
        i++;
    }
    dec->streak_swept_ms = now;
    streak_index_rebuild(dec);
}

static gift_streak *streak_find_or_add(lt_tiktok_decoder *dec, int64_t user_id, int64_t gift_id,
                                       int64_t group_id, int64_t now)
{
    gift_streak *s = streak_find(dec, user_id, gift_id, group_id);
    if (s)
        return s;
    if (dec->streak_count &&
        (now - dec->streak_swept_ms >= STREAK_SWEEP_MS || dec->streak_count == dec->streak_cap))
        streak_sweep(dec, now);
    if (dec->streak_count == dec->streak_cap) {
        if (dec->streak_cap < STREAK_MAX) {
            size_t cap = dec->streak_cap ? dec->streak_cap * 2 : 8;
            gift_streak *n = realloc(dec->streaks, cap * sizeof *n);
            if (n)
                dec->streaks = n;
            uint32_t *slots = n ? realloc(dec->streak_slots, 2 * cap * sizeof *slots) : NULL;
            if (slots) {
                dec->streak_slots = slots;
                dec->streak_cap = cap;
                streak_index_rebuild(dec);
            }
        }
        if (dec->streak_count == dec->streak_cap) {
            /* full (or out of memory): reuse the least recently seen slot */
            if (dec->streak_count == 0)
                return NULL;
            gift_streak *oldest = &dec->streaks[0];
            for (size_t i = 1; i < dec->streak_count; i++)
                if (dec->streaks[i].last_seen < oldest->last_seen)
                    oldest = &dec->streaks[i];
            memset(oldest, 0, sizeof *oldest);
            oldest->user_id = user_id, oldest->gift_id = gift_id, oldest->group_id = group_id;
            streak_index_rebuild(dec);
            return oldest;
        }
    }
    s = &dec->streaks[dec->streak_count++];
    memset(s, 0, sizeof *s);
    s->user_id = user_id, s->gift_id = gift_id, s->group_id = group_id;
    size_t mask = 2 * dec->streak_cap - 1;
    size_t j = streak_slot_of(user_id, gift_id, group_id, mask);
    while (dec->streak_slots[j])
        j = (j + 1) & mask;
    dec->streak_slots[j] = (uint32_t)(dec->streak_count - 1) + 1;
    return s;
}

void lt_tt_gift_streak(lt_tiktok_decoder *dec, lt_gift *g, int64_t event_time)
{
    int32_t count = g->repeat_count > 0 ? g->repeat_count : 1;
    bool ends = g->repeat_end || !g->streakable;
    if (g->group_id == 0 && !g->streakable) {
        g->gifts_added = count;
        g->streak_closed = true;
    } else {
        gift_streak *s = streak_find_or_add(dec, g->user.id, g->gift_id, g->group_id, event_time);
        if (!s) {
            /* no memory for bookkeeping: count this event as standing alone
             * only when it closes, so that nothing is counted twice */
            g->gifts_added = ends ? count : 0;
            g->streak_closed = ends;
        } else {
            g->gifts_added = count > s->counted ? count - s->counted : 0;
            if (count > s->counted)
                s->counted = count;
            g->streak_closed = ends && !s->closed;
            if (ends)
                s->closed = true;
            if (event_time > s->last_seen)
                s->last_seen = event_time;
        }
    }
    g->diamonds_added = (int64_t)g->gifts_added * g->diamond_count;
}

/* ------------------------------------------------------------------ mappers */

int lt_tt_map_chat(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__ChatMessage *m = livetap__webcast__chat_message__unpack(&dec->alloc, len, data);
    if (!m)
        return lt_tt_fail(dec, "not a valid ChatMessage");
    ev->type = LT_EVENT_CHAT;
    lt_tt_apply_common(m->common, ev);
    lt_chat *c = &ev->as.chat;
    lt_tt_user(dec, m->user, m->user_identity, &c->user);
    c->content = m->content;
    c->language = m->content_language && *m->content_language ? m->content_language : NULL;
    if (m->n_emotes) {
        const char **ids = lt_tt_alloc(dec, m->n_emotes * sizeof *ids);
        if (!ids)
            return lt_tt_fail(dec, "out of memory");
        size_t n = 0;
        for (size_t i = 0; i < m->n_emotes; i++)
            if (m->emotes[i]->emote && m->emotes[i]->emote->emote_id)
                ids[n++] = m->emotes[i]->emote->emote_id;
        c->emote_ids = ids;
        c->emote_count = n;
    }
    c->at_user = lt_tt_user_ptr(dec, m->at_user);
    return 0;
}

int lt_tt_map_gift(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__GiftMessage *m = livetap__webcast__gift_message__unpack(&dec->alloc, len, data);
    if (!m)
        return lt_tt_fail(dec, "not a valid GiftMessage");
    ev->type = LT_EVENT_GIFT;
    lt_tt_apply_common(m->common, ev);
    lt_gift *g = &ev->as.gift;
    const Livetap__Webcast__GiftDetails *d = m->gift;
    lt_tt_user(dec, m->user, NULL, &g->user);
    if (m->to_user && (m->to_user->id || m->to_user->display_id))
        g->to_user = lt_tt_user_ptr(dec, m->to_user);
    /* field 2 is missing in one schema family; the details carry the id too */
    g->gift_id = m->has_gift_id ? m->gift_id : (d ? d->id : 0);
    if (d) {
        g->gift_name = d->name;
        g->gift_image_url = lt_tt_image_url(d->image);
        if (!g->gift_image_url)
            g->gift_image_url = lt_tt_image_url(d->icon);
        g->diamond_count = d->diamond_count;
        g->gift_type = d->type;
    }
    g->repeat_count = m->repeat_count;
    g->repeat_end = m->repeat_end != 0;
    g->group_id = m->group_id;
    g->combo_count = m->combo_count;
    g->send_type = m->send_type;
    g->streakable = g->gift_type == 1;
    lt_tt_gift_streak(dec, g, ev->event_time);
    return 0;
}

int lt_tt_map_like(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__LikeMessage *m = livetap__webcast__like_message__unpack(&dec->alloc, len, data);
    if (!m)
        return lt_tt_fail(dec, "not a valid LikeMessage");
    ev->type = LT_EVENT_LIKE;
    lt_tt_apply_common(m->common, ev);
    lt_like *l = &ev->as.like;
    lt_tt_user(dec, m->user, NULL, &l->user);
    l->count = m->count;
    l->total = m->total;
    /* shards send totals out of order: keep the room's maximum next to the raw value */
    if (m->total > dec->like_total_max)
        dec->like_total_max = m->total;
    l->total_max = dec->like_total_max;
    l->effect_cnt = m->effect_cnt;
    if (m->common)
        l->display_text = lt_tt_render_text(dec, m->common->display_text);
    return 0;
}

int lt_tt_map_member(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__MemberMessage *m = livetap__webcast__member_message__unpack(&dec->alloc, len, data);
    if (!m)
        return lt_tt_fail(dec, "not a valid MemberMessage");
    ev->type = LT_EVENT_MEMBER;
    lt_tt_apply_common(m->common, ev);
    lt_member *mb = &ev->as.member;
    lt_tt_user(dec, m->user, NULL, &mb->user);
    mb->action = m->action;
    mb->member_count = m->member_count;
    mb->enter_type = (int32_t)m->enter_type;
    return 0;
}

/* Follow or share: the display key says it most reliably (the Python and
 * Node libraries); the action code is the fallback (1 follow, 2..5 share). */
static const char *social_action(const char *key, int64_t action)
{
    if (lt_tt_contains(key, "follow"))
        return "follow";
    if (lt_tt_contains(key, "share"))
        return "share";
    if (action == 1)
        return "follow";
    if (action >= 2 && action <= 5)
        return "share";
    return "other";
}

int lt_tt_map_social(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__SocialMessage *m = livetap__webcast__social_message__unpack(&dec->alloc, len, data);
    if (!m)
        return lt_tt_fail(dec, "not a valid SocialMessage");
    ev->type = LT_EVENT_SOCIAL;
    lt_tt_apply_common(m->common, ev);
    lt_social *s = &ev->as.social;
    const char *key = m->common && m->common->display_text ? m->common->display_text->key : NULL;
    lt_tt_user(dec, m->user, NULL, &s->user);
    s->action = social_action(key, m->action);
    s->share_type = (int32_t)m->share_type;
    s->share_target = m->share_target && *m->share_target ? m->share_target : NULL;
    s->follow_count = m->follow_count;
    s->share_count = m->share_count;
    s->display_key = key;
    s->action_code = m->action;
    return 0;
}

int lt_tt_map_viewers(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    Livetap__Webcast__RoomUserSeqMessage *m =
        livetap__webcast__room_user_seq_message__unpack(&dec->alloc, len, data);
    if (!m)
        return lt_tt_fail(dec, "not a valid RoomUserSeqMessage");
    ev->type = LT_EVENT_VIEWERS;
    lt_tt_apply_common(m->common, ev);
    lt_viewers *v = &ev->as.viewers;
    v->viewer_count = m->total;
    v->total_user = m->total_user;
    v->popularity = m->popularity;
    v->anonymous = m->anonymous;
    if (m->n_ranks) {
        lt_top_viewer *top = lt_tt_alloc(dec, m->n_ranks * sizeof *top);
        if (!top)
            return lt_tt_fail(dec, "out of memory");
        for (size_t i = 0; i < m->n_ranks; i++) {
            lt_tt_user(dec, m->ranks[i]->user, NULL, &top[i].user);
            top[i].rank = (int32_t)m->ranks[i]->rank;
            top[i].score = m->ranks[i]->score;
        }
        v->top_viewers = top;
        v->top_viewer_count = m->n_ranks;
    }
    return 0;
}

int lt_tt_map_control(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev)
{
    static const char *const names[] = {"unknown", "paused", "unpaused", "ended", "suspended"};
    Livetap__Webcast__ControlMessage *m = livetap__webcast__control_message__unpack(&dec->alloc, len, data);
    if (!m)
        return lt_tt_fail(dec, "not a valid ControlMessage");
    ev->type = LT_EVENT_CONTROL;
    lt_tt_apply_common(m->common, ev);
    lt_control *c = &ev->as.control;
    c->action = m->action;
    c->action_name = m->action >= 0 && m->action <= 4 ? names[m->action] : "unknown";
    c->tips = m->tips && *m->tips ? m->tips : NULL;
    return 0;
}
