/* discover.h - `livetap-collector discover`: the recommended-live feed,
 * paged and printed (collector/discover.c). Called by the runtime, which
 * owns the TikTok collector it runs on. */
#ifndef LT_COLLECTOR_DISCOVER_H
#define LT_COLLECTOR_DISCOVER_H

#include <stdbool.h>
#include <stdio.h>

#include "tiktok/collector.h"

/* Exit statuses of `discover`. */
enum {
    LT_DISCOVER_OK = 0,      /* every page asked for (or up to the last one) was read */
    LT_DISCOVER_FAILED = 1,  /* no answer, an HTTP error, a refusal or a page that is not the feed's */
    LT_DISCOVER_USAGE = 2,   /* bad flags or configuration */
    LT_DISCOVER_BLOCKED = 3, /* TikTok rate-limited us (429) or sent a captcha: try later */
};

/* `discover`'s own flags (--pages N, --json) taken out of argv (which
 * starts at "discover", argv[*argc] is set to NULL) before the shared
 * flags are parsed; 0, or -1 on a bad --pages (logged). */
int lt_collector_discover_args(int *argc, char **argv, long *pages, bool *json);

/* Pages the feed up to `pages` pages (fewer if it says there are no more),
 * printing each room once to `out` as a table or, with json, as JSON
 * lines. The rooms read before a failure are printed before it is told on
 * stderr. Returns an LT_DISCOVER_* status. */
int lt_collector_discover_pages(lt_tiktok_collector *c, long pages, bool json, int timeout_ms, FILE *out);

#endif
