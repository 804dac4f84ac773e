/* handover.c - make-before-break room handover between collectors; see
 * handover.h for the protocol.
 *
 * Per room a `room_handover` says what the room does besides collecting:
 * giving it away (the old owner: until the new owner is live, then
 * draining until its records are acknowledged) and/or holding its events
 * (the new owner: until the previous one says it ended). Both are driven
 * from the collector's tick and from room_status records of other
 * collectors; nothing here blocks except publishing a released hold, which
 * waits for Kafka's queue the way every publish does.
 *
 * The collector-wide part: the handovers other collectors announced
 * (room_status "handing_over") and the records in flight per second of
 * receive time. An announcement stands until that collector says, later,
 * that it no longer collects the room (a final state) or that it keeps it
 * ("live" [taken_back]); what it says in between - "reconnecting", then
 * "live" again, when its push connection is made again - does not end its
 * handover. After its end the announcement stays for give_max as the
 * moment the end was read here: a room that starts here meanwhile was
 * seeded from reads of Kafka that may predate the old owner's last records
 * (the tail reader caches a read for seconds), so it reads again.
 */
#include "tiktok/handover.h"

#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/strmap.h"
#include "tiktok/collector_internal.h"

#define GRACE_MS 1000      /* the old owner keeps collecting this long after the new one is live */
#define DRAIN_MAX_MS 10000 /* bound on waiting for the old owner's acknowledgements */
#define SECONDS 128        /* in-flight ring: one slot per second of receive time */

/* --- state --- */

typedef struct held_event {
    lt_event_type type;
    int64_t msg_id;
    void *opaque;
    uint8_t *value;
    size_t len;
} held_event;

struct room_handover {
    /* giving the room away */
    bool giving, draining;
    int64_t give_since, give_deadline, stop_taking_at, drain_since, drain_deadline;
    const char *end_reason;
    /* holding its events for the previous owner */
    bool holding, release_ready;
    char peer[128];
    int64_t peer_announced; /* the announcement's event_time: older statuses of the peer are stale */
    char hold_room_id[LT_ROOM_ID_MAX + 1];
    int64_t hold_since, hold_deadline, final_seen_ms;
    held_event *held;
    size_t head, count, cap, bytes;
};

typedef struct flight_slot {
    int64_t second, n; /* records received in that second, not yet acknowledged */
} flight_slot;

typedef struct announced announced;
struct announced {
    char input[256];
    char collector_id[128];
    int64_t at;             /* when it reached here (the hold's deadline counts from it) */
    int64_t event_time;     /* when its collector announced it (its clock) */
    int64_t ended_at;       /* when its end reached here; 0 while it goes on */
    announced *prev, *next; /* in the list of ended ones, oldest first */
};

struct handover_state {
    lt_tiktok_handover_options opts;
    lt_tiktok_handover_stats stats;
    flight_slot in_flight[SECONDS];
    int64_t in_flight_older;             /* ... in seconds whose slot has been taken by a later second */
    lt_strmap *announced;                /* what was typed for the room -> announced (owned) */
    announced *ended_first, *ended_last; /* forgotten give_max after their end */
    int64_t log_slot;
};

int lt_tiktok_collector_enable_handover(lt_tiktok_collector *c, const lt_tiktok_handover_options *opts)
{
    if (!c->handover && !(c->handover = calloc(1, sizeof *c->handover)))
        return -1;
    if (!c->handover->announced && !(c->handover->announced = lt_strmap_create())) {
        free(c->handover);
        c->handover = NULL;
        return -1;
    }
    lt_tiktok_handover_options *o = &c->handover->opts;
    *o = *opts;
    if (o->timeout_ms <= 0)
        o->timeout_ms = 20000;
    if (!o->hold_max_events)
        o->hold_max_events = 20000;
    if (!o->hold_max_bytes)
        o->hold_max_bytes = 8u << 20;
    return 0;
}

void lt_tiktok_handover_free(lt_tiktok_collector *c)
{
    if (!c->handover)
        return;
    lt_strmap_destroy_values(c->handover->announced, free);
    free(c->handover);
    c->handover = NULL;
}

void lt_tiktok_collector_handover_stats(const lt_tiktok_collector *c, lt_tiktok_handover_stats *out)
{
    if (c->handover)
        *out = c->handover->stats;
    else
        memset(out, 0, sizeof *out);
}

