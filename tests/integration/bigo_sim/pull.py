"""BIGO's open API as far as livetap uses it (docs/protocol/bigo.md §2, §3.1):
/broom/pull_data, /broom/enable_danmu, /broom/disable_danmu, the signed
/broom/ping and /sign/oauth2/refresh_token, and the gift list
/gift/get_list (region-specific per anchor; its control surface: set_gift,
add_gift, remove_gift, script_gifts)."""
import base64
import copy
import json
import os
import subprocess
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def der_ecdsa(r, s):
    def integer(b):
        b = b.lstrip(b"\0") or b"\0"
        if b[0] & 0x80:
            b = b"\0" + b
        return b"\x02" + bytes([len(b)]) + b
    body = integer(r) + integer(s)
    return b"\x30" + bytes([len(body)]) + body


# A catalogue as BIGO's list answers it (docs/protocol/bigo.md §3.2): giftid,
# gift_level, value (price of one gift, diamonds), icon, gift_name. BIGO omits
# fields holding their default, so a gift of level 0 has no gift_level.
CATALOGUE = [
    {"giftid": 1001, "gift_level": 1, "value": 1, "icon": "https://static.bigo.tv/live/4hb/0rUbXW.webp",
     "gift_name": "Rose"},
    {"giftid": 1002, "gift_level": 1, "value": 10, "icon": "https://static.bigo.tv/live/4hb/1rTcLq.webp",
     "gift_name": "Lollipop"},
    {"giftid": 1003, "gift_level": 2, "value": 99, "icon": "https://static.bigo.tv/live/4ha/2sXo0A.webp",
     "gift_name": "Love Letter"},
    {"giftid": 1004, "gift_level": 3, "value": 520, "icon": "https://static.bigo.tv/live/4ha/3kQb9Z.webp",
     "gift_name": "Kiss \u4eb2\u543b"},
    {"giftid": 1005, "gift_level": 4, "value": 1314, "icon": "https://static.bigo.tv/live/4hc/5mMcpU.webp",
     "gift_name": "Sports Car"},
    {"giftid": 1006, "gift_level": 5, "value": 3999, "icon": "https://static.bigo.tv/live/4hc/6aPdsE.webp",
     "gift_name": "Castle"},
    {"giftid": 1007, "value": 5, "icon": "https://static.bigo.tv/live/4hb/7qWe1R.webp", "gift_name": "Light Stick"},
]
# Regions price some gifts differently and list a few of their own.
REGIONS = {
    "tr": {"prices": {1003: 89, 1005: 1199}, "extra": [
        {"giftid": 2001, "gift_level": 2, "value": 150, "icon": "https://static.bigo.tv/live/4hd/tR2001.webp",
         "gift_name": "Turkish Tea"}]},
    "id": {"prices": {1002: 9}, "extra": []},
}


def region_catalogue(region=None):
    out = copy.deepcopy(CATALOGUE)
    if region:
        for g in out:
            g["value"] = REGIONS[region]["prices"].get(g["giftid"], g["value"])
        out += copy.deepcopy(REGIONS[region]["extra"])
    return out


