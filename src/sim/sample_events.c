/* sample_events.c - see sample_events.h.
 *
 * The common types get hand-written, realistic content (gift streaks with
 * cumulative repeat counts, like totals, viewer lists), and so do the grouped
 * topics whose `method` must name a real method (notice, moderation); any
 * other type is filled from its field table, so types added later are
 * covered without touching this file.
 */
#include "sim/sample_events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SAMPLE_STRINGS 64

struct lt_sample_events {
    char strings[SAMPLE_STRINGS][96];
    int next_string;
    const char *str_ptrs[8];
    lt_user users[4];
    lt_top_viewer top[3];
    uint8_t payload[32];
    uint8_t generic[2048]; /* records and arrays for table-filled types */
    size_t generic_used;
};

static const char *const nicknames[] = {"Mika", "Jonas", "Aylin", "Sven", "Priya", "Tomás", "Lea", "Kenji"};
static const char *const chats[] = {"hello from Berlin!", "🔥🔥🔥", "what song is this?", "first time here",
                                    "love this stream", "can you say hi to my mum?"};
static const char *const gifts[] = {"Rose", "TikTok", "Finger Heart", "Galaxy", "Lion"};
static const int gift_diamonds[] = {1, 1, 5, 1000, 29999};

/* "<prefix><n><suffix>" in one of the generator's rotating buffers. */
static const char *str(lt_sample_events *g, const char *prefix, long long n, const char *suffix)
{
    char *s = g->strings[g->next_string++ % SAMPLE_STRINGS];
    snprintf(s, sizeof g->strings[0], "%s%lld%s", prefix, n, suffix);
    return s;
}

static void user(lt_sample_events *g, lt_user *u, long long id)
{
    memset(u, 0, sizeof *u);
    u->id = 7000000000000000000LL + id;
    u->unique_id = str(g, "user_", id, "");
    u->nickname = nicknames[id % 8];
    u->avatar_url = id % 3 ? str(g, "https://p16-sign.tiktokcdn.com/avatar/", id, ".webp") : NULL;
    u->follower_count = id * 37 % 100000;
    u->following_count = id * 11 % 900;
    u->is_follower = id % 2;
    u->is_friend = id % 5 == 0;
    u->is_moderator = id % 17 == 0;
    u->is_subscriber = id % 7 == 0;
    u->gifter_level = (int32_t)(id % 50);
    u->member_level = (int32_t)(id % 20);
    u->sec_uid = id % 2 ? str(g, "MS4wLjABAAAA", id, "") : NULL;
    if (id % 4 == 0) {
        g->str_ptrs[0] = "top_gifter";
        g->str_ptrs[1] = str(g, "fan_level_", id % 20, "");
        u->badges = g->str_ptrs;
        u->badge_count = 2;
    }
}

static void *generic_alloc(lt_sample_events *g, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (g->generic_used + n > sizeof g->generic)
        return NULL;
    void *p = g->generic + g->generic_used;
    g->generic_used += n;
    memset(p, 0, n);
    return p;
}

