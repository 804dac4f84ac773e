#!/usr/bin/env python3
"""The fleet model of docs/capacity.md checked at small scale (issue 21, target 6).

One livetap-sim (--broadcast, as TikTok: a room goes on sending whether anyone
listens) with N rooms in the model's mix of quiet, ordinary and busy rooms;
C livetap-collectors in one group (group mode, a topic prefix of the run's
own), every room added. Once the group has settled (every room collected by
exactly one member), one collector is killed every minute (SIGKILL by
default) and started again at once, for M minutes. Recorded: the settle time
after each kill, rooms live over time (every ~5 s from each member's
/metrics), CPU-seconds and RSS per collector (/proc), and at the end every
message the simulator sent against Kafka: lost and duplicated, per room, with
where the lost ones fall (inside the window between a kill and the settle
that followed, for a room the killed member held, or elsewhere). The run's
topics are deleted at the end.

Run from the build's venv with the broker and registry env
(`eval "$(bash scripts/dev-infra.sh env)"`):
    build/venv/bin/python bench/capacity.py                 # 8 x 2,000 rooms x 10 min, SIGKILL
    build/venv/bin/python bench/capacity.py --collectors 2 --rooms 50 --minutes 1
Results: a JSON file (--out) and a summary on stdout. The helpers are the
group tests' (tests/integration/test_collector_group.py).
"""
import argparse
import collections
import http.client
import json
import os
import signal
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))

from conftest import Sim, delete_topics  # noqa: E402
from test_collector import read_back  # noqa: E402
from test_collector_group import GroupCollector, all_collected_once, live_trails, losses, settled  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")


def room_rates(n, scale):
    """The model's mix (docs/capacity.md): 1 % busy (50 msg/s), 9 % ordinary
    (5), 90 % quiet (0.5), spread evenly over the room numbers."""
    rates = []
    for i in range(n):
        rates.append(50.0 if i % 100 == 0 else 5.0 if i % 100 < 10 else 0.5)
    return [r * scale for r in rates]


