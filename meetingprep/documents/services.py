"""Document review rules: templates, documents, versions, the review state machine, speech submissions.

Every function takes the acting user first, checks the permission rule itself (views, the CLI and
the demo share one gate), writes the audit trail and flushes — never commits. Transitions go through
``_transition`` only, which consults the table in ``states.py``.

Role reviewers: a template stage may name a role instead of (or besides) people. The role is resolved
to the active users holding it when a document copies the template, like the rest of the copy: the
people a document waits on never change behind its back, 待我审核 is a plain join, and the 审签单 names
who was asked. A user given the role later joins documents created after that.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import FileStorage

from meetingprep import audit, signals, timeutil
from meetingprep.auth.models import User
from meetingprep.concurrency import expect_version
from meetingprep.documents import messages
from meetingprep.documents.models import (
    Document,
    DocumentComment,
    DocumentDrafter,
    DocumentStage,
    DocumentStageReviewer,
    DocumentType,
    DocumentTypeCode,
    DocumentVersion,
    PipelineTemplate,
    PipelineTemplateReviewer,
    PipelineTemplateStage,
    ReviewDecision,
)
from meetingprep.documents.states import (
    TRANSITIONS,
    VERSION_ACTIONS,
    VERSION_REFUSALS,
    ApprovalRule,
    Decision,
    DocumentStatus,
    ReviewAction,
    allowed,
)
from meetingprep.documents.text import extract_text
from meetingprep.errors import Conflict, InvalidTransition, NotAllowed, NotFound, ValidationFailed
from meetingprep.extensions import db
from meetingprep.groups.models import GroupMembership
from meetingprep.meetings.models import Meeting
from meetingprep.notifications.services import notify_kind, settle
from meetingprep.permissions import Role, require
from meetingprep.uploads import check_quota, read_upload, store_bytes

UPLOAD_KINDS = {"docx", "pdf", "txt", "md"}
TEXT_MAX_CHARS = 200_000


def document_link(document: Document) -> str:
    return f"/documents/{document.id}"


def _flush(conflict_message: str) -> None:
    """Flush, turning a lost race (stale version counter, unique decision) into a clear Conflict."""
    try:
        db.session.flush()
    except (StaleDataError, IntegrityError) as error:
        raise Conflict(conflict_message) from error


# ── document types ──────────────────────────────────────────────────────────────────────────────
def ensure_default_types() -> dict[str, DocumentType]:
    """The four seeded types, created when missing; {code: type}."""
    existing = {t.code: t for t in db.session.scalars(select(DocumentType).where(DocumentType.code.is_not(None)))}
    taken = set(db.session.scalars(select(DocumentType.name)))
    for order, code in enumerate(DocumentTypeCode):
        if code.value not in existing:
            name = code.label if code.label not in taken else f"{code.label}（系统）"
            existing[code.value] = DocumentType(name=name, code=code.value, sort_order=order * 10)
            db.session.add(existing[code.value])
    db.session.flush()
    return existing


def save_document_type(actor: User, doc_type: DocumentType | None, *, name: str, sort_order: int = 0,
                       version_id: int | str | None = None) -> DocumentType:
    require(actor, "document.configure")
    name = name.strip()
    if not name:
        raise ValidationFailed("请填写类型名称。")
    clash = db.session.scalar(select(DocumentType.id).where(DocumentType.name == name))
    if clash is not None and (doc_type is None or clash != doc_type.id):
        raise ValidationFailed(f"已有名为“{name}”的材料类型。")
    if doc_type is None:
        doc_type = DocumentType(name=name, sort_order=sort_order)
        db.session.add(doc_type)
    else:
        expect_version(doc_type, version_id, "该材料类型")
        doc_type.name, doc_type.sort_order = name, sort_order
    _flush("该材料类型已被他人修改，请刷新后重试。")
    return doc_type


# ── pipeline templates ──────────────────────────────────────────────────────────────────────────
@dataclass
class StageData:
    name: str
    reviewer_ids: Sequence[int] = field(default_factory=tuple)
    reviewer_role: Role | None = None
    rule: ApprovalRule = ApprovalRule.ANY
    required_count: int | None = None
    is_sequential: bool = False
    allowance_days: int = 2


def _required(rule: ApprovalRule, m: int | None, n: int) -> int:
    if rule == ApprovalRule.ANY:
        return 1
    if rule == ApprovalRule.ALL:
        return max(n, 1)
    return m or 1


def _check_stage(stage: StageData) -> None:
    if not stage.name:
        raise ValidationFailed("每个阶段都需要名称。")
    if stage.reviewer_role == Role.MEMBER:
        raise ValidationFailed("委员不能作为审核角色，请选择具体审核人或其他角色。")
    if not stage.reviewer_ids and stage.reviewer_role is None:
        raise ValidationFailed(f"阶段“{stage.name}”还没有审核人：请选择审核人或审核角色。")
    if stage.rule == ApprovalRule.M_OF_N:
        if not stage.required_count or stage.required_count < 1:
            raise ValidationFailed(f"阶段“{stage.name}”选择了“M 人通过”，请填写需通过的人数。")
        if stage.reviewer_role is None and stage.required_count > len(stage.reviewer_ids):
            raise ValidationFailed(f"阶段“{stage.name}”需 {stage.required_count} 人通过，"
                                   f"但只指定了 {len(stage.reviewer_ids)} 位审核人。")
    if not 0 <= stage.allowance_days <= 365:
        raise ValidationFailed(f"阶段“{stage.name}”的办理时限应在 0 到 365 天之间。")


def save_template(actor: User, template: PipelineTemplate | None, *, name: str, description: str,
                  stages: Sequence[StageData], version_id: int | str | None = None) -> PipelineTemplate:
    """Create or replace a template's stages. Documents already created keep their own copies."""
    require(actor, "document.configure")
    if not name:
        raise ValidationFailed("请填写流程名称。")
    if not stages:
        raise ValidationFailed("流程至少需要一个审核阶段。")
    for stage in stages:
        _check_stage(stage)
    clash = db.session.scalar(select(PipelineTemplate.id).where(PipelineTemplate.name == name))
    if clash is not None and (template is None or clash != template.id):
        raise ValidationFailed(f"已有名为“{name}”的审核流程。")
    if template is None:
        template = PipelineTemplate(name=name, description=description, stages=[])
        db.session.add(template)
    else:
        expect_version(template, version_id, "该审核流程")
        template.name, template.description = name, description
        template.stages.clear()
        db.session.flush()  # the old positions are free again before the new rows arrive
    for position, stage in enumerate(stages):
        row = PipelineTemplateStage(
            position=position, name=stage.name, reviewer_role=stage.reviewer_role, rule=stage.rule,
            required_count=_required(stage.rule, stage.required_count, len(stage.reviewer_ids)),
            is_sequential=stage.is_sequential, allowance_days=stage.allowance_days,
            reviewers=[PipelineTemplateReviewer(user_id=uid, position=i)
                       for i, uid in enumerate(dict.fromkeys(stage.reviewer_ids))])
        template.stages.append(row)
    flag_modified(template, "name")  # a change of stages only still bumps the template's counter
    _flush("该审核流程已被他人修改，请刷新后重试。")
    return template


