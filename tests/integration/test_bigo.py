"""livetap-bigo against our BIGO simulator (bigo_sim) and the real Kafka + registry.

Push: login right and wrong, business messages refused without a login or
with another token, batches of every item type, retries with the same seqid
(after and before the answer), overlapping batches, data as a string or an
object, ts/data_seq as numbers, unknown and malformed items, status 3,
native pings, silent connections, bad frames of every kind, wss. Pull: the
items push "lost" arrive by pull, cursor paging, rate-limit and error
answers, token refresh (signed), the game session we mount (enable_danmu,
signed ping, disable_danmu). The gift catalogue: each anchor's region's
/gift/get_list into the compacted gift_info topic, keyed bigo:<giftid>, only
new or changed gifts, refreshed on an unknown gift id and a new session;
malformed answers counted and skipped. Kafka: every item exactly once in the right
topic with the right fields; with a private broker taken away, batches are
not answered 200 until it is back, and nothing is lost.
"""
import io
import json
import os
import ssl
import threading
import time

import fastavro
import pytest
from fastavro.schema import fingerprint, load_schema, to_parsing_canonical_form

from bigo_sim import CATALOGUE, PullServer, PushClient, Receiver, gift, heart, make_cert, make_key, msg, room_items
from bigo_sim.push import now_ms
from conftest import (BOOTSTRAP, REGISTRY, SOURCE, RegistryDecoder, avro_to_json, binary, consume_all, listening_addresses,
                      strip_logical_types, wait_for)

TYPES = ["chat", "gift", "like", "unknown", "room_status"]


def receiver(prefix, **kw):
    return Receiver(binary("livetap-bigo"), prefix, BOOTSTRAP, REGISTRY, **kw)


def read_events(prefix, expected, timeout=60):
    """Every BIGO record under the prefix, decoded: list of dicts with
    topic, key and headers added."""
    records = consume_all([f"{prefix}.{t}" for t in TYPES], expected=expected, timeout=timeout)
    dec = RegistryDecoder(REGISTRY)
    out = []
    for topic, key, value, headers in records:
        _, ev = dec.decode(value)
        ev = avro_to_json(ev)
        ev.update(topic=topic[len(prefix) + 1:], key=key.decode(), headers={k: v.decode() for k, v in headers.items()})
        out.append(ev)
    return out


def items_by_id(events):
    """(room, msg_id) -> events of the chat/gift/like topics."""
    got = {}
    for ev in events:
        if ev["topic"] in ("chat", "gift", "like"):
            got.setdefault((ev["room_id"], ev["msg_id"]), []).append(ev)
    return got


def test_login_right_and_wrong(prefix):
    r = receiver(prefix)
    try:
        c = PushClient(r.url)
        reply = c.push("before-login", {"A": [msg(1, "never")]}, token="")
        assert reply["uri"] == "dataReceptionResp"
        assert reply["data"] == {"seqid": "before-login", "rescode": 401, "message": "not logged in"}

        for account, password, abbr, ts in [("bigoUser1", "wrong", "inke", None), ("nobody", "213213", "inke", None),
                                             ("bigoUser1", "213213", "other", None),
                                             ("bigoUser1", "213213", "inke", now_ms() - 3600 * 1000)]:
            reply = c.login(account, password, abbr, timestamp=ts)
            assert reply["uri"] == "platformLoginResp"
            assert reply["data"]["code"] == 400 and reply["data"]["access_token"] == ""
            assert reply["data"]["message"]
        assert c.token is None

        sent = now_ms()
        reply = c.login("bigoUser1", "213213", "inke", timestamp=sent)
        assert reply["data"]["code"] == 200
        token = reply["data"]["access_token"]
        assert len(token) == 32 and int(token, 16) >= 0
        assert reply["retry_cnt"] == 0 and reply["resp_time"] >= reply["send_time"] - 1000 and reply["up_cost"] >= 0

        assert c.push("wrong-token", {"A": [msg(2, "never")]}, token="0" * 32)["data"]["rescode"] == 401
        other = PushClient(r.url)  # a token is good only on the connection that logged in
        other.token = token
        assert other.push("stolen", {"A": [msg(3, "never")]})["data"]["rescode"] == 401
        # a second login gets a different token
        c2 = PushClient(r.url)
        assert c2.login("bigoUser1", "213213", "inke")["data"]["access_token"] != token

        # BIGO omits fields holding their default: a batch without game_id / game_sess
        assert c.push("ok", {"A": [msg(4, "stored")]}, game_id=None, game_sess=None)["data"] == {
            "seqid": "ok", "rescode": 200, "message": ""}
        h = r.health()
        assert h["logins_ok"] == 2 and h["logins_failed"] == 4 and h["refused_unauthenticated"] == 3
        for cl in (c, other, c2):
            cl.close()
    finally:
        assert r.stop() == 0, r.logs()
    assert "213213" not in r.logs(), "a password reached the log"
    events = read_events(prefix, expected=2)
    chats = [e for e in events if e["topic"] == "chat"]
    assert [(e["room_id"], e["msg_id"], e["content"]) for e in chats] == [("A", 4, "stored")]
    # no game: null fields, no game_sess header
    for ev in events:
        assert ev["game_id"] is None and ev["game_sess"] is None and "game_sess" not in ev["headers"]


