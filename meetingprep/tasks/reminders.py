"""Task reminders: due soon to the owner and co-workers, overdue daily to the owner, then to the group's
leads, and once to the secretariat as an escalation.

Each rule asks a fixed number of set-based queries and yields, per task and person, only the latest
due moment that has passed (``notifications/rules.py`` explains the contract; the scan records each
item once in ``ReminderLog``). The wording of each kind lives in ``notifications/wording.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from flask import current_app
from sqlalchemy import Select, select

from meetingprep import timeutil
from meetingprep.auth.models import User
from meetingprep.extensions import db
from meetingprep.groups.models import GroupMembership, WorkingGroup
from meetingprep.notifications.rules import DueItem, ReminderRule, ScanContext, register_rule
from meetingprep.roles import Role
from meetingprep.tasks.links import task_path
from meetingprep.tasks.models import Task, TaskCoworker


# ── settings ───────────────────────────────────────────────────────────────────────────────────
def _morning_time() -> dt.time:
    hours, minutes = str(current_app.config["REMINDER_MORNING_TIME"]).split(":")
    return dt.time(int(hours), int(minutes))


# ── task rules ─────────────────────────────────────────────────────────────────────────────────
def task_values(task_row, moment: dt.datetime) -> dict[str, str]:
    left = task_row.due_at - moment
    return {
        "任务": task_row.title,
        "截止时间": timeutil.format_datetime(task_row.due_at),
        "责任人": task_row.owner_name,
        "工作组": task_row.group_name,
        "剩余": timeutil.humanize_delta(left) if left.total_seconds() > 0 else "0分钟",
        "逾期": timeutil.humanize_delta(left) if left.total_seconds() < 0 else "0分钟",
        "链接": task_path(task_row.id),
    }


def open_tasks(*conditions) -> Select:
    """Open tasks with what a reminder says about them, owner and group joined in (the 督办 rules of
    ``instructions/reminders.py`` join their leader to it)."""
    owner = User.__table__.alias("owner")
    return (select(Task.id, Task.title, Task.due_at, Task.created_at, Task.meeting_id, Task.owner_id,
                   owner.c.display_name.label("owner_name"), owner.c.is_active_account.label("owner_active"),
                   WorkingGroup.name.label("group_name"), Task.group_id)
            .join(owner, owner.c.id == Task.owner_id)
            .join(WorkingGroup, WorkingGroup.id == Task.group_id)
            .where(Task.is_open, *conditions))


def _deadline_reached(moment: dt.datetime):
    """Due at or before ``moment``. With ``open_tasks`` this is ``Task.is_overdue_at`` plus the deadline's own
    instant: a scan tick that falls on the deadline already sends the day-0 overdue reminder."""
    return Task.due_at <= moment


def due_stage(task_row, moment: dt.datetime) -> dt.datetime | None:
    """The latest "due soon" moment that has passed: N days before, or the deadline's morning.

    Stages before the task existed are skipped (nobody needs "3 days left" for a task made yesterday).
    """
    stages = [task_row.due_at - dt.timedelta(days=days) for days in current_app.config["REMINDER_TASK_DUE_DAYS"]]
    local_due = timeutil.to_local(task_row.due_at)
    morning = dt.datetime.combine(local_due.date(), _morning_time(), tzinfo=local_due.tzinfo).astimezone(dt.UTC)
    if morning < task_row.due_at:
        stages.append(morning)
    passed = [stage for stage in stages if stage <= moment and stage >= task_row.created_at]
    return max(passed) if passed else None


def due_window(moment: dt.datetime, horizon_days: int) -> tuple:
    """Tasks whose deadline is still ahead, within the furthest "due soon" reminder (the 督办 rules ask the same)."""
    return (Task.due_at > moment, Task.due_at <= moment + dt.timedelta(days=horizon_days))


def collect_task_due(ctx: ScanContext) -> Iterable[DueItem]:
    horizon = max(current_app.config["REMINDER_TASK_DUE_DAYS"], default=0) + 1
    window = due_window(ctx.now, horizon)
    tasks = {row.id: row for row in db.session.execute(open_tasks(*window))}
    coworker = User.__table__.alias("coworker")
    people: dict[int, list[tuple[int, str]]] = {task_id: [] for task_id in tasks}
    for row in tasks.values():
        if row.owner_active:
            people[row.id].append((row.owner_id, row.owner_name))
    for task_id, user_id, name in db.session.execute(
            select(TaskCoworker.task_id, coworker.c.id, coworker.c.display_name)
            .join(coworker, coworker.c.id == TaskCoworker.user_id)
            .join(Task, Task.id == TaskCoworker.task_id)
            .where(Task.is_open, *window, coworker.c.is_active_account)):
        people[task_id].append((user_id, name))
    for task_id, row in tasks.items():
        stage = due_stage(row, ctx.now)
        if stage is None:
            continue
        values = task_values(row, ctx.now)
        for user_id, name in people[task_id]:
            yield DueItem("task.due", "task", task_id, user_id, name, stage, values, values["链接"], row.meeting_id)


def overdue_days_stage(task_row, moment: dt.datetime) -> tuple[int, dt.datetime]:
    """Whole days overdue and the moment that day began (deadline + k days): one reminder per day."""
    days = int((moment - task_row.due_at) // dt.timedelta(days=1))
    return days, task_row.due_at + dt.timedelta(days=days)


def collect_task_overdue_owner(ctx: ScanContext) -> Iterable[DueItem]:
    for row in db.session.execute(open_tasks(_deadline_reached(ctx.now))):
        if not row.owner_active:
            continue
        _days, stage = overdue_days_stage(row, ctx.now)
        values = task_values(row, ctx.now)
        yield DueItem("task.overdue", "task", row.id, row.owner_id, row.owner_name, stage, values,
                      values["链接"], row.meeting_id)


def collect_task_overdue_lead(ctx: ScanContext) -> Iterable[DueItem]:
    """From day N (default 1) on, daily to the leads of the task's group (not to a lead who owns it)."""
    after = dt.timedelta(days=current_app.config["REMINDER_OVERDUE_LEAD_DAYS"])
    lead = User.__table__.alias("lead")
    statement = (open_tasks(_deadline_reached(ctx.now - after))
                 .join(GroupMembership, (GroupMembership.group_id == Task.group_id) & GroupMembership.is_lead)
                 .join(lead, lead.c.id == GroupMembership.user_id)
                 .where(lead.c.is_active_account, lead.c.id != Task.owner_id)
                 .add_columns(lead.c.id.label("lead_id"), lead.c.display_name.label("lead_name")))
    for row in db.session.execute(statement):
        _days, stage = overdue_days_stage(row, ctx.now)
        values = task_values(row, ctx.now)
        yield DueItem("task.overdue.lead", "task", row.id, row.lead_id, row.lead_name, stage, values,
                      values["链接"], row.meeting_id)


