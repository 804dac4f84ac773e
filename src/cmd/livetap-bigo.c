/* livetap-bigo - BIGO Live danmu (push receiver + pull compensation) -> Kafka (Avro).
 *
 * Thin on purpose: the configuration table, flags and the publisher live
 * here, everything else in src/bigo (bigo.h), so the collector can take this
 * over as a mode later. Configuration works as in livetap-collector:
 * defaults, then --config FILE, then flags; --set KEY=VALUE reaches any key
 * and --config-reference prints them all. Secrets (push account passwords,
 * anchor tokens, the signing key) come from the environment or files.
 *
 * Exit status: 0 all delivered, 1 some events not acknowledged by Kafka (or
 * the loop failed), 2 start-up error.
 */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bigo/bigo.h"
#include "core/cli.h"
#include "core/config.h"
#include "core/contract.h"
#include "core/log.h"
#include "kafka/conf.h"
#include "kafka/publisher.h"

typedef struct config {
    char *collector_id;
    struct {
        char *address, *path, *tls_cert, *tls_key;
        long port;
    } listen;
    struct {
        char *abbr, *accounts, *accounts_file, *sign_check;
        long login_window_s, login_timeout_s, max_connections, max_connections_per_address,
            login_failures_per_min, idle_timeout_s, max_frame_bytes, max_msgs_per_s, max_items, ack_timeout_ms,
            dedupe_capacity;
    } push;
    struct {
        bool enabled, insecure_tls;
        char *base_url, *tokens_file, *client_id, *private_key_file, *ca_file, *game_id;
        lt_config_list tokens, rooms;
        long interval_ms, batch, rate_per_user, backoff_cap_ms, lookback_s, session_idle_s, timeout_ms,
            game_duration_s, ping_interval_s;
        bool gift_catalogue;
        long gift_catalogue_interval_s, gift_catalogue_min_refresh_s;
    } pull;
    struct {
        bool seed;
        long seed_lookback_s, seed_timeout_ms, seed_max_records;
    } dedupe;
    struct {
        char *bootstrap_servers, *registry_url, *registry_username, *registry_password, *topic_prefix;
        lt_config_list properties, topics;
        long flush_timeout_ms;
        bool dry_run;
    } kafka;
    struct {
        char *level;
        bool json;
    } log;
    struct {
        bool enabled;
        char *listen;
        long port;
    } admin;
} config;

#define OPT(name, kind, member, dflt, doc) {name, kind, offsetof(config, member), dflt, doc, NULL, 0, 0}
#define INT(name, member, dflt, min, max, doc) \
    {name, LT_CONFIG_INT, offsetof(config, member), dflt, doc, NULL, min, max}
#define SECTION(name, table, doc) {name, LT_CONFIG_SECTION, 0, NULL, doc, table, 0, 0}
#define END {NULL, 0, 0, NULL, NULL, NULL, 0, 0}

static const lt_config_option listen_options[] = {
    OPT("address", LT_CONFIG_STRING, listen.address, "127.0.0.1", "address the WebSocket server binds"),
    INT("port", listen.port, "8780", 0, 65535, "port (0 = any free port)"),
    OPT("path", LT_CONFIG_STRING, listen.path, "/bigo/push", "the WebSocket path given to BIGO"),
    OPT("tls_cert", LT_CONFIG_STRING, listen.tls_cert, NULL, "PEM certificate: serve wss (BIGO connects with wss)"),
    OPT("tls_key", LT_CONFIG_STRING, listen.tls_key, NULL, "PEM private key of tls_cert"),
    END,
};

