/* fuzz_sidecar_render.c - libFuzzer target for the sidecar's renderer: a
 * Kafka record value (Avro) -> the frame's JSON, through the plan compiled
 * from the writer schema (avro/json.c) and the frame assembly (render.c).
 *
 * Input: one byte choosing the event type, then the Avro body, which the
 * target frames with that type's single-object header (so the fuzzer spends
 * its time in the body, not on finding a fingerprint). With the byte's high
 * bit set the rest is passed as the whole value instead, framing included.
 * Invariants checked: a render that succeeds is valid JSON once closed, an
 * object whose first key is "type", whose room_id matches the one reported;
 * a render that fails leaves the output buffer as it was.
 *
 * Seeds (tests/fuzz/corpus/sidecar_render): one encoded sample event per
 * type. Build with scripts/fuzz.sh (clang, ASan + UBSan).
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro/schemas.h"
#include "sidecar/render.h"

static lt_schema_set *schemas;

/* Printable-or-control ASCII without NUL: JSON gives it back byte for byte. */
static int ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == 0 || (unsigned char)s[i] >= 0x80)
            return 0;
    return 1;
}
static lt_sidecar_renderer *renderer;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    if (!renderer) {
        schemas = lt_schema_set_load(LT_SCHEMA_DIR, err, sizeof(err));
        renderer = schemas ? lt_sidecar_renderer_create(NULL, schemas, err, sizeof(err)) : NULL;
        if (!renderer)
            abort();
    }
    if (size < 1)
        return 0;
    lt_event_type type = (lt_event_type)((data[0] & 0x7f) % LT_EVENT_TYPE_COUNT);
    lt_buf value = LT_BUF_INIT, out = LT_BUF_INIT;
    if (data[0] & 0x80) {
        lt_buf_append(&value, data + 1, size - 1);
    } else {
        uint8_t head[10] = {0xC3, 0x01};
        uint64_t fp = lt_schema_set_fingerprint(schemas, type);
        for (int i = 0; i < 8; i++)
            head[2 + i] = (uint8_t)(fp >> (8 * i));
        lt_buf_append(&value, head, sizeof(head));
        lt_buf_append(&value, data + 1, size - 1);
    }
    lt_buf_append(&out, "[", 1); /* something before: a failure must leave it alone */
    lt_sidecar_rendered info;
    if (lt_sidecar_render(renderer, type, value.data, value.len, &out, &info, err, sizeof(err)) == 0) {
        lt_buf_append_byte(&out, '}');
        json_error_t jerr;
        json_t *j = json_loadb((const char *)out.data + 1, out.len - 1, JSON_ALLOW_NUL, &jerr);
        if (!j || !json_is_object(j) || memcmp(out.data + 1, "{\"type\":", 8) != 0) {
            fprintf(stderr, "not a JSON object (%s): %.*s\n", j ? "" : jerr.text, (int)out.len - 1,
                    (const char *)out.data + 1);
            abort();
        }
        json_t *room = json_object_get(j, "room_id");
        if (json_is_string(room) && ascii(json_string_value(room), json_string_length(room)) &&
            json_string_length(room) < sizeof(info.room_id) && strcmp(json_string_value(room), info.room_id) != 0)
            abort();
        json_decref(j);
    } else if (out.len != 1) {
        abort();
    }
    lt_buf_free(&value);
    lt_buf_free(&out);
    return 0;
}
