"""材料审核: each main document's stage on its track, documents per status and stage, the longest waiting.

Two queries whatever the number of documents: one GROUP BY (status × current stage) for every count,
and one for the few documents drawn (the main documents' tracks and the longest-waiting reviews) with
their stages and the current stage's reviewers. Whom a review waits on mirrors
``DocumentStage.pending_reviewers()``: reviewers without a decision in this round, only the next one
when the stage goes in order.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import and_, exists, func, or_, select

from meetingprep import timeutil
from meetingprep.auth.models import User
from meetingprep.dashboard.core import DashboardContext, Section, document_url
from meetingprep.documents.models import (
    Document,
    DocumentStage,
    DocumentStageReviewer,
    DocumentType,
    DocumentTypeCode,
    ReviewDecision,
)
from meetingprep.documents.states import STATUS_BADGES, DocumentStatus
from meetingprep.extensions import db
from meetingprep.groups.models import WorkingGroup

TRACKS = 12  # main documents drawn with their track
WAITING = 8  # longest-waiting reviews listed
IN_REVIEW = DocumentStatus.IN_REVIEW
#: The stage a document sits at only means something while it is in review or returned from it.
AT_A_STAGE = (DocumentStatus.IN_REVIEW, DocumentStatus.RETURNED)


def _scope(ctx: DashboardContext) -> list:
    clauses = [Document.meeting_id == ctx.meeting.id]
    if ctx.group_ids is not None:
        clauses.append(Document.group_id.in_(sorted(ctx.group_ids)))
    return clauses


def _is_main():
    """Main documents: every type but the members' speeches (大会发言)."""
    return func.coalesce(DocumentType.code, "") != DocumentTypeCode.SPEECH.value


def compute(ctx: DashboardContext) -> dict:
    counts = _counts(ctx)
    tracks, waiting = _details(ctx)
    return {**counts, "tracks": {"rows": tracks, "total": counts["main_total"], "url": ctx.documents_url()},
            "waiting": {"rows": waiting, "total": counts["in_review"],
                        "url": ctx.documents_url(status=IN_REVIEW.value)}}


def _counts(ctx: DashboardContext) -> dict:
    overdue = and_(Document.status == IN_REVIEW, DocumentStage.due_at < ctx.moment)
    rows = db.session.execute(
        select(Document.status, DocumentStage.name, func.min(DocumentStage.position).label("position"),
               func.count(Document.id).label("count"), func.count(Document.id).filter(_is_main()).label("main"),
               func.count(Document.id).filter(overdue).label("overdue"))
        .join(DocumentType, DocumentType.id == Document.type_id)
        .outerjoin(DocumentStage, DocumentStage.id == Document.current_stage_id)
        .where(*_scope(ctx))
        .group_by(Document.status, DocumentStage.name)).all()
    by_status: dict[DocumentStatus, int] = defaultdict(int)
    stages: dict[str, dict] = {}
    for row in rows:
        by_status[row.status] += row.count
        if row.status in AT_A_STAGE and row.name is not None:
            stage = stages.setdefault(row.name, {"name": row.name, "position": row.position, "in_review": 0,
                                                 "returned": 0, "overdue": 0})
            stage["in_review" if row.status == IN_REVIEW else "returned"] += row.count
            stage["overdue"] += row.overdue
            stage["position"] = min(stage["position"], row.position)
    for stage in stages.values():
        stage["urls"] = {"in_review": ctx.documents_url(status=IN_REVIEW.value, stage=stage["name"]),
                         "returned": ctx.documents_url(status=DocumentStatus.RETURNED.value, stage=stage["name"]),
                         "overdue": ctx.documents_url(overdue=1, stage=stage["name"])}
    return {
        "total": sum(by_status.values()),
        "url": ctx.documents_url(),
        "main_total": sum(row.main for row in rows),
        "in_review": by_status[IN_REVIEW],
        "overdue": sum(row.overdue for row in rows),
        "overdue_url": ctx.documents_url(overdue=1),
        "statuses": [{"id": status.value, "label": status.label, "badge": STATUS_BADGES[status],
                      "count": by_status[status], "url": ctx.documents_url(status=status.value)}
                     for status in DocumentStatus],
        "stages": sorted(stages.values(), key=lambda stage: (stage["position"], stage["name"])),
    }


