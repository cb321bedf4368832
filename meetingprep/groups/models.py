from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetingprep.audit import Audited
from meetingprep.db import Base


class WorkingGroup(Audited, Base):
    __tablename__ = "working_groups"
    __audit_label__ = "工作组"
    __table_args__ = (UniqueConstraint("meeting_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60), info={"label": "组名"})
    duties: Mapped[str] = mapped_column(Text, default="", info={"label": "职责"})
    sort_order: Mapped[int] = mapped_column(default=0, info={"label": "排序"})
    version_id: Mapped[int] = mapped_column(default=1)

    meeting = relationship("Meeting", lazy="raise")
    memberships: Mapped[list[GroupMembership]] = relationship(
        back_populates="group", cascade="all, delete-orphan", lazy="raise",
        order_by="(GroupMembership.is_lead.desc(), GroupMembership.id)")

    __mapper_args__ = {"version_id_col": version_id}


class GroupMembership(Audited, Base):
    __tablename__ = "group_memberships"
    __audit_label__ = "工作组成员"
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True, info={"label": "成员"})
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False, info={"label": "组长"})

    group: Mapped[WorkingGroup] = relationship(back_populates="memberships", lazy="raise")
    user = relationship("User", lazy="raise")

    def audit_title(self) -> str:
        return f"成员 #{self.user_id} @ 工作组 #{self.group_id}"
