"""The 大会发言 flow in a browser: the secretariat builds a sitting's agenda with a 大会发言 item, orders two
定稿 speeches into oral slots, prints the 大会发言顺序 (Chromium → PDF, read back with poppler), reopens one
speech in the review pipeline and sees it drop out of the order with a warning; the remaining speaker sees
their slot."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from meetingprep import timeutil
from meetingprep.extensions import db
from meetingprep.permissions import Role
from tests import factories, office
from tests.agenda.conftest import finalized_speech
from tests.e2e.conftest import log_in


def test_build_an_agenda_order_two_speeches_print_and_see_a_reopened_one_drop_out(live_server, page, tmp_path):
    with live_server.data():
        meeting = factories.make_meeting(name="政协第十届攀枝花市委员会第四次会议")
        users = {
            "meeting": meeting,
            "secretariat": factories.make_user(Role.SECRETARIAT, username="mishu", display_name="秘书处甲"),
            "group_lead": factories.make_user(Role.GROUP_LEAD, username="chushen", display_name="材料组长"),
            "member": factories.make_user(Role.MEMBER, username="weiyuan1", display_name="张委员"),
        }
        second_member = factories.make_user(Role.MEMBER, username="weiyuan2", display_name="李委员")
        first = finalized_speech(users, "关于打造阳光康养旅游目的地的发言")
        second = finalized_speech(users, "关于钒钛产业延链补链的发言", member=second_member)
        sitting = factories.make_sitting(meeting, name="全体会议（大会发言）", starts_in_minutes=24 * 60)
        db.session.commit()
        sitting_id, first_id, titles = sitting.id, first.id, (first.title, second.title)
        starts = timeutil.to_local(sitting.starts_at).strftime("%Y-%m-%dT%H:%M")

    log_in(page, live_server, "mishu", factories.PASSWORD)
    page.goto(f"{live_server.url}/agenda/")
    page.get_by_role("link", name="全体会议（大会发言）").click()
    page.get_by_label("开始时间").fill(starts)
    page.get_by_label("类型").select_option(label="大会发言")
    page.get_by_label("议题").fill("大会发言")
    page.get_by_label("主持人", exact=True).fill("王副主席")
    page.get_by_role("button", name="添加").click()
    expect(page.get_by_text("已添加议程“大会发言”。")).to_be_visible()
    page.get_by_role("link", name=re.compile("口头发言 0 人")).click()

    for title, name, minutes in ((titles[0], "张委员", "10"), (titles[1], "李委员", "8")):
        page.get_by_label("定稿的发言稿").select_option(label=f"《{title}》 · {name}")
        page.get_by_label("发言方式").select_option(label="口头发言")
        page.get_by_label("限时（分钟，口头发言）").fill(minutes)
        page.get_by_role("button", name="排入").click()
        expect(page.get_by_text(f"已将《{title}》排入口头发言。")).to_be_visible()
    item_url = page.url

    def printed_text() -> tuple[dict, str]:
        page.goto(f"{item_url}/print")
        target = tmp_path / f"order-{len(list(tmp_path.glob('order-*.pdf')))}.pdf"
        page.pdf(path=str(target), prefer_css_page_size=True)
        return office.pdfinfo(target), office.pdftext(target)

    info, text = printed_text()
    assert "(A4)" in info["Page size"] and info["Pages"] == "1"
    assert "大会发言顺序" in text and "主持人：王副主席" in text
    assert text.index("关于打造阳光康养") < text.index("关于钒钛产业")
    assert "共 18 分钟" in text

    # The secretariat reopens the first speech in the review pipeline.
    page.goto(f"{live_server.url}/documents/{first_id}")
    page.get_by_role("link", name="重新打开").click()
    page.get_by_label("重新打开的理由").fill("数据需要更新")
    page.get_by_role("button", name="重新打开").click()

    page.goto(item_url)
    warning = page.get_by_role("alert").filter(has_text="已被重新打开")
    expect(warning).to_contain_text(titles[0])
    page.goto(f"{live_server.url}/agenda/sittings/{sitting_id}")
    expect(page.get_by_text("1 篇发言稿已被重新打开，已移出发言顺序")).to_be_visible()
    _info, text = printed_text()
    assert "关于打造阳光康养" not in text and "关于钒钛产业" in text and "共 8 分钟" in text

    page.context.clear_cookies()
    log_in(page, live_server, "weiyuan2", factories.PASSWORD)
    page.goto(f"{live_server.url}/agenda/mine")
    expect(page.get_by_text("口头发言第 1 位")).to_be_visible()
