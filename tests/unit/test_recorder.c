/* test_recorder.c - the recorder's FLV reader, segmenter and disk quota on
 * a synthetic stream: 25 fps video with a keyframe every 2 s, AAC audio. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recorder/recorder.h"

static void tag(lt_buf *b, int type, uint32_t ts, const uint8_t *payload, size_t n)
{
    uint8_t h[11] = {(uint8_t)type, (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n, (uint8_t)(ts >> 16),
                     (uint8_t)(ts >> 8), (uint8_t)ts, (uint8_t)(ts >> 24), 0, 0, 0};
    lt_buf_append(b, h, 11);
    lt_buf_append(b, payload, n);
    uint32_t prev = (uint32_t)(11 + n);
    uint8_t p[4] = {(uint8_t)(prev >> 24), (uint8_t)(prev >> 16), (uint8_t)(prev >> 8), (uint8_t)prev};
    lt_buf_append(b, p, 4);
}

/* `seconds` of stream starting at stream time `t0`. */
static void stream(lt_buf *b, uint32_t t0, int seconds, bool with_header)
{
    static const uint8_t head[13] = {'F', 'L', 'V', 1, 5, 0, 0, 0, 9, 0, 0, 0, 0};
    uint8_t payload[300];
    memset(payload, 0xab, sizeof payload);
    if (with_header) {
        lt_buf_append(b, head, sizeof head);
        payload[0] = 0x17, payload[1] = 0; /* AVC sequence header */
        tag(b, LT_FLV_VIDEO, 0, payload, 40);
        payload[0] = 0xaf, payload[1] = 0; /* AAC sequence header */
        tag(b, LT_FLV_AUDIO, 0, payload, 4);
    }
    for (int i = 0; i < seconds * 25; i++) {
        uint32_t ts = t0 + (uint32_t)i * 40;
        payload[0] = i % 50 == 0 ? 0x17 : 0x27, payload[1] = 1;
        tag(b, LT_FLV_VIDEO, ts, payload, i % 50 == 0 ? 300 : 100);
        payload[0] = 0xaf, payload[1] = 1;
        tag(b, LT_FLV_AUDIO, ts + 3, payload, 20);
    }
}

typedef struct seen {
    int tags, keyframes, seq;
    uint32_t last_ts;
} seen;

static int count(void *ctx, const lt_flv_tag *t)
{
    seen *s = ctx;
    s->tags++;
    s->keyframes += t->keyframe && !t->sequence_header;
    s->seq += t->sequence_header;
    s->last_ts = t->time_ms;
    return 0;
}

static void reader_takes_any_pieces(void **state)
{
    (void)state;
    lt_buf b = {0};
    stream(&b, 0, 6, true);
    seen whole = {0}, bytes = {0};
    lt_flv_reader r;
    lt_flv_reader_init(&r, 0);
    assert_int_equal(lt_flv_reader_feed(&r, b.data, b.len, count, &whole), 0);
    lt_flv_reader_free(&r);
    assert_int_equal(whole.tags, 2 + 6 * 25 * 2);
    assert_int_equal(whole.seq, 2);
    assert_int_equal(whole.keyframes, 3);
    lt_flv_reader_init(&r, 0);
    for (size_t i = 0; i < b.len; i++) /* one byte at a time */
        assert_int_equal(lt_flv_reader_feed(&r, b.data + i, 1, count, &bytes), 0);
    lt_flv_reader_free(&r);
    assert_memory_equal(&whole, &bytes, sizeof whole);
    lt_buf_free(&b);
}

static void reader_refuses_bad_input(void **state)
{
    (void)state;
    seen s = {0};
    lt_flv_reader r;
    lt_flv_reader_init(&r, 0);
    assert_int_equal(lt_flv_reader_feed(&r, (const uint8_t *)"<html>403</html>", 16, count, &s), -1);
    assert_non_null(r.error);
    /* failed stays failed */
    lt_buf b = {0};
    stream(&b, 0, 1, true);
    assert_int_equal(lt_flv_reader_feed(&r, b.data, b.len, count, &s), -1);
    assert_int_equal(s.tags, 0);
    lt_flv_reader_free(&r);
    /* a tag declaring more than the limit is refused before it is buffered */
    lt_flv_reader_init(&r, 1000);
    static const uint8_t huge[] = {'F', 'L', 'V', 1, 5, 0, 0, 0, 9, 0, 0, 0, 0, 9, 0x10, 0, 0};
    assert_int_equal(lt_flv_reader_feed(&r, huge, sizeof huge, count, &s), -1);
    assert_string_equal(r.error, "an FLV tag over the size limit");
    assert_true(r.pending.len < 100);
    lt_flv_reader_free(&r);
    lt_buf_free(&b);
}

