from __future__ import annotations

from sqlalchemy import select

from meetingprep.extensions import db
from meetingprep.meetings.models import Meeting


def get_current_meeting() -> Meeting | None:
    """The meeting flagged current, else the latest one."""
    return db.session.scalar(
        select(Meeting).order_by(Meeting.is_current.desc(), Meeting.opens_at.desc()).limit(1))
