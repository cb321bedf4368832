"""The next meeting starts from this one: its working groups with their members and leads, and its plan.

Working groups were re-created by hand every year; now they are copied in the same step that creates the
meeting (names, duties, order, members and leads — accounts since deactivated are left out and counted).
The plan comes from a saved template (``plans``), or from this meeting's own tasks saved as one on the way;
deadlines follow the new opening. Review pipelines and document types belong to the installation, not to a
meeting, so the new meeting uses them as they are; the page says how many there are.

The source meeting is only read, so it may be archived (read-only): the template saved from it is a copy
(``meetings/closure.NOT_THE_RECORD``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from meetingprep import audit
from meetingprep.auth.models import User
from meetingprep.documents.models import DocumentType, PipelineTemplate
from meetingprep.errors import ValidationFailed
from meetingprep.extensions import db
from meetingprep.groups.models import GroupMembership, WorkingGroup
from meetingprep.meetings import services as meeting_services
from meetingprep.meetings.models import Meeting
from meetingprep.permissions import require
from meetingprep.plans import services as plan_services
from meetingprep.plans.models import PlanTemplate

#: The plan choice: nothing, this meeting's own tasks, or a saved template (its id as text).
PLAN_NONE = "none"
PLAN_THIS = "this"


@dataclass(frozen=True)
class CarriedOver:
    meeting: Meeting
    groups: int
    members: int
    skipped_inactive: int
    tasks: int
    template: PlanTemplate | None


def pipeline_counts() -> tuple[int, int]:
    """(review pipelines, document types): what every meeting uses as it is."""
    return (db.session.scalar(select(func.count(PipelineTemplate.id))) or 0,
            db.session.scalar(select(func.count(DocumentType.id))) or 0)


def _template_name(source: Meeting) -> str:
    base = f"{source.display_name} 施工图"
    taken = set(db.session.scalars(select(PlanTemplate.name).where(PlanTemplate.name.startswith(base))))
    number = 2
    name = base
    while name in taken:
        name = f"{base}（{number}）"
        number += 1
    return name[:120]


def _copy_groups(source: Meeting, target: Meeting) -> tuple[dict[str, int], int, int]:
    groups = db.session.scalars(select(WorkingGroup).where(WorkingGroup.meeting_id == source.id)
                                .order_by(WorkingGroup.sort_order, WorkingGroup.id)).all()
    copies = {}
    for group in groups:
        copy = WorkingGroup(meeting_id=target.id, name=group.name, duties=group.duties, sort_order=group.sort_order)
        db.session.add(copy)
        copies[group.id] = copy
    db.session.flush()
    rows = db.session.execute(
        select(GroupMembership.group_id, GroupMembership.user_id, GroupMembership.is_lead, User.is_active_account)
        .join(User, User.id == GroupMembership.user_id)
        .join(WorkingGroup, WorkingGroup.id == GroupMembership.group_id)
        .where(WorkingGroup.meeting_id == source.id).order_by(GroupMembership.id)).all()
    members = skipped = 0
    for group_id, user_id, is_lead, active in rows:
        if not active:
            skipped += 1
            continue
        db.session.add(GroupMembership(group_id=copies[group_id].id, user_id=user_id, is_lead=is_lead))
        members += 1
    db.session.flush()
    return {copy.name: copy.id for copy in copies.values()}, members, skipped


def start_next_meeting(actor: User, source: Meeting, *, name: str, short_name: str, opens_at: dt.datetime,
                       closes_at: dt.datetime, venue: str, description: str = "", copy_groups: bool = True,
                       plan: str = PLAN_NONE, make_current: bool = False) -> CarriedOver:
    """One step: the meeting, its groups and members, its tasks from the chosen plan. All or nothing (the
    caller commits once); the new meeting's trail says where it came from."""
    require(actor, "meeting.manage")
    require(actor, "meeting.carry_over", source)
    template = None
    if plan not in (PLAN_NONE, PLAN_THIS):
        template = db.session.get(PlanTemplate, int(plan)) if plan.isdigit() else None
        if template is None:
            raise ValidationFailed("所选的施工图模板不存在，可能已被删除，请重新选择。")
    if plan != PLAN_NONE and not copy_groups:
        raise ValidationFailed("按施工图生成任务需要工作组：请同时勾选“沿用工作组及成员”，或不生成任务。")
    with audit.acting_as(actor):
        meeting = meeting_services.create_meeting(actor, name=name, short_name=short_name, opens_at=opens_at,
                                                  closes_at=closes_at, venue=venue, description=description,
                                                  make_current=make_current)
        group_map, members, skipped = _copy_groups(source, meeting) if copy_groups else ({}, 0, 0)
        if plan == PLAN_THIS:
            template = plan_services.save_template(actor, source, name=_template_name(source),
                                                   description=f"由“{meeting.display_name}”接续创建时保存")
        tasks = plan_services.apply_template(actor, template, meeting, group_map) if template is not None else []
    audit.record(db.session, "接续创建", meeting, actor=actor,
                 message=f"由“{source.display_name}”接续创建：工作组 {len(group_map)} 个、成员 {members} 人"
                         + (f"（{skipped} 个已停用账号未沿用）" if skipped else "")
                         + (f"，按模板“{template.name}”生成任务 {len(tasks)} 项" if template is not None else ""))
    db.session.flush()
    return CarriedOver(meeting, len(group_map), members, skipped, len(tasks), template)
