/* auth.h - who may push to us: platformLogin accounts, access tokens, the message sign hook.
 *
 * BIGO logs in with a static account and password we gave it, proving the
 * password with md5("password:"+pw+"&tamp:"+ts+"&"+abbr+"&account:"+acct)
 * (docs/protocol/bigo.md §1.4); we answer with an access token of our own making
 * that every later business message on that connection must carry. Several
 * accounts may be configured (one per BIGO environment, or during a
 * password rotation). Passwords come from the environment or a file and are
 * never logged; comparisons of secrets are constant-time.
 *
 * The per-message `sign` (§1.7) has no published formula. Verification is a
 * hook: off, log (count and log matches and mismatches, accept everything)
 * or enforce (refuse mismatches). The candidate formula lives in one
 * function, lt_bigo_message_sign_expected(), to be replaced once BIGO says
 * what it is.
 */
#ifndef LT_BIGO_AUTH_H
#define LT_BIGO_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bigo/envelope.h"

typedef struct lt_bigo_auth lt_bigo_auth;

typedef enum lt_bigo_sign_mode {
    LT_BIGO_SIGN_OFF = 0,
    LT_BIGO_SIGN_LOG,
    LT_BIGO_SIGN_ENFORCE,
} lt_bigo_sign_mode;

typedef enum lt_bigo_login_result {
    LT_BIGO_LOGIN_OK = 0,
    LT_BIGO_LOGIN_UNKNOWN_ACCOUNT,
    LT_BIGO_LOGIN_BAD_SIGN,
    LT_BIGO_LOGIN_STALE,        /* timestamp outside the window */
    LT_BIGO_LOGIN_ERROR,        /* no randomness / OpenSSL failure */
} lt_bigo_login_result;

#define LT_BIGO_TOKEN_LEN 32    /* hex digits, as in BIGO's example */

/* window_ms: how far the login timestamp may be from our clock; 0 = any. */
lt_bigo_auth *lt_bigo_auth_create(const char *abbr, int64_t window_ms, char *err, size_t errlen);
void lt_bigo_auth_destroy(lt_bigo_auth *a); /* wipes the passwords; accepts NULL */

int lt_bigo_auth_add_account(lt_bigo_auth *a, const char *account, const char *password, char *err, size_t errlen);

/* "account:password" items separated by commas or newlines ('#' starts a
 * comment line in files). */
int lt_bigo_auth_add_accounts(lt_bigo_auth *a, const char *spec, char *err, size_t errlen);
int lt_bigo_auth_load_file(lt_bigo_auth *a, const char *path, char *err, size_t errlen);
size_t lt_bigo_auth_account_count(const lt_bigo_auth *a);

/* Verifies a login; on success writes a fresh token (from the OS CSPRNG,
 * LT_BIGO_TOKEN_LEN hex digits + NUL) into token. */
lt_bigo_login_result lt_bigo_auth_login(const lt_bigo_auth *a, const lt_bigo_login *login, int64_t now_ms,
                                        char token[LT_BIGO_TOKEN_LEN + 1]);
const char *lt_bigo_login_result_text(lt_bigo_login_result r);

/* Constant-time: does `given` equal the connection's token? */
bool lt_bigo_token_matches(const char *expected, const char *given);

/* The candidate formula for a business message's sign (see above): md5 hex
 * of the data text as sent followed by the access token. 0 on success. */
int lt_bigo_message_sign_expected(const lt_bigo_envelope *env, const char *token, char out[33]);

int lt_bigo_sign_mode_from_name(const char *name, lt_bigo_sign_mode *out);

#endif
