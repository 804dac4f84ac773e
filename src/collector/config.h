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
        bool enabled, insecure_tls, gzip, room_info, room_info_events, gift_catalogue, host_stats;
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
    /* the BIGO source (docs/bigo.md); the keys livetap-bigo had at the top
     * level live here under bigo: */
    struct lt_collector_bigo_config {
        bool enabled;
        struct {
            char *address, *path, *tls_cert, *tls_key;
            long port;
        } listen;
        struct {
            char *abbr, *accounts, *accounts_file, *sign_check;
            long login_window_s, login_timeout_s, max_connections, max_connections_per_address,
                login_failures_per_min, idle_timeout_s, max_frame_bytes, max_msgs_per_s, max_items,
                ack_timeout_ms, dedupe_capacity;
        } push;
        struct {
            bool enabled, insecure_tls, gift_catalogue;
            char *base_url, *tokens_file, *client_id, *private_key_file, *ca_file, *game_id;
            lt_config_list tokens, rooms;
            long interval_ms, batch, rate_per_user, backoff_cap_ms, lookback_s, session_idle_s, timeout_ms,
                game_duration_s, ping_interval_s, gift_catalogue_interval_s, gift_catalogue_min_refresh_s;
        } pull;
        struct {
            bool seed;
            long seed_lookback_s, seed_timeout_ms, seed_max_records;
        } dedupe;
    } bigo;
    /* not keys: set by the program */
    const char *default_id_prefix; /* collector_id when empty: <this>-<pid>; NULL = livetap-collector */
    bool print_admin_port;         /* "admin on N" on stdout (livetap-bigo did) */
    bool admin_without_rooms;      /* probes and metrics only, no /rooms (livetap-bigo's admin port) */
} lt_collector_config;

/* The whole table (sections kafka, sign, tiktok, behaviour, group,
 * discovery, log, admin), for lt_config_defaults/load_file/set/write_reference. */
extern const lt_config_option lt_collector_options[];

/* The bigo section's parts and the kafka and log sections, for
 * livetap-bigo, whose file has them at the top level (the same keys). */
extern const lt_config_option lt_collector_bigo_listen_options[], lt_collector_bigo_push_options[],
    lt_collector_bigo_pull_options[], lt_collector_bigo_dedupe_options[], lt_collector_kafka_options[],
    lt_collector_log_options[];

/* What the table cannot check in the bigo section (when enabled); -1
 * with the reason, naming the key. prefix is how keys are named ("bigo."
 * or "" for livetap-bigo). */
int lt_collector_config_check_bigo(const lt_collector_config *cfg, const char *prefix, char *err,
                                   size_t errlen);

/* kafka.properties and kafka.topics as the run will use them, checked
 * without contacting anything (librdkafka knows its own properties).
 * -1 with the reason, naming the key, in err. */
int lt_collector_config_check_kafka(const lt_collector_config *cfg, char *err, size_t errlen);

/* What a start and --check-config refuse alike, beyond the table's own
 * bounds (nothing is contacted): a source enabled, rooms to collect (or a
 * way to add them), every room parsing, group mode without BIGO, the bigo
 * section (when enabled) and the Kafka properties and topics building.
 * -1 with the reason, naming the key, in err. */
int lt_collector_config_check(const lt_collector_config *cfg, char *err, size_t errlen);

#endif
