/* Room info and gift list answers -> room_info / gift_info events, with
 * hand-written bodies in the shape webcast.tiktok.com answers (good, fields
 * missing, wrong types, garbage, huge), and the process-wide gift memory
 * that keeps 10,000 rooms from publishing one catalogue 10,000 times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tiktok/info.h"
#include "tiktok/resolver.h"

#define ROOM "7340691647148018438"

static const char room_full[] =
    "{\"data\":{\"id\":7340691647148018438,\"id_str\":\"7340691647148018438\",\"status\":2,"
    "\"title\":\"late night chat <3\",\"create_time\":1709140000,\"user_count\":1234,"
    "\"owner\":{\"id\":6947079842795406341,\"id_str\":\"6947079842795406341\",\"display_id\":\"kylleehall\","
    "\"nickname\":\"Kyllee \xe2\x9c\xa8\",\"follow_info\":{\"follower_count\":98765,\"following_count\":12,"
    "\"follow_status\":0},"
    "\"avatar_thumb\":{\"uri\":\"a\",\"url_list\":[\"https://p16.example/thumb.webp\",\"https://p19/x\"]},"
    "\"avatar_large\":{\"url_list\":[\"https://p16.example/large.webp\"]}},"
    "\"stats\":{\"total_user\":45678,\"like_count\":99000,\"enter_count\":45678},"
    "\"age_restricted\":{\"restricted\":false},"
    "\"stream_url\":{\"flv_pull_url\":{\"HD1\":\"https://pull.example/s_hd.flv\","
    "\"FULL_HD1\":\"https://pull.example/s_or4.flv\",\"SD1\":\"https://pull.example/s_sd.flv\"},"
    "\"hls_pull_url_map\":{\"SD1\":\"https://pull.example/s_sd/index.m3u8\",\"SD2\":\"https://pull.example/s_ld/index.m3u8\"},"
    "\"hls_pull_url\":\"https://pull.example/s/index.m3u8\",\"rtmp_pull_url\":\"https://pull.example/s_rtmp.flv\"}},"
    "\"extra\":{\"now\":1709140600000},\"status_code\":0}";

static void parse(const char *body, size_t len, long status, lt_tiktok_resolution *res,
                  lt_tiktok_room_details *d)
{
    lt_tiktok_parse_room_details(status, body, len, ROOM, res, d);
}

static void room_info_maps_every_field(void **state)
{
    (void)state;
    lt_tiktok_resolution res;
    lt_tiktok_room_details d;
    parse(room_full, strlen(room_full), 200, &res, &d);
    assert_int_equal(res.outcome, LT_TIKTOK_RESOLVE_LIVE);

    lt_user owner;
    lt_event ev;
    lt_tiktok_room_info_event(&d, ROOM, "c1", 1709140600123LL, &owner, &ev);
    assert_int_equal(ev.type, LT_EVENT_ROOM_INFO);
    assert_int_equal(ev.platform, LT_PLATFORM_TIKTOK);
    assert_string_equal(ev.room_id, ROOM);
    assert_string_equal(ev.collector_id, "c1");
    assert_int_equal(ev.msg_id, 0);
    assert_int_equal(ev.event_time, 1709140600123LL);
    const lt_room_info *ri = &ev.as.room_info;
    assert_string_equal(ri->title, "late night chat <3");
    assert_int_equal(ri->status, 2);
    assert_int_equal(ri->viewer_count, 1234);
    assert_int_equal(ri->total_user, 45678);
    assert_int_equal(ri->like_count, 99000);
    assert_true(ri->start_time.present);
    assert_int_equal(ri->start_time.value, 1709140000000LL); /* seconds -> ms */
    assert_string_equal(ri->stream_url, "https://pull.example/s_or4.flv"); /* the best FLV */
    /* every quality with a URL, best first; HLS-only SD2 included */
    assert_int_equal(ri->stream_count, 4);
    assert_string_equal(ri->streams[0].quality, "FULL_HD1");
    assert_string_equal(ri->streams[0].flv, "https://pull.example/s_or4.flv");
    assert_null(ri->streams[0].hls);
    assert_string_equal(ri->streams[1].quality, "HD1");
    assert_string_equal(ri->streams[2].quality, "SD1");
    assert_string_equal(ri->streams[2].flv, "https://pull.example/s_sd.flv");
    assert_string_equal(ri->streams[2].hls, "https://pull.example/s_sd/index.m3u8");
    assert_string_equal(ri->streams[3].quality, "SD2");
    assert_null(ri->streams[3].flv);
    assert_string_equal(ri->streams[3].hls, "https://pull.example/s_ld/index.m3u8");
    assert_false(ri->age_restricted);
    assert_non_null(ri->owner);
    assert_ptr_equal(ri->owner, &owner);
    assert_int_equal(owner.id, 6947079842795406341LL);
    assert_string_equal(owner.unique_id, "kylleehall");
    assert_string_equal(owner.nickname, "Kyllee \xe2\x9c\xa8");
    assert_string_equal(owner.avatar_url, "https://p16.example/thumb.webp");
    assert_int_equal(owner.follower_count, 98765);
    assert_int_equal(owner.following_count, 12);
    assert_true(owner.is_anchor);
    assert_false(owner.is_follower);
    assert_int_equal(owner.badge_count, 0);
}

