/* peers.c - connections counted per address, from accept() on.
 *
 * Two counts per address: WebSocket clients (upgraded; the per-address
 * client cap applies to them) and sockets (every accepted connection). Their
 * difference is what an address holds before the upgrade: idle or half-sent
 * requests, plain HTTP. Per-address limits after the upgrade did not
 * protect the handshake: 1,500 such sockets from one address held lws's
 * header pool and timers, and /healthz and every WebSocket connect waited
 * behind them (issue 20). So each accepted socket counts against its
 * address in lws's FILTER_NETWORK_CONNECTION callback, before lws allocates
 * anything for it, and an address holding max_handshakes_per_address sockets
 * not yet upgraded gets its next one closed at once. The count follows the
 * socket: its wsi is created right after the filter (WSI_CREATE) and is
 * destroyed last (WSI_DESTROY), whatever happened in between; a map from
 * wsi to address ties the two together.
 *
 * Loop thread only.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "sidecar/internal.h"

uint32_t lt_sidecar_ip_hash(const char *ip)
{
    uint32_t h = 2166136261u;
    for (const char *p = ip; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    return h;
}

static ip_count **ip_slot(lt_sidecar *sc, const char *ip)
{
    ip_count **pp = &sc->ips[lt_sidecar_ip_hash(ip) & 255];
    while (*pp && strcmp((*pp)->ip, ip) != 0)
        pp = &(*pp)->next;
    return pp;
}

static ip_count *ip_get(lt_sidecar *sc, const char *ip, bool create)
{
    ip_count **pp = ip_slot(sc, ip);
    if (!*pp && create && (*pp = calloc(1, sizeof(ip_count))))
        snprintf((*pp)->ip, sizeof((*pp)->ip), "%s", ip);
    return *pp;
}

static void ip_release(lt_sidecar *sc, ip_count *e)
{
    if (e->count || e->sockets)
        return;
    ip_count **pp = ip_slot(sc, e->ip);
    if (*pp == e) {
        *pp = e->next;
        free(e);
    }
}

/* WebSocket clients from `ip`, after adding delta. */
unsigned lt_sidecar_ip_clients(lt_sidecar *sc, const char *ip, int delta)
{
    ip_count *e = ip_get(sc, ip, delta > 0);
    if (!e)
        return 0;
    e->count = (unsigned)((int)e->count + delta);
    unsigned n = e->count;
    ip_release(sc, e);
    return n;
}


static socket_entry **socket_slot(lt_sidecar *sc, const struct lws *wsi)
{
    uintptr_t h = (uintptr_t)wsi;
    socket_entry **pp = &sc->sockets[(h >> 4 ^ h >> 14) & 1023];
    while (*pp && (*pp)->wsi != wsi)
        pp = &(*pp)->next;
    return pp;
}

static void accepted_drop(lt_sidecar *sc)
{
    if (sc->accepted) {
        sc->accepted->sockets--;
        ip_release(sc, sc->accepted);
        sc->accepted = NULL;
    }
}

/* Non-zero: close the socket now. */
int lt_sidecar_peer_accept(lt_sidecar *sc, const struct lws_filter_network_conn_args *filt)
{
    char ip[64] = "";
    const struct sockaddr *sa = (const struct sockaddr *)&filt->cli_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, ip, sizeof(ip));
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, ip, sizeof(ip));
    accepted_drop(sc); /* the previous one never got a wsi */
    ip_count *e = ip_get(sc, ip, true);
    if (!e)
        return 1;
    unsigned pending = e->sockets > e->count ? e->sockets - e->count : 0;
    if (pending >= sc->cfg->max_handshakes_per_address) {
        sc->refused_handshakes++;
        lt_log_every(&sc->accept_log_slot, 60000, LT_LOG_WARN,
                     "sidecar: %s holds %u connections that have not upgraded (limit %ld): closing its new "
                     "ones at accept (counted in livetap_sidecar_refused_total)",
                     ip, pending, sc->cfg->max_handshakes_per_address);
        ip_release(sc, e);
        return 1;
    }
    e->sockets++;
    sc->accepted = e;
    return 0;
}

void lt_sidecar_peer_created(lt_sidecar *sc, struct lws *wsi)
{
    if (!sc->accepted)
        return; /* the listener, lws's own pipes */
    socket_entry *se = calloc(1, sizeof(*se));
    if (!se) {
        accepted_drop(sc);
        return;
    }
    se->wsi = wsi;
    se->ip = sc->accepted;
    sc->accepted = NULL;
    socket_entry **pp = socket_slot(sc, wsi);
    se->next = *pp;
    *pp = se;
}

void lt_sidecar_peer_destroyed(lt_sidecar *sc, struct lws *wsi)
{
    socket_entry **pp = socket_slot(sc, wsi);
    socket_entry *se = *pp;
    if (!se)
        return;
    *pp = se->next;
    se->ip->sockets--;
    ip_release(sc, se->ip);
    free(se);
}
