/* schemas.c - loading the event schemas; Parsing Canonical Form; CRC-64-AVRO.
 *
 * Loading. Each event type's record lives in schemas/<type>.avsc. Shared named
 * types (io.livetap.User) live in their own schemas/<full.name>.avsc and are
 * referenced by full name. avro-c and every schema registry want a
 * self-contained schema, so the loader walks each schema's type positions
 * (field types, union branches, array items, map values) and replaces the
 * first reference to a shared name with its definition; later references stay
 * names, as Avro requires. The result is parsed once with avro-c and kept,
 * together with its JSON (what gets registered) and its fingerprint.
 *
 * Canonical form. The Avro specification's "Parsing Canonical Form" strips a
 * schema to what matters for reading data: primitives as bare names, full
 * names everywhere, only the attributes name/type/fields/symbols/items/
 * values/size in that order, no whitespace, strings without needless escapes.
 * It is computed from the JSON with jansson; avro-c 1.11 has no such API.
 * The fingerprint is the spec's CRC-64-AVRO (a Rabin fingerprint) of the
 * canonical form's bytes: the 8 bytes after C3 01 in single-object encoding.
 */
#include "avro/schemas.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

#define LT_AVRO_CRC64_EMPTY 0xc15d213aa4d7a795ULL

struct lt_schema_set {
    char *json[LT_EVENT_TYPE_COUNT];
    avro_schema_t schema[LT_EVENT_TYPE_COUNT];
    uint64_t fingerprint[LT_EVENT_TYPE_COUNT];
};

/* ---------------------------------------------------------------- CRC-64 */

static uint64_t crc64_table[256];
static int crc64_ready;

static void crc64_init(void)
{
    for (int i = 0; i < 256; i++) {
        uint64_t fp = (uint64_t)i;
        for (int j = 0; j < 8; j++)
            fp = (fp >> 1) ^ (LT_AVRO_CRC64_EMPTY & (0 - (fp & 1)));
        crc64_table[i] = fp;
    }
    crc64_ready = 1;
}

uint64_t lt_avro_crc64(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t fp = LT_AVRO_CRC64_EMPTY;
    if (!crc64_ready)
        crc64_init();
    for (size_t i = 0; i < len; i++)
        fp = (fp >> 8) ^ crc64_table[(fp ^ p[i]) & 0xff];
    return fp;
}

/* ------------------------------------------------------ canonical form */

static const char *const primitives[] = {"null", "boolean", "int", "long", "float",
                                         "double", "bytes", "string"};

static int is_primitive(const char *name)
{
    for (size_t i = 0; i < sizeof primitives / sizeof primitives[0]; i++)
        if (strcmp(name, primitives[i]) == 0)
            return 1;
    return 0;
}

/* The full name of `name` in namespace `ns`, in `out`. */
static void full_name(const char *name, const char *ns, char *out, size_t outlen)
{
    if (strchr(name, '.') || !ns || !*ns)
        snprintf(out, outlen, "%s", name);
    else
        snprintf(out, outlen, "%s.%s", ns, name);
}

/* A JSON string literal with only the escapes JSON requires (spec: STRINGS). */
static int put_string(lt_buf *out, const char *s)
{
    json_t *str = json_string(s);
    char *text = str ? json_dumps(str, JSON_ENCODE_ANY) : NULL;
    int rc = text ? lt_buf_append(out, text, strlen(text)) : -1;
    free(text);
    json_decref(str);
    return rc;
}

static int put(lt_buf *out, const char *s)
{
    return lt_buf_append(out, s, strlen(s));
}

static int pcf(json_t *schema, const char *ns, lt_buf *out, char *err, size_t errlen);

static int pcf_named_header(json_t *obj, const char *type, const char *ns, char *name_out,
                            size_t name_len, lt_buf *out, char *err, size_t errlen)
{
    const char *name = json_string_value(json_object_get(obj, "name"));
    if (!name) {
        snprintf(err, errlen, "a %s has no name", type);
        return -1;
    }
    const char *own_ns = json_string_value(json_object_get(obj, "namespace"));
    full_name(name, own_ns ? own_ns : ns, name_out, name_len);
    if (put(out, "{\"name\":") || put_string(out, name_out) || put(out, ",\"type\":") ||
        put_string(out, type))
        return -1;
    return 0;
}

