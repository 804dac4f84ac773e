/* discovery.c - the collector's discovery: TikTok's recommended-live feed,
 * paged on a schedule, each room seen published to <prefix>.discovered_room.
 *
 * A round reads up to opts.discovery.pages pages (fewer when the feed says
 * there are no more), one request at a time, then waits interval_ms. Every
 * room on a page becomes a discovered_room event keyed by its room id on a
 * compacted topic, so the topic holds the latest sighting of every room;
 * first_seen is remembered per room (up to DISCOVERY_MAX_KNOWN rooms, then
 * the memory starts again: first_seen is then "first seen since").
 *
 * TikTok limits the feed like its other web endpoints, so the calls are
 * bounded twice: a token bucket of its own (pages_per_minute) spaces the
 * requests, and a 429 or a captcha page ends the round and backs off
 * (core/backoff, doubling up to backoff_cap_ms with jitter) instead of
 * asking again at the next interval. Any other failure (no answer, an HTTP
 * error, a page that is not the feed's JSON) ends the round too and is
 * retried at the next interval. Each failure is counted and logged at most
 * once a minute; nothing the feed sends can stop the collector.
 *
 * auto_track: the rooms of a round that pass the filters (min_viewers, one
 * of the tags) are candidates; after the round, free places (max_rooms
 * minus the rooms auto_track added and still collects) go to the most
 * viewed candidates the collector does not collect yet, added as the admin
 * API adds them. Before each round, a room auto_track added that has ended
 * (its state is offline, ended or error) is released; one removed by other
 * means is forgotten. A room added any other way (config, admin API) is
 * never a candidate and never released. A tracked room is not replaced by a
 * more viewed one while it is live: that would cut a collection short.
 *
 * In group mode (opts.discovery.tracker, kafka/group.h) the rooms live in the
 * control topic: only the collector that leads runs rounds (the others
 * only wait for their turn), auto_track puts its candidates there with a
 * discovery marker instead of adding them here, the cap counts the marked
 * rooms of the whole topic, and each collector releases (tombstones) the
 * marked rooms it collects once they have ended. A room the topic already
 * holds, by whatever means, is never put again: an operator's value is not
 * overwritten.
 *
 * The requests go through the collector's HTTP client (core/http.h), the
 * same one the resolver and room info use, with the same api base, cookies,
 * proxy and CA.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/backoff.h"
#include "core/log.h"
#include "core/ratelimit.h"
#include "core/strmap.h"
#include "tiktok/collector_internal.h"
#include "tiktok/feed.h"
#include "tiktok/handover.h"

#define DISCOVERY_MAX_KNOWN 100000

/* what is remembered of a room: when it was first seen */
typedef struct known_room {
    int64_t first_seen;
} known_room;

typedef struct lt_tiktok_discovery lt_tiktok_discovery;

/* a room auto_track may add */
typedef struct candidate {
    char room_id[24];
    int64_t viewers;
} candidate;

/* The most candidates a round keeps: every room of 100 full pages. */
#define DISCOVERY_MAX_CANDIDATES (100 * LT_TIKTOK_FEED_MAX_ROOMS)

struct lt_tiktok_discovery {
    lt_tiktok_collector *c;
    int64_t interval_ms, backoff_cap_ms;
    int pages;
    lws_sorted_usec_list_t timer;
    lt_http_request *req;
    lt_ratelimit limit;
    lt_backoff backoff;
    int page;          /* pages read in this round */
    int64_t max_time;  /* the next page's cursor; 0 = a new round */
    lt_strmap *known;  /* room id -> known_room */
    known_room *slots; /* DISCOVERY_MAX_KNOWN of them */
    size_t used;
    int64_t log_slot;
    lt_tiktok_feed_page page_buf;
    /* auto_track */
    candidate *candidates; /* this round's, DISCOVERY_MAX_CANDIDATES of room */
    size_t candidate_count;
    char (*tracked)[24]; /* room ids it added, max_rooms of room */
    size_t tracked_count, max_rooms;
};

static void on_timer(lws_sorted_usec_list_t *sul);

