/* messages_families.h - helpers the grouped-family mappers share
 * (messages_extra.c, messages_battle_task.c); not public.
 *
 * Records are sparse by method: opt() keeps "not sent" (null) apart from
 * "sent as 0"; arrays copied from a message are bounded by MAX_ITEMS, so a
 * hostile count costs at most that many elements.
 */
#ifndef LT_TIKTOK_MESSAGES_FAMILIES_H
#define LT_TIKTOK_MESSAGES_FAMILIES_H

#include <stdlib.h>
#include <string.h>

#include "tiktok/messages_internal.h"

#define UNPACK(dec, fn, data, len) fn##__unpack(&(dec)->alloc, (len), (data))

/* The most elements one array of a record carries; the rest are dropped. */
#define MAX_ITEMS 512

static inline lt_opt_long opt(protobuf_c_boolean has, int64_t value)
{
    lt_opt_long o = {has != 0, has ? value : 0};
    return o;
}

static inline const char *non_empty(const char *s)
{
    return s && *s ? s : NULL;
}

/* An id sent as a number, or failing that as decimal text. */
static inline lt_opt_long id_or_text(protobuf_c_boolean has, int64_t id, const char *text)
{
    if (has)
        return opt(1, id);
    if (text && *text) {
        char *end;
        long long v = strtoll(text, &end, 10);
        if (*end == '\0')
            return opt(1, v);
    }
    return opt(0, 0);
}

static inline const char *common_display_key(const Livetap__Webcast__Common *c)
{
    return c && c->display_text ? non_empty(c->display_text->key) : NULL;
}

/* A display text: rendered, and its key. */
static inline void text_of(lt_tiktok_decoder *dec, const Livetap__Webcast__Text *t, const char **text,
                           const char **key)
{
    if (!t)
        return;
    *text = lt_tt_render_text(dec, t);
    *key = non_empty(t->key);
}

static inline size_t bounded(size_t n)
{
    return n > MAX_ITEMS ? MAX_ITEMS : n;
}

/* Arena array of n elements of size each; NULL for n == 0 or out of memory
 * (the caller tells the two apart by n). */
static inline void *items(lt_tiktok_decoder *dec, size_t n, size_t size)
{
    return n ? lt_tt_alloc(dec, n * size) : NULL;
}

static inline const char *word(const char *const *names, size_t n, int64_t code)
{
    return code >= 0 && (uint64_t)code < n && names[code] ? names[code] : "unknown";
}
#define WORD(names, code) word(names, sizeof names / sizeof names[0], code)

#endif
