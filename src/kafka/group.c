/* group.c - the control-topic consumer group; see group.h. */
#include "kafka/group.h"

#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "core/log.h"
#include "kafka/conf.h"
#include "kafka/group_owned.h"
#include "kafka/group_protocol.h"

#define POLL_MAX 1000 /* records served per consumer per tick */

struct lt_kafka_group {
    lt_kafka_group_options opts;
    lt_kafka_group_callbacks cb;
    char *control_topic, *group_id, *collector_id, *status_topic;
    rd_kafka_t *rk;
    rd_kafka_t *status_rk; /* status_topic: assign-only, every partition */
    lt_kafka_producer *producer;
    lt_kafka_owned *owned; /* the rooms owned here, by key */
    bool closing;
    /* the rebalance protocol: from the configuration at start, then as
     * librdkafka reports it, but never asked for once closing (below) */
    bool cooperative;
    int64_t bad_log_slot, bad_status_log_ms;
    lt_kafka_group_stats stats;
    bool leads; /* owns partition 0 of the control topic: runs discovery rounds */
    /* read_all: every partition of the control topic, from the beginning */
    rd_kafka_t *view_rk;
    lt_kafka_group_view *view;
};

/* The canonical form of a key as read (not NUL-terminated); -1 with err. */
static int read_key(lt_kafka_group *g, const void *raw, size_t len, char *out, size_t outlen, char *err,
                    size_t errlen)
{
    char key[LT_KAFKA_GROUP_KEY_MAX + 1];
    if (!raw || len == 0 || len >= sizeof key) {
        snprintf(err, errlen, "no key, or a key too long to be a room");
        return -1;
    }
    memcpy(key, raw, len);
    key[len] = '\0';
    if (g->cb.canonical_key)
        return g->cb.canonical_key(g->cb.ctx, key, out, outlen, err, errlen);
    snprintf(out, outlen, "%s", key);
    return 0;
}

static void start_room(lt_kafka_group *g, const char *key, int32_t partition)
{
    /* owned before on_assign runs, so that running out of memory after it
     * cannot leave a room collected that the group does not know of */
    int added = lt_kafka_owned_add(g->owned, key, partition);
    if (added == 1)
        return;
    if (added < 0) {
        lt_error("group: out of memory adding room %s", key);
        return;
    }
    char err[256] = "";
    if (g->cb.on_assign && g->cb.on_assign(g->cb.ctx, key, partition, err, sizeof err)) {
        lt_kafka_owned_remove(g->owned, key);
        lt_warn("group: room %s from %s partition %d not started: %s", key, g->control_topic, partition, err);
        return;
    }
    lt_info("group: room %s assigned here (partition %d)", key, partition);
}

/* Gives up the owned room at position i (the last room takes its place):
 * true if the caller keeps it until its next owner is live (a handover),
 * false once it stopped. */
static bool give_up_room(lt_kafka_group *g, size_t i, bool may_hand_over, const char *reason)
{
    char key[LT_KAFKA_GROUP_KEY_MAX + 1];
    snprintf(key, sizeof key, "%s", lt_kafka_owned_at(g->owned, i, NULL));
    lt_kafka_owned_remove(g->owned, key);
    return g->cb.on_revoke && g->cb.on_revoke(g->cb.ctx, key, may_hand_over, reason) && may_hand_over;
}

static void bad_record(lt_kafka_group *g, const rd_kafka_message_t *m, const char *why)
{
    g->stats.bad_records++;
    int64_t slot = lt_now_ms() / 10000;
    if (slot != g->bad_log_slot) { /* one line per 10 s at most */
        g->bad_log_slot = slot;
        lt_warn("group: %s partition %d offset %lld skipped: %s (%llu so far)", g->control_topic,
                m->partition, (long long)m->offset, why, (unsigned long long)g->stats.bad_records);
    }
}

