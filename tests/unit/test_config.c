/* The declarative configuration loader: defaults, YAML, ${ENV}, overrides,
 * and errors that name file, line, key, expectation and finding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"

typedef struct cfg {
    char *bootstrap;
    long linger_ms;
    bool tls;
    lt_config_list rooms;
    lt_config_list props;
    char *api_key;
} cfg;

static const lt_config_option kafka_opts[] = {
    {"bootstrap_servers", LT_CONFIG_STRING, offsetof(cfg, bootstrap), "127.0.0.1:19092", "brokers", NULL, 0,
     0},
    {"linger_ms", LT_CONFIG_INT, offsetof(cfg, linger_ms), "5", "batching delay", NULL, 0, 10000},
    {"properties", LT_CONFIG_PROPERTIES, offsetof(cfg, props), NULL, "librdkafka pass-through", NULL, 0, 0},
    {NULL, 0, 0, NULL, NULL, NULL, 0, 0},
};
static const lt_config_option table[] = {
    {"kafka", LT_CONFIG_SECTION, 0, NULL, NULL, kafka_opts, 0, 0},
    {"tls", LT_CONFIG_BOOL, offsetof(cfg, tls), "false", "use TLS", NULL, 0, 0},
    {"rooms", LT_CONFIG_STRING_LIST, offsetof(cfg, rooms), "@a,@b", "rooms", NULL, 0, 0},
    {"api_key", LT_CONFIG_STRING, offsetof(cfg, api_key), NULL, "secret", NULL, 0, 0},
    {NULL, 0, 0, NULL, NULL, NULL, 0, 0},
};

static char path[64];

static void write_file(const char *text)
{
    strcpy(path, "/tmp/lt-config-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static void defaults_then_file_then_override(void **state)
{
    cfg c = {0};
    char err[512] = "";
    assert_int_equal(lt_config_defaults(table, &c, err, sizeof err), 0);
    assert_string_equal(c.bootstrap, "127.0.0.1:19092");
    assert_int_equal(c.linger_ms, 5);
    assert_int_equal(c.rooms.count, 2);
    setenv("LT_TEST_KEY", "s3cret", 1);
    unsetenv("LT_TEST_UNSET");
    write_file("kafka:\n  bootstrap_servers: k1:9092,k2:9092\n  properties:\n    compression.codec: zstd\n"
               "tls: yes\nrooms:\n  - \"@one\"\n  - 7123\n  - ${LT_TEST_UNSET:-@fallback}\napi_key: "
               "${LT_TEST_KEY}\n");
    if (lt_config_load_file(table, &c, path, err, sizeof err))
        fail_msg("%s", err);
    assert_string_equal(c.bootstrap, "k1:9092,k2:9092");
    assert_true(c.tls);
    assert_int_equal(c.rooms.count, 3);
    assert_string_equal(c.rooms.items[0], "@one");
    assert_string_equal(c.rooms.items[1], "7123");
    assert_string_equal(c.rooms.items[2], "@fallback");
    assert_string_equal(c.api_key, "s3cret");
    assert_int_equal(c.props.count, 1);
    assert_string_equal(c.props.items[0], "compression.codec=zstd");
    assert_string_equal(lt_config_property_value(c.props.items[0]), "zstd");
    assert_int_equal(lt_config_set(table, &c, "kafka.linger_ms=50", err, sizeof err), 0);
    assert_int_equal(c.linger_ms, 50);
    assert_int_equal(lt_config_set(table, &c, "rooms=@x,@y", err, sizeof err), 0);
    assert_int_equal(c.rooms.count, 2);
    lt_config_free(table, &c);
    assert_null(c.bootstrap);
    unlink(path);
}

static void expect_error(const char *yaml, const char *needle1, const char *needle2)
{
    cfg c = {0};
    char err[1024] = "";
    assert_int_equal(lt_config_defaults(table, &c, err, sizeof err), 0);
    write_file(yaml);
    assert_int_equal(lt_config_load_file(table, &c, path, err, sizeof err), -1);
    if (!strstr(err, needle1) || !strstr(err, needle2))
        fail_msg("error \"%s\" lacks \"%s\" or \"%s\"", err, needle1, needle2);
    assert_non_null(strstr(err, path));
    lt_config_free(table, &c);
    unlink(path);
}

static void errors_name_file_line_key_and_finding(void **state)
{
    expect_error("tls: true\nkafka:\n  linger_ms: fast\n", ":3: kafka.linger_ms",
                 "expected an integer, found \"fast\"");
    expect_error("kafka:\n  linger_ms: 20000\n", ":2: kafka.linger_ms", "from 0 to 10000");
    expect_error("kafak:\n  x: 1\n", ":1: unknown key \"kafak\"", "known here: kafka, tls");
    expect_error("kafka: 12\n", ":1: kafka", "expected a mapping of options, found a scalar");
    expect_error("tls: maybe\n", ":1: tls", "expected true or false");
    expect_error("rooms:\n  - a\n  - {x: 1}\n", ":3: rooms", "found a mapping in it");
    unsetenv("LT_TEST_MISSING");
    expect_error("api_key: ${LT_TEST_MISSING}\n", ":1: api_key", "LT_TEST_MISSING is not set");
    expect_error("kafka: [\n", ":", "not valid YAML");
    expect_error("- 1\n- 2\n", ":1:", "expected a mapping of options at the top");
}

static void overrides_reject_bad_input(void **state)
{
    cfg c = {0};
    char err[512] = "";
    assert_int_equal(lt_config_set(table, &c, "nope", err, sizeof err), -1);
    assert_non_null(strstr(err, "key=value"));
    assert_int_equal(lt_config_set(table, &c, "kafka.nope=1", err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown key \"kafka.nope\""));
    assert_int_equal(lt_config_set(table, &c, "tls.x=1", err, sizeof err), -1);
    assert_non_null(strstr(err, "not a section"));
    assert_int_equal(lt_config_set(table, &c, "kafka.properties=novalue", err, sizeof err), -1);
    lt_config_free(table, &c);
}

/* A value has no small fixed limit: thousands of rooms in one --rooms (or
 * one list item from the environment) are taken whole; past the bound
 * (16 MiB after substitution) the error says so. */
