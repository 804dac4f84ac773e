/* discover.c - `livetap-collector discover [--pages N] [--json]`.
 *
 * Pages TikTok's recommended-live feed (docs/protocol/webcast.md, "The
 * recommended-live feed") with the collector's own HTTP client and options,
 * so that what it shows is what the collector itself would see from this
 * network with these cookies; against livetap-sim only the base URL
 * differs. A room the feed repeats on a later page is printed once.
 *
 * The table is for a person (room id first, so it can be pasted into
 * --rooms); --json prints one object per line for scripts.
 */
#include "collector/discover.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/strmap.h"

static void print_table_head(FILE *out)
{
    fprintf(out, "%-20s %9s  %-24s %-20s %s\n", "ROOM_ID", "VIEWERS", "OWNER", "TAGS", "TITLE");
}

static void print_room(FILE *out, const lt_tiktok_feed_room *r, bool json)
{
    if (json) {
        json_t *tags = json_array();
        if (r->tags[0])
            json_array_append_new(tags, json_string(r->tags));
        json_t *line =
            json_pack("{s:s, s:s?, s:s?, s:s?, s:s, s:o, s:o, s:o}", "room_id", r->room_id, "owner_id",
                      r->owner_id[0] ? r->owner_id : NULL, "unique_id", r->unique_id[0] ? r->unique_id : NULL,
                      "nickname", r->nickname[0] ? r->nickname : NULL, "title", r->title, "viewers",
                      r->viewers >= 0 ? json_integer(r->viewers) : json_null(), "tags", tags, "created_at",
                      r->created_s > 0 ? json_integer(r->created_s) : json_null());
        char *text = line ? json_dumps(line, JSON_COMPACT) : NULL;
        json_decref(line);
        if (text)
            fprintf(out, "%s\n", text);
        free(text);
        return;
    }
    char owner[80], viewers[24];
    snprintf(owner, sizeof owner, "%s%s", r->unique_id[0] ? "@" : "", r->unique_id[0] ? r->unique_id : "-");
    if (r->viewers >= 0)
        snprintf(viewers, sizeof viewers, "%lld", (long long)r->viewers);
    else
        snprintf(viewers, sizeof viewers, "-");
    fprintf(out, "%-20s %9s  %-24s %-20s %s\n", r->room_id, viewers, owner, r->tags[0] ? r->tags : "-",
            r->title);
}

static int status_of(lt_tiktok_feed_outcome outcome)
{
    switch (outcome) {
    case LT_TIKTOK_FEED_OK: return LT_DISCOVER_OK;
    case LT_TIKTOK_FEED_RATE_LIMITED:
    case LT_TIKTOK_FEED_CAPTCHA: return LT_DISCOVER_BLOCKED;
    default: return LT_DISCOVER_FAILED;
    }
}

int lt_collector_discover_pages(lt_tiktok_collector *c, long pages, bool json, int timeout_ms, FILE *out)
{
    lt_tiktok_feed_page *page = malloc(sizeof *page);
    lt_strmap *seen = lt_strmap_create();
    if (!page || !seen) {
        free(page);
        lt_strmap_destroy(seen);
        lt_error("out of memory");
        return LT_DISCOVER_FAILED;
    }
    /* the map copies the keys; a value only has to be non-NULL */
    static int present = 1;
    int status = LT_DISCOVER_OK;
    size_t rooms = 0, skipped = 0;
    int64_t max_time = 0;
    long read = 0;
    if (!json)
        print_table_head(out);
    while (read < pages) {
        char err[512] = "";
        lt_tiktok_feed_outcome outcome =
            lt_tiktok_collector_feed_page(c, max_time, timeout_ms, page, err, sizeof err);
        if (outcome != LT_TIKTOK_FEED_OK) {
            lt_error("discover: page %ld: %s (%s)", read + 1, err, lt_tiktok_feed_outcome_name(outcome));
            status = status_of(outcome);
            break;
        }
        read++;
        skipped += page->skipped;
        for (size_t i = 0; i < page->count; i++) {
            if (lt_strmap_get(seen, page->rooms[i].room_id))
                continue;
            if (lt_strmap_add(seen, page->rooms[i].room_id, &present) != 0) {
                lt_error("out of memory");
                status = LT_DISCOVER_FAILED;
                goto done;
            }
            print_room(out, &page->rooms[i], json);
            rooms++;
        }
        if (!page->has_more)
            break;
        max_time = page->max_time;
    }
done:
    fflush(out);
    lt_info("discover: %zu live room%s on %ld page%s of the feed%s%s", rooms, rooms == 1 ? "" : "s", read,
            read == 1 ? "" : "s", read < pages && status == LT_DISCOVER_OK ? " (its last)" : "",
            skipped ? " (entries without a room skipped)" : "");
    free(page);
    lt_strmap_destroy(seen);
    return status;
}

int lt_collector_discover_args(int *argc, char **argv, long *pages, bool *json)
{
    int kept = 1;
    for (int i = 1; i < *argc; i++) {
        const char *value = NULL;
        if (!strcmp(argv[i], "--json")) {
            *json = true;
            continue;
        }
        if (!strcmp(argv[i], "--pages")) {
            if (i + 1 == *argc) {
                lt_error("--pages needs a number of pages (1-100)");
                return -1;
            }
            value = argv[++i];
        } else if (!strncmp(argv[i], "--pages=", 8)) {
            value = argv[i] + 8;
        } else {
            argv[kept++] = argv[i];
            continue;
        }
        char *end;
        *pages = strtol(value, &end, 10);
        if (end == value || *end || *pages < 1 || *pages > 100) {
            lt_error("--pages: expected a number of pages from 1 to 100, found \"%s\"", value);
            return -1;
        }
    }
    *argc = kept;
    argv[kept] = NULL;
    return 0;
}
