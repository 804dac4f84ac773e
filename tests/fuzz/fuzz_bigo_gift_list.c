/* fuzz_bigo_gift_list.c - libFuzzer target for BIGO's gift list answer
 * (/gift/get_list): the answer parser, the gift_info mapping and the change
 * hash. Invariants checked: at most max gifts, ids positive and strictly
 * increasing (sorted, repeats dropped), names non-empty and bounded, icons
 * bounded or absent, values non-negative, every entry either kept, skipped
 * or truncated, and the event borrows the gift's strings.
 *
 * Build (clang, ASan/UBSan), sources: src/bigo/giftlist.c,
 * src/bigo/envelope.c, src/core/event_types.c, src/core/log.c; links jansson
 * and libcrypto (envelope.c's md5):
 *   clang -g -fsanitize=fuzzer,address,undefined -D_POSIX_C_SOURCE=200809L -Isrc \
 *     tests/fuzz/fuzz_bigo_gift_list.c src/bigo/giftlist.c src/bigo/envelope.c \
 *     src/core/event_types.c src/core/log.c -ljansson -lcrypto -o fuzz_bigo_gift_list
 *   ./fuzz_bigo_gift_list -max_total_time=60 tests/fuzz/corpus/bigo_gift_list
 * (or scripts/fuzz.sh, which builds every tests/fuzz/fuzz_*.c target)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bigo/giftlist.h"

#define MAX_GIFTS 64 /* small, so that the cap is reached */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lt_bigo_gift_list l;
    char err[256];
    if (lt_bigo_gift_list_parse((const char *)data, size, MAX_GIFTS, &l, err, sizeof err) == 0) {
        if (l.count > MAX_GIFTS || (l.rescode != 200 && l.count) || !l.message)
            abort();
        const json_t *list = json_object_get(l.root, "list");
        if (l.rescode == 200 && json_is_array(list) && l.count + l.skipped + l.truncated != json_array_size(list))
            abort();
        for (size_t i = 0; i < l.count; i++) {
            const lt_bigo_gift *g = &l.gifts[i];
            if (g->gift_id <= 0 || (i && g->gift_id <= l.gifts[i - 1].gift_id) || g->value < 0 || g->gift_level < 0)
                abort();
            if (!g->name || !*g->name || strlen(g->name) > LT_BIGO_GIFT_NAME_MAX)
                abort();
            if (g->icon && (!*g->icon || strlen(g->icon) > LT_BIGO_GIFT_ICON_MAX))
                abort();
            lt_event ev;
            lt_bigo_gift_info_event(g, "anchor", 1, &ev);
            if (ev.type != LT_EVENT_GIFT_INFO || ev.as.gift_info.name != g->name ||
                ev.as.gift_info.image_url != g->icon || ev.as.gift_info.diamond_count != g->value)
                abort();
            (void)lt_bigo_gift_hash(g);
        }
    }
    lt_bigo_gift_list_clear(&l);
    return 0;
}
