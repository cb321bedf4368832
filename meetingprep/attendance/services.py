"""Attendance rules: roster, sittings, registration, check-in, QR codes, leave, corrections, duties.

Check-ins rely on UNIQUE(sitting_id, member_id): the insert runs in a savepoint and a duplicate —
a second click, or another desk a millisecond earlier — returns the record that already exists.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, exists, func, insert, literal, select, true
from sqlalchemy.exc import IntegrityError

from meetingprep import audit, signals, timeutil
from meetingprep.attendance import messages, queries, spreadsheets
from meetingprep.attendance.models import (
    AbsenceFollowUp,
    CheckIn,
    CheckinDuty,
    CheckInMethod,
    DiscussionGroup,
    Expectation,
    FollowUpOutcome,
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
from meetingprep.attendance.names import pinyin_keys
from meetingprep.auth.models import User
from meetingprep.concurrency import expect_version
from meetingprep.errors import InvalidTransition, NotFound, ValidationFailed
from meetingprep.extensions import db
from meetingprep.meetings.models import Meeting
from meetingprep.notifications.services import notify_kind, settle
from meetingprep.permissions import Role

QR_SALT = "member-checkin"


# ── roster ──────────────────────────────────────────────────────────────────────────────────────
def _group_named(meeting_id: int, name: str, cache: dict[str, DiscussionGroup]) -> DiscussionGroup | None:
    if not name:
        return None
    if name not in cache:
        group = db.session.scalar(select(DiscussionGroup).where(DiscussionGroup.meeting_id == meeting_id,
                                                                DiscussionGroup.name == name))
        if group is None:
            group = DiscussionGroup(meeting_id=meeting_id, name=name, sort_order=len(cache) + 1)
            db.session.add(group)
            db.session.flush()
        cache[name] = group
    return cache[name]


def _member_user(username: str) -> User | None:
    if not username:
        return None
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise ValidationFailed(f"没有用户名为“{username}”的账号。")
    if user.role != Role.MEMBER:
        raise ValidationFailed(f"账号“{username}”不是委员角色，不能关联到名册。")
    return user


def _apply_member_fields(member: MemberProfile, fields: dict, group: DiscussionGroup | None,
                         user: User | None) -> None:
    for key in ("member_no", "name", "sector", "committee", "unit", "position", "phone", "is_standing", "seat_area"):
        if key in fields:
            setattr(member, key, fields[key])
    member.discussion_group_id = group.id if group else None
    member.user_id = user.id if user else None
    member.pinyin, member.initials = pinyin_keys(member.name)


def _ensure_unique(meeting_id: int, member: MemberProfile | None, member_no: str, user: User | None) -> None:
    own_id = member.id if member is not None else None
    same_number = MemberProfile.member_no == member_no
    if member_no.isdigit():  # 5 is member 0005 (see spreadsheets.member_no_key)
        same_number = func.ltrim(MemberProfile.member_no, "0") == member_no.lstrip("0")
    clash = db.session.scalar(select(MemberProfile).where(
        MemberProfile.meeting_id == meeting_id, same_number, MemberProfile.id != own_id).limit(1))
    if clash is not None:
        raise ValidationFailed(f"委员编号 {member_no} 已被“{clash.name}”使用。")
    if user is not None:
        linked = db.session.scalar(select(MemberProfile).where(
            MemberProfile.meeting_id == meeting_id, MemberProfile.user_id == user.id, MemberProfile.id != own_id))
        if linked is not None:
            raise ValidationFailed(f"账号“{user.username}”已关联到委员“{linked.name}”。")


def save_member(actor: User, meeting: Meeting, fields: dict, *, member: MemberProfile | None = None,
                version_id=None) -> MemberProfile:
    """Create (member=None) or edit one roster row; the version guards against a stale form."""
    if member is not None:
        expect_version(member, version_id, "该委员信息")
    fields = {**fields, **{key: spreadsheets.normalise_id(fields[key] or "")
                           for key in spreadsheets.ID_KEYS if key in fields}}
    user = _member_user(fields.get("username", ""))
    _ensure_unique(meeting.id, member, fields["member_no"], user)
    group = _group_named(meeting.id, fields.get("group", ""), {})
    if member is None:
        member = MemberProfile(meeting_id=meeting.id)
    _apply_member_fields(member, fields, group, user)
    db.session.add(member)
    db.session.flush()
    return member


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[spreadsheets.RowError] = field(default_factory=list)
    warnings: list[spreadsheets.RowError] = field(default_factory=list)


def _usual_digit_width(member_nos: list[str]) -> int:
    """The width of zero-padded numbers (0001) where the roster pads them; 0 where it does not."""
    padded = Counter(len(no) for no in member_nos if no.isdigit() and no.startswith("0") and len(no) > 1)
    return padded.most_common(1)[0][0] if padded else 0


def _likely_duplicates(rows: list[dict], members: list[MemberProfile]) -> list[spreadsheets.RowError]:
    """Rows whose name and phone are another number's (in the roster or earlier in the file): probably the
    same person under two numbers, who would show twice on sign-in sheets and count twice in 应到."""
    owners: dict[tuple[str, str], str] = {(m.name, m.phone): m.member_no for m in members if m.phone}
    warnings = []
    for row in rows:
        person = (row["name"], row.get("phone", ""))
        other = owners.get(person)
        if person[1] and other is not None and other != row["member_no"]:
            warnings.append(spreadsheets.RowError(row["row"], f"{row['name']}（手机 {person[1]}）与委员编号 {other} "
                                                                "姓名、手机相同，可能是同一人，请核对。"))
        elif person[1]:
            owners.setdefault(person, row["member_no"])
    return warnings


class RosterImportFailed(ValidationFailed):
    def __init__(self, errors: list[spreadsheets.RowError]):
        super().__init__(f"文件中有 {len(errors)} 处问题，未导入任何委员。请修改后重新上传。")
        self.errors = errors


def import_roster(actor: User, meeting: Meeting, data: bytes) -> ImportResult:
    """All rows are validated first; a file with any bad row imports nothing.

    Rows are matched to the roster by member number: existing members are updated, new ones added.
    """
    rows, errors = spreadsheets.parse_roster(data)
    usernames = {row["username"] for row in rows if row.get("username")}
    users = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(usernames)))}
    members = list(db.session.scalars(select(MemberProfile).where(MemberProfile.meeting_id == meeting.id)))
    # Rows match members by number as a person means it: 5, "0005" and "０００５" are one member, kept in the
    # roster's own form; a new all-digit number takes the roster's usual width (5 → 0005 beside 0001…).
    by_key = {spreadsheets.member_no_key(m.member_no): m for m in members}
    width = _usual_digit_width([m.member_no for m in members] + [row["member_no"] for row in rows])
    for row in rows:
        member = by_key.get(spreadsheets.member_no_key(row["member_no"]))
        if member is not None:
            row["member_no"] = member.member_no
        elif row["member_no"].isdigit() and len(row["member_no"]) < width:
            row["member_no"] = row["member_no"].zfill(width)
    existing = {m.member_no: m for m in members}
    linked = {m.user_id: m.member_no for m in existing.values() if m.user_id}
    claimed: dict[int, int] = {}
    for row in rows:
        username = row.get("username")
        if not username:
            continue
        user = users.get(username)
        if user is None:
            errors.append(spreadsheets.RowError(row["row"], f"没有用户名为“{username}”的账号。"))
        elif user.role != Role.MEMBER:
            errors.append(spreadsheets.RowError(row["row"], f"账号“{username}”不是委员角色。"))
        elif user.id in claimed:
            errors.append(spreadsheets.RowError(row["row"], f"账号“{username}”与第 {claimed[user.id]} 行重复。"))
        elif linked.get(user.id, row["member_no"]) != row["member_no"]:
            errors.append(spreadsheets.RowError(
                row["row"], f"账号“{username}”已关联到委员编号 {linked[user.id]}。"))
        else:
            claimed[user.id] = row["row"]
    if errors:
        raise RosterImportFailed(sorted(errors, key=lambda e: e.row))

    result = ImportResult(warnings=_likely_duplicates(rows, members))
    groups: dict[str, DiscussionGroup] = {}
    for row in rows:
        group = _group_named(meeting.id, row.get("group", ""), groups)
        member = existing.get(row["member_no"])
        if member is None:
            member = MemberProfile(meeting_id=meeting.id)
            result.created += 1
        else:
            result.updated += 1
        _apply_member_fields(member, row, group, users.get(row.get("username", "")))
        db.session.add(member)
    db.session.flush()
    audit.record(db.session, "import", meeting, actor=actor,
                 message=f"导入委员名册：新增 {result.created} 人，更新 {result.updated} 人")
    return result


def remove_member(actor: User, member: MemberProfile) -> None:
    """Take someone off the roster: their open check-ins and leave go with them; frozen rolls keep
    their snapshot (the roll entry loses only the link)."""
    db.session.delete(member)
    db.session.flush()


# ── sittings ────────────────────────────────────────────────────────────────────────────────────
def _check_times(starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    if ends_at <= starts_at:
        raise ValidationFailed("结束时间必须晚于开始时间。")


def _members_by_numbers(meeting_id: int, numbers: Iterable[str]) -> list[MemberProfile]:
    wanted = {n.strip() for n in numbers if n.strip()}
    found = list(db.session.scalars(select(MemberProfile).where(MemberProfile.meeting_id == meeting_id,
                                                               MemberProfile.member_no.in_(wanted))))
    unknown = wanted - {m.member_no for m in found}
    if unknown:
        raise ValidationFailed(f"名册中没有这些委员编号：{'、'.join(sorted(unknown)[:20])}。")
    return found


def save_sitting(actor: User, meeting: Meeting, fields: dict, *, group_ids: Iterable[int] = (),
                 member_numbers: Iterable[str] = (), sitting: Sitting | None = None,
                 version_id=None) -> Sitting:
    """Create or edit a sitting with who is expected there. A closed sitting's roll is frozen."""
    if sitting is not None:
        expect_version(sitting, version_id, "该会次")
        if sitting.is_closed:
            raise InvalidTransition("该会次已结束签到，名单已冻结，不能再修改。如确需修改，请先重新开放签到。")
    _check_times(fields["starts_at"], fields["ends_at"])
    expectation = Expectation(fields["expectation"])
    groups = [g for g in queries.groups_of(meeting.id) if g.id in set(group_ids)]
    members = _members_by_numbers(meeting.id, member_numbers) if expectation == Expectation.LISTED else []
    if expectation == Expectation.GROUPS and not groups:
        raise ValidationFailed("应到范围为“指定讨论组”时，请至少选择一个讨论组。")
    if expectation == Expectation.LISTED and not members:
        raise ValidationFailed("应到范围为“指定名单”时，请填写至少一个委员编号。")
    if sitting is None:
        sitting = Sitting(meeting_id=meeting.id, expected_groups=[], expected_members=[])
        db.session.add(sitting)
    for key in ("kind", "name", "starts_at", "ends_at", "venue", "late_grace_minutes"):
        setattr(sitting, key, fields[key])
    if "seated" in fields:
        sitting.seated = bool(fields["seated"])
    if "bring_note" in fields:
        sitting.bring_note = (fields["bring_note"] or "").strip()[:500]
    sitting.expectation = expectation
    sitting.expected_groups = [SittingExpectedGroup(group_id=g.id) for g in groups] \
        if expectation == Expectation.GROUPS else []
    sitting.expected_members = [SittingExpectedMember(member_id=m.id) for m in members]
    db.session.flush()
    return sitting


