/* info.h - room info and the gift catalogue: what the collector publishes
 * besides the push stream.
 *
 * room_info: once a room is live (its WebSocket open) the collector asks
 * webcast/room/info/ again, then every room_info_interval_ms; the answer goes
 * through the resolver's parser (lt_tiktok_parse_room_details), so there is
 * one reading of room/info, and becomes one room_info event keyed by room id.
 *
 * host stats: with host_stats, each room/info answer that names the host
 * is followed by the host's profile page (www.tiktok.com/@host, the
 * resolver's lt_tiktok_parse_profile_page), and the room_info event carries
 * its followers, following, likes, videos, verified and private
 * (room_info.host_stats). A profile page that fails does not hold room_info
 * back: it is published without host_stats. A refusal (HTTP 429/403, a
 * captcha) stops profile requests for that room for a backoff that doubles
 * from 30 s up to 30 min and resets on the next good page.
 *
 * price_list: with price_list_interval_ms, webcast/diamond/ is asked on the
 * first tick and then that often (one request at a time); the list becomes
 * one price_list event keyed by its currency on a log-compacted topic. A
 * refusal (HTTP 429/403, a captcha) waits 60 s, doubling up to an hour,
 * before the next request; any other failure retries after 60 s (never
 * sooner than the interval would).
 *
 * gift_info: webcast/gift/list/ is asked when a room first goes live and
 * every gift_interval_ms after; each gift becomes one gift_info event keyed
 * by its gift id, on a log-compacted topic. The catalogue is nearly the same
 * for every room, so the process remembers a hash of each gift it published
 * and publishes a gift again only when it is new or has changed: 10,000
 * rooms do not publish the same catalogue 10,000 times. That memory is
 * bounded (gift_memory gifts); when full it is forgotten whole and the next
 * answers publish again, which a compacted topic absorbs, rather than grow.
 *
 * Everything goes through the collector's asynchronous HTTP client; nothing
 * here blocks the loop. Failures (transport, HTTP 4xx/5xx, malformed JSON,
 * a room that no longer exists) are counted and skipped, never fatal: a room
 * logs when its room info or gift list starts failing and when it recovers,
 * not every failure.
 */
#ifndef LT_TIKTOK_INFO_H
#define LT_TIKTOK_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/event.h"
#include "core/http.h"
#include "tiktok/resolver.h"

/* --- pure parts: answers -> events (unit-tested and fuzzed) --- */

/* Fills `ev` (a room_info event) from what room/info described. `owner`
 * is storage for the host's user record; ev points into `details` and
 * `owner`, which must outlive it. */
void lt_tiktok_room_info_event(const lt_tiktok_room_details *details, const char *room_id,
                               const char *collector_id, int64_t now_ms, lt_user *owner,
                               lt_event *ev);

/* room_info.host_stats from a profile page read as OK. */
void lt_tiktok_host_stats_from_profile(const lt_tiktok_profile *profile, int64_t now_ms, lt_host_stats *out);

/* Gifts read from one answer; longer lists are cut here. */
#define LT_TIKTOK_GIFT_LIST_MAX 5000

/* Called per well-formed gift; the strings live only during the call. */
typedef void (*lt_tiktok_gift_fn)(void *ctx, const lt_gift_info *gift);

/* Reads a webcast/gift/list/ answer ({"data":{"gifts":[{id, name,
 * diamond_count, type, image:{url_list}}]}, "status_code":0}). Returns the
 * number of gifts passed to `each`, or -1 with err if the answer as a whole
 * is unusable (HTTP status, not JSON, status_code, no gift array). Entries
 * without a positive id and a name, or with absurd lengths, are skipped and
 * counted in *skipped (may be NULL). */
int lt_tiktok_parse_gift_list(long http_status, const char *body, size_t len, lt_tiktok_gift_fn each,
                              void *ctx, size_t *skipped, char *err, size_t errlen);

/* Fills `ev` (a gift_info event fetched for room_id); ev points into gift. */
void lt_tiktok_gift_info_event(const lt_gift_info *gift, const char *room_id,
                               const char *collector_id, int64_t now_ms, lt_event *ev);

/* A hash of every published field of a gift: a change of name, price, type
 * or image changes it. */
uint64_t lt_tiktok_gift_hash(const lt_gift_info *gift);

/* "Has this gift been published as it is now?", for at most `capacity`
 * gifts. */
