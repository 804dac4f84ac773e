/* sim_internal.h - what the simulator's files share (not a public header). */
#ifndef LT_SIM_INTERNAL_H
#define LT_SIM_INTERNAL_H

#include <libwebsockets.h>
#include <jansson.h>
#include <signal.h>

#include "core/event.h"
#include "sim/sim.h"
#include "sim/traffic.h"

typedef enum pss_kind { PSS_HTTP = 0, PSS_PUSH, PSS_STREAM } pss_kind;

typedef struct pss pss;

/* Per connection (lws allocates it for HTTP requests and push sockets). */
struct pss {
    lt_sim *sim;
    lt_sim_room *(*room_ptr)(pss *);
    bool counted_open;         /* counted in the room's open connections */
    pss_kind kind;
    struct lws *wsi;
    lt_buf out;           /* LWS_PRE headroom + the bytes to write */
    lt_buf rx;            /* a client frame being reassembled */
    bool rx_overflow;
    bool responding;
    /* push sockets */
    uint32_t room_index;
    bool gzip, entered, resend_pending, closing, silent;
    double due;           /* messages owed to this socket */
    uint64_t cursor;      /* broadcast: the next of the room's messages to send */
    uint64_t seq, frames, frames_or_garbage;
    uint64_t ack_log_ids[8];
    unsigned ack_next;
    uint64_t last_log_id, end_log_id; /* the end frame's, to see it acked */
    int64_t end_sent_ms;              /* the stream's end was sent: the client closes now */
    bool peer_closed;                 /* the client sent a close frame */
    int64_t started_ms;
    /* stream connections (stream.c) */
    int64_t stream_expire_s;   /* the URL's expiry; 0 = none */
    size_t stream_next;        /* the clip's next tag */
    uint64_t stream_loop;      /* loops of the clip sent */
    bool stream_head_sent;
    pss *next;
};

/* A one-time token a sign call hands out for one push connection. */
typedef struct lt_sim_token {
    char token[40];
    char ttwid[80];
    uint32_t room_index;
    bool used;
} lt_sim_token;

#define LT_SIM_TOKENS 4096

typedef struct lt_sim_clip lt_sim_clip;
typedef struct lt_sim_hls lt_sim_hls;

/* The recommended-live feed's faults: the next N feed requests are answered
 * that way, 429s first, then captchas, then cut JSON (set as room "feed":
 * feed:http_429_first=2); the counts go down as they are used. */
typedef struct lt_sim_feed_faults {
    long http_429_first, captcha_first, garbage_first;
    long clean_first; /* requests served normally before the faults above */
    uint64_t requests;
} lt_sim_feed_faults;

struct lt_sim {
    lt_sim_options opts;
    struct lws_context *ctx;
    int port;
    int64_t heartbeat_ms, tick_ms, last_tick_ms;
    lws_sorted_usec_list_t tick_sul;
    volatile sig_atomic_t stop;
    lt_sim_room *rooms;
    size_t room_count, room_cap;
    pss *pushes;
    pss *streams;             /* HTTP-FLV connections */
    lt_sim_clip *clip;        /* --stream-file; NULL = no streams */
    lt_sim_hls *hls;          /* --stream-hls; NULL = no HLS */
    lt_sim_message batch[50];
    lt_buf scratch;
    uint64_t next_log_id;
    lt_sim_token tokens[LT_SIM_TOKENS];
    size_t token_next;
    uint64_t token_serial;
    double sign_tokens;       /* process-wide sign limiter (token bucket per minute) */
    int64_t last_refill_ms;
    uint64_t sign_calls, sign_429, http_requests;
    lt_sim_feed_faults feed;  /* /webcast/feed/ faults (room "feed") and requests served */
    lt_bytes *replay;         /* captured frames */
    size_t replay_count, replay_next;
    uint8_t *replay_data;
    /* webcast/diamond/ (profile.c): process-wide, set through any room's
     * fault keys price_429_first, price_captcha_first, price_garbage_first,
     * price_percent and currency */
    int price_429_first, price_captcha_first, price_garbage_first;
    int price_percent; /* prices scaled by this (100 = as listed) */
    char currency[8];  /* the local currency; "" = EUR */
    uint64_t price_requests;
    uint64_t price_fault_from; /* price_requests when a price fault was set */
};