def delete_sitting(actor: User, sitting: Sitting) -> None:
    """Only a sitting nobody has checked in to (and not closed) can go: records are never lost silently."""
    if sitting.is_closed or _existing_any_check_in(sitting):
        raise InvalidTransition("该会次已有签到记录，不能删除。如会次取消，请修改名称注明“（取消）”。")
    db.session.delete(sitting)
    db.session.flush()


def _existing_any_check_in(sitting: Sitting) -> bool:
    return db.session.scalar(select(CheckIn.id).where(CheckIn.sitting_id == sitting.id).limit(1)) is not None


def close_sitting(actor: User, sitting: Sitting) -> int:
    """Freeze the roll: who was expected and each person's final status, as of now. Returns rows."""
    if sitting.is_closed:
        raise InvalidTransition("该会次已经结束签到。")
    db.session.flush()
    rows = queries.live_rows(sitting.meeting_id, sitting_id=sitting.id).subquery()
    columns = ["member_id", "member_no", "name", "sector", "group_name", "sitting_id", "was_expected", "status",
               "checked_in_at"]
    db.session.execute(insert(SittingRollEntry).from_select(columns, select(*(rows.c[name] for name in columns))))
    _tally_frozen_roll(sitting)
    sitting.closed_at = timeutil.now()
    sitting.closed_by_id = actor.id
    db.session.flush()
    created = sync_follow_ups(sitting)
    audit.record(db.session, "close", sitting, actor=actor,
                 message="结束签到，冻结名单" + (f"；{created} 名无假缺席的委员列入缺席跟进" if created else ""))
    return db.session.scalar(select(func.count(SittingRollEntry.id)).where(SittingRollEntry.sitting_id == sitting.id))


