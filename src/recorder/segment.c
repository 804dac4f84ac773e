/* segment.c - FLV tags into segment files cut at keyframes.
 *
 * A segment starts at a video keyframe: its file is an FLV header, the
 * stream's latest sequence headers (AVC, AAC) at time 0, then the tags with
 * timestamps moved to start at 0. Once it is `segment_ms` long, the next
 * keyframe closes it and opens the next one, so the end of one segment is
 * the start of the next. Times on the wall clock (event_time's clock): a
 * connection's first tag is "now", later tags are placed by their FLV
 * timestamps from there. The file is written as <name>.flv.part and renamed
 * to <name>.flv when closed, so a file without .part is complete.
 */
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "recorder/recorder.h"

struct lt_segmenter {
    lt_store *store;
    char room_id[64], quality[16];
    int64_t segment_ms;
    lt_segment_cb on_closed;
    void *ctx;
    bool ts;                  /* MPEG-TS from HLS: whole media segments, no FLV framing */
    lt_buf seq[2];            /* the latest AVC and AAC sequence headers (whole tags) */
    /* the connection's timeline */
    bool timeline;
    int64_t origin_wall;
    uint32_t origin_ts, last_ts, last_video_ts, video_step;
    /* the open segment */
    FILE *f;
    EVP_MD_CTX *sha;
    char path[512], part[520];
    uint32_t start_ts;
    uint64_t bytes;
    char error[160];
};

lt_segmenter *lt_segmenter_create(lt_store *store, const char *room_id, const char *quality, int64_t segment_ms,
                                  lt_segment_cb on_closed, void *ctx)
{
    lt_segmenter *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->store = store;
    snprintf(s->room_id, sizeof s->room_id, "%s", room_id);
    snprintf(s->quality, sizeof s->quality, "%s", quality);
    s->segment_ms = segment_ms > 0 ? segment_ms : 60000;
    s->on_closed = on_closed;
    s->ctx = ctx;
    s->video_step = 40;
    return s;
}

void lt_segmenter_destroy(lt_segmenter *s)
{
    if (!s)
        return;
    lt_segmenter_close(s, "stop");
    lt_buf_free(&s->seq[0]);
    lt_buf_free(&s->seq[1]);
    free(s);
}

bool lt_segmenter_open(const lt_segmenter *s)
{
    return s->f != NULL;
}

const char *lt_segmenter_error(const lt_segmenter *s)
{
    return s->error;
}

void lt_segmenter_restart(lt_segmenter *s, int64_t now_ms)
{
    (void)now_ms;
    s->timeline = false; /* set by the next tag */
}

static int64_t wall_of(const lt_segmenter *s, uint32_t ts)
{
    return s->origin_wall + ((int64_t)ts - (int64_t)s->origin_ts);
}

/* Writes through the hash; the bytes were reserved. */
static int put(lt_segmenter *s, const uint8_t *p, size_t n)
{
    if (fwrite(p, 1, n, s->f) != n) {
        lt_store_release(s->store, n);
        snprintf(s->error, sizeof s->error, "writing %s: %s", s->part, strerror(errno));
        return -1;
    }
    EVP_DigestUpdate(s->sha, p, n);
    s->bytes += n;
    return 0;
}

/* A tag with its timestamp moved by -start_ts, whole or not at all: -1
 * when the quota has no room for it. */
static int put_tag(lt_segmenter *s, const uint8_t *raw, size_t n, uint32_t ts)
{
    if (lt_store_reserve(s->store, n))
        return -1;
    uint8_t head[11];
    memcpy(head, raw, 11);
    head[4] = (uint8_t)(ts >> 16);
    head[5] = (uint8_t)(ts >> 8);
    head[6] = (uint8_t)ts;
    head[7] = (uint8_t)(ts >> 24);
    if (put(s, head, 11)) {
        lt_store_release(s->store, n - 11);
        return -1;
    }
    return put(s, raw + 11, n - 11);
}

