"""Read side of members' records. A page runs a fixed number of queries whatever the roster's size:
the page's members, their attendance counts (one grouped query over the status rows), their speeches
(one query), their opinions and their notices' read receipts (one grouped query each).

Notices (通知公告): how many were sent to the member and how many they opened (the read receipts).

Speech outcomes (大会发言): 口头发言 / 书面发言 when the speech stands in a 大会发言 order (slotted and at
定稿); 未采用 when it does not and the meeting has closed; before that, 审核或安排中.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
from dataclasses import dataclass, field

from sqlalchemy import Integer, bindparam, exists, func, literal_column, select
from sqlalchemy.orm import joinedload, raiseload

from meetingprep.agenda.models import SpeechMode, SpeechSlot
from meetingprep.attendance import queries as attendance
from meetingprep.attendance.models import DiscussionGroup, MemberProfile, Sitting
from meetingprep.attendance.queries import Counts
from meetingprep.db import LabeledEnum
from meetingprep.documents.models import Document
from meetingprep.documents.states import DocumentStatus
from meetingprep.extensions import db
from meetingprep.meetings.models import Meeting
from meetingprep.notices.models import NoticeRecipient
from meetingprep.opinions import queries as opinions
from meetingprep.versioned_cache import cached_value


class SpeechOutcome(LabeledEnum):
    ORAL = "oral", "口头发言"
    WRITTEN = "written", "书面发言"
    NOT_USED = "not_used", "未采用"
    PENDING = "pending", "审核或安排中"


def speech_outcome(status: DocumentStatus, mode: SpeechMode | None, meeting_over: bool) -> SpeechOutcome:
    if mode is not None and status == DocumentStatus.FINALIZED:
        return SpeechOutcome.ORAL if mode == SpeechMode.ORAL else SpeechOutcome.WRITTEN
    return SpeechOutcome.NOT_USED if meeting_over else SpeechOutcome.PENDING


@dataclass
class Speech:
    document_id: int
    title: str
    status: DocumentStatus
    outcome: SpeechOutcome


@dataclass
class SpeechTally:
    submitted: int = 0
    oral: int = 0
    written: int = 0
    not_used: int = 0
    pending: int = 0

    def add(self, outcome: SpeechOutcome, count: int = 1) -> None:
        self.submitted += count
        setattr(self, outcome.value, getattr(self, outcome.value) + count)


@dataclass
class MemberRecord:
    member: MemberProfile
    counts: Counts
    speeches: SpeechTally
    opinions: int = 0
    opinions_taken_up: int = 0
    speech_list: list[Speech] = field(default_factory=list)
    notices: int = 0       # 通知公告 sent to the member
    notices_read: int = 0  # … of them opened (the read receipt)


def _meeting_over(meeting: Meeting, moment: dt.datetime) -> bool:
    return moment > meeting.closes_at


def _speeches_of(meeting: Meeting, user_ids: list[int] | None, moment: dt.datetime) -> dict[int, list[Speech]]:
    """submitter (user id) → their speeches at the meeting with outcomes, in one query (None: every submitter)."""
    query = (select(Document.submitter_id, Document.id, Document.title, Document.status, SpeechSlot.mode)
             .outerjoin(SpeechSlot, SpeechSlot.document_id == Document.id)
             .where(Document.meeting_id == meeting.id, Document.submitter_id.is_not(None))
             .order_by(Document.created_at, Document.id))
    if user_ids is not None:
        if not user_ids:
            return {}
        query = query.where(Document.submitter_id.in_(user_ids))
    over = _meeting_over(meeting, moment)
    found: dict[int, list[Speech]] = {}
    for submitter_id, document_id, title, status, mode in db.session.execute(query):
        found.setdefault(submitter_id, []).append(Speech(document_id, title, status,
                                                         speech_outcome(status, mode, over)))
    return found


def _notice_counts(member_ids: list[int]) -> dict[int, tuple[int, int]]:
    """member id → (通知公告 sent to them, of them read): their receipts, one grouped query."""
    if not member_ids:
        return {}
    rows = db.session.execute(
        select(NoticeRecipient.member_id, func.count(NoticeRecipient.id),
               func.count(NoticeRecipient.id).filter(NoticeRecipient.read_at.is_not(None)))
        .where(NoticeRecipient.member_id.in_(member_ids)).group_by(NoticeRecipient.member_id))
    return {member_id: (received, read) for member_id, received, read in rows}


def _filtered(meeting_id: int, sector: str | None, group_id: int | None, standing: bool | None):
    query = (select(MemberProfile).where(MemberProfile.meeting_id == meeting_id)
             .options(joinedload(MemberProfile.discussion_group), raiseload("*")))
    if sector:
        query = query.where(MemberProfile.sector == sector)
    if group_id is not None:
        query = query.where(MemberProfile.discussion_group_id == group_id)
    if standing is not None:
        query = query.where(MemberProfile.is_standing.is_(standing))
    return query.order_by(MemberProfile.member_no)


def _records(meeting: Meeting, members: list[MemberProfile], moment: dt.datetime, *,
             every_member: bool = False) -> list[MemberRecord]:
    numbers = None if every_member else [m.member_no for m in members]
    counts = attendance.counts_of_members(meeting.id, moment, numbers)
    user_ids = None if every_member else [m.user_id for m in members if m.user_id is not None]
    speeches = _speeches_of(meeting, user_ids, moment)
    raised = opinions.counts_by_member([m.id for m in members])
    notices = _notice_counts([m.id for m in members])
    records = []
    for member in members:
        tally = SpeechTally()
        own = speeches.get(member.user_id, []) if member.user_id is not None else []
        for speech in own:
            tally.add(speech.outcome)
        total, taken_up = raised.get(member.id, (0, 0))
        received, read = notices.get(member.id, (0, 0))
        records.append(MemberRecord(member, counts.get(member.member_no, Counts()), tally, total, taken_up, own,
                                    received, read))
    return records


def records_page(meeting: Meeting, moment: dt.datetime, *, sector: str | None = None, group_id: int | None = None,
                 standing: bool | None = None, page: int = 1, per_page: int = 50):
    """(records of one page of members, pagination)."""
    pagination = db.paginate(_filtered(meeting.id, sector, group_id, standing), page=page, per_page=per_page,
                             error_out=False)
    return _records(meeting, list(pagination.items), moment), pagination


def all_records(meeting: Meeting, moment: dt.datetime, *, sector: str | None = None,
                group_id: int | None = None) -> list[MemberRecord]:
    """Every member's record (of one 界别 or 讨论组): the export."""
    members = list(db.session.scalars(_filtered(meeting.id, sector, group_id, None)).unique())
    return _records(meeting, members, moment, every_member=not sector and group_id is None)


