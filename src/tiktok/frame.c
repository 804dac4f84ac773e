/* frame.c - the WebCast push frame and fetch result codec (see frame.h).
 *
 * Parsing uses the protoc-c code generated from proto/webcast.proto, which is
 * order-independent and lets a repeated non-repeated field win last, as real
 * frames need (docs/protocol/webcast.md §6.4). protobuf-c copies bytes fields on
 * unpack; for a frame that is one copy of the payload, which keeps the
 * ownership story simple (the caller's receive buffer can be reused at once).
 *
 * Gzip: the official web client requests compress=gzip; the server marks
 * compressed payloads with the header compress_type=gzip, but some peers only
 * sniff the magic bytes, so we honour the header and fall back to the magic
 * (§5.2). Inflation is bounded by the caller's limit: a frame that inflates
 * beyond it is an error, never a large allocation.
 *
 * Bounds (docs/security.md 4). protobuf-c allocates a struct and a pointer
 * per entry of a repeated field, and its scanner a record per field, so a
 * frame of empty entries (`0a 00`, two bytes each) costs fifty times its
 * size in memory and a message per entry downstream. Before unpacking, the
 * wire is walked once at the top level (no allocation): push frames with
 * more than LT_TIKTOK_MAX_HEADERS headers and fetch results with more than
 * LT_TIKTOK_MAX_ROUTE_PARAMS route params are refused, and a fetch result
 * keeps only its first max_messages non-empty messages (the rest are cut
 * from a copy of the wire and counted). Every unpack then runs against a
 * byte budget: an allocator that refuses past the input's length plus a
 * fixed allowance, so no input makes an unpack allocate more. The allocator
 * is an arena (a few chunks per frame, freed at once on release).
 *
 * Builders write exactly the byte layouts of section 5 (checked by the unit
 * tests against the document's vectors): protobuf-c emits proto2 optional
 * fields only when their has_ flag is set, in field-number order.
 */
#include "tiktok/frame.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "webcast.pb-c.h"

#define ERR(...) (err && errlen ? (void)snprintf(err, errlen, __VA_ARGS__) : (void)0)

/* ------------------------------------------------------------------ the wire */

/* One varint at p (at most 10 bytes); bytes used, 0 if malformed or cut. */
static size_t wire_varint(const uint8_t *p, size_t n, uint64_t *v)
{
    uint64_t x = 0;
    for (size_t i = 0; i < n && i < 10; i++) {
        x |= (uint64_t)(p[i] & 0x7f) << (7 * i);
        if (!(p[i] & 0x80)) {
            *v = x;
            return i + 1;
        }
    }
    return 0;
}

/* The field at data[*pos]: its number, wire type, and where its value
 * (for wire type 2: the bytes after the length) starts and ends. */
typedef struct wire_field {
    uint32_t number;
    unsigned type;
    size_t start, value, end; /* the tag's offset, the value's, one past the field */
} wire_field;

static int wire_next(const uint8_t *data, size_t len, size_t pos, wire_field *f)
{
    uint64_t tag, v;
    size_t n = wire_varint(data + pos, len - pos, &tag);
    if (!n || tag >> 3 == 0 || tag >> 3 > 0x1fffffff)
        return -1;
    f->start = pos;
    f->number = (uint32_t)(tag >> 3);
    f->type = (unsigned)(tag & 7);
    pos += n;
    f->value = pos;
    switch (f->type) {
    case 0:
        n = wire_varint(data + pos, len - pos, &v);
        if (!n)
            return -1;
        pos += n;
        break;
    case 1:
        if (len - pos < 8)
            return -1;
        pos += 8;
        break;
    case 2:
        n = wire_varint(data + pos, len - pos, &v);
        if (!n || v > len - pos - n)
            return -1;
        f->value = pos + n;
        pos += n + (size_t)v;
        break;
    case 5:
        if (len - pos < 4)
            return -1;
        pos += 4;
        break;
    default: return -1; /* groups (3, 4) are not in any WebCast schema; 6, 7 do not exist */
    }
    f->end = pos;
    return 0;
}

