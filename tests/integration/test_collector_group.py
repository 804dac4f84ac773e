"""Collectors sharing rooms through a Kafka consumer group (group mode).

Three livetap-collector processes join one consumer group on the compacted
control topic <prefix>.rooms against the real broker; the simulator counts
how many push connections each room has open. The simulator runs with
--broadcast: every message of a room goes to every connection open on it,
as TikTok does, which is what a make-before-break handover relies on.
Checked:
- the rooms are spread over all three collectors and each room is
  collected exactly once in steady state;
- every room a rebalance moved (collectors joining one after another) was
  handed over without losing or duplicating a message;
- after one collector is killed with SIGKILL, its rooms are collected by
  the others within the group's session timeout (plus start-up); only
  those may lose what was in flight to the dead process;
- across every move Kafka holds no msg_id twice for any room;
- collectors joining and leaving again and again, 120 rooms: 0 lost,
  0 duplicated (the handover of docs/operations.md, "Scaling out");
- a tombstone in the control topic stops the room, a new value starts it;
- rooms from a rooms file are written to the control topic like --rooms,
  which is created with group.partitions' default of 120 partitions.
"""
import collections
import os
import re
import signal
import subprocess
import time

import pytest

from conftest import BOOTSTRAP, REGISTRY, binary
from test_collector import Sim, read_back, wait_for

SESSION_MS = 6000
ROOMS = [f"@simhost{i}" for i in range(9)]


