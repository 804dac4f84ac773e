"""livetap's records read by the client data engineers use: Confluent's
Python serdes (confluent_kafka.schema_registry.avro.AvroDeserializer with a
SchemaRegistryClient), the reference implementation of the Confluent wire
format, not our own decoder.

livetap-demo publishes events of every type with the registry; one record of
every topic is read back and deserialized by Confluent's code, which parses the
framing (magic byte, schema id), fetches the writer schema from the registry by
that id and decodes the Avro body; the result must equal the event livetap-demo
wrote to its manifest, field by field, and the key (StringDeserializer) must be
the room id (the gift catalogue: the gift id).
"""
import datetime
import json

from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext, StringDeserializer

from conftest import BOOTSTRAP, REGISTRY, avro_to_json, binary, consume_all, event_types, run


def as_livetap_json(value):
    """Confluent's decoded values in the shape of livetap's event JSON:
    timestamp-millis (a datetime here) as milliseconds, bytes as hex."""
    if isinstance(value, dict):
        return {k: as_livetap_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_livetap_json(v) for v in value]
    if isinstance(value, datetime.datetime):
        return (value - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)) // datetime.timedelta(milliseconds=1)
    return avro_to_json(value)


def test_one_record_of_every_topic_reads_with_confluents_avro_deserializer(prefix, tmp_path):
    manifest = tmp_path / "manifest.jsonl"
    res = run([binary("livetap-demo"), "--kafka", BOOTSTRAP, "--registry", REGISTRY, "--topic-prefix", prefix,
               "--rooms", "2", "--events-per-room", str(len(event_types()) + 2),
               "--room-prefix", "room-", "--manifest", str(manifest)])
    assert res.returncode == 0, res.stderr
    published = [json.loads(line) for line in manifest.read_text().splitlines()]
    by_id = {(ev["type"], ev["room_id"], ev["msg_id"]): ev for ev in published}
    assert len(by_id) == len(published)

    types = event_types()
    records = consume_all([f"{prefix}.{t}" for t in types], expected=len(published))
    first = {}
    for topic, key, value, _ in records:
        first.setdefault(topic, (key, value))
    assert sorted(first) == sorted(f"{prefix}.{t}" for t in types), "a topic has no record"

    registry = SchemaRegistryClient({"url": REGISTRY})
    deserializer = AvroDeserializer(registry)
    keys = StringDeserializer("utf_8")
    for topic, (key, value) in sorted(first.items()):
        t = topic[len(prefix) + 1:]
        rec = deserializer(value, SerializationContext(topic, MessageField.VALUE))
        assert isinstance(rec, dict), f"{topic}: {rec!r}"
        ev = as_livetap_json(rec)
        want = by_id.get((t, ev.get("room_id"), ev.get("msg_id")))
        assert want is not None, f"{topic}: no such event was published: {ev}"
        ev["type"] = t
        assert ev == want, f"{topic}: Confluent's deserializer read {ev}, livetap-demo wrote {want}"
        room_key = keys(key, SerializationContext(topic, MessageField.KEY))
        catalogue_key = {"gift_info": "gift_id", "price_list": "currency"}.get(t)
        assert room_key == (str(ev[catalogue_key]) if catalogue_key else ev["room_id"])
