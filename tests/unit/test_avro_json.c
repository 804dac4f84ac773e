/* test_avro_json.c - the compiled Avro -> JSON plan (avro/json.h): every Avro
 * type renders as core/event_json.h would, against avro-c's own encoder for
 * the bytes; hostile bodies (truncated, overlong varints, out-of-range
 * indices, counts that promise more than the body holds) are refused without
 * touching the caller's buffer; recursive schemas compile and decode to a
 * bounded depth. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "avro/json.h"

static avro_schema_t schema_of(const char *json)
{
    avro_schema_t s = NULL;
    if (avro_schema_from_json_length(json, strlen(json), &s))
        fail_msg("schema does not parse: %s", avro_strerror());
    return s;
}

/* Renders `body` as a whole object {"field": value, ...} from the spans. */
static char *render(const lt_avro_json *plan, const uint8_t *body, size_t len)
{
    size_t n = lt_avro_json_field_count(plan);
    lt_avro_json_field *fields = calloc(n, sizeof(*fields));
    lt_buf values = LT_BUF_INIT, out = LT_BUF_INIT;
    assert_int_equal(lt_buf_append(&values, "xyz", 3), 0); /* existing content stays */
    char *text = NULL;
    if (lt_avro_json_record(plan, body, len, &values, fields) == 0) {
        lt_buf_append_byte(&out, '{');
        for (size_t i = 0; i < n; i++) {
            size_t klen;
            const char *key = lt_avro_json_field_key(plan, i, &klen);
            if (i)
                lt_buf_append_byte(&out, ',');
            lt_buf_append(&out, key, klen);
            lt_buf_append(&out, values.data + fields[i].off, fields[i].len);
        }
        lt_buf_append(&out, "}", 2);
        text = strdup((const char *)out.data);
    } else {
        assert_int_equal(values.len, 3);
    }
    assert_memory_equal(values.data, "xyz", 3);
    lt_buf_free(&values);
    lt_buf_free(&out);
    free(fields);
    return text;
}

static const char *every_type =
    "{\"type\":\"record\",\"name\":\"R\",\"fields\":["
    "{\"name\":\"n\",\"type\":\"null\"},{\"name\":\"b\",\"type\":\"boolean\"},"
    "{\"name\":\"i\",\"type\":\"int\"},{\"name\":\"l\",\"type\":\"long\"},"
    "{\"name\":\"f\",\"type\":\"float\"},{\"name\":\"d\",\"type\":\"double\"},"
    "{\"name\":\"s\",\"type\":\"string\"},{\"name\":\"y\",\"type\":\"bytes\"},"
    "{\"name\":\"x\",\"type\":{\"type\":\"fixed\",\"name\":\"F\",\"size\":2}},"
    "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\\\"Q\"]}},"
    "{\"name\":\"u\",\"type\":[\"null\",\"long\"]},{\"name\":\"v\",\"type\":[\"null\",\"string\"]},"
    "{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":\"int\"}},"
    "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":\"string\"}},"
    "{\"name\":\"r\",\"type\":{\"type\":\"record\",\"name\":\"In\",\"fields\":[{\"name\":\"k\",\"type\":\"long\"}]}},"
    "{\"name\":\"_z9\",\"type\":\"int\"}]}";

/* Every type, encoded by avro-c's generic writer, renders to the expected
 * JSON; the capture of top-level strings and numbers points at the body. */
