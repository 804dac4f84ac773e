/* info.c - room info and the gift catalogue (see info.h).
 *
 * The gift memory is an open-addressing table of (gift id, hash) with linear
 * probing and backward-shift deletion, sized once for its capacity: a
 * catalogue is a few hundred gifts, and the cap only guards against an
 * answer that invents ids.
 */
#include "tiktok/info.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/log.h"
#include "tiktok/json.h"
#include "tiktok/prices.h"

#define DEFAULT_API_BASE "https://webcast.tiktok.com"
#define DEFAULT_GIFT_INTERVAL_MS 3600000
#define DEFAULT_GIFT_MEMORY 10000
/* a refused profile page: no more for the room for this long, doubling */
#define PROFILE_BACKOFF_MIN_MS 30000
#define PROFILE_BACKOFF_MAX_MS 1800000
/* the price list: a failure retries after the minimum, a refusal doubles it */
#define PRICE_RETRY_MIN_MS 60000
#define PRICE_RETRY_MAX_MS 3600000
/* A gift's name or image URL longer than this is not a gift. */
#define GIFT_NAME_MAX 256
#define GIFT_URL_MAX 2048

/* Neither answer carries a time or a message id of its own: the event's
 * time is when the answer arrived, msg_id 0. */
static void envelope(lt_event *ev, lt_event_type type, const char *room_id, const char *collector_id,
                     int64_t now_ms)
{
    memset(ev, 0, sizeof(*ev));
    ev->type = type;
    ev->platform = LT_PLATFORM_TIKTOK;
    ev->room_id = room_id;
    ev->event_time = now_ms;
    ev->ingest_time = now_ms;
    ev->collector_id = collector_id;
}

/* --- room info --- */

void lt_tiktok_room_info_event(const lt_tiktok_room_details *d, const char *room_id,
                               const char *collector_id, int64_t now_ms, lt_user *owner,
                               lt_event *ev)
{
    envelope(ev, LT_EVENT_ROOM_INFO, room_id, collector_id, now_ms);
    memset(owner, 0, sizeof(*owner));
    lt_room_info *ri = &ev->as.room_info;
    ri->title = d->title;
    ri->status = d->status;
    ri->viewer_count = d->viewer_count;
    ri->total_user = d->total_user;
    ri->like_count = d->like_count;
    ri->start_time.present = d->start_time_ms > 0;
    ri->start_time.value = d->start_time_ms;
    ri->stream_url = d->stream_url[0] ? d->stream_url : NULL;
    ri->streams = d->streams;
    ri->stream_count = d->stream_count;
    ri->age_restricted = d->age_restricted;
    if (d->has_owner) {
        owner->id = d->owner_id;
        owner->unique_id = d->owner_unique_id;
        owner->nickname = d->owner_nickname;
        owner->avatar_url = d->owner_avatar_url[0] ? d->owner_avatar_url : NULL;
        owner->follower_count = d->owner_follower_count;
        owner->following_count = d->owner_following_count;
        owner->is_anchor = true;
        ri->owner = owner;
    }
}

/* --- the gift list --- */

static int32_t clamp_int32(int64_t v)
{
    return v < 0 ? 0 : v > INT32_MAX ? INT32_MAX : (int32_t)v;
}

/* One entry of data.gifts; 0 if it is a gift. */
static int read_gift(json_t *g, lt_gift_info *out)
{
    memset(out, 0, sizeof(*out));
    if (!json_is_object(g))
        return -1;
    out->gift_id = lt_tiktok_json_int(json_object_get(g, "id"), 0);
    out->name = lt_tiktok_json_str(g, "name");
    if (out->gift_id <= 0 || !out->name || !*out->name || strlen(out->name) > GIFT_NAME_MAX)
        return -1;
    out->diamond_count = clamp_int32(lt_tiktok_json_int(json_object_get(g, "diamond_count"), 0));
    out->gift_type = clamp_int32(lt_tiktok_json_int(json_object_get(g, "type"), 0));
    out->streakable = out->gift_type == 1;
    out->image_url = lt_tiktok_json_image_url(json_object_get(g, "image"));
    if (!out->image_url)
        out->image_url = lt_tiktok_json_image_url(json_object_get(g, "icon"));
    if (out->image_url && strlen(out->image_url) > GIFT_URL_MAX)
        out->image_url = NULL;
    return 0;
}

