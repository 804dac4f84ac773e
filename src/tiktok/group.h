/* group.h - TikTok rooms in a consumer group (kafka/group.h).
 *
 * The membership is kafka/group's and knows nothing of TikTok. What is
 * TikTok's is here: the rule for a room's key in the control topic (a room
 * spec in canonical form: "@user" in lower case, or the numeric room id;
 * lt_tiktok_group_key), and what the group's callbacks do to a collector:
 * a room assigned here starts (or is taken back, if it was being handed
 * over from here), a tombstone releases it, a revoked live room is handed
 * over make-before-break (tiktok/handover.h) while the group reads peer
 * statuses, and every other revoked room stops ("ended" [reassigned], or
 * [shutdown] as the group closes). The peer statuses are <prefix>.room_status
 * records, decoded as far as the handover needs.
 *
 * The runtime (collector/runtime.c) creates the group with
 * lt_tiktok_group_callbacks(collector), enables the collector's handover
 * when lt_kafka_group_has_status() says the statuses are read, and writes
 * rooms through the functions below, which take room specs as a user
 * writes them.
 */
#ifndef LT_TIKTOK_GROUP_H
#define LT_TIKTOK_GROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kafka/group.h"
#include "tiktok/collector.h"

/* The canonical key for a room spec ("@user" or room id); -1 if it does not
 * parse. */
int lt_tiktok_group_key(const char *input, char *out, size_t outlen, char *err, size_t errlen);

/* The callbacks that make c's rooms follow the group (above); c is
 * borrowed and must outlive the group. */
lt_kafka_group_callbacks lt_tiktok_group_callbacks(lt_tiktok_collector *c);

/* Writes a room spec to the control topic (remove = tombstone) and waits
 * for the broker's acknowledgement (lt_kafka_group_put). -1 with err on a
 * spec that does not parse or if Kafka did not acknowledge. */
int lt_tiktok_group_put(lt_kafka_group *g, const char *input, bool remove, char *err, size_t errlen);
/* The same for discovery (lt_kafka_group_put_discovered). */
int lt_tiktok_group_put_discovered(lt_kafka_group *g, const char *input, int64_t discovered_at,
                                   int64_t viewers, char *err, size_t errlen);

/* read_all: what the control topic holds for a room (collector.h);
 * LT_TIKTOK_SOURCE_UNKNOWN until every partition was read to its end once
 * (or without read_all, or for a spec that does not parse). */
lt_tiktok_room_source lt_tiktok_group_room_source(const lt_kafka_group *g, const char *input);

#endif
