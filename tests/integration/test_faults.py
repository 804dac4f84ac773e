"""Fault injection: real processes broken for real (issue 7).

Every test runs livetap-sim (recording the msg_ids it sent), the collector
pointed at it and a real Kafka broker, breaks something - a broker SIGKILLed
and restarted on the same port and data, a broker gone longer than the
collector's buffer allows, the schema registry missing or killed, a sign
server answering 429, push WebSockets cut again and again, SIGTERM under load,
livetap-bigo SIGKILLed mid-batch, group collectors joining and leaving again and
again - and then compares what the simulator says it sent with what Kafka holds, by
(room, msg_id): delivered, duplicated, lost. The sidecar case compares what
each WebSocket client received with what Kafka holds for its room. Brokers and registries that a
test kills are private ones (conftest's private_kafka / private_registry);
the shared ones are only ever read and written.

Durations are scaled for CI (the file stays within a few minutes on 2 cores);
the environment makes a longer run:
  LT_FAULT_ROOMS      simulated rooms in the broker-restart test (20)
  LT_FAULT_RATE       messages/s per room there (20)
  LT_FAULT_OUTAGE_S   how long brokers stay dead (20)
  LT_FAULT_RUN_S      how long the other faults play (12)
  LT_FAULT_REPORT     append one JSON line per test (the numbers of
                      docs/reliability.md's table) to this file
"""
import collections
import datetime
import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import (BOOTSTRAP, REGISTRY, Collector, RegistryDecoder, Sim, binary, consume_to_end, event_types,
                      free_port, stop_process, wait_for)

pytestmark = pytest.mark.faults

ROOMS = int(os.environ.get("LT_FAULT_ROOMS", "20"))
RATE = int(os.environ.get("LT_FAULT_RATE", "20"))
OUTAGE_S = float(os.environ.get("LT_FAULT_OUTAGE_S", "20"))
RUN_S = float(os.environ.get("LT_FAULT_RUN_S", "12"))

SUMMARY = re.compile(r"stopped: (\d+) events published, (\d+) duplicates removed, (\d+) publish errors, (\d+) given up "
                     r"under backpressure, (\d+) bad frames, (\d+) reconnects, (\d+) sign calls; (\d+) failed delivery, "
                     r"(\d+) not acknowledged")
GAVE_UP = re.compile(r"gave up an event after \d+ ms of Kafka backpressure[^(]*\(room (\S+), (\w+), msg_id (\d+)\)")
# past 200 itemised lines in 10 s the rest is one line with the count
GAVE_UP_UNTOLD = re.compile(r"gave up (\d+) more event\(s\) under Kafka backpressure, not itemised")


def summary(log):
    """The collector's last line as a dict (it must be there: a clean exit)."""
    m = SUMMARY.search(log)
    assert m, "no exit summary in the log:\n" + log[-2000:]
    keys = ["published", "duplicates", "publish_errors", "given_up", "bad_frames", "reconnects", "sign_calls",
            "failed_delivery", "not_acknowledged"]
    return dict(zip(keys, map(int, m.groups())))


def reading_paused(log):
    """Whether the collector's reading is paused for Kafka backpressure now:
    its last pause line comes after its last resume line. (Waiting for a
    pause line written after the kill missed a pause that began just before
    the kill and lasted through it: a CI run timed out on that.)"""
    return log.rfind("Kafka queue full: reading paused") > log.rfind("reading resumed")


def reading_flowing(log, seconds):
    """Whether reading has not been paused for backpressure for `seconds`:
    not paused now, and the last pause line older than that."""
    if reading_paused(log):
        return False
    last = None
    for line in log.splitlines():
        if "Kafka queue full: reading paused" in line:
            last = line
    if last is None:
        return True
    stamp = datetime.datetime.strptime(last.split()[0], "%Y-%m-%dT%H:%M:%S.%fZ")
    return time.time() - stamp.replace(tzinfo=datetime.timezone.utc).timestamp() >= seconds


def log_time(log, needle):
    """The time (epoch s) of the first log line containing `needle`, or None."""
    for line in log.splitlines():
        if needle in line:
            stamp = datetime.datetime.strptime(line.split()[0], "%Y-%m-%dT%H:%M:%S.%fZ")
            return stamp.replace(tzinfo=datetime.timezone.utc).timestamp()
    return None


def rooms_of(n):
    return [f"@simhost{i}" for i in range(n)]


def read_back(prefix, expected, bootstrap=None, decoder=None):
    """Every record under the prefix, decoded: dicts with topic, key, value
    and the record's timestamp. Reads each partition to the end it has now
    (call it once the producers are stopped); `expected` (the records the
    simulator sent) is a floor checked by the callers' tallies."""
    decoder = decoder or RegistryDecoder(REGISTRY)
    out = []
    for topic, key, value, _, ts in consume_to_end([f"{prefix}.{t}" for t in event_types()], timeout=90,
                                                   bootstrap=bootstrap, timestamps=True):
        _, record = decoder.decode(value)
        out.append({"topic": topic[len(prefix) + 1:], "key": key.decode(), "value": record, "ts": ts})
    return out


def tally(records, sim, n_rooms):
    """Compares the simulator's msg_ids with Kafka's, room by room."""
    t = collections.Counter()
    missing, dupes, extra = {}, {}, {}
    for i in range(n_rooms):
        sent = sim.sent(f"simhost{i}")
        room_id, ids = sent["room_id"], set(sent["msg_ids"])
        got = collections.Counter(r["value"]["msg_id"] for r in records
                                  if r["key"] == room_id and r["topic"] != "room_status" and r["value"]["msg_id"])
        t["sent"] += len(ids)
        t["delivered"] += len(ids & set(got))
        t["duplicated"] += sum(n - 1 for n in got.values() if n > 1)
        t["lost"] += len(ids - set(got))
        if ids - set(got):
            missing[room_id] = sorted(ids - set(got))
        if any(n > 1 for n in got.values()):
            dupes[room_id] = sorted(m for m, n in got.items() if n > 1)
        if set(got) - ids:
            extra[room_id] = sorted(set(got) - ids)
    return t, missing, dupes, extra


def assert_exactly_once(t, missing, dupes, extra):
    assert not extra, f"msg_ids in Kafka the simulator never sent: { {k: v[:5] for k, v in extra.items()} }"
    assert not dupes, f"{t['duplicated']} duplicates in Kafka: { {k: v[:5] for k, v in dupes.items()} }"
    assert not missing, f"{t['lost']} of {t['sent']} sent msg_ids missing: { {k: v[:5] for k, v in missing.items()} }"


def statuses(records, room):
    """A room's room_status events, by time."""
    return sorted((r["value"] for r in records if r["topic"] == "room_status" and r["value"]["input"] == room),
                  key=lambda v: v["event_time"])


