/* collector/config.c - the collector's option table (collector/config.h). */
#include "collector/config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "bigo/auth.h"
#include "core/contract.h"
#include "kafka/conf.h"
#include "kafka/group_protocol.h"
#include "tiktok/room.h"

#define OPT(name, kind, member, dflt, doc) LT_CONFIG_OPT(lt_collector_config, name, kind, member, dflt, doc)
#define INT(name, member, dflt, min, max, doc)                                                               \
    LT_CONFIG_INT_OPT(lt_collector_config, name, member, dflt, min, max, doc)
#define SECTION(name, table, doc) LT_CONFIG_SECTION_OPT(name, table, doc)
#define END LT_CONFIG_END

const lt_config_option lt_collector_kafka_options[] = {
    OPT("bootstrap_servers", LT_CONFIG_STRING, kafka.bootstrap_servers,
        "${LT_KAFKA_BOOTSTRAP:-127.0.0.1:19092}", "Kafka bootstrap servers"),
    OPT("registry_url", LT_CONFIG_STRING, kafka.registry_url, "${LT_REGISTRY_URL:-}",
        "Confluent-compatible schema registry; empty = Avro single-object encoding"),
    OPT("registry_username", LT_CONFIG_STRING, kafka.registry_username, "${LT_REGISTRY_USERNAME:-}",
        "schema registry basic auth user (user:password@ inside registry_url works too; logs show it as "
        "***)"),
    OPT("registry_password", LT_CONFIG_STRING, kafka.registry_password, "${LT_REGISTRY_PASSWORD:-}",
        "schema registry basic auth password; never logged"),
    OPT("topic_prefix", LT_CONFIG_STRING, kafka.topic_prefix, "livetap", "topics are <prefix>.<type>"),
    OPT("properties", LT_CONFIG_PROPERTIES, kafka.properties, NULL, "librdkafka properties, passed through"),
    OPT("topics", LT_CONFIG_PROPERTIES, kafka.topics, NULL,
        "per-type topic names instead of <prefix>.<type>, e.g. {chat: my.chat} (docs/topics.md)"),
    INT("flush_timeout_ms", kafka.flush_timeout_ms, "10000", 0, 600000, "bound on the flush at shutdown"),
    INT("backpressure_wait_ms", kafka.backpressure_wait_ms, "30000", 1, 3600000,
        "how long reading may stay paused on a full Kafka queue before events are given up (counted, "
        "logged)"),
    OPT("dry_run", LT_CONFIG_BOOL, kafka.dry_run, "false", "print events as JSON lines instead of producing"),
    OPT("require_broker_at_start", LT_CONFIG_BOOL, kafka.require_broker_at_start, "true",
        "exit 2 when no broker answers at start-up; false = start anyway, /readyz 503 until one does"),
    INT("dedupe_lookback_s", kafka.dedupe_lookback_s, "120", 0, 86400,
        "when a room starts, seed its dedupe window with the msg_ids Kafka got in this many seconds "
        "(a restart or a room moved from another collector re-sends recent messages); 0 = off"),
    END,
};

static const lt_config_option group_options[] = {
    OPT("enabled", LT_CONFIG_BOOL, group.enabled, "false",
        "collect the rooms Kafka assigns from the control topic (several collectors share them); "
        "configured rooms are written to the control topic"),
    OPT("control_topic", LT_CONFIG_STRING, group.control_topic, NULL,
        "compacted room topic; empty = <prefix>.rooms"),
    OPT("group_id", LT_CONFIG_STRING, group.group_id, NULL,
        "the collectors' consumer group; empty = <prefix>-collectors"),
    INT("partitions", group.partitions, "120", 1, 10000, "partitions when the control topic is created"),
    INT("session_timeout_ms", group.session_timeout_ms, "10000", 1000, 300000,
        "a collector silent this long loses its rooms to the others"),
    INT("handover_timeout_s", group.handover_timeout_s, "20", 0, 3600,
        "a live room that moves stays with its old collector until the new one is live, at most this long "
        "(make-before-break, docs/operations.md); 0 = stop it at once"),
    INT("handover_hold_events", group.handover_hold_events, "20000", 1, 10000000,
        "events a room's new collector holds at most while the old one finishes; beyond, the oldest are "
        "published early (a duplicate is possible, a loss is not)"),
    INT("handover_hold_bytes", group.handover_hold_bytes, "8388608", 1024, 1073741824,
        "the same bound in bytes of encoded events"),
    END,
};

