/* collector/config.h - the collector's configuration: one table of keys
 * (defaults, the YAML file given with --config, --set KEY=VALUE, and the
 * command-line flags that are shorthands for keys) filling this struct.
 * `livetap-collector --config-reference` prints the table as Markdown.
 */
#ifndef LT_COLLECTOR_CONFIG_H
#define LT_COLLECTOR_CONFIG_H

#include <stdbool.h>

#include "core/config.h"

typedef struct lt_collector_config {
    lt_config_list rooms;
    char *rooms_file;
    char *collector_id;
    struct {
        char *bootstrap_servers, *registry_url, *registry_username, *registry_password, *topic_prefix;
        lt_config_list properties, topics;
        long flush_timeout_ms, dedupe_lookback_s, backpressure_wait_ms;
        bool dry_run, require_broker_at_start;
    } kafka;
    struct {
        bool enabled;
        char *control_topic, *group_id;
        long partitions, session_timeout_ms, handover_timeout_s, handover_hold_events, handover_hold_bytes;
    } group;
    struct {
        char *url, *api_key, *client;
        long rate_per_minute, burst;
        bool read_rate_limits;
    } sign;
    struct {
        char *web_base, *api_base, *user_agent, *session_cookies, *proxy, *ws_proxy, *ca_file;
        bool insecure_tls, gzip, room_info, room_info_events, gift_catalogue, host_stats;
        long room_info_interval_s, gift_catalogue_interval_s, price_list_interval_s;
    } tiktok;
    struct {
        long watch_interval_s, stale_timeout_s, backoff_cap_s, max_attempts, dedupe_window;
        long max_messages_per_frame, room_events_per_s, room_events_burst, room_unknown_bytes_per_s,
            room_unknown_bytes_burst, unknown_payload_max_bytes;
        char *record;
    } rooms_behaviour;
    struct {
        bool enabled, auto_track;
        long interval_s, pages, pages_per_minute, backoff_cap_s, min_viewers, max_rooms;
        lt_config_list tags;
    } discovery;
    struct {
        char *level;
        bool json;
    } log;
    struct {
        bool enabled, token_covers_metrics;
        char *listen, *port_file, *token;
        long port, max_rooms;
    } admin;
} lt_collector_config;

/* The whole table (sections kafka, sign, tiktok, behaviour, group,
 * discovery, log, admin), for lt_config_defaults/load_file/set/write_reference. */
extern const lt_config_option lt_collector_options[];

/* kafka.properties and kafka.topics as the run will use them, checked
 * without contacting anything (librdkafka knows its own properties).
 * -1 with the reason, naming the key, in err. */
int lt_collector_config_check_kafka(const lt_collector_config *cfg, char *err, size_t errlen);

#endif
