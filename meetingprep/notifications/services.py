"""The one notification service every part of the product uses.

``notify()`` writes the in-app message (and, as the notifications package grows, queues the other
channels). It is idempotent by ``dedup_key``: calling it twice for the same event creates one message.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select

from meetingprep.extensions import db
from meetingprep.notifications.models import Notification


def notify(recipient_ids: Iterable[int], *, kind: str, subject: str, body: str = "", link: str = "",
           dedup_key: str | None = None, meeting_id: int | None = None,
           is_escalation: bool = False) -> list[Notification]:
    """Tell each recipient once. ``dedup_key`` names the event (e.g. "task.accepted:42:3");
    the recipient id is appended, so one key serves a whole list of people."""
    created = []
    event_key = dedup_key or f"{kind}:{uuid.uuid4().hex}"
    for recipient_id in sorted(set(recipient_ids)):
        key = f"{event_key}:u{recipient_id}"[:255]
        if db.session.scalar(select(Notification.id).where(Notification.dedup_key == key)):
            continue
        notification = Notification(recipient_id=recipient_id, kind=kind, subject=subject[:200], body=body,
                                    link=link[:500], dedup_key=key, meeting_id=meeting_id,
                                    is_escalation=is_escalation)
        db.session.add(notification)
        created.append(notification)
    db.session.flush()
    return created
