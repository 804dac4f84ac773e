/* config.c - see config.h.
 *
 * libyaml's document API (rather than libcyaml's schema loader) because a
 * person fixing a file needs the line of the mistake, which libcyaml does not
 * report: the file is loaded into libyaml's node tree, whose nodes carry
 * their start marks, and the tree is walked next to the option table.
 * Scalars are converted by the same code that handles command-line
 * overrides, so both accept exactly the same spellings.
 */
#include "core/config.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "core/buf.h"

#define MAX_VALUE (16 << 20) /* bytes of one value after substitution */

static void *field(void *out, const lt_config_option *opt)
{
    return (char *)out + opt->offset;
}

static const lt_config_option *find_option(const lt_config_option *table, const char *name, size_t len)
{
    for (const lt_config_option *o = table; o->name; o++)
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
            return o;
    return NULL;
}

static void known_keys(const lt_config_option *table, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (const lt_config_option *o = table; o->name && used + 1 < len; o++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "", o->name);
}

static void list_free(lt_config_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->count = 0;
}

static int list_add(lt_config_list *l, const char *item, size_t len)
{
    char **grown = realloc(l->items, (l->count + 1) * sizeof *grown);
    if (!grown)
        return -1;
    l->items = grown;
    if (!(l->items[l->count] = strndup(item, len)))
        return -1;
    l->count++;
    return 0;
}

/* ${VAR} and ${VAR:-default} in `in`, as a new string (the caller frees
 * it), or NULL with the reason in err. No fixed limit below MAX_VALUE: a
 * room list of thousands of rooms is one value. */
static char *substitute_env(const char *in, char *err, size_t errlen)
{
    lt_buf out = LT_BUF_INIT;
    for (const char *p = in; *p;) {
        const char *piece = p;
        size_t len = 1;
        char name[256]; /* here, not in the branch: a fallback piece points into it until appended */
        if (p[0] == '$' && p[1] == '{') {
            const char *end = strchr(p + 2, '}');
            if (!end) {
                snprintf(err, errlen, "unterminated ${ in \"%.200s\"", in);
                goto fail;
            }
            size_t n = (size_t)(end - p - 2);
            if (n == 0 || n >= sizeof name) {
                snprintf(err, errlen, "bad variable reference in \"%.200s\"", in);
                goto fail;
            }
            memcpy(name, p + 2, n);
            name[n] = '\0';
            const char *fallback = NULL;
            char *sep = strstr(name, ":-");
            if (sep) {
                *sep = '\0';
                fallback = sep + 2;
            }
            const char *value = getenv(name);
            if (!value || (!*value && fallback))
                value = fallback;
            if (!value) {
                snprintf(err, errlen,
                         "environment variable %s is not set (write ${%s:-default} to allow that)", name,
                         name);
                goto fail;
            }
            piece = value;
            len = strlen(value);
            p = end + 1;
        } else {
            p++;
        }
        if (out.len + len >= MAX_VALUE) {
            snprintf(err, errlen, "value longer than %d bytes", MAX_VALUE);
            goto fail;
        }
        if (lt_buf_append(&out, piece, len)) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
    }
    if (lt_buf_append_byte(&out, 0)) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    return (char *)out.data;
fail:
    lt_buf_free(&out);
    return NULL;
}

static int parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no", "off", "0"};
    for (int i = 0; i < 4; i++) {
        if (!strcasecmp(s, yes[i]))
            return *out = true, 0;
        if (!strcasecmp(s, no[i]))
            return *out = false, 0;
    }
    return -1;
}

/* Stores one scalar, its variables substituted, into a non-section
 * option; `append` keeps a list's items. `why` receives the reason. */
