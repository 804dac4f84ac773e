/* BIGO request signatures: RS256 and ES256 over body + path + seconds,
 * verified with the public key; ES256 as raw r||s (64 bytes), not DER;
 * keys that are neither refused. */
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
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "bigo/oauth.h"

static char key_path[64];

static EVP_PKEY *write_key(int type)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(type, NULL);
    EVP_PKEY *key = NULL;
    assert_non_null(ctx);
    assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
    if (type == EVP_PKEY_RSA)
        assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048), 1);
    else
        assert_int_equal(EVP_PKEY_CTX_set_ec_paramgen_curve_nid(ctx, NID_X9_62_prime256v1), 1);
    assert_int_equal(EVP_PKEY_keygen(ctx, &key), 1);
    EVP_PKEY_CTX_free(ctx);
    snprintf(key_path, sizeof key_path, "/tmp/test_bigo_oauth_XXXXXX");
    int fd = mkstemp(key_path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_int_equal(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL), 1);
    fclose(f);
    return key;
}

static unsigned char *unbase64(const char *b64, size_t *len)
{
    size_t n = strlen(b64);
    unsigned char *out = malloc(n);
    int m = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)n);
    assert_true(m > 0);
    while (n > 0 && b64[n - 1] == '=') { /* DecodeBlock counts padding as zero bytes */
        m--;
        n--;
    }
    *len = (size_t)m;
    return out;
}

static bool verify(EVP_PKEY *key, const unsigned char *sig, size_t siglen, const char *msg)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    bool ok = EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
              EVP_DigestVerify(md, sig, siglen, (const unsigned char *)msg, strlen(msg)) == 1;
    EVP_MD_CTX_free(md);
    return ok;
}

static const char body[] = "{\"grant_type\":\"refresh_token\",\"refresh_token\":\"r1\"}";

static void rs256(void **state)
{
    EVP_PKEY *key = write_key(EVP_PKEY_RSA);
    char err[256], sig[1024];
    lt_bigo_signer *s = lt_bigo_signer_load(key_path, err, sizeof err);
    assert_non_null(s);
    assert_string_equal(lt_bigo_signer_algorithm(s), "RS256");
    assert_int_equal(lt_bigo_signer_sign(s, body, strlen(body), "/sign/oauth2/refresh_token", 1707119422, sig,
                                         sizeof sig, err, sizeof err),
                     0);
    size_t n;
    unsigned char *raw = unbase64(sig, &n);
    assert_int_equal(n, 256);
    char msg[512];
    snprintf(msg, sizeof msg, "%s/sign/oauth2/refresh_token1707119422", body);
    assert_true(verify(key, raw, n, msg));
    /* another second, another signature */
    snprintf(msg, sizeof msg, "%s/sign/oauth2/refresh_token1707119423", body);
    assert_false(verify(key, raw, n, msg));
    free(raw);
    lt_bigo_signer_free(s);
    EVP_PKEY_free(key);
    unlink(key_path);
}

static void es256_is_raw_r_s(void **state)
{
    EVP_PKEY *key = write_key(EVP_PKEY_EC);
    char err[256], sig[256];
    lt_bigo_signer *s = lt_bigo_signer_load(key_path, err, sizeof err);
    assert_non_null(s);
    assert_string_equal(lt_bigo_signer_algorithm(s), "ES256");
    assert_int_equal(lt_bigo_signer_sign(s, body, strlen(body), "/broom/ping", 1688701573, sig, sizeof sig, err,
                                         sizeof err),
                     0);
    size_t n;
    unsigned char *raw = unbase64(sig, &n);
    assert_int_equal(n, 64);
    /* back to DER to verify */
    ECDSA_SIG *es = ECDSA_SIG_new();
    assert_int_equal(ECDSA_SIG_set0(es, BN_bin2bn(raw, 32, NULL), BN_bin2bn(raw + 32, 32, NULL)), 1);
    unsigned char *der = NULL;
    int dlen = i2d_ECDSA_SIG(es, &der);
    assert_true(dlen > 0);
    char msg[512];
    snprintf(msg, sizeof msg, "%s/broom/ping1688701573", body);
    assert_true(verify(key, der, (size_t)dlen, msg));
    OPENSSL_free(der);
    ECDSA_SIG_free(es);
    free(raw);
    lt_bigo_signer_free(s);
    EVP_PKEY_free(key);
    unlink(key_path);
}

static void bad_keys(void **state)
{
    char err[256];
    assert_null(lt_bigo_signer_load("/nonexistent/key.pem", err, sizeof err));
    snprintf(key_path, sizeof key_path, "/tmp/test_bigo_oauth_XXXXXX");
    int fd = mkstemp(key_path);
    assert_int_equal(write(fd, "not a key\n", 10), 10);
    close(fd);
    assert_null(lt_bigo_signer_load(key_path, err, sizeof err));
    unlink(key_path);
    EVP_PKEY *ed = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
    assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
    assert_int_equal(EVP_PKEY_keygen(ctx, &ed), 1);
    EVP_PKEY_CTX_free(ctx);
    fd = mkstemp(strcpy(key_path, "/tmp/test_bigo_oauth_XXXXXX"));
    FILE *f = fdopen(fd, "w");
    PEM_write_PrivateKey(f, ed, NULL, NULL, 0, NULL, NULL);
    fclose(f);
    assert_null(lt_bigo_signer_load(key_path, err, sizeof err));
    assert_non_null(strstr(err, "RSA"));
    EVP_PKEY_free(ed);
    unlink(key_path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rs256),
        cmocka_unit_test(es256_is_raw_r_s),
        cmocka_unit_test(bad_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
