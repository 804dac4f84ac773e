/* livetap-collector - TikTok LIVE rooms -> Kafka (Avro), many rooms per process.
 *
 * Configuration is one table (options below): defaults, then the YAML file
 * given with --config, then command-line flags, each flag being a shorthand
 * for one key (--kafka is kafka.bootstrap_servers) and --set KEY=VALUE
 * reaching any key. `--config-reference` prints the table as Markdown.
 *
 * Then: the publisher, the collector, the rooms; the loop runs until
 * SIGINT/SIGTERM, after which every room is stopped, the producer flushed
 * within kafka.flush_timeout_ms and what Kafka did not acknowledge reported.
 * Exit status: 0 all delivered, 1 events lost on the way to Kafka (not
 * acknowledged, failed delivery, refused by the producer, given up under
 * backpressure) or the loop failed, 2 start-up error (bad flags or
 * configuration, a room that does not parse, Kafka or the registry
 * unreachable, the admin port taken), 3 everything published was delivered
 * but input was dropped by the frame limits (messages past
 * max_messages_per_frame, empty entries, frames over 8 MiB); the stop line
 * and the metrics say how much.
 *
 * The admin API (src/admin/admin.h) listens in the collector's own loop;
 * its room operations are the table admin_rooms() fills, the one place
 * that decides what adding a room means for this process.
 *
 * `livetap-collector lookup ROOM` resolves one room with the same resolver
 * and options and prints what it found as JSON.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "admin/admin.h"
#include "core/config.h"
#include "core/contract.h"
#include "core/event_json.h"
#include "core/log.h"
#include "kafka/conf.h"
#include "kafka/publisher.h"
#include "kafka/tail.h"
#include "tiktok/collector.h"
#include "tiktok/group.h"
#include "tiktok/handover.h"
#include "tiktok/room.h"

typedef struct config {
    lt_config_list rooms;
    char *rooms_file;
    char *collector_id;
    struct {
        char *bootstrap_servers, *registry_url, *registry_username, *registry_password, *topic_prefix;
        lt_config_list properties, topics;
        long flush_timeout_ms, dedupe_lookback_s, backpressure_wait_ms;
        bool dry_run, require_broker_at_start;
    } kafka;
    struct {
        bool enabled;
        char *control_topic, *group_id;
        long partitions, session_timeout_ms, handover_timeout_s, handover_hold_events, handover_hold_bytes;
    } group;
    struct {
        char *url, *api_key, *client;
        long rate_per_minute, burst;
        bool read_rate_limits;
    } sign;
    struct {
        char *web_base, *api_base, *user_agent, *session_cookies, *proxy, *ws_proxy, *ca_file;
        bool insecure_tls, gzip, room_info, room_info_events, gift_catalogue;
        long room_info_interval_s, gift_catalogue_interval_s;
    } tiktok;
    struct {
        long watch_interval_s, stale_timeout_s, backoff_cap_s, max_attempts, dedupe_window;
        long max_messages_per_frame, room_events_per_s, room_events_burst, room_unknown_bytes_per_s,
            room_unknown_bytes_burst, unknown_payload_max_bytes;
        char *record;
    } rooms_behaviour;
    struct {
        char *level;
        bool json;
    } log;
    struct {
        bool enabled, token_covers_metrics;
        char *listen, *port_file, *token;
        long port, max_rooms;
    } admin;
} config;

#define OPT(name, kind, member, dflt, doc) {name, kind, offsetof(config, member), dflt, doc, NULL, 0, 0}
#define INT(name, member, dflt, min, max, doc) \
    {name, LT_CONFIG_INT, offsetof(config, member), dflt, doc, NULL, min, max}
#define SECTION(name, table, doc) {name, LT_CONFIG_SECTION, 0, NULL, doc, table, 0, 0}
#define END {NULL, 0, 0, NULL, NULL, NULL, 0, 0}

static const lt_config_option kafka_options[] = {
    OPT("bootstrap_servers", LT_CONFIG_STRING, kafka.bootstrap_servers,
        "${LT_KAFKA_BOOTSTRAP:-127.0.0.1:19092}", "Kafka bootstrap servers"),
    OPT("registry_url", LT_CONFIG_STRING, kafka.registry_url, "${LT_REGISTRY_URL:-}",
        "Confluent-compatible schema registry; empty = Avro single-object encoding"),
    OPT("registry_username", LT_CONFIG_STRING, kafka.registry_username, "${LT_REGISTRY_USERNAME:-}",
        "schema registry basic auth user (user:password@ inside registry_url works too; logs show it as ***)"),
    OPT("registry_password", LT_CONFIG_STRING, kafka.registry_password, "${LT_REGISTRY_PASSWORD:-}",
        "schema registry basic auth password; never logged"),
    OPT("topic_prefix", LT_CONFIG_STRING, kafka.topic_prefix, "livetap", "topics are <prefix>.<type>"),
    OPT("properties", LT_CONFIG_PROPERTIES, kafka.properties, NULL, "librdkafka properties, passed through"),
    OPT("topics", LT_CONFIG_PROPERTIES, kafka.topics, NULL,
        "per-type topic names instead of <prefix>.<type>, e.g. {chat: my.chat} (docs/topics.md)"),
    INT("flush_timeout_ms", kafka.flush_timeout_ms, "10000", 0, 600000, "bound on the flush at shutdown"),
    INT("backpressure_wait_ms", kafka.backpressure_wait_ms, "30000", 1, 3600000,
        "how long reading may stay paused on a full Kafka queue before events are given up (counted, logged)"),
    OPT("dry_run", LT_CONFIG_BOOL, kafka.dry_run, "false", "print events as JSON lines instead of producing"),
    OPT("require_broker_at_start", LT_CONFIG_BOOL, kafka.require_broker_at_start, "true",
        "exit 2 when no broker answers at start-up; false = start anyway, /readyz 503 until one does"),
    INT("dedupe_lookback_s", kafka.dedupe_lookback_s, "120", 0, 86400,
        "when a room starts, seed its dedupe window with the msg_ids Kafka got in this many seconds "
        "(a restart or a room moved from another collector re-sends recent messages); 0 = off"),
    END,
};

static const lt_config_option group_options[] = {
    OPT("enabled", LT_CONFIG_BOOL, group.enabled, "false",
        "collect the rooms Kafka assigns from the control topic (several collectors share them); "
        "configured rooms are written to the control topic"),
    OPT("control_topic", LT_CONFIG_STRING, group.control_topic, NULL, "compacted room topic; empty = <prefix>.rooms"),
    OPT("group_id", LT_CONFIG_STRING, group.group_id, NULL, "the collectors' consumer group; empty = <prefix>-collectors"),
    INT("partitions", group.partitions, "12", 1, 10000, "partitions when the control topic is created"),
    INT("session_timeout_ms", group.session_timeout_ms, "10000", 1000, 300000,
        "a collector silent this long loses its rooms to the others"),
    INT("handover_timeout_s", group.handover_timeout_s, "20", 0, 3600,
        "a live room that moves stays with its old collector until the new one is live, at most this long "
        "(make-before-break, docs/operations.md); 0 = stop it at once"),
    INT("handover_hold_events", group.handover_hold_events, "20000", 1, 10000000,
        "events a room's new collector holds at most while the old one finishes; beyond, the oldest are "
        "published early (a duplicate is possible, a loss is not)"),
    INT("handover_hold_bytes", group.handover_hold_bytes, "8388608", 1024, 1073741824,
        "the same bound in bytes of encoded events"),
    END,
};

static const lt_config_option sign_options[] = {
    OPT("url", LT_CONFIG_STRING, sign.url, "${SIGN_API_URL:-https://api.eulerstream.com}",
        "Euler-compatible sign server (GET /webcast/fetch)"),
    OPT("api_key", LT_CONFIG_STRING, sign.api_key, "${SIGN_API_KEY:-}", "sent as x-api-key"),
    OPT("client", LT_CONFIG_STRING, sign.client, "livetap", "the client name the sign server sees"),
    INT("rate_per_minute", sign.rate_per_minute, "60", 0, 1000000,
        "sign calls per minute for the whole process; 0 = no limit"),
    INT("burst", sign.burst, "5", 1, 1000000, "sign calls allowed at once"),
    OPT("read_rate_limits", LT_CONFIG_BOOL, sign.read_rate_limits, "false",
        "lower the pace to what GET /webcast/rate_limits reports"),
    END,
};

static const lt_config_option tiktok_options[] = {
    OPT("web_base", LT_CONFIG_STRING, tiktok.web_base, "https://www.tiktok.com", "live pages and api-live"),
    OPT("api_base", LT_CONFIG_STRING, tiktok.api_base, "https://webcast.tiktok.com", "webcast room info"),
    OPT("user_agent", LT_CONFIG_STRING, tiktok.user_agent, NULL, "browser User-Agent (signed for); empty = Chrome"),
    OPT("session_cookies", LT_CONFIG_STRING, tiktok.session_cookies, NULL,
        "e.g. 'sessionid=...; tt-target-idc=...' for age-restricted rooms"),
    OPT("proxy", LT_CONFIG_STRING, tiktok.proxy, NULL, "HTTP(S) proxy for HTTP; empty = HTTPS_PROXY/ALL_PROXY"),
    OPT("ws_proxy", LT_CONFIG_STRING, tiktok.ws_proxy, NULL, "host:port HTTP CONNECT proxy for WebSockets"),
    OPT("ca_file", LT_CONFIG_STRING, tiktok.ca_file, NULL, "extra CA certificates (e.g. a simulator's)"),
    OPT("insecure_tls", LT_CONFIG_BOOL, tiktok.insecure_tls, "false", "accept any certificate (testing only)"),
    OPT("gzip", LT_CONFIG_BOOL, tiktok.gzip, "true", "ask for gzip-compressed push frames"),
    OPT("room_info", LT_CONFIG_BOOL, tiktok.room_info, "true", "check webcast/room/info after resolving @user rooms"),
    OPT("room_info_events", LT_CONFIG_BOOL, tiktok.room_info_events, "true",
        "publish <prefix>.room_info (webcast/room/info) when a room goes live and periodically"),
    INT("room_info_interval_s", tiktok.room_info_interval_s, "300", 0, 86400,
        "publish room_info again this often while a room is live; 0 = only on connect"),
    OPT("gift_catalogue", LT_CONFIG_BOOL, tiktok.gift_catalogue, "true",
        "publish the gift catalogue (webcast/gift/list) to the compacted <prefix>.gift_info, keyed by gift id"),
    INT("gift_catalogue_interval_s", tiktok.gift_catalogue_interval_s, "3600", 1, 604800,
        "re-fetch a live room's gift list this often; only new or changed gifts are published"),
    END,
};

static const lt_config_option behaviour_options[] = {
    INT("watch_interval_s", rooms_behaviour.watch_interval_s, "60", 0, 86400,
        "re-check offline or ended @user rooms this often; 0 = don't"),
    INT("stale_timeout_s", rooms_behaviour.stale_timeout_s, "60", 5, 3600, "reconnect after this long without a frame"),
    INT("backoff_cap_s", rooms_behaviour.backoff_cap_s, "30", 1, 3600, "longest wait between reconnects"),
    INT("max_attempts", rooms_behaviour.max_attempts, "0", 0, 1000000, "give a room up after this many failures in a row; 0 = never"),
    INT("dedupe_window", rooms_behaviour.dedupe_window, "2048", 16, 1048576,
        "msg_ids remembered per room (messages with msg_id 0 cannot be deduplicated; the limits below bound them)"),
    INT("max_messages_per_frame", rooms_behaviour.max_messages_per_frame, "1000", 1, 1000000,
        "messages kept from one push frame (TikTok sends under 100); the rest are dropped before decoding, "
        "counted in livetap_collector_input_dropped_total{reason=\"frame_messages\"}"),
    INT("room_events_per_s", rooms_behaviour.room_events_per_s, "2000", 0, 100000000,
        "events one room may produce per second on average; a room over it is not read until it is back under "
        "(TCP pushes back on the sender; nothing received is lost); 0 = no limit"),
    INT("room_events_burst", rooms_behaviour.room_events_burst, "20000", 1, 100000000,
        "events one room may produce at once above room_events_per_s (a backlog after a Kafka pause)"),
    INT("room_unknown_bytes_per_s", rooms_behaviour.room_unknown_bytes_per_s, "262144", 0, 1000000000,
        "bytes of unknown-topic payloads one room may produce per second on average; over it the room is not "
        "read until it is back under; 0 = no limit"),
    INT("room_unknown_bytes_burst", rooms_behaviour.room_unknown_bytes_burst, "4194304", 1, 1000000000,
        "unknown payload bytes one room may produce at once above room_unknown_bytes_per_s"),
    INT("unknown_payload_max_bytes", rooms_behaviour.unknown_payload_max_bytes, "524288", 1024, 100000000,
        "unknown payloads (a frame that does not parse, a message no decoder knows) longer than this are cut "
        "and marked (payload_truncated, payload_length); keep it under the producer's message.max.bytes "
        "(1000000 by default) so that every record fits"),
    OPT("record", LT_CONFIG_STRING, rooms_behaviour.record, NULL, "append every push frame to this file as [u32 LE length][bytes]"),
    END,
};

static const lt_config_option log_options[] = {
    OPT("level", LT_CONFIG_STRING, log.level, "info", "debug, info, warn or error"),
    OPT("json", LT_CONFIG_BOOL, log.json, "false", "JSON log lines"),
    END,
};

static const lt_config_option admin_options[] = {
    OPT("enabled", LT_CONFIG_BOOL, admin.enabled, "true", "serve the admin API, /healthz, /readyz and /metrics"),
    OPT("listen", LT_CONFIG_STRING, admin.listen, "127.0.0.1", "address to bind (0.0.0.0 = every interface)"),
    INT("port", admin.port, "8080", 0, 65535, "TCP port; 0 = any free port (logged, and see port_file)"),
    OPT("port_file", LT_CONFIG_STRING, admin.port_file, NULL, "write the bound port to this file once listening"),
    OPT("token", LT_CONFIG_STRING, admin.token, "${LT_ADMIN_TOKEN:-}",
        "if set, /rooms needs 'Authorization: Bearer <token>' (401 otherwise); /healthz and /readyz stay open"),
    OPT("token_covers_metrics", LT_CONFIG_BOOL, admin.token_covers_metrics, "false",
        "/metrics needs the token too (it names the rooms)"),
    INT("max_rooms", admin.max_rooms, "10000", 1, 10000000,
        "POST /rooms answers 429 once this collector has this many rooms (standalone mode)"),
    END,
};

static const lt_config_option options[] = {
    OPT("rooms", LT_CONFIG_STRING_LIST, rooms, NULL, "@user, profile/live URL or numeric room id"),
    OPT("rooms_file", LT_CONFIG_STRING, rooms_file, NULL, "one room per line ('#' comments)"),
    OPT("collector_id", LT_CONFIG_STRING, collector_id, NULL, "written on every record; empty = livetap-collector-<pid>"),
    SECTION("kafka", kafka_options, "where events go"),
    SECTION("sign", sign_options, "the sign server"),
    SECTION("tiktok", tiktok_options, "TikTok endpoints and transport"),
    SECTION("behaviour", behaviour_options, "reconnects, watching, dedupe, limits on what a room can cost"),
    SECTION("group", group_options, "scale-out: rooms assigned by a Kafka consumer group"),
    SECTION("log", log_options, "logging"),
    SECTION("admin", admin_options, "the admin HTTP API, health and metrics (docs/operations.md)"),
    END,
};

/* Each flag is a shorthand for one key. */
typedef struct flag {
    const char *name;
    const char *key;
    bool takes_value;   /* false: sets the key to "true" */
    const char *help;
} flag;

