"""Demo data: a believable preparation of a municipal CPPCC plenary.

``build_demo`` creates the meeting, groups and people, then hands a DemoContext to each domain's
seeder in ``registry.SEEDERS`` order, so every domain fills in its own part of the story.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import random
from collections.abc import Callable

from sqlalchemy import func, insert, select, text
from werkzeug.security import generate_password_hash

from meetingprep import audit, timeutil
from meetingprep.auth.models import User
from meetingprep.demo.context import SCALE_FACTORS, SCALES, DemoContext
from meetingprep.demo.registry import PAST_MEETING_SEEDERS, SEEDERS
from meetingprep.extensions import db
from meetingprep.groups.models import GroupMembership, WorkingGroup
from meetingprep.meetings.models import Meeting
from meetingprep.permissions import Role

MEETING_NAME = "政协第十届攀枝花市委员会第四次会议"

#: The accounts to try the demo with (password: config DEMO_PASSWORD). `make run` prints these.
DEMO_LOGINS: list[tuple[str, str]] = [
    ("admin", "系统管理员"),
    ("mishu", "大会秘书处（秘书组组长）"),
    ("huiwu_zz", "会务组组长"),
    ("huiwu_01", "会务组工作人员"),
    ("zhuxi", "领导：市政协主席"),
    ("weiyuan001", "委员"),
]

# (name, username prefix, duties)
GROUPS: list[tuple[str, str, str]] = [
    ("秘书组", "mishuzu", "负责大会日程和各项议程的统筹安排；起草、审核大会文件和主持词；协调各工作组，"
                          "汇总每日工作进展，向秘书长报告。"),
    ("会务组", "huiwu", "负责委员报到、住宿和会场座次安排；会场布置、音响和电子表决系统调试；"
                        "各次全体会议、小组讨论的会务保障。"),
    ("材料组", "cailiao", "负责大会文件的收集、印制、装袋和分发；委员证件、会议手册的制作；"
                          "会后材料的整理归档。"),
    ("提案组", "tian", "负责提案的受理、审查和立案；组织提案审查委员会会议；统计提案情况，"
                       "起草提案审查情况报告。"),
    ("宣传组", "xuanchuan", "负责大会新闻发布和媒体联络；组织记者采访和委员通道；"
                            "审核大会宣传报道稿件，做好舆情监测。"),
    ("安全保卫组", "anbao", "负责会场和驻地的安全保卫、交通疏导和证件查验；制定突发事件应急预案并组织演练。"),
    ("后勤保障组", "houqin", "负责委员和工作人员的食宿、用车安排；会场茶水和物资保障；经费结算。"),
    ("医疗卫生组", "yiliao", "负责大会期间的医疗保障和食品安全监督；驻地和会场设医疗点，做好卫生防疫。"),
]
STAFF_PER_GROUP = {"会务组": 3, "后勤保障组": 3, "安全保卫组": 3, "宣传组": 3}  # others: 2 besides the lead
# At the large scales the secretariat also runs one liaison group per sector (界别) of the committee.
SECTORS = ["中共", "民革", "民盟", "民建", "民进", "农工党", "致公党", "九三学社", "无党派人士", "共青团", "工会",
           "妇联", "青联", "工商联", "科协", "台联", "侨联", "文化艺术界", "科学技术界", "社会科学界", "经济界",
           "农业界", "教育界", "体育界", "新闻出版界", "医药卫生界", "对外友好界", "社会福利和社会保障界",
           "少数民族界", "宗教界", "特邀人士"]
LEADERS = [("zhuxi", "主席"), ("fuzhuxi1", "副主席"), ("fuzhuxi2", "副主席"), ("mishuzhang", "秘书长")]
MEMBERS_SMALL = 300

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌海燕晓东春梅云峰雪琳"


def _name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"


def has_data() -> bool:
    return bool(db.session.scalar(select(func.count(Meeting.id))))


def _rebuild_schema() -> None:
    """Drop every table and build the schema again through the migrations, so the instance stays
    at the head revision and a later ``flask db upgrade`` (``make run``) finds nothing to redo."""
    from flask_migrate import upgrade

    db.session.remove()
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade()


def build_demo(scale: str = "small", reset: bool = False,
               progress: Callable[[str], None] = lambda _label: None) -> DemoContext:
    """Create the demo meeting and everyone in it, then let each domain seed its part. Commits."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}")
    if reset:
        _rebuild_schema()
    rng = random.Random(20260126)
    with audit.acting_as(None):
        ctx = _core(scale, rng, progress)
        for path in SEEDERS:
            progress(path)
            importlib.import_module(path).seed(ctx)
            db.session.flush()
        # Last year's session is the archive seeder's (a small, complete one); the xl scale's bulk sessions
        # go further back.
        for earlier in range(2, ctx.target("meetings", 1) + 1):
            _earlier_session(ctx, earlier, progress)
    db.session.commit()
    # Planner statistics for the bulk-inserted rows, as autovacuum / a DBA would gather them: without
    # them PostgreSQL underestimates a large meeting's tasks and skips the deadline index.
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return ctx


