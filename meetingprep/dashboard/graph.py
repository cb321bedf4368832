"""The hand-off graph of unfinished tasks, loaded with two set-based queries.

Bounded by the meeting's open tasks (not done, not cancelled), never by all its data: finished
work neither waits nor blocks. The critical-path method itself lives in ``cpm`` as plain Python so
it can be tested on hand-built graphs.

At 20,000 tasks loading the graph and scheduling it costs ≈0.4 s, so ``analysis`` keeps the result per
app process and meeting for up to CACHE_SECONDS (slack moves with the clock). After REUSE_SECONDS a
one-row fingerprint query checks whether the meeting's tasks or hand-offs changed (it notices every
insert, update or delete) and recomputes if so; within REUSE_SECONDS the result is reused as is, so a
busy afternoon of task updates costs one recomputation per worker every few seconds, not one per
dashboard request. The page says so (CACHE_NOTE).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from meetingprep.auth.models import User
from meetingprep.dashboard.cpm import Node, Schedule, remaining_work, schedule
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


CACHE_SECONDS = 60
REUSE_SECONDS = 10
CACHE_NOTE = "关键路径和逾期排序在任务或前后衔接变化后 10 秒内重算，否则每分钟重算一次。"
_lock = threading.Lock()


@dataclass(frozen=True)
class Analysis:
    graph: OpenGraph
    plan: Schedule  # the critical-path schedule of the whole meeting, at computed_at
    computed_at: dt.datetime
    flagged_by_group: dict[int, int]  # tasks with slack ≤ 0, so a scoped view sums a few numbers


def _fingerprint(meeting_id: int) -> tuple:
    """Changes whenever a task of the meeting or any hand-off is added, changed or removed: every
    update of a task raises its version_id, so the sum grows even when the clock stands still."""
    tasks = select(func.count(Task.id), func.sum(Task.version_id), func.max(Task.updated_at)) \
        .where(Task.meeting_id == meeting_id).subquery()
    return tuple(db.session.execute(select(
        *tasks.c,
        select(func.count(TaskDependency.id)).scalar_subquery(),
        select(func.max(TaskDependency.id)).scalar_subquery(),
    )).one())


def analysis(meeting, moment: dt.datetime) -> Analysis:
    """The meeting's open graph and its schedule, shared by the requests of this process while fresh."""
    cache = current_app.extensions.setdefault("dashboard_analyses", {})
    with _lock:
        cached = cache.get(meeting.id)
    age = moment - cached[1].computed_at if cached is not None else None
    if age is not None and dt.timedelta(0) <= age < dt.timedelta(seconds=REUSE_SECONDS) \
            and cached[0][1] == meeting.opens_at:
        return cached[1]
    key = (_fingerprint(meeting.id), meeting.opens_at)
    if age is not None and cached[0] == key and dt.timedelta(0) <= age < dt.timedelta(seconds=CACHE_SECONDS):
        return cached[1]
    graph = load_open_graph(meeting.id)
    plan = schedule(graph.nodes, graph.edges, moment=moment, opening=meeting.opens_at)
    flagged = Counter(graph.nodes[task_id].group_id for task_id, slack in plan.slack.items()
                      if slack <= dt.timedelta(0))
    fresh = Analysis(graph, plan, moment, dict(flagged))
    with _lock:
        cache[meeting.id] = (key, fresh)
    return fresh


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
