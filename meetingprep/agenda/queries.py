"""Read side of the agenda: a sitting's items and a speeches item's order, each in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, raiseload, selectinload

from meetingprep.agenda.models import AgendaItem, SpeechMode, SpeechSlot
from meetingprep.attendance.models import Sitting
from meetingprep.documents.models import Document, DocumentDrafter, DocumentType, DocumentTypeCode
from meetingprep.documents.states import DocumentStatus
from meetingprep.extensions import db


def _slot_loads():
    document = selectinload(AgendaItem.slots).joinedload(SpeechSlot.document)
    return (document.joinedload(Document.submitter),
            document.selectinload(Document.drafters).joinedload(DocumentDrafter.user))


def sittings_of(meeting_id: int) -> list[Sitting]:
    return list(db.session.scalars(select(Sitting).where(Sitting.meeting_id == meeting_id)
                                   .order_by(Sitting.starts_at, Sitting.id)))


def item_counts(meeting_id: int) -> dict[int, int]:
    from sqlalchemy import func

    return dict(db.session.execute(select(AgendaItem.sitting_id, func.count()).where(
        AgendaItem.meeting_id == meeting_id).group_by(AgendaItem.sitting_id)).all())


def agenda_of(sitting_id: int) -> list[AgendaItem]:
    """The items in order, with their presiding accounts and speech slots (and each slot's speech) loaded."""
    return list(db.session.scalars(
        select(AgendaItem).where(AgendaItem.sitting_id == sitting_id)
        .options(joinedload(AgendaItem.presiding_user), joinedload(AgendaItem.discussion_group), *_slot_loads(),
                 raiseload("*"))
        .order_by(AgendaItem.position, AgendaItem.id)).unique())


def item_with_order(item_id: int) -> AgendaItem | None:
    return db.session.scalars(select(AgendaItem).where(AgendaItem.id == item_id)
                              .options(joinedload(AgendaItem.presiding_user), *_slot_loads())).unique().first()


@dataclass
class OralSlot:
    number: int
    slot: SpeechSlot
    planned_at: dt.datetime


@dataclass
class SpeechOrder:
    """A speeches item's order as it stands now: only 定稿 speeches are numbered; the others are dropped."""

    oral: list[OralSlot] = field(default_factory=list)
    written: list[SpeechSlot] = field(default_factory=list)
    dropped: list[SpeechSlot] = field(default_factory=list)

    @property
    def oral_minutes(self) -> int:
        return sum(o.slot.minutes or 0 for o in self.oral)


def speech_order(item: AgendaItem) -> SpeechOrder:
    """From the loaded slots; each oral speech's planned start follows from the limits before it."""
    order = SpeechOrder()
    at = item.starts_at
    for slot in item.slots:
        if not slot.is_admitted:
            order.dropped.append(slot)
        elif slot.mode == SpeechMode.ORAL:
            order.oral.append(OralSlot(len(order.oral) + 1, slot, at))
            at += dt.timedelta(minutes=slot.minutes or 0)
        else:
            order.written.append(slot)
    return order


def eligible_speeches(meeting_id: int) -> list[Document]:
    """定稿 speeches of the meeting not yet arranged anywhere, the choices of the arrangement form."""
    return list(db.session.scalars(
        select(Document).join(DocumentType, DocumentType.id == Document.type_id)
        .where(Document.meeting_id == meeting_id, DocumentType.code == DocumentTypeCode.SPEECH.value,
               Document.status == DocumentStatus.FINALIZED,
               ~select(SpeechSlot.id).where(SpeechSlot.document_id == Document.id).exists())
        .options(joinedload(Document.submitter), raiseload("*"))
        .order_by(Document.finalized_at, Document.id)))


def slots_of_speaker(user_id: int) -> list[SpeechSlot]:
    """The slots of speeches the user submitted or drafts, with their item and sitting."""
    drafted = select(DocumentDrafter.document_id).where(DocumentDrafter.user_id == user_id)
    slots = list(db.session.scalars(
        select(SpeechSlot).join(Document, Document.id == SpeechSlot.document_id)
        .where(or_(Document.submitter_id == user_id, Document.id.in_(drafted)))
        .options(joinedload(SpeechSlot.item), joinedload(SpeechSlot.document).joinedload(Document.submitter),
                 joinedload(SpeechSlot.document).selectinload(Document.drafters).joinedload(DocumentDrafter.user))
        .order_by(SpeechSlot.id)).unique())
    return slots


def sittings_by_id(ids) -> dict[int, Sitting]:
    ids = set(ids)
    if not ids:
        return {}
    return {s.id: s for s in db.session.scalars(select(Sitting).where(Sitting.id.in_(ids)))}


def slot_or_none(slot_id: int) -> SpeechSlot | None:
    return db.session.scalars(select(SpeechSlot).where(SpeechSlot.id == slot_id)
                              .options(joinedload(SpeechSlot.document))).first()


def presiding_choices() -> list[tuple[int, str]]:
    """Leaders and the secretariat: who presides over a sitting or a part of it."""
    from meetingprep.auth.models import User
    from meetingprep.roles import Role

    rows = db.session.execute(select(User.id, User.display_name).where(
        User.is_active_account, User.role.in_([Role.LEADER, Role.SECRETARIAT]))
        .order_by(User.role, User.display_name, User.id)).all()
    return [(row.id, row.display_name) for row in rows]


def group_choices(meeting_id: int) -> list[tuple[int, str]]:
    """The meeting's discussion groups, for an item held by one of them."""
    from meetingprep.attendance.models import DiscussionGroup

    return [(row.id, row.name) for row in db.session.execute(
        select(DiscussionGroup.id, DiscussionGroup.name).where(DiscussionGroup.meeting_id == meeting_id)
        .order_by(DiscussionGroup.sort_order, DiscussionGroup.name))]


def speech_items_of(sitting_ids) -> list[AgendaItem]:
    """The 大会发言 items of these sittings with their orders (slots, speeches, speakers): three queries however
    many (the dashboard's 会中 section shows today's)."""
    from meetingprep.agenda.models import AgendaItemKind

    ids = sorted(set(sitting_ids))
    if not ids:
        return []
    return list(db.session.scalars(
        select(AgendaItem).where(AgendaItem.sitting_id.in_(ids), AgendaItem.kind == AgendaItemKind.SPEECHES)
        .options(*_slot_loads(), raiseload("*"))
        .order_by(AgendaItem.starts_at, AgendaItem.position, AgendaItem.id)).unique())
