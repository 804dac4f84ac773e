/* group_protocol.h - which consumer-group protocol the configured Kafka
 * properties select, checked against the linked librdkafka.
 *
 * `group.protocol: consumer` (KIP-848: the broker assigns partitions, no
 * client-side rebalance round trips) is in librdkafka from 2.4.0 (Debian 13
 * has 2.8.0) and needs a Kafka 4.x broker; `classic` (the default) works
 * everywhere. Debian 12's librdkafka 2.0.2 does not know the property at all,
 * so instead of its bare "No such configuration property" the programs refuse
 * it at start with this module's message. With the consumer protocol the
 * session timeout, heartbeat interval and assignor are the broker's
 * (group.consumer.* broker settings): a consumer must not set them.
 */
#ifndef LT_KAFKA_GROUP_PROTOCOL_H
#define LT_KAFKA_GROUP_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>

#include "kafka/producer.h" /* lt_kafka_property */

/* rd_kafka_version() of the first librdkafka with group.protocol=consumer */
#define LT_KAFKA_CONSUMER_PROTOCOL_VERSION 0x02040000

/* Sets *consumer to whether `properties` select group.protocol=consumer
 * (absent or "classic": false). -1 with a message in err when the value is
 * neither, or is "consumer" and the linked librdkafka is older than 2.4. */
int lt_kafka_group_protocol(const lt_kafka_property *properties, size_t count, bool *consumer, char *err,
                            size_t errlen);

/* The same against the librdkafka version `rdkafka_version` (as
 * rd_kafka_version() gives it). */
int lt_kafka_group_protocol_for(int rdkafka_version, const lt_kafka_property *properties, size_t count,
                                bool *consumer, char *err, size_t errlen);

#endif
