#!/usr/bin/env python3
"""run_conformance.py - livetap's WebCast decoding checked against the peers' schemas.

For every method the peer library types (TikTokLive's EVENT_MAPPINGS), build
the message with the peer's own classes, fill every declared field with a
distinctive value, wrap it in a peer ProtoMessageFetchResult, run it through
livetap's real decoder and Avro encoder (build/tests/lt-conformance-decode),
read the records back with fastavro against schemas/*.avsc and compare them
field by field as tests/conformance/mapping/<Method>.yaml says. The contract
is tests/conformance/README.md.

usage: run_conformance.py [--method M]... [--build DIR] [--mapping DIR]
                          [--allow-missing] [--markdown FILE [--check]]
Exit 0 when every method conforms, 1 on any failure, 2 on a setup error.
"""
import argparse
import hashlib
import io
import json
import pathlib
import struct
import subprocess
import sys

import betterproto2
import fastavro
import yaml
from TikTokLive.events.proto_events import EVENT_MAPPINGS
from TikTokLiveProto.v3.webcast.shared.message import BaseProtoMessage, ProtoMessageFetchResult

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
MAX_DEPTH = 5          # nested messages deeper than this stay empty
REPEATED = 2           # elements per repeated field and entries per map
FETCH_NOW_MS = 1_700_000_000_000
INT_RANGES = {         # (low, span): every value fits its declared type
    "int32": (100_000, 2_000_000_000), "sint32": (100_000, 2_000_000_000),
    "sfixed32": (100_000, 2_000_000_000), "uint32": (100_000, 4_000_000_000),
    "fixed32": (100_000, 4_000_000_000),
    # above 2^32, so an int64 read into 32 bits does not match
    "int64": (1 << 40, 1 << 52), "sint64": (1 << 40, 1 << 52), "sfixed64": (1 << 40, 1 << 52),
    "uint64": (1 << 40, 1 << 52), "fixed64": (1 << 40, 1 << 52),
}


class SetupError(Exception):
    pass


# ------------------------------------------------------------------ peer messages

def proto_class(method):
    """The peer's betterproto2 message class of a method."""
    event = EVENT_MAPPINGS[method]
    for c in event.__mro__:
        if c.__module__.startswith("TikTokLiveProto"):
            return c
    raise SetupError(f"{method}: no TikTokLiveProto class behind {event.__name__}")


def meta(cls):
    info = cls()._betterproto
    return info.meta_by_field_name, info.cls_by_field


def declared_fields(cls):
    fields, _ = meta(cls)
    return sorted(fields, key=lambda n: fields[n].number)


def _h(path):
    return int.from_bytes(hashlib.sha1(path.encode()).digest()[:8], "big")


def scalar_value(proto_type, path, enum_cls=None):
    """A value distinctive for this path, valid for the declared type."""
    if proto_type in INT_RANGES:
        low, span = INT_RANGES[proto_type]
        return low + _h(path) % span
    if proto_type == "bool":
        return True
    if proto_type == "string":
        return f"v:{path}"
    if proto_type == "bytes":
        return f"b:{path}".encode()
    if proto_type in ("float", "double"):
        return float(1 + _h(path) % 100_000) / 4
    if proto_type == "enum":
        members = [m for m in enum_cls if int(m) != 0]
        return members[_h(path) % len(members)] if members else list(enum_cls)[0]
    raise SetupError(f"{path}: unsupported field type {proto_type}")


def fill(cls, path="", depth=0, stack=(), inputs=None):
    """An instance of cls with every declared field set (bounded depth,
    cycle-safe: a message type already being filled above stays empty).
    inputs: {path: value} overrides for fields whose meaning constrains them."""
    inputs = inputs or {}
    obj = cls()
    fields, classes = meta(cls)
    for name, m in fields.items():
        p = f"{path}.{name}" if path else name
        if p in inputs:
            setattr(obj, name, _coerce(inputs[p], m, classes.get(name)))
            continue
        if m.proto_type == "map":
            kmeta, vmeta = m.map_meta
            entries = {}
            for i in range(REPEATED):
                key = scalar_value(kmeta.proto_type, f"{p}[{i}].key", classes.get(f"{name}.key"))
                entries[key] = _element(vmeta, classes.get(f"{name}.value"), f"{p}[{i}].value", depth, stack, inputs)
            setattr(obj, name, entries)
        elif m.repeated:
            setattr(obj, name, [_element(m, classes.get(name), f"{p}[{i}]", depth, stack, inputs)
                                for i in range(REPEATED)])
        else:
            v = _element(m, classes.get(name), p, depth, stack, inputs)
            if v is not None:
                setattr(obj, name, v)
    return obj


