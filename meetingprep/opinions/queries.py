"""Read side of the discussion opinions: a document's opinions per paragraph, the 意见采纳情况 report, a
member's or a group's opinions. Every page runs a fixed number of queries whatever the number of opinions."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import aliased, joinedload, load_only, raiseload

from meetingprep.attendance.models import DiscussionGroup, MemberProfile
from meetingprep.auth.models import User
from meetingprep.documents.models import Document, DocumentType, DocumentTypeCode, DocumentVersion
from meetingprep.documents.text import paragraph_map, paragraphs
from meetingprep.extensions import db
from meetingprep.opinions.models import DiscussionOpinion, DiscussionRecorder, OpinionResponse
from meetingprep.roles import WORKERS

#: The documents the group discussions review (the plenary hears and deliberates these two reports).
DISCUSSED_TYPES = (DocumentTypeCode.WORK_REPORT.value, DocumentTypeCode.PROPOSAL_REPORT.value)
#: A meeting has a few such reports; the list stops here rather than grow with a generated archive.
DISCUSSED_LIMIT = 200
_Raised = aliased(DocumentVersion, name="raised_on")  # module level: one alias, not one per call


def _options(*, with_document: bool = False):
    options = [joinedload(DiscussionOpinion.discussion_group), joinedload(DiscussionOpinion.doc_version),
               joinedload(DiscussionOpinion.response_version), joinedload(DiscussionOpinion.recorded_by),
               joinedload(DiscussionOpinion.answered_by)]
    if with_document:
        options.append(joinedload(DiscussionOpinion.document))
    return (*options, raiseload("*"))


def opinions_of(document_id: int) -> list[DiscussionOpinion]:
    return list(db.session.scalars(select(DiscussionOpinion).where(DiscussionOpinion.document_id == document_id)
                                   .options(*_options()).order_by(DiscussionOpinion.id)))


def opinion_or_none(opinion_id: int) -> DiscussionOpinion | None:
    return db.session.scalar(select(DiscussionOpinion).where(DiscussionOpinion.id == opinion_id)
                             .options(*_options()))


def unanswered_count(document_id: int) -> int:
    return db.session.scalar(select(func.count(DiscussionOpinion.id)).where(
        DiscussionOpinion.document_id == document_id, ~DiscussionOpinion.is_answered)) or 0


@dataclass(frozen=True)
class OpinionCounts:
    total: int = 0
    unanswered: int = 0


def counts_of_document(document: Document) -> OpinionCounts | None:
    """(opinions, unanswered) for a report the discussions review (``type`` loaded); None for other documents,
    without a query."""
    if document.type.code not in DISCUSSED_TYPES:
        return None
    total, unanswered = db.session.execute(
        select(func.count(DiscussionOpinion.id),
               func.count(DiscussionOpinion.id).filter(~DiscussionOpinion.is_answered))
        .where(DiscussionOpinion.document_id == document.id)).one()
    return OpinionCounts(total or 0, unanswered or 0)


# ── a document's opinions, per paragraph of its current version ────────────────────────────────
@dataclass
class ParagraphRow:
    number: int
    text: str
    opinions: list[DiscussionOpinion] = field(default_factory=list)


@dataclass
class DocumentOpinions:
    paragraphs: list[ParagraphRow]
    whole: list[DiscussionOpinion]      # on the document as a whole
    dropped: list[DiscussionOpinion]    # on a paragraph no later version keeps (deleted or rewritten)
    opinions: list[DiscussionOpinion]
    #: opinion id → the paragraph of the current version it now concerns (None: whole or dropped)
    current_paragraph: dict[int, int | None]

    @property
    def total(self) -> int:
        return len(self.opinions)

    @property
    def unanswered(self) -> int:
        return sum(1 for o in self.opinions if o.response is None)

    @property
    def counts(self) -> list[tuple[str, int]]:
        """(label, count) of each answer and of 待答复, in the table's order."""
        tally = Counter(o.response for o in self.opinions)
        return [(response.label, tally.get(response, 0)) for response in OpinionResponse] + \
            [("待答复", tally.get(None, 0))]


def by_paragraph(document: Document, current_text: str | None, opinions: list[DiscussionOpinion],
                 budget: int) -> DocumentOpinions:
    """Each opinion under the paragraph of the current version it concerns. One raised on an older version
    follows its paragraph through the diff's alignment (one query for those versions' texts)."""
    current_id = document.current_version_id
    lines = paragraphs(current_text)
    rows = [ParagraphRow(number, text) for number, text in enumerate(lines, start=1)]
    older = {o.doc_version_id for o in opinions if o.paragraph_number and o.doc_version_id != current_id}
    texts = dict(db.session.execute(select(DocumentVersion.id, DocumentVersion.text_content)
                                    .where(DocumentVersion.id.in_(older))).all()) if older else {}
    maps = {version_id: paragraph_map(text, current_text, budget=budget) for version_id, text in texts.items()}
    whole, dropped, where = [], [], {}
    for opinion in opinions:
        number = opinion.paragraph_number
        if number is not None and opinion.doc_version_id != current_id:
            number = maps.get(opinion.doc_version_id, {}).get(number)
            if number is None:
                dropped.append(opinion)
        elif number is None:
            whole.append(opinion)
        if number is not None and 1 <= number <= len(rows):
            rows[number - 1].opinions.append(opinion)
        elif number is not None:
            dropped.append(opinion)
            number = None
        where[opinion.id] = number
    return DocumentOpinions(rows, whole, dropped, opinions, where)


