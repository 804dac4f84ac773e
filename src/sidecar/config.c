/* config.c - the sidecar's YAML configuration (libcyaml).
 *
 * The file mirrors lt_sidecar_config in nested sections (kafka, registry,
 * auth, limits); every key is optional and overrides a default. A key the
 * schema does not know is an error, so a typo never silently means "default".
 * The libcyaml schema is the one table that maps option names to fields.
 */
#include <cyaml/cyaml.h>
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
#include <yaml.h>

#include "core/contract.h"
#include "sidecar/sidecar.h"

/* The file's shape: sections are embedded structs. */
typedef struct file_kafka {
    char *bootstrap;
    char *topic_prefix;
    char **types;
    unsigned types_count;
    char **properties;
    unsigned properties_count;
    unsigned long max_replay_records;
} file_kafka;

typedef struct file_registry {
    char *url;
    char *username;
    char *password;
    unsigned timeout_ms;
    unsigned wait_ms;
} file_registry;

typedef struct file_auth {
    char **tokens;
    unsigned tokens_count;
    char *jwt_secret;
    unsigned jwt_max_lifetime_s;
} file_auth;

typedef struct file_limits {
    unsigned max_clients;
    unsigned max_clients_per_address;
    unsigned max_handshakes_per_address;
    unsigned header_timeout_s;
    unsigned *connect_rate_per_address;
    unsigned connect_burst_per_address;
    unsigned queue_frames;
    unsigned long queue_bytes;
    unsigned max_replays;
    unsigned replay_waiting;
    unsigned long replay_queue_bytes;
    unsigned inbound_frame_bytes;
    unsigned ping_interval_s;
    unsigned idle_timeout_s;
} file_limits;

typedef struct file_config {
    char *listen;
    unsigned port;
    char *tls_cert;
    char *tls_key;
    char *schema_dir;
    char *www_dir;
    unsigned shutdown_grace_ms;
    char *log_level;
    char *event_loop;
    file_kafka kafka;
    file_registry registry;
    file_auth auth;
    file_limits limits;
} file_config;

#define OPT CYAML_FLAG_OPTIONAL
#define STR(key, type, member) CYAML_FIELD_STRING_PTR(key, CYAML_FLAG_POINTER | OPT, type, member, 0, CYAML_UNLIMITED)

static const cyaml_schema_value_t string_entry = {
    CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 0, CYAML_UNLIMITED),
};