static const lt_config_option sign_options[] = {
    OPT("url", LT_CONFIG_STRING, sign.url, "${SIGN_API_URL:-https://api.eulerstream.com}",
        "Euler-compatible sign server (GET /webcast/fetch)"),
    OPT("api_key", LT_CONFIG_STRING, sign.api_key, "${SIGN_API_KEY:-}", "sent as x-api-key"),
    OPT("client", LT_CONFIG_STRING, sign.client, "livetap", "the client name the sign server sees"),
    INT("rate_per_minute", sign.rate_per_minute, "60", 0, 1000000,
        "sign calls per minute for the whole process; 0 = no limit"),
    INT("burst", sign.burst, "5", 1, 1000000, "sign calls allowed at once"),
    OPT("read_rate_limits", LT_CONFIG_BOOL, sign.read_rate_limits, "false",
        "lower the pace to what GET /webcast/rate_limits reports"),
    END,
};

static const lt_config_option tiktok_options[] = {
    OPT("enabled", LT_CONFIG_BOOL, tiktok.enabled, "true",
        "run the TikTok source (rooms, discovery); false with bigo.enabled runs BIGO alone"),
    OPT("web_base", LT_CONFIG_STRING, tiktok.web_base, "https://www.tiktok.com", "live pages and api-live"),
    OPT("api_base", LT_CONFIG_STRING, tiktok.api_base, "https://webcast.tiktok.com", "webcast room info"),
    OPT("user_agent", LT_CONFIG_STRING, tiktok.user_agent, NULL,
        "browser User-Agent (signed for); empty = Chrome"),
    OPT("session_cookies", LT_CONFIG_STRING, tiktok.session_cookies, NULL,
        "e.g. 'sessionid=...; tt-target-idc=...' for age-restricted rooms"),
    OPT("proxy", LT_CONFIG_STRING, tiktok.proxy, NULL,
        "HTTP(S) proxy for HTTP; empty = HTTPS_PROXY/ALL_PROXY"),
    OPT("ws_proxy", LT_CONFIG_STRING, tiktok.ws_proxy, NULL, "host:port HTTP CONNECT proxy for WebSockets"),
    OPT("ca_file", LT_CONFIG_STRING, tiktok.ca_file, NULL, "extra CA certificates (e.g. a simulator's)"),
    OPT("insecure_tls", LT_CONFIG_BOOL, tiktok.insecure_tls, "false",
        "accept any certificate (testing only)"),
    OPT("gzip", LT_CONFIG_BOOL, tiktok.gzip, "true", "ask for gzip-compressed push frames"),
    OPT("room_info", LT_CONFIG_BOOL, tiktok.room_info, "true",
        "check webcast/room/info after resolving @user rooms"),
    OPT("room_info_events", LT_CONFIG_BOOL, tiktok.room_info_events, "true",
        "publish <prefix>.room_info (webcast/room/info) when a room goes live and periodically"),
    INT("room_info_interval_s", tiktok.room_info_interval_s, "300", 0, 86400,
        "publish room_info again this often while a room is live; 0 = only on connect"),
    OPT("host_stats", LT_CONFIG_BOOL, tiktok.host_stats, "true",
        "with each room_info, read the host's profile page (www.tiktok.com/@host) and publish its followers, "
        "following, likes, videos, verified and private in room_info.host_stats"),
    OPT("gift_catalogue", LT_CONFIG_BOOL, tiktok.gift_catalogue, "true",
        "publish the gift catalogue (webcast/gift/list) to the compacted <prefix>.gift_info, keyed by gift "
        "id"),
    INT("gift_catalogue_interval_s", tiktok.gift_catalogue_interval_s, "3600", 1, 604800,
        "re-fetch a live room's gift list this often; only new or changed gifts are published"),
    INT("price_list_interval_s", tiktok.price_list_interval_s, "0", 0, 604800,
        "publish TikTok's coin price list (webcast/diamond/) to the compacted <prefix>.price_list, keyed by "
        "currency, at start and then this often (e.g. 3600); 0 = don't"),
    END,
};

