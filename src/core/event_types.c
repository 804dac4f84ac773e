/* event_types.c - the one list of event types, their names (= topic suffix
 * and schema file stem) and the field tables that map each type's struct onto
 * its Avro record.
 *
 * The tables name Avro fields; the Avro encoder binds them to the parsed
 * schema by name at start-up and refuses to start if a schema field has no
 * entry here or the kinds disagree. Field order therefore comes from the
 * schema, not from these tables. The envelope fields (platform, room_id, ...)
 * are in lt_event_envelope and shared by every type; BIGO's game fields are in
 * lt_event_game and shared by every room event (all but the compacted entity
 * types, whose records are keyed by the entity and belong to no game).
 */
#include "core/event.h"

#include <string.h>
#include <time.h>

#define FIELD(name, kind, type, member) \
    { name, kind, offsetof(type, member), 0, NULL }
#define RECORD(name, kind, type, member, desc) \
    { name, kind, offsetof(type, member), 0, desc }
#define ARRAY(name, kind, type, member, count, desc) \
    { name, kind, offsetof(type, member), offsetof(type, count), desc }
#define DESC(full_name, type, table) \
    { full_name, sizeof(type), table, sizeof(table) / sizeof(table[0]) }

static const lt_field user_fields[] = {
    FIELD("id", LT_FIELD_LONG, lt_user, id),
    FIELD("unique_id", LT_FIELD_STRING, lt_user, unique_id),
    FIELD("nickname", LT_FIELD_STRING, lt_user, nickname),
    FIELD("avatar_url", LT_FIELD_OPT_STRING, lt_user, avatar_url),
    FIELD("follower_count", LT_FIELD_LONG, lt_user, follower_count),
    FIELD("following_count", LT_FIELD_LONG, lt_user, following_count),
    FIELD("is_follower", LT_FIELD_BOOL, lt_user, is_follower),
    FIELD("is_friend", LT_FIELD_BOOL, lt_user, is_friend),
    FIELD("is_moderator", LT_FIELD_BOOL, lt_user, is_moderator),
    FIELD("is_subscriber", LT_FIELD_BOOL, lt_user, is_subscriber),
    FIELD("is_anchor", LT_FIELD_BOOL, lt_user, is_anchor),
    FIELD("gifter_level", LT_FIELD_INT, lt_user, gifter_level),
    FIELD("member_level", LT_FIELD_INT, lt_user, member_level),
    ARRAY("badges", LT_FIELD_STRING_ARRAY, lt_user, badges, badge_count, NULL),
    FIELD("sec_uid", LT_FIELD_OPT_STRING, lt_user, sec_uid),
};
const lt_record_desc lt_user_desc = DESC("io.livetap.User", lt_user, user_fields);

static const lt_field envelope_fields[] = {
    FIELD("platform", LT_FIELD_PLATFORM, lt_event, platform),
    FIELD("room_id", LT_FIELD_STRING, lt_event, room_id),
    FIELD("msg_id", LT_FIELD_LONG, lt_event, msg_id),
    FIELD("event_time", LT_FIELD_LONG, lt_event, event_time),
    FIELD("ingest_time", LT_FIELD_LONG, lt_event, ingest_time),
    FIELD("collector_id", LT_FIELD_STRING, lt_event, collector_id),
};
const lt_record_desc lt_event_envelope = DESC("io.livetap.Envelope", lt_event, envelope_fields);

static const lt_field game_fields[] = {
    FIELD("game_id", LT_FIELD_OPT_STRING, lt_event, game_id),
    FIELD("game_sess", LT_FIELD_OPT_STRING, lt_event, game_sess),
};
const lt_record_desc lt_event_game = DESC("io.livetap.Game", lt_event, game_fields);

static const lt_field chat_fields[] = {
    RECORD("user", LT_FIELD_RECORD, lt_event, as.chat.user, &lt_user_desc),
    FIELD("content", LT_FIELD_STRING, lt_event, as.chat.content),
    FIELD("language", LT_FIELD_OPT_STRING, lt_event, as.chat.language),
    ARRAY("emote_ids", LT_FIELD_STRING_ARRAY, lt_event, as.chat.emote_ids, as.chat.emote_count, NULL),
    RECORD("at_user", LT_FIELD_OPT_RECORD, lt_event, as.chat.at_user, &lt_user_desc),
};

static const lt_field gift_fields[] = {
    RECORD("user", LT_FIELD_RECORD, lt_event, as.gift.user, &lt_user_desc),
    RECORD("to_user", LT_FIELD_OPT_RECORD, lt_event, as.gift.to_user, &lt_user_desc),
    FIELD("gift_id", LT_FIELD_LONG, lt_event, as.gift.gift_id),
    FIELD("gift_name", LT_FIELD_STRING, lt_event, as.gift.gift_name),
    FIELD("gift_image_url", LT_FIELD_OPT_STRING, lt_event, as.gift.gift_image_url),
    FIELD("diamond_count", LT_FIELD_INT, lt_event, as.gift.diamond_count),
    FIELD("gift_type", LT_FIELD_INT, lt_event, as.gift.gift_type),
    FIELD("repeat_count", LT_FIELD_INT, lt_event, as.gift.repeat_count),
    FIELD("repeat_end", LT_FIELD_BOOL, lt_event, as.gift.repeat_end),
    FIELD("group_id", LT_FIELD_LONG, lt_event, as.gift.group_id),
    FIELD("combo_count", LT_FIELD_INT, lt_event, as.gift.combo_count),
    FIELD("send_type", LT_FIELD_INT, lt_event, as.gift.send_type),
    FIELD("streakable", LT_FIELD_BOOL, lt_event, as.gift.streakable),
    FIELD("gifts_added", LT_FIELD_INT, lt_event, as.gift.gifts_added),
    FIELD("diamonds_added", LT_FIELD_LONG, lt_event, as.gift.diamonds_added),
    FIELD("streak_closed", LT_FIELD_BOOL, lt_event, as.gift.streak_closed),
};

static const lt_field like_fields[] = {
    RECORD("user", LT_FIELD_RECORD, lt_event, as.like.user, &lt_user_desc),
    FIELD("count", LT_FIELD_INT, lt_event, as.like.count),
    FIELD("total", LT_FIELD_LONG, lt_event, as.like.total),
    FIELD("total_max", LT_FIELD_LONG, lt_event, as.like.total_max),
    FIELD("effect_cnt", LT_FIELD_LONG, lt_event, as.like.effect_cnt),
    FIELD("display_text", LT_FIELD_OPT_STRING, lt_event, as.like.display_text),
};

static const lt_field member_fields[] = {
    RECORD("user", LT_FIELD_RECORD, lt_event, as.member.user, &lt_user_desc),
    FIELD("action", LT_FIELD_INT, lt_event, as.member.action),
    FIELD("member_count", LT_FIELD_LONG, lt_event, as.member.member_count),
    FIELD("enter_type", LT_FIELD_INT, lt_event, as.member.enter_type),
};

static const lt_field social_fields[] = {
    RECORD("user", LT_FIELD_RECORD, lt_event, as.social.user, &lt_user_desc),
    FIELD("action", LT_FIELD_STRING, lt_event, as.social.action),
    FIELD("share_type", LT_FIELD_INT, lt_event, as.social.share_type),
    FIELD("share_target", LT_FIELD_OPT_STRING, lt_event, as.social.share_target),
    FIELD("follow_count", LT_FIELD_LONG, lt_event, as.social.follow_count),
    FIELD("share_count", LT_FIELD_LONG, lt_event, as.social.share_count),
    FIELD("display_key", LT_FIELD_OPT_STRING, lt_event, as.social.display_key),
    FIELD("action_code", LT_FIELD_LONG, lt_event, as.social.action_code),
};

static const lt_field top_viewer_fields[] = {
    RECORD("user", LT_FIELD_RECORD, lt_top_viewer, user, &lt_user_desc),
    FIELD("rank", LT_FIELD_INT, lt_top_viewer, rank),
    FIELD("score", LT_FIELD_LONG, lt_top_viewer, score),
};
static const lt_record_desc top_viewer_desc = DESC("io.livetap.TopViewer", lt_top_viewer, top_viewer_fields);

static const lt_field viewers_fields[] = {
    FIELD("viewer_count", LT_FIELD_LONG, lt_event, as.viewers.viewer_count),
    FIELD("total_user", LT_FIELD_LONG, lt_event, as.viewers.total_user),
    ARRAY("top_viewers", LT_FIELD_RECORD_ARRAY, lt_event, as.viewers.top_viewers,
          as.viewers.top_viewer_count, &top_viewer_desc),
    FIELD("popularity", LT_FIELD_LONG, lt_event, as.viewers.popularity),
    FIELD("anonymous", LT_FIELD_LONG, lt_event, as.viewers.anonymous),
};

static const lt_field control_fields[] = {
    FIELD("action", LT_FIELD_INT, lt_event, as.control.action),
    FIELD("action_name", LT_FIELD_STRING, lt_event, as.control.action_name),
    FIELD("tips", LT_FIELD_OPT_STRING, lt_event, as.control.tips),
};

static const lt_field room_status_fields[] = {
    FIELD("state", LT_FIELD_STRING, lt_event, as.room_status.state),
    FIELD("reason", LT_FIELD_OPT_STRING, lt_event, as.room_status.reason),
    FIELD("message", LT_FIELD_OPT_STRING, lt_event, as.room_status.message),
    FIELD("input", LT_FIELD_OPT_STRING, lt_event, as.room_status.input),
    FIELD("retry_at", LT_FIELD_OPT_LONG, lt_event, as.room_status.retry_at),
    FIELD("attempt", LT_FIELD_INT, lt_event, as.room_status.attempt),
};

static const lt_field unknown_fields[] = {
    FIELD("method", LT_FIELD_STRING, lt_event, as.unknown.method),
    FIELD("payload", LT_FIELD_BYTES, lt_event, as.unknown.payload),
    FIELD("reason", LT_FIELD_STRING, lt_event, as.unknown.reason),
    FIELD("payload_length", LT_FIELD_OPT_LONG, lt_event, as.unknown.payload_length),
    FIELD("payload_truncated", LT_FIELD_BOOL, lt_event, as.unknown.payload_truncated),
    FIELD("event_time_source", LT_FIELD_OPT_STRING, lt_event, as.unknown.event_time_source),
};

