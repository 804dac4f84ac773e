/* log.c - logging (see log.h). Lines are formatted into one buffer and
 * written with a single write() so that lines from librdkafka's threads and
 * ours never interleave mid-line. */
#include "core/log.h"
#include "core/event.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static lt_log_level min_level = LT_LOG_INFO;
static bool json_lines;
static const char *program = "livetap";
static const char *const level_names[] = {"debug", "info", "warn", "error"};

void lt_log_set_level(lt_log_level level) { min_level = level; }
void lt_log_set_json(bool json) { json_lines = json; }
void lt_log_set_program(const char *name) { program = name; }

int lt_log_level_from_name(const char *name, lt_log_level *out)
{
    for (int i = 0; i <= LT_LOG_ERROR; i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *out = (lt_log_level)i;
            return 0;
        }
    }
    if (strcmp(name, "warning") == 0) {
        *out = LT_LOG_WARN;
        return 0;
    }
    return -1;
}

__attribute__((format(printf, 2, 0))) static void emit(lt_log_level level, const char *fmt, va_list ap)
{
    char msg[2048];
    char line[4096];
    vsnprintf(msg, sizeof msg, fmt, ap);

    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char stamp[40];
    size_t n = strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(stamp + n, sizeof stamp - n, ".%03ldZ", ts.tv_nsec / 1000000);

    int len;
    if (json_lines) {
        json_t *obj = json_pack("{s:s, s:s, s:s, s:s}", "ts", stamp, "level", level_names[level],
                                "program", program, "msg", msg);
        char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
        len = snprintf(line, sizeof line, "%s\n", text ? text : msg);
        free(text);
        json_decref(obj);
    } else {
        len = snprintf(line, sizeof line, "%s %-5s %s: %s\n", stamp, level_names[level], program, msg);
    }
    if (len > (int)sizeof line - 1)
        len = (int)sizeof line - 1;
    if (len > 0 && write(STDERR_FILENO, line, (size_t)len) < 0) {
        /* nowhere left to report a failed log write */
    }
}

void lt_log(lt_log_level level, const char *fmt, ...)
{
    if (level < min_level)
        return;
    va_list ap;
    va_start(ap, fmt);
    emit(level, fmt, ap);
    va_end(ap);
}

bool lt_log_every(int64_t *last_ms, int64_t interval_ms, lt_log_level level, const char *fmt, ...)
{
    int64_t now = lt_now_ms();
    if (*last_ms != 0 && now - *last_ms < interval_ms)
        return false;
    *last_ms = now;
    if (level < min_level)
        return true;
    va_list ap;
    va_start(ap, fmt);
    emit(level, fmt, ap);
    va_end(ap);
    return true;
}

const char *lt_log_url(const char *url, char *buf, size_t len)
{
    if (!len)
        return buf;
    if (!url) {
        snprintf(buf, len, "%s", "");
        return buf;
    }
    const char *scheme_end = strstr(url, "://");
    const char *authority = scheme_end ? scheme_end + 3 : url;
    size_t authority_len = strcspn(authority, "/?#");
    const char *at = NULL;
    for (const char *p = authority; p < authority + authority_len; p++)
        if (*p == '@')
            at = p; /* the last one: a password may contain '@' unencoded */
    if (!at) {
        snprintf(buf, len, "%s", url);
        return buf;
    }
    const char *colon = memchr(authority, ':', (size_t)(at - authority));
    if (colon)
        snprintf(buf, len, "%.*s:***%s", (int)(colon - url), url, at);
    else
        snprintf(buf, len, "%.*s***%s", (int)(authority - url), url, at);
    return buf;
}
