"""livetap-sidecar against the real broker and registry, with real WebSocket
clients: events reach exactly the clients of their room, in order, with the
right JSON; filters; replay by time and by cursor with no gap and no
duplicate; auth accepted and refused; each bad input gets its error and close
code; a client that stops reading is closed while the others keep going;
status notices; caps; graceful shutdown; health endpoints and the page.

Every test uses its own topic prefix (and so its own topics)."""
import asyncio
import base64
import hashlib
import hmac
import io
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import time
import uuid

import pytest
import requests
import websockets
# The legacy client: websockets 13.1's new asyncio client drops a message that
# arrived just before a close frame if recv() was not already waiting, and
# these tests read error frames that are followed by a close.
from websockets.legacy.client import connect as ws_connect

from bigo_sim import make_cert

BUILD = os.environ.get("LT_BUILD_DIR") or os.path.join(os.path.dirname(__file__), "..", "..", "build")
KAFKA = os.environ.get("LT_KAFKA_BOOTSTRAP", "127.0.0.1:19092")
REGISTRY = os.environ.get("LT_REGISTRY_URL", "http://127.0.0.1:18081/apis/ccompat/v7")
SOURCE = os.environ.get("LT_SOURCE_DIR") or os.path.join(os.path.dirname(__file__), "..", "..")


def unique(name):
    return f"lt{name}{uuid.uuid4().hex[:8]}"


