"""Demo attendance: a roster across the usual 界别 and discussion groups (with 座区 for the hall), the
plenary's five sittings over three days (开幕大会 and 分组讨论（一）; 分组讨论（二） and 大会发言; 闭幕大会)
after a 预备会议 the afternoon before, each with what to bring; and for the sittings already held (a 常委会议
and a training session before the opening) a realistic spread of check-ins, lateness and leave, with their
rolls frozen — so the absences without leave stand as follow-up items, a few of them already resolved.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select

from meetingprep import timeutil
from meetingprep.attendance import services
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
    LeaveStatus,
    MemberProfile,
    Sitting,
    SittingExpectedGroup,
    SittingKind,
)
from meetingprep.demo.context import DemoContext
from meetingprep.extensions import db

# 界别 with rough weights (a municipal CPPCC of ~300 members).
SECTORS = [
    ("中共", 30), ("民革", 8), ("民盟", 12), ("民建", 12), ("民进", 10), ("农工党", 8), ("致公党", 5),
    ("九三学社", 8), ("无党派人士", 8), ("共青团", 5), ("工会", 8), ("妇联", 8), ("科技界", 14), ("经济界", 30),
    ("农业界", 12), ("教育界", 16), ("文化艺术界", 12), ("医药卫生界", 16), ("体育界", 5), ("新闻出版界", 6),
    ("社会福利和社会保障界", 8), ("少数民族界", 10), ("宗教界", 5), ("特邀人士", 15),
]
COMMITTEES = ["提案委员会", "经济委员会", "农业和农村委员会", "人口资源环境委员会", "教科卫体委员会",
              "社会和法制委员会", "民族宗教委员会", "港澳台侨和外事委员会", "文化文史和学习委员会"]
UNITS = [("市第一人民医院", "副院长"), ("攀枝花学院", "教授"), ("市第三高级中学", "校长"), ("攀钢集团", "高级工程师"),
         ("市律师协会", "副会长"), ("仁和区农业农村局", "局长"), ("市文联", "副主席"), ("米易县芒果合作社", "理事长"),
         ("市工商联", "副主席"), ("西区人民法院", "庭长"), ("市中心医院", "主任医师"), ("盐边县民族中学", "副校长"),
         ("市科技局", "副局长"), ("某钒钛新材料有限公司", "董事长"), ("市红十字会", "常务副会长")]
CHINESE_NUMBERS = "一二三四五六七八九十"
LEAVE_REASONS = ["因公出差，无法参会。", "身体不适，需住院治疗。", "单位有重要接待任务。", "参加省里的专题培训。",
                 "家中老人病重，需要照料。", "赴外地参加学术会议。"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌海燕晓东春梅云峰雪琳"


def roster_size(ctx: DemoContext) -> int:
    return ctx.target("members", 300)


def _name(ctx: DemoContext) -> str:
    given = ctx.rng.choice(GIVEN) + (ctx.rng.choice(GIVEN) if ctx.rng.random() < 0.7 else "")
    return ctx.rng.choice(SURNAMES) + given


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timeutil.from_local(dt.datetime.combine(day, dt.time(hour, minute)))


def seed(ctx: DemoContext) -> None:
    ctx.progress("出勤：委员名册")
    groups = _groups(ctx)
    members = _roster(ctx, groups)
    ctx.progress("出勤：会次")
    past, upcoming = _sittings(ctx, groups)
    ctx.progress("出勤：签到与请假")
    actor = ctx.secretariat[0] if ctx.secretariat else None
    for sitting in past:
        _attendance_of_past(ctx, sitting, members, actor)
    _resolve_some_follow_ups(ctx, actor)
    _upcoming_leave(ctx, upcoming, members, actor)
    _duties(ctx, upcoming)
    # The 秘书长 decides leave besides the secretariat: the pending requests wait on their home page.
    for leader in ctx.leaders:
        if leader.username == "mishuzhang":
            db.session.add(LeaveApprover(meeting_id=ctx.meeting.id, user_id=leader.id))


def _groups(ctx: DemoContext) -> list[DiscussionGroup]:
    count = 8 if ctx.scale == "small" else 24
    names = [f"第{CHINESE_NUMBERS[i] if i < 10 else str(i + 1)}组" for i in range(count)]
    groups = [DiscussionGroup(meeting_id=ctx.meeting.id, name=name, sort_order=i) for i, name in enumerate(names)]
    db.session.add_all(groups)
    db.session.flush()
    return groups


def _roster(ctx: DemoContext, groups: list[DiscussionGroup]) -> list[dict]:
    """Bulk-inserted roster rows; the first accounts with role member are linked in order."""
    sectors = [name for name, _weight in SECTORS]
    weights = [weight for _name, weight in SECTORS]
    rows = []
    for index in range(roster_size(ctx)):
        user = ctx.member_users[index] if index < len(ctx.member_users) else None
        name = user.display_name if user else _name(ctx)
        full, initials = services.pinyin_keys(name)
        unit, position = ctx.rng.choice(UNITS)
        rows.append({
            "meeting_id": ctx.meeting.id, "user_id": user.id if user else None, "member_no": f"{index + 1:04d}",
            "name": name, "pinyin": full, "initials": initials,
            "sector": ctx.rng.choices(sectors, weights)[0], "committee": ctx.rng.choice(COMMITTEES),
            "discussion_group_id": groups[index % len(groups)].id, "is_standing": ctx.rng.random() < 0.15,
            "unit": unit, "position": position, "phone": f"13{ctx.rng.randrange(10**9):09d}",
            "seat_area": _seat_area(index),
            "qr_generation": 1, "version_id": 1,
        })
    for start in range(0, len(rows), 1000):
        db.session.execute(insert(MemberProfile), rows[start:start + 1000])
    ids = db.session.execute(select(MemberProfile.member_no, MemberProfile.id)
                             .where(MemberProfile.meeting_id == ctx.meeting.id)).all()
    by_no = dict(ids)
    for row in rows:
        row["id"] = by_no[row["member_no"]]
    return rows


def _seat_area(index: int) -> str:
    """座区 in the hall by member number: 24 seats a row, 10 rows an area (A–F), then the balcony."""
    area, place = divmod(index, 240)
    row, seat = divmod(place, 24)
    floor = "一楼" if area < 6 else "二楼"
    return f"{floor} {'ABCDEFGHIJKL'[area % 12]} 区 {row + 1} 排 {seat + 1} 座"


#: What to bring to each kind of sitting (Sitting.bring_note), as the 会务组 writes it in the 会议须知.
BRING = {
    SittingKind.PREPARATORY: "请携带委员证、会议材料袋；15:45 前入场，按座区就座。",
    SittingKind.OPENING: "请携带委员证、会议材料袋（含大会文件）；着正装；8:30 起安检入场，8:50 前按座区就座，"
                         "会场内手机调至静音。",
    SittingKind.GROUP: "请携带委员证、《政府工作报告》（征求意见稿）和发言提纲；在本组讨论室签到。",
    SittingKind.PLENARY: "请携带委员证和大会发言材料；发言委员请提前 15 分钟到主席台侧候场。",
    SittingKind.CLOSING: "请携带委员证和表决器领取卡；着正装；8:50 前按座区就座，会后在驻地退房。",
}


def _sittings(ctx: DemoContext, groups: list[DiscussionGroup]) -> tuple[list[Sitting], list[Sitting]]:
    today = timeutil.to_local(ctx.now).date()
    opening = timeutil.to_local(ctx.meeting.opens_at).date()
    venue = ctx.meeting.venue or "市会议中心"
    plan = [
        (SittingKind.STANDING, "政协常委会第十五次会议（会前）", today - dt.timedelta(days=9), 9, 12,
         Expectation.STANDING, "市政协机关第一会议室"),
        (SittingKind.REGISTRATION, "新任委员履职培训会", today - dt.timedelta(days=2), 14, 17, Expectation.ALL,
         "市委党校报告厅"),
        (SittingKind.PREPARATORY, "预备会议", opening - dt.timedelta(days=1), 16, 17, Expectation.ALL,
         f"{venue}大礼堂"),
        # The plenary itself: five sittings over three days.
        (SittingKind.OPENING, "开幕大会", opening, 9, 11, Expectation.ALL, f"{venue}大礼堂"),
        (SittingKind.GROUP, "分组讨论（一）：审议常委会工作报告", opening, 15, 18, Expectation.GROUPS,
         "驻地各讨论室"),
        (SittingKind.GROUP, "分组讨论（二）：讨论政府工作报告", opening + dt.timedelta(days=1), 9, 12,
         Expectation.GROUPS, "驻地各讨论室"),
        (SittingKind.PLENARY, "全体会议（大会发言）", opening + dt.timedelta(days=1), 15, 18, Expectation.ALL,
         f"{venue}大礼堂"),
        (SittingKind.CLOSING, "闭幕大会", opening + dt.timedelta(days=2), 9, 11, Expectation.ALL, f"{venue}大礼堂"),
    ]
    for n in range(ctx.target("sittings", len(plan)) - len(plan)):  # large: the year's earlier meetings
        day = today - dt.timedelta(days=12 + 7 * n)
        plan.insert(0, (SittingKind.OTHER, f"专题协商座谈会（第{n + 1}场）", day, 14, 17, Expectation.ALL,
                        "市政协机关报告厅"))
    past, upcoming = [], []
    for kind, name, day, start, end, expectation, place in plan:
        sitting = Sitting(meeting_id=ctx.meeting.id, kind=kind, name=name, starts_at=_at(day, start),
                          ends_at=_at(day, end), venue=place, expectation=expectation, late_grace_minutes=10,
                          seated=kind in (SittingKind.PREPARATORY, SittingKind.OPENING, SittingKind.PLENARY,
                                          SittingKind.CLOSING),
                          bring_note=BRING.get(kind, ""),
                          expected_groups=[SittingExpectedGroup(group_id=g.id) for g in groups]
                          if expectation == Expectation.GROUPS else [])
        db.session.add(sitting)
        (past if sitting.ends_at < ctx.now else upcoming).append(sitting)
    db.session.flush()
    return past, upcoming


def _attendance_of_past(ctx: DemoContext, sitting: Sitting, members: list[dict], actor) -> None:
    """~90% come (about one in ten late), ~5% on approved leave, the rest absent; then the roll freezes."""
    expected = [m for m in members if sitting.expectation != Expectation.STANDING or m["is_standing"]]
    check_ins = []
    for member in expected:
        roll = ctx.rng.random()
        if roll < 0.05:
            _leave(ctx, member, [sitting], LeaveStatus.APPROVED, actor, decided=True)
        elif roll < 0.94:
            late = ctx.rng.random() < 0.1
            minutes = ctx.rng.randint(11, 40) if late else ctx.rng.randint(-30, 9)
            check_ins.append({
                "sitting_id": sitting.id, "member_id": member["id"], "is_late": late, "was_expected": True,
                "checked_in_at": sitting.starts_at + dt.timedelta(minutes=minutes, seconds=ctx.rng.randint(0, 59)),
                "method": ctx.rng.choice([CheckInMethod.DESK, CheckInMethod.DESK, CheckInMethod.QR]),
                "by_user_id": actor.id if actor else None,
            })
    if check_ins:
        db.session.execute(insert(CheckIn), check_ins)
    if actor is not None:
        services.close_sitting(actor, sitting)


#: How the secretariat closed the first few follow-ups (the rest stay open on its 工作台).
RESOLVED = [(FollowUpOutcome.CONTACTED, "已电话联系本人，因单位临时有急事未能到会，已提醒下次提前请假。"),
            (FollowUpOutcome.EXCUSED, "本人当天突发疾病就医，已补交请假说明，经秘书长同意补假。"),
            (FollowUpOutcome.UNEXCUSED, "多次电话未接通，短信未回复，按无故缺席记录。")]


def _resolve_some_follow_ups(ctx: DemoContext, actor) -> None:
    if actor is None:
        return
    items = db.session.scalars(select(AbsenceFollowUp).where(AbsenceFollowUp.meeting_id == ctx.meeting.id)
                               .order_by(AbsenceFollowUp.sitting_id, AbsenceFollowUp.member_no)
                               .limit(len(RESOLVED))).all()
    for item, (outcome, note) in zip(items, RESOLVED, strict=False):
        services.resolve_follow_up(actor, item, outcome, note, version_id=item.version_id)


def _leave(ctx: DemoContext, member: dict, sittings: list[Sitting], status: LeaveStatus, actor,
           decided: bool) -> None:
    requested_at = min(s.starts_at for s in sittings) - dt.timedelta(days=ctx.rng.randint(1, 4))
    db.session.add(LeaveRequest(
        meeting_id=ctx.meeting.id, member_id=member["id"], reason=ctx.rng.choice(LEAVE_REASONS), status=status,
        requested_by_id=member["user_id"] or (actor.id if actor else None), requested_at=requested_at,
        decided_by_id=actor.id if decided and actor else None,
        decided_at=requested_at + dt.timedelta(hours=5) if decided else None,
        decision_note="" if status != LeaveStatus.REJECTED else "本次会议请尽量安排出席。", sittings=sittings))


def _upcoming_leave(ctx: DemoContext, upcoming: list[Sitting], members: list[dict], actor) -> None:
    """A few requests for the coming sittings: most pending, some approved, one or two rejected."""
    if not upcoming:
        return
    count = max(6, len(members) // 30)
    for member in ctx.rng.sample(members, count):
        first = ctx.rng.randrange(len(upcoming))
        chosen = upcoming[first:first + ctx.rng.randint(1, 2)]
        status = ctx.rng.choices([LeaveStatus.PENDING, LeaveStatus.APPROVED, LeaveStatus.REJECTED], [6, 3, 1])[0]
        _leave(ctx, member, chosen, status, actor, decided=status != LeaveStatus.PENDING)


def _duties(ctx: DemoContext, upcoming: list[Sitting]) -> None:
    """会务组 runs check-in for the whole meeting; a 材料组 colleague helps at the opening."""
    for user in ctx.staff_by_group.get("会务组", []):
        db.session.add(CheckinDuty(meeting_id=ctx.meeting.id, user_id=user.id, sitting_id=None))
    helpers = ctx.staff_by_group.get("材料组", [])
    opening = next((s for s in upcoming if s.kind == SittingKind.OPENING), None)
    if helpers and opening is not None:
        db.session.add(CheckinDuty(meeting_id=ctx.meeting.id, user_id=helpers[-1].id, sitting_id=opening.id))
