/* metrics.h - counters, gauges and histograms rendered as Prometheus text.
 *
 * One registry per process, owned by its event loop (not thread-safe: the
 * programs are single-threaded around their loop; librdkafka's counts are
 * copied in by the loop). A metric is a family (name, help, type) with any
 * number of label sets; lookups by label values happen when a series is
 * first used, and callers keep the returned series pointer for the hot path.
 */
#ifndef LT_CORE_METRICS_H
#define LT_CORE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

typedef struct lt_metrics lt_metrics;
typedef struct lt_metric lt_metric; /* a family */
typedef struct lt_series lt_series; /* one label set of a family */

typedef enum lt_metric_type {
    LT_METRIC_COUNTER,
    LT_METRIC_GAUGE,
    LT_METRIC_HISTOGRAM,
} lt_metric_type;

lt_metrics *lt_metrics_create(void);
void lt_metrics_destroy(lt_metrics *m); /* accepts NULL */

/* Declares a family. label_names is a comma-separated list ("room,reason")
 * or NULL; histograms take upper bounds (ascending, +Inf implied). Returns
 * NULL when memory runs out or the name is declared twice. */
lt_metric *lt_metrics_add(lt_metrics *m, const char *name, const char *help, lt_metric_type type,
                          const char *label_names, const double *buckets, size_t bucket_count);

/* The series for these label values (as many as the family has labels),
 * created on first use; NULL only if memory runs out. */
lt_series *lt_metric_series(lt_metric *metric, const char *const *label_values);
/* The series of a family without labels. */
lt_series *lt_metric_plain(lt_metric *metric);

void lt_series_add(lt_series *s, double v);     /* counters and gauges */
void lt_series_set(lt_series *s, double v);     /* gauges (and counters copied from a source) */
void lt_series_observe(lt_series *s, double v); /* histograms */
/* A histogram kept elsewhere, copied in: per-bucket (not cumulative)
 * counts, one per bound and +Inf last (bucket_count = bounds + 1, else
 * nothing is set), their total count and sum. */
void lt_series_set_histogram(lt_series *s, const uint64_t *buckets, size_t bucket_count, uint64_t count,
                             double sum);
double lt_series_value(const lt_series *s);

/* Drops a series (e.g. a room that was removed). */
void lt_metric_remove(lt_metric *metric, const char *const *label_values);

/* Appends the Prometheus text exposition (version 0.0.4) of every family. */
int lt_metrics_render(const lt_metrics *m, lt_buf *out);

#endif
