/* fuzz_tiktok_frame.c - libFuzzer target for everything TikTok sends us.
 *
 * Each input is tried three ways, so that every seed exercises every layer:
 *   1. as a push frame: parse, inflate (gzip by header or magic, bounded),
 *      then feed the payload to the decoder as a fetch result;
 *   2. as a fetch result fed directly (the sign server's response body);
 *   3. as one message: the first byte picks a method from the decoder's
 *      table (or an unknown one), the rest is its payload — this reaches
 *      every message mapper even when the fuzzer has not yet learned to
 *      build valid fetch results around it.
 * The callback reads every field of every event through the field tables,
 * so a dangling or overlong pointer in an event is caught by ASan.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/log.h"
#include "tiktok/frame.h"
#include "tiktok/messages.h"
#include "webcast.pb-c.h"

static volatile size_t sink;

static void touch_record(const lt_record_desc *desc, const uint8_t *base)
{
    for (size_t i = 0; i < desc->field_count; i++) {
        const lt_field *f = &desc->fields[i];
        const uint8_t *at = base + f->offset;
        switch (f->kind) {
        case LT_FIELD_STRING:
        case LT_FIELD_OPT_STRING: {
            const char *s = *(const char *const *)at;
            if (s)
                sink += strlen(s);
            break;
        }
        case LT_FIELD_BYTES: {
            const lt_bytes *b = (const lt_bytes *)at;
            for (size_t k = 0; k < b->len; k++)
                sink += b->data[k];
            break;
        }
        case LT_FIELD_RECORD: touch_record(f->record, at); break;
        case LT_FIELD_OPT_RECORD: {
            const uint8_t *rec = *(const uint8_t *const *)at;
            if (rec)
                touch_record(f->record, rec);
            break;
        }
        case LT_FIELD_STRING_ARRAY: {
            const char *const *items = *(const char *const *const *)at;
            size_t n = *(const size_t *)(base + f->count_offset);
            if (n && !items)
                __builtin_trap();
            for (size_t k = 0; k < n; k++)
                sink += items[k] ? strlen(items[k]) : 0;
            break;
        }
        case LT_FIELD_RECORD_ARRAY: {
            const uint8_t *items = *(const uint8_t *const *)at;
            size_t n = *(const size_t *)(base + f->count_offset);
            if (n && !items)
                __builtin_trap();
            for (size_t k = 0; k < n; k++)
                touch_record(f->record, items + k * f->record->size);
            break;
        }
        default: sink += at[0]; break;
        }
    }
}

static int on_event(const lt_event *ev, void *ctx)
{
    (void)ctx;
    const lt_event_type_info *info = lt_event_type_info_get(ev->type);
    if (!info)
        __builtin_trap();
    touch_record(&lt_event_envelope, (const uint8_t *)ev);
    if (lt_event_type_game(ev->type)) {
        /* TikTok has no BIGO game: the decoder must leave the fields unset */
        if (ev->game_id || ev->game_sess)
            __builtin_trap();
    }
    touch_record(info->record, (const uint8_t *)ev);
    return 0;
}

static lt_tiktok_decoder *dec;
static lt_buf scratch = LT_BUF_INIT;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    lt_log_set_level(LT_LOG_ERROR); /* decode warnings are expected here */
    dec = lt_tiktok_decoder_create("7340691647148018438", "fuzz", NULL, 0);
    return dec ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* 1. push frame -> payload -> fetch result */
    lt_tiktok_frame frame;
    if (lt_tiktok_frame_parse(data, size, &frame, NULL, 0) == 0) {
        const uint8_t *p;
        size_t n;
        char err[128];
        if (lt_tiktok_frame_payload(&frame, &scratch, &p, &n, NULL, err, sizeof err) == 0) {
            lt_tiktok_fetch_result fr;
            int rc = lt_tiktok_decoder_feed(dec, p, n, &fr, on_event, NULL);
            if (rc == 0) {
                /* what the session does with it: an ACK when asked */
                lt_buf ack = LT_BUF_INIT;
                if (fr.need_ack)
                    lt_tiktok_build_ack(&ack, frame.log_id, fr.internal_ext.data, fr.internal_ext.len);
                for (size_t i = 0; i < fr.route_param_count; i++) {
                    const char *k, *v;
                    if (lt_tiktok_fetch_result_route_param(&fr, i, &k, &v) == 0)
                        sink += strlen(k) + strlen(v);
                }
                lt_buf_free(&ack);
            }
            lt_tiktok_fetch_result_release(&fr);
        } else {
            lt_tiktok_decoder_emit_unknown(dec, "PushFrame", data, size, err, on_event, NULL);
        }
        lt_tiktok_frame_release(&frame);
    }
    lt_buf_reset(&scratch);

    /* 2. the bytes as a fetch result */
    lt_tiktok_decoder_feed(dec, data, size, NULL, on_event, NULL);

    /* 3. one message of a chosen method */
    if (size >= 1) {
        const char *const *methods = lt_tiktok_known_methods();
        size_t count = 0;
        while (methods[count])
            count++;
        size_t pick = data[0] % (count + 1);
        Livetap__Webcast__FetchResult__Message m = LIVETAP__WEBCAST__FETCH_RESULT__MESSAGE__INIT;
        Livetap__Webcast__FetchResult__Message *msgs[1] = {&m};
        Livetap__Webcast__FetchResult r = LIVETAP__WEBCAST__FETCH_RESULT__INIT;
        m.method = (char *)(pick < count ? methods[pick] : "WebcastNotYetKnownMessage");
        m.has_payload = 1;
        m.payload.data = (uint8_t *)data + 1;
        m.payload.len = size - 1;
        r.n_messages = 1;
        r.messages = msgs;
        lt_buf packed = LT_BUF_INIT;
        size_t len = livetap__webcast__fetch_result__get_packed_size(&r);
        if (lt_buf_reserve(&packed, len) == 0) {
            livetap__webcast__fetch_result__pack(&r, packed.data);
            lt_tiktok_decoder_feed(dec, packed.data, len, NULL, on_event, NULL);
        }
        lt_buf_free(&packed);
    }
    return 0;
}
