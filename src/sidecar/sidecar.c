/* sidecar.c - assembling the sidecar: configuration to running parts,
 * readiness, metrics, and an orderly stop.
 *
 * Start-up fails (the program exits non-zero) when the schemas or the page do
 * not load, the registry URL is set but the client cannot be created, or no
 * Kafka broker answers: a sidecar that cannot serve anything should not look
 * healthy. Order: schemas, registry, renderer, hub, lws context (the
 * consumer thread wakes it), consumer. Stop runs in reverse: clients get
 * 1001, the consumer stops, then everything is freed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/contract.h"
#include "core/log.h"
#include "kafka/conf.h"
#include "sidecar/internal.h"

int lt_sidecar_loop_create(lt_sidecar *sc, char *err, size_t errlen);
int lt_sidecar_loop_run(lt_sidecar *sc);

#ifndef LT_WWW_DIR /* the build defines it (CMakeLists.txt, LT_INSTALLED_DATA) */
#define LT_WWW_DIR LT_SCHEMA_DIR "/../src/sidecar/www"
#endif

/* The writer schemas in use now (each topic's latest), fetched before the
 * consumer starts, so that the consumer thread does not stop on the first
 * record of each topic to fetch its schema while records queue behind it.
 * Best effort: a subject without a schema is skipped, an unreachable registry
 * ends the prefetch, and any schema not had now is fetched on first use. */
static void prefetch_schemas(lt_sidecar *sc)
{
    size_t added = 0, missing = 0;
    int64_t t0 = lt_now_ms();
    for (size_t i = 0; i < sc->topics; i++) {
        char subject[512], why[512];
        snprintf(subject, sizeof(subject), "%s-value", sc->topic_names[i]);
        int32_t id = 0;
        char *json = NULL;
        lt_registry_error rc = lt_registry_latest(sc->registry, subject, &id, &json, why, sizeof(why));
        if (rc == LT_REGISTRY_OK && lt_sidecar_renderer_add(sc->renderer, id, json, why, sizeof(why)) == 0)
            added++;
        else if (rc == LT_REGISTRY_NOT_FOUND)
            missing++;
        else
            lt_warn("sidecar: schema prefetch: %s", why);
        free(json);
        if (rc == LT_REGISTRY_UNREACHABLE)
            break;
    }
    lt_info("sidecar: %zu writer schemas fetched ahead in %lld ms (%zu subjects have none yet)", added,
            (long long)(lt_now_ms() - t0), missing);
}

const lt_sidecar_asset lt_sidecar_assets[LT_SIDECAR_ASSETS] = {
    [LT_SIDECAR_PAGE] = {"/", "index.html", "text/html; charset=utf-8"},
    {"/app.js", "app.js", "text/javascript; charset=utf-8"},
    {"/style.css", "style.css", "text/css; charset=utf-8"},
    {"/vendor/uplot/uPlot.iife.min.js", "vendor/uplot/uPlot.iife.min.js", "text/javascript; charset=utf-8"},
    {"/vendor/uplot/uPlot.min.css", "vendor/uplot/uPlot.min.css", "text/css; charset=utf-8"},
};

static int load_file(const char *dir, const char *name, lt_sidecar_file *out, char *err,
                     size_t errlen)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read %s (set www_dir)", path);
        return -1;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (n < 0 || n > (1 << 22) || !(out->data = malloc((size_t)n + 1)) ||
        fread(out->data, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        snprintf(err, errlen, "cannot read %s", path);
        return -1;
    }
    fclose(f);
    out->len = (size_t)n;
    return 0;
}

/* The topics of the types served: <prefix>.<type> or kafka.topics' override,
 * as the collector names them (core/contract.h). */
static int topic_names(const lt_sidecar_config *cfg, lt_topic_names *names, char *err, size_t errlen)
{
    lt_topic_override *overrides = NULL;
    char why[1024];
    int rc = lt_topic_overrides_parse((const char *const *)cfg->topics.items, cfg->topics.count, &overrides, why,
                                      sizeof why);
    if (rc == 0)
        rc = lt_topic_names_init(names, cfg->topic_prefix, overrides, cfg->topics.count, why, sizeof why);
    if (rc)
        snprintf(err, errlen, "config: kafka.topics: %s", why);
    free(overrides);
    return rc;
}

