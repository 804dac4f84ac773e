/* json.c - Avro record body -> JSON by a compiled plan (see json.h).
 *
 * The plan is a graph of nodes, one per schema node; named types that
 * recur (a record that refers to itself through a link) become a cycle in
 * the graph, not an endless compilation, because records are memoised by
 * their schema while compiling. Every node lives in the plan's node array
 * and is freed with it.
 *
 * Decoding follows the Avro binary encoding: zig-zag varints for int and
 * long (at most 10 bytes; an int must fit 32 bits), little-endian IEEE
 * float and double, a long length before string and bytes, a long branch
 * index before a union's value, blocks of (count, items) ending with a 0
 * count for arrays and maps (a negative count is followed by the block's
 * size in bytes, which is read and ignored).
 */
#include "avro/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 32
#define MIN_ELEMENT_BUDGET 4096 /* array/map elements per record: at least this, */
#define ELEMENTS_PER_BYTE 8     /* or this many per byte of body */

typedef enum node_kind {
    N_NULL, N_BOOLEAN, N_INT, N_LONG, N_FLOAT, N_DOUBLE, N_STRING, N_BYTES, N_FIXED,
    N_ENUM, N_UNION, N_RECORD, N_ARRAY, N_MAP
} node_kind;

typedef struct node node;
struct node {
    node_kind kind;
    size_t n;            /* record fields, union branches, enum symbols, fixed size */
    node **child;        /* record fields, union branches; child[0]: array items, map values */
    char **text;         /* record: ,"name": (key i at text[i] + (i == 0)); enum: "SYMBOL" */
    size_t *text_len;
    avro_schema_t memo;  /* the record schema this node compiles (while compiling) */
};

struct lt_avro_json {
    node **nodes;
    size_t count, cap;
    node *root;
};

/* --- compiling --- */

static node *node_new(lt_avro_json *p, node_kind kind)
{
    if (p->count == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 32;
        node **more = realloc(p->nodes, cap * sizeof(*more));
        if (!more)
            return NULL;
        p->nodes = more;
        p->cap = cap;
    }
    node *nd = calloc(1, sizeof(*nd));
    if (nd) {
        nd->kind = kind;
        p->nodes[p->count++] = nd;
    }
    return nd;
}

static int alloc_children(node *nd, size_t n, bool with_text)
{
    nd->n = n;
    nd->child = calloc(n ? n : 1, sizeof(*nd->child));
    if (with_text) {
        nd->text = calloc(n ? n : 1, sizeof(*nd->text));
        nd->text_len = calloc(n ? n : 1, sizeof(*nd->text_len));
    }
    return nd->child && (!with_text || (nd->text && nd->text_len)) ? 0 : -1;
}

/* Quoted, escaped `s`, with `lead` before it and `tail` after it. */
static char *quoted(const char *lead, const char *s, const char *tail, size_t *len)
{
    lt_buf b = LT_BUF_INIT;
    if (lt_buf_append(&b, lead, strlen(lead)) < 0 || lt_avro_json_string(&b, s, strlen(s)) < 0 ||
        lt_buf_append(&b, tail, strlen(tail) + 1) < 0) {
        lt_buf_free(&b);
        return NULL;
    }
    *len = b.len - 1;
    return (char *)b.data;
}

static node *compile(lt_avro_json *p, avro_schema_t s, int depth, char *err, size_t errlen);

static node *compile_record(lt_avro_json *p, avro_schema_t s, int depth, char *err, size_t errlen)
{
    for (size_t i = 0; i < p->count; i++) /* a record seen before: share its node */
        if (p->nodes[i]->kind == N_RECORD && p->nodes[i]->memo == s)
            return p->nodes[i];
    node *nd = node_new(p, N_RECORD);
    if (!nd || alloc_children(nd, avro_schema_record_size(s), true) < 0)
        goto oom;
    nd->memo = s;
    for (size_t i = 0; i < nd->n; i++) {
        const char *name = avro_schema_record_field_name(s, (int)i);
        if (!name || !(nd->text[i] = quoted(",", name, ":", &nd->text_len[i])))
            goto oom;
        nd->child[i] = compile(p, avro_schema_record_field_get_by_index(s, (int)i), depth + 1, err, errlen);
        if (!nd->child[i])
            return NULL;
    }
    return nd;
oom:
    snprintf(err, errlen, "out of memory");
    return NULL;
}

