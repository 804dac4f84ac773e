/* sim.h - livetap-sim: TikTok's side of a live room, for tests and demos.
 *
 * One process, one libwebsockets event loop, one listening port on
 * 127.0.0.1 serving everything the collector talks to, at TikTok's and the
 * Euler sign server's own paths:
 *
 *   GET /@{unique_id}/live              live page with SIGI_STATE
 *   GET /api-live/user/room/            room lookup API
 *   GET /webcast/room/info/             room info (age restriction, status)
 *   GET /webcast/room/check_alive/      batch liveness
 *   GET /webcast/gift/list/             gift catalogue
 *   GET /webcast/feed/                  recommended live rooms, paged by max_time
 *   GET /webcast/fetch                  sign server: protobuf fetch result + X-Set-TT-Cookie
 *   GET /webcast/rate_limits            sign server limits
 *   WS  /webcast/im/ws_proxy/ws_reuse_supplement/   the push WebSocket
 *
 * and, under /_sim/, what tests need to check exactly-once delivery and to
 * inject faults at run time (docs/simulator.md).
 */
#ifndef LT_SIM_SIM_H
#define LT_SIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"

typedef struct lt_sim lt_sim;

/* Filled by the option table lt_sim_option_table (defaults, YAML, --set,
 * bounds); `livetap-sim --config-reference` lists the keys. */
typedef struct lt_sim_options {
    long port;  /* 0 = any free port */
    long rooms; /* rooms simhost0 .. simhost<N-1> */
    long rate;  /* messages per second per room */
    long seed;
    char *api_key;             /* sign server key required when set */
    long sign_per_minute;      /* sign server limit over all callers; 0 = none */
    long heartbeat_ms;         /* announced heartbeat interval */
    long tick_ms;              /* frame batching period */
    bool need_ack;             /* set need_ack on every 4th pushed frame */
    bool record_ids;           /* keep every msg_id sent for /_sim/sent (tests) */
    char *replay_path;         /* capture to replay into room 0 instead of generated traffic */
    char *tls_cert;            /* PEM certificate and key: serve https and wss instead */
    char *tls_key;
    char *stream_path;         /* an FLV clip looped as every room's HTTP-FLV stream; "" or NULL = none */
    char *stream_hls_dir;      /* an HLS clip (index.m3u8 + segments) looped as every room's live HLS */
    long feed_page_size;       /* live rooms per page of /webcast/feed/ */
    bool broadcast;            /* every message of a room to every open connection, as TikTok does;
                                * once connected to, a room sends whether anyone listens or not
                                * (default: each connection gets its own share of the room's rate) */
    lt_config_list faults;     /* "ROOM:KEY=VALUE", applied at start as lt_sim_configure() would */
    char *port_file;           /* where the program writes the port listened on */
    char *log_level;
} lt_sim_options;

/* The option table of lt_sim_options, ended by a {NULL} row. */
extern const lt_config_option lt_sim_option_table[];

lt_sim *lt_sim_create(const lt_sim_options *opts, char *err, size_t errlen);
void lt_sim_destroy(lt_sim *sim); /* accepts NULL */

/* The port actually listened on. */
int lt_sim_port(const lt_sim *sim);

/* Applies a fault or state to a room ("state=offline", "sign_429_first=3",
 * ...); the same keys as /_sim/fault. -1 with err on a bad key or value. */
int lt_sim_configure(lt_sim *sim, const char *room, const char *key, const char *value, char *err,
                     size_t errlen);

/* Runs the loop until lt_sim_stop(). */
int lt_sim_run(lt_sim *sim);
void lt_sim_stop(lt_sim *sim); /* async-signal-safe */

/* ------------------------------------------------------------------ demo
 * livetap-demo: sample events of every type (sim/sample_events.h) published
 * through livetap's real publishing path (schemas, registry, Avro,
 * idempotent producer), for the README's first command and for tests that
 * need known events in Kafka. */
typedef struct lt_sim_demo_options {
    char *kafka_bootstrap;
    char *registry_url; /* "" = Avro single-object encoding */
    char *topic_prefix;
    lt_config_list kafka_properties;
    long rooms;
    char *room_prefix; /* room ids are <room_prefix>0, 1, ... */
    long events_per_room;
    long rate; /* events per second in total; 0 = as fast as possible */
    char *collector_id;
    char *manifest; /* every published event as a JSON line here; "" = none */
    long flush_timeout_ms;
    long startup_timeout_ms;
    char *log_level;
} lt_sim_demo_options;

extern const lt_config_option lt_sim_demo_option_table[];

/* Publishes, then flushes; `stop` (set by a signal handler) ends the
 * publishing early. Prints "published=N delivered=N failed=N undelivered=N".
 * 0 every record acknowledged, 1 some were not, 2 could not start. */
int lt_sim_demo_run(const lt_sim_demo_options *opts, volatile int *stop);

#endif