def paragraph_counts(document: Document, current_text: str | None, budget: int) -> dict[int, OpinionCounts]:
    """Paragraph number of the current version → (opinions, unanswered) on it, for the marks beside the
    document page's text; paragraphs without opinions are left out. The same placement as the opinions page
    (``by_paragraph``: an opinion on an older version follows its paragraph), over only the columns it needs:
    two queries however many opinions."""
    opinions = list(db.session.scalars(
        select(DiscussionOpinion).where(DiscussionOpinion.document_id == document.id)
        .options(load_only(DiscussionOpinion.id, DiscussionOpinion.doc_version_id, DiscussionOpinion.paragraph_number,
                           DiscussionOpinion.response), raiseload("*"))))
    if not opinions:
        return {}
    view = by_paragraph(document, current_text, opinions, budget)
    return {row.number: OpinionCounts(len(row.opinions), sum(1 for o in row.opinions if o.response is None))
            for row in view.paragraphs if row.opinions}


def report_order(view: DocumentOpinions) -> list[DiscussionOpinion]:
    """The report's order: by the paragraph of the current version, then whole-document, then dropped ones."""
    last = len(view.paragraphs) + 1
    return sorted(view.opinions, key=lambda o: (view.current_paragraph.get(o.id) or last, o.id))


# ── lists ───────────────────────────────────────────────────────────────────────────────────────
def discussed_documents(meeting_id: int):
    """The reports the discussions review, each with its number of opinions and of unanswered ones."""
    counts = (select(DiscussionOpinion.document_id, func.count(DiscussionOpinion.id).label("total"),
                     func.count(DiscussionOpinion.id).filter(~DiscussionOpinion.is_answered).label("unanswered"))
              .group_by(DiscussionOpinion.document_id).subquery())
    return db.session.execute(
        select(Document, func.coalesce(counts.c.total, 0).label("total"),
               func.coalesce(counts.c.unanswered, 0).label("unanswered"))
        .join(DocumentType, DocumentType.id == Document.type_id)
        .outerjoin(counts, counts.c.document_id == Document.id)
        .where(Document.meeting_id == meeting_id, DocumentType.code.in_(DISCUSSED_TYPES))
        .options(joinedload(Document.type), joinedload(Document.current_version), raiseload("*"))
        .order_by(DocumentType.sort_order, Document.id).limit(DISCUSSED_LIMIT)).all()


def discussed_page(meeting_id: int, *, page: int = 1, per_page: int = 50):
    """One page of the reports the discussions review, and report id → its ``OpinionCounts`` (the page's
    reports only: a generated archive can hold hundreds of reports, a meeting's discussions a few)."""
    pagination = db.paginate(
        select(Document).join(DocumentType, DocumentType.id == Document.type_id)
        .where(Document.meeting_id == meeting_id, DocumentType.code.in_(DISCUSSED_TYPES))
        .options(joinedload(Document.type), joinedload(Document.current_version), raiseload("*"))
        .order_by(DocumentType.sort_order, Document.id), page=page, per_page=per_page, error_out=False)
    ids = [document.id for document in pagination.items]
    counts = {document_id: OpinionCounts() for document_id in ids}
    if ids:
        counts.update({document_id: OpinionCounts(total, unanswered) for document_id, total, unanswered in
                       db.session.execute(
                           select(DiscussionOpinion.document_id, func.count(DiscussionOpinion.id),
                                  func.count(DiscussionOpinion.id).filter(~DiscussionOpinion.is_answered))
                           .where(DiscussionOpinion.document_id.in_(ids)).group_by(DiscussionOpinion.document_id))})
    return pagination, counts


