"""Demo: the three main documents of the plenary in different stages, with versions and review
comments; a dozen members' speech drafts; at the large scale ~2,000 documents with ~10,000 versions
inserted in bulk (no audit rows, like an import)."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import bindparam, insert, update

from meetingprep.demo.context import DemoContext
from meetingprep.documents import services
from meetingprep.documents.models import (
    Document,
    DocumentDrafter,
    DocumentStage,
    DocumentStageReviewer,
    DocumentTypeCode,
    DocumentVersion,
    ReviewDecision,
)
from meetingprep.documents.services import StageData
from meetingprep.documents.states import ApprovalRule, Decision, DocumentStatus
from meetingprep.extensions import db

WORK_REPORT = [
    "各位委员：",
    "现在，我代表政协第十届攀枝花市委员会常务委员会，向大会报告工作，请予审议。",
    "一、过去一年的主要工作",
    "过去一年，市政协常委会坚持以习近平新时代中国特色社会主义思想为指导，紧扣全市中心工作履职尽责。",
    "围绕钒钛产业高质量发展、阳光康养产业建设开展专题协商，形成协商成果12项。",
    "全年共收到委员提案486件，经审查立案421件，办复率100%。",
    "组织视察调研38次，报送社情民意信息215篇，被采用93篇。",
    "二、今年的工作建议",
    "坚持团结和民主两大主题，聚焦全市发展大局，推动协商成果转化落地。",
    "加强委员队伍建设，提升委员履职能力，更好发挥政协专门协商机构作用。",
]
PROPOSAL_REPORT = [
    "各位委员：",
    "我受政协第十届攀枝花市委员会常务委员会委托，向大会报告本届第三次会议以来的提案工作情况，请予审议。",
    "一、提案提交和办理情况",
    "本届第三次会议以来，共收到提案486件，经审查立案421件，并案处理23件，转为委员来信42件。",
    "立案提案中，经济建设方面168件，社会建设方面152件，文化生态方面101件。",
    "二、提案工作的主要做法",
    "坚持把质量作为提案工作的生命线，完善提案审查标准，开展优秀提案评选。",
]
SPEECH_TOPICS = [
    "关于加快钒钛新材料产业链延链补链的建议", "关于打造国际阳光康养旅游目的地的思考",
    "关于推进金沙江流域生态保护修复的建议", "关于促进民营经济高质量发展的几点建议",
    "关于加强基层医疗卫生服务能力建设的建议", "关于推动职业教育与产业深度融合的建议",
    "关于做好“一老一小”民生保障的建议", "关于发展芒果等特色农业产业的建议",
    "关于提升城市精细化管理水平的建议", "关于加强非物质文化遗产保护传承的建议",
    "关于推进攀西战略资源创新开发试验区建设的建议", "关于优化营商环境激发市场活力的建议",
]


def _text(lines: list[str]) -> str:
    return "\n".join(lines)


def _backdate(document: Document, hours: float, ctx: DemoContext) -> None:
    """Make the document look like it has waited a while (the demo is seeded in one instant)."""
    since = ctx.now - dt.timedelta(hours=hours)
    document.waiting_since = since
    stage = document.current_stage
    if stage is not None and stage.completed_at is None:
        stage.started_at, stage.due_at = since, since + dt.timedelta(days=stage.allowance_days)


def _templates(ctx: DemoContext):
    """报告类 (four levels, as the secretariat configures it) and 大会发言 (two levels)."""
    secretariat = ctx.secretariat[0]
    material = ctx.staff_by_group.get("材料组") or ctx.secretariat
    leaders = {u.username: u for u in ctx.leaders}
    chair = leaders.get("zhuxi", ctx.leaders[0])
    vice = leaders.get("fuzhuxi1", ctx.leaders[min(1, len(ctx.leaders) - 1)])
    secretary_general = leaders.get("mishuzhang", ctx.leaders[-1])
    reports = services.save_template(secretariat, None, name="报告类材料四级审核",
                                     description="常委会工作报告、提案工作情况报告等大会主要文件", stages=[
        StageData(name="材料组初审", reviewer_ids=[material[0].id], allowance_days=2),
        StageData(name="秘书长审核", reviewer_ids=[secretary_general.id], allowance_days=2),
        StageData(name="分管副主席审核", reviewer_ids=[vice.id], allowance_days=3),
        StageData(name="主席审定", reviewer_ids=[chair.id], allowance_days=3),
    ])
    speeches = services.save_template(secretariat, None, name="大会发言审核", description="委员大会发言稿",
                                      stages=[
        StageData(name="材料组初审", reviewer_ids=[u.id for u in material[:3]], rule=ApprovalRule.ANY,
                  allowance_days=3),
        StageData(name="秘书长审核", reviewer_ids=[secretary_general.id], allowance_days=2),
    ])
    return reports, speeches


def _reviewer(document: Document):
    from meetingprep.auth.models import User

    pending = document.current_stage.pending_reviewers()
    return db.session.get(User, pending[0].user_id)


def _main_documents(ctx: DemoContext, reports) -> None:
    secretariat = ctx.secretariat[0]
    material_group, proposal_group = ctx.groups.get("材料组"), ctx.groups.get("提案组")
    types = services.ensure_default_types()
    drafter = (ctx.staff_by_group.get("秘书组") or ctx.secretariat)[-1]
    opening = ctx.meeting.opens_at.date()

    # 常委会工作报告: three versions, returned once by 秘书长, now waiting on the 分管副主席.
    report = services.create_document(secretariat, ctx.meeting, services.DocumentData(
        title="政协攀枝花市委员会常务委员会工作报告", type_id=types[DocumentTypeCode.WORK_REPORT].id,
        drafter_ids=[drafter.id], group_id=material_group.id if material_group else None,
        due_on=opening - dt.timedelta(days=10), template_id=reports.id))
    services.add_version(drafter, report, text=_text(WORK_REPORT), note="初稿")
    services.decide(_reviewer(report), report, Decision.APPROVE, comment="结构完整，同意报秘书长。")
    services.decide(_reviewer(report), report, Decision.RETURN, quote="全年共收到委员提案486件",
                    comment="提案数字请与提案委最终统计核对；第二部分建议增加数字化履职平台建设内容。")
    revised = [*WORK_REPORT]
    revised[5] = "全年共收到委员提案492件，经审查立案428件，办复率100%。"
    revised.insert(10, "推进“数字政协”建设，打造委员履职服务平台，实现履职活动全程留痕。")
    services.add_version(drafter, report, text=_text(revised), note="按秘书长意见核对提案数字，增加数字政协内容")
    services.add_comment(_reviewer(report), report, body="第二部分“今年的工作建议”还可再精炼。", is_internal=True)
    services.decide(_reviewer(report), report, Decision.APPROVE, comment="同意报分管副主席审核。")
    _backdate(report, 80, ctx)  # past the 3-day allowance: shows red on the board

    # 提案工作情况报告: returned at the first stage, the drafter is revising.
    tian = (ctx.staff_by_group.get("提案组") or [drafter])
    proposal = services.create_document(secretariat, ctx.meeting, services.DocumentData(
        title="政协攀枝花市委员会常务委员会关于十届三次会议以来提案工作情况的报告",
        type_id=types[DocumentTypeCode.PROPOSAL_REPORT].id, drafter_ids=[tian[-1].id],
        group_id=proposal_group.id if proposal_group else None, due_on=opening - dt.timedelta(days=8),
        template_id=reports.id))
    services.add_version(tian[-1], proposal, text=_text(PROPOSAL_REPORT), note="初稿")
    services.decide(_reviewer(proposal), proposal, Decision.RETURN, quote="并案处理23件",
                    comment="并案数与提案组台账不一致（台账为25件），请核实；建议补充重点提案督办情况。")
    _backdate(proposal, 20, ctx)

    # 大会发言材料汇编: through every stage, 定稿.
    speech_book = services.create_document(secretariat, ctx.meeting, services.DocumentData(
        title="大会发言材料汇编（书面发言）", type_id=types[DocumentTypeCode.SPEECH].id, drafter_ids=[drafter.id],
        group_id=material_group.id if material_group else None, due_on=opening - dt.timedelta(days=5),
        template_id=reports.id))
    services.add_version(drafter, speech_book, text=_text(["大会书面发言目录", *SPEECH_TOPICS]), note="初稿")
    while speech_book.status == DocumentStatus.IN_REVIEW:
        services.decide(_reviewer(speech_book), speech_book, Decision.APPROVE, comment="同意。")


def _speeches(ctx: DemoContext, speeches) -> None:
    """A dozen members' speech drafts: some waiting for a pipeline, some in review, some returned."""
    secretariat = ctx.secretariat[0]
    for index, (member, topic) in enumerate(zip(ctx.member_users[:12], SPEECH_TOPICS, strict=False)):
        body = [topic, f"{member.display_name}委员", "一、基本情况",
                f"近年来，我市在{topic[2:8]}方面取得积极进展，但仍存在短板。", "二、存在的问题",
                "统筹协调机制有待健全，要素保障仍需加强。", "三、几点建议", "建议市级层面加强统筹，出台专项支持政策。"]
        document = services.submit_speech(member, ctx.meeting, title=topic, text=_text(body), note="初稿")
        if index % 3 == 0:
            _backdate(document, 6 + index, ctx)
            continue
        services.assign_pipeline(secretariat, document, template_id=speeches.id,
                                 group_id=ctx.groups["材料组"].id if "材料组" in ctx.groups else None,
                                 due_on=ctx.meeting.opens_at.date() - dt.timedelta(days=7))
        if index % 3 == 2:
            services.decide(_reviewer(document), document, Decision.RETURN, quote=body[5],
                            comment="问题部分请结合我市实际举例说明，全文控制在1500字以内。")
        _backdate(document, 10 + 3 * index, ctx)