def _load_template(template_id: int) -> PipelineTemplate:
    from meetingprep.documents.queries import template_with_stages

    template = template_with_stages(template_id)
    if template is None:
        raise ValidationFailed("请选择有效的审核流程。")
    return template


def _copy_pipeline(document: Document, template: PipelineTemplate) -> None:
    """Give the document its own stages: later edits to the template never reach it."""
    role_users: dict[Role, list[int]] = {}
    named = {r.user_id for source in template.stages for r in source.reviewers}
    active = set(db.session.scalars(select(User.id).where(User.id.in_(named), User.is_active_account))) \
        if named else set()
    for position, source in enumerate(template.stages):
        user_ids = [r.user_id for r in source.reviewers if r.user_id in active]  # a deactivated account is skipped
        if source.reviewer_role is not None:
            if source.reviewer_role not in role_users:
                role_users[source.reviewer_role] = list(db.session.scalars(
                    select(User.id).where(User.role == source.reviewer_role, User.is_active_account)
                    .order_by(User.id)))
            user_ids += [uid for uid in role_users[source.reviewer_role] if uid not in user_ids]
        if not user_ids:
            raise ValidationFailed(f"流程阶段“{source.name}”没有可用的审核人（该角色下没有启用的用户）。")
        required = source.required_count if source.rule == ApprovalRule.M_OF_N else \
            _required(source.rule, None, len(user_ids))
        document.stages.append(DocumentStage(
            position=position, name=source.name, rule=source.rule, required_count=min(required, len(user_ids)),
            is_sequential=source.is_sequential, allowance_days=source.allowance_days, decisions=[],
            reviewers=[DocumentStageReviewer(user_id=uid, position=i) for i, uid in enumerate(user_ids)]))
    document.template_name = template.name


