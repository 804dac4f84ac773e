/* group_protocol.c - see group_protocol.h */
#include "kafka/group_protocol.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <string.h>

int lt_kafka_group_protocol_for(int rdkafka_version, const lt_kafka_property *properties, size_t count,
                                bool *consumer, char *err, size_t errlen)
{
    const char *value = NULL;
    for (size_t i = 0; i < count; i++) /* the last one wins, as in librdkafka */
        if (properties[i].name && strcmp(properties[i].name, "group.protocol") == 0)
            value = properties[i].value;
    *consumer = false;
    if (!value || strcmp(value, "classic") == 0)
        return 0;
    if (strcmp(value, "consumer") != 0) {
        snprintf(
            err, errlen,
            "Kafka setting group.protocol: '%s' is not a protocol: use classic (the default) or consumer",
            value);
        return -1;
    }
    if (rdkafka_version < LT_KAFKA_CONSUMER_PROTOCOL_VERSION) {
        snprintf(err, errlen,
                 "Kafka setting group.protocol: consumer (KIP-848) needs librdkafka 2.4 or newer, and this "
                 "program "
                 "runs with librdkafka %d.%d.%d: remove the setting (the classic protocol works with every "
                 "broker) "
                 "or build livetap against a newer librdkafka (Debian 13 has 2.8.0)",
                 (rdkafka_version >> 24) & 0xff, (rdkafka_version >> 16) & 0xff,
                 (rdkafka_version >> 8) & 0xff);
        return -1;
    }
    *consumer = true;
    return 0;
}

int lt_kafka_group_protocol(const lt_kafka_property *properties, size_t count, bool *consumer, char *err,
                            size_t errlen)
{
    return lt_kafka_group_protocol_for(rd_kafka_version(), properties, count, consumer, err, errlen);
}
