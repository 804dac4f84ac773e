/* Schema registry client against a scripted HTTP server on a thread: an
 * answer lost on the wire is asked for again on a new connection, a
 * registry that never answers is reported after the attempts, and no
 * request carries `Expect: 100-continue`. */
#define _GNU_SOURCE /* strcasestr */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "avro/registry.h"
#include "core/log.h"

/* What the server does with each connection, in order. */
typedef enum { DROP, SILENT, ANSWER } action;

typedef struct server {
    int fd;
    int port;
    const action *script;
    int steps;
    int connections;  /* accepted */
    int saw_expect;   /* requests carrying an Expect: 100-continue header */
    const char *status;  /* ANSWER's status line and body ("200 OK", {"id":7} if NULL) */
    const char *body;
    char request_line[256];  /* of the last request */
    char authorization[256]; /* its Authorization header's value, "" if none */
    pthread_t thread;
} server;

/* Reads one request (headers and a Content-Length body). */
static int read_request(int fd, char *buf, size_t cap)
{
    size_t len = 0;
    while (len + 1 < cap) {
        ssize_t n = recv(fd, buf + len, cap - 1 - len, 0);
        if (n <= 0)
            return -1;
        len += (size_t)n;
        buf[len] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        if (!end)
            continue;
        const char *cl = strcasestr(buf, "Content-Length:");
        size_t body = cl ? strtoul(cl + 15, NULL, 10) : 0;
        if (len >= (size_t)(end + 4 - buf) + body)
            return (int)len;
    }
    return -1;
}

static void *serve(void *arg)
{
    server *s = arg;
    for (int i = 0; i < s->steps; i++) {
        int c = accept(s->fd, NULL, NULL);
        if (c < 0)
            break;
        s->connections++;
        char req[16384];
        if (read_request(c, req, sizeof req) > 0) {
            if (strcasestr(req, "Expect: 100-continue"))
                s->saw_expect++;
            snprintf(s->request_line, sizeof s->request_line, "%.*s", (int)strcspn(req, "\r"), req);
            const char *auth = strcasestr(req, "\r\nAuthorization: ");
            snprintf(s->authorization, sizeof s->authorization, "%.*s", auth ? (int)strcspn(auth + 17, "\r") : 0,
                     auth ? auth + 17 : "");
            if (s->script[i] == ANSWER) {
                const char *body = s->body ? s->body : "{\"id\":7}";
                char resp[1024];
                int n = snprintf(resp, sizeof resp,
                                 "HTTP/1.1 %s\r\nContent-Type: application/json\r\n"
                                 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                                 s->status ? s->status : "200 OK", strlen(body), body);
                (void)!send(c, resp, (size_t)n, 0);
            } else if (s->script[i] == SILENT) {
                char sink[256];
                while (recv(c, sink, sizeof sink, 0) > 0) /* until the client gives up */
                    ;
            }
        }
        close(c);
    }
    return NULL;
}

static void server_start_answering(server *s, const action *script, int steps, const char *status,
                                   const char *body)
{
    memset(s, 0, sizeof *s);
    s->status = status;
    s->body = body;
    s->script = script;
    s->steps = steps;
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s->fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(s->fd, 8), 0);
    socklen_t alen = sizeof a;
    getsockname(s->fd, (struct sockaddr *)&a, &alen);
    s->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void server_start(server *s, const action *script, int steps)
{
    server_start_answering(s, script, steps, NULL, NULL);
}

static void server_stop(server *s)
{
    shutdown(s->fd, SHUT_RDWR);
    pthread_join(s->thread, NULL);
    close(s->fd);
}