def test_batches_exactly_once_with_retries(prefix):
    r = receiver(prefix)
    expected = {}  # (room, msg_id) -> the item as first sent (what Kafka must hold)

    def remember(room, items):
        for i in items:
            expected.setdefault((room, int(i["data_seq"])), i)
    try:
        c = PushClient(r.url)
        assert c.login("bigoUser1", "213213", "inke")["data"]["code"] == 200
        a1, b1 = room_items(1, 30), room_items(1, 10)
        assert c.push("b1", {"anchorA": a1, "anchorB": b1})["data"]["rescode"] == 200
        remember("anchorA", a1)
        remember("anchorB", b1)
        # BIGO did not see our 200 and sends it again: 200 again, nothing new
        reply = c.push("b1", {"anchorA": a1, "anchorB": b1}, retry_cnt=1)
        assert reply["retry_cnt"] == 1 and reply["data"]["rescode"] == 200
        # an overlapping batch (push re-delivers 25..30)
        a2 = room_items(25, 16)
        assert c.push("b2", {"anchorA": a2})["data"]["rescode"] == 200
        remember("anchorA", a2)
        # data as an inline object, ts and data_seq as numbers, `data` for `datas`
        a3 = [msg(41, "numbers", as_numbers=True), heart(42, 7)]
        data = {"seqid": "b3", "timestamp": now_ms(), "game_id": "10000", "game_sess": "gs1", "status": 2,
                "danmu_data": [{"openid": "anchorA", "data": a3}]}
        c.send("dataReception", data, data_as_object=True)
        assert c.recv()["data"]["rescode"] == 200
        remember("anchorA", a3)
        # the retry arrives before the answer to the first send
        a4 = room_items(43, 5)
        c.push("b4", {"anchorA": a4}, wait=False)
        c.push("b4", {"anchorA": a4}, retry_cnt=1, wait=False)
        replies = sorted((c.recv(), c.recv()), key=lambda x: x["retry_cnt"])
        assert [x["data"]["rescode"] for x in replies] == [200, 200]
        remember("anchorA", a4)
        # an item type nobody documented, and a malformed gift: kept in unknown
        odd = [{"type": "follow", "user": "u9", "ts": str(now_ms()), "data_seq": "60"},
               {"type": "gift", "gift_id": "not a number", "data_seq": "61", "ts": str(now_ms())}]
        assert c.push("b5", {"anchorA": odd})["data"]["rescode"] == 200
        # the stream closes (sent once, empty datas)
        reply = c.push("b6", {"anchorA": []}, status=3)
        assert reply["data"]["rescode"] == 200
        assert c.push("b6", {"anchorA": []}, status=3, retry_cnt=1)["data"]["rescode"] == 200
        h = r.health()
        assert h["batches"] == 9 and h["batches_acked"] == 9 and h["duplicates"] > 0
        # the same counters for Prometheus
        m, ctype = r.metrics()
        assert ctype.startswith("text/plain") and "version=0.0.4" in ctype
        assert m['livetap_bigo_batches_total{outcome="received"}'] == 9
        assert m['livetap_bigo_batches_total{outcome="acked"}'] == 9
        assert m["livetap_bigo_duplicates_total"] == h["duplicates"]
        assert m['livetap_bigo_logins_total{result="ok"}'] == 1 and m["livetap_bigo_connections_open"] == 1
        assert m["livetap_bigo_events_delivered_total"] == h["delivered"] > 0
        c.close()
    finally:
        assert r.stop() == 0, r.logs()

    # items + 2 unknown + room_status: live A, live B, ended A
    events = read_events(prefix, expected=len(expected) + 2 + 3)
    got = items_by_id(events)
    assert set(got) == set(expected)
    dupes = {k: len(v) for k, v in got.items() if len(v) > 1}
    assert not dupes, f"published more than once: {dupes}"
    for (room, msg_id), (ev,) in got.items():
        item = expected[(room, msg_id)]
        assert ev["key"] == room and ev["platform"] == "bigo" and ev["collector_id"] == "it-bigo"
        assert ev["headers"]["platform"] == "bigo" and ev["headers"]["event_type"] == ev["topic"]
        assert ev["headers"]["msg_id"] == str(msg_id)
        assert ev["game_id"] == "10000" and ev["game_sess"] == "gs1" and ev["headers"]["game_sess"] == "gs1"
        assert ev["event_time"] == int(item["ts"])
        assert ev["user"]["unique_id"] == item["user"] and ev["user"]["nickname"] == item["nick_name"]
        assert ev["user"]["avatar_url"] == item["user_img"]
        if item["type"] == "msg":
            assert ev["topic"] == "chat" and ev["content"] == item["content"]
        elif item["type"] == "gift":
            assert ev["topic"] == "gift"
            assert (ev["gift_id"], ev["gift_name"], ev["gift_image_url"]) == (item["gift_id"], item["gift_name"], item["gift_url"])
            assert ev["diamond_count"] == item["gift_value"] and ev["repeat_count"] == item["gift_count"]
            assert ev["gifts_added"] == item["gift_count"]
            assert ev["diamonds_added"] == item["gift_value"] * item["gift_count"]
            assert ev["repeat_end"] and ev["streak_closed"]
        else:
            assert ev["topic"] == "like" and ev["count"] == item["count"]
    unknown = sorted((e for e in events if e["topic"] == "unknown"), key=lambda e: e["msg_id"])
    assert [(e["room_id"], e["msg_id"], e["method"]) for e in unknown] == [("anchorA", 60, "bigo.follow"),
                                                                           ("anchorA", 61, "bigo.gift")]
    assert unknown[0]["reason"] == "no_decoder"
    assert json.loads(bytes.fromhex(unknown[0]["payload"]))["user"] == "u9"
    assert "gift_id" in unknown[1]["reason"]
    status = sorted((e["room_id"], e["state"], e["reason"]) for e in events if e["topic"] == "room_status")
    assert status == [("anchorA", "ended", "stream_closed"), ("anchorA", "live", "game_mounted"),
                      ("anchorB", "live", "game_mounted")]
    for ev in events:  # unknown items and room_status too
        assert (ev["game_id"], ev["game_sess"], ev["headers"]["game_sess"]) == ("10000", "gs1", "gs1"), ev