int lt_tiktok_wire_count(const uint8_t *data, size_t len, uint32_t field, size_t *count)
{
    *count = 0;
    if (!data && len)
        return -1;
    for (size_t pos = 0; pos < len;) {
        wire_field f;
        if (wire_next(data, len, pos, &f) != 0)
            return -1;
        *count += f.number == field;
        pos = f.end;
    }
    return 0;
}

int lt_tiktok_wire_find(const uint8_t *data, size_t len, uint32_t field, uint64_t *varint, lt_bytes *value)
{
    int found = 1;
    if (!data && len)
        return -1;
    for (size_t pos = 0; pos < len;) {
        wire_field f;
        if (wire_next(data, len, pos, &f) != 0)
            return -1;
        pos = f.end;
        if (f.number != field)
            continue;
        if (f.type == 0 && varint) {
            wire_varint(data + f.value, f.end - f.value, varint);
            found = 0;
        }
        if (f.type == 2 && value) {
            value->data = data + f.value;
            value->len = f.end - f.value;
            found = 0;
        }
    }
    return found;
}

/* protobuf-c allocator with a byte budget and an arena underneath: an
 * allocation is a pointer increment in a chunk, free is a no-op, and the
 * whole unpacked message goes at once with its chunks (pb_arena_free), so a
 * frame costs one or two mallocs instead of one per sub-message, string and
 * array, and no walk of the message to free it (issue 21). */
typedef struct pb_chunk {
    struct pb_chunk *next;
    size_t cap, used;
    max_align_t data[];
} pb_chunk;

#define PB_CHUNK_MIN (16u * 1024u)

typedef struct pb_budget {
    ProtobufCAllocator allocator;
    size_t left;
    bool exhausted;
    pb_chunk *chunks; /* newest first */
} pb_budget;

