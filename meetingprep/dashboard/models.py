"""The dashboard's stored snapshots, and the index its burn-down needs on tasks.

Accepted-per-day groups the meeting's tasks by ``accepted_at``; the other aggregates use the
(meeting_id, status, due_at) and (meeting_id, group_id, status, due_at) indexes of the tasks domain.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from meetingprep.audit import Audited
from meetingprep.db import Base
from meetingprep.tasks.models import Task
from meetingprep.timeutil import now

ix_tasks_meeting_id_accepted_at = Index("ix_tasks_meeting_id_accepted_at", Task.meeting_id, Task.accepted_at)


class DashboardSnapshot(Base):
    """Every section's figures for one meeting and one viewer scope, as computed at ``computed_at``.

    Derived data (recomputed, never edited), so not audited. ``data_version`` is the data version
    (``meetingprep/data_version.py``) the figures were computed at: a larger current one means they
    may be out of date. Only the figures are stored, never drawn HTML or JSON text, so a new template
    or a rolling deploy draws them its own way at once.
    """

    __tablename__ = "dashboard_snapshots"
    __table_args__ = (UniqueConstraint("meeting_id", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(200))  # "all", or "groups:3,7" for a scoped viewer
    computed_at: Mapped[dt.datetime]
    opens_at: Mapped[dt.datetime]  # the opening the figures were computed against
    data_version: Mapped[int] = mapped_column(BigInteger, default=0)
    payload: Mapped[str] = mapped_column(Text)  # the sections' figures: tagged JSON (``snapshots.SERIALIZER``)
    # set while one worker recomputes stale figures; the others serve these meanwhile (``snapshots.figures_for``)
    refresh_claimed_at: Mapped[dt.datetime | None]


class KioskLink(Audited, Base):
    """A read-only link for a wall screen's browser (大屏), which no one logs in on: the URL carries a token
    signed with the application's secret (itsdangerous) that names this row; revoking the row ends the link
    at once. Creation and revocation are audited (Audited)."""

    __tablename__ = "kiosk_links"
    __audit_label__ = "大屏链接"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(100), info={"label": "名称"})
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                      info={"label": "创建人"})
    created_at: Mapped[dt.datetime] = mapped_column(default=now)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(info={"label": "停用时间"})
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                      info={"label": "停用人"})

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def audit_title(self) -> str:
        return f"大屏链接「{self.label}」"
