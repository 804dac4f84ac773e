"""discovery.auto_track in group mode: rooms go through the control topic.

Two livetap-collector processes in one consumer group (real broker and
registry), both with discovery and auto_track on, against livetap-sim's
recommended-live feed. Checked:
- the rooms discovery picks land in the control topic <prefix>.rooms keyed
  by room id, with "source": "discovery" and the discovery time, and each is
  collected exactly once across the two collectors;
- discovery.max_rooms holds fleet-wide (both collectors report the same
  count, and no other feed room is collected, round after round);
- a room put by an operator that the feed lists too is neither put again
  nor counted against the cap;
- a discovery room the simulator ends is tombstoned in the control topic by
  the collector that collected it, stops being collected, and its place
  goes to the next most viewed room;
- the operator's room ending is never tombstoned by discovery, nor is a
  discovery room an operator put again (the marker is gone): it leaves the
  cap, and the next room takes its place;
- one collector runs the rounds; when it leaves, the other takes them over
  and the cap still holds (it counts the discovery rooms of the topic).
"""
import json
import os
import re

from conftest import BOOTSTRAP, Sim, consume_to_end, wait_for
from test_collector_group import GroupCollector

DISCOVERY = ("--set", "discovery.enabled=true", "--set", "discovery.interval_s=1",
             "--set", "discovery.pages_per_minute=0", "--set", "discovery.auto_track=true",
             "--set", "discovery.max_rooms=2", "--set", "discovery.min_viewers=301")


def control_topic(prefix):
    """The control topic's latest value per key (None: a tombstone)."""
    latest = {}
    for _, key, value, _ in consume_to_end([f"{prefix}.rooms"], bootstrap=BOOTSTRAP):
        latest[key.decode()] = json.loads(value) if value is not None else None
    return latest


def room_state(colls, room):
    """The state of a room in whichever collector has it (None: nobody)."""
    for c in colls:
        for r in c.admin("GET", "/rooms")[1]:
            if r["input"] == room:
                return r["state"]
    return None


def holds_partitions(coll):
    if coll.proc.poll() is not None:
        raise AssertionError(f"{coll.name} exited: {coll.text()[-2000:]}")
    return re.search(r"group: [1-9]\d* partition\(s\) of \S+ assigned", coll.text())


def metric(coll, name):
    """One metric of a collector; None until its admin port is up."""
    if coll.proc.poll() is not None:
        raise AssertionError(f"{coll.name} exited: {coll.text()[-2000:]}")
    if not os.path.exists(os.path.join(os.path.dirname(coll.log_path), f"{coll.name}.admin")):
        return None
    return coll.metrics().get(name)


def handovers_done(colls):
    """Every handover the rebalance of d1's join started has ended."""
    ended = sum(total(colls, f"handovers_{k}_total") for k in ("completed", "timed_out", "taken_back"))
    return total(colls, "handovers_started_total") == ended


def total(colls, name):
    return sum(metric(c, name) or 0 for c in colls)


