/* traffic_more.c - the rest of the WebCast methods livetap types (see
 * traffic.h): room content (barrage, captions, emote chat, deleted chats,
 * questions, room messages, pins, the LIVE intro), co-hosting and battles
 * (link, link layer, link-mic method, fan tickets, battle armies) and room
 * features (envelope, goal, in-room banner, shopping, poll, rank update), 19
 * methods with the fields livetap maps, so that demos, benchmarks and fault
 * tests exercise their decoders. The viewer comes from the room's user
 * generator; everything else is derived from one random draw the caller
 * makes, so a room's traffic stays a function of its seed. Nested messages
 * the protocol carries as bytes (a pinned chat, caption texts, poll options)
 * are packed into small stack buffers first.
 */
#include "sim/traffic.h"

#include <stdio.h>

#include "webcast.pb-c.h"

/* The viewer, the host and the draw a generator works from. */
typedef struct more_ctx {
    const lt_sim_room *room;
    const Livetap__Webcast__User *viewer;
    Livetap__Webcast__User host;
    uint64_t draw;
    int64_t now_ms;
} more_ctx;

static int pack(const ProtobufCMessage *m, lt_sim_message *msg)
{
    size_t size = protobuf_c_message_get_packed_size(m);
    if (lt_buf_reserve(&msg->payload, size))
        return -1;
    msg->payload.len += protobuf_c_message_pack(m, msg->payload.data + msg->payload.len);
    return 0;
}

/* Packs a nested message into buf (of cap bytes) as a bytes field. */
static int pack_bytes(const ProtobufCMessage *m, uint8_t *buf, size_t cap, ProtobufCBinaryData *out)
{
    size_t size = protobuf_c_message_get_packed_size(m);
    if (size > cap)
        return -1;
    out->data = buf;
    out->len = protobuf_c_message_pack(m, buf);
    return 0;
}

static Livetap__Webcast__User *viewer(more_ctx *x)
{
    return (Livetap__Webcast__User *)x->viewer;
}

/* ------------------------------------------------------------------ room content */

static int gen_barrage(more_ctx *x, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__BarrageMessage m = LIVETAP__WEBCAST__BARRAGE_MESSAGE__INIT;
    Livetap__Webcast__Text t = LIVETAP__WEBCAST__TEXT__INIT;
    char text[96];
    bool superfan = x->draw % 4 == 0;
    snprintf(text, sizeof text, superfan ? "%s became a Super Fan" : "%s is on a 7-day watch streak",
             x->viewer->nickname);
    t.key = superfan ? "ttlive_superfan_barrage_join" : "live_barrage_watch_streak";
    t.default_pattern = text;
    m.common = c;
    m.has_msg_type = 1;
    m.msg_type = superfan ? 21 : 9;
    m.content = &t;
    m.user = viewer(x);
    return pack(&m.base, msg);
}

static int gen_caption(more_ctx *x, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    static const char *const lines[][2] = {
        {"thanks for the follow, welcome in", "danke fürs Folgen, willkommen"},
        {"we start the next round in a minute", "die nächste Runde startet gleich"},
        {"let me read the chat for a second", "lass mich kurz den Chat lesen"},
    };
    Livetap__Webcast__CaptionMessage m = LIVETAP__WEBCAST__CAPTION_MESSAGE__INIT;
    Livetap__Webcast__CaptionContent texts[2] = {LIVETAP__WEBCAST__CAPTION_CONTENT__INIT,
                                                 LIVETAP__WEBCAST__CAPTION_CONTENT__INIT};
    ProtobufCBinaryData content[2];
    uint8_t buf[2][160];
    int line = (int)(x->draw % 3);
    texts[0].lang = "en";
    texts[0].content = (char *)lines[line][0];
    texts[1].lang = "de";
    texts[1].content = (char *)lines[line][1];
    for (int i = 0; i < 2; i++)
        if (pack_bytes(&texts[i].base, buf[i], sizeof buf[i], &content[i]))
            return -1;
    m.common = c;
    m.has_timestamp_ms = m.has_duration_ms = m.has_sentence_id = m.has_sequence_id = m.has_definite = 1;
    m.timestamp_ms = x->now_ms - 1800;
    m.duration_ms = 1500 + (int64_t)(x->draw / 3 % 1000);
    m.sentence_id = 1000 + (int64_t)(x->draw / 3 % 100000);
    m.sequence_id = 1 + (int64_t)(x->draw / 3 % 4);
    m.definite = 1;
    m.content = content;
    m.n_content = 2;
    return pack(&m.base, msg);
}

