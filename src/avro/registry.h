/* registry.h - a Confluent-compatible Schema Registry client (libcurl).
 *
 * Speaks the Confluent REST API (Content-Type
 * application/vnd.schemaregistry.v1+json) against any base URL: Confluent,
 * Apicurio's ccompat API (<host>/apis/ccompat/v7), Karapace, Redpanda.
 * Calls are blocking with bounded timeouts; livetap makes them at start-up
 * (register every subject) and, in the sidecar, on a schema-id cache miss.
 * Errors carry the subject, the HTTP status, the registry's own error code and
 * message, and what to do about it.
 *
 * Not thread-safe: an lt_registry owns one curl easy handle, so each thread
 * that calls the registry needs its own client (the sidecar keeps one for its
 * consumer thread and one for its health thread).
 */
#ifndef LT_AVRO_REGISTRY_H
#define LT_AVRO_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

typedef struct lt_registry lt_registry;

typedef struct lt_registry_options {
    const char *url;            /* base URL, e.g. http://127.0.0.1:18081/apis/ccompat/v7 */
    const char *username;       /* optional basic auth (sent on every request; overrides user:pass@ in the URL) */
    const char *password;       /* credentials in the URL work too but the separate keys keep them out of it;
                                   either way messages show the URL with the password as *** */
    long timeout_ms;            /* per request; 0 = 10000 */
} lt_registry_options;

typedef enum lt_registry_error {
    LT_REGISTRY_OK = 0,
    LT_REGISTRY_UNREACHABLE = -1,  /* connection refused, DNS, timeout */
    LT_REGISTRY_INCOMPATIBLE = -2, /* HTTP 409 */
    LT_REGISTRY_INVALID = -3,      /* HTTP 422 */
    LT_REGISTRY_NOT_FOUND = -4,    /* HTTP 404 */
    LT_REGISTRY_FAILED = -5,       /* anything else */
} lt_registry_error;

lt_registry *lt_registry_create(const lt_registry_options *opts, char *err, size_t errlen);
void lt_registry_destroy(lt_registry *reg); /* accepts NULL */

/* POST /subjects/{subject}/versions: registers the schema (or finds it
 * registered) and stores its id. */
lt_registry_error lt_registry_register(lt_registry *reg, const char *subject, const char *schema_json,
                                       int32_t *id, char *err, size_t errlen);

/* GET /schemas/ids/{id}: the schema text (malloc'd, caller frees). */
lt_registry_error lt_registry_get_schema(lt_registry *reg, int32_t id, char **schema_json,
                                         char *err, size_t errlen);

/* GET /subjects/{subject}/versions/latest: the id and text (malloc'd,
 * caller frees) of the subject's newest schema. LT_REGISTRY_NOT_FOUND if the
 * subject has none yet. */
lt_registry_error lt_registry_latest(lt_registry *reg, const char *subject, int32_t *id,
                                     char **schema_json, char *err, size_t errlen);

/* GET /subjects: a cheap reachability check for readiness probes. */
lt_registry_error lt_registry_ping(lt_registry *reg, char *err, size_t errlen);

#endif
