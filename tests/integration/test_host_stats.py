"""The host's profile stats on room_info, and `lookup` printing them:
livetap-collector against livetap-sim and the real Kafka + registry.

Checked: room_info records carry host_stats equal to what the simulator's
profile page serves, for today's page shape (__UNIVERSAL_DATA_FOR_REHYDRATION__)
and the older one (SIGI_STATE UserModule); when the simulator's stats change
(followers, likes, videos, verified) the following room_info records carry the
new values and never the old ones again; a refused profile page (HTTP 429)
leaves room_info published without host_stats, counted in
livetap_collector_host_profile_blocked_total, and the room stops asking for
its backoff; `lookup @user` prints the profile, and its refusals.
"""
import json
import os
import subprocess
import time
import urllib.request

from conftest import REGISTRY, Collector, RegistryDecoder, Sim, binary, consume_to_end, wait_for


def room_infos(prefix):
    decoder = RegistryDecoder(REGISTRY)
    out = []
    for topic, key, value, headers in consume_to_end([f"{prefix}.room_info"]):
        _, record = decoder.decode(value)
        out.append(record)
    return sorted(out, key=lambda r: r["event_time"])


def page_stats(sim, room):
    """The stats the simulator's profile page shows now, as host_stats names them."""
    p = sim.rooms()[room]["profile"]
    return {k: p[k] for k in ("followers", "following", "likes", "videos", "verified", "private")}


def stats_of(record):
    h = record["host_stats"]
    return None if h is None else {k: h[k] for k in ("followers", "following", "likes", "videos", "verified",
                                                     "private")}


def metric(port, name):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        for line in r.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
    return None


def test_room_info_carries_host_stats(prefix):
    sim = Sim("--rooms", "2", "--rate", "5", "--seed", "3", "--quiet", "--fault", "simhost1:profile_sigi=1")
    coll = None
    try:
        port_file = os.path.join(sim.dir, "admin-port")
        coll = Collector(sim, prefix, ["@simhost0", "@simhost1"], "--set", "tiktok.room_info_interval_s=1",
                         "--admin-port-file", port_file)
        before = page_stats(sim, "simhost0")
        old_shape = page_stats(sim, "simhost1")
        requests = lambda room: sim.rooms()[room]["profile_requests"]
        wait_for(lambda: requests("simhost0") >= 2 and requests("simhost1") >= 2, 60,
                 "two profile pages per room")

        # the host gains followers and likes, posts, gets verified
        sim.fault("simhost0", followers=before["followers"] + 4321, likes=before["likes"] + 999,
                  videos=before["videos"] + 1, verified=1)
        after = page_stats(sim, "simhost0")
        assert after != before
        changed_at = requests("simhost0")
        wait_for(lambda: requests("simhost0") >= changed_at + 2, 30, "two profile pages with the new stats")

        # then the profile page refuses once: room_info goes on without host_stats
        sim.fault("simhost0", profile_429_first=1)
        refused_at = requests("simhost0")
        port = int(wait_for(lambda: os.path.exists(port_file) and open(port_file).read().strip(), 30,
                            "the admin port"))
        wait_for(lambda: (metric(port, "livetap_collector_host_profile_blocked_total") or 0) >= 1, 30,
                 "the refusal counted")
        time.sleep(2.5)  # room_info at least twice more while the room backs off
        assert requests("simhost0") == refused_at + 1, "no profile requests during the backoff"
        assert metric(port, "livetap_collector_host_profile_pages_total") >= 6
        rc, log = coll.stop()
        coll = None
        assert rc == 0, log[-3000:]
        assert "host profile page failed" in log and "429" in log, log[-3000:]

        room_ids = {r: sim.sent(r)["room_id"] for r in ("simhost0", "simhost1")}
        records = room_infos(prefix)
        mine = [r for r in records if r["room_id"] == room_ids["simhost0"]]
        with_stats = [stats_of(r) for r in mine if r["host_stats"] is not None]
        # first the old stats, then only the new ones: never back
        assert with_stats[0] == before, (with_stats[0], before)
        assert after in with_stats, (after, with_stats)
        first_new = with_stats.index(after)
        assert all(s == before for s in with_stats[:first_new]), with_stats
        assert all(s == after for s in with_stats[first_new:]), with_stats
        # the last records went without host_stats (the 429, then the backoff)
        assert len(mine) >= len(with_stats) + 2
        assert mine[-1]["host_stats"] is None and mine[-2]["host_stats"] is None
        last = [r for r in mine if r["host_stats"] is not None][-1]
        # the page and room/info agree on followers; fetched_at is the record's time
        assert last["owner"]["follower_count"] == after["followers"]
        assert abs(last["host_stats"]["fetched_at"] - last["event_time"]) < 5000

        # the older page shape gives the same figures
        other = [stats_of(r) for r in records if r["room_id"] == room_ids["simhost1"]]
        assert other and all(s == old_shape for s in other), (other, old_shape)
        assert old_shape["verified"] is True  # simhost1 is a verified account in the simulator
    finally:
        if coll:
            coll.stop()
        sim.stop()


def lookup(sim, room):
    r = subprocess.run([binary("livetap-collector"), "lookup", "--web-base", sim.base, "--api-base", sim.base, room],
                       capture_output=True, text=True, timeout=60)
    return r.returncode, json.loads(r.stdout), r.stderr


def test_lookup_prints_profile():
    sim = Sim("--rooms", "3", "--rate", "0", "--quiet", "--fault", "simhost2:state=offline")
    try:
        sim.fault("simhost1", followers=777, following=5, likes=123456789, videos=9, private=1)
        rc, out, _ = lookup(sim, "@simhost1")
        assert rc == 0 and out["live"] is True
        assert out["profile"] == {"outcome": "ok", "followers": 777, "following": 5, "likes": 123456789,
                                  "videos": 9, "verified": True, "private": True, "shape": "universal_data",
                                  "message": None}
        # not live: the profile is still printed
        rc, out, _ = lookup(sim, "@simhost2")
        assert rc == 1 and out["outcome"] == "offline"
        assert out["profile"]["outcome"] == "ok" and out["profile"]["followers"] == page_stats(sim, "simhost2")["followers"]
        # the older page shape
        sim.fault("simhost0", profile_sigi=1)
        rc, out, _ = lookup(sim, "@simhost0")
        assert out["profile"]["shape"] == "sigi_state"
        assert out["profile"]["followers"] == page_stats(sim, "simhost0")["followers"]
        # refusals and garbage: no counts, a reason, the lookup itself still answers
        for fault, outcome in (("profile_429_first", "blocked_captcha"), ("profile_captcha_first", "blocked_captcha"),
                               ("profile_garbage_first", "profile_failed")):
            faults = {f: 0 for f in ("profile_429_first", "profile_captcha_first", "profile_garbage_first")}
            sim.fault("simhost0", **{**faults, fault: 1})
            rc, out, err = lookup(sim, "@simhost0")
            assert rc == 0 and out["live"] is True
            assert out["profile"]["outcome"] == outcome, (fault, out["profile"])
            assert out["profile"]["followers"] is None and out["profile"]["message"]
            assert "profile page of @simhost0" in err
        # no such user: no profile asked for
        rc, out, _ = lookup(sim, "@nobody")
        assert out["outcome"] == "not_found" and out["profile"] is None
    finally:
        sim.stop()
