"""A loopback SMS platform for the tests: a real HTTP server on 127.0.0.1 (http.server in a thread) that
records every request, checks its HMAC-SHA256 signature with the shared secret, and answers as told
(accepted, an HTTP error, a refusal in its JSON, or too late)."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

SECRET = "共享密钥-test-secret"
SIGNATURE_HEADER = "X-Signature"


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    signature_ok: bool

    @property
    def json(self) -> dict:
        return json.loads(self.body.decode("utf-8"))

    @property
    def query(self) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(urlsplit(self.path).query).items()}


@dataclass
class SMSGateway:
    url: str = ""
    secret: str = SECRET
    received: list[Received] = field(default_factory=list)
    fail_with: int | None = None  # answer this HTTP status
    delay: float = 0.0  # seconds before answering (a timeout on our side)
    answer: dict = field(default_factory=lambda: {"code": "0", "msg": "ok"})

    @property
    def accepted(self) -> list[Received]:
        """The requests that were signed right and answered as accepted."""
        return [r for r in self.received if r.signature_ok and r.headers.get("x-answered") == "200"]

    @property
    def texts(self) -> list[tuple[str, str]]:
        """(phone, content) of every accepted JSON request."""
        return [(r.json["mobile"], r.json["content"]) for r in self.accepted]

    def config(self, **overrides) -> dict:
        """The settings that point the application at this gateway (JSON body, HMAC-SHA256 hex, code 0)."""
        return {"SMS_GATEWAY_URL": self.url, "SMS_GATEWAY_SIGNATURE": "hmac-sha256", "SMS_GATEWAY_SECRET": self.secret,
                "SMS_GATEWAY_SIGNATURE_HEADER": SIGNATURE_HEADER, "SMS_GATEWAY_SUCCESS": {"code": "0"},
                "SMS_GATEWAY_TIMEOUT": 2, "SMS_SIGN_NAME": "【大会秘书处】", **overrides}


@contextlib.contextmanager
def running_gateway(path: str = "/api/sms/send"):
    gateway = SMSGateway()

    class Handler(BaseHTTPRequestHandler):
        def _handle(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            signed = body if self.command != "GET" else urlsplit(self.path).query.encode("utf-8")
            expected = hmac.new(gateway.secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
            ok = hmac.compare_digest(self.headers.get(SIGNATURE_HEADER, ""), expected)
            status = 401 if not ok else (gateway.fail_with or 200)
            headers = {name.lower(): value for name, value in self.headers.items()}
            headers["x-answered"] = "late" if gateway.delay else str(status)  # a late answer: not accepted
            gateway.received.append(Received(self.command, self.path, headers, body, ok))
            if gateway.delay:
                time.sleep(gateway.delay)
            answer = json.dumps(gateway.answer if status == 200 else {"code": str(status)}).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except OSError:  # the client gave up waiting (a timeout test)
                pass

        do_POST = do_PUT = do_GET = _handle

        def log_message(self, *_args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.block_on_close = False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}{path}"
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()
