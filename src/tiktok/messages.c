/* messages.c - the per-room WebCast decoder: arena, dispatch, feed loop.
 *
 * Dispatch is by the message's method string (docs/protocol/webcast.md §6: the
 * method equals the message name), looked up by binary search in a sorted
 * table. A method without a row, or a payload its mapper rejects, becomes an
 * LT_EVENT_UNKNOWN event with the raw bytes: the platform adds message types
 * without notice and peers disagree on some layouts, so "cannot decode" is
 * data to keep, not an error that ends the frame.
 *
 * Memory. protobuf-c allocates every sub-message, string and array on
 * unpack; with malloc that is dozens of calls per message. Instead the
 * decoder hands protobuf-c a bump allocator (the arena): allocation is a
 * pointer increment, free is a no-op, and after each event the arena is
 * rewound. The arena's memory is given back at the end of every feed, so an
 * idle room costs only the decoder struct and its gift-streak table — many
 * thousands of rooms share one process. The arena also bounds what one
 * message may cost: past LT_TIKTOK_MESSAGE_MEMORY it refuses, protobuf-c's
 * unpack fails, and the message is kept as unknown (a repeated field of a
 * million empty entries is two megabytes on the wire and would be a hundred
 * in structs).
 *
 * Limits (messages.h): every event delivered is charged to the room's
 * token buckets (one event; its unknown payload's bytes); a bucket in debt
 * sets throttle_until, which the collector honours by not reading the
 * room's socket. Throttling loses nothing that was received; what the
 * frame limits cut is counted by reason and told in one log line per room
 * per minute.
 */
#include "tiktok/messages_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

#define ARENA_CHUNK (32u * 1024u)
#define LT_TIKTOK_MESSAGE_MEMORY_TEXT "8 MiB" /* LT_TIKTOK_MESSAGE_MEMORY, for messages */
_Static_assert(LT_TIKTOK_MESSAGE_MEMORY == 8u * 1024u * 1024u, "the text says 8 MiB");

struct arena_chunk {
    arena_chunk *prev;
    size_t size, used;
    _Alignas(16) uint8_t data[];
};

/* ------------------------------------------------------------------ arena */

/* Inlined into protobuf-c's allocator callback: it runs for every field
 * protobuf-c allocates, the hottest call of the decoder. protobuf-c writes
 * everything it allocates before reading it (a message is set from its
 * initializer, arrays and strings are filled as they are parsed), so its
 * memory need not be zeroed; the mappers' (lt_tt_alloc) is. */
static inline __attribute__((always_inline)) void *arena_alloc(lt_tiktok_decoder *dec, size_t size, bool zero)
{
    if (size > LT_TIKTOK_MESSAGE_MEMORY || dec->arena_used > LT_TIKTOK_MESSAGE_MEMORY - size) {
        dec->arena_exhausted = true;
        return NULL;
    }
    size = (size + 15) & ~(size_t)15;
    if (size == 0)
        size = 16;
    dec->arena_used += size;
    arena_chunk *c = dec->arena;
    if (!c || c->size - c->used < size) {
        size_t want = size > ARENA_CHUNK ? size : ARENA_CHUNK;
        arena_chunk *n = malloc(sizeof *n + want);
        if (!n)
            return NULL;
        n->prev = c;
        n->size = want;
        n->used = 0;
        dec->arena = c = n;
    }
    void *p = c->data + c->used;
    c->used += size;
    if (zero)
        memset(p, 0, size);
    return p;
}

void *lt_tt_alloc(lt_tiktok_decoder *dec, size_t size)
{
    return arena_alloc(dec, size, true);
}

/* Back to empty. keep_one keeps the oldest chunk for the next message. */
static void arena_rewind(lt_tiktok_decoder *dec, bool keep_one)
{
    arena_chunk *c = dec->arena;
    while (c && (c->prev || !keep_one)) {
        arena_chunk *prev = c->prev;
        free(c);
        c = prev;
    }
    if (c)
        c->used = 0;
    dec->arena = c;
    dec->arena_used = 0;
    dec->arena_exhausted = false;
}

static void *pb_alloc(void *data, size_t size)
{
    return arena_alloc(data, size, false);
}

static void pb_free(void *data, void *ptr)
{
    (void)data;
    (void)ptr; /* the arena is rewound as a whole */
}

char *lt_tt_strndup(lt_tiktok_decoder *dec, const char *s, size_t n)
{
    char *d = lt_tt_alloc(dec, n + 1);
    if (d)
        memcpy(d, s, n);
    return d;
}

