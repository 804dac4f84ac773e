/* The Avro encoder: every event type, every field, read back by avro-c.
 *
 * The test is driven by the same field tables the encoder uses, but checks
 * against an independent reader: each type's struct is filled with distinct
 * values (strings, numbers, arrays of two, optional fields both absent and
 * present), encoded, decoded with avro-c's generic reader from the parsed
 * schema, and compared field by field by name. Framing bytes are checked
 * exactly for both Confluent and single-object encoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "avro/encoder.h"

/* Arena for strings and arrays the filled events point to. */
static void *arena[4096];
static size_t arena_used;

static void *arena_alloc(size_t n)
{
    assert_true(arena_used < sizeof arena / sizeof arena[0]);
    void *p = calloc(1, n ? n : 1);
    assert_non_null(p);
    arena[arena_used++] = p;
    return p;
}

static void arena_free(void)
{
    for (size_t i = 0; i < arena_used; i++)
        free(arena[i]);
    arena_used = 0;
}

/* A distinct string per value; non-ASCII on purpose (lengths are bytes). */
static char *arena_str(char prefix, long n)
{
    char *s = arena_alloc(64);
    snprintf(s, 64, "%c%ld\xc3\xa9", prefix, n);
    return s;
}

/* Fills every field of a record with values derived from `seed`.
 * `present` decides whether optional fields are set. */
static void fill(const lt_record_desc *desc, uint8_t *base, long *seed, int present)
{
    for (size_t i = 0; i < desc->field_count; i++) {
        const lt_field *f = &desc->fields[i];
        uint8_t *at = base + f->offset;
        long v = ++*seed;
        switch (f->kind) {
        case LT_FIELD_BOOL: *(bool *)at = v % 2; break;
        case LT_FIELD_INT: *(int32_t *)at = (int32_t)(v % 2 ? -v * 1000 : v * 1000); break;
        case LT_FIELD_LONG: *(int64_t *)at = v * 1000003LL * 1000003LL; break;
        case LT_FIELD_OPT_LONG:
            ((lt_opt_long *)at)->present = present;
            ((lt_opt_long *)at)->value = -v;
            break;
        case LT_FIELD_STRING: *(const char **)at = arena_str('s', v); break;
        case LT_FIELD_OPT_STRING: *(const char **)at = present ? arena_str('o', v) : NULL; break;
        case LT_FIELD_BYTES: {
            uint8_t *b = arena_alloc(5);
            for (int k = 0; k < 5; k++)
                b[k] = (uint8_t)(v + k * 50);
            ((lt_bytes *)at)->data = b;
            ((lt_bytes *)at)->len = 5;
            break;
        }
        case LT_FIELD_PLATFORM: *(lt_platform *)at = v % 2 ? LT_PLATFORM_BIGO : LT_PLATFORM_TIKTOK; break;
        case LT_FIELD_RECORD: fill(f->record, at, seed, present); break;
        case LT_FIELD_OPT_RECORD:
            if (present) {
                uint8_t *rec = arena_alloc(f->record->size);
                fill(f->record, rec, seed, present);
                *(uint8_t **)at = rec;
            } else {
                *(uint8_t **)at = NULL;
            }
            break;
        case LT_FIELD_STRING_ARRAY: {
            size_t n = present ? 2 : 0;
            const char **items = arena_alloc(2 * sizeof *items);
            for (size_t k = 0; k < n; k++)
                items[k] = arena_str('a', v * 10 + (long)k);
            *(const char ***)at = items;
            *(size_t *)(base + f->count_offset) = n;
            break;
        }
        case LT_FIELD_RECORD_ARRAY: {
            size_t n = present ? 2 : 0;
            uint8_t *items = arena_alloc(2 * f->record->size);
            for (size_t k = 0; k < n; k++)
                fill(f->record, items + k * f->record->size, seed, present);
            *(uint8_t **)at = items;
            *(size_t *)(base + f->count_offset) = n;
            break;
        }
        }
    }
}

static void check_string(avro_value_t *v, const char *want, const char *name)
{
    const char *got = NULL;
    size_t size = 0;
    assert_int_equal(avro_value_get_string(v, &got, &size), 0);
    if (strcmp(got, want ? want : "") != 0)
        fail_msg("%s: got \"%s\", want \"%s\"", name, got, want ? want : "");
}

