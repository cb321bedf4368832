from playwright.sync_api import expect

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
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()  # the secretariat's home (工作台)
    expect(page.get_by_role("link", name="政协第十届攀枝花市委员会第四次会议")).to_be_visible()
    page.get_by_role("link", name="工作组", exact=True).first.click()
    expect(page.get_by_text("会务组").first).to_be_visible()
    page.get_by_role("button", name="秘书处张三").or_(page.get_by_text("秘书处张三")).first.click()
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url("**/login")
    expect(page.get_by_text("您已安全退出")).to_be_visible()
def test_secretariat_creates_a_user_and_adds_them_to_a_group(live_server, page):
    with live_server.data():
        meeting = factories.make_meeting(name="政协第十届攀枝花市委员会第四次会议")
        factories.make_group(meeting, name="材料组", duties="文件印制")
        factories.make_user("secretariat", username="mishu", display_name="秘书处张三")
        db.session.commit()

    log_in(page, live_server, "mishu", factories.PASSWORD)
    page.get_by_role("button", name="系统管理").click()
    page.get_by_role("link", name="用户管理").click()
    page.get_by_role("link", name="新建用户").click()
    page.get_by_label("用户名").fill("chen")
    page.get_by_label("姓名").fill("陈十")
    page.get_by_label("角色").select_option(label="工作人员")
    page.get_by_label("新密码").fill("Good-pass-123")
    page.get_by_label("再次输入密码").fill("Good-pass-123")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已创建用户“陈十”")).to_be_visible()
    page.get_by_role("link", name="工作组", exact=True).first.click()
    page.get_by_role("link", name="材料组").click()
    page.get_by_label("用户名").fill("chen")
    page.get_by_label("设为组长").check()
    page.get_by_role("button", name="加入本组").click()
    expect(page.get_by_text("已把“陈十”加入材料组")).to_be_visible()
    expect(page.locator(".list-group-item", has_text="陈十").get_by_text("组长", exact=True)).to_be_visible()
def test_phone_navigation_reaches_the_meeting_page(live_server, phone_page):
    with live_server.data():
        factories.make_meeting(name="政协第十届攀枝花市委员会第四次会议")
        factories.make_user("leader", username="zhuxi", display_name="主席")
        db.session.commit()

    log_in(phone_page, live_server, "zhuxi", factories.PASSWORD)
    phone_page.get_by_role("button", name="展开导航").click()
    phone_page.get_by_role("link", name="会议", exact=True).click()
    phone_page.get_by_role("link", name="政协第十届攀枝花市委员会第四次会议").click()
    expect(phone_page.get_by_role("heading", name="政协第十届攀枝花市委员会第四次会议")).to_be_visible()
    assert phone_page.get_by_text("编辑").count() == 0
