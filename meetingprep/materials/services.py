"""Materials rules: publish, change the scope, replace a PDF, withdraw, remind, record readings, 会议简报.

Every function takes the acting user first, checks the permission rule itself (views, the CLI and the demo
share one gate), writes the audit trail and flushes — never commits. A material's versions are added only by
``_add_version``: the first publishes it (members are told), a later one replaces the published version
(已更新, members are told again) and the earlier ones stay in the record. A 定稿 of a document that is
published reaches its material through ``signals.document_finalized`` (``_on_document_finalized``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import FileStorage

from meetingprep import audit, signals, timeutil
from meetingprep.attendance.models import DiscussionGroup, MemberProfile, Sitting
from meetingprep.auth.models import User
from meetingprep.concurrency import expect_version
from meetingprep.db import upsert_insert
from meetingprep.documents.models import Document, DocumentTypeCode, DocumentVersion
from meetingprep.documents.states import DocumentStatus
from meetingprep.errors import Conflict, InvalidTransition, ValidationFailed
from meetingprep.extensions import db
from meetingprep.materials import messages, pages
from meetingprep.materials.audience import audience_clause, reaches
from meetingprep.materials.models import (
    Audience,
    Briefing,
    DownloadPolicy,
    Material,
    MaterialGroup,
    MaterialReceipt,
    MaterialVersion,
)
from meetingprep.meetings.models import Meeting
from meetingprep.notifications.services import notify_kind
from meetingprep.permissions import require
from meetingprep.uploads import check_quota, read_upload, store_bytes, stored_path

log = logging.getLogger(__name__)

TITLE_MAX = 200


def material_link(material: Material) -> str:
    return f"/materials/{material.id}"


def _flush(message: str) -> None:
    try:
        db.session.flush()
    except (StaleDataError, IntegrityError) as error:
        raise Conflict(message) from error


# ── scope ───────────────────────────────────────────────────────────────────────────────────────
@dataclass
class Scope:
    """发放范围 and handling: to whom, for which sitting, internal or not, downloadable or not."""

    audience: Audience
    sitting_id: int | None = None
    group_ids: Sequence[int] = field(default_factory=tuple)
    is_internal: bool = False
    download: DownloadPolicy = DownloadPolicy.AUTO


def _check_scope(meeting_id: int, scope: Scope) -> Sitting | None:
    sitting = None
    if scope.sitting_id is not None:
        sitting = db.session.get(Sitting, scope.sitting_id)
        if sitting is None or sitting.meeting_id != meeting_id:
            raise ValidationFailed("请选择本次会议的会次。")
    if scope.audience == Audience.SITTING and sitting is None:
        raise ValidationFailed("发放范围为“会次应到人员”时，请选择会次。")
    if scope.audience == Audience.GROUPS:
        wanted = set(scope.group_ids)
        if not wanted:
            raise ValidationFailed("发放范围为“指定讨论组”时，请至少选择一个讨论组。")
        found = set(db.session.scalars(select(DiscussionGroup.id).where(
            DiscussionGroup.id.in_(wanted), DiscussionGroup.meeting_id == meeting_id)))
        if found != wanted:
            raise ValidationFailed("请选择本次会议的讨论组。")
    return sitting


def _apply_scope(material: Material, scope: Scope) -> None:
    material.audience, material.sitting_id = scope.audience, scope.sitting_id
    material.is_internal, material.download = scope.is_internal, scope.download
    wanted = list(dict.fromkeys(scope.group_ids)) if scope.audience == Audience.GROUPS else []
    if wanted != material.group_ids:
        material.groups[:] = [g for g in material.groups if g.group_id in wanted]
        have = set(material.group_ids)
        material.groups.extend(MaterialGroup(group_id=gid) for gid in wanted if gid not in have)


def _clean_title(title: str | None) -> str:
    title = (title or "").strip()
    if len(title) > TITLE_MAX:
        raise ValidationFailed(f"标题不能超过 {TITLE_MAX} 字。")
    return title


# ── versions ────────────────────────────────────────────────────────────────────────────────────
def _from_document_version(version: DocumentVersion) -> MaterialVersion:
    """A 定稿 version as a material version: its text (shown as HTML), or its PDF file (drawn as pages)."""
    if version.kind == "pdf":
        path = stored_path(version.stored_name)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise ValidationFailed("定稿的 PDF 文件不存在或无法读取，请联系管理员。") from error
        return MaterialVersion(kind="pdf", document_version_id=version.id, stored_name=version.stored_name,
                               original_name=version.original_name, size=version.size, sha256=version.sha256,
                               page_count=pages.page_count(data))
    text = db.session.scalar(select(DocumentVersion.text_content).where(DocumentVersion.id == version.id))
    if not (text or "").strip():
        raise ValidationFailed("定稿版本没有可显示的文字（Word 文件无法读取），请将定稿另存为 PDF 后上传发布。")
    return MaterialVersion(kind="text", document_version_id=version.id, original_name=version.original_name,
                           size=version.size, sha256=version.sha256)


def _from_upload(actor: User, file: FileStorage | None) -> MaterialVersion:
    data, kind = read_upload(file, allowed={"pdf"}, max_bytes=current_app.config["UPLOAD_MAX_BYTES"])
    count = pages.page_count(data)
    check_quota(db.session, actor.id, len(data))
    stored = store_bytes(db.session, data, file.filename, kind)
    return MaterialVersion(kind="pdf", stored_name=stored.stored_name, original_name=stored.original_name,
                           size=stored.size, sha256=stored.sha256, page_count=count, uploaded_by_id=actor.id)


def _add_version(actor: User | None, material: Material, version: MaterialVersion, note: str = "") -> MaterialVersion:
    """The material's next version becomes the published one; members in scope are told."""
    moment = timeutil.now()
    material.version_count += 1
    version.material_id, version.number = material.id, material.version_count
    version.note, version.published_at = note[:200], moment
    version.published_by_id = actor.id if actor else None
    db.session.add(version)
    _flush("该材料刚刚有人发布了新版本，请刷新后查看。")
    material.current_version = version
    first = material.published_at is None
    if first:
        material.published_at, material.published_by_id = moment, actor.id if actor else None
    else:
        material.updated_at = moment
    _flush("该材料刚刚有人发布了新版本，请刷新后查看。")
    sitting = db.session.get(Sitting, material.sitting_id) if material.sitting_id else None
    audit.record(db.session, "发布" if first else "更新版本", material, actor=actor,
                 message=f"{version.label}" + (f"：{note}" if note else "")
                 + (f" · 发放范围：{_scope_text(material, sitting)}" if first else ""))
    kind = messages.PUBLISHED if first else messages.UPDATED
    notify_kind(audience_user_ids(material), kind=kind.kind, link=material_link(material),
                values=messages.values(material.title, sitting_name=sitting.name if sitting else "",
                                       version_number=version.number),
                meeting_id=material.meeting_id, dedup_key=f"{kind.kind}:{material.id}:{version.number}")
    return version


