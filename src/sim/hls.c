/* hls.c - a room's video as live HLS, for recorders (docs/simulator.md).
 *
 * Like stream.c for HTTP-FLV, the simulator does not encode video: it loops
 * an HLS clip given with --stream-hls DIR (tests make one with ffmpeg from
 * the same FLV clip: `-c copy -f hls -hls_time 2`): DIR/index.m3u8 and the
 * MPEG-TS segments it names, read once at start. Every room serves that clip
 * as a live media playlist, as a CDN does:
 *
 *   /hls/<room_id>_<quality>/index.m3u8?expire=<unix s>
 *       the last LT_SIM_HLS_WINDOW segments up to the live edge (the
 *       segment the room's clock is in, counted from the room's first
 *       playlist request), EXT-X-MEDIA-SEQUENCE numbering them; each loop of
 *       the clip starts with EXT-X-DISCONTINUITY (its timestamps restart)
 *   /hls/<room_id>_<quality>/<seq>.ts
 *       segment `seq` (the clip's segment seq mod its count); 404 once it
 *       has left the window or before it exists
 *
 * Faults shared with HTTP-FLV: stream_expire_s (403 past the URL's expire),
 * stream_end_after_ms (the playlist then ends with EXT-X-ENDLIST, and later
 * requests answer 404), a room that is not live answers 404.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "sim/sim_internal.h"

#define LT_SIM_HLS_WINDOW 4 /* segments in the live playlist */
#define LT_SIM_HLS_KEEP 12  /* segments still served behind the live edge */
#define LT_SIM_HLS_MAX_SEGMENTS 1024

struct lt_sim_hls {
    size_t count;
    struct {
        uint8_t *data;
        size_t len;
        int64_t dur_ms;
    } seg[LT_SIM_HLS_MAX_SEGMENTS];
    int64_t loop_ms;  /* the whole clip */
    int64_t target_s; /* EXT-X-TARGETDURATION: the longest segment, rounded up */
};

void lt_sim_hls_free(lt_sim_hls *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->count; i++)
        free(h->seg[i].data);
    free(h);
}

static uint8_t *read_file(const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *data = NULL;
    long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (n > 0 && (size_t)n <= max && fseek(f, 0, SEEK_SET) == 0 && (data = malloc((size_t)n + 1))) {
        if (fread(data, 1, (size_t)n, f) == (size_t)n) {
            data[n] = '\0'; /* the playlist is read as text */
        } else {
            free(data);
            data = NULL;
        }
    }
    fclose(f);
    *len = data ? (size_t)n : 0;
    return data;
}

/* Reads DIR/index.m3u8 (a VOD or event playlist: #EXTINF then a file name
 * of DIR) and every segment it names. */
