/* group.h - collectors sharing rooms through a Kafka consumer group.
 *
 * The rooms to collect live in a compacted control topic (default
 * <prefix>.rooms): key = the room spec in canonical form ("@user" or the
 * numeric room id), value = a small JSON document {"room": ..., "added_at":
 * ..., "by": ...}, tombstone (null value) = stop collecting it. Every
 * collector of a deployment joins one consumer group on that topic and
 * collects exactly the rooms whose keys fall in the partitions Kafka assigned
 * to it, so Kafka's group machinery spreads the rooms, moves them off a
 * collector that stopped or died (after the group's session timeout) and
 * back when collectors join.
 *
 * Assigned partitions are always read from the beginning (nothing is
 * committed): a compacted topic's whole content is the desired state.
 * The cooperative-sticky assignor moves only the partitions that must move,
 * so a rebalance does not restart every room.
 *
 * A room that moves while live is handed over make-before-break
 * (tiktok/handover.h): on revoke it is not stopped but announced
 * "handing_over" on room_status and collected on until the new owner
 * publishes "live" for it (or group.handover_timeout_s passes); the new owner
 * holds the room's events until the old one has published "ended"
 * [handed_over], refreshes its dedupe window from Kafka and publishes what it
 * held, so the overlap costs neither a loss nor a duplicate. Both sides learn
 * about the other from a small assign-only consumer of <prefix>.room_status
 * that this group polls from the same tick. Rooms that are not live stop at
 * once on revoke ("ended" [reassigned]). Nothing in the revoke callback
 * blocks: a flush there stalled the loop for more than a second while the
 * room had already stopped reading (issue 20, defect 7: the messages of that
 * second were in neither owner's records).
 *
 * Leaving: lt_tiktok_group_leave() (the first SIGTERM in group mode) revokes
 * every partition, so live rooms are handed over to the collectors that
 * stay; the process stops once they are (or at the deadline, or at a second
 * signal). Closing the consumer (lt_tiktok_group_destroy, after the loop
 * stopped) still stops every room and flushes before giving up partitions.
 *
 * Discovery in group mode (discovery.c, docs/collector.md "Discovery"): the
 * collector that owns partition 0 of the control topic is the fleet's one
 * discoverer (lt_tiktok_group_leads). With read_all, every member also
 * reads the whole control topic (every partition, an assign-only consumer
 * besides the group's), so it knows every room and which of them discovery
 * put (value "source": "discovery"): the discoverer counts those against
 * discovery.max_rooms and never puts a room that is there already, and the
 * collector that owns a discovery room tombstones it when it ends. An
 * operator's put of the same key (no marker) makes it a manual room again.
 *
 * Everything runs on the collector's loop: lt_tiktok_group_poll() is called
 * from its tick, and the rebalance callbacks run inside that poll.
 */
#ifndef LT_TIKTOK_GROUP_H
#define LT_TIKTOK_GROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kafka/producer.h"
#include "kafka/publisher.h"
#include "tiktok/collector.h"

typedef struct lt_tiktok_group lt_tiktok_group;

typedef struct lt_tiktok_group_options {
    const char *bootstrap_servers;
    const lt_kafka_property *properties; /* security settings etc. */
    size_t property_count;
    const char *control_topic;           /* required */
    const char *group_id;                /* required */
    const char *collector_id;            /* written as "by" */
    int partitions;                      /* when the control topic is created; 0 = 12 */
    int session_timeout_ms;              /* 0 = 10000 */
    lt_tiktok_collector *collector;      /* borrowed */
    lt_publisher *publisher;             /* borrowed; flushed when the group is closed (may be NULL) */
    int flush_timeout_ms;                /* 0 = 10000 */
    const char *status_topic;            /* <prefix>.room_status: live rooms are handed over
                                          * (handover.h); NULL = stopped at once on revoke */
    int64_t handover_timeout_ms;         /* 0 = 20000 */
    size_t hold_max_events, hold_max_bytes; /* per room held by a new owner; 0 = 20000, 8 MiB */
    bool read_all;                          /* read every partition of the control topic too (above) */
} lt_tiktok_group_options;

typedef struct lt_tiktok_group_stats {
    int partitions_assigned;
    size_t rooms_owned;
    uint64_t rebalances;
    uint64_t records;        /* control records read */
    uint64_t bad_records;    /* keys that are not room specs, values that are not JSON */
    uint64_t bad_status_records; /* room_status records the handover could not read */
    size_t rooms_in_topic;       /* read_all: rooms in the control topic, fleet-wide */
    size_t rooms_discovered;     /* read_all: of them, those discovery put */
} lt_tiktok_group_stats;

/* Creates the control topic if missing (compacted), joins the group. */
lt_tiktok_group *lt_tiktok_group_create(const lt_tiktok_group_options *opts, char *err, size_t errlen);
/* Leaves the group: revokes (stops) every room it owns, then closes. */
void lt_tiktok_group_destroy(lt_tiktok_group *g); /* accepts NULL */

/* Leaves the group while the loop goes on (a graceful stop): the next poll
 * revokes every partition, so live rooms are handed over to the collectors
 * that stay (handover.h) instead of stopping before anyone else has them.
 * lt_tiktok_collector_handovers_pending() says when they are done. */
void lt_tiktok_group_leave(lt_tiktok_group *g);
/* Members of the group now (asks the group coordinator, blocking up to
 * timeout_ms); -1 if it did not answer. */
int lt_tiktok_group_members(lt_tiktok_group *g, int timeout_ms);

/* Serves the consumer: control records and rebalances. Call from the loop. */
void lt_tiktok_group_poll(lt_tiktok_group *g);

/* Writes a room to the control topic (remove = tombstone) and waits for the
 * broker's acknowledgement. Whichever collector owns its partition starts or
 * stops it. -1 with err on bad input or if Kafka did not acknowledge. */
int lt_tiktok_group_put(lt_tiktok_group *g, const char *input, bool remove, char *err, size_t errlen);

/* The same for discovery: the value carries "source": "discovery" and
 * "discovered_at" (epoch ms) and "viewers" (when >= 0). */
int lt_tiktok_group_put_discovered(lt_tiktok_group *g, const char *input, int64_t discovered_at,
                                   int64_t viewers, char *err, size_t errlen);

/* Whether this collector owns partition 0 of the control topic: the one
 * that runs discovery rounds. */
bool lt_tiktok_group_leads(const lt_tiktok_group *g);

/* read_all: what the control topic holds for a room (collector.h);
 * LT_TIKTOK_SOURCE_UNKNOWN until every partition was read to its end once
 * (or without read_all). */
lt_tiktok_room_source lt_tiktok_group_room_source(const lt_tiktok_group *g, const char *input);
/* read_all: rooms discovery put that are in the control topic, fleet-wide;
 * -1 until every partition was read to its end once. */
long lt_tiktok_group_discovered_count(const lt_tiktok_group *g);

/* The canonical key for a room spec ("@user" or room id); -1 if it does not
 * parse. */
int lt_tiktok_group_key(const char *input, char *out, size_t outlen, char *err, size_t errlen);

void lt_tiktok_group_get_stats(const lt_tiktok_group *g, lt_tiktok_group_stats *out);

#endif
