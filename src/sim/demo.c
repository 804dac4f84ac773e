/* demo.c - livetap-demo's work (see sim.h): sample events of every type
 * through the publisher, optionally written to a manifest a test compares
 * with what it reads back from Kafka field by field.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/event_json.h"
#include "core/log.h"
#include "sim/sample_events.h"
#include "kafka/conf.h"
#include "kafka/publisher.h"
#include "sim/sim.h"

#define OPT(name_, kind_, field_, dflt, doc_)                                                                \
    {                                                                                                        \
        .name = name_, .kind = kind_, .offset = offsetof(lt_sim_demo_options, field_),                       \
        .default_value = dflt, .doc = doc_                                                                   \
    }
#define INT(name_, field_, dflt, lo, hi, doc_)                                                               \
    {                                                                                                        \
        .name = name_, .kind = LT_CONFIG_INT, .offset = offsetof(lt_sim_demo_options, field_),               \
        .default_value = dflt, .doc = doc_, .min = lo, .max = hi                                             \
    }

static const lt_config_option kafka_options[] = {
    OPT("bootstrap", LT_CONFIG_STRING, kafka_bootstrap, "${LT_KAFKA_BOOTSTRAP:-127.0.0.1:19092}",
        "Kafka bootstrap servers"),
    OPT("registry_url", LT_CONFIG_STRING, registry_url, "${LT_REGISTRY_URL:-}",
        "Confluent-compatible schema registry; empty = Avro single-object encoding"),
    OPT("topic_prefix", LT_CONFIG_STRING, topic_prefix, "livetap", "topics are <prefix>.<type>"),
    OPT("properties", LT_CONFIG_PROPERTIES, kafka_properties, NULL, "librdkafka properties, passed through"),
    INT("flush_timeout_ms", flush_timeout_ms, "30000", 0, 600000, "bound on the final flush"),
    INT("startup_timeout_ms", startup_timeout_ms, "10000", 0, 600000, "bound on the broker check at start"),
    {.name = NULL},
};

const lt_config_option lt_sim_demo_option_table[] = {
    INT("rooms", rooms, "3", 1, 1000000, "rooms to simulate"),
    OPT("room_prefix", LT_CONFIG_STRING, room_prefix, "7300000000000000",
        "room ids are <room_prefix>0, 1, ..."),
    INT("events_per_room", events_per_room, "90", 0, 1000000000,
        "events per room, all room types in turn, plus the gift catalogue (gift_info) once per turn"),
    INT("rate", rate, "0", 0, 100000000, "events per second in total; 0 = as fast as possible"),
    OPT("collector_id", LT_CONFIG_STRING, collector_id, "livetap-demo", "written on every record"),
    OPT("manifest", LT_CONFIG_STRING, manifest, NULL,
        "write every published event as a JSON line to this file"),
    OPT("log_level", LT_CONFIG_STRING, log_level, "info", "debug, info, warn or error"),
    {.name = "kafka", .kind = LT_CONFIG_SECTION, .doc = "where the events go", .section = kafka_options},
    {.name = NULL},
};

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

typedef struct demo {
    const lt_sim_demo_options *o;
    lt_publisher *pub;
    FILE *manifest;
    volatile int *stop;
    long published;
    int64_t start, last_report;
    bool failed_start;
} demo;

static void write_manifest(demo *d, lt_event *ev)
{
    ev->collector_id = d->o->collector_id;
    json_t *j = lt_event_to_json(ev);
    char *line = j ? json_dumps(j, JSON_COMPACT) : NULL;
    if (line)
        fprintf(d->manifest, "%s\n", line);
    free(line);
    json_decref(j);
}

static void report_progress(demo *d)
{
    if (lt_now_ms() - d->last_report < 5000)
        return;
    d->last_report = lt_now_ms();
    lt_kafka_stats ks;
    lt_kafka_producer_stats(lt_publisher_producer(d->pub), &ks);
    lt_info("progress: %ld/%ld published, %llu delivered, %llu failed", d->published,
            d->o->rooms * d->o->events_per_room, (unsigned long long)ks.delivered,
            (unsigned long long)ks.failed);
}

/* One event; false when publishing must end. */
static bool publish_one(demo *d, lt_event *ev)
{
    char err[2048];
    ev->event_time = ev->ingest_time = lt_now_ms();
    lt_publish_status st;
    while ((st = lt_publisher_publish(d->pub, ev, NULL, err, sizeof err)) == LT_PUBLISH_BACKPRESSURE &&
           !*d->stop)
        lt_publisher_poll(d->pub, 10); /* the queue drains as the broker acknowledges */
    if (st == LT_PUBLISH_ERROR) {
        lt_error("publish failed: %s", err);
        d->failed_start = true;
        *d->stop = 1;
        return false;
    }
    if (st != LT_PUBLISH_OK)
        return false;
    d->published++;
    if (d->manifest)
        write_manifest(d, ev);
    lt_publisher_poll(d->pub, 0);
    if (d->o->rate > 0) {
        int64_t due = d->start + d->published * 1000 / d->o->rate, now = lt_now_ms();
        if (due > now)
            sleep_ms((long)(due - now));
    }
    report_progress(d);
    return true;
}