static const flag flags[] = {
    {"rooms", "rooms", true, "LIST     @user, profile/live URL or numeric room id, comma separated"},
    {"rooms-file", "rooms_file", true, "FILE     one room per line"},
    {"kafka", "kafka.bootstrap_servers", true, "HOST:PORT bootstrap servers ($LT_KAFKA_BOOTSTRAP, 127.0.0.1:19092)"},
    {"registry", "kafka.registry_url", true, "URL      schema registry ($LT_REGISTRY_URL; empty = single-object Avro)"},
    {"topic-prefix", "kafka.topic_prefix", true, "P        topics are P.<type> (livetap)"},
    {"property", "kafka.properties", true, "N=V      librdkafka property, repeatable"},
    {"dry-run", "kafka.dry_run", false, "         print events as JSON lines, no Kafka"},
    {"sign-url", "sign.url", true, "URL      sign server ($SIGN_API_URL, https://api.eulerstream.com)"},
    {"sign-api-key", "sign.api_key", true, "KEY      its API key ($SIGN_API_KEY)"},
    {"sign-client", "sign.client", true, "NAME     client name sent to it (livetap)"},
    {"sign-rate", "sign.rate_per_minute", true, "N        sign calls per minute, whole process (60; 0 = no limit)"},
    {"sign-read-limits", "sign.read_rate_limits", false, "         pace to the server's /webcast/rate_limits"},
    {"web-base", "tiktok.web_base", true, "URL      live pages, api-live (https://www.tiktok.com)"},
    {"api-base", "tiktok.api_base", true, "URL      room info (https://webcast.tiktok.com)"},
    {"ca-file", "tiktok.ca_file", true, "FILE     extra CA certificates"},
    {"insecure", "tiktok.insecure_tls", false, "         accept any TLS certificate (testing only)"},
    {"proxy", "tiktok.proxy", true, "URL      HTTP(S) proxy for HTTP requests"},
    {"ws-proxy", "tiktok.ws_proxy", true, "H:P      HTTP CONNECT proxy for WebSockets"},
    {"collector-id", "collector_id", true, "ID       written on every record"},
    {"group", "group.enabled", false, "         group mode: rooms from the control topic, shared by collectors"},
    {"group-id", "group.group_id", true, "ID       the collectors' consumer group (<prefix>-collectors)"},
    {"record", "behaviour.record", true, "FILE     record push frames ([u32 LE length][bytes])"},
    {"log-json", "log.json", false, "         JSON log lines"},
    {"admin-port", "admin.port", true, "N        admin API port (8080; 0 = any free port)"},
    {"admin-listen", "admin.listen", true, "ADDR     admin API address (127.0.0.1)"},
    {"admin-port-file", "admin.port_file", true, "FILE     write the admin API's port here once listening"},
    {"admin-token", "admin.token", true, "TOKEN    require it on /rooms ($LT_ADMIN_TOKEN; visible in ps: prefer the env)"},
};

