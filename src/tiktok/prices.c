/* prices.c - the coin price list parser (see prices.h). */
#include "tiktok/prices.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "tiktok/json.h"
#include "tiktok/resolver.h"

#define DEFAULT_API_BASE "https://webcast.tiktok.com"
/* No package holds more coins than this or costs more than this many cents:
 * beyond it the answer is not a price list. */
#define COINS_MAX 100000000LL
#define CENTS_MAX 10000000000LL

static bool is_currency(const char *code)
{
    if (!code || strlen(code) != 3)
        return false;
    for (int i = 0; i < 3; i++)
        if (!isupper((unsigned char)code[i]))
            return false;
    return true;
}

static bool has(const char *body, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(body + i, needle, n) == 0)
            return true;
    return false;
}

/* currency_price[] entry of `currency`, else the first one. */
static json_t *local_entry(json_t *list, const char *currency)
{
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        const char *c = lt_tiktok_json_str(e, "currency");
        if (c && (!currency[0] || strcmp(c, currency) == 0))
            return e;
    }
    return NULL;
}

static int read_package(json_t *p, const char *currency, lt_tiktok_price_package *out)
{
    memset(out, 0, sizeof(*out));
    if (!json_is_object(p))
        return -1;
    out->package_id = lt_tiktok_json_int(json_object_get(p, "id"), 0);
    out->coins = lt_tiktok_json_int(json_object_get(p, "diamond_count"), 0);
    out->usd_cents = lt_tiktok_json_int(json_object_get(p, "price"), 0);
    if (out->coins <= 0 || out->coins > COINS_MAX || out->usd_cents <= 0 || out->usd_cents > CENTS_MAX)
        return -1;
    json_t *local = local_entry(json_object_get(p, "currency_price"), currency);
    out->local_decimals = 2;
    if (local) {
        out->local_price = lt_tiktok_json_int(json_object_get(local, "price"), -1);
        int64_t dot = lt_tiktok_json_int(json_object_get(local, "price_dot"), 2);
        out->local_decimals = dot >= 0 && dot <= 4 ? (int32_t)dot : 2;
    } else {
        out->local_price = lt_tiktok_json_int(json_object_get(p, "exchange_price"), -1);
    }
    if (out->local_price < 0 || out->local_price > CENTS_MAX * 100000)
        return -1;
    return 0;
}

int lt_tiktok_parse_price_list(long http_status, const char *body, size_t len, lt_tiktok_price_list *out,
                               bool *blocked, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (blocked)
        *blocked = false;
    if (http_status == 403 || http_status == 429 || (http_status >= 300 && http_status < 400)) {
        if (blocked)
            *blocked = true;
        snprintf(err, errlen,
                 "webcast/diamond answered HTTP %ld: blocked or rate-limited by TikTok (slow down or "
                 "use a proxy)",
                 http_status);
        return -1;
    }
    if (http_status != 200) {
        snprintf(err, errlen, "webcast/diamond answered HTTP %ld", http_status);
        return -1;
    }
    json_error_t jerr;
    json_t *root = json_loadb(body, len, 0, &jerr);
    if (!json_is_object(root)) {
        bool waf = has(body, len, "_wafchallengeid") || has(body, len, "tiktok-verify-page") ||
                   has(body, len, "captcha");
        if (blocked)
            *blocked = waf;
        if (waf)
            snprintf(err, errlen, "webcast/diamond: TikTok answered a captcha/WAF challenge instead of JSON");
        else
            snprintf(err, errlen, "webcast/diamond: not JSON: %s", root ? "not an object" : jerr.text);
        json_decref(root);
        return -1;
    }
    int64_t code = lt_tiktok_json_int(json_object_get(root, "status_code"), 0);
    json_t *data = json_object_get(root, "data");
    if (code != 0 || !json_is_array(data)) {
        snprintf(err, errlen, "webcast/diamond: %s (status_code %lld)",
                 code != 0 ? "refused" : "no data array", (long long)code);
        json_decref(root);
        return -1;
    }
    json_t *extra = json_object_get(root, "extra");
    out->server_now_ms = lt_tiktok_json_int(json_object_get(extra, "now"), 0);
    /* the local currency: the packages' own, else extra.default_currency */
    const char *currency = NULL;
    json_t *first = json_array_get(data, 0);
    json_t *entry = local_entry(json_object_get(first, "currency_price"), "");
    currency = lt_tiktok_json_str(entry, "currency");
    if (!is_currency(currency))
        currency = lt_tiktok_json_str(extra, "default_currency");
    if (!is_currency(currency)) {
        snprintf(err, errlen,
                 "webcast/diamond: no local currency (currency_price[].currency, "
                 "extra.default_currency)");
        json_decref(root);
        return -1;
    }
    memcpy(out->currency, currency, 4);
    size_t i;
    json_t *p;
    json_array_foreach(data, i, p)
    {
        if (out->package_count == LT_TIKTOK_PRICE_PACKAGES_MAX) {
            out->skipped += json_array_size(data) - i;
            break;
        }
        if (read_package(p, out->currency, &out->packages[out->package_count]) == 0)
            out->package_count++;
        else
            out->skipped++;
    }
    json_decref(root);
    if (out->package_count == 0) {
        snprintf(err, errlen, "webcast/diamond: no usable package (%zu skipped)", out->skipped);
        return -1;
    }
    return 0;
}

void lt_tiktok_price_list_event(const lt_tiktok_price_list *list, const char *collector_id, int64_t now_ms,
                                lt_event *ev)
{
    memset(ev, 0, sizeof(*ev));
    ev->type = LT_EVENT_PRICE_LIST;
    ev->platform = LT_PLATFORM_TIKTOK;
    ev->room_id = "";
    ev->event_time = now_ms;
    ev->ingest_time = now_ms;
    ev->collector_id = collector_id;
    ev->as.price_list.currency = list->currency;
    ev->as.price_list.packages = list->packages;
    ev->as.price_list.package_count = list->package_count;
    ev->as.price_list.fetched_at = now_ms;
}

int lt_tiktok_price_list_url(const char *api_base, char *out, size_t outlen)
{
    int n = snprintf(out, outlen, "%s/webcast/diamond/?%s", api_base ? api_base : DEFAULT_API_BASE,
                     lt_tiktok_web_client_params);
    return n > 0 && (size_t)n < outlen ? 0 : -1;
}
