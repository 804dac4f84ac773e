/* event.h - livetap's event model: what a platform message becomes.
 *
 * Every message a platform sends (a TikTok WebCast message, a BIGO danmu item)
 * becomes one lt_event: the envelope every record carries (platform, room_id,
 * msg_id, event_time, ingest_time, collector_id), on room events BIGO's game
 * (game_id, game_sess; null for TikTok), plus the fields of its type.
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
    LT_EVENT_BATTLE,
    LT_EVENT_BATTLE_ARMIES,
    LT_EVENT_QUESTION,
    LT_EVENT_ROOM_MESSAGE,
    LT_EVENT_SUBSCRIBE,
    LT_EVENT_EMOTE_CHAT,
    LT_EVENT_ENVELOPE,
    LT_EVENT_SHOPPING,
    LT_EVENT_LINK_MIC,
    LT_EVENT_LINK_MIC_FAN_TICKET,
    LT_EVENT_LINK,
    LT_EVENT_LINK_LAYER,
    LT_EVENT_LIVE_INTRO,
    LT_EVENT_RANK_UPDATE,
    LT_EVENT_POLL,
    LT_EVENT_GOAL_UPDATE,
    LT_EVENT_IN_ROOM_BANNER,
    LT_EVENT_CAPTION,
    LT_EVENT_IM_DELETE,
    LT_EVENT_ROOM_PIN,
    LT_EVENT_BARRAGE,
    LT_EVENT_ROOM_INFO,
    LT_EVENT_GIFT_INFO,
    /* what the platform shows in the room, acts on it, anonymous joins (messages_notice.c) */
    LT_EVENT_NOTICE,
    LT_EVENT_MODERATION,
    LT_EVENT_UNAUTHORIZED_MEMBER,
    /* the grouped families: gift_notice .. viewer_picks */
    LT_EVENT_GIFT_NOTICE,
    LT_EVENT_BATTLE_TASK,
    LT_EVENT_LINK_STATE,
    LT_EVENT_RANK_NOTICE,
    LT_EVENT_PARTNERSHIP,
    LT_EVENT_SUB_PIN,
    LT_EVENT_VIEWER_PICKS,
    /* livetap-recorder: a closed segment of a room's video */
    LT_EVENT_VIDEO_SEGMENT,
    LT_EVENT_PRICE_LIST,
    /* discovery: a live room the recommended-live feed listed (compacted, keyed by room id) */
    LT_EVENT_DISCOVERED_ROOM,
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
    const char *sec_uid;  /* nullable: the platform's stable secure id */
} lt_user;

typedef struct lt_chat {
    lt_user user;
    const char *content;
    const char *language; /* nullable */
    const char *const *emote_ids;
    size_t emote_count;
    const lt_user *at_user; /* nullable: the user the message mentions */
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
    int64_t effect_cnt;       /* like effects shown, as sent */
    const char *display_text; /* nullable: the rendered display text */
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
    int64_t action_code;     /* the platform's action code, as sent */
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
    int64_t popularity;    /* the platform's popularity figure */
    int64_t anonymous;     /* viewers without a visible identity */
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
    lt_opt_long payload_length;    /* the payload's length as received; absent = len of payload */
    bool payload_truncated;        /* payload holds only the first bytes (too large for Kafka) */
    const char *event_time_source; /* nullable: "common" (the message's create_time) or "push" */
} lt_unknown;

/* --- TikTok WebCast types beyond the common ones. Ids the platform sends as
 * numbers stay int64; "as sent" codes keep the platform's numbering. --- */

/* One anchor's result in a battle (LinkMicBattle field 5). */
typedef struct lt_battle_result {
    int64_t anchor_id;
    int32_t result;          /* platform code as sent */
    int64_t score;
} lt_battle_result;

/* One supporter's contribution to an anchor's battle score. */
typedef struct lt_battle_contributor {
    int64_t user_id;
    const char *nickname;    /* nullable */
    int64_t score;
} lt_battle_contributor;

/* One side of a battle: the anchor, the score, the top supporters. */
typedef struct lt_battle_team {
    int64_t anchor_id;
    int64_t score;
    const lt_battle_contributor *contributors;
    size_t contributor_count;
} lt_battle_team;

/* An anchor taking part in a battle (LinkMicBattle field 10). */
typedef struct lt_battle_anchor {
    int64_t anchor_id;
    const char *unique_id;   /* nullable: the @handle */
    const char *nickname;    /* nullable */
    const char *avatar_url;  /* nullable */
    int64_t room_id;
} lt_battle_anchor;

/* One member's score within a team of a team battle. */
typedef struct lt_battle_team_member {
    int64_t user_id;
    int64_t score;
} lt_battle_team_member;

