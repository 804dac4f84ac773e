/* event_types.c - the one list of event types, their names (= topic suffix
 * and schema file stem) and the field tables that map each type's struct onto
 * its Avro record.
 *
 * The tables name Avro fields; the Avro encoder binds them to the parsed
 * schema by name at start-up and refuses to start if a schema field has no
 * entry here or the kinds disagree. Field order therefore comes from the
 * schema, not from these tables. The envelope fields (platform, room_id, ...)
 * are in lt_event_envelope and shared by every type.
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

static const lt_field chat_fields[] = {
    RECORD("user", LT_FIELD_RECORD, lt_event, as.chat.user, &lt_user_desc),
    FIELD("content", LT_FIELD_STRING, lt_event, as.chat.content),
    FIELD("language", LT_FIELD_OPT_STRING, lt_event, as.chat.language),
    ARRAY("emote_ids", LT_FIELD_STRING_ARRAY, lt_event, as.chat.emote_ids, as.chat.emote_count, NULL),
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

/* Indexed by lt_event_type. */
static const lt_event_type_info event_types[LT_EVENT_TYPE_COUNT] = {
    {LT_EVENT_CHAT, "chat", &chat_desc},
    {LT_EVENT_GIFT, "gift", &gift_desc},
    {LT_EVENT_LIKE, "like", &like_desc},
    {LT_EVENT_MEMBER, "member", &member_desc},
    {LT_EVENT_SOCIAL, "social", &social_desc},
    {LT_EVENT_VIEWERS, "viewers", &viewers_desc},
    {LT_EVENT_CONTROL, "control", &control_desc},
    {LT_EVENT_ROOM_STATUS, "room_status", &room_status_desc},
    {LT_EVENT_UNKNOWN, "unknown", &unknown_desc},
};

const lt_event_type_info *lt_event_type_info_get(lt_event_type type)
{
    if ((int)type < 0 || type >= LT_EVENT_TYPE_COUNT)
        return NULL;
    return &event_types[type];
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
