/* messages.h - TikTok WebCast messages -> lt_event, one decoder per room.
 *
 * A fetch result (the body of a "msg" push frame, after inflating, or of the
 * sign server's /webcast/fetch response) carries a list of messages, each a
 * method name and a protobuf payload. lt_tiktok_decoder_feed() decodes every
 * one, maps it to an lt_event of its type and hands it to the callback, in
 * order. A message that fails to decode, or whose method no decoder knows,
 * becomes an LT_EVENT_UNKNOWN event carrying the method, the raw payload and
 * the reason; it never ends the frame. Its event_time is the create_time of
 * the payload's common header (field 1) when that parses, else the push
 * time, and event_time_source says which.
 *
 * Bounds (docs/security.md 4): what one frame, or one room, can make the
 * decoder do is limited:
 *   - empty message entries (no method, no payload: nothing to keep) and
 *     messages past the fetch result's cap are cut before unpacking
 *     (frame.h), counted by reason in stats.dropped and told in one log
 *     line per room per minute;
 *   - one message's unpack may take at most LT_TIKTOK_MESSAGE_MEMORY bytes
 *     (the arena refuses more; the message becomes an unknown event);
 *   - an unknown payload longer than unknown_payload_max is cut to it and
 *     marked (payload_truncated, payload_length), so it still fits a Kafka
 *     record;
 *   - events per second and unknown payload bytes per second per room are
 *     two token buckets, charged for every event delivered: when one runs
 *     into debt, lt_tiktok_decoder_throttle_until() says until when the
 *     room must not be read (the collector pauses its socket, so TCP
 *     pushes back on the sender and nothing already received is lost).
 * Messages with msg_id 0 cannot be deduplicated by id (the collector's
 * window keys on it); the same bounds hold for them.
 *
 * Per-room state lives in the decoder: gift streak bookkeeping (so every gift
 * event says how many new gifts it adds and whether it closes its streak,
 * see lt_gift in core/event.h) and the room's running maximum like total.
 *
 * Ownership: every string, array and byte range an event points to is owned
 * by the decoder or by the fetch result and stays valid only until the
 * callback returns. The callback must encode or copy what it keeps.
 *
 * Threads: a decoder is used by one thread at a time; different decoders are
 * independent.
 */
#ifndef LT_TIKTOK_MESSAGES_H
#define LT_TIKTOK_MESSAGES_H

#include <stddef.h>
#include <stdint.h>

#include "core/event.h"
#include "tiktok/frame.h"

typedef struct lt_tiktok_decoder lt_tiktok_decoder;

/* One message's unpack (protobuf structs, arrays, rendered strings) may
 * allocate at most this much; past it the message is an unknown event. */
#define LT_TIKTOK_MESSAGE_MEMORY (8u * 1024u * 1024u)

/* Why the decoder dropped a message (metric label names in
 * lt_tiktok_drop_reason_name). */
typedef enum lt_tiktok_drop_reason {
    LT_TIKTOK_DROP_FRAME_MESSAGES = 0, /* past the per-fetch-result cap */
    LT_TIKTOK_DROP_EMPTY,              /* an empty message entry */
    LT_TIKTOK_DROP_REASON_COUNT
} lt_tiktok_drop_reason;

/* "frame_messages", "empty_message". */
const char *lt_tiktok_drop_reason_name(lt_tiktok_drop_reason reason);

/* Per-room limits; a zero rate means unlimited. */
typedef struct lt_tiktok_decoder_limits {
    double events_per_s;        /* events a room may produce per second */
    double events_burst;        /* ... at once (< 1 = events_per_s) */
    double unknown_bytes_per_s; /* unknown payload bytes per second */
    double unknown_bytes_burst; /* ... at once (< 1 = unknown_bytes_per_s) */
    size_t unknown_payload_max; /* longer unknown payloads are cut and marked; 0 = never */
    size_t max_messages;        /* per fetch result fed as bytes; 0 = LT_TIKTOK_DEFAULT_MAX_MESSAGES */
} lt_tiktok_decoder_limits;

