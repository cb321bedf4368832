"""Read side of the review pipeline: every page here runs a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import BindParameter, Select, and_, bindparam, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload, raiseload, selectinload, undefer

from meetingprep import timeutil
from meetingprep.auth.models import User
from meetingprep.documents.models import (
    Document,
    DocumentComment,
    DocumentDrafter,
    DocumentStage,
    DocumentStageReviewer,
    DocumentType,
    DocumentVersion,
    PipelineTemplate,
    PipelineTemplateReviewer,
    PipelineTemplateStage,
    ReviewDecision,
)
from meetingprep.documents.states import DocumentStatus
from meetingprep.extensions import db
from meetingprep.groups.models import WorkingGroup
from meetingprep.permissions import Role
from meetingprep.versioned_cache import cached_value

# Module level: an alias made per call is a new entity and defeats the ORM's caches.
_Mine = aliased(DocumentStageReviewer, name="mine")
_Earlier = aliased(DocumentStageReviewer, name="earlier")


def _stage_options(path):
    """The current stage with whom it waits on: reviewers (with users) and this stage's decisions."""
    return (path.selectinload(DocumentStage.reviewers).joinedload(DocumentStageReviewer.user),
            path.selectinload(DocumentStage.decisions))


def _list_options():
    current = joinedload(Document.current_stage)
    return (joinedload(Document.type), joinedload(Document.group), joinedload(Document.submitter),
            *_stage_options(current), raiseload("*"))


@dataclass
class BoardFilters:
    type_id: int | None = None
    status: DocumentStatus | None = None
    stage: str | None = None
    group_id: int | None = None
    overdue: bool = False  # in review, the current stage past its time allowance (the dashboard links here)
    page: int = 1


class DocumentPagination(SelectPagination):
    """A page of documents chosen on narrow rows, then loaded with the list options for that page alone.

    ``select`` names the ids and sort keys of every matching document, in order. Sorting the full rows
    joined to type, group, submitter and stage grew with every matching document; here only (id, keys)
    are sorted, and one page of documents is joined and loaded.

    ``total_with_page``: the total rides along as ``count(*) OVER ()`` on the rows the sort reads
    anyway, for a filter too costly to run twice (待我审核's "waits on me" test). Not for the board:
    its count is an index count, while the window would materialise every matching row.
    """

    def _query_items(self) -> list:
        keys, with_total = self._query_args["select"], self._query_args["total_with_page"]
        order = [column for column in keys.selected_columns if column.name != "id"]
        if with_total:
            keys = keys.add_columns(func.count().over().label("total"))
        page = keys.limit(self.per_page).offset(self._query_offset).subquery("page")
        stmt = (select(Document, *([page.c.total] if with_total else []))
                .join(page, page.c.id == Document.id).options(*_list_options())
                .order_by(*(page.c[column.name] for column in order), page.c.id))
        rows = self._query_args["session"].execute(stmt).unique().all()
        self._counted = None
        if with_total:
            self._counted = rows[0].total if rows else (0 if self._query_offset == 0 else None)
        return [row[0] for row in rows]

    def _query_count(self) -> int:
        return self._counted if self._counted is not None else super()._query_count()


def _document_page(ids, page: int, per_page: int, *, total_with_page: bool = False) -> DocumentPagination:
    return DocumentPagination(select=ids, session=db.session(), page=page, per_page=per_page, max_per_page=None,
                              error_out=False, total_with_page=total_with_page)


