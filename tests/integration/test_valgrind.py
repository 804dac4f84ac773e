"""valgrind memcheck over the integration path: the programs run under
valgrind against the simulators and the real Kafka + registry, doing their
real work (decode, reconnects, malformed frames, Avro, Kafka, fan-out, BIGO
push and pull), then stop with SIGTERM. Each must exit 0 with no memcheck
error and nothing definitely or indirectly lost, and the data must still be
right: a bug valgrind sees without a wrong result is still a failure.

"still reachable" blocks (librdkafka's and OpenSSL's process-wide state,
freed by the OS at exit) are not errors; "possibly lost" are reported but
not errors either (librdkafka's thread stacks look like that).

Labelled "valgrind" (ctest -LE valgrind skips it): the ASan build cannot run
under valgrind, and .ci/run runs this only in the plain build.
"""
import asyncio
import json
import os
import re
import subprocess
import time

import pytest
from websockets.legacy.client import connect as ws_connect

from bigo_sim import CATALOGUE, PullServer, PushClient, Receiver, make_key, room_items
from bigo_sim.push import now_ms
from conftest import (BOOTSTRAP, REGISTRY, Collector, RegistryDecoder, Sim, binary, consume_all, consume_to_end,
                      event_types, stop_process, wait_for)

SUPPRESSIONS = os.path.join(os.path.dirname(__file__), "..", "valgrind.supp")


def sanitized(path):
    out = subprocess.run(["ldd", path], capture_output=True, text=True).stdout
    return "libasan" in out or "libubsan" in out


pytestmark = pytest.mark.skipif(sanitized(binary("livetap-collector")),
                                reason="an ASan/UBSan build cannot run under valgrind")


def memcheck(log_path):
    return ["valgrind", "--tool=memcheck", "--leak-check=full", "--show-leak-kinds=definite,indirect",
            "--errors-for-leak-kinds=definite,indirect", "--error-exitcode=99", "--track-origins=no",
            f"--suppressions={SUPPRESSIONS}", f"--log-file={log_path}"]


def assert_clean(log_path, what):
    """Zero memcheck errors and no definite/indirect leak, from the log of
    the process itself (not of a child)."""
    text = open(log_path).read()
    summaries = re.findall(r"ERROR SUMMARY: (\d+) errors", text)
    assert summaries, f"{what}: valgrind wrote no summary:\n{text[-3000:]}"
    assert summaries[-1] == "0", f"{what}: memcheck errors:\n{text[-6000:]}"
    for kind in ("definitely", "indirectly"):
        m = re.search(rf"{kind} lost: ([\d,]+) bytes", text)
        assert m is None or m.group(1) == "0", f"{what}: {kind} lost {m.group(1)} bytes:\n{text[-6000:]}"
    return text


class Sidecar:
    def __init__(self, prefix, log_path, wrapper=()):
        cmd = [*wrapper, binary("livetap-sidecar"), "--port", "0", "--kafka", BOOTSTRAP, "--registry", REGISTRY,
               "--topic-prefix", prefix]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=open(log_path, "w"), text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"127\.0\.0\.1:(\d+)/", line)
        if not m:
            self.proc.kill()
            raise RuntimeError(f"sidecar did not start: {line!r} {open(log_path).read()[-2000:]}")
        self.port = int(m.group(1))


async def read_room(url, until, timeout=300):
    """Frames of one room until `until(frames)` says stop (asked whenever 2 s
    pass without a frame) or `timeout` s pass."""
    frames = []
    deadline = time.time() + timeout
    async with ws_connect(url, max_size=None) as ws:
        while time.time() < deadline:
            try:
                frames.append(json.loads(await asyncio.wait_for(ws.recv(), 2)))
            except asyncio.TimeoutError:
                if until(frames):
                    break
    return frames


def test_collector_and_sidecar(prefix, tmp_path):
    """sim (3 rooms, one cut every 150 frames, one with garbage frames) →
    collector under valgrind → Kafka → sidecar under valgrind → a client."""
    sim = Sim("--rooms", "3", "--rate", "25", "--seed", "11", "--quiet",
              "--fault", "simhost1:disconnect_after=150", "--fault", "simhost2:malformed_every=40")
    coll_vg, side_vg = str(tmp_path / "collector.vg"), str(tmp_path / "sidecar.vg")
    sidecar = Sidecar(prefix, str(tmp_path / "sidecar.log"), wrapper=memcheck(side_vg))
    coll = Collector(sim, prefix, ["@simhost0", "@simhost1", "@simhost2"], wrapper=memcheck(coll_vg))
    wanted = {"ids": None}  # the room's msg_ids in Kafka, once the collector stopped

    def has_all(frames):
        return wanted["ids"] is not None and wanted["ids"] <= {f.get("msg_id") for f in frames}
    try:
        wait_for(lambda: all(r["sent"] >= 300 for r in sim.rooms().values()), 180, "300 messages per room")
        room_id = sim.sent("simhost0")["room_id"]

        async def scenario():
            return await read_room(f"ws://127.0.0.1:{sidecar.port}/ws/{room_id}?since=0", has_all)

        loop = asyncio.new_event_loop()
        client = loop.create_task(scenario())
        loop.run_until_complete(asyncio.sleep(10))
        sim.freeze(settle=5)
        rc, log = coll.stop()
        coll = None
        assert rc == 0, f"collector exit {rc} (99 = memcheck errors):\n{log[-3000:]}"
        # what Kafka acknowledged; the client reads until it has all of its room's
        # (valgrind makes the sidecar slow: no fixed quiet time is long enough)
        records = consume_to_end([f"{prefix}.{t}" for t in event_types()], timeout=90)
        dec = RegistryDecoder(REGISTRY)
        decoded = [(topic, key, dec.decode(value)[1]) for topic, key, value, _ in records]
        wanted["ids"] = {ev["msg_id"] for topic, key, ev in decoded
                         if key.decode() == str(room_id) and ev.get("msg_id")
                         and not topic.endswith((".room_status", ".gift_info", ".room_info"))}
        frames = loop.run_until_complete(client)
        loop.close()
        rooms = sim.rooms()
        sent = {name: sim.sent(name) for name in rooms}
        assert rooms["simhost1"]["connections"] >= 2, "the cut room reconnected"
    finally:
        if coll:
            coll.stop()
        sim.stop()
        side_rc = stop_process(sidecar.proc, timeout=120)
    assert side_rc == 0, f"sidecar exit {side_rc} (99 = memcheck errors)"
    assert "HEAP SUMMARY" in assert_clean(coll_vg, "livetap-collector")
    assert "HEAP SUMMARY" in assert_clean(side_vg, "livetap-sidecar")

    # the data is right as well: every message the simulator sent, once in
    # Kafka, and the sidecar's client got its room's events
    seen = {}
    for topic, key, ev in decoded:
        if topic.endswith((".room_status", ".gift_info", ".room_info")) or not ev.get("msg_id"):
            continue
        seen.setdefault(key.decode(), []).append(ev["msg_id"])
    for name, s in sent.items():
        got = seen.get(str(s["room_id"]), [])
        assert len(got) == len(set(got)), f"{name}: a msg_id twice in Kafka"
        assert set(got) == set(s["msg_ids"]), f"{name}: Kafka differs from what the simulator sent"
    events = [f for f in frames if f.get("type") not in ("status", "error", "room_info", "gift_info") and f.get("msg_id")]
    assert events, "the client got no events"
    assert all(f["room_id"] == str(room_id) for f in events)
    assert sorted(f["msg_id"] for f in events) == sorted(seen[str(room_id)])


