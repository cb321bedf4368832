"""The browser's Back after an import lands on a page that says where things stand, never on 页面不存在 (#19)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from playwright.sync_api import expect

from meetingprep.extensions import db
from tests import factories
from tests.e2e.conftest import log_in
from tests.plans.helpers import row, xlsx

ROSTER_HEADER = ["委员编号", "姓名", "界别", "专委会", "分组讨论组", "常委", "工作单位", "职务", "手机", "登录账号"]


def _roster(rows) -> bytes:
    workbook = Workbook()
    for line in [ROSTER_HEADER, *rows]:
        workbook.active.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _not_a_missing_page(page) -> None:
    assert "页面不存在" not in page.content() and "不存在" not in page.title()


def test_back_after_a_roster_import(live_server, page, tmp_path):
    with live_server.data():
        factories.make_meeting(name="政协第十届攀枝花市委员会第四次会议")
        factories.make_user("secretariat", username="mishu", display_name="秘书处张三")
        db.session.commit()
    roster = tmp_path / "名册.xlsx"
    roster.write_bytes(_roster([["0101", "王五", "民建", "", "第二组", "否", "", "", "", ""]]))

    log_in(page, live_server, "mishu", factories.PASSWORD)
    page.goto(f"{live_server.url}/attendance/roster")
    page.get_by_role("link", name="从 Excel 导入").click()
    page.get_by_label("委员名册（.xlsx）").set_input_files(str(roster))
    page.get_by_role("button", name="检查并导入").click()
    page.wait_for_url("**/attendance/roster")
    expect(page.get_by_text("导入完成：新增 1 人")).to_be_visible()

    page.go_back()
    _not_a_missing_page(page)
    expect(page.get_by_role("heading", name="从 Excel 导入委员名册")).to_be_visible()
    page.go_back()
    _not_a_missing_page(page)
    assert page.url.endswith("/attendance/roster")


def test_back_after_a_plan_import_returns_to_the_upload_page_with_a_word(live_server, page, tmp_path):
    with live_server.data():
        meeting = factories.make_meeting(name="政协第十届攀枝花市委员会第四次会议", opens_in_days=21)
        group = factories.make_group(meeting, name="会务组")
        factories.make_user("group_lead", username="wanghw", display_name="王会务", group=group, is_lead=True)
        factories.make_user("secretariat", username="mishu", display_name="秘书处张三")
        db.session.commit()
    sheet = tmp_path / "施工图.xlsx"
    sheet.write_bytes(xlsx([row("印制代表证", group="会务组", owner="wanghw", due="开幕前7天 17:00")]))

    log_in(page, live_server, "mishu", factories.PASSWORD)
    page.goto(f"{live_server.url}/plans/import")
    page.get_by_label("任务表（.xlsx）").set_input_files(str(sheet))
    page.get_by_role("button", name="上传并检查").click()
    page.get_by_role("button", name="导入 1 项任务").click()
    page.wait_for_url("**/plans/calendar?*")

    page.go_back()  # to the preview of an upload that is imported now
    _not_a_missing_page(page)
    assert page.url.endswith("/plans/import")
    expect(page.get_by_text("这次上传已经导入、已放弃或已过期")).to_be_visible()