def _scope_text(material: Material, sitting: Sitting | None) -> str:
    if material.audience == Audience.SITTING and sitting is not None:
        return f"{sitting.name}应到人员"
    if material.audience == Audience.GROUPS:
        names = db.session.scalars(select(DiscussionGroup.name).where(DiscussionGroup.id.in_(material.group_ids))
                                   .order_by(DiscussionGroup.sort_order, DiscussionGroup.name))
        return "、".join(names)
    return material.audience.label


def audience_user_ids(material: Material) -> list[int]:
    """The active accounts of the members the material goes to: one query."""
    return list(db.session.scalars(
        select(MemberProfile.user_id).select_from(Material)
        .join(MemberProfile, audience_clause())
        .join(User, User.id == MemberProfile.user_id)
        .where(Material.id == material.id, User.is_active_account)))


# ── publishing ──────────────────────────────────────────────────────────────────────────────────
@dataclass
class PublishData:
    scope: Scope
    title: str = ""
    document_id: int | None = None
    file: FileStorage | None = None
    note: str = ""


def _finalized_document(meeting: Meeting, document_id: int) -> Document:
    document = db.session.get(Document, document_id)
    if document is None or document.meeting_id != meeting.id:
        raise ValidationFailed("请选择本次会议已定稿的材料。")
    if document.status != DocumentStatus.FINALIZED or document.current_version_id is None:
        raise ValidationFailed(f"《{document.title}》当前为“{document.status.label}”，定稿后才能作为会议材料发布。")
    taken = db.session.scalar(select(Material.id).where(Material.document_id == document.id))
    if taken is not None:
        raise ValidationFailed(f"《{document.title}》已经发布过（或是会议简报，定稿后自动发布），不能重复发布；"
                               "如需调整发放范围，请在该材料的页面中修改。")
    return document


