/* catalogue.c - BIGO's gift catalogue into the compacted gift_info topic.
 *
 * BIGO's gift list (/gift/get_list, docs/protocol/bigo.md §3.2) is asked
 * with an anchor's Bearer token and is specific to that anchor's region;
 * BIGO advises caching it 5-10 minutes at most and asking again when a gift
 * id turns up that the list lacks. So, for every anchor we hold a token for:
 *   - once at start, anchor after anchor in configuration order (so the
 *     first answers decide, see below, and no gift is published twice at
 *     start), then every interval_ms;
 *   - again when a game session of the anchor becomes active, unless the
 *     list is younger than min_refresh_ms;
 *   - again, at most once per min_refresh_ms, when a gift item of the
 *     anchor's room carries an id its list lacks. An id a fresh list still
 *     lacks (backpack gifts, say) asks no more until the next periodic
 *     refresh. A room we hold no token for uses the first anchor's list.
 * Errors (HTTP, rescode, transport, malformed answers) back off per anchor,
 * 1 s doubling to 60 s; HTTP 401 refreshes the token (pull.c).
 *
 * Publishing: each gift is one gift_info record keyed "bigo:<giftid>" (the
 * publisher's rule for platform bigo), published only when new or changed
 * since this process last published it (name, price, icon). Regions may
 * price one gift id differently; one compacted key cannot hold both, so the
 * record is that of the first anchor in configuration order that lists the
 * gift, and other anchors' differing versions are counted as regional
 * variants, not published (a gift event carries its own price anyway).
 * An answer's records are one ledger group: if Kafka refuses one, the
 * answer's gifts are forgotten and the next answer publishes them again.
 * Memory: at most MAX_GIFTS gifts are remembered; when full it starts over,
 * which compaction absorbs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bigo/giftlist.h"
#include "bigo/internal.h"
#include "core/backoff.h"
#include "core/log.h"

#define MAX_GIFTS 10000
#define MAX_ASKED 32
#define BACKOFF_BASE_MS 1000
#define BACKOFF_CAP_MS 60000

typedef struct cat_anchor {
    lt_bigo_catalogue *c;
    char openid[LT_BIGO_MAX_ID];
    unsigned rank;
    bool busy;                  /* a request, or its records' group, is outstanding */
    bool tried;                 /* the first request has finished (either way) */
    bool wanted;                /* refresh as soon as hold_ms allows */
    bool failing;               /* for logging the first failure and the recovery only */
    int64_t next_ms;            /* the periodic refresh, or the retry after an error */
    int64_t hold_ms;            /* no extra refresh before this (min_refresh_ms, backoff) */
    int64_t last_ok_ms;
    lt_backoff backoff;
    int64_t *listed;            /* gift ids of the last good answer, sorted */
    size_t listed_count;
    int64_t asked[MAX_ASKED];   /* unknown ids that asked for the next refresh */
    size_t asked_count;
    uint64_t first_gen;         /* generation of the first record the current answer published */
    char game_sess[LT_BIGO_MAX_ID];
} cat_anchor;

typedef struct gift_memory {
    int64_t gift_id;
    uint64_t hash;
    unsigned rank;              /* of the anchor whose version was published */
    uint64_t gen;
} gift_memory;

struct lt_bigo_catalogue {
    lt_bigo *b;
    lt_bigo_pull *p;
    int interval_ms, min_refresh_ms;
    cat_anchor *anchors;        /* by rank */
    size_t anchor_count;
    gift_memory *gifts;         /* sorted by gift_id */
    size_t gift_count;
    uint64_t gen;
    int64_t log_slot, log_slot_unknown;
};

/* ------------------------------------------------------------ lookups */

static int cmp_id(const void *key, const void *elem)
{
    int64_t a = *(const int64_t *)key, b = *(const int64_t *)elem;
    return a < b ? -1 : a > b;
}

static bool listed(const cat_anchor *a, int64_t id)
{
    return a->listed_count && bsearch(&id, a->listed, a->listed_count, sizeof *a->listed, cmp_id);
}

