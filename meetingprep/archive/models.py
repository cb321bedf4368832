"""The archive jobs: one row per requested bundle, its progress and its file."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetingprep.db import Base, LabeledEnum, enum_column
from meetingprep.timeutil import now


class ArchiveStatus(LabeledEnum):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "生成中"
    DONE = "done", "已完成"
    FAILED = "failed", "生成失败"


class MeetingArchive(Base):
    """A bundle of one meeting as it stood when it was built.

    The builder runs in the scheduler's process (or a thread of the dev server), so the state lives here,
    where every web worker reads it: the page polls ``progress_done``/``progress_total``. A builder holds its
    job by ``lease_until`` and renews it as it goes; a job whose builder died (lease run out) is taken up
    again. Requests and outcomes are in the meeting's audit trail (services), so this row is not audited:
    its progress ticks would only repeat them.
    """

    __tablename__ = "meeting_archives"
    __table_args__ = (Index("ix_meeting_archives_meeting_id_id", "meeting_id", "id"),
                      Index("ix_meeting_archives_status", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    status: Mapped[ArchiveStatus] = mapped_column(enum_column(ArchiveStatus), default=ArchiveStatus.QUEUED)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[dt.datetime] = mapped_column(default=now)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    lease_until: Mapped[dt.datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    step: Mapped[str] = mapped_column(String(200), default="")
    #: The .zip under the upload folder (random name), its size and SHA-256, and how many files it holds.
    stored_name: Mapped[str | None] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    file_count: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(String(500), default="")

    meeting = relationship("Meeting", lazy="raise")
    requested_by = relationship("User", lazy="raise")

    @property
    def percent(self) -> int:
        if self.status == ArchiveStatus.DONE:
            return 100
        if not self.progress_total:
            return 0
        return min(99, self.progress_done * 100 // self.progress_total)

    @property
    def is_active(self) -> bool:
        return self.status in (ArchiveStatus.QUEUED, ArchiveStatus.RUNNING)