/* Reads `branch` of a union; returns 1 if it is the non-null branch. */
static int union_value(avro_value_t *u, avro_value_t *out)
{
    int disc = -1;
    assert_int_equal(avro_value_get_discriminant(u, &disc), 0);
    assert_int_equal(avro_value_get_current_branch(u, out), 0);
    return avro_value_get_type(out) != AVRO_NULL;
}

static void compare(const lt_record_desc *desc, const uint8_t *base, avro_value_t *rec);

static void compare_field(const lt_field *f, const uint8_t *base, avro_value_t *v)
{
    const uint8_t *at = base + f->offset;
    avro_value_t inner;
    switch (f->kind) {
    case LT_FIELD_BOOL: {
        int b = -1;
        assert_int_equal(avro_value_get_boolean(v, &b), 0);
        assert_int_equal(b, *(const bool *)at);
        break;
    }
    case LT_FIELD_INT: {
        int32_t i = 0;
        assert_int_equal(avro_value_get_int(v, &i), 0);
        assert_int_equal(i, *(const int32_t *)at);
        break;
    }
    case LT_FIELD_LONG: {
        int64_t l = 0;
        assert_int_equal(avro_value_get_long(v, &l), 0);
        assert_true(l == *(const int64_t *)at);
        break;
    }
    case LT_FIELD_OPT_LONG: {
        const lt_opt_long *o = (const lt_opt_long *)at;
        assert_int_equal(union_value(v, &inner), o->present);
        if (o->present) {
            int64_t l = 0;
            assert_int_equal(avro_value_get_long(&inner, &l), 0);
            assert_true(l == o->value);
        }
        break;
    }
    case LT_FIELD_STRING: check_string(v, *(const char *const *)at, f->name); break;
    case LT_FIELD_OPT_STRING: {
        const char *s = *(const char *const *)at;
        assert_int_equal(union_value(v, &inner), s != NULL);
        if (s)
            check_string(&inner, s, f->name);
        break;
    }
    case LT_FIELD_BYTES: {
        const void *b = NULL;
        size_t n = 0;
        assert_int_equal(avro_value_get_bytes(v, &b, &n), 0);
        assert_int_equal(n, ((const lt_bytes *)at)->len);
        assert_memory_equal(b, ((const lt_bytes *)at)->data, n);
        break;
    }
    case LT_FIELD_PLATFORM: check_string(v, lt_platform_name(*(const lt_platform *)at), f->name); break;
    case LT_FIELD_RECORD: compare(f->record, at, v); break;
    case LT_FIELD_OPT_RECORD: {
        const uint8_t *rec = *(const uint8_t *const *)at;
        assert_int_equal(union_value(v, &inner), rec != NULL);
        if (rec)
            compare(f->record, rec, &inner);
        break;
    }
    case LT_FIELD_STRING_ARRAY:
    case LT_FIELD_RECORD_ARRAY: {
        size_t n = *(const size_t *)(base + f->count_offset), got = 0;
        assert_int_equal(avro_value_get_size(v, &got), 0);
        assert_int_equal(got, n);
        for (size_t k = 0; k < n; k++) {
            avro_value_t item;
            assert_int_equal(avro_value_get_by_index(v, k, &item, NULL), 0);
            if (f->kind == LT_FIELD_STRING_ARRAY)
                check_string(&item, (*(const char *const *const *)at)[k], f->name);
            else
                compare(f->record, *(const uint8_t *const *)at + k * f->record->size, &item);
        }
        break;
    }
    }
}

static void compare(const lt_record_desc *desc, const uint8_t *base, avro_value_t *rec)
{
    for (size_t i = 0; i < desc->field_count; i++) {
        avro_value_t v;
        if (avro_value_get_by_name(rec, desc->fields[i].name, &v, NULL))
            fail_msg("field %s missing from the decoded record", desc->fields[i].name);
        compare_field(&desc->fields[i], base, &v);
    }
}

typedef struct fixture {
    lt_schema_set *schemas;
    lt_avro_encoder *enc;
} fixture;

static int setup(void **state)
{
    static fixture fx;
    char err[512] = "";
    fx.schemas = lt_schema_set_load(NULL, err, sizeof err);
    if (!fx.schemas)
        fail_msg("%s", err);
    fx.enc = lt_avro_encoder_create(fx.schemas, err, sizeof err);
    if (!fx.enc)
        fail_msg("%s", err);
    *state = &fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    if (!fx)
        return 0;
    lt_avro_encoder_destroy(fx->enc);
    lt_schema_set_destroy(fx->schemas);
    return 0;
}

