#!/usr/bin/env python3
"""make_capture.py - a push-frame capture built with the peers' classes.

Every method the peer libraries type (TikTokLive's EVENT_MAPPINGS), built
the way the conformance suite builds it (every declared field filled with a
distinctive value, the mapping file's realistic inputs applied; see
run_conformance.py), each with a msg_id and create_time of its own, packed
several to a fetch result, wrapped in the peer's WebcastPushFrame (every
other frame gzip-compressed with the compress_type header, as TikTok sends
them) and written as a capture: [u32 little-endian length][frame bytes]...
the format `livetap-sim --replay` pushes and `livetap-collector --record`
writes. So the simulator can feed livetap's real client frames that livetap's
own proto never wrote.

A JSON manifest on stdout says which msg_id carries which method:
  {"frames": N, "messages": {"<msg_id>": "<method>", ...}}

usage: make_capture.py OUT.bin [--mapping DIR] [--per-frame N]
Runs in the peer venv ($BUILD/peer-venv), like the suite.
"""
import argparse
import gzip
import json
import pathlib
import struct
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import run_conformance as rc  # noqa: E402
from TikTokLiveProto.v3.webcast.im import PushHeader, WebcastPushFrame  # noqa: E402
from TikTokLiveProto.v3.webcast.shared.message import BaseProtoMessage, ProtoMessageFetchResult  # noqa: E402

FIRST_MSG_ID = 7_450_000_000_000_000_000
CREATE_TIME_MS = 1_765_000_000_000
# A Control message ends the stream when its action is 3 or 4; the capture's
# must not end the room before the messages after it are read.
CONTROL_ACTION = 2


def messages(mapping_dir):
    types, maps = rc.load_mappings(mapping_dir)
    out = []
    for i, method in enumerate(sorted(rc.EVENT_MAPPINGS)):
        doc = maps.get(method, {})
        msg = rc.build_message(method, rc.type_inputs(types, doc))
        msg_id = FIRST_MSG_ID + i
        msg.common.method = method
        msg.common.msg_id = msg_id
        msg.common.create_time = CREATE_TIME_MS + i
        if method == "WebcastControlMessage":
            msg.action = CONTROL_ACTION
        out.append((method, msg_id, bytes(msg)))
    return out


def frames(msgs, per_frame):
    for n, start in enumerate(range(0, len(msgs), per_frame)):
        batch = msgs[start:start + per_frame]
        result = bytes(ProtoMessageFetchResult(
            messages=[BaseProtoMessage(method=m, payload=p, msg_id=i) for m, i, p in batch],
            cursor=f"capture-{n}", fetch_interval=1000, now=CREATE_TIME_MS + start,
            internal_ext=f"capture-ext-{n}"))
        gz = n % 2 == 0
        yield bytes(WebcastPushFrame(
            seq_id=n + 1, log_id=9_000_000 + n, payload_type="msg",
            payload_encoding="pb", headers=[PushHeader(key="compress_type", value="gzip")] if gz else [],
            payload=gzip.compress(result) if gz else result))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--mapping", default=str(rc.HERE / "mapping"))
    ap.add_argument("--per-frame", type=int, default=8)
    args = ap.parse_args()
    msgs = messages(pathlib.Path(args.mapping))
    count = 0
    with open(args.out, "wb") as f:
        for frame in frames(msgs, args.per_frame):
            f.write(struct.pack("<I", len(frame)) + frame)
            count += 1
    json.dump({"frames": count, "messages": {str(i): m for m, i, _ in msgs}}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