def _element(m, cls, path, depth, stack, inputs):
    if m.proto_type == "message":
        if depth >= MAX_DEPTH or cls in stack:
            return cls()
        return fill(cls, path, depth + 1, stack + (cls,), inputs)
    return scalar_value(m.proto_type, path, cls)


def _coerce(value, m, cls):
    if m.proto_type == "enum" and not m.repeated:
        return cls(value)
    return value


class Entry:
    """A map entry, so that paths address maps as lists of {key, value}."""
    def __init__(self, key, value):
        self.key, self.value = key, value


def fetch_result(method, payload, msg_id):
    return bytes(ProtoMessageFetchResult(
        messages=[BaseProtoMessage(method=method, payload=payload, msg_id=msg_id)],
        now=FETCH_NOW_MS, fetch_interval=1000, cursor="conformance"))


# ------------------------------------------------------------------ paths

def parse_path(path):
    """'a.b[0].c[]' -> [('a', None), ('b', 0), ('c', '*')]"""
    steps = []
    for part in path.split("."):
        idx = None
        if part.endswith("]"):
            name, _, rest = part.partition("[")
            rest = rest[:-1]
            idx = "*" if rest == "" else int(rest)
            part = name
        steps.append((part, idx))
    return steps


def _get(obj, name, peer):
    if peer:
        if obj is None or not hasattr(obj, "_betterproto"):
            raise KeyError(name)
        if name not in obj._betterproto.meta_by_field_name:
            raise KeyError(name)
        v = getattr(obj, name)
        if isinstance(v, dict):
            v = [Entry(k, x) for k, x in v.items()]
        return v
    if isinstance(obj, Entry):
        return getattr(obj, name)
    if not isinstance(obj, dict) or name not in obj:
        raise KeyError(name)
    return obj[name]


def resolve(obj, path, peer):
    """Every value at path: [(wildcard indices, value)]; KeyError if a name
    is not declared / not in the record; a missing element resolves to
    nothing at that index."""
    out = [((), obj)]
    for name, idx in parse_path(path):
        nxt = []
        for key, o in out:
            if isinstance(o, Entry) and peer and name in ("key", "value"):
                v = getattr(o, name)
            else:
                v = _get(o, name, peer)
            if idx is None:
                nxt.append((key, v))
            elif idx == "*":
                for i, e in enumerate(v or []):
                    nxt.append((key + (i,), e))
            elif v is not None and idx < len(v):
                nxt.append((key, v[idx]))
            else:
                nxt.append((key, _MISSING))
        out = nxt
    return out


class _Missing:
    def __repr__(self):
        return "<missing>"


_MISSING = _Missing()


# ------------------------------------------------------------------ comparison rules

def plain(v):
    if isinstance(v, Entry):
        return {"key": plain(v.key), "value": plain(v.value)}
    if hasattr(v, "_betterproto"):
        return v
    if isinstance(v, bool):
        return v
    if isinstance(v, int):  # enums are int subclasses
        return int(v)
    if isinstance(v, bytes):
        return v
    return v


def render_text(text):
    """A peer Text rendered the way the app shows it: {n:...} placeholders
    replaced by piece n (a user by nickname, else its string)."""
    if text is None or not text.default_pattern:
        return None
    pieces = []
    for p in text.pieces_list if hasattr(text, "pieces_list") else text.pieces:
        u = p.user_value.user if p.user_value and p.user_value.user else None
        pieces.append((u.nickname or u.display_id) if u else p.string_value)
    out, s = [], text.default_pattern
    i = 0
    while i < len(s):
        if s[i] == "{":
            j = i + 1
            while j < len(s) and s[j].isdigit() and j - i <= 4:
                j += 1
            close = s.find("}", j)
            if j > i + 1 and close >= 0 and s[j] in ":}" and int(s[i + 1:j]) < len(pieces):
                out.append(pieces[int(s[i + 1:j])] or "")
                i = close + 1
                continue
        out.append(s[i])
        i += 1
    return "".join(out)


