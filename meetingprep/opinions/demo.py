"""Demo: a recorder for each discussion group and the opinions raised on the two reports — some on the
work report's first draft and answered (采纳 in the second draft, 未采纳 with a reason, 已说明), the rest on
the current drafts, waiting for the drafting group."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from meetingprep.attendance.models import DiscussionGroup, MemberProfile
from meetingprep.demo.context import DemoContext
from meetingprep.documents.models import Document, DocumentType, DocumentTypeCode, DocumentVersion
from meetingprep.documents.queries import document_for_action
from meetingprep.documents.text import paragraphs
from meetingprep.extensions import db
from meetingprep.opinions import services
from meetingprep.opinions.models import DiscussionOpinion, OpinionResponse

# (paragraph of the first draft or None, opinion, answer, answer note) on the work report's 第1稿
ANSWERED = [
    (6, "提案数字应与提案委员会最终统计一致，建议核对后再写入报告。", OpinionResponse.ADOPTED,
     "已按提案委员会统计改为492件、立案428件。"),
    (None, "建议报告增加“数字政协”建设和委员履职平台的内容。", OpinionResponse.ADOPTED, "第二部分已增加相关内容。"),
    (5, "专题协商成果能否列出几项代表性的成果名称？", OpinionResponse.DECLINED,
     "报告篇幅有限，代表性成果将在《协商成果汇编》中列出。"),
    (7, "社情民意信息采用率偏低，希望分析原因。", OpinionResponse.EXPLAINED,
     "采用率按省市两级采用合计统计，已向委员说明口径，原因分析将在专题报告中呈现。"),
]
# (report code, paragraph of the current draft or None, opinion) waiting for an answer
OPEN = [
    (DocumentTypeCode.WORK_REPORT, 9, "建议把“推动协商成果转化落地”写得更具体，明确跟踪督办机制。"),
    (DocumentTypeCode.WORK_REPORT, 10, "委员履职能力建设可增加培训次数和考核办法。"),
    (DocumentTypeCode.WORK_REPORT, None, "报告整体结构清晰，建议压缩第一部分篇幅。"),
    (DocumentTypeCode.PROPOSAL_REPORT, 4, "并案处理的标准建议在报告中作简要说明。"),
    (DocumentTypeCode.PROPOSAL_REPORT, 7, "优秀提案评选建议增加委员互评环节。"),
]


def _report(ctx: DemoContext, code: DocumentTypeCode) -> Document | None:
    document_id = db.session.scalar(
        select(Document.id).join(DocumentType, DocumentType.id == Document.type_id)
        .where(Document.meeting_id == ctx.meeting.id, DocumentType.code == code.value, Document.submitter_id.is_(None))
        .order_by(Document.id).limit(1))
    return document_for_action(document_id) if document_id is not None else None


def seed(ctx: DemoContext) -> None:
    ctx.progress("分组讨论意见")
    groups = list(db.session.scalars(select(DiscussionGroup).where(DiscussionGroup.meeting_id == ctx.meeting.id)
                                     .order_by(DiscussionGroup.sort_order)))
    staff = (ctx.staff_by_group.get("秘书组") or ctx.secretariat)[1:] + ctx.staff_by_group.get("会务组", [])[1:]
    if not groups or not staff:
        return
    secretariat = ctx.secretariat[0]
    for index, group in enumerate(groups):
        services.add_recorder(secretariat, ctx.meeting.id, group_id=group.id, user_id=staff[index % len(staff)].id)
    members = {group.id: list(db.session.scalars(select(MemberProfile).where(
        MemberProfile.discussion_group_id == group.id).order_by(MemberProfile.member_no).limit(6)))
        for group in groups}
    report = _report(ctx, DocumentTypeCode.WORK_REPORT)
    if report is None:
        return
    first = db.session.scalar(select(DocumentVersion).where(DocumentVersion.document_id == report.id,
                                                            DocumentVersion.number == 1))
    later = db.session.scalar(select(DocumentVersion).where(DocumentVersion.document_id == report.id,
                                                            DocumentVersion.number == 2))
    drafter = report.drafters[0].user
    lines = paragraphs(db.session.scalar(select(DocumentVersion.text_content)
                                         .where(DocumentVersion.id == first.id)))
    moment = ctx.now - dt.timedelta(days=2)
    for index, (number, body, response, note) in enumerate(ANSWERED):
        group = groups[index % len(groups)]
        member = members[group.id][index % max(len(members[group.id]), 1)] if members[group.id] else None
        if member is None:
            continue
        # raised on the first draft (before the second was written): rows as the recorder left them then
        opinion = DiscussionOpinion(
            meeting_id=ctx.meeting.id, document_id=report.id, discussion_group_id=group.id, member_id=member.id,
            member_name=member.name, doc_version_id=first.id, paragraph_number=number,
            paragraph_text=lines[number - 1] if number else "", body=body, recorded_at=moment,
            recorded_by_id=staff[index % len(staff)].id)
        db.session.add(opinion)
        db.session.flush()
        services.answer_opinion(drafter, opinion, report, response=response.value, note=note,
                                version_number=later.number if later and response == OpinionResponse.ADOPTED
                                else None, version_id=opinion.version_id)
    for index, (code, number, body) in enumerate(OPEN):
        document = _report(ctx, code)
        position = (index + 1) % len(groups)
        group = groups[position]
        if document is None or not members[group.id]:
            continue
        recorder = staff[position % len(staff)]  # the group's own recorder, named above
        services.record_opinion(recorder, document, group_id=group.id,
                                member_id=members[group.id][(index + 2) % len(members[group.id])].id,
                                paragraph_number=number, body=body)
