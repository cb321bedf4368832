"""风险: 督办 tasks first, then overdue tasks, ordered by how much work waits on them (督办 ones leading), and
deadlines in the next 48 hours (督办 ones leading)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import exists, func, select

from meetingprep import timeutil
from meetingprep.auth.models import User
from meetingprep.dashboard.core import DashboardContext, Section, task_url
from meetingprep.dashboard.cpm import waiting_counts
from meetingprep.extensions import db
from meetingprep.groups.models import WorkingGroup
from meetingprep.instructions.models import Supervision
from meetingprep.tasks.models import Task, is_overdue
from meetingprep.tasks.states import BOARD_COLUMNS, TaskStatus

LIMIT = 15
SOON = dt.timedelta(hours=48)
#: The open statuses in the order the due-soon figures show them (the board's): not yet submitted first.
DUE_SOON_ORDER = tuple(status for status in BOARD_COLUMNS if status.is_open)


def compute(ctx: DashboardContext) -> dict:
    supervised = _supervisions(ctx)
    return {"supervised": _supervised(ctx, supervised), "overdue": _overdue(ctx, supervised),
            "due_soon": _due_soon(ctx)}


def _supervisions(ctx: DashboardContext) -> dict[int, dict]:
    """The meeting's 督办 tasks → their leader and 督办要求: one query (a meeting has a handful)."""
    rows = db.session.execute(
        select(Supervision.task_id, User.display_name, Supervision.note)
        .join(User, User.id == Supervision.leader_id).where(Supervision.meeting_id == ctx.meeting.id))
    return {task_id: {"leader": leader, "note": note} for task_id, leader, note in rows}


def _supervised(ctx: DashboardContext, supervised: dict[int, dict]) -> dict:
    """督办 tasks still open (the open graph holds them all), overdue first, then by deadline."""
    graph = ctx.open_graph
    nodes = [graph.nodes[task_id] for task_id in supervised
             if task_id in graph.nodes and ctx.in_scope(graph.nodes[task_id].group_id)]
    nodes.sort(key=lambda node: (node.due_at >= ctx.moment, node.due_at, node.id))
    rows = []
    for node in nodes[:LIMIT]:
        late = node.due_at < ctx.moment
        left = abs(node.due_at - ctx.moment)
        rows.append({**graph.details[node.id], **supervised[node.id], "url": task_url(node.id),
                     "status_label": graph.details[node.id]["status"].label, "is_overdue": late,
                     "when": ("已逾期 " if late else "还剩 ") + timeutil.humanize_delta(left)})
    return {"total": len(nodes), "rows": rows}


def _overdue(ctx: DashboardContext, supervised: dict[int, dict]) -> dict:
    """"How much waits" = unfinished tasks that depend on it directly or through others (transitive),
    counted on the open hand-off graph; 督办 tasks lead, ties go to the longest overdue."""
    graph = ctx.open_graph
    overdue = [node for node in graph.nodes.values() if ctx.in_scope(node.group_id)
               and is_overdue(graph.details[node.id]["status"], node.due_at, ctx.moment)]
    waiting = waiting_counts([node.id for node in overdue], graph.edges)
    overdue.sort(key=lambda node: (node.id not in supervised, -waiting[node.id], node.due_at, node.id))
    shown = overdue[:LIMIT]
    details = graph.details
    rows = [
        {**details[node.id], "url": task_url(node.id), "waiting": waiting[node.id],
         "days_overdue": (ctx.moment - node.due_at).days, "supervised": node.id in supervised,
         "overdue_for": timeutil.humanize_delta(ctx.moment - node.due_at)}
        for node in shown
    ]
    return {"total": len(overdue), "rows": rows, "url": ctx.ledger_url(overdue=1)}


def _due_soon(ctx: DashboardContext) -> dict:
    """Open tasks due within 48 hours — exactly the ledger's ``due_within=2`` — 督办 ones and those not yet
    submitted listed first (they need their owner; 待验收 ones need the acceptor). Counts per status ride on
    windows, so each links to ``due_within=2&status=…``."""
    per_status = [func.count().filter(Task.status == status).over().label(status.value) for status in DUE_SOON_ORDER]
    supervised = exists().where(Supervision.task_id == Task.id)
    rows = db.session.execute(
        select(Task.id, Task.title, Task.status, Task.due_at, supervised.label("supervised"),
               WorkingGroup.name.label("group"),
               User.display_name.label("owner"), func.count().over().label("total"), *per_status)
        .join(WorkingGroup, WorkingGroup.id == Task.group_id)
        .join(User, User.id == Task.owner_id)
        .where(*ctx.task_filters(Task), Task.is_open,
               Task.due_at >= ctx.moment, Task.due_at <= ctx.moment + SOON)
        .order_by(~supervised, Task.status == TaskStatus.SUBMITTED, Task.due_at, Task.id)
        .limit(LIMIT)
    ).all()
    first = rows[0] if rows else None
    return {
        "total": first.total if first else 0,
        "statuses": [{"id": status.value, "label": status.label, "count": getattr(first, status.value) if first else 0,
                      "url": ctx.ledger_url(due_within=2, status=status.value)} for status in DUE_SOON_ORDER],
        "rows": [{"id": row.id, "title": row.title, "status": row.status, "status_label": row.status.label,
                  "due_at": row.due_at, "group": row.group, "owner": row.owner, "url": task_url(row.id),
                  "supervised": bool(row.supervised),
                  "left": timeutil.humanize_delta(row.due_at - ctx.moment)} for row in rows],
        "url": ctx.ledger_url(due_within=2),
    }


def sheets(figures: dict) -> list:
    header = ["任务", "责任组", "责任人", "时间节点", "逾期天数", "等待其完成的任务数"]
    rows = [[row["title"], row["group"], row["owner"], row["due_at"],
             row["days_overdue"], row["waiting"]] for row in figures["overdue"]["rows"]]
    supervised = [[row["title"], row["group"], row["owner"], row["leader"], row["due_at"], row["status_label"],
                   row["note"]] for row in figures.get("supervised", {}).get("rows", [])]
    return [("逾期任务", header, rows),
            ("督办任务", ["任务", "责任组", "责任人", "督办领导", "时间节点", "状态", "督办要求"], supervised)]


SECTION = Section(key="risk", title="风险", template="dashboard/_risk.html", compute=compute, sheets=sheets,
                  wide=True,
                  wall_columns="col-xl-5")
