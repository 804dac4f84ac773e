"""test_harness.py - the conformance suite catches what it exists to catch.

Each test runs the real suite (peer classes, livetap's driver, fastavro) on
one method with a deliberate fault: a mapping that expects a field at another
path, bytes with two field numbers swapped or a field written with another
wire type (what a wrong number or type in proto/webcast.proto looks like from
the outside), a field nobody reviewed, a method without a mapping file. The
suite must fail and name the field. And the same method without a fault must
pass, so that a suite that always fails is caught too.
"""
import os
import pathlib
import shutil
import sys

import pytest
import yaml

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import run_conformance as rc  # noqa: E402

BUILD = os.environ.get("LT_BUILD_DIR", str(HERE.parent.parent / "build"))
METHOD = "WebcastLikeMessage"


@pytest.fixture
def mapping_dir(tmp_path):
    d = tmp_path / "mapping"
    d.mkdir()
    shutil.copy(HERE / "mapping" / "_types.yaml", d)
    shutil.copy(HERE / "mapping" / f"{METHOD}.yaml", d)
    return d


def edit_mapping(d, fn):
    p = d / f"{METHOD}.yaml"
    doc = yaml.safe_load(p.read_text())
    fn(doc)
    p.write_text(yaml.safe_dump(doc))


def run(mapping_dir, allow_missing=False, mutate=None, methods=(METHOD,)):
    rows, failures, missing = rc.run(list(methods), BUILD, mapping_dir, allow_missing, mutate=mutate)
    return rows, failures


# --- raw protobuf, to alter the bytes livetap sees -------------------------

def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def read_varint(b, i):
    v = shift = 0
    while True:
        v |= (b[i] & 0x7F) << shift
        shift += 7
        i += 1
        if not b[i - 1] & 0x80:
            return v, i


def fields(b):
    """Top-level fields: [(number, wire type, raw value bytes)]."""
    out, i = [], 0
    while i < len(b):
        key, i = read_varint(b, i)
        num, wt = key >> 3, key & 7
        start = i
        if wt == 0:
            _, i = read_varint(b, i)
        elif wt == 1:
            i += 8
        elif wt == 5:
            i += 4
        elif wt == 2:
            n, i = read_varint(b, i)
            i += n
        else:
            raise ValueError(f"wire type {wt}")
        out.append((num, wt, b[start:i]))
    return out


def build(fs):
    return b"".join(varint(n << 3 | wt) + raw for n, wt, raw in fs)


# --- the faults ------------------------------------------------------------

def test_the_method_conforms_without_a_fault(mapping_dir):
    rows, failures = run(mapping_dir)
    assert failures == []
    assert rows[0][1] == "like" and rows[0][2] > 0


def test_a_mapping_that_expects_a_field_elsewhere_fails_naming_it(mapping_dir):
    def swap(doc):
        doc["fields"]["count"], doc["fields"]["total"] = "total", "count"
    edit_mapping(mapping_dir, swap)
    _, failures = run(mapping_dir)
    assert any("count -> total" in f for f in failures), failures
    assert any("total -> count" in f for f in failures), failures


def test_swapped_field_numbers_fail_naming_the_fields(mapping_dir):
    # as if livetap's proto declared count at 3 and total at 2
    def mutate(method, payload):
        swapped = {2: 3, 3: 2}
        return build([(swapped.get(n, n), wt, raw) for n, wt, raw in fields(payload)])
    _, failures = run(mapping_dir, mutate=mutate)
    assert any(f.startswith(f"{METHOD}: count -> count") for f in failures), failures
    assert any(f.startswith(f"{METHOD}: total -> total") for f in failures), failures


def test_a_field_number_livetap_does_not_read_fails_naming_it(mapping_dir):
    # as if livetap's proto had effect_cnt at another number: livetap never sees field 9
    def mutate(method, payload):
        return build([(n if n != 9 else 900, wt, raw) for n, wt, raw in fields(payload)])
    _, failures = run(mapping_dir, mutate=mutate)
    assert any(f.startswith(f"{METHOD}: effect_cnt -> effect_cnt: peer") for f in failures), failures


def test_a_wire_type_mismatch_fails(mapping_dir):
    # count (field 2) sent length-delimited: protobuf-c rejects the message
    def mutate(method, payload):
        return build([(n, 2, varint(3) + b"abc") if n == 2 else (n, wt, raw) for n, wt, raw in fields(payload)])
    _, failures = run(mapping_dir, mutate=mutate)
    assert any("landed in 'unknown'" in f for f in failures), failures


def test_an_unreviewed_field_fails_naming_it(mapping_dir):
    edit_mapping(mapping_dir, lambda doc: doc["unmapped"].pop("color"))
    _, failures = run(mapping_dir)
    assert failures == [f"{METHOD}: color: unreviewed (neither mapped nor on the unmapped list)"]


def test_an_unmapped_field_needs_a_reason(mapping_dir):
    edit_mapping(mapping_dir, lambda doc: doc["unmapped"].update(color=""))
    _, failures = run(mapping_dir)
    assert failures == [f"{METHOD}: color: unmapped without a reason"]


def test_a_path_the_peer_does_not_declare_fails(mapping_dir):
    edit_mapping(mapping_dir, lambda doc: doc["fields"].update({"colour": "count"}))
    _, failures = run(mapping_dir)
    assert any("colour" in f and "declares no field" in f for f in failures), failures


def test_the_wrong_topic_fails(mapping_dir):
    edit_mapping(mapping_dir, lambda doc: doc.update(topic="chat"))
    _, failures = run(mapping_dir)
    assert any("landed in 'like', the mapping says 'chat'" in f for f in failures), failures


def test_a_method_without_a_mapping_file(mapping_dir):
    other = "WebcastChatMessage"
    _, failures = run(mapping_dir, methods=(METHOD, other))
    assert failures == [f"{other}: no mapping file (mapping/{other}.yaml)"]
    _, failures = run(mapping_dir, allow_missing=True, methods=(METHOD, other))
    assert failures == []
