"""The publishing path end to end against the real broker and registry.

livetap-demo publishes events of every type and writes what it published to a
manifest; the test reads every topic back with an independent client
(confluent-kafka + fastavro), decodes with the schema the registry holds for
the id in each record's framing, and compares every field, the key and the
headers with the manifest: nothing missing, nothing duplicated.
"""
import io
import json
import os
import struct
import time

import fastavro
import requests
from fastavro.schema import fingerprint, to_parsing_canonical_form, load_schema

from conftest import (BOOTSTRAP, REGISTRY, SOURCE, RegistryDecoder, avro_to_json, binary,
                      consume_all, event_types, run, strip_logical_types)

ROOMS = 4
# the compacted types, keyed by their entity (a discovered room by its room id);
# livetap-demo publishes them once per turn, not per room; no game fields
CATALOGUES = {"gift_info": "gift_id", "price_list": "currency", "discovered_room": "room_id"}
# every room type at least once per room, however many types there are
PER_ROOM = len(event_types()) + 5


def publish(prefix, tmp_path, *extra):
    manifest = tmp_path / "manifest.jsonl"
    res = run([binary("livetap-demo"), "--kafka", BOOTSTRAP, "--topic-prefix", prefix,
               "--rooms", str(ROOMS), "--events-per-room", str(PER_ROOM),
               "--room-prefix", "room-", "--manifest", str(manifest), *extra])
    assert res.returncode == 0, res.stderr
    events = [json.loads(line) for line in manifest.read_text().splitlines()]
    # PER_ROOM room events per room; each catalogue once per turn, not per room
    assert sum(ev["type"] not in CATALOGUES for ev in events) == ROOMS * PER_ROOM
    for t in CATALOGUES:
        assert 0 < sum(ev["type"] == t for ev in events) < PER_ROOM, t
    assert f"published={len(events)} delivered={len(events)} failed=0 undelivered=0" in res.stdout
    return events


def index(events):
    out = {}
    for ev in events:
        key = (ev["room_id"], ev["msg_id"])
        assert key not in out, f"duplicate {key}"
        out[key] = ev
    return out


def test_every_type_round_trips_through_kafka_and_the_registry(prefix, tmp_path):
    published = publish(prefix, tmp_path, "--registry", REGISTRY)
    types = event_types()
    topics = [f"{prefix}.{t}" for t in types]
    records = consume_all(topics, expected=len(published))
    assert len(records) == len(published), f"{len(records)} records for {len(published)} published"

    decoder = RegistryDecoder(REGISTRY)
    got = []
    for topic, key, value, headers in records:
        schema_id, rec = decoder.decode(value)
        ev = avro_to_json(rec)
        ev["type"] = topic[len(prefix) + 1:]
        # key = room id (the gift catalogue: gift id); headers name the event
        assert key.decode() == (str(ev[CATALOGUES[ev["type"]]]) if ev["type"] in CATALOGUES else ev["room_id"])
        assert headers["event_type"].decode() == ev["type"]
        assert headers["platform"].decode() == ev["platform"] == "tiktok"
        assert int(headers["msg_id"]) == ev["msg_id"]
        assert headers["collector_id"].decode() == ev["collector_id"] == "livetap-demo"
        # BIGO's game: null on TikTok's room events (no game_sess header); the
        # gift catalogue belongs to no game and has no such fields
        assert "game_sess" not in headers
        if ev["type"] in CATALOGUES:
            assert "game_id" not in ev and "game_sess" not in ev
        else:
            assert ev["game_id"] is None and ev["game_sess"] is None
        # the id in the framing is the one registered for <topic>-value
        latest = requests.get(f"{REGISTRY}/subjects/{topic}-value/versions/latest", timeout=10).json()
        assert latest["id"] == schema_id
        got.append(ev)

    want, have = index(published), index(got)
    assert set(want) == set(have), "missing or unexpected records"
    for key, ev in want.items():
        assert have[key] == ev, f"{key} differs"
    assert {ev["type"] for ev in got} == set(types)


def test_order_within_a_room_is_publish_order(prefix, tmp_path):
    publish(prefix, tmp_path, "--registry", REGISTRY)
    records = consume_all([f"{prefix}.chat"], expected=ROOMS * 4)
    by_room = {}
    for _, key, _, headers in records:
        by_room.setdefault(key, []).append(int(headers["msg_id"]))
    assert len(by_room) == ROOMS
    for ids in by_room.values():
        assert ids == sorted(ids)


