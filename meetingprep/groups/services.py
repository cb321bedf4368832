"""Working groups of a meeting and who is in them."""

from __future__ import annotations

from sqlalchemy import func, select

from meetingprep.auth.models import User
from meetingprep.concurrency import expect_version
from meetingprep.errors import NotFound, ValidationFailed
from meetingprep.extensions import db
from meetingprep.groups.models import GroupMembership, WorkingGroup
from meetingprep.meetings.models import Meeting
from meetingprep.permissions import require


def _check_name_free(meeting_id: int, name: str, group_id: int | None = None) -> None:
    stmt = select(WorkingGroup.id).where(WorkingGroup.meeting_id == meeting_id,
                                         func.lower(WorkingGroup.name) == name.lower())
    if group_id is not None:
        stmt = stmt.where(WorkingGroup.id != group_id)
    if db.session.scalar(stmt) is not None:
        raise ValidationFailed(f"本次会议已有名为“{name}”的工作组，请换一个组名。")


def create_group(actor: User | None, meeting: Meeting, *, name: str, duties: str = "",
                 sort_order: int = 0) -> WorkingGroup:
    if actor is not None:
        require(actor, "group.manage", meeting)
    _check_name_free(meeting.id, name)
    group = WorkingGroup(meeting_id=meeting.id, name=name, duties=duties, sort_order=sort_order)
    db.session.add(group)
    db.session.flush()
    return group


def update_group(actor: User, group: WorkingGroup, *, version_id, name: str, duties: str,
                 sort_order: int) -> WorkingGroup:
    require(actor, "group.manage", group)
    expect_version(group, version_id, "该工作组")
    _check_name_free(group.meeting_id, name, group.id)
    group.name = name
    group.duties = duties
    group.sort_order = sort_order
    db.session.flush()
    return group


def add_member(actor: User | None, group: WorkingGroup, user: User | None, *, is_lead: bool = False) -> GroupMembership:
    if actor is not None:
        require(actor, "group.manage", group)
    if user is None:
        raise NotFound("找不到这个用户，请检查用户名。")
    if not user.is_active:
        raise ValidationFailed(f"“{user.display_name}”的账号已停用，不能加入工作组。")
    exists = db.session.scalar(select(GroupMembership.id).where(GroupMembership.group_id == group.id,
                                                                GroupMembership.user_id == user.id))
    if exists is not None:
        raise ValidationFailed(f"“{user.display_name}”已经是本组成员。")
    membership = GroupMembership(group_id=group.id, user_id=user.id, is_lead=is_lead)
    db.session.add(membership)
    db.session.flush()
    return membership


def _membership(group: WorkingGroup, membership_id: int) -> GroupMembership:
    membership = db.session.get(GroupMembership, membership_id)
    if membership is None or membership.group_id != group.id:
        raise NotFound("该成员不在本组，可能已被移出。")
    return membership


def remove_member(actor: User, group: WorkingGroup, membership_id: int) -> bool:
    """False when the member had already left (a second click, another tab): nothing to do."""
    require(actor, "group.manage", group)
    membership = db.session.get(GroupMembership, membership_id)
    if membership is None or membership.group_id != group.id:
        return False
    db.session.delete(membership)
    db.session.flush()
    return True


def set_lead(actor: User, group: WorkingGroup, membership_id: int, is_lead: bool) -> None:
    """A group may have several leads (正副组长); each is a member marked as lead."""
    require(actor, "group.manage", group)
    _membership(group, membership_id).is_lead = is_lead
    db.session.flush()
