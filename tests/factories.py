"""Plain functions that build valid objects with sensible defaults; they flush, never commit."""

from __future__ import annotations

import datetime as dt
import itertools

from meetingprep.auth.models import User
from meetingprep.extensions import db
from meetingprep.groups.models import GroupMembership, WorkingGroup
from meetingprep.meetings.models import Meeting
from meetingprep.permissions import Role
from meetingprep.timeutil import now

_seq = itertools.count(1)
PASSWORD = "Test-pass-2026"


def make_user(role: str | Role = Role.STAFF, *, username: str | None = None, display_name: str | None = None,
              group: WorkingGroup | None = None, is_lead: bool = False, password: str = PASSWORD,
              email: str = "", is_active: bool = True) -> User:
    n = next(_seq)
    user = User(username=username or f"user{n}", display_name=display_name or f"用户{n}",
                role=Role(role), email=email, is_active_account=is_active)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    if group is not None:
        db.session.add(GroupMembership(group_id=group.id, user_id=user.id, is_lead=is_lead))
        db.session.flush()
    return user


def make_meeting(*, name: str | None = None, opens_in_days: float = 21, days: int = 5,
                 is_current: bool = True) -> Meeting:
    opens_at = (now() + dt.timedelta(days=opens_in_days)).replace(second=0, microsecond=0)
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
