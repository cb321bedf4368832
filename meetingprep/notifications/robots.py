"""Group chat robots (企业微信 WeCom, 钉钉 DingTalk): safe addresses, messages within each platform's
limits, DingTalk's 加签, @-mentions, and the per-robot rate window.

Nothing here commits; ``post()`` talks to the network, everything else is pure or reads the database.

Platform limits (checked against the byte counts of what we produce, in the tests):
- WeCom: text content ≤ 2,048 bytes, markdown content ≤ 4,096 bytes (UTF-8); only *text* messages
  can @-mention by mobile number (``mentioned_mobile_list``), so a WeCom message that mentions
  someone is sent as text, otherwise as markdown.
- DingTalk: the whole request body ≤ 20,000 bytes (errcode 460101 "message too long, exceed 20000
  bytes"); markdown with ``at.atMobiles`` (the ``@mobile`` must also appear in the text).
- Both: 20 messages a minute per robot (DingTalk then blocks the robot for 10 minutes).

A long message is split on line boundaries (a line longer than a whole message is cut between
characters, never inside one) into at most ``ROBOT_MAX_PARTS`` messages; beyond that the rest is
summarised with a link to the full text in the service.

Addresses (#17 "Webhook SSRF"): https only, and every address the host name resolves to must be a
public one; the operator may name hosts in ``WEBHOOK_ALLOWED_HOSTS`` that may use http and resolve
to private, loopback or link-local addresses (an intranet robot gateway). The check runs when the
address is saved and again at every send, and the connection goes to the very address that was
checked (no second DNS lookup an attacker could answer differently). Redirects are never followed.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import http.client
import ipaddress
import json
import re
import socket
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit

from flask import current_app

from meetingprep.db import LabeledEnum
from meetingprep.errors import ValidationFailed
from meetingprep.notifications.channels import DeliveryError


class Platform(LabeledEnum):
    WECOM = "wecom", "企业微信"
    DINGTALK = "dingtalk", "钉钉"


WECOM_TEXT_BYTES = 2048
WECOM_MARKDOWN_BYTES = 4096
DINGTALK_BODY_BYTES = 20000
RATE_PER_MINUTE = 20
RATE_WINDOW = dt.timedelta(minutes=1)
#: Answers meaning "too fast": WeCom 45009 (api freq out of limit), DingTalk 130101 (send too fast),
#: with how long the platform keeps the robot blocked.
THROTTLED = {45009: dt.timedelta(minutes=1), 130101: dt.timedelta(minutes=10)}


class Throttled(DeliveryError):
    """The robot may not take another message now; ``until`` is when it may."""

    def __init__(self, message: str, until: dt.datetime):
        super().__init__(message)
        self.until = until


# ── addresses ──────────────────────────────────────────────────────────────────────────────────
def allowed_hosts() -> frozenset[str]:
    """``WEBHOOK_ALLOWED_HOSTS``: a list, or one comma-separated string (an environment variable)."""
    value = current_app.config.get("WEBHOOK_ALLOWED_HOSTS") or ()
    if isinstance(value, str):
        value = value.split(",")
    return frozenset(str(host).strip().lower().strip("[]") for host in value if str(host).strip())


def resolve_host(host: str, port: int) -> list[str]:
    """Every address the name resolves to (tests replace this to stand in for public DNS)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]
    path: str  # path and query, as sent


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str) -> Target:
    """The address if a robot may be called there; ``ValidationFailed`` (Chinese) if not."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValidationFailed("Webhook 地址格式不正确。") from None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise ValidationFailed("Webhook 地址应以 https:// 开头，例如企业微信或钉钉群机器人的地址。")
    if parts.username is not None or parts.password is not None:
        raise ValidationFailed("Webhook 地址中不能包含用户名或密码。")
    if any(ch.isspace() for ch in url):
        raise ValidationFailed("Webhook 地址中不能有空格。")
    allowed = host in allowed_hosts()
    if parts.scheme != "https" and not allowed:
        raise ValidationFailed("Webhook 地址必须以 https:// 开头（http 地址需要运维人员在配置 WEBHOOK_ALLOWED_HOSTS 中"
                               f"列出主机 {host}）。")
    try:
        addresses = resolve_host(host, port)
    except (OSError, UnicodeError):
        raise ValidationFailed(f"无法解析 Webhook 地址中的主机名 {host}，请检查地址是否正确。") from None
    if not addresses:
        raise ValidationFailed(f"无法解析 Webhook 地址中的主机名 {host}，请检查地址是否正确。")
    if not allowed:
        inner = [address for address in addresses if not _is_public(address)]
        if inner:
            raise ValidationFailed(f"Webhook 地址指向本机、内网或保留地址（{host} → {inner[0]}），不能使用。"
                                   "如确需使用内网机器人，请运维人员在配置 WEBHOOK_ALLOWED_HOSTS 中列出该主机。")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(url, parts.scheme, host, port, tuple(addresses), path)


# ── DingTalk 加签 ──────────────────────────────────────────────────────────────────────────────
def dingtalk_sign(timestamp_ms: int, secret: str) -> str:
    """base64(HMAC-SHA256(key=secret, "timestamp\\nsecret")), URL-encoded as DingTalk expects it."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def signed_path(path: str, timestamp_ms: int, secret: str) -> str:
    """The path with ``timestamp`` and ``sign`` query parameters (any old ones replaced)."""
    base, _, query = path.partition("?")
    params = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k not in ("timestamp", "sign")]
    query = urlencode(params)
    extra = f"timestamp={timestamp_ms}&sign={dingtalk_sign(timestamp_ms, secret)}"
    return f"{base}?{query}&{extra}" if query else f"{base}?{extra}"


