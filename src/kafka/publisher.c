/* publisher.c - the one path from an lt_event to an acknowledged record.
 *
 * Start-up does everything that can fail for reasons a person must fix, in
 * the order that gives the clearest message: load and parse the schemas, bind
 * the encoder to them, register every topic's subject with the registry (or
 * choose single-object encoding when none is configured), create the producer
 * and ask the cluster for metadata within the start-up timeout. Any failure
 * returns NULL with the reason; the caller exits non-zero. After that,
 * publishing is encode into a reused buffer + one librdkafka produce (which
 * copies), so there is no per-record allocation of ours on the hot path.
 */
#include "kafka/publisher.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro/encoder.h"
#include "avro/registry.h"
#include "avro/schemas.h"
#include "core/buf.h"
#include "core/log.h"

struct lt_publisher {
    lt_schema_set *schemas;
    lt_avro_encoder *encoder;
    lt_kafka_producer *producer;
    lt_topic_names topics;
    size_t type_name_len[LT_EVENT_TYPE_COUNT]; /* the event_type header of each type */
    size_t platform_len[2];                    /* the platform header: [1] BIGO, [0] any other */
    char *collector_id;
    size_t collector_id_len;
    bool registry;
    lt_buf value;
    int64_t repaired_logged_ms;
    uint64_t repaired_seen;
};

static int register_all(lt_publisher *pub, const lt_publisher_options *opts, char *err, size_t errlen)
{
    lt_registry_options ro = {opts->registry_url, opts->registry_username, opts->registry_password, 0};
    lt_registry *reg = lt_registry_create(&ro, err, errlen);
    if (!reg)
        return -1;
    int rc = 0;
    for (int t = 0; t < LT_EVENT_TYPE_COUNT && rc == 0; t++) {
        char subject[512];
        snprintf(subject, sizeof subject, "%s-value", pub->topics.of[t]);
        int32_t id = 0;
        if (lt_registry_register(reg, subject, lt_schema_set_json(pub->schemas, (lt_event_type)t), &id, err,
                                 errlen) != LT_REGISTRY_OK) {
            rc = -1;
            break;
        }
        lt_avro_encoder_set_schema_id(pub->encoder, (lt_event_type)t, id);
        lt_debug("registry: %s has schema id %d", subject, (int)id);
    }
    lt_registry_destroy(reg);
    return rc;
}

lt_publisher *lt_publisher_create(const lt_publisher_options *opts, char *err, size_t errlen)
{
    if (!opts->collector_id || !*opts->collector_id) {
        snprintf(err, errlen, "a collector id is required (it is written on every record)");
        return NULL;
    }
    lt_publisher *pub = calloc(1, sizeof *pub);
    if (!pub) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    char why[1024];
    if (lt_topic_names_init(&pub->topics, opts->topic_prefix, opts->topic_overrides,
                            opts->topic_override_count, why, sizeof why)) {
        snprintf(err, errlen, "kafka.topics: %s", why);
        free(pub);
        return NULL;
    }
    pub->schemas = lt_schema_set_load(opts->schema_dir, why, sizeof why);
    if (!pub->schemas) {
        snprintf(err, errlen, "loading schemas: %s", why);
        goto fail;
    }
    pub->encoder = lt_avro_encoder_create(pub->schemas, why, sizeof why);
    if (!pub->encoder) {
        snprintf(err, errlen, "event structs and schemas disagree: %s", why);
        goto fail;
    }
    pub->collector_id = strdup(opts->collector_id);
    if (!pub->collector_id)
        goto oom;
    pub->collector_id_len = strlen(pub->collector_id);
    for (int t = 0; t < LT_EVENT_TYPE_COUNT; t++)
        pub->type_name_len[t] = strlen(lt_event_type_info_get((lt_event_type)t)->name);
    pub->platform_len[0] = strlen(lt_platform_name(LT_PLATFORM_TIKTOK));
    pub->platform_len[1] = strlen(lt_platform_name(LT_PLATFORM_BIGO));

    if (opts->registry_url && *opts->registry_url) {
        if (register_all(pub, opts, err, errlen))
            goto fail;
        pub->registry = true;
        char shown[1024];
        lt_info("registry: %d subjects registered at %s%s", LT_EVENT_TYPE_COUNT,
                lt_log_url(opts->registry_url, shown, sizeof shown),
                opts->registry_username && *opts->registry_username ? " (basic auth)" : "");
    } else {
        lt_info("no schema registry configured: records use Avro single-object encoding "
                "(C3 01 + CRC-64-AVRO fingerprint); schemas/*.avsc are the contract");
    }

    pub->producer = lt_kafka_producer_create(&opts->kafka, err, errlen);
    if (!pub->producer)
        goto fail;
    if (lt_kafka_producer_set_probe_topic(pub->producer, pub->topics.of[LT_EVENT_ROOM_STATUS]))
        goto oom;
    int timeout = opts->startup_timeout_ms > 0 ? opts->startup_timeout_ms : 10000;
    if (lt_kafka_producer_check(pub->producer, timeout, why, sizeof why)) {
        if (!opts->broker_optional) {
            snprintf(err, errlen, "Kafka at %s: %s. Check the bootstrap address and that the broker runs.",
                     opts->kafka.bootstrap_servers, why);
            goto fail;
        }
        /* records wait in librdkafka's queue; compacted topics are not ensured */
        lt_warn("Kafka at %s: %s; starting anyway (not ready until a broker answers)",
                opts->kafka.bootstrap_servers, why);
        return pub;
    }
    /* entity topics (the gift catalogue) are compacted: latest value per key */
    for (int t = 0; t < LT_EVENT_TYPE_COUNT; t++) {
        if (!lt_event_type_info_get((lt_event_type)t)->compacted)
            continue;
        if (lt_kafka_producer_ensure_compacted(pub->producer, pub->topics.of[t], timeout, why, sizeof why))
            lt_warn("could not create the compacted topic (create it with cleanup.policy=compact): %s", why);
    }
    return pub;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    lt_publisher_destroy(pub);
    return NULL;
}