static lt_tiktok_collector *running;

/* In group mode with handovers the first SIGTERM/SIGINT leaves the group
 * first (the tick does it: live rooms go to the collectors that stay, make-
 * before-break), the second stops at once. */
static volatile sig_atomic_t leave_asked;
static bool leave_first;

static void on_signal(int sig)
{
    (void)sig;
    if (leave_first && !leave_asked)
        leave_asked = 1;
    else if (running)
        lt_tiktok_collector_stop(running);
}

static void usage(FILE *out)
{
    fprintf(out, "usage: livetap-collector --rooms @user,7340691647148018438 [options]\n"
                 "       livetap-collector lookup [options] ROOM   resolve one room, print it as JSON\n"
                 "Collect TikTok LIVE rooms into Kafka: one Avro topic per event type, keyed by room id.\n"
                 "Rooms can also be added and removed at run time through the admin API (POST /rooms).\n\n");
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        fprintf(out, "  --%-17s%s\n", flags[i].name, flags[i].help);
    fprintf(out, "  --config FILE          YAML configuration (keys: --config-reference)\n"
                 "  --set KEY=VALUE        any configuration key, e.g. behaviour.backoff_cap_s=10\n"
                 "  --config-reference     print every key with its default and meaning\n"
                 "  --check-config         validate the configuration (and the rooms) and exit\n"
                 "  -v, --verbose / -q, --quiet\n"
                 "  -h, --help\n\n"
                 "Every room's state changes are logged (one line each) and published to\n"
                 "<prefix>.room_status. SIGINT/SIGTERM stops the rooms and flushes Kafka.\n");
}