def first_url(image):
    return image.url_list[0] if image is not None and image.url_list else None


TRANSFORMS = {
    "s_to_ms": lambda v: v * 1000,
    "str": lambda v: str(v),
    "int": lambda v: int(v),
    "nonzero": lambda v: v != 0,
    "gte2": lambda v: v >= 2,
    "first_url": first_url,
    "text": render_text,
    "bytes_utf8": lambda v: v.decode() if isinstance(v, bytes) else v,
}


def _scan_badge_strings(user):
    """Every string and bytes value under a peer User's badges."""
    found = []

    def walk(o, depth=0):
        if depth > 8 or o is None:
            return
        if isinstance(o, (str, bytes)):
            found.append(o.decode("utf-8", "replace") if isinstance(o, bytes) else o)
        elif isinstance(o, list):
            for x in o:
                walk(x, depth + 1)
        elif hasattr(o, "_betterproto"):
            for n in o._betterproto.meta_by_field_name:
                walk(getattr(o, n), depth + 1)
    walk(user.badge_list)
    walk(user.badge_image_list)
    return found


def _level(strings, marker):
    best = 0
    for s in strings:
        at = s.find(marker)
        if at >= 0:
            digits = ""
            for ch in s[at + len(marker):]:
                if not ch.isdigit() or len(digits) >= 6:
                    break
                digits += ch
            if digits:
                best = max(best, int(digits))
    return best


def user_badges(user):
    """livetap's badge rendering (docs/topics.md, io.livetap.User.badges),
    recomputed from the peer's user: markers in the badge images and texts."""
    s = _scan_badge_strings(user)
    out = []
    if any("moderator" in x for x in s):
        out.append("moderator")
    if user.is_subscribe or any("/sub_" in x for x in s):
        out.append("subscriber")
    if any("new_top_gifter" in x for x in s):
        out.append("top_gifter")
    g, f = _level(s, "grade_badge_icon_lite_lv"), _level(s, "fans_badge_icon_lv")
    if g:
        out.append(f"gifter_level_{g}")
    if f:
        out.append(f"fan_level_{f}")
    return out


COMPUTED = {  # peer object -> expected value, for the shared rules in _types.yaml
    "user_badges": user_badges,
    "user_gifter_level": lambda u: _level(_scan_badge_strings(u), "grade_badge_icon_lite_lv"),
    "user_member_level": lambda u: _level(_scan_badge_strings(u), "fans_badge_icon_lv"),
    "user_is_follower": lambda u: bool(u.is_follower or (u.follow_info and u.follow_info.follow_status >= 2)),
    "user_is_subscriber": lambda u: bool(u.is_subscribe or any("/sub_" in x for x in _scan_badge_strings(u))),
}


