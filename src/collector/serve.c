/* collector/serve.c - the runtime's loop over its sources (collector/serve.h). */
#include "collector/serve.h"

#include <signal.h>

#include <libwebsockets.h>

#include "core/log.h"

/* What a signal handler reaches while the loop runs. */
static const lt_collector_sources *volatile running;
static struct lws_context *volatile running_loop;
static volatile sig_atomic_t stop_asked;

void lt_collector_serve_stop(void)
{
    stop_asked = 1;
    const lt_collector_sources *ss = running;
    if (ss)
        for (size_t i = 0; i < ss->count; i++)
            ss->slot[i].source->stop(ss->slot[i].instance);
    struct lws_context *lws = running_loop;
    if (lws)
        lws_cancel_service(lws);
}

const volatile sig_atomic_t *lt_collector_serve_stopping(void)
{
    return &stop_asked;
}

static long service(struct lws_context *lws, const lt_collector_sources *ss, void (*poll)(void *ctx),
                    void *poll_ctx)
{
    for (size_t i = 0; i < ss->count; i++) {
        const lt_collector_source_slot *s = &ss->slot[i];
        if (s->source->start && s->source->start(s->instance) != 0)
            return -1;
    }
    while (!stop_asked) {
        if (lws_service(lws, 0) < 0) {
            lt_error("event loop failed");
            return -1;
        }
        if (poll)
            poll(poll_ctx);
    }
    return 0;
}

long lt_collector_serve(struct lws_context *lws, const lt_collector_sources *ss, void (*poll)(void *ctx),
                        void *poll_ctx)
{
    running_loop = lws;
    running = ss;
    long left = service(lws, ss, poll, poll_ctx);
    for (size_t i = 0; left >= 0 && i < ss->count; i++)
        left += ss->slot[i].source->finish(ss->slot[i].instance);
    running = NULL;
    running_loop = NULL;
    stop_asked = 0;
    return left;
}
