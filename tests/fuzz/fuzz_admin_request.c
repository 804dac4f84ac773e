/* fuzz_admin_request.c - libFuzzer target for the admin API's request
 * parsing (src/admin/request.c): the path (route and room), the body of a
 * POST /rooms (a room as text or {"room": ...}) and the Authorization
 * header against a token. Every byte comes from whoever can reach the port.
 *
 * The input's first byte picks the room buffer's size (small ones hit the
 * bounds); the rest is the path, the body and the header. Invariants
 * checked: a room taken from a path or a body is NUL-terminated inside its
 * buffer, not empty and free of control characters (it reaches logs and
 * Kafka); a refusal says why; a bearer header matches only the exact token.
 *
 *   ./fuzz_admin_request -max_total_time=60 tests/fuzz/corpus/admin_request
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "admin/admin.h"

static void check_spec(const char *spec, size_t cap)
{
    const char *end = memchr(spec, '\0', cap);
    if (!end || end == spec)
        abort();
    for (const char *p = spec; p < end; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t caps[] = {1, 2, 8, 64, 512};
    if (!size)
        return 0;
    size_t cap = caps[data[0] % 5];
    char *text = malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';

    char spec[512], err[256];
    lt_admin_route route;
    memset(spec, 0x5a, sizeof spec);
    if (lt_admin_route_parse(text, &route, spec, cap) == 0 && route == LT_ADMIN_ROUTE_ROOM)
        check_spec(spec, cap);

    memset(spec, 0x5a, sizeof spec);
    err[0] = '\0';
    int rc = lt_admin_room_from_body(text, size - 1, spec, cap, err, sizeof err);
    if (rc == 0)
        check_spec(spec, cap);
    else if (rc < 0 && !err[0])
        abort();

    static const char token[] = "s3cret-token";
    bool ok = lt_admin_bearer_matches(text, token);
    if (ok != (strncasecmp(text, "Bearer ", 7) == 0 && strcmp(text + 7, token) == 0))
        abort();
    free(text);
    return 0;
}
