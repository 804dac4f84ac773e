"""Frames built by the peers' own classes, through the real client path.

tests/conformance/make_capture.py builds every method the peer libraries type
(TikTokLive's classes, every declared field filled, each with its own msg_id)
into push frames (half gzip-compressed by header), which livetap-sim replays
to the collector over its push WebSocket, exactly as it replays a recorded
capture; the collector publishes to the real broker and registry. Checked:
every method lands exactly once in the topic its mapping file names (and
with `method` naming it, where the topic groups several), none of them in
`unknown`; and on the simulator's own full traffic, no method a peer can
type reaches `unknown` either.
"""
import collections
import json
import os
import pathlib
import subprocess

import yaml

from conftest import BUILD, REGISTRY, Collector, RegistryDecoder, Sim, consume_to_end, event_types, wait_for

ROOT = pathlib.Path(__file__).resolve().parents[2]
MAPPING = ROOT / "tests" / "conformance" / "mapping"
PEER_PYTHON = os.path.join(BUILD, "peer-venv", "bin", "python")


def mapped_topics():
    """method -> the livetap topic (type) its mapping file says it lands in."""
    return {f.stem: yaml.safe_load(f.read_text())["topic"] for f in MAPPING.glob("Webcast*.yaml")}


def read_all(prefix):
    decoder = RegistryDecoder(REGISTRY)
    out = []
    for topic, key, value, headers in consume_to_end([f"{prefix}.{t}" for t in event_types()]):
        _, record = decoder.decode(value)
        out.append({"topic": topic[len(prefix) + 1:], "key": key.decode() if key else None, "value": record})
    return out


def run_collector(prefix, sim, until, what):
    coll = Collector(sim, prefix, ["@simhost0"])
    try:
        wait_for(until, 90, what)
        sim.freeze()
    finally:
        rc, log = coll.stop()
    assert rc == 0, log[-3000:]
    return read_all(prefix)


def test_peer_built_frames_land_in_their_topics(prefix, tmp_path):
    capture = tmp_path / "peer-frames.bin"
    made = subprocess.run([PEER_PYTHON, str(ROOT / "tests" / "conformance" / "make_capture.py"), str(capture)],
                          capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stderr
    manifest = json.loads(made.stdout)
    methods = {int(k): v for k, v in manifest["messages"].items()}
    topics = mapped_topics()
    assert set(methods.values()) == set(topics), "every peer method has a mapping file"

    sim = Sim("--rooms", "1", "--rate", "20", "--seed", "5", "--quiet", "--replay", str(capture))
    try:
        # the simulator loops the capture: twice through it, and the second
        # pass is removed by the collector's dedupe
        records = run_collector(prefix, sim, lambda: sim.rooms()["simhost0"]["frames"] >= 2 * manifest["frames"],
                                "the capture replayed twice")
    finally:
        sim.stop()

    by_id = collections.defaultdict(list)
    for r in records:
        if r["topic"] not in ("room_status", "room_info", "gift_info"):
            by_id[r["value"]["msg_id"]].append(r)
    for msg_id, method in sorted(methods.items()):
        got = by_id.get(msg_id, [])
        assert len(got) == 1, f"{method}: {len(got)} records with its msg_id {msg_id}: {[g['topic'] for g in got]}"
        rec = got[0]
        assert rec["topic"] == topics[method], f"{method} landed in {rec['topic']}, not {topics[method]}"
        if "method" in rec["value"]:
            assert rec["value"]["method"] == method
        assert rec["value"]["event_time"] == 1_765_000_000_000 + sorted(methods.values()).index(method)
    peer_in_unknown = [r["value"]["method"] for r in records
                       if r["topic"] == "unknown" and r["value"]["method"] in topics]
    assert peer_in_unknown == []


def test_simulator_traffic_leaves_no_peer_method_unknown(prefix):
    topics = mapped_topics()
    sim = Sim("--rooms", "1", "--rate", "400", "--seed", "11", "--quiet")
    try:
        records = run_collector(prefix, sim, lambda: sim.rooms()["simhost0"]["sent"] >= 6000, "6,000 messages")
    finally:
        sim.stop()
    unknown = collections.Counter(r["value"]["method"] for r in records if r["topic"] == "unknown")
    assert unknown, "the simulator also sends a method no client knows"
    assert not [m for m in unknown if m in topics], unknown
    # the families' methods the simulator mixes in arrived typed
    grouped = collections.Counter(r["value"]["method"] for r in records if "method" in r["value"]
                                  and r["topic"] != "unknown")
    assert len(grouped) >= 20, grouped