static void on_record(lt_kafka_group *g, const rd_kafka_message_t *m)
{
    g->stats.records++;
    char key[LT_KAFKA_GROUP_KEY_MAX + 1], err[256];
    if (read_key(g, m->key, m->key_len, key, sizeof key, err, sizeof err)) {
        bad_record(g, m, err);
        return;
    }
    if (!m->payload) { /* tombstone */
        if (lt_kafka_owned_remove(g->owned, key) == 0) {
            lt_info("group: room %s removed from %s", key, g->control_topic);
            if (g->cb.on_tombstone)
                g->cb.on_tombstone(g->cb.ctx, key, true);
        } else if (g->cb.on_tombstone && g->cb.on_tombstone(g->cb.ctx, key, false)) {
            lt_info("group: room %s removed from %s while being handed over", key, g->control_topic);
        }
        return;
    }
    json_error_t jerr;
    json_t *doc = m->len < 4096 ? json_loadb(m->payload, m->len, 0, &jerr) : NULL;
    if (!json_is_object(doc)) {
        json_decref(doc);
        bad_record(g, m, "value is not a JSON object");
        return;
    }
    json_decref(doc);
    start_room(g, key, m->partition);
}

/* Gives up the rooms of the given partitions. With peer statuses a room
 * may be handed over: it stays with the caller, collected, until the next
 * owner is live. The others stop at once. Nothing blocks here, except at
 * shutdown (or without statuses): then what the stopped rooms published is
 * flushed before the partitions are given up, so that the next owner reads
 * it back when seeding its dedupe window. */
static void revoke(lt_kafka_group *g, const rd_kafka_topic_partition_list_t *parts)
{
    size_t stopped = 0, handed = 0;
    bool may_hand_over = !g->closing && g->status_rk;
    for (size_t i = 0; i < lt_kafka_owned_count(g->owned);) {
        int32_t partition;
        lt_kafka_owned_at(g->owned, i, &partition);
        bool hit = false;
        for (int j = 0; j < parts->cnt && !hit; j++)
            hit = parts->elems[j].partition == partition;
        if (!hit)
            i++;
        else if (give_up_room(g, i, may_hand_over, g->closing ? "shutdown" : "reassigned"))
            handed++;
        else
            stopped++;
    }
    if (handed)
        lt_info("group: %zu live room(s) being handed over (collected here until the next owner is live)",
                handed);
    if (stopped && !may_hand_over && g->opts.publisher) {
        size_t left = g->opts.gate ? lt_gate_flush(g->opts.gate, g->opts.flush_timeout_ms)
                                   : lt_publisher_flush(g->opts.publisher, g->opts.flush_timeout_ms);
        lt_info("group: %d partition(s) revoked, %zu room(s) stopped, %zu record(s) not acknowledged",
                parts->cnt, stopped, left);
    }
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t e, rd_kafka_topic_partition_list_t *parts,
                         void *opaque)
{
    lt_kafka_group *g = opaque;
    /* rd_kafka_rebalance_protocol() can block for good when called from the
     * rebalance callback that rd_kafka_consumer_close() runs (librdkafka
     * issue 4041: it waits on the group's op queue, which a closing group
     * may no longer serve). A CI run's collector hung at exit right after
     * logging the revoke, while the group rebalanced again as it closed. */
    const char *protocol = g->closing ? NULL : rd_kafka_rebalance_protocol(rk); /* NULL without a group */
    if (protocol)
        g->cooperative = strcmp(protocol, "COOPERATIVE") == 0;
    bool cooperative = g->cooperative;
    g->stats.rebalances++;
    if (e == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        /* the whole compacted topic is the desired state: always from the start */
        for (int i = 0; i < parts->cnt; i++)
            parts->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
        rd_kafka_error_t *err = NULL;
        if (cooperative)
            err = rd_kafka_incremental_assign(rk, parts);
        else
            rd_kafka_assign(rk, parts);
        if (err) {
            lt_error("group: assign failed: %s", rd_kafka_error_string(err));
            rd_kafka_error_destroy(err);
        }
        g->stats.partitions_assigned += parts->cnt;
        for (int i = 0; i < parts->cnt; i++)
            if (parts->elems[i].partition == 0)
                g->leads = true;
        lt_info("group: %d partition(s) of %s assigned (%d in all)", parts->cnt, g->control_topic,
                g->stats.partitions_assigned);
    } else {
        revoke(g, parts);
        for (int i = 0; i < parts->cnt; i++)
            if (parts->elems[i].partition == 0)
                g->leads = false;
        if (cooperative) {
            rd_kafka_error_t *err = rd_kafka_incremental_unassign(rk, parts);
            if (err)
                rd_kafka_error_destroy(err);
            g->stats.partitions_assigned -= parts->cnt;
        } else {
            rd_kafka_assign(rk, NULL);
            g->stats.partitions_assigned = 0;
        }
        if (e != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS)
            lt_warn("group: partitions lost: %s", rd_kafka_err2str(e));
    }
}

