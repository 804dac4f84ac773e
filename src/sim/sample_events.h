/* sample_events.h - plausible events of every type, for the demo and benchmarks.
 *
 * Deterministic: the same (room, sequence) always gives the same event, so a
 * test can regenerate what was published. The event borrows buffers inside
 * the generator, valid until the next call.
 */
#ifndef LT_SIM_SAMPLE_EVENTS_H
#define LT_SIM_SAMPLE_EVENTS_H

#include <stdint.h>

#include "core/event.h"

typedef struct lt_sample_events lt_sample_events;

lt_sample_events *lt_sample_events_create(void);
void lt_sample_events_destroy(lt_sample_events *gen); /* accepts NULL */

/* Fills `out` with event number `seq` (0, 1, ...) of room `room_id`: the type
 * cycles through every event type; msg_id = seq + 1. */
void lt_sample_event(lt_sample_events *gen, const char *room_id, int64_t seq, lt_event *out);

#endif
