/* frame.h - the WebCast push frame and fetch result codec.
 *
 * Every WebSocket binary message to and from TikTok's push server is a
 * PushFrame (docs/protocol/webcast.md §5). An inbound "msg" frame carries a
 * FetchResult (§3), possibly gzipped; the client answers with "ack"
 * frames, sends "hb" frames on a timer and one "im_enter_room" frame after
 * connecting. This module parses the inbound side and builds the outbound
 * side; it holds no state. Decoding the messages inside a fetch result is
 * messages.h's job.
 *
 * Ownership: a parsed frame or fetch result owns its unpacked protobuf; every
 * pointer it exposes borrows from it and dies with lt_tiktok_frame_release()
 * / lt_tiktok_fetch_result_release().
 */
#ifndef LT_TIKTOK_FRAME_H
#define LT_TIKTOK_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/event.h"

/* Inflated payloads larger than this are refused (a gzip bomb is an error,
 * not an allocation). */
#define LT_TIKTOK_MAX_INFLATED (16u * 1024u * 1024u)

/* Bounds on what one frame may cost (docs/security.md 4). protobuf-c
 * allocates a struct and a pointer for every entry of a repeated field, so
 * two bytes on the wire (an empty entry, `0a 00`) can cost a hundred in
 * memory; these limits are checked on the wire before anything is unpacked,
 * and every unpack runs against a byte budget (the input's length plus a
 * fixed allowance) so that no input can make an unpack allocate more. */
#define LT_TIKTOK_MAX_HEADERS 64                  /* push frame headers; TikTok sends 1-3 */
#define LT_TIKTOK_MAX_ROUTE_PARAMS 64             /* fetch result route params; TikTok sends a handful */
#define LT_TIKTOK_DEFAULT_MAX_MESSAGES 1000       /* messages kept per fetch result; TikTok sends < 100 */
#define LT_TIKTOK_UNPACK_ALLOWANCE (256u * 1024u) /* budget beyond the input's length */
#define LT_TIKTOK_MESSAGE_OVERHEAD 512u           /* budget per kept message (struct, pointer, method) */

typedef struct lt_tiktok_frame {
    uint64_t seq_id;
    uint64_t log_id;
    bool has_log_id;
    uint64_t service;
    uint64_t method;
    const char *payload_encoding; /* NULL if absent */
    const char *payload_type;     /* "msg", "hb", "im_enter_room_resp", ...; NULL if absent */
    lt_bytes payload;             /* as carried, possibly gzipped */
    const char *compress_type;    /* the compress_type header; NULL if absent */
    void *pb;                     /* the unpacked frame (Livetap__Webcast__PushFrame) */
    void *arena;                  /* the chunks pb lives in (frame.c) */
} lt_tiktok_frame;

/* Parses one push frame. On success *out must later be released; on failure
 * *out is left empty (releasing it is harmless). */
int lt_tiktok_frame_parse(const uint8_t *data, size_t len, lt_tiktok_frame *out, char *err, size_t errlen);
void lt_tiktok_frame_release(lt_tiktok_frame *frame);

/* A header's value, NULL if the frame has none by that key. */
const char *lt_tiktok_frame_header(const lt_tiktok_frame *frame, const char *key);

/* True if the bytes start with the gzip magic 1f 8b. A protobuf message can
 * never start with 0x1f (wire type 7 does not exist), so sniffing is safe. */
bool lt_tiktok_is_gzip(const uint8_t *data, size_t len);

/* Inflates a gzip stream (one or more members) into `out` (reset first).
 * More than max_out bytes, a truncated stream or bad data is an error. */
int lt_tiktok_gunzip(const uint8_t *data, size_t len, size_t max_out, lt_buf *out, char *err, size_t errlen);

/* The frame's payload, ready to parse: inflated when the compress_type header
 * says "gzip" or when the bytes carry the gzip magic, else the bytes as they
 * are. *data points into `scratch` or into the frame; *inflated says which. */
int lt_tiktok_frame_payload(const lt_tiktok_frame *frame, lt_buf *scratch, const uint8_t **data, size_t *len,
                            bool *inflated, char *err, size_t errlen);

/* --- the fetch result --- */

