"""The task lists of the role home pages (工作台): what a person should do now.

Each list is a few rows (a LIMIT) and its true count, so a home page costs the same number of queries
with ten tasks or twenty thousand; the ledger, one click away, lists the rest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import Select, bindparam, func, select
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


def _list_statement(*where, order=(Task.due_at, Task.id)) -> Select:
    """The first HOME_ROWS rows, each carrying the total (a window count taken before the LIMIT).

    The window counts narrow rows (id and sort keys) in a subquery, and only the page's rows are joined to
    their group and owner: counted over whole joined rows, a group lead's list of a large group spent most
    of its time copying rows it then dropped. The count is taken in its own subquery, ordered and cut outside:
    with ORDER BY and LIMIT beside the window, PostgreSQL walked every open task of the meeting in deadline
    order (as if it could stop early) instead of the groups' own index range."""
    keys = [column.label(f"key_{index}") for index, column in enumerate(order)]
    counted = select(Task.id.label("task_id"), *keys, func.count().over().label("total")).where(*where).subquery()
    page = select(counted).order_by(*(counted.c[key.name] for key in keys)).limit(HOME_ROWS).subquery("page")
    return (select(Task, _waits(Task.id), page.c.total).join(page, page.c.task_id == Task.id)
            .order_by(*(page.c[key.name] for key in keys))
            .options(_AS_A_ROW, *NAMES_OF_GROUP_AND_OWNER, raiseload("*")))


# Built once per process with bound parameters (meeting_id, user_id, group_ids, moment): building a list's
# statement and its cache key for every request cost more than running it.
_MEETING, _GROUPS = bindparam("meeting_id"), bindparam("group_ids", expanding=True)


@cache
def _returned_statement() -> Select:
    return _list_statement(Task.meeting_id == _MEETING, Task.owner_id == bindparam("user_id"),
                           Task.status == TaskStatus.RETURNED)


@cache
def _awaiting_statement() -> Select:
    return _list_statement(Task.meeting_id == _MEETING, Task.group_id.in_(_GROUPS),
                           Task.status == TaskStatus.SUBMITTED, order=(Task.submitted_at, Task.id))


@cache
def _group_overdue_statement() -> Select:
    return _list_statement(Task.meeting_id == _MEETING, Task.group_id.in_(_GROUPS),
                           Task.is_overdue_at(bindparam("moment", type_=Task.due_at.type)))


@cache
def _group_blocked_statement() -> Select:
    return _list_statement(Task.meeting_id == _MEETING, Task.group_id.in_(_GROUPS), Task.is_open, _waits(Task.id))


def _listed(statement: Select, **params) -> TaskList:
    rows = db.session.execute(statement, params).all()
    return TaskList(rows=[(task, bool(waiting)) for task, waiting, _total in rows], count=rows[0][2] if rows else 0)


def returned_to(user_id: int, meeting_id: int) -> TaskList:
    """退回给我: the user's tasks sent back at acceptance, to be redone."""
    return _listed(_returned_statement(), meeting_id=meeting_id, user_id=user_id)


def awaiting_acceptance(group_ids: Collection[int], meeting_id: int) -> TaskList:
    """待我验收: submitted tasks of the groups the user leads, oldest submission first."""
    if not group_ids:
        return TaskList()
    return _listed(_awaiting_statement(), meeting_id=meeting_id, group_ids=sorted(group_ids))


def group_overdue(group_ids: Collection[int], meeting_id: int, moment: dt.datetime) -> TaskList:
    if not group_ids:
        return TaskList()
    return _listed(_group_overdue_statement(), meeting_id=meeting_id, group_ids=sorted(group_ids), moment=moment)


def group_blocked(group_ids: Collection[int], meeting_id: int) -> TaskList:
    """Open tasks of the groups that wait on an open predecessor (卡在前置任务)."""
    if not group_ids:
        return TaskList()
    return _listed(_group_blocked_statement(), meeting_id=meeting_id, group_ids=sorted(group_ids))


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