int lt_tiktok_parse_gift_list(long http_status, const char *body, size_t len, lt_tiktok_gift_fn each,
                              void *ctx, size_t *skipped, char *err, size_t errlen)
{
    if (skipped)
        *skipped = 0;
    if (http_status != 200) {
        snprintf(err, errlen, "gift/list answered HTTP %ld", http_status);
        return -1;
    }
    json_error_t jerr;
    json_t *root = json_loadb(body, len, 0, &jerr);
    if (!json_is_object(root)) {
        snprintf(err, errlen, "gift/list: not JSON: %s", root ? "not an object" : jerr.text);
        json_decref(root);
        return -1;
    }
    int64_t code = lt_tiktok_json_int(json_object_get(root, "status_code"), 0);
    json_t *gifts = LT_TIKTOK_JSON_PATH(root, "data", "gifts");
    if (code != 0 || !json_is_array(gifts)) {
        snprintf(err, errlen, "gift/list: %s (status_code %lld)",
                 code != 0 ? "refused" : "no data.gifts array", (long long)code);
        json_decref(root);
        return -1;
    }
    int count = 0;
    size_t n = json_array_size(gifts);
    for (size_t i = 0; i < n && i < LT_TIKTOK_GIFT_LIST_MAX; i++) {
        lt_gift_info gift;
        if (read_gift(json_array_get(gifts, i), &gift) != 0) {
            if (skipped)
                (*skipped)++;
            continue;
        }
        each(ctx, &gift);
        count++;
    }
    if (skipped && n > LT_TIKTOK_GIFT_LIST_MAX)
        *skipped += n - LT_TIKTOK_GIFT_LIST_MAX;
    json_decref(root);
    return count;
}

void lt_tiktok_gift_info_event(const lt_gift_info *gift, const char *room_id,
                               const char *collector_id, int64_t now_ms, lt_event *ev)
{
    envelope(ev, LT_EVENT_GIFT_INFO, room_id, collector_id, now_ms);
    ev->as.gift_info = *gift;
}

uint64_t lt_tiktok_gift_hash(const lt_gift_info *g)
{
    int64_t numbers[4] = {g->gift_id, g->diamond_count, g->gift_type, g->streakable};
    uint64_t h = lt_fnv1a(LT_FNV1A_INIT, numbers, sizeof numbers);
    return lt_fnv1a_str(lt_fnv1a_str(h, g->name), g->image_url);
}

int lt_tiktok_gift_list_url(const char *api_base, const char *room_id, char *out, size_t outlen)
{
    int n = snprintf(out, outlen, "%s/webcast/gift/list/?%s&room_id=%s",
                     api_base ? api_base : DEFAULT_API_BASE, lt_tiktok_web_client_params, room_id);
    return n > 0 && (size_t)n < outlen ? 0 : -1;
}

/* --- the gift memory --- */

typedef struct gift_slot {
    int64_t gift_id;   /* 0 = empty (gift ids are positive) */
    uint64_t hash;
} gift_slot;

struct lt_tiktok_gift_memory {
    gift_slot *slots;
    size_t mask;       /* slot count - 1 (a power of two, at least twice capacity) */
    size_t capacity, count;
};

lt_tiktok_gift_memory *lt_tiktok_gift_memory_create(size_t capacity)
{
    lt_tiktok_gift_memory *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->capacity = capacity ? capacity : 1;
    size_t slots = 16;
    while (slots < 2 * m->capacity)
        slots *= 2;
    m->slots = calloc(slots, sizeof(*m->slots));
    if (!m->slots) {
        free(m);
        return NULL;
    }
    m->mask = slots - 1;
    return m;
}

