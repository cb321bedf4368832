"""Plain functions that build valid objects with sensible defaults; they flush, never commit."""

from __future__ import annotations

import datetime as dt
import functools
import itertools

from sqlalchemy import update
from werkzeug.security import generate_password_hash

from meetingprep.auth.models import User
from meetingprep.extensions import db
from meetingprep.groups.models import GroupMembership, WorkingGroup
from meetingprep.meetings.models import Meeting
from meetingprep.permissions import Role
from meetingprep.timeutil import now

_seq = itertools.count(1)


@functools.cache
def _password_hash(password: str) -> str:
    """Hashing is deliberately slow; tests reuse one hash per password (salt and all)."""
    return generate_password_hash(password)

PASSWORD = "Test-pass-2026"


def make_user(role: str | Role = Role.STAFF, *, username: str | None = None, display_name: str | None = None,
              group: WorkingGroup | None = None, is_lead: bool = False, password: str = PASSWORD,
              email: str = "", is_active: bool = True) -> User:
    n = next(_seq)
    user = User(username=username or f"user{n}", display_name=display_name or f"用户{n}",
                role=Role(role), email=email, is_active_account=is_active)
    user.password_hash = _password_hash(password)
    db.session.add(user)
    db.session.flush()
    if group is not None:
        db.session.add(GroupMembership(group_id=group.id, user_id=user.id, is_lead=is_lead))
        db.session.flush()
    return user


def make_meeting(*, name: str | None = None, opens_in_days: float = 21, days: int = 5,
                 is_current: bool = True) -> Meeting:
    opens_at = (now() + dt.timedelta(days=opens_in_days)).replace(second=0, microsecond=0)
    if is_current:  # only one meeting may be current (unique index): the newest takes the flag
        db.session.execute(update(Meeting).where(Meeting.is_current.is_(True)).values(is_current=False))
    meeting = Meeting(name=name or f"政协第十届测试市委员会第{next(_seq)}次会议", short_name="测试会议",
                      opens_at=opens_at, closes_at=opens_at + dt.timedelta(days=days),
                      venue="市会议中心", is_current=is_current)
    db.session.add(meeting)
    db.session.flush()
    return meeting


def make_group(meeting: Meeting | None = None, *, name: str | None = None, duties: str = "") -> WorkingGroup:
    meeting = meeting or make_meeting()
    group = WorkingGroup(meeting_id=meeting.id, name=name or f"工作组{next(_seq)}", duties=duties)
    db.session.add(group)
    db.session.flush()
    return group


# ── attendance ──────────────────────────────────────────────────────────────────────────────────
def make_discussion_group(meeting: Meeting | None = None, name: str | None = None):
    from meetingprep.attendance.models import DiscussionGroup

    meeting = meeting or make_meeting()
    group = DiscussionGroup(meeting_id=meeting.id, name=name or f"第{next(_seq)}组")
    db.session.add(group)
    db.session.flush()
    return group


def make_member(meeting: Meeting | None = None, *, name: str | None = None, member_no: str | None = None,
                        sector: str = "经济界", group=None, is_standing: bool = False, user: User | None = None):
    from meetingprep.attendance.models import MemberProfile
    from meetingprep.attendance.services import pinyin_keys

    meeting = meeting or make_meeting()
    n = next(_seq)
    name = name or f"委员{n}"
    full, initials = pinyin_keys(name)
    member = MemberProfile(meeting_id=meeting.id, name=name, member_no=member_no or f"{n:05d}", sector=sector,
                           discussion_group_id=group.id if group else None, is_standing=is_standing,
                           user_id=user.id if user else None, pinyin=full, initials=initials,
                           unit="市某单位", position="主任")
    db.session.add(member)
    db.session.flush()
    return member


def make_sitting(meeting: Meeting | None = None, *, name: str | None = None, kind: str = "plenary",
                 starts_in_minutes: float = 0, duration_minutes: int = 180, expectation: str = "all",
                 groups=(), members=(), late_grace_minutes: int = 10):
    from meetingprep.attendance.models import Sitting, SittingExpectedGroup, SittingExpectedMember

    meeting = meeting or make_meeting()
    starts_at = (now() + dt.timedelta(minutes=starts_in_minutes)).replace(microsecond=0)
    sitting = Sitting(meeting_id=meeting.id, kind=kind, name=name or f"全体会议{next(_seq)}", starts_at=starts_at,
                      ends_at=starts_at + dt.timedelta(minutes=duration_minutes), venue="市会议中心大礼堂",
                      expectation=expectation, late_grace_minutes=late_grace_minutes,
                      expected_groups=[SittingExpectedGroup(group_id=g.id) for g in groups],
                      expected_members=[SittingExpectedMember(member_id=m.id) for m in members])
    db.session.add(sitting)
    db.session.flush()
    return sitting


def make_leave(member=None, sittings=None, *, reason: str = "因公出差", requested_by: User | None = None,
                       status: str = "pending"):
    from meetingprep.attendance.models import LeaveRequest

    member = member or make_member()
    if sittings is None:
        sittings = [make_sitting(db.session.get(Meeting, member.meeting_id), starts_in_minutes=600)]
    leave = LeaveRequest(meeting_id=member.meeting_id, member_id=member.id, reason=reason, status=status,
                         requested_by_id=requested_by.id if requested_by else None, sittings=list(sittings))
    db.session.add(leave)
    db.session.flush()
    return leave
def make_task(meeting: Meeting | None = None, group: WorkingGroup | None = None, owner: User | None = None,
              **fields):
    """A task due in a week (override any column: status, due_at, starts_on, phase, accepted_at …)."""
    from meetingprep.tasks.models import Task

    if group is None:
        group = make_group(meeting)
    meeting_id = meeting.id if meeting is not None else group.meeting_id
    owner = owner or make_user(Role.STAFF, group=group)
    fields.setdefault("title", f"任务{next(_seq)}")
    fields.setdefault("due_at", now() + dt.timedelta(days=7))
    task = Task(meeting_id=meeting_id, group_id=group.id, owner_id=owner.id, **fields)
    db.session.add(task)
    db.session.flush()
    return task
def make_notification(recipient: User, *, subject: str = "【任务提醒】请按时完成", body: str = "正文", link: str = "",
                      kind: str = "task.due", is_read: bool = False):
    from meetingprep.notifications.models import Notification

    notification = Notification(recipient_id=recipient.id, kind=kind, subject=subject, body=body, link=link,
                                dedup_key=f"test:{next(_seq)}", read_at=now() if is_read else None)
    db.session.add(notification)
    db.session.flush()
    return notification


def make_delivery(notification, *, status: str = "failed", channel: str = "email", target: str = "a@b.cn"):
    from meetingprep.notifications.models import Channel, Delivery, DeliveryStatus

    delivery = Delivery(notification_id=notification.id, channel=Channel(channel), target=target,
                        status=DeliveryStatus(status), attempts=1, last_error="连接被拒绝" if status != "sent" else "")
    db.session.add(delivery)
    db.session.flush()
    return delivery


def make_duty(user: User | None = None, sitting=None):
    """A check-in duty: for ``sitting``, or meeting-wide (a new meeting) without one."""
    from meetingprep.attendance.models import CheckinDuty

    user = user or make_user("staff")
    meeting_id = sitting.meeting_id if sitting is not None else make_meeting().id
    duty = CheckinDuty(meeting_id=meeting_id, user_id=user.id, sitting_id=sitting.id if sitting else None)
    db.session.add(duty)
    db.session.flush()
    return duty
