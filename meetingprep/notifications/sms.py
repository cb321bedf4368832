"""SMS through the intranet's SMS platform (短信平台), reached over HTTP: one configurable adapter.

Government intranets each run their own SMS platform with its own dialect, so nothing is assumed but
HTTP. The operator describes the request in instance/config.py (docs/notifications.md, "SMS gateway"):
the address, the method, a body template with the placeholders ``{phone}`` ``{text}`` ``{msgid}``
``{timestamp}``, its content type, extra headers, a signature of the body (HMAC-SHA256 with a shared
secret, hex or base64, in a header), the timeout, and what in the answer means "accepted" (any 2xx, and
optionally fields of its JSON answer).

Placeholders are filled in one pass and escaped for where they stand: JSON string content, form-urlencoded,
XML text, or as they are for text/plain; URL-quoted in the address. A text with quotes, ampersands or
braces cannot change the shape of the request. ``{msgid}`` names the delivery, so a platform that keeps
message ids can drop the resend after a crash at the very edge (the outbox is at-least-once there).

``send_sms`` returns when the platform accepted the text and raises ``DeliveryError`` (Chinese, stored on
the delivery and shown in the delivery log) on refusal, HTTP error, a timeout or a broken setting; the
outbox retries with backoff. Nothing here touches the database.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import http.client
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, quote_plus, urlsplit
from xml.sax.saxutils import escape as xml_escape

from flask import current_app

from meetingprep.notifications.channels import DeliveryError
from meetingprep.notifications.robots import mobile_number

PLACEHOLDER = re.compile(r"\{(phone|text|msgid|timestamp)\}")
SIGNATURES = ("", "hmac-sha256", "hmac-sha256-base64")
METHODS = ("POST", "PUT", "GET")


def configured() -> bool:
    """SMS is on when the gateway's address is set."""
    return bool((current_app.config.get("SMS_GATEWAY_URL") or "").strip())


def phone_target(*phones: str | None) -> str:
    """The first mainland mobile number among ``phones`` (11 digits), or "" (a desk phone, nothing …)."""
    return next(filter(None, map(mobile_number, phones)), None) or ""


def message_text(subject: str, body: str = "", link: str = "") -> str:
    """One line: SMS_SIGN_NAME, the subject, the body cut to fit SMS_MAX_CHARS, and the link whole."""
    config = current_app.config
    limit = max(40, int(config.get("SMS_MAX_CHARS") or 300))
    head = f"{config.get('SMS_SIGN_NAME') or ''}{subject}"
    text = " ".join(f"{head}：{body}".split()) if body.strip() else " ".join(head.split())
    tail = f" 详见：{link}" if link and link not in text else ""
    room = limit - len(tail)
    if len(text) > room:
        text = text[: max(0, room - 1)] + "…"
    return text + tail


def body_template() -> str:
    """SMS_GATEWAY_BODY. Given as an environment variable, a JSON body arrives already parsed (settings from the
    environment are read as JSON when they can be): it is written back as JSON, placeholders and all."""
    template = current_app.config.get("SMS_GATEWAY_BODY") or ""
    return template if isinstance(template, str) else json.dumps(template, ensure_ascii=False)


def notification_kinds() -> frozenset[str]:
    """SMS_NOTIFICATION_KINDS: a list, or one comma-separated string (an environment variable)."""
    value = current_app.config.get("SMS_NOTIFICATION_KINDS") or ()
    if isinstance(value, str):
        value = value.split(",")
    return frozenset(str(kind).strip() for kind in value if str(kind).strip())


def _escaper(content_type: str) -> Callable[[str], str]:
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind.endswith("json"):
        return lambda value: json.dumps(value, ensure_ascii=False)[1:-1]
    if kind == "application/x-www-form-urlencoded":
        return quote_plus
    if kind.endswith("xml"):
        return lambda value: xml_escape(value, {'"': "&quot;", "'": "&apos;"})
    return lambda value: value


def fill(template: str, values: dict[str, str], escape: Callable[[str], str]) -> str:
    """The placeholders replaced in one pass (a value is never searched for placeholders again)."""
    return PLACEHOLDER.sub(lambda match: escape(values[match[1]]), template)


