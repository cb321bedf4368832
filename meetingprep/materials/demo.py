"""Demo materials: the plenary's papers handed out to members, read by some of them.

* 常委会工作报告 reaches 定稿 (its last two reviewers approve) and is published to the 开幕大会's expected
  attendees as an internal material (read on screen only); a little over half the members have opened it.
* 大会发言材料汇编 (already 定稿) is published to every member, read by a third of them; then it is reopened,
  revised and finalised again, so it shows 已更新 and most of its readers read an older version.
* 会议简报 第1期 goes through its pipeline to 定稿 and is published by itself to every member (few read it yet);
  第2期 is being drafted, to go to the 常委 on 定稿.

weiyuan001 has read the work report, the first version of the 汇编 and not the briefing: their 我的材料 shows
each state.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

from sqlalchemy import insert, select, update

from meetingprep.attendance.models import MemberProfile, Sitting, SittingKind
from meetingprep.auth.models import User
from meetingprep.demo.context import DemoContext
from meetingprep.documents import queries as document_queries
from meetingprep.documents import services as document_services
from meetingprep.documents.models import Document, DocumentType, DocumentTypeCode
from meetingprep.documents.services import StageData
from meetingprep.documents.states import Decision, DocumentStatus
from meetingprep.extensions import db
from meetingprep.materials import services
from meetingprep.materials.models import Audience, Material, MaterialReceipt

BRIEFING_TEXT = [
    "会议简报",
    "第1期",
    "大会秘书处编",
    "政协攀枝花市委员会第四次会议预备会议召开",
    "预备会议选举产生了大会主席团和秘书长，通过了大会议程和日程。",
    "委员们表示，将认真履行职责，围绕全市中心工作积极建言献策，开好这次大会。",
    "会议要求，全体委员严格遵守会议纪律，按时出席各项会议活动。",
]


def _first_of(ctx: DemoContext, code: DocumentTypeCode) -> Document | None:
    return db.session.scalar(select(Document).join(DocumentType, DocumentType.id == Document.type_id)
                             .where(Document.meeting_id == ctx.meeting.id, DocumentType.code == code.value,
                                    Document.submitter_id.is_(None)).order_by(Document.id).limit(1))


def _approve_through(document_id: int, comment: str = "同意。") -> Document:
    """Every pending reviewer approves in turn until the document is 定稿."""
    document = document_queries.document_for_action(document_id)
    while document.status == DocumentStatus.IN_REVIEW:
        reviewer = db.session.get(User, document.current_stage.pending_reviewers()[0].user_id)
        document_services.decide(reviewer, document, Decision.APPROVE, comment=comment)
    return document


def _readers(ctx: DemoContext, share: float, include=frozenset(), exclude=frozenset()) -> list[int]:
    """Member profiles with an account, about ``share`` of them, chosen with the demo's generator."""
    rows = db.session.execute(select(MemberProfile.id, User.username).join(User, User.id == MemberProfile.user_id)
                              .where(MemberProfile.meeting_id == ctx.meeting.id).order_by(MemberProfile.id)).all()
    return [member_id for member_id, username in rows
            if username not in exclude and (username in include or ctx.rng.random() < share)]


def _read(ctx: DemoContext, material: Material, member_ids: list[int], version_number: int, hours_ago: float) -> None:
    rows = []
    for member_id in member_ids:
        first = ctx.now - dt.timedelta(hours=hours_ago * (0.2 + 0.8 * ctx.rng.random()))
        rows.append({"material_id": material.id, "member_id": member_id, "first_opened_at": first,
                     "last_opened_at": first + dt.timedelta(minutes=ctx.rng.randrange(0, 90)),
                     "open_count": 1 + ctx.rng.randrange(3), "version_number": version_number})
    for start in range(0, len(rows), 1000):
        db.session.execute(insert(MaterialReceipt), rows[start:start + 1000])


def _sitting(ctx: DemoContext, kind: SittingKind) -> Sitting | None:
    return db.session.scalar(select(Sitting).where(Sitting.meeting_id == ctx.meeting.id, Sitting.kind == kind)
                             .order_by(Sitting.starts_at).limit(1))


