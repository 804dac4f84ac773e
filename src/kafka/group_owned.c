/* group_owned.c - the rooms a group member owns; see group_owned.h. */
#include "kafka/group_owned.h"

#include <stdlib.h>
#include <string.h>

#include "core/strmap.h"
#include "kafka/group.h"

typedef struct owned_room {
    char key[LT_KAFKA_GROUP_KEY_MAX + 1];
    int32_t partition;
    size_t at; /* its position in rooms */
} owned_room;

struct lt_kafka_owned {
    lt_strmap *by_key; /* key -> owned_room */
    owned_room **rooms;
    size_t count, cap;
};

lt_kafka_owned *lt_kafka_owned_create(void)
{
    lt_kafka_owned *o = calloc(1, sizeof *o);
    if (o && !(o->by_key = lt_strmap_create())) {
        free(o);
        return NULL;
    }
    return o;
}

void lt_kafka_owned_destroy(lt_kafka_owned *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->count; i++)
        free(o->rooms[i]);
    free(o->rooms);
    lt_strmap_destroy(o->by_key);
    free(o);
}

int lt_kafka_owned_add(lt_kafka_owned *o, const char *key, int32_t partition)
{
    if (lt_strmap_get(o->by_key, key))
        return 1;
    if (strlen(key) > LT_KAFKA_GROUP_KEY_MAX)
        return -1;
    if (o->count == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 64;
        owned_room **rooms = realloc(o->rooms, cap * sizeof(owned_room *));
        if (!rooms)
            return -1;
        o->rooms = rooms;
        o->cap = cap;
    }
    owned_room *r = calloc(1, sizeof *r);
    if (!r)
        return -1;
    memcpy(r->key, key, strlen(key) + 1);
    r->partition = partition;
    if (lt_strmap_add(o->by_key, r->key, r) != 0) {
        free(r);
        return -1;
    }
    r->at = o->count;
    o->rooms[o->count++] = r;
    return 0;
}

int lt_kafka_owned_remove(lt_kafka_owned *o, const char *key)
{
    owned_room *r = lt_strmap_get(o->by_key, key);
    if (!r)
        return -1;
    lt_strmap_remove(o->by_key, key, r);
    owned_room *last = o->rooms[--o->count];
    o->rooms[r->at] = last;
    last->at = r->at;
    free(r);
    return 0;
}

int32_t lt_kafka_owned_partition(const lt_kafka_owned *o, const char *key)
{
    const owned_room *r = lt_strmap_get(o->by_key, key);
    return r ? r->partition : -1;
}

size_t lt_kafka_owned_count(const lt_kafka_owned *o)
{
    return o->count;
}

const char *lt_kafka_owned_at(const lt_kafka_owned *o, size_t i, int32_t *partition)
{
    if (partition)
        *partition = o->rooms[i]->partition;
    return o->rooms[i]->key;
}

uint64_t lt_kafka_owned_probes(const lt_kafka_owned *o)
{
    return lt_strmap_probes(o->by_key);
}
