/* recorder/config.c - livetap-recorder's configuration table and run
 * (recorder/config.h). */
#include "recorder/config.h"

#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/log.h"
#include "kafka/conf.h"
#include "recorder/recorder.h"

#define OPT(name, kind, member, dflt, doc) LT_CONFIG_OPT(lt_recorder_config, name, kind, member, dflt, doc)
#define INT(name, member, dflt, min, max, doc)                                                               \
    LT_CONFIG_INT_OPT(lt_recorder_config, name, member, dflt, min, max, doc)
#define SECTION(name, table, doc) LT_CONFIG_SECTION_OPT(name, table, doc)
#define END LT_CONFIG_END

static const lt_config_option kafka_options[] = {
    OPT("bootstrap_servers", LT_CONFIG_STRING, kafka.bootstrap_servers,
        "${LT_KAFKA_BOOTSTRAP:-127.0.0.1:19092}", "Kafka bootstrap servers"),
    OPT("registry_url", LT_CONFIG_STRING, kafka.registry_url, "${LT_REGISTRY_URL:-}",
        "schema registry (required: room_info is read with its writer schema)"),
    OPT("registry_username", LT_CONFIG_STRING, kafka.registry_username, "${LT_REGISTRY_USERNAME:-}",
        "basic auth user"),
    OPT("registry_password", LT_CONFIG_STRING, kafka.registry_password, "${LT_REGISTRY_PASSWORD:-}",
        "basic auth password; never logged"),
    OPT("topic_prefix", LT_CONFIG_STRING, kafka.topic_prefix, "livetap",
        "reads <prefix>.room_info, writes <prefix>.video_segment"),
    OPT("group_id", LT_CONFIG_STRING, kafka.group_id, NULL,
        "the recorders' consumer group; empty = <prefix>-recorders"),
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
    OPT("prefer_hls", LT_CONFIG_BOOL, stream.prefer_hls, "false",
        "record a room's HLS where it offers one; false = HTTP-FLV, HLS only for rooms without FLV"),
    END,
};
static const lt_config_option admin_options[] = {
    OPT("enabled", LT_CONFIG_BOOL, admin.enabled, "true", "serve /healthz, /readyz and /metrics"),
    OPT("listen", LT_CONFIG_STRING, admin.listen, "127.0.0.1", "address to bind"),
    INT("port", admin.port, "8082", 0, 65535, "TCP port; 0 = any free port (see port_file)"),
    OPT("port_file", LT_CONFIG_STRING, admin.port_file, NULL, "write the bound port to this file"),
    END,
};
const lt_config_option lt_recorder_config_options[] = {
    OPT("recorder_id", LT_CONFIG_STRING, recorder_id, NULL,
        "written on every record; empty = livetap-recorder-<pid>"),
    OPT("rooms", LT_CONFIG_STRING_LIST, rooms, NULL,
        "room ids or shell patterns (7400*) to record; empty = every room"),
    OPT("qualities", LT_CONFIG_STRING_LIST, qualities, "HD1,SD1,FULL_HD1,SD2,ORIGIN",
        "qualities in order of preference; a room offering none of them is recorded in its best"),
    INT("max_rooms", max_rooms, "1000", 1, 1000000, "rooms one recorder records at most"),
    INT("room_info_max_age_s", room_info_max_age_s, "900", 0, 100000000,
        "room_info records older than this are ignored (a new group reads the topic from the start); 0 = "
        "never"),
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

int lt_recorder_config_check(const lt_recorder_config *cfg, char *err, size_t errlen)
{
    if (!cfg->kafka.registry_url || !*cfg->kafka.registry_url) {
        snprintf(err, errlen,
                 "kafka.registry_url: the schema registry is required (room_info is read with its "
                 "writer schema); set it or LT_REGISTRY_URL");
        return -1;
    }
    if (!cfg->storage.dir || !*cfg->storage.dir) {
        snprintf(err, errlen, "storage.dir: empty; name the directory segments go to");
        return -1;
    }
    return 0;
}

void lt_recorder_config_summary(const lt_recorder_config *cfg, FILE *out)
{
    fprintf(out,
            "room_info from %s.room_info (%s), segments of %ld s to %s, quota %ld bytes, %zu room pattern(s)",
            cfg->kafka.topic_prefix, cfg->kafka.bootstrap_servers, cfg->storage.segment_s, cfg->storage.dir,
            cfg->storage.max_bytes, cfg->rooms.count);
}

static int write_port_file(const char *path, int port)
{
    FILE *f = fopen(path, "w");
    if (!f || fprintf(f, "%d\n", port) < 0 || fclose(f) != 0) {
        lt_error("admin.port_file: cannot write %s", path);
        return -1;
    }
    return 0;
}

int lt_recorder_main(lt_recorder_config *cfg)
{
    char err[512], id[64], group[256];
    snprintf(id, sizeof id, "livetap-recorder-%d", (int)getpid());
    snprintf(group, sizeof group, "%s-recorders", cfg->kafka.topic_prefix);
    lt_kafka_properties props = {0};
    if (lt_kafka_properties_split((const char *const *)cfg->kafka.properties.items,
                                  cfg->kafka.properties.count, &props, err, sizeof err)) {
        lt_error("kafka.properties: %s", err);
        return 2;
    }
    lt_recorder_options o = {
        .recorder_id = cfg->recorder_id && cfg->recorder_id[0] ? cfg->recorder_id : id,
        .bootstrap_servers = cfg->kafka.bootstrap_servers,
        .registry_url = cfg->kafka.registry_url,
        .registry_username = cfg->kafka.registry_username,
        .registry_password = cfg->kafka.registry_password,
        .topic_prefix = cfg->kafka.topic_prefix,
        .group_id = cfg->kafka.group_id && cfg->kafka.group_id[0] ? cfg->kafka.group_id : group,
        .properties = props.items,
        .property_count = props.count,
        .rooms = (const char *const *)cfg->rooms.items,
        .room_count = cfg->rooms.count,
        .qualities = (const char *const *)cfg->qualities.items,
        .quality_count = cfg->qualities.count,
        .max_rooms = (size_t)cfg->max_rooms,
        .info_max_age_ms = cfg->room_info_max_age_s * 1000,
        .dir = cfg->storage.dir,
        .segment_ms = cfg->storage.segment_s * 1000,
        .max_bytes = (uint64_t)cfg->storage.max_bytes,
        .max_age_ms = cfg->storage.max_age_s * 1000,
        .stall_ms = cfg->stream.stall_s * 1000,
        .prefer_hls = cfg->stream.prefer_hls,
        .backoff_cap_ms = cfg->stream.backoff_cap_s * 1000,
        .admin_enabled = cfg->admin.enabled,
        .admin_listen = cfg->admin.listen,
        .admin_port = (int)cfg->admin.port,
    };
    lt_recorder *rec = lt_recorder_create(&o, err, sizeof err);
    if (!rec) {
        lt_error("cannot start: %s", err);
        lt_kafka_properties_free(&props);
        return 2;
    }
    int rc = 2;
    if (cfg->admin.port_file && *cfg->admin.port_file && cfg->admin.enabled &&
        write_port_file(cfg->admin.port_file, lt_recorder_admin_port(rec)))
        goto done;
    the_recorder = rec;
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    lt_info("recorder %s: room_info from %s.room_info, segments to %s", o.recorder_id, o.topic_prefix, o.dir);
    rc = lt_recorder_run(rec) ? 1 : 0;
    the_recorder = NULL;
done:
    lt_recorder_destroy(rec);
    lt_kafka_properties_free(&props);
    return rc;
}
