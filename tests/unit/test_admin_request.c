/* The admin API's request parsing: routes, room specs in paths and bodies,
 * status codes. Everything here comes from a stranger over HTTP. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "admin/admin.h"

static lt_admin_route route_of(const char *path, char *spec, size_t cap)
{
    lt_admin_route r;
    assert_int_equal(lt_admin_route_parse(path, &r, spec, cap), 0);
    return r;
}

static void routes_fixed_paths(void **state)
{
    (void)state;
    char spec[LT_ADMIN_SPEC_MAX];
    assert_int_equal(route_of("/healthz", spec, sizeof spec), LT_ADMIN_ROUTE_HEALTHZ);
    assert_int_equal(route_of("/readyz", spec, sizeof spec), LT_ADMIN_ROUTE_READYZ);
    assert_int_equal(route_of("/metrics", spec, sizeof spec), LT_ADMIN_ROUTE_METRICS);
    assert_int_equal(route_of("/rooms", spec, sizeof spec), LT_ADMIN_ROUTE_ROOMS);
    assert_int_equal(route_of("/rooms/", spec, sizeof spec), LT_ADMIN_ROUTE_ROOMS);
    assert_int_equal(route_of("/", spec, sizeof spec), LT_ADMIN_ROUTE_NONE);
    assert_int_equal(route_of("/roomsx", spec, sizeof spec), LT_ADMIN_ROUTE_NONE);
    assert_int_equal(route_of("/healthz/x", spec, sizeof spec), LT_ADMIN_ROUTE_NONE);
    assert_int_equal(route_of("", spec, sizeof spec), LT_ADMIN_ROUTE_NONE);
}

static void routes_room_specs(void **state)
{
    (void)state;
    char spec[LT_ADMIN_SPEC_MAX];
    assert_int_equal(route_of("/rooms/@simhost0", spec, sizeof spec), LT_ADMIN_ROUTE_ROOM);
    assert_string_equal(spec, "@simhost0");
    assert_int_equal(route_of("/rooms/7400000000000000000/", spec, sizeof spec), LT_ADMIN_ROUTE_ROOM);
    assert_string_equal(spec, "7400000000000000000");
    /* a URL keeps its slashes, and gets back the one lws merged away */
    assert_int_equal(route_of("/rooms/https:/www.tiktok.com/@a/live", spec, sizeof spec), LT_ADMIN_ROUTE_ROOM);
    assert_string_equal(spec, "https://www.tiktok.com/@a/live");
    assert_int_equal(route_of("/rooms/https://www.tiktok.com/@a", spec, sizeof spec), LT_ADMIN_ROUTE_ROOM);
    assert_string_equal(spec, "https://www.tiktok.com/@a");
    assert_int_equal(route_of("/rooms/www.tiktok.com/@a", spec, sizeof spec), LT_ADMIN_ROUTE_ROOM);
    assert_string_equal(spec, "www.tiktok.com/@a");
}

static void refuses_bad_room_paths(void **state)
{
    (void)state;
    char spec[16];
    lt_admin_route r;
    assert_int_equal(lt_admin_route_parse("/rooms/@exactly-fifteen", &r, spec, sizeof spec), -1);
    assert_int_equal(lt_admin_route_parse("/rooms/@a\nb", &r, spec, sizeof spec), -1);
    assert_int_equal(lt_admin_route_parse("/rooms/@a\x7f", &r, spec, sizeof spec), -1);
    /* restoring the "//" must not overflow a spec that just fits */
    assert_int_equal(lt_admin_route_parse("/rooms/http:/abcdefghi", &r, spec, sizeof spec), -1);
    assert_int_equal(lt_admin_route_parse("/rooms/http:/abcdefgh", &r, spec, sizeof spec), 0);
    assert_string_equal(spec, "http://abcdefgh");
}

static int body(const char *text, char *spec, size_t cap, char *err)
{
    return lt_admin_room_from_body(text, strlen(text), spec, cap, err, 256);
}

