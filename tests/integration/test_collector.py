"""livetap-collector against livetap-sim and the real Kafka + registry.

Each test starts the build's simulator (TikTok's web endpoints, an
Euler-compatible sign server and the push WebSocket, with faults) and the
collector pointed at it (only base URLs differ from real TikTok), with a
topic prefix of its own. To compare exactly, the simulator's traffic is
frozen (rate=0) before reading what it reports having sent; then the
collector is stopped with SIGTERM (it must flush and exit 0) and every
record under the prefix is read back and decoded with the registry.

Checked: every msg_id the simulator sent for a room is in Kafka exactly
once (also across reconnects where the simulator re-sends recent messages),
keys are the room id, the event_type header names the topic, and the
room_status trail carries the reason for each fault: not_found, offline,
age_restricted, blocked_captcha, rate_limited (with the server's message,
label and retry time), handshake refusal (HTTP 200 + Handshake-Status /
Handshake-Msg), stale connections, and the stream's end.
"""
import collections
import time

from conftest import REGISTRY, Collector, RegistryDecoder, Sim, consume_to_end, event_types, wait_for


def read_back(prefix, expected, timeout=90):
    """Every record under the prefix, decoded. Reads each partition to the end
    it has (consume_to_end: exact, however slowly a partition's first fetch
    comes; stopping on a count and a quiet spell once ended a read early on a
    loaded CI machine and looked like 2 lost messages), again while fewer
    than `expected` records are there (a producer still flushing)."""
    topics = [f"{prefix}.{t}" for t in event_types()]
    decoder = RegistryDecoder(REGISTRY)
    deadline = time.time() + timeout
    while True:
        got = consume_to_end(topics, timeout=max(10.0, deadline - time.time()))
        if len(got) >= expected or time.time() >= deadline:
            break
        time.sleep(1)
    out = []
    for topic, key, value, headers in got:
        _, record = decoder.decode(value)
        out.append({"topic": topic[len(prefix) + 1:], "key": key.decode() if key else None,
                    "value": record, "headers": {k: v.decode() for k, v in headers.items()}})
    return out


def status_records(records, room):
    """A room's room_status events in publishing order. Before its room id is
    known a room's statuses are keyed by its input (another partition), so
    the order is the events' time; the sort is stable for equal times."""
    trail = [r["value"] for r in records if r["topic"] == "room_status" and r["value"]["input"] == room]
    return sorted(trail, key=lambda v: v["event_time"])


def statuses(records, room):
    """The room_status trail of a room, as (state, reason)."""
    return [(v["state"], v["reason"]) for v in status_records(records, room)]


def assert_exactly_once(records, sim, room):
    sent = sim.sent(room)
    room_id, ids = sent["room_id"], sent["msg_ids"]
    assert ids, f"{room}: the simulator sent nothing"
    got = collections.Counter(r["value"]["msg_id"] for r in records
                              if r["key"] == room_id and r["topic"] != "room_status" and r["value"]["msg_id"] != 0)
    dupes = {m: n for m, n in got.items() if n > 1}
    assert not dupes, f"{room}: msg_ids in Kafka more than once: {list(dupes.items())[:10]}"
    missing = set(ids) - set(got)
    extra = set(got) - set(ids)
    assert not missing, f"{room}: {len(missing)} of {len(set(ids))} sent msg_ids missing from Kafka, e.g. {sorted(missing)[:5]}"
    assert not extra, f"{room}: msg_ids in Kafka the simulator never sent: {sorted(extra)[:5]}"
    return room_id, len(ids)


def check_envelope(records):
    for r in records:
        v = r["value"]
        # the compacted gift catalogue is keyed by gift id, the rest by room id
        assert r["key"] == (str(v["gift_id"]) if r["topic"] == "gift_info" else v["room_id"]), r
        assert r["headers"].get("event_type") == r["topic"], r["headers"]
        assert v["platform"] == "tiktok"
        assert v["collector_id"] == "it-collector"
        # BIGO's game fields: null on TikTok's room events, no game_sess header;
        # the gift catalogue has no such fields
        assert "game_sess" not in r["headers"]
        if r["topic"] == "gift_info":
            assert "game_id" not in v and "game_sess" not in v
        else:
            assert v["game_id"] is None and v["game_sess"] is None, v


def total_sent(sim):
    return sum(r["sent"] for r in sim.rooms().values())


def test_rooms_into_kafka_exactly_once(prefix):
    sim = Sim("--rooms", "3", "--rate", "40", "--seed", "7", "--quiet")
    coll = None
    try:
        coll = Collector(sim, prefix, ["@simhost0", "https://www.tiktok.com/@simhost1/live", "@simhost2", "@nobody"])
        wait_for(lambda: all(r["sent"] >= 120 for r in sim.rooms().values()), 60, "120 messages per room")
        sim.freeze()
        rc, log = coll.stop()
        coll = None
        assert rc == 0, log[-3000:]
        expected = total_sent(sim)
        records = read_back(prefix, expected)
        check_envelope(records)
        for room in ("simhost0", "simhost1", "simhost2"):
            assert_exactly_once(records, sim, room)
        # the collector connected once per room: every ack the simulator wanted came
        for name, r in sim.rooms().items():
            assert r["connections"] == 1 and r["enter_room"] == 1, r
            assert r["acks"] == r["acks_expected"], r
        # types beyond chat made it, each in its own topic
        topics = collections.Counter(r["topic"] for r in records)
        for t in ("chat", "gift", "like", "member", "room_status"):
            assert topics[t] > 0, topics
        trail = statuses(records, "@simhost0")
        assert trail[:3] == [("resolving", None), ("connecting", None), ("live", None)], trail
        assert trail[-1] == ("ended", "shutdown"), trail
        assert ("error", "not_found") in statuses(records, "@nobody")
        assert all(r["key"] == "@nobody" for r in records if r["topic"] == "room_status"
                   and r["value"]["input"] == "@nobody")
        assert "room @simhost0 7400000000000000000: live" in log
    finally:
        if coll:
            coll.stop()
        sim.stop()


