/* livetap-sidecar - Kafka topics re-exposed as a WebSocket per room.
 *
 * Flags, config (the sidecar's option table, src/sidecar/config.c, through
 * the shared command line of core/cli.h), then the sidecar runs until
 * SIGINT/SIGTERM and closes clients with 1001. Exit status: 0 after a clean
 * stop, 1 on a runtime failure, 2 on a start-up error (bad flags or config,
 * Kafka or registry unreachable, port in use).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "core/cli.h"
#include "core/log.h"
#include "sidecar/sidecar.h"

static const lt_cli_flag flags[] = {
    {"listen", "listen", true, "HOST     address to bind (127.0.0.1)"},
    {"port", "port", true, "N        port (8090; 0 = any free port, printed)"},
    {"tls-cert", "tls_cert", true, "PEM      serve https/wss with this certificate (and --tls-key)"},
    {"tls-key", "tls_key", true, "PEM      its private key"},
    {"kafka", "kafka.bootstrap", true, "HOST:PORT bootstrap servers ($LT_KAFKA_BOOTSTRAP, 127.0.0.1:19092)"},
    {"registry", "registry.url", true, "URL      schema registry ($LT_REGISTRY_URL)"},
    {"no-registry", "registry.url=", false, "         no registry: single-object Avro only"},
    {"topic-prefix", "kafka.topic_prefix", true, "P        topics are P.<type> (livetap)"},
    {"www", "www_dir", true, "DIR      the live-view page's files"},
    {"token", "auth.tokens", true, "T        accept this static bearer token (repeatable; turns auth on)"},
    {"jwt-secret", "auth.jwt_secret", true, "S        accept HS256 JWTs signed with S (turns auth on)"},
    {"jwt-max-lifetime", "auth.jwt_max_lifetime_s", true,
     "S        a JWT connection ends after S seconds (86400)"},
    {"max-clients", "limits.max_clients", true, "N        clients at once (10000)"},
    {"max-clients-per-address", "limits.max_clients_per_address", true,
     "N        ... from one address (1000)"},
    {"connect-rate-per-address", "limits.connect_rate_per_address", true,
     "N        new connections per second per address (100; 0 = unlimited)"},
    {"max-handshakes-per-address", "limits.max_handshakes_per_address", true,
     "N        sockets not yet upgraded from one address (32)"},
    {"header-timeout", "limits.header_timeout_s", true,
     "S        a request's headers must arrive within S (5)"},
    {"queue-frames", "limits.queue_frames", true, "N        per-client queue, frames (4096)"},
    {"queue-bytes", "limits.queue_bytes", true, "N        per-client queue, bytes (8388608)"},
    {"max-replays", "limits.max_replays", true, "N        since=/cursor= replays served at once (8)"},
    {"event-loop", "event_loop", true, "NAME     epoll (libev, default) or poll"},
};

static const lt_cli_short shorts[] = {{'p', "port"}};

static int validate(const void *cfg, char *err, size_t errlen)
{
    return lt_sidecar_config_validate(cfg, err, errlen);
}

static void summary(const void *cfg, FILE *out)
{
    lt_sidecar_config_summary(cfg, out);
}

static const lt_cli_program program = {
    .name = "livetap-sidecar",
    .usage = "usage: livetap-sidecar [options]\n"
             "Serve livetap's Kafka topics as WebSockets: ws://HOST:PORT/ws/{room_id}\n"
             "(query: types=chat,gift  since=<epoch ms>  cursor=<from a frame>  access_token=)\n"
             "and a live view at http://HOST:PORT/ and /rooms/{room_id}.",
    .epilog =
        "Every key: --config-reference or docs/configuration.md; commented example: config/sidecar.yaml.",
    .options = lt_sidecar_options,
    .flags = flags,
    .flag_count = sizeof flags / sizeof flags[0],
    .shorts = shorts,
    .short_count = sizeof shorts / sizeof shorts[0],
    .log_level_key = "log_level",
    .validate = validate,
    .summary = summary,
};

static lt_sidecar *running;

static void on_signal(int sig)
{
    (void)sig;
    lt_sidecar_stop(running);
}

static int run(const lt_sidecar_config *cfg)
{
    char err[512];
    running = lt_sidecar_create(cfg, err, sizeof(err));
    if (!running) {
        fprintf(stderr, "livetap-sidecar: %s\n", err);
        return 2;
    }
    /* Tests and scripts that pass --port 0 read the port from this line. */
    printf("livetap-sidecar listening on %s://%s:%d/\n", cfg->tls_cert && *cfg->tls_cert ? "https" : "http",
           cfg->listen, lt_sidecar_port(running));
    fflush(stdout);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    int rc = lt_sidecar_run(running) == 0 ? 0 : 1;
    lt_sidecar_destroy(running);
    running = NULL;
    lt_info("stopped");
    return rc;
}

int main(int argc, char **argv)
{
    lt_sidecar_config cfg;
    memset(&cfg, 0, sizeof cfg);
    lt_cli_outcome parsed = lt_cli_parse(&program, &cfg, argc, argv);
    int rc = parsed.run ? run(&cfg) : parsed.status;
    lt_sidecar_config_free(&cfg);
    return rc;
}
