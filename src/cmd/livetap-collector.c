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
 * Exit status: 0 all delivered, 1 some events not acknowledged (or the loop
 * failed), 2 start-up error (bad flags or configuration, a room that does
 * not parse, Kafka or the registry unreachable).
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

#include "core/config.h"
#include "core/event_json.h"
#include "core/log.h"
#include "kafka/publisher.h"
#include "tiktok/collector.h"
#include "tiktok/room.h"

typedef struct config {
    lt_config_list rooms;
    char *rooms_file;
    char *collector_id;
    struct {
        char *bootstrap_servers, *registry_url, *topic_prefix;
        lt_config_list properties;
        long flush_timeout_ms, backpressure_wait_ms;
        bool dry_run;
    } kafka;
    struct {
        char *url, *api_key, *client;
        long rate_per_minute, burst;
        bool read_rate_limits;
    } sign;
    struct {
        char *web_base, *api_base, *user_agent, *session_cookies, *proxy, *ws_proxy, *ca_file;
        bool insecure_tls, gzip, room_info;
    } tiktok;
    struct {
        long watch_interval_s, stale_timeout_s, backoff_cap_s, max_attempts, dedupe_window;
        char *record;
    } rooms_behaviour;
    struct {
        char *level;
        bool json;
    } log;
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
    OPT("topic_prefix", LT_CONFIG_STRING, kafka.topic_prefix, "livetap", "topics are <prefix>.<type>"),
    OPT("properties", LT_CONFIG_PROPERTIES, kafka.properties, NULL, "librdkafka properties, passed through"),
    INT("flush_timeout_ms", kafka.flush_timeout_ms, "10000", 0, 600000, "bound on the flush at shutdown"),
    INT("backpressure_wait_ms", kafka.backpressure_wait_ms, "30000", 1, 3600000,
        "how long reading may stay paused on a full Kafka queue before events are given up (counted, logged)"),
    OPT("dry_run", LT_CONFIG_BOOL, kafka.dry_run, "false", "print events as JSON lines instead of producing"),
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
    END,
};

static const lt_config_option behaviour_options[] = {
    INT("watch_interval_s", rooms_behaviour.watch_interval_s, "60", 0, 86400,
        "re-check offline or ended @user rooms this often; 0 = don't"),
    INT("stale_timeout_s", rooms_behaviour.stale_timeout_s, "60", 5, 3600, "reconnect after this long without a frame"),
    INT("backoff_cap_s", rooms_behaviour.backoff_cap_s, "30", 1, 3600, "longest wait between reconnects"),
    INT("max_attempts", rooms_behaviour.max_attempts, "0", 0, 1000000, "give a room up after this many failures in a row; 0 = never"),
    INT("dedupe_window", rooms_behaviour.dedupe_window, "2048", 16, 1048576, "msg_ids remembered per room"),
    OPT("record", LT_CONFIG_STRING, rooms_behaviour.record, NULL, "append every push frame to this file as [u32 LE length][bytes]"),
    END,
};

static const lt_config_option log_options[] = {
    OPT("level", LT_CONFIG_STRING, log.level, "info", "debug, info, warn or error"),
    OPT("json", LT_CONFIG_BOOL, log.json, "false", "JSON log lines"),
    END,
};

static const lt_config_option options[] = {
    OPT("rooms", LT_CONFIG_STRING_LIST, rooms, NULL, "@user, profile/live URL or numeric room id"),
    OPT("rooms_file", LT_CONFIG_STRING, rooms_file, NULL, "one room per line ('#' comments)"),
    OPT("collector_id", LT_CONFIG_STRING, collector_id, NULL, "written on every record; empty = livetap-collector-<pid>"),
    SECTION("kafka", kafka_options, "where events go"),
    SECTION("sign", sign_options, "the sign server"),
    SECTION("tiktok", tiktok_options, "TikTok endpoints and transport"),
    SECTION("behaviour", behaviour_options, "reconnects, watching, dedupe"),
    SECTION("log", log_options, "logging"),
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
    {"record", "behaviour.record", true, "FILE     record push frames ([u32 LE length][bytes])"},
    {"log-json", "log.json", false, "         JSON log lines"},
};

static lt_tiktok_collector *running;

static void on_signal(int sig)
{
    (void)sig;
    if (running)
        lt_tiktok_collector_stop(running);
}

