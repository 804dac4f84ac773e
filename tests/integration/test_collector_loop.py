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
import ssl

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
