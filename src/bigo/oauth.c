/* oauth.c - RS256 / ES256 request signatures for BIGO's signed APIs (see oauth.h).
 *
 * OpenSSL's EVP_DigestSign does the hashing and the signing; for EC keys
 * its DER ECDSA-Sig-Value is unpacked into the fixed-width r||s that BIGO's
 * demo (pycryptodome, encoding='binary') produces.
 */
#include "bigo/oauth.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lt_bigo_signer {
    EVP_PKEY *key;
    bool ec;
};

static void openssl_error(const char *what, char *err, size_t errlen)
{
    char buf[256] = "";
    unsigned long e = ERR_get_error();
    if (e)
        ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    snprintf(err, errlen, "%s%s%s", what, *buf ? ": " : "", buf);
}

lt_bigo_signer *lt_bigo_signer_load(const char *pem_path, char *err, size_t errlen)
{
    FILE *f = fopen(pem_path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot read the signing key %s", pem_path);
        return NULL;
    }
    EVP_PKEY *key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (!key) {
        openssl_error("the signing key is not a PEM private key", err, errlen);
        return NULL;
    }
    int type = EVP_PKEY_base_id(key);
    if (type != EVP_PKEY_RSA && !(type == EVP_PKEY_EC && EVP_PKEY_bits(key) == 256)) {
        EVP_PKEY_free(key);
        snprintf(err, errlen, "the signing key must be RSA (RS256) or EC P-256 (ES256)");
        return NULL;
    }
    lt_bigo_signer *s = calloc(1, sizeof *s);
    if (!s) {
        EVP_PKEY_free(key);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->key = key;
    s->ec = type == EVP_PKEY_EC;
    return s;
}

void lt_bigo_signer_free(lt_bigo_signer *s)
{
    if (!s)
        return;
    EVP_PKEY_free(s->key);
    free(s);
}

const char *lt_bigo_signer_algorithm(const lt_bigo_signer *s)
{
    return s->ec ? "ES256" : "RS256";
}

/* DER ECDSA-Sig-Value -> 32-byte r || 32-byte s. */
static int der_to_raw(const unsigned char *der, size_t len, unsigned char raw[64])
{
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
    if (!sig)
        return -1;
    const BIGNUM *r, *s;
    ECDSA_SIG_get0(sig, &r, &s);
    int rc = BN_bn2binpad(r, raw, 32) == 32 && BN_bn2binpad(s, raw + 32, 32) == 32 ? 0 : -1;
    ECDSA_SIG_free(sig);
    return rc;
}

int lt_bigo_signer_sign(const lt_bigo_signer *s, const char *body, size_t body_len, const char *path,
                        int64_t ts_seconds, char *out, size_t outlen, char *err, size_t errlen)
{
    char ts[24];
    snprintf(ts, sizeof ts, "%lld", (long long)ts_seconds);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char *sig = NULL;
    size_t siglen = 0;
    int rc = -1;
    if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, s->key) != 1 ||
        EVP_DigestSignUpdate(md, body, body_len) != 1 || EVP_DigestSignUpdate(md, path, strlen(path)) != 1 ||
        EVP_DigestSignUpdate(md, ts, strlen(ts)) != 1 || EVP_DigestSignFinal(md, NULL, &siglen) != 1) {
        openssl_error("signing failed", err, errlen);
        goto cleanup;
    }
    sig = malloc(siglen);
    if (!sig || EVP_DigestSignFinal(md, sig, &siglen) != 1) {
        openssl_error("signing failed", err, errlen);
        goto cleanup;
    }
    unsigned char raw[64];
    const unsigned char *bytes = sig;
    size_t n = siglen;
    if (s->ec) {
        if (der_to_raw(sig, siglen, raw)) {
            snprintf(err, errlen, "unexpected ECDSA signature encoding");
            goto cleanup;
        }
        bytes = raw;
        n = sizeof raw;
    }
    if (outlen < 4 * ((n + 2) / 3) + 1) {
        snprintf(err, errlen, "signature buffer too small");
        goto cleanup;
    }
    EVP_EncodeBlock((unsigned char *)out, bytes, (int)n);
    rc = 0;
cleanup:
    free(sig);
    EVP_MD_CTX_free(md);
    return rc;
}
