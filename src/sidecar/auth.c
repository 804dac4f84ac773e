/* auth.c - static bearer tokens and HS256 JWTs (OpenSSL HMAC, jansson).
 *
 * A JWT is three base64url parts; the signature covers "header.payload".
 * Verification order matters: the signature is checked before the payload
 * is parsed, so claims of an unsigned token are never looked at.
 */
#include "sidecar/auth.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sidecar/request.h"

struct lt_sidecar_auth {
    char **tokens;
    size_t token_count;
    char *secret;
    size_t secret_len;
    int64_t leeway_ms;
    int64_t max_lifetime_ms;
};

void lt_sidecar_auth_destroy(lt_sidecar_auth *auth)
{
    if (!auth)
        return;
    for (size_t i = 0; i < auth->token_count; i++) {
        if (auth->tokens[i])
            OPENSSL_cleanse(auth->tokens[i], strlen(auth->tokens[i]));
        free(auth->tokens[i]);
    }
    free(auth->tokens);
    if (auth->secret) {
        OPENSSL_cleanse(auth->secret, auth->secret_len);
        free(auth->secret);
    }
    free(auth);
}

lt_sidecar_auth *lt_sidecar_auth_create(const lt_sidecar_auth_options *opts, char *err,
                                        size_t errlen)
{
    lt_sidecar_auth *auth = calloc(1, sizeof(*auth));
    if (!auth)
        goto oom;
    if (!opts)
        return auth;
    auth->leeway_ms = opts->leeway_ms;
    auth->max_lifetime_ms = opts->max_lifetime_ms;
    if (opts->token_count) {
        auth->tokens = calloc(opts->token_count, sizeof(char *));
        if (!auth->tokens)
            goto oom;
        for (size_t i = 0; i < opts->token_count; i++) {
            if (!opts->tokens[i] || strlen(opts->tokens[i]) < 16) {
                snprintf(err, errlen, "auth: static token #%zu is shorter than 16 characters", i + 1);
                lt_sidecar_auth_destroy(auth);
                return NULL;
            }
            if (!(auth->tokens[i] = strdup(opts->tokens[i])))
                goto oom;
            auth->token_count++;
        }
    }
    if (opts->jwt_secret && *opts->jwt_secret) {
        if (strlen(opts->jwt_secret) < 32) {
            snprintf(err, errlen, "auth: the JWT secret must be at least 32 bytes");
            lt_sidecar_auth_destroy(auth);
            return NULL;
        }
        if (!(auth->secret = strdup(opts->jwt_secret)))
            goto oom;
        auth->secret_len = strlen(auth->secret);
    }
    return auth;
oom:
    snprintf(err, errlen, "out of memory");
    lt_sidecar_auth_destroy(auth);
    return NULL;
}

bool lt_sidecar_auth_enabled(const lt_sidecar_auth *auth)
{
    return auth && (auth->token_count > 0 || auth->secret);
}

const char *lt_sidecar_auth_bearer(const char *value)
{
    if (!value)
        return NULL;
    while (*value == ' ')
        value++;
    if (strncasecmp(value, "Bearer", 6) != 0 || value[6] != ' ')
        return NULL;
    value += 7;
    while (*value == ' ')
        value++;
    return *value ? value : NULL;
}

static bool static_token_matches(const lt_sidecar_auth *auth, const char *token, size_t len)
{
    bool found = false;
    for (size_t i = 0; i < auth->token_count; i++) {
        size_t tlen = strlen(auth->tokens[i]);
        /* Compare every token fully so the time spent does not reveal which
         * one (or how much of one) matched. */
        if (tlen == len && CRYPTO_memcmp(auth->tokens[i], token, len) == 0)
            found = true;
    }
    return found;
}

static int hs256(const char *secret, size_t secret_len, const char *data, size_t len,
                 uint8_t mac[32])
{
    unsigned int maclen = 0;
    if (!HMAC(EVP_sha256(), secret, (int)secret_len, (const unsigned char *)data, len, mac, &maclen) ||
        maclen != 32)
        return -1;
    return 0;
}

