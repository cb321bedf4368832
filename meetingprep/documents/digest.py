"""待审材料 for the daily digest (``notifications.digest.SECTIONS``): reviews waiting and overdue stages."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from meetingprep import timeutil
from meetingprep.auth.models import User
from meetingprep.documents.models import Document, DocumentStage
from meetingprep.documents.queries import overdue_stages
from meetingprep.documents.states import DocumentStatus
from meetingprep.extensions import db
from meetingprep.meetings.models import Meeting
from meetingprep.notifications.digest import DigestSection

LISTED = 10


def reviews_waiting(meeting: Meeting, moment: dt.datetime) -> DigestSection | None:
    """审核中 per stage, then the overdue stages (longest overdue first) with whom they wait on."""
    per_stage = db.session.execute(
        select(DocumentStage.name, func.count(Document.id), func.min(DocumentStage.position))
        .join(DocumentStage, DocumentStage.id == Document.current_stage_id)
        .where(Document.meeting_id == meeting.id, Document.status == DocumentStatus.IN_REVIEW)
        .group_by(DocumentStage.name).order_by(func.min(DocumentStage.position), DocumentStage.name)).all()
    if not per_stage:
        return None
    total = sum(count for _name, count, _position in per_stage)
    late = [stage for stage in overdue_stages(moment) if stage.meeting_id == meeting.id]
    names = dict(db.session.execute(select(User.id, User.display_name).where(
        User.id.in_(sorted({uid for stage in late[:LISTED] for uid in stage.pending_user_ids})))).all()) \
        if late else {}
    lines = ["审核中：" + "；".join(f"{name} {count} 份" for name, count, _position in per_stage)]
    for stage in late[:LISTED]:
        waiting_on = "、".join(names.get(uid, "") for uid in stage.pending_user_ids) or "—"
        lines.append(f"《{stage.title}》{stage.stage_name}：已超时{timeutil.humanize_delta(moment - stage.due_at)}，"
                     f"待{waiting_on}审核")
    if len(late) > LISTED:
        lines.append(f"……等共 {len(late)} 份超时")
    title = f"待审材料（审核中 {total} 份" + (f"，超出办理时限 {len(late)} 份）" if late else "）")
    return DigestSection(title, lines)
