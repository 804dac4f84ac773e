#!/usr/bin/env python3
"""gen-topic-docs.py - docs/topics.md from schemas/*.avsc.

The Avro schemas are the data contract; this page is generated from them so
that it cannot drift. For every topic: its name, key, value schema (record
name, registry subject, single-object fingerprint) and every field with its
type, default and doc; then the shared records and the headers.

Conventions it relies on (README's data contract, the publisher):
  * schemas/<type>.avsc is event type <type> -> topic <prefix>.<type>;
  * schemas/<namespace>.<Name>.avsc (a dot in the stem) is a shared record,
    referenced by full name and inlined where first used;
  * key = room_id as UTF-8, except for the compacted entity topics (the rows
    of src/core/event_types.c with compacted = true), keyed by the entity's
    id (ENTITY_KEYS); headers event_type, platform, msg_id, collector_id
    (game_sess on BIGO records that have one, and livetap-bigo's bigo_key).

The single-object fingerprint is CRC-64-AVRO (Rabin) of the schema's Parsing
Canonical Form with shared records inlined: the 8 bytes after C3 01 in a
record written without a registry.

usage: gen-topic-docs.py [--check] [--schemas DIR] [--out FILE] [--prefix P]
  --check   exit 1 if FILE differs from what would be generated (for CI)
Needs only the Python standard library.
"""
import argparse
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
HEADERS = [
    ("event_type", "the topic's event type, e.g. `chat` (lets a consumer of several topics dispatch without decoding)"),
    ("platform", "`tiktok` or `bigo`"),
    ("msg_id", "the platform message id as decimal text (de-duplication without decoding)"),
    ("collector_id", "the collector instance that produced the record"),
    ("game_sess", "BIGO only, and only when the record has one: the game session (the record's `game_sess`),"
                  " to follow one session without decoding"),
    ("bigo_key", "livetap-bigo's records only (not gift_info): the receiver's de-duplication key, game_sess, anchor"
                 " openid and `data_seq` joined by U+001F (`#` and a hash of the item when it has no `data_seq`;"
                 " `status:<state>` for room_status). A restarted livetap-bigo reads it back from the last hour so"
                 " as not to publish again what Kafka already holds ([bigo.md](bigo.md#restarts-dedupe-across-restarts))"),
]

# How the compacted topics are keyed (the publisher's callers choose the key).
ENTITY_KEYS = {
    "gift_info": "the gift id (`gift_id` as decimal text) for TikTok; `bigo:` and the gift id for BIGO"
                 " (e.g. `bigo:1234`: BIGO's gift ids are another id space in the same compacted topic)",
    "price_list": "the currency (`currency`, an ISO 4217 code such as `EUR`)",
}


def compacted_types(root):
    """Event types whose topic is log-compacted, read from the one list of
    types (src/core/event_types.c: {LT_EVENT_X, "name", &desc, true})."""
    import re
    src = (root / "src" / "core" / "event_types.c").read_text()
    return set(re.findall(r'\{\s*LT_EVENT_\w+\s*,\s*"(\w+)"\s*,\s*&\w+\s*,\s*true\s*\}', src))


# --- Parsing Canonical Form and CRC-64-AVRO (Avro specification) ---

def _fullname(schema, namespace):
    name = schema["name"]
    if "." in name:
        return name
    ns = schema.get("namespace", namespace)
    return f"{ns}.{name}" if ns else name


def canonical(schema, shared, namespace=None, seen=None):
    """PCF of `schema`; `shared` maps full names to shared record schemas (inlined once)."""
    seen = set() if seen is None else seen
    if isinstance(schema, str):
        if schema in PRIMITIVES:
            return json.dumps(schema)
        full = schema if "." in schema or not namespace else f"{namespace}.{schema}"
        if full in shared and full not in seen:
            return canonical(shared[full], shared, namespace, seen)
        return json.dumps(full)
    if isinstance(schema, list):
        return "[" + ",".join(canonical(s, shared, namespace, seen) for s in schema) + "]"
    t = schema["type"]
    if t in ("record", "error", "enum", "fixed"):
        full = _fullname(schema, namespace)
        if full in seen:
            return json.dumps(full)
        seen.add(full)
        ns = full.rpartition(".")[0] or None
        parts = [f'"name":{json.dumps(full)}', f'"type":{json.dumps("record" if t == "error" else t)}']
        if t in ("record", "error"):
            fields = ",".join(
                "{" + f'"name":{json.dumps(f["name"])},"type":{canonical(f["type"], shared, ns, seen)}' + "}"
                for f in schema["fields"])
            parts.append(f'"fields":[{fields}]')
        elif t == "enum":
            parts.append('"symbols":[' + ",".join(json.dumps(s) for s in schema["symbols"]) + "]")
        else:
            parts.append(f'"size":{int(schema["size"])}')
        return "{" + ",".join(parts) + "}"
    if t == "array":
        return '{"type":"array","items":' + canonical(schema["items"], shared, namespace, seen) + "}"
    if t == "map":
        return '{"type":"map","values":' + canonical(schema["values"], shared, namespace, seen) + "}"
    return canonical(t, shared, namespace, seen)  # {"type": "long", "logicalType": ...} -> "long"


