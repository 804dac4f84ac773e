/* recorder/config.h - livetap-recorder's configuration: the one table
 * (core/config.h) the command line reads, the checks a start and
 * --check-config share, and the run from a parsed configuration (what
 * src/cmd/livetap-recorder.c calls). */
#ifndef LT_RECORDER_CONFIG_H
#define LT_RECORDER_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#include "core/config.h"

typedef struct lt_recorder_config {
    char *recorder_id;
    lt_config_list rooms, qualities;
    long max_rooms, room_info_max_age_s;
    struct {
        char *bootstrap_servers, *registry_url, *registry_username, *registry_password, *topic_prefix,
            *group_id;
        lt_config_list properties;
    } kafka;
    struct {
        char *dir;
        long segment_s, max_bytes, max_age_s;
    } storage;
    struct {
        long stall_s, backoff_cap_s;
        bool prefer_hls;
    } stream;
    struct {
        bool enabled;
        char *listen, *port_file;
        long port;
    } admin;
    char *log_level;
} lt_recorder_config;

extern const lt_config_option lt_recorder_config_options[];

/* What the table cannot check: the registry is required, storage.dir not
 * empty. -1 with the reason, naming the key. */
int lt_recorder_config_check(const lt_recorder_config *cfg, char *err, size_t errlen);
/* One line: where room_info comes from, where segments go. */
void lt_recorder_config_summary(const lt_recorder_config *cfg, FILE *out);
/* Records until SIGTERM/SIGINT: 0 stopped cleanly, 1 the run failed, 2
 * start-up error (logged). */
int lt_recorder_main(lt_recorder_config *cfg);

#endif