/* --- assign-only consumers: peer statuses, the whole-topic view --- */

/* An assign-only consumer beside the group's (its own group.id, nothing
 * committed), named <collector_id>-<suffix>. */
static rd_kafka_t *assign_only_consumer(lt_kafka_group *g, const char *suffix, bool eof, char *err,
                                        size_t errlen)
{
    char client[160];
    snprintf(client, sizeof client, "%s-%s", g->collector_id, suffix);
    const lt_kafka_property fixed[] = {
        {"group.id", client},
        {"client.id", client},
        {"enable.auto.commit", "false"},
        {"enable.partition.eof", eof ? "true" : "false"},
        {"fetch.wait.max.ms", "100"},
    };
    rd_kafka_conf_t *conf =
        lt_kafka_conf_build(g->opts.bootstrap_servers, fixed, sizeof fixed / sizeof fixed[0],
                            g->opts.properties, g->opts.property_count, err, errlen);
    if (!conf)
        return NULL;
    char why[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof why);
    if (!rk) {
        snprintf(err, errlen, "cannot create the %s consumer: %s", suffix, why);
        rd_kafka_conf_destroy(conf); /* rd_kafka_new takes it only on success */
        return NULL;
    }
    rd_kafka_poll_set_consumer(rk);
    return rk;
}

/* Every partition of a topic (offsets unset); NULL with err if the topic
 * has none. */
static rd_kafka_topic_partition_list_t *partitions_of(rd_kafka_t *rk, const char *topic, char *err,
                                                      size_t errlen)
{
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR__FAIL;
    /* a topic just created takes a moment to appear in metadata */
    for (int attempt = 0; rkt && attempt < 20; attempt++) {
        if (md)
            rd_kafka_metadata_destroy(md);
        md = NULL;
        e = rd_kafka_metadata(rk, 0, rkt, &md, 5000);
        if (!e && md && md->topic_cnt == 1 && !md->topics[0].err && md->topics[0].partition_cnt > 0)
            break;
        rd_kafka_poll(rk, 250);
    }
    rd_kafka_topic_partition_list_t *parts = NULL;
    if (e || !md || md->topic_cnt != 1 || md->topics[0].err || md->topics[0].partition_cnt <= 0) {
        snprintf(err, errlen, "no partitions of %s: %s", topic,
                 e                          ? rd_kafka_err2str(e)
                 : md && md->topic_cnt == 1 ? rd_kafka_err2str(md->topics[0].err)
                                            : "?");
    } else {
        parts = rd_kafka_topic_partition_list_new(md->topics[0].partition_cnt);
        for (int i = 0; i < md->topics[0].partition_cnt; i++)
            rd_kafka_topic_partition_list_add(parts, topic, md->topics[0].partitions[i].id);
    }
    if (md)
        rd_kafka_metadata_destroy(md);
    if (rkt)
        rd_kafka_topic_destroy(rkt);
    return parts;
}

/* Assigns every partition of the status topic at its current end: what
 * other collectors say from now on. The ends are asked for here (not left to
 * OFFSET_END, resolved at the first fetch) so that nothing published after
 * the start is skipped. */