static void schedule(lt_tiktok_discovery *d, int64_t delay_ms)
{
    lws_sul_schedule(d->c->lws, 0, &d->timer, on_timer,
                     (lws_usec_t)(delay_ms > 0 ? delay_ms : 1) * LWS_US_PER_MS);
}

static known_room *remember(lt_tiktok_discovery *d, const char *room_id, int64_t now, bool *is_new)
{
    known_room *k = d->known ? lt_strmap_get(d->known, room_id) : NULL;
    *is_new = k == NULL;
    if (!d->known) /* out of memory earlier: no first sightings kept */
        return NULL;
    if (k)
        return k;
    if (d->used == DISCOVERY_MAX_KNOWN) {
        /* a bound on memory: start again (first_seen becomes "first seen since") */
        lt_strmap_destroy(d->known);
        d->known = lt_strmap_create();
        d->used = 0;
        lt_warn("discovery: more than %d rooms seen: forgetting their first sightings", DISCOVERY_MAX_KNOWN);
        if (!d->known)
            return NULL;
    }
    k = &d->slots[d->used];
    k->first_seen = now;
    if (lt_strmap_add(d->known, room_id, k) != 0)
        return NULL;
    d->used++;
    return k;
}

static void publish_room(lt_tiktok_discovery *d, const lt_tiktok_feed_room *r, int64_t now)
{
    lt_tiktok_collector *c = d->c;
    bool is_new;
    known_room *k = remember(d, r->room_id, now, &is_new);
    if (is_new)
        c->stats.discovery_rooms_found++;
    c->stats.discovery_rooms_known = d->used;
    const char *tags[1] = {r->tags};
    lt_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = LT_EVENT_DISCOVERED_ROOM;
    ev.platform = LT_PLATFORM_TIKTOK;
    ev.room_id = r->room_id;
    ev.collector_id = c->opts.collector_id;
    ev.event_time = now;
    ev.ingest_time = now;
    lt_discovered_room *out = &ev.as.discovered_room;
    out->owner_id = r->owner_id[0] ? r->owner_id : NULL;
    out->unique_id = r->unique_id[0] ? r->unique_id : NULL;
    out->nickname = r->nickname[0] ? r->nickname : NULL;
    out->title = r->title;
    out->viewers = (lt_opt_long){r->viewers >= 0, r->viewers};
    out->tags = tags;
    out->tag_count = r->tags[0] ? 1 : 0;
    out->live_since = (lt_opt_long){r->created_s > 0, r->created_s * 1000};
    out->first_seen = k ? k->first_seen : now;
    out->last_seen = now;
    lt_tiktok_collector_publish(c, &ev, r->room_id);
}

static bool passes_filters(const lt_tiktok_discovery *d, const lt_tiktok_feed_room *r)
{
    const lt_tiktok_collector_options *o = &d->c->opts;
    if (r->viewers < o->discovery.min_viewers)
        return false;
    if (o->discovery.tag_count == 0)
        return true;
    for (size_t i = 0; i < o->discovery.tag_count; i++)
        if (r->tags[0] && strcasecmp(r->tags, o->discovery.tags[i]) == 0)
            return true;
    return false;
}

static void consider(lt_tiktok_discovery *d, const lt_tiktok_feed_room *r)
{
    if (!d->candidates || d->candidate_count == DISCOVERY_MAX_CANDIDATES || !passes_filters(d, r))
        return;
    candidate *k = &d->candidates[d->candidate_count++];
    snprintf(k->room_id, sizeof k->room_id, "%s", r->room_id);
    k->viewers = r->viewers;
}

static int by_viewers_desc(const void *a, const void *b)
{
    int64_t va = ((const candidate *)a)->viewers, vb = ((const candidate *)b)->viewers;
    return va < vb   ? 1
           : va > vb ? -1
                     : strcmp(((const candidate *)a)->room_id, ((const candidate *)b)->room_id);
}

static void forget_tracked(lt_tiktok_discovery *d, size_t i)
{
    memcpy(d->tracked[i], d->tracked[--d->tracked_count], sizeof d->tracked[i]);
    d->c->stats.discovery_rooms_tracked = d->tracked_count;
}

