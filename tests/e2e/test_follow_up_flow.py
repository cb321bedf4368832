"""On a phone (390 px): a member reads their schedule (room, 座区, agenda, what to bring), and the secretariat
opens a sitting's 未签到 list, narrows it to one 界别 and reminds those members with one action — the page
never scrolls sideways."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from meetingprep.agenda import services as agenda_services
from meetingprep.agenda.models import AgendaItemKind
from meetingprep.audit import AuditEntry
from meetingprep.extensions import db
from meetingprep.notifications.models import Notification
from tests import factories
from tests.agenda.conftest import item_data
from tests.e2e.conftest import log_in


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px phone"


def test_a_members_schedule_and_reminding_the_absent_on_a_phone(live_server, phone_page, browser):
    with live_server.data():
        meeting = factories.make_meeting(name="政协第十届攀枝花市委员会第四次会议")
        secretariat = factories.make_user("secretariat", username="mishu", display_name="秘书处李华")
        group = factories.make_discussion_group(meeting, "第一组")
        member_user = factories.make_user("member", username="weiyuan001", display_name="张三")
        zhang = factories.make_member(meeting, name="张三", member_no="0001", sector="民盟", group=group,
                                      user=member_user)
        zhang.seat_area = "一楼 A 区 3 排 12 座"
        li = factories.make_member(meeting, name="李四", member_no="0002", sector="民盟",
                                   user=factories.make_user("member", display_name="李四"))
        factories.make_member(meeting, name="王五", member_no="0003", sector="中共",
                              user=factories.make_user("member", display_name="王五"))
        under_way = factories.make_sitting(meeting, name="开幕大会", kind="opening", starts_in_minutes=-10)
        under_way.seated, under_way.bring_note = True, "请携带委员证和会议材料袋；着正装。"
        discussion = factories.make_sitting(meeting, name="分组讨论（一）：审议常委会工作报告", kind="group",
                                            starts_in_minutes=24 * 60, expectation="groups", groups=[group])
        agenda_services.add_item(secretariat, under_way, item_data(under_way, title="听取和审议常委会工作报告"))
        agenda_services.add_item(secretariat, discussion, item_data(
            discussion, AgendaItemKind.GROUP, "第一组：审议常委会工作报告", room="驻地二楼 201 会议室",
            discussion_group_id=group.id))
        db.session.commit()
        sitting_id, li_user_id = under_way.id, li.user_id

    page = phone_page
    log_in(page, live_server, "weiyuan001", factories.PASSWORD)
    page.goto(f"{live_server.url}/agenda/schedule")
    expect(page.get_by_role("heading", name="我的日程")).to_be_visible()
    card = page.locator(f"#sitting-{sitting_id}")
    expect(card).to_contain_text("一楼 A 区 3 排 12 座")
    expect(card).to_contain_text("请携带委员证和会议材料袋；着正装。")
    expect(card).to_contain_text("听取和审议常委会工作报告")
    expect(page.get_by_text("驻地二楼 201 会议室").first).to_be_visible()
    _no_sideways_scroll(page)

    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    desk = context.new_page()
    try:
        log_in(desk, live_server, "mishu", factories.PASSWORD)
        desk.goto(f"{live_server.url}/attendance/sittings/{sitting_id}")
        desk.get_by_role("link", name="未签到名单（3）").click()
        expect(desk.locator("#missing-total")).to_have_text("3 人")
        desk.get_by_label("界别").select_option("民盟")
        desk.get_by_role("button", name="筛选").click()
        expect(desk.locator("#missing-total")).to_have_text("2 人")
        expect(desk.locator("table.missing-list")).not_to_contain_text("王五")
        _no_sideways_scroll(desk)
        desk.once("dialog", lambda dialog: dialog.accept())
        desk.get_by_role("button", name="一键提醒未签到委员（2 人）").click()
        expect(desk.get_by_text("已向 2 位委员发送提醒")).to_be_visible()
        expect(desk.locator("#missing-total")).to_have_text("2 人")  # back on the same filtered list
        _no_sideways_scroll(desk)
    finally:
        context.close()

    with live_server.data():
        recipients = set(db.session.scalars(select(Notification.recipient_id)
                                            .where(Notification.kind == "attendance.absent")))
        assert li_user_id in recipients and len(recipients) == 2
        assert db.session.scalar(select(AuditEntry.message).where(AuditEntry.action == "remind_missing")) \
            == "提醒未签到委员 2 人（界别：民盟）"
    page.goto(f"{live_server.url}/notifications/")
    expect(page.get_by_text("【签到提醒】开幕大会已开始签到，您尚未签到").first).to_be_visible()