/* A team of a team battle: its result (field 17) or its running score (field 18). */
typedef struct lt_battle_team_total {
    int64_t team_id;
    int32_t result;          /* results only: platform code as sent */
    int64_t total_score;
    int64_t host_rank;       /* scores only, as sent */
    const lt_battle_team_member *members;
    size_t member_count;
} lt_battle_team_total;

/* A battle (PK) between anchors starts, ends or changes (WebcastLinkMicBattle). */
typedef struct lt_battle {
    int64_t battle_id;
    int32_t action;          /* 1 invite, 2 reject, 3 cancel, 4 open, 5 finish, 6 cut_short, 7 accept */
    const char *action_name; /* the same as a word; "unknown" otherwise */
    int32_t battle_type;     /* 1 normal, 2 team, 3 individual, 4 1vN, ... */
    int32_t status;
    int64_t channel_id;
    lt_opt_long start_time;  /* epoch ms */
    int64_t duration;        /* seconds, as sent */
    int64_t action_by_user_id;
    const lt_battle_result *results;
    size_t result_count;
    const lt_battle_team *teams;
    size_t team_count;
    const lt_battle_anchor *anchors;
    size_t anchor_count;
    const lt_battle_team_total *team_results;
    size_t team_result_count;
    const lt_battle_team_total *team_scores;
    size_t team_score_count;
} lt_battle;

/* Battle scores update (WebcastLinkMicArmies). */
typedef struct lt_battle_armies {
    int64_t battle_id;
    int32_t trigger_reason;  /* 1 score_update, 2 battle_end, 3 opt_out_update, 4 keep_alive */
    int64_t from_user_id;    /* the gift sender that triggered the update, 0 if none */
    int64_t gift_id;
    int32_t gift_count;
    int32_t repeat_count;
    int64_t total_diamond_count;
    const lt_battle_team *teams;
    size_t team_count;
    const lt_battle_team_total *team_scores; /* team battles: each team's running score */
    size_t team_score_count;
} lt_battle_armies;

/* A viewer's question (WebcastQuestionNewMessage). */
typedef struct lt_question {
    lt_user user;
    int64_t question_id;
    const char *content;
    int32_t answer_status;
} lt_question;

/* A system message shown in the room (WebcastRoomMessage). */
typedef struct lt_room_message {
    const char *content;
    const char *display_key; /* nullable */
    int64_t source;
    bool is_welcome;
} lt_room_message;

/* A subscription (WebcastSubNotifyMessage). */
typedef struct lt_subscribe {
    lt_user user;
    int32_t sub_month;
    int32_t subscribe_type;       /* 0 once, 1 auto-renew */
    int32_t old_subscribe_status; /* 0 first subscription, 1 re-subscription */
    int32_t subscribing_status;
    int32_t exhibition_type;
} lt_subscribe;

/* A chat made of emotes (WebcastEmoteChatMessage). */
typedef struct lt_emote_chat {
    lt_user user;
    const char *const *emote_ids;
    size_t emote_count;
    const char *const *emote_urls; /* one per emote, "" if none */
    size_t emote_url_count;
} lt_emote_chat;

/* A treasure chest (WebcastEnvelopeMessage). */
typedef struct lt_envelope {
    const char *envelope_id;
    int32_t business_type;
    const char *sender_name;  /* nullable */
    int32_t diamond_count;
    int32_t people_count;
    int64_t unpack_at;        /* as sent (epoch seconds) */
    int32_t display;
    bool superfan_box;        /* business_type 19 or a super-fan display key */
} lt_envelope;

/* A product shown in a shopping LIVE (WebcastOecLiveShoppingMessage). */
typedef struct lt_shopping {
    const char *title;        /* nullable */
    const char *price;        /* nullable, formatted by the platform */
    const char *image_url;    /* nullable */
    const char *shop_url;     /* nullable */
    const char *shop_name;    /* nullable */
    lt_opt_long product_id;
} lt_shopping;

/* Co-host / guest signalling (WebcastLinkMicMethod). */
typedef struct lt_link_mic {
    int32_t message_type;
    int64_t user_id;
    int64_t to_user_id;
    int64_t channel_id;
    int64_t anchor_linkmic_id;
    int64_t rival_anchor_id;
    int64_t fan_ticket;
    int64_t total_linkmic_fan_ticket;
    int32_t match_type;
    bool win;
    int64_t duration;
    const char *tips;         /* nullable */
} lt_link_mic;

typedef struct lt_fan_ticket {
    int64_t user_id;
    int64_t fan_ticket;
} lt_fan_ticket;

/* Fan-ticket totals of a co-host session (WebcastLinkMicFanTicketMethod). */
typedef struct lt_link_mic_fan_ticket {
    int64_t total_fan_ticket;
    int64_t match_id;
    int64_t notice_time;      /* as sent */
    const lt_fan_ticket *users;
    size_t user_count;
} lt_link_mic_fan_ticket;