def seed(ctx: DemoContext) -> None:
    ctx.progress("材料审核")
    reports, speeches = _templates(ctx)
    _main_documents(ctx, reports)
    _speeches(ctx, speeches)
    db.session.flush()
    if ctx.scale != "small":
        documents = ctx.target("documents", 33)
        bulk_documents(ctx, reports.id, documents, ctx.target("versions", 5 * 33) // documents)


# ── large scale: bulk rows ──────────────────────────────────────────────────────────────────────
def bulk_documents(ctx: DemoContext, template_id: int, count: int, versions_per_document: int = 5) -> None:
    """``count`` documents spread over the groups and stages, each with a few text versions."""
    from meetingprep.documents.queries import template_with_stages

    template = template_with_stages(template_id)
    types = [t.id for t in services.ensure_default_types().values()]
    groups = list(ctx.groups.values())
    rng, now = ctx.rng, ctx.now
    statuses = [DocumentStatus.IN_REVIEW] * 5 + [DocumentStatus.RETURNED, DocumentStatus.FINALIZED,
                                                 DocumentStatus.DRAFTING]
    plans = []
    for n in range(count):
        group = groups[n % len(groups)]
        status = rng.choice(statuses)
        versions = 0 if status == DocumentStatus.DRAFTING else rng.randint(2, 2 * versions_per_document)
        plans.append({"group": group, "status": status, "versions": versions,
                      "stage": len(template.stages) - 1 if status == DocumentStatus.FINALIZED
                      else rng.randrange(len(template.stages)),
                      "drafter": rng.choice(ctx.staff_by_group.get(group.name) or ctx.secretariat).id,
                      "waited": dt.timedelta(hours=rng.randint(1, 120))})
    document_ids = db.session.scalars(insert(Document).returning(Document.id, sort_by_parameter_order=True), [
        {"meeting_id": ctx.meeting.id, "type_id": rng.choice(types), "title": f"{p['group'].name}材料第{n + 1}号",
         "group_id": p["group"].id, "due_on": (now + dt.timedelta(days=rng.randint(-3, 20))).date(),
         "status": p["status"], "template_name": template.name, "version_count": p["versions"],
         "waiting_since": now - p["waited"], "created_at": now - dt.timedelta(days=10), "version_id": 1,
         "finalized_at": now - p["waited"] if p["status"] == DocumentStatus.FINALIZED else None}
        for n, p in enumerate(plans)]).all()
    db.session.execute(insert(DocumentDrafter), [{"document_id": d, "user_id": p["drafter"]}
                                                 for d, p in zip(document_ids, plans, strict=True)])
    stage_rows = []
    for document_id, p in zip(document_ids, plans, strict=True):
        started = now - p["waited"]
        for source in template.stages:
            done = source.position < p["stage"] or p["status"] == DocumentStatus.FINALIZED
            active = source.position <= p["stage"] and p["status"] != DocumentStatus.DRAFTING
            stage_rows.append({
                "document_id": document_id, "position": source.position, "name": source.name, "rule": source.rule,
                "required_count": source.required_count, "is_sequential": source.is_sequential,
                "allowance_days": source.allowance_days, "round": 1 if active else 0,
                "started_at": started if active else None,
                "due_at": started + dt.timedelta(days=source.allowance_days) if active else None,
                "completed_at": started if done else None, "decision_count": 1 if done else 0, "version_id": 1})
    stage_ids = db.session.scalars(insert(DocumentStage).returning(DocumentStage.id, sort_by_parameter_order=True),
                                   stage_rows).all()
    per_document = len(template.stages)
    db.session.execute(insert(DocumentStageReviewer), [
        {"stage_id": stage_id, "user_id": r.user_id, "position": r.position}
        for index, stage_id in enumerate(stage_ids) for r in template.stages[index % per_document].reviewers])
    version_rows = []
    for document_id, p in zip(document_ids, plans, strict=True):
        for number in range(1, p["versions"] + 1):
            text = f"第{number}稿\n" + "\n".join(rng.sample(WORK_REPORT, 6))
            version_rows.append({"document_id": document_id, "number": number, "author_id": p["drafter"],
                                 "created_at": now - p["waited"] - dt.timedelta(days=p["versions"] - number),
                                 "note": "修改稿" if number > 1 else "初稿", "kind": "text",
                                 "size": len(text.encode()), "sha256": hashlib.sha256(text.encode()).hexdigest(),
                                 "original_name": "", "text_content": text})
    version_ids = db.session.scalars(
        insert(DocumentVersion).returning(DocumentVersion.id, sort_by_parameter_order=True), version_rows).all()
    last_version, cursor = {}, 0
    for document_id, p in zip(document_ids, plans, strict=True):
        cursor += p["versions"]
        if p["versions"]:
            last_version[document_id] = version_ids[cursor - 1]
    decisions, pointers = [], []
    for index, (document_id, p) in enumerate(zip(document_ids, plans, strict=True)):
        stages = stage_ids[index * per_document:(index + 1) * per_document]
        current = stages[p["stage"]] if p["status"] != DocumentStatus.DRAFTING else None
        pointers.append({"b_id": document_id, "b_stage": current, "b_version": last_version.get(document_id)})
        for position, stage_id in enumerate(stages):
            if document_id in last_version and (position < p["stage"] or p["status"] == DocumentStatus.FINALIZED):
                decisions.append({"stage_id": stage_id, "document_id": document_id,
                                  "reviewer_id": template.stages[position].reviewers[0].user_id,
                                  "doc_version_id": last_version[document_id], "round": 1,
                                  "decision": Decision.APPROVE, "comment": "同意。", "quote": "",
                                  "at": now - p["waited"]})
    table = Document.__table__
    db.session.execute(update(table).where(table.c.id == bindparam("b_id"))
                       .values(current_stage_id=bindparam("b_stage"), current_version_id=bindparam("b_version")),
                       pointers)
    if decisions:
        db.session.execute(insert(ReviewDecision), decisions)
