/* registry.c - Confluent-compatible Schema Registry client over libcurl.
 *
 * Only the calls livetap needs: register a subject's schema (idempotent: the
 * registry returns the existing id for a schema it already has), fetch a
 * schema by id, and a cheap GET /subjects for readiness. Each call is one
 * blocking request with connect and total timeouts, made at start-up or on a
 * cache miss, never per record.
 *
 * Every call is idempotent, so a request whose answer got lost (the
 * connection dropped, or no byte came back in time) is made again, up to
 * ATTEMPTS times, on a fresh connection. This is not hypothetical: Apicurio
 * has been seen logging a registration as answered while the reused
 * connection delivered nothing for 10 s. A refused connection is not
 * retried (nobody listens: say so at once). `Expect: 100-continue`, which
 * libcurl 7.x adds to bodies over 1 KiB, is turned off: it costs a round
 * trip (or a 1 s wait) per schema and is another state for the server to
 * get wrong.
 *
 * Error reporting is the point of this file: a registry that refuses a schema
 * must produce a message a person can act on - which subject, what the
 * registry said (its error_code and message), and the usual remedy - because
 * the process then refuses to start rather than write data nobody can read.
 */
#include "avro/registry.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"

#define ATTEMPTS 3
#define LT_REGISTRY_MAX_RESPONSE (8u << 20) /* a schema is kilobytes; cap hostile answers */

struct lt_registry {
    char *url;   /* without a trailing slash; may hold user:password@ (libcurl sends it as basic auth) */
    char *shown; /* url with the password replaced: the only form that reaches a message */
    char *userpwd;
    long timeout_ms;
    CURL *curl;
    struct curl_slist *headers;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

lt_registry *lt_registry_create(const lt_registry_options *opts, char *err, size_t errlen)
{
    if (!opts || !opts->url || !*opts->url) {
        snprintf(err, errlen, "no schema registry URL given");
        return NULL;
    }
    pthread_once(&curl_once, curl_init_once);
    lt_registry *reg = calloc(1, sizeof *reg);
    if (!reg)
        goto oom;
    reg->url = strdup(opts->url);
    if (!reg->url)
        goto oom;
    size_t n = strlen(reg->url);
    while (n && reg->url[n - 1] == '/')
        reg->url[--n] = '\0';
    char shown[1024];
    reg->shown = strdup(lt_log_url(reg->url, shown, sizeof shown));
    if (!reg->shown)
        goto oom;
    if (opts->username && *opts->username) {
        size_t len = strlen(opts->username) + strlen(opts->password ? opts->password : "") + 2;
        reg->userpwd = malloc(len);
        if (!reg->userpwd)
            goto oom;
        snprintf(reg->userpwd, len, "%s:%s", opts->username, opts->password ? opts->password : "");
    }
    reg->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 10000;
    reg->curl = curl_easy_init();
    reg->headers = curl_slist_append(NULL, "Content-Type: application/vnd.schemaregistry.v1+json");
    if (reg->headers)
        reg->headers = curl_slist_append(reg->headers,
                                         "Accept: application/vnd.schemaregistry.v1+json, application/json");
    if (reg->headers)
        reg->headers = curl_slist_append(reg->headers, "Expect:");
    if (!reg->curl || !reg->headers)
        goto oom;
    return reg;
oom:
    snprintf(err, errlen, "out of memory");
    lt_registry_destroy(reg);
    return NULL;
}

void lt_registry_destroy(lt_registry *reg)
{
    if (!reg)
        return;
    if (reg->curl)
        curl_easy_cleanup(reg->curl);
    curl_slist_free_all(reg->headers);
    if (reg->url) {
        memset(reg->url, 0, strlen(reg->url));
        free(reg->url);
    }
    free(reg->shown);
    if (reg->userpwd) {
        memset(reg->userpwd, 0, strlen(reg->userpwd));
        free(reg->userpwd);
    }
    free(reg);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    lt_buf *body = userdata;
    size_t n = size * nmemb;
    if (body->len + n > LT_REGISTRY_MAX_RESPONSE)
        return 0; /* aborts the transfer */
    return lt_buf_append(body, data, n) == 0 ? n : 0;
}

/* The request may have reached the registry and its answer got lost. */
static bool answer_lost(CURLcode rc)
{
    return rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_GOT_NOTHING || rc == CURLE_RECV_ERROR ||
           rc == CURLE_SEND_ERROR || rc == CURLE_PARTIAL_FILE;
}

/* One request (made again on a fresh connection while its answer gets
 * lost, see the top). Returns the HTTP status, or -1 with err filled when no
 * answer came. The body (NUL-terminated) is left in `body`. */
static long request(lt_registry *reg, const char *method, const char *path, const char *payload,
                    lt_buf *body, char *err, size_t errlen)
{
    char url[2048];
    snprintf(url, sizeof url, "%s%s", reg->url, path);
    char curl_err[CURL_ERROR_SIZE] = "";
    CURL *c = reg->curl;
    CURLcode rc = CURLE_OK;
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
        curl_err[0] = '\0';
        lt_buf_reset(body);
        curl_easy_reset(c);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, reg->headers);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, reg->timeout_ms);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, reg->timeout_ms < 5000 ? reg->timeout_ms : 5000L);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
        curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, attempt > 1 ? 1L : 0L);
        if (payload)
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload);
        if (reg->userpwd) {
            curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
            curl_easy_setopt(c, CURLOPT_USERPWD, reg->userpwd);
        }
        rc = curl_easy_perform(c);
        if (rc == CURLE_OK || !answer_lost(rc) || attempt == ATTEMPTS)
            break;
        lt_warn("schema registry: %s %s: %s; asking again on a new connection (attempt %d of %d)", method, path,
                curl_err[0] ? curl_err : curl_easy_strerror(rc), attempt + 1, ATTEMPTS);
    }
    if (rc != CURLE_OK) {
        snprintf(err, errlen, "schema registry at %s unreachable: %s", reg->shown,
                 curl_err[0] ? curl_err : curl_easy_strerror(rc));
        return -1;
    }
    if (lt_buf_append_byte(body, 0)) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    body->len--;
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