void lt_publisher_destroy(lt_publisher *pub)
{
    if (!pub)
        return;
    lt_kafka_producer_destroy(pub->producer);
    lt_avro_encoder_destroy(pub->encoder);
    lt_schema_set_destroy(pub->schemas);
    lt_topic_names_free(&pub->topics);
    free(pub->collector_id);
    lt_buf_free(&pub->value);
    free(pub);
}

lt_publish_status lt_publisher_publish(lt_publisher *pub, const lt_event *event, void *opaque, char *err,
                                       size_t errlen)
{
    return lt_publisher_publish_keyed(pub, event, NULL, opaque, err, errlen);
}

lt_publish_status lt_publisher_publish_keyed(lt_publisher *pub, const lt_event *event, const char *key,
                                             void *opaque, char *err, size_t errlen)
{
    return lt_publisher_publish_headers(pub, event, key, NULL, 0, opaque, err, errlen);
}

static void fill_defaults(const lt_publisher *pub, lt_event *ev)
{
    if (!ev->collector_id)
        ev->collector_id = pub->collector_id;
    if (!ev->ingest_time)
        ev->ingest_time = lt_now_ms();
    if (!ev->room_id)
        ev->room_id = "";
}

/* The event with the publisher's defaults: `ev` itself when none is missing
 * (the usual case: the collectors fill the envelope), else a copy in *spare
 * with the defaults filled in. The event is 688 bytes; the hot path copies
 * none of it (issue 21). */
static const lt_event *with_defaults(const lt_publisher *pub, const lt_event *ev, lt_event *spare)
{
    if (ev->collector_id && ev->ingest_time && ev->room_id)
        return ev;
    *spare = *ev; /* shallow: the caller's event stays as it was */
    fill_defaults(pub, spare);
    return spare;
}

/* "%lld" of v into buf (at least 21 bytes), without snprintf's format
 * parsing, the largest cost of the headers; two digits a division. Returns
 * the length. */
static int format_int64(char *buf, int64_t v)
{
    static const char pairs[201] =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
        "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
        "8081828384858687888990919293949596979899";
    char digits[20];
    uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    int n = 20; /* digits[n, 20) holds what is written so far */
    while (m >= 100) {
        const char *two = &pairs[(m % 100) * 2];
        m /= 100;
        digits[--n] = two[1];
        digits[--n] = two[0];
    }
    if (m >= 10) {
        digits[--n] = pairs[m * 2 + 1];
        digits[--n] = pairs[m * 2];
    } else {
        digits[--n] = (char)('0' + m);
    }
    int len = 0;
    if (v < 0)
        buf[len++] = '-';
    memcpy(buf + len, digits + n, (size_t)(20 - n));
    len += 20 - n;
    buf[len] = '\0';
    return len;
}

/* Sends an encoded value with the standard headers (from ev, its defaults
 * filled: with_defaults) and key. */
