/* test_sidecar_config.c - config/sidecar.yaml loads and matches the built-in
 * defaults; overrides apply; unknown keys and bad values are refused; the
 * sidecar's keys live in the core option table (bounds, --set). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sidecar/sidecar.h"

static char *source_path(const char *rel)
{
    static char path[1024];
    const char *dir = getenv("LT_SOURCE_DIR");
    snprintf(path, sizeof(path), "%s/%s", dir ? dir : LT_SCHEMA_DIR "/..", rel);
    return path;
}

static const char *write_tmp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof(path), "/tmp/lt-sidecar-cfg-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void test_shipped_file_is_the_defaults(void **state)
{
    lt_sidecar_config def, file;
    char err[256];
    unsetenv("LT_KAFKA_BOOTSTRAP");
    unsetenv("LT_REGISTRY_URL");
    assert_int_equal(lt_sidecar_config_defaults(&def, err, sizeof(err)), 0);
    assert_int_equal(lt_sidecar_config_defaults(&file, err, sizeof(err)), 0);
    if (lt_sidecar_config_load(source_path("config/sidecar.yaml"), &file, err, sizeof(err)) < 0)
        fail_msg("%s", err);
    assert_string_equal(file.listen, def.listen);
    assert_int_equal(file.port, def.port);
    assert_string_equal(file.kafka_bootstrap, def.kafka_bootstrap);
    assert_string_equal(file.topic_prefix, def.topic_prefix);
    assert_string_equal(file.registry_url, def.registry_url);
    assert_int_equal(file.max_replay_records, def.max_replay_records);
    assert_int_equal(file.max_clients, def.max_clients);
    assert_int_equal(file.max_clients_per_address, def.max_clients_per_address);
    assert_int_equal(file.queue_frames, def.queue_frames);
    assert_int_equal(file.queue_bytes, def.queue_bytes);
    assert_int_equal(file.inbound_frame_bytes, def.inbound_frame_bytes);
    assert_int_equal(file.ping_interval_s, def.ping_interval_s);
    assert_int_equal(file.idle_timeout_s, def.idle_timeout_s);
    assert_int_equal(file.shutdown_grace_ms, def.shutdown_grace_ms);
    assert_int_equal(file.max_handshakes_per_address, def.max_handshakes_per_address);
    assert_int_equal(file.header_timeout_s, def.header_timeout_s);
    assert_int_equal(file.max_replays, def.max_replays);
    assert_int_equal(file.replay_waiting, def.replay_waiting);
    assert_int_equal(file.replay_queue_bytes, def.replay_queue_bytes);
    assert_int_equal(file.jwt_max_lifetime_s, def.jwt_max_lifetime_s);
    assert_int_equal(file.tokens.count, 0);
    assert_null(file.jwt_secret);
    lt_sidecar_config_free(&def);
    lt_sidecar_config_free(&file);
}

static void test_overrides_and_errors(void **state)
{
    lt_sidecar_config cfg;
    char err[256];
    assert_int_equal(lt_sidecar_config_defaults(&cfg, err, sizeof(err)), 0);
    const char *path = write_tmp("port: 9000\nkafka:\n  topic_prefix: demo\n  types: [chat, gift]\n"
                                 "  properties: [\"fetch.wait.max.ms=10\"]\n"
                                 "auth:\n  tokens: [aaaaaaaaaaaaaaaaaaaa]\nlimits:\n  queue_frames: 7\n");
    assert_int_equal(lt_sidecar_config_load(path, &cfg, err, sizeof(err)), 0);
    unlink(path);
    assert_int_equal(cfg.port, 9000);
    assert_string_equal(cfg.topic_prefix, "demo");
    assert_int_equal(cfg.types.count, 2);
    assert_string_equal(cfg.types.items[1], "gift");
    assert_int_equal(cfg.kafka_properties.count, 1);
    assert_string_equal(cfg.kafka_properties.items[0], "fetch.wait.max.ms=10");
    assert_int_equal(cfg.tokens.count, 1);
    assert_int_equal(cfg.queue_frames, 7);
    assert_int_equal(cfg.queue_bytes, 8ul << 20); /* untouched */
    lt_sidecar_config_free(&cfg);

    const char *bad[] = {"porrt: 1\n", "port: many\n", "limits:\n  queue_frames: -3\n", "kafka: [1, 2]\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(lt_sidecar_config_defaults(&cfg, err, sizeof(err)), 0);
        path = write_tmp(bad[i]);
        assert_int_equal(lt_sidecar_config_load(path, &cfg, err, sizeof(err)), -1);
        assert_non_null(strstr(err, path));
        unlink(path);
        lt_sidecar_config_free(&cfg);
    }
    assert_int_equal(lt_sidecar_config_defaults(&cfg, err, sizeof(err)), 0);
    assert_int_equal(lt_sidecar_config_load("/nonexistent/sidecar.yaml", &cfg, err, sizeof(err)), -1);
    lt_sidecar_config_free(&cfg);
}

