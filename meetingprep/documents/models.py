"""Documents under review (材料审核): types, pipeline templates, documents, immutable versions,
the stages copied from a template, their reviewers, decisions and comments."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from meetingprep import uploads
from meetingprep.audit import Audited
from meetingprep.db import Base, LabeledEnum, enum_column
from meetingprep.documents.states import ApprovalRule, Decision, DocumentStatus
from meetingprep.roles import Role
from meetingprep.timeutil import now


class DocumentTypeCode(LabeledEnum):
    """Seeded types the product itself relies on (the speech flow needs to find 大会发言)."""

    WORK_REPORT = "work_report", "常委会工作报告"
    PROPOSAL_REPORT = "proposal_report", "提案工作情况报告"
    SPEECH = "speech", "大会发言"
    OTHER = "other", "其他材料"
    BRIEFING = "briefing", "会议简报"  # numbered per meeting, published to members on 定稿 (materials)


class DocumentType(Audited, Base):
    __tablename__ = "document_types"
    __audit_label__ = "材料类型"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True, info={"label": "类型名称"})
    code: Mapped[str | None] = mapped_column(String(24), unique=True)
    sort_order: Mapped[int] = mapped_column(default=0, info={"label": "排序"})
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}


class PipelineTemplate(Audited, Base):
    """The secretariat's reusable review route; documents copy it, so edits never reach documents in flight."""

    __tablename__ = "pipeline_templates"
    __audit_label__ = "审核流程模板"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True, info={"label": "流程名称"})
    description: Mapped[str] = mapped_column(Text, default="", info={"label": "说明"})
    created_at: Mapped[dt.datetime] = mapped_column(default=now)
    version_id: Mapped[int] = mapped_column(default=1)

    stages: Mapped[list[PipelineTemplateStage]] = relationship(
        back_populates="template", cascade="all, delete-orphan", lazy="raise",
        order_by="PipelineTemplateStage.position")

    __mapper_args__ = {"version_id_col": version_id}


class StageRuleMixin:
    """The approval rule shared by a template stage and its copies."""

    name: Mapped[str] = mapped_column(String(60), info={"label": "阶段名称"})
    position: Mapped[int] = mapped_column(info={"label": "顺序"})
    rule: Mapped[ApprovalRule] = mapped_column(enum_column(ApprovalRule), default=ApprovalRule.ANY,
                                               info={"label": "通过规则"})
    required_count: Mapped[int] = mapped_column(default=1, info={"label": "需通过人数"})
    is_sequential: Mapped[bool] = mapped_column(Boolean, default=False, info={"label": "按顺序审核"})
    allowance_days: Mapped[int] = mapped_column(default=2, info={"label": "办理时限（天）"})

    @property
    def rule_text(self) -> str:
        text = f"至少 {self.required_count} 人通过" if self.rule == ApprovalRule.M_OF_N else self.rule.label
        return f"{text}（{'依次' if self.is_sequential else '并行'}）"


