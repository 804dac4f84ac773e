/* config.h - declarative YAML configuration for every livetap program.
 *
 * A program describes its configuration once, as a table of options (name,
 * kind, where it lives in the program's struct, default, one line of
 * documentation), like Fluent Bit's config maps. From that one table come:
 * defaults, loading a YAML file, command-line overrides ("--set
 * kafka.bootstrap_servers=host:9092"), validation, freeing, and the
 * configuration reference in docs/ - so the documentation cannot drift from
 * the code.
 *
 * Scalars may use ${VAR} or ${VAR:-default} to take secrets and per-host
 * values from the environment. Every error names the file, the line, the
 * key, what was expected and what was found, e.g.
 *   config/collector.yaml:12: kafka.linger_ms: expected an integer, found "fast"
 *
 * Ownership: strings and lists the loader stores in the program's struct are
 * malloc'd and belong to it until lt_config_free().
 */
#ifndef LT_CORE_CONFIG_H
#define LT_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum lt_config_kind {
    LT_CONFIG_STRING,      /* char * */
    LT_CONFIG_INT,         /* long, within [min, max] */
    LT_CONFIG_BOOL,        /* bool: true/false/yes/no/on/off */
    LT_CONFIG_STRING_LIST, /* lt_config_list: a YAML sequence of scalars */
    LT_CONFIG_PROPERTIES,  /* lt_config_list of "name=value": a YAML mapping of scalars */
    LT_CONFIG_SECTION,     /* a nested mapping described by .section */
} lt_config_kind;

typedef struct lt_config_list {
    char **items;
    size_t count;
} lt_config_list;

typedef struct lt_config_option {
    const char *name;
    lt_config_kind kind;
    size_t offset;             /* in the program's config struct */
    const char *default_value; /* as it would be written in YAML; NULL = none */
    const char *doc;
    const struct lt_config_option *section; /* SECTION: its options, ended by a {NULL} row */
    long min, max;                          /* INT: bounds (both 0 = any) */
} lt_config_option;

/* Rows of an option table whose values live in a struct of type T. */
#define LT_CONFIG_OPT(T, name, kind, member, dflt, doc)                                                      \
    {                                                                                                        \
        name, kind, offsetof(T, member), dflt, doc, NULL, 0, 0                                               \
    }
#define LT_CONFIG_INT_OPT(T, name, member, dflt, min, max, doc)                                              \
    {                                                                                                        \
        name, LT_CONFIG_INT, offsetof(T, member), dflt, doc, NULL, min, max                                  \
    }
#define LT_CONFIG_SECTION_OPT(name, table, doc)                                                              \
    {                                                                                                        \
        name, LT_CONFIG_SECTION, 0, NULL, doc, table, 0, 0                                                   \
    }
#define LT_CONFIG_END                                                                                        \
    {                                                                                                        \
        NULL, 0, 0, NULL, NULL, NULL, 0, 0                                                                   \
    }

/* Sets every option to its default. */
int lt_config_defaults(const lt_config_option *table, void *out, char *err, size_t errlen);

/* Applies a YAML file on top of what `out` holds. */
int lt_config_load_file(const lt_config_option *table, void *out, const char *path, char *err, size_t errlen);

/* The same from memory; `name` stands for the file in messages. */
int lt_config_load_buffer(const lt_config_option *table, void *out, const char *name, const char *data,
                          size_t len, char *err, size_t errlen);

/* Applies "dotted.key=value" (a command-line override); lists take
 * comma-separated values, properties "name=value" items. */
int lt_config_set(const lt_config_option *table, void *out, const char *assignment, char *err, size_t errlen);

/* Like lt_config_set, except that a list keeps its items and gets the new
 * ones appended (a repeated command-line flag). */
int lt_config_add(const lt_config_option *table, void *out, const char *assignment, char *err, size_t errlen);

/* The option a dotted key names, or NULL. */
const lt_config_option *lt_config_find(const lt_config_option *table, const char *key);

/* Where an option's value lives in the program's struct. */
void *lt_config_field(const lt_config_option *opt, void *out);

void lt_config_free(const lt_config_option *table, void *out);

/* Writes the options as a Markdown table: key, type, default, meaning. */
void lt_config_write_reference(const lt_config_option *table, FILE *out);

/* Writes the values `config` holds as YAML (a file that would load to the
 * same values) with secrets masked: a key whose name says password, secret,
 * token or api_key shows "***", as does such a librdkafka property's value
 * (sasl.password=***) and the password inside a URL (https://user:***@host). */
void lt_config_write_effective(const lt_config_option *table, const void *config, FILE *out);

/* "name=value" -> the value part of a PROPERTIES item. */
const char *lt_config_property_value(const char *item);

#endif
