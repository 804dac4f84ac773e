/* test_cli.c - the shared command line (core/cli.h): flags are shorthands
 * for keys and validated like the file, the file loads before the flags
 * wherever it stands, --check-config masks secrets, and every refusal exits
 * 2 with a message naming what was wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/cli.h"

typedef struct demo_config {
    long port;
    char *listen, *log_level, *registry_url, *password;
    lt_config_list tokens, properties;
    bool dry_run;
} demo_config;

static const lt_config_option auth_options[] = {
    {.name = "tokens",
     .kind = LT_CONFIG_STRING_LIST,
     .offset = offsetof(demo_config, tokens),
     .doc = "tokens"},
    {.name = "password",
     .kind = LT_CONFIG_STRING,
     .offset = offsetof(demo_config, password),
     .doc = "secret"},
    {.name = NULL},
};

static const lt_config_option options[] = {
    {.name = "port",
     .kind = LT_CONFIG_INT,
     .offset = offsetof(demo_config, port),
     .default_value = "8090",
     .doc = "port",
     .min = 0,
     .max = 65535},
    {.name = "listen",
     .kind = LT_CONFIG_STRING,
     .offset = offsetof(demo_config, listen),
     .default_value = "127.0.0.1",
     .doc = "address"},
    {.name = "log_level",
     .kind = LT_CONFIG_STRING,
     .offset = offsetof(demo_config, log_level),
     .default_value = "info",
     .doc = "level"},
    {.name = "registry_url",
     .kind = LT_CONFIG_STRING,
     .offset = offsetof(demo_config, registry_url),
     .default_value = "http://reg",
     .doc = "registry"},
    {.name = "properties",
     .kind = LT_CONFIG_PROPERTIES,
     .offset = offsetof(demo_config, properties),
     .doc = "librdkafka"},
    {.name = "dry_run",
     .kind = LT_CONFIG_BOOL,
     .offset = offsetof(demo_config, dry_run),
     .default_value = "false",
     .doc = "dry"},
    {.name = "auth", .kind = LT_CONFIG_SECTION, .doc = "auth", .section = auth_options},
    {.name = NULL},
};

static const lt_cli_flag flags[] = {
    {"port", "port", true, "N        port"},
    {"listen", "listen", true, "HOST     address"},
    {"token", "auth.tokens", true, "T        token, repeatable"},
    {"no-registry", "registry_url=", false, "         no registry"},
    {"dry-run", "dry_run", false, "         dry run"},
};
static const lt_cli_short shorts[] = {{'p', "port"}};

static int refuse_listen_nowhere(const void *config, char *err, size_t errlen)
{
    const demo_config *c = config;
    if (strcmp(c->listen, "nowhere") == 0) {
        snprintf(err, errlen, "listen: nowhere is not an address");
        return -1;
    }
    return 0;
}

static const lt_cli_program program = {
    .name = "lt-test",
    .usage = "usage: lt-test [options]",
    .options = options,
    .flags = flags,
    .flag_count = sizeof flags / sizeof flags[0],
    .shorts = shorts,
    .short_count = 1,
    .log_level_key = "log_level",
    .validate = refuse_listen_nowhere,
};

static char out_text[65536], err_text[65536];

static void slurp(FILE *f, char *buf, size_t len)
{
    fflush(f);
    rewind(f);
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = '\0';
}

/* Parses argv (NULL-ended) into *cfg, capturing stdout and stderr. */
static lt_cli_outcome parse(demo_config *cfg, ...)
{
    char *argv[32] = {"lt-test"};
    int argc = 1;
    va_list ap;
    va_start(ap, cfg);
    for (char *a; argc < 31 && (a = va_arg(ap, char *));)
        argv[argc++] = a;
    va_end(ap);
    memset(cfg, 0, sizeof *cfg);
    FILE *o = tmpfile(), *e = tmpfile();
    assert_non_null(o);
    assert_non_null(e);
    fflush(stdout);
    fflush(stderr);
    int saved_out = dup(1), saved_err = dup(2);
    dup2(fileno(o), 1);
    dup2(fileno(e), 2);
    lt_cli_outcome r = lt_cli_parse(&program, cfg, argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(saved_out);
    close(saved_err);
    slurp(o, out_text, sizeof out_text);
    slurp(e, err_text, sizeof err_text);
    fclose(o);
    fclose(e);
    return r;
}

static const char *write_tmp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/lt-cli-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void test_bad_numbers_name_the_flag_and_value(void **state)
{
    demo_config cfg;
    const char *bad[] = {"abc", "70000", "-1", "12x", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        lt_cli_outcome r = parse(&cfg, "--port", bad[i], NULL);
        assert_false(r.run);
        assert_int_equal(r.status, 2);
        char want[64];
        snprintf(want, sizeof want, "--port %s: port:", bad[i]);
        assert_non_null(strstr(err_text, want));
        lt_config_free(options, &cfg);
    }
    lt_cli_outcome r = parse(&cfg, "-p", "abc", NULL); /* the short form too */
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(err_text, "abc"));
    lt_config_free(options, &cfg);
    r = parse(&cfg, "-p", "0", NULL);
    assert_true(r.run);
    assert_int_equal(cfg.port, 0);
    lt_config_free(options, &cfg);
}