/* Issue 20: --port 70000 listened on 4464, --port -1 became 4294967295,
 * --max-clients abc refused every client, idle_timeout_s: 65539 hung up
 * after 3 s. Every numeric key is checked against its bounds, from a flag
 * (--set and the flags go through lt_config_set) or from the file, and the
 * error names the key. */
static void test_numbers_out_of_range_are_refused(void **state)
{
    lt_sidecar_config cfg;
    char err[256];
    assert_int_equal(lt_sidecar_config_defaults(&cfg, err, sizeof(err)), 0);
    assert_int_equal(lt_sidecar_config_validate(&cfg, err, sizeof(err)), 0);
    static const struct {
        const char *key, *text;
    } bad[] = {{"port", "70000"},
               {"port", "-1"},
               {"port", ""},
               {"limits.max_clients", "abc"},
               {"limits.max_clients", "0"},
               {"limits.max_clients", "12x"},
               {"limits.queue_bytes", "99999999999999999999"},
               {"limits.header_timeout_s", "0"},
               {"auth.jwt_max_lifetime_s", "59"},
               {"limits.idle_timeout_s", "65536"}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char assignment[128];
        snprintf(assignment, sizeof assignment, "%s=%s", bad[i].key, bad[i].text);
        err[0] = '\0';
        assert_int_equal(lt_config_set(lt_sidecar_options, &cfg, assignment, err, sizeof(err)), -1);
        assert_non_null(strstr(err, bad[i].key));
    }
    assert_int_equal(cfg.port, 8090); /* untouched by the refusals */
    assert_int_equal(lt_config_set(lt_sidecar_options, &cfg, "port=65535", err, sizeof(err)), 0);
    assert_int_equal(cfg.port, 65535);
    assert_int_equal(lt_config_set(lt_sidecar_options, &cfg, "limits.idle_timeout_s=65535", err, sizeof(err)),
                     0);
    assert_int_equal(cfg.idle_timeout_s, 65535);
    /* a struct filled by hand gets the same bounds from validate */
    cfg.ping_interval_s = 100000;
    assert_int_equal(lt_sidecar_config_validate(&cfg, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "limits.ping_interval_s"));
    lt_sidecar_config_free(&cfg);

    const char *files[] = {"limits:\n  idle_timeout_s: 65539\n", "port: 70000\n",
                           "limits:\n  ping_interval_s: 100000\n", "auth:\n  jwt_max_lifetime_s: 1\n"};
    const char *keys[] = {"limits.idle_timeout_s", "port", "limits.ping_interval_s", "auth.jwt_max_lifetime_s"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        assert_int_equal(lt_sidecar_config_defaults(&cfg, err, sizeof(err)), 0);
        const char *path = write_tmp(files[i]);
        assert_int_equal(lt_sidecar_config_load(path, &cfg, err, sizeof(err)), -1);
        unlink(path);
        assert_non_null(strstr(err, keys[i]));
        assert_non_null(strstr(err, path));
        lt_sidecar_config_free(&cfg);
    }
}

/* kafka.topics: the collector's per-type topic names, so the sidecar reads
 * the topics the collector writes; an unknown type is refused by name. */