class Sidecar:
    """A livetap-sidecar process on a free port."""

    def __init__(self, prefix, *args, registry=True):
        cmd = [os.path.join(BUILD, "livetap-sidecar"), "--port", "0", "--kafka", KAFKA,
               "--topic-prefix", prefix]
        cmd += ["--registry", REGISTRY] if registry else ["--no-registry"]
        cmd += list(args)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"127\.0\.0\.1:(\d+)/", line)
        if not m:
            self.proc.kill()
            raise RuntimeError(f"sidecar did not start: {line!r} {self.proc.stderr.read()}")
        self.port = int(m.group(1))
        tls = line.startswith("livetap-sidecar listening on https:")
        self.http = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.ws = f"{'wss' if tls else 'ws'}://127.0.0.1:{self.port}"

    def metrics(self):
        return self.metrics_over(None)

    def metrics_over(self, cafile):
        text = requests.get(self.http + "/metrics", timeout=5, verify=cafile if cafile else True).text
        out = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                out[name] = float(value)
        return out

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def demo(prefix, rooms, events, room_prefix, manifest=None, rate=None, registry=True):
    cmd = [os.path.join(BUILD, "livetap-demo"), "--kafka", KAFKA, "--topic-prefix", prefix,
           "--rooms", str(rooms), "--events-per-room", str(events), "--room-prefix", room_prefix, "-q"]
    cmd += ["--registry", REGISTRY] if registry else ["--no-registry"]
    if manifest:
        cmd += ["--manifest", manifest]
    if rate:
        cmd += ["--rate", str(rate)]
    subprocess.run(cmd, check=True, timeout=120, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if manifest:
        with open(manifest) as f:
            events = [json.loads(line) for line in f if line.strip()]
        # the compacted topics (gift catalogue, price list, discovered rooms) are not a
        # room's stream
        return [e for e in events if e["type"] not in ("gift_info", "price_list", "discovered_room")]
    return None


def as_frame(event):
    """The frame the sidecar sends for a manifest event (without the cursor)."""
    ev = dict(event)
    if ev["type"] == "room_status":
        ev["type"] = "status"
    return ev


def strip(frame):
    f = dict(frame)
    f.pop("cursor", None)
    return f


async def collect(url, count=None, timeout=20.0, idle=None, headers=None, on_open=None, ssl=None):
    """Frames from one connection until `count` arrived, `idle` seconds pass
    without one, the server closes, or `timeout`. Returns (frames, close_code)."""
    frames = []
    code = None
    deadline = time.monotonic() + timeout
    async with ws_connect(url, extra_headers=headers, max_size=None, ssl=ssl) as ws:
        if on_open:
            await on_open()
        try:
            while count is None or len(frames) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                wait = min(left, idle) if idle else left
                msg = await asyncio.wait_for(ws.recv(), wait)
                frames.append(json.loads(msg))
        except asyncio.TimeoutError:
            pass
        except websockets.ConnectionClosed as e:
            code = e.rcvd.code if e.rcvd else None
    return frames, code


async def refused(url, headers=None):
    """Connects and expects an error frame followed by a close: (frame, code)."""
    frames, code = await collect(url, timeout=10, headers=headers)
    return (frames[0] if frames else None), code, frames


def wait_until(pred, timeout=20.0, step=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return False


# --------------------------------------------------------------------------
# helpers for the assertions


def key(frame):
    return (frame["type"], frame["msg_id"], frame.get("ingest_time"))


def assert_kafka_order(frames):
    """Within a room and type (one partition), msg_ids only increase per
    ingest batch: the sidecar keeps Kafka's order."""
    last = {}
    for f in frames:
        k = (f["type"], f.get("ingest_time"))
        if k in last:
            assert f["msg_id"] > last[k], f"{f['type']} out of order: {f['msg_id']} after {last[k]}"
        last[k] = f["msg_id"]


def run(coro):
    return asyncio.run(coro)


@pytest.fixture
def tmp(tmp_path):
    return tmp_path


# --------------------------------------------------------------------------


@pytest.mark.parametrize("loop", ["epoll", "poll"])
def test_rooms_filters_order_and_json(tmp, loop):
    prefix = unique("fan")
    rp = prefix + "r"
    sc = Sidecar(prefix, "--event-loop", loop)
    try:
        manifest = str(tmp / "manifest.jsonl")

        async def scenario():
            opened = []
            ready = asyncio.Event()

            async def on_open():
                opened.append(1)
                if len(opened) == 4:
                    ready.set()

            clients = [
                asyncio.create_task(collect(f"{sc.ws}/ws/{rp}0", idle=6, timeout=90, on_open=on_open)),
                asyncio.create_task(collect(f"{sc.ws}/ws/{rp}0", idle=6, timeout=90, on_open=on_open)),
                asyncio.create_task(collect(f"{sc.ws}/ws/{rp}1", idle=6, timeout=90, on_open=on_open)),
                asyncio.create_task(collect(f"{sc.ws}/ws/{rp}2?types=chat,gift", idle=6, timeout=90,
                                            on_open=on_open)),
            ]
            await asyncio.wait_for(ready.wait(), 10)
            events = await asyncio.to_thread(demo, prefix, 4, 120, rp, manifest)
            results = [await c for c in clients]
            return events, results

        events, results = run(scenario())
        by_room = {}
        for e in events:
            by_room.setdefault(e["room_id"], []).append(as_frame(e))
        (a, _), (b, _), (c, _), (d, _) = results
        for frames, room, types in ((a, 0, None), (b, 0, None), (c, 1, None), (d, 2, {"chat", "gift"})):
            want = [f for f in by_room[f"{rp}{room}"] if types is None or f["type"] in types]
            assert len(want) > 0
            got = [strip(f) for f in frames]
            assert all(f["room_id"] == f"{rp}{room}" for f in got), "a frame of another room arrived"
            assert sorted(got, key=key) == sorted(want, key=key), f"room {room}: frames differ from what was published"
            assert len({key(f) for f in got}) == len(got), "duplicate frames"
            assert_kafka_order(got)
            assert all(re.fullmatch(r"1[A-Za-z0-9_-]+", f["cursor"]) for f in frames)
        assert {f["type"] for f in a} >= {"chat", "gift", "like", "member", "social", "viewers", "status"}
        assert not any(f["type"] == "gift_info" for fs in (a, b, c, d) for f in fs)
        m = sc.metrics()
        assert m[f'livetap_sidecar_info{{event_loop="{loop}"}}'] == 1
        assert m["livetap_sidecar_decode_errors_total"] == 0
        assert m["livetap_sidecar_frames_out_total"] >= len(a) + len(b) + len(c) + len(d)
    finally:
        assert sc.stop() == 0


def raw_upgrade(port, path):
    """A WebSocket handshake over a plain socket, so that the client can then
    do what no library client does: never answer a ping."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        assert chunk, "closed during the handshake"
        head += chunk
    assert head.startswith(b"HTTP/1.1 101"), head[:200]
    return sock, head.split(b"\r\n\r\n", 1)[1]


@pytest.mark.parametrize("loop", ["epoll", "poll"])
def test_keepalive_pings_and_idle_hangup(tmp, loop):
    """lws's own timers (ping after ping_interval_s of silence, hang up after
    idle_timeout_s without a pong) run on either loop: a client that answers
    pings stays; one that never does is hung up on time."""
    prefix = unique("ka")
    cfg = tmp / "sidecar.yaml"
    cfg.write_text("limits:\n  ping_interval_s: 1\n  idle_timeout_s: 3\n")
    sc = Sidecar(prefix, "--config", str(cfg), "--event-loop", loop)
    try:
        async def scenario():
            async with ws_connect(f"{sc.ws}/ws/kaone") as good:  # answers pings by itself
                sock, rest = await asyncio.to_thread(raw_upgrade, sc.port, "/ws/katwo")
                start = time.monotonic()

                def until_closed():
                    data = rest
                    sock.settimeout(15)
                    try:
                        while chunk := sock.recv(4096):
                            data += chunk
                    except (ConnectionResetError, socket.timeout):
                        pass
                    sock.close()
                    return data, time.monotonic() - start

                data, after = await asyncio.to_thread(until_closed)
                # the good client is still there after the silent one went
                with pytest.raises(asyncio.TimeoutError):
                    await asyncio.wait_for(good.recv(), 1.5)
                assert good.open
                clients = (await asyncio.to_thread(sc.metrics))["livetap_sidecar_clients"]
                return data, after, clients

        data, after, clients = run(scenario())
        assert data[:1] == b"\x89", f"expected a ping first, got {data[:16]!r}"
        assert 2.5 <= after <= 5.0, f"hung up after {after:.2f} s (idle_timeout_s 3)"
        assert clients == 1
    finally:
        assert sc.stop() == 0


def test_tls_wss_and_https(tmp):
    """With tls_cert/tls_key the sidecar serves wss:// and https:// only: a
    client that trusts the certificate gets its room's events, the health
    endpoints and the page answer over https, and a plain-text client is
    refused without reaching a room."""
    cert, pem_key = make_cert(str(tmp))
    prefix = unique("tls")
    rp = prefix + "r"
    sc = Sidecar(prefix, "--tls-cert", cert, "--tls-key", pem_key)
    try:
        assert sc.ws.startswith("wss://") and sc.http.startswith("https://")
        ctx = ssl.create_default_context(cafile=cert)
        manifest = str(tmp / "manifest.jsonl")

        async def scenario():
            ready = asyncio.Event()

            async def on_open():
                ready.set()

            client = asyncio.create_task(collect(f"{sc.ws}/ws/{rp}1", idle=10, timeout=90, on_open=on_open, ssl=ctx))
            await asyncio.wait_for(ready.wait(), 10)
            events = await asyncio.to_thread(demo, prefix, 2, 60, rp, manifest)
            return events, await client

        events, (frames, _) = run(scenario())
        want = [as_frame(e) for e in events if e["room_id"] == f"{rp}1"]
        got = [strip(f) for f in frames]
        assert len(want) > 0
        missing = [f for f in want if f not in got]
        extra = [f for f in got if f not in want]
        assert not missing and not extra, f"over wss: {len(missing)} missing (e.g. {missing[:1]}), {len(extra)} extra (e.g. {extra[:1]})"
        assert_kafka_order(got)

        assert requests.get(sc.http + "/healthz", verify=cert, timeout=5).status_code == 200
        assert "livetap" in requests.get(sc.http + "/", verify=cert, timeout=5).text.lower()
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(sc.http + "/healthz", timeout=5)  # an untrusted certificate is not accepted silently
        with pytest.raises(Exception):
            run(collect(f"ws://127.0.0.1:{sc.port}/ws/{rp}1", timeout=5))  # plain text on the TLS port
        m = sc.metrics_over(cert)
        assert m["livetap_sidecar_frames_out_total"] >= len(frames)
    finally:
        assert sc.stop() == 0


def test_tls_needs_both_files(tmp):
    cert, pem_key = make_cert(str(tmp))
    binary = os.path.join(BUILD, "livetap-sidecar")
    only = subprocess.run([binary, "--tls-cert", cert, "--check-config"], capture_output=True, text=True, timeout=10)
    assert only.returncode == 2 and "tls_key" in only.stderr, only.stderr
    missing = subprocess.run([binary, "--tls-cert", cert, "--tls-key", str(tmp / "nope.pem"), "--check-config"],
                             capture_output=True, text=True, timeout=10)
    assert missing.returncode == 2 and "nope.pem" in missing.stderr, missing.stderr
    both = subprocess.run([binary, "--tls-cert", cert, "--tls-key", pem_key, "--check-config"], capture_output=True,
                          text=True, timeout=10)
    assert both.returncode == 0 and "https://" in both.stdout, both.stdout
    bad = tmp / "bad.pem"
    bad.write_text("not a certificate\n")
    started = subprocess.run([binary, "--port", "0", "--tls-cert", str(bad), "--tls-key", pem_key, "--kafka", KAFKA,
                              "--no-registry", "--topic-prefix", unique("tlsbad")],
                             capture_output=True, text=True, timeout=30)
    assert started.returncode == 2 and "not a PEM certificate" in started.stderr, started.stderr
    other = tmp / "other"
    other.mkdir()
    _, other_key = make_cert(str(other))
    mismatch = subprocess.run([binary, "--tls-cert", cert, "--tls-key", other_key, "--check-config"],
                              capture_output=True, text=True, timeout=10)
    assert mismatch.returncode == 2 and "not the key of the certificate" in mismatch.stderr, mismatch.stderr


def test_single_object_encoding_without_registry(tmp):
    prefix = unique("so")
    rp = prefix + "r"
    sc = Sidecar(prefix, registry=False)
    try:
        manifest = str(tmp / "manifest.jsonl")

        async def scenario():
            ready = asyncio.Event()

            async def on_open():
                ready.set()

            t = asyncio.create_task(collect(f"{sc.ws}/ws/{rp}0", idle=6, timeout=60, on_open=on_open))
            await asyncio.wait_for(ready.wait(), 10)
            events = await asyncio.to_thread(demo, prefix, 1, 60, rp, manifest, None, False)
            return events, await t

        events, (frames, _) = run(scenario())
        assert sorted([strip(f) for f in frames], key=key) == sorted([as_frame(e) for e in events], key=key)
    finally:
        sc.stop()


def test_replay_by_cursor_and_by_time():
    prefix = unique("rp")
    rp = prefix + "r"
    room = rp + "0"
    sc = Sidecar(prefix)
    try:
        async def scenario():
            live = []

            async def live_client():
                async with ws_connect(f"{sc.ws}/ws/{room}") as ws:
                    while len(live) < 180:
                        live.append(json.loads(await asyncio.wait_for(ws.recv(), 60)))

            async def until(n):
                while len(live) < n:
                    await asyncio.sleep(0.05)

            task = asyncio.create_task(live_client())
            await asyncio.sleep(0.5)
            await asyncio.to_thread(demo, prefix, 1, 60, rp)   # batch 1
            await asyncio.wait_for(until(60), 60)
            cursor = live[29]["cursor"]
            await asyncio.sleep(1.1)
            since = int(time.time() * 1000)
            await asyncio.sleep(1.1)
            await asyncio.to_thread(demo, prefix, 1, 60, rp)   # batch 2
            await asyncio.wait_for(until(120), 60)
            # Two clients resume while a third batch is being published: the
            # replay and the live stream must meet without gap or duplicate.
            by_cursor = asyncio.create_task(collect(f"{sc.ws}/ws/{room}?cursor={cursor}", count=150, timeout=60))
            by_time = asyncio.create_task(collect(f"{sc.ws}/ws/{room}?since={since}", count=120, timeout=60))
            await asyncio.sleep(0.2)
            await asyncio.to_thread(demo, prefix, 1, 60, rp)   # batch 3
            await asyncio.wait_for(task, 60)
            return live, await by_cursor, await by_time

        live, (cur_frames, _), (time_frames, _) = run(scenario())
        assert len(live) == 180
        want_cursor = [strip(f) for f in live[30:]]
        got_cursor = [strip(f) for f in cur_frames]
        assert len(got_cursor) == 150
        assert sorted(got_cursor, key=key) == sorted(want_cursor, key=key)
        assert len({key(f) for f in got_cursor}) == 150
        assert_kafka_order(got_cursor)
        want_time = [strip(f) for f in live[60:]]
        got_time = [strip(f) for f in time_frames]
        assert sorted(got_time, key=key) == sorted(want_time, key=key)
        assert_kafka_order(got_time)
        # the replayed frames carry their own positions: resuming from the
        # 100th frame of the time-replay gives exactly what followed it
        resumed, _ = run(collect(f"{sc.ws}/ws/{room}?cursor={time_frames[99]['cursor']}", count=20, timeout=30))
        assert sorted(map(strip, resumed), key=key) == sorted(got_time[100:], key=key)
        m = sc.metrics()
        assert m["livetap_sidecar_kafka_seeks_total"] >= 1
        assert m["livetap_sidecar_events_replayed_total"] > 0
    finally:
        sc.stop()


def test_bad_inputs_get_errors_and_close_codes():
    prefix = unique("bad")
    sc = Sidecar(prefix)
    try:
        cases = [
            ("/ws/bad%20room", "malformed room id"),
            ("/ws/" + "x" * 200, "malformed room id"),
            ("/ws/room1?types=chat,nope", "unknown type in filter"),
            ("/ws/room1?types=gift_info", "unknown type in filter"),  # a catalogue, not a room's events
            ("/ws/room1?cursor=zzz", "bad cursor"),
            ("/ws/room1?since=yesterday", "bad since"),
            ("/ws/room1?since=1&cursor=1", "malformed query"),
        ]
        for path, message in cases:
            frame, code, frames = run(refused(sc.ws + path))
            assert frame is not None, path
            assert frame["type"] == "error" and frame["message"] == message, (path, frame)
            assert frame["details"], path
            assert code == 1008, (path, code)
            assert len(frames) == 1

        async def too_big():
            async with ws_connect(f"{sc.ws}/ws/room1") as ws:
                await ws.send("x" * 10000)
                try:
                    await asyncio.wait_for(ws.recv(), 5)
                except websockets.ConnectionClosed as e:
                    return e.rcvd.code
        assert run(too_big()) == 1009

        frame, code, _ = run(refused(f"{sc.ws}/not-ws/room1"))
        assert frame["message"] == "not found" and code == 1008
        r = requests.get(sc.http + "/nothing-here", timeout=5)
        assert r.status_code == 404
        m = sc.metrics()
        assert m['livetap_sidecar_rejected_total{reason="bad_request"}'] == len(cases) + 1
        assert m['livetap_sidecar_closes_total{reason="inbound_too_big"}'] == 1
    finally:
        sc.stop()


def jwt(secret, claims):
    def b64(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    sig = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(sig)}"


def test_auth_accepted_and_refused():
    prefix = unique("auth")
    secret = "integration-test-secret-0123456789abcdef"
    static = "static-token-for-tests-1234"
    sc = Sidecar(prefix, "--token", static, "--jwt-secret", secret)
    try:
        now = int(time.time())
        ok = [
            (f"{sc.ws}/ws/room1", {"Authorization": f"Bearer {static}"}),
            (f"{sc.ws}/ws/room1?access_token={static}", None),
            (f"{sc.ws}/ws/room1?access_token={jwt(secret, {'exp': now + 600})}", None),
            (f"{sc.ws}/ws/room1", {"Authorization": "Bearer " + jwt(secret, {"exp": now + 600, "rooms": ["room1"]})}),
        ]
        for url, headers in ok:
            frames, code = run(collect(url, timeout=1.5, headers=headers))
            assert frames == [] and code is None, (url, frames, code)
        refused_cases = [
            (f"{sc.ws}/ws/room1", None, "a token is required"),
            (f"{sc.ws}/ws/room1?access_token=wrong-token", None, "neither"),
            (f"{sc.ws}/ws/room1?access_token={jwt(secret, {'exp': now - 60})}", None, "expired"),
            (f"{sc.ws}/ws/room1?access_token={jwt('some-other-secret-0123456789abcdef', {'exp': now + 600})}",
             None, "signature"),
            (f"{sc.ws}/ws/room1?access_token={jwt(secret, {'exp': now + 600, 'rooms': ['room2']})}", None, "rooms"),
            (f"{sc.ws}/ws/room1", {"Authorization": "Bearer nope"}, "neither"),
        ]
        for url, headers, why in refused_cases:
            frame, code, _ = run(refused(url, headers))
            assert frame and frame["message"] == "unauthorized", (url, frame)
            assert why in frame["details"], (why, frame)
            assert code == 1008
        # a token that expires while connected ends the connection (its exp is
        # taken now, not at the start: the cases above take over 6 s, and with
        # the 5 s leeway a slow run would otherwise see it refused at the door)
        short = jwt(secret, {"exp": int(time.time()) + 2})
        frames, code = run(collect(f"{sc.ws}/ws/room1?access_token={short}", timeout=15))
        assert code == 1008
        assert frames and frames[-1]["type"] == "error" and "expired" in frames[-1]["details"]
        m = sc.metrics()
        assert m['livetap_sidecar_rejected_total{reason="unauthorized"}'] == len(refused_cases)
        assert m['livetap_sidecar_closes_total{reason="token_expired"}'] == 1
    finally:
        sc.stop()


def raw_ws_connect(port, path, rcvbuf=4096):
    """A WebSocket handshake on a plain socket that will then never be read."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect(("127.0.0.1", port))
    key_b64 = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key_b64}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    assert b" 101 " in head.split(b"\r\n")[0]
    return s


