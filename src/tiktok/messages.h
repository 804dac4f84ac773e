/* messages.h - TikTok WebCast messages -> lt_event, one decoder per room.
 *
 * A fetch result (the body of a "msg" push frame, after inflating, or of the
 * sign server's /webcast/fetch response) carries a list of messages, each a
 * method name and a protobuf payload. lt_tiktok_decoder_feed() decodes every
 * one, maps it to an lt_event of its type and hands it to the callback, in
 * order. Nothing is dropped: a message that fails to decode, or whose method
 * no decoder knows, becomes an LT_EVENT_UNKNOWN event carrying the method,
 * the raw payload and the reason; it never ends the frame.
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
    uint64_t by_type[LT_EVENT_TYPE_COUNT];
} lt_tiktok_decoder_stats;

/* room_id and collector_id are copied; they fill every event's envelope. */
lt_tiktok_decoder *lt_tiktok_decoder_create(const char *room_id, const char *collector_id, char *err,
                                            size_t errlen);
void lt_tiktok_decoder_destroy(lt_tiktok_decoder *dec);

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
 * parse, a payload that does not inflate). Returns the callback's result. */
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
