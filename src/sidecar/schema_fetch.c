/* schema_fetch.c - registry lookups off the rendering thread.
 *
 * The consumer thread renders every record; a schema id it does not know
 * used to cost it a blocking registry request: 3,000 unknown ids stopped
 * every client for 17 s, and a registry that accepted connections but never
 * answered cost 15 s per id (issue 20). Here a thread of its own, with its
 * own registry client (one curl handle per thread) and a short per-request
 * timeout, does the lookups. The consumer hands it an id and waits a little
 * (a new schema version is usually answered in milliseconds, and its first
 * records are then not lost). Waits that do not end with a schema (an
 * unknown id, a registry that fails or does not answer) come out of a
 * budget of wait_ms per 10 s: once it is spent the consumer does not wait,
 * the record is skipped and counted as a decode error while the lookup goes
 * on, and the renderer remembers failures for 30 s. Waits that end with a
 * schema are free: there are only so many real schemas, and a collector
 * starting on new topics brings dozens at once.
 *
 * The table holds at most MAX_IDS ids (queued, being fetched, or answered
 * and not yet collected); answers not collected within a minute are
 * dropped, so ids that never come back do not fill it.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "sidecar/render.h"

#define MAX_IDS 1024
#define BUDGET_WINDOW_MS 10000
#define ANSWER_TTL_MS 60000

typedef enum lookup_state { QUEUED, FETCHING, ANSWERED } lookup_state;

typedef struct lookup {
    int32_t id;
    lookup_state state;
    bool ok;
    char *json;            /* ANSWERED and ok: the schema text (owned) */
    char why[256];         /* ANSWERED and not ok */
    int64_t answered_ms;
} lookup;

struct lt_sidecar_schema_fetch {
    lt_registry *registry;
    long wait_ms;
    pthread_t thread;
    bool running;
    pthread_mutex_t lock;
    pthread_cond_t work;   /* an id was queued, or stop */
    pthread_cond_t done;   /* an id was answered */
    bool stop;
    lookup ids[MAX_IDS];
    size_t count;
    /* consumer thread only: the wait budget */
    double budget_ms;
    int64_t budget_at;
};

static lookup *find(lt_sidecar_schema_fetch *f, int32_t id)
{
    for (size_t i = 0; i < f->count; i++)
        if (f->ids[i].id == id)
            return &f->ids[i];
    return NULL;
}

static void remove_at(lt_sidecar_schema_fetch *f, lookup *l)
{
    free(l->json);
    *l = f->ids[--f->count];
}

static void expire_answers(lt_sidecar_schema_fetch *f, int64_t now)
{
    for (size_t i = 0; i < f->count;) {
        lookup *l = &f->ids[i];
        if (l->state == ANSWERED && now - l->answered_ms > ANSWER_TTL_MS)
            remove_at(f, l);
        else
            i++;
    }
}

static void *fetch_main(void *arg)
{
    lt_sidecar_schema_fetch *f = arg;
    pthread_mutex_lock(&f->lock);
    while (!f->stop) {
        lookup *next = NULL;
        for (size_t i = 0; i < f->count && !next; i++)
            if (f->ids[i].state == QUEUED)
                next = &f->ids[i];
        if (!next) {
            pthread_cond_wait(&f->work, &f->lock);
            continue;
        }
        int32_t id = next->id;
        next->state = FETCHING;
        pthread_mutex_unlock(&f->lock);
        char *json = NULL, why[256] = "";
        lt_registry_error rc = lt_registry_get_schema(f->registry, id, &json, why, sizeof(why));
        pthread_mutex_lock(&f->lock);
        lookup *l = find(f, id); /* entries move when others are removed */
        if (l) {
            l->state = ANSWERED;
            l->ok = rc == LT_REGISTRY_OK;
            l->json = l->ok ? json : NULL;
            if (!l->ok) {
                snprintf(l->why, sizeof(l->why), "%s", why);
                free(json);
            }
            l->answered_ms = lt_now_ms();
        } else {
            free(json);
        }
        pthread_cond_broadcast(&f->done);
    }
    pthread_mutex_unlock(&f->lock);
    return NULL;
}

