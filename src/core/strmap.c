/* strmap.c - string -> pointer index (core/strmap.h). */
#include "core/strmap.h"

#include <stdlib.h>
#include <string.h>

#include "core/hash.h"

typedef struct slot {
    char *key; /* NULL: empty; TOMBSTONE: removed (probing goes on past it) */
    uint64_t hash;
    void *value;
} slot;

static char tombstone_mark;
#define TOMBSTONE (&tombstone_mark)

struct lt_strmap {
    slot *slots;
    size_t cap;   /* a power of two, or 0 */
    size_t count; /* live entries */
    size_t used;  /* live entries and tombstones */
    uint64_t probes;
};

lt_strmap *lt_strmap_create(void)
{
    return calloc(1, sizeof(lt_strmap));
}

void lt_strmap_destroy_values(lt_strmap *m, void (*free_value)(void *value))
{
    if (!m)
        return;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key && m->slots[i].key != TOMBSTONE) {
            if (free_value)
                free_value(m->slots[i].value);
            free(m->slots[i].key);
        }
    free(m->slots);
    free(m);
}

void lt_strmap_destroy(lt_strmap *m)
{
    lt_strmap_destroy_values(m, NULL);
}

static uint64_t hash_key(const char *key)
{
    return lt_fnv1a(LT_FNV1A_INIT, key, strlen(key));
}

/* Into a table of cap slots, dropping tombstones. */
static int rehash(lt_strmap *m, size_t cap)
{
    slot *slots = calloc(cap, sizeof(slot));
    if (!slots)
        return -1;
    for (size_t i = 0; i < m->cap; i++) {
        slot *s = &m->slots[i];
        if (!s->key || s->key == TOMBSTONE)
            continue;
        size_t j = (size_t)s->hash & (cap - 1);
        while (slots[j].key)
            j = (j + 1) & (cap - 1);
        slots[j] = *s;
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    m->used = m->count;
    return 0;
}

int lt_strmap_add(lt_strmap *m, const char *key, void *value)
{
    if ((m->used + 1) * 10 > m->cap * 7) {
        /* mostly tombstones: clean in place; else double */
        size_t cap = m->cap == 0 ? 64 : (m->count + 1) * 10 > m->cap * 5 ? m->cap * 2 : m->cap;
        if (rehash(m, cap) != 0)
            return -1;
    }
    char *copy = strdup(key);
    if (!copy)
        return -1;
    uint64_t h = hash_key(key);
    size_t i = (size_t)h & (m->cap - 1);
    for (;;) {
        m->probes++;
        if (!m->slots[i].key)
            break;
        if (m->slots[i].key == TOMBSTONE) { /* reuse it: the chain stays whole */
            m->used--;
            break;
        }
        i = (i + 1) & (m->cap - 1);
    }
    m->slots[i] = (slot){copy, h, value};
    m->count++;
    m->used++;
    return 0;
}

/* The next slot from *i holding key (and value, unless any_value), or NULL
 * at the end of the probe chain. */
static slot *next_match(const lt_strmap *m, const char *key, uint64_t h, const void *value, bool any_value,
                        size_t *i, uint64_t *probes)
{
    if (m->cap == 0)
        return NULL;
    for (;; *i = (*i + 1) & (m->cap - 1)) {
        (*probes)++;
        slot *s = &m->slots[*i];
        if (!s->key)
            return NULL;
        if (s->key != TOMBSTONE && s->hash == h && strcmp(s->key, key) == 0 &&
            (any_value || s->value == value))
            return s;
    }
}

int lt_strmap_remove(lt_strmap *m, const char *key, const void *value)
{
    uint64_t h = hash_key(key);
    size_t i = (size_t)h & (m->cap - 1);
    slot *s = next_match(m, key, h, value, false, &i, &m->probes);
    if (!s)
        return -1;
    free(s->key);
    s->key = TOMBSTONE;
    s->value = NULL;
    m->count--;
    return 0;
}

void *lt_strmap_each(const lt_strmap *m, const char *key, bool (*fn)(void *ctx, void *value), void *ctx)
{
    uint64_t h = hash_key(key);
    size_t i = (size_t)h & (m->cap ? m->cap - 1 : 0);
    uint64_t *probes = &((lt_strmap *)m)->probes; /* a counter, not the map's contents */
    for (slot *s; (s = next_match(m, key, h, NULL, true, &i, probes)) != NULL; i = (i + 1) & (m->cap - 1))
        if (!fn || fn(ctx, s->value))
            return s->value;
    return NULL;
}

void *lt_strmap_get(const lt_strmap *m, const char *key)
{
    return lt_strmap_each(m, key, NULL, NULL);
}

size_t lt_strmap_count(const lt_strmap *m)
{
    return m->count;
}

uint64_t lt_strmap_probes(const lt_strmap *m)
{
    return m->probes;
}
