/* envelope.c - BIGO push envelopes and danmu items (see envelope.h).
 *
 * BIGO's documents disagree with themselves in small ways (docs/protocol/bigo.md
 * §1.3, §2.4): `data` is an "Object" in the tables and a JSON-encoded string in
 * every example; ts and data_seq were numbers in the first revision and
 * strings now; a room's items sit under `datas`, once under `data`; pull
 * responses omit every field holding its default value. The parser accepts
 * all of these and nothing looser: a field of any other type makes the item
 * BAD, and a BAD item is still published (to unknown, with the reason) so a
 * format change on BIGO's side shows up in Kafka instead of vanishing.
 *
 * msg_id: the contract's msg_id is a long, BIGO's id is data_seq, "a
 * sequence number (string of digits)". A numeric data_seq is the msg_id. A
 * non-numeric one is hashed (FNV-1a 64, top bit cleared), and an item with
 * no data_seq at all is identified by the hash of its canonical JSON (keys
 * sorted, compact), so the same item arriving by push and by pull still gets
 * the same id and the same dedupe key.
 */
#include "bigo/envelope.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"

#define TEXT_MAX_DIGITS 19

static int64_t hash_id(const char *s, size_t len)
{
    int64_t id = (int64_t)(lt_fnv1a(LT_FNV1A_INIT, s, len) & 0x7fffffffffffffffULL);
    return id ? id : 1;
}

int lt_bigo_json_int(const json_t *v, int64_t *out)
{
    if (json_is_integer(v)) {
        json_int_t n = json_integer_value(v);
        if (n < 0)
            return -1;
        *out = (int64_t)n;
        return 0;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (!(d >= 0 && d < 9.2e18) || d != (double)(int64_t)d)
            return -1;
        *out = (int64_t)d;
        return 0;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t n = json_string_length(v);
        if (n == 0 || n > TEXT_MAX_DIGITS)
            return -1;
        int64_t acc = 0;
        for (size_t i = 0; i < n; i++) {
            if (s[i] < '0' || s[i] > '9')
                return -1;
            if (acc > (INT64_MAX - (s[i] - '0')) / 10)
                return -1;
            acc = acc * 10 + (s[i] - '0');
        }
        *out = acc;
        return 0;
    }
    return -1;
}

/* A bounded id that may come as a string or a number. 1 if present and
 * good, 0 if absent (out = ""), -1 if present but unusable. */
static int get_id(const json_t *obj, const char *name, char *out, size_t outlen)
{
    out[0] = '\0';
    const json_t *v = json_object_get(obj, name);
    if (!v || json_is_null(v))
        return 0;
    if (json_is_string(v)) {
        if (json_string_length(v) >= outlen)
            return -1;
        memcpy(out, json_string_value(v), json_string_length(v) + 1);
        return 1;
    }
    if (json_is_integer(v)) {
        snprintf(out, outlen, "%lld", (long long)json_integer_value(v));
        return 1;
    }
    return -1;
}

int lt_bigo_json_opt_int(const json_t *obj, const char *name, int64_t *out)
{
    *out = 0;
    const json_t *v = json_object_get(obj, name);
    if (!v || json_is_null(v))
        return 0;
    return lt_bigo_json_int(v, out);
}

int lt_bigo_json_opt_string(const json_t *obj, const char *name, const char **out)
{
    *out = NULL;
    const json_t *v = json_object_get(obj, name);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return -1;
    *out = json_string_value(v);
    return 0;
}

/* ------------------------------------------------------------ envelope */

void lt_bigo_envelope_clear(lt_bigo_envelope *env)
{
    if (!env)
        return;
    json_decref(env->data);
    json_decref(env->root);
    memset(env, 0, sizeof *env);
}

