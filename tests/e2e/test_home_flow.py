"""工作台 in a browser: each role lands on its own home, on a phone, without sideways scrolling; the member's
check-in QR code fills the phone's width (and no more) and reads, as drawn, as their check-in link."""

from __future__ import annotations

import io

import pytest

from meetingprep.extensions import db
from meetingprep.permissions import Role
from meetingprep.tasks.states import TaskStatus as S
from tests import factories
from tests.e2e.conftest import log_in

#: The sections each role's home shows (element ids).
SECTIONS = {
    "staff": ["mine-overdue", "mine-due-soon", "mine-returned"],
    "group_lead": ["to-accept", "group-overdue", "group-blocked", "mine-overdue"],
    "secretariat": ["late-by-group", "review-queue", "mine-overdue"],
    "member": ["my-qr", "my-sittings", "my-speeches", "my-leave"],
}


@pytest.fixture
def people(live_server):
    with live_server.data():
        meeting = factories.make_meeting()
        group = factories.make_group(meeting, name="会务组")
        users = {
            "secretariat": factories.make_user(Role.SECRETARIAT, username="secretariat"),
            "group_lead": factories.make_user(Role.GROUP_LEAD, username="group_lead", group=group, is_lead=True),
            "staff": factories.make_user(Role.STAFF, username="staff", display_name="工作人员王五", group=group),
            "leader": factories.make_user(Role.LEADER, username="leader"),
            "member": factories.make_user(Role.MEMBER, username="member"),
        }
        staff = users["staff"]
        factories.make_group_task(group, staff, title="印制大会手册", due_in_days=-2, status=S.IN_PROGRESS)
        factories.make_group_task(group, staff, title="布置主会场", due_in_days=2)
        factories.make_group_task(group, staff, title="重做座次表", status=S.RETURNED)
        factories.make_group_task(group, staff, title="制作代表证", status=S.SUBMITTED, submitted_by_id=staff.id)
        member = factories.make_member(meeting, name="钱七", user=users["member"])
        sitting = factories.make_sitting(meeting, name="开幕大会", starts_in_minutes=60 * 24)
        factories.make_leave(member, [sitting], reason="出差")
        db.session.commit()


def _decoded(png: bytes) -> list[str]:
    """What a phone's scanner reads from the drawn code (zxing-cpp, the reader many apps use)."""
    import zxingcpp
    from PIL import Image

    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def _check_in_url(live_server, username: str) -> str:
    """The member's own check-in link, as the app builds it (BASE_URL and the signed token)."""
    from flask import current_app, url_for
    from sqlalchemy import select

    from meetingprep.attendance import services
    from meetingprep.attendance.models import MemberProfile
    from meetingprep.auth.models import User

    with live_server.app.test_request_context():
        member = db.session.scalar(select(MemberProfile).join(User, User.id == MemberProfile.user_id)
                                   .where(User.username == username))
        token = services.qr_token(member)
        return current_app.config["BASE_URL"].rstrip("/") + url_for("attendance.qr", token=token)


@pytest.mark.parametrize("role", sorted(SECTIONS))
def test_each_role_lands_on_its_own_home(live_server, phone_page, people, role):
    log_in(phone_page, live_server, role, factories.PASSWORD)
    phone_page.goto(f"{live_server.url}/")
    for section in SECTIONS[role]:
        assert phone_page.locator(f"#{section}").is_visible(), section
    width = phone_page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert width[0] <= width[1]
    if role == "staff":
        assert "印制大会手册" in phone_page.locator("#mine-overdue").inner_text()
        assert "重做座次表" in phone_page.locator("#mine-returned").inner_text()
    if role == "group_lead":
        assert "制作代表证" in phone_page.locator("#to-accept").inner_text()
    if role == "member":
        box = phone_page.locator("#my-qr svg").bounding_box()
        assert box["width"] >= 200 and box["x"] >= 0 and box["x"] + box["width"] <= 390  # fills, never clipped
        assert abs(box["width"] - box["height"]) < 2  # square: scanned as drawn
        assert _decoded(phone_page.locator("#my-qr svg").screenshot()) == [_check_in_url(live_server, "member")]


def test_a_leader_lands_on_the_dashboard(live_server, phone_page, people):
    log_in(phone_page, live_server, "leader", factories.PASSWORD)
    phone_page.goto(f"{live_server.url}/")
    assert phone_page.url.endswith("/dashboard")
