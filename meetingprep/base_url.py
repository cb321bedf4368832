"""BASE_URL: the address people reach the service at, for every link that leaves the browser (QR codes,
e-mails, robot messages, digests, the iCal feed).

Configured, it is used as it is. Not configured, ``flask serve`` (what ``make run HOST=… PORT=…``
starts) derives it from the address it serves on — with the machine's LAN address when it listens on
every interface (0.0.0.0), so a phone on the same network can follow a printed QR code — and any other
process falls back to http://127.0.0.1:5000. A request whose Host differs from BASE_URL is logged once
per host: the links the service hands out would not lead where that visitor came from.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from urllib.parse import urlsplit

from flask import Flask, current_app, request

log = logging.getLogger(__name__)

FALLBACK = "http://127.0.0.1:5000"
WARNED_HOSTS_KEPT = 64  # Host is the client's to choose: remember (and warn about) only this many
ALL_INTERFACES = frozenset({"0.0.0.0", "", "*", "::", "[::]"})
#: Private addresses to "connect" a UDP socket to: connect() on UDP sends nothing, it only makes the
#: kernel choose the outgoing interface, whose address getsockname() then tells.
_ROUTE_PROBES = ("10.255.255.255", "172.31.255.255", "192.168.255.255")


def lan_address() -> str:
    """This machine's address on its local network, found without sending a packet; 127.0.0.1 if none."""
    for probe in _ROUTE_PROBES:
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.connect((probe, 9))
                address = sock.getsockname()[0]
        except OSError:
            continue
        ip = ipaddress.ip_address(address)
        if not ip.is_loopback and not ip.is_unspecified:
            return address
    return "127.0.0.1"


def derive(host: str, port: int) -> str:
    """The base URL for a server listening on ``host``:``port`` (plain http: the development server)."""
    host = (host or "").strip()
    if host in ALL_INTERFACES:
        host = lan_address()
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 literal
    return f"http://{host}" + ("" if int(port) == 80 else f":{int(port)}")


def load(app: Flask) -> None:
    """After the configuration is read: remember whether BASE_URL was set, fall back when it was not."""
    configured = str(app.config.get("BASE_URL") or "").strip().rstrip("/")
    app.config["BASE_URL_CONFIGURED"] = bool(configured)
    app.config["BASE_URL"] = configured or FALLBACK


def for_server(app: Flask, host: str, port: int) -> str:
    """The dev server's BASE_URL: derived from where it listens, unless the operator configured one."""
    if not app.config.get("BASE_URL_CONFIGURED"):
        app.config["BASE_URL"] = derive(host, port)
    return app.config["BASE_URL"]


def _host_of(url: str) -> str:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    host = (parts.hostname or "").lower()
    host = f"[{host}]" if ":" in host else host
    return host if parts.port in (None, default) else f"{host}:{parts.port}"


def check_request_host() -> None:
    """Log once per host a request that reached us under another name than BASE_URL."""
    app = current_app._get_current_object()
    expected = app.extensions.get("base_url_host")
    if expected is None or expected[0] != app.config["BASE_URL"]:
        expected = app.extensions["base_url_host"] = (app.config["BASE_URL"], _host_of(app.config["BASE_URL"]))
    scheme_default = {"http": ":80", "https": ":443"}.get(request.scheme, "")
    actual = request.host.lower().removesuffix(scheme_default)
    if actual == expected[1]:
        return
    warned: set = app.extensions.setdefault("base_url_warned", set())
    if actual in warned or len(warned) >= WARNED_HOSTS_KEPT:
        return
    warned.add(actual)
    log.warning("请求的地址 %s 与 BASE_URL（%s）不一致：二维码、邮件和群消息中的链接指向 BASE_URL，"
                "从 %s 访问的人可能打不开。请在配置中设置 BASE_URL 为大家访问本系统的地址。",
                actual[:200], app.config["BASE_URL"], actual[:200])
