/* server.c - the admin API's HTTP side (see admin.h): one lws vhost with
 * one protocol in the program's context.
 *
 * A request is answered in one go: the whole response (JSON or metrics
 * text) is built in memory, its headers are written at once and the body
 * from the next writable callback, as the sidecar does. Bodies are
 * accumulated per connection up to max_body; a Content-Length above it is
 * answered 413 before anything is read, a body without Content-Length
 * (chunked: lws 4.1 does not take those) 411, and such a connection is
 * closed after the answer (its unread body cannot be told from a next
 * request). lws bounds headers and URI
 * (the context's max_http_header_data) and times idle connections out.
 */
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin.h"
#include "core/event.h"
#include "core/listen.h"
#include "core/log.h"

struct lt_admin_server {
    struct lws_vhost *vhost;
    lt_admin_options opts;
    char listen[64];
    int port;
    struct lws_protocols protocols[2];
    uint64_t unauthorized;
    int64_t unauthorized_logged_ms;
};

typedef enum method { M_OTHER, M_GET, M_POST, M_DELETE } method;

typedef struct conn {
    method method;
    char path[LT_ADMIN_SPEC_MAX + 16];
    char query_room[LT_ADMIN_SPEC_MAX];
    bool path_too_long;
    lt_buf body;
    bool body_too_big;
    bool length_required;  /* a body without Content-Length (chunked) */
    uint8_t *response; /* LWS_PRE headroom + body */
    size_t response_len;
    bool answered;     /* lws may still report a body (even an empty one) after an early answer */
    bool close_after;
    bool challenge;    /* a 401: say which scheme */
    /* the Authorization header; "" if absent or longer than any token we accept */
    char authorization[LT_ADMIN_TOKEN_MAX + 16];
} conn;

static void conn_free(conn *c)
{
    lt_buf_free(&c->body);
    free(c->response);
    c->response = NULL;
}

static int respond(struct lws *wsi, conn *c, unsigned status, const char *type, const char *body, size_t len)
{
    uint8_t hdr[LWS_PRE + 512], *start = hdr + LWS_PRE, *p = start, *end = hdr + sizeof hdr - 1;
    c->answered = true;
    free(c->response);
    c->response = malloc(LWS_PRE + len + 1);
    if (!c->response)
        return -1;
    memcpy(c->response + LWS_PRE, body, len);
    c->response_len = len;
    if (lws_add_http_common_headers(wsi, status, type, (lws_filepos_t)len, &p, end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:", (const unsigned char *)"no-store",
                                    8, &p, end) ||
        (c->close_after && lws_add_http_header_by_name(wsi, (const unsigned char *)"connection:",
                                                       (const unsigned char *)"close", 5, &p, end)) ||
        (c->challenge && lws_add_http_header_by_name(wsi, (const unsigned char *)"www-authenticate:",
                                                     (const unsigned char *)"Bearer", 6, &p, end)) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    lws_callback_on_writable(wsi);
    return 0;
}

/* Takes the reference. */
static int respond_json(struct lws *wsi, conn *c, unsigned status, json_t *doc)
{
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!text)
        return respond(wsi, c, 500, "application/json", "{\"error\":\"out of memory\"}\n", 26);
    size_t len = strlen(text);
    int rc = -1;
    char *line = malloc(len + 2);
    if (line) {
        memcpy(line, text, len);
        line[len] = '\n';
        rc = respond(wsi, c, status, "application/json", line, len + 1);
    }
    free(line);
    free(text);
    return rc;
}

static int respond_error(struct lws *wsi, conn *c, unsigned status, const char *message)
{
    return respond_json(wsi, c, status, json_pack("{s:s}", "error", message));
}

static int handle_add(struct lws *wsi, conn *c, lt_admin_server *s)
{
    char spec[LT_ADMIN_SPEC_MAX], err[512] = "";
    int got = lt_admin_room_from_body((const char *)c->body.data, c->body.len, spec, sizeof spec, err, sizeof err);
    if (got < 0)
        return respond_error(wsi, c, 400, err);
    if (got == 1) {
        if (!c->query_room[0])
            return respond_error(wsi, c, 400, "name the room: {\"room\": \"@user\"}, a plain-text body or ?room=");
        snprintf(spec, sizeof spec, "%s", c->query_room);
    }
    json_t *room = NULL;
    lt_admin_status st = s->opts.rooms.add(s->opts.rooms.ctx, spec, &room, err, sizeof err);
    if (st != LT_ADMIN_OK && st != LT_ADMIN_CREATED && st != LT_ADMIN_ACCEPTED) {
        json_decref(room);
        return respond_error(wsi, c, lt_admin_http_status(st), err[0] ? err : "cannot add the room");
    }
    lt_info("admin: room %s added", spec);
    return respond_json(wsi, c, lt_admin_http_status(st), room ? room : json_pack("{s:s}", "room", spec));
}

