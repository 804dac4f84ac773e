/* cli.h - the command line every livetap program shares.
 *
 * A program describes itself once: its configuration table (core/config.h)
 * and a table of flags, each flag a shorthand for one configuration key
 * (--port is `port`, --kafka is `kafka.bootstrap`). lt_cli_parse() then
 * gives every program the same command line:
 *
 *   -c, --config FILE     YAML file, loaded before any flag wherever it stands
 *   --set KEY=VALUE       any key, repeatable
 *   the program's flags   validated like the file: `--port abc` is refused
 *                         with exit 2, naming the flag, the key and the value
 *   --check-config        validate, print the effective configuration with
 *                         secrets masked, exit 0 (or 2 with the reason)
 *   --config-reference    every key as a Markdown table (docs/configuration.md)
 *   -v/--verbose, -q/--quiet, -h/--help, --version
 *
 * Precedence: defaults < the file < --set and flags, in command-line order.
 * A flag for a list key replaces the file's list the first time and adds to
 * it when repeated (--token A --token B gives [A, B]).
 *
 * A program's main is then: zero its config struct, lt_cli_parse(), run
 * when .run (the operands, if the program takes any, are in the outcome),
 * lt_config_free(). Cross-key rules ("no rooms and no admin API") belong in
 * .validate, so that --check-config and a real start refuse the same files.
 */
#ifndef LT_CORE_CLI_H
#define LT_CORE_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/config.h"

typedef struct lt_cli_flag {
    const char *name; /* long name without "--" */
    const char *key;  /* the configuration key it sets; a flag without a value may
                       * name a fixed value as KEY=VALUE ("registry.url=" for --no-registry) */
    bool takes_value; /* false: sets the key to "true" (or to the value after '=') */
    const char *help; /* "ARG      meaning", the argument padded as in the other rows */
} lt_cli_flag;

/* A one-letter alias of a flag (-p for --port). */
typedef struct lt_cli_short {
    char letter;
    const char *flag;
} lt_cli_short;

typedef struct lt_cli_program {
    const char *name;   /* "livetap-sidecar": messages start with it */
    const char *usage;  /* --help's opening: "usage: ..." and what the program does */
    const char *epilog; /* --help's closing lines; NULL = none */
    const lt_config_option *options;
    const lt_cli_flag *flags;
    size_t flag_count;
    const lt_cli_short *shorts; /* NULL = none */
    size_t short_count;
    const char *log_level_key; /* -v sets it to debug, -q to warn; the driver applies it */
    const char *operands;      /* non-NULL: positional arguments are allowed (named so in messages) */
    /* What the table cannot check (keys that go together, files, choices);
     * -1 with the reason, naming the key, in err. NULL = nothing more. */
    int (*validate)(const void *config, char *err, size_t errlen);
    /* --check-config's first line after "configuration OK: "; NULL = none. */
    void (*summary)(const void *config, FILE *out);
} lt_cli_program;

typedef struct lt_cli_outcome {
    bool run;        /* false: exit with `status` (help, reference, check, or an error said) */
    int status;      /* 0 or 2 */
    char **operands; /* the positional arguments (argv's tail) when `operands` allows them */
    int operand_count;
} lt_cli_outcome;

/* Fills `config` (the struct the option table describes; zeroed by the
 * caller) from defaults, the file and the command line, validates it and
 * applies the log level. Errors go to stderr. Free `config` with
 * lt_config_free() whatever the outcome. */
lt_cli_outcome lt_cli_parse(const lt_cli_program *prog, void *config, int argc, char **argv);

/* --help's text. */
void lt_cli_usage(const lt_cli_program *prog, FILE *out);

#endif
