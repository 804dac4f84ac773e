/* ledger.c - item keys, their Kafka state and the groups waiting on them (see ledger.h).
 *
 * Entries live in a chained hash table (FNV-1a over the key, doubled when
 * the load passes 1) and, in arrival order, in a FIFO list that eviction
 * walks from the oldest end. Eviction skips pending entries (they are owed
 * an answer) and looks at a bounded number of entries per insert, so a
 * backlog of pending items cannot turn an insert into a scan of the table;
 * the table then runs over capacity until Kafka catches up.
 *
 * Each entry keeps the groups waiting on it (usually one; a batch retried
 * while Kafka is slow adds one more per retry). On delivery the list is
 * taken off the entry before any group callback runs, so a callback may
 * claim, seal or create groups freely.
 *
 * Seeding (lt_bigo_ledger_seed) adds done entries that no group waits for:
 * the keys Kafka already held when the process started.
 */
#include "bigo/ledger.h"

#include <stdlib.h>
#include <string.h>

#include "core/hash.h"

#define EVICT_SCAN_MAX 64
#define ERROR_MAX 256

struct lt_bigo_entry {
    lt_bigo_ledger *l;
    lt_bigo_entry *hnext;
    lt_bigo_entry *fprev, *fnext;
    uint64_t hash;
    bool pending;
    lt_bigo_group **waiters;
    size_t waiter_count, waiter_cap;
    size_t keylen;
    char key[];
};

struct lt_bigo_group {
    lt_bigo_ledger *l;
    lt_bigo_group_done_fn done;
    void *ctx;
    size_t pending;
    bool sealed, detached, failed;
    char error[ERROR_MAX];
    lt_bigo_group *prev, *next;
};

struct lt_bigo_ledger {
    size_t capacity;
    lt_bigo_entry **buckets;
    size_t bucket_count;     /* power of two */
    size_t count;
    lt_bigo_entry *oldest, *newest;
    lt_bigo_group *groups;
    lt_bigo_ledger_stats stats;
};

static uint64_t hash_key(const char *key, size_t len)
{
    return lt_fnv1a(LT_FNV1A_INIT, key, len);
}

lt_bigo_ledger *lt_bigo_ledger_create(size_t capacity)
{
    lt_bigo_ledger *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->capacity = capacity < 16 ? 16 : capacity;
    l->bucket_count = 64;
    l->buckets = calloc(l->bucket_count, sizeof *l->buckets);
    if (!l->buckets) {
        free(l);
        return NULL;
    }
    return l;
}

static void free_group(lt_bigo_group *g)
{
    lt_bigo_ledger *l = g->l;
    if (g->prev)
        g->prev->next = g->next;
    else
        l->groups = g->next;
    if (g->next)
        g->next->prev = g->prev;
    free(g);
}

void lt_bigo_ledger_destroy(lt_bigo_ledger *l)
{
    if (!l)
        return;
    for (lt_bigo_entry *e = l->oldest; e;) {
        lt_bigo_entry *next = e->fnext;
        free(e->waiters);
        free(e);
        e = next;
    }
    for (lt_bigo_group *g = l->groups; g;) {
        lt_bigo_group *next = g->next;
        free(g);
        g = next;
    }
    free(l->buckets);
    free(l);
}

static lt_bigo_entry *find(const lt_bigo_ledger *l, const char *key, size_t keylen, uint64_t h)
{
    for (lt_bigo_entry *e = l->buckets[h & (l->bucket_count - 1)]; e; e = e->hnext)
        if (e->hash == h && e->keylen == keylen && memcmp(e->key, key, keylen) == 0)
            return e;
    return NULL;
}

static void grow(lt_bigo_ledger *l)
{
    size_t n = l->bucket_count * 2;
    lt_bigo_entry **b = calloc(n, sizeof *b);
    if (!b)
        return; /* longer chains, still correct */
    for (size_t i = 0; i < l->bucket_count; i++) {
        for (lt_bigo_entry *e = l->buckets[i]; e;) {
            lt_bigo_entry *next = e->hnext;
            e->hnext = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
            e = next;
        }
    }
    free(l->buckets);
    l->buckets = b;
    l->bucket_count = n;
}

static void unlink_entry(lt_bigo_ledger *l, lt_bigo_entry *e)
{
    lt_bigo_entry **pp = &l->buckets[e->hash & (l->bucket_count - 1)];
    while (*pp && *pp != e)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = e->hnext;
    if (e->fprev)
        e->fprev->fnext = e->fnext;
    else
        l->oldest = e->fnext;
    if (e->fnext)
        e->fnext->fprev = e->fprev;
    else
        l->newest = e->fprev;
    l->count--;
    free(e->waiters);
    free(e);
}

static void evict(lt_bigo_ledger *l)
{
    lt_bigo_entry *e = l->oldest;
    for (int scanned = 0; e && l->count > l->capacity && scanned < EVICT_SCAN_MAX; scanned++) {
        lt_bigo_entry *next = e->fnext;
        if (!e->pending) {
            unlink_entry(l, e);
            l->stats.evicted++;
        }
        e = next;
    }
}

lt_bigo_group *lt_bigo_group_create(lt_bigo_ledger *l, lt_bigo_group_done_fn done, void *ctx)
{
    lt_bigo_group *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->l = l;
    g->done = done;
    g->ctx = ctx;
    g->next = l->groups;
    if (l->groups)
        l->groups->prev = g;
    l->groups = g;
    return g;
}

