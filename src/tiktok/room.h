/* room.h - what a person types to name a TikTok LIVE room.
 *
 * Accepted: "@user" or "user" (the unique id), a profile or live URL
 * ("https://www.tiktok.com/@user", ".../@user/live", with or without query,
 * fragment or scheme, any host so that simulators and mirrors work), or a
 * numeric room_id ("7340691647148018438"). A bare number is a room id; a
 * numeric unique id must be written "@123". The parse is strict: anything
 * else is rejected with a message saying what was expected, because a typo
 * should fail at start-up, not become a room that never resolves.
 */
#ifndef LT_TIKTOK_ROOM_H
#define LT_TIKTOK_ROOM_H

#include <stddef.h>
#include <stdint.h>

#include "core/contract.h"

/* TikTok allows 24 characters; a little slack for legacy handles. */
#define LT_TIKTOK_UNIQUE_ID_MAX 32

typedef enum lt_tiktok_room_kind {
    LT_TIKTOK_ROOM_BY_USER = 0,  /* resolve unique_id -> room_id */
    LT_TIKTOK_ROOM_BY_ID = 1,    /* room_id given */
} lt_tiktok_room_kind;

typedef struct lt_tiktok_room_ref {
    lt_tiktok_room_kind kind;
    char unique_id[LT_TIKTOK_UNIQUE_ID_MAX + 1]; /* without '@'; "" for BY_ID */
    char room_id[LT_ROOM_ID_MAX + 1];            /* decimal; "" for BY_USER */
} lt_tiktok_room_ref;

/* 0 on success; -1 with a reason in err. Leading/trailing blanks ignored. */
int lt_tiktok_room_parse(const char *input, lt_tiktok_room_ref *out, char *err, size_t errlen);

/* Whether s is a valid decimal room id (1..19 digits, > 0, fits int64). */
int lt_tiktok_room_id_valid(const char *s);

/* Canonical text: "@user" or the room id. */
const char *lt_tiktok_room_label(const lt_tiktok_room_ref *ref);

/* The key a room is indexed by: "@user" lower-cased (unique ids compare
 * without case) or "#" and the room id; two inputs naming the same room
 * the same way have the same key. */
#define LT_TIKTOK_ROOM_KEY_MAX (LT_TIKTOK_UNIQUE_ID_MAX + 2)
void lt_tiktok_room_key(const lt_tiktok_room_ref *ref, char out[LT_TIKTOK_ROOM_KEY_MAX]);

/* Splits a list like "@a, @b,123" (comma or whitespace separated) and calls
 * fn for each entry; stops and returns -1 at the first entry fn rejects. */
int lt_tiktok_room_list_each(const char *list, int (*fn)(void *ctx, const char *entry), void *ctx);

#endif
