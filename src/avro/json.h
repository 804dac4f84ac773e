/* json.h - an Avro record body straight to JSON text, by a plan compiled
 * from the writer schema.
 *
 * The sidecar renders every Kafka record it reads; avro-c's generic value
 * (decode into a tree, then walk it) costs an allocation per string and a
 * name lookup per field, and was half of the sidecar's per-record CPU
 * (bench/bench_render.c). Here the schema is compiled once into a graph of
 * nodes with the JSON keys already escaped, and a record body is read and
 * written in one pass.
 *
 * JSON form (that of core/event_json.h): unions as the bare value of their
 * branch, bytes and fixed as lowercase hex, enums as their symbol, floats as
 * %.17g (non-finite as null), maps as objects, strings with invalid UTF-8
 * replaced by U+FFFD.
 *
 * Input is hostile: every length and count is checked against what is left,
 * nesting is bounded, and the number of array and map elements per record is
 * bounded (an element of type null takes no bytes). A body that does not
 * decode returns -1 and leaves nothing half-written in the caller's buffer.
 */
#ifndef LT_AVRO_JSON_H
#define LT_AVRO_JSON_H

#include <avro.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

typedef struct lt_avro_json lt_avro_json;

/* One top-level field of a decoded record. */
typedef struct lt_avro_json_field {
    size_t off, len;        /* its JSON value in the caller's buffer */
    const char *str;        /* a string value (through a union): points into the body */
    size_t str_len;
    bool has_str;
    int64_t num;            /* an int or long value (through a union) */
    bool has_num;
} lt_avro_json_field;

/* Compiles a record schema (borrowed; the plan does not keep it). NULL with
 * the reason in err if it is not a record or uses something unknown. */
lt_avro_json *lt_avro_json_compile(avro_schema_t record, char *err, size_t errlen);
void lt_avro_json_destroy(lt_avro_json *plan); /* accepts NULL */

/* Number of top-level fields; index of a field by name (-1 if absent);
 * the field's name as a JSON key, escaped, with its colon: "name": */
size_t lt_avro_json_field_count(const lt_avro_json *plan);
int lt_avro_json_field_index(const lt_avro_json *plan, const char *name);
const char *lt_avro_json_field_key(const lt_avro_json *plan, size_t i, size_t *len);

/* Decodes one record body of `len` bytes. Each top-level field's JSON value
 * is appended to `values` and described in fields[i] (the array holds
 * lt_avro_json_field_count() entries). Bytes after the record are ignored,
 * as avro-c does. 0, or -1 if the body does not decode (values is restored
 * to its length on entry). */
int lt_avro_json_record(const lt_avro_json *plan, const uint8_t *body, size_t len, lt_buf *values,
                        lt_avro_json_field *fields);

/* Appends `s` (len bytes) as a JSON string; invalid UTF-8 becomes U+FFFD so
 * that browsers never receive a text frame they must reject. */
int lt_avro_json_string(lt_buf *out, const char *s, size_t len);

#endif