typedef struct lt_tiktok_gift_memory lt_tiktok_gift_memory;
lt_tiktok_gift_memory *lt_tiktok_gift_memory_create(size_t capacity);
void lt_tiktok_gift_memory_destroy(lt_tiktok_gift_memory *m);
/* True if the gift is new or its hash changed (and remembers it); false if
 * it was already published like this. */
bool lt_tiktok_gift_memory_update(lt_tiktok_gift_memory *m, int64_t gift_id, uint64_t hash);
/* Forgets one gift, e.g. when its publication failed. */
void lt_tiktok_gift_memory_forget(lt_tiktok_gift_memory *m, int64_t gift_id);
size_t lt_tiktok_gift_memory_count(const lt_tiktok_gift_memory *m);

int lt_tiktok_gift_list_url(const char *api_base, const char *room_id, char *out, size_t outlen);

/* --- the fetching, per room, over the collector's loop --- */

/* Publishes one event; key NULL = the room id. 0 if it was accepted. */
typedef int (*lt_tiktok_info_emit_fn)(void *ctx, const lt_event *ev, const char *key);

typedef struct lt_tiktok_info_options {
    lt_http *http;                  /* borrowed */
    const char *api_base;           /* NULL = https://webcast.tiktok.com */
    const char *web_base;           /* NULL = https://www.tiktok.com (the profile page) */
    const char *cookies;            /* optional Cookie header value */
    const char *collector_id;
    bool room_info;                 /* publish room_info events */
    int64_t room_info_interval_ms;  /* again this often while live; 0 = only on connect */
    bool host_stats;                /* read the host's profile page with each room_info */
    int64_t price_list_interval_ms; /* publish the coin price list this often; 0 = never */
    bool gift_catalogue;            /* publish gift_info events */
    int64_t gift_interval_ms;       /* re-fetch the gift list this often; 0 = 3600000 */
    size_t gift_memory;             /* gifts remembered process-wide; 0 = 10000 */
    lt_tiktok_info_emit_fn emit;
    void *emit_ctx;
} lt_tiktok_info_options;

typedef struct lt_tiktok_info_stats {
    uint64_t room_info_published;
    uint64_t room_info_failures;
    uint64_t profile_pages;         /* host profile pages read (room_info with host_stats) */
    uint64_t profile_failures;      /* unreadable, malformed or no such user */
    uint64_t profile_blocked;       /* refused (429/403/captcha): that room backs off */
    uint64_t price_lists;           /* price lists read and published */
    uint64_t price_list_failures;   /* unreadable or malformed answers */
    uint64_t price_list_blocked;    /* refused (429/403/captcha): backed off */
    uint64_t gift_lists;            /* gift list answers read */
    uint64_t gift_list_failures;
    uint64_t gifts_published;
    uint64_t gifts_unchanged;       /* seen before as they are: not published again */
    uint64_t gifts_skipped;         /* malformed entries */
} lt_tiktok_info_stats;

typedef struct lt_tiktok_info lt_tiktok_info;
typedef struct lt_tiktok_info_room lt_tiktok_info_room;

/* The strings of opts must outlive the object. */
lt_tiktok_info *lt_tiktok_info_create(const lt_tiktok_info_options *opts, char *err, size_t errlen);
/* Destroy every room first. Accepts NULL. */
void lt_tiktok_info_destroy(lt_tiktok_info *info);
void lt_tiktok_info_get_stats(const lt_tiktok_info *info, lt_tiktok_info_stats *out);

/* Process-wide work that is due (the price list); call it periodically. */
void lt_tiktok_info_tick(lt_tiktok_info *info, int64_t now_ms);

/* One room id's fetch state; `label` names the room in logs. NULL if out of
 * memory. */
lt_tiktok_info_room *lt_tiktok_info_room_create(lt_tiktok_info *info, const char *room_id,
                                                const char *label);
/* Cancels what is in flight (no callbacks). Accepts NULL. */
void lt_tiktok_info_room_destroy(lt_tiktok_info_room *room);
/* The room's WebSocket opened: room info now, the gift list if it was never
 * fetched for this room or is due. */
void lt_tiktok_info_room_connected(lt_tiktok_info_room *room, int64_t now_ms);
/* Called periodically while the room is live: starts what is due. */
void lt_tiktok_info_room_tick(lt_tiktok_info_room *room, int64_t now_ms);

#endif
