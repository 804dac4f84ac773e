"""BIGO's open API as far as livetap uses it (bigo-protocol.md 2, 3.1):
/broom/pull_data, /broom/enable_danmu, /broom/disable_danmu, the signed
/broom/ping and /sign/oauth2/refresh_token."""
import base64
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


class PullServer:
    def __init__(self, public_key_pem=None, per_user_rate=10):
        self.lock = threading.Lock()
        self.tokens = {}          # openid -> current access token
        self.refresh = {}         # openid -> current refresh token
        self.items = {}           # (game_sess, openid) -> [item], in the order BIGO would page them
        self.faults = []          # scripted answers for the next pull_data calls: ("rescode", n) / ("http", n)
        self.calls = []           # (path, headers dict, body dict, answer)
        self.per_user_rate = per_user_rate
        self.recent = {}          # openid -> [times] of pull_data calls in the last second
        self.on_enable = {}       # openid -> items that appear in a session we see enabled
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
                out = json.dumps(body).encode()
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
    def add_anchor(self, openid, token, refresh=None):
        with self.lock:
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
        if path == "/broom/enable_danmu":
            for user in req.get("game_users", []):
                if user in self.on_enable:
                    self.items.setdefault((req.get("game_sess", ""), user), []).extend(self.on_enable[user])
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
