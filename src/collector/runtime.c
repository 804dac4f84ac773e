/* collector/runtime.c - one collector process (collector/runtime.h): the
 * event loop (one lws context, core/loop.h, that every source and the
 * admin API live on), the publisher, the Kafka tail that seeds dedupe
 * windows, the consumer group and its graceful leave, the admin API's view
 * of the rooms, the signals, and the orderly stop with its report and exit
 * status.
 */
#include "collector/runtime.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "admin/admin.h"
#include "bigo/source.h"
#include "collector/bigo.h"
#include "collector/discover.h"
#include "collector/serve.h"
#include "core/source.h"
#include "core/contract.h"
#include "core/event_json.h"
#include "core/log.h"
#include "core/loop.h"
#include "kafka/conf.h"
#include "kafka/gate.h"
#include "kafka/group.h"
#include "kafka/publisher.h"
#include "kafka/tail.h"
#include "tiktok/collector.h"
#include "tiktok/group.h"
#include "tiktok/handover.h"
#include "tiktok/room.h"
#include "tiktok/source.h"

typedef lt_collector_config config;

/* The sources of this process, in the order the runtime starts and
 * finishes them: TikTok first when enabled, then BIGO. A source's place
 * is its index in delivery opaques (core/source.h). */
typedef lt_collector_source_slot source_slot;
typedef lt_collector_sources sources;

/* Group membership's period: the runtime's own tick (collector/serve.h),
 * at the TikTok source's pace. */
#define MEMBERSHIP_TICK_MS 500

/* In group mode with handovers the first SIGTERM/SIGINT leaves the group
 * first (the runtime's tick does it: live rooms go to the collectors that
 * stay, make-before-break), the second stops at once. */
static volatile sig_atomic_t leave_asked;
static bool leave_first;

static void on_signal(int sig)
{
    (void)sig;
    if (leave_first && !leave_asked)
        leave_asked = 1;
    else
        lt_collector_serve_stop();
}

/* Which source a room belongs to: "bigo:<openid>" is BIGO's, anything
 * else TikTok's (@user, URLs, room ids). NULL with err when that source
 * does not run here. */
static const source_slot *source_for(const sources *ss, const char *spec, char *err, size_t errlen)
{
    const char *name = strncmp(spec, "bigo:", 5) == 0 ? "bigo" : "tiktok";
    for (size_t i = 0; i < ss->count; i++)
        if (strcmp(ss->slot[i].source->name, name) == 0)
            return &ss->slot[i];
    snprintf(err, errlen, "room %s is a %s room and %s.enabled is false here", spec, name, name);
    return NULL;
}

static lt_publish_status print_event(void *ctx, const lt_event *ev, char *err, size_t errlen)
{
    json_t *j = lt_event_to_json(ev);
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return LT_PUBLISH_ERROR;
    }
    puts(s);
    free(s);
    fflush(stdout);
    return LT_PUBLISH_OK;
}

/* A room of the configuration or the rooms file: parsed here, once, by
 * the source it belongs to (source_for). */
static int add_one(void *ctx, const char *entry)
{
    char err[512];
    lt_collector_room_ref ref;
    const source_slot *ss = source_for(ctx, entry, err, sizeof err);
    if (!ss || lt_collector_room_parse(ss->source, entry, &ref, err, sizeof err) != 0 ||
        ss->source->add(ss->instance, &ref, err, sizeof err) != 0) {
        lt_error("room %s", err);
        return -1;
    }
    return 0;
}

/* Each room of a rooms file (rooms_file: lists as in --rooms, one or more
 * per line, '#' to the end of a line a comment) through each(ctx, room). */
static int rooms_file_each(const char *path, int (*each)(void *ctx, const char *entry), void *ctx)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        lt_error("cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    char line[1024];
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        rc = lt_tiktok_room_list_each(line, each, ctx);
    }
    fclose(f);
    return rc;
}

/* Thousands of rooms need thousands of descriptors. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static const char *nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

/* What the hooks reach: the group (polled on the runtime's tick) and the
 * Kafka tail reader (seeds a starting room's dedupe window). */
typedef struct hooks {
    lt_kafka_group *group;
    lt_kafka_tail *tail;
    int64_t tail_error_slot;
    uint64_t rebalances_seen;
    lt_tiktok_collector *collector;
    int64_t handover_timeout_ms;
    int64_t leave_deadline; /* 0 = not leaving */
    uint64_t leave_rebalances;
    lt_tiktok_discovery_tracker tracker; /* discovery in group mode: the control topic */
} hooks;

/* A graceful leave: out of the group, then stop once every live room has
 * been handed over (or the deadline passed). */
static void leave_tick(hooks *h, int64_t now_ms)
{
    lt_kafka_group_stats gs;
    lt_kafka_group_get_stats(h->group, &gs);
    if (!h->leave_deadline) {
        if (lt_kafka_group_members(h->group, 2000) == 1) { /* nobody to hand rooms to */
            lt_collector_serve_stop();
            return;
        }
        h->leave_deadline = now_ms + h->handover_timeout_ms + 15000;
        h->leave_rebalances = gs.rebalances;
        lt_kafka_group_leave(h->group);
        return;
    }
    bool revoked = gs.rebalances != h->leave_rebalances && gs.partitions_assigned == 0;
    size_t pending = lt_tiktok_collector_handovers_pending(h->collector);
    if ((revoked && pending == 0) || now_ms >= h->leave_deadline) {
        if (pending || !revoked)
            lt_warn("left the group with %zu room(s) still being handed over: stopping anyway", pending);
        lt_collector_serve_stop();
    }
}

