"""The hand-off graph of unfinished tasks, loaded with two set-based queries.

Bounded by the meeting's open tasks (not done, not cancelled), never by all its data: finished
work neither waits nor blocks. The critical-path method itself lives in ``cpm`` as plain Python so
it can be tested on hand-built graphs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import aliased

from meetingprep.auth.models import User
from meetingprep.dashboard.cpm import Node, remaining_work
from meetingprep.extensions import db
from meetingprep.groups.models import WorkingGroup
from meetingprep.tasks.models import Task, TaskDependency
from meetingprep.tasks.states import OPEN_STATUSES
from meetingprep.timeutil import local_midnight


@dataclass(frozen=True)
class OpenGraph:
    nodes: dict[int, Node]
    edges: list[tuple[int, int]]  # (predecessor, successor), both open


def load_open_graph(meeting_id: int) -> OpenGraph:
    open_statuses = sorted(OPEN_STATUSES)
    rows = db.session.execute(
        select(Task.id, Task.group_id, Task.status, Task.due_at, Task.starts_on, Task.progress)
        .where(Task.meeting_id == meeting_id, Task.status.in_(open_statuses))
    )
    nodes = {
        row.id: Node(
            id=row.id, group_id=row.group_id, due_at=row.due_at,
            remaining=remaining_work(row.status, row.progress, _planned_start(row.starts_on), row.due_at),
        )
        for row in rows
    }
    pred, succ = aliased(Task), aliased(Task)
    edges = db.session.execute(
        select(TaskDependency.predecessor_id, TaskDependency.successor_id)
        .join(pred, pred.id == TaskDependency.predecessor_id)
        .join(succ, succ.id == TaskDependency.successor_id)
        .where(pred.meeting_id == meeting_id, pred.status.in_(open_statuses), succ.status.in_(open_statuses))
    ).all()
    return OpenGraph(nodes=nodes, edges=[(p, s) for p, s in edges])


def _planned_start(starts_on: dt.date | None) -> dt.datetime | None:
    return local_midnight(starts_on) if starts_on is not None else None


def describe_tasks(task_ids) -> dict[int, dict]:
    """Title, group and owner of the few tasks a section lists (one query, bounded by the list)."""
    if not task_ids:
        return {}
    rows = db.session.execute(
        select(Task.id, Task.title, Task.status, Task.due_at, Task.group_id, WorkingGroup.name.label("group"),
               User.display_name.label("owner"))
        .join(WorkingGroup, WorkingGroup.id == Task.group_id)
        .join(User, User.id == Task.owner_id)
        .where(Task.id.in_(sorted(task_ids)))
    )
    return {row.id: row._asdict() for row in rows}
