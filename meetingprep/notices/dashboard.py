"""通知阅读率 for the dashboard's 会中 section (``dashboard/sections/session.py``, ``READ_RATES``): of the meeting's
sent notices, the recipients who opened theirs ÷ every recipient — the same rows as each notice's receipts page,
summed in one query."""

from __future__ import annotations

from sqlalchemy import func, select

from meetingprep.extensions import db
from meetingprep.notices.models import Notice, NoticeRecipient, NoticeStatus


def read_rate(meeting_id: int) -> tuple[int, int]:
    total, done = db.session.execute(
        select(func.count(NoticeRecipient.id), func.count(NoticeRecipient.read_at))
        .join(Notice, Notice.id == NoticeRecipient.notice_id)
        .where(Notice.meeting_id == meeting_id, Notice.status == NoticeStatus.SENT)).one()
    return int(done or 0), int(total or 0)
