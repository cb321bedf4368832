"""领导批示 and 督办.

An instruction (批示) is written by a leader (or the secretariat, recording one) on a task or a document. It is
addressed to the people who answer for the object when it is written — a task's owner and its group's leads, a
document's drafters and its group's leads — each with a receipt (已阅 when acknowledged). Their reports
(办理情况) are replies. Nothing is ever edited or deleted: an instruction and its answers are the record.

督办 marks a task as followed by a leader (``Supervision``, one row per task while it lasts): it leads the
dashboard's risk list, its reminders go to that leader too, and its closure is reported to them. A row of its
own rather than a column of the task: marking it must not collide (version_id) with the owner's edits.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetingprep.audit import Audited
from meetingprep.db import Base, LabeledEnum, enum_column
from meetingprep.timeutil import now


class TargetKind(LabeledEnum):
    TASK = "task", "任务"
    DOCUMENT = "document", "材料"


class RecipientRole(LabeledEnum):
    OWNER = "owner", "责任人"
    DRAFTER = "drafter", "起草人"
    LEAD = "lead", "组长"


class Instruction(Audited, Base):
    __tablename__ = "instructions"
    __audit_label__ = "领导批示"
    __table_args__ = (
        Index("ix_instructions_task_id_id", "task_id", "id"),
        Index("ix_instructions_document_id_id", "document_id", "id"),
        Index("ix_instructions_meeting_id_id", "meeting_id", "id"),
        CheckConstraint("(task_id IS NULL) <> (document_id IS NULL)", name="one_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), info={"label": "任务"})
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"),
                                                    info={"label": "材料"})
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                  info={"label": "批示人"})
    body: Mapped[str] = mapped_column(Text, info={"label": "批示内容"})
    created_at: Mapped[dt.datetime] = mapped_column(default=now, info={"label": "批示时间"})

    author = relationship("User", lazy="raise")
    receipts: Mapped[list[InstructionReceipt]] = relationship(
        back_populates="instruction", cascade="all, delete-orphan", lazy="raise", order_by="InstructionReceipt.id")
    replies: Mapped[list[InstructionReply]] = relationship(
        back_populates="instruction", cascade="all, delete-orphan", lazy="raise", order_by="InstructionReply.id")

    @property
    def kind(self) -> TargetKind:
        return TargetKind.TASK if self.task_id is not None else TargetKind.DOCUMENT

    @property
    def target_id(self) -> int:
        return self.task_id if self.task_id is not None else self.document_id

    @property
    def recipient_ids(self) -> frozenset[int]:
        """``receipts`` must be loaded."""
        return frozenset(receipt.user_id for receipt in self.receipts)

    def receipt_of(self, user_id: int) -> InstructionReceipt | None:
        return next((receipt for receipt in self.receipts if receipt.user_id == user_id), None)

    @property
    def state_label(self) -> str:
        """已反馈 once anyone reported back; 已阅 once everyone acknowledged; else 待阅."""
        if self.replies:
            return "已反馈"
        if self.receipts and all(receipt.read_at is not None for receipt in self.receipts):
            return "已阅"
        return "待阅"

    def audit_title(self) -> str:
        return f"批示：{self.body[:60]}"


class InstructionReceipt(Audited, Base):
    """One addressee of an instruction; ``read_at`` is their 已阅."""

    __tablename__ = "instruction_receipts"
    __audit_label__ = "批示签收"
    __table_args__ = (UniqueConstraint("instruction_id", "user_id"),
                      Index("ix_instruction_receipts_user_id_read_at", "user_id", "read_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    instruction_id: Mapped[int] = mapped_column(ForeignKey("instructions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), info={"label": "承办人"})
    role: Mapped[RecipientRole] = mapped_column(enum_column(RecipientRole), info={"label": "身份"})
    read_at: Mapped[dt.datetime | None] = mapped_column(info={"label": "已阅时间"})

    instruction: Mapped[Instruction] = relationship(back_populates="receipts", lazy="raise")
    user = relationship("User", lazy="raise")

    def audit_meeting_id(self) -> int | None:
        return None

    def audit_title(self) -> str:
        return f"批示 #{self.instruction_id} 的签收"


class InstructionReply(Audited, Base):
    """办理情况: an addressee's report on what was done about the instruction."""

    __tablename__ = "instruction_replies"
    __audit_label__ = "批示办理情况"
    __table_args__ = (Index("ix_instruction_replies_instruction_id_id", "instruction_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instruction_id: Mapped[int] = mapped_column(ForeignKey("instructions.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                  info={"label": "报告人"})
    body: Mapped[str] = mapped_column(Text, info={"label": "办理情况"})
    created_at: Mapped[dt.datetime] = mapped_column(default=now, info={"label": "报告时间"})

    instruction: Mapped[Instruction] = relationship(back_populates="replies", lazy="raise")
    author = relationship("User", lazy="raise")

    def audit_meeting_id(self) -> int | None:
        return None

    def audit_title(self) -> str:
        return f"批示 #{self.instruction_id} 的办理情况"


class Supervision(Audited, Base):
    """督办: a task followed by a leader (``leader_id``), marked by that leader or by the secretariat."""

    __tablename__ = "task_supervisions"
    __audit_label__ = "督办"
    __table_args__ = (UniqueConstraint("task_id"), Index("ix_task_supervisions_meeting_id", "meeting_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), info={"label": "任务"})
    leader_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), info={"label": "督办领导"})
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                     info={"label": "标记人"})
    marked_at: Mapped[dt.datetime] = mapped_column(default=now, info={"label": "督办时间"})
    note: Mapped[str] = mapped_column(String(500), default="", info={"label": "督办要求"})

    leader = relationship("User", foreign_keys=[leader_id], lazy="raise")

    def audit_title(self) -> str:
        return f"任务 #{self.task_id} 督办"
