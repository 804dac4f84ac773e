/* messages_internal.h - what the message decoder's files share (not public).
 *
 * messages.c        the decoder object, the arena, dispatch and the feed loop
 * messages_common.c users, display texts, the common header, raw-bytes helpers
 * messages_core.c   chat, gift (+ streaks), like, member, social, viewers, control
 * messages_more.c   battles, link-mic, polls, goals, banners, captions, pins, ...
 * messages_notice.c notices, moderation, unauthorized members
 * messages_extra.c  the grouped families: gift_notice, link_state, rank_notice,
 *                   partnership, sub_pin, viewer_picks (docs/protocol/families.md)
 * messages_battle_task.c  the battle_task family (battle item cards, punishment, tasks)
 * messages_families.h     helpers the two share
 *
 * Every mapper unpacks its payload with the decoder's arena allocator and
 * fills the event; everything it allocates (the protobuf, arrays, rendered
 * strings) lives in the arena until the callback has run, then the arena is
 * rewound. A mapper returns 0, or -1 with a reason in dec->reason.
 */
#ifndef LT_TIKTOK_MESSAGES_INTERNAL_H
#define LT_TIKTOK_MESSAGES_INTERNAL_H

#include <protobuf-c/protobuf-c.h>

#include "core/ratelimit.h"
#include "tiktok/messages.h"
#include "webcast.pb-c.h"

typedef struct arena_chunk arena_chunk;

typedef struct gift_streak {
    int64_t user_id;
    int64_t gift_id;
    int64_t group_id;
    int32_t counted; /* the largest repeat_count already counted */
    bool closed;
    int64_t last_seen; /* event time, ms */
} gift_streak;

struct lt_tiktok_decoder {
    char *room_id;
    char *collector_id;
    int64_t anchor_id;
    lt_tiktok_decoder_stats stats;
    int64_t like_total_max;
    gift_streak *streaks;
    size_t streak_count, streak_cap;
    uint32_t *streak_slots;   /* open-addressing index into streaks (entry + 1; 0 = empty), 2 * cap */
    int64_t streak_swept_ms;  /* event time of the last sweep of idle entries */
    arena_chunk *arena;       /* the current chunk; older ones chained behind it */
    ProtobufCAllocator alloc; /* allocates from the arena; free is a no-op */
    size_t arena_used;        /* bytes handed out since the last rewind */
    bool arena_exhausted;     /* an allocation past LT_TIKTOK_MESSAGE_MEMORY was refused */
    const char *reason;       /* why the last mapper failed */
    int64_t log_slot;         /* rate-limited decode-error log */
    lt_tiktok_decoder_limits limits;
    lt_ratelimit event_rate;   /* events per second */
    lt_ratelimit unknown_rate; /* unknown payload bytes per second */
    int64_t throttle_until;    /* epoch ms: a bucket is in debt until then */
    int64_t drop_log_slot;     /* rate-limited drop log */
    uint64_t dropped_logged;   /* drops already told in a log line */
};

typedef int (*lt_tt_mapper)(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);

/* --- arena (messages.c) --- */
void *lt_tt_alloc(lt_tiktok_decoder *dec, size_t size); /* zeroed; NULL if out of memory */
char *lt_tt_printf(lt_tiktok_decoder *dec, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *lt_tt_strndup(lt_tiktok_decoder *dec, const char *s, size_t n);

/* --- helpers (messages_common.c) --- */

/* msg_id and event_time from the common header, when it has them. */
void lt_tt_apply_common(const Livetap__Webcast__Common *common, lt_event *ev);
/* A user into an embedded lt_user; identity (nullable) adds chat's relation flags. */
void lt_tt_user(lt_tiktok_decoder *dec, const Livetap__Webcast__User *user,
                const Livetap__Webcast__UserIdentity *identity, lt_user *out);
/* An arena-allocated lt_user, or NULL when user is NULL. */
const lt_user *lt_tt_user_ptr(lt_tiktok_decoder *dec, const Livetap__Webcast__User *user);
/* The first URL of an image, NULL if none. */
const char *lt_tt_image_url(const Livetap__Webcast__Image *image);
/* A display text's pattern with its {n:...} placeholders filled from its
 * pieces (users by nickname); NULL if there is no pattern. */
const char *lt_tt_render_text(lt_tiktok_decoder *dec, const Livetap__Webcast__Text *text);
/* The first user named by a display text's pieces, NULL if none. */
const Livetap__Webcast__User *lt_tt_text_user(const Livetap__Webcast__Text *text);
/* The first top-level length-delimited field of a protobuf that reads as
 * printable UTF-8 text, for loosely documented sub-messages; NULL if none. */
const char *lt_tt_first_text(lt_tiktok_decoder *dec, const uint8_t *data, size_t len);
/* True if the bytes are UTF-8 text without control characters. */
bool lt_tt_is_text(const uint8_t *data, size_t len);
bool lt_tt_contains(const char *haystack, const char *needle);

/* --- mappers --- */
int lt_tt_map_chat(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_gift(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_like(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_member(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_social(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_viewers(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_control(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_battle(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_battle_armies(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_question(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_room_message(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_subscribe(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_emote_chat(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_envelope(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_shopping(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_link_mic(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_link_mic_fan_ticket(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_link(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_link_layer(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_live_intro(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_rank_update(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_poll(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_goal_update(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_in_room_banner(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_caption(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_im_delete(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_room_pin(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_barrage(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);

/* notices, moderation, unauthorized members (messages_notice.c) */
int lt_tt_map_notice(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_system(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_toast(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_bottom(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_room_notify(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_marquee_announcement(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_guide(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_capsule(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_access_control(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_access_recall(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_room_verify(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_msg_detect(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_perception(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_unauthorized_member(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
/* the grouped families (messages_extra.c, messages_battle_task.c) */
int lt_tt_map_gift_broadcast(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_gift_dynamic_restriction(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_gift_panel_update(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_gift_prompt(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_boost_card(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_battle_item_card(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_battle_punish_finish(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_battle_task(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_link_state(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_link_layout_state(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_speaker(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_game_rank_notify(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_hourly_rank_reward(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_rank_text(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_partnership_drops(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_partnership_offline(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_partnership_punish(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_live_game_intro(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_sub_pin(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);
int lt_tt_map_viewer_picks(lt_tiktok_decoder *dec, const uint8_t *data, size_t len, lt_event *ev);

/* Gift streak arithmetic (messages_core.c): fills gifts_added, diamonds_added
 * and streak_closed from the room's streak table. */
void lt_tt_gift_streak(lt_tiktok_decoder *dec, lt_gift *gift, int64_t event_time);

/* Records why a mapper failed; returns -1. */
int lt_tt_fail(lt_tiktok_decoder *dec, const char *reason);

#endif
