/* log.h - logging for every livetap program.
 *
 * One line per event worth a person's attention, to stderr. Levels filter;
 * LT_LOG_JSON switches to JSON lines for log shippers. lt_log_every() is the
 * rate-limited form for things that can repeat per frame (a bad frame from a
 * room is logged once per key per interval and counted otherwise).
 */
#ifndef LT_CORE_LOG_H
#define LT_CORE_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum lt_log_level {
    LT_LOG_DEBUG = 0,
    LT_LOG_INFO,
    LT_LOG_WARN,
    LT_LOG_ERROR,
} lt_log_level;

void lt_log_set_level(lt_log_level level);
void lt_log_set_json(bool json);
/* "debug", "info", "warn", "error"; -1 if unknown. */
int lt_log_level_from_name(const char *name, lt_log_level *out);
/* The program name printed on every line. */
void lt_log_set_program(const char *program);

void lt_log(lt_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Logs at most once per `interval_ms` for each `*last_ms` slot (the caller
 * keeps the slot, e.g. per room); returns true if it logged. */
bool lt_log_every(int64_t *last_ms, int64_t interval_ms, lt_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* `url` fit to print: the password of a userinfo part
 * (scheme://user:password@host) becomes "***" (a lone userinfo, which may
 * be a token, too). Written into buf (truncated to fit); returns buf. Every
 * URL that can carry credentials goes through this before a log line or an
 * error message. */
const char *lt_log_url(const char *url, char *buf, size_t len);

#define lt_debug(...) lt_log(LT_LOG_DEBUG, __VA_ARGS__)
#define lt_info(...) lt_log(LT_LOG_INFO, __VA_ARGS__)
#define lt_warn(...) lt_log(LT_LOG_WARN, __VA_ARGS__)
#define lt_error(...) lt_log(LT_LOG_ERROR, __VA_ARGS__)

#endif