def test_pings_keep_a_connection_and_silence_closes_it(prefix):
    r = receiver(prefix, settings={"push.idle_timeout_s": 2})
    try:
        pinger, silent, quiet_after_login = PushClient(r.url), PushClient(r.url), PushClient(r.url)
        assert quiet_after_login.login("bigoUser1", "213213", "inke")["data"]["code"] == 200
        assert pinger.login("bigoUser1", "213213", "inke")["data"]["code"] == 200
        t0 = time.time()
        while time.time() - t0 < 5:  # BIGO pings every 5 s; here faster than the 2 s timeout
            assert pinger.ping(), "no pong"
            time.sleep(0.5)
        assert silent.close_code(timeout=5) == 1001
        assert quiet_after_login.close_code(timeout=5) == 1001
        # the pinging connection is still up and usable
        assert pinger.push("after-pings", {"A": [heart(1)]})["data"]["rescode"] == 200
        h = r.health()
        assert h["idle_closed"] == 2 and h["connections_open"] == 1
        pinger.close()
    finally:
        assert r.stop() == 0, r.logs()


def test_bad_input_is_refused_and_survived(prefix):
    r = receiver(prefix, settings={"push.max_frame_bytes": 4096, "push.max_msgs_per_s": 20})
    try:
        for payload, code in [("not json", 1007), ('{"no":"uri"}', 1007), ("[1,2,3]", 1007), (b"\x00\x01binary", 1003),
                              ('{"uri":"dataReception","data":"' + "x" * 5000 + '"}', 1009)]:
            c = PushClient(r.url)
            c.send_raw(payload)
            assert c.close_code() == code, payload[:20]

        c = PushClient(r.url)
        # the doc's own login sample has an md5(...) expression in data: not JSON
        c.send_raw('{"uri":"platformLogin","retry_cnt":0,"send_time":1713249091251,"data":"{\\"account\\":\\"bigoUser1\\"'
                   ',\\"timestamp\\":\\"1713249091251\\",\\"sign\\":md5(\\"password\\")}"}')
        reply = c.recv()
        assert reply["uri"] == "platformLoginResp" and reply["data"]["code"] == 400
        assert c.login("bigoUser1", "213213", "inke")["data"]["code"] == 200
        c.send("dataReception", "{oops")
        assert c.recv()["data"]["rescode"] == 400
        c.send("dataReception", {"danmu_data": []})  # no seqid
        assert c.recv()["data"]["rescode"] == 400
        c.send("dataReception", {"seqid": "s", "danmu_data": {"openid": "A"}})
        assert c.recv()["data"]["rescode"] == 400
        # an uri BIGO may add one day: stored whole, answered after Kafka has it
        c.send("pkInvite", {"seqid": "pk1", "openid": "anchorP", "pk_info": ["anchorP", "anchorQ"], "action": 0})
        reply = c.recv()
        assert reply["uri"] == "pkInviteResp" and reply["data"] == {"seqid": "pk1", "rescode": 200, "message": ""}
        # a flood from one connection
        for i in range(200):
            try:
                c.send("dataReception", {"seqid": f"f{i}", "danmu_data": []})
            except Exception:
                break
        from websockets.exceptions import ConnectionClosed
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                c.recv(timeout=10)
        # 1008, unless the close frame was lost to the reset of a socket we
        # were still writing to; the server's counter says which it was
        assert closed.value.rcvd is None or closed.value.rcvd.code == 1008
        # still serving
        fresh = PushClient(r.url)
        assert fresh.login("bigoUser1", "213213", "inke")["data"]["code"] == 200
        assert fresh.push("after", {"anchorP": [msg(1, "alive")]})["data"]["rescode"] == 200
        h = r.health()
        assert h["bad_frames"] >= 8 and h["oversized"] == 1 and h["floods"] == 1 and h["unknown_uris"] == 1
        fresh.close()
    finally:
        assert r.stop() == 0, r.logs()
    events = read_events(prefix, expected=3)
    unknown = [e for e in events if e["topic"] == "unknown"]
    assert len(unknown) == 1 and unknown[0]["method"] == "bigo.uri.pkInvite" and unknown[0]["reason"] == "unknown_uri"
    assert unknown[0]["room_id"] == "anchorP"
    assert json.loads(bytes.fromhex(unknown[0]["payload"]))["pk_info"] == ["anchorP", "anchorQ"]


def test_wss_with_a_configured_certificate(prefix, tmp_path):
    cert, key = make_cert(str(tmp_path))
    r = receiver(prefix, tls=(cert, key))
    try:
        assert r.url.startswith("wss://")
        ctx = ssl.create_default_context(cafile=cert)
        try:
            c = PushClient(r.url, ssl=ctx)
        except TimeoutError:
            # Seen once in a CI run (1 of about 40 runs of this test): the TLS
            # handshake completed and the HTTP upgrade got no answer in 10 s.
            # Not reproduced in 40 local attempts under load. A real BIGO
            # server reconnects; so does this test, once, and the receiver's
            # log of the stalled attempt goes to the test output.
            print("wss upgrade stalled; receiver log so far:\n" + r.logs()[-4000:])
            c = PushClient(r.url, ssl=ctx)
        assert c.login("bigoUser1", "213213", "inke")["data"]["code"] == 200
        assert c.push("tls", {"anchorT": [gift(7)]})["data"]["rescode"] == 200
        assert c.ping()
        assert r.health(ssl_context=ctx)["batches_acked"] == 1
        c.close()
    finally:
        assert r.stop() == 0, r.logs()
    events = read_events(prefix, expected=2)
    assert [(e["topic"], e["room_id"], e["msg_id"]) for e in events if e["topic"] == "gift"] == [("gift", "anchorT", 7)]


