/* BIGO push login: accounts from strings and files, the md5 login sign
 * (right, wrong, other case, stale, unknown account), fresh random tokens,
 * constant-time token checks, the sign hook's candidate formula. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bigo/auth.h"

static lt_bigo_login make_login(const char *account, const char *password, const char *ts, const char *abbr)
{
    lt_bigo_login l;
    memset(&l, 0, sizeof l);
    snprintf(l.account, sizeof l.account, "%s", account);
    snprintf(l.timestamp, sizeof l.timestamp, "%s", ts);
    assert_int_equal(lt_bigo_login_sign(password, ts, abbr, account, l.sign), 0);
    return l;
}

static void login_right_and_wrong(void **state)
{
    char err[256], token[LT_BIGO_TOKEN_LEN + 1], token2[LT_BIGO_TOKEN_LEN + 1];
    lt_bigo_auth *a = lt_bigo_auth_create("inke", 300000, err, sizeof err);
    assert_non_null(a);
    assert_int_equal(lt_bigo_auth_add_accounts(a, "bigoUser1:213213, gray:p:w:d", err, sizeof err), 0);
    assert_int_equal(lt_bigo_auth_account_count(a), 2);
    int64_t now = 1693796233988LL;

    lt_bigo_login l = make_login("bigoUser1", "213213", "1693796233988", "inke");
    assert_string_equal(l.sign, "eee920929f1b318266c5310f733965b1");
    assert_int_equal(lt_bigo_auth_login(a, &l, now, token), LT_BIGO_LOGIN_OK);
    assert_int_equal(strlen(token), LT_BIGO_TOKEN_LEN);
    assert_int_equal(strspn(token, "0123456789abcdef"), LT_BIGO_TOKEN_LEN);
    assert_int_equal(lt_bigo_auth_login(a, &l, now, token2), LT_BIGO_LOGIN_OK);
    assert_string_not_equal(token, token2); /* fresh every time */

    /* a password containing ':' (split at the first one) */
    l = make_login("gray", "p:w:d", "1693796233988", "inke");
    assert_int_equal(lt_bigo_auth_login(a, &l, now, token), LT_BIGO_LOGIN_OK);

    /* upper-case hex proves the same password */
    l = make_login("bigoUser1", "213213", "1693796233988", "inke");
    for (char *p = l.sign; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');
    assert_int_equal(lt_bigo_auth_login(a, &l, now, token), LT_BIGO_LOGIN_OK);

    l = make_login("bigoUser1", "wrong", "1693796233988", "inke");
    assert_int_equal(lt_bigo_auth_login(a, &l, now, token), LT_BIGO_LOGIN_BAD_SIGN);
    l = make_login("bigoUser1", "213213", "1693796233988", "other");
    assert_int_equal(lt_bigo_auth_login(a, &l, now, token), LT_BIGO_LOGIN_BAD_SIGN);
    l = make_login("bigoUser1", "213213", "1693796233988", "inke");
    l.sign[31] = '\0';
    assert_int_equal(lt_bigo_auth_login(a, &l, now, token), LT_BIGO_LOGIN_BAD_SIGN);
    l = make_login("nobody", "213213", "1693796233988", "inke");
    assert_int_equal(lt_bigo_auth_login(a, &l, now, token), LT_BIGO_LOGIN_UNKNOWN_ACCOUNT);
    /* right sign, stale timestamp */
    l = make_login("bigoUser1", "213213", "1693796233988", "inke");
    assert_int_equal(lt_bigo_auth_login(a, &l, now + 300001, token), LT_BIGO_LOGIN_STALE);
    assert_int_equal(lt_bigo_auth_login(a, &l, now - 300001, token), LT_BIGO_LOGIN_STALE);
    assert_int_equal(lt_bigo_auth_login(a, &l, now + 299000, token), LT_BIGO_LOGIN_OK);
    lt_bigo_auth_destroy(a);

    /* window 0: any timestamp */
    a = lt_bigo_auth_create("inke", 0, err, sizeof err);
    assert_int_equal(lt_bigo_auth_add_account(a, "bigoUser1", "213213", err, sizeof err), 0);
    l = make_login("bigoUser1", "213213", "1", "inke");
    assert_int_equal(lt_bigo_auth_login(a, &l, now, token), LT_BIGO_LOGIN_OK);
    lt_bigo_auth_destroy(a);
}

static void accounts_config_errors(void **state)
{
    char err[256];
    assert_null(lt_bigo_auth_create("", 0, err, sizeof err));
    lt_bigo_auth *a = lt_bigo_auth_create("inke", 0, err, sizeof err);
    assert_int_equal(lt_bigo_auth_add_accounts(a, "nopassword", err, sizeof err), -1);
    assert_null(strstr(err, "nopassword")); /* a broken entry may be a secret: never echoed */
    assert_int_equal(lt_bigo_auth_add_accounts(a, "x:1,x:2", err, sizeof err), -1);
    assert_int_equal(lt_bigo_auth_add_accounts(a, "y:", err, sizeof err), -1);
    lt_bigo_auth_destroy(a);

    char path[] = "/tmp/test_bigo_auth_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "# BIGO push accounts\nprod:s3cret\n\n  test:pw  \n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    a = lt_bigo_auth_create("inke", 0, err, sizeof err);
    assert_int_equal(lt_bigo_auth_load_file(a, path, err, sizeof err), 0);
    assert_int_equal(lt_bigo_auth_account_count(a), 2);
    char token[LT_BIGO_TOKEN_LEN + 1];
    lt_bigo_login l = make_login("test", "pw", "5", "inke");
    assert_int_equal(lt_bigo_auth_login(a, &l, 5, token), LT_BIGO_LOGIN_OK);
    unlink(path);
    assert_int_equal(lt_bigo_auth_load_file(a, path, err, sizeof err), -1);
    lt_bigo_auth_destroy(a);
}

static void tokens_and_sign_hook(void **state)
{
    assert_true(lt_bigo_token_matches("42fababa5a4d8059e3efea37b98c9e37", "42fababa5a4d8059e3efea37b98c9e37"));
    assert_false(lt_bigo_token_matches("42fababa5a4d8059e3efea37b98c9e37", "42fababa5a4d8059e3efea37b98c9e38"));
    assert_false(lt_bigo_token_matches("42fababa5a4d8059e3efea37b98c9e37", "42fababa"));
    assert_false(lt_bigo_token_matches("42fababa5a4d8059e3efea37b98c9e37", NULL));
    assert_false(lt_bigo_token_matches("", ""));

    lt_bigo_envelope env;
    memset(&env, 0, sizeof env);
    env.data_text = "{\"seqid\":\"1\"}";
    env.data_text_len = strlen(env.data_text);
    char out[33];
    assert_int_equal(lt_bigo_message_sign_expected(&env, "tok", out), 0);
    /* md5('{"seqid":"1"}tok'), computed with coreutils md5sum */
    assert_string_equal(out, "cf4fe93ffa7f1edca771913c5e25f40a");
    lt_bigo_sign_mode m;
    assert_int_equal(lt_bigo_sign_mode_from_name("enforce", &m), 0);
    assert_int_equal(m, LT_BIGO_SIGN_ENFORCE);
    assert_int_equal(lt_bigo_sign_mode_from_name("strict", &m), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(login_right_and_wrong),
        cmocka_unit_test(accounts_config_errors),
        cmocka_unit_test(tokens_and_sign_hook),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