# ── the state machine ───────────────────────────────────────────────────────────────────────────
def _transition(actor: User | None, document: Document, action: ReviewAction, note: str = "") -> None:
    transition = TRANSITIONS[action]
    if document.status not in transition.sources:
        raise InvalidTransition(f"文件当前为“{document.status.label}”，不能{action.label}。")
    if transition.needs_comment and not note.strip():
        raise ValidationFailed(f"{action.label}需要填写意见或理由。")
    old = document.status
    document.status = transition.target
    moved = f"{old.label} → {transition.target.label}" if old != transition.target else ""
    audit.record(db.session, action.label, document, actor=actor,
                 message="：".join(part for part in (moved, note) if part)[:500])


def _start_stage(document: Document, stage: DocumentStage, at: dt.datetime) -> None:
    """A stage (re)starts on the current version: a new round, its time allowance counted afresh."""
    stage.round += 1
    stage.started_at = at
    stage.due_at = at + dt.timedelta(days=stage.allowance_days)
    stage.completed_at = None
    document.current_stage = stage
    document.waiting_since = at
    _notify_pending(document, stage)


def _notify_pending(document: Document, stage: DocumentStage) -> None:
    """Whom the stage waits on now is told at once (editable wording ``document.review``); the reminder
    when its time allowance runs out is a rule in ``reminders.py``."""
    pending = [r.user_id for r in stage.pending_reviewers()]
    notify_kind(pending, kind=messages.REVIEW.kind, link=document_link(document), meeting_id=document.meeting_id,
                values=messages.values(document.title, stage_name=stage.name, version_number=document.version_count,
                                       allowance_days=stage.allowance_days, due_at=stage.due_at),
                dedup_key=f"{_review_key_prefix(document, stage)}{stage.round}:{len(stage.round_decisions())}")


def _review_key_prefix(document: Document, stage: DocumentStage) -> str:
    return f"document.review:{document.id}:{stage.id}:"


def _drafter_ids(document: Document) -> set[int]:
    return set(document.drafter_ids) | ({document.submitter_id} if document.submitter_id else set())


# ── documents ───────────────────────────────────────────────────────────────────────────────────
@dataclass
class DocumentData:
    title: str
    type_id: int
    drafter_ids: Sequence[int]
    group_id: int | None = None
    due_on: dt.date | None = None
    template_id: int | None = None


def _check_document_data(meeting: Meeting, data: DocumentData) -> None:
    from meetingprep.groups.models import WorkingGroup

    if not data.title:
        raise ValidationFailed("请填写材料标题。")
    if db.session.get(DocumentType, data.type_id) is None:
        raise ValidationFailed("请选择有效的材料类型。")
    if data.group_id is not None:
        group = db.session.get(WorkingGroup, data.group_id)
        if group is None or group.meeting_id != meeting.id:
            raise ValidationFailed("请选择本次会议的工作组。")
    if not data.drafter_ids:
        raise ValidationFailed("请至少指定一位起草人。")
    found = set(db.session.scalars(select(User.id).where(User.id.in_(data.drafter_ids), User.is_active_account)))
    if found != set(data.drafter_ids):
        raise ValidationFailed("起草人中有无效或已停用的用户。")


def create_document(actor: User, meeting: Meeting, data: DocumentData) -> Document:
    require(actor, "document.create")
    _check_document_data(meeting, data)
    if data.template_id is None:
        raise ValidationFailed("请选择审核流程。")
    template = _load_template(data.template_id)
    document = Document(meeting_id=meeting.id, type_id=data.type_id, title=data.title, group_id=data.group_id,
                        due_on=data.due_on, status=DocumentStatus.DRAFTING, created_by_id=actor.id,
                        waiting_since=timeutil.now(), stages=[], current_stage=None, current_version=None,
                        drafters=[DocumentDrafter(user_id=uid) for uid in dict.fromkeys(data.drafter_ids)])
    _copy_pipeline(document, template)
    db.session.add(document)
    db.session.flush()
    notify_kind(document.drafter_ids, kind=messages.DRAFT.kind, values=messages.values(document.title),
                link=document_link(document), meeting_id=meeting.id, dedup_key=f"document.draft:{document.id}")
    return document


