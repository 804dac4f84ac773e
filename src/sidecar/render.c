/* render.c - Avro (Confluent or single-object framing) -> frame JSON.
 *
 * The JSON is written straight into an lt_buf while walking the avro-c
 * generic value, instead of building a jansson tree and dumping it: this is
 * the one per-record path of the sidecar, and a tree costs an allocation
 * per field. The output is checked against jansson in the unit tests.
 *
 * Schema cache: a small open-addressing table keyed by (kind, id or
 * fingerprint). Each entry keeps the parsed writer schema, its generic class
 * and one reusable value, so decoding allocates only for the strings and
 * arrays avro-c itself allocates. Registry failures are remembered for 30 s
 * so that a burst of records with an unknown id does not become a burst of
 * HTTP requests.
 */
#include "sidecar/render.h"

#include <avro.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

#define MAX_DEPTH 32
#define RETRY_FAILED_MS 30000

typedef struct schema_entry {
    bool used;
    bool failed;
    uint8_t kind;          /* 0 registry id, 1 fingerprint */
    uint64_t key;
    int64_t failed_at;
    avro_schema_t schema;
    avro_value_iface_t *iface;
    avro_value_t value;
    bool has_value;
} schema_entry;

struct lt_sidecar_renderer {
    lt_registry *registry;
    schema_entry *entries;
    size_t cap;
    size_t used;
    avro_reader_t reader;
};

const char *lt_sidecar_type_name(lt_event_type type)
{
    if (type == LT_EVENT_ROOM_STATUS)
        return "status";
    const lt_event_type_info *info = lt_event_type_info_get(type);
    return info ? info->name : "unknown";
}

static void entry_clear(schema_entry *e)
{
    if (e->has_value)
        avro_value_decref(&e->value);
    if (e->iface)
        avro_value_iface_decref(e->iface);
    if (e->schema)
        avro_schema_decref(e->schema);
    memset(e, 0, sizeof(*e));
}

static uint64_t slot_hash(uint8_t kind, uint64_t key)
{
    uint64_t h = key * 0x9e3779b97f4a7c15ull + kind;
    return h ^ (h >> 29);
}

static schema_entry *lookup(lt_sidecar_renderer *r, uint8_t kind, uint64_t key, bool insert)
{
    if (insert && (r->used + 1) * 2 > r->cap) {
        size_t ncap = r->cap ? r->cap * 2 : 64;
        schema_entry *n = calloc(ncap, sizeof(*n));
        if (!n)
            return NULL;
        for (size_t i = 0; i < r->cap; i++) {
            if (!r->entries[i].used)
                continue;
            size_t j = slot_hash(r->entries[i].kind, r->entries[i].key) & (ncap - 1);
            while (n[j].used)
                j = (j + 1) & (ncap - 1);
            n[j] = r->entries[i];
        }
        free(r->entries);
        r->entries = n;
        r->cap = ncap;
    }
    if (!r->cap)
        return NULL;
    size_t j = slot_hash(kind, key) & (r->cap - 1);
    while (r->entries[j].used) {
        if (r->entries[j].kind == kind && r->entries[j].key == key)
            return &r->entries[j];
        j = (j + 1) & (r->cap - 1);
    }
    if (!insert)
        return NULL;
    r->entries[j].used = true;
    r->entries[j].kind = kind;
    r->entries[j].key = key;
    r->used++;
    return &r->entries[j];
}

static int entry_bind(schema_entry *e, avro_schema_t schema)
{
    e->schema = schema;
    e->iface = avro_generic_class_from_schema(schema);
    if (!e->iface || avro_generic_value_new(e->iface, &e->value) != 0)
        return -1;
    e->has_value = true;
    e->failed = false;
    return 0;
}

