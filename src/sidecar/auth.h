/* auth.h - who may open /ws/{room_id}: static bearer tokens or HS256 JWTs.
 *
 * Off by default (no tokens and no secret configured = everyone). With any
 * configured, a client presents a token in the Authorization header
 * ("Bearer <token>") or, since browsers cannot set headers on a WebSocket,
 * in access_token=. A token is accepted if it equals one of the static
 * tokens (constant-time comparison, so timing does not leak prefixes) or is
 * a JWT signed with HMAC-SHA256 under the shared secret whose "exp" lies in
 * the future (and "nbf", if present, in the past). A JWT may restrict rooms
 * with a "rooms" claim (array of room ids, "*" for all). Only alg HS256 is
 * accepted: "none" and asymmetric algorithms are refused, which closes the
 * classic algorithm-confusion holes.
 */
#ifndef LT_SIDECAR_AUTH_H
#define LT_SIDECAR_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lt_sidecar_auth lt_sidecar_auth;

typedef struct lt_sidecar_auth_options {
    const char *const *tokens;   /* static bearer tokens */
    size_t token_count;
    const char *jwt_secret;      /* HS256 shared secret; NULL = no JWTs */
    int64_t leeway_ms;           /* clock skew allowed on exp/nbf */
    int64_t max_lifetime_ms;     /* a connection on a JWT ends at most this long after it
                                  * was checked, whatever exp says; 0 = exp alone */
} lt_sidecar_auth_options;

typedef enum lt_sidecar_auth_result {
    LT_AUTH_OK = 0,
    LT_AUTH_MISSING = -1,      /* auth on, no token presented */
    LT_AUTH_INVALID = -2,      /* unknown token, bad signature, malformed JWT */
    LT_AUTH_EXPIRED = -3,
    LT_AUTH_FORBIDDEN = -4,    /* valid, but not for this room */
} lt_sidecar_auth_result;

lt_sidecar_auth *lt_sidecar_auth_create(const lt_sidecar_auth_options *opts, char *err,
                                        size_t errlen);
void lt_sidecar_auth_destroy(lt_sidecar_auth *auth);

bool lt_sidecar_auth_enabled(const lt_sidecar_auth *auth);

/* Checks `token` (may be NULL or "") for `room_id` at `now_ms`. On success
 * *expires_ms is the JWT's exp in ms, capped at now_ms + max_lifetime_ms (0
 * for static tokens, or auth off). An exp in milliseconds (>= 1e11, which
 * in seconds is the year 5138) is refused: RFC 7519 counts seconds, and
 * read as seconds it would never expire.
 * `why` gets a reason a client can read. */
lt_sidecar_auth_result lt_sidecar_auth_check(const lt_sidecar_auth *auth, const char *token,
                                             const char *room_id, int64_t now_ms,
                                             int64_t *expires_ms, char *why, size_t whylen);

/* The token of an Authorization header value "Bearer <token>" (case-
 * insensitive scheme); NULL if it is not a bearer credential. */
const char *lt_sidecar_auth_bearer(const char *header_value);

/* Makes an HS256 JWT with the given claims JSON (for tests and tools);
 * malloc'd, NULL on failure. */
char *lt_sidecar_jwt_sign(const char *secret, const char *claims_json);

#endif