def update_document(actor: User, document: Document, data: DocumentData, version_id: int | str | None) -> None:
    """Title, type, group, due date and drafters; the pipeline is not edited here."""
    require(actor, "document.edit", document)
    expect_version(document, version_id, "该材料")
    _check_document_data(db.session.get(Meeting, document.meeting_id), data)
    document.title, document.type_id = data.title, data.type_id
    document.group_id, document.due_on = data.group_id, data.due_on
    wanted = list(dict.fromkeys(data.drafter_ids))
    if wanted != [d.user_id for d in document.drafters]:
        document.drafters[:] = [d for d in document.drafters if d.user_id in wanted]
        have = document.drafter_ids
        document.drafters.extend(DocumentDrafter(user_id=uid) for uid in wanted if uid not in have)
        audit.record(db.session, "修改起草人", document, actor=actor, changes={"drafters": [None, wanted]})
    _flush("该材料已被他人修改，请刷新后重试。")


# ── versions ────────────────────────────────────────────────────────────────────────────────────
def add_version(actor: User, document: Document, *, file: FileStorage | None = None, text: str | None = "",
                note: str | None = "") -> DocumentVersion:
    """A new immutable version; in 起草中/退回修改 it enters review (back at the stage that returned it)."""
    require(actor, "document.add_version", document)
    action = VERSION_ACTIONS.get(document.status)
    if action is None:
        raise InvalidTransition(VERSION_REFUSALS[document.status])
    has_file = file is not None and bool(file.filename)
    text, note = (text or "").strip(), (note or "").strip()
    if has_file == bool(text):
        raise ValidationFailed("请上传一个文件，或在文本框中填写正文（二选一）。")
    if len(note) > 500:
        raise ValidationFailed("修改说明不能超过 500 字。")
    if has_file:
        data, kind = read_upload(file, allowed=UPLOAD_KINDS, max_bytes=current_app.config["UPLOAD_MAX_BYTES"])
        content = extract_text(data, kind)
        check_quota(db.session, actor.id, len(data))
        stored = store_bytes(db.session, data, file.filename, kind)
        version = DocumentVersion(kind=kind, size=stored.size, sha256=stored.sha256,
                                  stored_name=stored.stored_name, original_name=stored.original_name,
                                  text_content=content)
    else:
        if len(text) > TEXT_MAX_CHARS:
            raise ValidationFailed(f"正文太长：不能超过 {TEXT_MAX_CHARS} 字，请改为上传文件。")
        raw = text.encode("utf-8")
        version = DocumentVersion(kind="text", size=len(raw), sha256=hashlib.sha256(raw).hexdigest(),
                                  text_content=text)
    document.version_count += 1
    version.document_id, version.number = document.id, document.version_count
    version.author_id, version.note, version.created_at = actor.id, note, timeutil.now()
    db.session.add(version)
    _flush("该材料刚刚有人提交了新版本，请刷新后查看。")
    document.current_version = version
    _transition(actor, document, action, note=f"第{version.number}稿")
    if action == ReviewAction.SUBMIT:
        stage = document.current_stage or document.stages[0]
        _start_stage(document, stage, timeutil.now())
    _flush("该材料刚刚有人提交了新版本，请刷新后查看。")
    return version


