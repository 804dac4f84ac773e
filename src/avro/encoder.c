/* encoder.c - lt_event -> Avro binary, driven by a plan built at start-up.
 *
 * Why not avro-c's generic values on the hot path: filling an avro_value_t
 * costs a lookup per field and copies every string; livetap's events are
 * plain structs whose layout core/event_types.c describes. So at creation the
 * encoder walks each parsed schema next to its field table and compiles a
 * plan: one step per schema field, in schema order, saying where the value
 * sits in the struct and how to write it (including which union branch is
 * null). Binding is by field name; a schema field without a table entry, a
 * table entry without a schema field, or a kind that does not fit the schema
 * type fails creation with the type and field named. Encoding is then a tight
 * loop over the steps writing zig-zag varints and length-prefixed bytes into a
 * reused buffer.
 *
 * Room in the buffer is checked where the size is not known beforehand, not
 * per field: each plan knows the most its fixed-size writes (booleans,
 * numbers, union branches, array counts) can take, `fixed_max`. Entering a
 * plan, after a nested record, and with every string or bytes value, the
 * buffer is made to hold that much more than what is being written, so the
 * fixed-size writes that follow need no check of their own. A run of
 * booleans is one step.
 *
 * Avro binary (specification, "Binary Encoding"): int and long are zig-zag
 * varints; strings and bytes are a long length then the bytes; a union is the
 * branch index as a long then the value; an array is blocks of (count, items)
 * ended by a zero count; a boolean is one byte.
 *
 * Strings: Avro requires UTF-8 and platforms send whatever their clients
 * typed, so every string field passes core/utf8.h on its way in: a
 * well-formed string (nearly all) is checked in place and copied once, an
 * ill-formed one is written with each maximal ill-formed subpart replaced by
 * U+FFFD and counted (lt_avro_encoder_repaired_strings). This is the one
 * place every string of every record goes through.
 */
#include "avro/encoder.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"

typedef enum step_op {
    OP_BOOL,
    OP_INT,
    OP_LONG,
    OP_OPT_LONG,
    OP_STRING,
    OP_OPT_STRING,
    OP_BYTES,
    OP_PLATFORM,
    OP_RECORD,
    OP_OPT_RECORD,
    OP_STRING_ARRAY,
    OP_RECORD_ARRAY,
} step_op;

typedef struct plan plan;

/* 24 bytes: every record walks ~40 of them, and the plans of all types
 * together are larger than a CPU's first-level cache */
typedef struct step {
    uint8_t op;            /* step_op */
    uint8_t null_branch;   /* unions: index of "null" (0 or 1) */
    uint8_t value_branch;  /* unions: index of the value */
    uint32_t offset;       /* of the value in the struct */
    uint32_t count_offset; /* arrays: where the count is; OP_BOOL: the run's length */
    uint32_t stride;       /* record arrays: element size */
    const plan *record;    /* record kinds: the nested plan */
} step;

struct plan {
    step *steps;
    size_t count;
    size_t fixed_max; /* the most all fixed-size writes of one record take (the top) */
};

typedef struct type_encoder {
    plan body;
    uint8_t header[10];
    size_t header_len;
} type_encoder;

struct lt_avro_encoder {
    type_encoder types[LT_EVENT_TYPE_COUNT];
    uint64_t repaired_strings; /* strings written with U+FFFD for ill-formed UTF-8 */
    plan *nested;              /* nested record plans, owned here */
    size_t nested_count, nested_cap;
};

/* ------------------------------------------------------------ building */

static const lt_field *find_field(const lt_record_desc *desc, const char *name)
{
    if (!desc)
        return NULL;
    for (size_t i = 0; i < desc->field_count; i++)
        if (strcmp(desc->fields[i].name, name) == 0)
            return &desc->fields[i];
    return NULL;
}

/* A second use of a named type is a link to its definition. */
static avro_schema_t resolve(avro_schema_t s)
{
    while (s && is_avro_link(s))
        s = avro_schema_link_target(s);
    return s;
}

