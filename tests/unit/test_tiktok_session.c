/* The push WebSocket URL (docs/protocol/webcast.md §4.1): push_server + the web
 * client's parameters + route params (overriding ours, extras kept) +
 * room_id, cursor, internal_ext, compress=gzip, the extra version_code;
 * values URL-encoded; bad push servers refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libwebsockets.h>

#include "tiktok/frame.h"
#include "tiktok/session.h"
#include "webcast.pb-c.h"

typedef struct fixture {
    uint8_t *bytes;
    size_t len;
    lt_tiktok_fetch_result result;
} fixture;

static void build(fixture *f, const char *push_server, const char *cursor, const char *internal_ext,
                  const char *const (*params)[2], size_t n_params)
{
    Livetap__Webcast__FetchResult fr = LIVETAP__WEBCAST__FETCH_RESULT__INIT;
    Livetap__Webcast__StringPair pairs[8];
    Livetap__Webcast__StringPair *ptrs[8];
    for (size_t i = 0; i < n_params; i++) {
        livetap__webcast__string_pair__init(&pairs[i]);
        pairs[i].key = (char *)params[i][0];
        pairs[i].value = (char *)params[i][1];
        ptrs[i] = &pairs[i];
    }
    fr.n_route_params = n_params;
    fr.route_params = ptrs;
    fr.push_server = (char *)push_server;
    fr.cursor = (char *)cursor;
    if (internal_ext) {
        fr.has_internal_ext = 1;
        fr.internal_ext.data = (uint8_t *)internal_ext;
        fr.internal_ext.len = strlen(internal_ext);
    }
    fr.has_heartbeat_duration = 1;
    fr.heartbeat_duration = 10000;
    f->len = livetap__webcast__fetch_result__get_packed_size(&fr);
    f->bytes = malloc(f->len);
    assert_non_null(f->bytes);
    livetap__webcast__fetch_result__pack(&fr, f->bytes);
    char err[128];
    assert_int_equal(lt_tiktok_fetch_result_parse(f->bytes, f->len, &f->result, err, sizeof err), 0);
}

static void release(fixture *f)
{
    lt_tiktok_fetch_result_release(&f->result);
    free(f->bytes);
}

/* The value of `key` in the query (the n-th occurrence), or NULL. */
static const char *param(const char *url, const char *key, int nth, char *out, size_t outlen)
{
    const char *q = strchr(url, '?');
    size_t kl = strlen(key);
    int seen = 0;
    while (q) {
        q++;
        if (strncmp(q, key, kl) == 0 && q[kl] == '=') {
            if (seen++ == nth) {
                size_t n = strcspn(q + kl + 1, "&");
                if (n >= outlen)
                    n = outlen - 1;
                memcpy(out, q + kl + 1, n);
                out[n] = '\0';
                return out;
            }
        }
        q = strchr(q, '&');
    }
    return NULL;
}

static void full_url(void **state)
{
    static const char *const params[][2] = {{"wrss", "abc-DEF_1"}, {"imprp", "x y"}, {"identity", "guest"}};
    fixture f;
    build(&f, "wss://webcast-ws.tiktok.com/webcast/im/ws_proxy/ws_reuse_supplement/", "t-1709140492750_r-1",
          "fetch_time:1709140492750|start_time:0|ack_ids:,", params, 3);
    lt_tiktok_push_target t = {
        .push_server = f.result.push_server,
        .fetch = &f.result,
        .room_id = "7340691647148018438",
        .user_agent = "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0",
        .gzip = true,
    };
    char url[8192], err[256], v[512];
    assert_int_equal(lt_tiktok_push_url(&t, url, sizeof url, err, sizeof err), 0);
    assert_true(strncmp(url, "wss://webcast-ws.tiktok.com/webcast/im/ws_proxy/ws_reuse_supplement/?aid=1988&",
                        78) == 0);
    assert_string_equal(param(url, "room_id", 0, v, sizeof v), "7340691647148018438");
    assert_string_equal(param(url, "compress", 0, v, sizeof v), "gzip");
    assert_string_equal(param(url, "cursor", 0, v, sizeof v), "t-1709140492750_r-1");
    assert_string_equal(param(url, "internal_ext", 0, v, sizeof v),
                        "fetch_time%3A1709140492750%7Cstart_time%3A0%7Cack_ids%3A%2C");
    assert_string_equal(param(url, "wrss", 0, v, sizeof v), "abc-DEF_1");
    assert_string_equal(param(url, "imprp", 0, v, sizeof v), "x%20y");
    /* a route param overrides our default and is not repeated */
    assert_string_equal(param(url, "identity", 0, v, sizeof v), "guest");
    assert_null(param(url, "identity", 1, v, sizeof v));
    assert_string_equal(param(url, "app_name", 0, v, sizeof v), "tiktok_web");
    assert_string_equal(param(url, "live_id", 0, v, sizeof v), "12");
    assert_string_equal(param(url, "browser_version", 0, v, sizeof v),
                        "5.0%20%28X11%3B%20Linux%20x86_64%29%20Chrome%2F126.0");
    /* the production URL's second version_code, last */
    assert_string_equal(param(url, "version_code", 0, v, sizeof v), "180800");
    assert_string_equal(param(url, "version_code", 1, v, sizeof v), "270000");
    assert_true(strlen(url) > 20 && strcmp(url + strlen(url) - 20, "&version_code=270000") == 0);
    release(&f);
}

static void minimal_url(void **state)
{
    fixture f;
    build(&f, "ws://127.0.0.1:18999/ws?token=abc", NULL, NULL, NULL, 0);
    lt_tiktok_push_target t = {.push_server = f.result.push_server, .fetch = &f.result, .room_id = "42"};
    char url[8192], err[256], v[64];
    assert_int_equal(lt_tiktok_push_url(&t, url, sizeof url, err, sizeof err), 0);
    /* an existing query is continued, not restarted */
    assert_true(strncmp(url, "ws://127.0.0.1:18999/ws?token=abc&aid=1988", 42) == 0);
    assert_null(param(url, "compress", 0, v, sizeof v));
    assert_null(param(url, "cursor", 0, v, sizeof v));
    assert_null(param(url, "internal_ext", 0, v, sizeof v));
    assert_string_equal(param(url, "room_id", 0, v, sizeof v), "42");
    release(&f);
}

static void refused_targets(void **state)
{
    char url[8192], err[256];
    lt_tiktok_push_target t = {.push_server = "https://example.com/", .room_id = "1"};
    assert_int_equal(lt_tiktok_push_url(&t, url, sizeof url, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a ws"));
    t.push_server = NULL;
    assert_int_equal(lt_tiktok_push_url(&t, url, sizeof url, err, sizeof err), -1);
    t.push_server = "wss://webcast-ws.tiktok.com/x/";
    char tiny[64];
    assert_int_equal(lt_tiktok_push_url(&t, tiny, sizeof tiny, err, sizeof err), -1);
    assert_non_null(strstr(err, "longer than"));
}

/* lws allocates the protocol's rx buffer per connection and keeps it for the
 * connection's life: at 10,000 rooms every KiB of it is 10 MiB. Messages of
 * any size are reassembled by the session, so it stays small. */
static void rx_buffer_is_small(void **state)
{
    assert_true(lt_tiktok_session_lws_protocol.rx_buffer_size > 0);
    assert_true(lt_tiktok_session_lws_protocol.rx_buffer_size <= 1024);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_url),
        cmocka_unit_test(minimal_url),
        cmocka_unit_test(refused_targets),
        cmocka_unit_test(rx_buffer_is_small),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
