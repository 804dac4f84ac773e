/* livetap-demo - publish sample events of every type through livetap's real
 * publishing path (schemas, registry, Avro, idempotent producer).
 *
 * Used by the README's first command, by tests (with --manifest it writes
 * every published event as a JSON line, so a test can compare what it reads
 * back from Kafka field by field) and by other components' tests that need
 * events in Kafka. Exit status: 0 when every record was acknowledged by the
 * broker, 1 when some were not, 2 on a start-up error (bad flags, registry or
 * broker unreachable, schema refused).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/event_json.h"
#include "core/log.h"
#include "kafka/publisher.h"
#include "sim/sample_events.h"

static volatile sig_atomic_t stop_requested;
static void on_signal(int sig)
{
    stop_requested = sig;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: livetap-demo [options]\n"
            "Publish sample events of every type to Kafka through livetap's publishing path.\n\n"
            "  --kafka HOST:PORT        bootstrap servers (default $LT_KAFKA_BOOTSTRAP or 127.0.0.1:19092)\n"
            "  --registry URL           Confluent-compatible registry (default $LT_REGISTRY_URL)\n"
            "  --no-registry            Avro single-object encoding instead of a registry\n"
            "  --topic-prefix P         topics are P.<type> (default livetap)\n"
            "  --rooms N                rooms to simulate (default 3)\n"
            "  --room-prefix R          room ids are R0, R1, ... (default 7300000000000000)\n"
            "  --events-per-room M      events per room, all room types in turn, plus the gift\n"
            "                           catalogue (gift_info) once per turn (default 90)\n"
            "  --rate N                 events per second in total, 0 = as fast as possible (default 0)\n"
            "  --collector-id ID        written on every record (default livetap-demo)\n"
            "  --property NAME=VALUE    librdkafka property, repeatable\n"
            "  --manifest FILE          write every published event as a JSON line\n"
            "  --flush-timeout-ms MS    bound on the final flush (default 30000)\n"
            "  --startup-timeout-ms MS  bound on the broker check at start (default 10000)\n"
            "  -v, --verbose / -q, --quiet\n"
            "  -h, --help\n");
}

typedef struct demo {
    const char *kafka, *registry, *prefix, *room_prefix, *collector_id, *manifest;
    long rooms, per_room, rate, flush_timeout, startup_timeout;
    lt_kafka_property props[32];
    size_t prop_count;
} demo;

static int parse_long(const char *s, const char *flag, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < 0) {
        fprintf(stderr, "livetap-demo: %s wants a non-negative number, got \"%s\"\n", flag, s);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_args(int argc, char **argv, demo *d)
{
    static const struct option opts[] = {
        {"kafka", required_argument, 0, 'k'}, {"registry", required_argument, 0, 'r'},
        {"no-registry", no_argument, 0, 'n'}, {"topic-prefix", required_argument, 0, 'p'},
        {"rooms", required_argument, 0, 'R'}, {"room-prefix", required_argument, 0, 'P'},
        {"events-per-room", required_argument, 0, 'e'}, {"rate", required_argument, 0, 't'},
        {"collector-id", required_argument, 0, 'c'}, {"property", required_argument, 0, 'X'},
        {"manifest", required_argument, 0, 'm'}, {"flush-timeout-ms", required_argument, 0, 'f'},
        {"startup-timeout-ms", required_argument, 0, 's'}, {"verbose", no_argument, 0, 'v'},
        {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *env_kafka = getenv("LT_KAFKA_BOOTSTRAP"), *env_reg = getenv("LT_REGISTRY_URL");
    *d = (demo){.kafka = env_kafka && *env_kafka ? env_kafka : "127.0.0.1:19092",
                .registry = env_reg,
                .prefix = "livetap",
                .room_prefix = "7300000000000000",
                .collector_id = "livetap-demo",
                .rooms = 3,
                .per_room = 90,
                .flush_timeout = 30000,
                .startup_timeout = 10000};
    int c;
    while ((c = getopt_long(argc, argv, "vqh", opts, NULL)) != -1) {
        switch (c) {
        case 'k': d->kafka = optarg; break;
        case 'r': d->registry = optarg; break;
        case 'n': d->registry = NULL; break;
        case 'p': d->prefix = optarg; break;
        case 'R': if (parse_long(optarg, "--rooms", &d->rooms)) return -1; break;
        case 'P': d->room_prefix = optarg; break;
        case 'e': if (parse_long(optarg, "--events-per-room", &d->per_room)) return -1; break;
        case 't': if (parse_long(optarg, "--rate", &d->rate)) return -1; break;
        case 'c': d->collector_id = optarg; break;
        case 'm': d->manifest = optarg; break;
        case 'f': if (parse_long(optarg, "--flush-timeout-ms", &d->flush_timeout)) return -1; break;
        case 's': if (parse_long(optarg, "--startup-timeout-ms", &d->startup_timeout)) return -1; break;
        case 'X': {
            char *eq = strchr(optarg, '=');
            if (!eq || eq == optarg || d->prop_count == 32) {
                fprintf(stderr, "livetap-demo: --property wants NAME=VALUE, got \"%s\"\n", optarg);
                return -1;
            }
            *eq = '\0';
            d->props[d->prop_count++] = (lt_kafka_property){optarg, eq + 1};
            break;
        }
        case 'v': lt_log_set_level(LT_LOG_DEBUG); break;
        case 'q': lt_log_set_level(LT_LOG_WARN); break;
        case 'h': usage(stdout); exit(0);
        default: usage(stderr); return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "livetap-demo: unexpected argument \"%s\"\n", argv[optind]);
        return -1;
    }
    return 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
    lt_log_set_program("livetap-demo");
    demo d;
    if (parse_args(argc, argv, &d))
        return 2;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    lt_publisher_options po = {
        .topic_prefix = d.prefix,
        .collector_id = d.collector_id,
        .registry_url = d.registry,
        .kafka = {.bootstrap_servers = d.kafka, .client_id = "livetap-demo", .properties = d.props,
                  .property_count = d.prop_count},
        .startup_timeout_ms = (int)d.startup_timeout,
    };
    char err[2048];
    lt_publisher *pub = lt_publisher_create(&po, err, sizeof err);
    if (!pub) {
        lt_error("cannot start: %s", err);
        return 2;
    }
    FILE *manifest = NULL;
    if (d.manifest && !(manifest = fopen(d.manifest, "w"))) {
        lt_error("cannot write the manifest %s: %s", d.manifest, strerror(errno));
        lt_publisher_destroy(pub);
        return 2;
    }
    lt_info("publishing %ld events for each of %ld rooms to %s.<type> on %s", d.per_room, d.rooms, d.prefix,
            d.kafka);

    lt_sample_events *gen = lt_sample_events_create();
    char room_id[128];
    long total = d.rooms * d.per_room, published = 0;
    int64_t start = lt_now_ms(), last_report = start;
    int failed_start = 0;
    /* Room events of every type in turn; a catalogue type (gift_info, keyed by
     * gift id) is published once per turn, not per room, and not counted in
     * --events-per-room: it is not a room's stream. */
    for (long seq = 0, n = 0; n < d.per_room && !stop_requested && gen; seq++) {
        bool catalogue = false;
        for (long r = 0; r < d.rooms && !stop_requested; r++) {
            snprintf(room_id, sizeof room_id, "%s%ld", d.room_prefix, r);
            lt_event ev;
            lt_sample_event(gen, room_id, seq, &ev);
            catalogue = lt_event_type_info_get(ev.type)->compacted;
            if (catalogue && r > 0)
                break;
            ev.event_time = ev.ingest_time = lt_now_ms();
            lt_publish_status st;
            while ((st = lt_publisher_publish(pub, &ev, NULL, err, sizeof err)) == LT_PUBLISH_BACKPRESSURE &&
                   !stop_requested)
                lt_publisher_poll(pub, 10); /* the queue drains as the broker acknowledges */
            if (st == LT_PUBLISH_ERROR) {
                lt_error("publish failed: %s", err);
                failed_start = 1;
                stop_requested = 1;
                break;
            }
            if (st != LT_PUBLISH_OK)
                break;
            published++;
            if (manifest) {
                ev.collector_id = d.collector_id;
                json_t *j = lt_event_to_json(&ev);
                char *line = j ? json_dumps(j, JSON_COMPACT) : NULL;
                if (line)
                    fprintf(manifest, "%s\n", line);
                free(line);
                json_decref(j);
            }
            lt_publisher_poll(pub, 0);
            if (d.rate > 0) {
                int64_t due = start + published * 1000 / d.rate;
                int64_t now = lt_now_ms();
                if (due > now)
                    sleep_ms((long)(due - now));
            }
            if (lt_now_ms() - last_report >= 5000) {
                last_report = lt_now_ms();
                lt_kafka_stats ks;
                lt_kafka_producer_stats(lt_publisher_producer(pub), &ks);
                lt_info("progress: %ld/%ld published, %llu delivered, %llu failed", published, total,
                        (unsigned long long)ks.delivered, (unsigned long long)ks.failed);
            }
        }
        if (!catalogue)
            n++;
    }
    if (stop_requested && !failed_start)
        lt_warn("interrupted: flushing what was published (up to %ld ms)", d.flush_timeout);
    size_t undelivered = lt_publisher_flush(pub, (int)d.flush_timeout);
    lt_kafka_stats ks;
    lt_kafka_producer_stats(lt_publisher_producer(pub), &ks);
    int64_t ms = lt_now_ms() - start;
    lt_info("done in %lld ms: %ld published, %llu delivered, %llu failed, %zu undelivered after flush",
            (long long)ms, published, (unsigned long long)ks.delivered, (unsigned long long)ks.failed,
            undelivered);
    printf("published=%ld delivered=%llu failed=%llu undelivered=%zu\n", published,
           (unsigned long long)ks.delivered, (unsigned long long)ks.failed, undelivered);
    if (manifest)
        fclose(manifest);
    lt_sample_events_destroy(gen);
    lt_publisher_destroy(pub);
    if (failed_start)
        return 2;
    return (ks.failed || undelivered || ks.delivered != (unsigned long long)published) ? 1 : 0;
}
