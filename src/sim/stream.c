/* stream.c - a room's video as HTTP-FLV, for recorders (docs/simulator.md).
 *
 * The simulator does not encode video: it loops an FLV clip given with
 * --stream-file (tests make one with ffmpeg from Debian: testsrc + sine,
 * H.264/AAC, a keyframe every 2 s, a whole number of keyframe intervals
 * long). Every connection gets the FLV header, the clip's sequence headers,
 * then the clip's tags again and again with timestamps rewritten to run on
 * without a gap, paced at real time (one second ahead), as a CDN relays a
 * live stream. Every quality serves the same clip.
 *
 * Faults (per room, --fault / /_sim/fault): stream_stall_after_ms (the
 * connection stops sending but stays open), stream_cut_after_ms (the
 * connection closes in the middle of a tag), stream_expire_s (room/info
 * hands out URLs that expire this long after they were handed out; an
 * expired URL answers 403 and an open connection on it is closed),
 * stream_end_after_ms (this long after the room's first stream connection
 * the stream ends: connections close after a whole tag and the URLs answer
 * 404).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "sim/sim_internal.h"

#define LEAD_MS 1000       /* how far ahead of real time tags are sent */
#define WRITE_MAX 65536    /* bytes per writable callback */

struct lt_sim_clip {
    uint8_t *data;
    size_t len;
    size_t head_len;       /* FLV header + PreviousTagSize0 */
    size_t *tags;          /* offsets of media tags (not sequence headers) */
    size_t tag_count;
    size_t seq[2];         /* offsets of the AVC and AAC sequence headers; 0 = none */
    uint32_t duration_ms;  /* of one loop */
};

static size_t tag_size(const uint8_t *t)
{
    return 11 + ((size_t)t[1] << 16 | (size_t)t[2] << 8 | t[3]) + 4;
}

static uint32_t tag_time(const uint8_t *t)
{
    return (uint32_t)t[4] << 16 | (uint32_t)t[5] << 8 | t[6] | (uint32_t)t[7] << 24;
}

static void set_tag_time(uint8_t *t, uint32_t ms)
{
    t[4] = (uint8_t)(ms >> 16);
    t[5] = (uint8_t)(ms >> 8);
    t[6] = (uint8_t)ms;
    t[7] = (uint8_t)(ms >> 24);
}

void lt_sim_clip_free(lt_sim_clip *c)
{
    if (!c)
        return;
    free(c->data);
    free(c->tags);
    free(c);
}

