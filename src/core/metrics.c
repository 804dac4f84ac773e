/* metrics.c - see metrics.h. Families and series are linked lists: a process
 * has tens of families and at most a few series per room, and rendering at
 * scrape time walks them once. Label values are escaped per the exposition
 * format (backslash, quote, newline). */
#include "core/metrics.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LABELS 6

struct lt_series {
    const struct lt_metric *family;
    char *labels[MAX_LABELS];
    double value;      /* counter/gauge; histogram: sum */
    uint64_t count;    /* histogram */
    uint64_t *buckets; /* histogram: cumulative counts per bound */
    lt_series *next;
};

struct lt_metric {
    char *name, *help;
    lt_metric_type type;
    char *label_names[MAX_LABELS];
    size_t label_count;
    double *bounds;
    size_t bound_count;
    lt_series *series;
    lt_metric *next;
};

struct lt_metrics {
    lt_metric *first, *last;
};

lt_metrics *lt_metrics_create(void)
{
    return calloc(1, sizeof(lt_metrics));
}

static void series_free(lt_series *s, size_t labels)
{
    for (size_t i = 0; i < labels; i++)
        free(s->labels[i]);
    free(s->buckets);
    free(s);
}

static void metric_free(lt_metric *m)
{
    while (m->series) {
        lt_series *next = m->series->next;
        series_free(m->series, m->label_count);
        m->series = next;
    }
    for (size_t i = 0; i < m->label_count; i++)
        free(m->label_names[i]);
    free(m->name);
    free(m->help);
    free(m->bounds);
    free(m);
}

void lt_metrics_destroy(lt_metrics *reg)
{
    if (!reg)
        return;
    while (reg->first) {
        lt_metric *next = reg->first->next;
        metric_free(reg->first);
        reg->first = next;
    }
    free(reg);
}

lt_metric *lt_metrics_add(lt_metrics *reg, const char *name, const char *help, lt_metric_type type,
                          const char *label_names, const double *buckets, size_t bucket_count)
{
    for (lt_metric *m = reg->first; m; m = m->next)
        if (strcmp(m->name, name) == 0)
            return NULL;
    lt_metric *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->type = type;
    m->name = strdup(name);
    m->help = strdup(help ? help : "");
    if (!m->name || !m->help)
        goto fail;
    for (const char *p = label_names; p && *p && m->label_count < MAX_LABELS;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (!(m->label_names[m->label_count++] = strndup(p, n)))
            goto fail;
        p += n + (comma ? 1 : 0);
    }
    if (type == LT_METRIC_HISTOGRAM && bucket_count) {
        if (!(m->bounds = malloc(bucket_count * sizeof *m->bounds)))
            goto fail;
        memcpy(m->bounds, buckets, bucket_count * sizeof *m->bounds);
        m->bound_count = bucket_count;
    }
    if (reg->last)
        reg->last->next = m;
    else
        reg->first = m;
    reg->last = m;
    return m;
fail:
    metric_free(m);
    return NULL;
}

/* Label value i of `values`; NULL values (lt_metric_plain) or a NULL entry is "". */
static const char *label_value(const char *const *values, size_t i)
{
    return values && values[i] ? values[i] : "";
}

static int labels_match(const lt_series *s, const char *const *values, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s->labels[i], label_value(values, i)) != 0)
            return 0;
    return 1;
}

lt_series *lt_metric_series(lt_metric *m, const char *const *values)
{
    for (lt_series *s = m->series; s; s = s->next)
        if (labels_match(s, values, m->label_count))
            return s;
    lt_series *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    for (size_t i = 0; i < m->label_count; i++) {
        if (!(s->labels[i] = strdup(label_value(values, i)))) {
            series_free(s, i);
            return NULL;
        }
    }
    if (m->type == LT_METRIC_HISTOGRAM && !(s->buckets = calloc(m->bound_count + 1, sizeof *s->buckets))) {
        series_free(s, m->label_count);
        return NULL;
    }
    s->family = m;
    s->next = m->series;
    m->series = s;
    return s;
}

lt_series *lt_metric_plain(lt_metric *m)
{
    return lt_metric_series(m, NULL);
}

void lt_metric_remove(lt_metric *m, const char *const *values)
{
    for (lt_series **p = &m->series; *p; p = &(*p)->next) {
        if (labels_match(*p, values, m->label_count)) {
            lt_series *dead = *p;
            *p = dead->next;
            series_free(dead, m->label_count);
            return;
        }
    }
}

