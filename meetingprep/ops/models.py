from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from meetingprep.db import Base
from meetingprep.timeutil import now


class Heartbeat(Base):
    """Last sign of life of a background process (the scheduler), read by /readyz."""

    __tablename__ = "heartbeats"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    beat_at: Mapped[dt.datetime]
    detail: Mapped[str] = mapped_column(String(200), default="")


class UserSession(Base):
    """One login on one device, kept on the server so it can be ended from anywhere.

    The cookie carries a random token; only its SHA-256 is stored, so a database backup cannot be
    replayed as a login. See ``meetingprep.ops.sessions``.
    """

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user_id_revoked_at", "user_id", "revoked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(default=now)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=now)
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    revoked_at: Mapped[dt.datetime | None]
