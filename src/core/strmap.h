/* strmap.h - an index from strings to pointers: open addressing with
 * linear probing over FNV-1a (core/hash.h), grown at 70% load, so adding,
 * finding and removing take constant time on average and adding n keys is
 * linear in n.
 *
 * A key may be added more than once with different values (a multimap:
 * two rooms can resolve to one room id); lt_strmap_each visits them all.
 * Keys are copied; values are borrowed. Not thread-safe.
 */
#ifndef LT_CORE_STRMAP_H
#define LT_CORE_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lt_strmap lt_strmap;

lt_strmap *lt_strmap_create(void);
void lt_strmap_destroy(lt_strmap *m); /* accepts NULL */
/* The same, calling free_value on every value still in the map first (a map
 * that owns its values). */
void lt_strmap_destroy_values(lt_strmap *m, void (*free_value)(void *value));

/* 0 added; -1 out of memory (the map is unchanged). */
int lt_strmap_add(lt_strmap *m, const char *key, void *value);
/* Removes the entry (key, value); 0 removed, -1 no such entry. */
int lt_strmap_remove(lt_strmap *m, const char *key, const void *value);
/* A value added under key (the first found), or NULL. */
void *lt_strmap_get(const lt_strmap *m, const char *key);
/* Calls fn for each value under key until fn returns true; returns that
 * value, or NULL when fn never did. */
void *lt_strmap_each(const lt_strmap *m, const char *key, bool (*fn)(void *ctx, void *value), void *ctx);
size_t lt_strmap_count(const lt_strmap *m);

/* Slots inspected by every add, get, each and remove so far: what a test
 * counts to see that the work stays linear without timing anything. */
uint64_t lt_strmap_probes(const lt_strmap *m);

#endif