static void long_values_are_taken_whole(void **state)
{
    (void)state;
    enum { ROOMS = 5000 };
    size_t cap = 16 + ROOMS * 16;
    char *set = malloc(cap);
    assert_non_null(set);
    size_t n = (size_t)snprintf(set, cap, "rooms=");
    for (int i = 0; i < ROOMS; i++)
        n += (size_t)snprintf(set + n, cap - n, "%s@user%d", i ? "," : "", i);
    cfg c = {0};
    char err[512] = "";
    assert_int_equal(lt_config_set(table, &c, set, err, sizeof err), 0);
    assert_int_equal(c.rooms.count, ROOMS);
    assert_string_equal(c.rooms.items[ROOMS - 1], "@user4999");
    free(set);

    setenv("LT_TEST_LONG_ROOMS", "@user0", 1);
    unsetenv("LT_TEST_UNSET_ROOM");
    /* a fallback is copied from the reference itself (ASan once caught it read out of scope) */
    static const char yaml[] = "rooms: [\"${LT_TEST_LONG_ROOMS}x\", \"${LT_TEST_UNSET_ROOM:-@fallback}\"]\n";
    assert_int_equal(lt_config_load_buffer(table, &c, "test.yaml", yaml, strlen(yaml), err, sizeof err), 0);
    assert_int_equal(c.rooms.count, 2);
    assert_string_equal(c.rooms.items[0], "@user0x");
    assert_string_equal(c.rooms.items[1], "@fallback");

    size_t big = (16u << 20) + 16;
    char *huge = malloc(big);
    assert_non_null(huge);
    memcpy(huge, "api_key=", 8);
    memset(huge + 8, 'k', big - 9);
    huge[big - 1] = '\0';
    assert_int_equal(lt_config_set(table, &c, huge, err, sizeof err), -1);
    assert_non_null(strstr(err, "longer than"));
    free(huge);
    lt_config_free(table, &c);
}

static void reference_lists_every_key(void **state)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    lt_config_write_reference(table, f);
    fclose(f);
    assert_non_null(strstr(buf, "| `kafka.bootstrap_servers` | string | `127.0.0.1:19092` | brokers |"));
    assert_non_null(strstr(buf, "| `kafka.linger_ms` | integer (0–10000) | `5` |"));
    assert_non_null(strstr(buf, "| `api_key` | string | — | secret |"));
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_then_file_then_override),
        cmocka_unit_test(errors_name_file_line_key_and_finding),
        cmocka_unit_test(overrides_reject_bad_input),
        cmocka_unit_test(long_values_are_taken_whole),
        cmocka_unit_test(reference_lists_every_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