class Checker:
    def __init__(self, types):
        self.types = types  # {"User": {"fields": {...}, "inputs": {...}}, ...}
        self.failures = []

    def fail(self, method, msg):
        self.failures.append(f"{method}: {msg}")

    def compare(self, method, peer_root, record, peer_path, spec, rec_base="", peer_base=""):
        if isinstance(spec, str):
            spec = {"path": spec}
        full_peer = f"{peer_base}.{peer_path}" if peer_base else peer_path
        rec_path = spec["path"]
        full_rec = f"{rec_base}.{rec_path}" if rec_base else rec_path
        try:
            peer_vals = resolve(peer_root, full_peer, peer=True)
        except KeyError as e:
            self.fail(method, f"{full_peer}: the peer declares no field {e}")
            return
        try:
            rec_vals = dict(resolve(record, full_rec, peer=False))
        except KeyError as e:
            self.fail(method, f"{full_peer} -> {full_rec}: the record has no field {e}")
            return
        for key, pv in peer_vals:
            if key not in rec_vals:
                self.fail(method, f"{full_peer}{list(key) or ''} -> {full_rec}: no element in the record")
                continue
            rv = rec_vals[key]
            where = full_peer + ("".join(f"[{i}]" for i in key) if key else "")
            rwhere = full_rec + ("".join(f"[{i}]" for i in key) if key else "")
            self.compare_value(method, pv, rv, spec, where, rwhere)

    def compare_value(self, method, pv, rv, spec, where, rwhere):
        kind = spec.get("as")
        if kind and kind in self.types and "fields" in self.types[kind]:
            if rv is None:
                self.fail(method, f"{where} -> {rwhere}: the record has null, the peer a {kind}")
                return
            for sub_peer, sub_spec in self.types[kind]["fields"].items():
                self.compare_sub(method, pv, rv, sub_peer, sub_spec, where, rwhere)
            return
        if kind == "Image":
            pv = first_url(pv)
        elif kind == "Text":
            pv = render_text(pv)
        if "transform" in spec:
            pv = TRANSFORMS[spec["transform"]](plain(pv))
        if "computed" in spec:
            pv = COMPUTED[spec["computed"]](pv)
        pv = plain(pv)
        if pv is _MISSING:
            self.fail(method, f"{where}: the peer message has no such element")
        elif pv != rv:
            self.fail(method, f"{where} -> {rwhere}: peer {pv!r}, livetap {rv!r}")

    def compare_sub(self, method, pobj, robj, sub_peer, sub_spec, where, rwhere):
        if isinstance(sub_spec, str):
            sub_spec = {"path": sub_spec}
        if sub_peer.startswith("="):  # computed from the whole object
            pvals = [((), pobj)]
        else:
            try:
                pvals = resolve(pobj, sub_peer, peer=True)
            except KeyError as e:
                self.fail(method, f"{where}.{sub_peer}: the peer declares no field {e}")
                return
        try:
            rvals = dict(resolve(robj, sub_spec["path"], peer=False))
        except KeyError as e:
            self.fail(method, f"{rwhere}.{sub_spec['path']}: the record has no field {e}")
            return
        for key, pv in pvals:
            rv = rvals.get(key, _MISSING)
            self.compare_value(method, pv, rv, sub_spec, f"{where}.{sub_peer.lstrip('=')}",
                               f"{rwhere}.{sub_spec['path']}")


# ------------------------------------------------------------------ schemas, driver

def raw_types(schema):
    """The schema without logical types: values are compared as sent
    (milliseconds as longs), not converted to datetimes."""
    if isinstance(schema, dict):
        return {k: raw_types(v) for k, v in schema.items() if k != "logicalType"}
    if isinstance(schema, list):
        return [raw_types(x) for x in schema]
    return schema


def load_schema(path):
    return raw_types(json.loads(path.read_text()))


def load_named(schema_dir):
    named = {}
    for f in sorted(schema_dir.glob("io.livetap.*.avsc")):
        fastavro.parse_schema(load_schema(f), named_schemas=named)
    return named


class Reader:
    def __init__(self, schema_dir):
        self.dir = schema_dir
        self.named = load_named(schema_dir)
        self.parsed = {}

    def read(self, type_name, framed):
        if type_name not in self.parsed:
            path = self.dir / f"{type_name}.avsc"
            self.parsed[type_name] = fastavro.parse_schema(load_schema(path),
                                                           named_schemas=dict(self.named))
        if framed[:2] != b"\xc3\x01":
            raise SetupError(f"{type_name}: a record not in single-object framing")
        return fastavro.schemaless_reader(io.BytesIO(framed[10:]), self.parsed[type_name])


def run_driver(driver, schema_dir, payloads):
    stream = b"".join(struct.pack("<I", len(p)) + p for p in payloads)
    proc = subprocess.run([str(driver), str(schema_dir)], input=stream, capture_output=True, timeout=120)
    if proc.returncode != 0:
        raise SetupError(f"{driver} exited {proc.returncode}: {proc.stderr.decode(errors='replace').strip()}")
    events = []
    for line in proc.stdout.decode().splitlines():
        t, _, hexrec = line.partition("\t")
        events.append((t, bytes.fromhex(hexrec)))
    return events


# ------------------------------------------------------------------ the suite

def load_mappings(mapping_dir):
    types = yaml.safe_load((mapping_dir / "_types.yaml").read_text()) or {}
    maps = {}
    for f in sorted(mapping_dir.glob("Webcast*.yaml")):
        doc = yaml.safe_load(f.read_text()) or {}
        if doc.get("method") != f.stem:
            raise SetupError(f"{f}: 'method' must be {f.stem}")
        maps[f.stem] = doc
    return types, maps