static void test_every_type(void **state)
{
    (void)state;
    avro_schema_t s = schema_of(every_type);
    char err[256];
    lt_avro_json *plan = lt_avro_json_compile(s, err, sizeof(err));
    if (!plan)
        fail_msg("compile: %s", err);
    avro_value_iface_t *iface = avro_generic_class_from_schema(s);
    avro_value_t rec, f, b;
    assert_int_equal(avro_generic_value_new(iface, &rec), 0);
    avro_value_get_by_name(&rec, "b", &f, NULL), avro_value_set_boolean(&f, 1);
    avro_value_get_by_name(&rec, "i", &f, NULL), avro_value_set_int(&f, -2147483647 - 1);
    avro_value_get_by_name(&rec, "l", &f, NULL), avro_value_set_long(&f, INT64_MAX);
    avro_value_get_by_name(&rec, "f", &f, NULL), avro_value_set_float(&f, 0.5f);
    avro_value_get_by_name(&rec, "d", &f, NULL), avro_value_set_double(&f, -1.25);
    avro_value_get_by_name(&rec, "s", &f, NULL), avro_value_set_string_len(&f, "h\"i\n\xff", 6);
    avro_value_get_by_name(&rec, "y", &f, NULL), avro_value_set_bytes(&f, "\x01\xab", 2);
    avro_value_get_by_name(&rec, "x", &f, NULL), avro_value_set_fixed(&f, "\xff\x00", 2);
    avro_value_get_by_name(&rec, "e", &f, NULL), avro_value_set_enum(&f, 1);
    avro_value_get_by_name(&rec, "u", &f, NULL), avro_value_set_branch(&f, 1, &b), avro_value_set_long(&b, -7);
    avro_value_get_by_name(&rec, "v", &f, NULL), avro_value_set_branch(&f, 0, &b), avro_value_set_null(&b);
    avro_value_get_by_name(&rec, "a", &f, NULL);
    for (int k = 0; k < 3; k++)
        avro_value_append(&f, &b, NULL), avro_value_set_int(&b, k * 100);
    avro_value_get_by_name(&rec, "m", &f, NULL);
    avro_value_add(&f, "one", &b, NULL, NULL), avro_value_set_string(&b, "1");
    avro_value_add(&f, "t\two", &b, NULL, NULL), avro_value_set_string(&b, "2");
    avro_value_get_by_name(&rec, "r", &f, NULL), avro_value_get_by_name(&f, "k", &b, NULL), avro_value_set_long(&b, 42);
    avro_value_get_by_index(&rec, 15, &f, NULL), avro_value_set_int(&f, 5);

    char body[512];
    avro_writer_t w = avro_writer_memory(body, sizeof(body));
    assert_int_equal(avro_value_write(w, &rec), 0);
    size_t len = (size_t)avro_writer_tell(w);
    char *got = render(plan, (const uint8_t *)body, len);
    assert_non_null(got);
    assert_string_equal(got,
        "{\"n\":null,\"b\":true,\"i\":-2147483648,\"l\":9223372036854775807,\"f\":0.5,\"d\":-1.25,"
        "\"s\":\"h\\\"i\\n\xEF\xBF\xBD\",\"y\":\"01ab\",\"x\":\"ff00\",\"e\":\"B\\\"Q\",\"u\":-7,\"v\":null,"
        "\"a\":[0,100,200],\"m\":{\"one\":\"1\",\"t\\two\":\"2\"},\"r\":{\"k\":42},\"_z9\":5}");
    json_error_t jerr;
    json_t *j = json_loads(got, 0, &jerr);
    assert_non_null(j); /* valid JSON (jansson checks UTF-8 too) */
    json_decref(j);
    free(got);

    /* Captures: s (string), l and u (numbers through a union). */
    lt_avro_json_field fields[16];
    lt_buf values = LT_BUF_INIT;
    assert_int_equal(lt_avro_json_record(plan, (const uint8_t *)body, len, &values, fields), 0);
    int si = lt_avro_json_field_index(plan, "s"), ui = lt_avro_json_field_index(plan, "u");
    assert_true(fields[si].has_str && fields[si].str_len == 5 && memcmp(fields[si].str, "h\"i\n\xff", 5) == 0);
    assert_true(fields[si].str >= body && fields[si].str < body + len);
    assert_true(fields[ui].has_num && fields[ui].num == -7);
    assert_false(fields[lt_avro_json_field_index(plan, "v")].has_str);
    assert_int_equal(lt_avro_json_field_index(plan, "nope"), -1);
    lt_buf_free(&values);

    /* Every strict prefix of the body is refused (truncation anywhere). */
    for (size_t cut = 0; cut < len; cut++) {
        char *t = render(plan, (const uint8_t *)body, cut);
        if (t)
            fail_msg("a body cut at %zu of %zu rendered: %s", cut, len, t);
    }
    avro_writer_free(w);
    avro_value_decref(&rec);
    avro_value_iface_decref(iface);
    lt_avro_json_destroy(plan);
    avro_schema_decref(s);
}

