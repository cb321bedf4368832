"""Plain functions that build valid objects with sensible defaults; they flush, never commit."""

from __future__ import annotations

import datetime as dt
import functools
import itertools

from sqlalchemy import select, update
from werkzeug.security import generate_password_hash

from meetingprep.auth.models import User
from meetingprep.extensions import db
from meetingprep.groups.models import GroupMembership, WorkingGroup
from meetingprep.meetings.models import Meeting
from meetingprep.permissions import Role
from meetingprep.timeutil import now

_seq = itertools.count(1)


@functools.cache
def _password_hash(password: str) -> str:
    """Hashing is deliberately slow; tests reuse one hash per password (salt and all)."""
    return generate_password_hash(password)

PASSWORD = "Test-pass-2026"


def make_user(role: str | Role = Role.STAFF, *, username: str | None = None, display_name: str | None = None,
              group: WorkingGroup | None = None, is_lead: bool = False, password: str = PASSWORD,
              email: str = "", is_active: bool = True) -> User:
    n = next(_seq)
    user = User(username=username or f"user{n}", display_name=display_name or f"用户{n}",
                role=Role(role), email=email, is_active_account=is_active)
    user.password_hash = _password_hash(password)
    db.session.add(user)
    db.session.flush()
    if group is not None:
        db.session.add(GroupMembership(group_id=group.id, user_id=user.id, is_lead=is_lead))
        db.session.flush()
    return user


def make_meeting(*, name: str | None = None, opens_in_days: float = 21, days: int = 5,
                 is_current: bool = True) -> Meeting:
    opens_at = (now() + dt.timedelta(days=opens_in_days)).replace(second=0, microsecond=0)
    if is_current:  # only one meeting may be current (unique index): the newest takes the flag
        db.session.execute(update(Meeting).where(Meeting.is_current.is_(True)).values(is_current=False))
    meeting = Meeting(name=name or f"政协第十届测试市委员会第{next(_seq)}次会议", short_name="测试会议",
                      opens_at=opens_at, closes_at=opens_at + dt.timedelta(days=days),
                      venue="市会议中心", is_current=is_current)
    db.session.add(meeting)
    db.session.flush()
    return meeting


def make_group(meeting: Meeting | None = None, *, name: str | None = None, duties: str = "") -> WorkingGroup:
    meeting = meeting or make_meeting()
    group = WorkingGroup(meeting_id=meeting.id, name=name or f"工作组{next(_seq)}", duties=duties)
    db.session.add(group)
    db.session.flush()
    return group


# ── attendance ──────────────────────────────────────────────────────────────────────────────────
def make_discussion_group(meeting: Meeting | None = None, name: str | None = None):
    from meetingprep.attendance.models import DiscussionGroup

    meeting = meeting or make_meeting()
    group = DiscussionGroup(meeting_id=meeting.id, name=name or f"第{next(_seq)}组")
    db.session.add(group)
    db.session.flush()
    return group


def make_member(meeting: Meeting | None = None, *, name: str | None = None, member_no: str | None = None,
                        sector: str = "经济界", group=None, is_standing: bool = False, user: User | None = None):
    from meetingprep.attendance.models import MemberProfile
    from meetingprep.attendance.services import pinyin_keys

    meeting = meeting or make_meeting()
    n = next(_seq)
    name = name or f"委员{n}"
    full, initials = pinyin_keys(name)
    member = MemberProfile(meeting_id=meeting.id, name=name, member_no=member_no or f"{n:05d}", sector=sector,
                           discussion_group_id=group.id if group else None, is_standing=is_standing,
                           user_id=user.id if user else None, pinyin=full, initials=initials,
                           unit="市某单位", position="主任")
    db.session.add(member)
    db.session.flush()
    return member


