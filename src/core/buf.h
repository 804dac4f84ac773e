/* buf.h - a growable byte buffer, the unit of encoded output.
 *
 * Encoders append to an lt_buf; the publisher hands the bytes to Kafka. A
 * buffer is reused across records (lt_buf_reset keeps the allocation), so the
 * hot path allocates only when a record is larger than any before it.
 */
#ifndef LT_CORE_BUF_H
#define LT_CORE_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct lt_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
} lt_buf;

#define LT_BUF_INIT {NULL, 0, 0}

/* Make room for at least `extra` more bytes; -1 if memory runs out. */
int lt_buf_reserve(lt_buf *buf, size_t extra);
int lt_buf_append(lt_buf *buf, const void *data, size_t len);
int lt_buf_append_byte(lt_buf *buf, uint8_t byte);
void lt_buf_reset(lt_buf *buf);
void lt_buf_free(lt_buf *buf);

/* Give the bytes to the caller (who frees them with free()); the buffer is
 * left empty. Returns NULL for an empty buffer. */
uint8_t *lt_buf_detach(lt_buf *buf, size_t *len);

#endif