static const lt_config_option push_options[] = {
    OPT("abbr", LT_CONFIG_STRING, push.abbr, "${BIGO_PLATFORM_ABBR:-}", "our platform abbreviation (in the login sign)"),
    OPT("accounts", LT_CONFIG_STRING, push.accounts, "${BIGO_PUSH_ACCOUNTS:-}",
        "account:password[,account:password...] BIGO logs in with"),
    OPT("accounts_file", LT_CONFIG_STRING, push.accounts_file, NULL, "file of account:password lines"),
    INT("login_window_s", push.login_window_s, "300", 0, 86400, "max clock difference of a login timestamp; 0 = any"),
    OPT("sign_check", LT_CONFIG_STRING, push.sign_check, "log",
        "per-message sign (formula unpublished): off, log or enforce"),
    INT("idle_timeout_s", push.idle_timeout_s, "30", 1, 3600, "close a connection silent this long"),
    INT("login_timeout_s", push.login_timeout_s, "10", 1, 3600,
        "close a connection not logged in this long after it opened (pings do not extend it)"),
    INT("max_connections", push.max_connections, "256", 1, 1000000,
        "WebSocket connections open at once; more are refused at the upgrade"),
    INT("max_connections_per_address", push.max_connections_per_address, "16", 1, 1000000,
        "connections open at once from one peer address"),
    INT("login_failures_per_min", push.login_failures_per_min, "60", 1, 1000000,
        "failed logins per peer address (burst 10); over it the connection is closed unanswered and the "
        "address refused until the rate allows again"),
    INT("max_frame_bytes", push.max_frame_bytes, "1048576", 1024, 67108864, "larger messages close the connection"),
    INT("max_msgs_per_s", push.max_msgs_per_s, "100", 1, 1000000, "per connection (burst: twice); more = close"),
    INT("max_items", push.max_items, "10000", 1, 1000000, "items per batch; more = rescode 400"),
    INT("ack_timeout_ms", push.ack_timeout_ms, "10000", -1, 3600000,
        "answer 503 if Kafka has not acknowledged a batch by then; -1 = wait"),
    INT("dedupe_capacity", push.dedupe_capacity, "1000000", 1024, 100000000, "item keys remembered (push + pull)"),
    END,
};

static const lt_config_option pull_options[] = {
    OPT("enabled", LT_CONFIG_BOOL, pull.enabled, "false", "poll /broom/pull_data for what push lost"),
    OPT("base_url", LT_CONFIG_STRING, pull.base_url, "https://oauth.bigolive.tv", "BIGO open API"),
    OPT("tokens", LT_CONFIG_PROPERTIES, pull.tokens, NULL,
        "openid: access token (or \"access refresh\"), e.g. from ${ENV}"),
    OPT("tokens_file", LT_CONFIG_STRING, pull.tokens_file, NULL,
        "lines \"openid access_token [refresh_token]\"; rewritten after a token refresh"),
    OPT("client_id", LT_CONFIG_STRING, pull.client_id, "${BIGO_CLIENT_ID:-}", "bigo-client-id for signed calls"),
    OPT("private_key_file", LT_CONFIG_STRING, pull.private_key_file, "${BIGO_PRIVATE_KEY_FILE:-}",
        "PEM key (RSA or P-256) signing ping and token refresh"),
    OPT("ca_file", LT_CONFIG_STRING, pull.ca_file, NULL, "extra CA certificates"),
    OPT("insecure_tls", LT_CONFIG_BOOL, pull.insecure_tls, "false", "accept any certificate (testing only)"),
    INT("interval_ms", pull.interval_ms, "2000", 100, 600000, "per session, while pages come back short"),
    INT("batch", pull.batch, "100", 1, 1000, "items per room per page"),
    INT("rate_per_user", pull.rate_per_user, "5", 1, 10, "requests per second per anchor (BIGO allows 10)"),
    INT("backoff_cap_ms", pull.backoff_cap_ms, "60000", 1000, 3600000, "longest wait after errors"),
    INT("lookback_s", pull.lookback_s, "3600", 0, 86400, "pull from this long before a session was first seen"),
    INT("session_idle_s", pull.session_idle_s, "3600", 10, 86400, "forget a session without news this long"),
    INT("timeout_ms", pull.timeout_ms, "10000", 100, 600000, "per request"),
    OPT("game_id", LT_CONFIG_STRING, pull.game_id, NULL, "game id for sessions we mount (rooms)"),
    OPT("rooms", LT_CONFIG_STRING_LIST, pull.rooms, NULL, "anchor openids: enable_danmu at start, ping, disable at stop"),
    INT("game_duration_s", pull.game_duration_s, "3600", 1, 86400 * 7, "game_duration sent with enable_danmu"),
    INT("ping_interval_s", pull.ping_interval_s, "30", 5, 110, "keep-alive of mounted sessions (BIGO resets after 120 s)"),
    OPT("gift_catalogue", LT_CONFIG_BOOL, pull.gift_catalogue, "true",
        "publish each token anchor's gift list (/gift/get_list) to the compacted <prefix>.gift_info, keyed "
        "bigo:<giftid>; needs a token (pull.tokens or pull.tokens_file), not pull.enabled"),
    INT("gift_catalogue_interval_s", pull.gift_catalogue_interval_s, "300", 1, 600,
        "re-fetch each anchor's gift list this often (BIGO: cache 5-10 min at most)"),
    INT("gift_catalogue_min_refresh_s", pull.gift_catalogue_min_refresh_s, "10", 1, 600,
        "extra gift list requests (unknown gift id, new session) at most this often per anchor"),
    END,
};

