/* lt-conformance-decode - the conformance suite's driver: fetch results in,
 * framed Avro records out, through exactly the code the collector runs.
 *
 * stdin:  [u32 little-endian length][ProtoMessageFetchResult bytes], repeated
 * stdout: one line per event, "<type name>\t<hex of the record>", the record
 *         in Avro single-object framing (C3 01, 8-byte fingerprint, body)
 *
 * One decoder serves the whole run (per-room state such as gift streaks is
 * part of what is tested). Schemas come from LT_SCHEMA_DIR, or the directory
 * given as the only argument. Exit 0, or 2 with the reason on stderr.
 */
#include <stdio.h>
#include <stdlib.h>

#include "avro/encoder.h"
#include "tiktok/messages.h"

#define MAX_FETCH_RESULT (16u * 1024u * 1024u)

typedef struct sink {
    lt_avro_encoder *enc;
    lt_buf out;
    int failed;
} sink;

static int on_event(const lt_event *ev, void *ctx)
{
    sink *s = ctx;
    lt_buf_reset(&s->out);
    if (lt_avro_encode(s->enc, ev, &s->out)) {
        s->failed = 1;
        return -1;
    }
    fputs(lt_event_type_info_get(ev->type)->name, stdout);
    putchar('\t');
    for (size_t i = 0; i < s->out.len; i++)
        printf("%02x", s->out.data[i]);
    putchar('\n');
    return 0;
}

static int read_exact(uint8_t *p, size_t n)
{
    return fread(p, 1, n, stdin) == n ? 0 : -1;
}

int main(int argc, char **argv)
{
    char err[1024];
    lt_schema_set *schemas = lt_schema_set_load(argc > 1 ? argv[1] : NULL, err, sizeof err);
    lt_avro_encoder *enc = schemas ? lt_avro_encoder_create(schemas, err, sizeof err) : NULL;
    lt_tiktok_decoder *dec =
        enc ? lt_tiktok_decoder_create("7310000000000000001", "conformance", err, sizeof err) : NULL;
    int rc = 2;
    uint8_t *buf = NULL;
    sink s = {enc, LT_BUF_INIT, 0};
    if (!dec) {
        fprintf(stderr, "lt-conformance-decode: %s\n", err);
        goto done;
    }
    for (;;) {
        uint8_t hdr[4];
        size_t got = fread(hdr, 1, 4, stdin);
        if (got == 0 && feof(stdin))
            break;
        if (got != 4) {
            fprintf(stderr, "lt-conformance-decode: truncated length prefix\n");
            goto done;
        }
        uint32_t len =
            (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 24;
        if (len > MAX_FETCH_RESULT) {
            fprintf(stderr, "lt-conformance-decode: a fetch result of %u bytes (limit %u)\n", len,
                    MAX_FETCH_RESULT);
            goto done;
        }
        uint8_t *nb = realloc(buf, len ? len : 1);
        if (!nb) {
            fprintf(stderr, "lt-conformance-decode: out of memory\n");
            goto done;
        }
        buf = nb;
        if (read_exact(buf, len)) {
            fprintf(stderr, "lt-conformance-decode: truncated fetch result (%u bytes announced)\n", len);
            goto done;
        }
        lt_tiktok_decoder_feed(dec, buf, len, NULL, on_event, &s);
        if (s.failed) {
            fprintf(stderr, "lt-conformance-decode: an event did not encode\n");
            goto done;
        }
    }
    rc = fflush(stdout) == 0 ? 0 : 2;
done:
    free(buf);
    lt_buf_free(&s.out);
    lt_tiktok_decoder_destroy(dec);
    lt_avro_encoder_destroy(enc);
    lt_schema_set_destroy(schemas);
    return rc;
}
