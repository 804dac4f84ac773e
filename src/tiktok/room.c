/* room.c - parsing room inputs (see room.h). */
#include "tiktok/room.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int unique_id_char(int c)
{
    return isalnum(c) || c == '_' || c == '.';
}

int lt_tiktok_room_id_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 19)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    if (s[0] == '0')
        return 0;
    if (n == 19 && strcmp(s, "9223372036854775807") > 0)
        return 0;
    return 1;
}

static int set_user(lt_tiktok_room_ref *out, const char *p, size_t n, char *err, size_t errlen,
                    const char *input)
{
    if (n == 0 || n > LT_TIKTOK_UNIQUE_ID_MAX) {
        snprintf(err, errlen, "'%s': a TikTok unique id has 1 to %d characters", input,
                 LT_TIKTOK_UNIQUE_ID_MAX);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (!unique_id_char((unsigned char)p[i])) {
            snprintf(err, errlen,
                     "'%s': a TikTok unique id has only letters, digits, '_' and '.'", input);
            return -1;
        }
    }
    out->kind = LT_TIKTOK_ROOM_BY_USER;
    memcpy(out->unique_id, p, n);
    out->unique_id[n] = '\0';
    out->room_id[0] = '\0';
    return 0;
}

int lt_tiktok_room_parse(const char *input, lt_tiktok_room_ref *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (!input) {
        snprintf(err, errlen, "empty room");
        return -1;
    }
    char text[512];
    while (isspace((unsigned char)*input))
        input++;
    size_t n = strlen(input);
    while (n > 0 && isspace((unsigned char)input[n - 1]))
        n--;
    if (n == 0) {
        snprintf(err, errlen, "empty room");
        return -1;
    }
    if (n >= sizeof text) {
        snprintf(err, errlen, "room input too long (%zu characters)", n);
        return -1;
    }
    memcpy(text, input, n);
    text[n] = '\0';

    if (text[0] == '@')
        return set_user(out, text + 1, n - 1, err, errlen, text);

    int all_digits = 1;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)text[i]))
            all_digits = 0;
    if (all_digits) {
        if (!lt_tiktok_room_id_valid(text)) {
            snprintf(err, errlen, "'%s': not a valid room id (1 to 19 digits, no leading 0)", text);
            return -1;
        }
        out->kind = LT_TIKTOK_ROOM_BY_ID;
        memcpy(out->room_id, text, n + 1);
        return 0;
    }

    /* a URL: [scheme://]host/@user[/live][/...][?query][#fragment] */
    const char *path = NULL;
    const char *scheme = strstr(text, "://");
    if (scheme)
        path = strchr(scheme + 3, '/');
    else if (strchr(text, '/'))
        path = strchr(text, '/');
    if (path || scheme) {
        if (!path || path[1] != '@') {
            snprintf(err, errlen, "'%s': expected a profile or live URL like "
                                  "https://www.tiktok.com/@user/live", text);
            return -1;
        }
        const char *user = path + 2;
        size_t len = strcspn(user, "/?#");
        return set_user(out, user, len, err, errlen, text);
    }

    /* a bare unique id */
    return set_user(out, text, n, err, errlen, text);
}

const char *lt_tiktok_room_label(const lt_tiktok_room_ref *ref)
{
    static _Thread_local char label[LT_TIKTOK_UNIQUE_ID_MAX + 2];
    if (ref->kind == LT_TIKTOK_ROOM_BY_ID)
        return ref->room_id;
    snprintf(label, sizeof label, "@%s", ref->unique_id);
    return label;
}

int lt_tiktok_room_list_each(const char *list, int (*fn)(void *ctx, const char *entry), void *ctx)
{
    const char *p = list;
    while (p && *p) {
        while (*p == ',' || isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        size_t n = strcspn(p, ", \t\r\n");
        char entry[512];
        if (n >= sizeof entry)
            n = sizeof entry - 1;
        memcpy(entry, p, n);
        entry[n] = '\0';
        if (fn(ctx, entry) != 0)
            return -1;
        p += strcspn(p, ", \t\r\n");
    }
    return 0;
}

void lt_tiktok_room_key(const lt_tiktok_room_ref *ref, char out[LT_TIKTOK_ROOM_KEY_MAX])
{
    if (ref->kind == LT_TIKTOK_ROOM_BY_ID) {
        snprintf(out, LT_TIKTOK_ROOM_KEY_MAX, "#%s", ref->room_id);
        return;
    }
    size_t n = 0;
    out[n++] = '@';
    for (const char *p = ref->unique_id; *p && n + 1 < LT_TIKTOK_ROOM_KEY_MAX; p++)
        out[n++] = (char)tolower((unsigned char)*p);
    out[n] = '\0';
}
