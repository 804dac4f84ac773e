/* handover.h - moving a live room between collectors without losing a message.
 *
 * In group mode (tiktok/group.h) a rebalance moves rooms from one collector
 * (A, the old owner) to another (B, the new owner). Ending the room on A
 * before B has connected loses what TikTok sends in between (and what was in
 * flight on A's socket). The handover is make-before-break:
 *
 *   A (revoke)   live room -> room_status "handing_over"; keeps collecting
 *   B (assign)   starts the room; it saw A's "handing_over" on room_status,
 *                so it holds the room's events (encoded, bounded) instead of
 *                publishing them, and publishes room_status "live" as usual
 *   A            sees B's "live": a second later (B has entered the room by
 *                then) stops the room (no more events taken),
 *                waits until every record it received before that moment is
 *                acknowledged by Kafka (checked on the tick, never blocking),
 *                publishes "ended" [handed_over] and forgets the room
 *   B            sees A's final status (ended, offline, error): refreshes the
 *                room's dedupe window from Kafka (re-reading the room's
 *                partitions, which now hold A's last records), feeds the held
 *                events through it and publishes them; then goes on as usual
 *
 * The overlap - both connected, both receiving every message - is removed by
 * the msg_id dedupe, so Kafka gets each message once. Deadlines bound every
 * wait (group.handover_timeout_s): A ends the room without B ("ended"
 * [reassigned]) when B is not live in time, B publishes what it holds when A
 * never says it ended (by the timeout + 11 s after A's announcement, the
 * longest A can take: a rebalance can assign the room to B seconds after A's
 * revoke). B refreshes its window on A's end even when it holds nothing: not
 * yet connected, it resumes from TikTok's cursor, which can carry A's last
 * messages. For the same reason a room B starts only after A's end (up to
 * the timeout + 10 s later) refreshes its window at start: the seed's read
 * of Kafka is cached for seconds and can predate A's last records. And a
 * room B had started before it read A's announcement (its room_status
 * consumer behind) holds from the moment it reads it. A's "reconnecting"
 * and "live" while it hands over (its push connection made again) do not
 * end the handover. A hold that outgrows its bounds publishes its oldest
 * events early (through the window seeded at start: a duplicate is possible,
 * a loss is not), counted. Shutdown is not a handover: SIGTERM ends every
 * room at once and flushes (collector.h), a holding room publishes what it
 * holds first.
 *
 * Both sides learn about each other from <prefix>.room_status: the group
 * (kafka/group.h) runs one assign-only consumer on it (every partition,
 * from the end at start), and tiktok/group.c passes each record of another
 * collector to lt_tiktok_collector_peer_status(). A record is decoded only
 * as far as the handover needs (lt_tiktok_room_status_decode: the schema's
 * leading fields, in schema order; fields are only ever added at the end).
 *
 * "Received before the stop is acknowledged" is tracked without per-room
 * bookkeeping in the delivery path: records in flight are counted per second
 * of their receive time (the delivery opaque carries it), so A waits for the
 * seconds up to its stop to drain, however busy the other rooms are.
 */
#ifndef LT_TIKTOK_HANDOVER_H
#define LT_TIKTOK_HANDOVER_H

#include <stddef.h>
#include <stdint.h>

#include "core/contract.h"
#include "tiktok/collector.h"

/* What a room_status record says, as far as a handover needs. */
typedef struct lt_tiktok_peer_status {
    char room_id[LT_ROOM_ID_MAX + 1]; /* "" before the room id is known (then the key is the input) */
    int64_t event_time;               /* when its collector set the state (epoch ms, its clock) */
    char collector_id[128];
    char state[32];
    char reason[64]; /* "" when none */
    char input[256]; /* "" when none */
} lt_tiktok_peer_status;

/* Decodes a room_status value (Confluent or single-object framing). -1 if it
 * is not one (truncated, a length out of bounds, a string too long for its
 * field). */
int lt_tiktok_room_status_decode(const void *value, size_t len, lt_tiktok_peer_status *out);

/* Whether a state means the collector that published it no longer collects
 * the room (ended, offline, error). */
bool lt_tiktok_room_state_final(const char *state);

typedef struct lt_tiktok_handover_options {
    int64_t timeout_ms;     /* 0 = 20000 */
    size_t hold_max_events; /* per room; 0 = 20000 */
    size_t hold_max_bytes;  /* per room; 0 = 8 MiB */
} lt_tiktok_handover_options;

typedef struct lt_tiktok_handover_stats {
    uint64_t started;         /* rooms this collector began to hand over */
    uint64_t completed;       /* ... that ended after the new owner was live */
    uint64_t timed_out;       /* ... that ended at the deadline without it */
    uint64_t taken_back;      /* ... that came back here before the end */
    uint64_t holds;           /* rooms that held their events for a previous owner */
    uint64_t holds_timed_out; /* ... released at the deadline, not on the owner's final status */
    uint64_t events_held;
    uint64_t events_released; /* held events published (after the hold, or early) */
    uint64_t held_duplicates; /* held events the previous owner had published */
    uint64_t hold_overflow;   /* published early because a hold outgrew its bounds */
    int64_t worst_ms;         /* longest handover from revoke to "ended" */
} lt_tiktok_handover_stats;

/* Group mode turns handovers on (before the loop runs). */
int lt_tiktok_collector_enable_handover(lt_tiktok_collector *c, const lt_tiktok_handover_options *opts);

/* The old owner, on revoke: 0 if the room is live and now being handed over
 * (it keeps collecting); -1 if it is not (the caller stops it as before). */
int lt_tiktok_collector_hand_over_room(lt_tiktok_collector *c, const char *input);

/* The room came back before its handover ended: 0 if it was being handed
 * over and is collected here as usual again, -1 if it was not. */
int lt_tiktok_collector_take_back_room(lt_tiktok_collector *c, const char *input);

/* Whether the room is being handed over by this collector. */
bool lt_tiktok_collector_handing_over(lt_tiktok_collector *c, const char *input);

/* Rooms this collector is still handing over (giving away). */
size_t lt_tiktok_collector_handovers_pending(const lt_tiktok_collector *c);

/* A room_status record published by another collector. Records reach
 * here out of order across partitions: a room's records before its room id
 * is known are keyed by its input, later ones by the room id, so a stale
 * "resolving" can come after the "handing_over" it preceded. An
 * announcement therefore ends only by a later status of its collector (by
 * event_time), never by an earlier one: a final state, or "live"
 * [taken_back] (it keeps the room); "reconnecting" and "live" in between
 * are the handover going on. */
void lt_tiktok_collector_peer_status(lt_tiktok_collector *c, const lt_tiktok_peer_status *st);

/* The collector whose handover of the room (input) this one knows of, or
 * NULL: a new owner holds the room's events while there is one (above). */
const char *lt_tiktok_collector_announced_by(const lt_tiktok_collector *c, const char *input);

void lt_tiktok_collector_handover_stats(const lt_tiktok_collector *c, lt_tiktok_handover_stats *out);

#endif