def test_without_registry_records_use_single_object_encoding(prefix, tmp_path):
    published = publish(prefix, tmp_path, "--no-registry")
    records = consume_all([f"{prefix}.{t}" for t in event_types()], expected=len(published))
    assert len(records) == len(published)
    schemas, fingerprints = {}, {}
    for t in event_types():
        s = load_schema(os.path.join(SOURCE, "schemas", f"{t}.avsc"), _write_hint=False)
        fingerprints[t] = bytes.fromhex(fingerprint(to_parsing_canonical_form(s), "CRC-64-AVRO"))
        schemas[t] = fastavro.parse_schema(strip_logical_types(s))
    got = []
    for topic, key, value, _ in records:
        t = topic[len(prefix) + 1:]
        assert value[:2] == b"\xc3\x01", "single-object marker"
        assert value[2:10] == fingerprints[t], "CRC-64-AVRO fingerprint of the canonical form, little-endian"
        ev = avro_to_json(fastavro.schemaless_reader(io.BytesIO(value[10:]), schemas[t]))
        ev["type"] = t
        got.append(ev)
    assert index(got) == index(published)


def test_reregistering_keeps_the_ids(prefix, tmp_path):
    publish(prefix, tmp_path, "--registry", REGISTRY)
    first = requests.get(f"{REGISTRY}/subjects/{prefix}.gift-value/versions/latest", timeout=10).json()
    publish(prefix, tmp_path, "--registry", REGISTRY)
    second = requests.get(f"{REGISTRY}/subjects/{prefix}.gift-value/versions", timeout=10).json()
    assert second == [first["version"]], "a restart must not register a new version"


def test_broker_unreachable_at_start_is_a_clear_error(prefix, tmp_path):
    t0 = time.time()
    res = run([binary("livetap-demo"), "--kafka", "127.0.0.1:1", "--no-registry", "--topic-prefix", prefix,
               "--startup-timeout-ms", "3000"], timeout=60)
    assert res.returncode == 2
    assert "Kafka at 127.0.0.1:1" in res.stderr and "broker" in res.stderr
    assert time.time() - t0 < 30


def test_registry_unreachable_at_start_is_a_clear_error(prefix, tmp_path):
    t0 = time.time()
    res = run([binary("livetap-demo"), "--registry", "http://127.0.0.1:1/apis/ccompat/v7",
               "--topic-prefix", prefix], timeout=60)
    assert res.returncode == 2
    assert f"registering subject {prefix}.chat-value" in res.stderr
    assert "unreachable" in res.stderr
    assert time.time() - t0 < 30


def test_incompatible_schema_refuses_to_start(prefix, tmp_path):
    # Someone registered an incompatible schema for one of our subjects first:
    # livetap must refuse to produce, naming the subject and the registry's reason.
    foreign = {"type": "record", "name": "Chat", "namespace": "io.livetap",
               "fields": [{"name": "only", "type": "int"}]}
    subject = f"{prefix}.chat-value"
    r = requests.post(f"{REGISTRY}/subjects/{subject}/versions",
                      headers={"Content-Type": "application/vnd.schemaregistry.v1+json"},
                      data=json.dumps({"schema": json.dumps(foreign)}), timeout=10)
    assert r.status_code == 200, r.text
    requests.put(f"{REGISTRY}/config/{subject}", json={"compatibility": "BACKWARD"},
                 headers={"Content-Type": "application/vnd.schemaregistry.v1+json"}, timeout=10)
    res = run([binary("livetap-demo"), "--registry", REGISTRY, "--topic-prefix", prefix,
               "--events-per-room", "1"], timeout=60)
    assert res.returncode == 2
    assert f"schema registry refused subject {subject}" in res.stderr
    assert "409" in res.stderr and "compatible" in res.stderr
    # and nothing was produced
    assert consume_all([f"{prefix}.chat"], expected=0, timeout=5) == []


def test_sigterm_flushes_and_reports(prefix, tmp_path):
    import re
    import signal
    import subprocess

    manifest = tmp_path / "m.jsonl"
    proc = subprocess.Popen([binary("livetap-demo"), "--kafka", BOOTSTRAP, "--registry", REGISTRY,
                             "--topic-prefix", prefix, "--rooms", "2", "--events-per-room", "100000",
                             "--rate", "400", "--manifest", str(manifest)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "interrupted: flushing" in err
    m = re.search(r"published=(\d+) delivered=(\d+) failed=0 undelivered=0", out)
    assert m and m.group(1) == m.group(2), out
    published = int(m.group(1))
    assert 0 < published < 200000
    records = consume_all([f"{prefix}.{t}" for t in event_types()], expected=published)
    assert len(records) == published == len(manifest.read_text().splitlines())


def test_entity_topics_are_compacted(prefix, tmp_path):
    from confluent_kafka.admin import AdminClient, ConfigResource

    publish(prefix, tmp_path, "--registry", REGISTRY)
    admin = AdminClient({"bootstrap.servers": BOOTSTRAP})
    for t in CATALOGUES:
        res = ConfigResource(ConfigResource.Type.TOPIC, f"{prefix}.{t}")
        configs = admin.describe_configs([res])[res].result(timeout=20)
        assert configs["cleanup.policy"].value == "compact", t
    res = ConfigResource(ConfigResource.Type.TOPIC, f"{prefix}.chat")
    assert admin.describe_configs([res])[res].result(timeout=20)["cleanup.policy"].value == "delete"
