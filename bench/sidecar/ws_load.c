/* ws_load.c - a WebSocket load client for the fan-out benchmark.
 *
 * Opens many client connections from one thread (epoll, non-blocking), reads
 * every frame and measures, per run: frames and bytes delivered per second,
 * and the latency from each frame's "ingest_time" (set by the publisher when
 * it produced the record, i.e. the Kafka record's CreateTime, in ms) to its
 * receipt here. It speaks just enough RFC 6455 for a server that sends
 * unmasked text frames: the upgrade, frame headers, ping -> pong, close.
 * It is deliberately cheap per frame (header arithmetic; the payload is only
 * scanned for ingest_time on sampled frames) so that on a small machine the
 * server, not the client, is what is measured.
 *
 * usage: ws_load HOST PORT PATH_FMT CLIENTS ROOMS SECONDS [SAMPLE_EVERY]
 *   PATH_FMT is a printf format taking the room index, e.g. /ws/bench%d;
 *   client i opens room i % ROOMS. Prints one JSON line of results.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF 262144
#define MAX_MS 60000

typedef struct conn {
    int fd;
    int upgraded;
    uint8_t *buf;
    size_t len;
    int closed_code;
} conn;

static uint64_t lat_hist[MAX_MS + 1];
static uint64_t lat_count;
/* The worst latency of each second of the run (from the first sampled
 * frame): tells a start-up transient from a steady delay. */
#define SECONDS_KEPT 120
static int64_t worst_by_s[SECONDS_KEPT];
/* Latency once the first WARMUP_S seconds of frames are past, reported
 * beside the whole run's. */
#define WARMUP_S 5
static uint64_t steady_hist[MAX_MS + 1];
static uint64_t steady_count;
static int64_t first_sample_ms;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sample_latency(const uint8_t *p, size_t n)
{
    static const char key[] = "\"ingest_time\":";
    const uint8_t *at = memmem(p, n, key, sizeof(key) - 1);
    if (!at)
        return;
    at += sizeof(key) - 1;
    int64_t v = 0;
    while (at < p + n && *at >= '0' && *at <= '9')
        v = v * 10 + (*at++ - '0');
    int64_t d = now_ms() - v;
    if (d < 0)
        d = 0;
    if (d > MAX_MS)
        d = MAX_MS;
    int64_t now = now_ms();
    if (!first_sample_ms)
        first_sample_ms = now;
    int64_t sec = (now - first_sample_ms) / 1000;
    if (sec < SECONDS_KEPT && d > worst_by_s[sec])
        worst_by_s[sec] = d;
    if (sec >= WARMUP_S) {
        steady_hist[d]++;
        steady_count++;
    }
    lat_hist[d]++;
    lat_count++;
}

static int64_t quantile(const uint64_t *hist, uint64_t count, double q)
{
    uint64_t want = (uint64_t)(q * (double)count), acc = 0;
    for (int i = 0; i <= MAX_MS; i++) {
        acc += hist[i];
        if (acc > want)
            return i;
    }
    return count ? MAX_MS : -1;
}

static int64_t percentile(double q)
{
    return quantile(lat_hist, lat_count, q);
}

static void send_pong(int fd, const uint8_t *payload, size_t n)
{
    uint8_t f[2 + 4 + 125];
    if (n > 125)
        n = 125;
    f[0] = 0x8A;
    f[1] = (uint8_t)(0x80 | n);
    memset(f + 2, 0, 4); /* a zero mask is a valid mask */
    memcpy(f + 6, payload, n);
    (void)!write(fd, f, 6 + n);
}

