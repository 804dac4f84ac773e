"""The collector's admin API against livetap-sim and the real Kafka + registry.

A collector starts with no rooms and an ephemeral admin port (read from
--admin-port-file); rooms are added and removed over HTTP and what that did
is read back from Kafka: the added room's events arrive, the removed room's
trail ends with room_status ended/removed, and /metrics agrees with what
reached Kafka. Also: the error answers (400/404/405/409/411/413) and that
malformed requests leave the server serving; /readyz says 503 while no
Kafka broker answers; `livetap-collector lookup`.
"""
import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.parse

import pytest
import requests

from conftest import BOOTSTRAP, REGISTRY, binary, listening_addresses, run
from test_collector import Collector, Sim, read_back, status_records, wait_for


class AdminCollector(Collector):
    """A collector with no configured rooms; its admin API on a free port."""

    def __init__(self, sim, prefix, *extra, kafka=("--kafka", BOOTSTRAP, "--registry", REGISTRY), env=None,
                 host="127.0.0.1"):
        self.dir = tempfile.mkdtemp(prefix="lt-admin-")
        port_file = os.path.join(self.dir, "admin-port")
        self.log_path = os.path.join(self.dir, "collector.log")
        self.log = open(self.log_path, "w")
        cmd = [binary("livetap-collector"), *kafka, "--topic-prefix", prefix, "--collector-id", "it-admin",
               "--sign-rate", "0", "--set", "behaviour.watch_interval_s=0",
               "--admin-port", "0", "--admin-port-file", port_file, *extra]
        if sim:
            cmd += ["--web-base", sim.base, "--api-base", sim.base, "--sign-url", sim.base]
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     env=None if env is None else {**os.environ, **env})

        def port():
            assert self.proc.poll() is None, open(self.log_path).read()[-3000:]
            return os.path.exists(port_file) and open(port_file).read().strip()
        self.port = int(wait_for(port, 30, "the admin port file"))
        self.base = f"http://{host}:{self.port}"

    def url(self, path):
        return self.base + path

    def get(self, path):
        return requests.get(self.url(path), timeout=10)

    def metrics(self):
        """Samples as {(name, labels): value}, labels as a frozenset of pairs."""
        r = self.get("/metrics")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
        out = {}
        for line in r.text.splitlines():
            if not line or line.startswith("#"):
                continue
            series, value = line.rsplit(" ", 1)
            name, _, labels = series.partition("{")
            pairs = frozenset(tuple(kv.split("=", 1)) for kv in labels.rstrip("}").split(",") if kv)
            out[(name, frozenset((k, v.strip('"')) for k, v in pairs))] = float(value)
        return out