lt_sidecar_renderer *lt_sidecar_renderer_create(lt_registry *registry,
                                                const lt_schema_set *local_schemas, char *err,
                                                size_t errlen)
{
    lt_sidecar_renderer *r = calloc(1, sizeof(*r));
    if (!r)
        goto oom;
    r->registry = registry;
    r->reader = avro_reader_memory(NULL, 0);
    if (!r->reader)
        goto oom;
    for (int t = 0; local_schemas && t < LT_EVENT_TYPE_COUNT; t++) {
        avro_schema_t s = lt_schema_set_schema(local_schemas, (lt_event_type)t);
        if (!s)
            continue;
        schema_entry *e = lookup(r, 1, lt_schema_set_fingerprint(local_schemas, (lt_event_type)t), true);
        if (!e)
            goto oom;
        if (e->schema)
            continue;
        if (entry_bind(e, avro_schema_incref(s)) < 0) {
            snprintf(err, errlen, "avro: cannot build a value for local schema #%d: %s", t,
                     avro_strerror());
            lt_sidecar_renderer_destroy(r);
            return NULL;
        }
    }
    return r;
oom:
    snprintf(err, errlen, "out of memory");
    lt_sidecar_renderer_destroy(r);
    return NULL;
}

void lt_sidecar_renderer_destroy(lt_sidecar_renderer *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->cap; i++)
        if (r->entries[i].used)
            entry_clear(&r->entries[i]);
    free(r->entries);
    if (r->reader)
        avro_reader_free(r->reader);
    free(r);
}

static schema_entry *schema_for(lt_sidecar_renderer *r, const uint8_t *v, size_t len,
                                size_t *body_off, char *err, size_t errlen)
{
    if (len >= 5 && v[0] == 0x00) {
        int32_t id = (int32_t)((uint32_t)v[1] << 24 | (uint32_t)v[2] << 16 | (uint32_t)v[3] << 8 | v[4]);
        *body_off = 5;
        schema_entry *e = lookup(r, 0, (uint64_t)(uint32_t)id, false);
        if (e && e->has_value)
            return e;
        if (e && e->failed && lt_now_ms() - e->failed_at < RETRY_FAILED_MS) {
            snprintf(err, errlen, "schema id %d could not be fetched recently", id);
            return NULL;
        }
        if (!r->registry) {
            snprintf(err, errlen, "record uses schema id %d but no registry is configured", id);
            return NULL;
        }
        char *json = NULL;
        char why[256] = "";
        lt_registry_error rc = lt_registry_get_schema(r->registry, id, &json, why, sizeof(why));
        if (!e && !(e = lookup(r, 0, (uint64_t)(uint32_t)id, true))) {
            free(json);
            snprintf(err, errlen, "out of memory");
            return NULL;
        }
        avro_schema_t schema = NULL;
        if (rc != LT_REGISTRY_OK ||
            avro_schema_from_json_length(json, strlen(json), &schema) != 0 ||
            entry_bind(e, schema) < 0) {
            if (rc == LT_REGISTRY_OK)
                snprintf(why, sizeof(why), "%s", avro_strerror());
            entry_clear(e);
            e->used = true;
            e->kind = 0;
            e->key = (uint64_t)(uint32_t)id;
            e->failed = true;
            e->failed_at = lt_now_ms();
            free(json);
            snprintf(err, errlen, "schema id %d: %s", id, why);
            return NULL;
        }
        free(json);
        return e;
    }
    if (len >= 10 && v[0] == 0xC3 && v[1] == 0x01) {
        uint64_t fp = 0;
        for (int i = 7; i >= 0; i--)
            fp = fp << 8 | v[2 + i];
        *body_off = 10;
        schema_entry *e = lookup(r, 1, fp, false);
        if (e && e->has_value)
            return e;
        snprintf(err, errlen, "single-object record with unknown schema fingerprint %016llx",
                 (unsigned long long)fp);
        return NULL;
    }
    snprintf(err, errlen, "value is neither Confluent-framed (0x00) nor single-object (C3 01) Avro");
    return NULL;
}

/* --- JSON writing --- */

static int put(lt_buf *out, const char *s, size_t n)
{
    return lt_buf_append(out, s, n);
}
#define PUTS(out, lit) put(out, lit, sizeof(lit) - 1)

int lt_sidecar_json_string(lt_buf *out, const char *s, size_t len)
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
            if (put(out, s + i, j - i) < 0)
                return -1;
            i = j;
            continue;
        }
        if (c < 0x80) {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            int rc;
            switch (c) {
            case '"': rc = PUTS(out, "\\\""); break;
            case '\\': rc = PUTS(out, "\\\\"); break;
            case '\n': rc = PUTS(out, "\\n"); break;
            case '\r': rc = PUTS(out, "\\r"); break;
            case '\t': rc = PUTS(out, "\\t"); break;
            default: rc = put(out, esc, 6);
            }
            if (rc < 0)
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
            if (put(out, s + i, n) < 0)
                return -1;
            i += n;
        } else {
            if (PUTS(out, "\xEF\xBF\xBD") < 0)
                return -1;
            i++;
        }
    }
    return lt_buf_append_byte(out, '"');
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