/* Room events of every type in turn; a catalogue type (gift_info, keyed by
 * gift id) is published once per turn, not per room, and not counted in
 * events_per_room: it is not a room's stream. */
static void publish_all(demo *d)
{
    lt_sample_events *gen = lt_sample_events_create();
    char room_id[128];
    for (long seq = 0, n = 0; gen && n < d->o->events_per_room && !*d->stop; seq++) {
        bool catalogue = false;
        for (long r = 0; r < d->o->rooms && !*d->stop; r++) {
            snprintf(room_id, sizeof room_id, "%s%ld", d->o->room_prefix, r);
            lt_event ev;
            lt_sample_event(gen, room_id, seq, &ev);
            catalogue = lt_event_type_info_get(ev.type)->compacted;
            if ((catalogue && r > 0) || !publish_one(d, &ev))
                break;
        }
        if (!catalogue)
            n++;
    }
    lt_sample_events_destroy(gen);
}

int lt_sim_demo_run(const lt_sim_demo_options *o, volatile int *stop)
{
    demo d = {.o = o, .stop = stop};
    int rc = 2;
    char err[2048];
    lt_kafka_properties props = {0};
    if (lt_kafka_properties_split((const char *const *)o->kafka_properties.items, o->kafka_properties.count,
                                  &props, err, sizeof err)) {
        lt_error("kafka.properties: %s", err);
        return 2;
    }
    lt_publisher_options po = {
        .topic_prefix = o->topic_prefix,
        .collector_id = o->collector_id,
        .registry_url = o->registry_url,
        .kafka = {.bootstrap_servers = o->kafka_bootstrap,
                  .client_id = "livetap-demo",
                  .properties = props.items,
                  .property_count = props.count},
        .startup_timeout_ms = (int)o->startup_timeout_ms,
    };
    if (!(d.pub = lt_publisher_create(&po, err, sizeof err))) {
        lt_error("cannot start: %s", err);
        goto done;
    }
    if (o->manifest && *o->manifest && !(d.manifest = fopen(o->manifest, "w"))) {
        lt_error("cannot write the manifest %s: %s", o->manifest, strerror(errno));
        goto done;
    }
    lt_info("publishing %ld events for each of %ld rooms to %s.<type> on %s", o->events_per_room, o->rooms,
            o->topic_prefix, o->kafka_bootstrap);
    d.start = d.last_report = lt_now_ms();
    publish_all(&d);
    if (*stop && !d.failed_start)
        lt_warn("interrupted: flushing what was published (up to %ld ms)", o->flush_timeout_ms);
    size_t undelivered = lt_publisher_flush(d.pub, (int)o->flush_timeout_ms);
    lt_kafka_stats ks;
    lt_kafka_producer_stats(lt_publisher_producer(d.pub), &ks);
    lt_info("done in %lld ms: %ld published, %llu delivered, %llu failed, %zu undelivered after flush",
            (long long)(lt_now_ms() - d.start), d.published, (unsigned long long)ks.delivered,
            (unsigned long long)ks.failed, undelivered);
    printf("published=%ld delivered=%llu failed=%llu undelivered=%zu\n", d.published,
           (unsigned long long)ks.delivered, (unsigned long long)ks.failed, undelivered);
    rc = d.failed_start                                                                  ? 2
         : (ks.failed || undelivered || ks.delivered != (unsigned long long)d.published) ? 1
                                                                                         : 0;
done:
    if (d.manifest)
        fclose(d.manifest);
    lt_publisher_destroy(d.pub);
    lt_kafka_properties_free(&props);
    return rc;
}