static void room_info_stream_url_fallbacks(void **state)
{
    (void)state;
    lt_tiktok_resolution res;
    lt_tiktok_room_details d;
    const char only_sd[] = "{\"data\":{\"status\":2,\"title\":\"t\",\"stream_url\":{\"flv_pull_url\":"
                           "{\"SD2\":\"https://p/ld.flv\",\"SD1\":\"https://p/sd.flv\"}}},\"status_code\":0}";
    parse(only_sd, sizeof only_sd - 1, 200, &res, &d);
    assert_string_equal(d.stream_url, "https://p/sd.flv");

    const char rtmp_only[] = "{\"data\":{\"status\":2,\"title\":\"t\",\"stream_url\":"
                             "{\"rtmp_pull_url\":\"https://p/r.flv\",\"flv_pull_url\":[]}},\"status_code\":0}";
    parse(rtmp_only, sizeof rtmp_only - 1, 200, &res, &d);
    assert_string_equal(d.stream_url, "https://p/r.flv");

    /* start_time wins over create_time; milliseconds stay milliseconds */
    const char ms[] = "{\"data\":{\"status\":4,\"title\":\"t\",\"start_time\":1709140000555,"
                      "\"create_time\":1},\"status_code\":0}";
    parse(ms, sizeof ms - 1, 200, &res, &d);
    assert_int_equal(res.outcome, LT_TIKTOK_RESOLVE_OFFLINE);
    assert_int_equal(d.start_time_ms, 1709140000555LL);
    assert_int_equal(d.status, 4);
}

static void room_info_missing_fields(void **state)
{
    (void)state;
    lt_tiktok_resolution res;
    lt_tiktok_room_details d;
    const char body[] = "{\"data\":{\"status\":2,\"id_str\":\"" ROOM "\"},\"status_code\":0}";
    parse(body, sizeof body - 1, 200, &res, &d);
    assert_int_equal(res.outcome, LT_TIKTOK_RESOLVE_LIVE);
    lt_user owner;
    lt_event ev;
    lt_tiktok_room_info_event(&d, ROOM, "c1", 5, &owner, &ev);
    assert_string_equal(ev.as.room_info.title, "");
    assert_null(ev.as.room_info.owner);
    assert_null(ev.as.room_info.stream_url);
    assert_false(ev.as.room_info.start_time.present);
    assert_int_equal(ev.as.room_info.viewer_count, 0);
    assert_int_equal(ev.as.room_info.total_user, 0);
    assert_int_equal(ev.as.room_info.like_count, 0);
}