def _details(ctx: DashboardContext) -> tuple[list[dict], list[dict]]:
    """The documents drawn, each with every stage and the current stage's reviewers, in one query."""
    main_ids = (select(Document.id).join(DocumentType, DocumentType.id == Document.type_id)
                .where(*_scope(ctx), _is_main())
                .order_by(DocumentType.sort_order, DocumentType.id, Document.id).limit(TRACKS))
    current = DocumentStage.__table__.alias("current_stage")
    waiting_ids = (select(Document.id).join(current, current.c.id == Document.current_stage_id)
                   .where(*_scope(ctx), Document.status == IN_REVIEW)
                   .order_by(current.c.started_at, Document.id).limit(WAITING))
    decided = exists().where(ReviewDecision.stage_id == DocumentStage.id,
                             ReviewDecision.reviewer_id == DocumentStageReviewer.user_id,
                             ReviewDecision.round == DocumentStage.round)
    rows = db.session.execute(
        select(Document.id, Document.title, Document.status, Document.current_stage_id,
               DocumentType.name.label("type_name"), Document.id.in_(main_ids).label("is_track"),
               DocumentType.sort_order.label("type_order"), DocumentType.id.label("type_id"),
               WorkingGroup.name.label("group_name"),
               DocumentStage.id.label("stage_id"), DocumentStage.name.label("stage_name"),
               DocumentStage.started_at, DocumentStage.due_at, DocumentStage.completed_at,
               DocumentStage.is_sequential, User.display_name.label("reviewer"), decided.label("decided"))
        .join(DocumentType, DocumentType.id == Document.type_id)
        .outerjoin(WorkingGroup, WorkingGroup.id == Document.group_id)
        .outerjoin(DocumentStage, DocumentStage.document_id == Document.id)
        .outerjoin(DocumentStageReviewer, and_(DocumentStageReviewer.stage_id == DocumentStage.id,
                                               DocumentStage.id == Document.current_stage_id))
        .outerjoin(User, User.id == DocumentStageReviewer.user_id)
        .where(or_(Document.id.in_(main_ids), Document.id.in_(waiting_ids)))
        .order_by(Document.id, DocumentStage.position, DocumentStageReviewer.position, DocumentStageReviewer.id)
    ).all()
    documents: dict[int, dict] = {}
    for row in rows:
        document = documents.get(row.id)
        if document is None:
            document = documents[row.id] = {
                "id": row.id, "title": row.title, "status": row.status, "status_label": row.status.label,
                "badge": STATUS_BADGES[row.status], "type": row.type_name, "type_id": row.type_id,
                "group": row.group_name or "—", "url": document_url(row.id), "is_track": bool(row.is_track),
                "order": (row.type_order, row.type_id, row.id), "stages": [], "_reviewers": [],
                "current": None}
        if row.stage_id is None:
            continue
        is_current = row.stage_id == row.current_stage_id
        if not document["stages"] or document["stages"][-1]["id"] != row.stage_id:
            document["stages"].append(_stage(ctx, row, is_current))
        if is_current and row.reviewer is not None:
            document["_reviewers"].append((row.reviewer, bool(row.decided)))
    for document in documents.values():
        reviewers = document.pop("_reviewers")
        current = next((stage for stage in document["stages"] if stage["state"] in ("current", "returned")), None)
        document["current"] = current
        if current is not None and document["status"] == IN_REVIEW:
            pending = [name for name, decided in reviewers if not decided]
            current["pending"] = pending[:1] if current["is_sequential"] else pending
        for stage in document["stages"]:
            del stage["is_sequential"]  # read above; not a figure
        document["pending"] = "、".join((current or {}).get("pending", [])) or "—"
    tracks = sorted((d for d in documents.values() if d["is_track"]), key=lambda d: d["order"])
    waiting = sorted((d for d in documents.values() if d["status"] == IN_REVIEW and d["current"]),
                     key=lambda d: (d["current"]["started_at"], d["id"]))[:WAITING]
    for document in documents.values():
        del document["order"], document["is_track"]
    return tracks, [_waiting_row(ctx, document) for document in waiting]


def _stage(ctx: DashboardContext, row, is_current: bool) -> dict:
    """A stage on its track: 已完成 (done), 当前 (current, or returned from it), 未开始 (upcoming)."""
    if row.status == DocumentStatus.FINALIZED:
        state = "done"
    elif is_current and row.status in AT_A_STAGE:
        state = "current" if row.status == IN_REVIEW else "returned"
    else:
        state = "done" if row.completed_at is not None else "upcoming"
    overdue = state == "current" and row.due_at is not None and row.due_at < ctx.moment
    return {"id": row.stage_id, "name": row.stage_name, "state": state, "is_overdue": overdue,
            "is_done": state == "done", "is_current": state == "current", "is_returned": state == "returned",
            "started_at": row.started_at, "due_at": row.due_at, "is_sequential": row.is_sequential,
            "pending": []}


def _waiting_row(ctx: DashboardContext, document: dict) -> dict:
    stage = document["current"]
    return {"id": document["id"], "title": document["title"], "url": document["url"], "type": document["type"],
            "group": document["group"], "stage": stage["name"], "started_at": stage["started_at"],
            "due_at": stage["due_at"], "is_overdue": stage["is_overdue"], "pending": document["pending"],
            "waited": timeutil.humanize_delta(ctx.moment - stage["started_at"]),
            "stage_url": ctx.documents_url(status=IN_REVIEW.value, stage=stage["name"])}


def sheets(figures: dict) -> list:
    status_rows = [[row["label"], row["count"]] for row in figures["statuses"]]
    status_rows += [[f"审核中·{row['name']}", row["in_review"]] for row in figures["stages"]]
    tracks = [[row["title"], row["type"], row["group"], row["status_label"],
               (row["current"] or {}).get("name", "—"),
               " → ".join(stage["name"] + ("（当前）" if stage["state"] in ("current", "returned") else "")
                          for stage in row["stages"]),
               row["pending"]] for row in figures["tracks"]["rows"]]
    waiting = [[row["title"], row["stage"], row["pending"], row["started_at"],
                row["due_at"] or "—", "是" if row["is_overdue"] else "否"]
               for row in figures["waiting"]["rows"]]
    return [("材料审核", ["状态 / 阶段", "材料数"], status_rows),
            ("主要材料进度", ["材料", "类型", "责任组", "状态", "当前阶段", "审核流程", "待审核人"], tracks),
            ("待审材料", ["材料", "当前阶段", "待审核人", "阶段开始", "办理期限", "是否超时"], waiting)]


SECTION = Section(key="documents", title="材料审核", template="dashboard/_documents.html", compute=compute,
                  sheets=sheets, wide=True, wall_columns="col-xl-6")