def test_pull_delivers_what_push_lost(prefix, tmp_path):
    key_path, public = make_key(str(tmp_path), "rsa")
    server = PullServer(public_key_pem=public)
    server.add_anchor("anchorA", "at-1", "rt-1")
    tokens = tmp_path / "tokens"
    tokens.write_text("# anchors\nanchorA at-1 rt-1\n")
    t0 = now_ms()
    everything = room_items(1, 22, ts=t0)
    server.add_items("gs-pull", "anchorA", everything)
    # first a rate-limit answer, a gateway limit, a platform error; then the token expires
    server.script(("rescode", 401), ("http", 408), ("rescode", 500))
    server.revoke("anchorA")
    settings = {"pull.enabled": "true", "pull.base_url": server.url, "pull.tokens_file": str(tokens),
                "pull.private_key_file": key_path, "pull.client_id": "it-client", "pull.batch": 4,
                "pull.interval_ms": 300, "pull.rate_per_user": 5,
                "pull.gift_catalogue": "false"}  # counts below are pull's; the catalogue has its own tests
    r = receiver(prefix, settings=settings)
    try:
        c = PushClient(r.url)
        assert c.login("bigoUser1", "213213", "inke")["data"]["code"] == 200
        pushed = [i for i in everything if int(i["data_seq"]) % 2]  # push loses every even item
        assert c.push("p1", {"anchorA": pushed}, game_sess="gs-pull")["data"]["rescode"] == 200
        wait_for(lambda: r.health()["published"] >= 22 + 1, 60, "pull to deliver the rest")
        # the stream ends: the session is drained and dropped
        assert c.push("p2", {"anchorA": []}, game_sess="gs-pull", status=3)["data"]["rescode"] == 200
        wait_for(lambda: r.health()["pull"]["sessions"] == 1 and "done with game_sess gs-pull" in r.logs(), 30,
                 "the session to end")
        h = r.health()
        assert h["pull"]["rate_limited"] >= 2 and h["pull"]["token_refreshes"] == 1
        c.close()
    finally:
        assert r.stop() == 0, r.logs()
        server.stop()
    assert "at-1" not in r.logs() and "rt-1" not in r.logs()

    events = read_events(prefix, expected=22 + 2)
    got = items_by_id(events)
    assert set(got) == {("anchorA", int(i["data_seq"])) for i in everything}
    assert all(len(v) == 1 for v in got.values()), "an item reached Kafka twice"
    # pushed (odd) and pulled (even) items alike carry the session's game; the
    # pull session learned game_id from the push batch that named it
    for (ev,) in got.values():
        assert (ev["game_id"], ev["game_sess"], ev["headers"]["game_sess"]) == ("10000", "gs-pull", "gs-pull"), ev

    pulls = server.calls_to("/broom/pull_data")
    answered = [c for c in pulls if c[3][0] == 200 and c[3][1].get("rescode") == 200]
    assert len(answered) >= 6  # 22 items in pages of 4
    for path, headers, body, answer in pulls:
        assert body["game_sess"] == "gs-pull" and body["game_users"] == ["anchorA"] and body["batch"] == 4
        assert body["timestamp"] <= t0
    # the cursor moved forward page by page, never back
    seen = [json.loads(__import__("base64").b64decode(c[2]["context"]) or b"{}").get("anchorA", 0) if c[2]["context"]
            else 0 for c in answered]
    assert seen == sorted(seen) and seen[-1] >= 20
    # at most the scripted rate-limit answers: our own pace stayed under BIGO's
    assert sum(1 for c in pulls if c[3][1].get("rescode") == 401) == 1
    refresh = server.calls_to("/sign/oauth2/refresh_token")
    assert len(refresh) == 1 and refresh[0][3][0] == 200, "signed refresh must verify"
    assert refresh[0][1]["bigo-client-id"] == "it-client"
    # only the newest pair is valid: it was written back
    line = [ln for ln in tokens.read_text().splitlines() if ln.startswith("anchorA ")][0].split()
    assert line[1] == server.tokens["anchorA"] and line[2] == server.refresh["anchorA"]


def test_mounted_session_enable_ping_disable(prefix, tmp_path):
    key_path, public = make_key(str(tmp_path), "ec")
    server = PullServer(public_key_pem=public)
    server.add_anchor("anchorM", "at-m")
    server.on_enable["anchorM"] = room_items(100, 6, ts=now_ms() + 1000)
    settings = {"pull.enabled": "true", "pull.base_url": server.url, "pull.tokens": "anchorM=at-m",
                "pull.private_key_file": key_path, "pull.client_id": "it-client", "pull.rooms": "anchorM",
                "pull.game_id": "777", "pull.ping_interval_s": 5, "pull.interval_ms": 300}
    r = receiver(prefix, settings=settings)
    try:
        wait_for(lambda: server.calls_to("/broom/enable_danmu"), 20, "enable_danmu")
        wait_for(lambda: r.health()["published"] >= 6 + len(CATALOGUE), 30, "the mounted session's items")
        wait_for(lambda: server.calls_to("/broom/ping"), 20, "a keep-alive ping")
    finally:
        assert r.stop() == 0, r.logs()
        server.stop()
    enable = server.calls_to("/broom/enable_danmu")[0]
    assert enable[1]["Authorization"] == "Bearer at-m"
    assert enable[2]["game_id"] == "777" and enable[2]["game_users"] == ["anchorM"] and enable[2]["game_sess"]
    ping = server.calls_to("/broom/ping")[0]
    assert ping[3] == (200, {"seqid": ping[2]["seqid"], "rescode": 200}), "ES256 ping signature must verify"
    assert ping[2]["game_sess"] == enable[2]["game_sess"]
    gifts = server.calls_to("/gift/get_list")
    assert gifts and all(c[1]["Authorization"] == "Bearer at-m" and c[3][0] == 200 for c in gifts)
    disable = server.calls_to("/broom/disable_danmu")
    assert len(disable) == 1 and disable[0][2]["game_sess"] == enable[2]["game_sess"] and disable[0][2]["reason"] == 2
    events = read_events(prefix, expected=6)
    assert sorted(k[1] for k in items_by_id(events)) == list(range(100, 106))
    # pulled items of the session we mounted: our game_id, the game_sess BIGO answered
    sess = enable[2]["game_sess"]
    for ev in events:
        assert (ev["game_id"], ev["game_sess"], ev["headers"]["game_sess"]) == ("777", sess, sess), ev