_EMPTY = 0xC15D213AA4D7A795
_TABLE = []
for _i in range(256):
    _fp = _i
    for _ in range(8):
        _fp = (_fp >> 1) ^ (_EMPTY & -(_fp & 1))
    _TABLE.append(_fp)


def crc64_avro(data):
    fp = _EMPTY
    for b in data:
        fp = (fp >> 8) ^ _TABLE[(fp ^ b) & 0xFF]
    return fp


# --- rendering ---

def type_text(t, namespace):
    """A field type as a reader wants to see it."""
    if isinstance(t, str):
        if t in PRIMITIVES:
            return f"`{t}`"
        return f"[`{t}`](#{anchor(t)})" if "." in t else f"`{namespace}.{t}`"
    if isinstance(t, list):
        inner = [type_text(x, namespace) for x in t if x != "null"]
        text = " \\| ".join(inner)
        return f"{text} or null" if "null" in t else text
    kind = t["type"]
    if isinstance(kind, str) and "logicalType" in t:
        return f"`{kind}` ({t['logicalType']})"
    if kind == "array":
        return f"array of {type_text(t['items'], namespace)}"
    if kind == "map":
        return f"map of {type_text(t['values'], namespace)}"
    if kind == "enum":
        return "enum " + ", ".join(f"`{s}`" for s in t["symbols"])
    if kind in ("record", "error"):
        return f"record [`{t['name']}`](#{anchor(_fullname(t, namespace))})"
    if kind == "fixed":
        return f"fixed({t['size']})"
    return type_text(kind, namespace)


def anchor(fullname):
    return fullname.lower().replace(".", "-")


def cell(text):
    return (text or "").replace("|", "\\|").replace("\n", " ")


def default_text(field):
    if "default" not in field:
        return ""
    return f"`{json.dumps(field['default'])}`"


def nested_records(t, namespace, out):
    """Records defined inline inside a field type, in order of appearance."""
    if isinstance(t, list):
        for x in t:
            nested_records(x, namespace, out)
    elif isinstance(t, dict):
        kind = t["type"]
        if kind in ("record", "error"):
            out.append((t, namespace))
            ns = _fullname(t, namespace).rpartition(".")[0]
            for f in t["fields"]:
                nested_records(f["type"], ns, out)
        elif kind == "array":
            nested_records(t["items"], namespace, out)
        elif kind == "map":
            nested_records(t["values"], namespace, out)


def field_table(record, namespace, lines):
    lines.append("| field | type | default | meaning |")
    lines.append("|---|---|---|---|")
    for f in record["fields"]:
        lines.append(f"| `{f['name']}` | {type_text(f['type'], namespace)} | {default_text(f)} | {cell(f.get('doc'))} |")


def record_section(record, namespace, level, lines):
    full = _fullname(record, namespace)
    lines.append(f'{"#" * level} `{full}`<a id="{anchor(full)}"></a>')
    lines.append("")
    if record.get("doc"):
        lines.append(record["doc"])
        lines.append("")
    ns = full.rpartition(".")[0]
    field_table(record, ns, lines)
    lines.append("")
    inner = []
    for f in record["fields"]:
        nested_records(f["type"], ns, inner)
    for rec, rns in inner:
        record_section(rec, rns, level + 1, lines)