static void test_topic_overrides(void **state)
{
    (void)state;
    lt_sidecar_config cfg;
    char err[2048];
    assert_int_equal(lt_sidecar_config_defaults(&cfg, err, sizeof(err)), 0);
    const char *path = write_tmp("kafka:\n  topic_prefix: demo\n  topics:\n    chat: my.chat\n"
                                 "    gift: my.gift\n");
    assert_int_equal(lt_sidecar_config_load(path, &cfg, err, sizeof(err)), 0);
    unlink(path);
    assert_int_equal(cfg.topics.count, 2);
    assert_string_equal(cfg.topics.items[0], "chat=my.chat");
    assert_string_equal(cfg.topics.items[1], "gift=my.gift");
    assert_int_equal(lt_sidecar_config_validate(&cfg, err, sizeof(err)), 0);
    lt_sidecar_config_free(&cfg);

    assert_int_equal(lt_sidecar_config_defaults(&cfg, err, sizeof(err)), 0);
    path = write_tmp("kafka:\n  topics:\n    chatt: my.chat\n");
    assert_int_equal(lt_sidecar_config_load(path, &cfg, err, sizeof(err)), 0);
    unlink(path);
    assert_int_equal(lt_sidecar_config_validate(&cfg, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "kafka.topics: unknown event type \"chatt\""));
    assert_non_null(strstr(err, "chat, gift"));
    lt_sidecar_config_free(&cfg);

    assert_int_equal(lt_sidecar_config_defaults(&cfg, err, sizeof(err)), 0);
    path = write_tmp("kafka:\n  topics: [chat]\n"); /* no topic for chat */
    int loaded = lt_sidecar_config_load(path, &cfg, err, sizeof(err));
    unlink(path);
    if (loaded == 0)
        assert_int_equal(lt_sidecar_config_validate(&cfg, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "topics"));
    lt_sidecar_config_free(&cfg);
}

/* port: 0 in the file used to mean 8090 while --port 0 meant any free port;
 * now 0 means any free port both ways, and limits.* zeros are refused
 * instead of silently meaning the default. */
static void test_zero_means_what_it_says(void **state)
{
    lt_sidecar_config cfg;
    char err[256];
    assert_int_equal(lt_sidecar_config_defaults(&cfg, err, sizeof(err)), 0);
    const char *path = write_tmp("port: 0\nregistry:\n  wait_ms: 0\n");
    assert_int_equal(lt_sidecar_config_load(path, &cfg, err, sizeof(err)), 0);
    unlink(path);
    assert_int_equal(cfg.port, 0);
    assert_int_equal(cfg.schema_wait_ms, 0);
    lt_sidecar_config_free(&cfg);
    assert_int_equal(lt_sidecar_config_defaults(&cfg, err, sizeof(err)), 0);
    path = write_tmp("limits:\n  max_clients: 0\n");
    assert_int_equal(lt_sidecar_config_load(path, &cfg, err, sizeof(err)), -1);
    unlink(path);
    assert_non_null(strstr(err, "limits.max_clients"));
    lt_sidecar_config_free(&cfg);
}

/* ${VAR} works in the sidecar's file now, as in every program's. */
static void test_environment_references(void **state)
{
    lt_sidecar_config cfg;
    char err[256];
    setenv("LT_TEST_SIDECAR_SECRET", "0123456789abcdef0123456789abcdef", 1);
    assert_int_equal(lt_sidecar_config_defaults(&cfg, err, sizeof(err)), 0);
    const char *path = write_tmp("auth:\n  jwt_secret: ${LT_TEST_SIDECAR_SECRET}\n"
                                 "kafka:\n  properties:\n    sasl.password: ${LT_TEST_SIDECAR_SECRET}\n");
    assert_int_equal(lt_sidecar_config_load(path, &cfg, err, sizeof(err)), 0);
    unlink(path);
    assert_string_equal(cfg.jwt_secret, "0123456789abcdef0123456789abcdef");
    assert_int_equal(cfg.kafka_properties.count, 1);
    assert_string_equal(cfg.kafka_properties.items[0], "sasl.password=0123456789abcdef0123456789abcdef");
    lt_sidecar_config_free(&cfg);
    unsetenv("LT_TEST_SIDECAR_SECRET");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_file_is_the_defaults),
        cmocka_unit_test(test_overrides_and_errors),
        cmocka_unit_test(test_numbers_out_of_range_are_refused),
        cmocka_unit_test(test_topic_overrides),
        cmocka_unit_test(test_zero_means_what_it_says),
        cmocka_unit_test(test_environment_references),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
