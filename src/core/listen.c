/* listen.c - see listen.h. */
#include "core/listen.h"

#include <arpa/inet.h>
#include <libwebsockets.h>
#include <stdio.h>

int lt_listen_configure(struct lws_context_creation_info *info, const char *address, char *err, size_t errlen)
{
    struct in6_addr a6;
    struct in_addr a4;
    if (address && inet_pton(AF_INET, address, &a4) == 1) {
        info->options |= LWS_SERVER_OPTION_DISABLE_IPV6;
        info->iface = a4.s_addr == htonl(INADDR_ANY) ? NULL : address;
        return 0;
    }
    if (address && inet_pton(AF_INET6, address, &a6) == 1) {
        info->options |= LWS_SERVER_OPTION_IPV6_V6ONLY_MODIFY | LWS_SERVER_OPTION_IPV6_V6ONLY_VALUE;
        info->iface = IN6_IS_ADDR_UNSPECIFIED(&a6) ? NULL : address;
        return 0;
    }
    snprintf(err, errlen,
             "listen address \"%s\" is not an IP address: write one, e.g. 127.0.0.1 (this host only), "
             "0.0.0.0 (every IPv4 interface), ::1 or ::",
             address ? address : "");
    return -1;
}
