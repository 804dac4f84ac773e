/* hash.h - FNV-1a 64: not for security, for hash tables and for noticing
 * that something changed (ledger keys, item ids without a data_seq, gift
 * catalogue entries). Start with LT_FNV1A_INIT and chain. */
#ifndef LT_CORE_HASH_H
#define LT_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define LT_FNV1A_INIT 0xcbf29ce484222325ULL

static inline uint64_t lt_fnv1a(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* A string with its terminating NUL (which separates chained strings);
 * NULL hashes differently from "". */
static inline uint64_t lt_fnv1a_str(uint64_t h, const char *s)
{
    return s ? lt_fnv1a(h, s, strlen(s) + 1) : lt_fnv1a(h, "\xff", 1);
}

#endif