void lt_tiktok_gift_memory_destroy(lt_tiktok_gift_memory *m)
{
    if (!m)
        return;
    free(m->slots);
    free(m);
}

static size_t slot_of(const lt_tiktok_gift_memory *m, int64_t gift_id)
{
    uint64_t x = (uint64_t)gift_id * 0x9E3779B97F4A7C15ULL;
    return (size_t)(x >> 17) & m->mask;
}

/* The slot holding gift_id, or the empty slot where it would go. */
static size_t find_slot(const lt_tiktok_gift_memory *m, int64_t gift_id)
{
    size_t i = slot_of(m, gift_id);
    while (m->slots[i].gift_id != 0 && m->slots[i].gift_id != gift_id)
        i = (i + 1) & m->mask;
    return i;
}

bool lt_tiktok_gift_memory_update(lt_tiktok_gift_memory *m, int64_t gift_id, uint64_t hash)
{
    if (gift_id <= 0)
        return true;
    size_t i = find_slot(m, gift_id);
    if (m->slots[i].gift_id == gift_id) {
        if (m->slots[i].hash == hash)
            return false;
        m->slots[i].hash = hash;
        return true;
    }
    if (m->count >= m->capacity) {
        /* full: start over rather than grow (see info.h) */
        memset(m->slots, 0, (m->mask + 1) * sizeof(*m->slots));
        m->count = 0;
        i = find_slot(m, gift_id);
    }
    m->slots[i].gift_id = gift_id;
    m->slots[i].hash = hash;
    m->count++;
    return true;
}

void lt_tiktok_gift_memory_forget(lt_tiktok_gift_memory *m, int64_t gift_id)
{
    if (gift_id <= 0)
        return;
    size_t i = find_slot(m, gift_id);
    if (m->slots[i].gift_id != gift_id)
        return;
    m->slots[i].gift_id = 0;
    m->count--;
    /* backward shift: move later entries of the probe run into the hole
     * when their home slot is not between the hole and them */
    size_t hole = i;
    for (size_t j = (i + 1) & m->mask; m->slots[j].gift_id != 0; j = (j + 1) & m->mask) {
        size_t home = slot_of(m, m->slots[j].gift_id);
        if (((j - home) & m->mask) >= ((j - hole) & m->mask)) {
            m->slots[hole] = m->slots[j];
            m->slots[j].gift_id = 0;
            hole = j;
        }
    }
}

size_t lt_tiktok_gift_memory_count(const lt_tiktok_gift_memory *m)
{
    return m->count;
}

/* --- fetching --- */

struct lt_tiktok_info {
    lt_tiktok_info_options opts;
    lt_tiktok_gift_memory *gifts;
    lt_tiktok_info_stats stats;
    lt_http_request *price_req;
    int64_t price_next_ms;    /* 0 = on the first tick */
    int64_t price_backoff_ms; /* 0 = not refused lately */
    bool price_failing;       /* logged once until it works again */
};

/* One kind of request of one room. */
typedef struct fetch {
    lt_http_request *req;
    int64_t next_ms;   /* 0 = never asked */
    bool failing;      /* the last answer failed: logged once, until it recovers */
} fetch;

struct lt_tiktok_info_room {
    lt_tiktok_info *info;
    char room_id[LT_ROOM_ID_MAX + 1];
    char label[64];
    fetch room_info, gift_list, profile;
    /* a room/info answer waiting for the host's profile page */
    lt_tiktok_room_details *pending;
    int64_t profile_backoff_ms; /* 0 = not refused lately */
    int64_t profile_not_before_ms;
};