def _tally_frozen_roll(sitting: Sitting) -> None:
    """Count the frozen roll again into the sitting's tallies and its total; every write to a frozen roll
    calls this."""
    db.session.execute(delete(SittingTally).where(SittingTally.sitting_id == sitting.id))
    db.session.execute(delete(SittingTotal).where(SittingTotal.sitting_id == sitting.id))
    tally = queries.roll_tally(sitting.id)
    db.session.execute(insert(SittingTally).from_select([column.name for column in tally.selected_columns],
                                                        tally))
    total = queries.tallies_total(sitting.id)
    db.session.execute(insert(SittingTotal).from_select([column.name for column in total.selected_columns],
                                                        total))


@signals.meeting_rescheduled.connect
def move_sittings_with_the_opening(meeting, actor: User | None = None, old_opens_at=None, move_sittings=False,
                                   **_kw) -> int:
    """The opening moved and the person chose to move the sittings too: each one not yet closed moves by the
    same amount (a closed sitting's roll is a record of what happened and stays)."""
    if not move_sittings or old_opens_at is None:
        return 0
    shift = meeting.opens_at - old_opens_at
    sittings = queries.movable_sittings(meeting.id)
    with audit.acting_as(actor):
        for sitting in sittings:
            sitting.starts_at += shift
            sitting.ends_at += shift
        db.session.flush()
    if sittings:
        audit.record(db.session, "会次随开幕调整", meeting, actor=actor,
                     message=f"开幕时间{'推迟' if shift > dt.timedelta(0) else '提前'}"
                             f"{timeutil.humanize_delta(shift)}，{len(sittings)} 个未结束签到的会次随之平移。")
        db.session.flush()
    return len(sittings)


def reopen_sitting(actor: User, sitting: Sitting) -> None:
    """Undo a close made by mistake: the live roll takes over again from check-ins and leave."""
    if not sitting.is_closed:
        raise InvalidTransition("该会次尚未结束签到。")
    db.session.execute(delete(SittingRollEntry).where(SittingRollEntry.sitting_id == sitting.id))
    db.session.execute(delete(SittingTally).where(SittingTally.sitting_id == sitting.id))
    db.session.execute(delete(SittingTotal).where(SittingTotal.sitting_id == sitting.id))
    # Open follow-ups go with the frozen roll (the next close writes them again); resolved ones are a record.
    db.session.execute(delete(AbsenceFollowUp).where(AbsenceFollowUp.sitting_id == sitting.id, AbsenceFollowUp.is_open)
                       .execution_options(synchronize_session=False))
    sitting.closed_at = None
    sitting.closed_by_id = None
    db.session.flush()
    audit.record(db.session, "reopen", sitting, actor=actor, message="重新开放签到（冻结名单已撤销）")


