/* fuzz_room_status.c - libFuzzer target for the room_status reader of the
 * handover (tiktok/room_status.c): records of <prefix>.room_status come from
 * Kafka, where any producer can write. Invariants checked: a record is read
 * or refused, never beyond its end, and every string read is NUL-terminated
 * inside its field.
 *
 * Build (clang, ASan/UBSan), or with -DLT_BUILD_FUZZ=ON (tests/fuzz/CMakeLists.txt):
 *   clang -g -fsanitize=fuzzer,address,undefined -D_POSIX_C_SOURCE=200809L -Isrc \
 *     tests/fuzz/fuzz_room_status.c src/tiktok/room_status.c -o fuzz_room_status
 *   ./fuzz_room_status -max_total_time=60 tests/fuzz/corpus/room_status
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tiktok/handover.h"

static void check_terminated(const char *s, size_t size)
{
    if (memchr(s, '\0', size) == NULL)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a copy of exactly `size` bytes: ASan sees any read past the record */
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    lt_tiktok_peer_status st;
    if (lt_tiktok_room_status_decode(copy, size, &st) == 0) {
        check_terminated(st.room_id, sizeof st.room_id);
        check_terminated(st.collector_id, sizeof st.collector_id);
        check_terminated(st.state, sizeof st.state);
        check_terminated(st.reason, sizeof st.reason);
        check_terminated(st.input, sizeof st.input);
        (void)lt_tiktok_room_state_final(st.state);
    }
    free(copy);
    return 0;
}
