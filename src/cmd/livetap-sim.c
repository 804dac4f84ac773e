/* livetap-sim - TikTok's side of live rooms on 127.0.0.1, for tests, demos
 * and benchmarks (src/sim/sim.h, docs/simulator.md).
 *
 * Flags, config (the simulator's option table, src/sim/options.c, through
 * core/cli.h), run until SIGINT/SIGTERM. Exit status: 0 after a stop, 1 when
 * the loop failed, 2 on a start-up error (bad flags or config, port in use).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "core/cli.h"
#include "core/log.h"
#include "sim/sim.h"

static const lt_cli_flag flags[] = {
    {"port", "port", true, "N        listen port (0 = any free port, printed at start)"},
    {"port-file", "port_file", true, "FILE     write the chosen port to FILE"},
    {"rooms", "rooms", true, "N        rooms simhost0..simhost<N-1> (3)"},
    {"rate", "rate", true, "N        messages per second per room (20)"},
    {"seed", "seed", true, "N        traffic seed (1): same seed, same traffic"},
    {"api-key", "api_key", true, "KEY      require this sign-server API key"},
    {"sign-per-minute", "sign_per_minute", true,
     "N        sign calls per minute over all rooms (0 = no limit)"},
    {"heartbeat-ms", "heartbeat_ms", true, "N        announced heartbeat interval (10000)"},
    {"tick-ms", "tick_ms", true, "N        frame batching period (100)"},
    {"broadcast", "broadcast", false,
     "         every message of a room to every connection on it, as TikTok"},
    {"no-ack", "need_ack=false", false, "         never set need_ack"},
    {"no-record-ids", "record_ids=false", false, "         do not keep sent msg_ids (long benchmarks)"},
    {"replay", "replay", true, "FILE     push this capture ([u32 LE length][frame]...) into simhost0"},
    {"fault", "faults", true, "R:K=V    a fault or state, repeatable: simhost1:state=offline"},
    {"tls-cert", "tls_cert", true, "PEM      serve https:// and wss:// (with --tls-key)"},
    {"tls-key", "tls_key", true, "PEM      its private key"},
    {"stream-file", "stream_file", true,
     "FLV      loop this FLV clip (H.264/AAC) as every room's HTTP-FLV stream"},
    {"stream-hls", "stream_hls", true,
     "DIR      loop this HLS clip (DIR/index.m3u8 + segments) as every room's live HLS"},
};

static const lt_cli_program program = {
    .name = "livetap-sim",
    .usage = "usage: livetap-sim [options]\n"
             "Simulate TikTok LIVE rooms: live pages, api-live, room info, an Euler-compatible sign\n"
             "server and the push WebSocket, on one port of 127.0.0.1.",
    .epilog = "Control at run time: GET /_sim/stats, /_sim/sent?room=R, /_sim/fault?room=R&KEY=VALUE,\n"
              "/_sim/add?unique_id=U&rate=N (docs/simulator.md).",
    .options = lt_sim_option_table,
    .flags = flags,
    .flag_count = sizeof flags / sizeof flags[0],
    .log_level_key = "log_level",
};

static lt_sim *the_sim;

static void on_signal(int sig)
{
    (void)sig;
    if (the_sim)
        lt_sim_stop(the_sim);
}

static int run(const lt_sim_options *o)
{
    char err[512];
    lt_sim *sim = lt_sim_create(o, err, sizeof err);
    if (!sim) {
        lt_error("cannot start: %s", err);
        return 2;
    }
    the_sim = sim;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    if (o->port_file && *o->port_file) {
        FILE *f = fopen(o->port_file, "w");
        if (f) {
            fprintf(f, "%d\n", lt_sim_port(sim));
            fclose(f);
        }
    }
    printf("livetap-sim listening on %s://127.0.0.1:%d (%ld rooms, %ld msg/s each)\n",
           o->tls_cert && *o->tls_cert ? "https" : "http", lt_sim_port(sim), o->rooms, o->rate);
    fflush(stdout);
    int rc = lt_sim_run(sim);
    the_sim = NULL;
    lt_sim_destroy(sim);
    return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
    lt_sim_options o;
    memset(&o, 0, sizeof o);
    lt_cli_outcome parsed = lt_cli_parse(&program, &o, argc, argv);
    int rc = parsed.run ? run(&o) : parsed.status;
    lt_config_free(lt_sim_option_table, &o);
    return rc;
}
