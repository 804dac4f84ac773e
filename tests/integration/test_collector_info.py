"""Room info and the gift catalogue: livetap-collector against livetap-sim and
the real Kafka + registry.

Checked: every live room has room_info records keyed by its room id whose
fields equal what the simulator's webcast/room/info/ serves (fetched here and
compared field by field, after the traffic is frozen so that the counters
stand still), re-published every tiktok.room_info_interval_s; the gift
catalogue lands in the compacted <prefix>.gift_info, each gift exactly once
across several rooms, keyed by gift id, with the simulator's name, price,
type and image; generated gift events use ids of that catalogue; the
switches (interval 0 = on connect only, gift_catalogue false) hold; and
--dry-run prints both kinds of event.
"""
import collections
import json
import subprocess
import time

from conftest import BOOTSTRAP, REGISTRY, RegistryDecoder, binary, consume_all
from test_collector import Collector, Sim, wait_for


def read_topics(prefix, types, expected, timeout=60):
    decoder = RegistryDecoder(REGISTRY)
    out = []
    for topic, key, value, headers in consume_all([f"{prefix}.{t}" for t in types], expected, timeout=timeout):
        _, record = decoder.decode(value)
        out.append({"topic": topic[len(prefix) + 1:], "key": key.decode() if key else None, "value": record,
                    "headers": {k: v.decode() for k, v in headers.items()}})
    return out


def expected_room_info(sim, room_id):
    """The room_info record the simulator's room/info answer maps to."""
    data = sim.get(f"/webcast/room/info/?room_id={room_id}&aid=1988")["data"]
    owner = data["owner"]
    return {
        "title": data["title"],
        "status": data["status"],
        "viewer_count": data["user_count"],
        "total_user": data["stats"]["total_user"],
        "like_count": data["stats"]["like_count"],
        "start_time": data["create_time"] * 1000,
        "stream_url": data["stream_url"]["flv_pull_url"]["FULL_HD1"],
        "age_restricted": data["age_restricted"]["restricted"],
        "owner": {
            "id": owner["id"],
            "unique_id": owner["display_id"],
            "nickname": owner["nickname"],
            "avatar_url": owner["avatar_thumb"]["url_list"][0],
            "follower_count": owner["follow_info"]["follower_count"],
            "following_count": owner["follow_info"]["following_count"],
            "is_anchor": True,
        },
    }


def check_room_info(record, expected):
    v = record["value"]
    for field, want in expected.items():
        if field == "owner":
            for k, w in want.items():
                assert v["owner"][k] == w, (k, v["owner"], want)
        else:
            assert v[field] == want, (field, v[field], want)


def test_room_info_and_gift_catalogue(prefix):
    sim = Sim("--rooms", "3", "--rate", "30", "--seed", "5", "--quiet")
    coll = None
    try:
        rooms = ["simhost0", "simhost1", "simhost2"]
        coll = Collector(sim, prefix, ["@" + r for r in rooms], "--set", "tiktok.room_info_interval_s=1")
        wait_for(lambda: all(r["connections"] >= 1 and r["sent"] >= 60 for r in sim.rooms().values()), 60,
                 "every room connected with traffic")
        time.sleep(2.5)  # room_info again at least twice while the counters move
        sim.freeze()
        time.sleep(2.5)  # and at least once after they stopped
        rc, log = coll.stop()
        coll = None
        assert rc == 0, log[-3000:]

        room_ids = {r: sim.sent(r)["room_id"] for r in rooms}
        catalogue = {g["id"]: g for g in sim.get("/webcast/gift/list/?aid=1988")["data"]["gifts"]}
        assert len(catalogue) >= 15

        records = read_topics(prefix, ["room_info", "gift_info", "gift"],
                              expected=3 * 3 + len(catalogue) + 1, timeout=90)
        by_topic = collections.defaultdict(list)
        for r in records:
            assert r["headers"]["event_type"] == r["topic"]
            assert r["value"]["collector_id"] == "it-collector" and r["value"]["platform"] == "tiktok"
            by_topic[r["topic"]].append(r)

        # room_info: per room, keyed by the room id, re-published, and the
        # last one equal to what the simulator serves now
        for name, room_id in room_ids.items():
            mine = sorted((r for r in by_topic["room_info"] if r["value"]["room_id"] == room_id),
                          key=lambda r: r["value"]["event_time"])
            assert len(mine) >= 3, f"{name}: {len(mine)} room_info records, wanted one per second"
            assert all(r["key"] == room_id for r in mine)
            assert all(r["value"]["msg_id"] == 0 for r in mine)
            check_room_info(mine[-1], expected_room_info(sim, room_id))
            # the counters moved between the first and the last while traffic flowed
            assert mine[-1]["value"]["total_user"] > mine[0]["value"]["total_user"], [m["value"]["total_user"] for m in mine]
        assert {r["value"]["room_id"] for r in by_topic["room_info"]} == set(room_ids.values())
        titles = {r["value"]["title"] for r in by_topic["room_info"]}
        assert len(titles) == 3, titles  # per-room data, not one canned answer

        # gift_info: each catalogue gift exactly once across the three rooms
        gift_info = by_topic["gift_info"]
        counts = collections.Counter(r["value"]["gift_id"] for r in gift_info)
        assert set(counts) == set(catalogue), (sorted(counts), sorted(catalogue))
        assert all(n == 1 for n in counts.values()), counts
        for r in gift_info:
            v = r["value"]
            g = catalogue[v["gift_id"]]
            assert r["key"] == str(g["id"])
            assert v["name"] == g["name"]
            assert v["diamond_count"] == g["diamond_count"]
            assert v["gift_type"] == g["type"]
            assert v["streakable"] == (g["type"] == 1)
            assert v["image_url"] == g["image"]["url_list"][0]
            assert v["room_id"] in room_ids.values()
        assert f"{len(catalogue)} gifts published" in log, log[-1500:]

        # the gift events the rooms sent name gifts of that catalogue
        gifts = by_topic["gift"]
        assert gifts, "the simulator's traffic has gifts"
        for r in gifts:
            g = catalogue.get(r["value"]["gift_id"])
            assert g, r["value"]["gift_id"]
            assert r["value"]["gift_name"] == g["name"] and r["value"]["diamond_count"] == g["diamond_count"]

        from confluent_kafka.admin import AdminClient, ConfigResource
        admin = AdminClient({"bootstrap.servers": BOOTSTRAP})
        res = ConfigResource(ConfigResource.Type.TOPIC, f"{prefix}.gift_info")
        assert admin.describe_configs([res])[res].result(timeout=20)["cleanup.policy"].value == "compact"
        res = ConfigResource(ConfigResource.Type.TOPIC, f"{prefix}.room_info")
        assert admin.describe_configs([res])[res].result(timeout=20)["cleanup.policy"].value == "delete"
    finally:
        if coll:
            coll.stop()
        sim.stop()