# ── review decisions ────────────────────────────────────────────────────────────────────────────
def decide(actor: User, document: Document, decision: Decision, *, comment: str | None = "",
           quote: str | None = "", version_number: int | None = None) -> ReviewDecision:
    """Approve or return the current version at the current stage.

    Every decision bumps the stage's counter, so two reviewers deciding at the same moment are
    serialised by the database: one wins, the other is told what happened instead of racing.
    """
    comment, quote = (comment or "").strip(), (quote or "").strip()
    action = ReviewAction.APPROVE if decision == Decision.APPROVE else ReviewAction.RETURN
    if not allowed(action, document.status):
        raise InvalidTransition(f"文件当前为“{document.status.label}”，不在审核中，不能{decision.label}。")
    ensure_may_decide(actor, document)
    stage = document.current_stage
    version = document.current_version
    if version_number is not None and version.number != version_number:
        raise Conflict(f"文件已有新版本（第{version.number}稿），您看到的是旧版本。请查看新版本后再作决定。")
    pending = stage.pending_reviewers()
    if actor.id not in {r.user_id for r in pending}:
        if any(d.reviewer_id == actor.id for d in stage.round_decisions()):
            raise Conflict("您已对本版本作出过决定，无需重复提交。")
        names = "、".join(r.user.display_name for r in pending) or "其他审核人"
        raise InvalidTransition(f"本阶段按顺序审核，请等{names}审核后再作决定。")
    if decision == Decision.APPROVE and version.author_id == actor.id:
        raise NotAllowed("您是这一稿的作者，不能审核通过自己撰写的版本。")
    if decision == Decision.RETURN and not comment.strip():
        raise ValidationFailed("退回修改时请填写意见，告诉起草人需要改什么。")
    at = timeutil.now()
    record = ReviewDecision(stage_id=stage.id, document_id=document.id, reviewer_id=actor.id,
                            doc_version_id=version.id, round=stage.round, decision=decision,
                            comment=comment.strip(), quote=quote.strip(), at=at)
    stage.decisions.append(record)
    stage.decision_count += 1
    lost_race = "另一位审核人刚刚对本阶段作出了决定，您的操作未生效。请刷新页面查看最新状态后再决定。"
    _flush(lost_race)  # claim the stage first: a concurrent decision on it waits here, then loses
    _transition(actor, document, action, note=f"{stage.name}：{comment}".strip("："))
    if decision == Decision.RETURN:
        document.waiting_since = at
        notify_kind(_drafter_ids(document), kind=messages.RETURNED.kind,
                    values=messages.values(document.title, stage_name=stage.name, note=comment),
                    link=document_link(document), meeting_id=document.meeting_id,
                    dedup_key=f"document.returned:{record_key(stage)}")
    elif stage.is_satisfied():
        _complete_stage(actor, document, stage, at)
    elif stage.is_sequential:
        _notify_pending(document, stage)
    _flush(lost_race)
    return record


def approval_finalizes(actor: User, document: Document) -> bool:
    """Whether the actor approving now would make the document 定稿: the last stage, and their approval
    meets its rule (the page warns first when something still waits, e.g. unanswered discussion opinions)."""
    stage = document.current_stage
    if document.status != DocumentStatus.IN_REVIEW or stage is None or stage.id != document.stages[-1].id:
        return False
    return len(stage.approver_ids() | {actor.id}) >= stage.required_count


def ensure_may_decide(actor: User, document: Document) -> None:
    """Only the current stage's reviewers decide. A reviewer of an earlier stage arriving late (the
    stage was completed by someone else meanwhile) learns that, rather than a bare "no permission"."""
    stage = document.current_stage
    if stage is not None and not any(r.user_id == actor.id for r in stage.reviewers) and any(
            r.user_id == actor.id for s in document.stages if s.position < stage.position for r in s.reviewers):
        raise Conflict(f"您所在的审核阶段已由其他审核人处理完毕，文件已进入“{stage.name}”阶段，无需您再审核。")
    require(actor, "document.decide", document)


def record_key(stage: DocumentStage) -> str:
    return f"{stage.document_id}:{stage.id}:{stage.round}"


def _complete_stage(actor: User, document: Document, stage: DocumentStage, at: dt.datetime) -> None:
    stage.completed_at = at
    settle(messages.REVIEW.kind, _review_key_prefix(document, stage))  # 待您审核 is answered for everyone
    following = [s for s in document.stages if s.position > stage.position]
    if following:
        _transition(actor, document, ReviewAction.ADVANCE, note=f"{stage.name} → {following[0].name}")
        _start_stage(document, following[0], at)
        return
    _transition(actor, document, ReviewAction.FINALIZE, note=f"第{document.current_version.number}稿定稿")
    document.finalized_at = at
    document.waiting_since = at
    members = set(db.session.scalars(select(GroupMembership.user_id)
                                     .where(GroupMembership.group_id == document.group_id))) \
        if document.group_id else set()
    notify_kind(members | _drafter_ids(document), kind=messages.FINALIZED.kind,
                values=messages.values(document.title, version_number=document.current_version.number),
                link=document_link(document), meeting_id=document.meeting_id,
                dedup_key=f"document.finalized:{document.id}:{at.isoformat()}")
    signals.document_finalized.send(document, actor=actor)  # a material published from it follows