static void fill_generic(lt_sample_events *g, const lt_record_desc *desc, uint8_t *base, long long seed)
{
    for (size_t i = 0; i < desc->field_count; i++) {
        const lt_field *f = &desc->fields[i];
        uint8_t *at = base + f->offset;
        long long v = seed * 31 + (long long)i;
        switch (f->kind) {
        case LT_FIELD_BOOL: *(bool *)at = v % 2; break;
        case LT_FIELD_INT: *(int32_t *)at = (int32_t)(v % 100000); break;
        case LT_FIELD_LONG: *(int64_t *)at = v; break;
        case LT_FIELD_OPT_LONG: ((lt_opt_long *)at)->present = v % 2, ((lt_opt_long *)at)->value = v; break;
        case LT_FIELD_STRING: *(const char **)at = str(g, "v", v, ""); break;
        case LT_FIELD_OPT_STRING: *(const char **)at = v % 2 ? str(g, "o", v, "") : NULL; break;
        case LT_FIELD_BYTES: ((lt_bytes *)at)->data = g->payload, ((lt_bytes *)at)->len = 8; break;
        case LT_FIELD_PLATFORM: *(lt_platform *)at = LT_PLATFORM_TIKTOK; break;
        case LT_FIELD_RECORD: fill_generic(g, f->record, at, v); break;
        case LT_FIELD_OPT_RECORD: {
            uint8_t *rec = generic_alloc(g, f->record->size);
            if (rec)
                fill_generic(g, f->record, rec, v);
            *(uint8_t **)at = rec;
            break;
        }
        case LT_FIELD_STRING_ARRAY: {
            const char **items = generic_alloc(g, 2 * sizeof *items);
            if (items)
                items[0] = str(g, "a", v, ""), items[1] = str(g, "b", v, "");
            *(const char ***)at = items;
            *(size_t *)(base + f->count_offset) = items ? 2 : 0;
            break;
        }
        case LT_FIELD_RECORD_ARRAY: {
            uint8_t *item = generic_alloc(g, f->record->size);
            if (item)
                fill_generic(g, f->record, item, v);
            *(uint8_t **)at = item;
            *(size_t *)(base + f->count_offset) = item ? 1 : 0;
            break;
        }
        }
    }
}

/* notice, moderation, unauthorized_member: one of their methods each time,
 * with the fields that method carries. */
static void notice_family_sample(lt_sample_events *g, lt_event *ev, int64_t seq, long long uid)
{
    static const char *const notices[] = {"Welcome to TikTok LIVE! Have fun interacting with others in real time.",
                                          "Send a Rose to support the host", "Comments are limited for 10 minutes"};
    long long k = seq / LT_EVENT_TYPE_COUNT;
    if (ev->type == LT_EVENT_UNAUTHORIZED_MEMBER) {
        ev->as.unauthorized_member.action = 1;
        ev->as.unauthorized_member.nickname = str(g, "us***", k % 100, "");
        ev->as.unauthorized_member.text = "joined";
        ev->as.unauthorized_member.display_key = "live_room_enter_toast_anonymous";
        return;
    }
    lt_punishment *p = generic_alloc(g, sizeof *p);
    if (p) {
        p->punish_id = str(g, "pn-", 1000 + k, "");
        p->type_id = 9;
        p->type_name = "ban_linkmic";
        p->reason = "multi-guest policy";
        p->violation_user_id = 7000000000000000000LL + uid;
        p->duration = 3600;
        p->end_time = ev->event_time / 1000 + 3600;
    }
    if (ev->type == LT_EVENT_MODERATION) {
        lt_moderation *o = &ev->as.moderation;
        if (k % 2) {
            o->method = "WebcastPerceptionMessage";
            o->title = "Your LIVE has a warning";
            o->text = "Multi-guest is off for 1 hour";
            o->violation_warning = true;
            o->punishment = p;
            o->end_time = (lt_opt_long){true, ev->event_time / 1000 + 3600};
        } else {
            o->method = "WebcastAccessControlMessage";
            o->captcha_id = (lt_opt_long){true, 7300 + k};
            o->verify_duration_s = (lt_opt_long){true, 120};
        }
        return;
    }
    lt_notice *n = &ev->as.notice;
    switch (k % 3) {
    case 0:
        n->method = "WebcastSystemMessage";
        break;
    case 1:
        n->method = "WebcastGuideMessage";
        n->type_code = (lt_opt_long){true, 4};
        n->gift_id = (lt_opt_long){true, 5655};
        break;
    default:
        n->method = "WebcastBottomMessage";
        n->type_code = (lt_opt_long){true, 5};
        n->type_name = "ags_at_risk_of_unable_to_comment";
        n->punishment = p;
        break;
    }
    n->text = notices[k % 3];
}

/* ------------------------------------------------------------------ grouped families */

/* a followed by b in one of the rotating buffers */
static const char *joined(lt_sample_events *g, const char *a, const char *b)
{
    char *s = g->strings[g->next_string++ % SAMPLE_STRINGS];
    snprintf(s, sizeof g->strings[0], "%s%s", a, b);
    return s;
}