static struct room_handover *room_state(room *r)
{
    if (!r->handover)
        r->handover = calloc(1, sizeof *r->handover);
    return r->handover;
}

static void drop_held(struct room_handover *h)
{
    for (size_t i = 0; i < h->count; i++)
        free(h->held[(h->head + i) % h->cap].value);
    free(h->held);
    h->held = NULL;
    h->head = h->count = h->cap = h->bytes = 0;
}

void lt_tiktok_handover_free_room(room *r)
{
    if (!r->handover)
        return;
    drop_held(r->handover);
    free(r->handover);
    r->handover = NULL;
}

static room *find_room(lt_tiktok_collector *c, const char *input)
{
    lt_tiktok_room_ref ref;
    char err[256];
    if (lt_tiktok_room_parse(input, &ref, err, sizeof err))
        return NULL;
    return lt_tiktok_collector_find(c, &ref, NULL);
}

/* --- records in flight, by second of receive time --- */

/* Seconds since the gate's creation. A slot belongs to one second at a time:
 * a later second takes it over and what was still in flight there moves to
 * in_flight_older (records unacknowledged for SECONDS, rare), so the records
 * received after a drain began never count as received before it. */
static int64_t received_second(const lt_tiktok_collector *c, int64_t ms)
{
    return (ms - lt_gate_epoch_ms(c->gate)) / 1000;
}

void lt_tiktok_handover_in_flight(lt_tiktok_collector *c, void *opaque, int delta)
{
    struct handover_state *hs = c->handover;
    if (!hs)
        return;
    int64_t second = received_second(c, lt_gate_opaque_received_ms(c->gate, opaque));
    flight_slot *slot = &hs->in_flight[second % SECONDS];
    if (delta > 0) {
        if (slot->second < second) {
            hs->in_flight_older += slot->n;
            slot->second = second;
            slot->n = 0;
        }
        if (slot->second == second)
            slot->n++;
        else /* its slot already belongs to a later second */
            hs->in_flight_older++;
    } else if (slot->second == second && slot->n > 0) {
        slot->n--;
    } else if (hs->in_flight_older > 0) {
        hs->in_flight_older--;
    } /* else: sent before handovers were on */
}

bool lt_tiktok_handover_acknowledged_before(lt_tiktok_collector *c, int64_t at)
{
    struct handover_state *hs = c->handover;
    int64_t last = received_second(c, at);
    if (hs->in_flight_older > 0)
        return false;
    for (size_t i = 0; i < SECONDS; i++)
        if (hs->in_flight[i].n > 0 && hs->in_flight[i].second <= last)
            return false;
    return true;
}

/* --- the new owner: holding --- */

static int hold_send(room *r, const held_event *e, const char *room_id)
{
    lt_tiktok_collector *c = r->c;
    lt_event env;
    memset(&env, 0, sizeof env);
    env.type = e->type;
    env.platform = LT_PLATFORM_TIKTOK;
    env.room_id = room_id;
    env.msg_id = e->msg_id;
    env.collector_id = c->opts.collector_id;
    /* the gate's rules, as for any event: counted, waited for, given up */
    lt_gate_record rec = {.ev = &env, .value = e->value, .value_len = e->len, .opaque = e->opaque};
    if (lt_gate_publish(c->gate, &rec, NULL, 0) < 0)
        return -1;
    lt_tiktok_handover_in_flight(c, e->opaque, 1);
    c->stats.events_published++;
    r->events++;
    return 0;
}

/* Publishes one held event unless the room's window has it. */
static void publish_held(room *r, const held_event *e, const char *room_id)
{
    lt_tiktok_handover_stats *st = &r->c->handover->stats;
    if (e->msg_id && r->dedupe && lt_dedupe_check(r->dedupe, e->msg_id)) {
        st->held_duplicates++;
        r->c->stats.duplicates_dropped++;
        return;
    }
    if (hold_send(r, e, room_id) == 0)
        st->events_released++;
    else if (e->msg_id && r->dedupe)
        lt_dedupe_forget_last(r->dedupe, e->msg_id);
}