static void room_info_wrong_types(void **state)
{
    (void)state;
    lt_tiktok_resolution res;
    lt_tiktok_room_details d;
    /* numbers as strings are TikTok's habit and read; everything else is absent */
    const char body[] =
        "{\"data\":{\"status\":\"2\",\"title\":42,\"user_count\":\"77\",\"stats\":[1,2],"
        "\"create_time\":\"soon\",\"age_restricted\":\"yes\","
        "\"owner\":{\"id\":\"not a number\",\"display_id\":7,\"nickname\":null,\"follow_info\":\"x\","
        "\"avatar_thumb\":{\"url_list\":[3]},\"avatar_medium\":{\"url_list\":\"https://x\"}},"
        "\"stream_url\":{\"flv_pull_url\":{\"FULL_HD1\":5,\"HD1\":{}},\"rtmp_pull_url\":[]}},\"status_code\":0}";
    parse(body, sizeof body - 1, 200, &res, &d);
    assert_int_equal(res.outcome, LT_TIKTOK_RESOLVE_LIVE);
    assert_int_equal(d.status, 2);
    assert_string_equal(d.title, "");
    assert_int_equal(d.viewer_count, 77);
    assert_int_equal(d.total_user, 0);
    assert_int_equal(d.start_time_ms, 0);
    assert_false(d.age_restricted);
    assert_true(d.has_owner);
    assert_int_equal(d.owner_id, 0);
    assert_string_equal(d.owner_unique_id, "");
    assert_string_equal(d.owner_nickname, "");
    assert_string_equal(d.owner_avatar_url, "");
    assert_string_equal(d.stream_url, "");

    /* an owner that is not an object is no owner */
    const char str_owner[] = "{\"data\":{\"status\":2,\"title\":\"t\",\"owner\":\"someone\"},\"status_code\":0}";
    parse(str_owner, sizeof str_owner - 1, 200, &res, &d);
    assert_false(d.has_owner);
}

static void room_info_rejects_what_is_not_a_room(void **state)
{
    (void)state;
    lt_tiktok_resolution res;
    lt_tiktok_room_details d;
    parse(room_full, strlen(room_full), 500, &res, &d);
    assert_int_equal(res.outcome, LT_TIKTOK_RESOLVE_FAILED);
    assert_string_equal(d.title, ""); /* details untouched by a refusal */
    parse(room_full, strlen(room_full), 429, &res, &d);
    assert_int_equal(res.outcome, LT_TIKTOK_RESOLVE_BLOCKED);
    parse(room_full, strlen(room_full), 404, &res, &d);
    assert_int_equal(res.outcome, LT_TIKTOK_RESOLVE_NOT_FOUND);

    static const char *const bad[] = {
        "", "<html>Access Denied</html>", "{\"data\":", "[1,2,3]", "null",
        "{\"data\":{\"message\":\"room not found\"},\"status_code\":30003}",
        "{\"data\":{\"message\":\"Request params error\",\"prompts\":\"Request params error\"},\"status_code\":10011}",
        "{\"data\":\"x\",\"status_code\":0}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        parse(bad[i], strlen(bad[i]), 200, &res, &d);
        assert_true(res.outcome != LT_TIKTOK_RESOLVE_LIVE && res.outcome != LT_TIKTOK_RESOLVE_OFFLINE);
        assert_false(d.has_owner);
    }
    /* huge and deeply nested: jansson refuses the depth, nothing crashes */
    size_t n = 1 << 20;
    char *huge = malloc(n);
    assert_non_null(huge);
    memset(huge, '[', n);
    parse(huge, n, 200, &res, &d);
    assert_int_equal(res.outcome, LT_TIKTOK_RESOLVE_FAILED);
    free(huge);
}

static void room_info_bounds_strings(void **state)
{
    (void)state;
    /* a 600-byte title of 2-byte characters is cut at a character boundary;
     * a URL too long for its buffer is dropped, never cut */
    char body[8192];
    char title[601], url[1500];
    for (size_t i = 0; i < 600; i += 2)
        memcpy(title + i, "\xc3\xa9", 2);
    title[600] = '\0';
    memset(url, 'a', sizeof url - 1);
    memcpy(url, "https://", 8);
    url[sizeof url - 1] = '\0';
    snprintf(body, sizeof body,
             "{\"data\":{\"status\":2,\"title\":\"%s\",\"stream_url\":{\"flv_pull_url\":{\"FULL_HD1\":\"%s\","
             "\"HD1\":\"https://p/hd.flv\"}}},\"status_code\":0}", title, url);
    lt_tiktok_resolution res;
    lt_tiktok_room_details d;
    parse(body, strlen(body), 200, &res, &d);
    size_t len = strlen(d.title);
    assert_true(len > 200 && len < sizeof d.title);
    assert_int_equal(len % 2, 0);
    assert_int_equal(memcmp(d.title, title, len), 0);
    assert_string_equal(d.stream_url, "https://p/hd.flv");
    assert_string_equal(res.title, d.title); /* the resolver's copy is cut the same way */
}