class PipelineTemplateStage(StageRuleMixin, Audited, Base):
    __tablename__ = "pipeline_template_stages"
    __audit_label__ = "流程模板阶段"
    __table_args__ = (UniqueConstraint("template_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("pipeline_templates.id", ondelete="CASCADE"), index=True)
    reviewer_role: Mapped[Role | None] = mapped_column(enum_column(Role), info={"label": "审核角色"})

    template: Mapped[PipelineTemplate] = relationship(back_populates="stages", lazy="raise")
    reviewers: Mapped[list[PipelineTemplateReviewer]] = relationship(
        cascade="all, delete-orphan", lazy="raise", order_by="PipelineTemplateReviewer.position")


class PipelineTemplateReviewer(Base):
    __tablename__ = "pipeline_template_reviewers"
    __table_args__ = (UniqueConstraint("stage_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("pipeline_template_stages.id", ondelete="CASCADE"),
                                          index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)

    user = relationship("User", lazy="raise")


class Document(Audited, Base):
    __tablename__ = "documents"
    __audit_label__ = "材料"
    __table_args__ = (
        Index("ix_documents_meeting_id_status", "meeting_id", "status"),
        Index("ix_documents_meeting_id_type_id", "meeting_id", "type_id"),
        Index("ix_documents_meeting_id_group_id", "meeting_id", "group_id"),
        Index("ix_documents_submitter_id", "submitter_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    type_id: Mapped[int] = mapped_column(ForeignKey("document_types.id", ondelete="RESTRICT"),
                                         info={"label": "类型"})
    title: Mapped[str] = mapped_column(String(200), info={"label": "标题"})
    group_id: Mapped[int | None] = mapped_column(ForeignKey("working_groups.id", ondelete="SET NULL"),
                                                 info={"label": "责任组"})
    due_on: Mapped[dt.date | None] = mapped_column(Date, info={"label": "完成日期"})
    status: Mapped[DocumentStatus] = mapped_column(enum_column(DocumentStatus), default=DocumentStatus.DRAFTING,
                                                   info={"label": "状态"})
    template_name: Mapped[str] = mapped_column(String(80), default="", info={"label": "审核流程"})
    current_stage_id: Mapped[int | None] = mapped_column(
        ForeignKey("document_stages.id", ondelete="SET NULL", use_alter=True), info={"label": "当前阶段"})
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("document_versions.id", ondelete="SET NULL", use_alter=True), info={"label": "当前版本"})
    version_count: Mapped[int] = mapped_column(default=0)
    #: Since when the document waits on whoever must act now (reviewers, drafters or the secretariat).
    waiting_since: Mapped[dt.datetime] = mapped_column(default=now)
    #: The committee member who submitted a speech (大会发言); None for the secretariat's documents.
    submitter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                     info={"label": "提交委员"})
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=now)
    finalized_at: Mapped[dt.datetime | None] = mapped_column(info={"label": "定稿时间"})
    version_id: Mapped[int] = mapped_column(default=1)

    # Status and the current stage/version change only through transitions, which record themselves
    # in words ("审核中 → 退回修改：意见"); the raw column changes would only repeat them.
    __audit_exclude__ = frozenset({"version_id", "waiting_since", "version_count", "status", "current_stage_id",
                                   "current_version_id", "created_at", "created_by_id", "meeting_id"})

    meeting = relationship("Meeting", lazy="raise")
    type: Mapped[DocumentType] = relationship(lazy="raise")
    group = relationship("WorkingGroup", lazy="raise")
    submitter = relationship("User", foreign_keys=[submitter_id], lazy="raise")
    drafters: Mapped[list[DocumentDrafter]] = relationship(
        back_populates="document", cascade="all, delete-orphan", lazy="raise", order_by="DocumentDrafter.id")
    stages: Mapped[list[DocumentStage]] = relationship(
        back_populates="document", cascade="all, delete-orphan", lazy="raise", order_by="DocumentStage.position",
        foreign_keys="DocumentStage.document_id")
    current_stage: Mapped[DocumentStage | None] = relationship(
        foreign_keys=[current_stage_id], lazy="raise", post_update=True)
    current_version: Mapped[DocumentVersion | None] = relationship(
        foreign_keys=[current_version_id], lazy="raise", post_update=True)

    __mapper_args__ = {"version_id_col": version_id}

    @property
    def drafter_ids(self) -> frozenset[int]:
        return frozenset(d.user_id for d in self.drafters)

    @property
    def is_speech(self) -> bool:
        return self.submitter_id is not None


class DocumentDrafter(Base):
    __tablename__ = "document_drafters"
    __table_args__ = (UniqueConstraint("document_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    document: Mapped[Document] = relationship(back_populates="drafters", lazy="raise")
    user = relationship("User", lazy="raise")


class DocumentVersion(Audited, Base):
    """Immutable once written: no edit path exists, and a version is never deleted while its document lives."""

    __tablename__ = "document_versions"
    __audit_label__ = "材料版本"
    __audit_exclude__ = frozenset({"text_content", "stored_name"})
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(info={"label": "版本号"})
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                  info={"label": "作者"})
    created_at: Mapped[dt.datetime] = mapped_column(default=now)
    note: Mapped[str] = mapped_column(String(500), default="", info={"label": "修改说明"})
    sha256: Mapped[str] = mapped_column(String(64), info={"label": "校验值"})
    #: "text" for text written in the browser, else the upload kind (docx, pdf, txt, md).
    kind: Mapped[str] = mapped_column(String(8), info={"label": "格式"})
    size: Mapped[int] = mapped_column(Integer, default=0)
    stored_name: Mapped[str | None] = mapped_column(String(200))
    original_name: Mapped[str] = mapped_column(String(200), default="", info={"label": "文件名"})
    #: The text compared by the diff; None when it cannot be extracted (PDF).
    text_content: Mapped[str | None] = deferred(mapped_column(Text))

    author = relationship("User", lazy="raise")

    def audit_meeting_id(self) -> int | None:
        return None

    def audit_title(self) -> str:
        return f"第 {self.number} 版"

    @property
    def is_file(self) -> bool:
        return self.stored_name is not None

    @property
    def label(self) -> str:
        return f"第{self.number}稿"


class DocumentStage(StageRuleMixin, Base):
    """One stage of one document, copied from the template at creation (the template may change later).

    ``round`` counts how often the stage started over on a new version; decisions belong to a round.
    ``decision_count`` is bumped by every decision so two reviewers deciding at once conflict on
    ``version_id`` and exactly one of them wins.
    """

    __tablename__ = "document_stages"
    __table_args__ = (
        UniqueConstraint("document_id", "position"),
        CheckConstraint("required_count >= 1", name="required_count_positive"),
        Index("ix_document_stages_due_at", "due_at"),
        # The board's stage filter lists the names in use by walking this index name by name.
        Index("ix_document_stages_name_document_id", "name", "document_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[dt.datetime | None]
    due_at: Mapped[dt.datetime | None]
    completed_at: Mapped[dt.datetime | None]
    decision_count: Mapped[int] = mapped_column(default=0)
    version_id: Mapped[int] = mapped_column(default=1)

    document: Mapped[Document] = relationship(back_populates="stages", lazy="raise", foreign_keys=[document_id])
    reviewers: Mapped[list[DocumentStageReviewer]] = relationship(
        back_populates="stage", cascade="all, delete-orphan", lazy="raise",
        order_by="DocumentStageReviewer.position")
    decisions: Mapped[list[ReviewDecision]] = relationship(
        back_populates="stage", cascade="all, delete-orphan", lazy="raise", order_by="ReviewDecision.id")

    __mapper_args__ = {"version_id_col": version_id}

    # Reading the rule (on loaded reviewers and decisions) ------------------------------------------
    def round_decisions(self) -> list[ReviewDecision]:
        return [d for d in self.decisions if d.round == self.round]

    def approver_ids(self) -> set[int]:
        return {d.reviewer_id for d in self.round_decisions() if d.decision == Decision.APPROVE}

    def pending_reviewers(self) -> list[DocumentStageReviewer]:
        """Whom the stage waits on now: in order, only the next one; in parallel, all who have not decided."""
        decided = {d.reviewer_id for d in self.round_decisions()}
        pending = [r for r in self.reviewers if r.user_id not in decided]
        return pending[:1] if self.is_sequential else pending

    def is_satisfied(self) -> bool:
        return len(self.approver_ids()) >= self.required_count

    def is_overdue_at(self, moment: dt.datetime) -> bool:
        return self.completed_at is None and self.due_at is not None and self.due_at < moment


class DocumentStageReviewer(Base):
    __tablename__ = "document_stage_reviewers"
    __table_args__ = (UniqueConstraint("stage_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("document_stages.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)

    stage: Mapped[DocumentStage] = relationship(back_populates="reviewers", lazy="raise")
    user = relationship("User", lazy="raise")


class ReviewDecision(Base):
    """A reviewer's decision on one version in one round of a stage; the database refuses a second one."""

    __tablename__ = "review_decisions"
    __table_args__ = (
        UniqueConstraint("stage_id", "reviewer_id", "round"),
        Index("ix_review_decisions_document_id_id", "document_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("document_stages.id", ondelete="CASCADE"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    doc_version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id", ondelete="CASCADE"))
    round: Mapped[int]
    decision: Mapped[Decision] = mapped_column(enum_column(Decision))
    comment: Mapped[str] = mapped_column(Text, default="")
    quote: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(default=now)

    stage: Mapped[DocumentStage] = relationship(back_populates="decisions", lazy="raise")
    reviewer = relationship("User", lazy="raise")
    doc_version: Mapped[DocumentVersion] = relationship(lazy="raise")


class DocumentComment(Base):
    """A remark on a version outside a decision; ``is_internal`` ones are never shown to the drafters."""

    __tablename__ = "document_comments"
    __table_args__ = (Index("ix_document_comments_document_id_id", "document_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    doc_version_id: Mapped[int | None] = mapped_column(ForeignKey("document_versions.id", ondelete="SET NULL"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    quote: Mapped[str] = mapped_column(Text, default="")
    is_internal: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=now)

    author = relationship("User", lazy="raise")
    doc_version: Mapped[DocumentVersion | None] = relationship(lazy="raise")


# Versions typed in the browser live in the database, not on disk: only uploaded files count.
uploads.count_towards_quota(DocumentVersion.size, DocumentVersion.author_id, DocumentVersion.stored_name.is_not(None))
