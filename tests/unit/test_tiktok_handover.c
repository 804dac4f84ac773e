/* test_tiktok_handover.c - the room_status reader a handover relies on
 * (tiktok/handover.h): what the encoder writes (Confluent framing and
 * single-object) reads back field by field, and every truncation, every
 * corrupted byte and every string too long for its field is refused without
 * reading outside the record.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "avro/encoder.h"
#include "avro/schemas.h"
#include "core/buf.h"
#include "tiktok/handover.h"

static void encode_status(bool confluent, const char *collector_id, const char *state, const char *reason,
                          const char *input, lt_buf *out)
{
    char err[256];
    lt_schema_set *schemas = lt_schema_set_load(NULL, err, sizeof err);
    assert_non_null(schemas);
    lt_avro_encoder *enc = lt_avro_encoder_create(schemas, err, sizeof err);
    assert_non_null(enc);
    if (confluent)
        lt_avro_encoder_set_schema_id(enc, LT_EVENT_ROOM_STATUS, 77);
    lt_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = LT_EVENT_ROOM_STATUS;
    ev.platform = LT_PLATFORM_TIKTOK;
    ev.room_id = "7400000000000000003";
    ev.event_time = ev.ingest_time = 1765000000000;
    ev.collector_id = collector_id;
    ev.as.room_status.state = state;
    ev.as.room_status.reason = reason;
    ev.as.room_status.message = "collected here until the new owner is live";
    ev.as.room_status.input = input;
    ev.as.room_status.attempt = 2;
    assert_int_equal(lt_avro_encode(enc, &ev, out), 0);
    lt_avro_encoder_destroy(enc);
    lt_schema_set_destroy(schemas);
}

static void reads_what_the_encoder_wrote(void **state)
{
    (void)state;
    for (int confluent = 0; confluent < 2; confluent++) {
        lt_buf b = LT_BUF_INIT;
        encode_status(confluent, "collector-a", "handing_over", "reassigned", "@simhost3", &b);
        lt_tiktok_peer_status st;
        assert_int_equal(lt_tiktok_room_status_decode(b.data, b.len, &st), 0);
        assert_string_equal(st.room_id, "7400000000000000003");
        assert_string_equal(st.collector_id, "collector-a");
        assert_string_equal(st.state, "handing_over");
        assert_string_equal(st.reason, "reassigned");
        assert_string_equal(st.input, "@simhost3");
        lt_buf_free(&b);

        encode_status(confluent, "b", "live", NULL, NULL, &b); /* null reason and input */
        assert_int_equal(lt_tiktok_room_status_decode(b.data, b.len, &st), 0);
        assert_string_equal(st.state, "live");
        assert_string_equal(st.reason, "");
        assert_string_equal(st.input, "");
        lt_buf_free(&b);
    }
}

static void refuses_truncated_and_corrupted_records(void **state)
{
    (void)state;
    lt_buf b = LT_BUF_INIT;
    encode_status(true, "collector-a", "ended", "handed_over", "@simhost3", &b);
    lt_tiktok_peer_status st;
    /* every cut before the input's last byte is refused (what follows the
     * input - retry_at, attempt - is not read) */
    size_t input_end = b.len;
    while (input_end > 0 && memcmp(b.data + input_end - 9, "@simhost3", 9) != 0)
        input_end--;
    assert_true(input_end > 9);
    for (size_t len = 0; len < input_end; len++) {
        uint8_t *copy = malloc(len ? len : 1);
        memcpy(copy, b.data, len);
        assert_int_equal(lt_tiktok_room_status_decode(copy, len, &st), -1);
        free(copy);
    }
    assert_int_equal(lt_tiktok_room_status_decode(b.data, input_end, &st), 0);
    /* every byte flipped: refused or read, never outside the record (ASan) */
    for (size_t i = 0; i < b.len; i++)
        for (int bit = 0; bit < 8; bit++) {
            uint8_t *copy = malloc(b.len);
            memcpy(copy, b.data, b.len);
            copy[i] ^= (uint8_t)(1u << bit);
            if (lt_tiktok_room_status_decode(copy, b.len, &st) == 0) {
                assert_non_null(memchr(st.state, '\0', sizeof st.state));
                assert_non_null(memchr(st.input, '\0', sizeof st.input));
            }
            free(copy);
        }
    lt_buf_free(&b);
    /* neither framing */
    static const uint8_t json[] = "{\"state\":\"live\"}";
    assert_int_equal(lt_tiktok_room_status_decode(json, sizeof json - 1, &st), -1);
    /* a length larger than the record, a negative one, a varint that never ends */
    static const uint8_t huge[] = {0, 0, 0, 0, 1, 0x80, 0x80, 0x80, 0x80, 0x08, 't'};
    assert_int_equal(lt_tiktok_room_status_decode(huge, sizeof huge, &st), -1);
    static const uint8_t negative[] = {0, 0, 0, 0, 1, 0x01, 't'};
    assert_int_equal(lt_tiktok_room_status_decode(negative, sizeof negative, &st), -1);
    uint8_t endless[32] = {0, 0, 0, 0, 1};
    memset(endless + 5, 0xff, sizeof endless - 5);
    assert_int_equal(lt_tiktok_room_status_decode(endless, sizeof endless, &st), -1);
}

static void refuses_strings_too_long_for_their_field(void **state)
{
    (void)state;
    char long_id[300];
    memset(long_id, 'x', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    lt_buf b = LT_BUF_INIT;
    encode_status(true, long_id, "live", NULL, "@simhost3", &b);
    lt_tiktok_peer_status st;
    assert_int_equal(lt_tiktok_room_status_decode(b.data, b.len, &st), -1);
    lt_buf_free(&b);
}

static void final_states(void **state)
{
    (void)state;
    assert_true(lt_tiktok_room_state_final("ended"));
    assert_true(lt_tiktok_room_state_final("offline"));
    assert_true(lt_tiktok_room_state_final("error"));
    assert_false(lt_tiktok_room_state_final("live"));
    assert_false(lt_tiktok_room_state_final("handing_over"));
    assert_false(lt_tiktok_room_state_final("reconnecting"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_what_the_encoder_wrote),
        cmocka_unit_test(refuses_truncated_and_corrupted_records),
        cmocka_unit_test(refuses_strings_too_long_for_their_field),
        cmocka_unit_test(final_states),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
