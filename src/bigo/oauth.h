/* oauth.h - BIGO's server-side request signature (docs/protocol/bigo.md §2.5).
 *
 * Signed calls (/broom/ping, /sign/oauth2/refresh_token, /sign/... APIs)
 * carry bigo-client-id, bigo-timestamp (SECONDS) and bigo-oauth-signature =
 * base64(sign(SHA-256(body + uri_path + timestamp))) with our private key:
 * RS256 (RSA PKCS#1 v1.5) or ES256 (P-256; BIGO's demo emits the raw 64-byte
 * r||s, not DER, so that is what we send). The body signed must be the
 * exact bytes posted.
 */
#ifndef LT_BIGO_OAUTH_H
#define LT_BIGO_OAUTH_H

#include <stddef.h>
#include <stdint.h>

typedef struct lt_bigo_signer lt_bigo_signer;

/* Loads a PEM private key (RSA or EC P-256). */
lt_bigo_signer *lt_bigo_signer_load(const char *pem_path, char *err, size_t errlen);
void lt_bigo_signer_free(lt_bigo_signer *s); /* accepts NULL */

/* base64 signature of body + path + decimal ts_seconds into out (NUL
 * terminated). 0, or -1 with err. */
int lt_bigo_signer_sign(const lt_bigo_signer *s, const char *body, size_t body_len, const char *path,
                        int64_t ts_seconds, char *out, size_t outlen, char *err, size_t errlen);

/* "RS256" or "ES256". */
const char *lt_bigo_signer_algorithm(const lt_bigo_signer *s);

#endif