static int store_expanded(const lt_config_option *opt, void *out, const char *value, bool append, char *why,
                          size_t whylen)
{
    switch (opt->kind) {
    case LT_CONFIG_STRING: {
        char **slot = field(out, opt), *copy = strdup(value);
        if (!copy)
            return snprintf(why, whylen, "out of memory"), -1;
        free(*slot);
        *slot = copy;
        return 0;
    }
    case LT_CONFIG_INT: {
        char *end;
        errno = 0;
        long v = strtol(value, &end, 10);
        if (errno || end == value || *end) {
            snprintf(why, whylen, "expected an integer, found \"%s\"", value);
            return -1;
        }
        if ((opt->min || opt->max) && (v < opt->min || v > opt->max)) {
            snprintf(why, whylen, "expected an integer from %ld to %ld, found %ld", opt->min, opt->max, v);
            return -1;
        }
        *(long *)field(out, opt) = v;
        return 0;
    }
    case LT_CONFIG_BOOL:
        if (parse_bool(value, field(out, opt))) {
            snprintf(why, whylen, "expected true or false, found \"%s\"", value);
            return -1;
        }
        return 0;
    case LT_CONFIG_STRING_LIST: { /* comma-separated (command line, defaults) */
        lt_config_list *l = field(out, opt);
        if (!append)
            list_free(l);
        for (const char *p = value; *p;) {
            const char *comma = strchr(p, ',');
            size_t n = comma ? (size_t)(comma - p) : strlen(p);
            if (n && list_add(l, p, n))
                return snprintf(why, whylen, "out of memory"), -1;
            p += n + (comma ? 1 : 0);
        }
        return 0;
    }
    case LT_CONFIG_PROPERTIES: { /* name=value (command line) */
        if (!*value)
            return 0;
        if (!strchr(value, '=') || value[0] == '=') {
            snprintf(why, whylen, "expected name=value, found \"%s\"", value);
            return -1;
        }
        if (list_add(field(out, opt), value, strlen(value)))
            return snprintf(why, whylen, "out of memory"), -1;
        return 0;
    }
    case LT_CONFIG_SECTION:
        snprintf(why, whylen, "expected a mapping of options, found \"%s\"", value);
        return -1;
    }
    return -1;
}

static int store_value(const lt_config_option *opt, void *out, const char *raw, bool append, char *why,
                       size_t whylen)
{
    char *value = substitute_env(raw, why, whylen);
    if (!value)
        return -1;
    int rc = store_expanded(opt, out, value, append, why, whylen);
    free(value);
    return rc;
}

static int store_scalar(const lt_config_option *opt, void *out, const char *raw, char *why, size_t whylen)
{
    return store_value(opt, out, raw, false, why, whylen);
}