def reopen(actor: User, document: Document, reason: str) -> None:
    """Only the secretariat unlocks a 定稿, with a reason; the drafters then revise for the last stage."""
    require(actor, "document.reopen", document)
    _transition(actor, document, ReviewAction.REOPEN, note=reason)
    document.finalized_at = None
    document.waiting_since = timeutil.now()
    last = document.stages[-1]
    last.completed_at = None
    document.current_stage = last
    notify_kind(_drafter_ids(document), kind=messages.REOPENED.kind,
                values=messages.values(document.title, note=reason), link=document_link(document),
                meeting_id=document.meeting_id,
                dedup_key=f"document.reopened:{document.id}:{document.version_id}")
    _flush("该材料已被他人修改，请刷新后重试。")


# ── speech submissions ──────────────────────────────────────────────────────────────────────────
def submit_speech(actor: User, meeting: Meeting, *, title: str, file: FileStorage | None = None,
                  text: str = "", note: str = "") -> Document:
    """A member's 大会发言 draft: a document of type 大会发言 waiting for the secretariat's pipeline."""
    require(actor, "speech.submit")
    if not title:
        raise ValidationFailed("请填写发言题目。")
    speech_type = ensure_default_types()[DocumentTypeCode.SPEECH.value]
    document = Document(meeting_id=meeting.id, type_id=speech_type.id, title=title[:200],
                        status=DocumentStatus.AWAITING_PIPELINE, submitter_id=actor.id, created_by_id=actor.id,
                        waiting_since=timeutil.now(), stages=[], current_stage=None, current_version=None,
                        drafters=[DocumentDrafter(user_id=actor.id)])
    db.session.add(document)
    db.session.flush()
    add_version(actor, document, file=file, text=text, note=note or "初稿")
    secretariat = db.session.scalars(select(User.id).where(User.role == Role.SECRETARIAT,
                                                           User.is_active_account)).all()
    notify_kind(secretariat, kind=messages.SPEECH_SUBMITTED.kind,
                values=messages.values(document.title, member=actor.display_name), link=document_link(document),
                meeting_id=meeting.id, dedup_key=f"speech.submitted:{document.id}")
    return document


def assign_pipeline(actor: User, document: Document, *, template_id: int, group_id: int | None,
                    due_on: dt.date | None) -> None:
    require(actor, "document.assign", document)
    if document.status != DocumentStatus.AWAITING_PIPELINE:
        raise InvalidTransition(f"文件当前为“{document.status.label}”，已在流程中，不能再次排入。")
    from meetingprep.groups.models import WorkingGroup

    if group_id is not None:
        group = db.session.get(WorkingGroup, group_id)
        if group is None or group.meeting_id != document.meeting_id:
            raise ValidationFailed("请选择本次会议的工作组。")
    _copy_pipeline(document, _load_template(template_id))
    document.group_id, document.due_on = group_id, due_on
    _flush("该材料已被他人修改，请刷新后重试。")
    _transition(actor, document, ReviewAction.ASSIGN, note=document.template_name)
    _start_stage(document, document.stages[0], timeutil.now())
    _flush("该材料已被他人修改，请刷新后重试。")


# ── comments ────────────────────────────────────────────────────────────────────────────────────
def add_comment(actor: User, document: Document, *, body: str, quote: str | None = "",
                is_internal: bool = False) -> DocumentComment:
    require(actor, "document.comment", document)
    body, quote = (body or "").strip(), (quote or "").strip()
    if not body:
        raise ValidationFailed("请填写意见内容。")
    if is_internal and actor.role == Role.MEMBER:
        raise NotAllowed("委员的意见对起草人和秘书处均可见，不能设为内部意见。")
    comment = DocumentComment(document_id=document.id, doc_version_id=document.current_version_id,
                              author_id=actor.id, body=body, quote=quote.strip(), is_internal=is_internal,
                              created_at=timeutil.now())
    db.session.add(comment)
    db.session.flush()
    return comment


def get_document_or_404(document_id: int) -> Document:
    from meetingprep.documents.queries import document_for_action

    document = document_for_action(document_id)
    if document is None:
        raise NotFound("该材料不存在或已被删除。")
    return document
