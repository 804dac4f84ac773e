"""Kafka security settings pass through: a private broker with a
SASL_PLAINTEXT listener (mechanism PLAIN) and users; the collector and the
sidecar connect with credentials given as librdkafka properties, exactly as
a production deployment would against a secured cluster.

Checked: with a wrong password the collector refuses to start (exit 2, the
reason in its log) instead of running without Kafka; with the right one,
simulated rooms reach Kafka over SASL and the sidecar, also over SASL,
delivers them to a WebSocket client.
"""
import asyncio
import json
import os
import re
import subprocess
import tempfile

import pytest
import websockets

from conftest import REGISTRY, Collector, PrivateKafka, Sim, binary, free_port, stop_process, wait_for

USERS = {"admin": "admin-secret", "livetap": "tap-secret"}


@pytest.fixture
def sasl_kafka():
    kafka = PrivateKafka()
    sasl = free_port()
    controller = re.search(r"CONTROLLER://127\.0\.0\.1:(\d+)", open(kafka.props).read()).group(1)
    users = " ".join(f'user_{u}="{p}"' for u, p in USERS.items())
    with open(kafka.props, "a") as f:  # later lines win in a properties file
        f.write(f"listeners=PLAINTEXT://127.0.0.1:{kafka.port},SASL_PLAINTEXT://127.0.0.1:{sasl},"
                f"CONTROLLER://127.0.0.1:{controller}\n"
                f"advertised.listeners=PLAINTEXT://127.0.0.1:{kafka.port},SASL_PLAINTEXT://127.0.0.1:{sasl}\n"
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,"
                "SASL_PLAINTEXT:SASL_PLAINTEXT\n"
                "sasl.enabled.mechanisms=PLAIN\n"
                "listener.name.sasl_plaintext.plain.sasl.jaas.config="
                "org.apache.kafka.common.security.plain.PlainLoginModule required "
                f'username="admin" password="admin-secret" {users};\n')
    try:
        kafka.start()
        kafka.sasl_bootstrap = f"127.0.0.1:{sasl}"
        yield kafka
    finally:
        kafka.destroy()


def sasl_properties(password):
    return ["security.protocol=SASL_PLAINTEXT", "sasl.mechanism=PLAIN", "sasl.username=livetap",
            f"sasl.password={password}"]


def collector_args(password):
    args = []
    for p in sasl_properties(password):
        args += ["--property", p]
    return args


def test_wrong_password_is_refused_at_start(sasl_kafka, prefix):
    sim = Sim("--rooms", "1", "--rate", "5", "--quiet")
    try:
        coll = Collector(sim, prefix, ["@simhost0"], *collector_args("Wr0ngPassw0rd"), bootstrap=sasl_kafka.sasl_bootstrap)
        rc = coll.proc.wait(60)
        log = open(coll.log_path).read()
        coll.log.close()
        assert rc == 2, log[-2000:]
        assert "cannot start" in log and ("Authentication" in log or "SASL" in log), log[-2000:]
        assert "Wr0ngPassw0rd" not in log, "the password appeared in the log"
    finally:
        sim.stop()


def test_collector_and_sidecar_over_sasl(sasl_kafka, prefix):
    sim = Sim("--rooms", "1", "--rate", "20", "--seed", "9", "--quiet")
    coll = sidecar = None
    workdir = tempfile.mkdtemp(prefix="lt-sasl-")
    try:
        coll = Collector(sim, prefix, ["@simhost0"], *collector_args(USERS["livetap"]),
                         bootstrap=sasl_kafka.sasl_bootstrap)
        wait_for(lambda: sim.rooms()["simhost0"]["sent"] >= 20, 60, "traffic")
        cfg = os.path.join(workdir, "sidecar.yaml")
        with open(cfg, "w") as f:
            json.dump({"kafka": {"bootstrap": sasl_kafka.sasl_bootstrap, "topic_prefix": prefix,
                                 "properties": sasl_properties(USERS["livetap"])},
                       "registry": {"url": REGISTRY}}, f)  # JSON is YAML
        sidecar = subprocess.Popen([binary("livetap-sidecar"), "--config", cfg, "--port", "0"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = sidecar.stdout.readline()
        m = re.search(r"127\.0\.0\.1:(\d+)/", line)
        assert m, (line, sidecar.stderr.read() if sidecar.poll() is not None else "")

        async def frames():
            got = []
            async with websockets.connect(f"ws://127.0.0.1:{m.group(1)}/ws/7400000000000000000") as ws:
                while len(got) < 10:
                    got.append(json.loads(await asyncio.wait_for(ws.recv(), 30)))
            return got

        got = asyncio.run(frames())
        assert all(f["room_id"] == "7400000000000000000" for f in got)
        assert {f["type"] for f in got} - {"room_status", "room_info"}, "no push event arrived over SASL"
        rc, log = coll.stop()
        coll = None
        assert rc == 0, log[-2000:]
        assert USERS["livetap"] not in log
    finally:
        if sidecar:
            stop_process(sidecar)
        if coll:
            coll.stop()
        sim.stop()