static int gen_emote_chat(more_ctx *x, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__EmoteChatMessage m = LIVETAP__WEBCAST__EMOTE_CHAT_MESSAGE__INIT;
    Livetap__Webcast__Emote e = LIVETAP__WEBCAST__EMOTE__INIT, *emotes[1] = {&e};
    Livetap__Webcast__Image image = LIVETAP__WEBCAST__IMAGE__INIT;
    char id[32], url[128], *urls[1] = {url};
    unsigned n = (unsigned)(x->draw % 20);
    snprintf(id, sizeof id, "71100000000000%02u", n);
    snprintf(url, sizeof url, "https://p16-webcast.tiktokcdn.com/webcast-va/emote/%s.png", id);
    image.url_list = urls;
    image.n_url_list = 1;
    e.emote_id = id;
    e.image = &image;
    m.common = c;
    m.user = viewer(x);
    m.emote_list = emotes;
    m.n_emote_list = 1;
    return pack(&m.base, msg);
}

static int gen_im_delete(more_ctx *x, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__ImDeleteMessage m = LIVETAP__WEBCAST__IM_DELETE_MESSAGE__INIT;
    /* a moderator removes an earlier chat of this viewer */
    int64_t msg_ids[1] = {c->msg_id - 1 - (int64_t)(x->draw % 100)}, user_ids[1] = {x->viewer->id};
    m.common = c;
    m.delete_msg_ids = msg_ids;
    m.n_delete_msg_ids = 1;
    m.delete_user_ids = user_ids;
    m.n_delete_user_ids = 1;
    return pack(&m.base, msg);
}

static int gen_question(more_ctx *x, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    static const char *const questions[] = {"what camera do you use?", "how long have you been streaming?",
                                            "can you play the intro song again?", "when is the next LIVE?"};
    Livetap__Webcast__QuestionNewMessage m = LIVETAP__WEBCAST__QUESTION_NEW_MESSAGE__INIT;
    Livetap__Webcast__Question q = LIVETAP__WEBCAST__QUESTION__INIT;
    q.has_question_id = q.has_answer_status = q.has_create_time = 1;
    q.question_id = 7320000000000000000LL + (int64_t)(x->draw % 1000000);
    q.content = (char *)questions[x->draw % 4];
    q.answer_status = 0;
    q.create_time = x->now_ms / 1000;
    q.user = viewer(x);
    m.common = c;
    m.details = &q;
    return pack(&m.base, msg);
}

static int gen_room_message(more_ctx *x, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__RoomMessage m = LIVETAP__WEBCAST__ROOM_MESSAGE__INIT;
    bool welcome = x->draw % 2 == 0;
    m.common = c;
    m.content = welcome ? "Welcome to TikTok LIVE! Be kind and respectful."
                        : "The host turned on gifts for this LIVE";
    m.has_source = m.has_is_welcome = 1;
    m.source = welcome ? 1 : 2;
    m.is_welcome = welcome;
    return pack(&m.base, msg);
}

