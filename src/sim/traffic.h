/* traffic.h - the simulator's rooms and the WebCast messages they produce.
 *
 * Internal to src/sim. A room is a small deterministic generator: given the
 * process seed and its index it always produces the same sequence of
 * messages (chat-heavy, batched likes, gift streaks with cumulative repeat
 * counts, joins, follows and shares, a viewer count every few seconds, the
 * odd battle, now and then each other method livetap types, and a few
 * methods no client knows), each with a unique msg_id.
 * Messages are packed into a FetchResult, optionally gzipped, and wrapped in
 * a PushFrame exactly as TikTok sends them.
 */
#ifndef LT_SIM_TRAFFIC_H
#define LT_SIM_TRAFFIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

typedef enum lt_sim_room_state {
    LT_SIM_LIVE = 0,
    LT_SIM_OFFLINE,        /* live page and API say status 4 */
    LT_SIM_NOT_FOUND,      /* no such user */
    LT_SIM_AGE_RESTRICTED, /* api-live 4003110, room/info prompts */
    LT_SIM_CAPTCHA,        /* a WAF challenge page instead of SIGI_STATE */
} lt_sim_room_state;

/* Per-room fault modes (all 0 = a healthy room). */
typedef struct lt_sim_faults {
    int sign_429_first;      /* answer 429 to the first K sign calls */
    int refuse_first;        /* refuse the first K WebSocket handshakes (HTTP 200 + Handshake-Status) */
    char refuse_status[16];  /* "415" */
    char refuse_msg[64];     /* "DEVICE_BLOCKED" */
    int disconnect_after;    /* close each connection after M message frames */
    bool no_gzip;            /* ignore compress=gzip */
    int64_t end_after_ms;    /* send Control action 3 this long after the first connection */
    int malformed_every;     /* every Nth frame is garbage */
    int64_t silent_after_ms; /* stop sending (and answering) this long into each connection */
    int resend;              /* messages re-sent at the start of a reconnection (default 5) */
    int room_info_fail_first;     /* answer HTTP 500 to the first K room/info requests */
    int gift_list_garbage_first;  /* answer cut-off JSON to the first K gift/list requests */
    int64_t stream_stall_after_ms; /* each stream connection goes silent this long in */
    int64_t stream_cut_after_ms;   /* each stream connection closes mid-tag this long in */
    int64_t stream_expire_s;       /* stream URLs expire this long after room/info gave them */
    int64_t stream_end_after_ms;   /* the stream ends this long after its first connection */
    /* hostile frames, each sent once as the next frame (then reset to 0) */
    int64_t flood_empty;   /* a FetchResult of N empty message entries (`0a 00`), gzipped if asked */
    int64_t flood_unknown; /* a FetchResult of N messages of an unknown method, msg_id 0 */
    int64_t huge_garbage;  /* a frame of N bytes that is not a PushFrame */
    /* the profile page (profile.c): the first K requests answer HTTP 429,
     * a captcha page, or a cut-off state script */
    int profile_429_first, profile_captcha_first, profile_garbage_first;
    uint64_t profile_fault_from; /* profile_requests when one of them was set */
    bool profile_sigi;           /* the older SIGI_STATE UserModule shape */
} lt_sim_faults;

/* The host's profile stats, as the profile page and room/info show them;
 * /_sim/fault changes them (followers=, likes=, ...). */
typedef struct lt_sim_profile {
    int64_t followers, following, likes, videos;
    bool verified, private_account;
} lt_sim_profile;

typedef struct lt_sim_room_stats {
    uint64_t sent;           /* unique messages written to a socket (or in a fetch result) */
    uint64_t resent;         /* repeats after a reconnect */
    uint64_t frames;
    uint64_t malformed;
    uint64_t connections;
    uint64_t open;           /* push connections open now */
    uint64_t overlaps;       /* connections opened while another was open (collected twice) */
    uint64_t refused;
    uint64_t sign_calls;
    uint64_t sign_429;
    uint64_t heartbeats;
    uint64_t enter_room;
    uint64_t acks_expected;
    uint64_t acks;
    uint64_t unknown_methods; /* messages with a method no client knows */
    uint64_t room_info_requests;
    uint64_t gift_list_requests;
    uint64_t profile_requests;
    uint64_t stream_connections; /* HTTP-FLV requests answered with a stream */
    uint64_t hls_playlists, hls_segments; /* HLS playlists and segments served */
    uint64_t stream_bytes;
    uint64_t stream_cuts;
    uint64_t hostile_frames; /* flood_empty / flood_unknown / huge_garbage frames sent */
    bool ended;
    bool end_acked;      /* the client acked the frame that carried the stream's end */
    int last_close_code; /* the client's WebSocket close status on the last push socket;
                                1006 if it went without a close frame, 0 none closed yet */
} lt_sim_room_stats;