static lt_opt_long some(int64_t v)
{
    lt_opt_long o = {true, v};
    return o;
}

static const char *const family_methods[][5] = {
    {"WebcastGiftBroadcastMessage", "WebcastGiftDynamicRestrictionMessage", "WebcastGiftPanelUpdateMessage",
     "WebcastGiftPromptMessage", "WebcastBoostCardMessage"},
    {"WebcastLinkMicBattleItemCard", "WebcastLinkMicBattlePunishFinish", "WebcastLinkmicBattleTaskMessage"},
    {"WebcastLinkStateMessage", "WebcastLinkMicLayoutStateMessage", "WebcastSpeakerMessage"},
    {"WebcastGameRankNotifyMessage", "WebcastHourlyRankRewardMessage", "WebcastRankTextMessage"},
    {"WebcastPartnershipDropsUpdateMessage", "WebcastPartnershipGameOfflineMessage",
     "WebcastPartnershipPunishMessage", "WebcastLiveGameIntroMessage"},
};

static void sample_gift_notice(lt_sample_events *g, lt_event *ev, int64_t seq, long long uid)
{
    lt_gift_notice *n = &ev->as.gift_notice;
    int k = (int)(seq / LT_EVENT_TYPE_COUNT % 2);
    lt_user *u = &g->users[0];
    user(g, u, uid);
    if (k == 0) {
        n->method = family_methods[0][0];
        n->user = u;
        n->from_user_id = some(u->id);
        n->to_anchor_id = some(7000000000000000001LL);
        n->text = joined(g, u->nickname, " sent TikTok Universe");
        n->notify_type = some(1);
        n->duration = some(8);
        return;
    }
    lt_gift_notice_gift *goals = generic_alloc(g, 2 * sizeof *goals);
    n->method = family_methods[0][2];
    n->panel_time = some(ev->event_time / 1000);
    n->goal_status = some(1);
    if (goals) {
        for (int i = 0; i < 2; i++) {
            goals[i].source = "goal";
            goals[i].gift_id = 5655 + i;
            goals[i].progress = some(seq % 100);
            goals[i].target = some(100);
            goals[i].expire_time = some(ev->event_time + 3600000);
        }
        n->gifts = goals;
        n->gift_count = 2;
    }
}

static void sample_battle_task(lt_sample_events *g, lt_event *ev, int64_t seq, long long uid)
{
    lt_battle_task *t = &ev->as.battle_task;
    lt_user *u = &g->users[0];
    user(g, u, uid);
    t->method = family_methods[1][0];
    t->battle_id = 7200000000000000000LL + seq / LT_EVENT_TYPE_COUNT;
    t->action = 5;
    t->action_name = "use_extra_time_card";
    t->user = u;
    t->anchor_id = some(7000000000000000001LL);
    t->to_anchor_id = some(7000000000000000001LL);
    t->card_name_key = "pk_extra_time_card";
    t->text = joined(g, u->nickname, " added 30 seconds");
    t->send_time = some(ev->event_time / 1000);
    t->extra_duration = some(30);
}

static void sample_link_state(lt_sample_events *g, lt_event *ev, int64_t seq, long long uid)
{
    lt_link_state *s = &ev->as.link_state;
    lt_link_user *guests = generic_alloc(g, 2 * sizeof *guests);
    s->method = family_methods[2][0];
    s->channel_id = some(7100000000000000000LL + seq / LT_EVENT_TYPE_COUNT);
    s->scene = some(4);
    s->version = some(seq);
    s->state_type = some(2);
    s->layout_id = "grid_4";
    if (guests) {
        for (int i = 0; i < 2; i++) {
            guests[i].user_id = 7000000000000000000LL + uid + i;
            guests[i].room_id = 7300000000000000000LL + uid + i;
            guests[i].position = some(i + 1);
            guests[i].online_state = 1;
            guests[i].audio_muted = 1 + (int32_t)((seq + i) % 2);
            guests[i].video_muted = 1;
            guests[i].rtc_connection = 1;
            guests[i].network_state = 1 + (int32_t)(seq % 3);
        }
        s->users = guests;
        s->user_count = 2;
    }
}

