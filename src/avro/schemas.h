/* schemas.h - the Avro schemas of every event type, loaded and parsed once.
 *
 * schemas/<type>.avsc holds each event type's record. Shared named types
 * (io.livetap.User) live in schemas/<full.name>.avsc and are referenced by
 * name, the convention fastavro's load_schema and avro-tools use; the loader
 * inlines each reference's definition at its first use, so the JSON it keeps
 * (and registers) is self-contained.
 *
 * For registry-less output it also computes each schema's Parsing Canonical
 * Form and CRC-64-AVRO fingerprint (Avro specification, "Schema
 * Fingerprints"), which avro-c 1.11 does not provide.
 */
#ifndef LT_AVRO_SCHEMA_H
#define LT_AVRO_SCHEMA_H

#include <avro.h>
#include <stddef.h>
#include <stdint.h>

#include "core/event.h"

typedef struct lt_schema_set lt_schema_set;

/* Loads and parses schemas/<name>.avsc for every event type from `dir`.
 * NULL on failure, with the file and the reason in `err`. */
lt_schema_set *lt_schema_set_load(const char *dir, char *err, size_t errlen);
void lt_schema_set_destroy(lt_schema_set *set); /* accepts NULL */

/* The self-contained schema JSON of a type (what is registered). */
const char *lt_schema_set_json(const lt_schema_set *set, lt_event_type type);
/* The parsed schema (owned by the set). */
avro_schema_t lt_schema_set_schema(const lt_schema_set *set, lt_event_type type);
/* CRC-64-AVRO fingerprint of the schema's Parsing Canonical Form. */
uint64_t lt_schema_set_fingerprint(const lt_schema_set *set, lt_event_type type);

/* Parsing Canonical Form of a schema given as JSON text; the result is
 * malloc'd (caller frees). NULL on invalid input, with the reason in `err`. */
char *lt_avro_canonical_form(const char *schema_json, char *err, size_t errlen);

/* CRC-64-AVRO (Rabin) fingerprint of bytes. */
uint64_t lt_avro_crc64(const void *data, size_t len);

#endif
