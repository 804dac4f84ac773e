/* internal.h - what the recorder's files share (not a public header). */
#ifndef LT_RECORDER_INTERNAL_H
#define LT_RECORDER_INTERNAL_H

#include <jansson.h>

#include "avro/registry.h"
#include "recorder/recorder.h"

/* rooms.c: room_info records -> JSON objects */
typedef struct lt_room_info_reader lt_room_info_reader;
lt_room_info_reader *lt_room_info_reader_create(lt_registry *reg);
void lt_room_info_reader_destroy(lt_room_info_reader *r);
int lt_room_info_decode(lt_room_info_reader *r, const void *value, size_t len, json_t **out, char *err,
                        size_t errlen);

#endif
