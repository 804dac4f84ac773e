/* core/loop.c - the collector runtime's lws context (core/loop.h). */
#include "core/loop.h"

#include <stdio.h>
#include <string.h>

#include <libwebsockets.h>

#include "core/log.h"

static void lws_log_to_ours(int level, const char *line)
{
    size_t n = strlen(line);
    while (n > 0 && line[n - 1] == '\n')
        n--;
    lt_log(level == LLL_ERR ? LT_LOG_ERROR : LT_LOG_WARN, "lws: %.*s", (int)n, line);
}

struct lws_context *lt_loop_create(char *err, size_t errlen)
{
    lws_set_log_level(LLL_ERR, lws_log_to_ours);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.gid = -1;
    info.uid = -1;
    info.pt_serv_buf_size = 32 * 1024;     /* long signed URLs and cookie headers */
    info.max_http_header_data = 16 * 1024; /* a WebSocket handshake's answer */
    struct lws_context *lws = lws_create_context(&info);
    if (!lws)
        snprintf(err, errlen,
                 "libwebsockets context creation failed (out of memory, or TLS did not initialise)");
    return lws;
}
