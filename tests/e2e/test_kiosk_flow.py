"""大屏链接: the wall in a browser that never logs in — live through the signed link, gone once revoked."""

from playwright.sync_api import expect

from meetingprep.auth.models import User
from meetingprep.dashboard import kiosk
from meetingprep.dashboard.models import KioskLink
from meetingprep.extensions import db
from meetingprep.meetings.models import Meeting
from meetingprep.tasks.models import Task
from meetingprep.tasks.states import TaskStatus
from meetingprep.timeutil import now
from tests import factories
from tests.e2e.test_dashboard_flow import seed_meeting


def test_the_wall_updates_live_through_a_kiosk_link_until_revoked(live_server, browser):
    with live_server.data():
        group_id = seed_meeting()
        secretary = factories.make_user("secretariat", username="mishu")
        link = kiosk.create_link(secretary, db.session.scalar(db.select(Meeting)), "主会场东侧屏")
        db.session.commit()
        wall_url = f"{live_server.url}/wall/{kiosk.token_for(link)}?refresh=1"
        link_id, secretary_id = link.id, secretary.id

    screen = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1920, "height": 1080})
    page = screen.new_page()
    try:
        response = page.goto(wall_url)  # no login in this browser
        assert response.status == 200 and "/login" not in page.url
        expect(page.locator("nav")).to_have_count(0)
        done = page.locator(f'[data-figure="groups.rows.#{group_id}.done"]')
        expect(done).to_have_text("0")
        with live_server.data():
            for task in db.session.scalars(db.select(Task).where(Task.title.in_(["制作代表证", "落实会场座次"]))):
                task.status, task.accepted_at = TaskStatus.DONE, now()
            db.session.commit()
        expect(done).to_have_text("2", timeout=8_000)
        with live_server.data():
            kiosk.revoke_link(db.session.get(User, secretary_id), db.session.get(KioskLink, link_id))
            db.session.commit()
        assert page.goto(wall_url).status == 404
        assert page.goto(wall_url.replace("/wall/", "/wall/x")).status == 404  # a forged token
    finally:
        screen.close()


def test_the_wall_fits_one_1080p_screen_and_shows_every_section_in_turn(live_server, browser):
    from tests.e2e.test_dashboard_flow import seed_national_scale_plan

    with live_server.data():
        seed_meeting()
        meeting = db.session.scalar(db.select(Meeting))
        seed_national_scale_plan(meeting.id, db.session.scalar(db.select(Task.owner_id).limit(1)))
        secretary = factories.make_user("secretariat", username="mishu")
        link = kiosk.create_link(secretary, meeting, "主会场屏")
        db.session.commit()
        wall_url = f"{live_server.url}/wall/{kiosk.token_for(link)}?rotate=1"

    screen = browser.new_context(locale="zh-CN", viewport={"width": 1920, "height": 1080})
    page = screen.new_page()
    try:
        page.goto(wall_url)
        every = set(page.evaluate("[...document.querySelectorAll('.dashboard-section')].map((s) => s.id)"))
        seen = set()
        for _ in range(8):
            facts = page.evaluate("""() => ({
              height: document.documentElement.scrollHeight, inner: innerHeight,
              width: document.documentElement.scrollWidth, innerWidth,
              shown: [...document.querySelectorAll('.dashboard-section')].filter((s) => !s.hidden)
                .map((s) => s.id)})""")
            assert facts["height"] <= facts["inner"] + 1 and facts["width"] <= facts["innerWidth"], facts
            seen |= set(facts["shown"])
            page.wait_for_timeout(600)
        assert seen == every and len(every) >= 4  # 关键路径, 材料审核, 出席 … all come round
    finally:
        screen.close()