/* Multi-guest link signalling (WebcastLinkMessage). */
typedef struct lt_link {
    int32_t message_type;     /* 1 create, 2 close, 3 invite, 4 apply, 5 reply, 6 enter, 7 leave, ... */
    const char *message_type_name;
    int64_t linker_id;
    int32_t scene;
    /* from the message's content sub-message (one per message type); where
     * two contents carry a field, the first in the order listed in
     * messages_more.c wins */
    lt_opt_long from_user_id;
    lt_opt_long from_room_id;
    lt_opt_long to_user_id;
    const lt_user *from_user;   /* nullable */
    const lt_user *to_user;     /* nullable */
    lt_opt_long owner_id;       /* create */
    lt_opt_long owner_room_id;  /* create */
    lt_opt_long link_type;
    lt_opt_long reply_status;
    lt_opt_long user_id;        /* leave, mute, system kick-out, toast: the user it is about */
    lt_opt_long leave_reason;
    lt_opt_long cancel_type;
    lt_opt_long kickout_reason;
    lt_opt_long mute_status;
    const char *toast_text;     /* nullable */
    const char *const *linked_user_ids; /* enter / linked list change: the users on the call */
    size_t linked_user_count;
} lt_link;

/* Multi-guest layer signalling (WebcastLinkLayerMessage). */
typedef struct lt_link_layer {
    int32_t message_type;
    int64_t channel_id;
    int32_t scene;
} lt_link_layer;

/* The room's introduction text (WebcastLiveIntroMessage). */
typedef struct lt_live_intro {
    const lt_user *host;      /* nullable */
    const char *content;
    const char *language;     /* nullable */
    int32_t intro_mode;
    int32_t audit_status;
} lt_live_intro;

typedef struct lt_rank_entry {
    int64_t rank_type;
    int64_t owner_rank;       /* the anchor's position */
    const char *text;         /* nullable: the rendered display text */
    int64_t countdown;
    bool owner_on_rank;
} lt_rank_entry;

/* The anchor's position in the platform's rankings (WebcastRankUpdateMessage). */
typedef struct lt_rank_update {
    int64_t group_type;
    int64_t priority;
    const lt_rank_entry *ranks;
    size_t rank_count;
} lt_rank_update;

/* One option of a poll with its votes so far. */
typedef struct lt_poll_option {
    int32_t index;
    const char *text;         /* nullable */
    int64_t votes;
} lt_poll_option;

/* A poll starts, updates or ends (WebcastPollMessage). */
typedef struct lt_poll {
    int64_t poll_id;
    int32_t message_type;     /* 0 start, 1 end, 2 update */
    const char *action;       /* "start", "end", "update", "unknown" */
    const char *title;        /* nullable */
    lt_opt_long start_time;   /* as sent */
    lt_opt_long end_time;
    const lt_user *operator_user; /* nullable */
    const char *const *options;   /* option texts, where the platform sends them */
    size_t option_count;
    int32_t poll_kind;
    const lt_poll_option *option_votes; /* start/update: options with their votes */
    size_t option_vote_count;
    const lt_poll_option *results;      /* end: the final votes */
    size_t result_count;
    lt_opt_long end_type;               /* end: how the poll ended, as sent */
} lt_poll;

/* One sub-goal of a LIVE goal (e.g. "100 roses"). */
typedef struct lt_goal_sub_goal {
    int64_t id;
    int32_t type;
    int64_t progress;
    int64_t target;
} lt_goal_sub_goal;

/* A LIVE goal's progress (WebcastGoalUpdateMessage). */
typedef struct lt_goal_update {
    int64_t goal_id;
    int32_t goal_type;
    int32_t status;
    const char *description;  /* nullable */
    int64_t contributor_id;
    const char *contributor_display_id; /* nullable */
    int64_t contribute_count;
    int64_t contribute_score;
    int64_t gift_repeat_count;
    bool pin;
    bool unpin;
    lt_opt_long progress;     /* the first sub-goal's progress */
    lt_opt_long target;       /* the first sub-goal's target */
    const lt_goal_sub_goal *sub_goals;
    size_t sub_goal_count;
} lt_goal_update;

/* A banner in the room (WebcastInRoomBannerMessage). The platform's peers
 * disagree whether field 2 is a JSON string or a string map; either way it is
 * published as one JSON document. */
typedef struct lt_in_room_banner {
    const char *data;         /* nullable: JSON */
    const char *data_format;  /* "json", "map", "text" or "none" */
    int32_t position;
    int32_t action_type;
} lt_in_room_banner;