# ── mentions ───────────────────────────────────────────────────────────────────────────────────
_MOBILE = re.compile(r"1[3-9]\d{9}")


def mobile_number(phone: str | None) -> str | None:
    """A mainland mobile number as the platforms take it (11 digits), or None (a desk phone, empty …)."""
    digits = re.sub(r"[\s\-()（）]", "", phone or "")
    digits = re.sub(r"^(\+?86)", "", digits)
    return digits if _MOBILE.fullmatch(digits) else None


# ── messages ───────────────────────────────────────────────────────────────────────────────────
def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def json_len(text: str) -> int:
    """Bytes of ``text`` inside a JSON string as we send it (UTF-8, not ASCII-escaped)."""
    return utf8_len(json.dumps(text, ensure_ascii=False)) - 2


def cut_line(line: str, budget: int, measure: Callable[[str], int]) -> list[str]:
    """A line in pieces of at most ``budget`` bytes, cut between characters."""
    pieces, current, size = [], [], 0
    for char in line:
        width = measure(char)
        if current and size + width > budget:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    pieces.append("".join(current))
    return pieces


def pack_lines(lines: Sequence[str], budget: int, measure: Callable[[str], int]) -> list[list[str]]:
    """Lines into parts whose ``"\\n".join`` is at most ``budget`` bytes; only over-long lines are cut."""
    newline = measure("\n")
    parts: list[list[str]] = []
    current: list[str] = []
    size = 0
    for line in lines:
        for piece in cut_line(line, budget, measure) if measure(line) > budget else [line]:
            width = measure(piece)
            if current and size + newline + width > budget:
                parts.append(current)
                current, size = [], 0
            size += width + (newline if current else 0)
            current.append(piece)
    if current or not parts:
        parts.append(current)
    return parts


def _link_text(text: str) -> str:
    return text.replace("[", "［").replace("]", "］")


def _link_target(url: str) -> str:
    return quote(url, safe=":/?#&=%+@,;~!$*'")


def markdown_link(text: str, url: str) -> str:
    return f"[{_link_text(text)}]({_link_target(url)})"


_URL_LINE = re.compile(r"\s*(https?://\S+)\s*")
_URL = re.compile(r"https?://[^\s)）\]】]+")


def markdown_lines(body: str) -> list[str]:
    """The body as markdown lines: a line followed by a line holding only a URL (the merged reminder's
    "1. 「任务」…" + link) becomes that line as a link; other URLs become links to themselves."""
    lines = body.replace("\r\n", "\n").split("\n")
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        following = lines[index + 1] if index + 1 < len(lines) else ""
        url_line = _URL_LINE.fullmatch(following)
        if line.strip() and not _URL_LINE.fullmatch(line) and url_line:
            number = re.match(r"\s*\d+\.\s+", line)
            prefix = number.group(0).strip() + " " if number else ""
            out.append(prefix + markdown_link(line[number.end():] if number else line.strip(), url_line.group(1)))
            index += 2
            continue
        out.append(_URL.sub(lambda m: markdown_link(m.group(0), m.group(0)), line))
        index += 1
    return out


@dataclass(frozen=True)
class Message:
    """What one robot message carries before platform framing."""

    subject: str
    body: str
    url: str  # absolute link to the thing, or ""
    mobiles: tuple[str, ...] = ()


def _frame(platform: Platform, kind: str, content: str, title: str, mobiles: Sequence[str]) -> dict:
    if platform == Platform.WECOM:
        if kind == "text":
            text: dict = {"content": content}
            if mobiles:
                text["mentioned_mobile_list"] = list(mobiles)
            return {"msgtype": "text", "text": text}
        return {"msgtype": "markdown", "markdown": {"content": content}}
    return {"msgtype": "markdown", "markdown": {"title": title, "text": content},
            "at": {"atMobiles": list(mobiles), "isAtAll": False}}