def proc_usage(pid):
    """(CPU-seconds, RSS KiB, peak RSS KiB) of a process, or None once gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime
        status = dict(line.split(":", 1) for line in open(f"/proc/{pid}/status") if ":" in line)
        return cpu, int(status["VmRSS"].split()[0]), int(status["VmHWM"].split()[0])
    except (OSError, KeyError, IndexError, ValueError):
        return None


class Fleet:
    """C slots, each one collector process at a time (an incarnation)."""

    def __init__(self, sim, prefix, rooms, n, extra):
        self.sim, self.prefix, self.rooms, self.extra = sim, prefix, rooms, extra
        self.slots = [[] for _ in range(n)]  # per slot its incarnations, newest last
        self.usage = {}  # incarnation name -> last (cpu, rss, hwm) seen
        self.lock = threading.Lock()
        for i in range(n):
            self.start(i)
        # every room added through the first member's admin API (written to
        # the control topic): group mode ignores rooms_file, and --rooms
        # refuses a list of 1,000 rooms
        for room in rooms:
            status, body = self.live()[0].admin("POST", "/rooms", {"room": room})
            if status != 202:
                raise SystemExit(f"POST /rooms {room}: {status} {body}")

    def start(self, slot):
        name = f"c{slot}" + (f"r{len(self.slots[slot])}" if self.slots[slot] else "")
        c = GroupCollector(self.sim, self.prefix, name, rooms=None, extra=self.extra)
        with self.lock:
            self.slots[slot].append(c)
        return c

    def live(self):
        with self.lock:
            return [s[-1] for s in self.slots]

    def everyone(self):
        with self.lock:
            return [c for s in self.slots for c in s]

    def note_usage(self, c):
        u = proc_usage(c.proc.pid)
        if u and c.proc.poll() is None:
            self.usage[c.name] = u
        return u


def sampler(fleet, sim, t0, samples, stop):
    """Every ~5 s: per member rooms live and events published (its /metrics),
    CPU-seconds and RSS (/proc); rooms with a push connection open (the
    simulator); the load average."""
    while not stop.wait(5.0):
        row = {"t": round(time.time() - t0, 1), "load": os.getloadavg()[0], "members": {}}
        for c in fleet.live():
            m = {}
            try:
                if os.path.exists(os.path.join(sim.dir, f"{c.name}.admin")) and c.proc.poll() is None:
                    series = c.metrics(labelled=True)
                    m["live"] = series.get('rooms{state="live"}', 0) + series.get('rooms{state="handing_over"}', 0)
                    m["events"] = sum(v for k, v in series.items() if k.startswith("events_published_total"))
            except (OSError, http.client.HTTPException, ValueError):
                pass  # killed, not listening yet or too busy
            u = fleet.note_usage(c)
            if u:
                m["cpu_s"], m["rss_kib"] = round(u[0], 2), u[1]
            row["members"][c.name] = m
        connected = quietly(lambda: sum(1 for r in sim.rooms().values() if r["open"] >= 1))
        if connected is not False:
            row["rooms_connected"] = connected
        row["rooms_live"] = sum(m.get("live", 0) for m in row["members"].values())
        samples.append(row)


def quietly(check, *args):
    """A check that answers False when the simulator or a member is too busy
    to answer in time (a loaded machine), to be asked again."""
    try:
        return check(*args)
    except (OSError, http.client.HTTPException, ValueError):
        return False


def sent_counts(sim, tries=5):
    """Per room what the simulator has sent, asked again if it is too busy to answer."""
    for attempt in range(tries):
        counts = quietly(lambda: {name: r["sent"] for name, r in sim.rooms().items()})
        if counts:
            return counts
        time.sleep(1.0)
    raise SystemExit("the simulator does not answer /_sim/stats")


def wait_settled(sim, fleet, rooms, timeout):
    """Seconds until every room is collected once by exactly one member, or None."""
    start = time.time()
    while time.time() - start < timeout:
        if quietly(settled, sim, fleet.live(), rooms):
            return time.time() - start
        time.sleep(1.0)
    return None


def run(args):
    rooms = [f"@simhost{i}" for i in range(args.rooms)]
    rates = room_rates(args.rooms, args.rate_scale)
    faults = [a for i, r in enumerate(rates) for a in ("--fault", f"simhost{i}:rate={r:g}")]
    prefix = "cap" + uuid.uuid4().hex[:8]
    extra = ("--set", f"group.partitions={args.partitions}", "--set", f"group.session_timeout_ms={args.session_ms}")
    sig = {"KILL": signal.SIGKILL, "TERM": signal.SIGTERM}[args.signal]
    result = {"rooms": args.rooms, "collectors": args.collectors, "minutes": args.minutes, "signal": args.signal,
              "rate_scale": args.rate_scale, "rates_per_s_nominal": sum(rates), "partitions": args.partitions,
              "session_timeout_ms": args.session_ms, "prefix": prefix, "kills": [], "samples": []}
    sim = Sim("--rooms", str(args.rooms), "--rate", "1", "--seed", "41", "--quiet", "--broadcast", *faults)
    fleet = None
    stop = threading.Event()
    try:
        t0 = time.time()
        fleet = Fleet(sim, prefix, rooms, args.collectors, extra)
        thread = threading.Thread(target=sampler, args=(fleet, sim, t0, result["samples"], stop), daemon=True)
        thread.start()
        first = wait_settled(sim, fleet, rooms, args.settle_timeout)
        if first is None:
            raise SystemExit(f"the group did not settle within {args.settle_timeout} s")
        result["first_settle_s"] = round(first, 1)
        print(f"settled: {args.rooms} rooms over {args.collectors} collectors in {first:.1f} s", flush=True)
        time.sleep(args.steady)
        kills_start = time.time()
        for k in range(args.minutes):
            # one kill a minute; a slow settle delays the next one, never overlaps it
            time.sleep(max(0.0, kills_start + k * 60 - time.time()))
            slot = k % args.collectors
            victim = fleet.live()[slot]
            held = victim.owned()
            before = sent_counts(sim)
            fleet.note_usage(victim)
            killed_at = time.time()
            victim.stop(sig)
            fleet.start(slot)
            back = None
            settle = None
            while time.time() - killed_at < args.settle_timeout:
                if back is None and quietly(all_collected_once, sim):
                    back = time.time() - killed_at
                if quietly(settled, sim, fleet.live(), rooms):
                    settle = time.time() - killed_at
                    break
                time.sleep(1.0)
            after = sent_counts(sim)
            kill = {"at_s": round(killed_at - t0, 1), "victim": victim.name, "rooms_held": len(held),
                    "all_rooms_connected_once_s": round(back, 1) if back else None,
                    "settled_s": round(settle, 1) if settle else None,
                    "held": sorted(held), "sent_before": {r: before[r[1:]] for r in held},
                    "sent_after": {r: after[r[1:]] for r in held}}
            result["kills"].append(kill)
            print(f"kill {k + 1}: {victim.name} held {len(held)} rooms; every room connected once after "
                  f"{kill['all_rooms_connected_once_s']} s, settled after {kill['settled_s']} s", flush=True)
            if settle is None:
                print("  (not settled: going on)", flush=True)
        time.sleep(args.steady)
        for c in fleet.live():
            fleet.note_usage(c)
        sim.freeze()
        stop.set()
        thread.join()
        result["sim_seconds"] = round(time.time() - t0, 1)
        final = {c.name: fleet.usage.get(c.name) for c in fleet.everyone()}
        events = {}
        for c in fleet.live():
            try:
                series = c.metrics(labelled=True)
                events[c.name] = sum(v for k, v in series.items() if k.startswith("events_published_total"))
            except OSError:
                pass
        # what each member holds before the stops below move rooms between the last ones
        result["collectors_held"] = {c.name: len(c.owned()) for c in fleet.everyone()}
        for c in fleet.live():
            rc = c.stop(at_once=True)
            if rc != 0:
                print(f"{c.name} exited {rc}: {c.text()[-2000:]}", flush=True)
        result["usage"] = {name: {"cpu_s": u[0], "rss_kib": u[1], "hwm_kib": u[2]} if u else None
                           for name, u in final.items()}
        result["events_published_last_incarnations"] = events
        stats = sim.rooms()
        sent_total = sum(r["sent"] for r in stats.values())
        read_start = time.time()
        records = read_back(prefix, 0, timeout=args.read_timeout)  # every collector flushed and exited
        result["read_back_s"] = round(time.time() - read_start, 1)
        where = {}
        per_room = losses(sim, records, rooms, where)
        trails = live_trails(records, rooms)
        result.update(characterise(result["kills"], per_room, where, trails, sent_total, len(records), rates))
        result["dupe_details"] = dupe_details(records)
        for k in result["kills"]:
            del k["held"], k["sent_before"], k["sent_after"]
    finally:
        stop.set()
        if fleet:
            for c in fleet.live():
                if c.proc.poll() is None:
                    c.stop(signal.SIGKILL)
        sim.stop()
        delete_topics(prefix)
    return result


def dupe_details(records, rooms=5, examples=6):
    """Where duplicates came from: per room key with a msg_id in Kafka more
    than once, which collectors published the copies (first -> later, by
    ingest_time) and a few examples with their ingest times, in ms."""
    copies = collections.defaultdict(list)
    for r in records:
        v = r["value"]
        if r["topic"] != "room_status" and v.get("msg_id"):
            copies[(r["key"], v["msg_id"])].append((v.get("ingest_time") or 0, r["headers"].get("collector_id", "?")))
    out = {}
    for (key, msg_id), cs in copies.items():
        if len(cs) < 2:
            continue
        cs.sort()
        room = out.setdefault(key, {"duplicated": 0, "pairs": collections.Counter(), "examples": []})
        room["duplicated"] += len(cs) - 1
        room["pairs"][f"{cs[0][1]} -> {cs[-1][1]}"] += 1
        if len(room["examples"]) < examples:
            room["examples"].append({"msg_id": msg_id, "copies": [[t, c] for t, c in cs]})
    top = sorted(out.items(), key=lambda kv: -kv[1]["duplicated"])[:rooms]
    return {key: {**d, "pairs": dict(d["pairs"])} for key, d in top}


def characterise(kills, per_room, where, trails, sent_total, records, rates):
    """Lost and duplicated messages, and where each lost one falls: in a kill
    window (a room the killed member held, between what it had sent at the
    kill and at the settle after) or anywhere else."""
    lost = {room: n for room, (_, n, _) in per_room.items() if n}
    dupes = {room: n for room, (_, _, n) in per_room.items() if n}
    in_window = outside = 0
    per_kill = [0] * len(kills)
    gaps = []
    for room, (positions, _) in where.items():
        for pos in positions:
            hit = None
            for j, k in enumerate(kills):
                if room in k["sent_before"] and k["sent_before"][room] - 20 <= pos < k["sent_after"][room]:
                    hit = j
                    break
            if hit is None:
                outside += 1
            else:
                in_window += 1
                per_kill[hit] += 1
    for j, k in enumerate(kills):
        window = sum(k["sent_after"][r] - k["sent_before"][r] for r in k["held"])
        gaps.append({"kill": j + 1, "victim": k["victim"], "rooms": len(k["held"]),
                     "rooms_that_lost": sum(1 for r in k["held"] if r in lost),
                     "lost": per_kill[j], "sent_in_window": window})
    moves = sum(len(t) - 1 for t in trails.values())
    # per lost room: its rate, how many, and in how many runs of consecutive positions
    detail = {}
    for room, n in lost.items():
        positions = where[room][0]
        runs = 1 + sum(1 for a, b in zip(positions, positions[1:]) if b != a + 1)
        detail[room] = {"rate": rates[int(room[len("@simhost"):])], "lost": n, "runs": runs,
                        "first": positions[0], "last": positions[-1], "sent": where[room][1]}
    by_rate = collections.defaultdict(lambda: {"rooms": 0, "rooms_lost": 0, "lost": 0, "sent": 0})
    for room, (sent, n, _) in per_room.items():
        row = by_rate[rates[int(room[len("@simhost"):])]]
        row["rooms"] += 1
        row["sent"] += sent
        row["lost"] += n
        row["rooms_lost"] += bool(n)
    return {"sent": sum(s for s, _, _ in per_room.values()), "sent_stats": sent_total, "records_read": records,
            "lost": sum(lost.values()), "rooms_lost": len(lost), "lost_in_kill_windows": in_window,
            "lost_outside_kill_windows": outside, "duplicated": sum(dupes.values()), "rooms_duplicated": len(dupes),
            "room_moves": moves, "per_kill": gaps, "lost_per_room": detail,
            "by_rate": {f"{rate:g}": row for rate, row in sorted(by_rate.items())},
            "lost_examples": {r: where[r][0][:12] for r in list(lost)[:5]},
            "dupe_examples": dict(list(dupes.items())[:5])}


def summary(r):
    usage = {n: u for n, u in r["usage"].items() if u}
    cpu = sum(u["cpu_s"] for u in usage.values())
    lines = [
        f"{r['collectors']} collectors x {r['rooms']} rooms x {r['minutes']} kills (SIG{r['signal']}), "
        f"nominal {r['rates_per_s_nominal']:.0f} msg/s, {r['sim_seconds']} s of traffic",
        f"first settle {r['first_settle_s']} s; settle after each kill: "
        + ", ".join(str(k["settled_s"]) for k in r["kills"]),
        f"sent {r['sent']}, records read {r['records_read']}, lost {r['lost']} in {r['rooms_lost']} rooms "
        f"({r['lost_in_kill_windows']} in kill windows, {r['lost_outside_kill_windows']} outside), "
        f"duplicated {r['duplicated']} in {r['rooms_duplicated']} rooms; {r['room_moves']} room moves",
        f"collector CPU {cpu:.1f} s over {len(usage)} processes; peak RSS "
        f"{max(u['hwm_kib'] for u in usage.values()) / 1024:.1f} MiB",
        "load average (1 min) during the run: min %.1f, median %.1f, max %.1f" % load_stats(r["samples"]),
    ]
    for rate, row in r["by_rate"].items():
        lines.append(f"  rooms at {rate} msg/s: {row['rooms']}, sent {row['sent']}, lost {row['lost']} "
                     f"in {row['rooms_lost']} rooms")
    for g in r["per_kill"]:
        lines.append(f"  kill {g['kill']} {g['victim']}: {g['rooms']} rooms held, {g['rooms_that_lost']} of them lost "
                     f"messages: {g['lost']} lost of {g['sent_in_window']} sent in the window")
    return "\n".join(lines)


def tables(r, us_per_event=8.3, idle_core_per_room=0.105 / 10000):
    """Markdown tables of a run's JSON (docs/capacity.md): per collector
    incarnation alive at the end (whole life, and steady state: between its
    samples from 30 s after its start to the end, so start-up and the
    rebalances it joined are left out), against the model's prediction
    (us_per_event CPU per event plus idle_core_per_room a core per room held);
    then rooms live over time."""
    end = r["sim_seconds"]
    started = {f"c{i}": 0.0 for i in range(r["collectors"])}
    count = collections.Counter()
    for k in r["kills"]:
        slot = k["victim"][1:].split("r")[0]
        count[slot] += 1
        started[f"c{slot}r{count[slot]}"] = k["at_s"]
    held = {name: m["live"] for name, m in r["samples"][-1]["members"].items()}  # rooms live at the last sample
    # an empty collector's RSS in the same run: a restarted one before the group gave it rooms
    empty = [m["rss_kib"] for s in r["samples"] for m in s["members"].values() if m.get("live") == 0 and "rss_kib" in m]
    base = min(empty) if empty else 0
    out = ["| collector | alive (s) | rooms held | events published | CPU-s (whole life) | steady: events/s "
           "| steady: CPU % of a core | steady: CPU µs per event | model: CPU % of a core | RSS (MiB) "
           "| RSS per room above an empty collector (KiB) |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    total_cpu = total_events = steady_cpu = steady_events = 0.0
    for name, events in sorted(r["events_published_last_incarnations"].items()):
        u = r["usage"][name]
        alive = end - started[name]
        total_cpu += u["cpu_s"]
        total_events += events
        mine = [(s["t"], s["members"][name]) for s in r["samples"] if name in s["members"]
                and s["t"] >= started[name] + 30 and "events" in s["members"][name] and "cpu_s" in s["members"][name]]
        if len(mine) < 2:
            continue
        (t1, a), (t2, b) = mine[0], mine[-1]
        dt, dcpu, dev = t2 - t1, b["cpu_s"] - a["cpu_s"], b["events"] - a["events"]
        steady_cpu += dcpu
        steady_events += dev
        model = 100 * (dev / dt * us_per_event / 1e6 + held[name] * idle_core_per_room)
        out.append(f"| {name} | {alive:.0f} | {held[name]} | {events:.0f} | {u['cpu_s']:.1f} | {dev / dt:.0f} "
                   f"| {100 * dcpu / dt:.2f} | {1e6 * dcpu / max(dev, 1):.1f} | {model:.2f} | {u['rss_kib'] / 1024:.1f} "
                   f"| {(u['rss_kib'] - base) / held[name]:.1f} |")
    out.append(f"| all of them | | {sum(held[n] for n in r['events_published_last_incarnations'])} "
               f"| {total_events:.0f} | {total_cpu:.1f} | | | {1e6 * steady_cpu / max(steady_events, 1):.1f} | | | |")
    out.append(f"\nempty collector (a restarted one before its first rooms): {base / 1024:.1f} MiB")
    out += ["", "| time (s) | rooms live (members' /metrics) | rooms connected (simulator) | load average |",
            "|---:|---:|---:|---:|"]
    kills = [k["at_s"] for k in r["kills"]]
    for s in r["samples"]:
        near = any(0 <= s["t"] - t < 30 for t in kills)
        if near or int(s["t"]) % 60 < 5:
            out.append(f"| {s['t']:.0f} | {s['rooms_live']:.0f} | {s.get('rooms_connected', '')} | {s['load']:.1f} |")
    gap = sum(max(0, r["rooms"] - s["rooms_live"]) * 5.0 for s in r["samples"] if s["t"] > r["first_settle_s"] + 10)
    out.append(f"\nroom-seconds not live after the first settle (5 s samples): {gap:.0f} of "
               f"{r['rooms'] * (end - r['first_settle_s'] - 10):.0f}")
    return "\n".join(out)


def load_stats(samples):
    loads = sorted(s["load"] for s in samples) or [0.0]
    return loads[0], loads[len(loads) // 2], loads[-1]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rooms", type=int, default=2000)
    p.add_argument("--collectors", type=int, default=8)
    p.add_argument("--minutes", type=int, default=10, help="kills, one a minute")
    p.add_argument("--rate-scale", type=float, default=1.0, help="multiplies every room's rate (mix: 50/5/0.5 msg/s)")
    p.add_argument("--signal", choices=("KILL", "TERM"), default="KILL")
    p.add_argument("--partitions", type=int, default=48, help="partitions of the control topic")
    p.add_argument("--session-ms", type=int, default=10000, help="group.session_timeout_ms (default as shipped)")
    p.add_argument("--steady", type=float, default=20.0, help="seconds of steady state before the first kill and after the last")
    p.add_argument("--settle-timeout", type=float, default=300.0)
    p.add_argument("--read-timeout", type=float, default=900.0)
    p.add_argument("--out", default="capacity.json")
    p.add_argument("--report", metavar="JSON", help="print the tables of an earlier run's JSON and exit")
    args = p.parse_args()
    if args.report:
        r = json.load(open(args.report))
        print(summary(r))
        print(tables(r))
        return 0
    # stopped with SIGTERM (or ^C): the finally of run() still stops every
    # process and deletes the run's topics
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    r = run(args)
    with open(args.out, "w") as f:
        json.dump(r, f, indent=1)
    print(summary(r))
    print(f"(details: {args.out})")
    return 0 if r["lost_outside_kill_windows"] == 0 and r["duplicated"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