static int watch_status(lt_kafka_group *g, char *err, size_t errlen)
{
    if (!(g->status_rk = assign_only_consumer(g, "status", false, err, errlen)))
        return -1;
    rd_kafka_topic_partition_list_t *parts = partitions_of(g->status_rk, g->status_topic, err, errlen);
    if (!parts)
        return -1;
    for (int i = 0; i < parts->cnt; i++) {
        int64_t low = 0, high = RD_KAFKA_OFFSET_END;
        if (rd_kafka_query_watermark_offsets(g->status_rk, g->status_topic, parts->elems[i].partition, &low,
                                             &high, 5000))
            high = RD_KAFKA_OFFSET_END;
        parts->elems[i].offset = high;
    }
    rd_kafka_resp_err_t e = rd_kafka_assign(g->status_rk, parts);
    rd_kafka_topic_partition_list_destroy(parts);
    if (e) {
        snprintf(err, errlen, "cannot read %s: %s", g->status_topic, rd_kafka_err2str(e));
        return -1;
    }
    return 0;
}

static int open_view(lt_kafka_group *g, char *err, size_t errlen)
{
    if (!(g->view_rk = assign_only_consumer(g, "view", true, err, errlen)))
        return -1;
    rd_kafka_topic_partition_list_t *parts = partitions_of(g->view_rk, g->control_topic, err, errlen);
    if (!parts)
        return -1;
    int max = 0;
    for (int i = 0; i < parts->cnt; i++) {
        parts->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
        if (parts->elems[i].partition >= max)
            max = parts->elems[i].partition + 1;
    }
    g->view = lt_kafka_group_view_create(max);
    rd_kafka_resp_err_t e = g->view ? rd_kafka_assign(g->view_rk, parts) : RD_KAFKA_RESP_ERR_NO_ERROR;
    rd_kafka_topic_partition_list_destroy(parts);
    if (!g->view) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (e) {
        snprintf(err, errlen, "cannot read %s: %s", g->control_topic, rd_kafka_err2str(e));
        return -1;
    }
    return 0;
}

static void view_set(lt_kafka_group *g, const char *key, lt_kafka_room_origin origin)
{
    lt_kafka_group_view_set(g->view, key, origin);
    g->stats.rooms_in_topic = lt_kafka_group_view_rooms(g->view);
    g->stats.rooms_discovered = lt_kafka_group_view_discovered(g->view);
}

static void poll_view(lt_kafka_group *g)
{
    for (int i = 0; i < POLL_MAX; i++) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(g->view_rk, 0);
        if (!m)
            break;
        char key[LT_KAFKA_GROUP_KEY_MAX + 1], err[256];
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
            lt_kafka_group_view_end(g->view, m->partition);
        else if (m->err)
            lt_warn("group: %s (whole topic): %s", g->control_topic, rd_kafka_message_errstr(m));
        /* what is not a room is counted by the member that owns its partition */
        else if (read_key(g, m->key, m->key_len, key, sizeof key, err, sizeof err) == 0)
            view_set(g, key, lt_kafka_group_value_origin(m->payload, m->len));
        rd_kafka_message_destroy(m);
    }
}

static const void *header(const rd_kafka_message_t *m, const char *name, size_t *len)
{
    rd_kafka_headers_t *hdrs = NULL;
    const void *v = NULL;
    if (rd_kafka_message_headers(m, &hdrs) || rd_kafka_header_get_last(hdrs, name, &v, len))
        return NULL;
    return v;
}

static void poll_status(lt_kafka_group *g)
{
    for (int i = 0; i < POLL_MAX; i++) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(g->status_rk, 0);
        if (!m)
            break;
        size_t idlen = 0;
        const void *id = m->err ? NULL : header(m, "collector_id", &idlen);
        /* our own records need no decoding */
        bool ours = id && idlen == strlen(g->collector_id) && memcmp(id, g->collector_id, idlen) == 0;
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                lt_warn("group: %s: %s", g->status_topic, rd_kafka_message_errstr(m));
        } else if (!ours && (!m->payload || g->cb.on_status(g->cb.ctx, m->payload, m->len))) {
            g->stats.bad_status_records++;
            lt_log_every(&g->bad_status_log_ms, 10000, LT_LOG_WARN,
                         "group: %s partition %d offset %lld skipped: not a room_status record (%llu so far)",
                         g->status_topic, m->partition, (long long)m->offset,
                         (unsigned long long)g->stats.bad_status_records);
        }
        rd_kafka_message_destroy(m);
    }
}

