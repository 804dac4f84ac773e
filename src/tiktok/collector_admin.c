/* collector_admin.c - the collector as the admin API sees it: rooms as
 * JSON, /metrics, /readyz, and `lookup`.
 *
 * Counting costs nothing on the hot path beyond what collector.c already
 * does (plain integers in its stats): the Prometheus families are filled
 * from those integers at scrape time. The one exception is the latency
 * histogram, observed in the delivery report, whose opaque carries the
 * record's type and receive time (collector_internal.h) so that no
 * allocation is made per record; the gate (kafka/gate.h) keeps those
 * counts and the histogram's buckets, copied in here. "Published" means acknowledged by Kafka
 * (docs/operations.md: metrics count delivery reports, not enqueues); what was
 * merely enqueued shows as livetap_collector_kafka_queued_total.
 */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/metrics.h"
#include "tiktok/collector_internal.h"

#define P "livetap_collector_"

static const char *const room_states[] = {"resolving", "connecting", "live",  "reconnecting", "rate_limited",
                                          "offline",   "ended",      "error", "handing_over"};
#define STATE_COUNT (sizeof room_states / sizeof room_states[0])

/* Counters copied from the collector's or the producer's stats at scrape time. */
typedef enum source { FROM_COLLECTOR, FROM_KAFKA } source;
typedef struct copied {
    const char *name, *help;
    lt_metric_type type;
    source from;
    size_t offset; /* of a uint64_t (or size_t for gauges) in the stats struct */
} copied;

#define C(field, name, help)                                                                                 \
    {                                                                                                        \
        P name, help, LT_METRIC_COUNTER, FROM_COLLECTOR, offsetof(lt_tiktok_collector_stats, field)          \
    }
#define K(field, name, type, help)                                                                           \
    {                                                                                                        \
        P name, help, type, FROM_KAFKA, offsetof(lt_kafka_stats, field)                                      \
    }