int lt_sim_arg(struct lws *wsi, const char *name, char *out, size_t outlen);
/* Writes status + headers now and the body when writable. headers: name,
 * value pairs ("X-Foo:", "bar"), NULL-terminated. */
int lt_sim_respond(struct lws *wsi, pss *p, int status, const char *content_type, const char *body, size_t len,
                   const char *const *headers);
/* body (taken over) as compact JSON; NULL body (out of memory) = -1 */
int lt_sim_respond_json(struct lws *wsi, pss *p, int status, json_t *body, const char *const *headers);
lt_sim_room *lt_sim_find_room(lt_sim *sim, const char *key);

/* rooms.c */
int lt_sim_rooms_init(lt_sim *sim, char *err, size_t errlen);
void lt_sim_rooms_free(lt_sim *sim);
int lt_sim_add_room(lt_sim *sim, const char *unique_id, double rate, char *err, size_t errlen);
int lt_sim_replay_load(lt_sim *sim, char *err, size_t errlen);
/* The faults of opts.faults ("ROOM:KEY=VALUE"), as lt_sim_configure() applies them. */
int lt_sim_apply_faults(lt_sim *sim, char *err, size_t errlen);

/* web.c: TikTok's web endpoints */
int lt_sim_live_page(struct lws *wsi, lt_sim *sim, pss *p, const char *rest);
int lt_sim_api_live(struct lws *wsi, lt_sim *sim, pss *p);
int lt_sim_room_info(struct lws *wsi, lt_sim *sim, pss *p);
int lt_sim_check_alive(struct lws *wsi, lt_sim *sim, pss *p);
int lt_sim_gift_list(struct lws *wsi, lt_sim *sim, pss *p);
/* The host's nickname, the same on every page and endpoint. */
const char *lt_sim_host_name(const lt_sim_room *r);

/* profile.c: the profile page and the coin price list */
void lt_sim_profile_init(lt_sim_room *r);
int lt_sim_profile_page(struct lws *wsi, lt_sim *sim, pss *p, lt_sim_room *r, const char *name);
int lt_sim_price_list(struct lws *wsi, lt_sim *sim, pss *p);
/* 1 if key was a profile or price key (applied, or err set and -1 returned) */
int lt_sim_profile_configure(lt_sim *sim, lt_sim_room *r, const char *key, const char *value, int *rc,
                             char *err, size_t errlen);
/* A live room as the feed lists it (room/info's shape, fewer fields). */
json_t *lt_sim_feed_room_json(const lt_sim_room *r);

/* feed.c: the recommended-live feed */
int lt_sim_feed(struct lws *wsi, lt_sim *sim, pss *p);
int lt_sim_feed_configure(lt_sim *sim, const char *key, const char *value, char *err, size_t errlen);

/* sign.c: the Euler-compatible sign server */
int lt_sim_sign_fetch(struct lws *wsi, lt_sim *sim, pss *p);
int lt_sim_sign_limits(struct lws *wsi, lt_sim *sim, pss *p);
lt_sim_token *lt_sim_token_take(lt_sim *sim, const char *token, const lt_sim_room *room);

/* stream.c: HTTP-FLV per room */
lt_sim_clip *lt_sim_clip_load(const char *path, char *err, size_t errlen);
void lt_sim_clip_free(lt_sim_clip *clip);
int lt_sim_stream_start(struct lws *wsi, lt_sim *sim, pss *p, const char *rest);
int lt_sim_stream_writable(struct lws *wsi, lt_sim *sim, pss *p);
void lt_sim_stream_unlink(lt_sim *sim, pss *p);
void lt_sim_stream_tick(lt_sim *sim);

/* hls.c: live HLS per room */
lt_sim_hls *lt_sim_hls_load(const char *dir, char *err, size_t errlen);
void lt_sim_hls_free(lt_sim_hls *hls);
int lt_sim_hls_serve(struct lws *wsi, lt_sim *sim, pss *p, const char *rest);

/* control.c: /_sim/ */
int lt_sim_control(struct lws *wsi, lt_sim *sim, pss *p, const char *what);

#endif