lt_bigo_parse_status lt_bigo_envelope_parse(const char *text, size_t len, lt_bigo_envelope *out, char *err,
                                            size_t errlen)
{
    memset(out, 0, sizeof *out);
    json_error_t jerr;
    /* JSON_ALLOW_NUL: a "\u0000" in a chat must not make the whole batch
     * unreadable (BIGO would re-send it forever); strings are used as C
     * strings, so such a string ends at its NUL, as TikTok's do
     * (docs/security.md, "Strings in records") */
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!root) {
        snprintf(err, errlen, "not JSON: %s at %d", jerr.text, jerr.position);
        return LT_BIGO_PARSE_NOT_JSON;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        snprintf(err, errlen, "not a JSON object");
        return LT_BIGO_PARSE_NOT_JSON;
    }
    out->root = root;
    const json_t *uri = json_object_get(root, "uri");
    if (!json_is_string(uri) || json_string_length(uri) == 0 || json_string_length(uri) > 64) {
        lt_bigo_envelope_clear(out);
        snprintf(err, errlen, "no uri (a string of 1-64 bytes)");
        return LT_BIGO_PARSE_NO_URI;
    }
    out->uri = json_string_value(uri);
    /* echoed fields: a bad one is replaced by 0 rather than refusing the
     * message, the reply still tells BIGO what happened */
    (void)lt_bigo_json_opt_int(root, "retry_cnt", &out->retry_cnt);
    (void)lt_bigo_json_opt_int(root, "send_time", &out->send_time);
    const json_t *tok = json_object_get(root, "access_token");
    if (json_is_string(tok))
        out->access_token = json_string_value(tok);
    const json_t *sign = json_object_get(root, "sign");
    if (json_is_string(sign))
        out->sign = json_string_value(sign);

    json_t *data = json_object_get(root, "data");
    if (json_is_string(data)) {
        out->data_text = json_string_value(data);
        out->data_text_len = json_string_length(data);
        json_t *inner =
            json_loadb(out->data_text, out->data_text_len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
        if (!inner) {
            snprintf(err, errlen, "data: not JSON: %s at %d", jerr.text, jerr.position);
            return LT_BIGO_PARSE_BAD_DATA;
        }
        if (!json_is_object(inner)) {
            json_decref(inner);
            snprintf(err, errlen, "data: not a JSON object");
            return LT_BIGO_PARSE_BAD_DATA;
        }
        out->data = inner;
    } else if (json_is_object(data)) {
        out->data = json_incref(data);
    } else {
        snprintf(err, errlen, data ? "data: neither a JSON string nor an object" : "no data");
        return LT_BIGO_PARSE_BAD_DATA;
    }
    return LT_BIGO_PARSE_OK;
}

/* ------------------------------------------------------------ login */

int lt_bigo_login_parse(const json_t *data, lt_bigo_login *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (get_id(data, "account", out->account, sizeof out->account) != 1) {
        snprintf(err, errlen, "account missing");
        return -1;
    }
    if (get_id(data, "timestamp", out->timestamp, sizeof out->timestamp) != 1) {
        snprintf(err, errlen, "timestamp missing");
        return -1;
    }
    const json_t *sign = json_object_get(data, "sign");
    if (!json_is_string(sign) || json_string_length(sign) >= sizeof out->sign) {
        snprintf(err, errlen, "sign missing");
        return -1;
    }
    memcpy(out->sign, json_string_value(sign), json_string_length(sign) + 1);
    return 0;
}

int lt_bigo_login_sign(const char *password, const char *timestamp, const char *abbr, const char *account,
                       char out[33])
{
    const char *parts[] = {"password:", password, "&tamp:", timestamp, "&", abbr, "&account:", account};
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    int rc = -1;
    if (!md || EVP_DigestInit_ex(md, EVP_md5(), NULL) != 1)
        goto cleanup;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (EVP_DigestUpdate(md, parts[i], strlen(parts[i])) != 1)
            goto cleanup;
    if (EVP_DigestFinal_ex(md, digest, &n) != 1 || n != 16)
        goto cleanup;
    for (unsigned i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
    rc = 0;
cleanup:
    EVP_MD_CTX_free(md);
    return rc;
}

/* ------------------------------------------------------------ danmu */

void lt_bigo_batch_clear(lt_bigo_batch *b)
{
    if (!b)
        return;
    free(b->rooms);
    free(b->items);
    memset(b, 0, sizeof *b);
}

static lt_bigo_item *add_item(lt_bigo_batch *b, size_t *cap, size_t max_items)
{
    if (b->item_count >= max_items) {
        b->truncated++;
        return NULL;
    }
    if (b->item_count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        if (ncap > max_items)
            ncap = max_items;
        lt_bigo_item *n = realloc(b->items, ncap * sizeof *n);
        if (!n)
            return NULL;
        b->items = n;
        *cap = ncap;
    }
    lt_bigo_item *it = &b->items[b->item_count++];
    memset(it, 0, sizeof *it);
    return it;
}

static void set_method(lt_bigo_item *it, const char *type)
{
    size_t n = (size_t)snprintf(it->method, sizeof it->method, "bigo.%s", type);
    if (n >= sizeof it->method)
        n = sizeof it->method - 1;
    /* the method names a topic-side category: keep it to a plain token so a
     * cut cannot split a UTF-8 sequence */
    for (size_t i = 5; i < n; i++) {
        char c = it->method[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              c == '.'))
            it->method[i] = '_';
    }
}