static const copied copied_metrics[] = {
    C(frames_received, "frames_received_total", "push frames received, before parsing"),
    C(bytes_received, "bytes_received_total", "bytes of those frames"),
    C(bad_frames, "bad_frames_total",
      "frames that could not be decoded (their bytes go to the unknown topic)"),
    C(duplicates_dropped, "duplicates_dropped_total",
      "events dropped by msg_id dedupe (replays after reconnects)"),
    C(events_given_up, "events_given_up_total",
      "events given up after kafka backpressure outlasted backpressure_wait_ms"),
    C(publish_errors, "publish_errors_total",
      "events the producer refused with an error (a record too large, ...)"),
    C(unknown_truncated, "unknown_truncated_total",
      "unknown payloads cut to behaviour.unknown_payload_max_bytes (payload_truncated in the record)"),
    C(rooms_throttled, "rooms_throttled_total",
      "times a room stopped being read for going over room_events_per_s or room_unknown_bytes_per_s"),
    C(backpressure_pauses, "backpressure_pauses_total",
      "times every room stopped reading because Kafka's queue was full"),
    {P "backpressure_kept",
     "events refused for a full Kafka queue and kept, to be sent in order once it has room", LT_METRIC_GAUGE,
     FROM_COLLECTOR, offsetof(lt_tiktok_collector_stats, events_kept)},
    {P "backpressure_kept_bytes",
     "memory those kept events hold (bounded: past 16 MiB or 20,000 they are given up)", LT_METRIC_GAUGE,
     FROM_COLLECTOR, offsetof(lt_tiktok_collector_stats, events_kept_bytes)},
    C(events_kept_total, "backpressure_kept_total", "events ever kept so"),
    C(reconnects, "reconnects_total", "push connections that ended and were retried"),
    C(sign_calls, "sign_calls_total", "calls to the sign server"),
    C(sign_rate_limited, "sign_rate_limited_total", "sign calls answered 429"),
    C(status_events, "status_events_total", "room_status events"),
    C(info.profile_pages, "host_profile_pages_total", "host profile pages read for room_info.host_stats"),
    C(info.profile_failures, "host_profile_failures_total",
      "host profile pages unreadable, malformed or naming no user (room_info published without host_stats)"),
    C(info.price_lists, "price_lists_total", "coin price lists read and published to <prefix>.price_list"),
    C(info.price_list_failures, "price_list_failures_total",
      "coin price list answers unreadable or malformed"),
    C(info.price_list_blocked, "price_list_blocked_total",
      "coin price list requests refused (HTTP 429/403, captcha); backed off from 60 s, doubling to 1 h"),
    C(info.profile_blocked, "host_profile_blocked_total",
      "host profile pages refused (HTTP 429/403, captcha); the room backs off from 30 s to 30 min"),
    C(discovery_pages, "discovery_pages_total", "pages of the recommended-live feed read (discovery)"),
    C(discovery_page_failures, "discovery_page_failures_total",
      "feed requests that failed: 429, captcha, not the feed's JSON, no answer (discovery backs off)"),
    C(discovery_rooms_found, "discovery_rooms_found_total", "live rooms the feed listed for the first time"),
    {P "discovery_rooms_known", "rooms discovery remembers (published to discovered_room)", LT_METRIC_GAUGE,
     FROM_COLLECTOR, offsetof(lt_tiktok_collector_stats, discovery_rooms_known)},
    {P "discovery_rooms_tracked",
     "rooms discovery's auto_track added and still collects (group mode: in the control topic, fleet-wide)",
     LT_METRIC_GAUGE, FROM_COLLECTOR, offsetof(lt_tiktok_collector_stats, discovery_rooms_tracked)},
    C(discovery_rooms_released, "discovery_rooms_released_total",
      "rooms auto_track released after they ended (group mode: tombstones this collector wrote)"),
    K(queued, "kafka_queued_total", LT_METRIC_COUNTER, "records accepted into librdkafka's queue"),
    K(delivered, "kafka_delivered_total", LT_METRIC_COUNTER, "records acknowledged by the broker"),
    K(failed, "kafka_failed_total", LT_METRIC_COUNTER, "records given up with a delivery error"),
    K(queue_full, "kafka_queue_full_total", LT_METRIC_COUNTER,
      "sends refused because the local queue was full"),
    K(in_flight, "kafka_in_flight", LT_METRIC_GAUGE, "records queued and not yet acknowledged or failed"),
    K(waiting_for_topic, "kafka_waiting_for_topic", LT_METRIC_GAUGE,
      "records kept because librdkafka did not know their topic; sent again once it exists"),
    K(parked_total, "kafka_kept_for_topic_total", LT_METRIC_COUNTER,
      "records ever kept so (a topic first used while the broker was unreachable)"),
};
#define COPIED_COUNT (sizeof copied_metrics / sizeof copied_metrics[0])

struct collector_metrics {
    lt_metrics *reg;
    lt_series *copied[COPIED_COUNT];
    lt_metric *published, *unknown, *rooms, *dropped;
    lt_series *ack_latency, *kafka_up, *backpressure, *repaired;
};

/* --- metrics --- */