static bool has_ended(const room *r)
{
    return r->state && (strcmp(r->state, "offline") == 0 || strcmp(r->state, "ended") == 0 ||
                        strcmp(r->state, "error") == 0);
}

/* Releases the rooms auto_track added that have ended; forgets those no
 * longer collected (removed through the admin API). */
static void release_ended(lt_tiktok_discovery *d)
{
    lt_tiktok_collector *c = d->c;
    for (size_t i = d->tracked_count; i-- > 0;) {
        lt_tiktok_room_ref ref;
        char err[128];
        room *r = NULL;
        if (lt_tiktok_room_parse(d->tracked[i], &ref, err, sizeof err) == 0)
            r = lt_tiktok_collector_find(c, &ref, NULL);
        if (!r) {
            forget_tracked(d, i);
            continue;
        }
        if (!has_ended(r))
            continue;
        lt_info("discovery: releasing room %s (%s)", d->tracked[i], r->state);
        lt_tiktok_collector_release(c, &ref, "discovery_ended");
        c->stats.discovery_rooms_released++;
        forget_tracked(d, i);
    }
}

/* Group mode: tombstones the rooms collected here that discovery put and
 * that have ended; whoever owns them stops them when the tombstone is read. */
static void release_ended_in_topic(lt_tiktok_discovery *d)
{
    lt_tiktok_collector *c = d->c;
    const lt_tiktok_discovery_tracker *t = c->opts.discovery.tracker;
    for (size_t i = 0; i < c->room_count; i++) {
        room *r = c->rooms[i];
        /* a room being handed over belongs to its next owner already */
        if (!has_ended(r) || lt_tiktok_collector_handing_over(c, r->input) ||
            t->source(t->ctx, r->input) != LT_TIKTOK_SOURCE_DISCOVERY)
            continue;
        char err[256];
        if (t->release(t->ctx, r->input, err, sizeof err) != 0) {
            /* each write waits for Kafka: one failure is enough for this interval */
            lt_log_every(&d->log_slot, 60000, LT_LOG_WARN,
                         "discovery: cannot release room %s: %s; trying again next interval", r->input, err);
            break;
        }
        lt_info("discovery: releasing room %s (%s)", r->input, r->state);
        c->stats.discovery_rooms_released++;
    }
}

/* Group mode, after a round: the free places of the fleet-wide cap go to
 * the most viewed candidates the control topic does not hold. */
static void track_in_topic(lt_tiktok_discovery *d)
{
    lt_tiktok_collector *c = d->c;
    const lt_tiktok_discovery_tracker *t = c->opts.discovery.tracker;
    long n = t->discovered_count(t->ctx);
    if (n < 0) {
        lt_log_every(
            &d->log_slot, 60000, LT_LOG_INFO,
            "discovery: the control topic is not read to its end yet; tracking waits for the next round");
        return;
    }
    for (size_t i = 0; i < d->candidate_count && (size_t)n < d->max_rooms; i++) {
        const candidate *k = &d->candidates[i];
        if (t->source(t->ctx, k->room_id) != LT_TIKTOK_SOURCE_ABSENT)
            continue;
        char err[256];
        if (t->put(t->ctx, k->room_id, k->viewers, err, sizeof err) != 0) {
            lt_log_every(&d->log_slot, 60000, LT_LOG_WARN,
                         "discovery: cannot put room %s into the control topic: %s; trying again next round",
                         k->room_id, err);
            break; /* each write waits for Kafka: one failure is enough for this round */
        }
        lt_info("discovery: tracking room %s (%lld viewers) through the control topic", k->room_id,
                (long long)k->viewers);
        n++;
    }
    c->stats.discovery_rooms_tracked = (size_t)n;
}

