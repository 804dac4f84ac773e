#!/usr/bin/env python3
"""bench/wss_heap.py - where a wss room's bytes go (issue 21 target 4).

Reads two heaptrack flame-graph files of livetap-collector, one holding 1
room and one holding N rooms over wss, each written with
    heaptrack_print -f RUN.zst -F RUN.fg --flamegraph-cost-type leaked
from a run stopped with SIGKILL once every room was live (so "leaked" is
the heap of that moment), and prints bytes per room by owner:
(heap at N - heap at 1) / (N - 1), grouped by the stack's frames.

usage: wss_heap.py ONE.fg MANY.fg N
"""
import collections
import re
import sys

OPENSSL = re.compile(r"^(CRYPTO_|SSL_|EVP_|BN_|ASN1_|X509|OSSL_|PEM_|BIO_|RSA_|EC_|OPENSSL_|d2i_|ossl_)")
OURS_EXTRA = ("split_url",)


def owner(frames):
    names = [f.split(" ")[0] for f in frames if not f.startswith("0x")]
    if any(n.startswith(("curl_", "Curl_")) for n in names):
        return "libcurl: HTTP client (its connections, TLS and handles)"
    if any(OPENSSL.match(n) for n in names):
        if any(n.startswith("lws_") for n in names) and "lt_http_create" not in names:
            if "SSL_new" in names:
                return "OpenSSL: SSL object (SSL_new)"
            if any(n.startswith(("ASN1", "X509", "d2i", "BN_", "PEM_")) for n in names):
                return "OpenSSL: peer certificate and key exchange state"
            return "OpenSSL: other per connection (cipher contexts, BIO, digests)"
        return "OpenSSL: process-wide (CA store, init)"
    if "lws_client_connect_via_info" in names:
        return "lws: connection object (wsi) and its stash"
    leaf = [n for n in names if not n.startswith(("__", "malloc", "calloc", "realloc", "_int"))]
    if leaf and leaf[-1].startswith("lws_"):
        return "lws: per-connection buffers (ws rx buffer, headers)"
    for n in reversed(names):
        if n.startswith("lt_") or n in OURS_EXTRA:
            return "ours: " + n
    return "other (libc, loader)"


def load(path):
    total = collections.Counter()
    with open(path) as f:
        for line in f:
            stack, cost = line.rstrip().rsplit(" ", 1)
            total[owner([x for x in stack.split(";") if x])] += int(cost)
    return total


def main():
    one, many, n = load(sys.argv[1]), load(sys.argv[2]), int(sys.argv[3])
    rows = sorted(set(one) | set(many), key=lambda k: -(many[k] - one[k]))
    print("| owner | bytes per room |")
    print("|---|---:|")
    total = 0.0
    for k in rows:
        per = (many[k] - one[k]) / (n - 1)
        if abs(per) < 50:
            continue
        total += per
        print(f"| {k} | {per:,.0f} |")
    print(f"| **heap per room** | **{total:,.0f}** |")


if __name__ == "__main__":
    main()
