"""`livetap-collector discover` against livetap-sim's recommended-live feed
(/webcast/feed/): every live room of the simulator is listed exactly once
across the pages (max_time / has_more paging followed to the end, rooms that
are not live left out), --pages bounds the pages asked for, --json prints
one object per room, and the feed's failures give a clear message and their
own exit status: 3 for a 429 or a captcha page (try later), 1 for a body
that is not the feed's JSON or a server that does not answer, 2 for bad
flags.
"""
import json

from conftest import Sim, binary, free_port, run


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
