"""Reference decoder for bench_decode: TikTokLive (PyPI) decoding the same capture.

It uses the package's own classes and functions, as its client does per frame:
WebcastPushFrame().parse(), extract_webcast_response_message() (gzip by header),
then for every message EVENT_MAPPINGS[method]().parse(payload). No network, no
asyncio; only decoding, so the comparison with livetap's decode + Avro encode
is favourable to the reference. Prints key=value results like bench_decode.

  build/bench-venv/bin/python bench/reference/tiktoklive_decode.py CAPTURE [passes]
"""
import struct
import sys
import time

from TikTokLive.client.ws.ws_utils import extract_webcast_response_message
from TikTokLive.events.proto_events import EVENT_MAPPINGS
from TikTokLive.proto import WebcastPushFrame


def main():
    path = sys.argv[1]
    passes = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    data = open(path, "rb").read()
    frames, off = [], 0
    while off + 4 <= len(data):
        (n,) = struct.unpack_from("<I", data, off)
        if off + 4 + n > len(data):
            break
        frames.append(data[off + 4:off + 4 + n])
        off += 4 + n
    events = skipped = 0
    w0, c0 = time.perf_counter(), time.process_time()
    for _ in range(passes):
        for raw in frames:
            try:
                frame = WebcastPushFrame().parse(raw)
                if frame.payload_type != "msg":
                    skipped += 1
                    continue
                result = extract_webcast_response_message(frame)
            except Exception:
                skipped += 1
                continue
            for message in result.messages:
                cls = EVENT_MAPPINGS.get(message.method)
                if cls is None:
                    continue
                try:
                    cls().parse(message.payload)
                    events += 1
                except Exception:
                    pass
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    total = len(frames) * passes
    print(f"frames={total} events={events} skipped={skipped} wall_s={wall:.3f} cpu_s={cpu:.3f} "
          f"frames_per_s={total / wall:.0f} events_per_s={events / wall:.0f} events_per_cpu_s={events / cpu:.0f}")


if __name__ == "__main__":
    main()