/* For ["null", X] / [X, "null"]: the branch indexes and X. */
static int nullable_branches(avro_schema_t u, step *s, avro_schema_t *value)
{
    if (!is_avro_union(u) || avro_schema_union_size(u) != 2)
        return -1;
    avro_schema_t b0 = resolve(avro_schema_union_branch(u, 0));
    avro_schema_t b1 = resolve(avro_schema_union_branch(u, 1));
    if (is_avro_null(b0)) {
        s->null_branch = 0, s->value_branch = 1, *value = b1;
        return 0;
    }
    if (is_avro_null(b1)) {
        s->null_branch = 1, s->value_branch = 0, *value = b0;
        return 0;
    }
    return -1;
}

/* The field tables a record is bound to, in lookup order; NULL entries are
 * skipped (a type without game fields). */
#define MAX_DESCS 3

static int build_plan(lt_avro_encoder *enc, avro_schema_t record,
                      const lt_record_desc *const descs[MAX_DESCS], plan *out, const char *where, char *err,
                      size_t errlen);
static void plan_finish(plan *p);

/* A nested record's plan, kept in enc->nested. */
static const plan *nested_plan(lt_avro_encoder *enc, avro_schema_t record, const lt_record_desc *desc,
                               const char *where, char *err, size_t errlen)
{
    if (!desc) {
        snprintf(err, errlen, "%s: schema record %s has no record table in the field table", where,
                 avro_schema_type_name(record));
        return NULL;
    }
    if (strcmp(avro_schema_type_name(record),
               strrchr(desc->name, '.') ? strrchr(desc->name, '.') + 1 : desc->name) != 0) {
        snprintf(err, errlen, "%s: schema record %s is not %s", where, avro_schema_type_name(record),
                 desc->name);
        return NULL;
    }
    if (enc->nested_count == enc->nested_cap) {
        /* plans are referenced by pointer once built, so the array never moves:
         * it is sized generously up front */
        snprintf(err, errlen, "%s: too many nested records", where);
        return NULL;
    }
    plan *p = &enc->nested[enc->nested_count++];
    const lt_record_desc *const descs[MAX_DESCS] = {desc, NULL, NULL};
    if (build_plan(enc, record, descs, p, where, err, errlen))
        return NULL;
    return p;
}

