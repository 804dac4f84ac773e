#define _GNU_SOURCE
/* Prometheus text rendering of counters, gauges, labelled series and histograms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/metrics.h"

static void assert_contains(const lt_buf *b, const char *needle)
{
    if (!memmem(b->data, b->len, needle, strlen(needle)))
        fail_msg("missing \"%s\" in:\n%.*s", needle, (int)b->len, (const char *)b->data);
}

static void renders_exposition_format(void **state)
{
    lt_metrics *m = lt_metrics_create();
    lt_metric *frames =
        lt_metrics_add(m, "livetap_frames_total", "Push frames received.", LT_METRIC_COUNTER, NULL, NULL, 0);
    lt_metric *rooms =
        lt_metrics_add(m, "livetap_rooms", "Rooms by state.", LT_METRIC_GAUGE, "state", NULL, 0);
    const double bounds[] = {0.005, 0.05, 0.5};
    lt_metric *lat = lt_metrics_add(m, "livetap_ack_seconds", "Receive to Kafka ack.", LT_METRIC_HISTOGRAM,
                                    "type", bounds, 3);
    assert_non_null(frames);
    assert_null(lt_metrics_add(m, "livetap_frames_total", "dup", LT_METRIC_COUNTER, NULL, NULL, 0));
    lt_series_add(lt_metric_plain(frames), 3);
    lt_series_add(lt_metric_plain(frames), 2);
    const char *live[] = {"live"}, *odd[] = {"we\"ird\\"};
    lt_series_set(lt_metric_series(rooms, live), 7);
    lt_series_set(lt_metric_series(rooms, odd), 1.5);
    const char *chat[] = {"chat"};
    lt_series *h = lt_metric_series(lat, chat);
    lt_series_observe(h, 0.001);
    lt_series_observe(h, 0.01);
    lt_series_observe(h, 0.02);
    lt_series_observe(h, 9);

    lt_buf out = LT_BUF_INIT;
    assert_int_equal(lt_metrics_render(m, &out), 0);
    assert_contains(
        &out, "# HELP livetap_frames_total Push frames received.\n# TYPE livetap_frames_total counter\n");
    assert_contains(&out, "livetap_frames_total 5\n");
    assert_contains(&out, "livetap_rooms{state=\"live\"} 7\n");
    assert_contains(&out, "livetap_rooms{state=\"we\\\"ird\\\\\"} 1.5\n");
    assert_contains(&out, "livetap_ack_seconds_bucket{type=\"chat\",le=\"0.005\"} 1\n");
    assert_contains(&out, "livetap_ack_seconds_bucket{type=\"chat\",le=\"0.05\"} 3\n");
    assert_contains(&out, "livetap_ack_seconds_bucket{type=\"chat\",le=\"0.5\"} 3\n");
    assert_contains(&out, "livetap_ack_seconds_bucket{type=\"chat\",le=\"+Inf\"} 4\n");
    assert_contains(&out, "livetap_ack_seconds_count{type=\"chat\"} 4\n");
    assert_contains(&out, "livetap_ack_seconds_sum{type=\"chat\"} 9.031\n");

    lt_metric_remove(rooms, live);
    lt_buf_reset(&out);
    assert_int_equal(lt_metrics_render(m, &out), 0);
    assert_null(memmem(out.data, out.len, "state=\"live\"", 12));
    lt_buf_free(&out);
    lt_metrics_destroy(m);
}

/* lt_metric_plain on a family with labels is the series whose values are all
 * empty (it dereferenced the NULL value list before; found by clang-tidy). */
static void plain_series_of_a_labelled_family(void **state)
{
    lt_metrics *m = lt_metrics_create();
    lt_metric *rooms =
        lt_metrics_add(m, "livetap_rooms", "Rooms by state.", LT_METRIC_GAUGE, "state,source", NULL, 0);
    lt_series *plain = lt_metric_plain(rooms);
    assert_non_null(plain);
    lt_series_set(plain, 4);
    const char *empty[] = {"", NULL};
    assert_ptr_equal(lt_metric_series(rooms, empty), plain);
    lt_buf out = LT_BUF_INIT;
    assert_int_equal(lt_metrics_render(m, &out), 0);
    assert_contains(&out, "livetap_rooms{state=\"\",source=\"\"} 4\n");
    lt_metric_remove(rooms, NULL);
    lt_buf_reset(&out);
    assert_int_equal(lt_metrics_render(m, &out), 0);
    assert_null(memmem(out.data, out.len, "livetap_rooms{", 14));
    lt_buf_free(&out);
    lt_metrics_destroy(m);
}

/* A histogram kept elsewhere (kafka/gate.h) and copied in renders as if
 * observed here; a bucket list of the wrong length sets nothing. */
static void histogram_copied_in(void **state)
{
    lt_metrics *m = lt_metrics_create();
    const double bounds[] = {1, 10};
    lt_series *h = lt_metric_plain(
        lt_metrics_add(m, "livetap_ack_ms", "Receive to Kafka ack.", LT_METRIC_HISTOGRAM, NULL, bounds, 2));
    const uint64_t buckets[] = {2, 0, 3};          /* per bucket: <= 1, <= 10, +Inf */
    lt_series_set_histogram(h, buckets, 2, 99, 1); /* one short: ignored */
    lt_buf out = LT_BUF_INIT;
    assert_int_equal(lt_metrics_render(m, &out), 0);
    assert_contains(&out, "livetap_ack_ms_count 0\n");
    lt_series_set_histogram(h, buckets, 3, 5, 61.5);
    lt_buf_reset(&out);
    assert_int_equal(lt_metrics_render(m, &out), 0);
    assert_contains(&out, "livetap_ack_ms_bucket{le=\"1\"} 2\n");
    assert_contains(&out, "livetap_ack_ms_bucket{le=\"10\"} 2\n");
    assert_contains(&out, "livetap_ack_ms_bucket{le=\"+Inf\"} 5\n");
    assert_contains(&out, "livetap_ack_ms_count 5\n");
    assert_contains(&out, "livetap_ack_ms_sum 61.5\n");
    lt_buf_free(&out);
    lt_metrics_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(renders_exposition_format),
                                       cmocka_unit_test(plain_series_of_a_labelled_family),
                                       cmocka_unit_test(histogram_copied_in)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