typedef struct lt_caption_text {
    const char *language;     /* nullable */
    const char *text;
} lt_caption_text;

/* Live captions of the anchor's speech (WebcastCaptionMessage). */
typedef struct lt_caption {
    int64_t timestamp_ms;     /* as sent */
    int64_t duration_ms;
    int64_t sentence_id;
    int64_t sequence_id;
    bool definite;            /* final version of the sentence */
    const lt_caption_text *texts;
    size_t text_count;
} lt_caption;

/* Messages or users' messages removed by moderation (WebcastImDeleteMessage);
 * ids as decimal strings. */
typedef struct lt_im_delete {
    const char *const *deleted_msg_ids;
    size_t deleted_msg_count;
    const char *const *deleted_user_ids;
    size_t deleted_user_count;
} lt_im_delete;

/* A message pinned or unpinned (WebcastRoomPinMessage). */
typedef struct lt_room_pin {
    int32_t action;           /* 1 pin, 2 unpin */
    int64_t pin_id;
    int64_t pin_time;         /* as sent */
    int64_t display_duration;
    const lt_user *operator_user; /* nullable */
    const char *pinned_method;    /* nullable */
    int64_t pinned_msg_id;
    const lt_user *pinned_user;   /* nullable */
    const char *pinned_content;   /* nullable: the pinned chat's text */
} lt_room_pin;

/* A highlighted banner message (WebcastBarrageMessage), e.g. super-fan joins. */
typedef struct lt_barrage {
    int32_t msg_type;
    const lt_user *user;      /* nullable: the user the text names */
    const char *display_key;  /* nullable */
    const char *text;         /* nullable: the rendered text */
    bool superfan;
} lt_barrage;

/* One quality of a room's stream: its pull URLs (room_info.streams). */
typedef struct lt_stream_quality {
    const char *quality;         /* ORIGIN, FULL_HD1, HD1, SD1, SD2 */
    const char *flv;             /* nullable: HTTP-FLV URL */
    const char *hls;             /* nullable: m3u8 URL */
} lt_stream_quality;

/* The host's profile page stats (TikTok www.tiktok.com/@user), carried by
 * room_info. Counts the page did not give are -1. */
typedef struct lt_host_stats {
    int64_t followers, following, likes, videos;
    bool verified, private_account;
    int64_t fetched_at; /* epoch ms */
} lt_host_stats;

/* The room as its info endpoint describes it: published when the collector
 * connects and periodically, so analysts can join events to titles, owners
 * and audience figures. */
typedef struct lt_room_info {
    const char *title;
    int32_t status;              /* 2 live, 3 paused, 4 offline */
    const lt_user *owner;        /* nullable */
    int64_t viewer_count;        /* current */
    int64_t total_user;          /* cumulative */
    int64_t like_count;
    lt_opt_long start_time;      /* epoch ms */
    const char *stream_url;      /* nullable: a pull URL (FLV) */
    const lt_stream_quality *streams; /* per quality, best first */
    size_t stream_count;
    bool age_restricted;
    const lt_host_stats *host_stats; /* nullable: the host's profile stats */
} lt_room_info;

/* One gift of the catalogue (webcast/gift/list, BIGO /gift/get_list): a
 * compacted topic keyed by the gift (gift_id; "bigo:<gift_id>" for BIGO), so
 * gift events can be joined to names and prices. */
typedef struct lt_gift_info {
    int64_t gift_id;
    const char *name;
    int32_t diamond_count;
    int32_t gift_type;
    bool streakable;
    const char *image_url;       /* nullable */
} lt_gift_info;

/* --- notices, moderation and unauthorized members (src/tiktok/messages_notice.c).
 * notice and moderation each group several methods: `method` says which one,
 * and a field only some of them carry is nullable (NULL / present = false for
 * the others). Codes that say what kind of message it is (type_code,
 * notify_class, action, status, trigger) are present for every method that
 * has them, 0 when not sent (the platform's encoders omit zeros); other
 * numbers are present only when sent. --- */

/* A sanction as the platform describes it (PunishEventInfo), shared by
 * notice (Bottom) and moderation (AccessRecall, Perception). */
typedef struct lt_punishment {
    const char *punish_id;       /* nullable */
    const char *type;            /* nullable: the platform's own word for it */
    int32_t type_id;             /* as sent */
    const char *type_name;       /* nullable: a known type_id as a word ("ban_linkmic") */
    const char *reason;          /* nullable */
    const char *show_reason;     /* nullable: the reason as the user is shown it */
    int64_t violation_user_id;   /* 0 if not sent */
    int64_t duration;            /* as sent */
    int64_t end_time;            /* as sent */
    const char *perception_code; /* nullable */
} lt_punishment;