def test_slow_client_is_closed_and_others_keep_up():
    prefix = unique("slow")
    rp = prefix + "r"
    room = rp + "0"
    # the bound must be large enough that the fast client, a Python process
    # on a shared 2-core machine, survives a scheduling hiccup; the slow one
    # reads nothing and overflows it anyway
    sc = Sidecar(prefix, "--queue-frames", "1000", "--queue-bytes", "1048576")
    slow = None
    try:
        total = 12000
        slow = raw_ws_connect(sc.port, f"/ws/{room}")

        async def scenario():
            ready = asyncio.Event()

            async def on_open():
                ready.set()

            fast = asyncio.create_task(collect(f"{sc.ws}/ws/{room}", count=total, timeout=120, on_open=on_open))
            await asyncio.wait_for(ready.wait(), 10)
            # at a rate a Python client keeps up with; the slow one reads nothing
            await asyncio.to_thread(demo, prefix, 1, total, rp, None, 2000)
            return await fast

        frames, code = run(scenario())
        assert len(frames) == total and code is None
        assert len({key(f) for f in frames}) == total
        assert wait_until(lambda: sc.metrics()['livetap_sidecar_closes_total{reason="slow_client"}'] >= 1, 10)
        # the slow client's stream ends with close 1013 once it reads again
        slow.settimeout(10)
        data = b""
        while True:
            chunk = slow.recv(65536)
            if not chunk:
                break
            data += chunk
        assert b"\x88" in data and b"\x03\xf5" in data  # close frame with code 1013
        assert sc.metrics()["livetap_sidecar_clients"] <= 1
    finally:
        if slow:
            slow.close()
        sc.stop()