static int handle_remove(struct lws *wsi, conn *c, lt_admin_server *s, const char *spec)
{
    char err[512] = "";
    lt_admin_status st = s->opts.rooms.remove(s->opts.rooms.ctx, spec, err, sizeof err);
    if (st != LT_ADMIN_OK && st != LT_ADMIN_ACCEPTED)
        return respond_error(wsi, c, lt_admin_http_status(st), err[0] ? err : "cannot remove the room");
    lt_info("admin: room %s removed", spec);
    return respond_json(wsi, c, lt_admin_http_status(st), json_pack("{s:s}", "removed", spec));
}

static bool authorized(const conn *c, const lt_admin_server *s, lt_admin_route route)
{
    if (!s->opts.token || !*s->opts.token)
        return true;
    bool guarded = route == LT_ADMIN_ROUTE_ROOMS || route == LT_ADMIN_ROUTE_ROOM ||
                   (route == LT_ADMIN_ROUTE_METRICS && s->opts.token_covers_metrics);
    return !guarded || lt_admin_bearer_matches(c->authorization, s->opts.token);
}

static int handle(struct lws *wsi, conn *c, lt_admin_server *s)
{
    lt_admin_route route;
    char spec[LT_ADMIN_SPEC_MAX];
    if (c->body_too_big || c->length_required) {
        c->close_after = true;
        return c->body_too_big ? respond_error(wsi, c, 413, "request body too large")
                               : respond_error(wsi, c, 411, "send the body with a Content-Length");
    }
    if (c->path_too_long || lt_admin_route_parse(c->path, &route, spec, sizeof spec) != 0)
        return respond_error(wsi, c, 400, "bad room in the path (empty, too long or with control characters)");
    if (!authorized(c, s, route)) {
        c->challenge = true;
        s->unauthorized++;
        int64_t now = lt_now_ms();
        if (now - s->unauthorized_logged_ms >= 10000) {
            s->unauthorized_logged_ms = now;
            lt_warn("admin: refused %llu request(s) without the admin token so far (latest: %s)",
                    (unsigned long long)s->unauthorized, c->path_too_long ? "(a long path)" : c->path);
        }
        return respond_error(wsi, c, 401, "this endpoint needs the admin token: send Authorization: Bearer <token>");
    }
    bool get = c->method == M_GET;
    switch (route) {
    case LT_ADMIN_ROUTE_HEALTHZ:
        return get ? respond_json(wsi, c, 200, json_pack("{s:b}", "ok", 1)) : respond_error(wsi, c, 405, "use GET");
    case LT_ADMIN_ROUTE_READYZ: {
        if (!get)
            return respond_error(wsi, c, 405, "use GET");
        json_t *detail = NULL;
        bool ready = s->opts.probes.ready(s->opts.probes.ctx, &detail);
        return respond_json(wsi, c, ready ? 200 : 503, detail);
    }
    case LT_ADMIN_ROUTE_METRICS: {
        if (!get)
            return respond_error(wsi, c, 405, "use GET");
        lt_buf text = LT_BUF_INIT;
        int rc = s->opts.probes.metrics(s->opts.probes.ctx, &text) < 0
                     ? respond_error(wsi, c, 500, "out of memory")
                     : respond(wsi, c, 200, "text/plain; version=0.0.4", text.data ? (const char *)text.data : "",
                               text.len);
        lt_buf_free(&text);
        return rc;
    }
    case LT_ADMIN_ROUTE_ROOMS:
    case LT_ADMIN_ROUTE_ROOM:
        if (!s->opts.rooms.list) /* a program without rooms (livetap-bigo) */
            return respond_error(wsi, c, 404, "not found: try /healthz, /readyz, /metrics");
        break;
    default:
        break;
    }
    switch (route) {
    case LT_ADMIN_ROUTE_ROOMS:
        if (get)
            return respond_json(wsi, c, 200, s->opts.rooms.list(s->opts.rooms.ctx));
        if (c->method == M_POST)
            return handle_add(wsi, c, s);
        if (c->method == M_DELETE && c->query_room[0])
            return handle_remove(wsi, c, s, c->query_room);
        return respond_error(wsi, c, 405, "use GET or POST on /rooms");
    case LT_ADMIN_ROUTE_ROOM:
        if (get) {
            json_t *room = s->opts.rooms.get(s->opts.rooms.ctx, spec);
            return room ? respond_json(wsi, c, 200, room) : respond_error(wsi, c, 404, "no such room");
        }
        if (c->method == M_DELETE)
            return handle_remove(wsi, c, s, spec);
        return respond_error(wsi, c, 405, "use GET or DELETE on /rooms/{room}");
    default:
        return respond_error(wsi, c, 404, "not found: try /rooms, /rooms/{room}, /healthz, /readyz, /metrics");
    }
}

