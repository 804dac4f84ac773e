#!/usr/bin/env bash
# dev-infra.sh - a real Apache Kafka broker and a real Confluent-compatible
# Schema Registry on this machine, for tests, demos and benchmarks.
#
#   scripts/dev-infra.sh start    download (cached) and start both, wait until ready
#   scripts/dev-infra.sh stop     stop both (SIGTERM: Kafka does a controlled shutdown)
#   scripts/dev-infra.sh status   what runs where
#   scripts/dev-infra.sh env      print the export lines tests and demos read
#   scripts/dev-infra.sh reset    stop, delete every topic (the broker's data), start
#
# Kafka (KRaft, single node: broker + controller) comes from Maven Central's
# kafka_2.13 artifact plus the logging binding its POM leaves out
# (scripts/infra/kafka-pom.xml). The version is LT_KAFKA_VERSION, default the
# pom's (4.4.0); 3.9.x and any 4.x Maven Central serves work, except 4.0.0:
# it removed JoinGroup v0, which librdkafka before 2.11 (Debian 12's 2.0.2,
# Debian 13's 2.8.0) needs for consumer groups; 4.0.1 and 4.1.0 put it back
# (KAFKA-19444). 4.x logs through log4j2, 3.x through log4j 1 (reload4j):
# each gets its own config. Jars live in kafka-libs-<version>/, the broker's
# state in kafka-<version>/. The registry is Apicurio Registry 3.3.3
# (Apache-2.0, Quarkus fast-jar from Maven Central, in-memory H2 storage;
# its classes need Java 21+, so the script looks for such a JDK beside the
# default Java 17 - the registry's java is LT_REGISTRY_JAVA if set)
# speaking the Confluent API under /apis/ccompat/v7; its default
# compatibility is NONE, so start sets the global level to BACKWARD like
# Confluent's. Both bind to 127.0.0.1 on non-default ports so that they never
# clash with a Kafka the user already runs. State, logs and pid files live
# under build/infra/; downloads are cached in ~/.m2.
#
# Environment: LT_KAFKA_VERSION, LT_INFRA_DIR (default <repo>/build/infra), LT_KAFKA_PORT
# (19092), LT_KAFKA_CONTROLLER_PORT (19093), LT_REGISTRY_PORT (18081),
# LT_REGISTRY_MGMT_PORT (19000), LT_INFRA_TIMEOUT (readiness wait, s, 300), LT_KAFKA_HEAP
# (the broker's -Xmx, default 2g: every test run creates its own topics, 3
# partitions each, one per event type; 15,551 partitions from a day's runs ran a
# 512 MB heap out of memory and the broker halted), LT_REGISTRY_HEAP (the
# registry's -Xmx, default 1g: its in-memory store keeps every subject a test run
# registers; at 512m one CI run saw a 30 s stall on a POST late in the suite).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
INFRA="${LT_INFRA_DIR:-$ROOT/build/infra}"
KAFKA_PORT="${LT_KAFKA_PORT:-19092}"
CONTROLLER_PORT="${LT_KAFKA_CONTROLLER_PORT:-19093}"
REGISTRY_PORT="${LT_REGISTRY_PORT:-18081}"
REGISTRY_MGMT_PORT="${LT_REGISTRY_MGMT_PORT:-19000}"
TIMEOUT="${LT_INFRA_TIMEOUT:-300}"
APICURIO_VERSION=3.3.3
DEP_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.6.1
KAFKA_POM="$ROOT/scripts/infra/kafka-pom.xml"
KAFKA_VERSION="${LT_KAFKA_VERSION:-$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$KAFKA_POM")}"
KAFKA_MAJOR="${KAFKA_VERSION%%.*}"

KAFKA_LIBS="$INFRA/kafka-libs-$KAFKA_VERSION"
KAFKA_DIR="$INFRA/kafka-$KAFKA_VERSION"
REGISTRY_DIR="$INFRA/apicurio"
BOOTSTRAP="127.0.0.1:$KAFKA_PORT"
REGISTRY_URL="http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7"

say() { printf 'dev-infra: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    case "$1" in
        java) die "java not found: install a JDK 17 or newer (scripts/setup.sh does: openjdk-17-jre-headless on Debian 12, openjdk-21-jre-headless on 13)";;
        mvn)  die "mvn not found: install Maven (apt-get install -y maven); it fetches Kafka and Apicurio from Maven Central";;
        kcat) die "kcat not found: run scripts/setup.sh (apt-get install -y kcat)";;
        unzip) die "unzip not found: apt-get install -y unzip";;
        *)    die "$1 not found: run scripts/setup.sh";;
    esac
}

