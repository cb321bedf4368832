"""The task lists of the role home pages (工作台): what a person should do now.

Each list is a few rows (a LIMIT) and its true count, so a home page costs the same number of queries
with ten tasks or twenty thousand; the ledger, one click away, lists the rest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import raiseload

from meetingprep.extensions import db
from meetingprep.groups.models import WorkingGroup
from meetingprep.tasks.models import Task
from meetingprep.tasks.queries import _AS_A_ROW, NAMES_OF_GROUP_AND_OWNER, _waits
from meetingprep.tasks.states import TaskStatus

#: Rows shown per list of a home page.
HOME_ROWS = 8


@dataclass
class TaskList:
    """Up to HOME_ROWS (task, waiting) rows and how many there are in all."""

    rows: list = field(default_factory=list)
    count: int = 0

    @property
    def more(self) -> int:
        return self.count - len(self.rows)


def _listed(*where, order=(Task.due_at, Task.id), limit: int = HOME_ROWS) -> TaskList:
    """One query: the first rows, each carrying the total (a window count is taken before the LIMIT)."""
    rows = db.session.execute(
        select(Task, _waits(Task.id), func.count().over()).where(*where).order_by(*order).limit(limit)
        .options(_AS_A_ROW, *NAMES_OF_GROUP_AND_OWNER, raiseload("*"))).all()
    return TaskList(rows=[(task, bool(waiting)) for task, waiting, _total in rows], count=rows[0][2] if rows else 0)


def returned_to(user_id: int, meeting_id: int) -> TaskList:
    """退回给我: the user's tasks sent back at acceptance, to be redone."""
    return _listed(Task.meeting_id == meeting_id, Task.owner_id == user_id, Task.status == TaskStatus.RETURNED)


def awaiting_acceptance(group_ids: Collection[int], meeting_id: int) -> TaskList:
    """待我验收: submitted tasks of the groups the user leads, oldest submission first."""
    if not group_ids:
        return TaskList()
    return _listed(Task.meeting_id == meeting_id, Task.group_id.in_(sorted(group_ids)),
                   Task.status == TaskStatus.SUBMITTED, order=(Task.submitted_at, Task.id))


def group_overdue(group_ids: Collection[int], meeting_id: int, moment: dt.datetime) -> TaskList:
    if not group_ids:
        return TaskList()
    return _listed(Task.meeting_id == meeting_id, Task.group_id.in_(sorted(group_ids)), Task.is_overdue_at(moment))


def group_blocked(group_ids: Collection[int], meeting_id: int) -> TaskList:
    """Open tasks of the groups that wait on an open predecessor (卡在前置任务)."""
    if not group_ids:
        return TaskList()
    return _listed(Task.meeting_id == meeting_id, Task.group_id.in_(sorted(group_ids)),
                   Task.is_open, _waits(Task.id))


@dataclass(frozen=True, slots=True)
class GroupLate:
    group_id: int
    name: str
    overdue: int


def late_by_group(meeting_id: int, moment: dt.datetime) -> list[GroupLate]:
    """Overdue tasks per working group, most first: one GROUP BY whatever the number of tasks."""
    count = func.count(Task.id).label("overdue")
    rows = db.session.execute(
        select(WorkingGroup.id, WorkingGroup.name, count).join(Task, Task.group_id == WorkingGroup.id)
        .where(Task.meeting_id == meeting_id, Task.is_overdue_at(moment))
        .group_by(WorkingGroup.id, WorkingGroup.name).order_by(count.desc(), WorkingGroup.name)).all()
    return [GroupLate(*row) for row in rows]
