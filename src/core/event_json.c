/* event_json.c - see event_json.h. Walks the field tables of event_types.c. */
#include "core/event_json.h"

#include <stdio.h>
#include <stdlib.h>

static json_t *record_to_json(const lt_record_desc *desc, const uint8_t *base, json_t *obj);

static json_t *string_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *field_to_json(const lt_field *f, const uint8_t *base)
{
    const uint8_t *at = base + f->offset;
    switch (f->kind) {
    case LT_FIELD_BOOL: return json_boolean(*(const bool *)at);
    case LT_FIELD_INT: return json_integer(*(const int32_t *)at);
    case LT_FIELD_LONG: return json_integer(*(const int64_t *)at);
    case LT_FIELD_OPT_LONG: {
        const lt_opt_long *v = (const lt_opt_long *)at;
        return v->present ? json_integer(v->value) : json_null();
    }
    case LT_FIELD_STRING: {
        const char *s = *(const char *const *)at;
        return json_string(s ? s : "");
    }
    case LT_FIELD_OPT_STRING: return string_or_null(*(const char *const *)at);
    case LT_FIELD_BYTES: {
        const lt_bytes *b = (const lt_bytes *)at;
        char *hex = malloc(b->len * 2 + 1);
        if (!hex)
            return NULL;
        for (size_t i = 0; i < b->len; i++)
            snprintf(hex + 2 * i, 3, "%02x", b->data[i]);
        hex[b->len * 2] = '\0';
        json_t *j = json_string(hex);
        free(hex);
        return j;
    }
    case LT_FIELD_PLATFORM: return json_string(lt_platform_name(*(const lt_platform *)at));
    case LT_FIELD_RECORD: return record_to_json(f->record, at, json_object());
    case LT_FIELD_OPT_RECORD: {
        const uint8_t *rec = *(const uint8_t *const *)at;
        return rec ? record_to_json(f->record, rec, json_object()) : json_null();
    }
    case LT_FIELD_STRING_ARRAY:
    case LT_FIELD_RECORD_ARRAY: {
        json_t *arr = json_array();
        const void *items = *(const void *const *)at;
        size_t n = items ? *(const size_t *)(base + f->count_offset) : 0;
        for (size_t i = 0; arr && i < n; i++) {
            json_t *item = f->kind == LT_FIELD_STRING_ARRAY
                               ? json_string(((const char *const *)items)[i] ? ((const char *const *)items)[i] : "")
                               : record_to_json(f->record, (const uint8_t *)items + i * f->record->size,
                                                json_object());
            if (json_array_append_new(arr, item)) {
                json_decref(arr);
                return NULL;
            }
        }
        return arr;
    }
    }
    return NULL;
}

static json_t *record_to_json(const lt_record_desc *desc, const uint8_t *base, json_t *obj)
{
    for (size_t i = 0; obj && i < desc->field_count; i++) {
        json_t *v = field_to_json(&desc->fields[i], base);
        if (!v || json_object_set_new(obj, desc->fields[i].name, v)) {
            json_decref(obj);
            return NULL;
        }
    }
    return obj;
}

json_t *lt_event_to_json(const lt_event *ev)
{
    const lt_event_type_info *info = lt_event_type_info_get(ev->type);
    if (!info)
        return NULL;
    json_t *obj = json_pack("{s:s}", "type", info->name);
    obj = obj ? record_to_json(&lt_event_envelope, (const uint8_t *)ev, obj) : NULL;
    const lt_record_desc *game = lt_event_type_game(ev->type);
    if (obj && game)
        obj = record_to_json(game, (const uint8_t *)ev, obj);
    return obj ? record_to_json(info->record, (const uint8_t *)ev, obj) : NULL;
}