static void test_unknown_flag_and_unknown_key(void **state)
{
    demo_config cfg;
    lt_cli_outcome r = parse(&cfg, "--prot", "1", NULL);
    assert_false(r.run);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(err_text, "--help"));
    lt_config_free(options, &cfg);

    r = parse(&cfg, "--set", "auth.passwrd=x", NULL);
    assert_false(r.run);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(err_text, "unknown key \"auth.passwrd\""));
    assert_non_null(strstr(err_text, "password")); /* the keys it could have meant */
    lt_config_free(options, &cfg);

    r = parse(&cfg, "--set", "port", NULL);
    assert_int_equal(r.status, 2);
    lt_config_free(options, &cfg);

    r = parse(&cfg, "stray", NULL); /* operands only where the program takes them */
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(err_text, "stray"));
    lt_config_free(options, &cfg);
}

static void test_file_then_flags_wherever_they_stand(void **state)
{
    demo_config cfg;
    const char *path = write_tmp("port: 9000\nlisten: 0.0.0.0\nauth:\n  tokens: [from-file]\n");
    /* the flag before --config still wins over the file */
    lt_cli_outcome r = parse(&cfg, "--port", "9100", "--config", path, "--set", "listen=10.0.0.1", NULL);
    assert_true(r.run);
    assert_int_equal(cfg.port, 9100);
    assert_string_equal(cfg.listen, "10.0.0.1");
    assert_int_equal(cfg.tokens.count, 1);
    assert_string_equal(cfg.tokens.items[0], "from-file");
    lt_config_free(options, &cfg);
    /* a list flag replaces the file's list, then adds */
    r = parse(&cfg, "-c", path, "--token", "a", "--token", "b", NULL);
    assert_true(r.run);
    assert_int_equal(cfg.tokens.count, 2);
    assert_string_equal(cfg.tokens.items[0], "a");
    assert_string_equal(cfg.tokens.items[1], "b");
    lt_config_free(options, &cfg);
    /* flags without a value: "true", or the value their key names */
    r = parse(&cfg, "--dry-run", "--no-registry", NULL);
    assert_true(r.run);
    assert_true(cfg.dry_run);
    assert_string_equal(cfg.registry_url, "");
    lt_config_free(options, &cfg);
    /* a bad file is refused with its line and key */
    const char *bad = write_tmp("auth:\n  tokens: [x]\nport: many\n");
    r = parse(&cfg, "--config", bad, NULL);
    assert_int_equal(r.status, 2);
    char want[128];
    snprintf(want, sizeof want, "%s:3: port", bad);
    assert_non_null(strstr(err_text, want));
    unlink(bad);
    unlink(path);
    lt_config_free(options, &cfg);
}

static void test_check_config_masks_secrets(void **state)
{
    demo_config cfg;
    lt_cli_outcome r = parse(&cfg, "--set", "auth.password=hunter2hunter2", "--token", "tok-0123456789abcdef",
                             "--set", "properties=sasl.password=saslsecret", "--set",
                             "registry_url=https://user:regsecret@reg.example/x", "--check-config", NULL);
    assert_false(r.run);
    assert_int_equal(r.status, 0);
    assert_true(strncmp(out_text, "configuration OK", 16) == 0);
    assert_null(strstr(out_text, "hunter2"));
    assert_null(strstr(out_text, "tok-0123"));
    assert_null(strstr(out_text, "saslsecret"));
    assert_null(strstr(out_text, "regsecret"));
    assert_non_null(strstr(out_text, "password: \"***\""));
    assert_non_null(strstr(out_text, "sasl.password=***"));
    assert_non_null(strstr(out_text, "reg.example/x"));
    assert_non_null(strstr(out_text, "port: 8090")); /* the rest is shown as it is */
    lt_config_free(options, &cfg);

    /* the printed configuration loads back to the same values */
    r = parse(&cfg, "--port", "1234", "--listen", "::1", "--check-config", NULL);
    assert_int_equal(r.status, 0);
    const char *yaml = strchr(out_text, '\n') + 1;
    const char *path = write_tmp(yaml);
    lt_config_free(options, &cfg);
    r = parse(&cfg, "--config", path, NULL);
    unlink(path);
    assert_true(r.run);
    assert_int_equal(cfg.port, 1234);
    assert_string_equal(cfg.listen, "::1");
    lt_config_free(options, &cfg);

    /* the program's own checks run too, and fail with 2 */
    r = parse(&cfg, "--listen", "nowhere", "--check-config", NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(err_text, "listen: nowhere"));
    lt_config_free(options, &cfg);
}

static void test_help_reference_version_and_verbosity(void **state)
{
    demo_config cfg;
    lt_cli_outcome r = parse(&cfg, "--help", NULL);
    assert_false(r.run);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(out_text, "-p, --port"));
    assert_non_null(strstr(out_text, "--check-config"));
    lt_config_free(options, &cfg);
    r = parse(&cfg, "--config-reference", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(out_text, "| `auth.password` | string |"));
    assert_non_null(strstr(out_text, "| `port` | integer (0–65535) | `8090` |"));
    lt_config_free(options, &cfg);
    r = parse(&cfg, "--version", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(out_text, "lt-test " LT_VERSION));
    lt_config_free(options, &cfg);
    r = parse(&cfg, "-v", NULL);
    assert_true(r.run);
    assert_string_equal(cfg.log_level, "debug");
    lt_config_free(options, &cfg);
    r = parse(&cfg, "--set", "log_level=loud", NULL);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(err_text, "log_level: expected debug, info, warn or error, found \"loud\""));
    lt_config_free(options, &cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_numbers_name_the_flag_and_value),
        cmocka_unit_test(test_unknown_flag_and_unknown_key),
        cmocka_unit_test(test_file_then_flags_wherever_they_stand),
        cmocka_unit_test(test_check_config_masks_secrets),
        cmocka_unit_test(test_help_reference_version_and_verbosity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
