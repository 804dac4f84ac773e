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
#include <stdio.h>

#include "core/config.h"

/* The configuration, filled by the option table lt_sidecar_options (core/config.h:
 * defaults, the YAML file, --set, bounds); `livetap-sidecar --config-reference`
 * and docs/configuration.md list every key with its default and meaning. */
typedef struct lt_sidecar_config {
    char *listen;                /* address to bind */
    long port;                   /* 0 = any free port */
    char *tls_cert;              /* PEM certificate: serve https/wss; NULL or "" = plain */
    char *tls_key;               /* PEM private key of tls_cert */
    char *kafka_bootstrap;
    char *topic_prefix;
    lt_config_list types;            /* event types to read; empty = all */
    lt_config_list topics;           /* kafka.topics: "type=topic" per-type overrides (core/contract.h) */
    lt_config_list kafka_properties; /* "name=value" passed to librdkafka */
    long max_replay_records;         /* per partition and request */
    char *registry_url;              /* "" = none */
    char *registry_username;
    char *registry_password;
    char *schema_dir;            /* local schemas (single-object records); "" = built-in */
    long schema_timeout_ms;      /* one registry request, at most */
    long schema_wait_ms;         /* the consumer waits for a new schema id at most this */
    char *www_dir;               /* the live-view page; "" = built-in */
    lt_config_list tokens;       /* static bearer tokens */
    char *jwt_secret;            /* HS256 secret */
    long jwt_max_lifetime_s;     /* a JWT connection lasts at most this */
    long max_clients;
    long max_clients_per_address;
    long max_handshakes_per_address; /* sockets not yet upgraded from one address */
    long header_timeout_s;           /* a request's headers must arrive within this */
    long connect_rate_per_address;   /* new connections per second per address; 0 = unlimited */
    long connect_burst_per_address;  /* ... of which this many at once */
    long queue_frames;               /* per client */
    long queue_bytes;                /* per client; a larger record is skipped */
    long max_replays;                /* replays (since=/cursor=) served at once */
    long replay_waiting;             /* replays waiting for a slot; past it: refused */
    long replay_queue_bytes;         /* per replaying client */
    long inbound_frame_bytes;        /* largest message a client may send */
    long ping_interval_s;
    long idle_timeout_s; /* no valid traffic (pong) for this long: hang up */
    long shutdown_grace_ms;
    char *log_level;             /* debug, info, warn, error */
    char *event_loop;            /* "epoll" (libev) or "poll" (libwebsockets' own) */
} lt_sidecar_config;

/* The option table of lt_sidecar_config, ended by a {NULL} row. */
extern const lt_config_option lt_sidecar_options[];

/* Fills defaults (environment included: LT_KAFKA_BOOTSTRAP, LT_REGISTRY_URL).
 * -1 with the reason in err (an unset variable a default needs cannot happen). */
int lt_sidecar_config_defaults(lt_sidecar_config *cfg, char *err, size_t errlen);
/* Loads a YAML file over what cfg holds. -1 with file:line: key: reason in err. */
int lt_sidecar_config_load(const char *path, lt_sidecar_config *cfg, char *err, size_t errlen);
/* Checks what the table cannot: event_loop is epoll or poll, tls_cert and
 * tls_key come together, are readable and match; numbers within bounds
 * (for a struct filled by hand). -1 with the reason, naming the key, in err. */
int lt_sidecar_config_validate(const lt_sidecar_config *cfg, char *err, size_t errlen);
/* --check-config's summary line. */
void lt_sidecar_config_summary(const lt_sidecar_config *cfg, FILE *out);
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