def publish(actor: User, meeting: Meeting, data: PublishData) -> Material:
    """A 定稿 document or an uploaded PDF, published at once to its audience."""
    require(actor, "material.manage")
    has_file = data.file is not None and bool(data.file.filename)
    if has_file == (data.document_id is not None):
        raise ValidationFailed("请选择一份已定稿的材料，或上传一个 PDF 文件（二选一）。")
    title = _clean_title(data.title)
    _check_scope(meeting.id, data.scope)
    if has_file:
        if not title:
            raise ValidationFailed("上传 PDF 发布时请填写材料标题。")
        version, document = _from_upload(actor, data.file), None
    else:
        document = _finalized_document(meeting, data.document_id)
        version = _from_document_version(db.session.get(DocumentVersion, document.current_version_id))
        title = title or document.title
    material = Material(meeting_id=meeting.id, title=title, document_id=document.id if document else None,
                        groups=[], created_at=timeutil.now())
    _apply_scope(material, data.scope)
    db.session.add(material)
    _flush("这份材料刚刚已被他人发布，请刷新后查看。")
    _add_version(actor, material, version, (data.note or "").strip())
    return material


def update_scope(actor: User, material: Material, *, title: str, scope: Scope,
                 version_id: int | str | None) -> None:
    """Title, sitting, audience and handling. Readings already recorded stay; the counts follow the new scope."""
    require(actor, "material.manage", material)
    expect_version(material, version_id, "该材料")
    title = _clean_title(title)
    if not title:
        raise ValidationFailed("请填写材料标题。")
    _check_scope(material.meeting_id, scope)
    material.title = title
    _apply_scope(material, scope)
    _flush("该材料已被他人修改，请刷新后重试。")


def replace_file(actor: User, material: Material, file: FileStorage | None, note: str = "") -> MaterialVersion:
    """A newer PDF replaces an uploaded material (a material from the pipeline follows its 定稿 by itself)."""
    require(actor, "material.manage", material)
    if material.document_id is not None:
        raise InvalidTransition("这份材料来自材料审核流程：新的定稿会自动替换已发布的版本，无需上传。")
    if material.is_withdrawn:
        raise InvalidTransition("这份材料已撤回，不能再更新。")
    return _add_version(actor, material, _from_upload(actor, file), (note or "").strip())


def withdraw(actor: User, material: Material, reason: str) -> None:
    """Members no longer see it; the material, its versions and its receipts stay in the record."""
    require(actor, "material.manage", material)
    if material.is_withdrawn:
        raise InvalidTransition("这份材料已经撤回。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("撤回材料请填写理由。")
    material.withdrawn_at = timeutil.now()
    audit.record(db.session, "撤回", material, actor=actor, message=reason[:500])
    _flush("该材料已被他人修改，请刷新后重试。")


# ── readings and reminders ──────────────────────────────────────────────────────────────────────
def takes_receipt(material: Material, member: MemberProfile) -> bool:
    """Only a member's opening of a published material meant for them is a 阅读回执: the secretariat's
    preview, a withdrawn material or one outside the member's scope leaves no trace."""
    return material.is_live and reaches(material, member.user_id)


def record_reading(material: Material, member: MemberProfile, user: User) -> int | None:
    """One receipt per (material, member), whoever reads first: the unique constraint decides (an upsert),
    so two phones opening at once leave one row with both openings counted. Returns the version number the
    member had opened before (None the first time), so the page can say 已更新."""
    before = db.session.scalar(select(MaterialReceipt.version_number).where(
        MaterialReceipt.material_id == material.id, MaterialReceipt.member_id == member.id))
    moment = timeutil.now()
    number = material.version_count
    statement = upsert_insert(MaterialReceipt, db.session.get_bind().dialect.name).values(
        material_id=material.id, member_id=member.id, user_id=user.id, first_opened_at=moment,
        last_opened_at=moment, open_count=1, version_number=number)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["material_id", "member_id"],
        set_={"last_opened_at": moment, "open_count": MaterialReceipt.open_count + 1, "version_number": number,
              "user_id": user.id}))
    return before


def unread_user_ids(material: Material) -> list[int]:
    """Active accounts of members in scope who have not opened the current version."""
    return list(db.session.scalars(
        select(MemberProfile.user_id).select_from(Material)
        .join(MemberProfile, audience_clause())
        .join(User, User.id == MemberProfile.user_id)
        .outerjoin(MaterialReceipt, (MaterialReceipt.material_id == Material.id)
                   & (MaterialReceipt.member_id == MemberProfile.id))
        .where(Material.id == material.id, User.is_active_account,
               (MaterialReceipt.id.is_(None)) | (MaterialReceipt.version_number < Material.version_count))))


