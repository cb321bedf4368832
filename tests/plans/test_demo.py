import random

from sqlalchemy import select

from meetingprep.demo.context import DemoContext
from meetingprep.extensions import db
from meetingprep.plans import demo
from meetingprep.plans.models import PlanTemplate, PlanTemplateItem
from meetingprep.timeutil import now
from tests.plans.helpers import make_plan_task


def test_demo_saves_the_standard_template_once(app, role_users):
    meeting, group = role_users["meeting"], role_users["group"]
    for n in range(3):
        make_plan_task(meeting, group, role_users["group_lead"], title=f"筹备任务{n}")
    ctx = DemoContext(meeting=meeting, scale="small", rng=random.Random(1), now=now(),
                      secretariat=[role_users["secretariat"]])
    demo.seed(ctx)
    demo.seed(ctx)
    db.session.commit()
    template = db.session.scalar(select(PlanTemplate))
    assert template.name == demo.TEMPLATE_NAME and template.item_count == 3
    assert len(db.session.scalars(select(PlanTemplateItem)).all()) == 3
