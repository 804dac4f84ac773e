/* prices.h - the coin price list (webcast/diamond/,
 * docs/protocol/profile-and-prices.md §2): what coins cost, in US cents and
 * in the local currency TikTok picks from the caller's IP.
 *
 * The parser is pure (answer in, packages out), unit-tested and fuzzed.
 */
#ifndef LT_TIKTOK_PRICES_H
#define LT_TIKTOK_PRICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/event.h"

/* Packages read from one answer; longer lists are cut here. */
#define LT_TIKTOK_PRICE_PACKAGES_MAX 64

/* package_id = data[].id (0 if not sent), coins = data[].diamond_count,
 * usd_cents = data[].price, local_price = currency_price[].price (else
 * exchange_price), local_decimals = price_dot (2 if not sent): the event's
 * own record, so a parsed list is published as it is. */
typedef lt_coin_package lt_tiktok_price_package;

typedef struct lt_tiktok_price_list {
    char currency[4]; /* ISO 4217 code of the local prices */
    lt_tiktok_price_package packages[LT_TIKTOK_PRICE_PACKAGES_MAX];
    size_t package_count;
    size_t skipped;        /* entries without positive coins and USD price, or cut */
    int64_t server_now_ms; /* extra.now; 0 if not sent */
} lt_tiktok_price_list;

/* 0 and `out` filled with at least one package, or -1 with err. *blocked
 * (may be NULL) is set when TikTok refused (HTTP 403/429, a redirect, a
 * captcha/WAF page): the caller backs off longer. */
int lt_tiktok_parse_price_list(long http_status, const char *body, size_t len, lt_tiktok_price_list *out,
                               bool *blocked, char *err, size_t errlen);

/* Fills `ev` (a price_list event, keyed by the currency); ev points into
 * `list`, which must outlive it. */
void lt_tiktok_price_list_event(const lt_tiktok_price_list *list, const char *collector_id, int64_t now_ms,
                                lt_event *ev);

/* webcast/diamond/ with the web client's parameters. */
int lt_tiktok_price_list_url(const char *api_base, char *out, size_t outlen);

#endif
