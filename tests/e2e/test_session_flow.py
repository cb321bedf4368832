"""A login that ends while a form is open: 「登录已过期」, log in again, back on the form with the text kept."""

import re

from playwright.sync_api import expect

from meetingprep.extensions import db
from meetingprep.tasks.models import TaskComment
from tests import factories
from tests.e2e.conftest import log_in


def test_an_expired_login_keeps_the_draft(live_server, page):
    with live_server.data():
        group = factories.make_group(factories.make_meeting(), name="材料组")
        staff = factories.make_user("staff", username="zhangsan", display_name="张三", group=group)
        task = factories.make_group_task(group, staff, title="起草工作报告")
        db.session.commit()
        task_path = f"/tasks/{task.id}"

    log_in(page, live_server, "zhangsan", factories.PASSWORD)
    page.goto(live_server.url + task_path)
    text = "初稿已完成，第三部分的数据还在等统计局核对，预计周五前补齐。"
    page.get_by_label("留言").fill(text)
    page.context.clear_cookies()  # the login ends (idle too long, or revoked) while the text is being written
    page.get_by_role("button", name="发表留言").click()

    page.wait_for_url(re.compile(r"/login\?"))
    expect(page.get_by_text("登录已过期，请重新登录。")).to_be_visible()
    page.get_by_label("用户名").fill("zhangsan")
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(re.escape(task_path) + "$"))
    expect(page.get_by_label("留言")).to_have_value(text)
    expect(page.get_by_text("已填回您登录过期前填写的内容")).to_be_visible()
    page.get_by_role("button", name="发表留言").click()
    expect(page.get_by_text(text)).to_be_visible()
    with live_server.data():
        assert db.session.scalar(db.select(TaskComment.body)) == text
    page.reload()
    expect(page.get_by_label("留言")).to_have_value("")  # restored once, not again after it was sent
