"""The hand-off graph of unfinished tasks (with what the lists show of each), loaded with two set-based queries.

Bounded by the meeting's open tasks (not done, not cancelled), never by all its data: finished
work neither waits nor blocks. The critical-path method itself lives in ``cpm`` as plain Python so
it can be tested on hand-built graphs.

At 20,000 tasks loading the graph and scheduling it costs ≈0.4 s, so ``analysis`` keeps the result per
app process and meeting for CACHE_SECONDS: a wall screen refreshing every few seconds and a dozen
leaders cost one recomputation per worker per quarter-minute, not one per request, and a change shows
within CACHE_SECONDS. (A fingerprint query deciding when to recompute was tried: it cost a query on every
request, which the dashboard's budget of 15 cannot spare.) The page says so (CACHE_NOTE). A commit that
changes tasks or hand-offs in this process drops the cache at once (``_forget_on_task_commit``), so the
worker that took the change shows it on its next request; other workers within CACHE_SECONDS.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from dataclasses import dataclass

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session, aliased

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
    #: title, status, deadline, group and owner of every open task, for the sections that list some
    #: (read with the nodes, so listing them costs no further query)
    details: dict[int, dict]


def load_open_graph(meeting_id: int) -> OpenGraph:
    open_statuses = sorted(OPEN_STATUSES)
    rows = db.session.execute(
        select(Task.id, Task.title, Task.group_id, Task.status, Task.due_at, Task.starts_on, Task.progress,
               WorkingGroup.name.label("group"), User.display_name.label("owner"))
        .join(WorkingGroup, WorkingGroup.id == Task.group_id)
        .join(User, User.id == Task.owner_id)
        .where(Task.meeting_id == meeting_id, Task.status.in_(open_statuses))
    ).all()
    nodes = {
        row.id: Node(
            id=row.id, group_id=row.group_id, due_at=row.due_at,
            remaining=remaining_work(row.status, row.progress, _planned_start(row.starts_on), row.due_at),
        )
        for row in rows
    }
    details = {row.id: {"id": row.id, "title": row.title, "status": row.status, "due_at": row.due_at,
                        "group_id": row.group_id, "group": row.group, "owner": row.owner} for row in rows}
    pred, succ = aliased(Task), aliased(Task)
    edges = db.session.execute(
        select(TaskDependency.predecessor_id, TaskDependency.successor_id)
        .join(pred, pred.id == TaskDependency.predecessor_id)
        .join(succ, succ.id == TaskDependency.successor_id)
        .where(pred.meeting_id == meeting_id, pred.status.in_(open_statuses), succ.status.in_(open_statuses))
    ).all()
    return OpenGraph(nodes=nodes, edges=[(p, s) for p, s in edges], details=details)


CACHE_SECONDS = 15
CACHE_NOTE = "关键路径和逾期排序每 15 秒重算一次。"
_lock = threading.Lock()


@dataclass(frozen=True)
class Analysis:
    graph: OpenGraph
    plan: Schedule  # the critical-path schedule of the whole meeting, at computed_at
    computed_at: dt.datetime
    opens_at: dt.datetime  # the opening it was scheduled against
    flagged_by_group: dict[int, int]  # tasks with slack ≤ 0, so a scoped view sums a few numbers


def analysis(meeting, moment: dt.datetime) -> Analysis:
    """The meeting's open graph and its schedule, shared by the requests of this process while fresh."""
    cache = current_app.extensions.setdefault("dashboard_analyses", {})
    with _lock:
        cached = cache.get(meeting.id)
    if cached is not None and cached.opens_at == meeting.opens_at \
            and dt.timedelta(0) <= moment - cached.computed_at < dt.timedelta(seconds=CACHE_SECONDS):
        return cached
    graph = load_open_graph(meeting.id)
    plan = schedule(graph.nodes, graph.edges, moment=moment, opening=meeting.opens_at)
    flagged = Counter(graph.nodes[task_id].group_id for task_id, slack in plan.slack.items()
                      if slack <= dt.timedelta(0))
    fresh = Analysis(graph, plan, moment, meeting.opens_at, dict(flagged))
    with _lock:
        cache[meeting.id] = fresh
    return fresh


@event.listens_for(Session, "after_flush")
def _note_task_changes(session: Session, _context) -> None:
    if any(isinstance(obj, Task | TaskDependency)
           for objects in (session.new, session.dirty, session.deleted) for obj in objects):
        session.info["dashboard_stale"] = True


@event.listens_for(Session, "after_commit")
def _forget_on_task_commit(session: Session) -> None:
    if session.info.pop("dashboard_stale", False) and has_app_context():
        with _lock:
            current_app.extensions.get("dashboard_analyses", {}).clear()


@event.listens_for(Session, "after_soft_rollback")
def _keep_on_rollback(session: Session, _previous) -> None:
    session.info.pop("dashboard_stale", None)


def _planned_start(starts_on: dt.date | None) -> dt.datetime | None:
    return local_midnight(starts_on) if starts_on is not None else None
