import random

from sqlalchemy import func, select

from meetingprep.agenda import demo, queries
from meetingprep.agenda.models import AgendaItem, AgendaItemKind
from meetingprep.attendance.models import SittingKind
from meetingprep.demo.context import DemoContext
from meetingprep.extensions import db
from meetingprep.permissions import Role
from meetingprep.timeutil import now
from tests import factories


def test_demo_builds_agendas_and_a_speaking_order_of_final_speeches(app):
    meeting = factories.make_meeting()
    ctx = DemoContext(meeting=meeting, scale="small", rng=random.Random(1), now=now())
    group = factories.make_group(meeting, name="材料组")
    ctx.staff_by_group["材料组"] = [factories.make_user(Role.GROUP_LEAD, group=group, is_lead=True)]
    ctx.secretariat = [factories.make_user(Role.SECRETARIAT)]
    ctx.leaders = [factories.make_user(Role.LEADER, display_name="王主席"),
                   factories.make_user(Role.LEADER, display_name="李副主席")]
    ctx.member_users = [factories.make_user(Role.MEMBER) for _ in range(30)]
    factories.make_discussion_group(meeting, "第一组")
    factories.make_discussion_group(meeting, "第二组")
    kinds = [SittingKind.OPENING, SittingKind.GROUP, SittingKind.GROUP, SittingKind.PLENARY, SittingKind.CLOSING]
    sittings = [factories.make_sitting(meeting, kind=kind, starts_in_minutes=24 * 60 * (1 + n))
                for n, kind in enumerate(kinds)]
    demo.seed(ctx)
    db.session.commit()
    counts = dict(db.session.execute(select(AgendaItem.sitting_id, func.count()).group_by(AgendaItem.sitting_id)).all())
    assert all(counts.get(s.id) for s in sittings)
    rooms = [i.room for i in queries.agenda_of(sittings[1].id)]
    assert len(rooms) == 2 and all(rooms)
    # each group's item names its group: a member's schedule shows their own room
    assert {i.discussion_group.name for i in queries.agenda_of(sittings[1].id)} == {"第一组", "第二组"}
    speeches = [i for i in queries.agenda_of(sittings[3].id) if i.kind == AgendaItemKind.SPEECHES]
    order = queries.speech_order(queries.item_with_order(speeches[0].id))
    assert (len(order.oral), len(order.written), len(order.dropped)) == (8, 20, 0)
    assert speeches[0].presiding_name == "李副主席"