def test_auto_track_in_group_mode_goes_through_the_control_topic(prefix):
    # viewers are 300 + the room's index: simhost7 most; simhost0 (300) is under min_viewers
    sim = Sim("--rooms", "8", "--rate", "0", "--quiet", "--set", "feed_page_size=3")
    ids = {name: r["room_id"] for name, r in sim.rooms().items()}
    colls = []

    def open_counts():
        return {name: r["open"] for name, r in sim.rooms().items()}

    def collected(*names):
        """Exactly these rooms are collected, each by one connection."""
        return open_counts() == {f"simhost{i}": int(f"simhost{i}" in names) for i in range(8)}

    try:
        # the operator's room (by room id, as discovery would put it) is in the topic before any round
        colls.append(GroupCollector(sim, prefix, "d0", rooms=[ids["simhost7"]], extra=DISCOVERY))
        colls.append(GroupCollector(sim, prefix, "d1", rooms=None, extra=DISCOVERY))
        # both members hold partitions (d1's join moved some off d0): the group has settled
        wait_for(lambda: all(holds_partitions(c) for c in colls), 60, "both collectors holding partitions")
        wait_for(lambda: all(metric(c, "discovery_rooms_tracked") == 2 for c in colls), 60,
                 "both collectors counting two discovery rooms")

        # simhost6 and simhost5 are the two most viewed that are not the operator's
        wait_for(lambda: handovers_done(colls) and collected("simhost7", "simhost6", "simhost5"), 60,
                 "the three rooms collected once each, no handover under way")
        latest = control_topic(prefix)
        assert set(latest) == {ids["simhost7"], ids["simhost6"], ids["simhost5"]}, latest
        for name in ("simhost6", "simhost5"):
            value = latest[ids[name]]
            assert value["source"] == "discovery" and value["room"] == ids[name], value
            assert value["by"] in ("d0", "d1") and value["discovered_at"] > 0, value
            assert value["viewers"] == 300 + int(name[-1]), value
        assert "source" not in latest[ids["simhost7"]] and latest[ids["simhost7"]]["by"] == "d0"
        # the cap holds round after round, fleet-wide: more rounds add nothing; one collector pages
        before = [metric(c, "discovery_pages_total") for c in colls]
        wait_for(lambda: total(colls, "discovery_pages_total") >= sum(before) + 4, 30, "two more rounds")
        grew = [c.name for c, n in zip(colls, before) if metric(c, "discovery_pages_total") > n]
        assert len(grew) == 1, grew
        # the discoverer has seen the eight live rooms of the feed, once each
        assert metric(next(c for c in colls if c.name == grew[0]), "discovery_rooms_found_total") == 8
        assert collected("simhost7", "simhost6", "simhost5")
        assert all(metric(c, "discovery_rooms_tracked") == 2 for c in colls)

        # simhost6 ends: tombstoned by its owner, no longer collected, its place goes to simhost4
        sim.fault("simhost6", end_after_ms=1)
        wait_for(lambda: total(colls, "discovery_rooms_released_total") == 1, 30, "simhost6 released")
        wait_for(lambda: collected("simhost7", "simhost5", "simhost4"), 30, "simhost4 collected instead of simhost6")
        latest = control_topic(prefix)
        assert latest[ids["simhost6"]] is None and latest[ids["simhost4"]]["source"] == "discovery", latest

        # the operator's room ends: discovery never tombstones it
        sim.fault("simhost7", end_after_ms=1)
        wait_for(lambda: room_state(colls, ids["simhost7"]) in ("ended", "offline"), 30, "simhost7 ended")

        # an operator puts simhost5, a discovery room: it is the operator's now, out of the cap
        # (simhost3 fills the place), and not tombstoned when it ends
        status, body = colls[1].admin("POST", "/rooms", {"room": ids["simhost5"]})
        assert status == 202, body
        wait_for(lambda: collected("simhost5", "simhost4", "simhost3"), 30, "simhost3 tracked in simhost5's place")
        sim.fault("simhost5", end_after_ms=1)
        wait_for(lambda: room_state(colls, ids["simhost5"]) in ("ended", "offline"), 30, "simhost5 ended")
        pages = total(colls, "discovery_pages_total")
        wait_for(lambda: total(colls, "discovery_pages_total") >= pages + 4, 30, "two more rounds")
        latest = control_topic(prefix)
        for name in ("simhost7", "simhost5"):
            assert latest[ids[name]] is not None and "source" not in latest[ids[name]], latest
        assert latest[ids["simhost3"]]["source"] == "discovery"
        assert total(colls, "discovery_rooms_released_total") == 1
        assert all(metric(c, "discovery_rooms_tracked") == 2 for c in colls)
        assert open_counts()["simhost2"] == 0

        # the discoverer leaves: the other one takes the rounds over, knows the two discovery
        # rooms from the control topic, and the cap still holds (simhost2 and simhost1 stay out)
        leader = next(c for c in colls if c.name == grew[0])
        other = next(c for c in colls if c is not leader)
        assert leader.stop() == 0
        logs = leader.text()
        colls.remove(leader)
        pages = metric(other, "discovery_pages_total")
        wait_for(lambda: metric(other, "discovery_pages_total") >= pages + 4, 60, f"{other.name} paging")
        wait_for(lambda: [open_counts()[f"simhost{i}"] for i in (4, 3)] == [1, 1], 30,
                 "the two discovery rooms collected by the one left")
        assert metric(other, "discovery_rooms_tracked") == 2
        assert open_counts()["simhost2"] == 0 and open_counts()["simhost1"] == 0
        assert other.stop() == 0
        logs += other.text()
        colls = []
        assert "discovery: releasing room %s (ended)" % ids["simhost6"] in logs
        for name in ("simhost7", "simhost5"):
            assert "releasing room %s" % ids[name] not in logs
        assert logs.count("discovery: tracking room %s" % ids["simhost6"]) == 1
    finally:
        for c in colls:
            c.stop(at_once=True)
        sim.stop()
