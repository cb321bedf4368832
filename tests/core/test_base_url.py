"""BASE_URL: derived from where `make run` serves unless configured, a warning once per other host,
shown on the admin page."""

from __future__ import annotations

import logging
import socket

import pytest

from meetingprep import base_url, create_app


@pytest.fixture
def app_config(app_config):
    return {**app_config, "SERVER_NAME": None, "BASE_URL": "https://choubei.example.cn/"}


@pytest.mark.parametrize("host,port,expected", [
    ("0.0.0.0", 8000, "http://192.168.31.7:8000"),
    ("::", 8000, "http://192.168.31.7:8000"),
    ("127.0.0.1", 5000, "http://127.0.0.1:5000"),
    ("10.0.0.5", 80, "http://10.0.0.5"),
    ("::1", 5000, "http://[::1]:5000"),
    ("choubei.local", 8080, "http://choubei.local:8080"),
])
def test_derived_from_host_and_port(monkeypatch, host, port, expected):
    monkeypatch.setattr(base_url, "lan_address", lambda: "192.168.31.7")
    assert base_url.derive(host, port) == expected


class _FakeUDP:
    """A UDP socket whose connect() only records where it would route (as the kernel does, sending nothing)."""

    def __init__(self, address: str | None):
        self.address = address

    def __call__(self, *_args):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        return False

    def connect(self, _target):
        if self.address is None:
            raise OSError("Network is unreachable")

    def getsockname(self):
        return (self.address, 40000)


@pytest.mark.parametrize("kernel_says,expected", [("10.20.30.40", "10.20.30.40"), (None, "127.0.0.1"),
                                                  ("127.0.0.1", "127.0.0.1"), ("0.0.0.0", "127.0.0.1")])
def test_lan_address_from_the_routing_choice_or_loopback(monkeypatch, kernel_says, expected):
    monkeypatch.setattr(socket, "socket", _FakeUDP(kernel_says))
    assert base_url.lan_address() == expected


def test_lan_address_on_this_machine_is_an_address():
    import ipaddress

    ipaddress.ip_address(base_url.lan_address())


def test_configured_wins_and_unconfigured_is_derived_for_the_server(tmp_path, monkeypatch):
    monkeypatch.setattr(base_url, "lan_address", lambda: "192.168.31.7")
    plain = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "a"), "DATABASE_URL": "sqlite://"})
    assert (plain.config["BASE_URL"], plain.config["BASE_URL_CONFIGURED"]) == (base_url.FALLBACK, False)
    assert base_url.for_server(plain, "0.0.0.0", 8000) == "http://192.168.31.7:8000"
    assert plain.config["BASE_URL"] == "http://192.168.31.7:8000"
    monkeypatch.setenv("MEETINGPREP_BASE_URL", "https://choubei.example.cn/")
    configured = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "b"), "DATABASE_URL": "sqlite://"})
    assert configured.config["BASE_URL_CONFIGURED"]
    assert base_url.for_server(configured, "0.0.0.0", 8000) == "https://choubei.example.cn"


def test_a_request_under_another_host_is_logged_once_per_host(app, client, caplog):
    caplog.set_level(logging.WARNING, logger="meetingprep.base_url")
    client.get("/login", base_url="https://choubei.example.cn")
    client.get("/login", base_url="https://choubei.example.cn:443")
    assert caplog.records == []
    for _ in range(3):
        client.get("/login", base_url="http://192.168.31.7:8000")
    client.get("/healthz", base_url="http://10.0.0.9:8000")  # probes are not people
    [record] = caplog.records
    assert "192.168.31.7:8000" in record.getMessage() and "https://choubei.example.cn" in record.getMessage()
    for n in range(base_url.WARNED_HOSTS_KEPT + 10):  # a client choosing Host headers cannot fill memory
        client.get("/login", base_url=f"http://host{n}.example")
    assert len(caplog.records) == base_url.WARNED_HOSTS_KEPT
    assert len(app.extensions["base_url_warned"]) == base_url.WARNED_HOSTS_KEPT


def test_admin_page_shows_base_url(app, client, login_as):
    login_as("secretariat")
    page = client.get("/notifications/admin").get_data(as_text=True)
    assert "https://choubei.example.cn" in page and "已配置" in page
    app.config["BASE_URL_CONFIGURED"] = False
    page = client.get("/notifications/admin").get_data(as_text=True)
    assert "未配置" in page