/* The namespace a full name lives in (everything before the last dot). */
static void namespace_of(const char *fullname, char *out, size_t outlen)
{
    const char *dot = strrchr(fullname, '.');
    size_t n = dot ? (size_t)(dot - fullname) : 0;
    if (n >= outlen)
        n = outlen - 1;
    memcpy(out, fullname, n);
    out[n] = '\0';
}

static int pcf_object(json_t *obj, const char *ns, lt_buf *out, char *err, size_t errlen)
{
    json_t *type = json_object_get(obj, "type");
    if (!type) {
        snprintf(err, errlen, "an object schema has no \"type\"");
        return -1;
    }
    if (!json_is_string(type))
        return pcf(type, ns, out, err, errlen);
    const char *t = json_string_value(type);
    char name[512], inner_ns[512];

    if (strcmp(t, "record") == 0 || strcmp(t, "error") == 0) {
        if (pcf_named_header(obj, t, ns, name, sizeof name, out, err, errlen))
            return -1;
        namespace_of(name, inner_ns, sizeof inner_ns);
        json_t *fields = json_object_get(obj, "fields");
        if (!json_is_array(fields)) {
            snprintf(err, errlen, "record %s has no \"fields\" array", name);
            return -1;
        }
        if (put(out, ",\"fields\":["))
            return -1;
        size_t i;
        json_t *f;
        json_array_foreach(fields, i, f) {
            const char *fname = json_string_value(json_object_get(f, "name"));
            json_t *ftype = json_object_get(f, "type");
            if (!fname || !ftype) {
                snprintf(err, errlen, "record %s: field %zu needs a name and a type", name, i);
                return -1;
            }
            if ((i && put(out, ",")) || put(out, "{\"name\":") || put_string(out, fname) ||
                put(out, ",\"type\":") || pcf(ftype, inner_ns, out, err, errlen) || put(out, "}"))
                return -1;
        }
        return put(out, "]}");
    }
    if (strcmp(t, "enum") == 0) {
        if (pcf_named_header(obj, t, ns, name, sizeof name, out, err, errlen))
            return -1;
        json_t *symbols = json_object_get(obj, "symbols");
        if (!json_is_array(symbols)) {
            snprintf(err, errlen, "enum %s has no \"symbols\" array", name);
            return -1;
        }
        if (put(out, ",\"symbols\":["))
            return -1;
        size_t i;
        json_t *s;
        json_array_foreach(symbols, i, s) {
            if (!json_is_string(s) || (i && put(out, ",")) || put_string(out, json_string_value(s)))
                return -1;
        }
        return put(out, "]}");
    }
    if (strcmp(t, "fixed") == 0) {
        if (pcf_named_header(obj, t, ns, name, sizeof name, out, err, errlen))
            return -1;
        json_t *size = json_object_get(obj, "size");
        if (!json_is_integer(size)) {
            snprintf(err, errlen, "fixed %s has no integer \"size\"", name);
            return -1;
        }
        char num[32];
        snprintf(num, sizeof num, ",\"size\":%lld}", (long long)json_integer_value(size));
        return put(out, num);
    }
    if (strcmp(t, "array") == 0 || strcmp(t, "map") == 0) {
        const char *key = t[0] == 'a' ? "items" : "values";
        json_t *inner = json_object_get(obj, key);
        if (!inner) {
            snprintf(err, errlen, "%s without \"%s\"", t, key);
            return -1;
        }
        if (put(out, "{\"type\":") || put_string(out, t) || put(out, ",\"") || put(out, key) ||
            put(out, "\":") || pcf(inner, ns, out, err, errlen))
            return -1;
        return put(out, "}");
    }
    /* A primitive with attributes ({"type":"long","logicalType":...}) or a
     * reference to a named type: both reduce to the name. */
    return pcf(type, ns, out, err, errlen);
}