static node *compile(lt_avro_json *p, avro_schema_t s, int depth, char *err, size_t errlen)
{
    if (!s || depth > MAX_DEPTH) {
        snprintf(err, errlen, "schema nests deeper than %d", MAX_DEPTH);
        return NULL;
    }
    node *nd = NULL;
    switch (avro_typeof(s)) {
    case AVRO_NULL: nd = node_new(p, N_NULL); break;
    case AVRO_BOOLEAN: nd = node_new(p, N_BOOLEAN); break;
    case AVRO_INT32: nd = node_new(p, N_INT); break;
    case AVRO_INT64: nd = node_new(p, N_LONG); break;
    case AVRO_FLOAT: nd = node_new(p, N_FLOAT); break;
    case AVRO_DOUBLE: nd = node_new(p, N_DOUBLE); break;
    case AVRO_STRING: nd = node_new(p, N_STRING); break;
    case AVRO_BYTES: nd = node_new(p, N_BYTES); break;
    case AVRO_LINK: return compile(p, avro_schema_link_target(s), depth + 1, err, errlen);
    case AVRO_RECORD: return compile_record(p, s, depth, err, errlen);
    case AVRO_FIXED:
        if ((nd = node_new(p, N_FIXED)))
            nd->n = (size_t)avro_schema_fixed_size(s);
        break;
    case AVRO_ENUM: {
        int symbols = avro_schema_enum_number_of_symbols(s);
        if (!(nd = node_new(p, N_ENUM)) || alloc_children(nd, symbols > 0 ? (size_t)symbols : 0, true) < 0)
            goto oom;
        for (size_t i = 0; i < nd->n; i++) {
            const char *sym = avro_schema_enum_get(s, (int)i);
            if (!sym || !(nd->text[i] = quoted("", sym, "", &nd->text_len[i])))
                goto oom;
        }
        return nd;
    }
    case AVRO_UNION: {
        if (!(nd = node_new(p, N_UNION)) || alloc_children(nd, avro_schema_union_size(s), false) < 0)
            goto oom;
        for (size_t i = 0; i < nd->n; i++)
            if (!(nd->child[i] = compile(p, avro_schema_union_branch(s, (int)i), depth + 1, err, errlen)))
                return NULL;
        return nd;
    }
    case AVRO_ARRAY:
    case AVRO_MAP: {
        bool array = avro_typeof(s) == AVRO_ARRAY;
        if (!(nd = node_new(p, array ? N_ARRAY : N_MAP)) || alloc_children(nd, 1, false) < 0)
            goto oom;
        nd->n = 0;
        avro_schema_t inner = array ? avro_schema_array_items(s) : avro_schema_map_values(s);
        return (nd->child[0] = compile(p, inner, depth + 1, err, errlen)) ? nd : NULL;
    }
    default:
        snprintf(err, errlen, "unsupported Avro type %d", (int)avro_typeof(s));
        return NULL;
    }
    if (nd)
        return nd;
oom:
    snprintf(err, errlen, "out of memory");
    return NULL;
}

lt_avro_json *lt_avro_json_compile(avro_schema_t record, char *err, size_t errlen)
{
    if (!record || avro_typeof(record) != AVRO_RECORD) {
        snprintf(err, errlen, "writer schema is not a record");
        return NULL;
    }
    lt_avro_json *p = calloc(1, sizeof(*p));
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->root = compile(p, record, 0, err, errlen);
    if (!p->root) {
        lt_avro_json_destroy(p);
        return NULL;
    }
    for (size_t i = 0; i < p->count; i++)
        p->nodes[i]->memo = NULL; /* the plan does not keep the schema */
    return p;
}

void lt_avro_json_destroy(lt_avro_json *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->count; i++) {
        node *nd = p->nodes[i];
        for (size_t k = 0; nd->text && k < nd->n; k++)
            free(nd->text[k]);
        free(nd->text);
        free(nd->text_len);
        free(nd->child);
        free(nd);
    }
    free(p->nodes);
    free(p);
}

size_t lt_avro_json_field_count(const lt_avro_json *p)
{
    return p->root->n;
}

int lt_avro_json_field_index(const lt_avro_json *p, const char *name)
{
    size_t want = strlen(name);
    for (size_t i = 0; i < p->root->n; i++) {
        const char *key = p->root->text[i] + 2; /* skip ," */
        if (p->root->text_len[i] == want + 4 && memcmp(key, name, want) == 0)
            return (int)i;
    }
    return -1;
}