int lt_config_defaults(const lt_config_option *table, void *out, char *err, size_t errlen)
{
    for (const lt_config_option *o = table; o->name; o++) {
        if (o->kind == LT_CONFIG_SECTION) {
            if (lt_config_defaults(o->section, out, err, errlen))
                return -1;
            continue;
        }
        if (!o->default_value)
            continue;
        char why[512];
        if (store_scalar(o, out, o->default_value, why, sizeof why)) {
            snprintf(err, errlen, "default of %s: %s", o->name, why);
            return -1;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- files */

typedef struct walk {
    yaml_document_t *doc;
    const char *path;
    char *err;
    size_t errlen;
} walk;

static const char *node_kind(const yaml_node_t *n)
{
    return n->type == YAML_MAPPING_NODE ? "a mapping" : n->type == YAML_SEQUENCE_NODE ? "a list" : "a scalar";
}

static int walk_mapping(walk *w, const lt_config_option *table, void *out, yaml_node_t *map,
                        const char *prefix)
{
    for (yaml_node_pair_t *pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
        yaml_node_t *key = yaml_document_get_node(w->doc, pair->key);
        yaml_node_t *value = yaml_document_get_node(w->doc, pair->value);
        unsigned long line = key->start_mark.line + 1;
        if (key->type != YAML_SCALAR_NODE) {
            snprintf(w->err, w->errlen, "%s:%lu: %s: keys must be plain names", w->path, line, prefix);
            return -1;
        }
        const char *name = (const char *)key->data.scalar.value;
        char dotted[512];
        snprintf(dotted, sizeof dotted, "%s%s%s", prefix, *prefix ? "." : "", name);
        const lt_config_option *opt = find_option(table, name, key->data.scalar.length);
        if (!opt) {
            char known[1024];
            known_keys(table, known, sizeof known);
            snprintf(w->err, w->errlen, "%s:%lu: unknown key \"%s\" (known here: %s)", w->path, line, dotted,
                     known);
            return -1;
        }
        char why[1024] = "";
        int rc = 0;
        if (opt->kind == LT_CONFIG_SECTION) {
            if (value->type != YAML_MAPPING_NODE) {
                snprintf(w->err, w->errlen, "%s:%lu: %s: expected a mapping of options, found %s", w->path,
                         line, dotted, node_kind(value));
                return -1;
            }
            if (walk_mapping(w, opt->section, out, value, dotted))
                return -1;
            continue;
        }
        if (opt->kind == LT_CONFIG_PROPERTIES && value->type == YAML_SEQUENCE_NODE) {
            /* also a list of "name=value" strings, as librdkafka writes them */
            for (yaml_node_item_t *it = value->data.sequence.items.start; it < value->data.sequence.items.top;
                 it++) {
                yaml_node_t *item = yaml_document_get_node(w->doc, *it);
                if (item->type != YAML_SCALAR_NODE) {
                    snprintf(why, sizeof why, "expected name=value items, found %s in the list",
                             node_kind(item));
                    rc = -1;
                } else {
                    rc = store_scalar(opt, out, (const char *)item->data.scalar.value, why, sizeof why);
                }
                if (rc) {
                    line = item->start_mark.line + 1;
                    break;
                }
            }
        } else if (opt->kind == LT_CONFIG_STRING_LIST && value->type == YAML_SEQUENCE_NODE) {
            lt_config_list *l = field(out, opt);
            list_free(l);
            for (yaml_node_item_t *it = value->data.sequence.items.start; it < value->data.sequence.items.top;
                 it++) {
                yaml_node_t *item = yaml_document_get_node(w->doc, *it);
                char *expanded = NULL;
                if (item->type != YAML_SCALAR_NODE) {
                    snprintf(why, sizeof why, "expected a list of values, found %s in it", node_kind(item));
                    rc = -1;
                } else if (!(expanded =
                                 substitute_env((const char *)item->data.scalar.value, why, sizeof why))) {
                    rc = -1;
                } else if (list_add(l, expanded, strlen(expanded))) {
                    snprintf(why, sizeof why, "out of memory");
                    rc = -1;
                }
                free(expanded);
                if (rc) {
                    line = item->start_mark.line + 1;
                    break;
                }
            }
        } else if (opt->kind == LT_CONFIG_PROPERTIES && value->type == YAML_MAPPING_NODE) {
            for (yaml_node_pair_t *p = value->data.mapping.pairs.start;
                 p < value->data.mapping.pairs.top && !rc; p++) {
                yaml_node_t *k = yaml_document_get_node(w->doc, p->key),
                            *v = yaml_document_get_node(w->doc, p->value);
                if (k->type != YAML_SCALAR_NODE || v->type != YAML_SCALAR_NODE) {
                    snprintf(why, sizeof why, "expected name: value pairs");
                    rc = -1;
                    break;
                }
                size_t n = strlen((const char *)k->data.scalar.value) +
                           strlen((const char *)v->data.scalar.value) + 2;
                char *item = malloc(n);
                if (!item) {
                    snprintf(why, sizeof why, "out of memory");
                    rc = -1;
                    break;
                }
                snprintf(item, n, "%s=%s", k->data.scalar.value, v->data.scalar.value);
                rc = store_scalar(opt, out, item, why, sizeof why);
                free(item);
            }
        } else if (value->type == YAML_SCALAR_NODE) {
            rc = store_scalar(opt, out, (const char *)value->data.scalar.value, why, sizeof why);
        } else {
            snprintf(why, sizeof why, "expected %s, found %s",
                     opt->kind == LT_CONFIG_STRING_LIST  ? "a list"
                     : opt->kind == LT_CONFIG_PROPERTIES ? "a mapping"
                                                         : "a value",
                     node_kind(value));
            rc = -1;
        }
        if (rc) {
            snprintf(w->err, w->errlen, "%s:%lu: %s: %s", w->path, line, dotted, why);
            return -1;
        }
    }
    return 0;
}

/* Parses YAML from an open parser (file or buffer) into `out`. */
static int load(const lt_config_option *table, void *out, yaml_parser_t *parser, const char *path, char *err,
                size_t errlen)
{
    yaml_document_t doc;
    if (!yaml_parser_load(parser, &doc)) {
        snprintf(err, errlen, "%s:%lu: not valid YAML: %s", path,
                 (unsigned long)parser->problem_mark.line + 1,
                 parser->problem ? parser->problem : "parse error");
        return -1;
    }
    int rc = -1;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root) {
        rc = 0; /* an empty file changes nothing */
    } else if (root->type != YAML_MAPPING_NODE) {
        snprintf(err, errlen, "%s:%lu: expected a mapping of options at the top, found %s", path,
                 (unsigned long)root->start_mark.line + 1, node_kind(root));
    } else {
        walk w = {&doc, path, err, errlen};
        rc = walk_mapping(&w, table, out, root, "");
    }
    yaml_document_delete(&doc);
    return rc;
}

int lt_config_load_file(const lt_config_option *table, void *out, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        fclose(f);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    yaml_parser_set_input_file(&parser, f);
    int rc = load(table, out, &parser, path, err, errlen);
    yaml_parser_delete(&parser);
    fclose(f);
    return rc;
}

int lt_config_load_buffer(const lt_config_option *table, void *out, const char *name, const char *data,
                          size_t len, char *err, size_t errlen)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    int rc = load(table, out, &parser, name, err, errlen);
    yaml_parser_delete(&parser);
    return rc;
}

/* ------------------------------------------------------------ overrides */

static const lt_config_option *find_dotted(const lt_config_option *table, const char *key, char *err,
                                           size_t errlen)
{
    const char *p = key;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        const lt_config_option *opt = find_option(table, p, n);
        if (!opt) {
            char known[1024];
            known_keys(table, known, sizeof known);
            snprintf(err, errlen, "unknown key \"%s\" (known here: %s)", key, known);
            return NULL;
        }
        if (!dot)
            return opt;
        if (opt->kind != LT_CONFIG_SECTION) {
            snprintf(err, errlen, "\"%.*s\" in \"%s\" is not a section", (int)n, p, key);
            return NULL;
        }
        table = opt->section;
        p = dot + 1;
    }
}