static int gen_room_pin(more_ctx *x, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    static const char *const pinned[] = {"giveaway at 500 likes!", "new video is up on my profile",
                                         "be nice in chat please", "song list in bio"};
    Livetap__Webcast__RoomPinMessage m = LIVETAP__WEBCAST__ROOM_PIN_MESSAGE__INIT;
    Livetap__Webcast__ChatMessage chat = LIVETAP__WEBCAST__CHAT_MESSAGE__INIT;
    Livetap__Webcast__Common chat_common = *c;
    uint8_t buf[512];
    /* the host pins a viewer's earlier chat */
    chat_common.method = "WebcastChatMessage";
    chat_common.msg_id = c->msg_id - 1 - (int64_t)(x->draw % 200);
    chat_common.create_time = x->now_ms - 1000 * (int64_t)(1 + x->draw % 200);
    chat.common = &chat_common;
    chat.user = viewer(x);
    chat.content = (char *)pinned[x->draw % 4];
    if (pack_bytes(&chat.base, buf, sizeof buf, &m.chat))
        return -1;
    m.common = c;
    m.has_chat = 1;
    m.method = "WebcastChatMessage";
    m.has_pin_time = m.has_action = m.has_display_duration = m.has_pin_id = 1;
    m.pin_time = x->now_ms;
    m.operator_ = &x->host;
    m.action = 1;
    m.display_duration = 60;
    m.pin_id = 7330000000000000000LL + (int64_t)(x->draw % 1000000);
    return pack(&m.base, msg);
}

static int gen_live_intro(more_ctx *x, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__LiveIntroMessage m = LIVETAP__WEBCAST__LIVE_INTRO_MESSAGE__INIT;
    m.common = c;
    m.has_room_id = m.has_audit_status = m.has_intro_mode = 1;
    m.room_id = c->room_id;
    m.audit_status = 1;
    m.content = "Chill music and chat every evening. Requests welcome!";
    m.host = &x->host;
    m.intro_mode = (int64_t)(x->draw % 2);
    m.language = "en";
    return pack(&m.base, msg);
}

/* ------------------------------------------------------------------ co-hosting and battles */

static int64_t guest_id(const more_ctx *x)
{
    return 6900000000000000000LL + (int64_t)(x->draw % 100000);
}

static int64_t channel_id(const more_ctx *x)
{
    return 7250000000000000000LL + (int64_t)(x->room->index % 1000) * 1000 + (int64_t)(x->draw % 1000);
}

static int gen_link(more_ctx *x, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__LinkMessage m = LIVETAP__WEBCAST__LINK_MESSAGE__INIT;
    Livetap__Webcast__LinkInviteContent invite = LIVETAP__WEBCAST__LINK_INVITE_CONTENT__INIT;
    Livetap__Webcast__LinkLeaveContent leave = LIVETAP__WEBCAST__LINK_LEAVE_CONTENT__INIT;
    bool invites = x->draw % 3 != 0;
    m.common = c;
    m.has_message_type = m.has_linker_id = m.has_scene = 1;
    m.linker_id = channel_id(x);
    m.scene = 2; /* multi-guest */
    /* the host invites a viewer to join as a guest, or a guest leaves */
    if (invites) {
        m.message_type = 3;
        invite.has_from_user_id = invite.has_from_room_id = 1;
        invite.from_user_id = x->host.id;
        invite.from_room_id = c->room_id;
        invite.from_user = &x->host;
        m.invite_content = &invite;
    } else {
        m.message_type = 7;
        leave.has_user_id = leave.has_leave_reason = 1;
        leave.user_id = x->viewer->id;
        leave.leave_reason = 1;
        m.leave_content = &leave;
    }
    return pack(&m.base, msg);
}

static int gen_link_layer(more_ctx *x, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__LinkLayerMessage m = LIVETAP__WEBCAST__LINK_LAYER_MESSAGE__INIT;
    m.common = c;
    m.has_message_type = m.has_channel_id = m.has_scene = 1;
    m.message_type = 100 + (int64_t)(x->draw % 3);
    m.channel_id = channel_id(x);
    m.scene = 2;
    return pack(&m.base, msg);
}