static const cyaml_schema_field_t kafka_fields[] = {
    STR("bootstrap", file_kafka, bootstrap),
    STR("topic_prefix", file_kafka, topic_prefix),
    CYAML_FIELD_SEQUENCE("types", CYAML_FLAG_POINTER | OPT, file_kafka, types, &string_entry, 0, 64),
    CYAML_FIELD_SEQUENCE("properties", CYAML_FLAG_POINTER | OPT, file_kafka, properties, &string_entry, 0,
                         CYAML_UNLIMITED),
    CYAML_FIELD_UINT("max_replay_records", OPT, file_kafka, max_replay_records),
    /* a mapping whose keys are event types, which libcyaml cannot hold: read by load_topics */
    CYAML_FIELD_IGNORE("topics", OPT),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t registry_fields[] = {
    STR("url", file_registry, url),
    STR("username", file_registry, username),
    STR("password", file_registry, password),
    CYAML_FIELD_UINT("timeout_ms", OPT, file_registry, timeout_ms),
    CYAML_FIELD_UINT("wait_ms", OPT, file_registry, wait_ms),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t auth_fields[] = {
    CYAML_FIELD_SEQUENCE("tokens", CYAML_FLAG_POINTER | OPT, file_auth, tokens, &string_entry, 0, 1024),
    STR("jwt_secret", file_auth, jwt_secret),
    CYAML_FIELD_UINT("jwt_max_lifetime_s", OPT, file_auth, jwt_max_lifetime_s),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t limits_fields[] = {
    CYAML_FIELD_UINT("max_clients", OPT, file_limits, max_clients),
    CYAML_FIELD_UINT("max_clients_per_address", OPT, file_limits, max_clients_per_address),
    CYAML_FIELD_UINT("max_handshakes_per_address", OPT, file_limits, max_handshakes_per_address),
    CYAML_FIELD_UINT("header_timeout_s", OPT, file_limits, header_timeout_s),
    CYAML_FIELD_UINT_PTR("connect_rate_per_address", CYAML_FLAG_POINTER | OPT, file_limits, connect_rate_per_address),
    CYAML_FIELD_UINT("connect_burst_per_address", OPT, file_limits, connect_burst_per_address),
    CYAML_FIELD_UINT("queue_frames", OPT, file_limits, queue_frames),
    CYAML_FIELD_UINT("queue_bytes", OPT, file_limits, queue_bytes),
    CYAML_FIELD_UINT("max_replays", OPT, file_limits, max_replays),
    CYAML_FIELD_UINT("replay_waiting", OPT, file_limits, replay_waiting),
    CYAML_FIELD_UINT("replay_queue_bytes", OPT, file_limits, replay_queue_bytes),
    CYAML_FIELD_UINT("inbound_frame_bytes", OPT, file_limits, inbound_frame_bytes),
    CYAML_FIELD_UINT("ping_interval_s", OPT, file_limits, ping_interval_s),
    CYAML_FIELD_UINT("idle_timeout_s", OPT, file_limits, idle_timeout_s),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t top_fields[] = {
    STR("listen", file_config, listen),
    CYAML_FIELD_UINT("port", OPT, file_config, port),
    STR("tls_cert", file_config, tls_cert),
    STR("tls_key", file_config, tls_key),
    STR("schema_dir", file_config, schema_dir),
    STR("www_dir", file_config, www_dir),
    CYAML_FIELD_UINT("shutdown_grace_ms", OPT, file_config, shutdown_grace_ms),
    STR("log_level", file_config, log_level),
    STR("event_loop", file_config, event_loop),
    CYAML_FIELD_MAPPING("kafka", OPT, file_config, kafka, kafka_fields),
    CYAML_FIELD_MAPPING("registry", OPT, file_config, registry, registry_fields),
    CYAML_FIELD_MAPPING("auth", OPT, file_config, auth, auth_fields),
    CYAML_FIELD_MAPPING("limits", OPT, file_config, limits, limits_fields),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t top_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, file_config, top_fields),
};

int lt_sidecar_config_set(char **field, const char *value)
{
    char *copy = value ? strdup(value) : NULL;
    if (value && !copy)
        return -1;
    free(*field);
    *field = copy;
    return 0;
}

static char **strv_dup(char **src, unsigned n)
{
    char **out = calloc(n ? n : 1, sizeof(char *));
    for (unsigned i = 0; out && i < n; i++)
        if (!(out[i] = strdup(src[i] ? src[i] : ""))) {
            while (i--)
                free(out[i]);
            free(out);
            return NULL;
        }
    return out;
}

static void strv_free(char **v, unsigned n)
{
    for (unsigned i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

void lt_sidecar_config_defaults(lt_sidecar_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    const char *bootstrap = getenv("LT_KAFKA_BOOTSTRAP");
    const char *registry = getenv("LT_REGISTRY_URL");
    lt_sidecar_config_set(&cfg->listen, "127.0.0.1");
    cfg->port = 8090;
    lt_sidecar_config_set(&cfg->kafka_bootstrap, bootstrap && *bootstrap ? bootstrap : "127.0.0.1:19092");
    lt_sidecar_config_set(&cfg->topic_prefix, "livetap");
    cfg->max_replay_records = 1000000;
    lt_sidecar_config_set(&cfg->registry_url, registry ? registry : "");
    cfg->max_clients = 10000;
    cfg->max_clients_per_address = 1000;
    cfg->max_handshakes_per_address = 32;
    cfg->header_timeout_s = 5;
    cfg->max_replays = 8;
    cfg->replay_waiting = 64;
    cfg->replay_queue_bytes = 1ul << 20;
    cfg->jwt_max_lifetime_s = 86400;
    cfg->schema_timeout_ms = 2000;
    cfg->schema_wait_ms = 1000;
    cfg->connect_rate_per_address = 100;
    cfg->connect_burst_per_address = 1000;
    cfg->queue_frames = 4096;
    cfg->queue_bytes = 8ul << 20;
    cfg->inbound_frame_bytes = 4096;
    cfg->ping_interval_s = 30;
    cfg->idle_timeout_s = 75;
    cfg->shutdown_grace_ms = 5000;
    lt_sidecar_config_set(&cfg->log_level, "info");
    lt_sidecar_config_set(&cfg->event_loop, "epoll");
}

static int take_str(char **dst, const char *src)
{
    return src ? lt_sidecar_config_set(dst, src) : 0;
}

static yaml_node_t *mapping_value(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
        yaml_node_t *k = yaml_document_get_node(doc, pair->key);
        if (k && k->type == YAML_SCALAR_NODE && strcmp((const char *)k->data.scalar.value, key) == 0)
            return yaml_document_get_node(doc, pair->value);
    }
    return NULL;
}

/* kafka.topics (type: topic) as "type=topic" items, the shape core/config.h
 * gives the collector's kafka.topics; checked by lt_sidecar_config_validate. */
static int load_topics(const char *path, lt_sidecar_config *cfg, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    yaml_parser_t parser;
    yaml_document_t doc;
    int rc = -1;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    if (!yaml_parser_load(&parser, &doc)) {
        snprintf(err, errlen, "%s: %s", path, parser.problem ? parser.problem : "not YAML");
        yaml_parser_delete(&parser);
        fclose(f);
        return -1;
    }
    yaml_node_t *topics =
        mapping_value(&doc, mapping_value(&doc, yaml_document_get_root_node(&doc), "kafka"), "topics");
    char **items = NULL;
    size_t n = 0;
    if (!topics) {
        rc = 0;
        goto done;
    }
    if (topics->type != YAML_MAPPING_NODE) {
        snprintf(err, errlen, "%s:%zu: kafka.topics: expected a mapping of event type to topic name", path,
                 topics->start_mark.line + 1);
        goto done;
    }
    size_t count = (size_t)(topics->data.mapping.pairs.top - topics->data.mapping.pairs.start);
    if (!(items = calloc(count ? count : 1, sizeof *items)))
        goto oom;
    for (yaml_node_pair_t *pair = topics->data.mapping.pairs.start; pair < topics->data.mapping.pairs.top;
         pair++) {
        yaml_node_t *k = yaml_document_get_node(&doc, pair->key),
                    *v = yaml_document_get_node(&doc, pair->value);
        if (!k || !v || k->type != YAML_SCALAR_NODE || v->type != YAML_SCALAR_NODE) {
            snprintf(err, errlen, "%s:%zu: kafka.topics: expected type: topic", path,
                     (k ? k->start_mark.line : topics->start_mark.line) + 1);
            goto done;
        }
        size_t len = k->data.scalar.length + v->data.scalar.length + 2;
        if (!(items[n] = malloc(len)))
            goto oom;
        snprintf(items[n++], len, "%s=%s", (const char *)k->data.scalar.value,
                 (const char *)v->data.scalar.value);
    }
    strv_free(cfg->topics, cfg->topic_count);
    cfg->topics = items;
    cfg->topic_count = (unsigned)n;
    items = NULL;
    rc = 0;
    goto done;
oom:
    snprintf(err, errlen, "out of memory");
done:
    strv_free(items, (unsigned)n);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    fclose(f);
    return rc;
}

int lt_sidecar_config_load(const char *path, lt_sidecar_config *cfg, char *err, size_t errlen)
{
    static const cyaml_config_t ycfg = {
        .log_fn = cyaml_log,
        .mem_fn = cyaml_mem,
        .log_level = CYAML_LOG_ERROR,
        .flags = CYAML_CFG_DEFAULT,
    };
    file_config *f = NULL;
    cyaml_err_t rc = cyaml_load_file(path, &ycfg, &top_schema, (cyaml_data_t **)&f, NULL);
    if (rc != CYAML_OK) {
        snprintf(err, errlen, "%s: %s", path, cyaml_strerror(rc));
        return -1;
    }
    int ret = -1;
    if (take_str(&cfg->listen, f->listen) || take_str(&cfg->tls_cert, f->tls_cert) ||
        take_str(&cfg->tls_key, f->tls_key) || take_str(&cfg->schema_dir, f->schema_dir) ||
        take_str(&cfg->www_dir, f->www_dir) || take_str(&cfg->log_level, f->log_level) ||
        take_str(&cfg->event_loop, f->event_loop) ||
        take_str(&cfg->kafka_bootstrap, f->kafka.bootstrap) ||
        take_str(&cfg->topic_prefix, f->kafka.topic_prefix) ||
        take_str(&cfg->registry_url, f->registry.url) ||
        take_str(&cfg->registry_username, f->registry.username) ||
        take_str(&cfg->registry_password, f->registry.password) ||
        take_str(&cfg->jwt_secret, f->auth.jwt_secret))
        goto oom;
    if (f->port)
        cfg->port = f->port;
    if (f->shutdown_grace_ms)
        cfg->shutdown_grace_ms = f->shutdown_grace_ms;
    if (f->kafka.max_replay_records)
        cfg->max_replay_records = f->kafka.max_replay_records;
    if (f->kafka.types) {
        strv_free(cfg->types, cfg->type_count);
        if (!(cfg->types = strv_dup(f->kafka.types, f->kafka.types_count)))
            goto oom;
        cfg->type_count = f->kafka.types_count;
    }
    if (f->kafka.properties) {
        strv_free(cfg->kafka_properties, cfg->kafka_property_count);
        if (!(cfg->kafka_properties = strv_dup(f->kafka.properties, f->kafka.properties_count)))
            goto oom;
        cfg->kafka_property_count = f->kafka.properties_count;
    }
    if (f->auth.tokens) {
        strv_free(cfg->tokens, cfg->token_count);
        if (!(cfg->tokens = strv_dup(f->auth.tokens, f->auth.tokens_count)))
            goto oom;
        cfg->token_count = f->auth.tokens_count;
    }
    const file_limits *l = &f->limits;
    if (l->max_clients)
        cfg->max_clients = l->max_clients;
    if (l->max_clients_per_address)
        cfg->max_clients_per_address = l->max_clients_per_address;
    if (l->max_handshakes_per_address)
        cfg->max_handshakes_per_address = l->max_handshakes_per_address;
    if (l->header_timeout_s)
        cfg->header_timeout_s = l->header_timeout_s;
    if (l->max_replays)
        cfg->max_replays = l->max_replays;
    if (l->replay_waiting)
        cfg->replay_waiting = l->replay_waiting;
    if (l->replay_queue_bytes)
        cfg->replay_queue_bytes = l->replay_queue_bytes;
    if (f->auth.jwt_max_lifetime_s)
        cfg->jwt_max_lifetime_s = f->auth.jwt_max_lifetime_s;
    if (f->registry.timeout_ms)
        cfg->schema_timeout_ms = f->registry.timeout_ms;
    if (f->registry.wait_ms)
        cfg->schema_wait_ms = f->registry.wait_ms;
    if (l->connect_rate_per_address) /* 0 is a value here: unlimited */
        cfg->connect_rate_per_address = *l->connect_rate_per_address;
    if (l->connect_burst_per_address)
        cfg->connect_burst_per_address = l->connect_burst_per_address;
    if (l->queue_frames)
        cfg->queue_frames = l->queue_frames;
    if (l->queue_bytes)
        cfg->queue_bytes = l->queue_bytes;
    if (l->inbound_frame_bytes)
        cfg->inbound_frame_bytes = l->inbound_frame_bytes;
    if (l->ping_interval_s)
        cfg->ping_interval_s = l->ping_interval_s;
    if (l->idle_timeout_s)
        cfg->idle_timeout_s = l->idle_timeout_s;
    ret = load_topics(path, cfg, err, errlen);
    goto done;
oom:
    snprintf(err, errlen, "out of memory");
done:
    cyaml_free(&ycfg, &top_schema, f, 0);
    return ret;
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

/* Every numeric option, with its bounds: the one place they are checked,
 * whether a value came from the file or a flag. A value the program would
 * store in fewer bits (a port, lws's 16-bit timers) is bounded by them, so a
 * number out of range is refused rather than wrapped. */
typedef struct numeric_option {
    const char *key;   /* YAML key */
    const char *flag;  /* command-line flag, NULL if none */
    size_t offset;
    bool is_long;      /* unsigned long, else unsigned */
    unsigned long min, max;
} numeric_option;

#define NUM(key, flag, field, min, max)                                                            \
    {key, flag, offsetof(lt_sidecar_config, field),                                              \
     sizeof(((lt_sidecar_config *)0)->field) == sizeof(unsigned long), min, max}

static const numeric_option numeric_options[] = {
    NUM("port", "--port", port, 0, 65535),
    NUM("shutdown_grace_ms", NULL, shutdown_grace_ms, 1, 600000),
    NUM("kafka.max_replay_records", NULL, max_replay_records, 1, 1000000000),
    NUM("registry.timeout_ms", NULL, schema_timeout_ms, 100, 60000),
    NUM("registry.wait_ms", NULL, schema_wait_ms, 0, 60000),
    NUM("auth.jwt_max_lifetime_s", "--jwt-max-lifetime", jwt_max_lifetime_s, 60, 31536000),
    NUM("limits.max_clients", "--max-clients", max_clients, 1, 1000000),
    NUM("limits.max_clients_per_address", "--max-clients-per-address", max_clients_per_address, 1, 1000000),
    NUM("limits.max_handshakes_per_address", "--max-handshakes-per-address", max_handshakes_per_address, 1,
        1000000),
    NUM("limits.header_timeout_s", "--header-timeout", header_timeout_s, 1, 300),
    NUM("limits.connect_rate_per_address", "--connect-rate-per-address", connect_rate_per_address, 0, 1000000),
    NUM("limits.connect_burst_per_address", NULL, connect_burst_per_address, 1, 1000000),
    NUM("limits.queue_frames", "--queue-frames", queue_frames, 1, 1000000),
    NUM("limits.queue_bytes", "--queue-bytes", queue_bytes, 1024, 1ul << 30),
    NUM("limits.max_replays", "--max-replays", max_replays, 1, 100000),
    NUM("limits.replay_waiting", NULL, replay_waiting, 0, 1000000),
    NUM("limits.replay_queue_bytes", NULL, replay_queue_bytes, 1024, 1ul << 30),
    NUM("limits.inbound_frame_bytes", NULL, inbound_frame_bytes, 16, 1u << 20),
    NUM("limits.ping_interval_s", NULL, ping_interval_s, 1, 65535),
    NUM("limits.idle_timeout_s", NULL, idle_timeout_s, 1, 65535),
};

static unsigned long numeric_get(const lt_sidecar_config *cfg, const numeric_option *o)
{
    const char *p = (const char *)cfg + o->offset;
    return o->is_long ? *(const unsigned long *)p : *(const unsigned *)p;
}

int lt_sidecar_config_set_number(lt_sidecar_config *cfg, const char *name, const char *text, char *err,
                                 size_t errlen)
{
    const numeric_option *o = NULL;
    for (size_t i = 0; i < sizeof(numeric_options) / sizeof(numeric_options[0]) && !o; i++)
        if ((numeric_options[i].flag && strcmp(numeric_options[i].flag, name) == 0) ||
            strcmp(numeric_options[i].key, name) == 0)
            o = &numeric_options[i];
    if (!o) {
        snprintf(err, errlen, "%s: not a numeric option", name);
        return -1;
    }
    const char *p = text ? text : "";
    size_t digits = strspn(p, "0123456789");
    errno = 0;
    unsigned long long v = digits ? strtoull(p, NULL, 10) : 0;
    if (digits == 0 || p[digits] != '\0' || digits > 19 || errno == ERANGE || v < o->min || v > o->max) {
        snprintf(err, errlen, "%s: expected a whole number from %lu to %lu, found \"%.64s\"", name, o->min,
                 o->max, p);
        return -1;
    }
    char *field = (char *)cfg + o->offset;
    if (o->is_long)
        *(unsigned long *)field = (unsigned long)v;
    else
        *(unsigned *)field = (unsigned)v;
    return 0;
}

int lt_sidecar_config_validate(const lt_sidecar_config *cfg, char *err, size_t errlen)
{
    lt_topic_override *overrides = NULL;
    lt_topic_names names;
    char why[1024];
    int topics_bad =
        lt_topic_overrides_parse((const char *const *)cfg->topics, cfg->topic_count, &overrides, why,
                                 sizeof why) ||
        lt_topic_names_init(&names, cfg->topic_prefix, overrides, cfg->topic_count, why, sizeof why);
    free(overrides);
    if (topics_bad) {
        snprintf(err, errlen, "kafka.topics: %s", why);
        return -1;
    }
    lt_topic_names_free(&names);
    for (size_t i = 0; i < sizeof(numeric_options) / sizeof(numeric_options[0]); i++) {
        const numeric_option *o = &numeric_options[i];
        unsigned long v = numeric_get(cfg, o);
        if (v < o->min || v > o->max) {
            snprintf(err, errlen, "%s: %lu is out of range: expected a whole number from %lu to %lu", o->key,
                     v, o->min, o->max);
            return -1;
        }
    }
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

void lt_sidecar_config_free(lt_sidecar_config *cfg)
{
    if (!cfg)
        return;
    free(cfg->listen);
    free(cfg->tls_cert);
    free(cfg->tls_key);
    free(cfg->kafka_bootstrap);
    free(cfg->topic_prefix);
    strv_free(cfg->types, cfg->type_count);
    strv_free(cfg->kafka_properties, cfg->kafka_property_count);
    strv_free(cfg->topics, cfg->topic_count);
    free(cfg->registry_url);
    free(cfg->registry_username);
    free(cfg->registry_password);
    free(cfg->schema_dir);
    free(cfg->www_dir);
    strv_free(cfg->tokens, cfg->token_count);
    if (cfg->jwt_secret)
        memset(cfg->jwt_secret, 0, strlen(cfg->jwt_secret));
    free(cfg->jwt_secret);
    free(cfg->log_level);
    free(cfg->event_loop);
    memset(cfg, 0, sizeof(*cfg));
}