/* Text the platform shows viewers in the room: WebcastNoticeMessage,
 * SystemMessage, ToastMessage, BottomMessage, RoomNotifyMessage,
 * MarqueeAnnouncementMessage, GuideMessage, CapsuleMessage. */
typedef struct lt_notice {
    const char *method;
    const char *text;        /* nullable: the rendered text shown */
    const char *display_key; /* nullable */
    const char *title;       /* nullable: Notice */
    const char *reason;      /* nullable: Notice violation_reason */
    const char *link;        /* nullable: Notice tips_url, Bottom detail_url, RoomNotify/Capsule schema */
    const char *link_text;   /* nullable: Notice tips_title, Capsule button_text */
    lt_opt_long type_code;   /* the method's own kind code, as sent */
    const char *type_name;   /* nullable: Bottom's biz_type as a word */
    const char *scene;       /* nullable */
    const char *sub_scene;   /* nullable: Capsule */
    lt_opt_long duration;    /* as sent: Bottom, Guide, RoomNotify extra */
    lt_opt_long display_duration_ms; /* Toast */
    lt_opt_long display_delay_ms;    /* Toast */
    const lt_user *user;             /* nullable: RoomNotify (Marquee: the first announcement's) */
    lt_opt_long from_user_id;        /* RoomNotify */
    lt_opt_long to_anchor_id;        /* RoomNotify */
    const char *source;              /* nullable: RoomNotify */
    lt_opt_long notify_class;        /* RoomNotify */
    const char *image_url;           /* nullable: Capsule icon, RoomNotify background */
    lt_opt_long gift_id;             /* Guide */
    lt_opt_long violation_user_id;   /* Bottom */
    const lt_punishment *punishment; /* nullable: Bottom */
    const char *const *texts;        /* Marquee: every announcement's text, in order */
    size_t text_count;
} lt_notice;

/* The platform acting on the room: WebcastAccessControlMessage (captcha),
 * AccessRecallMessage, RoomVerifyMessage, MsgDetectMessage, PerceptionMessage. */
typedef struct lt_moderation {
    const char *method;
    const char *text;        /* nullable: RoomVerify content, AccessRecall content, Perception sub-title */
    const char *title;       /* nullable: AccessRecall notice, Perception dialog title */
    const char *display_key; /* nullable */
    const char *short_text;  /* nullable: Perception toast (else float text) */
    const char *reason;      /* nullable: Perception sheet reason */
    const char *restriction; /* nullable: Perception sheet: what is not allowed */
    const char *link;        /* nullable: Perception violation detail URL */
    lt_opt_long type_code;   /* RoomVerify notice_type, MsgDetect d_type */
    lt_opt_long action;      /* RoomVerify */
    lt_opt_long status;      /* AccessRecall */
    bool close_room;         /* RoomVerify: the room is closed */
    bool violation_warning;  /* Perception: show a violation warning */
    const char *scene;       /* nullable: AccessRecall */
    lt_opt_long duration;    /* as sent: AccessRecall */
    lt_opt_long end_time;    /* as sent: AccessRecall, Perception */
    const lt_punishment *punishment; /* nullable: AccessRecall, Perception */
    lt_opt_long captcha_id;          /* AccessControl */
    lt_opt_long verify_duration_s;   /* AccessControl */
    lt_opt_long target_room_id;      /* AccessControl captcha room, Perception dialog */
    lt_opt_long target_user_id;      /* Perception dialog */
    lt_opt_long countdown;           /* as sent: Perception dialog */
    lt_opt_long trigger;             /* MsgDetect trigger_by */
    const char *region;              /* nullable: MsgDetect from_region */
} lt_moderation;

/* A viewer joins without a visible identity (WebcastUnauthorizedMemberMessage):
 * no user record, only the masked name shown. Kept apart from member so that
 * join counts by user stay exact. */
typedef struct lt_unauthorized_member {
    int32_t action;              /* as sent */
    const char *nickname;        /* the masked name shown */
    const char *nickname_prefix; /* nullable: rendered */
    const char *text;            /* nullable: the rendered join line */
    const char *display_key;     /* nullable */
} lt_unauthorized_member;
/* --- Grouped WebCast families: one type per family, `method` names the
 * message. Fields only some of a family's methods carry are nullable
 * (NULL / lt_opt_long not present); arrays are empty where a method has none.
 * Times and durations are as sent unless a comment says otherwise. --- */