/* Statuses are optional: a status topic that cannot be read leaves the
 * group without them (rooms stop at once when they move). */
static void open_status(lt_kafka_group *g)
{
    char warn[512];
    if (lt_kafka_producer_ensure_topic(g->producer, g->status_topic, 0, false, 10000, warn, sizeof warn))
        lt_warn("group: %s", warn); /* it may exist all the same */
    if (watch_status(g, warn, sizeof warn)) {
        lt_warn("group: %s; rooms will stop at once when they move (no make-before-break handover)", warn);
        if (g->status_rk)
            rd_kafka_destroy(g->status_rk);
        g->status_rk = NULL;
    }
}

/* The group's consumer, subscribed to the control topic; NULL with err. */
static rd_kafka_t *join(lt_kafka_group *g, char *session, size_t session_len, char *err, size_t errlen)
{
    const lt_kafka_group_options *opts = &g->opts;
    bool kip848; /* the broker's session timeout and assignor (group_protocol.h) */
    if (lt_kafka_group_protocol(opts->properties, opts->property_count, &kip848, err, errlen))
        return NULL;
    int session_ms = opts->session_timeout_ms ? opts->session_timeout_ms : 10000;
    char heartbeat[24];
    snprintf(session, session_len, "%d", session_ms);
    snprintf(heartbeat, sizeof heartbeat, "%d", session_ms / 4);
    const lt_kafka_property fixed[] = {
        {"group.id", g->group_id},
        {"client.id", g->collector_id},
        {"enable.auto.commit", "false"},
        {"auto.offset.reset", "earliest"},
        /* KIP-848: the broker decides these (NULL: not set) */
        {"partition.assignment.strategy", kip848 ? NULL : "cooperative-sticky"},
        {"session.timeout.ms", kip848 ? NULL : session},
        {"heartbeat.interval.ms", kip848 ? NULL : heartbeat},
    };
    rd_kafka_conf_t *conf =
        lt_kafka_conf_build(opts->bootstrap_servers, fixed, sizeof fixed / sizeof fixed[0], opts->properties,
                            opts->property_count, err, errlen);
    if (!conf)
        return NULL;
    char strategy[128] = "";
    size_t strategy_len = sizeof strategy;
    if (rd_kafka_conf_get(conf, "partition.assignment.strategy", strategy, &strategy_len) != RD_KAFKA_CONF_OK)
        strategy[0] = '\0';
    g->cooperative = kip848 || strcmp(strategy, "cooperative-sticky") == 0;
    rd_kafka_conf_set_opaque(conf, g);
    rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    char why[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof why);
    if (!rk) {
        snprintf(err, errlen, "cannot create the control-topic consumer: %s", why);
        rd_kafka_conf_destroy(conf); /* rd_kafka_new takes it only on success */
        return NULL;
    }
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, g->control_topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (e) {
        snprintf(err, errlen, "cannot subscribe to %s: %s", g->control_topic, rd_kafka_err2str(e));
        rd_kafka_destroy(rk);
        return NULL;
    }
    return rk;
}