static const lt_config_option dedupe_options[] = {
    OPT("seed", LT_CONFIG_BOOL, dedupe.seed, "true",
        "at start, read the bigo_key header of the records published in the last seed_lookback_s back from Kafka "
        "and do not publish those items again (a batch retried across a restart, pull's overlap)"),
    INT("seed_lookback_s", dedupe.seed_lookback_s, "3600", 1, 86400,
        "how far back (pull starts 1 h back and BIGO keeps 1 h; push.dedupe_capacity should hold that many keys)"),
    INT("seed_timeout_ms", dedupe.seed_timeout_ms, "60000", 1000, 240000,
        "bound on the read at start; when hit, start with what was read (a few duplicates possible, never a loss)"),
    INT("seed_max_records", dedupe.seed_max_records, "2000000", 1000, 100000000,
        "bound on the records read at start (TikTok's records in shared topics count too)"),
    END,
};

static const lt_config_option kafka_options[] = {
    OPT("bootstrap_servers", LT_CONFIG_STRING, kafka.bootstrap_servers, "${LT_KAFKA_BOOTSTRAP:-127.0.0.1:19092}",
        "Kafka bootstrap servers"),
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
    OPT("dry_run", LT_CONFIG_BOOL, kafka.dry_run, "false", "print events as JSON lines instead of producing"),
    END,
};

static const lt_config_option log_options[] = {
    OPT("level", LT_CONFIG_STRING, log.level, "info", "debug, info, warn or error"),
    OPT("json", LT_CONFIG_BOOL, log.json, "false", "JSON log lines"),
    END,
};

static const lt_config_option admin_options[] = {
    OPT("enabled", LT_CONFIG_BOOL, admin.enabled, "false",
        "serve /healthz, /readyz and /metrics on a private listener too (the push port serves /healthz and /metrics)"),
    OPT("listen", LT_CONFIG_STRING, admin.listen, "127.0.0.1", "address of the admin listener"),
    INT("port", admin.port, "8781", 0, 65535, "port of the admin listener (0 = any free port, logged)"),
    END,
};

static const lt_config_option options[] = {
    OPT("collector_id", LT_CONFIG_STRING, collector_id, NULL, "written on every record; empty = livetap-bigo-<pid>"),
    SECTION("listen", listen_options, "the WebSocket server BIGO pushes to"),
    SECTION("push", push_options, "login, checks and limits of the push channel"),
    SECTION("pull", pull_options, "pull compensation and the game sessions we mount"),
    SECTION("dedupe", dedupe_options, "dedupe across restarts: the ledger seeded from Kafka at start"),
    SECTION("kafka", kafka_options, "where events go"),
    SECTION("log", log_options, "logging"),
    SECTION("admin", admin_options, "probes and metrics on a private port"),
    END,
};

static const char *nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

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

static lt_bigo *running;

static void on_signal(int sig)
{
    (void)sig;
    if (running)
        lt_bigo_stop(running);
}

/* What the option table cannot check; a real start and --check-config
 * refuse the same files (nothing is contacted or bound here). */
static int validate(const void *config_, char *err, size_t errlen)
{
    const config *cfg = config_;
    lt_bigo_sign_mode sign_mode;
    if (!nonempty(cfg->push.abbr)) {
        snprintf(err, errlen,
                 "push.abbr: the platform abbreviation BIGO mixes into its login signature is empty");
        return -1;
    }
    if (!nonempty(cfg->push.accounts) && !nonempty(cfg->push.accounts_file)) {
        snprintf(err, errlen, "no push account: set push.accounts or push.accounts_file");
        return -1;
    }
    if (lt_bigo_sign_mode_from_name(cfg->push.sign_check, &sign_mode)) {
        snprintf(err, errlen, "push.sign_check: expected off, log or enforce, found \"%s\"",
                 cfg->push.sign_check);
        return -1;
    }
    return 0;
}