def single_object_decoder():
    schemas, fingerprints = {}, {}
    for t in TYPES:
        s = load_schema(os.path.join(SOURCE, "schemas", f"{t}.avsc"), _write_hint=False)
        fingerprints[t] = bytes.fromhex(fingerprint(to_parsing_canonical_form(s), "CRC-64-AVRO"))
        schemas[t] = fastavro.parse_schema(strip_logical_types(s))

    def decode(t, value):
        assert value[:2] == b"\xc3\x01" and value[2:10] == fingerprints[t]
        return avro_to_json(fastavro.schemaless_reader(io.BytesIO(value[10:]), schemas[t]))
    return decode


def test_acks_withheld_while_kafka_is_down(prefix, private_kafka):
    kafka = private_kafka
    r = Receiver(binary("livetap-bigo"), prefix, kafka.bootstrap, "", settings={"push.ack_timeout_ms": 1500})
    try:
        c = PushClient(r.url)
        assert c.login("bigoUser1", "213213", "inke")["data"]["code"] == 200
        first = room_items(1, 10)
        # the first batch creates the topics: it may take more than one ack timeout
        assert c.push_until_stored("k1", {"anchorK": first})[-1] == 200
        kafka.stop()
        restart = threading.Timer(6.0, kafka.start)
        restart.start()
        second = room_items(11, 10)
        codes = c.push_until_stored("k2", {"anchorK": second}, tries=60, pause=0.5)
        restart.join()
        assert codes[-1] == 200, codes
        assert len(codes) >= 3 and all(code == 503 for code in codes[:-1]), codes
        assert c.push_until_stored("k3", {"anchorK": room_items(21, 5)})[-1] == 200
        c.close()
    finally:
        assert r.stop() == 0, r.logs()
    records = consume_all([f"{prefix}.{t}" for t in TYPES], expected=25 + 1, bootstrap=kafka.bootstrap)
    decode = single_object_decoder()
    ids = [decode(t[len(prefix) + 1:], v)["msg_id"] for t, _, v, _ in records
           if t[len(prefix) + 1:] in ("chat", "gift", "like")]
    assert sorted(ids) == list(range(1, 26)), "every item exactly once"


def push_batch_then_restart(prefix, sig, seed=True):
    """A batch stored (200), the receiver ended with `sig`, a new receiver on
    the same topics, the same batch re-sent with the same seqid (as BIGO does
    when it saw no 200). Returns the second receiver's health and metrics
    and its log, and how many records the batch made."""
    rooms = {"anchorR": room_items(1, 30), "anchorS": room_items(1, 12)}
    r = receiver(prefix)
    try:
        c = PushClient(r.url)
        assert c.login("bigoUser1", "213213", "inke")["data"]["code"] == 200
        assert c.push("r1", rooms)["data"]["rescode"] == 200
        c.close()
    finally:
        if sig == "SIGKILL":
            r.proc.kill()
            r.proc.wait()
            r.log.close()
        else:
            assert r.stop() == 0, r.logs()
    r2 = receiver(prefix, settings={"dedupe.seed": str(seed).lower()})
    try:
        c = PushClient(r2.url)
        assert c.login("bigoUser1", "213213", "inke")["data"]["code"] == 200
        reply = c.push("r1", rooms, retry_cnt=1)
        assert reply["retry_cnt"] == 1 and reply["data"]["rescode"] == 200
        # and a batch that overlaps it: only the new items are published
        assert c.push("r2", {"anchorR": room_items(25, 10)})["data"]["rescode"] == 200
        health, (metrics, _) = r2.health(), r2.metrics()
        c.close()
    finally:
        assert r2.stop() == 0, r2.logs()
    return health, metrics, r2.logs(), 30 + 12 + 2


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGKILL"])
def test_restart_then_the_same_batch_again_publishes_nothing_twice(prefix, sig):
    """Dedupe across restarts: every record carries its ledger key (header
    bigo_key); a restarted receiver reads the last hour back from Kafka
    before it takes a batch, so BIGO's retry of a batch stored before the
    restart is answered 200 without publishing anything again."""
    health, metrics, log, records = push_batch_then_restart(prefix, sig)
    seed = health["seed"]
    assert seed["outcome"] == "complete" and seed["keys"] == records and seed["records"] == records, (seed, log)
    assert f"seeded {records} keys from {records} records in " in log, log
    assert metrics['livetap_bigo_seed_total{outcome="complete"}'] == 1
    assert metrics['livetap_bigo_seed_total{outcome="failed"}'] == 0
    assert metrics["livetap_bigo_seed_keys_total"] == records and metrics["livetap_bigo_seed_records_total"] == records
    assert metrics["livetap_bigo_seed_duration_seconds"] < 30
    # the retry: 42 items + 2 room statuses already in Kafka; r2: 4 of 10
    # items new, its room status not
    assert health["duplicates"] == records + 7 and health["published"] == 4, health
    events = read_events(prefix, expected=records + 4)
    got = items_by_id(events)
    assert sorted(got) == sorted([("anchorR", i) for i in range(1, 35)] + [("anchorS", i) for i in range(1, 13)])
    assert not {k: len(v) for k, v in got.items() if len(v) > 1}, "published more than once"
    status = sorted((e["room_id"], e["state"]) for e in events if e["topic"] == "room_status")
    assert status == [("anchorR", "live"), ("anchorS", "live")]
    for ev in events:
        key = ev["headers"]["bigo_key"]
        if ev["topic"] == "room_status":
            assert key == f"gs1\x1f{ev['room_id']}\x1fstatus:live"
        else:
            assert key == f"gs1\x1f{ev['room_id']}\x1f{ev['msg_id']}"