/* After a round: the free places go to the most viewed candidates. */
static void track(lt_tiktok_discovery *d)
{
    lt_tiktok_collector *c = d->c;
    qsort(d->candidates, d->candidate_count, sizeof *d->candidates, by_viewers_desc);
    if (c->opts.discovery.tracker) {
        track_in_topic(d);
        d->candidate_count = 0;
        return;
    }
    for (size_t i = 0; i < d->candidate_count && d->tracked_count < d->max_rooms; i++) {
        const candidate *k = &d->candidates[i];
        if (lt_tiktok_collector_has_room(c, k->room_id))
            continue;
        char err[256];
        if (lt_tiktok_collector_add_room(c, k->room_id, err, sizeof err) != 0) {
            lt_log_every(&d->log_slot, 60000, LT_LOG_WARN, "discovery: cannot add room %s: %s", k->room_id,
                         err);
            continue;
        }
        lt_info("discovery: tracking room %s (%lld viewers)", k->room_id, (long long)k->viewers);
        snprintf(d->tracked[d->tracked_count], sizeof d->tracked[0], "%s", k->room_id);
        d->tracked_count++;
        c->stats.discovery_rooms_tracked = d->tracked_count;
    }
    d->candidate_count = 0;
}

/* The end of a round, read whole or cut short: auto_track acts on what it saw. */
static void round_done(lt_tiktok_discovery *d)
{
    d->max_time = 0;
    d->page = 0;
    if (d->candidates)
        track(d);
}

static void page_failed(lt_tiktok_discovery *d, lt_tiktok_feed_outcome outcome, const char *why)
{
    d->c->stats.discovery_page_failures++;
    round_done(d);
    bool blocked = outcome == LT_TIKTOK_FEED_RATE_LIMITED || outcome == LT_TIKTOK_FEED_CAPTCHA;
    int64_t wait = blocked ? lt_backoff_next(&d->backoff) : d->interval_ms;
    lt_log_every(&d->log_slot, 60000, LT_LOG_WARN, "discovery: %s (%s); next round in %lld ms", why,
                 lt_tiktok_feed_outcome_name(outcome), (long long)wait);
    schedule(d, wait);
}

static void on_page(void *ctx, const lt_http_response *resp)
{
    lt_tiktok_discovery *d = ctx;
    d->req = NULL;
    char why[512];
    if (resp->error) {
        snprintf(why, sizeof why, "the feed could not be fetched: %s", resp->error);
        page_failed(d, LT_TIKTOK_FEED_HTTP_ERROR, why);
        return;
    }
    lt_tiktok_feed_page *page = &d->page_buf;
    lt_tiktok_feed_outcome outcome =
        lt_tiktok_feed_parse(resp->status, (const char *)resp->body, resp->body_len, page, why, sizeof why);
    if (outcome != LT_TIKTOK_FEED_OK) {
        page_failed(d, outcome, why);
        return;
    }
    lt_backoff_reset(&d->backoff);
    d->c->stats.discovery_pages++;
    d->page++;
    int64_t now = lt_now_ms();
    for (size_t i = 0; i < page->count; i++) {
        publish_room(d, &page->rooms[i], now);
        consider(d, &page->rooms[i]);
    }
    if (page->has_more && d->page < d->pages) {
        d->max_time = page->max_time;
        schedule(d, 0);
        return;
    }
    lt_debug("discovery: round done, %d page(s), %zu rooms known", d->page, d->used);
    round_done(d);
    schedule(d, d->interval_ms);
}

static void on_timer(lws_sorted_usec_list_t *sul)
{
    lt_tiktok_discovery *d = lws_container_of(sul, lt_tiktok_discovery, timer);
    lt_tiktok_collector *c = d->c;
    if (c->stop || d->req)
        return;
    const lt_tiktok_discovery_tracker *t = c->opts.discovery.tracker;
    if (t && d->max_time == 0) {
        if (d->candidates) {
            release_ended_in_topic(d);
            long n = t->discovered_count(t->ctx);
            c->stats.discovery_rooms_tracked = n > 0 ? (size_t)n : 0;
        }
        if (!t->leads(t->ctx)) { /* another collector runs the rounds; ask again soon */
            schedule(d, d->interval_ms < 5000 ? d->interval_ms : 5000);
            return;
        }
    } else if (d->candidates && d->max_time == 0) {
        release_ended(d);
    }
    int64_t wait = lt_ratelimit_acquire(&d->limit, lt_now_ms());
    if (wait > 0) {
        schedule(d, wait);
        return;
    }
    char url[2048], cookie[1024], err[256];
    if (lt_tiktok_feed_url(c->resolver_opts.api_base, d->max_time, url, sizeof url) != 0) {
        page_failed(d, LT_TIKTOK_FEED_HTTP_ERROR, "the feed URL does not fit (tiktok.api_base too long?)");
        return;
    }
    const char *headers[4] = {"Accept: application/json", "Accept-Language: en-US,en;q=0.9",
                              "Referer: https://www.tiktok.com/"};
    size_t n = 3;
    if (c->resolver_opts.cookies && *c->resolver_opts.cookies) {
        snprintf(cookie, sizeof cookie, "Cookie: %s", c->resolver_opts.cookies);
        headers[n++] = cookie;
    }
    d->req = lt_http_get(c->http, url, headers, n, on_page, d, err, sizeof err);
    if (!d->req)
        page_failed(d, LT_TIKTOK_FEED_HTTP_ERROR, err);
}