static int assign(const lt_config_option *table, void *out, const char *assignment, bool append, char *err,
                  size_t errlen)
{
    const char *eq = strchr(assignment, '=');
    if (!eq || eq == assignment) {
        snprintf(err, errlen, "expected key=value, found \"%s\"", assignment);
        return -1;
    }
    char key[512];
    snprintf(key, sizeof key, "%.*s", (int)(eq - assignment), assignment);
    const lt_config_option *opt = find_dotted(table, key, err, errlen);
    if (!opt)
        return -1;
    if (opt->kind == LT_CONFIG_SECTION) {
        snprintf(err, errlen, "%s is a section: set one of its keys (%s.NAME=VALUE)", key, key);
        return -1;
    }
    char why[1024];
    if (store_value(opt, out, eq + 1, append, why, sizeof why)) {
        snprintf(err, errlen, "%s: %s", key, why);
        return -1;
    }
    return 0;
}

int lt_config_set(const lt_config_option *table, void *out, const char *assignment, char *err, size_t errlen)
{
    return assign(table, out, assignment, false, err, errlen);
}

int lt_config_add(const lt_config_option *table, void *out, const char *assignment, char *err, size_t errlen)
{
    return assign(table, out, assignment, true, err, errlen);
}

const lt_config_option *lt_config_find(const lt_config_option *table, const char *key)
{
    char ignored[1024];
    return find_dotted(table, key, ignored, sizeof ignored);
}

void *lt_config_field(const lt_config_option *opt, void *out)
{
    return field(out, opt);
}

void lt_config_free(const lt_config_option *table, void *out)
{
    for (const lt_config_option *o = table; o->name; o++) {
        switch (o->kind) {
        case LT_CONFIG_STRING: {
            char **slot = field(out, o);
            free(*slot);
            *slot = NULL;
            break;
        }
        case LT_CONFIG_STRING_LIST:
        case LT_CONFIG_PROPERTIES: list_free(field(out, o)); break;
        case LT_CONFIG_SECTION: lt_config_free(o->section, out); break;
        default: break;
        }
    }
}

const char *lt_config_property_value(const char *item)
{
    const char *eq = strchr(item, '=');
    return eq ? eq + 1 : "";
}