static void usage(FILE *out)
{
    fprintf(out, "usage: livetap-collector --rooms @user,7340691647148018438 [options]\n"
                 "Collect TikTok LIVE rooms into Kafka: one Avro topic per event type, keyed by room id.\n\n");
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        fprintf(out, "  --%-17s%s\n", flags[i].name, flags[i].help);
    fprintf(out, "  --config FILE          YAML configuration (keys: --config-reference)\n"
                 "  --set KEY=VALUE        any configuration key, e.g. behaviour.backoff_cap_s=10\n"
                 "  --config-reference     print every key with its default and meaning\n"
                 "  -v, --verbose / -q, --quiet\n"
                 "  -h, --help\n\n"
                 "Every room's state changes are logged (one line each) and published to\n"
                 "<prefix>.room_status. SIGINT/SIGTERM stops the rooms and flushes Kafka.\n");
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

static int parse_args(int argc, char **argv, config *cfg)
{
    enum { O_CONFIG = 1000, O_SET, O_REFERENCE };
    struct option longopts[sizeof flags / sizeof flags[0] + 8];
    size_t n = 0;
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        longopts[n++] = (struct option){flags[i].name, flags[i].takes_value ? required_argument : no_argument,
                                        0, (int)(256 + i)};
    longopts[n++] = (struct option){"config", required_argument, 0, O_CONFIG};
    longopts[n++] = (struct option){"set", required_argument, 0, O_SET};
    longopts[n++] = (struct option){"config-reference", no_argument, 0, O_REFERENCE};
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
        case 'v': if (set_key(cfg, "log.level", "debug")) return -1; break;
        case 'q': if (set_key(cfg, "log.level", "warn")) return -1; break;
        case 'h': usage(stdout); exit(0);
        default: usage(stderr); return -1;
        }
    }
    if (optind < argc) {
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
    if (cfg->rooms.count == 0 && !(cfg->rooms_file && *cfg->rooms_file)) {
        usage(stderr);
        lt_error("no rooms: give --rooms, --rooms-file or rooms: in --config");
        return -1;
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

static int run(config *cfg)
{
    char default_id[64];
    const char *collector_id = nonempty(cfg->collector_id);
    if (!collector_id) {
        snprintf(default_id, sizeof default_id, "livetap-collector-%ld", (long)getpid());
        collector_id = default_id;
    }
    lt_kafka_property props[128];
    size_t prop_count = 0;
    for (size_t i = 0; i < cfg->kafka.properties.count && prop_count < 128; i++) {
        const char *item = cfg->kafka.properties.items[i];
        static char names[128][256];
        size_t nl = strcspn(item, "=");
        snprintf(names[prop_count], sizeof names[prop_count], "%.*s", (int)nl, item);
        props[prop_count] = (lt_kafka_property){names[prop_count], lt_config_property_value(item)};
        prop_count++;
    }
    char err[2048];
    lt_publisher *pub = NULL;
    if (!cfg->kafka.dry_run) {
        lt_publisher_options po = {
            .topic_prefix = cfg->kafka.topic_prefix,
            .collector_id = collector_id,
            .registry_url = nonempty(cfg->kafka.registry_url),
            .kafka = {.bootstrap_servers = cfg->kafka.bootstrap_servers, .client_id = collector_id,
                      .properties = props, .property_count = prop_count},
        };
        pub = lt_publisher_create(&po, err, sizeof err);
        if (!pub) {
            lt_error("cannot start: %s", err);
            return 2;
        }
    }
    lt_tiktok_collector_options o = {
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
        .stale_ms = cfg->rooms_behaviour.stale_timeout_s * 1000,
        .backoff_cap_ms = cfg->rooms_behaviour.backoff_cap_s * 1000,
        .max_attempts = (int)cfg->rooms_behaviour.max_attempts,
        .watch_interval_ms = cfg->rooms_behaviour.watch_interval_s * 1000,
        .dedupe_window = (size_t)cfg->rooms_behaviour.dedupe_window,
        .flush_timeout_ms = (int)cfg->kafka.flush_timeout_ms,
        .backpressure_wait_ms = cfg->kafka.backpressure_wait_ms,
        .record_path = nonempty(cfg->rooms_behaviour.record),
    };
    lt_tiktok_collector *c = lt_tiktok_collector_create(&o, err, sizeof err);
    if (!c) {
        lt_error("cannot start: %s", err);
        lt_publisher_destroy(pub);
        return 2;
    }
    int rc = 0;
    for (size_t i = 0; i < cfg->rooms.count && rc == 0; i++)
        rc = lt_tiktok_room_list_each(cfg->rooms.items[i], add_one, c);
    if (rc == 0 && nonempty(cfg->rooms_file))
        rc = add_rooms_file(c, cfg->rooms_file);
    if (rc != 0) {
        lt_tiktok_collector_destroy(c);
        lt_publisher_destroy(pub);
        return 2;
    }
    lt_tiktok_collector_stats st;
    lt_tiktok_collector_get_stats(c, &st);
    lt_info("collecting into %s%s.<type> as %s; sign server %s at %ld calls/min", cfg->kafka.dry_run ? "stdout, not " : "",
            cfg->kafka.topic_prefix, collector_id, cfg->sign.url, cfg->sign.rate_per_minute);

    running = c;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    long left = lt_tiktok_collector_run(c);
    running = NULL;
    lt_tiktok_collector_get_stats(c, &st);
    lt_info("stopped: %llu events published, %llu duplicates removed, %llu publish errors, %llu given up under "
            "backpressure, %llu bad frames, %llu reconnects, %llu sign calls; %zu not acknowledged by Kafka",
            (unsigned long long)st.events_published, (unsigned long long)st.duplicates_dropped,
            (unsigned long long)st.publish_errors, (unsigned long long)st.events_given_up,
            (unsigned long long)st.bad_frames, (unsigned long long)st.reconnects,
            (unsigned long long)st.sign_calls, st.undelivered_at_exit);
    lt_tiktok_collector_destroy(c);
    lt_publisher_destroy(pub);
    if (left < 0)
        return 1;
    return left > 0 || st.events_given_up > 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
    lt_log_set_program("livetap-collector");
    config cfg;
    memset(&cfg, 0, sizeof cfg);
    int rc = 2;
    if (parse_args(argc, argv, &cfg) == 0) {
        raise_fd_limit();
        rc = run(&cfg);
    }
    lt_config_free(options, &cfg);
    return rc;
}
