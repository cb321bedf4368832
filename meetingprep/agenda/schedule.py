"""我的日程: one member's sittings, day by day, as they need them on a phone — where to go (the room: their
discussion group's for a group sitting, else the sitting's venue), where to sit (their 座区 at sittings seated
by area), what is on (the agenda items for everyone and for their group), when they speak (their 大会发言
slot), what to bring, and whether they are on leave.

Read side only, in a fixed number of queries whatever the roster's or the agenda's size: the member's status
rows, the sittings, the agenda items, the pending leave, and the member's speech slots (with their orders).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import raiseload

from meetingprep import timeutil
from meetingprep.agenda import queries as agenda_queries
from meetingprep.agenda.models import AgendaItem, SpeechMode, SpeechSlot
from meetingprep.attendance import queries as attendance_queries
from meetingprep.attendance.models import (
    LeaveRequest,
    LeaveRequestSitting,
    LeaveStatus,
    MemberProfile,
    RollStatus,
    Sitting,
)
from meetingprep.extensions import db


@dataclass
class SpeakingSlot:
    slot: SpeechSlot
    number: int | None = None  # the oral order's number; None on the written list
    planned_at: dt.datetime | None = None


@dataclass
class ScheduleEntry:
    sitting: Sitting
    status: str  # RollStatus value (open sittings live)
    room: str
    seat: str
    items: list[AgendaItem] = field(default_factory=list)
    speaking: list[SpeakingSlot] = field(default_factory=list)
    pending_leave: bool = False
    expected: bool = True

    def is_past(self, moment: dt.datetime) -> bool:
        return self.sitting.ends_at < moment

    @property
    def on_leave(self) -> bool:
        return self.status == RollStatus.LEAVE

    @property
    def checked_in(self) -> bool:
        return self.status in (RollStatus.PRESENT, RollStatus.LATE)


@dataclass
class ScheduleDay:
    day: dt.date
    entries: list[ScheduleEntry]


def _speaking(user_id: int | None) -> dict[int, list[SpeakingSlot]]:
    """The member's admitted speech slots by sitting, numbered as the printed order numbers them."""
    if user_id is None:
        return {}
    by_sitting: dict[int, list[SpeakingSlot]] = {}
    for slot in agenda_queries.slots_of_speaker(user_id):
        if not slot.is_admitted:
            continue
        entry = SpeakingSlot(slot)
        if slot.mode == SpeechMode.ORAL:
            order = agenda_queries.speech_order(agenda_queries.item_with_order(slot.item_id))
            oral = next((o for o in order.oral if o.slot.id == slot.id), None)
            if oral is not None:
                entry.number, entry.planned_at = oral.number, oral.planned_at
        by_sitting.setdefault(slot.item.sitting_id, []).append(entry)
    return by_sitting


def schedule_of(member: MemberProfile) -> list[ScheduleDay]:
    """Every sitting the member is expected at (or speaks at), in time order, grouped by local day."""
    statuses = {row.sitting_id: row for row in attendance_queries.member_status_rows(member)}
    speaking = _speaking(member.user_id)
    ids = {sitting_id for sitting_id, row in statuses.items() if row.was_expected} | set(speaking)
    if not ids:
        return []
    sittings = list(db.session.scalars(select(Sitting).options(raiseload("*")).where(Sitting.id.in_(ids))
                                       .order_by(Sitting.starts_at, Sitting.id)))
    group_id = member.discussion_group_id
    items: dict[int, list[AgendaItem]] = {}
    for item in db.session.scalars(
            select(AgendaItem).options(raiseload("*"))
            .where(AgendaItem.sitting_id.in_(ids),
                   or_(AgendaItem.discussion_group_id.is_(None), AgendaItem.discussion_group_id == group_id))
            .order_by(AgendaItem.position, AgendaItem.id)):
        items.setdefault(item.sitting_id, []).append(item)
    pending = set(db.session.scalars(
        select(LeaveRequestSitting.sitting_id)
        .join(LeaveRequest, LeaveRequest.id == LeaveRequestSitting.leave_request_id)
        .where(LeaveRequest.member_id == member.id, LeaveRequest.status == LeaveStatus.PENDING,
               LeaveRequestSitting.sitting_id.in_(ids))))
    days: dict[dt.date, list[ScheduleEntry]] = {}
    for sitting in sittings:
        own = items.get(sitting.id, [])
        group_room = next((i.room for i in own if i.discussion_group_id is not None and i.room), "")
        row = statuses.get(sitting.id)
        entry = ScheduleEntry(
            sitting=sitting, status=row.status if row is not None else RollStatus.ABSENT.value,
            room=group_room or sitting.venue, seat=member.seat_area if sitting.seated else "",
            items=own, speaking=speaking.get(sitting.id, []), pending_leave=sitting.id in pending,
            expected=row is not None and bool(row.was_expected))
        days.setdefault(timeutil.to_local(sitting.starts_at).date(), []).append(entry)
    return [ScheduleDay(day, entries) for day, entries in days.items()]
