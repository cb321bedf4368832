"""大屏链接: a wall screen shows the dashboard without anyone's login.

A manager creates a link for the meeting; its URL carries ``token_for(link)``, the row's id signed with the
application's secret key (itsdangerous, salted for this use), so it cannot be guessed or altered. The row
can be revoked at any time and the link stops working at the next refresh. The link shows exactly the wall
(read-only figures of the whole meeting) and its live-update JSON, nothing else.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from meetingprep.auth.models import User
from meetingprep.dashboard.models import KioskLink
from meetingprep.errors import InvalidTransition, ValidationFailed
from meetingprep.extensions import db
from meetingprep.meetings.models import Meeting
from meetingprep.permissions import require
from meetingprep.timeutil import now

_SALT = "meetingprep.kiosk-link"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def token_for(link: KioskLink) -> str:
    return _serializer().dumps(link.id)


def link_for_token(token: str) -> KioskLink | None:
    """The active link the token names; None for a forged, altered or revoked one."""
    try:
        link_id = _serializer().loads(token[:200])
    except BadSignature:
        return None
    if not isinstance(link_id, int):
        return None
    link = db.session.get(KioskLink, link_id)
    return link if link is not None and link.is_active else None


def links_of(meeting: Meeting) -> list[KioskLink]:
    return list(db.session.scalars(select(KioskLink).where(KioskLink.meeting_id == meeting.id)
                                   .order_by(KioskLink.revoked_at.is_not(None), KioskLink.id.desc())))


def create_link(actor: User, meeting: Meeting, label: str) -> KioskLink:
    require(actor, "dashboard.kiosk")
    label = label.strip()
    if not label:
        raise ValidationFailed("请给这块大屏起个名字（如「主会场东侧屏」），便于以后停用。")
    link = KioskLink(meeting_id=meeting.id, label=label[:100], created_by_id=actor.id, created_at=now())
    db.session.add(link)
    db.session.flush()
    return link


def revoke_link(actor: User, link: KioskLink) -> None:
    require(actor, "dashboard.kiosk")
    if not link.is_active:
        raise InvalidTransition(f"大屏链接「{link.label}」已停用。")
    link.revoked_at = now()
    link.revoked_by_id = actor.id
    db.session.flush()