int lt_tiktok_collector_metrics_init(lt_tiktok_collector *c)
{
    struct collector_metrics *m = calloc(1, sizeof *m);
    if (!m || !(m->reg = lt_metrics_create()))
        goto fail;
    c->metrics = m;
    for (size_t i = 0; i < COPIED_COUNT; i++) {
        const copied *d = &copied_metrics[i];
        lt_metric *f = lt_metrics_add(m->reg, d->name, d->help, d->type, NULL, NULL, 0);
        if (!f || !(m->copied[i] = lt_metric_plain(f)))
            return -1;
    }
    lt_metric *lat =
        lt_metrics_add(m->reg, P "kafka_ack_latency_ms",
                       "from receiving a message (or a status change) to Kafka's acknowledgement",
                       LT_METRIC_HISTOGRAM, NULL, lt_gate_latency_bounds_ms, LT_GATE_LATENCY_BOUNDS);
    lt_metric *up = lt_metrics_add(m->reg, P "kafka_reachable", "1 if a Kafka broker answers (see /readyz)",
                                   LT_METRIC_GAUGE, NULL, NULL, 0);
    lt_metric *bp =
        lt_metrics_add(m->reg, P "backpressure", "1 while rooms are paused for a full Kafka queue",
                       LT_METRIC_GAUGE, NULL, NULL, 0);
    m->published = lt_metrics_add(m->reg, P "events_published_total", "events acknowledged by Kafka, by type",
                                  LT_METRIC_COUNTER, "type", NULL, 0);
    m->unknown = lt_metrics_add(m->reg, P "unknown_messages_total",
                                "messages no decoder knows, published to the unknown topic",
                                LT_METRIC_COUNTER, NULL, NULL, 0);
    m->dropped =
        lt_metrics_add(m->reg, P "input_dropped_total",
                       "push input dropped by the frame limits, by reason (frame_messages, empty_message, "
                       "frame_too_large)",
                       LT_METRIC_COUNTER, "reason", NULL, 0);
    m->rooms = lt_metrics_add(m->reg, P "rooms", "rooms by state (room_status names)", LT_METRIC_GAUGE,
                              "state", NULL, 0);
    lt_metric *utf8 = lt_metrics_add(m->reg, P "invalid_utf8_strings_total",
                                     "strings published with ill-formed UTF-8 replaced by U+FFFD",
                                     LT_METRIC_COUNTER, NULL, NULL, 0);
    if (!lat || !up || !bp || !utf8 || !m->published || !m->unknown || !m->rooms || !m->dropped ||
        !(m->ack_latency = lt_metric_plain(lat)) || !(m->kafka_up = lt_metric_plain(up)) ||
        !(m->backpressure = lt_metric_plain(bp)) || !(m->repaired = lt_metric_plain(utf8)))
        return -1;
    return 0;
fail:
    free(m);
    return -1;
}

void lt_tiktok_collector_metrics_free(lt_tiktok_collector *c)
{
    if (!c->metrics)
        return;
    lt_metrics_destroy(c->metrics->reg);
    free(c->metrics);
    c->metrics = NULL;
}

void lt_tiktok_collector_on_delivery(void *cb_ctx, void *opaque, const char *error)
{
    lt_tiktok_collector *c = cb_ctx;
    lt_tiktok_handover_in_flight(c, opaque, -1);
    /* kept for a full queue, then given up: counted as that, not as
     * published (every type but room_status is counted so) */
    if (error == lt_gate_kept_unsent && lt_gate_opaque_type(opaque) != LT_EVENT_ROOM_STATUS)
        c->stats.events_published--;
    /* the runtime took our tag off; the gate counts by it (failures are
     * counted by the producer too) */
    lt_gate_delivered(c->gate, (void *)((uintptr_t)opaque | c->opts.delivery_tag), error);
}

static double field(const void *stats, size_t offset)
{
    uint64_t v;
    memcpy(&v, (const char *)stats + offset, sizeof v);
    return (double)v;
}