static int setup_topics(lt_sidecar *sc, char *err, size_t errlen)
{
    const lt_sidecar_config *cfg = sc->cfg;
    lt_topic_names names;
    if (topic_names(cfg, &names, err, errlen))
        return -1;
    size_t want = cfg->types.count ? cfg->types.count : LT_EVENT_TYPE_COUNT;
    sc->topic_names = calloc(want, sizeof(char *));
    sc->topic_types = calloc(want, sizeof(lt_event_type));
    if (!sc->topic_names || !sc->topic_types)
        goto oom;
    for (size_t i = 0; i < want; i++) {
        lt_event_type t = (lt_event_type)i;
        if (cfg->types.count && lt_event_type_from_name(cfg->types.items[i], &t) < 0) {
            snprintf(err, errlen, "config: unknown event type '%s' in kafka.types", cfg->types.items[i]);
            goto fail;
        }
        const lt_event_type_info *info = lt_event_type_info_get(t);
        /* A compacted topic is a catalogue keyed by its entity (gift id), not
         * a room's stream: its keys are not room ids. */
        if (info->compacted) {
            if (cfg->types.count) {
                snprintf(err, errlen,
                         "config: kafka.types: %s is a catalogue keyed by %s, not a room's events; "
                         "the sidecar serves rooms (read it from Kafka)",
                         info->name, t == LT_EVENT_GIFT_INFO ? "gift id" : "entity");
                goto fail;
            }
            continue;
        }
        size_t k = sc->topics;
        if (!(sc->topic_names[k] = strdup(names.of[t])))
            goto oom;
        sc->topic_types[k] = t;
        sc->topics++;
    }
    lt_topic_names_free(&names);
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    lt_topic_names_free(&names);
    return -1;
}