def opinions_page(meeting_id: int, *, member_id: int | None = None, group_id: int | None = None,
                  page: int = 1, per_page: int = 50):
    query = (select(DiscussionOpinion).where(DiscussionOpinion.meeting_id == meeting_id)
             .options(*_options(with_document=True)).order_by(DiscussionOpinion.id.desc()))
    if member_id is not None:
        query = query.where(DiscussionOpinion.member_id == member_id)
    if group_id is not None:
        query = query.where(DiscussionOpinion.discussion_group_id == group_id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def group_counts(meeting_id: int):
    """Per discussion group: (group, opinions, answered) — what each group said and how much was answered."""
    return db.session.execute(
        select(DiscussionGroup, func.count(DiscussionOpinion.id).label("total"),
               func.count(DiscussionOpinion.id).filter(DiscussionOpinion.is_answered).label("answered"))
        .outerjoin(DiscussionOpinion, DiscussionOpinion.discussion_group_id == DiscussionGroup.id)
        .where(DiscussionGroup.meeting_id == meeting_id)
        .group_by(DiscussionGroup.id).order_by(DiscussionGroup.sort_order, DiscussionGroup.name)).all()


# ── the recording form's choices ────────────────────────────────────────────────────────────────
def recordable_groups(meeting_id: int, group_ids: frozenset[int] | None) -> list[tuple[int, str]]:
    """The groups the recorder may record for (None: every group of the meeting, the secretariat)."""
    query = select(DiscussionGroup.id, DiscussionGroup.name).where(DiscussionGroup.meeting_id == meeting_id)
    if group_ids is not None:
        query = query.where(DiscussionGroup.id.in_(sorted(group_ids)))
    return [tuple(row) for row in db.session.execute(query.order_by(DiscussionGroup.sort_order,
                                                                     DiscussionGroup.name))]


def member_choices(meeting_id: int, group_ids: list[int]) -> list[tuple[int, str]]:
    """The members of these groups, by group then member number: "张三（0012 · 第一组）"."""
    if not group_ids:
        return []
    rows = db.session.execute(
        select(MemberProfile.id, MemberProfile.name, MemberProfile.member_no, DiscussionGroup.name)
        .join(DiscussionGroup, DiscussionGroup.id == MemberProfile.discussion_group_id)
        .where(MemberProfile.meeting_id == meeting_id, MemberProfile.discussion_group_id.in_(group_ids))
        .order_by(DiscussionGroup.sort_order, DiscussionGroup.name, MemberProfile.member_no))
    return [(member_id, f"{name}（{number} · {group}）") for member_id, name, number, group in rows]


def recorders_of(meeting_id: int) -> list[DiscussionRecorder]:
    return list(db.session.scalars(
        select(DiscussionRecorder).join(DiscussionGroup, DiscussionGroup.id == DiscussionRecorder.discussion_group_id)
        .where(DiscussionRecorder.meeting_id == meeting_id)
        .options(joinedload(DiscussionRecorder.discussion_group), joinedload(DiscussionRecorder.user),
                 raiseload("*"))
        .order_by(DiscussionGroup.sort_order, DiscussionGroup.name, DiscussionRecorder.id)))


def recorder_or_none(recorder_id: int) -> DiscussionRecorder | None:
    return db.session.get(DiscussionRecorder, recorder_id)


def staff_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(select(User.id, User.display_name, User.username)
                              .where(User.role.in_(list(WORKERS)), User.is_active_account.is_(True))
                              .order_by(User.display_name, User.id))
    return [(user_id, f"{name}（{username}）") for user_id, name, username in rows]


def later_versions(document_id: int, after_version_id: int) -> list[tuple[int, str]]:
    """(number, label) of the versions after the one an opinion was raised on: the 采纳 choices."""
    raised = select(_Raised.number).where(_Raised.id == after_version_id).scalar_subquery()
    rows = db.session.execute(select(DocumentVersion.number, DocumentVersion.note).where(
        DocumentVersion.document_id == document_id, DocumentVersion.number > raised)
        .order_by(DocumentVersion.number.desc()))
    return [(number, f"第{number}稿" + (f"（{note[:30]}）" if note else "")) for number, note in rows]


# ── for members' records ────────────────────────────────────────────────────────────────────────
def counts_by_member(member_ids: list[int]) -> dict[int, tuple[int, int]]:
    """member id → (opinions raised, of them taken up: 采纳 or 部分采纳)."""
    if not member_ids:
        return {}
    taken_up = DiscussionOpinion.response.in_([OpinionResponse.ADOPTED, OpinionResponse.PARTLY])
    rows = db.session.execute(
        select(DiscussionOpinion.member_id, func.count(DiscussionOpinion.id),
               func.count(DiscussionOpinion.id).filter(taken_up))
        .where(DiscussionOpinion.member_id.in_(member_ids)).group_by(DiscussionOpinion.member_id))
    return {member_id: (total, adopted) for member_id, total, adopted in rows}


def counts_by_sector_and_group(meeting_id: int) -> dict[tuple[str, str], tuple[int, int]]:
    """(界别, 讨论组 name or "") → (opinions raised, taken up) over the meeting."""
    group_name = func.coalesce(DiscussionGroup.name, literal_column("''"))
    taken_up = DiscussionOpinion.response.in_([OpinionResponse.ADOPTED, OpinionResponse.PARTLY])
    rows = db.session.execute(
        select(MemberProfile.sector, group_name, func.count(DiscussionOpinion.id),
               func.count(DiscussionOpinion.id).filter(taken_up))
        .select_from(DiscussionOpinion)
        .join(MemberProfile, MemberProfile.id == DiscussionOpinion.member_id)
        .outerjoin(DiscussionGroup, DiscussionGroup.id == MemberProfile.discussion_group_id)
        .where(DiscussionOpinion.meeting_id == meeting_id).group_by(MemberProfile.sector, group_name))
    return {(sector, name): (total, adopted) for sector, name, total, adopted in rows}
