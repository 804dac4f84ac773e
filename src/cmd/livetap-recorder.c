/* livetap-recorder - records the video of the rooms <prefix>.room_info
 * names, in a Kafka consumer group with the other recorders, into segment
 * files, one <prefix>.video_segment record per closed segment
 * (src/recorder/recorder.h, docs/recorder.md). Configuration: defaults, a
 * YAML file given with --config, then flags (each one key) and --set. */
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/log.h"
#include "recorder/recorder.h"

typedef struct config {
    char *recorder_id;
    lt_config_list rooms, qualities;
    long max_rooms, room_info_max_age_s;
    struct {
        char *bootstrap_servers, *registry_url, *registry_username, *registry_password, *topic_prefix, *group_id;
        lt_config_list properties;
    } kafka;
    struct {
        char *dir;
        long segment_s, max_bytes, max_age_s;
    } storage;
    struct {
        long stall_s, backoff_cap_s;
    } stream;
    struct {
        bool enabled;
        char *listen, *port_file;
        long port;
    } admin;
    char *log_level;
} config;

#define OPT(name, kind, member, dflt, doc) {name, kind, offsetof(config, member), dflt, doc, NULL, 0, 0}
#define INT(name, member, dflt, min, max, doc) {name, LT_CONFIG_INT, offsetof(config, member), dflt, doc, NULL, min, max}
#define SECTION(name, table, doc) {name, LT_CONFIG_SECTION, 0, NULL, doc, table, 0, 0}
#define END {NULL, 0, 0, NULL, NULL, NULL, 0, 0}

static const lt_config_option kafka_options[] = {
    OPT("bootstrap_servers", LT_CONFIG_STRING, kafka.bootstrap_servers, "${LT_KAFKA_BOOTSTRAP:-127.0.0.1:19092}",
        "Kafka bootstrap servers"),
    OPT("registry_url", LT_CONFIG_STRING, kafka.registry_url, "${LT_REGISTRY_URL:-}",
        "schema registry (required: room_info is read with its writer schema)"),
    OPT("registry_username", LT_CONFIG_STRING, kafka.registry_username, "${LT_REGISTRY_USERNAME:-}", "basic auth user"),
    OPT("registry_password", LT_CONFIG_STRING, kafka.registry_password, "${LT_REGISTRY_PASSWORD:-}",
        "basic auth password; never logged"),
    OPT("topic_prefix", LT_CONFIG_STRING, kafka.topic_prefix, "livetap",
        "reads <prefix>.room_info, writes <prefix>.video_segment"),
    OPT("group_id", LT_CONFIG_STRING, kafka.group_id, NULL, "the recorders' consumer group; empty = <prefix>-recorders"),
    OPT("properties", LT_CONFIG_PROPERTIES, kafka.properties, NULL, "librdkafka properties, passed through"),
    END,
};
static const lt_config_option storage_options[] = {
    OPT("dir", LT_CONFIG_STRING, storage.dir, "recordings", "segments go to <dir>/<room_id>/"),
    INT("segment_s", storage.segment_s, "60", 1, 86400, "segment length; cut at the first keyframe after it"),
    INT("max_bytes", storage.max_bytes, "10737418240", 0, 0x7fffffffffffffffL,
        "quota over every segment in dir: the oldest are deleted to stay under it; 0 = none"),
    INT("max_age_s", storage.max_age_s, "0", 0, 100000000, "delete segments older than this; 0 = keep"),
    END,
};
static const lt_config_option stream_options[] = {
    INT("stall_s", stream.stall_s, "10", 1, 3600, "no bytes this long: close the segment and reconnect"),
    INT("backoff_cap_s", stream.backoff_cap_s, "30", 1, 3600, "longest wait between reconnects"),
    END,
};
static const lt_config_option admin_options[] = {
    OPT("enabled", LT_CONFIG_BOOL, admin.enabled, "true", "serve /healthz, /readyz and /metrics"),
    OPT("listen", LT_CONFIG_STRING, admin.listen, "127.0.0.1", "address to bind"),
    INT("port", admin.port, "8082", 0, 65535, "TCP port; 0 = any free port (see port_file)"),
    OPT("port_file", LT_CONFIG_STRING, admin.port_file, NULL, "write the bound port to this file"),
    END,
};
static const lt_config_option options[] = {
    OPT("recorder_id", LT_CONFIG_STRING, recorder_id, NULL, "written on every record; empty = livetap-recorder-<pid>"),
    OPT("rooms", LT_CONFIG_STRING_LIST, rooms, NULL, "room ids or shell patterns (7400*) to record; empty = every room"),
    OPT("qualities", LT_CONFIG_STRING_LIST, qualities, "HD1,SD1,FULL_HD1,SD2,ORIGIN",
        "qualities in order of preference; a room offering none of them is recorded in its best"),
    INT("max_rooms", max_rooms, "1000", 1, 1000000, "rooms one recorder records at most"),
    INT("room_info_max_age_s", room_info_max_age_s, "900", 0, 100000000,
        "room_info records older than this are ignored (a new group reads the topic from the start); 0 = never"),
    SECTION("kafka", kafka_options, "where room_info comes from and video_segment goes"),
    SECTION("storage", storage_options, "segment files, quota and retention"),
    SECTION("stream", stream_options, "the HTTP-FLV connections"),
    SECTION("admin", admin_options, "health and metrics"),
    OPT("log_level", LT_CONFIG_STRING, log_level, "info", "debug, info, warn or error"),
    END,
};