static lt_publish_status send_value(lt_publisher *pub, const lt_event *ev, const char *key, const void *value,
                                    size_t len, const lt_kafka_header *extra, size_t extra_count,
                                    void *opaque, char *err, size_t errlen)
{
    const char *type_name = lt_event_type_info_get(ev->type)->name;
    if (lt_avro_encoder_repaired_strings(pub->encoder) != pub->repaired_seen) {
        pub->repaired_seen = lt_avro_encoder_repaired_strings(pub->encoder);
        lt_log_every(
            &pub->repaired_logged_ms, 60000, LT_LOG_WARN,
            "a %s event of room %.64s had a string that is not UTF-8: published with U+FFFD in place of "
            "the bad bytes (%llu strings so far)",
            type_name, ev->room_id, (unsigned long long)pub->repaired_seen);
    }
    const char *platform = lt_platform_name(ev->platform);
    char msg_id[24];
    int msg_id_len = format_int64(msg_id, ev->msg_id);
    /* the lengths known beforehand are not measured again per record */
    lt_kafka_header headers[5 + LT_PUBLISHER_MAX_EXTRA_HEADERS]; /* filled as far as header_count */
    headers[0] = (lt_kafka_header){"event_type", type_name, pub->type_name_len[ev->type]};
    headers[1] = (lt_kafka_header){"platform", platform, pub->platform_len[ev->platform == LT_PLATFORM_BIGO]};
    headers[2] = (lt_kafka_header){"msg_id", msg_id, (size_t)msg_id_len};
    headers[3] = (lt_kafka_header){"collector_id", ev->collector_id,
                                   ev->collector_id == pub->collector_id ? pub->collector_id_len
                                                                         : strlen(ev->collector_id)};
    size_t header_count = 4;
    /* lets a consumer follow one BIGO game session without decoding */
    if (ev->game_sess && *ev->game_sess && lt_event_type_game(ev->type))
        headers[header_count++] = (lt_kafka_header){"game_sess", ev->game_sess, strlen(ev->game_sess)};
    for (size_t i = 0; i < extra_count; i++) /* the caller's, after ours */
        headers[header_count++] = extra[i];
    char entity[LT_EVENT_KEY_MAX];
    if (!key)
        key = lt_event_key(ev, entity, sizeof entity);
    lt_kafka_status rc = lt_kafka_producer_send(pub->producer, pub->topics.of[ev->type], key, strlen(key),
                                                value, len, headers, header_count, opaque, err, errlen);
    if (rc == LT_KAFKA_OK)
        return LT_PUBLISH_OK;
    return rc == LT_KAFKA_QUEUE_FULL ? LT_PUBLISH_BACKPRESSURE : LT_PUBLISH_ERROR;
}

static int check_type(const lt_event *ev, char *err, size_t errlen)
{
    if ((int)ev->type < 0 || ev->type >= LT_EVENT_TYPE_COUNT) {
        snprintf(err, errlen, "event type %d out of range", (int)ev->type);
        return -1;
    }
    return 0;
}

lt_publish_status lt_publisher_publish_headers(lt_publisher *pub, const lt_event *event, const char *key,
                                               const lt_kafka_header *extra, size_t extra_count, void *opaque,
                                               char *err, size_t errlen)
{
    if (extra_count > LT_PUBLISHER_MAX_EXTRA_HEADERS) {
        snprintf(err, errlen, "%zu extra headers (at most %d)", extra_count, LT_PUBLISHER_MAX_EXTRA_HEADERS);
        return LT_PUBLISH_ERROR;
    }
    if (check_type(event, err, errlen))
        return LT_PUBLISH_ERROR;
    lt_event spare;
    const lt_event *ev = with_defaults(pub, event, &spare);
    lt_buf_reset(&pub->value);
    if (lt_avro_encode(pub->encoder, ev, &pub->value)) {
        snprintf(err, errlen, "out of memory encoding a %s event", lt_event_type_info_get(ev->type)->name);
        return LT_PUBLISH_ERROR;
    }
    return send_value(pub, ev, key, pub->value.data, pub->value.len, extra, extra_count, opaque, err, errlen);
}

int lt_publisher_encode(lt_publisher *pub, const lt_event *event, lt_buf *out, char *err, size_t errlen)
{
    if (check_type(event, err, errlen))
        return -1;
    lt_event spare;
    const lt_event *ev = with_defaults(pub, event, &spare);
    if (lt_avro_encode(pub->encoder, ev, out)) {
        snprintf(err, errlen, "out of memory encoding a %s event", lt_event_type_info_get(ev->type)->name);
        return -1;
    }
    return 0;
}

lt_publish_status lt_publisher_publish_encoded(lt_publisher *pub, const lt_event *envelope, const char *key,
                                               const lt_kafka_header *extra, size_t extra_count,
                                               const void *value, size_t len, void *opaque, char *err,
                                               size_t errlen)
{
    if (extra_count > LT_PUBLISHER_MAX_EXTRA_HEADERS) {
        snprintf(err, errlen, "%zu extra headers (at most %d)", extra_count, LT_PUBLISHER_MAX_EXTRA_HEADERS);
        return LT_PUBLISH_ERROR;
    }
    if (check_type(envelope, err, errlen))
        return LT_PUBLISH_ERROR;
    lt_event spare;
    return send_value(pub, with_defaults(pub, envelope, &spare), key, value, len, extra, extra_count, opaque,
                      err, errlen);
}

const char *lt_publisher_topic(const lt_publisher *pub, lt_event_type type)
{
    return (int)type >= 0 && type < LT_EVENT_TYPE_COUNT ? pub->topics.of[type] : NULL;
}

lt_kafka_producer *lt_publisher_producer(lt_publisher *pub)
{
    return pub->producer;
}

uint64_t lt_publisher_repaired_strings(const lt_publisher *pub)
{
    return lt_avro_encoder_repaired_strings(pub->encoder);
}

bool lt_publisher_uses_registry(const lt_publisher *pub)
{
    return pub->registry;
}

int lt_publisher_poll(lt_publisher *pub, int timeout_ms)
{
    return lt_kafka_producer_poll(pub->producer, timeout_ms);
}

size_t lt_publisher_flush(lt_publisher *pub, int timeout_ms)
{
    return lt_kafka_producer_flush(pub->producer, timeout_ms);
}
