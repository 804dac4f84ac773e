/* cli.c - see cli.h.
 *
 * getopt_long over a table built from the program's flags plus the common
 * options. The file is loaded in a first pass so that flags override it
 * wherever --config stands; every flag then goes through lt_config_set(),
 * the same conversion and bounds as the file, so a value is valid or not
 * whichever way it arrives.
 */
#include "core/cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

enum { O_CONFIG = 1000, O_SET, O_REFERENCE, O_CHECK, O_VERSION, O_FLAG = 2000 };

static char short_of(const lt_cli_program *prog, const char *flag)
{
    for (size_t i = 0; i < prog->short_count; i++)
        if (strcmp(prog->shorts[i].flag, flag) == 0)
            return prog->shorts[i].letter;
    return 0;
}

static void usage_row(FILE *out, int width, char short_name, const char *name, const char *help)
{
    char left[128];
    if (short_name)
        snprintf(left, sizeof left, "-%c, --%s", short_name, name);
    else
        snprintf(left, sizeof left, "    --%s", name);
    fprintf(out, "  %-*s %s\n", width, left, help);
}

void lt_cli_usage(const lt_cli_program *prog, FILE *out)
{
    int width = 26; /* the flags' column fits the longest name */
    for (size_t i = 0; i < prog->flag_count; i++)
        if ((int)strlen(prog->flags[i].name) + 6 > width)
            width = (int)strlen(prog->flags[i].name) + 6;
    fprintf(out, "%s\n\nOptions (each a shorthand for a configuration key):\n", prog->usage);
    for (size_t i = 0; i < prog->flag_count; i++) {
        const lt_cli_flag *f = &prog->flags[i];
        usage_row(out, width, short_of(prog, f->name), f->name, f->help);
    }
    fprintf(out, "\nConfiguration:\n");
    usage_row(out, width, 'c', "config FILE", "YAML file; flags and --set override it");
    usage_row(out, width, 0, "set KEY=VALUE", "any key (--config-reference lists them), repeatable");
    usage_row(out, width, 0, "check-config", "validate, print the effective configuration, exit");
    usage_row(out, width, 0, "config-reference", "print every key, its default and meaning (Markdown)");
    if (prog->log_level_key)
        usage_row(out, width, 'v', "verbose / -q, --quiet", "log debug lines / warnings and errors only");
    usage_row(out, width, 'h', "help / --version", "this text / the version");
    if (prog->epilog)
        fprintf(out, "\n%s\n", prog->epilog);
}

static int fail(const lt_cli_program *prog, const char *what)
{
    fprintf(stderr, "%s: %s\n", prog->name, what);
    return 2;
}

/* The first pass: every --config/-c FILE, in order. */
static int load_files(const lt_cli_program *prog, void *config, int argc, char **argv)
{
    char err[1024];
    for (int i = 1; i < argc; i++) {
        const char *path = NULL;
        if (strcmp(argv[i], "--") == 0)
            break;
        if ((strcmp(argv[i], "--config") == 0 || strcmp(argv[i], "-c") == 0) && i + 1 < argc)
            path = argv[++i];
        else if (strncmp(argv[i], "--config=", 9) == 0)
            path = argv[i] + 9;
        if (path && lt_config_load_file(prog->options, config, path, err, sizeof err) != 0)
            return fail(prog, err);
    }
    return 0;
}

static int apply_flag(const lt_cli_program *prog, void *config, const lt_cli_flag *f, const char *arg,
                      bool repeated)
{
    const char *value = f->takes_value ? arg : strchr(f->key, '=') ? "" : "=true";
    size_t len = strlen(f->key) + strlen(value) + 2;
    char *assignment = malloc(len), err[1024];
    if (!assignment)
        return fail(prog, "out of memory");
    snprintf(assignment, len, "%s%s%s", f->key, f->takes_value ? "=" : "", value);
    int rc = repeated ? lt_config_add(prog->options, config, assignment, err, sizeof err)
                      : lt_config_set(prog->options, config, assignment, err, sizeof err);
    free(assignment);
    if (rc == 0)
        return 0;
    char what[1400];
    if (f->takes_value && strlen(arg) > 200) /* a long list: the reason must not be cut off */
        snprintf(what, sizeof what, "--%s %.200s... (%zu bytes): %s", f->name, arg, strlen(arg), err);
    else if (f->takes_value)
        snprintf(what, sizeof what, "--%s %s: %s", f->name, arg, err);
    else
        snprintf(what, sizeof what, "--%s: %s", f->name, err);
    return fail(prog, what);
}

static int set_log_level(const lt_cli_program *prog, void *config, const char *level)
{
    char assignment[256], err[1024];
    snprintf(assignment, sizeof assignment, "%s=%s", prog->log_level_key, level);
    if (lt_config_set(prog->options, config, assignment, err, sizeof err) != 0)
        return fail(prog, err);
    return 0;
}

static int apply_log_level(const lt_cli_program *prog, void *config)
{
    const lt_config_option *opt =
        prog->log_level_key ? lt_config_find(prog->options, prog->log_level_key) : NULL;
    if (!opt || opt->kind != LT_CONFIG_STRING)
        return 0;
    const char *name = *(char **)lt_config_field(opt, config);
    lt_log_level level;
    if (lt_log_level_from_name(name ? name : "", &level) != 0) {
        char what[512];
        snprintf(what, sizeof what, "%s: expected debug, info, warn or error, found \"%s\"",
                 prog->log_level_key, name ? name : "");
        return fail(prog, what);
    }
    lt_log_set_level(level);
    return 0;
}

