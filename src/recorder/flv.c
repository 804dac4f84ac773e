/* flv.c - an incremental FLV tag reader (docs/recorder.md).
 *
 * FLV is a 9-byte header ("FLV", version, flags, header size) and then
 * tags, each followed by a 4-byte PreviousTagSize: type (8 audio, 9 video,
 * 18 script), 24-bit data size, 24-bit timestamp + 8-bit extension (ms),
 * 24-bit stream id, data. A video tag's first byte is frame type (high
 * nibble, 1 = keyframe) and codec (low nibble, 7 = AVC); AVC's second byte
 * is 0 for the sequence header. Audio codec 10 (AAC): second byte 0 = the
 * sequence header.
 *
 * Bytes come in any pieces (a network read); a tag is handed on whole. Bad
 * input (not FLV, a tag over the size limit, an encrypted or unknown tag
 * type) is an error the caller counts and answers by reconnecting.
 */
#include <stdlib.h>
#include <string.h>

#include "recorder/recorder.h"

void lt_flv_reader_init(lt_flv_reader *r, size_t max_tag)
{
    memset(r, 0, sizeof *r);
    r->max_tag = max_tag ? max_tag : LT_FLV_MAX_TAG;
}

void lt_flv_reader_free(lt_flv_reader *r)
{
    lt_buf_free(&r->pending);
}

static int fail(lt_flv_reader *r, const char *why)
{
    r->error = why;
    return -1;
}

/* One whole unit (header or tag + PreviousTagSize) is at `p`. */
static int deliver_tag(lt_flv_reader *r, const uint8_t *p, size_t size, lt_flv_tag_cb cb, void *ctx)
{
    lt_flv_tag tag;
    memset(&tag, 0, sizeof tag);
    tag.type = p[0] & 0x1f;
    if (p[0] & 0x20)
        return fail(r, "an encrypted (filtered) FLV tag");
    if (tag.type != LT_FLV_AUDIO && tag.type != LT_FLV_VIDEO && tag.type != LT_FLV_SCRIPT)
        return fail(r, "an FLV tag of an unknown type");
    tag.time_ms = (uint32_t)p[4] << 16 | (uint32_t)p[5] << 8 | p[6] | (uint32_t)p[7] << 24;
    tag.data = p + 11;
    tag.data_len = size - 15;
    tag.raw = p;
    tag.raw_len = size;
    if (tag.type == LT_FLV_VIDEO && tag.data_len >= 1) {
        tag.keyframe = (tag.data[0] >> 4) == 1;
        tag.sequence_header = (tag.data[0] & 0x0f) == 7 && tag.data_len >= 2 && tag.data[1] == 0;
    } else if (tag.type == LT_FLV_AUDIO && tag.data_len >= 2)
        tag.sequence_header = (tag.data[0] >> 4) == 10 && tag.data[1] == 0;
    r->tags++;
    return cb ? cb(ctx, &tag) : 0;
}

/* How many bytes the unit starting at `p` (with `have` bytes) needs; 0
 * when not yet known. */
static size_t unit_size(lt_flv_reader *r, const uint8_t *p, size_t have)
{
    if (!r->header_done) {
        if (have < 9)
            return 0;
        size_t hs = (size_t)p[5] << 24 | (size_t)p[6] << 16 | (size_t)p[7] << 8 | p[8];
        return hs + 4;
    }
    if (have < 4)
        return 0;
    return 11 + ((size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3]) + 4;
}

static int take_unit(lt_flv_reader *r, const uint8_t *p, size_t size, lt_flv_tag_cb cb, void *ctx)
{
    if (r->header_done)
        return deliver_tag(r, p, size, cb, ctx);
    if (memcmp(p, "FLV", 3) != 0 || p[3] != 1)
        return fail(r, "not an FLV stream (no FLV version 1 header)");
    r->header_done = true;
    r->has_audio = p[4] & 4;
    r->has_video = p[4] & 1;
    return 0;
}

static int check_size(lt_flv_reader *r, size_t size)
{
    if (!r->header_done && (size < 13 || size > 1024))
        return fail(r, "an FLV header of an impossible size");
    if (r->header_done && size > r->max_tag)
        return fail(r, "an FLV tag over the size limit");
    return 0;
}

int lt_flv_reader_feed(lt_flv_reader *r, const uint8_t *data, size_t len, lt_flv_tag_cb cb, void *ctx)
{
    if (r->error)
        return -1;
    while (len) {
        if (r->pending.len) {
            /* complete the unit begun in an earlier piece */
            size_t need = unit_size(r, r->pending.data, r->pending.len);
            size_t want = need ? need - r->pending.len : (r->header_done ? 4 : 9) - r->pending.len;
            size_t take = want < len ? want : len;
            if (need && check_size(r, need))
                return -1;
            if (lt_buf_append(&r->pending, data, take))
                return fail(r, "out of memory");
            data += take;
            len -= take;
            need = unit_size(r, r->pending.data, r->pending.len);
            if (need && check_size(r, need))
                return -1;
            if (!need || r->pending.len < need)
                continue;
            int rc = take_unit(r, r->pending.data, need, cb, ctx);
            lt_buf_reset(&r->pending);
            if (rc)
                return -1;
            continue;
        }
        size_t need = unit_size(r, data, len);
        if (need && check_size(r, need))
            return -1;
        if (!need || len < need) {
            if (lt_buf_append(&r->pending, data, len))
                return fail(r, "out of memory");
            return 0;
        }
        if (take_unit(r, data, need, cb, ctx))
            return -1;
        data += need;
        len -= need;
    }
    return 0;
}
