/* envelope.h - BIGO push envelopes and danmu items: JSON text in, checked facts out.
 *
 * Everything here is pure (no I/O, no clock, no globals), so that the unit
 * tests and the fuzz target exercise exactly what the receiver and the pull
 * poller run. Input is hostile: every string that becomes a key or an id is
 * bounded (LT_BIGO_MAX_ID), counts are capped by the caller, numbers must fit
 * int64, and a field of the wrong type is either tolerated the way BIGO's
 * docs force us to (ts / data_seq as string or number, `data` or `datas`,
 * `data` as a JSON string or an object) or turns the item into an "unknown"
 * item that is published whole with the reason, never dropped.
 *
 * Ownership: an lt_bigo_envelope owns its JSON tree; an lt_bigo_batch borrows
 * from the json_t it was parsed from (keep that alive) and owns its arrays.
 */
#ifndef LT_BIGO_ENVELOPE_H
#define LT_BIGO_ENVELOPE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/event.h"

/* Bound for ids that become keys: seqid, account, openid, game_id,
 * game_sess, data_seq, access_token. */
#define LT_BIGO_MAX_ID 256

typedef enum lt_bigo_parse_status {
    LT_BIGO_PARSE_OK = 0,
    LT_BIGO_PARSE_NOT_JSON,  /* not a JSON object: nothing to answer, the frame is refused */
    LT_BIGO_PARSE_NO_URI,    /* an object without a usable uri: nothing to answer either */
    LT_BIGO_PARSE_BAD_DATA,  /* uri known, but `data` missing or not a JSON object: answer with an error */
} lt_bigo_parse_status;

typedef struct lt_bigo_envelope {
    json_t *root;             /* owned */
    const char *uri;          /* borrowed from root */
    int64_t retry_cnt;        /* 0 if absent */
    int64_t send_time;        /* ms; 0 if absent */
    json_t *data;             /* owned reference: the payload object, NULL if absent or malformed */
    const char *data_text;    /* `data` exactly as sent when it was a string (input of the sign hook) */
    size_t data_text_len;
    const char *access_token; /* NULL if absent */
    const char *sign;         /* NULL if absent */
} lt_bigo_envelope;

/* Parses one text frame. On NOT_JSON / NO_URI the envelope is cleared; on
 * BAD_DATA uri, retry_cnt and send_time are valid (so a reply can be built)
 * and data is NULL. err says why. */
lt_bigo_parse_status lt_bigo_envelope_parse(const char *text, size_t len, lt_bigo_envelope *out, char *err,
                                            size_t errlen);
void lt_bigo_envelope_clear(lt_bigo_envelope *env); /* accepts a zeroed or cleared envelope */

/* --- platformLogin --- */

typedef struct lt_bigo_login {
    char account[LT_BIGO_MAX_ID];
    char timestamp[32];       /* ms as decimal text, as it goes into the sign */
    char sign[80];
} lt_bigo_login;

int lt_bigo_login_parse(const json_t *data, lt_bigo_login *out, char *err, size_t errlen);

/* md5("password:" + password + "&tamp:" + timestamp + "&" + abbr + "&account:" + account)
 * as 32 lowercase hex digits (docs/protocol/bigo.md §1.4). 0, or -1 if OpenSSL fails. */
int lt_bigo_login_sign(const char *password, const char *timestamp, const char *abbr, const char *account,
                       char out[33]);

/* --- danmu_data (push dataReception and pull responses) --- */

typedef enum lt_bigo_item_kind {
    LT_BIGO_ITEM_MSG,    /* -> chat */
    LT_BIGO_ITEM_GIFT,   /* -> gift */
    LT_BIGO_ITEM_HEART,  /* -> like */
    LT_BIGO_ITEM_OTHER,  /* a type we do not know -> unknown, reason no_decoder */
    LT_BIGO_ITEM_BAD,    /* malformed -> unknown, reason = bad */
} lt_bigo_item_kind;