def register(subject, schema):
    r = requests.post(f"{REGISTRY}/subjects/{subject}/versions",
                      headers={"Content-Type": "application/vnd.schemaregistry.v1+json"},
                      data=json.dumps({"schema": json.dumps(schema)}), timeout=10)
    r.raise_for_status()
    return r.json()["id"]


def produce_status(prefix, room, state, reason=None, message=None, retry_at=None):
    from confluent_kafka import Producer
    import fastavro
    with open(os.path.join(SOURCE, "schemas", "room_status.avsc")) as f:
        schema = json.load(f)
    topic = f"{prefix}.room_status"
    sid = register(f"{topic}-value", schema)
    buf = io.BytesIO()
    now = int(time.time() * 1000)
    fastavro.schemaless_writer(buf, fastavro.parse_schema(schema), {
        "platform": "tiktok", "room_id": room, "msg_id": 0, "event_time": now, "ingest_time": now,
        "collector_id": "test", "state": state, "reason": reason, "message": message, "input": None,
        "retry_at": retry_at, "attempt": 1})
    p = Producer({"bootstrap.servers": KAFKA, "partitioner": "murmur2_random"})
    p.produce(topic, key=room.encode(), value=b"\x00" + sid.to_bytes(4, "big") + buf.getvalue())
    assert p.flush(15) == 0


