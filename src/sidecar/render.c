/* render.c - Avro (Confluent or single-object framing) -> frame JSON.
 *
 * The record body is written as JSON in one pass by a plan compiled from the
 * writer schema (avro/json.h): this is the one per-record path of the
 * sidecar, and avro-c's generic value (decode into a tree, look fields up by
 * name, walk it) cost twice as much (bench/bench_render.c). Each top-level
 * field's JSON lands in a scratch buffer, so that the frame can lead with
 * room_id, msg_id and event_time whatever the schema's order. The output is
 * checked against jansson in the unit tests.
 *
 * Schema cache: a small open-addressing table keyed by (kind, id or
 * fingerprint). Each entry keeps the compiled plan and the indices of the
 * fields the frame treats specially. Registry failures are remembered for
 * 30 s so that a burst of records with an unknown id does not become a burst
 * of HTTP requests.
 */
#include "sidecar/render.h"

#include <avro.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro/json.h"
#include "core/log.h"

#define RETRY_FAILED_MS 30000

/* Top-level fields the frame places or reads itself. */
enum { F_ROOM_ID, F_MSG_ID, F_EVENT_TIME, F_STATE, F_REASON, F_MESSAGE, F_RETRY_AT, F_COUNT };
static const char *const special_names[F_COUNT] = {"room_id", "msg_id", "event_time", "state",
                                                   "reason", "message", "retry_at"};

typedef struct schema_entry {
    bool used;
    bool failed;
    uint8_t kind;          /* 0 registry id, 1 fingerprint */
    uint64_t key;
    int64_t failed_at;
    lt_avro_json *plan;
    lt_avro_json_field *fields; /* one per top-level field, reused per record */
    size_t *order;         /* the fields written, in frame order (type and cursor are not) */
    size_t order_len;
    int special[F_COUNT];  /* field index, or -1 */
} schema_entry;

