/* fuzz_sidecar_request.c - libFuzzer target for everything the sidecar parses
 * from a WebSocket client before subscribing it: the request path and query
 * (room id, types=, since=, cursor=, access_token=), cursors on their own
 * (with a round-trip invariant), bearer headers and tokens (static and HS256
 * JWT). Input: up to four fields separated by '\n' - path, query, token,
 * cursor.
 *
 * Build (clang, ASan/UBSan), sources: src/sidecar/request.c,
 * src/sidecar/auth.c, src/core/event_types.c, src/core/log.c; links jansson
 * and OpenSSL (libcrypto):
 *   clang -g -fsanitize=fuzzer,address,undefined -D_POSIX_C_SOURCE=200809L -Isrc \
 *     tests/fuzz/fuzz_sidecar_request.c src/sidecar/request.c src/sidecar/auth.c \
 *     src/core/event_types.c src/core/log.c -ljansson -lcrypto -o fuzz_sidecar_request
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sidecar/auth.h"
#include "sidecar/request.h"

static lt_sidecar_auth *auth;

static char *field(const uint8_t **data, size_t *size)
{
    const uint8_t *nl = memchr(*data, '\n', *size);
    size_t n = nl ? (size_t)(nl - *data) : *size;
    char *s = malloc(n + 1);
    if (!s)
        abort();
    memcpy(s, *data, n);
    s[n] = '\0';
    *data += nl ? n + 1 : n;
    *size -= nl ? n + 1 : n;
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!auth) {
        static const char *tokens[] = {"static-token-for-the-fuzzer"};
        lt_sidecar_auth_options o = {.tokens = tokens, .token_count = 1,
                                     .jwt_secret = "fuzzing-secret-fuzzing-secret-fuzzing"};
        char err[128];
        auth = lt_sidecar_auth_create(&o, err, sizeof(err));
        if (!auth)
            abort();
    }
    char *path = field(&data, &size), *query = field(&data, &size);
    char *token = field(&data, &size), *cursor = field(&data, &size);

    lt_sidecar_request *req = malloc(sizeof(*req));
    lt_sidecar_error err;
    if (!req)
        abort();
    if (lt_sidecar_request_parse(path, query, req, &err) == 0) {
        if (!lt_room_id_valid(req->room_id, strlen(req->room_id)))
            abort(); /* a parsed room id is always valid */
        if (req->has_since && req->has_cursor)
            abort();
    }

    lt_sidecar_cursor cur, back;
    if (lt_sidecar_cursor_decode(cursor, &cur, &err) == 0) {
        char text[LT_SIDECAR_CURSOR_TEXT_MAX + 1];
        /* what decodes re-encodes to something that decodes the same */
        if (lt_sidecar_cursor_encode(&cur, text, sizeof(text)) > 0) {
            if (lt_sidecar_cursor_decode(text, &back, &err) != 0 || back.count != cur.count ||
                memcmp(back.entries, cur.entries, cur.count * sizeof(cur.entries[0])) != 0)
                abort();
        }
    }

    int64_t expires = 0;
    char why[256];
    const char *bearer = lt_sidecar_auth_bearer(token);
    lt_sidecar_auth_check(auth, bearer ? bearer : token, "room", 1700000000000LL, &expires, why,
                          sizeof(why));

    uint64_t mask;
    lt_sidecar_types_parse(token, &mask, &err);
    char decoded[256];
    lt_sidecar_percent_decode(query, strlen(query), decoded, sizeof(decoded));

    free(req);
    free(path);
    free(query);
    free(token);
    free(cursor);
    return 0;
}
