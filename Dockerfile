# syntax=docker/dockerfile:1
# livetap: one image with every program (livetap-collector, livetap-sidecar,
# livetap-bigo, livetap-sim, livetap-demo); the Helm chart picks one per
# Deployment with `command:`. livetap-bigo is livetap-collector's runtime with
# only the BIGO source (its own config file shape, docs/bigo.md).
#
#   docker build -t livetap/livetap:0.1.0 .
#   docker run --rm livetap/livetap:0.1.0 livetap-collector --help
#
# Two stages on Debian 13 (trixie): the build stage has the compilers and -dev
# packages, the runtime stage only the shared libraries they link, CA
# certificates and a non-root user (uid 10001, as the chart's securityContext).
# The runtime package names are trixie's (the 64-bit time_t transition renamed
# several: libcurl4t64, libssl3t64, libev4t64, libwebsockets19t64; avro-c
# 1.12 is libavro24); scripts/chroot-check.sh checks that every package named
# here exists in trixie.

FROM debian:trixie AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config protobuf-c-compiler \
      librdkafka-dev libprotobuf-c-dev libcurl4-openssl-dev libwebsockets-dev \
      libavro-dev libjansson-dev libyaml-dev zlib1g-dev libssl-dev \
 && rm -rf /var/lib/apt/lists/*
# -DLT_INSTALLED_DATA=ON compiles in /usr/share/livetap/{schemas,www}, the very
# paths `cmake --install` fills and the runtime stage ships.
WORKDIR /src
COPY CMakeLists.txt ./
COPY proto/ proto/
COPY schemas/ schemas/
COPY src/ src/
RUN cmake -S . -B /tmp/build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DLT_BUILD_TESTS=OFF -DCMAKE_INSTALL_PREFIX=/usr -DLT_INSTALLED_DATA=ON \
 && ninja -C /tmp/build \
 && DESTDIR=/out cmake --install /tmp/build --strip

FROM debian:trixie-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates librdkafka1 libprotobuf-c1 libcurl4t64 libwebsockets19t64 libwebsockets-evlib-ev libev4t64 \
      libavro24 libjansson4 libyaml-0-2 zlib1g libssl3t64 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 livetap \
 && useradd --system --uid 10001 --gid livetap --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin livetap
COPY --from=build /out/usr/bin/ /usr/bin/
COPY --from=build /out/usr/share/livetap/ /usr/share/livetap/
# Commented examples; the chart mounts its rendered files over /etc/livetap.
COPY config/ /etc/livetap/
USER 10001:10001
# collector admin API / BIGO admin (8080), sidecar (8090), BIGO push (8443)
EXPOSE 8080 8090 8443
# SIGTERM flushes Kafka before exit; give `docker stop -t` more than kafka.flush_timeout_ms.
STOPSIGNAL SIGTERM
CMD ["livetap-collector", "--help"]
