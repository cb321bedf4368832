"""The 大会发言 order on the wall (大屏) in a browser that never logs in, opened through a kiosk link as the
venue's screen would, during the sitting: the order, who has the floor now (marked), who spoke already."""

from __future__ import annotations

from playwright.sync_api import expect

from meetingprep.agenda.models import AgendaItem, AgendaItemKind, SpeechMode, SpeechSlot
from meetingprep.dashboard import kiosk
from meetingprep.documents.states import DocumentStatus
from meetingprep.extensions import db
from tests import factories

SPEAKERS = ("张三（民建界）", "李四（教育界）", "王五（经济界）")


def test_the_wall_shows_the_speaking_order_and_who_speaks_now(live_server, browser):
    with live_server.data():
        meeting = factories.make_meeting(opens_in_days=-1, days=3)  # the plenary days are under way
        # a 全体会议 begun 12 minutes ago: three oral speeches of 8 minutes from its start, so the second has the
        # floor (8–16 minutes in), and a written one
        sitting = factories.make_sitting(meeting, name="全体会议（大会发言）", starts_in_minutes=-12)
        item = AgendaItem(meeting_id=meeting.id, sitting_id=sitting.id, position=1, starts_at=sitting.starts_at,
                          kind=AgendaItemKind.SPEECHES, title="大会发言", slots=[])
        db.session.add(item)
        db.session.flush()
        for n, speaker in enumerate((*SPEAKERS, "赵六（农业界）")):
            speech = factories.make_document(meeting, title=f"发言稿{n + 1}", type_code="speech")
            speech.status = DocumentStatus.FINALIZED
            written = n == 3
            db.session.add(SpeechSlot(meeting_id=meeting.id, item_id=item.id, document_id=speech.id, position=n,
                                      mode=SpeechMode.WRITTEN if written else SpeechMode.ORAL,
                                      minutes=None if written else 8, speaker=speaker))
        secretary = factories.make_user("secretariat", username="mishu")
        link = kiosk.create_link(secretary, meeting, "主会场屏")
        db.session.commit()
        wall_url = f"{live_server.url}/wall/{kiosk.token_for(link)}"

    screen = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1920, "height": 1080})
    page = screen.new_page()
    try:
        response = page.goto(wall_url)  # no login in this browser
        assert response.status == 200 and "/login" not in page.url
        order = page.locator('[data-list="session.wall_speeches"] .speech-order')
        expect(order).to_have_count(1)
        expect(order).to_be_visible()
        expect(order.locator(".speech-now")).to_have_text("正在发言：第 2 位 李四（教育界）《发言稿2》")
        slots = order.locator(".speech-slot")
        expect(slots).to_have_count(3)  # the oral order; the written speech is not read out
        expect(slots.nth(0)).to_contain_text("张三（民建界）")
        expect(slots.nth(0)).to_have_class("speech-slot is-done")
        expect(slots.nth(1)).to_have_class("speech-slot is-now")
        expect(slots.nth(1)).to_contain_text("第 2 位")
        expect(slots.nth(2)).to_contain_text("王五（经济界）")
        expect(order).not_to_contain_text("赵六")
        expect(page.locator(".speech-slot.is-now")).to_be_visible()
    finally:
        screen.close()
