"""The collector runtime owns the one event loop (src/core/loop.h,
src/collector/serve.c) and each source brings its own vhost with its own
settings. One livetap-collector, dry run, with both sources over TLS on that
loop: TikTok a client of livetap-sim over https/wss, trusting only the
certificate given in tiktok.ca_file (its client vhost's CA), and BIGO's push
listener serving wss with bigo.listen.tls_cert (its server vhost's
certificate), next to the admin API's listener.

Checked: the TikTok room goes live over wss and its events are printed;
BIGO logs in over wss and its batch is answered 200 with its events
printed; /readyz reports both sources ready; SIGTERM stops both in order
(the room ended [shutdown] once, then BIGO's report), exit 0.
"""
import json
import os
import re
import socket
import ssl
import threading
import time

import requests

from bigo_sim import PushClient, msg, room_items
from bigo_sim.infra import make_cert
from conftest import Collector, Sim, wait_for


def printed(log, platform):
    out = []
    for line in log.splitlines():
        if line.startswith("{"):
            ev = json.loads(line)
            if ev.get("platform") == platform:
                out.append(ev)
    return out


def test_both_sources_over_tls_on_the_runtimes_loop(tmp_path):
    cert, key = make_cert(str(tmp_path))
    sim = Sim("--rooms", "1", "--rate", "20", "--seed", "5", "--quiet", "--set", f"tls_cert={cert}", "--set",
              f"tls_key={key}")
    sim.base = sim.base.replace("http://", "https://")  # the sim serves https and wss only
    coll = None
    try:
        port_file = os.path.join(sim.dir, "admin-port")
        coll = Collector(sim, "unused", ["@simhost0"], "--dry-run", "--admin-port-file", port_file,
                         "--set", f"tiktok.ca_file={cert}", "--bigo", "--set", "bigo.listen.port=0",
                         "--set", f"bigo.listen.tls_cert={cert}", "--set", f"bigo.listen.tls_key={key}",
                         "--set", "bigo.push.abbr=inke", "--set", "bigo.push.accounts=bigoUser1:213213")
        wait_for(lambda: os.path.exists(port_file) and open(port_file).read().strip(), 30, "the admin port")
        base = "http://127.0.0.1:%s" % open(port_file).read().strip()
        line = wait_for(lambda: re.search(r"^listening on (\d+)$", coll.logs(), re.M), 30, "the BIGO push port")

        # TikTok over wss, its CA the only one that trusts the sim
        wait_for(lambda: re.search(r"room @simhost0 \d+: live", coll.logs()), 30, "the TikTok room live")
        wait_for(lambda: len(printed(coll.logs(), "tiktok")) >= 20, 30, "TikTok events")

        # BIGO over wss on the same loop
        c = PushClient(f"wss://127.0.0.1:{line.group(1)}/bigo/push", ssl=ssl.create_default_context(cafile=cert))
        assert c.login("bigoUser1", "213213", "inke")["data"]["code"] == 200
        reply = c.push("batch-1", {"anchorA": room_items(1, 4) + [msg(100, "hello")]}, game_sess="gs-tls")
        assert reply["data"]["rescode"] == 200, reply
        c.close()
        bigo = wait_for(lambda: (lambda e: e if len(e) >= 5 else None)(
            [e for e in printed(coll.logs(), "bigo") if e.get("type") != "room_status"]), 30, "BIGO events")
        assert {e["room_id"] for e in bigo} == {"anchorA"}

        ready = wait_for(lambda: (lambda x: x if x.status_code == 200 else None)(
            requests.get(base + "/readyz", timeout=10)), 30, "readyz 200").json()
        assert set(ready["sources"]) == {"tiktok", "bigo"} and ready["ready"], ready

        rc, log = coll.stop()
        coll = None
        assert rc == 0, log[-3000:]
        assert log.count("room @simhost0") and len(re.findall(r"room @simhost0 \d+: ended \[shutdown\]", log)) == 1, \
            log[-3000:]
        assert log.index("stopping 1 rooms") < log.index("bigo stopped: 1 batches (1 acknowledged"), log[-3000:]
    finally:
        if coll:
            coll.stop()
        sim.stop()