static void write_rows(const lt_config_option *table, const char *prefix, FILE *out)
{
    static const char *const kinds[] = {"string", "integer", "boolean", "list", "mapping", "section"};
    for (const lt_config_option *o = table; o->name; o++) {
        char dotted[512];
        snprintf(dotted, sizeof dotted, "%s%s%s", prefix, *prefix ? "." : "", o->name);
        if (o->kind == LT_CONFIG_SECTION) {
            write_rows(o->section, dotted, out);
            continue;
        }
        fprintf(out, "| `%s` | %s", dotted, kinds[o->kind]);
        if (o->kind == LT_CONFIG_INT && (o->min || o->max))
            fprintf(out, " (%ld–%ld)", o->min, o->max);
        fprintf(out, " | %s%s%s | %s |\n", o->default_value && *o->default_value ? "`" : "",
                o->default_value && *o->default_value ? o->default_value : "—",
                o->default_value && *o->default_value ? "`" : "", o->doc ? o->doc : "");
    }
}

void lt_config_write_reference(const lt_config_option *table, FILE *out)
{
    fprintf(out, "| key | type | default | meaning |\n|---|---|---|---|\n");
    write_rows(table, "", out);
}

/* ------------------------------------------------------------ effective */

static bool secret_name(const char *name, size_t len)
{
    static const char *const words[] = {"password", "secret", "token", "api_key"};
    char copy[256];
    snprintf(copy, sizeof copy, "%.*s", (int)len, name);
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++)
        if (strstr(copy, words[w]))
            return true;
    return false;
}

static bool is_secret(const lt_config_option *o)
{
    return secret_name(o->name, strlen(o->name));
}

/* Bytes [s, end) escaped for a YAML double-quoted scalar. */
static void write_escaped(FILE *out, const char *s, const char *end)
{
    for (const unsigned char *p = (const unsigned char *)s; p < (const unsigned char *)end; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(out, "\\x%02x", *p);
        else
            fputc(*p, out);
    }
}

/* A YAML double-quoted scalar; a URL's user:password@ is masked. */
static void write_scalar(FILE *out, const char *s, bool secret)
{
    if (secret && s && *s) {
        fputs("\"***\"", out);
        return;
    }
    if (!s)
        s = "";
    const char *scheme = strstr(s, "://"), *at = scheme ? strchr(scheme + 3, '@') : NULL;
    const char *slash = scheme ? strchr(scheme + 3, '/') : NULL;
    fputc('"', out);
    if (at && (!slash || at < slash)) {
        write_escaped(out, s, scheme + 3);
        fputs("***", out);
        s = at;
    }
    write_escaped(out, s, s + strlen(s));
    fputc('"', out);
}

static void write_values(const lt_config_option *table, const void *config, int depth, FILE *out)
{
    void *cfg = (void *)config; /* read only */
    for (const lt_config_option *o = table; o->name; o++) {
        fprintf(out, "%*s%s:", depth * 2, "", o->name);
        bool secret = is_secret(o);
        switch (o->kind) {
        case LT_CONFIG_STRING:
            fputc(' ', out);
            write_scalar(out, *(char **)field(cfg, o), secret);
            break;
        case LT_CONFIG_INT: fprintf(out, " %ld", *(long *)field(cfg, o)); break;
        case LT_CONFIG_BOOL: fprintf(out, " %s", *(bool *)field(cfg, o) ? "true" : "false"); break;
        case LT_CONFIG_STRING_LIST:
        case LT_CONFIG_PROPERTIES: {
            const lt_config_list *l = field(cfg, o);
            if (!l->count)
                fputs(" []", out);
            for (size_t i = 0; i < l->count; i++) {
                fprintf(out, "\n%*s- ", depth * 2 + 2, "");
                const char *item = l->items[i], *eq = strchr(item, '=');
                if (o->kind == LT_CONFIG_PROPERTIES && eq &&
                    (secret || secret_name(item, (size_t)(eq - item)))) {
                    char masked[512]; /* sasl.password=***: the name stays readable */
                    snprintf(masked, sizeof masked, "%.*s=***", (int)(eq - item), item);
                    write_scalar(out, masked, false);
                    continue;
                }
                write_scalar(out, l->items[i], secret);
            }
            break;
        }
        case LT_CONFIG_SECTION:
            fputc('\n', out);
            write_values(o->section, config, depth + 1, out);
            continue;
        }
        fputc('\n', out);
    }
}

void lt_config_write_effective(const lt_config_option *table, const void *config, FILE *out)
{
    write_values(table, config, 0, out);
}