static int pcf(json_t *schema, const char *ns, lt_buf *out, char *err, size_t errlen)
{
    if (json_is_string(schema)) {
        const char *name = json_string_value(schema);
        if (is_primitive(name))
            return put_string(out, name);
        char full[512];
        full_name(name, ns, full, sizeof full);
        return put_string(out, full);
    }
    if (json_is_array(schema)) {
        if (put(out, "["))
            return -1;
        size_t i;
        json_t *branch;
        json_array_foreach(schema, i, branch) {
            if ((i && put(out, ",")) || pcf(branch, ns, out, err, errlen))
                return -1;
        }
        return put(out, "]");
    }
    if (json_is_object(schema))
        return pcf_object(schema, ns, out, err, errlen);
    snprintf(err, errlen, "a schema must be a string, an array or an object");
    return -1;
}

char *lt_avro_canonical_form(const char *schema_json, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_loads(schema_json, JSON_DECODE_ANY, &jerr);
    if (!root) {
        snprintf(err, errlen, "invalid JSON at line %d column %d: %s", jerr.line, jerr.column,
                 jerr.text);
        return NULL;
    }
    lt_buf out = LT_BUF_INIT;
    char *result = NULL;
    size_t len;
    if (pcf(root, "", &out, err, errlen) == 0 && lt_buf_append_byte(&out, 0) == 0)
        result = (char *)lt_buf_detach(&out, &len); /* ownership moves to the caller */
    lt_buf_free(&out);
    json_decref(root);
    return result;
}

/* --------------------------------------------------------------- loading */

static json_t *load_json_file(const char *path, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_DECODE_ANY, &jerr);
    if (!root)
        snprintf(err, errlen, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
    return root;
}

typedef struct inline_ctx {
    const char *dir;
    json_t *defined; /* full names already defined in this schema (object used as a set) */
    char *err;
    size_t errlen;
} inline_ctx;

static int inline_refs(json_t **slot, const char *ns, inline_ctx *ctx);

/* Replaces the reference in *slot by the definition from <dir>/<name>.avsc
 * if this is the name's first use and such a file exists. */
static int inline_name(json_t **slot, const char *ns, inline_ctx *ctx)
{
    const char *name = json_string_value(*slot);
    if (is_primitive(name))
        return 0;
    char full[512];
    full_name(name, ns, full, sizeof full);
    if (json_object_get(ctx->defined, full))
        return 0;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.avsc", ctx->dir, full);
    FILE *probe = fopen(path, "r");
    if (!probe) {
        snprintf(ctx->err, ctx->errlen, "type \"%s\" is not defined (no %s)", full, path);
        return -1;
    }
    fclose(probe);
    json_t *def = load_json_file(path, ctx->err, ctx->errlen);
    if (!def)
        return -1;
    json_decref(*slot);
    *slot = def;
    return inline_refs(slot, ns, ctx);
}

