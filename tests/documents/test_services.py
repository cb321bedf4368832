import pytest

from meetingprep.audit import AuditEntry
from meetingprep.documents import queries, services
from meetingprep.documents.models import DocumentVersion, ReviewDecision
from meetingprep.documents.services import StageData
from meetingprep.documents.states import TRANSITIONS, ApprovalRule, Decision, DocumentStatus, ReviewAction
from meetingprep.errors import Conflict, InvalidTransition, NotAllowed, ValidationFailed
from meetingprep.extensions import db
from meetingprep.notifications.models import Notification
from meetingprep.permissions import Role
from tests import factories


def reload(document):
    db.session.expire_all()
    return queries.document_for_action(document.id)


def decide(document, user, decision=Decision.APPROVE, comment=""):
    services.decide(user, document, decision, comment=comment)
    return reload(document)


@pytest.fixture
def people(app):
    return {name: factories.make_user(role, display_name=name) for name, role in [
        ("秘书", Role.SECRETARIAT), ("起草人", Role.STAFF), ("初审", Role.STAFF), ("秘书长", Role.LEADER),
        ("主席", Role.LEADER)]}


@pytest.fixture
def three_stage(people):
    template = factories.make_pipeline_template(
        [[people["初审"]], [people["秘书长"]], [people["主席"]]], actor=people["秘书"])
    return factories.make_document(template=template, drafters=[people["起草人"]], actor=people["秘书"])


def test_the_state_table_has_every_action():
    assert set(TRANSITIONS) == set(ReviewAction)
    assert TRANSITIONS[ReviewAction.RETURN].needs_comment and TRANSITIONS[ReviewAction.REOPEN].needs_comment


def test_full_path_return_revise_and_finalise(people, three_stage):
    doc = factories.add_text_version(three_stage, people["起草人"], "第一段\n第二段")
    assert doc.status == DocumentStatus.IN_REVIEW and doc.current_stage.name == "第1审"
    assert db.session.query(Notification).filter_by(recipient_id=people["初审"].id, kind="document.review").count() == 1
    doc = decide(doc, people["初审"])
    assert doc.current_stage.name == "第2审"
    waiting = db.session.query(Notification).filter_by(kind="document.review").order_by(Notification.id).all()
    assert [(n.recipient_id, n.read_at is not None) for n in waiting] == [
        (people["初审"].id, True), (people["秘书长"].id, False)]  # the completed stage's 待您审核 is settled
    doc = decide(doc, people["秘书长"], Decision.RETURN, "第二段数据需核实")
    assert doc.status == DocumentStatus.RETURNED and doc.current_stage.name == "第2审"
    assert db.session.query(Notification).filter_by(recipient_id=people["起草人"].id,
                                                    kind="document.returned").count() == 1
    doc = factories.add_text_version(doc, people["起草人"], "第一段\n第二段（已核实）")
    # back to the stage that returned it, not to the first one
    assert doc.status == DocumentStatus.IN_REVIEW and doc.current_stage.name == "第2审"
    assert doc.current_stage.round == 2
    doc = decide(doc, people["秘书长"])
    doc = decide(doc, people["主席"])
    assert doc.status == DocumentStatus.FINALIZED and doc.finalized_at is not None
    assert not db.session.query(Notification).filter_by(kind="document.review", read_at=None).count()
    decisions = db.session.query(ReviewDecision).order_by(ReviewDecision.id).all()
    assert [d.doc_version.number for d in decisions] == [1, 1, 2, 2]  # every decision records its version
    with pytest.raises(InvalidTransition, match="已定稿"):
        services.add_version(people["起草人"], doc, text="再改一下")


def test_return_needs_a_comment(people, three_stage):
    doc = factories.add_text_version(three_stage, people["起草人"], "正文")
    with pytest.raises(ValidationFailed, match="请填写意见"):
        services.decide(people["初审"], doc, Decision.RETURN, comment="  ")


def test_no_new_version_while_in_review(people, three_stage):
    doc = factories.add_text_version(three_stage, people["起草人"], "正文")
    with pytest.raises(InvalidTransition, match="正在审核中"):
        services.add_version(people["起草人"], doc, text="改")


def test_only_drafters_and_secretariat_add_versions(people, three_stage):
    with pytest.raises(NotAllowed):
        services.add_version(people["初审"], three_stage, text="不是我的")
    doc = factories.add_text_version(three_stage, people["秘书"], "秘书处代为上传")
    assert doc.version_count == 1


def test_only_the_stage_reviewers_decide(people, three_stage):
    doc = factories.add_text_version(three_stage, people["起草人"], "正文")
    for outsider in (people["秘书长"], people["秘书"]):  # a later stage's leader, the secretariat
        with pytest.raises(NotAllowed):
            services.decide(outsider, doc, Decision.APPROVE)


