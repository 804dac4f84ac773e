"""Per-type topic overrides (kafka.topics) end to end: a collector told to
publish chat to another topic does so (and nothing to <prefix>.chat), and a
sidecar given the same mapping serves those chat events to a WebSocket client
of the room; a sidecar without the mapping serves the room's other types
but no chat. Against livetap-sim and the real broker and registry."""
import asyncio
import os
import subprocess
import uuid

from conftest import Collector, Sim, consume_all, wait_for
from test_sidecar import Sidecar, collect

ROOM_ID = "7400000000000000000"  # the simulator's first room (seeded)


def test_chat_override_is_published_and_served(tmp_path):
    prefix = f"ltov{uuid.uuid4().hex[:8]}"
    chat_topic = f"{prefix}-custom.chat-events"
    config = tmp_path / "sidecar.yaml"
    config.write_text(f"kafka:\n  topics:\n    chat: {chat_topic}\n")
    with_map = Sidecar(prefix, "--config", str(config))
    without_map = Sidecar(prefix)
    sim = Sim("--rooms", "1", "--rate", "40", "--seed", "7", "--quiet")
    coll = None
    try:
        coll = Collector(sim, prefix, ["@simhost0"], "--set", f"kafka.topics=chat={chat_topic}")
        # the clients join a room already streaming, so that their idle bound
        # is not spent on the collector's start-up
        wait_for(lambda: all(r["sent"] >= 20 for r in sim.rooms().values()), 60, "the room streaming")

        async def clients():
            url = f"/ws/{ROOM_ID}?types=chat,member,like"
            a = asyncio.create_task(collect(with_map.ws + url, idle=5, timeout=120))
            b = asyncio.create_task(collect(without_map.ws + url, idle=5, timeout=120))
            await asyncio.to_thread(wait_for, lambda: all(r["sent"] >= 120 for r in sim.rooms().values()), 60,
                                    "100 more messages sent")
            await asyncio.to_thread(sim.freeze)  # the clients go idle once the rest is served
            return await a, await b

        (served, _), (unmapped, _) = asyncio.run(clients())
        rc, log = coll.stop()
        coll = None
        assert rc == 0, log[-3000:]

        records = consume_all([chat_topic], 1, timeout=60)
        assert records, "nothing in the overridden chat topic"
        assert {r[1] for r in records} == {ROOM_ID.encode()}
        assert {r[3]["event_type"] for r in records} == {b"chat"}
        assert consume_all([f"{prefix}.chat"], 0, timeout=15) == [], "chat also went to <prefix>.chat"
        assert consume_all([f"{prefix}.member"], 1, timeout=60), "the other types keep <prefix>.<type>"

        chats = [f for f in served if f["type"] == "chat"]
        assert chats, f"the sidecar with the mapping served no chat: {[f['type'] for f in served][:20]}"
        assert all(f["room_id"] == ROOM_ID for f in served)
        published = {int(r[3]["msg_id"]) for r in records}
        assert {f["msg_id"] for f in chats} <= published
        # the control: without the mapping the sidecar reads <prefix>.chat, which nobody writes
        assert any(f["type"] in ("member", "like") for f in unmapped)
        assert not any(f["type"] == "chat" for f in unmapped)
    finally:
        if coll:
            coll.stop()
        sim.stop()
        assert with_map.stop() == 0
        assert without_map.stop() == 0


def test_unknown_type_in_kafka_topics_is_refused(tmp_path):
    config = tmp_path / "sidecar.yaml"
    config.write_text("kafka:\n  topics:\n    chatt: x\n")
    build = os.environ.get("LT_BUILD_DIR") or os.path.join(os.path.dirname(__file__), "..", "..", "build")
    sc = subprocess.run([os.path.join(build, "livetap-sidecar"), "--config", str(config), "--check-config"],
                        capture_output=True, text=True, timeout=30)
    assert sc.returncode != 0
    assert 'kafka.topics: unknown event type "chatt"' in sc.stderr and "chat, gift" in sc.stderr
    co = subprocess.run([os.path.join(build, "livetap-collector"), "--rooms", "123", "--check-config",
                         "--set", "kafka.topics=chatt=x"], capture_output=True, text=True, timeout=30)
    assert co.returncode != 0
    assert 'kafka.topics: unknown event type "chatt"' in co.stderr and "chat, gift" in co.stderr