static int add_waiter(lt_bigo_entry *e, lt_bigo_group *g)
{
    if (e->waiter_count == e->waiter_cap) {
        size_t n = e->waiter_cap ? e->waiter_cap * 2 : 2;
        lt_bigo_group **w = realloc(e->waiters, n * sizeof *w);
        if (!w)
            return -1;
        e->waiters = w;
        e->waiter_cap = n;
    }
    e->waiters[e->waiter_count++] = g;
    g->pending++;
    return 0;
}

static void fail_group(lt_bigo_group *g, const char *error)
{
    if (!g->failed) {
        g->failed = true;
        strncpy(g->error, error ? error : "failed", sizeof g->error - 1);
    }
}

static lt_bigo_entry *new_entry(lt_bigo_ledger *l, const char *key, size_t keylen, uint64_t h)
{
    lt_bigo_entry *e = calloc(1, sizeof *e + keylen + 1);
    if (!e)
        return NULL;
    e->l = l;
    e->hash = h;
    e->keylen = keylen;
    memcpy(e->key, key, keylen);
    return e;
}

/* Links a new entry in as the newest and keeps the table within bounds. */
static void insert(lt_bigo_ledger *l, lt_bigo_entry *e)
{
    size_t b = e->hash & (l->bucket_count - 1);
    e->hnext = l->buckets[b];
    l->buckets[b] = e;
    e->fprev = l->newest;
    if (l->newest)
        l->newest->fnext = e;
    else
        l->oldest = e;
    l->newest = e;
    l->count++;
    if (l->count > l->bucket_count)
        grow(l);
    if (l->count > l->capacity)
        evict(l);
}

lt_bigo_claim lt_bigo_ledger_claim(lt_bigo_ledger *l, lt_bigo_group *g, const char *key, size_t keylen,
                                   lt_bigo_entry **entry)
{
    *entry = NULL;
    uint64_t h = hash_key(key, keylen);
    lt_bigo_entry *e = find(l, key, keylen, h);
    if (e) {
        if (!e->pending)
            return LT_BIGO_CLAIM_DONE;
        if (add_waiter(e, g)) {
            fail_group(g, "out of memory");
            return LT_BIGO_CLAIM_ERROR;
        }
        return LT_BIGO_CLAIM_PENDING;
    }
    e = new_entry(l, key, keylen, h);
    if (!e || add_waiter(e, g)) {
        free(e);
        fail_group(g, "out of memory");
        return LT_BIGO_CLAIM_ERROR;
    }
    e->pending = true;
    l->stats.pending++;
    insert(l, e);
    *entry = e;
    return LT_BIGO_CLAIM_NEW;
}

static int cmp_seed_time(const void *a, const void *b)
{
    const lt_bigo_seed_key *x = a, *y = b;
    return x->time_ms < y->time_ms ? -1 : x->time_ms > y->time_ms;
}

long lt_bigo_ledger_seed(lt_bigo_ledger *l, lt_bigo_seed_key *keys, size_t n, size_t *left_out)
{
    *left_out = 0;
    if (n > 1)
        qsort(keys, n, sizeof *keys, cmp_seed_time);
    size_t first = 0;
    if (n > l->capacity) {
        first = n - l->capacity;
        *left_out = first;
    }
    long added = 0;
    for (size_t i = first; i < n; i++) {
        uint64_t h = hash_key(keys[i].key, keys[i].len);
        if (find(l, keys[i].key, keys[i].len, h))
            continue;
        lt_bigo_entry *e = new_entry(l, keys[i].key, keys[i].len, h);
        if (!e)
            return -1;
        insert(l, e);
        added++;
    }
    return added;
}

static void maybe_finish(lt_bigo_group *g)
{
    if (!g->sealed || g->pending > 0)
        return;
    if (!g->detached && g->done)
        g->done(g->ctx, g, !g->failed, g->failed ? g->error : NULL);
    free_group(g);
}

void lt_bigo_entry_delivered(lt_bigo_entry *e, const char *error)
{
    lt_bigo_ledger *l = e->l;
    lt_bigo_group **waiters = e->waiters;
    size_t n = e->waiter_count;
    e->waiters = NULL;
    e->waiter_count = e->waiter_cap = 0;
    if (e->pending) {
        e->pending = false;
        l->stats.pending--;
    }
    if (error) {
        l->stats.failed++;
        unlink_entry(l, e); /* forgotten: a retry publishes it again */
    } else {
        l->stats.delivered++;
    }
    for (size_t i = 0; i < n; i++) {
        lt_bigo_group *g = waiters[i];
        if (error)
            fail_group(g, error);
        g->pending--;
    }
    /* each group once, even if it waited on this entry twice: only the last
     * reference may finish it */
    for (size_t i = 0; i < n; i++) {
        bool later = false;
        for (size_t j = i + 1; j < n; j++)
            later |= waiters[j] == waiters[i];
        if (!later)
            maybe_finish(waiters[i]);
    }
    free(waiters);
    if (l->count > l->capacity)
        evict(l);
}

void lt_bigo_group_seal(lt_bigo_group *g)
{
    g->sealed = true;
    maybe_finish(g);
}

void lt_bigo_group_detach(lt_bigo_group *g)
{
    g->detached = true;
    maybe_finish(g);
}

void lt_bigo_group_fail(lt_bigo_group *g, const char *error)
{
    fail_group(g, error);
}

size_t lt_bigo_group_pending(const lt_bigo_group *g)
{
    return g->pending;
}

bool lt_bigo_ledger_contains(const lt_bigo_ledger *l, const char *key, size_t keylen)
{
    return find(l, key, keylen, hash_key(key, keylen)) != NULL;
}

void lt_bigo_ledger_get_stats(const lt_bigo_ledger *l, lt_bigo_ledger_stats *out)
{
    *out = l->stats;
    out->entries = l->count;
}