/* "registry error 409 (code 409): <message>" from a Confluent error body. */
static void describe_error(long status, const lt_buf *body, char *out, size_t outlen)
{
    json_t *root = body->len ? json_loadb((const char *)body->data, body->len, 0, NULL) : NULL;
    const char *message = root ? json_string_value(json_object_get(root, "message")) : NULL;
    json_int_t code = root ? json_integer_value(json_object_get(root, "error_code")) : 0;
    if (message)
        snprintf(out, outlen, "HTTP %ld, error_code %lld: %s", status, (long long)code, message);
    else
        snprintf(out, outlen, "HTTP %ld: %.300s", status, body->len ? (const char *)body->data : "(empty body)");
    json_decref(root);
}

static lt_registry_error classify(long status)
{
    switch (status) {
    case 409: return LT_REGISTRY_INCOMPATIBLE;
    case 422: return LT_REGISTRY_INVALID;
    case 404: return LT_REGISTRY_NOT_FOUND;
    default: return LT_REGISTRY_FAILED;
    }
}

/* Subjects are topic names plus "-value"; escape anything unusual anyway. */
static int escape_subject(CURL *c, const char *subject, char *out, size_t outlen)
{
    char *esc = curl_easy_escape(c, subject, 0);
    if (!esc)
        return -1;
    snprintf(out, outlen, "%s", esc);
    curl_free(esc);
    return 0;
}

lt_registry_error lt_registry_register(lt_registry *reg, const char *subject, const char *schema_json,
                                       int32_t *id, char *err, size_t errlen)
{
    char path[1024], esc[768];
    if (escape_subject(reg->curl, subject, esc, sizeof esc)) {
        snprintf(err, errlen, "out of memory");
        return LT_REGISTRY_FAILED;
    }
    snprintf(path, sizeof path, "/subjects/%s/versions", esc);
    json_t *req = json_pack("{s:s, s:s}", "schema", schema_json, "schemaType", "AVRO");
    char *payload = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (!payload) {
        snprintf(err, errlen, "out of memory");
        return LT_REGISTRY_FAILED;
    }
    lt_buf body = LT_BUF_INIT;
    char why[1024];
    long status = request(reg, "POST", path, payload, &body, why, sizeof why);
    free(payload);
    lt_registry_error result = LT_REGISTRY_OK;
    if (status < 0) {
        snprintf(err, errlen, "registering subject %s: %s. Check that the registry runs and that the "
                 "URL includes the API prefix (Apicurio: /apis/ccompat/v7).", subject, why);
        result = LT_REGISTRY_UNREACHABLE;
    } else if (status != 200) {
        describe_error(status, &body, why, sizeof why);
        result = classify(status);
        const char *todo =
            result == LT_REGISTRY_INCOMPATIBLE
                ? "The schema is not compatible with the versions already registered under this "
                  "subject (the registry's compatibility level decides). Make the change "
                  "compatible (e.g. add fields with defaults), or publish to a new topic prefix."
            : result == LT_REGISTRY_INVALID ? "The registry considers the schema invalid; check schemas/*.avsc."
            : result == LT_REGISTRY_NOT_FOUND ? "The registry URL is probably missing its API prefix (Apicurio: /apis/ccompat/v7)."
                                              : "See the registry's log.";
        snprintf(err, errlen, "schema registry refused subject %s: %s. %s", subject, why, todo);
    } else {
        json_t *root = json_loadb((const char *)body.data, body.len, 0, NULL);
        json_t *jid = root ? json_object_get(root, "id") : NULL;
        if (!json_is_integer(jid) || json_integer_value(jid) < 0 || json_integer_value(jid) > INT32_MAX) {
            snprintf(err, errlen, "registering subject %s: the registry answered 200 without a valid id: %.200s",
                     subject, (const char *)body.data);
            result = LT_REGISTRY_FAILED;
        } else {
            *id = (int32_t)json_integer_value(jid);
        }
        json_decref(root);
    }
    lt_buf_free(&body);
    return result;
}

