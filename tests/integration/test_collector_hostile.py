"""A hostile push server against livetap-collector (docs/security.md 4).

livetap-sim's hostile frames (docs/simulator.md) stand in for a broken or
malicious TikTok: a 2 KB gzip frame of a million empty messages, a frame
of 5,000 messages of an unknown method with msg_id 0, a 2 MB frame that is
not a PushFrame. The collector must bound each (counted by reason in its
metrics), keep the other rooms exactly-once, keep a too-large frame in the
unknown topic cut to fit and marked, and say in its exit status that
input was dropped. The end of a stream is acked and the socket closed with
1000, as the simulator sees it; a run whose records the producer refused
exits 1.
"""
import collections
import os
import re
import urllib.request

from conftest import REGISTRY, Collector, RegistryDecoder, Sim, consume_to_end, event_types, wait_for


def read_all(prefix):
    decoder = RegistryDecoder(REGISTRY)
    out = []
    for topic, key, value, headers in consume_to_end([f"{prefix}.{t}" for t in event_types()]):
        _, record = decoder.decode(value)
        out.append({"topic": topic[len(prefix) + 1:], "key": key.decode() if key else None, "value": record})
    return out


def metrics(port_file):
    port = open(port_file).read().strip()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        text = r.read().decode()
    values = {}
    for line in text.splitlines():
        m = re.match(r"^(livetap_collector_[a-z_]+(?:\{[^}]*\})?) ([0-9.e+]+)$", line)
        if m:
            values[m.group(1)] = float(m.group(2))
    return values


def test_hostile_frames_are_bounded_counted_and_kept_apart(prefix):
    sim = Sim("--rooms", "3", "--rate", "20", "--seed", "5", "--quiet")
    port_file = os.path.join(sim.dir, "admin-port")
    coll = None
    try:
        coll = Collector(sim, prefix, ["@simhost0", "@simhost1", "@simhost2"], "--admin-port-file", port_file)
        wait_for(lambda: all(r["sent"] >= 20 for r in sim.rooms().values()), 60, "every room live")
        sim.fault("simhost0", flood_empty=1048576)      # 2 MB of `0a 00`, about 2 KB gzipped
        wait_for(lambda: sim.rooms()["simhost0"]["hostile_frames"] == 1, 30, "the empty flood sent")
        sim.fault("simhost0", flood_unknown=5000)       # msg_id 0: dedupe cannot catch them
        sim.fault("simhost1", huge_garbage=2000000)     # over Kafka's 1 MB record limit
        sim.fault("simhost2", huge_garbage=9000000)     # over the collector's 8 MiB frame limit
        wait_for(lambda: sim.rooms()["simhost0"]["hostile_frames"] == 2 and sim.rooms()["simhost1"]["hostile_frames"]
                 == 1 and sim.rooms()["simhost2"]["hostile_frames"] == 1, 30, "the other hostile frames sent")
        marks = {n: r["sent"] for n, r in sim.rooms().items()}
        # the rooms go on after the attack
        wait_for(lambda: all(r["sent"] >= marks[n] + 20 for n, r in sim.rooms().items()), 60,
                 "traffic after the attack")
        wait_for(lambda: os.path.exists(port_file), 10, "the admin port")
        m = {}

        def counted():
            m.update(metrics(port_file))
            return m.get('livetap_collector_input_dropped_total{reason="frame_messages"}') == 4000
        wait_for(counted, 30, "the flood counted")
        assert m['livetap_collector_input_dropped_total{reason="empty_message"}'] == 1048576, m
        assert m['livetap_collector_input_dropped_total{reason="frame_too_large"}'] == 1, m
        assert m["livetap_collector_unknown_truncated_total"] == 1, m
        assert m["livetap_collector_publish_errors_total"] == 0, m
        sim.freeze()
        rc, log = coll.stop()
        coll = None
        # everything published was delivered, but input was dropped: exit 3
        assert rc == 3, log[-3000:]
        assert "input limits: 4000 messages past max_messages_per_frame, 1048576 empty entries, 1 frames over 8 MiB" in log
        # told once per room per minute, not once per message
        assert log.count("over the frame limits dropped") == 1, log[-3000:]

        records = read_all(prefix)
        room0 = sim.sent("simhost0")["room_id"]
        room1 = sim.sent("simhost1")["room_id"]
        flood = [r for r in records if r["topic"] == "unknown" and r["value"]["method"] == "WebcastFloodMessage"]
        assert len(flood) == 1000 and all(r["key"] == room0 for r in flood), len(flood)
        assert all(r["value"]["msg_id"] == 0 and r["value"]["event_time_source"] == "push" for r in flood)
        garbage = [r["value"] for r in records if r["topic"] == "unknown" and r["key"] == room1
                   and r["value"]["method"] == "PushFrame"]
        assert len(garbage) == 1, garbage
        g = garbage[0]
        assert g["payload_truncated"] is True and g["payload_length"] == 2000000, {k: g[k] for k in g if k != "payload"}
        assert len(g["payload"]) == 524288 and set(g["payload"]) == {0xff}
        # every other room's message is there exactly once
        for room in ("simhost0", "simhost1", "simhost2"):
            sent = sim.sent(room)
            got = collections.Counter(r["value"]["msg_id"] for r in records if r["key"] == sent["room_id"]
                                      and r["topic"] != "room_status" and r["value"]["msg_id"] != 0)
            assert set(got) == set(sent["msg_ids"]), room
            assert max(got.values()) == 1, room
        # unknown methods with a common header carry its time
        future = [r["value"] for r in records if r["topic"] == "unknown"
                  and r["value"]["method"] == "WebcastSimFutureMessage"]
        assert future and all(v["event_time_source"] == "common" for v in future)
        assert all(v["payload_length"] == len(v["payload"]) and not v["payload_truncated"] for v in future)
    finally:
        if coll:
            coll.stop()
        sim.stop()


