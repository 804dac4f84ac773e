/* recorder.h - stream recording: FLV tags in, segment files and their
 * records out (docs/recorder.md).
 *
 *   lt_flv_reader   bytes as they arrive -> whole FLV tags
 *   lt_segmenter    tags -> segment files cut at keyframes, each written as
 *                   <name>.flv.part and renamed to <name>.flv when closed
 *   lt_store        the disk quota and retention over all segments
 */
#ifndef LT_RECORDER_H
#define LT_RECORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "kafka/producer.h"

/* --- FLV tags ------------------------------------------------------- */

enum { LT_FLV_AUDIO = 8, LT_FLV_VIDEO = 9, LT_FLV_SCRIPT = 18 };
#define LT_FLV_MAX_TAG (8u << 20) /* a tag bigger than this is bad input */

typedef struct lt_flv_tag {
    int type;                /* LT_FLV_AUDIO, _VIDEO, _SCRIPT */
    uint32_t time_ms;        /* the tag's timestamp */
    bool keyframe;           /* video: a keyframe */
    bool sequence_header;    /* AVC or AAC decoder configuration */
    const uint8_t *data;     /* the tag's payload */
    size_t data_len;
    const uint8_t *raw;      /* the whole tag with its PreviousTagSize */
    size_t raw_len;
} lt_flv_tag;

/* Returns 0 to go on, -1 to stop feeding. */
typedef int (*lt_flv_tag_cb)(void *ctx, const lt_flv_tag *tag);

typedef struct lt_flv_reader {
    lt_buf pending;          /* a unit begun in an earlier piece */
    size_t max_tag;
    bool header_done, has_audio, has_video;
    uint64_t tags;
    const char *error;       /* set once input was bad; feeding then fails */
} lt_flv_reader;

void lt_flv_reader_init(lt_flv_reader *r, size_t max_tag); /* 0 = LT_FLV_MAX_TAG */
void lt_flv_reader_free(lt_flv_reader *r);
/* -1 on bad input (r->error says what) or when `cb` returned -1. */
int lt_flv_reader_feed(lt_flv_reader *r, const uint8_t *data, size_t len, lt_flv_tag_cb cb, void *ctx);

/* --- the disk quota ------------------------------------------------- */

typedef struct lt_store lt_store;

/* max_bytes: all segments (closed and open) together never exceed it;
 * max_age_ms: closed segments older than this are deleted (0 = kept). */
lt_store *lt_store_create(const char *dir, uint64_t max_bytes, int64_t max_age_ms);
void lt_store_destroy(lt_store *s);
/* Room for `n` more bytes of an open segment, deleting the oldest closed
 * segments when needed; -1 when even that cannot make room. */
int lt_store_reserve(lt_store *s, uint64_t n);
/* A segment closed (its bytes were reserved as it was written). */
int lt_store_closed(lt_store *s, const char *path, uint64_t bytes, int64_t closed_ms);
/* Bytes of a segment that was given up (deleted) return to the quota. */
void lt_store_release(lt_store *s, uint64_t bytes);
/* Deletes closed segments older than max_age_ms; how many. */
size_t lt_store_expire(lt_store *s, int64_t now_ms);
uint64_t lt_store_used(const lt_store *s);
uint64_t lt_store_deleted(const lt_store *s);
const char *lt_store_dir(const lt_store *s);

/* --- segments ------------------------------------------------------- */

typedef struct lt_segment_info {
    const char *room_id;
    const char *quality;
    const char *path;        /* the closed file */
    int64_t start_ms, end_ms; /* wall clock (event_time's clock) */
    int64_t duration_ms;
    uint64_t bytes;
    char sha256[65];         /* hex */
    const char *reason;      /* "length", "stall", "expired", "end", "cut", "disk_full", "stop", ... */
} lt_segment_info;

typedef void (*lt_segment_cb)(void *ctx, const lt_segment_info *seg);

typedef struct lt_segmenter lt_segmenter;

lt_segmenter *lt_segmenter_create(lt_store *store, const char *room_id, const char *quality, int64_t segment_ms,
                                  lt_segment_cb on_closed, void *ctx);
void lt_segmenter_destroy(lt_segmenter *s); /* closes an open segment with reason "stop" */
/* A new connection: the next tags start a new timeline (origin = now). */
void lt_segmenter_restart(lt_segmenter *s, int64_t now_ms);
/* One tag; cuts before a keyframe once the segment is long enough. -1 when
 * the disk is full (the segment was closed, "disk_full") or a write failed. */
