from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from meetingprep.audit import Audited
from meetingprep.db import Base, LabeledEnum
from meetingprep.timeutil import now


class Phase(LabeledEnum):
    """会前/会中/会后: of a meeting it is derived from the dates; tasks carry one as planned."""

    BEFORE = "before", "会前"
    DURING = "during", "会中"
    AFTER = "after", "会后"


class Meeting(Audited, Base):
    __tablename__ = "meetings"
    __audit_label__ = "会议"
    # At most one current meeting, enforced by the database even when two requests race.
    __table_args__ = (Index("uq_meetings_one_current", "is_current", unique=True,
                            sqlite_where=text("is_current"), postgresql_where=text("is_current")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), info={"label": "会议名称"})
    short_name: Mapped[str] = mapped_column(String(60), default="", info={"label": "简称"})
    opens_at: Mapped[dt.datetime] = mapped_column(info={"label": "开幕时间"})
    closes_at: Mapped[dt.datetime] = mapped_column(info={"label": "闭幕时间"})
    venue: Mapped[str] = mapped_column(String(200), default="", info={"label": "会场"})
    description: Mapped[str] = mapped_column(Text, default="", info={"label": "说明"})
    is_current: Mapped[bool] = mapped_column(Boolean, default=False, index=True, info={"label": "当前会议"})
    created_at: Mapped[dt.datetime] = mapped_column(default=now)
    #: 归档: set when the secretariat archives the meeting, which makes it read-only (meetings/closure.py);
    #: only an administrator clears it again, with a reason. Who did either is in the audit trail.
    closed_at: Mapped[dt.datetime | None] = mapped_column(info={"label": "归档时间"})
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}

    @property
    def is_closed(self) -> bool:
        """归档 (read-only): every write to the meeting's records is refused (meetings/closure.py)."""
        return self.closed_at is not None

    def audit_meeting_id(self) -> int | None:
        return self.id

    def phase_at(self, moment: dt.datetime) -> Phase:
        if moment < self.opens_at:
            return Phase.BEFORE
        if moment <= self.closes_at:
            return Phase.DURING
        return Phase.AFTER

    @property
    def phase(self) -> Phase:
        return self.phase_at(now())

    @property
    def display_name(self) -> str:
        return self.short_name or self.name
