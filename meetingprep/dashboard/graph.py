"""The hand-off graph of unfinished tasks (with what the lists show of each), loaded with two set-based queries.

Bounded by the meeting's open tasks (not done, not cancelled), never by all its data: finished
work neither waits nor blocks. The critical-path method itself lives in ``cpm`` as plain Python so
it can be tested on hand-built graphs. Loading and scheduling grow with the meeting's open tasks, which is
why viewers are served stored figures (``snapshots``) rather than this, computed per request.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import aliased

from meetingprep.auth.models import User
from meetingprep.dashboard.cpm import Node, Schedule, remaining_work, schedule
from meetingprep.extensions import db
from meetingprep.groups.models import WorkingGroup
from meetingprep.tasks.models import HandOff, Task
from meetingprep.timeutil import local_midnight

# Module level: an alias made per call is a new entity and defeats the ORM's caches.
_Pred, _Succ = aliased(Task, name="pred"), aliased(Task, name="succ")


@dataclass(frozen=True)
class OpenGraph:
    nodes: dict[int, Node]
    edges: list[tuple[int, int]]  # (predecessor, successor), both open
    #: title, status, deadline, group and owner of every open task, for the sections that list some
    #: (read with the nodes, so listing them costs no further query)
    details: dict[int, dict]


def load_open_graph(meeting_id: int) -> OpenGraph:
    rows = db.session.execute(
        select(Task.id, Task.title, Task.group_id, Task.status, Task.due_at, Task.starts_on, Task.progress,
               WorkingGroup.name.label("group"), User.display_name.label("owner"))
        .join(WorkingGroup, WorkingGroup.id == Task.group_id)
        .join(User, User.id == Task.owner_id)
        .where(Task.meeting_id == meeting_id, Task.is_open)
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
    pred, succ = _Pred, _Succ
    edges = db.session.execute(
        select(HandOff.predecessor_id, HandOff.successor_id)
        .join(pred, pred.id == HandOff.predecessor_id)
        .join(succ, succ.id == HandOff.successor_id)
        .where(pred.meeting_id == meeting_id, pred.is_open, succ.is_open)
    ).all()
    return OpenGraph(nodes=nodes, edges=[(p, s) for p, s in edges], details=details)


@dataclass(frozen=True)
class Analysis:
    graph: OpenGraph
    plan: Schedule  # the critical-path schedule of the whole meeting
    flagged_by_group: dict[int, int]  # tasks with slack ≤ 0, so a scoped view sums a few numbers


def analysis(meeting, moment: dt.datetime) -> Analysis:
    """The meeting's open graph and its critical-path schedule against the opening, at ``moment``."""
    graph = load_open_graph(meeting.id)
    plan = schedule(graph.nodes, graph.edges, moment=moment, opening=meeting.opens_at)
    flagged = Counter(graph.nodes[task_id].group_id for task_id, slack in plan.slack.items()
                      if slack <= dt.timedelta(0))
    return Analysis(graph, plan, dict(flagged))


def _planned_start(starts_on: dt.date | None) -> dt.datetime | None:
    return local_midnight(starts_on) if starts_on is not None else None