static int inline_refs(json_t **slot, const char *ns, inline_ctx *ctx)
{
    json_t *s = *slot;
    if (json_is_string(s))
        return inline_name(slot, ns, ctx);
    if (json_is_array(s)) {
        for (size_t i = 0; i < json_array_size(s); i++) {
            json_t *branch = json_incref(json_array_get(s, i));
            int rc = inline_refs(&branch, ns, ctx);
            json_array_set_new(s, i, branch);
            if (rc)
                return -1;
        }
        return 0;
    }
    if (!json_is_object(s))
        return 0;
    const char *type = json_string_value(json_object_get(s, "type"));
    const char *name = json_string_value(json_object_get(s, "name"));
    char full[512] = "", inner_ns[512];
    snprintf(inner_ns, sizeof inner_ns, "%s", ns);
    if (name && type && (!strcmp(type, "record") || !strcmp(type, "error") ||
                         !strcmp(type, "enum") || !strcmp(type, "fixed"))) {
        const char *own_ns = json_string_value(json_object_get(s, "namespace"));
        full_name(name, own_ns ? own_ns : ns, full, sizeof full);
        json_object_set_new(ctx->defined, full, json_true());
        namespace_of(full, inner_ns, sizeof inner_ns);
    }
    static const char *const child_keys[] = {"type", "items", "values"};
    for (size_t k = 0; k < 3; k++) {
        json_t *child = json_object_get(s, child_keys[k]);
        if (!child || (k == 0 && json_is_string(child) && full[0]))
            continue; /* "type":"record" is a keyword, not a reference */
        if (k == 0 && json_is_string(child) &&
            (!strcmp(json_string_value(child), "array") || !strcmp(json_string_value(child), "map")))
            continue;
        json_incref(child);
        int rc = inline_refs(&child, ns, ctx);
        json_object_set_new(s, child_keys[k], child);
        if (rc)
            return -1;
    }
    json_t *fields = json_object_get(s, "fields");
    if (full[0] && json_is_array(fields)) {
        size_t i;
        json_t *f;
        json_array_foreach(fields, i, f) {
            json_t *ftype = json_object_get(f, "type");
            if (!ftype)
                continue;
            json_incref(ftype);
            int rc = inline_refs(&ftype, inner_ns, ctx);
            json_object_set_new(f, "type", ftype);
            if (rc)
                return -1;
        }
    }
    return 0;
}

lt_schema_set *lt_schema_set_load(const char *dir, char *err, size_t errlen)
{
    if (!dir)
        dir = LT_SCHEMA_DIR;
    lt_schema_set *set = calloc(1, sizeof *set);
    if (!set) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    for (int t = 0; t < LT_EVENT_TYPE_COUNT; t++) {
        const lt_event_type_info *info = lt_event_type_info_get((lt_event_type)t);
        char path[1024], why[512] = "";
        snprintf(path, sizeof path, "%s/%s.avsc", dir, info->name);
        json_t *root = load_json_file(path, why, sizeof why);
        if (!root) {
            snprintf(err, errlen, "schema for event type \"%s\": %s", info->name, why);
            goto fail;
        }
        inline_ctx ctx = {dir, json_object(), why, sizeof why};
        int rc = ctx.defined ? inline_refs(&root, "", &ctx) : -1;
        json_decref(ctx.defined);
        set->json[t] = rc == 0 ? json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(root);
        if (!set->json[t]) {
            snprintf(err, errlen, "%s: %s", path, why[0] ? why : "out of memory");
            goto fail;
        }
        if (avro_schema_from_json_length(set->json[t], strlen(set->json[t]), &set->schema[t])) {
            snprintf(err, errlen, "%s: avro rejects the schema: %s", path, avro_strerror());
            goto fail;
        }
        char *canonical = lt_avro_canonical_form(set->json[t], why, sizeof why);
        if (!canonical) {
            snprintf(err, errlen, "%s: %s", path, why);
            goto fail;
        }
        set->fingerprint[t] = lt_avro_crc64(canonical, strlen(canonical));
        free(canonical);
    }
    return set;
fail:
    lt_schema_set_destroy(set);
    return NULL;
}

void lt_schema_set_destroy(lt_schema_set *set)
{
    if (!set)
        return;
    for (int t = 0; t < LT_EVENT_TYPE_COUNT; t++) {
        free(set->json[t]);
        if (set->schema[t])
            avro_schema_decref(set->schema[t]);
    }
    free(set);
}

const char *lt_schema_set_json(const lt_schema_set *set, lt_event_type type)
{
    return (int)type >= 0 && type < LT_EVENT_TYPE_COUNT ? set->json[type] : NULL;
}

avro_schema_t lt_schema_set_schema(const lt_schema_set *set, lt_event_type type)
{
    return (int)type >= 0 && type < LT_EVENT_TYPE_COUNT ? set->schema[type] : NULL;
}

uint64_t lt_schema_set_fingerprint(const lt_schema_set *set, lt_event_type type)
{
    return (int)type >= 0 && type < LT_EVENT_TYPE_COUNT ? set->fingerprint[type] : 0;
}