/* getopt_long's table: the program's flags, then the common options. */
static struct option *long_options(const lt_cli_program *prog, char *shorts, size_t shorts_len)
{
    struct option *opts = calloc(prog->flag_count + 10, sizeof *opts);
    if (!opts)
        return NULL;
    size_t n = 0, s = 0;
    s += (size_t)snprintf(shorts + s, shorts_len - s, "c:h%s", prog->log_level_key ? "vq" : "");
    for (size_t i = 0; i < prog->flag_count; i++) {
        const lt_cli_flag *f = &prog->flags[i];
        opts[n++] =
            (struct option){f->name, f->takes_value ? required_argument : no_argument, NULL, O_FLAG + (int)i};
        char letter = short_of(prog, f->name);
        if (letter && s + 3 < shorts_len)
            s += (size_t)snprintf(shorts + s, shorts_len - s, "%c%s", letter, f->takes_value ? ":" : "");
    }
    opts[n++] = (struct option){"config", required_argument, NULL, O_CONFIG};
    opts[n++] = (struct option){"set", required_argument, NULL, O_SET};
    opts[n++] = (struct option){"config-reference", no_argument, NULL, O_REFERENCE};
    opts[n++] = (struct option){"check-config", no_argument, NULL, O_CHECK};
    opts[n++] = (struct option){"version", no_argument, NULL, O_VERSION};
    opts[n++] = (struct option){"help", no_argument, NULL, 'h'};
    if (prog->log_level_key) {
        opts[n++] = (struct option){"verbose", no_argument, NULL, 'v'};
        opts[n++] = (struct option){"quiet", no_argument, NULL, 'q'};
    }
    return opts;
}

static int flag_of_short(const lt_cli_program *prog, int c)
{
    for (size_t i = 0; i < prog->flag_count; i++)
        if (short_of(prog, prog->flags[i].name) == c)
            return (int)i;
    return -1;
}

/* The second pass. 0 = go on, 1 = done (help, version), else the exit status. */
static int parse_flags(const lt_cli_program *prog, void *config, int argc, char **argv, bool *check_only,
                       bool *reference)
{
    char shorts[128];
    struct option *opts = long_options(prog, shorts, sizeof shorts);
    bool *used = calloc(prog->flag_count + 1, sizeof *used);
    int rc = 0, c;
    if (!opts || !used) {
        free(opts);
        free(used);
        return fail(prog, "out of memory");
    }
    optind = 0; /* glibc: a full re-initialisation, so a program (or a test) may parse twice */
    while (rc == 0 && (c = getopt_long(argc, argv, shorts, opts, NULL)) != -1) {
        int f = c >= O_FLAG ? c - O_FLAG : flag_of_short(prog, c);
        if (f >= 0) {
            rc = apply_flag(prog, config, &prog->flags[f], optarg, used[f]);
            used[f] = true;
            continue;
        }
        char err[1024];
        switch (c) {
        case 'c':
        case O_CONFIG: break; /* loaded in the first pass */
        case O_SET:
            if (lt_config_set(prog->options, config, optarg, err, sizeof err) != 0) {
                char what[1100];
                snprintf(what, sizeof what, "--set %s", err);
                rc = fail(prog, what);
            }
            break;
        case O_REFERENCE: *reference = true; break;
        case O_CHECK: *check_only = true; break;
        case 'v': rc = set_log_level(prog, config, "debug"); break;
        case 'q': rc = set_log_level(prog, config, "warn"); break;
        case 'h':
            lt_cli_usage(prog, stdout);
            rc = 1;
            break;
        case O_VERSION:
            printf("%s %s\n", prog->name, LT_VERSION);
            rc = 1;
            break;
        default: /* getopt said what was wrong */
            fprintf(stderr, "%s: see --help for the options\n", prog->name);
            rc = 2;
        }
    }
    free(opts);
    free(used);
    return rc;
}

lt_cli_outcome lt_cli_parse(const lt_cli_program *prog, void *config, int argc, char **argv)
{
    lt_cli_outcome out = {.run = false, .status = 2};
    char err[1024];
    bool check_only = false, reference = false;
    lt_log_set_program(prog->name);
    if (lt_config_defaults(prog->options, config, err, sizeof err) != 0) {
        fail(prog, err);
        return out;
    }
    if (load_files(prog, config, argc, argv) != 0)
        return out;
    int rc = parse_flags(prog, config, argc, argv, &check_only, &reference);
    if (rc != 0) {
        out.status = rc == 1 ? 0 : rc;
        return out;
    }
    if (reference) {
        lt_config_write_reference(prog->options, stdout);
        out.status = 0;
        return out;
    }
    if (optind < argc && !prog->operands) {
        snprintf(err, sizeof err, "unexpected argument \"%s\" (options start with --; see --help)",
                 argv[optind]);
        fail(prog, err);
        return out;
    }
    if (apply_log_level(prog, config) != 0)
        return out;
    if (prog->validate && prog->validate(config, err, sizeof err) != 0) {
        fail(prog, err);
        return out;
    }
    if (check_only) {
        printf("configuration OK");
        if (prog->summary) {
            printf(": ");
            prog->summary(config, stdout);
        }
        printf("\n# the effective configuration (secrets shown as ***):\n");
        lt_config_write_effective(prog->options, config, stdout);
        out.status = 0;
        return out;
    }
    out.run = true;
    out.status = 0;
    out.operands = argv + optind;
    out.operand_count = argc - optind;
    return out;
}