def remind_unread(actor: User, material: Material, version_id: int | str | None) -> int:
    """One reminder, through every channel each member chose, to everyone in scope who has not opened the
    current version. The form carries the version it was drawn from: a second click is told, not repeated."""
    require(actor, "material.manage", material)
    if not material.is_live:
        raise InvalidTransition("只有已发布（未撤回）的材料可以提醒阅读。")
    try:
        seen = int(version_id) if version_id not in (None, "") else None
    except (TypeError, ValueError):
        seen = None
    if seen != material.version_id:
        raise Conflict("提醒刚刚已发出（或材料刚被修改），请查看最新的阅读情况后再决定是否再次提醒。")
    recipients = unread_user_ids(material)
    if not recipients:
        raise InvalidTransition("发放范围内有登录账号的委员都已阅读最新版本，无需提醒。")
    material.reminder_count += 1
    material.last_reminded_at = timeutil.now()
    _flush("提醒刚刚已发出，请刷新后查看。")
    sitting = db.session.get(Sitting, material.sitting_id) if material.sitting_id else None
    notify_kind(recipients, kind=messages.REMINDER.kind, link=material_link(material),
                values=messages.values(material.title, sitting_name=sitting.name if sitting else "",
                                       version_number=material.version_count),
                meeting_id=material.meeting_id, dedup_key=f"material.reminder:{material.id}:{material.reminder_count}")
    audit.record(db.session, "提醒未阅", material, actor=actor,
                 message=f"提醒 {len(recipients)} 位委员阅读第{material.version_count}版")
    db.session.flush()
    return len(recipients)


# ── 会议简报 ────────────────────────────────────────────────────────────────────────────────────
@dataclass
class BriefingData:
    scope: Scope
    drafter_ids: Sequence[int]
    template_id: int | None
    headline: str = ""
    group_id: int | None = None
    due_on: object = None


def next_briefing_number(meeting_id: int) -> int:
    return (db.session.scalar(select(func.max(Briefing.number)).where(Briefing.meeting_id == meeting_id)) or 0) + 1


def create_briefing(actor: User, meeting: Meeting, data: BriefingData) -> Briefing:
    """会议简报 第 N 期: a document of type 会议简报 in the pipeline, and its material waiting for the 定稿
    (then published to the scope chosen here). The number is the meeting's next; two at once: one wins."""
    from meetingprep.documents import services as documents

    require(actor, "material.manage")
    headline = _clean_title(data.headline)
    _check_scope(meeting.id, data.scope)
    number = next_briefing_number(meeting.id)
    title = f"会议简报 第{number}期" + (f"：{headline}" if headline else "")
    if len(title) > TITLE_MAX:
        raise ValidationFailed(f"简报标题不能超过 {TITLE_MAX - 12} 字。")
    briefing_type = documents.ensure_default_types()[DocumentTypeCode.BRIEFING.value]
    document = documents.create_document(actor, meeting, documents.DocumentData(
        title=title, type_id=briefing_type.id, drafter_ids=data.drafter_ids, group_id=data.group_id,
        due_on=data.due_on, template_id=data.template_id))
    material = Material(meeting_id=meeting.id, title=title, document_id=document.id, groups=[],
                        created_at=timeutil.now())
    _apply_scope(material, data.scope)
    db.session.add(material)
    _flush(f"第{number}期简报刚刚已由他人创建，请刷新后重试。")
    briefing = Briefing(meeting_id=meeting.id, number=number, document_id=document.id, material_id=material.id,
                        created_by_id=actor.id, created_at=timeutil.now())
    db.session.add(briefing)
    _flush(f"第{number}期简报刚刚已由他人创建，请刷新后重试。")
    return briefing


# ── a 定稿 reaches its material ──────────────────────────────────────────────────────────────────
@signals.document_finalized.connect
def _on_document_finalized(document: Document, actor: User | None = None, **_kw) -> None:
    """The document's material (if it has one and it is not withdrawn) gets the 定稿 as its next version:
    a 会议简报 is published to its scope, a published material is replaced (已更新). A 定稿 that cannot be
    shown (a Word file without readable text) leaves the material as it was and says so in its record,
    rather than refuse the reviewer's decision."""
    material = db.session.scalar(select(Material).where(Material.document_id == document.id)
                                 .options(selectinload(Material.groups)))
    if material is None or material.is_withdrawn or document.current_version_id is None:
        return
    if material.current_version_id is not None and db.session.scalar(
            select(MaterialVersion.document_version_id).where(MaterialVersion.id == material.current_version_id)
    ) == document.current_version_id:
        return
    try:
        version = _from_document_version(db.session.get(DocumentVersion, document.current_version_id))
    except ValidationFailed as error:
        log.warning("material %s not updated from document %s: %s", material.id, document.id, error.message)
        audit.record(db.session, "未能更新", material, actor=actor, message=error.message)
        return
    _add_version(actor, material, version, "定稿")

