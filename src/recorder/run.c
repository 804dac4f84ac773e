/* run.c - livetap-recorder's loop (docs/recorder.md).
 *
 * One thread: a Kafka group consumer of <prefix>.room_info (rooms spread
 * over the recorders of the group; a recorder's rooms move when it dies),
 * one libcurl multi handle with an HTTP-FLV transfer per recorded room,
 * the segmenter per room, the publisher of <prefix>.video_segment, and the
 * admin server (/healthz, /readyz, /metrics) in a libwebsockets context.
 * Nothing blocks: curl_multi_poll waits at most 50 ms.
 *
 * HLS (a room offering no FLV URL, or stream.prefer_hls): one request at a
 * time per room on the same multi handle - the media playlist, then each
 * segment not yet recorded, in order, then the playlist again after half a
 * target duration - starting at the live edge. Each segment is written
 * whole (lt_segmenter_ts_unit); a segment that left the window before it
 * was fetched makes the next one start a new timeline ("discontinuity"), as
 * does #EXT-X-DISCONTINUITY; #EXT-X-ENDLIST ends the recording ("end").
 *
 * A room is recorded while its newest room_info says live (status 2) and
 * names an FLV URL of an allowed quality (the first of `qualities` the room
 * offers, else the room's best). A transfer ends with the segment closed
 * and published: "stall" (no bytes for stall_s), "cut" (the connection
 * closed mid-tag), "end" (it closed after a whole tag, or 404), "expired"
 * (403: wait for a room_info with another URL), "disk_full", "stop"
 * (SIGTERM, or the room moved to another recorder).
 */
#include <curl/curl.h>
#include <fnmatch.h>
#include <libwebsockets.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin.h"
#include "core/log.h"
#include "core/metrics.h"
#include "kafka/conf.h"
#include "kafka/publisher.h"
#include "recorder/internal.h"

typedef enum room_state { ROOM_IDLE, ROOM_RECORDING, ROOM_WAIT_URL } room_state;

typedef struct room {
    char id[32];
    int32_t partition;
    bool assigned; /* its partition is this recorder's */
    room_state state;
    bool live;
    char url[1024], quality[16]; /* from the newest room_info */
    char url_failed[1024];       /* answered 403/404: not tried again until room_info changes it */
    char url_active[1024];       /* the URL of the transfer running */
    CURL *easy;
    long http_status;
    lt_flv_reader reader;
    lt_segmenter *seg;
    int64_t last_byte_ms, next_try_ms, backoff_ms;
    const char *stop_reason; /* set by the write callback */
    uint64_t bytes;
    /* HLS */
    bool hls, hls_segment; /* the stream is HLS; the request running fetches a segment */
    lt_buf body;           /* the body of the request running */
    lt_hls_playlist pl;    /* the newest media playlist */
    lt_hls_entry cur;      /* the segment being fetched */
    int64_t next_seq;      /* the next segment to record; -1 = from the live edge */
    int64_t poll_ms;       /* when to fetch the playlist again (no request running) */
    bool gap;              /* segments were missed: the next starts a new timeline */
    char media_url[1024];  /* the media playlist (a master playlist's variant) */
    struct lt_recorder *rec;
} room;

struct lt_recorder {
    lt_recorder_options o;
    volatile sig_atomic_t stop;
    int64_t log_bad_ms, log_full_ms, log_kafka_ms; /* rate-limited warnings */
    rd_kafka_t *rk;
    char topic[256];
    lt_registry *reg;
    lt_room_info_reader *info;
    lt_publisher *pub;
    lt_store *store;
    CURLM *multi;
    room *rooms;
    size_t room_count, room_cap;
    struct lws_context *lws;
    lt_admin_server *admin;
    lt_metrics *metrics;
    lt_metric *m_segments, *m_bytes, *m_rooms, *m_infos, *m_bad, *m_disk, *m_deleted, *m_connects;
};

