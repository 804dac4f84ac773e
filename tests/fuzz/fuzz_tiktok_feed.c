/* fuzz_tiktok_feed.c - libFuzzer target for a page of the recommended-live
 * feed (tiktok/feed.h), the answer `livetap-collector discover` and the
 * discovery loop page through. The input is the body, parsed once as an HTTP
 * 200 and once as a 403. Invariants checked: every string is NUL-terminated
 * inside its buffer, every stored room has a room id of digits, the count
 * never passes the cap, the cursor is never negative, "more" never comes
 * without a cursor, and anything but OK stores no room.
 *
 * The HTTP client is stubbed (only the parser runs). Build (clang, ASan/UBSan):
 *   clang -g -fsanitize=fuzzer,address,undefined -D_POSIX_C_SOURCE=200809L -Isrc \
 *     tests/fuzz/fuzz_tiktok_feed.c src/tiktok/feed.c src/tiktok/resolver.c \
 *     src/tiktok/json.c src/tiktok/room.c src/core/event_types.c src/core/log.c \
 *     -ljansson -o fuzz_tiktok_feed
 *   ./fuzz_tiktok_feed -max_total_time=60 tests/fuzz/corpus/tiktok_feed
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/http.h"
#include "tiktok/feed.h"

/* the resolver's chain (linked for the web client's query parameters) is not exercised */
lt_http_request *lt_http_get(lt_http *h, const char *url, const char *const *headers, size_t header_count,
                             lt_http_done_fn done, void *ctx, char *err, size_t errlen)
{
    (void)h, (void)url, (void)headers, (void)header_count, (void)done, (void)ctx, (void)err, (void)errlen;
    return NULL;
}

void lt_http_cancel(lt_http_request *req)
{
    (void)req;
}

static void check_terminated(const char *s, size_t size)
{
    if (memchr(s, '\0', size) == NULL)
        abort();
}

static lt_tiktok_feed_page page;

static void check(long status, const char *body, size_t size)
{
    char err[256];
    lt_tiktok_feed_outcome outcome = lt_tiktok_feed_parse(status, body, size, &page, err, sizeof err);
    check_terminated(err, sizeof err);
    if (page.count > LT_TIKTOK_FEED_MAX_ROOMS || page.max_time < 0 || (page.has_more && page.max_time == 0))
        abort();
    if (outcome != LT_TIKTOK_FEED_OK && page.count)
        abort();
    for (size_t i = 0; i < page.count; i++) {
        const lt_tiktok_feed_room *r = &page.rooms[i];
        check_terminated(r->room_id, sizeof r->room_id);
        check_terminated(r->owner_id, sizeof r->owner_id);
        check_terminated(r->unique_id, sizeof r->unique_id);
        check_terminated(r->nickname, sizeof r->nickname);
        check_terminated(r->title, sizeof r->title);
        check_terminated(r->tags, sizeof r->tags);
        if (!r->room_id[0] || strspn(r->room_id, "0123456789") != strlen(r->room_id) || r->viewers < -1)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check(200, (const char *)data, size);
    check(403, (const char *)data, size);
    return 0;
}