static int check_room(void *ctx, const char *entry)
{
    (void)ctx;
    lt_tiktok_room_ref ref;
    char err[256];
    if (lt_tiktok_room_parse(entry, &ref, err, sizeof err) != 0) {
        lt_error("rooms: %s", err);
        return -1;
    }
    return 0;
}

static int set_key(config *cfg, const char *key, const char *value)
{
    char assignment[4096], err[512];
    snprintf(assignment, sizeof assignment, "%s=%s", key, value);
    if (lt_config_set(options, cfg, assignment, err, sizeof err) != 0) {
        lt_error("%s", err);
        return -1;
    }
    return 0;
}

/* lookup_room: NULL for a collector run, else where the room of
 * `lookup ROOM` goes (argv then starts at "lookup"). */
/* kafka.properties and kafka.topics, as run() will use them. */
static int check_kafka_names(const config *cfg)
{
    char err[2048];
    lt_kafka_properties props;
    if (lt_kafka_properties_split((const char *const *)cfg->kafka.properties.items,
                                  cfg->kafka.properties.count, &props, err, sizeof err)) {
        lt_error("kafka.properties: %s", err);
        return -1;
    }
    /* librdkafka knows its properties without contacting anything */
    rd_kafka_conf_t *conf = NULL;
    if (!cfg->kafka.dry_run && !(conf = lt_kafka_conf_build(cfg->kafka.bootstrap_servers, NULL, 0,
                                                            props.items, props.count, err, sizeof err))) {
        lt_kafka_properties_free(&props);
        lt_error("kafka.properties: %s", err);
        return -1;
    }
    if (conf)
        rd_kafka_conf_destroy(conf);
    lt_kafka_properties_free(&props);
    lt_topic_override *overrides = NULL;
    lt_topic_names names;
    if (lt_topic_overrides_parse((const char *const *)cfg->kafka.topics.items, cfg->kafka.topics.count,
                                 &overrides, err, sizeof err) ||
        lt_topic_names_init(&names, cfg->kafka.topic_prefix, overrides, cfg->kafka.topics.count, err,
                            sizeof err)) {
        free(overrides);
        lt_error("kafka.topics: %s", err);
        return -1;
    }
    free(overrides);
    lt_topic_names_free(&names);
    return 0;
}

static int parse_args(int argc, char **argv, config *cfg, const char **lookup_room)
{
    enum { O_CONFIG = 1000, O_SET, O_REFERENCE, O_CHECK };
    bool check_only = false;
    struct option longopts[sizeof flags / sizeof flags[0] + 8];
    size_t n = 0;
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        longopts[n++] = (struct option){flags[i].name, flags[i].takes_value ? required_argument : no_argument,
                                        0, (int)(256 + i)};
    longopts[n++] = (struct option){"config", required_argument, 0, O_CONFIG};
    longopts[n++] = (struct option){"set", required_argument, 0, O_SET};
    longopts[n++] = (struct option){"config-reference", no_argument, 0, O_REFERENCE};
    longopts[n++] = (struct option){"check-config", no_argument, 0, O_CHECK};
    longopts[n++] = (struct option){"verbose", no_argument, 0, 'v'};
    longopts[n++] = (struct option){"quiet", no_argument, 0, 'q'};
    longopts[n++] = (struct option){"help", no_argument, 0, 'h'};
    longopts[n++] = (struct option){0, 0, 0, 0};

    char err[1024];
    if (lt_config_defaults(options, cfg, err, sizeof err) != 0) {
        lt_error("%s", err);
        return -1;
    }
    /* the file first, so that flags override it wherever they stand */
    for (int i = 1; i < argc; i++) {
        const char *path = NULL;
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            path = argv[i + 1];
        else if (strncmp(argv[i], "--config=", 9) == 0)
            path = argv[i] + 9;
        if (path && lt_config_load_file(options, cfg, path, err, sizeof err) != 0) {
            lt_error("%s", err);
            return -1;
        }
    }
    bool rooms_from_flags = false;
    int c;
    while ((c = getopt_long(argc, argv, "vqh", longopts, NULL)) != -1) {
        if (c >= 256 && c < 256 + (int)(sizeof flags / sizeof flags[0])) {
            const flag *f = &flags[c - 256];
            if (!rooms_from_flags && strcmp(f->key, "rooms") == 0) {
                /* --rooms replaces the file's list; repeated --rooms add up */
                rooms_from_flags = true;
                if (set_key(cfg, "rooms", ""))
                    return -1;
            }
            if (strcmp(f->key, "rooms") == 0) {
                /* append: rebuild "old,new" */
                char list[16384] = "";
                size_t used = 0;
                for (size_t i = 0; i < cfg->rooms.count; i++)
                    used += (size_t)snprintf(list + used, sizeof list - used, "%s,", cfg->rooms.items[i]);
                snprintf(list + used, sizeof list - used, "%s", optarg);
                if (set_key(cfg, "rooms", list))
                    return -1;
                continue;
            }
            if (set_key(cfg, f->key, f->takes_value ? optarg : "true"))
                return -1;
            continue;
        }
        switch (c) {
        case O_CONFIG: break; /* loaded above */
        case O_SET:
            if (lt_config_set(options, cfg, optarg, err, sizeof err) != 0) {
                lt_error("--set %s", err);
                return -1;
            }
            break;
        case O_REFERENCE: lt_config_write_reference(options, stdout); exit(0);
        case O_CHECK: check_only = true; break;
        case 'v': if (set_key(cfg, "log.level", "debug")) return -1; break;
        case 'q': if (set_key(cfg, "log.level", "warn")) return -1; break;
        case 'h': usage(stdout); exit(0);
        default: usage(stderr); return -1;
        }
    }
    if (lookup_room) {
        if (optind + 1 != argc) {
            lt_error("lookup takes one room: livetap-collector lookup [options] @user|URL|room_id");
            return -1;
        }
        *lookup_room = argv[optind];
    } else if (optind < argc) {
        lt_error("unexpected argument '%s' (rooms go in --rooms)", argv[optind]);
        return -1;
    }
    lt_log_level level;
    if (lt_log_level_from_name(cfg->log.level, &level) != 0) {
        lt_error("log.level: expected debug, info, warn or error, found \"%s\"", cfg->log.level);
        return -1;
    }
    lt_log_set_level(level);
    lt_log_set_json(cfg->log.json);
    if (!lookup_room && !cfg->admin.enabled && cfg->rooms.count == 0 && !(cfg->rooms_file && *cfg->rooms_file)) {
        usage(stderr);
        lt_error("no rooms: give --rooms, --rooms-file or rooms: in --config (or enable the admin API to add them)");
        return -1;
    }
    if (check_only) { /* every room must parse too; nothing is contacted */
        for (size_t i = 0; i < cfg->rooms.count; i++)
            if (lt_tiktok_room_list_each(cfg->rooms.items[i], check_room, NULL) != 0)
                return -1;
        if (check_kafka_names(cfg))
            return -1;
        printf("configuration OK: %zu room entr%s, Kafka %s, topics %s.<type>, %s mode, admin %s\n", cfg->rooms.count,
               cfg->rooms.count == 1 ? "y" : "ies", cfg->kafka.dry_run ? "off (dry run)" : cfg->kafka.bootstrap_servers,
               cfg->kafka.topic_prefix, cfg->group.enabled ? "group" : "standalone",
               cfg->admin.enabled ? "on" : "off");
        exit(0);
    }
    return 0;
}