static void round_trip(fixture *fx, lt_event_type type, int present)
{
    const lt_event_type_info *info = lt_event_type_info_get(type);
    lt_event ev;
    memset(&ev, 0, sizeof ev);
    long seed = (long)type * 1000 + present;
    fill(&lt_event_envelope, (uint8_t *)&ev, &seed, present);
    if (lt_event_type_game(type))
        fill(lt_event_type_game(type), (uint8_t *)&ev, &seed, present);
    fill(info->record, (uint8_t *)&ev, &seed, present);
    ev.type = type;

    lt_buf out = LT_BUF_INIT;
    assert_int_equal(lt_avro_encode_body(fx->enc, &ev, &out), 0);
    /* a sentinel after the record: the reader must stop exactly before it */
    const uint8_t sentinel[3] = {0xf2, 0xc0, 0x01}; /* zig-zag varint of 12345 */
    assert_int_equal(lt_buf_append(&out, sentinel, 3), 0);

    avro_schema_t schema = lt_schema_set_schema(fx->schemas, type);
    avro_value_iface_t *iface = avro_generic_class_from_schema(schema);
    avro_value_t value;
    assert_int_equal(avro_generic_value_new(iface, &value), 0);
    avro_reader_t reader = avro_reader_memory((const char *)out.data, (int64_t)out.len);
    if (avro_value_read(reader, &value))
        fail_msg("%s: avro-c cannot read what we wrote: %s", info->name, avro_strerror());
    uint8_t after[3], extra;
    assert_int_equal(avro_read(reader, after, 3), 0);
    assert_memory_equal(after, sentinel, 3);
    assert_int_not_equal(avro_read(reader, &extra, 1), 0);
    compare(&lt_event_envelope, (const uint8_t *)&ev, &value);
    if (lt_event_type_game(type))
        compare(lt_event_type_game(type), (const uint8_t *)&ev, &value);
    compare(info->record, (const uint8_t *)&ev, &value);

    avro_reader_free(reader);
    avro_value_decref(&value);
    avro_value_iface_decref(iface);
    lt_buf_free(&out);
    arena_free();
}

static void every_type_round_trips(void **state)
{
    fixture *fx = *state;
    for (int t = 0; t < LT_EVENT_TYPE_COUNT; t++) {
        round_trip(fx, (lt_event_type)t, 1);
        round_trip(fx, (lt_event_type)t, 0);
    }
}

static void framing_bytes_are_exact(void **state)
{
    fixture *fx = *state;
    lt_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = LT_EVENT_CONTROL;
    ev.room_id = "7";
    ev.msg_id = 1;
    ev.as.control.action = 3;
    ev.as.control.action_name = "ended";

    lt_buf body = LT_BUF_INIT, framed = LT_BUF_INIT;
    assert_int_equal(lt_avro_encode_body(fx->enc, &ev, &body), 0);

    /* single-object: C3 01 + little-endian CRC-64-AVRO of the canonical form */
    assert_int_equal(lt_avro_encode(fx->enc, &ev, &framed), 0);
    assert_int_equal(framed.len, body.len + 10);
    assert_int_equal(framed.data[0], 0xC3);
    assert_int_equal(framed.data[1], 0x01);
    uint64_t fp = lt_schema_set_fingerprint(fx->schemas, LT_EVENT_CONTROL), got = 0;
    for (int b = 0; b < 8; b++)
        got |= (uint64_t)framed.data[2 + b] << (8 * b);
    assert_true(got == fp);
    assert_memory_equal(framed.data + 10, body.data, body.len);

    /* Confluent: 00 + big-endian id */
    lt_avro_encoder_set_schema_id(fx->enc, LT_EVENT_CONTROL, 0x01020304);
    lt_buf_reset(&framed);
    assert_int_equal(lt_avro_encode(fx->enc, &ev, &framed), 0);
    const uint8_t want[5] = {0x00, 0x01, 0x02, 0x03, 0x04};
    assert_memory_equal(framed.data, want, 5);
    assert_int_equal(framed.len, body.len + 5);
    assert_memory_equal(framed.data + 5, body.data, body.len);

    /* the first body bytes: platform "tiktok" = length 6 zig-zag (0x0c) + text */
    assert_int_equal(body.data[0], 0x0c);
    assert_memory_equal(body.data + 1, "tiktok", 6);

    lt_buf_free(&body);
    lt_buf_free(&framed);
}