static const lt_record_desc chat_desc = DESC("io.livetap.Chat", lt_event, chat_fields);
static const lt_record_desc gift_desc = DESC("io.livetap.Gift", lt_event, gift_fields);
static const lt_record_desc like_desc = DESC("io.livetap.Like", lt_event, like_fields);
static const lt_record_desc member_desc = DESC("io.livetap.Member", lt_event, member_fields);
static const lt_record_desc social_desc = DESC("io.livetap.Social", lt_event, social_fields);
static const lt_record_desc viewers_desc = DESC("io.livetap.Viewers", lt_event, viewers_fields);
static const lt_record_desc control_desc = DESC("io.livetap.Control", lt_event, control_fields);
static const lt_record_desc room_status_desc = DESC("io.livetap.RoomStatus", lt_event, room_status_fields);
static const lt_record_desc unknown_desc = DESC("io.livetap.Unknown", lt_event, unknown_fields);

/* --- TikTok WebCast types beyond the common ones --- */

static const lt_field battle_result_fields[] = {
    FIELD("anchor_id", LT_FIELD_LONG, lt_battle_result, anchor_id),
    FIELD("result", LT_FIELD_INT, lt_battle_result, result),
    FIELD("score", LT_FIELD_LONG, lt_battle_result, score),
};
static const lt_record_desc battle_result_desc = DESC("io.livetap.BattleResult", lt_battle_result, battle_result_fields);

static const lt_field battle_contributor_fields[] = {
    FIELD("user_id", LT_FIELD_LONG, lt_battle_contributor, user_id),
    FIELD("nickname", LT_FIELD_OPT_STRING, lt_battle_contributor, nickname),
    FIELD("score", LT_FIELD_LONG, lt_battle_contributor, score),
};
static const lt_record_desc battle_contributor_desc = DESC("io.livetap.BattleContributor", lt_battle_contributor, battle_contributor_fields);

static const lt_field battle_team_fields[] = {
    FIELD("anchor_id", LT_FIELD_LONG, lt_battle_team, anchor_id),
    FIELD("score", LT_FIELD_LONG, lt_battle_team, score),
    ARRAY("contributors", LT_FIELD_RECORD_ARRAY, lt_battle_team, contributors, contributor_count, &battle_contributor_desc),
};
static const lt_record_desc battle_team_desc = DESC("io.livetap.BattleTeam", lt_battle_team, battle_team_fields);

static const lt_field fan_ticket_fields[] = {
    FIELD("user_id", LT_FIELD_LONG, lt_fan_ticket, user_id),
    FIELD("fan_ticket", LT_FIELD_LONG, lt_fan_ticket, fan_ticket),
};
static const lt_record_desc fan_ticket_desc = DESC("io.livetap.FanTicket", lt_fan_ticket, fan_ticket_fields);

static const lt_field rank_entry_fields[] = {
    FIELD("rank_type", LT_FIELD_LONG, lt_rank_entry, rank_type),
    FIELD("owner_rank", LT_FIELD_LONG, lt_rank_entry, owner_rank),
    FIELD("text", LT_FIELD_OPT_STRING, lt_rank_entry, text),
    FIELD("countdown", LT_FIELD_LONG, lt_rank_entry, countdown),
    FIELD("owner_on_rank", LT_FIELD_BOOL, lt_rank_entry, owner_on_rank),
};
static const lt_record_desc rank_entry_desc = DESC("io.livetap.RankEntry", lt_rank_entry, rank_entry_fields);

static const lt_field caption_text_fields[] = {
    FIELD("language", LT_FIELD_OPT_STRING, lt_caption_text, language),
    FIELD("text", LT_FIELD_STRING, lt_caption_text, text),
};
static const lt_record_desc caption_text_desc = DESC("io.livetap.CaptionText", lt_caption_text, caption_text_fields);

static const lt_field battle_anchor_fields[] = {
    FIELD("anchor_id", LT_FIELD_LONG, lt_battle_anchor, anchor_id),
    FIELD("unique_id", LT_FIELD_OPT_STRING, lt_battle_anchor, unique_id),
    FIELD("nickname", LT_FIELD_OPT_STRING, lt_battle_anchor, nickname),
    FIELD("avatar_url", LT_FIELD_OPT_STRING, lt_battle_anchor, avatar_url),
    FIELD("room_id", LT_FIELD_LONG, lt_battle_anchor, room_id),
};
static const lt_record_desc battle_anchor_desc = DESC("io.livetap.BattleAnchor", lt_battle_anchor, battle_anchor_fields);

static const lt_field battle_team_member_fields[] = {
    FIELD("user_id", LT_FIELD_LONG, lt_battle_team_member, user_id),
    FIELD("score", LT_FIELD_LONG, lt_battle_team_member, score),
};
static const lt_record_desc battle_team_member_desc = DESC("io.livetap.BattleTeamMember", lt_battle_team_member, battle_team_member_fields);

static const lt_field battle_team_result_fields[] = {
    FIELD("team_id", LT_FIELD_LONG, lt_battle_team_total, team_id),
    FIELD("result", LT_FIELD_INT, lt_battle_team_total, result),
    FIELD("total_score", LT_FIELD_LONG, lt_battle_team_total, total_score),
    ARRAY("members", LT_FIELD_RECORD_ARRAY, lt_battle_team_total, members, member_count, &battle_team_member_desc),
};
static const lt_record_desc battle_team_result_desc = DESC("io.livetap.BattleTeamResult", lt_battle_team_total, battle_team_result_fields);

static const lt_field battle_team_score_fields[] = {
    FIELD("team_id", LT_FIELD_LONG, lt_battle_team_total, team_id),
    FIELD("total_score", LT_FIELD_LONG, lt_battle_team_total, total_score),
    FIELD("host_rank", LT_FIELD_LONG, lt_battle_team_total, host_rank),
    ARRAY("members", LT_FIELD_RECORD_ARRAY, lt_battle_team_total, members, member_count, &battle_team_member_desc),
};
static const lt_record_desc battle_team_score_desc = DESC("io.livetap.BattleTeamScore", lt_battle_team_total, battle_team_score_fields);

static const lt_field battle_fields[] = {
    FIELD("battle_id", LT_FIELD_LONG, lt_event, as.battle.battle_id),
    FIELD("action", LT_FIELD_INT, lt_event, as.battle.action),
    FIELD("action_name", LT_FIELD_STRING, lt_event, as.battle.action_name),
    FIELD("battle_type", LT_FIELD_INT, lt_event, as.battle.battle_type),
    FIELD("status", LT_FIELD_INT, lt_event, as.battle.status),
    FIELD("channel_id", LT_FIELD_LONG, lt_event, as.battle.channel_id),
    FIELD("start_time", LT_FIELD_OPT_LONG, lt_event, as.battle.start_time),
    FIELD("duration", LT_FIELD_LONG, lt_event, as.battle.duration),
    FIELD("action_by_user_id", LT_FIELD_LONG, lt_event, as.battle.action_by_user_id),
    ARRAY("results", LT_FIELD_RECORD_ARRAY, lt_event, as.battle.results, as.battle.result_count, &battle_result_desc),
    ARRAY("teams", LT_FIELD_RECORD_ARRAY, lt_event, as.battle.teams, as.battle.team_count, &battle_team_desc),
    ARRAY("anchors", LT_FIELD_RECORD_ARRAY, lt_event, as.battle.anchors, as.battle.anchor_count, &battle_anchor_desc),
    ARRAY("team_results", LT_FIELD_RECORD_ARRAY, lt_event, as.battle.team_results, as.battle.team_result_count, &battle_team_result_desc),
    ARRAY("team_scores", LT_FIELD_RECORD_ARRAY, lt_event, as.battle.team_scores, as.battle.team_score_count, &battle_team_score_desc),
};

static const lt_field battle_armies_fields[] = {
    FIELD("battle_id", LT_FIELD_LONG, lt_event, as.battle_armies.battle_id),
    FIELD("trigger_reason", LT_FIELD_INT, lt_event, as.battle_armies.trigger_reason),
    FIELD("from_user_id", LT_FIELD_LONG, lt_event, as.battle_armies.from_user_id),
    FIELD("gift_id", LT_FIELD_LONG, lt_event, as.battle_armies.gift_id),
    FIELD("gift_count", LT_FIELD_INT, lt_event, as.battle_armies.gift_count),
    FIELD("repeat_count", LT_FIELD_INT, lt_event, as.battle_armies.repeat_count),
    FIELD("total_diamond_count", LT_FIELD_LONG, lt_event, as.battle_armies.total_diamond_count),
    ARRAY("teams", LT_FIELD_RECORD_ARRAY, lt_event, as.battle_armies.teams, as.battle_armies.team_count, &battle_team_desc),
    ARRAY("team_scores", LT_FIELD_RECORD_ARRAY, lt_event, as.battle_armies.team_scores, as.battle_armies.team_score_count, &battle_team_score_desc),
};

static const lt_field question_fields[] = {
    RECORD("user", LT_FIELD_RECORD, lt_event, as.question.user, &lt_user_desc),
    FIELD("question_id", LT_FIELD_LONG, lt_event, as.question.question_id),
    FIELD("content", LT_FIELD_STRING, lt_event, as.question.content),
    FIELD("answer_status", LT_FIELD_INT, lt_event, as.question.answer_status),
};

static const lt_field room_message_fields[] = {
    FIELD("content", LT_FIELD_STRING, lt_event, as.room_message.content),
    FIELD("display_key", LT_FIELD_OPT_STRING, lt_event, as.room_message.display_key),
    FIELD("source", LT_FIELD_LONG, lt_event, as.room_message.source),
    FIELD("is_welcome", LT_FIELD_BOOL, lt_event, as.room_message.is_welcome),
};

