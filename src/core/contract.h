/* contract.h - the data contract between livetap's writers and readers.
 *
 * What a consumer of livetap's Kafka topics may rely on, in one place:
 *  - topic names: each event type is published to `<prefix>.<type>`
 *    ("livetap.chat"), unless a per-type override names another topic
 *    (kafka.topics in the collector's and the sidecar's configuration);
 *  - the collector group's defaults: the control topic `<prefix>.rooms`
 *    and the consumer group `<prefix>-collectors`;
 *  - the record key: the room id, except in the gift catalogue (gift_info,
 *    a compacted topic), keyed by gift id, "bigo:<gift id>" for BIGO's gifts
 *    (another id space in the same topic);
 *  - a room id: 1 to LT_ROOM_ID_MAX bytes of [A-Za-z0-9._:@~-]. A
 *    platform may be stricter (a TikTok room id is decimal, tiktok/room.h).
 * docs/topics.md describes the same for users; the collector writes by it,
 * the sidecar and the dedupe tail reader read by it.
 */
#ifndef LT_CORE_CONTRACT_H
#define LT_CORE_CONTRACT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/event.h"

#define LT_ROOM_ID_MAX 128
#define LT_TOPIC_PREFIX_DEFAULT "livetap"
/* Kafka refuses longer topic names */
#define LT_TOPIC_NAME_MAX 249
/* the longest key lt_event_key formats ("bigo:" and an int64) */
#define LT_EVENT_KEY_MAX 32

bool lt_room_id_valid(const char *room_id, size_t len);

typedef struct lt_topic_override {
    const char *type_name; /* "chat" */
    const char *topic;     /* the full topic name to use instead */
} lt_topic_override;

/* Overrides from "type=topic" items (a configuration mapping such as
 * kafka.topics, as core/config.h stores it). *out is malloc'd, its strings
 * point into `items`; free it with free(). -1 with the reason in err: an
 * unknown type (the valid ones are listed), no '=', an empty topic. */
int lt_topic_overrides_parse(const char *const *items, size_t count, lt_topic_override **out, char *err,
                             size_t errlen);

/* The topic of every event type. */
typedef struct lt_topic_names {
    char *of[LT_EVENT_TYPE_COUNT];
} lt_topic_names;

/* prefix NULL or "" = LT_TOPIC_PREFIX_DEFAULT. -1 with the reason in err if
 * an override names an unknown type or a type twice, a name is not a valid
 * Kafka topic name, or two types would share a topic (a reader could not
 * tell their records apart). */
int lt_topic_names_init(lt_topic_names *out, const char *prefix, const lt_topic_override *overrides,
                        size_t override_count, char *err, size_t errlen);
/* Accepts a zeroed or half-built set. */
void lt_topic_names_free(lt_topic_names *names);

/* The group defaults; -1 if out is too small. */
int lt_control_topic_default(const char *prefix, char *out, size_t outlen);
int lt_collector_group_default(const char *prefix, char *out, size_t outlen);

/* The Kafka key of an event's record: its room id, or for the gift catalogue
 * the gift id formatted into buf (at least LT_EVENT_KEY_MAX bytes). Never
 * NULL ("" for an event without a room id). */
const char *lt_event_key(const lt_event *ev, char *buf, size_t buflen);

#endif