static int bind_step(lt_avro_encoder *enc, const lt_field *f, avro_schema_t ftype, step *s, const char *where,
                     char *err, size_t errlen)
{
    avro_schema_t value = NULL;
    if (f->offset > UINT32_MAX || f->count_offset > UINT32_MAX ||
        (f->record && f->record->size > UINT32_MAX)) {
        snprintf(err, errlen, "%s: offset or size beyond 4 GiB", where);
        return -1;
    }
    s->offset = (uint32_t)f->offset;
    s->count_offset = (uint32_t)f->count_offset;
    const char *want = NULL;
    switch (f->kind) {
    case LT_FIELD_BOOL:
        s->op = OP_BOOL;
        if (!is_avro_boolean(ftype))
            want = "boolean";
        break;
    case LT_FIELD_INT:
        s->op = OP_INT;
        if (!is_avro_int32(ftype))
            want = "int";
        break;
    case LT_FIELD_LONG:
        s->op = OP_LONG;
        if (!is_avro_int64(ftype))
            want = "long";
        break;
    case LT_FIELD_OPT_LONG:
        s->op = OP_OPT_LONG;
        if (nullable_branches(ftype, s, &value) || !is_avro_int64(value))
            want = "[\"null\",\"long\"]";
        break;
    case LT_FIELD_STRING:
    case LT_FIELD_PLATFORM:
        s->op = f->kind == LT_FIELD_STRING ? OP_STRING : OP_PLATFORM;
        if (!is_avro_string(ftype))
            want = "string";
        break;
    case LT_FIELD_OPT_STRING:
        s->op = OP_OPT_STRING;
        if (nullable_branches(ftype, s, &value) || !is_avro_string(value))
            want = "[\"null\",\"string\"]";
        break;
    case LT_FIELD_BYTES:
        s->op = OP_BYTES;
        if (!is_avro_bytes(ftype))
            want = "bytes";
        break;
    case LT_FIELD_RECORD:
        s->op = OP_RECORD;
        if (!is_avro_record(ftype))
            want = "a record";
        else if (!(s->record = nested_plan(enc, ftype, f->record, where, err, errlen)))
            return -1;
        break;
    case LT_FIELD_OPT_RECORD:
        s->op = OP_OPT_RECORD;
        if (nullable_branches(ftype, s, &value) || !is_avro_record(value))
            want = "[\"null\", a record]";
        else if (!(s->record = nested_plan(enc, value, f->record, where, err, errlen)))
            return -1;
        break;
    case LT_FIELD_STRING_ARRAY:
        s->op = OP_STRING_ARRAY;
        if (!is_avro_array(ftype) || !is_avro_string(resolve(avro_schema_array_items(ftype))))
            want = "an array of strings";
        break;
    case LT_FIELD_RECORD_ARRAY:
        s->op = OP_RECORD_ARRAY;
        s->stride = f->record ? (uint32_t)f->record->size : 0;
        if (!is_avro_array(ftype) || !is_avro_record(resolve(avro_schema_array_items(ftype))))
            want = "an array of records";
        else if (!(s->record = nested_plan(enc, resolve(avro_schema_array_items(ftype)), f->record, where,
                                           err, errlen)))
            return -1;
        break;
    }
    if (want) {
        snprintf(err, errlen, "%s: the field table says %s, the schema has %s", where, want,
                 avro_schema_type_name(ftype));
        return -1;
    }
    return 0;
}

/* The most bytes a step writes outside string and bytes contents and nested
 * records: a long takes at most 10, a boolean 1, an array its count and the
 * closing zero. */
static size_t fixed_bytes(const step *s)
{
    switch ((step_op)s->op) {
    case OP_BOOL: return 1;
    case OP_INT:
    case OP_LONG:
    case OP_OPT_STRING:
    case OP_OPT_RECORD: return 10;
    case OP_OPT_LONG: return 20;
    case OP_STRING_ARRAY:
    case OP_RECORD_ARRAY: return 11;
    case OP_STRING:
    case OP_BYTES:
    case OP_PLATFORM:
    case OP_RECORD: return 0;
    }
    return 10;
}

/* fixed_max, and each boolean's run: how many booleans follow in a row
 * from it, itself included (encoding takes the run at its first step). */
static void plan_finish(plan *p)
{
    p->fixed_max = 1; /* never 0: entering a plan leaves the buffer allocated */
    for (size_t i = 0; i < p->count; i++)
        p->fixed_max += fixed_bytes(&p->steps[i]);
    for (size_t i = p->count; i-- > 0;)
        if (p->steps[i].op == OP_BOOL)
            p->steps[i].count_offset =
                i + 1 < p->count && p->steps[i + 1].op == OP_BOOL ? p->steps[i + 1].count_offset + 1 : 1;
}

/* Binds the fields of `record` to the entries of descs (the first that has
 * the name). */
