"""风险: overdue tasks, ordered by how much work waits on them, and deadlines in the next 48 hours."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from meetingprep import timeutil
from meetingprep.auth.models import User
from meetingprep.dashboard.core import DashboardContext, Section, task_url
from meetingprep.dashboard.cpm import waiting_counts
from meetingprep.extensions import db
from meetingprep.groups.models import WorkingGroup
from meetingprep.tasks.models import Task, is_overdue
from meetingprep.tasks.states import BOARD_COLUMNS, TaskStatus

LIMIT = 15
SOON = dt.timedelta(hours=48)
#: The open statuses in the order the due-soon figures show them (the board's): not yet submitted first.
DUE_SOON_ORDER = tuple(status for status in BOARD_COLUMNS if status.is_open)


def compute(ctx: DashboardContext) -> dict:
    return {"overdue": _overdue(ctx), "due_soon": _due_soon(ctx)}


def _overdue(ctx: DashboardContext) -> dict:
    """"How much waits" = unfinished tasks that depend on it directly or through others (transitive),
    counted on the open hand-off graph; ties go to the longest overdue."""
    graph = ctx.open_graph
    overdue = [node for node in graph.nodes.values() if ctx.in_scope(node.group_id)
               and is_overdue(graph.details[node.id]["status"], node.due_at, ctx.moment)]
    waiting = waiting_counts([node.id for node in overdue], graph.edges)
    overdue.sort(key=lambda node: (-waiting[node.id], node.due_at, node.id))
    shown = overdue[:LIMIT]
    details = graph.details
    rows = [
        {**details[node.id], "url": task_url(node.id), "waiting": waiting[node.id],
         "days_overdue": (ctx.moment - node.due_at).days,
         "overdue_for": timeutil.humanize_delta(ctx.moment - node.due_at)}
        for node in shown
    ]
    return {"total": len(overdue), "rows": rows, "url": ctx.ledger_url(overdue=1)}


def _due_soon(ctx: DashboardContext) -> dict:
    """Open tasks due within 48 hours — exactly the ledger's ``due_within=2`` — those not yet submitted
    listed first (they need their owner; 待验收 ones need the acceptor). Counts per status ride on
    windows, so each links to ``due_within=2&status=…``."""
    per_status = [func.count().filter(Task.status == status).over().label(status.value) for status in DUE_SOON_ORDER]
    rows = db.session.execute(
        select(Task.id, Task.title, Task.status, Task.due_at, WorkingGroup.name.label("group"),
               User.display_name.label("owner"), func.count().over().label("total"), *per_status)
        .join(WorkingGroup, WorkingGroup.id == Task.group_id)
        .join(User, User.id == Task.owner_id)
        .where(*ctx.task_filters(Task), Task.is_open,
               Task.due_at >= ctx.moment, Task.due_at <= ctx.moment + SOON)
        .order_by(Task.status == TaskStatus.SUBMITTED, Task.due_at, Task.id)
        .limit(LIMIT)
    ).all()
    first = rows[0] if rows else None
    return {
        "total": first.total if first else 0,
        "statuses": [{"id": status.value, "label": status.label, "count": getattr(first, status.value) if first else 0,
                      "url": ctx.ledger_url(due_within=2, status=status.value)} for status in DUE_SOON_ORDER],
        "rows": [{"id": row.id, "title": row.title, "status": row.status, "status_label": row.status.label,
                  "due_at": row.due_at, "group": row.group, "owner": row.owner, "url": task_url(row.id),
                  "left": timeutil.humanize_delta(row.due_at - ctx.moment)} for row in rows],
        "url": ctx.ledger_url(due_within=2),
    }


def sheets(figures: dict) -> list:
    header = ["任务", "责任组", "责任人", "时间节点", "逾期天数", "等待其完成的任务数"]
    rows = [[row["title"], row["group"], row["owner"], row["due_at"],
             row["days_overdue"], row["waiting"]] for row in figures["overdue"]["rows"]]
    return [("逾期任务", header, rows)]


SECTION = Section(key="risk", title="风险", template="dashboard/_risk.html", compute=compute, sheets=sheets,
                  wide=True,
                  wall_columns="col-xl-5")