static const lt_field subscribe_fields[] = {
    RECORD("user", LT_FIELD_RECORD, lt_event, as.subscribe.user, &lt_user_desc),
    FIELD("sub_month", LT_FIELD_INT, lt_event, as.subscribe.sub_month),
    FIELD("subscribe_type", LT_FIELD_INT, lt_event, as.subscribe.subscribe_type),
    FIELD("old_subscribe_status", LT_FIELD_INT, lt_event, as.subscribe.old_subscribe_status),
    FIELD("subscribing_status", LT_FIELD_INT, lt_event, as.subscribe.subscribing_status),
    FIELD("exhibition_type", LT_FIELD_INT, lt_event, as.subscribe.exhibition_type),
};

static const lt_field emote_chat_fields[] = {
    RECORD("user", LT_FIELD_RECORD, lt_event, as.emote_chat.user, &lt_user_desc),
    ARRAY("emote_ids", LT_FIELD_STRING_ARRAY, lt_event, as.emote_chat.emote_ids, as.emote_chat.emote_count, NULL),
    ARRAY("emote_urls", LT_FIELD_STRING_ARRAY, lt_event, as.emote_chat.emote_urls, as.emote_chat.emote_url_count, NULL),
};

static const lt_field chest_envelope_fields[] = {
    FIELD("envelope_id", LT_FIELD_STRING, lt_event, as.envelope.envelope_id),
    FIELD("business_type", LT_FIELD_INT, lt_event, as.envelope.business_type),
    FIELD("sender_name", LT_FIELD_OPT_STRING, lt_event, as.envelope.sender_name),
    FIELD("diamond_count", LT_FIELD_INT, lt_event, as.envelope.diamond_count),
    FIELD("people_count", LT_FIELD_INT, lt_event, as.envelope.people_count),
    FIELD("unpack_at", LT_FIELD_LONG, lt_event, as.envelope.unpack_at),
    FIELD("display", LT_FIELD_INT, lt_event, as.envelope.display),
    FIELD("superfan_box", LT_FIELD_BOOL, lt_event, as.envelope.superfan_box),
};

static const lt_field shopping_fields[] = {
    FIELD("title", LT_FIELD_OPT_STRING, lt_event, as.shopping.title),
    FIELD("price", LT_FIELD_OPT_STRING, lt_event, as.shopping.price),
    FIELD("image_url", LT_FIELD_OPT_STRING, lt_event, as.shopping.image_url),
    FIELD("shop_url", LT_FIELD_OPT_STRING, lt_event, as.shopping.shop_url),
    FIELD("shop_name", LT_FIELD_OPT_STRING, lt_event, as.shopping.shop_name),
    FIELD("product_id", LT_FIELD_OPT_LONG, lt_event, as.shopping.product_id),
};

static const lt_field link_mic_fields[] = {
    FIELD("message_type", LT_FIELD_INT, lt_event, as.link_mic.message_type),
    FIELD("user_id", LT_FIELD_LONG, lt_event, as.link_mic.user_id),
    FIELD("to_user_id", LT_FIELD_LONG, lt_event, as.link_mic.to_user_id),
    FIELD("channel_id", LT_FIELD_LONG, lt_event, as.link_mic.channel_id),
    FIELD("anchor_linkmic_id", LT_FIELD_LONG, lt_event, as.link_mic.anchor_linkmic_id),
    FIELD("rival_anchor_id", LT_FIELD_LONG, lt_event, as.link_mic.rival_anchor_id),
    FIELD("fan_ticket", LT_FIELD_LONG, lt_event, as.link_mic.fan_ticket),
    FIELD("total_linkmic_fan_ticket", LT_FIELD_LONG, lt_event, as.link_mic.total_linkmic_fan_ticket),
    FIELD("match_type", LT_FIELD_INT, lt_event, as.link_mic.match_type),
    FIELD("win", LT_FIELD_BOOL, lt_event, as.link_mic.win),
    FIELD("duration", LT_FIELD_LONG, lt_event, as.link_mic.duration),
    FIELD("tips", LT_FIELD_OPT_STRING, lt_event, as.link_mic.tips),
};

static const lt_field link_mic_fan_ticket_fields[] = {
    FIELD("total_fan_ticket", LT_FIELD_LONG, lt_event, as.link_mic_fan_ticket.total_fan_ticket),
    FIELD("match_id", LT_FIELD_LONG, lt_event, as.link_mic_fan_ticket.match_id),
    FIELD("notice_time", LT_FIELD_LONG, lt_event, as.link_mic_fan_ticket.notice_time),
    ARRAY("users", LT_FIELD_RECORD_ARRAY, lt_event, as.link_mic_fan_ticket.users, as.link_mic_fan_ticket.user_count, &fan_ticket_desc),
};

static const lt_field link_fields[] = {
    FIELD("message_type", LT_FIELD_INT, lt_event, as.link.message_type),
    FIELD("message_type_name", LT_FIELD_STRING, lt_event, as.link.message_type_name),
    FIELD("linker_id", LT_FIELD_LONG, lt_event, as.link.linker_id),
    FIELD("scene", LT_FIELD_INT, lt_event, as.link.scene),
    FIELD("from_user_id", LT_FIELD_OPT_LONG, lt_event, as.link.from_user_id),
    FIELD("from_room_id", LT_FIELD_OPT_LONG, lt_event, as.link.from_room_id),
    FIELD("to_user_id", LT_FIELD_OPT_LONG, lt_event, as.link.to_user_id),
    RECORD("from_user", LT_FIELD_OPT_RECORD, lt_event, as.link.from_user, &lt_user_desc),
    RECORD("to_user", LT_FIELD_OPT_RECORD, lt_event, as.link.to_user, &lt_user_desc),
    FIELD("owner_id", LT_FIELD_OPT_LONG, lt_event, as.link.owner_id),
    FIELD("owner_room_id", LT_FIELD_OPT_LONG, lt_event, as.link.owner_room_id),
    FIELD("link_type", LT_FIELD_OPT_LONG, lt_event, as.link.link_type),
    FIELD("reply_status", LT_FIELD_OPT_LONG, lt_event, as.link.reply_status),
    FIELD("user_id", LT_FIELD_OPT_LONG, lt_event, as.link.user_id),
    FIELD("leave_reason", LT_FIELD_OPT_LONG, lt_event, as.link.leave_reason),
    FIELD("cancel_type", LT_FIELD_OPT_LONG, lt_event, as.link.cancel_type),
    FIELD("kickout_reason", LT_FIELD_OPT_LONG, lt_event, as.link.kickout_reason),
    FIELD("mute_status", LT_FIELD_OPT_LONG, lt_event, as.link.mute_status),
    FIELD("toast_text", LT_FIELD_OPT_STRING, lt_event, as.link.toast_text),
    ARRAY("linked_user_ids", LT_FIELD_STRING_ARRAY, lt_event, as.link.linked_user_ids, as.link.linked_user_count, NULL),
};

static const lt_field link_layer_fields[] = {
    FIELD("message_type", LT_FIELD_INT, lt_event, as.link_layer.message_type),
    FIELD("channel_id", LT_FIELD_LONG, lt_event, as.link_layer.channel_id),
    FIELD("scene", LT_FIELD_INT, lt_event, as.link_layer.scene),
};

static const lt_field live_intro_fields[] = {
    RECORD("host", LT_FIELD_OPT_RECORD, lt_event, as.live_intro.host, &lt_user_desc),
    FIELD("content", LT_FIELD_STRING, lt_event, as.live_intro.content),
    FIELD("language", LT_FIELD_OPT_STRING, lt_event, as.live_intro.language),
    FIELD("intro_mode", LT_FIELD_INT, lt_event, as.live_intro.intro_mode),
    FIELD("audit_status", LT_FIELD_INT, lt_event, as.live_intro.audit_status),
};

static const lt_field rank_update_fields[] = {
    FIELD("group_type", LT_FIELD_LONG, lt_event, as.rank_update.group_type),
    FIELD("priority", LT_FIELD_LONG, lt_event, as.rank_update.priority),
    ARRAY("ranks", LT_FIELD_RECORD_ARRAY, lt_event, as.rank_update.ranks, as.rank_update.rank_count, &rank_entry_desc),
};

static const lt_field poll_option_fields[] = {
    FIELD("index", LT_FIELD_INT, lt_poll_option, index),
    FIELD("text", LT_FIELD_OPT_STRING, lt_poll_option, text),
    FIELD("votes", LT_FIELD_LONG, lt_poll_option, votes),
};
static const lt_record_desc poll_option_desc = DESC("io.livetap.PollOption", lt_poll_option, poll_option_fields);

static const lt_field poll_fields[] = {
    FIELD("poll_id", LT_FIELD_LONG, lt_event, as.poll.poll_id),
    FIELD("message_type", LT_FIELD_INT, lt_event, as.poll.message_type),
    FIELD("action", LT_FIELD_STRING, lt_event, as.poll.action),
    FIELD("title", LT_FIELD_OPT_STRING, lt_event, as.poll.title),
    FIELD("start_time", LT_FIELD_OPT_LONG, lt_event, as.poll.start_time),
    FIELD("end_time", LT_FIELD_OPT_LONG, lt_event, as.poll.end_time),
    RECORD("operator", LT_FIELD_OPT_RECORD, lt_event, as.poll.operator_user, &lt_user_desc),
    ARRAY("options", LT_FIELD_STRING_ARRAY, lt_event, as.poll.options, as.poll.option_count, NULL),
    FIELD("poll_kind", LT_FIELD_INT, lt_event, as.poll.poll_kind),
    ARRAY("option_votes", LT_FIELD_RECORD_ARRAY, lt_event, as.poll.option_votes, as.poll.option_vote_count, &poll_option_desc),
    ARRAY("results", LT_FIELD_RECORD_ARRAY, lt_event, as.poll.results, as.poll.result_count, &poll_option_desc),
    FIELD("end_type", LT_FIELD_OPT_LONG, lt_event, as.poll.end_type),
};

static const lt_field goal_sub_goal_fields[] = {
    FIELD("id", LT_FIELD_LONG, lt_goal_sub_goal, id),
    FIELD("type", LT_FIELD_INT, lt_goal_sub_goal, type),
    FIELD("progress", LT_FIELD_LONG, lt_goal_sub_goal, progress),
    FIELD("target", LT_FIELD_LONG, lt_goal_sub_goal, target),
};
static const lt_record_desc goal_sub_goal_desc = DESC("io.livetap.GoalSubGoal", lt_goal_sub_goal, goal_sub_goal_fields);