static const lt_config_option behaviour_options[] = {
    INT("watch_interval_s", rooms_behaviour.watch_interval_s, "60", 0, 86400,
        "re-check offline or ended @user rooms this often; 0 = don't"),
    INT("stale_timeout_s", rooms_behaviour.stale_timeout_s, "60", 5, 3600,
        "reconnect after this long without a frame"),
    INT("backoff_cap_s", rooms_behaviour.backoff_cap_s, "30", 1, 3600, "longest wait between reconnects"),
    INT("max_attempts", rooms_behaviour.max_attempts, "0", 0, 1000000,
        "give a room up after this many failures in a row; 0 = never"),
    INT("dedupe_window", rooms_behaviour.dedupe_window, "2048", 16, 1048576,
        "msg_ids remembered per room (messages with msg_id 0 cannot be deduplicated; the limits below bound "
        "them)"),
    INT("max_messages_per_frame", rooms_behaviour.max_messages_per_frame, "1000", 1, 1000000,
        "messages kept from one push frame (TikTok sends under 100); the rest are dropped before decoding, "
        "counted in livetap_collector_input_dropped_total{reason=\"frame_messages\"}"),
    INT("room_events_per_s", rooms_behaviour.room_events_per_s, "2000", 0, 100000000,
        "events one room may produce per second on average; a room over it is not read until it is back "
        "under "
        "(TCP pushes back on the sender; nothing received is lost); 0 = no limit"),
    INT("room_events_burst", rooms_behaviour.room_events_burst, "20000", 1, 100000000,
        "events one room may produce at once above room_events_per_s (a backlog after a Kafka pause)"),
    INT("room_unknown_bytes_per_s", rooms_behaviour.room_unknown_bytes_per_s, "262144", 0, 1000000000,
        "bytes of unknown-topic payloads one room may produce per second on average; over it the room is not "
        "read until it is back under; 0 = no limit"),
    INT("room_unknown_bytes_burst", rooms_behaviour.room_unknown_bytes_burst, "4194304", 1, 1000000000,
        "unknown payload bytes one room may produce at once above room_unknown_bytes_per_s"),
    INT("unknown_payload_max_bytes", rooms_behaviour.unknown_payload_max_bytes, "524288", 1024, 100000000,
        "unknown payloads (a frame that does not parse, a message no decoder knows) longer than this are cut "
        "and marked (payload_truncated, payload_length); keep it under the producer's message.max.bytes "
        "(1000000 by default) so that every record fits"),
    OPT("record", LT_CONFIG_STRING, rooms_behaviour.record, NULL,
        "append every push frame to this file as [u32 LE length][bytes]"),
    END,
};

static const lt_config_option discovery_options[] = {
    OPT("enabled", LT_CONFIG_BOOL, discovery.enabled, "false",
        "page TikTok's recommended-live feed while collecting and publish every room it lists to the "
        "compacted "
        "<prefix>.discovered_room, keyed by room id (docs/collector.md); in group mode one collector pages"),
    INT("interval_s", discovery.interval_s, "60", 1, 86400, "a round of paging this often"),
    INT("pages", discovery.pages, "3", 1, 100, "feed pages per round (fewer when the feed has no more)"),
    INT("pages_per_minute", discovery.pages_per_minute, "30", 0, 6000,
        "at most this many feed requests a minute, whatever the other settings; 0 = no limit"),
    INT("backoff_cap_s", discovery.backoff_cap_s, "600", 1, 86400,
        "after a 429 or a captcha the next round waits an interval, then doubles (with jitter) up to this"),
    OPT("auto_track", LT_CONFIG_BOOL, discovery.auto_track, "false",
        "collect discovered rooms that pass the filters below, the most viewed first, up to max_rooms; "
        "release "
        "them when they end (rooms added otherwise are never released); in group mode through the control "
        "topic, by the collector owning its partition 0 (docs/collector.md)"),
    INT("min_viewers", discovery.min_viewers, "0", 0, 1000000000,
        "auto_track: rooms with fewer viewers are not tracked"),
    OPT("tags", LT_CONFIG_STRING_LIST, discovery.tags, NULL,
        "auto_track: only rooms with one of these tags (the feed's hashtag, e.g. Music; case-insensitive); "
        "empty = any"),
    INT("max_rooms", discovery.max_rooms, "10", 1, 100000,
        "auto_track: at most this many rooms tracked this way (group mode: for the whole fleet)"),
    END,
};

