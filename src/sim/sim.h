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

typedef struct lt_sim lt_sim;

typedef struct lt_sim_options {
    int port;                  /* 0 = any free port */
    size_t rooms;              /* rooms simhost0 .. simhost<N-1> */
    double rate;               /* messages per second per room */
    uint64_t seed;
    const char *api_key;       /* sign server key required when set */
    double sign_per_minute;    /* sign server limit over all callers; 0 = none */
    int64_t heartbeat_ms;      /* announced heartbeat interval; 0 = 10000 */
    int64_t tick_ms;           /* frame batching period; 0 = 100 */
    bool need_ack;             /* set need_ack on every pushed frame */
    bool record_ids;           /* keep every msg_id sent for /_sim/sent (tests) */
    const char *replay_path;   /* capture to replay into room 0 instead of generated traffic */
    const char *tls_cert;      /* PEM certificate and key: serve https and wss instead */
    const char *tls_key;
    const char *stream_path;   /* an FLV clip looped as every room's HTTP-FLV stream; NULL = none */
    bool broadcast;            /* every message of a room to every open connection, as TikTok does;
                                * once connected to, a room sends whether anyone listens or not
                                * (default: each connection gets its own share of the room's rate) */
} lt_sim_options;

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

#endif