static held_event *pop_oldest(struct room_handover *h)
{
    held_event *e = &h->held[h->head];
    h->head = (h->head + 1) % h->cap;
    h->count--;
    h->bytes -= e->len;
    return e;
}

bool lt_tiktok_handover_hold(room *r, const lt_event *ev)
{
    struct room_handover *h = r->handover;
    lt_tiktok_collector *c = r->c;
    if (!h || !h->holding || !c->handover || !c->opts.publisher)
        return false;
    if (strcmp(h->hold_room_id, r->room_id) != 0)
        return false; /* a new room id since the hold began: nobody else has it */
    struct handover_state *hs = c->handover;
    while (h->count && (h->count >= hs->opts.hold_max_events || h->bytes >= hs->opts.hold_max_bytes)) {
        held_event *old = pop_oldest(h);
        hs->stats.hold_overflow++;
        lt_log_every(&hs->log_slot, 10000, LT_LOG_WARN,
                     "room %s: held events outgrew the bound (%zu events, %zu bytes): publishing the oldest "
                     "early (%llu so far)",
                     r->label, hs->opts.hold_max_events, hs->opts.hold_max_bytes,
                     (unsigned long long)hs->stats.hold_overflow);
        publish_held(r, old, h->hold_room_id);
        free(old->value);
    }
    if (h->count == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        held_event *grown = malloc(cap * sizeof *grown);
        if (!grown)
            return false; /* publish it now: a duplicate at worst */
        for (size_t i = 0; i < h->count; i++)
            grown[i] = h->held[(h->head + i) % h->cap];
        free(h->held);
        h->held = grown;
        h->head = 0;
        h->cap = cap;
    }
    lt_buf value = LT_BUF_INIT;
    char err[256];
    if (lt_publisher_encode(c->opts.publisher, ev, &value, err, sizeof err)) {
        lt_buf_free(&value);
        return false;
    }
    held_event *e = &h->held[(h->head + h->count) % h->cap];
    e->type = ev->type;
    e->msg_id = ev->msg_id;
    e->opaque = lt_tiktok_collector_opaque(c, ev);
    e->value = lt_buf_detach(&value, &e->len);
    h->count++;
    h->bytes += e->len;
    hs->stats.events_held++;
    return true;
}

/* Refreshes the window from Kafka (the previous owner's last records are
 * there now), then publishes what is held. */
void lt_tiktok_handover_release(room *r)
{
    struct room_handover *h = r->handover;
    lt_tiktok_collector *c = r->c;
    if (!h || !h->holding)
        return;
    h->holding = false;
    size_t n = h->count, dupes_before = (size_t)c->handover->stats.held_duplicates;
    /* refreshed even when nothing is held: a room not yet connected here
     * resumes from TikTok's cursor, which can hand it the previous owner's
     * last messages (its window was seeded while they were in flight) */
    if (r->dedupe && strcmp(h->hold_room_id, r->room_id) == 0) {
        int64_t seen = h->final_seen_ms ? h->final_seen_ms : lt_now_ms();
        if (c->opts.refresh_window)
            c->opts.refresh_window(c->opts.hook_ctx, r->room_id, seen, r->dedupe);
    }
    while (h->count) {
        held_event *e = pop_oldest(h);
        publish_held(r, e, h->hold_room_id);
        free(e->value);
    }
    drop_held(h);
    lt_info("room %s %s: hold for %s released after %.1f s%s: %zu event(s), %zu already in Kafka", r->label,
            h->hold_room_id, h->peer, (double)(lt_now_ms() - h->hold_since) / 1000.0,
            h->release_ready ? "" : " (deadline; it did not say it ended)", n,
            (size_t)c->handover->stats.held_duplicates - dupes_before);
}

static announced *find_announced(struct handover_state *hs, const char *input)
{
    return lt_strmap_get(hs->announced, input);
}

const char *lt_tiktok_collector_announced_by(const lt_tiktok_collector *c, const char *input)
{
    announced *a = c->handover ? find_announced(c->handover, input) : NULL;
    return a && !a->ended_at ? a->collector_id : NULL;
}

/* The longest a handover lasts from its announcement: the announcing owner
 * collects until its deadline, then drains (a rebalance can assign the room
 * here seconds after the revoke). */
static int64_t give_max(const struct handover_state *hs)
{
    return hs->opts.timeout_ms + DRAIN_MAX_MS;
}