typedef struct lt_sim_room {
    char unique_id[64];
    int64_t room_id;
    uint32_t index;
    lt_sim_room_state state;
    lt_sim_faults faults;
    lt_sim_profile profile;
    double rate;             /* messages per second */
    uint64_t rng;
    int64_t next_msg_id;
    int64_t highest_sent;
    /* recent message payloads for re-sending after a reconnect */
    struct lt_sim_recent {
        char method[48];
        lt_buf payload;
        int64_t msg_id;
    } recent[16];
    size_t recent_next, recent_count;
    /* gift streak in progress */
    int64_t streak_group, streak_gift;
    int streak_count, streak_len;
    int64_t like_total;
    int64_t live_since_ms;   /* when the simulated LIVE started (room info, live page) */
    int64_t last_viewers_ms;
    int64_t first_connect_ms;
    int64_t stream_first_ms; /* the first HTTP-FLV connection */
    bool stream_ended;       /* stream_end_after_ms passed: the URLs answer 404 */
    /* exactly-once bookkeeping for tests */
    bool record_ids;
    int64_t *ids;
    size_t id_count, id_cap;
    lt_sim_room_stats stats;
    /* broadcast mode: the room's messages, numbered, for every connection
     * to send from its own cursor */
    struct lt_sim_recent *log;
    uint64_t log_seq;        /* messages generated */
    double log_due;
} lt_sim_room;

#define LT_SIM_LOG 512       /* broadcast messages kept for connections that lag */

/* The gift catalogue webcast/gift/list/ serves; generated gifts are drawn
 * from it. The first LT_SIM_CHEAP_GIFTS are the cheap, streakable ones most
 * viewers send. */
typedef struct lt_sim_gift {
    int64_t id;
    const char *name;
    int diamonds;
    int type;                /* 1 = streakable */
    const char *describe;
} lt_sim_gift;
extern const lt_sim_gift lt_sim_gifts[];
extern const size_t lt_sim_gift_count;
#define LT_SIM_CHEAP_GIFTS 10

/* A gift's image URL (the same in the catalogue and in gift messages). */
void lt_sim_gift_image_url(const lt_sim_gift *gift, char *out, size_t outlen);

/* One generated message, before packing. */
typedef struct lt_sim_message {
    const char *method;
    lt_buf payload;
    int64_t msg_id;
    bool unknown;
} lt_sim_message;

void lt_sim_room_init(lt_sim_room *room, uint32_t index, uint64_t seed, const char *unique_id, int64_t room_id,
                      double rate);
void lt_sim_room_free(lt_sim_room *room);

/* Generates the room's next message into *msg (payload reused). */
int lt_sim_room_next(lt_sim_room *room, int64_t now_ms, lt_sim_message *msg);
/* A Control message (action 3 = ended). */
int lt_sim_room_control(lt_sim_room *room, int64_t now_ms, int action, lt_sim_message *msg);
/* One message of the notice, moderation or unauthorized-member family
 * (traffic_notice.c), chosen and filled from one random draw: sets
 * msg->method and c->method, packs the payload around the common header c
 * into msg->payload. */
struct Livetap__Webcast__Common;
int lt_sim_notice_family(uint64_t draw, lt_sim_message *msg, struct Livetap__Webcast__Common *c);
/* One of the other 19 typed methods (traffic_more.c: room content,
 * co-hosting and battles, room features), chosen and filled from one random
 * draw around a viewer from the room's user generator; sets msg->method and
 * c->method and packs the payload into msg->payload as above. */
struct Livetap__Webcast__User;
int lt_sim_more_family(const lt_sim_room *room, uint64_t draw, const struct Livetap__Webcast__User *viewer,
                       lt_sim_message *msg, struct Livetap__Webcast__Common *c);

/* Records a message as sent (once per msg_id) and keeps it for re-sending. */
void lt_sim_room_mark_sent(lt_sim_room *room, const lt_sim_message *msg);

/* Packs messages into a FetchResult (appended to out). */
typedef struct lt_sim_fetch_spec {
    const char *cursor;
    const char *internal_ext;
    const char *push_server;
    const char *route_key, *route_value; /* one route param, or NULL */
    int64_t now_ms;
    int64_t heartbeat_ms;
    bool need_ack;
    bool is_first;
} lt_sim_fetch_spec;

int lt_sim_pack_fetch_result(const lt_sim_message *msgs, size_t n, const lt_sim_fetch_spec *spec, lt_buf *out);
/* Wraps a payload in a PushFrame (appended to out); gzip compresses it. */
int lt_sim_pack_frame(uint64_t seq_id, uint64_t log_id, const char *payload_type, const uint8_t *payload,
                      size_t len, bool gzip, lt_buf *out);

#endif
