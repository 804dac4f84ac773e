/* livetap-sidecar - Kafka topics re-exposed as a WebSocket per room.
 *
 * Parses flags, loads the YAML config (flags win over the file, the file
 * over the environment defaults), runs the sidecar until SIGINT/SIGTERM,
 * then closes clients with 1001. Exit status: 0 after a clean stop, 1 on a
 * runtime failure, 2 on a start-up error (bad flags or config, Kafka or
 * registry unreachable, port in use).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "sidecar/sidecar.h"

static lt_sidecar *running;

static void on_signal(int sig)
{
    (void)sig;
    lt_sidecar_stop(running);
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: livetap-sidecar [options]\n"
            "Serve livetap's Kafka topics as WebSockets: ws://HOST:PORT/ws/{room_id}\n"
            "(query: types=chat,gift  since=<epoch ms>  cursor=<from a frame>  access_token=)\n"
            "and a live view at http://HOST:PORT/ and /rooms/{room_id}.\n\n"
            "  -c, --config FILE       YAML configuration (see config/sidecar.yaml)\n"
            "  --listen HOST           address to bind (default 127.0.0.1)\n"
            "  -p, --port N            port (default 8090; 0 = any free port, printed)\n"
            "  --tls-cert PEM --tls-key PEM  serve https/wss with this certificate and key\n"
            "  --kafka HOST:PORT       bootstrap servers (default $LT_KAFKA_BOOTSTRAP or 127.0.0.1:19092)\n"
            "  --registry URL          schema registry (default $LT_REGISTRY_URL)\n"
            "  --no-registry           single-object Avro only\n"
            "  --topic-prefix P        topics are P.<type> (default livetap)\n"
            "  --www DIR               the live-view page's files\n"
            "  --token T               accept this static bearer token (repeatable; turns auth on)\n"
            "  --jwt-secret S          accept HS256 JWTs signed with S (turns auth on)\n"
            "  --max-clients N, --max-clients-per-address N, --queue-frames N, --queue-bytes N\n"
            "  --connect-rate-per-address N  new connections per second per address (0 = unlimited)\n"
            "  --max-handshakes-per-address N  sockets not yet upgraded from one address (default 32)\n"
            "  --header-timeout S      a request's headers must arrive within S seconds (default 5)\n"
            "  --max-replays N         since=/cursor= replays served at once (default 8)\n"
            "  --jwt-max-lifetime S    a connection on a JWT ends after S seconds at most, whatever its exp (default 86400)\n"
            "  --event-loop epoll|poll epoll (libev, default) or libwebsockets' poll() loop\n"
            "  --check-config          validate the configuration and exit\n"
            "  -v, --verbose / -q, --quiet\n"
            "  -h, --help\n");
}

static int add_token(lt_sidecar_config *cfg, const char *token)
{
    char **more = realloc(cfg->tokens, (cfg->token_count + 1) * sizeof(char *));
    if (!more)
        return -1;
    cfg->tokens = more;
    if (!(cfg->tokens[cfg->token_count] = strdup(token)))
        return -1;
    cfg->token_count++;
    return 0;
}

int main(int argc, char **argv)
{
    enum { O_LISTEN = 256, O_KAFKA, O_REGISTRY, O_NO_REGISTRY, O_PREFIX, O_WWW, O_TOKEN, O_JWT,
           O_MAXC, O_MAXIP, O_QF, O_QB, O_CHECK, O_TLS_CERT, O_TLS_KEY, O_CRATE, O_LOOP,
           O_HANDSHAKES, O_HEADER_TIMEOUT, O_REPLAYS, O_JWT_LIFE };
    bool check_only = false;
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},      {"listen", required_argument, NULL, O_LISTEN},
        {"port", required_argument, NULL, 'p'},        {"kafka", required_argument, NULL, O_KAFKA},
        {"registry", required_argument, NULL, O_REGISTRY}, {"no-registry", no_argument, NULL, O_NO_REGISTRY},
        {"topic-prefix", required_argument, NULL, O_PREFIX}, {"www", required_argument, NULL, O_WWW},
        {"token", required_argument, NULL, O_TOKEN},   {"jwt-secret", required_argument, NULL, O_JWT},
        {"max-clients", required_argument, NULL, O_MAXC},
        {"max-clients-per-address", required_argument, NULL, O_MAXIP},
        {"connect-rate-per-address", required_argument, NULL, O_CRATE},
        {"queue-frames", required_argument, NULL, O_QF}, {"queue-bytes", required_argument, NULL, O_QB},
        {"check-config", no_argument, NULL, O_CHECK},
        {"tls-cert", required_argument, NULL, O_TLS_CERT}, {"tls-key", required_argument, NULL, O_TLS_KEY},
        {"event-loop", required_argument, NULL, O_LOOP},
        {"max-handshakes-per-address", required_argument, NULL, O_HANDSHAKES},
        {"header-timeout", required_argument, NULL, O_HEADER_TIMEOUT},
        {"max-replays", required_argument, NULL, O_REPLAYS},
        {"jwt-max-lifetime", required_argument, NULL, O_JWT_LIFE},
        {"verbose", no_argument, NULL, 'v'},           {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},              {NULL, 0, NULL, 0},
    };
    lt_sidecar_config cfg;
    char err[512];
    int verbosity = 0;
    lt_log_set_program("livetap-sidecar");
    lt_sidecar_config_defaults(&cfg);
    /* The config file first, so that flags override it wherever they appear. */
    for (int i = 1; i < argc - 1; i++)
        if (strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) {
            if (lt_sidecar_config_load(argv[i + 1], &cfg, err, sizeof(err)) < 0) {
                fprintf(stderr, "livetap-sidecar: %s\n", err);
                lt_sidecar_config_free(&cfg);
                return 2;
            }
        }
    int opt, rc = 0;
    while ((opt = getopt_long(argc, argv, "c:p:vqh", longopts, NULL)) != -1) {
        const char *number = NULL; /* the flag of a numeric option */
        switch (opt) {
        case 'c': break;
        case 'p': number = "--port"; break;
        case O_LISTEN: rc |= lt_sidecar_config_set(&cfg.listen, optarg); break;
        case O_KAFKA: rc |= lt_sidecar_config_set(&cfg.kafka_bootstrap, optarg); break;
        case O_REGISTRY: rc |= lt_sidecar_config_set(&cfg.registry_url, optarg); break;
        case O_NO_REGISTRY: rc |= lt_sidecar_config_set(&cfg.registry_url, ""); break;
        case O_PREFIX: rc |= lt_sidecar_config_set(&cfg.topic_prefix, optarg); break;
        case O_WWW: rc |= lt_sidecar_config_set(&cfg.www_dir, optarg); break;
        case O_TOKEN: rc |= add_token(&cfg, optarg); break;
        case O_JWT: rc |= lt_sidecar_config_set(&cfg.jwt_secret, optarg); break;
        case O_MAXC: number = "--max-clients"; break;
        case O_MAXIP: number = "--max-clients-per-address"; break;
        case O_CRATE: number = "--connect-rate-per-address"; break;
        case O_QF: number = "--queue-frames"; break;
        case O_QB: number = "--queue-bytes"; break;
        case O_HANDSHAKES: number = "--max-handshakes-per-address"; break;
        case O_HEADER_TIMEOUT: number = "--header-timeout"; break;
        case O_REPLAYS: number = "--max-replays"; break;
        case O_JWT_LIFE: number = "--jwt-max-lifetime"; break;
        case O_CHECK: check_only = true; break;
        case O_TLS_CERT: rc |= lt_sidecar_config_set(&cfg.tls_cert, optarg); break;
        case O_TLS_KEY: rc |= lt_sidecar_config_set(&cfg.tls_key, optarg); break;
        case O_LOOP: rc |= lt_sidecar_config_set(&cfg.event_loop, optarg); break;
        case 'v': verbosity++; break;
        case 'q': verbosity--; break;
        case 'h': usage(stdout); lt_sidecar_config_free(&cfg); return 0;
        default: usage(stderr); lt_sidecar_config_free(&cfg); return 2;
        }
        if (number && lt_sidecar_config_set_number(&cfg, number, optarg, err, sizeof(err)) < 0) {
            fprintf(stderr, "livetap-sidecar: %s\n", err);
            lt_sidecar_config_free(&cfg);
            return 2;
        }
    }
    if (rc || optind < argc) {
        usage(stderr);
        lt_sidecar_config_free(&cfg);
        return 2;
    }
    lt_log_level level = LT_LOG_INFO;
    if (cfg.log_level && lt_log_level_from_name(cfg.log_level, &level) != 0) {
        fprintf(stderr, "livetap-sidecar: log level: expected debug, info, warn or error, found \"%s\"\n", cfg.log_level);
        lt_sidecar_config_free(&cfg);
        return 2;
    }
    if (lt_sidecar_config_validate(&cfg, err, sizeof(err)) < 0) {
        fprintf(stderr, "livetap-sidecar: %s\n", err);
        lt_sidecar_config_free(&cfg);
        return 2;
    }
    bool tls = cfg.tls_cert && *cfg.tls_cert;
    if (check_only) { /* the file parsed (unknown keys and bad values refused); nothing is contacted */
        char shown_registry[1024];
        printf("configuration OK: listen %s://%s:%u, Kafka %s, topics %s.<type>, registry %s, auth %s\n",
               tls ? "https" : "http", cfg.listen, cfg.port, cfg.kafka_bootstrap, cfg.topic_prefix,
               cfg.registry_url && *cfg.registry_url ? lt_log_url(cfg.registry_url, shown_registry, sizeof shown_registry)
                                                     : "none (single-object Avro)",
               cfg.token_count || (cfg.jwt_secret && *cfg.jwt_secret) ? "on" : "off");
        lt_sidecar_config_free(&cfg);
        return 0;
    }
    if (verbosity > 0)
        level = LT_LOG_DEBUG;
    else if (verbosity < 0)
        level = LT_LOG_WARN;
    lt_log_set_level(level);

    running = lt_sidecar_create(&cfg, err, sizeof(err));
    if (!running) {
        fprintf(stderr, "livetap-sidecar: %s\n", err);
        lt_sidecar_config_free(&cfg);
        return 2;
    }
    /* Tests and scripts that pass --port 0 read the port from this line. */
    printf("livetap-sidecar listening on %s://%s:%d/\n", tls ? "https" : "http", cfg.listen,
           lt_sidecar_port(running));
    fflush(stdout);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    rc = lt_sidecar_run(running) == 0 ? 0 : 1;
    lt_sidecar_destroy(running);
    running = NULL;
    lt_sidecar_config_free(&cfg);
    lt_info("stopped");
    return rc;
}
