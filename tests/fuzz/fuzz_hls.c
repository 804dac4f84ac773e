/* fuzz_hls.c - libFuzzer target for the recorder's HLS playlist parser
 * (text from a CDN). The input's first byte picks one of a few playlist
 * URLs to resolve against. Invariants checked: a parse that succeeds gives
 * at most LT_HLS_MAX_ENTRIES entries with consecutive sequence numbers,
 * durations that are not negative and NUL-terminated URIs; a master
 * playlist names its variant.
 *
 *   ./fuzz_hls -max_total_time=60 tests/fuzz/corpus/hls
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "recorder/recorder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const bases[] = {"http://127.0.0.1:8080/hls/1_hd/index.m3u8?expire=1",
                                        "https://cdn.example/live/stream.m3u8", "http://host", ""};
    if (!size)
        return 0;
    const char *base = bases[data[0] % 4];
    lt_hls_playlist pl;
    char err[256];
    if (lt_hls_parse((const char *)data + 1, size - 1, base, &pl, err, sizeof err) == 0) {
        if (pl.count > LT_HLS_MAX_ENTRIES || (pl.master && !pl.variant[0]))
            abort();
        for (size_t i = 0; i < pl.count; i++) {
            const lt_hls_entry *e = &pl.entries[i];
            if (e->seq != pl.media_seq + (int64_t)i || e->dur_ms < 0 || !memchr(e->uri, '\0', sizeof e->uri))
                abort();
        }
    } else if (!err[0]) {
        abort(); /* a refusal says why */
    }
    lt_hls_playlist_free(&pl);
    return 0;
}