int lt_tiktok_collector_write_metrics(lt_tiktok_collector *c, lt_buf *out)
{
    struct collector_metrics *m = c->metrics;
    lt_kafka_stats ks;
    memset(&ks, 0, sizeof ks);
    lt_kafka_producer *producer = c->opts.publisher ? lt_publisher_producer(c->opts.publisher) : NULL;
    if (producer)
        lt_kafka_producer_stats(producer, &ks);
    if (c->info)
        lt_tiktok_info_get_stats(c->info, &c->stats.info); /* kept by info.c, copied when asked */
    lt_tiktok_collector_gate_stats(c, &c->stats);          /* kept by the gate, likewise */
    lt_gate_stats gs;
    lt_tiktok_collector_source_stats(c, &gs);
    lt_series_set_histogram(m->ack_latency, gs.latency_buckets, LT_GATE_LATENCY_BOUNDS + 1, gs.latency_count,
                            gs.latency_sum_ms);
    for (size_t i = 0; i < COPIED_COUNT; i++)
        lt_series_set(m->copied[i], field(copied_metrics[i].from == FROM_KAFKA ? (const void *)&ks
                                                                               : (const void *)&c->stats,
                                          copied_metrics[i].offset));
    for (int t = 0; t < LT_EVENT_TYPE_COUNT; t++) {
        if (!c->stats.acked_by_type[t])
            continue; /* a series per type seen, not 32 zeros */
        const char *name = lt_event_type_info_get((lt_event_type)t)->name;
        lt_series *s = lt_metric_series(m->published, &name);
        if (!s)
            return -1;
        lt_series_set(s, (double)c->stats.acked_by_type[t]);
    }
    lt_series *unknown = lt_metric_plain(m->unknown);
    if (!unknown)
        return -1;
    lt_series_set(unknown, (double)c->stats.events_by_type[LT_EVENT_UNKNOWN]);
    for (int i = 0; i <= LT_TIKTOK_DROP_FRAME_TOO_LARGE; i++) {
        const char *reason = i == LT_TIKTOK_DROP_FRAME_TOO_LARGE
                                 ? "frame_too_large"
                                 : lt_tiktok_drop_reason_name((lt_tiktok_drop_reason)i);
        lt_series *s = lt_metric_series(m->dropped, &reason);
        if (!s)
            return -1;
        lt_series_set(s, (double)c->stats.input_dropped[i]);
    }
    size_t by_state[STATE_COUNT] = {0};
    for (size_t i = 0; i < c->room_count; i++)
        for (size_t k = 0; k < STATE_COUNT; k++)
            if (c->rooms[i]->state && strcmp(c->rooms[i]->state, room_states[k]) == 0)
                by_state[k]++;
    for (size_t k = 0; k < STATE_COUNT; k++) {
        lt_series *s = lt_metric_series(m->rooms, &room_states[k]);
        if (!s)
            return -1;
        lt_series_set(s, (double)by_state[k]);
    }
    if (producer) {
        lt_kafka_health h;
        lt_kafka_producer_health(producer, lt_now_ms(), &h);
        lt_series_set(m->kafka_up, h.reachable ? 1 : 0);
    }
    lt_series_set(m->backpressure, gs.backpressure ? 1 : 0);
    if (c->opts.publisher)
        lt_series_set(m->repaired, (double)lt_publisher_repaired_strings(c->opts.publisher));
    if (lt_metrics_render(m->reg, out))
        return -1;
    return lt_tiktok_handover_write_metrics(c, out);
}

/* --- rooms as JSON --- */

static json_t *string_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static json_t *room_json(const room *r)
{
    json_t *j = json_object();
    if (!j)
        return NULL;
    json_object_set_new(j, "input", json_string(r->input));
    json_object_set_new(j, "room", json_string(r->label));
    json_object_set_new(j, "room_id", string_or_null(r->room_id));
    json_object_set_new(j, "state", json_string(r->state ? r->state : "resolving"));
    json_object_set_new(j, "reason", string_or_null(r->reason));
    json_object_set_new(j, "message", string_or_null(r->message));
    json_object_set_new(j, "last_error", string_or_null(r->last_error));
    json_object_set_new(j, "last_error_at", r->last_error_ms ? json_integer(r->last_error_ms) : json_null());
    json_object_set_new(j, "since", json_integer(r->since_ms));
    json_object_set_new(j, "events", json_integer((json_int_t)r->events));
    json_object_set_new(j, "events_per_s", json_real(r->events_per_s));
    json_object_set_new(j, "reconnects", json_integer((json_int_t)r->reconnects));
    return j;
}

