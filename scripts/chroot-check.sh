#!/usr/bin/env bash
# chroot-check.sh - proves the README's set-up on another Debian release: a
# chroot of that release made with debootstrap from the Debian mirror this
# machine's apt uses, then inside it scripts/setup.sh (packages by release,
# Python venvs, the build), the unit tests, and the Kafka-facing
# integration tests against the host's broker and registry (the chroot shares
# the host's network; LT_KAFKA_BOOTSTRAP / LT_REGISTRY_URL as exported by
# scripts/dev-infra.sh env; skipped with a message when they are not set).
#
#   scripts/chroot-check.sh            Debian 13 (trixie)
#
# The chroot after its packages are installed is cached as a tarball in
# $LT_TOOL_CACHE (default /var/cache/livetap), keyed by the release and the
# hash of scripts/setup.sh and the requirements files: a warm run unpacks it
# and only builds and tests. When there is no tarball and debootstrap cannot
# reach the mirror, the check is skipped with a loud message (exit 0); every
# other failure fails. Needs root (debootstrap, chroot, mounts).
#
# Environment: LT_CHROOT_SUITE (trixie), LT_CHROOT_MIRROR (the first Debian
# URI in /etc/apt/sources.list*), LT_CHROOT_DIR (build/chroot-<suite>),
# LT_TOOL_CACHE, LT_CHROOT_TESTS (ctest -R regex of the integration tests).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SUITE="${LT_CHROOT_SUITE:-trixie}"
CACHE="${LT_TOOL_CACHE:-/var/cache/livetap}"
DIR="${LT_CHROOT_DIR:-$ROOT/build/chroot-$SUITE}"
TESTS="${LT_CHROOT_TESTS:-publish|sidecar$|collector_group|kafka_sasl|py_test_bigo|registry|tail_scan}"
say() { printf 'chroot-check: %s\n' "$*" >&2; }
die() { say "FAIL: $*"; exit 1; }

[[ $(id -u) -eq 0 ]] || die "needs root (debootstrap, chroot, mounts)"
command -v debootstrap >/dev/null 2>&1 || {
    say "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
}

mirror() {
    local uri
    uri="$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null |
        grep -oE 'https?://[^ ]+/debian/?( |$)' | head -1 | tr -d ' ')"
    echo "${uri:-http://deb.debian.org/debian}"
}
MIRROR="${LT_CHROOT_MIRROR:-$(mirror)}"
KEY="$(cat "$ROOT/scripts/setup.sh" "$ROOT/tests/requirements.txt" "$ROOT/tests/conformance/requirements.txt" | sha1sum | cut -c1-12)"
mkdir -p "$CACHE"
# zstd unpacks the ~1.3 GB chroot several times faster than gzip
if command -v zstd >/dev/null 2>&1; then ZIP="zstd -T0 -3" EXT=tar.zst; else ZIP=gzip EXT=tar.gz; fi
TARBALL="$CACHE/chroot-$SUITE-$KEY.$EXT"

mounted=()
cleanup() {
    local m i
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
        m="${mounted[$i]}"
        umount -l "$m" 2>/dev/null || true
    done
}
trap cleanup EXIT
mount_in() { # source target [options]
    mkdir -p "$DIR$2"
    mount ${3:+-o "$3"} --bind "$1" "$DIR$2"
    mounted+=("$DIR$2")
}