static void publish_segment(void *ctx, const lt_segment_info *s)
{
    room *rm = ctx;
    lt_recorder *rec = rm->rec;
    lt_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = LT_EVENT_VIDEO_SEGMENT;
    ev.platform = LT_PLATFORM_TIKTOK;
    ev.room_id = s->room_id;
    ev.event_time = s->start_ms;
    ev.ingest_time = lt_now_ms();
    ev.collector_id = rec->o.recorder_id;
    lt_video_segment *v = &ev.as.video_segment;
    v->quality = s->quality;
    v->start_time = s->start_ms;
    v->end_time = s->end_ms;
    v->duration_ms = s->duration_ms;
    v->path = s->path;
    v->bytes = (int64_t)s->bytes;
    v->sha256 = s->sha256;
    v->reason = s->reason;
    char err[256];
    if (lt_publisher_publish(rec->pub, &ev, NULL, err, sizeof err) != LT_PUBLISH_OK)
        lt_warn("recorder: room %s: segment %s not published: %s", s->room_id, s->path, err);
    const char *labels[] = {s->reason};
    lt_series_add(lt_metric_series(rec->m_segments, labels), 1);
    lt_info("recorder: room %s: segment %s closed (%s, %lld ms, %llu bytes)", s->room_id, s->path, s->reason,
            (long long)s->duration_ms, (unsigned long long)s->bytes);
}

/* --- rooms --------------------------------------------------------- */

static bool wanted(const lt_recorder *rec, const char *room_id)
{
    if (!rec->o.room_count)
        return true;
    for (size_t i = 0; i < rec->o.room_count; i++)
        if (!fnmatch(rec->o.rooms[i], room_id, 0))
            return true;
    return false;
}

static void hls_reset(room *rm)
{
    lt_buf_free(&rm->body);
    lt_hls_playlist_free(&rm->pl);
}

static room *room_get(lt_recorder *rec, const char *id, bool create)
{
    for (size_t i = 0; i < rec->room_count; i++)
        if (strcmp(rec->rooms[i].id, id) == 0)
            return &rec->rooms[i];
    if (!create)
        return NULL;
    /* rooms hold pointers given to curl and the segmenter: never moved, so a
     * fixed table, whose slots of rooms no longer live are reused */
    room *rm = NULL;
    if (!rec->rooms)
        return NULL;
    if (rec->room_count < rec->room_cap)
        rm = &rec->rooms[rec->room_count++];
    for (size_t i = 0; !rm && i < rec->room_count; i++) {
        room *old = &rec->rooms[i];
        if (!old->easy && (!old->live || !old->assigned)) {
            lt_segmenter_destroy(old->seg);
            hls_reset(old);
            rm = old;
        }
    }
    if (!rm)
        return NULL;
    memset(rm, 0, sizeof *rm);
    snprintf(rm->id, sizeof rm->id, "%s", id);
    rm->rec = rec;
    rm->backoff_ms = 1000;
    return rm;
}

static int on_tag(void *ctx, const lt_flv_tag *tag)
{
    room *rm = ctx;
    if (lt_segmenter_tag(rm->seg, tag, lt_now_ms())) {
        rm->stop_reason = "disk_full";
        lt_series_add(lt_metric_plain(rm->rec->m_disk), 1);
        return -1;
    }
    return 0;
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
    room *rm = ctx;
    size_t len = size * n;
    if (!curl_easy_getinfo(rm->easy, CURLINFO_RESPONSE_CODE, &rm->http_status) && rm->http_status != 200)
        return len; /* an error page: read and dropped */
    rm->last_byte_ms = lt_now_ms();
    rm->bytes += len;
    lt_series_add(lt_metric_plain(rm->rec->m_bytes), (double)len);
    if (lt_flv_reader_feed(&rm->reader, (const uint8_t *)data, len, on_tag, rm)) {
        if (!rm->stop_reason) {
            rm->stop_reason = "bad_stream";
            lt_series_add(lt_metric_plain(rm->rec->m_bad), 1);
            lt_warn("recorder: room %s: %s; reconnecting", rm->id, rm->reader.error);
        }
        return 0; /* aborts the transfer */
    }
    return len;
}

#define HLS_BODY_MAX (64u << 20) /* a playlist or one media segment */

static size_t on_hls_body(char *data, size_t size, size_t n, void *ctx)
{
    room *rm = ctx;
    size_t len = size * n;
    if (rm->body.len + len > HLS_BODY_MAX || lt_buf_append(&rm->body, data, len))
        return 0; /* aborts the transfer: done with an error */
    if (rm->hls_segment) {
        rm->bytes += len;
        lt_series_add(lt_metric_plain(rm->rec->m_bytes), (double)len);
    }
    return len;
}