lt_sidecar *lt_sidecar_create(const lt_sidecar_config *cfg, char *err, size_t errlen)
{
    lt_sidecar *sc = calloc(1, sizeof(*sc));
    lt_kafka_properties props = {0};
    if (!sc) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    sc->cfg = cfg;
    if (lt_sidecar_config_validate(cfg, err, errlen) < 0) {
        free(sc);
        return NULL;
    }
    pthread_mutex_init(&sc->inbox_lock, NULL);
    pthread_cond_init(&sc->inbox_drained, NULL);
    pthread_mutex_init(&sc->replay_rooms_lock, NULL);
    sc->inbox_max_bytes = 64u << 20;
    if (setup_topics(sc, err, errlen) < 0)
        goto fail;
    const char *www = cfg->www_dir && *cfg->www_dir ? cfg->www_dir : LT_WWW_DIR;
    for (int i = 0; i < LT_SIDECAR_ASSETS; i++)
        if (load_file(www, lt_sidecar_assets[i].file, &sc->assets[i], err, errlen) < 0)
            goto fail;
    sc->schemas = lt_schema_set_load(cfg->schema_dir && *cfg->schema_dir ? cfg->schema_dir : LT_SCHEMA_DIR,
                                     err, errlen);
    if (!sc->schemas)
        goto fail;
    if (cfg->registry_url && *cfg->registry_url) {
        lt_registry_options ro = {.url = cfg->registry_url,
                                  .username = cfg->registry_username,
                                  .password = cfg->registry_password,
                                  .timeout_ms = 5000};
        if (!(sc->health_registry = lt_registry_create(&ro, err, errlen)))
            goto fail;
        ro.timeout_ms = cfg->schema_timeout_ms; /* prefetch and lookups: a silent registry costs this */
        if (!(sc->registry = lt_registry_create(&ro, err, errlen)) ||
            !(sc->schema_fetch = lt_sidecar_schema_fetch_create(&ro, cfg->schema_wait_ms, err, errlen)))
            goto fail;
    }
    if (!(sc->renderer = lt_sidecar_renderer_create(sc->registry, sc->schemas, err, errlen)))
        goto fail;
    if (sc->schema_fetch) {
        lt_sidecar_schema_source src = lt_sidecar_schema_fetch_source(sc->schema_fetch);
        lt_sidecar_renderer_set_source(sc->renderer, &src);
    }
    if (sc->registry)
        prefetch_schemas(sc);
    const char *const *tokens = (const char *const *)cfg->tokens.items;
    lt_sidecar_auth_options ao = {.tokens = tokens,
                                  .token_count = cfg->tokens.count,
                                  .jwt_secret = cfg->jwt_secret,
                                  .leeway_ms = 5000,
                                  .max_lifetime_ms = (int64_t)cfg->jwt_max_lifetime_s * 1000};
    if (!(sc->auth = lt_sidecar_auth_create(&ao, err, errlen)))
        goto fail;
    lt_hub_limits limits = {.max_queue_frames = cfg->queue_frames,
                            .max_queue_bytes = cfg->queue_bytes,
                            .max_replays = cfg->max_replays,
                            .max_replay_waiting = cfg->replay_waiting,
                            .replay_queue_bytes = cfg->replay_queue_bytes};
    lt_hub_callbacks cb = {.ctx = sc,
                           .want_write = lt_sidecar_want_write,
                           .flush = lt_sidecar_flush,
                           .start_replay = lt_sidecar_start_replay,
                           .room_replaying = lt_sidecar_room_replaying};
    sc->hub = lt_hub_create(sc->topic_types, sc->topics, &limits, &cb);
    sc->sink_pos = lt_sidecar_positions_create(sc->topic_types, sc->topics);
    if (!sc->hub || !sc->sink_pos) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (lt_kafka_properties_split((const char *const *)cfg->kafka_properties.items, cfg->kafka_properties.count,
                                  &props, err, errlen))
        goto fail;
    lt_kafka_consumer_options co = {
        .bootstrap_servers = cfg->kafka_bootstrap,
        .client_id = "livetap-sidecar",
        .topics = (const char *const *)sc->topic_names,
        .topic_count = sc->topics,
        .properties = props.items,
        .property_count = props.count,
        .max_replay_records = (int64_t)cfg->max_replay_records,
        .sink = lt_sidecar_sink(sc),
    };
    sc->consumer = lt_kafka_consumer_create(&co, err, errlen);
    lt_kafka_properties_free(&props);
    if (!sc->consumer)
        goto fail;
    if (lt_sidecar_loop_create(sc, err, errlen) < 0 || lt_sidecar_pipeline_start(sc, err, errlen) < 0)
        goto fail;
    char shown_registry[1024];
    lt_info("sidecar: listening on %s:%d (%s loop), reading %zu topics (%s.*) from %s%s%s", cfg->listen,
            sc->port, sc->loop_name, sc->topics, cfg->topic_prefix, cfg->kafka_bootstrap,
            sc->registry ? ", registry " : "",
            sc->registry ? lt_log_url(cfg->registry_url, shown_registry, sizeof shown_registry) : "");
    return sc;
fail:
    lt_kafka_properties_free(&props);
    lt_sidecar_destroy(sc);
    return NULL;
}

int lt_sidecar_port(const lt_sidecar *sc)
{
    return sc->port;
}

void lt_sidecar_stop(lt_sidecar *sc)
{
    if (sc)
        sc->stop_requested = 1;
}

int lt_sidecar_run(lt_sidecar *sc)
{
    return lt_sidecar_loop_run(sc);
}