def signature(content: bytes) -> str | None:
    """SMS_GATEWAY_SIGNATURE of ``content`` with SMS_GATEWAY_SECRET, or None when signing is off."""
    config = current_app.config
    scheme = str(config.get("SMS_GATEWAY_SIGNATURE") or "").strip().lower()
    if not scheme:
        return None
    if scheme not in SIGNATURES:
        raise DeliveryError("短信网关配置有误：SMS_GATEWAY_SIGNATURE 应为空、hmac-sha256 或 hmac-sha256-base64。")
    secret = str(config.get("SMS_GATEWAY_SECRET") or "")
    if not secret:
        raise DeliveryError("短信网关配置有误：启用了签名，但 SMS_GATEWAY_SECRET 为空。")
    digest = hmac.new(secret.encode("utf-8"), content, hashlib.sha256)
    return digest.hexdigest() if scheme == "hmac-sha256" else base64.b64encode(digest.digest()).decode("ascii")


@dataclass(frozen=True)
class GatewayRequest:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes


def build_request(phone: str, text: str, msgid: str, now: dt.datetime) -> GatewayRequest:
    """The request as the settings describe it. A GET carries everything in its address (signed: its query)."""
    config = current_app.config
    method = str(config.get("SMS_GATEWAY_METHOD") or "POST").upper()
    if method not in METHODS:
        raise DeliveryError("短信网关配置有误：SMS_GATEWAY_METHOD 应为 POST、PUT 或 GET。")
    values = {"phone": phone, "text": text, "msgid": msgid, "timestamp": str(int(now.timestamp()))}
    url = fill(str(config["SMS_GATEWAY_URL"]).strip(), values, lambda value: quote(value, safe=""))
    content_type = str(config.get("SMS_GATEWAY_CONTENT_TYPE") or "application/json; charset=utf-8")
    headers = {"User-Agent": "MeetingPrep"}
    headers.update({str(name): str(value) for name, value in (config.get("SMS_GATEWAY_HEADERS") or {}).items()})
    if method == "GET":
        body = b""
        signed = urlsplit(url).query.encode("utf-8")
    else:
        body = fill(body_template(), values, _escaper(content_type)).encode("utf-8")
        headers["Content-Type"] = content_type
        signed = body
    signed_value = signature(signed)
    if signed_value is not None:
        headers[str(config.get("SMS_GATEWAY_SIGNATURE_HEADER") or "X-Signature")] = signed_value
    return GatewayRequest(method, url, headers, body)


def _accepted(answer: bytes) -> bool:
    """SMS_GATEWAY_SUCCESS: fields the JSON answer must carry (compared as text); none set: any 2xx."""
    expected = current_app.config.get("SMS_GATEWAY_SUCCESS") or {}
    if not expected:
        return True
    try:
        parsed = json.loads(answer.decode("utf-8") or "{}")
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(parsed, dict) and all(str(parsed.get(key)) == str(value) for key, value in expected.items())


def send_sms(phone: str, text: str, *, msgid: str, now: dt.datetime) -> None:
    """Hand one text to the platform; returns when it accepted it, raises DeliveryError otherwise."""
    if not configured():
        raise DeliveryError("短信网关未配置（SMS_GATEWAY_URL 为空）。")
    request = build_request(phone, text, msgid, now)
    parts = urlsplit(request.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DeliveryError("短信网关配置有误：SMS_GATEWAY_URL 应以 http:// 或 https:// 开头。")
    timeout = float(current_app.config.get("SMS_GATEWAY_TIMEOUT") or 10)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = connection_class(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request(request.method, path, body=request.body or None, headers=request.headers)
        response = connection.getresponse()
        answer = response.read(4096)
        status = response.status
    except TimeoutError as error:
        raise DeliveryError(f"短信网关无应答（等待超过 {timeout:g} 秒），稍后重试。") from error
    except (OSError, http.client.HTTPException) as error:
        raise DeliveryError(f"短信网关连接失败：{type(error).__name__}: {error}"[:500]) from error
    finally:
        connection.close()
    if not 200 <= status < 300:
        raise DeliveryError(f"短信网关返回 HTTP {status}，稍后重试。")
    if not _accepted(answer):
        raise DeliveryError(f"短信网关拒绝了短信：{answer[:300].decode('utf-8', 'replace')}")