static int put_long(lt_buf *out, long long v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof(tmp), "%lld", v);
    return put(out, tmp, (size_t)n);
}

static int put_double(lt_buf *out, double v)
{
    if (!isfinite(v))
        return PUTS(out, "null");
    char tmp[32];
    int n = snprintf(tmp, sizeof(tmp), "%.17g", v);
    return put(out, tmp, (size_t)n);
}

static int put_value(lt_buf *out, avro_value_t *v, int depth);

static int put_key(lt_buf *out, const char *name, bool first)
{
    if (!first && lt_buf_append_byte(out, ',') < 0)
        return -1;
    if (lt_sidecar_json_string(out, name, strlen(name)) < 0)
        return -1;
    return lt_buf_append_byte(out, ':');
}

static int put_value(lt_buf *out, avro_value_t *v, int depth)
{
    if (depth > MAX_DEPTH)
        return -1;
    size_t n = 0;
    switch (avro_value_get_type(v)) {
    case AVRO_STRING: {
        const char *s = NULL;
        size_t sz = 0;
        if (avro_value_get_string(v, &s, &sz))
            return -1;
        return lt_sidecar_json_string(out, s ? s : "", sz ? sz - 1 : 0);
    }
    case AVRO_BYTES: {
        const void *b = NULL;
        size_t sz = 0;
        if (avro_value_get_bytes(v, &b, &sz))
            return -1;
        return put_hex(out, b, sz);
    }
    case AVRO_FIXED: {
        const void *b = NULL;
        size_t sz = 0;
        if (avro_value_get_fixed(v, &b, &sz))
            return -1;
        return put_hex(out, b, sz);
    }
    case AVRO_INT32: {
        int32_t x;
        return avro_value_get_int(v, &x) ? -1 : put_long(out, x);
    }
    case AVRO_INT64: {
        int64_t x;
        return avro_value_get_long(v, &x) ? -1 : put_long(out, (long long)x);
    }
    case AVRO_FLOAT: {
        float x;
        return avro_value_get_float(v, &x) ? -1 : put_double(out, x);
    }
    case AVRO_DOUBLE: {
        double x;
        return avro_value_get_double(v, &x) ? -1 : put_double(out, x);
    }
    case AVRO_BOOLEAN: {
        int x;
        if (avro_value_get_boolean(v, &x))
            return -1;
        return x ? PUTS(out, "true") : PUTS(out, "false");
    }
    case AVRO_NULL: return PUTS(out, "null");
    case AVRO_ENUM: {
        int x;
        if (avro_value_get_enum(v, &x))
            return -1;
        const char *sym = avro_schema_enum_get(avro_value_get_schema(v), x);
        return sym ? lt_sidecar_json_string(out, sym, strlen(sym)) : PUTS(out, "null");
    }
    case AVRO_UNION: {
        avro_value_t branch;
        if (avro_value_get_current_branch(v, &branch))
            return -1;
        return put_value(out, &branch, depth + 1);
    }
    case AVRO_RECORD:
    case AVRO_MAP: {
        if (avro_value_get_size(v, &n) || lt_buf_append_byte(out, '{') < 0)
            return -1;
        for (size_t i = 0; i < n; i++) {
            avro_value_t f;
            const char *name = NULL;
            if (avro_value_get_by_index(v, i, &f, &name) || !name || put_key(out, name, i == 0) < 0 ||
                put_value(out, &f, depth + 1) < 0)
                return -1;
        }
        return lt_buf_append_byte(out, '}');
    }
    case AVRO_ARRAY: {
        if (avro_value_get_size(v, &n) || lt_buf_append_byte(out, '[') < 0)
            return -1;
        for (size_t i = 0; i < n; i++) {
            avro_value_t e;
            if (avro_value_get_by_index(v, i, &e, NULL) || (i && lt_buf_append_byte(out, ',') < 0) ||
                put_value(out, &e, depth + 1) < 0)
                return -1;
        }
        return lt_buf_append_byte(out, ']');
    }
    default: return -1;
    }
}

