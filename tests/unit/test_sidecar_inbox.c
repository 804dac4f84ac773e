/* The sidecar's inbox hand-over (src/sidecar/pipeline.c): a drain that takes
 * nothing leaves the inbox as it was (found by clang-tidy: with max 0 the
 * untaken messages were treated as taken, and the put-back dereferenced a
 * NULL tail). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sidecar/internal.h"

static void noop_want_write(void *ctx, void *user)
{
}

static lt_hub_msg *partition_msg(int topic)
{
    lt_hub_msg *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    m->kind = LT_HUB_PARTITION;
    m->topic = topic;
    return m;
}

static void drain_of_nothing_keeps_the_inbox(void **state)
{
    lt_event_type types[2] = {LT_EVENT_CHAT, LT_EVENT_GIFT};
    lt_hub_limits lim = {.max_queue_frames = 16, .max_queue_bytes = 1 << 20};
    lt_hub_callbacks cb = {.want_write = noop_want_write};
    lt_sidecar sc;
    memset(&sc, 0, sizeof sc);
    pthread_mutex_init(&sc.inbox_lock, NULL);
    pthread_cond_init(&sc.inbox_drained, NULL);
    sc.hub = lt_hub_create(types, 2, &lim, &cb);
    assert_non_null(sc.hub);
    lt_hub_msg *a = partition_msg(0), *b = partition_msg(1);
    a->next = b;
    sc.inbox_head = a;
    sc.inbox_tail = b;

    /* nothing may be taken: the inbox is untouched and still has work */
    assert_true(lt_sidecar_inbox_drain(&sc, 0, 0));
    assert_ptr_equal(sc.inbox_head, a);
    assert_ptr_equal(a->next, b);
    assert_ptr_equal(sc.inbox_tail, b);
    assert_true(lt_sidecar_inbox_drain(&sc, 0, UINT64_MAX));
    assert_ptr_equal(sc.inbox_head, a);
    assert_ptr_equal(sc.inbox_tail, b);

    /* then everything is applied and the inbox is empty */
    assert_false(lt_sidecar_inbox_drain(&sc, SIZE_MAX, UINT64_MAX));
    assert_null(sc.inbox_head);
    assert_null(sc.inbox_tail);

    lt_hub_destroy(sc.hub);
    pthread_cond_destroy(&sc.inbox_drained);
    pthread_mutex_destroy(&sc.inbox_lock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(drain_of_nothing_keeps_the_inbox)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
