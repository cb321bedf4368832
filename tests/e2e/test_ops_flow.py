"""In a real browser: a session cookie copied to another browser stops working once its owner logs out."""

from meetingprep.extensions import db
from tests import factories
from tests.e2e.conftest import log_in


def test_copied_cookie_is_refused_after_logout(live_server, browser, page):
    with live_server.data():
        factories.make_meeting()
        factories.make_user("secretariat", username="mishu", display_name="秘书处李四")
        db.session.commit()

    log_in(page, live_server, "mishu", factories.PASSWORD)
    response = page.goto(f"{live_server.url}/")
    assert response.headers["x-frame-options"] == "DENY" and "permissions-policy" in response.headers

    thief = browser.new_context(locale="zh-CN")
    thief.add_cookies(page.context.cookies())
    stolen_page = thief.new_page()
    stolen_page.goto(f"{live_server.url}/")
    assert "/login" not in stolen_page.url  # the copy works while the session lives

    page.get_by_text("秘书处李四").first.click()
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url("**/login")

    stolen_page.goto(f"{live_server.url}/")
    assert "/login" in stolen_page.url
    thief.close()
