/* group_view.h - the whole control topic as one member sees it (group.h,
 * read_all): which rooms are there, and which of them discovery put.
 *
 * Pure bookkeeping, fed by group.c's assign-only consumer of every
 * partition: a record's value says the room's origin (a JSON object with
 * "source": "discovery", any other JSON object, or nothing: a tombstone; a
 * value that is not a JSON object counts as nothing, like the member that
 * owns the partition skips it). The view answers only once every partition
 * was read to its end once: before then a room it lacks may be in a
 * partition not read yet.
 */
#ifndef LT_KAFKA_GROUP_VIEW_H
#define LT_KAFKA_GROUP_VIEW_H

#include <stdbool.h>
#include <stddef.h>

typedef enum lt_kafka_room_origin {
    LT_KAFKA_ROOM_UNKNOWN = -1,   /* the control topic is not read to its end yet */
    LT_KAFKA_ROOM_ABSENT = 0,     /* not in the control topic */
    LT_KAFKA_ROOM_MANUAL = 1,     /* there, without the discovery marker */
    LT_KAFKA_ROOM_DISCOVERED = 2, /* there, put by discovery */
} lt_kafka_room_origin;

typedef struct lt_kafka_group_view lt_kafka_group_view;

/* A view of a topic whose partitions are numbered 0 .. partitions - 1. */
lt_kafka_group_view *lt_kafka_group_view_create(int partitions);
void lt_kafka_group_view_destroy(lt_kafka_group_view *v); /* accepts NULL */

/* The origin a control record's value gives its key (value NULL: a
 * tombstone, LT_KAFKA_ROOM_ABSENT). */
lt_kafka_room_origin lt_kafka_group_value_origin(const void *value, size_t len);

/* Records key's origin (ABSENT: removes it). -1 out of memory (unchanged). */
int lt_kafka_group_view_set(lt_kafka_group_view *v, const char *key, lt_kafka_room_origin origin);
/* A partition was read to its end (again: no change; out of range: ignored). */
void lt_kafka_group_view_end(lt_kafka_group_view *v, int partition);
/* Every partition was read to its end once. */
bool lt_kafka_group_view_ready(const lt_kafka_group_view *v);

/* key's origin; LT_KAFKA_ROOM_UNKNOWN until ready (and for v NULL). */
lt_kafka_room_origin lt_kafka_group_view_get(const lt_kafka_group_view *v, const char *key);
size_t lt_kafka_group_view_rooms(const lt_kafka_group_view *v);      /* in the topic */
size_t lt_kafka_group_view_discovered(const lt_kafka_group_view *v); /* of them, discovery's */

#endif