static void mark_ended(struct handover_state *hs, announced *a, int64_t now)
{
    a->ended_at = now;
    a->prev = hs->ended_last;
    a->next = NULL;
    if (hs->ended_last)
        hs->ended_last->next = a;
    else
        hs->ended_first = a;
    hs->ended_last = a;
}

static void unmark_ended(struct handover_state *hs, announced *a)
{
    if (hs->ended_first == a)
        hs->ended_first = a->next;
    else if (a->prev)
        a->prev->next = a->next;
    else
        return; /* not ended */
    if (hs->ended_last == a)
        hs->ended_last = a->prev;
    else
        a->next->prev = a->prev;
    a->prev = a->next = NULL;
    a->ended_at = 0;
}

static void forget_announced(struct handover_state *hs, announced *a)
{
    unmark_ended(hs, a);
    lt_strmap_remove(hs->announced, a->input, a);
    free(a);
}

void lt_tiktok_handover_room_started(room *r)
{
    lt_tiktok_collector *c = r->c;
    struct handover_state *hs = c->handover;
    if (!hs || !c->opts.publisher || (r->handover && (r->handover->holding || r->handover->giving)))
        return;
    announced *a = find_announced(hs, r->input);
    int64_t now = lt_now_ms();
    if (!a || !strcmp(a->collector_id, c->opts.collector_id))
        return;
    if (a->ended_at) {
        /* it ended a moment ago: the window was seeded from reads of Kafka
         * that can be older than the previous owner's last records */
        if (r->dedupe && c->opts.refresh_window)
            c->opts.refresh_window(c->opts.hook_ctx, r->room_id, a->ended_at, r->dedupe);
        return;
    }
    if (now - a->at >= give_max(hs))
        return;
    struct room_handover *h = room_state(r);
    if (!h)
        return;
    h->holding = true;
    h->release_ready = false;
    h->final_seen_ms = 0;
    snprintf(h->peer, sizeof h->peer, "%s", a->collector_id);
    h->peer_announced = a->event_time;
    snprintf(h->hold_room_id, sizeof h->hold_room_id, "%s", r->room_id);
    h->hold_since = now;
    h->hold_deadline = a->at + give_max(hs) + GRACE_MS;
    hs->stats.holds++;
    lt_info("room %s %s: %s is handing it over: its events are held until %s has ended it", r->label,
            r->room_id, a->collector_id, a->collector_id);
}

/* --- the old owner: giving --- */

int lt_tiktok_collector_hand_over_room(lt_tiktok_collector *c, const char *input)
{
    room *r = find_room(c, input);
    if (!c->handover || !r || r->phase != PHASE_LIVE)
        return -1;
    struct room_handover *h = room_state(r);
    if (!h)
        return -1;
    if (h->giving)
        return 0;
    int64_t now = lt_now_ms();
    h->giving = true;
    h->draining = false;
    h->stop_taking_at = 0;
    h->give_since = now;
    h->give_deadline = now + c->handover->opts.timeout_ms;
    c->handover->stats.started++;
    lt_tiktok_room_publish_status(r, "handing_over", "reassigned",
                                  "collected here until the new owner is live");
    return 0;
}

bool lt_tiktok_collector_handing_over(lt_tiktok_collector *c, const char *input)
{
    room *r = find_room(c, input);
    return r && r->handover && r->handover->giving;
}

/* The room is given away: ends it here and forgets it. */
static void give_end(room *r)
{
    lt_tiktok_collector *c = r->c;
    struct room_handover *h = r->handover;
    lt_tiktok_handover_stats *st = &c->handover->stats;
    int64_t took = lt_now_ms() - h->give_since;
    if (took > st->worst_ms)
        st->worst_ms = took;
    bool done = !strcmp(h->end_reason, "handed_over"), timed_out = !strcmp(h->end_reason, "reassigned");
    st->completed += done;
    st->timed_out += timed_out;
    lt_info("room %s %s: handover %s after %.1f s", r->label, r->room_id,
            done        ? "done"
            : timed_out ? "timed out (the new owner was not live)"
                        : "cut short",
            (double)took / 1000.0);
    char input[sizeof r->input];
    snprintf(input, sizeof input, "%s", r->input);
    lt_tiktok_collector_release_room(c, input, h->end_reason); /* frees r */
}

