/* The source tag in a delivery opaque (core/source.h) and BIGO's room
 * references (bigo/source.c): what the runtime routes delivery reports and
 * admin requests by. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bigo/source.h"
#include "core/source.h"

/* Every index survives the trip, and the opaque comes back as it was:
 * TikTok's (a time shifted by 6 bits, a type in the low bits) and BIGO's
 * (a heap pointer). */
static void tag_round_trip(void **state)
{
    (void)state;
    void *heap = malloc(64);
    uintptr_t tiktok = ((uintptr_t)86400000 * 365 * 10 << 6) | 13; /* ten years of ms, type 13 */
    void *opaques[] = {NULL, heap, (void *)tiktok, (void *)(uintptr_t)1};
    for (unsigned i = 0; i < LT_SOURCE_MAX; i++)
        for (size_t k = 0; k < sizeof opaques / sizeof opaques[0]; k++) {
            void *tagged = (void *)((uintptr_t)opaques[k] | lt_source_tag(i));
            assert_int_equal(lt_source_tag_index(tagged), i);
            assert_ptr_equal(lt_source_untag(tagged), opaques[k]);
        }
    /* the first source's opaques are not changed at all */
    assert_int_equal(lt_source_tag(0), 0);
    assert_int_equal(lt_source_tag_index(heap), 0);
    assert_int_equal(lt_source_tag_index((void *)tiktok), 0);
    free(heap);
}

static void bigo_rooms_parse(void **state)
{
    (void)state;
    lt_collector_room_ref ref;
    char err[256];
    assert_int_equal(lt_collector_room_parse(&lt_bigo_source, "bigo:anchorA", &ref, err, sizeof err), 0);
    assert_string_equal((const char *)ref.parsed.bytes, "anchorA");
    assert_string_equal(ref.input, "bigo:anchorA");
    assert_int_equal(lt_collector_room_parse(&lt_bigo_source, "bigo:", &ref, err, sizeof err), -1);
    assert_non_null(strstr(err, "bigo:<anchor openid>"));
    char long_id[400];
    memset(long_id, 'x', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    assert_int_equal(lt_collector_room_parse(&lt_bigo_source, long_id, &ref, err, sizeof err), -1);
    /* a BIGO room is never added by request: the error says where rooms come from */
    lt_collector_room_parse(&lt_bigo_source, "bigo:anchorA", &ref, err, sizeof err);
    assert_int_equal(lt_bigo_source.add(NULL, &ref, err, sizeof err), -1);
    assert_non_null(strstr(err, "BIGO rooms come from BIGO's push"));
    assert_non_null(strstr(err, "bigo.pull.rooms"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tag_round_trip),
        cmocka_unit_test(bigo_rooms_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