/* Decodes body with the type's schema into a fresh value (caller frees both). */
static void decode(fixture *fx, lt_event_type type, const lt_buf *body, avro_value_iface_t **iface,
                   avro_value_t *value)
{
    *iface = avro_generic_class_from_schema(lt_schema_set_schema(fx->schemas, type));
    assert_non_null(*iface);
    assert_int_equal(avro_generic_value_new(*iface, value), 0);
    avro_reader_t reader = avro_reader_memory((const char *)body->data, (int64_t)body->len);
    if (avro_value_read(reader, value))
        fail_msg("avro-c cannot read what we wrote: %s", avro_strerror());
    avro_reader_free(reader);
}

/* The optional string field `name` of rec: NULL if null. */
static const char *opt_string(avro_value_t *rec, const char *name)
{
    avro_value_t field, branch;
    const char *s = NULL;
    size_t size = 0;
    if (avro_value_get_by_name(rec, name, &field, NULL))
        fail_msg("%s missing from the decoded record", name);
    if (!union_value(&field, &branch))
        return NULL;
    assert_int_equal(avro_value_get_string(&branch, &s, &size), 0);
    return s;
}

/* BIGO's game_id / game_sess: written when set, null when not (TikTok), and
 * not part of the gift catalogue's record, which belongs to no game. */
static void game_fields_round_trip(void **state)
{
    fixture *fx = *state;
    static const lt_event_type types[] = {LT_EVENT_CHAT, LT_EVENT_GIFT, LT_EVENT_LIKE, LT_EVENT_UNKNOWN,
                                          LT_EVENT_ROOM_STATUS};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        for (int set = 0; set < 2; set++) {
            lt_event ev;
            memset(&ev, 0, sizeof ev);
            ev.type = types[i];
            ev.platform = set ? LT_PLATFORM_BIGO : LT_PLATFORM_TIKTOK;
            ev.room_id = "AREsz4MyPGdw5an9bozBP28V7AGjGC0GvoZQBG";
            ev.game_id = set ? "10000" : NULL;
            ev.game_sess = set ? "1712876190998" : NULL;
            lt_buf body = LT_BUF_INIT;
            assert_int_equal(lt_avro_encode_body(fx->enc, &ev, &body), 0);
            avro_value_iface_t *iface;
            avro_value_t value;
            decode(fx, types[i], &body, &iface, &value);
            const char *game_id = opt_string(&value, "game_id");
            const char *game_sess = opt_string(&value, "game_sess");
            if (set) {
                assert_non_null(game_id);
                assert_string_equal(game_id, "10000");
                assert_non_null(game_sess);
                assert_string_equal(game_sess, "1712876190998");
            } else {
                assert_null(game_id);
                assert_null(game_sess);
            }
            /* the envelope before them is untouched */
            avro_value_t room;
            assert_int_equal(avro_value_get_by_name(&value, "room_id", &room, NULL), 0);
            check_string(&room, ev.room_id, "room_id");
            avro_value_decref(&value);
            avro_value_iface_decref(iface);
            lt_buf_free(&body);
        }
    }

    assert_null(lt_event_type_game(LT_EVENT_GIFT_INFO));
    avro_schema_t catalogue = lt_schema_set_schema(fx->schemas, LT_EVENT_GIFT_INFO);
    assert_true(avro_schema_record_field_get_index(catalogue, "game_id") < 0);
    assert_true(avro_schema_record_field_get_index(catalogue, "game_sess") < 0);
    assert_null(lt_event_type_game(LT_EVENT_PRICE_LIST)); /* compacted too: no room, no game */
    /* the other compacted entity type: keyed by room id, of no game either */
    assert_null(lt_event_type_game(LT_EVENT_DISCOVERED_ROOM));
    avro_schema_t sightings = lt_schema_set_schema(fx->schemas, LT_EVENT_DISCOVERED_ROOM);
    assert_true(avro_schema_record_field_get_index(sightings, "game_id") < 0);
    for (int t = 0; t < LT_EVENT_TYPE_COUNT; t++) {
        if (t == LT_EVENT_GIFT_INFO || t == LT_EVENT_PRICE_LIST || t == LT_EVENT_DISCOVERED_ROOM)
            continue;
        assert_ptr_equal(lt_event_type_game((lt_event_type)t), &lt_event_game);
        /* appended last, after the type's own fields: a BACKWARD-compatible change */
        avro_schema_t s = lt_schema_set_schema(fx->schemas, (lt_event_type)t);
        size_t n = avro_schema_record_size(s);
        assert_string_equal(avro_schema_record_field_name(s, (int)n - 2), "game_id");
        assert_string_equal(avro_schema_record_field_name(s, (int)n - 1), "game_sess");
    }
}

