/* fuzz_flv.c - libFuzzer target for the recorder's FLV tag reader (bytes
 * from a CDN) and the segmenter it feeds. The input is fed in pieces whose
 * sizes come from its first byte, so tags split across reads are exercised.
 * Invariants checked: every tag handed on lies inside the bytes fed and has
 * its declared size, a reader that failed stays failed, and the segmenter
 * never writes past its quota (a small store in a temporary directory).
 *
 *   ./fuzz_flv -max_total_time=60 tests/fuzz/corpus/flv
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recorder/recorder.h"

static lt_store *store;
static lt_segmenter *seg;

static int on_tag(void *ctx, const lt_flv_tag *tag)
{
    (void)ctx;
    if (tag->raw_len < 15 || tag->data != tag->raw + 11 || tag->data_len != tag->raw_len - 15)
        abort();
    if (tag->raw_len != 11 + ((size_t)tag->raw[1] << 16 | (size_t)tag->raw[2] << 8 | tag->raw[3]) + 4)
        abort();
    lt_segmenter_tag(seg, tag, 1000);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!store) {
        char dir[] = "/tmp/fuzz_flv.XXXXXX";
        if (!mkdtemp(dir))
            abort();
        store = lt_store_create(dir, 1 << 20, 0);
    }
    if (!size)
        return 0;
    size_t piece = (size_t)data[0] % 64 + 1;
    seg = lt_segmenter_create(store, "7400000000000000000", "HD1", 1000, NULL, NULL);
    lt_flv_reader r;
    lt_flv_reader_init(&r, 1 << 16);
    bool failed = false;
    for (size_t off = 1; off < size; off += piece) {
        size_t n = size - off < piece ? size - off : piece;
        /* a copy, so a tag pointing past it is caught by ASan */
        uint8_t *copy = malloc(n);
        memcpy(copy, data + off, n);
        int rc = lt_flv_reader_feed(&r, copy, n, on_tag, NULL);
        free(copy);
        if (failed && rc == 0)
            abort();
        failed = failed || rc != 0;
    }
    lt_flv_reader_free(&r);
    lt_segmenter_destroy(seg);
    if (lt_store_used(store) > 1 << 20)
        abort();
    return 0;
}
