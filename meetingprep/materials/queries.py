"""Read side of materials: every page here runs a fixed number of queries, whatever the number of materials,
members or readings (tests/materials/test_query_counts.py).

Who a material reaches is ``audience.audience_clause``; what a member has read is their receipt's version
against the material's current one (``version_count``: versions are numbered 1 … n and the last is current).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import Select, and_, bindparam, case, func, or_, select
from sqlalchemy.orm import joinedload, raiseload, selectinload

from meetingprep.attendance.models import DiscussionGroup, MemberProfile, Sitting
from meetingprep.documents.models import Document, DocumentType, DocumentTypeCode, DocumentVersion
from meetingprep.documents.states import DocumentStatus
from meetingprep.extensions import db
from meetingprep.materials.audience import audience_clause
from meetingprep.materials.models import Briefing, Material, MaterialReceipt, MaterialVersion, ReadState
from meetingprep.versioned_cache import cached_value

R = MaterialReceipt


class RowPagination(SelectPagination):
    """A page of rows of several columns (Flask-SQLAlchemy's own keeps the first column only)."""

    def _query_items(self) -> list:
        select_ = self._query_args["select"]
        return list(self._query_args["session"].execute(
            select_.limit(self.per_page).offset(self._query_offset)).unique().all())


def _rows_page(stmt, page: int, per_page: int) -> RowPagination:
    return RowPagination(select=stmt, session=db.session(), page=page, per_page=per_page, max_per_page=None,
                         error_out=False)


def _receipt_join():
    return and_(R.material_id == Material.id, R.member_id == MemberProfile.id)


def _read_state():
    """ReadState of a (material, member) row joined with its receipt."""
    return case((R.id.is_(None), ReadState.UNREAD.value),
                (R.version_number < Material.version_count, ReadState.STALE.value),
                else_=ReadState.READ.value)


# ── one material ────────────────────────────────────────────────────────────────────────────────
def material(material_id: int) -> Material | None:
    """With everything its pages and rules read: sitting, groups, current version, publisher."""
    return db.session.scalar(
        select(Material).where(Material.id == material_id)
        .options(joinedload(Material.sitting), joinedload(Material.current_version),
                 joinedload(Material.published_by), selectinload(Material.groups), raiseload("*")))


def version(material_id: int, number: int) -> MaterialVersion | None:
    return db.session.scalar(
        select(MaterialVersion).where(MaterialVersion.material_id == material_id, MaterialVersion.number == number)
        .options(raiseload("*")))


def version_text(version: MaterialVersion) -> str | None:
    """The 定稿 text of a text version (one query), None for a PDF."""
    if version.is_pdf or version.document_version_id is None:
        return None
    return db.session.scalar(select(DocumentVersion.text_content)
                             .where(DocumentVersion.id == version.document_version_id))


def versions_of(material_id: int) -> list[MaterialVersion]:
    """Newest first, with who published each."""
    return list(db.session.scalars(
        select(MaterialVersion).where(MaterialVersion.material_id == material_id)
        .options(joinedload(MaterialVersion.published_by), raiseload("*"))
        .order_by(MaterialVersion.number.desc())))


def group_names(material: Material) -> list[str]:
    if not material.groups:
        return []
    return list(db.session.scalars(select(DiscussionGroup.name).where(DiscussionGroup.id.in_(material.group_ids))
                                   .order_by(DiscussionGroup.sort_order, DiscussionGroup.name)))


def briefing_of(material_id: int) -> Briefing | None:
    return db.session.scalar(select(Briefing).where(Briefing.material_id == material_id).options(raiseload("*")))


# ── the secretariat's list ──────────────────────────────────────────────────────────────────────
def board(meeting_id: int, *, sitting_id: int | None, page: int, per_page: int):
    """Every material of the meeting, newest first (those waiting for their 定稿 with them)."""
    stmt = (select(Material).where(Material.meeting_id == meeting_id)
            .options(joinedload(Material.sitting), joinedload(Material.current_version), raiseload("*"))
            .order_by(func.coalesce(Material.published_at, Material.created_at).desc(), Material.id.desc()))
    if sitting_id is not None:
        stmt = stmt.where(Material.sitting_id == sitting_id)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


@dataclass(frozen=True)
class Reading:
    """How a material has been read: members it goes to; of them, who read the current version, an older one;
    those without a login account (they cannot read here, nor be reminded)."""

    expected: int = 0
    read: int = 0
    stale: int = 0
    no_account: int = 0
    no_account_unread: int = 0

    @property
    def unread(self) -> int:
        return self.expected - self.read - self.stale

    @property
    def to_remind(self) -> int:
        """Not read in the current version, with an account (an account switched off is left out when the
        reminder is sent)."""
        return max(0, self.expected - self.read - self.no_account_unread)

    @property
    def percent(self) -> int:
        return round(100 * self.read / self.expected) if self.expected else 0


def _reading_columns():
    def count_if(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    current = and_(R.id.is_not(None), R.version_number >= Material.version_count)
    return (func.count(MemberProfile.id).label("expected"), count_if(current).label("read"),
            count_if(and_(R.id.is_not(None), R.version_number < Material.version_count)).label("stale"),
            count_if(MemberProfile.user_id.is_(None)).label("no_account"),
            count_if(and_(MemberProfile.user_id.is_(None), ~current)).label("no_account_unread"))


def readings(material_ids: list[int]) -> dict[int, Reading]:
    """Reading figures of several materials in one query."""
    if not material_ids:
        return {}
    rows = db.session.execute(
        select(Material.id, *_reading_columns()).select_from(Material)
        .join(MemberProfile, audience_clause())
        .outerjoin(R, _receipt_join())
        .where(Material.id.in_(material_ids)).group_by(Material.id))
    found = {row.id: Reading(row.expected, row.read, row.stale, row.no_account, row.no_account_unread)
             for row in rows}
    return {material_id: found.get(material_id, Reading()) for material_id in material_ids}


def board_readings(material_ids: list[int]) -> dict[int, Reading]:
    """``readings`` of a list's page, held until the data changes (``versioned_cache``): the secretariat's
    lists are viewed far more often than the receipts change, and each counts every member in scope."""
    ids = tuple(material_ids)
    return cached_value("materials.readings", ids, lambda: readings(list(ids)))


# ── the receipts page ───────────────────────────────────────────────────────────────────────────
def receipt_rows(material: Material, *, state: ReadState | None, page: int, per_page: int):
    """The members the material goes to with their reading, by member number; one state or all."""
    stmt = (select(MemberProfile.id, MemberProfile.member_no, MemberProfile.name, MemberProfile.sector,
                   MemberProfile.user_id, DiscussionGroup.name.label("group_name"), R.first_opened_at,
                   R.last_opened_at, R.open_count, R.version_number, _read_state().label("state"))
            .select_from(Material)
            .join(MemberProfile, audience_clause())
            .outerjoin(DiscussionGroup, DiscussionGroup.id == MemberProfile.discussion_group_id)
            .outerjoin(R, _receipt_join())
            .where(Material.id == material.id)
            .order_by(MemberProfile.member_no))
    if state is not None:
        stmt = stmt.where(_read_state() == state.value)
    return _rows_page(stmt, page, per_page)


# ── a member's materials ────────────────────────────────────────────────────────────────────────
def _mine(meeting_id: int, user_id: int):
    return (select(Material).select_from(Material)
            .join(MemberProfile, and_(MemberProfile.user_id == user_id, audience_clause()))
            .outerjoin(R, _receipt_join())
            .where(Material.meeting_id == meeting_id, Material.is_live))


def my_materials(meeting_id: int, user_id: int, *, page: int, per_page: int):
    """The live materials going to the member, newest first, each with the version they last opened (None:
    not yet) — rows of (Material, read_version, last_opened_at)."""
    stmt = (_mine(meeting_id, user_id).add_columns(R.version_number.label("read_version"), R.last_opened_at)
            .options(joinedload(Material.sitting), raiseload("*"))
            .order_by(Material.published_at.desc(), Material.id.desc()))
    return _rows_page(stmt, page, per_page)


@functools.cache
def _my_latest_statements(limit: int) -> tuple[Select, Select]:
    """Built once per process (meeting and user bound): building the audience rule and the cache key for every
    visit cost more than running the two queries."""
    mine = _mine(bindparam("meeting_id"), bindparam("user_id"))
    rows = (mine.add_columns(R.version_number.label("read_version"), R.last_opened_at)
            .options(joinedload(Material.sitting), raiseload("*"))
            .order_by(Material.published_at.desc(), Material.id.desc()).limit(limit))
    unread = (mine.with_only_columns(func.count(Material.id))
              .where(or_(R.id.is_(None), R.version_number < Material.version_count)))
    return rows, unread


def my_latest(meeting_id: int, user_id: int, limit: int) -> tuple[list, int]:
    """工作台: the newest few and how many the member has not opened in their current version (two queries)."""
    rows_statement, unread_statement = _my_latest_statements(limit)
    params = {"meeting_id": meeting_id, "user_id": user_id}
    rows = list(db.session.execute(rows_statement, params).unique().all())
    unread = db.session.scalar(unread_statement, params) or 0
    return rows, unread


# ── choices for the forms ───────────────────────────────────────────────────────────────────────
def publishable_documents(meeting_id: int) -> list[tuple[int, str]]:
    """定稿 documents of the meeting not yet published (会议简报 publish themselves: they have a material)."""
    rows = db.session.execute(
        select(Document.id, Document.title, DocumentType.name).join(DocumentType, DocumentType.id == Document.type_id)
        .where(Document.meeting_id == meeting_id, Document.status == DocumentStatus.FINALIZED,
               ~select(Material.id).where(Material.document_id == Document.id).exists())
        .order_by(Document.finalized_at.desc(), Document.id.desc()))
    return [(row.id, f"《{row.title}》（{row.name}）") for row in rows]


def sitting_choices(meeting_id: int) -> list[tuple[int, str]]:
    from meetingprep import timeutil

    rows = db.session.execute(select(Sitting.id, Sitting.name, Sitting.starts_at)
                              .where(Sitting.meeting_id == meeting_id).order_by(Sitting.starts_at, Sitting.id))
    return [(row.id, f"{row.name}（{timeutil.format_short(row.starts_at)}）") for row in rows]


def group_choices(meeting_id: int) -> list[tuple[int, str]]:
    return [tuple(row) for row in db.session.execute(
        select(DiscussionGroup.id, DiscussionGroup.name).where(DiscussionGroup.meeting_id == meeting_id)
        .order_by(DiscussionGroup.sort_order, DiscussionGroup.name))]


# ── 会议简报 ────────────────────────────────────────────────────────────────────────────────────
def briefings(meeting_id: int, *, page: int, per_page: int):
    """The meeting's briefings, latest number first, with their document (status) and material."""
    stmt = (select(Briefing).where(Briefing.meeting_id == meeting_id)
            .options(joinedload(Briefing.document).joinedload(Document.current_stage),
                     joinedload(Briefing.material).joinedload(Material.sitting), raiseload("*"))
            .order_by(Briefing.number.desc()))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def briefing_type_id() -> int | None:
    return db.session.scalar(select(DocumentType.id).where(DocumentType.code == DocumentTypeCode.BRIEFING.value))
