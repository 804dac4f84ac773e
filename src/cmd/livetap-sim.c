/* livetap-sim - TikTok's side of live rooms on 127.0.0.1, for tests, demos
 * and benchmarks (src/sim/sim.h, docs/simulator.md). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "sim/sim.h"

static lt_sim *the_sim;
static void on_signal(int sig)
{
    if (the_sim)
        lt_sim_stop(the_sim);
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: livetap-sim [options]\n"
            "Simulate TikTok LIVE rooms: live pages, api-live, room info, an Euler-compatible sign\n"
            "server and the push WebSocket, on one port of 127.0.0.1.\n\n"
            "  --port N               listen port (default 0 = any free port; printed at start)\n"
            "  --rooms N              rooms simhost0..simhost<N-1> (default 3)\n"
            "  --rate N               messages per second per room (default 20)\n"
            "  --seed N               traffic seed (default 1): same seed, same traffic\n"
            "  --api-key KEY          require this sign-server API key (x-api-key or apiKey=)\n"
            "  --sign-per-minute N    sign calls allowed per minute over all rooms (default 0 = no limit)\n"
            "  --heartbeat-ms N       announced heartbeat interval (default 10000)\n"
            "  --tick-ms N            frame batching period (default 100)\n"
            "  --broadcast            every message of a room to every connection open on it, as TikTok\n"
            "                         does; once connected to, a room goes on sending whether anyone\n"
            "                         listens or not (default: each connection its own share of the rate)\n"
            "  --no-ack               never set need_ack\n"
            "  --no-record-ids        do not keep sent msg_ids (long benchmarks)\n"
            "  --replay FILE          push this capture ([u32 LE length][frame]...) into simhost0\n"
            "  --fault ROOM:KEY=VALUE set a fault or state, repeatable; e.g. simhost1:state=offline,\n"
            "                         simhost2:sign_429_first=2, simhost0:disconnect_after=20\n"
            "  --stream-file FLV      loop this FLV clip (H.264/AAC) as every room's HTTP-FLV stream\n"
            "  --tls-cert PEM --tls-key PEM   serve https:// and wss:// (e.g. a self-signed pair)\n"
            "  --port-file FILE       write the chosen port to FILE\n"
            "  -q, --quiet / -v, --verbose / -h, --help\n\n"
            "Control at run time: GET /_sim/stats, /_sim/sent?room=R, /_sim/fault?room=R&KEY=VALUE,\n"
            "/_sim/add?unique_id=U&rate=N.\n");
}

static long number(const char *flag, const char *v)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || n < 0) {
        fprintf(stderr, "livetap-sim: %s wants a non-negative number, got \"%s\"\n", flag, v);
        exit(2);
    }
    return n;
}

int main(int argc, char **argv)
{
    lt_log_set_program("livetap-sim");
    lt_sim_options o = {.rooms = 3, .rate = 20, .seed = 1, .need_ack = true, .record_ids = true};
    const char *faults[256], *port_file = NULL;
    size_t fault_count = 0;
    static const struct option opts[] = {
        {"port", required_argument, 0, 'p'}, {"rooms", required_argument, 0, 'r'},
        {"rate", required_argument, 0, 'R'}, {"seed", required_argument, 0, 's'},
        {"api-key", required_argument, 0, 'k'}, {"sign-per-minute", required_argument, 0, 'S'},
        {"heartbeat-ms", required_argument, 0, 'H'}, {"tick-ms", required_argument, 0, 'T'},
        {"no-ack", no_argument, 0, 'A'}, {"broadcast", no_argument, 0, 'B'}, {"no-record-ids", no_argument, 0, 'I'},
        {"replay", required_argument, 0, 'P'}, {"fault", required_argument, 0, 'f'},
        {"port-file", required_argument, 0, 'o'}, {"tls-cert", required_argument, 0, 'C'},
        {"tls-key", required_argument, 0, 'K'}, {"stream-file", required_argument, 0, 'F'}, {"quiet", no_argument, 0, 'q'},
        {"verbose", no_argument, 0, 'v'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "qvh", opts, NULL)) != -1) {
        switch (c) {
        case 'p': o.port = (int)number("--port", optarg); break;
        case 'r': o.rooms = (size_t)number("--rooms", optarg); break;
        case 'R': o.rate = atof(optarg); break;
        case 's': o.seed = (uint64_t)number("--seed", optarg); break;
        case 'k': o.api_key = optarg; break;
        case 'S': o.sign_per_minute = atof(optarg); break;
        case 'H': o.heartbeat_ms = number("--heartbeat-ms", optarg); break;
        case 'T': o.tick_ms = number("--tick-ms", optarg); break;
        case 'A': o.need_ack = false; break;
        case 'B': o.broadcast = true; break;
        case 'I': o.record_ids = false; break;
        case 'P': o.replay_path = optarg; break;
        case 'f':
            if (fault_count < 256)
                faults[fault_count++] = optarg;
            break;
        case 'o': port_file = optarg; break;
        case 'C': o.tls_cert = optarg; break;
        case 'K': o.tls_key = optarg; break;
        case 'F': o.stream_path = optarg; break;
        case 'q': lt_log_set_level(LT_LOG_WARN); break;
        case 'v': lt_log_set_level(LT_LOG_DEBUG); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    char err[512];
    lt_sim *sim = lt_sim_create(&o, err, sizeof err);
    if (!sim) {
        lt_error("cannot start: %s", err);
        return 2;
    }
    for (size_t i = 0; i < fault_count; i++) {
        char spec[256];
        snprintf(spec, sizeof spec, "%s", faults[i]);
        char *colon = strchr(spec, ':'), *eq = colon ? strchr(colon, '=') : NULL;
        if (!colon || !eq) {
            lt_error("--fault wants ROOM:KEY=VALUE, got \"%s\"", faults[i]);
            lt_sim_destroy(sim);
            return 2;
        }
        *colon = *eq = '\0';
        if (lt_sim_configure(sim, spec, colon + 1, eq + 1, err, sizeof err)) {
            lt_error("--fault %s: %s", faults[i], err);
            lt_sim_destroy(sim);
            return 2;
        }
    }
    the_sim = sim;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    if (port_file) {
        FILE *f = fopen(port_file, "w");
        if (f) {
            fprintf(f, "%d\n", lt_sim_port(sim));
            fclose(f);
        }
    }
    printf("livetap-sim listening on %s://127.0.0.1:%d (%zu rooms, %.0f msg/s each)\n", o.tls_cert ? "https" : "http",
           lt_sim_port(sim), o.rooms, o.rate);
    fflush(stdout);
    int rc = lt_sim_run(sim);
    lt_sim_destroy(sim);
    return rc ? 1 : 0;
}
