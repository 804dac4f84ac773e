/* admin.h - the admin HTTP API: rooms, health, readiness, metrics.
 *
 * The server is one more vhost in a program's existing libwebsockets
 * context: no thread, no second loop; a request is answered from the same
 * loop that runs the rooms, so what it reads is never stale or racy.
 *
 *   GET    /healthz          200 {"ok":true} while the loop runs (liveness)
 *   GET    /readyz           200 or 503, JSON detail from probes.ready
 *   GET    /metrics          Prometheus text from probes.metrics
 *   GET    /rooms            rooms.list
 *   POST   /rooms            body {"room":"@user"}, a plain-text body, or ?room=; 201 / 409 / 400
 *   GET    /rooms/{spec}     rooms.get; 404 if unknown
 *   DELETE /rooms/{spec}     rooms.remove (also DELETE /rooms?room=); 200 / 404 / 400
 *
 * What rooms mean is the program's: `lt_admin_rooms` is a small table of
 * functions, so that a collector in group mode can turn add/remove into
 * writes to a control topic without touching this server. Errors are JSON
 * {"error": "..."} with a 4xx/5xx status; request bodies are bounded
 * (max_body), paths and specs too; anything else is 404/405/413.
 *
 * Authentication: with a token configured, every /rooms request must carry
 * `Authorization: Bearer <token>` (compared in constant time: both sides
 * are hashed with SHA-256 and the digests compared with CRYPTO_memcmp, so
 * neither the content nor the length leaks through timing); anything else
 * is answered 401 with `WWW-Authenticate: Bearer`. /healthz and /readyz stay
 * open (orchestrators probe them without secrets and they reveal nothing);
 * /metrics too unless token_covers_metrics (it names the rooms).
 *
 * The parse helpers below are pure, for tests and fuzzing.
 */
#ifndef LT_ADMIN_ADMIN_H
#define LT_ADMIN_ADMIN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

struct lws_context;

#define LT_ADMIN_SPEC_MAX 512 /* a room spec, with its terminating NUL */
#define LT_ADMIN_TOKEN_MAX 256 /* characters of an admin token */

typedef enum lt_admin_status {
    LT_ADMIN_OK = 0,      /* 200 */
    LT_ADMIN_CREATED,     /* 201 */
    LT_ADMIN_ACCEPTED,    /* 202: written to the control topic; a collector will act on it */
    LT_ADMIN_BAD_REQUEST, /* 400: the spec does not parse */
    LT_ADMIN_NOT_FOUND,   /* 404 */
    LT_ADMIN_CONFLICT,    /* 409: already there */
    LT_ADMIN_LIMIT,       /* 429: a configured limit (e.g. the room cap) is reached */
    LT_ADMIN_UNAVAILABLE, /* 503: e.g. the control topic cannot be written */
    LT_ADMIN_ERROR,       /* 500 */
} lt_admin_status;

/* Each is called on the loop's thread. JSON results are new references the
 * server takes; err is the message of an error answer. */
typedef struct lt_admin_rooms {
    void *ctx;
    lt_admin_status (*add)(void *ctx, const char *spec, json_t **room, char *err, size_t errlen);
    lt_admin_status (*remove)(void *ctx, const char *spec, char *err, size_t errlen);
    json_t *(*list)(void *ctx);
    json_t *(*get)(void *ctx, const char *spec); /* NULL = unknown */
} lt_admin_rooms;

typedef struct lt_admin_probes {
    void *ctx;
    bool (*ready)(void *ctx, json_t **detail);
    int (*metrics)(void *ctx, lt_buf *out); /* appends Prometheus text; -1 if out of memory */
} lt_admin_probes;

typedef struct lt_admin_options {
    const char *listen;   /* address to bind; NULL = 127.0.0.1 */
    int port;             /* 0 = any free port (lt_admin_port says which) */
    size_t max_body;      /* bytes of a request body; 0 = 4096 */
    const char *token;    /* NULL or "" = no authentication (see the top) */
    bool token_covers_metrics; /* /metrics needs the token too */
    lt_admin_rooms rooms;
    lt_admin_probes probes;
} lt_admin_options;

typedef struct lt_admin_server lt_admin_server;

/* Listens in `ctx` (a new vhost named "admin"). NULL with err if the
 * address cannot be bound. */
lt_admin_server *lt_admin_create(struct lws_context *ctx, const lt_admin_options *opts, char *err,
                                 size_t errlen);
/* The port actually bound. */
int lt_admin_port(const lt_admin_server *s);
/* Closes the vhost; call before the context is destroyed. Accepts NULL. */
void lt_admin_destroy(lt_admin_server *s);

/* --- pure helpers --- */

typedef enum lt_admin_route {
    LT_ADMIN_ROUTE_NONE = 0, /* 404 */
    LT_ADMIN_ROUTE_HEALTHZ,
    LT_ADMIN_ROUTE_READYZ,
    LT_ADMIN_ROUTE_METRICS,
    LT_ADMIN_ROUTE_ROOMS,    /* /rooms */
    LT_ADMIN_ROUTE_ROOM,     /* /rooms/{spec}: spec filled */
} lt_admin_route;

/* The route of a (percent-decoded) path; a trailing slash is ignored.
 * /rooms/{spec} takes everything after "/rooms/" (URLs contain slashes;
 * the "//" after a scheme, which lws merges into one, is restored);
 * -1 if that spec is empty, too long or holds control characters. */
int lt_admin_route_parse(const char *path, lt_admin_route *route, char *spec, size_t cap);

/* The room named by a POST body: {"room": "..."} or plain text (one line,
 * blanks trimmed). 0 with *spec filled; 1 if the body is empty (blank);
 * -1 with err if it is neither. */
int lt_admin_room_from_body(const char *body, size_t len, char *spec, size_t cap, char *err, size_t errlen);

/* Whether an Authorization header value is "Bearer <token>", in constant
 * time over the header and the token. */
bool lt_admin_bearer_matches(const char *header, const char *token);

/* The HTTP status of a result. */
unsigned lt_admin_http_status(lt_admin_status st);

#endif
