/* group.h - collectors sharing rooms through a Kafka consumer group.
 *
 * The rooms to collect live in a compacted control topic (default
 * <prefix>.rooms): key = the room in the canonical form of its source (the
 * caller's rule: tiktok/group.h makes "@user" or the numeric room id), value
 * = a small JSON document {"room": ..., "added_at": ..., "by": ...},
 * tombstone (null value) = stop collecting it. Every collector of a
 * deployment joins one consumer group on that topic and collects exactly the
 * rooms whose keys fall in the partitions Kafka assigned to it, so Kafka's
 * group machinery spreads the rooms, moves them off a collector that stopped
 * or died (after the group's session timeout) and back when collectors join.
 *
 * This module is the membership and knows nothing of any platform: a key is
 * an opaque string to it. It tells its caller what to do through callbacks
 * (lt_kafka_group_callbacks): start a room whose key arrived in a partition
 * it owns, stop one whose tombstone arrived, give up the rooms of revoked
 * partitions. It keeps which keys it owns in which partition, indexed by
 * hash (group_owned.h): a record costs the same with 10 rooms or 10,000.
 *
 * Assigned partitions are always read from the beginning (nothing is
 * committed): a compacted topic's whole content is the desired state. The
 * cooperative-sticky assignor (or, where the properties select it, the
 * KIP-848 protocol: group_protocol.h) moves only the partitions that must
 * move, so a rebalance does not restart every room.
 *
 * Peer statuses (optional, status_topic): a small assign-only consumer of
 * <prefix>.room_status, from its end at start, polled from the same tick
 * before the control records, hands every record another collector wrote
 * (header collector_id) to on_status. The make-before-break handover runs on
 * it (tiktok/handover.h): while it runs, a revoked room may be kept and
 * collected on until its next owner is live (on_revoke's may_hand_over).
 * Nothing in the revoke callback blocks: a flush there stalled the loop for
 * more than a second while the room had already stopped reading (issue 20,
 * defect 7: the messages of that second were in neither owner's records).
 *
 * Leaving: lt_kafka_group_leave() (the first SIGTERM in group mode) revokes
 * every partition, so live rooms are handed over to the collectors that
 * stay. Closing (lt_kafka_group_destroy, after the loop stopped) stops
 * every room and flushes the publisher before giving up partitions.
 *
 * Discovery in group mode (docs/collector.md "Discovery"): the collector
 * that owns partition 0 of the control topic is the fleet's one discoverer
 * (lt_kafka_group_leads). With read_all, every member also reads the whole
 * control topic (every partition, an assign-only consumer besides the
 * group's: the view, group_view.h), so it knows every room and which of them
 * discovery put (value "source": "discovery"): the discoverer counts those
 * against discovery.max_rooms and never puts a room that is there already,
 * and the collector that owns a discovery room tombstones it when it ends.
 * An operator's put of the same key (no marker) makes it a manual room again.
 *
 * Everything runs on the collector's loop: lt_kafka_group_poll() is called
 * from its tick, and the callbacks run inside that poll (on_revoke also
 * inside lt_kafka_group_destroy).
 */
#ifndef LT_KAFKA_GROUP_H
#define LT_KAFKA_GROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kafka/group_view.h"
#include "kafka/producer.h"
#include "kafka/gate.h"
#include "kafka/publisher.h"

/* a key read from the control topic is at most this long (longer: skipped) */
#define LT_KAFKA_GROUP_KEY_MAX 127

typedef struct lt_kafka_group lt_kafka_group;

/* What the group asks of its caller. ctx is passed to each; every callback
 * but canonical_key and on_status may be NULL. */
typedef struct lt_kafka_group_callbacks {
    void *ctx;
    /* The canonical form of a key read from the control topic, into out;
     * -1 with the reason in err if it is not a room (counted, skipped).
     * NULL: keys are taken as they are. */
    int (*canonical_key)(void *ctx, const char *key, char *out, size_t outlen, char *err, size_t errlen);
    /* A room in a partition this member owns: start collecting it. 0 = it
     * is owned here now; -1 with err = not started (logged, not owned). */
    int (*on_assign)(void *ctx, const char *key, int32_t partition, char *err, size_t errlen);
    /* A tombstone for key. owned: the group owned it (and no longer does):
     * stop it. Not owned: the caller may still hold it (a room it is
     * handing over); returns whether it stopped one. */
    bool (*on_tombstone)(void *ctx, const char *key, bool owned);
    /* An owned room's partition was revoked (or the group closes: reason
     * "shutdown", may_hand_over false). Returns true if the caller keeps
     * collecting it until its next owner is live (allowed only when
     * may_hand_over), false once it stopped it with reason. */
    bool (*on_revoke)(void *ctx, const char *key, bool may_hand_over, const char *reason);
    /* A status_topic record another collector wrote; -1 if it is not one
     * the caller can read (counted, skipped). */
    int (*on_status)(void *ctx, const void *value, size_t len);
} lt_kafka_group_callbacks;