/* A schema that does not match the struct must stop creation, naming the field. */
static void mismatched_schema_fails_creation(void **state)
{
    char dir[] = "/tmp/lt-schemas-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cp %s/*.avsc %s/ && sed -i 's/\"tips\"/\"tip_text\"/' %s/control.avsc",
             LT_SCHEMA_DIR, dir, dir);
    assert_int_equal(system(cmd), 0);
    char err[512] = "";
    lt_schema_set *set = lt_schema_set_load(dir, err, sizeof err);
    assert_non_null(set);
    lt_avro_encoder *enc = lt_avro_encoder_create(set, err, sizeof err);
    assert_null(enc);
    assert_non_null(strstr(err, "control.tip_text"));
    lt_schema_set_destroy(set);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* Strings that are not well-formed UTF-8 (platforms send what clients typed)
 * are written with U+FFFD per maximal ill-formed subpart (core/utf8.h), in
 * every kind of string field, and counted; well-formed ones unchanged. */
#define FFFD "\xEF\xBF\xBD"
static const struct {
    const char *what, *in, *out;
} utf8_cases[] = {
    {"not UTF-8 at all",
     "a\xFF\xFE"
     "b",
     "a" FFFD FFFD "b"},
    {"overlong slash, 2 bytes", "\xC0\xAF", FFFD FFFD},
    {"overlong slash, 3 bytes", "\xE0\x80\xAF", FFFD FFFD FFFD},
    {"overlong NUL", "x\xC0\x80y", "x" FFFD FFFD "y"},
    {"surrogate U+D800", "\xED\xA0\x80", FFFD FFFD FFFD},
    {"surrogate pair, CESU-8", "\xED\xA0\xBD\xED\xB8\x80", FFFD FFFD FFFD FFFD FFFD FFFD},
    {"above U+10FFFF", "\xF4\x90\x80\x80", FFFD FFFD FFFD FFFD},
    {"lead byte F5", "\xF5\x80", FFFD FFFD},
    {"truncated euro sign at the end", "x\xE2\x82", "x" FFFD},
    {"truncated emoji before ASCII", "\xF0\x9F\x98y", FFFD "y"},
    {"stray continuation",
     "\x80"
     "ab\xBF",
     FFFD "ab" FFFD},
    {"long ASCII run then a bad byte", "0123456789abcdefghij\xFF", "0123456789abcdefghij" FFFD},
};

/* The string at `path` ("user.nickname", "emote_ids[1]", "language?") of a
 * record avro-c read back, as bytes without avro-c's terminating NUL. */
static void string_at(avro_value_t *rec, const char *path, const char **s, size_t *len)
{
    avro_value_t v = *rec, next;
    char buf[64];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *part = strtok(buf, "."); part; part = strtok(NULL, ".")) {
        size_t n = strcspn(part, "[?");
        char c = part[n];
        part[n] = '\0';
        assert_int_equal(avro_value_get_by_name(&v, part, &next, NULL), 0);
        v = next;
        if (c == '[') {
            assert_int_equal(avro_value_get_by_index(&v, (size_t)atoi(part + n + 1), &next, NULL), 0);
            v = next;
        } else if (c == '?') {
            assert_int_equal(avro_value_get_current_branch(&v, &next), 0);
            v = next;
        }
    }
    assert_int_equal(avro_value_get_string(&v, s, len), 0);
    (*len)--;
}

