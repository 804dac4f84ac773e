/* store.c - the disk quota and retention over every segment.
 *
 * The store counts the bytes of closed segments and of the open ones as
 * they are written. Writing reserves first: when the quota would be passed
 * the oldest closed segments are deleted; when none is left to delete the
 * reservation fails and the writer closes its segment ("disk_full"). So
 * the segments never take more than max_bytes. Closed segments older than
 * max_age are deleted by lt_store_expire. Segments found on disk at start
 * (an earlier run) count too and are deleted first.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "recorder/recorder.h"

typedef struct stored {
    char *path;
    uint64_t bytes;
    int64_t closed_ms;
} stored;

struct lt_store {
    char *dir;
    uint64_t max_bytes, used, deleted;
    int64_t max_age_ms;
    stored *files;            /* closed segments, oldest first */
    size_t count, cap;
};

static int push(lt_store *s, const char *path, uint64_t bytes, int64_t closed_ms)
{
    if (s->count == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        stored *f = realloc(s->files, cap * sizeof *f);
        if (!f)
            return -1;
        s->files = f;
        s->cap = cap;
    }
    char *copy = strdup(path);
    if (!copy)
        return -1;
    s->files[s->count++] = (stored){copy, bytes, closed_ms};
    return 0;
}

static int by_time(const void *a, const void *b)
{
    const stored *x = a, *y = b;
    return (x->closed_ms > y->closed_ms) - (x->closed_ms < y->closed_ms);
}

/* <dir>/<room>/<file>: what an earlier run left counts against the quota. */
static void scan(lt_store *s)
{
    DIR *top = opendir(s->dir);
    struct dirent *room;
    while (top && (room = readdir(top))) {
        if (room->d_name[0] == '.')
            continue;
        char sub[1024];
        snprintf(sub, sizeof sub, "%s/%s", s->dir, room->d_name);
        DIR *d = opendir(sub);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            char path[1400];
            struct stat st;
            snprintf(path, sizeof path, "%s/%s", sub, e->d_name);
            if (e->d_name[0] == '.' || stat(path, &st) || !S_ISREG(st.st_mode))
                continue;
            if (push(s, path, (uint64_t)st.st_size, (int64_t)st.st_mtime * 1000) == 0)
                s->used += (uint64_t)st.st_size;
        }
        if (d)
            closedir(d);
    }
    if (top)
        closedir(top);
    if (s->count)
        qsort(s->files, s->count, sizeof *s->files, by_time);
}

lt_store *lt_store_create(const char *dir, uint64_t max_bytes, int64_t max_age_ms)
{
    lt_store *s = calloc(1, sizeof *s);
    if (!s || !(s->dir = strdup(dir))) {
        free(s);
        return NULL;
    }
    s->max_bytes = max_bytes;
    s->max_age_ms = max_age_ms;
    mkdir(dir, 0755);
    scan(s);
    return s;
}

void lt_store_destroy(lt_store *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->count; i++)
        free(s->files[i].path);
    free(s->files);
    free(s->dir);
    free(s);
}

static void delete_oldest(lt_store *s)
{
    stored f = s->files[0];
    if (unlink(f.path))
        lt_warn("recorder: cannot delete %s to keep the quota: %m", f.path);
    s->used -= f.bytes < s->used ? f.bytes : s->used;
    s->deleted++;
    free(f.path);
    memmove(s->files, s->files + 1, --s->count * sizeof *s->files);
}

int lt_store_reserve(lt_store *s, uint64_t n)
{
    while (s->max_bytes && s->used + n > s->max_bytes && s->count)
        delete_oldest(s);
    if (s->max_bytes && s->used + n > s->max_bytes)
        return -1;
    s->used += n;
    return 0;
}

int lt_store_closed(lt_store *s, const char *path, uint64_t bytes, int64_t closed_ms)
{
    (void)bytes; /* reserved as written */
    return push(s, path, bytes, closed_ms);
}

void lt_store_release(lt_store *s, uint64_t bytes)
{
    s->used -= bytes < s->used ? bytes : s->used;
}

size_t lt_store_expire(lt_store *s, int64_t now_ms)
{
    size_t n = 0;
    while (s->max_age_ms && s->count && now_ms - s->files[0].closed_ms > s->max_age_ms) {
        delete_oldest(s);
        n++;
    }
    return n;
}

uint64_t lt_store_used(const lt_store *s)
{
    return s->used;
}

uint64_t lt_store_deleted(const lt_store *s)
{
    return s->deleted;
}

const char *lt_store_dir(const lt_store *s)
{
    return s->dir;
}