def member_record(member: MemberProfile, meeting: Meeting, moment: dt.datetime) -> MemberRecord:
    return _records(meeting, [member], moment)[0]


# ── aggregates: per 界别 and per 讨论组 ───────────────────────────────────────────────────────────
@dataclass
class Aggregate:
    name: str
    members: int = 0
    counts: Counts = field(default_factory=Counts)
    speeches: SpeechTally = field(default_factory=SpeechTally)
    opinions: int = 0
    opinions_taken_up: int = 0


def aggregates(meeting: Meeting, moment: dt.datetime) -> dict[str, list[Aggregate]]:
    """"sector" (界别) and "group_name" (讨论组) → members, attendance, speeches, opinions per value.

    They add up every sitting's tallies, the same for every viewer: cached until the data changes. The clock
    changes them only when a sitting begins or the meeting closes, so those two are the key."""
    starts = cached_value("records.sitting_starts", meeting.id, lambda: tuple(db.session.scalars(
        select(Sitting.starts_at).where(Sitting.meeting_id == meeting.id).order_by(Sitting.starts_at))))
    key = (meeting.id, bisect.bisect_right(starts, moment), _meeting_over(meeting, moment))
    return cached_value("records.aggregates", key, lambda: _aggregates(meeting, moment))


def _aggregates(meeting: Meeting, moment: dt.datetime) -> dict[str, list[Aggregate]]:
    """Each figure counted once per (界别, 讨论组) in SQL, added up here into both groupings."""
    by_name: dict[str, dict[str, Aggregate]] = {"sector": {}, "group_name": {}}

    def rows(sector: str | None, group_name: str | None) -> list[Aggregate]:
        return [by_name[column].setdefault(name or "（未分组）", Aggregate(name or "（未分组）"))
                for column, name in (("sector", sector), ("group_name", group_name))]

    members, speeches = _aggregate_statements()
    for sector, group_name, count in db.session.execute(members, {"meeting_id": meeting.id}):
        for found in rows(sector, group_name):
            found.members += count
    for column, counts_by_name in attendance.counts_by_sector_and_group(meeting.id, moment).items():
        for name, counts in counts_by_name:
            by_name[column].setdefault(name, Aggregate(name)).counts = counts
    over = _meeting_over(meeting, moment)
    for sector, group_name, status, mode, count in db.session.execute(speeches, {"meeting_id": meeting.id}):
        outcome = speech_outcome(status, mode, over)
        for found in rows(sector, group_name):
            found.speeches.add(outcome, count)
    for (sector, group_name), (total, taken_up) in opinions.counts_by_sector_and_group(meeting.id).items():
        for found in rows(sector, group_name):
            found.opinions += total
            found.opinions_taken_up += taken_up
    return {column: sorted(found.values(), key=lambda a: a.name) for column, found in by_name.items()}


