/* event.h - livetap's event model: what a platform message becomes.
 *
 * Every message a platform sends (a TikTok WebCast message, a BIGO danmu item)
 * becomes one lt_event: the envelope every record carries (platform, room_id,
 * msg_id, event_time, ingest_time, collector_id) plus the fields of its type.
 * Each event type has one Avro schema (schemas/<name>.avsc) and one Kafka
 * topic (<prefix>.<name>); src/core/event_types.c is the one place that lists
 * the types, their names and how their fields map onto these structs.
 *
 * Ownership: an event borrows every string and byte buffer it points to. The
 * producer of an event (a decoder) keeps that memory alive until the event is
 * encoded, which happens synchronously in lt_publisher_publish(); nothing here
 * is freed by the event's consumers. NULL strings mean "absent": a nullable
 * Avro field becomes null, a required string field becomes "".
 *
 * Adding a type: add an enum value before LT_EVENT_TYPE_COUNT, its struct to
 * the union in lt_event, its row and field table in event_types.c, and
 * schemas/<name>.avsc. The Avro encoder checks at start-up that the field
 * table and the schema agree, so a mismatch cannot reach Kafka.
 */
#ifndef LT_CORE_EVENT_H
#define LT_CORE_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum lt_platform {
    LT_PLATFORM_TIKTOK = 0,
    LT_PLATFORM_BIGO = 1,
} lt_platform;

typedef enum lt_event_type {
    LT_EVENT_CHAT = 0,
    LT_EVENT_GIFT,
    LT_EVENT_LIKE,
    LT_EVENT_MEMBER,
    LT_EVENT_SOCIAL,
    LT_EVENT_VIEWERS,
    LT_EVENT_CONTROL,
    LT_EVENT_ROOM_STATUS,
    LT_EVENT_UNKNOWN,
    LT_EVENT_TYPE_COUNT
} lt_event_type;

typedef struct lt_bytes {
    const uint8_t *data;
    size_t len;
} lt_bytes;

/* A value that may be absent (Avro ["null","long"]). */
typedef struct lt_opt_long {
    bool present;
    int64_t value;
} lt_opt_long;

/* The shared user record (Avro io.livetap.User). Flags describe the user's
 * relation to the room's anchor, as the platform reports it. */
typedef struct lt_user {
    int64_t id;
    const char *unique_id; /* the @handle */
    const char *nickname;
    const char *avatar_url;
    int64_t follower_count;
    int64_t following_count;
    bool is_follower;     /* follows the anchor */
    bool is_friend;       /* follows and is followed back */
    bool is_moderator;
    bool is_subscriber;
    bool is_anchor;
    int32_t gifter_level; /* 0 if unknown */
    int32_t member_level; /* fan-club level, 0 if unknown */
    const char *const *badges;
    size_t badge_count;
} lt_user;

typedef struct lt_chat {
    lt_user user;
    const char *content;
    const char *language; /* nullable */
    const char *const *emote_ids;
    size_t emote_count;
} lt_chat;

/* Gift streaks: a streakable gift (gift_type 1) arrives as several events of
 * one group_id with a cumulative repeat_count; the last has repeat_end set.
 * gifts_added / diamonds_added are what this event adds over the previous
 * event of the same streak, so summing them over all events never double
 * counts; streak_closed marks the event that ends a streak. */
typedef struct lt_gift {
    lt_user user;
    const lt_user *to_user; /* nullable: the recipient in multi-guest rooms */
    int64_t gift_id;
    const char *gift_name;
    const char *gift_image_url; /* nullable */
    int32_t diamond_count;      /* per gift */
    int32_t gift_type;
    int32_t repeat_count;       /* cumulative within the streak */
    bool repeat_end;
    int64_t group_id;
    int32_t combo_count;
    int32_t send_type;
    bool streakable;
    int32_t gifts_added;
    int64_t diamonds_added;
    bool streak_closed;
} lt_gift;

/* Likes arrive batched; shards send totals out of order, so total_max keeps
 * the room's running maximum next to the raw total. */
typedef struct lt_like {
    lt_user user;
    int32_t count;
    int64_t total;
    int64_t total_max;
} lt_like;

typedef struct lt_member {
    lt_user user;
    int32_t action;          /* 1 joined, 3 subscribed, 0 unknown */
    int64_t member_count;    /* viewers at the time, 0 if not sent */
    int32_t enter_type;
} lt_member;