static lt_publish_status print_event(void *ctx, const lt_event *ev, char *err, size_t errlen)
{
    json_t *j = lt_event_to_json(ev);
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return LT_PUBLISH_ERROR;
    }
    puts(s);
    free(s);
    fflush(stdout);
    return LT_PUBLISH_OK;
}

static int add_one(void *ctx, const char *entry)
{
    char err[512];
    if (lt_tiktok_collector_add_room(ctx, entry, err, sizeof err) != 0) {
        lt_error("room %s", err);
        return -1;
    }
    return 0;
}

static int add_rooms_file(lt_tiktok_collector *c, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        lt_error("cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    char line[1024];
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        rc = lt_tiktok_room_list_each(line, add_one, c);
    }
    fclose(f);
    return rc;
}

/* Thousands of rooms need thousands of descriptors. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static const char *nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

/* What the collector's hooks reach: the group (polled every tick) and the
 * Kafka tail reader (seeds a starting room's dedupe window). */
typedef struct hooks {
    lt_tiktok_group *group;
    lt_kafka_tail *tail;
    int64_t tail_error_slot;
    uint64_t rebalances_seen;
    lt_tiktok_collector *collector;
    int64_t handover_timeout_ms;
    int64_t leave_deadline; /* 0 = not leaving */
    uint64_t leave_rebalances;
} hooks;

/* A graceful leave: out of the group, then stop once every live room has
 * been handed over (or the deadline passed). */
static void leave_tick(hooks *h, int64_t now_ms)
{
    lt_tiktok_group_stats gs;
    lt_tiktok_group_get_stats(h->group, &gs);
    if (!h->leave_deadline) {
        if (lt_tiktok_group_members(h->group, 2000) == 1) { /* nobody to hand rooms to */
            lt_tiktok_collector_stop(h->collector);
            return;
        }
        h->leave_deadline = now_ms + h->handover_timeout_ms + 15000;
        h->leave_rebalances = gs.rebalances;
        lt_tiktok_group_leave(h->group);
        return;
    }
    bool revoked = gs.rebalances != h->leave_rebalances && gs.partitions_assigned == 0;
    size_t pending = lt_tiktok_collector_handovers_pending(h->collector);
    if ((revoked && pending == 0) || now_ms >= h->leave_deadline) {
        if (pending || !revoked)
            lt_warn("left the group with %zu room(s) still being handed over: stopping anyway", pending);
        lt_tiktok_collector_stop(h->collector);
    }
}

static void on_tick(void *ctx, int64_t now_ms)
{
    hooks *h = ctx;
    if (h->group)
        lt_tiktok_group_poll(h->group);
    if (h->group && leave_asked)
        leave_tick(h, now_ms);
}

static void remember_id(void *ctx, int64_t msg_id)
{
    lt_dedupe_check(ctx, msg_id);
}

static void seed_window(void *ctx, const char *room_id, lt_dedupe *window)
{
    hooks *h = ctx;
    if (!h->tail)
        return;
    if (h->group) { /* rooms moved here since the last read: read again */
        lt_tiktok_group_stats gs;
        lt_tiktok_group_get_stats(h->group, &gs);
        if (gs.rebalances != h->rebalances_seen) {
            h->rebalances_seen = gs.rebalances;
            lt_kafka_tail_invalidate(h->tail);
        }
    }
    char err[512];
    long n = lt_kafka_tail_ids(h->tail, room_id, remember_id, window, err, sizeof err);
    if (n < 0) {
        int64_t slot = lt_now_ms() / 60000;
        if (slot != h->tail_error_slot) {
            h->tail_error_slot = slot;
            lt_warn("room %s: dedupe window not seeded from Kafka: %s", room_id, err);
        }
    } else if (n > 0) {
        lt_info("room %s: %ld recent msg_id(s) already in Kafka will not be published again", room_id, n);
    }
}

static void refresh_window(void *ctx, const char *room_id, int64_t read_before_ms, lt_dedupe *window)
{
    hooks *h = ctx;
    if (h->tail)
        lt_kafka_tail_invalidate_key(h->tail, room_id, read_before_ms);
    seed_window(ctx, room_id, window);
}

static lt_kafka_tail *create_tail(const config *cfg, lt_publisher *pub, const lt_kafka_property *props,
                                  size_t prop_count, char *err, size_t errlen)
{
    const char *topics[LT_EVENT_TYPE_COUNT];
    for (int t = 0; t < LT_EVENT_TYPE_COUNT; t++)
        topics[t] = lt_publisher_topic(pub, (lt_event_type)t);
    lt_kafka_tail_options to = {
        .bootstrap_servers = cfg->kafka.bootstrap_servers,
        .properties = props,
        .property_count = prop_count,
        .topics = topics,
        .topic_count = LT_EVENT_TYPE_COUNT,
        .lookback_ms = cfg->kafka.dedupe_lookback_s * 1000,
    };
    return lt_kafka_tail_create(&to, err, errlen);
}

static int put_one(void *ctx, const char *entry)
{
    char err[512];
    if (lt_tiktok_group_put(ctx, entry, false, err, sizeof err) != 0) {
        lt_error("room %s: %s", entry, err);
        return -1;
    }
    return 0;
}

