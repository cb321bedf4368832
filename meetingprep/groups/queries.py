from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from meetingprep.extensions import db
from meetingprep.groups.models import GroupMembership, WorkingGroup


def groups_with_people(meeting_id: int) -> list[WorkingGroup]:
    """A meeting's groups with their memberships and users: two queries."""
    return list(db.session.scalars(
        select(WorkingGroup).where(WorkingGroup.meeting_id == meeting_id)
        .options(selectinload(WorkingGroup.memberships).joinedload(GroupMembership.user))
        .order_by(WorkingGroup.sort_order, WorkingGroup.id)))


def members_of(group_id: int) -> list[GroupMembership]:
    """Leads first, then in the order they joined."""
    return list(db.session.scalars(
        select(GroupMembership).options(joinedload(GroupMembership.user))
        .where(GroupMembership.group_id == group_id)
        .order_by(GroupMembership.is_lead.desc(), GroupMembership.id)))