struct lt_sidecar_renderer {
    lt_registry *registry;
    lt_sidecar_schema_source source; /* lookup NULL: the registry, blocking */
    schema_entry *entries;
    size_t cap;
    size_t used;
    lt_buf values;         /* the current record's field values as JSON */
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
    lt_avro_json_destroy(e->plan);
    free(e->fields);
    free(e->order);
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

/* Compiles the writer schema (borrowed) into the entry. */
static int entry_bind(schema_entry *e, avro_schema_t schema, char *err, size_t errlen)
{
    e->plan = lt_avro_json_compile(schema, err, errlen);
    if (!e->plan)
        return -1;
    size_t n = lt_avro_json_field_count(e->plan);
    e->fields = calloc(n ? n : 1, sizeof(*e->fields));
    e->order = calloc(n ? n : 1, sizeof(*e->order));
    if (!e->fields || !e->order) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int k = 0; k < F_COUNT; k++)
        e->special[k] = lt_avro_json_field_index(e->plan, special_names[k]);
    /* room_id, msg_id, event_time first (the protocol's order), then the rest
     * in schema order; a record's own "type" or "cursor" would clash with the
     * frame's. */
    int type_field = lt_avro_json_field_index(e->plan, "type");
    int cursor_field = lt_avro_json_field_index(e->plan, "cursor");
    for (int k = F_ROOM_ID; k <= F_EVENT_TIME; k++)
        if (e->special[k] >= 0)
            e->order[e->order_len++] = (size_t)e->special[k];
    for (size_t i = 0; i < n; i++) {
        int f = (int)i;
        if (f != e->special[F_ROOM_ID] && f != e->special[F_MSG_ID] && f != e->special[F_EVENT_TIME] &&
            f != type_field && f != cursor_field)
            e->order[e->order_len++] = i;
    }
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
    for (int t = 0; local_schemas && t < LT_EVENT_TYPE_COUNT; t++) {
        avro_schema_t s = lt_schema_set_schema(local_schemas, (lt_event_type)t);
        if (!s)
            continue;
        schema_entry *e = lookup(r, 1, lt_schema_set_fingerprint(local_schemas, (lt_event_type)t), true);
        if (!e)
            goto oom;
        if (e->plan)
            continue;
        char why[200];
        if (entry_bind(e, s, why, sizeof(why)) < 0) {
            snprintf(err, errlen, "local schema #%d: %s", t, why);
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
    lt_buf_free(&r->values);
    free(r);
}

/* Notes that registry id `id` could not be had (so that it is not asked
 * again for RETRY_FAILED_MS). NULL only when out of memory. */
static schema_entry *remember_failure(lt_sidecar_renderer *r, int32_t id)
{
    schema_entry *e = lookup(r, 0, (uint64_t)(uint32_t)id, true);
    if (!e)
        return NULL;
    entry_clear(e);
    e->used = true;
    e->kind = 0;
    e->key = (uint64_t)(uint32_t)id;
    e->failed = true;
    e->failed_at = lt_now_ms();
    return e;
}

/* Parses and compiles the registry's text of schema `id`. The entry, with
 * no plan (and `why` set) if the text is not a usable record schema; NULL
 * only when out of memory. */
static schema_entry *add_registry_schema(lt_sidecar_renderer *r, int32_t id, const char *json,
                                         char *why, size_t whylen)
{
    schema_entry *e = lookup(r, 0, (uint64_t)(uint32_t)id, true);
    if (!e)
        return NULL;
    if (e->plan)
        return e;
    avro_schema_t schema = NULL;
    if (avro_schema_from_json_length(json, strlen(json), &schema) != 0) {
        snprintf(why, whylen, "%s", avro_strerror());
        return remember_failure(r, id);
    }
    int bound = entry_bind(e, schema, why, whylen);
    avro_schema_decref(schema);
    return bound < 0 ? remember_failure(r, id) : e;
}

void lt_sidecar_renderer_set_source(lt_sidecar_renderer *r, const lt_sidecar_schema_source *src)
{
    r->source = *src;
}

int lt_sidecar_renderer_add(lt_sidecar_renderer *r, int32_t id, const char *schema_json, char *err,
                            size_t errlen)
{
    char why[256] = "";
    schema_entry *e = add_registry_schema(r, id, schema_json, why, sizeof(why));
    if (e && e->plan)
        return 0;
    snprintf(err, errlen, "schema id %d: %s", (int)id, e ? why : "out of memory");
    return -1;
}

static schema_entry *schema_for(lt_sidecar_renderer *r, const uint8_t *v, size_t len,
                                size_t *body_off, char *err, size_t errlen)
{
    if (len >= 5 && v[0] == 0x00) {
        int32_t id = (int32_t)((uint32_t)v[1] << 24 | (uint32_t)v[2] << 16 | (uint32_t)v[3] << 8 | v[4]);
        *body_off = 5;
        schema_entry *e = lookup(r, 0, (uint64_t)(uint32_t)id, false);
        if (e && e->plan)
            return e;
        if (e && e->failed && lt_now_ms() - e->failed_at < RETRY_FAILED_MS) {
            snprintf(err, errlen, "schema id %d could not be fetched recently", id);
            return NULL;
        }
        if (!r->registry && !r->source.lookup) {
            snprintf(err, errlen, "record uses schema id %d but no registry is configured", id);
            return NULL;
        }
        char *json = NULL;
        char why[256] = "";
        bool had;
        if (r->source.lookup) {
            int rc = r->source.lookup(r->source.ctx, id, &json, why, sizeof(why));
            if (rc > 0) {
                snprintf(err, errlen, "schema id %d: %s", id, why);
                return NULL;
            }
            had = rc == 0;
        } else {
            had = lt_registry_get_schema(r->registry, id, &json, why, sizeof(why)) == LT_REGISTRY_OK;
        }
        e = had ? add_registry_schema(r, id, json, why, sizeof(why)) : remember_failure(r, id);
        free(json);
        if (!e || !e->plan) {
            snprintf(err, errlen, "schema id %d: %s", id, e ? why : "out of memory");
            return NULL;
        }
        return e;
    }
    if (len >= 10 && v[0] == 0xC3 && v[1] == 0x01) {
        uint64_t fp = 0;
        for (int i = 7; i >= 0; i--)
            fp = fp << 8 | v[2 + i];
        *body_off = 10;
        schema_entry *e = lookup(r, 1, fp, false);
        if (e && e->plan)
            return e;
        snprintf(err, errlen, "single-object record with unknown schema fingerprint %016llx",
                 (unsigned long long)fp);
        return NULL;
    }
    snprintf(err, errlen, "value is neither Confluent-framed (0x00) nor single-object (C3 01) Avro");
    return NULL;
}

/* --- frame --- */

static void copy_string(const lt_avro_json_field *fields, int i, char *dst, size_t cap)
{
    dst[0] = '\0';
    if (i < 0 || !fields[i].has_str)
        return;
    size_t n = fields[i].str_len < cap - 1 ? fields[i].str_len : cap - 1;
    memcpy(dst, fields[i].str, n);
    dst[n] = '\0';
}

int lt_sidecar_render(lt_sidecar_renderer *r, lt_event_type type, const void *value, size_t len,
                      lt_buf *out, lt_sidecar_rendered *info, char *err, size_t errlen)
{
    size_t off = 0, start = out->len;
    memset(info, 0, sizeof(*info));
    if (!value || len == 0) {
        snprintf(err, errlen, "empty value");
        return -1;
    }
    schema_entry *e = schema_for(r, value, len, &off, err, errlen);
    if (!e)
        return -1;
    lt_buf_reset(&r->values);
    if (lt_avro_json_record(e->plan, (const uint8_t *)value + off, len - off, &r->values, e->fields) < 0) {
        snprintf(err, errlen, "avro body does not decode with its writer schema");
        return -1;
    }
    const char *tname = lt_sidecar_type_name(type);
    if (lt_buf_append(out, "{\"type\":", 8) < 0 || lt_avro_json_string(out, tname, strlen(tname)) < 0)
        goto oom;
    for (size_t k = 0; k < e->order_len; k++) {
        size_t i = e->order[k], klen;
        const char *key = lt_avro_json_field_key(e->plan, i, &klen);
        if (lt_buf_append_byte(out, ',') < 0 || lt_buf_append(out, key, klen) < 0 ||
            lt_buf_append(out, r->values.data + e->fields[i].off, e->fields[i].len) < 0)
            goto oom;
    }
    copy_string(e->fields, e->special[F_ROOM_ID], info->room_id, sizeof(info->room_id));
    if (type == LT_EVENT_ROOM_STATUS) {
        info->is_status = true;
        copy_string(e->fields, e->special[F_STATE], info->status.state, sizeof(info->status.state));
        copy_string(e->fields, e->special[F_REASON], info->status.reason, sizeof(info->status.reason));
        copy_string(e->fields, e->special[F_MESSAGE], info->status.message, sizeof(info->status.message));
        int i = e->special[F_RETRY_AT];
        info->status.retry_at = i >= 0 && e->fields[i].has_num ? e->fields[i].num : 0;
    }
    return 0;
oom:
    out->len = start;
    snprintf(err, errlen, "out of memory");
    return -1;
}