def make_sitting(meeting: Meeting | None = None, *, name: str | None = None, kind: str = "plenary",
                 starts_in_minutes: float = 0, duration_minutes: int = 180, expectation: str = "all",
                 groups=(), members=(), late_grace_minutes: int = 10):
    from meetingprep.attendance.models import Sitting, SittingExpectedGroup, SittingExpectedMember

    meeting = meeting or make_meeting()
    starts_at = (now() + dt.timedelta(minutes=starts_in_minutes)).replace(microsecond=0)
    sitting = Sitting(meeting_id=meeting.id, kind=kind, name=name or f"全体会议{next(_seq)}", starts_at=starts_at,
                      ends_at=starts_at + dt.timedelta(minutes=duration_minutes), venue="市会议中心大礼堂",
                      expectation=expectation, late_grace_minutes=late_grace_minutes,
                      expected_groups=[SittingExpectedGroup(group_id=g.id) for g in groups],
                      expected_members=[SittingExpectedMember(member_id=m.id) for m in members])
    db.session.add(sitting)
    db.session.flush()
    return sitting


def make_leave(member=None, sittings=None, *, reason: str = "因公出差", requested_by: User | None = None,
                       status: str = "pending"):
    from meetingprep.attendance.models import LeaveRequest

    member = member or make_member()
    if sittings is None:
        sittings = [make_sitting(db.session.get(Meeting, member.meeting_id), starts_in_minutes=600)]
    leave = LeaveRequest(meeting_id=member.meeting_id, member_id=member.id, reason=reason, status=status,
                         requested_by_id=requested_by.id if requested_by else None, sittings=list(sittings))
    db.session.add(leave)
    db.session.flush()
    return leave
def make_task(meeting: Meeting | None = None, group: WorkingGroup | None = None, owner: User | None = None,
              **fields):
    """A task due in a week (override any column: status, due_at, starts_on, phase, accepted_at …)."""
    from meetingprep.tasks.models import Task

    if group is None:
        group = make_group(meeting)
    meeting_id = meeting.id if meeting is not None else group.meeting_id
    owner = owner or make_user(Role.STAFF, group=group)
    fields.setdefault("title", f"任务{next(_seq)}")
    fields.setdefault("due_at", now() + dt.timedelta(days=7))
    task = Task(meeting_id=meeting_id, group_id=group.id, owner_id=owner.id, **fields)
    db.session.add(task)
    db.session.flush()
    return task


def make_notification(recipient: User | None = None, *, subject: str = "【任务提醒】请按时完成", body: str = "正文",
                      link: str = "", kind: str = "task.due", is_read: bool = False):
    from meetingprep.notifications.models import Notification

    recipient = recipient or make_user()
    notification = Notification(recipient_id=recipient.id, kind=kind, subject=subject, body=body, link=link,
                                dedup_key=f"test:{next(_seq)}", read_at=now() if is_read else None)
    db.session.add(notification)
    db.session.flush()
    return notification


def make_delivery(notification=None, *, status: str = "failed", channel: str = "email", target: str = "a@b.cn"):
    from meetingprep.notifications.models import Channel, Delivery, DeliveryStatus

    notification = notification or make_notification()
    delivery = Delivery(notification_id=notification.id, channel=Channel(channel), target=target,
                        status=DeliveryStatus(status), attempts=1, last_error="连接被拒绝" if status != "sent" else "")
    db.session.add(delivery)
    db.session.flush()
    return delivery
# ── documents (材料审核) ─────────────────────────────────────────────────────────────────────────
def make_document_type(code: str = "work_report"):
    from meetingprep.documents.services import ensure_default_types

    return ensure_default_types()[code]


def make_pipeline_template(stages=None, *, name: str | None = None, actor: User | None = None):
    """stages: list of StageData or of reviewer-user lists (one stage each, any-one rule)."""
    from meetingprep.documents.services import StageData, save_template

    actor = actor or make_user(Role.SECRETARIAT)
    if stages is None:
        stages = [[make_user(Role.STAFF)]]
    stage_data = [s if isinstance(s, StageData) else
                  StageData(name=f"第{i + 1}审", reviewer_ids=[u.id for u in s]) for i, s in enumerate(stages)]
    return save_template(actor, None, name=name or f"流程{next(_seq)}", description="", stages=stage_data)


