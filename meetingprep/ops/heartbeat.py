from __future__ import annotations

import datetime as dt

from meetingprep.extensions import db
from meetingprep.ops.models import Heartbeat
from meetingprep.timeutil import now


def beat(name: str, detail: str = "") -> None:
    """Record that ``name`` is alive; the caller commits."""
    row = db.session.get(Heartbeat, name)
    if row is None:
        db.session.add(Heartbeat(name=name, beat_at=now(), detail=detail[:200]))
    else:
        row.beat_at = now()
        row.detail = detail[:200]


def last_beat(name: str) -> dt.datetime | None:
    row = db.session.get(Heartbeat, name)
    return row.beat_at if row else None