typedef struct closed {
    int n;
    lt_segment_info seg[16];
    char path[16][512];
    char reason[16][32];
} closed;

static void on_closed(void *ctx, const lt_segment_info *info)
{
    closed *c = ctx;
    if (c->n >= 16)
        return;
    c->seg[c->n] = *info;
    snprintf(c->path[c->n], sizeof c->path[0], "%s", info->path);
    snprintf(c->reason[c->n], sizeof c->reason[0], "%s", info->reason);
    c->n++;
}

typedef struct feed_ctx {
    lt_segmenter *seg;
    int64_t now;
    int refused;
    bool stop_at_refusal;
} feed_ctx;

static int to_segmenter(void *ctx, const lt_flv_tag *t)
{
    feed_ctx *f = ctx;
    if (lt_segmenter_tag(f->seg, t, f->now))
        f->refused++;
    return f->refused && f->stop_at_refusal ? -1 : 0;
}

static void sha256_file(const char *path, char hex[65], long *size)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    EVP_DigestInit_ex(c, EVP_sha256(), NULL);
    uint8_t buf[4096], md[32];
    size_t n;
    *size = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        EVP_DigestUpdate(c, buf, n);
        *size += (long)n;
    }
    fclose(f);
    unsigned len;
    EVP_DigestFinal_ex(c, md, &len);
    EVP_MD_CTX_free(c);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

static char *temp_dir(void)
{
    static char dir[64];
    snprintf(dir, sizeof dir, "/tmp/test_recorder.XXXXXX");
    assert_non_null(mkdtemp(dir));
    return dir;
}

static void record_until(lt_store *store, int seconds, uint32_t t0, closed *c, int *refused, bool stop_at_refusal)
{
    lt_segmenter *seg = lt_segmenter_create(store, "7400000000000000000", "HD1", 4000, on_closed, c);
    lt_buf b = {0};
    stream(&b, t0, seconds, true);
    feed_ctx f = {seg, 1700000000000LL, 0, stop_at_refusal};
    lt_flv_reader r;
    lt_flv_reader_init(&r, 0);
    lt_segmenter_restart(seg, f.now);
    assert_int_equal(lt_flv_reader_feed(&r, b.data, b.len, to_segmenter, &f), stop_at_refusal ? -1 : 0);
    lt_segmenter_close(seg, "end");
    lt_segmenter_destroy(seg);
    lt_flv_reader_free(&r);
    lt_buf_free(&b);
    if (refused)
        *refused = f.refused;
}

static void record(lt_store *store, int seconds, uint32_t t0, closed *c, int *refused)
{
    record_until(store, seconds, t0, c, refused, false);
}

static void segments_cut_at_keyframes_and_contiguous(void **state)
{
    (void)state;
    lt_store *store = lt_store_create(temp_dir(), 0, 0);
    closed c = {0};
    record(store, 10, 5000, &c, NULL);
    /* 4 s segments cut at the keyframes at 4 s and 8 s; the last ends with the stream */
    assert_int_equal(c.n, 3);
    assert_string_equal(c.reason[0], "length");
    assert_string_equal(c.reason[2], "end");
    int64_t t0 = 1700000000000LL;
    assert_int_equal(c.seg[0].start_ms, t0);
    assert_int_equal(c.seg[0].end_ms, t0 + 4000);
    assert_int_equal(c.seg[1].start_ms, t0 + 4000);
    assert_int_equal(c.seg[2].start_ms, c.seg[1].end_ms);
    assert_int_equal(c.seg[2].end_ms, t0 + 10000);
    for (int i = 0; i < c.n; i++) {
        char hex[65], part[600];
        long size;
        sha256_file(c.path[i], hex, &size);
        assert_string_equal(hex, c.seg[i].sha256);
        assert_int_equal(size, (long)c.seg[i].bytes);
        snprintf(part, sizeof part, "%s.part", c.path[i]);
        assert_int_equal(access(part, F_OK), -1); /* renamed on close */
        /* each file is an FLV that starts with a keyframe at time 0 after the sequence headers */
        lt_flv_reader r;
        seen s = {0};
        lt_flv_reader_init(&r, 0);
        FILE *f = fopen(c.path[i], "rb");
        uint8_t *buf = malloc((size_t)size);
        assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
        fclose(f);
        assert_int_equal(lt_flv_reader_feed(&r, buf, (size_t)size, count, &s), 0);
        assert_int_equal(s.seq, 2);
        assert_int_equal(s.keyframes, i < 2 ? 2 : 1);
        assert_true(s.last_ts < 4000);
        free(buf);
        lt_flv_reader_free(&r);
    }
    lt_store_destroy(store);
}