static void collector_options(const config *cfg, const char *collector_id, lt_publisher *pub, hooks *hk,
                              lt_tiktok_collector_options *o)
{
    *o = (lt_tiktok_collector_options){
        .collector_id = collector_id,
        .publisher = pub,
        .sink = print_event,
        .web_base = nonempty(cfg->tiktok.web_base),
        .api_base = nonempty(cfg->tiktok.api_base),
        .signer = {
            .sign_url = nonempty(cfg->sign.url),
            .api_key = nonempty(cfg->sign.api_key),
            .client = nonempty(cfg->sign.client),
            .rate_per_second = (double)cfg->sign.rate_per_minute / 60.0,
            .burst = (double)cfg->sign.burst,
            .read_rate_limits = cfg->sign.read_rate_limits,
        },
        .user_agent = nonempty(cfg->tiktok.user_agent),
        .http_proxy = nonempty(cfg->tiktok.proxy),
        .ws_proxy = nonempty(cfg->tiktok.ws_proxy),
        .ca_file = nonempty(cfg->tiktok.ca_file),
        .insecure_tls = cfg->tiktok.insecure_tls,
        .session_cookies = nonempty(cfg->tiktok.session_cookies),
        .no_gzip = !cfg->tiktok.gzip,
        .skip_room_info = !cfg->tiktok.room_info,
        .skip_room_info_events = !cfg->tiktok.room_info_events,
        .room_info_interval_ms = cfg->tiktok.room_info_interval_s * 1000,
        .skip_gift_catalogue = !cfg->tiktok.gift_catalogue,
        .gift_catalogue_interval_ms = cfg->tiktok.gift_catalogue_interval_s * 1000,
        .stale_ms = cfg->rooms_behaviour.stale_timeout_s * 1000,
        .backoff_cap_ms = cfg->rooms_behaviour.backoff_cap_s * 1000,
        .max_attempts = (int)cfg->rooms_behaviour.max_attempts,
        .watch_interval_ms = cfg->rooms_behaviour.watch_interval_s * 1000,
        .dedupe_window = (size_t)cfg->rooms_behaviour.dedupe_window,
        .flush_timeout_ms = (int)cfg->kafka.flush_timeout_ms,
        .backpressure_wait_ms = cfg->kafka.backpressure_wait_ms,
        .record_path = nonempty(cfg->rooms_behaviour.record),
        .room_limits = {
            .events_per_s = (double)cfg->rooms_behaviour.room_events_per_s,
            .events_burst = (double)cfg->rooms_behaviour.room_events_burst,
            .unknown_bytes_per_s = (double)cfg->rooms_behaviour.room_unknown_bytes_per_s,
            .unknown_bytes_burst = (double)cfg->rooms_behaviour.room_unknown_bytes_burst,
            .unknown_payload_max = (size_t)cfg->rooms_behaviour.unknown_payload_max_bytes,
            .max_messages = (size_t)cfg->rooms_behaviour.max_messages_per_frame,
        },
        .on_tick = hk ? on_tick : NULL,
        .seed_window = hk ? seed_window : NULL,
        .refresh_window = hk ? refresh_window : NULL,
        .hook_ctx = hk,
    };
}

/* --- the admin API's view of this process --- */

/* Standalone: POST/DELETE act on this collector's rooms directly, up to
 * max_rooms (a stranger with the admin port must not be able to make the
 * process open connections without end). */
typedef struct standalone_admin {
    lt_tiktok_collector *collector;
    size_t max_rooms;
} standalone_admin;

static lt_admin_status admin_add(void *ctx, const char *spec, json_t **room, char *err, size_t errlen)
{
    standalone_admin *sa = ctx;
    size_t rooms = lt_tiktok_collector_room_count(sa->collector);
    if (rooms >= sa->max_rooms) {
        snprintf(err, errlen, "room limit reached: this collector has %zu rooms (admin.max_rooms %zu); remove a "
                 "room or raise admin.max_rooms", rooms, sa->max_rooms);
        return LT_ADMIN_LIMIT;
    }
    int rc = lt_tiktok_collector_add_room(sa->collector, spec, err, errlen);
    if (rc != 0)
        return rc > 0 ? LT_ADMIN_CONFLICT : LT_ADMIN_BAD_REQUEST;
    *room = lt_tiktok_collector_room_json(sa->collector, spec);
    return LT_ADMIN_CREATED;
}

static lt_admin_status admin_remove(void *ctx, const char *spec, char *err, size_t errlen)
{
    ctx = ((standalone_admin *)ctx)->collector;
    lt_tiktok_room_ref ref;
    if (lt_tiktok_room_parse(spec, &ref, err, errlen) != 0)
        return LT_ADMIN_BAD_REQUEST;
    if (lt_tiktok_collector_remove_room(ctx, spec) != 0) {
        snprintf(err, errlen, "room %s is not collected here", spec);
        return LT_ADMIN_NOT_FOUND;
    }
    return LT_ADMIN_OK;
}

static json_t *admin_list(void *ctx)
{
    return lt_tiktok_collector_rooms_json(((standalone_admin *)ctx)->collector);
}

static json_t *admin_get(void *ctx, const char *spec)
{
    return lt_tiktok_collector_room_json(((standalone_admin *)ctx)->collector, spec);
}

static bool admin_ready(void *ctx, json_t **detail)
{
    return lt_tiktok_collector_ready(ctx, detail);
}

static int admin_metrics(void *ctx, lt_buf *out)
{
    return lt_tiktok_collector_write_metrics(ctx, out);
}

/* Group mode: POST/DELETE write the control topic; whichever collector owns
 * the room's partition starts or stops it. GET shows this collector's rooms. */
typedef struct group_admin {
    lt_tiktok_group *group;
    lt_tiktok_collector *collector;
} group_admin;

static lt_admin_status group_add(void *ctx, const char *spec, json_t **room, char *err, size_t errlen)
{
    group_admin *ga = ctx;
    char key[128];
    if (lt_tiktok_group_key(spec, key, sizeof key, err, errlen))
        return LT_ADMIN_BAD_REQUEST;
    if (lt_tiktok_group_put(ga->group, spec, false, err, errlen))
        return LT_ADMIN_UNAVAILABLE;
    *room = json_pack("{s:s, s:s}", "room", key, "state", "requested");
    return LT_ADMIN_ACCEPTED;
}

static lt_admin_status group_remove(void *ctx, const char *spec, char *err, size_t errlen)
{
    group_admin *ga = ctx;
    char key[128];
    if (lt_tiktok_group_key(spec, key, sizeof key, err, errlen))
        return LT_ADMIN_BAD_REQUEST;
    return lt_tiktok_group_put(ga->group, spec, true, err, errlen) ? LT_ADMIN_UNAVAILABLE : LT_ADMIN_ACCEPTED;
}

static json_t *group_list(void *ctx)
{
    return lt_tiktok_collector_rooms_json(((group_admin *)ctx)->collector);
}

static json_t *group_get(void *ctx, const char *spec)
{
    return lt_tiktok_collector_room_json(((group_admin *)ctx)->collector, spec);
}

static group_admin the_group_admin;
static standalone_admin the_standalone_admin;

