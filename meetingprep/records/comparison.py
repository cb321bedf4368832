"""This meeting beside earlier ones held in the same installation: a line per meeting.

- 出席率 = 实到 ÷ (应到 − 请假) over the sittings begun, as everywhere (``attendance.queries``);
- 按时完成率 = tasks accepted by their deadline ÷ tasks due by now or already accepted (cancelled ones are
  no longer part of the plan);
- 审核轮次 = per document that entered review, how many versions were sent round the review (1: passed on
  the first submission), averaged; beside it the number of 退回修改 decisions. One definition with the meeting's
  summary: ``documents.queries.review_rounds``.

A fixed number of queries for any number of meetings (each figure is one grouped query over all of them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select

from meetingprep.attendance.queries import Counts, counts_by_meeting
from meetingprep.documents.models import Document, ReviewDecision
from meetingprep.documents.queries import REVIEW_ROUNDS_DEFINITION, review_rounds
from meetingprep.documents.states import Decision
from meetingprep.extensions import db
from meetingprep.meetings.models import Meeting
from meetingprep.tasks.models import Task
from meetingprep.tasks.states import TaskStatus

METHOD = ("出席率 = 实到 ÷ (应到 − 请假)（已开始的会次）；"
          "按时完成率 = 在时间节点前验收的任务 ÷ 已到时间节点或已验收的任务"
          f"（不含已取消）；{REVIEW_ROUNDS_DEFINITION}，按进入审核的材料取平均（1 表示一次送审即通过）。")
#: The comparison lists at most this many meetings, newest first.
MAX_MEETINGS = 20


@dataclass
class MeetingLine:
    meeting_id: int
    name: str
    opens_at: dt.datetime
    is_current: bool
    attendance: Counts
    tasks_due: int
    tasks_on_time: int
    documents_reviewed: int
    average_rounds: float | None
    returns: int

    @property
    def on_time_percent(self) -> float | None:
        return round(100 * self.tasks_on_time / self.tasks_due, 1) if self.tasks_due else None

    @property
    def attendance_percent(self) -> float | None:
        rate = self.attendance.rate
        return None if rate is None else round(rate * 100, 1)


def compare_meetings(moment: dt.datetime, limit: int = MAX_MEETINGS) -> list[MeetingLine]:
    meetings = list(db.session.scalars(
        select(Meeting).order_by(Meeting.opens_at.desc(), Meeting.id.desc()).limit(limit)))
    ids = [meeting.id for meeting in meetings]
    if not ids:
        return []
    attendance = counts_by_meeting(ids, moment)
    done = Task.status == TaskStatus.DONE
    tasks = {row.meeting_id: row for row in db.session.execute(
        select(Task.meeting_id, func.count(Task.id).label("due"),
               func.count(Task.id).filter(and_(done, Task.accepted_at <= Task.due_at)).label("on_time"))
        .where(Task.meeting_id.in_(ids), Task.status != TaskStatus.CANCELLED, or_(done, Task.due_at <= moment))
        .group_by(Task.meeting_id))}
    returned = (select(ReviewDecision.document_id, func.count(ReviewDecision.id).label("returns"))
                .where(ReviewDecision.decision == Decision.RETURN).group_by(ReviewDecision.document_id).subquery())
    per_document = review_rounds()
    rounds = {row.meeting_id: row for row in db.session.execute(
        select(Document.meeting_id, func.count(Document.id).label("documents"),
               func.avg(per_document.c.rounds).label("average"),
               func.coalesce(func.sum(returned.c.returns), 0).label("returns"))
        .join(per_document, per_document.c.document_id == Document.id)
        .outerjoin(returned, returned.c.document_id == Document.id)
        .where(Document.meeting_id.in_(ids)).group_by(Document.meeting_id))}
    lines = []
    for meeting in meetings:
        task_row, round_row = tasks.get(meeting.id), rounds.get(meeting.id)
        average = float(round_row.average) if round_row is not None and round_row.average is not None else None
        lines.append(MeetingLine(
            meeting.id, meeting.display_name, meeting.opens_at, bool(meeting.is_current), attendance[meeting.id],
            task_row.due if task_row else 0, task_row.on_time if task_row else 0,
            round_row.documents if round_row else 0, round(average, 2) if average is not None else None,
            int(round_row.returns) if round_row else 0))
    return lines
