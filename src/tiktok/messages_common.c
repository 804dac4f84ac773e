/* messages_common.c - what every WebCast message shares: the common header,
 * users, display texts, and readers for loosely documented bytes.
 *
 * Users. The @handle is display_id (field 38); the avatar is the first URL of
 * the smallest avatar. The relation flags come from two places: chat messages
 * carry a UserIdentity (field 18) with explicit is_follower/moderator/...
 * flags; elsewhere only the user's badges say anything. Badge layouts differ
 * between app versions and peers (docs/protocol/webcast.md §6.2), so instead of
 * declaring them we keep the badge variants as raw bytes and look for the
 * image names the platform has used for years (the same markers the Python
 * library matches): grade_badge_icon_lite_lv<N> (gifter level), fans_badge_
 * icon_lv<N> (fan-club level), "moderator", "/sub_" (subscriber),
 * "new_top_gifter". follow_info.follow_status >= 2 means mutual follow
 * ("friend", as the Python library defines it).
 *
 * Display texts are patterns like "{0:user} sent {1:gift}" with pieces; we
 * render them with users by nickname so that a text field reads as the app
 * shows it.
 */
#include "tiktok/messages_internal.h"

#include <stdlib.h>
#include <string.h>

#define MAX_BADGES 5

void lt_tt_apply_common(const Livetap__Webcast__Common *common, lt_event *ev)
{
    if (!common)
        return;
    if (common->has_msg_id && common->msg_id != 0)
        ev->msg_id = common->msg_id;
    if (common->has_create_time && common->create_time > 0) {
        int64_t t = common->create_time;
        /* documented as milliseconds; a value that can only be seconds
         * (before 1973 as ms) is scaled rather than published as 1970 */
        if (t < 100000000000LL)
            t *= 1000;
        ev->event_time = t;
    }
}

bool lt_tt_contains(const char *haystack, const char *needle)
{
    return haystack && needle && strstr(haystack, needle) != NULL;
}

/* memmem, which C11 and POSIX lack. */
static const uint8_t *find_bytes(const uint8_t *hay, size_t hay_len, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0 || hay_len < n)
        return NULL;
    for (size_t i = 0; i + n <= hay_len; i++)
        if (hay[i] == (uint8_t)needle[0] && memcmp(hay + i, needle, n) == 0)
            return hay + i;
    return NULL;
}

/* The decimal number right after `marker` in the bytes, or -1. */
static int level_after(const uint8_t *data, size_t len, const char *marker)
{
    const uint8_t *p = find_bytes(data, len, marker);
    if (!p)
        return -1;
    p += strlen(marker);
    const uint8_t *end = data + len;
    int v = 0, digits = 0;
    while (p < end && *p >= '0' && *p <= '9' && digits < 6) {
        v = v * 10 + (*p++ - '0');
        digits++;
    }
    return digits ? v : -1;
}

typedef struct badge_scan {
    int gifter_level;
    int member_level;
    bool moderator, subscriber, top_gifter;
} badge_scan;

static void scan_badge_bytes(badge_scan *s, const uint8_t *data, size_t len)
{
    if (!data || !len)
        return;
    int v = level_after(data, len, "grade_badge_icon_lite_lv");
    if (v > s->gifter_level)
        s->gifter_level = v;
    v = level_after(data, len, "fans_badge_icon_lv");
    if (v > s->member_level)
        s->member_level = v;
    if (find_bytes(data, len, "moderator"))
        s->moderator = true;
    if (find_bytes(data, len, "/sub_"))
        s->subscriber = true;
    if (find_bytes(data, len, "new_top_gifter"))
        s->top_gifter = true;
}

static void scan_image(badge_scan *s, const Livetap__Webcast__Image *img)
{
    for (size_t i = 0; img && i < img->n_url_list; i++)
        scan_badge_bytes(s, (const uint8_t *)img->url_list[i], strlen(img->url_list[i]));
    if (img && img->uri)
        scan_badge_bytes(s, (const uint8_t *)img->uri, strlen(img->uri));
}