/* Called once per event. Return 0 to go on; anything else stops the feed
 * (the remaining messages of that fetch result are not decoded). */
typedef int (*lt_tiktok_event_cb)(const lt_event *event, void *ctx);

typedef struct lt_tiktok_decoder_stats {
    uint64_t fetch_results;   /* fed */
    uint64_t fetch_errors;    /* fetch results that did not parse */
    uint64_t messages;        /* messages inside them */
    uint64_t events;          /* events delivered to the callback */
    uint64_t decode_errors;   /* messages that failed to decode (-> unknown) */
    uint64_t unknown_methods; /* messages no decoder knows (-> unknown) */
    uint64_t truncated;       /* unknown payloads cut to unknown_payload_max */
    uint64_t throttled;       /* times a bucket went into debt */
    uint64_t dropped[LT_TIKTOK_DROP_REASON_COUNT];
    uint64_t by_type[LT_EVENT_TYPE_COUNT];
} lt_tiktok_decoder_stats;

/* room_id and collector_id are copied; they fill every event's envelope. */
lt_tiktok_decoder *lt_tiktok_decoder_create(const char *room_id, const char *collector_id, char *err,
                                            size_t errlen);
void lt_tiktok_decoder_destroy(lt_tiktok_decoder *dec);

/* Sets the room's limits (the default: none). The buckets start full. */
void lt_tiktok_decoder_set_limits(lt_tiktok_decoder *dec, const lt_tiktok_decoder_limits *limits);

/* Until when (epoch ms) the room's input should not be read because a rate
 * bucket is in debt; 0 or a past time if it may be read now. */
int64_t lt_tiktok_decoder_throttle_until(const lt_tiktok_decoder *dec);

/* The room owner's user id, when known (room info): users with this id get
 * is_anchor set. */
void lt_tiktok_decoder_set_anchor_id(lt_tiktok_decoder *dec, int64_t anchor_id);

/* Decodes one fetch result and calls cb once per message. If `result` is not
 * NULL it receives the parsed fetch result (cursor, internal_ext, need_ack,
 * heartbeat interval, ...) and the caller must lt_tiktok_fetch_result_release
 * it; the events' borrowed payloads point into it.
 *
 * Returns 0; 1 if the callback stopped the feed; -1 if the bytes are not a
 * fetch result at all — then one LT_EVENT_UNKNOWN event (method
 * "FetchResult", the raw bytes) has been delivered, so that nothing the
 * platform sent is lost, and *result is empty. */
int lt_tiktok_decoder_feed(lt_tiktok_decoder *dec, const uint8_t *fetch_result, size_t len,
                           lt_tiktok_fetch_result *result, lt_tiktok_event_cb cb, void *ctx);

/* The same for an already parsed fetch result (which stays the caller's). */
int lt_tiktok_decoder_feed_result(lt_tiktok_decoder *dec, const lt_tiktok_fetch_result *result,
                                  lt_tiktok_event_cb cb, void *ctx);

/* Delivers one LT_EVENT_UNKNOWN event with this decoder's envelope, for
 * input the collector could not even unwrap (a push frame that does not
 * parse, a payload that does not inflate), under the same limits as the
 * feed (cut to unknown_payload_max, charged to the buckets). Returns the
 * callback's result. */
int lt_tiktok_decoder_emit_unknown(lt_tiktok_decoder *dec, const char *method, const uint8_t *data, size_t len,
                                   const char *reason, lt_tiktok_event_cb cb, void *ctx);

const lt_tiktok_decoder_stats *lt_tiktok_decoder_stats_get(const lt_tiktok_decoder *dec);

/* The room's largest like total so far (what the next like event's
 * total_max is at least). */
int64_t lt_tiktok_decoder_like_total_max(const lt_tiktok_decoder *dec);

/* Number of gift streaks currently tracked (open, or closed recently). */
size_t lt_tiktok_decoder_open_streaks(const lt_tiktok_decoder *dec);

/* Every method name with a decoder, NULL-terminated (for the simulator and
 * tests). */
const char *const *lt_tiktok_known_methods(void);

#endif
