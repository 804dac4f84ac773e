/* fuzz_tiktok_profile.c - libFuzzer target for the profile page and the
 * coin price list (docs/protocol/profile-and-prices.md): the resolver's
 * lt_tiktok_parse_profile_page (both script shapes) and
 * lt_tiktok_parse_price_list. The same input goes to both, once as the page
 * itself and once wrapped in the profile page's script tags. Invariants:
 * strings stay NUL-terminated inside their buffers, a profile read as OK
 * has no negative count other than -1 (absent), a failed one carries a
 * message and no counts, and a parsed price list has 1..max packages, each
 * with positive coins and USD price and a three-letter currency.
 *
 * The HTTP client is stubbed (only the parsers run). Build:
 *   CC=clang cmake -S . -B build-fuzz -G Ninja -DLT_BUILD_FUZZ=ON
 *   ninja -C build-fuzz fuzz_tiktok_profile
 *   build-fuzz/tests/fuzz/fuzz_tiktok_profile -max_total_time=60 tests/fuzz/corpus/tiktok_profile
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tiktok/prices.h"
#include "tiktok/resolver.h"

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

static void check_profile(const lt_tiktok_profile *p)
{
    check_terminated(p->unique_id, sizeof p->unique_id);
    check_terminated(p->nickname, sizeof p->nickname);
    check_terminated(p->message, sizeof p->message);
    const int64_t counts[] = {p->followers, p->following, p->likes, p->videos};
    for (size_t i = 0; i < 4; i++) {
        if (counts[i] < -1)
            abort();
        if (p->outcome != LT_TIKTOK_PROFILE_OK && counts[i] != -1)
            abort();
    }
    if (p->outcome != LT_TIKTOK_PROFILE_OK && !p->message[0])
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    lt_tiktok_profile p;
    lt_tiktok_parse_profile_page(200, body, size, "simhost0", &p);
    check_profile(&p);

    static const char open[] = "<script id=\"__UNIVERSAL_DATA_FOR_REHYDRATION__\" type=\"application/json\">";
    static const char open_sigi[] = "<script id=\"SIGI_STATE\" type=\"application/json\">";
    static const char close[] = "</script>";
    char *page = malloc(sizeof open + size + sizeof close);
    if (!page)
        return 0;
    const char *o = size % 2 ? open_sigi : open;
    size_t olen = strlen(o);
    memcpy(page, o, olen);
    memcpy(page + olen, data, size);
    memcpy(page + olen + size, close, sizeof close - 1);
    lt_tiktok_parse_profile_page(200, page, olen + size + sizeof close - 1, size % 3 ? "simhost0" : NULL, &p);
    check_profile(&p);
    free(page);

    lt_tiktok_price_list l;
    char err[256];
    bool blocked;
    if (lt_tiktok_parse_price_list(200, body, size, &l, &blocked, err, sizeof err) == 0) {
        if (l.package_count == 0 || l.package_count > LT_TIKTOK_PRICE_PACKAGES_MAX || strlen(l.currency) != 3)
            abort();
        for (size_t i = 0; i < l.package_count; i++)
            if (l.packages[i].coins <= 0 || l.packages[i].usd_cents <= 0 || l.packages[i].local_price < 0 ||
                l.packages[i].local_decimals < 0 || l.packages[i].local_decimals > 4)
                abort();
    } else {
        check_terminated(err, sizeof err);
        if (!err[0])
            abort();
    }
    return 0;
}
