/* source.c - the TikTok collector behind the runtime's source descriptor
 * (tiktok/source.h). */
#include "tiktok/source.h"

#include "tiktok/collector.h"
#include "tiktok/collector_internal.h"
#include "tiktok/room.h"

_Static_assert(sizeof(lt_tiktok_room_ref) <= LT_COLLECTOR_REF_MAX, "a TikTok room fits a room reference");

static const lt_tiktok_room_ref *tiktok_ref(const lt_collector_room_ref *ref)
{
    return (const lt_tiktok_room_ref *)ref->parsed.bytes;
}

static int parse(const char *text, void *parsed, char *err, size_t errlen)
{
    return lt_tiktok_room_parse(text, parsed, err, errlen);
}

static int add(void *instance, const lt_collector_room_ref *ref, char *err, size_t errlen)
{
    return lt_tiktok_collector_add(instance, ref->input, tiktok_ref(ref), err, errlen);
}

static int remove_room(void *instance, const lt_collector_room_ref *ref, char *err, size_t errlen)
{
    (void)err, (void)errlen;
    return lt_tiktok_collector_release(instance, tiktok_ref(ref), "removed");
}

static size_t room_count(void *instance)
{
    return lt_tiktok_collector_room_count(instance);
}

static json_t *room_json(void *instance, const lt_collector_room_ref *ref)
{
    return lt_tiktok_collector_room_ref_json(instance, tiktok_ref(ref));
}

static json_t *rooms_json(void *instance)
{
    return lt_tiktok_collector_rooms_json(instance);
}

static bool ready(void *instance, json_t **detail)
{
    return lt_tiktok_collector_ready(instance, detail);
}

static int write_metrics(void *instance, lt_buf *out)
{
    return lt_tiktok_collector_write_metrics(instance, out);
}

static void on_delivery(void *instance, void *opaque, const char *error)
{
    lt_tiktok_collector_on_delivery(instance, opaque, error);
}

static void pause_reading(void *instance, bool paused)
{
    lt_tiktok_collector_pause(instance, paused);
}

static void stop(void *instance)
{
    lt_tiktok_collector_stop(instance);
}

static int start(void *instance)
{
    return lt_tiktok_collector_start(instance);
}

static void tick(void *instance, int64_t now_ms)
{
    lt_tiktok_collector_tick(instance, now_ms);
}

static long finish(void *instance)
{
    return lt_tiktok_collector_finish(instance);
}

static void destroy(void *instance)
{
    lt_tiktok_collector_destroy(instance);
}

const lt_collector_source lt_tiktok_source = {
    .name = "tiktok",
    .parse = parse,
    .add = add,
    .remove = remove_room,
    .room_count = room_count,
    .rooms_json = rooms_json,
    .room_json = room_json,
    .ready = ready,
    .write_metrics = write_metrics,
    .on_delivery = on_delivery,
    .start = start,
    .tick = tick,
    .tick_ms = TICK_MS,
    .pause = pause_reading,
    .stop = stop,
    .finish = finish,
    .destroy = destroy,
};