void lt_series_add(lt_series *s, double v)
{
    if (s)
        s->value += v;
}

void lt_series_set(lt_series *s, double v)
{
    if (s)
        s->value = v;
}

double lt_series_value(const lt_series *s)
{
    return s ? s->value : 0;
}

void lt_series_observe(lt_series *s, double v)
{
    if (!s || !s->buckets)
        return;
    s->value += v;
    s->count++;
    size_t i = 0;
    while (i < s->family->bound_count && v > s->family->bounds[i])
        i++;
    s->buckets[i]++; /* per-bucket counts; rendering makes them cumulative */
}

void lt_series_set_histogram(lt_series *s, const uint64_t *buckets, size_t bucket_count, uint64_t count,
                             double sum)
{
    if (!s || !s->buckets || bucket_count != s->family->bound_count + 1)
        return;
    memcpy(s->buckets, buckets, bucket_count * sizeof *buckets);
    s->count = count;
    s->value = sum;
}

static int appendf(lt_buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int appendf(lt_buf *out, const char *fmt, ...)
{
    char tmp[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    return lt_buf_append(out, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* {a="x",b="y"} plus an optional extra label (histogram "le"). */
static int append_labels(lt_buf *out, const lt_metric *m, const lt_series *s, const char *extra_name,
                         const char *extra_value)
{
    if (m->label_count == 0 && !extra_name)
        return 0;
    if (lt_buf_append_byte(out, '{'))
        return -1;
    for (size_t i = 0; i <= m->label_count; i++) {
        const char *name = i < m->label_count ? m->label_names[i] : extra_name;
        const char *value = i < m->label_count ? s->labels[i] : extra_value;
        if (!name)
            break;
        if (appendf(out, "%s%s=\"", i ? "," : "", name))
            return -1;
        for (const char *c = value; *c; c++) {
            const char *esc = *c == '\\' ? "\\\\" : *c == '"' ? "\\\"" : *c == '\n' ? "\\n" : NULL;
            if (esc ? lt_buf_append(out, esc, 2) : lt_buf_append_byte(out, (uint8_t)*c))
                return -1;
        }
        if (lt_buf_append_byte(out, '"'))
            return -1;
    }
    return lt_buf_append_byte(out, '}');
}

static int append_number(lt_buf *out, double v)
{
    if (isinf(v))
        return appendf(out, v > 0 ? "+Inf" : "-Inf");
    if (v == (double)(int64_t)v && fabs(v) < 9e15)
        return appendf(out, "%lld", (long long)v);
    return appendf(out, "%.6g", v);
}

int lt_metrics_render(const lt_metrics *reg, lt_buf *out)
{
    static const char *const types[] = {"counter", "gauge", "histogram"};
    for (const lt_metric *m = reg->first; m; m = m->next) {
        if (appendf(out, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help, m->name, types[m->type]))
            return -1;
        for (const lt_series *s = m->series; s; s = s->next) {
            if (m->type != LT_METRIC_HISTOGRAM) {
                if (appendf(out, "%s", m->name) || append_labels(out, m, s, NULL, NULL) ||
                    lt_buf_append_byte(out, ' ') || append_number(out, s->value) ||
                    lt_buf_append_byte(out, '\n'))
                    return -1;
                continue;
            }
            uint64_t cumulative = 0;
            for (size_t b = 0; b <= m->bound_count; b++) {
                char le[32];
                cumulative += s->buckets[b];
                if (b < m->bound_count)
                    snprintf(le, sizeof le, "%g", m->bounds[b]);
                else
                    snprintf(le, sizeof le, "+Inf");
                if (appendf(out, "%s_bucket", m->name) || append_labels(out, m, s, "le", le) ||
                    appendf(out, " %llu\n", (unsigned long long)cumulative))
                    return -1;
            }
            if (appendf(out, "%s_sum", m->name) || append_labels(out, m, s, NULL, NULL) ||
                lt_buf_append_byte(out, ' ') || append_number(out, s->value) ||
                appendf(out, "\n%s_count", m->name) || append_labels(out, m, s, NULL, NULL) ||
                appendf(out, " %llu\n", (unsigned long long)s->count))
                return -1;
        }
    }
    return 0;
}