def test_reviewer_cannot_approve_own_version(people):
    template = factories.make_pipeline_template([[people["初审"], people["秘书长"]]], actor=people["秘书"])
    doc = factories.make_document(template=template, drafters=[people["初审"]], actor=people["秘书"])
    doc = factories.add_text_version(doc, people["初审"], "我写的")
    with pytest.raises(NotAllowed, match="自己撰写"):
        services.decide(people["初审"], doc, Decision.APPROVE)
    doc = decide(doc, people["秘书长"])
    assert doc.status == DocumentStatus.FINALIZED


def test_m_of_n_parallel(people, app):
    reviewers = [factories.make_user(Role.STAFF) for _ in range(3)]
    template = factories.make_pipeline_template(
        [StageData(name="会签", reviewer_ids=[u.id for u in reviewers], rule=ApprovalRule.M_OF_N, required_count=2)],
        actor=people["秘书"])
    doc = factories.make_document(template=template, drafters=[people["起草人"]], actor=people["秘书"])
    doc = factories.add_text_version(doc, people["起草人"], "正文")
    assert len(doc.current_stage.pending_reviewers()) == 3
    doc = decide(doc, reviewers[2])
    assert doc.status == DocumentStatus.IN_REVIEW
    with pytest.raises(Conflict, match="已对本版本作出过决定"):
        services.decide(reviewers[2], doc, Decision.APPROVE)
    doc = decide(doc, reviewers[0])
    assert doc.status == DocumentStatus.FINALIZED


def test_all_sequential_goes_in_order(people, app):
    first, second = factories.make_user(Role.STAFF, display_name="甲"), factories.make_user(Role.STAFF)
    template = factories.make_pipeline_template(
        [StageData(name="依次", reviewer_ids=[first.id, second.id], rule=ApprovalRule.ALL, is_sequential=True)],
        actor=people["秘书"])
    doc = factories.make_document(template=template, drafters=[people["起草人"]], actor=people["秘书"])
    doc = factories.add_text_version(doc, people["起草人"], "正文")
    assert [r.user_id for r in doc.current_stage.pending_reviewers()] == [first.id]
    assert queries.review_queue_count(second.id) == 0 and queries.review_queue_count(first.id) == 1
    with pytest.raises(InvalidTransition, match="按顺序审核"):
        services.decide(second, doc, Decision.APPROVE)
    doc = decide(doc, first)
    assert queries.review_queue_count(second.id) == 1 and queries.review_queue_count(first.id) == 0
    assert db.session.query(Notification).filter_by(recipient_id=second.id).count() == 1
    doc = decide(doc, second)
    assert doc.status == DocumentStatus.FINALIZED


def test_sequential_queue_waits_on_the_earlier_reviewer_of_this_document(people, app):
    """待我审核 of the second reviewer: the earlier reviewer's decision on *another* document (same
    round number) does not release this one — the check must look at this document's stage."""
    first, second = factories.make_user(Role.STAFF, display_name="甲"), factories.make_user(Role.STAFF)
    template = factories.make_pipeline_template(
        [StageData(name="依次", reviewer_ids=[first.id, second.id], rule=ApprovalRule.ALL, is_sequential=True)],
        actor=people["秘书"])
    done, waiting = (factories.add_text_version(
        factories.make_document(template=template, drafters=[people["起草人"]], actor=people["秘书"]),
        people["起草人"], "正文") for _ in range(2))
    decide(reload(done), first)
    assert queries.review_queue_count(first.id) == 1 and queries.review_queue_count(second.id) == 1
    assert [d.id for d in queries.review_queue(second.id, 1, 50).items] == [done.id]
    assert [d.id for d in queries.review_queue(first.id, 1, 50).items] == [waiting.id]


def test_reopen_by_secretariat_only_with_reason(people):
    template = factories.make_pipeline_template([[people["初审"]]], actor=people["秘书"])
    doc = factories.make_document(template=template, drafters=[people["起草人"]], actor=people["秘书"])
    doc = decide(factories.add_text_version(doc, people["起草人"], "正文"), people["初审"])
    db.session.commit()
    with pytest.raises(NotAllowed):
        services.reopen(people["主席"], doc, "想再改")
    with pytest.raises(ValidationFailed, match="理由"):
        services.reopen(people["秘书"], doc, " ")
    db.session.rollback()
    doc = reload(doc)
    services.reopen(people["秘书"], doc, "数据口径调整")
    doc = reload(doc)
    assert doc.status == DocumentStatus.RETURNED and doc.finalized_at is None
    assert db.session.query(AuditEntry).filter_by(object_type="Document", object_id=doc.id,
                                                  action="重新打开").one().message == "定稿 → 退回修改：数据口径调整"
    doc = factories.add_text_version(doc, people["起草人"], "正文（调整）")
    assert doc.status == DocumentStatus.IN_REVIEW and doc.current_stage.round == 2


