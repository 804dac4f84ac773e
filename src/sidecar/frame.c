/* frame.c - pre-framed WebSocket text frames, shared by reference.
 *
 * A frame holds the WebSocket header followed by the JSON, so that writing
 * it to any number of clients is a copy (hub.h). Refcounts are only touched
 * on the loop thread.
 */
#include <stdlib.h>
#include <string.h>

#include "sidecar/hub.h"

static size_t ws_header(uint8_t *h, size_t payload)
{
    h[0] = 0x81; /* FIN + text */
    if (payload < 126) {
        h[1] = (uint8_t)payload;
        return 2;
    }
    if (payload <= 0xffff) {
        h[1] = 126;
        h[2] = (uint8_t)(payload >> 8);
        h[3] = (uint8_t)payload;
        return 4;
    }
    h[1] = 127;
    for (int i = 0; i < 8; i++)
        h[2 + i] = (uint8_t)((uint64_t)payload >> (56 - 8 * i));
    return 10;
}

lt_sidecar_frame *lt_sidecar_frame_new(const void *json_prefix, size_t prefix_len,
                                       const char *cursor)
{
    static const char mid[] = ",\"cursor\":\"";
    size_t clen = cursor ? strlen(cursor) : 0;
    size_t payload = prefix_len + (cursor ? sizeof(mid) - 1 + clen + 2 : 1);
    if (payload > UINT32_MAX - 16)
        return NULL;
    lt_sidecar_frame *f = malloc(sizeof(*f) + payload + 10);
    if (!f)
        return NULL;
    f->refs = 1;
    f->born_us = 0;
    f->kafka_ms = 0;
    f->hdr_len = (uint32_t)ws_header(f->data, payload);
    uint8_t *p = f->data + f->hdr_len;
    memcpy(p, json_prefix, prefix_len);
    p += prefix_len;
    if (cursor) {
        memcpy(p, mid, sizeof(mid) - 1);
        p += sizeof(mid) - 1;
        memcpy(p, cursor, clen);
        p += clen;
        *p++ = '"';
    }
    *p++ = '}';
    f->body_len = (uint32_t)prefix_len;
    f->len = (uint32_t)(p - f->data);
    return f;
}

lt_sidecar_frame *lt_sidecar_frame_text(const char *json, size_t len)
{
    if (len == 0 || json[len - 1] != '}')
        return NULL;
    return lt_sidecar_frame_new(json, len - 1, NULL);
}

void lt_sidecar_frame_unref(lt_sidecar_frame *f)
{
    if (f && --f->refs == 0)
        free(f);
}
