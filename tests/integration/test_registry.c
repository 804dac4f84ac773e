/* The registry client against the real Apicurio registry (Confluent API).
 * Needs LT_REGISTRY_URL (scripts/dev-infra.sh env). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "avro/registry.h"

static const char *V1 = "{\"type\":\"record\",\"name\":\"Probe\",\"namespace\":\"io.livetap.test\","
                        "\"fields\":[{\"name\":\"a\",\"type\":\"long\"}]}";
/* compatible under BACKWARD: a new field with a default */
static const char *V2 = "{\"type\":\"record\",\"name\":\"Probe\",\"namespace\":\"io.livetap.test\","
                        "\"fields\":[{\"name\":\"a\",\"type\":\"long\"},"
                        "{\"name\":\"b\",\"type\":\"string\",\"default\":\"\"}]}";
/* incompatible: a new field without a default */
static const char *BAD = "{\"type\":\"record\",\"name\":\"Probe\",\"namespace\":\"io.livetap.test\","
                         "\"fields\":[{\"name\":\"a\",\"type\":\"long\"},{\"name\":\"c\",\"type\":\"int\"}]}";

static char subject[128];

static lt_registry *open_registry(const char *url)
{
    char err[1024] = "";
    lt_registry_options o = {url, NULL, NULL, 5000};
    lt_registry *reg = lt_registry_create(&o, err, sizeof err);
    if (!reg)
        fail_msg("%s", err);
    return reg;
}

static const char *registry_url(void)
{
    const char *url = getenv("LT_REGISTRY_URL");
    if (!url || !*url)
        fail_msg("LT_REGISTRY_URL is not set: run scripts/dev-infra.sh start and eval its env");
    return url;
}

static void register_is_idempotent_and_compatible_changes_get_new_ids(void **state)
{
    lt_registry *reg = open_registry(registry_url());
    char err[1024] = "";
    int32_t id1 = -1, again = -1, id2 = -1;
    assert_int_equal(lt_registry_register(reg, subject, V1, &id1, err, sizeof err), LT_REGISTRY_OK);
    assert_true(id1 >= 0);
    assert_int_equal(lt_registry_register(reg, subject, V1, &again, err, sizeof err), LT_REGISTRY_OK);
    assert_int_equal(again, id1);
    assert_int_equal(lt_registry_register(reg, subject, V2, &id2, err, sizeof err), LT_REGISTRY_OK);
    assert_int_not_equal(id2, id1);

    char *text = NULL;
    assert_int_equal(lt_registry_get_schema(reg, id2, &text, err, sizeof err), LT_REGISTRY_OK);
    assert_non_null(strstr(text, "\"b\""));
    free(text);
    lt_registry_destroy(reg);
}

static void incompatible_change_is_refused_with_a_readable_error(void **state)
{
    lt_registry *reg = open_registry(registry_url());
    char err[1024] = "";
    int32_t id = -1;
    assert_int_equal(lt_registry_register(reg, subject, V1, &id, err, sizeof err), LT_REGISTRY_OK);
    assert_int_equal(lt_registry_register(reg, subject, BAD, &id, err, sizeof err), LT_REGISTRY_INCOMPATIBLE);
    assert_non_null(strstr(err, subject));
    assert_non_null(strstr(err, "HTTP 409"));
    assert_non_null(strstr(err, "compatible"));
    lt_registry_destroy(reg);
}

static void invalid_schema_and_unknown_id(void **state)
{
    lt_registry *reg = open_registry(registry_url());
    char err[1024] = "";
    int32_t id = -1;
    lt_registry_error rc = lt_registry_register(reg, subject, "{\"type\":\"no-such-type\"}", &id, err, sizeof err);
    assert_true(rc == LT_REGISTRY_INVALID || rc == LT_REGISTRY_FAILED);
    assert_non_null(strstr(err, subject));
    char *text = NULL;
    assert_int_equal(lt_registry_get_schema(reg, 987654321, &text, err, sizeof err), LT_REGISTRY_NOT_FOUND);
    assert_null(text);
    assert_int_equal(lt_registry_ping(reg, err, sizeof err), LT_REGISTRY_OK);
    lt_registry_destroy(reg);
}

static void unreachable_registry_fails_fast(void **state)
{
    lt_registry *reg = open_registry("http://127.0.0.1:1/apis/ccompat/v7");
    char err[1024] = "";
    int32_t id;
    time_t t0 = time(NULL);
    assert_int_equal(lt_registry_register(reg, "x-value", V1, &id, err, sizeof err), LT_REGISTRY_UNREACHABLE);
    assert_true(time(NULL) - t0 < 10);
    assert_non_null(strstr(err, "unreachable"));
    assert_non_null(strstr(err, "x-value"));
    assert_int_equal(lt_registry_ping(reg, err, sizeof err), LT_REGISTRY_UNREACHABLE);
    lt_registry_destroy(reg);
}

static int fresh_subject(void **state)
{
    static unsigned n;
    snprintf(subject, sizeof subject, "lt-registry-test-%ld-%d-%u-value", (long)time(NULL), (int)getpid(), n++);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(register_is_idempotent_and_compatible_changes_get_new_ids, fresh_subject),
        cmocka_unit_test_setup(incompatible_change_is_refused_with_a_readable_error, fresh_subject),
        cmocka_unit_test_setup(invalid_schema_and_unknown_id, fresh_subject),
        cmocka_unit_test(unreachable_registry_fails_fast),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