def test_template_edits_do_not_reach_documents_in_flight(people):
    template = factories.make_pipeline_template([[people["初审"]], [people["主席"]]], actor=people["秘书"])
    doc = factories.make_document(template=template, drafters=[people["起草人"]], actor=people["秘书"])
    template = queries.template_with_stages(template.id)
    services.save_template(people["秘书"], template, name=template.name, description="", version_id=template.version_id,
                           stages=[StageData(name="只剩一审", reviewer_ids=[people["秘书长"].id])])
    doc = reload(doc)
    assert [s.name for s in doc.stages] == ["第1审", "第2审"]
    assert doc.stages[0].reviewers[0].user_id == people["初审"].id


def test_role_reviewers_resolve_to_the_users_holding_the_role_at_copy_time(people):
    template = factories.make_pipeline_template(
        [StageData(name="领导审", reviewer_role=Role.LEADER, rule=ApprovalRule.ALL)], actor=people["秘书"])
    doc = factories.make_document(template=template, drafters=[people["起草人"]], actor=people["秘书"])
    assert {r.user_id for r in doc.stages[0].reviewers} == {people["秘书长"].id, people["主席"].id}
    assert doc.stages[0].required_count == 2
    factories.make_user(Role.LEADER)  # a leader appointed later is not asked on this document
    assert len(reload(doc).stages[0].reviewers) == 2


def test_template_validation(people):
    with pytest.raises(ValidationFailed, match="没有审核人"):
        services.save_template(people["秘书"], None, name="空", description="", stages=[StageData(name="审")])
    with pytest.raises(ValidationFailed, match="只指定了 1 位"):
        services.save_template(people["秘书"], None, name="多", description="", stages=[
            StageData(name="审", reviewer_ids=[people["初审"].id], rule=ApprovalRule.M_OF_N, required_count=2)])


def test_stale_version_number_is_refused(people, three_stage):
    doc = factories.add_text_version(three_stage, people["起草人"], "正文")
    with pytest.raises(Conflict, match="新版本"):
        services.decide(people["初审"], doc, Decision.APPROVE, version_number=7)


def test_speech_submission_flow(people, app):
    member = factories.make_user(Role.MEMBER, display_name="王委员")
    meeting = factories.make_meeting()
    doc = services.submit_speech(member, meeting, title="关于推进康养产业发展的建议", text="发言正文")
    doc = reload(doc)
    assert doc.status == DocumentStatus.AWAITING_PIPELINE and doc.type.name == "大会发言"
    assert doc.version_count == 1 and doc.drafter_ids == {member.id}
    template = factories.make_pipeline_template([[people["初审"]]], actor=people["秘书"])
    with pytest.raises(NotAllowed):
        services.assign_pipeline(member, doc, template_id=template.id, group_id=None, due_on=None)
    services.assign_pipeline(people["秘书"], doc, template_id=template.id, group_id=None, due_on=None)
    doc = decide(reload(doc), people["初审"], Decision.RETURN, "请压缩到1500字")
    assert db.session.query(Notification).filter_by(recipient_id=member.id, kind="document.returned").count() == 1
    doc = factories.add_text_version(doc, member, "压缩后的发言正文")
    assert doc.status == DocumentStatus.IN_REVIEW and doc.version_count == 2
    assert queries.my_speeches(member.id, 1, 10).total == 1


def test_text_or_file_exactly_one(people, three_stage):
    with pytest.raises(ValidationFailed, match="二选一"):
        services.add_version(people["起草人"], three_stage, text="")
    assert db.session.query(DocumentVersion).count() == 0


def test_overdue_stages_lists_pending_reviewers(people, three_stage, time_machine):
    doc = factories.add_text_version(three_stage, people["起草人"], "正文")
    db.session.commit()
    import datetime as dt

    from meetingprep.timeutil import now

    assert queries.overdue_stages(now()) == []
    late = queries.overdue_stages(now() + dt.timedelta(days=3))
    assert [(s.document_id, s.pending_user_ids) for s in late] == [(doc.id, (people["初审"].id,))]


def test_deactivated_named_reviewer_is_not_copied(people):
    template = factories.make_pipeline_template([[people["初审"], people["秘书长"]]], actor=people["秘书"])
    people["初审"].is_active_account = False
    doc = factories.make_document(template=template, drafters=[people["起草人"]], actor=people["秘书"])
    assert [r.user_id for r in doc.stages[0].reviewers] == [people["秘书长"].id]