/* The runtime's own tick (collector/serve.h), after the sources': group
 * membership (assignments, revocations, the control topic) and a graceful
 * leave. */
static void membership_tick(hooks *h, int64_t now_ms)
{
    lt_kafka_group_poll(h->group);
    if (leave_asked)
        leave_tick(h, now_ms);
}

static void remember_id(void *ctx, int64_t msg_id)
{
    lt_dedupe_check(ctx, msg_id);
}

static void seed_window(void *ctx, const char *room_id, lt_dedupe *window)
{
    hooks *h = ctx;
    if (!h->tail)
        return;
    if (h->group) { /* rooms moved here since the last read: read again */
        lt_kafka_group_stats gs;
        lt_kafka_group_get_stats(h->group, &gs);
        if (gs.rebalances != h->rebalances_seen) {
            h->rebalances_seen = gs.rebalances;
            lt_kafka_tail_invalidate(h->tail);
        }
    }
    char err[512];
    long n = lt_kafka_tail_ids(h->tail, room_id, remember_id, window, err, sizeof err);
    if (n < 0) {
        int64_t slot = lt_now_ms() / 60000;
        if (slot != h->tail_error_slot) {
            h->tail_error_slot = slot;
            lt_warn("room %s: dedupe window not seeded from Kafka: %s", room_id, err);
        }
    } else if (n > 0) {
        lt_info("room %s: %ld recent msg_id(s) already in Kafka will not be published again", room_id, n);
    }
}

static void refresh_window(void *ctx, const char *room_id, int64_t read_before_ms, lt_dedupe *window)
{
    hooks *h = ctx;
    if (h->tail)
        lt_kafka_tail_invalidate_key(h->tail, room_id, read_before_ms);
    seed_window(ctx, room_id, window);
}

static lt_kafka_tail *create_tail(const config *cfg, lt_publisher *pub, const lt_kafka_property *props,
                                  size_t prop_count, char *err, size_t errlen)
{
    const char *topics[LT_EVENT_TYPE_COUNT];
    for (int t = 0; t < LT_EVENT_TYPE_COUNT; t++)
        topics[t] = lt_publisher_topic(pub, (lt_event_type)t);
    lt_kafka_tail_options to = {
        .bootstrap_servers = cfg->kafka.bootstrap_servers,
        .properties = props,
        .property_count = prop_count,
        .topics = topics,
        .topic_count = LT_EVENT_TYPE_COUNT,
        .lookback_ms = cfg->kafka.dedupe_lookback_s * 1000,
    };
    return lt_kafka_tail_create(&to, err, errlen);
}

/* Discovery in group mode goes through the control topic (group.h); the
 * group exists from start_group on, before the loop calls these. */
static bool tracker_leads(void *ctx)
{
    hooks *h = ctx;
    return h->group && lt_kafka_group_leads(h->group);
}

static long tracker_discovered_count(void *ctx)
{
    hooks *h = ctx;
    return h->group ? lt_kafka_group_discovered_count(h->group) : -1;
}

static lt_tiktok_room_source tracker_source(void *ctx, const char *room)
{
    hooks *h = ctx;
    return h->group ? lt_tiktok_group_room_source(h->group, room) : LT_TIKTOK_SOURCE_UNKNOWN;
}

static int tracker_put(void *ctx, const char *room_id, int64_t viewers, char *err, size_t errlen)
{
    hooks *h = ctx;
    return lt_tiktok_group_put_discovered(h->group, room_id, lt_now_ms(), viewers, err, errlen);
}

static int tracker_release(void *ctx, const char *room, char *err, size_t errlen)
{
    hooks *h = ctx;
    return lt_tiktok_group_put(h->group, room, true, err, errlen);
}

static int put_one(void *ctx, const char *entry)
{
    char err[512];
    if (lt_tiktok_group_put(ctx, entry, false, err, sizeof err) != 0) {
        lt_error("room %s: %s", entry, err);
        return -1;
    }
    return 0;
}