def raw(port, data, read=True):
    """Sends bytes as they are; returns what came back before the close (or timeout)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        got = b""
        while read:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            got += chunk
            if b"\r\n\r\n" in got and b"content-length" in got.lower():
                head, _, body = got.partition(b"\r\n\r\n")
                length = int([l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0].split(b":")[1])
                if len(body) >= length:
                    break
        return got


def status_line(response):
    return response.split(b"\r\n", 1)[0].decode(errors="replace")


def test_rooms_added_and_removed_over_http(prefix):
    sim = Sim("--rooms", "2", "--rate", "30", "--seed", "5", "--quiet")
    coll = None
    try:
        coll = AdminCollector(sim, prefix)
        ready = coll.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["kafka"] == "ok" and ready.json()["registry"] == "ok"
        assert coll.get("/healthz").json() == {"ok": True}
        assert coll.get("/rooms").json() == []

        r = requests.post(coll.url("/rooms"), json={"room": "@simhost0"}, timeout=10)
        assert r.status_code == 201, r.text
        assert r.json()["input"] == "@simhost0" and r.json()["events"] == 0
        r = requests.post(coll.url("/rooms"), data="@simhost0", timeout=10)
        assert r.status_code == 409 and "already" in r.json()["error"]
        r = requests.post(coll.url("/rooms"), data="https://www.tiktok.com/@simhost1/live\n", timeout=10)
        assert r.status_code == 201, r.text
        for bad in ("bad room!", json.dumps({"room": 5}), json.dumps({"rooms": "@x"}), "{not json", ""):
            r = requests.post(coll.url("/rooms"), data=bad, timeout=10)
            assert r.status_code == 400, (bad, r.text)
            assert r.json()["error"]
        assert requests.post(coll.url("/rooms?room=@simhost0"), timeout=10).status_code == 409

        def both_live():
            rooms = {x["input"]: x for x in coll.get("/rooms").json()}
            return len(rooms) == 2 and all(x["state"] == "live" and x["events"] > 0 for x in rooms.values()) and rooms
        rooms = wait_for(both_live, 30, "both rooms live with events")
        room0 = rooms["@simhost0"]
        assert room0["room_id"] == "7400000000000000000" and room0["reason"] is None
        assert room0["since"] > 0 and room0["reconnects"] == 0
        wait_for(lambda: coll.get("/rooms/@simhost0").json()["events_per_s"] > 0, 15, "a non-zero event rate")

        # one room, by what was typed or by its room id
        assert coll.get("/rooms/%40simhost0").json()["room_id"] == "7400000000000000000"
        assert coll.get("/rooms/7400000000000000001").json()["input"] == "https://www.tiktok.com/@simhost1/live"
        assert coll.get("/rooms/@nobody").status_code == 404
        assert requests.delete(coll.url("/rooms/@nobody"), timeout=10).status_code == 404
        assert requests.delete(coll.url("/rooms/bad%20room!"), timeout=10).status_code == 400
        assert requests.put(coll.url("/rooms"), timeout=10).status_code == 405
        assert coll.get("/nowhere").status_code == 404

        # removed by its URL, percent-encoded in the path
        spec = urllib.parse.quote("https://www.tiktok.com/@simhost1/live", safe="")
        r = requests.delete(coll.url("/rooms/" + spec), timeout=10)
        assert r.status_code == 200, r.text
        assert coll.get("/rooms/7400000000000000001").status_code == 404
        assert [x["input"] for x in coll.get("/rooms").json()] == ["@simhost0"]

        sim.freeze()
        wait_for(lambda: coll.metrics()[("livetap_collector_kafka_in_flight", frozenset())] == 0, 30,
                 "every record acknowledged")
        listed = coll.get("/rooms/@simhost0").json()
        records = read_back(prefix, 1)
        m = coll.metrics()

        # the removed room: its events reached Kafka, then its trail ended with "removed"
        trail = status_records(records, "https://www.tiktok.com/@simhost1/live")
        assert [(s["state"], s["reason"]) for s in trail][-1] == ("ended", "removed"), trail
        room1 = [r for r in records if r["key"] == "7400000000000000001" and r["topic"] != "room_status"]
        assert room1, "the room added over HTTP published nothing"
        # what the room's push delivered (room_status and room_info are about the room, not from it)
        room0 = [r for r in records if r["key"] == "7400000000000000000"
                 and r["topic"] not in ("room_status", "room_info")]
        assert listed["events"] >= len(room0) > 0  # a room's events: what it published, not its status

        # /metrics agrees with Kafka: everything consumed was acknowledged and counted by type
        published = {dict(k[1])["type"]: v for k, v in m.items() if k[0] == "livetap_collector_events_published_total"}
        assert sum(published.values()) >= len(records)
        by_topic = {}
        for r in records:
            by_topic[r["topic"]] = by_topic.get(r["topic"], 0) + 1
        for topic, n in by_topic.items():
            assert published.get(topic, 0) >= n, (topic, n, published)
        assert m[("livetap_collector_kafka_delivered_total", frozenset())] >= len(records)
        assert m[("livetap_collector_kafka_failed_total", frozenset())] == 0
        assert m[("livetap_collector_rooms", frozenset({("state", "live")}))] == 1
        assert m[("livetap_collector_rooms", frozenset({("state", "error")}))] == 0
        assert m[("livetap_collector_frames_received_total", frozenset())] > 0
        assert m[("livetap_collector_sign_calls_total", frozenset())] == 2
        assert m[("livetap_collector_kafka_reachable", frozenset())] == 1
        count = m[("livetap_collector_kafka_ack_latency_ms_count", frozenset())]
        assert count == m[("livetap_collector_kafka_delivered_total", frozenset())]
        assert m[("livetap_collector_kafka_ack_latency_ms_bucket", frozenset({("le", "+Inf")}))] == count

        rc, log = coll.stop()
        coll = None
        assert rc == 0, log[-3000:]
        assert "admin: room @simhost0 added" in log
    finally:
        if coll:
            coll.stop()
        sim.stop()


def test_bad_requests_get_4xx_and_the_server_keeps_serving(prefix):
    coll = AdminCollector(None, prefix, "--dry-run")
    try:
        big = b"x" * 100000
        assert status_line(raw(coll.port, b"POST /rooms HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n" % len(big)
                               + big)) .split(" ")[1] == "413"
        r = requests.post(coll.url("/rooms"), data=b"@" + b"a" * 5000, timeout=10)
        assert r.status_code == 413
        chunked = raw(coll.port, b"POST /rooms HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                                 b"9\r\n@simhost0\r\n0\r\n\r\n")
        assert status_line(chunked).split(" ")[1] == "411"
        # garbage, a header far over the limit, a half request left hanging: answered 4xx or closed
        for junk in (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64,
                     b"GET /rooms HTTP/1.1\r\nHost: a\r\nCookie: " + b"y" * 40000 + b"\r\n\r\n",
                     b"BREW /pot HTTP/1.1\r\n\r\n",
                     b"DELETE /rooms/%00 HTTP/1.1\r\nHost: a\r\n\r\n"):
            answer = raw(coll.port, junk)
            assert answer == b"" or status_line(answer).split(" ")[1].startswith("4"), answer[:200]
        with socket.create_connection(("127.0.0.1", coll.port), timeout=10) as hanging:
            hanging.sendall(b"POST /rooms HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n@sim")
            # while one client stalls, others are served
            assert coll.get("/healthz").status_code == 200
            assert coll.get("/rooms").json() == []
        long_path = "/rooms/@" + "a" * 600
        assert coll.get(long_path).status_code in (400, 404, 414, 431)
        assert coll.get("/healthz").status_code == 200
        assert coll.get("/readyz").json()["kafka"] == "none"
        assert coll.proc.poll() is None
    finally:
        rc, log = coll.stop()
    assert rc == 0, log[-3000:]


def unused_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_readyz_503_while_no_broker_answers(prefix):
    port = unused_port()
    coll = AdminCollector(None, prefix, "--set", "kafka.require_broker_at_start=false",
                          kafka=("--kafka", f"127.0.0.1:{port}", "--registry", ""))
    try:
        r = coll.get("/readyz")
        assert r.status_code == 503, r.text
        detail = r.json()
        assert detail["ready"] is False and detail["kafka"] == "unreachable" and detail["registry"] == "none"
        assert detail["reason"].startswith("kafka: ")
        assert coll.get("/healthz").status_code == 200
        assert coll.metrics()[("livetap_collector_kafka_reachable", frozenset())] == 0
    finally:
        coll.proc.kill()
        coll.proc.wait()
        coll.log.close()


def test_lookup_resolves_like_the_collector():
    sim = Sim("--rooms", "1", "--rate", "5", "--seed", "2", "--quiet", "--fault", "simhost0:state=live")
    try:
        base = ["--web-base", sim.base, "--api-base", sim.base]
        res = run([binary("livetap-collector"), "lookup", *base, "@simhost0"], timeout=60)
        assert res.returncode == 0, res.stderr
        found = json.loads(res.stdout)
        assert found["live"] is True and found["outcome"] == "live"
        assert found["room_id"] == "7400000000000000000" and found["unique_id"] == "simhost0"
        assert found["viewer_count"] is not None

        res = run([binary("livetap-collector"), "lookup", *base, "@nobody"], timeout=60)
        assert res.returncode == 1
        assert json.loads(res.stdout)["outcome"] == "not_found"
        assert "not live" in res.stderr

        res = run([binary("livetap-collector"), "lookup", *base, "no such room!"], timeout=60)
        assert res.returncode == 2 and res.stdout == ""
        res = run([binary("livetap-collector"), "lookup", *base], timeout=60)
        assert res.returncode == 2 and "one room" in res.stderr
    finally:
        sim.stop()


def test_admin_listens_on_the_configured_address_only(prefix):
    """admin.listen 127.0.0.1 used to give *:PORT (lws binds IPv6 any with
    v6only off whatever the IPv4 iface): reachable from every interface."""
    coll = AdminCollector(None, prefix, "--dry-run")
    try:
        assert listening_addresses(coll.port) == {"127.0.0.1"}
        assert coll.get("/healthz").status_code == 200
    finally:
        coll.stop()
    coll = AdminCollector(None, prefix, "--dry-run", "--admin-listen", "::1", host="[::1]")
    try:
        assert listening_addresses(coll.port) == {"::1"}
        assert coll.get("/healthz").status_code == 200
    finally:
        coll.stop()
    res = run([binary("livetap-collector"), "--dry-run", "--admin-listen", "localhost", "--admin-port", "0"], timeout=30)
    assert res.returncode == 2 and "not an IP address" in res.stderr, res.stderr


def test_admin_token_guards_rooms_not_probes(prefix):
    token = "s3cret-" + prefix
    coll = AdminCollector(None, prefix, "--dry-run", env={"LT_ADMIN_TOKEN": token})
    try:
        good = {"Authorization": f"Bearer {token}"}
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {token}"},
                        {"Authorization": f"Bearer {token}x"}, {"Authorization": f"Bearer {token[:-1]}"}):
            r = requests.get(coll.url("/rooms"), headers=headers, timeout=10)
            assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer", (headers, r.text)
            assert "admin token" in r.json()["error"]
            r = requests.post(coll.url("/rooms"), data="7400000000000000001", headers=headers, timeout=10)
            assert r.status_code == 401
            assert requests.delete(coll.url("/rooms/7400000000000000001"), headers=headers, timeout=10).status_code == 401
        assert requests.get(coll.url("/rooms"), headers=good, timeout=10).json() == []
        assert coll.get("/healthz").status_code == 200
        assert coll.get("/readyz").status_code == 200
        assert coll.get("/metrics").status_code == 200
        assert token not in coll.logs()
    finally:
        rc, log = coll.stop()
    assert token not in log
    assert "refused" in log and "admin token" in log
    coll = AdminCollector(None, prefix, "--dry-run", "--set", f"admin.token={token}",
                          "--set", "admin.token_covers_metrics=true")
    try:
        assert coll.get("/metrics").status_code == 401
        assert requests.get(coll.url("/metrics"), headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code == 200
        assert coll.get("/healthz").status_code == 200
    finally:
        coll.stop()


def test_room_cap_answers_429(prefix):
    """2,000 rooms were added in 0.4 s with no cap; admin.max_rooms bounds it."""
    dead = "http://127.0.0.1:%d" % unused_port()
    coll = AdminCollector(None, prefix, "--dry-run", "--set", "admin.max_rooms=3", "--web-base", dead,
                          "--api-base", dead, "--sign-url", dead)
    try:
        for i in range(3):
            r = requests.post(coll.url("/rooms"), data=f"74000000000000000{i:02d}", timeout=10)
            assert r.status_code == 201, r.text
        for i in range(3, 6):
            r = requests.post(coll.url("/rooms"), data=f"74000000000000000{i:02d}", timeout=10)
            assert r.status_code == 429, r.text
            assert "room limit reached" in r.json()["error"] and "admin.max_rooms" in r.json()["error"]
        assert len(coll.get("/rooms").json()) == 3
        assert requests.delete(coll.url("/rooms/7400000000000000000"), timeout=10).status_code == 200
        assert requests.post(coll.url("/rooms"), data="7400000000000000010", timeout=10).status_code == 201
    finally:
        coll.stop()


def test_registry_password_never_logged(prefix):
    """The registry URL, credentials and all, was logged on every start."""
    scheme, rest = REGISTRY.split("://", 1)
    with_creds = f"{scheme}://livetap:pw-in-url-{prefix}@{rest}"
    coll = AdminCollector(None, prefix, kafka=("--kafka", BOOTSTRAP, "--registry", with_creds))
    try:
        assert coll.get("/readyz").json()["registry"] == "ok"
    finally:
        rc, log = coll.stop()
    assert rc == 0, log[-3000:]
    assert f"pw-in-url-{prefix}" not in log
    assert f"registered at {scheme}://livetap:***@{rest}" in log, log[-3000:]
    coll = AdminCollector(None, prefix, kafka=("--kafka", BOOTSTRAP, "--registry", REGISTRY),
                          env={"LT_REGISTRY_USERNAME": "livetap", "LT_REGISTRY_PASSWORD": f"pw-in-env-{prefix}"})
    try:
        assert coll.get("/readyz").json()["registry"] == "ok"
    finally:
        rc, log = coll.stop()
    assert rc == 0, log[-3000:]
    assert f"pw-in-env-{prefix}" not in log
    assert "(basic auth)" in log
