/* config.c - the sidecar's configuration: one option table (core/config.h).
 *
 * The file mirrors lt_sidecar_config in sections (kafka, registry, auth,
 * limits); every key is optional and overrides a default, and the table
 * gives each number its bounds, so a value out of range is refused with the
 * file, line and key rather than wrapped or replaced by a default. `port: 0`
 * means any free port, in the file as on the command line (the port bound is
 * printed at start). The table is also --config-reference and the sidecar's
 * part of docs/configuration.md.
 */
#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/contract.h"
#include "core/log.h"
#include "sidecar/sidecar.h"

#define STR(name_, field_, dflt, doc_)                                                                       \
    {                                                                                                        \
        .name = name_, .kind = LT_CONFIG_STRING, .offset = offsetof(lt_sidecar_config, field_),              \
        .default_value = dflt, .doc = doc_                                                                   \
    }
#define LIST(name_, kind_, field_, doc_)                                                                     \
    {                                                                                                        \
        .name = name_, .kind = kind_, .offset = offsetof(lt_sidecar_config, field_), .doc = doc_             \
    }
#define INT(name_, field_, dflt, lo, hi, doc_)                                                               \
    {                                                                                                        \
        .name = name_, .kind = LT_CONFIG_INT, .offset = offsetof(lt_sidecar_config, field_),                 \
        .default_value = dflt, .doc = doc_, .min = lo, .max = hi                                             \
    }
#define SECTION(name_, table, doc_)                                                                          \
    {                                                                                                        \
        .name = name_, .kind = LT_CONFIG_SECTION, .doc = doc_, .section = table                              \
    }
#define END                                                                                                  \
    {                                                                                                        \
        .name = NULL                                                                                         \
    }

static const lt_config_option kafka_options[] = {
    STR("bootstrap", kafka_bootstrap, "${LT_KAFKA_BOOTSTRAP:-127.0.0.1:19092}", "Kafka bootstrap servers"),
    STR("topic_prefix", topic_prefix, "livetap", "topics are <prefix>.<type>, as the collectors write them"),
    LIST("types", LT_CONFIG_STRING_LIST, types, "event types to read (chat, gift, ...); empty = every type"),
    LIST("topics", LT_CONFIG_PROPERTIES, topics,
         "per-type topic names, type: topic (e.g. chat: my.chat); the collectors' kafka.topics, so the "
         "sidecar reads what they write; the other types stay <prefix>.<type>"),
    LIST("properties", LT_CONFIG_PROPERTIES, kafka_properties,
         "librdkafka properties, passed through (a list of name=value or a mapping), e.g. for SASL/TLS"),
    INT("max_replay_records", max_replay_records, "1000000", 1, 1000000000,
        "a since=/cursor= request re-reads at most this many records per partition"),
    END,
};

static const lt_config_option registry_options[] = {
    STR("url", registry_url, "${LT_REGISTRY_URL:-}",
        "Confluent-compatible schema registry; empty = none (only single-object encoded records decode)"),
    STR("username", registry_username, NULL, "registry basic auth user"),
    STR("password", registry_password, NULL, "registry basic auth password; never logged"),
    INT("timeout_ms", schema_timeout_ms, "2000", 100, 60000, "one schema request takes at most this long"),
    INT("wait_ms", schema_wait_ms, "1000", 0, 60000,
        "the consumer waits at most this for a new schema id (records not had in time are skipped, counted)"),
    END,
};

static const lt_config_option auth_options[] = {
    LIST("tokens", LT_CONFIG_STRING_LIST, tokens,
         "static bearer tokens (16 characters or more each); any token or a secret turns auth on"),
    STR("jwt_secret", jwt_secret, NULL,
        "HS256 secret (32 bytes or more); JWTs need exp, may carry rooms: [...]"),
    INT("jwt_max_lifetime_s", jwt_max_lifetime_s, "86400", 60, 31536000,
        "a connection on a JWT ends (1008) after this at most, whatever its exp"),
    END,
};