typedef struct lt_kafka_group_options {
    const char *bootstrap_servers;
    const lt_kafka_property *properties; /* security settings etc. */
    size_t property_count;
    const char *control_topic; /* required */
    const char *group_id;      /* required */
    const char *collector_id;  /* written as "by"; NULL = "livetap" */
    int partitions;            /* when the control topic is created; 0 = 12 */
    int session_timeout_ms;    /* 0 = 10000 */
    lt_publisher *publisher;   /* borrowed; flushed when rooms stop at close (may be NULL) */
    lt_gate *gate;             /* borrowed; when set, that flush goes through it (what it keeps too) */
    int flush_timeout_ms;      /* 0 = 10000 */
    const char *status_topic;  /* <prefix>.room_status for on_status; NULL = none */
    bool read_all;             /* read every partition of the control topic too (above) */
    lt_kafka_group_callbacks callbacks;
} lt_kafka_group_options;

typedef struct lt_kafka_group_stats {
    int partitions_assigned;
    size_t rooms_owned;
    uint64_t rebalances;
    uint64_t records;            /* control records read */
    uint64_t bad_records;        /* keys that are not rooms, values that are not JSON */
    uint64_t bad_status_records; /* status records on_status could not read */
    size_t rooms_in_topic;       /* read_all: rooms in the control topic, fleet-wide */
    size_t rooms_discovered;     /* read_all: of them, those discovery put */
} lt_kafka_group_stats;

/* Creates the control topic if missing (compacted), joins the group. A
 * status_topic that cannot be read is logged and left out
 * (lt_kafka_group_has_status says which). */
lt_kafka_group *lt_kafka_group_create(const lt_kafka_group_options *opts, char *err, size_t errlen);
/* Leaves the group: every owned room is revoked (stopped), then closes. */
void lt_kafka_group_destroy(lt_kafka_group *g); /* accepts NULL */

/* Whether the status_topic consumer runs (revoked rooms may be handed over). */
bool lt_kafka_group_has_status(const lt_kafka_group *g);

/* Leaves the group while the loop goes on (a graceful stop): the next poll
 * revokes every partition, so live rooms are handed over to the members
 * that stay instead of stopping before anyone else has them. */
void lt_kafka_group_leave(lt_kafka_group *g);
/* Members of the group now (asks the group coordinator, blocking up to
 * timeout_ms); -1 if it did not answer. */
int lt_kafka_group_members(lt_kafka_group *g, int timeout_ms);

/* Serves the consumers: statuses, the view, control records and rebalances.
 * Call from the loop. */
void lt_kafka_group_poll(lt_kafka_group *g);

/* Writes a room (key in canonical form) to the control topic, remove = a
 * tombstone, and waits for the broker's acknowledgement (10 s; 1 s while
 * the producer's last evidence says Kafka is unreachable: the wait blocks
 * the loop). Whichever member owns its partition starts or stops it. -1
 * with err if Kafka did not acknowledge. */
int lt_kafka_group_put(lt_kafka_group *g, const char *key, bool remove, char *err, size_t errlen);
/* The same for discovery: the value carries "source": "discovery" and
 * "discovered_at" (epoch ms) and "viewers" (when >= 0). */
int lt_kafka_group_put_discovered(lt_kafka_group *g, const char *key, int64_t discovered_at, int64_t viewers,
                                  char *err, size_t errlen);

/* Whether this member owns partition 0 of the control topic: the one that
 * runs discovery rounds. */
bool lt_kafka_group_leads(const lt_kafka_group *g);

/* read_all: what the control topic holds for key (canonical form);
 * LT_KAFKA_ROOM_UNKNOWN until every partition was read to its end once (or
 * without read_all). */
lt_kafka_room_origin lt_kafka_group_origin(const lt_kafka_group *g, const char *key);
/* read_all: rooms discovery put that are in the control topic, fleet-wide;
 * -1 until every partition was read to its end once. */
long lt_kafka_group_discovered_count(const lt_kafka_group *g);

void lt_kafka_group_get_stats(const lt_kafka_group *g, lt_kafka_group_stats *out);

#endif
