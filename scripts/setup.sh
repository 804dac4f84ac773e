#!/usr/bin/env bash
# setup.sh - everything livetap needs on a fresh Debian 12 or 13 machine, then a build.
#
# Idempotent: packages already installed are skipped by apt, the Python venvs
# (build/venv for the integration tests, build/peer-venv for the conformance
# suite) are reused, the build is
# incremental. Run as root or with sudo available. Options:
#   LT_BUILD_DIR   build directory (default build)
#   LT_CMAKE_ARGS  extra cmake arguments (e.g. -DLT_SANITIZE=ON)
#   LT_SKIP_APT=1  do not touch system packages
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${LT_BUILD_DIR:-$ROOT/build}"
say() { printf 'setup: %s\n' "$*" >&2; }

# The names that differ by release: clang's sanitizer runtime follows the
# default clang (14 on Debian 12, 19 on 13); the Java for Kafka (17+) and the
# registry (21+): Debian 12 has only 17 (the registry's Java 21 comes from
# elsewhere, see README), 13 has 21 and 25 but no 17.
. /etc/os-release 2>/dev/null || true
case "${VERSION_CODENAME:-}" in
    bookworm) RELEASE_PACKAGES=(libclang-rt-14-dev openjdk-17-jre-headless);;
    *)        RELEASE_PACKAGES=(libclang-rt-19-dev openjdk-21-jre-headless);;
esac
PACKAGES=(
    build-essential cmake ninja-build pkg-config clang clang-format clang-tidy "${RELEASE_PACKAGES[@]}"
    librdkafka-dev libprotobuf-c-dev protobuf-c-compiler protobuf-compiler
    libcurl4-openssl-dev libwebsockets-dev libwebsockets-evlib-ev libev-dev libavro-dev libjansson-dev
    libyaml-dev libcmocka-dev zlib1g-dev libssl-dev
    kcat curl unzip maven
    python3-venv valgrind chromium
    ffmpeg
)

if [[ "${LT_SKIP_APT:-0}" != 1 ]]; then
    SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
    missing=()
    for p in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    if ((${#missing[@]})); then
        say "installing Debian packages: ${missing[*]}"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        say "Debian packages present"
    fi
fi

# Python: the integration tests are pytest files driving real processes.
mkdir -p "$BUILD"
if [[ ! -x "$BUILD/venv/bin/python" ]]; then
    say "creating Python venv in $BUILD/venv"
    python3 -m venv "$BUILD/venv"
fi
REQ="$ROOT/tests/requirements.txt"
STAMP="$BUILD/venv/.requirements.sha"
if [[ ! -f "$STAMP" ]] || [[ "$(sha1sum <"$REQ")" != "$(cat "$STAMP")" ]]; then
    say "installing Python test packages ($REQ)"
    "$BUILD/venv/bin/pip" install -q --disable-pip-version-check -r "$REQ"
    sha1sum <"$REQ" >"$STAMP"
fi

# The conformance suite's oracle (tests/conformance/README.md) in a venv of
# its own: TikTokLive needs a newer protobuf than the integration tests pin.
if [[ ! -x "$BUILD/peer-venv/bin/python" ]]; then
    say "creating Python venv in $BUILD/peer-venv"
    python3 -m venv "$BUILD/peer-venv"
fi
PEER_REQ="$ROOT/tests/conformance/requirements.txt"
PEER_STAMP="$BUILD/peer-venv/.requirements.sha"
if [[ ! -f "$PEER_STAMP" ]] || [[ "$(sha1sum <"$PEER_REQ")" != "$(cat "$PEER_STAMP")" ]]; then
    say "installing the conformance suite's packages ($PEER_REQ)"
    "$BUILD/peer-venv/bin/pip" install -q --disable-pip-version-check -r "$PEER_REQ"
    sha1sum <"$PEER_REQ" >"$PEER_STAMP"
fi

say "building in $BUILD"
# shellcheck disable=SC2086
cmake -S "$ROOT" -B "$BUILD" -G Ninja ${LT_CMAKE_ARGS:-} >/dev/null
ninja -C "$BUILD"
say "done: binaries in $BUILD"
