"""Discussion opinions (分组讨论意见) and the recorders who enter them.

An opinion points at the version that was current when it was raised and at one of its paragraphs
(``paragraph_number``, 1-based as in the diff; None = the document as a whole), and keeps that paragraph's
text: later versions move paragraphs about, and the opinion must still say what it was about. The member's
name is kept beside the roster link for the same reason (a member may leave the roster).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetingprep.audit import Audited
from meetingprep.db import Base, LabeledEnum, enum_column
from meetingprep.timeutil import now


class OpinionResponse(LabeledEnum):
    ADOPTED = "adopted", "采纳"
    PARTLY = "partly", "部分采纳"
    DECLINED = "declined", "未采纳"
    EXPLAINED = "explained", "已说明"


@dataclass(frozen=True)
class ResponseRule:
    """What an answer must carry: the version that takes the opinion up, and/or a note (reason, explanation)."""

    needs_version: bool
    allows_version: bool
    needs_note: bool
    note_label: str


#: The answers and what each requires: one table, read by the service, the form's help and the report.
RESPONSE_RULES: dict[OpinionResponse, ResponseRule] = {
    OpinionResponse.ADOPTED: ResponseRule(needs_version=True, allows_version=True, needs_note=False,
                                          note_label="说明（可选）"),
    OpinionResponse.PARTLY: ResponseRule(needs_version=False, allows_version=True, needs_note=True,
                                         note_label="采纳了哪些、哪些未采纳"),
    OpinionResponse.DECLINED: ResponseRule(needs_version=False, allows_version=False, needs_note=True,
                                           note_label="未采纳的理由"),
    OpinionResponse.EXPLAINED: ResponseRule(needs_version=False, allows_version=False, needs_note=True,
                                            note_label="说明"),
}

RESPONSE_BADGES = {
    OpinionResponse.ADOPTED: "success",
    OpinionResponse.PARTLY: "info",
    OpinionResponse.DECLINED: "secondary",
    OpinionResponse.EXPLAINED: "primary",
}


class DiscussionRecorder(Audited, Base):
    """A discussion group's recorder (记录员), named by the secretariat; a group may have several."""

    __tablename__ = "discussion_recorders"
    __audit_label__ = "讨论组记录员"
    __table_args__ = (UniqueConstraint("discussion_group_id", "user_id"),
                      Index("ix_discussion_recorders_user_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    discussion_group_id: Mapped[int] = mapped_column(ForeignKey("discussion_groups.id", ondelete="CASCADE"),
                                                     info={"label": "讨论组"})
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), info={"label": "记录员"})

    discussion_group = relationship("DiscussionGroup", lazy="raise")
    user = relationship("User", lazy="raise")

    def audit_title(self) -> str:
        return f"讨论组 #{self.discussion_group_id} 记录员 用户 #{self.user_id}"


class DiscussionOpinion(Audited, Base):
    __tablename__ = "discussion_opinions"
    __audit_label__ = "分组讨论意见"
    __audit_exclude__ = frozenset({"version_id", "paragraph_text", "recorded_at", "answered_at", "meeting_id"})
    __table_args__ = (
        Index("ix_discussion_opinions_document_id_id", "document_id", "id"),
        Index("ix_discussion_opinions_member_id", "member_id"),
        Index("ix_discussion_opinions_discussion_group_id", "discussion_group_id"),
        Index("ix_discussion_opinions_meeting_id_response", "meeting_id", "response"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), info={"label": "材料"})
    discussion_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("discussion_groups.id", ondelete="SET NULL"), info={"label": "讨论组"})
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member_profiles.id", ondelete="SET NULL"),
                                                  info={"label": "提出委员"})
    member_name: Mapped[str] = mapped_column(String(40), info={"label": "委员姓名"})
    doc_version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id", ondelete="CASCADE"),
                                                info={"label": "针对版本"})
    #: 1-based, as the diff numbers paragraphs; None: the document as a whole.
    paragraph_number: Mapped[int | None] = mapped_column(info={"label": "段落"})
    paragraph_text: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, info={"label": "意见内容"})
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                       info={"label": "记录人"})
    recorded_at: Mapped[dt.datetime] = mapped_column(default=now)
    response: Mapped[OpinionResponse | None] = mapped_column(enum_column(OpinionResponse), info={"label": "答复"})
    response_note: Mapped[str] = mapped_column(Text, default="", info={"label": "答复说明"})
    response_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("document_versions.id", ondelete="SET NULL"), info={"label": "采纳版本"})
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                       info={"label": "答复人"})
    answered_at: Mapped[dt.datetime | None]
    version_id: Mapped[int] = mapped_column(default=1)

    document = relationship("Document", lazy="raise")
    discussion_group = relationship("DiscussionGroup", lazy="raise")
    member = relationship("MemberProfile", lazy="raise")
    doc_version = relationship("DocumentVersion", foreign_keys=[doc_version_id], lazy="raise")
    response_version = relationship("DocumentVersion", foreign_keys=[response_version_id], lazy="raise")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id], lazy="raise")
    answered_by = relationship("User", foreign_keys=[answered_by_id], lazy="raise")

    __mapper_args__ = {"version_id_col": version_id}

    @hybrid_property
    def is_answered(self) -> bool:
        return self.response is not None

    @is_answered.inplace.expression
    @classmethod
    def _is_answered_expression(cls):
        return cls.response.is_not(None)

    @property
    def paragraph_label(self) -> str:
        return "全文" if self.paragraph_number is None else f"第{self.paragraph_number}段"

    @property
    def badge(self) -> str:
        return RESPONSE_BADGES[self.response] if self.response is not None else "warning"

    @property
    def response_label(self) -> str:
        return self.response.label if self.response is not None else "待答复"

    def audit_title(self) -> str:
        return f"{self.member_name}：{self.body[:40]}"
