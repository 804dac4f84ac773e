/* giftlist.c - BIGO's gift list answer (see giftlist.h).
 *
 * Numbers follow the danmu items' rule (lt_bigo_json_int): a JSON integer,
 * an integral real or a string of digits; anything else makes the entry
 * malformed. Repeated ids are found by sorting: the list is read into an
 * array, sorted by (giftid, position) and the later copies dropped, so the
 * gifts come out in id order and the first entry BIGO listed wins.
 */
#include "bigo/giftlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bigo/envelope.h"
#include "core/hash.h"

typedef struct ranked {
    lt_bigo_gift gift;
    size_t position;
} ranked;

/* One entry of `list`; 0 if it is a gift. */
static int read_gift(const json_t *e, lt_bigo_gift *g)
{
    memset(g, 0, sizeof *g);
    int64_t value = 0;
    if (!json_is_object(e) || lt_bigo_json_opt_int(e, "giftid", &g->gift_id) || g->gift_id <= 0 ||
        lt_bigo_json_opt_int(e, "gift_level", &g->gift_level) || lt_bigo_json_opt_int(e, "value", &value) ||
        lt_bigo_json_opt_string(e, "gift_name", &g->name) || lt_bigo_json_opt_string(e, "icon", &g->icon))
        return -1;
    if (!g->name || !*g->name || strlen(g->name) > LT_BIGO_GIFT_NAME_MAX)
        return -1;
    g->value = value > INT32_MAX ? INT32_MAX : (int32_t)value;
    if (g->icon && (!*g->icon || strlen(g->icon) > LT_BIGO_GIFT_ICON_MAX))
        g->icon = NULL;
    return 0;
}

static int by_id(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->gift.gift_id != y->gift.gift_id)
        return x->gift.gift_id < y->gift.gift_id ? -1 : 1;
    return x->position < y->position ? -1 : x->position > y->position;
}

int lt_bigo_gift_list_parse(const char *body, size_t len, size_t max_gifts, lt_bigo_gift_list *out, char *err,
                            size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->message = "";
    json_error_t jerr;
    out->root = json_loadb(body, len, 0, &jerr);
    if (!json_is_object(out->root)) {
        snprintf(err, errlen, "gift list: %s", out->root ? "not a JSON object" : "not JSON");
        return -1;
    }
    int64_t rescode = 0;
    if (lt_bigo_json_opt_int(out->root, "rescode", &rescode)) {
        snprintf(err, errlen, "gift list: rescode is not a number");
        return -1;
    }
    out->rescode = rescode;
    const char *message = NULL;
    if (lt_bigo_json_opt_string(out->root, "message", &message) == 0 && !message)
        lt_bigo_json_opt_string(out->root, "messge", &message); /* spelled so before 2025-12 */
    out->message = message ? message : "";
    if (rescode != 200)
        return 0;
    const json_t *list = json_object_get(out->root, "list");
    if (!list || json_is_null(list))
        return 0; /* omitted: empty */
    if (!json_is_array(list)) {
        snprintf(err, errlen, "gift list: `list` is not an array");
        return -1;
    }
    size_t n = json_array_size(list);
    if (n > max_gifts) {
        out->truncated = n - max_gifts;
        n = max_gifts;
    }
    if (n == 0)
        return 0;
    ranked *r = calloc(n, sizeof *r);
    out->gifts = calloc(n, sizeof *out->gifts);
    if (!r || !out->gifts) {
        free(r);
        snprintf(err, errlen, "gift list: out of memory");
        return -1;
    }
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (read_gift(json_array_get(list, i), &r[kept].gift)) {
            out->skipped++;
            continue;
        }
        r[kept].position = i;
        kept++;
    }
    qsort(r, kept, sizeof *r, by_id);
    for (size_t i = 0; i < kept; i++) {
        if (out->count && out->gifts[out->count - 1].gift_id == r[i].gift.gift_id) {
            out->skipped++;
            continue;
        }
        out->gifts[out->count++] = r[i].gift;
    }
    free(r);
    return 0;
}

void lt_bigo_gift_list_clear(lt_bigo_gift_list *l)
{
    json_decref(l->root);
    free(l->gifts);
    memset(l, 0, sizeof *l);
}

void lt_bigo_gift_info_event(const lt_bigo_gift *g, const char *anchor, int64_t now_ms, lt_event *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->type = LT_EVENT_GIFT_INFO;
    ev->platform = LT_PLATFORM_BIGO;
    ev->room_id = anchor;
    ev->event_time = now_ms;
    ev->ingest_time = now_ms;
    ev->as.gift_info.gift_id = g->gift_id;
    ev->as.gift_info.name = g->name;
    ev->as.gift_info.diamond_count = g->value;
    ev->as.gift_info.image_url = g->icon;
}

uint64_t lt_bigo_gift_hash(const lt_bigo_gift *g)
{
    int64_t numbers[2] = {g->gift_id, g->value};
    uint64_t h = lt_fnv1a(LT_FNV1A_INIT, numbers, sizeof numbers);
    return lt_fnv1a_str(lt_fnv1a_str(h, g->name), g->icon);
}