lt_kafka_group *lt_kafka_group_create(const lt_kafka_group_options *opts, char *err, size_t errlen)
{
    if (!opts->control_topic || !*opts->control_topic || !opts->group_id || !*opts->group_id) {
        snprintf(err, errlen, "group mode needs group.control_topic and group.group_id");
        return NULL;
    }
    bool statuses = opts->status_topic && *opts->status_topic;
    if (statuses && !opts->callbacks.on_status) {
        snprintf(err, errlen, "a status topic needs an on_status callback");
        return NULL;
    }
    lt_kafka_group *g = calloc(1, sizeof *g);
    if (!g)
        goto oom;
    g->opts = *opts;
    g->cb = opts->callbacks;
    if (!g->opts.flush_timeout_ms)
        g->opts.flush_timeout_ms = 10000;
    g->control_topic = strdup(opts->control_topic);
    g->group_id = strdup(opts->group_id);
    g->collector_id = strdup(opts->collector_id ? opts->collector_id : "livetap");
    g->status_topic = statuses ? strdup(opts->status_topic) : NULL;
    g->owned = lt_kafka_owned_create();
    if (!g->control_topic || !g->group_id || !g->collector_id || (statuses && !g->status_topic) || !g->owned)
        goto oom;
    /* the copies outlive the caller's strings */
    g->opts.control_topic = g->control_topic;
    g->opts.group_id = g->group_id;
    g->opts.collector_id = g->collector_id;
    g->opts.status_topic = g->status_topic;

    lt_kafka_options po = {.bootstrap_servers = opts->bootstrap_servers,
                           .client_id = "livetap-control",
                           .properties = opts->properties,
                           .property_count = opts->property_count};
    if (!(g->producer = lt_kafka_producer_create(&po, err, errlen)))
        goto fail;
    if (lt_kafka_producer_ensure_topic(g->producer, g->control_topic,
                                       opts->partitions ? opts->partitions : 12, true, 10000, err, errlen))
        goto fail;
    char session[24];
    if (!(g->rk = join(g, session, sizeof session, err, errlen)))
        goto fail;
    if (statuses)
        open_status(g);
    if (opts->read_all && open_view(g, err, errlen))
        goto fail;
    lt_info("group: joining %s on %s (session timeout %s ms)%s%s", g->group_id, g->control_topic, session,
            g->status_rk ? "; live rooms are handed over make-before-break" : "",
            g->view_rk ? "; the whole topic is read for discovery" : "");
    return g;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    lt_kafka_group_destroy(g);
    return NULL;
}

void lt_kafka_group_destroy(lt_kafka_group *g)
{
    if (!g)
        return;
    if (g->rk) {
        g->closing = true;
        rd_kafka_consumer_close(g->rk); /* revokes: rooms stop, the publisher flushes */
        rd_kafka_destroy(g->rk);
    }
    g->closing = true;
    while (g->owned && lt_kafka_owned_count(g->owned))
        give_up_room(g, lt_kafka_owned_count(g->owned) - 1, false, "shutdown");
    if (g->status_rk) {
        rd_kafka_consumer_close(g->status_rk);
        rd_kafka_destroy(g->status_rk);
    }
    if (g->view_rk) {
        rd_kafka_consumer_close(g->view_rk);
        rd_kafka_destroy(g->view_rk);
    }
    lt_kafka_group_view_destroy(g->view);
    if (g->producer) {
        lt_kafka_producer_flush(g->producer, 5000);
        lt_kafka_producer_destroy(g->producer);
    }
    lt_kafka_owned_destroy(g->owned);
    free(g->control_topic);
    free(g->group_id);
    free(g->collector_id);
    free(g->status_topic);
    free(g);
}

bool lt_kafka_group_has_status(const lt_kafka_group *g)
{
    return g->status_rk != NULL;
}

void lt_kafka_group_leave(lt_kafka_group *g)
{
    rd_kafka_resp_err_t e = rd_kafka_unsubscribe(g->rk);
    if (e)
        lt_warn("group: leaving %s: %s", g->group_id, rd_kafka_err2str(e));
    else
        lt_info("group: leaving %s: live rooms are handed over to the collectors that stay", g->group_id);
}

int lt_kafka_group_members(lt_kafka_group *g, int timeout_ms)
{
    const struct rd_kafka_group_list *list = NULL;
    if (rd_kafka_list_groups(g->rk, g->group_id, &list, timeout_ms) || !list)
        return -1;
    int n = list->group_cnt == 1 ? list->groups[0].member_cnt : -1;
    rd_kafka_group_list_destroy(list);
    return n;
}

void lt_kafka_group_poll(lt_kafka_group *g)
{
    /* statuses first: a room assigned in this poll sees the handover its
     * previous owner announced */
    if (g->status_rk)
        poll_status(g);
    if (g->view_rk)
        poll_view(g);
    for (int i = 0; i < POLL_MAX; i++) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(g->rk, 0);
        if (!m)
            break;
        if (!m->err)
            on_record(g, m);
        else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
            lt_warn("group: %s", rd_kafka_message_errstr(m));
        rd_kafka_message_destroy(m);
    }
    if (g->producer)
        lt_kafka_producer_poll(g->producer, 0);
}