static int gen_link_mic(more_ctx *x, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__LinkMicMethod m = LIVETAP__WEBCAST__LINK_MIC_METHOD__INIT;
    int64_t tickets = 10 + (int64_t)(x->draw % 500);
    m.common = c;
    m.has_message_type = m.has_user_id = m.has_to_user_id = m.has_channel_id = m.has_anchor_linkmic_id = 1;
    m.has_rival_anchor_id = m.has_fan_ticket = m.has_total_linkmic_fan_ticket = m.has_match_type = 1;
    m.has_duration = 1;
    m.message_type = 1 + (int64_t)(x->draw % 6);
    m.user_id = x->host.id;
    m.to_user_id = guest_id(x);
    m.channel_id = channel_id(x);
    m.anchor_linkmic_id = 8100000 + (int64_t)(x->draw % 100000);
    m.rival_anchor_id = guest_id(x);
    m.fan_ticket = tickets;
    m.total_linkmic_fan_ticket = tickets * 4;
    m.match_type = 1;
    m.duration = 300;
    m.tips = "Your co-host session has started";
    return pack(&m.base, msg);
}

static int gen_fan_ticket(more_ctx *x, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__LinkMicFanTicketMethod m = LIVETAP__WEBCAST__LINK_MIC_FAN_TICKET_METHOD__INIT;
    Livetap__Webcast__FanTicketRoomNoticeContent n = LIVETAP__WEBCAST__FAN_TICKET_ROOM_NOTICE_CONTENT__INIT;
    Livetap__Webcast__UserFanTicket users[2] = {LIVETAP__WEBCAST__USER_FAN_TICKET__INIT,
                                                LIVETAP__WEBCAST__USER_FAN_TICKET__INIT};
    Livetap__Webcast__UserFanTicket *list[2] = {&users[0], &users[1]};
    int64_t host_tickets = 100 + (int64_t)(x->draw % 5000), guest_tickets = (int64_t)(x->draw / 5000 % 3000);
    users[0].has_user_id = users[0].has_fan_ticket = users[1].has_user_id = users[1].has_fan_ticket = 1;
    users[0].user_id = x->host.id;
    users[0].fan_ticket = host_tickets;
    users[1].user_id = guest_id(x);
    users[1].fan_ticket = guest_tickets;
    n.user_fan_ticket_list = list;
    n.n_user_fan_ticket_list = 2;
    n.has_total_link_mic_fan_ticket = n.has_match_id = n.has_event_time = 1;
    n.total_link_mic_fan_ticket = host_tickets + guest_tickets;
    n.match_id = 7260000000000000000LL + (int64_t)(x->draw % 1000000);
    n.event_time = x->now_ms;
    m.common = c;
    m.fan_ticket_room_notice = &n;
    return pack(&m.base, msg);
}

/* A team battle's running score: the host's team and a rival's, each with
 * its top contributor. */
static int gen_armies(more_ctx *x, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__LinkMicArmies m = LIVETAP__WEBCAST__LINK_MIC_ARMIES__INIT;
    Livetap__Webcast__BattleTeamArmies teams[2], *team_list[2] = {&teams[0], &teams[1]};
    Livetap__Webcast__BattleTeamUser members[2], *member_list[2][1] = {{&members[0]}, {&members[1]}};
    Livetap__Webcast__BattleArmiesEntry entries[2], *entry_list[2] = {&entries[0], &entries[1]};
    Livetap__Webcast__BattleUserArmies armies[2];
    Livetap__Webcast__BattleUserArmy top[2], *top_list[2][1] = {{&top[0]}, {&top[1]}};
    int64_t anchors[2] = {x->host.id, guest_id(x)};
    int64_t fans[2] = {x->viewer->id, 6800000000000000000LL + (int64_t)(x->draw / 7 % 5000)};
    int64_t scores[2] = {500 + (int64_t)(x->draw % 20000), 500 + (int64_t)(x->draw / 20000 % 20000)};
    for (int i = 0; i < 2; i++) {
        livetap__webcast__battle_team_armies__init(&teams[i]);
        livetap__webcast__battle_team_user__init(&members[i]);
        livetap__webcast__battle_armies_entry__init(&entries[i]);
        livetap__webcast__battle_user_armies__init(&armies[i]);
        livetap__webcast__battle_user_army__init(&top[i]);
        members[i].has_user_id = members[i].has_score = 1;
        members[i].user_id = fans[i];
        members[i].score = scores[i] / 2;
        teams[i].has_team_id = teams[i].has_team_total_score = teams[i].has_host_rank = 1;
        teams[i].team_id = i + 1;
        teams[i].team_total_score = scores[i];
        teams[i].host_rank = scores[i] >= scores[1 - i] ? 1 : 2;
        teams[i].team_user = member_list[i];
        teams[i].n_team_user = 1;
        top[i].has_user_id = top[i].has_score = 1;
        top[i].user_id = fans[i];
        top[i].score = scores[i] / 2;
        top[i].nickname = i == 0 ? x->viewer->nickname : "Noor";
        armies[i].user_armies = top_list[i];
        armies[i].n_user_armies = 1;
        armies[i].has_host_score = 1;
        armies[i].host_score = scores[i];
        entries[i].has_key = 1;
        entries[i].key = anchors[i];
        entries[i].value = &armies[i];
    }
    m.common = c;
    m.has_battle_id = m.has_channel_id = m.has_trigger_reason = m.has_from_user_id = 1;
    m.has_gift_id = m.has_gift_count = m.has_repeat_count = m.has_total_diamond_count = 1;
    m.battle_id = 7200000000000000000LL + (int64_t)(x->draw % 1000000);
    m.channel_id = channel_id(x);
    m.trigger_reason = 1; /* score update */
    m.from_user_id = x->viewer->id;
    m.gift_id = 5655;
    m.gift_count = 1 + (int64_t)(x->draw % 10);
    m.repeat_count = m.gift_count;
    m.total_diamond_count = m.gift_count;
    m.team_armies = team_list;
    m.n_team_armies = 2;
    m.armies = entry_list;
    m.n_armies = 2;
    return pack(&m.base, msg);
}