static void sample_rank_notice(lt_sample_events *g, lt_event *ev, int64_t seq)
{
    lt_rank_notice *r = &ev->as.rank_notice;
    long long before = 2 + seq % 20;
    r->method = family_methods[3][2];
    r->scene = some(1);
    r->rank_type = some(0);
    r->rank_before = some(before);
    r->rank_after = some(before - 1);
    r->display_key = "pm_mt_rank_text";
    r->text = str(g, "The LIVE creator is now #", before - 1, " in the hourly ranking");
}

static void sample_partnership(lt_sample_events *g, lt_event *ev, int64_t seq)
{
    lt_partnership *p = &ev->as.partnership;
    (void)g;
    p->method = family_methods[4][0];
    p->change_mode = some(seq % 3);
    p->drops_id = "drops-7301";
    p->task_id = "task-12";
    p->anchor_id = some(7000000000000000001LL);
}

static void sample_sub_pin(lt_event *ev, int64_t seq)
{
    lt_sub_pin *s = &ev->as.sub_pin;
    s->action = 1;
    s->action_name = "pin";
    s->operator_user_id = 7000000000000000001LL;
    s->card_id = some(9000 + seq % 10);
    s->card_type = some(2);
    s->title = "Subscriber goal";
    s->goal_id = some(50);
    s->goal_target = some(100);
    s->goal_progress = some(seq % 100);
    s->goal_description = "100 subscribers: cooking stream on Sunday";
}

static void sample_viewer_picks(lt_sample_events *g, lt_event *ev, int64_t seq)
{
    static const char *const wishes[] = {"sing a song", "do 10 push-ups"};
    lt_viewer_picks *v = &ev->as.viewer_picks;
    lt_viewer_pick *picks = generic_alloc(g, 2 * sizeof *picks);
    v->update_type = 2;
    v->viewer_picks_id = 880000 + seq / LT_EVENT_TYPE_COUNT;
    v->status = 1;
    v->round_duration = some(300);
    v->start_time = some(ev->event_time - 60000);
    v->end_time = some(ev->event_time + 240000);
    v->timed = v->scored = true;
    if (picks) {
        for (int i = 0; i < 2; i++) {
            picks[i].pick_id = i + 1;
            picks[i].gift_id = 5655 + i;
            picks[i].description = wishes[i];
            picks[i].gift_price = gift_diamonds[i];
            picks[i].score = (seq * (i + 3)) % 50;
        }
        v->picks = picks;
        v->pick_count = 2;
    }
}

lt_sample_events *lt_sample_events_create(void)
{
    lt_sample_events *g = calloc(1, sizeof *g);
    if (g)
        for (size_t i = 0; i < sizeof g->payload; i++)
            g->payload[i] = (uint8_t)(i * 7 + 1);
    return g;
}

void lt_sample_events_destroy(lt_sample_events *gen)
{
    free(gen);
}