static lt_admin_rooms admin_rooms(const config *cfg, lt_tiktok_collector *c, lt_tiktok_group *group)
{
    if (group) {
        the_group_admin = (group_admin){group, c};
        return (lt_admin_rooms){.ctx = &the_group_admin, .add = group_add, .remove = group_remove,
                                .list = group_list, .get = group_get};
    }
    the_standalone_admin = (standalone_admin){c, (size_t)cfg->admin.max_rooms};
    return (lt_admin_rooms){.ctx = &the_standalone_admin, .add = admin_add, .remove = admin_remove,
                            .list = admin_list, .get = admin_get};
}

static lt_admin_server *start_admin(const config *cfg, lt_tiktok_collector *c, lt_tiktok_group *group)
{
    char err[512];
    lt_admin_options ao = {
        .listen = cfg->admin.listen,
        .port = (int)cfg->admin.port,
        .token = nonempty(cfg->admin.token),
        .token_covers_metrics = cfg->admin.token_covers_metrics,
        .rooms = admin_rooms(cfg, c, group),
        .probes = {.ctx = c, .ready = admin_ready, .metrics = admin_metrics},
    };
    lt_admin_server *admin = lt_admin_create(lt_tiktok_collector_lws(c), &ao, err, sizeof err);
    if (!admin) {
        lt_error("cannot start: %s", err);
        return NULL;
    }
    int port = lt_admin_port(admin);
    bool v6 = strchr(cfg->admin.listen, ':') != NULL; /* a URL brackets an IPv6 address */
    lt_info("admin API on http://%s%s%s:%d/ (rooms, healthz, readyz, metrics; %s)", v6 ? "[" : "",
            cfg->admin.listen, v6 ? "]" : "", port,
            nonempty(cfg->admin.token) ? "rooms need the admin token" : "no admin token: anyone who reaches it may add rooms");
    if (nonempty(cfg->admin.port_file)) {
        /* written whole under another name, then renamed: a reader never sees half */
        char tmp[4200];
        snprintf(tmp, sizeof tmp, "%s.tmp", cfg->admin.port_file);
        FILE *f = fopen(tmp, "w");
        if (!f || fprintf(f, "%d\n", port) < 0 || fclose(f) != 0 || rename(tmp, cfg->admin.port_file) != 0) {
            lt_error("cannot write the admin port to %s: %s", cfg->admin.port_file, strerror(errno));
            lt_admin_destroy(admin);
            return NULL;
        }
    }
    return admin;
}

/* `lookup ROOM`: 0 live, 1 not live or no answer, 2 bad input. */
static int lookup(config *cfg, const char *input)
{
    char err[512];
    lt_tiktok_room_ref ref;
    if (lt_tiktok_room_parse(input, &ref, err, sizeof err) != 0) {
        lt_error("%s", err);
        return 2;
    }
    lt_tiktok_collector_options o;
    collector_options(cfg, "livetap-lookup", NULL, NULL, &o);
    lt_tiktok_collector *c = lt_tiktok_collector_create(&o, err, sizeof err);
    if (!c) {
        lt_error("%s", err);
        return 2;
    }
    lt_tiktok_resolution res;
    int rc = lt_tiktok_collector_lookup(c, input, 30000, &res, err, sizeof err);
    lt_tiktok_collector_destroy(c);
    if (rc != 0) {
        lt_error("lookup %s: %s", input, err);
        return 1;
    }
    json_t *j = lt_tiktok_resolution_json(input, &res);
    char *text = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
    json_decref(j);
    if (!text) {
        lt_error("out of memory");
        return 1;
    }
    puts(text);
    free(text);
    if (res.outcome != LT_TIKTOK_RESOLVE_LIVE) {
        lt_error("%s is not live: %s%s%s", input, lt_tiktok_resolve_reason(res.outcome), res.message[0] ? ": " : "",
                 res.message);
        return 1;
    }
    return 0;
}

