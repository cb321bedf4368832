"""概览: countdown to the opening, the phase, today, and completion of the plan per phase."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from meetingprep import timeutil
from meetingprep.dashboard.core import DashboardContext, Section, percent
from meetingprep.extensions import db
from meetingprep.meetings.models import Phase
from meetingprep.tasks.models import Task
from meetingprep.tasks.states import TaskStatus


def compute(ctx: DashboardContext) -> dict:
    """Completion = accepted ÷ all tasks of the plan; cancelled tasks are no longer part of it."""
    counts = db.session.execute(
        select(Task.phase, func.count(Task.id).label("total"),
               func.count(Task.id).filter(Task.status == TaskStatus.DONE).label("accepted"))
        .where(*ctx.task_filters(Task), Task.status != TaskStatus.CANCELLED)
        .group_by(Task.phase)
    )
    by_phase = {row.phase: (row.accepted, row.total) for row in counts}
    phases = [
        {"id": phase.value, "phase": phase, "label": phase.label, "accepted": accepted, "total": total,
         "percent": percent(accepted, total), "url": ctx.ledger_url(phase=phase.value)}
        for phase in Phase
        for accepted, total in [by_phase.get(phase, (0, 0))]
    ]
    accepted = sum(row["accepted"] for row in phases)
    total = sum(row["total"] for row in phases)
    meeting, moment = ctx.meeting, ctx.moment
    left = max(meeting.opens_at - moment, dt.timedelta(0))
    phase = meeting.phase_at(moment)
    return {
        "meeting": {"id": meeting.id, "name": meeting.name, "opens_at": meeting.opens_at,
                    "closes_at": meeting.closes_at, "venue": meeting.venue},
        "today": timeutil.format_date(moment),
        "phase": phase,
        "phase_label": phase.label,
        "countdown": {"opened": not left, "closed": moment >= meeting.closes_at, "days": left.days,
                      "hours": left.seconds // 3600, "day_of_meeting": _day_of_meeting(meeting.opens_at, moment)},
        "completion": {"accepted": accepted, "total": total, "percent": percent(accepted, total),
                       "url": ctx.ledger_url(), "accepted_url": ctx.ledger_url(status=TaskStatus.DONE.value)},
        "phases": phases,
    }


def _day_of_meeting(opens_at: dt.datetime, moment: dt.datetime) -> int:
    """第几天 of the meeting in local days (the opening day is day 1); 0 before it opens."""
    days = (timeutil.to_local(moment).date() - timeutil.to_local(opens_at).date()).days
    return days + 1 if moment >= opens_at else 0


def countdown_text(countdown: dict) -> str:
    if countdown.get("closed"):
        return "大会已闭幕"
    if countdown["opened"]:
        return f"大会进行中（第{countdown.get('day_of_meeting') or 1}天）"
    return f"{countdown['days']}天{countdown['hours']}小时"


def sheets(figures: dict) -> list:
    countdown = figures["countdown"]
    rows = [
        ["会议", figures["meeting"]["name"]],
        ["日期", figures["today"]],
        ["开幕时间", figures["meeting"]["opens_at"]],
        ["当前阶段", figures["phase_label"]],
        ["距开幕" if not countdown["opened"] else "会期", countdown_text(countdown)],
        ["任务完成（已验收/全部）", f"{figures['completion']['accepted']}/{figures['completion']['total']}"],
        ["完成率（%）", figures["completion"]["percent"]],
    ]
    rows += [[f"{row['label']}完成（已验收/全部）", f"{row['accepted']}/{row['total']}"] for row in figures["phases"]]
    return [("概览", ["项目", "数值"], rows)]


SECTION = Section(key="overview", title="概览", template="dashboard/_overview.html", compute=compute,
                  sheets=sheets, wide=True,
                  wall_columns="col-12")