def payload_bytes(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


def build_payloads(platform: Platform, message: Message, max_parts: int) -> list[dict]:
    """The message as one or more platform payloads, each within the platform's limit."""
    subject = " ".join(message.subject.split())[:200]
    mobiles = tuple(dict.fromkeys(message.mobiles))
    if platform == Platform.WECOM and mobiles:
        kind, limit, measure = "text", WECOM_TEXT_BYTES, utf8_len
        head = subject
        lines = message.body.replace("\r\n", "\n").split("\n")
        if message.url and message.url not in message.body:
            lines.append(message.url)
        mention = ""
    elif platform == Platform.WECOM:
        kind, limit, measure = "markdown", WECOM_MARKDOWN_BYTES, utf8_len
        head = f"**{markdown_link(subject, message.url)}**" if message.url else f"**{subject}**"
        lines = markdown_lines(message.body)
        mention = ""
    else:
        kind, measure = "markdown", json_len
        head = f"#### {markdown_link(subject, message.url)}" if message.url else f"#### {subject}"
        lines = markdown_lines(message.body)
        mention = " ".join(f"@{mobile}" for mobile in mobiles)
        # The body limit covers the whole JSON: what is not the text, measured with the largest values.
        frame = _frame(platform, kind, "", subject[:64], mobiles)
        limit = DINGTALK_BODY_BYTES - len(payload_bytes(frame)) - 16
    while lines and not lines[-1].strip():  # an empty body adds no empty line
        lines.pop()
    single = "\n".join([head, *lines] + ([mention] if mention else []))
    if measure(single) <= limit:
        return [_frame(platform, kind, single, subject[:64], mobiles)]

    marker_room = measure("（99/99）")
    mention_room = measure("\n" + mention) if mention else 0
    budget = limit - measure(head) - measure("\n") - marker_room - mention_room
    parts = pack_lines(lines, budget, measure)
    if len(parts) > max_parts:
        # Summarise: the first parts as they are, then one line saying how much is left and where it is.
        where = message.url if kind == "text" else markdown_link("打开链接查看全文", message.url) if message.url else ""
        more = "……内容较长，其余 {} 行未发出" + (f"，请查看：{where}" if where else "，请登录大会筹备工作平台查看。")
        room = measure(more.format(99999)) + measure("\n")
        parts = pack_lines(lines, budget - room, measure)
        kept, dropped = parts[:max_parts], parts[max_parts:]
        kept[-1] = [*kept[-1], more.format(sum(len(part) for part in dropped))]
        parts = kept
    payloads = []
    for number, part in enumerate(parts, 1):
        content_lines = [f"{head}（{number}/{len(parts)}）", *part]
        if mention and number == 1:
            content_lines.append(mention)
        payloads.append(_frame(platform, kind, "\n".join(content_lines), f"{subject[:56]}（{number}/{len(parts)}）",
                               mobiles if number == 1 else ()))
    return payloads


def content_of(payload: dict) -> str:
    """The text a payload carries (what the platform's byte limit counts)."""
    kind = payload["msgtype"]
    return payload[kind].get("content", payload[kind].get("text", ""))


# ── posting ────────────────────────────────────────────────────────────────────────────────────
class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever DNS says now."""

    def __init__(self, host: str, address: str, port: int, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, address: str, port: int, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _connect(target: Target, timeout: float) -> http.client.HTTPConnection:
    """A connection to the first of the checked addresses that answers (IPv6 first may be unroutable).
    Only connecting moves on to the next address: once a request is on the wire it is never repeated."""
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    error: Exception | None = None
    for address in target.addresses:
        connection = connection_class(target.host, address, target.port, timeout)
        try:
            connection.connect()
        except (OSError, http.client.HTTPException) as failure:
            connection.close()
            error = failure
            continue
        return connection
    raise DeliveryError(f"Webhook 连接失败：{type(error).__name__}: {error}"[:500])


def post(url: str, payload: dict, *, platform: Platform, secret: str, now: dt.datetime) -> None:
    """POST one message; returns when the robot accepted it, raises DeliveryError otherwise."""
    try:
        target = check_url(url)
    except ValidationFailed as error:
        raise DeliveryError(f"Webhook 地址不可用：{error.message}") from None
    path = target.path
    if platform == Platform.DINGTALK and secret:
        path = signed_path(path, int(now.timestamp() * 1000), secret)
    body = payload_bytes(payload)
    connection = _connect(target, current_app.config["WEBHOOK_TIMEOUT"])
    try:
        connection.request("POST", path, body=body, headers={
            "Content-Type": "application/json; charset=utf-8", "User-Agent": "MeetingPrep"})
        response = connection.getresponse()
        answer = response.read(4096)
        status = response.status
    except (OSError, http.client.HTTPException) as error:
        raise DeliveryError(f"Webhook 调用失败：{type(error).__name__}: {error}"[:500]) from error
    finally:
        connection.close()
    if 300 <= status < 400:
        raise DeliveryError(f"Webhook 地址返回了重定向（HTTP {status}），出于安全原因不跟随，请填写最终地址。")
    if status >= 400:
        raise DeliveryError(f"Webhook 调用失败：HTTP {status}")
    # WeCom/DingTalk answer 200 with {"errcode": 0} on success and a non-zero errcode on refusal.
    try:
        errcode = int(json.loads(answer or b"{}").get("errcode", 0))
    except (ValueError, AttributeError, TypeError):
        errcode = 0
    if errcode in THROTTLED:
        raise Throttled(f"群机器人发送过于频繁（errcode {errcode}），稍后重发。", now + THROTTLED[errcode])
    if errcode:
        raise DeliveryError(f"Webhook 拒绝了消息：{answer[:300].decode('utf-8', 'replace')}")
