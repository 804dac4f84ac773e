/* auth.c - platformLogin accounts, access tokens, the sign hook (see auth.h).
 *
 * The login sign is md5 hex; BIGO says it is case-sensitive but not which
 * case, so the received value is lowered before the constant-time
 * comparison (docs/protocol/bigo.md §1.4, §5): a sign that differs only in case
 * proves the same password.
 */
#include "bigo/auth.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ACCOUNTS 64
#define MAX_SECRET 256

typedef struct account {
    char name[LT_BIGO_MAX_ID];
    char password[MAX_SECRET];
} account;

struct lt_bigo_auth {
    char abbr[64];
    int64_t window_ms;
    account accounts[MAX_ACCOUNTS];
    size_t count;
};

lt_bigo_auth *lt_bigo_auth_create(const char *abbr, int64_t window_ms, char *err, size_t errlen)
{
    if (!abbr || !*abbr || strlen(abbr) >= 64) {
        snprintf(err, errlen, "the platform abbreviation (push.abbr) is required, 1-63 bytes");
        return NULL;
    }
    lt_bigo_auth *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(a->abbr, sizeof a->abbr, "%s", abbr);
    a->window_ms = window_ms;
    return a;
}

void lt_bigo_auth_destroy(lt_bigo_auth *a)
{
    if (!a)
        return;
    OPENSSL_cleanse(a, sizeof *a);
    free(a);
}

int lt_bigo_auth_add_account(lt_bigo_auth *a, const char *name, const char *password, char *err, size_t errlen)
{
    if (!*name || strlen(name) >= LT_BIGO_MAX_ID || strchr(name, ':')) {
        snprintf(err, errlen, "account name must be 1-%d bytes without ':'", LT_BIGO_MAX_ID - 1);
        return -1;
    }
    if (!*password || strlen(password) >= MAX_SECRET) {
        snprintf(err, errlen, "account %s: password must be 1-%d bytes", name, MAX_SECRET - 1);
        return -1;
    }
    for (size_t i = 0; i < a->count; i++) {
        if (strcmp(a->accounts[i].name, name) == 0) {
            snprintf(err, errlen, "account %s is configured twice", name);
            return -1;
        }
    }
    if (a->count == MAX_ACCOUNTS) {
        snprintf(err, errlen, "more than %d accounts", MAX_ACCOUNTS);
        return -1;
    }
    snprintf(a->accounts[a->count].name, LT_BIGO_MAX_ID, "%s", name);
    snprintf(a->accounts[a->count].password, MAX_SECRET, "%s", password);
    a->count++;
    return 0;
}

static int add_item(lt_bigo_auth *a, char *item, char *err, size_t errlen)
{
    while (isspace((unsigned char)*item))
        item++;
    size_t n = strlen(item);
    while (n > 0 && isspace((unsigned char)item[n - 1]))
        item[--n] = '\0';
    if (n == 0 || item[0] == '#')
        return 0;
    char *colon = strchr(item, ':');
    if (!colon) {
        /* never echo the item: it may be a password */
        snprintf(err, errlen, "an account entry is not account:password");
        return -1;
    }
    *colon = '\0';
    return lt_bigo_auth_add_account(a, item, colon + 1, err, errlen);
}

static int add_list(lt_bigo_auth *a, char *copy, const char *seps, char *err, size_t errlen)
{
    int rc = 0;
    char *save = NULL;
    for (char *item = strtok_r(copy, seps, &save); item && rc == 0; item = strtok_r(NULL, seps, &save))
        rc = add_item(a, item, err, errlen);
    return rc;
}

int lt_bigo_auth_add_accounts(lt_bigo_auth *a, const char *spec, char *err, size_t errlen)
{
    if (!spec || !*spec)
        return 0;
    char *copy = strdup(spec);
    if (!copy) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = add_list(a, copy, ",\n", err, errlen);
    OPENSSL_cleanse(copy, strlen(copy));
    free(copy);
    return rc;
}

int lt_bigo_auth_load_file(lt_bigo_auth *a, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    char line[LT_BIGO_MAX_ID + MAX_SECRET + 4];
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        rc = add_item(a, line, err, errlen);
        if (rc)
            snprintf(err + strlen(err), errlen - strlen(err), " (in %s)", path);
    }
    OPENSSL_cleanse(line, sizeof line);
    fclose(f);
    return rc;
}