static void stop_transfer(lt_recorder *rec, room *rm, const char *reason)
{
    if (rm->easy) {
        curl_multi_remove_handle(rec->multi, rm->easy);
        curl_easy_cleanup(rm->easy);
        rm->easy = NULL;
    }
    if (rm->seg)
        lt_segmenter_close(rm->seg, reason);
    lt_flv_reader_free(&rm->reader);
    hls_reset(rm);
    if (rm->state == ROOM_RECORDING)
        lt_series_add(lt_metric_plain(rec->m_rooms), -1);
    rm->state = ROOM_IDLE;
}

/* A request of the room's on the multi handle: the FLV stream, or an HLS
 * playlist or segment. -1 out of memory. */
static int request(lt_recorder *rec, room *rm, const char *url, curl_write_callback on_data)
{
    rm->easy = curl_easy_init();
    if (!rm->easy)
        return -1;
    snprintf(rm->url_active, sizeof rm->url_active, "%s", url);
    curl_easy_setopt(rm->easy, CURLOPT_URL, rm->url_active);
    curl_easy_setopt(rm->easy, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(rm->easy, CURLOPT_WRITEDATA, rm);
    curl_easy_setopt(rm->easy, CURLOPT_PRIVATE, rm);
    curl_easy_setopt(rm->easy, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(rm->easy, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(rm->easy, CURLOPT_CONNECTTIMEOUT_MS, (long)rec->o.stall_ms);
    curl_easy_setopt(rm->easy, CURLOPT_USERAGENT, "Mozilla/5.0 livetap-recorder");
    curl_easy_setopt(rm->easy, CURLOPT_NOSIGNAL, 1L);
    if (rm->hls) /* a whole playlist or segment: bounded in time too */
        curl_easy_setopt(rm->easy, CURLOPT_TIMEOUT_MS, (long)rec->o.stall_ms);
    rm->http_status = 0;
    rm->stop_reason = NULL;
    lt_buf_reset(&rm->body);
    curl_multi_add_handle(rec->multi, rm->easy);
    return 0;
}

static void hls_fetch_playlist(lt_recorder *rec, room *rm)
{
    rm->hls_segment = false;
    rm->poll_ms = 0;
    request(rec, rm, rm->media_url, on_hls_body);
}

static void start_transfer(lt_recorder *rec, room *rm, int64_t now)
{
    if (!rm->seg && !(rm->seg = lt_segmenter_create(rec->store, rm->id, rm->quality, rec->o.segment_ms,
                                                    publish_segment, rm)))
        return;
    lt_segmenter_restart(rm->seg, now);
    if (rm->hls) {
        lt_segmenter_use_ts(rm->seg);
        rm->next_seq = -1;
        rm->gap = false;
        snprintf(rm->media_url, sizeof rm->media_url, "%s", rm->url);
        hls_fetch_playlist(rec, rm);
    } else {
        lt_flv_reader_init(&rm->reader, 0);
        request(rec, rm, rm->url, on_body);
    }
    if (!rm->easy)
        return;
    rm->last_byte_ms = now;
    rm->state = ROOM_RECORDING;
    lt_series_add(lt_metric_plain(rec->m_rooms), 1);
    lt_series_add(lt_metric_plain(rec->m_connects), 1);
    lt_info("recorder: room %s: recording %s (%s)", rm->id, rm->quality, rm->hls ? "HLS" : "HTTP-FLV");
}

/* The quality to record: the first configured one the room offers, else
 * the room's best; HTTP-FLV, or HLS where the room offers no FLV (or HLS
 * is preferred). */
static bool pick_stream(const lt_recorder *rec, json_t *streams, char *url, size_t ulen, char *quality,
                        size_t qlen, bool *hls)
{
    const char *kinds[2] = {rec->o.prefer_hls ? "hls" : "flv", rec->o.prefer_hls ? "flv" : "hls"};
    for (int k = 0; k < 2; k++) {
        *hls = !strcmp(kinds[k], "hls");
        for (size_t q = 0; q <= rec->o.quality_count; q++) {
            size_t i;
            json_t *s;
            json_array_foreach(streams, i, s)
            {
                const char *name = json_string_value(json_object_get(s, "quality"));
                json_t *u = json_object_get(s, kinds[k]);
                if (json_is_object(u)) /* a union as JSON: {"string": "..."} */
                    u = json_object_get(u, "string");
                if (!name || !json_is_string(u) || !*json_string_value(u))
                    continue;
                if (q < rec->o.quality_count && strcmp(name, rec->o.qualities[q]) != 0)
                    continue;
                snprintf(url, ulen, "%s", json_string_value(u));
                snprintf(quality, qlen, "%s", name);
                return true;
            }
        }
    }
    return false;
}

static void take_room_info(lt_recorder *rec, rd_kafka_message_t *m)
{
    json_t *info = NULL;
    char err[256];
    if (lt_room_info_decode(rec->info, m->payload, m->len, &info, err, sizeof err)) {
        lt_series_add(lt_metric_plain(rec->m_bad), 1);
        lt_log_every(&rec->log_bad_ms, 10000, LT_LOG_WARN, "recorder: a room_info record skipped: %s", err);
        return;
    }
    lt_series_add(lt_metric_plain(rec->m_infos), 1);
    const char *id = json_string_value(json_object_get(info, "room_id"));
    int64_t when = json_integer_value(json_object_get(info, "event_time"));
    int64_t now = lt_now_ms();
    if (!id || !wanted(rec, id) || (rec->o.info_max_age_ms && now - when > rec->o.info_max_age_ms)) {
        json_decref(info);
        return;
    }
    room *rm = room_get(rec, id, true);
    if (!rm) {
        lt_log_every(&rec->log_full_ms, 10000, LT_LOG_WARN,
                     "recorder: more than %zu rooms: room %s not recorded (raise max_rooms)", rec->room_cap,
                     id);
        json_decref(info);
        return;
    }
    rm->partition = m->partition;
    rm->assigned = true;
    rm->live = json_integer_value(json_object_get(info, "status")) == 2;
    char url[1024] = "", quality[16] = "";
    bool hls = false;
    bool has =
        pick_stream(rec, json_object_get(info, "streams"), url, sizeof url, quality, sizeof quality, &hls);
    json_decref(info);
    if (!rm->live || !has) {
        if (rm->state == ROOM_RECORDING)
            stop_transfer(rec, rm, "end");
        return;
    }
    bool changed = strcmp(url, rm->url) != 0;
    if (rm->state != ROOM_RECORDING)
        rm->hls = hls; /* a recording goes on as it began */
    snprintf(rm->url, sizeof rm->url, "%s", url);
    snprintf(rm->quality, sizeof rm->quality, "%s", quality);
    if (changed && rm->state == ROOM_WAIT_URL) {
        rm->state = ROOM_IDLE; /* a fresh URL: try it now */
        rm->next_try_ms = 0;
    }
}

/* TikTok's pull URLs carry their expiry: expire=<unix seconds>. */
static bool url_expired(const char *url, int64_t now_ms)
{
    const char *q = strchr(url, '?');
    for (const char *p = q; p; p = strchr(p + 1, '&'))
        if (!strncmp(p + 1, "expire=", 7)) {
            long long at = strtoll(p + 8, NULL, 10);
            return at > 0 && now_ms / 1000 >= at;
        }
    return false;
}

/* The recording stops for `reason`: the segment closes; tried again after
 * the backoff (or once room_info gives another URL). */
static void give_up(lt_recorder *rec, room *rm, const char *reason, bool wait_url)
{
    stop_transfer(rec, rm, reason);
    int64_t now = lt_now_ms();
    if (wait_url) {
        rm->state = ROOM_WAIT_URL;
        /* HLS: the room_info URL failed (its playlist or a segment) */
        snprintf(rm->url_failed, sizeof rm->url_failed, "%s", rm->hls ? rm->url : rm->url_active);
    }
    rm->next_try_ms = now + rm->backoff_ms;
    rm->backoff_ms = rm->backoff_ms * 2 > rec->o.backoff_cap_ms ? rec->o.backoff_cap_ms : rm->backoff_ms * 2;
}

/* HLS: the next segment after the one recorded, or the playlist again
 * after half a target duration. */
static void hls_next(lt_recorder *rec, room *rm, int64_t now)
{
    for (size_t i = 0; i < rm->pl.count; i++) {
        const lt_hls_entry *e = &rm->pl.entries[i];
        if (e->seq < rm->next_seq)
            continue;
        if (e->seq > rm->next_seq)
            rm->gap = true; /* left the window before it was fetched */
        rm->cur = *e;
        rm->hls_segment = true;
        if (request(rec, rm, e->uri, on_hls_body))
            rm->poll_ms = now + 1000;
        return;
    }
    if (rm->pl.endlist) {
        lt_info("recorder: room %s: the HLS playlist ended", rm->id);
        give_up(rec, rm, "end", false);
        return;
    }
    int64_t wait = rm->pl.target_ms / 2;
    rm->poll_ms = now + (wait < 500 ? 500 : wait > 5000 ? 5000 : wait);
}

static void hls_playlist_done(lt_recorder *rec, room *rm, int64_t now)
{
    char err[256];
    lt_hls_playlist_free(&rm->pl);
    if (lt_hls_parse((const char *)rm->body.data, rm->body.len, rm->url_active, &rm->pl, err, sizeof err)) {
        lt_series_add(lt_metric_plain(rec->m_bad), 1);
        lt_warn("recorder: room %s: %s; reconnecting", rm->id, err);
        give_up(rec, rm, "bad_stream", false);
        return;
    }
    if (rm->pl.master) {
        snprintf(rm->media_url, sizeof rm->media_url, "%s", rm->pl.variant);
        lt_hls_playlist_free(&rm->pl);
        hls_fetch_playlist(rec, rm);
        return;
    }
    if (rm->next_seq < 0 && rm->pl.count) /* start at the live edge */
        rm->next_seq = rm->pl.entries[rm->pl.count - 1].seq;
    hls_next(rec, rm, now);
}

static void hls_segment_done(lt_recorder *rec, room *rm, int64_t now)
{
    bool disc = rm->cur.discontinuity || rm->gap;
    if (lt_segmenter_ts_unit(rm->seg, rm->body.data, rm->body.len, rm->cur.dur_ms, disc, now)) {
        const char *err = lt_segmenter_error(rm->seg);
        if (!err[0])
            lt_series_add(lt_metric_plain(rec->m_disk), 1);
        give_up(rec, rm, err[0] ? "write_error" : "disk_full", false);
        return;
    }
    rm->gap = false;
    rm->last_byte_ms = now;
    rm->next_seq = rm->cur.seq + 1;
    lt_buf_reset(&rm->body);
    hls_next(rec, rm, now);
}

/* HLS: a playlist or a segment request ended. */
static void hls_done(lt_recorder *rec, room *rm, CURLcode code)
{
    int64_t now = lt_now_ms();
    long status = rm->http_status;
    curl_multi_remove_handle(rec->multi, rm->easy);
    curl_easy_cleanup(rm->easy);
    rm->easy = NULL;
    bool segment = rm->hls_segment;
    if (status == 403 || (!segment && (status == 404 || status == 410)) || url_expired(rm->url_active, now)) {
        const char *reason = status == 403 || url_expired(rm->url_active, now) ? "expired" : "end";
        lt_info("recorder: room %s: HLS %s answered HTTP %ld: stopped (%s)", rm->id,
                segment ? "segment" : "playlist", status, reason);
        give_up(rec, rm, reason, true);
        return;
    }
    if (segment && (status == 404 || status == 410)) { /* it left the window: the next one */
        rm->next_seq = rm->cur.seq + 1;
        rm->gap = true;
        hls_next(rec, rm, now);
        return;
    }
    if (code != CURLE_OK || status != 200) { /* try again soon; no progress for stall_s ends it */
        lt_log_every(&rec->log_bad_ms, 10000, LT_LOG_WARN, "recorder: room %s: HLS %s failed (HTTP %ld, %s)",
                     rm->id, segment ? "segment" : "playlist", status, curl_easy_strerror(code));
        rm->poll_ms = now + 1000;
        return;
    }
    if (segment)
        hls_segment_done(rec, rm, now);
    else
        hls_playlist_done(rec, rm, now);
}

/* A transfer ended: why, and when to try again. */
static void transfer_done(lt_recorder *rec, room *rm, CURLcode code)
{
    if (rm->hls && rm->state == ROOM_RECORDING) {
        hls_done(rec, rm, code);
        return;
    }
    const char *reason = rm->stop_reason;
    bool wait_url = false;
    if (!reason) {
        if (rm->http_status == 403 || rm->http_status == 404 || rm->http_status == 410) {
            reason = rm->http_status == 403 ? "expired" : "end";
            wait_url = true;
        } else if (url_expired(rm->url_active, lt_now_ms())) {
            reason = "expired";
            wait_url = true;
        } else if (code == CURLE_OK)
            reason = rm->reader.pending.len ? "cut" : "end";
        else
            reason = "cut";
    }
    lt_info("recorder: room %s: stream stopped (%s, HTTP %ld, %s)", rm->id, reason, rm->http_status,
            curl_easy_strerror(code));
    give_up(rec, rm, reason, wait_url);
}

static void check_rooms(lt_recorder *rec, int64_t now)
{
    for (size_t i = 0; i < rec->room_count; i++) {
        room *rm = &rec->rooms[i];
        /* HLS brings bytes a segment at a time: at least three target durations */
        int64_t stall =
            rm->hls && 3 * rm->pl.target_ms > rec->o.stall_ms ? 3 * rm->pl.target_ms : rec->o.stall_ms;
        if (rm->state == ROOM_RECORDING && now - rm->last_byte_ms >= stall) {
            lt_info("recorder: room %s: no bytes for %lld ms: reconnecting", rm->id,
                    (long long)rec->o.stall_ms);
            stop_transfer(rec, rm, "stall");
            rm->next_try_ms = now + rm->backoff_ms;
            continue;
        }
        if (rm->state == ROOM_RECORDING && rm->bytes > 0 && now - rm->last_byte_ms < 1000)
            rm->backoff_ms = 1000; /* flowing: the next failure retries soon */
        if (rm->state == ROOM_RECORDING && rm->hls && !rm->easy && rm->poll_ms && now >= rm->poll_ms)
            hls_fetch_playlist(rec, rm);
        bool url_ok = rm->url[0] && (rm->state != ROOM_WAIT_URL || strcmp(rm->url, rm->url_failed) != 0);
        if (rm->state != ROOM_RECORDING && rm->assigned && rm->live && url_ok && now >= rm->next_try_ms)
            start_transfer(rec, rm, now);
    }
}

/* --- Kafka --------------------------------------------------------- */

static void rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
                      void *opaque)
{
    lt_recorder *rec = opaque;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        lt_info("recorder: %d partitions of %s assigned", parts->cnt, rec->topic);
        /* read each partition from room_info_max_age back: the rooms' newest
         * room_info may be older than the group's committed offset */
        if (rec->o.info_max_age_ms > 0) {
            for (int p = 0; p < parts->cnt; p++)
                parts->elems[p].offset = lt_now_ms() - rec->o.info_max_age_ms;
            if (rd_kafka_offsets_for_times(rk, parts, 5000))
                for (int p = 0; p < parts->cnt; p++)
                    parts->elems[p].offset = RD_KAFKA_OFFSET_INVALID; /* the committed offset */
        }
        /* rooms kept through a rebalance go on at once; the others stop */
        for (size_t i = 0; i < rec->room_count; i++) {
            room *rm = &rec->rooms[i];
            bool mine = false;
            for (int p = 0; p < parts->cnt; p++)
                mine = mine || parts->elems[p].partition == rm->partition;
            rm->assigned = mine;
            if (!mine) {
                rm->live = false;
                rm->url[0] = '\0';
            }
        }
        rd_kafka_assign(rk, parts);
        return;
    }
    /* revoked: these rooms' segments close; rooms assigned again resume */
    for (int p = 0; p < parts->cnt; p++)
        for (size_t i = 0; i < rec->room_count; i++) {
            room *rm = &rec->rooms[i];
            if (rm->partition == parts->elems[p].partition) {
                if (rm->state == ROOM_RECORDING)
                    stop_transfer(rec, rm, "stop");
                rm->assigned = false;
            }
        }
    rd_kafka_assign(rk, NULL);
}

static rd_kafka_t *consumer(lt_recorder *rec, char *err, size_t errlen)
{
    char e[512];
    const lt_kafka_property fixed[] = {
        {"group.id", rec->o.group_id},     {"client.id", rec->o.recorder_id},
        {"auto.offset.reset", "earliest"}, {"enable.auto.commit", "true"},
        {"session.timeout.ms", "10000"},   {"topic.metadata.refresh.interval.ms", "5000"}};
    rd_kafka_conf_t *conf =
        lt_kafka_conf_build(rec->o.bootstrap_servers, fixed, sizeof fixed / sizeof fixed[0],
                            rec->o.properties, rec->o.property_count, err, errlen);
    if (!conf)
        return NULL;
    rd_kafka_conf_set_rebalance_cb(conf, rebalance);
    rd_kafka_conf_set_opaque(conf, rec);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, e, sizeof e);
    if (!rk) {
        snprintf(err, errlen, "kafka consumer: %s", e);
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, rec->topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t rc = rd_kafka_subscribe(rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (rc) {
        snprintf(err, errlen, "subscribing to %s: %s", rec->topic, rd_kafka_err2str(rc));
        rd_kafka_destroy(rk);
        return NULL;
    }
    return rk;
}

/* --- admin ---------------------------------------------------------- */

static bool ready(void *ctx, json_t **detail)
{
    lt_recorder *rec = ctx;
    lt_kafka_health h;
    lt_kafka_producer_health(lt_publisher_producer(rec->pub), lt_now_ms(), &h);
    *detail =
        json_pack("{s:b, s:s, s:I, s:I}", "kafka", h.reachable, "kafka_reason", h.reason, "rooms",
                  (json_int_t)rec->room_count, "disk_used_bytes", (json_int_t)lt_store_used(rec->store));
    return h.reachable; /* segments cannot be published without a broker */
}

static int metrics(void *ctx, lt_buf *out)
{
    lt_recorder *rec = ctx;
    return lt_metrics_render(rec->metrics, out);
}

/* --- life ----------------------------------------------------------- */

lt_recorder *lt_recorder_create(const lt_recorder_options *o, char *err, size_t errlen)
{
    lt_recorder *rec = calloc(1, sizeof *rec);
    if (!rec) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    rec->o = *o;
    rec->room_cap = o->max_rooms ? o->max_rooms : 1000;
    rec->rooms = calloc(rec->room_cap, sizeof *rec->rooms);
    snprintf(rec->topic, sizeof rec->topic, "%s.room_info", o->topic_prefix);
    rec->metrics = lt_metrics_create();
    rec->m_segments = lt_metrics_add(rec->metrics, "livetap_recorder_segments_total",
                                     "segments closed and published, by why they were closed",
                                     LT_METRIC_COUNTER, "reason", NULL, 0);
    rec->m_bytes = lt_metrics_add(rec->metrics, "livetap_recorder_stream_bytes_total",
                                  "stream bytes received", LT_METRIC_COUNTER, NULL, NULL, 0);
    rec->m_rooms = lt_metrics_add(rec->metrics, "livetap_recorder_rooms_recording",
                                  "rooms being recorded now", LT_METRIC_GAUGE, NULL, NULL, 0);
    rec->m_infos = lt_metrics_add(rec->metrics, "livetap_recorder_room_info_total", "room_info records read",
                                  LT_METRIC_COUNTER, NULL, NULL, 0);
    rec->m_bad =
        lt_metrics_add(rec->metrics, "livetap_recorder_bad_input_total",
                       "room_info records or streams that did not parse", LT_METRIC_COUNTER, NULL, NULL, 0);
    rec->m_disk =
        lt_metrics_add(rec->metrics, "livetap_recorder_disk_full_total",
                       "segments closed because the quota had no room", LT_METRIC_COUNTER, NULL, NULL, 0);
    rec->m_deleted =
        lt_metrics_add(rec->metrics, "livetap_recorder_segments_deleted_total",
                       "segments deleted by retention (age or the quota)", LT_METRIC_COUNTER, NULL, NULL, 0);
    rec->m_connects = lt_metrics_add(rec->metrics, "livetap_recorder_connects_total",
                                     "stream connections opened", LT_METRIC_COUNTER, NULL, NULL, 0);
    if (!rec->rooms || !rec->metrics)
        goto oom;
    if (!(rec->store = lt_store_create(o->dir, o->max_bytes, o->max_age_ms))) {
        snprintf(err, errlen, "storage.dir %s: cannot use it", o->dir);
        goto fail;
    }
    lt_registry_options ro = {
        .url = o->registry_url, .username = o->registry_username, .password = o->registry_password};
    if (!o->registry_url || !o->registry_url[0]) {
        snprintf(err, errlen,
                 "kafka.registry_url is empty: the recorder reads room_info through the registry");
        goto fail;
    }
    if (!(rec->reg = lt_registry_create(&ro, err, errlen)) ||
        !(rec->info = lt_room_info_reader_create(rec->reg)))
        goto fail;
    lt_publisher_options po = {.topic_prefix = o->topic_prefix,
                               .collector_id = o->recorder_id,
                               .registry_url = o->registry_url,
                               .registry_username = o->registry_username,
                               .registry_password = o->registry_password,
                               .kafka = {.bootstrap_servers = o->bootstrap_servers,
                                         .client_id = o->recorder_id,
                                         .properties = o->properties,
                                         .property_count = o->property_count}};
    if (!(rec->pub = lt_publisher_create(&po, err, errlen)))
        goto fail;
    if (!(rec->rk = consumer(rec, err, errlen)))
        goto fail;
    if (!(rec->multi = curl_multi_init()))
        goto oom;
    if (o->admin_enabled) {
        struct lws_context_creation_info ci;
        memset(&ci, 0, sizeof ci);
        ci.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
        ci.port = CONTEXT_PORT_NO_LISTEN;
        lws_set_log_level(LLL_ERR, NULL);
        if (!(rec->lws = lws_create_context(&ci)))
            goto oom;
        lt_admin_options ao = {.listen = o->admin_listen,
                               .port = o->admin_port,
                               .probes = {.ctx = rec, .ready = ready, .metrics = metrics}};
        if (!(rec->admin = lt_admin_create(rec->lws, &ao, err, errlen)))
            goto fail;
    }
    return rec;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    lt_recorder_destroy(rec);
    return NULL;
}

int lt_recorder_admin_port(const lt_recorder *rec)
{
    return rec->admin ? lt_admin_port(rec->admin) : 0;
}

void lt_recorder_stop(lt_recorder *rec)
{
    rec->stop = 1;
}

int lt_recorder_run(lt_recorder *rec)
{
    int64_t last_expire = 0;
    while (!rec->stop) {
        for (int i = 0; i < 200; i++) {
            rd_kafka_message_t *m = rd_kafka_consumer_poll(rec->rk, 0);
            if (!m)
                break;
            if (!m->err)
                take_room_info(rec, m);
            else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                lt_log_every(&rec->log_kafka_ms, 10000, LT_LOG_WARN, "recorder: kafka: %s",
                             rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
        }
        int running;
        curl_multi_perform(rec->multi, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(rec->multi, &left)))
            if (msg->msg == CURLMSG_DONE) {
                room *rm = NULL;
                curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&rm);
                curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &rm->http_status);
                transfer_done(rec, rm, msg->data.result);
            }
        int64_t now = lt_now_ms();
        check_rooms(rec, now);
        if (now - last_expire >= 1000) {
            lt_store_expire(rec->store, now);
            lt_series_set(lt_metric_plain(rec->m_deleted), (double)lt_store_deleted(rec->store));
            last_expire = now;
        }
        lt_publisher_poll(rec->pub, 0);
        if (rec->lws)
            lws_service(rec->lws, -1);
        curl_multi_poll(rec->multi, NULL, 0, 50, NULL);
    }
    lt_info("recorder: stopping: closing %zu rooms' segments", rec->room_count);
    for (size_t i = 0; i < rec->room_count; i++)
        stop_transfer(rec, &rec->rooms[i], "stop");
    lt_publisher_flush(rec->pub, 10000);
    return 0;
}

void lt_recorder_destroy(lt_recorder *rec)
{
    if (!rec)
        return;
    for (size_t i = 0; rec->rooms && i < rec->room_count; i++) {
        stop_transfer(rec, &rec->rooms[i], "stop");
        lt_segmenter_destroy(rec->rooms[i].seg);
    }
    if (rec->rk) {
        rd_kafka_consumer_close(rec->rk);
        rd_kafka_destroy(rec->rk);
    }
    lt_admin_destroy(rec->admin);
    if (rec->lws)
        lws_context_destroy(rec->lws);
    if (rec->multi)
        curl_multi_cleanup(rec->multi);
    lt_publisher_destroy(rec->pub);
    lt_room_info_reader_destroy(rec->info);
    lt_registry_destroy(rec->reg);
    lt_store_destroy(rec->store);
    lt_metrics_destroy(rec->metrics);
    free(rec->rooms);
    free(rec);
}
