/* producer.c - librdkafka producer with delivery-report accounting.
 *
 * Settings livetap insists on, applied before the user's pass-through
 * properties so that a deliberate override is possible but never accidental:
 *   enable.idempotence=true   no duplicates or reordering from retries
 *   acks=all                  a record is delivered when the ISR has it
 *   partitioner=murmur2_random  the Java client's partitioner: a room's key
 *                             lands in the same partition whoever produces
 *   linger.ms=5               batching without noticeable latency
 *
 * Counting: `queued` rises when librdkafka accepts a record; `delivered` and
 * `failed` rise only in the delivery report callback, which librdkafka calls
 * from lt_kafka_producer_poll()/flush() on the caller's thread. A record is
 * never counted as written because it was enqueued (Fluent Bit's mistake).
 * A full local queue comes back as LT_KAFKA_QUEUE_FULL: the caller decides
 * (poll and retry, pause a room, stop acking upstream); nothing is dropped.
 */
#include "kafka/producer.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "core/log.h"

struct lt_kafka_producer {
    rd_kafka_t *rk;
    lt_kafka_delivery_cb on_delivery;
    void *cb_ctx;
    lt_kafka_stats stats;
    int64_t last_error_log_ms;
    int64_t trouble_since_ms; /* first broker error since the last delivery; 0 = none */
};

static void on_delivery_report(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
    lt_kafka_producer *p = opaque;
    const char *error = NULL;
    if (msg->err) {
        error = rd_kafka_err2str(msg->err);
        p->stats.failed++;
        lt_log_every(&p->last_error_log_ms, 10000, LT_LOG_WARN,
                     "kafka: record to %s not delivered: %s (%llu failed so far)",
                     rd_kafka_topic_name(msg->rkt), error, (unsigned long long)p->stats.failed);
    } else {
        p->stats.delivered++;
        if (p->trouble_since_ms) {
            /* the counterpart of the rate-limited error lines: an operator
             * reading the log sees when Kafka took records again */
            lt_info("kafka: records delivered again, %.1f s after the first broker error",
                    (double)(lt_now_ms() - p->trouble_since_ms) / 1000.0);
            p->trouble_since_ms = 0;
        }
    }
    if (p->on_delivery)
        p->on_delivery(p->cb_ctx, msg->_private, error);
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    lt_kafka_producer *p = opaque;
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char why[512];
        rd_kafka_fatal_error(rk, why, sizeof why);
        lt_error("kafka: fatal error: %s", why);
        return;
    }
    if (!p->trouble_since_ms)
        p->trouble_since_ms = lt_now_ms();
    /* transport errors repeat every reconnect attempt while a broker is down */
    lt_log_every(&p->last_error_log_ms, 10000, LT_LOG_WARN, "kafka: %s", reason);
}

/* librdkafka's own log lines, through livetap's logger (levels are syslog's). */
static void on_log(const rd_kafka_t *rk, int level, const char *facility, const char *message)
{
    lt_log_level lvl = level <= 3 ? LT_LOG_ERROR : level <= 4 ? LT_LOG_WARN : level <= 6 ? LT_LOG_INFO : LT_LOG_DEBUG;
    lt_log(lvl, "kafka: %s: %s", facility, message);
}

static int set(rd_kafka_conf_t *conf, const char *name, const char *value, char *err, size_t errlen)
{
    char why[512];
    if (rd_kafka_conf_set(conf, name, value, why, sizeof why) != RD_KAFKA_CONF_OK) {
        snprintf(err, errlen, "kafka property %s=%s: %s", name, value, why);
        return -1;
    }
    return 0;
}

lt_kafka_producer *lt_kafka_producer_create(const lt_kafka_options *opts, char *err, size_t errlen)
{
    if (!opts->bootstrap_servers || !*opts->bootstrap_servers) {
        snprintf(err, errlen, "no Kafka bootstrap servers given");
        return NULL;
    }
    lt_kafka_producer *p = calloc(1, sizeof *p);
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (!p || !conf) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    p->on_delivery = opts->on_delivery;
    p->cb_ctx = opts->cb_ctx;
    if (set(conf, "bootstrap.servers", opts->bootstrap_servers, err, errlen) ||
        set(conf, "client.id", opts->client_id ? opts->client_id : "livetap", err, errlen) ||
        set(conf, "enable.idempotence", "true", err, errlen) ||
        set(conf, "acks", "all", err, errlen) ||
        set(conf, "partitioner", "murmur2_random", err, errlen) ||
        set(conf, "linger.ms", "5", err, errlen) ||
        set(conf, "compression.codec", "lz4", err, errlen))
        goto fail;
    for (size_t i = 0; i < opts->property_count; i++)
        if (set(conf, opts->properties[i].name, opts->properties[i].value, err, errlen))
            goto fail;
    rd_kafka_conf_set_opaque(conf, p);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery_report);
    rd_kafka_conf_set_error_cb(conf, on_error);
    rd_kafka_conf_set_log_cb(conf, on_log);
    char why[512];
    p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof why);
    if (!p->rk) {
        snprintf(err, errlen, "cannot create the Kafka producer: %s", why);
        goto fail;
    }
    return p; /* conf now belongs to rk */