static const lt_field goal_update_fields[] = {
    FIELD("goal_id", LT_FIELD_LONG, lt_event, as.goal_update.goal_id),
    FIELD("goal_type", LT_FIELD_INT, lt_event, as.goal_update.goal_type),
    FIELD("status", LT_FIELD_INT, lt_event, as.goal_update.status),
    FIELD("description", LT_FIELD_OPT_STRING, lt_event, as.goal_update.description),
    FIELD("contributor_id", LT_FIELD_LONG, lt_event, as.goal_update.contributor_id),
    FIELD("contributor_display_id", LT_FIELD_OPT_STRING, lt_event, as.goal_update.contributor_display_id),
    FIELD("contribute_count", LT_FIELD_LONG, lt_event, as.goal_update.contribute_count),
    FIELD("contribute_score", LT_FIELD_LONG, lt_event, as.goal_update.contribute_score),
    FIELD("gift_repeat_count", LT_FIELD_LONG, lt_event, as.goal_update.gift_repeat_count),
    FIELD("pin", LT_FIELD_BOOL, lt_event, as.goal_update.pin),
    FIELD("unpin", LT_FIELD_BOOL, lt_event, as.goal_update.unpin),
    FIELD("progress", LT_FIELD_OPT_LONG, lt_event, as.goal_update.progress),
    FIELD("target", LT_FIELD_OPT_LONG, lt_event, as.goal_update.target),
    ARRAY("sub_goals", LT_FIELD_RECORD_ARRAY, lt_event, as.goal_update.sub_goals, as.goal_update.sub_goal_count, &goal_sub_goal_desc),
};

static const lt_field in_room_banner_fields[] = {
    FIELD("data", LT_FIELD_OPT_STRING, lt_event, as.in_room_banner.data),
    FIELD("data_format", LT_FIELD_STRING, lt_event, as.in_room_banner.data_format),
    FIELD("position", LT_FIELD_INT, lt_event, as.in_room_banner.position),
    FIELD("action_type", LT_FIELD_INT, lt_event, as.in_room_banner.action_type),
};

static const lt_field caption_fields[] = {
    FIELD("timestamp_ms", LT_FIELD_LONG, lt_event, as.caption.timestamp_ms),
    FIELD("duration_ms", LT_FIELD_LONG, lt_event, as.caption.duration_ms),
    FIELD("sentence_id", LT_FIELD_LONG, lt_event, as.caption.sentence_id),
    FIELD("sequence_id", LT_FIELD_LONG, lt_event, as.caption.sequence_id),
    FIELD("definite", LT_FIELD_BOOL, lt_event, as.caption.definite),
    ARRAY("texts", LT_FIELD_RECORD_ARRAY, lt_event, as.caption.texts, as.caption.text_count, &caption_text_desc),
};

static const lt_field im_delete_fields[] = {
    ARRAY("deleted_msg_ids", LT_FIELD_STRING_ARRAY, lt_event, as.im_delete.deleted_msg_ids, as.im_delete.deleted_msg_count, NULL),
    ARRAY("deleted_user_ids", LT_FIELD_STRING_ARRAY, lt_event, as.im_delete.deleted_user_ids, as.im_delete.deleted_user_count, NULL),
};

static const lt_field room_pin_fields[] = {
    FIELD("action", LT_FIELD_INT, lt_event, as.room_pin.action),
    FIELD("pin_id", LT_FIELD_LONG, lt_event, as.room_pin.pin_id),
    FIELD("pin_time", LT_FIELD_LONG, lt_event, as.room_pin.pin_time),
    FIELD("display_duration", LT_FIELD_LONG, lt_event, as.room_pin.display_duration),
    RECORD("operator", LT_FIELD_OPT_RECORD, lt_event, as.room_pin.operator_user, &lt_user_desc),
    FIELD("pinned_method", LT_FIELD_OPT_STRING, lt_event, as.room_pin.pinned_method),
    FIELD("pinned_msg_id", LT_FIELD_LONG, lt_event, as.room_pin.pinned_msg_id),
    RECORD("pinned_user", LT_FIELD_OPT_RECORD, lt_event, as.room_pin.pinned_user, &lt_user_desc),
    FIELD("pinned_content", LT_FIELD_OPT_STRING, lt_event, as.room_pin.pinned_content),
};

static const lt_field barrage_fields[] = {
    FIELD("msg_type", LT_FIELD_INT, lt_event, as.barrage.msg_type),
    RECORD("user", LT_FIELD_OPT_RECORD, lt_event, as.barrage.user, &lt_user_desc),
    FIELD("display_key", LT_FIELD_OPT_STRING, lt_event, as.barrage.display_key),
    FIELD("text", LT_FIELD_OPT_STRING, lt_event, as.barrage.text),
    FIELD("superfan", LT_FIELD_BOOL, lt_event, as.barrage.superfan),
};

static const lt_record_desc battle_desc = DESC("io.livetap.Battle", lt_event, battle_fields);
static const lt_record_desc battle_armies_desc = DESC("io.livetap.BattleArmies", lt_event, battle_armies_fields);
static const lt_record_desc question_desc = DESC("io.livetap.Question", lt_event, question_fields);
static const lt_record_desc room_message_desc = DESC("io.livetap.RoomMessage", lt_event, room_message_fields);
static const lt_record_desc subscribe_desc = DESC("io.livetap.Subscribe", lt_event, subscribe_fields);
static const lt_record_desc emote_chat_desc = DESC("io.livetap.EmoteChat", lt_event, emote_chat_fields);
static const lt_record_desc chest_envelope_desc = DESC("io.livetap.TreasureChest", lt_event, chest_envelope_fields);
static const lt_record_desc shopping_desc = DESC("io.livetap.Shopping", lt_event, shopping_fields);
static const lt_record_desc link_mic_desc = DESC("io.livetap.LinkMic", lt_event, link_mic_fields);
static const lt_record_desc link_mic_fan_ticket_desc = DESC("io.livetap.LinkMicFanTicket", lt_event, link_mic_fan_ticket_fields);
static const lt_record_desc link_desc = DESC("io.livetap.Link", lt_event, link_fields);
static const lt_record_desc link_layer_desc = DESC("io.livetap.LinkLayer", lt_event, link_layer_fields);
static const lt_record_desc live_intro_desc = DESC("io.livetap.LiveIntro", lt_event, live_intro_fields);
static const lt_record_desc rank_update_desc = DESC("io.livetap.RankUpdate", lt_event, rank_update_fields);
static const lt_record_desc poll_desc = DESC("io.livetap.Poll", lt_event, poll_fields);
static const lt_record_desc goal_update_desc = DESC("io.livetap.GoalUpdate", lt_event, goal_update_fields);
static const lt_record_desc in_room_banner_desc = DESC("io.livetap.InRoomBanner", lt_event, in_room_banner_fields);
static const lt_record_desc caption_desc = DESC("io.livetap.Caption", lt_event, caption_fields);
static const lt_record_desc im_delete_desc = DESC("io.livetap.ImDelete", lt_event, im_delete_fields);
static const lt_record_desc room_pin_desc = DESC("io.livetap.RoomPin", lt_event, room_pin_fields);
static const lt_record_desc barrage_desc = DESC("io.livetap.Barrage", lt_event, barrage_fields);

static const lt_field video_segment_fields[] = {
    FIELD("quality", LT_FIELD_STRING, lt_event, as.video_segment.quality),
    FIELD("start_time", LT_FIELD_LONG, lt_event, as.video_segment.start_time),
    FIELD("end_time", LT_FIELD_LONG, lt_event, as.video_segment.end_time),
    FIELD("duration_ms", LT_FIELD_LONG, lt_event, as.video_segment.duration_ms),
    FIELD("path", LT_FIELD_STRING, lt_event, as.video_segment.path),
    FIELD("bytes", LT_FIELD_LONG, lt_event, as.video_segment.bytes),
    FIELD("sha256", LT_FIELD_STRING, lt_event, as.video_segment.sha256),
    FIELD("reason", LT_FIELD_STRING, lt_event, as.video_segment.reason),
};
static const lt_record_desc video_segment_desc = DESC("io.livetap.VideoSegment", lt_event, video_segment_fields);

static const lt_field discovered_room_fields[] = {
    FIELD("owner_id", LT_FIELD_OPT_STRING, lt_event, as.discovered_room.owner_id),
    FIELD("unique_id", LT_FIELD_OPT_STRING, lt_event, as.discovered_room.unique_id),
    FIELD("nickname", LT_FIELD_OPT_STRING, lt_event, as.discovered_room.nickname),
    FIELD("title", LT_FIELD_STRING, lt_event, as.discovered_room.title),
    FIELD("viewers", LT_FIELD_OPT_LONG, lt_event, as.discovered_room.viewers),
    ARRAY("tags", LT_FIELD_STRING_ARRAY, lt_event, as.discovered_room.tags, as.discovered_room.tag_count,
          NULL),
    FIELD("live_since", LT_FIELD_OPT_LONG, lt_event, as.discovered_room.live_since),
    FIELD("first_seen", LT_FIELD_LONG, lt_event, as.discovered_room.first_seen),
    FIELD("last_seen", LT_FIELD_LONG, lt_event, as.discovered_room.last_seen),
};
static const lt_record_desc discovered_room_desc =
    DESC("io.livetap.DiscoveredRoom", lt_event, discovered_room_fields);

static const lt_field stream_quality_fields[] = {
    FIELD("quality", LT_FIELD_STRING, lt_stream_quality, quality),
    FIELD("flv", LT_FIELD_OPT_STRING, lt_stream_quality, flv),
    FIELD("hls", LT_FIELD_OPT_STRING, lt_stream_quality, hls),
};
static const lt_record_desc stream_quality_desc = DESC("io.livetap.StreamQuality", lt_stream_quality,
                                                       stream_quality_fields);

