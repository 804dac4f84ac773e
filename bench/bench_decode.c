/* bench_decode - TikTok push frames -> events -> Avro, on one core.
 *
 * Method. A capture file ([u32 little-endian length][push frame bytes],
 * repeated: the format `livetap-collector --record` writes and public WebCast
 * capture collections use) is read into memory. Then every frame goes through
 * exactly what the collector does per frame, minus the network and Kafka:
 * PushFrame parse, gzip inflate (by header or magic), fetch-result parse,
 * per-message decode into lt_events (per-room decoder state included), and
 * Avro encoding of every event with Confluent framing into a reused buffer.
 * The capture is replayed `passes` times; wall time and CPU time are taken
 * around the whole loop. Prints one line of key=value results for bench/run.sh.
 * With LT_BENCH_CHECK=1 it also prints avro_fnv, an FNV-1a hash of every
 * record in order encoded once more with the clock's fields zeroed
 * (ingest_time, and event_time where it is the ingest time), so that two
 * builds can be shown to produce the same bytes from the same capture (the
 * extra encoding is not for timing runs).
 *
 *   bench_decode CAPTURE [passes]
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "avro/encoder.h"
#include "tiktok/frame.h"
#include "tiktok/messages.h"

typedef struct frame_ref {
    const uint8_t *data;
    size_t len;
} frame_ref;

typedef struct sink {
    lt_avro_encoder *enc;
    lt_buf out;
    uint64_t events;
    uint64_t bytes;
    uint64_t fnv;
    bool check;
    lt_buf again;
} sink;

static int on_event(const lt_event *ev, void *ctx)
{
    sink *s = ctx;
    lt_buf_reset(&s->out);
    if (lt_avro_encode(s->enc, ev, &s->out))
        return -1;
    s->events++;
    s->bytes += s->out.len;
    if (s->check) {
        lt_event fixed = *ev;
        if (fixed.event_time == fixed.ingest_time)
            fixed.event_time = 0;
        fixed.ingest_time = 0;
        lt_buf_reset(&s->again);
        if (lt_avro_encode(s->enc, &fixed, &s->again))
            return -1;
        for (size_t i = 0; i < s->again.len; i++)
            s->fnv = (s->fnv ^ s->again.data[i]) * 0x100000001b3ull;
    }
    return 0;
}

static double now_s(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_decode CAPTURE [passes]\n");
        return 2;
    }
    int passes = argc > 2 ? atoi(argv[2]) : 20;
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *capture = malloc((size_t)size + 1);
    if (!capture || fread(capture, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 2;
    }
    fclose(f);
    size_t n = 0, cap = 1024;
    frame_ref *frames = malloc(cap * sizeof *frames);
    for (long off = 0; off + 4 <= size;) {
        uint32_t len = (uint32_t)capture[off] | (uint32_t)capture[off + 1] << 8 |
                       (uint32_t)capture[off + 2] << 16 | (uint32_t)capture[off + 3] << 24;
        if (off + 4 + (long)len > size)
            break;
        if (n == cap)
            frames = realloc(frames, (cap *= 2) * sizeof *frames);
        frames[n++] = (frame_ref){capture + off + 4, len};
        off += 4 + (long)len;
    }
    if (n == 0) {
        fprintf(stderr, "%s holds no frames\n", argv[1]);
        return 2;
    }

    char err[1024];
    lt_schema_set *schemas = lt_schema_set_load(NULL, err, sizeof err);
    lt_avro_encoder *enc = schemas ? lt_avro_encoder_create(schemas, err, sizeof err) : NULL;
    lt_tiktok_decoder *dec = lt_tiktok_decoder_create("7310000000000000001", "bench", err, sizeof err);
    if (!enc || !dec) {
        fprintf(stderr, "bench_decode: %s\n", err);
        return 2;
    }
    for (int t = 0; t < LT_EVENT_TYPE_COUNT; t++)
        lt_avro_encoder_set_schema_id(enc, (lt_event_type)t, 100 + t);
    const char *check = getenv("LT_BENCH_CHECK");
    sink s = {enc, LT_BUF_INIT, 0, 0, 0xcbf29ce484222325ull, check && strcmp(check, "1") == 0, LT_BUF_INIT};
    lt_buf scratch = LT_BUF_INIT;
    uint64_t bad = 0, wire = 0;

    double w0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
    for (int p = 0; p < passes; p++) {
        for (size_t i = 0; i < n; i++) {
            lt_tiktok_frame frame;
            wire += frames[i].len;
            if (lt_tiktok_frame_parse(frames[i].data, frames[i].len, &frame, err, sizeof err)) {
                bad++;
                continue;
            }
            const uint8_t *payload;
            size_t plen;
            bool inflated;
            if (frame.payload_type && strcmp(frame.payload_type, "msg") == 0 &&
                lt_tiktok_frame_payload(&frame, &scratch, &payload, &plen, &inflated, err, sizeof err) == 0)
                lt_tiktok_decoder_feed(dec, payload, plen, NULL, on_event, &s);
            else
                bad++;
            lt_tiktok_frame_release(&frame);
        }
    }
    double wall = now_s(CLOCK_MONOTONIC) - w0, cpu = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    uint64_t total_frames = (uint64_t)n * (uint64_t)passes;
    printf("frames=%llu events=%llu skipped=%llu wall_s=%.3f cpu_s=%.3f frames_per_s=%.0f events_per_s=%.0f "
           "events_per_cpu_s=%.0f wire_mb_per_s=%.1f avro_bytes_per_event=%.1f",
           (unsigned long long)total_frames, (unsigned long long)s.events, (unsigned long long)bad, wall, cpu,
           total_frames / wall, s.events / wall, s.events / cpu, wire / wall / 1e6,
           s.events ? (double)s.bytes / (double)s.events : 0.0);
    if (s.check)
        printf(" avro_fnv=%016llx", (unsigned long long)s.fnv);
    printf("\n");
    lt_buf_free(&scratch);
    lt_buf_free(&s.out);
    lt_buf_free(&s.again);
    lt_tiktok_decoder_destroy(dec);
    lt_avro_encoder_destroy(enc);
    lt_schema_set_destroy(schemas);
    free(frames);
    free(capture);
    return bad == total_frames ? 1 : 0;
}