lt_sim_hls *lt_sim_hls_load(const char *dir, char *err, size_t errlen)
{
    char path[1024];
    size_t len;
    snprintf(path, sizeof path, "%s/index.m3u8", dir);
    char *text = (char *)read_file(path, 1 << 20, &len);
    lt_sim_hls *h = calloc(1, sizeof *h);
    if (!text || !h) {
        snprintf(err, errlen, "cannot read the HLS playlist %s: %s", path,
                 text ? "out of memory" : strerror(errno));
        free(text);
        free(h);
        return NULL;
    }
    char *save = NULL;
    int64_t dur_ms = -1;
    for (char *line = strtok_r(text, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
        if (!strncmp(line, "#EXTINF:", 8)) {
            dur_ms = (int64_t)(strtod(line + 8, NULL) * 1000.0 + 0.5);
            continue;
        }
        if (line[0] == '#' || !line[0] || dur_ms <= 0)
            continue;
        if (h->count == LT_SIM_HLS_MAX_SEGMENTS || strchr(line, '/')) {
            snprintf(err, errlen, "%s: more than %d segments, or a segment outside %s", path,
                     LT_SIM_HLS_MAX_SEGMENTS, dir);
            goto fail;
        }
        char seg_path[1200];
        snprintf(seg_path, sizeof seg_path, "%s/%s", dir, line);
        if (!(h->seg[h->count].data = read_file(seg_path, 64u << 20, &h->seg[h->count].len))) {
            snprintf(err, errlen, "cannot read the HLS segment %s", seg_path);
            goto fail;
        }
        h->seg[h->count++].dur_ms = dur_ms;
        h->loop_ms += dur_ms;
        if ((dur_ms + 999) / 1000 > h->target_s)
            h->target_s = (dur_ms + 999) / 1000;
        dur_ms = -1;
    }
    if (!h->count) {
        snprintf(err, errlen, "%s names no segment", path);
        goto fail;
    }
    free(text);
    return h;
fail:
    free(text);
    lt_sim_hls_free(h);
    return NULL;
}

/* The clip segment and its start (ms from the room's stream start) of
 * live segment `seq`. */
static size_t seg_of(const lt_sim_hls *h, int64_t seq, int64_t *start_ms)
{
    int64_t loops = seq / (int64_t)h->count;
    size_t i = (size_t)(seq % (int64_t)h->count);
    int64_t at = loops * h->loop_ms;
    for (size_t k = 0; k < i; k++)
        at += h->seg[k].dur_ms;
    if (start_ms)
        *start_ms = at;
    return i;
}

/* The live edge: the segment the room's clock is in. */
static int64_t live_seq(const lt_sim_hls *h, int64_t elapsed_ms)
{
    int64_t loops = elapsed_ms / h->loop_ms, into = elapsed_ms % h->loop_ms, seq = loops * (int64_t)h->count;
    for (size_t k = 0; k < h->count && into >= h->seg[k].dur_ms; k++) {
        into -= h->seg[k].dur_ms;
        seq++;
    }
    return seq;
}

static int playlist(struct lws *wsi, const lt_sim_hls *h, pss *p, int64_t edge, bool ended)
{
    int64_t first = edge - LT_SIM_HLS_WINDOW + 1;
    if (first < 0)
        first = 0;
    lt_buf out = LT_BUF_INIT;
    char line[160];
    snprintf(line, sizeof line,
             "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:%lld\n#EXT-X-MEDIA-SEQUENCE:%lld\n"
             "#EXT-X-DISCONTINUITY-SEQUENCE:%lld\n",
             (long long)h->target_s, (long long)first, (long long)(first / (int64_t)h->count));
    lt_buf_append(&out, line, strlen(line));
    for (int64_t seq = first; seq <= edge; seq++) {
        size_t i = seg_of(h, seq, NULL);
        if (i == 0 && seq > first)
            lt_buf_append(&out, "#EXT-X-DISCONTINUITY\n", 21);
        snprintf(line, sizeof line, "#EXTINF:%.3f,\n%lld.ts\n", (double)h->seg[i].dur_ms / 1000.0,
                 (long long)seq);
        lt_buf_append(&out, line, strlen(line));
    }
    if (ended)
        lt_buf_append(&out, "#EXT-X-ENDLIST\n", 15);
    int rc = out.data ? lt_sim_respond(wsi, p, 200, "application/vnd.apple.mpegurl", (const char *)out.data,
                                       out.len, NULL)
                      : -1;
    lt_buf_free(&out);
    return rc;
}

/* /hls/<room_id>_<quality>/index.m3u8 or /hls/<room_id>_<quality>/<seq>.ts */
int lt_sim_hls_serve(struct lws *wsi, lt_sim *sim, pss *p, const char *rest)
{
    const lt_sim_hls *h = sim->hls;
    char id[32], expire[24];
    size_t n = strcspn(rest, "_/");
    snprintf(id, sizeof id, "%.*s", (int)(n < sizeof id ? n : sizeof id - 1), rest);
    const char *file = strchr(rest, '/');
    lt_sim_room *r = lt_sim_find_room(sim, id);
    if (!h || !r || !file || r->state != LT_SIM_LIVE)
        return lt_sim_respond(wsi, p, 404, "text/plain", "no such stream\n", 15, NULL);
    file++;
    lt_sim_arg(wsi, "expire", expire, sizeof expire);
    int64_t now = lt_now_ms(), expire_s = strtoll(expire, NULL, 10);
    if (expire_s > 0 && now / 1000 >= expire_s)
        return lt_sim_respond(wsi, p, 403, "text/plain", "url expired\n", 12, NULL);
    if (!r->stream_first_ms)
        r->stream_first_ms = now;
    const lt_sim_faults *f = &r->faults;
    int64_t elapsed = now - r->stream_first_ms, end_at = f->stream_end_after_ms;
    bool ended = end_at && elapsed >= end_at;
    int64_t edge = live_seq(h, ended ? end_at : elapsed);
    if (!strcmp(file, "index.m3u8")) {
        if (ended && elapsed >= end_at + h->loop_ms) /* the ended stream's playlist is gone too */
            return lt_sim_respond(wsi, p, 404, "text/plain", "no such stream\n", 15, NULL);
        r->stats.hls_playlists++;
        return playlist(wsi, h, p, edge, ended);
    }
    char *end;
    long long seq = strtoll(file, &end, 10);
    if (end == file || strcmp(end, ".ts") != 0 || seq < 0 || seq > edge || seq < edge - LT_SIM_HLS_KEEP)
        return lt_sim_respond(wsi, p, 404, "text/plain", "no such segment\n", 16, NULL);
    size_t i = seg_of(h, seq, NULL);
    r->stats.hls_segments++;
    return lt_sim_respond(wsi, p, 200, "video/mp2t", (const char *)h->seg[i].data, h->seg[i].len, NULL);
}