typedef struct lt_tiktok_fetch_result {
    size_t message_count;
    const char *cursor;    /* NULL if absent */
    lt_bytes internal_ext; /* echoed in ACKs */
    bool need_ack;
    bool is_first;
    int64_t fetch_interval_ms;     /* 0 if absent */
    int64_t now_ms;                /* server time, 0 if absent */
    int64_t heartbeat_duration_ms; /* 0 if absent */
    int32_t fetch_type;
    const char *push_server; /* NULL if absent */
    size_t route_param_count;
    size_t messages_dropped; /* messages past the per-result cap, never unpacked */
    size_t empty_messages;   /* empty entries (`0a 00`): no method, no payload; skipped */
    void *pb;                /* the unpacked result (Livetap__Webcast__FetchResult) */
    void *arena;             /* the chunks pb lives in (frame.c) */
} lt_tiktok_fetch_result;

/* Parses a fetch result keeping at most LT_TIKTOK_DEFAULT_MAX_MESSAGES
 * messages (lt_tiktok_fetch_result_parse_limited with that cap). */
int lt_tiktok_fetch_result_parse(const uint8_t *data, size_t len, lt_tiktok_fetch_result *out, char *err,
                                 size_t errlen);

/* The same with a cap of max_messages (0 = the default): the messages past
 * it, and empty message entries, are skipped on the wire before unpacking
 * (counted in messages_dropped and empty_messages), so the unpack's memory
 * is bounded by len + max_messages * LT_TIKTOK_MESSAGE_OVERHEAD + the
 * allowance. More than LT_TIKTOK_MAX_ROUTE_PARAMS route params, or bytes
 * that are not protobuf wire format, are an error. */
int lt_tiktok_fetch_result_parse_limited(const uint8_t *data, size_t len, size_t max_messages,
                                         lt_tiktok_fetch_result *out, char *err, size_t errlen);

/* Counts the top-level occurrences of field `field` in protobuf bytes (any
 * wire type). -1 if the bytes are not well-formed wire format (a bad
 * varint, a length past the end, a group or an unknown wire type). */
int lt_tiktok_wire_count(const uint8_t *data, size_t len, uint32_t field, size_t *count);

/* The last top-level occurrence of field `field` (as protobuf's "last one
 * wins"): a varint's value in *varint, a length-delimited field's bytes in
 * *value (either may be NULL). 0 found, 1 absent, -1 not wire format. */
int lt_tiktok_wire_find(const uint8_t *data, size_t len, uint32_t field, uint64_t *varint, lt_bytes *value);

void lt_tiktok_fetch_result_release(lt_tiktok_fetch_result *result);

/* The i-th route parameter (extra WebSocket query parameter); -1 if out of
 * range. Keys and values may be "" but never NULL. */
int lt_tiktok_fetch_result_route_param(const lt_tiktok_fetch_result *result, size_t i, const char **key,
                                       const char **value);

/* The i-th message's method and raw payload; -1 if out of range. */
int lt_tiktok_fetch_result_message(const lt_tiktok_fetch_result *result, size_t i, const char **method,
                                   lt_bytes *payload, int64_t *msg_id);

/* --- outgoing frames (appended to `out`) --- */

/* ACK for a frame whose fetch result had need_ack: log_id of that frame,
 * payload_type "ack", payload = internal_ext ("-" when empty, as the official
 * web client does). */
int lt_tiktok_build_ack(lt_buf *out, uint64_t log_id, const uint8_t *internal_ext, size_t internal_ext_len);

/* Heartbeat: payload_type "hb", payload HeartBeatMessage{room_id, seq}. */
int lt_tiktok_build_heartbeat(lt_buf *out, uint64_t room_id, uint64_t seq);

/* Enter-room: payload_type "im_enter_room", payload ImEnterRoomMessage with
 * live_id 12, identity "audience", filter_welcome_msg "0". enter_unique_id 0
 * and a NULL/empty cursor are omitted. */
int lt_tiktok_build_enter_room(lt_buf *out, int64_t room_id, int64_t enter_unique_id, const char *cursor);

/* A frame with everything chosen by the caller (the simulator's server side). */
typedef struct lt_tiktok_frame_spec {
    uint64_t seq_id;              /* 0: omitted */
    uint64_t log_id;              /* 0: omitted */
    const char *payload_encoding; /* NULL: omitted */
    const char *payload_type;     /* NULL: omitted */
    const char *compress_type;    /* NULL: no header */
    const uint8_t *payload;
    size_t payload_len;
} lt_tiktok_frame_spec;

int lt_tiktok_build_frame(lt_buf *out, const lt_tiktok_frame_spec *spec);

/* Gzips `data` into `out` (appended). For the simulator and tests. */
int lt_tiktok_gzip(const uint8_t *data, size_t len, lt_buf *out);

#endif