def report(fault, t, recovery, **notes):
    """One row of docs/reliability.md's table: printed, and appended to
    $LT_FAULT_REPORT when set."""
    row = {"fault": fault, "sent": t["sent"], "delivered": t["delivered"], "duplicated": t["duplicated"],
           "lost": t["lost"], "recovery": recovery, **notes}
    print("FAULT-REPORT", json.dumps(row))
    path = os.environ.get("LT_FAULT_REPORT")
    if path:
        with open(path, "a") as f:
            f.write(json.dumps(row) + "\n")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def traffic_everywhere(sim, coll, minimum, timeout=120):
    """Waits until every simulated room has sent `minimum` messages to the
    collector; fails at once, with its log, if the collector exits first."""
    def ready():
        assert coll.proc.poll() is None, "the collector exited:\n" + coll.logs()[-3000:]
        return all(r["sent"] >= minimum for r in sim.rooms().values())
    wait_for(ready, timeout, f"{minimum} messages sent in every room")


def hold(seconds, coll, sim=None, sample=None):
    """Lets `seconds` pass while checking that the collector keeps running;
    `sample()` is called every 0.5 s. Returns the simulator's total sent
    before and after."""
    before = sum(r["sent"] for r in sim.rooms().values()) if sim else 0
    end = time.time() + seconds
    while time.time() < end:
        assert coll.proc.poll() is None, "the collector exited:\n" + coll.logs()[-3000:]
        if sample:
            sample()
        time.sleep(0.5)
    after = sum(r["sent"] for r in sim.rooms().values()) if sim else 0
    return before, after


@pytest.fixture
def procs():
    """Sims and collectors a test starts, stopped whatever happens. The tail
    of each collector's log is printed at the end (pytest shows it when the
    test failed)."""
    started = []
    yield started
    for p in started:
        if isinstance(p, Collector):
            print("---- %s (last 60 lines)\n%s" % (p.log_path, "\n".join(open(p.log_path).read().splitlines()[-60:])))
    for p in reversed(started):
        if isinstance(p, Collector):
            if p.proc.poll() is None or not p.log.closed:
                p.stop(signal.SIGKILL)
        else:
            p.stop()


def start(procs, proc):
    procs.append(proc)
    return proc


class HealthPoller:
    """GETs the collector's /healthz every 50 ms on a thread of its own
    (bounded by stop()); longest() is the slowest answer, in seconds."""

    def __init__(self, coll):
        import urllib.request
        m = wait_for(lambda: re.search(r"admin API on http://\S+:(\d+)/", coll.logs()), 30, "the admin port")
        self.url = "http://127.0.0.1:%s/healthz" % m.group(1)
        self.times, self.done = [], threading.Event()
        self.open = urllib.request.urlopen
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.done.is_set():
            t0 = time.monotonic()
            try:
                self.open(self.url, timeout=10).read()
                self.times.append(time.monotonic() - t0)
            except OSError:
                self.times.append(float("inf"))
            self.done.wait(0.05)

    def stop(self):
        self.done.set()
        self.thread.join()
        return max(self.times), len(self.times)


@pytest.mark.kafka_properties({"log.message.timestamp.type": "LogAppendTime"})
def test_broker_sigkill_and_restart(prefix, private_kafka, procs):
    """SIGKILL the broker for OUTAGE_S while ROOMS rooms stream, restart it
    on the same port and data: the collector keeps reading (librdkafka
    buffers), never exits, delivers everything exactly once afterwards."""
    kafka = private_kafka
    sim = start(procs, Sim("--rooms", str(ROOMS), "--rate", str(RATE), "--seed", "21", "--quiet"))
    coll = start(procs, Collector(sim, prefix, rooms_of(ROOMS), bootstrap=kafka.bootstrap))
    traffic_everywhere(sim, coll, 2 * RATE)
    killed_at = time.time()
    kafka.kill()
    before, after = hold(OUTAGE_S, coll, sim)
    assert after - before > RATE * ROOMS * OUTAGE_S / 4, "the collector stopped reading while Kafka was down"
    restart_at = time.time()
    kafka.start()
    ready_at = time.time()
    wait_for(lambda: "records delivered again" in coll.logs(), 60, "the collector to deliver again")
    hold(3, coll)
    sim.freeze()
    rc, log = coll.stop()
    assert rc == 0, log[-3000:]
    s = summary(log)
    assert s["not_acknowledged"] == 0 and s["given_up"] == 0 and s["publish_errors"] == 0, s
    assert "kafka: " in log[log.index("collecting into"):], "the outage left no trace in the log"

    records = read_back(prefix, sum(r["sent"] for r in sim.rooms().values()), bootstrap=kafka.bootstrap)
    t, missing, dupes, extra = tally(records, sim, ROOMS)
    assert_exactly_once(t, missing, dupes, extra)
    # the rooms never noticed: one connection each, live all along
    for name, r in sim.rooms().items():
        assert r["connections"] == 1, (name, r)
        trail = [(v["state"], v["reason"]) for v in statuses(records, "@" + name)]
        assert trail[:3] == [("resolving", None), ("connecting", None), ("live", None)], trail
        assert trail[3:] == [("ended", "shutdown")], trail
    # what was read during the outage was appended after the restart
    during = [r for r in records if killed_at * 1000 < r["value"]["ingest_time"] < restart_at * 1000
              and r["topic"] != "room_status"]
    assert len(during) > RATE * ROOMS * OUTAGE_S / 4
    assert all(r["ts"] >= restart_at * 1000 for r in during)
    first_after = min(r["ts"] for r in records if r["ts"] >= killed_at * 1000) / 1000
    recovery = first_after - ready_at
    report("Kafka broker SIGKILL %.0f s, restart (same port, data); %d rooms x %d msg/s" % (OUTAGE_S, ROOMS, RATE), t,
           "%.1f s (broker ready -> first record); restart to ready %.1f s" % (recovery, ready_at - restart_at),
           backlog=len(during))
    assert recovery < 30, f"{recovery:.1f} s from a ready broker to the first record"