def test_faults_and_reconnects(prefix):
    faults = {
        "simhost1": "state=offline",
        "simhost2": "sign_429_first=2",
        "simhost3": "refuse_first=2",
        "simhost4": ["disconnect_after=12", "resend=8"],
        "simhost5": "malformed_every=5",
        "simhost6": "no_gzip=1",
        "simhost7": "state=age_restricted",
        "simhost8": "state=captcha",
        "simhost9": "end_after_ms=3000",
        "simhost10": "silent_after_ms=1500",
    }
    args = ["--rooms", "11", "--rate", "30", "--seed", "11", "--quiet"]
    for room, spec in faults.items():
        for item in spec if isinstance(spec, list) else [spec]:
            args += ["--fault", f"{room}:{item}"]
    sim = Sim(*args)
    coll = None
    try:
        rooms = [f"@simhost{i}" for i in range(11)]
        coll = Collector(sim, prefix, rooms, "--set", "behaviour.stale_timeout_s=5")

        def ready():
            r = sim.rooms()
            return (r["simhost4"]["connections"] >= 3 and r["simhost4"]["resent"] > 0
                    and r["simhost10"]["connections"] >= 2 and r["simhost9"]["ended"]
                    and r["simhost2"]["connections"] >= 1 and r["simhost3"]["connections"] >= 1
                    and r["simhost5"]["malformed"] > 0)
        wait_for(ready, 90, "every fault to have played out")
        sim.freeze()
        rc, log = coll.stop()
        coll = None
        assert rc == 0, log[-3000:]
        records = read_back(prefix, total_sent(sim))
        check_envelope(records)

        for room in ("simhost0", "simhost2", "simhost3", "simhost4", "simhost5", "simhost6", "simhost9", "simhost10"):
            assert_exactly_once(records, sim, room)

        assert ("offline", "offline") in statuses(records, "@simhost1")
        assert ("error", "age_restricted") in statuses(records, "@simhost7")
        assert ("error", "blocked_captcha") in statuses(records, "@simhost8")

        limited = [s for s in status_records(records, "@simhost2") if s["state"] == "rate_limited"]
        assert len(limited) == 2, status_records(records, "@simhost2")
        assert limited[0]["reason"] == "rate_limit_room_id_hour"
        assert "retry later" in limited[0]["message"]
        assert limited[0]["retry_at"] and limited[0]["retry_at"] >= limited[0]["event_time"] + 1000
        assert statuses(records, "@simhost2")[-2] == ("live", None)

        refused = [s for s in status_records(records, "@simhost3") if s["reason"] == "handshake_refused"]
        assert len(refused) == 2, status_records(records, "@simhost3")
        assert "415" in refused[0]["message"] and "DEVICE_BLOCKED" in refused[0]["message"]
        assert ("live", None) in statuses(records, "@simhost3")

        trail4 = statuses(records, "@simhost4")
        assert trail4.count(("live", None)) >= 3, trail4
        assert ("reconnecting", "closed") in trail4, trail4

        trail10 = statuses(records, "@simhost10")
        assert ("reconnecting", "stale") in trail10, trail10

        unknown5 = [r for r in records if r["topic"] == "unknown" and r["key"] == sim.sent("simhost5")["room_id"]
                    and r["value"]["method"] == "PushFrame"]
        assert unknown5, "malformed frames must reach the unknown topic"

        room9 = sim.sent("simhost9")["room_id"]
        ends = [r for r in records if r["topic"] == "control" and r["key"] == room9 and r["value"]["action"] == 3]
        assert len(ends) == 1
        assert statuses(records, "@simhost9")[-1] == ("ended", "stream_ended")

        stats = sim.rooms()
        assert stats["simhost4"]["acks"] == stats["simhost4"]["acks_expected"]
        assert stats["simhost6"]["sent"] > 0
    finally:
        if coll:
            coll.stop()
        sim.stop()


def test_kafka_backpressure_pauses_rooms_without_loss(prefix):
    """A tiny librdkafka queue makes publishes fail with a full queue; the
    collector must stop reading (TCP pushes back on the simulator) and lose
    nothing."""
    sim = Sim("--rooms", "2", "--rate", "300", "--seed", "3", "--quiet")
    coll = None
    try:
        coll = Collector(sim, prefix, ["@simhost0", "@simhost1"], "--property", "queue.buffering.max.messages=50")
        wait_for(lambda: all(r["sent"] >= 1200 for r in sim.rooms().values()), 60, "1200 messages per room")
        sim.freeze(settle=5.0)
        rc, log = coll.stop()
        coll = None
        assert rc == 0, log[-3000:]
        assert "Kafka queue full: reading paused" in log
        assert "resumed" in log
        records = read_back(prefix, total_sent(sim))
        for room in ("simhost0", "simhost1"):
            assert_exactly_once(records, sim, room)
    finally:
        if coll:
            coll.stop()
        sim.stop()
