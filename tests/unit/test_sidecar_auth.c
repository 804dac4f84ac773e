/* test_sidecar_auth.c - static tokens and HS256 JWTs: accepted, refused,
 * expired, wrong algorithm, tampered, room-restricted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sidecar/auth.h"
#include "sidecar/request.h"

#define SECRET "0123456789abcdef0123456789abcdef-test"
#define NOW 1700000000000LL

static lt_sidecar_auth *make(void)
{
    static const char *tokens[] = {"static-token-aaaaaaaa", "static-token-bbbbbbbb"};
    lt_sidecar_auth_options o = {.tokens = tokens, .token_count = 2, .jwt_secret = SECRET};
    char err[128];
    lt_sidecar_auth *a = lt_sidecar_auth_create(&o, err, sizeof(err));
    assert_non_null(a);
    return a;
}

static lt_sidecar_auth_result check(lt_sidecar_auth *a, const char *tok, const char *room, int64_t *exp)
{
    char why[256];
    int64_t e = 0;
    lt_sidecar_auth_result r = lt_sidecar_auth_check(a, tok, room, NOW, &e, why, sizeof(why));
    if (exp)
        *exp = e;
    if (r != LT_AUTH_OK)
        assert_true(strlen(why) > 0);
    return r;
}

static void test_off_by_default(void **state)
{
    char err[64], why[64];
    int64_t exp;
    lt_sidecar_auth *a = lt_sidecar_auth_create(NULL, err, sizeof(err));
    assert_false(lt_sidecar_auth_enabled(a));
    assert_int_equal(lt_sidecar_auth_check(a, NULL, "r", NOW, &exp, why, sizeof(why)), LT_AUTH_OK);
    lt_sidecar_auth_destroy(a);
    lt_sidecar_auth_destroy(NULL);
}

static void test_static_tokens(void **state)
{
    lt_sidecar_auth *a = make();
    assert_true(lt_sidecar_auth_enabled(a));
    assert_int_equal(check(a, "static-token-bbbbbbbb", "r", NULL), LT_AUTH_OK);
    assert_int_equal(check(a, "static-token-bbbbbbbc", "r", NULL), LT_AUTH_INVALID);
    assert_int_equal(check(a, "static-token-bbbbbbb", "r", NULL), LT_AUTH_INVALID);
    assert_int_equal(check(a, "", "r", NULL), LT_AUTH_MISSING);
    assert_int_equal(check(a, NULL, "r", NULL), LT_AUTH_MISSING);
    lt_sidecar_auth_destroy(a);
}

static void test_jwt(void **state)
{
    lt_sidecar_auth *a = make();
    int64_t exp = 0;
    char *ok = lt_sidecar_jwt_sign(SECRET, "{\"sub\":\"u1\",\"exp\":1700000600}");
    assert_int_equal(check(a, ok, "room", &exp), LT_AUTH_OK);
    assert_int_equal(exp, 1700000600000LL);

    char *expired = lt_sidecar_jwt_sign(SECRET, "{\"exp\":1699999999}");
    assert_int_equal(check(a, expired, "room", NULL), LT_AUTH_EXPIRED);
    char *noexp = lt_sidecar_jwt_sign(SECRET, "{\"sub\":\"u1\"}");
    assert_int_equal(check(a, noexp, "room", NULL), LT_AUTH_INVALID);
    char *wrongkey = lt_sidecar_jwt_sign("another-secret-another-secret-another", "{\"exp\":1800000000}");
    assert_int_equal(check(a, wrongkey, "room", NULL), LT_AUTH_INVALID);
    char *nbf = lt_sidecar_jwt_sign(SECRET, "{\"exp\":1800000000,\"nbf\":1700000100}");
    assert_int_equal(check(a, nbf, "room", NULL), LT_AUTH_INVALID);
    char *rooms = lt_sidecar_jwt_sign(SECRET, "{\"exp\":1800000000,\"rooms\":[\"a\",\"b\"]}");
    assert_int_equal(check(a, rooms, "b", NULL), LT_AUTH_OK);
    assert_int_equal(check(a, rooms, "c", NULL), LT_AUTH_FORBIDDEN);
    char *star = lt_sidecar_jwt_sign(SECRET, "{\"exp\":1800000000,\"rooms\":[\"*\"]}");
    assert_int_equal(check(a, star, "c", NULL), LT_AUTH_OK);

    /* tamper with the payload: the signature no longer verifies */
    char *t = strdup(ok);
    char *dot = strchr(t, '.');
    dot[2] = dot[2] == 'A' ? 'B' : 'A';
    assert_int_equal(check(a, t, "room", NULL), LT_AUTH_INVALID);

    /* alg none with an empty signature is refused */
    char none[512];
    char hdr[64], pl[128];
    lt_sidecar_b64url_encode((const uint8_t *)"{\"alg\":\"none\"}", 14, hdr, sizeof(hdr));
    lt_sidecar_b64url_encode((const uint8_t *)"{\"exp\":1800000000}", 18, pl, sizeof(pl));
    snprintf(none, sizeof(none), "%s.%s.", hdr, pl);
    assert_int_equal(check(a, none, "room", NULL), LT_AUTH_INVALID);
    /* not a JWT at all */
    assert_int_equal(check(a, "a.b", "room", NULL), LT_AUTH_INVALID);
    assert_int_equal(check(a, "a.b.c.d", "room", NULL), LT_AUTH_INVALID);
    assert_int_equal(check(a, "...", "room", NULL), LT_AUTH_INVALID);

    free(ok); free(expired); free(noexp); free(wrongkey); free(nbf); free(rooms); free(star); free(t);
    lt_sidecar_auth_destroy(a);
}