def collect_task_overdue_secretariat(ctx: ScanContext) -> Iterable[DueItem]:
    """Once per task, N days (default 3) after the deadline: an escalation to the secretariat."""
    after = dt.timedelta(days=current_app.config["REMINDER_OVERDUE_SECRETARIAT_DAYS"])
    tasks = db.session.execute(open_tasks(_deadline_reached(ctx.now - after))).all()
    if not tasks:
        return
    secretariat = db.session.execute(select(User.id, User.display_name).where(
        User.role == Role.SECRETARIAT, User.is_active_account)).all()
    for row in tasks:
        values = task_values(row, ctx.now)
        for user_id, name in secretariat:
            yield DueItem("task.overdue.secretariat", "task", row.id, user_id, name, row.due_at + after, values,
                          values["链接"], row.meeting_id)


for _rule in (
    ReminderRule("task.due", "task.due", "任务即将到期", collect_task_due),
    ReminderRule("task.overdue", "task.overdue", "任务逾期（责任人）", collect_task_overdue_owner),
    ReminderRule("task.overdue.lead", "task.overdue.lead", "任务逾期（组长）", collect_task_overdue_lead),
    ReminderRule("task.overdue.secretariat", "task.overdue.secretariat", "任务逾期升级（秘书处）",
                 collect_task_overdue_secretariat, is_escalation=True),
):
    register_rule(_rule)