static void collector_options(const config *cfg, const char *collector_id, struct lws_context *lws,
                              lt_publisher *pub, hooks *hk, lt_tiktok_collector_options *o)
{
    if (hk)
        hk->tracker = (lt_tiktok_discovery_tracker){
            hk, tracker_leads, tracker_discovered_count, tracker_source, tracker_put, tracker_release};
    *o = (lt_tiktok_collector_options){
        .collector_id = collector_id,
        .lws = lws,
        .publisher = pub,
        .sink = print_event,
        .web_base = nonempty(cfg->tiktok.web_base),
        .api_base = nonempty(cfg->tiktok.api_base),
        .signer =
            {
                .sign_url = nonempty(cfg->sign.url),
                .api_key = nonempty(cfg->sign.api_key),
                .client = nonempty(cfg->sign.client),
                .rate_per_second = (double)cfg->sign.rate_per_minute / 60.0,
                .burst = (double)cfg->sign.burst,
                .read_rate_limits = cfg->sign.read_rate_limits,
            },
        .user_agent = nonempty(cfg->tiktok.user_agent),
        .http_proxy = nonempty(cfg->tiktok.proxy),
        .ws_proxy = nonempty(cfg->tiktok.ws_proxy),
        .ca_file = nonempty(cfg->tiktok.ca_file),
        .insecure_tls = cfg->tiktok.insecure_tls,
        .session_cookies = nonempty(cfg->tiktok.session_cookies),
        .no_gzip = !cfg->tiktok.gzip,
        .skip_room_info = !cfg->tiktok.room_info,
        .skip_room_info_events = !cfg->tiktok.room_info_events,
        .room_info_interval_ms = cfg->tiktok.room_info_interval_s * 1000,
        .skip_host_stats = !cfg->tiktok.host_stats,
        .price_list_interval_ms = cfg->tiktok.price_list_interval_s * 1000,
        .skip_gift_catalogue = !cfg->tiktok.gift_catalogue,
        .gift_catalogue_interval_ms = cfg->tiktok.gift_catalogue_interval_s * 1000,
        .stale_ms = cfg->rooms_behaviour.stale_timeout_s * 1000,
        .backoff_cap_ms = cfg->rooms_behaviour.backoff_cap_s * 1000,
        .max_attempts = (int)cfg->rooms_behaviour.max_attempts,
        .watch_interval_ms = cfg->rooms_behaviour.watch_interval_s * 1000,
        .dedupe_window = (size_t)cfg->rooms_behaviour.dedupe_window,
        .flush_timeout_ms = (int)cfg->kafka.flush_timeout_ms,
        .backpressure_wait_ms = cfg->kafka.backpressure_wait_ms,
        .record_path = nonempty(cfg->rooms_behaviour.record),
        .room_limits =
            {
                .events_per_s = (double)cfg->rooms_behaviour.room_events_per_s,
                .events_burst = (double)cfg->rooms_behaviour.room_events_burst,
                .unknown_bytes_per_s = (double)cfg->rooms_behaviour.room_unknown_bytes_per_s,
                .unknown_bytes_burst = (double)cfg->rooms_behaviour.room_unknown_bytes_burst,
                .unknown_payload_max = (size_t)cfg->rooms_behaviour.unknown_payload_max_bytes,
                .max_messages = (size_t)cfg->rooms_behaviour.max_messages_per_frame,
            },
        /* only a collector run pages the feed on its own (hk: not lookup or discover) */
        .discovery =
            {
                .enabled = hk && cfg->discovery.enabled,
                .interval_ms = cfg->discovery.interval_s * 1000,
                .pages = (int)cfg->discovery.pages,
                .pages_per_minute = (double)cfg->discovery.pages_per_minute,
                .backoff_cap_ms = cfg->discovery.backoff_cap_s * 1000,
                .auto_track = cfg->discovery.auto_track,
                .min_viewers = cfg->discovery.min_viewers,
                .tags = (const char *const *)cfg->discovery.tags.items,
                .tag_count = cfg->discovery.tags.count,
                .max_rooms = (size_t)cfg->discovery.max_rooms,
                .tracker = hk && cfg->group.enabled ? &hk->tracker : NULL,
            },
        .seed_window = hk ? seed_window : NULL,
        .refresh_window = hk ? refresh_window : NULL,
        .hook_ctx = hk,
    };
}

/* --- the admin API's view of this process --- */

/* Standalone: POST/DELETE act on this collector's rooms directly, up to
 * max_rooms (a stranger with the admin port must not be able to make the
 * process open connections without end). */
typedef struct standalone_admin {
    const sources *sources;
    size_t max_rooms;
} standalone_admin;

/* The admin API is an edge: the room is parsed here, once. */
static lt_admin_status admin_add(void *ctx, const char *spec, json_t **room, char *err, size_t errlen)
{
    standalone_admin *sa = ctx;
    size_t rooms = 0;
    for (size_t i = 0; i < sa->sources->count; i++)
        rooms += sa->sources->slot[i].source->room_count(sa->sources->slot[i].instance);
    if (rooms >= sa->max_rooms) {
        snprintf(err, errlen,
                 "room limit reached: this collector has %zu rooms (admin.max_rooms %zu); remove a "
                 "room or raise admin.max_rooms",
                 rooms, sa->max_rooms);
        return LT_ADMIN_LIMIT;
    }
    lt_collector_room_ref ref;
    const source_slot *ss = source_for(sa->sources, spec, err, errlen);
    if (!ss || lt_collector_room_parse(ss->source, spec, &ref, err, errlen) != 0)
        return LT_ADMIN_BAD_REQUEST;
    int rc = ss->source->add(ss->instance, &ref, err, errlen);
    if (rc != 0)
        return rc > 0 ? LT_ADMIN_CONFLICT : LT_ADMIN_BAD_REQUEST;
    *room = ss->source->room_json(ss->instance, &ref);
    return LT_ADMIN_CREATED;
}

static lt_admin_status admin_remove(void *ctx, const char *spec, char *err, size_t errlen)
{
    standalone_admin *sa = ctx;
    lt_collector_room_ref ref;
    const source_slot *ss = source_for(sa->sources, spec, err, errlen);
    if (!ss || lt_collector_room_parse(ss->source, spec, &ref, err, errlen) != 0)
        return LT_ADMIN_BAD_REQUEST;
    int rc = ss->source->remove(ss->instance, &ref, err, errlen);
    if (rc > 0)
        return LT_ADMIN_BAD_REQUEST;
    if (rc < 0) {
        snprintf(err, errlen, "room %s is not collected here", spec);
        return LT_ADMIN_NOT_FOUND;
    }
    return LT_ADMIN_OK;
}

/* Every source's rooms in one array (each room names its platform). */
static json_t *admin_list(void *ctx)
{
    standalone_admin *sa = ctx;
    if (sa->sources->count == 1)
        return sa->sources->slot[0].source->rooms_json(sa->sources->slot[0].instance);
    json_t *all = json_array();
    for (size_t i = 0; all && i < sa->sources->count; i++) {
        json_t *some = sa->sources->slot[i].source->rooms_json(sa->sources->slot[i].instance);
        if (!some || json_array_extend(all, some) != 0) {
            json_decref(some);
            json_decref(all);
            return NULL;
        }
        json_decref(some);
    }
    return all;
}