# The newest JDK >= 21 on the machine (Apicurio 3.3 is built for Java 21).
registry_java() {
    if [[ -n "${LT_REGISTRY_JAVA:-}" ]]; then echo "$LT_REGISTRY_JAVA"; return 0; fi
    local cand best="" best_major=0 major
    for cand in "${JAVA_HOME:-/nonexistent}/bin/java" /usr/lib/jvm/*/bin/java "$(command -v java)"; do
        [[ -x "$cand" ]] || continue
        major="$("$cand" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')"
        [[ -n "$major" ]] || continue
        if ((major >= 21 && major > best_major)); then best="$cand"; best_major=$major; fi
    done
    [[ -n "$best" ]] || die "Apicurio Registry $APICURIO_VERSION needs Java 21 or newer and none was found (looked at \$JAVA_HOME and /usr/lib/jvm/*): install one (e.g. a Temurin 21/25 JDK) or set LT_REGISTRY_JAVA=/path/to/java"
    echo "$best"
}

check_kafka_version() {
    [[ "$KAFKA_VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "LT_KAFKA_VERSION='$KAFKA_VERSION' is not a release number such as 4.4.0 or 3.9.1"
    case "$KAFKA_VERSION" in
        4.0.0) die "Kafka 4.0.0 is not supported: it removed JoinGroup v0, which librdkafka before 2.11 (Debian's 2.0.2 and 2.8.0) needs for consumer groups; 4.0.1 and later put it back (KAFKA-19444). Use LT_KAFKA_VERSION=4.4.0 (the default), 4.0.1 or later, or 3.9.1";;
        3.9.*|[4-9].*) ;;
        *) die "Kafka $KAFKA_VERSION is not supported: use 3.9.x or 4.x (4.4.0 is the default)";;
    esac
}

# Writes the logging config for the selected Kafka into $1 and prints the
# JVM option that names it: log4j2 for 4.x (4.x ignores a log4j 1 config
# with 'ERROR Reconfiguration failed'), log4j 1 for 3.x.
kafka_log_opt() {
    local dir="$1"
    if ((KAFKA_MAJOR >= 4)); then
        cat >"$dir/log4j2.properties" <<'EOF'
status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stdout.ref = STDOUT
logger.raft.name = kafka.server.KafkaRaftServer
logger.raft.level = INFO
EOF
        echo "-Dlog4j2.configurationFile=file:$dir/log4j2.properties"
    else
        cat >"$dir/log4j.properties" <<'EOF'
log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaRaftServer=INFO
EOF
        echo "-Dlog4j.configuration=file:$dir/log4j.properties"
    fi
}

pid_alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

fetch_kafka() {
    if compgen -G "$KAFKA_LIBS/kafka_2.13-*.jar" >/dev/null; then return 0; fi
    need unzip
    say "fetching Kafka $KAFKA_VERSION jars from Maven Central (cached in ~/.m2)..."
    local profile=() log="$INFRA/mvn-kafka-$KAFKA_VERSION.log"
    ((KAFKA_MAJOR >= 4)) || profile=(-P reload4j)
    mkdir -p "$KAFKA_LIBS"
    mvn -B -q -f "$KAFKA_POM" "${profile[@]}" -Dkafka.version="$KAFKA_VERSION" "$DEP_PLUGIN:copy-dependencies" \
        -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIBS" >"$log" 2>&1 \
        || { tail -20 "$log" >&2; rm -rf "$KAFKA_LIBS"; die "could not download Kafka $KAFKA_VERSION from Maven Central (log: $log)"; }
    unzip -Z1 "$KAFKA_LIBS"/kafka_2.13-*.jar 'kafka/tools/StorageTool.class' >/dev/null 2>&1 \
        || die "the downloaded kafka_2.13 jar has no kafka.tools.StorageTool"
}

fetch_registry() {
    [[ -f "$REGISTRY_DIR/quarkus-run.jar" ]] && return 0
    local repo tarball
    repo="$(mvn -B -q help:evaluate -Dexpression=settings.localRepository -DforceStdout 2>/dev/null || true)"
    [[ -d "$repo" ]] || repo="$HOME/.m2/repository"
    tarball="$repo/io/apicurio/apicurio-registry-app/$APICURIO_VERSION/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz"
    if [[ ! -f "$tarball" ]]; then
        say "fetching Apicurio Registry $APICURIO_VERSION from Maven Central (~160 MB, cached in ~/.m2)..."
        mvn -B -q "$DEP_PLUGIN:get" -Dartifact="io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all" \
            -Dtransitive=false >"$INFRA/mvn-apicurio.log" 2>&1 \
            || { tail -20 "$INFRA/mvn-apicurio.log" >&2; die "could not download Apicurio from Maven Central (log: $INFRA/mvn-apicurio.log)"; }
    fi
    mkdir -p "$REGISTRY_DIR"
    tar -xzf "$tarball" -C "$REGISTRY_DIR"
    # The tarball may wrap quarkus-app/ in a folder: flatten to quarkus-run.jar at the top.
    if [[ ! -f "$REGISTRY_DIR/quarkus-run.jar" ]]; then
        local jar; jar="$(find "$REGISTRY_DIR" -name quarkus-run.jar | head -1)"
        [[ -n "$jar" ]] || die "no quarkus-run.jar in $tarball"
        cp -a "$(dirname "$jar")"/. "$REGISTRY_DIR"/
    fi
}

wait_for() { # what, pidfile, logfile, command...
    local what="$1" pidfile="$2" log="$3"; shift 3
    local start=$SECONDS deadline=$((SECONDS + TIMEOUT)) next_note=$((SECONDS + 30))
    until "$@" >/dev/null 2>&1; do
        pid_alive "$pidfile" || { tail -30 "$log" >&2; die "$what exited during start-up (log: $log)"; }
        if ((SECONDS >= deadline)); then
            tail -30 "$log" >&2
            die "$what not ready after ${TIMEOUT}s (log: $log); a broker with many topics from earlier runs starts slowly: raise LT_INFRA_TIMEOUT or start clean with '$0 reset'"
        fi
        if ((SECONDS >= next_note)); then
            say "$what still starting ($((SECONDS - start)) s; log: $log)"
            next_note=$((SECONDS + 30))
        fi
        sleep 0.5
    done
}

start_kafka() {
    local pidfile="$KAFKA_DIR/kafka.pid"
    if pid_alive "$pidfile"; then
        # alive is not ready: it may still be loading its logs (or shutting down)
        wait_for kafka "$pidfile" "$KAFKA_DIR/server.log" kcat -b "$BOOTSTRAP" -L -m 2
        say "kafka already running (pid $(cat "$pidfile"))"; return 0
    fi
    if kcat -b "$BOOTSTRAP" -L -m 2 >/dev/null 2>&1; then
        die "something else already answers on $BOOTSTRAP; stop it or set LT_KAFKA_PORT"
    fi
    fetch_kafka
    mkdir -p "$KAFKA_DIR"
    cat >"$KAFKA_DIR/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DIR/data
num.partitions=3
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=24
EOF
    local logopt cp="$KAFKA_LIBS/*"
    logopt="$(kafka_log_opt "$KAFKA_DIR")"
    if [[ ! -f "$KAFKA_DIR/data/meta.properties" ]]; then
        local cid; cid="$(java $logopt -cp "$cp" kafka.tools.StorageTool random-uuid)"
        java $logopt -cp "$cp" kafka.tools.StorageTool format -t "$cid" -c "$KAFKA_DIR/server.properties" \
            >"$KAFKA_DIR/format.log" 2>&1 || { cat "$KAFKA_DIR/format.log" >&2; die "kafka storage format failed"; }
    fi
    # every partition keeps files open: a dev broker that ran the suite many
    # times (before tests deleted their topics) died of "Too many open files"
    # at ~20,000 partition directories under a 20,000 descriptor limit
    local parts; parts="$(find "$KAFKA_DIR/data" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l)"
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
    if (( parts > 5000 )); then
        say "warning: the broker holds $parts partitions (open file limit $(ulimit -n)); '$0 reset' starts clean"
    fi
    say "starting kafka $KAFKA_VERSION on $BOOTSTRAP (log: $KAFKA_DIR/server.log)"
    nohup java -Xms512m -Xmx"${LT_KAFKA_HEAP:-2g}" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true $logopt \
        -cp "$cp" kafka.Kafka "$KAFKA_DIR/server.properties" >"$KAFKA_DIR/server.log" 2>&1 &
    echo $! >"$pidfile"
    wait_for kafka "$pidfile" "$KAFKA_DIR/server.log" kcat -b "$BOOTSTRAP" -L -m 2
    say "kafka $KAFKA_VERSION ready on $BOOTSTRAP"
}

start_registry() {
    local pidfile="$REGISTRY_DIR/registry.pid"
    if pid_alive "$pidfile"; then say "registry already running (pid $(cat "$pidfile"))"; return 0; fi
    if curl -sf "$REGISTRY_URL/subjects" >/dev/null 2>&1; then
        die "something else already answers on 127.0.0.1:$REGISTRY_PORT; stop it or set LT_REGISTRY_PORT"
    fi
    fetch_registry
    local rjava; rjava="$(registry_java)"
    say "starting apicurio registry on $REGISTRY_URL (log: $REGISTRY_DIR/registry.log)"
    (
        cd "$REGISTRY_DIR"
        nohup "$rjava" -Xmx"${LT_REGISTRY_HEAP:-1g}" \
            -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$REGISTRY_PORT" \
            -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$REGISTRY_MGMT_PORT" \
            -Djava.util.logging.manager=org.jboss.logmanager.LogManager \
            -jar quarkus-run.jar >"$REGISTRY_DIR/registry.log" 2>&1 &
        echo $! >"$pidfile" # the JVM's own pid, so that stop signals the JVM
    )
    wait_for registry "$pidfile" "$REGISTRY_DIR/registry.log" curl -sf "$REGISTRY_URL/subjects"
    curl -sf -X PUT -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
        --data '{"compatibility":"BACKWARD"}' "$REGISTRY_URL/config" >/dev/null \
        || die "could not set the registry's global compatibility to BACKWARD"
    say "registry ready on $REGISTRY_URL (global compatibility BACKWARD)"
}

stop_one() { # name pidfile
    local name="$1" pidfile="$2"
    if ! pid_alive "$pidfile"; then rm -f "$pidfile"; say "$name not running"; return 0; fi
    local pid; pid="$(cat "$pidfile")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then
        say "$name did not stop in 30 s: SIGKILL"
        kill -9 "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done  # gone before its files go
    fi
    rm -f "$pidfile"
    say "$name stopped"
}

status() {
    local rc=0
    if pid_alive "$KAFKA_DIR/kafka.pid" && kcat -b "$BOOTSTRAP" -L -m 2 >/dev/null 2>&1; then
        echo "kafka     running  $KAFKA_VERSION  pid $(cat "$KAFKA_DIR/kafka.pid")  bootstrap $BOOTSTRAP  log $KAFKA_DIR/server.log"
    else echo "kafka     stopped  (Kafka $KAFKA_VERSION would listen on $BOOTSTRAP)"; rc=1; fi
    if pid_alive "$REGISTRY_DIR/registry.pid" && curl -sf "$REGISTRY_URL/subjects" >/dev/null 2>&1; then
        echo "registry  running  pid $(cat "$REGISTRY_DIR/registry.pid")  url $REGISTRY_URL  log $REGISTRY_DIR/registry.log"
    else echo "registry  stopped  (would listen on $REGISTRY_URL)"; rc=1; fi
    return $rc
}

print_env() {
    echo "export LT_KAFKA_BOOTSTRAP=$BOOTSTRAP"
    echo "export LT_REGISTRY_URL=$REGISTRY_URL"
    echo "export LT_KAFKA_VERSION=$KAFKA_VERSION"
}

# The broker of whichever version runs from this directory (kafka/: where
# the script kept its one 3.9.1 broker before versions were selectable).
stop_kafka() {
    local pidfile found=0
    for pidfile in "$INFRA"/kafka-*/kafka.pid "$INFRA"/kafka/kafka.pid; do
        [[ -f "$pidfile" ]] || continue
        found=1
        local dir="${pidfile%/kafka.pid}"
        stop_one "${dir##*/}" "$pidfile"
    done
    ((found)) || say "kafka not running"
}

cmd="${1:-status}"
case "$cmd" in
    start)
        check_kafka_version
        need java; need mvn; need kcat; need curl
        mkdir -p "$INFRA"
        start_kafka
        start_registry
        print_env;;
    stop)
        stop_one registry "$REGISTRY_DIR/registry.pid"
        stop_kafka;;
    reset) # stop, forget every topic and offset, start again
        stop_one registry "$REGISTRY_DIR/registry.pid"
        stop_kafka
        rm -rf "$KAFKA_DIR/data"
        say "kafka data removed"
        exec "$0" start;;
    status) status;;
    env) print_env;;
    *) echo "usage: $0 start|stop|status|env|reset" >&2; exit 2;;
esac