static void scan_badges(const Livetap__Webcast__User *u, badge_scan *s)
{
    for (size_t i = 0; i < u->n_badge_list; i++) {
        const Livetap__Webcast__BadgeStruct *b = u->badge_list[i];
        const ProtobufCBinaryData *parts[4] = {b->has_image_badge ? &b->image_badge : NULL,
                                               b->has_text_badge ? &b->text_badge : NULL,
                                               b->has_string_badge ? &b->string_badge : NULL,
                                               b->has_combine_badge ? &b->combine_badge : NULL};
        for (int k = 0; k < 4; k++)
            if (parts[k])
                scan_badge_bytes(s, parts[k]->data, parts[k]->len);
    }
    for (size_t i = 0; i < u->n_badge_image_list; i++)
        scan_image(s, u->badge_image_list[i]);
}

const char *lt_tt_image_url(const Livetap__Webcast__Image *image)
{
    return image && image->n_url_list > 0 ? image->url_list[0] : NULL;
}

void lt_tt_user(lt_tiktok_decoder *dec, const Livetap__Webcast__User *u,
                const Livetap__Webcast__UserIdentity *id, lt_user *out)
{
    memset(out, 0, sizeof *out);
    if (!u) {
        if (id) {
            out->is_follower = id->is_follower_of_anchor;
            out->is_moderator = id->is_moderator_of_anchor;
            out->is_subscriber = id->is_subscriber_of_anchor;
            out->is_anchor = id->is_anchor;
        }
        return;
    }
    out->id = u->id;
    if (!u->has_id && u->id_str)
        out->id = strtoll(u->id_str, NULL, 10);
    out->unique_id = u->display_id;
    out->nickname = u->nickname;
    out->sec_uid = u->sec_uid && *u->sec_uid ? u->sec_uid : NULL;
    out->avatar_url = lt_tt_image_url(u->avatar_thumb);
    if (!out->avatar_url)
        out->avatar_url = lt_tt_image_url(u->avatar_medium);
    if (!out->avatar_url)
        out->avatar_url = lt_tt_image_url(u->avatar_large);
    if (u->follow_info) {
        out->follower_count = u->follow_info->follower_count;
        out->following_count = u->follow_info->following_count;
        out->is_friend = u->follow_info->follow_status >= 2;
    }
    out->is_follower = out->is_friend || (u->has_is_follower && u->is_follower);
    out->is_subscriber = u->has_is_subscribe && u->is_subscribe;
    if (id) {
        out->is_follower = out->is_follower || id->is_follower_of_anchor;
        out->is_friend = out->is_friend || id->is_mutual_following_with_anchor;
        out->is_moderator = id->is_moderator_of_anchor;
        out->is_subscriber = out->is_subscriber || id->is_subscriber_of_anchor;
        out->is_anchor = id->is_anchor;
    }
    if (dec->anchor_id && out->id == dec->anchor_id)
        out->is_anchor = true;

    badge_scan s = {0, 0, false, false, false};
    scan_badges(u, &s);
    out->gifter_level = s.gifter_level;
    out->member_level = s.member_level;
    out->is_moderator = out->is_moderator || s.moderator;
    out->is_subscriber = out->is_subscriber || s.subscriber;

    const char **badges = lt_tt_alloc(dec, MAX_BADGES * sizeof *badges);
    size_t n = 0;
    if (!badges)
        return;
    if (out->is_moderator)
        badges[n++] = "moderator";
    if (out->is_subscriber)
        badges[n++] = "subscriber";
    if (s.top_gifter)
        badges[n++] = "top_gifter";
    if (s.gifter_level > 0)
        badges[n++] = lt_tt_printf(dec, "gifter_level_%d", s.gifter_level);
    if (s.member_level > 0)
        badges[n++] = lt_tt_printf(dec, "fan_level_%d", s.member_level);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (badges[i])
            badges[kept++] = badges[i];
    out->badges = badges;
    out->badge_count = kept;
}

const lt_user *lt_tt_user_ptr(lt_tiktok_decoder *dec, const Livetap__Webcast__User *user)
{
    if (!user)
        return NULL;
    lt_user *u = lt_tt_alloc(dec, sizeof *u);
    if (u)
        lt_tt_user(dec, user, NULL, u);
    return u;
}

const Livetap__Webcast__User *lt_tt_text_user(const Livetap__Webcast__Text *text)
{
    for (size_t i = 0; text && i < text->n_pieces; i++)
        if (text->pieces[i]->user_value && text->pieces[i]->user_value->user)
            return text->pieces[i]->user_value->user;
    return NULL;
}

