import random

from sqlalchemy import func, select

from meetingprep.demo.context import DemoContext
from meetingprep.extensions import db
from meetingprep.groups.models import WorkingGroup
from meetingprep.meetings.models import Meeting
from meetingprep.notifications import demo
from meetingprep.notifications.models import GroupWebhook, Notification
from meetingprep.timeutil import now
from tests.notifications.conftest import build_task, local


def test_demo_seed_scans_existing_tasks_and_adds_a_disabled_robot(app, cast, clock):
    clock(2027, 1, 1, 9, 0)
    build_task(cast, local(2027, 1, 8, 17, 0))
    db.session.commit()
    clock(2027, 1, 9, 17, 0)
    ctx = DemoContext(meeting=db.session.get(Meeting, cast.meeting), scale="small", rng=random.Random(1), now=now(),
                      groups={"会务组": db.session.get(WorkingGroup, cast.group)})
    demo.seed(ctx)
    db.session.commit()
    assert db.session.scalar(select(func.count(Notification.id))) == 2  # owner + lead (overdue day 1)
    assert db.session.scalar(select(GroupWebhook.is_enabled)) is False