/* One gift named by a gift-panel signal (gift_notice.gifts). */
typedef struct lt_gift_notice_gift {
    const char *source; /* "hidden", "gallery", "goal" or "room_based" */
    const char *scene;  /* nullable: hidden gifts: normal, match, cohost, multiguest, receiver */
    int64_t gift_id;
    lt_opt_long receiver_id; /* hidden for this receiver only */
    lt_opt_long sponsor_id;  /* gallery: the current sponsor */
    lt_opt_long count;       /* gallery: the goal count */
    lt_opt_long progress;    /* goal */
    lt_opt_long target;      /* goal */
    lt_opt_long expire_time; /* goal: epoch ms */
    lt_opt_long price;       /* room_based, diamonds */
    lt_opt_long group_key;   /* room_based: the key the list is filed under */
} lt_gift_notice_gift;

typedef struct lt_boost_card {
    int64_t card_id;
    int32_t task_source;
    int64_t task_id;
} lt_boost_card;

/* Gift panel and gift promotion signals (GiftBroadcast, GiftDynamicRestriction,
 * GiftPanelUpdate, GiftPrompt, BoostCard); gifts sent stay in lt_gift. */
typedef struct lt_gift_notice {
    const char *method;
    const lt_user *user; /* nullable: broadcast: the user the notice is about */
    lt_opt_long from_user_id;
    lt_opt_long to_anchor_id;
    const char *title;       /* nullable: prompt */
    const char *text;        /* nullable: broadcast content, prompt body */
    const char *display_key; /* nullable: the common header's display text key */
    const char *icon_url;    /* nullable: broadcast left icon */
    const char *schema_url;  /* nullable: broadcast notify schema, prompt pop-up schema */
    const char *source;      /* nullable: broadcast notify source */
    lt_opt_long notify_type;
    lt_opt_long notify_class;
    lt_opt_long duration; /* broadcast display duration */
    lt_opt_long gift_sub_sender_id;
    lt_opt_long gift_sub_receiver_id;
    lt_opt_long gift_sub_order_time;
    lt_opt_long block_num_days;
    const char *order_id; /* nullable: prompt */
    lt_opt_long order_time;
    bool addiction_experiment; /* prompt: the viewer is in the gifting-addiction experiment */
    lt_opt_long panel_time;
    lt_opt_long gallery_period;
    lt_opt_long gallery_end_time; /* epoch ms */
    lt_opt_long goal_status;
    const lt_gift_notice_gift *gifts;
    size_t gift_count;
    const lt_boost_card *boost_cards;
    size_t boost_card_count;
} lt_gift_notice;

typedef struct lt_anchor_pair {
    int64_t source_anchor_id;
    int64_t target_anchor_id;
} lt_anchor_pair;

/* A battle's side events (LinkMicBattleItemCard, LinkMicBattlePunishFinish,
 * LinkmicBattleTaskMessage), joinable to lt_battle by battle_id. */
typedef struct lt_battle_task {
    const char *method;
    int64_t battle_id;
    int32_t action; /* card msg_type, punish reason, task message type: as sent */
    const char *action_name;
    const lt_user *user;   /* nullable: the card's sender */
    lt_opt_long anchor_id; /* the anchor whose side used the card */
    lt_opt_long to_anchor_id;
    const char *card_name_key; /* nullable */
    const char *card_image_url;
    const char *rule_url;
    const char *gift_name_key;
    const char *text; /* nullable: the rendered display content */
    const char *display_key;
    lt_opt_long send_time; /* seconds */
    lt_opt_long effect_duration;
    lt_opt_long effect_time;
    lt_opt_long extra_duration;
    lt_opt_long multiple;
    lt_opt_long multiple_other;
    lt_opt_long critical_strike_rate_low;
    lt_opt_long critical_strike_rate_high;
    lt_opt_long effect_type;
    lt_opt_long score;
    lt_opt_long from_user_id;
    lt_opt_long award_reason;
    const lt_user *awarded_users;
    size_t awarded_user_count;
    const lt_anchor_pair *affected_anchors;
    size_t affected_anchor_count;
    lt_opt_long channel_id;
    lt_opt_long operator_user_id;
    lt_opt_long start_time; /* punish: the battle's settings, epoch ms */
    lt_opt_long end_time;
    lt_opt_long duration; /* seconds */
    lt_opt_long battle_status;
    lt_opt_long battle_type;
    lt_opt_long progress; /* task */
    lt_opt_long target;
    lt_opt_long target_type;
    lt_opt_long reward_multiple;
    lt_opt_long result;
    const char *prompt_key;
    lt_opt_long preview_start_time;
    lt_opt_long task_start_time;
    lt_opt_long task_duration;
    lt_opt_long reward_start_time;
    lt_opt_long reward_duration;
} lt_battle_task;

typedef struct lt_link_user {
    int64_t user_id;
    int64_t room_id;
    const char *linkmic_id; /* nullable */
    lt_opt_long position;
    lt_opt_long linked_time; /* as sent (ns) */
    int32_t online_state;    /* 1 normal, 2 paused */
    int32_t audio_muted;     /* 1 normal, 2 muted, ... */
    int32_t video_muted;
    int32_t rtc_connection; /* 1 normal, 2 disconnected */
    int32_t network_state;  /* 1 excellent .. 6 down */
    const char *session_id; /* nullable */
} lt_link_user;