static const lt_field host_stats_fields[] = {
    FIELD("followers", LT_FIELD_LONG, lt_host_stats, followers),
    FIELD("following", LT_FIELD_LONG, lt_host_stats, following),
    FIELD("likes", LT_FIELD_LONG, lt_host_stats, likes),
    FIELD("videos", LT_FIELD_LONG, lt_host_stats, videos),
    FIELD("verified", LT_FIELD_BOOL, lt_host_stats, verified),
    FIELD("private", LT_FIELD_BOOL, lt_host_stats, private_account),
    FIELD("fetched_at", LT_FIELD_LONG, lt_host_stats, fetched_at),
};
static const lt_record_desc host_stats_desc = DESC("io.livetap.HostStats", lt_host_stats, host_stats_fields);

static const lt_field room_info_fields[] = {
    FIELD("title", LT_FIELD_STRING, lt_event, as.room_info.title),
    FIELD("status", LT_FIELD_INT, lt_event, as.room_info.status),
    RECORD("owner", LT_FIELD_OPT_RECORD, lt_event, as.room_info.owner, &lt_user_desc),
    FIELD("viewer_count", LT_FIELD_LONG, lt_event, as.room_info.viewer_count),
    FIELD("total_user", LT_FIELD_LONG, lt_event, as.room_info.total_user),
    FIELD("like_count", LT_FIELD_LONG, lt_event, as.room_info.like_count),
    FIELD("start_time", LT_FIELD_OPT_LONG, lt_event, as.room_info.start_time),
    FIELD("stream_url", LT_FIELD_OPT_STRING, lt_event, as.room_info.stream_url),
    ARRAY("streams", LT_FIELD_RECORD_ARRAY, lt_event, as.room_info.streams, as.room_info.stream_count,
          &stream_quality_desc),
    FIELD("age_restricted", LT_FIELD_BOOL, lt_event, as.room_info.age_restricted),
    RECORD("host_stats", LT_FIELD_OPT_RECORD, lt_event, as.room_info.host_stats, &host_stats_desc),
};
static const lt_record_desc room_info_desc = DESC("io.livetap.RoomInfo", lt_event, room_info_fields);

static const lt_field gift_info_fields[] = {
    FIELD("gift_id", LT_FIELD_LONG, lt_event, as.gift_info.gift_id),
    FIELD("name", LT_FIELD_STRING, lt_event, as.gift_info.name),
    FIELD("diamond_count", LT_FIELD_INT, lt_event, as.gift_info.diamond_count),
    FIELD("gift_type", LT_FIELD_INT, lt_event, as.gift_info.gift_type),
    FIELD("streakable", LT_FIELD_BOOL, lt_event, as.gift_info.streakable),
    FIELD("image_url", LT_FIELD_OPT_STRING, lt_event, as.gift_info.image_url),
};
static const lt_record_desc gift_info_desc = DESC("io.livetap.GiftInfo", lt_event, gift_info_fields);

static const lt_field coin_package_fields[] = {
    FIELD("package_id", LT_FIELD_LONG, lt_coin_package, package_id),
    FIELD("coins", LT_FIELD_LONG, lt_coin_package, coins),
    FIELD("usd_cents", LT_FIELD_LONG, lt_coin_package, usd_cents),
    FIELD("local_price", LT_FIELD_LONG, lt_coin_package, local_price),
    FIELD("local_decimals", LT_FIELD_INT, lt_coin_package, local_decimals),
};
static const lt_record_desc coin_package_desc =
    DESC("io.livetap.CoinPackage", lt_coin_package, coin_package_fields);

static const lt_field price_list_fields[] = {
    FIELD("currency", LT_FIELD_STRING, lt_event, as.price_list.currency),
    ARRAY("packages", LT_FIELD_RECORD_ARRAY, lt_event, as.price_list.packages, as.price_list.package_count,
          &coin_package_desc),
    FIELD("fetched_at", LT_FIELD_LONG, lt_event, as.price_list.fetched_at),
};
static const lt_record_desc price_list_desc = DESC("io.livetap.PriceList", lt_event, price_list_fields);

/* --- notices, moderation, unauthorized members --- */

static const lt_field punishment_fields[] = {
    FIELD("punish_id", LT_FIELD_OPT_STRING, lt_punishment, punish_id),
    FIELD("type", LT_FIELD_OPT_STRING, lt_punishment, type),
    FIELD("type_id", LT_FIELD_INT, lt_punishment, type_id),
    FIELD("type_name", LT_FIELD_OPT_STRING, lt_punishment, type_name),
    FIELD("reason", LT_FIELD_OPT_STRING, lt_punishment, reason),
    FIELD("show_reason", LT_FIELD_OPT_STRING, lt_punishment, show_reason),
    FIELD("violation_user_id", LT_FIELD_LONG, lt_punishment, violation_user_id),
    FIELD("duration", LT_FIELD_LONG, lt_punishment, duration),
    FIELD("end_time", LT_FIELD_LONG, lt_punishment, end_time),
    FIELD("perception_code", LT_FIELD_OPT_STRING, lt_punishment, perception_code),
};
static const lt_record_desc punishment_desc = DESC("io.livetap.Punishment", lt_punishment, punishment_fields);

#define NOTICE(name, kind, member) FIELD(name, kind, lt_event, as.notice.member)
static const lt_field notice_fields[] = {
    NOTICE("method", LT_FIELD_STRING, method),
    NOTICE("text", LT_FIELD_OPT_STRING, text),
    NOTICE("display_key", LT_FIELD_OPT_STRING, display_key),
    NOTICE("title", LT_FIELD_OPT_STRING, title),
    NOTICE("reason", LT_FIELD_OPT_STRING, reason),
    NOTICE("link", LT_FIELD_OPT_STRING, link),
    NOTICE("link_text", LT_FIELD_OPT_STRING, link_text),
    NOTICE("type_code", LT_FIELD_OPT_LONG, type_code),
    NOTICE("type_name", LT_FIELD_OPT_STRING, type_name),
    NOTICE("scene", LT_FIELD_OPT_STRING, scene),
    NOTICE("sub_scene", LT_FIELD_OPT_STRING, sub_scene),
    NOTICE("duration", LT_FIELD_OPT_LONG, duration),
    NOTICE("display_duration_ms", LT_FIELD_OPT_LONG, display_duration_ms),
    NOTICE("display_delay_ms", LT_FIELD_OPT_LONG, display_delay_ms),
    RECORD("user", LT_FIELD_OPT_RECORD, lt_event, as.notice.user, &lt_user_desc),
    NOTICE("from_user_id", LT_FIELD_OPT_LONG, from_user_id),
    NOTICE("to_anchor_id", LT_FIELD_OPT_LONG, to_anchor_id),
    NOTICE("source", LT_FIELD_OPT_STRING, source),
    NOTICE("notify_class", LT_FIELD_OPT_LONG, notify_class),
    NOTICE("image_url", LT_FIELD_OPT_STRING, image_url),
    NOTICE("gift_id", LT_FIELD_OPT_LONG, gift_id),
    NOTICE("violation_user_id", LT_FIELD_OPT_LONG, violation_user_id),
    RECORD("punishment", LT_FIELD_OPT_RECORD, lt_event, as.notice.punishment, &punishment_desc),
    ARRAY("texts", LT_FIELD_STRING_ARRAY, lt_event, as.notice.texts, as.notice.text_count, NULL),
};
#undef NOTICE
static const lt_record_desc notice_desc = DESC("io.livetap.Notice", lt_event, notice_fields);

#define MODERATION(name, kind, member) FIELD(name, kind, lt_event, as.moderation.member)
static const lt_field moderation_fields[] = {
    MODERATION("method", LT_FIELD_STRING, method),
    MODERATION("text", LT_FIELD_OPT_STRING, text),
    MODERATION("title", LT_FIELD_OPT_STRING, title),
    MODERATION("display_key", LT_FIELD_OPT_STRING, display_key),
    MODERATION("short_text", LT_FIELD_OPT_STRING, short_text),
    MODERATION("reason", LT_FIELD_OPT_STRING, reason),
    MODERATION("restriction", LT_FIELD_OPT_STRING, restriction),
    MODERATION("link", LT_FIELD_OPT_STRING, link),
    MODERATION("type_code", LT_FIELD_OPT_LONG, type_code),
    MODERATION("action", LT_FIELD_OPT_LONG, action),
    MODERATION("status", LT_FIELD_OPT_LONG, status),
    MODERATION("close_room", LT_FIELD_BOOL, close_room),
    MODERATION("violation_warning", LT_FIELD_BOOL, violation_warning),
    MODERATION("scene", LT_FIELD_OPT_STRING, scene),
    MODERATION("duration", LT_FIELD_OPT_LONG, duration),
    MODERATION("end_time", LT_FIELD_OPT_LONG, end_time),
    RECORD("punishment", LT_FIELD_OPT_RECORD, lt_event, as.moderation.punishment, &punishment_desc),
    MODERATION("captcha_id", LT_FIELD_OPT_LONG, captcha_id),
    MODERATION("verify_duration_s", LT_FIELD_OPT_LONG, verify_duration_s),
    MODERATION("target_room_id", LT_FIELD_OPT_LONG, target_room_id),
    MODERATION("target_user_id", LT_FIELD_OPT_LONG, target_user_id),
    MODERATION("countdown", LT_FIELD_OPT_LONG, countdown),
    MODERATION("trigger", LT_FIELD_OPT_LONG, trigger),
    MODERATION("region", LT_FIELD_OPT_STRING, region),
};
#undef MODERATION
static const lt_record_desc moderation_desc = DESC("io.livetap.Moderation", lt_event, moderation_fields);

static const lt_field unauthorized_member_fields[] = {
    FIELD("action", LT_FIELD_INT, lt_event, as.unauthorized_member.action),
    FIELD("nickname", LT_FIELD_STRING, lt_event, as.unauthorized_member.nickname),
    FIELD("nickname_prefix", LT_FIELD_OPT_STRING, lt_event, as.unauthorized_member.nickname_prefix),
    FIELD("text", LT_FIELD_OPT_STRING, lt_event, as.unauthorized_member.text),
    FIELD("display_key", LT_FIELD_OPT_STRING, lt_event, as.unauthorized_member.display_key),
};
static const lt_record_desc unauthorized_member_desc =
    DESC("io.livetap.UnauthorizedMember", lt_event, unauthorized_member_fields);
/* --- the grouped families (gift_notice .. viewer_picks): one topic per
 * family, `method` says which message it was --- */

