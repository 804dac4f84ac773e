/* ledger.h - what BIGO sent us, what Kafka has acknowledged, and who waits for it.
 *
 * BIGO re-sends a batch it got no 200 for, pushes and pulls deliver the same
 * items, and we may answer 200 only once Kafka holds every item of a batch.
 * The ledger is the one place that knows, per item key (game_sess, room,
 * data_seq - envelope.h), whether the item is
 *   - unknown:  publish it (claim returns NEW and the entry to pass to Kafka
 *               as the delivery opaque),
 *   - pending:  published, Kafka has not answered yet: do not publish again,
 *               but the claiming group now waits for that answer too,
 *   - done:     acknowledged by Kafka: nothing to do.
 * A failed delivery removes the entry, so the next retry publishes again:
 * an item is never published twice while it is pending or done, and never
 * forgotten before Kafka has it.
 *
 * A group is what one answer depends on: a push batch (answered with
 * dataReceptionResp) or a pull page (whose cursor advances only when the
 * page is safe). Claims are added, the group is sealed, and its callback
 * runs once every claimed item is resolved - at once if none was pending.
 * A group whose owner went away (the connection closed) is detached: it
 * lives on silently until its items resolve, then frees itself.
 *
 * Memory is bounded: done entries are forgotten oldest first beyond
 * `capacity` (sized to cover BIGO's retry window and pull's 1 h retention);
 * pending entries are never forgotten.
 * Single-threaded: everything runs on the receiver's loop.
 */
#ifndef LT_BIGO_LEDGER_H
#define LT_BIGO_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lt_bigo_ledger lt_bigo_ledger;
typedef struct lt_bigo_entry lt_bigo_entry;
typedef struct lt_bigo_group lt_bigo_group;

/* ok: every item is in Kafka; otherwise `error` is the first failure. */
typedef void (*lt_bigo_group_done_fn)(void *ctx, lt_bigo_group *g, bool ok, const char *error);

typedef enum lt_bigo_claim {
    LT_BIGO_CLAIM_NEW,      /* publish it, with the entry as the delivery opaque */
    LT_BIGO_CLAIM_PENDING,  /* already on its way; the group waits for it */
    LT_BIGO_CLAIM_DONE,     /* already in Kafka */
    LT_BIGO_CLAIM_ERROR,    /* out of memory: treat the group as failed */
} lt_bigo_claim;

typedef struct lt_bigo_ledger_stats {
    size_t entries;
    size_t pending;
    uint64_t evicted;
    uint64_t delivered;
    uint64_t failed;
} lt_bigo_ledger_stats;

lt_bigo_ledger *lt_bigo_ledger_create(size_t capacity);
/* Frees every entry and every group without running callbacks; entries
 * still out at Kafka must not be delivered afterwards (destroy the
 * publisher first). Accepts NULL. */
void lt_bigo_ledger_destroy(lt_bigo_ledger *l);

lt_bigo_group *lt_bigo_group_create(lt_bigo_ledger *l, lt_bigo_group_done_fn done, void *ctx);

/* Claims one item for the group. For NEW, *entry is set: publish, then call
 * lt_bigo_entry_delivered() from the delivery report, or at once with an
 * error if the publish was refused. */
lt_bigo_claim lt_bigo_ledger_claim(lt_bigo_ledger *l, lt_bigo_group *g, const char *key, size_t keylen,
                                   lt_bigo_entry **entry);

/* Kafka's verdict on a NEW entry (error NULL = acknowledged). */
void lt_bigo_entry_delivered(lt_bigo_entry *e, const char *error);

/* No more claims: the callback runs when nothing is pending (possibly now,
 * in which case the group is freed before this returns). */
void lt_bigo_group_seal(lt_bigo_group *g);

/* The owner lost interest: no callback will run; the group frees itself
 * once sealed and resolved. */
void lt_bigo_group_detach(lt_bigo_group *g);

/* Fails the group without an item (e.g. out of memory while building one):
 * it will report failure once resolved. */
void lt_bigo_group_fail(lt_bigo_group *g, const char *error);

/* Items the group still waits for. */
size_t lt_bigo_group_pending(const lt_bigo_group *g);

/* A key Kafka already held when the process started (bigo.c reads them
 * back from the records' bigo_key header), with the record's time. */
typedef struct lt_bigo_seed_key {
    const char *key;
    size_t len;
    int64_t time_ms;
} lt_bigo_seed_key;

/* Marks the keys done, without a group. Beyond capacity only the newest
 * are kept (what the ledger would have remembered had the process not
 * restarted), and they go in oldest first, so that the oldest are forgotten
 * first later. Sorts `keys` by time. Returns how many keys were added (a key
 * already known, or given twice, counts once), -1 if out of memory;
 * *left_out = the older keys beyond capacity. */
long lt_bigo_ledger_seed(lt_bigo_ledger *l, lt_bigo_seed_key *keys, size_t n, size_t *left_out);

/* Whether the key is known (pending or done). */
bool lt_bigo_ledger_contains(const lt_bigo_ledger *l, const char *key, size_t keylen);

void lt_bigo_ledger_get_stats(const lt_bigo_ledger *l, lt_bigo_ledger_stats *out);

#endif