def test_bigo_push_and_pull(prefix, tmp_path):
    """livetap-bigo under valgrind: its ledger seeded from Kafka at start,
    login, batches with a retry, malformed frames, an oversized one, an
    unknown uri, and pull filling what push lost."""
    key_path, public = make_key(str(tmp_path), "rsa")
    server = PullServer(public_key_pem=public)
    server.add_anchor("anchorV", "at-v", "rt-v")
    tokens = tmp_path / "tokens"
    tokens.write_text("anchorV at-v rt-v\n")
    everything = room_items(1, 30, ts=now_ms())
    server.add_items("gs-vg", "anchorV", everything)
    server.script(("rescode", 401))
    pushed = [i for i in everything if int(i["data_seq"]) % 3]  # push loses every third item
    # a first receiver (not under memcheck) stores part of the batch, so the
    # one under memcheck starts by seeding its ledger from Kafka
    first = Receiver(binary("livetap-bigo"), prefix, BOOTSTRAP, REGISTRY)
    try:
        c = PushClient(first.url)
        assert c.login("bigoUser1", "213213", "inke")["data"]["code"] == 200
        assert c.push("v0", {"anchorV": pushed[:8]}, game_sess="gs-vg")["data"]["rescode"] == 200
        c.close()
    finally:
        assert first.stop() == 0, first.logs()
    vg = str(tmp_path / "bigo.vg")
    settings = {"pull.enabled": "true", "pull.base_url": server.url, "pull.tokens_file": str(tokens),
                "pull.private_key_file": key_path, "pull.client_id": "it-client", "pull.batch": 8,
                "pull.interval_ms": 300, "push.max_frame_bytes": 8192}
    r = Receiver(binary("livetap-bigo"), prefix, BOOTSTRAP, REGISTRY, settings=settings, wrapper=memcheck(vg),
                 start_timeout=120)
    try:
        for payload in ("not json", '{"no":"uri"}', b"\x00\x01binary", '{"uri":"x","data":"' + "y" * 9000 + '"}'):
            c = PushClient(r.url, timeout=30)
            c.send_raw(payload)
            assert c.close_code(timeout=30) is not None
        c = PushClient(r.url, timeout=30)
        assert c.login("bigoUser1", "213213", "inke")["data"]["code"] == 200
        c.send("dataReception", "{oops")
        assert c.recv(timeout=30)["data"]["rescode"] == 400
        assert r.health()["seed"]["keys"] == 8 + 1  # + the room's status
        assert c.push("v1", {"anchorV": pushed}, game_sess="gs-vg")["data"]["rescode"] == 200
        assert c.push("v1", {"anchorV": pushed}, game_sess="gs-vg", retry_cnt=1)["data"]["rescode"] == 200
        c.send("pkInvite", {"seqid": "pk", "openid": "anchorV", "pk_info": ["anchorV"], "action": 0})
        assert c.recv(timeout=30)["data"]["rescode"] == 200
        # the items not seeded, the unknown uri and the gift catalogue (gift_info)
        wait_for(lambda: r.health()["published"] >= 30 - 8 + 1 + len(CATALOGUE), 120, "pull to deliver the rest")
        c.close()
    finally:
        rc = r.stop(timeout=120)
        server.stop()
    assert rc == 0, f"livetap-bigo exit {rc} (99 = memcheck errors):\n{r.logs()[-3000:]}"
    assert_clean(vg, "livetap-bigo")
    records = consume_all([f"{prefix}.{t}" for t in ("chat", "gift", "like")], expected=30, timeout=60)
    dec = RegistryDecoder(REGISTRY)
    ids = [dec.decode(v)[1]["msg_id"] for _, _, v, _ in records]
    assert sorted(ids) == sorted(int(i["data_seq"]) for i in everything), "every item exactly once"