def closed_port():
    """A port of 127.0.0.1 nothing listens on (bound, then let go)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_backpressure_pauses_every_source(prefix):
    """One gate for the whole runtime: with no broker and a local queue of
    50 records, TikTok's rooms fill it and the episode they begin pauses
    BIGO too - a BIGO batch is answered 503 "Kafka is pushing back" (BIGO
    sends it again) and counted as rejected_total{reason="backpressure"},
    where BIGO's own gate used to take it and fail its items one by one.
    Nothing waits on Kafka: TikTok's refused records are kept, so the loop
    goes on serving - /healthz, polled throughout, answers every time within
    a second (it took up to backpressure_wait_ms, 2 s, while a TikTok record
    waited for room with the loop blocked)."""
    sim = Sim("--rooms", "2", "--rate", "50", "--seed", "7", "--quiet")
    coll = None
    try:
        port_file = os.path.join(sim.dir, "admin-port")
        coll = Collector(sim, prefix, ["@simhost0", "@simhost1"], "--admin-port-file", port_file,
                         "--property", "queue.buffering.max.messages=50",
                         "--set", "kafka.require_broker_at_start=false", "--set", "kafka.dedupe_lookback_s=0",
                         "--set", "kafka.backpressure_wait_ms=2000", "--set", "kafka.flush_timeout_ms=1000",
                         "--bigo", "--set", "bigo.listen.port=0", "--set", "bigo.dedupe.seed=false",
                         "--set", "bigo.push.abbr=inke", "--set", "bigo.push.accounts=bigoUser1:213213",
                         bootstrap=f"127.0.0.1:{closed_port()}")
        wait_for(lambda: os.path.exists(port_file) and open(port_file).read().strip(), 30, "the admin port")
        base = "http://127.0.0.1:%s" % open(port_file).read().strip()
        line = wait_for(lambda: re.search(r"^listening on (\d+)$", coll.logs(), re.M), 30, "the BIGO push port")
        health_s, polling = [], threading.Event()

        def poll_health():
            while not polling.is_set():
                t0 = time.monotonic()
                try:
                    requests.get(base + "/healthz", timeout=10)
                    health_s.append(time.monotonic() - t0)
                except requests.RequestException:
                    health_s.append(float("inf"))
                polling.wait(0.05)

        poller = threading.Thread(target=poll_health, daemon=True)
        poller.start()
        wait_for(lambda: "Kafka queue full: reading paused on all rooms" in coll.logs(), 60, "backpressure")
        assert "bigo: Kafka pushes back" in coll.logs(), coll.logs()[-3000:]
        wait_for(lambda: "gave up an event" in coll.logs(), 30, "the wait for room to end")

        c = PushClient(f"ws://127.0.0.1:{line.group(1)}/bigo/push")
        assert c.login("bigoUser1", "213213", "inke")["data"]["code"] == 200
        reply = c.push("batch-bp", {"anchorA": [msg(1, "hello")]}, game_sess="gs-bp")
        c.close()
        assert reply["data"]["rescode"] == 503 and "Kafka is pushing back" in json.dumps(reply), reply
        text = requests.get(base + "/metrics", timeout=10).text
        assert 'livetap_bigo_rejected_total{reason="backpressure"} 1' in text, \
            [ln for ln in text.splitlines() if "rejected_total" in ln]
        # refused unread: in rejected_total, not in batches_total (docs/bigo.md "Counting batches"),
        # and every report of the counts has it
        assert 'livetap_bigo_batches_total{outcome="received"} 0' in text, \
            [ln for ln in text.splitlines() if "batches_total" in ln]
        health = requests.get(f"http://127.0.0.1:{line.group(1)}/healthz", timeout=10).json()
        assert (health["batches"], health["refused_backpressure"]) == (0, 1), health
        assert re.search(r"^livetap_collector_backpressure 1$", text, re.M), \
            [ln for ln in text.splitlines() if "backpressure" in ln]
        assert re.search(r"^livetap_collector_backpressure_kept_total [1-9]", text, re.M), \
            [ln for ln in text.splitlines() if "backpressure" in ln]
        polling.set()
        poller.join()
        assert len(health_s) > 20 and max(health_s) < 1.0, (len(health_s), sorted(health_s)[-5:])

        rc, log = coll.stop()
        coll = None
        assert rc == 1, log[-3000:]  # what TikTok read could not reach Kafka: the status says so
        # refused before it was taken (as while draining): no batch of BIGO's was handled, one refused
        assert "bigo stopped: 0 batches (0 acknowledged, 0 failed, 0 timed out: 503) " \
               "and 1 refused while Kafka pushed back (503)" in log, log[-3000:]
    finally:
        if coll:
            coll.stop()
        sim.stop()
