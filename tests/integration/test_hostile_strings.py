"""Strings a platform sends that are not UTF-8 reach Kafka as UTF-8.

Chat content and nicknames with bytes that are not UTF-8 (\\xff\\xfe,
overlong forms, surrogates, code points above U+10FFFF, truncated
sequences) were published as they came, and fastavro - like any strict
Avro reader - refused 5 of 6 such records. Here livetap-sim replays push
frames carrying exactly those bytes (protobuf strings are written raw, so
the frames are patched after serializing: Python's protobuf would refuse to
build them), livetap-collector publishes them to the real Kafka with the
registry, and fastavro reads every record back. The expected text comes
from an independent decoder: Python's bytes.decode("utf-8", "replace"),
which replaces each maximal ill-formed subpart by one U+FFFD, as the
collector does. An embedded NUL ends the string (docs/security.md).
"""
import os
import struct
import subprocess
import sys
import tempfile

import requests

from conftest import REGISTRY, SOURCE, RegistryDecoder, Sim, consume_all, wait_for
from test_collector_admin import AdminCollector

CASES = [
    b"\xff\xfe",                 # not UTF-8 at all
    b"\xc0\xaf\xe0\x80\xaf",     # overlong '/' in 2 and 3 bytes
    b"\xed\xa0\x80",             # a surrogate
    b"\xf4\x90\x80\x80",         # above U+10FFFF
    b"ends in half a euro \xe2\x82",  # truncated
    "caf\u00e9 \u20ac \U0001F600".encode(),  # well-formed: unchanged
]
MALFORMED = 5


def webcast_pb2():
    out = tempfile.mkdtemp(prefix="lt-pb-")
    subprocess.run(["protoc", f"--proto_path={SOURCE}/proto", f"--python_out={out}", "webcast.proto"], check=True)
    sys.path.insert(0, out)
    import webcast_pb2 as pb
    return pb


def chat_frame(pb, i, content, nickname):
    """A push frame with one chat whose content and nickname are raw bytes."""
    fill_c, fill_n = "#" * len(content), "%" * len(nickname)
    chat = pb.ChatMessage(content=f"<c{fill_c}c>", common=pb.Common(method="WebcastChatMessage", msg_id=9000 + i,
                                                                     create_time=1_700_000_000_000 + i),
                          user=pb.User(id=500 + i, nickname=f"<n{fill_n}n>", display_id=f"hostile{i}"))
    raw = chat.SerializeToString()
    raw = raw.replace(f"<c{fill_c}c>".encode(), b"<c" + content + b"c>")
    raw = raw.replace(f"<n{fill_n}n>".encode(), b"<n" + nickname + b"n>")
    result = pb.FetchResult(messages=[pb.FetchResult.Message(method="WebcastChatMessage", payload=raw,
                                                             msg_id=9000 + i)], cursor=f"c{i}", now=1)
    return pb.PushFrame(seq_id=i + 1, log_id=i + 1, payload_type="msg", payload=result.SerializeToString())


def test_ill_formed_utf8_reaches_kafka_as_utf8_fastavro_reads_it(prefix):
    pb = webcast_pb2()
    cases = CASES + [b"before\x00after"]
    capture = os.path.join(tempfile.mkdtemp(prefix="lt-hostile-"), "frames.bin")
    with open(capture, "wb") as f:
        for i, raw in enumerate(cases):
            frame = chat_frame(pb, i, raw, raw).SerializeToString()
            f.write(struct.pack("<I", len(frame)) + frame)
    sim = Sim("--rooms", "1", "--rate", "20", "--replay", capture, "--quiet")
    coll = None
    try:
        coll = AdminCollector(sim, prefix)
        assert requests.post(coll.url("/rooms"), data="@simhost0", timeout=10).status_code == 201
        records = consume_all([f"{prefix}.chat"], expected=len(cases), timeout=60)
        dec = RegistryDecoder(REGISTRY)
        got = {}
        for _, _, value, _ in records:
            _, ev = dec.decode(value)  # fastavro: raised UnicodeDecodeError before the fix
            got[ev["msg_id"]] = (ev["content"], ev["user"]["nickname"])
        for i, raw in enumerate(CASES):
            text = raw.decode("utf-8", errors="replace")
            assert got[9000 + i] == ("<c" + text + "c>", "<n" + text + "n>"), (i, raw, got[9000 + i])
        # the documented rule for NUL: a string ends at its first NUL
        assert got[9000 + len(CASES)] == ("<cbefore", "<nbefore")

        def counted():
            m = coll.metrics()
            return m.get(("livetap_collector_invalid_utf8_strings_total", frozenset()), 0) >= 2 * MALFORMED
        wait_for(counted, 10, "the repaired strings to be counted")
        assert "not UTF-8: published with U+FFFD" in coll.logs()
    finally:
        if coll:
            coll.stop()
        sim.stop()
