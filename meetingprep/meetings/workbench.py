"""工作台: each role's home page answers "what do I do now".

Staff see their own tasks (overdue, due soon, returned to them); group leads also what waits on their
acceptance and what is stuck in their groups; the secretariat what is late across groups, what waits on
their review, what needs attention in imports and deliveries, and absences without leave to follow up;
members their sittings, speeches, leave, materials and QR code. Leaders go straight to the dashboard (the
view redirects; one named to decide leave finds it waiting there). Every list is a few rows and its count,
so the page's queries do not grow with the data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache

from flask import current_app
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import raiseload, selectinload

from meetingprep.auth.models import User
from meetingprep.extensions import db
from meetingprep.meetings.models import Meeting
from meetingprep.permissions import MANAGERS, Role, can
from meetingprep.tasks import queries as task_queries
from meetingprep.tasks import workbench as task_lists
from meetingprep.tasks.workbench import TaskList

#: How many sittings, speeches and leave requests a member's home lists.
MEMBER_ROWS = 5


@dataclass
class Attention:
    """What the secretariat should look at besides tasks: imports left half-way, deliveries that failed,
    a scheduler that stopped."""

    pending_imports: int = 0
    failed_deliveries: int = 0
    scheduler_stale: bool = False

    @property
    def any(self) -> bool:
        return bool(self.pending_imports or self.failed_deliveries or self.scheduler_stale)


@dataclass
class Workbench:
    kind: str  # "worker", "member" (leaders are redirected; a meeting-less page has no workbench)
    overdue: TaskList = field(default_factory=TaskList)
    due_soon: TaskList = field(default_factory=TaskList)
    returned: TaskList = field(default_factory=TaskList)
    to_accept: TaskList | None = None  # group leads (and managers leading a group)
    group_overdue: TaskList | None = None
    group_blocked: TaskList | None = None
    late_by_group: list | None = None  # the secretariat
    review_queue: list | None = None
    review_count: int = 0
    attention: Attention | None = None
    follow_ups: list | None = None  # the secretariat: absences without leave to follow up (#20)
    follow_up_count: int = 0
    # members
    member: object | None = None
    sittings: list = field(default_factory=list)
    speeches: list = field(default_factory=list)
    leaves: list = field(default_factory=list)
    materials: list = field(default_factory=list)  # 我的材料: the newest few, and how many wait unread
    materials_unread: int = 0
    notices: object | None = None  # notices.queries.HomeNotices: everyone's latest notices, unread first


def is_leader_home(user: User) -> bool:
    """Leaders have no tasks of their own: their home is the dashboard."""
    return user.role == Role.LEADER and can(user, "dashboard.view")


def _my_tasks(user: User, meeting: Meeting, moment: dt.datetime) -> tuple[TaskList, TaskList]:
    mine = task_queries.my_tasks(user, meeting.id)
    counts = mine.counts
    return (TaskList(rows=mine.overdue[:task_lists.HOME_ROWS], count=counts.get("overdue", 0)),
            TaskList(rows=mine.due_soon[:task_lists.HOME_ROWS], count=counts.get("due_soon", 0)))


@cache
def _attention_statements() -> tuple[Select, Select]:
    """Built once per process (meeting and user bound): building them cost more than running them."""
    from meetingprep.notifications.models import Delivery, DeliveryStatus
    from meetingprep.plans.models import PendingImport

    return (select(func.count(PendingImport.id)).where(PendingImport.meeting_id == bindparam("meeting_id"),
                                                       PendingImport.created_by_id == bindparam("user_id")),
            select(func.count(Delivery.id)).where(Delivery.status.in_([DeliveryStatus.FAILED, DeliveryStatus.DEAD])))


def _attention(user: User, meeting: Meeting, moment: dt.datetime) -> Attention:
    from meetingprep.ops.heartbeat import last_beat

    pending_statement, failed_statement = _attention_statements()
    pending = db.session.scalar(pending_statement, {"meeting_id": meeting.id, "user_id": user.id}) or 0
    failed = db.session.scalar(failed_statement) or 0
    stale = False
    if current_app.config.get("SCHEDULER_EXPECTED"):
        beat_at = last_beat("scheduler")
        max_age = dt.timedelta(seconds=int(current_app.config["READYZ_SCHEDULER_MAX_AGE"]))
        stale = beat_at is None or moment - beat_at > max_age
    return Attention(pending_imports=pending, failed_deliveries=failed, scheduler_stale=stale)


def _member_bench(user: User, meeting: Meeting, moment: dt.datetime) -> Workbench:
    from meetingprep.attendance import queries as attendance
    from meetingprep.attendance.models import LeaveRequest
    from meetingprep.documents import queries as documents

    bench = Workbench(kind="member")
    member = attendance.profile_of_user(meeting.id, user.id)
    bench.member = member
    if member is not None:
        rows = attendance.member_status_rows(member)
        # Sittings not yet over first (the next one on top), then nothing older: a member plans ahead.
        bench.sittings = [row for row in rows if row.starts_at >= moment - dt.timedelta(hours=12)][:MEMBER_ROWS]
        # The latest few, without a page's count: the full list is on 我的出勤.
        bench.leaves = list(db.session.scalars(
            select(LeaveRequest).where(LeaveRequest.member_id == member.id)
            .options(selectinload(LeaveRequest.sittings), raiseload("*"))
            .order_by(LeaveRequest.requested_at.desc(), LeaveRequest.id.desc()).limit(MEMBER_ROWS)))
    if can(user, "material.mine"):
        from meetingprep.materials import queries as materials

        bench.materials, bench.materials_unread = materials.my_latest(meeting.id, user.id, MEMBER_ROWS)
    if can(user, "speech.submit"):
        bench.speeches = list(db.session.scalars(documents.my_speeches_statement(user.id).limit(MEMBER_ROWS))
                              .unique())
    return bench


def workbench(user: User, meeting: Meeting, moment: dt.datetime) -> Workbench:
    from meetingprep.notices.queries import home_notices

    bench = _member_bench(user, meeting, moment) if user.role == Role.MEMBER else _worker_bench(user, meeting, moment)
    bench.notices = home_notices(user.id, meeting.id)
    return bench


def _worker_bench(user: User, meeting: Meeting, moment: dt.datetime) -> Workbench:
    bench = Workbench(kind="worker")
    if can(user, "task.view"):
        bench.overdue, bench.due_soon = _my_tasks(user, meeting, moment)
        bench.returned = task_lists.returned_to(user.id, meeting.id)
    lead_groups = user.lead_group_ids if user.role == Role.GROUP_LEAD else frozenset()
    if lead_groups:
        bench.to_accept = task_lists.awaiting_acceptance(lead_groups, meeting.id)
        bench.group_overdue = task_lists.group_overdue(lead_groups, meeting.id, moment)
        bench.group_blocked = task_lists.group_blocked(lead_groups, meeting.id)
    if user.role in MANAGERS:
        from meetingprep.documents import queries as documents

        bench.late_by_group = task_lists.late_by_group(meeting.id, moment)
        queue = documents.review_queue(user.id, 1, task_lists.HOME_ROWS)
        bench.review_queue, bench.review_count = list(queue.items), queue.total or 0
        bench.attention = _attention(user, meeting, moment)
        from meetingprep.attendance import queries as attendance

        bench.follow_ups, bench.follow_up_count = attendance.latest_open_follow_ups(meeting.id, task_lists.HOME_ROWS)
    elif can(user, "document.queue"):
        from meetingprep.documents import queries as documents

        bench.review_count = documents.review_queue_count(user.id)
    return bench