static lt_registry *client(const server *s, long timeout_ms)
{
    char url[128], err[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/apis/ccompat/v7", s->port);
    lt_registry_options o = {.url = url, .timeout_ms = timeout_ms};
    lt_registry *reg = lt_registry_create(&o, err, sizeof err);
    assert_non_null(reg);
    return reg;
}

/* A schema over 1 KiB: libcurl 7.x would add Expect: 100-continue. */
static char *big_schema(void)
{
    size_t cap = 4096;
    char *s = malloc(cap);
    assert_non_null(s);
    int n = snprintf(s, cap, "{\"type\":\"record\",\"name\":\"x\",\"doc\":\"");
    memset(s + n, 'a', 2000);
    snprintf(s + n + 2000, cap - (size_t)n - 2000, "\",\"fields\":[]}");
    return s;
}

static void lost_answers_are_asked_again(void **state)
{
    (void)state;
    const action script[] = {DROP, SILENT, ANSWER};
    server s;
    server_start(&s, script, 3);
    lt_registry *reg = client(&s, 500);
    char *schema = big_schema();
    int32_t id = 0;
    char err[512] = "";
    assert_int_equal(lt_registry_register(reg, "t.chat-value", schema, &id, err, sizeof err), LT_REGISTRY_OK);
    assert_int_equal(id, 7);
    lt_registry_destroy(reg);
    server_stop(&s);
    assert_int_equal(s.connections, 3);
    assert_int_equal(s.saw_expect, 0);
    free(schema);
}

static void a_registry_that_never_answers_is_reported(void **state)
{
    (void)state;
    const action script[] = {SILENT, DROP, SILENT};
    server s;
    server_start(&s, script, 3);
    lt_registry *reg = client(&s, 300);
    int32_t id = 0;
    char err[512] = "";
    assert_int_equal(lt_registry_register(reg, "t.chat-value", "{\"type\":\"string\"}", &id, err, sizeof err),
                     LT_REGISTRY_UNREACHABLE);
    assert_non_null(strstr(err, "t.chat-value"));
    lt_registry_destroy(reg);
    server_stop(&s);
    assert_int_equal(s.connections, 3);
}

static void a_refused_connection_is_not_retried(void **state)
{
    (void)state;
    /* a port nobody listens on: bind, read it, close */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t alen = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &alen);
    close(fd);
    char url[128], err[512] = "";
    snprintf(url, sizeof url, "http://127.0.0.1:%d/apis/ccompat/v7", ntohs(a.sin_port));
    lt_registry_options o = {.url = url, .timeout_ms = 2000};
    lt_registry *reg = lt_registry_create(&o, err, sizeof err);
    assert_non_null(reg);
    assert_int_equal(lt_registry_ping(reg, err, sizeof err), LT_REGISTRY_UNREACHABLE);
    assert_non_null(strstr(err, "unreachable"));
    lt_registry_destroy(reg);
}

/* The sidecar's prefetch: a subject's latest schema, its id and text; a
 * subject without one is NOT_FOUND; an answer without an id is refused. */