json_t *lt_tiktok_collector_rooms_json(lt_tiktok_collector *c)
{
    json_t *list = json_array();
    for (size_t i = 0; list && i < c->room_count; i++)
        if (json_array_append_new(list, room_json(c->rooms[i])) != 0) {
            json_decref(list);
            return NULL;
        }
    return list;
}

json_t *lt_tiktok_collector_room_json(lt_tiktok_collector *c, const char *input)
{
    lt_tiktok_room_ref ref;
    char err[256];
    if (lt_tiktok_room_parse(input, &ref, err, sizeof err) != 0)
        return NULL;
    return lt_tiktok_collector_room_ref_json(c, &ref);
}

json_t *lt_tiktok_collector_room_ref_json(lt_tiktok_collector *c, const lt_tiktok_room_ref *ref)
{
    room *r = lt_tiktok_collector_find(c, ref, NULL);
    return r ? room_json(r) : NULL;
}

/* --- readiness --- */

bool lt_tiktok_collector_ready(lt_tiktok_collector *c, json_t **detail)
{
    const char *kafka = "none", *registry = "none";
    char reason[320] = "";
    if (c->opts.publisher) {
        lt_kafka_health h;
        lt_kafka_producer_health(lt_publisher_producer(c->opts.publisher), lt_now_ms(), &h);
        kafka = h.reachable ? "ok" : "unreachable";
        if (!h.reachable)
            snprintf(reason, sizeof reason, "kafka: %s", h.reason);
        /* the publisher would not exist had registration failed */
        registry = lt_publisher_uses_registry(c->opts.publisher) ? "ok" : "none";
    }
    if (!c->started)
        snprintf(reason, sizeof reason, "starting");
    bool ready = !reason[0];
    *detail = json_pack("{s:b, s:b, s:s, s:s, s:I}", "ready", ready, "started", c->started, "kafka", kafka,
                        "registry", registry, "rooms", (json_int_t)c->room_count);
    if (*detail && !ready)
        json_object_set_new(*detail, "reason", json_string(reason));
    return ready;
}

/* --- lookup --- */

typedef struct lookup {
    struct lws_context *lws;
    bool done, timed_out;
    lt_tiktok_resolution res;
    lws_sorted_usec_list_t deadline;
} lookup;

static void on_lookup(void *ctx, const lt_tiktok_resolution *res)
{
    lookup *l = ctx;
    l->res = *res;
    l->done = true;
    /* we may be in a timer callback: the service call would then sleep until the next timer */
    lws_cancel_service(l->lws);
}

static void on_lookup_deadline(lws_sorted_usec_list_t *sul)
{
    lookup *l = lws_container_of(sul, lookup, deadline);
    l->timed_out = true;
    lws_cancel_service(l->lws);
}

int lt_tiktok_collector_lookup(lt_tiktok_collector *c, const char *input, int timeout_ms,
                               lt_tiktok_resolution *out, char *err, size_t errlen)
{
    lt_tiktok_room_ref ref;
    lookup l;
    memset(&l, 0, sizeof l);
    l.lws = c->lws;
    memset(out, 0, sizeof *out);
    if (lt_tiktok_room_parse(input, &ref, err, errlen) != 0)
        return -1;
    lt_tiktok_resolve_job *job =
        lt_tiktok_resolve(c->http, &c->resolver_opts, &ref, on_lookup, &l, err, errlen);
    if (!job)
        return -1;
    lws_sul_schedule(c->lws, 0, &l.deadline, on_lookup_deadline, (lws_usec_t)timeout_ms * LWS_US_PER_MS);
    while (!l.done && !l.timed_out && !c->stop)
        if (lws_service(c->lws, 0) < 0)
            break;
    lws_sul_cancel(&l.deadline);
    if (!l.done) {
        lt_tiktok_resolve_cancel(job);
        snprintf(err, errlen, "no answer within %d ms", timeout_ms);
        return -1;
    }
    *out = l.res;
    return 0;
}