/* Writes key = value (NULL: a tombstone) and waits for the broker's
 * acknowledgement; the whole-topic view takes it at once. */
static int put_value(lt_kafka_group *g, const char *key, json_t *doc, char *err, size_t errlen)
{
    char *value = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    if (doc && !value) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* while the latest evidence says no broker answers, wait 1 s, not 10:
     * the wait blocks the loop (every room's heartbeats), once per write;
     * 1 s is enough for a broker that is back, or a connection that was
     * only idle, to take it */
    lt_kafka_health health;
    lt_kafka_producer_health(g->producer, lt_now_ms(), &health);
    bool down = health.last_failure_ms > health.last_ok_ms;
    int wait_ms = down ? 1000 : 10000;
    lt_kafka_stats before;
    lt_kafka_producer_stats(g->producer, &before);
    lt_kafka_status st = lt_kafka_producer_send(g->producer, g->control_topic, key, strlen(key), value,
                                                value ? strlen(value) : 0, NULL, 0, NULL, err, errlen);
    lt_kafka_room_origin origin = lt_kafka_group_value_origin(value, value ? strlen(value) : 0);
    free(value);
    if (st != LT_KAFKA_OK) {
        if (st == LT_KAFKA_QUEUE_FULL)
            snprintf(err, errlen, "the control producer's queue is full");
        return -1;
    }
    if (lt_kafka_producer_flush(g->producer, wait_ms)) {
        snprintf(
            err, errlen,
            "Kafka did not acknowledge the write to %s within %d s%s%s%s; it is written when Kafka takes "
            "it, or not at all: check GET /rooms, or try again",
            g->control_topic, wait_ms / 1000, down ? " (unreachable: " : "", down ? health.reason : "",
            down ? ")" : "");
        return -1;
    }
    lt_kafka_stats after;
    lt_kafka_producer_stats(g->producer, &after);
    if (after.failed > before.failed) {
        snprintf(err, errlen, "Kafka refused the write to %s", g->control_topic);
        return -1;
    }
    /* the view reads it back later; a count taken before then must include it */
    if (g->view)
        view_set(g, key, origin);
    return 0;
}

int lt_kafka_group_put(lt_kafka_group *g, const char *key, bool remove, char *err, size_t errlen)
{
    json_t *doc = NULL;
    if (!remove && !(doc = json_pack("{s:s, s:I, s:s}", "room", key, "added_at", (json_int_t)lt_now_ms(),
                                     "by", g->collector_id))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = put_value(g, key, doc, err, errlen);
    json_decref(doc);
    return rc;
}

int lt_kafka_group_put_discovered(lt_kafka_group *g, const char *key, int64_t discovered_at, int64_t viewers,
                                  char *err, size_t errlen)
{
    json_t *doc =
        json_pack("{s:s, s:I, s:s, s:s, s:I}", "room", key, "added_at", (json_int_t)lt_now_ms(), "by",
                  g->collector_id, "source", "discovery", "discovered_at", (json_int_t)discovered_at);
    if (doc && viewers >= 0)
        json_object_set_new(doc, "viewers", json_integer(viewers));
    if (!doc) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = put_value(g, key, doc, err, errlen);
    json_decref(doc);
    return rc;
}

bool lt_kafka_group_leads(const lt_kafka_group *g)
{
    return g->leads;
}

lt_kafka_room_origin lt_kafka_group_origin(const lt_kafka_group *g, const char *key)
{
    return lt_kafka_group_view_get(g->view, key);
}

long lt_kafka_group_discovered_count(const lt_kafka_group *g)
{
    return lt_kafka_group_view_ready(g->view) ? (long)lt_kafka_group_view_discovered(g->view) : -1;
}

void lt_kafka_group_get_stats(const lt_kafka_group *g, lt_kafka_group_stats *out)
{
    *out = g->stats;
    out->rooms_owned = lt_kafka_owned_count(g->owned);
}
