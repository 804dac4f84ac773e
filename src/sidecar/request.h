/* request.h - what a WebSocket client asks for: /ws/{room_id}?types=&since=&cursor=&access_token=
 *
 * Parsing is separate from the server so that it can be unit-tested and
 * fuzzed: every byte here comes from the network. All lengths are bounded
 * (room ids, the query, tokens, cursors); anything malformed is an error the
 * client can act on, with a message and details that end up in the
 * {"type":"error",...} frame before close 1008.
 *
 * The cursor. Each frame carries the Kafka position just after it, for every
 * topic the sidecar reads: (event type, partition, next offset) of the room's
 * partition in that topic. Because a room's records all live in one
 * partition per topic (the key is the room id), this short list is a
 * complete resume point: resuming from it re-reads each partition from its
 * offset, which delivers exactly the room's records after that frame. On
 * the wire it is "1" followed by base64url (no padding) of varints: type,
 * partition, offset, repeated.
 */
#ifndef LT_SIDECAR_REQUEST_H
#define LT_SIDECAR_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/contract.h" /* LT_ROOM_ID_MAX, lt_room_id_valid */
#include "core/event.h"

#define LT_SIDECAR_TOKEN_MAX 4096
#define LT_SIDECAR_CURSOR_MAX_ENTRIES 64
#define LT_SIDECAR_CURSOR_TEXT_MAX 1024
#define LT_SIDECAR_QUERY_MAX 8192

typedef struct lt_sidecar_cursor_entry {
    uint32_t type;      /* lt_event_type */
    int32_t partition;
    int64_t offset;     /* the next offset to read */
} lt_sidecar_cursor_entry;

typedef struct lt_sidecar_cursor {
    size_t count;
    lt_sidecar_cursor_entry entries[LT_SIDECAR_CURSOR_MAX_ENTRIES];
} lt_sidecar_cursor;

/* The type mask bit of each lt_event_type (room_status is "status"). */
#define LT_SIDECAR_TYPE_BIT(t) (UINT64_C(1) << (unsigned)(t))
#define LT_SIDECAR_ALL_TYPES \
    (LT_EVENT_TYPE_COUNT >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << LT_EVENT_TYPE_COUNT) - 1u)
_Static_assert(LT_EVENT_TYPE_COUNT <= 64, "the type filter is a 64-bit mask");

typedef struct lt_sidecar_request {
    char room_id[LT_ROOM_ID_MAX + 1];
    uint64_t types;           /* mask of LT_SIDECAR_TYPE_BIT; ALL if no filter */
    bool has_since;
    int64_t since_ms;
    bool has_cursor;
    lt_sidecar_cursor cursor;
    char token[LT_SIDECAR_TOKEN_MAX + 1]; /* access_token=, "" if absent */
} lt_sidecar_request;

typedef struct lt_sidecar_error {
    int code;           /* the close code to send, 0 = 1008 */
    char message[128];
    char details[384];
} lt_sidecar_error;

/* Parses the request target's path ("/ws/<room_id>", percent-encoded) and
 * query ("a=b&c=d", percent-encoded, may be NULL). 0 on success; -1 with
 * err filled (the client gets it, then close 1008). */
int lt_sidecar_request_parse(const char *path, const char *query, lt_sidecar_request *req,
                             lt_sidecar_error *err);

/* types=chat,gift -> mask. "status" and "room_status" both name room_status. */
int lt_sidecar_types_parse(const char *list, uint64_t *mask, lt_sidecar_error *err);

/* Percent-decodes src[0..len) into dst (capacity cap, NUL-terminated);
 * '+' stays '+'. -1 on a bad escape, an encoded NUL, or overflow. */
int lt_sidecar_percent_decode(const char *src, size_t len, char *dst, size_t cap);

/* Cursor text <-> entries. encode returns the text length or -1 if it does
 * not fit `cap` (incl. NUL). */
int lt_sidecar_cursor_encode(const lt_sidecar_cursor *cur, char *out, size_t cap);
int lt_sidecar_cursor_decode(const char *text, lt_sidecar_cursor *cur, lt_sidecar_error *err);

/* base64url without padding; decode returns the byte count or -1. */
size_t lt_sidecar_b64url_encode(const uint8_t *src, size_t len, char *out, size_t cap);
long lt_sidecar_b64url_decode(const char *src, size_t len, uint8_t *out, size_t cap);

#endif
