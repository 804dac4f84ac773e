/* frame.h - the WebCast push frame and fetch result codec.
 *
 * Every WebSocket binary message to and from TikTok's push server is a
 * PushFrame (webcast-protocol.md section 5). An inbound "msg" frame carries a
 * FetchResult (section 3), possibly gzipped; the client answers with "ack"
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
    const char *cursor;            /* NULL if absent */
    lt_bytes internal_ext;         /* echoed in ACKs */
    bool need_ack;
    bool is_first;
    int64_t fetch_interval_ms;     /* 0 if absent */
    int64_t now_ms;                /* server time, 0 if absent */
    int64_t heartbeat_duration_ms; /* 0 if absent */
    int32_t fetch_type;
    const char *push_server;       /* NULL if absent */
    size_t route_param_count;
    void *pb;                      /* the unpacked result (Livetap__Webcast__FetchResult) */
} lt_tiktok_fetch_result;

int lt_tiktok_fetch_result_parse(const uint8_t *data, size_t len, lt_tiktok_fetch_result *out, char *err,
                                 size_t errlen);
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