# ── registration and check-in ───────────────────────────────────────────────────────────────────
@dataclass
class CheckInOutcome:
    record: CheckIn | Registration | None
    created: bool
    message: str
    needs_confirmation: bool = False   # not expected here: the desk must confirm to admit
    early: bool = False  # long before the sitting: the desk may have the wrong sitting open


#: A check-in more than this before a sitting starts is flagged (the desk may have the wrong sitting open).
EARLY_CHECK_IN = dt.timedelta(hours=3)
#: A desk may undo its own check-in (a wrong Enter) for this long.
UNDO_WINDOW = dt.timedelta(minutes=15)


def is_early(sitting: Sitting, moment: dt.datetime) -> bool:
    return moment < sitting.starts_at - EARLY_CHECK_IN


def _same_meeting(sitting: Sitting, member: MemberProfile) -> None:
    if member.meeting_id != sitting.meeting_id:
        raise NotFound("该委员不在本次会议的名册中。")


def _existing_check_in(sitting: Sitting, member: MemberProfile) -> CheckIn | None:
    return db.session.scalar(select(CheckIn).where(CheckIn.sitting_id == sitting.id,
                                                   CheckIn.member_id == member.id))


def _already(record: CheckIn, member: MemberProfile) -> CheckInOutcome:
    late = "（迟到）" if record.is_late else ""
    at = timeutil.format_time(record.checked_in_at)
    return CheckInOutcome(record, False, f"{member.name} 已于 {at} 签到{late}，无需重复签到。")


def check_in(actor: User | None, sitting: Sitting, member: MemberProfile, *, method: CheckInMethod,
             at: dt.datetime | None = None, admit_unexpected: bool = False) -> CheckInOutcome:
    """Check a member in. Twice is harmless (the first stands); after start + grace it is late;
    a member not expected here needs ``admit_unexpected`` and is recorded as such."""
    _same_meeting(sitting, member)
    if sitting.is_closed:
        raise InvalidTransition(f"“{sitting.name}”已结束签到，名单已冻结。如需更正请联系大会秘书处。")
    existing = _existing_check_in(sitting, member)
    if existing is not None:
        return _already(existing, member)
    expected = queries.is_expected(sitting, member)
    if not expected and not admit_unexpected:
        return CheckInOutcome(None, False, needs_confirmation=True,
                              message=f"{member.name} 不在“{sitting.name}”的应到名单中。确认后仍可签到（记为列席）。")
    moment = at or timeutil.now()
    record = CheckIn(sitting_id=sitting.id, member_id=member.id, checked_in_at=moment, method=method,
                     is_late=moment > sitting.late_after(), was_expected=expected,
                     by_user_id=actor.id if actor else None)
    try:
        with db.session.begin_nested():
            db.session.add(record)
    except IntegrityError:
        # Another desk won the race: its record stands.
        return _already(_existing_check_in(sitting, member), member)
    parts = [f"{member.name} 签到成功（{timeutil.format_time(moment)}）"]
    if record.is_late:
        parts.append("迟到")
    if not expected:
        parts.append("非应到人员，已记为列席")
    early = is_early(sitting, moment)
    if early:
        parts.append(f"距“{sitting.name}”开始还有{timeutil.humanize_delta(sitting.starts_at - moment)}，"
                     "请确认签到的会次无误，如有误可撤销")
    return CheckInOutcome(record, True, "，".join(parts) + "。", early=early)


def undo_check_in(actor: User, sitting: Sitting, member: MemberProfile) -> str:
    """Take back a check-in made by mistake (a wrong Enter at the desk): only while the sitting is open, only
    a desk's or a code's check-in, and only for a short while; recorded in the audit trail."""
    _same_meeting(sitting, member)
    if sitting.is_closed:
        raise InvalidTransition(f"“{sitting.name}”已结束签到，名单已冻结。如需更正请联系大会秘书处。")
    record = _existing_check_in(sitting, member)
    if record is None:
        raise NotFound(f"{member.name} 在“{sitting.name}”没有签到记录，无需撤销。")
    recent = timeutil.now() - record.checked_in_at <= UNDO_WINDOW
    if record.method not in (CheckInMethod.DESK, CheckInMethod.QR) or not recent:
        raise InvalidTransition(f"{member.name} 的签到已超过 {UNDO_WINDOW.seconds // 60} 分钟，不能在签到台撤销；"
                                "如需更正，请在会次页面的名单中点“更正”并写明原因。")
    at = timeutil.format_time(record.checked_in_at)
    db.session.delete(record)
    audit.record(db.session, "undo_check_in", sitting, actor=actor,
                 message=f"撤销 {member.name}（{member.member_no}）{at} 的签到")
    db.session.flush()
    return f"已撤销 {member.name} 的签到。"


