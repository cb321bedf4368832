"""Demo: the standard 施工图 template saved from the demo meeting's plan (runs after the tasks seeder)."""

from __future__ import annotations

from sqlalchemy import select

from meetingprep.demo.context import DemoContext
from meetingprep.extensions import db
from meetingprep.plans.models import PlanTemplate
from meetingprep.plans.services import save_template
from meetingprep.tasks.models import Task

TEMPLATE_NAME = "政协全体会议筹备施工图（标准模板）"


def seed(ctx: DemoContext) -> None:
    ctx.progress("施工图模板")
    has_tasks = db.session.scalar(select(Task.id).where(Task.meeting_id == ctx.meeting.id).limit(1))
    exists = db.session.scalar(select(PlanTemplate.id).where(PlanTemplate.name == TEMPLATE_NAME))
    if not has_tasks or exists or not ctx.secretariat:
        return
    save_template(ctx.secretariat[0], ctx.meeting, name=TEMPLATE_NAME,
                  description=f"由「{ctx.meeting.name}」的筹备任务整理：各组任务、相对开幕的时间节点和前后衔接。"
                              "新一届会议筹备时按此模板生成任务，再按实际调整。")