static void mark_bad(lt_bigo_item *it, const char *why)
{
    it->kind = LT_BIGO_ITEM_BAD;
    it->bad = why;
}

/* The item's identity: data_seq, or the hash of its canonical JSON. */
static int item_identity(lt_bigo_item *it, const json_t *obj)
{
    const json_t *seq = json_is_object(obj) ? json_object_get(obj, "data_seq") : NULL;
    int64_t n;
    if (json_is_string(seq) && json_string_length(seq) > 0) {
        if (json_string_length(seq) < sizeof it->seq) {
            memcpy(it->seq, json_string_value(seq), json_string_length(seq) + 1);
            it->msg_id = lt_bigo_json_int(seq, &n) == 0 ? n : hash_id(it->seq, strlen(it->seq));
            return 0;
        }
        mark_bad(it, "data_seq: too long");
    } else if (seq && !json_is_null(seq) && !json_is_string(seq)) {
        if (lt_bigo_json_int(seq, &n) == 0) {
            snprintf(it->seq, sizeof it->seq, "%lld", (long long)n);
            it->msg_id = n;
            return 0;
        }
        mark_bad(it, "data_seq: neither a string nor a non-negative integer");
    }
    /* no usable data_seq ("" counts as omitted): the content is the identity */
    char *canon = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    if (!canon)
        return -1;
    it->msg_id = hash_id(canon, strlen(canon));
    free(canon);
    return 0;
}

static void decode_item(lt_bigo_item *it, const json_t *obj)
{
    const json_t *type = json_object_get(obj, "type");
    if (!json_is_string(type)) {
        set_method(it, "invalid");
        mark_bad(it, "type: missing or not a string");
        return;
    }
    const char *t = json_string_value(type);
    set_method(it, t);
    if (lt_bigo_json_opt_int(obj, "ts", &it->ts) != 0) {
        mark_bad(it, "ts: neither a string of digits nor a non-negative integer");
        return;
    }
    if (lt_bigo_json_opt_string(obj, "user", &it->user) || lt_bigo_json_opt_string(obj, "nick_name", &it->nick_name) ||
        lt_bigo_json_opt_string(obj, "user_img", &it->user_img)) {
        mark_bad(it, "user, nick_name or user_img: not a string");
        return;
    }
    if (strcmp(t, "msg") == 0) {
        it->kind = LT_BIGO_ITEM_MSG;
        if (lt_bigo_json_opt_string(obj, "content", &it->content))
            mark_bad(it, "content: not a string");
    } else if (strcmp(t, "heart") == 0) {
        it->kind = LT_BIGO_ITEM_HEART;
        if (lt_bigo_json_opt_int(obj, "count", &it->count))
            mark_bad(it, "count: not a non-negative integer");
    } else if (strcmp(t, "gift") == 0) {
        it->kind = LT_BIGO_ITEM_GIFT;
        if (lt_bigo_json_opt_int(obj, "gift_id", &it->gift_id) || lt_bigo_json_opt_int(obj, "gift_level", &it->gift_level) ||
            lt_bigo_json_opt_int(obj, "gift_value", &it->gift_value) || lt_bigo_json_opt_int(obj, "gift_count", &it->gift_count))
            mark_bad(it, "gift_id, gift_level, gift_value or gift_count: not a non-negative integer");
        else if (lt_bigo_json_opt_string(obj, "gift_name", &it->gift_name) || lt_bigo_json_opt_string(obj, "gift_url", &it->gift_url))
            mark_bad(it, "gift_name or gift_url: not a string");
    } else {
        it->kind = LT_BIGO_ITEM_OTHER;
    }
}

