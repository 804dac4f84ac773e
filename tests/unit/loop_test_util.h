/* loop_test_util.h - a loop of the collector runtime's kind (core/loop.h)
 * for the unit tests that run a collector or sources on one: the test
 * fails, saying why, when it cannot be made. Destroy it with
 * lws_context_destroy. */
#ifndef LT_TEST_LOOP_UTIL_H
#define LT_TEST_LOOP_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/loop.h"

static inline struct lws_context *lt_test_loop(void)
{
    char err[256];
    struct lws_context *lws = lt_loop_create(err, sizeof err);
    if (!lws)
        fail_msg("cannot make the loop: %s", err);
    return lws;
}

#endif
