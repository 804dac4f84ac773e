/* listen.h - binding a libwebsockets listener to exactly the configured address.
 *
 * libwebsockets 4.1 built with IPv6 creates every listening socket as
 * AF_INET6 and, given an IPv4 literal as `iface`, still binds the IPv6 any
 * address with v6only off: "127.0.0.1" ends up listening on every interface
 * (ss shows *:PORT). So each listener states its family itself:
 *   - an IPv4 literal ("127.0.0.1", "0.0.0.0"): the vhost has IPv6 disabled
 *     and binds that IPv4 address (0.0.0.0: every IPv4 interface);
 *   - an IPv6 literal ("::1", "::"): an IPv6 socket bound to that address
 *     with v6only on, so "::1" is the IPv6 loopback and nothing else and "::"
 *     is every IPv6 interface (IPv4 clients need an IPv4 listener).
 * Names (localhost, eth0) are refused: a name can mean several addresses or
 * an interface that changes; write the address.
 */
#ifndef LT_CORE_LISTEN_H
#define LT_CORE_LISTEN_H

#include <stddef.h>

struct lws_context_creation_info;

/* Sets info->iface (to `address`, which must outlive the vhost) and the
 * family options. -1 with err naming the address if it is not a literal. */
int lt_listen_configure(struct lws_context_creation_info *info, const char *address, char *err,
                        size_t errlen);

#endif