static void ill_formed_utf8_is_replaced_and_counted(void **state)
{
    fixture *fx = *state;
    avro_value_iface_t *iface =
        avro_generic_class_from_schema(lt_schema_set_schema(fx->schemas, LT_EVENT_CHAT));
    for (size_t i = 0; i < sizeof utf8_cases / sizeof utf8_cases[0]; i++) {
        const char *in = utf8_cases[i].in, *want = utf8_cases[i].out;
        const char *emotes[2] = {"ok", in};
        lt_event ev;
        memset(&ev, 0, sizeof ev);
        ev.type = LT_EVENT_CHAT;
        ev.room_id = in; /* the envelope too */
        ev.as.chat.content = in;
        ev.as.chat.language = in;
        ev.as.chat.user.nickname = in;
        ev.as.chat.emote_ids = emotes;
        ev.as.chat.emote_count = 2;
        uint64_t before = lt_avro_encoder_repaired_strings(fx->enc);
        lt_buf out = LT_BUF_INIT;
        assert_int_equal(lt_avro_encode_body(fx->enc, &ev, &out), 0);
        assert_int_equal(lt_avro_encoder_repaired_strings(fx->enc) - before, 5);

        avro_value_t value;
        assert_int_equal(avro_generic_value_new(iface, &value), 0);
        avro_reader_t reader = avro_reader_memory((const char *)out.data, (int64_t)out.len);
        assert_int_equal(avro_value_read(reader, &value), 0);
        static const char *const paths[] = {"room_id", "content", "language?", "user.nickname",
                                            "emote_ids[1]"};
        for (size_t k = 0; k < sizeof paths / sizeof paths[0]; k++) {
            const char *got;
            size_t len;
            string_at(&value, paths[k], &got, &len);
            if (len != strlen(want) || memcmp(got, want, len) != 0)
                fail_msg("%s, %s: got %zu bytes, want %zu", utf8_cases[i].what, paths[k], len, strlen(want));
        }
        avro_reader_free(reader);
        avro_value_decref(&value);
        lt_buf_free(&out);
    }
    /* well-formed text of every length class is left alone and not counted */
    lt_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = LT_EVENT_CHAT;
    ev.room_id = "7";
    ev.as.chat.content =
        "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF \xED\x9F\xBF \xEE\x80\x80";
    uint64_t before = lt_avro_encoder_repaired_strings(fx->enc);
    lt_buf out = LT_BUF_INIT;
    assert_int_equal(lt_avro_encode_body(fx->enc, &ev, &out), 0);
    assert_int_equal(lt_avro_encoder_repaired_strings(fx->enc), before);
    avro_value_t value;
    assert_int_equal(avro_generic_value_new(iface, &value), 0);
    avro_reader_t reader = avro_reader_memory((const char *)out.data, (int64_t)out.len);
    assert_int_equal(avro_value_read(reader, &value), 0);
    const char *got;
    size_t len;
    string_at(&value, "content", &got, &len);
    assert_int_equal(len, strlen(ev.as.chat.content));
    assert_memory_equal(got, ev.as.chat.content, len);
    avro_reader_free(reader);
    avro_value_decref(&value);
    lt_buf_free(&out);
    avro_value_iface_decref(iface);
}

/* The encoder checks for room per record, string and nested record, not per
 * field (fixed_max in encoder.c): whatever the buffer holds already, and
 * however little room is left, every type encodes to the same bytes. The
 * buffer here is allocated to exactly what it holds, so a write past the
 * room the encoder made is outside the allocation (the sanitizer build and
 * valgrind see it) and bytes lost in a move show as a difference. */
static void bytes_are_the_same_wherever_the_buffer_grows(void **state)
{
    fixture *fx = *state;
    for (int t = 0; t < LT_EVENT_TYPE_COUNT; t++) {
        for (int present = 0; present < 2; present++) {
            lt_event ev;
            memset(&ev, 0, sizeof ev);
            long seed = (long)t * 1000 + present;
            fill(&lt_event_envelope, (uint8_t *)&ev, &seed, present);
            if (lt_event_type_game((lt_event_type)t))
                fill(lt_event_type_game((lt_event_type)t), (uint8_t *)&ev, &seed, present);
            fill(lt_event_type_info_get((lt_event_type)t)->record, (uint8_t *)&ev, &seed, present);
            ev.type = (lt_event_type)t;
            lt_buf want = LT_BUF_INIT;
            assert_int_equal(lt_buf_reserve(&want, 1 << 16), 0);
            assert_int_equal(lt_avro_encode(fx->enc, &ev, &want), 0);
            for (size_t held = 0; held <= want.len + 8; held++) {
                lt_buf out = {malloc(held ? held : 1), held, held};
                assert_non_null(out.data);
                memset(out.data, 0x5a, held);
                assert_int_equal(lt_avro_encode(fx->enc, &ev, &out), 0);
                assert_int_equal(out.len, held + want.len);
                for (size_t i = 0; i < held; i++)
                    assert_int_equal(out.data[i], 0x5a);
                assert_memory_equal(out.data + held, want.data, want.len);
                lt_buf_free(&out);
            }
            lt_buf_free(&want);
            arena_free();
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_type_round_trips),
        cmocka_unit_test(framing_bytes_are_exact),
        cmocka_unit_test(game_fields_round_trip),
        cmocka_unit_test(mismatched_schema_fails_creation),
        cmocka_unit_test(ill_formed_utf8_is_replaced_and_counted),
        cmocka_unit_test(bytes_are_the_same_wherever_the_buffer_grows),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