static method method_of(struct lws *wsi)
{
    if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI))
        return M_GET;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI))
        return M_POST;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_DELETE_URI))
        return M_DELETE;
    return M_OTHER;
}

/* A new request: 0 to go on (a body follows), 1 to answer now, -1 on error. */
static int begin(struct lws *wsi, conn *c, lt_admin_server *s, const char *uri, size_t uri_len)
{
    conn_free(c); /* a keep-alive connection's previous request */
    memset(c, 0, sizeof *c);
    c->method = method_of(wsi);
    if (uri_len >= sizeof c->path)
        c->path_too_long = true;
    else
        memcpy(c->path, uri, uri_len);
    /* lws copies the decoded "room=value" and points past the '=' */
    const char *value = lws_get_urlarg_by_name(wsi, "room=", c->query_room, (int)sizeof c->query_room);
    if (value)
        memmove(c->query_room, value, strlen(value) + 1);
    else
        c->query_room[0] = '\0';
    if (lws_hdr_copy(wsi, c->authorization, sizeof c->authorization, WSI_TOKEN_HTTP_AUTHORIZATION) < 0)
        c->authorization[0] = '\0';
    if (c->method != M_POST)
        return 1;
    char length[32];
    if (lws_hdr_copy(wsi, length, sizeof length, WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0) {
        c->length_required = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0;
        return 1;
    }
    char *endp;
    unsigned long long n = strtoull(length, &endp, 10);
    if (*endp || n > s->opts.max_body) {
        c->body_too_big = true;
        return 1;
    }
    return n ? 0 : 1;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    conn *c = user;
    struct lws_vhost *vh = lws_get_vhost(wsi);
    lt_admin_server *s = vh ? lws_vhost_user(vh) : NULL;
    switch (reason) {
    case LWS_CALLBACK_HTTP: {
        if (!s || !c)
            return -1;
        int rc = begin(wsi, c, s, in ? (const char *)in : "", in ? strlen(in) : 0);
        if (rc == 0)
            return 0;
        return handle(wsi, c, s) < 0 ? -1 : 0;
    }
    case LWS_CALLBACK_HTTP_BODY:
        if (c->answered || c->body_too_big)
            return 0;
        if (c->body.len + len > s->opts.max_body) {
            c->body_too_big = true;
            lt_buf_free(&c->body);
            return 0;
        }
        return lt_buf_append(&c->body, in, len) < 0 ? -1 : 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (c->answered)
            return 0;
        if (!lt_buf_append_byte(&c->body, '\0'))
            c->body.len--; /* NUL-terminated for the parsers, not counted */
        return handle(wsi, c, s) < 0 ? -1 : 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (!c || !c->response)
            return 0;
        if (lws_write(wsi, c->response + LWS_PRE, c->response_len, LWS_WRITE_HTTP_FINAL) != (int)c->response_len)
            return -1;
        conn_free(c);
        if (c->close_after)
            return -1;
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    case LWS_CALLBACK_CLOSED_HTTP:
        if (c)
            conn_free(c);
        return 0;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

lt_admin_server *lt_admin_create(struct lws_context *ctx, const lt_admin_options *opts, char *err, size_t errlen)
{
    lt_admin_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->opts = *opts;
    if (opts->token && strlen(opts->token) > LT_ADMIN_TOKEN_MAX) {
        snprintf(err, errlen, "admin token: %zu characters, at most %d allowed", strlen(opts->token),
                 LT_ADMIN_TOKEN_MAX);
        free(s);
        return NULL;
    }
    if (!s->opts.max_body)
        s->opts.max_body = 4096;
    snprintf(s->listen, sizeof s->listen, "%s", opts->listen && *opts->listen ? opts->listen : "127.0.0.1");
    s->protocols[0] = (struct lws_protocols){
        .name = "livetap-admin",
        .callback = callback,
        .per_session_data_size = sizeof(conn),
        .rx_buffer_size = 4096,
    };
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.vhost_name = "admin";
    info.port = opts->port;
    if (lt_listen_configure(&info, s->listen, err, errlen)) {
        free(s);
        return NULL;
    }
    info.protocols = s->protocols;
    info.user = s;
    s->vhost = lws_create_vhost(ctx, &info);
    if (!s->vhost) {
        snprintf(err, errlen, "admin API: cannot listen on %s:%d (in use, or not an address of this host?)",
                 s->listen, opts->port);
        free(s);
        return NULL;
    }
    s->port = lws_get_vhost_listen_port(s->vhost);
    return s;
}

int lt_admin_port(const lt_admin_server *s)
{
    return s->port;
}

void lt_admin_destroy(lt_admin_server *s)
{
    if (!s)
        return;
    lws_vhost_destroy(s->vhost);
    free(s);
}
