/* fuzz_tiktok_info.c - libFuzzer target for the answers of TikTok's web API
 * that the collector turns into events: webcast/room/info/ (the resolver's
 * parser with the room details, then the room_info mapping) and
 * webcast/gift/list/ (each gift, its hash and the gift memory). The same
 * input goes to both. Invariants checked: strings stay inside their buffers
 * and are NUL-terminated, a room_info event is built only from an answer that
 * described a room, every gift has a positive id and a bounded name, and a
 * gift the memory has just taken is not new a second time.
 *
 * The HTTP client is stubbed (only the parsers run). Build (clang, ASan/UBSan):
 *   clang -g -fsanitize=fuzzer,address,undefined -D_POSIX_C_SOURCE=200809L -Isrc \
 *     tests/fuzz/fuzz_tiktok_info.c src/tiktok/info.c src/tiktok/resolver.c \
 *     src/tiktok/json.c src/tiktok/room.c src/core/event_types.c src/core/log.c \
 *     -ljansson -o fuzz_tiktok_info
 *   ./fuzz_tiktok_info -max_total_time=60 tests/fuzz/corpus/tiktok_info
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tiktok/info.h"

/* the fetching half of info.c and the resolver's chain are not exercised */
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

static lt_tiktok_gift_memory *memory;

static void check_terminated(const char *s, size_t size)
{
    if (memchr(s, '\0', size) == NULL)
        abort();
}

static void on_gift(void *ctx, const lt_gift_info *g)
{
    (void)ctx;
    if (g->gift_id <= 0 || !g->name || !*g->name || strlen(g->name) > 256 || g->diamond_count < 0 ||
        g->gift_type < 0 || g->streakable != (g->gift_type == 1))
        abort();
    lt_event ev;
    lt_tiktok_gift_info_event(g, "7340691647148018438", "fuzz", 1, &ev);
    uint64_t h = lt_tiktok_gift_hash(g);
    lt_tiktok_gift_memory_update(memory, g->gift_id, h);
    if (lt_tiktok_gift_memory_update(memory, g->gift_id, h))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!memory && !(memory = lt_tiktok_gift_memory_create(64)))
        abort();
    const char *body = (const char *)data;

    lt_tiktok_resolution res;
    lt_tiktok_room_details d;
    lt_tiktok_parse_room_details(200, body, size, "7340691647148018438", &res, &d);
    check_terminated(d.title, sizeof d.title);
    check_terminated(d.stream_url, sizeof d.stream_url);
    check_terminated(d.owner_unique_id, sizeof d.owner_unique_id);
    check_terminated(d.owner_nickname, sizeof d.owner_nickname);
    check_terminated(d.owner_avatar_url, sizeof d.owner_avatar_url);
    check_terminated(res.message, sizeof res.message);
    if (res.outcome == LT_TIKTOK_RESOLVE_LIVE || res.outcome == LT_TIKTOK_RESOLVE_OFFLINE) {
        lt_user owner;
        lt_event ev;
        lt_tiktok_room_info_event(&d, "7340691647148018438", "fuzz", 1, &owner, &ev);
        if (ev.as.room_info.owner && !d.has_owner)
            abort();
    } else if (d.has_owner || d.title[0]) {
        abort(); /* details only from an answer that described a room */
    }

    char err[256];
    size_t skipped = 0;
    int n = lt_tiktok_parse_gift_list(200, body, size, on_gift, NULL, &skipped, err, sizeof err);
    if (n > LT_TIKTOK_GIFT_LIST_MAX)
        abort();
    return 0;
}
