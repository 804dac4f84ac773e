/* livetap-collector - TikTok LIVE rooms -> Kafka (Avro), many rooms per process.
 *
 * This file is the command line: configuration is one table
 * (collector/config.h): defaults, then the YAML file given with --config,
 * then command-line flags, each flag being a shorthand for one key (--kafka
 * is kafka.bootstrap_servers) and --set KEY=VALUE reaching any key.
 * `--config-reference` prints the table as Markdown.
 *
 * What the process then does - publisher, rooms, group, admin API, the
 * orderly stop and the exit status (0 all delivered, 1 events lost on the
 * way to Kafka or the loop failed, 2 start-up error, 3 input dropped by the
 * frame limits) - is the collector runtime, collector/runtime.h.
 *
 * `livetap-collector lookup ROOM` resolves one room with the same resolver
 * and options and prints what it found as JSON. `livetap-collector discover
 * [--pages N] [--json]` pages TikTok's recommended-live feed with the same
 * HTTP options and prints the live rooms (collector/discover.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/config.h"
#include "collector/runtime.h"
#include "core/log.h"
#include "tiktok/room.h"

typedef lt_collector_config config;

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

static void usage(FILE *out)
{
    fprintf(out,
            "usage: livetap-collector --rooms @user,7340691647148018438 [options]\n"
            "       livetap-collector lookup [options] ROOM   resolve one room, print it as JSON\n"
            "       livetap-collector discover [--pages N] [--json] [options]\n"
            "                                 list live rooms from TikTok's recommended-live feed\n"
            "                                 (N pages, 1-100, default 3; exit 3 = rate-limited or captcha)\n"
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
    if (lt_config_set(lt_collector_options, cfg, assignment, err, sizeof err) != 0) {
        lt_error("%s", err);
        return -1;
    }
    return 0;
}

/* lookup_room: NULL for a collector run, else where the room of
 * `lookup ROOM` goes (argv then starts at "lookup"). discover: `discover`
 * (argv starts at "discover", its own flags already taken out). */
static int parse_args(int argc, char **argv, config *cfg, const char **lookup_room, bool discover)
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
    if (lt_config_defaults(lt_collector_options, cfg, err, sizeof err) != 0) {
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
        if (path && lt_config_load_file(lt_collector_options, cfg, path, err, sizeof err) != 0) {
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
            if (lt_config_set(lt_collector_options, cfg, optarg, err, sizeof err) != 0) {
                lt_error("--set %s", err);
                return -1;
            }
            break;
        case O_REFERENCE: lt_config_write_reference(lt_collector_options, stdout); exit(0);
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
        lt_error(
            discover
                ? "discover takes no argument, found '%s' (livetap-collector discover [--pages N] [--json])"
                : "unexpected argument '%s' (rooms go in --rooms)",
            argv[optind]);
        return -1;
    }
    lt_log_level level;
    if (lt_log_level_from_name(cfg->log.level, &level) != 0) {
        lt_error("log.level: expected debug, info, warn or error, found \"%s\"", cfg->log.level);
        return -1;
    }
    lt_log_set_level(level);
    lt_log_set_json(cfg->log.json);
    if (!lookup_room && !discover && !cfg->admin.enabled && !cfg->discovery.enabled &&
        cfg->rooms.count == 0 && !(cfg->rooms_file && *cfg->rooms_file)) {
        usage(stderr);
        lt_error("no rooms: give --rooms, --rooms-file or rooms: in --config (or enable the admin API to add them)");
        return -1;
    }
    if (check_only) { /* every room must parse too; nothing is contacted */
        for (size_t i = 0; i < cfg->rooms.count; i++)
            if (lt_tiktok_room_list_each(cfg->rooms.items[i], check_room, NULL) != 0)
                return -1;
        char why[2048];
        if (lt_collector_config_check_kafka(cfg, why, sizeof why)) {
            lt_error("%s", why);
            return -1;
        }
        printf("configuration OK: %zu room entr%s, Kafka %s, topics %s.<type>, %s mode, admin %s\n", cfg->rooms.count,
               cfg->rooms.count == 1 ? "y" : "ies", cfg->kafka.dry_run ? "off (dry run)" : cfg->kafka.bootstrap_servers,
               cfg->kafka.topic_prefix, cfg->group.enabled ? "group" : "standalone",
               cfg->admin.enabled ? "on" : "off");
        exit(0);
    }
    return 0;
}

/* `discover`'s own flags (--pages N, --json) are taken out of argv (which
 * starts at "discover") before the shared flags are parsed. */
static int discover_args(int *argc, char **argv, long *pages, bool *json)
{
    int kept = 1;
    for (int i = 1; i < *argc; i++) {
        const char *value = NULL;
        if (!strcmp(argv[i], "--json")) {
            *json = true;
            continue;
        }
        if (!strcmp(argv[i], "--pages")) {
            if (i + 1 == *argc) {
                lt_error("--pages needs a number of pages (1-100)");
                return -1;
            }
            value = argv[++i];
        } else if (!strncmp(argv[i], "--pages=", 8)) {
            value = argv[i] + 8;
        } else {
            argv[kept++] = argv[i];
            continue;
        }
        char *end;
        *pages = strtol(value, &end, 10);
        if (end == value || *end || *pages < 1 || *pages > 100) {
            lt_error("--pages: expected a number of pages from 1 to 100, found \"%s\"", value);
            return -1;
        }
    }
    *argc = kept;
    argv[kept] = NULL;
    return 0;
}

int main(int argc, char **argv)
{
    lt_log_set_program("livetap-collector");
    config cfg;
    memset(&cfg, 0, sizeof cfg);
    int rc = 2;
    if (argc > 1 && strcmp(argv[1], "lookup") == 0) {
        const char *room = NULL;
        if (parse_args(argc - 1, argv + 1, &cfg, &room, false) == 0)
            rc = lt_collector_lookup(&cfg, room);
    } else if (argc > 1 && strcmp(argv[1], "discover") == 0) {
        long pages = 3;
        bool json = false;
        int n = argc - 1;
        if (discover_args(&n, argv + 1, &pages, &json) == 0 && parse_args(n, argv + 1, &cfg, NULL, true) == 0)
            rc = lt_collector_discover(&cfg, pages, json);
    } else if (parse_args(argc, argv, &cfg, NULL, false) == 0) {
        rc = lt_collector_run(&cfg);
    }
    lt_config_free(lt_collector_options, &cfg);
    return rc;
}