static int add_room(lt_bigo_batch *b, const char *openid, size_t *cap)
{
    for (size_t i = 0; i < b->room_count; i++)
        if (strcmp(b->rooms[i], openid) == 0)
            return 0;
    if (b->room_count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 4;
        const char **n = realloc(b->rooms, ncap * sizeof *n);
        if (!n)
            return -1;
        b->rooms = n;
        *cap = ncap;
    }
    b->rooms[b->room_count++] = openid;
    return 0;
}

/* A room entry that cannot be split into items is published whole. */
static int add_bad_entry(lt_bigo_batch *b, size_t *cap, size_t max_items, const json_t *entry, const char *room,
                         const char *why)
{
    lt_bigo_item *it = add_item(b, cap, max_items);
    if (!it)
        return b->truncated ? 0 : -1;
    it->room = room;
    it->json = entry;
    set_method(it, "room_entry");
    mark_bad(it, why);
    return item_identity(it, entry);
}

int lt_bigo_danmu_parse(const json_t *danmu, size_t max_items, lt_bigo_batch *out, char *err, size_t errlen)
{
    size_t item_cap = 0, room_cap = 0;
    if (!danmu || json_is_null(danmu))
        return 0; /* omitted = empty (pull responses omit defaults) */
    if (!json_is_array(danmu)) {
        snprintf(err, errlen, "danmu_data: not an array");
        return -1;
    }
    size_t i;
    const json_t *entry;
    json_array_foreach(danmu, i, entry) {
        if (!json_is_object(entry)) {
            if (add_bad_entry(out, &item_cap, max_items, entry, "", "room entry: not an object"))
                goto oom;
            continue;
        }
        const json_t *openid = json_object_get(entry, "openid");
        if (!json_is_string(openid) || json_string_length(openid) == 0 ||
            json_string_length(openid) >= LT_BIGO_MAX_ID) {
            if (add_bad_entry(out, &item_cap, max_items, entry, "", "room entry: openid missing or too long"))
                goto oom;
            continue;
        }
        const char *room = json_string_value(openid);
        if (add_room(out, room, &room_cap))
            goto oom;
        const json_t *datas = json_object_get(entry, "datas");
        if (!datas)
            datas = json_object_get(entry, "data"); /* the cross-room sample's spelling */
        if (!datas || json_is_null(datas))
            continue;
        if (!json_is_array(datas)) {
            if (add_bad_entry(out, &item_cap, max_items, entry, room, "room entry: datas is not an array"))
                goto oom;
            continue;
        }
        size_t j;
        const json_t *obj;
        json_array_foreach(datas, j, obj) {
            lt_bigo_item *it = add_item(out, &item_cap, max_items);
            if (!it) {
                if (out->truncated)
                    continue;
                goto oom;
            }
            it->room = room;
            it->json = obj;
            if (!json_is_object(obj)) {
                set_method(it, "invalid");
                mark_bad(it, "item: not an object");
            } else {
                decode_item(it, obj);
            }
            if (item_identity(it, obj))
                goto oom;
        }
    }
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
    return -1;
}

int lt_bigo_batch_parse(const json_t *data, size_t max_items, lt_bigo_batch *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(data)) {
        snprintf(err, errlen, "data: not an object");
        return -1;
    }
    if (get_id(data, "seqid", out->seqid, sizeof out->seqid) != 1) {
        snprintf(err, errlen, "seqid: missing, too long or not a string");
        return -1;
    }
    int64_t status = 0;
    if (lt_bigo_json_opt_int(data, "timestamp", &out->timestamp) || lt_bigo_json_opt_int(data, "status", &status) || status > 1000) {
        snprintf(err, errlen, "timestamp or status: not a non-negative integer");
        return -1;
    }
    out->status = (int)status;
    if (get_id(data, "game_id", out->game_id, sizeof out->game_id) < 0 ||
        get_id(data, "game_sess", out->game_sess, sizeof out->game_sess) < 0) {
        snprintf(err, errlen, "game_id or game_sess: too long or not a string");
        return -1;
    }
    if (lt_bigo_danmu_parse(json_object_get(data, "danmu_data"), max_items, out, err, errlen)) {
        lt_bigo_batch_clear(out);
        return -1;
    }
    return 0;
}