lt_tiktok_info *lt_tiktok_info_create(const lt_tiktok_info_options *opts, char *err, size_t errlen)
{
    if (!opts->http || !opts->emit) {
        snprintf(err, errlen, "room info needs an HTTP client and an emit function");
        return NULL;
    }
    lt_tiktok_info *info = calloc(1, sizeof(*info));
    if (!info) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    info->opts = *opts;
    if (info->opts.gift_interval_ms <= 0)
        info->opts.gift_interval_ms = DEFAULT_GIFT_INTERVAL_MS;
    if (info->opts.gift_memory == 0)
        info->opts.gift_memory = DEFAULT_GIFT_MEMORY;
    info->gifts = lt_tiktok_gift_memory_create(info->opts.gift_memory);
    if (!info->gifts) {
        snprintf(err, errlen, "out of memory");
        free(info);
        return NULL;
    }
    return info;
}

void lt_tiktok_info_destroy(lt_tiktok_info *info)
{
    if (!info)
        return;
    lt_http_cancel(info->price_req);
    lt_tiktok_gift_memory_destroy(info->gifts);
    free(info);
}

void lt_tiktok_info_get_stats(const lt_tiktok_info *info, lt_tiktok_info_stats *out)
{
    *out = info->stats;
}

lt_tiktok_info_room *lt_tiktok_info_room_create(lt_tiktok_info *info, const char *room_id,
                                                const char *label)
{
    lt_tiktok_info_room *room = calloc(1, sizeof(*room));
    if (!room)
        return NULL;
    room->info = info;
    snprintf(room->room_id, sizeof room->room_id, "%s", room_id);
    snprintf(room->label, sizeof room->label, "%s", label);
    return room;
}

void lt_tiktok_info_room_destroy(lt_tiktok_info_room *room)
{
    if (!room)
        return;
    lt_http_cancel(room->room_info.req);
    lt_http_cancel(room->gift_list.req);
    lt_http_cancel(room->profile.req);
    free(room->pending);
    free(room);
}

/* Counts a failure and logs it if it is news; logs a recovery. */
static void note(lt_tiktok_info_room *room, fetch *f, const char *what, const char *error)
{
    if (error) {
        if (!f->failing)
            lt_warn("room %s %s: %s failed, skipped (logged again once it works): %s", room->label,
                    room->room_id, what, error);
        f->failing = true;
    } else if (f->failing) {
        lt_info("room %s %s: %s works again", room->label, room->room_id, what);
        f->failing = false;
    }
}

static void emit_room_info(lt_tiktok_info_room *room, const lt_tiktok_room_details *details,
                           const lt_host_stats *host_stats)
{
    lt_tiktok_info *info = room->info;
    lt_user owner;
    lt_event ev;
    lt_tiktok_room_info_event(details, room->room_id, info->opts.collector_id, lt_now_ms(), &owner, &ev);
    ev.as.room_info.host_stats = host_stats;
    if (info->opts.emit(info->opts.emit_ctx, &ev, NULL) == 0)
        info->stats.room_info_published++;
}

void lt_tiktok_host_stats_from_profile(const lt_tiktok_profile *p, int64_t now_ms, lt_host_stats *out)
{
    memset(out, 0, sizeof(*out));
    out->followers = p->followers;
    out->following = p->following;
    out->likes = p->likes;
    out->videos = p->videos;
    out->verified = p->verified;
    out->private_account = p->private_account;
    out->fetched_at = now_ms;
}