static void *budget_alloc(void *data, size_t size)
{
    pb_budget *b = data;
    if (size > b->left) {
        b->exhausted = true;
        return NULL;
    }
    size_t need = (size + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    pb_chunk *c = b->chunks;
    if (!c || c->cap - c->used < need) {
        size_t cap = need > PB_CHUNK_MIN ? need : PB_CHUNK_MIN;
        c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->cap = cap;
        c->used = 0;
        c->next = b->chunks;
        b->chunks = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += need;
    b->left -= size;
    return p;
}

static void budget_free(void *data, void *ptr)
{
    (void)data, (void)ptr; /* the chunks go at once (pb_arena_free) */
}

static void pb_arena_free(void *arena)
{
    for (pb_chunk *c = arena, *next; c; c = next) {
        next = c->next;
        free(c);
    }
}

static void budget_init(pb_budget *b, size_t len, size_t extra)
{
    b->allocator.alloc = budget_alloc;
    b->allocator.free = budget_free;
    b->allocator.allocator_data = b;
    b->left = len + extra + LT_TIKTOK_UNPACK_ALLOWANCE;
    b->exhausted = false;
    b->chunks = NULL;
}

/* ------------------------------------------------------------------ parsing */

int lt_tiktok_frame_parse(const uint8_t *data, size_t len, lt_tiktok_frame *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!data && len) {
        ERR("push frame: no data");
        return -1;
    }
    size_t headers;
    if (lt_tiktok_wire_count(data, len, 5, &headers) != 0) {
        ERR("push frame: not a valid PushFrame (not protobuf wire format, %zu bytes)", len);
        return -1;
    }
    if (headers > LT_TIKTOK_MAX_HEADERS) {
        ERR("push frame: %zu headers, more than %u", headers, LT_TIKTOK_MAX_HEADERS);
        return -1;
    }
    pb_budget budget;
    budget_init(&budget, len, 0);
    Livetap__Webcast__PushFrame *pb = livetap__webcast__push_frame__unpack(&budget.allocator, len, data);
    if (!pb) {
        pb_arena_free(budget.chunks);
        if (budget.exhausted)
            ERR("push frame: unpacking %zu bytes needed more than %zu bytes of memory", len,
                len + LT_TIKTOK_UNPACK_ALLOWANCE);
        else
            ERR("push frame: not a valid PushFrame (%zu bytes)", len);
        return -1;
    }
    out->pb = pb;
    out->arena = budget.chunks;
    out->seq_id = pb->seq_id;
    out->log_id = pb->log_id;
    out->has_log_id = pb->has_log_id;
    out->service = pb->service;
    out->method = pb->method;
    out->payload_encoding = pb->payload_encoding;
    out->payload_type = pb->payload_type;
    if (pb->has_payload) {
        out->payload.data = pb->payload.data;
        out->payload.len = pb->payload.len;
    }
    out->compress_type = lt_tiktok_frame_header(out, "compress_type");
    return 0;
}

void lt_tiktok_frame_release(lt_tiktok_frame *frame)
{
    if (!frame)
        return;
    pb_arena_free(frame->arena); /* frame->pb lives in it */
    memset(frame, 0, sizeof *frame);
}

const char *lt_tiktok_frame_header(const lt_tiktok_frame *frame, const char *key)
{
    const Livetap__Webcast__PushFrame *pb = frame ? frame->pb : NULL;
    if (!pb || !key)
        return NULL;
    /* a map: the last entry with a key wins, as in protobuf map semantics */
    const char *found = NULL;
    for (size_t i = 0; i < pb->n_headers; i++) {
        const Livetap__Webcast__StringPair *h = pb->headers[i];
        if (h->key && strcmp(h->key, key) == 0)
            found = h->value ? h->value : "";
    }
    return found;
}

bool lt_tiktok_is_gzip(const uint8_t *data, size_t len)
{
    return data && len >= 2 && data[0] == 0x1f && data[1] == 0x8b;
}

int lt_tiktok_gunzip(const uint8_t *data, size_t len, size_t max_out, lt_buf *out, char *err, size_t errlen)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    lt_buf_reset(out);
    if (!lt_tiktok_is_gzip(data, len)) {
        ERR("gzip: no gzip header");
        return -1;
    }
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
        ERR("gzip: inflateInit2 failed");
        return -1;
    }
    int rc = -1;
    zs.next_in = (Bytef *)data;
    size_t in_left = len;
    /* first guess: payloads compress about 4:1 */
    size_t step = len < 1024 ? 4096 : len * 4;
    for (;;) {
        if (out->len >= max_out + 1) {
            ERR("gzip: inflated size exceeds %zu bytes", max_out);
            goto done;
        }
        size_t room = step;
        if (room > max_out + 1 - out->len)
            room = max_out + 1 - out->len; /* one byte more than allowed detects overflow */
        if (lt_buf_reserve(out, room)) {
            ERR("gzip: out of memory");
            goto done;
        }
        uInt in_chunk = in_left > 0x40000000u ? 0x40000000u : (uInt)in_left;
        uInt out_chunk = room > 0x40000000u ? 0x40000000u : (uInt)room;
        zs.avail_in = in_chunk;
        zs.next_out = out->data + out->len;
        zs.avail_out = out_chunk;
        int zr = inflate(&zs, Z_NO_FLUSH);
        in_left -= in_chunk - zs.avail_in;
        out->len += out_chunk - zs.avail_out;
        if (out->len > max_out) {
            ERR("gzip: inflated size exceeds %zu bytes", max_out);
            goto done;
        }
        if (zr == Z_STREAM_END) {
            /* concatenated members are one stream (RFC 1952 2.2); anything
             * else after the end is corruption */
            if (in_left == 0) {
                rc = 0;
                goto done;
            }
            if (!lt_tiktok_is_gzip(zs.next_in, in_left)) {
                ERR("gzip: %zu bytes of trailing data", in_left);
                goto done;
            }
            if (inflateReset(&zs) != Z_OK) {
                ERR("gzip: inflateReset failed");
                goto done;
            }
            continue;
        }
        /* no progress possible with output room left: the input ran out */
        if (zr == Z_BUF_ERROR && zs.avail_out > 0) {
            ERR("gzip: truncated stream");
            goto done;
        }
        if (zr != Z_OK && zr != Z_BUF_ERROR) {
            ERR("gzip: %s", zs.msg ? zs.msg : "corrupt data");
            goto done;
        }
        if (in_left == 0 && zs.avail_out > 0) {
            ERR("gzip: truncated stream");
            goto done;
        }
        if (step < (size_t)64 * 1024 * 1024)
            step *= 2;
    }