static int build_plan(lt_avro_encoder *enc, avro_schema_t record,
                      const lt_record_desc *const descs[MAX_DESCS], plan *out, const char *where, char *err,
                      size_t errlen)
{
    size_t n = avro_schema_record_size(record);
    out->steps = calloc(n ? n : 1, sizeof *out->steps);
    if (!out->steps) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    out->count = n;
    for (size_t i = 0; i < n; i++) {
        const char *name = avro_schema_record_field_name(record, (int)i);
        char here[256];
        snprintf(here, sizeof here, "%s.%s", where, name);
        const lt_field *f = NULL;
        for (int d = 0; d < MAX_DESCS && !f; d++)
            f = find_field(descs[d], name);
        if (!f) {
            snprintf(err, errlen, "%s: the schema has this field but the event struct has no entry for it",
                     here);
            return -1;
        }
        avro_schema_t ftype = resolve(avro_schema_record_field_get_by_index(record, (int)i));
        if (bind_step(enc, f, ftype, &out->steps[i], here, err, errlen))
            return -1;
    }
    plan_finish(out);
    /* the other direction: every table entry must be written */
    for (int d = 0; d < MAX_DESCS; d++) {
        for (size_t i = 0; descs[d] && i < descs[d]->field_count; i++) {
            if (avro_schema_record_field_get_index(record, descs[d]->fields[i].name) < 0) {
                snprintf(err, errlen, "%s.%s: the event struct has this field but the schema does not", where,
                         descs[d]->fields[i].name);
                return -1;
            }
        }
    }
    return 0;
}

static void plan_free(plan *p)
{
    free(p->steps);
    p->steps = NULL;
}

lt_avro_encoder *lt_avro_encoder_create(const lt_schema_set *schemas, char *err, size_t errlen)
{
    lt_avro_encoder *enc = calloc(1, sizeof *enc);
    if (!enc)
        goto oom;
    enc->nested_cap = 16 * LT_EVENT_TYPE_COUNT;
    enc->nested = calloc(enc->nested_cap, sizeof *enc->nested);
    if (!enc->nested)
        goto oom;
    for (int t = 0; t < LT_EVENT_TYPE_COUNT; t++) {
        const lt_event_type_info *info = lt_event_type_info_get((lt_event_type)t);
        avro_schema_t schema = lt_schema_set_schema(schemas, (lt_event_type)t);
        if (!schema || !is_avro_record(schema)) {
            snprintf(err, errlen, "%s: the schema is not a record", info->name);
            goto fail;
        }
        const lt_record_desc *const descs[MAX_DESCS] = {&lt_event_envelope,
                                                        lt_event_type_game((lt_event_type)t), info->record};
        if (build_plan(enc, schema, descs, &enc->types[t].body, info->name, err, errlen))
            goto fail;
        /* single-object header until a registry id is set */
        uint64_t fp = lt_schema_set_fingerprint(schemas, (lt_event_type)t);
        type_encoder *te = &enc->types[t];
        te->header[0] = 0xC3;
        te->header[1] = 0x01;
        for (int b = 0; b < 8; b++)
            te->header[2 + b] = (uint8_t)(fp >> (8 * b));
        te->header_len = 10;
    }
    return enc;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    lt_avro_encoder_destroy(enc);
    return NULL;
}

void lt_avro_encoder_destroy(lt_avro_encoder *enc)
{
    if (!enc)
        return;
    for (int t = 0; t < LT_EVENT_TYPE_COUNT; t++)
        plan_free(&enc->types[t].body);
    for (size_t i = 0; enc->nested && i < enc->nested_count; i++)
        plan_free(&enc->nested[i]);
    free(enc->nested);
    free(enc);
}

void lt_avro_encoder_set_schema_id(lt_avro_encoder *enc, lt_event_type type, int32_t schema_id)
{
    if ((int)type < 0 || type >= LT_EVENT_TYPE_COUNT)
        return;
    type_encoder *te = &enc->types[type];
    uint32_t id = (uint32_t)schema_id;
    te->header[0] = 0x00;
    te->header[1] = (uint8_t)(id >> 24);
    te->header[2] = (uint8_t)(id >> 16);
    te->header[3] = (uint8_t)(id >> 8);
    te->header[4] = (uint8_t)id;
    te->header_len = 5;
}

/* ------------------------------------------------------------ encoding */

/* The writers below take and return the write position `w` (out->data +
 * out->len, kept in a register rather than in `out`: a byte stored through
 * a pointer may alias any field, so the compiler would reload and store
 * out->len around every byte). out->len is brought up to date where the
 * buffer may grow, when a nested record starts, and at the end. */