static json_t *decode_part(const char *src, size_t len)
{
    uint8_t buf[LT_SIDECAR_TOKEN_MAX];
    long n = lt_sidecar_b64url_decode(src, len, buf, sizeof(buf));
    if (n <= 0)
        return NULL;
    return json_loadb((const char *)buf, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
}

static bool room_allowed(json_t *payload, const char *room_id)
{
    json_t *rooms = json_object_get(payload, "rooms");
    if (!rooms)
        return true;
    if (!json_is_array(rooms))
        return false;
    size_t i;
    json_t *r;
    json_array_foreach(rooms, i, r)
    {
        const char *s = json_string_value(r);
        if (s && (strcmp(s, "*") == 0 || strcmp(s, room_id) == 0))
            return true;
    }
    return false;
}

static lt_sidecar_auth_result check_jwt(const lt_sidecar_auth *auth, const char *token, size_t len,
                                        const char *room_id, int64_t now_ms, int64_t *expires_ms,
                                        char *why, size_t whylen)
{
    const char *dot1 = memchr(token, '.', len);
    const char *dot2 = dot1 ? memchr(dot1 + 1, '.', (size_t)(token + len - dot1 - 1)) : NULL;
    json_t *header = NULL, *payload = NULL;
    lt_sidecar_auth_result res = LT_AUTH_INVALID;
    if (!dot1 || !dot2 || memchr(dot2 + 1, '.', (size_t)(token + len - dot2 - 1))) {
        snprintf(why, whylen, "the token is neither a known token nor a JWT");
        return LT_AUTH_INVALID;
    }
    header = decode_part(token, (size_t)(dot1 - token));
    const char *alg = json_string_value(json_object_get(header, "alg"));
    if (!alg || strcmp(alg, "HS256") != 0) {
        snprintf(why, whylen, "only HS256 JWTs are accepted");
        goto done;
    }
    uint8_t mac[32], sig[64];
    long siglen = lt_sidecar_b64url_decode(dot2 + 1, (size_t)(token + len - dot2 - 1), sig,
                                           sizeof(sig));
    if (hs256(auth->secret, auth->secret_len, token, (size_t)(dot2 - token), mac) < 0 ||
        siglen != 32 || CRYPTO_memcmp(mac, sig, 32) != 0) {
        snprintf(why, whylen, "the JWT signature does not verify");
        goto done;
    }
    payload = decode_part(dot1 + 1, (size_t)(dot2 - dot1 - 1));
    json_t *exp = json_object_get(payload, "exp");
    if (!json_is_object(payload) || !json_is_number(exp)) {
        snprintf(why, whylen, "the JWT has no numeric exp claim");
        goto done;
    }
    double exp_s = json_number_value(exp);
    if (exp_s >= 1e11) {
        snprintf(why, whylen, "the JWT's exp (%.0f) looks like milliseconds: exp counts seconds since "
                 "the epoch (RFC 7519)", exp_s);
        goto done;
    }
    if (exp_s * 1000.0 + (double)auth->leeway_ms <= (double)now_ms) {
        snprintf(why, whylen, "the JWT expired");
        res = LT_AUTH_EXPIRED;
        goto done;
    }
    json_t *nbf = json_object_get(payload, "nbf");
    if (nbf && (!json_is_number(nbf) ||
                json_number_value(nbf) * 1000.0 > (double)(now_ms + auth->leeway_ms))) {
        snprintf(why, whylen, "the JWT is not valid yet (nbf)");
        goto done;
    }
    if (!room_allowed(payload, room_id)) {
        snprintf(why, whylen, "the JWT's rooms claim does not include this room");
        res = LT_AUTH_FORBIDDEN;
        goto done;
    }
    *expires_ms = (int64_t)(exp_s * 1000.0);
    if (auth->max_lifetime_ms > 0 && *expires_ms > now_ms + auth->max_lifetime_ms)
        *expires_ms = now_ms + auth->max_lifetime_ms;
    res = LT_AUTH_OK;
done:
    json_decref(header);
    json_decref(payload);
    return res;
}

lt_sidecar_auth_result lt_sidecar_auth_check(const lt_sidecar_auth *auth, const char *token,
                                             const char *room_id, int64_t now_ms,
                                             int64_t *expires_ms, char *why, size_t whylen)
{
    *expires_ms = 0;
    if (!lt_sidecar_auth_enabled(auth))
        return LT_AUTH_OK;
    if (!token || !*token) {
        snprintf(why, whylen, "a token is required: Authorization: Bearer <token> or access_token=");
        return LT_AUTH_MISSING;
    }
    size_t len = strlen(token);
    if (len > LT_SIDECAR_TOKEN_MAX) {
        snprintf(why, whylen, "the token is too long");
        return LT_AUTH_INVALID;
    }
    if (static_token_matches(auth, token, len))
        return LT_AUTH_OK;
    if (!auth->secret) {
        snprintf(why, whylen, "unknown token");
        return LT_AUTH_INVALID;
    }
    return check_jwt(auth, token, len, room_id, now_ms, expires_ms, why, whylen);
}

char *lt_sidecar_jwt_sign(const char *secret, const char *claims_json)
{
    static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    size_t clen = strlen(claims_json);
    size_t cap = 64 + (sizeof(header) + clen) * 4 / 3 + 64;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t n = lt_sidecar_b64url_encode((const uint8_t *)header, sizeof(header) - 1, out, cap);
    out[n++] = '.';
    n += lt_sidecar_b64url_encode((const uint8_t *)claims_json, clen, out + n, cap - n);
    uint8_t mac[32];
    if (hs256(secret, strlen(secret), out, n, mac) < 0) {
        free(out);
        return NULL;
    }
    out[n++] = '.';
    lt_sidecar_b64url_encode(mac, sizeof(mac), out + n, cap - n);
    return out;
}
