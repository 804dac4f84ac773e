/* Parsing Canonical Form, CRC-64-AVRO and the schema loader.
 *
 * Fingerprint vectors are the Avro specification's (schema-tests.txt);
 * the canonical-form cases exercise each transformation the specification
 * names (PRIMITIVES, FULLNAMES, STRIP, ORDER, STRINGS, WHITESPACE). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "avro/schemas.h"

static uint64_t fingerprint_of(const char *schema)
{
    char err[256];
    char *pcf = lt_avro_canonical_form(schema, err, sizeof err);
    assert_non_null(pcf);
    uint64_t fp = lt_avro_crc64(pcf, strlen(pcf));
    free(pcf);
    return fp;
}

static void spec_fingerprint_vectors(void **state)
{
    assert_int_equal(fingerprint_of("\"null\""), (uint64_t)7195948357588979594ULL);
    assert_int_equal(fingerprint_of("{\"type\":\"int\"}"), (uint64_t)8247732601305521295ULL);
    assert_int_equal(
        fingerprint_of("{\"name\":\"foo\",\"type\":\"record\",\"fields\":[{\"name\":\"f1\",\"type\":\"boolean\"}]}"),
        (uint64_t)7843277075252814651ULL);
    /* the empty input is the EMPTY constant itself */
    assert_int_equal(lt_avro_crc64("", 0), (uint64_t)0xc15d213aa4d7a795ULL);
}

static void expect_pcf(const char *schema, const char *expected)
{
    char err[256] = "";
    char *pcf = lt_avro_canonical_form(schema, err, sizeof err);
    if (!pcf)
        fail_msg("canonical form failed: %s", err);
    assert_string_equal(pcf, expected);
    free(pcf);
}

static void canonical_form_transformations(void **state)
{
    /* PRIMITIVES + WHITESPACE */
    expect_pcf("  { \"type\" : \"long\", \"logicalType\": \"timestamp-millis\" } ", "\"long\"");
    /* FULLNAMES from the namespace attribute, inherited by nested names */
    expect_pcf("{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"a.b\",\"doc\":\"x\","
               "\"fields\":[{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\","
               "\"symbols\":[\"X\",\"Y\"]}},{\"name\":\"again\",\"type\":\"E\"}]}",
               "{\"name\":\"a.b.R\",\"type\":\"record\",\"fields\":[{\"name\":\"e\",\"type\":"
               "{\"name\":\"a.b.E\",\"type\":\"enum\",\"symbols\":[\"X\",\"Y\"]}},"
               "{\"name\":\"again\",\"type\":\"a.b.E\"}]}");
    /* a dotted name ignores the namespace attribute */
    expect_pcf("{\"type\":\"fixed\",\"name\":\"x.F\",\"namespace\":\"ignored\",\"size\":16}",
               "{\"name\":\"x.F\",\"type\":\"fixed\",\"size\":16}");
    /* STRIP + ORDER: defaults, docs, aliases go; type comes after name */
    expect_pcf("{\"fields\":[{\"type\":[\"null\",\"string\"],\"default\":null,\"name\":\"s\","
               "\"aliases\":[\"t\"]}],\"aliases\":[\"Q\"],\"type\":\"record\",\"name\":\"P\"}",
               "{\"name\":\"P\",\"type\":\"record\",\"fields\":[{\"name\":\"s\",\"type\":"
               "[\"null\",\"string\"]}]}");
    /* arrays and maps keep only items / values */
    expect_pcf("{\"type\":\"array\",\"items\":{\"type\":\"map\",\"values\":\"bytes\",\"doc\":\"d\"}}",
               "{\"type\":\"array\",\"items\":{\"type\":\"map\",\"values\":\"bytes\"}}");
    /* STRINGS: \u escapes become UTF-8 */
    expect_pcf("{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"\\u0041\"]}",
               "{\"name\":\"E\",\"type\":\"enum\",\"symbols\":[\"A\"]}");
}

static void canonical_form_rejects_bad_input(void **state)
{
    char err[256] = "";
    assert_null(lt_avro_canonical_form("{\"type\":", err, sizeof err));
    assert_true(strlen(err) > 0);
    err[0] = '\0';
    assert_null(lt_avro_canonical_form("{\"type\":\"record\",\"fields\":[]}", err, sizeof err));
    assert_non_null(strstr(err, "name"));
    assert_null(lt_avro_canonical_form("42", err, sizeof err));
}

static void every_event_schema_loads(void **state)
{
    char err[512] = "";
    lt_schema_set *set = lt_schema_set_load(NULL, err, sizeof err);
    if (!set)
        fail_msg("%s", err);
    for (int t = 0; t < LT_EVENT_TYPE_COUNT; t++) {
        const char *json = lt_schema_set_json(set, (lt_event_type)t);
        assert_non_null(json);
        assert_non_null(lt_schema_set_schema(set, (lt_event_type)t));
        /* self-contained: the User record is defined inline where users occur */
        const char *def = strstr(json, "\"name\":\"User\"");
        if (strstr(json, "io.livetap.User") || def)
            assert_non_null(def);
        char *pcf = lt_avro_canonical_form(json, err, sizeof err);
        assert_non_null(pcf);
        assert_int_equal(lt_schema_set_fingerprint(set, (lt_event_type)t), lt_avro_crc64(pcf, strlen(pcf)));
        free(pcf);
    }
    /* distinct schemas, distinct fingerprints */
    assert_int_not_equal(lt_schema_set_fingerprint(set, LT_EVENT_CHAT),
                         lt_schema_set_fingerprint(set, LT_EVENT_GIFT));
    lt_schema_set_destroy(set);
}

static void missing_schema_dir_names_the_file(void **state)
{
    char err[512] = "";
    assert_null(lt_schema_set_load("/nonexistent-dir", err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent-dir/chat.avsc"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spec_fingerprint_vectors),
        cmocka_unit_test(canonical_form_transformations),
        cmocka_unit_test(canonical_form_rejects_bad_input),
        cmocka_unit_test(every_event_schema_loads),
        cmocka_unit_test(missing_schema_dir_names_the_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
