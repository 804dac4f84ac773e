/* fuzz_bigo_envelope.c - libFuzzer target for everything livetap-bigo parses
 * from a BIGO push frame or a pull response: the envelope (data as a string
 * or an object), platformLogin data, dataReception data with its danmu_data
 * rooms and items, the item -> event mapping, dedupe keys and the reply
 * builder. Invariants checked: every item has a room and a non-negative
 * msg_id, unknown events carry their payload, keys fit.
 *
 * Build (clang, ASan/UBSan), sources: src/bigo/envelope.c,
 * src/core/event_types.c, src/core/log.c; links jansson and libcrypto:
 *   clang -g -fsanitize=fuzzer,address,undefined -D_POSIX_C_SOURCE=200809L -Isrc \
 *     tests/fuzz/fuzz_bigo_envelope.c src/bigo/envelope.c src/core/event_types.c \
 *     src/core/log.c -ljansson -lcrypto -o fuzz_bigo_envelope
 *   ./fuzz_bigo_envelope -max_total_time=60 tests/fuzz/corpus/bigo_envelope
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bigo/envelope.h"

static void check_batch(const lt_bigo_batch *b)
{
    for (size_t i = 0; i < b->item_count; i++) {
        const lt_bigo_item *it = &b->items[i];
        if (!it->room || it->msg_id < 0)
            abort();
        char key[3 * LT_BIGO_MAX_ID + 8];
        if (lt_bigo_item_key(b->game_sess, it, key, sizeof key) == 0)
            abort(); /* bounded ids always fit */
        lt_event ev;
        char *payload = NULL;
        if (lt_bigo_item_to_event(it, 1, &ev, &payload) == 0) {
            if (ev.type == LT_EVENT_UNKNOWN && (!payload || ev.as.unknown.payload.len != strlen(payload)))
                abort();
            free(payload);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lt_bigo_envelope env;
    char err[256];
    lt_bigo_parse_status st = lt_bigo_envelope_parse((const char *)data, size, &env, err, sizeof err);
    if (st == LT_BIGO_PARSE_OK || st == LT_BIGO_PARSE_BAD_DATA) {
        if (env.data) {
            lt_bigo_login login;
            (void)lt_bigo_login_parse(env.data, &login, err, sizeof err);
            lt_bigo_batch b;
            if (lt_bigo_batch_parse(env.data, 1000, &b, err, sizeof err) == 0) {
                check_batch(&b);
                lt_bigo_batch_clear(&b);
            }
            /* the same object as a pull response */
            memset(&b, 0, sizeof b);
            if (lt_bigo_danmu_parse(json_object_get(env.data, "danmu_data"), 1000, &b, err, sizeof err) == 0)
                check_batch(&b);
            lt_bigo_batch_clear(&b);
        }
        json_t *reply_data = json_pack("{s:s, s:i}", "seqid", "x", "rescode", 200);
        free(lt_bigo_reply(env.uri, env.retry_cnt, env.send_time, 5, 6, reply_data));
        json_decref(reply_data);
    }
    lt_bigo_envelope_clear(&env);
    return 0;
}
