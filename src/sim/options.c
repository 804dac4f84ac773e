/* options.c - the simulator's option table (core/config.h) and the faults a
 * configuration asks for at start.
 *
 * The same keys come from a YAML file, --set or the flags of livetap-sim;
 * every number has its bounds, so `--rooms abc` or `port: 70000` is refused
 * naming the key instead of becoming 0 or wrapping.
 */
#include <stdio.h>
#include <string.h>

#include "sim/sim_internal.h"

#define OPT(name_, kind_, field_, dflt, doc_)                                                                \
    {                                                                                                        \
        .name = name_, .kind = kind_, .offset = offsetof(lt_sim_options, field_), .default_value = dflt,     \
        .doc = doc_                                                                                          \
    }
#define INT(name_, field_, dflt, lo, hi, doc_)                                                               \
    {                                                                                                        \
        .name = name_, .kind = LT_CONFIG_INT, .offset = offsetof(lt_sim_options, field_),                    \
        .default_value = dflt, .doc = doc_, .min = lo, .max = hi                                             \
    }

const lt_config_option lt_sim_option_table[] = {
    INT("port", port, "0", 0, 65535, "listen port on 127.0.0.1; 0 = any free port (printed at start)"),
    OPT("port_file", LT_CONFIG_STRING, port_file, NULL, "write the port listened on to this file"),
    INT("rooms", rooms, "3", 0, 100000, "rooms simhost0 .. simhost<N-1>"),
    INT("rate", rate, "20", 0, 1000000, "messages per second per room"),
    INT("seed", seed, "1", 0, 0x7fffffffffffffffL, "traffic seed: the same seed gives the same traffic"),
    OPT("api_key", LT_CONFIG_STRING, api_key, NULL,
        "require this sign-server API key (x-api-key or apiKey=)"),
    INT("sign_per_minute", sign_per_minute, "0", 0, 1000000000,
        "sign calls allowed per minute, all rooms; 0 = no limit"),
    INT("heartbeat_ms", heartbeat_ms, "10000", 1, 3600000, "the heartbeat interval announced to clients"),
    INT("tick_ms", tick_ms, "100", 1, 60000, "frame batching period"),
    OPT("broadcast", LT_CONFIG_BOOL, broadcast, "false",
        "every message of a room to every connection open on it, as TikTok does; once connected to, a room "
        "goes on sending whether anyone listens or not (false: each connection its own share of the rate)"),
    OPT("need_ack", LT_CONFIG_BOOL, need_ack, "true", "set need_ack on every 4th pushed frame"),
    OPT("record_ids", LT_CONFIG_BOOL, record_ids, "true",
        "keep sent msg_ids for /_sim/sent (false for long benchmarks)"),
    OPT("replay", LT_CONFIG_STRING, replay_path, NULL,
        "push this capture ([u32 LE length][frame]...) into simhost0"),
    OPT("faults", LT_CONFIG_STRING_LIST, faults, NULL,
        "ROOM:KEY=VALUE faults or states set at start, e.g. simhost1:state=offline, "
        "simhost0:disconnect_after=20; room \"feed\" is the recommended-live feed (feed:http_429_first=2)"),
    OPT("tls_cert", LT_CONFIG_STRING, tls_cert, NULL,
        "PEM certificate: serve https:// and wss:// (with tls_key)"),
    OPT("tls_key", LT_CONFIG_STRING, tls_key, NULL, "PEM private key of tls_cert"),
    OPT("stream_file", LT_CONFIG_STRING, stream_path, NULL,
        "an FLV clip (H.264/AAC) looped as every room's HTTP-FLV stream at /stream/<room>_<quality>.flv; "
        "empty = room info keeps the CDN URLs"),
    OPT("stream_hls", LT_CONFIG_STRING, stream_hls_dir, NULL,
        "a directory with an HLS clip (index.m3u8 and its MPEG-TS segments, e.g. ffmpeg -f hls) looped as "
        "every "
        "room's live HLS at /hls/<room>_<quality>/index.m3u8; empty = room info keeps the CDN URLs"),
    INT("feed_page_size", feed_page_size, "4", 1, 100, "live rooms per page of the recommended-live feed"),
    OPT("log_level", LT_CONFIG_STRING, log_level, "info", "debug, info, warn or error"),
    {.name = NULL},
};

int lt_sim_apply_faults(lt_sim *sim, char *err, size_t errlen)
{
    for (size_t i = 0; i < sim->opts.faults.count; i++) {
        const char *fault = sim->opts.faults.items[i];
        char spec[256], why[256];
        snprintf(spec, sizeof spec, "%s", fault);
        char *colon = strchr(spec, ':'), *eq = colon ? strchr(colon, '=') : NULL;
        if (!colon || !eq) {
            snprintf(err, errlen, "faults: expected ROOM:KEY=VALUE, found \"%s\"", fault);
            return -1;
        }
        *colon = *eq = '\0';
        if (lt_sim_configure(sim, spec, colon + 1, eq + 1, why, sizeof why)) {
            snprintf(err, errlen, "faults: %s: %s", fault, why);
            return -1;
        }
    }
    return 0;
}
