"""Read side of attendance: who is expected, each member's status, counts and rates — all in SQL.

出席率 = 实到 ÷ (应到 − 请假). 实到 counts everyone expected who checked in, late arrivals included;
请假 counts expected members with approved leave who did not come after all. Members who came without
being expected (列席/非应到) are shown beside the figures but never change the rate.

A closed sitting's figures come from its tallies (``SittingTally``: its frozen roll counted per 界别 and
讨论组 when the roll is written) and, where only the sitting's figures are wanted, from their sum
(``SittingTotal``, written with them); an open sitting's are counted live from the roster, check-ins and leave
through indexes. Per-member figures come from ``status_rows``: one row per (member, sitting), from the frozen
roll or live. Pages run a fixed number of queries whatever the number of members or sittings.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from flask import g
from sqlalchemy import (
    Integer,
    and_,
    bindparam,
    case,
    cast,
    distinct,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import aliased, contains_eager, joinedload, raiseload, selectinload

from meetingprep.attendance.models import (
    AbsenceFollowUp,
    CheckIn,
    CheckinDuty,
    DiscussionGroup,
    Expectation,
    LeaveApprover,
    LeaveRequest,
    LeaveRequestSitting,
    LeaveStatus,
    MemberProfile,
    Registration,
    RollStatus,
    Sitting,
    SittingExpectedGroup,
    SittingExpectedMember,
    SittingRollEntry,
    SittingTally,
    SittingTotal,
)
from meetingprep.auth.models import User
from meetingprep.extensions import db
from meetingprep.roles import WORKERS, Role

RATE_FORMULA = "出席率 = 实到 ÷ (应到 − 请假)；迟到计入实到，非应到人员（列席）不计入"
SEARCH_LIMIT = 20
_Sitting = aliased(Sitting, name="at_sitting")  # module level: one alias per call rebuilds the ORM's loaders


def expected_clause(sitting=Sitting, member=MemberProfile):
    """SQL truth of "this member is expected at this sitting", for any (sitting, member) pair of columns."""
    return or_(
        sitting.expectation == Expectation.ALL,
        and_(sitting.expectation == Expectation.STANDING, member.is_standing == true()),
        and_(sitting.expectation == Expectation.GROUPS, exists().where(
            SittingExpectedGroup.sitting_id == sitting.id,
            SittingExpectedGroup.group_id == member.discussion_group_id)),
        and_(sitting.expectation == Expectation.LISTED, exists().where(
            SittingExpectedMember.sitting_id == sitting.id,
            SittingExpectedMember.member_id == member.id)),
    )


def approved_leave_clause(sitting_id_col, member_id_col):
    return exists().where(
        LeaveRequestSitting.sitting_id == sitting_id_col,
        LeaveRequestSitting.leave_request_id == LeaveRequest.id,
        LeaveRequest.member_id == member_id_col,
        LeaveRequest.status == LeaveStatus.APPROVED,
    )


def live_status_expr(checkin=CheckIn, sitting=Sitting, member=MemberProfile):
    return case(
        (and_(checkin.id.is_not(None), checkin.is_late == true()), literal(RollStatus.LATE.value)),
        (checkin.id.is_not(None), literal(RollStatus.PRESENT.value)),
        (approved_leave_clause(sitting.id, member.id), literal(RollStatus.LEAVE.value)),
        else_=literal(RollStatus.ABSENT.value),
    )


def live_rows(meeting_id: int, *, sitting_id: int | None = None, started_before: dt.datetime | None = None,
              member_nos: list[str] | None = None):
    """(member, sitting, status) for open sittings, computed from the roster, check-ins and leave."""
    expected = expected_clause()
    query = (
        select(
            MemberProfile.id.label("member_id"), MemberProfile.member_no.label("member_no"),
            MemberProfile.name.label("name"), MemberProfile.sector.label("sector"),
            func.coalesce(DiscussionGroup.name, "").label("group_name"),
            Sitting.id.label("sitting_id"),
            case((expected, true()), else_=false()).label("was_expected"),
            live_status_expr().label("status"),
            CheckIn.checked_in_at.label("checked_in_at"),
            CheckIn.method.label("method"),
        )
        .select_from(MemberProfile)
        .join(Sitting, Sitting.meeting_id == MemberProfile.meeting_id)
        .outerjoin(CheckIn, and_(CheckIn.sitting_id == Sitting.id, CheckIn.member_id == MemberProfile.id))
        .outerjoin(DiscussionGroup, DiscussionGroup.id == MemberProfile.discussion_group_id)
        .where(MemberProfile.meeting_id == meeting_id, Sitting.closed_at.is_(None),
               or_(expected, CheckIn.id.is_not(None)))
    )
    if sitting_id is not None:
        query = query.where(Sitting.id == sitting_id)
    if started_before is not None:
        query = query.where(Sitting.starts_at <= started_before)
    if member_nos is not None:
        query = query.where(MemberProfile.member_no.in_(member_nos))
    return query


def frozen_rows(meeting_id: int, *, sitting_id: int | None = None, started_before: dt.datetime | None = None,
                member_nos: list[str] | None = None):
    query = (
        select(
            SittingRollEntry.member_id, SittingRollEntry.member_no, SittingRollEntry.name,
            SittingRollEntry.sector, SittingRollEntry.group_name, SittingRollEntry.sitting_id,
            SittingRollEntry.was_expected, SittingRollEntry.status, SittingRollEntry.checked_in_at,
            literal(None).label("method"),
        )
        .join(Sitting, Sitting.id == SittingRollEntry.sitting_id)
        .where(Sitting.meeting_id == meeting_id, Sitting.closed_at.is_not(None))
    )
    if sitting_id is not None:
        query = query.where(Sitting.id == sitting_id)
    if started_before is not None:
        query = query.where(Sitting.starts_at <= started_before)
    if member_nos is not None:
        query = query.where(SittingRollEntry.member_no.in_(member_nos))
    return query


def status_rows(meeting_id: int, **filters):
    """Union of frozen and live rows, as a subquery to group and count."""
    return union_all(live_rows(meeting_id, **filters), frozen_rows(meeting_id, **filters)).subquery("status_rows")


def _count_columns(rows):
    expected = rows.c.was_expected == true()

    def count_if(*conditions):
        return func.coalesce(func.sum(case((and_(*conditions), 1), else_=0)), 0).cast(Integer)

    return (
        count_if(expected).label("expected"),
        count_if(expected, rows.c.status.in_([RollStatus.PRESENT.value, RollStatus.LATE.value])).label("present"),
        count_if(expected, rows.c.status == RollStatus.LATE.value).label("late"),
        count_if(expected, rows.c.status == RollStatus.LEAVE.value).label("leave"),
        count_if(expected, rows.c.status == RollStatus.ABSENT.value).label("absent"),
        count_if(rows.c.was_expected == false(),
                 rows.c.status.in_([RollStatus.PRESENT.value, RollStatus.LATE.value])).label("extra"),
    )


@dataclass(frozen=True)
class Counts:
    expected: int = 0
    present: int = 0
    late: int = 0
    leave: int = 0
    absent: int = 0
    extra: int = 0

    @property
    def rate(self) -> float | None:
        base = self.expected - self.leave
        return None if base <= 0 else self.present / base

    @property
    def rate_text(self) -> str:
        return "—" if self.rate is None else f"{self.rate * 100:.1f}%"

    @classmethod
    def total(cls, parts) -> Counts:
        """Counts summed over sittings: the same as counting their rows together. (Fields read directly:
        ``dataclasses.astuple`` deep-copies every value.)"""
        columns = zip(*((p.expected, p.present, p.late, p.leave, p.absent, p.extra) for p in parts), strict=True)
        return cls(*(sum(column) for column in columns))

    def as_dict(self) -> dict:
        return {"expected": self.expected, "present": self.present, "late": self.late, "leave": self.leave,
                "absent": self.absent, "extra": self.extra, "rate": self.rate_text}


def _counts_from(row) -> Counts:
    return Counts(*(int(value or 0) for value in row[-6:]))


def sitting_counts(sitting: Sitting) -> Counts:
    """One sitting's counts in one query that reads indexes, not the whole roll: the desk asks after
    every check-in, so this must not grow with the roster (a frozen roll is counted per status)."""
    if sitting.is_closed:
        return _counts_from(db.session.execute(_frozen_counts(sitting)).one())
    return _live_counts_from(db.session.execute(_live_counts_built((sitting.expectation,)),
                                                _live_params([sitting])).one())


def expected_members(sitting: Sitting):
    """``expected_clause`` specialised to one loaded sitting: a condition on MemberProfile alone
    (meeting included), so each kind is an indexed lookup rather than an OR evaluated per member."""
    return _expected_of_kind(sitting.expectation, sitting.id, sitting.meeting_id)


def _expected_of_kind(expectation: Expectation, sitting_id, meeting_id):
    """``expected_members`` for a sitting of this kind; its ids are values or bound parameters."""
    in_meeting = MemberProfile.meeting_id == meeting_id
    if expectation == Expectation.ALL:
        return in_meeting
    if expectation == Expectation.STANDING:
        return and_(in_meeting, MemberProfile.is_standing == true())
    if expectation == Expectation.GROUPS:
        return and_(in_meeting, MemberProfile.discussion_group_id.in_(
            select(SittingExpectedGroup.group_id).where(SittingExpectedGroup.sitting_id == sitting_id)))
    return and_(in_meeting, MemberProfile.id.in_(
        select(SittingExpectedMember.member_id).where(SittingExpectedMember.sitting_id == sitting_id)))


def _live_params(sittings: list[Sitting]) -> dict[str, int]:
    return {name: value for index, sitting in enumerate(sittings)
            for name, value in ((f"sitting_{index}", sitting.id), (f"meeting_{index}", sitting.meeting_id))}


@functools.lru_cache(maxsize=128)
def _live_counts_built(expectations: tuple[Expectation, ...]):
    """The live counts of open sittings of these kinds, one row each, as one UNION whose sittings are the bound
    parameters ``sitting_<i>`` and ``meeting_<i>``: built once per combination of kinds, since the desk asks
    after every check-in and building the statement cost more than running it."""
    parts = [_live_counts_of_kind(kind, bindparam(f"sitting_{index}", type_=Integer),
                                  bindparam(f"meeting_{index}", type_=Integer))
             for index, kind in enumerate(expectations)]
    return parts[0] if len(parts) == 1 else union_all(*parts)


def _live_counts_of_kind(expectation: Expectation, sitting_id, meeting_id):
    """应到 from the roster index, 实到/迟到/列席 from the sitting's check-ins, 请假 from its leave rows."""
    expected = _expected_of_kind(expectation, sitting_id, meeting_id)

    def count_if(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    if expectation == Expectation.ALL:
        # Everyone on the roster is expected, and only roster members check in: no join needed.
        checked = select(func.count(CheckIn.id).label("total"), func.count(CheckIn.id).label("present"),
                         count_if(CheckIn.is_late == true()).label("late"))
    else:
        checked = (select(func.count(CheckIn.id).label("total"), count_if(expected).label("present"),
                          count_if(and_(expected, CheckIn.is_late == true())).label("late"))
                   .join(MemberProfile, and_(MemberProfile.id == CheckIn.member_id,
                                             MemberProfile.meeting_id == meeting_id)))
    checked = checked.where(CheckIn.sitting_id == sitting_id).subquery()
    roster = select(func.count(MemberProfile.id)).where(expected).scalar_subquery()
    on_leave = (
        select(func.count(distinct(LeaveRequest.member_id)))
        .select_from(LeaveRequestSitting)
        .join(LeaveRequest, LeaveRequest.id == LeaveRequestSitting.leave_request_id)
        .join(MemberProfile, MemberProfile.id == LeaveRequest.member_id)
        .where(LeaveRequestSitting.sitting_id == sitting_id, LeaveRequest.status == LeaveStatus.APPROVED, expected,
               ~exists().where(CheckIn.sitting_id == sitting_id, CheckIn.member_id == LeaveRequest.member_id))
        .scalar_subquery())
    # 缺席 and 列席 are differences of these figures, taken in Python (``_live_counts_from``): written in SQL
    # over a subquery, SQLite flattens it and runs the roster and leave counts once per use.
    return select(cast(sitting_id, Integer).label("sitting_id"), roster.label("expected"),
                  func.coalesce(checked.c.present, 0).label("present"), func.coalesce(checked.c.late, 0).label("late"),
                  on_leave.label("leave"), func.coalesce(checked.c.total, 0).label("total"))


def _live_counts_from(row) -> Counts:
    """Counts from a row of ``_live_counts_built``: 缺席 = 应到 − 实到 − 请假, 列席 = checked in − 实到."""
    expected, present, late, leave, total = (int(value or 0) for value in row[-5:])
    return Counts(expected, present, late, leave, expected - present - leave, total - present)


def _sitting_id(sitting_id: int):
    return cast(literal(sitting_id), Integer).label("sitting_id")


def _frozen_counts(sitting: Sitting):
    """A closed sitting's counts: its tallies added up."""
    return select(_sitting_id(sitting.id), *_summed_tallies()).where(SittingTally.sitting_id == sitting.id)


def counts_by_sitting(meeting_id: int) -> dict[int, Counts]:
    return counts_of(sittings_of(meeting_id))


def counts_of(sittings: list[Sitting]) -> dict[int, Counts]:
    """These sittings' counts in at most two statements: closed ones from their totals (one row each), open
    ones each counted live as ``sitting_counts`` does (index lookups), all in one UNION."""
    counts = {sitting.id: Counts() for sitting in sittings}
    closed = [sitting.id for sitting in sittings if sitting.is_closed]
    if closed:
        totals = select(SittingTotal.sitting_id, *_total_columns()).where(SittingTotal.sitting_id.in_(closed))
        for row in db.session.execute(totals):
            counts[row.sitting_id] = _counts_from(row)
    live = [sitting for sitting in sittings if not sitting.is_closed]
    if live:
        statement = _live_counts_built(tuple(sitting.expectation for sitting in live))
        counts.update({row.sitting_id: _live_counts_from(row)
                       for row in db.session.execute(statement, _live_params(live))})
    return counts


def roll_tally(sitting_id: int):
    """A frozen roll counted per (sector, group_name): the rows of ``SittingTally`` for one sitting."""
    entry = SittingRollEntry
    rows = (select(entry.sector, entry.group_name, entry.was_expected, entry.status)
            .where(entry.sitting_id == sitting_id).subquery())
    return (select(_sitting_id(sitting_id), rows.c.sector, rows.c.group_name,
                   *_count_columns(rows))
            .group_by(rows.c.sector, rows.c.group_name))


def _summed_tallies():
    return tuple(func.sum(getattr(SittingTally, name)).label(name) for name in COUNT_FIELDS)


def _total_columns():
    return tuple(getattr(SittingTotal, name) for name in COUNT_FIELDS)


def tallies_total(sitting_id: int):
    """One sitting's tallies added up: the row of ``SittingTotal`` (zeros for an empty roll)."""
    return select(_sitting_id(sitting_id), *(func.coalesce(func.sum(getattr(SittingTally, name)), 0).label(name)
                                             for name in COUNT_FIELDS)).where(SittingTally.sitting_id == sitting_id)


def begun_total(sittings: list[Sitting], counts: dict[int, Counts], moment: dt.datetime) -> Counts:
    """The meeting's counts so far: the sum over the sittings already begun."""
    return Counts.total(counts[sitting.id] for sitting in sittings if sitting.starts_at <= moment)


def counts_by(meeting_id: int, column: str, moment: dt.datetime) -> list[tuple[str, Counts]]:
    """Across the sittings already begun, grouped by "sector" or "group_name" (``counts_by_sector_and_group``)."""
    return counts_by_sector_and_group(meeting_id, moment)[column]


def counts_by_sector_and_group(meeting_id: int, moment: dt.datetime) -> dict[str, list[tuple[str, Counts]]]:
    """"sector" and "group_name" → [(界别 or 讨论组, counts)] across the sittings already begun: closed sittings
    from their tallies, open ones from their live rows, both counted per (界别, 讨论组) in one statement and
    added up here, so a page showing both groupings reads the tallies once."""
    sums: dict[str, dict[str, list[int]]] = {"sector": {}, "group_name": {}}
    for row in db.session.execute(_by_sector_and_group_built(), {"meeting_id": meeting_id, "moment": moment}):
        values = [int(value or 0) for value in row[-6:]]
        for column, key in (("sector", row.sector), ("group_name", row.group_name)):
            found = sums[column].setdefault(key or "", [0] * 6)
            for index, value in enumerate(values):
                found[index] += value
    return {column: [(key or "（未分组）", Counts(*values)) for key, values in sorted(found.items())]
            for column, found in sums.items()}


@functools.cache
def _by_sector_and_group_built():
    """``counts_by_sector_and_group``'s statement, the meeting and moment bound parameters: built once, since
    building the live rows' statement costs more than running it."""
    meeting_id = bindparam("meeting_id", type_=Integer)
    moment = bindparam("moment", type_=Sitting.starts_at.type)
    tallied = (select(SittingTally.sector, SittingTally.group_name, *_summed_tallies())
               .join(Sitting, Sitting.id == SittingTally.sitting_id)
               .where(Sitting.meeting_id == meeting_id, Sitting.starts_at <= moment)
               .group_by(SittingTally.sector, SittingTally.group_name))
    live = live_rows(meeting_id, started_before=moment).subquery()
    live_counts = (select(live.c.sector, live.c.group_name, *_count_columns(live))
                   .group_by(live.c.sector, live.c.group_name))
    return union_all(tallied, live_counts)


def meeting_counts(meeting_id: int, moment: dt.datetime) -> Counts:
    sittings = sittings_of(meeting_id)
    return begun_total(sittings, counts_of(sittings), moment)


def counts_by_member(meeting_id: int, moment: dt.datetime, *, page: int = 1, per_page: int = 50,
                     member_id: int | None = None):
    """Per member across the sittings begun, one page in member-number order; (rows, total).

    The page's people come from the roster (and, for members removed since, from the frozen rolls), and
    only their rows are counted: a page costs the same whatever the size of the roster.
    """
    begun = [sitting for sitting in sittings_of(meeting_id) if sitting.starts_at <= moment]
    if not begun:
        return [], 0
    people = _people(meeting_id, [sitting.id for sitting in begun if sitting.is_closed])
    if member_id is not None:
        people = select(people).where(people.c.member_id == member_id).subquery()
    total = db.session.scalar(select(func.count()).select_from(people)) or 0
    listed = db.session.execute(select(people).order_by(people.c.member_no, people.c.member_id)
                                .limit(per_page).offset((page - 1) * per_page)).all()
    # the whole roster on one page is counted without a list of numbers; one member's record only for them
    numbers = None if len(listed) == total and member_id is None else [row.member_no for row in listed]
    rows = status_rows(meeting_id, started_before=moment, member_nos=numbers)
    counts = {row.member_no: _counts_from(row) for row in db.session.execute(
        select(rows.c.member_no, *_count_columns(rows)).group_by(rows.c.member_no))}
    return [(row, counts.get(row.member_no, Counts())) for row in listed], total


def _people(meeting_id: int, closed_sitting_ids: list[int]):
    """(member_no, name, sector, group_name, member_id) of everyone with a record at the meeting: the
    roster, and the people the frozen rolls of these sittings remember after they left it."""
    on_roster = (select(MemberProfile.member_no, MemberProfile.name, MemberProfile.sector,
                        func.coalesce(DiscussionGroup.name, "").label("group_name"),
                        MemberProfile.id.label("member_id"))
                 .outerjoin(DiscussionGroup, DiscussionGroup.id == MemberProfile.discussion_group_id)
                 .where(MemberProfile.meeting_id == meeting_id))
    entry = SittingRollEntry
    removed = (select(entry.member_no, func.max(entry.name), func.max(entry.sector), func.max(entry.group_name),
                      cast(literal(None), Integer))
               .where(entry.sitting_id.in_(closed_sitting_ids), entry.member_id.is_(None))
               .group_by(entry.member_no))
    return union_all(on_roster, removed).subquery("people")


def _frozen_roll(sitting: Sitting, status: str | None):
    entry = SittingRollEntry
    query = select(entry.member_id, entry.member_no, entry.name, entry.sector, entry.group_name, entry.sitting_id,
                   entry.was_expected, entry.status, entry.checked_in_at,
                   literal(None).label("method")).where(entry.sitting_id == sitting.id)
    if status == "extra":
        return query.where(entry.was_expected == false())
    if status:
        return query.where(entry.was_expected == true(), entry.status == status)
    return query


def _live_roll(sitting: Sitting, status: str | None):
    """Each filter is written out (not a test on the status column), so SQLite starts from the
    sitting's check-ins or leave rows where it can instead of evaluating every member."""
    expected = expected_members(sitting)
    came = CheckIn.id.is_not(None)
    on_leave = MemberProfile.id.in_(
        select(LeaveRequest.member_id)
        .join(LeaveRequestSitting, LeaveRequestSitting.leave_request_id == LeaveRequest.id)
        .where(LeaveRequestSitting.sitting_id == sitting.id, LeaveRequest.status == LeaveStatus.APPROVED))
    query = (
        select(
            MemberProfile.id.label("member_id"), MemberProfile.member_no.label("member_no"),
            MemberProfile.name.label("name"), MemberProfile.sector.label("sector"),
            func.coalesce(DiscussionGroup.name, "").label("group_name"),
            literal(sitting.id).label("sitting_id"),
            case((expected, true()), else_=false()).label("was_expected"),
            case((and_(came, CheckIn.is_late == true()), literal(RollStatus.LATE.value)),
                 (came, literal(RollStatus.PRESENT.value)),
                 (on_leave, literal(RollStatus.LEAVE.value)),
                 else_=literal(RollStatus.ABSENT.value)).label("status"),
            CheckIn.checked_in_at.label("checked_in_at"),
            CheckIn.method.label("method"),
        )
        .select_from(MemberProfile)
        .outerjoin(CheckIn, and_(CheckIn.sitting_id == sitting.id, CheckIn.member_id == MemberProfile.id))
        .outerjoin(DiscussionGroup, DiscussionGroup.id == MemberProfile.discussion_group_id)
        .where(MemberProfile.meeting_id == sitting.meeting_id)
    )
    conditions = {
        None: [or_(expected, came)],
        "extra": [~expected, came],
        RollStatus.PRESENT.value: [expected, came, CheckIn.is_late == false()],
        RollStatus.LATE.value: [expected, came, CheckIn.is_late == true()],
        RollStatus.LEAVE.value: [expected, ~came, on_leave],
        RollStatus.ABSENT.value: [expected, ~came, ~on_leave],
    }
    return query.where(*conditions[status or None])


def sitting_roll(sitting: Sitting, status: str | None = None):
    """One sitting's roll rows (the columns of ``status_rows``), optionally one tab of it: the frozen
    roll of a closed sitting, else computed live for this sitting alone — no union over the meeting."""
    roll = _frozen_roll if sitting.is_closed else _live_roll
    return roll(sitting, status).subquery("roll")


def roll_total(counts: Counts, status: str | None) -> int:
    """How many roll rows of an *open* sitting a filter keeps, from its counts: every row there is
    expected or checked in, so the counts hold each total (a frozen roll may differ after corrections)."""
    totals = {None: counts.expected + counts.extra, "extra": counts.extra,
              RollStatus.PRESENT.value: counts.present - counts.late, RollStatus.LATE.value: counts.late,
              RollStatus.LEAVE.value: counts.leave, RollStatus.ABSENT.value: counts.absent}
    return totals[status or None]


def roll_page(sitting: Sitting, *, status: str | None = None, page: int = 1, per_page: int = 100,
              counts: Counts | None = None):
    """The sitting's roll (one page, one tab), ordered by member number, with the total count.

    An open sitting's total comes from its counts (pass them if already computed: one query fewer);
    a frozen roll is counted in its (sitting, expected, status) index.
    """
    rows = sitting_roll(sitting, status)
    if sitting.is_closed:
        total = db.session.scalar(select(func.count()).select_from(rows))
    else:
        total = roll_total(counts or sitting_counts(sitting), status)
    result = db.session.execute(select(rows).order_by(rows.c.member_no).limit(per_page).offset((page - 1) * per_page))
    return list(result), total or 0


def full_roll(sitting: Sitting):
    """Every roll row, ordered by member number: for the printed and exported sign-in sheet."""
    rows = sitting_roll(sitting)
    return list(db.session.execute(select(rows).order_by(rows.c.member_no)))


def member_status_rows(member: MemberProfile):
    """The member's status at every sitting of the meeting (open ones live), with the sitting."""
    rows = status_rows(member.meeting_id)
    sitting = _Sitting
    return list(db.session.execute(
        select(rows, sitting.name.label("sitting_name"), sitting.starts_at.label("starts_at"))
        .join(sitting, sitting.id == rows.c.sitting_id)
        .where(rows.c.member_no == member.member_no)
        .order_by(sitting.starts_at)
    ))


def is_expected(sitting: Sitting, member: MemberProfile) -> bool:
    """Whole roster and standing committee are decided on the loaded rows; groups and lists ask SQL."""
    if sitting.expectation == Expectation.ALL:
        return member.meeting_id == sitting.meeting_id
    if sitting.expectation == Expectation.STANDING:
        return member.meeting_id == sitting.meeting_id and bool(member.is_standing)
    return bool(db.session.scalar(
        select(expected_clause()).select_from(Sitting).join(MemberProfile, MemberProfile.id == member.id)
        .where(Sitting.id == sitting.id)))


def has_approved_leave(sitting: Sitting, member: MemberProfile) -> bool:
    return bool(db.session.scalar(select(approved_leave_clause(sitting.id, member.id))))


def search_members(meeting_id: int, q: str, *, sitting: Sitting | None = None, limit: int = SEARCH_LIMIT):
    """Desk search by name, member number or pinyin ("zs" → 张三, "zhangs" → 张三), one query.

    With a sitting, each match carries whether they are expected and already checked in; without,
    whether they have registered for the meeting.
    """
    q = q.strip()[:40]
    if not q:
        return []
    term = q.lower().replace(" ", "")
    like = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    match = or_(MemberProfile.name.contains(q, autoescape=True),
                MemberProfile.member_no.startswith(q, autoescape=True))
    if term.isascii() and term.isalpha():
        # Each key may hold two readings ("zff cff" for 曾芳峰, names.pinyin_keys): either may start the match.
        match = or_(match, MemberProfile.initials.like(f"{like}%", escape="\\"),
                    MemberProfile.pinyin.like(f"{like}%", escape="\\"),
                    MemberProfile.initials.like(f"% {like}%", escape="\\"),
                    MemberProfile.pinyin.like(f"% {like}%", escape="\\"))
    exact = or_(MemberProfile.initials == term, MemberProfile.initials.like(f"{like} %", escape="\\"),
                MemberProfile.initials.like(f"% {like}", escape="\\"))
    rank = case((exact, 0), (MemberProfile.name == q, 0), else_=1)
    columns = [MemberProfile.id, MemberProfile.name, MemberProfile.member_no, MemberProfile.sector,
               func.coalesce(DiscussionGroup.name, "").label("group_name")]
    query = (select(*columns).select_from(MemberProfile)
             .outerjoin(DiscussionGroup, DiscussionGroup.id == MemberProfile.discussion_group_id)
             .where(MemberProfile.meeting_id == meeting_id, match))
    if sitting is not None:
        query = (query.join(Sitting, Sitting.id == sitting.id)
                 .outerjoin(CheckIn, and_(CheckIn.sitting_id == Sitting.id, CheckIn.member_id == MemberProfile.id))
                 .add_columns(case((expected_clause(), true()), else_=false()).label("expected"),
                              CheckIn.checked_in_at.label("done_at"), CheckIn.is_late.label("is_late"),
                              approved_leave_clause(Sitting.id, MemberProfile.id).label("on_leave")))
    else:
        query = (query.outerjoin(Registration, Registration.member_id == MemberProfile.id)
                 .add_columns(literal(True).label("expected"), Registration.registered_at.label("done_at"),
                              literal(False).label("is_late"), literal(False).label("on_leave")))
    return list(db.session.execute(query.order_by(rank, MemberProfile.member_no).limit(limit)))


def registration_counts(meeting_id: int) -> dict[str, int]:
    total, registered = db.session.execute(
        select(func.count(MemberProfile.id), func.count(Registration.id))
        .select_from(MemberProfile).outerjoin(Registration, Registration.member_id == MemberProfile.id)
        .where(MemberProfile.meeting_id == meeting_id)).one()
    return {"expected": total, "registered": registered, "missing": total - registered}


def sittings_of(meeting_id: int) -> list[Sitting]:
    return list(db.session.scalars(
        select(Sitting).options(raiseload("*")).where(Sitting.meeting_id == meeting_id)
        .order_by(Sitting.starts_at, Sitting.id)))


def movable_sittings(meeting_id: int) -> list[Sitting]:
    """The sittings a change of the opening can move: those whose roll is not frozen."""
    return [sitting for sitting in sittings_of(meeting_id) if not sitting.is_closed]


def sitting_with_expectation(sitting_id: int) -> Sitting | None:
    return db.session.scalar(
        select(Sitting).options(selectinload(Sitting.expected_groups), selectinload(Sitting.expected_members))
        .where(Sitting.id == sitting_id))


def sitting_under_way(meeting_id: int, moment: dt.datetime, opens_before: dt.timedelta,
                      member: MemberProfile | None = None) -> Sitting | None:
    """The sitting whose check-in window (opening before the start, until the end) holds ``moment``;
    with a member, one they are expected at comes first (parallel group discussions)."""
    params = {"meeting_id": meeting_id, "moment": moment, "window_opens": moment + opens_before}
    if member is not None:
        params["member_id"] = member.id
    return db.session.scalar(_sitting_under_way_built(member is not None), params)


@functools.cache
def _sitting_under_way_built(for_a_member: bool):
    """Built once (every QR scan asks): the meeting, the moment and the member are bound parameters."""
    query = (select(Sitting).where(Sitting.meeting_id == bindparam("meeting_id"), Sitting.closed_at.is_(None),
                                   Sitting.starts_at <= bindparam("window_opens", type_=Sitting.starts_at.type),
                                   Sitting.ends_at >= bindparam("moment", type_=Sitting.ends_at.type)))
    order = [Sitting.starts_at, Sitting.id]
    if for_a_member:
        query = query.join(MemberProfile, MemberProfile.id == bindparam("member_id"))
        order.insert(0, case((expected_clause(), 0), else_=1))
    return query.order_by(*order).limit(1)


def groups_of(meeting_id: int) -> list[DiscussionGroup]:
    return list(db.session.scalars(select(DiscussionGroup).where(DiscussionGroup.meeting_id == meeting_id)
                                   .order_by(DiscussionGroup.sort_order, DiscussionGroup.name)))


def roster_page(meeting_id: int, *, q: str = "", page: int = 1, per_page: int = 50):
    query = (select(MemberProfile).options(joinedload(MemberProfile.discussion_group), raiseload("*"))
             .where(MemberProfile.meeting_id == meeting_id))
    if q:
        query = query.where(or_(MemberProfile.name.contains(q, autoescape=True),
                                MemberProfile.member_no.startswith(q, autoescape=True),
                                MemberProfile.initials.startswith(q.lower(), autoescape=True),
                                MemberProfile.initials.contains(" " + q.lower(), autoescape=True),
                                MemberProfile.sector.contains(q, autoescape=True)))
    return db.paginate(query.order_by(MemberProfile.member_no), page=page, per_page=per_page, error_out=False)


def all_members(meeting_id: int) -> list[MemberProfile]:
    return list(db.session.scalars(
        select(MemberProfile).options(joinedload(MemberProfile.discussion_group), joinedload(MemberProfile.user),
                                      raiseload("*"))
        .where(MemberProfile.meeting_id == meeting_id).order_by(MemberProfile.member_no)))


def profile_of_user(meeting_id: int, user_id: int) -> MemberProfile | None:
    return db.session.scalar(select(MemberProfile).options(joinedload(MemberProfile.discussion_group))
                             .where(MemberProfile.meeting_id == meeting_id, MemberProfile.user_id == user_id))


def leave_requests(meeting_id: int, *, member_id: int | None = None, status: str | None = None,
                   page: int = 1, per_page: int = 50):
    query = (select(LeaveRequest).options(joinedload(LeaveRequest.member), selectinload(LeaveRequest.sittings),
                                          joinedload(LeaveRequest.decided_by), raiseload("*"))
             .where(LeaveRequest.meeting_id == meeting_id))
    if member_id is not None:
        query = query.where(LeaveRequest.member_id == member_id)
    if status:
        query = query.where(LeaveRequest.status == status)
    return db.paginate(query.order_by(LeaveRequest.requested_at.desc(), LeaveRequest.id.desc()),
                       page=page, per_page=per_page, error_out=False)


def leave_count(meeting_id: int, status: LeaveStatus) -> int:
    return db.session.scalar(select(func.count(LeaveRequest.id)).where(LeaveRequest.meeting_id == meeting_id,
                                                                       LeaveRequest.status == status)) or 0


def leave_request(leave_id: int) -> LeaveRequest | None:
    return db.session.scalar(
        select(LeaveRequest).options(joinedload(LeaveRequest.member), selectinload(LeaveRequest.sittings),
                                     joinedload(LeaveRequest.decided_by), joinedload(LeaveRequest.requested_by))
        .where(LeaveRequest.id == leave_id))


def duties_of(meeting_id: int) -> list[CheckinDuty]:
    return list(db.session.scalars(
        select(CheckinDuty).options(joinedload(CheckinDuty.user), joinedload(CheckinDuty.sitting))
        .where(CheckinDuty.meeting_id == meeting_id).order_by(CheckinDuty.id)))


def duty_scope_of(user) -> tuple[frozenset[int], frozenset[int]]:
    """(meeting ids with a meeting-wide duty, sitting ids with a duty) of a user; one query per
    request (cached on ``g``), however many links a page asks permission for."""
    cache = g.setdefault("attendance_duty_scope", {})
    if user.id not in cache:
        rows = db.session.execute(select(CheckinDuty.meeting_id, CheckinDuty.sitting_id)
                                  .where(CheckinDuty.user_id == user.id)).all()
        cache[user.id] = (frozenset(m for m, s in rows if s is None),
                          frozenset(s for _m, s in rows if s is not None))
    return cache[user.id]


def upcoming_sittings_with_expected_users(meeting_id: int, start: dt.datetime, end: dt.datetime):
    """For reminders: [(sitting, [user ids expected there])] for sittings starting in [start, end)."""
    sittings = list(db.session.scalars(
        select(Sitting).where(Sitting.meeting_id == meeting_id, Sitting.closed_at.is_(None),
                              Sitting.starts_at >= start, Sitting.starts_at < end).order_by(Sitting.starts_at)))
    if not sittings:
        return []
    pairs = db.session.execute(
        select(Sitting.id, MemberProfile.user_id).select_from(Sitting)
        .join(MemberProfile, MemberProfile.meeting_id == Sitting.meeting_id)
        .where(Sitting.id.in_([s.id for s in sittings]), MemberProfile.user_id.is_not(None), expected_clause()))
    by_sitting: dict[int, list[int]] = {}
    for sitting_id, user_id in pairs:
        by_sitting.setdefault(sitting_id, []).append(user_id)
    return [(s, sorted(by_sitting.get(s.id, []))) for s in sittings]


def member_for_edit(member_id: int):
    return (select(MemberProfile).options(joinedload(MemberProfile.discussion_group), joinedload(MemberProfile.user))
            .where(MemberProfile.id == member_id))


def member_by_number(meeting_id: int, member_no: str) -> MemberProfile | None:
    return db.session.scalar(select(MemberProfile).where(MemberProfile.meeting_id == meeting_id,
                                                         MemberProfile.member_no == (member_no or "").strip()))


def member_numbers_of(sitting: Sitting) -> list[str]:
    return list(db.session.scalars(
        select(MemberProfile.member_no).join(SittingExpectedMember, SittingExpectedMember.member_id == MemberProfile.id)
        .where(SittingExpectedMember.sitting_id == sitting.id).order_by(MemberProfile.member_no)))


def registration_of(member_id: int) -> Registration | None:
    return db.session.scalar(select(Registration).where(Registration.member_id == member_id))


def registered_at(member_ids: list[int]) -> dict[int, dt.datetime]:
    """报到 time of those of these members who have registered: one query for a roster page's rows."""
    if not member_ids:
        return {}
    return dict(db.session.execute(select(Registration.member_id, Registration.registered_at)
                                   .where(Registration.member_id.in_(member_ids))).all())


def staff_choices() -> list[tuple[int, str]]:
    """Active staff accounts the secretariat can put on check-in duty."""
    rows = db.session.execute(select(User.id, User.display_name, User.username)
                              .where(User.role.in_(list(WORKERS)), User.is_active_account.is_(True))
                              .order_by(User.display_name))
    return [(user_id, f"{name}（{username}）") for user_id, name, username in rows]


# ── for the dashboard: a fixed two queries ─────────────────────────────────────────────────────────
def summary_counts(meeting_id: int) -> dict[str, int]:
    """报到 (registered of the roster) and leave requests waiting, in one query of scalar subqueries."""
    members = select(func.count(MemberProfile.id)).where(MemberProfile.meeting_id == meeting_id)
    registered = (select(func.count(Registration.id)).join(MemberProfile, MemberProfile.id == Registration.member_id)
                  .where(MemberProfile.meeting_id == meeting_id))
    pending = select(func.count(LeaveRequest.id)).where(LeaveRequest.meeting_id == meeting_id,
                                                        LeaveRequest.status == LeaveStatus.PENDING)
    row = db.session.execute(select(members.scalar_subquery().label("expected"),
                                    registered.scalar_subquery().label("registered"),
                                    pending.scalar_subquery().label("pending_leave"))).one()
    return {"expected": row.expected, "registered": row.registered, "missing": row.expected - row.registered,
            "pending_leave": row.pending_leave}


COUNT_FIELDS = ("expected", "present", "late", "leave", "absent", "extra")


def latest_sittings(meeting_id: int, moment: dt.datetime, limit: int,
                    opens_before: dt.timedelta = dt.timedelta(0)) -> tuple[list[tuple[Sitting, Counts]], Counts, int]:
    """The last ``limit`` sittings whose check-in has opened by ``moment`` (``opens_before`` their start) with
    their counts, plus the counts summed over every sitting begun and how many there are. Closed sittings are
    counted from their tallies, open ones live from indexes (``counts_of``): three statements however large
    the roster, so the dashboard can show them on every view."""
    sittings = [sitting for sitting in sittings_of(meeting_id) if sitting.starts_at <= moment + opens_before]
    if not sittings:
        return [], Counts(), 0
    counts = counts_of(sittings)
    begun = [sitting for sitting in sittings if sitting.starts_at <= moment]
    latest = sorted(sittings, key=lambda sitting: (sitting.starts_at, sitting.id), reverse=True)[:limit]
    return ([(sitting, counts[sitting.id]) for sitting in latest], begun_total(begun, counts, moment), len(begun))


# ── following up who is missing (#20) ───────────────────────────────────────────────────────────
@dataclass(frozen=True)
class MissingFilter:
    """The 未报到 / 未签到 lists' query-string contract (the remind form posts the same names):
    ``sector`` 界别 (exact), ``group`` a discussion group's id, ``standing=1`` 常委 only, ``page``.
    Anything malformed is ignored — no filter, never an error."""

    sector: str = ""
    group: int | None = None
    standing: bool = False
    page: int = 1

    @classmethod
    def from_args(cls, args) -> MissingFilter:
        from meetingprep.bounds import MAX_PAGE, parse_id, parse_int

        return cls(sector=(args.get("sector") or "").strip()[:40], group=parse_id(args.get("group")),
                   standing=args.get("standing") == "1", page=parse_int(args.get("page"), 1, MAX_PAGE) or 1)

    def args(self, **changes) -> dict[str, str]:
        """The query string for links (pagination, print, the remind form's hidden fields); defaults left out."""
        values = {"sector": self.sector, "group": self.group, "standing": self.standing, "page": self.page, **changes}
        return {key: "1" if value is True else str(value) for key, value in values.items()
                if value not in (None, "", False) and (key, value) != ("page", 1)}

    def describe(self, group_names: dict[int, str]) -> str:
        """In words, for the audit trail and the page: 界别：民盟；讨论组：第一组；仅常委 (or 全部)."""
        parts = [f"界别：{self.sector}" if self.sector else "",
                 f"讨论组：{group_names[self.group]}" if self.group in group_names else "",
                 "仅常委" if self.standing else ""]
        return "；".join(part for part in parts if part) or "全部"


@dataclass(frozen=True)
class MissingRow:
    """One person on a 未报到 / 未签到 list. ``phone`` is drawn only for who may see personal data."""

    member_id: int | None
    member_no: str
    name: str
    sector: str
    group_name: str
    is_standing: bool
    phone: str
    has_account: bool
    pending_leave: bool


def _unregistered(meeting_id: int, filt: MissingFilter, group_names: dict[int, str]):
    """Roster members with no 报到 record, as the columns of ``MissingRow``."""
    query = (select(MemberProfile.id.label("member_id"), MemberProfile.member_no.label("member_no"),
                    MemberProfile.name.label("name"), MemberProfile.sector.label("sector"),
                    func.coalesce(DiscussionGroup.name, "").label("group_name"),
                    MemberProfile.is_standing.label("is_standing"), MemberProfile.phone.label("phone"),
                    MemberProfile.user_id.label("user_id"), literal(False).label("pending_leave"))
             .select_from(MemberProfile)
             .outerjoin(DiscussionGroup, DiscussionGroup.id == MemberProfile.discussion_group_id)
             .where(MemberProfile.meeting_id == meeting_id,
                    ~exists().where(Registration.member_id == MemberProfile.id)))
    if filt.sector:
        query = query.where(MemberProfile.sector == filt.sector)
    if filt.group in group_names:
        query = query.where(MemberProfile.discussion_group_id == filt.group)
    if filt.standing:
        query = query.where(MemberProfile.is_standing == true())
    return query


def _absent(sitting: Sitting, filt: MissingFilter, group_names: dict[int, str]):
    """Expected at the sitting, not checked in, no approved leave (the roll's 缺席/未到 tab: live, or the frozen
    roll of a closed sitting), with the roster's phone and account; ``pending_leave``: a request waits."""
    roll = sitting_roll(sitting, RollStatus.ABSENT.value)
    pending = exists().where(LeaveRequestSitting.sitting_id == sitting.id,
                             LeaveRequestSitting.leave_request_id == LeaveRequest.id,
                             LeaveRequest.member_id == roll.c.member_id, LeaveRequest.status == LeaveStatus.PENDING)
    query = (select(roll.c.member_id, roll.c.member_no, roll.c.name, roll.c.sector, roll.c.group_name,
                    func.coalesce(MemberProfile.is_standing, false()).label("is_standing"),
                    func.coalesce(MemberProfile.phone, "").label("phone"), MemberProfile.user_id.label("user_id"),
                    pending.label("pending_leave"))
             .select_from(roll).outerjoin(MemberProfile, MemberProfile.id == roll.c.member_id))
    if filt.sector:
        query = query.where(roll.c.sector == filt.sector)
    if filt.group in group_names:  # the roll names the group (a frozen roll keeps the name it had)
        query = query.where(roll.c.group_name == group_names[filt.group])
    if filt.standing:
        query = query.where(MemberProfile.is_standing == true())
    return query


def _missing_page(query, page: int, per_page: int) -> tuple[list[MissingRow], int]:
    """One page in member-number order and the total, in one query (a window count)."""
    rows = query.subquery("missing")
    result = db.session.execute(select(rows, func.count().over().label("total")).order_by(rows.c.member_no)
                                .limit(per_page).offset((page - 1) * per_page)).all()
    if not result and page > 1:  # past the last page: the total still counts
        total = db.session.scalar(select(func.count()).select_from(rows)) or 0
        return [], total
    return [MissingRow(row.member_id, row.member_no, row.name, row.sector, row.group_name, bool(row.is_standing),
                       row.phone or "", row.user_id is not None, bool(row.pending_leave)) for row in result], \
        (result[0].total if result else 0)


def unregistered_page(meeting_id: int, filt: MissingFilter, group_names: dict[int, str], *,
                      per_page: int = 100) -> tuple[list[MissingRow], int]:
    return _missing_page(_unregistered(meeting_id, filt, group_names), filt.page, per_page)


def absent_page(sitting: Sitting, filt: MissingFilter, group_names: dict[int, str], *,
                per_page: int = 100) -> tuple[list[MissingRow], int]:
    return _missing_page(_absent(sitting, filt, group_names), filt.page, per_page)


def missing_accounts(query) -> tuple[list[int], int]:
    """Everyone a list's filter keeps: (their accounts' user ids, how many have no account) — one query."""
    rows = query.subquery("missing")
    user_ids, without = [], 0
    for (user_id,) in db.session.execute(select(rows.c.user_id)):
        if user_id is None:
            without += 1
        else:
            user_ids.append(user_id)
    return user_ids, without


def unregistered_accounts(meeting_id: int, filt: MissingFilter, group_names: dict[int, str]):
    return missing_accounts(_unregistered(meeting_id, filt, group_names))


def absent_accounts(sitting: Sitting, filt: MissingFilter, group_names: dict[int, str]):
    return missing_accounts(_absent(sitting, filt, group_names))


def filter_choices(meeting_id: int) -> tuple[list[str], dict[int, str]]:
    """The roster's 界别 (in order) and discussion groups (id → name), in one query."""
    sectors = select(MemberProfile.sector.label("name"), cast(literal(None), Integer).label("id"),
                     literal(0).label("kind"), literal(0).label("sort_order")).where(
        MemberProfile.meeting_id == meeting_id, MemberProfile.sector != "").distinct()
    groups = select(DiscussionGroup.name, DiscussionGroup.id, literal(1), DiscussionGroup.sort_order).where(
        DiscussionGroup.meeting_id == meeting_id)
    both = union_all(sectors, groups).subquery("choices")
    rows = db.session.execute(select(both).order_by(both.c.kind, both.c.sort_order, both.c.name)).all()
    return [row.name for row in rows if row.kind == 0], {row.id: row.name for row in rows if row.kind == 1}


# ── absences without leave, followed up (AbsenceFollowUp) ──────────────────────────────────────────
def follow_ups_page(meeting_id: int, *, state: str = "open", sitting_id: int | None = None, page: int = 1,
                    per_page: int = 50) -> tuple[list, int]:
    """Follow-up items (open / resolved / all) with their sitting, member (phone) and resolver; the newest
    sittings first, then member number; one query with the total.

    A meeting gathers thousands of items, so the page is chosen on narrow rows (id and sort keys, a top-N
    sort) and only its rows are joined to sitting, member and resolver; the total is a separate scalar
    count on the (meeting, resolved_at) index. A window count over the wide joined rows would make the
    database build and sort every item of the meeting in full."""
    conditions = [AbsenceFollowUp.meeting_id == meeting_id]
    if state == "open":
        conditions.append(AbsenceFollowUp.is_open)
    elif state == "resolved":
        conditions.append(~AbsenceFollowUp.is_open)
    if sitting_id is not None:
        conditions.append(AbsenceFollowUp.sitting_id == sitting_id)
    total = (select(func.count()).select_from(AbsenceFollowUp).where(*conditions)
             .correlate(None).scalar_subquery())
    chosen = (select(AbsenceFollowUp.id, Sitting.starts_at, AbsenceFollowUp.member_no)
              .join(Sitting, Sitting.id == AbsenceFollowUp.sitting_id).where(*conditions)
              .order_by(Sitting.starts_at.desc(), AbsenceFollowUp.member_no, AbsenceFollowUp.id)
              .limit(per_page).offset((page - 1) * per_page).subquery("chosen"))
    rows = db.session.execute(
        select(AbsenceFollowUp, total.label("total"))
        .join(chosen, chosen.c.id == AbsenceFollowUp.id)
        .options(joinedload(AbsenceFollowUp.sitting), joinedload(AbsenceFollowUp.member),
                 joinedload(AbsenceFollowUp.resolved_by), raiseload("*"))
        .order_by(chosen.c.starts_at.desc(), chosen.c.member_no, chosen.c.id)).all()
    return [row.AbsenceFollowUp for row in rows], (rows[0].total if rows else 0)


def follow_up(follow_up_id: int) -> AbsenceFollowUp | None:
    return db.session.scalar(
        select(AbsenceFollowUp).options(joinedload(AbsenceFollowUp.sitting), joinedload(AbsenceFollowUp.member),
                                        joinedload(AbsenceFollowUp.resolved_by))
        .where(AbsenceFollowUp.id == follow_up_id))


def open_follow_up_counts(meeting_id: int) -> dict[int, int]:
    """Open items per sitting: the sitting pages' 待跟进 figure."""
    return dict(db.session.execute(
        select(AbsenceFollowUp.sitting_id, func.count()).where(AbsenceFollowUp.meeting_id == meeting_id,
                                                               AbsenceFollowUp.is_open)
        .group_by(AbsenceFollowUp.sitting_id)).all())


@functools.cache
def _latest_open_follow_ups_statement(limit: int):
    """Built once per process (the meeting bound): building it and its cache key cost more than running it."""
    meeting_id = bindparam("meeting_id", type_=Integer)
    total = (select(func.count()).select_from(AbsenceFollowUp)
             .where(AbsenceFollowUp.meeting_id == meeting_id, AbsenceFollowUp.is_open).scalar_subquery())
    return (select(AbsenceFollowUp, total.label("total")).select_from(Sitting)
            .join(AbsenceFollowUp, AbsenceFollowUp.sitting_id == Sitting.id)
            .options(contains_eager(AbsenceFollowUp.sitting), raiseload("*"))
            .where(Sitting.meeting_id == meeting_id, AbsenceFollowUp.meeting_id == meeting_id, AbsenceFollowUp.is_open)
            .order_by(Sitting.starts_at.desc(), AbsenceFollowUp.member_no).limit(limit))


def latest_open_follow_ups(meeting_id: int, limit: int) -> tuple[list[AbsenceFollowUp], int]:
    """The home's 缺席待跟进: the newest sittings' first few open items (with their sitting) and how many are
    open, in one query. It walks the meeting's sittings newest first and each sitting's items in member-number
    order (both indexed), so it stops after ``limit`` rows instead of sorting every open item; the total is an
    index count."""
    rows = db.session.execute(_latest_open_follow_ups_statement(limit), {"meeting_id": meeting_id}).all()
    return [row.AbsenceFollowUp for row in rows], (rows[0].total if rows else 0)


# ── leave decided by designated leaders (LeaveApprover) ────────────────────────────────────────────
def leave_approver_meetings(user) -> frozenset[int]:
    """The meetings whose leave this user was named to decide; one query per request (cached on ``g``)."""
    cache = g.setdefault("attendance_leave_approver", {})
    if user.id not in cache:
        cache[user.id] = frozenset(db.session.scalars(
            select(LeaveApprover.meeting_id).where(LeaveApprover.user_id == user.id)))
    return cache[user.id]


def leave_approvers(meeting_id: int) -> list[LeaveApprover]:
    return list(db.session.scalars(select(LeaveApprover).options(joinedload(LeaveApprover.user))
                                   .where(LeaveApprover.meeting_id == meeting_id).order_by(LeaveApprover.id)))


def leader_choices() -> list[tuple[int, str]]:
    """Active leader accounts: who may be named to decide leave."""
    rows = db.session.execute(select(User.id, User.display_name, User.username)
                              .where(User.role == Role.LEADER, User.is_active_account.is_(True))
                              .order_by(User.display_name, User.id))
    return [(user_id, f"{name}（{username}）") for user_id, name, username in rows]


def pending_leave(meeting_id: int, *, limit: int = 5) -> tuple[list[LeaveRequest], int]:
    """The oldest pending requests first (they waited longest), with how many wait in all — one query."""
    rows = db.session.execute(
        select(LeaveRequest, func.count().over().label("total"))
        .options(joinedload(LeaveRequest.member), selectinload(LeaveRequest.sittings), raiseload("*"))
        .where(LeaveRequest.meeting_id == meeting_id, LeaveRequest.status == LeaveStatus.PENDING)
        .order_by(LeaveRequest.requested_at, LeaveRequest.id).limit(limit)).unique().all()
    return [row.LeaveRequest for row in rows], (rows[0].total if rows else 0)


# ── for members' records (委员履职) and the comparison of meetings ───────────────────────────────────
def counts_of_members(meeting_id: int, moment: dt.datetime, member_nos: list[str] | None) -> dict[str, Counts]:
    """member number → counts across the sittings begun by ``moment``, in one query (None: every member)."""
    if member_nos is not None and not member_nos:
        return {}
    params = {"meeting_id": meeting_id, "moment": moment}
    if member_nos is not None:
        params["member_nos"] = member_nos
    return {row.member_no: _counts_from(row)
            for row in db.session.execute(_member_counts_built(member_nos is not None), params)}


@functools.cache
def _member_counts_built(some_members: bool):
    """``counts_of_members``' statement (of the members ``member_nos`` if ``some_members``), the meeting and
    moment bound parameters: built once, since building the status rows' statement costs more than a page's
    run of it."""
    member_nos = bindparam("member_nos", expanding=True) if some_members else None
    rows = status_rows(bindparam("meeting_id", type_=Integer),
                       started_before=bindparam("moment", type_=Sitting.starts_at.type), member_nos=member_nos)
    return select(rows.c.member_no, *_count_columns(rows)).group_by(rows.c.member_no)


def counts_by_standing(meeting_id: int, moment: dt.datetime) -> dict[bool, Counts]:
    """常委 (True) and the other members (False) across the sittings begun, by the roster as it is now."""
    rows = status_rows(meeting_id, started_before=moment)
    result = db.session.execute(
        select(MemberProfile.is_standing, *_count_columns(rows)).select_from(rows)
        .join(MemberProfile, and_(MemberProfile.meeting_id == meeting_id, MemberProfile.member_no == rows.c.member_no))
        .group_by(MemberProfile.is_standing))
    counts = {True: Counts(), False: Counts()}
    counts.update({bool(row[0]): _counts_from(row) for row in result})
    return counts


def counts_by_meeting(meeting_ids: list[int], moment: dt.datetime) -> dict[int, Counts]:
    """Each meeting's counts over its sittings begun by ``moment``: closed sittings from their totals in one
    query, the open ones counted live (``counts_of``) — a fixed number of queries for any number of meetings."""
    counts = {meeting_id: Counts() for meeting_id in meeting_ids}
    if not meeting_ids:
        return counts
    tallied = db.session.execute(
        select(Sitting.meeting_id, *(func.sum(column).label(column.key) for column in _total_columns()))
        .select_from(SittingTotal).join(Sitting, Sitting.id == SittingTotal.sitting_id)
        .where(Sitting.meeting_id.in_(meeting_ids), Sitting.closed_at.is_not(None), Sitting.starts_at <= moment)
        .group_by(Sitting.meeting_id))
    parts: dict[int, list[Counts]] = {meeting_id: [] for meeting_id in meeting_ids}
    for row in tallied:
        parts[row.meeting_id].append(_counts_from(row))
    open_sittings = list(db.session.scalars(
        select(Sitting).options(raiseload("*"))
        .where(Sitting.meeting_id.in_(meeting_ids), Sitting.closed_at.is_(None), Sitting.starts_at <= moment)))
    live = counts_of(open_sittings)
    for sitting in open_sittings:
        parts[sitting.meeting_id].append(live[sitting.id])
    return {meeting_id: Counts.total(found) for meeting_id, found in parts.items()}