/* --- gift list --- */

typedef struct gifts_seen {
    size_t n;
    int64_t ids[8];
    char names[8][64];
    int32_t diamonds[8], types[8];
    bool streakable[8];
    char images[8][128];
    bool has_image[8];
} gifts_seen;

static void collect(void *ctx, const lt_gift_info *g)
{
    gifts_seen *s = ctx;
    if (s->n >= 8) {
        s->n++;
        return;
    }
    s->ids[s->n] = g->gift_id;
    snprintf(s->names[s->n], sizeof s->names[0], "%s", g->name);
    s->diamonds[s->n] = g->diamond_count;
    s->types[s->n] = g->gift_type;
    s->streakable[s->n] = g->streakable;
    s->has_image[s->n] = g->image_url != NULL;
    snprintf(s->images[s->n], sizeof s->images[0], "%s", g->image_url ? g->image_url : "");
    s->n++;
}

static void gift_list_parses(void **state)
{
    (void)state;
    const char body[] =
        "{\"data\":{\"gifts\":["
        "{\"id\":5655,\"name\":\"Rose\",\"diamond_count\":1,\"type\":1,\"combo\":true,"
        "\"image\":{\"uri\":\"u\",\"url_list\":[\"https://img/5655.webp\"]}},"
        "{\"id\":\"6369\",\"name\":\"Lion\",\"diamond_count\":\"29999\",\"type\":2,"
        "\"icon\":{\"url_list\":[\"https://img/6369-icon.webp\"]}},"
        "{\"id\":11046,\"name\":\"Galaxy\",\"diamond_count\":1000,\"type\":2}"
        "]},\"extra\":{\"now\":1},\"status_code\":0}";
    gifts_seen s = {0};
    size_t skipped = 99;
    char err[256];
    assert_int_equal(lt_tiktok_parse_gift_list(200, body, sizeof body - 1, collect, &s, &skipped, err, sizeof err), 3);
    assert_int_equal(skipped, 0);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.ids[0], 5655);
    assert_string_equal(s.names[0], "Rose");
    assert_int_equal(s.diamonds[0], 1);
    assert_int_equal(s.types[0], 1);
    assert_true(s.streakable[0]);
    assert_string_equal(s.images[0], "https://img/5655.webp");
    assert_int_equal(s.ids[1], 6369);
    assert_int_equal(s.diamonds[1], 29999);
    assert_false(s.streakable[1]);
    assert_string_equal(s.images[1], "https://img/6369-icon.webp"); /* icon when no image */
    assert_false(s.has_image[2]);
}

static void gift_list_skips_bad_entries(void **state)
{
    (void)state;
    char body[4096];
    char long_name[400];
    memset(long_name, 'x', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    snprintf(body, sizeof body,
             "{\"data\":{\"gifts\":[7,\"rose\",null,{\"id\":0,\"name\":\"zero\"},{\"id\":-5,\"name\":\"neg\"},"
             "{\"name\":\"no id\"},{\"id\":1,\"name\":\"\"},{\"id\":2,\"name\":42},{\"id\":3},"
             "{\"id\":4,\"name\":\"%s\"},{\"id\":5,\"name\":\"ok\",\"diamond_count\":-3,\"type\":\"x\","
             "\"image\":{\"url_list\":[{}]}},{\"id\":6,\"name\":\"big\",\"diamond_count\":99999999999}]},"
             "\"status_code\":0}", long_name);
    gifts_seen s = {0};
    size_t skipped = 0;
    char err[256];
    assert_int_equal(lt_tiktok_parse_gift_list(200, body, strlen(body), collect, &s, &skipped, err, sizeof err), 2);
    assert_int_equal(skipped, 10);
    assert_int_equal(s.ids[0], 5);
    assert_int_equal(s.diamonds[0], 0); /* negative price clamps to 0 */
    assert_int_equal(s.types[0], 0);
    assert_false(s.has_image[0]);
    assert_int_equal(s.ids[1], 6);
    assert_int_equal(s.diamonds[1], INT32_MAX); /* int32 in the schema */
}

static void gift_list_rejects_unusable_answers(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "not json", "{\"data\":{\"gifts\":[", "[]", "{\"data\":{}}", "{\"data\":{\"gifts\":{}}}",
        "{\"data\":{\"gifts\":[{\"id\":1,\"name\":\"a\"}]},\"status_code\":10011}", "{\"data\":[]}",
    };
    gifts_seen s = {0};
    char err[256];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(lt_tiktok_parse_gift_list(200, bad[i], strlen(bad[i]), collect, &s, NULL, err, sizeof err), -1);
        assert_true(err[0] != '\0');
    }
    const char ok[] = "{\"data\":{\"gifts\":[{\"id\":1,\"name\":\"a\"}]},\"status_code\":0}";
    assert_int_equal(lt_tiktok_parse_gift_list(503, ok, sizeof ok - 1, collect, &s, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "503"));
    assert_int_equal(s.n, 0);
}