def board(meeting_id: int, filters: BoardFilters, per_page: int):
    """All documents of the meeting, longest-waiting open ones first."""
    stmt = select(Document.id).where(Document.meeting_id == meeting_id)
    if filters.type_id:
        stmt = stmt.where(Document.type_id == filters.type_id)
    if filters.status:
        stmt = stmt.where(Document.status == filters.status)
    if filters.group_id:
        stmt = stmt.where(Document.group_id == filters.group_id)
    if filters.stage:
        stmt = stmt.where(Document.current_stage_id.in_(
            select(DocumentStage.id).where(DocumentStage.name == filters.stage)),
            Document.status.in_([DocumentStatus.IN_REVIEW, DocumentStatus.RETURNED]))
    if filters.overdue:
        stmt = stmt.where(Document.status == DocumentStatus.IN_REVIEW, Document.current_stage_id.in_(
            select(DocumentStage.id).where(DocumentStage.due_at < timeutil.now())))
    finalized = (Document.status == DocumentStatus.FINALIZED).label("finalized")
    stmt = stmt.add_columns(finalized, Document.waiting_since).order_by(finalized, Document.waiting_since, Document.id)
    return _document_page(stmt, filters.page, per_page)


def board_choices(meeting_id: int) -> dict:
    """Filter choices: types, groups and the stage names in use (three small queries), the same for every
    view, so cached until the data changes (versioned_cache.py)."""
    def build() -> dict:
        return {
            "types": [tuple(row) for row in db.session.execute(
                select(DocumentType.id, DocumentType.name).order_by(DocumentType.sort_order, DocumentType.id))],
            "groups": [tuple(row) for row in db.session.execute(
                select(WorkingGroup.id, WorkingGroup.name).where(WorkingGroup.meeting_id == meeting_id)
                .order_by(WorkingGroup.sort_order, WorkingGroup.id))],
            "stages": stage_names(meeting_id),
        }

    return cached_value("documents.board_choices", meeting_id, build)


def stage_names(meeting_id: int) -> list[str]:
    """The stage names used by the meeting's documents, without reading all their stages.

    A handful of names repeat over thousands of stages, so DISTINCT over the meeting's stages reads them
    all. A recursive walk of the name index jumps from one name to the
    next (a "loose index scan"); each name is kept if some stage of this meeting's documents bears it.
    That test is a LIMIT 1 subquery, not EXISTS: PostgreSQL turns EXISTS into a semi-join over every stage.
    """
    first = select(func.min(DocumentStage.name).label("name")).cte("stage_names", recursive=True)
    following = select(func.min(DocumentStage.name)).where(DocumentStage.name > first.c.name).scalar_subquery()
    names = first.union_all(select(following).where(first.c.name.is_not(None)))
    one_here = (select(Document.id).join(DocumentStage, DocumentStage.document_id == Document.id)
                .where(DocumentStage.name == names.c.name, Document.meeting_id == meeting_id)
                .limit(1).scalar_subquery())
    return list(db.session.scalars(select(names.c.name).where(names.c.name.is_not(None), one_here.is_not(None))
                                   .order_by(names.c.name)))


def status_counts(meeting_id: int) -> dict[DocumentStatus, int]:
    """Documents per status: they count every document of the meeting, so cached until the data changes."""
    return cached_value("documents.status_counts", meeting_id, lambda: dict(db.session.execute(
        select(Document.status, func.count()).where(Document.meeting_id == meeting_id)
        .group_by(Document.status)).all()))


def _waiting_on(user_id: int | BindParameter):
    """SQL for "the current stage waits on this user": mirrors DocumentStage.pending_reviewers()."""
    mine, earlier = _Mine, _Earlier

    def decided(reviewer):
        # Correlated by name: nested two levels down (inside someone_before), auto-correlation would
        # leave document_stages in this EXISTS's own FROM — "decided on any stage with that round".
        return (exists().where(ReviewDecision.stage_id == DocumentStage.id,
                               ReviewDecision.reviewer_id == reviewer.user_id,
                               ReviewDecision.round == DocumentStage.round)
                .correlate(DocumentStage, reviewer))

    someone_before = exists().where(earlier.stage_id == DocumentStage.id, earlier.position < mine.position,
                                    ~decided(earlier))
    return (
        select(Document.id)
        .join(DocumentStage, DocumentStage.id == Document.current_stage_id)
        .join(mine, and_(mine.stage_id == DocumentStage.id, mine.user_id == user_id))
        .where(Document.status == DocumentStatus.IN_REVIEW, ~decided(mine),
               or_(~DocumentStage.is_sequential, ~someone_before))
    )