static void on_profile(void *ctx, const lt_http_response *resp)
{
    lt_tiktok_info_room *room = ctx;
    lt_tiktok_info *info = room->info;
    room->profile.req = NULL;
    lt_tiktok_room_details *details = room->pending;
    room->pending = NULL;
    if (!details)
        return;
    lt_tiktok_profile p;
    if (resp->error) {
        memset(&p, 0, sizeof p);
        p.outcome = LT_TIKTOK_PROFILE_FAILED;
        snprintf(p.message, sizeof p.message, "%s", resp->error);
    } else {
        lt_tiktok_parse_profile_page(resp->status, (const char *)resp->body, resp->body_len,
                                     details->owner_unique_id, &p);
    }
    if (p.outcome == LT_TIKTOK_PROFILE_OK) {
        info->stats.profile_pages++;
        room->profile_backoff_ms = 0;
        note(room, &room->profile, "host profile page", NULL);
        lt_host_stats hs;
        lt_tiktok_host_stats_from_profile(&p, lt_now_ms(), &hs);
        emit_room_info(room, details, &hs);
    } else {
        char error[320];
        if (p.outcome == LT_TIKTOK_PROFILE_BLOCKED) {
            info->stats.profile_blocked++;
            int64_t b = room->profile_backoff_ms * 2;
            room->profile_backoff_ms = b < PROFILE_BACKOFF_MIN_MS   ? PROFILE_BACKOFF_MIN_MS
                                       : b > PROFILE_BACKOFF_MAX_MS ? PROFILE_BACKOFF_MAX_MS
                                                                    : b;
            room->profile_not_before_ms = lt_now_ms() + room->profile_backoff_ms;
            snprintf(error, sizeof error,
                     "%s (no profile requests for %lld s; room_info goes without host_stats)", p.message,
                     (long long)(room->profile_backoff_ms / 1000));
        } else {
            info->stats.profile_failures++;
            snprintf(error, sizeof error, "%s (room_info goes without host_stats)", p.message);
        }
        note(room, &room->profile, "host profile page", error);
        emit_room_info(room, details, NULL);
    }
    free(details);
}

/* Asks for the host's profile page and keeps the room/info answer until it
 * comes; 0 if it was asked. */
static int start_profile(lt_tiktok_info_room *room, const lt_tiktok_room_details *details)
{
    lt_tiktok_info *info = room->info;
    if (!info->opts.host_stats || !details->owner_unique_id[0] || room->profile.req ||
        lt_now_ms() < room->profile_not_before_ms)
        return -1;
    char url[1024], cookie[1024], err[256];
    if (lt_tiktok_profile_url(info->opts.web_base, details->owner_unique_id, url, sizeof url) != 0)
        return -1;
    room->pending = malloc(sizeof *room->pending);
    if (!room->pending)
        return -1;
    memcpy(room->pending, details, sizeof *details);
    /* streams point into stream_text: aim them at the copy */
    for (size_t i = 0; i < room->pending->stream_count; i++) {
        lt_stream_quality *q = &room->pending->streams[i];
        q->quality = room->pending->stream_text[i].quality;
        q->flv = details->streams[i].flv ? room->pending->stream_text[i].flv : NULL;
        q->hls = details->streams[i].hls ? room->pending->stream_text[i].hls : NULL;
    }
    const char *headers[4] = {"Accept: text/html,application/xhtml+xml", "Accept-Language: en-US,en;q=0.9",
                              "Referer: https://www.tiktok.com/"};
    size_t n = 3;
    if (info->opts.cookies && *info->opts.cookies) {
        snprintf(cookie, sizeof cookie, "Cookie: %s", info->opts.cookies);
        headers[n++] = cookie;
    }
    room->profile.req = lt_http_get(info->opts.http, url, headers, n, on_profile, room, err, sizeof err);
    if (!room->profile.req) {
        info->stats.profile_failures++;
        note(room, &room->profile, "host profile page", err);
        free(room->pending);
        room->pending = NULL;
        return -1;
    }
    return 0;
}

static void on_room_info(void *ctx, const lt_http_response *resp)
{
    lt_tiktok_info_room *room = ctx;
    lt_tiktok_info *info = room->info;
    room->room_info.req = NULL;
    lt_tiktok_resolution res;
    lt_tiktok_room_details details;
    char error[300];
    if (resp->error) {
        snprintf(error, sizeof error, "%s", resp->error);
    } else {
        lt_tiktok_parse_room_details(resp->status, (const char *)resp->body, resp->body_len,
                                     room->room_id, &res, &details);
        if (res.outcome == LT_TIKTOK_RESOLVE_LIVE || res.outcome == LT_TIKTOK_RESOLVE_OFFLINE) {
            note(room, &room->room_info, "room info", NULL);
            if (start_profile(room, &details) != 0)
                emit_room_info(room, &details, NULL);
            return;
        }
        snprintf(error, sizeof error, "%s", res.message);
    }
    info->stats.room_info_failures++;
    note(room, &room->room_info, "room info", error);
}