typedef struct lt_link_spot {
    int64_t spot_id;
    int32_t identity_type; /* 0 empty, 1 rtc user, 2 rtc stream, 3 live user id */
    const char *identity;  /* nullable */
    bool enlarged;
    lt_opt_long rank;
} lt_link_spot;

/* Multi-guest layout and who is on stage (LinkState, LinkMicLayoutState, Speaker). */
typedef struct lt_link_state {
    const char *method;
    lt_opt_long channel_id;
    lt_opt_long scene;
    lt_opt_long version;
    lt_opt_long state_type;
    lt_opt_long linker_mode;
    const char *layout_id; /* nullable */
    const char *layout_key;
    lt_opt_long layout_style;
    lt_opt_long max_position;
    lt_opt_long enlarge_status;
    const char *wallpaper_url;
    const char *background_sticker_id;
    const char *song_title;
    const lt_link_user *users;
    size_t user_count;
    const lt_link_spot *spots;
    size_t spot_count;
} lt_link_state;

typedef struct lt_rank_winner {
    int64_t user_id;
    int64_t asset_id;
    const lt_user *user; /* nullable */
    const char *text;    /* nullable */
    lt_opt_long border_level;
    const char *border_name;
    const char *border_icon_url;
} lt_rank_winner;

/* Ranking announcements (GameRankNotify, HourlyRankReward, RankText). */
typedef struct lt_rank_notice {
    const char *method;
    lt_opt_long msg_type;
    lt_opt_long scene;
    lt_opt_long rank_type;
    lt_opt_long rank_before;
    lt_opt_long rank_after;
    lt_opt_long user_id;
    const char *text; /* nullable */
    const char *display_key;
    const char *self_badge_text;
    const char *other_badge_text;
    const char *icon_url;
    bool enigma_mask;
    const lt_rank_winner *winners;
    size_t winner_count;
} lt_rank_notice;

typedef struct lt_partnership_game {
    const char *game_id;
    const char *task_id;
    int32_t task_type;
    int32_t offline_type;
    int32_t task_list_len;
    const char *toast_title; /* nullable */
    const char *toast_text;
} lt_partnership_game;

/* The game partnership programme and the room's game intro
 * (PartnershipDropsUpdate, PartnershipGameOffline, PartnershipPunish, LiveGameIntro). */
typedef struct lt_partnership {
    const char *method;
    lt_opt_long change_mode;
    const char *drops_id; /* nullable */
    const char *task_id;
    const char *event_id;
    lt_opt_long anchor_id;
    const lt_partnership_game *games;
    size_t game_count;
    const char *punish_type;
    lt_opt_long punish_type_id;
    const char *punish_reason;
    const char *punish_id;
    const char *show_reason;
    const char *perception_code;
    lt_opt_long violation_user_id;
    lt_opt_long punish_duration;
    lt_opt_long punish_end_time;
    const char *text;
    const char *display_key;
    bool has_rank_info;
} lt_partnership;

/* A subscriber card pinned or unpinned (SubPinEvent). */
typedef struct lt_sub_pin {
    int32_t action; /* 1 pin, 2 unpin */
    const char *action_name;
    int64_t operator_user_id;
    lt_opt_long card_id;
    lt_opt_long template_id;
    lt_opt_long card_type;
    lt_opt_long time_to_live;
    lt_opt_long last_pin_time;
    lt_opt_long pin_source;
    const char *title; /* nullable */
    const char *description;
    const char *image_url;
    const char *action_schema;
    lt_opt_long goal_id;
    lt_opt_long goal_target;
    lt_opt_long goal_progress;
    const char *goal_description;
} lt_sub_pin;

typedef struct lt_viewer_pick {
    int64_t pick_id;
    int64_t gift_id;
    const char *description; /* nullable */
    const char *icon_url;
    int64_t gift_price;
    int64_t score;
    bool priority_request;
    int32_t desc_source;
} lt_viewer_pick;

/* Viewer picks (ViewerPicksUpdate): the gifts viewers choose between. */
/* A closed segment file of a room's video (src/recorder/). */
/* One coin package of the price list (TikTok webcast/diamond/). */
typedef struct lt_coin_package {
    int64_t package_id; /* 0 if not sent */
    int64_t coins;
    int64_t usd_cents;
    int64_t local_price;    /* in the local currency's minor units */
    int32_t local_decimals; /* decimals of local_price */
} lt_coin_package;

/* The coin price list in one local currency: a compacted topic keyed by the
 * currency. It belongs to no room (room_id ""). */