static json_t *admin_get(void *ctx, const char *spec)
{
    standalone_admin *sa = ctx;
    lt_collector_room_ref ref;
    char err[256];
    const source_slot *ss = source_for(sa->sources, spec, err, sizeof err);
    if (!ss || lt_collector_room_parse(ss->source, spec, &ref, err, sizeof err) != 0)
        return NULL;
    return ss->source->room_json(ss->instance, &ref);
}

/* Ready when every source is; one source's detail as it gives it,
 * several under "sources" by name. */
static bool admin_ready(void *ctx, json_t **detail)
{
    const sources *ss = ctx;
    if (ss->count == 1)
        return ss->slot[0].source->ready(ss->slot[0].instance, detail);
    bool all = true;
    json_t *each = json_object();
    for (size_t i = 0; i < ss->count; i++) {
        json_t *d = NULL;
        all = ss->slot[i].source->ready(ss->slot[i].instance, &d) && all;
        json_object_set_new(each, ss->slot[i].source->name, d ? d : json_null());
    }
    *detail = json_pack("{s:b, s:o}", "ready", all, "sources", each);
    return all;
}

static int admin_metrics(void *ctx, lt_buf *out)
{
    const sources *ss = ctx;
    for (size_t i = 0; i < ss->count; i++)
        if (ss->slot[i].source->write_metrics(ss->slot[i].instance, out) != 0)
            return -1;
    return 0;
}

/* Group mode: POST/DELETE write the control topic; whichever collector owns
 * the room's partition starts or stops it. GET shows this collector's rooms. */
typedef struct group_admin {
    lt_kafka_group *group;
    lt_tiktok_collector *collector;
} group_admin;

static lt_admin_status group_add(void *ctx, const char *spec, json_t **room, char *err, size_t errlen)
{
    group_admin *ga = ctx;
    char key[128];
    if (lt_tiktok_group_key(spec, key, sizeof key, err, errlen))
        return LT_ADMIN_BAD_REQUEST;
    if (lt_tiktok_group_put(ga->group, spec, false, err, errlen))
        return LT_ADMIN_UNAVAILABLE;
    *room = json_pack("{s:s, s:s}", "room", key, "state", "requested");
    return LT_ADMIN_ACCEPTED;
}

static lt_admin_status group_remove(void *ctx, const char *spec, char *err, size_t errlen)
{
    group_admin *ga = ctx;
    char key[128];
    if (lt_tiktok_group_key(spec, key, sizeof key, err, errlen))
        return LT_ADMIN_BAD_REQUEST;
    return lt_tiktok_group_put(ga->group, spec, true, err, errlen) ? LT_ADMIN_UNAVAILABLE : LT_ADMIN_ACCEPTED;
}

static json_t *group_list(void *ctx)
{
    return lt_tiktok_collector_rooms_json(((group_admin *)ctx)->collector);
}

static json_t *group_get(void *ctx, const char *spec)
{
    return lt_tiktok_collector_room_json(((group_admin *)ctx)->collector, spec);
}

static group_admin the_group_admin;
static standalone_admin the_standalone_admin;

static lt_admin_rooms admin_rooms(const config *cfg, const sources *ss, lt_tiktok_collector *c,
                                  lt_kafka_group *group)
{
    if (group) {
        the_group_admin = (group_admin){group, c};
        return (lt_admin_rooms){.ctx = &the_group_admin,
                                .add = group_add,
                                .remove = group_remove,
                                .list = group_list,
                                .get = group_get};
    }
    the_standalone_admin = (standalone_admin){ss, (size_t)cfg->admin.max_rooms};
    return (lt_admin_rooms){.ctx = &the_standalone_admin,
                            .add = admin_add,
                            .remove = admin_remove,
                            .list = admin_list,
                            .get = admin_get};
}

static lt_admin_server *start_admin(const config *cfg, struct lws_context *lws, sources *ss,
                                    lt_tiktok_collector *c, lt_kafka_group *group)
{
    char err[512];
    lt_admin_options ao = {
        .listen = cfg->admin.listen,
        .port = (int)cfg->admin.port,
        .token = nonempty(cfg->admin.token),
        .token_covers_metrics = cfg->admin.token_covers_metrics,
        .rooms = cfg->admin_without_rooms ? (lt_admin_rooms){0} : admin_rooms(cfg, ss, c, group),
        .probes = {.ctx = ss, .ready = admin_ready, .metrics = admin_metrics},
    };
    /* a vhost on the runtime's loop */
    lt_admin_server *admin = lt_admin_create(lws, &ao, err, sizeof err);
    if (!admin) {
        lt_error("cannot start: %s", err);
        return NULL;
    }
    int port = lt_admin_port(admin);
    bool v6 = strchr(cfg->admin.listen, ':') != NULL; /* a URL brackets an IPv6 address */
    lt_info("admin API on http://%s%s%s:%d/ (rooms, healthz, readyz, metrics; %s)", v6 ? "[" : "",
            cfg->admin.listen, v6 ? "]" : "", port,
            nonempty(cfg->admin.token) ? "rooms need the admin token"
                                       : "no admin token: anyone who reaches it may add rooms");
    if (nonempty(cfg->admin.port_file)) {
        /* written whole under another name, then renamed: a reader never sees half */
        char tmp[4200];
        snprintf(tmp, sizeof tmp, "%s.tmp", cfg->admin.port_file);
        FILE *f = fopen(tmp, "w");
        if (!f || fprintf(f, "%d\n", port) < 0 || fclose(f) != 0 || rename(tmp, cfg->admin.port_file) != 0) {
            lt_error("cannot write the admin port to %s: %s", cfg->admin.port_file, strerror(errno));
            lt_admin_destroy(admin);
            return NULL;
        }
    }
    if (cfg->print_admin_port) {
        printf("admin on %d\n", port);
        fflush(stdout);
    }
    return admin;
}

