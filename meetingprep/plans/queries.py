"""Read side of the plan views: one statement per block whatever the number of tasks."""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import and_, bindparam, func, literal, or_, select, union_all
from sqlalchemy.orm import aliased, joinedload, raiseload

from meetingprep.auth.models import User
from meetingprep.extensions import db
from meetingprep.groups.models import GroupMembership, WorkingGroup
from meetingprep.meetings.models import Meeting
from meetingprep.plans.models import PendingImport, PlanTemplate, PlanTemplateItem
from meetingprep.tasks.models import HandOff, Task, TaskCoworker
from meetingprep.tasks.queries import NAMES_OF_GROUP_AND_OWNER, OWNER_NAME
from meetingprep.tasks.states import TaskStatus
from meetingprep.timeutil import local_midnight, now
from meetingprep.versioned_cache import cached_value

# The ends of a hand-off. Module level: an alias made per call is a new entity and defeats the ORM's caches.
_Pred, _Succ = aliased(Task, name="pred"), aliased(Task, name="succ")
_PredGroup, _SuccGroup = aliased(WorkingGroup, name="pred_group"), aliased(WorkingGroup, name="succ_group")

_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def is_token(text: str) -> bool:
    """Our tokens come from secrets.token_urlsafe; anything else (NUL bytes, 5 MB) never reaches SQL."""
    return bool(_TOKEN.fullmatch(text))


def meetings() -> list[Meeting]:
    return list(db.session.scalars(select(Meeting).order_by(Meeting.opens_at.desc())))


def meeting_groups(meeting: Meeting) -> list[WorkingGroup]:
    return list(db.session.scalars(select(WorkingGroup).where(WorkingGroup.meeting_id == meeting.id)
                                   .order_by(WorkingGroup.sort_order, WorkingGroup.id)))


def group_leads(group_ids: Iterable[int]) -> dict[int, int]:
    """The (first, active) lead of each group: who owns a task nobody else was named for."""
    leads: dict[int, int] = {}
    for group_id, user_id in db.session.execute(
            select(GroupMembership.group_id, GroupMembership.user_id)
            .join(User, User.id == GroupMembership.user_id)
            .where(GroupMembership.group_id.in_(list(group_ids)), GroupMembership.is_lead.is_(True),
                   User.is_active_account.is_(True))
            .order_by(GroupMembership.id)):
        leads.setdefault(group_id, user_id)
    return leads


# ── templates and imports ─────────────────────────────────────────────────────────────────────
def templates_page() -> list[PlanTemplate]:
    return list(db.session.scalars(select(PlanTemplate).options(
        joinedload(PlanTemplate.source_meeting), joinedload(PlanTemplate.created_by), raiseload("*"))
        .order_by(PlanTemplate.created_at.desc(), PlanTemplate.id.desc())))


def template_group_names(template: PlanTemplate) -> list[tuple[str, int]]:
    """(group name, item count) in the template, in first-appearance order."""
    return [tuple(row) for row in db.session.execute(
        select(PlanTemplateItem.group_name, func.count()).where(PlanTemplateItem.template_id == template.id)
        .group_by(PlanTemplateItem.group_name).order_by(func.min(PlanTemplateItem.key)))]


def template_items(template: PlanTemplate, offset: int, limit: int) -> list[PlanTemplateItem]:
    return list(db.session.scalars(select(PlanTemplateItem).where(PlanTemplateItem.template_id == template.id)
                                   .order_by(PlanTemplateItem.key).offset(offset).limit(limit)))


def task_count(meeting: Meeting) -> int:
    return db.session.scalar(select(func.count(Task.id)).where(Task.meeting_id == meeting.id))


def pending_import(token: str) -> PendingImport | None:
    """By its unguessable token. Any secretariat member holding the link may finish a colleague's import
    (they could upload the same file themselves); the import is recorded under whoever confirms it."""
    if not is_token(token):
        return None
    return db.session.scalar(select(PendingImport).options(joinedload(PendingImport.meeting))
                             .where(PendingImport.token == token))


