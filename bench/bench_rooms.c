/* bench_rooms - how long a collector takes to add (and look up) many rooms.
 *
 * Method. A collector with no publisher (events would go to a sink; none
 * are produced, the loop never runs) is given N rooms through the public
 * API, half "@user" handles and half numeric room ids, as a rooms file or
 * POST /rooms would. Wall time is taken around the N adds, then around N
 * lookups (lt_tiktok_collector_has_room) and around removing every room.
 * With a linear scan per add, adding N rooms is quadratic; with the index
 * it is linear. Prints one line of key=value results.
 *
 *   bench_rooms [rooms]        (10000 by default)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/log.h"
#include "tiktok/collector.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static lt_publish_status discard(void *ctx, const lt_event *ev, char *err, size_t errlen)
{
    (void)ctx, (void)ev, (void)err, (void)errlen;
    return LT_PUBLISH_OK;
}

static void room_name(long i, char *out, size_t len)
{
    if (i % 2)
        snprintf(out, len, "%ld", 7000000000000000000L + i);
    else
        snprintf(out, len, "@bench_user_%ld", i);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 10000;
    if (n <= 0) {
        fprintf(stderr, "usage: bench_rooms [rooms]\n");
        return 2;
    }
    lt_log_set_level(LT_LOG_WARN);
    char err[512], name[64];
    lt_tiktok_collector_options o = {.collector_id = "bench", .sink = discard};
    lt_tiktok_collector *c = lt_tiktok_collector_create(&o, err, sizeof err);
    if (!c) {
        fprintf(stderr, "bench_rooms: %s\n", err);
        return 1;
    }
    double t0 = now_s();
    for (long i = 0; i < n; i++) {
        room_name(i, name, sizeof name);
        if (lt_tiktok_collector_add_room(c, name, err, sizeof err) != 0) {
            fprintf(stderr, "bench_rooms: add %s: %s\n", name, err);
            return 1;
        }
    }
    double t1 = now_s();
    long found = 0;
    for (long i = 0; i < n; i++) {
        room_name(i, name, sizeof name);
        found += lt_tiktok_collector_has_room(c, name);
    }
    double t2 = now_s();
    for (long i = 0; i < n; i++) {
        room_name(i, name, sizeof name);
        if (lt_tiktok_collector_remove_room(c, name) != 0) {
            fprintf(stderr, "bench_rooms: remove %s failed\n", name);
            return 1;
        }
    }
    double t3 = now_s();
    lt_tiktok_collector_destroy(c);
    if (found != n) {
        fprintf(stderr, "bench_rooms: %ld of %ld rooms found\n", found, n);
        return 1;
    }
    printf("rooms=%ld add_ms=%.1f lookup_ms=%.1f remove_ms=%.1f\n", n, (t1 - t0) * 1e3, (t2 - t1) * 1e3,
           (t3 - t2) * 1e3);
    return 0;
}