def test_room_status_notices():
    prefix = unique("st")
    room = prefix + "room"
    sc = Sidecar(prefix)
    try:
        async def scenario():
            ready = asyncio.Event()

            async def on_open():
                ready.set()

            t = asyncio.create_task(collect(f"{sc.ws}/ws/{room}", timeout=60, on_open=on_open))
            await asyncio.wait_for(ready.wait(), 10)
            await asyncio.to_thread(produce_status, prefix, room, "rate_limited", "sign_rate_limited",
                                    "429 from the sign server", retry_at)
            await asyncio.sleep(4)
            await asyncio.to_thread(produce_status, prefix, room, "error", "not_found", "user is not live")
            return await t

        retry_at = int(time.time() * 1000) + 30000
        frames, code = run(scenario())
        types = [(f["type"], f.get("state")) for f in frames]
        assert types == [("status", "rate_limited"), ("error", "rate_limited"), ("status", "error"), ("error", "error")]
        assert frames[1]["message"] == "room rate-limited at the sign server"
        assert frames[1]["retry_at"] == retry_at and frames[0]["retry_at"] == retry_at
        assert "next attempt" in frames[1]["details"] and "sign server" in frames[1]["details"]
        assert frames[3]["message"] == "room not found"
        assert code == 1008
    finally:
        sc.stop()


def test_connection_rate_per_address(tmp):
    """limits.connect_rate_per_address: past the burst, an address opening
    connections too fast is refused (error frame, 1013, counted) while the
    ones it has stay open; the bucket refills at the configured rate."""
    conf = tmp / "sidecar.yaml"
    conf.write_text("limits:\n  connect_rate_per_address: 2\n  connect_burst_per_address: 3\n")
    sc = Sidecar(unique("rate"), "--config", str(conf))
    try:
        async def scenario():
            kept = [await ws_connect(f"{sc.ws}/ws/r{i}") for i in range(3)]
            frame, code, _ = await refused(f"{sc.ws}/ws/r9")
            assert frame["message"] == "too many connections" and "faster" in frame["details"] and code == 1013
            m = sc.metrics()
            assert m['livetap_sidecar_rejected_total{reason="rate"}'] == 1
            assert m["livetap_sidecar_clients"] == 3, "the connections already open were kept"
            await asyncio.sleep(0.7)  # 2/s: one token back
            again = await ws_connect(f"{sc.ws}/ws/r4")
            with pytest.raises(asyncio.TimeoutError):  # subscribed, not refused: nothing to read
                await asyncio.wait_for(again.recv(), 1.0)
            for ws in kept + [again]:
                await ws.close()

        run(scenario())
    finally:
        assert sc.stop() == 0


