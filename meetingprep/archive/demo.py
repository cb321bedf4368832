"""Demo: last year's session, held and archived — the baseline this year's figures are compared with.

The same eight working groups and people, the previous year's plan with every task done (most on time,
some late), and its sittings held with their rolls frozen (attendance a little below this year's), then
archived a month after it closed: read-only, as ``meetings/closure.py`` keeps it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import insert, select, update

from meetingprep import audit, timeutil
from meetingprep.attendance import services as attendance_services
from meetingprep.attendance.models import (
    CheckIn,
    CheckInMethod,
    DiscussionGroup,
    Expectation,
    LeaveRequest,
    LeaveStatus,
    MemberProfile,
    Sitting,
    SittingExpectedGroup,
    SittingKind,
)
from meetingprep.demo.context import DemoContext
from meetingprep.extensions import db
from meetingprep.groups.models import GroupMembership, WorkingGroup
from meetingprep.meetings.models import Meeting
from meetingprep.tasks import demo as task_demo
from meetingprep.tasks.models import Task, TaskEvent

NAME = "政协第十届攀枝花市委员会第三次会议"
SHORT_NAME = "市政协十届三次会议"
#: Of last year's tasks, one in this many was submitted after its time node.
LATE_EVERY = 7
# (kind, name, day from the opening, start hour, end hour, expectation)
SITTINGS = [
    (SittingKind.PREPARATORY, "预备会议", -1, 16, 17, Expectation.ALL),
    (SittingKind.OPENING, "开幕大会", 0, 9, 11, Expectation.ALL),
    (SittingKind.GROUP, "分组讨论：审议常委会工作报告", 0, 15, 18, Expectation.GROUPS),
    (SittingKind.PLENARY, "全体会议（大会发言）", 2, 9, 12, Expectation.ALL),
    (SittingKind.CLOSING, "闭幕大会", 4, 9, 11, Expectation.ALL),
]
LEAVE_REASONS = ["因公出差，无法参会。", "身体不适。", "单位有重要接待任务。", "参加省里的专题培训。"]


def seed(ctx: DemoContext) -> None:
    ctx.progress("往届会议（已归档）")
    current = ctx.meeting
    shift = dt.timedelta(days=364)
    meeting = Meeting(name=NAME, short_name=SHORT_NAME, opens_at=current.opens_at - shift,
                      closes_at=current.closes_at - shift, venue=current.venue, is_current=False,
                      description="上一年度的全体会议，已归档（只读），供今年的筹备对照。")
    db.session.add(meeting)
    db.session.flush()
    groups = {}
    for name, group in ctx.groups.items():
        if name not in {g for g, *_rest in task_demo.TEMPLATES.values()}:
            continue  # the large scales' liaison groups are this year's
        groups[name] = WorkingGroup(meeting_id=meeting.id, name=name, duties=group.duties, sort_order=group.sort_order)
    db.session.add_all(groups.values())
    db.session.flush()
    for name, people in ctx.staff_by_group.items():
        if name in groups:
            db.session.add_all(GroupMembership(group_id=groups[name].id, user_id=user.id, is_lead=index == 0)
                               for index, user in enumerate(people))
    last_year = dataclasses.replace(ctx, meeting=meeting, groups=groups, scale="small",
                                    staff_by_group={n: p for n, p in ctx.staff_by_group.items() if n in groups})
    task_demo.seed(last_year)
    _some_late(meeting)
    actor = ctx.secretariat[0]
    _attendance(last_year, current, actor)
    meeting.closed_at = meeting.closes_at + dt.timedelta(days=30)
    audit.record(db.session, "归档", meeting, actor=actor, message="归档会议：会议资料从此只读")
    db.session.flush()


def _some_late(meeting: Meeting) -> None:
    """Every LATE_EVERY-th task was submitted a day after its time node (and accepted the day after)."""
    rows = db.session.execute(select(Task.id, Task.due_at).where(Task.meeting_id == meeting.id)
                              .order_by(Task.id)).all()
    for task_id, due_at in rows[3::LATE_EVERY]:
        submitted, accepted = due_at + dt.timedelta(days=1), due_at + dt.timedelta(days=2)
        db.session.execute(update(Task).where(Task.id == task_id).values(submitted_at=submitted, accepted_at=accepted))
        for action, at in (("submit", submitted), ("accept", accepted)):
            db.session.execute(update(TaskEvent).where(TaskEvent.task_id == task_id, TaskEvent.action == action)
                               .values(at=at))


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timeutil.from_local(dt.datetime.combine(day, dt.time(hour)))


def _attendance(ctx: DemoContext, current: Meeting, actor) -> None:
    """Last year's roster is this year's (the same 届), its sittings held and closed."""
    meeting = ctx.meeting
    names = list(db.session.scalars(select(DiscussionGroup.name).where(DiscussionGroup.meeting_id == current.id)
                                    .order_by(DiscussionGroup.sort_order)))
    discussion = [DiscussionGroup(meeting_id=meeting.id, name=name, sort_order=i) for i, name in enumerate(names)]
    db.session.add_all(discussion)
    db.session.flush()
    group_of = {this_year.id: discussion[i].id for i, this_year in enumerate(db.session.scalars(
        select(DiscussionGroup).where(DiscussionGroup.meeting_id == current.id).order_by(DiscussionGroup.sort_order)))}
    columns = ("user_id", "member_no", "name", "pinyin", "initials", "sector", "committee", "is_standing", "unit",
               "position", "phone", "discussion_group_id")
    roster = db.session.execute(select(*(getattr(MemberProfile, c) for c in columns))
                                .where(MemberProfile.meeting_id == current.id)
                                .order_by(MemberProfile.member_no).limit(300)).all()
    if roster:
        db.session.execute(insert(MemberProfile), [
            {**dict(zip(columns, row, strict=True)), "meeting_id": meeting.id, "qr_generation": 1, "version_id": 1,
             "discussion_group_id": group_of.get(row.discussion_group_id)} for row in roster])
    members = db.session.execute(select(MemberProfile.id, MemberProfile.user_id)
                                 .where(MemberProfile.meeting_id == meeting.id).order_by(MemberProfile.id)).all()
    opening = timeutil.to_local(meeting.opens_at).date()
    for kind, name, day, start, end, expectation in SITTINGS:
        when = opening + dt.timedelta(days=day)
        sitting = Sitting(meeting_id=meeting.id, kind=kind, name=name, starts_at=_at(when, start),
                          ends_at=_at(when, end), venue=f"{meeting.venue}大礼堂" if expectation != Expectation.GROUPS
                          else "驻地各讨论室", expectation=expectation, late_grace_minutes=10,
                          expected_groups=[SittingExpectedGroup(group_id=g.id) for g in discussion]
                          if expectation == Expectation.GROUPS else [], expected_members=[])
        db.session.add(sitting)
        db.session.flush()
        _held(ctx, sitting, members, actor)
        attendance_services.close_sitting(actor, sitting)


def _held(ctx: DemoContext, sitting: Sitting, members, actor) -> None:
    """~87% came (one in eight of them late), ~5% on approved leave, the rest absent."""
    check_ins = []
    for member_id, user_id in members:
        roll = ctx.rng.random()
        if roll < 0.05:
            requested_at = sitting.starts_at - dt.timedelta(days=ctx.rng.randint(1, 4))
            db.session.add(LeaveRequest(
                meeting_id=sitting.meeting_id, member_id=member_id, reason=ctx.rng.choice(LEAVE_REASONS),
                status=LeaveStatus.APPROVED, requested_by_id=user_id or actor.id, requested_at=requested_at,
                decided_by_id=actor.id, decided_at=requested_at + dt.timedelta(hours=4), sittings=[sitting]))
        elif roll < 0.92:
            late = ctx.rng.random() < 0.125
            minutes = ctx.rng.randint(11, 35) if late else ctx.rng.randint(-30, 9)
            check_ins.append({"sitting_id": sitting.id, "member_id": member_id, "is_late": late, "was_expected": True,
                              "checked_in_at": sitting.starts_at + dt.timedelta(minutes=minutes),
                              "method": CheckInMethod.DESK, "by_user_id": actor.id})
    if check_ins:
        db.session.execute(insert(CheckIn), check_ins)
    db.session.flush()
