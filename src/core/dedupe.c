/* dedupe.c - bounded FIFO set of recent msg_ids (see dedupe.h). */
#include "core/dedupe.h"

#include <stdlib.h>

#define EMPTY UINT32_MAX
#define INITIAL_RING 16

struct lt_dedupe {
    size_t capacity;   /* final ring size (power of two) */
    size_t ring_size;  /* current ring size (power of two, <= capacity) */
    size_t head;       /* next ring slot to write (monotonic, masked on use) */
    size_t count;      /* ids in the ring */
    int64_t *ring;
    uint32_t *index;   /* 2 * ring_size slots of ring positions, EMPTY = free */
    size_t index_mask;
};

static uint64_t hash_id(int64_t id)
{
    uint64_t x = (uint64_t)id;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static size_t round_pow2(size_t n)
{
    size_t p = 16;
    while (p < n && p < ((size_t)1 << 30))
        p <<= 1;
    return p;
}

/* The ring slot an index entry points at holds the absolute position modulo
 * ring_size; index entries store that slot number. */
static size_t find_slot(const lt_dedupe *d, int64_t id, bool *found)
{
    size_t i = (size_t)hash_id(id) & d->index_mask;
    for (;;) {
        uint32_t pos = d->index[i];
        if (pos == EMPTY) {
            *found = false;
            return i;
        }
        if (d->ring[pos] == id) {
            *found = true;
            return i;
        }
        i = (i + 1) & d->index_mask;
    }
}

static void index_delete(lt_dedupe *d, size_t i)
{
    /* backward-shift deletion keeps every probe chain unbroken */
    size_t j = i;
    d->index[i] = EMPTY;
    for (;;) {
        j = (j + 1) & d->index_mask;
        uint32_t pos = d->index[j];
        if (pos == EMPTY)
            return;
        size_t home = (size_t)hash_id(d->ring[pos]) & d->index_mask;
        /* can the entry at j move to the hole at i? only if its home is not
         * cyclically within (i, j] */
        bool between = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
        if (!between) {
            d->index[i] = pos;
            d->index[j] = EMPTY;
            i = j;
        }
    }
}

static int build(lt_dedupe *d, size_t ring_size)
{
    int64_t *ring = malloc(ring_size * sizeof(*ring));
    uint32_t *index = malloc(2 * ring_size * sizeof(*index));
    if (!ring || !index) {
        free(ring);
        free(index);
        return -1;
    }
    for (size_t i = 0; i < 2 * ring_size; i++)
        index[i] = EMPTY;
    /* move the live ids over in arrival order, oldest first */
    size_t n = d->count;
    for (size_t k = 0; k < n; k++) {
        size_t old_pos = (d->head - n + k) & (d->ring_size - 1);
        ring[k] = d->ring[old_pos];
    }
    free(d->ring);
    free(d->index);
    d->ring = ring;
    d->index = index;
    d->ring_size = ring_size;
    d->index_mask = 2 * ring_size - 1;
    d->head = n;
    for (size_t k = 0; k < n; k++) {
        bool found;
        size_t slot = find_slot(d, ring[k], &found);
        d->index[slot] = (uint32_t)k;
    }
    return 0;
}

lt_dedupe *lt_dedupe_create(size_t capacity)
{
    lt_dedupe *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->capacity = round_pow2(capacity);
    d->ring_size = 1; /* replaced by build() */
    size_t initial = INITIAL_RING < d->capacity ? INITIAL_RING : d->capacity;
    if (build(d, initial) != 0) {
        lt_dedupe_destroy(d);
        return NULL;
    }
    return d;
}

void lt_dedupe_destroy(lt_dedupe *d)
{
    if (!d)
        return;
    free(d->ring);
    free(d->index);
    free(d);
}

bool lt_dedupe_contains(const lt_dedupe *d, int64_t msg_id)
{
    if (msg_id == 0)
        return false;
    bool found;
    find_slot(d, msg_id, &found);
    return found;
}

bool lt_dedupe_check(lt_dedupe *d, int64_t msg_id)
{
    if (msg_id == 0)
        return false;
    bool found;
    size_t slot = find_slot(d, msg_id, &found);
    if (found)
        return true;
    if (d->count == d->ring_size && d->ring_size < d->capacity) {
        /* grow; on failure keep the smaller window */
        if (build(d, d->ring_size * 2) == 0)
            slot = find_slot(d, msg_id, &found);
    }
    size_t mask = d->ring_size - 1;
    size_t pos = d->head & mask;
    if (d->count == d->ring_size) {
        /* evict the oldest id, which occupies the slot we overwrite */
        bool old_found;
        size_t old_slot = find_slot(d, d->ring[pos], &old_found);
        if (old_found)
            index_delete(d, old_slot);
        d->count--;
        slot = find_slot(d, msg_id, &found);
    }
    d->ring[pos] = msg_id;
    d->index[slot] = (uint32_t)pos;
    d->head++;
    d->count++;
    return false;
}

void lt_dedupe_forget_last(lt_dedupe *d, int64_t msg_id)
{
    if (msg_id == 0 || d->count == 0)
        return;
    size_t pos = (d->head - 1) & (d->ring_size - 1);
    if (d->ring[pos] != msg_id)
        return;
    bool found;
    size_t slot = find_slot(d, msg_id, &found);
    if (found)
        index_delete(d, slot);
    d->head--;
    d->count--;
}

size_t lt_dedupe_count(const lt_dedupe *d)
{
    return d->count;
}

size_t lt_dedupe_capacity(const lt_dedupe *d)
{
    return d->capacity;
}

size_t lt_dedupe_memory(const lt_dedupe *d)
{
    return sizeof(*d) + d->ring_size * sizeof(int64_t) + 2 * d->ring_size * sizeof(uint32_t);
}
