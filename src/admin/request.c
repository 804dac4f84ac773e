/* request.c - the admin API's pure request parsing (see admin.h). Every
 * input is a stranger's: lengths are bounded before copying, and a room
 * spec may hold no control characters (it ends up in logs and in Kafka). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "admin/admin.h"

static bool has_control(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return true;
    return false;
}

int lt_admin_route_parse(const char *path, lt_admin_route *route, char *spec, size_t cap)
{
    static const struct {
        const char *path;
        lt_admin_route route;
    } fixed[] = {
        {"/healthz", LT_ADMIN_ROUTE_HEALTHZ},
        {"/readyz", LT_ADMIN_ROUTE_READYZ},
        {"/metrics", LT_ADMIN_ROUTE_METRICS},
        {"/rooms", LT_ADMIN_ROUTE_ROOMS},
    };
    *route = LT_ADMIN_ROUTE_NONE;
    if (cap)
        spec[0] = '\0';
    size_t len = strlen(path);
    if (len > 1 && path[len - 1] == '/')
        len--;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (strlen(fixed[i].path) == len && strncmp(path, fixed[i].path, len) == 0) {
            *route = fixed[i].route;
            return 0;
        }
    if (strncmp(path, "/rooms/", 7) != 0)
        return 0;
    const char *s = path + 7;
    size_t n = len - 7;
    if (n == 0 || n >= cap || has_control(s, n))
        return -1;
    memcpy(spec, s, n);
    spec[n] = '\0';
    /* lws merges the "//" of a percent-encoded URL in the path */
    char *colon = strstr(spec, ":/");
    if (colon && colon[2] != '/' && strspn(spec, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") ==
                                        (size_t)(colon - spec)) {
        if (n + 1 >= cap)
            return -1;
        memmove(colon + 2, colon + 1, n - (size_t)(colon + 1 - spec) + 1);
    }
    *route = LT_ADMIN_ROUTE_ROOM;
    return 0;
}

static int copy_trimmed(const char *s, size_t len, char *spec, size_t cap, char *err, size_t errlen)
{
    while (len && isspace((unsigned char)*s)) {
        s++;
        len--;
    }
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    if (len == 0)
        return 1;
    if (len >= cap) {
        snprintf(err, errlen, "the room is longer than %zu bytes", cap - 1);
        return -1;
    }
    if (has_control(s, len)) {
        snprintf(err, errlen, "the room contains control characters (one room per request)");
        return -1;
    }
    memcpy(spec, s, len);
    spec[len] = '\0';
    return 0;
}

int lt_admin_room_from_body(const char *body, size_t len, char *spec, size_t cap, char *err, size_t errlen)
{
    size_t i = 0;
    while (i < len && isspace((unsigned char)body[i]))
        i++;
    if (i == len || body[i] != '{')
        return copy_trimmed(body, len, spec, cap, err, errlen);
    json_error_t jerr;
    json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        snprintf(err, errlen, "the body is not JSON: %s", jerr.text);
        return -1;
    }
    json_t *room = json_object_get(doc, "room");
    int rc;
    if (!json_is_string(room)) {
        snprintf(err, errlen, "expected {\"room\": \"@user\" | URL | room id}");
        rc = -1;
    } else {
        rc = copy_trimmed(json_string_value(room), json_string_length(room), spec, cap, err, errlen);
        if (rc == 1) {
            snprintf(err, errlen, "\"room\" is empty");
            rc = -1;
        }
    }
    json_decref(doc);
    return rc;
}

unsigned lt_admin_http_status(lt_admin_status st)
{
    switch (st) {
    case LT_ADMIN_OK: return 200;
    case LT_ADMIN_CREATED: return 201;
    case LT_ADMIN_ACCEPTED: return 202;
    case LT_ADMIN_BAD_REQUEST: return 400;
    case LT_ADMIN_NOT_FOUND: return 404;
    case LT_ADMIN_CONFLICT: return 409;
    case LT_ADMIN_LIMIT: return 429;
    case LT_ADMIN_UNAVAILABLE: return 503;
    default: return 500;
    }
}

bool lt_admin_bearer_matches(const char *header, const char *token)
{
    static const char scheme[] = "Bearer ";
    if (!header || !token || !*token)
        return false;
    /* the scheme is public; only the credential needs constant time */
    size_t n = strlen(scheme);
    bool scheme_ok = strncasecmp(header, scheme, n) == 0;
    const char *given = scheme_ok ? header + n : "";
    unsigned char a[SHA256_DIGEST_LENGTH], b[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)given, strlen(given), a);
    SHA256((const unsigned char *)token, strlen(token), b);
    return (CRYPTO_memcmp(a, b, sizeof a) == 0) & scheme_ok;
}