static void summary(const void *config_, FILE *out)
{
    const config *cfg = config_;
    bool tokens = cfg->pull.tokens.count || nonempty(cfg->pull.tokens_file);
    fprintf(
        out,
        "push on %s:%ld%s, pull %s, gift catalogue %s, dedupe seed %s, Kafka %s, topics %s.<type>, admin %s",
        cfg->listen.address, cfg->listen.port, cfg->listen.path, cfg->pull.enabled ? "on" : "off",
        cfg->pull.gift_catalogue && tokens ? "on" : "off",
        cfg->dedupe.seed && !cfg->kafka.dry_run ? "on" : "off",
        cfg->kafka.dry_run ? "off (dry run)" : cfg->kafka.bootstrap_servers, cfg->kafka.topic_prefix,
        cfg->admin.enabled ? "on" : "off");
}

static const lt_cli_program program = {
    .name = "livetap-bigo",
    .usage = "usage: livetap-bigo --config bigo.yaml [options]\n"
             "Receive BIGO Live danmu pushes (and pull what push lost) into Kafka.",
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

/* "openid: access [refresh]" properties -> tokens (strings point into cfg). */
static int split_tokens(config *cfg, lt_bigo_token *tokens, char **copies)
{
    for (size_t i = 0; i < cfg->pull.tokens.count; i++) {
        const char *item = cfg->pull.tokens.items[i];
        size_t nl = strcspn(item, "=");
        copies[i] = strdup(item);
        if (!copies[i])
            return -1;
        copies[i][nl] = '\0';
        char *value = copies[i] + nl + 1, *space = strchr(value, ' ');
        if (space)
            *space++ = '\0';
        tokens[i] = (lt_bigo_token){copies[i], value, space};
    }
    return 0;
}

static int run(config *cfg)
{
    char default_id[64], err[2048];
    lt_log_set_json(cfg->log.json);
    const char *collector_id = nonempty(cfg->collector_id);
    if (!collector_id) {
        snprintf(default_id, sizeof default_id, "livetap-bigo-%ld", (long)getpid());
        collector_id = default_id;
    }
    lt_bigo_sign_mode sign_mode;
    lt_bigo_sign_mode_from_name(cfg->push.sign_check, &sign_mode); /* checked by validate */
    size_t ntokens = cfg->pull.tokens.count;
    lt_kafka_properties props = {0};
    lt_topic_override *topics = NULL;
    lt_bigo_token *tokens = calloc(ntokens + 1, sizeof *tokens);
    char **token_copies = calloc(ntokens + 1, sizeof *token_copies);
    lt_publisher *pub = NULL;
    lt_bigo *b = NULL;
    int rc = 2;
    if (!tokens || !token_copies || split_tokens(cfg, tokens, token_copies)) {
        lt_error("out of memory");
        goto cleanup;
    }
    if (lt_kafka_properties_split((const char *const *)cfg->kafka.properties.items,
                                  cfg->kafka.properties.count, &props, err, sizeof err)) {
        lt_error("kafka.properties: %s", err);
        goto cleanup;
    }
    if (lt_topic_overrides_parse((const char *const *)cfg->kafka.topics.items, cfg->kafka.topics.count,
                                 &topics, err, sizeof err)) {
        lt_error("kafka.topics: %s", err);
        goto cleanup;
    }
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
                      .properties = props.items,
                      .property_count = props.count,
                      .on_delivery = lt_bigo_on_delivery},
        };
        pub = lt_publisher_create(&po, err, sizeof err);
        if (!pub) {
            lt_error("cannot start: %s", err);
            goto cleanup;
        }
    }
    lt_bigo_options o = {
        .address = cfg->listen.address,
        .port = (int)cfg->listen.port,
        .path = cfg->listen.path,
        .tls_cert = nonempty(cfg->listen.tls_cert),
        .tls_key = nonempty(cfg->listen.tls_key),
        .abbr = cfg->push.abbr,
        .accounts = cfg->push.accounts,
        .accounts_file = nonempty(cfg->push.accounts_file),
        .login_window_ms = cfg->push.login_window_s * 1000,
        .sign_mode = sign_mode,
        .idle_timeout_ms = (int)cfg->push.idle_timeout_s * 1000,
        .login_timeout_ms = (int)cfg->push.login_timeout_s * 1000,
        .max_connections = (size_t)cfg->push.max_connections,
        .max_connections_per_address = (size_t)cfg->push.max_connections_per_address,
        .login_failures_per_min = (double)cfg->push.login_failures_per_min,
        .max_frame = (size_t)cfg->push.max_frame_bytes,
        .max_msgs_per_s = (double)cfg->push.max_msgs_per_s,
        .max_items = (size_t)cfg->push.max_items,
        .ack_timeout_ms = (int)cfg->push.ack_timeout_ms,
        .dedupe_capacity = (size_t)cfg->push.dedupe_capacity,
        .publisher = pub,
        .collector_id = collector_id,
        .flush_timeout_ms = (int)cfg->kafka.flush_timeout_ms,
        .seed = {
            .enabled = cfg->dedupe.seed,
            .bootstrap_servers = cfg->kafka.bootstrap_servers,
            .properties = props.items,
            .property_count = props.count,
            .lookback_s = (int)cfg->dedupe.seed_lookback_s,
            .timeout_ms = (int)cfg->dedupe.seed_timeout_ms,
            .max_records = (size_t)cfg->dedupe.seed_max_records,
        },
        .admin = cfg->admin.enabled,
        .admin_address = cfg->admin.listen,
        .admin_port = (int)cfg->admin.port,
        .pull = {
            .enabled = cfg->pull.enabled,
            .base_url = cfg->pull.base_url,
            .tokens = tokens,
            .token_count = ntokens,
            .tokens_file = nonempty(cfg->pull.tokens_file),
            .client_id = nonempty(cfg->pull.client_id),
            .private_key_file = nonempty(cfg->pull.private_key_file),
            .ca_file = nonempty(cfg->pull.ca_file),
            .insecure_tls = cfg->pull.insecure_tls,
            .interval_ms = (int)cfg->pull.interval_ms,
            .batch = (int)cfg->pull.batch,
            .rate_per_user = (double)cfg->pull.rate_per_user,
            .backoff_cap_ms = (int)cfg->pull.backoff_cap_ms,
            .lookback_s = (int)cfg->pull.lookback_s,
            .session_idle_s = (int)cfg->pull.session_idle_s,
            .timeout_ms = (int)cfg->pull.timeout_ms,
            .game_id = nonempty(cfg->pull.game_id),
            .rooms = (const char *const *)cfg->pull.rooms.items,
            .room_count = cfg->pull.rooms.count,
            .game_duration_s = (int)cfg->pull.game_duration_s,
            .ping_interval_s = (int)cfg->pull.ping_interval_s,
            .gift_catalogue = cfg->pull.gift_catalogue,
            .gift_catalogue_interval_s = (int)cfg->pull.gift_catalogue_interval_s,
            .gift_catalogue_min_refresh_s = (int)cfg->pull.gift_catalogue_min_refresh_s,
        },
    };
    b = lt_bigo_create(&o, err, sizeof err);
    if (!b) {
        lt_error("cannot start: %s", err);
        goto cleanup;
    }
    /* the port line is what scripts and tests wait for */
    printf("listening on %d\n", lt_bigo_port(b));
    if (lt_bigo_admin_port(b) >= 0)
        printf("admin on %d\n", lt_bigo_admin_port(b));
    fflush(stdout);
    running = b;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    long left = lt_bigo_run(b);
    running = NULL;
    lt_bigo_stats st;
    lt_bigo_get_stats(b, &st);
    lt_info("stopped: %llu batches (%llu acknowledged, %llu failed, %llu answered 503), %llu items, %llu duplicates, "
            "%llu published, %llu delivered, %llu pull pages; %zu not acknowledged by Kafka",
            (unsigned long long)st.batches, (unsigned long long)st.batches_acked, (unsigned long long)st.batches_failed,
            (unsigned long long)st.batches_timed_out, (unsigned long long)st.items, (unsigned long long)st.duplicates,
            (unsigned long long)st.published, (unsigned long long)st.delivered, (unsigned long long)st.pull_pages,
            st.undelivered_at_exit);
    rc = left == 0 ? 0 : 1;
cleanup:
    /* the publisher first: its last delivery reports still reach lt_bigo */
    lt_publisher_destroy(pub);
    lt_bigo_destroy(b);
    for (size_t i = 0; token_copies && i < ntokens; i++)
        free(token_copies[i]);
    lt_kafka_properties_free(&props);
    free(topics);
    free(tokens);
    free(token_copies);
    return rc;
}

int main(int argc, char **argv)
{
    lt_log_set_program("livetap-bigo");
    config cfg;
    memset(&cfg, 0, sizeof cfg);
    lt_cli_outcome parsed = lt_cli_parse(&program, &cfg, argc, argv);
    int rc = parsed.run ? run(&cfg) : parsed.status;
    lt_config_free(options, &cfg);
    return rc;
}