static void quota_is_never_exceeded(void **state)
{
    (void)state;
    /* about 3.8 KB per second of stream: 60 KB holds about four 4 s segments */
    const uint64_t quota = 60000;
    lt_store *store = lt_store_create(temp_dir(), quota, 0);
    closed c = {0};
    int refused = 0;
    record(store, 30, 0, &c, &refused);
    assert_true(lt_store_used(store) <= quota);
    assert_true(lt_store_deleted(store) > 0); /* the oldest went to make room */
    assert_int_equal(refused, 0);
    struct stat st;
    assert_int_equal(stat(c.path[0], &st), -1);
    assert_int_equal(stat(c.path[c.n - 1], &st), 0);
    lt_store_destroy(store);

    /* a quota smaller than one segment: the segment is closed as disk_full */
    store = lt_store_create(temp_dir(), 8000, 0);
    memset(&c, 0, sizeof c);
    record_until(store, 10, 0, &c, &refused, true);
    assert_true(lt_store_used(store) <= 8000);
    assert_true(refused > 0);
    assert_true(c.n >= 1);
    assert_string_equal(c.reason[0], "disk_full");
    /* the file closed for the quota holds whole tags only */
    assert_int_equal(c.n, 1);
    FILE *f = fopen(c.path[0], "rb");
    assert_non_null(f);
    uint8_t buf[8000];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    assert_int_equal(n, c.seg[0].bytes);
    lt_flv_reader r;
    seen s = {0};
    lt_flv_reader_init(&r, 0);
    assert_int_equal(lt_flv_reader_feed(&r, buf, n, count, &s), 0);
    assert_int_equal(r.pending.len, 0);
    assert_true(s.tags > 2);
    lt_flv_reader_free(&r);
    lt_store_destroy(store);
}

/* --- HLS ------------------------------------------------------------ */

static void hls_parses_a_live_playlist(void **state)
{
    (void)state;
    const char *text = "#EXTM3U\r\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:41\n"
                       "#EXTINF:3.96,\n41.ts\n#EXT-X-PROGRAM-DATE-TIME:2026-12-07T08:00:00Z\n"
                       "#EXT-X-DISCONTINUITY\n#EXTINF:4,title\n/other/42.ts?k=v\n"
                       "#EXTINF:4.000,\nhttps://cdn.example/43.ts\n#EXT-X-ENDLIST\n";
    lt_hls_playlist pl;
    char err[256];
    assert_int_equal(
        lt_hls_parse(text, strlen(text), "http://h:1/hls/1_hd/index.m3u8?expire=9", &pl, err, sizeof err), 0);
    assert_int_equal(pl.target_ms, 4000);
    assert_int_equal(pl.media_seq, 41);
    assert_true(pl.endlist);
    assert_false(pl.master);
    assert_int_equal(pl.count, 3);
    assert_int_equal(pl.entries[0].seq, 41);
    assert_int_equal(pl.entries[0].dur_ms, 3960);
    assert_false(pl.entries[0].discontinuity);
    assert_string_equal(pl.entries[0].uri,
                        "http://h:1/hls/1_hd/41.ts"); /* relative to the playlist's directory */
    assert_int_equal(pl.entries[1].seq, 42);
    assert_true(pl.entries[1].discontinuity);
    assert_string_equal(pl.entries[1].uri, "http://h:1/other/42.ts?k=v"); /* host-relative */
    assert_string_equal(pl.entries[2].uri, "https://cdn.example/43.ts");  /* absolute */
    lt_hls_playlist_free(&pl);

    const char *master =
        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nsd/index.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=2\nhd.m3u8\n";
    assert_int_equal(
        lt_hls_parse(master, strlen(master), "https://cdn.example/live/m.m3u8", &pl, err, sizeof err), 0);
    assert_true(pl.master);
    assert_string_equal(pl.variant, "https://cdn.example/live/sd/index.m3u8");
    lt_hls_playlist_free(&pl);
}

