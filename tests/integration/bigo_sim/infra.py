"""Processes for the BIGO tests: livetap-bigo itself, certificates and keys,
and a private Kafka broker a test may stop (the shared one is never stopped)."""
import os
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
import json


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_cert(directory):
    """A self-signed certificate for 127.0.0.1; returns (cert, key) paths."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    return cert, key


def make_key(directory, kind="rsa"):
    """A signing key for BIGO's signed calls; returns (private path, public PEM bytes)."""
    path = os.path.join(directory, f"bigo-{kind}.pem")
    if kind == "rsa":
        subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", path],
                       check=True, capture_output=True)
    else:
        subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path],
                       check=True, capture_output=True)
    pub = subprocess.run(["openssl", "pkey", "-in", path, "-pubout"], check=True, capture_output=True).stdout
    return path, pub


class Receiver:
    """livetap-bigo with a YAML config; `url` is its push WebSocket."""

    def __init__(self, binary, prefix, bootstrap, registry, settings=None, env=None, tls=None, accounts="bigoUser1:213213"):
        self.dir = tempfile.mkdtemp(prefix="lt-bigo-")
        self.log_path = os.path.join(self.dir, "bigo.log")
        args = [binary, "--port", "0", "--topic-prefix", prefix, "--kafka", bootstrap, "--registry", registry or "",
                "--set", "push.abbr=inke", "--collector-id", "it-bigo", "-v"]
        for k, v in (settings or {}).items():
            args += ["--set", f"{k}={v}"]
        if tls:
            args += ["--set", f"listen.tls_cert={tls[0]}", "--set", f"listen.tls_key={tls[1]}"]
        penv = dict(os.environ, BIGO_PUSH_ACCOUNTS=accounts, **(env or {}))
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.log, env=penv)
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        line = self.proc.stdout.readline().decode() if ready else ""
        if not line.startswith("listening on "):
            self.proc.kill()
            raise RuntimeError("livetap-bigo did not start: " + self.logs())
        self.port = int(line.split()[2])
        scheme = "wss" if tls else "ws"
        self.url = f"{scheme}://127.0.0.1:{self.port}/bigo/push"

    def logs(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def health(self, ssl_context=None):
        scheme = "https" if self.url.startswith("wss") else "http"
        with urllib.request.urlopen(f"{scheme}://127.0.0.1:{self.port}/healthz", timeout=5, context=ssl_context) as r:
            return json.load(r)

    def stop(self, timeout=60):
        """SIGTERM; returns the exit status (0 = Kafka has everything)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


class SpareKafka:
    """A single-node KRaft broker of our own on free ports, started from the
    jars scripts/dev-infra.sh already fetched; stop() and start() keep its
    data, so a test can take Kafka away and bring it back."""

    def __init__(self, source_dir):
        infra = os.environ.get("LT_INFRA_DIR", os.path.join(source_dir, "build", "infra"))
        self.libs = os.path.join(infra, "kafka-libs")
        if not os.path.isdir(self.libs):
            raise RuntimeError(f"no Kafka jars in {self.libs}: run scripts/dev-infra.sh start once")
        self.dir = tempfile.mkdtemp(prefix="lt-spare-kafka-")
        self.port, controller = free_port(), free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.props = os.path.join(self.dir, "server.properties")
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
""")
        self.cp = os.path.join(self.libs, "*")
        cid = subprocess.run(["java", "-cp", self.cp, "kafka.tools.StorageTool", "random-uuid"], check=True,
                             capture_output=True, text=True).stdout.strip()
        subprocess.run(["java", "-cp", self.cp, "kafka.tools.StorageTool", "format", "-t", cid,
                        "-c", self.props], check=True, capture_output=True)
        self.proc = None

    def start(self, timeout=90):
        log = open(os.path.join(self.dir, "server.log"), "a")
        self.proc = subprocess.Popen(["java", "-Xms256m", "-Xmx256m", "-cp", self.cp, "kafka.Kafka", self.props],
                                     stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if subprocess.run(["kcat", "-b", self.bootstrap, "-L", "-m", "2"], capture_output=True).returncode == 0:
                return
            if self.proc.poll() is not None:
                raise RuntimeError("spare Kafka exited: see " + self.dir)
            time.sleep(0.5)
        raise RuntimeError("spare Kafka not ready")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def destroy(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def consume(bootstrap, topics, expected, timeout=60.0):
    """Every record of `topics` on `bootstrap` from the beginning, once
    `expected` arrived and a short quiet followed: (topic, key, value, headers)."""
    import uuid
    from confluent_kafka import Consumer, KafkaError

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "it-" + uuid.uuid4().hex,
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe(topics)
    records, quiet_since, deadline = [], None, time.time() + timeout
    try:
        while time.time() < deadline:
            m = consumer.poll(0.5)
            if m is None:
                if len(records) >= expected:
                    quiet_since = quiet_since or time.time()
                    if time.time() - quiet_since > 2.0:
                        break
                continue
            if m.error():
                if m.error().code() in (KafkaError._PARTITION_EOF, KafkaError.UNKNOWN_TOPIC_OR_PART):
                    continue
                raise RuntimeError(m.error())
            quiet_since = None
            records.append((m.topic(), m.key(), m.value(), dict(m.headers() or [])))
    finally:
        consumer.close()
    return records