def test_restart_without_seeding_publishes_again(prefix):
    """The control: with dedupe.seed false the restarted receiver's ledger
    is empty and the retried batch reaches Kafka a second time."""
    health, metrics, log, records = push_batch_then_restart(prefix, "SIGTERM", seed=False)
    assert health["seed"]["outcome"] == "off" and "seeded" not in log
    assert health["duplicates"] == 7 and health["published"] == records + 4, health
    got = items_by_id(read_events(prefix, expected=2 * records + 4))
    assert sum(len(v) for v in got.values()) == 2 * (records - 2) + 4


def test_restart_seeding_bound_hit_is_said_and_counted(prefix):
    """dedupe.seed_max_records smaller than what Kafka holds: the receiver
    starts with what it read, says so, counts the outcome incomplete, and the
    retry loses nothing (what was not read back may come twice)."""
    items = room_items(1, 1500)
    r = receiver(prefix)
    try:
        c = PushClient(r.url)
        assert c.login("bigoUser1", "213213", "inke")["data"]["code"] == 200
        assert c.push("big", {"anchorB": items})["data"]["rescode"] == 200
        c.close()
    finally:
        assert r.stop() == 0, r.logs()
    r2 = receiver(prefix, settings={"dedupe.seed_max_records": 1000})
    try:
        seed = r2.health()["seed"]
        assert seed["outcome"] == "incomplete" and seed["records"] == 1000 and seed["keys"] <= 1000, seed
        m, _ = r2.metrics()
        assert m['livetap_bigo_seed_total{outcome="incomplete"}'] == 1
        assert m['livetap_bigo_seed_total{outcome="complete"}'] == 0
        assert "stopped at dedupe.seed_max_records" in r2.logs() and "never a loss" in r2.logs()
        c = PushClient(r2.url)
        assert c.login("bigoUser1", "213213", "inke")["data"]["code"] == 200
        assert c.push("big", {"anchorB": items}, retry_cnt=1)["data"]["rescode"] == 200
        c.close()
    finally:
        assert r2.stop() == 0, r2.logs()
    got = items_by_id(read_events(prefix, expected=1501 + 1501 - seed["keys"]))
    assert set(got) == {("anchorB", i) for i in range(1, 1501)}, "nothing lost"


def test_admin_listener_probes_and_metrics(prefix):
    """The private admin port (as the Helm chart runs it): healthz, readyz
    with Kafka reachable, the same metrics as the push port, no /rooms."""
    import requests

    r = receiver(prefix, settings={"admin.enabled": "true", "admin.port": "0"})
    try:
        assert r.admin_port and r.admin_port != r.port
        base = f"http://127.0.0.1:{r.admin_port}"
        assert requests.get(base + "/healthz", timeout=5).json() == {"ok": True}
        ready = wait_for(lambda: (lambda x: x if x.status_code == 200 else None)(requests.get(base + "/readyz", timeout=5)),
                         20, "readyz 200")
        assert ready.json()["kafka"] == "ok", ready.text
        c = PushClient(r.url)
        assert c.login("bigoUser1", "213213", "inke")["data"]["code"] == 200
        assert c.push("a1", {"anchorA": room_items(1, 3)})["data"]["rescode"] == 200
        text = requests.get(base + "/metrics", timeout=5)
        assert text.headers["Content-Type"].startswith("text/plain")
        assert 'livetap_bigo_batches_total{outcome="acked"} 1' in text.text
        assert requests.get(base + "/rooms", timeout=5).status_code == 404
        assert requests.post(base + "/readyz", timeout=5).status_code == 405
        c.close()
    finally:
        assert r.stop() == 0, r.logs()


def test_shipped_config_loads(prefix):
    """config/bigo.yaml is valid: with its TLS lines swapped for a local
    port, it starts, serves a login and stops cleanly."""
    import subprocess
    args = [binary("livetap-bigo"), "--config", os.path.join(SOURCE, "config", "bigo.yaml"), "--port", "0",
            "--set", "listen.address=127.0.0.1", "--set", "listen.tls_cert=", "--set", "listen.tls_key=",
            "--topic-prefix", prefix, "--dry-run"]
    env = dict(os.environ, BIGO_PLATFORM_ABBR="inke", BIGO_PUSH_ACCOUNTS="bigoUser1:213213")
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("listening on "), proc.stderr.read() if proc.poll() is not None else line
        c = PushClient(f"ws://127.0.0.1:{int(line.split()[2])}/bigo/push")
        assert c.login("bigoUser1", "213213", "inke")["data"]["code"] == 200
        assert c.push("cfg", {"anchorC": [msg(1, "dry")]})["data"]["rescode"] == 200
        c.close()
        events = [json.loads(proc.stdout.readline()) for _ in range(2)]  # room_status live, then the chat
        assert [e["type"] for e in events] == ["room_status", "chat"] and events[1]["content"] == "dry"
        assert all((e["game_id"], e["game_sess"]) == ("10000", "gs1") for e in events), events
    finally:
        proc.terminate()
        assert proc.wait(30) == 0


def read_gift_info(prefix, expected, timeout=60):
    records = consume_all([f"{prefix}.gift_info"], expected=expected, timeout=timeout)
    dec = RegistryDecoder(REGISTRY)
    out = []
    for _, key, value, headers in records:
        ev = avro_to_json(dec.decode(value)[1])
        ev.update(key=key.decode(), headers={k: v.decode() for k, v in headers.items()})
        out.append(ev)
    return out


