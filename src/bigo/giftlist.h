/* giftlist.h - BIGO's gift list answer (/gift/get_list) and its gift_info events.
 *
 * Pure: no I/O, no state; fuzzed (tests/fuzz/fuzz_bigo_gift_list.c). The
 * answer (docs/protocol/bigo.md §3.2) is
 *   {"rescode":200, "message":"", "list":[{"giftid":1234, "gift_level":1,
 *    "value":10, "icon":"https://...", "gift_name":"aaa"}, ...]}
 * where BIGO omits every field that holds its default (0, "", []): a missing
 * `list` is an empty catalogue, a missing `value` a price of 0. An entry
 * without a positive giftid or a name, with a field of the wrong type or an
 * absurd length, is skipped and counted; entries beyond max_gifts are not
 * read; a giftid listed twice keeps its first entry.
 */
#ifndef LT_BIGO_GIFTLIST_H
#define LT_BIGO_GIFTLIST_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/event.h"

#define LT_BIGO_GIFT_LIST_MAX 5000     /* gifts read from one answer (a catalogue is a few hundred) */
#define LT_BIGO_GIFT_NAME_MAX 256      /* bytes */
#define LT_BIGO_GIFT_ICON_MAX 2048     /* bytes; a longer icon URL is left out */

typedef struct lt_bigo_gift {
    int64_t gift_id;
    int64_t gift_level;     /* BIGO's tier; gift_info has no field for it */
    int32_t value;          /* price of one gift, clamped to 0..INT32_MAX */
    const char *name;       /* borrowed from the answer's JSON */
    const char *icon;       /* NULL if absent, empty or too long */
} lt_bigo_gift;

typedef struct lt_bigo_gift_list {
    json_t *root;           /* owns every string the gifts point to */
    int64_t rescode;        /* 0 if absent */
    const char *message;    /* `message` or `messge`; "" if absent */
    lt_bigo_gift *gifts;    /* in giftid order */
    size_t count;
    size_t skipped;         /* malformed entries and repeated ids */
    size_t truncated;       /* entries beyond max_gifts, not read */
} lt_bigo_gift_list;

/* Parses an answer body. 0: out->rescode says whether BIGO answered 200 (the
 * gifts are read only then); -1 with err: not JSON, not an object, or `list`
 * is not an array. Either way lt_bigo_gift_list_clear() frees out. */
int lt_bigo_gift_list_parse(const char *body, size_t len, size_t max_gifts, lt_bigo_gift_list *out, char *err,
                            size_t errlen);
void lt_bigo_gift_list_clear(lt_bigo_gift_list *l); /* accepts a zeroed list */

/* The gift_info event of one gift fetched with anchor's token: platform
 * bigo, room_id = anchor, msg_id 0, event_time = ingest_time = now_ms,
 * name, diamond_count = value, image_url = icon, gift_type 0, streakable
 * false (BIGO sends each gift action once, already aggregated). Strings are
 * borrowed. */
void lt_bigo_gift_info_event(const lt_bigo_gift *g, const char *anchor, int64_t now_ms, lt_event *ev);

/* What a gift_info record says (id, name, value, icon): equal hashes mean
 * nothing to publish. Not for security. */
uint64_t lt_bigo_gift_hash(const lt_bigo_gift *g);

#endif
