/* encoder.h - lt_event -> framed Avro bytes.
 *
 * At creation the encoder binds each type's field table (core/event_types.c)
 * to its parsed schema, field by field and by name, and builds an encoding
 * plan in schema order; any field the table lacks or whose kind does not fit
 * the schema's type fails creation, so a struct/schema mismatch stops the
 * process at start-up instead of producing unreadable data. Encoding then
 * walks the plan and writes Avro binary directly: no schema parsing and no
 * per-record allocation on the hot path. Not thread-safe (it counts).
 *
 * Framing per type: Confluent wire format (0x00, big-endian int32 schema id,
 * Avro binary) once lt_avro_encoder_set_schema_id() was called for the type,
 * otherwise Avro single-object encoding (C3 01, little-endian CRC-64-AVRO
 * fingerprint of the canonical form, Avro binary).
 */
#ifndef LT_AVRO_ENCODER_H
#define LT_AVRO_ENCODER_H

#include <stddef.h>
#include <stdint.h>

#include "avro/schemas.h"
#include "core/buf.h"
#include "core/event.h"

typedef struct lt_avro_encoder lt_avro_encoder;

/* The set must outlive the encoder. NULL on a table/schema mismatch, with
 * the type, field and reason in `err`. */
lt_avro_encoder *lt_avro_encoder_create(const lt_schema_set *schemas, char *err, size_t errlen);
void lt_avro_encoder_destroy(lt_avro_encoder *enc); /* accepts NULL */

/* Switch a type to Confluent framing with this registry id. */
void lt_avro_encoder_set_schema_id(lt_avro_encoder *enc, lt_event_type type, int32_t schema_id);

/* Appends the framed record to `out`. -1 only if memory runs out or the
 * event's type is out of range. Strings that are not well-formed UTF-8 are
 * written repaired (U+FFFD, core/utf8.h) and counted. */
int lt_avro_encode(lt_avro_encoder *enc, const lt_event *ev, lt_buf *out);

/* Appends only the Avro binary body (no framing). */
int lt_avro_encode_body(lt_avro_encoder *enc, const lt_event *ev, lt_buf *out);

/* Strings written so far with ill-formed UTF-8 replaced by U+FFFD. */
uint64_t lt_avro_encoder_repaired_strings(const lt_avro_encoder *enc);

#endif
