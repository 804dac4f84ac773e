/* Room input parsing: @user, bare user, profile/live URLs, room ids, and
 * the inputs that must be refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tiktok/room.h"

static void expect_user(const char *input, const char *unique_id)
{
    lt_tiktok_room_ref ref;
    char err[256] = "";
    int rc = lt_tiktok_room_parse(input, &ref, err, sizeof err);
    if (rc != 0)
        fail_msg("'%s' rejected: %s", input, err);
    assert_int_equal(ref.kind, LT_TIKTOK_ROOM_BY_USER);
    assert_string_equal(ref.unique_id, unique_id);
    assert_string_equal(ref.room_id, "");
}

static void expect_room(const char *input, const char *room_id)
{
    lt_tiktok_room_ref ref;
    char err[256] = "";
    int rc = lt_tiktok_room_parse(input, &ref, err, sizeof err);
    if (rc != 0)
        fail_msg("'%s' rejected: %s", input, err);
    assert_int_equal(ref.kind, LT_TIKTOK_ROOM_BY_ID);
    assert_string_equal(ref.room_id, room_id);
}

static void expect_rejected(const char *input, const char *why)
{
    lt_tiktok_room_ref ref;
    char err[256] = "";
    assert_int_equal(lt_tiktok_room_parse(input, &ref, err, sizeof err), -1);
    if (!strstr(err, why))
        fail_msg("'%s': message '%s' lacks '%s'", input ? input : "(null)", err, why);
}

static void handles(void **state)
{
    expect_user("@kylleehall", "kylleehall");
    expect_user("  @some.user_1 \n", "some.user_1");
    expect_user("kylleehall", "kylleehall");
    expect_user("@1234567", "1234567"); /* a numeric handle needs the @ */
}

static void urls(void **state)
{
    expect_user("https://www.tiktok.com/@kylleehall/live", "kylleehall");
    expect_user("https://www.tiktok.com/@kylleehall", "kylleehall");
    expect_user("https://www.tiktok.com/@kylleehall/", "kylleehall");
    expect_user("https://www.tiktok.com/@kylleehall/live?enter_from_merge=share&lang=en#x", "kylleehall");
    expect_user("https://www.tiktok.com/@kylleehall?lang=en", "kylleehall");
    expect_user("www.tiktok.com/@a.b/live", "a.b");
    expect_user("tiktok.com/@a_b", "a_b");
    expect_user("http://127.0.0.1:8080/@simroom1/live", "simroom1");
    expect_user("https://m.tiktok.com/@kylleehall/video/7340702509671467807", "kylleehall");
}

static void room_ids(void **state)
{
    expect_room("7340691647148018438", "7340691647148018438");
    expect_room(" 42 ", "42");
    expect_room("9223372036854775807", "9223372036854775807");
    assert_true(lt_tiktok_room_id_valid("1"));
    assert_false(lt_tiktok_room_id_valid("9223372036854775808"));
    assert_false(lt_tiktok_room_id_valid("12a"));
    assert_false(lt_tiktok_room_id_valid(""));
}

static void refused(void **state)
{
    expect_rejected(NULL, "empty");
    expect_rejected("   ", "empty");
    expect_rejected("@", "1 to");
    expect_rejected("@bad name", "only letters");
    expect_rejected("@abcdefghijabcdefghijabcdefghijabc", "1 to 32");
    expect_rejected("https://www.tiktok.com/live", "profile or live URL");
    expect_rejected("https://www.tiktok.com/", "profile or live URL");
    expect_rejected("https://www.tiktok.com/@/live", "1 to");
    expect_rejected("https://www.tiktok.com/@bad%20x/live", "only letters");
    expect_rejected("0123", "not a valid room id");
    expect_rejected("99999999999999999999", "not a valid room id");
    expect_rejected("us er", "only letters");
}

static void labels(void **state)
{
    lt_tiktok_room_ref ref;
    char err[128];
    assert_int_equal(lt_tiktok_room_parse("https://www.tiktok.com/@x_y/live", &ref, err, sizeof err), 0);
    assert_string_equal(lt_tiktok_room_label(&ref), "@x_y");
    assert_int_equal(lt_tiktok_room_parse("123", &ref, err, sizeof err), 0);
    assert_string_equal(lt_tiktok_room_label(&ref), "123");
}

typedef struct collected {
    char items[8][64];
    int n;
    int reject_at;
} collected;

static int collect(void *ctx, const char *entry)
{
    collected *c = ctx;
    if (c->n == c->reject_at)
        return -1;
    strncpy(c->items[c->n], entry, 63);
    c->items[c->n][63] = '\0';
    c->n++;
    return 0;
}

static void lists(void **state)
{
    collected c = {.reject_at = -1};
    assert_int_equal(lt_tiktok_room_list_each("@a,@b, 123 ,,\n@c d", collect, &c), 0);
    assert_int_equal(c.n, 5);
    assert_string_equal(c.items[0], "@a");
    assert_string_equal(c.items[1], "@b");
    assert_string_equal(c.items[2], "123");
    assert_string_equal(c.items[3], "@c");
    assert_string_equal(c.items[4], "d");

    collected r = {.reject_at = 1};
    assert_int_equal(lt_tiktok_room_list_each("@a,@b,@c", collect, &r), -1);
    assert_int_equal(r.n, 1);

    collected e = {.reject_at = -1};
    assert_int_equal(lt_tiktok_room_list_each("", collect, &e), 0);
    assert_int_equal(e.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(handles),
        cmocka_unit_test(urls),
        cmocka_unit_test(room_ids),
        cmocka_unit_test(refused),
        cmocka_unit_test(labels),
        cmocka_unit_test(lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
