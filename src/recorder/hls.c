/* hls.c - HLS playlists (RFC 8216) as far as recording a live stream needs.
 *
 * A media playlist: #EXT-X-TARGETDURATION, #EXT-X-MEDIA-SEQUENCE (the
 * sequence number of its first segment), then per segment #EXTINF:<seconds>,
 * an optional #EXT-X-DISCONTINUITY before it (the timestamps restart: a new
 * timeline) and its URI; #EXT-X-ENDLIST when the stream has ended. A master
 * playlist (#EXT-X-STREAM-INF) names variants instead: its first variant's
 * URI is returned for the caller to fetch. Other tags are skipped. URIs are
 * resolved against the playlist's URL (absolute, host-relative or relative
 * to its directory).
 *
 * The input comes from the network: the text is bounded by the caller, a
 * line longer than the URI limit, a number that does not parse or more than
 * LT_HLS_MAX_ENTRIES segments is an error, never a crash.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recorder/recorder.h"

void lt_hls_playlist_free(lt_hls_playlist *p)
{
    free(p->entries);
    memset(p, 0, sizeof *p);
}

/* Whether uri starts with a scheme ("https://..."). */
static bool absolute(const char *uri, size_t n)
{
    for (size_t i = 0; i + 2 < n; i++) {
        if (uri[i] == ':')
            return uri[i + 1] == '/' && uri[i + 2] == '/';
        if (!isalnum((unsigned char)uri[i]) && uri[i] != '+' && uri[i] != '-' && uri[i] != '.')
            return false;
    }
    return false;
}

/* base + uri -> out; -1 when it does not fit. */
static int resolve(const char *base, const char *uri, size_t uri_len, char *out, size_t cap)
{
    size_t prefix = 0;
    const char *scheme = strstr(base, "://");
    if (absolute(uri, uri_len)) {
        prefix = 0;
    } else if (uri_len && uri[0] == '/') {
        const char *host_end = scheme ? strchr(scheme + 3, '/') : NULL;
        prefix = host_end ? (size_t)(host_end - base) : strlen(base);
    } else {
        size_t path_end = strcspn(base, "?#");
        prefix = path_end;
        while (prefix && base[prefix - 1] != '/')
            prefix--;
        if (scheme && prefix <= (size_t)(scheme - base) + 3) /* "http://host" without a path */
            return snprintf(out, cap, "%.*s/%.*s", (int)path_end, base, (int)uri_len, uri) < (int)cap ? 0
                                                                                                      : -1;
    }
    if (prefix + uri_len + 1 > cap)
        return -1;
    memcpy(out, base, prefix);
    memcpy(out + prefix, uri, uri_len);
    out[prefix + uri_len] = '\0';
    return 0;
}

static int fail(char *err, size_t errlen, long line, const char *what)
{
    snprintf(err, errlen, "playlist line %ld: %s", line, what);
    return -1;
}

/* A decimal number (EXTINF's seconds may have a fraction) in ms; -1 if it
 * does not parse or is out of range. */
static int64_t seconds_ms(const char *s, size_t n)
{
    char tmp[32];
    if (!n || n >= sizeof tmp)
        return -1;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    char *end;
    double v = strtod(tmp, &end);
    if (end == tmp || (*end && *end != ',') || !(v >= 0) || v > 86400.0)
        return -1;
    return (int64_t)(v * 1000.0 + 0.5);
}

static int64_t integer(const char *s, size_t n)
{
    int64_t v = 0;
    if (!n || n > 18)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static bool tag(const char *line, size_t n, const char *name, const char **value, size_t *vlen)
{
    size_t k = strlen(name);
    if (n < k || memcmp(line, name, k) != 0)
        return false;
    *value = line + k;
    *vlen = n - k;
    return true;
}

int lt_hls_parse(const char *text, size_t len, const char *base_url, lt_hls_playlist *out, char *err,
                 size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (len < 7 || memcmp(text, "#EXTM3U", 7) != 0)
        return fail(err, errlen, 1, "not an HLS playlist (no #EXTM3U)");
    int64_t dur = -1, seq0 = 0;
    bool disc = false, variant_next = false;
    long line_no = 0;
    for (size_t at = 0; at < len;) {
        const char *line = text + at;
        const char *nl = memchr(line, '\n', len - at);
        size_t n = nl ? (size_t)(nl - line) : len - at;
        at += n + (nl ? 1 : 0);
        line_no++;
        if (n && line[n - 1] == '\r')
            n--;
        while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
            n--;
        if (!n)
            continue;
        const char *v;
        size_t vn;
        if (line[0] == '#') {
            if (tag(line, n, "#EXTINF:", &v, &vn)) {
                const char *comma = memchr(v, ',', vn); /* the text is not NUL-terminated */
                if ((dur = seconds_ms(v, comma ? (size_t)(comma - v) : vn)) < 0)
                    return fail(err, errlen, line_no, "#EXTINF without a duration");
            } else if (tag(line, n, "#EXT-X-TARGETDURATION:", &v, &vn)) {
                int64_t t = integer(v, vn);
                if (t < 0 || t > 86400)
                    return fail(err, errlen, line_no, "a bad #EXT-X-TARGETDURATION");
                out->target_ms = t * 1000;
            } else if (tag(line, n, "#EXT-X-MEDIA-SEQUENCE:", &v, &vn) &&
                       !out->count) { /* before any segment */
                if ((seq0 = integer(v, vn)) < 0)
                    return fail(err, errlen, line_no, "a bad #EXT-X-MEDIA-SEQUENCE");
                out->media_seq = seq0;
            } else if (tag(line, n, "#EXT-X-DISCONTINUITY", &v, &vn) && vn == 0) {
                disc = true;
            } else if (tag(line, n, "#EXT-X-ENDLIST", &v, &vn) && vn == 0) {
                out->endlist = true;
            } else if (tag(line, n, "#EXT-X-STREAM-INF:", &v, &vn)) {
                out->master = true;
                variant_next = true;
            }
            continue;
        }
        /* a URI */
        if (variant_next) {
            variant_next = false;
            if (!out->variant[0] && resolve(base_url, line, n, out->variant, sizeof out->variant))
                return fail(err, errlen, line_no, "a variant URI too long");
            continue;
        }
        if (dur < 0)
            continue; /* a URI without #EXTINF: not a media segment */
        if (out->count == LT_HLS_MAX_ENTRIES) {
            lt_hls_playlist_free(out);
            return fail(err, errlen, line_no, "more than " LT_HLS_MAX_ENTRIES_TEXT " segments");
        }
        if (!out->entries && !(out->entries = calloc(LT_HLS_MAX_ENTRIES, sizeof *out->entries)))
            return fail(err, errlen, line_no, "out of memory");
        lt_hls_entry *e = &out->entries[out->count];
        if (resolve(base_url, line, n, e->uri, sizeof e->uri)) {
            lt_hls_playlist_free(out);
            return fail(err, errlen, line_no, "a segment URI too long");
        }
        e->seq = seq0 + (int64_t)out->count;
        e->dur_ms = dur;
        e->discontinuity = disc;
        out->count++;
        dur = -1;
        disc = false;
    }
    if (out->master && !out->variant[0])
        return fail(err, errlen, line_no, "a master playlist without a variant URI");
    return 0;
}