/* `lookup ROOM`: 0 live, 1 not live or no answer, 2 bad input. */
int lt_collector_lookup(const config *cfg, const char *input)
{
    char err[512];
    lt_tiktok_room_ref ref;
    if (lt_tiktok_room_parse(input, &ref, err, sizeof err) != 0) {
        lt_error("%s", err);
        return 2;
    }
    struct lws_context *lws = lt_loop_create(err, sizeof err);
    if (!lws) {
        lt_error("%s", err);
        return 2;
    }
    lt_tiktok_collector_options o;
    collector_options(cfg, "livetap-lookup", lws, NULL, NULL, &o);
    lt_tiktok_collector *c = lt_tiktok_collector_create(&o, err, sizeof err);
    if (!c) {
        lws_context_destroy(lws);
        lt_error("%s", err);
        return 2;
    }
    lt_tiktok_resolution res;
    int rc = lt_tiktok_collector_lookup(c, input, 30000, &res, err, sizeof err);
    if (rc != 0) {
        lt_tiktok_collector_destroy(c);
        lws_context_destroy(lws);
        lt_error("lookup %s: %s", input, err);
        return 1;
    }
    /* the host's profile stats, whether live or not (docs/collector.md) */
    json_t *profile = json_null();
    const char *handle = res.unique_id[0]                     ? res.unique_id
                         : ref.kind == LT_TIKTOK_ROOM_BY_USER ? ref.unique_id
                                                              : "";
    if (handle[0] && res.outcome != LT_TIKTOK_RESOLVE_NOT_FOUND) {
        lt_tiktok_profile p;
        if (lt_tiktok_collector_profile(c, handle, 30000, &p, err, sizeof err) == 0) {
            json_decref(profile);
            profile = lt_tiktok_profile_json(&p);
            if (p.outcome != LT_TIKTOK_PROFILE_OK)
                lt_warn("lookup %s: profile page of @%s: %s: %s", input, handle,
                        lt_tiktok_profile_reason(p.outcome), p.message);
        } else {
            lt_warn("lookup %s: profile page of @%s: %s", input, handle, err);
        }
    }
    lt_tiktok_collector_destroy(c);
    lws_context_destroy(lws);
    json_t *j = lt_tiktok_resolution_json(input, &res);
    if (j)
        json_object_set_new(j, "profile", profile);
    else
        json_decref(profile);
    char *text = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
    json_decref(j);
    if (!text) {
        lt_error("out of memory");
        return 1;
    }
    puts(text);
    free(text);
    if (res.outcome != LT_TIKTOK_RESOLVE_LIVE) {
        lt_error("%s is not live: %s%s%s", input, lt_tiktok_resolve_reason(res.outcome),
                 res.message[0] ? ": " : "", res.message);
        return 1;
    }
    return 0;
}

int lt_collector_discover(const config *cfg, long pages, bool json)
{
    char err[512];
    struct lws_context *lws = lt_loop_create(err, sizeof err);
    if (!lws) {
        lt_error("%s", err);
        return LT_DISCOVER_USAGE;
    }
    lt_tiktok_collector_options o;
    collector_options(cfg, "livetap-discover", lws, NULL, NULL, &o);
    lt_tiktok_collector *c = lt_tiktok_collector_create(&o, err, sizeof err);
    if (!c) {
        lws_context_destroy(lws);
        lt_error("%s", err);
        return LT_DISCOVER_USAGE;
    }
    int rc = lt_collector_discover_pages(c, pages, json, 30000, stdout);
    lt_tiktok_collector_destroy(c);
    lws_context_destroy(lws);
    return rc;
}

/* One collector process: what it holds, torn down in one place. */
typedef struct runtime {
    const config *cfg;
    const char *collector_id; /* configured, or default_id */
    char default_id[64];
    lt_kafka_properties props;    /* kafka.properties, split once */
    lt_topic_override *topics;    /* kafka.topics */
    struct lws_context *lws;      /* the loop: every source's and the admin API's vhosts */
    lt_publisher *pub;            /* NULL in a dry run */
    lt_gate *gate;                /* every source's records go through it (kafka/gate.h) */
    lws_sorted_usec_list_t drain; /* the gate's drain check while Kafka pushes back */
    hooks hk;                     /* the collector's hooks point here */
    lt_tiktok_collector *c;       /* NULL: tiktok.enabled false */
    lt_bigo *bigo;                /* NULL: bigo.enabled false */
    sources sources;              /* c and bigo as sources, c first */
    lt_admin_server *admin;
} runtime;

/* err becomes "<prefix><err>". */
static void prefix_error(const char *prefix, char *err, size_t errlen)
{
    char reason[2048];
    snprintf(reason, sizeof reason, "%s", err);
    snprintf(err, errlen, "%s%s", prefix, reason);
}

