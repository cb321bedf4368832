"""Demo 批示 and 督办: the chairman instructs on two overdue tasks and the work report; one owner has read and
reported back, one has not; two tasks are 督办 (one by the chairman, one by the secretariat for a vice-chair)."""

from __future__ import annotations

import contextlib

from sqlalchemy import select

from meetingprep.demo.context import DemoContext
from meetingprep.documents.models import Document
from meetingprep.errors import ValidationFailed
from meetingprep.extensions import db
from meetingprep.instructions import services
from meetingprep.tasks.models import Task


def seed(ctx: DemoContext) -> None:
    if not ctx.leaders:
        return
    chair = ctx.users.get("zhuxi", ctx.leaders[0])
    vice = ctx.users.get("fuzhuxi1", ctx.leaders[-1])
    late = list(db.session.scalars(
        select(Task).where(Task.meeting_id == ctx.meeting.id, Task.is_overdue_at(ctx.now))
        .order_by(Task.due_at, Task.id).limit(2)))
    soon = db.session.scalar(
        select(Task).where(Task.meeting_id == ctx.meeting.id, Task.is_open, Task.due_at > ctx.now)
        .order_by(Task.due_at, Task.id).limit(1))
    if late:
        first = services.write_instruction(chair, late[0], "此项已逾期，请务必于明天下班前办结，并报告原因和补救措施。")
        owner = db.session.get(type(chair), late[0].owner_id)
        services.acknowledge(owner, first, late[0])
        services.reply(owner, first, late[0], "已阅。已增派两名同志，明天中午前完成，逾期原因是供货延误。")
        services.supervise(chair, late[0], note="每天报告进度")
    if len(late) > 1:
        services.write_instruction(chair, late[1], "请组长亲自过问，抓紧推进。")
    if soon is not None and ctx.secretariat:
        services.supervise(ctx.secretariat[0], soon, leader_id=vice.id, note="开幕前一天完成彩排")
    report = db.session.scalar(select(Document).where(Document.meeting_id == ctx.meeting.id)
                               .order_by(Document.id).limit(1))
    if report is not None:
        with contextlib.suppress(ValidationFailed):  # no drafter or lead to address it to
            services.write_instruction(chair, report, "报告要突出履职成效，数据核准，文字精炼。")
    db.session.flush()