void lt_sample_event(lt_sample_events *g, const char *room_id, int64_t seq, lt_event *ev)
{
    memset(ev, 0, sizeof *ev);
    g->generic_used = 0;
    ev->type = (lt_event_type)(seq % LT_EVENT_TYPE_COUNT);
    ev->platform = LT_PLATFORM_TIKTOK;
    ev->room_id = room_id;
    ev->msg_id = seq + 1;
    ev->event_time = 1795000000000LL + seq * 50;
    long long uid = (seq * 2654435761LL) % 100000;
    switch (ev->type) {
    case LT_EVENT_CHAT:
        user(g, &ev->as.chat.user, uid);
        ev->as.chat.content = chats[seq % 6];
        ev->as.chat.language = seq % 2 ? "en" : NULL;
        break;
    case LT_EVENT_GIFT: {
        lt_gift *gift = &ev->as.gift;
        int k = (int)(seq / LT_EVENT_TYPE_COUNT % 5);
        user(g, &gift->user, uid);
        gift->gift_id = 5655 + k;
        gift->gift_name = gifts[k];
        gift->gift_image_url = str(g, "https://p19-webcast.tiktokcdn.com/gift/", gift->gift_id, ".png");
        gift->diamond_count = gift_diamonds[k];
        gift->gift_type = k < 3 ? 1 : 2;
        gift->streakable = gift->gift_type == 1;
        gift->repeat_count = (int32_t)(seq % 4 + 1);
        gift->repeat_end = !gift->streakable || seq % 4 == 3;
        gift->group_id = 1700000000000LL + seq / 4;
        gift->gifts_added = 1;
        gift->diamonds_added = gift->diamond_count;
        gift->streak_closed = gift->repeat_end;
        break;
    }
    case LT_EVENT_LIKE:
        user(g, &ev->as.like.user, uid);
        ev->as.like.count = (int32_t)(seq % 15 + 1);
        ev->as.like.total = 1000 + seq * 8;
        ev->as.like.total_max = ev->as.like.total;
        ev->as.like.effect_cnt = seq % 3;
        ev->as.like.display_text = seq % 2 ? NULL : "a viewer liked the LIVE";
        break;
    case LT_EVENT_MEMBER:
        user(g, &ev->as.member.user, uid);
        ev->as.member.action = 1;
        ev->as.member.member_count = 400 + seq % 100;
        break;
    case LT_EVENT_SOCIAL:
        user(g, &ev->as.social.user, uid);
        ev->as.social.action = seq % 2 ? "follow" : "share";
        ev->as.social.share_type = seq % 2 ? 0 : 1;
        ev->as.social.follow_count = 120 + seq;
        ev->as.social.action_code = seq % 2 ? 1 : 3;
        ev->as.social.display_key = seq % 2 ? "pm_mt_msg_viewer_follow" : "pm_main_follow_message_viewer_2";
        break;
    case LT_EVENT_VIEWERS:
        for (int i = 0; i < 3; i++) {
            user(g, &g->top[i].user, uid + i);
            g->top[i].rank = i + 1;
            g->top[i].score = 5000 - i * 1000;
        }
        ev->as.viewers.viewer_count = 400 + seq % 100;
        ev->as.viewers.total_user = 10000 + seq;
        ev->as.viewers.popularity = ev->as.viewers.viewer_count * 12;
        ev->as.viewers.anonymous = seq % 20;
        ev->as.viewers.top_viewers = g->top;
        ev->as.viewers.top_viewer_count = 3;
        break;
    case LT_EVENT_CONTROL:
        ev->as.control.action = 1;
        ev->as.control.action_name = "paused";
        ev->as.control.tips = "The LIVE is paused";
        break;
    case LT_EVENT_ROOM_STATUS:
        ev->as.room_status.state = "live";
        ev->as.room_status.input = room_id;
        ev->as.room_status.attempt = (int32_t)(seq % 3);
        break;
    case LT_EVENT_UNKNOWN:
        ev->as.unknown.method = "WebcastFutureFeatureMessage";
        ev->as.unknown.payload.data = g->payload;
        ev->as.unknown.payload.len = sizeof g->payload;
        ev->as.unknown.reason = "no_decoder";
        break;
    case LT_EVENT_NOTICE:
    case LT_EVENT_MODERATION:
    case LT_EVENT_UNAUTHORIZED_MEMBER:
        notice_family_sample(g, ev, seq, uid);
        break;
    /* the grouped families */
    case LT_EVENT_GIFT_NOTICE: sample_gift_notice(g, ev, seq, uid); break;
    case LT_EVENT_BATTLE_TASK: sample_battle_task(g, ev, seq, uid); break;
    case LT_EVENT_LINK_STATE: sample_link_state(g, ev, seq, uid); break;
    case LT_EVENT_RANK_NOTICE: sample_rank_notice(g, ev, seq); break;
    case LT_EVENT_PARTNERSHIP: sample_partnership(g, ev, seq); break;
    case LT_EVENT_SUB_PIN: sample_sub_pin(ev, seq); break;
    case LT_EVENT_VIEWER_PICKS: sample_viewer_picks(g, ev, seq); break;
    default:
        fill_generic(g, lt_event_type_info_get(ev->type)->record, (uint8_t *)ev, seq);
        break;
    }
}
