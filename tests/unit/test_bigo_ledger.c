/* The BIGO ledger: new / pending / done claims, groups answered only when
 * every item is resolved, failures making items publishable again, retries
 * waiting on the same delivery, detached groups, bounded memory, keys
 * seeded at start. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bigo/ledger.h"

typedef struct outcome {
    int calls;
    bool ok;
    char error[128];
} outcome;

static void on_done(void *ctx, lt_bigo_group *g, bool ok, const char *error)
{
    outcome *o = ctx;
    o->calls++;
    o->ok = ok;
    snprintf(o->error, sizeof o->error, "%s", error ? error : "");
}

static lt_bigo_claim claim(lt_bigo_ledger *l, lt_bigo_group *g, const char *key, lt_bigo_entry **e)
{
    return lt_bigo_ledger_claim(l, g, key, strlen(key), e);
}

static void group_answers_after_all_deliveries(void **state)
{
    lt_bigo_ledger *l = lt_bigo_ledger_create(100);
    outcome o = {0};
    lt_bigo_group *g = lt_bigo_group_create(l, on_done, &o);
    lt_bigo_entry *a, *b, *dup;
    assert_int_equal(claim(l, g, "s\x1f" "A\x1f" "1", &a), LT_BIGO_CLAIM_NEW);
    assert_int_equal(claim(l, g, "s\x1f" "A\x1f" "2", &b), LT_BIGO_CLAIM_NEW);
    /* the same item twice in one batch: published once, waited for once more */
    assert_int_equal(claim(l, g, "s\x1f" "A\x1f" "2", &dup), LT_BIGO_CLAIM_PENDING);
    assert_null(dup);
    lt_bigo_group_seal(g);
    assert_int_equal(o.calls, 0);
    lt_bigo_entry_delivered(a, NULL);
    assert_int_equal(o.calls, 0);
    lt_bigo_entry_delivered(b, NULL);
    assert_int_equal(o.calls, 1);
    assert_true(o.ok);

    /* a retry of the whole batch: everything is done, answered at once */
    outcome r = {0};
    g = lt_bigo_group_create(l, on_done, &r);
    assert_int_equal(claim(l, g, "s\x1f" "A\x1f" "1", &a), LT_BIGO_CLAIM_DONE);
    assert_int_equal(claim(l, g, "s\x1f" "A\x1f" "2", &a), LT_BIGO_CLAIM_DONE);
    lt_bigo_group_seal(g);
    assert_int_equal(r.calls, 1);
    assert_true(r.ok);
    lt_bigo_ledger_stats st;
    lt_bigo_ledger_get_stats(l, &st);
    assert_int_equal(st.entries, 2);
    assert_int_equal(st.pending, 0);
    assert_int_equal(st.delivered, 2);
    lt_bigo_ledger_destroy(l);
}

static void retry_waits_for_the_same_delivery(void **state)
{
    lt_bigo_ledger *l = lt_bigo_ledger_create(100);
    outcome first = {0}, retry = {0};
    lt_bigo_group *g1 = lt_bigo_group_create(l, on_done, &first);
    lt_bigo_entry *e, *none;
    assert_int_equal(claim(l, g1, "k", &e), LT_BIGO_CLAIM_NEW);
    lt_bigo_group_seal(g1);
    /* BIGO retries before Kafka answered: nothing new is published */
    lt_bigo_group *g2 = lt_bigo_group_create(l, on_done, &retry);
    assert_int_equal(claim(l, g2, "k", &none), LT_BIGO_CLAIM_PENDING);
    lt_bigo_group_seal(g2);
    assert_int_equal(lt_bigo_group_pending(g2), 1);
    lt_bigo_entry_delivered(e, NULL);
    assert_int_equal(first.calls, 1);
    assert_int_equal(retry.calls, 1);
    assert_true(first.ok && retry.ok);
    lt_bigo_ledger_destroy(l);
}