/* ------------------------------------------------------------------ room features */

static int gen_envelope(more_ctx *x, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__EnvelopeMessage m = LIVETAP__WEBCAST__ENVELOPE_MESSAGE__INIT;
    Livetap__Webcast__EnvelopeInfo e = LIVETAP__WEBCAST__ENVELOPE_INFO__INIT;
    char id[32];
    snprintf(id, sizeof id, "%lld", 7340000000000000000LL + (long long)(x->draw % 1000000));
    e.envelope_id = id;
    e.has_business_type = e.has_diamond_count = e.has_people_count = e.has_unpack_at = 1;
    e.business_type = x->draw % 4 == 0 ? 19 : 1; /* 19: a super-fan box, 1: a treasure box */
    e.send_user_name = x->viewer->nickname;
    e.diamond_count = 99 * (int64_t)(1 + x->draw / 4 % 10);
    e.people_count = 10 + (int64_t)(x->draw / 40 % 40);
    e.unpack_at = x->now_ms / 1000 + 180;
    m.common = c;
    m.envelope_info = &e;
    m.has_display = 1;
    m.display = 1;
    return pack(&m.base, msg);
}

static int gen_goal(more_ctx *x, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__GoalUpdateMessage m = LIVETAP__WEBCAST__GOAL_UPDATE_MESSAGE__INIT;
    Livetap__Webcast__LiveStreamGoal g = LIVETAP__WEBCAST__LIVE_STREAM_GOAL__INIT;
    Livetap__Webcast__LiveStreamSubGoal s = LIVETAP__WEBCAST__LIVE_STREAM_SUB_GOAL__INIT, *subs[1] = {&s};
    Livetap__Webcast__GoalPinInfo pin = LIVETAP__WEBCAST__GOAL_PIN_INFO__INIT;
    int64_t roses = 1 + (int64_t)(x->draw % 10);
    s.has_type = s.has_id = s.has_progress = s.has_target = 1;
    s.type = 1; /* a gift goal: this many Roses */
    s.id = 5655;
    s.target = 1000;
    s.progress = (int64_t)(x->draw / 10 % 1000);
    g.has_id = g.has_type = g.has_status = 1;
    g.id = 7350000000000000000LL + x->room->index;
    g.type = 1;
    g.status = 1;
    g.description = "Help me reach 1000 Roses today!";
    g.sub_goals = subs;
    g.n_sub_goals = 1;
    pin.has_pin = 1;
    pin.pin = 1;
    m.common = c;
    m.goal = &g;
    m.has_contributor_id = m.has_contribute_count = m.has_contribute_score = m.has_gift_repeat_count = 1;
    m.contributor_id = x->viewer->id;
    m.contributor_display_id = x->viewer->display_id;
    m.contribute_count = roses;
    m.contribute_score = roses;
    m.gift_repeat_count = roses;
    m.pin_info = &pin;
    return pack(&m.base, msg);
}

