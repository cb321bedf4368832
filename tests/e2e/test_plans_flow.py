from playwright.sync_api import expect

from meetingprep.extensions import db
from tests import factories
from tests.e2e.conftest import log_in
from tests.plans.helpers import row, xlsx


def test_secretariat_fixes_a_bad_row_then_imports_and_sees_the_tasks_on_the_calendar(live_server, page, tmp_path):
    with live_server.data():
        meeting = factories.make_meeting(name="政协第十届攀枝花市委员会第四次会议", opens_in_days=21)
        group = factories.make_group(meeting, name="会务组")
        factories.make_user("group_lead", username="wanghw", display_name="王会务", group=group, is_lead=True)
        factories.make_user("secretariat", username="mishu", display_name="秘书处张三")
        db.session.commit()
    bad = tmp_path / "施工图.xlsx"
    bad.write_bytes(xlsx([row("印制代表证", group="会务组", owner="wanghw", due="开幕前7天 17:00"),
                          row("布置主会场", group="会务组", owner="wanghw", due="下周五下午")]))
    fixed = tmp_path / "施工图（已改）.xlsx"
    fixed.write_bytes(xlsx([row("印制代表证", group="会务组", owner="wanghw", due="开幕前7天 17:00"),
                            row("布置主会场", group="会务组", owner="wanghw", due="开幕前2天 17:00",
                                predecessors="2")]))

    log_in(page, live_server, "mishu", factories.PASSWORD)
    page.goto(f"{live_server.url}/plans/import")
    page.get_by_label("任务表（.xlsx）").set_input_files(str(bad))
    page.get_by_role("button", name="上传并检查").click()
    error_row = page.locator('tr[data-row="3"]')
    assert error_row.get_attribute("data-status") == "error"
    assert "无法识别时间「下周五下午」" in error_row.inner_text()
    assert page.locator('tr[data-row="2"]').get_attribute("data-status") == "new"
    assert page.get_by_role("button", name="导入 2 项任务").count() == 0

    page.get_by_role("link", name="重新上传").click()
    page.get_by_label("任务表（.xlsx）").set_input_files(str(fixed))
    page.get_by_role("button", name="上传并检查").click()
    assert page.locator("#error-count").inner_text() == "错误 0"
    page.get_by_role("button", name="导入 2 项任务").click()
    page.wait_for_url("**/plans/calendar?*")
    expect(page.get_by_text("已导入 2 项任务")).to_be_visible()
    assert page.locator("a.plan-task:visible", has_text="印制代表证").count() == 1

    page.goto(f"{live_server.url}/plans/timeline")
    assert page.locator("svg text", has_text="布置主会场").count() == 1
    assert page.locator('path[marker-end="url(#arrow)"]').count() == 1
