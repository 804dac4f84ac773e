/* group_view.c - the control topic's rooms; see group_view.h. */
#include "kafka/group_view.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/strmap.h"

struct lt_kafka_group_view {
    lt_strmap *rooms; /* key -> &manual_room or &discovered_room */
    size_t discovered;
    bool *ended; /* per partition: read to its end once */
    int partitions, ends;
};

/* the map's values: what kind of room a key is */
static const char manual_room = 'm', discovered_room = 'd';

lt_kafka_group_view *lt_kafka_group_view_create(int partitions)
{
    lt_kafka_group_view *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->partitions = partitions > 0 ? partitions : 0;
    v->rooms = lt_strmap_create();
    v->ended =
        calloc(v->partitions ? (size_t)v->partitions : 1, sizeof *v->ended); /* calloc(0) may be NULL */
    if (!v->rooms || !v->ended) {
        lt_kafka_group_view_destroy(v);
        return NULL;
    }
    return v;
}

void lt_kafka_group_view_destroy(lt_kafka_group_view *v)
{
    if (!v)
        return;
    lt_strmap_destroy(v->rooms);
    free(v->ended);
    free(v);
}

lt_kafka_room_origin lt_kafka_group_value_origin(const void *value, size_t len)
{
    if (!value)
        return LT_KAFKA_ROOM_ABSENT;
    json_error_t jerr;
    json_t *doc = len < 4096 ? json_loadb(value, len, 0, &jerr) : NULL;
    const char *source = json_string_value(json_object_get(doc, "source"));
    lt_kafka_room_origin origin = !json_is_object(doc)                         ? LT_KAFKA_ROOM_ABSENT
                                  : source && strcmp(source, "discovery") == 0 ? LT_KAFKA_ROOM_DISCOVERED
                                                                               : LT_KAFKA_ROOM_MANUAL;
    json_decref(doc);
    return origin;
}

int lt_kafka_group_view_set(lt_kafka_group_view *v, const char *key, lt_kafka_room_origin origin)
{
    const char *kind = origin == LT_KAFKA_ROOM_DISCOVERED ? &discovered_room
                       : origin == LT_KAFKA_ROOM_MANUAL   ? &manual_room
                                                          : NULL;
    const char *was = lt_strmap_get(v->rooms, key);
    if (was == kind)
        return 0;
    if (kind && lt_strmap_add(v->rooms, key, (void *)kind) != 0)
        return -1;
    if (kind == &discovered_room)
        v->discovered++;
    if (was) {
        lt_strmap_remove(v->rooms, key, was);
        if (was == &discovered_room)
            v->discovered--;
    }
    return 0;
}

void lt_kafka_group_view_end(lt_kafka_group_view *v, int partition)
{
    if (partition >= 0 && partition < v->partitions && !v->ended[partition]) {
        v->ended[partition] = true;
        v->ends++;
    }
}

bool lt_kafka_group_view_ready(const lt_kafka_group_view *v)
{
    return v && v->partitions > 0 && v->ends == v->partitions;
}

lt_kafka_room_origin lt_kafka_group_view_get(const lt_kafka_group_view *v, const char *key)
{
    if (!lt_kafka_group_view_ready(v))
        return LT_KAFKA_ROOM_UNKNOWN;
    const char *kind = lt_strmap_get(v->rooms, key);
    return !kind                      ? LT_KAFKA_ROOM_ABSENT
           : kind == &discovered_room ? LT_KAFKA_ROOM_DISCOVERED
                                      : LT_KAFKA_ROOM_MANUAL;
}

size_t lt_kafka_group_view_rooms(const lt_kafka_group_view *v)
{
    return v ? lt_strmap_count(v->rooms) : 0;
}

size_t lt_kafka_group_view_discovered(const lt_kafka_group_view *v)
{
    return v ? v->discovered : 0;
}