static inline uint8_t *put_long(uint8_t *w, int64_t v)
{
    uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    while (z > 0x7f) {
        *w++ = (uint8_t)(z | 0x80);
        z >>= 7;
    }
    *w++ = (uint8_t)z;
    return w;
}

/* The branch of a ["null", X] union: its index 0 or 1 is one byte. */
static inline uint8_t *put_branch(uint8_t *w, const step *s, bool present)
{
    *w++ = (uint8_t)(2 * (present ? s->value_branch : s->null_branch)); /* zig-zag */
    return w;
}

/* Room for n more bytes from w, growing the buffer (which moves w) when it
 * lacks it; NULL when out of memory. The check is inline: a reused buffer
 * almost always has the room already. */
static inline uint8_t *room(lt_buf *out, uint8_t *w, size_t n)
{
    if ((size_t)(out->data + out->cap - w) >= n)
        return w;
    out->len = (size_t)(w - out->data);
    if (lt_buf_reserve(out, n))
        return NULL;
    return out->data + out->len;
}

/* Length-prefixed bytes, leaving room for `slack` bytes of fixed-size
 * writes after them (the top). */
static inline uint8_t *put_bytes(lt_buf *out, uint8_t *w, const void *data, size_t len, size_t slack)
{
    if (!(w = room(out, w, 10 + len + slack)))
        return NULL;
    w = put_long(w, (int64_t)len);
    if (len)
        memcpy(w, data, len);
    return w + len;
}

/* put_string for a string that is not all ASCII: checked, and repaired
 * where it is not well-formed UTF-8. Out of line: rare. */
static uint8_t *put_string_checked(lt_buf *out, uint8_t *w, const char *s, size_t len, size_t slack,
                                   uint64_t *repaired)
{
    size_t valid = lt_utf8_valid_prefix(s, len);
    if (valid == len)
        return put_bytes(out, w, s, len, slack);
    size_t fixed_len = valid + lt_utf8_repaired_length(s + valid, len - valid, NULL);
    if (!(w = room(out, w, 10 + fixed_len + slack)))
        return NULL;
    w = put_long(w, (int64_t)fixed_len);
    memcpy(w, s, valid);
    lt_utf8_repair(s + valid, len - valid, (char *)w + valid);
    (*repaired)++;
    return w + fixed_len;
}

/* A C string as an Avro string: well-formed UTF-8 whatever `s` holds (see
 * the top); *repaired counts the strings that needed repair. Always inline:
 * a call costs about as much as writing a short ASCII string. */
static inline __attribute__((always_inline)) uint8_t *put_string(lt_buf *out, uint8_t *w, const char *s,
                                                                 size_t slack, uint64_t *repaired)
{
    size_t len = s ? strlen(s) : 0;
    if (lt_utf8_is_ascii(s, len))
        return put_bytes(out, w, s ? s : "", len, slack);
    return put_string_checked(out, w, s, len, slack, repaired);
}

/* Encodes one record of plan p from base, appending to out. Every
 * fixed-size write fits without a check: entering, the buffer is made to
 * hold p->fixed_max more bytes, and every string, bytes value and nested
 * record leaves at least that much room again (the top). */