/* The publisher (unless a dry run) and the Kafka tail for dedupe seeding. */
static int start_kafka(runtime *rt, char *err, size_t errlen)
{
    const config *cfg = rt->cfg;
    if (lt_kafka_properties_split((const char *const *)cfg->kafka.properties.items,
                                  cfg->kafka.properties.count, &rt->props, err, errlen)) {
        prefix_error("kafka.properties: ", err, errlen);
        return -1;
    }
    if (lt_topic_overrides_parse((const char *const *)cfg->kafka.topics.items, cfg->kafka.topics.count,
                                 &rt->topics, err, errlen)) {
        prefix_error("kafka.topics: ", err, errlen);
        return -1;
    }
    if (cfg->kafka.dry_run)
        return 0;
    lt_publisher_options po = {
        .topic_prefix = cfg->kafka.topic_prefix,
        .topic_overrides = rt->topics,
        .topic_override_count = cfg->kafka.topics.count,
        .collector_id = rt->collector_id,
        .registry_url = nonempty(cfg->kafka.registry_url),
        .registry_username = nonempty(cfg->kafka.registry_username),
        .registry_password = cfg->kafka.registry_password,
        .kafka = {.bootstrap_servers = cfg->kafka.bootstrap_servers,
                  .client_id = rt->collector_id,
                  .properties = rt->props.items,
                  .property_count = rt->props.count},
        .broker_optional = !cfg->kafka.require_broker_at_start,
    };
    if (!(rt->pub = lt_publisher_create(&po, err, errlen)))
        return -1;
    if (cfg->tiktok.enabled && cfg->kafka.dedupe_lookback_s > 0 &&
        !(rt->hk.tail = create_tail(cfg, rt->pub, rt->props.items, rt->props.count, err, errlen)))
        return -1;
    return 0;
}

/* Group mode: the consumer group, and the configured rooms written to the
 * control topic as desired state. */
static int start_group(runtime *rt, char *err, size_t errlen)
{
    const config *cfg = rt->cfg;
    char topic[512], group_id[512];
    lt_control_topic_default(cfg->kafka.topic_prefix, topic, sizeof topic);
    lt_collector_group_default(cfg->kafka.topic_prefix, group_id, sizeof group_id);
    lt_kafka_group_options go = {
        .bootstrap_servers = cfg->kafka.bootstrap_servers,
        .properties = rt->props.items,
        .property_count = rt->props.count,
        .control_topic = nonempty(cfg->group.control_topic) ? cfg->group.control_topic : topic,
        .group_id = nonempty(cfg->group.group_id) ? cfg->group.group_id : group_id,
        .collector_id = rt->collector_id,
        .partitions = (int)cfg->group.partitions,
        .session_timeout_ms = (int)cfg->group.session_timeout_ms,
        .publisher = rt->pub,
        .gate = rt->gate,
        .flush_timeout_ms = (int)cfg->kafka.flush_timeout_ms,
        .status_topic = rt->pub && cfg->group.handover_timeout_s > 0
                            ? lt_publisher_topic(rt->pub, LT_EVENT_ROOM_STATUS)
                            : NULL,
        .read_all = cfg->discovery.enabled && cfg->discovery.auto_track,
        .callbacks = lt_tiktok_group_callbacks(rt->c),
    };
    lt_tiktok_handover_options ho = {.timeout_ms = cfg->group.handover_timeout_s * 1000,
                                     .hold_max_events = (size_t)cfg->group.handover_hold_events,
                                     .hold_max_bytes = (size_t)cfg->group.handover_hold_bytes};
    if (!rt->pub) {
        lt_error("group mode needs Kafka (not --dry-run)");
        return -1;
    }
    if (!(rt->hk.group = lt_kafka_group_create(&go, err, errlen))) {
        lt_error("cannot start: %s", err);
        return -1;
    }
    /* before the first poll, where rooms are assigned and revoked */
    if (lt_kafka_group_has_status(rt->hk.group) && lt_tiktok_collector_enable_handover(rt->c, &ho)) {
        lt_error("cannot start: out of memory");
        return -1;
    }
    for (size_t i = 0; i < cfg->rooms.count; i++)
        if (lt_tiktok_room_list_each(cfg->rooms.items[i], put_one, rt->hk.group) != 0)
            return -1;
    if (nonempty(cfg->rooms_file) && rooms_file_each(cfg->rooms_file, put_one, rt->hk.group) != 0)
        return -1;
    return 0;
}

/* Kafka's delivery reports: the producer's callback is set once, here,
 * and each report goes to the source that published the record, found by
 * the index in the opaque's top bits (core/source.h). */
static void route_delivery(void *ctx, void *opaque, const char *error)
{
    runtime *rt = ctx;
    unsigned i = lt_source_tag_index(opaque);
    if (i < rt->sources.count && rt->sources.slot[i].instance)
        rt->sources.slot[i].source->on_delivery(rt->sources.slot[i].instance, lt_source_untag(opaque), error);
}

static void add_source(runtime *rt, const lt_collector_source *source, void *instance)
{
    rt->sources.slot[rt->sources.count++] = (source_slot){source, instance};
}

/* BIGO: its push listener a vhost on the runtime's loop. */
static int start_bigo(runtime *rt, char *err, size_t errlen)
{
    uintptr_t tag = lt_source_tag((unsigned)rt->sources.count);
    if (!(rt->bigo = lt_collector_bigo_create(rt->cfg, rt->collector_id, rt->pub, &rt->props, rt->lws,
                                              rt->gate, tag, err, errlen)))
        return -1;
    add_source(rt, &lt_bigo_source, rt->bigo);
    /* the port line is what scripts and tests wait for (livetap-bigo printed it) */
    printf("listening on %d\n", lt_bigo_port(rt->bigo));
    fflush(stdout);
    return 0;
}

