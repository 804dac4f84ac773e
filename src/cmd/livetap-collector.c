/* livetap-collector - TikTok LIVE rooms -> Kafka (Avro), many rooms per process.
 *
 * This file is the command line: configuration is one table
 * (collector/config.h) read by the command line every livetap program
 * shares (core/cli.h): defaults, then the YAML file given with --config,
 * then flags, each a shorthand for one key (--kafka is
 * kafka.bootstrap_servers), and --set KEY=VALUE reaching any key.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/config.h"
#include "collector/discover.h"
#include "collector/runtime.h"
#include "core/cli.h"
#include "core/log.h"

typedef lt_collector_config config;

static const lt_cli_flag flags[] = {
    {"rooms", "rooms", true, "LIST     @user, profile/live URL or numeric room id, comma separated"},
    {"rooms-file", "rooms_file", true, "FILE     one room per line"},
    {"kafka", "kafka.bootstrap_servers", true,
     "HOST:PORT bootstrap servers ($LT_KAFKA_BOOTSTRAP, 127.0.0.1:19092)"},
    {"registry", "kafka.registry_url", true,
     "URL      schema registry ($LT_REGISTRY_URL; empty = single-object Avro)"},
    {"topic-prefix", "kafka.topic_prefix", true, "P        topics are P.<type> (livetap)"},
    {"property", "kafka.properties", true, "N=V      librdkafka property, repeatable"},
    {"dry-run", "kafka.dry_run", false, "         print events as JSON lines, no Kafka"},
    {"sign-url", "sign.url", true, "URL      sign server ($SIGN_API_URL, https://api.eulerstream.com)"},
    {"sign-api-key", "sign.api_key", true, "KEY      its API key ($SIGN_API_KEY)"},
    {"sign-client", "sign.client", true, "NAME     client name sent to it (livetap)"},
    {"sign-rate", "sign.rate_per_minute", true,
     "N        sign calls per minute, whole process (60; 0 = no limit)"},
    {"sign-read-limits", "sign.read_rate_limits", false,
     "         pace to the server's /webcast/rate_limits"},
    {"web-base", "tiktok.web_base", true, "URL      live pages, api-live (https://www.tiktok.com)"},
    {"api-base", "tiktok.api_base", true, "URL      room info (https://webcast.tiktok.com)"},
    {"ca-file", "tiktok.ca_file", true, "FILE     extra CA certificates"},
    {"insecure", "tiktok.insecure_tls", false, "         accept any TLS certificate (testing only)"},
    {"proxy", "tiktok.proxy", true, "URL      HTTP(S) proxy for HTTP requests"},
    {"ws-proxy", "tiktok.ws_proxy", true, "H:P      HTTP CONNECT proxy for WebSockets"},
    {"collector-id", "collector_id", true, "ID       written on every record"},
    {"group", "group.enabled", false,
     "         group mode: rooms from the control topic, shared by collectors"},
    {"group-id", "group.group_id", true, "ID       the collectors' consumer group (<prefix>-collectors)"},
    {"record", "behaviour.record", true, "FILE     record push frames ([u32 LE length][bytes])"},
    {"log-json", "log.json", false, "         JSON log lines"},
    {"bigo", "bigo.enabled", false, "         run the BIGO source too (the bigo: section, docs/bigo.md)"},
    {"admin-port", "admin.port", true, "N        admin API port (8080; 0 = any free port)"},
    {"admin-listen", "admin.listen", true, "ADDR     admin API address (127.0.0.1)"},
    {"admin-port-file", "admin.port_file", true, "FILE     write the admin API's port here once listening"},
    {"admin-token", "admin.token", true,
     "TOKEN    require it on /rooms ($LT_ADMIN_TOKEN; visible in ps: prefer the env)"},
};

/* A start and --check-config refuse the same files (collector/config.h). */
static int validate(const void *config_, char *err, size_t errlen)
{
    return lt_collector_config_check(config_, err, errlen);
}

static void summary(const void *config_, FILE *out)
{
    const config *cfg = config_;
    fprintf(out, "%zu room entr%s, Kafka %s, topics %s.<type>, %s mode, admin %s, bigo %s", cfg->rooms.count,
            cfg->rooms.count == 1 ? "y" : "ies",
            cfg->kafka.dry_run ? "off (dry run)" : cfg->kafka.bootstrap_servers, cfg->kafka.topic_prefix,
            cfg->group.enabled ? "group" : "standalone", cfg->admin.enabled ? "on" : "off",
            cfg->bigo.enabled ? "on" : "off");
}

