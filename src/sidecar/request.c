/* request.c - parsing of the WebSocket request target, type filters and
 * resume cursors. See request.h; every input here is hostile and bounded.
 */
#include "sidecar/request.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void set_error(lt_sidecar_error *err, const char *message, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_error(lt_sidecar_error *err, const char *message, const char *fmt, ...)
{
    if (!err)
        return;
    snprintf(err->message, sizeof(err->message), "%s", message);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->details, sizeof(err->details), fmt, ap);
    va_end(ap);
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

int lt_sidecar_percent_decode(const char *src, size_t len, char *dst, size_t cap)
{
    size_t o = 0;
    if (cap == 0)
        return -1;
    for (size_t i = 0; i < len; i++) {
        char ch = src[i];
        if (ch == '%') {
            if (i + 2 >= len)
                return -1;
            int hi = hexval(src[i + 1]), lo = hexval(src[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            ch = (char)(hi << 4 | lo);
            if (ch == '\0')
                return -1;
            i += 2;
        } else if (ch == '\0') {
            return -1;
        }
        if (o + 1 >= cap)
            return -1;
        dst[o++] = ch;
    }
    dst[o] = '\0';
    return (int)o;
}

int lt_sidecar_types_parse(const char *list, uint64_t *mask, lt_sidecar_error *err)
{
    uint64_t m = 0;
    const char *p = list;
    if (!list || !*list) {
        set_error(err, "empty type filter", "types= needs a comma-separated list of event types");
        return -1;
    }
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char name[32];
        if (n == 0 || n >= sizeof(name)) {
            set_error(err, "unknown type in filter", "an entry of types= is empty or too long");
            return -1;
        }
        memcpy(name, p, n);
        name[n] = '\0';
        lt_event_type t;
        if (strcmp(name, "status") == 0)
            t = LT_EVENT_ROOM_STATUS;
        else if (lt_event_type_from_name(name, &t) < 0 || lt_event_type_info_get(t)->compacted) {
            char known[384] = "status";
            for (int i = 0; i < LT_EVENT_TYPE_COUNT; i++) {
                const lt_event_type_info *info = lt_event_type_info_get((lt_event_type)i);
                if (info && i != LT_EVENT_ROOM_STATUS && !info->compacted) {
                    strncat(known, ", ", sizeof(known) - strlen(known) - 1);
                    strncat(known, info->name, sizeof(known) - strlen(known) - 1);
                }
            }
            set_error(err, "unknown type in filter", "'%s' is not an event type of a room; known types: %s",
                      name, known);
            return -1;
        }
        m |= LT_SIDECAR_TYPE_BIT(t);
        p = end ? end + 1 : p + n;
        if (end && !*p) {
            set_error(err, "unknown type in filter", "types= ends with a comma");
            return -1;
        }
    }
    *mask = m;
    return 0;
}

static int parse_epoch_ms(const char *text, int64_t *out)
{
    if (!*text || strlen(text) > 19)
        return -1;
    for (const char *p = text; *p; p++)
        if (!isdigit((unsigned char)*p))
            return -1;
    errno = 0;
    char *end = NULL;
    long long v = strtoll(text, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

int lt_sidecar_request_parse(const char *path, const char *query, lt_sidecar_request *req,
                             lt_sidecar_error *err)
{
    static const char prefix[] = "/ws/";
    memset(req, 0, sizeof(*req));
    req->types = LT_SIDECAR_ALL_TYPES;
    if (!path || strncmp(path, prefix, sizeof(prefix) - 1) != 0) {
        set_error(err, "not found", "WebSocket endpoints are /ws/{room_id}");
        return -1;
    }
    const char *raw_room = path + sizeof(prefix) - 1;
    size_t raw_len = strlen(raw_room);
    if (raw_len > 0 && raw_room[raw_len - 1] == '/')
        raw_len--; /* tolerate /ws/123/ */
    if (raw_len == 0 || raw_len > 3 * LT_ROOM_ID_MAX ||
        lt_sidecar_percent_decode(raw_room, raw_len, req->room_id, sizeof(req->room_id)) < 0 ||
        !lt_room_id_valid(req->room_id, strlen(req->room_id))) {
        set_error(err, "malformed room id", "a room id is 1 to %d characters of A-Z a-z 0-9 . _ : @ ~ -",
                  LT_ROOM_ID_MAX);
        req->room_id[0] = '\0';
        return -1;
    }
    if (!query || !*query)
        return 0;
    size_t qlen = strlen(query);
    if (qlen > LT_SIDECAR_QUERY_MAX) {
        set_error(err, "query too long", "the query string is limited to %d bytes",
                  LT_SIDECAR_QUERY_MAX);
        return -1;
    }
    bool seen_types = false, seen_token = false;
    const char *p = query;
    while (p < query + qlen) {
        const char *amp = memchr(p, '&', (size_t)(query + qlen - p));
        const char *end = amp ? amp : query + qlen;
        const char *eq = memchr(p, '=', (size_t)(end - p));
        const char *start = p;
        if (end == p) { /* "a=1&&b=2" */
            p = end + 1;
            continue;
        }
        char name[32];
        size_t nlen = eq ? (size_t)(eq - p) : (size_t)(end - p);
        const char *vraw = eq ? eq + 1 : end;
        size_t vlen = (size_t)(end - vraw);
        p = amp ? amp + 1 : end;
        if (nlen >= sizeof(name) || lt_sidecar_percent_decode(start, nlen, name, sizeof(name)) < 0)
            continue; /* an unknown, overlong parameter name: ignore like any unknown one */
        char value[LT_SIDECAR_TOKEN_MAX + 1];
        if (lt_sidecar_percent_decode(vraw, vlen, value, sizeof(value)) < 0) {
            set_error(err, "malformed query", "the value of '%s' is too long or badly encoded",
                      name);
            return -1;
        }
        if (strcmp(name, "types") == 0) {
            if (seen_types) {
                set_error(err, "malformed query", "types= appears twice");
                return -1;
            }
            seen_types = true;
            if (lt_sidecar_types_parse(value, &req->types, err) < 0)
                return -1;
        } else if (strcmp(name, "since") == 0) {
            if (req->has_since || req->has_cursor) {
                set_error(err, "malformed query", "give one of since= or cursor=, once");
                return -1;
            }
            if (parse_epoch_ms(value, &req->since_ms) < 0) {
                set_error(err, "bad since", "since= is a time in milliseconds since the epoch, "
                                            "e.g. since=1700000000000");
                return -1;
            }
            req->has_since = true;
        } else if (strcmp(name, "cursor") == 0) {
            if (req->has_since || req->has_cursor) {
                set_error(err, "malformed query", "give one of since= or cursor=, once");
                return -1;
            }
            if (lt_sidecar_cursor_decode(value, &req->cursor, err) < 0)
                return -1;
            req->has_cursor = true;
        } else if (strcmp(name, "access_token") == 0) {
            if (seen_token) {
                set_error(err, "malformed query", "access_token= appears twice");
                return -1;
            }
            seen_token = true;
            memcpy(req->token, value, strlen(value) + 1);
        }
        /* Unknown parameters are ignored (cache busters, tracking). */
    }
    return 0;
}

/* --- base64url --- */

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t lt_sidecar_b64url_encode(const uint8_t *src, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    size_t need = (len / 3) * 4 + (len % 3 ? len % 3 + 1 : 0);
    if (need + 1 > cap)
        return (size_t)-1;
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8 | src[i + 2];
        out[o++] = b64url[v >> 18 & 63];
        out[o++] = b64url[v >> 12 & 63];
        out[o++] = b64url[v >> 6 & 63];
        out[o++] = b64url[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)src[i] << 16;
        out[o++] = b64url[v >> 18 & 63];
        out[o++] = b64url[v >> 12 & 63];
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8;
        out[o++] = b64url[v >> 18 & 63];
        out[o++] = b64url[v >> 12 & 63];
        out[o++] = b64url[v >> 6 & 63];
    }
    out[o] = '\0';
    return o;
}

static int b64val(char ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == '-')
        return 62;
    if (ch == '_')
        return 63;
    return -1;
}

long lt_sidecar_b64url_decode(const char *src, size_t len, uint8_t *out, size_t cap)
{
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    if (len % 4 == 1)
        return -1;
    for (size_t i = 0; i < len; i++) {
        int v = b64val(src[i]);
        if (v < 0)
            return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= cap)
                return -1;
            out[o++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1u;
        }
    }
    if (acc != 0) /* non-canonical trailing bits */
        return -1;
    return (long)o;
}