/* The gate's drain check, on the loop while reading is paused. */
static void on_drain_check(lws_sorted_usec_list_t *sul)
{
    runtime *rt = lws_container_of(sul, runtime, drain);
    if (lt_gate_tick(rt->gate))
        lws_sul_schedule(rt->lws, 0, &rt->drain, on_drain_check, 20 * LWS_US_PER_MS);
}

/* Backpressure pauses every source's reading. */
static void pause_sources(void *ctx, bool paused)
{
    runtime *rt = ctx;
    lt_collector_sources_pause(&rt->sources, paused);
    if (paused)
        lws_sul_schedule(rt->lws, 0, &rt->drain, on_drain_check, 20 * LWS_US_PER_MS);
}

/* One gate for every source (kafka/gate.h): one backpressure episode
 * pauses them all; TikTok's records refused for a full queue are kept and
 * sent in order as room comes (given up past kafka.backpressure_wait_ms),
 * BIGO's never wait (no_wait); nothing blocks the loop; the counts are
 * kept per source. */
static lt_gate *create_gate(runtime *rt)
{
    lt_gate_options go = {
        .publisher = rt->pub,
        .sink = print_event,
        .backpressure_wait_ms =
            rt->cfg->kafka.backpressure_wait_ms > 0 ? rt->cfg->kafka.backpressure_wait_ms : 30000,
        .pause = pause_sources,
        .pause_ctx = rt,
        .stop = lt_collector_serve_stopping(),
    };
    return lt_gate_create(&go);
}

/* Everything before the loop; -1 when the process cannot start (logged). */
static int start(runtime *rt)
{
    const config *cfg = rt->cfg;
    char err[2048];
    if (start_kafka(rt, err, sizeof err) != 0) {
        lt_error("cannot start: %s", err);
        return -1;
    }
    rt->hk.handover_timeout_ms = cfg->group.handover_timeout_s * 1000;
    if (!cfg->tiktok.enabled && !cfg->bigo.enabled) {
        lt_error("cannot start: no source: tiktok.enabled and bigo.enabled are both false");
        return -1;
    }
    if (cfg->group.enabled && (cfg->bigo.enabled || !cfg->tiktok.enabled)) {
        lt_error("cannot start: group mode shares TikTok rooms only; run BIGO (bigo.enabled) in a collector "
                 "without group.enabled");
        return -1;
    }
    if (!(rt->lws = lt_loop_create(err, sizeof err))) {
        lt_error("cannot start: %s", err);
        return -1;
    }
    if (!(rt->gate = create_gate(rt))) {
        lt_error("cannot start: out of memory");
        return -1;
    }
    if (cfg->tiktok.enabled) {
        lt_tiktok_collector_options o;
        collector_options(cfg, rt->collector_id, rt->lws, rt->pub, &rt->hk, &o);
        o.gate = rt->gate;
        o.delivery_tag = lt_source_tag((unsigned)rt->sources.count);
        if (!(rt->c = lt_tiktok_collector_create(&o, err, sizeof err))) {
            lt_error("cannot start: %s", err);
            return -1;
        }
        add_source(rt, &lt_tiktok_source, rt->c);
    }
    if (rt->pub)
        lt_kafka_producer_set_delivery_cb(lt_publisher_producer(rt->pub), route_delivery, rt);
    if (cfg->bigo.enabled && start_bigo(rt, err, sizeof err) != 0) {
        lt_error("cannot start: bigo: %s", err);
        return -1;
    }
    if (cfg->group.enabled) {
        if (start_group(rt, err, sizeof err) != 0)
            return -1;
    } else {
        for (size_t i = 0; i < cfg->rooms.count; i++)
            if (lt_tiktok_room_list_each(cfg->rooms.items[i], add_one, &rt->sources) != 0)
                return -1;
        if (nonempty(cfg->rooms_file) && rooms_file_each(cfg->rooms_file, add_one, &rt->sources) != 0)
            return -1;
    }
    if (cfg->admin.enabled && !(rt->admin = start_admin(cfg, rt->lws, &rt->sources, rt->c, rt->hk.group)))
        return -1;
    return 0;
}

