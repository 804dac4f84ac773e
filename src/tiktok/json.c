/* json.c - TikTok's loosely typed web JSON (see json.h). */
#include "tiktok/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tiktok/room.h"

int lt_tiktok_json_id(json_t *v, char *out, size_t outlen)
{
    char tmp[32];
    if (json_is_string(v)) {
        snprintf(tmp, sizeof tmp, "%s", json_string_value(v));
    } else if (json_is_integer(v)) {
        snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(v));
    } else {
        return 0;
    }
    if (!lt_tiktok_room_id_valid(tmp))
        return 0;
    snprintf(out, outlen, "%s", tmp);
    return 1;
}

int64_t lt_tiktok_json_int(json_t *v, int64_t dflt)
{
    if (json_is_integer(v))
        return (int64_t)json_integer_value(v);
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end;
        long long n = strtoll(s, &end, 10);
        if (end != s && *end == '\0')
            return n;
    }
    return dflt;
}

const char *lt_tiktok_json_str(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

const char *lt_tiktok_json_image_url(json_t *image)
{
    json_t *first = json_array_get(json_object_get(image, "url_list"), 0);
    return json_is_string(first) && *json_string_value(first) ? json_string_value(first) : NULL;
}

json_t *lt_tiktok_json_path(json_t *root, const char *const *keys, size_t n)
{
    json_t *v = root;
    for (size_t i = 0; i < n && v; i++)
        v = json_object_get(v, keys[i]);
    return v;
}

void lt_tiktok_json_copy_text(char *dst, size_t dstlen, const char *src)
{
    if (dstlen == 0)
        return;
    size_t n = src ? strlen(src) : 0;
    if (n >= dstlen) {
        n = dstlen - 1;
        /* back off over continuation bytes (10xxxxxx) to a lead byte, which
         * starts the character that did not fit */
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--;
    }
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

int lt_tiktok_json_copy_url(char *dst, size_t dstlen, const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (dstlen == 0)
        return -1;
    if (!src || n >= dstlen) {
        dst[0] = '\0';
        return -1;
    }
    memcpy(dst, src, n + 1);
    return 0;
}
