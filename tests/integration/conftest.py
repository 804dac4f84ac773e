"""Shared fixtures for livetap's integration tests.

Every test runs against the real services scripts/dev-infra.sh starts (Kafka
KRaft broker, Apicurio registry's Confluent API) and the binaries of the build
under test. Each test gets its own topic prefix so that runs never see each
other's records.

Tests that take a service away (stop, SIGKILL, restart) never touch the
shared ones: the `private_kafka` and `private_registry` fixtures start a
broker / registry of the test's own on free ports of 127.0.0.1, in a temp
directory, from the artifacts scripts/dev-infra.sh already fetched (its
LT_INFRA_DIR, by default <source>/build/infra), and always remove them.
`Sim` and `Collector` run livetap-sim and livetap-collector pointed at it.
"""
import glob
import io
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
import urllib.request
import uuid

import pytest

BUILD = os.environ.get("LT_BUILD_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
SOURCE = os.environ.get("LT_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BOOTSTRAP = os.environ.get("LT_KAFKA_BOOTSTRAP", "127.0.0.1:19092")
REGISTRY = os.environ.get("LT_REGISTRY_URL", "http://127.0.0.1:18081/apis/ccompat/v7")


def binary(name):
    path = os.path.join(BUILD, name)
    if not os.path.exists(path):
        pytest.fail(f"{path} not built")
    return path


@pytest.fixture
def prefix():
    """A topic prefix of this test's own; its topics are deleted afterwards
    (best effort), so a dev broker that runs the suite again and again does
    not pile up partitions until it runs out of file descriptors (seen: a
    broker with ~20,000 partition directories died of "Too many open
    files")."""
    p = "it" + uuid.uuid4().hex[:10]
    yield p
    delete_topics(p)


def delete_topics(prefix, bootstrap=None):
    """Deletes the topics named <prefix>.* on the broker; never fails a test."""
    try:
        from confluent_kafka.admin import AdminClient

        admin = AdminClient({"bootstrap.servers": bootstrap or BOOTSTRAP, "socket.timeout.ms": 5000})
        names = [t for t in admin.list_topics(timeout=5).topics if t.startswith(prefix + ".")]
        if names:
            for future in admin.delete_topics(names, operation_timeout=10).values():
                future.result(timeout=15)
    except Exception as e:  # the broker may be gone (a fault test) or slow: the data only costs disk
        print(f"(topics {prefix}.* not deleted: {e})")


@pytest.fixture(scope="session")
def bootstrap():
    return BOOTSTRAP


@pytest.fixture(scope="session")
def registry():
    return REGISTRY


def event_types():
    """The event type names, read from the schema files (one per type)."""
    names = []
    for f in sorted(os.listdir(os.path.join(SOURCE, "schemas"))):
        if f.endswith(".avsc") and not f.startswith("io."):
            names.append(f[:-5])
    return names


def consume_all(topics, expected, timeout=60.0, group=None, bootstrap=None, timestamps=False):
    """Reads every record of `topics` from the beginning until `expected`
    records arrived and no more come for a short while; returns them as
    (topic, key, value, headers) tuples, with the record's timestamp (ms)
    appended when `timestamps`."""
    from confluent_kafka import Consumer, KafkaError

    consumer = Consumer({
        "bootstrap.servers": bootstrap or BOOTSTRAP,
        "group.id": group or ("it-" + uuid.uuid4().hex),
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    consumer.subscribe(topics)
    records = []
    deadline = time.time() + timeout
    quiet_since = None
    try:
        while time.time() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                if len(records) >= expected:
                    quiet_since = quiet_since or time.time()
                    if time.time() - quiet_since > 2.0:
                        break
                continue
            if msg.error():
                if msg.error().code() in (KafkaError._PARTITION_EOF, KafkaError.UNKNOWN_TOPIC_OR_PART):
                    continue
                raise RuntimeError(msg.error())
            quiet_since = None
            rec = (msg.topic(), msg.key(), msg.value(), dict(msg.headers() or []))
            records.append(rec + (msg.timestamp()[1],) if timestamps else rec)
    finally:
        consumer.close()
    return records


def consume_to_end(topics, timeout=90.0, bootstrap=None, timestamps=False):
    """Reads every record of `topics` from the beginning up to the end each
    partition had when called (its high watermark): exactly what Kafka
    acknowledged before the call, however slowly some partition answers
    (after a broker restart, a partition's first fetch can lag by seconds:
    stopping on a count plus a quiet spell then misses records). Same tuples
    as consume_all. Fails when the end is not reached within `timeout`."""
    from confluent_kafka import Consumer, KafkaError, TopicPartition, OFFSET_BEGINNING

    consumer = Consumer({
        "bootstrap.servers": bootstrap or BOOTSTRAP,
        "group.id": "it-" + uuid.uuid4().hex,
        "enable.auto.commit": False,
        "enable.partition.eof": False,
    })
    records = []
    try:
        meta = consumer.list_topics(timeout=30)
        ends = {}
        for topic in topics:
            if topic not in meta.topics or meta.topics[topic].error is not None:
                continue  # never created: nothing was written to it
            for p in meta.topics[topic].partitions:
                low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=30)
                if high > low:
                    ends[(topic, p)] = high
        consumer.assign([TopicPartition(t, p, OFFSET_BEGINNING) for t, p in ends])
        left = dict(ends)
        deadline = time.time() + timeout
        while left and time.time() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    continue
                raise RuntimeError(msg.error())
            tp = (msg.topic(), msg.partition())
            if tp not in left or msg.offset() >= left[tp]:
                continue  # written after the call
            rec = (msg.topic(), msg.key(), msg.value(), dict(msg.headers() or []))
            records.append(rec + (msg.timestamp()[1],) if timestamps else rec)
            if msg.offset() + 1 >= left[tp]:
                del left[tp]
        if left:
            raise AssertionError(f"{len(left)} partitions not read to their end within {timeout} s: "
                                 f"{sorted(left)[:5]}")
    finally:
        consumer.close()
    return records


def strip_logical_types(schema):
    """fastavro turns timestamp-millis into datetimes; the tests compare the
    raw longs livetap wrote, so the logical annotations are removed (the
    canonical form, and so the data, does not change)."""
    if isinstance(schema, dict):
        return {k: strip_logical_types(v) for k, v in schema.items() if k != "logicalType"}
    if isinstance(schema, list):
        return [strip_logical_types(s) for s in schema]
    return schema


def avro_to_json(value):
    """Decoded Avro values in the shape of livetap's event JSON (bytes as hex)."""
    if isinstance(value, dict):
        return {k: avro_to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [avro_to_json(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    return value


class RegistryDecoder:
    """Decodes Confluent-framed values with the writer schema fetched by id."""

    def __init__(self, url):
        self.url = url
        self.cache = {}

    def schema(self, schema_id):
        import fastavro
        import requests

        if schema_id not in self.cache:
            r = requests.get(f"{self.url}/schemas/ids/{schema_id}", timeout=10)
            r.raise_for_status()
            raw = json.loads(r.json()["schema"])
            self.cache[schema_id] = fastavro.parse_schema(strip_logical_types(raw))
        return self.cache[schema_id]

    def decode(self, value):
        import fastavro

        assert value[0] == 0, f"not Confluent framing: first byte {value[0]:#x}"
        (schema_id,) = struct.unpack(">I", value[1:5])
        return schema_id, fastavro.schemaless_reader(io.BytesIO(value[5:]), self.schema(schema_id))


def run(cmd, timeout=120, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)


def wait_for(predicate, timeout, what, interval=0.2):
    """Polls `predicate` until it returns something true (returned) or fails
    the test after `timeout` seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def listening_addresses(port):
    """The local addresses with a TCP socket in LISTEN on `port`, from
    /proc/net/tcp and tcp6, as text: "127.0.0.1", "0.0.0.0", "::1", "::"
    (an IPv4-mapped IPv6 address shows as "::ffff:7f00:1"). Every listener of this machine, not only the test's:
    the port is the test's own."""
    import ipaddress
    found = set()
    for path, width in (("/proc/net/tcp", 4), ("/proc/net/tcp6", 16)):
        try:
            lines = open(path).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state = fields[1], fields[3]
            hexaddr, hexport = local.split(":")
            if state != "0A" or int(hexport, 16) != port:
                continue
            raw = bytes.fromhex(hexaddr)
            # the kernel prints each 32-bit word in host (little-endian) order
            raw = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
            found.add(str(ipaddress.ip_address(raw)) if width == 4 else str(ipaddress.IPv6Address(raw)))
    return found


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def infra_dir():
    """Where scripts/dev-infra.sh keeps the Kafka jars and Apicurio."""
    return os.environ.get("LT_INFRA_DIR", os.path.join(SOURCE, "build", "infra"))


def kafka_version():
    """The Kafka release the tests run: LT_KAFKA_VERSION (scripts/dev-infra.sh
    env exports it), else the default in scripts/infra/kafka-pom.xml."""
    if os.environ.get("LT_KAFKA_VERSION"):
        return os.environ["LT_KAFKA_VERSION"]
    with open(os.path.join(SOURCE, "scripts", "infra", "kafka-pom.xml")) as f:
        return re.search(r"<kafka\.version>([^<]+)</kafka\.version>", f.read()).group(1)


def kafka_logging(directory, version):
    """Writes the broker's logging config into `directory`; the JVM option
    naming it. Kafka 4.x logs through log4j2 and ignores a log4j 1 file
    ('ERROR Reconfiguration failed'); 3.x through log4j 1 (reload4j)."""
    if int(version.split(".")[0]) >= 4:
        path = os.path.join(directory, "log4j2.properties")
        with open(path, "w") as f:
            f.write("status = warn\n"
                    "appender.stdout.type = Console\n"
                    "appender.stdout.name = STDOUT\n"
                    "appender.stdout.layout.type = PatternLayout\n"
                    "appender.stdout.layout.pattern = [%d] %p %m (%c)%n\n"
                    "rootLogger.level = WARN\n"
                    "rootLogger.appenderRef.stdout.ref = STDOUT\n")
        return f"-Dlog4j2.configurationFile=file:{path}"
    path = os.path.join(directory, "log4j.properties")
    with open(path, "w") as f:
        f.write("log4j.rootLogger=WARN, stdout\n"
                "log4j.appender.stdout=org.apache.log4j.ConsoleAppender\n"
                "log4j.appender.stdout.layout=org.apache.log4j.PatternLayout\n"
                "log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n\n")
    return f"-Dlog4j.configuration=file:{path}"


def stop_process(proc, sig=signal.SIGTERM, timeout=60):
    """Signals `proc` and reaps it (SIGKILL after `timeout`); its exit status."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


class PrivateService:
    """A process of a test's own (self.proc) in a temp directory (self.dir)."""

    def wait_ready(self, timeout, what):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.answers():
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"{what} exited: see {self.log_path}")
            time.sleep(0.3)
        raise RuntimeError(f"{what} not ready after {timeout} s: see {self.log_path}")

    def kill(self):
        if self.proc:
            stop_process(self.proc, signal.SIGKILL)
        self.proc = None

    def destroy(self):
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateKafka(PrivateService):
    """A single-node KRaft broker of a test's own on free ports, started from
    the jars scripts/dev-infra.sh fetched for kafka_version(). stop() (SIGTERM, controlled
    shutdown), kill() (SIGKILL) and start() keep its port and data, so a test
    can take Kafka away and bring it back; destroy() removes everything.
    `properties` are added to server.properties."""

    def __init__(self, properties=None):
        self.version = kafka_version()
        self.libs = os.path.join(infra_dir(), f"kafka-libs-{self.version}")
        if not glob.glob(os.path.join(self.libs, "kafka_2.13-*.jar")):
            raise RuntimeError(f"no Kafka {self.version} jars in {self.libs}: run "
                               f"LT_KAFKA_VERSION={self.version} scripts/dev-infra.sh start once "
                               "(or point LT_INFRA_DIR at its infra directory)")
        self.dir = tempfile.mkdtemp(prefix="lt-private-kafka-")
        self.port, controller = free_port(), free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.props = os.path.join(self.dir, "server.properties")
        extra = "".join(f"{k}={v}\n" for k, v in (properties or {}).items())
        with open(self.props, "w") as f:
            f.write(f"""process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:{controller}
listeners=PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{controller}
advertised.listeners=PLAINTEXT://127.0.0.1:{self.port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs={self.dir}/data
num.partitions=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
{extra}""")
        self.log_path = os.path.join(self.dir, "server.log")
        self.java = ["java", kafka_logging(self.dir, self.version), "-cp", os.path.join(self.libs, "*")]
        cid = subprocess.run(self.java + ["kafka.tools.StorageTool", "random-uuid"], check=True,
                             capture_output=True, text=True).stdout.strip()
        subprocess.run(self.java + ["kafka.tools.StorageTool", "format", "-t", cid, "-c", self.props],
                       check=True, capture_output=True)
        self.proc = None

    def answers(self):
        return subprocess.run(["kcat", "-b", self.bootstrap, "-L", "-m", "2"], capture_output=True).returncode == 0

    def start(self, timeout=90):
        """Starts the broker and waits until it answers metadata requests."""
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen(self.java[:1] + ["-Xms256m", "-Xmx256m", "-XX:+UseG1GC"] + self.java[1:]
                                         + ["kafka.Kafka", self.props], stdout=log, stderr=subprocess.STDOUT)
        self.wait_ready(timeout, "private Kafka")
        with open(self.log_path, errors="replace") as log:
            if "Reconfiguration failed" in log.read():
                raise RuntimeError(f"private Kafka {self.version} rejected its logging config: see {self.log_path}")

    def stop(self):
        if self.proc:
            stop_process(self.proc)
        self.proc = None


@pytest.fixture
def private_kafka(request):
    """A started PrivateKafka (server.properties additions from a
    `@pytest.mark.kafka_properties({...})` marker), destroyed afterwards."""
    marker = request.node.get_closest_marker("kafka_properties")
    kafka = PrivateKafka(marker.args[0] if marker else None)
    request.addfinalizer(kafka.destroy)
    kafka.start()
    return kafka


def registry_java():
    """A java >= 21 for Apicurio, found like scripts/dev-infra.sh does."""
    if os.environ.get("LT_REGISTRY_JAVA"):
        return os.environ["LT_REGISTRY_JAVA"]
    best, best_major = None, 0
    for cand in [os.path.join(os.environ.get("JAVA_HOME", "/nonexistent"), "bin", "java"),
                 *sorted(glob.glob("/usr/lib/jvm/*/bin/java")), shutil.which("java") or ""]:
        if not os.access(cand, os.X_OK):
            continue
        out = subprocess.run([cand, "-XshowSettings:properties", "-version"], capture_output=True, text=True).stderr
        m = re.search(r"java\.specification\.version = (\d+)", out)
        if m and int(m.group(1)) >= 21 and int(m.group(1)) > best_major:
            best, best_major = cand, int(m.group(1))
    if not best:
        pytest.skip("Apicurio needs Java 21+ and none was found (set LT_REGISTRY_JAVA)")
    return best


class PrivateRegistry(PrivateService):
    """Apicurio Registry (in-memory storage) of a test's own on free ports,
    run from the copy scripts/dev-infra.sh unpacked; `url` is its Confluent
    API. Its schemas live in memory: a restart forgets them."""

    def __init__(self):
        self.app = os.path.join(infra_dir(), "apicurio")
        if not os.path.exists(os.path.join(self.app, "quarkus-run.jar")):
            raise RuntimeError(f"no Apicurio in {self.app}: run scripts/dev-infra.sh start once")
        self.dir = tempfile.mkdtemp(prefix="lt-private-registry-")
        self.port, self.mgmt_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}/apis/ccompat/v7"
        self.log_path = os.path.join(self.dir, "registry.log")
        self.proc = None

    def answers(self):
        try:
            with urllib.request.urlopen(self.url + "/subjects", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def start(self, timeout=120):
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen(
                [registry_java(), "-Xmx384m", "-Dquarkus.http.host=127.0.0.1", f"-Dquarkus.http.port={self.port}",
                 "-Dquarkus.management.host=127.0.0.1", f"-Dquarkus.management.port={self.mgmt_port}",
                 "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                 "-jar", os.path.join(self.app, "quarkus-run.jar")],
                cwd=self.dir, stdout=log, stderr=subprocess.STDOUT)
        self.wait_ready(timeout, "private registry")
        # Apicurio's default compatibility is NONE; Confluent's is BACKWARD
        req = urllib.request.Request(self.url + "/config", method="PUT", data=b'{"compatibility":"BACKWARD"}',
                                     headers={"Content-Type": "application/vnd.schemaregistry.v1+json"})
        urllib.request.urlopen(req, timeout=10).close()


@pytest.fixture
def private_registry(request):
    """A started PrivateRegistry, destroyed afterwards."""
    reg = PrivateRegistry()
    request.addfinalizer(reg.destroy)
    reg.start()
    return reg


class Sim:
    """livetap-sim on a free port of 127.0.0.1 with its control API."""

    def __init__(self, *args):
        self.dir = tempfile.mkdtemp(prefix="lt-sim-")
        port_file = os.path.join(self.dir, "port")
        self.log = open(os.path.join(self.dir, "sim.log"), "w")
        self.proc = subprocess.Popen([binary("livetap-sim"), "--port-file", port_file, *args],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(lambda: os.path.exists(port_file) and open(port_file).read().strip(), 10, "the simulator's port")
        self.base = "http://127.0.0.1:%s" % open(port_file).read().strip()

    def get(self, path):
        with urllib.request.urlopen(self.base + path, timeout=10) as r:
            return json.load(r)

    def rooms(self):
        return {r["unique_id"]: r for r in self.get("/_sim/stats")["rooms"]}

    def sent(self, room):
        return self.get(f"/_sim/sent?room={room}")

    def fault(self, room, **kv):
        query = "&".join(f"{k}={v}" for k, v in kv.items())
        return self.get(f"/_sim/fault?room={room}&{query}")

    def freeze(self, settle=2.0):
        """Stops new traffic and lets what is in flight reach the collector."""
        for name in self.rooms():
            self.fault(name, rate=0)
        time.sleep(settle)

    def stop(self):
        stop_process(self.proc, timeout=10)
        self.log.close()


class Collector:
    """livetap-collector pointed at a Sim; its log goes to a file of the
    simulator's directory. stop() sends SIGTERM and returns (status, log)."""

    def __init__(self, sim, prefix, rooms, *extra, bootstrap=None, registry=None, wrapper=()):
        self.log_path = os.path.join(sim.dir, "collector-%s.log" % uuid.uuid4().hex[:6])
        self.log = open(self.log_path, "w")
        cmd = [*wrapper, binary("livetap-collector"), "--rooms", ",".join(rooms),
               "--kafka", bootstrap or BOOTSTRAP, "--registry", REGISTRY if registry is None else registry,
               "--topic-prefix", prefix, "--collector-id", "it-collector",
               "--web-base", sim.base, "--api-base", sim.base, "--sign-url", sim.base,
               "--sign-rate", "0",
               "--set", "behaviour.watch_interval_s=0", "--set", "behaviour.backoff_cap_s=2",
               "--admin-port", "0", *extra]
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)

    def logs(self):
        self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM):
        try:
            rc = stop_process(self.proc, sig)
        finally:
            self.log.close()
        return rc, open(self.log_path).read()


def pytest_configure(config):
    config.addinivalue_line("markers", "kafka_properties(dict): server.properties additions for private_kafka")
    config.addinivalue_line("markers", "faults: fault-injection tests (test_faults.py; they kill private brokers)")