static void failure_makes_items_publishable_again(void **state)
{
    lt_bigo_ledger *l = lt_bigo_ledger_create(100);
    outcome o = {0}, w = {0};
    lt_bigo_group *g = lt_bigo_group_create(l, on_done, &o);
    lt_bigo_group *waiter = lt_bigo_group_create(l, on_done, &w);
    lt_bigo_entry *good, *bad, *none;
    assert_int_equal(claim(l, g, "good", &good), LT_BIGO_CLAIM_NEW);
    assert_int_equal(claim(l, g, "bad", &bad), LT_BIGO_CLAIM_NEW);
    assert_int_equal(claim(l, waiter, "bad", &none), LT_BIGO_CLAIM_PENDING);
    lt_bigo_group_seal(g);
    lt_bigo_group_seal(waiter);
    lt_bigo_entry_delivered(bad, "Broker: Message timed out");
    assert_int_equal(w.calls, 1);
    assert_false(w.ok);
    assert_string_equal(w.error, "Broker: Message timed out");
    assert_int_equal(o.calls, 0); /* still waits for "good" */
    lt_bigo_entry_delivered(good, NULL);
    assert_int_equal(o.calls, 1);
    assert_false(o.ok);
    assert_false(lt_bigo_ledger_contains(l, "bad", 3));
    assert_true(lt_bigo_ledger_contains(l, "good", 4));
    /* the retry publishes the failed item again, and only that */
    outcome r = {0};
    g = lt_bigo_group_create(l, on_done, &r);
    assert_int_equal(claim(l, g, "good", &none), LT_BIGO_CLAIM_DONE);
    assert_int_equal(claim(l, g, "bad", &bad), LT_BIGO_CLAIM_NEW);
    lt_bigo_group_seal(g);
    lt_bigo_entry_delivered(bad, NULL);
    assert_int_equal(r.calls, 1);
    assert_true(r.ok);
    lt_bigo_ledger_destroy(l);
}

static void detached_group_frees_itself_silently(void **state)
{
    lt_bigo_ledger *l = lt_bigo_ledger_create(100);
    outcome o = {0};
    lt_bigo_group *g = lt_bigo_group_create(l, on_done, &o);
    lt_bigo_entry *e;
    assert_int_equal(claim(l, g, "k", &e), LT_BIGO_CLAIM_NEW);
    lt_bigo_group_seal(g);
    lt_bigo_group_detach(g); /* the connection closed */
    lt_bigo_entry_delivered(e, NULL);
    assert_int_equal(o.calls, 0);
    assert_true(lt_bigo_ledger_contains(l, "k", 1));
    /* a failed group records the reason without an item */
    outcome f = {0};
    g = lt_bigo_group_create(l, on_done, &f);
    lt_bigo_group_fail(g, "out of memory");
    lt_bigo_group_seal(g);
    assert_int_equal(f.calls, 1);
    assert_false(f.ok);
    assert_string_equal(f.error, "out of memory");
    lt_bigo_ledger_destroy(l);
}

static void memory_is_bounded_but_pending_is_kept(void **state)
{
    lt_bigo_ledger *l = lt_bigo_ledger_create(16);
    outcome o = {0};
    lt_bigo_group *g = lt_bigo_group_create(l, on_done, &o);
    lt_bigo_entry *pending[8], *e;
    char key[32];
    for (int i = 0; i < 8; i++) {
        snprintf(key, sizeof key, "p%d", i);
        assert_int_equal(claim(l, g, key, &pending[i]), LT_BIGO_CLAIM_NEW);
    }
    for (int i = 0; i < 1000; i++) {
        lt_bigo_group *gi = lt_bigo_group_create(l, NULL, NULL);
        snprintf(key, sizeof key, "d%d", i);
        assert_int_equal(claim(l, gi, key, &e), LT_BIGO_CLAIM_NEW);
        lt_bigo_group_seal(gi);
        lt_bigo_entry_delivered(e, NULL);
    }
    lt_bigo_ledger_stats st;
    lt_bigo_ledger_get_stats(l, &st);
    assert_true(st.entries <= 16);
    assert_int_equal(st.pending, 8);
    assert_true(st.evicted >= 1000 - 16);
    /* the newest done ones are remembered, the oldest forgotten */
    assert_true(lt_bigo_ledger_contains(l, "d999", 4));
    assert_false(lt_bigo_ledger_contains(l, "d0", 2));
    for (int i = 0; i < 8; i++) {
        snprintf(key, sizeof key, "p%d", i);
        assert_true(lt_bigo_ledger_contains(l, key, strlen(key)));
    }
    lt_bigo_group_seal(g);
    for (int i = 0; i < 8; i++)
        lt_bigo_entry_delivered(pending[i], NULL);
    assert_int_equal(o.calls, 1);
    lt_bigo_ledger_destroy(l);
}

