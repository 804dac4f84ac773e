/* livetap-collector - TikTok LIVE rooms -> Kafka (Avro), many rooms per process.
 *
 * Parses flags, builds the publisher and the collector, adds the rooms and
 * runs the loop until SIGINT/SIGTERM; then every room is stopped, the
 * producer is flushed within --flush-timeout-ms and what Kafka did not
 * acknowledge is reported. Exit status: 0 all delivered, 1 some events not
 * acknowledged (or the loop failed), 2 start-up error (bad flags, a room
 * that does not parse, Kafka or the registry unreachable).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/event_json.h"
#include "core/log.h"
#include "kafka/publisher.h"
#include "tiktok/collector.h"
#include "tiktok/room.h"

static lt_tiktok_collector *running;

static void on_signal(int sig)
{
    (void)sig;
    if (running)
        lt_tiktok_collector_stop(running);
}

static void usage(FILE *out)
{
    fprintf(out,
        "usage: livetap-collector --rooms @user,123 [options]\n"
        "Collect TikTok LIVE rooms into Kafka: one Avro topic per event type, keyed by room id.\n"
        "\n"
        "Rooms (at least one of):\n"
        "  --rooms LIST             @user, profile/live URL or numeric room id, comma separated\n"
        "  --rooms-file FILE        one room per line ('#' comments)\n"
        "\n"
        "Kafka:\n"
        "  --kafka HOST:PORT        bootstrap servers (default $LT_KAFKA_BOOTSTRAP or 127.0.0.1:19092)\n"
        "  --registry URL           schema registry (default $LT_REGISTRY_URL; none = single-object Avro)\n"
        "  --no-registry            do not use a registry even if $LT_REGISTRY_URL is set\n"
        "  --topic-prefix P         topics are P.<type> (default livetap)\n"
        "  --property NAME=VALUE    librdkafka property, repeatable\n"
        "  --dry-run                print events as JSON lines instead of producing\n"
        "  --flush-timeout-ms MS    bound on the final flush (default 10000)\n"
        "\n"
        "TikTok and the sign server:\n"
        "  --sign-url URL           Euler-compatible sign server (default $SIGN_API_URL or\n"
        "                           https://api.eulerstream.com)\n"
        "  --sign-api-key KEY       its API key (default $SIGN_API_KEY)\n"
        "  --sign-client NAME       client name sent to it (default livetap)\n"
        "  --sign-rate N            sign calls per second for the whole process (default 1; 0 = no limit)\n"
        "  --sign-burst N           calls allowed at once (default 5)\n"
        "  --sign-read-limits       lower the pace to the server's /webcast/rate_limits\n"
        "  --web-base URL           default https://www.tiktok.com (live pages, api-live)\n"
        "  --api-base URL           default https://webcast.tiktok.com (room info)\n"
        "  --skip-room-info         do not call room/info after resolving @user rooms\n"
        "  --session-cookies STR    e.g. 'sessionid=...; tt-target-idc=...' for 18+ rooms\n"
        "  --user-agent UA          browser User-Agent to present (and to sign for)\n"
        "  --proxy URL              HTTP(S) proxy for HTTP requests (default: HTTPS_PROXY/ALL_PROXY)\n"
        "  --ws-proxy HOST:PORT     HTTP CONNECT proxy for WebSockets (default: $https_proxy)\n"
        "  --ca-file FILE           extra CA certificates (e.g. a simulator's)\n"
        "  --insecure               accept any TLS certificate (testing only)\n"
        "  --no-gzip                do not ask for gzip-compressed push frames\n"
        "\n"
        "Behaviour:\n"
        "  --collector-id ID        written on every record (default: livetap-collector-<pid>)\n"
        "  --watch-interval S       re-check offline/ended @user rooms every S seconds (default 60; 0 = no)\n"
        "  --stale-timeout S        reconnect after S seconds without a frame (default 60)\n"
        "  --backoff-cap S          longest wait between reconnects (default 30)\n"
        "  --max-attempts N         give a room up after N failures in a row (default 0 = never)\n"
        "  --record FILE            append every push frame as [u32 LE length][bytes]\n"
        "  --config FILE            YAML configuration (not supported yet)\n"
        "  -v, --verbose / -q, --quiet / --log-json\n"
        "  -h, --help\n");
}

typedef struct args {
    const char *rooms, *rooms_file, *kafka, *registry, *prefix, *collector_id, *record;
    long flush_timeout, watch_s, stale_s, cap_s, max_attempts;
    double sign_rate, sign_burst;
    bool dry_run;
    lt_tiktok_collector_options opts;
    lt_kafka_property props[64];
    size_t prop_count;
} args;

static int parse_number(const char *s, const char *flag, double min, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || v < min) {
        lt_error("%s: '%s' is not a number >= %g", flag, s, min);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_args(int argc, char **argv, args *a)
{
    enum {
        O_ROOMS = 256, O_ROOMS_FILE, O_KAFKA, O_REGISTRY, O_NO_REGISTRY, O_PREFIX, O_PROPERTY,
        O_DRY, O_FLUSH, O_SIGN_URL, O_SIGN_KEY, O_SIGN_CLIENT, O_SIGN_RATE, O_SIGN_BURST,
        O_SIGN_LIMITS, O_WEB, O_API, O_SKIP_INFO, O_COOKIES, O_UA, O_PROXY, O_WS_PROXY, O_CA,
        O_INSECURE, O_NO_GZIP, O_ID, O_WATCH, O_STALE, O_CAP, O_MAX, O_RECORD, O_CONFIG, O_JSON,
    };
    static const struct option longopts[] = {
        {"rooms", required_argument, 0, O_ROOMS}, {"rooms-file", required_argument, 0, O_ROOMS_FILE},
        {"kafka", required_argument, 0, O_KAFKA}, {"registry", required_argument, 0, O_REGISTRY},
        {"no-registry", no_argument, 0, O_NO_REGISTRY}, {"topic-prefix", required_argument, 0, O_PREFIX},
        {"property", required_argument, 0, O_PROPERTY}, {"dry-run", no_argument, 0, O_DRY},
        {"flush-timeout-ms", required_argument, 0, O_FLUSH}, {"sign-url", required_argument, 0, O_SIGN_URL},
        {"sign-api-key", required_argument, 0, O_SIGN_KEY}, {"sign-client", required_argument, 0, O_SIGN_CLIENT},
        {"sign-rate", required_argument, 0, O_SIGN_RATE}, {"sign-burst", required_argument, 0, O_SIGN_BURST},
        {"sign-read-limits", no_argument, 0, O_SIGN_LIMITS}, {"web-base", required_argument, 0, O_WEB},
        {"api-base", required_argument, 0, O_API}, {"skip-room-info", no_argument, 0, O_SKIP_INFO},
        {"session-cookies", required_argument, 0, O_COOKIES}, {"user-agent", required_argument, 0, O_UA},
        {"proxy", required_argument, 0, O_PROXY}, {"ws-proxy", required_argument, 0, O_WS_PROXY},
        {"ca-file", required_argument, 0, O_CA}, {"insecure", no_argument, 0, O_INSECURE},
        {"no-gzip", no_argument, 0, O_NO_GZIP}, {"collector-id", required_argument, 0, O_ID},
        {"watch-interval", required_argument, 0, O_WATCH}, {"stale-timeout", required_argument, 0, O_STALE},
        {"backoff-cap", required_argument, 0, O_CAP}, {"max-attempts", required_argument, 0, O_MAX},
        {"record", required_argument, 0, O_RECORD}, {"config", required_argument, 0, O_CONFIG},
        {"log-json", no_argument, 0, O_JSON}, {"verbose", no_argument, 0, 'v'},
        {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    const char *env_kafka = getenv("LT_KAFKA_BOOTSTRAP");
    const char *env_reg = getenv("LT_REGISTRY_URL");
    a->kafka = env_kafka && *env_kafka ? env_kafka : "127.0.0.1:19092";
    a->registry = env_reg && *env_reg ? env_reg : NULL;
    a->prefix = "livetap";
    a->flush_timeout = 10000;
    a->watch_s = 60;
    a->stale_s = 60;
    a->cap_s = 30;
    a->sign_rate = 1;
    a->sign_burst = 5;
    a->opts.signer.sign_url = getenv("SIGN_API_URL");
    a->opts.signer.api_key = getenv("SIGN_API_KEY");
    int c;
    double v;
    while ((c = getopt_long(argc, argv, "vqh", longopts, NULL)) != -1) {
        switch (c) {
        case O_ROOMS: a->rooms = optarg; break;
        case O_ROOMS_FILE: a->rooms_file = optarg; break;
        case O_KAFKA: a->kafka = optarg; break;
        case O_REGISTRY: a->registry = optarg; break;
        case O_NO_REGISTRY: a->registry = NULL; break;
        case O_PREFIX: a->prefix = optarg; break;
        case O_PROPERTY: {
            char *eq = strchr(optarg, '=');
            if (!eq || eq == optarg || a->prop_count == sizeof a->props / sizeof a->props[0]) {
                lt_error("--property wants NAME=VALUE (at most 64)");
                return -1;
            }
            *eq = '\0';
            a->props[a->prop_count++] = (lt_kafka_property){optarg, eq + 1};
            break;
        }
        case O_DRY: a->dry_run = true; break;
        case O_FLUSH:
            if (parse_number(optarg, "--flush-timeout-ms", 0, &v)) return -1;
            a->flush_timeout = (long)v;
            break;
        case O_SIGN_URL: a->opts.signer.sign_url = optarg; break;
        case O_SIGN_KEY: a->opts.signer.api_key = optarg; break;
        case O_SIGN_CLIENT: a->opts.signer.client = optarg; break;
        case O_SIGN_RATE: if (parse_number(optarg, "--sign-rate", 0, &a->sign_rate)) return -1; break;
        case O_SIGN_BURST: if (parse_number(optarg, "--sign-burst", 1, &a->sign_burst)) return -1; break;
        case O_SIGN_LIMITS: a->opts.signer.read_rate_limits = true; break;
        case O_WEB: a->opts.web_base = optarg; break;
        case O_API: a->opts.api_base = optarg; break;
        case O_SKIP_INFO: a->opts.skip_room_info = true; break;
        case O_COOKIES: a->opts.session_cookies = optarg; break;
        case O_UA: a->opts.user_agent = optarg; break;
        case O_PROXY: a->opts.http_proxy = optarg; break;
        case O_WS_PROXY: a->opts.ws_proxy = optarg; break;
        case O_CA: a->opts.ca_file = optarg; break;
        case O_INSECURE: a->opts.insecure_tls = true; break;
        case O_NO_GZIP: a->opts.no_gzip = true; break;
        case O_ID: a->collector_id = optarg; break;
        case O_WATCH: if (parse_number(optarg, "--watch-interval", 0, &v)) return -1; a->watch_s = (long)v; break;
        case O_STALE: if (parse_number(optarg, "--stale-timeout", 1, &v)) return -1; a->stale_s = (long)v; break;
        case O_CAP: if (parse_number(optarg, "--backoff-cap", 1, &v)) return -1; a->cap_s = (long)v; break;
        case O_MAX: if (parse_number(optarg, "--max-attempts", 0, &v)) return -1; a->max_attempts = (long)v; break;
        case O_RECORD: a->record = optarg; break;
        case O_CONFIG:
            lt_error("--config: YAML configuration is not supported yet; use flags");
            return -1;
        case O_JSON: lt_log_set_json(true); break;
        case 'v': lt_log_set_level(LT_LOG_DEBUG); break;
        case 'q': lt_log_set_level(LT_LOG_WARN); break;
        case 'h': usage(stdout); exit(0);
        default: usage(stderr); return -1;
        }
    }
    if (optind < argc) {
        lt_error("unexpected argument '%s' (rooms go in --rooms)", argv[optind]);
        return -1;
    }
    if (!a->rooms && !a->rooms_file) {
        usage(stderr);
        lt_error("no rooms: give --rooms or --rooms-file");
        return -1;
    }
    return 0;
}

static lt_publish_status print_event(void *ctx, const lt_event *ev, char *err, size_t errlen)
{
    json_t *j = lt_event_to_json(ev);
    if (!j) {
        snprintf(err, errlen, "out of memory");
        return LT_PUBLISH_ERROR;
    }
    char *s = json_dumps(j, JSON_COMPACT);
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

int main(int argc, char **argv)
{
    lt_log_set_program("livetap-collector");
    args a;
    memset(&a, 0, sizeof a);
    if (parse_args(argc, argv, &a) != 0)
        return 2;
    raise_fd_limit();

    char default_id[64];
    if (!a.collector_id) {
        snprintf(default_id, sizeof default_id, "livetap-collector-%ld", (long)getpid());
        a.collector_id = default_id;
    }
    char err[2048];
    lt_publisher *pub = NULL;
    if (!a.dry_run) {
        lt_publisher_options po = {
            .topic_prefix = a.prefix,
            .collector_id = a.collector_id,
            .registry_url = a.registry,
            .kafka = {.bootstrap_servers = a.kafka, .client_id = a.collector_id, .properties = a.props,
                      .property_count = a.prop_count},
        };
        pub = lt_publisher_create(&po, err, sizeof err);
        if (!pub) {
            lt_error("cannot start: %s", err);
            return 2;
        }
    }
    lt_tiktok_collector_options *o = &a.opts;
    o->collector_id = a.collector_id;
    o->publisher = pub;
    o->sink = print_event;
    o->signer.rate_per_second = a.sign_rate;
    o->signer.burst = a.sign_burst;
    o->watch_interval_ms = a.watch_s * 1000;
    o->stale_ms = a.stale_s * 1000;
    o->backoff_cap_ms = a.cap_s * 1000;
    o->max_attempts = (int)a.max_attempts;
    o->flush_timeout_ms = (int)a.flush_timeout;
    o->record_path = a.record;
    lt_tiktok_collector *c = lt_tiktok_collector_create(o, err, sizeof err);
    if (!c) {
        lt_error("cannot start: %s", err);
        lt_publisher_destroy(pub);
        return 2;
    }
    if ((a.rooms && lt_tiktok_room_list_each(a.rooms, add_one, c) != 0) ||
        (a.rooms_file && add_rooms_file(c, a.rooms_file) != 0)) {
        lt_tiktok_collector_destroy(c);
        lt_publisher_destroy(pub);
        return 2;
    }
    lt_tiktok_collector_stats st;
    lt_tiktok_collector_get_stats(c, &st);
    lt_info("collecting %s rooms into %s%s.<type> (collector %s)", a.rooms ? a.rooms : a.rooms_file,
            a.dry_run ? "stdout, not " : "", a.prefix, a.collector_id);

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
    lt_info("stopped: %llu events published, %llu duplicates removed, %llu publish errors, %llu given up "
            "under backpressure, %llu bad frames, %llu reconnects, %llu sign calls; %zu undelivered",
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