static void test_bearer_and_config(void **state)
{
    assert_string_equal(lt_sidecar_auth_bearer("Bearer abc"), "abc");
    assert_string_equal(lt_sidecar_auth_bearer("bearer   abc"), "abc");
    assert_null(lt_sidecar_auth_bearer("Basic abc"));
    assert_null(lt_sidecar_auth_bearer("Bearer "));
    assert_null(lt_sidecar_auth_bearer("Bearerabc"));
    char err[128];
    const char *shorttok[] = {"short"};
    lt_sidecar_auth_options o = {.tokens = shorttok, .token_count = 1};
    assert_null(lt_sidecar_auth_create(&o, err, sizeof(err)));
    lt_sidecar_auth_options o2 = {.jwt_secret = "too-short"};
    assert_null(lt_sidecar_auth_create(&o2, err, sizeof(err)));
}

/* Issue 20: an exp in milliseconds read as seconds never expires, and a
 * far exp kept a connection open for years. The first is refused; the
 * second ends the connection after the configured maximum lifetime. */
static void test_exp_capped_and_milliseconds_refused(void **state)
{
    lt_sidecar_auth_options o = {.jwt_secret = SECRET, .max_lifetime_ms = 3600 * 1000};
    char err[128], why[256];
    int64_t exp = 0;
    lt_sidecar_auth *a = lt_sidecar_auth_create(&o, err, sizeof(err));
    assert_non_null(a);
    char *ms = lt_sidecar_jwt_sign(SECRET, "{\"exp\":1700000600000}");
    assert_int_equal(lt_sidecar_auth_check(a, ms, "room", NOW, &exp, why, sizeof(why)), LT_AUTH_INVALID);
    assert_non_null(strstr(why, "milliseconds"));
    char *far = lt_sidecar_jwt_sign(SECRET, "{\"exp\":4102444800}"); /* 2100 */
    assert_int_equal(lt_sidecar_auth_check(a, far, "room", NOW, &exp, why, sizeof(why)), LT_AUTH_OK);
    assert_int_equal(exp, NOW + 3600 * 1000);
    char *near = lt_sidecar_jwt_sign(SECRET, "{\"exp\":1700000600}");
    assert_int_equal(lt_sidecar_auth_check(a, near, "room", NOW, &exp, why, sizeof(why)), LT_AUTH_OK);
    assert_int_equal(exp, 1700000600000LL);
    free(ms);
    free(far);
    free(near);
    lt_sidecar_auth_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_off_by_default),
        cmocka_unit_test(test_static_tokens),
        cmocka_unit_test(test_jwt),
        cmocka_unit_test(test_exp_capped_and_milliseconds_refused),
        cmocka_unit_test(test_bearer_and_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