def test_broker_down_beyond_the_buffer(prefix, private_kafka, procs):
    """A broker gone longer than a small local queue and backpressure_wait_ms
    allow: reading pauses (TCP pushes back on the rooms), memory stays
    bounded, after the wait events are given up - each one logged and
    counted - and nothing else is lost."""
    kafka = private_kafka
    n = 5
    sim = start(procs, Sim("--rooms", str(n), "--rate", "50", "--seed", "22", "--quiet"))
    coll = start(procs, Collector(sim, prefix, rooms_of(n), "--property", "queue.buffering.max.messages=300",
                                  "--property", "queue.buffering.max.kbytes=256",
                                  "--set", "kafka.backpressure_wait_ms=2000", bootstrap=kafka.bootstrap))
    traffic_everywhere(sim, coll, 100)
    # the start's own episodes over (topic creation, the producer's PID): an
    # episode that began just before the kill could end with its records
    # taken, and then nothing more is read, so nothing is given up (a CI run)
    wait_for(lambda: reading_flowing(coll.logs(), 2), 60, "reading unpaused for 2 s")
    base = rss_kib(coll.proc.pid)
    peak = [base]
    health = HealthPoller(coll)  # the loop never waits on Kafka: the admin API answers throughout
    kafka.kill()
    killed_at = time.time()
    mark = len(coll.logs())  # the log from the kill on (a first pause may come with topic creation)
    wait_for(lambda: reading_paused(coll.logs()), 30, "backpressure")
    # after backpressure_wait_ms what is already read and does not fit is given up at once...
    wait_for(lambda: "gave up an event" in coll.logs()[mark:], 10, "events given up after backpressure_wait_ms")
    time.sleep(1)  # a fixed look: what is given up in the next OUTAGE_S must be nothing
    given_up_early = len(GAVE_UP.findall(coll.logs()))
    hold(OUTAGE_S, coll, sample=lambda: peak.append(rss_kib(coll.proc.pid)))
    # ...and then nothing more: reading stays paused, the rest waits in the sockets
    assert len(GAVE_UP.findall(coll.logs())) == given_up_early, "the collector kept reading and dropping"
    kafka.start()
    back_at = time.time()
    wait_for(lambda: "reading resumed" in coll.logs()[mark:], 60, "reading to resume")
    resumed_at = log_time(coll.logs()[mark:], "reading resumed")
    slowest_health, health_calls = health.stop()
    assert slowest_health < 1.0, f"/healthz took {slowest_health:.2f} s during the outage ({health_calls} calls)"
    hold(3, coll)
    sim.freeze()
    rc, log = coll.stop()
    s = summary(log)
    assert rc == 1, "events were given up: the exit status must say so"
    given_up = {(m.group(1), int(m.group(3))) for m in GAVE_UP.finditer(log)}
    untold = sum(int(m.group(1)) for m in GAVE_UP_UNTOLD.finditer(log))
    assert s["given_up"] == len(GAVE_UP.findall(log)) + untold > 0, (s, untold)
    assert s["not_acknowledged"] == 0, s

    records = read_back(prefix, sum(r["sent"] for r in sim.rooms().values()), bootstrap=kafka.bootstrap)
    t, missing, dupes, extra = tally(records, sim, n)
    assert not dupes and not extra, (dupes, extra)
    lost = {(room, m) for room, ids in missing.items() for m in ids}
    # nothing silently dropped: every missing msg_id was logged as given up
    # (one by one; beyond the bound of a flood, counted: then they are at most that many)
    if untold:
        assert {g for g in given_up if g[1] != 0} <= lost and len(lost) <= s["given_up"], (len(lost), s)
    else:
        assert lost == {g for g in given_up if g[1] != 0}, (sorted(lost)[:10], sorted(given_up)[:10])
    growth_mib = (max(peak) - base) / 1024
    assert growth_mib < 32, f"RSS grew {growth_mib:.1f} MiB while Kafka was down"
    report("Kafka broker down %.0f s > buffer (queue 300 msgs/256 KiB, backpressure_wait_ms 2000); %d rooms x 50 msg/s"
           % (OUTAGE_S, n), t,
           "%.1f s (broker ready -> reading resumed)" % (resumed_at - back_at),
           given_up=s["given_up"], rss_base_mib=round(base / 1024, 1), rss_peak_mib=round(max(peak) / 1024, 1),
           slowest_healthz_s=round(slowest_health, 3), healthz_calls=health_calls,
           paused_after_s=round((log_time(log[mark:], "reading paused") or killed_at) - killed_at, 1))


def test_repeated_rebalances_lose_and_duplicate_nothing(prefix):
    """Collectors of a group joining and leaving again and again (seven
    rebalances over 120 live rooms, SIGTERM leaves): every room moved is
    handed over make-before-break, and every message the simulator sent is
    in Kafka exactly once: 0 lost, 0 duplicated (the scenario and its checks
    live with the group tests, test_collector_group.py)."""
    from test_collector_group import collectors_joining_and_leaving

    collectors_joining_and_leaving(prefix)


def test_registry_down_at_start(prefix, procs):
    """No registry at start: the collector refuses to start (exit 2) with a
    message naming the registry, instead of producing data nobody can read."""
    url = f"http://127.0.0.1:{free_port()}/apis/ccompat/v7"
    sim = start(procs, Sim("--rooms", "1", "--rate", "10", "--quiet"))
    t0 = time.time()
    coll = start(procs, Collector(sim, prefix, ["@simhost0"], registry=url))
    rc = coll.proc.wait(60)
    took = time.time() - t0
    log = coll.logs()
    assert rc == 2, log
    assert "cannot start" in log and "registry" in log and url.split("/apis")[0] in log, log
    assert sim.rooms()["simhost0"]["connections"] == 0, "rooms were started without a registry"
    report("Schema registry down at start", collections.Counter(), "refuses: exit 2 after %.1f s" % took)


def test_registry_killed_while_running(prefix, private_registry, procs):
    """The registry dies mid-run: the collector registered every subject at
    start and cached the ids, so publishing goes on untouched."""
    n = 5
    sim = start(procs, Sim("--rooms", str(n), "--rate", "30", "--seed", "23", "--quiet"))
    coll = start(procs, Collector(sim, prefix, rooms_of(n), registry=private_registry.url))
    traffic_everywhere(sim, coll, 60)
    # read the writer schemas now: the registry will be gone when we decode
    decoder = RegistryDecoder(private_registry.url)
    import requests
    for t in event_types():
        r = requests.get(f"{private_registry.url}/subjects/{prefix}.{t}-value/versions/latest", timeout=10)
        r.raise_for_status()
        decoder.schema(r.json()["id"])
    private_registry.kill()
    killed_at = time.time()
    before, after = hold(RUN_S, coll, sim)
    assert after - before > 30 * n * RUN_S / 2
    sim.freeze()
    rc, log = coll.stop()
    assert rc == 0, log[-3000:]
    assert summary(log)["not_acknowledged"] == 0
    records = read_back(prefix, sum(r["sent"] for r in sim.rooms().values()), decoder=decoder)
    t, missing, dupes, extra = tally(records, sim, n)
    assert_exactly_once(t, missing, dupes, extra)
    after_kill = sum(1 for r in records if r["value"]["ingest_time"] > killed_at * 1000)
    assert after_kill > 30 * n * RUN_S / 2
    report("Schema registry SIGKILL mid-run (%.0f s)" % RUN_S, t, "none needed (ids cached)", after_kill=after_kill)