def review_queue(user_id: int, page: int, per_page: int):
    """待我审核: what waits on this reviewer now, oldest first."""
    stmt = (_waiting_on(user_id).add_columns(Document.waiting_since)
            .order_by(Document.waiting_since, Document.id))
    return _document_page(stmt, page, per_page, total_with_page=True)


@cache
def _review_queue_count_statement() -> Select:
    """Built once per process (the reviewer bound): building the test and its cache key cost more than running
    it."""
    return select(func.count()).select_from(_waiting_on(bindparam("user_id")).subquery())


def review_queue_count(user_id: int) -> int:
    return db.session.scalar(_review_queue_count_statement(), {"user_id": user_id}) or 0


def my_speeches_statement(user_id: int) -> Select:
    """A member's speeches, newest first, loaded for a list."""
    return (select(Document).where(Document.submitter_id == user_id).options(*_list_options())
            .order_by(Document.created_at.desc(), Document.id.desc()))


def my_speeches(user_id: int, page: int, per_page: int):
    return db.paginate(my_speeches_statement(user_id), page=page, per_page=per_page, error_out=False)


def document_for_action(document_id: int) -> Document | None:
    """Everything the rules and the document page read: drafters, every stage with its reviewers and
    decisions, the current version (text deferred). Five queries whatever the document's size."""
    return db.session.scalar(
        select(Document).where(Document.id == document_id).options(
            joinedload(Document.meeting), joinedload(Document.type), joinedload(Document.group),
            joinedload(Document.submitter), joinedload(Document.current_version), joinedload(Document.current_stage),
            selectinload(Document.drafters).joinedload(DocumentDrafter.user),
            selectinload(Document.stages).selectinload(DocumentStage.reviewers)
            .joinedload(DocumentStageReviewer.user),
            selectinload(Document.stages).selectinload(DocumentStage.decisions)
            .joinedload(ReviewDecision.reviewer),
            selectinload(Document.stages).selectinload(DocumentStage.decisions)
            .joinedload(ReviewDecision.doc_version),
            raiseload("*"),
        ))


def versions_of(document_id: int) -> list[DocumentVersion]:
    """Newest first, text not loaded (it can be long)."""
    return list(db.session.scalars(
        select(DocumentVersion).where(DocumentVersion.document_id == document_id)
        .options(joinedload(DocumentVersion.author), raiseload("*"))
        .order_by(DocumentVersion.number.desc())))


def version_with_text(document_id: int, number: int) -> DocumentVersion | None:
    return db.session.scalar(
        select(DocumentVersion).where(DocumentVersion.document_id == document_id, DocumentVersion.number == number)
        .options(undefer(DocumentVersion.text_content), joinedload(DocumentVersion.author), raiseload("*")))


def comments_of(document_id: int, *, include_internal: bool) -> list[DocumentComment]:
    stmt = (select(DocumentComment).where(DocumentComment.document_id == document_id)
            .options(joinedload(DocumentComment.author), joinedload(DocumentComment.doc_version), raiseload("*"))
            .order_by(DocumentComment.id))
    if not include_internal:
        stmt = stmt.where(DocumentComment.is_internal.is_(False))
    return list(db.session.scalars(stmt))


def _template_options():
    return (selectinload(PipelineTemplate.stages).selectinload(PipelineTemplateStage.reviewers)
            .joinedload(PipelineTemplateReviewer.user),)


def templates() -> list[PipelineTemplate]:
    return list(db.session.scalars(select(PipelineTemplate).options(*_template_options())
                                   .order_by(PipelineTemplate.name)))