fail:
    if (conf)
        rd_kafka_conf_destroy(conf);
    free(p);
    return NULL;
}

void lt_kafka_producer_destroy(lt_kafka_producer *p)
{
    if (!p)
        return;
    if (p->rk)
        rd_kafka_destroy(p->rk);
    free(p);
}

int lt_kafka_producer_check(lt_kafka_producer *p, int timeout_ms, char *err, size_t errlen)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t rc = rd_kafka_metadata(p->rk, 0, NULL, &md, timeout_ms);
    if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
        snprintf(err, errlen, "no Kafka broker answered within %d ms (%s)", timeout_ms, rd_kafka_err2str(rc));
        return -1;
    }
    int brokers = md->broker_cnt;
    rd_kafka_metadata_destroy(md);
    if (brokers == 0) {
        snprintf(err, errlen, "the Kafka cluster reported no brokers");
        return -1;
    }
    return 0;
}

lt_kafka_status lt_kafka_producer_send(lt_kafka_producer *p, const char *topic, const void *key,
                                       size_t key_len, const void *value, size_t value_len,
                                       const lt_kafka_header *headers, size_t header_count,
                                       void *opaque, char *err, size_t errlen)
{
    rd_kafka_headers_t *hdrs = rd_kafka_headers_new(header_count);
    for (size_t i = 0; i < header_count; i++)
        rd_kafka_header_add(hdrs, headers[i].name, -1, headers[i].value, (ssize_t)headers[i].len);
    rd_kafka_resp_err_t rc = rd_kafka_producev(
        p->rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY((void *)key, key_len),
        RD_KAFKA_V_VALUE((void *)value, value_len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
    if (rc == RD_KAFKA_RESP_ERR_NO_ERROR) {
        p->stats.queued++; /* the headers now belong to the message */
        return LT_KAFKA_OK;
    }
    rd_kafka_headers_destroy(hdrs);
    if (rc == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        p->stats.queue_full++;
        snprintf(err, errlen, "the local Kafka queue is full");
        return LT_KAFKA_QUEUE_FULL;
    }
    snprintf(err, errlen, "cannot produce to %s: %s", topic, rd_kafka_err2str(rc));
    return LT_KAFKA_ERROR;
}

int lt_kafka_producer_poll(lt_kafka_producer *p, int timeout_ms)
{
    return rd_kafka_poll(p->rk, timeout_ms);
}

size_t lt_kafka_producer_flush(lt_kafka_producer *p, int timeout_ms)
{
    rd_kafka_flush(p->rk, timeout_ms);
    rd_kafka_poll(p->rk, 0);
    return (size_t)rd_kafka_outq_len(p->rk);
}

void lt_kafka_producer_stats(const lt_kafka_producer *p, lt_kafka_stats *out)
{
    *out = p->stats;
    out->in_flight = p->stats.queued - p->stats.delivered - p->stats.failed;
}

int lt_kafka_producer_ensure_compacted(lt_kafka_producer *p, const char *topic, int timeout_ms, char *err,
                                       size_t errlen)
{
    char why[512];
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, -1, -1, why, sizeof why);
    if (!nt) {
        snprintf(err, errlen, "topic %s: %s", topic, why);
        return -1;
    }
    rd_kafka_NewTopic_set_config(nt, "cleanup.policy", "compact");
    rd_kafka_queue_t *q = rd_kafka_queue_new(p->rk);
    rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(p->rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_request_timeout(opts, timeout_ms, why, sizeof why);
    rd_kafka_CreateTopics(p->rk, &nt, 1, opts, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, timeout_ms + 1000);
    int rc = -1;
    if (!ev) {
        snprintf(err, errlen, "topic %s: no answer to CreateTopics within %d ms", topic, timeout_ms);
    } else if (rd_kafka_event_error(ev)) {
        snprintf(err, errlen, "topic %s: %s", topic, rd_kafka_event_error_string(ev));
    } else {
        size_t n = 0;
        const rd_kafka_topic_result_t **res = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
        rd_kafka_resp_err_t e = n ? rd_kafka_topic_result_error(res[0]) : RD_KAFKA_RESP_ERR_NO_ERROR;
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR || e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
            rc = 0;
        else
            snprintf(err, errlen, "topic %s: %s", topic, rd_kafka_topic_result_error_string(res[0]));
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy(nt);
    return rc;
}
