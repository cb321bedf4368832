"""Agenda rules: items of a sitting's agenda, and the 大会发言 order of a speeches item.

Every function takes the acting user first and checks the permission rule itself (views, the CLI and the
demo share one gate); changes land in the audit trail through the ``Audited`` models (a move records each
position that changed); functions flush, never commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from meetingprep import audit, signals
from meetingprep.agenda.models import AgendaItem, AgendaItemKind, SpeechMode, SpeechSlot
from meetingprep.attendance.models import DiscussionGroup, Sitting
from meetingprep.auth.models import User
from meetingprep.concurrency import expect_version
from meetingprep.documents.models import Document, DocumentType, DocumentTypeCode
from meetingprep.documents.states import DocumentStatus
from meetingprep.errors import Conflict, ValidationFailed
from meetingprep.extensions import db
from meetingprep.permissions import require

DEFAULT_ORAL_MINUTES = 8
#: How far an item may start outside its sitting's own hours (a speeches item right after the sitting …).
ITEM_WINDOW = dt.timedelta(hours=12)


def _flush(message: str) -> None:
    try:
        db.session.flush()
    except (StaleDataError, IntegrityError) as error:
        raise Conflict(message) from error


# ── agenda items ────────────────────────────────────────────────────────────────────────────────
@dataclass
class ItemData:
    starts_at: dt.datetime
    kind: AgendaItemKind
    title: str
    room: str = ""
    presiding_name: str = ""
    presiding_user_id: int | None = None
    #: One discussion group's item (its own room); None = the whole sitting.
    discussion_group_id: int | None = None


def _check_item(sitting: Sitting, data: ItemData) -> None:
    if not data.title.strip():
        raise ValidationFailed("请填写议题。")
    if not sitting.starts_at - ITEM_WINDOW <= data.starts_at <= sitting.ends_at + ITEM_WINDOW:
        raise ValidationFailed("议程时间应在本会次当天前后，请检查日期。")
    if data.kind == AgendaItemKind.GROUP and not data.room.strip():
        raise ValidationFailed("分组讨论请填写会议室。")
    if data.discussion_group_id is not None:
        group = db.session.get(DiscussionGroup, data.discussion_group_id)
        if group is None or group.meeting_id != sitting.meeting_id:
            raise ValidationFailed("所选讨论组不在本次会议中。")
    if data.presiding_user_id is not None:
        user = db.session.get(User, data.presiding_user_id)
        if user is None or not user.is_active:
            raise ValidationFailed("主持人账号无效或已停用。")


def _presiding_name(data: ItemData) -> str:
    if data.presiding_name.strip() or data.presiding_user_id is None:
        return data.presiding_name.strip()
    return db.session.get(User, data.presiding_user_id).display_name[:80]


def add_item(actor: User, sitting: Sitting, data: ItemData) -> AgendaItem:
    require(actor, "agenda.manage")
    _check_item(sitting, data)
    last = db.session.scalar(select(AgendaItem.position).where(AgendaItem.sitting_id == sitting.id)
                             .order_by(AgendaItem.position.desc()).limit(1))
    item = AgendaItem(meeting_id=sitting.meeting_id, sitting_id=sitting.id, position=(last or 0) + 1,
                      starts_at=data.starts_at, kind=data.kind, title=data.title.strip(), room=data.room.strip(),
                      presiding_name=_presiding_name(data), presiding_user_id=data.presiding_user_id,
                      discussion_group_id=data.discussion_group_id, slots=[])
    db.session.add(item)
    _flush("议程刚刚被他人修改，请刷新后重试。")
    return item


def update_item(actor: User, item: AgendaItem, data: ItemData, version_id: int | str | None) -> None:
    require(actor, "agenda.manage")
    expect_version(item, version_id, "该议程")
    _check_item(db.session.get(Sitting, item.sitting_id), data)
    if item.has_speeches and data.kind != AgendaItemKind.SPEECHES and _has_slots(item):
        raise ValidationFailed("该议程已安排了大会发言，请先移出发言后再改为其他类型。")
    item.starts_at, item.kind, item.title = data.starts_at, data.kind, data.title.strip()
    item.room, item.presiding_user_id = data.room.strip(), data.presiding_user_id
    item.discussion_group_id = data.discussion_group_id
    item.presiding_name = _presiding_name(data)
    _flush("该议程已被他人修改，请刷新后重试。")


def _has_slots(item: AgendaItem) -> bool:
    return db.session.scalar(select(SpeechSlot.id).where(SpeechSlot.item_id == item.id).limit(1)) is not None


def delete_item(actor: User, item: AgendaItem) -> None:
    """Its speech slots go with it (the speeches themselves stay in the pipeline and may be arranged again)."""
    require(actor, "agenda.manage")
    sitting_id = item.sitting_id
    for slot in db.session.scalars(select(SpeechSlot).where(SpeechSlot.item_id == item.id)):
        db.session.delete(slot)  # one by one, so the trail names each speech taken off
    db.session.delete(item)
    _flush("该议程已被他人修改，请刷新后重试。")
    _renumber(db.session.scalars(select(AgendaItem).where(AgendaItem.sitting_id == sitting_id)
                                 .order_by(AgendaItem.position, AgendaItem.id)).all())


def _renumber(rows) -> None:
    for position, row in enumerate(rows, start=1):
        if row.position != position:
            row.position = position


def _move(rows: list, row, direction: str) -> None:
    """Swap ``row`` with its neighbour in ``rows`` (already in order); at either end nothing moves."""
    if direction not in ("up", "down"):
        raise ValidationFailed("请选择上移或下移。")
    index = rows.index(row)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(rows):
        rows[index], rows[other] = rows[other], rows[index]
    _renumber(rows)


def move_item(actor: User, item: AgendaItem, direction: str) -> None:
    require(actor, "agenda.manage")
    rows = list(db.session.scalars(select(AgendaItem).where(AgendaItem.sitting_id == item.sitting_id)
                                   .order_by(AgendaItem.position, AgendaItem.id)))
    _move(rows, item, direction)
    _flush("议程刚刚被他人调整，请刷新后重试。")


# ── 大会发言 arrangement ────────────────────────────────────────────────────────────────────────
def _speech_type_id() -> int | None:
    return db.session.scalar(select(DocumentType.id).where(DocumentType.code == DocumentTypeCode.SPEECH.value))


def is_speech(document: Document) -> bool:
    return document.type_id == _speech_type_id()


def _slots_of(item_id: int, mode: SpeechMode) -> list[SpeechSlot]:
    return list(db.session.scalars(select(SpeechSlot).where(SpeechSlot.item_id == item_id, SpeechSlot.mode == mode)
                                   .order_by(SpeechSlot.position, SpeechSlot.id)))


def _check_minutes(mode: SpeechMode, minutes: int | None) -> int | None:
    if mode == SpeechMode.WRITTEN:
        return None
    if minutes is None:
        return DEFAULT_ORAL_MINUTES
    if not 1 <= minutes <= 120:
        raise ValidationFailed("口头发言限时应在 1 到 120 分钟之间。")
    return minutes


def add_speech(actor: User, item: AgendaItem, document: Document, *, mode: SpeechMode,
               minutes: int | None = None, speaker: str = "") -> SpeechSlot:
    """Put a 定稿 speech at the end of the item's oral order or written list."""
    require(actor, "agenda.manage")
    if not item.has_speeches:
        raise ValidationFailed("只有“大会发言”类型的议程可以安排发言。")
    if document.meeting_id != item.meeting_id or not is_speech(document):
        raise ValidationFailed("请选择本次会议的大会发言稿。")
    if document.status != DocumentStatus.FINALIZED:
        raise ValidationFailed(f"《{document.title}》当前为“{document.status.label}”，定稿后才能排入发言顺序。")
    taken = db.session.scalar(select(SpeechSlot.item_id).where(SpeechSlot.document_id == document.id))
    if taken is not None:
        raise Conflict(f"《{document.title}》已经安排在大会发言中，不能重复安排。")
    existing = _slots_of(item.id, mode)
    slot = SpeechSlot(meeting_id=item.meeting_id, item_id=item.id, document_id=document.id, mode=mode,
                      position=(existing[-1].position if existing else 0) + 1,
                      minutes=_check_minutes(mode, minutes), speaker=speaker.strip()[:120])
    db.session.add(slot)
    _flush(f"《{document.title}》刚刚已被安排，请刷新后查看。")
    return slot


