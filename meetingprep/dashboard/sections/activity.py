"""最近动态: the latest changes across the meeting, from the audit trail."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from meetingprep.audit import AuditEntry
from meetingprep.dashboard.core import DashboardContext, Section, task_url
from meetingprep.extensions import db
from meetingprep.tasks.models import Task

LIMIT = 12


def compute(ctx: DashboardContext) -> dict:
    """A scoped viewer sees the changes to their groups' tasks only."""
    stmt = (select(AuditEntry).options(joinedload(AuditEntry.actor))
            .where(AuditEntry.meeting_id == ctx.meeting.id).order_by(AuditEntry.id.desc()).limit(LIMIT))
    if ctx.is_scoped:
        stmt = stmt.where(AuditEntry.object_type == Task.__name__,
                          AuditEntry.object_id.in_(select(Task.id).where(*ctx.task_filters(Task))))
    rows = []
    for entry in db.session.scalars(stmt):
        rows.append({
            "at": entry.at, "actor": entry.actor.display_name if entry.actor else "系统",
            "action": entry.action_label, "type": entry.type_label, "object": entry.object_label,
            "message": entry.message,
            "url": task_url(entry.object_id) if entry.object_type == Task.__name__ and entry.object_id else None,
        })
    return {"rows": rows}


SECTION = Section(key="activity", title="最近动态", template="dashboard/_activity.html", compute=compute,
                  on_wall=False)