/* --- cursor --- */

static size_t put_varint(uint8_t *out, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

static int get_varint(const uint8_t *in, size_t len, size_t *pos, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*pos >= len)
            return -1;
        uint8_t b = in[(*pos)++];
        if (shift == 63 && (b & 0x7e))
            return -1;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

int lt_sidecar_cursor_encode(const lt_sidecar_cursor *cur, char *out, size_t cap)
{
    uint8_t bin[LT_SIDECAR_CURSOR_MAX_ENTRIES * 25];
    size_t n = 0;
    if (cap < 2 || cur->count > LT_SIDECAR_CURSOR_MAX_ENTRIES)
        return -1;
    for (size_t i = 0; i < cur->count; i++) {
        const lt_sidecar_cursor_entry *e = &cur->entries[i];
        if (e->partition < 0 || e->offset < 0)
            return -1;
        n += put_varint(bin + n, e->type);
        n += put_varint(bin + n, (uint64_t)e->partition);
        n += put_varint(bin + n, (uint64_t)e->offset);
    }
    out[0] = '1';
    size_t len = lt_sidecar_b64url_encode(bin, n, out + 1, cap - 1);
    if (len == (size_t)-1)
        return -1;
    return (int)(len + 1);
}

int lt_sidecar_cursor_decode(const char *text, lt_sidecar_cursor *cur, lt_sidecar_error *err)
{
    uint8_t bin[LT_SIDECAR_CURSOR_TEXT_MAX];
    size_t len = strlen(text);
    memset(cur, 0, sizeof(*cur));
    if (len < 1 || len > LT_SIDECAR_CURSOR_TEXT_MAX || text[0] != '1') {
        set_error(err, "bad cursor", "a cursor is the \"cursor\" value of a frame this server sent");
        return -1;
    }
    long n = lt_sidecar_b64url_decode(text + 1, len - 1, bin, sizeof(bin));
    if (n < 0) {
        set_error(err, "bad cursor", "the cursor is not valid base64url");
        return -1;
    }
    size_t pos = 0;
    while (pos < (size_t)n) {
        uint64_t type, part, off;
        if (cur->count >= LT_SIDECAR_CURSOR_MAX_ENTRIES || get_varint(bin, (size_t)n, &pos, &type) ||
            get_varint(bin, (size_t)n, &pos, &part) || get_varint(bin, (size_t)n, &pos, &off) ||
            type >= 256 || part > INT32_MAX || off > INT64_MAX) {
            set_error(err, "bad cursor", "the cursor is truncated or has out-of-range values");
            return -1;
        }
        for (size_t i = 0; i < cur->count; i++)
            if (cur->entries[i].type == type) {
                set_error(err, "bad cursor", "the cursor names event type %u twice",
                          (unsigned)type);
                return -1;
            }
        cur->entries[cur->count].type = (uint32_t)type;
        cur->entries[cur->count].partition = (int32_t)part;
        cur->entries[cur->count].offset = (int64_t)off;
        cur->count++;
    }
    return 0;
}
