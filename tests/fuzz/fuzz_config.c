/* fuzz_config.c - libFuzzer target for the configuration loader: YAML from
 * an operator's file (or a ConfigMap) through libyaml into a table with every
 * kind of option (strings with ${ENV} expansion, bounded integers, booleans,
 * lists, properties, nested sections), then one command-line override built
 * from the input's first line. Invariants: no crash, no leak (freeing what
 * was loaded), integers within their bounds after a successful load. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"

typedef struct cfg {
    char *name, *url;
    long port, count;
    bool on;
    lt_config_list list, props;
    struct {
        char *level;
        long depth;
        lt_config_list tags;
    } inner;
} cfg;

#define OPT(n, k, m, d) {n, k, offsetof(cfg, m), d, "doc", NULL, 0, 0}
static const lt_config_option inner_table[] = {
    OPT("level", LT_CONFIG_STRING, inner.level, "info"),
    {"depth", LT_CONFIG_INT, offsetof(cfg, inner.depth), "3", "doc", NULL, 1, 9},
    OPT("tags", LT_CONFIG_STRING_LIST, inner.tags, NULL),
    {NULL, 0, 0, NULL, NULL, NULL, 0, 0},
};
static const lt_config_option table[] = {
    OPT("name", LT_CONFIG_STRING, name, "${FUZZ_UNSET:-x}"),
    OPT("url", LT_CONFIG_STRING, url, NULL),
    {"port", LT_CONFIG_INT, offsetof(cfg, port), "8080", "doc", NULL, 0, 65535},
    OPT("count", LT_CONFIG_INT, count, "0"),
    OPT("on", LT_CONFIG_BOOL, on, "false"),
    OPT("list", LT_CONFIG_STRING_LIST, list, NULL),
    OPT("props", LT_CONFIG_PROPERTIES, props, NULL),
    {"inner", LT_CONFIG_SECTION, 0, NULL, "doc", inner_table, 0, 0},
    {NULL, 0, 0, NULL, NULL, NULL, 0, 0},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)
        return 0;
    cfg c;
    memset(&c, 0, sizeof c);
    char err[512];
    if (lt_config_defaults(table, &c, err, sizeof err) != 0)
        abort();
    if (lt_config_load_buffer(table, &c, "fuzz.yaml", (const char *)data, size, err, sizeof err) == 0) {
        if (c.port < 0 || c.port > 65535 || c.inner.depth < 1 || c.inner.depth > 9)
            abort();
    } else if (!err[0]) {
        abort(); /* a failure always says why */
    }
    /* the first line as a --set override */
    size_t n = 0;
    while (n < size && n < 256 && data[n] != '\n' && data[n] != '\0')
        n++;
    char line[257];
    memcpy(line, data, n);
    line[n] = '\0';
    err[0] = '\0';
    if (lt_config_set(table, &c, line, err, sizeof err) != 0 && !err[0])
        abort();
    lt_config_free(table, &c);
    return 0;
}