# A run that was killed may have left its mounts: never delete through them.
fresh_dir() {
    local m
    for m in $(awk -v d="$DIR/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r); do umount -l "$m" || true; done
    if awk -v d="$DIR/" 'index($2, d) == 1 {found = 1} END {exit !found}' /proc/mounts; then
        die "$DIR still has mounts; unmount them before running again"
    fi
    rm -rf --one-file-system "$DIR" && mkdir -p "$DIR"
}

start=$SECONDS
if [[ -f "$TARBALL" ]]; then
    say "unpacking the cached $SUITE chroot ($TARBALL)"
    fresh_dir
    tar -I "$ZIP" -xf "$TARBALL" -C "$DIR"
    cold=0
else
    if ! curl -sfI --max-time 20 "$MIRROR/dists/$SUITE/Release" >/dev/null; then
        say "################################################################"
        say "SKIPPED: no cached $SUITE chroot and debootstrap cannot reach the"
        say "Debian mirror $MIRROR ($MIRROR/dists/$SUITE/Release did not answer)."
        say "Debian $SUITE was NOT checked in this run."
        say "################################################################"
        exit 0
    fi
    say "debootstrap $SUITE from $MIRROR into $DIR (cold: several minutes)"
    fresh_dir
    debootstrap --variant=minbase --include=ca-certificates,git "$SUITE" "$DIR" "$MIRROR" \
        >"$ROOT/build/debootstrap-$SUITE.log" 2>&1 || { tail -20 "$ROOT/build/debootstrap-$SUITE.log" >&2; die "debootstrap (log: build/debootstrap-$SUITE.log)"; }
    cold=1
fi
say "$(cat "$DIR/etc/debian_version" 2>/dev/null | sed 's/^/Debian /') in $DIR ($((SECONDS - start)) s)"

cp /etc/resolv.conf "$DIR/etc/resolv.conf" 2>/dev/null || true
# The host's way to the package registries holds inside: its local CAs (a
# TLS-inspecting proxy's, say) and its pip configuration.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    mkdir -p "$DIR/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$DIR/usr/local/share/ca-certificates/"
    chroot "$DIR" update-ca-certificates >/dev/null 2>&1 || die "update-ca-certificates in the chroot"
fi
[[ -f /etc/pip.conf ]] && cp /etc/pip.conf "$DIR/etc/pip.conf"
mount_in /proc /proc
mount_in /sys /sys
mount_in /dev /dev
mount_in /dev/pts /dev/pts
# the source as the repository has it (tracked and new files, not build/),
# stamped now: the cached /build is rebuilt whole, its warnings counted
rm -rf "$DIR/src" && mkdir -p "$DIR/src"
(cd "$ROOT" && git ls-files -z -co --exclude-standard | tar --null -T - -cf -) | tar -xmf - -C "$DIR/src"

in_chroot() { chroot "$DIR" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 "$@"; }

say "scripts/setup.sh inside the chroot (packages by release, venvs, build)"
t=$SECONDS
in_chroot bash -c 'cd /src && LT_BUILD_DIR=/build bash scripts/setup.sh' >"$ROOT/build/chroot-$SUITE-setup.log" 2>&1 \
    || { tail -40 "$ROOT/build/chroot-$SUITE-setup.log" >&2; die "setup.sh on $SUITE (log: build/chroot-$SUITE-setup.log)"; }
warnings="$(grep -c 'warning:' "$ROOT/build/chroot-$SUITE-setup.log" || true)"
say "setup.sh passed ($((SECONDS - t)) s; $warnings compiler warnings; $(in_chroot bash -c 'gcc --version | head -1; pkg-config --modversion rdkafka' | paste -sd ' ' -))"
if ((cold)) || [[ ! -f "$DIR/build/venv/bin/python" || ! -f "$DIR/.livetap-cache" ]]; then
    say "caching the prepared chroot as $TARBALL"
    touch "$DIR/.livetap-cache"
    # with /build: its venvs are reused, its objects rebuilt as the sources change
    tar --exclude=./proc/* --exclude=./sys/* --exclude=./dev/* --exclude=./src \
        -I "$ZIP" -cf "$TARBALL.tmp" -C "$DIR" . && mv "$TARBALL.tmp" "$TARBALL"
    find "$CACHE" -maxdepth 1 -name "chroot-$SUITE-*.tar.*" ! -name "$(basename "$TARBALL")" -delete
fi

# The Dockerfile's stages are Debian 13: every package they install exists there.
if grep -q "^FROM debian:$SUITE" "$ROOT/Dockerfile"; then
    docker_packages="$(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$ROOT/Dockerfile" |
        grep -oE 'apt-get install [^&]*' | tr -s ' ' '\n' | grep -vE '^(apt-get|install|-.*|)$' | sort -u)"
    in_chroot apt-get install -s $docker_packages >/dev/null 2>"$ROOT/build/chroot-$SUITE-docker.log" ||
        { cat "$ROOT/build/chroot-$SUITE-docker.log" >&2; die "the Dockerfile names packages $SUITE does not have"; }
    say "the Dockerfile's $(wc -w <<<"$docker_packages") packages exist in $SUITE"
fi

say "unit tests inside the chroot"
in_chroot ctest --test-dir /build -L unit -j2 --output-on-failure --timeout 300 || die "unit tests on $SUITE"

if [[ -n "${LT_KAFKA_BOOTSTRAP:-}" && -n "${LT_REGISTRY_URL:-}" ]]; then
    infra="${LT_INFRA_DIR:-$ROOT/build/infra}"
    [[ -d "$infra" ]] && mount_in "$infra" /infra ro
    say "integration tests inside the chroot against the host's broker ($LT_KAFKA_BOOTSTRAP): $TESTS"
    in_chroot LT_KAFKA_BOOTSTRAP="$LT_KAFKA_BOOTSTRAP" LT_REGISTRY_URL="$LT_REGISTRY_URL" \
        LT_KAFKA_VERSION="${LT_KAFKA_VERSION:-}" LT_INFRA_DIR=/infra \
        ctest --test-dir /build -R "$TESTS" -j1 --output-on-failure --timeout 900 || die "integration tests on $SUITE"
else
    say "integration tests not run in the chroot: LT_KAFKA_BOOTSTRAP / LT_REGISTRY_URL not set (eval \"\$(scripts/dev-infra.sh env)\")"
fi
say "OK: Debian $SUITE ($((SECONDS - start)) s in all, $([[ $cold == 1 ]] && echo cold || echo warm))"
