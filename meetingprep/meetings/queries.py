from __future__ import annotations

from sqlalchemy import Select, func, select

from meetingprep.extensions import db
from meetingprep.groups.models import GroupMembership, WorkingGroup
from meetingprep.meetings.models import Meeting

#: The meeting flagged current first, then the latest: which meeting "current" means.
_CURRENT_FIRST = (Meeting.is_current.desc(), Meeting.opens_at.desc())
#: Asked where there is no signed-in request; built once, as SQLAlchemy caches a statement by identity …
_CURRENT_MEETING = select(Meeting).order_by(*_CURRENT_FIRST).limit(1)
#: … and read with the login on every signed-in request (``request_state.py``), joined on this id.
CURRENT_MEETING_ID = select(Meeting.id).order_by(*_CURRENT_FIRST).limit(1).scalar_subquery()


def get_current_meeting() -> Meeting | None:
    """The meeting flagged current, else the latest one."""
    return db.session.scalar(_CURRENT_MEETING)


def meeting_list() -> Select:
    return select(Meeting).order_by(*_CURRENT_FIRST, Meeting.id.desc())


def group_counts(meeting_ids: list[int]) -> dict[int, int]:
    """{meeting_id: number of working groups} in one GROUP BY."""
    rows = db.session.execute(select(WorkingGroup.meeting_id, func.count(WorkingGroup.id))
                              .where(WorkingGroup.meeting_id.in_(meeting_ids)).group_by(WorkingGroup.meeting_id))
    return dict(rows.all())


def groups_with_sizes(meeting_id: int) -> list[tuple[WorkingGroup, int, int]]:
    """[(group, members, leads)] of a meeting, counted in SQL."""
    members = func.count(GroupMembership.id)
    leads = func.count(GroupMembership.id).filter(GroupMembership.is_lead.is_(True))
    return [tuple(row) for row in db.session.execute(
        select(WorkingGroup, members, leads)
        .outerjoin(GroupMembership, GroupMembership.group_id == WorkingGroup.id)
        .where(WorkingGroup.meeting_id == meeting_id)
        .group_by(WorkingGroup.id)
        .order_by(WorkingGroup.sort_order, WorkingGroup.id))]