const lt_config_option lt_collector_log_options[] = {
    OPT("level", LT_CONFIG_STRING, log.level, "info", "debug, info, warn or error"),
    OPT("json", LT_CONFIG_BOOL, log.json, "false", "JSON log lines"),
    END,
};

static const lt_config_option admin_options[] = {
    OPT("enabled", LT_CONFIG_BOOL, admin.enabled, "true",
        "serve the admin API, /healthz, /readyz and /metrics"),
    OPT("listen", LT_CONFIG_STRING, admin.listen, "127.0.0.1", "address to bind (0.0.0.0 = every interface)"),
    INT("port", admin.port, "8080", 0, 65535, "TCP port; 0 = any free port (logged, and see port_file)"),
    OPT("port_file", LT_CONFIG_STRING, admin.port_file, NULL,
        "write the bound port to this file once listening"),
    OPT("token", LT_CONFIG_STRING, admin.token, "${LT_ADMIN_TOKEN:-}",
        "if set, /rooms needs 'Authorization: Bearer <token>' (401 otherwise); /healthz and /readyz stay "
        "open"),
    OPT("token_covers_metrics", LT_CONFIG_BOOL, admin.token_covers_metrics, "false",
        "/metrics needs the token too (it names the rooms)"),
    INT("max_rooms", admin.max_rooms, "10000", 1, 10000000,
        "POST /rooms answers 429 once this collector has this many rooms (standalone mode)"),
    END,
};

const lt_config_option lt_collector_bigo_listen_options[] = {
    OPT("address", LT_CONFIG_STRING, bigo.listen.address, "127.0.0.1", "address the WebSocket server binds"),
    INT("port", bigo.listen.port, "8780", 0, 65535, "port (0 = any free port)"),
    OPT("path", LT_CONFIG_STRING, bigo.listen.path, "/bigo/push", "the WebSocket path given to BIGO"),
    OPT("tls_cert", LT_CONFIG_STRING, bigo.listen.tls_cert, NULL,
        "PEM certificate: serve wss (BIGO connects with wss)"),
    OPT("tls_key", LT_CONFIG_STRING, bigo.listen.tls_key, NULL, "PEM private key of tls_cert"),
    END,
};

const lt_config_option lt_collector_bigo_push_options[] = {
    OPT("abbr", LT_CONFIG_STRING, bigo.push.abbr, "${BIGO_PLATFORM_ABBR:-}",
        "our platform abbreviation (in the login sign)"),
    OPT("accounts", LT_CONFIG_STRING, bigo.push.accounts, "${BIGO_PUSH_ACCOUNTS:-}",
        "account:password[,account:password...] BIGO logs in with"),
    OPT("accounts_file", LT_CONFIG_STRING, bigo.push.accounts_file, NULL, "file of account:password lines"),
    INT("login_window_s", bigo.push.login_window_s, "300", 0, 86400,
        "max clock difference of a login timestamp; 0 = any"),
    OPT("sign_check", LT_CONFIG_STRING, bigo.push.sign_check, "log",
        "per-message sign (formula unpublished): off, log or enforce"),
    INT("idle_timeout_s", bigo.push.idle_timeout_s, "30", 1, 3600, "close a connection silent this long"),
    INT("login_timeout_s", bigo.push.login_timeout_s, "10", 1, 3600,
        "close a connection not logged in this long after it opened (pings do not extend it)"),
    INT("max_connections", bigo.push.max_connections, "256", 1, 1000000,
        "WebSocket connections open at once; more are refused at the upgrade"),
    INT("max_connections_per_address", bigo.push.max_connections_per_address, "16", 1, 1000000,
        "connections open at once from one peer address"),
    INT("login_failures_per_min", bigo.push.login_failures_per_min, "60", 1, 1000000,
        "failed logins per peer address (burst 10); over it the connection is closed unanswered and the "
        "address refused until the rate allows again"),
    INT("max_frame_bytes", bigo.push.max_frame_bytes, "1048576", 1024, 67108864,
        "larger messages close the connection"),
    INT("max_msgs_per_s", bigo.push.max_msgs_per_s, "100", 1, 1000000,
        "per connection (burst: twice); more = close"),
    INT("max_items", bigo.push.max_items, "10000", 1, 1000000, "items per batch; more = rescode 400"),
    INT("ack_timeout_ms", bigo.push.ack_timeout_ms, "10000", -1, 3600000,
        "answer 503 if Kafka has not acknowledged a batch by then; -1 = wait"),
    INT("dedupe_capacity", bigo.push.dedupe_capacity, "1000000", 1024, 100000000,
        "item keys remembered (push + pull)"),
    END,
};