/* Reads and indexes the clip; every tag must be whole. */
lt_sim_clip *lt_sim_clip_load(const char *path, char *err, size_t errlen)
{
    lt_sim_clip *c = calloc(1, sizeof *c);
    FILE *f = fopen(path, "rb");
    if (!c || !f) {
        snprintf(err, errlen, "cannot read the stream file %s", path);
        goto fail;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (n < 13 || n > 512L << 20 || !(c->data = malloc((size_t)n)) || fread(c->data, 1, (size_t)n, f) != (size_t)n) {
        snprintf(err, errlen, "%s: empty, unreadable or over 512 MiB", path);
        goto fail;
    }
    c->len = (size_t)n;
    if (memcmp(c->data, "FLV", 3) != 0) {
        snprintf(err, errlen, "%s is not an FLV file (make one with ffmpeg ... -f flv)", path);
        goto fail;
    }
    c->head_len = ((size_t)c->data[5] << 24 | (size_t)c->data[6] << 16 | (size_t)c->data[7] << 8 | c->data[8]) + 4;
    if (!(c->tags = calloc(c->len / 15 + 1, sizeof *c->tags)))
        goto fail;
    uint32_t last_video = 0, video_step = 40, last_any = 0;
    for (size_t off = c->head_len; off + 15 <= c->len;) {
        const uint8_t *t = c->data + off;
        size_t size = tag_size(t);
        if (off + size > c->len) {
            snprintf(err, errlen, "%s: the tag at byte %zu runs past the end", path, off);
            goto fail;
        }
        int type = t[0] & 0x1f;
        bool seq_header = size > 17 && ((type == 9 && (t[11] & 0x0f) == 7 && t[12] == 0) ||
                                        (type == 8 && (t[11] >> 4) == 10 && t[12] == 0));
        if (seq_header)
            c->seq[type == 9 ? 0 : 1] = off;
        else if (type == 8 || type == 9) {
            c->tags[c->tag_count++] = off;
            if (tag_time(t) > last_any)
                last_any = tag_time(t);
            if (type == 9) {
                if (tag_time(t) > last_video)
                    video_step = tag_time(t) - last_video;
                last_video = tag_time(t);
            }
        }
        off += size;
    }
    if (!c->tag_count || !c->seq[0]) {
        snprintf(err, errlen, "%s has no H.264 video (make it with ffmpeg -c:v libx264 -f flv)", path);
        goto fail;
    }
    /* whole video frames, past the last audio frame too, so that time never
     * runs backwards from one loop to the next */
    c->duration_ms = last_video + video_step;
    while (c->duration_ms <= last_any)
        c->duration_ms += video_step;
    fclose(f);
    return c;
fail:
    if (f)
        fclose(f);
    lt_sim_clip_free(c);
    return NULL;
}

/* /stream/<room_id>_<quality>.flv?expire=<unix s> */
int lt_sim_stream_start(struct lws *wsi, lt_sim *sim, pss *p, const char *rest)
{
    char id[32], expire[24];
    size_t n = strcspn(rest, "_.");
    snprintf(id, sizeof id, "%.*s", (int)(n < sizeof id ? n : sizeof id - 1), rest);
    lt_sim_room *r = lt_sim_find_room(sim, id);
    const char *ext = strrchr(rest, '.');
    if (!r || !sim->clip || !ext || strcmp(ext, ".flv") != 0 || r->state != LT_SIM_LIVE || r->stream_ended)
        return lt_sim_respond(wsi, p, 404, "text/plain", "no such stream\n", 15, NULL);
    lt_sim_arg(wsi, "expire", expire, sizeof expire);
    int64_t expire_s = strtoll(expire, NULL, 10);
    if (expire_s > 0 && lt_now_ms() / 1000 >= expire_s)
        return lt_sim_respond(wsi, p, 403, "text/plain", "url expired\n", 12, NULL);
    uint8_t hdr[LWS_PRE + 512], *start = hdr + LWS_PRE, *pos = start, *end = hdr + sizeof hdr - 1;
    if (lws_add_http_common_headers(wsi, 200, "video/x-flv", LWS_ILLEGAL_HTTP_CONTENT_LEN, &pos, end) ||
        lws_finalize_write_http_header(wsi, start, &pos, end))
        return -1;
    p->kind = PSS_STREAM;
    p->wsi = wsi;
    p->room_index = r->index;
    p->started_ms = lt_now_ms();
    p->stream_expire_s = expire_s;
    p->stream_next = 0;
    p->stream_loop = 0;
    p->stream_head_sent = false;
    if (!r->stream_first_ms)
        r->stream_first_ms = p->started_ms;
    r->stats.stream_connections++;
    p->next = sim->streams;
    sim->streams = p;
    lws_callback_on_writable(wsi);
    return 0;
}

void lt_sim_stream_unlink(lt_sim *sim, pss *p)
{
    for (pss **q = &sim->streams; *q; q = &(*q)->next)
        if (*q == p) {
            *q = p->next;
            return;
        }
}

/* Why this connection stops now, or NULL to go on. */
static const char *stop_reason(lt_sim_room *r, pss *p, int64_t now)
{
    const lt_sim_faults *f = &r->faults;
    if (f->stream_end_after_ms && now - r->stream_first_ms >= f->stream_end_after_ms)
        r->stream_ended = true;
    if (r->stream_ended || r->state != LT_SIM_LIVE)
        return "end";
    if (f->stream_cut_after_ms && now - p->started_ms >= f->stream_cut_after_ms)
        return "cut";
    if (p->stream_expire_s > 0 && now / 1000 >= p->stream_expire_s)
        return "expire";
    return NULL;
}

/* Writes the tags that fell due; -1 closes the connection. */
int lt_sim_stream_writable(struct lws *wsi, lt_sim *sim, pss *p)
{
    const lt_sim_clip *c = sim->clip;
    lt_sim_room *r = &sim->rooms[p->room_index];
    int64_t now = lt_now_ms();
    if (r->faults.stream_stall_after_ms && now - p->started_ms >= r->faults.stream_stall_after_ms)
        return 0; /* open and silent */
    const char *stop = stop_reason(r, p, now);
    lt_buf_reset(&p->out);
    if (lt_buf_reserve(&p->out, LWS_PRE + WRITE_MAX + 2 * 1024 * 1024))
        return -1;
    p->out.len = LWS_PRE;
    if (stop && !strcmp(stop, "cut")) {
        /* half of the next tag, then gone */
        const uint8_t *t = c->data + c->tags[p->stream_next];
        lt_buf_append(&p->out, t, tag_size(t) / 2);
        lws_write(wsi, p->out.data + LWS_PRE, p->out.len - LWS_PRE, LWS_WRITE_HTTP);
        r->stats.stream_cuts++;
        return -1;
    }
    if (stop)
        return -1;
    if (!p->stream_head_sent) {
        lt_buf_append(&p->out, c->data, c->head_len);
        for (int i = 0; i < 2; i++)
            if (c->seq[i])
                lt_buf_append(&p->out, c->data + c->seq[i], tag_size(c->data + c->seq[i]));
        p->stream_head_sent = true;
    }
    int64_t due = now - p->started_ms + LEAD_MS;
    while (p->out.len - LWS_PRE < WRITE_MAX) {
        const uint8_t *t = c->data + c->tags[p->stream_next];
        uint64_t ts = (uint64_t)p->stream_loop * c->duration_ms + tag_time(t);
        if ((int64_t)ts > due)
            break;
        size_t at = p->out.len;
        lt_buf_append(&p->out, t, tag_size(t));
        set_tag_time(p->out.data + at, (uint32_t)ts);
        if (++p->stream_next == c->tag_count) {
            p->stream_next = 0;
            p->stream_loop++;
        }
    }
    size_t len = p->out.len - LWS_PRE;
    if (len && lws_write(wsi, p->out.data + LWS_PRE, len, LWS_WRITE_HTTP) < 0)
        return -1;
    r->stats.stream_bytes += len;
    if (len >= WRITE_MAX)
        lws_callback_on_writable(wsi);
    return 0;
}

/* From the tick: every stream connection gets a chance to write. */
void lt_sim_stream_tick(lt_sim *sim)
{
    for (pss *p = sim->streams; p; p = p->next)
        lws_callback_on_writable(p->wsi);
}
