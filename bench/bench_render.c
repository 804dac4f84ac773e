/* bench_render - the sidecar's per-record work: Avro record -> frame JSON.
 *
 * Method. A pool of sample events of every type (50 rooms) is encoded once,
 * untimed, with the publisher's encoder (single-object framing, so no
 * registry is needed; the registry-framed path differs only in the 5-byte
 * header lookup). Then, on one thread, in alternating rounds over the whole
 * pool:
 *   livetap    lt_sidecar_render() (the sidecar's renderer) and the resume
 *              cursor for the record's room, as the consumer thread does per
 *              record before handing the frame to the event loop;
 *   reference  avro-c's own path: avro_value_read() into a generic value of
 *              the writer schema, then avro_value_to_json() - what one gets
 *              from the Avro C library without writing a renderer.
 * Rate = records / CPU time of the thread (CLOCK_THREAD_CPUTIME_ID); the
 * table gives the median of the rounds and ns per record.
 *
 *   build/bench/bench_render [rounds] [pool]
 */
#include <avro.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "avro/encoder.h"
#include "avro/schemas.h"
#include "core/event.h"
#include "sidecar/hub.h"
#include "sidecar/render.h"
#include "sidecar/request.h"
#include "sim/sample_events.h"

typedef struct record {
    lt_event_type type;
    uint8_t *value;
    size_t len;
} record;

static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The reference: avro-c generic decode + avro-c's JSON writer. One generic
 * value per type, built once (as a careful user would). */
typedef struct reference {
    avro_value_iface_t *iface[LT_EVENT_TYPE_COUNT];
    avro_value_t value[LT_EVENT_TYPE_COUNT];
    avro_reader_t reader;
} reference;

static int reference_init(reference *ref, const lt_schema_set *set)
{
    memset(ref, 0, sizeof(*ref));
    ref->reader = avro_reader_memory(NULL, 0);
    for (int t = 0; t < LT_EVENT_TYPE_COUNT; t++) {
        avro_schema_t s = lt_schema_set_schema(set, (lt_event_type)t);
        if (!s)
            continue;
        ref->iface[t] = avro_generic_class_from_schema(s);
        if (!ref->iface[t] || avro_generic_value_new(ref->iface[t], &ref->value[t]))
            return -1;
    }
    return ref->reader ? 0 : -1;
}