typedef struct lt_bigo_item {
    const char *room;         /* the anchor's openid (= room_id); "" if the room entry named none */
    const json_t *json;       /* the item as sent */
    lt_bigo_item_kind kind;
    const char *bad;          /* static text: why the item is BAD */
    char method[80];          /* "bigo.<type>", for unknown events */
    int64_t ts;               /* ms; 0 if absent */
    char seq[LT_BIGO_MAX_ID]; /* data_seq as text; "" if absent */
    int64_t msg_id;           /* data_seq if it is a number, else a stable hash (see envelope.c) */
    const char *user;         /* the sender's openid */
    const char *nick_name;
    const char *user_img;
    const char *content;      /* msg */
    int64_t count;            /* heart */
    int64_t gift_id, gift_level, gift_value, gift_count;
    const char *gift_name, *gift_url;
} lt_bigo_item;

typedef struct lt_bigo_batch {
    char seqid[LT_BIGO_MAX_ID];
    int64_t timestamp;
    char game_id[LT_BIGO_MAX_ID];
    char game_sess[LT_BIGO_MAX_ID];
    int status;               /* 1 live, 2 game mounted, 3 stream closed; 0 if absent */
    const char **rooms;       /* every anchor openid named in danmu_data, once each */
    size_t room_count;
    lt_bigo_item *items;
    size_t item_count;
    size_t truncated;         /* items beyond max_items, not parsed (the batch is refused) */
} lt_bigo_batch;

/* Parses a dataReception `data` object: seqid (string or number, required),
 * timestamp, game_id, game_sess, status, danmu_data. At most max_items items
 * are kept; more set `truncated`. -1 with err if the object is unusable. */
int lt_bigo_batch_parse(const json_t *data, size_t max_items, lt_bigo_batch *out, char *err, size_t errlen);

/* Parses only a danmu_data array into out->rooms / out->items (pull
 * responses); other fields of out are left as they are. */
int lt_bigo_danmu_parse(const json_t *danmu_data, size_t max_items, lt_bigo_batch *out, char *err,
                        size_t errlen);

void lt_bigo_batch_clear(lt_bigo_batch *b); /* accepts a zeroed batch */

/* The dedupe key of an item: game_sess, room openid and data_seq (or the
 * hash standing in for it), separated by 0x1f. Returns the length, or 0 if
 * it does not fit. */
size_t lt_bigo_item_key(const char *game_sess, const lt_bigo_item *it, char *out, size_t outlen);

/* Fills ev (platform bigo, room_id, msg_id, event_time and the type's
 * fields) from an item; strings are borrowed from the item. For unknown
 * events the payload is the item's JSON text, malloc'd into *payload (free
 * it after publishing). fallback_time is used when the item has no ts.
 * -1 if memory runs out. */
int lt_bigo_item_to_event(const lt_bigo_item *it, int64_t fallback_time, lt_event *ev, char **payload);

/* "123" or 123 -> 123; anything else (negative, fractional, too big, not
 * digits) -> -1. */
int lt_bigo_json_int(const json_t *v, int64_t *out);
/* Optional members of `obj`: absent or null = 0 / NULL (BIGO omits
 * defaults); the integer as lt_bigo_json_int; another type = -1. */
int lt_bigo_json_opt_int(const json_t *obj, const char *name, int64_t *out);
int lt_bigo_json_opt_string(const json_t *obj, const char *name, const char **out);

/* --- replies --- */

/* {"uri":"<uri>Resp","retry_cnt":..,"send_time":..,"resp_time":..,"up_cost":..,"data":"<data as a JSON string>"}
 * up_cost = recv_ms - send_time, clamped at 0. Takes a reference to data.
 * NULL if memory runs out. */
char *lt_bigo_reply(const char *uri, int64_t retry_cnt, int64_t send_time, int64_t recv_ms, int64_t now_ms,
                    json_t *data);

#endif
