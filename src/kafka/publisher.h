/* publisher.h - lt_event -> acknowledged Avro record in Kafka.
 *
 * The publishing path every livetap program shares: the schemas are loaded
 * and parsed once; with a registry configured each topic's subject
 * (<topic>-value) is registered at creation and its id cached (Confluent
 * framing), without one records use Avro single-object encoding. Each event
 * goes to <prefix>.<type name> (overridable per type), keyed by room_id, with
 * headers event_type, platform, msg_id, collector_id, and game_sess when the
 * event has one (BIGO).
 *
 * Creation fails (and the program should exit non-zero) when the schemas do
 * not load, the registry is unreachable or rejects a schema, or no broker
 * answers within the start-up timeout: livetap never produces data nobody can
 * read.
 */
#ifndef LT_KAFKA_PUBLISHER_H
#define LT_KAFKA_PUBLISHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/contract.h" /* lt_topic_override, topic names and keys */
#include "core/event.h"
#include "kafka/producer.h"

typedef struct lt_publisher lt_publisher;

typedef struct lt_publisher_options {
    const char *schema_dir;                   /* NULL = the built-in LT_SCHEMA_DIR */
    const char *topic_prefix;                 /* NULL = "livetap" */
    const lt_topic_override *topic_overrides; /* kafka.topics */
    size_t topic_override_count;
    const char *collector_id; /* required: written on every record */
    const char *registry_url; /* NULL or "" = no registry: single-object encoding */
    const char *registry_username;
    const char *registry_password;
    lt_kafka_options kafka; /* bootstrap servers, pass-through properties, delivery cb */
    int startup_timeout_ms; /* broker check at creation; 0 = 10000 */
    bool broker_optional;   /* start even if no broker answers the check (readiness
                                          * then says so: lt_kafka_producer_health) */
} lt_publisher_options;

typedef enum lt_publish_status {
    LT_PUBLISH_OK = 0,
    LT_PUBLISH_BACKPRESSURE = 1, /* Kafka's local queue is full: poll and retry, or push back upstream */
    LT_PUBLISH_ERROR = -1,
} lt_publish_status;

lt_publisher *lt_publisher_create(const lt_publisher_options *opts, char *err, size_t errlen);
void lt_publisher_destroy(lt_publisher *pub); /* does not flush; accepts NULL */

/* Encodes and enqueues one event. The event's collector_id and ingest_time
 * are filled in if unset (NULL / 0). `opaque` comes back in the delivery
 * callback. */
lt_publish_status lt_publisher_publish(lt_publisher *pub, const lt_event *ev, void *opaque, char *err,
                                       size_t errlen);

/* The same with an explicit Kafka key: the entity key of a compacted topic
 * (lt_event_type_info.compacted, e.g. the gift id of gift_info). Without one
 * (NULL, and in lt_publisher_publish) gift_info is keyed by its gift id,
 * "bigo:<gift id>" for platform bigo, every other type by room_id. */
lt_publish_status lt_publisher_publish_keyed(lt_publisher *pub, const lt_event *ev, const char *key,
                                             void *opaque, char *err, size_t errlen);

/* The same with headers of the caller's after the standard ones (at most
 * LT_PUBLISHER_MAX_EXTRA_HEADERS; livetap-bigo's bigo_key, docs/topics.md). */
#define LT_PUBLISHER_MAX_EXTRA_HEADERS 4
lt_publish_status lt_publisher_publish_headers(lt_publisher *pub, const lt_event *ev, const char *key,
                                               const lt_kafka_header *extra, size_t extra_count, void *opaque,
                                               char *err, size_t errlen);

/* Encode now, send later: a collector that holds a room's events while the
 * room's previous owner finishes (tiktok/handover.h), and the gate while
 * Kafka's queue is full (kafka/gate.h), keep them encoded.
 * lt_publisher_encode appends the value lt_publisher_publish would send to
 * out; lt_publisher_publish_encoded sends such a value with the headers
 * lt_publisher_publish derives from `envelope` (type, platform, room_id,
 * msg_id, collector_id, game_sess: the event's, the rest of it unused),
 * then `extra` as in lt_publisher_publish_headers, and `key` (NULL: the one
 * the envelope gives). */
int lt_publisher_encode(lt_publisher *pub, const lt_event *ev, lt_buf *out, char *err, size_t errlen);
lt_publish_status lt_publisher_publish_encoded(lt_publisher *pub, const lt_event *envelope, const char *key,
                                               const lt_kafka_header *extra, size_t extra_count,
                                               const void *value, size_t len, void *opaque, char *err,
                                               size_t errlen);

/* The topic a type is published to. */
const char *lt_publisher_topic(const lt_publisher *pub, lt_event_type type);

lt_kafka_producer *lt_publisher_producer(lt_publisher *pub);
/* Strings published with ill-formed UTF-8 replaced by U+FFFD (avro/encoder.h). */
uint64_t lt_publisher_repaired_strings(const lt_publisher *pub);
/* Whether records carry registry schema ids (Confluent framing). */
bool lt_publisher_uses_registry(const lt_publisher *pub);
int lt_publisher_poll(lt_publisher *pub, int timeout_ms);
/* Flushes within timeout_ms; returns the number of records not delivered. */
size_t lt_publisher_flush(lt_publisher *pub, int timeout_ms);

#endif
