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


def _expire_send_and_log_in_again(page, live_server, username: str, button: str, back_to: str) -> None:
    """The login ends while the form is open; the person presses ``button``, logs in again and is back on the page."""
    page.context.clear_cookies()
    page.get_by_role("button", name=button).click()
    page.wait_for_url(re.compile(r"/login\?"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(re.escape(back_to) + "$"))
    expect(page.get_by_text("已填回您登录过期前填写的内容")).to_be_visible()


def test_a_return_reason_comes_back_in_its_own_box_not_in_the_acceptance_note(live_server, page):
    """验收意见 and 退回原因 are both ``note`` (two forms on the task page): the reason goes back into 退回原因."""
    from meetingprep.tasks.states import TaskStatus

    with live_server.data():
        group = factories.make_group(factories.make_meeting(), name="材料组")
        factories.make_user("group_lead", username="zuzhang", display_name="组长", group=group, is_lead=True)
        staff = factories.make_user("staff", username="zhangsan", display_name="张三", group=group)
        task = factories.make_group_task(group, staff, title="起草工作报告", status=TaskStatus.SUBMITTED)
        db.session.commit()
        task_path = f"/tasks/{task.id}"

    log_in(page, live_server, "zuzhang", factories.PASSWORD)
    page.goto(live_server.url + task_path)
    reason = "第三部分的数据与统计局口径不一致，请核对后重新提交。"
    page.get_by_label("退回原因").fill(reason)
    _expire_send_and_log_in_again(page, live_server, "zuzhang", "退回", task_path)
    expect(page.get_by_label("退回原因")).to_have_value(reason)
    expect(page.get_by_label("验收意见")).to_have_value("")
    page.get_by_role("button", name="退回").click()
    expect(page.locator("#history").get_by_text(reason)).to_be_visible()


def test_a_review_opinion_comes_back_in_the_decision_form(live_server, page):
    with live_server.data():
        meeting = factories.make_meeting()
        group = factories.make_group(meeting, name="材料组")
        secretariat = factories.make_user("secretariat")
        drafter = factories.make_user("staff", display_name="起草人", group=group)
        lead = factories.make_user("group_lead", username="chushen", display_name="材料组长", group=group)
        template = factories.make_pipeline_template([[lead]], actor=secretariat, name="一级审核")
        document = factories.make_document(meeting, template=template, drafters=[drafter], group=group,
                                           actor=secretariat, title="政协常委会工作报告")
        factories.add_text_version(document, drafter, "一、过去一年的工作")
        db.session.commit()
        document_path = f"/documents/{document.id}"

    log_in(page, live_server, "chushen", factories.PASSWORD)
    page.goto(live_server.url + document_path)
    opinion = "提案数量请与提案委核对，第二部分再精炼一些。"
    page.get_by_label("意见", exact=True).fill(opinion)
    _expire_send_and_log_in_again(page, live_server, "chushen", "提交审核意见", document_path)
    expect(page.get_by_label("意见", exact=True)).to_have_value(opinion)
    expect(page.get_by_label("发表意见")).to_have_value("")  # the remark form beside it is left alone


def test_a_members_speech_text_comes_back_after_the_login_expired(live_server, page):
    with live_server.data():
        factories.make_meeting()
        factories.make_user("member", username="weiyuan", display_name="委员甲")
        db.session.commit()

    log_in(page, live_server, "weiyuan", factories.PASSWORD)
    page.goto(live_server.url + "/documents/speeches/new")
    speech = "关于加快康养产业发展的建议。\n一、现状\n二、建议"
    page.get_by_label("发言题目").fill("关于康养产业的发言")
    page.get_by_label("或直接填写正文").fill(speech)
    _expire_send_and_log_in_again(page, live_server, "weiyuan", "提交", "/documents/speeches/new")
    expect(page.get_by_label("发言题目")).to_have_value("关于康养产业的发言")
    expect(page.get_by_label("或直接填写正文")).to_have_value(speech)
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_text("发言稿已提交")).to_be_visible()