static void copy_field(avro_value_t *rec, const char *name, char *dst, size_t cap)
{
    avro_value_t f, b;
    const char *s = NULL;
    size_t sz = 0;
    dst[0] = '\0';
    if (avro_value_get_by_name(rec, name, &f, NULL))
        return;
    if (avro_value_get_type(&f) == AVRO_UNION) {
        if (avro_value_get_current_branch(&f, &b))
            return;
        f = b;
    }
    if (avro_value_get_type(&f) != AVRO_STRING || avro_value_get_string(&f, &s, &sz) || !s)
        return;
    snprintf(dst, cap, "%s", s);
}

static int64_t long_field(avro_value_t *rec, const char *name)
{
    avro_value_t f, b;
    int64_t x = 0;
    if (avro_value_get_by_name(rec, name, &f, NULL))
        return 0;
    if (avro_value_get_type(&f) == AVRO_UNION) {
        if (avro_value_get_current_branch(&f, &b))
            return 0;
        f = b;
    }
    if (avro_value_get_type(&f) == AVRO_INT64 && avro_value_get_long(&f, &x) == 0)
        return x;
    return 0;
}

int lt_sidecar_render(lt_sidecar_renderer *r, lt_event_type type, const void *value, size_t len,
                      lt_buf *out, lt_sidecar_rendered *info, char *err, size_t errlen)
{
    static const char *const lead[] = {"room_id", "msg_id", "event_time"};
    size_t off = 0, start = out->len;
    memset(info, 0, sizeof(*info));
    if (!value || len == 0) {
        snprintf(err, errlen, "empty value");
        return -1;
    }
    schema_entry *e = schema_for(r, value, len, &off, err, errlen);
    if (!e)
        return -1;
    if (!is_avro_record(e->schema)) {
        snprintf(err, errlen, "writer schema is not a record");
        return -1;
    }
    avro_reader_memory_set_source(r->reader, (const char *)value + off, (int64_t)(len - off));
    if (avro_value_read(r->reader, &e->value) != 0) {
        snprintf(err, errlen, "avro body does not decode: %s", avro_strerror());
        return -1;
    }
    const char *tname = lt_sidecar_type_name(type);
    if (PUTS(out, "{\"type\":") < 0 || lt_sidecar_json_string(out, tname, strlen(tname)) < 0)
        goto oom;
    /* room_id, msg_id, event_time first (the protocol's order), then the rest. */
    for (size_t k = 0; k < sizeof(lead) / sizeof(lead[0]); k++) {
        avro_value_t f;
        if (avro_value_get_by_name(&e->value, lead[k], &f, NULL) == 0 &&
            (put_key(out, lead[k], false) < 0 || put_value(out, &f, 1) < 0))
            goto bad;
    }
    size_t n = 0;
    avro_value_get_size(&e->value, &n);
    for (size_t i = 0; i < n; i++) {
        avro_value_t f;
        const char *name = NULL;
        if (avro_value_get_by_index(&e->value, i, &f, &name) || !name)
            goto bad;
        if (strcmp(name, "room_id") == 0 || strcmp(name, "msg_id") == 0 ||
            strcmp(name, "event_time") == 0 || strcmp(name, "type") == 0 ||
            strcmp(name, "cursor") == 0)
            continue;
        if (put_key(out, name, false) < 0 || put_value(out, &f, 1) < 0)
            goto bad;
    }
    copy_field(&e->value, "room_id", info->room_id, sizeof(info->room_id));
    if (type == LT_EVENT_ROOM_STATUS) {
        info->is_status = true;
        copy_field(&e->value, "state", info->status.state, sizeof(info->status.state));
        copy_field(&e->value, "reason", info->status.reason, sizeof(info->status.reason));
        copy_field(&e->value, "message", info->status.message, sizeof(info->status.message));
        info->status.retry_at = long_field(&e->value, "retry_at");
    }
    return 0;
bad:
    out->len = start;
    snprintf(err, errlen, "record does not render as JSON");
    return -1;
oom:
    out->len = start;
    snprintf(err, errlen, "out of memory");
    return -1;
}
