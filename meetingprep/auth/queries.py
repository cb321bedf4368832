"""Read side of accounts: the searchable user list and who belongs to which group."""

from __future__ import annotations

from sqlalchemy import Select, or_, select

from meetingprep.auth.models import User
from meetingprep.extensions import db
from meetingprep.groups.models import GroupMembership, WorkingGroup
from meetingprep.roles import Role


def user_search(q: str = "", role: str = "", status: str = "") -> Select:
    stmt = select(User).order_by(User.is_active_account.desc(), User.role, User.username)
    if q:
        pattern = f"%{q[:64]}%"
        stmt = stmt.where(or_(User.username.ilike(pattern), User.display_name.ilike(pattern),
                              User.phone.ilike(pattern), User.email.ilike(pattern)))
    if role in {r.value for r in Role}:
        stmt = stmt.where(User.role == Role(role))
    if status == "active":
        stmt = stmt.where(User.is_active_account.is_(True))
    elif status == "inactive":
        stmt = stmt.where(User.is_active_account.is_(False))
    return stmt


def groups_by_user(user_ids: list[int]) -> dict[int, list[tuple[WorkingGroup, bool]]]:
    """{user_id: [(group, is_lead), …]} for a page of users, in one query."""
    result: dict[int, list[tuple[WorkingGroup, bool]]] = {user_id: [] for user_id in user_ids}
    if not user_ids:
        return result
    rows = db.session.execute(
        select(GroupMembership.user_id, WorkingGroup, GroupMembership.is_lead)
        .join(WorkingGroup, WorkingGroup.id == GroupMembership.group_id)
        .where(GroupMembership.user_id.in_(user_ids))
        .order_by(WorkingGroup.meeting_id.desc(), WorkingGroup.sort_order, WorkingGroup.id))
    for user_id, group, is_lead in rows:
        result[user_id].append((group, is_lead))
    return result
