/* livetap-bigo - BIGO Live danmu (push receiver + pull compensation) -> Kafka (Avro).
 *
 * An alias of livetap-collector with only the BIGO source: the same
 * runtime (collector/runtime.h), with bigo.enabled and tiktok.enabled
 * false. Existing files and flags keep working: this program's
 * configuration has the bigo section's parts (listen, push, pull, dedupe)
 * at the top level, as livetap-bigo always had, and the same kafka, log
 * and admin sections (admin off by default, port 8781). In
 * livetap-collector the same keys are bigo.listen.port and so on.
 *
 * Exit status: 0 all delivered, 1 some events not acknowledged by Kafka (or
 * the loop failed), 2 start-up error.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "collector/config.h"
#include "collector/runtime.h"
#include "core/cli.h"
#include "core/log.h"

typedef lt_collector_config config;

#define OPT(name, kind, member, dflt, doc) LT_CONFIG_OPT(config, name, kind, member, dflt, doc)
#define INT(name, member, dflt, min, max, doc) LT_CONFIG_INT_OPT(config, name, member, dflt, min, max, doc)
#define SECTION(name, table, doc) LT_CONFIG_SECTION_OPT(name, table, doc)
#define END LT_CONFIG_END

static const lt_config_option admin_options[] = {
    OPT("enabled", LT_CONFIG_BOOL, admin.enabled, "false",
        "serve /healthz, /readyz and /metrics on a private listener too (the push port serves /healthz and "
        "/metrics)"),
    OPT("listen", LT_CONFIG_STRING, admin.listen, "127.0.0.1", "address of the admin listener"),
    INT("port", admin.port, "8781", 0, 65535, "port of the admin listener (0 = any free port, logged)"),
    OPT("port_file", LT_CONFIG_STRING, admin.port_file, NULL,
        "write the bound port to this file once listening"),
    END,
};

static const lt_config_option options[] = {
    OPT("collector_id", LT_CONFIG_STRING, collector_id, NULL,
        "written on every record; empty = livetap-bigo-<pid>"),
    SECTION("listen", lt_collector_bigo_listen_options, "the WebSocket server BIGO pushes to"),
    SECTION("push", lt_collector_bigo_push_options, "login, checks and limits of the push channel"),
    SECTION("pull", lt_collector_bigo_pull_options, "pull compensation and the game sessions we mount"),
    SECTION("dedupe", lt_collector_bigo_dedupe_options,
            "dedupe across restarts: the ledger seeded from Kafka at start"),
    SECTION("kafka", lt_collector_kafka_options, "where events go"),
    SECTION("log", lt_collector_log_options, "logging"),
    SECTION("admin", admin_options, "the admin API, probes and metrics on a private port"),
    END,
};

static const lt_cli_flag flags[] = {
    {"port", "listen.port", true, "N        listen port (8780; 0 = any free port, printed)"},
    {"kafka", "kafka.bootstrap_servers", true, "HOST:PORT bootstrap servers ($LT_KAFKA_BOOTSTRAP)"},
    {"registry", "kafka.registry_url", true,
     "URL      schema registry ($LT_REGISTRY_URL; empty = single-object)"},
    {"topic-prefix", "kafka.topic_prefix", true, "P        topics are P.<type> (livetap)"},
    {"dry-run", "kafka.dry_run", false, "         print events as JSON lines, no Kafka"},
    {"collector-id", "collector_id", true, "ID       written on every record"},
    {"log-json", "log.json", false, "         JSON log lines"},
};

/* What the option table cannot check; a real start and --check-config
 * refuse the same files (nothing is contacted or bound here). */
static int validate(const void *config_, char *err, size_t errlen)
{
    const config *cfg = config_;
    if (lt_collector_config_check_bigo(cfg, "", err, errlen))
        return -1;
    return lt_collector_config_check_kafka(cfg, err, errlen);
}

static void summary(const void *config_, FILE *out)
{
    const config *cfg = config_;
    const struct lt_collector_bigo_config *b = &cfg->bigo;
    bool tokens = b->pull.tokens.count || (b->pull.tokens_file && *b->pull.tokens_file);
    fprintf(
        out,
        "push on %s:%ld%s, pull %s, gift catalogue %s, dedupe seed %s, Kafka %s, topics %s.<type>, admin %s",
        b->listen.address, b->listen.port, b->listen.path, b->pull.enabled ? "on" : "off",
        b->pull.gift_catalogue && tokens ? "on" : "off", b->dedupe.seed && !cfg->kafka.dry_run ? "on" : "off",
        cfg->kafka.dry_run ? "off (dry run)" : cfg->kafka.bootstrap_servers, cfg->kafka.topic_prefix,
        cfg->admin.enabled ? "on" : "off");
}

static const lt_cli_program program = {
    .name = "livetap-bigo",
    .usage = "usage: livetap-bigo --config bigo.yaml [options]\n"
             "Receive BIGO Live danmu pushes (and pull what push lost) into Kafka.\n"
             "An alias of livetap-collector with only the BIGO source (livetap-collector --bigo, with\n"
             "these keys under bigo:, runs BIGO next to TikTok in one process).",
    .epilog = "Secrets: BIGO_PUSH_ACCOUNTS (account:password,...), BIGO_PRIVATE_KEY_FILE, or files.\n"
              "A batch is answered 200 only after Kafka acknowledged all of it. SIGINT/SIGTERM stops.\n"
              "Every key: --config-reference or docs/configuration.md; commented example: config/bigo.yaml.",
    .options = options,
    .flags = flags,
    .flag_count = sizeof flags / sizeof flags[0],
    .log_level_key = "log.level",
    .validate = validate,
    .summary = summary,
};

int main(int argc, char **argv)
{
    lt_log_set_program("livetap-bigo");
    config cfg;
    memset(&cfg, 0, sizeof cfg);
    lt_cli_outcome parsed = lt_cli_parse(&program, &cfg, argc, argv);
    int rc = parsed.status;
    if (parsed.run) {
        lt_log_set_json(cfg.log.json);
        cfg.bigo.enabled = true; /* tiktok.enabled stays false: not a key here */
        cfg.default_id_prefix = "livetap-bigo";
        cfg.print_admin_port = true;
        cfg.admin_without_rooms = true; /* as livetap-bigo's admin port always was */
        rc = lt_collector_run(&cfg);
    }
    lt_config_free(options, &cfg);
    return rc;
}