/* The wait this lookup may spend, from a bucket of wait_ms per 10 s. */
static long take_budget(lt_sidecar_schema_fetch *f, int64_t now)
{
    if (f->budget_at == 0) {
        f->budget_ms = (double)f->wait_ms;
    } else {
        f->budget_ms += (double)(now - f->budget_at) * (double)f->wait_ms / BUDGET_WINDOW_MS;
        if (f->budget_ms > (double)f->wait_ms)
            f->budget_ms = (double)f->wait_ms;
    }
    f->budget_at = now;
    return f->budget_ms > 0 ? (long)f->budget_ms : 0;
}

static int fetch_lookup(void *ctx, int32_t id, char **json, char *why, size_t whylen)
{
    lt_sidecar_schema_fetch *f = ctx;
    int64_t start = lt_now_ms();
    pthread_mutex_lock(&f->lock);
    lookup *l = find(f, id);
    if (!l) {
        expire_answers(f, start);
        if (f->count == MAX_IDS) {
            pthread_mutex_unlock(&f->lock);
            snprintf(why, whylen, "%d unknown schema ids are being looked up already", MAX_IDS);
            return -1;
        }
        l = &f->ids[f->count++];
        memset(l, 0, sizeof(*l));
        l->id = id;
        l->state = QUEUED;
        pthread_cond_signal(&f->work);
    }
    long wait = l->state == ANSWERED ? 0 : take_budget(f, start);
    if (wait > 0) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += wait / 1000;
        until.tv_nsec += (wait % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while ((l = find(f, id)) && l->state != ANSWERED)
            if (pthread_cond_timedwait(&f->done, &f->lock, &until) != 0)
                break;
    }
    l = find(f, id);
    if (wait > 0 && !(l && l->state == ANSWERED && l->ok))
        f->budget_ms -= (double)(lt_now_ms() - start);
    if (!l || l->state != ANSWERED) {
        pthread_mutex_unlock(&f->lock);
        snprintf(why, whylen, "the registry has not answered yet (looked up in the background)");
        return 1;
    }
    int rc = l->ok ? 0 : -1;
    if (l->ok) {
        *json = l->json;
        l->json = NULL;
    } else {
        snprintf(why, whylen, "%s", l->why);
    }
    remove_at(f, l);
    pthread_mutex_unlock(&f->lock);
    return rc;
}

lt_sidecar_schema_fetch *lt_sidecar_schema_fetch_create(const lt_registry_options *registry, long wait_ms,
                                                        char *err, size_t errlen)
{
    lt_sidecar_schema_fetch *f = calloc(1, sizeof(*f));
    if (!f) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    f->wait_ms = wait_ms;
    pthread_mutex_init(&f->lock, NULL);
    pthread_cond_init(&f->work, NULL);
    pthread_cond_init(&f->done, NULL);
    if (!(f->registry = lt_registry_create(registry, err, errlen))) {
        lt_sidecar_schema_fetch_destroy(f);
        return NULL;
    }
    if (pthread_create(&f->thread, NULL, fetch_main, f) != 0) {
        snprintf(err, errlen, "cannot start the schema lookup thread");
        lt_sidecar_schema_fetch_destroy(f);
        return NULL;
    }
    f->running = true;
    return f;
}

void lt_sidecar_schema_fetch_destroy(lt_sidecar_schema_fetch *f)
{
    if (!f)
        return;
    if (f->running) {
        pthread_mutex_lock(&f->lock);
        f->stop = true;
        pthread_cond_broadcast(&f->work);
        pthread_mutex_unlock(&f->lock);
        pthread_join(f->thread, NULL); /* at most one request's timeout */
    }
    for (size_t i = 0; i < f->count; i++)
        free(f->ids[i].json);
    lt_registry_destroy(f->registry);
    pthread_mutex_destroy(&f->lock);
    pthread_cond_destroy(&f->work);
    pthread_cond_destroy(&f->done);
    free(f);
}

lt_sidecar_schema_source lt_sidecar_schema_fetch_source(lt_sidecar_schema_fetch *f)
{
    lt_sidecar_schema_source src = {.ctx = f, .lookup = fetch_lookup};
    return src;
}