void lt_sidecar_destroy(lt_sidecar *sc)
{
    if (!sc)
        return;
    lt_sidecar_pipeline_stop(sc);
    lt_sidecar_loop_destroy(sc); /* closes sockets: sessions unsubscribe */
    lt_sidecar_inbox_drain(sc, SIZE_MAX, UINT64_MAX);
    for (lt_hub_msg *m = sc->batch_head, *next; m; m = next) {
        next = m->next;
        lt_hub_msg_free(m);
    }
    lt_kafka_consumer_destroy(sc->consumer);
    lt_hub_destroy(sc->hub);
    lt_sidecar_positions_destroy(sc->sink_pos);
    lt_sidecar_auth_destroy(sc->auth);
    lt_sidecar_schema_fetch_destroy(sc->schema_fetch);
    lt_sidecar_renderer_destroy(sc->renderer);
    lt_registry_destroy(sc->registry);
    lt_registry_destroy(sc->health_registry);
    lt_schema_set_destroy(sc->schemas);
    lt_buf_free(&sc->render_buf);
    for (size_t i = 0; i < sc->topics; i++)
        free(sc->topic_names[i]);
    free(sc->topic_names);
    free(sc->topic_types);
    for (int i = 0; i < LT_SIDECAR_ASSETS; i++)
        free(sc->assets[i].data);
    free(sc->dirty);
    for (int i = 0; i < 1024; i++)
        for (socket_entry *e = sc->sockets[i], *next; e; e = next) {
            next = e->next;
            free(e);
        }
    for (int i = 0; i < 256; i++)
        for (ip_count *e = sc->ips[i], *next; e; e = next) {
            next = e->next;
            free(e);
        }
    lt_sidecar_replay_rooms_free(sc);
    pthread_mutex_destroy(&sc->replay_rooms_lock);
    pthread_mutex_destroy(&sc->inbox_lock);
    pthread_cond_destroy(&sc->inbox_drained);
    free(sc);
}

/* Ready = Kafka is not in an outage (consumer.h: every broker down, or no
 * metadata answer twice in a row), answered a metadata request within the
 * last 10 s and, if a registry is configured, it answered within the last
 * 15 s. */
int lt_sidecar_ready(lt_sidecar *sc, char *detail, size_t cap)
{
    lt_kafka_consumer_stats ks;
    lt_kafka_consumer_stats_get(sc->consumer, &ks);
    int64_t now = lt_now_ms();
    bool kafka_ok = ks.kafka_up && ks.last_metadata_ms > 0 && now - ks.last_metadata_ms < 10000;
    int64_t reg = atomic_load(&sc->registry_ok_ms);
    bool registry_ok = !sc->registry || (reg > 0 && now - reg < 15000);
    char down[64] = "";
    if (ks.down_since_ms > 0)
        snprintf(down, sizeof(down), ",\"kafka_down_since\":%lld", (long long)ks.down_since_ms);
    snprintf(detail, cap, "{\"ready\":%s,\"kafka\":\"%s\",\"registry\":\"%s\",\"partitions\":%d%s}\n",
             kafka_ok && registry_ok ? "true" : "false", kafka_ok ? "ok" : "unreachable",
             !sc->registry ? "none" : registry_ok ? "ok" : "unreachable", ks.partitions, down);
    return kafka_ok && registry_ok;
}

#define METRIC(out, type, name, help, fmt, value)                                               \
    do {                                                                                        \
        char line_[512];                                                                        \
        int n_ = snprintf(line_, sizeof(line_), "# HELP " name " " help "\n# TYPE " name " " type \
                          "\n" name " " fmt "\n", value);                                       \
        if (lt_buf_append(out, line_, (size_t)n_) < 0)                                          \
            return -1;                                                                          \
    } while (0)