def test_caps_health_page_and_graceful_shutdown():
    prefix = unique("ops")
    sc = Sidecar(prefix, "--max-clients-per-address", "2")
    try:
        assert requests.get(sc.http + "/healthz", timeout=5).status_code == 200
        assert wait_until(lambda: requests.get(sc.http + "/readyz", timeout=5).status_code == 200, 10)
        ready = requests.get(sc.http + "/readyz", timeout=5)
        assert ready.status_code == 200 and ready.json()["kafka"] == "ok" and ready.json()["registry"] == "ok"
        page = requests.get(sc.http + "/rooms/123", timeout=5)
        assert page.status_code == 200 and "/app.js" in page.text
        assert "WebSocket" in requests.get(sc.http + "/app.js", timeout=5).text
        metrics = requests.get(sc.http + "/metrics", timeout=5).text
        for name in ("livetap_sidecar_clients", "livetap_sidecar_rooms_subscribed", "livetap_sidecar_events_in_total",
                     "livetap_sidecar_frames_out_total", "livetap_sidecar_closes_total", "livetap_sidecar_consumer_lag"):
            assert f"# TYPE {name} " in metrics

        async def scenario():
            a = await ws_connect(f"{sc.ws}/ws/r1")
            b = await ws_connect(f"{sc.ws}/ws/r2")
            frame, code, _ = await refused(f"{sc.ws}/ws/r3")
            assert frame["message"] == "too many connections" and code == 1013
            assert sc.metrics()["livetap_sidecar_clients"] == 2
            assert sc.metrics()["livetap_sidecar_rooms_subscribed"] == 2
            sc.proc.send_signal(signal.SIGTERM)
            codes = []
            for ws in (a, b):
                try:
                    await asyncio.wait_for(ws.recv(), 10)
                except websockets.ConnectionClosed as e:
                    codes.append(e.rcvd.code if e.rcvd else None)
            return codes

        assert run(scenario()) == [1001, 1001]
        assert sc.proc.wait(timeout=15) == 0
    finally:
        sc.stop()


# --------------------------------------------------------------------------
# Hostile clients before and around the upgrade (issue 20)


def http_from(port, path, src="127.0.0.2", extra=b"", timeout=10.0):
    """One HTTP/1.1 request from source address `src` (loopback answers any
    127/8 address): (status line, headers and body, seconds to the answer)."""
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(timeout)
    t0 = time.monotonic()
    try:
        s.connect(("127.0.0.1", port))
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n".encode()
                  + extra + b"\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
            if b"\r\n\r\n" in data and b"101 " in data.split(b"\r\n", 1)[0]:
                break
        return data.split(b"\r\n", 1)[0].decode(), data, time.monotonic() - t0
    finally:
        s.close()


def ws_upgrade_from(port, path, src="127.0.0.2"):
    """A WebSocket handshake from `src`: (status line, seconds)."""
    key = base64.b64encode(os.urandom(16)).decode()
    status, _, took = http_from(port, path, src, (f"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                                                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n")
                                .encode())
    return status, took


def raise_fd_limit(want):
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def test_slowloris_before_the_upgrade_is_bounded():
    """Issue 20, defect 4: 1,500 idle or partial-header sockets from one
    address made /healthz fail and WebSocket connects take 9-10 s. Now the
    address may hold max_handshakes_per_address sockets that have not
    upgraded; the rest are closed at accept and counted, the ones it holds
    are closed after header_timeout_s, and another address is served as
    usual. (Before the fix /healthz from the other address took ~10 s or
    failed, and no socket was closed before lws's 10 s timeout.)"""
    n = 1500
    if raise_fd_limit(n + 512) < n + 512:  # the sidecar inherits the limit
        pytest.skip("needs more file descriptors than the hard limit allows")
    prefix = unique("loris")
    sc = Sidecar(prefix, "--header-timeout", "3")
    held = []
    try:
        assert wait_until(lambda: requests.get(sc.http + "/readyz", timeout=5).status_code == 200, 15)
        for i in range(n):
            s = socket.create_connection(("127.0.0.1", sc.port), timeout=5)
            if i % 2:  # half of them start a request and never finish it
                try:
                    s.sendall(b"GET /ws/loris HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n")
                except OSError:
                    pass  # already closed at accept
            held.append(s)
        status, _, took = http_from(sc.port, "/healthz")
        assert status == "HTTP/1.1 200 OK" and took < 1.0, (status, took)
        ws_status, ws_took = ws_upgrade_from(sc.port, "/ws/legit")
        assert ws_status.startswith("HTTP/1.1 101") and ws_took < 1.0, (ws_status, ws_took)

        def closed_count():
            closed = 0
            for s in held:
                s.setblocking(False)
                try:
                    if s.recv(1024) == b"":
                        closed += 1
                except BlockingIOError:
                    pass
                except OSError:
                    closed += 1
            return closed

        # all but the 32 the address may hold are closed at once ...
        assert wait_until(lambda: closed_count() >= n - 32, 5), closed_count()
        status, body, _ = http_from(sc.port, "/metrics")
        refused_line = [ln for ln in body.decode().splitlines()
                        if ln.startswith('livetap_sidecar_refused_total{reason="handshakes_per_address"}')]
        assert refused_line and float(refused_line[0].rsplit(" ", 1)[1]) >= n - 32, refused_line
        # ... and the 32 after the header deadline (3 s), long before lws's old 10 s
        t0 = time.monotonic()
        assert wait_until(lambda: closed_count() == n, 8), closed_count()
        assert time.monotonic() - t0 < 8
        # the address is served again once its sockets are gone
        assert requests.get(sc.http + "/healthz", timeout=5).status_code == 200
    finally:
        for s in held:
            s.close()
        sc.stop()