def bulk_check_in(actor: User, sitting: Sitting, member_ids: Iterable[int], at: dt.datetime) -> int:
    """Mark several members present at once (e.g. from a paper sheet), at the time entered.

    Members already checked in keep their record. Returns how many were newly checked in.
    """
    if sitting.is_closed:
        raise InvalidTransition("该会次已结束签到，名单已冻结。")
    ids = set(member_ids)
    if not ids:
        raise ValidationFailed("请至少勾选一位委员。")
    members = list(db.session.scalars(select(MemberProfile).where(
        MemberProfile.id.in_(ids), MemberProfile.meeting_id == sitting.meeting_id)))
    if len(members) != len(ids):
        raise NotFound("所选委员中有人不在本次会议的名册中。")
    created = 0
    for member in members:
        created += check_in(actor, sitting, member, method=CheckInMethod.BULK, at=at, admit_unexpected=True).created
    audit.record(db.session, "bulk_check_in", sitting, actor=actor,
                 message=f"批量补录签到 {created} 人（时间 {timeutil.format_datetime(at)}）")
    return created


CORRECTABLE = {RollStatus.PRESENT, RollStatus.LATE, RollStatus.ABSENT}


def correct_record(actor: User, sitting: Sitting, member: MemberProfile, status: RollStatus, reason: str,
                   at: dt.datetime | None = None) -> None:
    """Staff correct one member's record at a sitting, with a reason that goes into the audit trail.

    Open sitting: the check-in is created, changed or removed. Closed sitting: the frozen roll entry
    changes (leave included, e.g. leave approved after the fact).
    """
    _same_meeting(sitting, member)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("请填写更正原因。")
    if sitting.is_closed:
        entry = db.session.scalar(select(SittingRollEntry).where(SittingRollEntry.sitting_id == sitting.id,
                                                                 SittingRollEntry.member_id == member.id))
        if entry is None:
            raise NotFound("该委员不在本会次的冻结名单中。")
        old = entry.status
        entry.status = status
        if status in (RollStatus.PRESENT, RollStatus.LATE):
            entry.checked_in_at = entry.checked_in_at or at or sitting.starts_at
        else:
            entry.checked_in_at = None
        db.session.flush()
        _tally_frozen_roll(sitting)
        sync_follow_ups(sitting)
    else:
        if status not in CORRECTABLE:
            raise ValidationFailed("会次进行中只能更正为出席、迟到或缺席；请假须通过请假审批。")
        record = _existing_check_in(sitting, member)
        old = (RollStatus.LATE if record.is_late else RollStatus.PRESENT) if record else RollStatus.ABSENT
        if status == RollStatus.ABSENT:
            if record is not None:
                db.session.delete(record)
        else:
            if record is None:
                record = CheckIn(sitting_id=sitting.id, member_id=member.id, method=CheckInMethod.CORRECTION,
                                 checked_in_at=at or sitting.starts_at, by_user_id=actor.id,
                                 was_expected=queries.is_expected(sitting, member))
                db.session.add(record)
            elif at is not None:
                record.checked_in_at = at
            record.is_late = status == RollStatus.LATE
    db.session.flush()
    audit.record(db.session, "correct", member, actor=actor, meeting_id=sitting.meeting_id,
                 changes={"status": [old.value, status.value]},
                 message=f"更正“{sitting.name}”出勤：{old.label} → {status.label}。原因：{reason}")


def register(actor: User | None, member: MemberProfile, *, method: CheckInMethod,
             at: dt.datetime | None = None) -> CheckInOutcome:
    """报到 for the meeting: once per member; repeating is harmless."""
    existing = db.session.scalar(select(Registration).where(Registration.member_id == member.id))
    if existing is None:
        record = Registration(meeting_id=member.meeting_id, member_id=member.id,
                              registered_at=at or timeutil.now(), method=method,
                              by_user_id=actor.id if actor else None)
        try:
            with db.session.begin_nested():
                db.session.add(record)
        except IntegrityError:
            existing = db.session.scalar(select(Registration).where(Registration.member_id == member.id))
        else:
            at = timeutil.format_time(record.registered_at)
            return CheckInOutcome(record, True, f"{member.name} 报到成功（{at}）。")
    return CheckInOutcome(existing, False,
                          f"{member.name} 已于 {timeutil.format_short(existing.registered_at)} 报到，无需重复报到。")


# ── personal QR codes ───────────────────────────────────────────────────────────────────────────
def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=QR_SALT)


def qr_token(member: MemberProfile) -> str:
    """Signed (member id, generation): unguessable, bound to one member, void once reissued."""
    return _serializer().dumps([member.id, member.qr_generation])


def member_for_token(token: str) -> MemberProfile:
    try:
        member_id, generation = _serializer().loads(token)
        member_id, generation = int(member_id), int(generation)
    except (BadSignature, ValueError, TypeError) as error:
        raise ValidationFailed("签到码无效：无法识别或已被篡改。请使用报到表上的二维码，或到签到台签到。") from error
    member = db.session.get(MemberProfile, member_id)
    if member is None:
        raise NotFound("签到码对应的委员已不在名册中，请到签到台签到。")
    if generation != member.qr_generation:
        raise ValidationFailed("该签到码已作废（已重新发放新码）。请使用最新的报到表二维码，或到签到台签到。")
    return member


def reissue_qr(actor: User, member: MemberProfile) -> None:
    """Revoke the member's current code; the next printed card carries a new one."""
    member.qr_generation += 1
    db.session.flush()
    audit.record(db.session, "reissue_qr", member, actor=actor, message="签到码已作废并重新发放")


