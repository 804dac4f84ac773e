/* collector/bigo.h - the bigo section of the configuration turned into a
 * BIGO receiver (bigo/bigo.h) on the runtime's loop and publisher. */
#ifndef LT_COLLECTOR_BIGO_H
#define LT_COLLECTOR_BIGO_H

#include <stdint.h>

#include "bigo/bigo.h"
#include "collector/config.h"
#include "kafka/conf.h"
#include "kafka/gate.h"

/* lws: the runtime's context; gate: the runtime's; pub NULL = a dry run;
 * props: kafka.properties split (the dedupe seed reads Kafka with them);
 * tag: or-ed into its records' delivery opaques (core/source.h). NULL with
 * err on failure. */
lt_bigo *lt_collector_bigo_create(const lt_collector_config *cfg, const char *collector_id, lt_publisher *pub,
                                  const lt_kafka_properties *props, struct lws_context *lws, lt_gate *gate,
                                  uintptr_t tag, char *err, size_t errlen);

/* The stop line of the BIGO source. */
void lt_collector_bigo_report(lt_bigo *b);

#endif