def _work_report(ctx: DemoContext, secretariat: User) -> None:
    report = _first_of(ctx, DocumentTypeCode.WORK_REPORT)
    opening = _sitting(ctx, SittingKind.OPENING)
    if report is None or opening is None:
        return
    if report.status == DocumentStatus.IN_REVIEW:
        _approve_through(report.id, "同意，定稿。")
    material = services.publish(secretariat, ctx.meeting, services.PublishData(
        scope=services.Scope(audience=Audience.SITTING, sitting_id=opening.id, is_internal=True),
        document_id=report.id, note="大会审议稿"))
    _read(ctx, material, _readers(ctx, 0.55, include={"weiyuan001"}), 1, hours_ago=30)


def _speech_book(ctx: DemoContext, secretariat: User) -> None:
    book = _first_of(ctx, DocumentTypeCode.SPEECH)
    plenary = _sitting(ctx, SittingKind.PLENARY)
    if book is None or book.status != DocumentStatus.FINALIZED:
        return
    material = services.publish(secretariat, ctx.meeting, services.PublishData(
        scope=services.Scope(audience=Audience.ALL, sitting_id=plenary.id if plenary else None),
        document_id=book.id))
    first_readers = _readers(ctx, 0.35, include={"weiyuan001"})
    _read(ctx, material, first_readers, 1, hours_ago=20)
    # Two written speeches are added to the compilation: reopened, revised, finalised again → 已更新.
    document_services.reopen(secretariat, document_queries.document_for_action(book.id), "增补两篇书面发言")
    drafter = db.session.get(User, document_queries.document_for_action(book.id).drafters[0].user_id)
    text = document_queries.version_with_text(book.id, book.version_count).text_content
    document_services.add_version(drafter, document_queries.document_for_action(book.id),
                                  text=text + "\n关于发展低空经济的建议\n关于推进全民健身设施建设的建议",
                                  note="增补两篇书面发言")
    _approve_through(book.id)
    keep_stale = set(_readers(ctx, 0, include={"weiyuan001"}))  # the demo member sees 已更新
    again = [m for m in first_readers if m not in keep_stale and ctx.rng.random() < 0.3]
    if again:
        db.session.execute(update(MaterialReceipt).where(MaterialReceipt.material_id == material.id,
                                                         MaterialReceipt.member_id.in_(again))
                           .values(version_number=2, last_opened_at=ctx.now - dt.timedelta(hours=2)))


def _briefings(ctx: DemoContext, secretariat: User) -> None:
    drafter = (ctx.staff_by_group.get("秘书组") or ctx.secretariat)[-1]
    reviewer = next((u for u in ctx.leaders if u.username == "mishuzhang"), ctx.leaders[-1] if ctx.leaders
                    else secretariat)
    template = document_services.save_template(secretariat, None, name="会议简报审核", description="每期会议简报",
                                               stages=[StageData(name="秘书长审签", reviewer_ids=[reviewer.id],
                                                                 allowance_days=0)])
    first = services.create_briefing(secretariat, ctx.meeting, services.BriefingData(
        scope=services.Scope(audience=Audience.ALL), drafter_ids=[drafter.id], template_id=template.id,
        headline="预备会议召开"))
    document_services.add_version(drafter, document_queries.document_for_action(first.document_id),
                                  text="\n".join(BRIEFING_TEXT), note="初稿")
    _approve_through(first.document_id, "同意印发。")
    material = db.session.get(Material, first.material_id)
    _read(ctx, material, _readers(ctx, 0.15, exclude={"weiyuan001"}), 1, hours_ago=3)
    services.create_briefing(secretariat, ctx.meeting, services.BriefingData(
        scope=services.Scope(audience=Audience.STANDING), drafter_ids=[drafter.id], template_id=template.id,
        headline="委员热议常委会工作报告"))


def seed(ctx: DemoContext) -> None:
    ctx.progress("会议材料")
    if not ctx.secretariat:
        return
    ctx = dataclasses.replace(ctx, rng=random.Random(2027))  # the seeders after this one draw as before
    secretariat = ctx.secretariat[0]
    _work_report(ctx, secretariat)
    _speech_book(ctx, secretariat)
    _briefings(ctx, secretariat)
    db.session.flush()