const char *lt_avro_json_field_key(const lt_avro_json *p, size_t i, size_t *len)
{
    *len = p->root->text_len[i] - 1;
    return p->root->text[i] + 1;
}

/* --- decoding --- */

typedef struct reader {
    const uint8_t *p, *end;
    size_t budget;  /* array and map elements left */
} reader;

static int read_long(reader *r, int64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (r->p >= r->end)
            return -1;
        uint8_t b = *r->p++;
        if (shift == 63 && b > 1)
            return -1; /* more than 64 bits */
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
            return 0;
        }
    }
    return -1;
}

static int read_length(reader *r, size_t *out)
{
    int64_t n;
    if (read_long(r, &n) < 0 || n < 0 || (uint64_t)n > (uint64_t)(r->end - r->p))
        return -1;
    *out = (size_t)n;
    return 0;
}

static int put_long(lt_buf *out, int64_t v)
{
    char tmp[24], *e = tmp + sizeof(tmp), *s = e;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        *--s = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--s = '-';
    return lt_buf_append(out, s, (size_t)(e - s));
}

static int put_double(lt_buf *out, double v)
{
    if (!isfinite(v))
        return lt_buf_append(out, "null", 4);
    char tmp[32];
    int n = snprintf(tmp, sizeof(tmp), "%.17g", v);
    return lt_buf_append(out, tmp, (size_t)n);
}

static int put_hex(lt_buf *out, const uint8_t *b, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    if (lt_buf_reserve(out, 2 * n + 2) < 0)
        return -1;
    out->data[out->len++] = '"';
    for (size_t i = 0; i < n; i++) {
        out->data[out->len++] = (uint8_t)hex[b[i] >> 4];
        out->data[out->len++] = (uint8_t)hex[b[i] & 15];
    }
    out->data[out->len++] = '"';
    return 0;
}

static int value(reader *r, const node *nd, lt_buf *out, int depth, lt_avro_json_field *f);

/* Array or map blocks: (count, elements)* 0. */
static int blocks(reader *r, const node *nd, lt_buf *out, int depth)
{
    bool map = nd->kind == N_MAP;
    if (lt_buf_append_byte(out, map ? '{' : '[') < 0)
        return -1;
    bool first = true;
    for (;;) {
        int64_t count;
        if (read_long(r, &count) < 0)
            return -1;
        if (count == 0)
            break;
        if (count < 0) {
            int64_t bytes;
            if (count == INT64_MIN || read_long(r, &bytes) < 0)
                return -1;
            count = -count;
        }
        if ((uint64_t)count > r->budget)
            return -1;
        r->budget -= (size_t)count;
        for (int64_t i = 0; i < count; i++) {
            if (!first && lt_buf_append_byte(out, ',') < 0)
                return -1;
            first = false;
            if (map) {
                size_t klen;
                if (read_length(r, &klen) < 0 || lt_avro_json_string(out, (const char *)r->p, klen) < 0 ||
                    lt_buf_append_byte(out, ':') < 0)
                    return -1;
                r->p += klen;
            }
            if (value(r, nd->child[0], out, depth + 1, NULL) < 0)
                return -1;
        }
    }
    return lt_buf_append_byte(out, map ? '}' : ']');
}