@pytest.mark.kafka_properties({"auto.create.topics.enable": "false"})
def test_topics_that_do_not_exist(prefix, private_kafka, procs):
    """A cluster that does not create topics on first use (common in
    production) and librdkafka giving up on an unknown topic after 1 s (30 s
    by default: the same thing happens when a type is first seen during a
    broker outage longer than that - found by the sidecar fault test, which
    lost every record of such a type). The collector keeps the refused
    records, creates the topics and sends them again: everything arrives
    exactly once, nothing is counted as failed."""
    kafka = private_kafka
    n = 3
    sim = start(procs, Sim("--rooms", str(n), "--rate", "30", "--seed", "29", "--quiet"))
    coll = start(procs, Collector(sim, prefix, rooms_of(n), "--property", "topic.metadata.propagation.max.ms=1000",
                                  bootstrap=kafka.bootstrap))
    traffic_everywhere(sim, coll, 90)
    hold(3, coll)
    sim.freeze()
    rc, log = coll.stop()
    s = summary(log)
    assert rc == 0, log[-3000:]
    assert s["failed_delivery"] == 0 and s["not_acknowledged"] == 0 and s["publish_errors"] == 0, s
    assert "its records are kept" in log and "created topic" in log, log[-3000:]
    records = read_back(prefix, sum(r["sent"] for r in sim.rooms().values()), bootstrap=kafka.bootstrap)
    t, missing, dupes, extra = tally(records, sim, n)
    assert_exactly_once(t, missing, dupes, extra)
    created = sorted({line.split("created topic ")[1].split()[0] for line in log.splitlines() if "created topic " in line})
    report("Topics missing, broker auto-creation off; librdkafka gives up on an unknown topic after 1 s; %d rooms x 30 msg/s"
           % n, t, "records kept and sent again once the collector created the topic (%d topics)" % len(created))


def test_sign_server_429(prefix, procs):
    """Each room's first K sign calls answer 429 (Retry-After 2 s): rooms are
    rate_limited with the retry time, retry no sooner, go live once it ends,
    and the process-wide sign pace is kept."""
    n, k, per_minute, burst = 8, 3, 240, 3
    args = ["--rooms", str(n), "--rate", "20", "--seed", "24", "--quiet"]
    for i in range(n):
        args += ["--fault", f"simhost{i}:sign_429_first={k}"]
    sim = start(procs, Sim(*args))
    coll = start(procs, Collector(sim, prefix, rooms_of(n), "--set", f"sign.rate_per_minute={per_minute}",
                                  "--set", f"sign.burst={burst}"))
    samples = []

    def all_live():
        rooms = sim.rooms()
        samples.append((time.time(), sum(r["sign_calls"] for r in rooms.values())))
        return all(r["sign_429"] == k and r["connections"] == 1 for r in rooms.values())
    started = time.time()
    wait_for(all_live, 60, "every room past its 429s", interval=0.1)
    live_after = time.time() - started
    hold(3, coll)
    sim.freeze()
    rc, log = coll.stop()
    assert rc == 0, log[-3000:]
    records = read_back(prefix, sum(r["sent"] for r in sim.rooms().values()))
    t, missing, dupes, extra = tally(records, sim, n)
    assert_exactly_once(t, missing, dupes, extra)
    waits = []
    for i in range(n):
        trail = statuses(records, f"@simhost{i}")
        limited = [j for j, v in enumerate(trail) if v["state"] == "rate_limited"]
        assert len(limited) == k, trail
        for j in limited:
            v, nxt = trail[j], trail[j + 1]
            assert v["reason"] == "rate_limit_room_id_hour" and "retry later" in v["message"], v
            assert 1000 <= v["retry_at"] - v["event_time"] <= 3000, v
            assert nxt["state"] == "connecting" and nxt["event_time"] >= v["retry_at"] - 50, (v, nxt)
        live = [v for v in trail if v["state"] == "live"]
        assert len(live) == 1 and live[0]["event_time"] > trail[limited[-1]]["event_time"], trail
        waits.append((live[0]["event_time"] - trail[limited[0]]["event_time"]) / 1000)
    # the pace: over any stretch, at most the burst plus the rate (and one for sampling)
    rate = per_minute / 60
    for i, (ti, ci) in enumerate(samples):
        for tj, cj in samples[i + 1:]:
            assert cj - ci <= burst + rate * (tj - ti) + 1, f"{cj - ci} sign calls in {tj - ti:.2f} s"
    assert samples[-1][1] == n * (k + 1)
    report(f"Sign server 429 for the first {k} calls of each of {n} rooms (Retry-After 2 s; pace {per_minute}/min)", t,
           "%.1f s max (first 429 -> live)" % max(waits), sign_calls=samples[-1][1], all_live_after_s=round(live_after, 1))


