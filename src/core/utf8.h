/* utf8.h - making sure a string is well-formed UTF-8 before it enters a record.
 *
 * Avro strings are UTF-8 by specification, and strict readers (fastavro,
 * Java's decoder with validation, any JSON consumer downstream) refuse a
 * record that holds anything else: one bad chat message from a platform
 * would become a poison record. Every string livetap writes into a record
 * is therefore checked here and, only if needed, repaired.
 *
 * Well-formed means RFC 3629 / Unicode Table 3-7: no overlong forms, no
 * surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no truncated or
 * stray continuation bytes. Repair replaces each maximal ill-formed
 * subpart by one U+FFFD (EF BF BD) - the WHATWG Encoding Standard's rule,
 * the one browsers and Python's "replace" error handler follow - so
 * "\xE2\x82" (a truncated euro sign) becomes one U+FFFD, "\xFF\xFE" two.
 *
 * U+0000 is valid UTF-8 and kept where a length is given; but livetap's
 * event strings are C strings (protobuf-c hands proto strings over as
 * NUL-terminated char *), so in practice a string ends at its first NUL
 * (docs/security.md, "Strings in records").
 *
 * The check costs about a byte compare per byte: runs of ASCII are skipped
 * eight bytes at a time, and a valid string is never copied.
 */
#ifndef LT_CORE_UTF8_H
#define LT_CORE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* True if s[0, len) is ASCII (so well-formed). Inline, for the encoder's hot
 * path: most strings livetap writes are short ASCII (ids, handles, URLs),
 * where a call costs more than the check. */
static inline bool lt_utf8_is_ascii(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    uint64_t high = 0;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        high |= w;
    }
    for (; i < len; i++)
        high |= p[i];
    return !(high & 0x8080808080808080ull);
}

/* The length of the longest well-formed prefix of s[0, len): len if the
 * whole string is well-formed. */
size_t lt_utf8_valid_prefix(const char *s, size_t len);

/* The length s[0, len) takes once repaired; *replaced (may be NULL) gets
 * the number of U+FFFD that repair inserts. */
size_t lt_utf8_repaired_length(const char *s, size_t len, size_t *replaced);

/* Writes the repaired s[0, len) to out, which holds
 * lt_utf8_repaired_length(s, len) bytes; returns that length. */
size_t lt_utf8_repair(const char *s, size_t len, char *out);

#endif
