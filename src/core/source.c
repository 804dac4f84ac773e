/* collector/source.c - parsing a room at the edge (core/source.h). */
#include "core/source.h"

#include <stdio.h>
#include <string.h>

int lt_collector_room_parse(const lt_collector_source *s, const char *text, lt_collector_room_ref *out,
                            char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    size_t n = strlen(text);
    if (n >= sizeof out->input) {
        snprintf(err, errlen, "room input too long (%zu characters)", n);
        return -1;
    }
    memcpy(out->input, text, n + 1);
    return s->parse(text, out->parsed.bytes, err, errlen);
}