static int gen_banner(more_ctx *x, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__InRoomBannerMessage m = LIVETAP__WEBCAST__IN_ROOM_BANNER_MESSAGE__INIT;
    ProtobufCBinaryData data[1];
    char json[192];
    int n = snprintf(json, sizeof json,
                     "{\"banner_id\":%u,\"title\":\"Weekly LIVE ranking\",\"rank\":%u,"
                     "\"url\":\"https://www.tiktok.com/live/ranking\"}",
                     (unsigned)(4100 + x->draw % 100), (unsigned)(1 + x->draw / 100 % 99));
    data[0].data = (uint8_t *)json;
    data[0].len = (size_t)n;
    m.common = c;
    m.data = data;
    m.n_data = 1;
    m.has_position = m.has_action_type = 1;
    m.position = 1 + (int64_t)(x->draw % 2);
    m.action_type = 1;
    return pack(&m.base, msg);
}

static int gen_shopping(more_ctx *x, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    static const char *const products[][2] = {
        {"Wireless earbuds, 30 h battery", "$19.99"},
        {"LED ring light with tripod", "$24.50"},
        {"Oversized hoodie, heather grey", "$34.00"},
    };
    Livetap__Webcast__OecLiveShoppingMessage m = LIVETAP__WEBCAST__OEC_LIVE_SHOPPING_MESSAGE__INIT;
    Livetap__Webcast__LiveShoppingData d = LIVETAP__WEBCAST__LIVE_SHOPPING_DATA__INIT;
    char image[128], shop[128];
    int p = (int)(x->draw % 3);
    int64_t product_id = 1729000000000000000LL + p;
    snprintf(image, sizeof image, "https://p16-oec-va.ibyteimg.com/product/%lld.jpeg", (long long)product_id);
    snprintf(shop, sizeof shop, "https://shop.tiktok.com/view/product/%lld", (long long)product_id);
    d.title = (char *)products[p][0];
    d.price_string = (char *)products[p][1];
    d.image_url = image;
    d.shop_url = shop;
    d.has_product_id = 1;
    d.product_id = product_id;
    d.shop_name = "Studio Corner Store";
    m.common = c;
    m.shop_data = &d;
    return pack(&m.base, msg);
}

/* A poll's start (options, no votes yet) or an update (the votes so far). */
static int gen_poll(more_ctx *x, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    static const char *const options[] = {"Minecraft", "Fortnite", "Just chatting"};
    Livetap__Webcast__PollMessage m = LIVETAP__WEBCAST__POLL_MESSAGE__INIT;
    Livetap__Webcast__PollStartContent start = LIVETAP__WEBCAST__POLL_START_CONTENT__INIT;
    Livetap__Webcast__PollUpdateContent update = LIVETAP__WEBCAST__POLL_UPDATE_CONTENT__INIT;
    Livetap__Webcast__PollOption opt[3];
    ProtobufCBinaryData packed[3];
    uint8_t buf[3][64];
    bool starts = x->draw % 3 == 0;
    for (int i = 0; i < 3; i++) {
        livetap__webcast__poll_option__init(&opt[i]);
        opt[i].text = (char *)options[i];
        opt[i].has_index = opt[i].has_votes = 1;
        opt[i].index = i;
        opt[i].votes = starts ? 0 : (int64_t)(x->draw / (3 + 7 * (uint64_t)i) % 400);
        if (pack_bytes(&opt[i].base, buf[i], sizeof buf[i], &packed[i]))
            return -1;
    }
    m.common = c;
    m.has_message_type = m.has_poll_id = m.has_poll_kind = 1;
    m.poll_id = 7360000000000000000LL + x->room->index;
    m.poll_kind = 1;
    if (starts) {
        m.message_type = 0;
        start.has_start_time = start.has_end_time = 1;
        start.start_time = x->now_ms / 1000;
        start.end_time = x->now_ms / 1000 + 120;
        start.title = "What should I play next?";
        start.options = packed;
        start.n_options = 3;
        start.operator_ = &x->host;
        m.start_content = &start;
    } else {
        m.message_type = 2;
        update.options = packed;
        update.n_options = 3;
        update.operator_ = &x->host;
        m.update_content = &update;
    }
    return pack(&m.base, msg);
}