int lt_segmenter_tag(lt_segmenter *s, const lt_flv_tag *tag, int64_t now_ms);
/* Closes the open segment (if any) with this reason. */
void lt_segmenter_close(lt_segmenter *s, const char *reason);
bool lt_segmenter_open(const lt_segmenter *s);
/* HLS: the segmenter writes MPEG-TS (.ts files) from whole media segments
 * (lt_segmenter_ts_unit) instead of FLV tags; set before the first unit. */
void lt_segmenter_use_ts(lt_segmenter *s);
/* One HLS media segment of dur_ms (#EXTINF): cuts before it once the open
 * file is segment_ms long (HLS segments start at keyframes), starts a new
 * file and timeline on a discontinuity ("discontinuity"). -1 as
 * lt_segmenter_tag. */
int lt_segmenter_ts_unit(lt_segmenter *s, const uint8_t *data, size_t len, int64_t dur_ms, bool discontinuity,
                         int64_t now_ms);
const char *lt_segmenter_error(const lt_segmenter *s);

/* --- HLS playlists (hls.c) ----------------------------------------- */

#define LT_HLS_MAX_ENTRIES 1024
#define LT_HLS_MAX_ENTRIES_TEXT "1024"

typedef struct lt_hls_entry {
    int64_t seq;        /* media sequence number */
    int64_t dur_ms;     /* #EXTINF */
    bool discontinuity; /* #EXT-X-DISCONTINUITY before it: its timestamps restart */
    char uri[1024];     /* resolved against the playlist's URL */
} lt_hls_entry;

typedef struct lt_hls_playlist {
    int64_t target_ms; /* #EXT-X-TARGETDURATION; 0 when absent */
    int64_t media_seq; /* of the first entry */
    bool endlist;      /* the stream has ended */
    bool master;       /* a master playlist: fetch `variant` instead */
    char variant[1024];
    lt_hls_entry *entries; /* count of them (allocated) */
    size_t count;
} lt_hls_playlist;

/* Parses a playlist fetched from base_url. 0, or -1 with err (not a
 * playlist, a bad number, a URI too long, over LT_HLS_MAX_ENTRIES). Free
 * with lt_hls_playlist_free either way. */
int lt_hls_parse(const char *text, size_t len, const char *base_url, lt_hls_playlist *out, char *err,
                 size_t errlen);
void lt_hls_playlist_free(lt_hls_playlist *p);

/* --- the program: room_info in, recordings and video_segment out ---- */

typedef struct lt_recorder lt_recorder;

typedef struct lt_recorder_options {
    const char *recorder_id;          /* written on every record; the Kafka client id */
    const char *bootstrap_servers, *registry_url, *registry_username, *registry_password;
    const char *topic_prefix;         /* reads <prefix>.room_info, writes <prefix>.video_segment */
    const char *group_id;             /* the recorders' consumer group */
    const lt_kafka_property *properties; /* librdkafka, passed through */
    size_t property_count;
    const char *const *rooms;         /* room ids or fnmatch patterns; none = every room */
    size_t room_count;
    const char *const *qualities;     /* preferred first; then the room's best */
    size_t quality_count;
    size_t max_rooms;                 /* rooms tracked at most */
    int64_t info_max_age_ms;          /* room_info older than this is ignored; 0 = never */
    const char *dir;                  /* segments go to <dir>/<room_id>/ */
    int64_t segment_ms;
    uint64_t max_bytes;               /* quota over all segments; 0 = none */
    int64_t max_age_ms;               /* retention; 0 = keep */
    int64_t stall_ms;                 /* no bytes this long: reconnect */
    bool prefer_hls;                  /* record HLS where a room offers it (else HTTP-FLV first) */
    int64_t backoff_cap_ms;
    bool admin_enabled;
    const char *admin_listen;
    int admin_port;
} lt_recorder_options;

lt_recorder *lt_recorder_create(const lt_recorder_options *opts, char *err, size_t errlen);
int lt_recorder_run(lt_recorder *rec); /* until lt_recorder_stop; closes and publishes open segments */
void lt_recorder_stop(lt_recorder *rec); /* async-signal-safe */
int lt_recorder_admin_port(const lt_recorder *rec);
void lt_recorder_destroy(lt_recorder *rec);

#endif