size_t lt_bigo_item_key(const char *game_sess, const lt_bigo_item *it, char *out, size_t outlen)
{
    int n;
    if (it->seq[0])
        n = snprintf(out, outlen, "%s\x1f%s\x1f%s", game_sess, it->room, it->seq);
    else
        n = snprintf(out, outlen, "%s\x1f%s\x1f#%016llx", game_sess, it->room, (unsigned long long)it->msg_id);
    if (n < 0 || (size_t)n >= outlen)
        return 0;
    return (size_t)n;
}

/* ------------------------------------------------------------ events */

static int32_t clamp32(int64_t v)
{
    return v > INT32_MAX ? INT32_MAX : (int32_t)v;
}

static void fill_user(lt_user *u, const lt_bigo_item *it)
{
    memset(u, 0, sizeof *u);
    u->unique_id = it->user; /* BIGO identifies users by openid strings, not numbers */
    u->nickname = it->nick_name;
    u->avatar_url = it->user_img;
}

int lt_bigo_item_to_event(const lt_bigo_item *it, int64_t fallback_time, lt_event *ev, char **payload)
{
    memset(ev, 0, sizeof *ev);
    *payload = NULL;
    ev->platform = LT_PLATFORM_BIGO;
    ev->room_id = it->room;
    ev->msg_id = it->msg_id;
    ev->event_time = it->ts ? it->ts : fallback_time;
    switch (it->kind) {
    case LT_BIGO_ITEM_MSG:
        ev->type = LT_EVENT_CHAT;
        fill_user(&ev->as.chat.user, it);
        ev->as.chat.content = it->content ? it->content : "";
        return 0;
    case LT_BIGO_ITEM_HEART:
        ev->type = LT_EVENT_LIKE;
        fill_user(&ev->as.like.user, it);
        ev->as.like.count = clamp32(it->count);
        return 0;
    case LT_BIGO_ITEM_GIFT: {
        ev->type = LT_EVENT_GIFT;
        lt_gift *g = &ev->as.gift;
        fill_user(&g->user, it);
        /* BIGO sends each gift action once, already aggregated (gift_count
         * is the combo): an event is a whole, closed streak of its own */
        int64_t count = it->gift_count > 0 ? it->gift_count : 1;
        g->gift_id = it->gift_id;
        g->gift_name = it->gift_name ? it->gift_name : "";
        g->gift_image_url = it->gift_url;
        g->diamond_count = clamp32(it->gift_value);
        g->repeat_count = clamp32(count);
        g->combo_count = clamp32(count);
        g->repeat_end = true;
        g->gifts_added = clamp32(count);
        g->diamonds_added = it->gift_value > INT64_MAX / count ? INT64_MAX : it->gift_value * count;
        g->streak_closed = true;
        return 0;
    }
    case LT_BIGO_ITEM_OTHER:
    case LT_BIGO_ITEM_BAD:
    default: {
        ev->type = LT_EVENT_UNKNOWN;
        char *text = json_dumps(it->json, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!text)
            return -1;
        *payload = text;
        ev->as.unknown.method = it->method;
        ev->as.unknown.payload = (lt_bytes){(const uint8_t *)text, strlen(text)};
        ev->as.unknown.reason = it->kind == LT_BIGO_ITEM_BAD ? it->bad : "no_decoder";
        return 0;
    }
    }
}

/* ------------------------------------------------------------ replies */

char *lt_bigo_reply(const char *uri, int64_t retry_cnt, int64_t send_time, int64_t recv_ms, int64_t now_ms,
                    json_t *data)
{
    char *inner = json_dumps(data, JSON_COMPACT);
    if (!inner)
        return NULL;
    char resp_uri[96];
    snprintf(resp_uri, sizeof resp_uri, "%.64sResp", uri);
    int64_t up_cost = send_time > 0 && recv_ms > send_time ? recv_ms - send_time : 0;
    json_t *root = json_pack("{s:s, s:I, s:I, s:I, s:I, s:s}", "uri", resp_uri, "retry_cnt", (json_int_t)retry_cnt,
                             "send_time", (json_int_t)send_time, "resp_time", (json_int_t)now_ms, "up_cost",
                             (json_int_t)up_cost, "data", inner);
    free(inner);
    char *text = root ? json_dumps(root, JSON_COMPACT) : NULL;
    json_decref(root);
    return text;
}
