"""Rules of the discussion opinions: who records them and on what, how the drafting group answers.

Like every service: the acting user first, the permission checked here (views, the demo and the CLI
share one gate), the audit trail written (the models are ``Audited``), flushed and never committed.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from meetingprep import audit, timeutil
from meetingprep.attendance.models import DiscussionGroup, MemberProfile
from meetingprep.auth.models import User
from meetingprep.concurrency import expect_version
from meetingprep.documents.models import Document, DocumentTypeCode, DocumentVersion
from meetingprep.documents.states import DocumentStatus
from meetingprep.documents.text import paragraphs
from meetingprep.errors import Conflict, NotFound, ValidationFailed
from meetingprep.extensions import db
from meetingprep.notifications.services import notify_kind
from meetingprep.opinions import messages, scope
from meetingprep.opinions.models import RESPONSE_RULES, DiscussionOpinion, DiscussionRecorder, OpinionResponse
from meetingprep.opinions.queries import DISCUSSED_TYPES
from meetingprep.permissions import require
from meetingprep.roles import WORKERS

BODY_MAX_CHARS = 2000
NOTE_MAX_CHARS = 2000
OWN_OPINIONS_PATH = "/opinions/mine"


def _flush(actor: User, message: str = "") -> None:
    """Flush as ``actor``: the automatic audit entries name them also outside a request (demo, CLI)."""
    try:
        with audit.acting_as(actor):
            db.session.flush()
    except (StaleDataError, IntegrityError) as error:
        raise Conflict(message or "该记录已被他人修改，请刷新后重试。") from error


# ── recorders ───────────────────────────────────────────────────────────────────────────────────
def add_recorder(actor: User, meeting_id: int, *, group_id: int | None, user_id: int | None) -> DiscussionRecorder:
    require(actor, "opinion.recorders")
    group = db.session.get(DiscussionGroup, group_id) if group_id else None
    if group is None or group.meeting_id != meeting_id:
        raise ValidationFailed("请选择本次会议的分组讨论组。")
    user = db.session.get(User, user_id) if user_id else None
    if user is None or not user.is_active_account:
        raise ValidationFailed("请选择一位启用的工作人员作为记录员。")
    if user.role not in WORKERS:
        raise ValidationFailed(f"{user.display_name}是{user.role.label}，记录员须由工作人员担任。")
    taken = db.session.scalar(select(DiscussionRecorder.id).where(
        DiscussionRecorder.discussion_group_id == group.id, DiscussionRecorder.user_id == user.id))
    if taken is not None:
        raise ValidationFailed(f"{user.display_name}已是{group.name}的记录员。")
    recorder = DiscussionRecorder(meeting_id=meeting_id, discussion_group_id=group.id, user_id=user.id)
    db.session.add(recorder)
    _flush(actor, f"{user.display_name}已是{group.name}的记录员。")
    scope.forget()
    return recorder


def remove_recorder(actor: User, recorder: DiscussionRecorder) -> None:
    """Opinions the recorder entered stay, with their name as recorder."""
    require(actor, "opinion.recorders")
    db.session.delete(recorder)
    _flush(actor)
    scope.forget()


# ── recording ───────────────────────────────────────────────────────────────────────────────────
def accepts_opinions(document: Document) -> str | None:
    """Why opinions cannot be recorded on the document now, or None. ``type`` and ``current_version`` loaded."""
    if document.type.code == DocumentTypeCode.SPEECH.value or document.is_speech:
        return "大会发言稿不收集分组讨论意见。"
    if document.type.code not in DISCUSSED_TYPES:
        return "只有分组讨论审议的报告（常委会工作报告、提案工作情况报告）收集分组讨论意见。"
    if document.status == DocumentStatus.FINALIZED:
        return "文件已定稿，不能再录入分组讨论意见；如确需修改，请联系大会秘书处重新打开。"
    if document.current_version is None:
        return "文件还没有任何版本，无法针对段落录入意见。"
    return None


def _opinion_text(body: str | None) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationFailed("请填写意见内容。")
    if len(body) > BODY_MAX_CHARS:
        raise ValidationFailed(f"意见内容不能超过 {BODY_MAX_CHARS} 字。")
    return body


def record_opinion(actor: User, document: Document, *, group_id: int | None, member_id: int | None,
                   paragraph_number: int | None, body: str | None) -> DiscussionOpinion:
    """An opinion on a paragraph of the current version (0 or None: the document as a whole)."""
    group = db.session.get(DiscussionGroup, group_id) if group_id else None
    if group is None or group.meeting_id != document.meeting_id:
        raise ValidationFailed("请选择本次会议的分组讨论组。")
    require(actor, "opinion.record", group)
    refusal = accepts_opinions(document)
    if refusal:
        raise ValidationFailed(refusal)
    member = db.session.get(MemberProfile, member_id) if member_id else None
    if member is None or member.meeting_id != document.meeting_id:
        raise ValidationFailed("请选择提出意见的委员（本次会议名册中的委员）。")
    if member.discussion_group_id != group.id:
        raise ValidationFailed(f"{member.name}委员不在{group.name}，请选择本组委员，或在名册中调整其讨论组。")
    body = _opinion_text(body)
    version = document.current_version
    text = db.session.scalar(select(DocumentVersion.text_content).where(DocumentVersion.id == version.id))
    quoted = ""
    if paragraph_number:
        lines = paragraphs(text)
        if text is None:
            raise ValidationFailed("当前版本是 PDF，无法按段落录入，请选择“全文”。")
        if not 1 <= paragraph_number <= len(lines):
            raise ValidationFailed(f"{version.label}共 {len(lines)} 段，请从列表中选择段落。")
        quoted = lines[paragraph_number - 1]
    opinion = DiscussionOpinion(
        meeting_id=document.meeting_id, document_id=document.id, discussion_group_id=group.id, member_id=member.id,
        member_name=member.name, doc_version_id=version.id, paragraph_number=paragraph_number or None,
        paragraph_text=quoted, body=body, recorded_by_id=actor.id, recorded_at=timeutil.now())
    db.session.add(opinion)
    _flush(actor)
    return opinion


def correct_opinion(actor: User, opinion: DiscussionOpinion, *, body: str | None,
                    version_id: int | str | None) -> DiscussionOpinion:
    """The recorder corrects what they typed (a slip, a word misheard) while the opinion is unanswered. Once
    the drafting group has answered, the answer stands on the text it answered, so the text no longer changes;
    a save made on a stale page (corrected or answered meanwhile) is a conflict. The audit trail keeps the old
    and the new text (the model is ``Audited``)."""
    require(actor, "opinion.correct", opinion)
    expect_version(opinion, version_id, "该意见")
    if opinion.response is not None:
        raise Conflict(f"该意见已答复（{opinion.response.label}），不能再修改内容；如记录有误，请联系答复人。")
    body = _opinion_text(body)
    opinion.body = body
    _flush(actor, "该意见刚刚被他人修改或答复，请刷新后查看；您填写的内容已保留。")
    return opinion


# ── answering ───────────────────────────────────────────────────────────────────────────────────
def answer_opinion(actor: User, opinion: DiscussionOpinion, document: Document, *, response: str | None,
                   note: str | None, version_number: int | None,
                   version_id: int | str | None) -> DiscussionOpinion:
    """The drafting group's answer; it may be changed later (e.g. 部分采纳 → 采纳 once a version takes it up).
    ``document`` is the opinion's document with its drafters loaded."""
    if opinion.document_id != document.id:
        raise NotFound("该意见不存在。")
    require(actor, "opinion.answer", document)
    expect_version(opinion, version_id, "该意见的答复")
    try:
        chosen = OpinionResponse(response or "")
    except ValueError:
        raise ValidationFailed("请选择答复：采纳、部分采纳、未采纳或已说明。") from None
    rule = RESPONSE_RULES[chosen]
    note = (note or "").strip()
    if rule.needs_note and not note:
        raise ValidationFailed(f"“{chosen.label}”需要填写{rule.note_label}。")
    if len(note) > NOTE_MAX_CHARS:
        raise ValidationFailed(f"答复说明不能超过 {NOTE_MAX_CHARS} 字。")
    taken_up = None
    if version_number and rule.allows_version:
        taken_up = db.session.scalar(select(DocumentVersion).where(DocumentVersion.document_id == document.id,
                                                                   DocumentVersion.number == version_number))
        raised_on = db.session.scalar(select(DocumentVersion.number).where(
            DocumentVersion.id == opinion.doc_version_id))
        if taken_up is None:
            raise ValidationFailed("请选择本文件的一个版本。")
        if taken_up.number <= raised_on:
            raise ValidationFailed(f"意见是针对第{raised_on}稿提出的，请选择吸收该意见的新版本"
                                   f"（第{raised_on + 1}稿或以后）；"
                                   "如尚未修改，请先上传新版本。")
    if rule.needs_version and taken_up is None:
        raise ValidationFailed("“采纳”需要选择吸收该意见的新版本；如尚未修改，请先上传新版本，"
                               "或暂时答复为“部分采纳”或“已说明”。")
    first_answer = opinion.response is None
    opinion.response, opinion.response_note = chosen, note
    opinion.response_version_id = taken_up.id if taken_up is not None else None
    opinion.answered_by_id, opinion.answered_at = actor.id, timeutil.now()
    _flush(actor, "该意见刚刚已被他人答复，请查看最新答复后再保存；您填写的内容已保留。")
    member_user_id = db.session.scalar(select(MemberProfile.user_id).where(MemberProfile.id == opinion.member_id)) \
        if opinion.member_id else None
    if member_user_id is not None:
        notify_kind([member_user_id], kind=messages.ANSWERED.kind, link=OWN_OPINIONS_PATH,
                    meeting_id=opinion.meeting_id,
                    values={"材料": document.title, "答复": chosen.label, "意见": opinion.body[:60]},
                    dedup_key=f"opinion.answered:{opinion.id}:{opinion.version_id}" if not first_answer
                    else f"opinion.answered:{opinion.id}")
    return opinion