static int encode_plan(const plan *p, const uint8_t *base, lt_buf *out, uint64_t *repaired)
{
    const size_t slack = p->fixed_max;
    if (out->cap - out->len < slack && lt_buf_reserve(out, slack))
        return -1;
    uint8_t *w = out->data + out->len;
/* a nested record: out->len up to date for it, then room again after it */
#define NESTED(rec, at)                                                                                      \
    do {                                                                                                     \
        out->len = (size_t)(w - out->data);                                                                  \
        if (encode_plan((rec), (at), out, repaired) || !(w = room(out, out->data + out->len, slack)))        \
            return -1;                                                                                       \
    } while (0)
    for (const step *s = p->steps, *end = p->steps + p->count; s < end; s++) {
        const uint8_t *at = base + s->offset;
        switch ((step_op)s->op) {
        case OP_BOOL: { /* the run of booleans from here */
            size_t run = s->count_offset;
            for (size_t k = 0; k < run; k++)
                *w++ = *(const bool *)(base + s[k].offset) ? 1 : 0;
            s += run - 1;
            break;
        }
        case OP_INT: w = put_long(w, *(const int32_t *)at); break;
        case OP_LONG: w = put_long(w, *(const int64_t *)at); break;
        case OP_OPT_LONG: {
            const lt_opt_long *v = (const lt_opt_long *)at;
            w = put_branch(w, s, v->present);
            if (v->present)
                w = put_long(w, v->value);
            break;
        }
        case OP_STRING:
        case OP_OPT_STRING: { /* one call site: put_string is inlined */
            const char *v = *(const char *const *)at;
            if (s->op == OP_OPT_STRING) {
                w = put_branch(w, s, v != NULL);
                if (!v)
                    break;
            }
            if (!(w = put_string(out, w, v, slack, repaired)))
                return -1;
            break;
        }
        case OP_BYTES: {
            const lt_bytes *b = (const lt_bytes *)at;
            if (!(w = put_bytes(out, w, b->data, b->data ? b->len : 0, slack)))
                return -1;
            break;
        }
        case OP_PLATFORM: { /* our own constant, ASCII */
            const char *name = lt_platform_name(*(const lt_platform *)at);
            if (!(w = put_bytes(out, w, name, strlen(name), slack)))
                return -1;
            break;
        }
        case OP_RECORD: NESTED(s->record, at); break;
        case OP_OPT_RECORD: {
            const uint8_t *rec = *(const uint8_t *const *)at;
            w = put_branch(w, s, rec != NULL);
            if (rec)
                NESTED(s->record, rec);
            break;
        }
        case OP_STRING_ARRAY: {
            const char *const *items = *(const char *const *const *)at;
            size_t n = items ? *(const size_t *)(base + s->count_offset) : 0;
            if (n) {
                w = put_long(w, (int64_t)n);
                for (size_t k = 0; k < n; k++)
                    if (!(w = put_string(out, w, items[k], slack, repaired)))
                        return -1;
            }
            w = put_long(w, 0);
            break;
        }
        case OP_RECORD_ARRAY: {
            const uint8_t *items = *(const uint8_t *const *)at;
            size_t n = items ? *(const size_t *)(base + s->count_offset) : 0;
            if (n) {
                w = put_long(w, (int64_t)n);
                for (size_t k = 0; k < n; k++)
                    NESTED(s->record, items + k * s->stride);
            }
            w = put_long(w, 0);
            break;
        }
        }
    }
#undef NESTED
    out->len = (size_t)(w - out->data);
    return 0;
}

int lt_avro_encode_body(lt_avro_encoder *enc, const lt_event *ev, lt_buf *out)
{
    if ((int)ev->type < 0 || ev->type >= LT_EVENT_TYPE_COUNT)
        return -1;
    return encode_plan(&enc->types[ev->type].body, (const uint8_t *)ev, out, &enc->repaired_strings);
}

int lt_avro_encode(lt_avro_encoder *enc, const lt_event *ev, lt_buf *out)
{
    if ((int)ev->type < 0 || ev->type >= LT_EVENT_TYPE_COUNT)
        return -1;
    const type_encoder *te = &enc->types[ev->type];
    if (out->cap - out->len < sizeof te->header && lt_buf_reserve(out, sizeof te->header))
        return -1;
    memcpy(out->data + out->len, te->header, sizeof te->header); /* a fixed size: no call */
    out->len += te->header_len;
    return encode_plan(&te->body, (const uint8_t *)ev, out, &enc->repaired_strings);
}

uint64_t lt_avro_encoder_repaired_strings(const lt_avro_encoder *enc)
{
    return enc->repaired_strings;
}
