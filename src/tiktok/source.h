/* source.h - TikTok LIVE as a source of the collector runtime
 * (core/source.h); the instance is an lt_tiktok_collector. */
#ifndef LT_TIKTOK_SOURCE_H
#define LT_TIKTOK_SOURCE_H

#include "core/source.h"

extern const lt_collector_source lt_tiktok_source;

#endif
