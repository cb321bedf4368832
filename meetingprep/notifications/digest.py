"""The daily digest (08:30) to the secretariat and the leaders: what needs attention today.

Sections are a registry of "module:function" paths so documents and attendance plug in without this
module importing them: a section whose module is not installed is skipped. Each section function
takes (meeting, moment) and returns a ``DigestSection`` or None (nothing to say). A digest with no
section to say anything is not sent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from meetingprep import timeutil
from meetingprep.auth.models import User
from meetingprep.extensions import db
from meetingprep.groups.models import WorkingGroup
from meetingprep.meetings.models import Meeting
from meetingprep.meetings.queries import get_current_meeting
from meetingprep.notifications import wording
from meetingprep.notifications.channels import absolute_link
from meetingprep.notifications.rules import optional_module
from meetingprep.notifications.services import Message, create_messages
from meetingprep.permissions import Role
from meetingprep.tasks.models import Task


@dataclass(frozen=True)
class DigestSection:
    title: str
    lines: list[str]


#: Appended to by other domains; missing modules are skipped, so the order is the reading order.
SECTIONS: list[str] = [
    "meetingprep.notifications.digest:overdue_by_group",
    "meetingprep.notifications.digest:due_today",
    "meetingprep.documents.digest:reviews_waiting",
    "meetingprep.attendance.digest:yesterday",
]

DUE_TODAY_LISTED = 10
RECIPIENT_ROLES = (Role.SECRETARIAT, Role.LEADER)


def _section_function(path: str):
    module_name, _, name = path.partition(":")
    module = optional_module(module_name)  # None: that domain is not part of this installation
    return getattr(module, name) if module is not None else None


def overdue_by_group(meeting: Meeting, moment: dt.datetime) -> DigestSection | None:
    rows = db.session.execute(
        select(WorkingGroup.name, func.count(Task.id))
        .join(Task, Task.group_id == WorkingGroup.id)
        .where(Task.meeting_id == meeting.id, Task.is_overdue_at(moment))
        .group_by(WorkingGroup.id, WorkingGroup.name, WorkingGroup.sort_order)
        .order_by(WorkingGroup.sort_order, WorkingGroup.id)).all()
    if not rows:
        return None
    total = sum(count for _name, count in rows)
    return DigestSection(f"逾期任务（共 {total} 项）", [f"{name}：{count} 项" for name, count in rows])


def due_today(meeting: Meeting, moment: dt.datetime) -> DigestSection | None:
    day = timeutil.to_local(moment).date()
    start, end = timeutil.local_midnight(day), timeutil.local_midnight(day + dt.timedelta(days=1))
    where = (Task.meeting_id == meeting.id, Task.is_open, Task.due_at >= start, Task.due_at < end)
    total = db.session.scalar(select(func.count(Task.id)).where(*where)) or 0
    if not total:
        return None
    rows = db.session.execute(
        select(Task.title, Task.due_at, User.display_name).join(User, User.id == Task.owner_id)
        .where(*where).order_by(Task.due_at, Task.id).limit(DUE_TODAY_LISTED)).all()
    lines = [f"{timeutil.format_time(due_at)} {title}（{owner}）" for title, due_at, owner in rows]
    if total > len(rows):
        lines.append(f"……等共 {total} 项")
    return DigestSection(f"今日到期（{total} 项）", lines)


def digest_text(meeting: Meeting, moment: dt.datetime) -> str | None:
    """The digest's content, or None when no section has anything to say."""
    sections = []
    for path in SECTIONS:
        function = _section_function(path)
        section = function(meeting, moment) if function else None
        if section is not None and section.lines:
            sections.append(section)
    if not sections:
        return None
    parts = [f"【{section.title}】\n" + "\n".join(f"· {line}" for line in section.lines) for section in sections]
    days = (timeutil.to_local(meeting.opens_at).date() - timeutil.to_local(moment).date()).days
    if days > 0:
        parts.append(f"距开幕还有 {days} 天。")
    elif days == 0:
        parts.append("今天开幕。")
    return "\n\n".join(parts)


def send_daily_digest() -> int:
    """Send today's digest once per person (dedup by meeting and local date); returns how many were new."""
    meeting = get_current_meeting()
    if meeting is None or meeting.is_closed:  # an archived meeting has nothing left to chase
        return 0
    moment = timeutil.now()
    content = digest_text(meeting, moment)
    if content is None:
        return 0
    day = timeutil.to_local(moment).date()
    text = wording.wordings(["digest.daily"])["digest.daily"]
    people = db.session.execute(select(User.id, User.display_name).where(
        User.role.in_(RECIPIENT_ROLES), User.is_active_account).order_by(User.id)).all()
    messages = []
    for user_id, name in people:
        values = {"姓名": name, "会议": meeting.display_name, "日期": timeutil.format_date(day), "内容": content,
                  "链接": absolute_link("/")}
        subject, body = wording.render_kind(text, values)
        messages.append(Message(user_id, "digest.daily", subject, body, "/", f"digest:{meeting.id}:{day}:u{user_id}",
                                meeting.id))
    return len(create_messages(messages))