static void many_keys_survive_growth(void **state)
{
    lt_bigo_ledger *l = lt_bigo_ledger_create(100000);
    lt_bigo_group *g = lt_bigo_group_create(l, NULL, NULL);
    lt_bigo_entry *e;
    char key[64];
    for (int i = 0; i < 20000; i++) {
        snprintf(key, sizeof key, "sess\x1froom\x1f%d", i);
        assert_int_equal(claim(l, g, key, &e), LT_BIGO_CLAIM_NEW);
        lt_bigo_entry_delivered(e, NULL);
    }
    for (int i = 0; i < 20000; i += 7) {
        snprintf(key, sizeof key, "sess\x1froom\x1f%d", i);
        assert_int_equal(claim(l, g, key, &e), LT_BIGO_CLAIM_DONE);
    }
    lt_bigo_group_seal(g);
    lt_bigo_ledger_destroy(l);
}

/* Seeding at start (what Kafka already held): seeded keys are done, a
 * retry of their batch publishes nothing; beyond capacity the newest are
 * kept, and they were added oldest first, so later claims evict the oldest
 * seeded keys first. */
static void seeded_keys_are_done_and_the_newest_are_kept(void **state)
{
    lt_bigo_ledger *l = lt_bigo_ledger_create(16);
    char names[24][16];
    lt_bigo_seed_key keys[24];
    for (int i = 0; i < 24; i++) { /* times out of order, as partitions interleave */
        snprintf(names[i], sizeof names[i], "s\x1f" "A\x1f" "%d", i);
        keys[i] = (lt_bigo_seed_key){names[i], strlen(names[i]), 1000 + (i * 7) % 24};
    }
    size_t left_out = 99;
    assert_int_equal(lt_bigo_ledger_seed(l, keys, 24, &left_out), 16);
    assert_int_equal(left_out, 8);
    for (int i = 0; i < 24; i++) { /* the 8 oldest (time 1000..1007) were left out */
        bool newest = (i * 7) % 24 >= 8;
        assert_int_equal(lt_bigo_ledger_contains(l, names[i], strlen(names[i])), newest);
    }
    lt_bigo_ledger_stats st;
    lt_bigo_ledger_get_stats(l, &st);
    assert_int_equal(st.entries, 16);
    assert_int_equal(st.pending, 0);

    outcome o = {0};
    lt_bigo_group *g = lt_bigo_group_create(l, on_done, &o);
    lt_bigo_entry *e;
    int newest = -1, oldest_kept = -1; /* times 1023 and 1008 (i * 7 mod 24 is a permutation) */
    for (int i = 0; i < 24; i++) {
        if ((i * 7) % 24 == 23)
            newest = i;
        if ((i * 7) % 24 == 8)
            oldest_kept = i;
    }
    assert_int_equal(claim(l, g, names[newest], &e), LT_BIGO_CLAIM_DONE);
    assert_null(e);
    /* a new item evicts the oldest seeded key, not the newest */
    assert_int_equal(claim(l, g, "s\x1f" "A\x1f" "new", &e), LT_BIGO_CLAIM_NEW);
    lt_bigo_entry_delivered(e, NULL);
    lt_bigo_group_seal(g);
    assert_int_equal(o.calls, 1);
    assert_true(o.ok);
    assert_false(lt_bigo_ledger_contains(l, names[oldest_kept], strlen(names[oldest_kept])));
    assert_true(lt_bigo_ledger_contains(l, names[newest], strlen(names[newest])));

    /* a key read twice (or already known) counts once */
    lt_bigo_seed_key again[2] = {{names[newest], strlen(names[newest]), 5}, {"x", 1, 6}};
    assert_int_equal(lt_bigo_ledger_seed(l, again, 2, &left_out), 1);
    assert_int_equal(left_out, 0);
    assert_int_equal(lt_bigo_ledger_seed(l, NULL, 0, &left_out), 0);
    lt_bigo_ledger_destroy(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(group_answers_after_all_deliveries),
        cmocka_unit_test(retry_waits_for_the_same_delivery),
        cmocka_unit_test(failure_makes_items_publishable_again),
        cmocka_unit_test(detached_group_frees_itself_silently),
        cmocka_unit_test(memory_is_bounded_but_pending_is_kept),
        cmocka_unit_test(many_keys_survive_growth),
        cmocka_unit_test(seeded_keys_are_done_and_the_newest_are_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
