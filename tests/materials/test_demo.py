import random

from sqlalchemy import select

from meetingprep.attendance.models import SittingKind
from meetingprep.demo.context import DemoContext
from meetingprep.documents import demo as documents_demo
from meetingprep.documents.models import Document
from meetingprep.documents.states import DocumentStatus
from meetingprep.extensions import db
from meetingprep.materials import demo, queries
from meetingprep.materials.models import Audience, Briefing, Material, MaterialReceipt
from meetingprep.permissions import Role
from meetingprep.timeutil import now
from tests import factories


def test_demo_publishes_the_report_the_compilation_and_briefings_with_receipts(app):
    meeting = factories.make_meeting()
    ctx = DemoContext(meeting=meeting, scale="small", rng=random.Random(1), now=now())
    for name in ("秘书组", "材料组", "提案组"):
        group = factories.make_group(meeting, name=name)
        role = Role.SECRETARIAT if name == "秘书组" else Role.GROUP_LEAD
        ctx.groups[name] = group
        ctx.staff_by_group[name] = [factories.make_user(role, group=group, is_lead=True),
                                    factories.make_user(Role.STAFF, group=group)]
    ctx.secretariat = ctx.staff_by_group["秘书组"]
    ctx.leaders = [factories.make_user(Role.LEADER, username=u) for u in ("zhuxi", "fuzhuxi1", "fuzhuxi2",
                                                                            "mishuzhang")]
    ctx.member_users = [factories.make_user(Role.MEMBER, username=f"weiyuan{n:03d}") for n in range(1, 41)]
    for n, user in enumerate(ctx.member_users, start=1):
        factories.make_member(meeting, member_no=f"{n:04d}", user=user, is_standing=n % 5 == 0)
    factories.make_sitting(meeting, name="开幕大会", kind=SittingKind.OPENING.value, starts_in_minutes=3 * 24 * 60)
    factories.make_sitting(meeting, name="全体会议（大会发言）", kind=SittingKind.PLENARY.value,
                           starts_in_minutes=5 * 24 * 60)
    documents_demo.seed(ctx)
    demo.seed(ctx)
    db.session.commit()

    materials = {m.title: m for m in db.session.scalars(select(Material))}
    report = materials["政协攀枝花市委员会常务委员会工作报告"]
    assert report.is_live and report.is_internal and report.audience == Audience.SITTING
    assert db.session.get(Document, report.document_id).status == DocumentStatus.FINALIZED
    book = materials["大会发言材料汇编（书面发言）"]
    assert book.is_live and book.version_count == 2 and book.is_updated
    briefings = db.session.scalars(select(Briefing).order_by(Briefing.number)).all()
    assert [b.number for b in briefings] == [1, 2]
    first, second = (db.session.get(Material, b.material_id) for b in briefings)
    assert first.is_live and second.is_pending and second.audience == Audience.STANDING
    readings = queries.readings([report.id, book.id, first.id])
    assert readings[report.id].read > 10 and readings[book.id].stale > 0 and readings[first.id].read >= 1
    member = ctx.member_users[0]
    seen = dict(db.session.execute(select(MaterialReceipt.material_id, MaterialReceipt.version_number)
                                   .where(MaterialReceipt.member_id == queries.receipt_rows(
                                       report, state=None, page=1, per_page=1).items[0].id)).all())
    assert seen.get(report.id) == 1 and seen.get(book.id) == 1 and first.id not in seen  # weiyuan001's states
    assert member.username == "weiyuan001"