def checkin_opens_before() -> dt.timedelta:
    return dt.timedelta(minutes=current_app.config.get("ATTENDANCE_CHECKIN_OPENS_MINUTES", 60))


#: ``self_check_in``'s sitting when the caller has not looked it up
_LOOK_UP = object()


def self_check_in(member: MemberProfile, moment: dt.datetime | None = None, *,
                  sitting: Sitting | object | None = _LOOK_UP) -> list[CheckInOutcome]:
    """A scanned personal code: register if not yet, and check in to the sitting under way (``sitting``
    when the caller has just looked it up for the same moment, as the QR page does)."""
    moment = moment or timeutil.now()
    outcomes = []
    registration = register(None, member, method=CheckInMethod.QR, at=moment)
    if registration.created:
        outcomes.append(registration)
    if sitting is _LOOK_UP:
        sitting = queries.sitting_under_way(member.meeting_id, moment, checkin_opens_before(), member)
    if sitting is None:
        if not registration.created:
            outcomes.append(registration)
        outcomes.append(CheckInOutcome(None, False, "现在没有正在签到的会次。"))
        return outcomes
    outcome = check_in(None, sitting, member, method=CheckInMethod.QR, at=moment)
    if outcome.needs_confirmation:
        outcome.message = f"您不在“{sitting.name}”的应到名单中，请到签到台由工作人员办理。"
    outcomes.append(outcome)
    return outcomes


# ── leave ───────────────────────────────────────────────────────────────────────────────────────
def request_leave(actor: User, member: MemberProfile, sitting_ids: Iterable[int], reason: str) -> LeaveRequest:
    """A member asks (or staff ask on their behalf) for leave from one or more sittings."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("请填写请假事由。")
    ids = set(sitting_ids)
    sittings = list(db.session.scalars(select(Sitting).where(Sitting.id.in_(ids),
                                                             Sitting.meeting_id == member.meeting_id)))
    if not sittings or len(sittings) != len(ids):
        raise ValidationFailed("请选择要请假的会次。")
    closed = [s.name for s in sittings if s.is_closed]
    if closed:
        raise ValidationFailed(f"这些会次已结束签到，不能再请假：{'、'.join(closed)}。")
    # One live request per member and sitting: a second (a double tap, or staff asking again on their behalf)
    # would be decided twice. A refused request may be followed by a new one.
    already = db.session.scalars(
        select(Sitting.name).join(LeaveRequestSitting, LeaveRequestSitting.sitting_id == Sitting.id)
        .join(LeaveRequest, LeaveRequest.id == LeaveRequestSitting.leave_request_id)
        .where(LeaveRequest.member_id == member.id, LeaveRequestSitting.sitting_id.in_(ids),
               LeaveRequest.status.in_([LeaveStatus.PENDING, LeaveStatus.APPROVED]))
        .order_by(Sitting.starts_at)).all()
    if already:
        raise ValidationFailed(f"{member.name} 已有这些会次的请假申请（待审批或已批准），无需重复提交："
                               f"{'、'.join(dict.fromkeys(already))}。")
    leave = LeaveRequest(meeting_id=member.meeting_id, member_id=member.id, reason=reason[:2000],
                         requested_by_id=actor.id, requested_at=timeutil.now(), sittings=sittings)
    db.session.add(leave)
    db.session.flush()
    secretariat = db.session.scalars(select(User.id).where(User.role == Role.SECRETARIAT,
                                                           User.is_active_account.is_(True))).all()
    deciders = [*secretariat, *_approver_ids(leave.meeting_id)]
    notify_kind(deciders, kind=messages.LEAVE_REQUESTED.kind, meeting_id=leave.meeting_id,
                values=messages.values(member.name, "、".join(s.name for s in sittings), reason=leave.reason[:200]),
                dedup_key=f"attendance.leave_requested:{leave.id}", link=f"/attendance/leave/{leave.id}")
    return leave


def leave_already_decided(leave: LeaveRequest) -> InvalidTransition:
    """What the second of two decisions is told: who decided, when, how — and that theirs was not saved."""
    decider = db.session.get(User, leave.decided_by_id) if leave.decided_by_id else None
    who = f"{decider.display_name} 已于 {timeutil.format_datetime(leave.decided_at)} " if decider and leave.decided_at \
        else "已有人"
    return InvalidTransition(f"这份请假申请{who}审批（{leave.status.label}），您的审批没有保存；"
                             "您填写的审批意见保留在下方，如需补充请直接联系委员。")


def decide_leave(actor: User, leave: LeaveRequest, *, approve: bool, note: str = "", version_id=None) -> None:
    """Approve or reject a pending request; the member is told the decision."""
    if leave.status != LeaveStatus.PENDING:
        raise leave_already_decided(leave)
    expect_version(leave, version_id, "该请假申请")
    if not approve and not note.strip():
        raise ValidationFailed("不批准时请填写审批意见，告诉委员原因。")
    leave.status = LeaveStatus.APPROVED if approve else LeaveStatus.REJECTED
    leave.decided_by_id = actor.id
    leave.decided_at = timeutil.now()
    leave.decision_note = note.strip()[:500]
    db.session.flush()
    # Decided: the request no longer waits unread in the other deciders' inboxes.
    settle(messages.LEAVE_REQUESTED.kind, f"attendance.leave_requested:{leave.id}:")
    member = db.session.get(MemberProfile, leave.member_id)
    if member.user_id:
        names = "、".join(db.session.scalars(
            select(Sitting.name).join(LeaveRequestSitting, LeaveRequestSitting.sitting_id == Sitting.id)
            .where(LeaveRequestSitting.leave_request_id == leave.id).order_by(Sitting.starts_at)))
        notify_kind([member.user_id], kind=messages.LEAVE_DECIDED.kind, meeting_id=leave.meeting_id,
                    values=messages.values(member.name, names, outcome=leave.status.label, note=leave.decision_note),
                    dedup_key=f"attendance.leave:{leave.id}", link=f"/attendance/leave/{leave.id}")


def cancel_leave(actor: User, leave: LeaveRequest) -> None:
    if leave.status != LeaveStatus.PENDING:
        raise InvalidTransition("只能撤回待审批的请假申请。")
    db.session.delete(leave)
    db.session.flush()


# ── duties ──────────────────────────────────────────────────────────────────────────────────────
def assign_duty(actor: User, meeting: Meeting, user: User, sitting: Sitting | None) -> CheckinDuty:
    """Name a user to run check-in for one sitting, or for the whole meeting (sitting=None)."""
    if user.role == Role.MEMBER or not user.is_active:
        raise ValidationFailed("只能指派在岗的工作人员负责签到。")
    if sitting is not None and sitting.meeting_id != meeting.id:
        raise NotFound()
    existing = db.session.scalar(select(CheckinDuty).where(
        CheckinDuty.meeting_id == meeting.id, CheckinDuty.user_id == user.id,
        CheckinDuty.sitting_id.is_(None) if sitting is None else CheckinDuty.sitting_id == sitting.id))
    if existing is not None:
        raise ValidationFailed(f"{user.display_name} 已负责该签到。")
    duty = CheckinDuty(meeting_id=meeting.id, user_id=user.id, sitting_id=sitting.id if sitting else None)
    db.session.add(duty)
    db.session.flush()
    return duty


def remove_duty(actor: User, duty: CheckinDuty) -> None:
    db.session.delete(duty)
    db.session.flush()


# ── leave decided by designated leaders ──────────────────────────────────────────────────────────
def _approver_ids(meeting_id: int) -> list[int]:
    """The active leaders named to decide the meeting's leave (they are told of each request too)."""
    return list(db.session.scalars(
        select(User.id).join(LeaveApprover, LeaveApprover.user_id == User.id)
        .where(LeaveApprover.meeting_id == meeting_id, User.role == Role.LEADER, User.is_active_account.is_(True))))


