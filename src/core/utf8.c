/* utf8.c - see utf8.h. */
#include "core/utf8.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define HIGH_BITS 0x8080808080808080ULL

/* One step from p (n > 0 bytes left): the bytes of a well-formed character
 * (*valid true) or of a maximal ill-formed subpart, at least 1 (*valid
 * false). Unicode Table 3-7 gives, per lead byte, the range of the second
 * byte; every later byte is 80..BF. */
static size_t step(const uint8_t *p, size_t n, bool *valid)
{
    uint8_t c = p[0];
    *valid = true;
    if (c < 0x80)
        return 1;
    size_t need;
    uint8_t lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        if (c == 0xE0)
            lo = 0xA0; /* below: overlong */
        else if (c == 0xED)
            hi = 0x9F; /* above: surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        if (c == 0xF0)
            lo = 0x90; /* below: overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* above: beyond U+10FFFF */
    } else {
        *valid = false; /* 80..C1 (stray continuation, overlong lead), F5..FF */
        return 1;
    }
    size_t i = 1;
    for (; i <= need; i++) {
        if (i >= n || p[i] < lo || p[i] > hi) {
            *valid = false;
            return i; /* the lead and the continuations that fitted */
        }
        lo = 0x80, hi = 0xBF;
    }
    return i;
}

size_t lt_utf8_valid_prefix(const char *s, size_t len)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t i = 0;
    while (i < len) {
        if (len - i >= 8) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (!(w & HIGH_BITS)) {
                i += 8;
                continue;
            }
        }
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        bool valid;
        size_t n = step(p + i, len - i, &valid);
        if (!valid)
            return i;
        i += n;
    }
    return len;
}

size_t lt_utf8_repaired_length(const char *s, size_t len, size_t *replaced)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t out = 0, fixes = 0;
    for (size_t i = 0; i < len;) {
        bool valid;
        size_t n = step(p + i, len - i, &valid);
        out += valid ? n : 3;
        fixes += !valid;
        i += n;
    }
    if (replaced)
        *replaced = fixes;
    return out;
}

size_t lt_utf8_repair(const char *s, size_t len, char *out)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        bool valid;
        size_t n = step(p + i, len - i, &valid);
        if (valid) {
            memcpy(out + o, s + i, n);
            o += n;
        } else {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
        }
        i += n;
    }
    return o;
}
