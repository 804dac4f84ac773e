/* render.h - a Kafka record's Avro value -> the JSON text of a WebSocket frame.
 *
 * Runs once per record on the consumer thread; the result is shared by every
 * subscriber of the room. The writer schema comes from the framing: a
 * Confluent header (0x00 + big-endian schema id) is resolved through the
 * registry (GET /schemas/ids/{id}) once per id and cached as a compiled
 * plan (avro/json.h); single-object encoding (C3 01 + CRC-64-AVRO
 * fingerprint) is resolved against the local schema set. The record is
 * decoded with the writer schema itself (no reader-schema projection), so a
 * field added by a newer collector appears in the JSON without a sidecar
 * release.
 *
 * JSON form: {"type":T,"room_id":…,"msg_id":…,"event_time":…,<the other
 * fields in schema order>} - the same form as core/event_json.h (unions as
 * the bare value, bytes and fixed as lowercase hex, enums as their symbol),
 * except that room_status is sent as type "status". The text is produced
 * without its closing brace so that the caller appends the cursor.
 */
#ifndef LT_SIDECAR_RENDER_H
#define LT_SIDECAR_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "avro/json.h" /* lt_avro_json_string, for the frames built by hand */
#include "avro/registry.h"
#include "avro/schemas.h"
#include "core/buf.h"
#include "core/contract.h"
#include "core/event.h"

typedef struct lt_sidecar_renderer lt_sidecar_renderer;

/* Fields of a room_status record the sidecar acts on. */
typedef struct lt_sidecar_status {
    char state[32];
    char reason[64];
    char message[256];
    int64_t retry_at;      /* 0 if none */
} lt_sidecar_status;

typedef struct lt_sidecar_rendered {
    char room_id[LT_ROOM_ID_MAX + 1]; /* from the record ("" if absent) */
    bool is_status;
    lt_sidecar_status status;   /* if is_status */
} lt_sidecar_rendered;

/* Either may be NULL (no registry: only single-object records decode; no
 * local schemas: only registry-framed records decode). Both are borrowed. */
lt_sidecar_renderer *lt_sidecar_renderer_create(lt_registry *registry,
                                                const lt_schema_set *local_schemas, char *err,
                                                size_t errlen);
void lt_sidecar_renderer_destroy(lt_sidecar_renderer *r);

/* Where a registry schema the renderer lacks comes from, instead of a
 * blocking registry call on the rendering thread (schema_fetch.c). lookup
 * returns 0 with *json (malloc'd, the caller frees) when it has the text,
 * -1 with `why` when the registry refused or failed (remembered as a
 * failure for 30 s), 1 while the lookup goes on (the record is skipped, not
 * remembered: a later record asks again). */
typedef struct lt_sidecar_schema_source {
    void *ctx;
    int (*lookup)(void *ctx, int32_t id, char **json, char *why, size_t whylen);
} lt_sidecar_schema_source;

/* Uses `src` (copied) for registry ids instead of the registry. */
void lt_sidecar_renderer_set_source(lt_sidecar_renderer *r, const lt_sidecar_schema_source *src);

/* An asynchronous schema source: a thread with its own registry client
 * (timeout_ms per request) answers lookups; the caller waits at most
 * wait_ms for a new id, and for lookups that do not end with a schema at
 * most wait_ms per 10 s in all, so that a stream of unknown ids (or a
 * registry that never answers) costs the rendering thread a bounded share
 * of its time. At most 1024 ids are
 * looked up or kept answered at once; past that a lookup fails at once. */
typedef struct lt_sidecar_schema_fetch lt_sidecar_schema_fetch;
lt_sidecar_schema_fetch *lt_sidecar_schema_fetch_create(const lt_registry_options *registry, long wait_ms,
                                                        char *err, size_t errlen);
void lt_sidecar_schema_fetch_destroy(lt_sidecar_schema_fetch *f); /* stops the thread; accepts NULL */
lt_sidecar_schema_source lt_sidecar_schema_fetch_source(lt_sidecar_schema_fetch *f);

/* Adds registry schema `id` (its text from the registry) ahead of the first
 * record that uses it, so that the consumer does not stop to fetch it. */
int lt_sidecar_renderer_add(lt_sidecar_renderer *r, int32_t id, const char *schema_json, char *err,
                            size_t errlen);

/* Decodes `value` and appends the frame's JSON without the closing '}' to
 * `out`. -1 with the reason in err if the framing is unknown, the schema
 * cannot be had, or the body does not decode. */
int lt_sidecar_render(lt_sidecar_renderer *r, lt_event_type type, const void *value, size_t len,
                      lt_buf *out, lt_sidecar_rendered *info, char *err, size_t errlen);

/* The name sent as "type" for an event type ("status" for room_status). */
const char *lt_sidecar_type_name(lt_event_type type);

#endif
