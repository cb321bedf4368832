"""督办 reminders under a controlled clock: the leader following the task is reminded with its owner."""

from __future__ import annotations

from sqlalchemy import func, select

from meetingprep.auth.models import User
from meetingprep.extensions import db
from meetingprep.instructions import services
from meetingprep.notifications.models import Notification
from meetingprep.notifications.scan import scan_reminders
from meetingprep.tasks.models import Task
from tests.notifications.conftest import build_task, local


def scan() -> list[Notification]:
    before = db.session.scalar(select(func.max(Notification.id))) or 0
    scan_reminders()
    db.session.commit()
    db.session.remove()
    return list(db.session.scalars(select(Notification).where(Notification.id > before).order_by(Notification.id)))


def test_the_leader_of_a_supervised_task_is_reminded_before_the_deadline_and_daily_when_overdue(app, cast, clock):
    clock(2027, 1, 1, 10, 0)
    followed = build_task(cast, local(2027, 1, 8, 17, 0), title="会场彩排")
    build_task(cast, local(2027, 1, 8, 17, 0), title="未督办的任务")
    services.supervise(db.session.get(User, cast.secretary), db.session.get(Task, followed), leader_id=cast.leader)
    db.session.commit()
    scan()  # nothing due yet (the 督办 message itself is not a reminder)

    clock(2027, 1, 5, 17, 0)  # 3 days before: owner (both tasks, grouped) and the leader (the followed one)
    created = scan()
    to_leader = [n for n in created if n.recipient_id == cast.leader]
    assert [n.kind for n in to_leader] == ["supervision.due"]
    assert "会场彩排" in to_leader[0].subject and "您督办的任务" in to_leader[0].body
    assert {n.recipient_id for n in created} == {cast.owner, cast.leader}
    assert scan() == []

    clock(2027, 1, 9, 17, 30)  # overdue by a day
    to_leader = [n for n in scan() if n.recipient_id == cast.leader]
    assert [n.kind for n in to_leader] == ["supervision.overdue"] and "已逾期" in to_leader[0].subject
    clock(2027, 1, 10, 17, 30)
    assert [n.kind for n in scan() if n.recipient_id == cast.leader] == ["supervision.overdue"]

    services.unsupervise(db.session.get(User, cast.secretary), db.session.get(Task, followed))
    db.session.commit()
    clock(2027, 1, 11, 17, 30)
    assert [n for n in scan() if n.recipient_id == cast.leader] == []


def test_an_inactive_leader_is_not_reminded(app, cast, clock):
    clock(2027, 1, 1, 10, 0)
    followed = build_task(cast, local(2027, 1, 3, 17, 0))
    services.supervise(db.session.get(User, cast.secretary), db.session.get(Task, followed), leader_id=cast.leader)
    db.session.get(User, cast.leader).is_active_account = False
    db.session.commit()
    clock(2027, 1, 4, 17, 30)
    assert [n for n in scan() if n.recipient_id == cast.leader] == []