@functools.cache
def _aggregate_statements():
    """(members, speeches) per (界别, 讨论组), the meeting a bound parameter: built once per process."""
    meeting_id = bindparam("meeting_id", type_=Integer)
    group_name = func.coalesce(DiscussionGroup.name, literal_column("''"))
    members = (select(MemberProfile.sector, group_name, func.count(MemberProfile.id)).select_from(MemberProfile)
               .outerjoin(DiscussionGroup, DiscussionGroup.id == MemberProfile.discussion_group_id)
               .where(MemberProfile.meeting_id == meeting_id).group_by(MemberProfile.sector, group_name))
    speeches = (select(MemberProfile.sector, group_name, Document.status, SpeechSlot.mode, func.count(Document.id))
                .select_from(Document)
                .join(MemberProfile, (MemberProfile.user_id == Document.submitter_id)
                      & (MemberProfile.meeting_id == Document.meeting_id))
                .outerjoin(DiscussionGroup, DiscussionGroup.id == MemberProfile.discussion_group_id)
                .outerjoin(SpeechSlot, SpeechSlot.document_id == Document.id)
                .where(Document.meeting_id == meeting_id, Document.submitter_id.is_not(None))
                .group_by(MemberProfile.sector, group_name, Document.status, SpeechSlot.mode))
    return members, speeches


# ── the 常委 view ─────────────────────────────────────────────────────────────────────────────────
@dataclass
class StandingView:
    without_speech: list[MemberProfile]
    standing: Counts
    others: Counts
    standing_total: int


def standing_view(meeting: Meeting, moment: dt.datetime) -> StandingView:
    spoke = exists().where(Document.meeting_id == meeting.id, Document.submitter_id == MemberProfile.user_id)
    without = list(db.session.scalars(
        select(MemberProfile).where(MemberProfile.meeting_id == meeting.id, MemberProfile.is_standing.is_(True),
                                    ~spoke)
        .options(joinedload(MemberProfile.discussion_group), raiseload("*")).order_by(MemberProfile.member_no)))
    total = db.session.scalar(select(func.count(MemberProfile.id)).where(
        MemberProfile.meeting_id == meeting.id, MemberProfile.is_standing.is_(True))) or 0
    by_standing = attendance.counts_by_standing(meeting.id, moment)
    return StandingView(without, by_standing[True], by_standing[False], total)


def filter_choices(meeting_id: int) -> dict:
    sectors = db.session.scalars(select(MemberProfile.sector).where(MemberProfile.meeting_id == meeting_id,
                                                                    MemberProfile.sector != "")
                                 .distinct().order_by(MemberProfile.sector)).all()
    groups = db.session.execute(select(DiscussionGroup.id, DiscussionGroup.name)
                                .where(DiscussionGroup.meeting_id == meeting_id)
                                .order_by(DiscussionGroup.sort_order, DiscussionGroup.name)).all()
    return {"sectors": list(sectors), "groups": [tuple(g) for g in groups]}