done:
    inflateEnd(&zs);
    if (rc)
        lt_buf_reset(out);
    return rc;
}

int lt_tiktok_frame_payload(const lt_tiktok_frame *frame, lt_buf *scratch, const uint8_t **data, size_t *len,
                            bool *inflated, char *err, size_t errlen)
{
    const uint8_t *p = frame->payload.data;
    size_t n = frame->payload.len;
    bool by_header = frame->compress_type && strcmp(frame->compress_type, "gzip") == 0;
    if (inflated)
        *inflated = false;
    if (by_header || lt_tiktok_is_gzip(p, n)) {
        if (lt_tiktok_gunzip(p, n, LT_TIKTOK_MAX_INFLATED, scratch, err, errlen))
            return -1;
        *data = scratch->data;
        *len = scratch->len;
        if (inflated)
            *inflated = true;
        return 0;
    }
    *data = p;
    *len = n;
    return 0;
}

int lt_tiktok_fetch_result_parse(const uint8_t *data, size_t len, lt_tiktok_fetch_result *out, char *err,
                                 size_t errlen)
{
    return lt_tiktok_fetch_result_parse_limited(data, len, 0, out, err, errlen);
}

/* Walks a fetch result's top level: counts route params, messages, empty
 * message entries; with `trimmed` set, copies every field but the empty
 * messages and those past max_messages into it. */
static int scan_fetch_result(const uint8_t *data, size_t len, size_t max_messages,
                             lt_tiktok_fetch_result *out, size_t *routes, lt_buf *trimmed)
{
    size_t kept = 0;
    *routes = 0;
    out->messages_dropped = out->empty_messages = 0;
    for (size_t pos = 0; pos < len;) {
        wire_field f;
        if (wire_next(data, len, pos, &f) != 0)
            return -1;
        pos = f.end;
        bool copy = true;
        if (f.number == 7)
            ++*routes;
        if (f.number == 1 && f.type == 2) {
            if (f.end == f.value) {
                out->empty_messages++;
                copy = false;
            } else if (kept >= max_messages) {
                out->messages_dropped++;
                copy = false;
            } else {
                kept++;
            }
        }
        if (copy && trimmed && lt_buf_append(trimmed, data + f.start, f.end - f.start) != 0)
            return -2;
    }
    return 0;
}