def set_leave_approvers(actor: User, meeting: Meeting, user_ids: Iterable[int]) -> list[User]:
    """Name the leaders who may decide the meeting's leave besides the secretariat (none: the secretariat
    alone). Only active leader accounts; each naming and removal lands in the trail (LeaveApprover)."""
    wanted = set(user_ids)
    users = list(db.session.scalars(select(User).where(User.id.in_(wanted)))) if wanted else []
    refused = [u.display_name for u in users if u.role != Role.LEADER or not u.is_active]
    if refused or len(users) != len(wanted):
        raise ValidationFailed("只能指定在岗的“领导”角色账号审批请假" +
                               (f"：{'、'.join(refused)} 不符合。" if refused else "；所选账号中有的已不存在。"))
    current = {a.user_id: a for a in db.session.scalars(select(LeaveApprover)
                                                        .where(LeaveApprover.meeting_id == meeting.id))}
    for user_id, approver in current.items():
        if user_id not in wanted:
            db.session.delete(approver)
    for user in users:
        if user.id not in current:
            db.session.add(LeaveApprover(meeting_id=meeting.id, user_id=user.id))
    db.session.flush()
    return sorted(users, key=lambda u: u.display_name)


# ── following up who is missing (#20) ────────────────────────────────────────────────────────────
@dataclass(frozen=True)
class Reminded:
    """What one remind action did: messages queued (in-app, and each person's e-mail / robots), and how many
    on the list have no account (they are phoned: the print list)."""

    sent: int
    without_account: int


def _stamp(moment: dt.datetime) -> str:
    """The minute of a remind action: a second click within the minute sends nothing twice (dedup key)."""
    return timeutil.to_local(moment).strftime("%Y%m%d%H%M")


def _remind(actor: User, obj, kind: str, values: dict[str, str], targets: tuple[list[int], int], what: str,
            described: str, dedup_key: str, meeting_id: int) -> Reminded:
    user_ids, without = targets
    if not user_ids and not without:
        raise ValidationFailed(f"筛选范围（{described}）内没有{what}的委员，无需提醒。")
    if not user_ids:
        raise ValidationFailed(f"筛选范围（{described}）内 {without} 位{what}的委员都没有登录账号，无法在线提醒，"
                               "请打印名单电话联系。")
    notify_kind(user_ids, kind=kind, values=values, link="/agenda/schedule", dedup_key=dedup_key,
                meeting_id=meeting_id)
    audit.record(db.session, "remind_missing", obj, actor=actor, meeting_id=meeting_id,
                 message=f"提醒{what}委员 {len(user_ids)} 人（{described}）"
                         + (f"；{without} 人无登录账号，需电话联系" if without else ""))
    return Reminded(len(user_ids), without)


