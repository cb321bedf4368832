"""Materials handed out to members, their immutable versions, read receipts, and 会议简报.

A material is published once to one audience; every later 定稿 (or replaced PDF) is a new version with the
next number, so what a member read is always known (the receipt keeps the version number) and the earlier
versions stay in the record. A receipt is unique per (material, member): the database, not the application,
guarantees that two readings at once leave one row.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint, and_
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetingprep import uploads
from meetingprep.audit import Audited
from meetingprep.db import Base, LabeledEnum, enum_column
from meetingprep.timeutil import now


class Audience(LabeledEnum):
    """To whom a material goes (发放范围): members of the meeting's roster."""

    SITTING = "sitting", "会次应到人员"
    ALL = "all", "全体委员"
    STANDING = "standing", "常委"
    GROUPS = "groups", "指定讨论组"


class DownloadPolicy(LabeledEnum):
    """Whether readers may download the file. By default an internal material is read on screen only."""

    AUTO = "auto", "按默认（内部材料不可下载，其他可下载）"
    ALLOW = "allow", "允许下载"
    DENY = "deny", "不允许下载"


class ReadState(LabeledEnum):
    """A member's reading of a material, as the receipts page filters it."""

    READ = "read", "已阅"
    STALE = "stale", "阅过旧版"
    UNREAD = "unread", "未阅"


class Material(Audited, Base):
    __tablename__ = "materials"
    __audit_label__ = "会议材料"
    __audit_exclude__ = frozenset({"version_id", "current_version_id", "version_count", "reminder_count",
                                   "last_reminded_at", "created_at", "updated_at"})
    __table_args__ = (
        UniqueConstraint("document_id"),
        Index("ix_materials_meeting_id_published_at", "meeting_id", "published_at"),
        Index("ix_materials_sitting_id", "sitting_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200), info={"label": "标题"})
    sitting_id: Mapped[int | None] = mapped_column(ForeignKey("sittings.id", ondelete="SET NULL"),
                                                   info={"label": "会次"})
    audience: Mapped[Audience] = mapped_column(enum_column(Audience), default=Audience.ALL,
                                               info={"label": "发放范围"})
    is_internal: Mapped[bool] = mapped_column(Boolean, default=False, info={"label": "内部材料"})
    download: Mapped[DownloadPolicy] = mapped_column(enum_column(DownloadPolicy), default=DownloadPolicy.AUTO,
                                                     info={"label": "下载"})
    #: The reviewed document it comes from (a 定稿 replaces the published version); None for an uploaded PDF.
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"),
                                                    info={"label": "来源材料"})
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("material_versions.id", ondelete="SET NULL", use_alter=True))
    version_count: Mapped[int] = mapped_column(default=0)
    #: None until the first version is out (a 会议简报 waits for its 定稿).
    published_at: Mapped[dt.datetime | None] = mapped_column(info={"label": "发布时间"})
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                        info={"label": "发布人"})
    #: When a newer version last replaced the published one (已更新).
    updated_at: Mapped[dt.datetime | None]
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(info={"label": "撤回时间"})
    reminder_count: Mapped[int] = mapped_column(default=0)
    last_reminded_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=now)
    version_id: Mapped[int] = mapped_column(default=1)

    sitting = relationship("Sitting", lazy="raise")
    document = relationship("Document", lazy="raise")
    published_by = relationship("User", lazy="raise")
    groups: Mapped[list[MaterialGroup]] = relationship(cascade="all, delete-orphan", lazy="raise",
                                                       order_by="MaterialGroup.id")
    current_version: Mapped[MaterialVersion | None] = relationship(
        foreign_keys=[current_version_id], lazy="raise", post_update=True)

    __mapper_args__ = {"version_id_col": version_id}

    @hybrid_property
    def is_live(self) -> bool:
        """Published, not withdrawn: what members see. Python and SQL read this one rule."""
        return self.published_at is not None and self.withdrawn_at is None and self.current_version_id is not None

    @is_live.inplace.expression
    @classmethod
    def _is_live_expression(cls):
        return and_(cls.published_at.is_not(None), cls.withdrawn_at.is_(None), cls.current_version_id.is_not(None))

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def is_pending(self) -> bool:
        """Waiting for its first version (a 会议简报 not yet at 定稿)."""
        return self.published_at is None and self.withdrawn_at is None

    @property
    def is_updated(self) -> bool:
        return self.version_count > 1

    @property
    def is_downloadable(self) -> bool:
        return self.download == DownloadPolicy.ALLOW or (self.download == DownloadPolicy.AUTO and not self.is_internal)

    @property
    def group_ids(self) -> list[int]:
        """``groups`` must be loaded."""
        return [g.group_id for g in self.groups]