int lt_tiktok_fetch_result_parse_limited(const uint8_t *data, size_t len, size_t max_messages,
                                         lt_tiktok_fetch_result *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!data && len) {
        ERR("fetch result: no data");
        return -1;
    }
    if (max_messages == 0)
        max_messages = LT_TIKTOK_DEFAULT_MAX_MESSAGES;
    size_t routes;
    if (scan_fetch_result(data, len, max_messages, out, &routes, NULL) != 0) {
        ERR("fetch result: not a valid FetchResult (not protobuf wire format, %zu bytes)", len);
        return -1;
    }
    if (routes > LT_TIKTOK_MAX_ROUTE_PARAMS) {
        ERR("fetch result: %zu route params, more than %u", routes, LT_TIKTOK_MAX_ROUTE_PARAMS);
        return -1;
    }
    lt_buf trimmed = LT_BUF_INIT;
    if (out->messages_dropped || out->empty_messages) {
        /* unpack a copy without the skipped entries: protobuf-c would
         * otherwise allocate every one of them */
        if (lt_buf_reserve(&trimmed, len) != 0 ||
            scan_fetch_result(data, len, max_messages, out, &routes, &trimmed) != 0) {
            lt_buf_free(&trimmed);
            ERR("fetch result: out of memory");
            return -1;
        }
        data = trimmed.data;
        len = trimmed.len;
    }
    pb_budget budget;
    budget_init(&budget, len, max_messages * LT_TIKTOK_MESSAGE_OVERHEAD);
    Livetap__Webcast__FetchResult *pb = livetap__webcast__fetch_result__unpack(&budget.allocator, len, data);
    lt_buf_free(&trimmed);
    if (!pb) {
        pb_arena_free(budget.chunks);
        if (budget.exhausted)
            ERR("fetch result: unpacking %zu bytes needed more memory than its budget", len);
        else
            ERR("fetch result: not a valid FetchResult (%zu bytes)", len);
        size_t dropped = out->messages_dropped, empty = out->empty_messages;
        memset(out, 0, sizeof *out);
        out->messages_dropped = dropped;
        out->empty_messages = empty;
        return -1;
    }
    out->pb = pb;
    out->arena = budget.chunks;
    out->message_count = pb->n_messages;
    out->cursor = pb->cursor;
    if (pb->has_internal_ext) {
        out->internal_ext.data = pb->internal_ext.data;
        out->internal_ext.len = pb->internal_ext.len;
    }
    out->need_ack = pb->has_need_ack && pb->need_ack;
    out->is_first = pb->has_is_first && pb->is_first;
    out->fetch_interval_ms = pb->fetch_interval;
    out->now_ms = pb->now;
    out->heartbeat_duration_ms = pb->heartbeat_duration;
    out->fetch_type = pb->fetch_type;
    out->push_server = pb->push_server;
    out->route_param_count = pb->n_route_params;
    return 0;
}

void lt_tiktok_fetch_result_release(lt_tiktok_fetch_result *result)
{
    if (!result)
        return;
    pb_arena_free(result->arena); /* result->pb lives in it */
    memset(result, 0, sizeof *result);
}

int lt_tiktok_fetch_result_route_param(const lt_tiktok_fetch_result *result, size_t i, const char **key,
                                       const char **value)
{
    const Livetap__Webcast__FetchResult *pb = result ? result->pb : NULL;
    if (!pb || i >= pb->n_route_params)
        return -1;
    *key = pb->route_params[i]->key ? pb->route_params[i]->key : "";
    *value = pb->route_params[i]->value ? pb->route_params[i]->value : "";
    return 0;
}

int lt_tiktok_fetch_result_message(const lt_tiktok_fetch_result *result, size_t i, const char **method,
                                   lt_bytes *payload, int64_t *msg_id)
{
    const Livetap__Webcast__FetchResult *pb = result ? result->pb : NULL;
    if (!pb || i >= pb->n_messages)
        return -1;
    const Livetap__Webcast__FetchResult__Message *m = pb->messages[i];
    if (method)
        *method = m->method ? m->method : "";
    if (payload) {
        payload->data = m->has_payload ? m->payload.data : NULL;
        payload->len = m->has_payload ? m->payload.len : 0;
    }
    if (msg_id)
        *msg_id = m->msg_id;
    return 0;
}

/* ------------------------------------------------------------------ building */

static int pack_append(lt_buf *out, const ProtobufCMessage *msg)
{
    size_t n = protobuf_c_message_get_packed_size(msg);
    if (lt_buf_reserve(out, n))
        return -1;
    size_t written = protobuf_c_message_pack(msg, out->data + out->len);
    out->len += written;
    return written == n ? 0 : -1;
}

int lt_tiktok_build_frame(lt_buf *out, const lt_tiktok_frame_spec *spec)
{
    Livetap__Webcast__PushFrame f = LIVETAP__WEBCAST__PUSH_FRAME__INIT;
    Livetap__Webcast__StringPair header = LIVETAP__WEBCAST__STRING_PAIR__INIT;
    Livetap__Webcast__StringPair *headers[1] = {&header};
    if (spec->seq_id) {
        f.has_seq_id = 1;
        f.seq_id = spec->seq_id;
    }
    if (spec->log_id) {
        f.has_log_id = 1;
        f.log_id = spec->log_id;
    }
    if (spec->compress_type) {
        header.key = (char *)"compress_type";
        header.value = (char *)spec->compress_type;
        f.n_headers = 1;
        f.headers = headers;
    }
    f.payload_encoding = (char *)spec->payload_encoding;
    f.payload_type = (char *)spec->payload_type;
    if (spec->payload || spec->payload_len) {
        f.has_payload = 1;
        f.payload.data = (uint8_t *)spec->payload;
        f.payload.len = spec->payload_len;
    }
    return pack_append(out, &f.base);
}

