/* room_status.c - reading a room_status record as far as a handover needs
 * (tiktok/handover.h): the schema's leading fields, in the order of
 * schemas/room_status.avsc (fields are only ever added at the end, so a
 * newer writer still reads). Records come from Kafka, where any producer
 * can write: every length and varint is bounded by the record.
 */
#include <stdbool.h>
#include <string.h>

#include "tiktok/handover.h"

typedef struct reader {
    const uint8_t *p, *end;
} reader;

static int read_long(reader *rd, int64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (rd->p >= rd->end)
            return -1;
        uint8_t b = *rd->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
            return 0;
        }
    }
    return -1;
}

/* A string into out (NUL-terminated); out == NULL skips it. */
static int read_string(reader *rd, char *out, size_t outlen)
{
    int64_t n;
    if (read_long(rd, &n) || n < 0 || n > rd->end - rd->p)
        return -1;
    if (out) {
        if ((size_t)n >= outlen)
            return -1;
        memcpy(out, rd->p, (size_t)n);
        out[n] = '\0';
    }
    rd->p += n;
    return 0;
}

/* ["null", "string"] */
static int read_optional_string(reader *rd, char *out, size_t outlen)
{
    int64_t branch;
    if (read_long(rd, &branch) || (branch != 0 && branch != 1))
        return -1;
    if (branch == 0) {
        if (out)
            out[0] = '\0';
        return 0;
    }
    return read_string(rd, out, outlen);
}

int lt_tiktok_room_status_decode(const void *value, size_t len, lt_tiktok_peer_status *out)
{
    const uint8_t *v = value;
    memset(out, 0, sizeof *out);
    reader rd = {v, v + len};
    if (len >= 5 && v[0] == 0x00)
        rd.p += 5; /* Confluent: magic 0, schema id */
    else if (len >= 10 && v[0] == 0xc3 && v[1] == 0x01)
        rd.p += 10; /* single-object: C3 01, fingerprint */
    else
        return -1;
    int64_t skip;
    /* platform, room_id, msg_id, event_time, ingest_time, collector_id,
     * state, reason, message, input: room_status.avsc's order */
    if (read_string(&rd, NULL, 0) || read_string(&rd, out->room_id, sizeof out->room_id) ||
        read_long(&rd, &skip) || read_long(&rd, &out->event_time) || read_long(&rd, &skip) ||
        read_string(&rd, out->collector_id, sizeof out->collector_id) ||
        read_string(&rd, out->state, sizeof out->state) ||
        read_optional_string(&rd, out->reason, sizeof out->reason) || read_optional_string(&rd, NULL, 0) ||
        read_optional_string(&rd, out->input, sizeof out->input))
        return -1;
    return 0;
}

bool lt_tiktok_room_state_final(const char *state)
{
    return !strcmp(state, "ended") || !strcmp(state, "offline") || !strcmp(state, "error");
}