static int open_segment(lt_segmenter *s, uint32_t ts)
{
    char dir[400], stamp[32];
    int64_t start = wall_of(s, ts);
    time_t secs = (time_t)(start / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
    snprintf(dir, sizeof dir, "%s/%s", lt_store_dir(s->store), s->room_id);
    if (mkdir(dir, 0755) && errno != EEXIST) {
        snprintf(s->error, sizeof s->error, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    snprintf(s->path, sizeof s->path, "%s/%s-%s.%03dZ-%s.%s", dir, s->room_id, stamp, (int)(start % 1000),
             s->quality, s->ts ? "ts" : "flv");
    snprintf(s->part, sizeof s->part, "%s.part", s->path);
    if (!(s->f = fopen(s->part, "wb")) || !(s->sha = EVP_MD_CTX_new()) ||
        !EVP_DigestInit_ex(s->sha, EVP_sha256(), NULL)) {
        snprintf(s->error, sizeof s->error, "cannot create %s: %s", s->part, strerror(errno));
        if (s->f)
            fclose(s->f);
        s->f = NULL;
        EVP_MD_CTX_free(s->sha);
        s->sha = NULL;
        return -1;
    }
    s->start_ts = ts;
    s->bytes = 0;
    if (s->ts)
        return 0; /* MPEG-TS needs no file header: the segments are whole */
    static const uint8_t header[13] = {'F', 'L', 'V', 1, 5, 0, 0, 0, 9, 0, 0, 0, 0};
    if (lt_store_reserve(s->store, sizeof header) || put(s, header, sizeof header))
        return -1;
    for (int i = 0; i < 2; i++)
        if (s->seq[i].len && put_tag(s, s->seq[i].data, s->seq[i].len, 0))
            return -1;
    return 0;
}

/* Closes at `end_ts` (the stream time the segment ends at). */
static void close_at(lt_segmenter *s, uint32_t end_ts, const char *reason)
{
    if (!s->f)
        return;
    bool ok = fflush(s->f) == 0 && fsync(fileno(s->f)) == 0;
    ok = fclose(s->f) == 0 && ok;
    s->f = NULL;
    uint8_t md[32];
    unsigned mdlen = 0;
    EVP_DigestFinal_ex(s->sha, md, &mdlen);
    EVP_MD_CTX_free(s->sha);
    s->sha = NULL;
    if (!ok || rename(s->part, s->path)) {
        lt_warn("recorder: room %s: %s left as it was (%s): delete it or play it as it is", s->room_id, s->part,
                strerror(errno));
        lt_store_closed(s->store, s->part, s->bytes, wall_of(s, end_ts));
        return;
    }
    lt_store_closed(s->store, s->path, s->bytes, wall_of(s, end_ts));
    lt_segment_info info = {.room_id = s->room_id,
                            .quality = s->quality,
                            .path = s->path,
                            .start_ms = wall_of(s, s->start_ts),
                            .end_ms = wall_of(s, end_ts),
                            .bytes = s->bytes,
                            .reason = reason};
    info.duration_ms = info.end_ms - info.start_ms;
    for (unsigned i = 0; i < mdlen && i < 32; i++)
        snprintf(info.sha256 + 2 * i, 3, "%02x", md[i]);
    if (s->on_closed)
        s->on_closed(s->ctx, &info);
}

/* A segment that could not even take its headers is deleted. */
static void discard(lt_segmenter *s)
{
    if (!s->f)
        return;
    fclose(s->f);
    s->f = NULL;
    EVP_MD_CTX_free(s->sha);
    s->sha = NULL;
    unlink(s->part);
    lt_store_release(s->store, s->bytes);
}

void lt_segmenter_close(lt_segmenter *s, const char *reason)
{
    close_at(s, s->last_video_ts + s->video_step, reason);
}

int lt_segmenter_tag(lt_segmenter *s, const lt_flv_tag *tag, int64_t now_ms)
{
    if (tag->type == LT_FLV_SCRIPT)
        return 0; /* onMetaData of a live stream says nothing a segment needs */
    if (tag->sequence_header) {
        lt_buf *b = &s->seq[tag->type == LT_FLV_VIDEO ? 0 : 1];
        lt_buf_reset(b);
        return lt_buf_append(b, tag->raw, tag->raw_len);
    }
    bool backwards = tag->type == LT_FLV_VIDEO ? tag->time_ms < s->last_video_ts
                                               : tag->time_ms + 1000 < s->last_ts;
    if (!s->timeline || (backwards && s->timeline)) {
        /* a new connection, or time ran backwards: a new timeline */
        if (s->timeline)
            lt_segmenter_close(s, "discontinuity");
        s->timeline = true;
        s->origin_wall = now_ms;
        s->origin_ts = tag->time_ms;
        s->last_video_ts = 0;
        s->last_ts = tag->time_ms;
    }
    if (tag->time_ms > s->last_ts)
        s->last_ts = tag->time_ms;
    bool key = tag->type == LT_FLV_VIDEO && tag->keyframe;
    if (tag->type == LT_FLV_VIDEO) {
        if (tag->time_ms > s->last_video_ts && s->last_video_ts)
            s->video_step = tag->time_ms - s->last_video_ts;
        s->last_video_ts = tag->time_ms;
    }
    if (key && s->f && (int64_t)(tag->time_ms - s->start_ts) >= s->segment_ms)
        close_at(s, tag->time_ms, "length");
    if (!s->f) {
        if (!key)
            return 0; /* a segment starts at a keyframe */
        if (open_segment(s, tag->time_ms)) {
            discard(s);
            return -1;
        }
    }
    if (put_tag(s, tag->raw, tag->raw_len, tag->time_ms - s->start_ts)) {
        lt_segmenter_close(s, s->error[0] ? "write_error" : "disk_full");
        return -1;
    }
    return 0;
}

void lt_segmenter_use_ts(lt_segmenter *s)
{
    s->ts = true;
}

int lt_segmenter_ts_unit(lt_segmenter *s, const uint8_t *data, size_t len, int64_t dur_ms, bool discontinuity,
                         int64_t now_ms)
{
    if (!s->timeline || discontinuity) {
        /* a new connection, or the stream's timestamps restart */
        if (s->timeline)
            lt_segmenter_close(s, "discontinuity");
        s->timeline = true;
        s->origin_wall = now_ms;
        s->origin_ts = 0;
        s->last_video_ts = 0;
        s->video_step = 0;
    }
    uint32_t at = s->last_video_ts; /* the stream time this unit starts at */
    if (s->f && (int64_t)(at - s->start_ts) >= s->segment_ms)
        close_at(s, at, "length");
    if (!s->f && open_segment(s, at)) {
        discard(s);
        return -1;
    }
    if (lt_store_reserve(s->store, len) || put(s, data, len)) {
        lt_segmenter_close(s, s->error[0] ? "write_error" : "disk_full");
        return -1;
    }
    s->last_video_ts = at + (uint32_t)(dur_ms > 0 ? dur_ms : 0);
    s->last_ts = s->last_video_ts;
    return 0;
}
