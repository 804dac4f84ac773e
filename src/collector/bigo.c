/* collector/bigo.c - the bigo section into lt_bigo_options (collector/bigo.h). */
#include "collector/bigo.h"

#include <stdlib.h>
#include <string.h>

#include "core/log.h"

static const char *nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

/* "openid=access [refresh]" properties -> tokens; the strings live in
 * copies (the receiver copies what it keeps). */
static int split_tokens(const lt_config_list *list, lt_bigo_token *tokens, char **copies)
{
    for (size_t i = 0; i < list->count; i++) {
        const char *item = list->items[i];
        size_t nl = strcspn(item, "=");
        if (!(copies[i] = strdup(item)))
            return -1;
        copies[i][nl] = '\0';
        char *value = copies[i] + nl + (item[nl] ? 1 : 0), *space = strchr(value, ' ');
        if (space)
            *space++ = '\0';
        tokens[i] = (lt_bigo_token){copies[i], value, space};
    }
    return 0;
}

lt_bigo *lt_collector_bigo_create(const lt_collector_config *cfg, const char *collector_id, lt_publisher *pub,
                                  const lt_kafka_properties *props, struct lws_context *lws, lt_gate *gate,
                                  uintptr_t tag, char *err, size_t errlen)
{
    const struct lt_collector_bigo_config *c = &cfg->bigo;
    lt_bigo_sign_mode sign_mode = LT_BIGO_SIGN_LOG;
    lt_bigo_sign_mode_from_name(c->push.sign_check, &sign_mode); /* checked with the configuration */
    size_t ntokens = c->pull.tokens.count;
    lt_bigo_token *tokens = calloc(ntokens + 1, sizeof *tokens);
    char **copies = calloc(ntokens + 1, sizeof *copies);
    lt_bigo *b = NULL;
    if (!tokens || !copies || split_tokens(&c->pull.tokens, tokens, copies)) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    lt_bigo_options o = {
        .address = c->listen.address,
        .port = (int)c->listen.port,
        .path = c->listen.path,
        .tls_cert = nonempty(c->listen.tls_cert),
        .tls_key = nonempty(c->listen.tls_key),
        .abbr = c->push.abbr,
        .accounts = c->push.accounts,
        .accounts_file = nonempty(c->push.accounts_file),
        .login_window_ms = c->push.login_window_s * 1000,
        .sign_mode = sign_mode,
        .idle_timeout_ms = (int)c->push.idle_timeout_s * 1000,
        .login_timeout_ms = (int)c->push.login_timeout_s * 1000,
        .max_connections = (size_t)c->push.max_connections,
        .max_connections_per_address = (size_t)c->push.max_connections_per_address,
        .login_failures_per_min = (double)c->push.login_failures_per_min,
        .max_frame = (size_t)c->push.max_frame_bytes,
        .max_msgs_per_s = (double)c->push.max_msgs_per_s,
        .max_items = (size_t)c->push.max_items,
        .ack_timeout_ms = (int)c->push.ack_timeout_ms,
        .dedupe_capacity = (size_t)c->push.dedupe_capacity,
        .publisher = pub,
        .collector_id = collector_id,
        .flush_timeout_ms = (int)cfg->kafka.flush_timeout_ms,
        .seed =
            {
                .enabled = c->dedupe.seed,
                .bootstrap_servers = cfg->kafka.bootstrap_servers,
                .properties = props->items,
                .property_count = props->count,
                .lookback_s = (int)c->dedupe.seed_lookback_s,
                .timeout_ms = (int)c->dedupe.seed_timeout_ms,
                .max_records = (size_t)c->dedupe.seed_max_records,
            },
        .pull =
            {
                .enabled = c->pull.enabled,
                .base_url = c->pull.base_url,
                .tokens = tokens,
                .token_count = ntokens,
                .tokens_file = nonempty(c->pull.tokens_file),
                .client_id = nonempty(c->pull.client_id),
                .private_key_file = nonempty(c->pull.private_key_file),
                .ca_file = nonempty(c->pull.ca_file),
                .insecure_tls = c->pull.insecure_tls,
                .interval_ms = (int)c->pull.interval_ms,
                .batch = (int)c->pull.batch,
                .rate_per_user = (double)c->pull.rate_per_user,
                .backoff_cap_ms = (int)c->pull.backoff_cap_ms,
                .lookback_s = (int)c->pull.lookback_s,
                .session_idle_s = (int)c->pull.session_idle_s,
                .timeout_ms = (int)c->pull.timeout_ms,
                .game_id = nonempty(c->pull.game_id),
                .rooms = (const char *const *)c->pull.rooms.items,
                .room_count = c->pull.rooms.count,
                .game_duration_s = (int)c->pull.game_duration_s,
                .ping_interval_s = (int)c->pull.ping_interval_s,
                .gift_catalogue = c->pull.gift_catalogue,
                .gift_catalogue_interval_s = (int)c->pull.gift_catalogue_interval_s,
                .gift_catalogue_min_refresh_s = (int)c->pull.gift_catalogue_min_refresh_s,
            },
        .lws = lws,
        .gate = gate,
        .delivery_tag = tag,
    };
    b = lt_bigo_create(&o, err, errlen);
done:
    for (size_t i = 0; copies && i < ntokens; i++)
        free(copies[i]);
    free(copies);
    free(tokens);
    return b;
}

void lt_collector_bigo_report(lt_bigo *b)
{
    lt_bigo_stats st;
    lt_bigo_get_stats(b, &st);
    lt_info(
        "bigo stopped: %llu batches (%llu acknowledged, %llu failed, %llu timed out: 503) and %llu refused "
        "while Kafka pushed back (503), %llu items, %llu duplicates, %llu published, %llu delivered, %llu "
        "pull "
        "pages; %zu not acknowledged by Kafka",
        (unsigned long long)st.batches, (unsigned long long)st.batches_acked,
        (unsigned long long)st.batches_failed, (unsigned long long)st.batches_timed_out,
        (unsigned long long)st.refused_backpressure, (unsigned long long)st.items,
        (unsigned long long)st.duplicates, (unsigned long long)st.published, (unsigned long long)st.delivered,
        (unsigned long long)st.pull_pages, st.undelivered_at_exit);
}