def test_gift_catalogue_published_once_refreshed_on_change(prefix, tmp_path):
    """Two anchors in two regions (anchorB's prices 1003 and 1005 differently
    and lists 2001 too); pull.enabled off: the catalogue needs only tokens."""
    server = PullServer()
    server.add_anchor("anchorA", "at-a")
    server.add_anchor("anchorB", "at-b", region="tr")
    tokens = tmp_path / "tokens"
    tokens.write_text("anchorA at-a\nanchorB at-b\n")  # configuration order: anchorA decides shared gifts
    settings = {"pull.base_url": server.url, "pull.tokens_file": str(tokens), "pull.gift_catalogue_min_refresh_s": 1}
    r = receiver(prefix, settings=settings)
    try:
        wait_for(lambda: r.health()["gift_catalogue"]["lists"] == 2, 30, "both anchors' gift lists")
        time.sleep(1.0)
        g = r.health()["gift_catalogue"]
        assert (g["published"], g["regional_variants"], g["unchanged"]) == (len(CATALOGUE) + 1, 2, len(CATALOGUE) - 2), g
        first = len(CATALOGUE) + 1

        # anchorA's region re-prices the lollipop and gets a new gift; a push
        # gift item carries the new id: anchorA's list is asked again at once
        server.set_gift(1002, openids=["anchorA"], value=12)
        server.add_gift({"giftid": 3001, "gift_level": 5, "value": 9999, "icon": "https://static.bigo.tv/g/3001.webp",
                         "gift_name": "Galaxy"}, openids=["anchorA"])
        c = PushClient(r.url)
        assert c.login("bigoUser1", "213213", "inke")["data"]["code"] == 200
        time.sleep(1.1)  # past min_refresh_s since the start
        assert c.push("g1", {"anchorA": [gift(1, gift_id=3001, value=9999, name="Galaxy")]})["data"]["rescode"] == 200
        wait_for(lambda: r.health()["gift_catalogue"]["lists"] == 3, 20, "the refresh on an unknown gift")
        g = r.health()["gift_catalogue"]
        assert g["unknown_refreshes"] == 1 and g["published"] == first + 2, g

        # a gift id BIGO's list does not have: one refresh, then no more
        time.sleep(1.1)
        assert c.push("g2", {"anchorA": [gift(2, gift_id=9999)]})["data"]["rescode"] == 200
        wait_for(lambda: r.health()["gift_catalogue"]["unlisted"] == 1, 20, "the refresh for the unlisted id")
        time.sleep(1.1)
        assert c.push("g3", {"anchorA": [gift(3, gift_id=9999)]})["data"]["rescode"] == 200
        time.sleep(1.5)
        assert r.health()["gift_catalogue"]["lists"] == 4

        # a new game session of anchorB asks for its list again: 2001's new price
        server.set_gift(2001, openids=["anchorB"], value=175)
        assert c.push("g4", {"anchorB": [gift(4, gift_id=1001, value=1)]}, game_sess="gs-b")["data"]["rescode"] == 200
        wait_for(lambda: r.health()["gift_catalogue"]["lists"] == 5, 20, "anchorB's refresh for its new session")
        metrics, _ = r.metrics()
        assert metrics['livetap_bigo_gifts_total{outcome="published"}'] == first + 3
        assert metrics['livetap_bigo_gifts_total{outcome="regional_variant"}'] >= 2
        assert metrics['livetap_bigo_gift_unknown_refreshes_total'] == 2
        c.close()
    finally:
        assert r.stop() == 0, r.logs()
        server.stop()
    assert "at-a" not in r.logs() and "at-b" not in r.logs()
    for path, headers, body, answer in server.calls_to("/gift/get_list"):
        assert answer[0] == 200 and answer[1]["rescode"] == 200
        assert headers["Authorization"] in ("Bearer at-a", "Bearer at-b") and body["seqid"]

    records = read_gift_info(prefix, expected=first + 3)
    assert len(records) == first + 3, [(x["key"], x["diamond_count"]) for x in records]
    by_key = {}
    for ev in records:
        assert ev["platform"] == "bigo" and ev["key"] == f"bigo:{ev['gift_id']}", ev
        assert ev["headers"]["event_type"] == "gift_info" and ev["headers"]["platform"] == "bigo"
        assert ev["gift_type"] == 0 and ev["streakable"] is False and ev["collector_id"] == "it-bigo"
        # the catalogue belongs to no game session
        assert "game_sess" not in ev["headers"] and "game_id" not in ev and "game_sess" not in ev
        by_key.setdefault(ev["key"], []).append(ev)
    expected_once = {f"bigo:{g['giftid']}" for g in CATALOGUE if g["giftid"] != 1002} | {"bigo:3001"}
    assert {k for k, v in by_key.items() if len(v) == 1} == expected_once
    assert [e["diamond_count"] for e in by_key["bigo:1002"]] == [10, 12], "the price change republished"
    assert [e["diamond_count"] for e in by_key["bigo:2001"]] == [150, 175]
    for g in CATALOGUE:  # shared gifts: anchorA's region's version
        ev = by_key[f"bigo:{g['giftid']}"][-1]
        assert ev["room_id"] == "anchorA" and ev["name"] == g["gift_name"] and ev["image_url"] == g["icon"]
        assert ev["diamond_count"] == (12 if g["giftid"] == 1002 else g["value"])
    assert by_key["bigo:2001"][0]["room_id"] == "anchorB" and by_key["bigo:2001"][0]["name"] == "Turkish Tea"
    assert by_key["bigo:3001"][0]["name"] == "Galaxy" and by_key["bigo:3001"][0]["diamond_count"] == 9999


