"""A task's whole life in a real browser: assigned, started, submitted, returned, resubmitted, accepted."""

import re

from playwright.sync_api import expect

from meetingprep.extensions import db
from tests import factories
from tests.e2e.conftest import log_in, log_out


def open_task(page, live_server, title: str) -> None:
    page.goto(f"{live_server.url}/tasks/mine")
    page.get_by_role("link", name=re.compile(title)).first.click()
    page.wait_for_url(re.compile(r"/tasks/\d+$"))


def test_task_assigned_returned_resubmitted_accepted(live_server, page):
    with live_server.data():
        meeting = factories.make_meeting(name="政协第十届攀枝花市委员会第四次会议")
        materials = factories.make_group(meeting, name="材料组")
        factories.make_user("secretariat", username="mishu", display_name="秘书处王芳")
        factories.make_user("group_lead", username="cailiao", display_name="材料组长刘伟", group=materials,
                            is_lead=True)
        factories.make_user("staff", username="zhangsan", display_name="张三", group=materials)
        db.session.commit()

    # The secretariat creates the task and assigns it to 张三, seven days before the opening.
    log_in(page, live_server, "mishu", factories.PASSWORD)
    page.goto(f"{live_server.url}/tasks/new")
    page.get_by_label("任务", exact=True).fill("起草常委会工作报告")
    page.get_by_label("责任组").select_option(label="材料组")
    page.get_by_label("责任人").select_option(label="张三（材料组）")
    page.get_by_label("天数").fill("7")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/tasks/\d+$"))
    expect(page.get_by_text("开幕前 7 天 17:00").first).to_be_visible()
    task_url = page.url
    # on a wide screen 办理 stands beside the hand-offs and comments
    actions, comments = (page.locator(f"#{name}").bounding_box() for name in ("actions", "comments"))
    assert actions["x"] > comments["x"] + comments["width"] and actions["y"] < comments["y"]
    log_out(page)

    # 张三 starts it and submits it with a note.
    log_in(page, live_server, "zhangsan", factories.PASSWORD)
    open_task(page, live_server, "起草常委会工作报告")
    page.get_by_role("button", name="开始办理").click()
    expect(page.locator("#task-status").get_by_text("进行中")).to_be_visible()
    page.get_by_label("完成情况（必填）").fill("初稿已完成，共 1.2 万字")
    page.get_by_role("button", name="提交验收").click()
    expect(page.locator("#task-status").get_by_text("待验收")).to_be_visible()
    log_out(page)

    # The group lead returns it with a reason.
    log_in(page, live_server, "cailiao", factories.PASSWORD)
    page.goto(task_url)
    page.get_by_role("button", name="退回").click()  # without a reason: refused, kindly
    expect(page.get_by_text("请填写退回原因")).to_be_visible()
    page.get_by_label("退回原因（必填）").fill("请补充 2025 年提案办理数据")
    page.get_by_role("button", name="退回").click()
    expect(page.locator("#task-status").get_by_text("退回")).to_be_visible()
    log_out(page)

    # 张三 sees the reason and resubmits.
    log_in(page, live_server, "zhangsan", factories.PASSWORD)
    page.goto(task_url)
    expect(page.get_by_text("请补充 2025 年提案办理数据").first).to_be_visible()
    page.get_by_label("完成情况（必填）").fill("已补充提案办理数据")
    page.get_by_role("button", name="提交验收").click()
    expect(page.locator("#task-status").get_by_text("待验收")).to_be_visible()
    log_out(page)

    # The secretariat accepts it.
    log_in(page, live_server, "mishu", factories.PASSWORD)
    page.goto(task_url)
    page.get_by_role("button", name="验收通过").click()
    expect(page.locator("#task-status").get_by_text("已完成")).to_be_visible()
    history = page.locator("#history li")
    steps = [
        ("创建任务", "秘书处王芳"), ("开始办理", "张三"), ("提交验收", "张三"), ("退回", "材料组长刘伟"),
        ("提交验收", "张三"), ("验收通过", "秘书处王芳"),
    ]
    assert history.count() == len(steps)
    for index, (action, who) in enumerate(steps):
        text = history.nth(index).inner_text()
        assert action in text and who in text, text
        assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 周. \d{2}:\d{2}", text), text
    assert "请补充 2025 年提案办理数据" in history.nth(3).inner_text()


def test_owner_works_from_a_phone(live_server, phone_page):
    with live_server.data():
        group = factories.make_group(factories.make_meeting(), name="会务组")
        owner = factories.make_user("staff", username="wangwu", display_name="王五", group=group)
        factories.make_group_task(group, owner, title="布置主会场", due_in_days=-1)
        db.session.commit()
    log_in(phone_page, live_server, "wangwu", factories.PASSWORD)
    phone_page.goto(f"{live_server.url}/tasks/mine")
    expect(phone_page.get_by_role("heading", name="已逾期（1）")).to_be_visible()
    phone_page.get_by_role("link", name=re.compile("布置主会场")).click()
    # on a phone 办理 comes right after the task's facts: no scrolling past hand-offs and comments
    actions, handoffs, comments = (phone_page.locator(f"#{name}").bounding_box()
                                   for name in ("actions", "hand-offs", "comments"))
    assert actions["y"] < handoffs["y"] < comments["y"]
    phone_page.get_by_role("button", name="开始办理").click()
    expect(phone_page.locator("#task-status").get_by_text("进行中")).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_lead_links_a_task_of_another_group_found_by_typing(live_server, page):
    with live_server.data():
        meeting = factories.make_meeting()
        materials = factories.make_group(meeting, name="材料组")
        affairs = factories.make_group(meeting, name="会务组")
        factories.make_user("group_lead", username="cailiao", display_name="材料组长", group=materials, is_lead=True)
        staff = factories.make_user("staff", username="zhangsan", display_name="张三", group=materials)
        task = factories.make_group_task(materials, staff, title="装订会议材料", due_in_days=20)
        for n in range(35):
            factories.make_group_task(materials, staff, title=f"本组事项{n:02d}", due_in_days=n)
        factories.make_group_task(affairs, title="印制代表证件", due_in_days=5)
        db.session.commit()
        task_id = task.id

    log_in(page, live_server, "cailiao", factories.PASSWORD)
    page.goto(f"{live_server.url}/tasks/{task_id}")
    picker = page.get_by_label("前置任务（完成后本任务才能提交）")
    expect(picker.locator("option")).to_have_count(30)
    expect(page.locator("#hand-off-hint")).to_contain_text("请在上面输入名称或编号查找")
    page.get_by_label("查找前置任务").fill("证件")  # no Enter: the list follows the typing
    expect(picker.locator("option")).to_have_count(1)
    expect(page.locator("#hand-off-hint")).to_contain_text("与「证件」相符的任务")
    picker.select_option(label="会务组｜印制代表证件")
    page.get_by_role("button", name="添加前置任务").click()
    expect(page.get_by_text("已设置衔接：「印制代表证件」完成后本任务才能提交。")).to_be_visible()
    expect(page.locator("#hand-offs").get_by_role("link", name="印制代表证件")).to_be_visible()
    expect(page.locator("#task-status").get_by_text("等待前置任务")).to_be_visible()