class GroupCollector:
    def __init__(self, sim, prefix, name, rooms=ROOMS, extra=()):
        self.name = name
        self.log_path = os.path.join(sim.dir, f"{name}.log")
        self.log = open(self.log_path, "w")
        cmd = [binary("livetap-collector"), "--group", *(("--rooms", ",".join(rooms)) if rooms else ()),
               "--kafka", BOOTSTRAP, "--registry", REGISTRY, "--topic-prefix", prefix,
               "--collector-id", name,
               "--web-base", sim.base, "--api-base", sim.base, "--sign-url", sim.base, "--sign-rate", "0",
               "--set", f"group.session_timeout_ms={SESSION_MS}", "--admin-port", "0",
               "--admin-port-file", os.path.join(sim.dir, f"{name}.admin"),
               "--set", "behaviour.watch_interval_s=0", "--set", "behaviour.backoff_cap_s=2", *extra]
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)

    def text(self):
        return open(self.log_path).read()

    def admin(self, method, path, body=None):
        """(status, JSON) of an admin API call."""
        import json
        import urllib.error
        import urllib.request

        port_file = os.path.join(os.path.dirname(self.log_path), f"{self.name}.admin")
        wait_for(lambda: os.path.exists(port_file), 20, "the admin port")
        url = "http://127.0.0.1:%s%s" % (open(port_file).read().strip(), path)
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"} if data else {})
        try:
            with urllib.request.urlopen(req, timeout=20) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as e:
            return e.code, json.load(e)

    def owned(self):
        """Rooms this collector holds now, from its log."""
        rooms = set()
        for line in self.text().splitlines():
            m = re.search(r"group: room (@\S+) assigned here", line)
            if m:
                rooms.add(m.group(1))
            m = re.search(r"room (@[^\s:]+)(?: \d+)?: ended \[(reassigned|removed|handed_over)\]", line)
            if m:
                rooms.discard(m.group(1))
        return rooms

    def metrics(self, labelled=False):
        """The collector's /metrics as {name: value} (series without labels;
        with `labelled`, every series, named as in the text: 'rooms{state="live"}')."""
        import urllib.request

        port_file = os.path.join(os.path.dirname(self.log_path), f"{self.name}.admin")
        url = "http://127.0.0.1:%s/metrics" % open(port_file).read().strip()
        with urllib.request.urlopen(url, timeout=20) as r:
            text = r.read().decode()
        series = r"^livetap_collector_(\w+(?:\{[^}]*\})?) (\S+)$" if labelled else r"^livetap_collector_(\w+) (\S+)$"
        return {m.group(1): float(m.group(2)) for m in re.finditer(series, text, re.M)}

    def handover_times(self):
        """Seconds each handover this collector gave took, from its log."""
        return [float(t) for t in re.findall(r"handover done after ([\d.]+) s", self.text())]

    def stop(self, sig=signal.SIGTERM, at_once=False):
        """SIGTERM leaves the group handing the live rooms over first; a
        second signal (at_once) stops without waiting for that."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            if at_once:
                time.sleep(0.2)  # two signals, not one: the second means "now"
                if self.proc.poll() is None:
                    self.proc.send_signal(sig)
        try:
            return self.proc.wait(90)
        finally:
            self.log.close()


def all_collected_once(sim):
    rooms = sim.rooms()
    return all(r["open"] == 1 for r in rooms.values()) and rooms


def settled(sim, colls, rooms):
    """Every room collected once, by exactly one collector, none in a handover."""
    if not all_collected_once(sim):
        return False
    owners = [c.owned() for c in colls]
    return sum(len(o) for o in owners) == len(rooms) and set().union(*owners) == set(rooms)


def live_trails(records, rooms):
    """Per room, the collectors that published "live" for it, in time order."""
    trails = {room: [] for room in rooms}
    for r in sorted((r for r in records if r["topic"] == "room_status" and r["value"]["state"] == "live"),
                    key=lambda r: r["value"]["event_time"]):
        trail = trails.get(r["value"]["input"])
        if trail is not None and (not trail or trail[-1] != r["value"]["collector_id"]):
            trail.append(r["value"]["collector_id"])
    return trails


def losses(sim, records, rooms, where=None):
    """Per room: (messages sent, lost, duplicated in Kafka). `where`, a dict,
    gets per room the positions of the lost messages in the order the room
    sent them, out of how many (a diagnosis: the last ones = the end of the
    run, a run in the middle = a gap in a move). Also used by
    bench/capacity.py (thousands of rooms, millions of records)."""
    by_key = collections.defaultdict(collections.Counter)  # one pass over the records, not one per room
    for r in records:
        if r["topic"] != "room_status" and r["value"]["msg_id"] != 0:
            by_key[r["key"]][r["value"]["msg_id"]] += 1
    out = {}
    for room in rooms:
        sent = sim.sent(room[1:])
        got = by_key[sent["room_id"]]
        out[room] = (len(set(sent["msg_ids"])), len(set(sent["msg_ids"]) - set(got)),
                     sum(n - 1 for n in got.values()))
        if where is not None:
            where[room] = ([i for i, m in enumerate(sent["msg_ids"]) if m not in got], len(sent["msg_ids"]))
    return out


def room_log(colls, room):
    """What each collector's log says about a room (a failure's diagnosis)."""
    return "\n".join(f"{c.name}: {line}" for c in colls for line in c.text().splitlines()
                     if f"{room} " in line or f"{room}:" in line)


def control_producer():
    from confluent_kafka import Producer

    return Producer({"bootstrap.servers": BOOTSTRAP})


def test_three_collectors_share_rooms_and_take_over_a_killed_one(prefix):
    sim = Sim("--rooms", str(len(ROOMS)), "--rate", "20", "--seed", "11", "--quiet", "--broadcast")
    colls = []
    try:
        # g0 first, alone in the group: every room is live there when the
        # others join, so the rebalances move live rooms (handovers)
        colls = [GroupCollector(sim, prefix, "g0")]
        wait_for(lambda: settled(sim, colls, ROOMS), 60, "every room collected by g0")
        colls += [GroupCollector(sim, prefix, f"g{i}") for i in (1, 2)]
        everyone = list(colls)
        wait_for(lambda: all(c.owned() for c in colls) and settled(sim, colls, ROOMS), 60,
                 "every room collected once, spread over all three collectors")
        time.sleep(3)  # steady state: nothing moves any more
        owners = {c.name: c.owned() for c in colls}
        assert sum(len(o) for o in owners.values()) == len(ROOMS), owners
        assert set().union(*owners.values()) == set(ROOMS), owners

        victim = max(colls, key=lambda c: len(c.owned()))
        moved = victim.owned()
        before = {name: r["connections"] for name, r in sim.rooms().items()}
        killed_at = time.time()
        victim.stop(signal.SIGKILL)
        colls.remove(victim)
        # its rooms reconnect from the survivors
        wait_for(lambda: all(sim.rooms()[m[1:]]["connections"] > before[m[1:]] for m in moved)
                 and all_collected_once(sim), SESSION_MS / 1000 + 30, "the killed collector's rooms resumed")
        recovery = time.time() - killed_at
        survivors = set().union(*(c.owned() for c in colls))
        assert survivors == set(ROOMS), (survivors, moved)
        time.sleep(3)
        sim.freeze()
        handover_times = [t for c in colls for t in c.handover_times()]
        for c in colls:
            assert c.stop(at_once=True) == 0, c.text()[-3000:]
        colls = []

        stats = sim.rooms()
        # the killed collector's rooms may miss what was in flight to it: a
        # lower bound (the collectors have flushed; the read stops when quiet)
        records = read_back(prefix, sum(r["sent"] for name, r in stats.items() if f"@{name}" not in moved))
        # every room a rebalance moved before the kill (the collectors joined
        # one after another) was handed over: nothing lost, nothing twice
        trails = live_trails(records, ROOMS)
        handed = {room for room, trail in trails.items() if len(trail) > 1 + (room in moved)}
        # a collector says "ended" [shutdown] once per room (the group's revoke
        # at close used to say it again, after the flush)
        ends = collections.Counter((r["value"]["input"], r["value"]["collector_id"]) for r in records
                                   if r["topic"] == "room_status" and r["value"]["state"] == "ended"
                                   and r["value"]["reason"] == "shutdown")
        assert ends and all(n == 1 for n in ends.values()), ends
        lost_total = sent_total = 0
        where = {}
        for room, (sent, lost, dupes) in losses(sim, records, ROOMS, where).items():
            assert not dupes, f"{room}: {dupes} msg_ids in Kafka more than once across the moves ({trails[room]})"
            sent_total += sent
            if room not in moved:
                assert not lost, (f"{room} lost {lost} messages (positions {where[room][0]} of {where[room][1]} sent); "
                                  f"moved by rebalances: {trails[room]}\n{room_log(everyone, room)}")
            lost_total += lost
            # the trail: a moved room was live by the victim last before the kill
            # (collectors joining one after another may have moved it before),
            # and live again by a survivor after it
            lives = [(r["value"]["event_time"], r["value"]["collector_id"])
                     for r in sorted(records, key=lambda r: r["value"]["event_time"])
                     if r["topic"] == "room_status" and r["value"]["input"] == room
                     and r["value"]["state"] == "live"]
            if room in moved:
                before_kill = [c for t, c in lives if t < killed_at * 1000]
                assert before_kill and before_kill[-1] == victim.name, (room, lives, killed_at)
                assert lives[-1][1] != victim.name, (room, lives)
        assert handed, f"no room moved while live before the kill: {trails}"
        print(f"\n{len(handed)} rooms handed over by rebalances before the kill (worst "
              f"{max(handover_times, default=0):.1f} s), {len(moved)} moved after SIGKILL; resumed in {recovery:.1f} s "
              f"(session timeout {SESSION_MS / 1000:.0f} s); sent {sent_total}, delivered {sent_total - lost_total}, "
              f"duplicated 0, lost in the kill window: {lost_total}")
    finally:
        for c in colls:
            c.stop(signal.SIGKILL)
        sim.stop()


MANY_ROOMS = [f"@simhost{i}" for i in range(120)]


def collectors_joining_and_leaving(prefix):
    """(Run by the fault suite: test_faults.py.) Seven rebalances (three collectors at most, joining and leaving with
    SIGTERM) over 120 rooms at 2 messages/s each: every message the
    simulator sent is in Kafka exactly once. Each step waits (bounded) until
    the group has settled: every room collected once, by one collector."""
    sim = Sim("--rooms", str(len(MANY_ROOMS)), "--rate", "2", "--seed", "23", "--quiet", "--broadcast")
    colls = {}
    steps = [("join", "h1"), ("join", "h2"), ("leave", "h1"), ("join", "h3"), ("leave", "h0"), ("join", "h4"),
             ("leave", "h2")]
    handover_times, left = [], []
    try:
        colls["h0"] = GroupCollector(sim, prefix, "h0", rooms=MANY_ROOMS)
        wait_for(lambda: settled(sim, colls.values(), MANY_ROOMS), 120, "120 rooms collected by h0")
        for action, name in steps:
            if action == "join":
                colls[name] = GroupCollector(sim, prefix, name, rooms=None)
                wait_for(lambda: colls[name].owned(), 120, f"{name} given rooms")
            else:
                c = colls.pop(name)
                assert c.stop() == 0, c.text()[-3000:]
                handover_times += c.handover_times()
                left.append(c)
            wait_for(lambda: settled(sim, colls.values(), MANY_ROOMS), 120, f"the group settled after {name} {action}")
        # the metrics of the two that stay: h3 handed rooms to h4 when h4 joined,
        # both held rooms' events while h0 and h2 finished theirs
        metrics = [c.metrics() for c in colls.values()]
        assert sum(m["handovers_completed_total"] for m in metrics) > 0, metrics
        assert sum(m["handover_holds_total"] for m in metrics) > 0, metrics
        assert sum(m["handover_events_released_total"] for m in metrics) > 0, metrics
        assert sum(m["handovers_timed_out_total"] + m["handover_holds_timed_out_total"] for m in metrics) == 0, metrics
        sim.freeze()
        handover_times += [t for c in colls.values() for t in c.handover_times()]
        for c in list(colls.values()):
            assert c.stop(at_once=True) == 0, c.text()[-3000:]
        colls = {}

        stats = sim.rooms()
        records = read_back(prefix, sum(r["sent"] for r in stats.values()))
        trails = live_trails(records, MANY_ROOMS)
        result = losses(sim, records, MANY_ROOMS)
        sent = sum(s for s, _, _ in result.values())
        lost = {room: n for room, (_, n, _) in result.items() if n}
        dupes = {room: n for room, (_, _, n) in result.items() if n}
        moves = sum(len(t) - 1 for t in trails.values())
        timed_out = sum(c.text().count("handover timed out") for c in left)
        print(f"\n{len(MANY_ROOMS)} rooms, {len(steps)} rebalances, {moves} room moves, "
              f"{len(handover_times)} handovers (worst {max(handover_times, default=0):.1f} s, {timed_out} timed out); "
              f"sent {sent}, lost {sum(lost.values())} in {len(lost)} rooms, duplicated {sum(dupes.values())}")
        assert moves >= len(MANY_ROOMS), f"only {moves} room moves: the rebalances did not move rooms"
        assert not lost, f"lost messages: {dict(list(lost.items())[:10])} (trails {[trails[r] for r in list(lost)[:3]]})"
        assert not dupes, f"duplicated messages: {dict(list(dupes.items())[:10])}"
    finally:
        for c in colls.values():
            c.stop(signal.SIGKILL)
        sim.stop()


def test_a_handover_ends_at_its_deadline_when_the_new_owner_cannot_connect(prefix):
    """The new owner's push connections are refused (TikTok's handshake
    refusal): the old owner collects the room until group.handover_timeout_s,
    then ends it [reassigned] and counts the handover as timed out; the new
    owner, once it can connect, collects it, and Kafka holds nothing twice."""
    rooms = [f"@simhost{i}" for i in range(8)]  # some of them move when t1 joins
    sim = Sim("--rooms", "8", "--rate", "3", "--seed", "29", "--quiet", "--broadcast")
    colls = []
    try:
        extra = ("--set", "group.handover_timeout_s=3")
        colls = [GroupCollector(sim, prefix, "t0", rooms=rooms, extra=extra)]
        wait_for(lambda: settled(sim, colls, rooms), 60, "the rooms collected by t0")
        for room in rooms:  # every new connection refused from now on
            sim.fault(room[1:], refuse_first=100000)
        colls.append(GroupCollector(sim, prefix, "t1", rooms=None, extra=extra))
        def all_timed_out():
            m = colls[0].metrics()
            return m["handovers_started_total"] > 0 and m["handovers_timed_out_total"] == m["handovers_started_total"]

        wait_for(all_timed_out, 60, "every handover of t0 at its deadline")
        for room in rooms:
            sim.fault(room[1:], refuse_first=0)
        wait_for(lambda: settled(sim, colls, rooms), 60, "the moved rooms collected by t1")
        timed_out = r"room (@\S+) \d+: handover timed out \(the new owner was not live\) after ([\d.]+) s"
        given = re.findall(timed_out, colls[0].text())
        assert given and all(3.0 <= float(t) < 10.0 for _, t in given), given
        assert "handover done" not in colls[0].text()
        assert colls[0].metrics()["handovers_timed_out_total"] == len(given)
        assert colls[0].metrics()["handovers_completed_total"] == 0
        assert f"room {given[0][0]}" in colls[0].text() and "ended [reassigned]" in colls[0].text()
        # a rebalance can assign a room to t1 seconds after t0's revoke: if t1
        # started it before t0 ended it, t1 held it until t0's end (not to its
        # own deadline, not never), so its window was refreshed with t0's last
        # records before it could connect
        for room, _ in given:
            started = re.search(rf"^(\S+) info  livetap-collector: room {room}: resolving", colls[1].text(), re.M)
            ended = re.search(rf"^(\S+) info  livetap-collector: room {room} \d+: ended \[reassigned\]",
                              colls[0].text(), re.M)
            if started and ended and started[1] < ended[1]:
                def released():
                    return re.findall(rf"room {room} \d+: hold for \S+ released after [\d.]+ s(.*?):",
                                      colls[1].text())

                wait_for(released, 20, f"t1's hold of {room} released")
                assert released() == [""], (room, released(), room_log(colls, room))
        sim.freeze()
        for c in colls:
            assert c.stop(at_once=True) == 0, c.text()[-3000:]
        colls = []
        stats = sim.rooms()
        records = read_back(prefix, sum(r["sent"] for name, r in stats.items()
                                        if f"@{name}" not in {g for g, _ in given}))
        for room, (sent, lost, dupes) in losses(sim, records, rooms).items():
            assert not dupes, f"{room}: {dupes} duplicated"
            if room not in {g for g, _ in given}:
                assert not lost, f"{room} did not move but lost {lost}"
    finally:
        for c in colls:
            c.stop(signal.SIGKILL)
        sim.stop()


def test_a_hold_that_outgrows_its_bound_publishes_early_and_loses_nothing(prefix):
    """group.handover_hold_events=3: the new owner holds at most 3 events of
    a room while the old one finishes; older ones are published at once
    (counted). Nothing is lost; what is duplicated is at most what was
    published early (the old owner may have published it too)."""
    rooms = [f"@simhost{i}" for i in range(8)]
    sim = Sim("--rooms", "8", "--rate", "20", "--seed", "31", "--quiet", "--broadcast")
    colls = []
    try:
        extra = ("--set", "group.handover_hold_events=3")
        colls = [GroupCollector(sim, prefix, "o0", rooms=rooms, extra=extra)]
        wait_for(lambda: settled(sim, colls, rooms), 60, "the rooms collected by o0")
        colls.append(GroupCollector(sim, prefix, "o1", rooms=None, extra=extra))
        wait_for(lambda: colls[1].owned() and settled(sim, colls, rooms), 60, "the moved rooms collected by o1")
        m = colls[1].metrics()
        assert m["handover_holds_total"] > 0 and m["handover_hold_overflow_total"] > 0, m
        assert "held events outgrew the bound" in colls[1].text()
        sim.freeze()
        for c in colls:
            assert c.stop(at_once=True) == 0, c.text()[-3000:]
        colls = []
        records = read_back(prefix, sum(r["sent"] for r in sim.rooms().values()))
        result = losses(sim, records, rooms)
        assert not {room: lost for room, (_, lost, _) in result.items() if lost}, result
        dupes = sum(d for _, _, d in result.values())
        assert dupes <= m["handover_hold_overflow_total"], (dupes, m)
        print(f"\nhold bound 3: {m['handover_hold_overflow_total']:.0f} events published early, "
              f"{m['handover_events_released_total']:.0f} held events published in all, {dupes} duplicated, 0 lost")
    finally:
        for c in colls:
            c.stop(signal.SIGKILL)
        sim.stop()


def test_admin_api_writes_the_control_topic_and_bad_records_are_skipped(prefix):
    sim = Sim("--rooms", "2", "--rate", "5", "--seed", "3", "--quiet")
    coll = None
    try:
        coll = GroupCollector(sim, prefix, "solo", rooms=["@simhost0", "@simhost1"])
        wait_for(lambda: all_collected_once(sim), 60, "both rooms collected")
        # DELETE through the admin API: a tombstone in the control topic, the owner stops the room
        assert coll.admin("DELETE", "/rooms/%40simhost1")[0] == 202
        wait_for(lambda: sim.rooms()["simhost1"]["open"] == 0, 20, "the removed room stopped")
        assert sim.rooms()["simhost0"]["open"] == 1
        assert "room @simhost1 7400000000000000001: ended [removed]" in coll.text()
        status, rooms = coll.admin("GET", "/rooms")
        assert status == 200 and [r["input"] for r in rooms] == ["@simhost0"], rooms
        # garbage in the control topic is counted and skipped
        p = control_producer()
        p.produce(f"{prefix}.rooms", key=b"not a room!", value=b"{}")
        p.produce(f"{prefix}.rooms", key=b"@simhost1", value=b"not json")
        p.flush(10)
        wait_for(lambda: "skipped" in coll.text(), 20, "the bad control records logged")
        assert sim.rooms()["simhost1"]["open"] == 0
        # POST (any spelling) writes a value: the room starts again
        status, body = coll.admin("POST", "/rooms", {"room": "https://www.tiktok.com/@SimHost1/live"})
        assert status == 202 and body["room"] == "@simhost1", body
        wait_for(lambda: sim.rooms()["simhost1"]["open"] == 1, 20, "the room started again")
        assert coll.admin("POST", "/rooms", {"room": "not a room!"})[0] == 400
        assert coll.stop() == 0
        coll = None
    finally:
        if coll:
            coll.stop(signal.SIGKILL)
        sim.stop()


def test_a_rooms_file_in_group_mode_goes_to_the_control_topic(prefix):
    from confluent_kafka.admin import AdminClient

    sim = Sim("--rooms", "3", "--rate", "5", "--seed", "5", "--quiet")
    coll = None
    try:
        path = os.path.join(sim.dir, "rooms.txt")
        with open(path, "w") as f:
            f.write("# rooms of the group\n@simhost1  # one\n\n@simhost2\n")
        coll = GroupCollector(sim, prefix, "filed", rooms=["@simhost0"], extra=("--rooms-file", path))
        wait_for(lambda: all_collected_once(sim) and len(sim.rooms()) == 3, 60, "the three rooms collected")
        status, rooms = coll.admin("GET", "/rooms")
        assert status == 200 and sorted(r["input"] for r in rooms) == ["@simhost0", "@simhost1", "@simhost2"], rooms
        md = AdminClient({"bootstrap.servers": BOOTSTRAP}).list_topics(f"{prefix}.rooms", timeout=10)
        assert len(md.topics[f"{prefix}.rooms"].partitions) == 120
        assert coll.stop() == 0
        coll = None
    finally:
        if coll:
            coll.stop(signal.SIGKILL)
        sim.stop()


def test_restarted_standalone_collector_publishes_nothing_twice(prefix, lookback="120"):
    """The first run publishes; traffic stops; a second process reconnects
    and the simulator re-sends the room's last 8 messages, which the first
    run already published. The new process seeds its windows from Kafka."""
    from test_collector import Collector

    sim = Sim("--rooms", "2", "--rate", "30", "--seed", "5", "--quiet")
    coll = None
    try:
        for room in ("simhost0", "simhost1"):
            sim.fault(room, resend=8)
        extra = ("--set", f"kafka.dedupe_lookback_s={lookback}")
        coll = Collector(sim, prefix, ["@simhost0", "@simhost1"], *extra)
        wait_for(lambda: all(r["sent"] >= 60 and r["open"] == 1 for r in sim.rooms().values()), 60,
                 "60 messages per room")
        sim.freeze()
        rc, log = coll.stop()
        assert rc == 0, log[-3000:]
        coll = Collector(sim, prefix, ["@simhost0", "@simhost1"], *extra)
        wait_for(lambda: all(r["resent"] >= 8 for r in sim.rooms().values()), 60, "the re-sent messages")
        time.sleep(2)
        rc, log = coll.stop()
        coll = None
        assert rc == 0, log[-3000:]
        stats = sim.rooms()
        records = read_back(prefix, sum(r["sent"] for r in stats.values()))
        dupes = 0
        for room in ("simhost0", "simhost1"):
            sent = sim.sent(room)
            got = collections.Counter(r["value"]["msg_id"] for r in records if r["key"] == sent["room_id"]
                                      and r["topic"] != "room_status" and r["value"]["msg_id"] != 0)
            assert set(got) == set(sent["msg_ids"]), f"{room}: lost or foreign msg_ids"
            dupes += sum(n - 1 for n in got.values())
        if lookback == "0":
            return dupes
        assert dupes == 0, f"{dupes} records published twice after the restart"
        assert "already in Kafka will not be published again" in log
    finally:
        if coll:
            coll.stop()
        sim.stop()


def test_without_seeding_a_restart_does_publish_twice(prefix):
    """The control for the test above: with kafka.dedupe_lookback_s=0 the
    same restart puts the re-sent messages into Kafka a second time."""
    assert test_restarted_standalone_collector_publishes_nothing_twice(prefix, lookback="0") >= 8
