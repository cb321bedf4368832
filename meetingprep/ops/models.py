from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from meetingprep.db import Base


class Heartbeat(Base):
    """Last sign of life of a background process (the scheduler), read by /readyz."""

    __tablename__ = "heartbeats"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    beat_at: Mapped[dt.datetime]
    detail: Mapped[str] = mapped_column(String(200), default="")