/* A value the program stores in fewer bits (lws's 16-bit timers) is bounded by them. */
static const lt_config_option limits_options[] = {
    INT("max_clients", max_clients, "10000", 1, 1000000, "WebSocket clients at once"),
    INT("max_clients_per_address", max_clients_per_address, "1000", 1, 1000000, "... from one address"),
    INT("max_handshakes_per_address", max_handshakes_per_address, "32", 1, 1000000,
        "sockets from one address not yet upgraded (idle, partial headers, plain HTTP); past it closed at "
        "accept"),
    INT("header_timeout_s", header_timeout_s, "5", 1, 300,
        "a request's headers must arrive within this (slowloris)"),
    INT("connect_rate_per_address", connect_rate_per_address, "100", 0, 1000000,
        "new connections per second from one address; 0 = unlimited"),
    INT("connect_burst_per_address", connect_burst_per_address, "1000", 1, 1000000,
        "... of which this many may come at once; past it: error frame + 1013"),
    INT("queue_frames", queue_frames, "4096", 1, 1000000,
        "per client: past this or queue_bytes the client is closed (1013)"),
    INT("queue_bytes", queue_bytes, "8388608", 1024, 1073741824,
        "per client; also the largest frame: a record rendering larger is skipped (counted)"),
    INT("max_replays", max_replays, "8", 1, 100000,
        "since=/cursor= requests served at once; later ones wait their turn"),
    INT("replay_waiting", replay_waiting, "64", 0, 1000000,
        "replays waiting for a slot; past it: error frame \"replay capacity\" + 1013"),
    INT("replay_queue_bytes", replay_queue_bytes, "1048576", 1024, 1073741824,
        "per replaying client: past it 1013"),
    INT("inbound_frame_bytes", inbound_frame_bytes, "4096", 16, 1048576,
        "a client message larger than this closes it (1009)"),
    INT("ping_interval_s", ping_interval_s, "30", 1, 65535, "ping after this long without traffic"),
    INT("idle_timeout_s", idle_timeout_s, "75", 1, 65535,
        "hang up after this long without a valid frame (pong)"),
    END,
};

const lt_config_option lt_sidecar_options[] = {
    STR("listen", listen, "127.0.0.1", "address to bind; 0.0.0.0 behind a load balancer"),
    INT("port", port, "8090", 0, 65535,
        "ws://HOST:PORT/ws/{room_id} and http://HOST:PORT/; 0 = any free port (printed at start)"),
    STR("tls_cert", tls_cert, NULL,
        "PEM certificate (a chain may follow): with tls_key, serve wss:// and https:// only"),
    STR("tls_key", tls_key, NULL, "PEM private key of tls_cert (unencrypted)"),
    STR("schema_dir", schema_dir, NULL,
        "local Avro schemas, for single-object encoded records; empty = built-in"),
    STR("www_dir", www_dir, NULL, "the live-view page's files; empty = built-in"),
    INT("shutdown_grace_ms", shutdown_grace_ms, "5000", 1, 600000,
        "on SIGTERM clients get close 1001, then the process exits after at most this"),
    STR("log_level", log_level, "info", "debug, info, warn or error"),
    STR("event_loop", event_loop, "epoll",
        "epoll (libev under libwebsockets) or poll (libwebsockets' own loop; the fallback if epoll cannot "
        "start)"),
    SECTION("kafka", kafka_options, "where the events are read"),
    SECTION("registry", registry_options, "the schema registry records are decoded with"),
    SECTION("auth", auth_options, "who may open /ws/{room_id}; off unless a token or a secret is set"),
    SECTION("limits", limits_options, "per-client and per-process bounds"),
    END,
};

int lt_sidecar_config_defaults(lt_sidecar_config *cfg, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof(*cfg));
    return lt_config_defaults(lt_sidecar_options, cfg, err, errlen);
}

int lt_sidecar_config_load(const char *path, lt_sidecar_config *cfg, char *err, size_t errlen)
{
    return lt_config_load_file(lt_sidecar_options, cfg, path, err, errlen);
}

static bool set(const char *s)
{
    return s && *s;
}

/* The certificate and key load and belong together: said here, with the file
 * names, rather than as a failed listen. */
static int check_tls_pair(const char *cert_path, const char *key_path, char *err, size_t errlen)
{
    X509 *cert = NULL;
    EVP_PKEY *key = NULL;
    int rc = -1;
    FILE *f = fopen(cert_path, "r");
    if (f) {
        cert = PEM_read_X509(f, NULL, NULL, NULL);
        fclose(f);
    }
    if (!cert) {
        snprintf(err, errlen, "tls_cert: %s is not a PEM certificate", cert_path);
        goto done;
    }
    if ((f = fopen(key_path, "r"))) {
        key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
        fclose(f);
    }
    if (!key) {
        snprintf(err, errlen, "tls_key: %s is not an unencrypted PEM private key", key_path);
        goto done;
    }
    if (X509_check_private_key(cert, key) != 1) {
        snprintf(err, errlen, "tls_key: %s is not the key of the certificate in %s", key_path, cert_path);
        goto done;
    }
    rc = 0;
done:
    ERR_clear_error();
    X509_free(cert);
    EVP_PKEY_free(key);
    return rc;
}

