"""livetap-sim behaves like TikTok and the Euler sign server (docs/protocol/webcast.md).

A real WebSocket client (python websockets) and real HTTP requests against the
simulator binary; push frames are decoded with Python protobuf classes
compiled at test time from proto/webcast.proto by protoc.
"""
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse

import pytest
import requests

from conftest import SOURCE, binary, listening_addresses

websockets = pytest.importorskip("websockets.sync.client")


@pytest.fixture(scope="module")
def pb():
    out = tempfile.mkdtemp(prefix="lt-pb-")
    subprocess.run(["protoc", f"--proto_path={SOURCE}/proto", f"--python_out={out}", "webcast.proto"], check=True)
    sys.path.insert(0, out)
    import webcast_pb2
    return webcast_pb2


class Sim:
    def __init__(self, *args):
        self.proc = subprocess.Popen([binary("livetap-sim"), "--port", "0", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"http://127.0.0.1:(\d+)", line)
        assert m, line + self.proc.stderr.read()
        self.base = f"http://127.0.0.1:{m.group(1)}"

    def get(self, path, **kw):
        return requests.get(self.base + path, timeout=10, **kw)

    def stats(self, room):
        return next(r for r in self.get("/_sim/stats").json()["rooms"] if r["unique_id"] == room)

    def close(self):
        self.proc.terminate()
        self.proc.wait(10)


@pytest.fixture
def sim():
    s = Sim("--rooms", "3", "--rate", "50", "--tick-ms", "50")
    yield s
    s.close()


def sign(sim, pb, room_id):
    r = sim.get("/webcast/fetch", params={"client": "test", "room_id": room_id})
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/protobuf")
    cookie = r.headers["X-Set-TT-Cookie"]
    assert "ttwid=" in cookie
    fr = pb.FetchResult()
    fr.ParseFromString(r.content)
    return fr, cookie


def push_url(fr, room_id):
    params = {p.key: p.value for p in fr.route_params}
    params.update({"room_id": room_id, "compress": "gzip", "aid": "1988"})
    return fr.push_server.replace("ws://", "ws://") + "?" + urllib.parse.urlencode(params)


def frame(pb, payload_type, payload=b"", log_id=0):
    f = pb.PushFrame(payload_type=payload_type, payload_encoding="pb", payload=payload)
    if log_id:
        f.log_id = log_id
    return f.SerializeToString()


def read_msg_frames(pb, ws, want, timeout=10):
    """Reads frames until `want` messages arrived; returns (frames, messages)."""
    frames, msgs = [], []
    deadline = time.time() + timeout
    while len(msgs) < want and time.time() < deadline:
        raw = ws.recv(timeout=deadline - time.time())
        f = pb.PushFrame()
        f.ParseFromString(raw)
        frames.append(f)
        if f.payload_type != "msg":
            continue
        headers = {h.key: h.value for h in f.headers}
        body = gzip.decompress(f.payload) if headers.get("compress_type") == "gzip" else f.payload
        fr = pb.FetchResult()
        fr.ParseFromString(body)
        msgs.extend(fr.messages)
        if fr.need_ack:
            ws.send(frame(pb, "ack", fr.internal_ext, f.log_id))
    return frames, msgs


def test_web_endpoints_follow_the_protocol(sim):
    page = sim.get("/@simhost0/live").text
    state = json.loads(re.search(r'<script id="SIGI_STATE" type="application/json">(.*?)</script>', page).group(1))
    user = state["LiveRoom"]["liveRoomUserInfo"]["user"]
    assert user["uniqueId"] == "simhost0" and user["status"] == 2 and user["roomId"].isdigit()
    api = sim.get("/api-live/user/room/", params={"uniqueId": "simhost1", "sourceType": 54, "aid": 1988}).json()
    assert api["statusCode"] == 0 and api["data"]["user"]["roomId"]
    assert sim.get("/api-live/user/room/", params={"uniqueId": "nobody"}).json()["statusCode"] == 19881007
    # a user that does not exist has no LiveRoom key
    assert "LiveRoom" not in json.loads(re.search(r'SIGI_STATE" type="application/json">(.*?)</script>',
                                                  sim.get("/@nobody/live").text).group(1))
    sim.get("/_sim/fault", params={"room": "simhost2", "state": "age_restricted"})
    assert sim.get("/api-live/user/room/", params={"uniqueId": "simhost2"}).json()["statusCode"] == 4003110
    rid = sim.stats("simhost2")["room_id"]
    assert "prompts" in sim.get("/webcast/room/info/", params={"room_id": rid}).json()["data"]
    sim.get("/_sim/fault", params={"room": "simhost2", "state": "captcha"})
    assert "SIGI_STATE" not in sim.get("/@simhost2/live").text
    alive = sim.get("/webcast/room/check_alive/", params={"room_ids": rid + "," + user["roomId"]}).json()["data"]
    assert [a["alive"] for a in alive] == [False, True]


def test_push_session_enter_room_acks_heartbeats(sim, pb):
    rid = sim.stats("simhost0")["room_id"]
    fr, cookie = sign(sim, pb, rid)
    assert fr.is_first and fr.cursor and fr.internal_ext and len(fr.messages) == 3
    with websockets.connect(push_url(fr, rid), additional_headers={"Cookie": cookie}) as ws:
        # nothing is pushed before im_enter_room
        with pytest.raises(TimeoutError):
            ws.recv(timeout=0.5)
        enter = pb.ImEnterRoomMessage(room_id=int(rid), live_id=12, identity="audience")
        ws.send(frame(pb, "im_enter_room", enter.SerializeToString()))
        hb = pb.HeartBeatMessage(room_id=int(rid), send_packet_seq_id=1)
        ws.send(frame(pb, "hb", hb.SerializeToString()))
        frames, msgs = read_msg_frames(pb, ws, 60)
    types = [f.payload_type for f in frames]
    assert "im_enter_room_resp" in types and "hb" in types
    ids = [m.msg_id for m in msgs]
    assert len(ids) == len(set(ids)) and ids == sorted(ids)
    assert {m.method for m in msgs} >= {"WebcastChatMessage", "WebcastLikeMessage"}
    time.sleep(0.3)
    st = sim.stats("simhost0")
    assert st["enter_room"] == 1 and st["heartbeats"] == 1
    assert st["acks"] >= 1
    sent = sim.get("/_sim/sent", params={"room": "simhost0"}).json()["msg_ids"]
    assert sent[:3] == [m.msg_id for m in fr.messages]
    assert set(ids) <= set(sent)


def test_signed_url_is_single_use_and_cookie_bound(sim, pb):
    rid = sim.stats("simhost1")["room_id"]
    fr, cookie = sign(sim, pb, rid)
    url = push_url(fr, rid)
    # without the issued ttwid: refused the TikTok way (HTTP 200 + Handshake-Status)
    r = requests.get(url.replace("ws://", "http://"), headers={
        "Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Cookie": "ttwid=wrong"}, timeout=5)
    assert r.status_code == 200
    assert r.headers["Handshake-Status"] == "417" and r.headers["Handshake-Msg"] == "illegal secret key"
    fr, cookie = sign(sim, pb, rid)
    url = push_url(fr, rid)
    with websockets.connect(url, additional_headers={"Cookie": cookie}):
        pass
    with pytest.raises(Exception):
        with websockets.connect(url, additional_headers={"Cookie": cookie}):
            pass
    assert sim.stats("simhost1")["refused"] == 2


def test_reconnect_resends_recent_messages(sim, pb):
    rid = sim.stats("simhost0")["room_id"]
    sent_before = []
    for attempt in range(2):
        fr, cookie = sign(sim, pb, rid)
        with websockets.connect(push_url(fr, rid), additional_headers={"Cookie": cookie}) as ws:
            ws.send(frame(pb, "im_enter_room", pb.ImEnterRoomMessage(room_id=int(rid)).SerializeToString()))
            _, msgs = read_msg_frames(pb, ws, 20)
        ids = [m.msg_id for m in msgs]
        if attempt == 1:
            # the first frame of the reconnection repeats the last 5 messages sent
            # before it (the new fetch result's included)
            before = sent_before + [m.msg_id for m in fr.messages]
            assert ids[:5] == before[-5:]
            assert ids[5] > before[-1]
        time.sleep(0.3)
        sent_before = sim.get("/_sim/sent", params={"room": "simhost0"}).json()["msg_ids"]
    st = sim.stats("simhost0")
    assert st["connections"] == 2 and st["resent"] == 5


def test_broadcast_delivers_what_the_room_sent_between_upgrade_and_enter(pb):
    """--broadcast: a connection gets every message from its upgrade on, even
    when its im_enter_room frame comes several ticks later (a loaded client).
    Taking the cursor at the enter lost those messages to every collector:
    a CI run's group test saw exactly such a gap (2 messages, right after
    the first collector connected)."""
    s = Sim("--rooms", "1", "--rate", "50", "--tick-ms", "50", "--broadcast")
    try:
        rid = s.stats("simhost0")["room_id"]
        fr, cookie = sign(s, pb, rid)
        with websockets.connect(push_url(fr, rid), additional_headers={"Cookie": cookie}) as ws:
            time.sleep(0.6)  # about 30 messages made while the socket has not entered
            upgraded = s.stats("simhost0")["sent"]
            assert upgraded >= 3 + 10, upgraded
            ws.send(frame(pb, "im_enter_room", pb.ImEnterRoomMessage(room_id=int(rid)).SerializeToString()))
            _, msgs = read_msg_frames(pb, ws, upgraded - 3 + 10)
        sent = s.get("/_sim/sent", params={"room": "simhost0"}).json()["msg_ids"]
        got = [m.msg_id for m in msgs]
        # everything after the fetch result's own 3 messages, in order, none missing
        assert got == sent[3:3 + len(got)], (got[:5], sent[:8])
        assert len(got) >= upgraded - 3 + 10
        # a later fetch result carries the room's latest messages, which the
        # room had already sent, instead of new ones for this client alone
        fr2, _ = sign(s, pb, rid)
        sent2 = s.get("/_sim/sent", params={"room": "simhost0"}).json()["msg_ids"]
        ids2 = [m.msg_id for m in fr2.messages]
        assert len(ids2) == 3 and set(ids2) <= set(sent2) and sent2.count(ids2[-1]) == 1, (ids2, sent2[-5:])
    finally:
        s.close()


def test_sign_faults_and_handshake_refusal(pb):
    s = Sim("--rooms", "2", "--fault", "simhost0:sign_429_first=2", "--fault", "simhost1:refuse_first=1",
            "--api-key", "k1")
    try:
        rid0, rid1 = s.stats("simhost0")["room_id"], s.stats("simhost1")["room_id"]
        assert s.get("/webcast/fetch", params={"room_id": rid0}).status_code == 401
        for _ in range(2):
            r = s.get("/webcast/fetch", params={"room_id": rid0}, headers={"x-api-key": "k1"})
            assert r.status_code == 429
            assert r.json()["limit_label"] and r.json()["message"]
            assert int(r.headers["Retry-After"]) > 0 and r.headers["X-RateLimit-Reset"].isdigit()
        assert s.get("/webcast/fetch", params={"room_id": rid0, "apiKey": "k1"}).status_code == 200
        r = s.get("/webcast/fetch", params={"room_id": rid1, "apiKey": "k1"})
        fr = pb.FetchResult()
        fr.ParseFromString(r.content)
        url = push_url(fr, rid1).replace("ws://", "http://")
        resp = requests.get(url, headers={"Connection": "Upgrade", "Upgrade": "websocket",
                                          "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
                                          "Cookie": r.headers["X-Set-TT-Cookie"]}, timeout=5)
        assert resp.status_code == 200 and resp.headers["Handshake-Msg"] == "DEVICE_BLOCKED"
        limits = s.get("/webcast/rate_limits", params={"apiKey": "k1"}).json()
        assert set(limits) >= {"day", "hour", "minute"}
    finally:
        s.close()


def test_bad_fault_requests_are_refused(sim):
    r = sim.get("/_sim/fault", params={"room": "simhost0", "nonsense": "1"})
    assert r.status_code == 400 and "unknown key" in r.json()["error"]
    assert sim.get("/_sim/fault", params={"room": "nobody", "rate": "1"}).status_code == 400


def test_listens_on_127_0_0_1_only(sim):
    """It said 127.0.0.1 and listened on *:PORT (lws binds IPv6 any)."""
    port = int(sim.base.rsplit(":", 1)[1])
    assert listening_addresses(port) == {"127.0.0.1"}
    assert sim.get("/_sim/stats").status_code == 200
