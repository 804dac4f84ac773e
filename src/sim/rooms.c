/* rooms.c - the simulator's rooms, their faults, and capture replay. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_internal.h"

int lt_sim_add_room(lt_sim *sim, const char *unique_id, double rate, char *err, size_t errlen)
{
    if (lt_sim_find_room(sim, unique_id)) {
        snprintf(err, errlen, "room %s exists", unique_id);
        return -1;
    }
    if (sim->room_count == sim->room_cap) {
        size_t cap = sim->room_cap ? sim->room_cap * 2 : 16;
        lt_sim_room *grown = realloc(sim->rooms, cap * sizeof *grown);
        if (!grown) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        sim->rooms = grown;
        sim->room_cap = cap;
    }
    uint32_t i = (uint32_t)sim->room_count++;
    lt_sim_room_init(&sim->rooms[i], i, sim->opts.seed, unique_id, 7400000000000000000LL + i, rate);
    sim->rooms[i].record_ids = sim->opts.record_ids;
    lt_sim_profile_init(&sim->rooms[i]);
    return 0;
}

int lt_sim_rooms_init(lt_sim *sim, char *err, size_t errlen)
{
    for (size_t i = 0; i < (size_t)sim->opts.rooms; i++) {
        char name[32];
        snprintf(name, sizeof name, "simhost%zu", i);
        if (lt_sim_add_room(sim, name, sim->opts.rate, err, errlen))
            return -1;
    }
    return 0;
}

void lt_sim_rooms_free(lt_sim *sim)
{
    for (size_t i = 0; i < sim->room_count; i++)
        lt_sim_room_free(&sim->rooms[i]);
    free(sim->rooms);
    free(sim->replay);
    free(sim->replay_data);
    lt_buf_free(&sim->scratch);
    for (size_t i = 0; i < sizeof sim->batch / sizeof sim->batch[0]; i++)
        lt_buf_free(&sim->batch[i].payload);
}

/* A capture: [u32 little-endian length][frame bytes], repeated. */
int lt_sim_replay_load(lt_sim *sim, char *err, size_t errlen)
{
    const char *path = sim->opts.replay_path;
    if (!path || !*path)
        return 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    sim->replay_data = malloc(size > 0 ? (size_t)size : 1);
    if (!sim->replay_data || fread(sim->replay_data, 1, (size_t)size, f) != (size_t)size) {
        fclose(f);
        snprintf(err, errlen, "%s: cannot read", path);
        return -1;
    }
    fclose(f);
    size_t cap = 0;
    for (long off = 0; off + 4 <= size;) {
        const uint8_t *d = sim->replay_data + off;
        uint32_t len = (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24;
        if (off + 4 + (long)len > size)
            break;
        if (sim->replay_count == cap) {
            cap = cap ? cap * 2 : 64;
            lt_bytes *grown = realloc(sim->replay, cap * sizeof *grown);
            if (!grown) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            sim->replay = grown;
        }
        sim->replay[sim->replay_count++] = (lt_bytes){d + 4, len};
        off += 4 + (long)len;
    }
    if (!sim->replay_count) {
        snprintf(err, errlen, "%s: no frames ([u32 LE length][bytes] records expected)", path);
        return -1;
    }
    return 0;
}

static int parse_int(const char *v, long *out)
{
    char *end;
    errno = 0;
    *out = strtol(v, &end, 10);
    return errno || end == v || *end || *out < 0 ? -1 : 0;
}

int lt_sim_configure(lt_sim *sim, const char *name, const char *key, const char *value, char *err, size_t errlen)
{
    if (name && !strcmp(name, "feed"))
        return lt_sim_feed_configure(sim, key, value, err, errlen);
    lt_sim_room *r = lt_sim_find_room(sim, name);
    if (!r) {
        snprintf(err, errlen, "no room %s", name ? name : "(none)");
        return -1;
    }
    long n = 0;
    lt_sim_faults *f = &r->faults;
    if (!strcmp(key, "state")) {
        static const char *const states[] = {"live", "offline", "not_found", "age_restricted", "captcha"};
        for (int i = 0; i < 5; i++)
            if (!strcmp(value, states[i])) {
                r->state = (lt_sim_room_state)i;
                if (i == 0)
                    r->stats.ended = false;
                return 0;
            }
        snprintf(err, errlen, "state must be live, offline, not_found, age_restricted or captcha");
        return -1;
    }
    if (!strcmp(key, "refuse")) { /* "415:DEVICE_BLOCKED" */
        const char *colon = strchr(value, ':');
        if (!colon) {
            snprintf(err, errlen, "refuse wants STATUS:MESSAGE");
            return -1;
        }
        snprintf(f->refuse_status, sizeof f->refuse_status, "%.*s", (int)(colon - value), value);
        snprintf(f->refuse_msg, sizeof f->refuse_msg, "%s", colon + 1);
        return 0;
    }
    int prc = 0;
    if (lt_sim_profile_configure(sim, r, key, value, &prc, err, errlen))
        return prc;
    if (!strcmp(key, "no_gzip")) {
        f->no_gzip = !strcmp(value, "1") || !strcmp(value, "true");
        return 0;
    }
    if (!strcmp(key, "rate")) {
        char *end;
        double rate = strtod(value, &end);
        if (*end || rate < 0) {
            snprintf(err, errlen, "rate must be a non-negative number");
            return -1;
        }
        r->rate = rate;
        return 0;
    }
    if (parse_int(value, &n)) {
        snprintf(err, errlen, "%s wants a non-negative integer, got \"%s\"", key, value);
        return -1;
    }
    if (!strcmp(key, "sign_429_first")) f->sign_429_first = (int)n;
    else if (!strcmp(key, "refuse_first")) {
        f->refuse_first = (int)n;
        if (!f->refuse_status[0]) {
            snprintf(f->refuse_status, sizeof f->refuse_status, "415");
            snprintf(f->refuse_msg, sizeof f->refuse_msg, "DEVICE_BLOCKED");
        }
    } else if (!strcmp(key, "disconnect_after")) f->disconnect_after = (int)n;
    else if (!strcmp(key, "end_after_ms")) f->end_after_ms = n;
    else if (!strcmp(key, "malformed_every")) f->malformed_every = (int)n;
    else if (!strcmp(key, "silent_after_ms")) f->silent_after_ms = n;
    else if (!strcmp(key, "resend")) f->resend = n > 16 ? 16 : (int)n;
    else if (!strcmp(key, "room_info_fail_first")) f->room_info_fail_first = (int)n;
    else if (!strcmp(key, "gift_list_garbage_first")) f->gift_list_garbage_first = (int)n;
    else if (!strcmp(key, "stream_stall_after_ms")) f->stream_stall_after_ms = n;
    else if (!strcmp(key, "stream_cut_after_ms")) f->stream_cut_after_ms = n;
    else if (!strcmp(key, "stream_expire_s")) f->stream_expire_s = n;
    else if (!strcmp(key, "stream_end_after_ms")) f->stream_end_after_ms = n;
    else if (!strcmp(key, "flood_empty")) f->flood_empty = n > 8000000 ? 8000000 : n;
    else if (!strcmp(key, "flood_unknown")) f->flood_unknown = n > 1000000 ? 1000000 : n;
    else if (!strcmp(key, "huge_garbage")) f->huge_garbage = n > 16000000 ? 16000000 : n;
    else {
        snprintf(err, errlen,
                 "unknown key %s (state, rate, sign_429_first, refuse_first, refuse, disconnect_after, "
                 "end_after_ms, malformed_every, silent_after_ms, no_gzip, resend, room_info_fail_first, "
                 "gift_list_garbage_first, flood_empty, flood_unknown, huge_garbage, stream_stall_after_ms, "
                 "stream_cut_after_ms, stream_expire_s, stream_end_after_ms; profile and price keys: "
                 "docs/simulator.md)",
                 key);
        return -1;
    }
    return 0;
}