size_t lt_bigo_auth_account_count(const lt_bigo_auth *a)
{
    return a->count;
}

static int64_t parse_ms(const char *s)
{
    int64_t v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (*s - '0');
    }
    return v;
}

lt_bigo_login_result lt_bigo_auth_login(const lt_bigo_auth *a, const lt_bigo_login *login, int64_t now_ms,
                                        char token[LT_BIGO_TOKEN_LEN + 1])
{
    const account *acct = NULL;
    for (size_t i = 0; i < a->count; i++)
        if (strcmp(a->accounts[i].name, login->account) == 0)
            acct = &a->accounts[i];
    if (!acct)
        return LT_BIGO_LOGIN_UNKNOWN_ACCOUNT;
    char expected[33], given[33];
    if (lt_bigo_login_sign(acct->password, login->timestamp, a->abbr, acct->name, expected))
        return LT_BIGO_LOGIN_ERROR;
    size_t n = strlen(login->sign);
    bool ok = n == 32;
    for (size_t i = 0; i < 32; i++)
        given[i] = ok ? (char)tolower((unsigned char)login->sign[i]) : '\0';
    given[32] = '\0';
    ok = CRYPTO_memcmp(expected, given, 32) == 0 && ok;
    OPENSSL_cleanse(expected, sizeof expected);
    if (!ok)
        return LT_BIGO_LOGIN_BAD_SIGN;
    if (a->window_ms > 0) {
        int64_t ts = parse_ms(login->timestamp);
        int64_t skew = ts < 0 ? INT64_MAX : (ts > now_ms ? ts - now_ms : now_ms - ts);
        if (skew > a->window_ms)
            return LT_BIGO_LOGIN_STALE;
    }
    unsigned char raw[LT_BIGO_TOKEN_LEN / 2];
    if (RAND_bytes(raw, sizeof raw) != 1)
        return LT_BIGO_LOGIN_ERROR;
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(token + 2 * i, 3, "%02x", raw[i]);
    OPENSSL_cleanse(raw, sizeof raw);
    return LT_BIGO_LOGIN_OK;
}

const char *lt_bigo_login_result_text(lt_bigo_login_result r)
{
    switch (r) {
    case LT_BIGO_LOGIN_OK: return "ok";
    case LT_BIGO_LOGIN_UNKNOWN_ACCOUNT: return "unknown account";
    case LT_BIGO_LOGIN_BAD_SIGN: return "sign is wrong";
    case LT_BIGO_LOGIN_STALE: return "timestamp outside the accepted window";
    default: return "internal error";
    }
}

bool lt_bigo_token_matches(const char *expected, const char *given)
{
    if (!expected || !given || !*expected)
        return false;
    size_t n = strlen(expected);
    if (strlen(given) != n)
        return false;
    return CRYPTO_memcmp(expected, given, n) == 0;
}

int lt_bigo_message_sign_expected(const lt_bigo_envelope *env, const char *token, char out[33])
{
    /* [GAP] BIGO has not published this formula (docs/protocol/bigo.md §1.7): a
     * candidate, md5(data as sent + access_token), checked in "log" mode
     * against real traffic before anyone enforces it */
    const char *data = env->data_text ? env->data_text : "";
    size_t len = env->data_text ? env->data_text_len : 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    int rc = -1;
    if (md && EVP_DigestInit_ex(md, EVP_md5(), NULL) == 1 && EVP_DigestUpdate(md, data, len) == 1 &&
        EVP_DigestUpdate(md, token ? token : "", token ? strlen(token) : 0) == 1 &&
        EVP_DigestFinal_ex(md, digest, &n) == 1 && n == 16) {
        for (unsigned i = 0; i < 16; i++)
            snprintf(out + 2 * i, 3, "%02x", digest[i]);
        rc = 0;
    }
    EVP_MD_CTX_free(md);
    return rc;
}

int lt_bigo_sign_mode_from_name(const char *name, lt_bigo_sign_mode *out)
{
    if (!name || strcmp(name, "off") == 0)
        *out = LT_BIGO_SIGN_OFF;
    else if (strcmp(name, "log") == 0)
        *out = LT_BIGO_SIGN_LOG;
    else if (strcmp(name, "enforce") == 0)
        *out = LT_BIGO_SIGN_ENFORCE;
    else
        return -1;
    return 0;
}