/* GET `path`, an answer with "schema" (and "id" if `id` is wanted). `what`
 * names the request in errors. */
static lt_registry_error get_schema_at(lt_registry *reg, const char *path, const char *what, int32_t *id,
                                       char **schema_json, char *err, size_t errlen)
{
    lt_buf body = LT_BUF_INIT;
    char why[1024];
    long status = request(reg, "GET", path, NULL, &body, why, sizeof why);
    lt_registry_error result = LT_REGISTRY_OK;
    *schema_json = NULL;
    if (status < 0) {
        snprintf(err, errlen, "fetching %s: %s", what, why);
        result = LT_REGISTRY_UNREACHABLE;
    } else if (status != 200) {
        describe_error(status, &body, why, sizeof why);
        snprintf(err, errlen, "fetching %s: %s", what, why);
        result = classify(status);
    } else {
        json_t *root = json_loadb((const char *)body.data, body.len, 0, NULL);
        const char *text = root ? json_string_value(json_object_get(root, "schema")) : NULL;
        json_t *jid = root ? json_object_get(root, "id") : NULL;
        if (id && (!json_is_integer(jid) || json_integer_value(jid) <= 0 || json_integer_value(jid) > INT32_MAX)) {
            snprintf(err, errlen, "fetching %s: no valid \"id\" in the answer", what);
            result = LT_REGISTRY_FAILED;
        } else if (!text || !(*schema_json = strdup(text))) {
            snprintf(err, errlen, "fetching %s: no \"schema\" in the answer", what);
            result = LT_REGISTRY_FAILED;
        } else if (id) {
            *id = (int32_t)json_integer_value(jid);
        }
        json_decref(root);
    }
    lt_buf_free(&body);
    return result;
}

lt_registry_error lt_registry_get_schema(lt_registry *reg, int32_t id, char **schema_json, char *err,
                                         size_t errlen)
{
    char path[64], what[48];
    snprintf(path, sizeof path, "/schemas/ids/%d", (int)id);
    snprintf(what, sizeof what, "schema id %d", (int)id);
    return get_schema_at(reg, path, what, NULL, schema_json, err, errlen);
}

lt_registry_error lt_registry_latest(lt_registry *reg, const char *subject, int32_t *id,
                                     char **schema_json, char *err, size_t errlen)
{
    char path[1024], esc[768], what[800];
    *schema_json = NULL;
    if (escape_subject(reg->curl, subject, esc, sizeof esc)) {
        snprintf(err, errlen, "out of memory");
        return LT_REGISTRY_FAILED;
    }
    snprintf(path, sizeof path, "/subjects/%s/versions/latest", esc);
    snprintf(what, sizeof what, "the latest schema of subject %s", subject);
    return get_schema_at(reg, path, what, id, schema_json, err, errlen);
}

lt_registry_error lt_registry_ping(lt_registry *reg, char *err, size_t errlen)
{
    lt_buf body = LT_BUF_INIT;
    char why[1024];
    long status = request(reg, "GET", "/subjects", NULL, &body, why, sizeof why);
    lt_buf_free(&body);
    if (status < 0) {
        snprintf(err, errlen, "%s", why);
        return LT_REGISTRY_UNREACHABLE;
    }
    if (status != 200) {
        snprintf(err, errlen, "schema registry at %s answered HTTP %ld to GET /subjects", reg->shown, status);
        return classify(status);
    }
    return LT_REGISTRY_OK;
}