# ── calendar ──────────────────────────────────────────────────────────────────────────────────
@dataclass
class CalendarDay:
    day: dt.date
    in_month: bool
    tasks: list = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return self.total - len(self.tasks)


def month_weeks(month: dt.date) -> list[list[dt.date]]:
    """The month's grid, weeks starting on Monday as Chinese calendars do."""
    return calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)


def calendar_month(meeting: Meeting, month: dt.date, group_id: int | None, per_day: int) -> list[list[CalendarDay]]:
    """Up to ``per_day`` deadlines per local day plus each day's total, in two statements.

    Days are cut at local midnights computed here (so any zone and daylight saving are right). Each day
    is its own range of the (meeting, deadline) index: its first deadlines read with a LIMIT and its total
    counted in the index, so a month full of deadlines costs what an empty one does.
    """
    weeks = month_weeks(month)
    days = [day for week in weeks for day in week]
    params = {"meeting_id": meeting.id, "group_id": group_id, "per_day": per_day, "moment": now(),
              **{f"b{i}": local_midnight(day) for i, day in enumerate([*days, days[-1] + dt.timedelta(days=1)])}}
    first_due, day_totals = _month_statements(len(days), group_id is not None)
    cells = [CalendarDay(day, day.month == month.month) for day in days]
    for row in db.session.execute(first_due, params):
        cells[row.day_index].tasks.append(row)
    for cell, total in zip(cells, db.session.execute(day_totals, params).one(), strict=True):
        cell.total = total
    return [cells[i:i + 7] for i in range(0, len(cells), 7)]


#: What the calendar shows: every status but cancelled, spelled as values so the (meeting, status, deadline)
#: index counts them.
_CALENDAR_STATUSES = [status for status in TaskStatus if status != TaskStatus.CANCELLED]


@functools.lru_cache(maxsize=8)
def _month_statements(day_count: int, by_group: bool):
    """The calendar's two statements for a grid of ``day_count`` days, built once per shape: the day
    bounds, meeting, group and limit are parameters (building a range per day for every request cost more than
    running them)."""

    def in_day(i: int, *conditions):
        found = [Task.meeting_id == bindparam("meeting_id"), *conditions,
                 Task.due_at >= bindparam(f"b{i}"), Task.due_at < bindparam(f"b{i + 1}")]
        return [*found, Task.group_id == bindparam("group_id")] if by_group else found

    first = [
        select(Task.id, Task.title, Task.status, Task.due_at, WorkingGroup.name.label("group_name"),
               Task.is_overdue_at(bindparam("moment")).label("is_overdue"), literal(i).label("day_index"))
        .join(WorkingGroup, WorkingGroup.id == Task.group_id)
        .where(*in_day(i, Task.status != TaskStatus.CANCELLED))
        .order_by(Task.due_at, Task.id).limit(bindparam("per_day")).subquery(f"day{i}")
        for i in range(day_count)]
    first_due = union_all(*(select(day) for day in first))
    totals = select(*(select(func.count()).select_from(Task).where(*in_day(i, Task.status.in_(_CALENDAR_STATUSES)))
                      .scalar_subquery() for i in range(day_count)))
    return first_due, totals


def _due_on(meeting: Meeting, day: dt.date, group_id: int | None) -> list:
    conditions = [Task.meeting_id == meeting.id, Task.status != TaskStatus.CANCELLED,
                  Task.due_at >= local_midnight(day), Task.due_at < local_midnight(day + dt.timedelta(days=1))]
    return [*conditions, Task.group_id == group_id] if group_id else conditions


def day_count(meeting: Meeting, day: dt.date, group_id: int | None) -> int:
    return db.session.scalar(select(func.count(Task.id)).where(*_due_on(meeting, day, group_id)))