def test_h2c_upgrade_and_overlong_query_are_refused():
    """Issue 20: an h2c upgrade on / answered 101 (the connection then spoke
    a protocol nobody serves), and query arguments after one longer than
    ~4 KB were silently dropped (here: the token, so the request was served
    unauthenticated-as-configured without its filter). Both are refused."""
    prefix = unique("h2c")
    sc = Sidecar(prefix, "--token", "a-static-token-of-enough-length")
    try:
        status, _, _ = http_from(sc.port, "/", "127.0.0.1", b"Connection: Upgrade, HTTP2-Settings\r\n"
                                 b"Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n")
        assert re.match(r"HTTP/1\.[01] 400 ", status), status
        assert sc.metrics()['livetap_sidecar_refused_total{reason="upgrade_not_websocket"}'] == 1

        async def scenario():
            long_arg = "x" * 5000
            frame, code, _ = await refused(
                f"{sc.ws}/ws/room1?pad={long_arg}&access_token=a-static-token-of-enough-length")
            assert code == 1008 and frame["message"] == "bad request", (frame, code)
            assert "too long" in frame["details"]
            many = "&".join(f"a{i}=1" for i in range(40))
            frame, code, _ = await refused(f"{sc.ws}/ws/room1?{many}&access_token=a-static-token-of-enough-length")
            assert code == 1008 and frame["message"] == "bad request", (frame, code)
            # a normal request with the token still works
            ws = await ws_connect(f"{sc.ws}/ws/room1?types=chat&access_token=a-static-token-of-enough-length")
            await ws.close()

        run(scenario())
    finally:
        sc.stop()


def test_record_too_large_is_skipped_not_fatal():
    """Issue 20: a record rendering over the per-client byte bound (8 MiB by
    default) closed every client of its room with 1013, and a client resuming
    from its cursor met it again and again. It is skipped and counted: the
    room's clients stay and get the next record; so does a replaying one."""
    prefix = unique("big")
    room = prefix + "room"
    sc = Sidecar(prefix, "--queue-bytes", "65536")
    try:
        async def scenario():
            ready = asyncio.Event()

            async def on_open():
                ready.set()

            live = asyncio.create_task(collect(f"{sc.ws}/ws/{room}?types=status", count=1, timeout=30,
                                               on_open=on_open))
            await asyncio.wait_for(ready.wait(), 10)
            await asyncio.to_thread(produce_status, prefix, room, "live", None, "x" * 100000)
            await asyncio.to_thread(produce_status, prefix, room, "live", None, "small")
            frames, code = await live
            assert code is None and [f["message"] for f in frames] == ["small"], (code, frames[:1])
            frames, code = await collect(f"{sc.ws}/ws/{room}?types=status&since=0", count=1, timeout=30)
            assert code is None and [f["message"] for f in frames] == ["small"], (code, frames[:1])

        run(scenario())
        m = sc.metrics()
        assert m["livetap_sidecar_records_too_large_total"] >= 1
        assert m['livetap_sidecar_closes_total{reason="slow_client"}'] == 0
    finally:
        sc.stop()


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def arrivals(url, count, ready, timeout=60.0):
    """When each event frame of a room arrived: {key(frame): monotonic time}."""
    got = {}
    async with ws_connect(url, max_size=None) as ws:
        ready.set()
        deadline = time.monotonic() + timeout
        try:
            while len(got) < count and time.monotonic() < deadline:
                f = json.loads(await asyncio.wait_for(ws.recv(), deadline - time.monotonic()))
                if "msg_id" in f:
                    got[key(f)] = time.monotonic()
        except asyncio.TimeoutError:
            pass
    return got


def extra_delay(attacked, control):
    """How much later than a control sidecar (same broker, same records, not
    attacked) each event reached the attacked sidecar's client, at most:
    what the attack cost, whatever the shared broker and machine did."""
    common = attacked.keys() & control.keys()
    assert common
    return max(attacked[k] - control[k] for k in common)


SILENT_REPLAYS = int(os.environ.get("LT_TEST_SILENT_REPLAYS", "150"))
# The latency and memory bounds below compare the sidecar's own speed with a
# control's: under AddressSanitizer (CI's second pass) the attacked sidecar's
# replay work is several times slower and its memory is ASan's, so there the
# tests check behaviour (every event, no crash, ASan clean) and not the bounds.
SANITIZED = "LT_SANITIZE=ON" in os.environ.get("LT_CMAKE_ARGS", "")