def type_inputs(types, doc):
    """Input overrides: the method's own, plus each shared type's at every
    path the method compares with `as: <Type>`."""
    inputs = dict(doc.get("inputs") or {})
    for peer_path, spec in (doc.get("fields") or {}).items():
        if isinstance(spec, dict) and spec.get("as") in types:
            for sub, v in (types[spec["as"]].get("inputs") or {}).items():
                for p in _concrete(peer_path):
                    inputs.setdefault(f"{p}.{sub}", v)
    return inputs


def _concrete(path):
    """'a[].b' -> ['a[0].b', 'a[1].b'] (every element the filler makes)."""
    if "[]" not in path:
        return [path]
    head, _, tail = path.partition("[]")
    return [p for i in range(REPEATED) for p in _concrete(f"{head}[{i}]{tail}")]


def set_inputs(obj, inputs):
    """Applies overrides that address nested elements (a[0].b), after fill()."""
    for path, value in inputs.items():
        steps = parse_path(path)
        o = obj
        try:
            for name, idx in steps[:-1]:
                o = getattr(o, name)
                if isinstance(idx, int):
                    o = o[idx]
            name, idx = steps[-1]
            if isinstance(idx, int):
                getattr(o, name)[idx] = value
            else:
                m = o._betterproto.meta_by_field_name[name]
                cls = o._betterproto.cls_by_field.get(name)
                setattr(o, name, _coerce(value, m, cls))
        except (AttributeError, IndexError, KeyError) as e:
            raise SetupError(f"input {path}: not a field the filler made ({e})")


def build_message(method, inputs):
    cls = proto_class(method)
    msg = fill(cls)
    set_inputs(msg, inputs)
    return msg


def check_method(checker, method, doc, msg, events, reader):
    """Compares one method's records; returns (topic, mapped, unmapped, declared)."""
    declared = declared_fields(type(msg))
    fields = doc.get("fields") or {}
    unmapped = doc.get("unmapped") or {}
    top = lambda p: parse_path(p)[0][0]
    covered_f = {top(p) for p in fields} & set(declared)
    covered_u = set(unmapped) & set(declared)
    for p in list(fields) + list(unmapped):
        if top(p) not in declared:
            checker.fail(method, f"{p}: the peer declares no field {top(p)!r}")
    for name in unmapped:
        if not str(unmapped[name] or "").strip():
            checker.fail(method, f"{name}: unmapped without a reason")
    for name in declared:
        if name not in covered_f and name not in covered_u:
            checker.fail(method, f"{name}: unreviewed (neither mapped nor on the unmapped list)")
    topic = doc.get("topic")
    if len(events) != 1:
        checker.fail(method, f"{len(events)} events for one message (expected 1)")
    for t, framed in events[:1]:
        record = reader.read(t, framed)
        if t != topic:
            why = f" ({record.get('reason')})" if t == "unknown" else ""
            checker.fail(method, f"landed in {t!r}{why}, the mapping says {topic!r}")
            continue
        for peer_path, spec in fields.items():
            checker.compare(method, msg, record, peer_path, spec)
    return topic, len(covered_f), len(covered_u - covered_f), len(declared)


def run(methods, build, mapping_dir, allow_missing, schema_dir=ROOT / "schemas", mutate=None, out=sys.stdout):
    """The suite. mutate(method, payload) -> payload lets a test alter the
    bytes livetap sees. Returns (rows, failures, missing)."""
    types, maps = load_mappings(mapping_dir)
    driver = pathlib.Path(build) / "tests" / "lt-conformance-decode"
    if not driver.exists():
        raise SetupError(f"{driver} is missing: build it (ninja -C {build} lt-conformance-decode)")
    reader = Reader(schema_dir)
    checker = Checker(types)
    missing = [m for m in methods if m not in maps]
    for m in missing:
        if not allow_missing:
            checker.fail(m, f"no mapping file ({mapping_dir.name}/{m}.yaml)")
    mapped_methods = [m for m in methods if m in maps]
    msgs, payloads = {}, []
    for i, m in enumerate(mapped_methods):
        msgs[m] = build_message(m, type_inputs(types, maps[m]))
        payload = bytes(msgs[m])
        if mutate:
            payload = mutate(m, payload)
        payloads.append(fetch_result(m, payload, 7_000_000_000_000_000_000 + i))
    # one fetch result per method, so that each method's events are its own
    events = run_driver(driver, schema_dir, payloads) if payloads else []
    per_method = _split(events, len(mapped_methods))
    rows = []
    for m, evs in zip(mapped_methods, per_method):
        rows.append((m,) + check_method(checker, m, maps[m], msgs[m], evs, reader))
    for m in missing:
        rows.append((m, None, 0, 0, len(declared_fields(proto_class(m)))))
    rows.sort()
    return rows, checker.failures, missing