def day_tasks(meeting: Meeting, day: dt.date, group_id: int | None, offset: int, limit: int) -> list[Task]:
    """Everything due on one local day (the calendar shows a few; this lists them all, paged)."""
    return list(db.session.scalars(
        select(Task).options(*NAMES_OF_GROUP_AND_OWNER, raiseload("*"))
        .where(*_due_on(meeting, day, group_id)).order_by(Task.due_at, Task.id).offset(offset).limit(limit)))


# ── timeline ──────────────────────────────────────────────────────────────────────────────────
class GroupRef(NamedTuple):
    id: int
    name: str


def group_task_counts(meeting: Meeting) -> list[tuple[GroupRef, int]]:
    """Every group with its number of (not cancelled) tasks: the timeline's navigation. Counting reads
    every task of the meeting, so the counts are kept until anything changes (versioned_cache.py)."""
    def build() -> list[tuple[GroupRef, int]]:
        rows = db.session.execute(
            select(WorkingGroup.id, WorkingGroup.name, func.count(Task.id))
            # meeting_id in the join lets the (meeting_id, group_id, status, due_at) index be searched per group;
            # without it SQLite scanned every task of the meeting once per group
            .outerjoin(Task, and_(Task.meeting_id == meeting.id, Task.group_id == WorkingGroup.id,
                                  Task.status != TaskStatus.CANCELLED))
            .where(WorkingGroup.meeting_id == meeting.id)
            .group_by(WorkingGroup.id, WorkingGroup.name).order_by(WorkingGroup.sort_order, WorkingGroup.id))
        return [(GroupRef(group_id, name), total) for group_id, name, total in rows]

    return cached_value("timeline.group_counts", meeting.id, build)


def timeline_tasks(group_id: int, offset: int, limit: int) -> list[Task]:
    return list(db.session.scalars(
        select(Task).options(OWNER_NAME, raiseload("*"))
        .where(Task.group_id == group_id, Task.status != TaskStatus.CANCELLED)
        .order_by(func.coalesce(Task.starts_on, Task.due_at), Task.due_at, Task.id)
        .offset(offset).limit(limit)))


def hand_offs(task_ids: list[int]):
    """Every hand-off touching the given tasks, with both ends' titles and groups (one query)."""
    pred, succ, pred_group, succ_group = _Pred, _Succ, _PredGroup, _SuccGroup
    return db.session.execute(
        select(HandOff.predecessor_id, HandOff.successor_id,
               pred.title.label("pred_title"), pred.status.label("pred_status"),
               pred.group_id.label("pred_group_id"), pred_group.name.label("pred_group"),
               succ.title.label("succ_title"), succ.group_id.label("succ_group_id"),
               succ_group.name.label("succ_group"))
        .join(pred, pred.id == HandOff.predecessor_id).join(pred_group, pred_group.id == pred.group_id)
        .join(succ, succ.id == HandOff.successor_id).join(succ_group, succ_group.id == succ.group_id)
        .where(or_(HandOff.predecessor_id.in_(task_ids), HandOff.successor_id.in_(task_ids)))
        .order_by(HandOff.id)).all() if task_ids else []


# ── personal feed ─────────────────────────────────────────────────────────────────────────────
def feed_owner(token: str) -> User | None:
    return db.session.scalar(select(User).where(User.ical_token == token)) if is_token(token) else None


def open_tasks_of(user_id: int) -> list[Task]:
    """Open tasks the user owns or co-works, with meeting and group for the event text."""
    coworked = select(TaskCoworker.task_id).where(TaskCoworker.user_id == user_id)
    return list(db.session.scalars(
        select(Task).options(joinedload(Task.group), joinedload(Task.meeting), raiseload("*"))
        .where(or_(Task.owner_id == user_id, Task.id.in_(coworked)), Task.is_open)
        .order_by(Task.due_at, Task.id)))
