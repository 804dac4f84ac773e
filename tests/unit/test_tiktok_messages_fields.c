/* test_tiktok_messages_fields.c - fields at the numbers the platform sends
 * them, in bytes written by hand rather than with proto/webcast.proto.
 *
 * Packing with our own .proto cannot catch a wrong field number: it writes
 * what it reads. These payloads follow the platform's layout as the peers'
 * published schemas give it (tests/conformance checks the same against those
 * schemas), so each test fails if livetap reads a field from another number
 * or drops it: the fields issue 16 found dropped or misread (goal pin and
 * progress, barrage user, poll votes and results, shopping product id, like
 * effects and text, the raw social action, viewer popularity, chat mentions,
 * battles' anchors and teams, link contents, users' sec_uid).
 */
#include "unit/tiktok_test_util.h"

/* A protobuf message being written: fields appended in any order. */
typedef struct pbw {
    uint8_t buf[1024];
    size_t len;
} pbw;

static void put_varint(pbw *w, uint64_t v)
{
    do {
        assert_true(w->len < sizeof w->buf);
        w->buf[w->len++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
}

static void put_int(pbw *w, uint32_t field, int64_t v)
{
    put_varint(w, (uint64_t)field << 3);
    put_varint(w, (uint64_t)v);
}

static void put_bytes(pbw *w, uint32_t field, const void *data, size_t len)
{
    put_varint(w, (uint64_t)field << 3 | 2);
    put_varint(w, len);
    assert_true(w->len + len <= sizeof w->buf);
    memcpy(w->buf + w->len, data, len);
    w->len += len;
}

static void put_str(pbw *w, uint32_t field, const char *s)
{
    put_bytes(w, field, s, strlen(s));
}

static void put_msg(pbw *w, uint32_t field, const pbw *m)
{
    put_bytes(w, field, m->buf, m->len);
}

static json_t *feed(tt_fixture *fx, const char *method, const pbw *w)
{
    size_t before = json_array_size(fx->events);
    assert_int_equal(tt_feed_raw(fx, method, w->buf, w->len), 0);
    assert_int_equal(json_array_size(fx->events), before + 1);
    return json_array_get(fx->events, before);
}

/* User {1 id, 3 nickname, 38 display_id, 46 sec_uid} */
static pbw user(int64_t id, const char *nickname)
{
    pbw u = {.len = 0};
    put_int(&u, 1, id);
    put_str(&u, 3, nickname);
    put_str(&u, 38, nickname);
    put_str(&u, 46, "MS4wLjABAAAA-sec");
    return u;
}

static void goal_pin_and_progress(void **state)
{
    tt_fixture *fx = *state;
    pbw sub = {.len = 0}, goal = {.len = 0}, pin = {.len = 0}, m = {.len = 0};
    put_int(&sub, 2, 501), put_int(&sub, 3, 40), put_int(&sub, 4, 100); /* id, progress, target */
    put_int(&goal, 1, 9001), put_msg(&goal, 4, &sub), put_str(&goal, 5, "100 roses");
    put_int(&pin, 1, 1);                                                 /* pin_info.pin */
    put_msg(&m, 3, &goal), put_int(&m, 4, 21), put_msg(&m, 15, &pin);
    json_t *ev = feed(fx, "WebcastGoalUpdateMessage", &m);
    assert_string_equal(TT_TYPE(ev), "goal_update");
    assert_true(TT_BOOL(ev, "pin"));
    assert_false(TT_BOOL(ev, "unpin"));
    assert_int_equal(TT_INT(ev, "progress"), 40);
    assert_int_equal(TT_INT(ev, "target"), 100);
    json_t *sg = json_array_get(json_object_get(ev, "sub_goals"), 0);
    assert_int_equal(TT_INT(sg, "id"), 501);
    assert_int_equal(TT_INT(sg, "target"), 100);

    pbw unpin = {.len = 0}, m2 = {.len = 0};
    put_int(&unpin, 2, 1);
    put_msg(&m2, 15, &unpin);
    ev = feed(fx, "WebcastGoalUpdateMessage", &m2);
    assert_false(TT_BOOL(ev, "pin"));
    assert_true(TT_BOOL(ev, "unpin"));
    assert_true(json_is_null(json_object_get(ev, "progress")));
}

static void barrage_user_at_50(void **state)
{
    tt_fixture *fx = *state;
    pbw u = user(77, "carol"), text = {.len = 0}, m = {.len = 0};
    put_str(&text, 1, "ttlive_superfan_join"), put_str(&text, 2, "a super fan joined");
    put_int(&m, 3, 4), put_msg(&m, 5, &text), put_msg(&m, 50, &u);
    json_t *ev = feed(fx, "WebcastBarrageMessage", &m);
    assert_string_equal(TT_TYPE(ev), "barrage");
    json_t *ju = json_object_get(ev, "user");
    assert_int_equal(TT_INT(ju, "id"), 77);
    assert_string_equal(TT_STR(ju, "nickname"), "carol");
    assert_string_equal(TT_STR(ju, "sec_uid"), "MS4wLjABAAAA-sec");
}

/* PollOptionInfo {1 votes, 2 display_content, 3 option_idx} */
static pbw poll_option(int64_t votes, const char *text, int32_t idx)
{
    pbw o = {.len = 0};
    put_int(&o, 1, votes), put_str(&o, 2, text), put_int(&o, 3, idx);
    return o;
}

static void poll_votes_and_results(void **state)
{
    tt_fixture *fx = *state;
    pbw yes = poll_option(7, "Yes", 0), no = poll_option(3, "No", 1);
    pbw start = {.len = 0}, m = {.len = 0};
    put_str(&start, 4, "Pizza?"), put_msg(&start, 3, &yes), put_msg(&start, 3, &no);
    put_int(&m, 3, 66), put_msg(&m, 4, &start);
    json_t *ev = feed(fx, "WebcastPollMessage", &m);
    assert_string_equal(TT_TYPE(ev), "poll");
    assert_string_equal(json_string_value(json_array_get(json_object_get(ev, "options"), 1)), "No");
    json_t *v = json_array_get(json_object_get(ev, "option_votes"), 0);
    assert_int_equal(TT_INT(v, "votes"), 7);
    assert_string_equal(TT_STR(v, "text"), "Yes");
    assert_int_equal(TT_INT(json_array_get(json_object_get(ev, "option_votes"), 1), "index"), 1);

    /* update (field 6): newer votes */
    pbw yes2 = poll_option(12, "Yes", 0), upd = {.len = 0}, m2 = {.len = 0};
    put_msg(&upd, 2, &yes2);
    put_int(&m2, 2, 2), put_int(&m2, 3, 66), put_msg(&m2, 6, &upd);
    ev = feed(fx, "WebcastPollMessage", &m2);
    assert_string_equal(TT_STR(ev, "action"), "update");
    assert_int_equal(TT_INT(json_array_get(json_object_get(ev, "option_votes"), 0), "votes"), 12);

    /* end (field 5): the final votes, no longer raw bytes */
    pbw fin = poll_option(20, "No", 1), end = {.len = 0}, m3 = {.len = 0};
    put_int(&end, 1, 2), put_msg(&end, 2, &fin);
    put_int(&m3, 2, 1), put_int(&m3, 3, 66), put_msg(&m3, 5, &end);
    ev = feed(fx, "WebcastPollMessage", &m3);
    assert_string_equal(TT_STR(ev, "action"), "end");
    json_t *r = json_array_get(json_object_get(ev, "results"), 0);
    assert_int_equal(TT_INT(r, "votes"), 20);
    assert_string_equal(TT_STR(r, "text"), "No");
    assert_int_equal(TT_INT(ev, "end_type"), 2);
}

static void shopping_like_social_viewers(void **state)
{
    tt_fixture *fx = *state;
    pbw prod = {.len = 0}, shop = {.len = 0};
    put_str(&prod, 1, "Mug"), put_str(&prod, 2, "$9.99"), put_int(&prod, 6, 1234567890123LL);
    put_msg(&shop, 4, &prod);
    json_t *ev = feed(fx, "WebcastOecLiveShoppingMessage", &shop);
    assert_string_equal(TT_TYPE(ev), "shopping");
    assert_int_equal(TT_INT(ev, "product_id"), 1234567890123LL);

    pbw text = {.len = 0}, common = {.len = 0}, u = user(5, "dave"), like = {.len = 0};
    put_str(&text, 1, "pm_mt_msg_viewer"), put_str(&text, 2, "{0:user} liked the LIVE");
    pbw piece = {.len = 0}, piece_user = {.len = 0};
    put_msg(&piece_user, 1, &u);
    put_int(&piece, 1, 11), put_msg(&piece, 21, &piece_user);
    put_msg(&text, 4, &piece);
    put_int(&common, 2, 4242), put_msg(&common, 8, &text);
    put_msg(&like, 1, &common), put_int(&like, 2, 15), put_int(&like, 3, 900), put_msg(&like, 5, &u);
    put_int(&like, 9, 3);
    ev = feed(fx, "WebcastLikeMessage", &like);
    assert_string_equal(TT_TYPE(ev), "like");
    assert_int_equal(TT_INT(ev, "effect_cnt"), 3);
    assert_string_equal(TT_STR(ev, "display_text"), "dave liked the LIVE");
    assert_string_equal(TT_STR(json_object_get(ev, "user"), "sec_uid"), "MS4wLjABAAAA-sec");

    pbw social = {.len = 0};
    put_msg(&social, 2, &u), put_int(&social, 4, 7);
    ev = feed(fx, "WebcastSocialMessage", &social);
    assert_string_equal(TT_TYPE(ev), "social");
    assert_int_equal(TT_INT(ev, "action_code"), 7);
    assert_string_equal(TT_STR(ev, "action"), "other");

    pbw seq = {.len = 0};
    put_int(&seq, 3, 120), put_int(&seq, 6, 5000), put_int(&seq, 7, 3000), put_int(&seq, 8, 12);
    ev = feed(fx, "WebcastRoomUserSeqMessage", &seq);
    assert_string_equal(TT_TYPE(ev), "viewers");
    assert_int_equal(TT_INT(ev, "popularity"), 5000);
    assert_int_equal(TT_INT(ev, "anonymous"), 12);
    assert_int_equal(TT_INT(ev, "total_user"), 3000);
}

static void chat_mention(void **state)
{
    tt_fixture *fx = *state;
    pbw from = user(1, "erin"), to = user(99, "bob"), m = {.len = 0};
    put_msg(&m, 2, &from), put_str(&m, 3, "@bob hi"), put_msg(&m, 12, &to);
    json_t *ev = feed(fx, "WebcastChatMessage", &m);
    assert_string_equal(TT_TYPE(ev), "chat");
    assert_int_equal(TT_INT(json_object_get(ev, "at_user"), "id"), 99);
    assert_string_equal(TT_STR(json_object_get(ev, "at_user"), "unique_id"), "bob");

    pbw plain = {.len = 0};
    put_msg(&plain, 2, &from), put_str(&plain, 3, "hi");
    ev = feed(fx, "WebcastChatMessage", &plain);
    assert_true(json_is_null(json_object_get(ev, "at_user")));
}

static void battle_anchors_and_teams(void **state)
{
    tt_fixture *fx = *state;
    pbw au = {.len = 0}, info = {.len = 0}, entry = {.len = 0};
    put_int(&au, 1, 11), put_str(&au, 2, "Anna"), put_str(&au, 4, "anna_h"), put_int(&au, 5, 777);
    put_msg(&info, 1, &au);
    put_int(&entry, 1, 11), put_msg(&entry, 2, &info);
    pbw member = {.len = 0}, result = {.len = 0}, army = {.len = 0}, m = {.len = 0};
    put_int(&member, 1, 5), put_int(&member, 2, 10);
    put_int(&result, 1, 1), put_msg(&result, 2, &member), put_int(&result, 3, 1), put_int(&result, 4, 10);
    put_int(&army, 1, 2), put_msg(&army, 2, &member), put_int(&army, 3, 20), put_int(&army, 5, 1);
    put_int(&m, 2, 4242), put_msg(&m, 10, &entry), put_msg(&m, 17, &result), put_msg(&m, 18, &army);
    json_t *ev = feed(fx, "WebcastLinkMicBattle", &m);
    assert_string_equal(TT_TYPE(ev), "battle");
    json_t *a = json_array_get(json_object_get(ev, "anchors"), 0);
    assert_int_equal(TT_INT(a, "anchor_id"), 11);
    assert_string_equal(TT_STR(a, "unique_id"), "anna_h");
    assert_string_equal(TT_STR(a, "nickname"), "Anna");
    assert_int_equal(TT_INT(a, "room_id"), 777);
    json_t *r = json_array_get(json_object_get(ev, "team_results"), 0);
    assert_int_equal(TT_INT(r, "team_id"), 1);
    assert_int_equal(TT_INT(r, "total_score"), 10);
    assert_int_equal(TT_INT(json_array_get(json_object_get(r, "members"), 0), "user_id"), 5);
    json_t *s = json_array_get(json_object_get(ev, "team_scores"), 0);
    assert_int_equal(TT_INT(s, "team_id"), 2);
    assert_int_equal(TT_INT(s, "total_score"), 20);
    assert_int_equal(TT_INT(s, "host_rank"), 1);

    /* LinkMicArmies carries the running team scores at field 14 */
    pbw armies = {.len = 0};
    put_int(&armies, 2, 4242), put_msg(&armies, 14, &army);
    ev = feed(fx, "WebcastLinkMicArmies", &armies);
    assert_string_equal(TT_TYPE(ev), "battle_armies");
    s = json_array_get(json_object_get(ev, "team_scores"), 0);
    assert_int_equal(TT_INT(s, "team_id"), 2);
    assert_int_equal(TT_INT(json_array_get(json_object_get(s, "members"), 0), "score"), 10);
}

static void link_contents(void **state)
{
    tt_fixture *fx = *state;
    pbw from = user(42, "frank"), invite = {.len = 0}, m = {.len = 0};
    put_int(&invite, 1, 42), put_int(&invite, 2, 4300), put_msg(&invite, 8, &from);
    put_int(&m, 2, 3), put_msg(&m, 5, &invite);
    json_t *ev = feed(fx, "WebcastLinkMessage", &m);
    assert_string_equal(TT_TYPE(ev), "link");
    assert_string_equal(TT_STR(ev, "message_type_name"), "invite");
    assert_int_equal(TT_INT(ev, "from_user_id"), 42);
    assert_int_equal(TT_INT(ev, "from_room_id"), 4300);
    assert_string_equal(TT_STR(json_object_get(ev, "from_user"), "nickname"), "frank");
    assert_true(json_is_null(json_object_get(ev, "to_user_id")));

    pbw leave = {.len = 0}, m2 = {.len = 0};
    put_int(&leave, 1, 42), put_int(&leave, 4, 2);
    put_int(&m2, 2, 7), put_msg(&m2, 10, &leave);
    ev = feed(fx, "WebcastLinkMessage", &m2);
    assert_int_equal(TT_INT(ev, "user_id"), 42);
    assert_int_equal(TT_INT(ev, "leave_reason"), 2);

    pbw lu = {.len = 0}, enter = {.len = 0}, m3 = {.len = 0};
    put_msg(&lu, 1, &from);
    put_msg(&enter, 1, &lu);
    put_int(&m3, 2, 6), put_msg(&m3, 9, &enter);
    ev = feed(fx, "WebcastLinkMessage", &m3);
    assert_string_equal(json_string_value(json_array_get(json_object_get(ev, "linked_user_ids"), 0)), "42");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, tt_setup, tt_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(goal_pin_and_progress),         T(barrage_user_at_50), T(poll_votes_and_results),
        T(shopping_like_social_viewers), T(chat_mention),       T(battle_anchors_and_teams),
        T(link_contents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
