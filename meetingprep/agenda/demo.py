"""Demo agenda: the plenary's sittings get their agendas, and the 全体会议（大会发言） its speaking order —
8 oral and 20 written speeches, taken through the speech pipeline to 定稿 by members other than the dozen
whose drafts the documents demo leaves in review (so both stories show)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from meetingprep.agenda import services
from meetingprep.agenda.models import AgendaItemKind, SpeechMode
from meetingprep.attendance.models import DiscussionGroup, Sitting, SittingKind
from meetingprep.auth.models import User
from meetingprep.demo.context import DemoContext
from meetingprep.documents import services as document_services
from meetingprep.documents.models import PipelineTemplate
from meetingprep.documents.services import StageData
from meetingprep.documents.states import Decision, DocumentStatus
from meetingprep.extensions import db

K = AgendaItemKind
#: Per kind of sitting: (minutes after its start, type, 议题, 会议室).
AGENDAS: dict[SittingKind, list[tuple[int, AgendaItemKind, str, str]]] = {
    SittingKind.PREPARATORY: [
        (0, K.PLENARY, "通过大会议程和日程", ""),
        (20, K.PLENARY, "选举大会主席团和秘书长", ""),
        (40, K.OTHER, "通过大会提案审查委员会名单", ""),
    ],
    SittingKind.OPENING: [
        (0, K.OPENING, "大会开幕，全体起立，奏唱国歌", ""),
        (5, K.PLENARY, "听取和审议政协攀枝花市委员会常务委员会工作报告", ""),
        (50, K.PLENARY, "听取和审议常务委员会关于提案工作情况的报告", ""),
    ],
    SittingKind.PLENARY: [
        (0, K.SPEECHES, "大会发言", ""),
    ],
    SittingKind.CLOSING: [
        (0, K.PLENARY, "通过政协攀枝花市委员会常务委员会工作报告的决议", ""),
        (20, K.PLENARY, "通过提案审查委员会关于提案审查情况的报告", ""),
        (40, K.PLENARY, "通过大会政治决议", ""),
        (60, K.CLOSING, "主席讲话，大会闭幕，奏唱国歌", ""),
    ],
}
ORAL = 8
WRITTEN = 20
TOPICS = [
    "关于以钒钛新材料为牵引建设现代化产业体系的建议", "关于擦亮“阳光康养”城市名片的建议",
    "关于推动金沙江干热河谷生态修复的建议", "关于为民营企业纾困解难的建议", "关于建设区域医疗中心的建议",
    "关于深化产教融合培养产业工人的建议", "关于完善农村养老服务体系的建议", "关于推进攀枝花芒果品牌建设的建议",
    "关于加快城市更新和老旧小区改造的建议", "关于加强三线建设工业遗产保护利用的建议",
    "关于提升城市应急管理能力的建议", "关于发展低空经济的建议", "关于加强未成年人心理健康教育的建议",
    "关于推进县域商业体系建设的建议", "关于加快数字政府建设的建议", "关于做好高校毕业生就业工作的建议",
    "关于加强耕地保护和高标准农田建设的建议", "关于推进全民健身设施建设的建议", "关于优化公交线网的建议",
    "关于加强食品安全监管的建议", "关于推动文旅融合发展的建议", "关于加强社区治理的建议",
    "关于促进消费扩容提质的建议", "关于完善住房保障体系的建议", "关于加强河湖长制落实的建议",
    "关于推进清洁能源基地建设的建议", "关于提升政务服务效能的建议", "关于发展银发经济的建议",
]


def _speech_template(ctx: DemoContext) -> PipelineTemplate:
    template = db.session.scalar(select(PipelineTemplate).where(PipelineTemplate.name == "大会发言审核"))
    if template is not None:
        return template
    reviewers = [u.id for u in (ctx.staff_by_group.get("材料组") or ctx.secretariat)[:2]]
    return document_services.save_template(ctx.secretariat[0], None, name="大会发言审核", description="委员大会发言稿",
                                           stages=[StageData(name="材料组初审", reviewer_ids=reviewers)])


def _final_speeches(ctx: DemoContext, count: int) -> list:
    """``count`` members' speeches through every stage of the speech pipeline to 定稿."""
    template = _speech_template(ctx)
    speakers = ctx.member_users[12:] or ctx.member_users
    documents = []
    for index, topic in enumerate(TOPICS[:count]):
        member = speakers[index % len(speakers)]
        text = "\n".join([topic, f"{member.display_name}委员", "一、基本情况", "二、存在的问题", "三、几点建议"])
        document = document_services.submit_speech(member, ctx.meeting, title=topic, text=text, note="初稿")
        document_services.assign_pipeline(ctx.secretariat[0], document, template_id=template.id, group_id=None,
                                          due_on=None)
        while document.status == DocumentStatus.IN_REVIEW:
            reviewer = db.session.get(User, document.current_stage.pending_reviewers()[0].user_id)
            document_services.decide(reviewer, document, Decision.APPROVE, comment="同意。")
        documents.append(document)
    return documents


def seed(ctx: DemoContext) -> None:
    ctx.progress("议程")
    secretariat = ctx.secretariat[0]
    chair = ctx.leaders[0] if ctx.leaders else None
    vice = ctx.leaders[1] if len(ctx.leaders) > 1 else chair
    sittings = db.session.scalars(select(Sitting).where(Sitting.meeting_id == ctx.meeting.id)
                                  .order_by(Sitting.starts_at, Sitting.id)).all()
    groups = db.session.scalars(select(DiscussionGroup).where(DiscussionGroup.meeting_id == ctx.meeting.id)
                                .order_by(DiscussionGroup.sort_order, DiscussionGroup.id)).all()
    speeches_item = None
    for sitting in sittings:
        if sitting.kind == SittingKind.GROUP:
            # Each group in its own room, the same all meeting: a member's schedule shows theirs.
            topic = sitting.name.partition("：")[2] or "分组讨论"
            plan = [(0, K.GROUP, f"{group.name}：{topic}", f"驻地{n // 4 + 2}楼 {n % 4 + 1:02d} 会议室", group.id)
                    for n, group in enumerate(groups[:8])]
        else:
            plan = [(*row, None) for row in AGENDAS.get(sitting.kind, [])]
        for minutes, kind, title, room, group_id in plan:
            presiding = vice if kind in (K.GROUP, K.SPEECHES) else chair
            item = services.add_item(secretariat, sitting, services.ItemData(
                starts_at=sitting.starts_at + dt.timedelta(minutes=minutes), kind=kind, title=title, room=room,
                presiding_user_id=presiding.id if presiding else None, discussion_group_id=group_id))
            if kind == K.SPEECHES and speeches_item is None:
                speeches_item = item
    if speeches_item is None:
        return
    for index, document in enumerate(_final_speeches(ctx, ORAL + WRITTEN)):
        oral = index < ORAL
        services.add_speech(secretariat, speeches_item, document, mode=SpeechMode.ORAL if oral else SpeechMode.WRITTEN,
                            minutes=(10 if index == 0 else 8) if oral else None)
    db.session.flush()