static size_t reference_render(reference *ref, const record *rec)
{
    avro_reader_memory_set_source(ref->reader, (const char *)rec->value + 10, (int64_t)(rec->len - 10));
    if (avro_value_read(ref->reader, &ref->value[rec->type]))
        return 0;
    char *json = NULL;
    if (avro_value_to_json(&ref->value[rec->type], 1, &json))
        return 0;
    size_t n = strlen(json);
    free(json);
    return n;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 7;
    int pool = argc > 2 ? atoi(argv[2]) : 20000;
    if (rounds < 1 || pool < 1) {
        fprintf(stderr, "usage: bench_render [rounds] [pool]\n");
        return 2;
    }
    char err[256];
    lt_schema_set *set = lt_schema_set_load(LT_SCHEMA_DIR, err, sizeof(err));
    lt_avro_encoder *enc = set ? lt_avro_encoder_create(set, err, sizeof(err)) : NULL;
    lt_sidecar_renderer *r = set ? lt_sidecar_renderer_create(NULL, set, err, sizeof(err)) : NULL;
    lt_sample_events *gen = lt_sample_events_create();
    if (!enc || !r || !gen) {
        fprintf(stderr, "bench_render: setup failed: %s\n", err);
        return 1;
    }
    lt_event_type topic_types[LT_EVENT_TYPE_COUNT];
    for (int t = 0; t < LT_EVENT_TYPE_COUNT; t++)
        topic_types[t] = (lt_event_type)t;
    lt_sidecar_positions *pos = lt_sidecar_positions_create(topic_types, LT_EVENT_TYPE_COUNT);
    for (int t = 0; t < LT_EVENT_TYPE_COUNT; t++)
        for (int32_t p = 0; p < 3; p++)
            lt_sidecar_positions_partition(pos, t, p, 1000000 + p);

    record *recs = calloc((size_t)pool, sizeof(*recs));
    size_t value_bytes = 0;
    for (int i = 0; i < pool; i++) {
        char room[32];
        snprintf(room, sizeof(room), "73%016d", i % 50);
        lt_event ev;
        lt_sample_event(gen, room, i / 50, &ev);
        lt_buf b = LT_BUF_INIT;
        if (lt_avro_encode(enc, &ev, &b)) {
            fprintf(stderr, "bench_render: encode failed\n");
            return 1;
        }
        recs[i] = (record){ev.type, b.data, b.len};
        value_bytes += b.len;
    }
    reference ref;
    if (reference_init(&ref, set)) {
        fprintf(stderr, "bench_render: avro-c reference setup failed: %s\n", avro_strerror());
        return 1;
    }

    double *mine = calloc((size_t)rounds, sizeof(double)), *theirs = calloc((size_t)rounds, sizeof(double));
    lt_buf out = LT_BUF_INIT;
    size_t json_bytes = 0, ref_bytes = 0;
    for (int round = -1; round < rounds; round++) { /* round -1 warms up */
        double t0 = thread_cpu_s();
        json_bytes = 0;
        for (int i = 0; i < pool; i++) {
            lt_sidecar_rendered info;
            lt_buf_reset(&out);
            if (lt_sidecar_render(r, recs[i].type, recs[i].value, recs[i].len, &out, &info, err, sizeof(err))) {
                fprintf(stderr, "bench_render: render failed: %s\n", err);
                return 1;
            }
            char cursor[LT_SIDECAR_CURSOR_TEXT_MAX + 1];
            if (lt_sidecar_positions_cursor(pos, info.room_id, cursor, sizeof(cursor)) < 0)
                return 1;
            json_bytes += out.len + strlen(cursor);
        }
        double t1 = thread_cpu_s();
        ref_bytes = 0;
        for (int i = 0; i < pool; i++) {
            size_t n = reference_render(&ref, &recs[i]);
            if (!n) {
                fprintf(stderr, "bench_render: avro-c reference failed: %s\n", avro_strerror());
                return 1;
            }
            ref_bytes += n;
        }
        double t2 = thread_cpu_s();
        if (round >= 0) {
            mine[round] = pool / (t1 - t0);
            theirs[round] = pool / (t2 - t1);
        }
    }
    qsort(mine, (size_t)rounds, sizeof(double), cmp_double);
    qsort(theirs, (size_t)rounds, sizeof(double), cmp_double);
    double m = mine[rounds / 2], t = theirs[rounds / 2];
    printf("records: %d of %d types, mean Avro value %.0f bytes; mean JSON %.0f bytes (livetap, with cursor), "
           "%.0f bytes (avro-c)\n",
           pool, LT_EVENT_TYPE_COUNT, (double)value_bytes / pool, (double)json_bytes / pool,
           (double)ref_bytes / pool);
    printf("| path | records/s per core (median of %d) | min | max | ns/record |\n", rounds);
    printf("|---|---:|---:|---:|---:|\n");
    printf("| livetap: lt_sidecar_render + cursor | %.0f | %.0f | %.0f | %.0f |\n", m, mine[0],
           mine[rounds - 1], 1e9 / m);
    printf("| reference: avro-c avro_value_read + avro_value_to_json | %.0f | %.0f | %.0f | %.0f |\n", t,
           theirs[0], theirs[rounds - 1], 1e9 / t);
    printf("livetap / reference = %.2fx\n", m / t);
    lt_buf_free(&out);
    for (int i = 0; i < pool; i++)
        free(recs[i].value);
    free(recs);
    free(mine);
    free(theirs);
    lt_sidecar_positions_destroy(pos);
    lt_sample_events_destroy(gen);
    lt_sidecar_renderer_destroy(r);
    lt_avro_encoder_destroy(enc);
    lt_schema_set_destroy(set);
    return 0;
}