def test_stream_end_is_acked_and_closed_with_1000(prefix):
    sim = Sim("--rooms", "2", "--rate", "20", "--seed", "9", "--quiet",
              "--fault", "simhost0:end_after_ms=2500")
    coll = None
    try:
        coll = Collector(sim, prefix, ["@simhost0", "@simhost1"])
        wait_for(lambda: sim.rooms()["simhost0"]["last_close_code"] != 0, 60, "the ended room's socket closed")
        r0 = sim.rooms()["simhost0"]
        assert r0["ended"] and r0["end_acked"], r0
        assert r0["last_close_code"] == 1000, r0
        assert r0["connections"] == 1, r0
        # removal at shutdown closes properly too
        rc, log = coll.stop()
        coll = None
        assert rc == 0, log[-3000:]
        wait_for(lambda: sim.rooms()["simhost1"]["last_close_code"] != 0, 10, "the other socket closed")
        assert sim.rooms()["simhost1"]["last_close_code"] == 1000, sim.rooms()["simhost1"]
        assert "simhost0 7400000000000000000: ended [stream_ended]" in log
    finally:
        if coll:
            coll.stop()
        sim.stop()


def test_records_refused_by_the_producer_fail_the_run(prefix):
    """unknown_payload_max_bytes above the producer's message.max.bytes: the
    cut frame is still too large, the producer refuses it, and the run says
    so in its exit status and metrics instead of exiting 0."""
    sim = Sim("--rooms", "1", "--rate", "10", "--seed", "4", "--quiet")
    port_file = os.path.join(sim.dir, "admin-port")
    coll = None
    try:
        coll = Collector(sim, prefix, ["@simhost0"], "--admin-port-file", port_file,
                         "--property", "message.max.bytes=300000",
                         "--set", "behaviour.unknown_payload_max_bytes=600000")
        wait_for(lambda: sim.rooms()["simhost0"]["sent"] >= 10, 60, "the room live")
        sim.fault("simhost0", huge_garbage=1000000)
        wait_for(lambda: os.path.exists(port_file)
                 and metrics(port_file).get("livetap_collector_publish_errors_total", 0) >= 1, 30,
                 "the refused record counted")
        rc, log = coll.stop()
        coll = None
        assert rc == 1, log[-3000:]
        assert "publish failed" in log
    finally:
        if coll:
            coll.stop()
        sim.stop()


def test_room_over_its_rate_is_throttled_without_loss(prefix):
    """A room sending faster than behaviour.room_events_per_s is not read
    until it is back under: the sender is slowed (TCP), nothing received is
    dropped, and the run exits 0."""
    sim = Sim("--rooms", "2", "--rate", "200", "--seed", "8", "--quiet")
    port_file = os.path.join(sim.dir, "admin-port")
    coll = None
    try:
        coll = Collector(sim, prefix, ["@simhost0", "@simhost1"], "--admin-port-file", port_file,
                         "--set", "behaviour.room_events_per_s=50", "--set", "behaviour.room_events_burst=50")
        wait_for(lambda: os.path.exists(port_file)
                 and metrics(port_file).get("livetap_collector_rooms_throttled_total", 0) >= 2, 60,
                 "both rooms throttled")
        wait_for(lambda: all(r["sent"] >= 300 for r in sim.rooms().values()), 60, "300 messages per room")
        sim.freeze(settle=0.5)
        sent = sum(r["sent"] for r in sim.rooms().values())

        def read_everything():
            # at 50/s per room the collector needs a while to read what the sockets hold
            m = metrics(port_file)
            return sum(v for k, v in m.items() if k.startswith("livetap_collector_events_published_total{")
                       and not any(t in k for t in ('"room_status"', '"room_info"', '"gift_info"'))) >= sent
        wait_for(read_everything, 120, "the collector to catch up at its rate")
        rc, log = coll.stop()
        coll = None
        assert rc == 0, log[-3000:]
        assert "over its rate limits" in log
        records = read_all(prefix)
        for room in ("simhost0", "simhost1"):
            sent = sim.sent(room)
            got = collections.Counter(r["value"]["msg_id"] for r in records if r["key"] == sent["room_id"]
                                      and r["topic"] != "room_status" and r["value"]["msg_id"] != 0)
            assert set(got) == set(sent["msg_ids"]), (room, len(set(sent["msg_ids"]) - set(got)))
            assert max(got.values()) == 1, room
    finally:
        if coll:
            coll.stop()
        sim.stop()