static void reads_json_and_plain_bodies(void **state)
{
    (void)state;
    char spec[LT_ADMIN_SPEC_MAX], err[256];
    assert_int_equal(body("{\"room\": \"@simhost0\"}", spec, sizeof spec, err), 0);
    assert_string_equal(spec, "@simhost0");
    assert_int_equal(body("  {\"room\": \" 7400000000000000000 \", \"note\": 1}\n", spec, sizeof spec, err), 0);
    assert_string_equal(spec, "7400000000000000000");
    assert_int_equal(body("@simhost1\r\n", spec, sizeof spec, err), 0);
    assert_string_equal(spec, "@simhost1");
    assert_int_equal(body("https://www.tiktok.com/@a/live", spec, sizeof spec, err), 0);
    assert_string_equal(spec, "https://www.tiktok.com/@a/live");
    assert_int_equal(body("", spec, sizeof spec, err), 1);
    assert_int_equal(body(" \n\t", spec, sizeof spec, err), 1);
}

static void refuses_bad_bodies(void **state)
{
    (void)state;
    char spec[32], err[256];
    assert_int_equal(body("{\"room\": ", spec, sizeof spec, err), -1);
    assert_non_null(strstr(err, "not JSON"));
    assert_int_equal(body("{\"room\": 5}", spec, sizeof spec, err), -1);
    assert_non_null(strstr(err, "expected"));
    assert_int_equal(body("{\"rooms\": \"@a\"}", spec, sizeof spec, err), -1);
    assert_int_equal(body("{\"room\": \"\"}", spec, sizeof spec, err), -1);
    assert_int_equal(body("{\"room\": \"@a\", \"room\": \"@b\"}", spec, sizeof spec, err), -1);
    assert_int_equal(body("{\"room\": \"@a\\u0000b\"}", spec, sizeof spec, err), -1);
    assert_int_equal(body("@a\n@b", spec, sizeof spec, err), -1);
    assert_non_null(strstr(err, "one room"));
    assert_int_equal(body("@0123456789012345678901234567890123456789", spec, sizeof spec, err), -1);
    assert_non_null(strstr(err, "longer"));
    /* a body is not a C string: an embedded NUL is a control character */
    assert_int_equal(lt_admin_room_from_body("@a\0b", 4, spec, sizeof spec, err, sizeof err), -1);
}

static void maps_statuses(void **state)
{
    (void)state;
    assert_int_equal(lt_admin_http_status(LT_ADMIN_OK), 200);
    assert_int_equal(lt_admin_http_status(LT_ADMIN_CREATED), 201);
    assert_int_equal(lt_admin_http_status(LT_ADMIN_BAD_REQUEST), 400);
    assert_int_equal(lt_admin_http_status(LT_ADMIN_NOT_FOUND), 404);
    assert_int_equal(lt_admin_http_status(LT_ADMIN_CONFLICT), 409);
    assert_int_equal(lt_admin_http_status(LT_ADMIN_LIMIT), 429);
    assert_int_equal(lt_admin_http_status(LT_ADMIN_UNAVAILABLE), 503);
    assert_int_equal(lt_admin_http_status(LT_ADMIN_ERROR), 500);
}

/* The admin token: only "Bearer <token>" exactly (scheme case-insensitive). */
static void bearer_token_matches_exactly(void **state)
{
    (void)state;
    assert_true(lt_admin_bearer_matches("Bearer s3cret", "s3cret"));
    assert_true(lt_admin_bearer_matches("bearer s3cret", "s3cret"));
    static const char *const wrong[] = {"",          "s3cret",        "Bearer",         "Bearer ",
                                        "Bearer s3cre", "Bearer s3cretx", "Bearer  s3cret", "Basic s3cret",
                                        "Bearer S3CRET", "Bearers3cret"};
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++)
        if (lt_admin_bearer_matches(wrong[i], "s3cret"))
            fail_msg("\"%s\" was accepted", wrong[i]);
    assert_false(lt_admin_bearer_matches(NULL, "s3cret"));
    assert_false(lt_admin_bearer_matches("Bearer ", ""));
    assert_false(lt_admin_bearer_matches("Bearer x", NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(routes_fixed_paths),     cmocka_unit_test(routes_room_specs),
        cmocka_unit_test(refuses_bad_room_paths), cmocka_unit_test(reads_json_and_plain_bodies),
        cmocka_unit_test(refuses_bad_bodies),     cmocka_unit_test(maps_statuses),
        cmocka_unit_test(bearer_token_matches_exactly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
