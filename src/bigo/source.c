/* source.c - the BIGO receiver behind the runtime's source descriptor
 * (bigo/source.h). */
#include "bigo/source.h"

#include <stdio.h>
#include <string.h>

#include "bigo/bigo.h"
#include "bigo/envelope.h"

/* "bigo:<openid>" (or the openid alone) -> the openid, NUL-terminated. */
static int parse(const char *text, void *parsed, char *err, size_t errlen)
{
    _Static_assert(LT_BIGO_MAX_ID <= LT_COLLECTOR_REF_MAX, "a BIGO openid fits a room reference");
    const char *id = strncmp(text, "bigo:", 5) == 0 ? text + 5 : text;
    size_t n = strlen(id);
    if (n == 0 || n >= LT_BIGO_MAX_ID) {
        snprintf(err, errlen, "a BIGO room is bigo:<anchor openid> (1 to %d characters), found \"%s\"",
                 LT_BIGO_MAX_ID - 1, text);
        return -1;
    }
    memcpy(parsed, id, n + 1);
    return 0;
}

static const char *openid(const lt_collector_room_ref *ref)
{
    return (const char *)ref->parsed.bytes;
}

static int add(void *instance, const lt_collector_room_ref *ref, char *err, size_t errlen)
{
    (void)instance;
    snprintf(err, errlen,
             "cannot add %s: BIGO rooms come from BIGO's push; configure pull rooms under bigo.pull.rooms "
             "(docs/bigo.md)",
             ref->input);
    return -1;
}

static int remove_room(void *instance, const lt_collector_room_ref *ref, char *err, size_t errlen)
{
    json_t *known = lt_bigo_room_json(instance, openid(ref));
    if (!known)
        return -1;
    json_decref(known);
    snprintf(err, errlen,
             "cannot remove %s: BIGO rooms come from BIGO's push (and bigo.pull.rooms), and are collected "
             "for as long as BIGO sends them (docs/bigo.md)",
             ref->input);
    return 1;
}

static size_t room_count(void *instance)
{
    return lt_bigo_room_count(instance);
}

static json_t *rooms_json(void *instance)
{
    return lt_bigo_rooms_json(instance);
}

static json_t *room_json(void *instance, const lt_collector_room_ref *ref)
{
    return lt_bigo_room_json(instance, openid(ref));
}

static bool ready(void *instance, json_t **detail)
{
    return lt_bigo_ready(instance, detail);
}

static int write_metrics(void *instance, lt_buf *out)
{
    return lt_bigo_write_metrics(instance, out);
}

static void on_delivery(void *instance, void *opaque, const char *error)
{
    (void)instance;
    lt_bigo_on_delivery(NULL, opaque, error);
}

static void pause_reading(void *instance, bool paused)
{
    lt_bigo_pause(instance, paused);
}

static void stop(void *instance)
{
    lt_bigo_stop(instance);
}

static void tick(void *instance, int64_t now_ms)
{
    lt_bigo_tick(instance, now_ms);
}

static long finish(void *instance)
{
    return lt_bigo_finish(instance);
}

static void destroy(void *instance)
{
    lt_bigo_destroy(instance);
}

const lt_collector_source lt_bigo_source = {
    .name = "bigo",
    .parse = parse,
    .add = add,
    .remove = remove_room,
    .room_count = room_count,
    .rooms_json = rooms_json,
    .room_json = room_json,
    .ready = ready,
    .write_metrics = write_metrics,
    .on_delivery = on_delivery,
    .tick = tick,
    .tick_ms = LT_BIGO_TICK_MS,
    .pause = pause_reading,
    .stop = stop,
    .finish = finish,
    .destroy = destroy,
};
