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