static void latest_schema_of_a_subject(void **state)
{
    (void)state;
    static const struct {
        const char *status, *body;
        lt_registry_error want;
    } cases[] = {
        {"200 OK", "{\"subject\":\"t.chat-value\",\"version\":3,\"id\":12,\"schema\":\"\\\"string\\\"\"}",
         LT_REGISTRY_OK},
        {"404 Not Found", "{\"error_code\":40401,\"message\":\"Subject 't.chat-value' not found.\"}",
         LT_REGISTRY_NOT_FOUND},
        {"200 OK", "{\"subject\":\"t.chat-value\",\"schema\":\"\\\"string\\\"\"}", LT_REGISTRY_FAILED},
        {"200 OK", "{\"id\":-4,\"schema\":\"\\\"string\\\"\"}", LT_REGISTRY_FAILED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const action script[] = {ANSWER};
        server s;
        server_start_answering(&s, script, 1, cases[i].status, cases[i].body);
        lt_registry *reg = client(&s, 2000);
        int32_t id = 0;
        char *json = NULL, err[512] = "";
        assert_int_equal(lt_registry_latest(reg, "t.chat-value", &id, &json, err, sizeof err), cases[i].want);
        if (cases[i].want == LT_REGISTRY_OK) {
            assert_int_equal(id, 12);
            assert_string_equal(json, "\"string\"");
        } else {
            assert_null(json);
            assert_non_null(strstr(err, "t.chat-value"));
        }
        free(json);
        lt_registry_destroy(reg);
        server_stop(&s);
        assert_string_equal(s.request_line, "GET /apis/ccompat/v7/subjects/t.chat-value/versions/latest HTTP/1.1");
    }
}

/* Credentials: the separate keys are sent as basic auth; credentials
 * inside the URL too; and no error message shows the password. */
static void basic_auth_is_sent_and_the_password_never_shown(void **state)
{
    (void)state;
    const action answer[] = {ANSWER};
    server s;
    server_start(&s, answer, 1);
    char url[160], err[512] = "";
    snprintf(url, sizeof url, "http://127.0.0.1:%d/apis/ccompat/v7", s.port);
    lt_registry_options o = {.url = url, .username = "livetap", .password = "s3cret@pw", .timeout_ms = 2000};
    lt_registry *reg = lt_registry_create(&o, err, sizeof err);
    assert_non_null(reg);
    int32_t id = 0;
    assert_int_equal(lt_registry_register(reg, "t.chat-value", "{\"type\":\"string\"}", &id, err, sizeof err),
                     LT_REGISTRY_OK);
    lt_registry_destroy(reg);
    server_stop(&s);
    assert_string_equal(s.authorization, "Basic bGl2ZXRhcDpzM2NyZXRAcHc="); /* livetap:s3cret@pw */

    const action silent[] = {SILENT, SILENT, SILENT};
    server_start(&s, silent, 3);
    snprintf(url, sizeof url, "http://urluser:urlpass@127.0.0.1:%d/apis/ccompat/v7", s.port);
    lt_registry_options in_url = {.url = url, .timeout_ms = 300};
    reg = lt_registry_create(&in_url, err, sizeof err);
    assert_non_null(reg);
    assert_int_equal(lt_registry_register(reg, "t.chat-value", "{\"type\":\"string\"}", &id, err, sizeof err),
                     LT_REGISTRY_UNREACHABLE);
    assert_null(strstr(err, "urlpass"));
    assert_non_null(strstr(err, "urluser:***@127.0.0.1"));
    assert_int_equal(lt_registry_ping(reg, err, sizeof err), LT_REGISTRY_UNREACHABLE);
    assert_null(strstr(err, "urlpass"));
    lt_registry_destroy(reg);
    server_stop(&s);
    assert_string_equal(s.authorization, "Basic dXJsdXNlcjp1cmxwYXNz"); /* urluser:urlpass */
}

static void urls_are_redacted_for_logs(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"http://127.0.0.1:18081/apis/ccompat/v7", "http://127.0.0.1:18081/apis/ccompat/v7"},
        {"https://user:pa:ss@reg.example:8081/x", "https://user:***@reg.example:8081/x"},
        {"https://user:p@ss@reg.example/x?a=b@c", "https://user:***@reg.example/x?a=b@c"},
        {"https://tokenonly@reg.example/", "https://***@reg.example/"},
        {"reg.example:8081/path@x", "reg.example:8081/path@x"},
        {"", ""},
    };
    char buf[128];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(lt_log_url(cases[i][0], buf, sizeof buf), cases[i][1]);
    char tiny[12];
    assert_string_equal(lt_log_url("https://u:secret@h/", tiny, sizeof tiny), "https://u:*");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lost_answers_are_asked_again),
        cmocka_unit_test(a_registry_that_never_answers_is_reported),
        cmocka_unit_test(a_refused_connection_is_not_retried),
        cmocka_unit_test(latest_schema_of_a_subject),
        cmocka_unit_test(basic_auth_is_sent_and_the_password_never_shown),
        cmocka_unit_test(urls_are_redacted_for_logs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
