/* traffic.c - see traffic.h.
 *
 * The mix per message (after the viewer count, which is time-driven):
 * chat 40 %, like 24 %, join 12 %, gift 11 % (streaks of 1-6 events with a
 * cumulative repeat_count and repeat_end on the last; non-streakable gifts
 * are single events), social 7 % (follow or share), one of the 20 methods
 * of the grouped families (gift_notice .. viewer_picks, evenly) 1 %, battle
 * 2 %, subscribe 1 %, and 2 % methods no client decodes ("WebcastSimFutureMessage" with an
 * opaque payload), so that the unknown-method path is exercised. Before that
 * mix, one message in 50 is one of the 14 notice, moderation and anonymous
 * join methods (traffic_notice.c), evenly, and one in 50 of the rest one of
 * the other 19 typed methods (traffic_more.c), evenly: together with the mix
 * every method livetap types but Control (which ends the stream) appears.
 * Randomness is xorshift64* seeded per room: the same seed and room index
 * always give the same traffic.
 */
#include "sim/traffic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "tiktok/frame.h"
#include "webcast.pb-c.h"

static uint64_t rnd(lt_sim_room *r)
{
    uint64_t x = r->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    r->rng = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static int pick(lt_sim_room *r, int n)
{
    return (int)(rnd(r) % (uint64_t)n);
}

void lt_sim_room_init(lt_sim_room *room, uint32_t index, uint64_t seed, const char *unique_id, int64_t room_id,
                      double rate)
{
    memset(room, 0, sizeof *room);
    room->index = index;
    snprintf(room->unique_id, sizeof room->unique_id, "%s", unique_id);
    room->room_id = room_id;
    room->rate = rate;
    room->rng = (seed ^ (0x9E3779B97F4A7C15ULL * (index + 1))) | 1;
    /* msg ids unique across rooms too: the index in the high bits */
    room->next_msg_id = 7000000000000000000LL + (int64_t)index * 100000000LL + 1;
    room->like_total = 100 + pick(room, 1000);
    /* whole seconds, as TikTok's create_time; a different start per room */
    room->live_since_ms = (lt_now_ms() / 1000 - 600 - (int64_t)(index % 50) * 60) * 1000;
    room->faults.resend = 5;
    room->record_ids = true;
}

void lt_sim_room_free(lt_sim_room *room)
{
    for (size_t i = 0; i < 16; i++)
        lt_buf_free(&room->recent[i].payload);
    if (room->log)
        for (size_t i = 0; i < LT_SIM_LOG; i++)
            lt_buf_free(&room->log[i].payload);
    free(room->log);
    room->log = NULL;
    free(room->ids);
    room->ids = NULL;
}

static const char *const nicknames[] = {"Mika", "Jonas", "Aylin", "Sven", "Priya", "Tomás", "Lea", "Kenji",
                                        "Zoë", "Omar", "Ines", "Yuki"};
static const char *const chats[] = {"hello from Berlin!", "🔥🔥🔥", "what song is this?", "first time here",
                                    "love this stream", "can you say hi to my mum?", "gg", "where are you from?",
                                    "❤️", "lol", "this is so relaxing", "play the one from yesterday"};
const lt_sim_gift lt_sim_gifts[] = {
    {5655, "Rose", 1, 1, "sent Rose"},
    {5269, "TikTok", 1, 1, "sent TikTok"},
    {5487, "Finger Heart", 5, 1, "sent Finger Heart"},
    {6064, "GG", 1, 1, "sent GG"},
    {5760, "Weights", 1, 1, "sent Weights"},
    {5827, "Ice Cream Cone", 1, 1, "sent Ice Cream Cone"},
    {7934, "Heart Me", 1, 1, "sent Heart Me"},
    {5658, "Perfume", 20, 1, "sent Perfume"},
    {5879, "Doughnut", 30, 1, "sent Doughnut"},
    {5660, "Hand Hearts", 100, 1, "sent Hand Hearts"},
    {5585, "Confetti", 100, 2, "sent Confetti"},
    {6267, "Corgi", 299, 2, "sent Corgi"},
    {11046, "Galaxy", 1000, 2, "sent Galaxy"},
    {6820, "Whale diving", 2150, 2, "sent Whale diving"},
    {6369, "Lion", 29999, 2, "sent Lion"},
    {7312, "TikTok Universe", 34999, 2, "sent TikTok Universe"},
};
const size_t lt_sim_gift_count = sizeof lt_sim_gifts / sizeof lt_sim_gifts[0];

void lt_sim_gift_image_url(const lt_sim_gift *gift, char *out, size_t outlen)
{
    snprintf(out, outlen, "https://p19-webcast.tiktokcdn.com/img/maliva/webcast-va/gift/%lld.png~tplv-obj.webp",
             (long long)gift->id);
}

/* Storage for one user while a message is packed. */
typedef struct user_store {
    Livetap__Webcast__User user;
    Livetap__Webcast__FollowInfo follow;
    Livetap__Webcast__Image avatar;
    char *urls[1];
    char display_id[32], avatar_url[96];
} user_store;

static void make_user(lt_sim_room *r, user_store *s)
{
    int n = pick(r, 5000);
    livetap__webcast__user__init(&s->user);
    livetap__webcast__follow_info__init(&s->follow);
    livetap__webcast__image__init(&s->avatar);
    s->user.has_id = 1;
    s->user.id = 6800000000000000000LL + n;
    s->user.nickname = (char *)nicknames[n % 12];
    snprintf(s->display_id, sizeof s->display_id, "viewer_%d", n);
    s->user.display_id = s->display_id;
    snprintf(s->avatar_url, sizeof s->avatar_url, "https://p16-sign-va.tiktokcdn.com/avatar/%d~100x100.webp", n);
    s->urls[0] = s->avatar_url;
    s->avatar.url_list = s->urls;
    s->avatar.n_url_list = 1;
    s->user.avatar_thumb = &s->avatar;
    s->follow.has_follower_count = s->follow.has_following_count = s->follow.has_follow_status = 1;
    s->follow.follower_count = n * 13 % 20000;
    s->follow.following_count = n % 700;
    s->follow.follow_status = n % 3 == 0;
    s->user.follow_info = &s->follow;
}

static void make_common(lt_sim_room *r, Livetap__Webcast__Common *c, const char *method, int64_t msg_id,
                        int64_t now_ms)
{
    livetap__webcast__common__init(c);
    c->method = (char *)method;
    c->has_msg_id = c->has_room_id = c->has_create_time = 1;
    c->msg_id = msg_id;
    c->room_id = r->room_id;
    c->create_time = now_ms;
}

#define PACK_INTO(buf, kind, msgp)                                                            \
    do {                                                                                      \
        size_t sz_ = livetap__webcast__##kind##__get_packed_size(msgp);                       \
        if (lt_buf_reserve((buf), sz_))                                                       \
            return -1;                                                                        \
        (buf)->len += livetap__webcast__##kind##__pack(msgp, (buf)->data + (buf)->len);        \
    } while (0)

int lt_sim_room_control(lt_sim_room *r, int64_t now_ms, int action, lt_sim_message *msg)
{
    Livetap__Webcast__ControlMessage m = LIVETAP__WEBCAST__CONTROL_MESSAGE__INIT;
    Livetap__Webcast__Common c;
    msg->method = "WebcastControlMessage";
    msg->msg_id = r->next_msg_id++;
    msg->unknown = false;
    make_common(r, &c, msg->method, msg->msg_id, now_ms);
    m.common = &c;
    m.has_action = 1;
    m.action = action;
    m.tips = action == 3 ? "The LIVE has ended" : "The LIVE is paused";
    lt_buf_reset(&msg->payload);
    PACK_INTO(&msg->payload, control_message, &m);
    return 0;
}

static int gen_chat(lt_sim_room *r, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__ChatMessage m = LIVETAP__WEBCAST__CHAT_MESSAGE__INIT;
    user_store u;
    make_user(r, &u);
    m.common = c;
    m.user = &u.user;
    m.content = (char *)chats[pick(r, 12)];
    m.content_language = pick(r, 2) ? "en" : NULL;
    PACK_INTO(&msg->payload, chat_message, &m);
    return 0;
}

static int gen_like(lt_sim_room *r, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__LikeMessage m = LIVETAP__WEBCAST__LIKE_MESSAGE__INIT;
    user_store u;
    make_user(r, &u);
    int count = 1 + pick(r, 15);
    r->like_total += count;
    m.common = c;
    m.user = &u.user;
    m.has_count = m.has_total = 1;
    m.count = count;
    /* shards send totals out of order: sometimes an older total */
    m.total = pick(r, 8) == 0 ? r->like_total - 20 - pick(r, 10) : r->like_total;
    PACK_INTO(&msg->payload, like_message, &m);
    return 0;
}

static int gen_member(lt_sim_room *r, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__MemberMessage m = LIVETAP__WEBCAST__MEMBER_MESSAGE__INIT;
    user_store u;
    make_user(r, &u);
    m.common = c;
    m.user = &u.user;
    m.has_action = m.has_member_count = 1;
    m.action = 1;
    m.member_count = 300 + pick(r, 200);
    PACK_INTO(&msg->payload, member_message, &m);
    return 0;
}

static int gen_gift(lt_sim_room *r, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    if (r->streak_count >= r->streak_len) { /* start a new gift */
        /* mostly the cheap ones, as in real rooms */
        size_t g = (size_t)(pick(r, 5) ? pick(r, LT_SIM_CHEAP_GIFTS) : pick(r, (int)lt_sim_gift_count));
        r->streak_gift = (int64_t)g;
        r->streak_group = c->create_time * 1000 + pick(r, 1000);
        r->streak_len = lt_sim_gifts[g].type == 1 ? 1 + pick(r, 6) : 1;
        r->streak_count = 0;
    }
    size_t g = (size_t)r->streak_gift;
    r->streak_count++;
    Livetap__Webcast__GiftMessage m = LIVETAP__WEBCAST__GIFT_MESSAGE__INIT;
    Livetap__Webcast__GiftDetails d = LIVETAP__WEBCAST__GIFT_DETAILS__INIT;
    Livetap__Webcast__Image icon = LIVETAP__WEBCAST__IMAGE__INIT;
    const lt_sim_gift *gift = &lt_sim_gifts[g];
    char url[160], *urls[1] = {url};
    lt_sim_gift_image_url(gift, url, sizeof url);
    icon.url_list = urls;
    icon.n_url_list = 1;
    user_store u;
    /* a streak has one sender: reseed the user pick from the group */
    uint64_t saved = r->rng;
    r->rng = (uint64_t)r->streak_group | 1;
    make_user(r, &u);
    r->rng = saved;
    d.has_id = d.has_type = d.has_diamond_count = 1;
    d.id = gift->id;
    d.type = gift->type;
    d.diamond_count = gift->diamonds;
    d.name = (char *)gift->name;
    d.image = &icon;
    m.common = c;
    m.user = &u.user;
    m.gift = &d;
    m.has_gift_id = m.has_repeat_count = m.has_repeat_end = m.has_group_id = m.has_combo_count = 1;
    m.gift_id = gift->id;
    m.repeat_count = r->streak_count;
    m.combo_count = r->streak_count;
    m.repeat_end = r->streak_count >= r->streak_len ? 1 : 0;
    m.group_id = r->streak_group;
    PACK_INTO(&msg->payload, gift_message, &m);
    return 0;
}

static int gen_social(lt_sim_room *r, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__SocialMessage m = LIVETAP__WEBCAST__SOCIAL_MESSAGE__INIT;
    Livetap__Webcast__Text t = LIVETAP__WEBCAST__TEXT__INIT;
    user_store u;
    make_user(r, &u);
    bool follow = pick(r, 3) != 0;
    t.key = follow ? "pm_main_follow_message_viewer_2" : "pm_mt_guidance_share";
    t.default_pattern = follow ? "{0:user} followed the LIVE creator" : "{0:user} shared the LIVE";
    c->display_text = &t;
    m.common = c;
    m.user = &u.user;
    m.has_action = m.has_follow_count = m.has_share_type = 1;
    m.action = follow ? 1 : 3;
    m.share_type = follow ? 0 : 1 + pick(r, 3);
    m.follow_count = 1200 + pick(r, 300);
    if (!follow) {
        m.share_target = "whatsapp";
        m.has_share_count = 1;
        m.share_count = 1 + pick(r, 40);
    }
    PACK_INTO(&msg->payload, social_message, &m);
    c->display_text = NULL;
    return 0;
}

static int gen_viewers(lt_sim_room *r, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__RoomUserSeqMessage m = LIVETAP__WEBCAST__ROOM_USER_SEQ_MESSAGE__INIT;
    Livetap__Webcast__Contributor top[3], *tops[3];
    user_store us[3];
    for (int i = 0; i < 3; i++) {
        livetap__webcast__contributor__init(&top[i]);
        make_user(r, &us[i]);
        top[i].user = &us[i].user;
        top[i].has_rank = top[i].has_score = 1;
        top[i].rank = i + 1;
        top[i].score = 5000 - 1000 * i + pick(r, 500);
        tops[i] = &top[i];
    }
    m.common = c;
    m.ranks = tops;
    m.n_ranks = 3;
    m.has_total = m.has_total_user = 1;
    m.total = 300 + pick(r, 200);
    m.total_user = 10000 + (int64_t)r->stats.sent;
    PACK_INTO(&msg->payload, room_user_seq_message, &m);
    return 0;
}

static int gen_battle(lt_sim_room *r, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__LinkMicBattle m = LIVETAP__WEBCAST__LINK_MIC_BATTLE__INIT;
    m.common = c;
    m.has_battle_id = m.has_action = 1;
    m.battle_id = 7200000000000000000LL + pick(r, 1000000);
    m.action = 1 + pick(r, 5);
    PACK_INTO(&msg->payload, link_mic_battle, &m);
    return 0;
}

static int gen_subscribe(lt_sim_room *r, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__SubNotifyMessage m = LIVETAP__WEBCAST__SUB_NOTIFY_MESSAGE__INIT;
    user_store u;
    make_user(r, &u);
    m.common = c;
    m.user = &u.user;
    PACK_INTO(&msg->payload, sub_notify_message, &m);
    return 0;
}

/* ------------------------------------------------------------------ grouped families
 *
 * 1 % of the traffic: one of the 20 methods livetap types in family topics
 * (gift_notice, battle_task, link_state, rank_notice, partnership, sub_pin,
 * viewer_picks), each with the fields a consumer of its topic reads. */

static int64_t sim_battle_id(lt_sim_room *r)
{
    return 7200000000000000000LL + pick(r, 1000000);
}

static int gen_gift_broadcast(lt_sim_room *r, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__GiftBroadcastMessage m = LIVETAP__WEBCAST__GIFT_BROADCAST_MESSAGE__INIT;
    Livetap__Webcast__EmbeddedNotify n = LIVETAP__WEBCAST__EMBEDDED_NOTIFY__INIT;
    user_store u;
    make_user(r, &u);
    const lt_sim_gift *gift = &lt_sim_gifts[lt_sim_gift_count - 1 - (size_t)pick(r, 4)];
    char text[128];
    snprintf(text, sizeof text, "%s sent %s", u.user.nickname, gift->name);
    n.content = text;
    n.user = &u.user;
    n.has_notify_type = n.has_to_anchor_id = 1;
    n.notify_type = 1;
    n.to_anchor_id = r->room_id;
    m.common = c;
    m.has_from_user_id = 1;
    m.from_user_id = u.user.id;
    m.notify = &n;
    PACK_INTO(&msg->payload, gift_broadcast_message, &m);
    return 0;
}

static int gen_gift_restriction(lt_sim_room *r, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__GiftDynamicRestrictionMessage m =
        LIVETAP__WEBCAST__GIFT_DYNAMIC_RESTRICTION_MESSAGE__INIT;
    Livetap__Webcast__GiftDynamicRestriction d = LIVETAP__WEBCAST__GIFT_DYNAMIC_RESTRICTION__INIT;
    Livetap__Webcast__GiftSceneRestriction s = LIVETAP__WEBCAST__GIFT_SCENE_RESTRICTION__INIT;
    int64_t hidden[2] = {lt_sim_gifts[pick(r, (int)lt_sim_gift_count)].id, lt_sim_gifts[0].id};
    s.n_match_hidden_gids = 1 + (size_t)pick(r, 2);
    s.match_hidden_gids = hidden;
    d.scenes = &s;
    m.common = c;
    m.dynamic_restriction = &d;
    PACK_INTO(&msg->payload, gift_dynamic_restriction_message, &m);
    return 0;
}

static int gen_gift_panel(lt_sim_room *r, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__GiftPanelUpdateMessage m = LIVETAP__WEBCAST__GIFT_PANEL_UPDATE_MESSAGE__INIT;
    Livetap__Webcast__GiftGoalData goal = LIVETAP__WEBCAST__GIFT_GOAL_DATA__INIT;
    Livetap__Webcast__GiftGoalEntry e = LIVETAP__WEBCAST__GIFT_GOAL_ENTRY__INIT, *entries[1] = {&e};
    Livetap__Webcast__GiftGoalProgress p = LIVETAP__WEBCAST__GIFT_GOAL_PROGRESS__INIT;
    p.has_current_progress = p.has_target = p.has_expired_timestamp_in_ms = 1;
    p.target = 100;
    p.current_progress = pick(r, 100);
    p.expired_timestamp_in_ms = c->create_time + 3600000;
    e.has_key = 1;
    e.key = lt_sim_gifts[pick(r, LT_SIM_CHEAP_GIFTS)].id;
    e.value = &p;
    goal.has_status = 1;
    goal.status = 1;
    goal.n_goal_progress = 1;
    goal.goal_progress = entries;
    m.common = c;
    m.has_timestamp = 1;
    m.timestamp = c->create_time / 1000;
    m.goal_data = &goal;
    PACK_INTO(&msg->payload, gift_panel_update_message, &m);
    return 0;
}

static int gen_gift_prompt(lt_sim_room *r, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__GiftPromptMessage m = LIVETAP__WEBCAST__GIFT_PROMPT_MESSAGE__INIT;
    m.common = c;
    m.title = "Take a break?";
    m.body = "You have sent a lot of gifts today.";
    m.has_block_num_days = 1;
    m.block_num_days = 1 + pick(r, 7);
    PACK_INTO(&msg->payload, gift_prompt_message, &m);
    return 0;
}

static int gen_boost_card(lt_sim_room *r, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__BoostCardMessage m = LIVETAP__WEBCAST__BOOST_CARD_MESSAGE__INIT;
    Livetap__Webcast__BoostCard card = LIVETAP__WEBCAST__BOOST_CARD__INIT, *cards[1] = {&card};
    card.has_card_id = card.has_task_id = card.has_task_source = 1;
    card.card_id = 100 + pick(r, 20);
    card.task_id = 9000 + pick(r, 100);
    card.task_source = 1;
    m.common = c;
    m.n_cards = 1;
    m.cards = cards;
    PACK_INTO(&msg->payload, boost_card_message, &m);
    return 0;
}

static int gen_battle_item_card(lt_sim_room *r, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__LinkMicBattleItemCard m = LIVETAP__WEBCAST__LINK_MIC_BATTLE_ITEM_CARD__INIT;
    Livetap__Webcast__UseExtraTimeCard use = LIVETAP__WEBCAST__USE_EXTRA_TIME_CARD__INIT;
    Livetap__Webcast__ExtraTimeCardInfo info = LIVETAP__WEBCAST__EXTRA_TIME_CARD_INFO__INIT;
    Livetap__Webcast__BattleUserInfo sender = LIVETAP__WEBCAST__BATTLE_USER_INFO__INIT;
    Livetap__Webcast__BattleBaseUserInfo base = LIVETAP__WEBCAST__BATTLE_BASE_USER_INFO__INIT;
    user_store u;
    make_user(r, &u);
    base.has_user_id = 1;
    base.user_id = u.user.id;
    base.nick_name = u.user.nickname;
    base.display_id = u.user.display_id;
    sender.user = &base;
    info.card_name_key = "pk_extra_time_card";
    info.send_user = &sender;
    info.has_send_time_sec = info.has_extra_duration_sec = info.has_to_anchor_id = 1;
    info.send_time_sec = c->create_time / 1000;
    info.extra_duration_sec = 30;
    info.to_anchor_id = r->room_id;
    use.card_info = &info;
    use.has_anchor_id = 1;
    use.anchor_id = r->room_id;
    m.common = c;
    m.has_battle_id = m.has_msg_type = 1;
    m.battle_id = sim_battle_id(r);
    m.msg_type = 5;
    m.use_extra_time_card = &use;
    PACK_INTO(&msg->payload, link_mic_battle_item_card, &m);
    return 0;
}

static int gen_battle_punish(lt_sim_room *r, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__LinkMicBattlePunishFinish m = LIVETAP__WEBCAST__LINK_MIC_BATTLE_PUNISH_FINISH__INIT;
    m.common = c;
    m.has_battle_id = m.has_reason = m.has_channel_id = 1;
    m.battle_id = sim_battle_id(r);
    m.reason = pick(r, 2);
    m.channel_id = r->room_id + 1;
    PACK_INTO(&msg->payload, link_mic_battle_punish_finish, &m);
    return 0;
}

static int gen_battle_task(lt_sim_room *r, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__LinkmicBattleTaskMessage m = LIVETAP__WEBCAST__LINKMIC_BATTLE_TASK_MESSAGE__INIT;
    Livetap__Webcast__BattleTaskUpdate up = LIVETAP__WEBCAST__BATTLE_TASK_UPDATE__INIT;
    user_store u;
    make_user(r, &u);
    up.has_progress = up.has_from_user_id = 1;
    up.progress = pick(r, 1000);
    up.from_user_id = u.user.id;
    m.common = c;
    m.has_battle_id = m.has_task_message_type = 1;
    m.battle_id = sim_battle_id(r);
    m.task_message_type = 1;
    m.task_update = &up;
    PACK_INTO(&msg->payload, linkmic_battle_task_message, &m);
    return 0;
}

static int gen_link_state(lt_sim_room *r, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__LinkStateMessage m = LIVETAP__WEBCAST__LINK_STATE_MESSAGE__INIT;
    Livetap__Webcast__LinkUserState us[2], *ups[2] = {&us[0], &us[1]};
    Livetap__Webcast__LinkPlayer players[2];
    for (int i = 0; i < 2; i++) {
        livetap__webcast__link_user_state__init(&us[i]);
        livetap__webcast__link_player__init(&players[i]);
        players[i].has_user_id = players[i].has_room_id = 1;
        players[i].user_id = 6800000000000000000LL + pick(r, 5000);
        players[i].room_id = r->room_id + 10 + i;
        us[i].user = &players[i];
        us[i].has_audio_muted = us[i].has_network_state = 1;
        us[i].audio_muted = 1 + pick(r, 2);
        us[i].network_state = 1 + pick(r, 3);
    }
    m.common = c;
    m.has_channel_id = m.has_scene = m.has_version = m.has_state_type = 1;
    m.channel_id = r->room_id + 1;
    m.scene = 4;
    m.version = (int64_t)r->stats.sent;
    m.state_type = 2;
    m.n_user_states = 2;
    m.user_states = ups;
    PACK_INTO(&msg->payload, link_state_message, &m);
    return 0;
}

static int gen_link_layout(lt_sim_room *r, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__LinkMicLayoutStateMessage m = LIVETAP__WEBCAST__LINK_MIC_LAYOUT_STATE_MESSAGE__INIT;
    Livetap__Webcast__BizSpotInfo spot = LIVETAP__WEBCAST__BIZ_SPOT_INFO__INIT, *spots[1] = {&spot};
    Livetap__Webcast__PosIdentity id = LIVETAP__WEBCAST__POS_IDENTITY__INIT;
    char who[24];
    snprintf(who, sizeof who, "%lld", 6800000000000000000LL + pick(r, 5000));
    id.has_type = 1;
    id.type = 3;
    id.value = who;
    spot.has_spot_id = 1;
    spot.spot_id = 1 + pick(r, 4);
    spot.pos_identity = &id;
    m.common = c;
    m.has_channel_id = m.has_scene = m.has_version = 1;
    m.channel_id = r->room_id + 1;
    m.scene = 4;
    m.version = (int64_t)r->stats.sent;
    m.n_biz_spot_list = 1;
    m.biz_spot_list = spots;
    PACK_INTO(&msg->payload, link_mic_layout_state_message, &m);
    return 0;
}

static int gen_speaker(lt_sim_room *r, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    (void)r;
    Livetap__Webcast__SpeakerMessage m = LIVETAP__WEBCAST__SPEAKER_MESSAGE__INIT;
    m.common = c;
    PACK_INTO(&msg->payload, speaker_message, &m);
    return 0;
}

static int gen_game_rank(lt_sim_room *r, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__GameRankNotifyMessage m = LIVETAP__WEBCAST__GAME_RANK_NOTIFY_MESSAGE__INIT;
    Livetap__Webcast__Text t = LIVETAP__WEBCAST__TEXT__INIT;
    char text[64];
    snprintf(text, sizeof text, "This LIVE is now #%d in Gaming", 1 + pick(r, 50));
    t.key = "live_game_rank_change";
    t.default_pattern = text;
    m.common = c;
    m.has_msg_type = 1;
    m.msg_type = 1;
    m.notify_text = &t;
    PACK_INTO(&msg->payload, game_rank_notify_message, &m);
    return 0;
}

static int gen_hourly_rank(lt_sim_room *r, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__HourlyRankRewardMessage m = LIVETAP__WEBCAST__HOURLY_RANK_REWARD_MESSAGE__INIT;
    Livetap__Webcast__HourlyRankRewardInfo w = LIVETAP__WEBCAST__HOURLY_RANK_REWARD_INFO__INIT, *ws[1] = {&w};
    Livetap__Webcast__EmbeddedNotify n = LIVETAP__WEBCAST__EMBEDDED_NOTIFY__INIT;
    user_store u;
    make_user(r, &u);
    n.user = &u.user;
    n.content = "won this hour's ranking";
    w.has_user_id = w.has_asset_id = 1;
    w.user_id = u.user.id;
    w.asset_id = 300 + pick(r, 5);
    w.notify = &n;
    m.common = c;
    m.n_winners = 1;
    m.winners = ws;
    PACK_INTO(&msg->payload, hourly_rank_reward_message, &m);
    return 0;
}

static int gen_rank_text(lt_sim_room *r, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__RankTextMessage m = LIVETAP__WEBCAST__RANK_TEXT_MESSAGE__INIT;
    Livetap__Webcast__Text t = LIVETAP__WEBCAST__TEXT__INIT;
    int before = 2 + pick(r, 20);
    t.key = "pm_mt_rank_text";
    t.default_pattern = "The LIVE creator moved up in the hourly ranking";
    m.common = c;
    m.has_scene = m.has_rank_type = m.has_owner_idx_before_update = m.has_owner_idx_after_update = 1;
    m.scene = 1;
    m.rank_type = 0;
    m.owner_idx_before_update = before;
    m.owner_idx_after_update = before - 1;
    m.content = &t;
    PACK_INTO(&msg->payload, rank_text_message, &m);
    return 0;
}

static int gen_partnership_drops(lt_sim_room *r, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__PartnershipDropsUpdateMessage m =
        LIVETAP__WEBCAST__PARTNERSHIP_DROPS_UPDATE_MESSAGE__INIT;
    m.common = c;
    m.has_change_mode = m.has_anchor_uid = 1;
    m.change_mode = pick(r, 3);
    m.drops_id = "drops-7301";
    m.task_id = "task-12";
    m.anchor_uid = r->room_id;
    PACK_INTO(&msg->payload, partnership_drops_update_message, &m);
    return 0;
}

static int gen_partnership_offline(lt_sim_room *r, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__PartnershipGameOfflineMessage m =
        LIVETAP__WEBCAST__PARTNERSHIP_GAME_OFFLINE_MESSAGE__INIT;
    Livetap__Webcast__OfflineGameInfo g = LIVETAP__WEBCAST__OFFLINE_GAME_INFO__INIT, *gs[1] = {&g};
    g.game_id = "game-4471";
    g.task_id = "task-12";
    g.has_offline_type = g.has_task_type = 1;
    g.offline_type = pick(r, 3);
    g.task_type = 0;
    g.toast_title = "Task ended";
    m.common = c;
    m.n_offline_game_list = 1;
    m.offline_game_list = gs;
    PACK_INTO(&msg->payload, partnership_game_offline_message, &m);
    return 0;
}

static int gen_partnership_punish(lt_sim_room *r, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__PartnershipPunishMessage m = LIVETAP__WEBCAST__PARTNERSHIP_PUNISH_MESSAGE__INIT;
    Livetap__Webcast__PunishEventInfo p = LIVETAP__WEBCAST__PUNISH_EVENT_INFO__INIT;
    p.punish_type = "ban_game_partnership";
    p.has_punish_type_id = p.has_violation_uid = p.has_duration = 1;
    p.punish_type_id = 25;
    p.violation_uid = r->room_id;
    p.duration = 86400 * (1 + pick(r, 3));
    m.common = c;
    m.punish_info = &p;
    PACK_INTO(&msg->payload, partnership_punish_message, &m);
    return 0;
}

static int gen_live_game_intro(lt_sim_room *r, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    (void)r;
    Livetap__Webcast__LiveGameIntroMessage m = LIVETAP__WEBCAST__LIVE_GAME_INTRO_MESSAGE__INIT;
    Livetap__Webcast__Text t = LIVETAP__WEBCAST__TEXT__INIT;
    t.key = "live_game_intro";
    t.default_pattern = "Playing Minecraft: survival, day 12";
    m.common = c;
    m.content = &t;
    PACK_INTO(&msg->payload, live_game_intro_message, &m);
    return 0;
}

static int gen_sub_pin(lt_sim_room *r, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__SubPinEventMessage m = LIVETAP__WEBCAST__SUB_PIN_EVENT_MESSAGE__INIT;
    Livetap__Webcast__SubPinCard card = LIVETAP__WEBCAST__SUB_PIN_CARD__INIT;
    Livetap__Webcast__SubPinCardText title = LIVETAP__WEBCAST__SUB_PIN_CARD_TEXT__INIT;
    Livetap__Webcast__SubGoalPinCard goal = LIVETAP__WEBCAST__SUB_GOAL_PIN_CARD__INIT;
    title.has_type = 1;
    title.type = 1;
    title.content = "Subscriber goal";
    goal.has_goal_id = goal.has_target = goal.has_progress = 1;
    goal.goal_id = 50 + r->index;
    goal.target = 100;
    goal.progress = pick(r, 100);
    card.has_id = card.has_type = 1;
    card.id = 9000 + r->index;
    card.type = 2;
    card.title = &title;
    card.goal_pin_card = &goal;
    m.common = c;
    m.has_action_type = m.has_operator_user_id = 1;
    m.action_type = 1 + pick(r, 2);
    m.operator_user_id = r->room_id;
    m.card = &card;
    PACK_INTO(&msg->payload, sub_pin_event_message, &m);
    return 0;
}

static int gen_viewer_picks(lt_sim_room *r, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__ViewerPicksUpdateMessage m = LIVETAP__WEBCAST__VIEWER_PICKS_UPDATE_MESSAGE__INIT;
    Livetap__Webcast__ViewerPicksInfo info = LIVETAP__WEBCAST__VIEWER_PICKS_INFO__INIT;
    Livetap__Webcast__GiftPickWithScore scored[2], *list[2] = {&scored[0], &scored[1]};
    Livetap__Webcast__GiftPick picks[2];
    static const char *const wishes[] = {"sing a song", "do 10 push-ups"};
    for (int i = 0; i < 2; i++) {
        livetap__webcast__gift_pick_with_score__init(&scored[i]);
        livetap__webcast__gift_pick__init(&picks[i]);
        picks[i].has_gift_id = picks[i].has_gift_pick_id = picks[i].has_gift_price = 1;
        picks[i].gift_id = lt_sim_gifts[i].id;
        picks[i].gift_pick_id = i + 1;
        picks[i].gift_price = lt_sim_gifts[i].diamonds;
        picks[i].customized_desc = (char *)wishes[i];
        scored[i].gift_pick = &picks[i];
        scored[i].has_score = 1;
        scored[i].score = pick(r, 50);
    }
    info.has_viewer_picks_id = info.has_status = info.has_round_duration_sec = info.has_with_score = 1;
    info.viewer_picks_id = 880000 + r->index;
    info.status = 1;
    info.round_duration_sec = 300;
    info.with_score = 1;
    info.n_gift_pick_list = 2;
    info.gift_pick_list = list;
    m.common = c;
    m.has_update_type = 1;
    m.update_type = 2;
    m.info = &info;
    PACK_INTO(&msg->payload, viewer_picks_update_message, &m);
    return 0;
}

typedef int (*traffic_gen)(lt_sim_room *, lt_sim_message *, Livetap__Webcast__Common *);

static const struct family_method {
    const char *method;
    traffic_gen gen;
} family_methods[] = {
    {"WebcastGiftBroadcastMessage", gen_gift_broadcast},
    {"WebcastGiftDynamicRestrictionMessage", gen_gift_restriction},
    {"WebcastGiftPanelUpdateMessage", gen_gift_panel},
    {"WebcastGiftPromptMessage", gen_gift_prompt},
    {"WebcastBoostCardMessage", gen_boost_card},
    {"WebcastLinkMicBattleItemCard", gen_battle_item_card},
    {"WebcastLinkMicBattlePunishFinish", gen_battle_punish},
    {"WebcastLinkmicBattleTaskMessage", gen_battle_task},
    {"WebcastLinkStateMessage", gen_link_state},
    {"WebcastLinkMicLayoutStateMessage", gen_link_layout},
    {"WebcastSpeakerMessage", gen_speaker},
    {"WebcastGameRankNotifyMessage", gen_game_rank},
    {"WebcastHourlyRankRewardMessage", gen_hourly_rank},
    {"WebcastRankTextMessage", gen_rank_text},
    {"WebcastPartnershipDropsUpdateMessage", gen_partnership_drops},
    {"WebcastPartnershipGameOfflineMessage", gen_partnership_offline},
    {"WebcastPartnershipPunishMessage", gen_partnership_punish},
    {"WebcastLiveGameIntroMessage", gen_live_game_intro},
    {"WebcastSubPinEventMessage", gen_sub_pin},
    {"WebcastViewerPicksUpdateMessage", gen_viewer_picks},
};

/* One of the family methods, evenly. */
static traffic_gen pick_family_method(lt_sim_room *r, const char **method)
{
    const struct family_method *f =
        &family_methods[pick(r, (int)(sizeof family_methods / sizeof family_methods[0]))];
    *method = f->method;
    return f->gen;
}

int lt_sim_room_next(lt_sim_room *r, int64_t now_ms, lt_sim_message *msg)
{
    Livetap__Webcast__Common c;
    lt_buf_reset(&msg->payload);
    msg->msg_id = r->next_msg_id++;
    msg->unknown = false;
    int (*gen)(lt_sim_room *, lt_sim_message *, Livetap__Webcast__Common *) = NULL;
    if (now_ms - r->last_viewers_ms >= 3000) {
        r->last_viewers_ms = now_ms;
        msg->method = "WebcastRoomUserSeqMessage", gen = gen_viewers;
    } else if (r->streak_count < r->streak_len && pick(r, 2)) {
        msg->method = "WebcastGiftMessage", gen = gen_gift; /* finish the streak soon */
    } else if (pick(r, 50) == 0) { /* 2 %: notices, moderation, anonymous joins */
        make_common(r, &c, "", msg->msg_id, now_ms);
        return lt_sim_notice_family(rnd(r), msg, &c);
    } else if (pick(r, 50) == 0) { /* 2 %: the other typed methods */
        user_store u;
        make_user(r, &u);
        make_common(r, &c, "", msg->msg_id, now_ms);
        return lt_sim_more_family(r, rnd(r), &u.user, msg, &c);
    } else {
        int p = pick(r, 100);
        if (p < 40) msg->method = "WebcastChatMessage", gen = gen_chat;
        else if (p < 64) msg->method = "WebcastLikeMessage", gen = gen_like;
        else if (p < 76) msg->method = "WebcastMemberMessage", gen = gen_member;
        else if (p < 87) msg->method = "WebcastGiftMessage", gen = gen_gift;
        else if (p < 94) msg->method = "WebcastSocialMessage", gen = gen_social;
        else if (p < 95) gen = pick_family_method(r, &msg->method);
        else if (p < 97) msg->method = "WebcastLinkMicBattle", gen = gen_battle;
        else if (p < 98) msg->method = "WebcastSubNotifyMessage", gen = gen_subscribe;
    }
    if (!gen) { /* a method no client knows: opaque but well-formed protobuf, its
                 * common header at field 1 as in every WebCast message */
        msg->method = "WebcastSimFutureMessage";
        msg->unknown = true;
        make_common(r, &c, msg->method, msg->msg_id, now_ms);
        size_t n = livetap__webcast__common__get_packed_size(&c);
        if (n > 127 || lt_buf_reserve(&msg->payload, n + 2))
            return -1;
        msg->payload.data[msg->payload.len++] = 0x0a;
        msg->payload.data[msg->payload.len++] = (uint8_t)n;
        PACK_INTO(&msg->payload, common, &c);
        return 0;
    }
    make_common(r, &c, msg->method, msg->msg_id, now_ms);
    return gen(r, msg, &c);
}

void lt_sim_room_mark_sent(lt_sim_room *r, const lt_sim_message *msg)
{
    /* msg_ids only grow: one not above the highest sent is a re-send */
    if (msg->msg_id <= r->highest_sent) {
        r->stats.resent++;
        return;
    }
    r->highest_sent = msg->msg_id;
    r->stats.sent++;
    if (msg->unknown)
        r->stats.unknown_methods++;
    if (r->record_ids) {
        if (r->id_count == r->id_cap) {
            size_t cap = r->id_cap ? r->id_cap * 2 : 256;
            int64_t *grown = realloc(r->ids, cap * sizeof *grown);
            if (!grown)
                return;
            r->ids = grown;
            r->id_cap = cap;
        }
        r->ids[r->id_count++] = msg->msg_id;
    }
    struct lt_sim_recent *slot = &r->recent[r->recent_next];
    snprintf(slot->method, sizeof slot->method, "%s", msg->method);
    lt_buf_reset(&slot->payload);
    lt_buf_append(&slot->payload, msg->payload.data, msg->payload.len);
    slot->msg_id = msg->msg_id;
    r->recent_next = (r->recent_next + 1) % 16;
    if (r->recent_count < 16)
        r->recent_count++;
}

int lt_sim_pack_fetch_result(const lt_sim_message *msgs, size_t n, const lt_sim_fetch_spec *spec, lt_buf *out)
{
    Livetap__Webcast__FetchResult fr = LIVETAP__WEBCAST__FETCH_RESULT__INIT;
    Livetap__Webcast__FetchResult__Message *items = calloc(n ? n : 1, sizeof *items);
    Livetap__Webcast__FetchResult__Message **ptrs = calloc(n ? n : 1, sizeof *ptrs);
    Livetap__Webcast__StringPair route = LIVETAP__WEBCAST__STRING_PAIR__INIT, *routes[1] = {&route};
    int rc = -1;
    if (!items || !ptrs)
        goto done;
    for (size_t i = 0; i < n; i++) {
        livetap__webcast__fetch_result__message__init(&items[i]);
        items[i].method = (char *)msgs[i].method;
        items[i].has_payload = items[i].has_msg_id = 1;
        items[i].payload.data = msgs[i].payload.data;
        items[i].payload.len = msgs[i].payload.len;
        items[i].msg_id = msgs[i].msg_id;
        ptrs[i] = &items[i];
    }
    fr.messages = ptrs;
    fr.n_messages = n;
    fr.cursor = (char *)spec->cursor;
    fr.has_fetch_interval = fr.has_now = fr.has_heartbeat_duration = fr.has_need_ack = fr.has_is_first = 1;
    fr.fetch_interval = 1000;
    fr.now = spec->now_ms;
    fr.heartbeat_duration = spec->heartbeat_ms;
    fr.need_ack = spec->need_ack;
    fr.is_first = spec->is_first;
    if (spec->internal_ext) {
        fr.has_internal_ext = 1;
        fr.internal_ext.data = (uint8_t *)spec->internal_ext;
        fr.internal_ext.len = strlen(spec->internal_ext);
    }
    if (spec->push_server) {
        fr.push_server = (char *)spec->push_server;
        fr.has_fetch_type = 1;
        fr.fetch_type = 1;
    }
    if (spec->route_key) {
        route.key = (char *)spec->route_key;
        route.value = (char *)spec->route_value;
        fr.route_params = routes;
        fr.n_route_params = 1;
    }
    size_t sz = livetap__webcast__fetch_result__get_packed_size(&fr);
    if (lt_buf_reserve(out, sz) == 0) {
        out->len += livetap__webcast__fetch_result__pack(&fr, out->data + out->len);
        rc = 0;
    }
done:
    free(items);
    free(ptrs);
    return rc;
}

int lt_sim_pack_frame(uint64_t seq_id, uint64_t log_id, const char *payload_type, const uint8_t *payload,
                      size_t len, bool gzip, lt_buf *out)
{
    lt_buf zipped = LT_BUF_INIT;
    if (gzip && lt_tiktok_gzip(payload, len, &zipped)) {
        lt_buf_free(&zipped);
        return -1;
    }
    lt_tiktok_frame_spec spec = {
        .seq_id = seq_id,
        .log_id = log_id,
        .payload_encoding = "pb",
        .payload_type = payload_type,
        .compress_type = gzip ? "gzip" : NULL,
        .payload = gzip ? zipped.data : payload,
        .payload_len = gzip ? zipped.len : len,
    };
    int rc = lt_tiktok_build_frame(out, &spec);
    lt_buf_free(&zipped);
    return rc;
}
