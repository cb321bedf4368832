"""Agenda (议程) of a sitting and the 大会发言 arrangement.

A sitting's agenda is an ordered list of items; an item of type 大会发言 carries its speech slots: speeches
that reached 定稿 in the review pipeline, each either an oral slot (口头发言, with a minutes limit) or on the
written list (书面发言). Whether a slotted speech still counts is read from its document's status each time
the order is drawn (``SpeechSlot.is_admitted``): a speech reopened in the pipeline drops out of the printed
order at once, and the arrangement page warns about it, with no second copy of the state to keep in step.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetingprep.audit import Audited
from meetingprep.db import Base, LabeledEnum, enum_column
from meetingprep.documents.states import DocumentStatus


class AgendaItemKind(LabeledEnum):
    OPENING = "opening", "开幕大会"
    PLENARY = "plenary", "全体会议"
    GROUP = "group", "分组讨论"
    SPEECHES = "speeches", "大会发言"
    CLOSING = "closing", "闭幕大会"
    OTHER = "other", "其他"


class SpeechMode(LabeledEnum):
    ORAL = "oral", "口头发言"
    WRITTEN = "written", "书面发言"


class AgendaItem(Audited, Base):
    __tablename__ = "agenda_items"
    __audit_label__ = "议程"
    __table_args__ = (Index("ix_agenda_items_sitting_id_position", "sitting_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0, info={"label": "顺序"})
    starts_at: Mapped[dt.datetime] = mapped_column(info={"label": "开始时间"})
    kind: Mapped[AgendaItemKind] = mapped_column(enum_column(AgendaItemKind), info={"label": "类型"})
    title: Mapped[str] = mapped_column(String(200), info={"label": "议题"})
    room: Mapped[str] = mapped_column(String(120), default="", info={"label": "会议室"})
    #: The item is one discussion group's (分组讨论 in its own room); None = everyone at the sitting.
    discussion_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("discussion_groups.id", ondelete="SET NULL"), index=True, info={"label": "讨论组"})
    #: 主持人 as printed; when a user account is named, its display name is the default.
    presiding_name: Mapped[str] = mapped_column(String(80), default="", info={"label": "主持人"})
    presiding_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                          info={"label": "主持人账号"})
    version_id: Mapped[int] = mapped_column(default=1)

    presiding_user = relationship("User", lazy="raise")
    discussion_group = relationship("DiscussionGroup", lazy="raise")
    slots: Mapped[list[SpeechSlot]] = relationship(
        back_populates="item", cascade="all, delete-orphan", lazy="raise", passive_deletes=True,
        order_by="[SpeechSlot.mode, SpeechSlot.position, SpeechSlot.id]")

    __mapper_args__ = {"version_id_col": version_id}

    @property
    def has_speeches(self) -> bool:
        return self.kind == AgendaItemKind.SPEECHES


class SpeechSlot(Audited, Base):
    """One speech in a 大会发言 item's order. A speech is arranged once per meeting (UNIQUE document_id)."""

    __tablename__ = "speech_slots"
    __audit_label__ = "大会发言安排"
    __table_args__ = (
        UniqueConstraint("document_id"),
        Index("ix_speech_slots_item_id_mode_position", "item_id", "mode", "position"),
        CheckConstraint("minutes IS NULL OR (minutes >= 1 AND minutes <= 120)", name="minutes_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), info={"label": "发言稿"})
    mode: Mapped[SpeechMode] = mapped_column(enum_column(SpeechMode), info={"label": "发言方式"})
    position: Mapped[int] = mapped_column(default=0, info={"label": "顺序"})
    #: The oral slot's limit; None on the written list.
    minutes: Mapped[int | None] = mapped_column(info={"label": "限时（分钟）"})
    #: Who speaks, as printed (e.g. "张三（民建界）" or a 界别/党派 speaking as a body); blank = the submitter.
    speaker: Mapped[str] = mapped_column(String(120), default="", info={"label": "发言人"})
    version_id: Mapped[int] = mapped_column(default=1)

    item: Mapped[AgendaItem] = relationship(back_populates="slots", lazy="raise")
    document = relationship("Document", lazy="raise")

    __mapper_args__ = {"version_id_col": version_id}

    def audit_title(self) -> str:
        return f"发言稿 #{self.document_id}"

    @property
    def is_admitted(self) -> bool:
        """Only a speech at 定稿 stands in the order; ``document`` must be loaded."""
        return self.document.status == DocumentStatus.FINALIZED

    @property
    def speaker_label(self) -> str:
        """``document.submitter`` and ``document.drafters[*].user`` must be loaded."""
        if self.speaker:
            return self.speaker
        if self.document.submitter is not None:
            return self.document.submitter.display_name
        return "、".join(d.user.display_name for d in self.document.drafters)

    def spoken_by(self, user_id: int) -> bool:
        return user_id == self.document.submitter_id or user_id in self.document.drafter_ids