static int value(reader *r, const node *nd, lt_buf *out, int depth, lt_avro_json_field *f)
{
    if (depth > MAX_DEPTH)
        return -1;
    int64_t x;
    size_t n;
    switch (nd->kind) {
    case N_NULL: return lt_buf_append(out, "null", 4);
    case N_BOOLEAN:
        if (r->p >= r->end)
            return -1;
        return *r->p++ ? lt_buf_append(out, "true", 4) : lt_buf_append(out, "false", 5);
    case N_INT:
    case N_LONG:
        if (read_long(r, &x) < 0 || (nd->kind == N_INT && (x < INT32_MIN || x > INT32_MAX)))
            return -1;
        if (f) {
            f->num = x;
            f->has_num = true;
        }
        return put_long(out, x);
    case N_FLOAT: {
        if (r->end - r->p < 4)
            return -1;
        uint32_t u = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 | (uint32_t)r->p[3] << 24;
        float v;
        memcpy(&v, &u, sizeof(v));
        r->p += 4;
        return put_double(out, v);
    }
    case N_DOUBLE: {
        if (r->end - r->p < 8)
            return -1;
        uint64_t u = 0;
        for (int i = 7; i >= 0; i--)
            u = u << 8 | r->p[i];
        double v;
        memcpy(&v, &u, sizeof(v));
        r->p += 8;
        return put_double(out, v);
    }
    case N_STRING:
        if (read_length(r, &n) < 0)
            return -1;
        if (f) {
            f->str = (const char *)r->p;
            f->str_len = n;
            f->has_str = true;
        }
        r->p += n;
        return lt_avro_json_string(out, (const char *)r->p - n, n);
    case N_BYTES:
        if (read_length(r, &n) < 0)
            return -1;
        r->p += n;
        return put_hex(out, r->p - n, n);
    case N_FIXED:
        if ((size_t)(r->end - r->p) < nd->n)
            return -1;
        r->p += nd->n;
        return put_hex(out, r->p - nd->n, nd->n);
    case N_ENUM:
        if (read_long(r, &x) < 0 || x < 0 || (uint64_t)x >= nd->n)
            return -1;
        return lt_buf_append(out, nd->text[x], nd->text_len[x]);
    case N_UNION:
        if (read_long(r, &x) < 0 || x < 0 || (uint64_t)x >= nd->n)
            return -1;
        return value(r, nd->child[x], out, depth + 1, f);
    case N_RECORD:
        if (lt_buf_append_byte(out, '{') < 0)
            return -1;
        for (size_t i = 0; i < nd->n; i++) {
            size_t skip = i == 0; /* no comma before the first key */
            if (lt_buf_append(out, nd->text[i] + skip, nd->text_len[i] - skip) < 0 ||
                value(r, nd->child[i], out, depth + 1, NULL) < 0)
                return -1;
        }
        return lt_buf_append_byte(out, '}');
    case N_ARRAY:
    case N_MAP: return blocks(r, nd, out, depth);
    }
    return -1;
}

int lt_avro_json_record(const lt_avro_json *p, const uint8_t *body, size_t len, lt_buf *values,
                        lt_avro_json_field *fields)
{
    size_t start = values->len;
    reader r = {body, body + len, len * ELEMENTS_PER_BYTE};
    if (r.budget < MIN_ELEMENT_BUDGET)
        r.budget = MIN_ELEMENT_BUDGET;
    for (size_t i = 0; i < p->root->n; i++) {
        lt_avro_json_field *f = &fields[i];
        memset(f, 0, sizeof(*f));
        f->off = values->len;
        if (value(&r, p->root->child[i], values, 1, f) < 0) {
            values->len = start;
            return -1;
        }
        f->len = values->len - f->off;
    }
    return 0;
}

/* --- strings --- */

int lt_avro_json_string(lt_buf *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    if (lt_buf_reserve(out, len + 2) < 0 || lt_buf_append_byte(out, '"') < 0)
        return -1;
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            size_t j = i + 1;
            while (j < len && (unsigned char)s[j] >= 0x20 && (unsigned char)s[j] < 0x80 &&
                   s[j] != '"' && s[j] != '\\')
                j++;
            if (lt_buf_append(out, s + i, j - i) < 0)
                return -1;
            i = j;
            continue;
        }
        if (c < 0x80) {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            const char *text = esc;
            size_t n = 6;
            switch (c) {
            case '"': text = "\\\"", n = 2; break;
            case '\\': text = "\\\\", n = 2; break;
            case '\n': text = "\\n", n = 2; break;
            case '\r': text = "\\r", n = 2; break;
            case '\t': text = "\\t", n = 2; break;
            default: break;
            }
            if (lt_buf_append(out, text, n) < 0)
                return -1;
            i++;
            continue;
        }
        /* Multi-byte UTF-8: validate (no overlongs, no surrogates, <= U+10FFFF). */
        size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
        bool ok = n > 0 && c <= 0xF4 && i + n <= len;
        for (size_t k = 1; ok && k < n; k++)
            ok = ((unsigned char)s[i + k] & 0xC0) == 0x80;
        if (ok && n == 3) {
            unsigned char c1 = (unsigned char)s[i + 1];
            ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);
        } else if (ok && n == 4) {
            unsigned char c1 = (unsigned char)s[i + 1];
            ok = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
        }
        if (ok) {
            if (lt_buf_append(out, s + i, n) < 0)
                return -1;
            i += n;
        } else {
            if (lt_buf_append(out, "\xEF\xBF\xBD", 3) < 0)
                return -1;
            i++;
        }
    }
    return lt_buf_append_byte(out, '"');
}
