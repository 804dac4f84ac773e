/* livetap-recorder - records the video of the rooms <prefix>.room_info
 * names, in a Kafka consumer group with the other recorders, into segment
 * files, one <prefix>.video_segment record per closed segment
 * (src/recorder/recorder.h, docs/recorder.md). The command line is the
 * one every livetap program shares (core/cli.h); the configuration table
 * and the run are recorder/config.h's. */
#include <stdio.h>

#include "core/cli.h"
#include "core/log.h"
#include "recorder/config.h"

static const lt_cli_flag flags[] = {
    {"kafka", "kafka.bootstrap_servers", true, "HOST:PORT bootstrap servers ($LT_KAFKA_BOOTSTRAP)"},
    {"registry", "kafka.registry_url", true, "URL      schema registry ($LT_REGISTRY_URL; required)"},
    {"topic-prefix", "kafka.topic_prefix", true,
     "P        reads P.room_info, writes P.video_segment (livetap)"},
    {"dir", "storage.dir", true, "DIR      where segments go (recordings)"},
    {"rooms", "rooms", true, "LIST     room ids or patterns to record (default: every room)"},
};

static int validate(const void *config_, char *err, size_t errlen)
{
    return lt_recorder_config_check(config_, err, errlen);
}

static void summary(const void *config_, FILE *out)
{
    lt_recorder_config_summary(config_, out);
}

static const lt_cli_program program = {
    .name = "livetap-recorder",
    .usage = "usage: livetap-recorder [options]\n"
             "Record the video of the rooms <prefix>.room_info names into segment files, one\n"
             "<prefix>.video_segment record per closed segment.",
    .epilog = "Every key: --config-reference or docs/configuration.md; see docs/recorder.md.",
    .options = lt_recorder_config_options,
    .flags = flags,
    .flag_count = sizeof flags / sizeof flags[0],
    .log_level_key = "log_level",
    .validate = validate,
    .summary = summary,
};

int main(int argc, char **argv)
{
    lt_log_set_program("livetap-recorder");
    static lt_recorder_config cfg;
    lt_cli_outcome parsed = lt_cli_parse(&program, &cfg, argc, argv);
    int rc = parsed.run ? lt_recorder_main(&cfg) : parsed.status;
    lt_config_free(lt_recorder_config_options, &cfg);
    return rc;
}