static size_t memory_slot(const lt_bigo_catalogue *c, int64_t id, bool *found)
{
    size_t lo = 0, hi = c->gift_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->gifts[mid].gift_id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < c->gift_count && c->gifts[lo].gift_id == id;
    return lo;
}

static cat_anchor *find_anchor(lt_bigo_catalogue *c, const char *openid)
{
    for (size_t i = 0; i < c->anchor_count; i++)
        if (strcmp(c->anchors[i].openid, openid) == 0)
            return &c->anchors[i];
    return NULL;
}

/* ------------------------------------------------------------ publishing */

/* Kafka's verdict on one answer's records. */
static void records_done(void *ctx, lt_bigo_group *g, bool ok, const char *error)
{
    (void)g;
    cat_anchor *a = ctx;
    lt_bigo_catalogue *c = a->c;
    a->busy = false;
    if (ok)
        return;
    size_t kept = 0;
    for (size_t i = 0; i < c->gift_count; i++)
        if (!(c->gifts[i].rank == a->rank && c->gifts[i].gen >= a->first_gen))
            c->gifts[kept++] = c->gifts[i];
    c->gift_count = kept;
    a->next_ms = lt_now_ms() + lt_backoff_next(&a->backoff);
    lt_log_every(&c->log_slot, 60000, LT_LOG_WARN, "bigo gifts: %s's catalogue not stored in Kafka (%s): asking again",
                 a->openid, error ? error : "?");
}

/* Publishes g if it is new or changed (see the top of the file). */
static void consider(lt_bigo_catalogue *c, cat_anchor *a, lt_bigo_group *grp, const lt_bigo_gift *g, int64_t now)
{
    lt_bigo_stats *st = &c->b->stats;
    uint64_t h = lt_bigo_gift_hash(g);
    bool found;
    size_t at = memory_slot(c, g->gift_id, &found);
    if (found) {
        gift_memory *m = &c->gifts[at];
        if (m->rank < a->rank) {
            if (m->hash != h)
                st->gifts_regional++;
            else
                st->gifts_unchanged++;
            return;
        }
        if (m->hash == h) {
            m->rank = a->rank;
            st->gifts_unchanged++;
            return;
        }
    } else {
        if (c->gift_count >= MAX_GIFTS) {
            lt_warn("bigo gifts: more than %d gift ids: forgetting what was published (compaction absorbs it)",
                    MAX_GIFTS);
            c->gift_count = 0;
            at = 0;
        }
        memmove(&c->gifts[at + 1], &c->gifts[at], (c->gift_count - at) * sizeof *c->gifts);
        c->gift_count++;
    }
    c->gifts[at] = (gift_memory){g->gift_id, h, a->rank, ++c->gen};
    lt_event ev;
    lt_bigo_gift_info_event(g, a->openid, now, &ev);
    char key[64];
    int n = snprintf(key, sizeof key, "gift_info\x1f%llu", (unsigned long long)c->gen);
    lt_bigo_publish_event(c->b, grp, key, (size_t)n, &ev);
    st->gifts_published++;
    lt_debug("bigo gifts: %s gift %lld \"%s\" value %d (%s's catalogue)", found ? "changed" : "new",
             (long long)g->gift_id, g->name, (int)g->value, a->openid);
}

/* Keeps the answer's ids (plus the unknown ids it still lacks) for
 * lt_bigo_catalogue_saw_gift. */
static void remember_listed(cat_anchor *a, const lt_bigo_gift_list *l)
{
    size_t n = l->count + a->asked_count;
    int64_t *ids = malloc((n ? n : 1) * sizeof *ids); /* bsearch and qsort need a real array */
    if (!ids)
        return; /* keep the old list: at worst a refresh too many */
    size_t k = 0;
    for (size_t i = 0; i < l->count; i++)
        ids[k++] = l->gifts[i].gift_id;
    for (size_t i = 0; i < a->asked_count; i++) {
        if (bsearch(&a->asked[i], ids, l->count, sizeof *ids, cmp_id))
            continue;
        a->c->b->stats.gifts_unlisted++;
        lt_log_every(&a->c->log_slot_unknown, 60000, LT_LOG_INFO,
                     "bigo gifts: gift %lld is not in %s's catalogue even after a refresh (not asked again until the "
                     "next periodic refresh)", (long long)a->asked[i], a->openid);
        ids[k++] = a->asked[i];
    }
    qsort(ids, k, sizeof *ids, cmp_id);
    free(a->listed);
    a->listed = ids;
    a->listed_count = k;
    a->asked_count = 0;
}