int lt_tiktok_discovery_start(lt_tiktok_collector *c)
{
    if (!c->opts.discovery.enabled || c->discovery)
        return 0;
    lt_tiktok_discovery *d = calloc(1, sizeof *d);
    if (!d)
        return -1;
    d->c = c;
    d->interval_ms = c->opts.discovery.interval_ms > 0 ? c->opts.discovery.interval_ms : 60000;
    d->pages = c->opts.discovery.pages > 0 ? c->opts.discovery.pages : 3;
    d->backoff_cap_ms = c->opts.discovery.backoff_cap_ms > 0 ? c->opts.discovery.backoff_cap_ms : 600000;
    /* the first back-off waits at least one interval's worth, up to the cap */
    lt_backoff_init(&d->backoff, d->interval_ms < d->backoff_cap_ms ? d->interval_ms : d->backoff_cap_ms,
                    d->backoff_cap_ms, c->opts.seed ? c->opts.seed : (uint64_t)lt_now_ms());
    double per_s = c->opts.discovery.pages_per_minute / 60.0;
    lt_ratelimit_init(&d->limit, per_s, per_s > 0 ? (double)d->pages : 1, lt_now_ms());
    d->known = lt_strmap_create();
    d->slots = calloc(DISCOVERY_MAX_KNOWN, sizeof *d->slots);
    bool in_topic = c->opts.discovery.tracker != NULL; /* group mode: no local list of tracked rooms */
    if (c->opts.discovery.auto_track) {
        d->max_rooms = c->opts.discovery.max_rooms ? c->opts.discovery.max_rooms : 10;
        d->candidates = calloc(DISCOVERY_MAX_CANDIDATES, sizeof *d->candidates);
        d->tracked = in_topic ? NULL : calloc(d->max_rooms, sizeof *d->tracked);
    }
    if (!d->known || !d->slots ||
        (c->opts.discovery.auto_track && (!d->candidates || (!in_topic && !d->tracked)))) {
        c->discovery = d;
        lt_tiktok_discovery_free(c);
        return -1;
    }
    c->discovery = d;
    lt_info("discovery: paging the recommended-live feed every %lld s, up to %d page(s) a round%s%s%s",
            (long long)(d->interval_ms / 1000), d->pages, per_s > 0 ? "" : ", no request limit",
            d->candidates ? "; auto_track on" : "",
            in_topic ? "; group mode: while this collector owns partition 0 of the control topic" : "");
    schedule(d, 0);
    return 0;
}

void lt_tiktok_discovery_stop(lt_tiktok_collector *c)
{
    lt_tiktok_discovery *d = c->discovery;
    if (!d)
        return;
    lws_sul_cancel(&d->timer);
    lt_http_cancel(d->req);
    d->req = NULL;
}

void lt_tiktok_discovery_free(lt_tiktok_collector *c)
{
    lt_tiktok_discovery *d = c->discovery;
    if (!d)
        return;
    if (c->lws)
        lt_tiktok_discovery_stop(c);
    lt_strmap_destroy(d->known);
    free(d->slots);
    free(d->candidates);
    free(d->tracked);
    free(d);
    c->discovery = NULL;
}