char *lt_tt_printf(lt_tiktok_decoder *dec, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = lt_tt_alloc(dec, (size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

int lt_tt_fail(lt_tiktok_decoder *dec, const char *reason)
{
    dec->reason = reason;
    return -1;
}

/* ------------------------------------------------------------------ dispatch */

typedef struct method_row {
    const char *method;
    lt_tt_mapper map;
} method_row;

/* Sorted by method (strcmp order) for bsearch. */
static const method_row methods[] = {
    {"RoomMessage", lt_tt_map_room_message}, /* one peer's name for WebcastRoomMessage */
    {"WebcastAccessControlMessage", lt_tt_map_access_control},
    {"WebcastAccessRecallMessage", lt_tt_map_access_recall},
    {"WebcastBarrageMessage", lt_tt_map_barrage},
    {"WebcastBoostCardMessage", lt_tt_map_boost_card},
    {"WebcastBottomMessage", lt_tt_map_bottom},
    {"WebcastCapsuleMessage", lt_tt_map_capsule},
    {"WebcastCaptionMessage", lt_tt_map_caption},
    {"WebcastChatMessage", lt_tt_map_chat},
    {"WebcastControlMessage", lt_tt_map_control},
    {"WebcastEmoteChatMessage", lt_tt_map_emote_chat},
    {"WebcastEnvelopeMessage", lt_tt_map_envelope},
    {"WebcastGameRankNotifyMessage", lt_tt_map_game_rank_notify},
    {"WebcastGiftBroadcastMessage", lt_tt_map_gift_broadcast},
    {"WebcastGiftDynamicRestrictionMessage", lt_tt_map_gift_dynamic_restriction},
    {"WebcastGiftMessage", lt_tt_map_gift},
    {"WebcastGiftPanelUpdateMessage", lt_tt_map_gift_panel_update},
    {"WebcastGiftPromptMessage", lt_tt_map_gift_prompt},
    {"WebcastGoalUpdateMessage", lt_tt_map_goal_update},
    {"WebcastGuideMessage", lt_tt_map_guide},
    {"WebcastHourlyRankRewardMessage", lt_tt_map_hourly_rank_reward},
    {"WebcastImDeleteMessage", lt_tt_map_im_delete},
    {"WebcastInRoomBannerMessage", lt_tt_map_in_room_banner},
    {"WebcastLikeMessage", lt_tt_map_like},
    {"WebcastLinkLayerMessage", lt_tt_map_link_layer},
    {"WebcastLinkMessage", lt_tt_map_link},
    {"WebcastLinkMicArmies", lt_tt_map_battle_armies},
    {"WebcastLinkMicBattle", lt_tt_map_battle},
    {"WebcastLinkMicBattleItemCard", lt_tt_map_battle_item_card},
    {"WebcastLinkMicBattlePunishFinish", lt_tt_map_battle_punish_finish},
    {"WebcastLinkMicFanTicketMethod", lt_tt_map_link_mic_fan_ticket},
    {"WebcastLinkMicLayoutStateMessage", lt_tt_map_link_layout_state},
    {"WebcastLinkMicMethod", lt_tt_map_link_mic},
    {"WebcastLinkStateMessage", lt_tt_map_link_state},
    {"WebcastLinkmicBattleTaskMessage", lt_tt_map_battle_task},
    {"WebcastLiveGameIntroMessage", lt_tt_map_live_game_intro},
    {"WebcastLiveIntroMessage", lt_tt_map_live_intro},
    {"WebcastMarqueeAnnouncementMessage", lt_tt_map_marquee_announcement},
    {"WebcastMemberMessage", lt_tt_map_member},
    {"WebcastMsgDetectMessage", lt_tt_map_msg_detect},
    {"WebcastNoticeMessage", lt_tt_map_notice},
    {"WebcastOecLiveShoppingMessage", lt_tt_map_shopping},
    {"WebcastPartnershipDropsUpdateMessage", lt_tt_map_partnership_drops},
    {"WebcastPartnershipGameOfflineMessage", lt_tt_map_partnership_offline},
    {"WebcastPartnershipPunishMessage", lt_tt_map_partnership_punish},
    {"WebcastPerceptionMessage", lt_tt_map_perception},
    {"WebcastPollMessage", lt_tt_map_poll},
    {"WebcastQuestionNewMessage", lt_tt_map_question},
    {"WebcastRankTextMessage", lt_tt_map_rank_text},
    {"WebcastRankUpdateMessage", lt_tt_map_rank_update},
    {"WebcastRoomMessage", lt_tt_map_room_message},
    {"WebcastRoomNotifyMessage", lt_tt_map_room_notify},
    {"WebcastRoomPinMessage", lt_tt_map_room_pin},
    {"WebcastRoomUserSeqMessage", lt_tt_map_viewers},
    {"WebcastRoomVerifyMessage", lt_tt_map_room_verify},
    {"WebcastSocialMessage", lt_tt_map_social},
    {"WebcastSpeakerMessage", lt_tt_map_speaker},
    {"WebcastSubNotifyMessage", lt_tt_map_subscribe},
    {"WebcastSubPinEventMessage", lt_tt_map_sub_pin},
    {"WebcastSystemMessage", lt_tt_map_system},
    {"WebcastToastMessage", lt_tt_map_toast},
    {"WebcastUnauthorizedMemberMessage", lt_tt_map_unauthorized_member},
    {"WebcastViewerPicksUpdateMessage", lt_tt_map_viewer_picks},
};
#define METHOD_COUNT (sizeof methods / sizeof methods[0])

static const char *method_names[METHOD_COUNT + 1];

static int row_cmp(const void *key, const void *row)
{
    return strcmp(key, ((const method_row *)row)->method);
}

static lt_tt_mapper find_mapper(const char *method)
{
    const method_row *row = bsearch(method, methods, METHOD_COUNT, sizeof methods[0], row_cmp);
    return row ? row->map : NULL;
}

const char *const *lt_tiktok_known_methods(void)
{
    if (!method_names[0])
        for (size_t i = 0; i < METHOD_COUNT; i++)
            method_names[i] = methods[i].method;
    return method_names;
}

/* ------------------------------------------------------------------ decoder */

lt_tiktok_decoder *lt_tiktok_decoder_create(const char *room_id, const char *collector_id, char *err,
                                            size_t errlen)
{
    lt_tiktok_decoder *dec = calloc(1, sizeof *dec);
    if (!dec)
        goto oom;
    dec->room_id = strdup(room_id ? room_id : "");
    dec->collector_id = strdup(collector_id ? collector_id : "");
    if (!dec->room_id || !dec->collector_id)
        goto oom;
    dec->alloc.alloc = pb_alloc;
    dec->alloc.free = pb_free;
    dec->alloc.allocator_data = dec;
    return dec;
oom:
    if (err && errlen)
        snprintf(err, errlen, "tiktok decoder: out of memory");
    lt_tiktok_decoder_destroy(dec);
    return NULL;
}

void lt_tiktok_decoder_destroy(lt_tiktok_decoder *dec)
{
    if (!dec)
        return;
    arena_rewind(dec, false);
    free(dec->streaks);
    free(dec->streak_slots);
    free(dec->room_id);
    free(dec->collector_id);
    free(dec);
}

const char *lt_tiktok_drop_reason_name(lt_tiktok_drop_reason reason)
{
    static const char *const names[LT_TIKTOK_DROP_REASON_COUNT] = {"frame_messages", "empty_message"};
    return (unsigned)reason < LT_TIKTOK_DROP_REASON_COUNT ? names[reason] : "other";
}

void lt_tiktok_decoder_set_limits(lt_tiktok_decoder *dec, const lt_tiktok_decoder_limits *limits)
{
    int64_t now = lt_now_ms();
    dec->limits = *limits;
    double events_burst = limits->events_burst >= 1 ? limits->events_burst : limits->events_per_s;
    double bytes_burst =
        limits->unknown_bytes_burst >= 1 ? limits->unknown_bytes_burst : limits->unknown_bytes_per_s;
    lt_ratelimit_init(&dec->event_rate, limits->events_per_s, events_burst, now);
    lt_ratelimit_init(&dec->unknown_rate, limits->unknown_bytes_per_s, bytes_burst, now);
}

int64_t lt_tiktok_decoder_throttle_until(const lt_tiktok_decoder *dec)
{
    return dec->throttle_until;
}

void lt_tiktok_decoder_set_anchor_id(lt_tiktok_decoder *dec, int64_t anchor_id)
{
    dec->anchor_id = anchor_id;
}

const lt_tiktok_decoder_stats *lt_tiktok_decoder_stats_get(const lt_tiktok_decoder *dec)
{
    return &dec->stats;
}

int64_t lt_tiktok_decoder_like_total_max(const lt_tiktok_decoder *dec)
{
    return dec->like_total_max;
}

size_t lt_tiktok_decoder_open_streaks(const lt_tiktok_decoder *dec)
{
    return dec->streak_count;
}

static void envelope(lt_tiktok_decoder *dec, lt_event *ev, int64_t ingest_time)
{
    memset(ev, 0, sizeof *ev);
    ev->platform = LT_PLATFORM_TIKTOK;
    ev->room_id = dec->room_id;
    ev->collector_id = dec->collector_id;
    ev->ingest_time = ingest_time;
    ev->event_time = ingest_time;
}

/* Charges a bucket; one in debt pushes throttle_until out. */
static void charge(lt_tiktok_decoder *dec, lt_ratelimit *bucket, double n, int64_t now)
{
    int64_t wait = lt_ratelimit_charge(bucket, n, now);
    if (wait > 0 && now + wait > dec->throttle_until) {
        if (dec->throttle_until <= now)
            dec->stats.throttled++;
        dec->throttle_until = now + wait;
    }
}

/* `now`: the time the event was received (one clock read per frame, not
 * per event) */
static int deliver(lt_tiktok_decoder *dec, const lt_event *ev, int64_t now, lt_tiktok_event_cb cb, void *ctx)
{
    dec->stats.events++;
    dec->stats.by_type[ev->type]++;
    charge(dec, &dec->event_rate, 1, now);
    if (ev->type == LT_EVENT_UNKNOWN)
        charge(dec, &dec->unknown_rate, (double)ev->as.unknown.payload.len, now);
    return cb ? cb(ev, ctx) : 0;
}

static void count_drop(lt_tiktok_decoder *dec, lt_tiktok_drop_reason reason, uint64_t n)
{
    dec->stats.dropped[reason] += n;
}

/* One line per room per minute says what the frame limits cut since the
 * last line. */
static void log_drops(lt_tiktok_decoder *dec)
{
    uint64_t total = 0;
    for (int i = 0; i < LT_TIKTOK_DROP_REASON_COUNT; i++)
        total += dec->stats.dropped[i];
    if (total == dec->dropped_logged)
        return;
    if (lt_log_every(
            &dec->drop_log_slot, 60000, LT_LOG_WARN,
            "room %s: %llu messages over the frame limits dropped since the last line (in total %llu "
            "past the per-frame cap, %llu empty entries)",
            dec->room_id, (unsigned long long)(total - dec->dropped_logged),
            (unsigned long long)dec->stats.dropped[LT_TIKTOK_DROP_FRAME_MESSAGES],
            (unsigned long long)dec->stats.dropped[LT_TIKTOK_DROP_EMPTY]))
        dec->dropped_logged = total;
}

/* An unknown event's payload: its length as received, cut to
 * unknown_payload_max (and marked) when longer. */
static void cut_unknown(lt_tiktok_decoder *dec, lt_event *ev)
{
    lt_unknown *u = &ev->as.unknown;
    u->payload_length.present = true;
    u->payload_length.value = (int64_t)u->payload.len;
    if (dec->limits.unknown_payload_max && u->payload.len > dec->limits.unknown_payload_max) {
        u->payload.len = dec->limits.unknown_payload_max;
        u->payload_truncated = true;
        dec->stats.truncated++;
    }
}

int lt_tiktok_decoder_emit_unknown(lt_tiktok_decoder *dec, const char *method, const uint8_t *data,
                                   size_t len, const char *reason, lt_tiktok_event_cb cb, void *ctx)
{
    lt_event ev;
    int64_t now = lt_now_ms();
    envelope(dec, &ev, now);
    ev.type = LT_EVENT_UNKNOWN;
    ev.as.unknown.method = method ? method : "";
    ev.as.unknown.payload.data = data;
    ev.as.unknown.payload.len = data ? len : 0;
    ev.as.unknown.reason = reason ? reason : "decode_error";
    ev.as.unknown.event_time_source = "push";
    cut_unknown(dec, &ev);
    return deliver(dec, &ev, now, cb, ctx);
}

/* The payload's common header (field 1): msg_id and create_time, read off
 * the wire without unpacking (the payload may be what failed to unpack).
 * True if it had a create_time. */
static bool apply_payload_common(const uint8_t *data, size_t len, lt_event *ev)
{
    lt_bytes common;
    uint64_t create_time = 0, msg_id = 0;
    if (lt_tiktok_wire_find(data, len, 1, NULL, &common) != 0 ||
        lt_tiktok_wire_find(common.data, common.len, 4, &create_time, NULL) != 0 || (int64_t)create_time <= 0)
        return false;
    Livetap__Webcast__Common c = LIVETAP__WEBCAST__COMMON__INIT;
    c.has_create_time = 1;
    c.create_time = (int64_t)create_time;
    if (lt_tiktok_wire_find(common.data, common.len, 2, &msg_id, NULL) == 0) {
        c.has_msg_id = 1;
        c.msg_id = (int64_t)msg_id;
    }
    lt_tt_apply_common(&c, ev);
    return true;
}

/* A message as an unknown event: envelope, the message's own time when its
 * common header has one, else the push time. */
static void as_unknown(lt_tiktok_decoder *dec, lt_event *ev, int64_t ingest, int64_t msg_id,
                       int64_t push_time, const char *method, const uint8_t *data, size_t len,
                       const char *reason)
{
    envelope(dec, ev, ingest);
    ev->msg_id = msg_id;
    ev->event_time = push_time;
    ev->type = LT_EVENT_UNKNOWN;
    bool common = apply_payload_common(data, len, ev);
    if (msg_id)
        ev->msg_id = msg_id; /* the outer id is the one dedupe and the typed path use */
    ev->as.unknown.event_time_source = common ? "common" : "push";
    ev->as.unknown.method = method;
    ev->as.unknown.payload.data = data;
    ev->as.unknown.payload.len = len;
    ev->as.unknown.reason = reason;
}

int lt_tiktok_decoder_feed_result(lt_tiktok_decoder *dec, const lt_tiktok_fetch_result *result,
                                  lt_tiktok_event_cb cb, void *ctx)
{
    const Livetap__Webcast__FetchResult *pb = result->pb;
    int64_t ingest = lt_now_ms();
    int rc = 0;
    dec->stats.fetch_results++;
    count_drop(dec, LT_TIKTOK_DROP_FRAME_MESSAGES, result->messages_dropped);
    count_drop(dec, LT_TIKTOK_DROP_EMPTY, result->empty_messages);
    for (size_t i = 0; pb && i < pb->n_messages && rc == 0; i++) {
        const Livetap__Webcast__FetchResult__Message *m = pb->messages[i];
        const char *method = m->method ? m->method : "";
        const uint8_t *data = m->has_payload ? m->payload.data : NULL;
        size_t len = m->has_payload ? m->payload.len : 0;
        dec->stats.messages++;
        lt_event ev;
        envelope(dec, &ev, ingest);
        /* the outer message's id and the server time until the common header says better */
        ev.msg_id = m->msg_id;
        if (result->now_ms > 0)
            ev.event_time = result->now_ms;
        int64_t base_msg_id = ev.msg_id, base_time = ev.event_time;

        lt_tt_mapper map = find_mapper(method);
        const char *reason = NULL;
        if (!map) {
            dec->stats.unknown_methods++;
            reason = "no_decoder";
        } else {
            dec->reason = NULL;
            if (map(dec, data ? data : (const uint8_t *)"", len, &ev) != 0) {
                dec->stats.decode_errors++;
                if (dec->arena_exhausted)
                    reason = "decode_error: needs more than " LT_TIKTOK_MESSAGE_MEMORY_TEXT " to unpack";
                else
                    reason = lt_tt_printf(dec, "decode_error: %s", dec->reason ? dec->reason : "invalid");
                if (!reason)
                    reason = "decode_error";
                lt_log_every(&dec->log_slot, 60000, LT_LOG_WARN,
                             "room %s: %s (%zu bytes) did not decode (%s); published as unknown",
                             dec->room_id, method, len, reason);
            }
        }
        if (reason) {
            as_unknown(dec, &ev, ingest, base_msg_id, base_time, method, data, len, reason);
            cut_unknown(dec, &ev);
        }
        if (deliver(dec, &ev, ingest, cb, ctx) != 0)
            rc = 1;
        arena_rewind(dec, true);
    }
    arena_rewind(dec, false);
    log_drops(dec);
    return rc;
}

int lt_tiktok_decoder_feed(lt_tiktok_decoder *dec, const uint8_t *fetch_result, size_t len,
                           lt_tiktok_fetch_result *result, lt_tiktok_event_cb cb, void *ctx)
{
    lt_tiktok_fetch_result local;
    lt_tiktok_fetch_result *fr = result ? result : &local;
    char err[128];
    if (lt_tiktok_fetch_result_parse_limited(fetch_result, len, dec->limits.max_messages, fr, err,
                                             sizeof err) != 0) {
        dec->stats.fetch_results++;
        dec->stats.fetch_errors++;
        lt_log_every(&dec->log_slot, 60000, LT_LOG_WARN, "room %s: %s; published as unknown", dec->room_id,
                     err);
        lt_tiktok_decoder_emit_unknown(dec, "FetchResult", fetch_result, len,
                                       "decode_error: not a FetchResult", cb, ctx);
        return -1;
    }
    int rc = lt_tiktok_decoder_feed_result(dec, fr, cb, ctx);
    if (!result)
        lt_tiktok_fetch_result_release(&local);
    return rc;
}
