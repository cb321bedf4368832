import re

from playwright.sync_api import expect
from sqlalchemy import select

from meetingprep.extensions import db
from meetingprep.notifications.models import MessageTemplate, Notification
from tests import factories
from tests.e2e.conftest import log_in


def test_staff_reads_a_reminder_from_the_badge(live_server, page):
    with live_server.data():
        meeting = factories.make_meeting(name="政协第十届攀枝花市委员会第四次会议")
        group = factories.make_group(meeting, name="会务组")
        staff = factories.make_user("staff", username="zhangming", display_name="张明", group=group)
        factories.make_notification(staff, subject="【任务提醒】「布置主会场」将于明天到期",
                                    body="任务「布置主会场」将于明天17:00到期。", link="/notifications/settings")
        db.session.commit()

    log_in(page, live_server, "zhangming", factories.PASSWORD)
    badge = page.get_by_label("1 条未读")
    expect(badge).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^通知(?!公告)")).first.click()  # the inbox, not 通知公告 beside it
    expect(page.get_by_text("「布置主会场」将于明天到期")).to_be_visible()
    page.get_by_role("link", name="查看").click()
    page.wait_for_url("**/notifications/settings")
    expect(page.get_by_role("heading", name="通知设置")).to_be_visible()
    assert page.get_by_label("1 条未读").count() == 0
    with live_server.data():
        assert db.session.scalar(select(Notification.read_at)) is not None


def test_secretariat_previews_and_saves_wording(live_server, phone_page):
    page = phone_page
    with live_server.data():
        factories.make_user("secretariat", username="mishu", display_name="秘书处刘")
        db.session.commit()

    log_in(page, live_server, "mishu", factories.PASSWORD)
    page.goto(f"{live_server.url}/notifications/admin/wording/task.due")
    page.get_by_label("标题").fill("请注意：{任务}")
    page.get_by_label("正文").fill("{责任人}，{任务}还剩{剩余}。")
    page.get_by_role("button", name="预览").click()
    expect(page.get_by_text("张明，起草大会主席团第一次会议议程还剩3天。")).to_be_visible()
    page.get_by_label("标题").fill("请注意：{任务名}")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("未知的占位符：{任务名}")).to_be_visible()
    page.get_by_label("标题").fill("请注意：{任务}")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/notifications/admin/wording")
    expect(page.get_by_text("已修改")).to_be_visible()
    with live_server.data():
        assert db.session.scalar(select(MessageTemplate.subject)) == "请注意：{任务}"
