"""The desk forgives a wrong Enter: a warning when the sitting is far off, an undo that is audited, and an
empty search box after every answer (also a refused repeat)."""

from playwright.sync_api import expect
from sqlalchemy import func, select

from meetingprep.attendance.models import CheckIn
from meetingprep.audit import AuditEntry
from meetingprep.extensions import db
from tests import factories
from tests.e2e.conftest import log_in


def test_early_warning_undo_and_a_cleared_box(live_server, page):
    with live_server.data():
        meeting = factories.make_meeting()
        factories.make_user("secretariat", username="mishu", display_name="秘书处李华")
        factories.make_member(meeting, name="张三", member_no="0001")
        far = factories.make_sitting(meeting, name="闭幕大会", starts_in_minutes=60 * 24 * 10)
        db.session.commit()
        sitting_id = far.id

    log_in(page, live_server, "mishu", factories.PASSWORD)
    page.goto(f"{live_server.url}/attendance/sittings/{sitting_id}/desk")
    expect(page.locator("#desk-early")).to_contain_text("请确认打开的是正确的会次")
    search = page.get_by_label("姓名、拼音首字母（如 zs）或委员编号")
    search.fill("zs")
    expect(page.locator("#desk-results")).to_contain_text("张三")
    search.press("Enter")
    message = page.locator("#desk-message")
    expect(message).to_contain_text("请确认签到的会次无误")
    expect(message).to_have_class("alert alert-warning")
    expect(search).to_have_value("")
    # A repeat is refused kindly, and the box is emptied for the next person.
    search.fill("zs")
    expect(page.locator("#desk-results")).to_contain_text("已签到")
    page.locator("#desk-results").get_by_text("张三").wait_for()
    # Undo the wrong Enter.
    search.fill("")
    message_undo = message.get_by_role("button", name="撤销这次签到")
    expect(message_undo).to_be_visible()
    message_undo.click()
    expect(message).to_contain_text("已撤销 张三 的签到。")
    expect(page.locator('[data-count="present"]')).to_have_text("0")
    with live_server.data():
        assert db.session.scalar(select(func.count(CheckIn.id))) == 0
        assert db.session.scalar(select(AuditEntry.message).where(AuditEntry.action == "undo_check_in")).startswith(
            "撤销 张三")


def test_a_refused_repeat_empties_the_box(live_server, page):
    with live_server.data():
        meeting = factories.make_meeting()
        factories.make_user("secretariat", username="mishu", display_name="秘书处李华")
        factories.make_member(meeting, name="张三", member_no="0001")
        sitting = factories.make_sitting(meeting, name="开幕大会", starts_in_minutes=-5)
        db.session.commit()
        sitting_id = sitting.id

    log_in(page, live_server, "mishu", factories.PASSWORD)
    page.goto(f"{live_server.url}/attendance/sittings/{sitting_id}/desk")
    assert page.locator("#desk-early").count() == 0  # under way: no warning
    search = page.get_by_label("姓名、拼音首字母（如 zs）或委员编号")
    for expected in ("张三 签到成功", "无需重复签到"):
        search.fill("0001")
        expect(page.locator("#desk-results")).to_contain_text("张三")
        page.locator("#desk-results button").first.click() if expected != "无需重复签到" else search.press("Enter")
        expect(page.locator("#desk-message")).to_contain_text(expected)
        expect(search).to_have_value("")