static void failed(cat_anchor *a, int64_t now, const char *what)
{
    a->busy = false;
    a->next_ms = now + lt_backoff_next(&a->backoff);
    if (a->hold_ms < a->next_ms)
        a->hold_ms = a->next_ms;
    if (!a->failing)
        lt_warn("bigo gifts: %s's gift list failed (%s); retrying with backoff", a->openid, what);
    else
        lt_log_every(&a->c->log_slot, 60000, LT_LOG_WARN, "bigo gifts: %s's gift list still failing (%s)", a->openid,
                     what);
    a->failing = true;
}

static void on_answer(void *ctx, long status, const char *body, size_t len, const char *error)
{
    cat_anchor *a = ctx;
    lt_bigo_catalogue *c = a->c;
    lt_bigo_stats *st = &c->b->stats;
    int64_t now = lt_now_ms();
    a->tried = true;
    char what[300];
    if (error || status != 200) {
        bool limited = status == 408;
        if (limited)
            st->gift_lists_rate_limited++;
        else
            st->gift_lists_failed++;
        if (error)
            snprintf(what, sizeof what, "%s", error);
        else
            snprintf(what, sizeof what, "HTTP %ld", status);
        failed(a, now, what);
        return;
    }
    lt_bigo_gift_list l;
    char err[256];
    if (lt_bigo_gift_list_parse(body ? body : "", len, LT_BIGO_GIFT_LIST_MAX, &l, err, sizeof err)) {
        lt_bigo_gift_list_clear(&l);
        st->gift_lists_malformed++;
        failed(a, now, err);
        return;
    }
    if (l.rescode != 200) {
        if (l.rescode == 401)
            st->gift_lists_rate_limited++;
        else
            st->gift_lists_failed++;
        snprintf(what, sizeof what, "rescode %lld (%s)", (long long)l.rescode, l.message);
        lt_bigo_gift_list_clear(&l);
        failed(a, now, what);
        return;
    }
    st->gift_lists++;
    st->gifts_skipped += l.skipped + l.truncated;
    if (l.skipped || l.truncated)
        lt_log_every(&c->log_slot, 60000, LT_LOG_WARN,
                     "bigo gifts: %s's gift list: %zu malformed or repeated entries skipped, %zu beyond %d not read",
                     a->openid, l.skipped, l.truncated, LT_BIGO_GIFT_LIST_MAX);
    if (a->failing)
        lt_info("bigo gifts: %s's gift list works again", a->openid);
    a->failing = false;
    a->wanted = false;
    a->last_ok_ms = now;
    a->next_ms = now + c->interval_ms;
    lt_backoff_reset(&a->backoff);
    remember_listed(a, &l);
    if (c->b->draining) { /* Kafka is being flushed for shutdown */
        a->busy = false;
        lt_bigo_gift_list_clear(&l);
        return;
    }
    lt_bigo_group *g = lt_bigo_group_create(c->b->ledger, records_done, a);
    if (!g) {
        a->busy = false;
        lt_bigo_gift_list_clear(&l);
        return;
    }
    a->first_gen = c->gen + 1;
    for (size_t i = 0; i < l.count; i++)
        consider(c, a, g, &l.gifts[i], now);
    lt_info("bigo gifts: %s's catalogue: %zu gifts", a->openid, l.count);
    lt_bigo_gift_list_clear(&l);
    lt_bigo_group_seal(g); /* may complete at once: records_done runs */
}

/* ------------------------------------------------------------ scheduling */

static void ask(lt_bigo_catalogue *c, cat_anchor *a, int64_t now)
{
    char seqid[64];
    snprintf(seqid, sizeof seqid, "lt-gifts-%lld-%u", (long long)now, a->rank);
    json_t *body = json_pack("{s:s}", "seqid", seqid);
    a->hold_ms = now + c->min_refresh_ms;
    if (!body || lt_bigo_pull_call_gift_list(c->p, a->openid, body, on_answer, a)) {
        a->tried = true;
        c->b->stats.gift_lists_failed++;
        failed(a, now, "cannot start the request");
        return;
    }
    a->busy = true;
}