int main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr, "usage: ws_load HOST PORT PATH_FMT CLIENTS ROOMS SECONDS [SAMPLE_EVERY]\n");
        return 2;
    }
    const char *host = argv[1];
    int port = atoi(argv[2]), clients = atoi(argv[4]), rooms = atoi(argv[5]);
    double seconds = atof(argv[6]);
    int sample_every = argc > 7 ? atoi(argv[7]) : 8;
    conn *cs = calloc((size_t)clients, sizeof(conn));
    int ep = epoll_create1(0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, host, &sa.sin_addr);
    for (int i = 0; i < clients; i++) {
        conn *c = &cs[i];
        c->fd = socket(AF_INET, SOCK_STREAM, 0);
        if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
            perror("connect");
            return 1;
        }
        char path[256], req[512];
        snprintf(path, sizeof(path), argv[3], i % rooms);
        int n = snprintf(req, sizeof(req),
                         "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                         path, host, port);
        if (write(c->fd, req, (size_t)n) != n) {
            perror("write");
            return 1;
        }
        fcntl(c->fd, F_SETFL, O_NONBLOCK);
        c->buf = malloc(BUF);
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
    }
    uint64_t frames = 0, bytes = 0, closes = 0, upgraded = 0, errors = 0;
    double first_frame = 0, last_frame = 0;
    double start = mono(), end = start + seconds;
    struct epoll_event evs[256];
    while (mono() < end) {
        int n = epoll_wait(ep, evs, 256, 100);
        for (int k = 0; k < n; k++) {
            conn *c = evs[k].data.ptr;
            for (;;) {
                ssize_t r = read(c->fd, c->buf + c->len, BUF - c->len);
                if (r <= 0) {
                    if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
                        epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                        errors += c->closed_code == 0;
                        c->closed_code = c->closed_code ? c->closed_code : -1;
                    }
                    break;
                }
                bytes += (uint64_t)r;
                c->len += (size_t)r;
                size_t pos = 0;
                if (!c->upgraded) {
                    uint8_t *eoh = memmem(c->buf, c->len, "\r\n\r\n", 4);
                    if (!eoh)
                        continue;
                    if (memcmp(c->buf, "HTTP/1.1 101", 12) != 0) {
                        fprintf(stderr, "upgrade refused: %.*s\n", 40, c->buf);
                        return 1;
                    }
                    c->upgraded = 1;
                    upgraded++;
                    pos = (size_t)(eoh + 4 - c->buf);
                }
                while (c->len - pos >= 2) {
                    uint8_t *h = c->buf + pos;
                    uint64_t plen = h[1] & 0x7f;
                    size_t hl = 2;
                    if (plen == 126) {
                        if (c->len - pos < 4)
                            break;
                        plen = (uint64_t)h[2] << 8 | h[3];
                        hl = 4;
                    } else if (plen == 127) {
                        if (c->len - pos < 10)
                            break;
                        plen = 0;
                        for (int b = 0; b < 8; b++)
                            plen = plen << 8 | h[2 + b];
                        hl = 10;
                    }
                    if (plen > BUF - 16) {
                        fprintf(stderr, "frame too large\n");
                        return 1;
                    }
                    if (c->len - pos < hl + plen)
                        break;
                    int op = h[0] & 0x0f;
                    if (op == 1) {
                        if (!frames++)
                            first_frame = mono();
                        last_frame = mono();
                        /* every Nth frame of the run, not of each client: a client
                         * of a quiet room may see fewer than N frames */
                        if (frames % (uint64_t)sample_every == 0)
                            sample_latency(h + hl, plen);
                    } else if (op == 9) {
                        send_pong(c->fd, h + hl, plen);
                    } else if (op == 8) {
                        c->closed_code = plen >= 2 ? (h[hl] << 8 | h[hl + 1]) : 1005;
                        closes++;
                    }
                    pos += hl + plen;
                }
                memmove(c->buf, c->buf + pos, c->len - pos);
                c->len -= pos;
            }
        }
    }
    double elapsed = mono() - start;
    /* the rate while frames flowed, not over the idle edges of the run */
    double active = last_frame > first_frame ? last_frame - first_frame : elapsed;
    printf("{\"clients\":%d,\"upgraded\":%llu,\"seconds\":%.2f,\"frames\":%llu,\"bytes\":%llu,"
           "\"active_s\":%.2f,\"frames_per_s\":%.0f,\"closes\":%llu,\"errors\":%llu,\"latency_samples\":%llu,"
           "\"p50_ms\":%lld,\"p99_ms\":%lld,\"max_ms\":%lld,\"steady_p50_ms\":%lld,\"steady_p99_ms\":%lld}\n",
           clients, (unsigned long long)upgraded, elapsed, (unsigned long long)frames,
           (unsigned long long)bytes, active, (double)frames / active, (unsigned long long)closes,
           (unsigned long long)errors, (unsigned long long)lat_count, (long long)percentile(0.5),
           (long long)percentile(0.99), (long long)percentile(0.99999),
           (long long)quantile(steady_hist, steady_count, 0.5), (long long)quantile(steady_hist, steady_count, 0.99));
    fprintf(stderr, "worst latency per second (ms):");
    for (int i = 0; i < SECONDS_KEPT && first_sample_ms && i <= (now_ms() - first_sample_ms) / 1000; i++)
        fprintf(stderr, " %lld", (long long)worst_by_s[i]);
    fprintf(stderr, "\n");
    return 0;
}