def remind_absent(actor: User, sitting: Sitting, filt: queries.MissingFilter,
                  moment: dt.datetime | None = None) -> Reminded:
    """Remind the members the 未签到 list shows (its filter) through their channels. Only while check-in is
    open: before it, the scheduled sitting reminder speaks; after the close, the follow-up items do."""
    moment = moment or timeutil.now()
    if sitting.is_closed:
        raise InvalidTransition(f"“{sitting.name}”已结束签到，不再发送签到提醒；无假缺席的委员已列入缺席跟进。")
    opens = sitting.starts_at - checkin_opens_before()
    if moment < opens:
        raise InvalidTransition(f"“{sitting.name}”的签到于 {timeutil.format_datetime(opens)} 开放，签到开放后才能"
                                "提醒未签到的委员（会前提醒由系统按时发送）。")
    _sectors, groups = queries.filter_choices(sitting.meeting_id)
    values = {"会议": "", "会次": sitting.name, "开始时间": timeutil.format_datetime(sitting.starts_at),
              "地点": sitting.venue or "（见会议通知）"}
    return _remind(actor, sitting, messages.ABSENT.kind, values, queries.absent_accounts(sitting, filt, groups),
                   "未签到", filt.describe(groups), f"attendance.absent:{sitting.id}:{_stamp(moment)}",
                   sitting.meeting_id)


def remind_unregistered(actor: User, meeting: Meeting, filt: queries.MissingFilter,
                        moment: dt.datetime | None = None) -> Reminded:
    """Remind the members the 未报到 list shows (its filter) to register for the meeting."""
    moment = moment or timeutil.now()
    _sectors, groups = queries.filter_choices(meeting.id)
    values = {"会议": meeting.display_name, "会次": "", "开始时间": timeutil.format_datetime(meeting.opens_at),
              "地点": meeting.venue or "（见会议通知）"}
    return _remind(actor, meeting, messages.UNREGISTERED.kind, values,
                   queries.unregistered_accounts(meeting.id, filt, groups), "未报到", filt.describe(groups),
                   f"attendance.unregistered:{meeting.id}:{_stamp(moment)}", meeting.id)


def sync_follow_ups(sitting: Sitting) -> int:
    """The frozen roll was written or corrected: an open follow-up for every expected member absent without
    leave, none for anyone else (approved leave is 请假, not 缺席). Resolved items stay — they record what was
    done. Returns how many items were added. Two statements whatever the roll's size."""
    entry = SittingRollEntry
    absent = (entry.sitting_id == sitting.id, entry.was_expected == true(), entry.status == RollStatus.ABSENT)
    db.session.execute(
        delete(AbsenceFollowUp).where(AbsenceFollowUp.sitting_id == sitting.id, AbsenceFollowUp.is_open,
                                      AbsenceFollowUp.member_no.not_in(select(entry.member_no).where(*absent)))
        .execution_options(synchronize_session=False))
    moment = timeutil.now()
    new = select(literal(sitting.meeting_id), entry.sitting_id, entry.member_id, entry.member_no, entry.name,
                 entry.sector, literal(moment, AbsenceFollowUp.created_at.type)).where(
        *absent, ~exists().where(AbsenceFollowUp.sitting_id == sitting.id,
                                 AbsenceFollowUp.member_no == entry.member_no))
    created = db.session.execute(insert(AbsenceFollowUp).from_select(
        ["meeting_id", "sitting_id", "member_id", "member_no", "name", "sector", "created_at"], new)
        .returning(AbsenceFollowUp.id))  # the count from the rows themselves: drivers differ on rowcount
    return len(created.all())


def resolve_follow_up(actor: User, item: AbsenceFollowUp, outcome: FollowUpOutcome, note: str,
                      version_id=None) -> None:
    """Close a follow-up: 已联系, 补假 (leave granted after the fact: the frozen roll records 请假 and the
    figures follow), or 无故缺席. Once; a second answer is told who answered and when."""
    if not item.is_open:
        who = db.session.get(User, item.resolved_by_id) if item.resolved_by_id else None
        raise InvalidTransition(f"该缺席跟进已由{who.display_name if who else '他人'}于 "
                                f"{timeutil.format_datetime(item.resolved_at)} 处理为“{item.outcome.label}”，"
                                "您的处理没有保存。")
    expect_version(item, version_id, "该缺席跟进")
    note = note.strip()
    if not note:
        raise ValidationFailed("请填写处理说明（如联系情况、缺席原因）。")
    item.outcome = outcome
    item.note = note[:500]
    item.resolved_at = timeutil.now()
    item.resolved_by_id = actor.id
    db.session.flush()
    if outcome == FollowUpOutcome.EXCUSED:
        entry = db.session.scalar(select(SittingRollEntry).where(SittingRollEntry.sitting_id == item.sitting_id,
                                                                 SittingRollEntry.member_no == item.member_no))
        if entry is not None and entry.status == RollStatus.ABSENT:
            entry.status = RollStatus.LEAVE
            db.session.flush()
            sitting = db.session.get(Sitting, item.sitting_id)
            _tally_frozen_roll(sitting)
            audit.record(db.session, "correct", sitting, actor=actor,
                         changes={"status": [RollStatus.ABSENT.value, RollStatus.LEAVE.value]},
                         message=f"{item.name}（{item.member_no}）补假：“{sitting.name}”出勤 缺席 → 请假。{item.note}")