class MaterialGroup(Base):
    """A discussion group a material goes to (audience 指定讨论组)."""

    __tablename__ = "material_groups"
    __table_args__ = (UniqueConstraint("material_id", "group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("materials.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("discussion_groups.id", ondelete="CASCADE"), index=True)


class MaterialVersion(Base):
    """Immutable: a 定稿 version of the source document, or an uploaded PDF. Never edited, never deleted."""

    __tablename__ = "material_versions"
    __table_args__ = (UniqueConstraint("material_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("materials.id", ondelete="CASCADE"))
    number: Mapped[int]
    #: "text": the document version's text, shown as HTML; "pdf": pages drawn as images.
    kind: Mapped[str] = mapped_column(String(8))
    document_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("document_versions.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str | None] = mapped_column(String(200))
    original_name: Mapped[str] = mapped_column(String(200), default="")
    size: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    page_count: Mapped[int | None]
    note: Mapped[str] = mapped_column(String(200), default="")
    published_at: Mapped[dt.datetime] = mapped_column(default=now)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The uploader whose quota an uploaded PDF counts against (None: the file belongs to a document version).
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    published_by = relationship("User", foreign_keys=[published_by_id], lazy="raise")
    document_version = relationship("DocumentVersion", lazy="raise")

    @property
    def is_pdf(self) -> bool:
        return self.kind == "pdf"

    @property
    def label(self) -> str:
        return f"第{self.number}版"


class MaterialReceipt(Base):
    """阅读回执: a member's readings of a material. UNIQUE(material_id, member_id): one row, first and last time."""

    __tablename__ = "material_receipts"
    __table_args__ = (UniqueConstraint("material_id", "member_id"),
                      Index("ix_material_receipts_member_id", "member_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("materials.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member_profiles.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    first_opened_at: Mapped[dt.datetime]
    last_opened_at: Mapped[dt.datetime]
    open_count: Mapped[int] = mapped_column(default=1)
    #: The version last opened: below the material's current one means 阅过旧版.
    version_number: Mapped[int] = mapped_column(default=1)


class Briefing(Audited, Base):
    """会议简报 第 N 期: a document of type 会议简报, numbered per meeting, and the material it becomes."""

    __tablename__ = "briefings"
    __audit_label__ = "会议简报"
    __table_args__ = (UniqueConstraint("meeting_id", "number"), UniqueConstraint("document_id"),
                      UniqueConstraint("material_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(info={"label": "期数"})
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), info={"label": "简报"})
    material_id: Mapped[int] = mapped_column(ForeignKey("materials.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=now)

    document = relationship("Document", lazy="raise")
    material: Mapped[Material] = relationship(lazy="raise")

    def audit_title(self) -> str:
        return f"会议简报 第{self.number}期"

    @property
    def label(self) -> str:
        return f"第{self.number}期"


# Uploaded PDFs count towards their uploader's quota; versions taken from a document share its file.
uploads.count_towards_quota(MaterialVersion.size, MaterialVersion.uploaded_by_id,
                            MaterialVersion.uploaded_by_id.is_not(None))
