from meetingprep.extensions import db
from tests import factories
from tests.e2e.conftest import log_in


def test_secretariat_sees_meeting_and_groups_then_logs_out(live_server, page):
    with live_server.data():
        meeting = factories.make_meeting(name="政协第十届攀枝花市委员会第四次会议")
        group = factories.make_group(meeting, name="会务组", duties="负责会场布置")
        factories.make_user("secretariat", username="mishu", display_name="秘书处张三", group=group, is_lead=True)
        db.session.commit()

    log_in(page, live_server, "mishu", factories.PASSWORD)
    assert page.get_by_role("heading", name="政协第十届攀枝花市委员会第四次会议").is_visible()
    assert page.get_by_text("会务组").first.is_visible()
    page.get_by_role("button", name="秘书处张三").or_(page.get_by_text("秘书处张三")).first.click()
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url("**/login")
    assert page.get_by_text("您已安全退出").is_visible()
