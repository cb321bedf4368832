from __future__ import annotations

import random

from sqlalchemy import func, select

from meetingprep.audit import trail_for
from meetingprep.demo.context import DemoContext
from meetingprep.extensions import db
from meetingprep.tasks import demo
from meetingprep.tasks.models import HandOff, Task, TaskEvent
from meetingprep.tasks.states import TaskAction, TaskStatus
from meetingprep.timeutil import now
from tests import factories

GROUPS = ["秘书组", "会务组", "材料组", "提案组", "宣传组", "安全保卫组", "后勤保障组", "医疗卫生组"]


def context(scale="small") -> DemoContext:
    meeting = factories.make_meeting(name="政协第十届攀枝花市委员会第四次会议", opens_in_days=6)
    ctx = DemoContext(meeting=meeting, scale=scale, rng=random.Random(7), now=now())
    for name in GROUPS:
        group = ctx.groups[name] = factories.make_group(meeting, name=name)
        ctx.staff_by_group[name] = [factories.make_user("group_lead", group=group, is_lead=True),
                                    *(factories.make_user("staff", group=group) for _ in range(2))]
    ctx.secretariat = [factories.make_user("secretariat")]
    return ctx


def test_small_demo_is_consistent(app):
    ctx = context()
    demo.seed(ctx)
    db.session.commit()
    tasks = db.session.scalars(select(Task)).all()
    assert 70 <= len(tasks) <= 90
    assert {t.group_id for t in tasks} == {g.id for g in ctx.groups.values()}
    statuses = {t.status for t in tasks}
    assert {TaskStatus.DONE, TaskStatus.SUBMITTED, TaskStatus.IN_PROGRESS} <= statuses
    assert any(t.is_overdue for t in tasks)
    assert any(t.due_offset_days is not None for t in tasks)
    assert db.session.scalar(select(func.count()).select_from(TaskEvent).where(TaskEvent.action == "return")) > 0
    by_id = {t.id: t for t in tasks}
    for task in tasks:  # the last event leads to the stored status; every event lies in the past
        events = db.session.scalars(select(TaskEvent).where(TaskEvent.task_id == task.id).order_by(TaskEvent.at)).all()
        assert events[0].action == "create" and events[-1].to_status == task.status, task.title
        assert all(e.at <= ctx.now for e in events)
    for link in db.session.scalars(select(HandOff)):
        if by_id[link.successor_id].status == TaskStatus.DONE:
            assert by_id[link.predecessor_id].status == TaskStatus.DONE
    cross = [link for link in db.session.scalars(select(HandOff))
             if by_id[link.predecessor_id].group_id != by_id[link.successor_id].group_id]
    assert len(cross) >= 10


def test_every_demo_task_has_the_trail_its_history_implies(app):
    """The services write a "create" entry, then per step an explicit entry and the field "update"; the bulk
    generator writes the same, so task pages show (and the benchmarks measure) a trail like real use."""
    ctx = context()
    demo.seed(ctx)
    db.session.commit()
    for task in db.session.scalars(select(Task)):
        events = db.session.scalars(select(TaskEvent).where(TaskEvent.task_id == task.id).order_by(TaskEvent.at)).all()
        trail = list(reversed(trail_for(db.session, task)))
        expected = ["create"] + [kind for e in events[1:] for kind in (TaskAction(e.action).label, "update")]
        assert [entry.action for entry in trail] == expected, task.title
        assert [entry.at for entry in trail[::2]] == [e.at for e in events]
        assert trail[0].changes["status"] == [None, "not_started"] and trail[0].changes["title"] == [None, task.title]
        if len(trail) > 1:
            assert trail[-1].changes["status"][1] == task.status.value
            assert trail[-2].message.startswith(f"{events[-1].from_status.label} → {task.status.label}")
        assert {entry.meeting_id for entry in trail} == {task.meeting_id}