static lt_recorder *the_recorder;
static void on_signal(int sig)
{
    (void)sig;
    if (the_recorder)
        lt_recorder_stop(the_recorder);
}

static void usage(FILE *out)
{
    fprintf(out, "usage: livetap-recorder [--config FILE] [--set KEY=VALUE]... [flags]\n"
                 "  --kafka HOST:PORT  --registry URL  --topic-prefix P  --dir DIR  --rooms LIST\n"
                 "  --config-reference     print every key with its default and meaning\n"
                 "  -v / -q / -h\n");
}

int main(int argc, char **argv)
{
    lt_log_set_program("livetap-recorder");
    static config cfg;
    char err[512];
    if (lt_config_defaults(options, &cfg, err, sizeof err)) {
        lt_error("%s", err);
        return 2;
    }
    static const struct option longopts[] = {
        {"config", required_argument, 0, 'c'}, {"set", required_argument, 0, 's'},
        {"kafka", required_argument, 0, 'k'}, {"registry", required_argument, 0, 'r'},
        {"topic-prefix", required_argument, 0, 't'}, {"dir", required_argument, 0, 'd'},
        {"rooms", required_argument, 0, 'R'}, {"config-reference", no_argument, 0, 'C'},
        {"verbose", no_argument, 0, 'v'}, {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    static const char *const keys[128] = {['k'] = "kafka.bootstrap_servers=", ['r'] = "kafka.registry_url=",
                                          ['t'] = "kafka.topic_prefix=", ['d'] = "storage.dir=", ['R'] = "rooms="};
    int c;
    while ((c = getopt_long(argc, argv, "vqh", longopts, NULL)) != -1) {
        char set[2048];
        switch (c) {
        case 'c':
            if (lt_config_load_file(options, &cfg, optarg, err, sizeof err)) {
                lt_error("%s", err);
                return 2;
            }
            break;
        case 'k': case 'r': case 't': case 'd': case 'R': case 's':
            snprintf(set, sizeof set, "%s%s", c == 's' ? "" : keys[c], optarg);
            if (lt_config_set(options, &cfg, set, err, sizeof err)) {
                lt_error("%s", err);
                return 2;
            }
            break;
        case 'C': lt_config_write_reference(options, stdout); return 0;
        case 'v': lt_log_set_level(LT_LOG_DEBUG); break;
        case 'q': lt_log_set_level(LT_LOG_WARN); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    char id[64], group[256];
    snprintf(id, sizeof id, "livetap-recorder-%d", (int)getpid());
    snprintf(group, sizeof group, "%s-recorders", cfg.kafka.topic_prefix);
    lt_kafka_property props[64];
    size_t nprops = 0;
    for (size_t i = 0; i < cfg.kafka.properties.count && nprops < 64; i++) {
        char *item = cfg.kafka.properties.items[i];
        char *eq = strchr(item, '=');
        if (eq)
            props[nprops++] = (lt_kafka_property){strndup(item, (size_t)(eq - item)), eq + 1};
    }
    lt_recorder_options o = {
        .recorder_id = cfg.recorder_id && cfg.recorder_id[0] ? cfg.recorder_id : id,
        .bootstrap_servers = cfg.kafka.bootstrap_servers,
        .registry_url = cfg.kafka.registry_url,
        .registry_username = cfg.kafka.registry_username,
        .registry_password = cfg.kafka.registry_password,
        .topic_prefix = cfg.kafka.topic_prefix,
        .group_id = cfg.kafka.group_id && cfg.kafka.group_id[0] ? cfg.kafka.group_id : group,
        .properties = props,
        .property_count = nprops,
        .rooms = (const char *const *)cfg.rooms.items,
        .room_count = cfg.rooms.count,
        .qualities = (const char *const *)cfg.qualities.items,
        .quality_count = cfg.qualities.count,
        .max_rooms = (size_t)cfg.max_rooms,
        .info_max_age_ms = cfg.room_info_max_age_s * 1000,
        .dir = cfg.storage.dir,
        .segment_ms = cfg.storage.segment_s * 1000,
        .max_bytes = (uint64_t)cfg.storage.max_bytes,
        .max_age_ms = cfg.storage.max_age_s * 1000,
        .stall_ms = cfg.stream.stall_s * 1000,
        .backoff_cap_ms = cfg.stream.backoff_cap_s * 1000,
        .admin_enabled = cfg.admin.enabled,
        .admin_listen = cfg.admin.listen,
        .admin_port = (int)cfg.admin.port,
    };
    lt_recorder *rec = lt_recorder_create(&o, err, sizeof err);
    if (!rec) {
        lt_error("cannot start: %s", err);
        return 2;
    }
    if (cfg.admin.port_file && cfg.admin.enabled) {
        FILE *f = fopen(cfg.admin.port_file, "w");
        if (f) {
            fprintf(f, "%d\n", lt_recorder_admin_port(rec));
            fclose(f);
        }
    }
    the_recorder = rec;
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    lt_info("recorder %s: room_info from %s.room_info, segments to %s", o.recorder_id, o.topic_prefix, o.dir);
    int rc = lt_recorder_run(rec);
    the_recorder = NULL;
    lt_recorder_destroy(rec);
    for (size_t i = 0; i < nprops; i++)
        free((char *)props[i].name);
    lt_config_free(options, &cfg);
    return rc ? 1 : 0;
}
