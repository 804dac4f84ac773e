"""Discovery against livetap-sim's recommended-live feed.

`livetap-collector discover` against livetap-sim's recommended-live feed
(/webcast/feed/): every live room of the simulator is listed exactly once
across the pages (max_time / has_more paging followed to the end, rooms that
are not live left out), --pages bounds the pages asked for, --json prints
one object per room, and the feed's failures give a clear message and their
own exit status: 3 for a 429 or a captcha page (try later), 1 for a body
that is not the feed's JSON or a server that does not answer, 2 for bad
flags.

The `discovery:` section (a collector run, real broker and registry): every
live room the feed lists reaches the compacted <prefix>.discovered_room,
keyed by its room id, with first_seen kept across sightings; a 429 is
counted and backed off from, not fatal; pages_per_minute bounds the feed
requests whatever the interval asks for.
"""
import json
import os
import tempfile
import time

import requests

from conftest import BOOTSTRAP, REGISTRY, RegistryDecoder, Sim, binary, consume_all, free_port, run, stop_process, wait_for


def discover(sim_base, *args):
    return run([binary("livetap-collector"), "discover", "--api-base", sim_base, "--web-base", sim_base, *args],
               timeout=60)


def feed_requests(sim):
    return sim.get("/_sim/stats")["totals"]["feed_requests"]


def test_discover_lists_every_live_room_once_across_pages():
    # 10 rooms, 4 live ones per page; two rooms are not live: two pages
    sim = Sim("--rooms", "10", "--rate", "0", "--quiet", "--set", "feed_page_size=4",
              "--fault", "simhost3:state=offline", "--fault", "simhost7:state=not_found")
    try:
        res = discover(sim.base, "--json", "--pages", "10")
        assert res.returncode == 0, res.stderr
        rooms = [json.loads(line) for line in res.stdout.splitlines()]
        expected = {f"simhost{i}" for i in range(10)} - {"simhost3", "simhost7"}
        assert sorted(r["unique_id"] for r in rooms) == sorted(expected)
        assert len({r["room_id"] for r in rooms}) == len(rooms) == 8
        # the feed said "no more" on the second page: no third request
        assert feed_requests(sim) == 2
        stats = sim.rooms()
        for r in rooms:
            assert r["room_id"] == stats[r["unique_id"]]["room_id"]
            assert r["viewers"] >= 300 and r["title"] and r["nickname"]
            assert len(r["tags"]) == 1 and r["owner_id"]
        assert "8 live rooms on 2 pages" in res.stderr

        # --pages bounds the requests; the table has one line per room
        before = feed_requests(sim)
        res = discover(sim.base, "--pages", "1")
        assert res.returncode == 0, res.stderr
        lines = res.stdout.splitlines()
        assert lines[0].split() == ["ROOM_ID", "VIEWERS", "OWNER", "TAGS", "TITLE"]
        assert len(lines) == 1 + 4
        assert lines[1].startswith("7400000000000000000 ") and "@simhost0" in lines[1]
        assert feed_requests(sim) == before + 1
    finally:
        sim.stop()


def test_discover_failures_are_told_and_have_their_exit_status():
    sim = Sim("--rooms", "6", "--rate", "0", "--quiet", "--set", "feed_page_size=2")
    try:
        sim.fault("feed", http_429_first=1)
        res = discover(sim.base)
        assert res.returncode == 3
        assert "rate-limits the feed (HTTP 429)" in res.stderr and "rate_limited" in res.stderr
        assert res.stdout.splitlines()[1:] == []

        sim.fault("feed", captcha_first=1)
        res = discover(sim.base, "--json")
        assert res.returncode == 3 and res.stdout == ""
        assert "captcha" in res.stderr and "tiktok.session_cookies" in res.stderr

        sim.fault("feed", garbage_first=1)
        res = discover(sim.base)
        assert res.returncode == 1
        assert "not a JSON object" in res.stderr and "malformed" in res.stderr

        # the faults were used up: the next run reads every page (3 of 2 rooms)
        before = feed_requests(sim)
        res = discover(sim.base, "--json", "--pages", "1")
        assert res.returncode == 0 and len(res.stdout.splitlines()) == 2
        res = discover(sim.base, "--json", "--pages", "5")
        assert res.returncode == 0, res.stderr
        assert len(res.stdout.splitlines()) == 6
        assert feed_requests(sim) == before + 1 + 3

        # a later page fails: the rooms of the pages before are printed, then the error
        sim.fault("feed", clean_first=1, garbage_first=1)
        res = discover(sim.base, "--json", "--pages", "5")
        assert res.returncode == 1 and "page 2:" in res.stderr and "malformed" in res.stderr
        assert [json.loads(line)["unique_id"] for line in res.stdout.splitlines()] == ["simhost0", "simhost1"]

        # the simulator is gone: no answer is a failure, not a hang
        dead = "http://127.0.0.1:%d" % free_port()
        res = discover(dead, "--pages", "1")
        assert res.returncode == 1 and "could not be fetched" in res.stderr

        res = discover(sim.base, "--pages", "0")
        assert res.returncode == 2 and "--pages" in res.stderr
        res = discover(sim.base, "@someone")
        assert res.returncode == 2 and "discover takes no argument" in res.stderr
    finally:
        sim.stop()


