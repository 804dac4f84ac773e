/* conf.c - librdkafka configurations and "name=value" properties (conf.h). */
#include "kafka/conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

void lt_kafka_properties_free(lt_kafka_properties *props)
{
    if (!props)
        return;
    /* each item is one allocation: name, NUL, value */
    for (size_t i = 0; i < props->count; i++)
        free((char *)props->items[i].name);
    free(props->items);
    props->items = NULL;
    props->count = 0;
}

int lt_kafka_properties_split(const char *const *texts, size_t count, lt_kafka_properties *out, char *err,
                              size_t errlen)
{
    out->items = NULL;
    out->count = 0;
    if (!count)
        return 0;
    if (!(out->items = calloc(count, sizeof *out->items))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        const char *text = texts[i] ? texts[i] : "";
        const char *eq = strchr(text, '=');
        if (!eq || eq == text) {
            snprintf(err, errlen, "Kafka property \"%s\": expected name=value%s", text,
                     eq ? " (the name is empty)" : " (no '=')");
            lt_kafka_properties_free(out);
            return -1;
        }
        char *copy = strdup(text);
        if (!copy) {
            snprintf(err, errlen, "out of memory");
            lt_kafka_properties_free(out);
            return -1;
        }
        copy[eq - text] = '\0';
        out->items[i] = (lt_kafka_property){copy, copy + (eq - text) + 1};
        out->count++;
    }
    return 0;
}

int lt_kafka_conf_apply(rd_kafka_conf_t *conf, const lt_kafka_property *props, size_t count, char *err,
                        size_t errlen)
{
    for (size_t i = 0; i < count; i++) {
        if (!props[i].value)
            continue;
        char why[512];
        if (rd_kafka_conf_set(conf, props[i].name, props[i].value, why, sizeof why) != RD_KAFKA_CONF_OK) {
            snprintf(err, errlen, "Kafka property \"%s\": %s", props[i].name, why);
            return -1;
        }
    }
    return 0;
}

/* librdkafka's own log lines, through livetap's logger (levels are syslog's). */
static void on_log(const rd_kafka_t *rk, int level, const char *facility, const char *message)
{
    (void)rk;
    lt_log_level lvl = level <= 3   ? LT_LOG_ERROR
                       : level <= 4 ? LT_LOG_WARN
                       : level <= 6 ? LT_LOG_INFO
                                    : LT_LOG_DEBUG;
    lt_log(lvl, "kafka: %s: %s", facility, message);
}

rd_kafka_conf_t *lt_kafka_conf_build(const char *bootstrap_servers, const lt_kafka_property *fixed,
                                     size_t fixed_count, const lt_kafka_property *user, size_t user_count,
                                     char *err, size_t errlen)
{
    if (!bootstrap_servers || !*bootstrap_servers) {
        snprintf(err, errlen, "no Kafka bootstrap servers given");
        return NULL;
    }
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (!conf) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    rd_kafka_conf_set_log_cb(conf, on_log);
    lt_kafka_property bootstrap = {"bootstrap.servers", bootstrap_servers};
    if (lt_kafka_conf_apply(conf, &bootstrap, 1, err, errlen) ||
        lt_kafka_conf_apply(conf, fixed, fixed_count, err, errlen) ||
        lt_kafka_conf_apply(conf, user, user_count, err, errlen)) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    return conf;
}
