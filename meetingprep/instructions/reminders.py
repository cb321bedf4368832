"""督办 reminders, the 批示 not acknowledged, and the wording of every 批示 and 督办 message.

An addressee who has not pressed 已阅 on a 批示 ``INSTRUCTION_ACK_REMINDER_HOURS`` (default 24; 0: off) after it
was written is reminded once: the item's due moment is the instruction's time plus that window, so ReminderLog's
unique key (rule, instruction, person, moment) lets it through exactly once, however many scans see it waiting.
A report (办理情况) counts as reading it (``services.reply`` sets ``read_at``).

A 督办 task's reminders go to the leader following it too: "due soon" at the same moments as its owner's
(``tasks.reminders``: N days before, the deadline's morning) and "overdue" daily while it stays open. The rules
ask the same set-based queries as the task rules, joined to ``task_supervisions``; the scan records each item
once (``notifications/rules.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from flask import current_app
from sqlalchemy import func, select

from meetingprep import timeutil
from meetingprep.auth.models import User
from meetingprep.documents.models import Document
from meetingprep.extensions import db
from meetingprep.instructions import services
from meetingprep.instructions.models import Instruction, InstructionReceipt, Supervision
from meetingprep.notifications.rules import DueItem, ReminderRule, ScanContext, register_rule
from meetingprep.notifications.wording import MessageKind, register_kind
from meetingprep.tasks import reminders as task_reminders
from meetingprep.tasks.models import Task

_TASK_SAMPLE = {"任务": "起草大会主席团第一次会议议程", "截止时间": "2027年1月8日 周五 17:00", "责任人": "张明",
                "工作组": "秘书组", "剩余": "3天", "逾期": "1天2小时", "链接": "http://127.0.0.1:5000/tasks/42"}
_TASK_FIELDS = ("任务", "截止时间", "责任人", "工作组", "剩余", "逾期", "链接")

for _kind in (
    MessageKind("instruction.new", "领导批示（承办人：责任人、组长）",
                "【领导批示】{领导}对{对象}作出批示",
                "{领导}批示：{批示}\n请阅后点击“已阅”，并及时报告办理情况。{链接}",
                ("领导", "对象", "批示", "链接"),
                {"领导": "李主席", "对象": "任务「布置主会场」", "批示": "请抓紧落实，确保万无一失。",
                 "链接": "http://127.0.0.1:5000/tasks/42#instruction-1"}),
    MessageKind("instruction.reply", "批示办理情况（批示领导）",
                "【办理情况】{承办人}报告{对象}的批示办理情况",
                "您的批示：{批示}\n{承办人}报告：{办理情况}\n{链接}",
                ("承办人", "对象", "批示", "办理情况", "链接"),
                {"承办人": "张明", "对象": "任务「布置主会场」", "批示": "请抓紧落实。",
                 "办理情况": "已于今日完成布置。",
                 "链接": "http://127.0.0.1:5000/tasks/42#instruction-1"}),
    MessageKind("instruction.unacknowledged", "批示未阅提醒（尚未签阅的承办人，一次）",
                "【批示待阅】{领导}对{对象}的批示尚未签阅",
                "{领导}于{批示时间}批示：{批示}\n您尚未签阅。请阅后点击“已阅”，并及时报告办理情况。{链接}",
                ("领导", "对象", "批示", "批示时间", "链接"),
                {"领导": "李主席", "对象": "任务「布置主会场」", "批示": "请抓紧落实，确保万无一失。",
                 "批示时间": "2027年1月8日 周五 17:00", "链接": "http://127.0.0.1:5000/tasks/42#instruction-1"}),
    MessageKind("task.supervised", "任务列为督办（责任人、组长、督办领导）",
                "【督办】「{任务}」已列为{领导}督办任务",
                "任务「{任务}」已列为{领导}督办的任务。督办要求：{督办要求}\n请按时办结，办理情况将报告督办领导。{链接}",
                ("任务", "领导", "督办要求", "链接"),
                {"任务": "布置主会场", "领导": "李主席", "督办要求": "开幕前一天完成彩排",
                 "链接": "http://127.0.0.1:5000/tasks/42"}),
    MessageKind("task.supervised.closed", "督办任务办结报告（督办领导）",
                "【督办报告】「{任务}」{结果}",
                "您督办的任务「{任务}」{结果}（经办：{经办人}）。办理情况：{办理情况}\n{链接}",
                ("任务", "结果", "办理情况", "经办人", "链接"),
                {"任务": "布置主会场", "结果": "已验收办结", "办理情况": "会场布置完毕并通过彩排",
                 "经办人": "秘书处王芳", "链接": "http://127.0.0.1:5000/tasks/42"}),
    MessageKind("supervision.due", "督办任务即将到期（督办领导）",
                "【督办提醒】「{任务}」将于{截止时间}到期",
                "您督办的任务「{任务}」（{工作组}，责任人{责任人}）将于{截止时间}到期，还剩{剩余}。{链接}",
                _TASK_FIELDS, _TASK_SAMPLE),
    MessageKind("supervision.overdue", "督办任务逾期（督办领导，每日）",
                "【督办提醒】「{任务}」已逾期{逾期}",
                "您督办的任务「{任务}」（{工作组}，责任人{责任人}）截止时间为{截止时间}，已逾期{逾期}。{链接}",
                _TASK_FIELDS, _TASK_SAMPLE),
):
    register_kind(_kind)


def _supervised(*conditions):
    """Open 督办 tasks with what a reminder says, and the leader following each (active accounts only)."""
    leader = User.__table__.alias("leader")
    return (task_reminders.open_tasks(*conditions)
            .join(Supervision, Supervision.task_id == Task.id)
            .join(leader, leader.c.id == Supervision.leader_id)
            .where(leader.c.is_active_account)
            .add_columns(leader.c.id.label("leader_id"), leader.c.display_name.label("leader_name")))


def collect_due(ctx: ScanContext) -> Iterable[DueItem]:
    horizon = max(current_app.config["REMINDER_TASK_DUE_DAYS"], default=0) + 1
    for row in db.session.execute(_supervised(*task_reminders.due_window(ctx.now, horizon))):
        stage = task_reminders.due_stage(row, ctx.now)
        if stage is None:
            continue
        values = task_reminders.task_values(row, ctx.now)
        yield DueItem("supervision.due", "task", row.id, row.leader_id, row.leader_name, stage, values,
                      values["链接"], row.meeting_id)


def collect_overdue(ctx: ScanContext) -> Iterable[DueItem]:
    for row in db.session.execute(_supervised(Task.due_at <= ctx.now)):
        _days, stage = task_reminders.overdue_days_stage(row, ctx.now)
        values = task_reminders.task_values(row, ctx.now)
        yield DueItem("supervision.overdue", "task", row.id, row.leader_id, row.leader_name, stage, values,
                      values["链接"], row.meeting_id)


def collect_unacknowledged(ctx: ScanContext) -> Iterable[DueItem]:
    """One query: the receipts still without 已阅 whose instruction is older than the window, with what the
    reminder says (the leader, the task's or document's title)."""
    hours = float(current_app.config["INSTRUCTION_ACK_REMINDER_HOURS"])
    if hours <= 0:
        return
    window = dt.timedelta(hours=hours)
    addressee, author = User.__table__.alias("addressee"), User.__table__.alias("author")
    rows = db.session.execute(
        select(Instruction.id, Instruction.meeting_id, Instruction.task_id, Instruction.document_id,
               Instruction.body, Instruction.created_at, addressee.c.id.label("user_id"),
               addressee.c.display_name, author.c.display_name.label("author_name"),
               func.coalesce(Task.title, Document.title).label("title"))
        .join(InstructionReceipt, InstructionReceipt.instruction_id == Instruction.id)
        .join(addressee, addressee.c.id == InstructionReceipt.user_id)
        .outerjoin(author, author.c.id == Instruction.author_id)
        .outerjoin(Task, Task.id == Instruction.task_id)
        .outerjoin(Document, Document.id == Instruction.document_id)
        .where(InstructionReceipt.read_at.is_(None), Instruction.created_at <= ctx.now - window,
               addressee.c.is_active_account))
    for row in rows:
        link = services.target_path(row.task_id, row.document_id, f"instruction-{row.id}")
        values = {"领导": row.author_name or "领导", "对象": services.label_of(row.task_id is not None, row.title),
                  "批示": row.body, "批示时间": timeutil.format_datetime(row.created_at), "链接": link}
        yield DueItem("instruction.unacknowledged", "instruction", row.id, row.user_id, row.display_name,
                      row.created_at + window, values, link, row.meeting_id)


for _rule in (
    ReminderRule("instruction.unacknowledged", "instruction.unacknowledged", "批示未阅提醒（承办人，一次）",
                 collect_unacknowledged),
    ReminderRule("supervision.due", "supervision.due", "督办任务即将到期（督办领导）", collect_due),
    ReminderRule("supervision.overdue", "supervision.overdue", "督办任务逾期（督办领导）", collect_overdue),
):
    register_rule(_rule)
