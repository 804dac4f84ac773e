/* json.h - reading TikTok's loosely typed web JSON.
 *
 * TikTok's JSON is not typed consistently across endpoints and years: ids
 * arrive as strings or numbers, statuses as numbers or numeric strings, and
 * any object may be missing or be something else. Every read of a web API
 * answer (the resolver, room info, the gift list) goes through these helpers,
 * which accept the forms TikTok uses and turn everything else into "absent".
 * All of them accept NULL and wrong types.
 */
#ifndef LT_TIKTOK_JSON_H
#define LT_TIKTOK_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* An id as a decimal string or a JSON integer; "" / "0" mean none. Returns 1
 * and copies it if it is a plausible id (1-20 digits, not 0), else 0. */
int lt_tiktok_json_id(json_t *v, char *out, size_t outlen);

/* An integer sent as a number or a numeric string; `dflt` otherwise. */
int64_t lt_tiktok_json_int(json_t *v, int64_t dflt);

/* obj[key] if it is a string, else NULL. */
const char *lt_tiktok_json_str(json_t *obj, const char *key);

/* The first entry of an image's url_list ({"url_list": ["https://..."]}),
 * or NULL. */
const char *lt_tiktok_json_image_url(json_t *image);

/* Follows object keys; NULL as soon as one is missing. */
json_t *lt_tiktok_json_path(json_t *root, const char *const *keys, size_t n);
#define LT_TIKTOK_JSON_PATH(root, ...)                                  \
    lt_tiktok_json_path(root, (const char *const[]){__VA_ARGS__},       \
                        sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

/* Copies text into a fixed buffer, cutting (if it must) at a UTF-8
 * character boundary so that the copy stays valid UTF-8 for Avro strings.
 * NULL copies as "". */
void lt_tiktok_json_copy_text(char *dst, size_t dstlen, const char *src);

/* Copies a URL whole or not at all (a cut URL is a wrong URL): returns 0, or
 * -1 and leaves dst "" if src is NULL or does not fit. */
int lt_tiktok_json_copy_url(char *dst, size_t dstlen, const char *src);

#endif
