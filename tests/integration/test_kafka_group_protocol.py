"""group.protocol: consumer (KIP-848) where the linked librdkafka has it.

With librdkafka 2.4 or newer (Debian 13's 2.8.0) against a Kafka 4.x broker,
a group-mode collector given `group.protocol=consumer` joins the group with
the new protocol and collects its rooms, and the sidecar starts with it. With
an older librdkafka (Debian 12's 2.0.2) both refuse at start, naming the
setting, the version they run with and what to do, instead of librdkafka's bare
"No such configuration property".
"""
import ctypes
import json
import os
import re
import signal
import subprocess
import tempfile

from conftest import BOOTSTRAP, REGISTRY, binary, kafka_version
from test_collector import Sim, wait_for
from test_collector_group import GroupCollector, all_collected_once

LIBRDKAFKA = ctypes.CDLL("librdkafka.so.1")  # the one the programs link
LIBRDKAFKA.rd_kafka_version_str.restype = ctypes.c_char_p
HAS_KIP848 = LIBRDKAFKA.rd_kafka_version() >= 0x02040000
VERSION = LIBRDKAFKA.rd_kafka_version_str().decode()


def test_collector_group_mode_with_the_consumer_protocol(prefix):
    assert not HAS_KIP848 or int(kafka_version().split(".")[0]) >= 4, "the consumer protocol needs a Kafka 4.x broker"
    sim = Sim("--rooms", "2", "--rate", "5", "--seed", "3", "--quiet")
    coll = None
    try:
        coll = GroupCollector(sim, prefix, "kip848", rooms=["@simhost0", "@simhost1"],
                              extra=("--property", "group.protocol=consumer"))
        if not HAS_KIP848:
            rc = coll.proc.wait(60)
            log = coll.text()
            assert rc == 2, log[-2000:]
            assert "group.protocol: consumer (KIP-848) needs librdkafka 2.4 or newer" in log, log[-2000:]
            assert f"librdkafka {VERSION}" in log and "remove the setting" in log, log[-2000:]
            coll = None
            return
        wait_for(lambda: all_collected_once(sim), 90, "both rooms collected with the consumer protocol")
        assert re.search(r"group: room @simhost0 assigned here", coll.text())
        assert coll.stop() == 0
        coll = None
    finally:
        if coll:
            coll.stop(signal.SIGKILL)
        sim.stop()


def test_sidecar_with_the_consumer_protocol(prefix):
    workdir = tempfile.mkdtemp(prefix="lt-kip848-")
    cfg = os.path.join(workdir, "sidecar.yaml")
    with open(cfg, "w") as f:
        json.dump({"kafka": {"bootstrap": BOOTSTRAP, "topic_prefix": prefix,
                             "properties": ["group.protocol=consumer"]},
                   "registry": {"url": REGISTRY}}, f)  # JSON is YAML
    sidecar = subprocess.Popen([binary("livetap-sidecar"), "--config", cfg, "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = sidecar.stdout.readline()
        if HAS_KIP848:
            assert re.search(r"listening on http://127\.0\.0\.1:\d+/", line), \
                (line, sidecar.stderr.read() if sidecar.poll() is not None else "")
        else:
            assert sidecar.wait(60) != 0
            err = sidecar.stderr.read()
            assert "group.protocol: consumer (KIP-848) needs librdkafka 2.4 or newer" in err, err
            assert f"librdkafka {VERSION}" in err, err
    finally:
        if sidecar.poll() is None:
            sidecar.terminate()
        sidecar.wait(30)