typedef struct gift_batch {
    lt_tiktok_info_room *room;
    int64_t now_ms;
} gift_batch;

static void on_gift(void *ctx, const lt_gift_info *gift)
{
    gift_batch *batch = ctx;
    lt_tiktok_info *info = batch->room->info;
    if (!lt_tiktok_gift_memory_update(info->gifts, gift->gift_id, lt_tiktok_gift_hash(gift))) {
        info->stats.gifts_unchanged++;
        return;
    }
    lt_event ev;
    lt_tiktok_gift_info_event(gift, batch->room->room_id, info->opts.collector_id, batch->now_ms, &ev);
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)gift->gift_id);
    if (info->opts.emit(info->opts.emit_ctx, &ev, key) == 0)
        info->stats.gifts_published++;
    else
        lt_tiktok_gift_memory_forget(info->gifts, gift->gift_id); /* next answer tries again */
}

static void on_gift_list(void *ctx, const lt_http_response *resp)
{
    lt_tiktok_info_room *room = ctx;
    lt_tiktok_info *info = room->info;
    room->gift_list.req = NULL;
    char error[300];
    if (resp->error) {
        snprintf(error, sizeof error, "%s", resp->error);
    } else {
        gift_batch batch = {room, lt_now_ms()};
        size_t skipped = 0;
        int n = lt_tiktok_parse_gift_list(resp->status, (const char *)resp->body, resp->body_len, on_gift,
                                          &batch, &skipped, error, sizeof error);
        info->stats.gifts_skipped += skipped;
        if (n >= 0) {
            info->stats.gift_lists++;
            note(room, &room->gift_list, "gift list", NULL);
            return;
        }
    }
    info->stats.gift_list_failures++;
    note(room, &room->gift_list, "gift list", error);
}

static void start(lt_tiktok_info_room *room, fetch *f, bool gift_list)
{
    lt_tiktok_info *info = room->info;
    const char *what = gift_list ? "gift list" : "room info";
    char url[2048], cookie[1024], err[256];
    int rc = gift_list ? lt_tiktok_gift_list_url(info->opts.api_base, room->room_id, url, sizeof url)
                       : lt_tiktok_room_info_url(info->opts.api_base, room->room_id, url, sizeof url);
    if (rc != 0) {
        note(room, f, what, "URL too long");
        return;
    }
    const char *headers[4] = {"Accept: application/json", "Accept-Language: en-US,en;q=0.9",
                              "Referer: https://www.tiktok.com/"};
    size_t n = 3;
    if (info->opts.cookies && *info->opts.cookies) {
        snprintf(cookie, sizeof cookie, "Cookie: %s", info->opts.cookies);
        headers[n++] = cookie;
    }
    f->req = lt_http_get(info->opts.http, url, headers, n, gift_list ? on_gift_list : on_room_info, room,
                         err, sizeof err);
    if (!f->req) {
        if (gift_list)
            info->stats.gift_list_failures++;
        else
            info->stats.room_info_failures++;
        note(room, f, what, err);
    }
}

void lt_tiktok_info_room_connected(lt_tiktok_info_room *room, int64_t now_ms)
{
    if (!room)
        return;
    const lt_tiktok_info_options *o = &room->info->opts;
    /* on every (re)connect: the room may have changed while we were away */
    if (o->room_info && !room->room_info.req) {
        room->room_info.next_ms = o->room_info_interval_ms > 0 ? now_ms + o->room_info_interval_ms : INT64_MAX;
        start(room, &room->room_info, false);
    }
    lt_tiktok_info_room_tick(room, now_ms);
}