def generate(schema_dir, prefix):
    compacted = compacted_types(ROOT)
    files = sorted(schema_dir.glob("*.avsc"))
    if not files:
        raise SystemExit(f"gen-topic-docs: no schemas in {schema_dir}")
    shared, events = {}, []
    for path in files:
        schema = json.loads(path.read_text())
        if "." in path.stem:
            shared[_fullname(schema, None)] = schema
        else:
            events.append((path, schema))
    lines = [
        "# Topics and schemas",
        "",
        "<!-- Generated by scripts/gen-topic-docs.py from schemas/*.avsc. Do not edit by hand:",
        "     change the schema, then run `python3 scripts/gen-topic-docs.py`. -->",
        "",
        f"Every event type has its own topic `{prefix}.<type>` (the prefix is `kafka.topic_prefix` in the",
        "programs' configuration) and its own Avro schema in `schemas/<type>.avsc`. `kafka.topics`",
        "names another topic for some types, e.g. `kafka.topics: {chat: crm.tiktok.chat}`, in the",
        "collector's, livetap-bigo's and the sidecar's configuration (give the sidecar the same",
        "mapping as the collectors, or it reads topics nobody writes). An unknown type is refused with",
        "the list of types; so is a name Kafka would refuse, and two types sharing one topic (a",
        "reader tells types apart by topic). The subject follows the topic (`<topic>-value`).",
        "The collector group's defaults are the control topic `<prefix>.rooms` and the consumer",
        "group `<prefix>-collectors` (`group.control_topic`, `group.group_id`). These schemas are",
        "the data contract: change them only deliberately, and compatibly (the registry enforces it).",
        "CI holds every schema to BACKWARD compatibility with the last release (the commit in",
        "`schemas/RELEASED`) on a real registry: `scripts/check-schema-compat.py` names the type and",
        "the field of any break (a field added without a default, a changed type). Bump",
        "`schemas/RELEASED` when a release is cut.",
        "",
        "* **Key**: the room id as a UTF-8 string (BIGO: the anchor's openid; a room id is 1 to 128",
        "  characters of `A-Z a-z 0-9 . _ : @ ~ -`, TikTok's are decimal), partitioned with",
        "  `murmur2_random` (the Java client's partitioner), so all events of a room are in one",
        "  partition, in order, whatever client language produced or consumes them. Exception: the",
        "  log-compacted entity topics (`cleanup.policy=compact`) are keyed by the entity's id, so",
        "  compaction keeps the newest record of each entity (see each topic below).",
        "* **Value** with a schema registry: Confluent wire format (`0x00`, 4-byte big-endian schema id,",
        "  Avro binary); subject `<topic>-value` (TopicNameStrategy), registered at start-up.",
        "* **Value** without a registry: Avro single-object encoding (`C3 01`, the 8-byte little-endian",
        "  fingerprint below, Avro binary). The fingerprint is CRC-64-AVRO of the schema's Parsing",
        "  Canonical Form with the shared records inlined.",
        "* **Headers** on every record (`game_sess` only where it applies):",
        "",
        "| header | value (UTF-8) |",
        "|---|---|",
    ]
    lines += [f"| `{h}` | {d} |" for h, d in HEADERS]
    lines += ["", "## Topics", "",
              "| topic | value record | registry subject | single-object fingerprint | what it carries |",
              "|---|---|---|---|---|"]
    for path, schema in events:
        topic = f"{prefix}.{path.stem}"
        full = _fullname(schema, None)
        fp = crc64_avro(canonical(schema, shared).encode())
        lines.append(f"| [`{topic}`](#{anchor(topic)}) | `{full}` | `{topic}-value` | "
                     f"`{fp.to_bytes(8, 'little').hex()}` | {cell(schema.get('doc'))} |")
    lines.append("")
    for path, schema in events:
        topic = f"{prefix}.{path.stem}"
        full = _fullname(schema, None)
        lines.append(f'## `{topic}`<a id="{anchor(topic)}"></a>')
        lines.append("")
        if schema.get("doc"):
            lines.append(schema["doc"])
            lines.append("")
        if path.stem in compacted:
            key = ENTITY_KEYS.get(path.stem, "the entity's id")
            lines.append(f"Key: {key}, UTF-8; the topic is log-compacted. Value: `{full}` "
                         f"(`schemas/{path.name}`), subject `{topic}-value`.")
        else:
            lines.append(f"Key: room id (UTF-8). Value: `{full}` (`schemas/{path.name}`), "
                         f"subject `{topic}-value`.")
        lines.append("")
        ns = full.rpartition(".")[0]
        field_table(schema, ns, lines)
        lines.append("")
        inner = []
        for f in schema["fields"]:
            nested_records(f["type"], ns, inner)
        for rec, rns in inner:
            record_section(rec, rns, 3, lines)
    lines += ["## Shared records", "",
              "Referenced by full name from the event schemas (`schemas/<full name>.avsc`).", ""]
    for full, schema in sorted(shared.items()):
        record_section(schema, full.rpartition(".")[0], 3, lines)
    return "\n".join(lines).rstrip() + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--schemas", type=pathlib.Path, default=ROOT / "schemas")
    ap.add_argument("--out", type=pathlib.Path, default=ROOT / "docs" / "topics.md")
    ap.add_argument("--prefix", default="livetap")
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    text = generate(a.schemas, a.prefix)
    if a.check:
        if not a.out.exists() or a.out.read_text() != text:
            print(f"gen-topic-docs: {a.out} is stale: run python3 scripts/gen-topic-docs.py", file=sys.stderr)
            return 1
        return 0
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(text)
    print(f"gen-topic-docs: wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