typedef struct lt_social {
    lt_user user;
    const char *action;      /* "follow", "share" or "other" */
    int32_t share_type;
    const char *share_target; /* nullable */
    int64_t follow_count;
    int64_t share_count;
    const char *display_key; /* nullable: the platform's display text key */
} lt_social;

typedef struct lt_top_viewer {
    lt_user user;
    int32_t rank;
    int64_t score;
} lt_top_viewer;

typedef struct lt_viewers {
    int64_t viewer_count;  /* current */
    int64_t total_user;    /* cumulative */
    const lt_top_viewer *top_viewers;
    size_t top_viewer_count;
} lt_viewers;

typedef struct lt_control {
    int32_t action;          /* platform code: 1 paused, 2 unpaused, 3 ended, 4 suspended */
    const char *action_name; /* "paused", "unpaused", "ended", "suspended", "unknown" */
    const char *tips;        /* nullable */
} lt_control;

/* The room lifecycle, published on every state change. */
typedef struct lt_room_status {
    const char *state;       /* resolving, connecting, live, reconnecting, rate_limited,
                                offline, ended, error, ... */
    const char *reason;      /* nullable: machine-readable, e.g. "not_found", "age_restricted" */
    const char *message;     /* nullable: for a person */
    const char *input;       /* nullable: what the room was added as (@user, URL, id) */
    lt_opt_long retry_at;    /* epoch ms of the next attempt, if one is planned */
    int32_t attempt;
} lt_room_status;

/* Anything no decoder knows, or that failed to decode: nothing is dropped. */
typedef struct lt_unknown {
    const char *method;
    lt_bytes payload;
    const char *reason;      /* "no_decoder" or the decode error */
} lt_unknown;

typedef struct lt_event {
    lt_event_type type;
    lt_platform platform;
    const char *room_id;
    int64_t msg_id;
    int64_t event_time;      /* epoch ms, from the platform */
    int64_t ingest_time;     /* epoch ms, when livetap received it */
    const char *collector_id;
    union {
        lt_chat chat;
        lt_gift gift;
        lt_like like;
        lt_member member;
        lt_social social;
        lt_viewers viewers;
        lt_control control;
        lt_room_status room_status;
        lt_unknown unknown;
    } as;
} lt_event;

/* --- the field tables: how a struct maps onto its Avro record --- */

typedef enum lt_field_kind {
    LT_FIELD_BOOL,          /* bool */
    LT_FIELD_INT,           /* int32_t */
    LT_FIELD_LONG,          /* int64_t (also timestamp-millis) */
    LT_FIELD_OPT_LONG,      /* lt_opt_long -> ["null","long"] */
    LT_FIELD_STRING,        /* const char *, NULL written as "" */
    LT_FIELD_OPT_STRING,    /* const char *, NULL written as null: ["null","string"] */
    LT_FIELD_BYTES,         /* lt_bytes */
    LT_FIELD_PLATFORM,      /* lt_platform, written as a string */
    LT_FIELD_RECORD,        /* an embedded struct, described by .record */
    LT_FIELD_OPT_RECORD,    /* a pointer to a struct, NULL written as null */
    LT_FIELD_STRING_ARRAY,  /* const char *const *, count (size_t) at .count_offset */
    LT_FIELD_RECORD_ARRAY,  /* const T *, count (size_t) at .count_offset */
} lt_field_kind;

typedef struct lt_record_desc lt_record_desc;

typedef struct lt_field {
    const char *name;        /* the Avro field name */
    lt_field_kind kind;
    size_t offset;           /* from the start of the enclosing struct */
    size_t count_offset;     /* arrays only */
    const lt_record_desc *record; /* record kinds only */
} lt_field;

struct lt_record_desc {
    const char *name;        /* the Avro record's full name */
    size_t size;             /* sizeof the struct (array element stride) */
    const lt_field *fields;
    size_t field_count;
};

typedef struct lt_event_type_info {
    lt_event_type type;
    const char *name;        /* topic suffix and schema file stem: "chat" */
    const lt_record_desc *record; /* offsets relative to lt_event */
} lt_event_type_info;

/* The shared user record and the envelope fields every event carries. */
extern const lt_record_desc lt_user_desc;
extern const lt_record_desc lt_event_envelope;

/* The row for a type; NULL if out of range. */
const lt_event_type_info *lt_event_type_info_get(lt_event_type type);

/* Look a type up by its name ("chat"); returns -1 if unknown. */
int lt_event_type_from_name(const char *name, lt_event_type *out);

const char *lt_platform_name(lt_platform platform);

/* Epoch milliseconds from the real-time clock. */
int64_t lt_now_ms(void);

#endif
