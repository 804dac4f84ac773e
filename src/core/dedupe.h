/* dedupe.h - "have we published this msg_id of this room already?"
 *
 * After a reconnect the platform re-sends recent messages (the initial fetch
 * result and the first push frames repeat what the previous connection
 * already delivered); those must not reach Kafka twice. Each room keeps one
 * lt_dedupe: the last `capacity` msg_ids it published, forgotten
 * first-in-first-out, so memory is bounded no matter how long the room runs.
 * The window only has to cover what a reconnect can replay (a few hundred
 * messages on a busy room), not the room's history.
 *
 * Layout: a ring of ids in arrival order plus an open-addressing index into
 * the ring (linear probing, deletion by backward shift so no tombstones
 * accumulate). Both start small and double up to `capacity`: most rooms
 * are quiet, and 10,000 of them must fit in a few hundred MiB.
 *
 * msg_id 0 means "the platform sent none" and is never treated as a
 * duplicate.
 */
#ifndef LT_CORE_DEDUPE_H
#define LT_CORE_DEDUPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lt_dedupe lt_dedupe;

/* capacity: how many recent ids are remembered (>= 16; rounded up to a
 * power of two). NULL if memory runs out. */
lt_dedupe *lt_dedupe_create(size_t capacity);
void lt_dedupe_destroy(lt_dedupe *d);

/* Returns true if msg_id is in the window (a duplicate: do not publish);
 * otherwise remembers it and returns false. If memory for growing runs out
 * the window simply stays smaller. */
bool lt_dedupe_check(lt_dedupe *d, int64_t msg_id);

/* Whether msg_id is in the window, without remembering it. */
bool lt_dedupe_contains(const lt_dedupe *d, int64_t msg_id);

/* Forgets msg_id if it is the most recently remembered id (used when a
 * publish fails after the check, so the retry is not taken for a duplicate). */
void lt_dedupe_forget_last(lt_dedupe *d, int64_t msg_id);

size_t lt_dedupe_count(const lt_dedupe *d);
size_t lt_dedupe_capacity(const lt_dedupe *d);
/* Bytes held (for the per-room memory budget). */
size_t lt_dedupe_memory(const lt_dedupe *d);

#endif