def template_with_stages(template_id: int) -> PipelineTemplate | None:
    return db.session.scalar(select(PipelineTemplate).where(PipelineTemplate.id == template_id)
                             .options(*_template_options()))


def template_choices() -> list[tuple[int, str]]:
    return db.session.execute(select(PipelineTemplate.id, PipelineTemplate.name)
                              .order_by(PipelineTemplate.name)).all()


def reviewer_choices() -> list[tuple[int, str]]:
    """People who may review or draft: every active account except committee members."""
    return [(uid, f"{name}（{role.label}）") for uid, name, role in db.session.execute(
        select(User.id, User.display_name, User.role)
        .where(User.is_active_account, User.role != Role.MEMBER).order_by(User.role, User.display_name))]


def drafter_choices() -> list[tuple[int, str]]:
    return [(uid, f"{name}（{role.label}）") for uid, name, role in db.session.execute(
        select(User.id, User.display_name, User.role)
        .where(User.is_active_account).order_by(User.role, User.display_name))]


def document_types() -> list[DocumentType]:
    return list(db.session.scalars(select(DocumentType).order_by(DocumentType.sort_order, DocumentType.id)))


@dataclass(frozen=True)
class OverdueStage:
    document_id: int
    meeting_id: int
    title: str
    stage_id: int
    stage_name: str
    round: int
    due_at: dt.datetime
    pending_user_ids: tuple[int, ...]
    allowance_days: int = 0
    version_number: int = 0


def overdue_stages(moment: dt.datetime) -> list[OverdueStage]:
    """Current review stages whose time allowance ran out, with the reviewers still to decide
    (for the reminder scanner: dedup by stage_id and round)."""
    stages = db.session.scalars(
        select(DocumentStage)
        .join(Document, Document.current_stage_id == DocumentStage.id)
        .where(Document.status == DocumentStatus.IN_REVIEW, DocumentStage.due_at < moment)
        .options(joinedload(DocumentStage.document), selectinload(DocumentStage.reviewers),
                 selectinload(DocumentStage.decisions), raiseload("*"))
        .order_by(DocumentStage.due_at)).all()
    return [OverdueStage(document_id=s.document_id, meeting_id=s.document.meeting_id, title=s.document.title,
                         stage_id=s.id, stage_name=s.name, round=s.round, due_at=s.due_at,
                         pending_user_ids=tuple(r.user_id for r in s.pending_reviewers()),
                         allowance_days=s.allowance_days, version_number=s.document.version_count)
            for s in stages]


# ── 审核轮次 ─────────────────────────────────────────────────────────────────────────────────────
#: How the figure is worded wherever it is shown (the summary's sources, the comparison's method).
REVIEW_ROUNDS_DEFINITION = ("审核轮次 = 材料送审的轮数：首次送审为 1 轮，"
                            "每次退回（或定稿后重新打开）后提交新版本再送审加 1 轮")


def review_rounds():
    """Subquery (document_id, rounds) over the documents that entered review: the one definition of 审核轮次
    the meeting's summary and the comparison of meetings share.

    A round is a version sent round the review: the first submission, then each new version submitted after
    a return (or a reopened 定稿). Every start of a stage bumps its ``round``; a stage is started once when
    the document first reaches it and once more per resubmission (a resubmitted version goes back to the
    stage that returned it), so rounds = Σ stage rounds − stages reached + 1. Not 退回次数 + 1: a return the
    drafters have not yet answered with a new version is no round held, and a draft never submitted has
    none. Not the highest stage round either: a document returned at two different stages went round three
    times, while each of those stages counts only its own restarts."""
    started = func.coalesce(func.sum(DocumentStage.round), 0)
    reached = func.count(DocumentStage.id).filter(DocumentStage.round > 0)
    return (select(DocumentStage.document_id, (started - reached + 1).label("rounds"))
            .group_by(DocumentStage.document_id).having(func.max(DocumentStage.round) > 0)
            .subquery("review_rounds"))
