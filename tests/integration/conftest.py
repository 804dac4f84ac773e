"""Shared fixtures for livetap's integration tests.

Every test runs against the real services scripts/dev-infra.sh starts (Kafka
KRaft broker, Apicurio registry's Confluent API) and the binaries of the build
under test. Each test gets its own topic prefix so that runs never see each
other's records.
"""
import io
import json
import os
import struct
import subprocess
import time
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
    return "it" + uuid.uuid4().hex[:10]


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


def consume_all(topics, expected, timeout=60.0, group=None):
    """Reads every record of `topics` from the beginning until `expected`
    records arrived and no more come for a short while; returns them as
    (topic, key, value, headers) tuples."""
    from confluent_kafka import Consumer, KafkaError

    consumer = Consumer({
        "bootstrap.servers": BOOTSTRAP,
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
            records.append((msg.topic(), msg.key(), msg.value(), dict(msg.headers() or [])))
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
