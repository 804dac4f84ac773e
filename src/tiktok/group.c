/* group.c - TikTok rooms in a consumer group; see group.h. */
#include "tiktok/group.h"

#include <ctype.h>
#include <stdio.h>

#include "tiktok/handover.h"
#include "tiktok/room.h"

int lt_tiktok_group_key(const char *input, char *out, size_t outlen, char *err, size_t errlen)
{
    lt_tiktok_room_ref ref;
    if (lt_tiktok_room_parse(input, &ref, err, errlen))
        return -1;
    /* unique ids compare without case (find_room does too) */
    if (ref.kind == LT_TIKTOK_ROOM_BY_USER)
        for (char *p = ref.unique_id; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    if ((size_t)snprintf(out, outlen, "%s", lt_tiktok_room_label(&ref)) >= outlen) {
        snprintf(err, errlen, "room spec too long");
        return -1;
    }
    return 0;
}

static int canonical_key(void *ctx, const char *key, char *out, size_t outlen, char *err, size_t errlen)
{
    (void)ctx;
    return lt_tiktok_group_key(key, out, outlen, err, errlen);
}

/* A room that was being handed over from here and comes back is taken
 * back (it never stopped); any other starts. */
static int on_assign(void *ctx, const char *key, int32_t partition, char *err, size_t errlen)
{
    (void)partition;
    lt_tiktok_collector *c = ctx;
    if (lt_tiktok_collector_take_back_room(c, key) == 0)
        return 0;
    return lt_tiktok_collector_add_room(c, key, err, errlen);
}

static bool on_tombstone(void *ctx, const char *key, bool owned)
{
    lt_tiktok_collector *c = ctx;
    if (!owned && !lt_tiktok_collector_handing_over(c, key))
        return false;
    lt_tiktok_collector_release_room(c, key, "removed");
    return true;
}

static bool on_revoke(void *ctx, const char *key, bool may_hand_over, const char *reason)
{
    lt_tiktok_collector *c = ctx;
    if (may_hand_over && lt_tiktok_collector_hand_over_room(c, key) == 0)
        return true;
    lt_tiktok_collector_release_room(c, key, reason);
    return false;
}

static int on_status(void *ctx, const void *value, size_t len)
{
    lt_tiktok_peer_status st;
    if (lt_tiktok_room_status_decode(value, len, &st))
        return -1;
    lt_tiktok_collector_peer_status(ctx, &st);
    return 0;
}

lt_kafka_group_callbacks lt_tiktok_group_callbacks(lt_tiktok_collector *c)
{
    return (lt_kafka_group_callbacks){.ctx = c,
                                      .canonical_key = canonical_key,
                                      .on_assign = on_assign,
                                      .on_tombstone = on_tombstone,
                                      .on_revoke = on_revoke,
                                      .on_status = on_status};
}

int lt_tiktok_group_put(lt_kafka_group *g, const char *input, bool remove, char *err, size_t errlen)
{
    char key[LT_KAFKA_GROUP_KEY_MAX + 1];
    if (lt_tiktok_group_key(input, key, sizeof key, err, errlen))
        return -1;
    return lt_kafka_group_put(g, key, remove, err, errlen);
}

int lt_tiktok_group_put_discovered(lt_kafka_group *g, const char *input, int64_t discovered_at,
                                   int64_t viewers, char *err, size_t errlen)
{
    char key[LT_KAFKA_GROUP_KEY_MAX + 1];
    if (lt_tiktok_group_key(input, key, sizeof key, err, errlen))
        return -1;
    return lt_kafka_group_put_discovered(g, key, discovered_at, viewers, err, errlen);
}

lt_tiktok_room_source lt_tiktok_group_room_source(const lt_kafka_group *g, const char *input)
{
    char key[LT_KAFKA_GROUP_KEY_MAX + 1], err[128];
    if (lt_tiktok_group_key(input, key, sizeof key, err, sizeof err))
        return LT_TIKTOK_SOURCE_UNKNOWN;
    switch (lt_kafka_group_origin(g, key)) {
    case LT_KAFKA_ROOM_ABSENT: return LT_TIKTOK_SOURCE_ABSENT;
    case LT_KAFKA_ROOM_MANUAL: return LT_TIKTOK_SOURCE_MANUAL;
    case LT_KAFKA_ROOM_DISCOVERED: return LT_TIKTOK_SOURCE_DISCOVERY;
    case LT_KAFKA_ROOM_UNKNOWN: break;
    }
    return LT_TIKTOK_SOURCE_UNKNOWN;
}