static int run_with(config *cfg, const lt_kafka_properties *kprops, const lt_topic_override *topics)
{
    char default_id[64];
    const char *collector_id = nonempty(cfg->collector_id);
    if (!collector_id) {
        snprintf(default_id, sizeof default_id, "livetap-collector-%ld", (long)getpid());
        collector_id = default_id;
    }
    const lt_kafka_property *props = kprops->items;
    size_t prop_count = kprops->count;
    char err[2048];
    lt_publisher *pub = NULL;
    if (!cfg->kafka.dry_run) {
        lt_publisher_options po = {
            .topic_prefix = cfg->kafka.topic_prefix,
            .topic_overrides = topics,
            .topic_override_count = cfg->kafka.topics.count,
            .collector_id = collector_id,
            .registry_url = nonempty(cfg->kafka.registry_url),
            .registry_username = nonempty(cfg->kafka.registry_username),
            .registry_password = cfg->kafka.registry_password,
            .kafka = {.bootstrap_servers = cfg->kafka.bootstrap_servers,
                      .client_id = collector_id,
                      .properties = props,
                      .property_count = prop_count},
            .broker_optional = !cfg->kafka.require_broker_at_start,
        };
        pub = lt_publisher_create(&po, err, sizeof err);
        if (!pub) {
            lt_error("cannot start: %s", err);
            return 2;
        }
    }
    hooks hk = {.handover_timeout_ms = cfg->group.handover_timeout_s * 1000};
    if (pub && cfg->kafka.dedupe_lookback_s > 0 && !(hk.tail = create_tail(cfg, pub, props, prop_count, err, sizeof err))) {
        lt_error("cannot start: %s", err);
        lt_publisher_destroy(pub);
        return 2;
    }
    lt_tiktok_collector_options o;
    collector_options(cfg, collector_id, pub, &hk, &o);
    lt_tiktok_collector *c = lt_tiktok_collector_create(&o, err, sizeof err);
    if (!c) {
        lt_error("cannot start: %s", err);
        lt_kafka_tail_destroy(hk.tail);
        lt_publisher_destroy(pub);
        return 2;
    }
    int rc = 0;
    if (cfg->group.enabled) {
        char topic[512], group_id[512];
        lt_control_topic_default(cfg->kafka.topic_prefix, topic, sizeof topic);
        lt_collector_group_default(cfg->kafka.topic_prefix, group_id, sizeof group_id);
        lt_tiktok_group_options go = {
            .bootstrap_servers = cfg->kafka.bootstrap_servers,
            .properties = props,
            .property_count = prop_count,
            .control_topic = nonempty(cfg->group.control_topic) ? cfg->group.control_topic : topic,
            .group_id = nonempty(cfg->group.group_id) ? cfg->group.group_id : group_id,
            .collector_id = collector_id,
            .partitions = (int)cfg->group.partitions,
            .session_timeout_ms = (int)cfg->group.session_timeout_ms,
            .collector = c,
            .publisher = pub,
            .flush_timeout_ms = (int)cfg->kafka.flush_timeout_ms,
            .status_topic = pub && cfg->group.handover_timeout_s > 0 ? lt_publisher_topic(pub, LT_EVENT_ROOM_STATUS)
                                                                     : NULL,
            .handover_timeout_ms = cfg->group.handover_timeout_s * 1000,
            .hold_max_events = (size_t)cfg->group.handover_hold_events,
            .hold_max_bytes = (size_t)cfg->group.handover_hold_bytes,
        };
        if (!pub) {
            lt_error("group mode needs Kafka (not --dry-run)");
            rc = -1;
        } else if (!(hk.group = lt_tiktok_group_create(&go, err, sizeof err))) {
            lt_error("cannot start: %s", err);
            rc = -1;
        }
        /* configured rooms become desired state in the control topic */
        for (size_t i = 0; i < cfg->rooms.count && rc == 0; i++)
            rc = lt_tiktok_room_list_each(cfg->rooms.items[i], put_one, hk.group);
        if (rc == 0 && nonempty(cfg->rooms_file))
            lt_warn("group mode: rooms_file %s ignored; add rooms with --rooms or the admin API", cfg->rooms_file);
    } else {
        for (size_t i = 0; i < cfg->rooms.count && rc == 0; i++)
            rc = lt_tiktok_room_list_each(cfg->rooms.items[i], add_one, c);
        if (rc == 0 && nonempty(cfg->rooms_file))
            rc = add_rooms_file(c, cfg->rooms_file);
    }
    lt_admin_server *admin = NULL;
    if (rc == 0 && cfg->admin.enabled && !(admin = start_admin(cfg, c, hk.group)))
        rc = -1;
    if (rc != 0) {
        lt_admin_destroy(admin);
        lt_tiktok_group_destroy(hk.group);
        lt_tiktok_collector_destroy(c);
        lt_kafka_tail_destroy(hk.tail);
        lt_publisher_destroy(pub);
        return 2;
    }
    lt_tiktok_collector_stats st;
    lt_tiktok_collector_get_stats(c, &st);
    lt_info("collecting into %s%s.<type> as %s; sign server %s at %ld calls/min", cfg->kafka.dry_run ? "stdout, not " : "",
            cfg->kafka.topic_prefix, collector_id, cfg->sign.url, cfg->sign.rate_per_minute);

    running = c;
    hk.collector = c;
    leave_first = hk.group && cfg->group.handover_timeout_s > 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    long left = lt_tiktok_collector_run(c);
    running = NULL;
    lt_tiktok_collector_get_stats(c, &st);
    lt_kafka_stats ks = {0};
    if (pub)
        lt_kafka_producer_stats(lt_publisher_producer(pub), &ks);
    lt_info("stopped: %llu events published, %llu duplicates removed, %llu publish errors, %llu given up under "
            "backpressure, %llu bad frames, %llu reconnects, %llu sign calls; %llu failed delivery, %zu not "
            "acknowledged by Kafka",
            (unsigned long long)st.events_published, (unsigned long long)st.duplicates_dropped,
            (unsigned long long)st.publish_errors, (unsigned long long)st.events_given_up,
            (unsigned long long)st.bad_frames, (unsigned long long)st.reconnects,
            (unsigned long long)st.sign_calls, (unsigned long long)ks.failed, st.undelivered_at_exit);
    uint64_t input_dropped = 0;
    for (int i = 0; i <= LT_TIKTOK_DROP_FRAME_TOO_LARGE; i++)
        input_dropped += st.input_dropped[i];
    if (input_dropped || st.unknown_truncated || st.rooms_throttled)
        lt_warn(
            "input limits: %llu messages past max_messages_per_frame, %llu empty entries, %llu frames over 8 "
            "MiB "
            "dropped; %llu unknown payloads cut to unknown_payload_max_bytes; rooms paused %llu times for "
            "their rate limits",
            (unsigned long long)st.input_dropped[LT_TIKTOK_DROP_FRAME_MESSAGES],
            (unsigned long long)st.input_dropped[LT_TIKTOK_DROP_EMPTY],
            (unsigned long long)st.input_dropped[LT_TIKTOK_DROP_FRAME_TOO_LARGE],
            (unsigned long long)st.unknown_truncated, (unsigned long long)st.rooms_throttled);
    lt_info("room info: %llu published, %llu failed; gift catalogue: %llu lists read, %llu failed, %llu gifts "
            "published, %llu unchanged, %llu malformed skipped",
            (unsigned long long)st.info.room_info_published, (unsigned long long)st.info.room_info_failures,
            (unsigned long long)st.info.gift_lists, (unsigned long long)st.info.gift_list_failures,
            (unsigned long long)st.info.gifts_published, (unsigned long long)st.info.gifts_unchanged,
            (unsigned long long)st.info.gifts_skipped);
    lt_admin_destroy(admin);
    lt_tiktok_group_destroy(hk.group); /* leaves the group: the others take the rooms now */
    lt_tiktok_collector_destroy(c);
    lt_kafka_tail_destroy(hk.tail);
    lt_publisher_destroy(pub);
    if (left < 0)
        return 1;
    if (left > 0 || st.events_given_up > 0 || ks.failed > 0 || st.publish_errors > 0)
        return 1;
    return input_dropped > 0 ? 3 : 0;
}

static int run(config *cfg)
{
    char err[2048];
    lt_kafka_properties props;
    if (lt_kafka_properties_split((const char *const *)cfg->kafka.properties.items,
                                  cfg->kafka.properties.count, &props, err, sizeof err)) {
        lt_error("kafka.properties: %s", err);
        return 2;
    }
    lt_topic_override *topics = NULL;
    if (lt_topic_overrides_parse((const char *const *)cfg->kafka.topics.items, cfg->kafka.topics.count,
                                 &topics, err, sizeof err)) {
        lt_error("kafka.topics: %s", err);
        lt_kafka_properties_free(&props);
        return 2;
    }
    int rc = run_with(cfg, &props, topics);
    free(topics);
    lt_kafka_properties_free(&props);
    return rc;
}

int main(int argc, char **argv)
{
    lt_log_set_program("livetap-collector");
    config cfg;
    memset(&cfg, 0, sizeof cfg);
    int rc = 2;
    if (argc > 1 && strcmp(argv[1], "lookup") == 0) {
        const char *room = NULL;
        if (parse_args(argc - 1, argv + 1, &cfg, &room) == 0)
            rc = lookup(&cfg, room);
    } else if (parse_args(argc, argv, &cfg, NULL) == 0) {
        raise_fd_limit();
        rc = run(&cfg);
    }
    lt_config_free(options, &cfg);
    return rc;
}
