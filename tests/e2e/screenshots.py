"""``make screenshots``: the main page of each role at 390, 1024 and 1920 px (and a few more: ``EXTRA``), into
docs/screenshots/.

Builds the demo in a throw-away instance, serves it from a thread on 127.0.0.1 and drives Chromium
(/usr/bin/chromium, or MEETINGPREP_CHROMIUM) with Playwright; nothing leaves the machine.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import threading
from pathlib import Path

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "screenshots"
WIDTHS = {390: 844, 1024: 768, 1920: 1080}
#: (demo login, file name): each role's main page is where it lands after logging in.
ROLES = [("mishu", "secretariat"), ("huiwu_zz", "group-lead"), ("huiwu_01", "staff"), ("zhuxi", "leader"),
         ("weiyuan001", "member"), ("admin", "admin")]
#: (demo login, page, file name, width): pages worth a picture beyond the landing pages — the wall (大屏) on a
#: 1080p screen, and lists that turn into cards on a phone.
EXTRA = [("zhuxi", "/dashboard/wall", "wall", 1920), ("mishu", "/tasks/", "ledger", 390),
         ("mishu", "/tasks/", "ledger", 1920), ("mishu", "/documents/", "documents", 1920)]
CHROMIUM = os.environ.get("MEETINGPREP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from playwright.sync_api import sync_playwright

    from meetingprep import create_app
    from meetingprep.demo import build_demo
    from meetingprep.extensions import db

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"INSTANCE_PATH": tmp, "DATABASE_URL": f"sqlite:///{tmp}/demo.sqlite",
                          "SECRET_KEY": "screenshots", "SCHEDULER_EXPECTED": False})
        password = app.config["DEMO_PASSWORD"]
        with app.app_context():
            db.create_all()
            build_demo()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                shots = [(username, None, name, width) for username, name in ROLES for width in WIDTHS]
                for username, path, name, width in [*shots, *EXTRA]:
                    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                                  viewport={"width": width, "height": WIDTHS[width]},
                                                  is_mobile=width < 600, device_scale_factor=1)
                    page = context.new_page()
                    page.goto(f"{url}/login")
                    page.get_by_label("用户名").fill(username)
                    page.get_by_label("密码").fill(password)
                    page.get_by_role("button", name="登录").click()
                    page.wait_for_url(lambda current: "/login" not in current)
                    if path:
                        page.goto(url + path)
                    page.wait_for_load_state("networkidle")
                    target = OUT / f"{name}-{width}.png"
                    page.screenshot(path=str(target))
                    print(target.relative_to(ROOT))
                    context.close()
                browser.close()
        finally:
            server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