static void gift_list_is_bounded(void **state)
{
    (void)state;
    size_t total = LT_TIKTOK_GIFT_LIST_MAX + 1000;
    size_t cap = total * 40 + 64;
    char *body = malloc(cap);
    assert_non_null(body);
    size_t used = (size_t)snprintf(body, cap, "{\"data\":{\"gifts\":[");
    for (size_t i = 0; i < total; i++)
        used += (size_t)snprintf(body + used, cap - used, "%s{\"id\":%zu,\"name\":\"g\"}", i ? "," : "", i + 1);
    used += (size_t)snprintf(body + used, cap - used, "]},\"status_code\":0}");
    gifts_seen s = {0};
    size_t skipped = 0;
    char err[256];
    assert_int_equal(lt_tiktok_parse_gift_list(200, body, used, collect, &s, &skipped, err, sizeof err),
                     LT_TIKTOK_GIFT_LIST_MAX);
    assert_int_equal(s.n, LT_TIKTOK_GIFT_LIST_MAX);
    assert_int_equal(skipped, 1000);
    free(body);
}

static void gift_event_and_hash(void **state)
{
    (void)state;
    lt_gift_info g = {.gift_id = 5655, .name = "Rose", .diamond_count = 1, .gift_type = 1,
                      .streakable = true, .image_url = "https://img/5655.webp"};
    lt_event ev;
    lt_tiktok_gift_info_event(&g, ROOM, "c1", 42, &ev);
    assert_int_equal(ev.type, LT_EVENT_GIFT_INFO);
    assert_string_equal(ev.room_id, ROOM);
    assert_int_equal(ev.event_time, 42);
    assert_int_equal(ev.as.gift_info.gift_id, 5655);
    assert_string_equal(ev.as.gift_info.name, "Rose");
    assert_string_equal(ev.as.gift_info.image_url, "https://img/5655.webp");

    uint64_t h = lt_tiktok_gift_hash(&g);
    lt_gift_info c = g;
    assert_int_equal(lt_tiktok_gift_hash(&c), h);
    c.name = "Rose ";
    assert_true(lt_tiktok_gift_hash(&c) != h);
    c = g;
    c.diamond_count = 2;
    assert_true(lt_tiktok_gift_hash(&c) != h);
    c = g;
    c.gift_type = 2;
    assert_true(lt_tiktok_gift_hash(&c) != h);
    c = g;
    c.image_url = NULL;
    assert_true(lt_tiktok_gift_hash(&c) != h);
    c = g;
    c.gift_id = 5656;
    assert_true(lt_tiktok_gift_hash(&c) != h);
    /* the string boundary counts: ("ab", "c") is not ("a", "bc") */
    lt_gift_info x = {.gift_id = 1, .name = "ab", .image_url = "c"};
    lt_gift_info y = {.gift_id = 1, .name = "a", .image_url = "bc"};
    assert_true(lt_tiktok_gift_hash(&x) != lt_tiktok_gift_hash(&y));
}

