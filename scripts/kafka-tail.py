#!/usr/bin/env python3
"""kafka-tail.py - print livetap records from Kafka as JSON, decoded with the
schema the registry holds for each record's id (Confluent framing) or with the
local schemas/*.avsc (single-object encoding).

  build/venv/bin/python scripts/kafka-tail.py livetap.chat livetap.gift --last 5
"""
import argparse
import io
import json
import os
import struct
import sys
import uuid

import fastavro
import requests
from confluent_kafka import Consumer, TopicPartition
from fastavro.schema import fingerprint, load_schema, to_parsing_canonical_form

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def plain(schema):
    if isinstance(schema, dict):
        return {k: plain(v) for k, v in schema.items() if k != "logicalType"}
    if isinstance(schema, list):
        return [plain(s) for s in schema]
    return schema


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("topics", nargs="+")
    ap.add_argument("--kafka", default=os.environ.get("LT_KAFKA_BOOTSTRAP", "127.0.0.1:19092"))
    ap.add_argument("--registry", default=os.environ.get("LT_REGISTRY_URL", ""))
    ap.add_argument("--last", type=int, default=5, help="records per partition from the end (default 5)")
    args = ap.parse_args()

    by_id, by_fp = {}, {}
    for f in os.listdir(os.path.join(ROOT, "schemas")):
        if f.endswith(".avsc") and not f.startswith("io."):
            s = load_schema(os.path.join(ROOT, "schemas", f), _write_hint=False)
            by_fp[bytes.fromhex(fingerprint(to_parsing_canonical_form(s), "CRC-64-AVRO"))] = fastavro.parse_schema(plain(s))

    def decode(value):
        if value[:1] == b"\x00":
            (sid,) = struct.unpack(">I", value[1:5])
            if sid not in by_id:
                text = requests.get(f"{args.registry}/schemas/ids/{sid}", timeout=10).json()["schema"]
                by_id[sid] = fastavro.parse_schema(plain(json.loads(text)))
            return fastavro.schemaless_reader(io.BytesIO(value[5:]), by_id[sid])
        if value[:2] == b"\xc3\x01" and value[2:10] in by_fp:
            return fastavro.schemaless_reader(io.BytesIO(value[10:]), by_fp[value[2:10]])
        raise ValueError("neither Confluent framing nor a known single-object fingerprint")

    c = Consumer({"bootstrap.servers": args.kafka, "group.id": "kafka-tail-" + uuid.uuid4().hex,
                  "enable.auto.commit": False})
    parts = []
    for t in args.topics:
        md = c.list_topics(t, timeout=10).topics[t]
        for p in md.partitions:
            lo, hi = c.get_watermark_offsets(TopicPartition(t, p), timeout=10)
            if hi > lo:
                parts.append((TopicPartition(t, p, max(lo, hi - args.last)), hi))
    c.assign([tp for tp, _ in parts])
    remaining = sum(hi - tp.offset for tp, hi in parts)
    while remaining > 0:
        msg = c.poll(5)
        if msg is None:
            break
        if msg.error():
            continue
        remaining -= 1
        rec = decode(msg.value())
        rec = {k: (v.hex() if isinstance(v, bytes) else v) for k, v in rec.items()}
        print(json.dumps({"topic": msg.topic(), "key": msg.key().decode(), **rec}, ensure_ascii=False))
    c.close()


if __name__ == "__main__":
    sys.exit(main())