def make_document(meeting: Meeting | None = None, *, template=None, drafters=None, title: str | None = None,
                  group: WorkingGroup | None = None, type_code: str = "work_report", actor: User | None = None):
    """A document in 起草中 (no version yet), reloaded with everything the services read."""
    from meetingprep.documents import queries
    from meetingprep.documents.services import DocumentData, create_document

    meeting = meeting or make_meeting()
    actor = actor or make_user(Role.SECRETARIAT)
    template = template or make_pipeline_template(actor=actor)
    drafters = drafters or [make_user(Role.STAFF)]
    document = create_document(actor, meeting, DocumentData(
        title=title or f"测试材料{next(_seq)}", type_id=make_document_type(type_code).id,
        drafter_ids=[u.id for u in drafters], group_id=group.id if group else None, template_id=template.id))
    db.session.expire_all()
    return queries.document_for_action(document.id)


def add_text_version(document, author: User, text: str, note: str = ""):
    """Add a text version and return the document reloaded (as a view would on the next request)."""
    from meetingprep.documents import queries
    from meetingprep.documents.services import add_version

    add_version(author, document, text=text, note=note)
    db.session.expire_all()
    return queries.document_for_action(document.id)
def make_group_task(group: WorkingGroup | None = None, owner: User | None = None, *, title: str | None = None,
                    status=None, due_in_days: float = 10, due_offset_days: int | None = None, **fields):
    """``make_task`` for a group, due ``due_in_days`` from now (whole minutes, as typed in a form)."""
    from meetingprep.tasks.states import TaskStatus

    return make_task(None, group, owner, title=title or f"测试任务{next(_seq)}",
                     status=status or TaskStatus.NOT_STARTED, due_offset_days=due_offset_days,
                     due_at=(now() + dt.timedelta(days=due_in_days)).replace(second=0, microsecond=0), **fields)


def make_hand_off(predecessor=None, successor=None):
    """``predecessor`` must be done before ``successor`` may be submitted; new tasks of one group if omitted."""
    from meetingprep.tasks.models import HandOff

    group = db.session.get(WorkingGroup, predecessor.group_id) if predecessor else None
    successor = successor or make_task(group=group)
    predecessor = predecessor or make_task(group=db.session.get(WorkingGroup, successor.group_id))

    link = HandOff(predecessor_id=predecessor.id, successor_id=successor.id)
    db.session.add(link)
    db.session.flush()
    return link


def make_duty(user: User | None = None, sitting=None):
    """A check-in duty: for ``sitting``, or meeting-wide (a new meeting) without one."""
    from meetingprep.attendance.models import CheckinDuty

    user = user or make_user("staff")
    meeting_id = sitting.meeting_id if sitting is not None else make_meeting().id
    duty = CheckinDuty(meeting_id=meeting_id, user_id=user.id, sitting_id=sitting.id if sitting else None)
    db.session.add(duty)
    db.session.flush()
    return duty


def make_membership(group: WorkingGroup | None = None, user: User | None = None, *, is_lead: bool = False):
    group = group or make_group()
    membership = GroupMembership(group_id=group.id, user_id=(user or make_user()).id, is_lead=is_lead)
    db.session.add(membership)
    db.session.flush()
    return membership


def make_plan_template(meeting: Meeting | None = None, *, name: str | None = None, actor: User | None = None):
    """A 任务模板 frozen from ``meeting`` (given one task if it has none)."""
    from meetingprep.plans.services import save_template
    from meetingprep.tasks.models import Task

    meeting = meeting or make_meeting()
    if db.session.scalar(select(Task.id).where(Task.meeting_id == meeting.id).limit(1)) is None:
        make_task(meeting, make_group(meeting))
    return save_template(actor or make_user(Role.SECRETARIAT), meeting, name=name or f"任务模板{next(_seq)}")
