/* contract.c - topic names, keys and room ids (contract.h). */
#include "core/contract.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool in_alphabet(unsigned char ch, const char *extra)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch && strchr(extra, ch));
}

bool lt_room_id_valid(const char *room_id, size_t len)
{
    if (!room_id || len == 0 || len > LT_ROOM_ID_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!in_alphabet((unsigned char)room_id[i], "._:@~-"))
            return false;
    return true;
}

/* "chat, gift, ..." for an error message. */
static void list_types(char *out, size_t outlen)
{
    size_t used = 0;
    out[0] = '\0';
    for (int t = 0; t < LT_EVENT_TYPE_COUNT && used < outlen; t++) {
        int n = snprintf(out + used, outlen - used, "%s%s", t ? ", " : "",
                         lt_event_type_info_get((lt_event_type)t)->name);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

static int unknown_type(const char *name, size_t len, char *err, size_t errlen)
{
    char valid[1024];
    list_types(valid, sizeof valid);
    snprintf(err, errlen, "unknown event type \"%.*s\" (the types are: %s)", (int)len, name, valid);
    return -1;
}

int lt_topic_overrides_parse(const char *const *items, size_t count, lt_topic_override **out, char *err,
                             size_t errlen)
{
    *out = NULL;
    lt_topic_override *ov = calloc(count ? count : 1, sizeof *ov);
    if (!ov) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        const char *eq = strchr(items[i], '=');
        if (!eq) {
            snprintf(err, errlen, "\"%s\": expected type=topic", items[i]);
            goto fail;
        }
        /* the type names are the event table's own: nothing to keep */
        const lt_event_type_info *info = NULL;
        for (int t = 0; t < LT_EVENT_TYPE_COUNT && !info; t++) {
            const lt_event_type_info *candidate = lt_event_type_info_get((lt_event_type)t);
            if (strlen(candidate->name) == (size_t)(eq - items[i]) &&
                memcmp(candidate->name, items[i], (size_t)(eq - items[i])) == 0)
                info = candidate;
        }
        if (!info) {
            unknown_type(items[i], (size_t)(eq - items[i]), err, errlen);
            goto fail;
        }
        if (!eq[1]) {
            snprintf(err, errlen, "%s: the topic name is empty", info->name);
            goto fail;
        }
        ov[i] = (lt_topic_override){info->name, eq + 1};
    }
    *out = ov;
    return 0;
fail:
    free(ov);
    return -1;
}

static int check_topic_name(const char *type, const char *topic, char *err, size_t errlen)
{
    size_t len = strlen(topic);
    bool ok = len > 0 && len <= LT_TOPIC_NAME_MAX && strcmp(topic, ".") != 0 && strcmp(topic, "..") != 0;
    for (size_t i = 0; ok && i < len; i++)
        ok = in_alphabet((unsigned char)topic[i], "._-");
    if (!ok)
        snprintf(err, errlen,
                 "%s: \"%s\" is not a Kafka topic name (1 to %d characters of A-Z a-z 0-9 . _ -)", type,
                 topic, LT_TOPIC_NAME_MAX);
    return ok ? 0 : -1;
}

int lt_topic_names_init(lt_topic_names *out, const char *prefix, const lt_topic_override *overrides,
                        size_t override_count, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!prefix || !*prefix)
        prefix = LT_TOPIC_PREFIX_DEFAULT;
    for (size_t i = 0; i < override_count; i++) {
        lt_event_type t;
        const char *type = overrides[i].type_name ? overrides[i].type_name : "";
        if (lt_event_type_from_name(type, &t)) {
            unknown_type(type, strlen(type), err, errlen);
            goto fail;
        }
        if (out->of[t]) {
            snprintf(err, errlen, "%s: more than one topic given", type);
            goto fail;
        }
        const char *topic = overrides[i].topic ? overrides[i].topic : "";
        if (check_topic_name(type, topic, err, errlen))
            goto fail;
        if (!(out->of[t] = strdup(topic)))
            goto oom;
    }
    for (int t = 0; t < LT_EVENT_TYPE_COUNT; t++) {
        if (out->of[t])
            continue;
        const char *type = lt_event_type_info_get((lt_event_type)t)->name;
        size_t len = strlen(prefix) + strlen(type) + 2;
        if (!(out->of[t] = malloc(len)))
            goto oom;
        snprintf(out->of[t], len, "%s.%s", prefix, type);
        if (check_topic_name(type, out->of[t], err, errlen))
            goto fail;
    }
    for (int a = 0; a < LT_EVENT_TYPE_COUNT; a++)
        for (int b = a + 1; b < LT_EVENT_TYPE_COUNT; b++)
            if (strcmp(out->of[a], out->of[b]) == 0) {
                snprintf(err, errlen, "%s and %s would share the topic %s (each type needs its own)",
                         lt_event_type_info_get((lt_event_type)a)->name,
                         lt_event_type_info_get((lt_event_type)b)->name, out->of[a]);
                goto fail;
            }
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    lt_topic_names_free(out);
    return -1;
}

void lt_topic_names_free(lt_topic_names *names)
{
    for (int t = 0; t < LT_EVENT_TYPE_COUNT; t++) {
        free(names->of[t]);
        names->of[t] = NULL;
    }
}

static int suffixed(const char *prefix, const char *suffix, char *out, size_t outlen)
{
    int n = snprintf(out, outlen, "%s%s", prefix && *prefix ? prefix : LT_TOPIC_PREFIX_DEFAULT, suffix);
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int lt_control_topic_default(const char *prefix, char *out, size_t outlen)
{
    return suffixed(prefix, ".rooms", out, outlen);
}

int lt_collector_group_default(const char *prefix, char *out, size_t outlen)
{
    return suffixed(prefix, "-collectors", out, outlen);
}

const char *lt_event_key(const lt_event *ev, char *buf, size_t buflen)
{
    if (ev->type == LT_EVENT_GIFT_INFO) {
        snprintf(buf, buflen, "%s%lld", ev->platform == LT_PLATFORM_BIGO ? "bigo:" : "",
                 (long long)ev->as.gift_info.gift_id);
        return buf;
    }
    if (ev->type == LT_EVENT_PRICE_LIST)
        return ev->as.price_list.currency ? ev->as.price_list.currency : "";
    return ev->room_id ? ev->room_id : "";
}