/* Hostile bodies for small schemas: each is refused. */
static void test_hostile_bodies(void **state)
{
    (void)state;
    static const struct {
        const char *schema;
        const char *body;
        size_t len;
        const char *why;
    } cases[] = {
        {"\"long\"", "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 10, "varint over 64 bits"},
        {"\"long\"", "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 11, "varint of 11 bytes"},
        {"\"int\"", "\x80\x80\x80\x80\x20", 5, "int over 32 bits"},
        {"\"string\"", "\x01", 1, "negative length"},
        {"\"string\"", "\x0a" "abc", 4, "length past the end"},
        {"\"bytes\"", "\xfe\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10, "huge length"},
        {"{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\"]}", "\x02", 1, "enum index out of range"},
        {"{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\"]}", "\x01", 1, "negative enum index"},
        {"[\"null\",\"int\"]", "\x04", 1, "union branch out of range"},
        {"{\"type\":\"array\",\"items\":\"null\"}", "\xfe\xff\xff\xff\x0f", 5, "2^31 nulls promised"},
        {"{\"type\":\"array\",\"items\":\"int\"}", "\x06\x02", 2, "array shorter than its count"},
        {"{\"type\":\"array\",\"items\":\"int\"}", "\x02\x02", 2, "array without its end block"},
        {"{\"type\":\"map\",\"values\":\"int\"}", "\x02\x06" "ab", 4, "map key past the end"},
        {"{\"type\":\"fixed\",\"name\":\"F\",\"size\":4}", "abc", 3, "fixed cut short"},
        {"\"double\"", "1234567", 7, "double cut short"},
        {"\"boolean\"", "", 0, "boolean missing"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char json[256];
        snprintf(json, sizeof(json), "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"v\",\"type\":%s}]}",
                 cases[i].schema);
        avro_schema_t s = schema_of(json);
        char err[256];
        lt_avro_json *plan = lt_avro_json_compile(s, err, sizeof(err));
        assert_non_null(plan);
        char *got = render(plan, (const uint8_t *)cases[i].body, cases[i].len);
        if (got)
            fail_msg("%s: rendered %s", cases[i].why, got);
        lt_avro_json_destroy(plan);
        avro_schema_decref(s);
    }
    /* Within bounds, a block with a negative count (followed by its byte
     * size) reads like a positive one. */
    avro_schema_t s = schema_of("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"v\","
                                "\"type\":{\"type\":\"array\",\"items\":\"int\"}}]}");
    char err[256];
    lt_avro_json *plan = lt_avro_json_compile(s, err, sizeof(err));
    char *got = render(plan, (const uint8_t *)"\x03\x04\x02\x04\x00", 5);
    assert_non_null(got);
    assert_string_equal(got, "{\"v\":[1,2]}");
    free(got);
    lt_avro_json_destroy(plan);
    avro_schema_decref(s);
}

/* A record that contains itself (a linked list) compiles once and decodes
 * to the nesting bound, no further. */
static void test_recursive_schema(void **state)
{
    (void)state;
    avro_schema_t s = schema_of("{\"type\":\"record\",\"name\":\"Node\",\"fields\":["
                                "{\"name\":\"v\",\"type\":\"int\"},"
                                "{\"name\":\"next\",\"type\":[\"null\",\"Node\"]}]}");
    char err[256];
    lt_avro_json *plan = lt_avro_json_compile(s, err, sizeof(err));
    if (!plan)
        fail_msg("compile: %s", err);
    uint8_t body[256];
    size_t len = 0;
    for (int k = 0; k < 3; k++) {
        body[len++] = (uint8_t)(2 * k);   /* v = k */
        body[len++] = k < 2 ? 2 : 0;      /* next: Node, Node, null */
    }
    char *got = render(plan, body, len);
    assert_non_null(got);
    assert_string_equal(got, "{\"v\":0,\"next\":{\"v\":1,\"next\":{\"v\":2,\"next\":null}}}");
    free(got);
    len = 0;
    for (int k = 0; k < 100; k++) { /* 100 levels: over the bound */
        body[len++] = 0;
        body[len++] = 2;
    }
    assert_null(render(plan, body, len));
    lt_avro_json_destroy(plan);
    avro_schema_decref(s);
}

static void test_not_a_record(void **state)
{
    (void)state;
    avro_schema_t s = schema_of("\"string\"");
    char err[256] = "";
    assert_null(lt_avro_json_compile(s, err, sizeof(err)));
    assert_non_null(strstr(err, "not a record"));
    avro_schema_decref(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_type),
        cmocka_unit_test(test_hostile_bodies),
        cmocka_unit_test(test_recursive_schema),
        cmocka_unit_test(test_not_a_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
