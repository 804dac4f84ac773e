/* The one librdkafka configuration builder and "name=value" splitter
 * (kafka/conf.h): no limit on the number or length of properties, the
 * user's properties applied last, and errors that name the property. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kafka/conf.h"

#define MANY 200

static char *value_of(rd_kafka_conf_t *conf, const char *name)
{
    static char value[512];
    size_t size = sizeof value;
    assert_int_equal(rd_kafka_conf_get(conf, name, value, &size), RD_KAFKA_CONF_OK);
    return value;
}

static void split_keeps_every_property(void **state)
{
    (void)state;
    char *texts[MANY];
    for (int i = 0; i < MANY; i++) {
        texts[i] = malloc(64);
        snprintf(texts[i], 64, "name.%d=value=%d", i, i); /* a value may hold '=' */
    }
    lt_kafka_properties props;
    char err[256] = "";
    assert_int_equal(lt_kafka_properties_split((const char *const *)texts, MANY, &props, err, sizeof err), 0);
    assert_int_equal(props.count, MANY);
    for (int i = 0; i < MANY; i++) {
        char name[32], value[32];
        snprintf(name, sizeof name, "name.%d", i);
        snprintf(value, sizeof value, "value=%d", i);
        assert_string_equal(props.items[i].name, name);
        assert_string_equal(props.items[i].value, value);
        free(texts[i]);
    }
    lt_kafka_properties_free(&props);
    assert_int_equal(props.count, 0);
}

static void split_refuses_text_without_a_name_value(void **state)
{
    (void)state;
    lt_kafka_properties props;
    char err[256] = "";
    const char *no_eq[] = {"acks=all", "compression.codec"};
    assert_int_equal(lt_kafka_properties_split(no_eq, 2, &props, err, sizeof err), -1);
    assert_non_null(strstr(err, "\"compression.codec\""));
    assert_non_null(strstr(err, "no '='"));
    assert_int_equal(props.count, 0);
    assert_null(props.items);

    const char *no_name[] = {"=lz4"};
    assert_int_equal(lt_kafka_properties_split(no_name, 1, &props, err, sizeof err), -1);
    assert_non_null(strstr(err, "\"=lz4\""));
    assert_non_null(strstr(err, "name is empty"));
}

/* Records every property rd_kafka_conf_set is asked for; claims the test's
 * own names so that librdkafka accepts them. */
typedef struct seen {
    int count;
    char last[64];
    int out_of_order;
} seen;

static rd_kafka_conf_res_t on_conf_set(rd_kafka_conf_t *conf, const char *name, const char *val, char *errstr,
                                       size_t errstr_size, void *ic_opaque)
{
    (void)conf, (void)errstr, (void)errstr_size;
    seen *s = ic_opaque;
    int n;
    if (sscanf(name, "livetap.test.%d", &n) != 1)
        return RD_KAFKA_CONF_UNKNOWN;
    char want[32];
    snprintf(want, sizeof want, "v%d", n);
    if (n != s->count || strcmp(val, want) != 0)
        s->out_of_order++;
    s->count++;
    snprintf(s->last, sizeof s->last, "%s", name);
    return RD_KAFKA_CONF_OK;
}

static void apply_sets_two_hundred_properties(void **state)
{
    (void)state;
    char *texts[MANY];
    for (int i = 0; i < MANY; i++) {
        texts[i] = malloc(64);
        snprintf(texts[i], 64, "livetap.test.%d=v%d", i, i);
    }
    lt_kafka_properties props;
    char err[256] = "";
    assert_int_equal(lt_kafka_properties_split((const char *const *)texts, MANY, &props, err, sizeof err), 0);
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    seen s = {0};
    assert_int_equal(rd_kafka_conf_interceptor_add_on_conf_set(conf, "test", on_conf_set, &s), 0);
    assert_int_equal(lt_kafka_conf_apply(conf, props.items, props.count, err, sizeof err), 0);
    assert_int_equal(s.count, MANY);
    assert_int_equal(s.out_of_order, 0);
    assert_string_equal(s.last, "livetap.test.199");
    rd_kafka_conf_destroy(conf);
    lt_kafka_properties_free(&props);
    for (int i = 0; i < MANY; i++)
        free(texts[i]);
}