static void gift_memory_publishes_only_news(void **state)
{
    (void)state;
    lt_tiktok_gift_memory *m = lt_tiktok_gift_memory_create(100);
    assert_non_null(m);
    assert_true(lt_tiktok_gift_memory_update(m, 5655, 1));
    assert_false(lt_tiktok_gift_memory_update(m, 5655, 1)); /* another room, same gift */
    assert_true(lt_tiktok_gift_memory_update(m, 5655, 2));  /* the price changed */
    assert_false(lt_tiktok_gift_memory_update(m, 5655, 2));
    assert_int_equal(lt_tiktok_gift_memory_count(m), 1);
    lt_tiktok_gift_memory_forget(m, 5655);                   /* its publication failed */
    assert_true(lt_tiktok_gift_memory_update(m, 5655, 2));

    /* many ids (colliding probe runs), then forget every other one: the
     * rest must still be found (backward-shift deletion) */
    for (int64_t id = 1; id <= 90; id++)
        lt_tiktok_gift_memory_update(m, id * 64, (uint64_t)id);
    for (int64_t id = 1; id <= 90; id += 2)
        lt_tiktok_gift_memory_forget(m, id * 64);
    for (int64_t id = 2; id <= 90; id += 2)
        assert_false(lt_tiktok_gift_memory_update(m, id * 64, (uint64_t)id));
    for (int64_t id = 1; id <= 90; id += 2)
        assert_true(lt_tiktok_gift_memory_update(m, id * 64, (uint64_t)id));
    lt_tiktok_gift_memory_destroy(m);
}

static void gift_memory_is_bounded(void **state)
{
    (void)state;
    lt_tiktok_gift_memory *m = lt_tiktok_gift_memory_create(10);
    assert_non_null(m);
    for (int64_t id = 1; id <= 10; id++)
        assert_true(lt_tiktok_gift_memory_update(m, id, 7));
    assert_int_equal(lt_tiktok_gift_memory_count(m), 10);
    assert_false(lt_tiktok_gift_memory_update(m, 3, 7));
    /* the 11th gift: the memory starts over instead of growing */
    assert_true(lt_tiktok_gift_memory_update(m, 11, 7));
    assert_int_equal(lt_tiktok_gift_memory_count(m), 1);
    assert_true(lt_tiktok_gift_memory_update(m, 3, 7));
    assert_true(lt_tiktok_gift_memory_update(m, -1, 7)); /* no id: never remembered */
    assert_int_equal(lt_tiktok_gift_memory_count(m), 2);
    lt_tiktok_gift_memory_destroy(m);
}

static void gift_list_url(void **state)
{
    (void)state;
    char url[2048];
    assert_int_equal(lt_tiktok_gift_list_url("http://127.0.0.1:1", ROOM, url, sizeof url), 0);
    assert_non_null(strstr(url, "http://127.0.0.1:1/webcast/gift/list/?"));
    assert_non_null(strstr(url, "aid=1988"));
    assert_non_null(strstr(url, "&room_id=" ROOM));
    assert_int_equal(lt_tiktok_gift_list_url(NULL, ROOM, url, 40), -1);
    assert_int_equal(lt_tiktok_gift_list_url(NULL, ROOM, url, sizeof url), 0);
    assert_int_equal(strncmp(url, "https://webcast.tiktok.com/webcast/gift/list/", 45), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(room_info_maps_every_field),
        cmocka_unit_test(room_info_stream_url_fallbacks),
        cmocka_unit_test(room_info_missing_fields),
        cmocka_unit_test(room_info_wrong_types),
        cmocka_unit_test(room_info_rejects_what_is_not_a_room),
        cmocka_unit_test(room_info_bounds_strings),
        cmocka_unit_test(gift_list_parses),
        cmocka_unit_test(gift_list_skips_bad_entries),
        cmocka_unit_test(gift_list_rejects_unusable_answers),
        cmocka_unit_test(gift_list_is_bounded),
        cmocka_unit_test(gift_event_and_hash),
        cmocka_unit_test(gift_memory_publishes_only_news),
        cmocka_unit_test(gift_memory_is_bounded),
        cmocka_unit_test(gift_list_url),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