def _earlier_session(ctx: DemoContext, years_back: int, progress: Callable[[str], None]) -> None:
    """One earlier, closed session with its own groups and the PAST_MEETING_SEEDERS' data (the xl scale:
    the current meeting's pages must not slow down as the archive of earlier sessions grows)."""
    progress(f"往届会议 {years_back}")
    shift = dt.timedelta(days=364 * years_back)
    meeting = Meeting(name=f"往届会议（{ctx.meeting.opens_at.year - years_back}年）",
                      short_name=f"{ctx.meeting.opens_at.year - years_back}年会议",
                      opens_at=ctx.meeting.opens_at - shift, closes_at=ctx.meeting.closes_at - shift,
                      venue=ctx.meeting.venue, is_current=False, description="")
    db.session.add(meeting)
    db.session.flush()
    groups = {name: WorkingGroup(meeting_id=meeting.id, name=name, duties=duties, sort_order=order * 10)
              for order, (name, _prefix, duties) in enumerate(GROUPS, start=1)}
    db.session.add_all(groups.values())
    db.session.flush()
    past = dataclasses.replace(ctx, meeting=meeting, groups=groups, staff_by_group={
        name: people for name, people in ctx.staff_by_group.items() if name in groups})
    for path in PAST_MEETING_SEEDERS:
        importlib.import_module(path).seed(past)
        db.session.flush()


def _core(scale: str, rng: random.Random, progress: Callable[[str], None]) -> DemoContext:
    from flask import current_app

    password_hash = generate_password_hash(current_app.config["DEMO_PASSWORD"])  # once: hashing is slow
    opening_day = timeutil.today() + dt.timedelta(days=21)
    opens_at = timeutil.from_local(dt.datetime.combine(opening_day, dt.time(9, 0)))
    closes_at = timeutil.from_local(dt.datetime.combine(opening_day + dt.timedelta(days=2), dt.time(12, 0)))
    meeting = Meeting(name=MEETING_NAME, short_name="市政协十届四次会议", opens_at=opens_at, closes_at=closes_at,
                      venue="攀枝花市会议中心", is_current=True,
                      description="会期两天半，五个会次：开幕大会，听取和审议常委会工作报告、提案工作情况报告；"
                                  "两次分组讨论；大会发言；闭幕大会。")
    db.session.add(meeting)
    db.session.flush()
    ctx = DemoContext(meeting=meeting, scale=scale, rng=rng, now=timeutil.now(), progress=progress)

    def person(username: str, role: Role, display_name: str | None = None) -> User:
        user = User(username=username, display_name=display_name or _name(rng), role=role, phone=_phone(rng),
                    email=f"{username}@example.org", password_hash=password_hash)
        db.session.add(user)
        ctx.users[username] = user
        return user

    progress("工作组和工作人员")
    person("admin", Role.ADMIN, "系统管理员")
    for order, (name, prefix, duties) in enumerate(GROUPS, start=1):
        group = WorkingGroup(meeting_id=meeting.id, name=name, duties=duties, sort_order=order * 10)
        db.session.add(group)
        ctx.groups[name] = group
        if name == "秘书组":
            lead = person("mishu", Role.SECRETARIAT)
            people = [lead, person("mishu2", Role.SECRETARIAT)]
            ctx.secretariat.extend(people)
        else:
            lead = person(f"{prefix}_zz", Role.GROUP_LEAD)
            people = [lead]
        people += [person(f"{prefix}_{n:02d}", Role.STAFF) for n in range(1, STAFF_PER_GROUP.get(name, 2) + 1)]
        ctx.staff_by_group[name] = people
    for index in range(max(0, ctx.target("groups", len(GROUPS)) - len(GROUPS))):
        sector = SECTORS[index % len(SECTORS)]
        name = f"{sector}界别联络组" if index < len(SECTORS) else f"{sector}界别联络二组"
        group = WorkingGroup(meeting_id=meeting.id, name=name, sort_order=1000 + index,
                             duties=f"联系{sector}界别委员：报到、请假、分组讨论和提案的联络服务。")
        db.session.add(group)
        ctx.groups[name] = group
        ctx.staff_by_group[name] = [person(f"lianluo{index + 1:02d}_zz", Role.GROUP_LEAD)] + [
            person(f"lianluo{index + 1:02d}_{n:02d}", Role.STAFF) for n in (1, 2)]
    for username, title in LEADERS:
        ctx.leaders.append(person(username, Role.LEADER, f"{_name(rng)}（{title}）"))
    db.session.flush()
    for name, people in ctx.staff_by_group.items():
        for index, user in enumerate(people):
            db.session.add(GroupMembership(group_id=ctx.groups[name].id, user_id=user.id, is_lead=index == 0))
    db.session.flush()

    total = ctx.target("members", MEMBERS_SMALL)
    chunk = 1000
    for start in range(0, total, chunk):
        progress("委员")
        db.session.execute(insert(User), [
            {"username": f"weiyuan{n:03d}", "display_name": _name(rng), "role": Role.MEMBER, "phone": _phone(rng),
             "email": "", "password_hash": password_hash, "is_active_account": True,
             "created_at": ctx.now, "version_id": 1}
            for n in range(start + 1, min(start + chunk, total) + 1)])
    ctx.member_users = list(db.session.scalars(select(User).where(User.role == Role.MEMBER).order_by(User.id)))
    ctx.users.update({user.username: user for user in ctx.member_users[:MEMBERS_SMALL]})
    return ctx


def progress_steps(scale: str) -> int:
    """How many times build_demo calls ``progress``: sizes the CLI's progress bar."""
    members = SCALES[scale].get("members", MEMBERS_SMALL * SCALE_FACTORS[scale])
    return 1 + -(-members // 1000) + len(SEEDERS) + SCALES[scale].get("meetings", 1) - 1
