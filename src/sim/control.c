/* control.c - /_sim/: what tests read and change at run time.
 *
 *   GET /_sim/stats                       counters per room and in total
 *   GET /_sim/sent?room=R                 every msg_id the room sent, in order
 *   GET /_sim/fault?room=R&KEY=VALUE...   faults and state (docs/simulator.md)
 *   GET /_sim/add?unique_id=U&rate=N      a new room
 * Paths under /_sim/ cannot collide with TikTok's.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_internal.h"

static const char *state_name(lt_sim_room_state s)
{
    static const char *const names[] = {"live", "offline", "not_found", "age_restricted", "captcha"};
    return names[s];
}

static json_t *room_stats(const lt_sim_room *r)
{
    const lt_sim_room_stats *s = &r->stats;
    json_t *j = json_pack("{s:s, s:s, s:f, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b}",
                          "unique_id", r->unique_id, "state", state_name(r->state), "rate", r->rate, "sent",
                          (json_int_t)s->sent, "resent", (json_int_t)s->resent, "frames", (json_int_t)s->frames,
                          "malformed", (json_int_t)s->malformed, "connections", (json_int_t)s->connections,
                          "open", (json_int_t)s->open, "overlaps", (json_int_t)s->overlaps,
                          "refused", (json_int_t)s->refused, "sign_calls", (json_int_t)s->sign_calls, "sign_429",
                          (json_int_t)s->sign_429, "heartbeats", (json_int_t)s->heartbeats, "enter_room",
                          (json_int_t)s->enter_room, "acks_expected", (json_int_t)s->acks_expected, "acks",
                          (json_int_t)s->acks, "unknown_methods", (json_int_t)s->unknown_methods, "ended", s->ended);
    json_object_set_new(j, "room_id", json_sprintf("%lld", (long long)r->room_id));
    json_object_set_new(j, "room_info_requests", json_integer((json_int_t)s->room_info_requests));
    json_object_set_new(j, "gift_list_requests", json_integer((json_int_t)s->gift_list_requests));
    json_object_set_new(j, "profile_requests", json_integer((json_int_t)s->profile_requests));
    json_object_set_new(j, "hls_playlists", json_integer((json_int_t)s->hls_playlists));
    json_object_set_new(j, "hls_segments", json_integer((json_int_t)s->hls_segments));
    json_object_set_new(j, "profile",
                        json_pack("{s:I, s:I, s:I, s:I, s:b, s:b}", "followers",
                                  (json_int_t)r->profile.followers, "following",
                                  (json_int_t)r->profile.following, "likes", (json_int_t)r->profile.likes,
                                  "videos", (json_int_t)r->profile.videos, "verified", r->profile.verified,
                                  "private", r->profile.private_account));
    json_object_set_new(j, "hostile_frames", json_integer((json_int_t)s->hostile_frames));
    json_object_set_new(j, "end_acked", json_boolean(s->end_acked));
    json_object_set_new(j, "last_close_code", json_integer(s->last_close_code));
    return j;
}

int lt_sim_control(struct lws *wsi, lt_sim *sim, pss *p, const char *what)
{
    char room[96], err[512];
    lt_sim_arg(wsi, "room", room, sizeof room);
    if (!strcmp(what, "stats")) {
        json_t *rooms = json_array();
        uint64_t sent = 0, frames = 0, connections = 0;
        for (size_t i = 0; i < sim->room_count; i++) {
            json_array_append_new(rooms, room_stats(&sim->rooms[i]));
            sent += sim->rooms[i].stats.sent;
            frames += sim->rooms[i].stats.frames;
            connections += sim->rooms[i].stats.connections;
        }
        json_t *body =
            json_pack("{s:o, s:{s:I, s:I, s:I, s:I, s:I, s:I}}", "rooms", rooms, "totals", "sent",
                      (json_int_t)sent, "frames", (json_int_t)frames, "connections", (json_int_t)connections,
                      "sign_calls", (json_int_t)sim->sign_calls, "sign_429", (json_int_t)sim->sign_429,
                      "price_requests", (json_int_t)sim->price_requests);
        json_object_set_new(json_object_get(body, "totals"), "feed_requests",
                            json_integer((json_int_t)sim->feed.requests));
        return lt_sim_respond_json(wsi, p, 200, body, NULL);
    }
    if (!strcmp(what, "sent")) {
        lt_sim_room *r = lt_sim_find_room(sim, room);
        if (!r)
            return lt_sim_respond_json(wsi, p, 404, json_pack("{s:s}", "error", "no such room"), NULL);
        if (!r->record_ids)
            return lt_sim_respond_json(wsi, p, 409,
                                       json_pack("{s:s}", "error", "started without --record-ids"), NULL);
        json_t *ids = json_array();
        for (size_t i = 0; i < r->id_count; i++)
            json_array_append_new(ids, json_integer(r->ids[i]));
        json_t *body = json_pack("{s:o}", "msg_ids", ids);
        json_object_set_new(body, "room_id", json_sprintf("%lld", (long long)r->room_id));
        return lt_sim_respond_json(wsi, p, 200, body, NULL);
    }
    if (!strcmp(what, "fault")) {
        char frag[256];
        int applied = 0;
        for (int i = 0; lws_hdr_copy_fragment(wsi, frag, sizeof frag, WSI_TOKEN_HTTP_URI_ARGS, i) > 0; i++) {
            char *eq = strchr(frag, '=');
            if (!eq || !strncmp(frag, "room=", 5))
                continue;
            *eq = '\0';
            if (lt_sim_configure(sim, room, frag, eq + 1, err, sizeof err))
                return lt_sim_respond_json(wsi, p, 400, json_pack("{s:s}", "error", err), NULL);
            applied++;
        }
        lt_sim_room *r = lt_sim_find_room(sim, room);
        return lt_sim_respond_json(
            wsi, p, 200, json_pack("{s:i, s:o}", "applied", applied, "room", r ? room_stats(r) : json_null()),
            NULL);
    }
    if (!strcmp(what, "add")) {
        char uid[64], rate[32];
        lt_sim_arg(wsi, "unique_id", uid, sizeof uid);
        lt_sim_arg(wsi, "rate", rate, sizeof rate);
        if (!uid[0])
            return lt_sim_respond_json(wsi, p, 400, json_pack("{s:s}", "error", "unique_id is required"),
                                       NULL);
        if (lt_sim_add_room(sim, uid, rate[0] ? atof(rate) : sim->opts.rate, err, sizeof err))
            return lt_sim_respond_json(wsi, p, 409, json_pack("{s:s}", "error", err), NULL);
        return lt_sim_respond_json(wsi, p, 200, room_stats(lt_sim_find_room(sim, uid)), NULL);
    }
    return lt_sim_respond_json(
        wsi, p, 404, json_pack("{s:s}", "error", "unknown /_sim/ path (stats, sent, fault, add)"), NULL);
}
