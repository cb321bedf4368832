"""领导批示 in a real browser: a leader writes an instruction on a task, the owner acknowledges it and reports
back, the leader sees the answer (and is told in the inbox)."""

import re

from playwright.sync_api import expect

from meetingprep.extensions import db
from tests import factories
from tests.e2e.conftest import log_in, log_out


def test_leader_instructs_owner_acknowledges_and_answers(live_server, page):
    with live_server.data():
        meeting = factories.make_meeting(name="政协第十届攀枝花市委员会第四次会议")
        affairs = factories.make_group(meeting, name="会务组")
        factories.make_user("leader", username="zhuxi", display_name="李主席")
        factories.make_user("group_lead", username="huiwu_zz", display_name="会务组长赵强", group=affairs,
                            is_lead=True)
        owner = factories.make_user("staff", username="huiwu_01", display_name="张三", group=affairs)
        task = factories.make_task(meeting, affairs, owner, title="布置主会场")
        db.session.commit()
        task_url = f"{live_server.url}/tasks/{task.id}"

    # The leader writes a 批示 on the task page.
    log_in(page, live_server, "zhuxi", factories.PASSWORD)
    page.goto(task_url)
    page.get_by_role("button", name="作出批示").click()  # empty: refused, kindly
    expect(page.get_by_text("请填写批示内容")).to_be_visible()
    page.get_by_label("批示内容").fill("请确保开幕前两天完成，并报告音响调试情况。")
    page.get_by_role("button", name="作出批示").click()
    page.wait_for_url(re.compile(r"/tasks/\d+#instruction-\d+$"))
    instruction = page.locator("#instructions article.instruction").first
    expect(instruction).to_contain_text("请确保开幕前两天完成")
    expect(instruction).to_contain_text("待阅")
    expect(instruction.locator("[data-receipt]", has_text="张三")).to_contain_text("未阅")  # the owner's, listed first
    log_out(page)

    # The owner is told, reads it, acknowledges it and reports back.
    log_in(page, live_server, "huiwu_01", factories.PASSWORD)
    page.goto(f"{live_server.url}/notifications/")
    message = page.locator(".list-group-item", has_text="李主席对任务「布置主会场」作出批示").first
    expect(message).to_contain_text("请确保开幕前两天完成")
    message.get_by_role("link", name="查看").click()
    page.wait_for_url(re.compile(r"/tasks/\d+"))
    instruction = page.locator("#instructions article.instruction").first
    instruction.get_by_role("button", name="已阅").click()
    expect(page.get_by_text("已阅。请及时报告办理情况。")).to_be_visible()
    instruction = page.locator("#instructions article.instruction").first
    expect(instruction.get_by_role("button", name="已阅")).to_have_count(0)
    instruction.get_by_label("办理情况").fill("主会场已布置完毕，音响今晚调试。")
    instruction.get_by_role("button", name="报告办理情况").click()
    expect(page.get_by_text("办理情况已报告批示领导。")).to_be_visible()
    log_out(page)

    # The leader sees the answer on the task page, with who and when, and in the 批示督办 list.
    log_in(page, live_server, "zhuxi", factories.PASSWORD)
    page.goto(task_url)
    instruction = page.locator("#instructions article.instruction").first
    expect(instruction).to_contain_text("已反馈")
    reply = instruction.locator(".instruction-reply").first
    expect(reply).to_contain_text("张三 报告办理情况")
    expect(reply).to_contain_text("主会场已布置完毕，音响今晚调试。")
    expect(instruction.locator("[data-receipt]", has_text="张三")).to_contain_text("已阅")
    expect(instruction.locator("[data-receipt]", has_text="会务组长赵强")).to_contain_text("未阅")
    page.goto(f"{live_server.url}/instructions/")
    expect(page.get_by_text("已反馈 1 次")).to_be_visible()
    expect(page.get_by_role("link", name="布置主会场")).to_be_visible()
