"""各组进度: per working group, a progress bar and the counts that need someone's attention."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, func, select

from meetingprep.dashboard.core import DashboardContext, Section, ledger_url, percent
from meetingprep.extensions import db
from meetingprep.groups.models import WorkingGroup
from meetingprep.tasks.models import Task
from meetingprep.tasks.states import TaskStatus

SOON = dt.timedelta(hours=48)
#: bar segments in drawing order: (count key, label, colour)
SEGMENTS = (("done", "已完成", "#198754"), ("submitted", "待验收", "#0d6efd"),
            ("in_progress", "进行中", "#6ea8fe"), ("returned", "退回", "#fd7e14"),
            ("not_started", "未开始", "#ced4da"))


def compute(ctx: DashboardContext) -> dict:
    """One GROUP BY over the (meeting_id, group_id, status, due_at) index; "due within 48 hours" counts open
    tasks not yet overdue whose deadline falls in the next 48 hours (the ledger's ``due_within=2``)."""
    moment = ctx.moment

    def count_where(condition):
        return func.count(Task.id).filter(condition)

    columns = [count_where(Task.status == TaskStatus(key)).label(key) for key, _label, _colour in SEGMENTS]
    stmt = (
        select(WorkingGroup.id, WorkingGroup.name, *columns,
               count_where(Task.is_overdue_at(moment)).label("overdue"),
               count_where(and_(Task.is_open, Task.due_at >= moment, Task.due_at <= moment + SOON)).label("due_soon"))
        .outerjoin(Task, and_(Task.group_id == WorkingGroup.id, Task.meeting_id == ctx.meeting.id))
        .where(WorkingGroup.meeting_id == ctx.meeting.id)
        .group_by(WorkingGroup.id, WorkingGroup.name, WorkingGroup.sort_order)
        .order_by(WorkingGroup.sort_order, WorkingGroup.id)
    )
    if ctx.group_ids is not None:
        stmt = stmt.where(WorkingGroup.id.in_(sorted(ctx.group_ids)))
    rows = []
    for row in db.session.execute(stmt):
        counts = {key: getattr(row, key) for key, _label, _colour in SEGMENTS}
        total = sum(counts.values())
        rows.append({
            "id": row.id, "name": row.name, "total": total, **counts,
            "overdue": row.overdue, "due_soon": row.due_soon, "percent": percent(counts["done"], total),
            "segments": [{"key": key, "label": label, "colour": colour, "value": counts[key]}
                         for key, label, colour in SEGMENTS],
            "urls": {
                "total": _ledger(row.id),
                **{key: _ledger(row.id, status=key) for key in counts},
                "overdue": _ledger(row.id, overdue=1),
                "due_soon": _ledger(row.id, due_within=2),
            },
        })
    return {"rows": rows, "legend": [{"label": label, "colour": colour} for _key, label, colour in SEGMENTS]}


def _ledger(group_id: int, **filters) -> str:
    return ledger_url(group=group_id, **filters)


def sheets(figures: dict) -> list:
    header = ["工作组", "任务总数", "已完成", "进行中", "待验收", "退回", "未开始", "逾期", "48小时内到期",
              "完成率（%）"]
    rows = [[row["name"], row["total"], row["done"], row["in_progress"], row["submitted"], row["returned"],
             row["not_started"], row["overdue"], row["due_soon"], row["percent"]] for row in figures["rows"]]
    return [("各组进度", header, rows)]


SECTION = Section(key="groups", title="各组进度", template="dashboard/_groups.html", compute=compute,
                  sheets=sheets, wide=True,
                  wall_columns="col-xl-7")
