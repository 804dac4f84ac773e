/* buf.c - growable byte buffer (see buf.h). */
#include "core/buf.h"

#include <stdlib.h>
#include <string.h>

int lt_buf_reserve(lt_buf *buf, size_t extra)
{
    if (extra > SIZE_MAX - buf->len)
        return -1;
    size_t need = buf->len + extra;
    if (need <= buf->cap)
        return 0;
    size_t cap = buf->cap ? buf->cap : 256;
    while (cap < need) {
        if (cap > SIZE_MAX / 2)
            return -1;
        cap *= 2;
    }
    uint8_t *data = realloc(buf->data, cap);
    if (!data)
        return -1;
    buf->data = data;
    buf->cap = cap;
    return 0;
}

int lt_buf_append(lt_buf *buf, const void *data, size_t len)
{
    if (len == 0)
        return 0;
    if (lt_buf_reserve(buf, len) != 0)
        return -1;
    memcpy(buf->data + buf->len, data, len);
    buf->len += len;
    return 0;
}

int lt_buf_append_byte(lt_buf *buf, uint8_t byte)
{
    if (buf->len == buf->cap && lt_buf_reserve(buf, 1) != 0)
        return -1;
    buf->data[buf->len++] = byte;
    return 0;
}

void lt_buf_reset(lt_buf *buf)
{
    buf->len = 0;
}

void lt_buf_free(lt_buf *buf)
{
    free(buf->data);
    buf->data = NULL;
    buf->len = buf->cap = 0;
}

uint8_t *lt_buf_detach(lt_buf *buf, size_t *len)
{
    uint8_t *data = buf->len ? buf->data : NULL;
    *len = buf->len;
    if (!data)
        free(buf->data);
    buf->data = NULL;
    buf->len = buf->cap = 0;
    return data;
}