typedef struct profile_wait {
    struct lws_context *lws;
    bool done, timed_out;
    const char *unique_id;
    lt_tiktok_profile *out;
    lws_sorted_usec_list_t deadline;
} profile_wait;

static void on_profile_page(void *ctx, const lt_http_response *resp)
{
    profile_wait *w = ctx;
    if (resp->error) {
        memset(w->out, 0, sizeof *w->out);
        w->out->outcome = LT_TIKTOK_PROFILE_FAILED;
        w->out->followers = w->out->following = w->out->likes = w->out->videos = -1;
        snprintf(w->out->message, sizeof w->out->message, "profile page: %s", resp->error);
    } else {
        lt_tiktok_parse_profile_page(resp->status, (const char *)resp->body, resp->body_len, w->unique_id,
                                     w->out);
    }
    w->done = true;
    lws_cancel_service(w->lws);
}

static void on_profile_deadline(lws_sorted_usec_list_t *sul)
{
    profile_wait *w = lws_container_of(sul, profile_wait, deadline);
    w->timed_out = true;
    lws_cancel_service(w->lws);
}

int lt_tiktok_collector_profile(lt_tiktok_collector *c, const char *unique_id, int timeout_ms,
                                lt_tiktok_profile *out, char *err, size_t errlen)
{
    char url[1024], cookie[1024];
    if (lt_tiktok_profile_url(c->resolver_opts.web_base, unique_id, url, sizeof url) != 0) {
        snprintf(err, errlen, "profile URL too long");
        return -1;
    }
    const char *headers[4] = {"Accept: text/html,application/xhtml+xml", "Accept-Language: en-US,en;q=0.9",
                              "Referer: https://www.tiktok.com/"};
    size_t n = 3;
    if (c->resolver_opts.cookies && *c->resolver_opts.cookies) {
        snprintf(cookie, sizeof cookie, "Cookie: %s", c->resolver_opts.cookies);
        headers[n++] = cookie;
    }
    profile_wait w;
    memset(&w, 0, sizeof w);
    w.lws = c->lws;
    w.unique_id = unique_id;
    w.out = out;
    lt_http_request *req = lt_http_get(c->http, url, headers, n, on_profile_page, &w, err, errlen);
    if (!req)
        return -1;
    lws_sul_schedule(c->lws, 0, &w.deadline, on_profile_deadline, (lws_usec_t)timeout_ms * LWS_US_PER_MS);
    while (!w.done && !w.timed_out && !c->stop)
        if (lws_service(c->lws, 0) < 0)
            break;
    lws_sul_cancel(&w.deadline);
    if (!w.done) {
        lt_http_cancel(req);
        snprintf(err, errlen, "no answer within %d ms", timeout_ms);
        return -1;
    }
    return 0;
}

static json_t *count_or_null(int64_t v)
{
    return v >= 0 ? json_integer(v) : json_null();
}

json_t *lt_tiktok_profile_json(const lt_tiktok_profile *p)
{
    bool ok = p->outcome == LT_TIKTOK_PROFILE_OK;
    return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "outcome",
                     lt_tiktok_profile_reason(p->outcome), "followers", count_or_null(p->followers),
                     "following", count_or_null(p->following), "likes", count_or_null(p->likes), "videos",
                     count_or_null(p->videos), "verified", ok ? json_boolean(p->verified) : json_null(),
                     "private", ok ? json_boolean(p->private_account) : json_null(), "shape",
                     p->shape ? json_string(p->shape) : json_null(), "message", string_or_null(p->message));
}