static void build_applies_the_last_of_many_user_properties(void **state)
{
    (void)state;
    /* the old collector split kept the first 128 and dropped the rest */
    lt_kafka_property user[MANY];
    char values[MANY][16];
    for (int i = 0; i < MANY; i++) {
        snprintf(values[i], sizeof values[i], "%d", 1000 + i);
        user[i] = (lt_kafka_property){"linger.ms", values[i]};
    }
    user[MANY - 1] = (lt_kafka_property){"client.id", "the-200th"};
    const lt_kafka_property fixed[] = {{"client.id", "built-in"}, {"acks", "all"}, {"group.id", NULL}};
    char err[256] = "";
    rd_kafka_conf_t *conf = lt_kafka_conf_build("127.0.0.1:9", fixed, 3, user, MANY, err, sizeof err);
    assert_non_null(conf);
    assert_string_equal(value_of(conf, "bootstrap.servers"), "127.0.0.1:9");
    assert_string_equal(value_of(conf, "client.id"), "the-200th"); /* the user's wins */
    assert_string_equal(value_of(conf, "linger.ms"), "1198");
    assert_string_equal(value_of(conf, "acks"), "-1"); /* librdkafka's spelling of "all" */
    rd_kafka_conf_destroy(conf);
}

static void a_long_name_is_reported_whole(void **state)
{
    (void)state;
    char text[420];
    memset(text, 'n', 400);
    memcpy(text, "x.", 2);
    strcpy(text + 400, "=1");
    const char *texts[] = {"acks=all", text};
    lt_kafka_properties props;
    char err[2048] = "";
    assert_int_equal(lt_kafka_properties_split(texts, 2, &props, err, sizeof err), 0);
    assert_int_equal(strlen(props.items[1].name), 400);
    assert_null(lt_kafka_conf_build("127.0.0.1:9", NULL, 0, props.items, props.count, err, sizeof err));
    char quoted[410];
    snprintf(quoted, sizeof quoted, "\"%.400s\":", text);
    assert_ptr_equal(strstr(err, quoted), err + strlen("Kafka property "));
    lt_kafka_properties_free(&props);
}

static void a_bad_property_is_named_with_librdkafkas_reason(void **state)
{
    (void)state;
    const lt_kafka_property user[] = {
        {"linger.ms", "7"}, {"acks", "sometimes"}, {"client.id", "never-reached"}};
    char err[512] = "";
    assert_null(lt_kafka_conf_build("127.0.0.1:9", NULL, 0, user, 3, err, sizeof err));
    assert_true(strncmp(err, "Kafka property \"acks\": ", 23) == 0);
    /* librdkafka's reason names its alias ("request.required.acks"), so
     * only the prefix tells which of the user's settings it was */
    assert_non_null(strstr(err, "Invalid value"));
    /* a bad value is not echoed by us: it may be a secret */
    const lt_kafka_property secret[] = {{"sasl.password", "hunter2"}, {"no.such.thing", "x"}};
    assert_null(lt_kafka_conf_build("127.0.0.1:9", NULL, 0, secret, 2, err, sizeof err));
    assert_non_null(strstr(err, "\"no.such.thing\""));
    assert_null(strstr(err, "hunter2"));
}

static void build_needs_bootstrap_servers(void **state)
{
    (void)state;
    char err[256] = "";
    assert_null(lt_kafka_conf_build("", NULL, 0, NULL, 0, err, sizeof err));
    assert_non_null(strstr(err, "bootstrap"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(split_keeps_every_property),
        cmocka_unit_test(split_refuses_text_without_a_name_value),
        cmocka_unit_test(apply_sets_two_hundred_properties),
        cmocka_unit_test(build_applies_the_last_of_many_user_properties),
        cmocka_unit_test(a_long_name_is_reported_whole),
        cmocka_unit_test(a_bad_property_is_named_with_librdkafkas_reason),
        cmocka_unit_test(build_needs_bootstrap_servers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
