"""Two reviewers deciding the same stage at the same moment: exactly one advance, the other a clear message."""

import os
import threading

import pytest

from meetingprep.documents import queries, services
from meetingprep.documents.models import DocumentStage, ReviewDecision
from meetingprep.documents.services import StageData
from meetingprep.documents.states import ApprovalRule, Decision, DocumentStatus
from meetingprep.errors import Conflict
from meetingprep.extensions import db
from meetingprep.permissions import Role
from tests import factories

pytestmark = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                                reason="needs PostgreSQL (TEST_DATABASE_URL) for two truly concurrent sessions")


@pytest.mark.parametrize("rule", [ApprovalRule.ANY, ApprovalRule.ALL])
def test_two_reviewers_complete_the_same_stage_at_once(app, rule):
    secretariat, drafter = factories.make_user(Role.SECRETARIAT), factories.make_user(Role.STAFF)
    first, second, chair = (factories.make_user(Role.LEADER) for _ in range(3))
    template = factories.make_pipeline_template(
        [StageData(name="会签", reviewer_ids=[first.id, second.id], rule=rule),
         StageData(name="主席审定", reviewer_ids=[chair.id])], actor=secretariat)
    document = factories.make_document(template=template, drafters=[drafter], actor=secretariat)
    document = factories.add_text_version(document, drafter, "正文")
    db.session.commit()
    document_id, reviewer_ids = document.id, [first.id, second.id]

    loaded = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    def decide(reviewer_id: int) -> None:
        with app.app_context():
            reviewer = db.session.get(factories.User, reviewer_id)
            doc = queries.document_for_action(document_id)
            loaded.wait(timeout=10)  # both have read the stage before either writes
            try:
                services.decide(reviewer, doc, Decision.APPROVE)
                db.session.commit()
                outcomes[reviewer_id] = "won"
            except Conflict as error:
                db.session.rollback()
                outcomes[reviewer_id] = error.message
            except Exception as error:  # reported by the assertion below rather than lost in the thread
                db.session.rollback()
                outcomes[reviewer_id] = repr(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=decide, args=(uid,)) for uid in reviewer_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(outcomes) == 2 and list(outcomes.values()).count("won") == 1, outcomes
    loser_message = next(message for message in outcomes.values() if message != "won")
    assert "另一位审核人刚刚对本阶段作出了决定" in loser_message
    db.session.expire_all()
    stages = db.session.query(DocumentStage).filter_by(document_id=document_id).order_by(DocumentStage.position).all()
    assert db.session.query(ReviewDecision).count() == 1
    document = queries.document_for_action(document_id)
    assert document.status == DocumentStatus.IN_REVIEW
    if rule == ApprovalRule.ANY:
        # exactly one advance: the second stage started once (round 1), the first completed once
        assert document.current_stage_id == stages[1].id and stages[1].round == 1
    else:
        # the loser's approval did not count; the stage waits on the loser alone, never stuck or doubled
        assert document.current_stage_id == stages[0].id
        assert len(document.current_stage.pending_reviewers()) == 1
