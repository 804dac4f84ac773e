/* event_json.h - an lt_event as JSON, driven by the same field tables as Avro.
 *
 * For people and tests, not the hot path: livetap-demo writes a manifest of
 * what it published, and tests compare what they read back from Kafka with
 * it. Field names and nesting are the Avro record's, so the JSON of an event
 * equals the JSON form of its decoded Avro record (bytes as lowercase hex,
 * nullable fields as null or the value, the platform as its name).
 */
#ifndef LT_CORE_EVENT_JSON_H
#define LT_CORE_EVENT_JSON_H

#include <jansson.h>

#include "core/event.h"

/* A new JSON object with "type" (the type name), the envelope fields, the
 * game fields (room events: game_id and game_sess, null when unset, as in the
 * decoded record) and the type's fields; NULL if memory runs out. */
json_t *lt_event_to_json(const lt_event *ev);

#endif
