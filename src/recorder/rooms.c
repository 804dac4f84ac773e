/* rooms.c - what the recorder knows about a room from <prefix>.room_info:
 * the Avro record (Confluent framing, writer schema from the registry)
 * decoded into the few fields recording needs. */
#include <avro.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro/json.h"
#include "avro/registry.h"
#include "recorder/internal.h"

typedef struct plan_entry {
    int32_t id;
    lt_avro_json *plan;
    lt_avro_json_field *fields;
} plan_entry;

struct lt_room_info_reader {
    lt_registry *reg;
    plan_entry plans[32];
    size_t count;
    lt_buf values, json;
};

lt_room_info_reader *lt_room_info_reader_create(lt_registry *reg)
{
    lt_room_info_reader *r = calloc(1, sizeof *r);
    if (r)
        r->reg = reg;
    return r;
}

void lt_room_info_reader_destroy(lt_room_info_reader *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->count; i++) {
        lt_avro_json_destroy(r->plans[i].plan);
        free(r->plans[i].fields);
    }
    lt_buf_free(&r->values);
    lt_buf_free(&r->json);
    free(r);
}

static plan_entry *plan_for(lt_room_info_reader *r, int32_t id, char *err, size_t errlen)
{
    for (size_t i = 0; i < r->count; i++)
        if (r->plans[i].id == id)
            return &r->plans[i];
    if (r->count == sizeof r->plans / sizeof r->plans[0]) {
        snprintf(err, errlen, "more than %zu writer schemas on room_info", r->count);
        return NULL;
    }
    char *text = NULL;
    if (lt_registry_get_schema(r->reg, id, &text, err, errlen) != LT_REGISTRY_OK)
        return NULL;
    avro_schema_t schema;
    int bad = avro_schema_from_json_length(text, strlen(text), &schema);
    free(text);
    if (bad) {
        snprintf(err, errlen, "schema %d does not parse: %s", id, avro_strerror());
        return NULL;
    }
    plan_entry *e = &r->plans[r->count];
    e->plan = lt_avro_json_compile(schema, err, errlen);
    avro_schema_decref(schema);
    if (!e->plan)
        return NULL;
    e->fields = calloc(lt_avro_json_field_count(e->plan) + 1, sizeof *e->fields);
    if (!e->fields) {
        lt_avro_json_destroy(e->plan);
        return NULL;
    }
    e->id = id;
    r->count++;
    return e;
}

int lt_room_info_decode(lt_room_info_reader *r, const void *value, size_t len, json_t **out, char *err,
                        size_t errlen)
{
    const uint8_t *v = value;
    *out = NULL;
    if (len < 5 || v[0] != 0) {
        snprintf(err, errlen, "not a schema-registry framed Avro record (livetap-recorder needs kafka.registry_url)");
        return -1;
    }
    int32_t id = (int32_t)((uint32_t)v[1] << 24 | (uint32_t)v[2] << 16 | (uint32_t)v[3] << 8 | v[4]);
    plan_entry *e = plan_for(r, id, err, errlen);
    if (!e)
        return -1;
    lt_buf_reset(&r->values);
    if (lt_avro_json_record(e->plan, v + 5, len - 5, &r->values, e->fields) < 0) {
        snprintf(err, errlen, "room_info record does not decode with its writer schema %d", id);
        return -1;
    }
    lt_buf_reset(&r->json);
    lt_buf_append_byte(&r->json, '{');
    for (size_t i = 0; i < lt_avro_json_field_count(e->plan); i++) {
        size_t klen;
        const char *key = lt_avro_json_field_key(e->plan, i, &klen);
        if (i)
            lt_buf_append_byte(&r->json, ',');
        lt_buf_append(&r->json, key, klen);
        lt_buf_append(&r->json, r->values.data + e->fields[i].off, e->fields[i].len);
    }
    if (lt_buf_append_byte(&r->json, '}')) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    json_error_t jerr;
    *out = json_loadb((const char *)r->json.data, r->json.len, 0, &jerr);
    if (!*out) {
        snprintf(err, errlen, "room_info rendered as bad JSON: %s", jerr.text);
        return -1;
    }
    return 0;
}