const lt_config_option lt_collector_bigo_pull_options[] = {
    OPT("enabled", LT_CONFIG_BOOL, bigo.pull.enabled, "false", "poll /broom/pull_data for what push lost"),
    OPT("base_url", LT_CONFIG_STRING, bigo.pull.base_url, "https://oauth.bigolive.tv", "BIGO open API"),
    OPT("tokens", LT_CONFIG_PROPERTIES, bigo.pull.tokens, NULL,
        "openid: access token (or \"access refresh\"), e.g. from ${ENV}"),
    OPT("tokens_file", LT_CONFIG_STRING, bigo.pull.tokens_file, NULL,
        "lines \"openid access_token [refresh_token]\"; rewritten after a token refresh"),
    OPT("client_id", LT_CONFIG_STRING, bigo.pull.client_id, "${BIGO_CLIENT_ID:-}",
        "bigo-client-id for signed calls"),
    OPT("private_key_file", LT_CONFIG_STRING, bigo.pull.private_key_file, "${BIGO_PRIVATE_KEY_FILE:-}",
        "PEM key (RSA or P-256) signing ping and token refresh"),
    OPT("ca_file", LT_CONFIG_STRING, bigo.pull.ca_file, NULL, "extra CA certificates"),
    OPT("insecure_tls", LT_CONFIG_BOOL, bigo.pull.insecure_tls, "false",
        "accept any certificate (testing only)"),
    INT("interval_ms", bigo.pull.interval_ms, "2000", 100, 600000,
        "per session, while pages come back short"),
    INT("batch", bigo.pull.batch, "100", 1, 1000, "items per room per page"),
    INT("rate_per_user", bigo.pull.rate_per_user, "5", 1, 10,
        "requests per second per anchor (BIGO allows 10)"),
    INT("backoff_cap_ms", bigo.pull.backoff_cap_ms, "60000", 1000, 3600000, "longest wait after errors"),
    INT("lookback_s", bigo.pull.lookback_s, "3600", 0, 86400,
        "pull from this long before a session was first seen"),
    INT("session_idle_s", bigo.pull.session_idle_s, "3600", 10, 86400,
        "forget a session without news this long"),
    INT("timeout_ms", bigo.pull.timeout_ms, "10000", 100, 600000, "per request"),
    OPT("game_id", LT_CONFIG_STRING, bigo.pull.game_id, NULL, "game id for sessions we mount (rooms)"),
    OPT("rooms", LT_CONFIG_STRING_LIST, bigo.pull.rooms, NULL,
        "anchor openids: enable_danmu at start, ping, disable at stop"),
    INT("game_duration_s", bigo.pull.game_duration_s, "3600", 1, 86400 * 7,
        "game_duration sent with enable_danmu"),
    INT("ping_interval_s", bigo.pull.ping_interval_s, "30", 5, 110,
        "keep-alive of mounted sessions (BIGO resets after 120 s)"),
    OPT("gift_catalogue", LT_CONFIG_BOOL, bigo.pull.gift_catalogue, "true",
        "publish each token anchor's gift list (/gift/get_list) to the compacted <prefix>.gift_info, keyed "
        "bigo:<giftid>; needs a token (pull.tokens or pull.tokens_file), not pull.enabled"),
    INT("gift_catalogue_interval_s", bigo.pull.gift_catalogue_interval_s, "300", 1, 600,
        "re-fetch each anchor's gift list this often (BIGO: cache 5-10 min at most)"),
    INT("gift_catalogue_min_refresh_s", bigo.pull.gift_catalogue_min_refresh_s, "10", 1, 600,
        "extra gift list requests (unknown gift id, new session) at most this often per anchor"),
    END,
};

