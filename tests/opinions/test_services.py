"""The rules of discussion opinions: who records what, answers and what each needs, the paragraph mapping."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from meetingprep.audit import AuditEntry
from meetingprep.documents.models import DocumentVersion
from meetingprep.errors import Conflict, NotAllowed, ValidationFailed
from meetingprep.extensions import db
from meetingprep.notifications.models import Notification
from meetingprep.opinions import queries, services
from meetingprep.opinions.models import DiscussionOpinion, OpinionResponse
from tests.opinions.conftest import REPORT_LINES, add_version, record, reload


def test_a_recorder_records_an_opinion_on_a_paragraph_and_the_trail_says_so(world):
    opinion = record(world, "提案数字请与提案委员会核对。", paragraph=3)
    assert (opinion.member_name, opinion.paragraph_number, opinion.paragraph_text) == \
        ("张委员", 3, REPORT_LINES[2])
    assert opinion.response is None and opinion.recorded_by_id == world.recorder.id
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "DiscussionOpinion"))
    assert entry.action == "create" and entry.actor_id == world.recorder.id and "提案数字" in entry.object_label


def test_a_recorder_records_only_for_their_own_group_and_only_members_of_it(world):
    with pytest.raises(NotAllowed):
        record(world, "越组记录", member=world.second_member, group=world.second_group)
    with pytest.raises(ValidationFailed, match="不在第一组"):
        record(world, "别组委员", member=world.second_member)
    # the secretariat records for any group
    opinion = record(world, "第二组的意见", member=world.second_member, group=world.second_group,
                     actor=world.users["secretariat"])
    assert opinion.discussion_group_id == world.second_group.id
    for who in ("group_lead", "leader", "member"):
        with pytest.raises(NotAllowed):
            record(world, "无权记录", actor=world.users[who])


@pytest.mark.parametrize(("paragraph", "body", "message"), [
    (9, "超出段落", "共 5 段"), (3, "   ", "请填写意见内容"), (3, "长" * 2001, "不能超过 2000 字")])
def test_bad_opinions_are_refused_in_chinese(world, paragraph, body, message):
    with pytest.raises(ValidationFailed, match=message):
        record(world, body, paragraph=paragraph)
    db.session.rollback()
    assert db.session.scalar(select(DiscussionOpinion.id)) is None


def test_no_opinions_on_a_finalized_report_or_a_speech(world):
    from meetingprep.documents import services as document_services
    from meetingprep.documents.states import Decision

    speech = document_services.submit_speech(world.users["member"], world.meeting, title="发言", text="发言正文")
    with pytest.raises(ValidationFailed, match="大会发言稿"):
        services.record_opinion(world.recorder, reload(speech.id), group_id=world.first_group.id,
                                member_id=world.member.id, paragraph_number=0, body="意见")
    document_services.decide(world.users["group_lead"], reload(world.report.id), Decision.APPROVE)
    with pytest.raises(ValidationFailed, match="已定稿"):
        record(world, "定稿后的意见")


def test_answers_need_what_their_rule_says(world):
    opinion = record(world, "提案数字请核对。")
    drafter = world.users["staff"]

    def answer(response, note="", version=None, who=drafter):
        found = db.session.get(DiscussionOpinion, opinion.id)
        return services.answer_opinion(who, found, reload(world.report.id), response=response, note=note,
                                       version_number=version, version_id=found.version_id)

    with pytest.raises(ValidationFailed, match="请先上传新版本"):
        answer("adopted")
    with pytest.raises(ValidationFailed, match="未采纳的理由"):
        answer("declined")
    with pytest.raises(ValidationFailed, match="请选择答复"):
        answer("maybe")
    with pytest.raises(ValidationFailed, match="第2稿或以后"):
        answer("adopted", version=1)
    with pytest.raises(NotAllowed):
        answer("explained", "说明", who=world.users["group_lead"])
    db.session.rollback()
    revised = [*REPORT_LINES]
    revised[2] = "全年共收到委员提案492件，经审查立案428件。"
    add_version(world, revised)
    answered = answer("adopted", version=2)
    db.session.commit()
    taken_up = db.session.get(DocumentVersion, answered.response_version_id)
    assert answered.response == OpinionResponse.ADOPTED and taken_up.number == 2
    # the member is told (their account), once per answer
    sent = db.session.scalars(select(Notification).where(Notification.kind == "opinion.answered")).all()
    assert [n.recipient_id for n in sent] == [world.users["member"].id] and "采纳" in sent[0].body
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "DiscussionOpinion",
                                                        AuditEntry.action == "update")).all()
    assert entry and "response" in entry[-1].changes


def test_a_stale_answer_is_a_conflict(world):
    opinion = record(world, "意见")
    stale = opinion.version_id
    services.answer_opinion(world.users["staff"], opinion, reload(world.report.id), response="explained",
                            note="已说明", version_number=None, version_id=stale)
    db.session.commit()
    with pytest.raises(Conflict):
        services.answer_opinion(world.users["secretariat"], db.session.get(DiscussionOpinion, opinion.id),
                                reload(world.report.id), response="declined", note="不采纳",
                                version_number=None, version_id=stale)


def test_opinions_follow_their_paragraph_into_the_current_version(world, app):
    moved = record(world, "关于提案数字", paragraph=3)
    dropped = record(world, "关于视察调研", paragraph=4, member=world.other_member)
    whole = record(world, "总体很好", paragraph=0)
    revised = ["各位委员：", "新增的一段开场白。", *REPORT_LINES[1:3], "今年要加强委员队伍建设。"]
    add_version(world, revised)
    current = reload(world.report.id)
    view = queries.by_paragraph(current, "\n".join(revised), queries.opinions_of(current.id),
                                app.config["DIFF_WORK_BUDGET"])
    assert [o.id for o in view.paragraphs[3].opinions] == [moved.id]  # 第3段 of 第1稿 is 第4段 now
    assert [o.id for o in view.dropped] == [dropped.id] and [o.id for o in view.whole] == [whole.id]
    assert view.current_paragraph == {moved.id: 4, dropped.id: None, whole.id: None}
    assert (view.total, view.unanswered) == (3, 3)


def test_recorders_are_staff_named_once_per_group(world):
    secretariat = world.users["secretariat"]
    with pytest.raises(ValidationFailed, match="已是第一组的记录员"):
        services.add_recorder(secretariat, world.meeting.id, group_id=world.first_group.id,
                              user_id=world.recorder.id)
    with pytest.raises(ValidationFailed, match="记录员须由工作人员担任"):
        services.add_recorder(secretariat, world.meeting.id, group_id=world.first_group.id,
                              user_id=world.users["member"].id)
    with pytest.raises(NotAllowed):
        services.add_recorder(world.users["group_lead"], world.meeting.id, group_id=world.first_group.id,
                              user_id=world.users["staff"].id)


def test_the_recorder_corrects_an_unanswered_opinion(world):
    """The text may be corrected while unanswered — by the group's recorder or the secretariat, audited with
    the old and new text; a stale save and a correction after the answer are conflicts."""
    opinion = record(world, "提按数字请核对。")
    seen = opinion.version_id
    services.correct_opinion(world.recorder, opinion, body="  提案数字请核对。 ", version_id=seen)
    db.session.commit()
    db.session.expire_all()
    opinion = db.session.get(DiscussionOpinion, opinion.id)
    assert opinion.body == "提案数字请核对。" and opinion.version_id == seen + 1
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "DiscussionOpinion",
                                                       AuditEntry.action == "update"))
    assert entry.actor_id == world.recorder.id and "提按数字请核对。" in str(entry.changes) \
        and "提案数字请核对。" in str(entry.changes)
    with pytest.raises(Conflict):  # a save on the page loaded before the correction
        services.correct_opinion(world.users["secretariat"], opinion, body="另一种改法", version_id=seen)
    db.session.rollback()
    with pytest.raises(ValidationFailed):
        services.correct_opinion(world.recorder, db.session.get(DiscussionOpinion, opinion.id), body="  ",
                                 version_id=seen + 1)
    db.session.rollback()
    # not a recorder of this group, nor another worker: refused
    second = record(world, "第二组的意见", member=world.second_member, group=world.second_group,
                    actor=world.users["secretariat"])
    for user in (world.users["staff"], world.users["member"], world.users["leader"]):
        with pytest.raises(NotAllowed):
            services.correct_opinion(user, db.session.get(DiscussionOpinion, opinion.id), body="改",
                                     version_id=seen + 1)
    with pytest.raises(NotAllowed):
        services.correct_opinion(world.recorder, second, body="改", version_id=second.version_id)
    services.correct_opinion(world.users["secretariat"], second, body="第二组的意见（已更正）",
                             version_id=second.version_id)
    db.session.commit()
    # answered: the text stands
    opinion = db.session.get(DiscussionOpinion, opinion.id)
    services.answer_opinion(world.users["staff"], opinion, reload(world.report.id), response="explained",
                            note="已核对", version_number=None, version_id=opinion.version_id)
    db.session.commit()
    with pytest.raises(Conflict, match="已答复"):
        services.correct_opinion(world.recorder, opinion, body="再改一次", version_id=opinion.version_id)
    db.session.rollback()
    assert db.session.get(DiscussionOpinion, opinion.id).body == "提案数字请核对。"