/* Stops taking events; the end follows once they are acknowledged. */
static void begin_drain(room *r, const char *reason, int64_t now)
{
    struct room_handover *h = r->handover;
    lt_tiktok_handover_release(r);
    lt_tiktok_room_stop(r);
    h->draining = true;
    h->drain_since = now;
    h->drain_deadline = now + DRAIN_MAX_MS;
    h->end_reason = reason;
}

int lt_tiktok_collector_take_back_room(lt_tiktok_collector *c, const char *input)
{
    room *r = find_room(c, input);
    if (!r || !r->handover || !r->handover->giving)
        return -1;
    struct room_handover *h = r->handover;
    if (h->draining) { /* it has stopped: end it, the caller starts it afresh */
        give_end(r);
        return -1;
    }
    h->giving = false;
    h->stop_taking_at = 0;
    c->handover->stats.taken_back++;
    lt_tiktok_room_publish_status(r, "live", "taken_back", NULL);
    return 0;
}

/* A peer's status on its way to the rooms here it names (each once). */
typedef struct peer_status_match {
    const lt_tiktok_peer_status *st;
    bool live, final;
    int64_t now;
    room *seen; /* named by its input already */
} peer_status_match;

/* What the status means for room r, one that it names. */
static void peer_status_room(const peer_status_match *m, room *r)
{
    const lt_tiktok_peer_status *st = m->st;
    struct room_handover *h = r->handover;
    if (!h || !(h->giving || h->holding))
        return;
    if (h->giving && !h->draining && m->live && !h->stop_taking_at) {
        h->stop_taking_at = m->now + GRACE_MS;
        lt_info("room %s %s: %s is live with it: stopping here", r->label, r->room_id, st->collector_id);
    }
    if (h->holding && m->final && !strcmp(st->collector_id, h->peer) && st->event_time >= h->peer_announced &&
        !h->release_ready) {
        h->release_ready = true;
        h->final_seen_ms = m->now;
    }
}

static bool peer_status_each(void *ctx, void *value)
{
    peer_status_match *m = ctx;
    if (value != m->seen)
        peer_status_room(m, value);
    return false; /* every room with that id */
}

/* An announcement read after the room started here (this collector's
 * room_status consumer behind): the room holds from now on, as if it had
 * started after it. */
static void hold_started_room(lt_tiktok_collector *c, const lt_tiktok_peer_status *st)
{
    room *r = find_room(c, st->input);
    if (r && !strcmp(r->input, st->input) && r->dedupe && r->room_id[0] &&
        (!st->room_id[0] || !strcmp(st->room_id, r->room_id)))
        lt_tiktok_handover_room_started(r);
}

void lt_tiktok_collector_peer_status(lt_tiktok_collector *c, const lt_tiktok_peer_status *st)
{
    struct handover_state *hs = c->handover;
    if (!hs || !strcmp(st->collector_id, c->opts.collector_id))
        return;
    int64_t now = lt_now_ms();
    if (st->input[0]) {
        announced *a = find_announced(hs, st->input);
        if (!strcmp(st->state, "handing_over")) {
            if (!a && (a = calloc(1, sizeof *a))) {
                snprintf(a->input, sizeof a->input, "%s", st->input);
                if (lt_strmap_add(hs->announced, a->input, a) != 0) { /* out of memory: not remembered */
                    free(a);
                    a = NULL;
                }
            }
            if (a && st->event_time >= a->event_time) { /* else a later announcement stands */
                unmark_ended(hs, a);
                snprintf(a->collector_id, sizeof a->collector_id, "%s", st->collector_id);
                a->at = now;
                a->event_time = st->event_time;
                hold_started_room(c, st);
            }
        } else if (a && !a->ended_at && !strcmp(a->collector_id, st->collector_id) &&
                   st->event_time > a->event_time) {
            if (lt_tiktok_room_state_final(st->state))
                mark_ended(hs, a, now);
            else if (!strcmp(st->reason, "taken_back"))
                forget_announced(hs, a);
        }
    }
    peer_status_match m = {.st = st, .now = now};
    m.live = !strcmp(st->state, "live");
    m.final = lt_tiktok_room_state_final(st->state);
    if (!m.live && !m.final)
        return;
    /* the rooms it names, by what was typed or by room id, found through
     * the collector's indexes: a status costs the same with 10 rooms here
     * or 10,000 */
    room *by_input = st->input[0] ? find_room(c, st->input) : NULL;
    if (by_input && !strcmp(by_input->input, st->input)) {
        peer_status_room(&m, by_input);
        m.seen = by_input;
    }
    if (st->room_id[0])
        lt_strmap_each(c->by_room_id, st->room_id, peer_status_each, &m);
}

