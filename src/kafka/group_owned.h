/* group_owned.h - the rooms a group member owns, and in which partition of
 * the control topic (group.h).
 *
 * Pure bookkeeping, kept for group.c: every control record asks whether its
 * key is owned here, and a fleet's member may own thousands of rooms, so the
 * keys are indexed by hash (core/strmap.h) and adding n rooms is linear in
 * n. The rooms are also kept in a dense array for the walks a rebalance
 * makes (the rooms of the revoked partitions); removing one moves the last
 * into its place, so positions change on every remove.
 */
#ifndef LT_KAFKA_GROUP_OWNED_H
#define LT_KAFKA_GROUP_OWNED_H

#include <stddef.h>
#include <stdint.h>

typedef struct lt_kafka_owned lt_kafka_owned;

lt_kafka_owned *lt_kafka_owned_create(void);
void lt_kafka_owned_destroy(lt_kafka_owned *o); /* accepts NULL */

/* 0 added; 1 already owned (unchanged, whatever partition); -1 out of
 * memory or a key longer than LT_KAFKA_GROUP_KEY_MAX (unchanged). */
int lt_kafka_owned_add(lt_kafka_owned *o, const char *key, int32_t partition);
/* 0 removed; -1 not owned. */
int lt_kafka_owned_remove(lt_kafka_owned *o, const char *key);
/* key's partition; -1 when it is not owned. */
int32_t lt_kafka_owned_partition(const lt_kafka_owned *o, const char *key);
size_t lt_kafka_owned_count(const lt_kafka_owned *o);
/* The room at position i (< count): its key (valid until it is removed),
 * and its partition into *partition (when not NULL). */
const char *lt_kafka_owned_at(const lt_kafka_owned *o, size_t i, int32_t *partition);

/* Slots the index inspected so far (lt_strmap_probes): what a test counts
 * to see that the work stays linear. */
uint64_t lt_kafka_owned_probes(const lt_kafka_owned *o);

#endif
