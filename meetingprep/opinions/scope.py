"""Which discussion groups a user records for: asked by the permission rules, so kept to what they need
(no import of the permission module's own importers)."""

from __future__ import annotations

from flask import g, has_app_context
from sqlalchemy import select

from meetingprep.attendance.models import MemberProfile
from meetingprep.extensions import db
from meetingprep.opinions.models import DiscussionRecorder


def recorder_groups_of(user) -> frozenset[int]:
    """The discussion group ids the user is a recorder of; one query per request (kept on ``g``),
    however many times a page asks."""
    cache = g.setdefault("opinion_recorder_groups", {}) if has_app_context() else {}
    if user.id not in cache:
        cache[user.id] = frozenset(db.session.scalars(
            select(DiscussionRecorder.discussion_group_id).where(DiscussionRecorder.user_id == user.id)))
    return cache[user.id]


def member_groups_of(user) -> frozenset[int]:
    """The discussion groups the user sits in as a member (the roster's 讨论组 of each profile linked to
    the account, one per meeting); one query per request, like ``recorder_groups_of``."""
    cache = g.setdefault("opinion_member_groups", {}) if has_app_context() else {}
    if user.id not in cache:
        cache[user.id] = frozenset(db.session.scalars(
            select(MemberProfile.discussion_group_id).where(MemberProfile.user_id == user.id,
                                                            MemberProfile.discussion_group_id.is_not(None))))
    return cache[user.id]


def forget() -> None:
    """After naming or removing a recorder: the next question asks the database again."""
    if has_app_context():
        g.pop("opinion_recorder_groups", None)
