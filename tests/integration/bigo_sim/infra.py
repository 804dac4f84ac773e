"""Processes for the BIGO tests: livetap-bigo itself, certificates and keys.
(A private Kafka broker a test may stop is conftest's `private_kafka`.)"""
import os
import select
import signal
import subprocess
import tempfile
import urllib.request
import json


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

    def __init__(self, binary, prefix, bootstrap, registry, settings=None, env=None, tls=None, accounts="bigoUser1:213213",
                 wrapper=(), start_timeout=30, extra_args=()):
        self.dir = tempfile.mkdtemp(prefix="lt-bigo-")
        self.log_path = os.path.join(self.dir, "bigo.log")
        args = [*wrapper, binary, "--port", "0", "--topic-prefix", prefix, "--kafka", bootstrap, "--registry", registry or "",
                "--set", "push.abbr=inke", "--collector-id", "it-bigo", "-v"]
        for k, v in (settings or {}).items():
            args += ["--set", f"{k}={v}"]
        if tls:
            args += ["--set", f"listen.tls_cert={tls[0]}", "--set", f"listen.tls_key={tls[1]}"]
        args += list(extra_args)
        penv = dict(os.environ, BIGO_PUSH_ACCOUNTS=accounts, **(env or {}))
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.log, env=penv)
        ready, _, _ = select.select([self.proc.stdout], [], [], start_timeout)
        line = self.proc.stdout.readline().decode() if ready else ""
        if not line.startswith("listening on "):
            self.proc.kill()
            raise RuntimeError("livetap-bigo did not start: " + self.logs())
        self.port = int(line.split()[2])
        self.admin_port = None
        if str((settings or {}).get("admin.enabled", "")).lower() == "true":
            line = self.proc.stdout.readline().decode()
            if not line.startswith("admin on "):
                self.proc.kill()
                raise RuntimeError("livetap-bigo printed no admin port: " + self.logs())
            self.admin_port = int(line.split()[2])
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

    def metrics(self):
        """/metrics (Prometheus text) as {'name{labels}': value}, and its content type."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=5) as r:
            ctype, text = r.headers.get("Content-Type"), r.read().decode()
        out = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                out[name] = float(value)
        return out, ctype

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