int lt_tiktok_build_ack(lt_buf *out, uint64_t log_id, const uint8_t *internal_ext, size_t internal_ext_len)
{
    Livetap__Webcast__PushFrame f = LIVETAP__WEBCAST__PUSH_FRAME__INIT;
    f.has_log_id = 1; /* an ACK names the frame it acknowledges, even log_id 0 */
    f.log_id = log_id;
    f.payload_encoding = (char *)"pb";
    f.payload_type = (char *)"ack";
    f.has_payload = 1;
    if (internal_ext && internal_ext_len) {
        f.payload.data = (uint8_t *)internal_ext;
        f.payload.len = internal_ext_len;
    } else {
        f.payload.data = (uint8_t *)"-";
        f.payload.len = 1;
    }
    return pack_append(out, &f.base);
}

int lt_tiktok_build_heartbeat(lt_buf *out, uint64_t room_id, uint64_t seq)
{
    Livetap__Webcast__HeartBeatMessage hb = LIVETAP__WEBCAST__HEART_BEAT_MESSAGE__INIT;
    hb.has_room_id = 1;
    hb.room_id = room_id;
    hb.has_send_packet_seq_id = 1;
    hb.send_packet_seq_id = seq;
    uint8_t payload[32]; /* two varints and their tags: at most 22 bytes */
    size_t n = livetap__webcast__heart_beat_message__pack(&hb, payload);
    Livetap__Webcast__PushFrame f = LIVETAP__WEBCAST__PUSH_FRAME__INIT;
    f.payload_encoding = (char *)"pb";
    f.payload_type = (char *)"hb";
    f.has_payload = 1;
    f.payload.data = payload;
    f.payload.len = n;
    return pack_append(out, &f.base);
}

int lt_tiktok_build_enter_room(lt_buf *out, int64_t room_id, int64_t enter_unique_id, const char *cursor)
{
    Livetap__Webcast__ImEnterRoomMessage m = LIVETAP__WEBCAST__IM_ENTER_ROOM_MESSAGE__INIT;
    m.has_room_id = 1;
    m.room_id = room_id;
    m.has_live_id = 1;
    m.live_id = 12; /* static in every client */
    m.identity = (char *)"audience";
    if (cursor && *cursor)
        m.cursor = (char *)cursor;
    if (enter_unique_id) {
        m.has_enter_unique_id = 1;
        m.enter_unique_id = enter_unique_id;
    }
    m.filter_welcome_msg = (char *)"0";
    lt_buf payload = LT_BUF_INIT;
    int rc = pack_append(&payload, &m.base);
    if (rc == 0) {
        Livetap__Webcast__PushFrame f = LIVETAP__WEBCAST__PUSH_FRAME__INIT;
        f.payload_encoding = (char *)"pb";
        f.payload_type = (char *)"im_enter_room";
        f.has_payload = 1;
        f.payload.data = payload.data;
        f.payload.len = payload.len;
        rc = pack_append(out, &f.base);
    }
    lt_buf_free(&payload);
    return rc;
}

int lt_tiktok_gzip(const uint8_t *data, size_t len, lt_buf *out)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    int rc = -1;
    size_t bound = deflateBound(&zs, (uLong)len) + 32;
    if (len > 0x40000000u || lt_buf_reserve(out, bound))
        goto done;
    zs.next_in = (Bytef *)data;
    zs.avail_in = (uInt)len;
    zs.next_out = out->data + out->len;
    zs.avail_out = (uInt)bound;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
        goto done;
    out->len += bound - zs.avail_out;
    rc = 0;
done:
    deflateEnd(&zs);
    return rc;
}