static const lt_cli_program program = {
    .name = "livetap-collector",
    .usage =
        "usage: livetap-collector --rooms @user,7340691647148018438 [options]\n"
        "       livetap-collector lookup [options] ROOM   resolve one room, print it as JSON\n"
        "       livetap-collector discover [--pages N] [--json] [options]\n"
        "                                 list live rooms from TikTok's recommended-live feed\n"
        "                                 (N pages, 1-100, default 3; exit 3 = rate-limited or captcha)\n"
        "Collect TikTok LIVE rooms (and, with bigo.enabled, BIGO Live's push) into Kafka: one Avro topic\n"
        "per event type, keyed by room id.\n"
        "Rooms can also be added and removed at run time through the admin API (POST /rooms).",
    .epilog =
        "Every room's state changes are logged (one line each) and published to\n"
        "<prefix>.room_status. SIGINT/SIGTERM stops the rooms and flushes Kafka.\n"
        "Every key: --config-reference or docs/configuration.md; commented example: config/collector.yaml.",
    .options = lt_collector_options,
    .flags = flags,
    .flag_count = sizeof flags / sizeof flags[0],
    .log_level_key = "log.level",
    .validate = validate,
    .summary = summary,
};

/* `lookup ROOM`: the same options (the resolver's bases, proxies, cookies),
 * one room as the operand, no rooms or Kafka needed. */
static const lt_cli_program lookup_program = {
    .name = "livetap-collector lookup",
    .usage = "usage: livetap-collector lookup [options] @user|URL|room_id\n"
             "Resolve one room with the collector's resolver and options; print what it found as JSON\n"
             "(exit 0 live, 1 not live or not found, 2 bad input).",
    .options = lt_collector_options,
    .flags = flags,
    .flag_count = sizeof flags / sizeof flags[0],
    .log_level_key = "log.level",
    .operands = "ROOM",
};

/* `discover`: the same options (the HTTP client's bases, proxies, cookies),
 * no rooms or Kafka needed; its own --pages/--json are taken out first. */
static const lt_cli_program discover_program = {
    .name = "livetap-collector discover",
    .usage = "usage: livetap-collector discover [--pages N] [--json] [options]\n"
             "List live rooms from TikTok's recommended-live feed: N pages (1-100, default 3), as a\n"
             "table or JSON lines (exit 0 read, 1 a page failed, 2 bad input, 3 rate-limited or captcha).",
    .options = lt_collector_options,
    .flags = flags,
    .flag_count = sizeof flags / sizeof flags[0],
    .log_level_key = "log.level",
    .operands = "", /* none, said below in discover's own words */
};

int main(int argc, char **argv)
{
    lt_log_set_program("livetap-collector");
    config cfg;
    memset(&cfg, 0, sizeof cfg);
    bool lookup = argc > 1 && strcmp(argv[1], "lookup") == 0;
    bool discover = argc > 1 && strcmp(argv[1], "discover") == 0;
    long pages = 3;
    bool json = false;
    int n = argc - 1;
    lt_cli_outcome parsed = {.status = 2};
    if (lookup)
        parsed = lt_cli_parse(&lookup_program, &cfg, argc - 1, argv + 1);
    else if (discover && lt_collector_discover_args(&n, argv + 1, &pages, &json) == 0)
        parsed = lt_cli_parse(&discover_program, &cfg, n, argv + 1);
    else if (!discover)
        parsed = lt_cli_parse(&program, &cfg, argc, argv);
    int rc = parsed.status;
    if (parsed.run) {
        lt_log_set_json(cfg.log.json);
        if (discover && parsed.operand_count > 0) {
            lt_error(
                "discover takes no argument, found '%s' (livetap-collector discover [--pages N] [--json])",
                parsed.operands[0]);
            rc = 2;
        } else if (discover) {
            rc = lt_collector_discover(&cfg, pages, json);
        } else if (!lookup) {
            rc = lt_collector_run(&cfg);
        } else if (parsed.operand_count != 1) {
            lt_error("lookup takes one room: livetap-collector lookup [options] @user|URL|room_id");
            rc = 2;
        } else {
            rc = lt_collector_lookup(&cfg, parsed.operands[0]);
        }
    }
    lt_config_free(lt_collector_options, &cfg);
    return rc;
}
