"""工作台 in a browser: each role lands on its own home, on a phone, without sideways scrolling, and it answers
"what do I do now" with the person's own items — staff their overdue, due-soon and returned tasks; a group lead
待我验收 with its count and the group's overdue and blocked tasks (and 待我验收 on 我的任务); the secretariat what is
late across groups, 待我审核 and a failed reminder; a member their sittings, their speech's stage, their leave and
a check-in QR code that fills the phone's width (and no more) and reads, as drawn, as their check-in link; a leader
goes to the dashboard."""

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
    "secretariat": ["attention", "late-by-group", "review-queue", "mine-overdue"],
    "member": ["my-qr", "my-sittings", "my-speeches", "my-leave"],
}


@pytest.fixture
def people(live_server):
    """One of each role, with something waiting for each: the staff member's tasks overdue, due soon and returned;
    two waiting on the lead's acceptance and one of the group's stuck behind another group's; a speech in the
    secretariat's review stage; a failed reminder; the member's sitting and leave."""
    from meetingprep.documents.services import StageData, assign_pipeline, submit_speech

    with live_server.data():
        meeting = factories.make_meeting()
        group = factories.make_group(meeting, name="会务组")
        other = factories.make_group(meeting, name="材料组")
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
        factories.make_group_task(group, staff, title="核对签到名单", status=S.SUBMITTED, submitted_by_id=staff.id)
        factories.make_group_task(group, staff, title="撤场清单（不在 7 天内）", due_in_days=30)
        drafts = factories.make_group_task(other, factories.make_user(Role.STAFF, group=other), title="起草会议指南")
        factories.make_hand_off(drafts, factories.make_group_task(group, staff, title="分发会议指南", due_in_days=9))
        factories.make_delivery(status="failed")
        member = factories.make_member(meeting, name="钱七", user=users["member"])
        sitting = factories.make_sitting(meeting, name="开幕大会", starts_in_minutes=60 * 24)
        factories.make_leave(member, [sitting], reason="出差")
        speech = submit_speech(users["member"], meeting, title="关于康养产业的发言", text="发言正文")
        template = factories.make_pipeline_template(
            [StageData(name="秘书处初审", reviewer_ids=[users["secretariat"].id])], actor=users["secretariat"])
        assign_pipeline(users["secretariat"], speech, template_id=template.id, group_id=None, due_on=None)
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


def _block(page, section: str) -> str:
    return page.locator(f"#{section}").inner_text()


def _count(page, section: str) -> str:
    """The count drawn beside a block's heading."""
    return page.locator(f"#{section} h2 .badge").first.inner_text().strip()


@pytest.mark.parametrize("role", sorted(SECTIONS))
def test_each_role_lands_on_its_own_home(live_server, phone_page, people, role):
    """Each home answers "what do I do now" with the person's own items, not only with its headings."""
    log_in(phone_page, live_server, role, factories.PASSWORD)
    phone_page.goto(f"{live_server.url}/")
    for section in SECTIONS[role]:
        assert phone_page.locator(f"#{section}").is_visible(), section
    width = phone_page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert width[0] <= width[1]
    if role == "staff":
        assert "印制大会手册" in _block(phone_page, "mine-overdue") and "逾期" in _block(phone_page, "mine-overdue")
        due_soon = _block(phone_page, "mine-due-soon")
        assert "7 天内到期" in due_soon and "布置主会场" in due_soon and "不在 7 天内" not in due_soon
        assert "印制大会手册" not in due_soon  # an overdue task is told once, under 已逾期
        assert "重做座次表" in _block(phone_page, "mine-returned") and _count(phone_page, "mine-returned") == "1"
    if role == "group_lead":
        to_accept = _block(phone_page, "to-accept")
        assert "制作代表证" in to_accept and "核对签到名单" in to_accept and _count(phone_page, "to-accept") == "2"
        assert "印制大会手册" in _block(phone_page, "group-overdue") and _count(phone_page, "group-overdue") == "1"
        blocked = _block(phone_page, "group-blocked")
        assert "分发会议指南" in blocked and "等待前置任务" in blocked
        phone_page.goto(f"{live_server.url}/tasks/mine")  # 我的任务 has the same 待我验收 section
        assert "待我验收（2）" in _block(phone_page, "to-accept") and "制作代表证" in _block(phone_page, "to-accept")
    if role == "secretariat":
        late = _block(phone_page, "late-by-group")
        assert "会务组" in late and "1 项逾期" in late and "材料组" not in late
        assert "关于康养产业的发言" in _block(phone_page, "review-queue") and _count(phone_page, "review-queue") == "1"
        assert "1 条提醒发送失败" in _block(phone_page, "attention")
    if role == "member":
        assert "开幕大会" in _block(phone_page, "my-sittings")
        assert "关于康养产业的发言" in _block(phone_page, "my-speeches")
        assert "审核中 · 秘书处初审" in _block(phone_page, "my-speeches")  # where the speech stands
        assert "开幕大会" in _block(phone_page, "my-leave") and "待审批" in _block(phone_page, "my-leave")
        box = phone_page.locator("#my-qr svg").bounding_box()
        assert box["width"] >= 200 and box["x"] >= 0 and box["x"] + box["width"] <= 390  # fills, never clipped
        assert abs(box["width"] - box["height"]) < 2  # square: scanned as drawn
        assert _decoded(phone_page.locator("#my-qr svg").screenshot()) == [_check_in_url(live_server, "member")]


def test_a_leader_lands_on_the_dashboard(live_server, phone_page, people):
    log_in(phone_page, live_server, "leader", factories.PASSWORD)
    phone_page.goto(f"{live_server.url}/")
    assert phone_page.url.endswith("/dashboard")