/* A struct filled by hand (tests, embedding) gets the bounds the table gives a file. */
static int check_bounds(const lt_config_option *table, const lt_sidecar_config *cfg, const char *prefix,
                        char *err, size_t errlen)
{
    for (const lt_config_option *o = table; o->name; o++) {
        char key[128];
        snprintf(key, sizeof key, "%s%s", prefix, o->name);
        if (o->kind == LT_CONFIG_SECTION) {
            char inner[128];
            snprintf(inner, sizeof inner, "%s.", key);
            if (check_bounds(o->section, cfg, inner, err, errlen))
                return -1;
            continue;
        }
        if (o->kind != LT_CONFIG_INT)
            continue;
        long v = *(const long *)((const char *)cfg + o->offset);
        if (v < o->min || v > o->max) {
            snprintf(err, errlen, "%s: %ld is out of range: expected an integer from %ld to %ld", key, v,
                     o->min, o->max);
            return -1;
        }
    }
    return 0;
}

int lt_sidecar_config_validate(const lt_sidecar_config *cfg, char *err, size_t errlen)
{
    if (check_bounds(lt_sidecar_options, cfg, "", err, errlen))
        return -1;
    lt_topic_override *overrides = NULL;
    lt_topic_names names;
    char why[1024];
    int topics_bad = lt_topic_overrides_parse((const char *const *)cfg->topics.items, cfg->topics.count,
                                              &overrides, why, sizeof why) ||
                     lt_topic_names_init(&names, cfg->topic_prefix, overrides, cfg->topics.count, why, sizeof why);
    free(overrides);
    if (topics_bad) {
        snprintf(err, errlen, "kafka.topics: %s", why);
        return -1;
    }
    lt_topic_names_free(&names);
    if (!cfg->event_loop || (strcmp(cfg->event_loop, "epoll") != 0 && strcmp(cfg->event_loop, "poll") != 0)) {
        snprintf(err, errlen, "event_loop: expected epoll or poll, found \"%s\"",
                 cfg->event_loop ? cfg->event_loop : "");
        return -1;
    }
    if (set(cfg->tls_cert) != set(cfg->tls_key)) {
        snprintf(err, errlen, "tls_cert and tls_key: TLS needs both a certificate and its key, found only %s",
                 set(cfg->tls_cert) ? "tls_cert" : "tls_key");
        return -1;
    }
    if (!set(cfg->tls_cert))
        return 0;
    const char *files[2] = {cfg->tls_cert, cfg->tls_key};
    const char *keys[2] = {"tls_cert", "tls_key"};
    for (int i = 0; i < 2; i++)
        if (access(files[i], R_OK) != 0) {
            snprintf(err, errlen, "%s: cannot read %s: %s", keys[i], files[i], strerror(errno));
            return -1;
        }
    return check_tls_pair(cfg->tls_cert, cfg->tls_key, err, errlen);
}

void lt_sidecar_config_summary(const lt_sidecar_config *cfg, FILE *out)
{
    char shown_registry[1024];
    fprintf(out, "listen %s://%s:%ld, Kafka %s, topics %s.<type>, registry %s, auth %s",
            set(cfg->tls_cert) ? "https" : "http", cfg->listen, cfg->port, cfg->kafka_bootstrap,
            cfg->topic_prefix,
            set(cfg->registry_url) ? lt_log_url(cfg->registry_url, shown_registry, sizeof shown_registry)
                                   : "none (single-object Avro)",
            cfg->tokens.count || set(cfg->jwt_secret) ? "on" : "off");
}

void lt_sidecar_config_free(lt_sidecar_config *cfg)
{
    if (!cfg)
        return;
    if (cfg->jwt_secret)
        memset(cfg->jwt_secret, 0, strlen(cfg->jwt_secret));
    for (size_t i = 0; i < cfg->tokens.count; i++)
        memset(cfg->tokens.items[i], 0, strlen(cfg->tokens.items[i]));
    lt_config_free(lt_sidecar_options, cfg);
    memset(cfg, 0, sizeof(*cfg));
}