const lt_config_option lt_collector_bigo_dedupe_options[] = {
    OPT("seed", LT_CONFIG_BOOL, bigo.dedupe.seed, "true",
        "at start, read the bigo_key header of the records published in the last seed_lookback_s back from "
        "Kafka "
        "and do not publish those items again (a batch retried across a restart, pull's overlap)"),
    INT("seed_lookback_s", bigo.dedupe.seed_lookback_s, "3600", 1, 86400,
        "how far back (pull starts 1 h back and BIGO keeps 1 h; push.dedupe_capacity should hold that many "
        "keys)"),
    INT("seed_timeout_ms", bigo.dedupe.seed_timeout_ms, "60000", 1000, 240000,
        "bound on the read at start; when hit, start with what was read (a few duplicates possible, never a "
        "loss)"),
    INT("seed_max_records", bigo.dedupe.seed_max_records, "2000000", 1000, 100000000,
        "bound on the records read at start (TikTok's records in shared topics count too)"),
    END,
};

static const lt_config_option bigo_options[] = {
    OPT("enabled", LT_CONFIG_BOOL, bigo.enabled, "false",
        "run the BIGO source: the push receiver BIGO connects to, and pull (docs/bigo.md)"),
    SECTION("listen", lt_collector_bigo_listen_options, "the WebSocket server BIGO pushes to"),
    SECTION("push", lt_collector_bigo_push_options, "login, checks and limits of the push channel"),
    SECTION("pull", lt_collector_bigo_pull_options, "pull compensation and the game sessions we mount"),
    SECTION("dedupe", lt_collector_bigo_dedupe_options,
            "dedupe across restarts: the ledger seeded from Kafka at start"),
    END,
};

const lt_config_option lt_collector_options[] = {
    OPT("rooms", LT_CONFIG_STRING_LIST, rooms, NULL, "@user, profile/live URL or numeric room id"),
    OPT("rooms_file", LT_CONFIG_STRING, rooms_file, NULL, "one room per line ('#' comments)"),
    OPT("collector_id", LT_CONFIG_STRING, collector_id, NULL,
        "written on every record; empty = livetap-collector-<pid>"),
    SECTION("kafka", lt_collector_kafka_options, "where events go"),
    SECTION("sign", sign_options, "the sign server"),
    SECTION("tiktok", tiktok_options, "TikTok endpoints and transport"),
    SECTION("behaviour", behaviour_options, "reconnects, watching, dedupe, limits on what a room can cost"),
    SECTION("group", group_options, "scale-out: rooms assigned by a Kafka consumer group"),
    SECTION("discovery", discovery_options, "live rooms from TikTok's recommended-live feed"),
    SECTION("log", lt_collector_log_options, "logging"),
    SECTION("admin", admin_options, "the admin HTTP API, health and metrics (docs/operations.md)"),
    SECTION("bigo", bigo_options, "BIGO Live: push receiver and pull (off by default)"),
    END,
};