static int gen_rank_update(more_ctx *x, lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    Livetap__Webcast__RankUpdateMessage m = LIVETAP__WEBCAST__RANK_UPDATE_MESSAGE__INIT;
    Livetap__Webcast__RankUpdate u = LIVETAP__WEBCAST__RANK_UPDATE__INIT, *updates[1] = {&u};
    Livetap__Webcast__Text t = LIVETAP__WEBCAST__TEXT__INIT;
    char text[64];
    int rank = 1 + (int)(x->draw % 20);
    snprintf(text, sizeof text, "No. %d in the hourly ranking", rank);
    t.key = "live_rank_update_hourly";
    t.default_pattern = text;
    u.has_rank_type = u.has_owner_rank = u.has_countdown = u.has_owner_on_rank = 1;
    u.rank_type = 8; /* hourly */
    u.owner_rank = rank;
    u.default_content = &t;
    u.countdown = 60 * (int64_t)(1 + x->draw / 20 % 59);
    u.owner_on_rank = 1;
    m.common = c;
    m.updates = updates;
    m.n_updates = 1;
    m.has_group_type = m.has_priority = 1;
    m.group_type = 1;
    m.priority = 10;
    return pack(&m.base, msg);
}

typedef int (*more_gen)(more_ctx *, lt_sim_message *, Livetap__Webcast__Common *);

static const struct more_method {
    const char *method;
    more_gen gen;
} more_methods[] = {
    {"WebcastBarrageMessage", gen_barrage},
    {"WebcastCaptionMessage", gen_caption},
    {"WebcastEmoteChatMessage", gen_emote_chat},
    {"WebcastImDeleteMessage", gen_im_delete},
    {"WebcastQuestionNewMessage", gen_question},
    {"WebcastRoomMessage", gen_room_message},
    {"WebcastRoomPinMessage", gen_room_pin},
    {"WebcastLiveIntroMessage", gen_live_intro},
    {"WebcastLinkMessage", gen_link},
    {"WebcastLinkLayerMessage", gen_link_layer},
    {"WebcastLinkMicMethod", gen_link_mic},
    {"WebcastLinkMicFanTicketMethod", gen_fan_ticket},
    {"WebcastLinkMicArmies", gen_armies},
    {"WebcastEnvelopeMessage", gen_envelope},
    {"WebcastGoalUpdateMessage", gen_goal},
    {"WebcastInRoomBannerMessage", gen_banner},
    {"WebcastOecLiveShoppingMessage", gen_shopping},
    {"WebcastPollMessage", gen_poll},
    {"WebcastRankUpdateMessage", gen_rank_update},
};

int lt_sim_more_family(const lt_sim_room *room, uint64_t draw, const Livetap__Webcast__User *viewer,
                       lt_sim_message *msg, Livetap__Webcast__Common *c)
{
    size_t n = sizeof more_methods / sizeof more_methods[0];
    const struct more_method *which = &more_methods[draw % n];
    more_ctx x = {.room = room, .viewer = viewer, .draw = draw / n, .now_ms = c->create_time};
    /* the host: the room's creator, whose user id the simulator gives as the room id */
    livetap__webcast__user__init(&x.host);
    x.host.has_id = 1;
    x.host.id = room->room_id;
    x.host.nickname = (char *)room->unique_id;
    x.host.display_id = (char *)room->unique_id;
    msg->method = which->method;
    c->method = (char *)msg->method;
    return which->gen(&x, msg, c);
}