static void hls_refuses_bad_playlists(void **state)
{
    (void)state;
    lt_hls_playlist pl;
    char err[256];
    const char *bad[] = {
        "<html>403</html>",                         /* not a playlist */
        "#EXTM3U\n#EXTINF:abc,\n1.ts\n",            /* a duration that is no number */
        "#EXTM3U\n#EXTINF:-1,\n1.ts\n",             /* negative */
        "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:x\n",       /* a bad sequence number */
        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n", /* a master without a variant */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(lt_hls_parse(bad[i], strlen(bad[i]), "http://h/x.m3u8", &pl, err, sizeof err), -1);
        assert_true(err[0] != '\0');
        lt_hls_playlist_free(&pl);
    }
    /* a URI longer than the limit, and more segments than the bound */
    lt_buf b = LT_BUF_INIT;
    lt_buf_append(&b, "#EXTM3U\n#EXTINF:1,\n", 19);
    for (int i = 0; i < 2000; i++)
        lt_buf_append(&b, "a", 1);
    assert_int_equal(lt_hls_parse((const char *)b.data, b.len, "http://h/x.m3u8", &pl, err, sizeof err), -1);
    assert_non_null(strstr(err, "too long"));
    lt_hls_playlist_free(&pl);
    lt_buf_reset(&b);
    lt_buf_append(&b, "#EXTM3U\n", 8);
    for (int i = 0; i <= LT_HLS_MAX_ENTRIES; i++)
        lt_buf_append(&b, "#EXTINF:1,\ns.ts\n", 16);
    assert_int_equal(lt_hls_parse((const char *)b.data, b.len, "http://h/x.m3u8", &pl, err, sizeof err), -1);
    assert_non_null(strstr(err, "more than"));
    lt_hls_playlist_free(&pl);
    lt_buf_free(&b);
}

static void hls_units_cut_at_length_and_discontinuity(void **state)
{
    (void)state;
    lt_store *store = lt_store_create(temp_dir(), 0, 0);
    closed c = {0};
    lt_segmenter *seg = lt_segmenter_create(store, "7400000000000000009", "HD1", 4000, on_closed, &c);
    lt_segmenter_use_ts(seg);
    uint8_t unit[188 * 4];
    memset(unit, 0x47, sizeof unit);
    int64_t t0 = 1700000000000LL;
    /* five 2 s units (10 s), then the timestamps restart, then one more */
    for (int i = 0; i < 5; i++)
        assert_int_equal(lt_segmenter_ts_unit(seg, unit, sizeof unit, 2000, false, t0 + 2000 * i), 0);
    assert_int_equal(lt_segmenter_ts_unit(seg, unit, sizeof unit, 2000, true, t0 + 20000), 0);
    lt_segmenter_destroy(seg); /* closes the open file: "stop" */
    assert_int_equal(c.n, 4);
    assert_string_equal(c.reason[0], "length");
    assert_string_equal(c.reason[1], "length");
    assert_string_equal(c.reason[2], "discontinuity");
    assert_string_equal(c.reason[3], "stop");
    assert_int_equal(c.seg[0].start_ms, t0);
    assert_int_equal(c.seg[0].end_ms, t0 + 4000);
    assert_int_equal(c.seg[1].start_ms, t0 + 4000); /* contiguous */
    assert_int_equal(c.seg[2].duration_ms, 2000);
    assert_int_equal(c.seg[3].start_ms, t0 + 20000); /* a new timeline */
    for (int i = 0; i < c.n; i++) {
        char hex[65];
        long size;
        sha256_file(c.path[i], hex, &size);
        assert_string_equal(hex, c.seg[i].sha256);
        assert_int_equal(size, (long)c.seg[i].bytes);
        assert_int_equal(size % sizeof unit, 0); /* whole units only, no FLV framing */
        assert_non_null(strstr(c.path[i], "-HD1.ts"));
    }
    lt_store_destroy(store);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reader_takes_any_pieces),
        cmocka_unit_test(reader_refuses_bad_input),
        cmocka_unit_test(segments_cut_at_keyframes_and_contiguous),
        cmocka_unit_test(quota_is_never_exceeded),
        cmocka_unit_test(hls_parses_a_live_playlist),
        cmocka_unit_test(hls_refuses_bad_playlists),
        cmocka_unit_test(hls_units_cut_at_length_and_discontinuity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