void lt_tiktok_info_room_tick(lt_tiktok_info_room *room, int64_t now_ms)
{
    if (!room)
        return;
    const lt_tiktok_info_options *o = &room->info->opts;
    if (o->room_info && !room->room_info.req && room->room_info.next_ms && now_ms >= room->room_info.next_ms) {
        room->room_info.next_ms = o->room_info_interval_ms > 0 ? now_ms + o->room_info_interval_ms : INT64_MAX;
        start(room, &room->room_info, false);
    }
    if (o->gift_catalogue && !room->gift_list.req && now_ms >= room->gift_list.next_ms) {
        room->gift_list.next_ms = now_ms + o->gift_interval_ms;
        start(room, &room->gift_list, true);
    }
}

/* --- the coin price list --- */

static void price_note(lt_tiktok_info *info, const char *error)
{
    if (error) {
        if (!info->price_failing)
            lt_warn("coin price list (webcast/diamond/) failed, skipped (logged again once it works): %s",
                    error);
        info->price_failing = true;
    } else if (info->price_failing) {
        lt_info("coin price list works again");
        info->price_failing = false;
    }
}

static void price_retry(lt_tiktok_info *info, bool blocked)
{
    int64_t wait = PRICE_RETRY_MIN_MS;
    if (blocked) {
        int64_t b = info->price_backoff_ms * 2;
        info->price_backoff_ms = b < PRICE_RETRY_MIN_MS   ? PRICE_RETRY_MIN_MS
                                 : b > PRICE_RETRY_MAX_MS ? PRICE_RETRY_MAX_MS
                                                          : b;
        wait = info->price_backoff_ms;
    }
    int64_t retry = lt_now_ms() + wait;
    if (retry > info->price_next_ms)
        info->price_next_ms = retry;
}

static void on_price_list(void *ctx, const lt_http_response *resp)
{
    lt_tiktok_info *info = ctx;
    info->price_req = NULL;
    char error[300];
    bool blocked = false;
    lt_tiktok_price_list *list = malloc(sizeof *list);
    if (!list) {
        price_retry(info, false);
        return;
    }
    if (resp->error) {
        snprintf(error, sizeof error, "%s", resp->error);
    } else if (lt_tiktok_parse_price_list(resp->status, (const char *)resp->body, resp->body_len, list,
                                          &blocked, error, sizeof error) == 0) {
        lt_event ev;
        lt_tiktok_price_list_event(list, info->opts.collector_id, lt_now_ms(), &ev);
        if (info->opts.emit(info->opts.emit_ctx, &ev, list->currency) == 0) {
            info->stats.price_lists++;
            info->price_backoff_ms = 0;
            price_note(info, NULL);
            free(list);
            return;
        }
        snprintf(error, sizeof error, "the %s price list could not be published", list->currency);
    }
    free(list);
    if (blocked)
        info->stats.price_list_blocked++;
    else
        info->stats.price_list_failures++;
    price_note(info, error);
    price_retry(info, blocked);
}

void lt_tiktok_info_tick(lt_tiktok_info *info, int64_t now_ms)
{
    if (!info || info->opts.price_list_interval_ms <= 0 || info->price_req || now_ms < info->price_next_ms)
        return;
    info->price_next_ms = now_ms + info->opts.price_list_interval_ms;
    char url[2048], cookie[1024], err[256];
    if (lt_tiktok_price_list_url(info->opts.api_base, url, sizeof url) != 0) {
        price_note(info, "URL too long");
        return;
    }
    const char *headers[4] = {"Accept: application/json", "Accept-Language: en-US,en;q=0.9",
                              "Referer: https://www.tiktok.com/"};
    size_t n = 3;
    if (info->opts.cookies && *info->opts.cookies) {
        snprintf(cookie, sizeof cookie, "Cookie: %s", info->opts.cookies);
        headers[n++] = cookie;
    }
    info->price_req = lt_http_get(info->opts.http, url, headers, n, on_price_list, info, err, sizeof err);
    if (!info->price_req) {
        info->stats.price_list_failures++;
        price_note(info, err);
        price_retry(info, false);
    }
}
