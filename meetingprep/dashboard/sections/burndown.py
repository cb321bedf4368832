"""燃尽图: tasks left to accept before the opening, planned (by deadline) against actual (by acceptance)."""

from __future__ import annotations

import datetime as dt
from itertools import accumulate

from sqlalchemy import func, literal, select, union_all

from meetingprep import timeutil
from meetingprep.dashboard.core import DashboardContext, Section, as_date, local_day
from meetingprep.extensions import db
from meetingprep.tasks.models import Task
from meetingprep.tasks.states import TaskStatus

MAX_DAYS = 90  # a longer plan starts its chart this many days before the opening


def compute(ctx: DashboardContext) -> dict:
    """The plan = tasks due by the opening, not cancelled, in scope. One query: two GROUP BY day
    (by deadline, by acceptance) in a UNION ALL.

    Planned remaining at the end of a day = tasks whose deadline is later; actual remaining = tasks
    not accepted by then. The chart runs from the day the first of these tasks was created.
    """
    in_plan = [*ctx.task_filters(Task), Task.status != TaskStatus.CANCELLED, Task.due_at <= ctx.meeting.opens_at]
    due_day, accepted_day = local_day(Task.due_at), local_day(Task.accepted_at)
    per_day = union_all(
        select(literal("due").label("kind"), due_day.label("day"), func.count(Task.id).label("n"),
               func.min(Task.created_at).label("first"))
        .where(*in_plan).group_by(due_day),
        select(literal("accepted").label("kind"), accepted_day.label("day"), func.count(Task.id).label("n"),
               func.min(Task.created_at).label("first"))
        .where(*in_plan, Task.status == TaskStatus.DONE, Task.accepted_at.is_not(None)).group_by(accepted_day),
    )
    rows = db.session.execute(per_day).all()
    planned_rows = [row for row in rows if row.kind == "due"]
    accepted_rows = [row for row in rows if row.kind == "accepted"]
    total = sum(row.n for row in planned_rows)
    opening_day = timeutil.to_local(ctx.meeting.opens_at).date()
    today = timeutil.to_local(ctx.moment).date()
    if not planned_rows:
        return {"total": 0, "points": [], "today": today}
    first = timeutil.to_local(min(row.first for row in planned_rows)).date()
    start = min(max(first, opening_day - dt.timedelta(days=MAX_DAYS)), opening_day)
    days = [start + dt.timedelta(days=offset) for offset in range((opening_day - start).days + 1)]
    due_by = _cumulative({as_date(row.day): row.n for row in planned_rows}, days)
    accepted_by = _cumulative({as_date(row.day): row.n for row in accepted_rows}, days)
    points = [
        {"day": day, "label": f"{day.month}/{day.day}", "planned": total - due,
         "actual": total - accepted if day <= today else None}
        for day, due, accepted in zip(days, due_by, accepted_by, strict=True)
    ]
    return {"total": total, "points": points, "today": today}


def _cumulative(per_day: dict[dt.date, int], days: list[dt.date]) -> list[int]:
    """Running totals at the end of each day, counting everything on or before it."""
    before = sum(count for day, count in per_day.items() if day < days[0])
    return list(accumulate((per_day.get(day, 0) for day in days), initial=before))[1:]


SECTION = Section(key="burndown", title="进度趋势（燃尽图）", template="dashboard/_burndown.html", compute=compute,
                  wide=True)