class DiscoveringCollector:
    """A collector with no rooms and discovery on, pointed at a Sim."""

    def __init__(self, sim, *extra):
        import subprocess
        self.dir = tempfile.mkdtemp(prefix="lt-discovery-")
        port_file = os.path.join(self.dir, "admin-port")
        self.log_path = os.path.join(self.dir, "collector.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [binary("livetap-collector"), "--web-base", sim.base, "--api-base", sim.base, "--sign-url", sim.base,
             "--collector-id", "it-discovery", "--admin-port", "0", "--admin-port-file", port_file,
             "--set", "discovery.enabled=true", *extra], stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(lambda: os.path.exists(port_file), 30, "the collector's admin port")
        self.admin = "http://127.0.0.1:%s" % open(port_file).read().strip()

    def metric(self, name):
        for line in requests.get(self.admin + "/metrics", timeout=10).text.splitlines():
            if line.startswith("livetap_collector_" + name + " "):
                return float(line.split()[1])
        raise AssertionError(f"no metric {name}")

    def stop(self):
        rc = stop_process(self.proc, timeout=30)
        self.log.close()
        return rc, open(self.log_path).read()


def test_discovery_publishes_every_room_keyed_by_room_id(prefix):
    sim = Sim("--rooms", "6", "--rate", "0", "--quiet", "--set", "feed_page_size=2",
              "--fault", "simhost2:state=offline", "--fault", "feed:http_429_first=1")
    coll = None
    try:
        coll = DiscoveringCollector(sim, "--kafka", BOOTSTRAP, "--registry", REGISTRY, "--topic-prefix", prefix,
                                    "--set", "discovery.interval_s=1", "--set", "discovery.backoff_cap_s=2",
                                    "--set", "discovery.pages_per_minute=0")
        # the first request got a 429: counted, backed off, then every page read, twice over
        wait_for(lambda: coll.metric("discovery_pages_total") >= 6, 60, "two rounds of the feed")
        assert coll.metric("discovery_page_failures_total") == 1
        assert coll.metric("discovery_rooms_found_total") == 5
        assert coll.metric("discovery_rooms_known") == 5
        rc, log = coll.stop()
        coll = None
        assert rc == 0, log[-2000:]
        assert "discovery: TikTok rate-limits the feed (HTTP 429)" in log

        live = {r["room_id"]: name for name, r in sim.rooms().items() if name != "simhost2"}
        decoder = RegistryDecoder(REGISTRY)
        records = consume_all([f"{prefix}.discovered_room"], 10, timeout=60)
        assert len(records) >= 10
        first_seen = {}
        for topic, key, value, headers in records:
            _, rec = decoder.decode(value)
            assert key.decode() == rec["room_id"] and rec["room_id"] in live
            assert rec["unique_id"] == live[rec["room_id"]] and rec["platform"] == "tiktok"
            assert rec["viewers"] >= 300 and rec["title"] and rec["nickname"] and rec["owner_id"]
            assert len(rec["tags"]) == 1 and rec["live_since"] is not None
            assert rec["first_seen"] <= rec["last_seen"] and rec["collector_id"] == "it-discovery"
            # a later sighting keeps the first one's first_seen
            assert first_seen.setdefault(rec["room_id"], rec["first_seen"]) == rec["first_seen"]
        assert set(first_seen) == set(live)

        from confluent_kafka.admin import AdminClient, ConfigResource
        admin = AdminClient({"bootstrap.servers": BOOTSTRAP})
        res = ConfigResource(ConfigResource.Type.TOPIC, f"{prefix}.discovered_room")
        assert admin.describe_configs([res])[res].result(timeout=20)["cleanup.policy"].value == "compact"
    finally:
        if coll:
            coll.stop()
        sim.stop()


