/* feed.c - the recommended-live feed, GET /webcast/feed/, as the simulator
 * serves it (docs/protocol/webcast.md, "The recommended-live feed").
 *
 * A page lists feed_page_size live rooms: {"data": [{"data": <room>, "rid",
 * "type", "live_reason"}], "extra": {"has_more", "max_time", "now",
 * "total"}, "status_code": 0}. Rooms that are not live are left out. The
 * client pages by sending back the max_time of the page before; to the
 * client it is an opaque cursor, here it is FEED_EPOCH_MS plus the position
 * of the next room (a cursor it cannot decode starts again from the top, as a
 * stale one does at TikTok).
 *
 * Faults (room "feed" in --fault/faults: or /_sim/fault?room=feed&...): the
 * next N requests get a 429, the captcha page TikTok sends blocked clients,
 * or a body cut in the middle of the JSON; clean_first=N lets N requests
 * through first, so that a later page fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_internal.h"

#define FEED_EPOCH_MS 1700000000000LL

/* A fault answer, or 0 when the request is served normally. Each fault is
 * a count of the requests still to get it, used up in this order, after
 * clean_first requests served normally (to fail a later page). */
static int fault(struct lws *wsi, lt_sim *sim, pss *p, bool *answered)
{
    lt_sim_feed_faults *f = &sim->feed;
    *answered = false;
    if (f->clean_first > 0 && (f->http_429_first || f->captcha_first || f->garbage_first)) {
        f->clean_first--;
        return 0;
    }
    *answered = true;
    if (f->http_429_first > 0) {
        static const char busy[] = "{\"status_code\":4,\"message\":\"too many requests\"}";
        f->http_429_first--;
        return lt_sim_respond(wsi, p, 429, "application/json", busy, sizeof busy - 1, NULL);
    }
    if (f->captcha_first > 0) {
        static const char page[] = "<!DOCTYPE html><html><head><title>Security Check</title></head><body>"
                                   "<div id=\"tiktok-verify-page\"></div></body></html>";
        f->captcha_first--;
        return lt_sim_respond(wsi, p, 200, "text/html", page, sizeof page - 1, NULL);
    }
    if (f->garbage_first > 0) {
        static const char cut[] = "{\"data\":[{\"data\":{\"id\":74000000000000000";
        f->garbage_first--;
        return lt_sim_respond(wsi, p, 200, "application/json", cut, sizeof cut - 1, NULL);
    }
    *answered = false;
    return 0;
}

int lt_sim_feed(struct lws *wsi, lt_sim *sim, pss *p)
{
    sim->feed.requests++;
    bool answered;
    int rc = fault(wsi, sim, p, &answered);
    if (answered)
        return rc;
    char cursor[32];
    lt_sim_arg(wsi, "max_time", cursor, sizeof cursor);
    long long pos = cursor[0] ? strtoll(cursor, NULL, 10) - FEED_EPOCH_MS : 0;
    if (pos < 0 || pos > (long long)sim->room_count)
        pos = 0;
    size_t live = 0;
    for (size_t i = 0; i < sim->room_count; i++)
        live += sim->rooms[i].state == LT_SIM_LIVE;
    json_t *items = json_array();
    size_t i = (size_t)pos;
    for (long listed = 0; i < sim->room_count && listed < sim->opts.feed_page_size; i++) {
        const lt_sim_room *r = &sim->rooms[i];
        if (r->state != LT_SIM_LIVE)
            continue;
        json_t *item = json_pack("{s:o, s:s, s:i, s:s, s:b}", "data", lt_sim_feed_room_json(r), "debug_info",
                                 "", "type", 0, "live_reason", "", "is_recommend_card", 0);
        json_object_set_new(item, "rid", json_sprintf("%lld", (long long)r->room_id));
        json_array_append_new(items, item);
        listed++;
    }
    /* has_more only if a live room remains after this page */
    bool more = false;
    for (size_t j = i; j < sim->room_count && !more; j++)
        more = sim->rooms[j].state == LT_SIM_LIVE;
    return lt_sim_respond_json(
        wsi, p, 200,
        json_pack("{s:o, s:{s:b, s:I, s:I, s:I}, s:i}", "data", items, "extra", "has_more", more, "max_time",
                  (json_int_t)(FEED_EPOCH_MS + (long long)i), "now", (json_int_t)lt_now_ms(), "total",
                  (json_int_t)live, "status_code", 0),
        NULL);
}

int lt_sim_feed_configure(lt_sim *sim, const char *key, const char *value, char *err, size_t errlen)
{
    char *end;
    long n = strtol(value, &end, 10);
    if (end == value || *end || n < 0 || n > 1000000) {
        snprintf(err, errlen, "feed: %s wants an integer 0..1000000, got \"%s\"", key, value);
        return -1;
    }
    lt_sim_feed_faults *f = &sim->feed;
    long *slot = !strcmp(key, "http_429_first")  ? &f->http_429_first
                 : !strcmp(key, "captcha_first") ? &f->captcha_first
                 : !strcmp(key, "garbage_first") ? &f->garbage_first
                 : !strcmp(key, "clean_first")   ? &f->clean_first
                                                 : NULL;
    if (!slot) {
        snprintf(err, errlen,
                 "feed: unknown key %s (http_429_first, captcha_first, garbage_first, clean_first)", key);
        return -1;
    }
    *slot = n;
    return 0;
}