def test_room_info_on_connect_only_and_catalogue_off(prefix):
    sim = Sim("--rooms", "1", "--rate", "10", "--seed", "9", "--quiet")
    coll = None
    try:
        coll = Collector(sim, prefix, ["@simhost0"], "--set", "tiktok.room_info_interval_s=0",
                         "--set", "tiktok.gift_catalogue=false")
        wait_for(lambda: sim.rooms()["simhost0"]["connections"] >= 1, 60, "the room to connect")
        time.sleep(3)
        rc, log = coll.stop()
        coll = None
        assert rc == 0, log[-3000:]
        records = read_topics(prefix, ["room_info", "gift_info"], expected=1, timeout=30)
        assert [r["topic"] for r in records] == ["room_info"], [r["topic"] for r in records]
        assert records[0]["key"] == sim.sent("simhost0")["room_id"]
        assert "gift catalogue: 0 lists read" in log
    finally:
        if coll:
            coll.stop()
        sim.stop()


def test_dry_run_prints_room_info_and_gifts():
    sim = Sim("--rooms", "2", "--rate", "5", "--seed", "2", "--quiet")
    try:
        cmd = [binary("livetap-collector"), "--rooms", "@simhost0,@simhost1", "--dry-run",
               "--web-base", sim.base, "--api-base", sim.base, "--sign-url", sim.base, "--sign-rate", "0",
               "--set", "behaviour.watch_interval_s=0", "--admin-port", "0"]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_for(lambda: all(r["connections"] >= 1 for r in sim.rooms().values()), 60, "both rooms to connect")
        time.sleep(2)
        proc.terminate()
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err[-2000:]
        events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        info = [e for e in events if e["type"] == "room_info"]
        assert sorted(e["owner"]["unique_id"] for e in info) == ["simhost0", "simhost1"], info
        assert all(e["stream_url"].endswith(".flv") or ".flv?" in e["stream_url"] for e in info)
        gifts = [e for e in events if e["type"] == "gift_info"]
        catalogue = sim.get("/webcast/gift/list/")["data"]["gifts"]
        assert sorted(e["gift_id"] for e in gifts) == sorted(g["id"] for g in catalogue)
    finally:
        sim.stop()


def test_failures_are_skipped_and_logged_once(prefix):
    """room/info answers 500 and gift/list cut-off JSON for a while: the room
    stays live, each kind of failure is logged once and its recovery once,
    and once the endpoints answer, room_info and the catalogue arrive (each
    gift still exactly once)."""
    sim = Sim("--rooms", "1", "--rate", "10", "--seed", "4", "--quiet",
              "--fault", "simhost0:room_info_fail_first=4", "--fault", "simhost0:gift_list_garbage_first=2")
    coll = None
    try:
        coll = Collector(sim, prefix, ["@simhost0"], "--set", "tiktok.room_info_interval_s=1",
                         "--set", "tiktok.gift_catalogue_interval_s=1")
        wait_for(lambda: sim.rooms()["simhost0"]["room_info_requests"] >= 7
                 and sim.rooms()["simhost0"]["gift_list_requests"] >= 4, 60, "failing, then working answers")
        rc, log = coll.stop()
        coll = None
        assert rc == 0, log[-3000:]
        stats = sim.rooms()["simhost0"]
        assert stats["connections"] == 1, stats  # never a reason to reconnect

        assert log.count("room info failed") == 1, log[-3000:]
        assert log.count("room info works again") == 1, log[-3000:]
        assert log.count("gift list failed") == 1, log[-3000:]
        assert log.count("gift list works again") == 1, log[-3000:]
        assert "HTTP 500" in log and "not JSON" in log

        room_id = sim.sent("simhost0")["room_id"]
        catalogue = sim.get("/webcast/gift/list/")["data"]["gifts"]
        records = read_topics(prefix, ["room_info", "gift_info"], expected=1 + len(catalogue), timeout=60)
        info = [r for r in records if r["topic"] == "room_info"]
        assert info and all(r["key"] == room_id for r in info)
        gifts = collections.Counter(r["value"]["gift_id"] for r in records if r["topic"] == "gift_info")
        assert sorted(gifts) == sorted(g["id"] for g in catalogue) and set(gifts.values()) == {1}, gifts
    finally:
        if coll:
            coll.stop()
        sim.stop()