def test_discovery_requests_stay_under_pages_per_minute():
    # one room a page: a round would want 3 pages every second; 6 a minute allows
    # the 3 of the burst, then one every 10 s
    sim = Sim("--rooms", "8", "--rate", "0", "--quiet", "--set", "feed_page_size=1")
    coll = None
    try:
        started = time.monotonic()
        coll = DiscoveringCollector(sim, "--dry-run", "--set", "discovery.interval_s=1",
                                    "--set", "discovery.pages=3", "--set", "discovery.pages_per_minute=6")
        wait_for(lambda: coll.metric("discovery_pages_total") >= 3, 30, "the first round")
        time.sleep(4)
        requests_made = sim.get("/_sim/stats")["totals"]["feed_requests"]
        # unlimited, 1 s rounds of 3 pages would have made 12 or more by now
        allowed = 3 + int((time.monotonic() - started) / 10)
        assert 3 <= requests_made <= allowed, (requests_made, allowed)
        assert coll.metric("discovery_rooms_found_total") == requests_made
        rc, log = coll.stop()
        coll = None
        # a dry run prints the sightings like every other event
        sightings = [json.loads(line) for line in log.splitlines() if line.startswith("{")
                     and '"discovered_room"' in line]
        assert {s["room_id"] for s in sightings} == {"74000000000000000%02d" % i for i in range(requests_made)}
    finally:
        if coll:
            coll.stop()
        sim.stop()


def rooms_of(coll):
    return {r["input"]: r["state"] for r in requests.get(coll.admin + "/rooms", timeout=10).json()}


def test_auto_track_takes_the_most_viewed_and_releases_only_its_own():
    # viewers are 300 + the room's index: simhost5 most, simhost0 (300) under min_viewers
    sim = Sim("--rooms", "6", "--rate", "0", "--quiet", "--set", "feed_page_size=3")
    ids = {name: r["room_id"] for name, r in sim.rooms().items()}
    coll = None
    try:
        coll = DiscoveringCollector(sim, "--dry-run", "--rooms", "@simhost1", "--sign-rate", "0",
                                    "--set", "discovery.interval_s=1", "--set", "discovery.pages_per_minute=0",
                                    "--set", "discovery.auto_track=true", "--set", "discovery.max_rooms=2",
                                    "--set", "discovery.min_viewers=301")
        wait_for(lambda: coll.metric("discovery_rooms_tracked") == 2, 30, "two rooms tracked")
        wait_for(lambda: rooms_of(coll).get(ids["simhost5"]) == "live", 30, "simhost5 live")
        rooms = rooms_of(coll)
        # the manual room stays as it was added; the two most viewed others are added by id
        assert set(rooms) == {"@simhost1", ids["simhost5"], ids["simhost4"]}, rooms

        # simhost5 ends: released, and its place goes to the next most viewed (simhost1 is
        # collected already, by hand, so simhost3)
        sim.fault("simhost5", end_after_ms=1)
        wait_for(lambda: coll.metric("discovery_rooms_released_total") == 1, 30, "simhost5 released")
        wait_for(lambda: ids["simhost3"] in rooms_of(coll), 30, "simhost3 tracked")
        rooms = rooms_of(coll)
        assert ids["simhost5"] not in rooms and set(rooms) == {"@simhost1", ids["simhost4"], ids["simhost3"]}

        # the manual room ends too: discovery never releases it
        sim.fault("simhost1", end_after_ms=1)
        wait_for(lambda: rooms_of(coll).get("@simhost1") in ("ended", "offline"), 30, "simhost1 ended")
        released = coll.metric("discovery_rooms_released_total")
        pages = coll.metric("discovery_pages_total")
        wait_for(lambda: coll.metric("discovery_pages_total") >= pages + 4, 30, "two more rounds")
        assert "@simhost1" in rooms_of(coll)
        assert coll.metric("discovery_rooms_released_total") == released == 1
        rc, log = coll.stop()
        coll = None
        assert "discovery: tracking room %s (305 viewers)" % ids["simhost5"] in log
        assert "discovery: releasing room %s (ended)" % ids["simhost5"] in log
        assert "releasing room @simhost1" not in log and "releasing room %s" % ids["simhost1"] not in log
    finally:
        if coll:
            coll.stop()
        sim.stop()


def test_auto_track_filters_by_tag():
    # tags by index: Music (0, 6), Food (1), Gaming (2), ...
    sim = Sim("--rooms", "8", "--rate", "0", "--quiet", "--set", "feed_page_size=4")
    ids = {name: r["room_id"] for name, r in sim.rooms().items()}
    coll = None
    try:
        coll = DiscoveringCollector(sim, "--dry-run", "--sign-rate", "0", "--set", "discovery.interval_s=1",
                                    "--set", "discovery.pages_per_minute=0", "--set", "discovery.auto_track=true",
                                    "--set", "discovery.tags=music,Tech")
        wait_for(lambda: coll.metric("discovery_rooms_tracked") == 3, 30, "the Music and Tech rooms tracked")
        assert set(rooms_of(coll)) == {ids["simhost0"], ids["simhost6"], ids["simhost7"]}
        coll.stop()
        coll = None
    finally:
        if coll:
            coll.stop()
        sim.stop()
