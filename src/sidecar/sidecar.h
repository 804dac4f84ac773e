/* sidecar.h - livetap-sidecar: Kafka topics re-exposed as a WebSocket per room.
 *
 * One process = one Kafka consumer thread (decode + render each record once)
 * and one libwebsockets event-loop thread (rooms, fan-out, HTTP). The two
 * meet at an inbox: the consumer appends rendered records in stream order
 * and wakes the loop (an ev_async, or lws_cancel_service() on the poll
 * loop); the loop applies them to the
 * hub (sidecar/hub.h) and writes frames to sockets. A full inbox makes the
 * consumer wait (Kafka is the buffer), so a burst never grows memory without
 * bound. See docs/sidecar.md for the protocol and operations.
 */
#ifndef LT_SIDECAR_SIDECAR_H
#define LT_SIDECAR_SIDECAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lt_sidecar_config {
    char *listen;                /* address to bind, default 127.0.0.1 */
    unsigned port;               /* default 8090 */
    char *tls_cert;              /* PEM certificate: serve https/wss; NULL = plain */
    char *tls_key;               /* PEM private key of tls_cert */
    char *kafka_bootstrap;       /* default $LT_KAFKA_BOOTSTRAP or 127.0.0.1:19092 */
    char *topic_prefix;          /* default livetap */
    char **types;                /* event types to read; default all */
    unsigned type_count;
    char **topics;               /* kafka.topics: "type=topic" per-type overrides (core/contract.h) */
    unsigned topic_count;
    char **kafka_properties;     /* "name=value" passed to librdkafka */
    unsigned kafka_property_count;
    unsigned long max_replay_records; /* per partition and request, default 1000000 */
    char *registry_url;          /* default $LT_REGISTRY_URL; "" = none */
    char *registry_username;
    char *registry_password;
    char *schema_dir;            /* local schemas (single-object records); default built-in */
    unsigned schema_timeout_ms;  /* one registry request, at most; default 2000 */
    unsigned schema_wait_ms;     /* the consumer waits for a new schema id at most this; default 1000 */
    char *www_dir;               /* the live-view page; default built-in */
    char **tokens;               /* static bearer tokens */
    unsigned token_count;
    char *jwt_secret;            /* HS256 secret */
    unsigned jwt_max_lifetime_s; /* a JWT connection lasts at most this; default 86400 */
    unsigned max_clients;        /* default 10000 */
    unsigned max_clients_per_address; /* default 1000 */
    unsigned max_handshakes_per_address; /* sockets not yet upgraded from one address; default 32 */
    unsigned header_timeout_s;   /* a request's headers must arrive within this; default 5 */
    unsigned connect_rate_per_address;  /* new connections per second per address; 0 = unlimited; default 100 */
    unsigned connect_burst_per_address; /* ... of which this many at once; default 1000 */
    unsigned queue_frames;       /* per client, default 4096 */
    unsigned long queue_bytes;   /* per client, default 8 MiB; a larger record is skipped */
    unsigned max_replays;        /* replays (since=/cursor=) served at once; default 8 */
    unsigned replay_waiting;     /* replays waiting for a slot; past it: refused; default 64 */
    unsigned long replay_queue_bytes; /* per replaying client, default 1 MiB */
    unsigned inbound_frame_bytes;/* largest message a client may send, default 4096 */
    unsigned ping_interval_s;    /* default 30 */
    unsigned idle_timeout_s;     /* no valid traffic (pong) for this long: hang up; default 75 */
    unsigned shutdown_grace_ms;  /* default 5000 */
    char *log_level;             /* debug, info, warn, error */
    char *event_loop;            /* "epoll" (libev, default) or "poll" (libwebsockets' own) */
} lt_sidecar_config;

/* Fills defaults (environment included). */
void lt_sidecar_config_defaults(lt_sidecar_config *cfg);
/* Loads a YAML file over the defaults (config/sidecar.yaml documents every
 * key). -1 with the reason in err. */
int lt_sidecar_config_load(const char *path, lt_sidecar_config *cfg, char *err, size_t errlen);
/* Checks what the file format cannot: every number within its bounds,
 * tls_cert and tls_key come together and are readable. -1 with the reason
 * (naming the key) in err. */
int lt_sidecar_config_validate(const lt_sidecar_config *cfg, char *err, size_t errlen);
/* Sets a numeric option from text, named by its flag ("--port") or its
 * key ("limits.idle_timeout_s"): digits only, within the option's bounds.
 * -1 with the reason, naming the option, in err. */
int lt_sidecar_config_set_number(lt_sidecar_config *cfg, const char *name, const char *text, char *err,
                                 size_t errlen);
/* Replaces a string field (strdup). */
int lt_sidecar_config_set(char **field, const char *value);
void lt_sidecar_config_free(lt_sidecar_config *cfg);

typedef struct lt_sidecar lt_sidecar;

/* Connects to Kafka (fails if no broker answers), the registry (if set),
 * loads schemas and the page, binds the port. */
lt_sidecar *lt_sidecar_create(const lt_sidecar_config *cfg, char *err, size_t errlen);
/* Runs until lt_sidecar_stop(); then closes clients with 1001 within the
 * grace period. 0 on a clean stop. */
int lt_sidecar_run(lt_sidecar *sc);
/* Async-signal-safe. */
void lt_sidecar_stop(lt_sidecar *sc);
void lt_sidecar_destroy(lt_sidecar *sc);
/* The port actually bound (useful with port 0). */
int lt_sidecar_port(const lt_sidecar *sc);

#endif
