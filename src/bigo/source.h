/* source.h - BIGO Live as a source of the collector runtime
 * (core/source.h); the instance is an lt_bigo.
 *
 * BIGO's rooms are not added by us: BIGO pushes whichever rooms it has
 * (the push channel), and pull follows the sessions push and the
 * configured pull rooms name. So add and remove answer with an error that
 * says so; a room is "bigo:<openid>" and is listed from its first event.
 */
#ifndef LT_BIGO_SOURCE_H
#define LT_BIGO_SOURCE_H

#include "core/source.h"

extern const lt_collector_source lt_bigo_source;

#endif