static const lt_field gift_notice_gift_fields[] = {
    FIELD("source", LT_FIELD_STRING, lt_gift_notice_gift, source),
    FIELD("scene", LT_FIELD_OPT_STRING, lt_gift_notice_gift, scene),
    FIELD("gift_id", LT_FIELD_LONG, lt_gift_notice_gift, gift_id),
    FIELD("receiver_id", LT_FIELD_OPT_LONG, lt_gift_notice_gift, receiver_id),
    FIELD("sponsor_id", LT_FIELD_OPT_LONG, lt_gift_notice_gift, sponsor_id),
    FIELD("count", LT_FIELD_OPT_LONG, lt_gift_notice_gift, count),
    FIELD("progress", LT_FIELD_OPT_LONG, lt_gift_notice_gift, progress),
    FIELD("target", LT_FIELD_OPT_LONG, lt_gift_notice_gift, target),
    FIELD("expire_time", LT_FIELD_OPT_LONG, lt_gift_notice_gift, expire_time),
    FIELD("price", LT_FIELD_OPT_LONG, lt_gift_notice_gift, price),
    FIELD("group_key", LT_FIELD_OPT_LONG, lt_gift_notice_gift, group_key),
};

static const lt_record_desc gift_notice_gift_desc =
    DESC("io.livetap.GiftNoticeGift", lt_gift_notice_gift, gift_notice_gift_fields);

static const lt_field boost_card_fields[] = {
    FIELD("card_id", LT_FIELD_LONG, lt_boost_card, card_id),
    FIELD("task_source", LT_FIELD_INT, lt_boost_card, task_source),
    FIELD("task_id", LT_FIELD_LONG, lt_boost_card, task_id),
};

static const lt_record_desc boost_card_desc = DESC("io.livetap.BoostCard", lt_boost_card, boost_card_fields);

static const lt_field gift_notice_fields[] = {
    FIELD("method", LT_FIELD_STRING, lt_event, as.gift_notice.method),
    RECORD("user", LT_FIELD_OPT_RECORD, lt_event, as.gift_notice.user, &lt_user_desc),
    FIELD("from_user_id", LT_FIELD_OPT_LONG, lt_event, as.gift_notice.from_user_id),
    FIELD("to_anchor_id", LT_FIELD_OPT_LONG, lt_event, as.gift_notice.to_anchor_id),
    FIELD("title", LT_FIELD_OPT_STRING, lt_event, as.gift_notice.title),
    FIELD("text", LT_FIELD_OPT_STRING, lt_event, as.gift_notice.text),
    FIELD("display_key", LT_FIELD_OPT_STRING, lt_event, as.gift_notice.display_key),
    FIELD("icon_url", LT_FIELD_OPT_STRING, lt_event, as.gift_notice.icon_url),
    FIELD("schema_url", LT_FIELD_OPT_STRING, lt_event, as.gift_notice.schema_url),
    FIELD("source", LT_FIELD_OPT_STRING, lt_event, as.gift_notice.source),
    FIELD("notify_type", LT_FIELD_OPT_LONG, lt_event, as.gift_notice.notify_type),
    FIELD("notify_class", LT_FIELD_OPT_LONG, lt_event, as.gift_notice.notify_class),
    FIELD("duration", LT_FIELD_OPT_LONG, lt_event, as.gift_notice.duration),
    FIELD("gift_sub_sender_id", LT_FIELD_OPT_LONG, lt_event, as.gift_notice.gift_sub_sender_id),
    FIELD("gift_sub_receiver_id", LT_FIELD_OPT_LONG, lt_event, as.gift_notice.gift_sub_receiver_id),
    FIELD("gift_sub_order_time", LT_FIELD_OPT_LONG, lt_event, as.gift_notice.gift_sub_order_time),
    FIELD("block_num_days", LT_FIELD_OPT_LONG, lt_event, as.gift_notice.block_num_days),
    FIELD("order_id", LT_FIELD_OPT_STRING, lt_event, as.gift_notice.order_id),
    FIELD("order_time", LT_FIELD_OPT_LONG, lt_event, as.gift_notice.order_time),
    FIELD("addiction_experiment", LT_FIELD_BOOL, lt_event, as.gift_notice.addiction_experiment),
    FIELD("panel_time", LT_FIELD_OPT_LONG, lt_event, as.gift_notice.panel_time),
    FIELD("gallery_period", LT_FIELD_OPT_LONG, lt_event, as.gift_notice.gallery_period),
    FIELD("gallery_end_time", LT_FIELD_OPT_LONG, lt_event, as.gift_notice.gallery_end_time),
    FIELD("goal_status", LT_FIELD_OPT_LONG, lt_event, as.gift_notice.goal_status),
    ARRAY("gifts", LT_FIELD_RECORD_ARRAY, lt_event, as.gift_notice.gifts, as.gift_notice.gift_count,
          &gift_notice_gift_desc),
    ARRAY("boost_cards", LT_FIELD_RECORD_ARRAY, lt_event, as.gift_notice.boost_cards,
          as.gift_notice.boost_card_count, &boost_card_desc),
};

static const lt_record_desc gift_notice_desc = DESC("io.livetap.GiftNotice", lt_event, gift_notice_fields);

static const lt_field anchor_pair_fields[] = {
    FIELD("source_anchor_id", LT_FIELD_LONG, lt_anchor_pair, source_anchor_id),
    FIELD("target_anchor_id", LT_FIELD_LONG, lt_anchor_pair, target_anchor_id),
};

static const lt_record_desc anchor_pair_desc =
    DESC("io.livetap.AnchorPair", lt_anchor_pair, anchor_pair_fields);

static const lt_field battle_task_fields[] = {
    FIELD("method", LT_FIELD_STRING, lt_event, as.battle_task.method),
    FIELD("battle_id", LT_FIELD_LONG, lt_event, as.battle_task.battle_id),
    FIELD("action", LT_FIELD_INT, lt_event, as.battle_task.action),
    FIELD("action_name", LT_FIELD_STRING, lt_event, as.battle_task.action_name),
    RECORD("user", LT_FIELD_OPT_RECORD, lt_event, as.battle_task.user, &lt_user_desc),
    FIELD("anchor_id", LT_FIELD_OPT_LONG, lt_event, as.battle_task.anchor_id),
    FIELD("to_anchor_id", LT_FIELD_OPT_LONG, lt_event, as.battle_task.to_anchor_id),
    FIELD("card_name_key", LT_FIELD_OPT_STRING, lt_event, as.battle_task.card_name_key),
    FIELD("card_image_url", LT_FIELD_OPT_STRING, lt_event, as.battle_task.card_image_url),
    FIELD("rule_url", LT_FIELD_OPT_STRING, lt_event, as.battle_task.rule_url),
    FIELD("gift_name_key", LT_FIELD_OPT_STRING, lt_event, as.battle_task.gift_name_key),
    FIELD("text", LT_FIELD_OPT_STRING, lt_event, as.battle_task.text),
    FIELD("display_key", LT_FIELD_OPT_STRING, lt_event, as.battle_task.display_key),
    FIELD("send_time", LT_FIELD_OPT_LONG, lt_event, as.battle_task.send_time),
    FIELD("effect_duration", LT_FIELD_OPT_LONG, lt_event, as.battle_task.effect_duration),
    FIELD("effect_time", LT_FIELD_OPT_LONG, lt_event, as.battle_task.effect_time),
    FIELD("extra_duration", LT_FIELD_OPT_LONG, lt_event, as.battle_task.extra_duration),
    FIELD("multiple", LT_FIELD_OPT_LONG, lt_event, as.battle_task.multiple),
    FIELD("multiple_other", LT_FIELD_OPT_LONG, lt_event, as.battle_task.multiple_other),
    FIELD("critical_strike_rate_low", LT_FIELD_OPT_LONG, lt_event, as.battle_task.critical_strike_rate_low),
    FIELD("critical_strike_rate_high", LT_FIELD_OPT_LONG, lt_event, as.battle_task.critical_strike_rate_high),
    FIELD("effect_type", LT_FIELD_OPT_LONG, lt_event, as.battle_task.effect_type),
    FIELD("score", LT_FIELD_OPT_LONG, lt_event, as.battle_task.score),
    FIELD("from_user_id", LT_FIELD_OPT_LONG, lt_event, as.battle_task.from_user_id),
    FIELD("award_reason", LT_FIELD_OPT_LONG, lt_event, as.battle_task.award_reason),
    ARRAY("awarded_users", LT_FIELD_RECORD_ARRAY, lt_event, as.battle_task.awarded_users,
          as.battle_task.awarded_user_count, &lt_user_desc),
    ARRAY("affected_anchors", LT_FIELD_RECORD_ARRAY, lt_event, as.battle_task.affected_anchors,
          as.battle_task.affected_anchor_count, &anchor_pair_desc),
    FIELD("channel_id", LT_FIELD_OPT_LONG, lt_event, as.battle_task.channel_id),
    FIELD("operator_user_id", LT_FIELD_OPT_LONG, lt_event, as.battle_task.operator_user_id),
    FIELD("start_time", LT_FIELD_OPT_LONG, lt_event, as.battle_task.start_time),
    FIELD("end_time", LT_FIELD_OPT_LONG, lt_event, as.battle_task.end_time),
    FIELD("duration", LT_FIELD_OPT_LONG, lt_event, as.battle_task.duration),
    FIELD("battle_status", LT_FIELD_OPT_LONG, lt_event, as.battle_task.battle_status),
    FIELD("battle_type", LT_FIELD_OPT_LONG, lt_event, as.battle_task.battle_type),
    FIELD("progress", LT_FIELD_OPT_LONG, lt_event, as.battle_task.progress),
    FIELD("target", LT_FIELD_OPT_LONG, lt_event, as.battle_task.target),
    FIELD("target_type", LT_FIELD_OPT_LONG, lt_event, as.battle_task.target_type),
    FIELD("reward_multiple", LT_FIELD_OPT_LONG, lt_event, as.battle_task.reward_multiple),
    FIELD("result", LT_FIELD_OPT_LONG, lt_event, as.battle_task.result),
    FIELD("prompt_key", LT_FIELD_OPT_STRING, lt_event, as.battle_task.prompt_key),
    FIELD("preview_start_time", LT_FIELD_OPT_LONG, lt_event, as.battle_task.preview_start_time),
    FIELD("task_start_time", LT_FIELD_OPT_LONG, lt_event, as.battle_task.task_start_time),
    FIELD("task_duration", LT_FIELD_OPT_LONG, lt_event, as.battle_task.task_duration),
    FIELD("reward_start_time", LT_FIELD_OPT_LONG, lt_event, as.battle_task.reward_start_time),
    FIELD("reward_duration", LT_FIELD_OPT_LONG, lt_event, as.battle_task.reward_duration),
};

