/* source.h - TikTok LIVE as a source of the collector runtime
 * (collector/source.h); the instance is an lt_tiktok_collector. */
#ifndef LT_TIKTOK_SOURCE_H
#define LT_TIKTOK_SOURCE_H

#include "collector/source.h"

extern const lt_collector_source lt_tiktok_source;

#endif
