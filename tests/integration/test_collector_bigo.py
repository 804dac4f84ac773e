"""One livetap-collector running both sources, TikTok and BIGO, against
livetap-sim, our BIGO push client and the real Kafka + registry.

Checked: the TikTok rooms' messages and the BIGO batches pushed while those
rooms publish are each in Kafka exactly once (platform tiktok / bigo); a
BIGO batch is answered 200 (which BIGO's receiver gives only after Kafka
acknowledged every item of it, through the delivery reports the runtime
routes to the source that published the record), and the reports of each
source's records reach that source alone (the reports TikTok and BIGO
counted add up to what the producer queued; BIGO has one per record); the admin
API lists both platforms' rooms, explains that a BIGO room cannot be
added, and /readyz reports both sources; SIGTERM flushes both, exit 0.
"""
import collections
import os
import re

import requests

from bigo_sim import PushClient, msg, room_items
from conftest import REGISTRY, Collector, RegistryDecoder, Sim, consume_to_end, event_types, wait_for
from test_collector import assert_exactly_once, total_sent


def metrics(base):
    out = collections.Counter()
    for line in requests.get(base + "/metrics", timeout=10).text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
            if "{" in name:
                out[name.split("{")[0]] += float(value)  # the family's sum too
    return out


def read_back(prefix, expected, timeout=90):
    topics = [f"{prefix}.{t}" for t in event_types()]
    decoder = RegistryDecoder(REGISTRY)
    got = consume_to_end(topics, timeout=timeout)
    out = []
    for topic, key, value, headers in got:
        _, record = decoder.decode(value)
        out.append({"topic": topic[len(prefix) + 1:], "key": key.decode() if key else None, "value": record})
    return out, len(got) >= expected


def test_tiktok_and_bigo_in_one_collector(prefix):
    sim = Sim("--rooms", "2", "--rate", "40", "--seed", "11", "--quiet")
    coll = None
    try:
        port_file = os.path.join(sim.dir, "admin-port")
        coll = Collector(sim, prefix, ["@simhost0", "@simhost1"], "--admin-port-file", port_file, "--bigo",
                         "--set", "bigo.listen.port=0", "--set", "bigo.push.abbr=inke",
                         "--set", "bigo.push.accounts=bigoUser1:213213", "--set", "bigo.push.ack_timeout_ms=20000")
        wait_for(lambda: os.path.exists(port_file) and open(port_file).read().strip(), 30, "the admin port")
        base = "http://127.0.0.1:%s" % open(port_file).read().strip()
        line = wait_for(lambda: re.search(r"^listening on (\d+)$", coll.logs(), re.M), 30, "the BIGO push port")
        push_url = f"ws://127.0.0.1:{line.group(1)}/bigo/push"

        # BIGO batches while the TikTok rooms publish
        wait_for(lambda: all(r["sent"] >= 40 for r in sim.rooms().values()), 60, "TikTok traffic")
        c = PushClient(push_url)
        assert c.login("bigoUser1", "213213", "inke")["data"]["code"] == 200
        for n in range(5):
            items = room_items(1 + n * 10, 6) + [msg(1000 + n, f"hello {n}")]
            reply = c.push(f"batch-{n}", {"anchorA": items, "anchorB": [msg(2000 + n, "b")]}, game_sess="gs-both")
            # 200 only once Kafka acknowledged every item: BIGO's delivery reports reached BIGO
            assert reply["data"]["rescode"] == 200, reply
        c.close()

        # the admin API: both platforms' rooms, BIGO's explained
        rooms = requests.get(base + "/rooms", timeout=10).json()
        platforms = collections.Counter(r.get("platform", "tiktok") for r in rooms)
        assert platforms["bigo"] == 2 and platforms["tiktok"] == 2, rooms
        assert {r["room"] for r in rooms if r.get("platform") == "bigo"} == {"bigo:anchorA", "bigo:anchorB"}
        assert requests.get(base + "/rooms/bigo:anchorA", timeout=10).json()["events"] > 0
        assert requests.get(base + "/rooms/bigo:nobody", timeout=10).status_code == 404
        r = requests.post(base + "/rooms", json={"room": "bigo:anchorC"}, timeout=10)
        assert r.status_code == 400 and "BIGO rooms come from BIGO's push" in r.text, r.text
        # a BIGO room cannot be removed on request either, and the answer says so (it said 404)
        r = requests.delete(base + "/rooms/bigo:anchorA", timeout=10)
        assert r.status_code == 400 and "cannot remove bigo:anchorA" in r.text, r.text
        assert requests.delete(base + "/rooms/bigo:nobody", timeout=10).status_code == 404
        ready = wait_for(lambda: (lambda x: x if x.status_code == 200 else None)(
            requests.get(base + "/readyz", timeout=10)), 30, "readyz 200").json()
        assert set(ready["sources"]) == {"tiktok", "bigo"} and ready["ready"], ready

        # each source got its own delivery reports: with nothing in flight, the
        # reports TikTok counted (its ack latency histogram) and those BIGO
        # counted add up to what the one producer queued, and BIGO has one
        # for each record it published
        sim.freeze()
        m = wait_for(lambda: (lambda m: m if m["livetap_collector_kafka_in_flight"] == 0 else None)(metrics(base)),
                     30, "nothing in flight")
        bigo_events = m["livetap_bigo_events_published_total"]
        tiktok_reports = m["livetap_collector_kafka_ack_latency_ms_count"]
        assert bigo_events == 5 * 8 + 2, m  # the items, and anchorA's and anchorB's room_status live
        assert m["livetap_bigo_events_delivered_total"] == bigo_events, m
        assert tiktok_reports > 0 and tiktok_reports + bigo_events == m["livetap_collector_kafka_queued_total"], m

        rc, log = coll.stop()
        coll = None
        assert rc == 0, log[-3000:]
        assert "bigo stopped: 5 batches (5 acknowledged" in log, log[-3000:]

        expected = total_sent(sim) + int(bigo_events)
        records, _ = read_back(prefix, expected)
        for room in ("simhost0", "simhost1"):
            assert_exactly_once(records, sim, room)
        bigo = [r["value"] for r in records if r["value"]["platform"] == "bigo" and r["topic"] != "room_status"]
        ids = collections.Counter((v["room_id"], v["msg_id"]) for v in bigo)
        assert len(bigo) == 5 * 8, len(bigo)  # 6 room items + 1 chat for anchorA, 1 chat for anchorB
        assert all(n == 1 for n in ids.values()), [k for k, n in ids.items() if n > 1]
        assert {k[0] for k in ids} == {"anchorA", "anchorB"}
        assert all(r["key"] == r["value"]["room_id"] for r in records if r["value"]["platform"] == "bigo")
    finally:
        if coll:
            coll.stop()
        sim.stop()
