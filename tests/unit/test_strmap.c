/* core/strmap: the index is right under add/remove/re-add and duplicate
 * keys, and its work stays linear: the probes (slots inspected) counted by
 * the map stay a small multiple of the operations, where a linear scan
 * would inspect about n^2/2 entries for n adds. No timing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/strmap.h"

#define N 10000

static char values[N]; /* distinct addresses to store */

static void key_of(int i, char *out, size_t len)
{
    snprintf(out, len, i % 2 ? "#%d" : "@user_%d", 7000000 + i);
}

static void add_find_remove(void **state)
{
    (void)state;
    lt_strmap *m = lt_strmap_create();
    assert_non_null(m);
    char key[64];
    for (int i = 0; i < N; i++) {
        key_of(i, key, sizeof key);
        assert_int_equal(lt_strmap_add(m, key, &values[i]), 0);
    }
    assert_int_equal(lt_strmap_count(m), N);
    for (int i = 0; i < N; i++) {
        key_of(i, key, sizeof key);
        assert_ptr_equal(lt_strmap_get(m, key), &values[i]);
    }
    assert_null(lt_strmap_get(m, "@nobody"));
    for (int i = 0; i < N; i += 3) {
        key_of(i, key, sizeof key);
        assert_int_equal(lt_strmap_remove(m, key, &values[i]), 0);
        assert_int_equal(lt_strmap_remove(m, key, &values[i]), -1); /* gone */
    }
    for (int i = 0; i < N; i++) {
        key_of(i, key, sizeof key);
        if (i % 3 == 0)
            assert_null(lt_strmap_get(m, key));
        else
            assert_ptr_equal(lt_strmap_get(m, key), &values[i]);
    }
    for (int i = 0; i < N; i += 3) { /* back, into the tombstones */
        key_of(i, key, sizeof key);
        assert_int_equal(lt_strmap_add(m, key, &values[i]), 0);
    }
    assert_int_equal(lt_strmap_count(m), N);
    for (int i = 0; i < N; i++) {
        key_of(i, key, sizeof key);
        assert_ptr_equal(lt_strmap_get(m, key), &values[i]);
    }
    lt_strmap_destroy(m);
}

static bool count_value(void *ctx, void *value)
{
    (void)value;
    (*(int *)ctx)++;
    return false;
}

static bool is_second(void *ctx, void *value)
{
    return value == ctx;
}

static void duplicate_keys(void **state)
{
    (void)state;
    lt_strmap *m = lt_strmap_create();
    assert_int_equal(lt_strmap_add(m, "7340691647148018438", &values[0]), 0);
    assert_int_equal(lt_strmap_add(m, "7340691647148018438", &values[1]), 0);
    int seen = 0;
    assert_null(lt_strmap_each(m, "7340691647148018438", count_value, &seen));
    assert_int_equal(seen, 2);
    assert_ptr_equal(lt_strmap_each(m, "7340691647148018438", is_second, &values[1]), &values[1]);
    assert_int_equal(lt_strmap_remove(m, "7340691647148018438", &values[0]), 0);
    assert_ptr_equal(lt_strmap_get(m, "7340691647148018438"), &values[1]);
    assert_int_equal(lt_strmap_remove(m, "7340691647148018438", &values[0]), -1);
    assert_int_equal(lt_strmap_count(m), 1);
    lt_strmap_destroy(m);
}

static void linear_work(void **state)
{
    (void)state;
    lt_strmap *m = lt_strmap_create();
    char key[64];
    for (int i = 0; i < N; i++) {
        key_of(i, key, sizeof key);
        assert_int_equal(lt_strmap_add(m, key, &values[i]), 0);
    }
    uint64_t adds = lt_strmap_probes(m);
    for (int i = 0; i < N; i++) {
        key_of(i, key, sizeof key);
        assert_non_null(lt_strmap_get(m, key));
    }
    uint64_t gets = lt_strmap_probes(m) - adds;
    print_message("probes: %llu for %d adds, %llu for %d gets\n", (unsigned long long)adds, N,
                  (unsigned long long)gets, N);
    assert_true(adds < 4 * (uint64_t)N); /* a scan per add: about N*N/2 = 50,000,000 */
    assert_true(gets < 4 * (uint64_t)N);
    lt_strmap_destroy(m);
}

/* Many adds and removes with few keys present at once: removed slots
 * (tombstones) must not pile up into ever longer probe chains. */
static void churn_stays_cheap(void **state)
{
    (void)state;
    lt_strmap *m = lt_strmap_create();
    char key[64];
    const int rounds = 20 * N, live = 100;
    for (int i = 0; i < rounds; i++) {
        key_of(i, key, sizeof key);
        assert_int_equal(lt_strmap_add(m, key, &values[i % N]), 0);
        if (i >= live) {
            key_of(i - live, key, sizeof key);
            assert_int_equal(lt_strmap_remove(m, key, &values[(i - live) % N]), 0);
        }
    }
    assert_int_equal(lt_strmap_count(m), live);
    uint64_t probes = lt_strmap_probes(m);
    print_message("probes: %llu for %d adds and %d removes\n", (unsigned long long)probes, rounds,
                  rounds - live);
    assert_true(probes < 8 * (uint64_t)rounds);
    lt_strmap_destroy(m);
}

/* A map that owns its values: destroy_values frees each value still in it
 * exactly once, and none that was removed (ASan/valgrind would see a double
 * free or a leak; the count sees a value skipped or visited twice). */
static int freed;
static void count_free(void *value)
{
    freed++;
    free(value);
}

static void destroy_values_frees_what_is_left(void **state)
{
    (void)state;
    lt_strmap *m = lt_strmap_create();
    assert_non_null(m);
    char key[32];
    int *removed[10];
    for (int i = 0; i < 100; i++) {
        int *v = malloc(sizeof *v);
        assert_non_null(v);
        *v = i;
        key_of(i, key, sizeof key);
        assert_int_equal(lt_strmap_add(m, key, v), 0);
        if (i < 10)
            removed[i] = v;
    }
    for (int i = 0; i < 10; i++) {
        key_of(i, key, sizeof key);
        assert_int_equal(lt_strmap_remove(m, key, removed[i]), 0);
        free(removed[i]);
    }
    freed = 0;
    lt_strmap_destroy_values(m, count_free);
    assert_int_equal(freed, 90);
    lt_strmap_destroy_values(NULL, count_free); /* accepts NULL */
    assert_int_equal(freed, 90);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(add_find_remove),
        cmocka_unit_test(duplicate_keys),
        cmocka_unit_test(linear_work),
        cmocka_unit_test(churn_stays_cheap),
        cmocka_unit_test(destroy_values_frees_what_is_left),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