def update_speech(actor: User, slot: SpeechSlot, *, mode: SpeechMode, minutes: int | None, speaker: str,
                  version_id: int | str | None) -> None:
    """Change the limit or the printed speaker; a change of mode moves the speech to the end of the other list."""
    require(actor, "agenda.manage")
    expect_version(slot, version_id, "该发言安排")
    minutes = _check_minutes(mode, minutes)
    if mode != slot.mode:
        others = _slots_of(slot.item_id, mode)
        old_mode = slot.mode
        slot.mode, slot.position = mode, (others[-1].position if others else 0) + 1
        db.session.flush()
        _renumber(_slots_of(slot.item_id, old_mode))
    slot.minutes, slot.speaker = minutes, speaker.strip()[:120]
    _flush("该发言安排已被他人修改，请刷新后重试。")


def move_speech(actor: User, slot: SpeechSlot, direction: str) -> None:
    require(actor, "agenda.manage")
    _move(_slots_of(slot.item_id, slot.mode), slot, direction)
    _flush("发言顺序刚刚被他人调整，请刷新后重试。")


def remove_speech(actor: User, slot: SpeechSlot) -> None:
    require(actor, "agenda.manage")
    item_id, mode = slot.item_id, slot.mode
    db.session.delete(slot)
    _flush("该发言安排已被他人修改，请刷新后重试。")
    _renumber(_slots_of(item_id, mode))
    db.session.flush()


# ── the opening moves ───────────────────────────────────────────────────────────────────────────
@signals.meeting_rescheduled.connect
def move_agendas_with_the_opening(meeting, actor: User | None = None, old_opens_at=None, move_sittings=False,
                                  **_kw) -> int:
    """The sittings not yet closed move with the opening (attendance.services); their agendas move with
    them by the same amount, so every item stays where it was in its sitting."""
    if not move_sittings or old_opens_at is None:
        return 0
    shift = meeting.opens_at - old_opens_at
    items = db.session.scalars(select(AgendaItem).join(Sitting, Sitting.id == AgendaItem.sitting_id)
                               .where(Sitting.meeting_id == meeting.id, Sitting.closed_at.is_(None))).all()
    with audit.acting_as(actor):
        for item in items:
            item.starts_at += shift
        db.session.flush()
    return len(items)