static const lt_record_desc battle_task_desc = DESC("io.livetap.BattleTask", lt_event, battle_task_fields);

static const lt_field link_user_fields[] = {
    FIELD("user_id", LT_FIELD_LONG, lt_link_user, user_id),
    FIELD("room_id", LT_FIELD_LONG, lt_link_user, room_id),
    FIELD("linkmic_id", LT_FIELD_OPT_STRING, lt_link_user, linkmic_id),
    FIELD("position", LT_FIELD_OPT_LONG, lt_link_user, position),
    FIELD("linked_time", LT_FIELD_OPT_LONG, lt_link_user, linked_time),
    FIELD("online_state", LT_FIELD_INT, lt_link_user, online_state),
    FIELD("audio_muted", LT_FIELD_INT, lt_link_user, audio_muted),
    FIELD("video_muted", LT_FIELD_INT, lt_link_user, video_muted),
    FIELD("rtc_connection", LT_FIELD_INT, lt_link_user, rtc_connection),
    FIELD("network_state", LT_FIELD_INT, lt_link_user, network_state),
    FIELD("session_id", LT_FIELD_OPT_STRING, lt_link_user, session_id),
};

static const lt_record_desc link_user_desc = DESC("io.livetap.LinkUser", lt_link_user, link_user_fields);

static const lt_field link_spot_fields[] = {
    FIELD("spot_id", LT_FIELD_LONG, lt_link_spot, spot_id),
    FIELD("identity_type", LT_FIELD_INT, lt_link_spot, identity_type),
    FIELD("identity", LT_FIELD_OPT_STRING, lt_link_spot, identity),
    FIELD("enlarged", LT_FIELD_BOOL, lt_link_spot, enlarged),
    FIELD("rank", LT_FIELD_OPT_LONG, lt_link_spot, rank),
};

static const lt_record_desc link_spot_desc = DESC("io.livetap.LinkSpot", lt_link_spot, link_spot_fields);

static const lt_field link_state_fields[] = {
    FIELD("method", LT_FIELD_STRING, lt_event, as.link_state.method),
    FIELD("channel_id", LT_FIELD_OPT_LONG, lt_event, as.link_state.channel_id),
    FIELD("scene", LT_FIELD_OPT_LONG, lt_event, as.link_state.scene),
    FIELD("version", LT_FIELD_OPT_LONG, lt_event, as.link_state.version),
    FIELD("state_type", LT_FIELD_OPT_LONG, lt_event, as.link_state.state_type),
    FIELD("linker_mode", LT_FIELD_OPT_LONG, lt_event, as.link_state.linker_mode),
    FIELD("layout_id", LT_FIELD_OPT_STRING, lt_event, as.link_state.layout_id),
    FIELD("layout_key", LT_FIELD_OPT_STRING, lt_event, as.link_state.layout_key),
    FIELD("layout_style", LT_FIELD_OPT_LONG, lt_event, as.link_state.layout_style),
    FIELD("max_position", LT_FIELD_OPT_LONG, lt_event, as.link_state.max_position),
    FIELD("enlarge_status", LT_FIELD_OPT_LONG, lt_event, as.link_state.enlarge_status),
    FIELD("wallpaper_url", LT_FIELD_OPT_STRING, lt_event, as.link_state.wallpaper_url),
    FIELD("background_sticker_id", LT_FIELD_OPT_STRING, lt_event, as.link_state.background_sticker_id),
    FIELD("song_title", LT_FIELD_OPT_STRING, lt_event, as.link_state.song_title),
    ARRAY("users", LT_FIELD_RECORD_ARRAY, lt_event, as.link_state.users, as.link_state.user_count,
          &link_user_desc),
    ARRAY("spots", LT_FIELD_RECORD_ARRAY, lt_event, as.link_state.spots, as.link_state.spot_count,
          &link_spot_desc),
};

static const lt_record_desc link_state_desc = DESC("io.livetap.LinkState", lt_event, link_state_fields);

static const lt_field rank_winner_fields[] = {
    FIELD("user_id", LT_FIELD_LONG, lt_rank_winner, user_id),
    FIELD("asset_id", LT_FIELD_LONG, lt_rank_winner, asset_id),
    RECORD("user", LT_FIELD_OPT_RECORD, lt_rank_winner, user, &lt_user_desc),
    FIELD("text", LT_FIELD_OPT_STRING, lt_rank_winner, text),
    FIELD("border_level", LT_FIELD_OPT_LONG, lt_rank_winner, border_level),
    FIELD("border_name", LT_FIELD_OPT_STRING, lt_rank_winner, border_name),
    FIELD("border_icon_url", LT_FIELD_OPT_STRING, lt_rank_winner, border_icon_url),
};

static const lt_record_desc rank_winner_desc =
    DESC("io.livetap.RankWinner", lt_rank_winner, rank_winner_fields);

static const lt_field rank_notice_fields[] = {
    FIELD("method", LT_FIELD_STRING, lt_event, as.rank_notice.method),
    FIELD("msg_type", LT_FIELD_OPT_LONG, lt_event, as.rank_notice.msg_type),
    FIELD("scene", LT_FIELD_OPT_LONG, lt_event, as.rank_notice.scene),
    FIELD("rank_type", LT_FIELD_OPT_LONG, lt_event, as.rank_notice.rank_type),
    FIELD("rank_before", LT_FIELD_OPT_LONG, lt_event, as.rank_notice.rank_before),
    FIELD("rank_after", LT_FIELD_OPT_LONG, lt_event, as.rank_notice.rank_after),
    FIELD("user_id", LT_FIELD_OPT_LONG, lt_event, as.rank_notice.user_id),
    FIELD("text", LT_FIELD_OPT_STRING, lt_event, as.rank_notice.text),
    FIELD("display_key", LT_FIELD_OPT_STRING, lt_event, as.rank_notice.display_key),
    FIELD("self_badge_text", LT_FIELD_OPT_STRING, lt_event, as.rank_notice.self_badge_text),
    FIELD("other_badge_text", LT_FIELD_OPT_STRING, lt_event, as.rank_notice.other_badge_text),
    FIELD("icon_url", LT_FIELD_OPT_STRING, lt_event, as.rank_notice.icon_url),
    FIELD("enigma_mask", LT_FIELD_BOOL, lt_event, as.rank_notice.enigma_mask),
    ARRAY("winners", LT_FIELD_RECORD_ARRAY, lt_event, as.rank_notice.winners, as.rank_notice.winner_count,
          &rank_winner_desc),
};

static const lt_record_desc rank_notice_desc = DESC("io.livetap.RankNotice", lt_event, rank_notice_fields);

static const lt_field partnership_game_fields[] = {
    FIELD("game_id", LT_FIELD_STRING, lt_partnership_game, game_id),
    FIELD("task_id", LT_FIELD_STRING, lt_partnership_game, task_id),
    FIELD("task_type", LT_FIELD_INT, lt_partnership_game, task_type),
    FIELD("offline_type", LT_FIELD_INT, lt_partnership_game, offline_type),
    FIELD("task_list_len", LT_FIELD_INT, lt_partnership_game, task_list_len),
    FIELD("toast_title", LT_FIELD_OPT_STRING, lt_partnership_game, toast_title),
    FIELD("toast_text", LT_FIELD_OPT_STRING, lt_partnership_game, toast_text),
};

static const lt_record_desc partnership_game_desc =
    DESC("io.livetap.PartnershipGame", lt_partnership_game, partnership_game_fields);

static const lt_field partnership_fields[] = {
    FIELD("method", LT_FIELD_STRING, lt_event, as.partnership.method),
    FIELD("change_mode", LT_FIELD_OPT_LONG, lt_event, as.partnership.change_mode),
    FIELD("drops_id", LT_FIELD_OPT_STRING, lt_event, as.partnership.drops_id),
    FIELD("task_id", LT_FIELD_OPT_STRING, lt_event, as.partnership.task_id),
    FIELD("event_id", LT_FIELD_OPT_STRING, lt_event, as.partnership.event_id),
    FIELD("anchor_id", LT_FIELD_OPT_LONG, lt_event, as.partnership.anchor_id),
    ARRAY("games", LT_FIELD_RECORD_ARRAY, lt_event, as.partnership.games, as.partnership.game_count,
          &partnership_game_desc),
    FIELD("punish_type", LT_FIELD_OPT_STRING, lt_event, as.partnership.punish_type),
    FIELD("punish_type_id", LT_FIELD_OPT_LONG, lt_event, as.partnership.punish_type_id),
    FIELD("punish_reason", LT_FIELD_OPT_STRING, lt_event, as.partnership.punish_reason),
    FIELD("punish_id", LT_FIELD_OPT_STRING, lt_event, as.partnership.punish_id),
    FIELD("show_reason", LT_FIELD_OPT_STRING, lt_event, as.partnership.show_reason),
    FIELD("perception_code", LT_FIELD_OPT_STRING, lt_event, as.partnership.perception_code),
    FIELD("violation_user_id", LT_FIELD_OPT_LONG, lt_event, as.partnership.violation_user_id),
    FIELD("punish_duration", LT_FIELD_OPT_LONG, lt_event, as.partnership.punish_duration),
    FIELD("punish_end_time", LT_FIELD_OPT_LONG, lt_event, as.partnership.punish_end_time),
    FIELD("text", LT_FIELD_OPT_STRING, lt_event, as.partnership.text),
    FIELD("display_key", LT_FIELD_OPT_STRING, lt_event, as.partnership.display_key),
    FIELD("has_rank_info", LT_FIELD_BOOL, lt_event, as.partnership.has_rank_info),
};