static int histogram(lt_buf *out, const char *name, const char *help, const uint64_t *hist, double sum)
{
    char line[256];
    uint64_t acc = 0;
    int n = snprintf(line, sizeof(line), "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
    if (lt_buf_append(out, line, (size_t)n) < 0)
        return -1;
    for (int b = 0; b <= LT_SIDECAR_LATENCY_BUCKETS; b++) {
        acc += hist[b];
        if (b < LT_SIDECAR_LATENCY_BUCKETS)
            n = snprintf(line, sizeof(line), "%s_bucket{le=\"%g\"} %llu\n", name, lt_sidecar_latency_le_ms[b],
                         (unsigned long long)acc);
        else
            n = snprintf(line, sizeof(line), "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.3f\n%s_count %llu\n", name,
                         (unsigned long long)acc, name, sum, name, (unsigned long long)acc);
        if (lt_buf_append(out, line, (size_t)n) < 0)
            return -1;
    }
    return 0;
}

int lt_sidecar_metrics_text(lt_sidecar *sc, lt_buf *out)
{
    lt_hub_stats hs;
    lt_kafka_consumer_stats ks;
    lt_hub_stats_get(sc->hub, &hs);
    lt_kafka_consumer_stats_get(sc->consumer, &ks);
    static const char info_head[] =
        "# HELP livetap_sidecar_info The event loop serving the sockets (epoll; poll if configured, or if "
        "epoll did not start).\n# TYPE livetap_sidecar_info gauge\n";
    char info[128];
    int info_len = snprintf(info, sizeof(info), "livetap_sidecar_info{event_loop=\"%s\"} 1\n", sc->loop_name);
    if (lt_buf_append(out, info_head, sizeof(info_head) - 1) < 0 || lt_buf_append(out, info, (size_t)info_len) < 0)
        return -1;
    METRIC(out, "gauge", "livetap_sidecar_clients", "Open WebSocket connections.", "%u", sc->ws_clients);
    METRIC(out, "gauge", "livetap_sidecar_rooms_subscribed", "Rooms with at least one subscriber.",
           "%llu", (unsigned long long)hs.rooms);
    METRIC(out, "gauge", "livetap_sidecar_clients_replaying", "Clients replaying (since/cursor).",
           "%llu", (unsigned long long)hs.replaying);
    METRIC(out, "gauge", "livetap_sidecar_replays_waiting",
           "Replays waiting for a slot (limits.max_replays are served at once).", "%llu",
           (unsigned long long)hs.replays_waiting);
    METRIC(out, "counter", "livetap_sidecar_replays_refused_total",
           "Replays refused with 1013: limits.replay_waiting were already waiting.", "%llu",
           (unsigned long long)hs.replays_refused);
    METRIC(out, "counter", "livetap_sidecar_replays_widened_total",
           "Replays asked again because a topic the client wants was created while it waited.", "%llu",
           (unsigned long long)hs.replays_widened);
    METRIC(out, "gauge", "livetap_sidecar_queued_bytes", "Bytes queued to clients now.", "%llu",
           (unsigned long long)hs.queued_bytes);
    METRIC(out, "counter", "livetap_sidecar_replay_skipped_total",
           "Re-read records of rooms nobody replays: not rendered.", "%llu",
           (unsigned long long)atomic_load(&sc->stale_skipped));
    METRIC(out, "counter", "livetap_sidecar_memory_trims_total",
           "Times freed memory was returned to the system (malloc_trim) after a large release.", "%llu",
           (unsigned long long)sc->trims);
    METRIC(out, "counter", "livetap_sidecar_connections_total", "WebSocket connections accepted.",
           "%llu", (unsigned long long)sc->ws_opened);
    METRIC(out, "counter", "livetap_sidecar_events_in_total", "Kafka records consumed.", "%llu",
           (unsigned long long)ks.records);
    METRIC(out, "counter", "livetap_sidecar_event_bytes_in_total", "Kafka record value bytes consumed.",
           "%llu", (unsigned long long)ks.bytes);
    METRIC(out, "counter", "livetap_sidecar_events_replayed_total", "Records read again for replays.",
           "%llu", (unsigned long long)ks.replayed);
    METRIC(out, "counter", "livetap_sidecar_decode_errors_total", "Records that did not decode or render.",
           "%llu", (unsigned long long)atomic_load(&sc->render_errors));
    METRIC(out, "counter", "livetap_sidecar_bad_keys_total", "Records without a usable room id key.",
           "%llu", (unsigned long long)atomic_load(&sc->bad_keys));
    METRIC(out, "counter", "livetap_sidecar_records_too_large_total",
           "Records that render larger than queue_bytes: skipped, no client could take them.", "%llu",
           (unsigned long long)atomic_load(&sc->records_too_large));
    METRIC(out, "counter", "livetap_sidecar_frames_queued_total", "Frames queued to clients.", "%llu",
           (unsigned long long)hs.frames_queued);
    METRIC(out, "counter", "livetap_sidecar_frames_out_total", "Frames written to sockets.", "%llu",
           (unsigned long long)sc->frames_sent);
    METRIC(out, "counter", "livetap_sidecar_bytes_out_total", "Bytes written to sockets.", "%llu",
           (unsigned long long)sc->bytes_sent);
    METRIC(out, "counter", "livetap_sidecar_kafka_seeks_total", "Partition seeks for replays.", "%llu",
           (unsigned long long)ks.seeks);
    METRIC(out, "gauge", "livetap_sidecar_consumer_lag", "Records in Kafka not yet consumed.", "%lld",
           (long long)ks.lag);
    METRIC(out, "gauge", "livetap_sidecar_partitions", "Partitions assigned.", "%d", ks.partitions);
    METRIC(out, "gauge", "livetap_sidecar_kafka_up",
           "1 while Kafka is reachable, 0 during an outage (clients were told the stream is delayed).",
           "%d", ks.kafka_up ? 1 : 0);
    METRIC(out, "counter", "livetap_sidecar_kafka_outages_total",
           "Kafka outages detected (every broker down, or no metadata answer twice in a row).", "%llu",
           (unsigned long long)ks.outages);
    METRIC(out, "counter", "livetap_sidecar_consumer_errors_total",
           "Errors librdkafka reported to the consumer (broker connections, fetches).", "%llu",
           (unsigned long long)ks.errors);
    METRIC(out, "counter", "livetap_sidecar_consumer_waits_total",
           "Times the consumer waited for the event loop (inbox full).", "%llu",
           (unsigned long long)atomic_load(&sc->inbox_waits));
    static const char *close_names[] = {"slow_client", "error", "room_status", "shutdown"};
    char line[256];
    static const char closes_head[] =
        "# HELP livetap_sidecar_closes_total Connections closed by the server, by reason.\n"
        "# TYPE livetap_sidecar_closes_total counter\n";
    lt_buf_append(out, closes_head, sizeof(closes_head) - 1);
    for (int i = 0; i < LT_HUB_CLOSE_REASONS; i++) {
        int n = snprintf(line, sizeof(line), "livetap_sidecar_closes_total{reason=\"%s\"} %llu\n",
                         close_names[i], (unsigned long long)hs.closes[i]);
        lt_buf_append(out, line, (size_t)n);
    }
    int n = snprintf(line, sizeof(line),
                     "livetap_sidecar_closes_total{reason=\"inbound_too_big\"} %llu\n"
                     "livetap_sidecar_closes_total{reason=\"token_expired\"} %llu\n",
                     (unsigned long long)sc->closes_inbound, (unsigned long long)sc->closes_expired);
    lt_buf_append(out, line, (size_t)n);
    if (histogram(out, "livetap_sidecar_fanout_latency_ms",
                  "From rendering a record to writing its frame to a client (sampled), ms.",
                  sc->lat_sidecar, sc->lat_sidecar_sum) < 0 ||
        histogram(out, "livetap_sidecar_delivery_latency_ms",
                  "From the record's Kafka timestamp to writing its frame to a client (sampled), ms.",
                  sc->lat_kafka, sc->lat_kafka_sum) < 0)
        return -1;
    char refused[512];
    n = snprintf(refused, sizeof(refused),
                 "# HELP livetap_sidecar_refused_total Connections refused before any WebSocket frame, by "
                 "reason.\n# TYPE livetap_sidecar_refused_total counter\n"
                 "livetap_sidecar_refused_total{reason=\"handshakes_per_address\"} %llu\n"
                 "livetap_sidecar_refused_total{reason=\"upgrade_not_websocket\"} %llu\n",
                 (unsigned long long)sc->refused_handshakes, (unsigned long long)sc->refused_h2c);
    if (n < 0 || (size_t)n >= sizeof(refused) || lt_buf_append(out, refused, (size_t)n) < 0)
        return -1;
    static const char *reject_names[] = {"bad_request", "unauthorized", "capacity", "rate"};
    static const char rejected_head[] =
        "# HELP livetap_sidecar_rejected_total Connections refused with an error frame, by reason.\n"
        "# TYPE livetap_sidecar_rejected_total counter\n";
    lt_buf_append(out, rejected_head, sizeof(rejected_head) - 1);
    for (int i = 0; i < REJECT_REASONS; i++) {
        n = snprintf(line, sizeof(line), "livetap_sidecar_rejected_total{reason=\"%s\"} %llu\n",
                     reject_names[i], (unsigned long long)sc->rejected[i]);
        if (lt_buf_append(out, line, (size_t)n) < 0)
            return -1;
    }
    return 0;
}
