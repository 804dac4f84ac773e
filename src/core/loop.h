/* core/loop.h - the collector runtime's event loop: one libwebsockets
 * context for every source of the process.
 *
 * The runtime (collector/runtime.c) creates it before any source, runs
 * lws_service on it and destroys it after every source is gone. It has no
 * vhost of its own (LWS_SERVER_OPTION_EXPLICIT_VHOSTS): each user adds
 * one with its own protocols and settings - TikTok a client vhost for its
 * push WebSockets and HTTP (proxy, CA file), BIGO its push listener, the
 * admin API its listener. What cannot be set per vhost is set here, large
 * enough for every source: TLS initialised, 32 KiB of service buffer
 * (long signed URLs and cookie headers), 16 KiB of HTTP header data (a
 * WebSocket handshake's answer). lws's own log lines go to ours (core/log).
 *
 * In its own header (not core/source.h) so that tools and tests that need
 * a loop for one source (lookup, discover, unit tests) make the same one.
 */
#ifndef LT_CORE_LOOP_H
#define LT_CORE_LOOP_H

#include <stddef.h>

struct lws_context;

/* NULL with err on failure. Destroy with lws_context_destroy once every
 * vhost's owner has been destroyed. */
struct lws_context *lt_loop_create(char *err, size_t errlen);

#endif