json_t *lt_tiktok_resolution_json(const char *input, const lt_tiktok_resolution *res)
{
    return json_pack("{s:s, s:s, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "input", input,
                     "outcome", lt_tiktok_resolve_reason(res->outcome), "live",
                     res->outcome == LT_TIKTOK_RESOLVE_LIVE, "room_id", string_or_null(res->room_id),
                     "unique_id", string_or_null(res->unique_id), "live_status",
                     res->live_status ? json_integer(res->live_status) : json_null(), "title",
                     string_or_null(res->title), "nickname", string_or_null(res->nickname), "viewer_count",
                     res->viewer_count >= 0 ? json_integer(res->viewer_count) : json_null(), "follower_count",
                     res->follower_count >= 0 ? json_integer(res->follower_count) : json_null(), "message",
                     string_or_null(res->message), "source", string_or_null(res->source));
}

/* --- one page of the recommended-live feed (`discover`) --- */

typedef struct feed_fetch {
    struct lws_context *lws;
    bool done, timed_out;
    lt_tiktok_feed_outcome outcome;
    lt_tiktok_feed_page *page;
    char error[512];
    lws_sorted_usec_list_t deadline;
} feed_fetch;

static void on_feed_page(void *ctx, const lt_http_response *resp)
{
    feed_fetch *f = ctx;
    if (resp->error) {
        f->outcome = LT_TIKTOK_FEED_HTTP_ERROR;
        snprintf(f->error, sizeof f->error, "the feed could not be fetched: %s", resp->error);
    } else {
        f->outcome = lt_tiktok_feed_parse(resp->status, (const char *)resp->body, resp->body_len, f->page,
                                          f->error, sizeof f->error);
    }
    f->done = true;
    lws_cancel_service(f->lws);
}

static void on_feed_deadline(lws_sorted_usec_list_t *sul)
{
    feed_fetch *f = lws_container_of(sul, feed_fetch, deadline);
    f->timed_out = true;
    lws_cancel_service(f->lws);
}

lt_tiktok_feed_outcome lt_tiktok_collector_feed_page(lt_tiktok_collector *c, int64_t max_time, int timeout_ms,
                                                     lt_tiktok_feed_page *out, char *err, size_t errlen)
{
    feed_fetch f;
    memset(&f, 0, sizeof f);
    memset(out, 0, sizeof *out);
    f.lws = c->lws;
    f.page = out;
    char url[2048], cookie[1024];
    if (lt_tiktok_feed_url(c->resolver_opts.api_base, max_time, url, sizeof url) != 0) {
        snprintf(err, errlen, "the feed URL does not fit (tiktok.api_base too long?)");
        return LT_TIKTOK_FEED_HTTP_ERROR;
    }
    const char *headers[4] = {"Accept: application/json", "Accept-Language: en-US,en;q=0.9",
                              "Referer: https://www.tiktok.com/"};
    size_t n = 3;
    if (c->resolver_opts.cookies && *c->resolver_opts.cookies) {
        snprintf(cookie, sizeof cookie, "Cookie: %s", c->resolver_opts.cookies);
        headers[n++] = cookie;
    }
    lt_http_request *req = lt_http_get(c->http, url, headers, n, on_feed_page, &f, err, errlen);
    if (!req)
        return LT_TIKTOK_FEED_HTTP_ERROR;
    lws_sul_schedule(c->lws, 0, &f.deadline, on_feed_deadline, (lws_usec_t)timeout_ms * LWS_US_PER_MS);
    while (!f.done && !f.timed_out && !c->stop)
        if (lws_service(c->lws, 0) < 0)
            break;
    lws_sul_cancel(&f.deadline);
    if (!f.done) {
        lt_http_cancel(req);
        snprintf(err, errlen, "the feed did not answer within %d ms", timeout_ms);
        return LT_TIKTOK_FEED_HTTP_ERROR;
    }
    if (f.outcome != LT_TIKTOK_FEED_OK)
        snprintf(err, errlen, "%s", f.error);
    return f.outcome;
}