int lt_collector_config_check_kafka(const lt_collector_config *cfg, char *err, size_t errlen)
{
    char why[2048];
    lt_kafka_properties props;
    if (lt_kafka_properties_split((const char *const *)cfg->kafka.properties.items,
                                  cfg->kafka.properties.count, &props, why, sizeof why)) {
        snprintf(err, errlen, "kafka.properties: %s", why);
        return -1;
    }
    /* group.protocol first: on a librdkafka without KIP-848 the builder
     * would only say "No such configuration property" */
    bool consumer_protocol;
    if (lt_kafka_group_protocol(props.items, props.count, &consumer_protocol, err, errlen)) {
        lt_kafka_properties_free(&props);
        return -1;
    }
    rd_kafka_conf_t *conf = NULL;
    if (!cfg->kafka.dry_run && !(conf = lt_kafka_conf_build(cfg->kafka.bootstrap_servers, NULL, 0,
                                                            props.items, props.count, why, sizeof why))) {
        lt_kafka_properties_free(&props);
        snprintf(err, errlen, "kafka.properties: %s", why);
        return -1;
    }
    if (conf)
        rd_kafka_conf_destroy(conf);
    lt_kafka_properties_free(&props);
    lt_topic_override *overrides = NULL;
    lt_topic_names names;
    int bad = lt_topic_overrides_parse((const char *const *)cfg->kafka.topics.items, cfg->kafka.topics.count,
                                       &overrides, why, sizeof why) ||
              lt_topic_names_init(&names, cfg->kafka.topic_prefix, overrides, cfg->kafka.topics.count, why,
                                  sizeof why);
    free(overrides);
    if (bad) {
        snprintf(err, errlen, "kafka.topics: %s", why);
        return -1;
    }
    lt_topic_names_free(&names);
    return 0;
}

int lt_collector_config_check_bigo(const lt_collector_config *cfg, const char *prefix, char *err,
                                   size_t errlen)
{
    lt_bigo_sign_mode sign_mode;
    if (!cfg->bigo.push.abbr || !*cfg->bigo.push.abbr) {
        snprintf(err, errlen,
                 "%spush.abbr: the platform abbreviation BIGO mixes into its login signature is empty",
                 prefix);
        return -1;
    }
    if ((!cfg->bigo.push.accounts || !*cfg->bigo.push.accounts) &&
        (!cfg->bigo.push.accounts_file || !*cfg->bigo.push.accounts_file)) {
        snprintf(err, errlen, "no push account: set %spush.accounts or %spush.accounts_file", prefix, prefix);
        return -1;
    }
    if (lt_bigo_sign_mode_from_name(cfg->bigo.push.sign_check, &sign_mode)) {
        snprintf(err, errlen, "%spush.sign_check: expected off, log or enforce, found \"%s\"", prefix,
                 cfg->bigo.push.sign_check);
        return -1;
    }
    return 0;
}

typedef struct room_check {
    char *err;
    size_t errlen;
} room_check;

static int check_room(void *ctx, const char *entry)
{
    room_check *rc = ctx;
    lt_tiktok_room_ref ref;
    char why[256];
    if (lt_tiktok_room_parse(entry, &ref, why, sizeof why) != 0) {
        snprintf(rc->err, rc->errlen, "rooms: %s", why);
        return -1;
    }
    return 0;
}

int lt_collector_config_check(const lt_collector_config *cfg, char *err, size_t errlen)
{
    if (cfg->bigo.enabled && lt_collector_config_check_bigo(cfg, "bigo.", err, errlen))
        return -1;
    if (!cfg->tiktok.enabled && !cfg->bigo.enabled) {
        snprintf(err, errlen, "no source: tiktok.enabled and bigo.enabled are both false");
        return -1;
    }
    if (cfg->group.enabled && cfg->bigo.enabled) {
        snprintf(err, errlen,
                 "group.enabled: group mode shares TikTok rooms only; run BIGO in a collector "
                 "without it");
        return -1;
    }
    if (!cfg->bigo.enabled && !cfg->admin.enabled && !cfg->discovery.enabled && cfg->rooms.count == 0 &&
        !(cfg->rooms_file && *cfg->rooms_file)) {
        snprintf(err, errlen,
                 "no rooms: give --rooms, --rooms-file or rooms: in --config (or enable the admin API to add "
                 "them)");
        return -1;
    }
    room_check rc = {err, errlen};
    for (size_t i = 0; i < cfg->rooms.count; i++)
        if (lt_tiktok_room_list_each(cfg->rooms.items[i], check_room, &rc) != 0)
            return -1;
    return lt_collector_config_check_kafka(cfg, err, errlen);
}
