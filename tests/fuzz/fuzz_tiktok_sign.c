/* fuzz_tiktok_sign.c - libFuzzer target for what a sign server and TikTok's
 * web pages answer before a room connects: the raw header block of an HTTP
 * response (lt_http_header), the X-Set-TT-Cookie value turned into the
 * WebSocket's Cookie header, the retry time of a 429, the sign server's
 * rate_limits JSON, and the live page / user room API the resolver reads.
 *
 * The input is split at its first NUL byte: the header block before it, the
 * body after it. Invariants checked: every string stays inside its buffer
 * and is NUL-terminated; the Cookie header holds no CR or LF (it goes into a
 * request's headers); a retry time is between now and a day from now unless
 * the server named an earlier time; rate limits are positive and finite; a
 * resolution that says "live" names a valid room id.
 *
 *   ./fuzz_tiktok_sign -max_total_time=60 tests/fuzz/corpus/tiktok_sign
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/http.h"
#include "tiktok/resolver.h"
#include "tiktok/room.h"
#include "tiktok/signer.h"

static void check_terminated(const char *s, size_t size)
{
    if (!memchr(s, '\0', size))
        abort();
}

static void headers(const char *block, size_t len)
{
    lt_http_response resp = {.status = 200, .headers = block, .headers_len = len};
    char raw[4096], cookie[4096], small[8];
    if (lt_http_header(&resp, "X-Set-TT-Cookie", small, sizeof small) >= 0)
        check_terminated(small, sizeof small);
    if (lt_http_header(&resp, "X-Set-TT-Cookie", raw, sizeof raw) < 0)
        return;
    check_terminated(raw, sizeof raw);
    if (lt_tiktok_cookie_header(raw, cookie, sizeof cookie) == 0) {
        check_terminated(cookie, sizeof cookie);
        if (strpbrk(cookie, "\r\n") || !strstr(cookie, "tt-target-idc="))
            abort();
    }
}

static void retry(const char *block, size_t len)
{
    const int64_t now = 1700000000000LL, day = 24 * 3600 * 1000LL;
    int64_t t = lt_tiktok_retry_at(block, len, now);
    if (t > now + day || t < 0)
        abort();
}

static void bodies(const char *body, size_t len)
{
    double rate = 0, burst = 0;
    if (lt_tiktok_parse_rate_limits(body, len, &rate, &burst) == 0 &&
        (!(rate > 0) || !isfinite(rate) || !(burst >= 1) || !isfinite(burst)))
        abort();
    lt_tiktok_resolution res;
    for (int which = 0; which < 2; which++) {
        memset(&res, 0x5a, sizeof res); /* the parser fills every field */
        if (which == 0)
            lt_tiktok_parse_live_page(200, body, len, &res);
        else
            lt_tiktok_parse_user_room_api(200, body, len, &res);
        check_terminated(res.room_id, sizeof res.room_id);
        check_terminated(res.unique_id, sizeof res.unique_id);
        check_terminated(res.title, sizeof res.title);
        check_terminated(res.nickname, sizeof res.nickname);
        check_terminated(res.message, sizeof res.message);
        if (res.outcome == LT_TIKTOK_RESOLVE_LIVE && !lt_tiktok_room_id_valid(res.room_id))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    const char *nul = memchr(in, '\0', size);
    size_t hlen = nul ? (size_t)(nul - in) : size;
    headers(in, hlen);
    retry(in, hlen);
    /* the parsers get a NUL-terminated copy, as lt_http gives its bodies */
    size_t blen = nul ? size - hlen - 1 : size;
    char *body = malloc(blen + 1);
    if (!body)
        return 0;
    memcpy(body, nul ? nul + 1 : in, blen);
    body[blen] = '\0';
    bodies(body, blen);
    free(body);
    return 0;
}
