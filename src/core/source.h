/* core/source.h - what the collector runtime needs from a source of
 * rooms (TikTok and BIGO, see docs/collector.md "Sources").
 *
 * A source is a descriptor (this struct, one per platform, exported by the
 * platform's module) and an instance the runtime passes back to it. Rooms
 * reach a source parsed: the runtime parses what a person typed once, at
 * the edge (the configuration's rooms, the rooms file, the admin API),
 * with the source's parse, into an lt_collector_room_ref; add, remove and
 * room_json take that, never the text again.
 *
 * It lives in core, below every module, because the platforms' modules
 * implement it and the runtime (src/collector/, above them) calls it: the
 * build allows no include upward (CMakeLists.txt, the module order).
 */
#ifndef LT_COLLECTOR_SOURCE_H
#define LT_COLLECTOR_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/buf.h"

/* Room of any source, parsed: the source's own struct lives in `parsed`
 * (a source asserts that it fits). */
#define LT_COLLECTOR_REF_MAX 256
typedef struct lt_collector_room_ref {
    char input[512]; /* as given: what the admin API shows as "input" */
    union {
        max_align_t align;
        unsigned char bytes[LT_COLLECTOR_REF_MAX];
    } parsed;
} lt_collector_room_ref;

/* Delivery reports: the runtime sets the producer's callback once and
 * routes each report to the source that published the record by the
 * source's index (its place in the runtime's list) in the top bits of the
 * record's opaque. A source ors lt_source_tag(index) into every opaque it
 * publishes with and gets the opaque back without it. The first source has
 * index 0: its opaques are unchanged. A source's own opaques must leave
 * those bits clear (TikTok's are a time in ms shifted by 6 bits; BIGO's
 * are heap pointers, whose top bits are clear in user space). */
#define LT_SOURCE_TAG_BITS 2
#define LT_SOURCE_MAX (1u << LT_SOURCE_TAG_BITS)
#define LT_SOURCE_TAG_SHIFT (sizeof(uintptr_t) * 8 - LT_SOURCE_TAG_BITS)

static inline uintptr_t lt_source_tag(unsigned index)
{
    return (uintptr_t)index << LT_SOURCE_TAG_SHIFT;
}

static inline unsigned lt_source_tag_index(const void *opaque)
{
    return (unsigned)((uintptr_t)opaque >> LT_SOURCE_TAG_SHIFT);
}

static inline void *lt_source_untag(void *opaque)
{
    return (void *)((uintptr_t)opaque & ~(((uintptr_t)LT_SOURCE_MAX - 1) << LT_SOURCE_TAG_SHIFT));
}

typedef struct lt_collector_source {
    const char *name; /* "tiktok": its configuration section and its rooms' platform */
    /* 0 parsed into ref->parsed; -1 with what was expected in err */
    int (*parse)(const char *text, void *parsed, char *err, size_t errlen);
    /* 0 added (started from the next tick); 1 already collected; -1 err says why */
    int (*add)(void *instance, const lt_collector_room_ref *ref, char *err, size_t errlen);
    /* 0 stopped and forgotten ("ended", reason "removed"); -1 not collected
     * here; 1 collected but not removable on request (err says why) */
    int (*remove)(void *instance, const lt_collector_room_ref *ref, char *err, size_t errlen);
    size_t (*room_count)(void *instance);
    json_t *(*rooms_json)(void *instance);                                  /* new reference */
    json_t *(*room_json)(void *instance, const lt_collector_room_ref *ref); /* NULL: not here */
    bool (*ready)(void *instance, json_t **detail);                         /* /readyz */
    int (*write_metrics)(void *instance, lt_buf *out);                      /* /metrics; -1 out of memory */
    /* a delivery report of a record this source published (the runtime
     * sets the producer's callback once and routes each report here) */
    void (*on_delivery)(void *instance, void *opaque, const char *error);
    /* The loop and who owns what. The runtime owns the one lws context of
     * the process (core/loop.h): it creates it before any source, gives it
     * to each source's create (the source adds its own vhost - TikTok's
     * client protocols, BIGO's push listener - and its own timers, and
     * never creates, services or destroys a context), runs the service
     * loop until stop, then calls finish of each source in the runtime's
     * order, and destroys the context after every source. */
    int (*start)(void *instance); /* NULL: nothing; the loop is about to run; -1 failed (logged) */
    /* The tick: a source's periodic housekeeping (reconnects, heartbeats,
     * timeouts, retries, delivery reports). A source schedules no periodic
     * timer of its own: the runtime calls tick on the loop from its one
     * timer, every tick_ms at the earliest (each source at its own period;
     * the timer wakes for the earliest due), from the first turn of the
     * loop after every start succeeded until the stop. A pause does not stop
     * ticks: pausing stops reading, and reconnects and timeouts must go on;
     * the tick itself leaves out what reads (BIGO: pull and the catalogue).
     * After the stop nobody ticks: a finish that needs its tick while it
     * drains drives it itself. NULL: no tick. */
    void (*tick)(void *instance, int64_t now_ms);
    int tick_ms; /* the period this source asks for (>= 1) */
    /* Kafka backpressure: the runtime's one gate (kafka/gate.h), shared by
     * every source, calls this for each source: stop (true) or resume
     * (false) reading. NULL: nothing to pause. */
    void (*pause)(void *instance, bool paused);
    /* Async-signal-safe: the source stops waiting (backpressure) and
     * publishing; the runtime calls it for every source when it stops. */
    void (*stop)(void *instance);
    /* After the loop ended: stops the source's rooms and flushes Kafka,
     * servicing the context as long as it needs (close handshakes, batches
     * answered after their acks); returns the records Kafka did not
     * acknowledge. */
    long (*finish)(void *instance);
    void (*destroy)(void *instance); /* accepts NULL */
} lt_collector_source;

/* Parses text with the source's parse into *out (input kept as given);
 * 0, or -1 with err. */
int lt_collector_room_parse(const lt_collector_source *s, const char *text, lt_collector_room_ref *out,
                            char *err, size_t errlen);

#endif