def _split(events, n):
    # the driver decodes one message per fetch result: one event each
    if len(events) != n:
        return [events[i:i + 1] for i in range(n)] if len(events) > n else \
            [[e] for e in events] + [[] for _ in range(n - len(events))]
    return [[e] for e in events]


def table_lines(rows, markdown):
    if markdown:
        lines = ["| method | topic | mapped | unmapped (reviewed) | declared |", "|---|---|---:|---:|---:|"]
        for m, topic, f, u, d in rows:
            lines.append(f"| {m} | {('`' + topic + '`') if topic else '(no mapping)'} | {f} | {u} | {d} |")
        return lines
    lines = [f"{'method':40} {'topic':22} {'mapped':>6} {'unmapped':>8} {'declared':>8}"]
    for m, topic, f, u, d in rows:
        lines.append(f"{m:40} {topic or '(no mapping)':22} {f:6} {u:8} {d:8}")
    return lines


MD_HEAD = """# Conformance with the peers' WebCast schemas

Generated by `tests/conformance/run_conformance.py --markdown docs/conformance.md`
(do not edit by hand). For every method the peer libraries type, the topic
livetap publishes it to and how many of the fields the peer declares at the
top level of the message livetap maps (compared value by value by the suite),
and how many it deliberately does not carry (each with its reason in
`tests/conformance/mapping/<Method>.yaml`). How the suite works:
`tests/conformance/README.md`.

"""


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--method", action="append", help="only this method (repeatable)")
    ap.add_argument("--build", default=str(ROOT / "build"))
    ap.add_argument("--mapping", default=str(HERE / "mapping"))
    ap.add_argument("--schemas", default=str(ROOT / "schemas"))
    ap.add_argument("--allow-missing", action="store_true",
                    help="report methods without a mapping file instead of failing them")
    ap.add_argument("--markdown", metavar="FILE", help="write the table as Markdown to FILE")
    ap.add_argument("--check", action="store_true", help="with --markdown: exit 1 if FILE is not up to date")
    a = ap.parse_args(argv)
    methods = a.method or sorted(EVENT_MAPPINGS)
    unknown = [m for m in methods if m not in EVENT_MAPPINGS]
    if unknown:
        print(f"run_conformance: not a peer-typed method: {', '.join(unknown)}", file=sys.stderr)
        return 2
    try:
        rows, failures, missing = run(methods, a.build, pathlib.Path(a.mapping), a.allow_missing,
                                      pathlib.Path(a.schemas))
    except SetupError as e:
        print(f"run_conformance: {e}", file=sys.stderr)
        return 2
    print("\n".join(table_lines(rows, markdown=False)))
    mapped = sum(r[2] for r in rows)
    declared = sum(r[4] for r in rows)
    print(f"\n{len(rows)} methods, {len(missing)} without a mapping file; top-level fields: "
          f"{mapped} mapped, {sum(r[3] for r in rows)} unmapped (reviewed), {declared} declared")
    rc = 0
    if failures:
        print(f"\n{len(failures)} failures:")
        for f in failures:
            print(f"  FAIL {f}")
        rc = 1
    if a.markdown:
        text = MD_HEAD + "\n".join(table_lines(rows, markdown=True)) + "\n"
        path = pathlib.Path(a.markdown)
        if a.check:
            if not path.exists() or path.read_text() != text:
                print(f"run_conformance: {path} is not up to date: run {sys.argv[0]} --markdown {path}",
                      file=sys.stderr)
                rc = 1
        else:
            path.write_text(text)
    return rc


if __name__ == "__main__":
    sys.exit(main())