typedef struct lt_price_list {
    const char *currency; /* ISO 4217, the key */
    const lt_coin_package *packages;
    size_t package_count;
    int64_t fetched_at; /* epoch ms */
} lt_price_list;

typedef struct lt_video_segment {
    const char *quality;
    int64_t start_time;          /* epoch ms, event_time's clock */
    int64_t end_time;
    int64_t duration_ms;
    const char *path;
    int64_t bytes;
    const char *sha256;          /* hex */
    const char *reason;          /* why it was closed */
} lt_video_segment;

/* A live room the recommended-live feed listed (the collector's discovery):
 * a compacted topic keyed by room id, the latest sighting per room. */
typedef struct lt_discovered_room {
    const char *owner_id;  /* nullable */
    const char *unique_id; /* the host's @name; nullable */
    const char *nickname;  /* nullable */
    const char *title;
    lt_opt_long viewers;
    const char *const *tags; /* the feed's hashtag(s) */
    size_t tag_count;
    lt_opt_long live_since; /* epoch ms the room went live */
    int64_t first_seen;     /* epoch ms this collector first saw it in the feed */
    int64_t last_seen;      /* epoch ms of this sighting */
} lt_discovered_room;

typedef struct lt_viewer_picks {
    int32_t update_type;
    int64_t viewer_picks_id;
    int32_t status;
    lt_opt_long round_duration; /* seconds */
    lt_opt_long start_time;     /* epoch ms */
    lt_opt_long end_time;
    bool timed;
    bool scored;
    bool auto_restart;
    bool started_from_auto_restart;
    bool started_from_auto_start;
    int32_t display_mode;
    int32_t scene;
    const char *header_image_url; /* nullable */
    const char *game_name;
    const lt_viewer_pick *picks;
    size_t pick_count;
} lt_viewer_picks;

typedef struct lt_event {
    lt_event_type type;
    lt_platform platform;
    const char *room_id;
    int64_t msg_id;
    int64_t event_time;      /* epoch ms, from the platform */
    int64_t ingest_time;     /* epoch ms, when livetap received it */
    const char *collector_id;
    /* BIGO's danmu game the record belongs to (push batch or pull session);
     * NULL = none, always for TikTok. Room events only: the entity records of
     * compacted topics (the gift catalogue) have no such fields. */
    const char *game_id;
    const char *game_sess;
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
        lt_battle battle;
        lt_battle_armies battle_armies;
        lt_question question;
        lt_room_message room_message;
        lt_subscribe subscribe;
        lt_emote_chat emote_chat;
        lt_envelope envelope;
        lt_shopping shopping;
        lt_link_mic link_mic;
        lt_link_mic_fan_ticket link_mic_fan_ticket;
        lt_link link;
        lt_link_layer link_layer;
        lt_live_intro live_intro;
        lt_rank_update rank_update;
        lt_poll poll;
        lt_goal_update goal_update;
        lt_in_room_banner in_room_banner;
        lt_caption caption;
        lt_im_delete im_delete;
        lt_room_pin room_pin;
        lt_barrage barrage;
        lt_room_info room_info;
        lt_gift_info gift_info;
        lt_notice notice;
        lt_moderation moderation;
        lt_unauthorized_member unauthorized_member;
        /* the grouped families: gift_notice .. viewer_picks */
        lt_gift_notice gift_notice;
        lt_battle_task battle_task;
        lt_link_state link_state;
        lt_rank_notice rank_notice;
        lt_partnership partnership;
        lt_sub_pin sub_pin;
        lt_viewer_picks viewer_picks;
        lt_video_segment video_segment;
        lt_price_list price_list;
        lt_discovered_room discovered_room;
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
    bool compacted;          /* a log-compacted topic keyed by the entity, not by room */
} lt_event_type_info;

/* The shared user record and the envelope fields every event carries. */
extern const lt_record_desc lt_user_desc;
extern const lt_record_desc lt_event_envelope;
/* game_id and game_sess, which every room event's record carries after its
 * own fields; see lt_event_type_game. */
extern const lt_record_desc lt_event_game;

/* &lt_event_game for a room event; NULL for an entity type (compacted: its
 * record belongs to no room or game) or a type out of range. A type's record
 * is lt_event_envelope + this + its own table. */
const lt_record_desc *lt_event_type_game(lt_event_type type);

/* The row for a type; NULL if out of range. */
const lt_event_type_info *lt_event_type_info_get(lt_event_type type);

/* Look a type up by its name ("chat"); returns -1 if unknown. */
int lt_event_type_from_name(const char *name, lt_event_type *out);

const char *lt_platform_name(lt_platform platform);

/* Epoch milliseconds from the real-time clock. */
int64_t lt_now_ms(void);

#endif
