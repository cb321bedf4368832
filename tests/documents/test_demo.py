import random

from meetingprep.demo.context import DemoContext
from meetingprep.documents import demo, queries
from meetingprep.documents.models import Document, DocumentComment, DocumentVersion, ReviewDecision
from meetingprep.documents.queries import BoardFilters
from meetingprep.documents.states import DocumentStatus
from meetingprep.extensions import db
from meetingprep.permissions import Role
from meetingprep.timeutil import now
from tests import factories


def _context() -> DemoContext:
    meeting = factories.make_meeting()
    ctx = DemoContext(meeting=meeting, scale="small", rng=random.Random(1), now=now())
    for name in ("秘书组", "材料组", "提案组"):
        group = factories.make_group(meeting, name=name)
        ctx.groups[name] = group
        role = Role.SECRETARIAT if name == "秘书组" else Role.GROUP_LEAD
        ctx.staff_by_group[name] = [factories.make_user(role, group=group, is_lead=True),
                                    factories.make_user(Role.STAFF, group=group)]
    ctx.secretariat = ctx.staff_by_group["秘书组"]
    ctx.leaders = [factories.make_user(Role.LEADER, username=u) for u in ("zhuxi", "fuzhuxi1", "fuzhuxi2",
                                                                            "mishuzhang")]
    ctx.member_users = [factories.make_user(Role.MEMBER) for _ in range(12)]
    return ctx


def test_demo_seeds_main_documents_in_different_stages_and_a_dozen_speeches(app):
    ctx = _context()
    demo.seed(ctx)
    db.session.commit()
    statuses = [d.status for d in db.session.query(Document).filter(Document.submitter_id.is_(None))]
    assert sorted(statuses) == sorted([DocumentStatus.IN_REVIEW, DocumentStatus.RETURNED,
                                                DocumentStatus.FINALIZED])
    assert db.session.query(Document).filter(Document.submitter_id.is_not(None)).count() == 12
    assert db.session.query(DocumentVersion).count() >= 3 + 12 + 1
    assert db.session.query(ReviewDecision).filter(ReviewDecision.comment != "").count() >= 5
    assert db.session.query(DocumentComment).count() >= 1
    speech_statuses = {d.status for d in db.session.query(Document).filter(Document.submitter_id.is_not(None))}
    assert speech_statuses == {DocumentStatus.AWAITING_PIPELINE, DocumentStatus.IN_REVIEW, DocumentStatus.RETURNED}


def test_bulk_documents_are_consistent(app):
    ctx = _context()
    reports, _ = demo._templates(ctx)
    demo.bulk_documents(ctx, reports.id, 40)
    db.session.commit()
    assert db.session.query(Document).count() == 40
    assert db.session.query(DocumentVersion).count() > 40
    page = queries.board(ctx.meeting.id, BoardFilters(), 50)
    assert page.total == 40
    for document in page.items:
        if document.status != DocumentStatus.DRAFTING:
            assert document.current_stage is not None and document.current_stage.document_id == document.id
    waiting = [d for d in page.items if d.status == DocumentStatus.IN_REVIEW]
    assert all(d.current_stage.pending_reviewers() for d in waiting)