def test_push_websocket_cut_repeatedly(prefix, procs):
    """Every push connection is closed after 20 frames (~2 s) and the next
    one re-sends the last 16 messages: no duplicate reaches Kafka, no gap."""
    n = 5
    args = ["--rooms", str(n), "--rate", "50", "--seed", "25", "--quiet"]
    for i in range(n):
        args += ["--fault", f"simhost{i}:disconnect_after=20", "--fault", f"simhost{i}:resend=16"]
    sim = start(procs, Sim(*args))
    coll = start(procs, Collector(sim, prefix, rooms_of(n)))
    wait_for(lambda: all(r["connections"] >= 2 for r in sim.rooms().values()), 60, "a first cut in every room")
    hold(RUN_S, coll)
    sim.freeze()
    rc, log = coll.stop()
    assert rc == 0, log[-3000:]
    s = summary(log)
    stats = sim.rooms()
    records = read_back(prefix, sum(r["sent"] for r in stats.values()))
    t, missing, dupes, extra = tally(records, sim, n)
    assert_exactly_once(t, missing, dupes, extra)
    resent = sum(r["resent"] for r in stats.values())
    cuts = sum(r["connections"] - 1 for r in stats.values())
    assert cuts >= n * 3 and resent >= cuts * 16 * 0.9, (cuts, resent)
    # every re-sent message was recognised and dropped, none slipped through
    assert s["duplicates"] == resent, (s, resent)
    gaps = 0
    reconnects = []
    for i in range(n):
        trail = statuses(records, f"@simhost{i}")
        for a, b in zip(trail, trail[1:]):
            if (a["state"], a["reason"]) == ("reconnecting", "closed"):
                nxt = next(v for v in trail[trail.index(a):] if v["state"] == "live")
                reconnects.append((nxt["event_time"] - a["event_time"]) / 1000)
        ids = sim.sent(f"simhost{i}")["msg_ids"]
        room_id = sim.sent(f"simhost{i}")["room_id"]
        got = sorted(r["value"]["msg_id"] for r in records if r["key"] == room_id and r["topic"] != "room_status"
                     and r["value"]["msg_id"])
        gaps += sum(1 for a, b in zip(got, got[1:]) if ids.index(b) != ids.index(a) + 1)
    assert gaps == 0
    assert len(reconnects) >= cuts - n
    reconnects.sort()
    report("Push WebSocket closed every 20 frames (~2 s), 16 msgs re-sent; %d rooms, %.0f s" % (n, RUN_S), t,
           "%.2f s median, %.2f s max (closed -> live)" % (reconnects[len(reconnects) // 2], reconnects[-1]),
           cuts=cuts, resent=resent, duplicates_removed=s["duplicates"], gaps=gaps)


def test_sigterm_under_load(prefix, procs):
    """SIGTERM while every room streams: the collector stops reading, flushes,
    exits 0 saying 0 not acknowledged, and Kafka has every event it counted."""
    n = 20
    sim = start(procs, Sim("--rooms", str(n), "--rate", "50", "--seed", "26", "--quiet"))
    coll = start(procs, Collector(sim, prefix, rooms_of(n)))
    traffic_everywhere(sim, coll, 150)
    hold(RUN_S / 2, coll)
    t0 = time.time()
    rc, log = coll.stop()
    took = time.time() - t0
    assert rc == 0, log[-3000:]
    s = summary(log)
    assert s["not_acknowledged"] == 0 and s["given_up"] == 0 and s["publish_errors"] == 0, s
    sim.freeze(settle=0)
    stats = sim.rooms()
    published = s["published"] + n * 4  # + room_status: resolving, connecting, live, ended
    records = read_back(prefix, published)
    assert len(records) == published, (len(records), s)
    t, missing, dupes, extra = tally(records, sim, n)
    assert not dupes and not extra, (dupes, extra)
    # the only difference is what the simulator wrote after the collector
    # stopped reading: the newest messages of a room, never one in between
    for room_id, ids in missing.items():
        newest = max(r["value"]["msg_id"] for r in records if r["key"] == room_id and r["topic"] != "room_status")
        assert min(ids) > newest, (room_id, ids[:5], newest)
    unread = t["lost"]
    t["sent"], t["lost"] = t["delivered"], 0  # the table counts what the collector took in
    report("SIGTERM under load (%d rooms x 50 msg/s)" % n, t,
           "exit in %.1f s, 0 not acknowledged" % took, published=s["published"], unread_at_exit=unread,
           sim_sent=sum(r["sent"] for r in stats.values()))


def test_sigterm_while_the_broker_is_down(prefix, private_kafka, procs):
    """SIGTERM with Kafka gone and reading paused: the collector does not
    wait out the outage; it exits within backpressure_wait_ms plus the flush
    bound, status 1, saying how many events it gave up and how many Kafka did
    not acknowledge - and Kafka, once back, holds no more than it counted."""
    kafka = private_kafka
    n, wait_ms, flush_ms = 5, 20000, 3000
    sim = start(procs, Sim("--rooms", str(n), "--rate", "50", "--seed", "27", "--quiet"))
    coll = start(procs, Collector(sim, prefix, rooms_of(n), "--property", "queue.buffering.max.messages=300",
                                  "--set", f"kafka.backpressure_wait_ms={wait_ms}",
                                  "--set", f"kafka.flush_timeout_ms={flush_ms}", bootstrap=kafka.bootstrap))
    traffic_everywhere(sim, coll, 100)
    kafka.kill()
    wait_for(lambda: reading_paused(coll.logs()), 30, "backpressure")
    t0 = time.time()
    rc, log = coll.stop()
    took = time.time() - t0
    assert took < flush_ms / 1000 + 5, f"SIGTERM took {took:.1f} s with Kafka down (backpressure_wait_ms {wait_ms})"
    assert rc == 1, log[-3000:]
    s = summary(log)
    assert s["not_acknowledged"] > 0 and f"{s['not_acknowledged']} events were not acknowledged" in log, s
    statuses_logged = len(re.findall(r"livetap-collector: room @simhost\d+ \d+: ", log))
    status_given_up = sum(1 for m in GAVE_UP.finditer(log) if m.group(2) == "room_status")
    counted = s["published"] + statuses_logged - status_given_up
    kafka.start()
    records = read_back(prefix, counted - s["not_acknowledged"], bootstrap=kafka.bootstrap)
    t, missing, dupes, extra = tally(records, sim, n)
    assert not dupes and not extra, (dupes, extra)
    # what Kafka did not acknowledge may or may not have reached the broker
    # before it died; nothing beyond what the collector counted is there
    assert counted - s["not_acknowledged"] <= len(records) <= counted, (len(records), counted, s)
    report("SIGTERM while the broker is down (reading paused; backpressure_wait_ms %d, flush_timeout_ms %d)"
           % (wait_ms, flush_ms), {"sent": counted, "delivered": len(records), "duplicated": t["duplicated"],
                                   "lost": counted - len(records)},
           "exit 1 in %.1f s" % took, given_up=s["given_up"], not_acknowledged=s["not_acknowledged"])


def admin_call(port_file, method, path, body=None):
    """(status, JSON, seconds) of an admin API call."""
    import urllib.error
    import urllib.request

    url = "http://127.0.0.1:%s%s" % (open(port_file).read().strip(), path)
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json"} if data else {})
    t0 = time.time()
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.load(r), time.time() - t0
    except urllib.error.HTTPError as e:
        return e.code, json.load(e), time.time() - t0


def test_a_room_added_in_group_mode_while_the_broker_is_down(prefix, private_kafka, procs):
    """Group mode writes an added room to the control topic and waited up to
    10 s for Kafka's acknowledgement, with the event loop (every room's
    heartbeats) blocked: once per request while Kafka was down. Now, while
    the latest evidence says no broker answers, the wait is 1 s and the
    answer (503) says Kafka is unreachable; with Kafka back a room is added
    as before."""
    kafka = private_kafka
    sim = start(procs, Sim("--rooms", "4", "--rate", "5", "--seed", "33", "--quiet"))
    port_file = os.path.join(sim.dir, "admin.port")
    coll = start(procs, Collector(sim, prefix, ["@simhost0"], "--group", "--admin-port-file", port_file,
                                  "--set", "group.session_timeout_ms=6000", bootstrap=kafka.bootstrap))
    wait_for(lambda: re.search(r"room @simhost0 \d+: live", coll.logs()), 60, "@simhost0 live")
    status, body, took = admin_call(port_file, "POST", "/rooms", {"room": "@simhost1"})
    assert status == 202, body
    kafka.kill()
    wait_for(lambda: admin_call(port_file, "GET", "/readyz")[0] == 503, 60, "/readyz to see Kafka gone")
    answers = []

    def fast_refusal():
        status, body, took = admin_call(port_file, "POST", "/rooms", {"room": "@simhost%d" % (2 + len(answers) % 2)})
        answers.append((status, round(took, 1), body.get("error", body)))
        return status == 503 and took < 3

    wait_for(fast_refusal, 45, "an add answered 503 within 3 s")
    assert "unreachable" in str(answers[-1][2]), answers
    # every answer while Kafka was down is a refusal, none a silent success
    assert all(a[0] == 503 for a in answers), answers
    assert coll.proc.poll() is None
    kafka.start()
    wait_for(lambda: admin_call(port_file, "POST", "/rooms", {"room": "@simhost3"})[0] == 202, 90,
             "an add accepted with Kafka back")
    rc, log = coll.stop()
    assert rc in (0, 1), log[-3000:]


class BigoStreamer:
    """BIGO's push service in a thread: sends `batches` (seqid, rooms) one
    after the other on one connection and, as BIGO does, re-sends a batch it
    got no 200 for with the same seqid and a higher retry_cnt, reconnecting
    and logging in again when the connection is gone. Remembers what became
    of each batch: attempts, answered (time), and every item it sent."""

    def __init__(self, url, batches, hold_after=None):
        self.url, self.batches = url, batches
        self.in_flight = None             # index of the batch waiting for its answer
        self.attempts = collections.Counter()
        self.answered = {}                # index -> time.time() of its 200
        self.failures = []                # (index, what happened) per attempt that got no 200
        self.hold_after = hold_after      # pause after this batch is answered until `resume` is set
        self.held, self.resume = threading.Event(), threading.Event()
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def sent_items(self):
        return {(room, int(i["data_seq"])) for _, rooms in self.batches for room, items in rooms.items() for i in items}

    def _connect(self):
        from bigo_sim import PushClient
        c = PushClient(self.url, timeout=30)
        assert c.login("bigoUser1", "213213", "inke")["data"]["code"] == 200
        return c

    def _run(self):
        from websockets.exceptions import ConnectionClosed, InvalidHandshake
        c = None
        try:
            for index, (seqid, rooms) in enumerate(self.batches):
                self.in_flight = index
                deadline = time.time() + 120
                while index not in self.answered:
                    assert time.time() < deadline, f"batch {seqid} not stored within 120 s: {self.failures}"
                    try:
                        c = c or self._connect()
                        reply = c.push(seqid, rooms, retry_cnt=self.attempts[index])
                        self.attempts[index] += 1
                        if reply["data"]["rescode"] == 200:
                            self.answered[index] = time.time()
                        else:
                            self.failures.append((index, reply["data"]["rescode"]))
                            time.sleep(0.2)
                    except (ConnectionClosed, InvalidHandshake, OSError, TimeoutError) as e:
                        if c is not None:  # the batch was sent (or was being sent) and got no answer
                            self.attempts[index] += 1
                            self.failures.append((index, type(e).__name__))
                            c.close()
                        c = None
                        time.sleep(0.1)
                self.in_flight = None
                if index == self.hold_after:
                    self.held.set()
                    self.resume.wait(120)
            if c:
                c.close()
        except Exception as e:  # reported by the test
            self.error = e


def bigo_records(prefix, expected):
    """(room, msg_id) -> copies, from the chat/gift/like records' key and
    msg_id header, and the number of room_status records: everything Kafka
    holds now (`expected`, what BIGO sent, is checked by the caller)."""
    got, statuses_seen = collections.Counter(), 0
    topics = [f"{prefix}.{t}" for t in ("chat", "gift", "like", "room_status", "unknown")]
    for topic, key, _, headers in consume_to_end(topics, timeout=90):
        if topic.endswith(".room_status"):
            statuses_seen += 1
        else:
            got[(key.decode(), int(headers["msg_id"]))] += 1
    return got, statuses_seen


@pytest.mark.parametrize("seed", [True, False], ids=["seeded", "control"])
def test_bigo_receiver_killed_mid_batch(prefix, procs, seed):
    """SIGKILL livetap-bigo while a batch is half in Kafka (some items
    acknowledged, no 200 sent), restart it on the same port: BIGO re-sends
    the batch with the same seqid, and the restarted receiver, whose ledger
    was seeded from the bigo_key headers of what Kafka holds, answers 200
    publishing only what was missing. Every item the simulator sent is in
    Kafka exactly once. linger.ms 1000 keeps the last partial Kafka batches
    of each push batch waiting a second: the window the kill aims at.
    The control (dedupe.seed false after the restart) shows what seeding
    prevents: every item of the batch already in Kafka is there twice."""
    from confluent_kafka import Consumer, TopicPartition
    from bigo_sim import Receiver, room_items

    rooms, per_room, n_batches, kill_at = ["anchorK0", "anchorK1", "anchorK2"], 400, 6, 2
    batches = [(f"k{b}", {room: room_items(b * 10000 + 1, per_room) for room in rooms}) for b in range(n_batches)]
    batch_size = len(rooms) * per_room
    port = free_port()
    settings = {"listen.port": port}
    slow = ["--set", "kafka.properties=linger.ms=1000", "--set", "kafka.properties=batch.num.messages=100"]

    def receiver():
        return start(procs, Receiver(binary("livetap-bigo"), prefix, BOOTSTRAP, REGISTRY, settings=settings,
                                     extra_args=slow))
    r1 = receiver()
    settings["dedupe.seed"] = str(seed).lower()  # for the restart
    sim = BigoStreamer(f"ws://127.0.0.1:{port}/bigo/push", batches, hold_after=kill_at)
    wait_for(lambda: 0 in sim.answered or sim.error, 60, "the first batch stored")
    assert not sim.error, sim.error

    # watch Kafka: which items of the batch in flight are there already
    consumer = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": "it-" + prefix, "enable.auto.commit": False,
                         "fetch.wait.max.ms": 10})
    topics = [f"{prefix}.{t}" for t in ("chat", "gift", "like")]
    meta = consumer.list_topics(timeout=10).topics
    consumer.assign([TopicPartition(t, p, 0) for t in topics for p in meta[t].partitions])
    in_kafka = collections.Counter()  # batch index -> items seen in Kafka
    killed_at, seen_at_kill = None, 0
    deadline = time.time() + 60
    while killed_at is None:
        assert time.time() < deadline and not sim.error, f"no batch caught mid-way: {sim.error} {sim.answered}"
        for m in consumer.consume(500, 0.05):
            if not m.error():
                in_kafka[int(dict(m.headers())["msg_id"]) // 10000] += 1
        if sim.in_flight == kill_at and kill_at not in sim.answered and 0 < in_kafka[kill_at] < batch_size:
            r1.proc.kill()
            killed_at = time.time()
            seen_at_kill = in_kafka[kill_at]
    r1.proc.wait()
    consumer.close()
    restart_at = time.time()
    r2 = receiver()
    up_at = time.time()
    assert sim.held.wait(120) and not sim.error, (sim.error, sim.failures)
    # what the restarted receiver did with BIGO's retry of the killed batch
    h = r2.health()
    retried_published = h["published"]
    sim.resume.set()
    sim.thread.join(180)
    assert not sim.thread.is_alive() and not sim.error, (sim.error, sim.failures)
    assert r2.stop() == 0, r2.logs()

    # truly mid-batch: unanswered at the kill, partly in Kafka, re-sent
    assert kill_at not in sim.answered or sim.answered[kill_at] > killed_at
    assert sim.attempts[kill_at] >= 2 and any(i == kill_at for i, _ in sim.failures), sim.failures
    assert 0 < seen_at_kill < batch_size
    sent = sim.sent_items()
    # (the control: at least what the test saw in Kafka at the kill comes twice)
    got, statuses_seen = bigo_records(prefix, len(sent) + len(rooms) + (0 if seed else len(rooms) + seen_at_kill))
    t = collections.Counter(sent=len(sent), delivered=len(sent & set(got)),
                            duplicated=sum(n - 1 for n in got.values()), lost=len(sent - set(got)))
    assert not set(got) - sent, "items in Kafka the simulator never sent"
    assert t["lost"] == 0, t
    if not seed:
        # in Kafka before the retry = what the retry published a second time
        twice = {k for k, n in got.items() if n > 1}
        assert twice and all(msg_id // 10000 == kill_at and n == 2 for (_, msg_id), n in got.items() if n > 1)
        assert seen_at_kill <= len(twice) < batch_size and h["seed"]["outcome"] == "off"
        assert statuses_seen == 2 * len(rooms) and t["duplicated"] == len(twice)
        print("CONTROL without seeding: %d of the killed batch's %d items published twice" % (len(twice), batch_size))
        return
    already = batch_size - retried_published  # in Kafka before the retry (seen by the seeding)
    assert seen_at_kill <= already < batch_size, (seen_at_kill, already)
    seed_info = h["seed"]
    assert seed_info["outcome"] == "complete", seed_info
    assert seed_info["keys"] == kill_at * batch_size + already + len(rooms), seed_info
    seed_s = float(re.search(r"seeded \d+ keys from \d+ records in ([\d.]+) s", r2.logs()).group(1))
    assert t["duplicated"] == 0, t
    assert statuses_seen == len(rooms), "room_status live published again after the restart"
    recovery = sim.answered[kill_at] - killed_at
    report("BIGO receiver (livetap-bigo) SIGKILLed mid-batch, restarted on the same port; %d batches x %d items, "
           "linger.ms 1000" % (n_batches, batch_size), t,
           "%.1f s kill -> the re-sent batch answered 200 (restart %.1f s, seeding %.1f s)"
           % (recovery, up_at - restart_at, seed_s),
           in_kafka_at_kill=already, seen_by_test_at_kill=seen_at_kill, republished_by_retry=retried_published,
           seeded_keys=seed_info["keys"], seeded_records=seed_info["records"], attempts=sim.attempts[kill_at])


class SidecarProc:
    """livetap-sidecar on a free port against a given broker; its output goes
    to a file (a pipe nobody reads would block it once full)."""

    def __init__(self, bootstrap, prefix, *args):
        self.dir = tempfile.mkdtemp(prefix="lt-sidecar-")
        self.log_path = os.path.join(self.dir, "sidecar.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([binary("livetap-sidecar"), "--port", "0", "--kafka", bootstrap, "--registry",
                                      REGISTRY, "--topic-prefix", prefix, *args], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        m = wait_for(lambda: self.proc.poll() is None and re.search(r"listening on http://127\.0\.0\.1:(\d+)/",
                                                                     self.logs()), 30, "the sidecar to listen")
        self.http = f"http://127.0.0.1:{m.group(1)}"
        self.ws = f"ws://127.0.0.1:{m.group(1)}"

    def logs(self):
        self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def readyz(self):
        import requests
        r = requests.get(self.http + "/readyz", timeout=5)
        return r.status_code, r.json()

    def metrics(self):
        import requests
        out = {}
        for line in requests.get(self.http + "/metrics", timeout=5).text.splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                out[name] = float(value)
        return out

    def stop(self, sig=signal.SIGTERM):
        rc = stop_process(self.proc, sig, timeout=20)
        if not self.log.closed:
            self.log.close()
        return rc


class WsClient(threading.Thread):
    """A real WebSocket client on its own thread, recording (arrival time,
    frame) until leave() or the server closes."""

    def __init__(self, url):
        super().__init__(daemon=True)
        self.url = url
        self.frames = []
        self.code = None        # close code sent by the server, if it closed
        self.error = None
        self.opened = threading.Event()
        self.leaving = threading.Event()
        self.resumed_at = None  # events() index a later connection resumed after
        self.start()
        assert self.opened.wait(15), f"could not connect to {url}: {self.error}"

    def run(self):
        import websockets
        from websockets.sync.client import connect
        try:
            with connect(self.url, max_size=None, open_timeout=10) as ws:
                self.opened.set()
                while not self.leaving.is_set():
                    try:
                        msg = ws.recv(timeout=0.3)
                    except TimeoutError:
                        continue
                    self.frames.append((time.time(), json.loads(msg)))
        except websockets.ConnectionClosed as e:
            self.code = e.rcvd.code if e.rcvd else -1
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.error = e

    def leave(self):
        self.leaving.set()
        self.join(10)

    def events(self):
        return [f for _, f in self.frames if f.get("source") != "sidecar"][:self.resumed_at]

    def notices(self):
        return [(t, f) for t, f in self.frames if f.get("source") == "sidecar"]

    def resume_from(self, back=0):
        """The cursor of the event `back` frames before the last; the frames
        after it are then the next connection's to receive."""
        events = self.events()
        self.resumed_at = len(events) - back
        return events[self.resumed_at - 1]["cursor"]


def frame_key(value):
    return (value["msg_id"], value["event_time"], value["ingest_time"])


@pytest.mark.kafka_properties({"log.message.timestamp.type": "LogAppendTime"})
def test_sidecar_while_the_broker_restarts(prefix, private_kafka, procs):
    """The broker under livetap-sidecar SIGKILLed for OUTAGE_S and restarted
    while a collector streams into it and WebSocket clients watch their rooms:
    the sidecar never exits, /readyz is 503 during the outage and 200 after;
    every connected client is told the stream is delayed (a status frame with
    "source":"sidecar", state "delayed") and when it resumes, and keeps its
    connection; afterwards each client's frames are exactly its room's
    records in Kafka, per type in offset order - no gap, no duplicate - also
    for a client that left during the outage and came back with its last
    cursor (during the outage, or after it)."""
    kafka = private_kafka
    n, rate = 4, 20
    sc = start(procs, SidecarProc(kafka.bootstrap, prefix))
    wait_for(lambda: sc.readyz()[0] == 200, 30, "the sidecar to be ready")
    sim = start(procs, Sim("--rooms", str(n), "--rate", str(rate), "--seed", "28", "--quiet"))
    rooms = [sim.sent(f"simhost{i}")["room_id"] for i in range(n)]
    ws = f"{sc.ws}/ws/"
    # connected before the first record: the topics appear later and are read
    # from their beginning, so each client must get every record of its room
    clients = {"a": WsClient(ws + rooms[0]), "b": WsClient(ws + rooms[1] + "?types=chat,gift"),
               "c": WsClient(ws + rooms[2]), "d": WsClient(ws + rooms[3]), "e": WsClient(ws + rooms[0])}
    wanted = {"a": (rooms[0], None), "b": (rooms[1], {"chat", "gift"}), "c": (rooms[2], None),
              "d": (rooms[3], None), "e": (rooms[0], None)}
    coll = start(procs, Collector(sim, prefix, rooms_of(n), bootstrap=kafka.bootstrap))
    wait_for(lambda: all(len(c.events()) >= 20 for c in clients.values()), 60, "events at every client")

    readyz = []

    def alive_and_sampled():
        assert sc.proc.poll() is None, "the sidecar exited:\n" + sc.logs()[-3000:]
        assert coll.proc.poll() is None, "the collector exited:\n" + coll.logs()[-3000:]
        readyz.append((time.time(), sc.readyz()[0]))

    def hold_for(seconds):
        end = time.time() + seconds
        while time.time() < end:
            alive_and_sampled()
            time.sleep(0.5)

    kafka.kill()
    killed_at = time.time()
    wait_for(lambda: all(c.notices() for c in clients.values()), 30, "every client told the stream is delayed")
    told_after = max(c.notices()[0][0] for c in clients.values()) - killed_at
    # one leaves during the outage and comes back while Kafka is still down,
    # with the cursor of its 10th-last frame (so the sidecar must seek back)...
    hold_for(3)
    clients["d"].leave()
    d_cursor = clients["d"].resume_from(10)
    clients["d2"] = WsClient(f"{ws}{rooms[3]}?cursor={d_cursor}")
    # ...another leaves now and comes back after the outage with its last cursor
    clients["e"].leave()
    e_cursor = clients["e"].resume_from(0)
    hold_for(max(OUTAGE_S - 3, 1))
    restart_at = time.time()
    kafka.start()
    ready_at = time.time()
    wait_for(lambda: all(any(f["state"] == "resumed" for _, f in c.notices()) for k, c in clients.items()
                         if k not in ("d", "e")), 60, "every client told the stream resumed")
    resumed_after = max(next(t for t, f in c.notices() if f["state"] == "resumed")
                        for k, c in clients.items() if k not in ("d", "e")) - ready_at
    clients["e2"] = WsClient(f"{ws}{rooms[0]}?cursor={e_cursor}")
    wait_for(lambda: sc.readyz()[0] == 200, 30, "/readyz back to 200")
    ready_again_after = time.time() - ready_at
    hold_for(5)
    sim.freeze()
    rc, log = coll.stop()
    assert rc == 0, log[-3000:]

    records = read_back(prefix, sum(r["sent"] for r in sim.rooms().values()), bootstrap=kafka.bootstrap)
    kt, missing, dupes, extra = tally(records, sim, n)
    assert_exactly_once(kt, missing, dupes, extra)

    def want_of(name):
        room, types = wanted[name[0]]
        out = collections.defaultdict(list)
        for r in records:
            kind = "status" if r["topic"] == "room_status" else r["topic"]
            if r["key"] == room and (types is None or kind in types):
                out[kind].append(frame_key(r["value"]))
        return out

    def got_of(name):
        parts = [clients[name]] + ([clients[name + "2"]] if name + "2" in clients else [])
        out = collections.defaultdict(list)
        for c in parts:
            for f in c.events():
                out[f["type"]].append(frame_key(f))
        return out

    names = ["a", "b", "c", "d", "e"]
    # the last records (the collector's "ended") must have reached everyone
    wait_for(lambda: all(sum(map(len, got_of(x).values())) >= sum(map(len, want_of(x).values())) for x in names),
             60, "every client to have its room's records")
    time.sleep(1)  # anything extra would arrive now
    t = collections.Counter()
    for x in names:
        want, got = want_of(x), got_of(x)
        room = wanted[x][0]
        for c in [clients[x]] + ([clients[x + "2"]] if x + "2" in clients else []):
            assert all(f["room_id"] == room for f in c.events()), f"client {x}: a frame of another room"
        for kind in set(want) | set(got):
            w, g = want[kind], got[kind]
            t["sent"] += len(w)
            t["delivered"] += len(set(w) & set(g))
            t["duplicated"] += len(g) - len(set(g))
            t["lost"] += len(set(w) - set(g))
            assert g == w, (f"client {x}, {kind}: {len(g)} frames, Kafka has {len(w)}; "
                            f"{len(set(w) - set(g))} missing, {len(g) - len(set(g))} duplicated, "
                            f"{len(set(g) - set(w))} not in Kafka")
        if wanted[x][1]:
            assert set(got) <= wanted[x][1], (x, set(got))
    # the connections: kept throughout; told once when Kafka went and once when it came back
    for x in ["a", "b", "c", "d2", "e2"]:
        c = clients[x]
        assert c.code is None and c.error is None and c.is_alive(), (x, c.code, c.error)
        states = [f["state"] for _, f in c.notices()]
        assert states == ([] if x == "e2" else ["delayed", "resumed"]), (x, states)  # e2 came after
        for _, f in c.notices():
            assert f["type"] == "status" and f["reason"] in ("kafka_unavailable", "kafka_available"), f
    assert clients["d2"].frames[0][1]["state"] == "delayed", "a client joining during the outage is told first"
    assert "Kafka" in clients["a"].notices()[0][1]["message"]
    # /readyz said it
    down = [ts for ts, code in readyz if code == 503]
    assert down and min(down) < restart_at, readyz
    assert all(code == 503 for ts, code in readyz if killed_at + 10 < ts < restart_at), readyz
    m = sc.metrics()
    assert m["livetap_sidecar_kafka_outages_total"] == 1 and m["livetap_sidecar_kafka_up"] == 1, m
    for c in clients.values():
        c.leave()
    slog = sc.logs()
    print("SIDECAR-LOG", "\n".join(l for l in slog.splitlines() if "Kafka" in l or "consumer:" in l))
    assert "Kafka unavailable" in slog and "Kafka available again" in slog, slog[-3000:]
    assert sc.stop() == 0, slog[-3000:]
    first_event = min(tt for c in clients.values() for tt, f in c.frames
                      if f.get("source") != "sidecar" and tt > ready_at)
    report("Kafka broker SIGKILL %.0f s under livetap-sidecar; %d rooms x %d msg/s, 5 WebSocket clients (one "
           "types=chat,gift; two leave during the outage, back with cursor= during / after it)" % (OUTAGE_S, n, rate),
           t, "%.1f s broker ready -> clients told \"resumed\", %.1f s -> first event frame, %.1f s -> /readyz 200; "
              "told \"delayed\" %.1f s and /readyz 503 %.1f s after the kill"
           % (resumed_after, first_event - ready_at, ready_again_after, max(told_after, 0), max(min(down) - killed_at, 0)),
           kafka_records=len(records), restart_to_ready_s=round(ready_at - restart_at, 1))
