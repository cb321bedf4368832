"""Browser tests: Playwright drives Debian's Chromium against a live server in a thread.

The server runs the real app on a file-backed SQLite database (CSRF on), so the browser sees
exactly what a user sees. Without /usr/bin/chromium these tests skip with the reason; with CI set
(as .ci/run does) a missing Chromium is a failure instead, so CI never passes without them.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from meetingprep import create_app
from meetingprep.extensions import db

CHROMIUM = os.environ.get("MEETINGPREP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI a skipped browser test is a failed one: CI must really drive Chromium."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and report.skipped and item.get_closest_marker("e2e"):
        report.outcome = "failed"
        report.longrepr = f"browser test skipped under CI: {report.longrepr}"


@dataclass
class LiveServer:
    app: Flask
    url: str

    def data(self):
        """``with live.data(): …`` — set up rows directly, committed before the browser looks."""
        return self.app.app_context()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def live_server(tmp_path):
    app = create_app({
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'e2e.sqlite'}",
        "SECRET_KEY": "e2e-secret",
        "WTF_CSRF_ENABLED": True,
        "DASHBOARD_REFRESH_SECONDS": 2,  # no scheduler here: a wall screen's view recomputes stale figures
    })
    with app.app_context():
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def log_in(page, live: LiveServer, username: str, password: str) -> None:
    page.goto(f"{live.url}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)


def log_out(page) -> None:
    """Open the account menu (it folds into the navbar toggler on a phone) and press 退出登录.

    The menu is Bootstrap's script: a click before the page's scripts have run opens nothing, so wait for
    the page to load and try the menu again if it did not open (on a busy machine that first click is lost).
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.wait_for_load_state("load")
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        page.locator(".navbar-collapse.show").wait_for()
    button = page.get_by_role("button", name="退出登录")
    for _attempt in range(3):
        page.locator("#userMenu").click()
        try:
            button.wait_for(state="visible", timeout=3000)
            break
        except PlaywrightTimeout:
            continue
    button.click()
    page.wait_for_url("**/login")