def test_replays_do_not_stall_other_rooms():
    """Issue 20, defect 5: 1,935 short since=0 connections on one room gave
    other rooms' clients gaps up to 13.6 s, and 500 since=0 clients that
    never read took 1.46 GB (kept after they left). Replays are bounded now
    (max_replays at once, the rest wait their turn; replay_queue_bytes per
    replaying client) and memory is returned when they go. A live client of
    another room keeps its latency while one room is hammered with replays:
    compared with a control sidecar's client (same records, no attack), its
    events arrive at most 3 s later. With 60 silent replays the old code was
    2.1 s behind and the fixed one 0.47 s on a quiet machine but 1.7 s in a
    CI run: the 150 here separate them by more than the machine's noise."""
    prefix = unique("rp")
    room_a, room_b = prefix + "a0", prefix + "b0"
    demo(prefix, 1, 20000, prefix + "a")            # the history the replays re-read
    sc, control = Sidecar(prefix), Sidecar(prefix)
    silent = []
    try:
        for s in (sc, control):
            assert wait_until(lambda: requests.get(s.http + "/readyz", timeout=5).status_code == 200, 15)
        peak = [0.0]

        async def scenario():
            ready, ready_control = asyncio.Event(), asyncio.Event()

            async def short_replays(until):
                n = 0
                while time.monotonic() < until and n < 2000:
                    try:
                        async with ws_connect(f"{sc.ws}/ws/{room_a}?since=0", max_size=None) as ws:
                            await asyncio.wait_for(ws.recv(), 2)
                    except (asyncio.TimeoutError, websockets.ConnectionClosed, OSError):
                        pass
                    n += 1
                return n

            async def sample_rss(until):
                while time.monotonic() < until:
                    peak[0] = max(peak[0], rss_mb(sc.proc.pid))
                    await asyncio.sleep(0.2)

            watched = asyncio.create_task(arrivals(f"{sc.ws}/ws/{room_b}", 400, ready))
            watched_control = asyncio.create_task(arrivals(f"{control.ws}/ws/{room_b}", 400, ready_control))
            await asyncio.wait_for(asyncio.gather(ready.wait(), ready_control.wait()), 10)
            producer = asyncio.create_task(asyncio.to_thread(demo, prefix, 1, 400, prefix + "b", None, 40))
            await asyncio.sleep(1)
            for _ in range(SILENT_REPLAYS):  # replaying clients that never read
                silent.append(await asyncio.to_thread(raw_ws_connect, sc.port, f"/ws/{room_a}?since=0"))
            until = time.monotonic() + 8
            shorts = await asyncio.gather(*(short_replays(until) for _ in range(4)), sample_rss(until))
            await producer
            return await watched, await watched_control, sum(shorts[:4])

        got, got_control, shorts = run(scenario())
        assert len(got) == len(got_control) == 400, (len(got), len(got_control))
        extra = extra_delay(got, got_control)
        print(f"room b: 400 frames, at most {extra:.3f} s later than the control; {shorts} short replays; "
              f"peak RSS {peak[0]:.0f} MB")
        if not SANITIZED:
            assert extra < 3.0, extra
        for s in silent:
            s.close()
        silent.clear()
        assert wait_until(lambda: sc.metrics()["livetap_sidecar_clients"] == 0, 15)
        if not SANITIZED:
            assert wait_until(lambda: rss_mb(sc.proc.pid) < 200, 15), rss_mb(sc.proc.pid)
            assert peak[0] < 600, peak[0]
    finally:
        for s in silent:
            s.close()
        sc.stop()
        control.stop()


def test_unknown_schema_ids_and_a_silent_registry_do_not_stop_the_stream():
    """Issue 20: schema lookups blocked the consumer thread: 3,000 unknown
    schema ids stopped every client for 17 s, and a registry that accepts
    but never answers cost 15 s per id. Lookups now run on their own thread
    with a short timeout; the consumer waits for them out of a small budget,
    skips (and counts) what is not answered in time, and remembers failures.
    Here the registry accepts and never answers, room A gets 300 records with
    ids nobody knows, and room B's live client (single-object records, which
    need no registry) gets every event at most 1.5 s later than a control
    sidecar's client (0.2 s after the fix; before it, 39 of 400 events in
    40 s)."""
    import threading
    prefix = unique("reg")
    room_a, room_b = prefix + "a0", prefix + "b0"
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1024)
    held, stop = [], threading.Event()

    def accept_and_hold():  # accepts, reads nothing, answers nothing
        silent.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(silent.accept()[0])
            except OSError:
                pass

    t = threading.Thread(target=accept_and_hold, daemon=True)
    t.start()
    sc = control = None
    try:
        demo(prefix, 1, 31, prefix + "b", registry=False)  # creates the topics
        conf = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"{prefix}.yaml")
        with open(conf, "w") as f:  # the first unknown id is waited for this long, then 2 % of the time
            f.write("registry:\n  wait_ms: 200\n")
        sc = Sidecar(prefix, "--config", conf, "--registry", f"http://127.0.0.1:{silent.getsockname()[1]}",
                     registry=False)
        os.unlink(conf)
        control = Sidecar(prefix, registry=False)

        def poison():
            from confluent_kafka import Producer
            p = Producer({"bootstrap.servers": KAFKA, "partitioner": "murmur2_random"})
            for i in range(300):
                p.produce(f"{prefix}.chat", key=room_a.encode(),
                          value=b"\x00" + (700000 + i).to_bytes(4, "big") + b"\x02\x04xx")
            assert p.flush(15) == 0

        async def scenario():
            ready, ready_control = asyncio.Event(), asyncio.Event()
            watched = asyncio.create_task(arrivals(f"{sc.ws}/ws/{room_b}", 400, ready))
            watched_control = asyncio.create_task(arrivals(f"{control.ws}/ws/{room_b}", 400, ready_control))
            await asyncio.wait_for(asyncio.gather(ready.wait(), ready_control.wait()), 10)
            producer = asyncio.create_task(
                asyncio.to_thread(demo, prefix, 1, 400, prefix + "b", None, 40, False))
            await asyncio.sleep(1)
            await asyncio.to_thread(poison)
            await producer
            return await watched, await watched_control

        got, got_control = run(scenario())
        assert len(got) == len(got_control) == 400, (len(got), len(got_control))
        extra = extra_delay(got, got_control)
        print(f"room b: at most {extra:.3f} s later than the control")
        if not SANITIZED:
            assert extra < 3.0, extra
        assert wait_until(lambda: sc.metrics()["livetap_sidecar_decode_errors_total"] >= 300, 10)
    finally:
        for s in (sc, control):
            if s:
                s.stop()
        stop.set()
        t.join(5)
        for s in held:
            s.close()
        silent.close()
