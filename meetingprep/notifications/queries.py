"""Read side of notifications: the inbox, the unread count, the delivery log."""

from __future__ import annotations

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload, raiseload

from meetingprep.extensions import db
from meetingprep.groups.models import WorkingGroup
from meetingprep.notifications.models import Delivery, DeliveryStatus, Notification

#: The navigation bar's badge, on every page: built once (the signed-in request reads it with its login,
#: ``request_state.py``).
UNREAD = select(func.count(Notification.id)).where(
    Notification.recipient_id == bindparam("user_id"), Notification.read_at.is_(None))


def unread_count(user_id: int) -> int:
    return db.session.scalar(UNREAD, {"user_id": user_id}) or 0


def inbox(user_id: int, *, unread_only: bool = False, kind: str = "", page: int = 1, per_page: int = 30):
    statement = (select(Notification).where(Notification.recipient_id == user_id)
                 .options(raiseload("*")).order_by(Notification.id.desc()))
    if unread_only:
        statement = statement.where(Notification.read_at.is_(None))
    if kind:
        statement = statement.where(Notification.kind == kind)
    return db.paginate(statement, page=page, per_page=per_page, error_out=False)


def inbox_kinds(user_id: int) -> list[str]:
    return list(db.session.scalars(select(Notification.kind).where(Notification.recipient_id == user_id)
                                   .group_by(Notification.kind).order_by(Notification.kind)))


def delivery_log(*, status: DeliveryStatus | None = None, channel=None, page: int = 1, per_page: int = 50):
    statement = (select(Delivery)
                 .options(joinedload(Delivery.notification).joinedload(Notification.recipient), raiseload("*"))
                 .order_by(Delivery.id.desc()))
    if status is not None:
        statement = statement.where(Delivery.status == status)
    if channel is not None:
        statement = statement.where(Delivery.channel == channel)
    return db.paginate(statement, page=page, per_page=per_page, error_out=False)


def delivery_counts() -> dict[DeliveryStatus, int]:
    rows = db.session.execute(select(Delivery.status, func.count(Delivery.id)).group_by(Delivery.status))
    return {status: count for status, count in rows}


def webhook_groups(meeting_id: int | None) -> list[WorkingGroup]:
    """The working groups whose robot the secretariat sets: the meeting's."""
    statement = select(WorkingGroup).options(raiseload("*")).order_by(WorkingGroup.sort_order, WorkingGroup.id)
    if meeting_id is not None:
        statement = statement.where(WorkingGroup.meeting_id == meeting_id)
    return list(db.session.scalars(statement))
