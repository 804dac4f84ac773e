/* conf.h - the one way livetap turns settings into a librdkafka configuration.
 *
 * Every Kafka client livetap creates (the producer, the sidecar's consumer,
 * the dedupe tail reader, the group's control-topic consumer and its
 * room_status watcher) is configured the same way: the bootstrap servers,
 * then the client's own fixed settings, then the user's properties (the
 * `kafka.properties` of a config file, `--property` of a command line), so a
 * user's setting always wins over a built-in one. A property librdkafka
 * refuses is an error naming the property and carrying librdkafka's reason;
 * the value is not repeated, as it may be a secret (sasl.password).
 *
 * User properties arrive as "name=value" text; lt_kafka_properties_split is
 * the one splitter: no limit on their number or length.
 */
#ifndef LT_KAFKA_CONF_H
#define LT_KAFKA_CONF_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>

typedef struct lt_kafka_property {
    const char *name;
    const char *value; /* in a fixed setting, NULL = leave librdkafka's default */
} lt_kafka_property;

/* Properties split from "name=value" text; owns its strings. */
typedef struct lt_kafka_properties {
    lt_kafka_property *items;
    size_t count;
} lt_kafka_properties;

/* Splits each text at its first '=' (a value may contain '='). 0 on success;
 * -1 with the offending text in err if one has no '=' or an empty name
 * (out is then empty). */
int lt_kafka_properties_split(const char *const *texts, size_t count, lt_kafka_properties *out, char *err,
                              size_t errlen);
/* Accepts an empty or zeroed list. */
void lt_kafka_properties_free(lt_kafka_properties *props);

/* A new configuration: bootstrap.servers, then `fixed` (the caller's own
 * settings, in order), then `user` (applied last), and librdkafka's own log
 * lines through livetap's logger (every client's, so that none prints its
 * raw "%3|…" lines to stderr). NULL with the reason in err; the caller owns
 * the result (rd_kafka_new takes it). */
rd_kafka_conf_t *lt_kafka_conf_build(const char *bootstrap_servers, const lt_kafka_property *fixed,
                                     size_t fixed_count, const lt_kafka_property *user, size_t user_count,
                                     char *err, size_t errlen);

/* Applies properties to an existing configuration, in order, skipping those
 * with a NULL value. -1 with `Kafka property "<name>": <librdkafka's reason>`
 * in err at the first one refused (the ones before it stay applied). */
int lt_kafka_conf_apply(rd_kafka_conf_t *conf, const lt_kafka_property *props, size_t count, char *err,
                        size_t errlen);

#endif