def test_gift_catalogue_bad_answers_counted_and_skipped(prefix, tmp_path):
    """Not JSON, `list` not an array and a platform error back off and are
    counted; a good answer with malformed entries publishes the rest."""
    server = PullServer()
    server.add_anchor("anchorA", "at-a")
    server.add_gift({"giftid": "not a number", "gift_name": "x"})
    server.add_gift({"giftid": 4001, "gift_name": 7})
    server.add_gift({"gift_name": "no id", "value": 3})
    server.add_gift({"giftid": 4002, "gift_name": "x" * 5000})
    server.add_gift({"giftid": 1001, "value": 2, "gift_name": "Rose again"})  # a repeated id: the first wins
    server.script_gifts(("raw", b"{not json"), ("raw", b'{"rescode":200,"list":{"giftid":1}}'), ("rescode", 500))
    settings = {"pull.enabled": "true", "pull.base_url": server.url, "pull.tokens": "anchorA=at-a",
                "pull.gift_catalogue_interval_s": 600}
    r = receiver(prefix, settings=settings)
    try:
        wait_for(lambda: r.health()["gift_catalogue"]["lists"] == 1, 30, "a good answer after the bad ones")
        g = r.health()["gift_catalogue"]
        assert (g["lists_malformed"], g["lists_failed"], g["skipped"]) == (2, 1, 5), g
        assert g["published"] == len(CATALOGUE), g
        metrics, _ = r.metrics()
        assert metrics['livetap_bigo_gift_lists_total{outcome="malformed"}'] == 2
        assert metrics['livetap_bigo_gift_lists_total{outcome="failed"}'] == 1
        assert metrics['livetap_bigo_gifts_total{outcome="skipped"}'] == 5
    finally:
        assert r.stop() == 0, r.logs()
        server.stop()
    logs = r.logs()
    assert "gift list failed (gift list: not JSON)" in logs and "works again" in logs, logs
    calls = server.calls_to("/gift/get_list")
    assert len(calls) == 4
    records = read_gift_info(prefix, expected=len(CATALOGUE))
    assert sorted(e["gift_id"] for e in records) == sorted(g["giftid"] for g in CATALOGUE)
    assert [e["name"] for e in records if e["gift_id"] == 1001] == ["Rose"]


def refused(url, source=None):
    """True if the upgrade is refused (lws closes the handshake)."""
    try:
        PushClient(url, timeout=5, source=source).close()
        return False
    except Exception:
        return True


def test_connection_caps_keep_a_login_possible(prefix):
    """~20k sockets that never logged in once made a real login time out:
    per-address and total caps refuse the upgrade, and the real peer (another
    address) still logs in."""
    r = receiver(prefix, settings={"push.max_connections": 12, "push.max_connections_per_address": 5,
                                   "push.login_timeout_s": 60})
    held = []
    try:
        for _ in range(5):
            held.append(PushClient(r.url))
        assert refused(r.url), "a 6th connection from 127.0.0.1 was accepted"
        # other addresses fill the total cap; the per-address cap does not stop them
        for i in range(7):
            held.append(PushClient(r.url, source=f"127.0.0.{10 + i}"))
        assert refused(r.url, source="127.0.0.2"), "a 13th connection was accepted"
        held.pop().close()
        wait_for(lambda: r.health()["connections_open"] == 11, 10, "the closed connection to be gone")
        real = PushClient(r.url, source="127.0.0.2")
        assert real.login("bigoUser1", "213213", "inke")["data"]["code"] == 200
        assert real.push("capped", {"A": [heart(1)]})["data"]["rescode"] == 200
        real.close()
        metrics, _ = r.metrics()
        assert metrics['livetap_bigo_rejected_total{reason="address_cap"}'] == 1
        assert metrics['livetap_bigo_rejected_total{reason="connection_cap"}'] == 1
    finally:
        for c in held:
            c.close()
        assert r.stop() == 0, r.logs()
    # 13 connections, 2 refused: the receiver runs with -v, so count what is logged above debug
    lines = [l for l in r.logs().splitlines() if "bigo: connection from" in l and " debug " not in l]
    assert 1 <= len(lines) <= 2, lines


def test_login_deadline_is_not_extended_by_pings(prefix):
    r = receiver(prefix, settings={"push.login_timeout_s": 2, "push.idle_timeout_s": 30})
    try:
        idle, logged_in = PushClient(r.url), PushClient(r.url)
        assert logged_in.login("bigoUser1", "213213", "inke")["data"]["code"] == 200
        t0 = time.time()
        closed = None
        while time.time() - t0 < 8:  # pings every 0.3 s; the login deadline is 2 s
            try:
                idle.ping(timeout=2)
            except Exception:
                closed = time.time() - t0
                break
            time.sleep(0.3)
        assert closed is not None and closed < 6, "a connection that only pings stayed open"
        assert idle.close_code(timeout=5) in (1008, None)
        assert logged_in.ping(), "the logged-in connection was closed too"
        assert logged_in.push("after", {"A": [heart(1)]})["data"]["rescode"] == 200
        metrics, _ = r.metrics()
        assert metrics['livetap_bigo_rejected_total{reason="login_timeout"}'] == 1
        logged_in.close()
    finally:
        assert r.stop() == 0, r.logs()


def test_failed_logins_are_rate_limited_per_address(prefix):
    """1,704 wrong logins/s were answered; now an address gets a burst of 10
    answers, then the connection is closed unanswered and the address is
    refused until the rate allows again. Another address is not affected."""
    r = receiver(prefix, settings={"push.login_failures_per_min": 6})
    try:
        c = PushClient(r.url)
        answered = 0
        closed = False
        for _ in range(50):
            try:
                c.send("platformLogin", {"account": "bigoUser1", "timestamp": str(now_ms()), "sign": "0" * 32})
                reply = c.recv(timeout=5)
            except Exception:
                closed = True
                break
            assert reply["data"]["code"] == 400
            answered += 1
        assert closed and 10 <= answered <= 11, (answered, closed)
        assert refused(r.url), "the address kept connecting after its failed logins"
        other = PushClient(r.url, source="127.0.0.3")
        assert other.login("bigoUser1", "213213", "inke")["data"]["code"] == 200
        other.close()
        metrics, _ = r.metrics()
        assert metrics['livetap_bigo_rejected_total{reason="login_rate"}'] >= 2
        assert metrics['livetap_bigo_logins_total{result="failed"}'] == answered
    finally:
        assert r.stop() == 0, r.logs()


def test_push_and_admin_listen_on_the_configured_address_only(prefix):
    r = receiver(prefix, settings={"admin.enabled": "true", "admin.port": "0"})
    try:
        assert listening_addresses(r.port) == {"127.0.0.1"}
        assert listening_addresses(r.admin_port) == {"127.0.0.1"}
    finally:
        assert r.stop() == 0, r.logs()