static const lt_record_desc partnership_desc = DESC("io.livetap.Partnership", lt_event, partnership_fields);

static const lt_field sub_pin_fields[] = {
    FIELD("action", LT_FIELD_INT, lt_event, as.sub_pin.action),
    FIELD("action_name", LT_FIELD_STRING, lt_event, as.sub_pin.action_name),
    FIELD("operator_user_id", LT_FIELD_LONG, lt_event, as.sub_pin.operator_user_id),
    FIELD("card_id", LT_FIELD_OPT_LONG, lt_event, as.sub_pin.card_id),
    FIELD("template_id", LT_FIELD_OPT_LONG, lt_event, as.sub_pin.template_id),
    FIELD("card_type", LT_FIELD_OPT_LONG, lt_event, as.sub_pin.card_type),
    FIELD("time_to_live", LT_FIELD_OPT_LONG, lt_event, as.sub_pin.time_to_live),
    FIELD("last_pin_time", LT_FIELD_OPT_LONG, lt_event, as.sub_pin.last_pin_time),
    FIELD("pin_source", LT_FIELD_OPT_LONG, lt_event, as.sub_pin.pin_source),
    FIELD("title", LT_FIELD_OPT_STRING, lt_event, as.sub_pin.title),
    FIELD("description", LT_FIELD_OPT_STRING, lt_event, as.sub_pin.description),
    FIELD("image_url", LT_FIELD_OPT_STRING, lt_event, as.sub_pin.image_url),
    FIELD("action_schema", LT_FIELD_OPT_STRING, lt_event, as.sub_pin.action_schema),
    FIELD("goal_id", LT_FIELD_OPT_LONG, lt_event, as.sub_pin.goal_id),
    FIELD("goal_target", LT_FIELD_OPT_LONG, lt_event, as.sub_pin.goal_target),
    FIELD("goal_progress", LT_FIELD_OPT_LONG, lt_event, as.sub_pin.goal_progress),
    FIELD("goal_description", LT_FIELD_OPT_STRING, lt_event, as.sub_pin.goal_description),
};

static const lt_record_desc sub_pin_desc = DESC("io.livetap.SubPin", lt_event, sub_pin_fields);

static const lt_field viewer_pick_fields[] = {
    FIELD("pick_id", LT_FIELD_LONG, lt_viewer_pick, pick_id),
    FIELD("gift_id", LT_FIELD_LONG, lt_viewer_pick, gift_id),
    FIELD("description", LT_FIELD_OPT_STRING, lt_viewer_pick, description),
    FIELD("icon_url", LT_FIELD_OPT_STRING, lt_viewer_pick, icon_url),
    FIELD("gift_price", LT_FIELD_LONG, lt_viewer_pick, gift_price),
    FIELD("score", LT_FIELD_LONG, lt_viewer_pick, score),
    FIELD("priority_request", LT_FIELD_BOOL, lt_viewer_pick, priority_request),
    FIELD("desc_source", LT_FIELD_INT, lt_viewer_pick, desc_source),
};

static const lt_record_desc viewer_pick_desc =
    DESC("io.livetap.ViewerPick", lt_viewer_pick, viewer_pick_fields);

static const lt_field viewer_picks_fields[] = {
    FIELD("update_type", LT_FIELD_INT, lt_event, as.viewer_picks.update_type),
    FIELD("viewer_picks_id", LT_FIELD_LONG, lt_event, as.viewer_picks.viewer_picks_id),
    FIELD("status", LT_FIELD_INT, lt_event, as.viewer_picks.status),
    FIELD("round_duration", LT_FIELD_OPT_LONG, lt_event, as.viewer_picks.round_duration),
    FIELD("start_time", LT_FIELD_OPT_LONG, lt_event, as.viewer_picks.start_time),
    FIELD("end_time", LT_FIELD_OPT_LONG, lt_event, as.viewer_picks.end_time),
    FIELD("timed", LT_FIELD_BOOL, lt_event, as.viewer_picks.timed),
    FIELD("scored", LT_FIELD_BOOL, lt_event, as.viewer_picks.scored),
    FIELD("auto_restart", LT_FIELD_BOOL, lt_event, as.viewer_picks.auto_restart),
    FIELD("started_from_auto_restart", LT_FIELD_BOOL, lt_event, as.viewer_picks.started_from_auto_restart),
    FIELD("started_from_auto_start", LT_FIELD_BOOL, lt_event, as.viewer_picks.started_from_auto_start),
    FIELD("display_mode", LT_FIELD_INT, lt_event, as.viewer_picks.display_mode),
    FIELD("scene", LT_FIELD_INT, lt_event, as.viewer_picks.scene),
    FIELD("header_image_url", LT_FIELD_OPT_STRING, lt_event, as.viewer_picks.header_image_url),
    FIELD("game_name", LT_FIELD_OPT_STRING, lt_event, as.viewer_picks.game_name),
    ARRAY("picks", LT_FIELD_RECORD_ARRAY, lt_event, as.viewer_picks.picks, as.viewer_picks.pick_count,
          &viewer_pick_desc),
};

static const lt_record_desc viewer_picks_desc = DESC("io.livetap.ViewerPicks", lt_event, viewer_picks_fields);

/* Indexed by lt_event_type. */
static const lt_event_type_info event_types[LT_EVENT_TYPE_COUNT] = {
    {LT_EVENT_CHAT, "chat", &chat_desc, false},
    {LT_EVENT_GIFT, "gift", &gift_desc, false},
    {LT_EVENT_LIKE, "like", &like_desc, false},
    {LT_EVENT_MEMBER, "member", &member_desc, false},
    {LT_EVENT_SOCIAL, "social", &social_desc, false},
    {LT_EVENT_VIEWERS, "viewers", &viewers_desc, false},
    {LT_EVENT_CONTROL, "control", &control_desc, false},
    {LT_EVENT_ROOM_STATUS, "room_status", &room_status_desc, false},
    {LT_EVENT_UNKNOWN, "unknown", &unknown_desc, false},
    {LT_EVENT_BATTLE, "battle", &battle_desc, false},
    {LT_EVENT_BATTLE_ARMIES, "battle_armies", &battle_armies_desc, false},
    {LT_EVENT_QUESTION, "question", &question_desc, false},
    {LT_EVENT_ROOM_MESSAGE, "room_message", &room_message_desc, false},
    {LT_EVENT_SUBSCRIBE, "subscribe", &subscribe_desc, false},
    {LT_EVENT_EMOTE_CHAT, "emote_chat", &emote_chat_desc, false},
    {LT_EVENT_ENVELOPE, "envelope", &chest_envelope_desc, false},
    {LT_EVENT_SHOPPING, "shopping", &shopping_desc, false},
    {LT_EVENT_LINK_MIC, "link_mic", &link_mic_desc, false},
    {LT_EVENT_LINK_MIC_FAN_TICKET, "link_mic_fan_ticket", &link_mic_fan_ticket_desc, false},
    {LT_EVENT_LINK, "link", &link_desc, false},
    {LT_EVENT_LINK_LAYER, "link_layer", &link_layer_desc, false},
    {LT_EVENT_LIVE_INTRO, "live_intro", &live_intro_desc, false},
    {LT_EVENT_RANK_UPDATE, "rank_update", &rank_update_desc, false},
    {LT_EVENT_POLL, "poll", &poll_desc, false},
    {LT_EVENT_GOAL_UPDATE, "goal_update", &goal_update_desc, false},
    {LT_EVENT_IN_ROOM_BANNER, "in_room_banner", &in_room_banner_desc, false},
    {LT_EVENT_CAPTION, "caption", &caption_desc, false},
    {LT_EVENT_IM_DELETE, "im_delete", &im_delete_desc, false},
    {LT_EVENT_ROOM_PIN, "room_pin", &room_pin_desc, false},
    {LT_EVENT_BARRAGE, "barrage", &barrage_desc, false},
    {LT_EVENT_ROOM_INFO, "room_info", &room_info_desc, false},
    {LT_EVENT_GIFT_INFO, "gift_info", &gift_info_desc, true},
    {LT_EVENT_NOTICE, "notice", &notice_desc, false},
    {LT_EVENT_MODERATION, "moderation", &moderation_desc, false},
    {LT_EVENT_UNAUTHORIZED_MEMBER, "unauthorized_member", &unauthorized_member_desc, false},
    {LT_EVENT_GIFT_NOTICE, "gift_notice", &gift_notice_desc, false},
    {LT_EVENT_BATTLE_TASK, "battle_task", &battle_task_desc, false},
    {LT_EVENT_LINK_STATE, "link_state", &link_state_desc, false},
    {LT_EVENT_RANK_NOTICE, "rank_notice", &rank_notice_desc, false},
    {LT_EVENT_PARTNERSHIP, "partnership", &partnership_desc, false},
    {LT_EVENT_SUB_PIN, "sub_pin", &sub_pin_desc, false},
    {LT_EVENT_VIEWER_PICKS, "viewer_picks", &viewer_picks_desc, false},
    {LT_EVENT_VIDEO_SEGMENT, "video_segment", &video_segment_desc, false},
    {LT_EVENT_PRICE_LIST, "price_list", &price_list_desc, true},
    {LT_EVENT_DISCOVERED_ROOM, "discovered_room", &discovered_room_desc, true},
};

const lt_event_type_info *lt_event_type_info_get(lt_event_type type)
{
    if ((int)type < 0 || type >= LT_EVENT_TYPE_COUNT)
        return NULL;
    return &event_types[type];
}

const lt_record_desc *lt_event_type_game(lt_event_type type)
{
    const lt_event_type_info *info = lt_event_type_info_get(type);
    return info && !info->compacted ? &lt_event_game : NULL;
}

int lt_event_type_from_name(const char *name, lt_event_type *out)
{
    for (int i = 0; i < LT_EVENT_TYPE_COUNT; i++) {
        if (strcmp(event_types[i].name, name) == 0) {
            *out = (lt_event_type)i;
            return 0;
        }
    }
    return -1;
}

const char *lt_platform_name(lt_platform platform)
{
    return platform == LT_PLATFORM_BIGO ? "bigo" : "tiktok";
}

int64_t lt_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
