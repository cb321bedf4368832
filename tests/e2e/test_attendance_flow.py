import re

from playwright.sync_api import expect

from meetingprep.attendance import services
from meetingprep.extensions import db
from tests import factories
from tests.e2e.conftest import log_in


def test_desk_pinyin_enter_qr_and_approved_leave(live_server, page, phone_page, browser):
    with live_server.data():
        meeting = factories.make_meeting(name="政协第十届攀枝花市委员会第四次会议")
        factories.make_user("secretariat", username="mishu", display_name="秘书处李华")
        wang_user = factories.make_user("member", username="wangwu", display_name="王五")
        group = factories.make_discussion_group(meeting, "第一组")
        factories.make_member(meeting, name="张三", member_no="0001", group=group, sector="中共")
        li = factories.make_member(meeting, name="李四", member_no="0002", group=group, sector="民盟")
        factories.make_member(meeting, name="王五", member_no="0003", group=group, sector="民建",
                                      user=wang_user)
        sitting = factories.make_sitting(meeting, name="开幕大会", kind="opening", starts_in_minutes=-5)
        db.session.commit()
        sitting_id = sitting.id
        li_link = f"{live_server.url}/attendance/qr/{services.qr_token(li)}"

    # Staff at the door: pinyin initials, Enter, the counts move.
    log_in(page, live_server, "mishu", factories.PASSWORD)
    page.goto(f"{live_server.url}/attendance/sittings/{sitting_id}/desk")
    present = page.locator('[data-count="present"]')
    expect(present).to_have_text("0")
    search = page.get_by_label("姓名、拼音首字母（如 zs）或委员编号")
    search.fill("zs")
    expect(page.locator("#desk-results")).to_contain_text("张三")
    search.press("Enter")
    expect(page.locator("#desk-message")).to_contain_text("张三 签到成功")
    expect(present).to_have_text("1")
    expect(page.locator('[data-count="rate"]')).to_have_text("33.3%")
    expect(search).to_have_value("")

    # 李四 scans the personal code on a phone: a confirmation page, then checked in.
    phone_page.goto(li_link)
    expect(phone_page.get_by_text("开幕大会")).to_be_visible()
    phone_page.get_by_role("button", name="确认签到").click()
    expect(phone_page.get_by_text(re.compile("李四 签到成功"))).to_be_visible()
    # The desk's live counts catch up by themselves (polling).
    expect(present).to_have_text("2", timeout=15_000)

    # 王五 asks for leave; the secretariat approves; the sitting shows 请假 for him.
    member_context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    member_page = member_context.new_page()
    member_page.set_default_timeout(10_000)
    log_in(member_page, live_server, "wangwu", factories.PASSWORD)
    member_page.get_by_role("link", name="我的出勤").click()
    member_page.get_by_role("link", name="我要请假").click()
    member_page.get_by_label(re.compile("开幕大会")).check()
    member_page.get_by_label("请假事由").fill("赴省里参加培训，无法出席。")
    member_page.get_by_role("button", name="提交请假申请").click()
    expect(member_page.get_by_text("请假申请已提交")).to_be_visible()
    leave_url = member_page.url

    page.goto(leave_url)
    page.get_by_label("批准", exact=True).check()  # no answer is pre-selected
    page.get_by_label("审批意见").fill("同意")
    page.get_by_role("button", name="提交审批").click()
    expect(page.get_by_text("王五 的请假申请已批准，已通知本人。")).to_be_visible()

    page.goto(f"{live_server.url}/attendance/sittings/{sitting_id}")
    expect(page.locator('[data-count="leave"]')).to_have_text("1")
    expect(page.locator('[data-count="rate"]')).to_have_text("100.0%")
    row = page.get_by_role("row").filter(has_text="王五")
    expect(row.get_by_text("请假", exact=True)).to_be_visible()
    expect(page.get_by_text("出席率 = 实到 ÷ (应到 − 请假)")).to_be_visible()

    # The member is told.
    member_page.goto(f"{live_server.url}/attendance/me")
    expect(member_page.get_by_text("已批准")).to_be_visible()
    member_context.close()