static const char *piece_text(const Livetap__Webcast__TextPiece *p)
{
    if (p->user_value && p->user_value->user) {
        const Livetap__Webcast__User *u = p->user_value->user;
        return u->nickname && *u->nickname ? u->nickname : u->display_id;
    }
    return p->string_value;
}

const char *lt_tt_render_text(lt_tiktok_decoder *dec, const Livetap__Webcast__Text *text)
{
    if (!text || !text->default_pattern)
        return NULL;
    const char *pat = text->default_pattern;
    size_t cap = strlen(pat) + 1;
    for (size_t i = 0; i < text->n_pieces; i++) {
        const char *t = piece_text(text->pieces[i]);
        cap += t ? strlen(t) : 0;
    }
    /* each placeholder is replaced at most once per occurrence; a pattern may
     * repeat one, so bound by pattern length times the longest piece */
    size_t longest = 0;
    for (size_t i = 0; i < text->n_pieces; i++) {
        const char *t = piece_text(text->pieces[i]);
        size_t l = t ? strlen(t) : 0;
        if (l > longest)
            longest = l;
    }
    cap += (strlen(pat) / 3) * longest;
    char *out = lt_tt_alloc(dec, cap);
    if (!out)
        return NULL;
    size_t o = 0;
    for (const char *p = pat; *p;) {
        if (*p == '{') {
            const char *q = p + 1;
            size_t idx = 0;
            int digits = 0;
            while (*q >= '0' && *q <= '9' && digits < 4) {
                idx = idx * 10 + (size_t)(*q++ - '0');
                digits++;
            }
            const char *close = strchr(q, '}');
            if (digits && close && (*q == ':' || *q == '}') && idx < text->n_pieces) {
                const char *t = piece_text(text->pieces[idx]);
                size_t l = t ? strlen(t) : 0;
                if (o + l < cap) {
                    memcpy(out + o, t ? t : "", l);
                    o += l;
                }
                p = close + 1;
                continue;
            }
        }
        if (o + 1 < cap)
            out[o++] = *p;
        p++;
    }
    out[o] = '\0';
    return out;
}

/* ------------------------------------------------------------------ raw bytes */

bool lt_tt_is_text(const uint8_t *s, size_t len)
{
    if (!s || len == 0)
        return false;
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        size_t n;
        if (c < 0x80) {
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
                return false;
            if (c == 0x7f)
                return false;
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0 && c >= 0xc2) {
            n = 1;
        } else if ((c & 0xf0) == 0xe0) {
            n = 2;
        } else if ((c & 0xf8) == 0xf0 && c <= 0xf4) {
            n = 3;
        } else {
            return false;
        }
        if (i + n >= len) /* continuation bytes s[i+1..i+n] must exist */
            return false;
        for (size_t k = 1; k <= n; k++)
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
        i += n + 1;
    }
    return true;
}

/* One varint; 0 bytes consumed if it is malformed or runs off the end. */
static size_t read_varint(const uint8_t *p, size_t len, uint64_t *v)
{
    uint64_t r = 0;
    for (size_t i = 0; i < len && i < 10; i++) {
        r |= (uint64_t)(p[i] & 0x7f) << (7 * i);
        if (!(p[i] & 0x80)) {
            *v = r;
            return i + 1;
        }
    }
    return 0;
}

const char *lt_tt_first_text(lt_tiktok_decoder *dec, const uint8_t *data, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint64_t key, v;
        size_t n = read_varint(data + i, len - i, &key);
        if (!n)
            return NULL;
        i += n;
        switch (key & 7) {
        case 0:
            n = read_varint(data + i, len - i, &v);
            if (!n)
                return NULL;
            i += n;
            break;
        case 1:
            if (len - i < 8)
                return NULL;
            i += 8;
            break;
        case 5:
            if (len - i < 4)
                return NULL;
            i += 4;
            break;
        case 2:
            n = read_varint(data + i, len - i, &v);
            if (!n || v > len - i - n)
                return NULL;
            i += n;
            if (lt_tt_is_text(data + i, (size_t)v))
                return lt_tt_strndup(dec, (const char *)data + i, (size_t)v);
            i += (size_t)v;
            break;
        default:
            return NULL;
        }
    }
    return NULL;
}
