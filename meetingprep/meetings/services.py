"""Meetings: create, edit, choose the current one. Rescheduling tells other domains by signal."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from meetingprep import signals
from meetingprep.auth.models import User
from meetingprep.concurrency import expect_version
from meetingprep.errors import ValidationFailed
from meetingprep.extensions import db
from meetingprep.meetings.models import Meeting
from meetingprep.permissions import require

CLOSES_BEFORE_OPENS = "闭幕时间必须晚于开幕时间。"


def _check_dates(opens_at: dt.datetime, closes_at: dt.datetime) -> None:
    if closes_at <= opens_at:
        raise ValidationFailed(CLOSES_BEFORE_OPENS)


def create_meeting(actor: User | None, *, name: str, opens_at: dt.datetime, closes_at: dt.datetime,
                   short_name: str = "", venue: str = "", description: str = "",
                   make_current: bool = False) -> Meeting:
    if actor is not None:
        require(actor, "meeting.manage")
    _check_dates(opens_at, closes_at)
    is_first = not db.session.scalar(select(func.count(Meeting.id)))
    meeting = Meeting(name=name, short_name=short_name, opens_at=opens_at, closes_at=closes_at, venue=venue,
                      description=description, is_current=False)
    db.session.add(meeting)
    db.session.flush()
    if make_current or is_first:
        set_current_meeting(actor, meeting)
    return meeting


def update_meeting(actor: User, meeting: Meeting, *, version_id, name: str, short_name: str,
                   opens_at: dt.datetime, closes_at: dt.datetime, venue: str, description: str,
                   move_sittings: bool = False) -> Meeting:
    """Edit a meeting. When the opening moves, deadlines relative to it follow, and with ``move_sittings``
    so do the sittings not yet closed (the person chose this after a preview of old and new times)."""
    require(actor, "meeting.manage", meeting)
    expect_version(meeting, version_id, "该会议")
    _check_dates(opens_at, closes_at)
    old_opens_at = meeting.opens_at
    meeting.name = name
    meeting.short_name = short_name
    meeting.opens_at = opens_at
    meeting.closes_at = closes_at
    meeting.venue = venue
    meeting.description = description
    db.session.flush()
    if opens_at != old_opens_at:
        signals.meeting_rescheduled.send(meeting, actor=actor, old_opens_at=old_opens_at,
                                         move_sittings=move_sittings)
    return meeting


def set_current_meeting(actor: User | None, meeting: Meeting) -> None:
    """Exactly one meeting is current: the flag moves, it is never shared."""
    if actor is not None:
        require(actor, "meeting.manage", meeting)
    others = db.session.scalars(select(Meeting).where(Meeting.is_current.is_(True), Meeting.id != meeting.id))
    for other in others:  # loaded, not bulk-updated, so each change lands in the audit trail
        other.is_current = False
    db.session.flush()
    meeting.is_current = True
    db.session.flush()