/* The stop lines; returns the exit status (runtime.h). */
static int report(runtime *rt, long left)
{
    if (rt->bigo)
        lt_collector_bigo_report(rt->bigo);
    lt_tiktok_collector_stats st = {0};
    if (!rt->c) { /* BIGO alone */
        lt_kafka_stats ks = {0};
        if (rt->pub)
            lt_kafka_producer_stats(lt_publisher_producer(rt->pub), &ks);
        return left != 0 || ks.failed > 0 ? 1 : 0;
    }
    lt_tiktok_collector_get_stats(rt->c, &st);
    lt_kafka_stats ks = {0};
    if (rt->pub)
        lt_kafka_producer_stats(lt_publisher_producer(rt->pub), &ks);
    lt_info(
        "stopped: %llu events published, %llu duplicates removed, %llu publish errors, %llu given up under "
        "backpressure, %llu bad frames, %llu reconnects, %llu sign calls; %llu failed delivery, %zu not "
        "acknowledged by Kafka",
        (unsigned long long)st.events_published, (unsigned long long)st.duplicates_dropped,
        (unsigned long long)st.publish_errors, (unsigned long long)st.events_given_up,
        (unsigned long long)st.bad_frames, (unsigned long long)st.reconnects,
        (unsigned long long)st.sign_calls, (unsigned long long)ks.failed, st.undelivered_at_exit);
    uint64_t input_dropped = 0;
    for (int i = 0; i <= LT_TIKTOK_DROP_FRAME_TOO_LARGE; i++)
        input_dropped += st.input_dropped[i];
    if (input_dropped || st.unknown_truncated || st.rooms_throttled)
        lt_warn(
            "input limits: %llu messages past max_messages_per_frame, %llu empty entries, %llu frames over 8 "
            "MiB dropped; %llu unknown payloads cut to unknown_payload_max_bytes; rooms paused %llu times "
            "for their rate limits",
            (unsigned long long)st.input_dropped[LT_TIKTOK_DROP_FRAME_MESSAGES],
            (unsigned long long)st.input_dropped[LT_TIKTOK_DROP_EMPTY],
            (unsigned long long)st.input_dropped[LT_TIKTOK_DROP_FRAME_TOO_LARGE],
            (unsigned long long)st.unknown_truncated, (unsigned long long)st.rooms_throttled);
    lt_info(
        "room info: %llu published, %llu failed (host profile pages: %llu read, %llu failed, %llu refused); "
        "price lists: %llu published, %llu failed, %llu refused; gift catalogue: %llu lists read, %llu "
        "failed, "
        "%llu gifts published, %llu unchanged, %llu malformed skipped",
        (unsigned long long)st.info.room_info_published, (unsigned long long)st.info.room_info_failures,
        (unsigned long long)st.info.profile_pages, (unsigned long long)st.info.profile_failures,
        (unsigned long long)st.info.profile_blocked, (unsigned long long)st.info.price_lists,
        (unsigned long long)st.info.price_list_failures, (unsigned long long)st.info.price_list_blocked,
        (unsigned long long)st.info.gift_lists, (unsigned long long)st.info.gift_list_failures,
        (unsigned long long)st.info.gifts_published, (unsigned long long)st.info.gifts_unchanged,
        (unsigned long long)st.info.gifts_skipped);
    if (left != 0 || st.events_given_up > 0 || ks.failed > 0 || st.publish_errors > 0)
        return 1;
    return input_dropped > 0 ? 3 : 0;
}

/* In dependency order; each accepts NULL. Leaving the group first lets
 * the others take the rooms at once. */
static void teardown(runtime *rt)
{
    lt_admin_destroy(rt->admin);
    lt_kafka_group_destroy(rt->hk.group);
    /* delivery reports of the final flush find no source; the sources
     * before the loop they live on */
    for (size_t i = rt->sources.count; i-- > 0;)
        rt->sources.slot[i].instance = NULL;
    lt_bigo_destroy(rt->bigo);
    rt->bigo = NULL;
    lt_tiktok_collector_destroy(rt->c);
    rt->c = NULL;
    if (rt->lws) {
        lws_sul_cancel(&rt->drain);
        lws_context_destroy(rt->lws);
    }
    rt->lws = NULL;
    lt_gate_destroy(rt->gate); /* after the sources: they borrow it */
    rt->gate = NULL;
    lt_kafka_tail_destroy(rt->hk.tail);
    lt_publisher_destroy(rt->pub);
    free(rt->topics);
    lt_kafka_properties_free(&rt->props);
}

/* After each turn of the loop: delivery reports as soon as the loop is
 * free, not only on the sources' ticks (in_flight and the ack latency
 * histogram stay true). */
static void poll_reports(void *ctx)
{
    lt_publisher_poll(((runtime *)ctx)->pub, 0);
}

/* Group mode: membership every MEMBERSHIP_TICK_MS. */
static void runtime_tick(void *ctx, int64_t now_ms)
{
    membership_tick(&((runtime *)ctx)->hk, now_ms);
}

int lt_collector_run(const config *cfg)
{
    raise_fd_limit();
    static runtime rt; /* the signal handler and the hooks reach it for the whole run */
    memset(&rt, 0, sizeof rt);
    rt.cfg = cfg;
    rt.collector_id = nonempty(cfg->collector_id);
    if (!rt.collector_id) {
        snprintf(rt.default_id, sizeof rt.default_id, "%s-%ld",
                 cfg->default_id_prefix ? cfg->default_id_prefix : "livetap-collector", (long)getpid());
        rt.collector_id = rt.default_id;
    }
    if (start(&rt) != 0) {
        teardown(&rt);
        return 2;
    }
    if (rt.c)
        lt_info("collecting into %s%s.<type> as %s; sign server %s at %ld calls/min",
                cfg->kafka.dry_run ? "stdout, not " : "", cfg->kafka.topic_prefix, rt.collector_id,
                cfg->sign.url, cfg->sign.rate_per_minute);
    else
        lt_info("collecting BIGO into %s%s.<type> as %s", cfg->kafka.dry_run ? "stdout, not " : "",
                cfg->kafka.topic_prefix, rt.collector_id);

    rt.hk.collector = rt.c;
    leave_first = rt.hk.group && cfg->group.handover_timeout_s > 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* the loop, then each source's stop of its rooms and flush, in order */
    lt_collector_serve_hooks sh = {
        .after_turn = rt.pub ? poll_reports : NULL,
        .tick = rt.hk.group ? runtime_tick : NULL,
        .tick_ms = MEMBERSHIP_TICK_MS,
        .ctx = &rt,
    };
    long left = lt_collector_serve(rt.lws, &rt.sources, &sh);
    int status = report(&rt, left);
    teardown(&rt);
    return status;
}