void lt_bigo_catalogue_tick(lt_bigo_catalogue *c, int64_t now)
{
    bool earlier_untried = false;
    for (size_t i = 0; i < c->anchor_count; i++) {
        cat_anchor *a = &c->anchors[i];
        bool first = !a->tried;
        /* min_refresh_ms holds back only the extra refreshes; failures
         * hold them back further (failed()), retries follow the backoff */
        bool due = first ? !earlier_untried : now >= a->next_ms || (a->wanted && now >= a->hold_ms);
        if (!a->busy && due)
            ask(c, a, now);
        earlier_untried |= !a->tried;
    }
}

void lt_bigo_catalogue_session(lt_bigo_catalogue *c, const char *openid, const char *game_sess, int64_t now)
{
    cat_anchor *a = find_anchor(c, openid);
    if (!a || strcmp(a->game_sess, game_sess) == 0)
        return;
    snprintf(a->game_sess, sizeof a->game_sess, "%s", game_sess);
    if (a->tried && now - a->last_ok_ms >= c->min_refresh_ms)
        a->wanted = true;
}

void lt_bigo_catalogue_saw_gift(lt_bigo_catalogue *c, const char *room, int64_t gift_id, int64_t now)
{
    (void)now;
    if (gift_id <= 0 || c->anchor_count == 0)
        return;
    cat_anchor *a = find_anchor(c, room);
    if (!a) {
        bool found;
        memory_slot(c, gift_id, &found);
        if (found)
            return;
        a = &c->anchors[0];
    }
    if (!a->tried || listed(a, gift_id))
        return; /* the first answer is on its way, or nothing to do */
    for (size_t i = 0; i < a->asked_count; i++)
        if (a->asked[i] == gift_id)
            return;
    if (a->asked_count == MAX_ASKED)
        return;
    a->asked[a->asked_count++] = gift_id;
    a->wanted = true;
    c->b->stats.gift_unknown_refreshes++;
    lt_log_every(&c->log_slot_unknown, 10000, LT_LOG_INFO,
                 "bigo gifts: gift %lld in room %s is not in %s's catalogue: refreshing it", (long long)gift_id, room,
                 a->openid);
}

/* ------------------------------------------------------------ life cycle */

lt_bigo_catalogue *lt_bigo_catalogue_create(lt_bigo *b, lt_bigo_pull *p, int interval_ms, int min_refresh_ms)
{
    lt_bigo_catalogue *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->b = b;
    c->p = p;
    c->interval_ms = interval_ms > 0 ? interval_ms : 300000;
    c->min_refresh_ms = min_refresh_ms > 0 ? min_refresh_ms : 10000;
    c->anchor_count = lt_bigo_pull_anchor_count(p);
    c->anchors = calloc(c->anchor_count ? c->anchor_count : 1, sizeof *c->anchors);
    c->gifts = calloc(MAX_GIFTS, sizeof *c->gifts);
    if (!c->anchors || !c->gifts) {
        lt_bigo_catalogue_destroy(c);
        return NULL;
    }
    int64_t now = lt_now_ms();
    for (size_t i = 0; i < c->anchor_count; i++) {
        cat_anchor *a = &c->anchors[i];
        const char *openid = lt_bigo_pull_anchor(p, i);
        a->c = c;
        a->rank = (unsigned)i;
        snprintf(a->openid, sizeof a->openid, "%s", openid ? openid : "");
        lt_backoff_init(&a->backoff, BACKOFF_BASE_MS, BACKOFF_CAP_MS, (uint64_t)now ^ (uint64_t)(uintptr_t)a);
    }
    return c;
}

void lt_bigo_catalogue_destroy(lt_bigo_catalogue *c)
{
    if (!c)
        return;
    for (size_t i = 0; c->anchors && i < c->anchor_count; i++)
        free(c->anchors[i].listed);
    free(c->anchors);
    free(c->gifts);
    free(c);
}
