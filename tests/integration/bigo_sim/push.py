"""BIGO's side of the push channel: a WebSocket client speaking the
envelope protocol (docs/protocol/bigo.md §1)."""
import hashlib
import json
import time

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect


def now_ms():
    return int(time.time() * 1000)


def login_sign(password, timestamp, abbr, account):
    raw = f"password:{password}&tamp:{timestamp}&{abbr}&account:{account}"
    return hashlib.md5(raw.encode()).hexdigest()


def _user(n):
    return {"user": f"user{n}", "nick_name": f"nick {n}", "user_img": f"https://img.example/{n}.png"}


def msg(seq, content, ts=None, as_numbers=False):
    item = {"type": "msg", "content": content, **_user(seq), "ts": str(ts or now_ms()), "data_seq": str(seq)}
    if as_numbers:
        item["ts"], item["data_seq"] = int(item["ts"]), int(seq)
    return item


def gift(seq, gift_id=1234, value=10, count=3, name="rose", ts=None):
    return {"type": "gift", "gift_id": gift_id, "gift_url": f"https://gift.example/{gift_id}.webp", "gift_level": 1,
            "gift_value": value, "gift_count": count, "gift_name": name, **_user(seq), "ts": str(ts or now_ms()),
            "data_seq": str(seq)}


def heart(seq, count=5, ts=None):
    return {"type": "heart", "count": count, **_user(seq), "ts": str(ts or now_ms()), "data_seq": str(seq)}


def room_items(first_seq, n, ts=None):
    """n items of mixed types with data_seq first_seq.. first_seq+n-1."""
    out = []
    for i in range(n):
        seq = first_seq + i
        kind = seq % 3
        out.append(msg(seq, f"hello {seq} \u4f60\u597d", ts) if kind == 0 else
                   gift(seq, gift_id=1000 + seq % 7, count=1 + seq % 4, ts=ts) if kind == 1 else heart(seq, 1 + seq % 9, ts))
    return out


class PushClient:
    """One BIGO push connection."""

    def __init__(self, url, ssl=None, timeout=10, source=None):
        """source: the local address to connect from (e.g. 127.0.0.2: another peer address)."""
        extra = {"source_address": (source, 0)} if source else {}
        self.ws = connect(url, ssl=ssl, open_timeout=timeout, max_size=None, compression=None, **extra)
        self.token = None

    # --- raw ---
    def send_raw(self, payload):
        self.ws.send(payload)

    def send(self, uri, data, retry_cnt=0, send_time=None, token=None, sign="xxxxxx", data_as_object=False):
        env = {"uri": uri, "retry_cnt": retry_cnt, "send_time": send_time or now_ms(),
               "data": data if data_as_object or isinstance(data, str) else json.dumps(data)}
        if uri != "platformLogin":
            env["access_token"] = self.token if token is None else token
            env["sign"] = sign
        self.ws.send(json.dumps(env))

    def recv(self, timeout=10):
        """The next reply, its `data` decoded (it travels as a JSON string)."""
        reply = json.loads(self.ws.recv(timeout=timeout))
        if isinstance(reply.get("data"), str):
            reply["data"] = json.loads(reply["data"])
        return reply

    # --- the protocol ---
    def login(self, account, password, abbr, timestamp=None):
        ts = str(timestamp if timestamp is not None else now_ms())
        self.send("platformLogin", {"account": account, "timestamp": ts, "sign": login_sign(password, ts, abbr, account)})
        reply = self.recv()
        if reply["data"].get("code") == 200:
            self.token = reply["data"]["access_token"]
        return reply

    def push(self, seqid, rooms, game_id="10000", game_sess="gs1", status=2, retry_cnt=0, timestamp=None,
             wait=True, **kw):
        """Sends one dataReception; rooms = {anchor openid: [items]}."""
        data = {"seqid": seqid, "timestamp": timestamp or now_ms(), "game_id": game_id, "game_sess": game_sess,
                "status": status, "danmu_data": [{"openid": o, "datas": items} for o, items in rooms.items()]}
        self.send("dataReception", data, retry_cnt=retry_cnt, **kw)
        return self.recv() if wait else None

    def push_until_stored(self, seqid, rooms, tries=30, pause=1.0, **kw):
        """What BIGO does: re-send the same seqid with a growing retry_cnt
        until the answer is 200. Returns every rescode seen."""
        codes = []
        for attempt in range(tries):
            reply = self.push(seqid, rooms, retry_cnt=attempt, **kw)
            assert reply["uri"] == "dataReceptionResp" and reply["retry_cnt"] == attempt
            assert reply["data"]["seqid"] == seqid
            codes.append(reply["data"]["rescode"])
            if codes[-1] == 200:
                return codes
            time.sleep(pause)
        return codes

    def ping(self, payload=b"hb", timeout=5):
        return self.ws.ping(payload).wait(timeout)

    def close_code(self, timeout=10):
        """Waits for the server to close; returns its close code."""
        deadline = time.time() + timeout
        try:
            while time.time() < deadline:
                self.ws.recv(timeout=max(0.1, deadline - time.time()))
        except ConnectionClosed as e:
            return e.rcvd.code if e.rcvd else None
        except TimeoutError:
            return None
        return None

    def close(self):
        try:
            self.ws.close()
        except Exception:
            pass