void lt_tiktok_handover_tick(lt_tiktok_collector *c, int64_t now)
{
    struct handover_state *hs = c->handover;
    if (!hs)
        return;
    while (hs->ended_first && now - hs->ended_first->ended_at >= give_max(hs))
        forget_announced(hs, hs->ended_first);
    for (size_t i = c->room_count; i-- > 0;) {
        room *r = c->rooms[i];
        struct room_handover *h = r->handover;
        if (!h)
            continue;
        if (h->holding && (h->release_ready || now >= h->hold_deadline)) {
            if (!h->release_ready)
                c->handover->stats.holds_timed_out++;
            lt_tiktok_handover_release(r);
        }
        if (!h->giving)
            continue;
        if (!h->draining && h->stop_taking_at && now >= h->stop_taking_at)
            begin_drain(r, "handed_over", now);
        else if (!h->draining && now >= h->give_deadline)
            begin_drain(r, "reassigned", now);
        if (h->draining &&
            (lt_tiktok_handover_acknowledged_before(c, h->drain_since) || now >= h->drain_deadline)) {
            if (now >= h->drain_deadline)
                lt_warn("room %s: its records were not all acknowledged within %d s; ending it anyway",
                        r->label, DRAIN_MAX_MS / 1000);
            give_end(r); /* frees r: the walk goes downwards */
        }
    }
}

int lt_tiktok_handover_write_metrics(lt_tiktok_collector *c, lt_buf *out)
{
    if (!c->handover)
        return 0;
    const lt_tiktok_handover_stats *s = &c->handover->stats;
    const struct {
        const char *name, *help;
        uint64_t v;
    } rows[] = {
        {"handovers_started_total", "live rooms this collector began to hand over on a rebalance",
         s->started},
        {"handovers_completed_total", "of them, ended after the new owner was live", s->completed},
        {"handovers_timed_out_total", "of them, ended at group.handover_timeout_s without it", s->timed_out},
        {"handovers_taken_back_total", "of them, assigned back here before they ended", s->taken_back},
        {"handover_holds_total", "rooms that held their events while the previous owner finished", s->holds},
        {"handover_holds_timed_out_total", "holds released at the deadline", s->holds_timed_out},
        {"handover_events_held_total", "events held", s->events_held},
        {"handover_events_released_total", "held events published (after the hold, or early)",
         s->events_released},
        {"handover_held_duplicates_total", "held events the previous owner had published (dropped)",
         s->held_duplicates},
        {"handover_hold_overflow_total", "held events published early because a hold outgrew its bounds",
         s->hold_overflow},
    };
    char line[512];
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int n =
            snprintf(line, sizeof line,
                     "# HELP livetap_collector_%s %s\n# TYPE livetap_collector_%s counter\n"
                     "livetap_collector_%s %llu\n",
                     rows[i].name, rows[i].help, rows[i].name, rows[i].name, (unsigned long long)rows[i].v);
        if (lt_buf_append(out, line, (size_t)n))
            return -1;
    }
    return 0;
}

void lt_tiktok_handover_shutdown(lt_tiktok_collector *c)
{
    if (!c->handover)
        return;
    for (size_t i = c->room_count; i-- > 0;) {
        room *r = c->rooms[i];
        if (!r->handover)
            continue;
        lt_tiktok_handover_release(r);
        if (r->handover->giving) {
            r->handover->end_reason = "shutdown";
            give_end(r);
        }
    }
}

size_t lt_tiktok_collector_handovers_pending(const lt_tiktok_collector *c)
{
    size_t n = 0;
    for (size_t i = 0; c->handover && i < c->room_count; i++)
        n += c->rooms[i]->handover && c->rooms[i]->handover->giving;
    return n;
}