class PullServer:
    def __init__(self, public_key_pem=None, per_user_rate=10, gift_rate=5):
        self.lock = threading.Lock()
        self.tokens = {}          # openid -> current access token
        self.refresh = {}         # openid -> current refresh token
        self.items = {}           # (game_sess, openid) -> [item], in the order BIGO would page them
        self.faults = []          # scripted answers for the next pull_data calls: ("rescode", n) / ("http", n)
        self.calls = []           # (path, headers dict, body dict, answer)
        self.per_user_rate = per_user_rate
        self.recent = {}          # openid -> [times] of pull_data calls in the last second
        self.on_enable = {}       # openid -> items that appear in a session we see enabled
        self.catalogues = {}      # openid -> its region's gift list (default: CATALOGUE)
        self.gift_faults = []     # scripted answers for the next gift list calls: ("rescode", n) / ("http", n) /
        #                           ("raw", bytes) - a body sent as is
        self.gift_rate = gift_rate  # per user per second (BIGO: 5)
        self.recent_gifts = {}
        self.public_key = None
        if public_key_pem:
            fd, self.public_key = tempfile.mkstemp(suffix=".pem")
            os.write(fd, public_key_pem)
            os.close(fd)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, body = server.handle(self.path, dict(self.headers), raw)
                out = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        if self.public_key:
            os.unlink(self.public_key)

    # --- test set-up ---
    def add_anchor(self, openid, token, refresh=None, region=None):
        """region: None (the default catalogue) or a key of REGIONS."""
        with self.lock:
            self.catalogues[openid] = region_catalogue(region)
            self.tokens[openid] = token
            if refresh:
                self.refresh[openid] = refresh

    def add_items(self, game_sess, openid, items):
        with self.lock:
            self.items.setdefault((game_sess, openid), []).extend(items)

    def script(self, *faults):
        with self.lock:
            self.faults.extend(faults)

    def revoke(self, openid):
        """The access token stops working (expired)."""
        with self.lock:
            self.tokens[openid] = "revoked-" + uuid.uuid4().hex

    def catalogue(self, openid):
        with self.lock:
            return self._catalogue(openid)

    def _catalogue(self, openid):
        if openid not in self.catalogues:
            self.catalogues[openid] = region_catalogue()
        return self.catalogues[openid]

    def set_gift(self, giftid, openids=None, **fields):
        """Changes a gift (e.g. value=12) in the catalogues of openids (default:
        every anchor with a token)."""
        with self.lock:
            for openid in openids or list(self.tokens):
                for g in self._catalogue(openid):
                    if g["giftid"] == giftid:
                        g.update(fields)

    def add_gift(self, gift, openids=None):
        with self.lock:
            for openid in openids or list(self.tokens):
                self._catalogue(openid).append(dict(gift))

    def remove_gift(self, giftid, openids=None):
        with self.lock:
            for openid in openids or list(self.tokens):
                self.catalogues[openid] = [g for g in self._catalogue(openid) if g["giftid"] != giftid]

    def script_gifts(self, *faults):
        with self.lock:
            self.gift_faults.extend(faults)

    def calls_to(self, path):
        with self.lock:
            return [c for c in self.calls if c[0] == path]

    # --- the API ---
    def verify_signature(self, path, headers, raw):
        """bigo-oauth-signature = base64(sign(sha256(body + path + ts)))."""
        sig, ts = headers.get("bigo-oauth-signature"), headers.get("bigo-timestamp")
        if not (self.public_key and sig and ts and headers.get("bigo-client-id")):
            return False
        if abs(int(ts) - time.time()) > 300:
            return False
        raw_sig = base64.b64decode(sig)
        if len(raw_sig) == 64:  # ES256 as BIGO's demo sends it: r||s; openssl wants DER
            raw_sig = der_ecdsa(raw_sig[:32], raw_sig[32:])
        with tempfile.NamedTemporaryFile() as s, tempfile.NamedTemporaryFile() as m:
            s.write(raw_sig)
            s.flush()
            m.write(raw + path.encode() + ts.encode())
            m.flush()
            r = subprocess.run(["openssl", "dgst", "-sha256", "-verify", self.public_key, "-signature", s.name, m.name],
                               capture_output=True)
            return r.returncode == 0

    def bearer_openid(self, headers):
        auth = headers.get("Authorization", "")
        for openid, token in self.tokens.items():
            if auth == "Bearer " + token:
                return openid
        return None

    def handle(self, path, headers, raw):
        with self.lock:
            answer = self._handle(path, headers, raw)
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            self.calls.append((path, headers, body, answer))
            return answer

    def _handle(self, path, headers, raw):
        if b"\n" in raw:
            return 500, {"msg": "internal server error"}  # "postdata must not be formatted"
        try:
            req = json.loads(raw)
        except ValueError:
            return 500, {"msg": "internal server error"}
        if path in ("/broom/ping", "/sign/oauth2/refresh_token"):
            if not self.verify_signature(path, headers, raw):
                return 401, {"msg": "Invalid Token"}
            if path == "/broom/ping":
                return 200, {"seqid": req.get("seqid", ""), "rescode": 200}
            for openid, refresh in self.refresh.items():
                if req.get("refresh_token") == refresh and req.get("grant_type") == "refresh_token":
                    self.tokens[openid] = "at-" + uuid.uuid4().hex
                    self.refresh[openid] = "rt-" + uuid.uuid4().hex
                    return 200, {"access_token": self.tokens[openid], "refresh_token": self.refresh[openid],
                                 "expires_in": 864000, "openid": openid, "token_type": "bearer", "rescode": 200}
            return 200, {"rescode": 400, "message": "invalid_grant"}
        openid = self.bearer_openid(headers)
        if openid is None:
            return 401, {"msg": "Invalid Token"}
        if path == "/gift/get_list":
            return self.gift_list(openid, req)
        if path == "/broom/enable_danmu":
            # The items appear in the session once it is enabled, as BIGO's
            # would: stamped after the enable, since a session we mount
            # starts then (its pull timestamp), however long the receiver
            # took to start.
            enabled_ms = int(time.time() * 1000)
            for user in req.get("game_users", []):
                if user in self.on_enable:
                    items = copy.deepcopy(self.on_enable[user])
                    for k, item in enumerate(items):
                        ts = max(int(item["ts"]), enabled_ms + 1 + k)
                        item["ts"] = ts if isinstance(item["ts"], int) else str(ts)
                    self.items.setdefault((req.get("game_sess", ""), user), []).extend(items)
        if path in ("/broom/enable_danmu", "/broom/disable_danmu"):
            return 200, {"seqid": req.get("seqid", ""), "rescode": 200, "game_sess": req.get("game_sess", "")}
        if path != "/broom/pull_data":
            return 405, {"msg": "invalid uri"}
        now = time.time()
        recent = [t for t in self.recent.get(openid, []) if now - t < 1.0] + [now]
        self.recent[openid] = recent
        if self.faults:
            kind, code = self.faults.pop(0)
            if kind == "http":
                return code, {"msg": "server frequency limited" if code == 408 else "error"}
            return 200, {"seqid": req["seqid"], "rescode": code, "message": "scripted"}
        if len(recent) > self.per_user_rate:
            return 200, {"seqid": req["seqid"], "rescode": 401, "message": "frequency limited"}
        for field in ("seqid", "game_id", "game_sess", "game_users", "timestamp", "batch"):
            if field not in req:
                return 200, {"seqid": req.get("seqid", ""), "rescode": 400, "message": "missing " + field}
        # the cursor: per room, how many items were handed out
        cursor = json.loads(base64.b64decode(req["context"])) if req.get("context") else {}
        rooms = []
        for user in req["game_users"]:
            items = [i for i in self.items.get((req["game_sess"], user), []) if int(i["ts"]) > req["timestamp"]]
            start = cursor.get(user, 0)
            page = items[start:start + req["batch"]]
            cursor[user] = start + len(page)
            if page:
                rooms.append({"openid": user, "datas": page})
        resp = {"seqid": req["seqid"], "rescode": 200,
                "context": base64.b64encode(json.dumps(cursor).encode()).decode()}
        if rooms:  # BIGO omits fields holding their default
            resp["danmu_data"] = rooms
        return 200, resp

    def gift_list(self, openid, req):
        """The anchor's region's catalogue (the token says whose)."""
        now = time.time()
        recent = [t for t in self.recent_gifts.get(openid, []) if now - t < 1.0] + [now]
        self.recent_gifts[openid] = recent
        if self.gift_faults:
            kind, arg = self.gift_faults.pop(0)
            if kind == "raw":
                return 200, arg
            if kind == "http":
                return arg, {"msg": "server frequency limited" if arg == 408 else "error"}
            return 200, {"seqid": req.get("seqid", ""), "rescode": arg, "message": "scripted"}
        if len(recent) > self.gift_rate:
            return 200, {"seqid": req.get("seqid", ""), "rescode": 401, "message": "frequency limited"}
        return 200, {"seqid": req.get("seqid", ""), "rescode": 200, "message": "",
                     "list": copy.deepcopy(self._catalogue(openid))}
