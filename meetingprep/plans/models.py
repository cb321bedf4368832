from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetingprep import uploads
from meetingprep.audit import Audited
from meetingprep.db import Base, enum_column
from meetingprep.meetings.models import Phase
from meetingprep.tasks.models import TaskPriority
from meetingprep.timeutil import now


class PlanTemplate(Audited, Base):
    """A meeting's task plan frozen for reuse: next year's 施工图 starts from it.

    Templates are written once and never edited (delete and save again), so there is no version counter.
    """

    __tablename__ = "plan_templates"
    __audit_label__ = "施工图模板"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True, info={"label": "模板名称"})
    description: Mapped[str] = mapped_column(Text, default="", info={"label": "说明"})
    source_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"),
                                                          info={"label": "来源会议"})
    item_count: Mapped[int] = mapped_column(default=0, info={"label": "任务数"})
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=now)

    source_meeting = relationship("Meeting", lazy="raise")
    created_by = relationship("User", lazy="raise")
    items: Mapped[list[PlanTemplateItem]] = relationship(
        back_populates="template", cascade="all, delete-orphan", passive_deletes=True, lazy="raise",
        order_by="PlanTemplateItem.key")

    def audit_meeting_id(self) -> int | None:
        return None


class PlanTemplateItem(Base):
    """One task of a template. Deadlines are relative to the opening date (Asia/Shanghai):
    ``due_offset_days`` = -7 and ``due_time`` = 17:00 means 开幕前7天 17:00.

    Items are not audited one by one: the template's creation is the event worth recording.
    """

    __tablename__ = "plan_template_items"
    __table_args__ = (UniqueConstraint("template_id", "key"),
                      Index("ix_plan_template_items_template_id_group_name", "template_id", "group_name"))

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("plan_templates.id", ondelete="CASCADE"))
    key: Mapped[int]  # 1, 2, 3 … within the template; predecessor_keys refer to it
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    group_name: Mapped[str] = mapped_column(String(60))
    phase: Mapped[Phase] = mapped_column(enum_column(Phase), default=Phase.BEFORE)
    priority: Mapped[TaskPriority] = mapped_column(enum_column(TaskPriority), default=TaskPriority.NORMAL)
    due_offset_days: Mapped[int]
    due_time: Mapped[dt.time] = mapped_column(Time)
    start_offset_days: Mapped[int | None]
    # keys of the items that must be done first (its hand-offs, 衔接); the column keeps its first name
    predecessor_keys: Mapped[list[int]] = mapped_column("depends_on", JSON, default=list)

    template: Mapped[PlanTemplate] = relationship(back_populates="items", lazy="raise")


class PendingImport(Base):
    """An uploaded .xlsx between preview and import. The file is re-parsed on confirm, so what is
    imported is exactly what the preview showed for the data as it is then; rows expire after a day."""

    __tablename__ = "plan_pending_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(200))
    original_name: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(default=0, server_default="0")  # bytes: counts towards the uploader's quota
    created_at: Mapped[dt.datetime] = mapped_column(default=now, index=True)

    meeting = relationship("Meeting", lazy="raise")


# A staged workbook is the uploader's until it is imported, abandoned or expires (a day): without this,
# one person could keep any number of them beside a full quota.
uploads.count_towards_quota(PendingImport.size, PendingImport.created_by_id)
